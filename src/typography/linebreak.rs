//! Line break opportunities by the Unicode line breaking algorithm (UAX #14), exactly as
//! `unicode-linebreak` gives them, with a fast path for the text of alphabetic scripts.
//!
//! `unicode-linebreak` runs a state machine over every character through a chain of
//! iterator adaptors, which is most of what wrapping a plain-text article costs. Text whose
//! characters all fall in the classes news prose is made of (letters and the signs that
//! count as letters, such as `©`; digits, spaces, line feeds, quotation marks, the infix,
//! exclamation and symbol punctuation, hyphens, dashes, no-break spaces and hyphens,
//! ellipses, brackets and currency and percent signs) is broken here instead, by the same
//! rules written out as pairs: for those classes UAX #14's rules are the pair rules
//! LB12–LB31 plus the few that look back across spaces (LB14, LB15, LB17). Classes come
//! from `unicode_linebreak::break_property`, so a letter of any alphabetic script takes the
//! fast path; text with any other class (combining marks, ideographs, Hebrew, emoji,
//! zero-width characters, carriage returns) takes the crate's own path from the start,
//! keeping the breaks the fast path already gave (UAX #14 decides a break from the text
//! before it and the character after it, so those are the crate's too). The tests check
//! the two give the same breaks on every string of up to four characters of the fast
//! path's classes, on random longer ones and on the fixtures.

use unicode_linebreak::{BreakClass, BreakOpportunity, break_property};

// The pair rules below are Unicode 15.0's, the version the crate implements; later versions
// rewrote several of them (quotation marks, infix separators, hyphens), so a crate on
// another version must be checked against these rules, and the tests run, before this
// assertion moves with it.
const _: () = assert!(
    matches!(unicode_linebreak::UNICODE_VERSION, (15, 0, 0)),
    "typography::linebreak encodes Unicode 15.0's line breaking rules"
);

/// The line break classes the fast path knows, as indices into [`RULES`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
enum Class {
    /// AL: letters and most symbols, and AI (ambiguous) as LB1 resolves it.
    Letter,
    /// NU: digits.
    Digit,
    /// IS: `.` `,` `:` `;`.
    Infix,
    /// QU: straight and curly quotation marks, guillemets.
    Quote,
    /// EX: `!` `?`.
    Exclamation,
    /// HY: `-`.
    Hyphen,
    /// BA: breaks after (the en dash, the hyphen U+2010, a tab, `|`, the soft hyphen).
    After,
    /// B2: breaks before and after (the em dash).
    BeforeAndAfter,
    /// GL: no break on either side (no-break spaces, U+2011 NON-BREAKING HYPHEN).
    Glue,
    /// IN: the ellipsis.
    Inseparable,
    /// OP: opening brackets.
    Open,
    /// CP: `)` and `]`.
    CloseParen,
    /// SY: `/`.
    Symbol,
    /// PR: currency signs before a number, `+`, `\`.
    Prefix,
    /// PO: `%` and the like after a number.
    Postfix,
    /// The start of the text or of a line after a line feed, as the class before.
    Start,
    /// SP: the space.
    Space,
    /// LF: a line feed, a mandatory break after it.
    LineFeed,
    /// Any other class: the crate's path breaks the text.
    Other,
}

/// The classes that can be the one before a break, [`Class::Start`] included.
const BEFORE: usize = Class::Start as usize + 1;
const _: () = assert!(BEFORE == 16);

impl Class {
    fn of(class: BreakClass) -> Class {
        match class {
            // LB1: ambiguous characters (`©`, `§`, `°`) resolve to AL outside East Asian
            // text, as the crate resolves them.
            BreakClass::Alphabetic | BreakClass::Ambiguous => Class::Letter,
            BreakClass::Numeric => Class::Digit,
            BreakClass::InfixSeparator => Class::Infix,
            BreakClass::Quotation => Class::Quote,
            BreakClass::Exclamation => Class::Exclamation,
            BreakClass::Hyphen => Class::Hyphen,
            BreakClass::After => Class::After,
            BreakClass::BeforeAndAfter => Class::BeforeAndAfter,
            BreakClass::NonBreakingGlue => Class::Glue,
            BreakClass::Inseparable => Class::Inseparable,
            BreakClass::OpenPunctuation => Class::Open,
            BreakClass::CloseParenthesis => Class::CloseParen,
            BreakClass::Symbol => Class::Symbol,
            BreakClass::Prefix => Class::Prefix,
            BreakClass::Postfix => Class::Postfix,
            BreakClass::Space => Class::Space,
            BreakClass::LineFeed => Class::LineFeed,
            _ => Class::Other,
        }
    }

    /// The class of `c`.
    fn of_char(c: char) -> Class {
        Class::of(break_property(u32::from(c)))
    }
}

/// Whether a line may break between `before` and `after`, adjacent (`spaces` false) or
/// with spaces between them: UAX #14's rules LB2 and LB12–LB31 for these classes.
const fn allowed(before: Class, after: Class, spaces: bool) -> bool {
    use Class::*;
    // LB13: × CP, × EX, × IS, × SY, even after spaces.
    if matches!(after, CloseParen | Exclamation | Infix | Symbol) {
        return false;
    }
    if spaces {
        // LB14 (OP SP* ×), LB15 (QU SP* × OP), LB17 (B2 SP* × B2); else LB18: SP ÷.
        return !matches!(
            (before, after),
            (Open, _) | (Quote, Open) | (BeforeAndAfter, BeforeAndAfter)
        );
    }
    let kept = matches!(
        (before, after),
        // LB2: no break at the start.
        (Start, _)
        // LB12: GL ×. LB12a: [^SP BA HY] × GL.
        | (Glue, _)
        | (Letter | Digit | Infix | Quote | Exclamation | BeforeAndAfter | Inseparable
            | Open | CloseParen | Symbol | Prefix | Postfix, Glue)
        // LB14: OP ×. LB19: × QU, QU ×. LB17: B2 × B2.
        | (Open | Quote, _)
        | (_, Quote)
        | (BeforeAndAfter, BeforeAndAfter)
        // LB21: × BA, × HY. LB22: × IN.
        | (_, After | Hyphen | Inseparable)
        // LB23: AL × NU, NU × AL. LB24: (PR | PO) × AL, AL × (PR | PO).
        | (Letter, Digit | Prefix | Postfix)
        | (Digit | Prefix | Postfix, Letter)
        // LB25, as pairs: (CP | NU) × (PO | PR), (PO | PR) × (OP | NU),
        // (HY | IS | NU | SY) × NU.
        | (CloseParen | Digit, Postfix | Prefix)
        | (Postfix | Prefix, Open | Digit)
        | (Hyphen | Infix | Digit | Symbol, Digit)
        // LB28: AL × AL. LB29: IS × AL.
        | (Letter | Infix, Letter)
        // LB30: (AL | NU) × OP, CP × (AL | NU).
        | (Letter | Digit, Open)
        | (CloseParen, Letter | Digit)
    );
    // LB31: break everywhere else.
    !kept
}

/// [`allowed`] for every pair, adjacent in bit 0 and across spaces in bit 1, indexed by
/// the class before and the class after.
const RULES: [[u8; BEFORE]; BEFORE] = {
    const CLASSES: [Class; BEFORE] = [
        Class::Letter,
        Class::Digit,
        Class::Infix,
        Class::Quote,
        Class::Exclamation,
        Class::Hyphen,
        Class::After,
        Class::BeforeAndAfter,
        Class::Glue,
        Class::Inseparable,
        Class::Open,
        Class::CloseParen,
        Class::Symbol,
        Class::Prefix,
        Class::Postfix,
        Class::Start,
    ];
    let mut table = [[0; BEFORE]; BEFORE];
    let mut b = 0;
    while b < BEFORE {
        let mut a = 0;
        while a < BEFORE {
            let (before, after) = (CLASSES[b], CLASSES[a]);
            table[before as usize][after as usize] =
                allowed(before, after, false) as u8 | (allowed(before, after, true) as u8) << 1;
            a += 1;
        }
        b += 1;
    }
    table
};

/// The break opportunities of `text`, in order, each as the byte offset the next line would
/// start at: what `unicode_linebreak::linebreaks` gives, the last one the end of the text
/// and mandatory (none for empty text).
pub fn linebreaks(text: &str) -> Linebreaks<'_> {
    Linebreaks {
        text,
        at: 0,
        before: Class::Start,
        spaces: false,
        given: 0,
        done: text.is_empty(),
        full: None,
    }
}

/// The iterator of [`linebreaks`].
pub struct Linebreaks<'a> {
    text: &'a str,
    /// Where the next character starts.
    at: usize,
    /// The class of the last character that was not a space.
    before: Class,
    /// Whether spaces came after `before`.
    spaces: bool,
    /// One past the offset of the last break given; 0 before the first.
    given: usize,
    done: bool,
    /// The crate's breaks, once a character of another class has turned up.
    full: Option<Box<dyn Iterator<Item = (usize, BreakOpportunity)> + Send + Sync + 'a>>,
}

impl Linebreaks<'_> {
    /// Hands the text to the crate at byte `at`, where a character the fast path does not
    /// know starts, keeping the breaks given already.
    #[cold]
    #[inline(never)]
    fn fall_back(&mut self, at: usize) -> Option<(usize, BreakOpportunity)> {
        let given = at.max(self.given);
        let mut full =
            unicode_linebreak::linebreaks(self.text).skip_while(move |&(i, _)| i < given);
        let first = full.next();
        self.full = Some(Box::new(full));
        first
    }

    fn give(
        &mut self,
        at: usize,
        opportunity: BreakOpportunity,
    ) -> Option<(usize, BreakOpportunity)> {
        self.given = at + 1;
        Some((at, opportunity))
    }
}

impl Iterator for Linebreaks<'_> {
    type Item = (usize, BreakOpportunity);

    // Inlined into its callers' loops (wrapping, paragraph setting), so that the state
    // stays in registers between breaks: 20k of a seed text request's 508k instructions.
    #[inline(always)]
    fn next(&mut self) -> Option<Self::Item> {
        if let Some(full) = &mut self.full {
            return full.next();
        }
        let text = self.text;
        let bytes = text.as_bytes();
        // The state in locals for the loop, written back when a break is given.
        let (mut at, mut before, mut spaces) = (self.at, self.before, self.spaces);
        while let Some(&byte) = bytes.get(at) {
            let here = at;
            let class = if byte.is_ascii() {
                at += 1;
                ASCII[usize::from(byte)]
            } else {
                let c = text[here..].chars().next().unwrap_or_default();
                at += c.len_utf8();
                Class::of_char(c)
            };
            if (class as usize) < Class::Start as usize {
                // Both below 16: the masks only spare the bounds checks.
                let rule = RULES[before as usize & 15][class as usize & 15];
                before = class;
                if rule >> u8::from(spaces) & 1 != 0 {
                    (self.at, self.before, self.spaces) = (at, before, false);
                    return self.give(here, BreakOpportunity::Allowed);
                }
                spaces = false;
                if class == Class::Letter {
                    // LB28: AL × AL, so a word's further ASCII letters change nothing.
                    at = super::ascii::letters_end(bytes, at);
                    // The commonest step of prose: a space, then the next word's letter. LB18
                    // breaks before the letter, and the word's letters after it are skipped
                    // as above.
                    if bytes.get(at) == Some(&b' ')
                        && bytes.get(at + 1).is_some_and(u8::is_ascii_alphabetic)
                    {
                        let here = at + 1;
                        (self.at, self.before, self.spaces) = (
                            super::ascii::letters_end(bytes, here + 1),
                            Class::Letter,
                            false,
                        );
                        return self.give(here, BreakOpportunity::Allowed);
                    }
                }
                continue;
            }
            match class {
                // LB7: no break before a space.
                Class::Space => spaces = true,
                // LB6: none before a line feed; LB5: a mandatory one after it, whatever
                // follows. At the end of the text that is the end's break.
                Class::LineFeed => {
                    (self.at, self.before, self.spaces) = (at, Class::Start, false);
                    if at < text.len() {
                        return self.give(at, BreakOpportunity::Mandatory);
                    }
                    break;
                }
                _ => return self.fall_back(here),
            }
        }
        self.at = at;
        // LB3: always a break at the end.
        if self.done {
            return None;
        }
        self.done = true;
        Some((text.len(), BreakOpportunity::Mandatory))
    }
}

/// [`Class`] of every ASCII byte, as UAX #14 has them; the tests check it against
/// `break_property`.
const ASCII: [Class; 128] = {
    let mut table = [Class::Other; 128];
    let mut byte = 0;
    while byte < 128 {
        table[byte] = ascii_class(byte as u8);
        byte += 1;
    }
    table
};

const fn ascii_class(byte: u8) -> Class {
    match byte {
        b'\t' | b'|' => Class::After,
        b'\n' => Class::LineFeed,
        b' ' => Class::Space,
        b'!' | b'?' => Class::Exclamation,
        b'"' | b'\'' => Class::Quote,
        b'$' | b'+' | b'\\' => Class::Prefix,
        b'%' => Class::Postfix,
        b'(' | b'[' | b'{' => Class::Open,
        b')' | b']' => Class::CloseParen,
        b',' | b'.' | b':' | b';' => Class::Infix,
        b'-' => Class::Hyphen,
        b'/' => Class::Symbol,
        b'0'..=b'9' => Class::Digit,
        b'#' | b'&' | b'*' | b'<' | b'=' | b'>' | b'@' | b'A'..=b'Z' | b'^' | b'_' | b'`' => {
            Class::Letter
        }
        b'a'..=b'z' | b'~' => Class::Letter,
        // Controls, the carriage return and `}` (CL).
        _ => Class::Other,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn crate_breaks(text: &str) -> Vec<(usize, BreakOpportunity)> {
        unicode_linebreak::linebreaks(text).collect()
    }

    /// Our breaks of `text`, and whether the fast path gave them all.
    fn our_breaks(text: &str) -> (Vec<(usize, BreakOpportunity)>, bool) {
        let mut breaks = linebreaks(text);
        let found = breaks.by_ref().collect();
        (found, breaks.full.is_none())
    }

    fn fast_breaks(text: &str) -> Vec<(usize, BreakOpportunity)> {
        let (found, fast) = our_breaks(text);
        assert!(fast, "{text:?} should take the fast path");
        found
    }

    /// Whether `text` is broken by the fast path to its end.
    fn is_simple(text: &str) -> bool {
        our_breaks(text).1
    }

    #[test]
    fn the_ascii_table_is_the_crates() {
        for byte in 0u8..128 {
            let expected = Class::of_char(char::from(byte));
            assert_eq!(ASCII[usize::from(byte)], expected, "{byte:#04x}");
            let text = char::from(byte).to_string();
            assert_eq!(is_simple(&text), expected != Class::Other, "{byte:#04x}");
            assert_ne!(expected, Class::Start);
        }
    }

    /// One character of each class the fast path knows, some twice, from ASCII and beyond.
    const ALPHABET: &[char] = &[
        'a', '\u{e9}', '\u{a9}', '7', '.', ',', '\'', '\u{201c}', '\u{2019}', '!', '-', '\u{2013}',
        '\t', '\u{2014}', '\u{a0}', '\u{2011}', '\u{2026}', '(', '\u{ab}', ')', '/', '$', '%', ' ',
        '\n',
    ];

    /// Characters of classes the fast path leaves to the crate.
    const OTHERS: &[char] = &[
        '日',
        '\u{301}',
        '\r',
        '}',
        '\u{5d0}',
        '\u{200d}',
        '\u{1f600}',
    ];

    #[test]
    fn agrees_with_the_crate_on_every_short_string() {
        crate::fixtures::every_string(ALPHABET, 4, |text| {
            assert_eq!(fast_breaks(text), crate_breaks(text), "{text:?}");
        });
    }

    #[test]
    fn agrees_with_the_crate_on_the_fixtures() {
        let mut fast = 0;
        for name in crate::fixtures::TEXT_FIXTURES {
            for text in crate::fixtures::strings(name) {
                fast += usize::from(is_simple(&text));
                assert_eq!(
                    linebreaks(&text).collect::<Vec<_>>(),
                    crate_breaks(&text),
                    "{name}: {text:?}"
                );
            }
        }
        assert!(fast > 100, "only {fast} fixture strings took the fast path");
    }

    #[test]
    fn takes_the_crates_path_for_other_classes() {
        for text in [
            "日本語の文",
            "a\u{301}b",
            "x\r\ny",
            "a}b",
            "\u{5d0}-\u{5d1}",
            "a\u{200b}b",
            "one two\nthree (four) 日本 five",
            "said \u{201c}no\u{201d} \u{2014} a\u{301} b",
        ] {
            assert!(!is_simple(text), "{text:?}");
            assert_eq!(linebreaks(text).collect::<Vec<_>>(), crate_breaks(text));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        #[test]
        fn agrees_with_the_crate_on_longer_strings(
            picks in proptest::collection::vec(0..ALPHABET.len(), 0..60)
        ) {
            let text: String = picks.iter().map(|&i| ALPHABET[i]).collect();
            prop_assert_eq!(fast_breaks(&text), crate_breaks(&text), "{:?}", text);
        }

        #[test]
        fn agrees_with_the_crate_when_other_classes_turn_up(
            picks in proptest::collection::vec(0..ALPHABET.len() + OTHERS.len(), 0..40)
        ) {
            let text: String = picks
                .iter()
                .map(|&i| ALPHABET.get(i).copied().unwrap_or_else(|| OTHERS[i - ALPHABET.len()]))
                .collect();
            prop_assert_eq!(linebreaks(&text).collect::<Vec<_>>(), crate_breaks(&text), "{:?}", text);
        }

        #[test]
        fn agrees_with_the_crate_on_any_ascii(text in "[ -~\t\n\r]{0,40}") {
            prop_assert_eq!(linebreaks(&text).collect::<Vec<_>>(), crate_breaks(&text), "{:?}", text);
        }
    }
}
