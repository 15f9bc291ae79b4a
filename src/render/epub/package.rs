//! The EPUB container: the package document (OPF), the navigation document, the NCX for
//! EPUB 2 readers, `META-INF/container.xml`, and the zip that holds them.
//!
//! This is our own packager rather than epub-builder: epub-builder 0.8.3
//! gives `<dc:language>` and `<dc:creator>` the same id (epubcheck RSC-005), does not escape
//! `MetadataOpfV3` content, lets control characters through, and stamps zip entries with the
//! wall clock, which would break byte-identical output. Writing the three small XML files
//! ourselves is less code than patching its output. The archive itself is written by
//! [`super::archive`], with one fixed timestamp on every entry.

use std::fmt::Write as _;

use super::archive::{Archive, Method, PART_OVERHEAD};
use super::xhtml::{dir_change, escape, escaped};
use crate::model::Language;
use crate::typography::direction::is_rtl_text;
use crate::typography::{Term, term};

/// A file of the book other than the package, navigation and NCX documents.
pub(super) struct Resource {
    /// The manifest id, unique, an XML name.
    pub(super) id: String,
    /// The path relative to the OPF, for example `article-001.xhtml`.
    pub(super) href: String,
    /// The media type.
    pub(super) media_type: &'static str,
    /// Manifest properties, for example `cover-image`.
    pub(super) properties: Vec<&'static str>,
    /// The contents; a picture passed through shares the request's bytes.
    pub(super) data: bytes::Bytes,
    /// Whether it is a content document in the spine, in order.
    pub(super) in_spine: bool,
}

/// One entry of the navigation, with its children.
pub(super) struct NavEntry {
    /// The label readers see.
    pub(super) label: String,
    /// The target, relative to the OPF.
    pub(super) href: String,
    /// The entries under it.
    pub(super) children: Vec<NavEntry>,
}

/// A contributor with a MARC relator code.
pub(super) struct Creator {
    pub(super) name: String,
    /// `aut`, `edt`, `pht` or `trl`.
    pub(super) role: &'static str,
}

/// The package metadata.
pub(super) struct Metadata {
    pub(super) identifier: String,
    pub(super) title: String,
    pub(super) language: Language,
    pub(super) creators: Vec<Creator>,
    pub(super) publisher: String,
    /// `CCYY-MM-DDThh:mm:ssZ`.
    pub(super) published: Option<String>,
    /// `CCYY-MM-DDThh:mm:ssZ`; required by EPUB 3.
    pub(super) modified: String,
    pub(super) subjects: Vec<String>,
    pub(super) description: String,
    pub(super) rights: String,
    pub(super) source: Option<String>,
    /// Whether the book has images (for the accessibility metadata).
    pub(super) has_images: bool,
    /// The manifest id of the cover image.
    pub(super) cover_image_id: String,
}

/// The landmarks of the book.
pub(super) struct Landmarks {
    pub(super) cover: Option<String>,
    pub(super) contents: Option<String>,
    pub(super) start: String,
}

/// Writes the package document.
pub(super) fn opf(metadata: &Metadata, resources: &[Resource]) -> String {
    let mut out = String::with_capacity(4096 + resources.len() * 160);
    let _ = writeln!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<package xmlns=\"http://www.idpf.org/2007/opf\" version=\"3.0\" unique-identifier=\"pub-id\" xml:lang=\"{}\" dir=\"{}\">",
        escaped(metadata.language.tag()),
        if metadata.language.is_rtl() {
            "rtl"
        } else {
            "ltr"
        }
    );
    out.push_str("<metadata xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n");
    element(
        &mut out,
        "dc:identifier",
        Some("pub-id"),
        &metadata.identifier,
    );
    element(&mut out, "dc:title", Some("pub-title"), &metadata.title);
    element(&mut out, "dc:language", None, metadata.language.tag());
    for (i, creator) in metadata.creators.iter().enumerate() {
        let id = format!("creator-{}", i + 1);
        let tag = if creator.role == "aut" {
            "dc:creator"
        } else {
            "dc:contributor"
        };
        element(&mut out, tag, Some(&id), &creator.name);
        let _ = writeln!(
            out,
            "<meta refines=\"#{id}\" property=\"role\" scheme=\"marc:relators\">{}</meta>",
            creator.role
        );
    }
    if !metadata.publisher.is_empty() {
        element(&mut out, "dc:publisher", None, &metadata.publisher);
    }
    if let Some(published) = &metadata.published {
        element(&mut out, "dc:date", None, published);
    }
    for subject in &metadata.subjects {
        element(&mut out, "dc:subject", None, subject);
    }
    if !metadata.description.is_empty() {
        element(&mut out, "dc:description", None, &metadata.description);
    }
    if !metadata.rights.is_empty() {
        element(&mut out, "dc:rights", None, &metadata.rights);
    }
    if let Some(source) = &metadata.source {
        element(&mut out, "dc:source", None, source);
    }
    let _ = writeln!(
        out,
        "<meta property=\"dcterms:modified\">{}</meta>",
        metadata.modified
    );
    // EPUB Accessibility 1.1 discovery metadata.
    out.push_str("<meta property=\"schema:accessMode\">textual</meta>\n");
    if metadata.has_images {
        out.push_str("<meta property=\"schema:accessMode\">visual</meta>\n");
    }
    out.push_str("<meta property=\"schema:accessModeSufficient\">textual</meta>\n");
    for feature in [
        "structuralNavigation",
        "tableOfContents",
        "readingOrder",
        "displayTransformability",
    ] {
        let _ = writeln!(
            out,
            "<meta property=\"schema:accessibilityFeature\">{feature}</meta>"
        );
    }
    if metadata.has_images {
        out.push_str("<meta property=\"schema:accessibilityFeature\">alternativeText</meta>\n");
    }
    out.push_str("<meta property=\"schema:accessibilityHazard\">none</meta>\n");
    // The conformance claim. `dcterms` is a reserved prefix, so it needs no declaration. No
    // `a11y:certifiedBy`: a request names no evaluator, and we invent none.
    out.push_str(
        "<meta property=\"dcterms:conformsTo\">EPUB Accessibility 1.1 - WCAG 2.2 Level AA</meta>\n",
    );
    let summary = if metadata.has_images {
        "Text with headings and a table of contents, in reading order, with no fixed fonts or \
         colours. Every image has alternative text; captions and credits are text."
    } else {
        "Text with headings and a table of contents, in reading order, with no fixed fonts or \
         colours."
    };
    out.push_str("<meta property=\"schema:accessibilitySummary\">");
    escape(summary, &mut out);
    out.push_str("</meta>\n");
    // EPUB 2 readers (Kindle, older Kobo firmware) find the cover through this.
    if !metadata.cover_image_id.is_empty() {
        let _ = writeln!(
            out,
            "<meta name=\"cover\" content=\"{}\"/>",
            metadata.cover_image_id
        );
    }
    out.push_str("</metadata>\n<manifest>\n");
    out.push_str(
        "<item id=\"nav\" href=\"nav.xhtml\" media-type=\"application/xhtml+xml\" properties=\"nav\"/>\n",
    );
    out.push_str("<item id=\"ncx\" href=\"toc.ncx\" media-type=\"application/x-dtbncx+xml\"/>\n");
    for resource in resources {
        let _ = write!(
            out,
            "<item id=\"{}\" href=\"{}\" media-type=\"{}\"",
            resource.id, resource.href, resource.media_type
        );
        if !resource.properties.is_empty() {
            let _ = write!(out, " properties=\"{}\"", resource.properties.join(" "));
        }
        out.push_str("/>\n");
    }
    out.push_str("</manifest>\n<spine toc=\"ncx\"");
    // Right-to-left books turn their pages from right to left.
    if metadata.language.is_rtl() {
        out.push_str(" page-progression-direction=\"rtl\"");
    }
    out.push_str(">\n");
    for resource in resources.iter().filter(|r| r.in_spine) {
        let _ = writeln!(out, "<itemref idref=\"{}\"/>", resource.id);
    }
    out.push_str("</spine>\n</package>\n");
    out
}

fn element(out: &mut String, tag: &str, id: Option<&str>, text: &str) {
    match id {
        Some(id) => {
            let _ = write!(out, "<{tag} id=\"{id}\">");
        }
        None => {
            let _ = write!(out, "<{tag}>");
        }
    }
    escape(text, out);
    let _ = writeln!(out, "</{tag}>");
}

/// Writes the EPUB 3 navigation document: the table of contents and the landmarks.
///
/// The contents `nav` has the role matching its `epub:type`, `doc-toc` (Ace's
/// epub-type-has-matching-role). `landmarks` has no DPUB-ARIA role, and the links inside it
/// take none: epubcheck rejects DPUB-ARIA roles on `a`, and Ace skips that `nav`.
pub(super) fn nav(
    title: &str,
    language: &Language,
    entries: &[NavEntry],
    landmarks: &Landmarks,
) -> String {
    let mut out = String::new();
    let label = |t| escaped(term(language, t));
    super::xhtml::open_document(&mut out, title, language, "nav");
    let _ = writeln!(
        out,
        "<nav epub:type=\"toc\" role=\"doc-toc\" id=\"toc\" aria-labelledby=\"toc-title\">\n<h1 id=\"toc-title\">{}</h1>",
        label(Term::Contents)
    );
    nav_list(&mut out, entries, language.is_rtl());
    let _ = writeln!(
        out,
        "</nav>\n<nav epub:type=\"landmarks\" id=\"landmarks\" aria-labelledby=\"landmarks-title\" hidden=\"hidden\">\n<h2 id=\"landmarks-title\">{}</h2>\n<ol>",
        label(Term::Landmarks)
    );
    if let Some(cover) = &landmarks.cover {
        let _ = writeln!(
            out,
            "<li><a epub:type=\"cover\" href=\"{cover}\">{}</a></li>",
            label(Term::Cover)
        );
    }
    if let Some(contents) = &landmarks.contents {
        let _ = writeln!(
            out,
            "<li><a epub:type=\"toc\" href=\"{contents}\">{}</a></li>",
            label(Term::Contents)
        );
    }
    let _ = writeln!(
        out,
        "<li><a epub:type=\"bodymatter\" href=\"{}\">{}</a></li>",
        landmarks.start,
        label(Term::StartOfContent)
    );
    out.push_str("</ol>\n</nav>\n");
    super::xhtml::close_document(&mut out);
    out
}

/// Writes a list of entries inside something running right to left (`rtl`) or not; an entry
/// whose label runs the other way gets its own `dir`, which its children inherit.
fn nav_list(out: &mut String, entries: &[NavEntry], rtl: bool) {
    out.push_str("<ol>\n");
    for entry in entries {
        let entry_rtl = is_rtl_text(&entry.label, rtl);
        let _ = write!(
            out,
            "<li{}><a href=\"{}\">",
            dir_change(entry_rtl, rtl),
            entry.href
        );
        escape(&entry.label, out);
        out.push_str("</a>");
        if !entry.children.is_empty() {
            out.push('\n');
            nav_list(out, &entry.children, entry_rtl);
        }
        out.push_str("</li>\n");
    }
    out.push_str("</ol>\n");
}

/// Writes the NCX, the EPUB 2 table of contents that older readers still use. Entries that
/// point at the same place share a `playOrder`, as the NCX specification requires.
pub(super) fn ncx(
    identifier: &str,
    title: &str,
    language: &Language,
    entries: &[NavEntry],
) -> String {
    fn depth(entries: &[NavEntry]) -> usize {
        entries
            .iter()
            .map(|e| 1 + depth(&e.children))
            .max()
            .unwrap_or(0)
    }
    fn points(
        out: &mut String,
        entries: &[NavEntry],
        orders: &mut Vec<String>,
        next_id: &mut usize,
    ) {
        for entry in entries {
            let order = match orders.iter().position(|href| *href == entry.href) {
                Some(i) => i + 1,
                None => {
                    orders.push(entry.href.clone());
                    orders.len()
                }
            };
            *next_id += 1;
            let _ = write!(
                out,
                "<navPoint id=\"np-{}\" playOrder=\"{order}\"><navLabel><text>",
                next_id
            );
            escape(&entry.label, out);
            let _ = writeln!(out, "</text></navLabel><content src=\"{}\"/>", entry.href);
            points(out, &entry.children, orders, next_id);
            out.push_str("</navPoint>\n");
        }
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ncx xmlns=\"http://www.daisy.org/z3986/2005/ncx/\" version=\"2005-1\" xml:lang=\"{}\">",
        escaped(language.tag())
    );
    out.push_str("<head>\n<meta name=\"dtb:uid\" content=\"");
    escape(identifier, &mut out);
    let _ = writeln!(
        out,
        "\"/>\n<meta name=\"dtb:depth\" content=\"{}\"/>\n<meta name=\"dtb:totalPageCount\" content=\"0\"/>\n<meta name=\"dtb:maxPageNumber\" content=\"0\"/>\n</head>",
        depth(entries).max(1)
    );
    out.push_str("<docTitle><text>");
    escape(title, &mut out);
    out.push_str("</text></docTitle>\n<navMap>\n");
    let mut orders = Vec::new();
    let mut next_id = 0;
    points(&mut out, entries, &mut orders, &mut next_id);
    out.push_str("</navMap>\n</ncx>\n");
    out
}

const CONTAINER: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
<rootfiles>
<rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>
</rootfiles>
</container>
"#;

/// Parts smaller than this are stored, not deflated.
const SMALL_PART_BYTES: usize = 1024;

/// Zips the book: `mimetype` first and stored, then the container, the package, the
/// navigation, the NCX and every resource.
pub(super) fn zip(
    opf: &str,
    nav: &str,
    ncx: &str,
    resources: &[Resource],
) -> std::io::Result<Vec<u8>> {
    // Encoded images are already compressed, so deflating them again wastes time. A small
    // part saves a few hundred bytes deflated, and costs a deflate stream's set-up, which is
    // more than the compressing itself.
    let package = [
        ("META-INF/container.xml", CONTAINER.as_bytes()),
        ("OEBPS/content.opf", opf.as_bytes()),
        ("OEBPS/nav.xhtml", nav.as_bytes()),
        ("OEBPS/toc.ncx", ncx.as_bytes()),
    ];
    let method = |data: &[u8], image: bool| {
        if image || data.len() < SMALL_PART_BYTES {
            Method::Stored
        } else {
            Method::Deflated
        }
    };
    let is_image = |resource: &Resource| resource.media_type.starts_with("image/");

    // The archive's size, near enough that it never grows by copying: each part's two
    // headers, stored parts whole and deflated markup at half (the seed's markup deflates
    // to 29–45 %).
    let estimate: usize = package
        .iter()
        .map(|&(name, data)| (name.len(), data, false))
        .chain(
            resources
                .iter()
                .map(|r| ("OEBPS/".len() + r.href.len(), &r.data[..], is_image(r))),
        )
        .map(|(name, data, image)| {
            let headers = PART_OVERHEAD + 2 * name;
            headers
                + match method(data, image) {
                    Method::Stored => data.len(),
                    Method::Deflated => data.len() / 2,
                }
        })
        .sum();
    let mut archive = Archive::with_capacity(estimate + 128);
    archive.add("mimetype", b"application/epub+zip", Method::Stored)?;
    for (name, data) in package {
        archive.add(name, data, method(data, false))?;
    }
    for resource in resources {
        let name = format!("OEBPS/{}", resource.href);
        archive.add(
            &name,
            &resource.data,
            method(&resource.data, is_image(resource)),
        )?;
    }
    archive.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_parts_and_pictures_are_stored_and_markup_is_deflated() {
        let resource = |href: &str, media_type: &'static str, data: Vec<u8>| Resource {
            id: href.replace('.', "-"),
            href: href.to_owned(),
            media_type,
            properties: Vec::new(),
            data: data.into(),
            in_spine: false,
        };
        let article = "<p>Words, words.</p>\n".repeat(200).into_bytes();
        let book = zip(
            &"<package/>".repeat(200),
            "<nav/>",
            "<ncx/>",
            &[
                resource("article.xhtml", "application/xhtml+xml", article),
                resource("cover.xhtml", "application/xhtml+xml", b"<html/>".to_vec()),
                resource("images/a.png", "image/png", vec![0; 4096]),
            ],
        )
        .unwrap();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(book)).unwrap();
        for (name, method) in [
            ("mimetype", zip::CompressionMethod::Stored),
            ("META-INF/container.xml", zip::CompressionMethod::Stored),
            ("OEBPS/content.opf", zip::CompressionMethod::Deflated),
            ("OEBPS/nav.xhtml", zip::CompressionMethod::Stored),
            ("OEBPS/article.xhtml", zip::CompressionMethod::Deflated),
            ("OEBPS/cover.xhtml", zip::CompressionMethod::Stored),
            ("OEBPS/images/a.png", zip::CompressionMethod::Stored),
        ] {
            assert_eq!(
                archive.by_name(name).unwrap().compression(),
                method,
                "{name}"
            );
        }
    }

    fn metadata(language: &str) -> Metadata {
        Metadata {
            identifier: "urn:uuid:00000000-0000-0000-0000-000000000000".to_owned(),
            title: "Title".to_owned(),
            language: Language::parse(language).unwrap(),
            creators: Vec::new(),
            publisher: "CRBC News".to_owned(),
            published: None,
            modified: "2000-01-01T00:00:00Z".to_owned(),
            subjects: Vec::new(),
            description: String::new(),
            rights: String::new(),
            source: None,
            has_images: false,
            cover_image_id: String::new(),
        }
    }

    fn landmarks() -> Landmarks {
        Landmarks {
            cover: Some("cover.xhtml".to_owned()),
            contents: Some("contents.xhtml".to_owned()),
            start: "article-001.xhtml".to_owned(),
        }
    }

    #[test]
    fn right_to_left_books_progress_right_to_left() {
        let opf_ar = opf(&metadata("ar"), &[]);
        assert!(opf_ar.contains("<spine toc=\"ncx\" page-progression-direction=\"rtl\">"));
        let opf_he = opf(&metadata("he-IL"), &[]);
        assert!(opf_he.contains("page-progression-direction=\"rtl\""));
        let opf_en = opf(&metadata("en"), &[]);
        assert!(opf_en.contains("<spine toc=\"ncx\">"));
        assert!(!opf_en.contains("page-progression-direction"));
    }

    #[test]
    fn claims_conformance_beside_the_discovery_metadata_and_names_no_certifier() {
        let out = opf(&metadata("en"), &[]);
        let claim = "<meta property=\"dcterms:conformsTo\">EPUB Accessibility 1.1 - WCAG 2.2 Level AA</meta>";
        assert_eq!(out.matches(claim).count(), 1);
        assert!(out.contains(&format!(
            "<meta property=\"schema:accessibilityHazard\">none</meta>\n{claim}"
        )));
        assert!(!out.contains("certifiedBy"));
        // `dcterms` is reserved: no `prefix` attribute is needed or wanted.
        assert!(!out.contains("prefix="));
    }

    #[test]
    fn creators_with_role_aut_are_dc_creators() {
        let mut m = metadata("en");
        m.creators = vec![
            Creator {
                name: "A".to_owned(),
                role: "aut",
            },
            Creator {
                name: "E".to_owned(),
                role: "edt",
            },
        ];
        let out = opf(&m, &[]);
        assert!(out.contains("<dc:creator id=\"creator-1\">A</dc:creator>\n<meta refines=\"#creator-1\" property=\"role\" scheme=\"marc:relators\">aut</meta>"));
        assert!(out.contains("<dc:contributor id=\"creator-2\">E</dc:contributor>"));
        assert_eq!(out.matches("<dc:publisher>").count(), 1);
    }

    #[test]
    fn the_contents_nav_has_the_doc_toc_role() {
        let entries = [NavEntry {
            label: "Story".to_owned(),
            href: "article-001.xhtml".to_owned(),
            children: Vec::new(),
        }];
        let out = nav(
            "Title",
            &Language::parse("en").unwrap(),
            &entries,
            &landmarks(),
        );
        assert!(out.contains(
            "<nav epub:type=\"toc\" role=\"doc-toc\" id=\"toc\" aria-labelledby=\"toc-title\">\n<h1 id=\"toc-title\">Contents</h1>"
        ));
        // No DPUB-ARIA role fits the landmarks, and none is allowed on their links.
        assert!(out.contains("<nav epub:type=\"landmarks\" id=\"landmarks\" aria-labelledby=\"landmarks-title\" hidden=\"hidden\">"));
        assert_eq!(out.matches("role=").count(), 1);
        assert!(out.contains("<li><a epub:type=\"cover\" href=\"cover.xhtml\">Cover</a></li>"));
    }

    #[test]
    fn nav_entries_get_their_own_direction() {
        let entries = [NavEntry {
            label: "سياسة".to_owned(),
            href: "article-001.xhtml".to_owned(),
            children: vec![
                NavEntry {
                    label: "عنوان".to_owned(),
                    href: "article-001.xhtml#h-0".to_owned(),
                    children: Vec::new(),
                },
                NavEntry {
                    label: "Heading".to_owned(),
                    href: "article-001.xhtml#h-1".to_owned(),
                    children: Vec::new(),
                },
            ],
        }];
        let out = nav(
            "Title",
            &Language::parse("en").unwrap(),
            &entries,
            &landmarks(),
        );
        assert!(out.contains("<li dir=\"rtl\"><a href=\"article-001.xhtml\">سياسة</a>"));
        // Children inherit their parent's direction.
        assert!(out.contains("<li><a href=\"article-001.xhtml#h-0\">عنوان</a></li>"));
        assert!(out.contains("<li dir=\"ltr\"><a href=\"article-001.xhtml#h-1\">Heading</a></li>"));
    }
}
