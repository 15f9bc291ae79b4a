//! XHTML content documents: the shell of each document, the title and contents pages of a
//! collection, and the cover page. The articles, and the entries of the contents, are
//! written by the markup writer the `html` format uses too (`render::html::markup`), in its
//! XHTML flavour: the EPUB writer is the HTML writer plus the packaging.

use std::fmt::Write as _;

use crate::model::{Collection, Language};
use crate::typography::{SectionGroup, Term, article_count, format_date, labelled, term};

pub(super) use crate::render::html::markup::{
    Flavor, ImageRefs, Target, dir_change, escape, escaped, iso, write_article,
};
use crate::render::html::markup::{dir_attribute, text_element, write_contents_list};

/// The `lang`, `xml:lang` and `dir` attributes for a language.
fn lang_attributes(language: &Language) -> String {
    Flavor::Xhtml.lang_attributes(language)
}

/// The id of a body heading, for links from the navigation.
pub(super) fn heading_id(block_index: usize) -> String {
    Target::EPUB.heading_id(block_index)
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
    let size = article_count(&collection.language, collection.articles.len());
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
    let contents = term(&collection.language, Term::Contents);
    open_document(&mut out, contents, &collection.language, "contents-page");
    let rtl = collection.language.is_rtl();
    out.push_str("<section class=\"contents\">\n");
    text_element(&mut out, "h1", "", contents, rtl);
    write_contents_list(&mut out, groups, 2, article_href, rtl, Flavor::Xhtml);
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
        "<section class=\"cover\">\n<img epub:type=\"cover\" role=\"doc-cover\" src=\"{image_href}\" alt=\""
    );
    escape(&labelled(language, Term::Cover, title), &mut out);
    out.push_str("\"/>\n</section>\n");
    close_document(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Article;

    fn article(language: &str, body: Vec<crate::model::Block>) -> Article {
        Article {
            headline: "Headline".to_owned(),
            language: Language::parse(language).unwrap(),
            body,
            ..Default::default()
        }
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
