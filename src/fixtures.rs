//! Test support for the unit tests that check a fast path against the crate it stands in
//! for, or rules against all their inputs: every string of the JSON fixtures under
//! `tests/fixtures` (real newsroom text), and every short string over an alphabet.

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

/// Calls `check` with every string of up to `longest` characters drawn from `alphabet`, the
/// empty one first, shortest first.
pub(crate) fn every_string(alphabet: &[char], longest: u32, mut check: impl FnMut(&str)) {
    let mut text = String::new();
    let n = alphabet.len();
    for length in 0..=longest {
        for mut index in 0..n.pow(length) {
            text.clear();
            for _ in 0..length {
                text.push(alphabet[index % n]);
                index /= n;
            }
            check(&text);
        }
    }
}
