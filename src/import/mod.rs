//! Importers for article bodies as a CMS stores them: HTML (WordPress, Google Docs exports,
//! hand-written markup) and Markdown (CommonMark with GFM tables). Each maps the body onto the
//! request's own block model, the generated [`pb::Block`]s, so that the caller can put the
//! result in `Article.body` and run the one validation at the edge on it.
//!
//! The importers map structure; they do not clean text. HTML's own whitespace rules are applied
//! (runs of ASCII whitespace collapse to one space in running text and are trimmed at block
//! edges; `&nbsp;` stays U+00A0; `<pre>` keeps its whitespace), and everything else the edge
//! does (NFC, control characters, link schemes, sizes) is left to the edge.
//!
//! # What becomes what
//!
//! | HTML | block |
//! | --- | --- |
//! | `p`, text directly in `body` or in an unknown container (`div`, `section`, …) | [`pb::Paragraph`] |
//! | `h1`–`h6` | [`pb::Heading`]: levels shift so that the smallest level used becomes 1 (the headline stays the only level above), capped at 5 |
//! | `blockquote` | [`pb::Quote`]; a direct `footer` or `cite` child, or else the `cite` attribute, is the attribution |
//! | `ul`, `ol`, `li` | [`pb::List`]; nested lists are flattened into the list that holds them (their items follow the item they were in, text kept), because the model has no nested lists; paragraphs inside an item become lines of it (U+2028); `start` and `reversed` are not kept |
//! | `pre` (and `xmp`, `listing`) | [`pb::Preformatted`], whitespace kept, `br` as a line feed; a `code` outside `pre` is inline code, as a browser shows it |
//! | `hr` | [`pb::Rule`] |
//! | `figure` + `img` + `figcaption`, or a bare `img` | [`pb::Figure`] when the `src` is a `data:` URI (base64 or percent-encoded); a caption with a `*credit*` class inside it is the credit |
//! | `table` with `caption`, `thead`, `tbody`, `tfoot`, `tr`, `th`, `td` | [`pb::Table`]: rows in `thead` (or leading rows of `th` cells only) are header rows, `colspan` is kept, `rowspan` leaves an empty cell in the rows it covers, short rows are padded, `align`/`text-align` give the column alignment |
//! | `aside` | [`pb::Aside`]; its first heading is the title |
//! | `iframe`, `video`, `audio`, `blockquote.twitter-tweet`, `blockquote.instagram-media`, `blockquote.tiktok-embed`, `div.fb-post[data-href]`, `figure.wp-block-embed` | [`pb::Embed`] with the URL, title, provider (from the host, else the wrapper's class) and the post's text as description |
//!
//! A block that cannot stand where it is (a figure, table or preformatted block inside a list
//! item, a table cell or a caption; anything but text inside a quote) follows the list, table
//! or quote that holds it, in order. A `figcaption` goes to the figure's image, table or embed
//! (as its description), or to the quote it captions (as the attribution); the caption of an
//! image that was dropped is dropped with it; any other caption stays, as a paragraph. Empty
//! paragraphs (nothing left after the whitespace rules) are not kept.
//!
//! Inline: `a[href]` is a link (`javascript:` and `vbscript:` links are removed, text kept;
//! Google Docs' `google.com/url?q=` redirects are unwrapped to their target), `em`/`i`/`cite`
//! are emphasis, `strong`/`b` strong, `code`/`kbd`/`samp`/`tt` code, `br` a deliberate line
//! break (U+2028 LINE SEPARATOR; two or more in a row in running text end the paragraph, as
//! old CMSs mean them), `q` gets straight quotation marks (smart quotes come later), `sub`,
//! `sup`, `del`/`s` (there is no strikethrough style) and every other inline element keep
//! their text. `font-weight`, `font-style`, a monospace `font-family`, `text-align`,
//! `display:none` and `visibility:hidden` are read from `style` attributes and from simple
//! `.class{…}` rules in `<style>` elements, so that a Google Docs export (which styles every
//! run through classes or inline styles on `span`s) gives the same blocks as the clean
//! equivalent. Google Docs' split lists (`ul.lst-kix_<id>-<level>`) are joined again.
//!
//! Dropped with their content, each kind counted once in a warning: `script`, `style`,
//! `template`, `noscript`, forms (`form`, `input`, `button`, `select`, `textarea`, …),
//! plug-ins (`object`, `embed`, `applet`), `canvas`, inline `svg` and `math`, hidden elements,
//! remote, undecodable or unsupported images, 1×1 tracking pixels, and embeds without a usable
//! URL. The `head`, comments and every attribute other than the few read above (so every event
//! handler) never reach the output. Nothing is ever fetched.
//!
//! Markdown is rendered to HTML by pulldown-cmark (tables and strikethrough on) and that HTML
//! goes through the same importer, so raw HTML inside Markdown, block or inline, follows exactly
//! the same rules, and so does everything else: code blocks become preformatted blocks, hard
//! breaks U+2028, soft breaks a space, table alignment the column alignment.
//!
//! # Limits
//!
//! A body is refused with an [`ImportError`] (the caller reports it as INVALID_ARGUMENT on
//! `article.bodyHtml` or `article.bodyMarkdown`) when its elements nest deeper than
//! [`ImportLimits::max_depth`] or when it has more than [`ImportLimits::max_elements`]
//! elements. Both are checked while the parser builds the tree, which it does into a flat arena
//! of our own (never a tree of reference-counted nodes, whose drop recurses), fed in small
//! chunks so that parsing stops soon after a limit is passed: a body of 200,000 nested `div`s
//! is refused after its first few kilobytes. The tree is then walked with an explicit stack,
//! never by recursion, so no input can overflow the stack.

use std::fmt;

use crate::pb;

mod html;
mod markdown;

/// The default for [`ImportLimits::max_depth`]: 256 levels of elements, counting the `html`
/// and `body` elements that every document has.
///
/// Real article markup is shallow: WordPress and Google Docs stay under 20 levels, and even
/// page builders that wrap each block in five `div`s stay under 100. Browsers stop nesting at
/// 512 (Chromium's parser) and lay out deeper trees badly. 256 leaves room for any real body
/// and keeps the tree builder's scope checks, which scan the stack of open elements, cheap.
pub const DEFAULT_MAX_DEPTH: usize = 256;

/// The default for [`ImportLimits::max_elements`]: 200,000 elements.
///
/// An article has at most 10,000 blocks and a table at most 100,000 cells; a table at that limit
/// (plus its rows and some inline markup), or 10,000 Google Docs paragraphs with a dozen styled
/// `span`s each, still fits. Each element costs the parser a few hundred bytes, so the tree of a
/// body at the limit stays in the tens of megabytes.
pub const DEFAULT_MAX_ELEMENTS: usize = 200_000;

/// Limits on the structure of a body, checked before any block is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportLimits {
    /// The deepest nesting of elements allowed, counting `html` and `body` (which every parsed
    /// document has) as the first two levels.
    pub max_depth: usize,
    /// The most elements a body may have, counting those the HTML parser adds (`html`, `head`,
    /// `body`, implied `tbody`s and the formatting elements it reopens).
    pub max_elements: usize,
}

impl Default for ImportLimits {
    /// [`DEFAULT_MAX_DEPTH`] and [`DEFAULT_MAX_ELEMENTS`].
    fn default() -> Self {
        Self {
            max_depth: DEFAULT_MAX_DEPTH,
            max_elements: DEFAULT_MAX_ELEMENTS,
        }
    }
}

/// An imported body: the blocks for `Article.body` and what was left out.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    /// The blocks, in reading order, not yet validated.
    pub blocks: Vec<pb::Block>,
    /// One line per kind of content that was dropped, with a count, in the order each kind was
    /// first met, for example `dropped 3 script elements`.
    pub warnings: Vec<String>,
}

/// Why a body was refused as a whole: it is over a limit of [`ImportLimits`], or (Markdown)
/// expands to far more text than it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    /// What was wrong and how to fix it, lowercase, without a trailing period: "nests elements
    /// more than 256 levels deep; flatten the markup".
    pub reason: String,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for ImportError {}

/// Imports an HTML body, a whole document or a fragment, as an HTML5 browser parses it.
///
/// # Errors
///
/// An [`ImportError`] when the elements nest deeper than `limits.max_depth` or number more than
/// `limits.max_elements`.
pub fn html(body: &str, limits: &ImportLimits) -> Result<Imported, ImportError> {
    html::import(body, limits)
}

/// Imports a Markdown body: CommonMark with GFM tables and strikethrough. Raw HTML in it goes
/// through [`html()`]'s rules.
///
/// # Errors
///
/// An [`ImportError`] when the structure is over `limits` (Markdown nesting, or the elements of
/// the HTML it stands for), or when link references expand it to far more text than the body
/// holds.
pub fn markdown(body: &str, limits: &ImportLimits) -> Result<Imported, ImportError> {
    markdown::import(body, limits)
}

/// How many example addresses a warning lists before "and N more".
const WARNING_EXAMPLES: usize = 3;

/// The longest example a warning quotes, in characters.
const WARNING_EXAMPLE_CHARS: usize = 120;

/// A kind of content the importer left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Dropped {
    /// An element dropped with its content (`script`, `style`, `form`, …).
    Element(String),
    /// An element hidden by `hidden`, `display:none` or `visibility:hidden`.
    Hidden,
    /// An `iframe`, `video` or `audio` element without an http or https address.
    MediaWithoutUrl(String),
    /// An embedded post (tweet, Instagram post, …) without an http or https address.
    PostWithoutUrl,
    /// An image whose source is not a `data:` URI.
    RemoteImage,
    /// A 1×1 or hidden image.
    TrackingPixel,
    /// An image without a source.
    ImageWithoutSource,
    /// A `data:` URI that does not decode.
    UndecodableImage,
    /// A `data:` image of a type the renderers cannot read.
    UnsupportedImage,
    /// A `javascript:` or `vbscript:` link (the text stays).
    ScriptLink,
    /// A table cell spanning rows: the rows below get an empty cell in its place.
    RowSpan,
}

/// The warnings of one import: one entry per kind, with a count and a few examples.
#[derive(Debug, Default)]
pub(crate) struct Warnings {
    entries: Vec<(Dropped, usize, Vec<String>)>,
}

impl Warnings {
    /// Counts one more of `kind`, with an example (an address, a media type) if it has one.
    pub(crate) fn add(&mut self, kind: Dropped, example: Option<&str>) {
        let index = match self.entries.iter().position(|(k, _, _)| *k == kind) {
            Some(index) => index,
            None => {
                self.entries.push((kind, 0, Vec::new()));
                self.entries.len() - 1
            }
        };
        if let Some((_, count, examples)) = self.entries.get_mut(index) {
            *count += 1;
            if let Some(example) = example {
                let example = shorten(example);
                if examples.len() < WARNING_EXAMPLES + 1 && !examples.contains(&example) {
                    examples.push(example);
                }
            }
        }
    }

    /// The warning lines, in the order each kind was first met.
    pub(crate) fn into_lines(self) -> Vec<String> {
        self.entries
            .into_iter()
            .map(|(kind, count, examples)| line(&kind, count, &examples))
            .collect()
    }
}

/// An example cut to [`WARNING_EXAMPLE_CHARS`].
fn shorten(example: &str) -> String {
    match example.char_indices().nth(WARNING_EXAMPLE_CHARS) {
        Some((end, _)) => format!("{}…", &example[..end]),
        None => example.to_owned(),
    }
}

/// `n` and the noun, in the singular or plural.
fn count(n: usize, singular: &str, plural: &str) -> String {
    if n == 1 {
        format!("1 {singular}")
    } else {
        format!("{n} {plural}")
    }
}

/// " (a, b, c and 2 more)", or nothing without examples. `examples` holds at most one more than
/// [`WARNING_EXAMPLES`], which only says that there are more.
fn examples_list(n: usize, examples: &[String]) -> String {
    if examples.is_empty() {
        return String::new();
    }
    let shown = &examples[..examples.len().min(WARNING_EXAMPLES)];
    let rest = n.saturating_sub(shown.len());
    if rest > 0 && examples.len() > shown.len() {
        format!(" ({} and {rest} more)", shown.join(", "))
    } else {
        format!(" ({})", shown.join(", "))
    }
}

/// The warning line for one kind.
fn line(kind: &Dropped, n: usize, examples: &[String]) -> String {
    let list = examples_list(n, examples);
    match kind {
        Dropped::Element(name) => format!(
            "dropped {}",
            count(n, &format!("{name} element"), &format!("{name} elements"))
        ),
        Dropped::Hidden => format!("dropped {}", count(n, "hidden element", "hidden elements")),
        Dropped::MediaWithoutUrl(name) => format!(
            "dropped {} without a usable URL",
            count(n, &format!("{name} element"), &format!("{name} elements"))
        ),
        Dropped::PostWithoutUrl => format!(
            "found {} without a usable URL; the text is kept as a paragraph",
            count(n, "embedded post", "embedded posts")
        ),
        Dropped::RemoteImage => format!(
            "dropped {}{list}; images must be data: URIs",
            count(n, "remote image", "remote images")
        ),
        Dropped::TrackingPixel => format!(
            "dropped {}{list}",
            count(n, "tracking pixel", "tracking pixels")
        ),
        Dropped::ImageWithoutSource => format!(
            "dropped {}",
            count(n, "image without a source", "images without a source")
        ),
        Dropped::UndecodableImage => format!(
            "dropped {}",
            count(
                n,
                "image whose data: URI does not decode",
                "images whose data: URIs do not decode"
            )
        ),
        Dropped::UnsupportedImage => format!(
            "dropped {}{list}; images must be PNG, JPEG, GIF or WebP",
            count(
                n,
                "image of an unsupported type",
                "images of unsupported types"
            )
        ),
        Dropped::ScriptLink => format!(
            "removed {}; the text is kept",
            count(n, "javascript: link", "javascript: links")
        ),
        Dropped::RowSpan => format!(
            "{} several rows; the rows below get an empty cell in its place",
            count(n, "table cell spans", "table cells span")
        ),
    }
}

/// Shifts heading levels so that the smallest level used becomes 1, capping them at 5, in the
/// blocks and inside asides (the only blocks that hold blocks).
pub(crate) fn shift_headings(blocks: &mut [pb::Block]) {
    use pb::block::Kind;
    const MAX_LEVEL: u32 = 5;
    fn each(blocks: &mut [pb::Block], f: &mut dyn FnMut(&mut pb::Heading)) {
        for block in blocks {
            match &mut block.kind {
                Some(Kind::Heading(heading)) => f(heading),
                Some(Kind::Aside(aside)) => {
                    // Asides do not nest (the importer flattens them), so this goes one level.
                    for inner in &mut aside.blocks {
                        if let Some(Kind::Heading(heading)) = &mut inner.kind {
                            f(heading);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    let mut min = u32::MAX;
    each(blocks, &mut |h| min = min.min(h.level.unwrap_or(1)));
    if min == u32::MAX {
        return;
    }
    each(blocks, &mut |h| {
        let level = h.level.unwrap_or(1).saturating_sub(min) + 1;
        h.level = Some(level.min(MAX_LEVEL));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_count_and_list_examples() {
        let mut w = Warnings::default();
        w.add(Dropped::Element("script".into()), None);
        w.add(Dropped::RemoteImage, Some("https://a.example/1.jpg"));
        w.add(Dropped::Element("script".into()), None);
        for i in 2..=6 {
            w.add(
                Dropped::RemoteImage,
                Some(&format!("https://a.example/{i}.jpg")),
            );
        }
        w.add(Dropped::Element("style".into()), None);
        assert_eq!(
            w.into_lines(),
            [
                "dropped 2 script elements",
                "dropped 6 remote images (https://a.example/1.jpg, https://a.example/2.jpg, \
                 https://a.example/3.jpg and 3 more); images must be data: URIs",
                "dropped 1 style element",
            ]
        );
    }

    /// Every fixture imports to blocks that the edge accepts as they are.
    #[test]
    fn fixture_blocks_pass_the_edge_validation() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
        let read = |name: &str| {
            std::fs::read_to_string(format!("{dir}/{name}")).expect("the fixture is readable")
        };
        let limits = ImportLimits::default();
        for (name, imported) in [
            ("wordpress", html(&read("html/wordpress.html"), &limits)),
            ("google-docs", html(&read("html/google-docs.html"), &limits)),
            (
                "google-docs-clean",
                html(&read("html/google-docs-clean.html"), &limits),
            ),
            (
                "article.md",
                markdown(&read("markdown/article.md"), &limits),
            ),
        ] {
            let blocks = imported.expect("within the limits").blocks;
            let request = pb::ExportRequest {
                format: "text".into(),
                document: Some(pb::export_request::Document::Article(pb::Article {
                    headline: "Putin Holds Four‑Hour Kremlin Talks".into(),
                    body: blocks,
                    ..pb::Article::default()
                })),
                ..pb::ExportRequest::default()
            };
            if let Err(invalid) = crate::model::ExportJob::try_from(request) {
                panic!("{name}: {invalid:?}");
            }
        }
    }

    #[test]
    fn limits_default_to_the_named_constants() {
        let limits = ImportLimits::default();
        assert_eq!(limits.max_depth, DEFAULT_MAX_DEPTH);
        assert_eq!(limits.max_elements, DEFAULT_MAX_ELEMENTS);
    }
}
