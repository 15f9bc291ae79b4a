//! Paragraph setting: shaped words, hyphenation points, and total-fit line breaking in the
//! manner of Knuth and Plass, then bidi reordering of each line.
//!
//! A paragraph becomes a list of *boxes* (shaped pieces of words), *glue* (the stretchable
//! space between words) and *penalties* (places a line may end at a cost: hyphenation points,
//! emergency breaks inside an overlong word, forced breaks). The breaker then chooses the
//! breaks that minimise the total demerits of the whole paragraph, so one loose line does not
//! push its badness onto the next as a greedy breaker would.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use hyphenation::{Hyphenator, Load, Standard};
use unicode_bidi::{BidiInfo, Level, ParagraphBidiInfo};
use unicode_linebreak::{BreakOpportunity, linebreaks};
use unicode_segmentation::UnicodeSegmentation;

use super::{FontId, face};
use crate::model::Language;

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
    /// cluster, empty on the others), for text extraction.
    pub text: String,
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

impl<'a> Builder<'a> {
    fn new(runs: &[Run<'_>], settings: &'a Settings<'a>) -> Self {
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
        let levels = if text.is_empty() {
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
        self.styles
            .iter()
            .find(|(_, _, range)| range.contains(&at))
            .or(self.styles.last())
            .map_or(
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

    fn build(&mut self) {
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
            .iter()
            .any(|(_, _, r)| r.start <= range.start && range.end <= r.end);
        let mut cuts: Vec<usize> = Vec::new();
        if let Some(dictionary) = self.settings.hyphenator
            && single_style
            && word.chars().count() >= 5
            && word.chars().all(char::is_alphabetic)
        {
            cuts = hyphenation_points(dictionary, word)
                .into_iter()
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
            if width <= self.settings.width {
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
        let glyph = face(style.font).glyph_index('-').map_or(0, |g| g.0);
        let advance = advance_of(style, '-');
        self.fragments.push(Fragment {
            font: style.font,
            size: style.size,
            glyphs: vec![SetGlyph {
                glyph_id: glyph,
                x: 0.0,
                y: 0.0,
                advance,
                text: "-".to_owned(),
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
            let font = if super::is_mark(c) || is_default_ignorable(c) {
                // Marks and invisible controls go with what they attach to; shaping hides
                // the controls a face has no glyph for.
                current.map_or(style.font, |(_, _, f, _)| f)
            } else if let Some(font) = self.settings.fonts.font_for(style.font, c) {
                font
            } else {
                super::note_missing(&mut self.missing, c);
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
        let shaped = super::shape(font, piece, level.is_rtl());
        // Cluster starts, sorted, to find each cluster's text.
        let mut starts: Vec<usize> = shaped.iter().map(|g| g.cluster).collect();
        starts.sort_unstable();
        starts.dedup();
        let mut glyphs = Vec::with_capacity(shaped.len());
        let mut pen = 0.0;
        let mut seen = Vec::new();
        for glyph in shaped.iter() {
            let cluster = glyph.cluster;
            let text = if seen.contains(&cluster) {
                String::new()
            } else {
                seen.push(cluster);
                let end = starts
                    .iter()
                    .find(|&&s| s > cluster)
                    .copied()
                    .unwrap_or(piece.len());
                piece.get(cluster..end).unwrap_or_default().to_owned()
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

    /// Turns breaks into set lines.
    fn lines(&self, breaks: &[usize]) -> Vec<SetLine> {
        let settings = self.settings;
        let mut lines = Vec::with_capacity(breaks.len());
        let mut start = 0;
        for (n, &end) in breaks.iter().enumerate() {
            // Skip glue and penalties at the start of a line.
            while start < end && !matches!(self.items[start], Item::Box { .. }) {
                start += 1;
            }
            let last_line = n + 1 == breaks.len();
            let slice = &self.items[start..end];
            let (natural, stretch, shrink) = measure(slice, &self.fragments);
            let hyphen = match self.items.get(end) {
                Some(Item::Penalty {
                    hyphen: Some(h), ..
                }) => Some(*h),
                _ => None,
            };
            let hyphen_width = hyphen.map_or(0.0, |h| self.fragments[h].width);
            let natural = natural + hyphen_width;
            let ratio = if !settings.justify || last_line {
                if natural > settings.width && shrink > 0.0 {
                    ((settings.width - natural) / shrink).max(-1.0)
                } else {
                    0.0
                }
            } else if natural < settings.width {
                if stretch > 0.0 {
                    ((settings.width - natural) / stretch).min(3.0)
                } else {
                    0.0
                }
            } else if shrink > 0.0 {
                ((settings.width - natural) / shrink).max(-1.0)
            } else {
                0.0
            };
            // Pieces in logical order: fragments and the widths of the spaces between.
            let mut pieces: Vec<(Option<usize>, f32, Level)> = Vec::new();
            // The face and size of the word before each space, for its space glyph.
            let mut space_styles: Vec<Option<(FontId, f32)>> = Vec::new();
            let trailing = slice
                .iter()
                .rposition(|i| matches!(i, Item::Box { .. }))
                .map_or(0, |p| p + 1);
            for item in &slice[..trailing] {
                match item {
                    Item::Box { fragment } => {
                        pieces.push((
                            Some(*fragment),
                            self.fragments[*fragment].width,
                            self.fragments[*fragment].level,
                        ));
                        space_styles.push(None);
                    }
                    Item::Glue {
                        width,
                        stretch,
                        shrink,
                    } => {
                        let w = if ratio >= 0.0 {
                            width + ratio * stretch
                        } else {
                            width + ratio * shrink
                        };
                        pieces.push((None, w, Level::ltr()));
                        let before = pieces.iter().rev().find_map(|(f, _, _)| *f);
                        space_styles.push(before.map(|f| {
                            let fragment = &self.fragments[f];
                            (fragment.font, fragment.size)
                        }));
                    }
                    Item::Penalty { .. } => {}
                }
            }
            if let Some(h) = hyphen {
                let level = pieces
                    .iter()
                    .rev()
                    .find_map(|(f, _, l)| f.map(|_| *l))
                    .unwrap_or_else(Level::ltr);
                pieces.push((Some(h), self.fragments[h].width, level));
                space_styles.push(None);
            }
            // Spaces take the lower level of their neighbours (rule L1 for the ends).
            let paragraph_level = if settings.rtl {
                Level::rtl()
            } else {
                Level::ltr()
            };
            for i in 0..pieces.len() {
                if pieces[i].0.is_none() {
                    let before = pieces[..i].iter().rev().find_map(|(f, _, l)| f.map(|_| *l));
                    let after = pieces[i + 1..].iter().find_map(|(f, _, l)| f.map(|_| *l));
                    pieces[i].2 = match (before, after) {
                        (Some(a), Some(b)) => a.min(b),
                        _ => paragraph_level,
                    };
                }
            }
            let levels: Vec<Level> = pieces.iter().map(|p| p.2).collect();
            let order = if levels.iter().all(|l| l.is_ltr()) {
                (0..pieces.len()).collect()
            } else {
                BidiInfo::reorder_visual(&levels)
            };
            let mut line = SetLine::default();
            let mut x = 0.0f32;
            // Whether the line's last link area may go on: only spaces since it ended.
            let mut link_open = false;
            for index in order {
                let (fragment, width, _) = pieces[index];
                if fragment.is_none() {
                    // A real space glyph, stretched or shrunk by justification, so that
                    // every extractor finds the word boundary in every script.
                    if let Some((font, size)) = space_styles.get(index).copied().flatten()
                        && width > 0.0
                        && let Some(space) = face(font).glyph_index(' ')
                    {
                        let glyph = SetGlyph {
                            glyph_id: space.0,
                            x,
                            y: 0.0,
                            advance: width,
                            text: " ".to_owned(),
                        };
                        match line.runs.last_mut() {
                            Some(run) if run.font == font && run.size == size => {
                                run.glyphs.push(glyph);
                            }
                            _ => line.runs.push(GlyphRun {
                                font,
                                size,
                                glyphs: vec![glyph],
                            }),
                        }
                    }
                }
                if let Some(f) = fragment {
                    let fragment = &self.fragments[f];
                    let glyphs = fragment
                        .glyphs
                        .iter()
                        .map(|g| SetGlyph {
                            x: x + g.x,
                            ..g.clone()
                        })
                        .collect();
                    match line.runs.last_mut() {
                        Some(run) if run.font == fragment.font && run.size == fragment.size => {
                            run.glyphs.extend::<Vec<SetGlyph>>(glyphs);
                        }
                        _ => line.runs.push(GlyphRun {
                            font: fragment.font,
                            size: fragment.size,
                            glyphs,
                        }),
                    }
                    if let Some(link) = fragment.link {
                        // One area per line a link crosses: the words of a link and the
                        // spaces between them are one stretch.
                        let url = &self.links[link];
                        match line.links.last_mut() {
                            Some(area) if link_open && area.url == *url => area.x1 = x + width,
                            _ => line.links.push(LinkArea {
                                x0: x,
                                x1: x + width,
                                url: url.clone(),
                            }),
                        }
                        link_open = true;
                    } else {
                        link_open = false;
                    }
                }
                x += width;
            }
            line.width = x;
            lines.push(line);
            start = end;
        }
        lines
    }
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
    face.glyph_index(c)
        .and_then(|g| face.glyph_hor_advance(g))
        .map_or(0.0, |a| f32::from(a) * scale)
}

/// Natural width, stretch and shrink of a slice of items (penalties count nothing).
fn measure(items: &[Item], fragments: &[Fragment]) -> (f32, f32, f32) {
    let mut width = 0.0;
    let mut stretch = 0.0;
    let mut shrink = 0.0;
    // Glue after the last box is dropped at a line break.
    let end = items
        .iter()
        .rposition(|i| matches!(i, Item::Box { .. }))
        .map_or(0, |p| p + 1);
    for item in &items[..end] {
        match item {
            Item::Box { fragment } => width += fragments[*fragment].width,
            Item::Glue {
                width: w,
                stretch: st,
                shrink: sh,
            } => {
                width += w;
                stretch += st;
                shrink += sh;
            }
            Item::Penalty { .. } => {}
        }
    }
    (width, stretch, shrink)
}

/// Whether item `i` is a legal break, and its penalty cost, width and flag.
fn break_at(items: &[Item], i: usize) -> Option<(f32, f32, bool)> {
    match &items[i] {
        Item::Penalty {
            cost,
            width,
            flagged,
            ..
        } if *cost < INFINITY => Some((*cost, *width, *flagged)),
        Item::Glue { .. } if i > 0 && matches!(items[i - 1], Item::Box { .. }) => {
            Some((0.0, 0.0, false))
        }
        _ => None,
    }
}

#[derive(Clone, Copy)]
struct Node {
    position: usize,
    line: usize,
    fitness: u8,
    demerits: f32,
    previous: Option<usize>,
    flagged: bool,
}

/// Total-fit line breaking. Returns the item indices where lines end (the last is the
/// paragraph's end), or `None` if no set of breaks keeps every line within tolerance.
fn knuth_plass(
    items: &[Item],
    fragments: &[Fragment],
    settings: &Settings<'_>,
) -> Option<Vec<usize>> {
    if !settings.justify {
        return None;
    }
    // The builder ends every paragraph with infinitely stretchable glue and a forced break.
    if items.is_empty() {
        return Some(Vec::new());
    }
    // Prefix sums of width, stretch and shrink.
    let mut sums = Vec::with_capacity(items.len() + 1);
    let mut acc = (0.0f32, 0.0f32, 0.0f32);
    sums.push(acc);
    for item in items {
        match item {
            Item::Box { fragment } => acc.0 += fragments[*fragment].width,
            Item::Glue {
                width,
                stretch,
                shrink,
            } => {
                acc.0 += width;
                acc.1 += stretch;
                acc.2 += shrink;
            }
            Item::Penalty { .. } => {}
        }
        sums.push(acc);
    }
    for tolerance in [2.0f32, 6.0] {
        if let Some(breaks) = total_fit(items, &sums, settings.width, tolerance) {
            return Some(breaks);
        }
    }
    None
}

fn total_fit(
    items: &[Item],
    sums: &[(f32, f32, f32)],
    width: f32,
    tolerance: f32,
) -> Option<Vec<usize>> {
    let mut nodes = vec![Node {
        position: 0,
        line: 0,
        fitness: 1,
        demerits: 0.0,
        previous: None,
        flagged: false,
    }];
    let mut active: Vec<usize> = vec![0];
    // The sums after the break at a node: skip glue and penalties that follow it.
    let after = |position: usize| -> (f32, f32, f32) {
        let mut i = position;
        if position > 0 {
            i += 1;
        }
        while i < items.len() && !matches!(items[i], Item::Box { .. }) {
            if matches!(&items[i], Item::Penalty { cost, .. } if *cost <= -INFINITY) {
                break;
            }
            i += 1;
        }
        sums[i.min(sums.len() - 1)]
    };
    for (b, sum) in sums.iter().enumerate().take(items.len()) {
        let Some((cost, penalty_width, flagged)) = break_at(items, b) else {
            continue;
        };
        let mut best: [Option<(f32, usize)>; 4] = [None; 4];
        let mut keep = Vec::with_capacity(active.len());
        for &a in &active {
            let node = nodes[a];
            let start = after(node.position);
            let natural = sum.0 - start.0 + penalty_width;
            let stretch = sum.1 - start.1;
            let shrink = sum.2 - start.2;
            let ratio = if natural < width {
                if stretch > 0.0 {
                    (width - natural) / stretch
                } else {
                    INFINITY
                }
            } else if natural > width {
                if shrink > 0.0 {
                    (width - natural) / shrink
                } else {
                    -INFINITY
                }
            } else {
                0.0
            };
            let forced = cost <= -INFINITY;
            if ratio < -1.0 || forced {
                // The node can no longer start a line that reaches here.
            } else {
                keep.push(a);
            }
            if (-1.0..=tolerance).contains(&ratio) {
                let badness = 100.0 * ratio.abs().powi(3);
                let mut demerits = if cost >= 0.0 {
                    (10.0 + badness).powi(2) + cost * cost
                } else if cost > -INFINITY {
                    (10.0 + badness).powi(2) - cost * cost
                } else {
                    (10.0 + badness).powi(2)
                };
                if flagged && node.flagged {
                    demerits += 3000.0;
                }
                let fitness: u8 = if ratio < -0.5 {
                    0
                } else if ratio <= 0.5 {
                    1
                } else if ratio <= 1.0 {
                    2
                } else {
                    3
                };
                if node.fitness.abs_diff(fitness) > 1 {
                    demerits += 3000.0;
                }
                let total = node.demerits + demerits;
                let slot = &mut best[fitness as usize];
                if slot.is_none_or(|(d, _)| total < d) {
                    *slot = Some((total, a));
                }
            }
        }
        active = keep;
        for (fitness, candidate) in best.iter().enumerate() {
            if let Some((demerits, from)) = candidate {
                nodes.push(Node {
                    position: b,
                    line: nodes[*from].line + 1,
                    fitness: fitness as u8,
                    demerits: *demerits,
                    previous: Some(*from),
                    flagged,
                });
                active.push(nodes.len() - 1);
            }
        }
        if active.is_empty() {
            return None;
        }
    }
    let end = items.len() - 1;
    let best = active
        .iter()
        .filter(|&&a| nodes[a].position == end)
        .min_by(|&&a, &&b| nodes[a].demerits.total_cmp(&nodes[b].demerits))?;
    let mut breaks = Vec::new();
    let mut at = Some(*best);
    while let Some(n) = at {
        if nodes[n].previous.is_some() {
            breaks.push(nodes[n].position);
        }
        at = nodes[n].previous;
    }
    breaks.reverse();
    Some(breaks)
}

/// First-fit breaking, for ragged text and for paragraphs no total-fit solution exists for.
fn greedy(items: &[Item], fragments: &[Fragment], width: f32) -> Vec<usize> {
    let mut breaks = Vec::new();
    let mut line_start = 0;
    let mut last_fit: Option<usize> = None;
    let mut i = 0;
    while i < items.len() {
        if let Some((cost, penalty_width, _)) = break_at(items, i) {
            let (natural, _, shrink) = measure(&items[line_start..i], fragments);
            let fits = natural + penalty_width - shrink * 0.0 <= width + 0.01;
            if cost <= -INFINITY {
                breaks.push(i);
                line_start = i + 1;
                last_fit = None;
            } else if fits {
                last_fit = Some(i);
            } else if let Some(fit) = last_fit {
                breaks.push(fit);
                line_start = fit + 1;
                last_fit = None;
                i = fit + 1;
                continue;
            } else {
                // Nothing fits: break here, overfull.
                let _ = shrink;
                breaks.push(i);
                line_start = i + 1;
            }
        }
        i += 1;
    }
    if breaks.last() != Some(&items.len()) && line_start < items.len() {
        breaks.push(items.len());
    }
    breaks
}

/// Where a word may be hyphenated, through a per-thread cache: news text repeats its words.
fn hyphenation_points(dictionary: &Standard, word: &str) -> Vec<usize> {
    type Key = (usize, Box<str>);
    thread_local! {
        static POINTS: std::cell::RefCell<HashMap<Key, Vec<usize>>> =
            std::cell::RefCell::new(HashMap::new());
    }
    // Dictionaries live for the whole process, so their address identifies them.
    let key: Key = (std::ptr::from_ref(dictionary) as usize, word.into());
    if let Some(points) = POINTS.with(|p| p.borrow().get(&key).cloned()) {
        return points;
    }
    let points = dictionary.hyphenate(&word.to_lowercase()).breaks;
    POINTS.with(|p| {
        let mut p = p.borrow_mut();
        if p.len() >= 50_000 {
            p.clear();
        }
        p.insert(key, points.clone());
    });
    points
}

/// The hyphenation dictionary for a language, loaded once from the embedded patterns.
pub fn hyphenator(language: &Language) -> Option<&'static Standard> {
    static CACHE: LazyLock<Mutex<HashMap<String, Option<&'static Standard>>>> =
        LazyLock::new(|| Mutex::new(HashMap::new()));
    let key = language.tag().to_owned();
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(found) = cache.get(&key) {
        return *found;
    }
    let loaded = patterns_for(language)
        .and_then(|lang| Standard::from_embedded(lang).ok())
        .map(|dictionary| &*Box::leak(Box::new(dictionary)));
    cache.insert(key, loaded);
    loaded
}

fn patterns_for(language: &Language) -> Option<hyphenation::Language> {
    use hyphenation::Language as L;
    Some(match (language.primary(), language.region()) {
        ("en", Some("GB" | "AU" | "NZ" | "IE" | "ZA" | "IN")) => L::EnglishGB,
        ("en", _) => L::EnglishUS,
        ("de", Some("CH")) => L::GermanSwiss,
        ("de", _) => L::German1996,
        ("fr", _) => L::French,
        ("es", _) => L::Spanish,
        ("it", _) => L::Italian,
        ("pt", _) => L::Portuguese,
        ("nl", _) => L::Dutch,
        ("ru", _) => L::Russian,
        ("uk", _) => L::Ukrainian,
        ("pl", _) => L::Polish,
        ("cs", _) => L::Czech,
        ("sk", _) => L::Slovak,
        ("sv", _) => L::Swedish,
        ("da", _) => L::Danish,
        ("nb" | "no", _) => L::NorwegianBokmal,
        ("nn", _) => L::NorwegianNynorsk,
        ("fi", _) => L::Finnish,
        ("hu", _) => L::Hungarian,
        ("tr", _) => L::Turkish,
        ("el", _) => L::GreekMono,
        ("ro", _) => L::Romanian,
        ("hr", _) => L::Croatian,
        ("sl", _) => L::Slovenian,
        ("ca", _) => L::Catalan,
        ("bg", _) => L::Bulgarian,
        ("et", _) => L::Estonian,
        ("lt", _) => L::Lithuanian,
        ("lv", _) => L::Latvian,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::FontLibrary;

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
        let joined: String = set
            .lines
            .iter()
            .map(|l| text_of(l).trim_end_matches('-').to_owned())
            .collect();
        assert_eq!(joined, text.replace(' ', ""));
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
    fn loads_hyphenation_patterns_by_language() {
        assert!(hyphenator(&Language::parse("en-GB").unwrap()).is_some());
        assert!(hyphenator(&Language::parse("ru").unwrap()).is_some());
        assert!(hyphenator(&Language::parse("ja").unwrap()).is_none());
    }
}
