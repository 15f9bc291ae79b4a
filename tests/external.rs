//! The one pipeline and the open renderer contract, end to end: every way in gives the same
//! bytes, collections are refused alike by the server and the CLI, external renderers (real
//! programs in `tests/renderers/`) serve through all three RPCs and fail cleanly, and font
//! settings are values that two registries can hold differently in one process.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use broadsheet::layout::{FontId, FontLibrary, FontSettings};
use broadsheet::model::ExportJob;
use broadsheet::pb;
use broadsheet::render::{Registry, external};
use broadsheet::server::Config;
use common::{TestServer, fixture_path, seed, seed_collection};
use futures::StreamExt;
use tonic::Code;

fn broadsheet() -> Command {
    Command::new(env!("CARGO_BIN_EXE_broadsheet"))
}

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/renderers")
        .join(name)
}

/// A renderers file in `dir` with the test programs: `echo` (collections too), `fail`,
/// `slow` (a 300 ms timeout, its pid written to `dir/slow.pid`), `stuck` (a long timeout,
/// for deadlines; pid in `dir/stuck.pid`), `flood` and `crash` (killed by a signal).
fn renderers_file(dir: &Path) -> PathBuf {
    let table = |id: &str, command: &[&str], extra: &str| {
        let command: Vec<String> = command.iter().map(|c| format!("{c:?}")).collect();
        format!(
            "[renderer.{id}]\ncommand = [{}]\nmedia_type = \"application/json\"\nextension = \"json\"\ndescription = \"test renderer {id}\"\n{extra}\n",
            command.join(", ")
        )
    };
    let echo = script("echo-request.sh");
    let fail = script("fail.sh");
    let sleep = script("sleep.sh");
    let flood = script("flood.sh");
    let slow_pid = dir.join("slow.pid");
    let stuck_pid = dir.join("stuck.pid");
    let text = [
        table(
            "echo",
            &[echo.to_str().unwrap()],
            "supports_collections = true",
        ),
        table("fail", &[fail.to_str().unwrap()], ""),
        table(
            "slow",
            &[sleep.to_str().unwrap(), slow_pid.to_str().unwrap()],
            "timeout_ms = 300",
        ),
        table(
            "stuck",
            &[sleep.to_str().unwrap(), stuck_pid.to_str().unwrap()],
            "timeout_ms = 60000",
        ),
        table("flood", &[flood.to_str().unwrap()], ""),
        table("crash", &[script("crash.sh").to_str().unwrap()], ""),
    ]
    .concat();
    let path = dir.join("renderers.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// The largest message in these tests, so `flood` goes over it.
const MAX_MESSAGE: usize = 4 * 1024 * 1024;

fn registry_with_externals(dir: &Path) -> Registry {
    let mut registry = common::builtin();
    for renderer in external::load(&renderers_file(dir), MAX_MESSAGE).unwrap() {
        registry = registry.try_with(Arc::new(renderer)).unwrap();
    }
    registry
}

async fn server_with_externals(dir: &Path) -> TestServer {
    let config = Config {
        max_message_bytes: MAX_MESSAGE,
        ..Config::default()
    };
    TestServer::start_with(config, registry_with_externals(dir)).await
}

fn is_running(pid: u32) -> bool {
    // A killed child is reaped by the server, so its /proc entry goes.
    Path::new(&format!("/proc/{pid}")).exists()
}

fn wait_gone(pid: u32, within: Duration) -> bool {
    let until = Instant::now() + within;
    while Instant::now() < until {
        if !is_running(pid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    !is_running(pid)
}

fn read_pid(path: &Path, within: Duration) -> u32 {
    let until = Instant::now() + within;
    loop {
        if let Ok(text) = std::fs::read_to_string(path)
            && let Ok(pid) = text.trim().parse()
        {
            return pid;
        }
        assert!(Instant::now() < until, "{} never appeared", path.display());
        std::thread::sleep(Duration::from_millis(10));
    }
}

async fn export_bytes_every_way(server: &TestServer, request: pb::ExportRequest) -> Vec<Vec<u8>> {
    let mut client = server.client().await;
    let unary = client
        .export(request.clone())
        .await
        .unwrap()
        .into_inner()
        .content
        .to_vec();
    let mut stream = client
        .export_stream(request.clone())
        .await
        .unwrap()
        .into_inner();
    let mut streamed = Vec::new();
    while let Some(chunk) = stream.next().await {
        if let Some(pb::export_chunk::Part::Data(data)) = chunk.unwrap().part {
            streamed.extend_from_slice(&data);
        }
    }
    let mut batch = client
        .export_batch(futures::stream::iter([request.clone()]))
        .await
        .unwrap()
        .into_inner();
    let batched = match batch.next().await.unwrap().unwrap().outcome {
        Some(pb::batch_result::Outcome::Document(document)) => document.content.to_vec(),
        other => panic!("the batch item failed: {other:?}"),
    };
    vec![unary, streamed, batched]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_way_in_gives_the_same_bytes_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let server = server_with_externals(dir.path()).await;
    let renderers = renderers_file(dir.path());
    for format in ["text", "epub", "pdf", "html", "echo"] {
        let request = seed(format);
        let mut outputs = export_bytes_every_way(&server, request.clone()).await;
        let file = dir.path().join(format!("seed.{format}"));
        let cli = broadsheet()
            .args([
                "render",
                "--no-system-fonts",
                "--format",
                format,
                "--renderers",
            ])
            .arg(&renderers)
            .arg("-o")
            .arg(&file)
            .arg(fixture_path("seed.json"))
            .output()
            .unwrap();
        assert!(
            cli.status.success(),
            "{}",
            String::from_utf8_lossy(&cli.stderr)
        );
        outputs.push(std::fs::read(&file).unwrap());
        for (way, bytes) in ["ExportStream", "ExportBatch", "broadsheet render"]
            .iter()
            .zip(&outputs[1..])
        {
            assert!(
                bytes == &outputs[0],
                "{format}: {way} differs from Export ({} bytes against {})",
                bytes.len(),
                outputs[0].len()
            );
        }
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_collection_in_an_article_only_format_is_refused_alike_by_server_and_cli() {
    let dir = tempfile::tempdir().unwrap();
    let server = server_with_externals(dir.path()).await;
    let request = seed_collection(2, "fail");
    let status = server
        .client()
        .await
        .export(request.clone())
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    let details = tonic_types::StatusExt::get_error_details(&status);
    let violations = details.bad_request().unwrap().field_violations.clone();
    assert_eq!(violations[0].field, "collection");

    let input = dir.path().join("collection.json");
    std::fs::write(&input, broadsheet::json::request_to_json(&request).unwrap()).unwrap();
    let cli = broadsheet()
        .args(["render", "--renderers"])
        .arg(renderers_file(dir.path()))
        .arg(&input)
        .output()
        .unwrap();
    assert!(!cli.status.success());
    let stderr = String::from_utf8_lossy(&cli.stderr);
    assert!(
        stderr.contains(&format!("collection: {}", violations[0].description)),
        "the CLI says what the server says: {stderr}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_external_renderer_is_listed_and_renders_the_cleaned_request() {
    let dir = tempfile::tempdir().unwrap();
    let server = server_with_externals(dir.path()).await;
    let mut client = server.client().await;
    let formats = client
        .list_formats(pb::ListFormatsRequest {})
        .await
        .unwrap()
        .into_inner()
        .formats;
    let echo = formats.iter().find(|f| f.id == "echo").expect("listed");
    assert_eq!(echo.media_type, "application/json");
    assert!(echo.supports_collections);
    assert!(
        !formats
            .iter()
            .find(|f| f.id == "fail")
            .unwrap()
            .supports_collections
    );

    let mut request = seed("echo");
    if let Some(pb::export_request::Document::Article(article)) = &mut request.document {
        article.headline = "  Putin\u{0007} holds   talks ".to_owned();
    }
    let response = client.export(request).await.unwrap().into_inner();
    assert_eq!(response.file_name.rsplit('.').next(), Some("json"));
    assert_eq!(
        response.warnings,
        ["echo-request: rendered without a template"]
    );
    let seen = broadsheet::json::request_from_json(std::str::from_utf8(&response.content).unwrap())
        .expect("the program got canonical JSON");
    let Some(pb::export_request::Document::Article(article)) = seen.document else {
        panic!("the program got the article");
    };
    assert_eq!(
        article.headline, "Putin holds talks",
        "the request was cleaned"
    );
    assert_eq!(seen.format, "echo");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_slow_flooding_and_crashing_programs_give_internal_and_the_server_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let server = server_with_externals(dir.path()).await;
    let mut client = server.client().await;
    for (format, words) in [
        (
            "fail",
            "exited with status 1: template newsletter.html is missing",
        ),
        ("slow", "timeout of 300 ms"),
        ("flood", "more than"),
        ("crash", "killed by signal 9"),
    ] {
        let status = client.export(seed(format)).await.unwrap_err();
        assert_eq!(status.code(), Code::Internal, "{format}: {status:?}");
        assert!(
            status.message().contains(words),
            "{format}: {}",
            status.message()
        );
        assert!(
            !status.message().contains('\n'),
            "one line: {}",
            status.message()
        );
    }
    let slow = read_pid(&dir.path().join("slow.pid"), Duration::from_secs(5));
    assert!(
        wait_gone(slow, Duration::from_secs(5)),
        "the timed-out program was killed"
    );
    // The server still serves, built-in and external formats alike.
    client.export(seed("text")).await.unwrap();
    client.export(seed("echo")).await.unwrap();
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_callers_deadline_kills_the_program() {
    let dir = tempfile::tempdir().unwrap();
    let server = server_with_externals(dir.path()).await;
    let mut client = server.client().await;
    let mut request = tonic::Request::new(seed("stuck"));
    request.set_timeout(Duration::from_millis(500));
    let started = Instant::now();
    let status = client.export(request).await.unwrap_err();
    assert!(
        matches!(status.code(), Code::DeadlineExceeded | Code::Cancelled),
        "{status:?}"
    );
    let pid = read_pid(&dir.path().join("stuck.pid"), Duration::from_secs(5));
    assert!(
        wait_gone(pid, Duration::from_secs(5)),
        "the program outlived the deadline"
    );
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "not its own 60 s timeout"
    );
    client.export(seed("text")).await.unwrap();
    server.stop().await;
}

#[test]
fn a_missing_program_is_refused_at_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("renderers.toml");
    std::fs::write(
        &file,
        "[renderer.docx]\ncommand = [\"./to-docx\"]\nmedia_type = \"application/vnd.openxmlformats-officedocument.wordprocessingml.document\"\nextension = \"docx\"\ndescription = \"Word\"\n",
    )
    .unwrap();
    let output = broadsheet()
        .args(["serve", "--listen", "127.0.0.1:0", "--renderers"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--renderers"), "{stderr}");
    assert!(stderr.contains("./to-docx"), "{stderr}");
}

#[test]
fn a_built_in_format_cannot_be_shadowed() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("renderers.toml");
    std::fs::write(
        &file,
        format!(
            "[renderer.pdf]\ncommand = [{:?}]\nmedia_type = \"application/pdf\"\nextension = \"pdf\"\ndescription = \"shadow\"\n",
            script("echo-request.sh").to_str().unwrap()
        ),
    )
    .unwrap();
    let output = broadsheet()
        .args(["formats", "--renderers"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("`pdf` is taken"), "{stderr}");
}

#[test]
fn formats_lists_external_renderers() {
    let dir = tempfile::tempdir().unwrap();
    let output = broadsheet()
        .args(["formats", "--renderers"])
        .arg(renderers_file(dir.path()))
        .output()
        .unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    for id in ["echo", "fail", "pdf", "epub", "text"] {
        assert!(
            stdout.lines().any(|l| l.starts_with(id)),
            "{id} is missing from:\n{stdout}"
        );
    }
}

#[test]
fn render_into_a_closed_pipe_exits_quietly() {
    let mut child = broadsheet()
        .args(["render", "--format", "text", "-o", "-"])
        .arg(fixture_path("digest.json"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Close the read end at once, as `| head -c0` would.
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{output:?}");
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn the_cli_renders_a_bare_collection() {
    let request = seed_collection(2, "text");
    let Some(pb::export_request::Document::Collection(collection)) = request.document else {
        unreachable!()
    };
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("collection.json");
    let json = broadsheet::json::request_to_json(&pb::ExportRequest {
        document: Some(pb::export_request::Document::Collection(collection)),
        ..Default::default()
    })
    .unwrap();
    // The bare collection is the request's `collection` member.
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    std::fs::write(&input, value["collection"].to_string()).unwrap();
    let output = broadsheet()
        .args(["render", "--format", "text"])
        .arg(&input)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("Morning Briefing"));
}

/// A CJK font of the machine, if one is installed (Debian's `fonts-noto-cjk`).
fn cjk_font_dir() -> Option<PathBuf> {
    let dir = Path::new("/usr/share/fonts/opentype/noto");
    dir.join("NotoSansCJK-Regular.ttc")
        .exists()
        .then(|| dir.to_owned())
}

#[test]
fn two_registries_with_different_fonts_live_in_one_process() {
    let Some(cjk) = cjk_font_dir() else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI installs fonts-noto-cjk for this test"
        );
        eprintln!("SKIPPED: no CJK font installed (apt-get install fonts-noto-cjk)");
        return;
    };
    let embedded = FontLibrary::embedded();
    let with_cjk = FontLibrary::new(FontSettings::new(vec![cjk], false)).unwrap();
    assert_eq!(embedded.font_for(FontId::SerifRegular, '北'), None);
    assert!(with_cjk.font_for(FontId::SerifRegular, '北').is_some());

    let mut request = seed("pdf");
    if let Some(pb::export_request::Document::Article(article)) = &mut request.document {
        article.headline = "北京 talks".to_owned();
    }
    let job = ExportJob::try_from(request).unwrap();
    let plain = common::export(&Registry::builtin(&embedded), &job);
    let cjk = common::export(&Registry::builtin(&with_cjk), &job);
    assert!(
        plain.warnings.iter().any(|w| w.contains("U+5317")),
        "{:?}",
        plain.warnings
    );
    assert!(
        !cjk.warnings.iter().any(|w| w.contains("U+5317")),
        "{:?}",
        cjk.warnings
    );
    // The first registry is unchanged by the second.
    assert_eq!(
        common::export(&Registry::builtin(&embedded), &job).content,
        plain.content
    );
}

#[test]
fn a_broken_font_dir_is_ignored_and_a_missing_one_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("zero.ttf"), b"").unwrap();
    std::fs::write(
        dir.path().join("broken.otf"),
        b"OTTO\x00\x09 not a font at all",
    )
    .unwrap();
    let output = broadsheet()
        .args(["render", "--no-system-fonts", "--format", "pdf", "-o"])
        .arg(dir.path().join("out.pdf"))
        .arg("--font-dir")
        .arg(dir.path())
        .arg(fixture_path("multilingual.json"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let output = broadsheet()
        .args(["formats", "--font-dir", "/nonexistent/fonts"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--font-dir /nonexistent/fonts"), "{stderr}");
}

#[test]
fn registries_are_listed_sorted_with_externals() {
    let dir = tempfile::tempdir().unwrap();
    let ids: Vec<String> = registry_with_externals(dir.path())
        .renderers()
        .map(|r| r.id().to_owned())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted);
}

/// Starts `broadsheet serve` with `args` (on a free port unless they name one) and waits
/// for it to exit, as a start-up failure must: with a message on standard error.
fn start_up_failure(args: &[&str]) -> String {
    let listen: &[&str] = if args.contains(&"--listen") {
        &[]
    } else {
        &["--listen", "127.0.0.1:0"]
    };
    let mut child = broadsheet()
        .arg("serve")
        .args(listen)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // A safety net, not a measurement: a server that spins instead of exiting fails here.
    let until = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > until {
            let _ = child.kill();
            panic!("the server did not exit on {args:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(!status.success(), "{args:?} started a server");
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    stderr
}

#[test]
fn a_taken_metrics_port_is_a_clear_error_and_an_exit() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let stderr = start_up_failure(&["--metrics-listen", &address]);
    assert!(stderr.contains("--metrics-listen"), "{stderr}");
    assert!(stderr.contains(&address), "{stderr}");
}

#[test]
fn an_unreadable_certificate_names_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key.pem");
    std::fs::write(&key, "not a key").unwrap();
    let stderr = start_up_failure(&[
        "--tls-cert",
        "/nonexistent/cert.pem",
        "--tls-key",
        key.to_str().unwrap(),
    ]);
    assert!(
        stderr.contains("--tls-cert /nonexistent/cert.pem"),
        "{stderr}"
    );
}

#[test]
fn a_taken_listen_port_names_the_setting() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let stderr = start_up_failure(&["--listen", &address]);
    assert!(stderr.contains(&format!("--listen {address}")), "{stderr}");
}
