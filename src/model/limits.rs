//! The size limits every request is held to. Each has a named default; the ones an operator
//! may want to change are fields of [`Limits`], set from the command line.

/// The longest headline, in characters.
pub const MAX_HEADLINE_CHARS: usize = 1_000;
/// The longest single text field (a paragraph, a span, a caption), in bytes.
pub const MAX_TEXT_FIELD_BYTES: usize = 256 * 1024;
/// The longest identifier (article id, request id), in characters.
pub const MAX_ID_CHARS: usize = 256;
/// The longest URL (links, canonical and related URLs), in bytes.
pub const MAX_URL_BYTES: usize = 8 * 1024;
/// The most blocks in one article's body.
pub const MAX_BLOCKS: usize = 10_000;
/// The most entries in any other repeated field: contributors, tags, related articles, the
/// spans of a paragraph, the items of a list, the paragraphs of a quote.
pub const MAX_REPEATED: usize = 1_000;
/// The deepest heading level; levels run from 1.
pub const MAX_HEADING_LEVEL: u32 = 5;
/// The hard ceiling on image pixels: no setting can raise the limit above this.
pub const MAX_IMAGE_PIXELS_CEILING: u64 = 50_000_000;

/// The most columns of a table, once column spans are counted.
pub const MAX_TABLE_COLUMNS: usize = 50;
/// The most rows of a table, header rows included.
pub const MAX_TABLE_ROWS: usize = 5_000;
/// The most cells of a table.
pub const MAX_TABLE_CELLS: usize = 100_000;
/// The most memory decoding one image may take. The header checks at the edge already cap
/// its pixels, so this only guards against decoders that need more than the pixels.
pub const MAX_IMAGE_DECODE_BYTES: u64 = 512 * 1024 * 1024;
/// Default for [`Limits::article_bytes`].
pub const DEFAULT_ARTICLE_BYTES: usize = 8 * 1024 * 1024;
/// Default for [`Limits::image_bytes`].
pub const DEFAULT_IMAGE_BYTES: usize = 20 * 1024 * 1024;
/// Default for [`Limits::image_pixels`].
pub const DEFAULT_IMAGE_PIXELS: u64 = MAX_IMAGE_PIXELS_CEILING;
/// Default for [`Limits::collection_articles`].
pub const DEFAULT_COLLECTION_ARTICLES: usize = 2_000;

/// The limits an operator can set. The rest are the constants of this module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The most text one article may hold, in bytes, all its fields together (images are
    /// counted by `image_bytes` instead).
    pub article_bytes: usize,
    /// The largest encoded image, in bytes.
    pub image_bytes: usize,
    /// The most pixels (width × height) one image may have, read from its header. Never
    /// above [`MAX_IMAGE_PIXELS_CEILING`].
    pub image_pixels: u64,
    /// The most articles in one collection.
    pub collection_articles: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            article_bytes: DEFAULT_ARTICLE_BYTES,
            image_bytes: DEFAULT_IMAGE_BYTES,
            image_pixels: DEFAULT_IMAGE_PIXELS,
            collection_articles: DEFAULT_COLLECTION_ARTICLES,
        }
    }
}
