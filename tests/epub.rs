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
        smart_quotes: None,
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

/// The newsroom fixture as an EPUB request: a table, a fact box, an embed, a correction and
/// an update.
fn newsroom() -> pb::ExportRequest {
    as_epub(fixture("newsroom.json"))
}

/// The levels of the headings of an XHTML file, in order.
fn heading_levels(xhtml: &str) -> Vec<u8> {
    xhtml
        .match_indices("<h")
        .filter_map(|(at, _)| {
            let level = *xhtml.as_bytes().get(at + 2)?;
            let after = *xhtml.as_bytes().get(at + 3)?;
            ((b'1'..=b'6').contains(&level) && (after == b' ' || after == b'>'))
                .then(|| level - b'0')
        })
        .collect()
}

/// Requires every heading to be at most one level below the one before (Ace's
/// heading-order), starting from a single `h1`.
fn assert_outline_skips_no_level(xhtml: &str) {
    let levels = heading_levels(xhtml);
    assert_eq!(levels.first(), Some(&1), "{levels:?}");
    assert_eq!(levels.iter().filter(|l| **l == 1).count(), 1, "{levels:?}");
    for pair in levels.windows(2) {
        assert!(pair[1] <= pair[0] + 1, "a skipped level in {levels:?}");
    }
}

/// The part of `text` from the first `open` to the first `close` after it, both included.
fn element<'a>(text: &'a str, open: &str, close: &str) -> &'a str {
    let start = text.find(open).unwrap_or_else(|| panic!("{open} is there"));
    let end = text[start..]
        .find(close)
        .unwrap_or_else(|| panic!("{open} is closed"));
    &text[start..start + end + close.len()]
}

#[test]
fn epubcheck_passes_the_newsroom_article() {
    let (_, epub, warnings) = render(newsroom());
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_valid("newsroom", &epub);
    assert_outline_skips_no_level(&read_text(&epub, "OEBPS/article.xhtml"));
}

#[test]
fn a_table_has_its_caption_header_cells_spans_and_source() {
    let (_, epub, _) = render(newsroom());
    let xhtml = read_text(&epub, "OEBPS/article.xhtml");
    let table = element(&xhtml, "<div class=\"table\">", "</div>");
    assert!(table.contains(
        "<table aria-describedby=\"table-10-credit\">\n<caption>Russian-held territory in Ukraine, by region</caption>\n<thead>"
    ));
    // An empty header cell is no header: a `td`, so that no header lacks text.
    assert!(table.contains(
        "<tr><td></td><th scope=\"col\" colspan=\"2\" class=\"align-end\">Held by Russia</th></tr>"
    ));
    assert!(table.contains("<th scope=\"col\">Region</th>"));
    assert!(
        table.contains("</thead>\n<tbody>\n<tr><td>Crimea</td><td class=\"align-end\">27,000</td>")
    );
    assert!(!element(table, "<tbody>", "</tbody>").contains("<th"));
    assert!(table.contains(
        "</table>\n<p class=\"table-credit\" id=\"table-10-credit\">Source: independent analysts’ estimates"
    ));
    let css = read_text(&epub, "OEBPS/style.css");
    assert!(css.contains(".align-end {\n  text-align: end;"));
}

#[test]
fn a_fact_box_holds_its_blocks_under_a_heading_that_names_it() {
    let (_, epub, _) = render(newsroom());
    let xhtml = read_text(&epub, "OEBPS/article.xhtml");
    let aside = element(&xhtml, "<aside", "</aside>");
    assert!(aside.starts_with(
        "<aside class=\"factbox\" aria-labelledby=\"aside-2\">\n<h2 class=\"factbox-title\" id=\"aside-2\">What we know</h2>\n<ul>\n<li>Putin met"
    ));
    assert_eq!(aside.matches("<li>").count(), 3);
    assert!(aside.contains(
        "<p>The talks build on a <a href=\"https://news.example.com/world/us-draft-peace-plan-explained\">28-point U.S. draft</a>"
    ));
}

#[test]
fn an_embed_is_a_card_with_its_link_and_nothing_that_plays() {
    let (_, epub, _) = render(newsroom());
    let xhtml = read_text(&epub, "OEBPS/article.xhtml");
    for never in ["<iframe", "<script", "<video", "<object", "<embed"] {
        assert!(!xhtml.contains(never), "{never} in the article");
    }
    let card = element(&xhtml, "<figure class=\"embed\">", "</figure>");
    assert!(card.contains("<p class=\"embed-provider\">YouTube</p>"));
    assert!(card.contains(
        "<p class=\"embed-title\"><a href=\"https://www.youtube.com/watch?v=dQw4w9WgXcQ\">Putin meets Kushner and Witkoff in the Kremlin</a></p>"
    ));
    assert!(card.contains("<p class=\"embed-description\">Kremlin footage"));
    let opf = read_text(&epub, "OEBPS/content.opf");
    assert!(
        !opf.contains("remote-resources"),
        "nothing remote is a resource"
    );
}

#[test]
fn updates_go_under_the_header_and_corrections_after_the_text() {
    let (_, epub, _) = render(newsroom());
    let xhtml = read_text(&epub, "OEBPS/article.xhtml");
    let at = |needle: &str| {
        xhtml
            .find(needle)
            .unwrap_or_else(|| panic!("{needle} is in the article"))
    };
    let update = at("<h2 class=\"note-kind\">Update</h2>");
    let correction = at("<h2 class=\"note-kind\">Correction</h2>");
    assert!(at("</header>") < update && update < at("<p>Russian President"));
    assert!(at("<p>As both delegations") < correction && correction < at("<footer>"));
    assert!(xhtml.contains(
        "<h2 class=\"note-kind\">Update</h2>\n<p class=\"note-date\"><time datetime=\"2025-12-03T06:15:00Z\">December 3, 2025</time></p>\n<p class=\"note-text\">This story has been updated"
    ));
    assert!(xhtml.contains("<section class=\"notes notes-last\" role=\"doc-errata\">"));
    assert!(!element(&xhtml, "<div class=\"notes notes-first\">", "</div>").contains("Correction"));
}

/// A right-to-left article with every new kind of block in its hardest form: fact boxes
/// with headings, figures, a table and an embed inside, one without a title and two with
/// the same one; a table without header rows, one of header rows only, cells in both
/// directions; an embed with neither title nor provider; notes of all four kinds, one
/// without a date; all under a deep heading.
fn hard_new_blocks() -> pb::ExportRequest {
    use broadsheet::pb::block::Kind;
    let block = |kind| pb::Block { kind: Some(kind) };
    let paragraph = |text: &str| {
        block(Kind::Paragraph(pb::Paragraph {
            text: text.to_owned(),
            spans: vec![],
        }))
    };
    let heading = |level: u32, text: &str| {
        block(Kind::Heading(pb::Heading {
            level: Some(level),
            text: text.to_owned(),
            spans: vec![],
        }))
    };
    let cell = |text: &str| pb::TableCell {
        text: text.to_owned(),
        spans: vec![],
        col_span: None,
    };
    let row = |cells: &[&str]| pb::TableRow {
        cells: cells.iter().map(|text| cell(text)).collect(),
    };
    let table = |header_rows: Vec<pb::TableRow>, rows: Vec<pb::TableRow>| {
        block(Kind::Table(pb::Table {
            caption: "الأراضي".to_owned(),
            credit: String::new(),
            header_rows,
            rows,
            column_alignment: vec![pb::Alignment::Start as i32, pb::Alignment::Center as i32],
        }))
    };
    let embed = |title: &str, provider: &str| {
        block(Kind::Embed(pb::Embed {
            url: "https://x.com/kremlin/status/1".to_owned(),
            title: title.to_owned(),
            provider: provider.to_owned(),
            description: String::new(),
        }))
    };
    let aside = |title: &str, blocks: Vec<pb::Block>| {
        block(Kind::Aside(pb::Aside {
            title: title.to_owned(),
            blocks,
        }))
    };
    let note = |kind: pb::editorial_note::Kind, text: &str, dated: bool| pb::EditorialNote {
        kind: kind as i32,
        text: text.to_owned(),
        date: dated.then_some(prost_types::Timestamp {
            seconds: 1_764_742_500,
            nanos: 0,
        }),
    };
    let mut request = as_epub(fixture("newsroom.json"));
    let mut article = article_of(&request);
    article.language = "ar".to_owned();
    article.headline = "بوتين يجري محادثات في الكرملين".to_owned();
    article.body = vec![
        aside(
            "ما نعرفه",
            vec![
                heading(1, "الوقائع"),
                paragraph("التقى بوتين بالوفد الأمريكي."),
                block(Kind::Figure(common::figure(
                    common::test_image(image::ImageFormat::Png, 120, 80),
                    "خريطة",
                    "",
                    "",
                ))),
                heading(2, "Sources"),
                table(vec![], vec![row(&["Reuters", "1"]), row(&["تاس", "2"])]),
                embed("Kremlin statement", "X"),
            ],
        ),
        heading(1, "المحادثات"),
        heading(2, "التفاصيل"),
        heading(3, "الأرقام"),
        table(
            vec![row(&["المنطقة", "Share"])],
            vec![
                pb::TableRow {
                    cells: vec![pb::TableCell {
                        col_span: Some(2),
                        ..cell("Crimea — 100%")
                    }],
                },
                row(&["خيرسون", "72%"]),
            ],
        ),
        table(vec![row(&["Only", "headers"])], vec![]),
        aside("", vec![paragraph("بلا عنوان"), heading(1, "داخل")]),
        aside("ما نعرفه", vec![paragraph("مرة أخرى")]),
        embed("", ""),
        block(Kind::Figure(common::figure(
            common::test_image(image::ImageFormat::Jpeg, 160, 90),
            "الكرملين",
            "",
            "",
        ))),
        paragraph("نهاية"),
    ];
    article.notes = vec![
        note(pb::editorial_note::Kind::Clarification, "توضيح", true),
        note(
            pb::editorial_note::Kind::EditorsNote,
            "Note from the editors",
            false,
        ),
        note(pb::editorial_note::Kind::Correction, "تصحيح", true),
        note(pb::editorial_note::Kind::Update, "تحديث", true),
    ];
    request.document = Some(pb::export_request::Document::Article(article));
    request
}

#[test]
fn epubcheck_passes_new_blocks_in_their_hardest_forms() {
    let (_, epub, warnings) = render(hard_new_blocks());
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_valid("hard-new-blocks", &epub);
    let xhtml = read_text(&epub, "OEBPS/article.xhtml");
    assert_outline_skips_no_level(&xhtml);
    // The first fact box, before any heading: its title an h2, its headings below it; the
    // figure inside it is in the book, in order with the body's.
    assert!(xhtml.contains(
        "<aside class=\"factbox\" aria-labelledby=\"aside-0\">\n<h2 class=\"factbox-title\" id=\"aside-0\">ما نعرفه</h2>\n<h3>الوقائع</h3>"
    ));
    assert!(xhtml.contains("<h4 dir=\"ltr\">Sources</h4>"));
    assert!(xhtml.contains("<img src=\"images/img-1.png\" alt=\"خريطة\"/>"));
    assert!(xhtml.contains("<img src=\"images/img-2.jpg\" alt=\"الكرملين\"/>"));
    // A table without header rows has data cells only; one of header rows only too.
    let first = element(&xhtml, "<div class=\"table\">", "</div>");
    assert!(!first.contains("<th") && !first.contains("<thead>"));
    // Cells keep the article's direction unless their text runs the other way; a column
    // keeps its alignment on the table's sides, so a left-to-right cell of a start column
    // is aligned to its end.
    assert!(first.contains(
        "<tr><td class=\"align-end\" dir=\"ltr\">Reuters</td><td class=\"align-center\">1</td></tr>\n<tr><td>تاس</td>"
    ));
    assert!(xhtml.contains(
        "<tr><td class=\"align-end\" dir=\"ltr\">Only</td><td class=\"align-center\" dir=\"ltr\">headers</td></tr>"
    ));
    assert!(xhtml.contains(
        "<tr><th scope=\"col\">المنطقة</th><th scope=\"col\" class=\"align-center\" dir=\"ltr\">Share</th></tr>"
    ));
    assert!(
        xhtml.contains(
            "<tr><td colspan=\"2\" class=\"align-end\" dir=\"ltr\">Crimea — 100%</td></tr>"
        )
    );
    // No title: no heading and no name; the same title twice names one landmark only.
    assert!(xhtml.contains("<aside class=\"factbox\">\n<p>بلا عنوان</p>"));
    assert_eq!(xhtml.matches("aria-labelledby=\"aside-").count(), 1);
    // An embed with no title links its address; a card all in the other direction is set
    // that way as a whole.
    assert!(xhtml.contains(
        "<figure class=\"embed\" dir=\"ltr\">\n<p class=\"embed-title\"><a href=\"https://x.com/kremlin/status/1\">https://x.com/kremlin/status/1</a></p>"
    ));
    // Notes by kind: the editor's note and the update first, the others last, each in
    // the order given; a note without a date has no time.
    let first_notes = element(&xhtml, "<div class=\"notes notes-first\">", "</div>");
    let last_notes = element(
        &xhtml,
        "<section class=\"notes notes-last\"",
        "</section>\n</section>",
    );
    assert!(
        first_notes.find("Note from the editors").unwrap() < first_notes.find("تحديث").unwrap()
    );
    assert_eq!(first_notes.matches("<time").count(), 1);
    assert!(last_notes.find("توضيح").unwrap() < last_notes.find("تصحيح").unwrap());
    assert!(xhtml.find("notes-first").unwrap() < xhtml.find("<aside").unwrap());
}
