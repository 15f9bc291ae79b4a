//! A generated cover for books with no picture of their own: the publication as a
//! masthead, the title set large in the serif, and the date, black on white so that it
//! reads on e-ink. It is a PNG, because Kindle and Kobo make their library thumbnails only
//! from raster covers.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use ab_glyph_rasterizer::{Point, Rasterizer, point};
use rustc_hash::FxBuildHasher;

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
    CANVAS.with_borrow_mut(|canvas| {
        canvas.clear();
        let mut ink = Ink {
            canvas,
            rasterizer: Rasterizer::new(0, 0),
            outline: Vec::new(),
        };
        let missing = draw(&mut ink, fonts, text);
        Ok((encode_png(&ink.canvas.pixels)?, missing))
    })
}

thread_local! {
    /// The canvas, kept between covers: a fresh 1.6 MB buffer costs the kernel a page fault
    /// and a page clearing for each 4 KiB of it, every cover. One per render thread.
    static CANVAS: RefCell<Canvas> = const { RefCell::new(Canvas::new()) };
}

/// The page's pixels (see [`Ink`]), with the rows that hold ink, so that a canvas used again
/// clears only those: most of a cover is paper.
struct Canvas {
    pixels: Vec<u8>,
    inked: Vec<bool>,
}

impl Canvas {
    const fn new() -> Self {
        Self {
            pixels: Vec::new(),
            inked: Vec::new(),
        }
    }

    /// Makes the whole page paper again.
    fn clear(&mut self) {
        let width = WIDTH as usize;
        if self.pixels.len() != width * HEIGHT as usize {
            self.pixels = vec![0; width * HEIGHT as usize];
            self.inked = vec![false; HEIGHT as usize];
            return;
        }
        for (row, inked) in self.pixels.chunks_exact_mut(width).zip(&mut self.inked) {
            if std::mem::take(inked) {
                row.fill(0);
            }
        }
    }
}

/// Draws the cover's text and rules and returns the characters no font could draw.
fn draw(ink: &mut Ink<'_>, fonts: &FontLibrary, text: &CoverText<'_>) -> Vec<char> {
    let mut missing = Vec::new();
    let width = WIDTH as f32 - 2.0 * MARGIN;

    // Masthead: the publication between two rules.
    let mut y = MARGIN;
    ink.fill_rect(MARGIN, y, width, 10.0);
    y += 40.0;
    if !text.masthead.is_empty() {
        let size = fit_size(fonts, text.masthead, &[FontId::SansBold], width, 64.0);
        let line = shape_line(fonts, text.masthead, &[FontId::SansBold], size, text.rtl);
        y += size;
        ink.draw_centered(&line, size, y, &mut missing);
        y += size * 0.45;
    }
    ink.fill_rect(MARGIN, y, width, 3.0);

    // The foot: a rule and the date; above it, the subtitle.
    let small_chain = [FontId::SerifRegular, FontId::SansRegular];
    let foot = HEIGHT as f32 - MARGIN;
    ink.fill_rect(MARGIN, foot - 90.0, width, 3.0);
    if !text.date.is_empty() {
        let size = fit_size(fonts, text.date, &small_chain, width, 44.0);
        let line = shape_line(fonts, text.date, &small_chain, size, text.rtl);
        ink.draw_centered(&line, size, foot - 30.0, &mut missing);
    }
    let mut bottom = foot - 150.0;
    if !text.subtitle.is_empty() {
        let size = fit_size(fonts, text.subtitle, &small_chain, width, 44.0);
        let line = shape_line(fonts, text.subtitle, &small_chain, size, text.rtl);
        ink.draw_centered(&line, size, bottom, &mut missing);
        bottom -= 120.0;
    }

    // The title: as large as fits between the masthead and the foot, centred there.
    let top = y + 70.0;
    let (size, lines) = wrap_title(fonts, text.title, width, bottom - top, text.rtl);
    let leading = size * LEADING;
    let block = leading * lines.len() as f32;
    let mut baseline = top + ((bottom - top) - block).max(0.0) / 2.0 + size * 0.9;
    for line in &lines {
        ink.draw_centered(line, size, baseline, &mut missing);
        baseline += leading;
    }
    missing
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

/// Ink coverage, one byte a pixel, row by row: 0 is paper, 255 is black. The PNG's palette
/// maps it to gray, so the canvas is encoded as it is drawn, with no conversion.
///
/// Shapes are rasterised one at a time into a coverage grid the size of their bounding box
/// (`ab_glyph_rasterizer`, exact area coverage, as font renderers draw glyphs), then laid on
/// the canvas as ink over ink (see [`over`]). Glyphs come from a per-thread cache.
struct Ink<'a> {
    canvas: &'a mut Canvas,
    rasterizer: Rasterizer,
    /// The current shape, in canvas pixels: straight and quadratic and cubic segments.
    outline: Vec<Segment>,
}

/// A shape's ink, one byte a pixel, and where its grid's top left corner lies.
struct Coverage {
    left: i64,
    top: i64,
    width: usize,
    alpha: Vec<u8>,
}

/// A glyph at a size and a quarter-pixel offset.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct GlyphKey {
    font: FontId,
    glyph_id: u16,
    /// The size in pixels, as its bits.
    size: u32,
    quarter_x: u8,
    quarter_y: u8,
}

/// The most coverage bytes the glyph cache holds per render thread before it starts over.
const GLYPH_CACHE_BYTES: usize = 4 << 20;

/// Rasterised glyphs, kept between covers: titles set in one face at a few sizes use the
/// same letters again and again.
#[derive(Default)]
struct GlyphCache {
    glyphs: HashMap<GlyphKey, Option<Rc<Coverage>>, FxBuildHasher>,
    bytes: usize,
}

impl GlyphCache {
    fn get(&self, key: &GlyphKey) -> Option<&Option<Rc<Coverage>>> {
        self.glyphs.get(key)
    }

    fn insert(&mut self, key: GlyphKey, coverage: Option<Rc<Coverage>>) {
        let bytes = coverage.as_ref().map_or(0, |c| c.alpha.len()) + 64;
        if self.bytes + bytes > GLYPH_CACHE_BYTES {
            self.glyphs.clear();
            self.bytes = 0;
        }
        self.bytes += bytes;
        self.glyphs.insert(key, coverage);
    }
}

thread_local! {
    static GLYPHS: RefCell<GlyphCache> = RefCell::new(GlyphCache::default());
}

/// Ink over ink: `ink` covers its share of what the pixel leaves bare, so where shapes
/// overlap the ink adds up as it does on paper, and never passes black.
#[inline(always)]
fn over(pixel: &mut u8, ink: u8) {
    let (under, ink) = (u16::from(*pixel), u16::from(ink));
    *pixel = (under + ((255 - under) * ink + 127) / 255) as u8;
}

/// A piece of an outline: its start, its control points and its end.
#[derive(Clone, Copy)]
enum Segment {
    Line([Point; 2]),
    Quad([Point; 3]),
    Cubic([Point; 4]),
}

impl Segment {
    /// The points that bound it: a curve stays inside the hull of its control points.
    fn points(&self) -> &[Point] {
        match self {
            Segment::Line(points) => points,
            Segment::Quad(points) => points,
            Segment::Cubic(points) => points,
        }
    }
}

impl Ink<'_> {
    fn fill_rect(&mut self, x: f32, y: f32, w: f32, h: f32) {
        let corners = [
            point(x, y),
            point(x + w, y),
            point(x + w, y + h),
            point(x, y + h),
        ];
        self.outline.clear();
        for (i, &from) in corners.iter().enumerate() {
            self.outline
                .push(Segment::Line([from, corners[(i + 1) % corners.len()]]));
        }
        self.fill();
    }

    /// Draws a shaped line centred on the page with its baseline at `baseline`.
    fn draw_centered(
        &mut self,
        line: &ShapedLine,
        size: f32,
        baseline: f32,
        missing: &mut Vec<char>,
    ) {
        for &c in &line.missing {
            crate::layout::note_missing(missing, c);
        }
        let left = (WIDTH as f32 - line.width) / 2.0;
        // Glyph 0 is `.notdef`, the empty box: a missing character is left out (and
        // reported), never drawn as a box.
        for glyph in line.glyphs.iter().filter(|g| g.glyph_id != 0) {
            let (x, y) = (left + glyph.x, baseline - glyph.y);
            // Glyphs are placed to a quarter of a pixel, so a glyph drawn once at a size and
            // offset is drawn again from the cache, with the same pixels either way.
            let (qx, qy) = ((x * 4.0).floor() as i64, (y * 4.0).floor() as i64);
            let key = GlyphKey {
                font: glyph.font,
                glyph_id: glyph.glyph_id,
                size: size.to_bits(),
                quarter_x: qx.rem_euclid(4) as u8,
                quarter_y: qy.rem_euclid(4) as u8,
            };
            let cached = GLYPHS.with_borrow(|cache| cache.get(&key).cloned());
            let coverage = match cached {
                Some(coverage) => coverage,
                None => {
                    let coverage = self.glyph_coverage(&key).map(Rc::new);
                    GLYPHS.with_borrow_mut(|cache| cache.insert(key, coverage.clone()));
                    coverage
                }
            };
            if let Some(coverage) = coverage {
                self.lay(&coverage, qx.div_euclid(4), qy.div_euclid(4));
            } else {
                let id = rustybuzz::ttf_parser::GlyphId(glyph.glyph_id);
                if let Some(image) = face(glyph.font).glyph_raster_image(id, size.round() as u16) {
                    // A colour emoji font's glyphs are pictures, drawn here in gray.
                    self.paste(&image, x, y, size);
                }
            }
        }
    }

    /// A glyph's outline rasterised with its origin at the key's quarter-pixel offset from
    /// (0, 0), or `None` for a glyph with no outline (a space, a colour font's picture).
    fn glyph_coverage(&mut self, key: &GlyphKey) -> Option<Coverage> {
        let face = face(key.font);
        let size = f32::from_bits(key.size);
        self.outline.clear();
        let mut sink = Outline {
            outline: &mut self.outline,
            x: f32::from(key.quarter_x) / 4.0,
            y: f32::from(key.quarter_y) / 4.0,
            scale: size / f32::from(face.units_per_em() as u16),
            start: point(0.0, 0.0),
            last: point(0.0, 0.0),
        };
        face.outline_glyph(rustybuzz::ttf_parser::GlyphId(key.glyph_id), &mut sink)?;
        self.rasterize()
    }

    /// Lays a glyph's picture (a colour font's PNG strike) on the canvas in gray: each pixel's
    /// darkness times its opacity, scaled from the strike's size to `size`, with its origin
    /// at (`x`, `baseline`). A picture in another format, or one that does not decode, is
    /// left out.
    fn paste(
        &mut self,
        image: &rustybuzz::ttf_parser::RasterGlyphImage<'_>,
        x: f32,
        baseline: f32,
        size: f32,
    ) {
        if image.format != rustybuzz::ttf_parser::RasterImageFormat::PNG {
            return;
        }
        let Some((ink, width, height)) = picture_ink(image.data) else {
            return;
        };
        let scale = size / f32::from(image.pixels_per_em.max(1));
        let left = x + f32::from(image.x) * scale;
        let top = baseline - (f32::from(image.y) + height as f32) * scale;
        let (x0, y0) = (left.round() as i64, top.round() as i64);
        // Only the part that falls on the canvas is scaled, then laid like any other shape.
        let columns =
            (-x0).max(0)..((width as f32 * scale).ceil() as i64).min(i64::from(WIDTH) - x0);
        let rows =
            (-y0).max(0)..((height as f32 * scale).ceil() as i64).min(i64::from(HEIGHT) - y0);
        if columns.is_empty() || rows.is_empty() {
            return;
        }
        let mut alpha = Vec::with_capacity(
            (columns.end - columns.start) as usize * (rows.end - rows.start) as usize,
        );
        for dy in rows.clone() {
            let source_rows = source_span(dy, scale, height);
            for dx in columns.clone() {
                let source_columns = source_span(dx, scale, width);
                let sum: u32 = source_rows
                    .clone()
                    .map(|sy| {
                        ink[sy * width + source_columns.start..sy * width + source_columns.end]
                            .iter()
                            .map(|&v| u32::from(v))
                            .sum::<u32>()
                    })
                    .sum();
                let area = (source_rows.len() * source_columns.len()) as u32;
                alpha.push(((sum + area / 2) / area) as u8);
            }
        }
        let coverage = Coverage {
            left: x0 + columns.start,
            top: y0 + rows.start,
            width: (columns.end - columns.start) as usize,
            alpha,
        };
        self.lay(&coverage, 0, 0);
    }

    /// Rasterises the current outline and lays it on the canvas.
    fn fill(&mut self) {
        if let Some(coverage) = self.rasterize() {
            self.lay(&coverage, 0, 0);
        }
    }

    /// Rasterises the current outline into a grid the size of its bounding box. Coverage is
    /// the area under the summed winding, clamped, which fills as the fonts' non-zero rule
    /// does. The whole shape is rasterised, even where it will pass the canvas's edge: a
    /// grid cut short would carry a row's ink into the next.
    fn rasterize(&mut self) -> Option<Coverage> {
        let (mut min, mut max) = (point(f32::MAX, f32::MAX), point(f32::MIN, f32::MIN));
        for segment in &self.outline {
            for p in segment.points() {
                min = point(min.x.min(p.x), min.y.min(p.y));
                max = point(max.x.max(p.x), max.y.max(p.y));
            }
        }
        let (x0, y0) = (min.x.floor(), min.y.floor());
        let (w, h) = ((max.x.ceil() - x0).max(0.0), (max.y.ceil() - y0).max(0.0));
        // A shape larger than the canvas four times over is a broken outline, not text.
        if w * h == 0.0 || w * h > 4.0 * WIDTH as f32 * HEIGHT as f32 {
            return None;
        }
        let (width, height) = (w as usize, h as usize);
        self.rasterizer.reset(width, height);
        let at = |p: Point| point(p.x - x0, p.y - y0);
        for segment in &self.outline {
            match *segment {
                Segment::Line([a, b]) => self.rasterizer.draw_line(at(a), at(b)),
                Segment::Quad([a, b, c]) => self.rasterizer.draw_quad(at(a), at(b), at(c)),
                Segment::Cubic([a, b, c, d]) => {
                    self.rasterizer.draw_cubic(at(a), at(b), at(c), at(d))
                }
            }
        }
        let mut alpha = Vec::with_capacity(width * height);
        self.rasterizer
            .for_each_pixel(|_, coverage| alpha.push((coverage.min(1.0) * 255.0 + 0.5) as u8));
        Some(Coverage {
            left: x0 as i64,
            top: y0 as i64,
            width,
            alpha,
        })
    }

    /// Lays coverage on the canvas, moved by (`dx`, `dy`) pixels, clipped to the canvas.
    fn lay(&mut self, coverage: &Coverage, dx: i64, dy: i64) {
        let (left, top) = (coverage.left + dx, coverage.top + dy);
        let canvas_w = i64::from(WIDTH);
        for (row, line) in coverage.alpha.chunks_exact(coverage.width).enumerate() {
            let y = top + row as i64;
            if !(0..i64::from(HEIGHT)).contains(&y) {
                continue;
            }
            // The columns of this row that fall on the canvas.
            let skip = (-left).clamp(0, coverage.width as i64) as usize;
            let take = (canvas_w - left).clamp(0, coverage.width as i64) as usize;
            let start = (y * canvas_w + left + skip as i64) as usize;
            let Some(line) = line.get(skip..take) else {
                continue;
            };
            let Some(pixels) = self.canvas.pixels.get_mut(start..start + line.len()) else {
                continue;
            };
            self.canvas.inked[y as usize] = true;
            // No test for bare ink: `over` of nothing leaves the pixel as it is, and without
            // a branch the loop runs on whole vectors of pixels.
            for (pixel, &ink) in pixels.iter_mut().zip(line) {
                over(pixel, ink);
            }
        }
    }
}

/// The source pixels under destination pixel `d` of a picture of `len` pixels scaled by
/// `scale`: several to average when shrinking, the nearest one when growing.
fn source_span(d: i64, scale: f32, len: usize) -> std::ops::Range<usize> {
    let start = ((d as f32 / scale) as usize).min(len - 1);
    let end = (((d + 1) as f32 / scale).ceil() as usize).clamp(start + 1, len);
    start..end
}

/// Decodes a glyph's PNG into ink, one byte a pixel (darkness times opacity), with its width
/// and height; `None` when it does not decode or is empty.
fn picture_ink(png_data: &[u8]) -> Option<(Vec<u8>, usize, usize)> {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png_data));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().ok()?;
    let mut pixels = vec![0; reader.output_buffer_size()?];
    let frame = reader.next_frame(&mut pixels).ok()?;
    let (width, height) = (frame.width as usize, frame.height as usize);
    let channels = frame.color_type.samples();
    if width == 0 || height == 0 || pixels.len() < width * height * channels {
        return None;
    }
    let ink = pixels
        .chunks_exact(channels)
        .take(width * height)
        .map(|p| {
            let (gray, alpha) = match *p {
                [g] => (u32::from(g), 255),
                [g, a] => (u32::from(g), u32::from(a)),
                [r, g, b] => (luma(r, g, b), 255),
                [r, g, b, a] => (luma(r, g, b), u32::from(a)),
                _ => (255, 0),
            };
            ((255 - gray) * alpha / 255) as u8
        })
        .collect();
    Some((ink, width, height))
}

/// The luma of an sRGB colour (Rec. 601 weights, as grayscale e-readers convert).
fn luma(r: u8, g: u8, b: u8) -> u32 {
    (299 * u32::from(r) + 587 * u32::from(g) + 114 * u32::from(b)) / 1000
}

/// Feeds a glyph outline, in font units with y up, into segments in pixels with y down.
struct Outline<'a> {
    outline: &'a mut Vec<Segment>,
    x: f32,
    y: f32,
    scale: f32,
    /// Where the current contour started, to close it.
    start: Point,
    /// Where the pen is.
    last: Point,
}

impl Outline<'_> {
    fn at(&self, x: f32, y: f32) -> Point {
        point(self.x + x * self.scale, self.y - y * self.scale)
    }
}

impl rustybuzz::ttf_parser::OutlineBuilder for Outline<'_> {
    fn move_to(&mut self, x: f32, y: f32) {
        self.start = self.at(x, y);
        self.last = self.start;
    }
    fn line_to(&mut self, x: f32, y: f32) {
        let to = self.at(x, y);
        self.outline.push(Segment::Line([self.last, to]));
        self.last = to;
    }
    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        let to = self.at(x, y);
        self.outline
            .push(Segment::Quad([self.last, self.at(x1, y1), to]));
        self.last = to;
    }
    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        let to = self.at(x, y);
        self.outline.push(Segment::Cubic([
            self.last,
            self.at(x1, y1),
            self.at(x2, y2),
            to,
        ]));
        self.last = to;
    }
    fn close(&mut self) {
        if self.last != self.start {
            self.outline.push(Segment::Line([self.last, self.start]));
        }
        self.last = self.start;
    }
}

/// Encodes the ink as an indexed PNG whose palette runs from white (no ink) to black (full
/// ink): 8 bits a pixel, as small as 8-bit grayscale, with the canvas's bytes as they are.
/// Rows are filtered Up, each the difference from the row above: paper and the insides of
/// the big strokes become zeros, which the fast deflater codes as runs. Measured on the
/// seed's cover, that takes a fifth fewer instructions than unfiltered rows; Sub took more,
/// and adaptive filtering would cost more than it saves. (A 4-bit palette, the sixteen
/// grays of e-ink, made a smaller file but took longer: packing and the encoder's sub-byte
/// path cost more than the halved data saved.)
fn encode_png(ink: &[u8]) -> Result<Vec<u8>, String> {
    let palette: Vec<u8> = (0..=255u8).rev().flat_map(|level| [level; 3]).collect();
    let mut out = Vec::with_capacity(64 * 1024);
    {
        let mut encoder = png::Encoder::new(&mut out, WIDTH, HEIGHT);
        encoder.set_color(png::ColorType::Indexed);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_palette(palette);
        encoder.set_compression(png::Compression::Fast);
        encoder.set_filter(png::Filter::Up);
        let mut writer = encoder
            .write_header()
            .map_err(|e| format!("the cover could not be encoded: {e}"))?;
        writer
            .write_image_data(ink)
            .map_err(|e| format!("the cover could not be encoded: {e}"))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canvas() -> Canvas {
        let mut canvas = Canvas::new();
        canvas.clear();
        canvas
    }

    fn ink(canvas: &mut Canvas) -> Ink<'_> {
        Ink {
            canvas,
            rasterizer: Rasterizer::new(0, 0),
            outline: Vec::new(),
        }
    }

    fn at(pixels: &[u8], x: usize, y: usize) -> u8 {
        pixels[y * WIDTH as usize + x]
    }

    #[test]
    fn a_rectangle_covers_its_pixels_exactly() {
        let mut canvas = canvas();
        ink(&mut canvas).fill_rect(10.0, 10.0, 20.0, 5.5);
        for y in 10..15 {
            for x in 10..30 {
                assert_eq!(at(&canvas.pixels, x, y), 255, "({x}, {y})");
            }
        }
        // The half-covered bottom row is half ink; nothing outside the rectangle is inked.
        assert!((127..=128).contains(&at(&canvas.pixels, 20, 15)));
        let inked = canvas.pixels.iter().filter(|&&p| p > 0).count();
        assert_eq!(inked, 20 * 6);
    }

    #[test]
    fn shapes_past_the_edges_are_clipped_without_spilling_into_other_rows() {
        let mut canvas = canvas();
        let mut ink = ink(&mut canvas);
        ink.fill_rect(-50.0, 100.0, 100.0, 10.0);
        ink.fill_rect(WIDTH as f32 - 50.0, 200.0, 100.0, 10.0);
        ink.fill_rect(400.0, HEIGHT as f32 - 5.0, 10.0, 50.0);
        ink.fill_rect(-500.0, -500.0, 100.0, 100.0);
        for y in 100..110 {
            assert!((0..50).all(|x| at(&canvas.pixels, x, y) == 255));
        }
        for y in 200..210 {
            assert!((950..1000).all(|x| at(&canvas.pixels, x, y) == 255));
        }
        for y in HEIGHT as usize - 5..HEIGHT as usize {
            assert!((400..410).all(|x| at(&canvas.pixels, x, y) == 255));
        }
        let inked = canvas.pixels.iter().filter(|&&p| p > 0).count();
        assert_eq!(inked, 50 * 10 + 50 * 10 + 10 * 5);
    }

    fn seed_cover() -> Vec<u8> {
        let fonts = FontLibrary::embedded();
        generate(
            &fonts,
            &CoverText {
                masthead: "CRBC News",
                title: "Putin Holds Four-Hour Kremlin Talks With Jared Kushner and Steve Witkoff",
                subtitle: "World",
                date: "December 3, 2025",
                rtl: false,
            },
        )
        .unwrap()
        .0
    }

    #[test]
    fn a_cover_drawn_from_cached_glyphs_is_the_cover_drawn_afresh() {
        // Each thread starts with an empty glyph cache; the second cover on a thread draws
        // every glyph from it.
        let fresh = std::thread::spawn(seed_cover).join().unwrap();
        let (first, again) = std::thread::spawn(|| (seed_cover(), seed_cover()))
            .join()
            .unwrap();
        assert_eq!(first, fresh);
        assert!(
            again == fresh,
            "the cached cover differs from the fresh one"
        );
    }

    #[test]
    fn a_canvas_used_again_keeps_nothing_of_the_last_cover() {
        let fresh = std::thread::spawn(seed_cover).join().unwrap();
        let after_another = std::thread::spawn(|| {
            let fonts = FontLibrary::embedded();
            let other = CoverText {
                masthead: "A masthead much longer than the seed's own, in capitals",
                title: "A different headline, set in other sizes on other rows of the page",
                subtitle: "Another section",
                date: "1 January 2027",
                rtl: false,
            };
            generate(&fonts, &other).unwrap();
            seed_cover()
        })
        .join()
        .unwrap();
        assert!(after_another == fresh, "the reused canvas kept ink");
    }

    #[test]
    fn the_glyph_cache_filled_past_its_limit_stays_within_it() {
        let mut cache = GlyphCache::default();
        for glyph_id in 0..2000u16 {
            let key = GlyphKey {
                font: FontId::SerifBold,
                glyph_id,
                size: 120f32.to_bits(),
                quarter_x: 0,
                quarter_y: 0,
            };
            let coverage = Coverage {
                left: 0,
                top: 0,
                width: 100,
                alpha: vec![255; 100 * 120],
            };
            cache.insert(key, Some(Rc::new(coverage)));
            assert!(cache.bytes <= GLYPH_CACHE_BYTES);
            assert!(cache.get(&key).is_some(), "the glyph just drawn is kept");
        }
        let held: usize = cache.glyphs.values().flatten().map(|c| c.alpha.len()).sum();
        assert!(held <= GLYPH_CACHE_BYTES);
    }

    #[test]
    fn a_glyph_picture_becomes_darkness_times_opacity() {
        let mut data = Vec::new();
        {
            let mut encoder = png::Encoder::new(&mut data, 4, 1);
            encoder.set_color(png::ColorType::Rgba);
            encoder.set_depth(png::BitDepth::Eight);
            let mut writer = encoder.write_header().unwrap();
            writer
                .write_image_data(&[
                    0, 0, 0, 255, // opaque black
                    0, 0, 0, 0, // transparent
                    255, 255, 255, 255, // opaque white
                    0, 0, 0, 128, // half-transparent black
                ])
                .unwrap();
        }
        let (ink, width, height) = picture_ink(&data).unwrap();
        assert_eq!((width, height), (4, 1));
        assert_eq!(ink, [255, 0, 0, 128]);
        assert!(picture_ink(b"not a png").is_none());
    }

    #[test]
    fn a_cover_draws_its_title_and_reports_what_no_font_has() {
        let fonts = FontLibrary::embedded();
        let (png, missing) = generate(
            &fonts,
            &CoverText {
                masthead: "The Daily",
                title: "Kremlin talks \u{e000}",
                subtitle: "",
                date: "1 December 2026",
                rtl: false,
            },
        )
        .unwrap();
        assert_eq!(missing, ['\u{e000}']);
        let decoder = png::Decoder::new(std::io::Cursor::new(&png));
        let mut reader = decoder.read_info().unwrap();
        let mut gray = vec![0; reader.output_buffer_size().unwrap()];
        let frame = reader.next_frame(&mut gray).unwrap();
        assert_eq!((frame.width, frame.height), (WIDTH, HEIGHT));
        // The indexed image's palette entry 255 is black: some type is drawn, mostly paper.
        let dark = gray.iter().filter(|&&index| index > 128).count();
        let share = dark as f64 / gray.len() as f64;
        assert!((0.01..0.5).contains(&share), "dark share {share}");
    }
}
