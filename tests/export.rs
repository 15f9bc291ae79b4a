//! `broadsheet export` against real servers: balancing over two, failures named, resume,
//! a server killed mid-run, bundles, and flat memory.

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use broadsheet::layout::FontLibrary;
use broadsheet::render::{
    EpubRenderer, PdfRenderer, Registry, RenderContext, RenderError, Rendered, Renderer,
    TextRenderer,
};
use broadsheet::server::Config;
use common::{TestServer, article_of, seed};

/// A built-in renderer that counts its renders.
struct Counting<R> {
    inner: R,
    count: Arc<AtomicUsize>,
}

impl<R: Renderer> Renderer for Counting<R> {
    fn id(&self) -> &str {
        self.inner.id()
    }
    fn aliases(&self) -> &[&str] {
        self.inner.aliases()
    }
    fn media_type(&self) -> &str {
        self.inner.media_type()
    }
    fn extension(&self) -> &str {
        self.inner.extension()
    }
    fn description(&self) -> &str {
        self.inner.description()
    }
    fn render(&self, cx: &RenderContext<'_>) -> Result<Rendered, RenderError> {
        self.count.fetch_add(1, Ordering::SeqCst);
        self.inner.render(cx)
    }
}

async fn counting_server() -> (TestServer, Arc<AtomicUsize>) {
    let count = Arc::new(AtomicUsize::new(0));
    let registry = Registry::new()
        .with(Counting {
            inner: TextRenderer,
            count: Arc::clone(&count),
        })
        .with(Counting {
            inner: EpubRenderer::new(FontLibrary::embedded()),
            count: Arc::clone(&count),
        })
        .with(Counting {
            inner: PdfRenderer::new(FontLibrary::embedded()),
            count: Arc::clone(&count),
        });
    (
        TestServer::start_with(Config::default(), registry).await,
        count,
    )
}

/// Writes `n` article files, every `invalid_every`-th one without a headline.
fn write_inputs(dir: &Path, n: usize, invalid_every: usize) -> Vec<String> {
    std::fs::create_dir_all(dir).unwrap();
    let article = article_of(&seed("text"));
    let mut invalid = Vec::new();
    for i in 0..n {
        let mut a = article.clone();
        a.id = format!("a{i}");
        a.headline = format!("{} ({i})", article.headline);
        if invalid_every > 0 && i % invalid_every == invalid_every - 1 {
            a.headline.clear();
            invalid.push(format!("article-{i:05}.json"));
        }
        let request = broadsheet::pb::ExportRequest {
            document: Some(broadsheet::pb::export_request::Document::Article(a)),
            ..Default::default()
        };
        std::fs::write(dir.join(format!("article-{i:05}.json")), to_json(&request)).unwrap();
    }
    invalid
}

/// Canonical proto3 JSON of a request, through the same descriptor pool as the CLI.
fn to_json(request: &broadsheet::pb::ExportRequest) -> String {
    use prost::Message;
    let pool = prost_reflect::DescriptorPool::decode(broadsheet::pb::FILE_DESCRIPTOR_SET).unwrap();
    let descriptor = pool
        .get_message_by_name("broadsheet.v1.ExportRequest")
        .unwrap();
    let message =
        prost_reflect::DynamicMessage::decode(descriptor, request.encode_to_vec().as_slice())
            .unwrap();
    serde_json::to_string(&message).unwrap()
}

/// Runs `broadsheet export` with these arguments, off the async runtime.
async fn export(args: &[&str]) -> Output {
    let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_broadsheet"))
            .arg("export")
            .args(args)
            .output()
            .expect("the binary runs")
    })
    .await
    .expect("the export task")
}

fn files_in(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |d| {
        d.filter_map(Result::ok)
            .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
            .count()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_export_the_valid_inputs_and_name_the_rest() {
    let (a, count_a) = counting_server().await;
    let (b, count_b) = counting_server().await;
    let dir = tempfile::tempdir().unwrap();
    let (inputs, out) = (dir.path().join("in"), dir.path().join("out"));
    let invalid = write_inputs(&inputs, 200, 20);
    assert_eq!(invalid.len(), 10);
    let servers = format!("{},{}", a.url(), b.url());
    let args = [
        "--server",
        &servers,
        "--format",
        "text",
        "--out",
        out.to_str().unwrap(),
        inputs.to_str().unwrap(),
    ];
    let first = export(&args).await;
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert!(
        !first.status.success(),
        "some inputs failed, so the exit code is not 0"
    );
    assert_eq!(files_in(&out), 190, "{stderr}");
    for name in &invalid {
        assert!(
            stderr.contains(name) && stderr.contains("article.headline"),
            "{name} is named: {stderr}"
        );
    }
    let (served_a, served_b) = (
        count_a.load(Ordering::SeqCst),
        count_b.load(Ordering::SeqCst),
    );
    assert!(
        served_a > 0 && served_b > 0,
        "both servers served: {served_a} and {served_b}"
    );
    assert!(
        stderr.contains("exported 190, failed 10, skipped 0"),
        "{stderr}"
    );

    // A rerun skips what exists and sends only the ten that failed.
    let second = export(&args).await;
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(
        stderr.contains("exported 0, failed 10, skipped 190"),
        "{stderr}"
    );
    let rendered_again =
        count_a.load(Ordering::SeqCst) + count_b.load(Ordering::SeqCst) - served_a - served_b;
    assert_eq!(
        rendered_again, 0,
        "invalid inputs fail before rendering; nothing was rendered twice"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_run_leaves_its_work_to_the_other() {
    let (a, _) = counting_server().await;
    // Server B is a process of its own, so it can be killed outright.
    let mut b = Command::new(env!("CARGO_BIN_EXE_broadsheet"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let b_url = {
        use std::io::{BufRead, BufReader};
        let mut lines = BufReader::new(b.stderr.take().unwrap()).lines();
        let url = loop {
            let line = lines.next().unwrap().unwrap();
            if let Some(rest) = line.split("address=").nth(1) {
                break format!("http://{}", rest.split_whitespace().next().unwrap());
            }
        };
        std::thread::spawn(move || for _ in lines {});
        url
    };
    let dir = tempfile::tempdir().unwrap();
    let (inputs, out) = (dir.path().join("in"), dir.path().join("out"));
    write_inputs(&inputs, 150, 0);
    let servers = format!("{b_url},{}", a.url());
    let client = Command::new(env!("CARGO_BIN_EXE_broadsheet"))
        .args([
            "export",
            "--server",
            &servers,
            "--format",
            "epub",
            "--concurrency",
            "8",
            "--out",
        ])
        .arg(&out)
        .arg(&inputs)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let until = Instant::now() + Duration::from_secs(60);
    while files_in(&out) < 10 {
        assert!(Instant::now() < until, "the export never started");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    b.kill().unwrap();
    let _ = b.wait();
    let output = tokio::task::spawn_blocking(move || client.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(files_in(&out), 150, "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bundles_make_one_valid_epub_and_one_pdf_listing_every_article() {
    let (server, _) = counting_server().await;
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("in");
    write_inputs(&inputs, 12, 0);
    let epub = dir.path().join("briefing.epub");
    let pdf = dir.path().join("briefing.pdf");
    for (format, path) in [("epub", &epub), ("pdf", &pdf)] {
        let url = server.url();
        let args = [
            "--server",
            &url,
            "--format",
            format,
            "--title",
            "Morning Briefing",
            "--date",
            "2025-12-03",
            "--bundle",
            path.to_str().unwrap(),
            inputs.to_str().unwrap(),
        ];
        let output = export(&args).await;
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    if let Err(report) = common::validators::epubcheck(&epub) {
        panic!("epubcheck rejected the bundle:\n{report}");
    }
    let Some(output) = common::validators::tool(
        "pdftotext",
        &[
            "-layout".as_ref(),
            "-f".as_ref(),
            "2".as_ref(),
            "-l".as_ref(),
            "2".as_ref(),
            pdf.as_os_str(),
            "-".as_ref(),
        ],
    ) else {
        return;
    };
    let contents = String::from_utf8_lossy(&output.stdout);
    assert!(contents.contains("Contents"));
    for i in 0..12 {
        assert!(
            contents.contains(&format!("({i})")),
            "article {i} is listed:\n{contents}"
        );
    }
}

/// The "peak memory" the export reports, in MB.
fn peak_mb(output: &Output) -> f64 {
    let stderr = String::from_utf8_lossy(&output.stderr);
    stderr
        .split("peak memory ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|mb| mb.parse().ok())
        .unwrap_or_else(|| panic!("no peak memory in: {stderr}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_stays_flat_from_500_to_5000_inputs() {
    let (a, _) = counting_server().await;
    let (b, _) = counting_server().await;
    let servers = format!("{},{}", a.url(), b.url());
    let dir = tempfile::tempdir().unwrap();
    let mut peaks = Vec::new();
    for n in [500, 5000] {
        let inputs = dir.path().join(format!("in-{n}"));
        let out = dir.path().join(format!("out-{n}"));
        write_inputs(&inputs, n, 0);
        let args = [
            "--server",
            &servers,
            "--format",
            "text",
            "--out",
            out.to_str().unwrap(),
            inputs.to_str().unwrap(),
        ];
        let output = export(&args).await;
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(files_in(&out), n);
        peaks.push(peak_mb(&output));
    }
    eprintln!(
        "client peak memory: 500 inputs {:.1} MB, 5000 inputs {:.1} MB",
        peaks[0], peaks[1]
    );
    assert!(
        peaks[1] < peaks[0] * 1.3 + 4.0,
        "memory grew with the inputs: {peaks:?}"
    );
}
