//! Writing the laid-out pages as PDF with krilla: the same document [`super::write`] makes
//! with `pdf-writer`, from the same [`Composed`] input, with krilla owning fonts, subsetting,
//! images, tagging and the PDF/UA rules.
//!
//! The converter follows typst-pdf's shape: [`write_with`] is the driver and holds the
//! document-wide state in a `GlobalContext`; `handle_page` walks a page, `draw_line` and
//! `handle_run`, `handle_rule` and `handle_image` turn one element into surface calls,
//! `handle_links` adds a page's link annotations, and `build_outline`, `build_metadata` and
//! `build_tag_tree` make the document-level parts. Fonts are made once per process and face (with their hinting
//! stripped, see [`super::unhint`]) and shared by every document.
//!
//! Tagging is flat for now: every line is a paragraph (`P`), images with a description are
//! figures, rules and the page furniture are artifacts, and each link annotation sits in a
//! `Link` element with the text it covers. Composition does not yet say which lines form a
//! heading, a list or a table; when it does, `build_tag_tree` is the one place that changes.
//!
//! Output is deterministic: the document identifier is a hash of the content, and the dates
//! come from the request (or the fixed date), never the clock.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex, PoisonError};

use chrono::{DateTime, Datelike, Timelike, Utc};
use krilla::Document;
use krilla::SerializeSettings;
use krilla::action::{Action, LinkAction};
use krilla::annotation::{Annotation, LinkAnnotation, Target as LinkTarget};
use krilla::configure::{Accessibility, ConfigurationBuilder, ValidationError};
use krilla::destination::XyzDestination;
use krilla::error::KrillaError;
use krilla::geom::{PathBuilder, Point, Quadrilateral, Rect, Size, Transform};
use krilla::image::{BitsPerComponent, CustomImage, ImageColorspace};
use krilla::metadata::{DateTime as PdfDateTime, Metadata};
use krilla::outline::{Outline, OutlineNode};
use krilla::page::PageSettings;
use krilla::surface::Surface;
use krilla::tagging::{
    Artifact, ArtifactType, ContentTag, Identifier, Node, SpanTag, Tag, TagGroup, TagTree,
};
use krilla::text::{Font, GlyphId, KrillaGlyph};

use super::flow::{Composed, Element, Link, OutlineEntry, Page, Target};
use crate::layout::{FontId, GlyphRun, SetLine};
use crate::model::{Article, Collection, Image, ImageFormat, Language};
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
}

impl Default for Options {
    fn default() -> Self {
        Options {
            tagged: true,
            pdf_ua: false,
        }
    }
}

/// Writes the document with the default [`Options`].
pub(super) fn write(
    document: &Composed<'_>,
    info: &Info,
    warnings: &mut Vec<String>,
) -> Result<Vec<u8>, String> {
    write_with(document, info, warnings, Options::default())
}

/// Writes the document.
pub(super) fn write_with(
    document: &Composed<'_>,
    info: &Info,
    warnings: &mut Vec<String>,
    options: Options,
) -> Result<Vec<u8>, String> {
    let tagged = options.tagged || options.pdf_ua;
    let mut settings = SerializeSettings {
        enable_tagging: tagged,
        ..SerializeSettings::default()
    };
    if options.pdf_ua {
        settings.configuration = ConfigurationBuilder::new()
            .with_accessibility_validator(Accessibility::UA1)
            .finish()
            .map_err(|e| format!("the PDF/UA-1 configuration was refused: {e:?}"))?;
    }
    let mut pdf = Document::new_with(settings);
    let page_count = document.pages.len();
    let gc = GlobalContext {
        document,
        images: prepare_images(&document.images, warnings),
        tagged,
    };
    let mut tree = TagTree::new().with_lang(Some(info.language.tag().to_owned()));
    for page in &document.pages {
        let (width, height) = (document.options.page_width, document.options.page_height);
        let settings = PageSettings::from_wh(width, height)
            .ok_or_else(|| format!("the page size {width} × {height} is not valid"))?;
        let mut pdf_page = pdf.start_page_with(settings);
        let nodes = handle_page(&gc, &mut pdf_page.surface(), page)?;
        let annotations = handle_links(&gc, &mut pdf_page, &page.links);
        pdf_page.finish();
        if tagged {
            build_tag_tree(&mut tree, nodes, annotations);
        }
    }

    if let Some(outline) = build_outline(&document.outline, page_count, document.options.margin) {
        pdf.set_outline(outline);
    }
    pdf.set_metadata(build_metadata(document, info));
    if tagged {
        pdf.set_tag_tree(tree);
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
/// the structure tree.
fn handle_page(
    gc: &GlobalContext<'_>,
    surface: &mut Surface<'_>,
    page: &Page,
) -> Result<Vec<Pending>, String> {
    let claims = claim_links(&page.elements, &page.links);
    let mut nodes = Vec::new();
    for (at, element) in page.elements.iter().enumerate() {
        match element {
            Element::Line { x, baseline, line } => {
                let links: Vec<(usize, f32, f32)> = claims
                    .iter()
                    .enumerate()
                    .filter(|(_, claim)| **claim == Some(at))
                    .filter_map(|(k, _)| page.links.get(k).map(|l| (k, l.rect[0], l.rect[2])))
                    .collect();
                let segments = draw_line(surface, *x, *baseline, line, &links, true)?;
                if !segments.is_empty() {
                    nodes.push(Pending::Paragraph(segments));
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
                let alt = gc
                    .document
                    .images
                    .get(*index)
                    .map(|i| i.alt_text.trim())
                    .unwrap_or_default();
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
                    nodes.push(Pending::Figure(alt.to_owned(), id));
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
    Ok(nodes)
}

/// What a page contributes to the structure tree, in reading order, once its annotations
/// exist.
enum Pending {
    /// A line: its stretches of text, each with the link (an index into the page's links)
    /// it belongs to, if any.
    Paragraph(Vec<(Option<usize>, Identifier)>),
    /// A described image.
    Figure(String, Identifier),
}

/// Which line of the page each link covers: the first line in reading order whose baseline
/// lies inside the link's area and whose extent overlaps it. Links over no line (none are
/// made today) stay unclaimed and are tagged on their own.
fn claim_links(elements: &[Element], links: &[Link]) -> Vec<Option<usize>> {
    links
        .iter()
        .map(|link| {
            let [x0, top, x1, bottom] = link.rect;
            elements.iter().position(|element| match element {
                Element::Line { x, baseline, line } => {
                    *baseline >= top && *baseline <= bottom && x0 < x + line.width && x1 > *x
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
                    _ => pieces.push((run, vec![i])),
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
    let glyphs: Vec<&crate::layout::SetGlyph> =
        indices.iter().filter_map(|&i| run.glyphs.get(i)).collect();
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
    let mut text = String::new();
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

/// Adds a page's content to the structure tree, in reading order: each line a paragraph,
/// each link inside it a `Link` element holding its annotation and its text.
fn build_tag_tree(
    tree: &mut TagTree,
    nodes: Vec<Pending>,
    mut annotations: Vec<Option<Identifier>>,
) {
    for node in nodes {
        match node {
            Pending::Figure(alt, id) => {
                tree.push(TagGroup::with_children(
                    Tag::Figure(Some(alt)),
                    vec![id.into()],
                ));
            }
            Pending::Paragraph(segments) => {
                let mut children: Vec<Node> = Vec::with_capacity(segments.len());
                for (link, id) in segments {
                    match link
                        .and_then(|k| annotations.get_mut(k))
                        .and_then(Option::take)
                    {
                        Some(annotation) => children.push(
                            TagGroup::with_children(Tag::Link, vec![annotation.into(), id.into()])
                                .into(),
                        ),
                        None => children.push(id.into()),
                    }
                }
                tree.push(TagGroup::with_children(Tag::P, children));
            }
        }
    }
    // Links no line claimed, or whose line drew nothing: each identifier needs one parent.
    for annotation in annotations.into_iter().flatten() {
        tree.push(TagGroup::with_children(Tag::Link, vec![annotation.into()]));
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
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, &source).to_string()
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
            format!(
                "the PDF does not conform to the standard asked for: {}",
                reasons.join("; ")
            )
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
