//! Paragraph setting: shaped words, hyphenation points, and total-fit line breaking in the
//! manner of Knuth and Plass, then bidi reordering of each line.
//!
//! A paragraph becomes a list of *boxes* (shaped pieces of words), *glue* (the stretchable
//! space between words) and *penalties* (places a line may end at a cost: hyphenation points,
//! emergency breaks inside an overlong word, forced breaks). The breaker then chooses the
//! breaks that minimise the total demerits of the whole paragraph, so one loose line does not
//! push its badness onto the next as a greedy breaker would.
//!
//! The work is split by concern: [`items`] turns runs of text into shaped boxes, glue and
//! penalties; [`hyphenation`] finds where words may break; [`breaking`] chooses the line
//! breaks; [`assembly`] turns the chosen breaks into lines of positioned glyphs in visual
//! order.

mod assembly;
mod breaking;
mod hyphenation;
mod items;

use ::hyphenation::Standard;
use compact_str::CompactString;
use unicode_bidi::Level;

use self::breaking::{greedy, knuth_plass};

use super::FontId;

pub use self::hyphenation::hyphenator;
pub use self::items::{advance_of, is_default_ignorable};

/// How a run of text is set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TextStyle {
    /// The face; characters it lacks fall back to [`FontId::fallback`].
    pub font: FontId,
    /// The size in points.
    pub size: f32,
}

/// A run of a paragraph's text in one style, in logical order.
#[derive(Debug, Clone, Copy)]
pub struct Run<'a> {
    /// The text.
    pub text: &'a str,
    /// Its style.
    pub style: TextStyle,
    /// The link it carries, if any.
    pub link: Option<&'a str>,
}

/// How to set a paragraph.
#[derive(Debug, Clone, Copy)]
pub struct Settings<'a> {
    /// The measure, in points.
    pub width: f32,
    /// Justify lines to the measure (the last line stays ragged).
    pub justify: bool,
    /// Hyphenate with this dictionary.
    pub hyphenator: Option<&'a Standard>,
    /// The direction to assume when the text has no strong character of its own; otherwise
    /// its first strong character decides (rules P2 and P3 of the bidi algorithm).
    pub rtl: bool,
    /// The fonts to fall back to for characters the styles' faces lack.
    pub fonts: &'a super::FontLibrary,
}

/// One glyph set on a line.
#[derive(Debug, Clone, PartialEq)]
pub struct SetGlyph {
    /// The glyph id in its face.
    pub glyph_id: u16,
    /// Its position from the start of the line, in points.
    pub x: f32,
    /// Its vertical offset from the baseline, up positive, in points.
    pub y: f32,
    /// Its advance, in points.
    pub advance: f32,
    /// The text this glyph stands for (its cluster's text on the first glyph of a
    /// cluster, empty on the others), for text extraction. A cluster is a few bytes, held
    /// inline: setting a page allocates nothing per glyph.
    pub text: CompactString,
}

/// Glyphs of one face and size on a line.
#[derive(Debug, Clone, PartialEq)]
pub struct GlyphRun {
    /// The face.
    pub font: FontId,
    /// The size in points.
    pub size: f32,
    /// The glyphs, left to right.
    pub glyphs: Vec<SetGlyph>,
}

/// A stretch of a line that carries a link.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkArea {
    /// Where it starts, from the start of the line, in points.
    pub x0: f32,
    /// Where it ends.
    pub x1: f32,
    /// The target.
    pub url: String,
}

/// A line of a set paragraph.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SetLine {
    /// The glyph runs, left to right.
    pub runs: Vec<GlyphRun>,
    /// The width the line's content takes.
    pub width: f32,
    /// Linked stretches.
    pub links: Vec<LinkArea>,
}

/// A set paragraph.
#[derive(Debug, Clone, Default)]
pub struct SetParagraph {
    /// The lines, top to bottom.
    pub lines: Vec<SetLine>,
    /// Whether the paragraph runs right to left, so its ragged lines align right.
    pub rtl: bool,
    /// Characters no face could draw.
    pub missing: Vec<char>,
}

/// A shaped piece of a word: one face, one direction, one link.
#[derive(Debug, Clone)]
struct Fragment {
    font: FontId,
    size: f32,
    glyphs: Vec<SetGlyph>,
    width: f32,
    level: Level,
    link: Option<usize>,
}

#[derive(Debug, Clone)]
enum Item {
    /// A fragment that cannot be broken.
    Box { fragment: usize },
    /// Space between words.
    Glue {
        width: f32,
        stretch: f32,
        shrink: f32,
    },
    /// A possible break: `hyphen` is the fragment drawn at the end of the line if it is
    /// taken.
    Penalty {
        width: f32,
        cost: f32,
        flagged: bool,
        hyphen: Option<usize>,
    },
}

const INFINITY: f32 = 10_000.0;
/// The cost of a hyphenation break.
const HYPHEN_COST: f32 = 50.0;
/// The cost of breaking inside a word that is wider than the measure.
const EMERGENCY_COST: f32 = 900.0;

/// Sets a paragraph into lines.
pub fn set_paragraph(runs: &[Run<'_>], settings: &Settings<'_>) -> SetParagraph {
    let mut builder = Builder::new(runs, settings);
    builder.build();
    let breaks = knuth_plass(&builder.items, &builder.fragments, settings)
        .unwrap_or_else(|| greedy(&builder.items, &builder.fragments, settings.width));
    let lines = builder.lines(&breaks);
    SetParagraph {
        lines,
        rtl: builder.rtl,
        missing: builder.missing,
    }
}

struct Builder<'a> {
    text: String,
    /// Style, link and byte range of each run in `text`.
    styles: Vec<(TextStyle, Option<usize>, std::ops::Range<usize>)>,
    links: Vec<String>,
    settings: &'a Settings<'a>,
    items: Vec<Item>,
    fragments: Vec<Fragment>,
    missing: Vec<char>,
    levels: Vec<Level>,
    /// The paragraph's resolved direction.
    rtl: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::FontLibrary;
    use crate::model::Language;

    fn style() -> TextStyle {
        TextStyle {
            font: FontId::SerifRegular,
            size: 10.0,
        }
    }

    fn text_of(line: &SetLine) -> String {
        line.runs
            .iter()
            .flat_map(|r| r.glyphs.iter().map(|g| g.text.as_str()))
            .collect()
    }

    #[test]
    fn justified_lines_fill_the_measure() {
        let text = "Russian President Vladimir Putin met for more than four hours in the Kremlin with Jared Kushner and Steve Witkoff, who traveled as a private U.S. delegation exploring possible pathways to end the war in Ukraine.";
        let english = Language::parse("en").unwrap();
        let settings = Settings {
            width: 200.0,
            justify: true,
            hyphenator: hyphenator(&english),
            rtl: false,
            fonts: &FontLibrary::embedded(),
        };
        let set = set_paragraph(
            &[Run {
                text,
                style: style(),
                link: None,
            }],
            &settings,
        );
        assert!(set.lines.len() > 3);
        for line in &set.lines[..set.lines.len() - 1] {
            assert!(
                (line.width - 200.0).abs() < 0.5,
                "line width {}",
                line.width
            );
        }
        // Words are separated by real space glyphs within a line; a line ends either in a
        // hyphen (the word goes on) or at a space, which the break takes.
        let mut joined = String::new();
        for line in &set.lines {
            let line = text_of(line);
            match line.strip_suffix('-') {
                Some(start) => joined.push_str(start),
                None => {
                    joined.push_str(&line);
                    joined.push(' ');
                }
            }
        }
        assert_eq!(joined.trim_end(), text);
    }

    #[test]
    fn an_overlong_word_is_broken_and_nothing_is_lost() {
        let word = "x".repeat(400);
        let settings = Settings {
            width: 100.0,
            justify: true,
            hyphenator: None,
            rtl: false,
            fonts: &FontLibrary::embedded(),
        };
        let set = set_paragraph(
            &[Run {
                text: &word,
                style: style(),
                link: None,
            }],
            &settings,
        );
        assert!(set.lines.len() > 5);
        assert!(set.lines.iter().all(|l| l.width <= 100.5));
        let joined: String = set.lines.iter().map(text_of).collect();
        assert_eq!(joined, word);
    }

    #[test]
    fn never_breaks_at_a_non_breaking_hyphen() {
        let text = "Putin Holds Four\u{2011}Hour Kremlin Talks With Jared Kushner";
        for width in [60.0, 80.0, 100.0, 120.0] {
            let settings = Settings {
                width,
                justify: true,
                hyphenator: None,
                rtl: false,
                fonts: &FontLibrary::embedded(),
            };
            let set = set_paragraph(
                &[Run {
                    text,
                    style: style(),
                    link: None,
                }],
                &settings,
            );
            assert!(
                set.lines
                    .iter()
                    .any(|l| text_of(l).contains("Four\u{2011}Hour")),
                "width {width}"
            );
        }
    }

    #[test]
    fn the_left_to_right_shortcut_gives_the_bidi_algorithms_levels() {
        // Every character the shortcut takes, in every order that matters: each one alone,
        // after and before letters, digits and spaces, and all of them in one paragraph.
        let taken: Vec<char> = (0..0x0590u32)
            .chain(0x2010..=0x2027)
            .chain(0x2030..=0x205E)
            .filter_map(char::from_u32)
            .collect();
        let mut texts: Vec<String> = taken.iter().map(|c| format!("a{c}1 {c}b 2{c}")).collect();
        texts.push(taken.iter().collect());
        texts.push(taken.iter().rev().collect());
        for text in &texts {
            assert!(items::only_left_to_right(text));
            let levels = unicode_bidi::ParagraphBidiInfo::new(text, Some(Level::ltr())).levels;
            assert!(levels.iter().all(|l| *l == Level::ltr()), "{text:?}");
        }
        for other in [
            "\u{05D0}", "\u{0627}", "\u{0661}", "\u{200F}", "\u{202E}", "\u{2067}",
        ] {
            assert!(!items::only_left_to_right(&format!("abc {other}")));
        }
    }

    #[test]
    fn loads_hyphenation_patterns_by_language() {
        assert!(hyphenator(&Language::parse("en-GB").unwrap()).is_some());
        assert!(hyphenator(&Language::parse("ru").unwrap()).is_some());
        assert!(hyphenator(&Language::parse("ja").unwrap()).is_none());
    }
}
