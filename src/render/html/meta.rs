//! What a page says about itself in its `<head>`: the title and description, the canonical
//! address, Open Graph for link previews, and schema.org `NewsArticle` JSON-LD for search
//! engines, all built from the model.
//!
//! No image is named, in either vocabulary. The page's images are `data:` URIs, and
//! `og:image` and schema.org's `image` want an address a crawler can fetch: a `data:` URI is
//! refused by the previewers and search engines that read them, and would repeat the
//! picture's bytes once more in the page. The server never knows where an image is hosted,
//! so there is no address to give.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::markup::{escape, iso};
use crate::model::{Article, Collection, Language, Role};
use crate::typography::join_names_in;

/// The metadata of a page.
pub(super) struct Head<'a> {
    /// The `<title>`, and `og:title`.
    pub(super) title: &'a str,
    /// The page's language.
    pub(super) language: &'a Language,
    /// The description and `og:description`; empty for none.
    pub(super) description: &'a str,
    /// Who wrote it, for `<meta name="author">`, joined in the page's language.
    pub(super) authors: Vec<&'a str>,
    /// The canonical address: `<link rel="canonical">` and `og:url`.
    pub(super) canonical: Option<&'a str>,
    /// `og:type`: `article` for an article, `website` for a collection's page.
    pub(super) og_type: &'static str,
    /// `og:site_name`; empty for none.
    pub(super) site_name: &'a str,
    /// `article:published_time`.
    pub(super) published: Option<DateTime<Utc>>,
    /// `article:modified_time`.
    pub(super) modified: Option<DateTime<Utc>>,
    /// `article:section`; empty for none.
    pub(super) section: &'a str,
    /// `article:tag`, one each.
    pub(super) tags: &'a [String],
    /// The schema.org description, written as JSON-LD.
    pub(super) json_ld: Value,
}

impl<'a> Head<'a> {
    /// The metadata of an article's own page.
    pub(super) fn article(article: &'a Article) -> Self {
        let mut json_ld = news_article(article, None);
        if let Value::Object(node) = &mut json_ld {
            node.insert("@context".to_owned(), json!("https://schema.org"));
        }
        Head {
            title: &article.headline,
            language: &article.language,
            description: &article.summary,
            authors: authors(article).map(|c| c.name.as_str()).collect(),
            canonical: article.canonical_url.as_deref(),
            og_type: "article",
            site_name: &article.publication,
            published: article.published_at,
            modified: article.updated_at,
            section: &article.section,
            tags: &article.tags,
            json_ld,
        }
    }

    /// The metadata of a collection's page: a `CollectionPage` whose parts are its articles,
    /// each a `NewsArticle` of its own in one graph, named by the id its `<article>` has.
    pub(super) fn collection(collection: &'a Collection, ids: &[String]) -> Self {
        let mut page = Map::new();
        page.insert("@type".to_owned(), json!("CollectionPage"));
        page.insert("name".to_owned(), json!(collection.title));
        if !collection.subtitle.is_empty() {
            page.insert("description".to_owned(), json!(collection.subtitle));
        }
        if !collection.publisher.is_empty() {
            page.insert("publisher".to_owned(), organization(&collection.publisher));
        }
        if let Some(date) = &collection.date {
            page.insert("datePublished".to_owned(), json!(iso(date)));
        }
        page.insert("inLanguage".to_owned(), json!(collection.language.tag()));
        let fragments: Vec<String> = ids.iter().map(|id| format!("#{id}")).collect();
        page.insert(
            "hasPart".to_owned(),
            fragments.iter().map(|id| json!({ "@id": id })).collect(),
        );
        let graph: Vec<Value> = std::iter::once(Value::Object(page))
            .chain(
                collection
                    .articles
                    .iter()
                    .zip(&fragments)
                    .map(|(article, id)| news_article(article, Some(id))),
            )
            .collect();
        Head {
            title: &collection.title,
            language: &collection.language,
            description: &collection.subtitle,
            authors: if collection.publisher.is_empty() {
                Vec::new()
            } else {
                vec![collection.publisher.as_str()]
            },
            canonical: None,
            og_type: "website",
            site_name: &collection.publisher,
            published: None,
            modified: None,
            section: "",
            tags: &[],
            json_ld: json!({ "@context": "https://schema.org", "@graph": graph }),
        }
    }
}

/// Writes the metadata into the `<head>`, after the character set and before the
/// stylesheet.
pub(super) fn write_head(out: &mut String, head: &Head<'_>) {
    out.push_str("<title>");
    escape(head.title, out);
    out.push_str("</title>\n");
    let meta = |out: &mut String, attribute: &str, key: &str, value: &str| {
        if !value.is_empty() {
            let _ = write!(out, "<meta {attribute}=\"{key}\" content=\"");
            escape(value, out);
            out.push_str("\">\n");
        }
    };
    meta(out, "name", "description", head.description);
    meta(
        out,
        "name",
        "author",
        &join_names_in(head.language, &head.authors),
    );
    if let Some(url) = head.canonical {
        out.push_str("<link rel=\"canonical\" href=\"");
        escape(url, out);
        out.push_str("\">\n");
    }
    meta(out, "property", "og:type", head.og_type);
    meta(out, "property", "og:title", head.title);
    meta(out, "property", "og:description", head.description);
    meta(out, "property", "og:url", head.canonical.unwrap_or(""));
    meta(out, "property", "og:site_name", head.site_name);
    if let Some(time) = &head.published {
        meta(out, "property", "article:published_time", &iso(time));
    }
    if let Some(time) = &head.modified {
        meta(out, "property", "article:modified_time", &iso(time));
    }
    meta(out, "property", "article:section", head.section);
    for tag in head.tags {
        meta(out, "property", "article:tag", tag);
    }
    out.push_str("<script type=\"application/ld+json\">");
    out.push_str(&script_json(&head.json_ld));
    out.push_str("</script>\n");
}

/// JSON for the text of a `<script>` element: every `<` written as `\u003c`, which JSON
/// reads as the same character. A script's text ends at the first `</script` whatever the
/// JSON means, and `<!--` changes how the parser looks for that end, so with no `<` at all
/// no headline can close the element early (`</` would be the least to escape, as `<\/`;
/// this covers `<!--` too).
pub(super) fn script_json(value: &Value) -> String {
    value.to_string().replace('<', "\\u003c")
}

/// The contributors who are the article's authors: those with the role of author or
/// reporter, as in the EPUB's `dc:creator`s.
fn authors(article: &Article) -> impl Iterator<Item = &crate::model::Contributor> {
    article
        .contributors
        .iter()
        .filter(|c| matches!(c.role, Role::Author | Role::Reporting))
}

/// A schema.org `Person` list of the article's contributors with `roles`; `None` if there
/// are none. A contributor's title is the person's `jobTitle`.
fn people(article: &Article, roles: &[Role]) -> Option<Value> {
    let people: Vec<Value> = article
        .contributors
        .iter()
        .filter(|c| roles.contains(&c.role))
        .map(|c| {
            let mut person = Map::new();
            person.insert("@type".to_owned(), json!("Person"));
            person.insert("name".to_owned(), json!(c.name));
            if !c.title.is_empty() {
                person.insert("jobTitle".to_owned(), json!(c.title));
            }
            Value::Object(person)
        })
        .collect();
    (!people.is_empty()).then_some(Value::Array(people))
}

fn organization(name: &str) -> Value {
    json!({ "@type": "Organization", "name": name })
}

/// An article as a schema.org `NewsArticle`, with `@id` when it shares a page.
///
/// Authors and reporters are its `author`s, editors its `editor`s, translators its
/// `translator`s and photographers its `contributor`s. No `image`: see the module's notes.
fn news_article(article: &Article, id: Option<&str>) -> Value {
    let mut node = Map::new();
    let mut put = |key: &str, value: Value| {
        node.insert(key.to_owned(), value);
    };
    put("@type", json!("NewsArticle"));
    if let Some(id) = id {
        put("@id", json!(id));
    }
    put("headline", json!(article.headline));
    if !article.summary.is_empty() {
        put("description", json!(article.summary));
    }
    if let Some(time) = &article.published_at {
        put("datePublished", json!(iso(time)));
    }
    if let Some(time) = article
        .updated_at
        .as_ref()
        .or(article.published_at.as_ref())
    {
        put("dateModified", json!(iso(time)));
    }
    for (key, roles) in [
        ("author", &[Role::Author, Role::Reporting][..]),
        ("editor", &[Role::Editing][..]),
        ("translator", &[Role::Translation][..]),
        ("contributor", &[Role::Photography][..]),
    ] {
        if let Some(people) = people(article, roles) {
            put(key, people);
        }
    }
    if !article.publication.is_empty() {
        put("publisher", organization(&article.publication));
    }
    put("inLanguage", json!(article.language.tag()));
    if !article.section.is_empty() {
        put("articleSection", json!(article.section));
    }
    if !article.tags.is_empty() {
        put("keywords", json!(article.tags));
    }
    if let Some(url) = &article.canonical_url {
        put("url", json!(url));
        put("mainEntityOfPage", json!(url));
    }
    if !article.copyright.is_empty() {
        put("copyrightNotice", json!(article.copyright));
    }
    put("wordCount", json!(article.word_count()));
    Value::Object(node)
}
