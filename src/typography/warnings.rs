//! The wording of warnings that several renderers give, so that callers can match them.

/// The warning for characters no font could draw, naming each by its code point, or `None`
/// when there are none. `place` says what they are missing from: "the PDF".
pub fn missing_glyphs_warning(missing: &[char], place: &str) -> Option<String> {
    if missing.is_empty() {
        return None;
    }
    let points: Vec<String> = missing
        .iter()
        .map(|c| format!("U+{:04X}", u32::from(*c)))
        .collect();
    Some(format!(
        "no font has a glyph for {}; those characters are missing from {place}",
        points.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_every_missing_code_point() {
        assert_eq!(missing_glyphs_warning(&[], "the PDF"), None);
        assert_eq!(
            missing_glyphs_warning(&['🙂', '北'], "the PDF").as_deref(),
            Some(
                "no font has a glyph for U+1F642, U+5317; those characters are missing from the PDF"
            )
        );
    }
}
