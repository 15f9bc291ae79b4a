//! Test support: every string of the JSON fixtures under `tests/fixtures`, for the unit tests
//! that check a fast path against the crate it stands in for on real newsroom text.

/// The fixtures with the most varied text: news prose, many scripts, hostile input.
pub(crate) const TEXT_FIXTURES: [&str; 6] = [
    "seed",
    "multilingual",
    "hostile",
    "newsroom",
    "digest",
    "arabic",
];

/// Every string value of the fixture `name` (`tests/fixtures/{name}.json`), at any depth.
pub(crate) fn strings(name: &str) -> Vec<String> {
    fn walk(value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::String(s) => out.push(s.clone()),
            serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            serde_json::Value::Object(map) => map.values().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let path = format!("{}/tests/fixtures/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let json: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut out = Vec::new();
    walk(&json, &mut out);
    out
}
