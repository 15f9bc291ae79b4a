//! End-to-end tests of the gRPC API: a real server on 127.0.0.1:0 and real tonic clients.

mod common;

use std::collections::BTreeSet;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use broadsheet::pb;
use broadsheet::pb::export_service_client::ExportServiceClient;
use broadsheet::render::{RenderContext, RenderError, Rendered, Renderer};
use broadsheet::server::Config;
use common::{TestServer, article_of, png_header, seed, seed_collection, violated_fields};
use futures::StreamExt;
use tonic::Code;
use tonic::codec::CompressionEncoding;

fn with_article(
    mut request: pb::ExportRequest,
    edit: impl FnOnce(&mut pb::Article),
) -> pb::ExportRequest {
    let mut article = article_of(&request);
    edit(&mut article);
    request.document = Some(pb::export_request::Document::Article(article));
    request
}

fn block(kind: pb::block::Kind) -> pb::Block {
    pb::Block { kind: Some(kind) }
}

fn paragraph(text: &str) -> pb::Block {
    block(pb::block::Kind::Paragraph(pb::Paragraph {
        text: text.to_owned(),
        spans: Vec::new(),
    }))
}

fn figure(data: Vec<u8>, media_type: &str) -> pb::Figure {
    pb::Figure {
        image: Some(pb::Image {
            data: data.into(),
            media_type: media_type.to_owned(),
            alt_text: "alt".to_owned(),
        }),
        caption: "caption".to_owned(),
        credit: "credit".to_owned(),
    }
}

/// Collapses whitespace, so wrapped text can be compared with its source.
fn unwrap_text(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[tokio::test]
async fn list_formats_reads_the_registry() {
    let server = TestServer::start().await;
    let formats = server
        .client()
        .await
        .list_formats(pb::ListFormatsRequest {})
        .await
        .unwrap()
        .into_inner()
        .formats;
    let text = formats
        .iter()
        .find(|f| f.id == "text")
        .expect("text format");
    assert_eq!(text.aliases, ["txt"]);
    assert_eq!(text.media_type, "text/plain; charset=utf-8");
    assert_eq!(text.extension, "txt");
    assert!(text.supports_collections);
    assert!(!text.description.is_empty());
}

#[tokio::test]
async fn text_export_of_the_seed_has_every_paragraph_in_order_and_the_credits() {
    let server = TestServer::start().await;
    let request = seed("text");
    let article = article_of(&request);
    let response = server
        .client()
        .await
        .export(request)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(response.media_type, "text/plain; charset=utf-8");
    assert_eq!(
        response.file_name,
        "crbc-2025-12-03-putin-kushner-witkoff.txt"
    );
    let text = String::from_utf8(response.content.to_vec()).unwrap();
    let flat = unwrap_text(&text);
    // The paragraphs as validation leaves them: cleaned, with typographic quotes.
    let job = broadsheet::model::ExportJob::try_from(seed("text")).unwrap();
    let broadsheet::model::Document::Article(validated) = &job.document else {
        unreachable!("the seed is an article")
    };
    let mut at = 0;
    for (i, block) in validated.body.iter().enumerate() {
        let broadsheet::model::Block::Paragraph(spans) = block else {
            continue;
        };
        let text = broadsheet::model::plain_text(spans);
        let found = flat[at..]
            .find(text.as_ref())
            .unwrap_or_else(|| panic!("paragraph {i} is missing or out of order"));
        at += found + text.len();
    }
    assert_eq!(validated.body.len(), article.body.len());
    assert!(flat.contains(
        "Reporting: Guy Faulconbridge. Editing: Timothy Heritage, Gareth Jones and Rod Nickel."
    ));
    assert!(text.contains("Four\u{2011}Hour"));
    let info = response.info.unwrap();
    assert_eq!(info.byte_size, response.content.len() as u64);
    assert!(info.word_count > 700, "{}", info.word_count);
}

#[tokio::test]
async fn export_stream_reassembles_to_the_export_bytes() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    let request = seed_collection(40, "text");
    let whole = client.export(request.clone()).await.unwrap().into_inner();
    let mut stream = client.export_stream(request).await.unwrap().into_inner();

    let first = stream.next().await.unwrap().unwrap();
    let Some(pb::export_chunk::Part::Header(header)) = first.part else {
        panic!("the first chunk is the header");
    };
    assert_eq!(header.media_type, whole.media_type);
    assert_eq!(header.file_name, whole.file_name);
    assert_eq!(header.info, whole.info);

    let mut content = Vec::new();
    let mut chunks = 0;
    while let Some(chunk) = stream.next().await {
        match chunk.unwrap().part {
            Some(pb::export_chunk::Part::Data(data)) => {
                assert!(data.len() <= 64 * 1024);
                content.extend_from_slice(&data);
                chunks += 1;
            }
            other => panic!("expected data, got {other:?}"),
        }
    }
    assert!(
        chunks >= 2,
        "a {} byte document came in {chunks} chunk(s)",
        content.len()
    );
    assert_eq!(content, whole.content);
}

#[tokio::test]
async fn export_batch_returns_every_result_with_its_id() {
    let server = TestServer::start().await;
    let requests: Vec<pb::ExportRequest> = (0..50)
        .map(|i| {
            let mut request = with_article(seed("text"), |a| {
                if i % 5 == 0 {
                    a.headline = " ".to_owned();
                }
            });
            request.request_id = format!("item-{i}");
            request
        })
        .collect();
    let mut results = server
        .client()
        .await
        .export_batch(futures::stream::iter(requests))
        .await
        .unwrap()
        .into_inner();
    let mut ids = BTreeSet::new();
    let mut failed = 0;
    while let Some(result) = results.next().await {
        let result = result.unwrap();
        let index: usize = result
            .request_id
            .strip_prefix("item-")
            .unwrap()
            .parse()
            .unwrap();
        match result.outcome.unwrap() {
            pb::batch_result::Outcome::Document(document) => {
                assert_ne!(index % 5, 0);
                assert!(!document.content.is_empty());
            }
            pb::batch_result::Outcome::Error(error) => {
                assert_eq!(index % 5, 0);
                assert_eq!(error.code, Code::InvalidArgument as i32);
                assert_eq!(error.field_violations[0].field, "article.headline");
                failed += 1;
            }
        }
        assert!(ids.insert(result.request_id), "a result came twice");
    }
    assert_eq!(ids.len(), 50);
    assert_eq!(failed, 10);
}

/// Each case: a request that breaks one rule, and the field that must be named.
fn invalid_requests() -> Vec<(&'static str, pb::ExportRequest, &'static str)> {
    use pb::block::Kind;
    let mut cases = vec![
        (
            "blank headline",
            with_article(seed("text"), |a| a.headline = " \u{0}\t ".to_owned()),
            "article.headline",
        ),
        (
            "missing headline",
            with_article(seed("text"), |a| a.headline.clear()),
            "article.headline",
        ),
        (
            "missing document",
            pb::ExportRequest {
                format: "text".to_owned(),
                ..Default::default()
            },
            "document",
        ),
        ("missing format", seed(""), "format"),
        ("unknown format", seed("docx"), "format"),
        (
            "invalid language",
            with_article(seed("text"), |a| a.language = "english!!".to_owned()),
            "article.language",
        ),
        (
            "heading level 0",
            with_article(seed("text"), |a| {
                a.body.insert(
                    2,
                    block(Kind::Heading(pb::Heading {
                        level: Some(0),
                        text: "H".to_owned(),
                        spans: Vec::new(),
                    })),
                )
            }),
            "article.body[2].heading.level",
        ),
        (
            "heading level 6",
            with_article(seed("text"), |a| {
                a.body.push(block(Kind::Heading(pb::Heading {
                    level: Some(6),
                    text: "H".to_owned(),
                    spans: Vec::new(),
                })))
            }),
            "article.body[10].heading.level",
        ),
        (
            "image that is not an image",
            with_article(seed("text"), |a| {
                a.body.insert(
                    1,
                    block(Kind::Figure(figure(
                        b"<svg xmlns='http://www.w3.org/2000/svg'/>".to_vec(),
                        "image/png",
                    ))),
                )
            }),
            "article.body[1].figure.image.data",
        ),
        (
            "image over the pixel limit",
            with_article(seed("text"), |a| {
                a.lead_figure = Some(figure(png_header(30_000, 30_000), "image/png"))
            }),
            "article.leadFigure.image.data",
        ),
        (
            "figure without an image",
            with_article(seed("text"), |a| {
                a.body.push(block(Kind::Figure(pb::Figure::default())))
            }),
            "article.body[10].figure.image",
        ),
        (
            "both text and spans",
            with_article(seed("text"), |a| {
                a.body[0] = block(Kind::Paragraph(pb::Paragraph {
                    text: "t".to_owned(),
                    spans: vec![pb::Span {
                        text: "s".to_owned(),
                        ..Default::default()
                    }],
                }))
            }),
            "article.body[0].paragraph",
        ),
        (
            "block without content",
            with_article(seed("text"), |a| a.body[3] = pb::Block { kind: None }),
            "article.body[3]",
        ),
        (
            "timestamp out of range",
            with_article(seed("text"), |a| {
                a.published_at = Some(prost_types::Timestamp {
                    seconds: i64::MAX,
                    nanos: 0,
                })
            }),
            "article.publishedAt",
        ),
        (
            "blank contributor name",
            with_article(seed("text"), |a| a.contributors[1].name = "\n".to_owned()),
            "article.contributors[1].name",
        ),
        (
            "canonical URL that is not http",
            with_article(seed("text"), |a| {
                a.canonical_url = "javascript:alert(1)".to_owned()
            }),
            "article.canonicalUrl",
        ),
        (
            "text field over its limit",
            with_article(seed("text"), |a| {
                a.body[4] = paragraph(&"x".repeat(300_000))
            }),
            "article.body[4].paragraph.text",
        ),
        (
            "headline over its limit",
            with_article(seed("text"), |a| a.headline = "word ".repeat(300)),
            "article.headline",
        ),
        (
            "too many blocks",
            with_article(seed("text"), |a| a.body = vec![paragraph("p"); 10_001]),
            "article.body",
        ),
        (
            "collection with no articles",
            seed_collection(0, "text"),
            "collection.articles",
        ),
        (
            "collection over its article limit",
            seed_collection(2_001, "text"),
            "collection.articles",
        ),
    ];
    let mut bad_width = seed("text");
    bad_width.options = Some(pb::RenderOptions {
        text: Some(pb::TextOptions { width: Some(5) }),
        ..Default::default()
    });
    cases.push(("text width too small", bad_width, "options.text.width"));
    let mut bad_member = seed_collection(3, "text");
    if let Some(pb::export_request::Document::Collection(c)) = &mut bad_member.document {
        c.articles[1].headline.clear();
        c.title = "  ".to_owned();
    }
    cases.push((
        "collection article without headline",
        bad_member.clone(),
        "collection.articles[1].headline",
    ));
    cases.push(("collection without title", bad_member, "collection.title"));
    cases
}

#[tokio::test]
async fn every_validation_rule_gives_invalid_argument_naming_its_field() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    for (case, request, field) in invalid_requests() {
        let status = client.export(request).await.expect_err(case);
        assert_eq!(status.code(), Code::InvalidArgument, "{case}: {status:?}");
        let fields = violated_fields(&status);
        assert!(
            fields.iter().any(|f| f == field),
            "{case}: expected a violation of {field}, got {fields:?}"
        );
    }
}

#[tokio::test]
async fn unknown_format_lists_the_formats_that_exist() {
    let server = TestServer::start().await;
    let status = server
        .client()
        .await
        .export(seed("docx"))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(violated_fields(&status), ["format"]);
    use tonic_types::StatusExt;
    let bad = status.get_details_bad_request().unwrap();
    assert!(bad.field_violations[0].description.contains("text"));
}

#[tokio::test]
async fn format_names_are_case_insensitive_and_aliases_work() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    let by_id = client.export(seed("text")).await.unwrap().into_inner();
    let by_alias = client.export(seed(" TXT ")).await.unwrap().into_inner();
    assert_eq!(by_id.content, by_alias.content);
}

#[tokio::test]
async fn gzip_requests_and_responses_are_accepted() {
    let server = TestServer::start().await;
    let mut client = server
        .client()
        .await
        .send_compressed(CompressionEncoding::Gzip)
        .accept_compressed(CompressionEncoding::Gzip);
    let response = client.export(seed("text")).await.unwrap().into_inner();
    assert!(!response.content.is_empty());
}

/// A client whose channel does not enforce deadlines itself: tonic's own client gives up
/// when `grpc-timeout` runs out and reports CANCELLED, which would hide the server's answer.
fn client_without_local_deadline(
    server: &TestServer,
) -> ExportServiceClient<
    hyper_util::client::legacy::Client<
        hyper_util::client::legacy::connect::HttpConnector,
        tonic::body::Body,
    >,
> {
    let http = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .http2_only(true)
        .build_http();
    let origin = tonic::codegen::http::Uri::from_str(&server.url()).unwrap();
    ExportServiceClient::with_origin(http, origin)
        .max_decoding_message_size(256 * 1024 * 1024)
        .max_encoding_message_size(256 * 1024 * 1024)
}

#[tokio::test]
async fn a_deadline_that_expires_gives_deadline_exceeded() {
    let server = TestServer::start().await;
    let mut client = client_without_local_deadline(&server);
    let mut request = tonic::Request::new(seed_collection(400, "text"));
    request.set_timeout(Duration::from_millis(1));
    let status = client.export(request).await.unwrap_err();
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");

    // The same request with time to spare succeeds on the same server.
    let mut request = tonic::Request::new(seed_collection(400, "text"));
    request.set_timeout(Duration::from_secs(60));
    client.export(request).await.unwrap();
}

/// A format whose renders wait until the test opens the gate.
#[derive(Clone, Default)]
struct Gate {
    open: Arc<AtomicBool>,
    started: Arc<AtomicUsize>,
}

impl Renderer for Gate {
    fn id(&self) -> &'static str {
        "gate"
    }
    fn media_type(&self) -> &'static str {
        "application/octet-stream"
    }
    fn extension(&self) -> &'static str {
        "bin"
    }
    fn description(&self) -> &'static str {
        "waits for the test"
    }
    fn render(&self, _: &RenderContext<'_>) -> Result<Rendered, RenderError> {
        self.started.fetch_add(1, Ordering::SeqCst);
        while !self.open.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(1));
        }
        Ok(Rendered::new(b"done".to_vec(), 0))
    }
}

async fn health_status(server: &TestServer) -> i32 {
    use tonic_health::pb::HealthCheckRequest;
    use tonic_health::pb::health_client::HealthClient;
    HealthClient::new(server.channel().await)
        .check(HealthCheckRequest {
            service: "broadsheet.v1.ExportService".to_owned(),
        })
        .await
        .unwrap()
        .into_inner()
        .status
}

#[tokio::test]
async fn overload_gives_resource_exhausted_while_health_answers_serving() {
    let gate = Gate::default();
    let config = Config {
        max_concurrent_renders: 1,
        max_queue: 0,
        ..Config::default()
    };
    let server = TestServer::start_with(config, common::builtin().with(gate.clone())).await;
    let client = server.client().await;

    let busy = {
        let mut client = client.clone();
        tokio::spawn(async move { client.export(seed("gate")).await })
    };
    while gate.started.load(Ordering::SeqCst) == 0 {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }

    let burst: Vec<_> = (0..8)
        .map(|_| {
            let mut client = client.clone();
            tokio::spawn(async move { client.export(seed("text")).await })
        })
        .collect();
    for shed in burst {
        let status = shed.await.unwrap().unwrap_err();
        assert_eq!(status.code(), Code::ResourceExhausted);
    }
    let serving = tonic_health::pb::health_check_response::ServingStatus::Serving as i32;
    assert_eq!(health_status(&server).await, serving);

    gate.open.store(true, Ordering::SeqCst);
    let done = busy.await.unwrap().unwrap().into_inner();
    assert_eq!(&done.content[..], b"done");
    let mut client = client.clone();
    client.export(seed("text")).await.unwrap();
    assert_eq!(health_status(&server).await, serving);
}

#[tokio::test]
async fn reflection_lists_the_export_service() {
    use tonic_reflection::pb::v1::ServerReflectionRequest;
    use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;

    let server = TestServer::start().await;
    let mut client = ServerReflectionClient::new(server.channel().await);
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut responses = client
        .server_reflection_info(futures::stream::iter([request]))
        .await
        .unwrap()
        .into_inner();
    let response = responses.next().await.unwrap().unwrap();
    let Some(MessageResponse::ListServicesResponse(list)) = response.message_response else {
        panic!("expected a service list");
    };
    let names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    assert!(
        names.contains(&"broadsheet.v1.ExportService".to_owned()),
        "{names:?}"
    );
    assert!(
        names.contains(&"grpc.health.v1.Health".to_owned()),
        "{names:?}"
    );
}

#[tokio::test]
async fn a_bad_request_does_not_affect_the_next_one() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    for (_, request, _) in invalid_requests().into_iter().take(6) {
        client.export(request).await.unwrap_err();
    }
    client.export(seed("text")).await.unwrap();
}

#[tokio::test]
async fn a_stopped_server_drains_and_returns() {
    let server = TestServer::start().await;
    server.client().await.export(seed("text")).await.unwrap();
    tokio::time::timeout(Duration::from_secs(10), server.stop())
        .await
        .expect("the server stops within its grace period");
}
