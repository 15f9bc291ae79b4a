//! `broadsheet bench`: a load generator for a running server. N concurrent clients send
//! unary `Export` calls for T seconds, rotating through formats (and, with `--mix-sizes`,
//! between an article and a ten-article collection), and it reports throughput, latency
//! percentiles, errors by status code and, given `--server-pid`, the server's peak memory.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Args;

use crate::pb;
use crate::pb::export_service_client::ExportServiceClient;

/// Settings of `broadsheet bench`.
#[derive(Debug, Args)]
pub(super) struct BenchArgs {
    /// The server to load.
    #[arg(long, default_value = "http://127.0.0.1:50051")]
    server: String,
    /// Concurrent clients, each sending one request at a time.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=4096))]
    concurrency: u32,
    /// How long to send for, in seconds.
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Format ids or aliases, comma-separated; requests rotate through them. Without it the
    /// request's own `format` is used.
    #[arg(long, short, value_delimiter = ',')]
    format: Vec<String>,
    /// Alternate the input with a collection of ten copies of it, for a mix of sizes.
    #[arg(long)]
    mix_sizes: bool,
    /// The server's process id, to report its peak resident memory (Linux).
    #[arg(long)]
    server_pid: Option<u32>,
    /// Share one HTTP/2 connection between all clients instead of one each.
    #[arg(long)]
    shared_connection: bool,
    /// The JSON request or article to send.
    input: PathBuf,
}

/// What one client saw.
#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    errors: BTreeMap<String, u64>,
}

pub(super) fn run(args: BenchArgs) -> Result<(), String> {
    if !(args.duration.is_finite() && args.duration > 0.0 && args.duration <= 3600.0) {
        return Err("--duration must be between 0 and 3600 seconds".to_owned());
    }
    let text = std::fs::read_to_string(&args.input)
        .map_err(|e| format!("cannot read {}: {e}", args.input.display()))?;
    let request = crate::json::request_from_json(&text)
        .map_err(|e| format!("{}: {e}", args.input.display()))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(load(args, request))
}

/// The requests a client cycles through: every format, and with `--mix-sizes` both the
/// input and a ten-article collection of it.
fn request_mix(args: &BenchArgs, request: &pb::ExportRequest) -> Vec<pb::ExportRequest> {
    let formats = if args.format.is_empty() {
        vec![request.format.clone()]
    } else {
        args.format.clone()
    };
    let mut sizes = vec![request.clone()];
    if args.mix_sizes
        && let Some(pb::export_request::Document::Article(article)) = &request.document
    {
        sizes.push(pb::ExportRequest {
            document: Some(pb::export_request::Document::Collection(pb::Collection {
                title: "Load".to_owned(),
                articles: vec![article.clone(); 10],
                ..Default::default()
            })),
            ..request.clone()
        });
    }
    let mut mix = Vec::new();
    for size in &sizes {
        for format in &formats {
            let mut request = size.clone();
            request.format.clone_from(format);
            mix.push(request);
        }
    }
    mix
}

async fn load(args: BenchArgs, request: pb::ExportRequest) -> Result<(), String> {
    let mix = std::sync::Arc::new(request_mix(&args, &request));
    let endpoint = tonic::transport::Endpoint::from_shared(args.server.clone())
        .map_err(|e| format!("--server {}: {e}", args.server))?;
    let shared = endpoint
        .connect()
        .await
        .map_err(|e| format!("cannot connect to {}: {e}", args.server))?;
    let duration = Duration::from_secs_f64(args.duration);
    let started = Instant::now();
    let until = started + duration;
    let mut clients = Vec::new();
    for _ in 0..args.concurrency {
        let channel = if args.shared_connection {
            shared.clone()
        } else {
            endpoint
                .connect()
                .await
                .map_err(|e| format!("cannot connect to {}: {e}", args.server))?
        };
        let mix = std::sync::Arc::clone(&mix);
        let offset = clients.len();
        clients.push(tokio::spawn(async move {
            let mut client = ExportServiceClient::new(channel)
                .max_decoding_message_size(usize::MAX)
                .max_encoding_message_size(usize::MAX);
            let mut tally = Tally::default();
            let mut n = offset;
            while Instant::now() < until {
                let request = mix[n % mix.len()].clone();
                n += 1;
                let sent = Instant::now();
                match client.export(request).await {
                    Ok(_) => tally.latencies.push(sent.elapsed()),
                    Err(status) => {
                        *tally
                            .errors
                            .entry(format!("{:?}", status.code()))
                            .or_default() += 1;
                    }
                }
            }
            tally
        }));
    }
    let mut all = Tally::default();
    for client in clients {
        let tally = client.await.map_err(|e| format!("a client crashed: {e}"))?;
        all.latencies.extend(tally.latencies);
        for (code, n) in tally.errors {
            *all.errors.entry(code).or_default() += n;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.latencies.sort_unstable();
    let ok = all.latencies.len();
    let percentile = |p: f64| -> f64 {
        if ok == 0 {
            return 0.0;
        }
        let index = ((ok as f64 * p).ceil() as usize).clamp(1, ok) - 1;
        all.latencies[index].as_secs_f64() * 1000.0
    };
    println!(
        "concurrency {}  duration {elapsed:.1} s  ok {ok}  rate {:.0} req/s",
        args.concurrency,
        ok as f64 / elapsed
    );
    println!(
        "latency ms: p50 {:.3}  p95 {:.3}  p99 {:.3}  max {:.3}",
        percentile(0.50),
        percentile(0.95),
        percentile(0.99),
        percentile(1.0)
    );
    if all.errors.is_empty() {
        println!("errors: none");
    } else {
        let errors: Vec<String> = all.errors.iter().map(|(c, n)| format!("{c} {n}")).collect();
        println!("errors: {}", errors.join(", "));
    }
    if let Some(pid) = args.server_pid {
        match super::peak_rss_mb(&pid.to_string()) {
            Some(mb) => println!("server peak resident memory: {mb:.1} MB"),
            None => println!("server peak resident memory: unknown (no /proc/{pid}/status)"),
        }
    }
    Ok(())
}
