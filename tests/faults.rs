//! Faults a service meets in production, CI-sized: clients that hang up mid-stream,
//! deadlines that expire mid-render, a flood of oversized messages, decompression-bomb
//! images. After each, the server still answers a normal request.

mod common;

use std::time::Duration;

use broadsheet::pb;
use broadsheet::server::Config;
use common::{TestServer, png_header, seed, seed_collection};
use futures::StreamExt;
use tonic::Code;

fn resident_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

#[tokio::test]
async fn clients_hanging_up_mid_stream_do_not_hurt_the_server() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    for _ in 0..10 {
        let mut stream = client
            .export_stream(seed_collection(30, "text"))
            .await
            .unwrap()
            .into_inner();
        // Take the header and one chunk, then hang up.
        stream.next().await.unwrap().unwrap();
        stream.next().await.unwrap().unwrap();
        drop(stream);
    }
    client.export(seed("pdf")).await.unwrap();
}

#[tokio::test]
async fn a_deadline_that_expires_mid_render_ends_the_call_not_the_server() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    let mut request = tonic::Request::new(seed_collection(60, "pdf"));
    request.set_timeout(Duration::from_millis(50));
    let status = client.export(request).await.unwrap_err();
    // tonic's own client gives up at the deadline and reports CANCELLED; the server answers
    // DEADLINE_EXCEEDED (checked in tests/grpc.rs with a client that waits for it).
    assert!(
        matches!(status.code(), Code::Cancelled | Code::DeadlineExceeded),
        "{status:?}"
    );
    client.export(seed("text")).await.unwrap();
}

#[tokio::test]
async fn a_flood_of_oversized_messages_is_refused_and_the_server_goes_on() {
    let config = Config {
        max_message_bytes: 256 * 1024,
        ..Config::default()
    };
    let server = TestServer::start_with(config, common::builtin()).await;
    let client = server.client().await;
    let mut big = seed("text");
    if let Some(pb::export_request::Document::Article(article)) = &mut big.document {
        article.summary = "x".repeat(200 * 1024);
        article.copyright = "y".repeat(200 * 1024);
    }
    let flood: Vec<_> = (0..40)
        .map(|_| {
            let mut client = client.clone();
            let big = big.clone();
            tokio::spawn(async move { client.export(big).await })
        })
        .collect();
    for call in flood {
        let status = call.await.unwrap().unwrap_err();
        assert!(
            matches!(status.code(), Code::OutOfRange | Code::ResourceExhausted),
            "{status:?}"
        );
    }
    client.clone().export(seed("text")).await.unwrap();
}

#[tokio::test]
async fn decompression_bombs_are_refused_from_their_header_without_memory_growth() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    client.export(seed("pdf")).await.unwrap();
    let before = resident_mb();
    for _ in 0..20 {
        let mut request = seed("pdf");
        if let Some(pb::export_request::Document::Article(article)) = &mut request.document {
            article.lead_figure = Some(pb::Figure {
                image: Some(pb::Image {
                    data: png_header(30_000, 30_000).into(),
                    media_type: "image/png".to_owned(),
                    alt_text: "bomb".to_owned(),
                }),
                caption: String::new(),
                credit: String::new(),
            });
        }
        let status = client.export(request).await.unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument);
    }
    let grown = resident_mb() - before;
    // Decoding one such image would take 3.6 GB.
    assert!(grown < 50.0, "resident memory grew by {grown:.1} MB");
    client.export(seed("text")).await.unwrap();
}
