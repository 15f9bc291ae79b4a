//! Word counts by Unicode word boundaries (UAX #29), as `unicode-segmentation` gives them,
//! with a fast path for the text newsrooms send: ASCII and the typographer's punctuation
//! (curly quotes, apostrophes, dashes, ellipses, guillemets, no-break spaces). The fast path
//! runs the same rules over the word-break classes of those characters, in one pass, with
//! no segment built.
//!
//! Text with any other character is cut at ASCII whitespace first: UAX #29 always breaks on
//! both sides of a space or a line end (no rule joins a letter to either), so each piece
//! can be counted alone, and only the pieces with a character outside the fast path's set
//! take the full rules.

use unicode_segmentation::UnicodeSegmentation;

/// The number of words in `text`: the UAX #29 word segments that hold a letter or a digit.
pub(crate) fn count(text: &str) -> usize {
    if let Some(words) = fast(text) {
        return words;
    }
    text.split(|c: char| c.is_ascii_whitespace() || c == '\u{b}')
        .map(|piece| fast(piece).unwrap_or_else(|| piece.unicode_words().count()))
        .sum()
}

/// The word-break classes of the characters the fast path knows, as UAX #29 has them.
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Class {
    /// ALetter: A–Z, a–z.
    Letter,
    /// Numeric: 0–9.
    Digit,
    /// ExtendNumLet: `_` and U+202F NARROW NO-BREAK SPACE.
    Connector,
    /// MidLetter: `:`, U+00B7 MIDDLE DOT and U+2027 HYPHENATION POINT.
    MidLetter,
    /// MidNumLet and Single_Quote: `.`, `'`, U+2018 and U+2019 (curly single quotes and
    /// the apostrophe) and U+2024 ONE DOT LEADER.
    MidNumLet,
    /// MidNum: `,` and `;`.
    MidNum,
    /// Everything else the fast path takes: a break on both sides.
    Other,
    /// A character the fast path does not know: the full rules count the text.
    Unknown,
}

const fn ascii_class(byte: u8) -> Class {
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

/// [`ascii_class`] of every ASCII byte.
const ASCII: [Class; 128] = {
    let mut table = [Class::Other; 128];
    let mut byte = 0;
    while byte < 128 {
        table[byte] = ascii_class(byte as u8);
        byte += 1;
    }
    table
};

/// The class of a character beyond ASCII. The punctuation taken as [`Class::Other`] is
/// Word_Break Other in Unicode, so nothing joins it to a neighbour; characters that attach
/// to the one before (Extend, Format, ZWJ) are left to the full rules, since they would
/// change the class of what precedes them.
fn wide_class(c: char) -> Class {
    match c {
        '\u{202f}' => Class::Connector,
        '\u{b7}' | '\u{2027}' => Class::MidLetter,
        '\u{2018}' | '\u{2019}' | '\u{2024}' => Class::MidNumLet,
        // No-break space, guillemets, dashes, double quotes, the low single quote, daggers,
        // bullets, the ellipsis, per mille, primes and single guillemets.
        '\u{a0}'
        | '\u{ab}'
        | '\u{bb}'
        | '\u{2010}'..='\u{2017}'
        | '\u{201a}'..='\u{2023}'
        | '\u{2025}'
        | '\u{2026}'
        | '\u{2030}'..='\u{203a}' => Class::Other,
        _ => Class::Unknown,
    }
}

/// The class of the character beyond ASCII at byte `at` of `text`, and its length.
#[cold]
#[inline(never)]
fn wide_at(text: &str, at: usize) -> (Class, usize) {
    text.get(at..)
        .and_then(|rest| rest.chars().next())
        .map_or((Class::Unknown, 1), |c| (wide_class(c), c.len_utf8()))
}

/// Where [`fast`] is: between words, or in one and after what.
#[derive(Clone, Copy)]
#[repr(u8)]
enum State {
    /// Not in a word.
    Out,
    /// In a word, after a letter.
    Letter,
    /// In a word, after a digit.
    Digit,
    /// In a word that has a letter or a digit, after a connector.
    Joined,
    /// In a segment of connectors only, which is not a word yet.
    Connectors,
    /// After a letter and a MidLetter or MidNumLet: a letter next continues the word.
    LetterMid,
    /// After a digit and a MidNum or MidNumLet: a digit next continues the word.
    DigitMid,
}

/// The next state from `state` on a character of `class` (not `Unknown`), and whether a
/// new word starts there.
const fn step(state: State, class: Class) -> (State, bool) {
    match (state, class) {
        (State::LetterMid, Class::Letter) => (State::Letter, false),
        (State::DigitMid, Class::Digit) => (State::Digit, false),
        // A MidLetter, MidNumLet or MidNum that does not join: as if out of a word.
        (State::LetterMid | State::DigitMid, _) => step(State::Out, class),
        (State::Out | State::Connectors, Class::Letter) => (State::Letter, true),
        (State::Out | State::Connectors, Class::Digit) => (State::Digit, true),
        (_, Class::Letter) => (State::Letter, false),
        (_, Class::Digit) => (State::Digit, false),
        (State::Out | State::Connectors, Class::Connector) => (State::Connectors, false),
        (_, Class::Connector) => (State::Joined, false),
        // WB6–7: a MidLetter or MidNumLet may join two letters; WB11–12: a MidNum or
        // MidNumLet two digits.
        (State::Letter, Class::MidLetter | Class::MidNumLet) => (State::LetterMid, false),
        (State::Digit, Class::MidNum | Class::MidNumLet) => (State::DigitMid, false),
        _ => (State::Out, false),
    }
}

/// [`step`] for every state and class, as the next state with 8 added when a word starts,
/// and [`UNKNOWN`] for `Unknown`. Eight by eight, so that an index masked to three bits is
/// always in bounds.
const STEPS: [[u8; 8]; 8] = {
    const STATES: [State; 7] = [
        State::Out,
        State::Letter,
        State::Digit,
        State::Joined,
        State::Connectors,
        State::LetterMid,
        State::DigitMid,
    ];
    const CLASSES: [Class; 7] = [
        Class::Letter,
        Class::Digit,
        Class::Connector,
        Class::MidLetter,
        Class::MidNumLet,
        Class::MidNum,
        Class::Other,
    ];
    let mut table = [[UNKNOWN; 8]; 8];
    let mut s = 0;
    while s < 7 {
        let mut c = 0;
        while c < 7 {
            let (next, starts) = step(STATES[s], CLASSES[c]);
            table[STATES[s] as usize][CLASSES[c] as usize] = next as u8 | (starts as u8) << 3;
            c += 1;
        }
        s += 1;
    }
    table
};

/// [`STEPS`]' entry for a character the fast path does not know.
const UNKNOWN: u8 = 0x80;

/// UAX #29 over text of ASCII and the typographer's punctuation, in one pass: letters,
/// digits and connectors run together (WB5, WB8–10, WB13a–b); a MidLetter or MidNumLet
/// joins two letters (WB6–7), and a MidNum or MidNumLet two digits (WB11–12); anything
/// else breaks. A segment counts once it holds a letter or a digit. `None` when the text
/// has a character outside the set.
fn fast(text: &str) -> Option<usize> {
    const { assert!(Class::Unknown as usize == 7 && State::DigitMid as usize == 6) };
    let bytes = text.as_bytes();
    let mut words = 0;
    let mut state = State::Out as u8;
    let mut at = 0;
    while let Some(&byte) = bytes.get(at) {
        let class = if byte.is_ascii() {
            at += 1;
            ASCII[usize::from(byte)]
        } else {
            let (class, length) = wide_at(text, at);
            at += length;
            class
        };
        let next = STEPS[usize::from(state & 7)][class as usize & 7];
        if next == UNKNOWN {
            return None;
        }
        words += usize::from(next >> 3);
        state = next & 7;
        if state == State::Letter as u8 {
            // A letter after a letter changes nothing (WB5): run through the word's ASCII
            // letters.
            at = crate::typography::ascii::letters_end(bytes, at);
            // The commonest step of prose: a space, then the next word's first letter, which
            // starts a word (WB999: no rule joins a letter to a space).
            while bytes.get(at) == Some(&b' ')
                && bytes.get(at + 1).is_some_and(u8::is_ascii_alphabetic)
            {
                words += 1;
                at = crate::typography::ascii::letters_end(bytes, at + 2);
            }
        }
    }
    Some(words)
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
        for name in crate::fixtures::TEXT_FIXTURES {
            for text in crate::fixtures::strings(name) {
                assert_eq!(
                    count(&text),
                    text.unicode_words().count(),
                    "{name}: {text:?}"
                );
            }
        }
    }

    #[test]
    fn counts_like_unicode_segmentation_on_every_short_string() {
        // One character of each class, some twice.
        const ALPHABET: &[char] = &[
            'a', 'Z', '7', '_', '\u{202f}', ':', '\u{b7}', '.', '\'', '\u{2019}', ',', ';', ' ',
            '\u{2014}',
        ];
        crate::fixtures::every_string(ALPHABET, 5, |text| {
            assert_eq!(fast(text), Some(text.unicode_words().count()), "{text:?}");
        });
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
        fn the_typographic_path_agrees_with_unicode_segmentation(
            text in "[a-zA-Z0-9_'.,;: \t\n\u{a0}\u{ab}\u{bb}\u{b7}\u{2010}-\u{2027}\u{202f}\u{2030}-\u{203a}]{0,40}"
        ) {
            prop_assert_eq!(fast(&text), Some(text.unicode_words().count()));
            prop_assert_eq!(count(&text), text.unicode_words().count());
        }

        #[test]
        fn the_ascii_path_agrees_with_unicode_segmentation(text in "[a-zA-Z0-9_:.,;' \\t\\n\\r!?()-]{0,40}") {
            prop_assert_eq!(fast(&text), Some(text.unicode_words().count()));
        }
    }
}
