//! The shared text engine for formats that draw glyphs themselves: the embedded fonts,
//! parsed once at start-up; font fallback by coverage; bidirectional reordering
//! (`unicode-bidi`); and shaping (`rustybuzz`), which turns characters into positioned glyphs
//! so Arabic joins and marks sit where they belong.
//!
//! The embedded faces are DejaVu Serif and DejaVu Sans (regular and bold), which between
//! them cover Latin, Greek, Cyrillic, Arabic, Hebrew and typographic punctuation.

mod cache;
mod library;
mod paragraph;

use std::ops::Range;
use std::sync::LazyLock;

use rustybuzz::{Direction, Face, UnicodeBuffer};
use unicode_bidi::ParagraphBidiInfo;

/// One of the embedded faces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FontId {
    /// DejaVu Serif.
    SerifRegular,
    /// DejaVu Serif Bold.
    SerifBold,
    /// DejaVu Serif Italic.
    SerifItalic,
    /// DejaVu Serif Bold Italic.
    SerifBoldItalic,
    /// DejaVu Sans.
    SansRegular,
    /// DejaVu Sans Bold.
    SansBold,
    /// DejaVu Sans Oblique.
    SansOblique,
    /// DejaVu Sans Mono.
    Mono,
    /// A face from the machine's fonts or a `--font-dir`, loaded for a script the embedded
    /// faces lack; the number is its place in the process's list of loaded faces.
    Extra(u16),
}

impl FontId {
    /// Every embedded face.
    pub const ALL: [FontId; 8] = [
        FontId::SerifRegular,
        FontId::SerifBold,
        FontId::SerifItalic,
        FontId::SerifBoldItalic,
        FontId::SansRegular,
        FontId::SansBold,
        FontId::SansOblique,
        FontId::Mono,
    ];

    /// The font file.
    pub fn data(self) -> &'static [u8] {
        match self {
            FontId::Extra(i) => library::extra(i).map_or(&[], |f| f.data),
            FontId::SerifRegular => dejavu::serif::regular(),
            FontId::SerifBold => dejavu::serif::bold(),
            FontId::SerifItalic => dejavu::serif::italic(),
            FontId::SerifBoldItalic => dejavu::serif::bold_italic(),
            FontId::SansRegular => dejavu::sans::regular(),
            FontId::SansBold => dejavu::sans::bold(),
            FontId::SansOblique => dejavu::sans::oblique(),
            FontId::Mono => dejavu::sans_mono::regular(),
        }
    }

    /// The index of the face in its file (for font collections).
    pub fn face_index(self) -> u32 {
        match self {
            FontId::Extra(i) => library::extra(i).map_or(0, |f| f.index),
            _ => 0,
        }
    }

    /// The PostScript name, for the PDF's `BaseFont`.
    pub fn postscript_name(self) -> String {
        let name = match self {
            FontId::Extra(i) => {
                return library::extra(i)
                    .map_or_else(|| "Fallback".to_owned(), |f| f.postscript_name.clone())
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                    .collect();
            }
            FontId::SerifRegular => "DejaVuSerif",
            FontId::SerifBold => "DejaVuSerif-Bold",
            FontId::SerifItalic => "DejaVuSerif-Italic",
            FontId::SerifBoldItalic => "DejaVuSerif-BoldItalic",
            FontId::SansRegular => "DejaVuSans",
            FontId::SansBold => "DejaVuSans-Bold",
            FontId::SansOblique => "DejaVuSans-Oblique",
            FontId::Mono => "DejaVuSansMono",
        };
        name.to_owned()
    }

    /// The sans face of the same weight, which covers Arabic and Hebrew where the serif
    /// does not.
    pub fn fallback(self) -> FontId {
        match self {
            FontId::SerifBold | FontId::SerifBoldItalic | FontId::SansBold => FontId::SansBold,
            FontId::SerifItalic | FontId::SansOblique => FontId::SansOblique,
            FontId::SerifRegular | FontId::SansRegular | FontId::Mono | FontId::Extra(_) => {
                FontId::SansRegular
            }
        }
    }

    /// The faces tried in turn for a character: this one, the sans of the same weight,
    /// then the upright sans (DejaVu's obliques lack Arabic).
    pub fn chain(self) -> impl Iterator<Item = FontId> {
        let fallback = self.fallback();
        let mut chain = vec![self];
        for font in [fallback, FontId::SansRegular] {
            if !chain.contains(&font) {
                chain.push(font);
            }
        }
        chain.into_iter()
    }

    /// The look a fallback face should have to sit well beside this one.
    fn want(self) -> library::Want {
        library::Want {
            bold: matches!(
                self,
                FontId::SerifBold | FontId::SerifBoldItalic | FontId::SansBold
            ),
            serif: matches!(
                self,
                FontId::SerifRegular
                    | FontId::SerifBold
                    | FontId::SerifItalic
                    | FontId::SerifBoldItalic
            ),
        }
    }

    /// The place of an embedded face in [`FontId::ALL`].
    fn index(self) -> usize {
        FontId::ALL.iter().position(|f| *f == self).unwrap_or(0)
    }
}

pub use library::{FontLibrary, FontSettings};
pub(crate) use library::{load_font_data, unusable};
pub use paragraph::{
    GlyphRun, LinkArea, Run, SetGlyph, SetLine, SetParagraph, Settings, TextStyle, advance_of,
    hyphenator, is_default_ignorable, set_paragraph,
};

/// The parsed faces, made once on first use and shared by every render.
static FACES: LazyLock<Vec<Face<'static>>> = LazyLock::new(|| {
    FontId::ALL
        .iter()
        .map(|id| {
            // The fonts are compiled into the binary; a face that fails to parse is a broken
            // build, found by the first test that draws text.
            Face::from_slice(id.data(), 0).expect("an embedded font parses")
        })
        .collect()
});

/// The embedded faces' [`Latin1`] tables, in the order of [`FontId::ALL`].
static LATIN1: LazyLock<Vec<Latin1>> = LazyLock::new(|| FACES.iter().map(Latin1::of).collect());

/// A face's glyphs for U+0000 to U+00FF, read from its `cmap` once. Choosing a face looks
/// up every character of a paragraph, and most text is Latin-1: the table answers that
/// with an index instead of a search of the `cmap`'s segments.
pub(crate) struct Latin1(Box<[Option<u16>; 256]>);

impl Latin1 {
    pub(crate) fn of(face: &Face<'_>) -> Self {
        let mut table = Box::new([None; 256]);
        for (code, slot) in table.iter_mut().enumerate() {
            *slot = char::from_u32(code as u32)
                .and_then(|c| face.glyph_index(c))
                .map(|g| g.0);
        }
        Latin1(table)
    }
}

/// The glyph a face's `cmap` gives `c`, as [`Face::glyph_index`] would give it.
pub fn glyph_index(font: FontId, c: char) -> Option<u16> {
    let latin1 = match font {
        FontId::Extra(i) => library::extra(i).map(|f| &f.latin1),
        _ => LATIN1.get(font.index()),
    };
    match (latin1, u8::try_from(u32::from(c))) {
        (Some(table), Ok(code)) => table.0[usize::from(code)],
        _ => face(font).glyph_index(c).map(|g| g.0),
    }
}

/// The parsed face of a font.
pub fn face(font: FontId) -> &'static Face<'static> {
    match font {
        FontId::Extra(i) => match library::extra(i) {
            Some(extra) => &extra.face,
            None => &FACES[0],
        },
        _ => &FACES[font.index()],
    }
}

/// Parses every embedded font, and loads the English hyphenation patterns, now rather than
/// on the first request that needs them. Other languages' patterns load on first use.
pub(crate) fn preload() {
    LazyLock::force(&LATIN1);
    let _ = hyphenator(&crate::model::Language::default());
}

/// A glyph placed on a line, in font units scaled to the requested size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlacedGlyph {
    /// The face it comes from.
    pub font: FontId,
    /// Its id in that face.
    pub glyph_id: u16,
    /// Its pen position from the start of the line, in the caller's units.
    pub x: f32,
    /// Its vertical offset from the baseline, up positive.
    pub y: f32,
}

/// A line of text shaped and put in visual order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ShapedLine {
    /// The glyphs, left to right.
    pub glyphs: Vec<PlacedGlyph>,
    /// The advance width of the whole line.
    pub width: f32,
    /// Characters no face in the chain has, in order of first appearance.
    pub missing: Vec<char>,
}

/// The first face in `chain` that has a glyph for `c`, else a fallback face that has it.
fn covering(fonts: &FontLibrary, chain: &[FontId], c: char) -> Option<FontId> {
    let first = *chain.first()?;
    chain
        .iter()
        .copied()
        .find(|&font| glyph_index(font, c).is_some())
        .or_else(|| fonts.font_for(first, c))
}

/// Adds a character no face covers to a list of them, once, in order of first appearance.
pub fn note_missing(missing: &mut Vec<char>, c: char) {
    if !missing.contains(&c) {
        missing.push(c);
    }
}

/// Whether a character takes the face of its neighbours rather than choosing its own:
/// spaces, joiners and combining marks, so runs are not split needlessly.
fn is_neutral(c: char) -> bool {
    c.is_whitespace() || is_default_ignorable(c) || is_mark(c)
}

/// A combining mark of the scripts the embedded fonts cover: it takes the face of the
/// character it attaches to.
pub(crate) fn is_mark(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x0483..=0x0489 | 0x0591..=0x05C7 | 0x0610..=0x061A | 0x064B..=0x065F | 0x0670 | 0x06D6..=0x06ED | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

/// Shapes one line of text at `size` units per em, choosing a face per character from
/// `chain` by coverage, and orders it for display with the bidi algorithm.
pub fn shape_line(
    fonts: &FontLibrary,
    text: &str,
    chain: &[FontId],
    size: f32,
    rtl_paragraph: bool,
) -> ShapedLine {
    let mut line = ShapedLine::default();
    if text.is_empty() || chain.is_empty() {
        return line;
    }
    let level = if rtl_paragraph {
        unicode_bidi::Level::rtl()
    } else {
        unicode_bidi::Level::ltr()
    };
    let bidi = ParagraphBidiInfo::new(text, Some(level));
    let (_, runs) = bidi.visual_runs(0..text.len());
    let mut pen = 0.0f32;
    for run in runs {
        let rtl = bidi.levels.get(run.start).is_some_and(|l| l.is_rtl());
        let mut pieces = font_pieces(
            fonts,
            &text[run.clone()],
            run.start,
            chain,
            &mut line.missing,
        );
        if rtl {
            pieces.reverse();
        }
        for (font, range) in pieces {
            pen = shape_piece(&text[range], font, size, rtl, pen, &mut line.glyphs);
        }
    }
    line.width = pen;
    line
}

/// Splits a bidi run into pieces that one face covers, in logical order.
fn font_pieces(
    fonts: &FontLibrary,
    run: &str,
    offset: usize,
    chain: &[FontId],
    missing: &mut Vec<char>,
) -> Vec<(FontId, Range<usize>)> {
    let mut pieces: Vec<(FontId, Range<usize>)> = Vec::new();
    for (i, c) in run.char_indices() {
        let at = offset + i..offset + i + c.len_utf8();
        let font = match pieces.last() {
            Some(&(last, _)) if is_neutral(c) => last,
            _ => match covering(fonts, chain, c) {
                Some(font) => font,
                None => {
                    note_missing(missing, c);
                    chain[0]
                }
            },
        };
        match pieces.last_mut() {
            Some((last, range)) if *last == font => range.end = at.end,
            _ => pieces.push((font, at)),
        }
    }
    pieces
}

fn shape_piece(
    text: &str,
    font: FontId,
    size: f32,
    rtl: bool,
    mut pen: f32,
    out: &mut Vec<PlacedGlyph>,
) -> f32 {
    let scale = size / f32::from(face(font).units_per_em() as u16);
    for glyph in shape(font, text, rtl).iter() {
        out.push(PlacedGlyph {
            font,
            glyph_id: glyph.glyph_id,
            x: pen + glyph.x_offset * scale,
            y: glyph.y_offset * scale,
        });
        pen += glyph.x_advance * scale;
    }
    pen
}

/// A shaped glyph in font units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct UnitGlyph {
    pub(crate) glyph_id: u16,
    pub(crate) x_advance: f32,
    pub(crate) x_offset: f32,
    pub(crate) y_offset: f32,
    /// The byte offset in the shaped text where the glyph's cluster starts.
    pub(crate) cluster: usize,
}

/// The most shaped words a thread keeps; past it the cache starts afresh.
const SHAPE_CACHE_WORDS: usize = 50_000;

type PlanKey = (FontId, bool, Option<rustybuzz::Script>);
/// Shaped words by face and direction.
type ShapedWords = cache::WordCache<(FontId, bool), std::rc::Rc<[UnitGlyph]>>;

thread_local! {
    /// Shape plans by face, direction and script: compiling one costs far more than using it.
    static PLANS: std::cell::RefCell<std::collections::HashMap<PlanKey, rustybuzz::ShapePlan>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
    /// Shaped words: news text repeats its words, and shaping is the costliest step of
    /// setting text. Results are in font units, so one entry serves every size.
    static WORDS: std::cell::RefCell<ShapedWords> =
        std::cell::RefCell::new(cache::WordCache::new(SHAPE_CACHE_WORDS));
}

/// Shapes text in one face and direction, through the thread's caches.
pub(crate) fn shape(font: FontId, text: &str, rtl: bool) -> std::rc::Rc<[UnitGlyph]> {
    if let Some(hit) = WORDS.with(|w| w.borrow().get((font, rtl), text)) {
        return hit;
    }
    let face = face(font);
    let mut buffer = UnicodeBuffer::new();
    buffer.push_str(text);
    buffer.guess_segment_properties();
    let direction = if rtl {
        Direction::RightToLeft
    } else {
        Direction::LeftToRight
    };
    buffer.set_direction(direction);
    let script = Some(buffer.script());
    let shaped = PLANS.with(|plans| {
        let mut plans = plans.borrow_mut();
        let plan = plans
            .entry((font, rtl, script))
            .or_insert_with(|| rustybuzz::ShapePlan::new(face, direction, script, None, &[]));
        rustybuzz::shape_with_plan(face, plan, buffer)
    });
    let glyphs: std::rc::Rc<[UnitGlyph]> = shaped
        .glyph_infos()
        .iter()
        .zip(shaped.glyph_positions())
        .map(|(info, position)| UnitGlyph {
            glyph_id: u16::try_from(info.glyph_id).unwrap_or(0),
            x_advance: position.x_advance as f32,
            x_offset: position.x_offset as f32,
            y_offset: position.y_offset as f32,
            cluster: info.cluster as usize,
        })
        .collect();
    WORDS.with(|w| w.borrow_mut().insert((font, rtl), text, glyphs.clone()));
    glyphs
}

/// The number of shaped words this thread has cached (at most [`SHAPE_CACHE_WORDS`]).
#[cfg(test)]
fn shaped_words_cached() -> usize {
    WORDS.with(|w| w.borrow().len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shaped_word_cache_filled_past_its_limit_stays_within_it() {
        std::thread::spawn(|| {
            for i in 0..SHAPE_CACHE_WORDS + 100 {
                shape(FontId::SansRegular, &format!("w{i}"), false);
                assert!(shaped_words_cached() <= SHAPE_CACHE_WORDS);
            }
            assert!(shaped_words_cached() > 0);
        })
        .join()
        .unwrap();
    }

    #[test]
    fn the_latin1_table_answers_as_the_cmap_does() {
        for font in FontId::ALL {
            for c in (0..=0x1FFu32).filter_map(char::from_u32) {
                assert_eq!(
                    glyph_index(font, c),
                    face(font).glyph_index(c).map(|g| g.0),
                    "{font:?} {c:?}"
                );
            }
        }
    }

    const CHAIN: [FontId; 2] = [FontId::SerifRegular, FontId::SansRegular];

    #[test]
    fn shapes_latin_cyrillic_and_greek_in_the_serif() {
        let line = shape_line(
            &FontLibrary::embedded(),
            "Kremlin Кремль Κρεμλίνο",
            &CHAIN,
            10.0,
            false,
        );
        assert!(line.missing.is_empty());
        assert!(line.glyphs.iter().all(|g| g.font == FontId::SerifRegular));
        assert!(line.width > 50.0);
    }

    #[test]
    fn falls_back_to_the_sans_for_arabic_and_joins_it() {
        let line = shape_line(&FontLibrary::embedded(), "القاهرة", &CHAIN, 10.0, true);
        assert!(line.missing.is_empty());
        assert!(line.glyphs.iter().all(|g| g.font == FontId::SansRegular));
        // Joined forms differ from the isolated forms of the same letters.
        let isolated: Vec<u16> = "القاهرة"
            .chars()
            .filter_map(|c| face(FontId::SansRegular).glyph_index(c).map(|g| g.0))
            .collect();
        let shaped: Vec<u16> = line.glyphs.iter().map(|g| g.glyph_id).collect();
        assert_ne!(shaped, isolated);
    }

    #[test]
    fn reports_what_no_face_covers() {
        let line = shape_line(&FontLibrary::embedded(), "北京 🙂", &CHAIN, 10.0, false);
        assert_eq!(line.missing, ['北', '京', '🙂']);
    }
}
