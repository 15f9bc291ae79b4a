//! Memory bounds, in a test binary of its own so that the peak it reads is its own.

mod common;

use broadsheet::server::Config;
use common::{TestServer, seed};

fn peak_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_four_concurrent_pdf_renders_stay_under_300_mb() {
    let config = Config {
        max_concurrent_renders: 64,
        max_queue: 64,
        ..Config::default()
    };
    let server = TestServer::start_with(config, common::builtin()).await;
    let client = server.client().await;
    let calls: Vec<_> = (0..64)
        .map(|_| {
            let mut client = client.clone();
            tokio::spawn(async move { client.export(seed("pdf")).await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    let peak = peak_mb();
    eprintln!("peak resident memory with 64 concurrent PDF renders: {peak:.1} MB");
    assert!(peak < 300.0, "peak resident memory {peak:.1} MB");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn html_bombs_stay_under_300_mb() {
    let server = TestServer::start_with(Config::default(), common::builtin()).await;
    let mut client = server.client().await;
    let nested = format!("{}x{}", "<div>".repeat(200_000), "</div>".repeat(200_000));
    let empty = "<p></p>".repeat(1_000_000);
    for body in [nested, empty] {
        let mut request = seed("text");
        if let Some(broadsheet::pb::export_request::Document::Article(article)) =
            &mut request.document
        {
            article.body.clear();
            article.body_html = body;
        }
        let _ = client.export(request).await;
    }
    let peak = peak_mb();
    eprintln!("peak resident memory after the HTML bombs: {peak:.1} MB");
    assert!(peak < 300.0, "peak resident memory {peak:.1} MB");
}
