//! Line filling by display width, for monospaced output.
//!
//! Break opportunities come from the Unicode line breaking algorithm (UAX #14, through
//! `super::linebreak`), so text never breaks inside a word, after a no-break space or at
//! U+2011 NON-BREAKING HYPHEN, and CJK text breaks between ideographs. Widths are terminal
//! columns (UAX #11, through `unicode-width`): CJK and emoji count two, combining marks zero.
//! A word wider than the whole line is the one thing broken inside, at grapheme boundaries.

use unicode_linebreak::BreakOpportunity;
use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

use super::linebreaks;

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
        prefix: initial,
        subsequent,
        used: 0,
        has_content: false,
        started: false,
    };
    line.start();
    let mut last = 0;
    for (index, opportunity) in linebreaks(text) {
        let segment = text.get(last..index).unwrap_or_default();
        last = index;
        let mandatory = opportunity == BreakOpportunity::Mandatory;
        // Only a mandatory break follows a line end (UAX #14 LB4–LB6).
        let word = if mandatory {
            segment.trim_end_matches(['\n', '\r', '\u{2028}', '\u{2029}', '\u{85}'])
        } else {
            segment
        };
        line.place(word, width);
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
        let trimmed = self.out.trim_end_matches(' ').len();
        self.out.truncate(trimmed);
        self.out.push('\n');
        self.started = false;
    }

    /// Places one segment: a word with its trailing spaces.
    fn place(&mut self, segment: &str, width: Option<usize>) {
        let word = segment.trim_end_matches(' ');
        if word.is_empty() {
            return;
        }
        let Some(width) = width else {
            self.out.push_str(segment);
            self.has_content = true;
            return;
        };
        let word_width = display_width(word);
        if self.used + word_width > width && self.has_content {
            self.end();
            self.start();
        }
        // The trailing part of a segment is ASCII spaces: one column each.
        let spaces = segment.len() - word.len();
        if self.used + word_width <= width {
            self.out.push_str(segment);
            self.used += word_width + spaces;
            self.has_content = true;
            return;
        }
        // Wider than a whole line: break it between graphemes.
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
        self.out.push_str(&segment[word.len()..]);
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
    fn combining_marks_take_no_columns() {
        assert_eq!(display_width("e\u{301}"), 1);
    }
}
