//! `broadsheet bench`: a load generator for a running server. N concurrent clients send
//! unary `Export` calls for T seconds, rotating through formats (and, with `--mix-sizes`,
//! between an article and a ten-article collection), and it reports throughput, latency
//! percentiles, errors by status code and, given `--server-pid`, the server's peak memory.
//!
//! With `--floor` it then loads the transport floor the same way: an echo gRPC service in
//! this process, on threads of its own as a server's are, that answers every call with the
//! server's real reply for that request, kept from a first call, so the bytes on the wire
//! are the same and only the work is missing. The ratio of the two throughputs is the figure to quote: it does not move with
//! the machine as absolute rates do. With `--fresh-text` every request carries a serial in
//! its headline and every paragraph, so no two requests share a paragraph and nothing a
//! renderer caches per paragraph can be replayed.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clap::Args;

use crate::pb;
use crate::pb::export_service_client::ExportServiceClient;
use crate::pb::export_service_server::{ExportService, ExportServiceServer};

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
    /// Then load an in-process echo service that answers with the same replies, and print
    /// the throughput as a share of that transport floor.
    #[arg(long)]
    floor: bool,
    /// Put a serial in every request's headline and paragraphs, so every request is new
    /// text.
    #[arg(long)]
    fresh_text: bool,
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
    let mix = Arc::new(request_mix(&args, &request));
    let ours = drive(&args, &args.server, Arc::clone(&mix)).await?;
    ours.print("", args.concurrency);
    if let Some(pid) = args.server_pid {
        match super::peak_rss_mb(&pid.to_string()) {
            Some(mb) => println!("server peak resident memory: {mb:.1} MB"),
            None => println!("server peak resident memory: unknown (no /proc/{pid}/status)"),
        }
    }
    if args.floor {
        let replies = record_replies(&args.server, &mix).await?;
        let bytes: usize = replies.values().map(|r| r.content.len()).sum::<usize>() / replies.len();
        let echo = Echo::start(replies)?;
        let floor = drive(&args, &echo.url(), mix).await?;
        floor.print(
            &format!("floor (echo, {bytes} bytes a reply) "),
            args.concurrency,
        );
        println!(
            "throughput: {:.1} % of the floor",
            100.0 * ours.rate() / floor.rate().max(f64::MIN_POSITIVE)
        );
    }
    Ok(())
}

/// What a load run saw.
struct Outcome {
    elapsed: f64,
    /// Latencies of the calls that succeeded, sorted.
    latencies: Vec<Duration>,
    errors: BTreeMap<String, u64>,
}

impl Outcome {
    fn rate(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed
    }

    fn percentile(&self, p: f64) -> f64 {
        let ok = self.latencies.len();
        if ok == 0 {
            return 0.0;
        }
        let index = ((ok as f64 * p).ceil() as usize).clamp(1, ok) - 1;
        self.latencies[index].as_secs_f64() * 1000.0
    }

    fn print(&self, label: &str, concurrency: u32) {
        println!(
            "{label}concurrency {concurrency}  duration {:.1} s  ok {}  rate {:.0} req/s",
            self.elapsed,
            self.latencies.len(),
            self.rate()
        );
        println!(
            "{label}latency ms: p50 {:.3}  p95 {:.3}  p99 {:.3}  max {:.3}",
            self.percentile(0.50),
            self.percentile(0.95),
            self.percentile(0.99),
            self.percentile(1.0)
        );
        if self.errors.is_empty() {
            println!("{label}errors: none");
        } else {
            let errors: Vec<String> = self
                .errors
                .iter()
                .map(|(c, n)| format!("{c} {n}"))
                .collect();
            println!("{label}errors: {}", errors.join(", "));
        }
    }
}

/// Runs the clients against `server` for the configured time.
async fn drive(
    args: &BenchArgs,
    server: &str,
    mix: Arc<Vec<pb::ExportRequest>>,
) -> Result<Outcome, String> {
    let endpoint = tonic::transport::Endpoint::from_shared(server.to_owned())
        .map_err(|e| format!("--server {server}: {e}"))?;
    let shared = endpoint
        .connect()
        .await
        .map_err(|e| format!("cannot connect to {server}: {e}"))?;
    let duration = Duration::from_secs_f64(args.duration);
    let serial = Arc::new(AtomicU64::new(0));
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
                .map_err(|e| format!("cannot connect to {server}: {e}"))?
        };
        let mix = Arc::clone(&mix);
        let serial = Arc::clone(&serial);
        let fresh_text = args.fresh_text;
        let offset = clients.len();
        clients.push(tokio::spawn(async move {
            let mut client = ExportServiceClient::new(channel)
                .max_decoding_message_size(usize::MAX)
                .max_encoding_message_size(usize::MAX);
            let mut tally = Tally::default();
            let mut n = offset;
            while Instant::now() < until {
                let mut request = mix[n % mix.len()].clone();
                n += 1;
                if fresh_text {
                    freshen(&mut request, serial.fetch_add(1, Ordering::Relaxed));
                }
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
    Ok(Outcome {
        elapsed,
        latencies: all.latencies,
        errors: all.errors,
    })
}

/// Appends ` ·N` to the headline and to every paragraph (as a plain run after a formatted
/// paragraph's spans): the request is new text, as every article a newsroom sends is.
fn freshen(request: &mut pb::ExportRequest, serial: u64) {
    let mark = format!(" \u{b7}{serial}");
    let article = |article: &mut pb::Article| {
        article.headline.push_str(&mark);
        for block in &mut article.body {
            if let Some(pb::block::Kind::Paragraph(paragraph)) = &mut block.kind {
                if paragraph.spans.is_empty() {
                    paragraph.text.push_str(&mark);
                } else {
                    paragraph.spans.push(pb::Span {
                        text: mark.clone(),
                        ..Default::default()
                    });
                }
            }
        }
    };
    match &mut request.document {
        Some(pb::export_request::Document::Article(a)) => article(a),
        Some(pb::export_request::Document::Collection(c)) => {
            c.articles.iter_mut().for_each(article)
        }
        None => {}
    }
}

/// Which reply the echo gives a request: one per entry of the mix.
fn reply_key(request: &pb::ExportRequest) -> (String, bool) {
    (
        request.format.clone(),
        matches!(
            request.document,
            Some(pb::export_request::Document::Collection(_))
        ),
    )
}

/// The server's real reply to each entry of the mix.
async fn record_replies(
    server: &str,
    mix: &[pb::ExportRequest],
) -> Result<HashMap<(String, bool), pb::ExportResponse>, String> {
    let mut client = ExportServiceClient::connect(server.to_owned())
        .await
        .map_err(|e| format!("cannot connect to {server}: {e}"))?
        .max_decoding_message_size(usize::MAX)
        .max_encoding_message_size(usize::MAX);
    let mut replies = HashMap::new();
    for request in mix {
        let reply = client
            .export(request.clone())
            .await
            .map_err(|status| format!("the reply to copy for the floor failed: {status}"))?;
        replies.insert(reply_key(request), reply.into_inner());
    }
    Ok(replies)
}

/// The transport floor: a gRPC service in this process that answers each call with a
/// recorded reply and does nothing else. It runs on a runtime of its own, with as many
/// worker threads as the server's (one per core), so a call crosses threads as it does
/// between the clients and a server: an echo on the clients' own runtime answers from the
/// thread that sent the call, which no server can do, and measures the scheduler rather than
/// the transport.
struct Echo {
    address: std::net::SocketAddr,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Echo {
    fn start(replies: HashMap<(String, bool), pb::ExportResponse>) -> Result<Self, String> {
        let failed = |e: std::io::Error| format!("cannot start the echo service: {e}");
        let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(failed)?;
        listener.set_nonblocking(true).map_err(failed)?;
        let address = listener.local_addr().map_err(failed)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .thread_name("echo")
            .enable_all()
            .build()
            .map_err(failed)?;
        let service = ExportServiceServer::new(EchoService {
            replies: Arc::new(replies),
        })
        .max_decoding_message_size(usize::MAX)
        .max_encoding_message_size(usize::MAX);
        let listener = {
            // Registered with the echo's own runtime, whose threads will serve it.
            let _entered = runtime.enter();
            tokio::net::TcpListener::from_std(listener).map_err(failed)?
        };
        runtime.spawn(
            tonic::transport::Server::builder()
                .add_service(service)
                // As the real server sets it: without it, small replies wait for delayed
                // acknowledgements.
                .serve_with_incoming(
                    tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true)),
                ),
        );
        Ok(Echo {
            address,
            runtime: Some(runtime),
        })
    }

    fn url(&self) -> String {
        format!("http://{}", self.address)
    }
}

impl Drop for Echo {
    fn drop(&mut self) {
        // Inside the clients' runtime, so without waiting for the echo's threads.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

struct EchoService {
    replies: Arc<HashMap<(String, bool), pb::ExportResponse>>,
}

type Unimplemented<T> =
    std::pin::Pin<Box<dyn tokio_stream::Stream<Item = Result<T, tonic::Status>> + Send>>;

#[tonic::async_trait]
impl ExportService for EchoService {
    async fn export(
        &self,
        request: tonic::Request<pb::ExportRequest>,
    ) -> Result<tonic::Response<pb::ExportResponse>, tonic::Status> {
        self.replies
            .get(&reply_key(request.get_ref()))
            .cloned()
            .map(tonic::Response::new)
            .ok_or_else(|| tonic::Status::not_found("no recorded reply for this request"))
    }

    type ExportStreamStream = Unimplemented<pb::ExportChunk>;

    async fn export_stream(
        &self,
        _: tonic::Request<pb::ExportRequest>,
    ) -> Result<tonic::Response<Self::ExportStreamStream>, tonic::Status> {
        Err(tonic::Status::unimplemented("the echo answers Export only"))
    }

    type ExportBatchStream = Unimplemented<pb::BatchResult>;

    async fn export_batch(
        &self,
        _: tonic::Request<tonic::Streaming<pb::ExportRequest>>,
    ) -> Result<tonic::Response<Self::ExportBatchStream>, tonic::Status> {
        Err(tonic::Status::unimplemented("the echo answers Export only"))
    }

    async fn list_formats(
        &self,
        _: tonic::Request<pb::ListFormatsRequest>,
    ) -> Result<tonic::Response<pb::ListFormatsResponse>, tonic::Status> {
        Err(tonic::Status::unimplemented("the echo answers Export only"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_text_marks_the_headline_and_every_paragraph_and_keeps_spans() {
        let mut request = crate::json::request_from_json(
            r#"{"format":"text","article":{"headline":"H","body":[{"paragraph":{"text":"Putin met."}},{"paragraph":{"spans":[{"text":"Putin","strong":true},{"text":" met."}]}}]}}"#,
        )
        .unwrap();
        freshen(&mut request, 7);
        let Some(pb::export_request::Document::Article(article)) = &request.document else {
            panic!("an article");
        };
        assert_eq!(article.headline, "H \u{b7}7");
        let Some(pb::block::Kind::Paragraph(p)) = &article.body[0].kind else {
            panic!("a paragraph");
        };
        assert_eq!(p.text, "Putin met. \u{b7}7");
        let Some(pb::block::Kind::Paragraph(p)) = &article.body[1].kind else {
            panic!("a paragraph");
        };
        assert_eq!(p.spans.len(), 3);
        assert_eq!(p.spans[2].text, " \u{b7}7");
        assert!(crate::model::ExportJob::try_from(request).is_ok());
    }
}
