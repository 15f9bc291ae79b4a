//! Text clean-up applied to every string of a request, once, at the edge.
//!
//! - Control characters other than line feed and tab are removed, as are noncharacters
//!   (U+FFFE, U+FFFF, U+FDD0–U+FDEF and their twins on every plane) and U+FEFF. None of them
//!   can be shown, and several are not allowed in XML.
//! - The text is put in Unicode Normalization Form C.
//! - Whitespace is then handled by the kind of field:
//!   - *single-line* fields (headline, names, captions, titles): every run of whitespace,
//!     line breaks included, becomes one space; the ends are trimmed;
//!   - *flowing* text (paragraphs, list items, quotes): runs of spaces, tabs, carriage returns
//!     and line feeds become one space, because a CMS wraps its source text at random;
//!     U+2028 LINE SEPARATOR, U+2029 PARAGRAPH SEPARATOR and U+0085 NEXT LINE are deliberate
//!     breaks and become one `'\n'`, which renderers show as a line break;
//!   - *verbatim* text (preformatted blocks): line ends become `'\n'` and tabs stay.
//!
//! No-break spaces (U+00A0, U+202F) and zero-width joiners are content, not layout, and stay.

use std::borrow::Cow;

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// Whether a character is dropped from every field.
fn is_unwanted(c: char) -> bool {
    let cp = c as u32;
    (c.is_control() && c != '\n' && c != '\t' && c != '\r' && c != '\u{85}')
        || (0xFDD0..=0xFDEF).contains(&cp)
        || cp & 0xFFFE == 0xFFFE
        || c == '\u{FEFF}'
}

/// A soft whitespace character: collapsed to one space in flowing text.
fn is_soft_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// A deliberate line break in flowing text.
fn is_hard_break(c: char) -> bool {
    matches!(c, '\u{2028}' | '\u{2029}' | '\u{85}')
}

/// Drops unwanted characters, then applies NFC (in that order, so that removing a character
/// cannot leave a sequence that is no longer normalised). Text that needs neither, which is
/// nearly all text, is borrowed as it is.
fn normalize(text: &str) -> Cow<'_, str> {
    let clean = !text.chars().any(is_unwanted);
    if clean && is_nfc_quick(text.chars()) == IsNormalized::Yes {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.chars().filter(|&c| !is_unwanted(c)).nfc().collect())
    }
}

/// Whether `text` is already clean, as [`line`] and [`flowing`] would leave it: nothing to
/// drop, already NFC, and no whitespace but single spaces between words. ASCII is read eight
/// bytes at a time; each run of other characters is decoded, and checked for NFC when it
/// has a character at or above U+0300 (below it every character is NFC as it stands, and
/// an ASCII character between two runs starts afresh, as it does in the NFC check).
fn is_simple(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.first() == Some(&b' ') || bytes.last() == Some(&b' ') {
        return false;
    }
    let mut previous_space = false;
    let mut at = 0;
    while at < bytes.len() {
        if let Some(word) = bytes.get(at..at + 8) {
            let word = u64::from_le_bytes(word.try_into().unwrap_or_default());
            if word & HIGH == 0 {
                let spaces = zero_bytes(word ^ SPACES);
                // Bytes below 0x20 (adding 0x60 leaves their high bit clear) and 0x7F.
                let controls = !word.wrapping_add(0x6060_6060_6060_6060) & HIGH
                    | zero_bytes(word ^ 0x7F7F_7F7F_7F7F_7F7F);
                let doubled = spaces & (spaces >> 8) | u64::from(previous_space) << 7 & spaces;
                if controls | doubled != 0 {
                    return false;
                }
                previous_space = spaces >> 63 != 0;
                at += 8;
                continue;
            }
        }
        let byte = bytes[at];
        if byte < 0x80 {
            let space = byte == b' ';
            if (space && previous_space) || byte < 0x20 || byte == 0x7F {
                return false;
            }
            previous_space = space;
            at += 1;
            continue;
        }
        let end = bytes[at..]
            .iter()
            .position(u8::is_ascii)
            .map_or(bytes.len(), |length| at + length);
        let run = &text[at..end];
        let mut check_nfc = false;
        for c in run.chars() {
            if is_unwanted(c) || is_hard_break(c) {
                return false;
            }
            check_nfc |= c >= '\u{300}';
        }
        if check_nfc && is_nfc_quick(run.chars()) != IsNormalized::Yes {
            return false;
        }
        previous_space = false;
        at = end;
    }
    true
}

/// The high bit of every byte of a word.
const HIGH: u64 = 0x8080_8080_8080_8080;
/// Eight spaces.
const SPACES: u64 = 0x2020_2020_2020_2020;

/// The high bit set in each byte of `word` that is zero, and nothing else.
const fn zero_bytes(word: u64) -> u64 {
    const LOW: u64 = !HIGH;
    !((word & LOW).wrapping_add(LOW) | word) & HIGH
}

/// Cleans a single-line field. Text that is already clean is returned as it is, without
/// copying.
pub(crate) fn line(text: String) -> String {
    if is_simple(&text) {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in normalize(&text).chars() {
        if is_soft_space(c) || is_hard_break(c) {
            pending_space = !out.is_empty();
        } else {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(c);
        }
    }
    out
}

/// Cleans verbatim text: line ends become `'\n'`, leading and trailing blank lines go.
pub(crate) fn verbatim(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let normalized = normalize(text);
    let mut chars = normalized.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push('\n');
            }
            c if is_hard_break(c) => out.push('\n'),
            c => out.push(c),
        }
    }
    let trimmed_end = out.trim_end().len();
    out.truncate(trimmed_end);
    let start = out
        .char_indices()
        .take_while(|&(_, c)| c.is_whitespace())
        .filter(|&(_, c)| c == '\n')
        .last()
        .map_or(0, |(i, _)| i + 1);
    out.split_off(start)
}

/// The pending whitespace between two words of flowing text.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Gap {
    None,
    Space,
    Break,
}

/// Cleans the runs of one flowing block as a whole, so that whitespace collapses across run
/// boundaries. Returns one cleaned string per run, in order; a run may come back empty.
/// The collapsed whitespace stays with the run where it began, so a link or code run never
/// gains a leading space. Runs that are already clean (and meet without a double space)
/// are returned as they are, without copying.
pub(crate) fn flowing(runs: Vec<String>) -> Vec<String> {
    if runs_are_simple(&runs) {
        return runs;
    }
    let mut out: Vec<String> = Vec::new();
    let mut gap = Gap::None;
    let mut gap_run = 0;
    let mut seen_text = false;
    for (index, run) in runs.iter().enumerate() {
        out.push(String::with_capacity(run.len()));
        for c in normalize(run).chars() {
            if is_hard_break(c) {
                if seen_text && gap != Gap::Break {
                    if gap == Gap::None {
                        gap_run = index;
                    }
                    gap = Gap::Break;
                }
            } else if is_soft_space(c) {
                if seen_text && gap == Gap::None {
                    gap = Gap::Space;
                    gap_run = index;
                }
            } else {
                match gap {
                    Gap::None => {}
                    Gap::Space => out[gap_run].push(' '),
                    Gap::Break => out[gap_run].push('\n'),
                }
                gap = Gap::None;
                seen_text = true;
                out[index].push(c);
            }
        }
    }
    out
}

/// Cleans one run of flowing text, as [`flowing`] cleans a block of one run.
pub(crate) fn flowing_text(text: String) -> String {
    if is_simple(&text) {
        return text;
    }
    flowing(vec![text]).pop().unwrap_or_default()
}

/// Whether the runs of a flowing block are clean as they stand: each is simple apart from
/// a space at either end, the block neither starts nor ends with one, and no space meets
/// another across a boundary.
fn runs_are_simple(runs: &[String]) -> bool {
    let mut previous_space = None;
    let mut seen_text = false;
    for run in runs {
        if run.is_empty() {
            continue;
        }
        let starts = run.starts_with(' ');
        let ends = run.ends_with(' ');
        if starts && (!seen_text || previous_space == Some(true)) {
            return false;
        }
        let inner = run.trim_matches(' ');
        if inner.is_empty() || run.starts_with("  ") || run.ends_with("  ") || !is_simple(inner) {
            return false;
        }
        seen_text = true;
        previous_space = Some(ends);
    }
    previous_space != Some(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: &str) -> String {
        super::line(text.to_owned())
    }

    fn flowing<const N: usize>(runs: [&str; N]) -> Vec<String> {
        super::flowing(runs.iter().map(|r| (*r).to_owned()).collect())
    }

    /// The slow path, for comparing the fast one with.
    fn flowing_slowly<const N: usize>(runs: [&str; N]) -> Vec<String> {
        let mut marked: Vec<String> = runs.iter().map(|r| (*r).to_owned()).collect();
        // A leading control forces the full path; it is dropped like any control.
        marked[0].insert(0, '\u{1}');
        super::flowing(marked)
    }

    /// [`super::is_simple`] as it was first written, a byte or a character at a time, for
    /// the one that reads eight bytes at a time to agree with.
    fn is_simple_byte_by_byte(text: &str) -> bool {
        let bytes = text.as_bytes();
        if bytes.first() == Some(&b' ') || bytes.last() == Some(&b' ') {
            return false;
        }
        let mut previous_space = false;
        let mut nfc_from = None;
        let mut at = 0;
        while let Some(&byte) = bytes.get(at) {
            if byte < 0x80 {
                let space = byte == b' ';
                if (space && previous_space) || byte < 0x20 || byte == 0x7F {
                    return false;
                }
                previous_space = space;
                at += 1;
                continue;
            }
            let Some(c) = text[at..].chars().next() else {
                return false;
            };
            if is_unwanted(c) || is_hard_break(c) {
                return false;
            }
            if c >= '\u{300}' && nfc_from.is_none() {
                nfc_from = Some(at);
            }
            previous_space = false;
            at += c.len_utf8();
        }
        nfc_from.is_none_or(|from| is_nfc_quick(text[from..].chars()) == IsNormalized::Yes)
    }

    #[test]
    fn is_simple_agrees_with_reading_a_byte_at_a_time_on_the_fixtures() {
        let mut clean = 0;
        for name in crate::fixtures::TEXT_FIXTURES {
            for text in crate::fixtures::strings(name) {
                let simple = super::is_simple(&text);
                assert_eq!(simple, is_simple_byte_by_byte(&text), "{name}: {text:?}");
                clean += usize::from(simple);
            }
        }
        assert!(clean > 100, "only {clean} fixture strings were clean");
    }

    proptest::proptest! {
        #[test]
        fn is_simple_agrees_with_reading_a_byte_at_a_time(
            text in "[ ab.\u{1}\u{1f}\u{7f}\t\n\u{e9}\u{301}\u{316}\u{a0}\u{2028}\u{2019}\u{fffe}\u{1f600}]{0,40}"
        ) {
            proptest::prop_assert_eq!(super::is_simple(&text), is_simple_byte_by_byte(&text));
        }

        #[test]
        fn is_simple_agrees_on_long_plain_runs(
            words in proptest::collection::vec("[a-z]{1,12}", 1..12),
            separators in proptest::collection::vec("( | | | | \u{2019} |, |  |\u{1}|\u{7f}|\t|e\u{301}\u{316})", 12)
        ) {
            let mut text = String::new();
            for (word, separator) in words.iter().zip(&separators) {
                text.push_str(word);
                text.push_str(separator);
            }
            text.push('z');
            proptest::prop_assert_eq!(super::is_simple(&text), is_simple_byte_by_byte(&text));
        }

        #[test]
        fn the_fast_path_agrees_with_the_full_one_on_any_text(
            runs in proptest::collection::vec("[ ab\u{e9}\u{301}\t\n\u{a0}\u{2028}\u{0}]{0,6}", 1..4)
        ) {
            let fast = super::flowing(runs.clone());
            let mut marked = runs.clone();
            marked[0].insert(0, '\u{1}');
            proptest::prop_assert_eq!(fast, super::flowing(marked));
            let mut marked = runs[0].clone();
            marked.insert(0, '\u{1}');
            proptest::prop_assert_eq!(super::line(runs[0].clone()), super::line(marked));
        }
    }

    #[test]
    fn clean_text_is_returned_without_a_copy() {
        let text = "Putin holds four-hour talks \u{e9}t\u{e9} in the Kremlin".to_owned();
        let pointer = text.as_ptr();
        let cleaned = super::line(text);
        assert_eq!(cleaned.as_ptr(), pointer);
        let runs = vec![
            "see ".to_owned(),
            "the link".to_owned(),
            ", then".to_owned(),
        ];
        let pointers: Vec<*const u8> = runs.iter().map(|r| r.as_ptr()).collect();
        let cleaned = super::flowing(runs);
        let after: Vec<*const u8> = cleaned.iter().map(|r| r.as_ptr()).collect();
        assert_eq!(after, pointers);
    }

    #[test]
    fn the_fast_path_agrees_with_the_full_one() {
        let cases: [[&str; 3]; 12] = [
            ["see ", "the link", ", then"],
            ["see", " the link", " "],
            ["a ", "  ", "b"],
            ["a", "", "b"],
            [" lead", "x", "y"],
            ["x", "y", "trail "],
            ["two  spaces", "", ""],
            ["end ", " start", ""],
            ["tab\there", "", ""],
            ["e\u{301}", "", ""],
            ["caf\u{e9} ", "cr\u{e8}me", " br\u{fb}l\u{e9}e"],
            ["line\u{2028}break", "", ""],
        ];
        for case in cases {
            assert_eq!(flowing(case), flowing_slowly(case), "{case:?}");
        }
        for text in [
            "a  b",
            " a",
            "a ",
            "a\tb",
            "a\u{a0}b",
            "e\u{301}",
            "plain words",
        ] {
            let mut slow = text.to_owned();
            slow.insert(0, '\u{1}');
            assert_eq!(line(text), super::line(slow), "{text:?}");
            assert_eq!(
                vec![flowing_text(text.to_owned())],
                flowing_slowly([text]),
                "{text:?}"
            );
        }
    }

    #[test]
    fn line_collapses_all_whitespace() {
        assert_eq!(
            line("  Putin\u{2028}holds \n\t talks  "),
            "Putin holds talks"
        );
        assert_eq!(line("no\u{00A0}break"), "no\u{00A0}break");
    }

    #[test]
    fn removes_controls_and_noncharacters() {
        assert_eq!(
            line("a\u{0}b\u{7}c\u{FFFE}d\u{FFFF}e\u{FDD0}f\u{1FFFE}g\u{FEFF}"),
            "abcdefg"
        );
        assert_eq!(line("\u{1b}[31mred"), "[31mred");
    }

    #[test]
    fn applies_nfc_after_removing_controls() {
        // "e", a NUL, then a combining acute: one precomposed é once the NUL is gone.
        assert_eq!(line("e\u{0}\u{301}"), "\u{e9}");
        assert_eq!(line("Ame\u{301}lie"), "Am\u{e9}lie");
    }

    #[test]
    fn flowing_text_keeps_deliberate_breaks_only() {
        assert_eq!(flowing(["one\ntwo  three"]), ["one two three"]);
        assert_eq!(
            flowing(["line one\u{2028}line two"]),
            ["line one\nline two"]
        );
        assert_eq!(flowing(["a \u{2029}\u{2029} b"]), ["a\nb"]);
        assert_eq!(
            flowing(["\u{2028} lead and trail \u{2028}"]),
            ["lead and trail"]
        );
    }

    #[test]
    fn flowing_collapses_across_runs_and_keeps_space_with_its_run() {
        assert_eq!(
            flowing(["see ", " the link", " "]),
            ["see ", "the link", ""]
        );
        assert_eq!(flowing(["word", "link"]), ["word", "link"]);
        assert_eq!(flowing(["a ", "  ", "b"]), ["a ", "", "b"]);
    }

    #[test]
    fn verbatim_keeps_layout() {
        assert_eq!(
            verbatim("\n\n  fn main() {\r\n\tx\r}\n\n"),
            "  fn main() {\n\tx\n}"
        );
        assert_eq!(verbatim("a\u{2028}b"), "a\nb");
    }
}
