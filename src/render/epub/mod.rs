//! The EPUB renderer (`epub`, alias `epub3`): EPUB 3 books with an NCX for older readers,
//! made to pass epubcheck with no errors or warnings on any valid input.
//!
//! A single article becomes a book of a cover and the article. A collection becomes one book
//! like an issue of a periodical: cover, title page, contents page in reading order, then one
//! XHTML file per article, with the navigation grouped by section, then by article, then by
//! heading. The cover is the article's lead figure or the collection's cover image; without
//! one, [`cover`] draws a typographic cover, since readers only show raster covers in their
//! libraries.

mod archive;
mod cover;
mod images;
mod package;
mod xhtml;

use bytes::Bytes;
use chrono::{DateTime, Utc};

use self::package::{Creator, Landmarks, Metadata, NavEntry, Resource};
use self::xhtml::ImageRefs;
use super::{RenderContext, RenderError, Rendered, Renderer};
use crate::layout::FontLibrary;
use crate::model::{Article, Block, Collection, Document, EpubOptions, Image, Language, Role};
use crate::typography::{FIXED_DATE, format_date, section_groups};

/// The EPUB renderer. Its fonts draw the generated covers.
#[derive(Debug, Clone, Default)]
pub struct EpubRenderer {
    fonts: FontLibrary,
}

impl EpubRenderer {
    /// An EPUB renderer whose generated covers draw with `fonts`.
    pub fn new(fonts: FontLibrary) -> Self {
        EpubRenderer { fonts }
    }
}

impl Renderer for EpubRenderer {
    fn id(&self) -> &'static str {
        "epub"
    }

    fn aliases(&self) -> &'static [&'static str] {
        &["epub3"]
    }

    fn media_type(&self) -> &'static str {
        "application/epub+zip"
    }

    fn extension(&self) -> &'static str {
        "epub"
    }

    fn description(&self) -> &'static str {
        "EPUB 3 e-book with an NCX for older readers; a collection becomes one periodical-style issue"
    }

    fn render(&self, cx: &RenderContext<'_>) -> Result<Rendered, RenderError> {
        let (document, options) = (cx.document, cx.options);
        let mut book = Book {
            fonts: &self.fonts,
            options: options.epub,
            resources: Vec::new(),
            warnings: Vec::new(),
            images: 0,
        };
        book.push(
            "css".to_owned(),
            "style.css".to_owned(),
            "text/css",
            Bytes::from_static(STYLESHEET.as_bytes()),
        );
        let plan = match document {
            Document::Article(article) => book.article(article),
            Document::Collection(collection) => book.collection(collection),
        };
        book.finish(plan)
            .map_err(|e| RenderError::failed("epub", e.to_string()))
    }
}

/// The stylesheet every content document links to.
const STYLESHEET: &str = include_str!("style.css");

/// What a book needs beyond its resources: metadata, navigation and landmarks.
struct Plan {
    metadata: Metadata,
    nav: Vec<NavEntry>,
    contents_href: Option<String>,
    start_href: String,
    /// Seeds the identifier when the request has no article id.
    id_seed: Option<String>,
}

/// A book being assembled.
struct Book<'a> {
    fonts: &'a FontLibrary,
    options: EpubOptions,
    resources: Vec<Resource>,
    warnings: Vec<String>,
    images: usize,
}

impl Book<'_> {
    fn push(&mut self, id: String, href: String, media_type: &'static str, data: impl Into<Bytes>) {
        let in_spine = media_type == "application/xhtml+xml";
        self.resources.push(Resource {
            id,
            href,
            media_type,
            properties: Vec::new(),
            data: data.into(),
            in_spine,
        });
    }

    fn xhtml(&mut self, id: &str, href: &str, data: String) {
        self.push(
            id.to_owned(),
            href.to_owned(),
            "application/xhtml+xml",
            data.into_bytes(),
        );
    }

    /// Adds an image and returns its manifest id and href; a failure becomes a warning.
    fn image(&mut self, image: &Image, field: &str) -> Option<(String, String)> {
        match images::prepare(image, &self.options) {
            Ok(prepared) => {
                self.images += 1;
                let id = format!("img-{}", self.images);
                let href = format!("images/{id}.{}", prepared.extension);
                self.push(id.clone(), href.clone(), prepared.media_type, prepared.data);
                Some((id, href))
            }
            Err(why) => {
                self.warnings
                    .push(format!("{field}: {why}; the image was left out"));
                None
            }
        }
    }

    /// Adds an article's XHTML file and its images; returns its navigation entry and the
    /// manifest id of its lead image.
    fn chapter(
        &mut self,
        article: &Article,
        id: &str,
        href: &str,
        field: &str,
    ) -> (NavEntry, Option<String>) {
        let lead = article
            .lead_figure
            .as_ref()
            .and_then(|f| self.image(&f.image, &format!("{field}.leadFigure.image")));
        let mut body = Vec::new();
        let mut headings = Vec::new();
        for (index, block) in article.body.iter().enumerate() {
            match block {
                Block::Figure(figure) => {
                    let added = self.image(
                        &figure.image,
                        &format!("{field}.body[{index}].figure.image"),
                    );
                    body.push(added.map(|(_, href)| href));
                }
                Block::Heading { spans, .. } => headings.push(NavEntry {
                    label: crate::model::heading_label(spans),
                    href: format!("{href}#{}", xhtml::heading_id(index)),
                    children: Vec::new(),
                }),
                // A fact box's figures come in body order with the others. Its headings
                // stay out of the navigation, which lists the article's own sections.
                Block::Aside(aside) => {
                    for (inner, block) in aside.blocks.iter().enumerate() {
                        if let Block::Figure(figure) = block {
                            let added = self.image(
                                &figure.image,
                                &format!(
                                    "{field}.body[{index}].aside.blocks[{inner}].figure.image"
                                ),
                            );
                            body.push(added.map(|(_, href)| href));
                        }
                    }
                }
                _ => {}
            }
        }
        let mut out = String::with_capacity(article.word_count() * 8 + 2048);
        xhtml::open_document(&mut out, &article.headline, &article.language, "article");
        let refs = ImageRefs {
            lead: lead.as_ref().map(|(_, href)| href.as_str()),
            body: &body,
        };
        xhtml::write_article(&mut out, article, &refs, &xhtml::Target::EPUB);
        xhtml::close_document(&mut out);
        self.xhtml(id, href, out);
        let entry = NavEntry {
            label: article.headline.clone(),
            href: href.to_owned(),
            children: headings,
        };
        (entry, lead.map(|(id, _)| id))
    }

    /// Makes the cover: `image_id` if there is one, else a generated one. Adds the cover page
    /// first in the spine and returns the cover image's manifest id.
    fn cover(
        &mut self,
        image_id: Option<String>,
        text: &cover::CoverText<'_>,
        language: &Language,
    ) -> String {
        let image_id = match image_id {
            Some(id) => id,
            None => match cover::generate(self.fonts, text) {
                Ok((png, missing)) => {
                    self.warnings
                        .extend(crate::typography::missing_glyphs_warning(
                            &missing,
                            "the generated cover image only",
                        ));
                    self.push(
                        "cover-image".to_owned(),
                        "images/cover.png".to_owned(),
                        "image/png",
                        png,
                    );
                    "cover-image".to_owned()
                }
                Err(why) => {
                    // Without an image there is no cover to show; the book is still valid.
                    self.warnings.push(format!("{why}; the book has no cover"));
                    return String::new();
                }
            },
        };
        let Some(resource) = self.resources.iter_mut().find(|r| r.id == image_id) else {
            return String::new();
        };
        resource.properties.push("cover-image");
        let page = xhtml::cover_page(text.title, language, &resource.href);
        self.xhtml("cover", "cover.xhtml", page);
        // The cover page opens the book.
        if let Some(page) = self.resources.pop() {
            self.resources.insert(0, page);
        }
        image_id
    }

    fn article(&mut self, article: &Article) -> Plan {
        let (entry, lead) = self.chapter(article, "article", "article.xhtml", "article");
        let date = article
            .published_at
            .map(|d| format_date(&d, &article.language));
        let cover_image_id = self.cover(
            lead,
            &cover::CoverText {
                masthead: &article.publication,
                title: &article.headline,
                subtitle: &article.section,
                date: date.as_deref().unwrap_or(""),
                rtl: article.language.is_rtl(),
            },
            &article.language,
        );
        let creators = article
            .contributors
            .iter()
            .map(|c| Creator {
                name: c.name.clone(),
                role: match c.role {
                    Role::Author | Role::Reporting => "aut",
                    Role::Editing => "edt",
                    Role::Photography => "pht",
                    Role::Translation => "trl",
                },
            })
            .collect();
        Plan {
            metadata: Metadata {
                identifier: String::new(),
                title: article.headline.clone(),
                language: article.language.clone(),
                creators,
                publisher: article.publication.clone(),
                published: article.published_at.as_ref().map(opf_date),
                modified: article
                    .updated_at
                    .or(article.published_at)
                    .as_ref()
                    .map_or_else(|| opf_date(&FIXED_DATE), opf_date),
                subjects: article.tags.clone(),
                description: article.summary.clone(),
                rights: article.copyright.clone(),
                source: article.canonical_url.clone(),
                has_images: self.images > 0,
                cover_image_id,
            },
            nav: vec![entry],
            contents_href: None,
            start_href: "article.xhtml".to_owned(),
            id_seed: (!article.id.is_empty())
                .then(|| format!("urn:broadsheet:article:{}", article.id)),
        }
    }

    fn collection(&mut self, collection: &Collection) -> Plan {
        let cover_image = collection
            .cover
            .as_ref()
            .and_then(|c| self.image(c, "collection.cover"))
            .map(|(id, _)| id);
        let digits = collection.articles.len().to_string().len().max(3);
        let href = |index: usize| format!("article-{:0digits$}.xhtml", index + 1);
        self.xhtml("titlepage", "title.xhtml", xhtml::title_page(collection));
        let groups = section_groups(&collection.articles);
        self.xhtml(
            "contents",
            "contents.xhtml",
            xhtml::contents_page(collection, &groups, href),
        );
        let mut entries: Vec<Option<NavEntry>> = Vec::with_capacity(collection.articles.len());
        let mut subjects: Vec<String> = Vec::new();
        for (index, article) in collection.articles.iter().enumerate() {
            let id = format!("article-{}", index + 1);
            let (entry, _) = self.chapter(
                article,
                &id,
                &href(index),
                &format!("collection.articles[{index}]"),
            );
            entries.push(Some(entry));
            for tag in &article.tags {
                if subjects.len() < 100 && !subjects.contains(tag) {
                    subjects.push(tag.clone());
                }
            }
        }
        let mut nav = Vec::new();
        for group in &groups {
            let mut articles: Vec<NavEntry> = group
                .articles
                .iter()
                .filter_map(|(index, _)| entries.get_mut(*index).and_then(Option::take))
                .collect();
            if group.section.is_empty() {
                nav.append(&mut articles);
            } else {
                nav.push(NavEntry {
                    label: group.section.to_owned(),
                    href: href(group.articles.first().map_or(0, |(i, _)| *i)),
                    children: articles,
                });
            }
        }
        let date = collection
            .date
            .map(|d| format_date(&d, &collection.language));
        let cover_image_id = self.cover(
            cover_image,
            &cover::CoverText {
                masthead: &collection.publisher,
                title: &collection.title,
                subtitle: &collection.subtitle,
                date: date.as_deref().unwrap_or(""),
                rtl: collection.language.is_rtl(),
            },
            &collection.language,
        );
        let creators = collection_creators(collection);
        Plan {
            metadata: Metadata {
                identifier: String::new(),
                title: collection.title.clone(),
                language: collection.language.clone(),
                creators,
                publisher: collection.publisher.clone(),
                published: collection.date.as_ref().map(opf_date),
                modified: collection
                    .date
                    .as_ref()
                    .map_or_else(|| opf_date(&FIXED_DATE), opf_date),
                subjects,
                description: collection.subtitle.clone(),
                rights: String::new(),
                source: None,
                has_images: self.images > 0,
                cover_image_id,
            },
            nav,
            contents_href: Some("contents.xhtml".to_owned()),
            start_href: href(0),
            id_seed: None,
        }
    }

    fn finish(mut self, mut plan: Plan) -> std::io::Result<Rendered> {
        // The identifier: from the article id, else from a hash of everything in the book.
        let uuid = match &plan.id_seed {
            Some(seed) => uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, seed.as_bytes()),
            None => {
                let mut content = Vec::new();
                for resource in &self.resources {
                    content.extend_from_slice(resource.href.as_bytes());
                    content.extend_from_slice(&resource.data);
                }
                uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, &content)
            }
        };
        plan.metadata.identifier = format!("urn:uuid:{uuid}");
        let title = plan.metadata.title.clone();
        let language = plan.metadata.language.clone();
        let landmarks = Landmarks {
            cover: (!plan.metadata.cover_image_id.is_empty()).then(|| "cover.xhtml".to_owned()),
            contents: plan.contents_href,
            start: plan.start_href,
        };
        let opf = package::opf(&plan.metadata, &self.resources);
        let nav = package::nav(&title, &language, &plan.nav, &landmarks);
        let ncx = package::ncx(&plan.metadata.identifier, &title, &language, &plan.nav);
        let content = package::zip(&opf, &nav, &ncx, &self.resources)?;
        self.warnings.dedup();
        Ok(Rendered::new(content, 0).with_warnings(self.warnings))
    }
}

/// The most authors a collection's `dc:creator` list names; past them it stops.
const MAX_COLLECTION_AUTHORS: usize = 10;

/// Who a collection's `dc:creator` elements name, as reading systems show its author.
///
/// Its publisher, if it has one, as the corporate author; it is also the `dc:publisher`,
/// and nothing else names it, since foliate-js cannot open a book that names its publisher
/// twice. Otherwise the distinct authors (role author or reporting) of its articles, in
/// order of first appearance, at most [`MAX_COLLECTION_AUTHORS`].
///
/// The role is `aut` either way: Calibre shows only `dc:creator`s whose role is `aut` (or
/// that have none) as authors, and foliate-js files a `pbl` creator as a second publisher.
fn collection_creators(collection: &Collection) -> Vec<Creator> {
    if !collection.publisher.is_empty() {
        return vec![Creator {
            name: collection.publisher.clone(),
            role: "aut",
        }];
    }
    let mut creators: Vec<Creator> = Vec::new();
    let authors = collection
        .articles
        .iter()
        .flat_map(|article| &article.contributors)
        .filter(|c| matches!(c.role, Role::Author | Role::Reporting));
    for author in authors {
        if creators.len() == MAX_COLLECTION_AUTHORS {
            break;
        }
        if !creators.iter().any(|c| c.name == author.name) {
            creators.push(Creator {
                name: author.name.clone(),
                role: "aut",
            });
        }
    }
    creators
}

/// A date in the form the OPF wants: `CCYY-MM-DDThh:mm:ssZ`.
fn opf_date(time: &DateTime<Utc>) -> String {
    time.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Contributor, Span};

    fn article(headline: &str, language: &str, contributors: &[(&str, Role)]) -> Article {
        Article {
            headline: headline.to_owned(),
            contributors: contributors
                .iter()
                .map(|(name, role)| Contributor {
                    name: (*name).to_owned(),
                    role: *role,
                    title: String::new(),
                })
                .collect(),
            language: Language::parse(language).unwrap(),
            body: vec![Block::Paragraph(vec![Span::plain("Text.")])],
            ..Default::default()
        }
    }

    fn collection(publisher: &str, articles: Vec<Article>) -> Collection {
        Collection {
            title: "Daily Briefing".to_owned(),
            subtitle: String::new(),
            publisher: publisher.to_owned(),
            date: None,
            language: Language::parse("en").unwrap(),
            cover: None,
            articles,
        }
    }

    fn book(fonts: &FontLibrary) -> Book<'_> {
        Book {
            fonts,
            options: EpubOptions::default(),
            resources: Vec::new(),
            warnings: Vec::new(),
            images: 0,
        }
    }

    #[test]
    fn a_collection_names_its_publisher_once_and_is_by_it() {
        let fonts = FontLibrary::default();
        let mut book = book(&fonts);
        let plan = book.collection(&collection(
            "CRBC News",
            vec![article(
                "One",
                "en",
                &[("Guy Faulconbridge", Role::Reporting)],
            )],
        ));
        let opf = package::opf(&plan.metadata, &book.resources);
        assert_eq!(
            opf.matches("<dc:publisher>CRBC News</dc:publisher>")
                .count(),
            1
        );
        assert!(!opf.contains("pbl"));
        assert!(!opf.contains("<dc:contributor"));
        assert_eq!(opf.matches("<dc:creator").count(), 1);
        assert!(opf.contains(
            "<dc:creator id=\"creator-1\">CRBC News</dc:creator>\n<meta refines=\"#creator-1\" property=\"role\" scheme=\"marc:relators\">aut</meta>"
        ));
    }

    #[test]
    fn a_collection_without_a_publisher_is_by_its_articles_authors() {
        let c = collection(
            "",
            vec![
                article(
                    "One",
                    "en",
                    &[
                        ("Timothy Heritage", Role::Editing),
                        ("Guy Faulconbridge", Role::Reporting),
                        ("Anna Author", Role::Author),
                    ],
                ),
                article(
                    "Two",
                    "en",
                    &[
                        ("Anna Author", Role::Author),
                        ("Pat Photo", Role::Photography),
                        ("Иван Петров", Role::Author),
                    ],
                ),
            ],
        );
        let names: Vec<String> = collection_creators(&c)
            .into_iter()
            .inspect(|creator| assert_eq!(creator.role, "aut"))
            .map(|creator| creator.name)
            .collect();
        assert_eq!(names, ["Guy Faulconbridge", "Anna Author", "Иван Петров"]);
    }

    #[test]
    fn a_collection_names_at_most_ten_authors() {
        let articles = (0..25)
            .map(|i| {
                let name = format!("Author {i}");
                article("Story", "en", &[(name.as_str(), Role::Author)])
            })
            .collect();
        let creators = collection_creators(&collection("", articles));
        assert_eq!(creators.len(), MAX_COLLECTION_AUTHORS);
        assert_eq!(creators.last().map(|c| c.name.as_str()), Some("Author 9"));
        assert!(collection_creators(&collection("", vec![article("x", "en", &[])])).is_empty());
    }

    #[test]
    fn a_right_to_left_article_progresses_right_to_left() {
        let fonts = FontLibrary::default();
        let mut book = book(&fonts);
        let plan = book.article(&article("عنوان", "ar", &[]));
        let opf = package::opf(&plan.metadata, &book.resources);
        assert!(opf.contains("page-progression-direction=\"rtl\""));
    }
}
