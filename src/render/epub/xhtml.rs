//! XHTML content documents: semantic markup for articles, the title and contents pages of a
//! collection, and the cover page.
//!
//! Every piece of article text goes through [`escape`]; nothing from a request ever becomes
//! markup. Only links the model kept (http, https, mailto) become `<a href>`.

use std::borrow::Cow;
use std::fmt::Write as _;

use chrono::{DateTime, SecondsFormat, Utc};

use crate::model::{Article, Block, Collection, Figure, Language, Span, plain_text};
use crate::typography::direction::is_rtl_text;
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
    lang_dir_attributes(language, language.is_rtl())
}

/// The `lang` and `xml:lang` attributes for a language, and `dir` for a direction.
fn lang_dir_attributes(language: &Language, rtl: bool) -> String {
    let dir = if rtl { "rtl" } else { "ltr" };
    format!(
        r#"lang="{tag}" xml:lang="{tag}" dir="{dir}""#,
        tag = escaped(language.tag())
    )
}

/// The direction all of a block's parts share, or `default` when they differ.
fn uniform_direction(directions: &[bool], default: bool) -> bool {
    match directions.split_first() {
        Some((first, rest)) if rest.iter().all(|d| d == first) => *first,
        _ => default,
    }
}

/// A ` dir` attribute for a block whose own direction (`own_rtl`) is not the one it inherits
/// (`inherited_rtl`); nothing when they agree.
pub(super) fn dir_change(own_rtl: bool, inherited_rtl: bool) -> &'static str {
    match (own_rtl, inherited_rtl) {
        (true, false) => " dir=\"rtl\"",
        (false, true) => " dir=\"ltr\"",
        _ => "",
    }
}

/// A ` dir` attribute for a block of `text` inside something running right to left
/// (`inherited_rtl`) or not: set only when the text's own base direction, decided as the PDF
/// decides it ([`is_rtl_text`]), is the other one. Without it, an Arabic paragraph in an
/// English article would run left to right.
fn dir_attribute(text: &str, inherited_rtl: bool) -> &'static str {
    dir_change(is_rtl_text(text, inherited_rtl), inherited_rtl)
}

/// Writes `<tag class="…">text</tag>` on a line of its own, with a `dir` if the text runs
/// the other way from `inherited_rtl`. An empty `class` writes none.
fn text_element(out: &mut String, tag: &str, class: &str, text: &str, inherited_rtl: bool) {
    let _ = write!(out, "<{tag}");
    if !class.is_empty() {
        let _ = write!(out, " class=\"{class}\"");
    }
    out.push_str(dir_attribute(text, inherited_rtl));
    out.push('>');
    escape(text, out);
    let _ = writeln!(out, "</{tag}>");
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

/// The HTML level (2 to 6) of each body heading, in body order. The headline is the `h1`.
/// The model levels an article uses become consecutive levels from `h2`, by rank (levels
/// {2, 4} give `h2` and `h3`), and no heading is more than one level below the heading
/// before it, so that the outline never skips a level.
fn heading_levels(body: &[Block]) -> Vec<u8> {
    let levels = || {
        body.iter().filter_map(|block| match block {
            Block::Heading { level, .. } => Some(*level),
            _ => None,
        })
    };
    let mut used: Vec<u8> = levels().collect();
    used.sort_unstable();
    used.dedup();
    let mut previous = 1;
    levels()
        .map(|level| {
            let rank = used.partition_point(|used| *used < level);
            let html = u8::try_from(rank + 2)
                .unwrap_or(u8::MAX)
                .min(previous + 1)
                .min(6);
            previous = html;
            html
        })
        .collect()
}

/// Writes one article as an `<article>` element.
///
/// Every block whose text runs the other way from the article's language gets its own `dir`.
pub(super) fn write_article(out: &mut String, article: &Article, images: &ImageRefs<'_>) {
    let rtl = article.language.is_rtl();
    let _ = writeln!(out, "<article {}>", lang_attributes(&article.language));
    out.push_str("<header>\n");
    let kicker: Vec<&str> = [article.publication.as_str(), article.section.as_str()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect();
    if !kicker.is_empty() {
        text_element(out, "p", "kicker", &kicker.join(" · "), rtl);
    }
    text_element(out, "h1", "", &article.headline, rtl);
    if !article.summary.is_empty() {
        text_element(out, "p", "standfirst", &article.summary, rtl);
    }
    if let Some(byline) = byline(article) {
        text_element(out, "p", "byline", &byline, rtl);
    }
    write_dateline(out, article, rtl);
    out.push_str("</header>\n");

    if let (Some(figure), Some(href)) = (&article.lead_figure, images.lead) {
        write_figure(out, figure, href, "lead", &article.headline, rtl);
    }

    let mut figures = images.body.iter();
    let mut heading_levels = heading_levels(&article.body).into_iter();
    for (index, block) in article.body.iter().enumerate() {
        match block {
            Block::Paragraph(spans) => {
                let _ = write!(out, "<p{}>", dir_attribute(&plain_text(spans), rtl));
                write_spans(out, spans);
                out.push_str("</p>\n");
            }
            Block::Heading { spans, .. } => {
                let tag = format!("h{}", heading_levels.next().unwrap_or(2));
                let _ = write!(
                    out,
                    "<{tag} id=\"{}\"{}>",
                    heading_id(index),
                    dir_attribute(&plain_text(spans), rtl)
                );
                write_spans(out, spans);
                let _ = writeln!(out, "</{tag}>");
            }
            Block::Quote {
                paragraphs,
                attribution,
            } => {
                let directions: Vec<bool> = paragraphs
                    .iter()
                    .map(|p| is_rtl_text(&plain_text(p), rtl))
                    .collect();
                // A quote all in the other direction is set that way as a whole, so its
                // rule and indent sit on its starting side.
                let quote_rtl = uniform_direction(&directions, rtl);
                let _ = writeln!(
                    out,
                    "<figure class=\"quote\"{}>\n<blockquote>",
                    dir_change(quote_rtl, rtl)
                );
                for (paragraph, paragraph_rtl) in paragraphs.iter().zip(&directions) {
                    let _ = write!(out, "<p{}>", dir_change(*paragraph_rtl, quote_rtl));
                    write_spans(out, paragraph);
                    out.push_str("</p>\n");
                }
                out.push_str("</blockquote>\n");
                if !attribution.is_empty() {
                    let _ = write!(
                        out,
                        "<figcaption{}>— ",
                        dir_attribute(attribution, quote_rtl)
                    );
                    escape(attribution, out);
                    out.push_str("</figcaption>\n");
                }
                out.push_str("</figure>\n");
            }
            Block::List { ordered, items } => {
                let tag = if *ordered { "ol" } else { "ul" };
                let directions: Vec<bool> = items
                    .iter()
                    .map(|item| is_rtl_text(&plain_text(item), rtl))
                    .collect();
                // When every item runs the other way, the list itself does, so that its
                // indent and markers sit on the items' starting side.
                let list_rtl = uniform_direction(&directions, rtl);
                let _ = writeln!(out, "<{tag}{}>", dir_change(list_rtl, rtl));
                for (item, item_rtl) in items.iter().zip(&directions) {
                    let _ = write!(out, "<li{}>", dir_change(*item_rtl, list_rtl));
                    write_spans(out, item);
                    out.push_str("</li>\n");
                }
                let _ = writeln!(out, "</{tag}>");
            }
            Block::Figure(figure) => {
                if let Some(Some(href)) = figures.next() {
                    write_figure(out, figure, href, "figure", &article.headline, rtl);
                }
            }
            Block::Preformatted(text) => {
                let _ = write!(out, "<pre{}>", dir_attribute(text, rtl));
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
            text_element(out, "p", "credits", &credits, rtl);
        }
        if !article.related.is_empty() {
            out.push_str("<section class=\"related\">\n");
            text_element(out, "h2", "", "Similar Articles", rtl);
            out.push_str("<ul>\n");
            for related in &article.related {
                let text = if related.summary.is_empty() {
                    Cow::Borrowed(related.title.as_str())
                } else {
                    Cow::Owned(format!("{} {}", related.title, related.summary))
                };
                let _ = write!(out, "<li{}>", dir_attribute(&text, rtl));
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
            text_element(out, "p", "copyright", &article.copyright, rtl);
        }
        out.push_str("</footer>\n");
    }
    out.push_str("</article>\n");
}

fn write_dateline(out: &mut String, article: &Article, rtl: bool) {
    // The markup of each part, and its text, which decides the line's direction.
    let mut parts: Vec<String> = Vec::new();
    let mut text: Vec<String> = Vec::new();
    if !article.dateline.is_empty() {
        parts.push(format!(
            "<span class=\"place\">{}</span>",
            escaped(&article.dateline)
        ));
        text.push(article.dateline.clone());
    }
    if let (Some(time), Some(published)) = (&article.published_at, published_text(article)) {
        parts.push(format!(
            "<time datetime=\"{}\">{}</time>",
            iso(time),
            escaped(&published)
        ));
        text.push(published);
    }
    if let (Some(time), Some(updated)) = (&article.updated_at, updated_text(article)) {
        // "Updated" stays outside the element: only the moment is machine-readable.
        let moment = updated.strip_prefix("Updated ").unwrap_or(&updated);
        parts.push(format!(
            "Updated <time datetime=\"{}\">{}</time>",
            iso(time),
            escaped(moment)
        ));
        text.push(updated);
    }
    if !parts.is_empty() {
        let _ = write!(
            out,
            "<p class=\"dateline\"{}>",
            dir_attribute(&text.join(" · "), rtl)
        );
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

fn write_figure(
    out: &mut String,
    figure: &Figure,
    href: &str,
    class: &str,
    headline: &str,
    rtl: bool,
) {
    let _ = write!(
        out,
        "<figure class=\"{class}\">\n<img src=\"{href}\" alt=\""
    );
    escape(&alt_text(figure, headline), out);
    out.push_str("\"/>\n");
    if !figure.caption.is_empty() || !figure.credit.is_empty() {
        let text = format!("{} {}", figure.caption, figure.credit);
        let _ = write!(out, "<figcaption{}>", dir_attribute(&text, rtl));
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
    let rtl = collection.language.is_rtl();
    // `titlepage` has no DPUB-ARIA role to match (Ace's epub-type-has-matching-role).
    let _ = writeln!(out, "<section epub:type=\"titlepage\" class=\"titlepage\">");
    text_element(&mut out, "h1", "title", &collection.title, rtl);
    if !collection.subtitle.is_empty() {
        text_element(&mut out, "p", "subtitle", &collection.subtitle, rtl);
    }
    if !collection.publisher.is_empty() {
        text_element(&mut out, "p", "publisher", &collection.publisher, rtl);
    }
    if let Some(date) = &collection.date {
        let text = format_date(date, &collection.language);
        let _ = writeln!(
            out,
            "<p class=\"issue-date\"{}><time datetime=\"{}\">{}</time></p>",
            dir_attribute(&text, rtl),
            iso(date),
            escaped(&text)
        );
    }
    let count = collection.articles.len();
    let size = format!(
        "{count} {}",
        if count == 1 { "article" } else { "articles" }
    );
    text_element(&mut out, "p", "issue-size", &size, rtl);
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
    let rtl = collection.language.is_rtl();
    out.push_str("<section class=\"contents\">\n");
    text_element(&mut out, "h1", "", "Contents", rtl);
    for group in groups {
        if !group.section.is_empty() {
            text_element(&mut out, "h2", "", group.section, rtl);
        }
        out.push_str("<ol class=\"contents-list\">\n");
        for (index, article) in &group.articles {
            // The entry runs the way its headline does, as the article's `h1` does.
            let entry_rtl = is_rtl_text(&article.headline, article.language.is_rtl());
            let _ = write!(
                out,
                "<li {}><a href=\"{}\">",
                lang_dir_attributes(&article.language, entry_rtl),
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
///
/// `epub:type="cover"` and its DPUB-ARIA role `doc-cover` are both on the `img`, the one
/// element ARIA in HTML allows `doc-cover` on: Ace's epub-type-has-matching-role wants the
/// role wherever the type is, and a `section` may not take it.
pub(super) fn cover_page(title: &str, language: &Language, image_href: &str) -> String {
    let mut out = String::new();
    open_document(&mut out, title, language, "cover-page");
    let _ = write!(
        out,
        "<section class=\"cover\">\n<img epub:type=\"cover\" role=\"doc-cover\" src=\"{image_href}\" alt=\"Cover: "
    );
    escape(title, &mut out);
    out.push_str("\"/>\n</section>\n");
    close_document(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Contributor, Role};

    fn spans(text: &str) -> Vec<Span> {
        vec![Span::plain(text)]
    }

    fn article(language: &str, body: Vec<Block>) -> Article {
        Article {
            id: String::new(),
            headline: "Headline".to_owned(),
            summary: String::new(),
            section: String::new(),
            publication: String::new(),
            contributors: Vec::new(),
            dateline: String::new(),
            published_at: None,
            updated_at: None,
            language: Language::parse(language).unwrap(),
            tags: Vec::new(),
            canonical_url: None,
            copyright: String::new(),
            lead_figure: None,
            body,
            related: Vec::new(),
        }
    }

    fn render(article: &Article) -> String {
        let mut out = String::new();
        let refs = ImageRefs {
            lead: None,
            body: &[],
        };
        write_article(&mut out, article, &refs);
        out
    }

    fn headings(levels: &[u8]) -> Vec<Block> {
        levels
            .iter()
            .map(|level| Block::Heading {
                level: *level,
                spans: spans("Section"),
            })
            .collect()
    }

    #[test]
    fn escapes_every_markup_character() {
        assert_eq!(
            escaped(r#"<script>"x" & 'y' ]]></script>"#),
            "&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39; ]]&gt;&lt;/script&gt;"
        );
        assert_eq!(escaped("plain — text"), "plain — text");
    }

    #[test]
    fn arabic_paragraph_in_an_english_article_runs_right_to_left() {
        let out = render(&article(
            "en",
            vec![
                Block::Paragraph(spans("Moscow said on Tuesday.")),
                Block::Paragraph(spans("قال الكرملين يوم الثلاثاء")),
                Block::Paragraph(vec![Span::plain("«2024» "), Span::plain("שלום")]),
            ],
        ));
        assert!(out.contains(r#"<article lang="en" xml:lang="en" dir="ltr">"#));
        assert!(out.contains("<p>Moscow said on Tuesday.</p>"));
        assert!(out.contains("<p dir=\"rtl\">قال الكرملين"));
        // Neutral characters first: the first strong character decides, across spans.
        assert!(out.contains("<p dir=\"rtl\">«2024» שלום</p>"));
    }

    #[test]
    fn english_paragraph_in_an_arabic_article_runs_left_to_right() {
        let out = render(&article(
            "ar",
            vec![
                Block::Paragraph(spans("قال الكرملين")),
                Block::Paragraph(spans("Reuters reported")),
                Block::Paragraph(spans("2024")),
            ],
        ));
        assert!(out.contains(r#"<article lang="ar" xml:lang="ar" dir="rtl">"#));
        assert!(out.contains("<p>قال الكرملين</p>"));
        assert!(out.contains("<p dir=\"ltr\">Reuters reported</p>"));
        // No strong character: the article's direction, so no attribute.
        assert!(out.contains("<p>2024</p>"));
    }

    #[test]
    fn every_kind_of_block_gets_its_own_direction() {
        let mut a = article(
            "ru",
            vec![
                Block::Heading {
                    level: 1,
                    spans: spans("עדכון"),
                },
                Block::Quote {
                    paragraphs: vec![spans("Цитата"), spans("اقتباس")],
                    attribution: "محمد".to_owned(),
                },
                Block::List {
                    ordered: false,
                    items: vec![spans("один"), spans("اثنان")],
                },
                Block::Preformatted("שורה".to_owned()),
            ],
        );
        a.headline = "כותרת".to_owned();
        a.summary = "תקציר".to_owned();
        a.section = "עולם".to_owned();
        a.copyright = "© حقوق".to_owned();
        a.contributors = vec![Contributor {
            name: "Иван".to_owned(),
            role: Role::Author,
        }];
        let out = render(&a);
        assert!(out.contains("<p class=\"kicker\" dir=\"rtl\">עולם</p>"));
        assert!(out.contains("<h1 dir=\"rtl\">כותרת</h1>"));
        assert!(out.contains("<p class=\"standfirst\" dir=\"rtl\">תקציר</p>"));
        // "By Иван": the English label decides.
        assert!(out.contains("<p class=\"byline\">By Иван</p>"));
        assert!(out.contains("<h2 id=\"h-0\" dir=\"rtl\">עדכון</h2>"));
        assert!(out.contains("<p>Цитата</p>\n<p dir=\"rtl\">اقتباس</p>"));
        assert!(out.contains("<figcaption dir=\"rtl\">— محمد</figcaption>"));
        assert!(out.contains("<ul>\n<li>один</li>\n<li dir=\"rtl\">اثنان</li>"));
        assert!(out.contains("<pre dir=\"rtl\">שורה</pre>"));
        assert!(out.contains("<p class=\"copyright\" dir=\"rtl\">© حقوق</p>"));
    }

    #[test]
    fn a_list_whose_items_all_run_the_other_way_takes_their_direction() {
        let out = render(&article(
            "en",
            vec![Block::List {
                ordered: true,
                items: vec![spans("أولا"), spans("ثانيا")],
            }],
        ));
        assert!(out.contains("<ol dir=\"rtl\">\n<li>أولا</li>\n<li>ثانيا</li>\n</ol>"));
    }

    #[test]
    fn figure_captions_get_their_own_direction() {
        let figure = Figure {
            image: crate::model::Image {
                data: bytes::Bytes::new(),
                format: crate::model::ImageFormat::Png,
                width: 1,
                height: 1,
                alt_text: "alt".to_owned(),
            },
            caption: "صورة".to_owned(),
            credit: "Reuters".to_owned(),
        };
        let mut out = String::new();
        write_figure(
            &mut out,
            &figure,
            "images/img-1.png",
            "figure",
            "Headline",
            false,
        );
        assert!(out.contains("<figcaption dir=\"rtl\">صورة <span class=\"credit\">"));
    }

    #[test]
    fn heading_levels_are_consecutive_from_h2() {
        assert_eq!(heading_levels(&headings(&[2, 4, 2, 4])), [2, 3, 2, 3]);
        assert_eq!(heading_levels(&headings(&[1, 2, 3])), [2, 3, 4]);
        // A first heading below the top level the article uses is clamped under the h1.
        assert_eq!(heading_levels(&headings(&[3, 1, 3])), [2, 2, 3]);
        // Never deeper than one below the heading before.
        assert_eq!(heading_levels(&headings(&[1, 3, 2, 3])), [2, 3, 3, 4]);
        assert_eq!(
            heading_levels(&headings(&[1, 2, 3, 4, 5, 5])),
            [2, 3, 4, 5, 6, 6]
        );
        assert_eq!(heading_levels(&headings(&[5, 5])), [2, 2]);
        assert!(heading_levels(&[Block::Rule]).is_empty());
    }

    #[test]
    fn body_headings_never_skip_a_level() {
        let mut body = headings(&[2, 4]);
        body.insert(1, Block::Paragraph(spans("Text")));
        let out = render(&article("en", body));
        assert!(out.contains("<h2 id=\"h-0\">Section</h2>"));
        assert!(out.contains("<h3 id=\"h-2\">Section</h3>"));
        assert!(!out.contains("<h4"));
    }

    #[test]
    fn cover_image_carries_the_cover_type_and_its_role() {
        let page = cover_page("Title", &Language::parse("en").unwrap(), "images/cover.png");
        assert!(page.contains(
            "<img epub:type=\"cover\" role=\"doc-cover\" src=\"images/cover.png\" alt=\"Cover: Title\"/>"
        ));
        assert!(!page.contains("<section epub:type"));
    }

    #[test]
    fn title_and_contents_pages_set_direction_per_block() {
        let mut entry = article("ar", Vec::new());
        entry.headline = "Breaking".to_owned();
        let collection = Collection {
            title: "النشرة".to_owned(),
            subtitle: "Weekly".to_owned(),
            publisher: "صحيفة".to_owned(),
            date: None,
            language: Language::parse("ar").unwrap(),
            cover: None,
            articles: vec![entry],
        };
        let title = title_page(&collection);
        assert!(title.contains("<h1 class=\"title\">النشرة</h1>"));
        assert!(title.contains("<p class=\"subtitle\" dir=\"ltr\">Weekly</p>"));
        assert!(title.contains("<p class=\"publisher\">صحيفة</p>"));
        let groups = crate::typography::section_groups(&collection.articles);
        let contents = contents_page(&collection, &groups, |_| "article-001.xhtml".to_owned());
        assert!(contents.contains(
            r#"<li lang="ar" xml:lang="ar" dir="ltr"><a href="article-001.xhtml">Breaking</a>"#
        ));
    }
}
