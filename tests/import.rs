//! Bodies as a CMS stores them, HTML or Markdown, through a real server: every visible word
//! comes back in every format, nothing executable survives, nothing is fetched, and bombs are
//! refused within bounded time and memory.

mod common;

use std::net::TcpListener;
use std::time::Duration;

use broadsheet::model::{Block, Document, ExportJob};
use broadsheet::pb;
use common::TestServer;
use tonic::Code;
use tonic_types::StatusExt;

fn read(name: &str) -> String {
    std::fs::read_to_string(common::fixture_path(name)).unwrap()
}

/// An article whose body is `html` (or Markdown, with `markdown` set).
fn article_with_body(format: &str, body: &str, markdown: bool) -> pb::ExportRequest {
    let mut request = common::seed(format);
    if let Some(pb::export_request::Document::Article(article)) = &mut request.document {
        article.body.clear();
        if markdown {
            article.body_markdown = body.to_owned();
        } else {
            article.body_html = body.to_owned();
        }
    }
    request
}

/// The words of every text block of a validated job's article, in order.
fn words_of_blocks(job: &ExportJob) -> Vec<String> {
    let Document::Article(article) = &job.document else {
        unreachable!("an article")
    };
    let mut words = Vec::new();
    let mut push = |text: &str| {
        for word in text.split_whitespace() {
            let word: String = word.chars().filter(|c| c.is_alphanumeric()).collect();
            if word.chars().count() > 2 {
                words.push(word);
            }
        }
    };
    fn walk(blocks: &[Block], push: &mut dyn FnMut(&str)) {
        for block in blocks {
            match block {
                Block::Paragraph(spans) | Block::Heading { spans, .. } => {
                    push(&broadsheet::model::plain_text(spans));
                }
                Block::List { items, .. } => {
                    for item in items {
                        push(&broadsheet::model::plain_text(item));
                    }
                }
                Block::Quote { paragraphs, .. } => {
                    for p in paragraphs {
                        push(&broadsheet::model::plain_text(p));
                    }
                }
                Block::Aside(aside) => walk(&aside.blocks, push),
                _ => {}
            }
        }
    }
    walk(&article.body, &mut push);
    words
}

/// The text a format's output shows, as a reader would get it.
fn shown_text(format: &str, content: &[u8]) -> Option<String> {
    match format {
        "text" => Some(String::from_utf8(content.to_vec()).unwrap()),
        "epub" => Some(common::epub_text(content)),
        _ => {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("out.pdf");
            std::fs::write(&path, content).unwrap();
            let out = common::validators::tool(
                "pdftotext",
                &[path.as_os_str(), std::ffi::OsStr::new("-")],
            )?;
            // Rejoin words hyphenated at line ends.
            Some(String::from_utf8_lossy(&out.stdout).replace("-\n", ""))
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wordpress_body_keeps_every_word_and_nothing_executable_in_every_format() {
    // The tracking pixel points at a listener of our own: if anything fetched it, the
    // listener would see a connection.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let pixel = format!("http://{}/pixel.gif", listener.local_addr().unwrap());
    let html = read("html/wordpress.html").replace("https://tracker.example.com/pixel.gif", &pixel);
    assert!(html.contains(&pixel), "the fixture has its tracking pixel");

    let server = TestServer::start().await;
    let mut client = server.client().await;
    let job = ExportJob::try_from(article_with_body("text", &html, false)).unwrap();
    let words = words_of_blocks(&job);
    assert!(words.len() > 150, "the body has its text: {}", words.len());
    for format in ["text", "epub", "pdf"] {
        let response = client
            .export(article_with_body(format, &html, false))
            .await
            .unwrap()
            .into_inner();
        assert!(
            response.warnings.iter().any(|w| w.contains(&pixel)),
            "{format}: the dropped pixel is reported: {:?}",
            response.warnings
        );
        assert!(
            response.warnings.iter().any(|w| w.contains("script")),
            "{format}: the dropped scripts are reported: {:?}",
            response.warnings
        );
        let Some(shown) = shown_text(format, &response.content) else {
            continue;
        };
        let flat: String = shown
            .split_whitespace()
            .map(|w| {
                w.chars()
                    .filter(|c| c.is_alphanumeric())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join(" ");
        let mut at = 0;
        for word in &words {
            let found = flat[at..]
                .find(word.as_str())
                .unwrap_or_else(|| panic!("{format}: {word:?} is missing or out of order"));
            at += found + word.len();
        }
        for hostile in [
            "adsbygoogle",
            "document.write",
            "ADVERTISEMENT",
            "onclick",
            "navigator.share",
            "trackImage",
            "has-drop-cap",
            "javascript:",
            "Share this article",
        ] {
            assert!(!shown.contains(hostile), "{format}: {hostile:?} survived");
        }
    }
    assert!(
        matches!(listener.accept(), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "something fetched the tracking pixel"
    );
    server.stop().await;
}

#[test]
fn a_wordpress_body_makes_a_valid_epub() {
    let html = read("html/wordpress.html");
    let job = ExportJob::try_from(article_with_body("epub", &html, false)).unwrap();
    let export = common::export(&common::builtin(), &job);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wordpress.epub");
    std::fs::write(&path, &export.content).unwrap();
    if let Err(report) = common::validators::epubcheck(&path) {
        panic!("epubcheck:\n{report}");
    }
}

#[test]
fn a_google_docs_export_gives_the_blocks_of_its_clean_equivalent() {
    let messy = ExportJob::try_from(article_with_body(
        "text",
        &read("html/google-docs.html"),
        false,
    ))
    .unwrap();
    let clean = ExportJob::try_from(article_with_body(
        "text",
        &read("html/google-docs-clean.html"),
        false,
    ))
    .unwrap();
    let body = |job: &ExportJob| match &job.document {
        Document::Article(a) => a.body.clone(),
        _ => unreachable!(),
    };
    assert_eq!(body(&messy), body(&clean));
    assert!(body(&clean).len() > 3);
}

#[test]
fn markdown_with_a_table_emphasis_code_and_inline_html_maps_onto_blocks() {
    let job = ExportJob::try_from(article_with_body(
        "text",
        &read("markdown/article.md"),
        true,
    ))
    .unwrap();
    let Document::Article(article) = &job.document else {
        unreachable!()
    };
    let kinds: Vec<&str> = article
        .body
        .iter()
        .map(|b| match b {
            Block::Paragraph(_) => "paragraph",
            Block::Heading { .. } => "heading",
            Block::Table(_) => "table",
            Block::Preformatted(_) => "preformatted",
            Block::List { .. } => "list",
            Block::Quote { .. } => "quote",
            _ => "other",
        })
        .collect();
    for kind in ["paragraph", "heading", "table", "preformatted"] {
        assert!(kinds.contains(&kind), "no {kind} in {kinds:?}");
    }
    let nested = article.body.iter().any(|b| match b {
        Block::Paragraph(spans) => spans.iter().any(|s| s.strong && s.emphasis),
        _ => false,
    });
    assert!(
        nested,
        "nested emphasis survives as strong and emphasis together"
    );
    let text = String::from_utf8(common::export(&common::builtin(), &job).content).unwrap();
    assert!(
        !text.contains("<span") && !text.contains("<script"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_in_two_forms_names_both_fields() {
    let server = TestServer::start().await;
    let mut request = common::seed("text");
    if let Some(pb::export_request::Document::Article(article)) = &mut request.document {
        article.body_html = "<p>Also this.</p>".to_owned();
    }
    let status = server.client().await.export(request).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    let fields: Vec<String> = status
        .get_details_bad_request()
        .unwrap()
        .field_violations
        .into_iter()
        .map(|v| v.field)
        .collect();
    assert!(fields.contains(&"article.body".to_owned()), "{fields:?}");
    assert!(
        fields.contains(&"article.bodyHtml".to_owned()),
        "{fields:?}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn html_bombs_are_refused_quickly_by_field() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    let nested = format!("{}x{}", "<div>".repeat(200_000), "</div>".repeat(200_000));
    let empty_paragraphs = "<p></p>".repeat(1_000_000);
    let huge_attribute = format!("<p title=\"{}\">x</p>", "a".repeat(10 * 1024 * 1024));
    for (name, body) in [
        ("200,000 nested divs", nested),
        ("1,000,000 empty paragraphs", empty_paragraphs),
        ("a 10 MiB attribute", huge_attribute),
    ] {
        // A safety net, not a measurement: a hang fails the test instead of stalling it.
        let mut request = tonic::Request::new(article_with_body("text", &body, false));
        request.set_timeout(Duration::from_secs(120));
        // Refused by field, or handled within the limits: both are fine.
        if let Err(status) = client.export(request).await {
            assert_eq!(status.code(), Code::InvalidArgument, "{name}: {status:?}");
            let fields: Vec<String> = status
                .get_details_bad_request()
                .unwrap()
                .field_violations
                .into_iter()
                .map(|v| v.field)
                .collect();
            assert!(
                fields.iter().any(|f| f == "article.bodyHtml"),
                "{name}: {fields:?}"
            );
        }
    }
    // The server is unharmed.
    client.export(common::seed("text")).await.unwrap();
    server.stop().await;
}
