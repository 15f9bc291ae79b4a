//! The HTML renderer (`html`): one self-contained HTML5 page per document, valid under the
//! Nu Html Checker and free of axe-core violations.
//!
//! Self-contained means the page loads nothing: the stylesheet is inline, every image is a
//! `data:` URI of the bytes the request brought, and no font, script or stylesheet is linked.
//! The only `<script>` is schema.org JSON-LD, data that nothing executes.
//!
//! The page carries no Content-Security-Policy `<meta>`, though `default-src 'none';
//! img-src data:; style-src 'unsafe-inline'` is exactly what it needs: the Nu Html Checker
//! (26.9) warns that such a policy blocks the `data:` images and the JSON-LD, wrongly (a
//! data block is never subject to `script-src`), and the page must check clean. Whoever
//! serves the page should send that policy as a header.
//!
//! The article itself is written by [`markup`], the writer the EPUB's content documents
//! use too, in its HTML flavour. A collection becomes one page: a masthead (the banner,
//! holding the page's `h1`), a contents `nav` grouped by section, then every article under
//! an `h2` headline in `<main>`, each with an id the contents link to.

pub(super) mod markup;
mod meta;

use std::fmt::Write as _;
use std::time::Instant;

use base64::Engine as _;

use self::markup::{
    Flavor, ImageRefs, Target, body_figures, dir_attribute, escaped, iso, text_element,
    write_article, write_contents_list,
};
use super::{RenderContext, RenderError, Rendered, Renderer};
use crate::model::{Article, Collection, Document, Image};
use crate::typography::{Term, article_count, format_date, section_groups, term};

/// The HTML renderer. It needs no resources: fonts are the reader's, images are inline.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct HtmlRenderer;

impl Renderer for HtmlRenderer {
    fn id(&self) -> &'static str {
        "html"
    }

    fn media_type(&self) -> &'static str {
        "text/html; charset=utf-8"
    }

    fn extension(&self) -> &'static str {
        "html"
    }

    fn description(&self) -> &'static str {
        "one self-contained HTML5 page with no script: inline styles for screen and print, light and dark, images inline, Open Graph and schema.org metadata; a collection becomes one page with a contents list"
    }

    fn render(&self, cx: &RenderContext<'_>) -> Result<Rendered, RenderError> {
        let mut out = String::with_capacity(
            cx.document.word_count() * 8 + STYLESHEET.len() + images_size(cx.document) + 8192,
        );
        match cx.document {
            Document::Article(article) => article_page(&mut out, article),
            Document::Collection(collection) => collection_page(&mut out, collection, cx.deadline)?,
        }
        Ok(Rendered::new(out.into_bytes(), 0))
    }
}

/// The stylesheet, inline in every page.
const STYLESHEET: &str = include_str!("style.css");

/// A `data:` URI of an image's bytes, in the format they are in: every browser shows PNG,
/// JPEG, GIF and WebP, so nothing is re-encoded.
fn data_uri(image: &Image) -> String {
    let prefix = format!("data:{};base64,", image.format.media_type());
    let mut uri = String::with_capacity(prefix.len() + image.data.len().div_ceil(3) * 4);
    uri.push_str(&prefix);
    base64::engine::general_purpose::STANDARD.encode_string(&image.data, &mut uri);
    uri
}

/// Roughly how many bytes the document's images take as `data:` URIs, to size the page.
fn images_size(document: &Document) -> usize {
    let article = |a: &Article| -> usize {
        a.lead_figure
            .iter()
            .chain(body_figures(a))
            .map(|f| f.image.data.len() / 3 * 4 + 64)
            .sum()
    };
    match document {
        Document::Article(a) => article(a),
        Document::Collection(c) => c.articles.iter().map(article).sum(),
    }
}

/// Writes an article with its images inline.
fn write_with_images(out: &mut String, article: &Article, target: &Target<'_>) {
    let lead = article.lead_figure.as_ref().map(|f| data_uri(&f.image));
    let body: Vec<Option<String>> = body_figures(article)
        .map(|f| Some(data_uri(&f.image)))
        .collect();
    let refs = ImageRefs {
        lead: lead.as_deref(),
        body: &body,
    };
    write_article(out, article, &refs, target);
}

/// Opens the page up to and including `<body>`: the document's metadata, then the
/// stylesheet. The empty `data:` icon keeps a browser from asking the page's server for
/// `/favicon.ico`, the one request a page with no links to anything would still make.
fn open_page(out: &mut String, head: &meta::Head<'_>) {
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html {}>\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"referrer\" content=\"no-referrer\">\n<meta name=\"color-scheme\" content=\"light dark\">\n<link rel=\"icon\" href=\"data:,\">\n",
        Flavor::Html.lang_attributes(head.language)
    );
    meta::write_head(out, head);
    out.push_str("<style>\n");
    out.push_str(STYLESHEET);
    out.push_str("</style>\n</head>\n<body>\n");
}

/// Closes what [`open_page`] opened.
fn close_page(out: &mut String) {
    out.push_str("</body>\n</html>\n");
}

/// A single article: its page holds it alone, under its `h1`, as the page's main content.
fn article_page(out: &mut String, article: &Article) {
    open_page(out, &meta::Head::article(article));
    out.push_str("<main>\n");
    let target = Target {
        flavor: Flavor::Html,
        id: "",
        headline_level: 1,
    };
    write_with_images(out, article, &target);
    out.push_str("</main>\n");
    close_page(out);
}

/// The id of the article at `index` in a collection, which the contents link to.
fn article_id(index: usize) -> String {
    format!("article-{}", index + 1)
}

/// A collection: the masthead, the contents, then every article in reading order.
///
/// Stops at the caller's deadline between articles, since a page of 2,000 articles is work.
fn collection_page(
    out: &mut String,
    collection: &Collection,
    deadline: Option<Instant>,
) -> Result<(), RenderError> {
    let ids: Vec<String> = (0..collection.articles.len()).map(article_id).collect();
    open_page(out, &meta::Head::collection(collection, &ids));
    write_masthead(out, collection);
    write_contents(out, collection, &ids);
    out.push_str("<main>\n");
    let back = escaped(term(&collection.language, Term::Contents));
    for (article, id) in collection.articles.iter().zip(&ids) {
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Err(RenderError::DeadlineExceeded {
                format: "html".to_owned(),
            });
        }
        let target = Target {
            flavor: Flavor::Html,
            id,
            headline_level: 2,
        };
        write_with_images(out, article, &target);
        let _ = writeln!(
            out,
            "<p class=\"to-contents\"><a href=\"#contents\">{back}</a></p>"
        );
    }
    out.push_str("</main>\n");
    close_page(out);
    Ok(())
}

/// The masthead of a collection, the page's banner: publisher, title (the page's `h1`),
/// subtitle, then the date and the number of articles.
fn write_masthead(out: &mut String, collection: &Collection) {
    let rtl = collection.language.is_rtl();
    out.push_str("<header class=\"masthead\">\n");
    if !collection.publisher.is_empty() {
        text_element(out, "p", "masthead-publisher", &collection.publisher, rtl);
    }
    text_element(out, "h1", "masthead-title", &collection.title, rtl);
    if !collection.subtitle.is_empty() {
        text_element(out, "p", "masthead-subtitle", &collection.subtitle, rtl);
    }
    let size = article_count(&collection.language, collection.articles.len());
    match &collection.date {
        Some(date) => {
            let text = format_date(date, &collection.language);
            let _ = writeln!(
                out,
                "<p class=\"masthead-meta\"{}><time datetime=\"{}\">{}</time> · {}</p>",
                dir_attribute(&format!("{text} · {size}"), rtl),
                iso(date),
                escaped(&text),
                escaped(&size)
            );
        }
        None => text_element(out, "p", "masthead-meta", &size, rtl),
    }
    out.push_str("</header>\n");
}

/// The contents of a collection, a `nav` holding the entries the EPUB's contents page has
/// (grouped by section, each linking to its article), under an `h2` between the masthead's
/// `h1` and the sections' `h3`s.
fn write_contents(out: &mut String, collection: &Collection, ids: &[String]) {
    let language = &collection.language;
    let rtl = language.is_rtl();
    let contents = term(language, Term::Contents);
    let _ = writeln!(
        out,
        "<nav class=\"contents\" id=\"contents\" aria-label=\"{}\">",
        escaped(contents)
    );
    text_element(out, "h2", "", contents, rtl);
    let groups = section_groups(&collection.articles);
    write_contents_list(
        out,
        &groups,
        3,
        |index| format!("#{}", ids[index]),
        rtl,
        Flavor::Html,
    );
    out.push_str("</nav>\n");
}

#[cfg(test)]
mod tests;
