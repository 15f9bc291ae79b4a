//! Smart quotes by language: the one place that turns the straight quotes of typed text
//! (`"` and `'`) into the quotation marks, apostrophes and primes a typesetter would use.
//! The model applies it once, at the edge, as it cleans each text field, so every format
//! prints the same marks; the caller skips code spans and preformatted text, and skips it
//! altogether when the request turns it off.
//!
//! [`Quotes::for_language`] gives a language's marks: a primary pair for `"`, a secondary
//! pair for `'`, and whether a narrow no-break space goes inside guillemets (French).
//! [`Quotes::apply`] reads each straight quote from its neighbours, by the first of these
//! rules that fits:
//!
//! 1. **After a digit** a quote is a prime, U+2032 ′ for `'` and U+2033 ″ for `"`:
//!    `5'10"` is `5′10″`, `a 12" pizza` a `12″` one. Except that a `'` between a digit and
//!    a letter is an apostrophe (`1980's`), and that a quote closes a quotation of its kind
//!    opened earlier in the same text (`"Agenda 2030"` is `“Agenda 2030”`).
//! 2. **Next to a script written without spaces between words** (Chinese, Japanese, Thai,
//!    Lao, Khmer, Burmese), where the neighbours cannot tell, quotes pair up: a quote closes
//!    a quotation of its kind opened earlier in the text, or one that ends a phrase (it comes
//!    before punctuation, a space or the end of the text), and opens otherwise.
//! 3. **Between Hebrew letters** `"` is a gershayim U+05F4 (`צה"ל` is `צה״ל`), and a `'`
//!    that rule 4 would make an apostrophe after a Hebrew letter is a geresh U+05F3
//!    (`ג'ורג'` is `ג׳ורג׳`): Hebrew keyboards have neither mark, so writers type quotes.
//! 4. **Apostrophes** are U+2019 ’ in every language: a `'` between two letters (`don't`,
//!    `l'homme`), after a letter when no single quotation is open in the text (`Jones'`),
//!    or before a two-digit year (`'90s`, `class of '08`); and a `'` that starts one of the
//!    language's elided words: English `'n'`, `'em`, `'tis` and `'twas` (so `rock 'n' roll`
//!    is `rock ’n’ roll`, the apostrophes standing for the missing letters), Dutch `'k`,
//!    `'n`, `'s` and `'t` (`'s avonds` is `’s avonds`).
//! 5. **Otherwise** a quote opens after the start of the block, whitespace, an opening
//!    bracket (`(`, `[`, `¿`, …), a dash or hyphen, or an opening quotation mark, and closes
//!    after anything else; `"` takes the primary pair and `'` the secondary one. A quote
//!    with whitespace before it that also ends a phrase (`say " `, `say ".`) closes a
//!    quotation open in the text rather than opening a new one, so `" bonjour "` and `""`
//!    pair up.
//!
//! Where the language sets a narrow no-break space (U+202F) inside guillemets, an opening
//! `«` or `‹` made here is followed by one and a closing `»` or `›` preceded by one; a
//! space already there (ASCII, no-break, narrow no-break or thin) is replaced, not doubled.
//!
//! Quotation marks already in the text are left as they are, and the result never holds a
//! straight quote, so applying it twice changes nothing.
//!
//! One block's text often comes in several spans (`"` + **`bold`** + `"`). The caller passes
//! each span with the character before it, so a quote at a span boundary is read from its
//! real neighbour. Which quotations are open is only known within one call, though, so at
//! the start of a span the rules that ask (1, 2, 4 and the phrase-ending case of 5) assume
//! none is; and a space at the start of a span is not replaced by the inner space of a
//! guillemet that ends the span before.

use std::borrow::Cow;

use crate::model::Language;

/// The apostrophe of every language, U+2019 (the same character as English's closing single
/// quotation mark).
const APOSTROPHE: char = '\u{2019}';

/// A prime, U+2032: feet, minutes of arc.
const PRIME: char = '\u{2032}';

/// A double prime, U+2033: inches, seconds of arc.
const DOUBLE_PRIME: char = '\u{2033}';

/// HEBREW PUNCTUATION GERESH, U+05F3: the apostrophe-like mark of Hebrew abbreviations and
/// transliterations (`ג׳`).
const GERESH: char = '\u{05F3}';

/// HEBREW PUNCTUATION GERSHAYIM, U+05F4: the mark of Hebrew acronyms (`צה״ל`).
const GERSHAYIM: char = '\u{05F4}';

/// NARROW NO-BREAK SPACE, U+202F: the space French sets inside guillemets.
const NARROW_NBSP: char = '\u{202F}';

/// The spaces that the inner space of a guillemet replaces rather than doubles: ASCII space,
/// no-break space, thin space and narrow no-break space.
const INNER_SPACES: [char; 4] = [' ', '\u{00A0}', '\u{2009}', NARROW_NBSP];

/// English words that start with an apostrophe standing for missing letters ("and", "them",
/// "it is", "it was"), lowercase. `'n` is only that in `'n'`: the closing `'` is an
/// apostrophe too, by rule 4.
const ENGLISH_ELISIONS: &[&str] = &["n", "em", "tis", "twas"];

/// Dutch words that start with an apostrophe ("ik", "een", "des", "het"), lowercase.
const DUTCH_ELISIONS: &[&str] = &["k", "n", "s", "t"];

/// The quotation marks of a language.
///
/// `"` becomes the primary pair and `'` the secondary pair (used for a quotation inside a
/// quotation); see the [module documentation](self) for how a quote is read as opening,
/// closing, an apostrophe or a prime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quotes {
    /// The opening and closing marks that `"` becomes.
    primary: (char, char),
    /// The opening and closing marks that `'` becomes.
    secondary: (char, char),
    /// Whether a narrow no-break space goes inside guillemets (`« texte »`).
    spaced_guillemets: bool,
    /// The language's words that start with an apostrophe, lowercase ASCII.
    elisions: &'static [&'static str],
}

/// A table entry: the marks, with no inner spaces and no elided words.
const fn marks(primary: (char, char), secondary: (char, char)) -> Quotes {
    Quotes {
        primary,
        secondary,
        spaced_guillemets: false,
        elisions: &[],
    }
}

/// English, and every language not in the table.
const ENGLISH: Quotes = Quotes {
    elisions: ENGLISH_ELISIONS,
    ..CURLY
};

/// Dutch: the English marks. Single marks `‘ ’` for the primary pair are just as correct
/// in Dutch, and common in newspapers; the double ones are kept apart from the apostrophe.
const DUTCH: Quotes = Quotes {
    elisions: DUTCH_ELISIONS,
    ..CURLY
};

/// The English marks without English elisions: Brazilian Portuguese, Turkish, Korean and
/// Simplified Chinese.
const CURLY: Quotes = marks(('“', '”'), ('‘', '’'));

/// Guillemets with English double marks inside: Spanish (the RAE's order `« “ ‘ ’ ” »`),
/// Italian, Greek and European Portuguese.
const GUILLEMETS: Quotes = marks(('«', '»'), ('“', '”'));

/// French (France, Belgium, Canada and elsewhere): guillemets with a narrow no-break space
/// inside, and English double marks, without spaces, for a quotation inside a quotation.
const FRENCH: Quotes = Quotes {
    spaced_guillemets: true,
    ..GUILLEMETS
};

/// Switzerland, in German and in French: guillemets without spaces, single guillemets inside.
const SWISS: Quotes = marks(('«', '»'), ('‹', '›'));

/// German, Czech and Slovak: low-high marks.
const GERMAN: Quotes = marks(('„', '“'), ('‚', '‘'));

/// Polish: low-high marks closing with `”`, guillemets inside.
const POLISH: Quotes = marks(('„', '”'), ('«', '»'));

/// Russian and Ukrainian: guillemets, German marks inside.
const RUSSIAN: Quotes = marks(('«', '»'), ('„', '“'));

/// Arabic: guillemets outside, as Arabic print sets them. Guillemets are mirrored in
/// right-to-left text (`Bidi_Mirrored`), so the logical `«…»` shows the right way round; `“`
/// and `”` are not, so the inner pair is stored as `”…“`, which shows as English-style
/// marks facing the quotation in a right-to-left line (CLDR's choice for Arabic too).
const ARABIC: Quotes = marks(('«', '»'), ('”', '“'));

/// Hebrew: high marks at both ends, `”…”` and `’…’`, as Israeli papers and digital Hebrew
/// set them today. The low opening `„` of older print fell out of use with the Hebrew
/// keyboard, which has no such key; and `”` at both ends, CLDR's choice for Hebrew, looks
/// the same whichever way the line runs, since curly quotes are not mirrored in
/// right-to-left text.
const HEBREW: Quotes = marks(('”', '”'), ('’', '’'));

/// Swedish and Finnish: `”` at both ends, `’` inside (the same marks as [`HEBREW`]).
const SWEDISH: Quotes = marks(('”', '”'), ('’', '’'));

/// Danish: guillemets pointing inwards.
const DANISH: Quotes = marks(('»', '«'), ('›', '‹'));

/// Norwegian (Bokmål and Nynorsk): guillemets, English single marks inside, as the
/// Language Council of Norway recommends.
const NORWEGIAN: Quotes = marks(('«', '»'), ('‘', '’'));

/// Hungarian: low-high marks, guillemets pointing inwards inside.
const HUNGARIAN: Quotes = marks(('„', '”'), ('»', '«'));

/// Japanese and Traditional Chinese: corner brackets, white corner brackets inside.
const CORNER_BRACKETS: Quotes = marks(('「', '」'), ('『', '』'));

/// What a straight quote is in its place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reading {
    /// An opening quotation mark.
    Open,
    /// A closing quotation mark.
    Close,
    /// An apostrophe, U+2019.
    Apostrophe,
    /// A prime (after a digit).
    Prime,
    /// A Hebrew geresh (a `'` after a Hebrew letter).
    Geresh,
    /// A Hebrew gershayim (a `"` between Hebrew letters).
    Gershayim,
}

impl Quotes {
    /// The marks for a language; English's for languages not in the table.
    ///
    /// A tag finds its marks by its primary subtag, with these regional exceptions:
    /// `de-CH`, `de-LI` and `fr-CH` take the Swiss `« »` / `‹ ›` (no spaces); `pt-PT` takes
    /// `« »` / `“ ”` where other Portuguese takes `“ ”` / `‘ ’`; and Chinese takes corner
    /// brackets `「 」` / `『 』` when written in Traditional characters (`Hant`, or Taiwan,
    /// Hong Kong or Macau with no script given), `“ ”` / `‘ ’` otherwise.
    pub fn for_language(language: &Language) -> Quotes {
        let region = language.region();
        match language.primary() {
            "en" => ENGLISH,
            "nl" => DUTCH,
            "pt" if region == Some("PT") => GUILLEMETS,
            "pt" | "tr" | "ko" => CURLY,
            "es" | "it" | "el" => GUILLEMETS,
            "fr" if region == Some("CH") => SWISS,
            "fr" => FRENCH,
            "de" if matches!(region, Some("CH" | "LI")) => SWISS,
            "de" | "cs" | "sk" => GERMAN,
            "pl" => POLISH,
            "ru" | "uk" => RUSSIAN,
            "ar" => ARABIC,
            "he" | "iw" => HEBREW,
            "zh" => match (language.script(), region) {
                (Some("Hant"), _) | (None, Some("TW" | "HK" | "MO")) => CORNER_BRACKETS,
                _ => CURLY,
            },
            "ja" => CORNER_BRACKETS,
            "da" => DANISH,
            "sv" | "fi" => SWEDISH,
            "nb" | "nn" | "no" => NORWEGIAN,
            "hu" => HUNGARIAN,
            _ => ENGLISH,
        }
    }

    /// The opening and closing marks that `"` becomes (`('“', '”')` in English).
    pub const fn primary(&self) -> (char, char) {
        self.primary
    }

    /// The opening and closing marks that `'` becomes, for a quotation inside a quotation
    /// (`('‘', '’')` in English).
    pub const fn secondary(&self) -> (char, char) {
        self.secondary
    }

    /// Whether the language sets a narrow no-break space (U+202F) inside guillemets, as
    /// French does (`« texte »`).
    pub const fn spaced_guillemets(&self) -> bool {
        self.spaced_guillemets
    }

    /// Replaces straight quotes in `text`. `before` is the character just before `text` in the
    /// same block (the end of the previous span), or None at the start of a block, so a
    /// quote that a span boundary splits is still read the right way. Returns the text
    /// unchanged (borrowed) when it has no straight quote — the common case must not allocate.
    ///
    /// `before` may be the previous span's last character as written or as already replaced;
    /// a straight quote there counts as an opening one, as a quote that ends a span and runs
    /// straight into the next nearly always is (`"` + **`bold`**). The result holds no
    /// straight quote. Takes time linear in the length of the text, and never panics.
    pub fn apply<'a>(&self, text: &'a str, before: Option<char>) -> Cow<'a, str> {
        if find_straight_quote(text).is_none() {
            return Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len() + 8);
        // The character before the next quote (as it now stands in `out`), whether a quote
        // after it opens by rule 5, and how many quotations of each kind are open.
        let mut prev = before;
        let mut opens = before.is_none_or(|c| self.opens_after(c));
        let mut open = [0_u32; 2];
        let mut rest = text;
        loop {
            let run = find_straight_quote(rest).unwrap_or(rest.len());
            let (plain, tail) = rest.split_at(run);
            if let Some(last) = plain.chars().next_back() {
                prev = Some(last);
                opens = self.opens_after(last);
            }
            out.push_str(plain);
            let mut chars = tail.chars();
            let Some(quote) = chars.next() else { break };
            rest = chars.as_str();
            let kind = if quote == '"' {
                Kind::Double
            } else {
                Kind::Single
            };
            let (open_mark, close_mark) = self.pair(kind);
            let count = &mut open[kind as usize];
            match self.read(kind, prev, opens, rest, *count > 0) {
                Reading::Open => {
                    *count = count.saturating_add(1);
                    out.push(open_mark);
                    prev = Some(open_mark);
                    if self.spaced(open_mark) {
                        out.push(NARROW_NBSP);
                        rest = rest.trim_start_matches(INNER_SPACES);
                        prev = Some(NARROW_NBSP);
                    }
                    opens = true;
                }
                Reading::Close => {
                    *count = count.saturating_sub(1);
                    if self.spaced(close_mark) {
                        out.truncate(out.trim_end_matches(INNER_SPACES).len());
                        out.push(NARROW_NBSP);
                    }
                    out.push(close_mark);
                    prev = Some(close_mark);
                    opens = false;
                }
                other => {
                    let mark = match (other, kind) {
                        (Reading::Prime, Kind::Double) => DOUBLE_PRIME,
                        (Reading::Prime, Kind::Single) => PRIME,
                        (Reading::Geresh, _) => GERESH,
                        (Reading::Gershayim, _) => GERSHAYIM,
                        _ => APOSTROPHE,
                    };
                    out.push(mark);
                    prev = Some(mark);
                    opens = false;
                }
            }
        }
        Cow::Owned(out)
    }

    /// What a straight quote of `kind` is, given the character before it (`None` at the
    /// start of the block), whether a quote there opens by rule 5, the text after it, and
    /// whether a quotation of its kind is open. The rules are the module's, in order.
    fn read(
        &self,
        kind: Kind,
        prev: Option<char>,
        opens: bool,
        after: &str,
        inside: bool,
    ) -> Reading {
        let next = after.chars().next();
        let single = kind == Kind::Single;
        let prev_letter = prev.is_some_and(char::is_alphabetic);
        let next_letter = next.is_some_and(char::is_alphabetic);

        // 1. Primes after digits.
        if prev.is_some_and(char::is_numeric) {
            return if single && next_letter {
                Reading::Apostrophe
            } else if inside {
                Reading::Close
            } else {
                Reading::Prime
            };
        }
        // 2. Scripts without spaces between words.
        if prev.is_some_and(is_unspaced) || next.is_some_and(is_unspaced) {
            return if inside || ends_phrase(next) {
                Reading::Close
            } else {
                Reading::Open
            };
        }
        // 3. Hebrew gershayim (the geresh is an apostrophe after a Hebrew letter, below).
        if !single && prev.is_some_and(is_hebrew) && next.is_some_and(is_hebrew) {
            return Reading::Gershayim;
        }
        // 4. Apostrophes.
        if single {
            if prev_letter && (next_letter || !inside) {
                return if prev.is_some_and(is_hebrew) {
                    Reading::Geresh
                } else {
                    Reading::Apostrophe
                };
            }
            if starts_two_digit_year(after) || (opens && self.elides(after)) {
                return Reading::Apostrophe;
            }
        }
        // 5. Opening or closing by what comes before.
        if opens && !(inside && ends_phrase(next)) {
            Reading::Open
        } else {
            Reading::Close
        }
    }

    /// The marks that a straight quote of `kind` becomes.
    fn pair(&self, kind: Kind) -> (char, char) {
        match kind {
            Kind::Double => self.primary,
            Kind::Single => self.secondary,
        }
    }

    /// Whether `mark` takes a narrow no-break space on its inner side.
    fn spaced(&self, mark: char) -> bool {
        self.spaced_guillemets && matches!(mark, '«' | '»' | '‹' | '›')
    }

    /// Whether a quote right after `c` opens by rule 5: after whitespace, an opening
    /// bracket, a dash or hyphen, an opening quotation mark of this language (or one that
    /// opens in every language), or a straight quote (only ever `before`).
    fn opens_after(&self, c: char) -> bool {
        let opening_mark = |(open, close): (char, char)| c == open && c != close;
        c.is_whitespace()
            || is_opening_bracket(c)
            || is_dash(c)
            || opening_mark(self.primary)
            || opening_mark(self.secondary)
            || matches!(c, '„' | '‚' | '「' | '『' | '﹁' | '﹃' | '〝' | '"' | '\'')
    }

    /// Whether `after` (the text after a `'`) starts with one of the language's elided
    /// words, in any case, followed by something other than a letter.
    fn elides(&self, after: &str) -> bool {
        self.elisions.iter().any(|word| {
            after
                .get(..word.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(word))
                && after
                    .get(word.len()..)
                    .is_some_and(|tail| tail.chars().next().is_none_or(|c| !c.is_alphabetic()))
        })
    }
}

/// Which straight quote: `"` or `'`. The discriminant indexes the open counts in
/// [`Quotes::apply`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `"`, which becomes the primary pair.
    Double = 0,
    /// `'`, which becomes the secondary pair or an apostrophe.
    Single = 1,
}

/// The byte offset of the first straight quote (`"` or `'`) in `text`: a byte search, since
/// both are ASCII and UTF-8 never puts an ASCII byte inside another character.
fn find_straight_quote(text: &str) -> Option<usize> {
    memchr::memchr2(b'"', b'\'', text.as_bytes())
}

/// Whether a quote before `next` (`None` at the end of the text) ends a phrase: it comes
/// before whitespace, the end, or punctuation that follows a word.
fn ends_phrase(next: Option<char>) -> bool {
    next.is_none_or(|c| {
        c.is_whitespace()
            || matches!(
                c,
                '.' | ','
                    | ';'
                    | ':'
                    | '!'
                    | '?'
                    | ')'
                    | ']'
                    | '}'
                    | '…'
                    | '。'
                    | '，'
                    | '、'
                    | '！'
                    | '？'
                    | '；'
                    | '：'
                    | '）'
                    | '」'
                    | '』'
                    | '】'
                    | '〕'
                    | '》'
                    | '〉'
            )
    })
}

/// Whether `after` (the text after a `'`) starts with a two-digit year: two ASCII digits
/// not followed by another digit or by a `'` (which would make `'24'` a quotation).
fn starts_two_digit_year(after: &str) -> bool {
    let mut chars = after.chars();
    matches!(
        (chars.next(), chars.next(), chars.next()),
        (Some(a), Some(b), third)
            if a.is_ascii_digit()
                && b.is_ascii_digit()
                && third.is_none_or(|c| !c.is_ascii_digit() && c != '\'')
    )
}

/// An opening bracket, or the inverted marks that open a Spanish question or exclamation.
fn is_opening_bracket(c: char) -> bool {
    matches!(
        c,
        '(' | '['
            | '{'
            | '¿'
            | '¡'
            | '⁽'
            | '₍'
            | '⟨'
            | '⟦'
            | '〈'
            | '《'
            | '【'
            | '〔'
            | '〖'
            | '〘'
            | '〚'
            | '（'
            | '［'
            | '｛'
            | '｟'
            | '｢'
    )
}

/// A hyphen or dash: hyphen-minus, U+2010–U+2015 (hyphen to horizontal bar), the two- and
/// three-em dashes and their small and fullwidth forms.
fn is_dash(c: char) -> bool {
    matches!(
        c,
        '-' | '\u{2010}'
            ..='\u{2015}' | '\u{2E3A}' | '\u{2E3B}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}'
    )
}

/// A Hebrew letter or point (including the presentation forms), but not Hebrew punctuation.
fn is_hebrew(c: char) -> bool {
    matches!(
        c,
        '\u{0591}'..='\u{05BD}'
            | '\u{05BF}'
            | '\u{05C1}'
            | '\u{05C2}'
            | '\u{05C4}'
            | '\u{05C5}'
            | '\u{05C7}'
            | '\u{05D0}'..='\u{05EA}'
            | '\u{05EF}'..='\u{05F2}'
            | '\u{FB1D}'..='\u{FB4F}'
    )
}

/// A character of a script written without spaces between words, where a quote's
/// neighbours cannot say whether it opens: Thai, Lao, Burmese, Khmer, and the Han, kana,
/// bopomofo and CJK punctuation and fullwidth forms of Chinese and Japanese (the
/// ideographic space U+3000 is whitespace instead).
fn is_unspaced(c: char) -> bool {
    matches!(
        c,
        '\u{0E00}'..='\u{0EFF}'
            | '\u{1000}'..='\u{109F}'
            | '\u{1780}'..='\u{17FF}'
            | '\u{2E80}'..='\u{2FDF}'
            | '\u{3001}'..='\u{30FF}'
            | '\u{3100}'..='\u{312F}'
            | '\u{31F0}'..='\u{31FF}'
            | '\u{3400}'..='\u{4DBF}'
            | '\u{4E00}'..='\u{9FFF}'
            | '\u{F900}'..='\u{FAFF}'
            | '\u{FE30}'..='\u{FE4F}'
            | '\u{FF01}'..='\u{FFEF}'
            | '\u{20000}'..='\u{3FFFF}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The quotes of a tag.
    fn quotes(tag: &str) -> Quotes {
        Quotes::for_language(&Language::parse(tag).expect("valid tag"))
    }

    /// Applies a tag's quotes to one whole block.
    fn smart(tag: &str, text: &str) -> String {
        quotes(tag).apply(text, None).into_owned()
    }

    /// A narrow no-break space, for writing expected French.
    const N: char = NARROW_NBSP;

    /// A test case: a tag, an input and the expected output for it as one whole block.
    type Case = (&'static str, String, String);

    /// Every test case.
    fn cases() -> Vec<Case> {
        let fr = |s: &str| s.replace('_', &N.to_string());
        let mut cases: Vec<Case> = [
            // English, nested.
            (
                "en",
                r#""She said 'don't go' twice," he recalled."#,
                "“She said ‘don’t go’ twice,” he recalled.",
            ),
            (
                "en",
                r#"He said, "I heard 'No.'""#,
                "He said, “I heard ‘No.’”",
            ),
            ("en", r#"'Yes' she said"#, "‘Yes’ she said"),
            (
                "en-GB",
                r#"'She said "no",' he said."#,
                "‘She said “no”,’ he said.",
            ),
            // Apostrophes.
            ("en", "don't", "don’t"),
            ("en", "I'm sure it's O'Brien's", "I’m sure it’s O’Brien’s"),
            ("en", "the Jones' house", "the Jones’ house"),
            ("en", "back in the '90s", "back in the ’90s"),
            ("en", "the class of '08.", "the class of ’08."),
            ("en", "rock 'n' roll", "rock ’n’ roll"),
            (
                "en",
                "'Tis the season; let 'em go",
                "’Tis the season; let ’em go",
            ),
            ("en", "the 1980's", "the 1980’s"),
            ("en", "'24' was on", "‘24’ was on"),
            ("en", "'no,' she said", "‘no,’ she said"),
            ("fr", "l'homme d'aujourd'hui", "l’homme d’aujourd’hui"),
            ("it", "un po' di più", "un po’ di più"),
            ("de", "Wie geht's?", "Wie geht’s?"),
            ("nl", "'s avonds en 't Hooft", "’s avonds en ’t Hooft"),
            ("uk", "м'ясо", "м’ясо"),
            // Primes.
            ("en", r#"He is 5'10" tall"#, "He is 5′10″ tall"),
            ("en", r#"a 12" pizza"#, "a 12″ pizza"),
            ("en", r#"at 40°26'46"N"#, "at 40°26′46″N"),
            ("en", r#"the "Agenda 2030" plan"#, "the “Agenda 2030” plan"),
            ("de", r#"Er ist 1,80' groß"#, "Er ist 1,80′ groß"),
            // Brackets, dashes, empty quotes, existing marks.
            (
                "en",
                r#"("quoted") and ["this"]"#,
                "(“quoted”) and [“this”]",
            ),
            ("en", r#"Then—"yes"—he left"#, "Then—“yes”—he left"),
            (
                "en",
                r#"the "pre-" and "post-war" eras"#,
                "the “pre-” and “post-war” eras",
            ),
            ("en", r#""""#, "“”"),
            ("en", r#"“already” and "new""#, "“already” and “new”"),
            ("es", r#"¿"Qué"? dijo"#, "¿«Qué»? dijo"),
            // German.
            (
                "de",
                r#"Er sagte: "Das ist 'gut' so.""#,
                "Er sagte: „Das ist ‚gut‘ so.“",
            ),
            ("de-AT", r#""Servus""#, "„Servus“"),
            (
                "de-CH",
                r#"Er sagte: "Das ist 'gut' so.""#,
                "Er sagte: «Das ist ‹gut› so.»",
            ),
            ("cs", r#""Ahoj," řekl."#, "„Ahoj,“ řekl."),
            // Spanish, Italian, Portuguese, Greek.
            (
                "es",
                r#"Dijo "hola 'amigo'" y se fue."#,
                "Dijo «hola “amigo”» y se fue.",
            ),
            ("it", r#""Ciao", disse."#, "«Ciao», disse."),
            (
                "pt",
                r#"Ele disse "olá 'amigo'"."#,
                "Ele disse “olá ‘amigo’”.",
            ),
            ("pt-BR", r#""Oi""#, "“Oi”"),
            (
                "pt-PT",
                r#"Ele disse "olá 'amigo'"."#,
                "Ele disse «olá “amigo”».",
            ),
            ("el", r#"Είπε "γεια""#, "Είπε «γεια»"),
            // Russian, Ukrainian, Polish, Czech, Hungarian.
            (
                "ru",
                r#"Он сказал: "Это 'правда'"."#,
                "Он сказал: «Это „правда“».",
            ),
            ("uk", r#""Так""#, "«Так»"),
            (
                "pl",
                r#"Powiedział: "To 'jest' to"."#,
                "Powiedział: „To «jest» to”.",
            ),
            ("hu", r#"Azt mondta: "Ez 'jó'"."#, "Azt mondta: „Ez »jó«”."),
            // Nordic.
            (
                "da",
                r#"Han sagde: "Det er 'fint'"."#,
                "Han sagde: »Det er ›fint‹«.",
            ),
            (
                "sv",
                r#"Hon sa: "Det är 'bra'"."#,
                "Hon sa: ”Det är ’bra’”.",
            ),
            ("fi", r#""Hei""#, "”Hei”"),
            (
                "nb",
                r#"Han sa: "Det er 'fint'"."#,
                "Han sa: «Det er ‘fint’».",
            ),
            ("nn", r#""Hei""#, "«Hei»"),
            ("no", r#""Hei""#, "«Hei»"),
            // Turkish, Korean.
            ("tr", r#"Dedi ki: "Merhaba""#, "Dedi ki: “Merhaba”"),
            (
                "ko",
                r#"그는 "안녕"이라고 말했다"#,
                "그는 “안녕”이라고 말했다",
            ),
            // Arabic and Hebrew.
            ("ar", r#"قال "مرحبا 'صديقي'""#, "قال «مرحبا ”صديقي“»"),
            ("he", r#"הוא אמר "שלום 'חבר'""#, "הוא אמר ”שלום ’חבר’”"),
            ("he", r#"דובר צה"ל וארה"ב"#, "דובר צה״ל וארה״ב"),
            ("he", "ג'ורג' בוש", "ג׳ורג׳ בוש"),
            ("iw", r#""שלום""#, "”שלום”"),
            // Chinese, Japanese and other scripts without spaces.
            ("zh", r#"他说"你好"。"#, "他说“你好”。"),
            ("zh-CN", r#"他说："我说'好'了"。"#, "他说：“我说‘好’了”。"),
            ("zh-Hans", r#""你好""#, "“你好”"),
            ("zh-TW", r#"他說"你好"。"#, "他說「你好」。"),
            ("zh-HK", r#"他說"你好"。"#, "他說「你好」。"),
            ("zh-Hant", r#""我說'好'了""#, "「我說『好』了」"),
            ("zh-Hant-TW", r#""你好""#, "「你好」"),
            ("zh-Hans-HK", r#""你好""#, "“你好”"),
            (
                "ja",
                r#"彼は"こんにちは"と言った。"#,
                "彼は「こんにちは」と言った。",
            ),
            ("ja", r#""'はい'と言った""#, "「『はい』と言った」"),
            ("ja", r#"OK"東京"2024"#, "OK「東京」2024"),
            ("zh", r#"他说"2024年"很好"#, "他说“2024年”很好"),
            ("th", r#"เขาพูดว่า"สวัสดี"ครับ"#, "เขาพูดว่า“สวัสดี”ครับ"),
            // Languages not in the table take English's marks.
            (
                "sw",
                r#"Alisema "habari" leo, don't"#,
                "Alisema “habari” leo, don’t",
            ),
            ("und", r#""x""#, "“x”"),
            ("tlh", r#"'Q'"#, "‘Q’"),
        ]
        .into_iter()
        .map(|(tag, input, expected)| (tag, input.to_owned(), expected.to_owned()))
        .collect();
        // French: narrow no-break spaces inside guillemets (`_` below), never doubled.
        for (tag, input, expected) in [
            (
                "fr",
                r#"Il a dit "bonjour" hier."#,
                "Il a dit «_bonjour_» hier.",
            ),
            (
                "fr",
                r#"Il a dit " bonjour " hier."#,
                "Il a dit «_bonjour_» hier.",
            ),
            (
                "fr",
                "Il a dit \"\u{a0}bonjour\u{a0}\" hier.",
                "Il a dit «_bonjour_» hier.",
            ),
            (
                "fr",
                "Il a dit \"\u{202f}bonjour\u{202f}\" hier.",
                "Il a dit «_bonjour_» hier.",
            ),
            (
                "fr",
                r#"Il a dit "bonjour ". Puis..."#,
                "Il a dit «_bonjour_». Puis...",
            ),
            (
                "fr",
                r#""C'est 'vrai'", dit-il."#,
                "«_C’est “vrai”_», dit-il.",
            ),
            ("fr", r#""""#, "«_»"),
            ("fr-CA", r#""Allô""#, "«_Allô_»"),
            ("fr-BE", r#""Salut""#, "«_Salut_»"),
            // Guillemets already in the text are left alone, spaces and all.
            ("fr", r#"«déjà» et "nouveau""#, "«déjà» et «_nouveau_»"),
            // Swiss French: no spaces.
            (
                "fr-CH",
                r#"Il a dit "bonjour 'toi'" hier."#,
                "Il a dit «bonjour ‹toi›» hier.",
            ),
            (
                "fr-CH",
                r#"Il a dit " bonjour " hier."#,
                "Il a dit « bonjour » hier.",
            ),
        ] {
            cases.push((tag, input.to_owned(), fr(expected)));
        }
        cases
    }

    #[test]
    fn every_case_reads_as_expected() {
        let mut failures = Vec::new();
        for (tag, input, expected) in cases() {
            let got = smart(tag, &input);
            if got != expected {
                failures.push(format!(
                    "{tag}: {input:?}\n   got {got:?}\n  want {expected:?}"
                ));
            }
        }
        assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    }

    #[test]
    fn the_table_gives_each_language_its_marks() {
        // (tag, primary and secondary marks, spaced guillemets)
        let table: &[(&str, &str, bool)] = &[
            ("en", "“”‘’", false),
            ("en-US", "“”‘’", false),
            ("nl", "“”‘’", false),
            ("pt", "“”‘’", false),
            ("pt-BR", "“”‘’", false),
            ("pt-PT", "«»“”", false),
            ("es", "«»“”", false),
            ("es-MX", "«»“”", false),
            ("it", "«»“”", false),
            ("fr", "«»“”", true),
            ("fr-CA", "«»“”", true),
            ("fr-CH", "«»‹›", false),
            ("de", "„“‚‘", false),
            ("de-DE", "„“‚‘", false),
            ("de-CH", "«»‹›", false),
            ("de-LI", "«»‹›", false),
            ("pl", "„”«»", false),
            ("ru", "«»„“", false),
            ("uk", "«»„“", false),
            ("tr", "“”‘’", false),
            ("ar", "«»”“", false),
            ("he", "””’’", false),
            ("iw", "””’’", false),
            ("zh", "“”‘’", false),
            ("zh-CN", "“”‘’", false),
            ("zh-Hans", "“”‘’", false),
            ("zh-TW", "「」『』", false),
            ("zh-HK", "「」『』", false),
            ("zh-MO", "「」『』", false),
            ("zh-Hant", "「」『』", false),
            ("zh-Hans-TW", "“”‘’", false),
            ("ja", "「」『』", false),
            ("ko", "“”‘’", false),
            ("cs", "„“‚‘", false),
            ("sk", "„“‚‘", false),
            ("da", "»«›‹", false),
            ("sv", "””’’", false),
            ("fi", "””’’", false),
            ("nb", "«»‘’", false),
            ("nn", "«»‘’", false),
            ("no", "«»‘’", false),
            ("hu", "„”»«", false),
            ("el", "«»“”", false),
        ];
        for &(tag, marks, spaced) in table {
            let q = quotes(tag);
            let ((a, b), (c, d)) = (q.primary(), q.secondary());
            assert_eq!(String::from_iter([a, b, c, d]), marks, "{tag}");
            assert_eq!(q.spaced_guillemets(), spaced, "{tag}");
        }
    }

    #[test]
    fn unknown_languages_take_english() {
        for tag in ["sw", "und", "tlh", "af", "en-Latn-US"] {
            assert_eq!(quotes(tag), quotes("en"), "{tag}");
        }
    }

    #[test]
    fn text_without_a_straight_quote_is_borrowed() {
        for text in [
            "",
            "plain text",
            "“already” ‘typographic’ «marks»",
            "5′10″",
            "日本語",
        ] {
            for tag in ["en", "fr", "de", "ja"] {
                let result = quotes(tag).apply(text, None);
                assert!(matches!(result, Cow::Borrowed(_)), "{tag}: {text:?}");
                assert_eq!(result, text);
                assert!(matches!(
                    quotes(tag).apply(text, Some('"')),
                    Cow::Borrowed(_)
                ));
            }
        }
    }

    #[test]
    fn applying_twice_changes_nothing() {
        for (tag, input, _) in cases() {
            let once = smart(tag, &input);
            assert!(find_straight_quote(&once).is_none(), "{tag}: {once:?}");
            let twice = quotes(tag).apply(&once, None);
            assert!(matches!(twice, Cow::Borrowed(_)), "{tag}: {once:?}");
            assert_eq!(twice, once, "{tag}");
        }
    }

    #[test]
    fn before_carries_the_previous_span() {
        let en = quotes("en");
        // `"` + `hello"`: the quote that ends the first span opens; the second closes.
        assert_eq!(en.apply("\"", None), "“");
        assert_eq!(en.apply("hello\"", Some('"')), "hello”");
        assert_eq!(en.apply("hello\"", Some('“')), "hello”");
        // A quote at the start of a span opens after a space-ending span ...
        assert!(matches!(en.apply("He said ", None), Cow::Borrowed(_)));
        assert_eq!(en.apply("\"hello\"", Some(' ')), "“hello”");
        assert_eq!(en.apply("'hello'", Some('(')), "‘hello’");
        // ... and after an opening mark, and at the start of the block ...
        assert_eq!(en.apply("'hi'", Some('“')), "‘hi’");
        assert_eq!(en.apply("\"hello\"", None), "“hello”");
        // ... but closes after a word or punctuation.
        assert_eq!(en.apply("\" he said", Some('.')), "” he said");
        assert_eq!(en.apply("\", he said", Some('o')), "”, he said");
        // An apostrophe split from its word is still one.
        assert_eq!(en.apply("'t", Some('n')), "’t");
        assert_eq!(en.apply("'", Some('s')), "’");
        // A prime after a digit in the span before.
        assert_eq!(en.apply("\" tall", Some('6')), "″ tall");
        // German and French, too.
        assert_eq!(quotes("de").apply("\"Ja\"", Some(' ')), "„Ja“");
        assert_eq!(quotes("de").apply("\" sagte er", Some('a')), "“ sagte er");
        assert_eq!(
            quotes("fr").apply("\" dit-il", Some('i')),
            format!("{N}» dit-il")
        );
        // Hebrew acronyms across a boundary.
        assert_eq!(quotes("he").apply("\"ל", Some('ה')), "״ל");
    }

    #[test]
    fn french_spaces_only_inside_guillemets_of_languages_that_use_them() {
        for tag in [
            "es", "it", "ru", "de-CH", "fr-CH", "pt-PT", "nb", "ar", "el",
        ] {
            let got = smart(tag, r#"a "b" c 'd'"#);
            assert!(!got.contains(N), "{tag}: {got:?}");
        }
        // French inner marks take no spaces.
        assert_eq!(smart("fr", "'oui'"), "“oui”");
        // A space already there is replaced, and spaces elsewhere are kept.
        assert_eq!(smart("fr", "x \"  y  \" z"), format!("x «{N}y{N}» z"));
    }

    #[test]
    fn no_input_panics_or_keeps_a_straight_quote() {
        // Every string of up to four characters over an alphabet of the characters the rules
        // look at, in a sample of languages: no panic, no straight quote left, idempotent.
        let alphabet = [
            '"', '\'', 'a', 'Z', '5', ' ', '\u{a0}', N, '«', '»', '.', '(', '-', '你', 'ש', 'é',
        ];
        let tags = [
            "en", "nl", "fr", "de", "de-CH", "da", "sv", "he", "ar", "ja", "zh",
        ];
        let all: Vec<Quotes> = tags.iter().map(|t| quotes(t)).collect();
        crate::fixtures::every_string(&alphabet, 4, |text| {
            for q in &all {
                for before in [None, Some('a'), Some('"')] {
                    let once = q.apply(text, before);
                    assert!(find_straight_quote(&once).is_none(), "{text:?} → {once:?}");
                    assert_eq!(q.apply(&once, before), once, "{text:?}");
                    if find_straight_quote(text).is_none() {
                        assert!(matches!(once, Cow::Borrowed(_)));
                    }
                }
            }
        });
    }

    #[test]
    fn long_text_is_linear() {
        // A quarter of a million quotes and spaces in a row: one pass, no quadratic trimming.
        let text = "\" ' ".repeat(100_000) + &"x' \" ".repeat(100_000);
        let fr = quotes("fr").apply(&text, None);
        assert!(find_straight_quote(&fr).is_none());
        assert!(find_straight_quote(&quotes("en").apply(&text, None)).is_none());
    }
}
