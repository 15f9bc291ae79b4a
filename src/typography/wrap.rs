//! Line filling by display width, for monospaced output.
//!
//! Break opportunities come from the Unicode line breaking algorithm (UAX #14, through
//! `super::linebreak`), so text never breaks inside a word, after a no-break space or at
//! U+2011 NON-BREAKING HYPHEN, and CJK text breaks between ideographs. Widths are terminal
//! columns (UAX #11, through `unicode-width`): CJK and emoji count two, combining marks zero.
//! A word wider than the whole line is the one thing broken inside, at grapheme boundaries.

use std::ops::Range;

use unicode_linebreak::BreakOpportunity;
use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

use super::{ascii, linebreaks};

/// The width of `text` in terminal columns.
pub fn display_width(text: &str) -> usize {
    // Printable ASCII is one column a byte; controls never reach a renderer.
    if text.is_ascii() {
        text.len()
    } else {
        UnicodeWidthStr::width(text)
    }
}

/// The byte offsets after which a line may end, by UAX #14, in order; the last is the end of
/// the text.
pub fn break_opportunities(text: &str) -> impl Iterator<Item = usize> + '_ {
    linebreaks(text).map(|(index, _)| index)
}

/// Appends `text` to `out` as lines of at most `width` columns, each ending in `'\n'`.
///
/// The first line starts with `initial` and the others with `subsequent`, so a hanging
/// indent is `fill(text, w, "  • ", "    ", out)`; the prefixes count towards the width.
/// A `'\n'` in `text` is a forced break. With `width` `None` nothing is wrapped and only the
/// forced breaks end lines.
pub fn fill(text: &str, width: Option<usize>, initial: &str, subsequent: &str, out: &mut String) {
    let mut line = Line {
        out,
        text,
        pending: 0..0,
        wide: 0,
        prefix: initial,
        subsequent,
        used: 0,
        has_content: false,
        started: false,
    };
    line.start();
    let mut last = 0;
    for (index, opportunity) in linebreaks(text) {
        let mandatory = opportunity == BreakOpportunity::Mandatory;
        // Only a mandatory break follows a line end (UAX #14 LB4–LB6).
        let end = if mandatory {
            let segment = text.get(last..index).unwrap_or_default();
            last + segment
                .trim_end_matches(['\n', '\r', '\u{2028}', '\u{2029}', '\u{85}'])
                .len()
        } else {
            index
        };
        line.place(last..end, width);
        last = index;
        if mandatory {
            line.end();
            if index < text.len() {
                line.start();
            }
        }
    }
    if line.started {
        line.end();
    }
}

/// The line being filled.
struct Line<'a> {
    out: &'a mut String,
    /// The text being filled.
    text: &'a str,
    /// The segments placed on the current line and not yet copied to `out`: they lie side by
    /// side in `text`, so a line is copied in one piece rather than a word at a time.
    pending: Range<usize>,
    /// Where the first byte beyond ASCII at or after the last word measured lies (the text's
    /// length if none; 0 before any word is measured): a word that ends before it is one
    /// column a byte, so most words are measured without reading them.
    wide: usize,
    prefix: &'a str,
    subsequent: &'a str,
    /// Columns used on the current line, prefix included.
    used: usize,
    /// Whether a word has been placed on the current line.
    has_content: bool,
    started: bool,
}

impl Line<'_> {
    fn start(&mut self) {
        self.out.push_str(self.prefix);
        self.used = display_width(self.prefix);
        self.has_content = false;
        self.started = true;
        self.prefix = self.subsequent;
    }

    fn end(&mut self) {
        self.flush();
        let trimmed = self
            .out
            .bytes()
            .rposition(|b| b != b' ')
            .map_or(0, |i| i + 1);
        self.out.truncate(trimmed);
        self.out.push('\n');
        self.started = false;
    }

    /// Copies the pending segments to the line.
    fn flush(&mut self) {
        let end = self.pending.end;
        let pending = std::mem::replace(&mut self.pending, end..end);
        self.out
            .push_str(self.text.get(pending).unwrap_or_default());
    }

    /// Adds the segment at `range` of the text to the line.
    fn append(&mut self, range: Range<usize>) {
        if self.pending.end != range.start {
            self.flush();
            self.pending.start = range.start;
        }
        self.pending.end = range.end;
    }

    /// The width of the word at `word` of the text.
    fn width_of(&mut self, word: Range<usize>) -> usize {
        // From 0, before the first word: so the first is measured by its length too.
        if word.start >= self.wide {
            self.wide = ascii::first_wide(self.text.as_bytes(), word.start);
        }
        if word.end <= self.wide {
            word.len()
        } else {
            UnicodeWidthStr::width(self.text.get(word).unwrap_or_default())
        }
    }

    /// Places one segment, a word with its trailing spaces, found at `range` of the text.
    /// The segment is read as bytes: its ends are break opportunities, so char boundaries,
    /// and its trailing spaces are found a byte at a time from the end, since no character
    /// but the space has the byte 0x20 in its UTF-8.
    fn place(&mut self, range: Range<usize>, width: Option<usize>) {
        let segment = self.text.as_bytes().get(range.clone()).unwrap_or_default();
        let Some(last) = segment.iter().rposition(|&b| b != b' ') else {
            return;
        };
        let word = range.start..range.start + last + 1;
        let Some(width) = width else {
            self.append(range);
            self.has_content = true;
            return;
        };
        let word_width = self.width_of(word.clone());
        if self.used + word_width > width && self.has_content {
            self.end();
            self.start();
        }
        // The trailing part of a segment is ASCII spaces: one column each.
        let spaces = range.end - word.end;
        if self.used + word_width <= width {
            self.append(range);
            self.used += word_width + spaces;
            self.has_content = true;
            return;
        }
        // Wider than a whole line: break it between graphemes.
        let text = self.text;
        let trailing = text.get(word.end..range.end).unwrap_or_default();
        let word = text.get(word).unwrap_or_default();
        self.flush();
        for grapheme in word.graphemes(true) {
            let w = display_width(grapheme);
            if self.used + w > width && self.has_content {
                self.end();
                self.start();
            }
            self.out.push_str(grapheme);
            self.used += w;
            self.has_content = true;
        }
        self.out.push_str(trailing);
        self.used += spaces;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wrap(text: &str, width: usize) -> Vec<String> {
        let mut out = String::new();
        fill(text, Some(width), "", "", &mut out);
        out.lines().map(str::to_owned).collect()
    }

    #[test]
    fn fills_greedily_within_the_width() {
        let lines = wrap("the quick brown fox jumps over the lazy dog", 15);
        assert_eq!(lines, ["the quick brown", "fox jumps over", "the lazy dog"]);
        assert!(lines.iter().all(|l| display_width(l) <= 15));
    }

    #[test]
    fn never_breaks_at_a_non_breaking_hyphen() {
        let lines = wrap("Putin Holds Four\u{2011}Hour Kremlin Talks", 18);
        assert!(
            lines.iter().any(|l| l.contains("Four\u{2011}Hour")),
            "{lines:?}"
        );
    }

    #[test]
    fn counts_cjk_as_two_columns() {
        let lines = wrap("東京都は日本の首都であり世界最大の都市圏です", 10);
        assert!(lines.iter().all(|l| display_width(l) <= 10), "{lines:?}");
        assert_eq!(
            lines.concat(),
            "東京都は日本の首都であり世界最大の都市圏です"
        );
    }

    #[test]
    fn breaks_an_overlong_word_at_the_margin_and_loses_nothing() {
        let word = "x".repeat(50);
        let lines = wrap(&format!("a {word} b"), 20);
        assert_eq!(lines.concat().replace(' ', ""), format!("a{word}b"));
        assert!(lines.iter().all(|l| display_width(l) <= 20));
    }

    #[test]
    fn hanging_indent_and_forced_breaks() {
        let mut out = String::new();
        fill(
            "one two three four\nfive",
            Some(12),
            "  • ",
            "    ",
            &mut out,
        );
        assert_eq!(out, "  • one two\n    three\n    four\n    five\n");
    }

    #[test]
    fn no_width_means_no_wrapping() {
        let mut out = String::new();
        fill(&"word ".repeat(40), None, "> ", "> ", &mut out);
        assert_eq!(out.lines().count(), 1);
    }

    #[test]
    fn words_beside_wide_characters_are_measured_by_their_columns() {
        let lines = wrap("ab \u{201c}cd\u{201d} 東京 ef gh 東京東京 ij", 8);
        assert_eq!(
            lines,
            ["ab \u{201c}cd\u{201d}", "東京 ef", "gh 東京", "東京 ij"]
        );
        assert!(lines.iter().all(|l| display_width(l) <= 8), "{lines:?}");
    }

    #[test]
    fn combining_marks_take_no_columns() {
        assert_eq!(display_width("e\u{301}"), 1);
    }
}
