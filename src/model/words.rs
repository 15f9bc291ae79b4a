//! Word counts by Unicode word boundaries (UAX #29), as `unicode-segmentation` gives them,
//! with a fast path for ASCII text, which is most of what newsrooms send: the same rules
//! over bytes, in one pass, with no segment built.
//!
//! Text that is not all ASCII (curly quotes and dashes are enough, and smart quotes put
//! them in most English text) is cut at ASCII whitespace first: UAX #29 always breaks on
//! both sides of a space or a line end (no rule joins a letter to either), so each piece
//! can be counted alone, the ASCII pieces on the fast path and only the others by the full
//! rules.

use unicode_segmentation::UnicodeSegmentation;

/// The number of words in `text`: the UAX #29 word segments that hold a letter or a digit.
pub(crate) fn count(text: &str) -> usize {
    if text.is_ascii() {
        return ascii(text.as_bytes());
    }
    text.split(|c: char| c.is_ascii_whitespace() || c == '\u{b}')
        .map(|piece| {
            if piece.is_ascii() {
                ascii(piece.as_bytes())
            } else {
                piece.unicode_words().count()
            }
        })
        .sum()
}

/// The word-break classes of ASCII characters that UAX #29 treats specially.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    /// ALetter: A–Z, a–z.
    Letter,
    /// Numeric: 0–9.
    Digit,
    /// ExtendNumLet: `_`.
    Connector,
    /// MidLetter: `:`.
    MidLetter,
    /// MidNumLet and Single_Quote: `.` and `'`.
    MidNumLet,
    /// MidNum: `,` and `;`.
    MidNum,
    /// Everything else: a break on both sides.
    Other,
}

fn class(byte: u8) -> Class {
    match byte {
        b'A'..=b'Z' | b'a'..=b'z' => Class::Letter,
        b'0'..=b'9' => Class::Digit,
        b'_' => Class::Connector,
        b':' => Class::MidLetter,
        b'.' | b'\'' => Class::MidNumLet,
        b',' | b';' => Class::MidNum,
        _ => Class::Other,
    }
}

/// UAX #29 over ASCII: letters, digits and `_` run together (WB5, WB8–10, WB13a–b); a
/// `:`, `.` or `'` joins two letters (WB6–7), and a `,`, `;`, `.` or `'` two digits
/// (WB11–12); anything else breaks. A segment counts once it holds a letter or a digit.
fn ascii(bytes: &[u8]) -> usize {
    let mut words = 0;
    let mut in_word = false;
    let mut counted = false;
    for (i, &byte) in bytes.iter().enumerate() {
        let here = class(byte);
        match here {
            Class::Letter | Class::Digit | Class::Connector => {
                if !in_word {
                    in_word = true;
                    counted = false;
                }
                if here != Class::Connector && !counted {
                    words += 1;
                    counted = true;
                }
            }
            Class::MidLetter | Class::MidNumLet | Class::MidNum => {
                let before = i.checked_sub(1).map(|j| class(bytes[j]));
                let after = bytes.get(i + 1).map(|&b| class(b));
                let joins_letters = here != Class::MidNum
                    && before == Some(Class::Letter)
                    && after == Some(Class::Letter);
                let joins_digits = here != Class::MidLetter
                    && before == Some(Class::Digit)
                    && after == Some(Class::Digit);
                if !(in_word && (joins_letters || joins_digits)) {
                    in_word = false;
                }
            }
            Class::Other => in_word = false,
        }
    }
    words
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn counts_like_unicode_segmentation_on_news_text() {
        for text in [
            "Russian President Vladimir Putin met for more than four hours.",
            "The U.S. team said 25,000–30,000 a month; 1.2 million in all.",
            "rock'n'roll, don't, Jones' '90s a.b..c 3.14 3.,4 x:y __ a_b _",
            "",
            "   ",
            "e.g. i.e. 10:30 12;34 a;b",
        ] {
            assert_eq!(count(text), text.unicode_words().count(), "{text:?}");
        }
    }

    #[test]
    fn counts_like_unicode_segmentation_on_every_string_of_the_fixtures() {
        fn strings<'a>(value: &'a serde_json::Value, out: &mut Vec<&'a str>) {
            match value {
                serde_json::Value::String(s) => out.push(s),
                serde_json::Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
                serde_json::Value::Object(map) => map.values().for_each(|v| strings(v, out)),
                _ => {}
            }
        }
        for name in ["seed", "multilingual", "hostile", "newsroom", "digest"] {
            let path = format!("{}/tests/fixtures/{name}.json", env!("CARGO_MANIFEST_DIR"));
            let json: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
            let mut texts = Vec::new();
            strings(&json, &mut texts);
            for text in texts {
                assert_eq!(
                    count(text),
                    text.unicode_words().count(),
                    "{name}: {text:?}"
                );
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn the_split_path_agrees_with_unicode_segmentation(
            text in "[a-zA-Z0-9'.,:\u{2019}\u{201c}\u{201d}\u{2014}\u{e9}\u{301}\u{93e}\u{200d}\u{a0}\u{65e5}\u{672c} \t\n\r\u{b}\u{c}]{0,40}"
        ) {
            prop_assert_eq!(count(&text), text.unicode_words().count());
        }

        #[test]
        fn the_ascii_path_agrees_with_unicode_segmentation(text in "[a-zA-Z0-9_:.,;' \\t\\n\\r!?()-]{0,40}") {
            prop_assert_eq!(ascii(text.as_bytes()), text.unicode_words().count());
        }
    }
}
