//! `broadsheet faults`: fault injection against a running server. Each scenario misbehaves
//! the way real clients and callers do, then checks that the server still answers a plain
//! request; with `--server-pid` the last one sends SIGTERM under load and checks that every
//! accepted request ends cleanly and the process exits.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Args;
use tokio_stream::StreamExt;

use crate::pb;
use crate::pb::export_service_client::ExportServiceClient;

/// Settings of `broadsheet faults`.
#[derive(Debug, Args)]
pub(super) struct FaultArgs {
    /// The server to test.
    #[arg(long, default_value = "http://127.0.0.1:50051")]
    server: String,
    /// How many times each misbehaviour is repeated.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    rounds: u32,
    /// Articles in the collections used as large documents.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=2000))]
    size: u32,
    /// The size of the oversized messages, in MiB; above the server's --max-message-bytes.
    #[arg(long, default_value_t = 65, value_parser = clap::value_parser!(u32).range(1..=1024))]
    oversize_mib: u32,
    /// The deadline given to the calls that should run out of time, in milliseconds; pick
    /// one shorter than a render of `--size` articles takes on the server.
    #[arg(long, default_value_t = 5)]
    deadline_ms: u64,
    /// The server's process id: adds the SIGTERM-under-load scenario (it stops the server).
    #[arg(long)]
    server_pid: Option<u32>,
    /// How long the server may take to exit after SIGTERM, in seconds.
    #[arg(long, default_value_t = 60)]
    grace: u64,
    /// The article to build requests from (JSON); a built-in one if not given.
    input: Option<PathBuf>,
}

type Client = ExportServiceClient<tonic::transport::Channel>;

/// The outcome of one scenario.
struct Report {
    name: &'static str,
    outcomes: BTreeMap<String, u32>,
    problem: Option<String>,
}

pub(super) fn run(args: FaultArgs) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(faults(args))
}

fn article(args: &FaultArgs) -> Result<pb::Article, String> {
    let text = match &args.input {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?,
        None => r#"{"headline": "Fault injection", "publication": "Broadsheet",
            "body": [{"paragraph": {"text": "A paragraph long enough to wrap over several lines of text, set again and again to make a document of some size."}}]}"#
            .to_owned(),
    };
    match crate::json::request_from_json(&text)
        .map_err(|e| e.to_string())?
        .document
    {
        Some(pb::export_request::Document::Article(article)) => Ok(article),
        _ => Err("the input must be an article".to_owned()),
    }
}

fn request(format: &str, document: pb::export_request::Document) -> pb::ExportRequest {
    pb::ExportRequest {
        format: format.to_owned(),
        document: Some(document),
        ..Default::default()
    }
}

fn collection(article: &pb::Article, size: u32) -> pb::export_request::Document {
    pb::export_request::Document::Collection(pb::Collection {
        title: "Faults".to_owned(),
        articles: vec![article.clone(); size as usize],
        ..Default::default()
    })
}

fn tally(outcomes: &mut BTreeMap<String, u32>, outcome: &Result<(), tonic::Status>) {
    let key = match outcome {
        Ok(()) => "Ok".to_owned(),
        Err(status) => format!("{:?}", status.code()),
    };
    *outcomes.entry(key).or_default() += 1;
}

/// The check after every scenario: a plain request still succeeds.
async fn still_serves(client: &mut Client, article: &pb::Article) -> Option<String> {
    let plain = request(
        "text",
        pb::export_request::Document::Article(article.clone()),
    );
    match client.export(plain).await {
        Ok(_) => None,
        Err(status) => Some(format!("a plain request then failed: {status}")),
    }
}

async fn faults(args: FaultArgs) -> Result<(), String> {
    let article = article(&args)?;
    let channel = tonic::transport::Endpoint::from_shared(args.server.clone())
        .map_err(|e| format!("--server {}: {e}", args.server))?
        .connect()
        .await
        .map_err(|e| format!("cannot connect to {}: {e}", args.server))?;
    let mut client = ExportServiceClient::new(channel)
        .max_decoding_message_size(usize::MAX)
        .max_encoding_message_size(usize::MAX);
    let mut reports = Vec::new();

    // Clients that hang up mid-stream.
    let mut outcomes = BTreeMap::new();
    for _ in 0..args.rounds {
        let big = request("text", collection(&article, args.size));
        let outcome = match client.export_stream(big).await {
            Ok(response) => {
                let mut stream = response.into_inner();
                let first = stream.next().await;
                drop(stream);
                first.map_or(Ok(()), |chunk| chunk.map(|_| ()))
            }
            Err(status) => Err(status),
        };
        tally(&mut outcomes, &outcome);
    }
    let problem = still_serves(&mut client, &article).await;
    reports.push(Report {
        name: "hang-ups mid-stream",
        outcomes,
        problem,
    });

    // Deadlines that expire mid-render.
    let mut outcomes = BTreeMap::new();
    for _ in 0..args.rounds {
        let mut call = tonic::Request::new(request("pdf", collection(&article, args.size)));
        call.set_timeout(Duration::from_millis(args.deadline_ms));
        tally(&mut outcomes, &client.export(call).await.map(|_| ()));
    }
    let mut problem = still_serves(&mut client, &article).await;
    if outcomes.contains_key("Internal") || outcomes.contains_key("Unknown") {
        problem.get_or_insert_with(|| "an expired deadline ended in an error status".to_owned());
    }
    reports.push(Report {
        name: "deadlines mid-render",
        outcomes,
        problem,
    });

    // A flood of oversized messages.
    let mut outcomes = BTreeMap::new();
    let mut oversized = article.clone();
    oversized.summary = "x".repeat(args.oversize_mib as usize * 1024 * 1024);
    let oversized = request("text", pb::export_request::Document::Article(oversized));
    for _ in 0..args.rounds.min(20) {
        tally(
            &mut outcomes,
            &client.export(oversized.clone()).await.map(|_| ()),
        );
    }
    drop(oversized);
    let mut problem = still_serves(&mut client, &article).await;
    if outcomes.contains_key("Ok") {
        problem.get_or_insert_with(|| "an oversized message was accepted".to_owned());
    }
    reports.push(Report {
        name: "oversized messages",
        outcomes,
        problem,
    });

    // Decompression bombs: a 30000×30000 PNG header with no pixels.
    let mut outcomes = BTreeMap::new();
    let mut png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR".to_vec();
    png.extend_from_slice(&30_000u32.to_be_bytes());
    png.extend_from_slice(&30_000u32.to_be_bytes());
    png.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
    let mut bomb = article.clone();
    bomb.lead_figure = Some(pb::Figure {
        image: Some(pb::Image {
            data: png.into(),
            media_type: "image/png".to_owned(),
            alt_text: "bomb".to_owned(),
        }),
        caption: String::new(),
        credit: String::new(),
    });
    for format in ["pdf", "epub"].iter().cycle().take(args.rounds as usize) {
        let call = request(format, pb::export_request::Document::Article(bomb.clone()));
        tally(&mut outcomes, &client.export(call).await.map(|_| ()));
    }
    let mut problem = still_serves(&mut client, &article).await;
    if outcomes.keys().any(|k| k != "InvalidArgument") {
        problem.get_or_insert_with(|| "a bomb was not refused as INVALID_ARGUMENT".to_owned());
    }
    reports.push(Report {
        name: "decompression bombs",
        outcomes,
        problem,
    });

    // SIGTERM under load.
    if let Some(pid) = args.server_pid {
        reports.push(sigterm_under_load(&client, &article, &args, pid).await);
    }

    let mut failed = 0;
    for report in &reports {
        let outcomes: Vec<String> = report
            .outcomes
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        match &report.problem {
            None => println!("PASS  {:<22} {}", report.name, outcomes.join(", ")),
            Some(problem) => {
                failed += 1;
                println!(
                    "FAIL  {:<22} {}: {problem}",
                    report.name,
                    outcomes.join(", ")
                );
            }
        }
    }
    if failed > 0 {
        Err(format!("{failed} of {} scenarios failed", reports.len()))
    } else {
        Ok(())
    }
}

/// Starts a load, sends SIGTERM, and checks every call ends with OK or a clean refusal and
/// the server exits within the grace period.
async fn sigterm_under_load(
    client: &Client,
    article: &pb::Article,
    args: &FaultArgs,
    pid: u32,
) -> Report {
    let mut calls = Vec::new();
    for i in 0..8 {
        let mut client = client.clone();
        let format = ["pdf", "epub", "text"][i % 3];
        let call = request(format, collection(article, args.size));
        calls.push(tokio::spawn(async move {
            client.export(call).await.map(|_| ())
        }));
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let signalled = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .is_ok_and(|s| s.success());
    let mut outcomes = BTreeMap::new();
    let mut problem = (!signalled).then(|| format!("could not signal process {pid}"));
    for call in calls {
        let outcome = call
            .await
            .unwrap_or_else(|e| Err(tonic::Status::unknown(e.to_string())));
        if let Err(status) = &outcome
            && !matches!(
                status.code(),
                tonic::Code::Unavailable | tonic::Code::ResourceExhausted
            )
        {
            problem.get_or_insert_with(|| format!("an accepted request ended badly: {status}"));
        }
        tally(&mut outcomes, &outcome);
    }
    let until = Instant::now() + Duration::from_secs(args.grace);
    while std::path::Path::new(&format!("/proc/{pid}")).exists() {
        if Instant::now() > until {
            problem
                .get_or_insert_with(|| format!("the server did not exit within {} s", args.grace));
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Report {
        name: "SIGTERM under load",
        outcomes,
        problem,
    }
}
