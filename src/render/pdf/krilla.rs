//! Writing the laid-out pages as PDF with krilla: the same document [`super::write`] makes
//! with `pdf-writer`, from the same [`Composed`] input, with krilla owning fonts, subsetting,
//! images, tagging and the PDF/UA rules.
//!
//! The converter follows typst-pdf's shape: [`write_with`] is the driver and holds the
//! document-wide state in a `GlobalContext`; `handle_page` walks a page, `draw_line` and
//! `handle_run`, `handle_rule` and `handle_image` turn one element into surface calls,
//! `handle_links` adds a page's link annotations, and `build_outline`, `build_metadata` and
//! `TreeBuilder` make the document-level parts. Fonts are made once per process and face (with their hinting
//! stripped, see [`super::unhint`]) and shared by every document.
//!
//! Tagging follows composition's logical structure ([`Composed::structure`]): each node
//! becomes a structure element (an article `Art`, headings `H1`–`H6`, `P`, `Figure` with its
//! description, `L`/`LI`/`Lbl`/`LBody`, `Table`/`TR`/`TH`/`TD`, `BlockQuote`, `Note`, `TOC`,
//! `TOCI`; a fact box is a `Div`), and each page element marked as a node's content is
//! tagged inside it, collected across pages and assembled once at the end (`TreeBuilder`).
//! Elements marked as artifacts (rules, frames, a repeated table header row) and the page
//! furniture are artifacts; each link annotation sits in a `Link` element with the text it
//! covers, inside the node of that text.
//!
//! Output is deterministic: the document identifier is a hash of the content, and the dates
//! come from the request (or the fixed date), never the clock.

use std::collections::HashMap;
use std::num::NonZeroU16;
use std::sync::{LazyLock, Mutex, PoisonError};

use chrono::{DateTime, Datelike, Timelike, Utc};
use krilla::Document;
use krilla::SerializeSettings;
use krilla::action::{Action, LinkAction};
use krilla::annotation::{Annotation, LinkAnnotation, Target as LinkTarget};
use krilla::configure::{Accessibility, Archival, ConfigurationBuilder, ValidationError};
use krilla::destination::XyzDestination;
use krilla::error::KrillaError;
use krilla::geom::{PathBuilder, Point, Quadrilateral, Rect, Size, Transform};
use krilla::image::{BitsPerComponent, CustomImage, ImageColorspace};
use krilla::metadata::{DateTime as PdfDateTime, Metadata};
use krilla::outline::{Outline, OutlineNode};
use krilla::page::PageSettings;
use krilla::surface::Surface;
use krilla::tagging::{
    Artifact, ArtifactType, ContentTag, Identifier, ListNumbering, Node, SpanTag, TableHeaderScope,
    Tag, TagGroup, TagKind, TagTree,
};
use krilla::text::{Font, GlyphId, KrillaGlyph};

use super::flow::{
    Composed, Element, Link, Mark, OutlineEntry, Page, StructId, StructKind, StructNode, Target,
};
use crate::layout::{FontId, GlyphRun, SetLine};
use crate::model::{Archival as ArchivalLevel, Article, Collection, Image, ImageFormat, Language};
use crate::typography::{FIXED_DATE, join_names_in};

/// The document information, as [`super::write::Info`] holds it. That type's fields are
/// private to `write`, so this writer carries its own until the two share one.
pub(super) struct Info {
    title: String,
    author: String,
    subject: String,
    language: Language,
    created: Option<DateTime<Utc>>,
}

impl Info {
    pub(super) fn for_article(article: &Article) -> Self {
        let names: Vec<&str> = article
            .contributors
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        Info {
            title: article.headline.clone(),
            author: join_names_in(&article.language, &names),
            subject: article.summary.clone(),
            language: article.language.clone(),
            created: article.published_at,
        }
    }

    pub(super) fn for_collection(collection: &Collection) -> Self {
        Info {
            title: collection.title.clone(),
            author: collection.publisher.clone(),
            subject: collection.subtitle.clone(),
            language: collection.language.clone(),
            created: collection.date,
        }
    }
}

/// How the document is written.
#[derive(Debug, Clone, Copy)]
pub(super) struct Options {
    /// Whether content is tagged (a structure tree, artifacts for furniture).
    pub(super) tagged: bool,
    /// Whether the document must conform to PDF/UA-1; krilla refuses it otherwise.
    pub(super) pdf_ua: bool,
    /// The PDF/A part and level the document must conform to, if any; krilla refuses it
    /// otherwise (PDF/A-4 cannot be combined with PDF/UA-1).
    pub(super) archival: Option<ArchivalLevel>,
    /// Whether an idle core may compress finished pages while this thread goes on, and
    /// make font subsets ready while this thread does the same (the layout helpers' pool;
    /// see `ahead`). The bytes are the same either way.
    pub(super) helper: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            tagged: true,
            pdf_ua: true,
            archival: None,
            helper: false,
        }
    }
}

impl Options {
    /// The options a request's PDF options ask for: tagged means PDF/UA-1 too.
    pub(super) fn for_pdf(options: &crate::model::PdfOptions) -> Self {
        Options {
            tagged: options.tagged,
            pdf_ua: options.tagged,
            archival: options.archival,
            helper: false,
        }
    }

    /// These options, with the helper lent when `spare_threads` is not zero.
    pub(super) fn with_spare_threads(self, spare_threads: usize) -> Self {
        Options {
            helper: spare_threads > 0,
            ..self
        }
    }
}

/// Writes the document with `options`; when krilla's validator refuses it as PDF/UA-1, it
/// is written again without that claim (and with any other), with a warning.
pub(super) fn write_conforming(
    document: &Composed<'_>,
    info: &Info,
    warnings: &mut Vec<String>,
    options: Options,
) -> Result<Vec<u8>, String> {
    let before = warnings.len();
    match write_with(document, info, warnings, options) {
        Err(why) if options.pdf_ua && why.starts_with(NOT_CONFORMING) => {
            warnings.truncate(before);
            let pdf = write_with(
                document,
                info,
                warnings,
                Options {
                    pdf_ua: false,
                    ..options
                },
            )?;
            warnings.push(format!("the PDF is not marked PDF/UA-1: {why}"));
            Ok(pdf)
        }
        other => other,
    }
}

/// How [`describe_error`] starts the message for a document the validator refused.
const NOT_CONFORMING: &str = "the PDF does not conform to the standard asked for";

/// Writes the document.
pub(super) fn write_with(
    document: &Composed<'_>,
    info: &Info,
    warnings: &mut Vec<String>,
    options: Options,
) -> Result<Vec<u8>, String> {
    let tagged = options.tagged || options.pdf_ua || options.archival == Some(ArchivalLevel::A2A);
    let mut settings = SerializeSettings {
        enable_tagging: tagged,
        helper_pool: options.helper.then(super::ahead::helpers),
        ..SerializeSettings::default()
    };
    if options.pdf_ua || options.archival.is_some() {
        let mut builder = ConfigurationBuilder::new();
        if options.pdf_ua {
            builder = builder.with_accessibility_validator(Accessibility::UA1);
        }
        if let Some(level) = options.archival {
            builder = builder.with_archival_validator(match level {
                ArchivalLevel::A2B => Archival::A2_B,
                ArchivalLevel::A2A => Archival::A2_A,
                ArchivalLevel::A3B => Archival::A3_B,
                ArchivalLevel::A4 => Archival::A4,
            });
        }
        settings.configuration = builder
            .finish()
            .map_err(|e| format!("krilla refused the conformance asked for: {e:?}"))?;
    }
    let mut pdf = Document::new_with(settings);
    let page_count = document.pages.len();
    let gc = GlobalContext {
        document,
        images: prepare_images(&document.images, warnings),
        tagged,
    };
    let mut tree = TreeBuilder::new(&document.structure);
    for page in &document.pages {
        let (width, height) = (document.options.page_width, document.options.page_height);
        let settings = PageSettings::from_wh(width, height)
            .ok_or_else(|| format!("the page size {width} × {height} is not valid"))?;
        let mut pdf_page = pdf.start_page_with(settings);
        let pieces = handle_page(&gc, &mut pdf_page.surface(), page)?;
        let annotations = handle_links(&gc, &mut pdf_page, &page.links);
        pdf_page.finish();
        if tagged {
            tree.add_page(pieces, annotations);
        }
    }

    if let Some(outline) = build_outline(&document.outline, page_count, document.options.margin) {
        pdf.set_outline(outline);
    }
    pdf.set_metadata(build_metadata(document, info));
    if tagged {
        pdf.set_tag_tree(tree.finish(&info.language));
    }
    pdf.finish().map_err(|e| describe_error(&e))
}

/// What every page needs: the document, its images made once, and whether to tag.
struct GlobalContext<'a> {
    document: &'a Composed<'a>,
    /// By index into [`Composed::images`]; `None` for one that could not be embedded.
    images: Vec<Option<krilla::image::Image>>,
    tagged: bool,
}

/// Draws a page's content, then its furniture as artifacts; returns what the page adds to
/// the structure tree, in drawing order.
fn handle_page(
    gc: &GlobalContext<'_>,
    surface: &mut Surface<'_>,
    page: &Page,
) -> Result<Vec<Piece>, String> {
    let structure = &gc.document.structure;
    // The node each element is content of: `None` for an artifact, `Some(None)` for content
    // whose mark is missing or points nowhere (it becomes a paragraph of its own).
    let owner = |at: usize| -> Option<Option<StructId>> {
        match page.marks.get(at) {
            Some(Mark::Artifact) => None,
            Some(Mark::Node(id)) if id.0 < structure.len() => Some(Some(*id)),
            _ => Some(None),
        }
    };
    let claims = claim_links(&page.elements, &page.links, |at| owner(at).is_some());
    let mut pieces = Vec::new();
    for (at, element) in page.elements.iter().enumerate() {
        match element {
            Element::Line { x, baseline, line } => {
                let Some(node) = owner(at) else {
                    // Not content (a table's header row repeated on a later page).
                    surface.start_tagged(ContentTag::Artifact(Artifact::with_kind(
                        ArtifactType::Layout,
                    )));
                    draw_line(surface, *x, *baseline, line, &[], false)?;
                    surface.end_tagged();
                    continue;
                };
                let links: Vec<(usize, f32, f32)> = claims
                    .iter()
                    .enumerate()
                    .filter(|(_, claim)| **claim == Some(at))
                    .filter_map(|(k, _)| page.links.get(k).map(|l| (k, l.rect[0], l.rect[2])))
                    .collect();
                let segments = draw_line(surface, *x, *baseline, line, &links, true)?;
                if !segments.is_empty() {
                    pieces.push(Piece {
                        node,
                        content: Content::Text(segments),
                    });
                }
            }
            Element::Rule { .. } => {
                surface.start_tagged(ContentTag::Artifact(Artifact::with_kind(
                    ArtifactType::Layout,
                )));
                handle_rule(surface, element);
                surface.end_tagged();
            }
            Element::Image { index, .. } => {
                // One that could not be embedded was warned of and is left out.
                if !matches!(gc.images.get(*index), Some(Some(_))) {
                    continue;
                }
                // The description: the figure node's, or for an image placed in some other
                // node, its own (wrapped in a figure of its own).
                let (alt, own_figure) = match owner(at) {
                    None => (String::new(), false),
                    Some(Some(id)) => match &structure[id.0].kind {
                        StructKind::Figure { alt } => (alt.trim().to_owned(), false),
                        _ => (image_alt(gc, *index), true),
                    },
                    Some(None) => (image_alt(gc, *index), true),
                };
                // An image without a description is drawn as an artifact: PDF/UA wants
                // every figure described, and a missing description must not cost the
                // reader the document.
                if alt.is_empty() {
                    surface.start_tagged(ContentTag::Artifact(Artifact::with_kind(
                        ArtifactType::Other,
                    )));
                    handle_image(gc, surface, element);
                    surface.end_tagged();
                } else {
                    let id = surface.start_tagged(ContentTag::Span(SpanTag::empty()));
                    handle_image(gc, surface, element);
                    surface.end_tagged();
                    pieces.push(Piece {
                        node: owner(at).flatten(),
                        content: Content::Image {
                            id,
                            own_figure: own_figure.then_some(alt),
                        },
                    });
                }
            }
        }
    }
    for element in &page.furniture {
        // The running head sits in the top half of the page, the page number in the bottom.
        let top = match element {
            Element::Line { baseline, .. } => *baseline,
            Element::Rule { y, .. } | Element::Image { y, .. } => *y,
        };
        let kind = if top < gc.document.options.page_height / 2.0 {
            ArtifactType::Header
        } else {
            ArtifactType::Footer
        };
        surface.start_tagged(ContentTag::Artifact(Artifact::with_kind(kind)));
        match element {
            Element::Line { x, baseline, line } => {
                draw_line(surface, *x, *baseline, line, &[], false)?;
            }
            Element::Rule { .. } => handle_rule(surface, element),
            Element::Image { .. } => {
                handle_image(gc, surface, element);
            }
        }
        surface.end_tagged();
    }
    Ok(pieces)
}

/// An image's own description, trimmed.
fn image_alt(gc: &GlobalContext<'_>, index: usize) -> String {
    gc.document
        .images
        .get(index)
        .map(|i| i.alt_text.trim().to_owned())
        .unwrap_or_default()
}

/// A piece of marked content a page adds to the structure tree, once its annotations exist.
struct Piece {
    /// The node it is content of; `None` for content with no valid node, which becomes a
    /// paragraph of its own at the top level.
    node: Option<StructId>,
    content: Content,
}

enum Content {
    /// A line: its stretches of text, each with the link (an index into the page's links)
    /// it belongs to, if any.
    Text(Vec<(Option<usize>, Identifier)>),
    /// A described image; `own_figure` holds the description of one placed outside a
    /// figure node, which gets a `Figure` element of its own.
    Image {
        id: Identifier,
        own_figure: Option<String>,
    },
}

/// Which line of the page each link covers: the first content line in reading order whose
/// baseline lies inside the link's area and whose extent overlaps it. Links over no such
/// line stay unclaimed and are tagged on their own.
fn claim_links(
    elements: &[Element],
    links: &[Link],
    content: impl Fn(usize) -> bool,
) -> Vec<Option<usize>> {
    links
        .iter()
        .map(|link| {
            let [x0, top, x1, bottom] = link.rect;
            elements
                .iter()
                .enumerate()
                .position(|(at, element)| match element {
                    Element::Line { x, baseline, line } => {
                        content(at)
                            && *baseline >= top
                            && *baseline <= bottom
                            && x0 < x + line.width
                            && x1 > *x
                    }
                    _ => false,
                })
        })
        .collect()
}

/// Draws a line's glyph runs. With `tag`, each stretch of glyphs inside one link (or
/// outside all) becomes a marked-content sequence of its own.
fn draw_line(
    surface: &mut Surface<'_>,
    x: f32,
    baseline: f32,
    line: &SetLine,
    links: &[(usize, f32, f32)],
    tag: bool,
) -> Result<Vec<(Option<usize>, Identifier)>, String> {
    // Which link each drawn glyph falls in, by the middle of its advance.
    let link_of = |glyph_x: f32, advance: f32| -> Option<usize> {
        let middle = x + glyph_x + advance / 2.0;
        links
            .iter()
            .find(|(_, x0, x1)| middle >= *x0 && middle <= *x1)
            .map(|(k, _, _)| *k)
    };
    let mut stretches: Vec<Stretch<'_>> = Vec::new();
    for run in &line.runs {
        for (i, glyph) in run.glyphs.iter().enumerate() {
            // Glyph 0 (`.notdef`) is never drawn, as in `write`.
            if glyph.glyph_id == 0 {
                continue;
            }
            // A cluster is never split: its other glyphs go where its first one went.
            let link = if glyph.text.is_empty() && !stretches.is_empty() {
                stretches.last().and_then(|s| s.link)
            } else {
                link_of(glyph.x, glyph.advance)
            };
            let same_stretch = stretches.last().is_some_and(|s| s.link == link);
            if !same_stretch {
                stretches.push(Stretch {
                    link,
                    pieces: Vec::new(),
                });
            }
            if let Some(Stretch { pieces, .. }) = stretches.last_mut() {
                match pieces.last_mut() {
                    Some((r, glyphs)) if std::ptr::eq(*r, run) => glyphs.push(i),
                    _ => {
                        // Room for the rest of the run: most lines are one stretch.
                        let mut glyphs = Vec::with_capacity(run.glyphs.len() - i);
                        glyphs.push(i);
                        pieces.push((run, glyphs));
                    }
                }
            }
        }
    }
    let mut marked = Vec::new();
    for Stretch { link, pieces } in stretches {
        let id = tag.then(|| surface.start_tagged(ContentTag::Span(SpanTag::empty())));
        for (run, indices) in pieces {
            handle_run(surface, x, baseline, run, &indices)?;
        }
        if let Some(id) = id {
            surface.end_tagged();
            marked.push((link, id));
        }
    }
    Ok(marked)
}

/// Glyphs of a line inside one link, or outside all: the pieces of runs they come from,
/// each with the indices of its glyphs drawn.
struct Stretch<'l> {
    link: Option<usize>,
    pieces: Vec<(&'l GlyphRun, Vec<usize>)>,
}

/// Draws some glyphs of one run at our own positions: each glyph's advance is the distance
/// to the next one drawn, so justification and kerning carry over exactly; the text of each
/// cluster (on its first glyph) goes into the run's text, for extraction.
fn handle_run(
    surface: &mut Surface<'_>,
    x: f32,
    baseline: f32,
    run: &GlyphRun,
    indices: &[usize],
) -> Result<(), String> {
    let mut glyphs: Vec<&crate::layout::SetGlyph> = Vec::with_capacity(indices.len());
    glyphs.extend(indices.iter().filter_map(|&i| run.glyphs.get(i)));
    let Some(first) = glyphs.first() else {
        return Ok(());
    };
    let font = font(run.font).ok_or_else(|| {
        format!(
            "the font {} is not a valid OpenType font",
            run.font.postscript_name()
        )
    })?;
    let size = run.size;
    let mut text = String::with_capacity(glyphs.len());
    let mut placed = Vec::with_capacity(glyphs.len());
    let mut cluster = 0..0;
    for (n, glyph) in glyphs.iter().enumerate() {
        if !glyph.text.is_empty() || n == 0 {
            let start = text.len();
            // A first glyph that continues a cluster (whose first glyph was `.notdef`, or
            // drawn in another stretch) takes the cluster's text: PDF/UA wants every glyph
            // mapped to some text.
            let own = if glyph.text.is_empty() {
                indices
                    .first()
                    .and_then(|&at| run.glyphs.get(..at))
                    .and_then(|before| before.iter().rev().find(|g| !g.text.is_empty()))
                    .map_or("", |g| g.text.as_str())
            } else {
                glyph.text.as_str()
            };
            text.push_str(own);
            cluster = start..text.len();
        }
        let advance = glyphs
            .get(n + 1)
            .map_or(glyph.advance, |next| next.x - glyph.x);
        placed.push(KrillaGlyph::new(
            GlyphId::new(u32::from(glyph.glyph_id)),
            advance / size,
            0.0,
            glyph.y / size,
            0.0,
            cluster.clone(),
            None,
        ));
    }
    surface.draw_glyphs(
        Point::from_xy(x + first.x, baseline),
        &placed,
        font,
        &text,
        size,
        false,
    );
    Ok(())
}

/// Draws a rule as a filled rectangle (black, the default fill).
fn handle_rule(surface: &mut Surface<'_>, element: &Element) {
    let Element::Rule {
        x,
        y,
        width,
        thickness,
    } = element
    else {
        return;
    };
    let Some(rect) = Rect::from_xywh(*x, *y, *width, *thickness) else {
        return;
    };
    let mut path = PathBuilder::new();
    path.push_rect(rect);
    if let Some(path) = path.finish() {
        surface.set_fill(Some(krilla::paint::Fill::default()));
        surface.draw_path(&path);
    }
}

/// Draws an image into its box, if it could be embedded.
fn handle_image(gc: &GlobalContext<'_>, surface: &mut Surface<'_>, element: &Element) {
    let Element::Image {
        index,
        x,
        y,
        width,
        height,
    } = element
    else {
        return;
    };
    let (Some(Some(image)), Some(size)) = (gc.images.get(*index), Size::from_wh(*width, *height))
    else {
        return;
    };
    surface.push_transform(&Transform::from_translate(*x, *y));
    surface.draw_image(image.clone(), size);
    surface.pop();
}

/// Makes krilla images of the document's images: JPEG as it came (krilla reads its header
/// here and embeds the bytes as DCTDecode), everything else decoded by us first, within the
/// model's memory cap, so a corrupt image is a warning and not a failed document.
fn prepare_images(
    images: &[&Image],
    warnings: &mut Vec<String>,
) -> Vec<Option<krilla::image::Image>> {
    images
        .iter()
        .map(|image| {
            let made = if image.format == ImageFormat::Jpeg {
                // krilla's deferred JPEG work reads the same header again and nothing more,
                // so what passes here cannot fail the document later.
                krilla::image::Image::from_jpeg(image.data.to_vec().into(), false)
                    .map_err(|e| format!("the JPEG image could not be read: {e}"))
            } else {
                image.decode().and_then(|decoded| {
                    krilla::image::Image::from_custom(Pixels::new(image, &decoded), false)
                })
            };
            made.map_err(|why| warnings.push(format!("an image could not be embedded: {why}")))
                .ok()
        })
        .collect()
}

/// Decoded pixels, 8 bits per component: gray or RGB, with alpha when the image has one.
#[derive(Clone)]
struct Pixels {
    color: std::sync::Arc<Vec<u8>>,
    alpha: Option<std::sync::Arc<Vec<u8>>>,
    gray: bool,
    size: (u32, u32),
    /// A hash of the encoded image, which stands for the pixels in krilla's cache.
    source: u128,
}

impl Pixels {
    fn new(image: &Image, decoded: &image::DynamicImage) -> Self {
        let gray = !decoded.color().has_color();
        let alpha = decoded
            .color()
            .has_alpha()
            .then(|| std::sync::Arc::new(decoded.to_rgba8().pixels().map(|p| p.0[3]).collect()));
        let color = if gray {
            decoded.to_luma8().into_raw()
        } else {
            decoded.to_rgb8().into_raw()
        };
        Pixels {
            color: std::sync::Arc::new(color),
            alpha,
            gray,
            size: (decoded.width(), decoded.height()),
            source: u128::from_le_bytes(
                *uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, &image.data).as_bytes(),
            ),
        }
    }
}

impl std::hash::Hash for Pixels {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.source.hash(state);
        self.size.hash(state);
        self.gray.hash(state);
    }
}

impl CustomImage for Pixels {
    fn color_channel(&self) -> &[u8] {
        &self.color
    }

    fn alpha_channel(&self) -> Option<&[u8]> {
        self.alpha.as_deref().map(Vec::as_slice)
    }

    fn bits_per_component(&self) -> BitsPerComponent {
        BitsPerComponent::Eight
    }

    fn size(&self) -> (u32, u32) {
        self.size
    }

    fn icc_profile(&self) -> Option<&[u8]> {
        None
    }

    fn color_space(&self) -> ImageColorspace {
        if self.gray {
            ImageColorspace::Luma
        } else {
            ImageColorspace::Rgb
        }
    }
}

/// Adds the page's link annotations, one per line segment, each with its `QuadPoints`;
/// returns their identifiers for the structure tree, by link.
fn handle_links(
    gc: &GlobalContext<'_>,
    page: &mut krilla::page::Page<'_>,
    links: &[Link],
) -> Vec<Option<Identifier>> {
    let (document, page_count) = (gc.document, gc.document.pages.len());
    links
        .iter()
        .map(|link| {
            let [x0, top, x1, bottom] = link.rect;
            let (target, alt) = match &link.target {
                Target::Uri(url) => (
                    LinkTarget::Action(Action::Link(LinkAction::new(url.clone()))),
                    url.clone(),
                ),
                Target::Internal { page, y } => {
                    // krilla panics on a destination past the last page.
                    if *page >= page_count {
                        return None;
                    }
                    let point =
                        Point::from_xy(document.options.margin, y - document.options.font_size);
                    (
                        LinkTarget::Action(Action::Goto(XyzDestination::new(*page, point).into())),
                        format!("page {}", page + 1),
                    )
                }
            };
            let quad = Quadrilateral([
                Point::from_xy(x0, bottom),
                Point::from_xy(x1, bottom),
                Point::from_xy(x1, top),
                Point::from_xy(x0, top),
            ]);
            if !(x1 > x0 && bottom > top) {
                return None;
            }
            let annotation = Annotation::new_link(
                LinkAnnotation::new_with_quad_points(vec![quad], target),
                Some(alt),
            );
            if gc.tagged {
                Some(page.add_tagged_annotation(annotation))
            } else {
                page.add_annotation(annotation);
                None
            }
        })
        .collect()
}

/// The structure tree as it is collected: each node's content from every page, in drawing
/// order (which is reading order), assembled once all pages are drawn.
struct TreeBuilder<'s> {
    structure: &'s [StructNode],
    /// By node: its content, each item with its place in the drawing order.
    content: Vec<Vec<(usize, Node)>>,
    /// By node: whether a described image is part of its content.
    has_image: Vec<bool>,
    /// Content with no valid node, each a paragraph (or figure) of its own at the top level.
    loose: Vec<(usize, Node)>,
    /// Link annotations no content line claimed: each identifier needs one parent.
    annotations: Vec<Identifier>,
    /// The place in the drawing order of the next item.
    next: usize,
}

impl<'s> TreeBuilder<'s> {
    fn new(structure: &'s [StructNode]) -> Self {
        TreeBuilder {
            structure,
            content: structure.iter().map(|_| Vec::new()).collect(),
            has_image: vec![false; structure.len()],
            loose: Vec::new(),
            annotations: Vec::new(),
            next: 0,
        }
    }

    /// Adds a page's content to its nodes; each link inside a line becomes a `Link`
    /// element holding its annotation and its text.
    fn add_page(&mut self, pieces: Vec<Piece>, mut annotations: Vec<Option<Identifier>>) {
        for Piece { node, content } in pieces {
            let mut items: Vec<Node> = Vec::new();
            let figure = matches!(
                content,
                Content::Image {
                    own_figure: Some(_),
                    ..
                }
            );
            match content {
                Content::Text(segments) => {
                    for (link, id) in segments {
                        match link
                            .and_then(|k| annotations.get_mut(k))
                            .and_then(Option::take)
                        {
                            Some(annotation) => items.push(
                                TagGroup::with_children(
                                    Tag::Link,
                                    vec![annotation.into(), id.into()],
                                )
                                .into(),
                            ),
                            None => items.push(id.into()),
                        }
                    }
                }
                Content::Image { id, own_figure } => match own_figure {
                    Some(alt) => items.push(
                        TagGroup::with_children(Tag::Figure(Some(alt)), vec![id.into()]).into(),
                    ),
                    None => {
                        if let Some(node) = node {
                            self.has_image[node.0] = true;
                        }
                        items.push(id.into());
                    }
                },
            }
            let at = self.next;
            self.next += 1;
            match node {
                Some(node) => self.content[node.0].extend(items.into_iter().map(|n| (at, n))),
                None if figure => self.loose.extend(items.into_iter().map(|n| (at, n))),
                None if !items.is_empty() => {
                    self.loose
                        .push((at, TagGroup::with_children(Tag::P, items).into()));
                }
                None => {}
            }
        }
        self.annotations.extend(annotations.into_iter().flatten());
    }

    /// The tree: each node a group of its content and its child nodes, in reading order,
    /// then the annotations no line claimed.
    fn finish(mut self, language: &Language) -> TagTree {
        let count = self.structure.len();
        // Each node's children, in the order they were made, and the place in the drawing
        // order of the first content in each node's subtree. Parents come before children.
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); count];
        let mut roots = Vec::new();
        for (i, node) in self.structure.iter().enumerate() {
            match node.parent {
                Some(StructId(p)) if p < i => children[p].push(i),
                _ => roots.push(i),
            }
        }
        let mut first: Vec<Option<usize>> = self
            .content
            .iter()
            .map(|c| c.first().map(|(at, _)| *at))
            .collect();
        for i in (0..count).rev() {
            if let (Some(StructId(p)), Some(at)) = (self.structure[i].parent, first[i])
                && p < i
            {
                first[p] = Some(first[p].map_or(at, |f| f.min(at)));
            }
        }
        let mut content: Vec<Vec<(usize, Node)>> = std::mem::take(&mut self.content);
        let mut assembly = Assembly {
            structure: self.structure,
            has_image: &self.has_image,
            children: &children,
            first: &first,
            last_level: 0,
            language: language.tag(),
        };
        let mut tree = TagTree::new().with_lang(Some(language.tag().to_owned()));
        let loose = std::mem::take(&mut self.loose);
        for node in assembly.merge(loose, &roots, &mut content) {
            tree.push(node);
        }
        for annotation in self.annotations {
            tree.push(TagGroup::with_children(Tag::Link, vec![annotation.into()]));
        }
        tree
    }
}

/// The state of assembling the tree, depth first, in reading order.
struct Assembly<'a> {
    structure: &'a [StructNode],
    has_image: &'a [bool],
    children: &'a [Vec<usize>],
    first: &'a [Option<usize>],
    /// The level of the last heading placed, so that none skips a level.
    last_level: u16,
    /// The document's language, which elements in another language override.
    language: &'a str,
}

impl Assembly<'_> {
    /// A node's own content and its child nodes, merged: child nodes stay in the order they
    /// were made, and each goes before the first content drawn after its own first content
    /// (one with no content goes as soon as the one before it has).
    fn merge(
        &mut self,
        own: Vec<(usize, Node)>,
        kids: &[usize],
        content: &mut [Vec<(usize, Node)>],
    ) -> Vec<Node> {
        let mut out = Vec::with_capacity(own.len() + kids.len());
        let mut own = own.into_iter().peekable();
        let mut kids = kids.iter().peekable();
        loop {
            let take_kid = match (kids.peek(), own.peek()) {
                (Some(&&kid), Some((at, _))) => self.first[kid].is_none_or(|f| f < *at),
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            if take_kid {
                if let Some(node) = kids.next().and_then(|&kid| self.build(kid, content)) {
                    out.push(node);
                }
            } else if let Some((_, node)) = own.next() {
                out.push(node);
            }
        }
        out
    }

    /// A node's group, or `None` for one with nothing in it (empty table cells stay, so
    /// rows keep their columns).
    fn build(&mut self, i: usize, content: &mut [Vec<(usize, Node)>]) -> Option<Node> {
        let kind = &self.structure[i].kind;
        let own = std::mem::take(&mut content[i]);
        let kids = self.children;
        let children = self.merge(own, &kids[i], content);
        let table_part = matches!(
            kind,
            StructKind::TableRow | StructKind::TableHeader | StructKind::TableCell
        );
        if children.is_empty() && !table_part {
            return None;
        }
        // No heading is more than one level below the one before it, in reading order.
        let heading = match kind {
            StructKind::Heading { level, .. } => {
                let level = u16::from(*level).clamp(1, self.last_level + 1).min(6);
                self.last_level = level;
                Some(level)
            }
            _ => None,
        };
        let tag: TagKind = match kind {
            // An article in another language than the document's says so (/Lang).
            StructKind::Article { lang } => Tag::Article
                .with_lang((lang.as_str() != self.language).then(|| lang.clone()))
                .into(),
            StructKind::Paragraph => Tag::P.into(),
            StructKind::Heading { title, .. } => {
                let level = NonZeroU16::new(heading.unwrap_or(1)).unwrap_or(NonZeroU16::MIN);
                let title = title.trim();
                Tag::Hn(level, (!title.is_empty()).then(|| title.to_owned())).into()
            }
            // A figure whose image is not drawn as content (it has no description, or it
            // could not be embedded) keeps its caption in a plain group.
            StructKind::Figure { alt } if self.has_image[i] && !alt.trim().is_empty() => {
                Tag::Figure(Some(alt.trim().to_owned())).into()
            }
            StructKind::Figure { .. } => Tag::Div.into(),
            StructKind::Caption => Tag::Caption.into(),
            StructKind::List { ordered } => Tag::L(if *ordered {
                ListNumbering::Decimal
            } else {
                ListNumbering::Disc
            })
            .into(),
            StructKind::ListItem => Tag::LI.into(),
            StructKind::ListLabel => Tag::Lbl.into(),
            StructKind::ListBody => Tag::LBody.into(),
            StructKind::Table => Tag::Table.into(),
            StructKind::TableRow => Tag::TR.into(),
            StructKind::TableHeader => Tag::TH(TableHeaderScope::Column).into(),
            StructKind::TableCell => Tag::TD.into(),
            // PDF 1.7 has no `Aside`: a fact box is a group of its own.
            StructKind::Aside => Tag::Div.into(),
            StructKind::BlockQuote => Tag::BlockQuote.into(),
            // krilla gives every `Note` the identifier PDF/UA asks for.
            StructKind::Note => Tag::Note.into(),
            StructKind::Contents => Tag::TOC.into(),
            StructKind::ContentsItem => Tag::TOCI.into(),
        };
        Some(TagGroup::with_children(tag, children).into())
    }
}

/// The outline, nested as composition made it. krilla needs a destination on every entry;
/// one past the last page points at the last page.
fn build_outline(entries: &[OutlineEntry], page_count: usize, left: f32) -> Option<Outline> {
    let last_page = page_count.checked_sub(1)?;
    if entries.is_empty() {
        return None;
    }
    let mut outline = Outline::new();
    for entry in entries {
        outline.push_child(build_outline_node(entry, last_page, left));
    }
    Some(outline)
}

fn build_outline_node(entry: &OutlineEntry, last_page: usize, left: f32) -> OutlineNode {
    let destination = XyzDestination::new(entry.page.min(last_page), Point::from_xy(left, entry.y));
    let mut node = OutlineNode::new(entry.title.clone(), destination);
    for child in &entry.children {
        node.push_child(build_outline_node(child, last_page, left));
    }
    node
}

/// The document metadata: title, authors, description, language, creator and producer, one
/// date, and a document identifier from the content.
fn build_metadata(document: &Composed<'_>, info: &Info) -> Metadata {
    let date = info.created.as_ref().unwrap_or(&FIXED_DATE);
    let date = PdfDateTime::new(u16::try_from(date.year()).unwrap_or(2000))
        .month(date.month() as u8)
        .day(date.day() as u8)
        .hour(date.hour() as u8)
        .minute(date.minute() as u8)
        .second(date.second() as u8)
        .utc_offset_hour(0)
        .utc_offset_minute(0);
    let mut metadata = Metadata::new()
        .title(info.title.clone())
        .creator("Broadsheet".to_owned())
        .producer(concat!("Broadsheet ", env!("CARGO_PKG_VERSION")).to_owned())
        .language(info.language.tag().to_owned())
        .creation_date(date)
        .document_id(content_id(document, info));
    if !info.author.is_empty() {
        // One string, joined as the language joins names, as `write` gives `/Author`.
        metadata = metadata.authors(vec![info.author.clone()]);
    }
    if !info.subject.is_empty() {
        metadata = metadata.description(info.subject.clone());
    }
    metadata
}

/// A name-based UUID of what the document shows: the same content, the same identifier.
/// The content (tens of kilobytes of glyphs and positions) is digested with SipHash-1-3,
/// a 128-bit hash several times faster than the SHA-1 a version-5 UUID applies, which then
/// only sees the digest.
fn content_id(document: &Composed<'_>, info: &Info) -> String {
    let mut source: Vec<u8> = Vec::with_capacity(64 * 1024);
    source.extend_from_slice(info.title.as_bytes());
    let number = |source: &mut Vec<u8>, v: f32| source.extend_from_slice(&v.to_le_bytes());
    for page in &document.pages {
        source.push(0xFF);
        for element in page.elements.iter().chain(&page.furniture) {
            match element {
                Element::Line { x, baseline, line } => {
                    source.push(1);
                    number(&mut source, *x);
                    number(&mut source, *baseline);
                    for run in &line.runs {
                        source.extend_from_slice(run.font.postscript_name().as_bytes());
                        number(&mut source, run.size);
                        for glyph in &run.glyphs {
                            source.extend_from_slice(&glyph.glyph_id.to_le_bytes());
                            number(&mut source, glyph.x);
                            source.extend_from_slice(glyph.text.as_bytes());
                        }
                    }
                }
                Element::Rule {
                    x,
                    y,
                    width,
                    thickness,
                } => {
                    source.push(2);
                    for v in [x, y, width, thickness] {
                        number(&mut source, *v);
                    }
                }
                Element::Image { index, x, y, .. } => {
                    source.push(3);
                    source.extend_from_slice(&index.to_le_bytes());
                    number(&mut source, *x);
                    number(&mut source, *y);
                }
            }
        }
        for link in &page.links {
            match &link.target {
                Target::Uri(url) => source.extend_from_slice(url.as_bytes()),
                Target::Internal { page, .. } => source.extend_from_slice(&page.to_le_bytes()),
            }
        }
    }
    for image in &document.images {
        source.extend_from_slice(&image.data.len().to_le_bytes());
        source.extend_from_slice(image.alt_text.as_bytes());
    }
    let mut digest = siphasher::sip128::SipHasher13::new();
    std::hash::Hasher::write(&mut digest, &source);
    let digest = siphasher::sip128::Hasher128::finish128(&digest).as_bytes();
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, &digest).to_string()
}

/// The krilla font for a face: made once per process, with its hinting stripped, and shared
/// (fonts are immutable; cloning one is cheap). `None` for data krilla cannot read.
fn font(id: FontId) -> Option<Font> {
    static FONTS: LazyLock<Mutex<HashMap<FontId, Option<Font>>>> =
        LazyLock::new(|| Mutex::new(HashMap::new()));
    let mut fonts = FONTS.lock().unwrap_or_else(PoisonError::into_inner);
    fonts
        .entry(id)
        .or_insert_with(|| {
            let data = id.data();
            // Collections keep their hinting: `unhint` reads single fonts only.
            let stripped = (id.face_index() == 0 && !data.starts_with(b"ttcf"))
                .then(|| super::unhint::strip(data))
                .flatten();
            match stripped {
                Some(bytes) => Font::new(bytes.into(), 0),
                None => Font::new(data.into(), id.face_index()),
            }
        })
        .clone()
}

/// A krilla error as a message a user can act on.
fn describe_error(error: &KrillaError) -> String {
    match error {
        KrillaError::Font(_, message) => format!("a font could not be embedded: {message}"),
        KrillaError::Validation(errors) => {
            let reasons: Vec<String> = errors
                .iter()
                .map(|(error, _)| describe_validation(error))
                .collect();
            format!("{NOT_CONFORMING}: {}", reasons.join("; "))
        }
        KrillaError::Image(_, _, message) => format!("an image could not be embedded: {message}"),
        other => format!("the PDF could not be written: {other}"),
    }
}

fn describe_validation(error: &ValidationError) -> String {
    format!("{error:?}")
}

#[cfg(test)]
mod tests;
