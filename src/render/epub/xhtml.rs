//! XHTML content documents: semantic markup for articles, the title and contents pages of a
//! collection, and the cover page.
//!
//! Every piece of article text goes through [`escape`]; nothing from a request ever becomes
//! markup. Only links the model kept (http, https, mailto) become `<a href>`.

use std::fmt::Write as _;

use chrono::{DateTime, SecondsFormat, Utc};

use crate::model::{Article, Block, Collection, Figure, Language, Span};
use crate::typography::{
    SectionGroup, byline, credits_line, format_date, published_text, updated_text,
};

/// Escapes text for XML character data and attribute values.
pub(super) fn escape(text: &str, out: &mut String) {
    let mut last = 0;
    for (i, byte) in text.bytes().enumerate() {
        let entity = match byte {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.push_str(&text[last..i]);
        out.push_str(entity);
        last = i + 1;
    }
    out.push_str(&text[last..]);
}

/// `escape` into a new string.
pub(super) fn escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape(text, &mut out);
    out
}

/// The `lang`, `xml:lang` and `dir` attributes for a language.
fn lang_attributes(language: &Language) -> String {
    let dir = if language.is_rtl() { "rtl" } else { "ltr" };
    format!(
        r#"lang="{tag}" xml:lang="{tag}" dir="{dir}""#,
        tag = escaped(language.tag())
    )
}

/// Opens an XHTML content document up to and including `<body>`.
pub(super) fn open_document(out: &mut String, title: &str, language: &Language, body_class: &str) {
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE html>\n");
    let _ = write!(
        out,
        "<html xmlns=\"http://www.w3.org/1999/xhtml\" xmlns:epub=\"http://www.idpf.org/2007/ops\" {}>\n<head>\n<meta charset=\"UTF-8\"/>\n<title>",
        lang_attributes(language)
    );
    escape(title, out);
    let _ = write!(
        out,
        "</title>\n<link rel=\"stylesheet\" type=\"text/css\" href=\"style.css\"/>\n</head>\n<body class=\"{body_class}\">\n"
    );
}

/// Closes what [`open_document`] opened.
pub(super) fn close_document(out: &mut String) {
    out.push_str("</body>\n</html>\n");
}

/// The machine-readable form of a timestamp for `<time datetime>` and the OPF.
pub(super) fn iso(time: &DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Where an article's images went in the book, in the order the article uses them.
pub(super) struct ImageRefs<'a> {
    /// The href of the lead figure's image, if the article has one.
    pub(super) lead: Option<&'a str>,
    /// The hrefs of the body's figures, in body order; `None` for an image left out.
    pub(super) body: &'a [Option<String>],
}

/// The id of a body heading, for links from the navigation.
pub(super) fn heading_id(block_index: usize) -> String {
    format!("h-{block_index}")
}

/// Writes one article as an `<article>` element.
pub(super) fn write_article(out: &mut String, article: &Article, images: &ImageRefs<'_>) {
    let _ = writeln!(out, "<article {}>", lang_attributes(&article.language));
    out.push_str("<header>\n");
    let kicker: Vec<&str> = [article.publication.as_str(), article.section.as_str()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect();
    if !kicker.is_empty() {
        out.push_str("<p class=\"kicker\">");
        escape(&kicker.join(" · "), out);
        out.push_str("</p>\n");
    }
    out.push_str("<h1>");
    escape(&article.headline, out);
    out.push_str("</h1>\n");
    if !article.summary.is_empty() {
        out.push_str("<p class=\"standfirst\">");
        escape(&article.summary, out);
        out.push_str("</p>\n");
    }
    if let Some(byline) = byline(article) {
        out.push_str("<p class=\"byline\">");
        escape(&byline, out);
        out.push_str("</p>\n");
    }
    write_dateline(out, article);
    out.push_str("</header>\n");

    if let (Some(figure), Some(href)) = (&article.lead_figure, images.lead) {
        write_figure(out, figure, href, "lead", &article.headline);
    }

    let mut figures = images.body.iter();
    for (index, block) in article.body.iter().enumerate() {
        match block {
            Block::Paragraph(spans) => {
                out.push_str("<p>");
                write_spans(out, spans);
                out.push_str("</p>\n");
            }
            Block::Heading { level, spans } => {
                // The headline is the h1; body headings start at h2.
                let tag = format!("h{}", (level + 1).min(6));
                let _ = write!(out, "<{tag} id=\"{}\">", heading_id(index));
                write_spans(out, spans);
                let _ = writeln!(out, "</{tag}>");
            }
            Block::Quote {
                paragraphs,
                attribution,
            } => {
                out.push_str("<figure class=\"quote\">\n<blockquote>\n");
                for paragraph in paragraphs {
                    out.push_str("<p>");
                    write_spans(out, paragraph);
                    out.push_str("</p>\n");
                }
                out.push_str("</blockquote>\n");
                if !attribution.is_empty() {
                    out.push_str("<figcaption>— ");
                    escape(attribution, out);
                    out.push_str("</figcaption>\n");
                }
                out.push_str("</figure>\n");
            }
            Block::List { ordered, items } => {
                let tag = if *ordered { "ol" } else { "ul" };
                let _ = writeln!(out, "<{tag}>");
                for item in items {
                    out.push_str("<li>");
                    write_spans(out, item);
                    out.push_str("</li>\n");
                }
                let _ = writeln!(out, "</{tag}>");
            }
            Block::Figure(figure) => {
                if let Some(Some(href)) = figures.next() {
                    write_figure(out, figure, href, "figure", &article.headline);
                }
            }
            Block::Preformatted(text) => {
                out.push_str("<pre>");
                escape(text, out);
                out.push_str("</pre>\n");
            }
            Block::Rule => out.push_str("<hr/>\n"),
        }
    }

    let credits = credits_line(article);
    let has_footer =
        credits.is_some() || !article.related.is_empty() || !article.copyright.is_empty();
    if has_footer {
        out.push_str("<footer>\n");
        if let Some(credits) = credits {
            out.push_str("<p class=\"credits\">");
            escape(&credits, out);
            out.push_str("</p>\n");
        }
        if !article.related.is_empty() {
            out.push_str("<section class=\"related\">\n<h2>Similar Articles</h2>\n<ul>\n");
            for related in &article.related {
                out.push_str("<li>");
                match &related.url {
                    Some(url) => {
                        out.push_str("<a href=\"");
                        escape(url, out);
                        out.push_str("\">");
                        escape(&related.title, out);
                        out.push_str("</a>");
                    }
                    None => escape(&related.title, out),
                }
                if !related.summary.is_empty() {
                    out.push_str("<br/><span class=\"related-summary\">");
                    escape(&related.summary, out);
                    out.push_str("</span>");
                }
                out.push_str("</li>\n");
            }
            out.push_str("</ul>\n</section>\n");
        }
        if !article.copyright.is_empty() {
            out.push_str("<p class=\"copyright\">");
            escape(&article.copyright, out);
            out.push_str("</p>\n");
        }
        out.push_str("</footer>\n");
    }
    out.push_str("</article>\n");
}

fn write_dateline(out: &mut String, article: &Article) {
    let mut parts: Vec<String> = Vec::new();
    if !article.dateline.is_empty() {
        parts.push(format!(
            "<span class=\"place\">{}</span>",
            escaped(&article.dateline)
        ));
    }
    if let (Some(time), Some(text)) = (&article.published_at, published_text(article)) {
        parts.push(format!(
            "<time datetime=\"{}\">{}</time>",
            iso(time),
            escaped(&text)
        ));
    }
    if let (Some(time), Some(text)) = (&article.updated_at, updated_text(article)) {
        // "Updated" stays outside the element: only the moment is machine-readable.
        let moment = text.strip_prefix("Updated ").unwrap_or(&text);
        parts.push(format!(
            "Updated <time datetime=\"{}\">{}</time>",
            iso(time),
            escaped(moment)
        ));
    }
    if !parts.is_empty() {
        out.push_str("<p class=\"dateline\">");
        out.push_str(&parts.join(" · "));
        out.push_str("</p>\n");
    }
}

/// The alt text of a figure's image: its own, else the caption, else a description from the
/// article, so that no image is left without one.
pub(super) fn alt_text(figure: &Figure, headline: &str) -> String {
    if !figure.image.alt_text.is_empty() {
        figure.image.alt_text.clone()
    } else if !figure.caption.is_empty() {
        figure.caption.clone()
    } else {
        format!("Illustration for “{headline}”")
    }
}

fn write_figure(out: &mut String, figure: &Figure, href: &str, class: &str, headline: &str) {
    let _ = write!(
        out,
        "<figure class=\"{class}\">\n<img src=\"{href}\" alt=\""
    );
    escape(&alt_text(figure, headline), out);
    out.push_str("\"/>\n");
    if !figure.caption.is_empty() || !figure.credit.is_empty() {
        out.push_str("<figcaption>");
        escape(&figure.caption, out);
        if !figure.credit.is_empty() {
            if !figure.caption.is_empty() {
                out.push(' ');
            }
            out.push_str("<span class=\"credit\">");
            escape(&figure.credit, out);
            out.push_str("</span>");
        }
        out.push_str("</figcaption>\n");
    }
    out.push_str("</figure>\n");
}

/// Writes runs of text with their formatting; a `'\n'` becomes `<br/>`.
fn write_spans(out: &mut String, spans: &[Span]) {
    for span in spans {
        if let Some(url) = &span.link {
            out.push_str("<a href=\"");
            escape(url, out);
            out.push_str("\">");
        }
        let tags: Vec<&str> = [
            (span.strong, "strong"),
            (span.emphasis, "em"),
            (span.code, "code"),
        ]
        .into_iter()
        .filter_map(|(on, tag)| on.then_some(tag))
        .collect();
        for tag in &tags {
            let _ = write!(out, "<{tag}>");
        }
        for (i, line) in span.text.split('\n').enumerate() {
            if i > 0 {
                out.push_str("<br/>");
            }
            escape(line, out);
        }
        for tag in tags.iter().rev() {
            let _ = write!(out, "</{tag}>");
        }
        if span.link.is_some() {
            out.push_str("</a>");
        }
    }
}

/// The title page of a collection.
pub(super) fn title_page(collection: &Collection) -> String {
    let mut out = String::new();
    open_document(
        &mut out,
        &collection.title,
        &collection.language,
        "title-page",
    );
    let _ = writeln!(out, "<section epub:type=\"titlepage\" class=\"titlepage\">");
    out.push_str("<h1 class=\"title\">");
    escape(&collection.title, &mut out);
    out.push_str("</h1>\n");
    if !collection.subtitle.is_empty() {
        out.push_str("<p class=\"subtitle\">");
        escape(&collection.subtitle, &mut out);
        out.push_str("</p>\n");
    }
    if !collection.publisher.is_empty() {
        out.push_str("<p class=\"publisher\">");
        escape(&collection.publisher, &mut out);
        out.push_str("</p>\n");
    }
    if let Some(date) = &collection.date {
        let _ = writeln!(
            out,
            "<p class=\"issue-date\"><time datetime=\"{}\">{}</time></p>",
            iso(date),
            escaped(&format_date(date, &collection.language))
        );
    }
    let count = collection.articles.len();
    let _ = writeln!(
        out,
        "<p class=\"issue-size\">{count} {}</p>",
        if count == 1 { "article" } else { "articles" }
    );
    out.push_str("</section>\n");
    close_document(&mut out);
    out
}

/// The contents page of a collection, in reading order, grouped by section.
pub(super) fn contents_page(
    collection: &Collection,
    groups: &[SectionGroup<'_>],
    article_href: impl Fn(usize) -> String,
) -> String {
    let mut out = String::new();
    open_document(&mut out, "Contents", &collection.language, "contents-page");
    out.push_str("<section class=\"contents\">\n<h1>Contents</h1>\n");
    for group in groups {
        if !group.section.is_empty() {
            out.push_str("<h2>");
            escape(group.section, &mut out);
            out.push_str("</h2>\n");
        }
        out.push_str("<ol class=\"contents-list\">\n");
        for (index, article) in &group.articles {
            let _ = write!(
                out,
                "<li {}><a href=\"{}\">",
                lang_attributes(&article.language),
                article_href(*index)
            );
            escape(&article.headline, &mut out);
            out.push_str("</a>");
            if let Some(byline) = byline(article) {
                out.push_str("<br/><span class=\"contents-byline\">");
                escape(&byline, &mut out);
                out.push_str("</span>");
            }
            if !article.summary.is_empty() {
                out.push_str("<br/><span class=\"contents-summary\">");
                escape(&article.summary, &mut out);
                out.push_str("</span>");
            }
            out.push_str("</li>\n");
        }
        out.push_str("</ol>\n");
    }
    out.push_str("</section>\n");
    close_document(&mut out);
    out
}

/// The cover page: the cover image, scaled to the screen.
pub(super) fn cover_page(title: &str, language: &Language, image_href: &str) -> String {
    let mut out = String::new();
    open_document(&mut out, title, language, "cover-page");
    let _ = write!(
        out,
        "<section epub:type=\"cover\" class=\"cover\">\n<img src=\"{image_href}\" alt=\"Cover: "
    );
    escape(title, &mut out);
    out.push_str("\"/>\n</section>\n");
    close_document(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_every_markup_character() {
        assert_eq!(
            escaped(r#"<script>"x" & 'y' ]]></script>"#),
            "&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39; ]]&gt;&lt;/script&gt;"
        );
        assert_eq!(escaped("plain — text"), "plain — text");
    }
}
