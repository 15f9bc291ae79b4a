//! Validated render options: each renderer's own settings, with defaults filled in.

/// Options for every renderer; each renderer reads its own part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct RenderOptions {
    /// Options for the plain-text renderer.
    pub text: TextOptions,
    /// Options for the EPUB renderer.
    pub epub: EpubOptions,
}

/// Options for the EPUB renderer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
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
