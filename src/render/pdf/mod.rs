//! The PDF renderer (`pdf`): print-ready pages set like a newspaper's.
//!
//! Text goes through the shared engine in [`crate::layout`]: shaping, fallback, bidi,
//! hyphenation by the article's language and total-fit justification. [`flow`] puts the set
//! lines on pages; [`write`] turns the pages into PDF with `pdf-writer`, embedding subsets of
//! the fonts.
//!
//! An article reads: publication and section, headline, summary, byline, dateline and dates,
//! the lead figure, the body, the credits line, similar articles and the copyright. A
//! collection becomes a briefing: a cover, a contents page whose page numbers are those the
//! articles really start on (the articles are laid out first, the contents pages after, and
//! their number is known in advance), then the articles. Every page but the cover has a
//! page-number footer; pages after an article's first carry a running head.
//!
//! Why `pdf-writer` and not `printpdf` 0.12.8: printpdf names fonts, images and bookmarks
//! from a process-wide counter (`utils::random_character_string_32`), so the second render of
//! the same request in one process gives different bytes; and it sorts bookmarks by page and
//! name into one flat list, so an outline can neither nest nor keep document order. Typst's
//! `pdf-writer` writes exactly the objects asked for, deterministically.

mod ahead;
mod flow;
mod furniture;
// Image sniffing for the earlier writer, which the tests still compare with.
#[cfg(test)]
mod images;
mod krilla;
mod table;
mod unhint;
// The earlier pdf-writer writer, kept for the tests that compare the krilla output with it.
#[cfg(test)]
mod write;

use self::ahead::Ahead;
use self::flow::{Align, Flow, Mark, OutlineEntry, StructKind};
use super::{RenderContext, RenderError, Rendered, Renderer};
use crate::layout::{
    FontId, FontLibrary, Run, SetParagraph, Settings, TextStyle, hyphenator, set_paragraph,
};
use crate::model::{
    Article, Block, Collection, Document, Embed, Figure, Language, PdfOptions, Span,
};
use crate::typography::{
    Term, byline, credits_line, format_date, published_text, term, updated_text, uppercase_in,
};

/// The PDF renderer.
#[derive(Debug, Clone, Default)]
pub struct PdfRenderer {
    fonts: FontLibrary,
}

impl PdfRenderer {
    /// A PDF renderer that draws with `fonts`.
    pub fn new(fonts: FontLibrary) -> Self {
        PdfRenderer { fonts }
    }
}

impl Renderer for PdfRenderer {
    fn id(&self) -> &'static str {
        "pdf"
    }

    fn media_type(&self) -> &'static str {
        "application/pdf"
    }

    fn extension(&self) -> &'static str {
        "pdf"
    }

    fn description(&self) -> &'static str {
        "Print-ready PDF: justified, hyphenated text with embedded font subsets, an outline and clickable links; a collection becomes a briefing with a contents page"
    }

    fn warm_up(&self) {
        crate::layout::preload();
    }

    fn render(&self, cx: &RenderContext<'_>) -> Result<Rendered, RenderError> {
        let document = cx.document;
        let options = &cx.options.pdf;
        let ahead = Ahead::new(document, options, &self.fonts, cx.spare_threads);
        let mut flow = Flow::new(options, &self.fonts);
        flow.ahead = ahead.as_ref();
        let info = match &ahead {
            Some(ahead) => ahead.alongside(|| compose(&mut flow, document)),
            None => compose(&mut flow, document),
        };
        let mut warnings = Vec::new();
        if let Some(warning) = crate::typography::missing_glyphs_warning(&flow.missing, "the PDF") {
            warnings.push(warning);
        }
        let page_count = u32::try_from(flow.pages.len()).unwrap_or(u32::MAX);
        let content = krilla::write_conforming(
            &flow.finish(),
            &info,
            &mut warnings,
            krilla::Options::for_pdf(options).with_spare_threads(cx.spare_threads),
        )
        .map_err(|reason| RenderError::failed("pdf", reason))?;
        Ok(Rendered::new(content, page_count).with_warnings(warnings))
    }
}

/// Lays out the whole document: the articles, then the page furniture.
fn compose<'a>(flow: &mut Flow<'a>, document: &'a Document) -> krilla::Info {
    let info = match document {
        Document::Article(article) => {
            let entry = set_article(flow, article, true);
            flow.outline.push(entry);
            krilla::Info::for_article(article)
        }
        Document::Collection(collection) => {
            set_collection(flow, collection);
            krilla::Info::for_collection(collection)
        }
    };
    let running_head = match document {
        Document::Article(article) => &article.headline,
        Document::Collection(collection) => &collection.title,
    };
    furniture::lay_out(flow, running_head);
    info
}

/// The faces for labels: kicker, byline, dateline, headings, captions, page furniture.
/// They are the text's own serif family: a sans would add two more embedded fonts (about
/// 20 KB) to every document for a few dozen glyphs. The sans still stands in, by coverage,
/// for the scripts the serif lacks.
const LABEL: FontId = FontId::SerifRegular;
const LABEL_BOLD: FontId = FontId::SerifBold;
const LABEL_ITALIC: FontId = FontId::SerifItalic;

/// The type sizes and leadings of the document, derived from the body size.
#[derive(Clone, Copy)]
struct Scale {
    body: f32,
}

impl Scale {
    fn leading(self, size: f32) -> f32 {
        size * 1.32
    }
}

/// The font for a span's formatting.
fn span_font(span: &Span, regular: FontId) -> FontId {
    if span.code {
        return FontId::Mono;
    }
    match (regular, span.strong, span.emphasis) {
        (FontId::SerifRegular, true, true) => FontId::SerifBoldItalic,
        (FontId::SerifRegular, true, false) => FontId::SerifBold,
        (FontId::SerifRegular, false, true) => FontId::SerifItalic,
        (FontId::SansRegular, true, _) => FontId::SansBold,
        (FontId::SansRegular, false, true) => FontId::SansOblique,
        (font, _, _) => font,
    }
}

/// Sets a short piece of plain text (a label, a headline, a caption line) ragged and
/// unhyphenated, and places it.
fn label(
    flow: &mut Flow<'_>,
    text: &str,
    font: FontId,
    size: f32,
    leading: f32,
    language: &Language,
    align: Align,
) -> Option<(usize, f32, f32)> {
    let set = set(flow, &plain(text, font, size), language, false, false, 0.0);
    flow.paragraph(set, leading, 0.0, align, 0.0)
}

/// The bold capitals that head a fact box, an embed card or a note, kept in the same
/// column as `keep_with_next` of what follows.
fn heading_label(flow: &mut Flow<'_>, text: &str, size: f32, lang: &Language, keep_with_next: f32) {
    let text = uppercase_in(lang, text);
    let set = set(
        flow,
        &plain(&text, LABEL_BOLD, size),
        lang,
        false,
        false,
        0.0,
    );
    flow.paragraph(set, size * 1.32, 0.0, start(lang), keep_with_next);
}

/// Sets text in a style at the flow's current measure (less `indent`).
fn set(
    flow: &Flow<'_>,
    runs: &[Run<'_>],
    language: &Language,
    justify: bool,
    hyphenate: bool,
    indent: f32,
) -> SetParagraph {
    set_to(
        flow.options,
        flow.fonts,
        runs,
        language,
        justify,
        hyphenate,
        flow.measure() - indent,
    )
}

/// [`set`], to a given measure.
fn set_to(
    options: &PdfOptions,
    fonts: &FontLibrary,
    runs: &[Run<'_>],
    language: &Language,
    justify: bool,
    hyphenate: bool,
    measure: f32,
) -> SetParagraph {
    let hyphenator = if hyphenate && options.hyphenate {
        hyphenator(language)
    } else {
        None
    };
    set_paragraph(
        runs,
        &Settings {
            width: measure.max(20.0),
            justify: justify && options.justify,
            hyphenator,
            rtl: language.is_rtl(),
            fonts,
        },
    )
}

/// A body paragraph set to `measure`: justified, hyphenated, in the body face and size.
fn set_body_paragraph(
    options: &PdfOptions,
    fonts: &FontLibrary,
    spans: &[Span],
    language: &Language,
    measure: f32,
) -> SetParagraph {
    let runs = spans_to_runs(spans, FontId::SerifRegular, options.font_size);
    set_to(options, fonts, &runs, language, true, true, measure)
}

fn plain<'t>(text: &'t str, font: FontId, size: f32) -> [Run<'t>; 1] {
    [Run {
        text,
        style: TextStyle { font, size },
        link: None,
    }]
}

fn spans_to_runs(spans: &[Span], regular: FontId, size: f32) -> Vec<Run<'_>> {
    spans
        .iter()
        .map(|span| Run {
            text: &span.text,
            style: TextStyle {
                font: span_font(span, regular),
                size: if span.code { size * 0.9 } else { size },
            },
            link: span.link.as_deref(),
        })
        .collect()
}

/// The alignment of ragged lines in a language's direction.
fn start(language: &Language) -> Align {
    if language.is_rtl() {
        Align::End
    } else {
        Align::Start
    }
}

/// Sets one article into the flow and returns its outline entry.
fn set_article<'a>(
    flow: &mut Flow<'a>,
    article: &'a Article,
    first_in_document: bool,
) -> OutlineEntry {
    let scale = Scale {
        body: flow.options.font_size,
    };
    let lang = &article.language;
    let body = scale.body;
    let entry_page = flow.page();
    let entry_y = flow.y();
    if first_in_document {
        flow.plain_pages.push(flow.page());
    }
    let article_node = flow.open(StructKind::Article {
        lang: article.language.tag().to_owned(),
    });
    flow.heading_level = 1;

    // The head, across the full width.
    flow.set_full_width(true);
    let kicker: Vec<&str> = [article.publication.as_str(), article.section.as_str()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect();
    if !kicker.is_empty() {
        let text = kicker.join("  ·  ").to_uppercase();
        let size = body * 0.8;
        label(
            flow,
            &text,
            LABEL_BOLD,
            size,
            scale.leading(size),
            lang,
            start(lang),
        );
        flow.rule(1.0, 1.2, 3.0);
    }
    let size = body * 2.3;
    flow.space(body * 0.4);
    let headline = flow.open(StructKind::Heading {
        level: 1,
        title: article.headline.clone(),
    });
    label(
        flow,
        &article.headline,
        FontId::SerifBold,
        size,
        size * 1.12,
        lang,
        start(lang),
    );
    flow.close(headline);
    if !article.summary.is_empty() {
        let size = body * 1.2;
        flow.space(body * 0.5);
        label(
            flow,
            &article.summary,
            FontId::SerifItalic,
            size,
            scale.leading(size),
            lang,
            start(lang),
        );
    }
    let size = body * 0.8;
    flow.space(body * 0.6);
    if let Some(byline) = byline(article) {
        label(
            flow,
            &byline,
            LABEL_BOLD,
            size,
            scale.leading(size),
            lang,
            start(lang),
        );
    }
    let dateline: Vec<String> = [
        (!article.dateline.is_empty()).then(|| article.dateline.clone()),
        published_text(article),
        updated_text(article),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !dateline.is_empty() {
        let text = dateline.join("  ·  ");
        label(
            flow,
            &text,
            LABEL,
            size,
            scale.leading(size),
            lang,
            start(lang),
        );
    }
    flow.rule(1.0, 0.5, body * 0.5);
    if let Some(figure) = &article.lead_figure {
        set_figure(flow, figure, article, scale, 0.45);
    }
    flow.set_full_width(false);

    // Notes that frame the story come first, under the byline.
    set_notes(flow, article, scale, true);

    // The body, in columns.
    let mut headings = Vec::new();
    for block in &article.body {
        set_block(flow, block, article, scale, &mut headings);
    }
    set_notes(flow, article, scale, false);

    // The foot.
    if let Some(credits) = credits_line(article) {
        let size = body * 0.9;
        let set = set(
            flow,
            &plain(&credits, FontId::SerifItalic, size),
            lang,
            true,
            true,
            0.0,
        );
        flow.space(body * 1.0);
        flow.paragraph(set, scale.leading(size), 0.0, start(lang), 0.0);
    }
    if !article.related.is_empty() {
        flow.rule(1.0, 0.5, body * 0.8);
        let size = body * 0.8;
        let heading = uppercase_in(lang, term(lang, Term::SimilarArticles));
        let set_heading = set(
            flow,
            &plain(&heading, LABEL_BOLD, size),
            lang,
            false,
            false,
            0.0,
        );
        flow.paragraph(
            set_heading,
            scale.leading(size),
            0.0,
            start(lang),
            scale.leading(body) * 2.0,
        );
        for related in &article.related {
            let runs = [Run {
                text: &related.title,
                style: TextStyle {
                    font: FontId::SerifBold,
                    size: body * 0.95,
                },
                link: related.url.as_deref(),
            }];
            let title = set(flow, &runs, lang, false, false, 0.0);
            flow.space(body * 0.3);
            flow.paragraph(title, scale.leading(body * 0.95), 0.0, start(lang), 0.0);
            if !related.summary.is_empty() {
                let size = body * 0.85;
                label(
                    flow,
                    &related.summary,
                    FontId::SerifRegular,
                    size,
                    scale.leading(size),
                    lang,
                    start(lang),
                );
            }
            if let Some(url) = &related.url {
                let size = body * 0.7;
                let runs = [Run {
                    text: url,
                    style: TextStyle { font: LABEL, size },
                    link: Some(url),
                }];
                let set = set(flow, &runs, lang, false, false, 0.0);
                flow.paragraph(set, scale.leading(size), 0.0, start(lang), 0.0);
            }
        }
    }
    if !article.copyright.is_empty() {
        let size = body * 0.75;
        flow.space(body * 1.0);
        label(
            flow,
            &article.copyright,
            LABEL,
            size,
            scale.leading(size),
            lang,
            start(lang),
        );
    }

    flow.close(article_node);
    OutlineEntry {
        title: article.headline.clone(),
        page: entry_page,
        y: entry_y,
        children: headings,
    }
}

/// Sets one body block into the flow; headings are added to `headings` for the outline.
fn set_block<'a>(
    flow: &mut Flow<'a>,
    block: &'a Block,
    article: &'a Article,
    scale: Scale,
    headings: &mut Vec<OutlineEntry>,
) {
    let lang = &article.language;
    let body = scale.body;
    match block {
        Block::Paragraph(spans) => {
            let measure = flow.measure();
            let set = match flow.ahead.and_then(|ahead| ahead.get(block, measure)) {
                Some(set) => set,
                None => set_body_paragraph(flow.options, flow.fonts, spans, lang, measure),
            };
            flow.space(body * 0.45);
            flow.paragraph(set, scale.leading(body), 0.0, start(lang), 0.0);
        }
        Block::Heading { level, spans } => {
            let size = if *level == 1 {
                body * 1.25
            } else {
                body * 1.08
            };
            let runs = spans_to_runs(spans, LABEL_BOLD, size);
            let set = set(flow, &runs, lang, false, false, 0.0);
            flow.space(body * 1.1);
            // Body headings sit under the headline's H1, and never skip a level.
            let tag_level = (level + 1).clamp(2, 6).min(flow.heading_level + 1);
            flow.heading_level = tag_level;
            let node = flow.open(StructKind::Heading {
                level: tag_level,
                title: crate::model::heading_label(spans),
            });
            // Keep the heading with at least two lines of what follows.
            let placed = flow.paragraph(
                set,
                scale.leading(size),
                0.0,
                start(lang),
                scale.leading(body) * 2.0 + body * 0.45,
            );
            flow.close(node);
            if let Some((page, _, baseline)) = placed {
                let title = crate::model::heading_label(spans);
                headings.push(OutlineEntry {
                    title,
                    page,
                    y: baseline - size,
                    children: Vec::new(),
                });
            }
        }
        Block::Quote {
            paragraphs,
            attribution,
        } => {
            let size = body * 1.05;
            let indent = body * 1.5;
            flow.space(body * 0.8);
            let quote = flow.open(StructKind::BlockQuote);
            for paragraph in paragraphs {
                let runs = spans_to_runs(paragraph, FontId::SerifItalic, size);
                let set = set(flow, &runs, lang, true, true, indent * 2.0);
                flow.paragraph(set, scale.leading(size), indent, start(lang), 0.0);
            }
            if !attribution.is_empty() {
                let text = format!("— {attribution}");
                let size = body * 0.8;
                let set = set(
                    flow,
                    &plain(&text, LABEL, size),
                    lang,
                    false,
                    false,
                    indent * 2.0,
                );
                flow.paragraph(set, scale.leading(size), indent, Align::End, 0.0);
            }
            flow.close(quote);
            flow.space(body * 0.4);
        }
        Block::List { ordered, items } => {
            flow.space(body * 0.45);
            let hang = body * 1.6;
            let list = flow.open(StructKind::List { ordered: *ordered });
            for (i, item) in items.iter().enumerate() {
                let list_item = flow.open(StructKind::ListItem);
                let label_node = flow.node(StructKind::ListLabel);
                let list_body = flow.open(StructKind::ListBody);
                let marker = if *ordered {
                    format!("{}.", i + 1)
                } else {
                    "•".to_owned()
                };
                let runs = spans_to_runs(item, FontId::SerifRegular, body);
                let set = set(flow, &runs, lang, true, true, hang);
                let marker_set = set_paragraph(
                    &plain(&marker, FontId::SerifRegular, body),
                    &Settings {
                        width: hang,
                        justify: false,
                        hyphenator: None,
                        rtl: false,
                        fonts: flow.fonts,
                    },
                );
                // The marker sits on the item's first line, wherever that landed.
                let placed = flow.paragraph(set, scale.leading(body), hang, start(lang), 0.0);
                flow.close(list_body);
                if let (Some((page, x, baseline)), Some(line)) =
                    (placed, marker_set.lines.into_iter().next())
                {
                    flow.put_marked(page, x - hang, baseline, line, Mark::Node(label_node));
                }
                flow.close(list_item);
            }
            flow.close(list);
        }
        Block::Figure(figure) => set_figure(flow, figure, article, scale, 0.5),
        Block::Preformatted(text) => {
            let size = body * 0.85;
            flow.space(body * 0.6);
            // One paragraph of the structure, however many lines it has.
            let node = flow.open(StructKind::Paragraph);
            for line in text.split('\n') {
                // Keep spaces and tabs: as no-break spaces they are drawn and never
                // broken at; lines wider than the measure break between characters.
                let kept = line.replace('\t', "    ").replace(' ', "\u{a0}");
                let kept = if kept.is_empty() {
                    "\u{a0}".to_owned()
                } else {
                    kept
                };
                label(
                    flow,
                    &kept,
                    FontId::Mono,
                    size,
                    scale.leading(size),
                    lang,
                    Align::Start,
                );
            }
            flow.close(node);
            flow.space(body * 0.4);
        }
        Block::Rule => flow.rule(0.3, 0.6, body * 0.9),
        Block::Table(table) => table::set_table(flow, table, lang, scale),
        Block::Aside(aside) => {
            flow.space(body * 0.9);
            flow.need(scale.leading(body) * 4.0);
            let node = flow.open(StructKind::Aside);
            flow.open_box(body * 0.9, 0.5);
            if !aside.title.is_empty() {
                heading_label(
                    flow,
                    &aside.title,
                    body * 0.95,
                    lang,
                    scale.leading(body) * 2.0,
                );
            }
            for block in &aside.blocks {
                set_block(flow, block, article, scale, headings);
            }
            flow.close_box();
            flow.close(node);
            flow.space(body * 0.6);
        }
        Block::Embed(embed) => set_embed(flow, embed, lang, scale),
    }
}

/// Sets the article's editorial notes that go first (updates, editor's notes: under the
/// byline) or, with `first` false, the rest (corrections, clarifications: after the text),
/// each under the name of its kind and its date.
fn set_notes(flow: &mut Flow<'_>, article: &Article, scale: Scale, first: bool) {
    let lang = &article.language;
    let body = scale.body;
    let notes: Vec<_> = article
        .notes
        .iter()
        .filter(|n| n.kind.goes_first() == first)
        .collect();
    if notes.is_empty() {
        return;
    }
    if !first && !flow.at_top() {
        flow.rule(1.0, 0.5, body * 0.8);
    }
    for note in notes {
        let size = body * 0.85;
        let mut heading = uppercase_in(lang, term(lang, note.kind.into()));
        if let Some(date) = &note.date {
            heading.push_str("  ·  ");
            heading.push_str(&format_date(date, lang));
        }
        flow.space(body * 0.4);
        let node = flow.open(StructKind::Note);
        let set_heading = set(
            flow,
            &plain(&heading, LABEL_BOLD, size * 0.9),
            lang,
            false,
            false,
            0.0,
        );
        flow.paragraph(
            set_heading,
            scale.leading(size * 0.9),
            0.0,
            start(lang),
            scale.leading(size) * 2.0,
        );
        let text = set(
            flow,
            &plain(&note.text, FontId::SerifItalic, size),
            lang,
            true,
            true,
            0.0,
        );
        flow.paragraph(text, scale.leading(size), 0.0, start(lang), 0.0);
        flow.close(node);
    }
    if first {
        flow.rule(1.0, 0.3, body * 0.6);
    }
}

/// Sets an embed as a card: where it is hosted, its title as the link, what it is and its
/// address in full, since a printed page cannot play it.
fn set_embed(flow: &mut Flow<'_>, embed: &Embed, lang: &Language, scale: Scale) {
    let body = scale.body;
    flow.space(body * 0.8);
    flow.need(scale.leading(body) * 4.0);
    let node = flow.open(StructKind::Aside);
    flow.open_box(body * 0.7, 0.4);
    if !embed.provider.is_empty() {
        heading_label(
            flow,
            &embed.provider,
            body * 0.75,
            lang,
            scale.leading(body),
        );
    }
    let title = if embed.title.is_empty() {
        &embed.url
    } else {
        &embed.title
    };
    let runs = [Run {
        text: title,
        style: TextStyle {
            font: FontId::SerifBold,
            size: body,
        },
        link: Some(&embed.url),
    }];
    let set_title = set(flow, &runs, lang, false, false, 0.0);
    flow.paragraph(set_title, scale.leading(body), 0.0, start(lang), 0.0);
    if !embed.description.is_empty() {
        let size = body * 0.9;
        let set = set(
            flow,
            &plain(&embed.description, FontId::SerifRegular, size),
            lang,
            true,
            true,
            0.0,
        );
        flow.paragraph(set, scale.leading(size), 0.0, start(lang), 0.0);
    }
    let size = body * 0.75;
    let runs = [Run {
        text: &embed.url,
        style: TextStyle { font: LABEL, size },
        link: Some(&embed.url),
    }];
    let set_url = set(flow, &runs, lang, false, false, 0.0);
    flow.paragraph(set_url, scale.leading(size), 0.0, Align::Start, 0.0);
    flow.close_box();
    flow.close(node);
    flow.space(body * 0.6);
}

fn set_figure<'a>(
    flow: &mut Flow<'a>,
    figure: &'a Figure,
    article: &Article,
    scale: Scale,
    max_share: f32,
) {
    let lang = &article.language;
    let body = scale.body;
    let caption_size = body * 0.8;
    let caption = if figure.caption.is_empty() && figure.credit.is_empty() {
        None
    } else {
        let mut runs = Vec::new();
        if !figure.caption.is_empty() {
            runs.push(Run {
                text: &figure.caption,
                style: TextStyle {
                    font: LABEL,
                    size: caption_size,
                },
                link: None,
            });
        }
        if !figure.credit.is_empty() {
            if !figure.caption.is_empty() {
                runs.push(Run {
                    text: " ",
                    style: TextStyle {
                        font: LABEL,
                        size: caption_size,
                    },
                    link: None,
                });
            }
            runs.push(Run {
                text: &figure.credit,
                style: TextStyle {
                    font: LABEL_ITALIC,
                    size: caption_size * 0.95,
                },
                link: None,
            });
        }
        Some(set(flow, &runs, lang, false, false, 0.0))
    };
    flow.space(body * 0.8);
    let caption_height = caption.as_ref().map_or(0.0, |c| {
        c.lines.len() as f32 * scale.leading(caption_size) + body * 0.3
    });
    let max_height = flow.options.page_height * max_share;
    // Keep the picture and its caption together.
    let (w, h) = (figure.image.width as f32, figure.image.height as f32);
    let expected = (flow.measure().min(w * 2.0) * h / w).min(max_height);
    flow.need(expected + caption_height);
    let node = flow.open(StructKind::Figure {
        alt: crate::render::html::markup::alt_text(figure, article),
    });
    flow.image(&figure.image, max_height);
    if let Some(caption) = caption {
        flow.space(body * 0.3);
        let caption_node = flow.open(StructKind::Caption);
        flow.paragraph(caption, scale.leading(caption_size), 0.0, start(lang), 0.0);
        flow.close(caption_node);
    }
    flow.close(node);
    flow.space(body * 0.4);
}

/// Sets a collection as a briefing: cover, contents, articles.
fn set_collection<'a>(flow: &mut Flow<'a>, collection: &'a Collection) {
    let body = flow.options.font_size;
    let scale = Scale { body };
    let lang = &collection.language;

    // The cover.
    flow.plain_pages.push(flow.page());
    flow.cover = true;
    flow.set_full_width(true);
    flow.space(flow.options.page_height * 0.12);
    if !collection.publisher.is_empty() {
        let size = body * 1.1;
        let text = collection.publisher.to_uppercase();
        label(
            flow,
            &text,
            LABEL_BOLD,
            size,
            scale.leading(size),
            lang,
            Align::Center,
        );
        flow.rule(1.0, 2.0, body * 0.6);
    }
    let size = body * 3.2;
    flow.space(body);
    label(
        flow,
        &collection.title,
        FontId::SerifBold,
        size,
        size * 1.1,
        lang,
        Align::Center,
    );
    if !collection.subtitle.is_empty() {
        let size = body * 1.4;
        flow.space(body * 0.6);
        label(
            flow,
            &collection.subtitle,
            FontId::SerifItalic,
            size,
            scale.leading(size),
            lang,
            Align::Center,
        );
    }
    if let Some(date) = &collection.date {
        let size = body * 1.0;
        let text = format_date(date, lang);
        flow.space(body);
        label(
            flow,
            &text,
            LABEL,
            size,
            scale.leading(size),
            lang,
            Align::Center,
        );
    }
    flow.rule(1.0, 0.6, body * 0.6);
    if let Some(cover) = &collection.cover {
        flow.space(body);
        flow.image(cover, flow.options.page_height * 0.4);
    }

    // The contents: set now to know how many pages it takes; drawn after the articles.
    flow.new_page();
    let contents_first = flow.page();
    // The contents node comes before the articles in reading order, though its pages are
    // drawn after them, when their page numbers are known.
    let contents_node = flow.node(StructKind::Contents);
    let entries = contents_entries(flow, collection, scale);
    let offsets = contents_pages(flow, &entries, scale);
    let contents_pages = offsets.last().map_or(1, |last| last + 1);
    for _ in 1..contents_pages {
        flow.new_page();
    }

    // The articles.
    let mut starts = Vec::with_capacity(collection.articles.len());
    for (i, article) in collection.articles.iter().enumerate() {
        if i == 0 || flow.options.article_page_break {
            flow.new_page();
            flow.plain_pages.push(flow.page());
        } else {
            flow.rule(1.0, 1.0, body * 1.5);
        }
        starts.push((flow.page(), flow.y()));
        let entry = set_article(flow, article, false);
        flow.outline.push(entry);
    }

    // Now the page numbers are known: draw the contents.
    flow.reopen(contents_node);
    draw_contents(flow, contents_first, entries, &starts, scale, lang);
    flow.close(contents_node);
}

/// One entry of the contents: the set headline and section, and its height.
struct ContentsEntry {
    headline: SetParagraph,
    section: Option<SetParagraph>,
    height: f32,
}

fn contents_entries(flow: &Flow<'_>, collection: &Collection, scale: Scale) -> Vec<ContentsEntry> {
    let body = scale.body;
    let number_width = body * 4.0;
    collection
        .articles
        .iter()
        .map(|article| {
            let headline = set(
                flow,
                &plain(&article.headline, FontId::SerifBold, body * 1.05),
                &article.language,
                false,
                false,
                number_width,
            );
            let section = (!article.section.is_empty()).then(|| {
                set(
                    flow,
                    &plain(&article.section.to_uppercase(), LABEL, body * 0.75),
                    &article.language,
                    false,
                    false,
                    number_width,
                )
            });
            let height = headline.lines.len() as f32 * scale.leading(body * 1.05)
                + section
                    .as_ref()
                    .map_or(0.0, |s| s.lines.len() as f32 * scale.leading(body * 0.75))
                + body * 0.7;
            ContentsEntry {
                headline,
                section,
                height,
            }
        })
        .collect()
}

/// The height of the contents page's title block.
fn contents_title_height(scale: Scale) -> f32 {
    scale.leading(scale.body * 1.6) + scale.body * 0.8 + 1.0
}

/// Which contents page (counted from the first) each entry goes on. The same split is used
/// to count the pages before the articles are laid out and to draw them after, so the
/// page numbers the articles get are the ones the contents print.
fn contents_pages(flow: &Flow<'_>, entries: &[ContentsEntry], scale: Scale) -> Vec<usize> {
    let frame = flow.frame_height();
    let mut page = 0;
    let mut room = frame - contents_title_height(scale);
    entries
        .iter()
        .map(|entry| {
            // A point to spare per entry keeps rounding from pushing a line over.
            let height = entry.height + 1.0;
            if height > room {
                page += 1;
                room = frame;
            }
            room -= height;
            page
        })
        .collect()
}

fn draw_contents(
    flow: &mut Flow<'_>,
    first_page: usize,
    entries: Vec<ContentsEntry>,
    starts: &[(usize, f32)],
    scale: Scale,
    lang: &Language,
) {
    let body = scale.body;
    let offsets = contents_pages(flow, &entries, scale);
    flow.goto(first_page);
    let size = body * 1.6;
    label(
        flow,
        term(lang, Term::Contents),
        FontId::SerifBold,
        size,
        scale.leading(size),
        lang,
        start(lang),
    );
    flow.rule(1.0, 1.0, body * 0.4);
    let mut page = 0;
    for ((entry, &(start_page, start_y)), &offset) in entries.into_iter().zip(starts).zip(&offsets)
    {
        if offset != page {
            page = offset;
            flow.goto(first_page + page);
        }
        flow.space(body * 0.7);
        let top = flow.y();
        let left = flow.left();
        let width = flow.text_width();
        let item = flow.open(StructKind::ContentsItem);
        if let Some(section) = entry.section {
            flow.paragraph(section, scale.leading(body * 0.75), 0.0, start(lang), 0.0);
        }
        flow.paragraph(
            entry.headline,
            scale.leading(body * 1.05),
            0.0,
            start(lang),
            0.0,
        );
        // The page number, as printed in the footer (1-based), right-aligned on the
        // headline's last line.
        let number = (start_page + 1).to_string();
        let number_set = set_paragraph(
            &plain(&number, FontId::SerifBold, body * 1.05),
            &Settings {
                width: body * 4.0,
                justify: false,
                hyphenator: None,
                rtl: false,
                fonts: flow.fonts,
            },
        );
        if let Some(line) = number_set.lines.into_iter().next() {
            flow.place_at_end(line, scale.leading(body * 1.05));
        }
        flow.close(item);
        let bottom = flow.y();
        flow.link_here([left, top, left + width, bottom], start_page, start_y);
    }
}
