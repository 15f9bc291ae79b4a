//! Itemising and shaping: a paragraph's runs become shaped boxes (pieces of words in one
//! face, direction and link), glue between words and penalties where a line may end.

use compact_str::CompactString;
use rustybuzz::ttf_parser::GlyphId;
use unicode_bidi::{Level, ParagraphBidiInfo};
use unicode_linebreak::BreakOpportunity;
use unicode_segmentation::UnicodeSegmentation;

use super::hyphenation::hyphenation_points;
use super::{
    Builder, EMERGENCY_COST, FontId, Fragment, HYPHEN_COST, INFINITY, Item, Run, SetGlyph,
    Settings, TextStyle,
};
use crate::layout::{face, glyph_index};
use crate::typography::linebreaks;

impl<'a> Builder<'a> {
    pub(super) fn new(runs: &[Run<'_>], settings: &'a Settings<'a>) -> Self {
        let mut text = String::new();
        let mut styles = Vec::new();
        let mut links: Vec<String> = Vec::new();
        for run in runs {
            let start = text.len();
            text.push_str(run.text);
            let link = run
                .link
                .map(|url| match links.iter().position(|l| l == url) {
                    Some(i) => i,
                    None => {
                        links.push(url.to_owned());
                        links.len() - 1
                    }
                });
            styles.push((run.style, link, start..text.len()));
        }
        let rtl = crate::typography::direction::is_rtl_text(&text, settings.rtl);
        let level = if rtl { Level::rtl() } else { Level::ltr() };
        // No levels means every byte is at level 0, left to right.
        let levels = if text.is_empty() || (!rtl && only_left_to_right(&text)) {
            Vec::new()
        } else {
            ParagraphBidiInfo::new(&text, Some(level)).levels
        };
        Builder {
            text,
            styles,
            links,
            settings,
            items: Vec::new(),
            fragments: Vec::new(),
            missing: Vec::new(),
            levels,
            rtl,
        }
    }

    fn style_at(&self, at: usize) -> (TextStyle, Option<usize>) {
        // The runs are in order and touch, so a binary search finds the one holding `at`
        // (an empty run holds nothing and is passed over).
        let index = self.styles.partition_point(|(_, _, range)| range.end <= at);
        self.styles.get(index).or(self.styles.last()).map_or(
            (
                TextStyle {
                    font: FontId::SerifRegular,
                    size: 10.0,
                },
                None,
            ),
            |(style, link, _)| (*style, *link),
        )
    }

    pub(super) fn build(&mut self) {
        let text = std::mem::take(&mut self.text);
        let mut last = 0;
        for (index, opportunity) in linebreaks(&text) {
            let segment = &text[last..index];
            let word_end = last + segment.trim_end_matches([' ', '\n']).len();
            self.word(&text, last..word_end);
            let spaces = &text[word_end..index];
            let mandatory = opportunity == BreakOpportunity::Mandatory;
            if mandatory {
                // A forced line break: fill the line, then break.
                self.items.push(Item::Glue {
                    width: 0.0,
                    stretch: INFINITY,
                    shrink: 0.0,
                });
                self.items.push(Item::Penalty {
                    width: 0.0,
                    cost: -INFINITY,
                    flagged: false,
                    hyphen: None,
                });
            } else if !spaces.is_empty() {
                let (style, _) = self.style_at(word_end);
                let space = advance_of(style, ' ');
                self.items.push(Item::Glue {
                    width: space,
                    stretch: space * 0.6,
                    shrink: space * 0.3,
                });
            } else if word_end > last {
                // A break opportunity with no space (after a hyphen or slash, between
                // ideographs): free, but it adds nothing to the line.
                self.items.push(Item::Penalty {
                    width: 0.0,
                    cost: 0.0,
                    flagged: false,
                    hyphen: None,
                });
            }
            last = index;
        }
        self.text = text;
    }

    /// Adds the boxes of one word (a stretch with no break opportunity inside).
    fn word(&mut self, text: &str, range: std::ops::Range<usize>) {
        if range.is_empty() {
            return;
        }
        let word = &text[range.clone()];
        let (style, _) = self.style_at(range.start);
        // Hyphenation points, for words of letters in one style.
        let single_style = self
            .styles
            .get(
                self.styles
                    .partition_point(|(_, _, r)| r.end <= range.start),
            )
            .is_some_and(|(_, _, r)| r.start <= range.start && range.end <= r.end);
        let mut cuts: Vec<usize> = Vec::new();
        if let Some(dictionary) = self.settings.hyphenator
            && single_style
            && word.chars().count() >= 5
            && word.chars().all(char::is_alphabetic)
        {
            cuts = hyphenation_points(dictionary, word)
                .iter()
                .copied()
                .filter(|&b| word.is_char_boundary(b) && b > 0 && b < word.len())
                .collect();
        }
        let mut pieces = Vec::new();
        let mut start = 0;
        for cut in cuts.iter().copied().chain([word.len()]) {
            pieces.push(range.start + start..range.start + cut);
            start = cut;
        }
        for (i, piece) in pieces.iter().enumerate() {
            let first = self.fragments.len();
            self.shape_range(text, piece.clone());
            let width: f32 = self.fragments[first..].iter().map(|f| f.width).sum();
            // A piece the word goes on from must leave room for the hyphen drawn after it.
            let hyphen = if i + 1 < pieces.len() {
                advance_of(style, '-')
            } else {
                0.0
            };
            if width + hyphen <= self.settings.width {
                self.push_boxes(first);
            } else {
                // Wider than the measure: allow breaks between graphemes, at a price.
                self.fragments.truncate(first);
                for (n, (offset, grapheme)) in
                    text[piece.clone()].grapheme_indices(true).enumerate()
                {
                    if n > 0 {
                        self.items.push(Item::Penalty {
                            width: 0.0,
                            cost: EMERGENCY_COST,
                            flagged: false,
                            hyphen: None,
                        });
                    }
                    let start = piece.start + offset;
                    let from = self.fragments.len();
                    self.shape_range(text, start..start + grapheme.len());
                    self.push_boxes(from);
                }
            }
            if i + 1 < pieces.len() {
                let hyphen = self.hyphen_fragment(style);
                self.items.push(Item::Penalty {
                    width: self.fragments[hyphen].width,
                    cost: HYPHEN_COST,
                    flagged: true,
                    hyphen: Some(hyphen),
                });
            }
        }
    }

    /// Pushes a box for each fragment made since `from`.
    fn push_boxes(&mut self, from: usize) {
        for fragment in from..self.fragments.len() {
            self.items.push(Item::Box { fragment });
        }
    }

    fn hyphen_fragment(&mut self, style: TextStyle) -> usize {
        let glyph = glyph_index(style.font, '-').unwrap_or(0);
        let advance = advance_of(style, '-');
        self.fragments.push(Fragment {
            font: style.font,
            size: style.size,
            glyphs: vec![SetGlyph {
                glyph_id: glyph,
                x: 0.0,
                y: 0.0,
                advance,
                text: CompactString::const_new("-"),
            }],
            width: advance,
            level: Level::ltr(),
            link: None,
        });
        self.fragments.len() - 1
    }

    /// Shapes a range of the text into fragments, split where the style, the face chosen
    /// by coverage or the bidi level changes.
    fn shape_range(&mut self, text: &str, range: std::ops::Range<usize>) {
        let mut piece_start = range.start;
        let mut current: Option<(TextStyle, Option<usize>, FontId, Level)> = None;
        for (offset, c) in text[range.clone()].char_indices() {
            let at = range.start + offset;
            let (style, link) = self.style_at(at);
            let level = self.levels.get(at).copied().unwrap_or_else(Level::ltr);
            let font = if crate::layout::is_mark(c) || is_default_ignorable(c) {
                // Marks and invisible controls go with what they attach to; shaping hides
                // the controls a face has no glyph for.
                current.map_or(style.font, |(_, _, f, _)| f)
            } else if let Some(font) = self.settings.fonts.font_for(style.font, c) {
                font
            } else {
                crate::layout::note_missing(&mut self.missing, c);
                style.font
            };
            let key = (style, link, font, level);
            match current {
                Some(cur) if cur == key => {}
                Some(cur) => {
                    self.shape_piece(&text[piece_start..at], cur);
                    piece_start = at;
                    current = Some(key);
                }
                None => current = Some(key),
            }
        }
        if let Some(cur) = current {
            self.shape_piece(&text[piece_start..range.end], cur);
        }
    }

    fn shape_piece(
        &mut self,
        piece: &str,
        (style, link, font, level): (TextStyle, Option<usize>, FontId, Level),
    ) {
        if piece.is_empty() {
            return;
        }
        let scale = style.size / f32::from(face(font).units_per_em() as u16);
        let shaped = crate::layout::shape(font, piece, level.is_rtl());
        // Cluster starts, sorted, to find each cluster's text.
        let mut starts: Vec<usize> = shaped.iter().map(|g| g.cluster).collect();
        starts.sort_unstable();
        starts.dedup();
        let mut glyphs = Vec::with_capacity(shaped.len());
        let mut pen = 0.0;
        // Shaping keeps the glyphs of a cluster together (monotone clusters), so a cluster's
        // first glyph is the one whose cluster differs from the glyph before it. Both
        // look-ups are logarithmic or constant: a word of thousands of characters must not
        // cost the square of its length.
        let mut previous = None;
        for glyph in shaped.iter() {
            let cluster = glyph.cluster;
            let text = if previous == Some(cluster) {
                CompactString::default()
            } else {
                previous = Some(cluster);
                let end = starts
                    .get(starts.partition_point(|&s| s <= cluster))
                    .copied()
                    .unwrap_or(piece.len());
                CompactString::from(piece.get(cluster..end).unwrap_or_default())
            };
            let advance = glyph.x_advance * scale;
            glyphs.push(SetGlyph {
                glyph_id: glyph.glyph_id,
                x: pen + glyph.x_offset * scale,
                y: glyph.y_offset * scale,
                advance,
                text,
            });
            pen += advance;
        }
        self.fragments.push(Fragment {
            font,
            size: style.size,
            glyphs,
            width: pen,
            level,
            link,
        });
    }
}

/// Whether a left-to-right paragraph of `text` resolves to level 0 throughout without
/// running the bidi algorithm: it has no right-to-left letters, no Arabic digits and no
/// explicit embeddings, overrides, isolates or marks. Below U+0590 (where Hebrew starts)
/// and in the dashes, quotes and other punctuation of U+2010 to U+2027 and U+2030 to
/// U+205E, every character is one of the classes (L, EN, ES, ET, CS, NSM, B, S, WS, ON,
/// BN) that resolve to the paragraph's level when no strong right-to-left character is
/// present. That is most text, and the full algorithm is a pass over every byte.
pub(super) fn only_left_to_right(text: &str) -> bool {
    text.chars()
        .all(|c| c < '\u{0590}' || matches!(c, '\u{2010}'..='\u{2027}' | '\u{2030}'..='\u{205E}'))
}

/// Characters that are invisible by definition (Unicode's Default_Ignorable_Code_Point):
/// joiners, bidi controls, variation selectors, the soft hyphen. No glyph is needed.
pub fn is_default_ignorable(c: char) -> bool {
    matches!(c as u32, 0x00AD | 0x034F | 0x061C | 0x115F..=0x1160 | 0x17B4..=0x17B5 | 0x180B..=0x180F | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0x3164 | 0xFE00..=0xFE0F | 0xFEFF | 0xFFA0 | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A | 0xE0000..=0xE0FFF)
}

/// The advance of one character in a style, in points (0 if the face lacks it).
pub fn advance_of(style: TextStyle, c: char) -> f32 {
    let face = face(style.font);
    let scale = style.size / f32::from(face.units_per_em() as u16);
    glyph_index(style.font, c)
        .and_then(|g| face.glyph_hor_advance(GlyphId(g)))
        .map_or(0.0, |a| f32::from(a) * scale)
}
