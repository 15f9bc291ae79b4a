//! EPUB output: epubcheck on every kind of input, the text round trip, the container rules,
//! images and covers, determinism, and the gRPC path.

mod common;

use std::io::{Cursor, Read};

use broadsheet::model::{Block, Document, ExportJob};
use broadsheet::pb;
use broadsheet::render::RenderContext;
use common::validators::epubcheck;
use common::{TestServer, article_of, every_block_type, fixture, seed, seed_collection};
use futures::StreamExt;

fn render(request: pb::ExportRequest) -> (ExportJob, Vec<u8>, Vec<String>) {
    let job = ExportJob::try_from(request).expect("a valid request");
    let rendered = common::builtin()
        .resolve("epub")
        .unwrap()
        .render(&RenderContext::new(&job))
        .expect("the book renders");
    (job, rendered.content, rendered.warnings)
}

fn as_epub(mut request: pb::ExportRequest) -> pb::ExportRequest {
    request.format = "epub".to_owned();
    request
}

/// Writes the book to a temporary file and requires epubcheck to find nothing.
fn assert_valid(name: &str, epub: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{name}.epub"));
    std::fs::write(&path, epub).unwrap();
    if let Err(report) = epubcheck(&path) {
        let kept = std::env::temp_dir().join(format!("broadsheet-failed-{name}.epub"));
        let _ = std::fs::write(&kept, epub);
        panic!(
            "epubcheck rejected {name} (kept at {}):\n{report}",
            kept.display()
        );
    }
}

fn entries(epub: &[u8]) -> zip::ZipArchive<Cursor<&[u8]>> {
    zip::ZipArchive::new(Cursor::new(epub)).expect("the book is a zip")
}

fn names(epub: &[u8]) -> Vec<String> {
    entries(epub)
        .file_names()
        .map(|n| n.expect("a UTF-8 name").into_owned())
        .collect()
}

fn read_entry(epub: &[u8], name: &str) -> Vec<u8> {
    let mut archive = entries(epub);
    let mut file = archive
        .by_name(name)
        .unwrap_or_else(|_| panic!("{name} is in the book"));
    let mut data = Vec::new();
    file.read_to_end(&mut data).unwrap();
    data
}

fn read_text(epub: &[u8], name: &str) -> String {
    String::from_utf8(read_entry(epub, name)).unwrap()
}

/// The multilingual fixture, and an Arabic article for right-to-left text.
fn multilingual() -> (pb::ExportRequest, pb::ExportRequest) {
    let mixed = as_epub(fixture("multilingual.json"));
    let mut rtl = mixed.clone();
    let mut article = article_of(&rtl);
    article.language = "ar".to_owned();
    article.headline = "بوتين يجري محادثات استمرت أربع ساعات في الكرملين".to_owned();
    article.summary = "لم يتم التوصل إلى اتفاق علني.".to_owned();
    article.publication = "أخبار".to_owned();
    rtl.document = Some(pb::export_request::Document::Article(article));
    (mixed, rtl)
}

#[test]
fn epubcheck_passes_the_seed_article() {
    let (_, epub, warnings) = render(seed("epub"));
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_valid("seed", &epub);
}

#[test]
fn epubcheck_passes_every_block_type_with_images() {
    let (_, epub, warnings) = render(every_block_type());
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_valid("every-block", &epub);
}

#[test]
fn epubcheck_passes_multilingual_and_rtl_articles() {
    let (mixed, rtl) = multilingual();
    let (_, epub, _) = render(mixed);
    assert_valid("multilingual", &epub);
    let (_, epub, warnings) = render(rtl);
    assert_valid("rtl", &epub);
    let xhtml = read_text(&epub, "OEBPS/article.xhtml");
    assert!(xhtml.contains(r#"<article lang="ar" xml:lang="ar" dir="rtl">"#));
    // The Arabic masthead and title are drawn on the generated cover with no missing glyph.
    assert!(!warnings.iter().any(|w| w.contains("U+06")), "{warnings:?}");
}

#[test]
fn epubcheck_passes_hostile_text() {
    let (_, epub, _) = render(as_epub(fixture("hostile.json")));
    assert_valid("hostile", &epub);
    let xhtml = read_text(&epub, "OEBPS/article.xhtml");
    assert!(!xhtml.contains("<script"));
    assert!(xhtml.contains("&lt;script&gt;"));
    assert!(
        !xhtml.contains("href=\"javascript:"),
        "a javascript: link survived"
    );
    assert!(!xhtml.contains("href=\"data:"), "a data: link survived");
    assert!(!xhtml.contains("href=\"file:"), "a file: link survived");
    assert!(xhtml.contains(r#"<a href="https://example.com/?a=1&amp;b=%3C2%3E">good link</a>"#));
    assert!(xhtml.contains(r#"<a href="mailto:desk@example.com">mail</a>"#));
}

#[test]
fn epubcheck_passes_a_12_article_collection() {
    let (_, epub, _) = render(sectioned_collection(12));
    assert_valid("collection-12", &epub);
    let nav = read_text(&epub, "OEBPS/nav.xhtml");
    for section in ["World", "Business", "Opinion"] {
        assert!(
            nav.contains(&format!(">{section}</a>")),
            "{section} is in the nav"
        );
    }
    let contents = read_text(&epub, "OEBPS/contents.xhtml");
    assert_eq!(contents.matches("<li ").count(), 12);
}

#[test]
fn epubcheck_passes_a_200_article_collection() {
    let (_, epub, _) = render(sectioned_collection(200));
    assert_valid("collection-200", &epub);
    let names: Vec<String> = names(&epub);
    assert_eq!(
        names
            .iter()
            .filter(|n| n.starts_with("OEBPS/article-"))
            .count(),
        200
    );
}

/// A collection of `n` seed articles in three sections, in runs.
fn sectioned_collection(n: usize) -> pb::ExportRequest {
    let mut request = as_epub(seed_collection(n, "epub"));
    if let Some(pb::export_request::Document::Collection(collection)) = &mut request.document {
        for (i, article) in collection.articles.iter_mut().enumerate() {
            article.section = ["World", "Business", "Opinion"][i * 3 / n.max(1)].to_owned();
        }
    }
    request
}

/// Extracts the text of the body paragraphs (`<p>` without a class) of an XHTML file, with
/// tags removed and entities decoded.
fn paragraphs(xhtml: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = xhtml;
    while let Some(start) = rest.find("<p>") {
        let after = &rest[start + 3..];
        let end = after.find("</p>").expect("a closed paragraph");
        out.push(unescape(&strip_tags(&after[..end])));
        rest = &after[end..];
    }
    out
}

fn strip_tags(markup: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    let mut tag = String::new();
    for c in markup.chars() {
        match (in_tag, c) {
            (false, '<') => {
                in_tag = true;
                tag.clear();
            }
            (true, '>') => {
                in_tag = false;
                if tag == "br/" {
                    out.push('\n');
                }
            }
            (true, c) => tag.push(c),
            (false, c) => out.push(c),
        }
    }
    out
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[test]
fn xhtml_text_equals_the_input_text_of_every_paragraph() {
    for request in [
        seed("epub"),
        as_epub(fixture("hostile.json")),
        every_block_type(),
    ] {
        let (job, epub, _) = render(request);
        let Document::Article(article) = &job.document else {
            unreachable!()
        };
        let expected: Vec<String> = article
            .body
            .iter()
            .filter_map(|b| match b {
                Block::Paragraph(spans) => Some(spans.iter().map(|s| s.text.as_str()).collect()),
                _ => None,
            })
            .collect();
        let xhtml = read_text(&epub, "OEBPS/article.xhtml");
        let body =
            &xhtml[xhtml.find("</header>").unwrap()..xhtml.find("<footer>").unwrap_or(xhtml.len())];
        let blockquotes_removed = {
            let mut s = body.to_owned();
            while let (Some(a), Some(b)) = (s.find("<blockquote>"), s.find("</blockquote>")) {
                s.replace_range(a..b + "</blockquote>".len(), "");
            }
            s
        };
        assert_eq!(paragraphs(&blockquotes_removed), expected);
    }
}

#[test]
fn mimetype_is_the_first_entry_and_stored() {
    let (_, epub, _) = render(seed("epub"));
    let mut archive = entries(&epub);
    let mut first = archive.by_index(0).unwrap();
    assert_eq!(first.name().unwrap(), "mimetype");
    assert_eq!(first.compression(), zip::CompressionMethod::Stored);
    let mut content = String::new();
    first.read_to_string(&mut content).unwrap();
    assert_eq!(content, "application/epub+zip");
    // The bytes at offset 30 of the file are the mimetype's name, as readers check.
    assert_eq!(&epub[30..38], b"mimetype");
}

#[test]
fn the_same_request_gives_the_same_bytes() {
    for request in [seed("epub"), every_block_type(), sectioned_collection(5)] {
        let (_, first, _) = render(request.clone());
        let (_, second, _) = render(request);
        assert!(first == second, "two renders differ");
    }
}

#[test]
fn identifiers_come_from_the_article_id_or_the_content() {
    let identifier = |request| {
        let (_, epub, _) = render(request);
        let opf = read_text(&epub, "OEBPS/content.opf");
        let start = opf.find("<dc:identifier id=\"pub-id\">").unwrap();
        opf[start..]
            .split('>')
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .to_owned()
    };
    let seed_id = identifier(seed("epub"));
    assert!(seed_id.starts_with("urn:uuid:"));
    // Same id, different text: the same identifier.
    let mut edited = seed("epub");
    if let Some(pb::export_request::Document::Article(a)) = &mut edited.document {
        a.summary = "Edited.".to_owned();
    }
    assert_eq!(identifier(edited.clone()), seed_id);
    // No id: the identifier follows the content.
    let mut anonymous = seed("epub");
    if let Some(pb::export_request::Document::Article(a)) = &mut anonymous.document {
        a.id.clear();
    }
    if let Some(pb::export_request::Document::Article(a)) = &mut edited.document {
        a.id.clear();
    }
    assert_ne!(identifier(anonymous.clone()), identifier(edited));
    assert_eq!(identifier(anonymous.clone()), identifier(anonymous));
}

#[test]
fn metadata_carries_roles_dates_subjects_and_accessibility() {
    let (_, epub, _) = render(every_block_type());
    let opf = read_text(&epub, "OEBPS/content.opf");
    for needle in [
        "<dc:title id=\"pub-title\">Putin Holds Four\u{2011}Hour Kremlin Talks",
        "<dc:language>en</dc:language>",
        "<dc:publisher>CRBC News</dc:publisher>",
        "<dc:date>2025-12-03T00:41:00Z</dc:date>",
        "<meta property=\"dcterms:modified\">2025-12-03T06:15:00Z</meta>",
        "<dc:subject>Diplomacy</dc:subject>",
        "<dc:description>Russian President",
        "scheme=\"marc:relators\">aut</meta>",
        "scheme=\"marc:relators\">edt</meta>",
        "<meta property=\"schema:accessMode\">visual</meta>",
        "<meta property=\"schema:accessibilityFeature\">alternativeText</meta>",
        "<meta property=\"schema:accessibilityHazard\">none</meta>",
        "<meta property=\"schema:accessibilitySummary\">",
    ] {
        assert!(opf.contains(needle), "the OPF lacks {needle}");
    }
    let xhtml = read_text(&epub, "OEBPS/article.xhtml");
    assert!(!xhtml.contains("alt=\"\""), "every image has alt text");
}

#[test]
fn the_lead_figure_is_the_cover_and_webp_is_converted() {
    let (_, epub, _) = render(every_block_type());
    let opf = read_text(&epub, "OEBPS/content.opf");
    assert!(opf.contains(r#"<item id="img-1" href="images/img-1.jpg" media-type="image/jpeg" properties="cover-image"/>"#), "{opf}");
    assert!(opf.contains(r#"<meta name="cover" content="img-1"/>"#));
    assert!(!opf.contains("image/webp"));
    assert!(
        !opf.contains("images/cover.png"),
        "no generated cover when there is a photo"
    );
    let cover = read_text(&epub, "OEBPS/cover.xhtml");
    assert!(cover.contains("images/img-1.jpg"));
}

#[test]
fn a_book_without_pictures_gets_a_generated_cover() {
    let (_, epub, _) = render(seed("epub"));
    let opf = read_text(&epub, "OEBPS/content.opf");
    assert!(opf.contains(r#"<item id="cover-image" href="images/cover.png" media-type="image/png" properties="cover-image"/>"#));
    let png = read_entry(&epub, "OEBPS/images/cover.png");
    let cover = image::load_from_memory(&png).unwrap();
    assert_eq!((cover.width(), cover.height()), (1000, 1600));
    // Mostly white, with a fair amount of black type.
    let gray = cover.to_luma8();
    let dark = gray.pixels().filter(|p| p.0[0] < 128).count();
    let share = dark as f64 / f64::from(gray.width() * gray.height());
    assert!((0.03..0.5).contains(&share), "dark share {share}");
}

#[test]
fn e_ink_options_scale_and_gray_the_images() {
    let mut request = every_block_type();
    request.options = Some(pb::RenderOptions {
        epub: Some(pb::EpubOptions {
            max_image_width: Some(160),
            grayscale: Some(true),
        }),
        text: None,
        pdf: None,
    });
    let (_, epub, warnings) = render(request);
    assert!(warnings.is_empty(), "{warnings:?}");
    let names: Vec<String> = names(&epub);
    let images: Vec<&String> = names
        .iter()
        .filter(|n| n.contains("/images/img-"))
        .collect();
    assert_eq!(images.len(), 3);
    for name in images {
        let decoded = image::load_from_memory(&read_entry(&epub, name)).unwrap();
        assert!(decoded.width() <= 160, "{name} is {} wide", decoded.width());
        assert!(!decoded.color().has_color(), "{name} is not grayscale");
    }
    assert_valid("e-ink", &epub);
}

#[tokio::test]
async fn export_and_export_stream_give_the_same_epub_over_grpc() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    let formats = client
        .list_formats(pb::ListFormatsRequest {})
        .await
        .unwrap()
        .into_inner()
        .formats;
    let epub_format = formats.iter().find(|f| f.id == "epub").unwrap();
    assert_eq!(epub_format.aliases, ["epub3"]);
    assert_eq!(epub_format.media_type, "application/epub+zip");

    let response = client.export(seed("epub3")).await.unwrap().into_inner();
    assert_eq!(response.media_type, "application/epub+zip");
    assert_eq!(
        response.file_name,
        "crbc-2025-12-03-putin-kushner-witkoff.epub"
    );
    let mut stream = client
        .export_stream(seed("epub"))
        .await
        .unwrap()
        .into_inner();
    let mut content = Vec::new();
    while let Some(chunk) = stream.next().await {
        if let Some(pb::export_chunk::Part::Data(data)) = chunk.unwrap().part {
            content.extend_from_slice(&data);
        }
    }
    assert_eq!(content, response.content);
    assert_valid("grpc", &content);
}
