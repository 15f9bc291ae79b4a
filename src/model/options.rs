//! Validated render options: each renderer's own settings, with defaults filled in.

/// Options for every renderer; each renderer reads its own part.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct RenderOptions {
    /// Options for the plain-text renderer.
    pub text: TextOptions,
    /// Options for the EPUB renderer.
    pub epub: EpubOptions,
    /// Options for the PDF renderer.
    pub pdf: PdfOptions,
    /// Whether straight quotes were made typographic at the edge (already applied to the
    /// document; renderers need not look at it).
    pub smart_quotes: bool,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            text: TextOptions::default(),
            epub: EpubOptions::default(),
            pdf: PdfOptions::default(),
            smart_quotes: true,
        }
    }
}

/// Options for the PDF renderer, in points (1/72 inch).
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct PdfOptions {
    /// The page width.
    pub page_width: f32,
    /// The page height.
    pub page_height: f32,
    /// The margin on every side.
    pub margin: f32,
    /// The body text size.
    pub font_size: f32,
    /// Text columns: 1 or 2.
    pub columns: u8,
    /// Justify the body text.
    pub justify: bool,
    /// Hyphenate by language.
    pub hyphenate: bool,
    /// In a collection, start each article on a new page.
    pub article_page_break: bool,
    /// Tag the document to PDF/UA-1.
    pub tagged: bool,
    /// The PDF/A conformance to meet, if any.
    pub archival: Option<Archival>,
}

/// A PDF/A part and conformance level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Archival {
    /// PDF/A-2b.
    A2B,
    /// PDF/A-2a.
    A2A,
    /// PDF/A-3b.
    A3B,
    /// PDF/A-4.
    A4,
}

impl PdfOptions {
    /// Points per millimetre.
    pub const PT_PER_MM: f32 = 72.0 / 25.4;
    /// A4, the default page: 210 × 297 mm.
    pub const A4: (f32, f32) = (595.276, 841.89);
    /// US Letter: 8.5 × 11 in.
    pub const LETTER: (f32, f32) = (612.0, 792.0);
    /// A5: 148 × 210 mm.
    pub const A5: (f32, f32) = (419.528, 595.276);
    /// US Legal: 8.5 × 14 in.
    pub const LEGAL: (f32, f32) = (612.0, 1008.0);
}

impl Default for PdfOptions {
    fn default() -> Self {
        PdfOptions {
            page_width: Self::A4.0,
            page_height: Self::A4.1,
            margin: 18.0 * Self::PT_PER_MM,
            font_size: 10.0,
            columns: 1,
            justify: true,
            hyphenate: true,
            article_page_break: true,
            tagged: true,
            archival: None,
        }
    }
}

/// Options for the EPUB renderer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct EpubOptions {
    /// Scale wider images down to this width in pixels.
    pub max_image_width: Option<u32>,
    /// Convert images to grayscale.
    pub grayscale: bool,
}

impl EpubOptions {
    /// The narrowest `max_image_width` a request may ask for.
    pub const MIN_IMAGE_WIDTH: u32 = 16;
    /// The widest `max_image_width` a request may ask for.
    pub const MAX_IMAGE_WIDTH: u32 = 8192;

    /// Whether images must be decoded and re-encoded, rather than embedded as they came.
    pub fn transforms_images(&self) -> bool {
        self.max_image_width.is_some() || self.grayscale
    }
}

/// Options for the plain-text renderer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct TextOptions {
    /// The line width in terminal columns, or `None` for no wrapping.
    pub width: Option<usize>,
}

impl TextOptions {
    /// The width used when a request sets none.
    pub const DEFAULT_WIDTH: usize = 72;
    /// The narrowest width a request may ask for.
    pub const MIN_WIDTH: usize = 20;
    /// The widest width a request may ask for.
    pub const MAX_WIDTH: usize = 1_000;
}

impl Default for TextOptions {
    fn default() -> Self {
        TextOptions {
            width: Some(Self::DEFAULT_WIDTH),
        }
    }
}
