//! A generated cover for books with no picture of their own: the publication as a
//! masthead, the title set large in the serif, and the date, black on white so that it
//! reads on e-ink. It is a PNG, because Kindle and Kobo make their library thumbnails only
//! from raster covers.

use tiny_skia::{FillRule, Mask, PathBuilder, Rect, Transform};

use crate::layout::{
    FontId, FontLibrary, PlacedGlyph, Run, Settings, ShapedLine, TextStyle, face, set_paragraph,
    shape_line,
};

/// The cover's size: the 1:1.6 of Kindle's recommendation, at a resolution that is sharp on
/// a 300 ppi reader's library screen and small to store.
const WIDTH: u32 = 1000;
const HEIGHT: u32 = 1600;
const MARGIN: f32 = 90.0;

/// What the cover shows.
pub(super) struct CoverText<'a> {
    pub(super) masthead: &'a str,
    pub(super) title: &'a str,
    pub(super) subtitle: &'a str,
    pub(super) date: &'a str,
    pub(super) rtl: bool,
}

/// Draws the cover and returns it as a grayscale PNG, with the characters that no embedded
/// font could draw.
pub(super) fn generate(
    fonts: &FontLibrary,
    text: &CoverText<'_>,
) -> Result<(Vec<u8>, Vec<char>), String> {
    // Ink coverage, one byte a pixel: 0 is paper, 255 is black. The PNG's palette maps it
    // to gray, so the canvas is encoded as it is drawn, with no conversion.
    let mut ink = Mask::new(WIDTH, HEIGHT).ok_or("the cover canvas could not be made")?;
    let mut missing = Vec::new();
    let width = WIDTH as f32 - 2.0 * MARGIN;

    // Masthead: the publication between two rules.
    let mut y = MARGIN;
    fill_rect(&mut ink, MARGIN, y, width, 10.0);
    y += 40.0;
    if !text.masthead.is_empty() {
        let size = fit_size(fonts, text.masthead, &[FontId::SansBold], width, 64.0);
        let line = shape_line(fonts, text.masthead, &[FontId::SansBold], size, text.rtl);
        y += size;
        draw_centered(&mut ink, &line, size, y, &mut missing);
        y += size * 0.45;
    }
    fill_rect(&mut ink, MARGIN, y, width, 3.0);

    // The foot: a rule and the date; above it, the subtitle.
    let small_chain = [FontId::SerifRegular, FontId::SansRegular];
    let foot = HEIGHT as f32 - MARGIN;
    fill_rect(&mut ink, MARGIN, foot - 90.0, width, 3.0);
    if !text.date.is_empty() {
        let size = fit_size(fonts, text.date, &small_chain, width, 44.0);
        let line = shape_line(fonts, text.date, &small_chain, size, text.rtl);
        draw_centered(&mut ink, &line, size, foot - 30.0, &mut missing);
    }
    let mut bottom = foot - 150.0;
    if !text.subtitle.is_empty() {
        let size = fit_size(fonts, text.subtitle, &small_chain, width, 44.0);
        let line = shape_line(fonts, text.subtitle, &small_chain, size, text.rtl);
        draw_centered(&mut ink, &line, size, bottom, &mut missing);
        bottom -= 120.0;
    }

    // The title: as large as fits between the masthead and the foot, centred there.
    let top = y + 70.0;
    let (size, lines) = wrap_title(fonts, text.title, width, bottom - top, text.rtl);
    let leading = size * LEADING;
    let block = leading * lines.len() as f32;
    let mut baseline = top + ((bottom - top) - block).max(0.0) / 2.0 + size * 0.9;
    for line in &lines {
        draw_centered(&mut ink, line, size, baseline, &mut missing);
        baseline += leading;
    }

    Ok((encode_png(&ink)?, missing))
}

/// The largest size, at most `max`, at which `text` fits on one line.
fn fit_size(fonts: &FontLibrary, text: &str, chain: &[FontId], width: f32, max: f32) -> f32 {
    let natural = shape_line(fonts, text, chain, max, false).width;
    if natural <= width {
        max
    } else {
        (max * width / natural).max(12.0)
    }
}

/// Line spacing of the title, as a multiple of its size.
const LEADING: f32 = 1.18;

/// Breaks the title into lines at its break opportunities, choosing the largest size from a
/// fixed ladder at which every line fits the width and the block fits the height.
fn wrap_title(
    fonts: &FontLibrary,
    title: &str,
    width: f32,
    height: f32,
    rtl: bool,
) -> (f32, Vec<ShapedLine>) {
    const SIZES: [f32; 10] = [120.0, 104.0, 92.0, 80.0, 70.0, 60.0, 50.0, 42.0, 36.0, 30.0];
    let mut best = (SIZES[SIZES.len() - 1], Vec::new());
    for size in SIZES {
        let lines = title_lines(fonts, title, size, width, rtl);
        let fits =
            lines.len() as f32 * size * LEADING <= height && lines.iter().all(|l| l.width <= width);
        best = (size, lines);
        if fits {
            break;
        }
    }
    best
}

/// Sets the title with the shared paragraph engine, ragged and unhyphenated, as lines to
/// draw.
fn title_lines(
    fonts: &FontLibrary,
    text: &str,
    size: f32,
    width: f32,
    rtl: bool,
) -> Vec<ShapedLine> {
    let set = set_paragraph(
        &[Run {
            text,
            style: TextStyle {
                font: FontId::SerifBold,
                size,
            },
            link: None,
        }],
        &Settings {
            width,
            justify: false,
            hyphenator: None,
            rtl,
            fonts,
        },
    );
    set.lines
        .into_iter()
        .map(|line| ShapedLine {
            glyphs: line
                .runs
                .iter()
                .flat_map(|run| {
                    run.glyphs.iter().map(|g| PlacedGlyph {
                        font: run.font,
                        glyph_id: g.glyph_id,
                        x: g.x,
                        y: g.y,
                    })
                })
                .collect(),
            width: line.width,
            missing: set.missing.clone(),
        })
        .collect()
}

fn fill_rect(ink: &mut Mask, x: f32, y: f32, w: f32, h: f32) {
    if let Some(rect) = Rect::from_xywh(x, y, w, h) {
        ink.fill_path(
            &PathBuilder::from_rect(rect),
            FillRule::Winding,
            true,
            Transform::identity(),
        );
    }
}

/// Draws a shaped line centred on the page with its baseline at `baseline`.
fn draw_centered(
    ink: &mut Mask,
    line: &ShapedLine,
    size: f32,
    baseline: f32,
    missing: &mut Vec<char>,
) {
    for &c in &line.missing {
        crate::layout::note_missing(missing, c);
    }
    let left = (WIDTH as f32 - line.width) / 2.0;
    let mut builder = PathBuilder::new();
    // Glyph 0 is `.notdef`, the empty box: a missing character is left out (and reported),
    // never drawn as a box.
    for glyph in line.glyphs.iter().filter(|g| g.glyph_id != 0) {
        let face = face(glyph.font);
        let scale = size / f32::from(face.units_per_em() as u16);
        let mut sink = Outline {
            builder: &mut builder,
            x: left + glyph.x,
            y: baseline - glyph.y,
            scale,
        };
        face.outline_glyph(rustybuzz::ttf_parser::GlyphId(glyph.glyph_id), &mut sink);
    }
    if let Some(path) = builder.finish() {
        ink.fill_path(&path, FillRule::Winding, true, Transform::identity());
    }
}

/// Feeds a glyph outline, in font units with y up, into a path in pixels with y down.
struct Outline<'a> {
    builder: &'a mut PathBuilder,
    x: f32,
    y: f32,
    scale: f32,
}

impl rustybuzz::ttf_parser::OutlineBuilder for Outline<'_> {
    fn move_to(&mut self, x: f32, y: f32) {
        self.builder
            .move_to(self.x + x * self.scale, self.y - y * self.scale);
    }
    fn line_to(&mut self, x: f32, y: f32) {
        self.builder
            .line_to(self.x + x * self.scale, self.y - y * self.scale);
    }
    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        self.builder.quad_to(
            self.x + x1 * self.scale,
            self.y - y1 * self.scale,
            self.x + x * self.scale,
            self.y - y * self.scale,
        );
    }
    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        self.builder.cubic_to(
            self.x + x1 * self.scale,
            self.y - y1 * self.scale,
            self.x + x2 * self.scale,
            self.y - y2 * self.scale,
            self.x + x * self.scale,
            self.y - y * self.scale,
        );
    }
    fn close(&mut self) {
        self.builder.close();
    }
}

/// Encodes the ink as an indexed PNG whose palette runs from white (no ink) to black (full
/// ink): 8 bits a pixel, as small as 8-bit grayscale, with the canvas's bytes as they are.
/// Rows are left unfiltered: the page is mostly long runs of paper, which deflate well as
/// they are, and adaptive filtering would cost more than it saves.
fn encode_png(ink: &Mask) -> Result<Vec<u8>, String> {
    let palette: Vec<u8> = (0..=255u8).rev().flat_map(|level| [level; 3]).collect();
    let mut out = Vec::with_capacity(64 * 1024);
    {
        let mut encoder = png::Encoder::new(&mut out, ink.width(), ink.height());
        encoder.set_color(png::ColorType::Indexed);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_palette(palette);
        encoder.set_compression(png::Compression::Fast);
        encoder.set_filter(png::Filter::NoFilter);
        let mut writer = encoder
            .write_header()
            .map_err(|e| format!("the cover could not be encoded: {e}"))?;
        writer
            .write_image_data(ink.data())
            .map_err(|e| format!("the cover could not be encoded: {e}"))?;
    }
    Ok(out)
}
