//! The base direction of a paragraph of text: the one place that decides whether a block
//! runs right to left, so that every format agrees on it.

use unicode_bidi::Direction;

/// Whether a paragraph of `text` runs right to left, by rules P2 and P3 of the Unicode
/// Bidirectional Algorithm (UAX #9): the first strong character (bidi class L, R or AL)
/// decides, skipping neutrals such as digits, punctuation and quotation marks before it and
/// anything inside an isolate (U+2066..U+2069).
///
/// Text with no strong character, and empty text, takes `default_rtl`: the direction of
/// what holds the paragraph, usually its article's language ([`Language::is_rtl`]).
///
/// As in UAX #9, only the text up to the first paragraph separator (bidi class B: `'\n'`,
/// `'\r'`, U+2029 and the like) is looked at, so a block whose first line has no strong
/// character takes `default_rtl` even if a later line has one.
///
/// [`Language::is_rtl`]: crate::model::Language::is_rtl
pub fn is_rtl_text(text: &str, default_rtl: bool) -> bool {
    match unicode_bidi::get_base_direction(text) {
        Direction::Ltr => false,
        Direction::Rtl => true,
        // `get_base_direction` says `Mixed` when it found no strong character.
        Direction::Mixed => default_rtl,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_strong_character_decides() {
        assert!(!is_rtl_text("Putin met Witkoff", true));
        assert!(is_rtl_text("مرحبا بالعالم", false));
        assert!(is_rtl_text("שלום עולם", false));
        assert!(!is_rtl_text("Hello, مرحبا", true));
        assert!(is_rtl_text("مرحبا, hello", false));
        assert!(!is_rtl_text("Путин провёл переговоры", true));
    }

    #[test]
    fn neutrals_before_the_first_strong_character_are_skipped() {
        assert!(is_rtl_text("«2024» — مرحبا", false));
        assert!(is_rtl_text("(1) שלום", false));
        assert!(!is_rtl_text("“42” — Hello", true));
    }

    #[test]
    fn text_with_no_strong_character_takes_the_default() {
        for text in ["", "2024", "— 12:30 —", "… !? 3.14"] {
            assert!(is_rtl_text(text, true), "{text:?}");
            assert!(!is_rtl_text(text, false), "{text:?}");
        }
    }

    #[test]
    fn isolates_are_skipped() {
        // An isolated Latin run before Hebrew text: the Hebrew decides.
        assert!(is_rtl_text("\u{2066}abc\u{2069} שלום", false));
        assert!(!is_rtl_text("\u{2067}שלום\u{2069} abc", true));
    }

    #[test]
    fn only_the_first_paragraph_counts() {
        assert!(!is_rtl_text("2024\nمرحبا", false));
        assert!(is_rtl_text("2024\nhello", true));
        assert!(is_rtl_text("שלום\nhello", false));
    }
}
