//! What newsrooms publish beyond paragraphs: tables, fact boxes, embeds, editorial notes,
//! contributor titles, labels in the article's language and typographic quotes, through
//! validation and every format, checked with poppler and from glyph positions.

mod common;

use broadsheet::model::ExportJob;
use broadsheet::pb;
use broadsheet::pb::block::Kind;
use common::validators::tool;
use common::{TestServer, article_of, seed, span};
use proptest::prelude::*;
use tonic::Code;
use tonic_types::StatusExt;

fn block(kind: Kind) -> pb::Block {
    pb::Block { kind: Some(kind) }
}

fn cell(text: &str) -> pb::TableCell {
    pb::TableCell {
        text: text.to_owned(),
        spans: Vec::new(),
        col_span: None,
    }
}

fn row(cells: &[&str]) -> pb::TableRow {
    pb::TableRow {
        cells: cells.iter().map(|c| cell(c)).collect(),
    }
}

fn table(header: &[&[&str]], rows: &[Vec<String>]) -> pb::Table {
    pb::Table {
        caption: "Territory and losses".to_owned(),
        credit: "Source: ministry figures".to_owned(),
        header_rows: header.iter().map(|r| row(r)).collect(),
        rows: rows
            .iter()
            .map(|r| pb::TableRow {
                cells: r.iter().map(|c| cell(c)).collect(),
            })
            .collect(),
        column_alignment: vec![pb::Alignment::Start as i32, pb::Alignment::End as i32],
    }
}

/// The seed article with these blocks in front of its body.
fn with_blocks(format: &str, blocks: Vec<pb::Block>) -> pb::ExportRequest {
    let mut request = seed(format);
    let mut article = article_of(&request);
    let body = std::mem::take(&mut article.body);
    article.body = blocks.into_iter().chain(body).collect();
    request.document = Some(pb::export_request::Document::Article(article));
    request
}

fn export(request: pb::ExportRequest) -> broadsheet::pipeline::Export {
    let job = ExportJob::try_from(request).expect("a valid request");
    common::export(&common::builtin(), &job)
}

/// The built-in formats with the machine's fonts, as a server has them: Japanese needs a
/// CJK font, which CI installs (fonts-noto-cjk).
static WITH_SYSTEM_FONTS: std::sync::LazyLock<broadsheet::render::Registry> =
    std::sync::LazyLock::new(common::builtin_with_system_fonts);

/// The field paths of a refused request, as the server reports them.
async fn refused_fields(server: &TestServer, request: pb::ExportRequest) -> Vec<String> {
    let status = server.client().await.export(request).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    status
        .get_details_bad_request()
        .expect("a BadRequest detail")
        .field_violations
        .into_iter()
        .map(|v| v.field)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_table_aside_and_embed_rule_names_its_field() {
    let server = TestServer::start().await;
    let ragged = pb::Table {
        rows: vec![row(&["a", "b"]), row(&["c"])],
        ..table(&[], &[])
    };
    let mut spanned = row(&["wide", "x"]);
    spanned.cells[0].col_span = Some(0);
    let zero_span = pb::Table {
        rows: vec![spanned],
        ..table(&[], &[])
    };
    let wide = pb::Table {
        rows: vec![pb::TableRow {
            cells: (0..51).map(|i| cell(&i.to_string())).collect(),
        }],
        ..table(&[], &[])
    };
    let long = pb::Table {
        rows: (0..5001).map(|i| row(&[&i.to_string()])).collect(),
        column_alignment: Vec::new(),
        ..table(&[], &[])
    };
    let nested = pb::Aside {
        title: "Outer".to_owned(),
        blocks: vec![block(Kind::Aside(pb::Aside {
            title: "Inner".to_owned(),
            blocks: vec![block(Kind::Paragraph(pb::Paragraph {
                text: "x".to_owned(),
                spans: vec![],
            }))],
        }))],
    };
    let embed = pb::Embed {
        url: "javascript:alert(1)".to_owned(),
        title: "A video".to_owned(),
        provider: "YouTube".to_owned(),
        description: String::new(),
    };
    let cases: Vec<(Kind, &str)> = vec![
        (Kind::Table(ragged), "article.body[0].table.rows[1].cells"),
        (
            Kind::Table(zero_span),
            "article.body[0].table.rows[0].cells[0].colSpan",
        ),
        (Kind::Table(wide), "article.body[0].table"),
        (Kind::Table(long), "article.body[0].table.rows"),
        (Kind::Aside(nested), "article.body[0].aside.blocks[0].aside"),
        (Kind::Embed(embed), "article.body[0].embed.url"),
    ];
    for (kind, field) in cases {
        let fields = refused_fields(&server, with_blocks("text", vec![block(kind)])).await;
        assert!(
            fields.iter().any(|f| f == field),
            "{field} not in {fields:?}"
        );
    }
    let mut note = seed("text");
    if let Some(pb::export_request::Document::Article(article)) = &mut note.document {
        article.notes.push(pb::EditorialNote {
            kind: pb::editorial_note::Kind::Correction as i32,
            text: "   ".to_owned(),
            date: None,
        });
    }
    let fields = refused_fields(&server, note).await;
    assert!(
        fields.iter().any(|f| f == "article.notes[0].text"),
        "{fields:?}"
    );
    server.stop().await;
}

#[test]
fn the_cell_limit_is_checked_before_the_cells_are_read() {
    let many = pb::Table {
        rows: (0..2001)
            .map(|_| {
                row(&[
                    "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14",
                    "15", "16", "17", "18", "19", "20", "21", "22", "23", "24", "25", "26", "27",
                    "28", "29", "30", "31", "32", "33", "34", "35", "36", "37", "38", "39", "40",
                    "41", "42", "43", "44", "45", "46", "47", "48", "49", "50",
                ])
            })
            .collect(),
        column_alignment: Vec::new(),
        ..table(&[], &[])
    };
    let err = ExportJob::try_from(with_blocks("text", vec![block(Kind::Table(many))])).unwrap_err();
    assert_eq!(err.violations[0].field, "article.body[0].table");
    assert!(err.violations[0].description.contains("100000"), "{err}");
}

/// `pdftotext -layout` of each page of a PDF.
fn pages_text(pdf: &[u8], pages: u32) -> Option<Vec<String>> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.pdf");
    std::fs::write(&path, pdf).unwrap();
    (1..=pages)
        .map(|page| {
            let page = page.to_string();
            let flags = ["-layout", "-f", page.as_str(), "-l", page.as_str()];
            let args: Vec<&std::ffi::OsStr> = flags
                .iter()
                .map(std::ffi::OsStr::new)
                .chain([path.as_os_str(), std::ffi::OsStr::new("-")])
                .collect();
            tool("pdftotext", &args).map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        })
        .collect()
}

#[test]
fn a_300_row_table_repeats_its_header_on_every_page_and_loses_no_row() {
    let rows: Vec<Vec<String>> = (1..=300)
        .map(|i| vec![format!("Settlement-{i:03}"), format!("{}", i * 37)])
        .collect();
    let mut request = with_blocks(
        "pdf",
        vec![block(Kind::Table(table(&[&["Place", "Residents"]], &rows)))],
    );
    request.options = Some(pb::RenderOptions {
        pdf: Some(pb::PdfOptions {
            page_size: pb::PageSize::A5 as i32,
            ..Default::default()
        }),
        ..Default::default()
    });
    let pdf = export(request);
    let Some(pages) = pages_text(&pdf.content, pdf.page_count) else {
        return;
    };
    let mut seen = vec![0usize; 300];
    let mut table_pages = 0;
    for text in &pages {
        let has_rows = text.contains("Settlement-");
        if !has_rows {
            continue;
        }
        table_pages += 1;
        let header = text
            .find("Place")
            .expect("the header on every page the table crosses");
        let first_row = text.find("Settlement-").unwrap();
        assert!(
            header < first_row,
            "the header comes before the rows:\n{text}"
        );
        for line in text.lines() {
            if let Some(at) = line.find("Settlement-") {
                let number: usize = line[at + 11..at + 14].parse().unwrap();
                let residents = (number * 37).to_string();
                assert!(
                    line.contains(&residents),
                    "row {number} is split from its figure: {line:?}"
                );
                seen[number - 1] += 1;
            }
        }
    }
    assert!(table_pages >= 3, "300 rows cross several A5 pages");
    for (i, count) in seen.iter().enumerate() {
        assert_eq!(*count, 1, "row {} appears {count} times", i + 1);
    }
}

#[test]
fn long_urls_and_cjk_in_cells_never_leave_the_page() {
    let long_url = format!(
        "https://example.com/{}",
        "very-long-path-segment/".repeat(12)
    );
    let rows = vec![
        vec![
            long_url.clone(),
            "北京市人民政府新闻办公室发布会记录全文".repeat(3),
        ],
        vec!["Kyiv".to_owned(), long_url.clone()],
    ];
    let pdf = export(with_blocks(
        "pdf",
        vec![block(Kind::Table(table(
            &[&["Source", "Statement"]],
            &rows,
        )))],
    ));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.pdf");
    std::fs::write(&path, &pdf.content).unwrap();
    let Some(output) = tool(
        "pdftotext",
        &[
            std::ffi::OsStr::new("-bbox"),
            path.as_os_str(),
            std::ffi::OsStr::new("-"),
        ],
    ) else {
        return;
    };
    let html = String::from_utf8_lossy(&output.stdout);
    let number = |tag: &str, name: &str| -> f32 {
        let at = tag.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        tag[at..].split('"').next().unwrap().parse().unwrap()
    };
    let page = html.split("<page ").nth(1).expect("a page");
    let page_width = number(page, "width");
    let mut words = 0;
    for tag in html.split("<word ").skip(1) {
        words += 1;
        let x_max = number(tag, "xMax");
        let x_min = number(tag, "xMin");
        assert!(
            x_min >= 0.0 && x_max <= page_width,
            "a word runs off the page: <word {}",
            &tag[..tag.len().min(200)]
        );
        // Inside the margins (18 mm), with half a point for rounding.
        assert!(
            x_max <= page_width - 51.0 + 0.5,
            "a word runs into the margin: <word {}",
            &tag[..tag.len().min(200)]
        );
    }
    assert!(words > 100);
}

/// An article in `language` with a quoted sentence, a byline, an update and a correction.
fn article_in(language: &str, quote: &str) -> pb::ExportRequest {
    let mut request = seed("text");
    if let Some(pb::export_request::Document::Article(article)) = &mut request.document {
        article.language = language.to_owned();
        article.body.insert(
            0,
            block(Kind::Paragraph(pb::Paragraph {
                text: quote.to_owned(),
                spans: vec![],
            })),
        );
        article.notes = vec![pb::EditorialNote {
            kind: pb::editorial_note::Kind::Correction as i32,
            text: "An earlier version misstated the length of the talks.".to_owned(),
            date: Some(prost_types::Timestamp {
                seconds: 1_764_850_000,
                nanos: 0,
            }),
        }];
    }
    request
}

#[test]
fn labels_and_quotes_follow_the_language_in_every_format() {
    // (language, a quote as a newsroom types it, the marks it must come out with, the
    // byline word)
    let cases = [
        (
            "de",
            "Er sagte: \"Das ist inakzeptabel.\"",
            ("„", "“"),
            "Von",
        ),
        (
            "de-AT",
            "Er sagte: \"Das ist inakzeptabel.\"",
            ("„", "“"),
            "Von",
        ),
        (
            "fr",
            "Il a dit : \"C'est inacceptable.\"",
            ("«\u{202f}", "\u{202f}»"),
            "Par",
        ),
        ("ar", "وقال: \"هذا غير مقبول.\"", ("«", "»"), "بقلم"),
        (
            "ja",
            "彼は\"受け入れられない\"と述べた。",
            ("「", "」"),
            "文：",
        ),
    ];
    for (language, quote, (open, close), by) in cases {
        for format in ["text", "epub", "pdf"] {
            let mut request = article_in(language, quote);
            request.format = format.to_owned();
            let job = ExportJob::try_from(request).expect("a valid request");
            let output = common::export(&WITH_SYSTEM_FONTS, &job);
            if output
                .warnings
                .iter()
                .any(|w| w.contains("no font has a glyph"))
            {
                assert!(
                    std::env::var("CI").as_deref() != Ok("true"),
                    "{language} {format}: {:?}",
                    output.warnings
                );
                eprintln!(
                    "SKIPPED: {language} {format}: no font for it here: {:?}",
                    output.warnings
                );
                continue;
            }
            let text = match format {
                "text" => String::from_utf8(output.content).unwrap(),
                "epub" => common::epub_text(&output.content),
                _ => {
                    let dir = tempfile::tempdir().unwrap();
                    let path = dir.path().join("t.pdf");
                    std::fs::write(&path, &output.content).unwrap();
                    let Some(out) =
                        tool("pdftotext", &[path.as_os_str(), std::ffi::OsStr::new("-")])
                    else {
                        continue;
                    };
                    String::from_utf8_lossy(&out.stdout).into_owned()
                }
            };
            // One glyph draws both the space and the narrow no-break space, and a PDF's
            // ToUnicode map gives a glyph one text, so poppler reads French « » spacing
            // as plain spaces; the marks themselves must be there.
            let (text, open, close) = if format == "pdf" {
                let plain = |t: &str| t.replace(['\u{202f}', '\u{a0}'], " ");
                (plain(&text), plain(open), plain(close))
            } else {
                (text, open.to_owned(), close.to_owned())
            };
            assert!(
                text.contains(&open) && text.contains(&close),
                "{language} {format}: the quotes are not {open}…{close}:\n{text}"
            );
            assert!(
                !text.contains('"') || format == "epub",
                "{language} {format}: a straight quote is left"
            );
            assert!(
                text.contains(by),
                "{language} {format}: no {by:?} in the byline:\n{text}"
            );
        }
    }
}

#[test]
fn smart_quotes_can_be_turned_off_and_never_touch_code() {
    let mut request = with_blocks(
        "text",
        vec![block(Kind::Paragraph(pb::Paragraph {
            text: String::new(),
            spans: vec![
                span("He typed \"yes\" into "),
                pb::Span {
                    code: true,
                    ..span("prompt(\"ok\")")
                },
                span("."),
            ],
        }))],
    );
    let on = String::from_utf8(export(request.clone()).content).unwrap();
    assert!(on.contains("“yes”"), "{on}");
    assert!(on.contains("prompt(\"ok\")"), "code keeps its quotes: {on}");
    request.options = Some(pb::RenderOptions {
        smart_quotes: Some(false),
        ..Default::default()
    });
    let off = String::from_utf8(export(request).content).unwrap();
    assert!(off.contains("\"yes\""), "{off}");
}

#[test]
fn the_newsroom_fixture_renders_in_every_format() {
    let request = common::fixture("newsroom.json");
    for format in ["text", "epub", "pdf"] {
        let mut request = request.clone();
        request.format = format.to_owned();
        let output = export(request);
        assert!(!output.content.is_empty());
        if format == "pdf" {
            let Some(pages) = pages_text(&output.content, output.page_count) else {
                continue;
            };
            let text = pages.concat();
            // The table extracts row by row: each row's cells on one line, in order.
            let job = ExportJob::try_from(common::fixture("newsroom.json")).unwrap();
            let broadsheet::model::Document::Article(article) = &job.document else {
                unreachable!()
            };
            for block in &article.body {
                let broadsheet::model::Block::Table(table) = block else {
                    continue;
                };
                for row in &table.rows {
                    let cells: Vec<String> = row
                        .cells
                        .iter()
                        .map(|c| broadsheet::model::plain_text(&c.spans).into_owned())
                        .filter(|c| !c.is_empty())
                        .collect();
                    let first_words: Vec<&str> = cells
                        .iter()
                        .filter_map(|c| c.split_whitespace().next())
                        .collect();
                    let line = text
                        .lines()
                        .find(|l| first_words.iter().all(|w| l.contains(w)))
                        .unwrap_or_else(|| panic!("no line holds the row {cells:?}:\n{text}"));
                    let mut at = 0;
                    for c in &cells {
                        let first_word = c.split_whitespace().next().unwrap();
                        let found = line[at..]
                            .find(first_word)
                            .unwrap_or_else(|| panic!("{c:?} is not in order on {line:?}"));
                        at += found + first_word.len();
                    }
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn random_tables_render_everywhere_the_same_twice(
        columns in 1usize..6,
        rows in prop::collection::vec(prop::collection::vec("[a-zA-Z0-9 北京→]{0,24}", 5), 1..30),
        header in any::<bool>(),
        align in prop::collection::vec(0i32..4, 0..6),
    ) {
        let rows: Vec<Vec<String>> = rows.into_iter().map(|r| r.into_iter().take(columns).collect()).collect();
        let header_row: Vec<String> = (0..columns).map(|i| format!("Column {i}")).collect();
        let header_refs: Vec<&str> = header_row.iter().map(String::as_str).collect();
        let header_rows: Vec<&[&str]> = if header { vec![&header_refs[..]] } else { vec![] };
        let mut t = table(&header_rows, &rows);
        t.column_alignment = align.into_iter().take(columns).collect();
        let request = with_blocks("text", vec![block(Kind::Table(t))]);
        let job = ExportJob::try_from(request).expect("square tables are valid");
        let registry = common::builtin();
        for format in ["text", "epub", "pdf"] {
            let job = ExportJob { format: format.to_owned(), ..job.clone() };
            let first = broadsheet::pipeline::export(&registry, &job, None).unwrap();
            let second = broadsheet::pipeline::export(&registry, &job, None).unwrap();
            prop_assert_eq!(first.content, second.content);
        }
    }
}
