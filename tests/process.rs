//! Tests of the `broadsheet` binary as a user runs it: serving and draining on SIGTERM, and
//! the `render` and `formats` commands.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use broadsheet::pb;
use broadsheet::pb::export_service_client::ExportServiceClient;
use common::{fixture_path, seed, seed_collection};
use futures::StreamExt;

fn broadsheet() -> Command {
    Command::new(env!("CARGO_BIN_EXE_broadsheet"))
}

/// Starts `broadsheet serve` on a free port and returns it with its address, read from the
/// "listening" log line.
fn spawn_server() -> (Child, String) {
    let (child, url, _) = spawn_server_with(&["--grace-period", "20"]);
    (child, url)
}

/// As [`spawn_server`], with extra flags; also returns the metrics address if it logged one.
fn spawn_server_with(extra: &[&str]) -> (Child, String, Option<String>) {
    let mut child = broadsheet()
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(extra)
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let stderr = child.stderr.take().expect("stderr is piped");
    let mut lines = BufReader::new(stderr).lines();
    let mut metrics = None;
    let address = loop {
        let line = lines
            .next()
            .expect("the server logs before exiting")
            .expect("stderr is UTF-8");
        let Some(rest) = line.split("address=").nth(1) else {
            continue;
        };
        let address = rest.split_whitespace().next().unwrap().to_owned();
        if line.contains("metrics listening") {
            metrics = Some(address);
        } else {
            break address;
        }
    };
    // Keep draining stderr so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, format!("http://{address}"), metrics)
}

fn wait_for_exit(child: &mut Child, within: Duration) -> std::process::ExitStatus {
    let until = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < until, "the server did not exit in time");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test]
async fn sigterm_lets_an_in_flight_request_finish_then_exits_cleanly() {
    let (mut child, url) = spawn_server();
    let mut client = ExportServiceClient::connect(url).await.unwrap();

    let (tx, rx) = tokio::sync::mpsc::channel::<pb::ExportRequest>(4);
    let mut results = client
        .export_batch(tokio_stream::wrappers::ReceiverStream::new(rx))
        .await
        .unwrap()
        .into_inner();
    let mut first = seed("text");
    first.request_id = "before".to_owned();
    tx.send(first).await.unwrap();
    let result = results.next().await.unwrap().unwrap();
    assert_eq!(result.request_id, "before");

    // The stream is still open: the request is in flight when the signal arrives.
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        child.try_wait().unwrap().is_none(),
        "the server waits for the open stream"
    );

    let mut second = seed("text");
    second.request_id = "after".to_owned();
    tx.send(second).await.unwrap();
    drop(tx);
    let result = results.next().await.unwrap().unwrap();
    assert_eq!(result.request_id, "after");
    assert!(matches!(
        result.outcome,
        Some(pb::batch_result::Outcome::Document(_))
    ));
    assert!(results.next().await.is_none(), "the stream ends cleanly");
    drop(results);
    drop(client);

    let status = wait_for_exit(&mut child, Duration::from_secs(15));
    assert!(status.success(), "exit status {status}");
}

#[tokio::test]
async fn the_metrics_endpoint_shows_every_series_after_some_traffic() {
    let (mut child, url, metrics) = spawn_server_with(&["--metrics-listen", "127.0.0.1:0"]);
    let metrics = metrics.expect("the metrics address is logged");
    let mut client = ExportServiceClient::connect(url).await.unwrap();
    for format in ["text", "pdf", "epub"] {
        client.export(seed(format)).await.unwrap();
    }
    client.export(seed("docx")).await.unwrap_err();
    let text = tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(&metrics).unwrap();
        stream
            .write_all(b"GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response
    })
    .await
    .unwrap();
    for series in [
        "broadsheet_requests_total{method=\"Export\",format=\"pdf\",code=\"Ok\"} 1",
        "broadsheet_requests_total{method=\"Export\",format=\"other\",code=\"InvalidArgument\"} 1",
        "broadsheet_render_seconds_bucket{format=\"epub\"",
        "broadsheet_response_bytes_total{format=\"text\"}",
        "broadsheet_renders_in_flight",
        "broadsheet_render_queue_depth",
        "broadsheet_requests_shed_total",
    ] {
        assert!(text.contains(series), "{series} is missing from:\n{text}");
    }
    child.kill().unwrap();
    let _ = child.wait();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_beyond_capacity_is_shed_while_health_answers_serving() {
    let (mut child, url, _) =
        spawn_server_with(&["--max-concurrent-renders", "1", "--max-queue", "0"]);
    let channel = tonic::transport::Channel::from_shared(url)
        .unwrap()
        .connect()
        .await
        .unwrap();
    let client =
        ExportServiceClient::new(channel.clone()).max_decoding_message_size(256 * 1024 * 1024);
    let burst: Vec<_> = (0..6)
        .map(|_| {
            let mut client = client.clone();
            tokio::spawn(async move { client.export(seed_collection(20, "pdf")).await })
        })
        .collect();
    // Health answers throughout.
    use tonic_health::pb::HealthCheckRequest;
    use tonic_health::pb::health_client::HealthClient;
    let mut health = HealthClient::new(channel);
    let serving = tonic_health::pb::health_check_response::ServingStatus::Serving as i32;
    for _ in 0..5 {
        let status = health
            .check(HealthCheckRequest {
                service: "broadsheet.v1.ExportService".to_owned(),
            })
            .await
            .unwrap()
            .into_inner()
            .status;
        assert_eq!(status, serving);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (mut ok, mut shed) = (0, 0);
    for call in burst {
        match call.await.unwrap() {
            Ok(_) => ok += 1,
            Err(status) if status.code() == tonic::Code::ResourceExhausted => shed += 1,
            Err(status) => panic!("unexpected {status:?}"),
        }
    }
    assert!(ok >= 1 && shed >= 1, "{ok} served, {shed} shed");
    child.kill().unwrap();
    let _ = child.wait();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_six_long_renders_completes_all_six_then_exits() {
    let (mut child, url, _) =
        spawn_server_with(&["--max-concurrent-renders", "6", "--grace-period", "120"]);
    let client = ExportServiceClient::connect(url)
        .await
        .unwrap()
        .max_decoding_message_size(256 * 1024 * 1024);
    let renders: Vec<_> = (0..6)
        .map(|_| {
            let mut client = client.clone();
            tokio::spawn(async move { client.export(seed_collection(60, "pdf")).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(child.try_wait().unwrap().is_none());
    let unfinished = renders.iter().filter(|r| !r.is_finished()).count();
    assert_eq!(
        unfinished, 6,
        "the renders are still running when the signal comes"
    );
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    for render in renders {
        let document = render.await.unwrap().expect("an accepted render completes");
        assert!(document.into_inner().content.starts_with(b"%PDF-"));
    }
    drop(client);
    let status =
        tokio::task::spawn_blocking(move || wait_for_exit(&mut child, Duration::from_secs(60)))
            .await
            .unwrap();
    assert!(status.success(), "exit status {status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fault_tool_passes_against_a_real_server_and_stops_it() {
    let (mut child, url, _) =
        spawn_server_with(&["--max-message-bytes", "1048576", "--grace-period", "30"]);
    let pid = child.id().to_string();
    // Reap the server as soon as it exits, so its /proc entry goes.
    let waiter = std::thread::spawn(move || child.wait());
    let output = tokio::task::spawn_blocking(move || {
        broadsheet()
            .args([
                "faults",
                "--server",
                &url,
                "--rounds",
                "4",
                "--size",
                "6",
                "--oversize-mib",
                "2",
                "--server-pid",
                &pid,
            ])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(stdout.matches("PASS").count(), 5, "{stdout}");
    assert!(waiter.join().unwrap().unwrap().success());
}

#[test]
fn render_writes_text_from_a_json_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("seed.txt");
    let status = broadsheet()
        .args(["render", "--format", "txt", "-o"])
        .arg(&out)
        .arg(fixture_path("seed.json"))
        .status()
        .unwrap();
    assert!(status.success());
    let text = std::fs::read_to_string(out).unwrap();
    assert!(text.contains("Putin Holds Four\u{2011}Hour Kremlin Talks"));
    assert!(text.contains("Reporting: Guy Faulconbridge."));
}

#[test]
fn render_reads_standard_input_and_writes_standard_output() {
    let mut child = broadsheet()
        .args(["render", "--format", "text", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(br#"{"headline": "From stdin", "body": [{"paragraph": {"text": "Hello."}}]}"#)
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.starts_with("From stdin\n==========\n"), "{text}");
}

#[test]
fn render_names_the_bad_field_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("bad.json");
    std::fs::write(
        &input,
        r#"{"format": "text", "article": {"headline": "H", "body": [{"heading": {"level": 9, "text": "x"}}]}}"#,
    )
    .unwrap();
    let output = broadsheet().arg("render").arg(&input).output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("article.body[0].heading.level"), "{stderr}");
}

#[test]
fn render_rejects_an_unknown_format_with_the_choices() {
    let output = broadsheet()
        .args(["render", "--format", "docx"])
        .arg(fixture_path("seed.json"))
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("unknown format `docx`; expected one of: "),
        "{stderr}"
    );
    assert!(stderr.contains("text"), "{stderr}");
}

#[test]
fn formats_lists_the_registry() {
    let output = broadsheet().arg("formats").output().unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("text/plain; charset=utf-8"), "{stdout}");
}
