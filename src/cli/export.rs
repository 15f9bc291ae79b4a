//! `broadsheet export`: bulk export through one or more running servers.
//!
//! Inputs (JSON files, folders of them, or JSON Lines on standard input) are read lazily
//! and flow through a bounded channel, so memory stays flat however many there are. Each
//! server gets one `ExportBatch` stream; its workers pull the next item when they have room,
//! which spreads work by each server's speed. A server whose stream fails is taken out and
//! the items it had in flight go back to the others, and so does a server that answers
//! nothing for `--timeout`. Documents are written atomically (temporary file, then rename;
//! a failed write removes its temporary file), and outputs that already exist are skipped
//! unless `--force`, so an interrupted run resumes where it stopped.

use std::collections::HashMap;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use tokio::sync::{Mutex, Semaphore, mpsc};
use tokio_stream::StreamExt;

use crate::pb;
use crate::pb::export_service_client::ExportServiceClient;
use crate::settings::{Setting, read_tokens};

/// Settings of `broadsheet export`.
#[derive(Debug, Args)]
pub(super) struct ExportArgs {
    /// The servers, comma-separated or repeated; work is balanced across them.
    #[arg(long = "server", value_delimiter = ',', required = true)]
    servers: Vec<String>,
    /// The format id or alias, for example `epub` or `pdf`.
    #[arg(long, short)]
    format: String,
    /// The folder for one document per input.
    #[arg(long, default_value = ".")]
    out: PathBuf,
    /// Compile every input into one collection document at this path instead.
    #[arg(long)]
    bundle: Option<PathBuf>,
    /// The title of a `--bundle` collection.
    #[arg(long, default_value = "Briefing")]
    title: String,
    /// The date of a `--bundle` collection: `YYYY-MM-DD` or RFC 3339.
    #[arg(long)]
    date: Option<String>,
    /// The most items in flight at once, across all servers.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=1024))]
    concurrency: u32,
    /// Write documents even where they already exist.
    #[arg(long)]
    force: bool,
    /// How long a server may take to answer, in seconds: the format list, each result of a
    /// batch while items are in flight, and a `--bundle`'s render. Connecting has its own
    /// 10 s limit.
    #[arg(long, default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    timeout: u64,
    /// An e-reader profile for EPUB output: image size and colour for the device.
    #[arg(long, value_enum, default_value_t = Profile::Generic)]
    profile: Profile,
    /// The PEM CA certificate that `https://` servers' certificates chain to.
    #[arg(long)]
    ca: Option<PathBuf>,
    /// A file whose first line is the bearer token to send (the servers' `--auth-token-file`).
    #[arg(long)]
    token_file: Option<PathBuf>,
    /// JSON files, folders searched for `*.json`, or `-` for JSON Lines on standard input.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
}

/// How to reach the servers: TLS roots and the bearer token.
#[derive(Clone, Default)]
struct Access {
    ca: Option<tonic::transport::Certificate>,
    token: Option<tonic::metadata::MetadataValue<tonic::metadata::Ascii>>,
}

impl Access {
    fn from_args(args: &ExportArgs) -> Result<Self, String> {
        let ca = match &args.ca {
            Some(path) => Some(tonic::transport::Certificate::from_pem(
                std::fs::read(path).map_err(|e| format!("--ca {}: {e}", path.display()))?,
            )),
            None => None,
        };
        let token = match &args.token_file {
            Some(path) => {
                let tokens = read_tokens(Setting::TokenFile, path)
                    .map_err(|e| super::setting_message(&e))?;
                // `read_tokens` admits only header-safe tokens, so this parse cannot fail on
                // its output; the message stays for safety's sake.
                let token = tokens.first().map(String::as_str).unwrap_or_default();
                Some(format!("Bearer {token}").parse().map_err(|_| {
                    format!(
                        "--token-file {}: the token is not valid in a header",
                        path.display()
                    )
                })?)
            }
            None => None,
        };
        Ok(Access { ca, token })
    }

    /// A request carrying the token, if there is one.
    fn request<T>(&self, message: T) -> tonic::Request<T> {
        let mut request = tonic::Request::new(message);
        if let Some(token) = &self.token {
            request
                .metadata_mut()
                .insert("authorization", token.clone());
        }
        request
    }
}

/// E-reader profiles. Every book already carries the cover both ways readers look for it
/// (the EPUB 3 `cover-image` property and the EPUB 2 `<meta name="cover">`), so a profile
/// only tunes images.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Profile {
    /// Kindle (through Send to Kindle): images at most 1264 px wide, the Paperwhite's and
    /// Oasis's screen width; kept in colour for the Colorsoft.
    Kindle,
    /// Kobo: images at most 1264 px wide (Libra and Sage screens) and grayscale, which the
    /// e-ink models show as it is and which keeps books small.
    Kobo,
    /// KOReader on any e-ink device: images at most 1072 px wide and grayscale.
    Koreader,
    /// No change to images.
    Generic,
}

impl Profile {
    fn epub_options(self) -> Option<pb::EpubOptions> {
        let (width, grayscale) = match self {
            Profile::Kindle => (1264, false),
            Profile::Kobo => (1264, true),
            Profile::Koreader => (1072, true),
            Profile::Generic => return None,
        };
        Some(pb::EpubOptions {
            max_image_width: Some(width),
            grayscale: Some(grayscale),
        })
    }
}

/// One input.
struct Item {
    /// Where it came from, for messages: a path, or `stdin:LINE`.
    name: String,
    /// Where its document goes.
    output: PathBuf,
    request: pb::ExportRequest,
}

/// The tallies of a run.
#[derive(Default)]
struct Tally {
    done: AtomicU64,
    failed: AtomicU64,
    skipped: AtomicU64,
    failures: std::sync::Mutex<Vec<String>>,
}

impl Tally {
    fn fail(&self, name: &str, why: String) {
        self.failed.fetch_add(1, Ordering::Relaxed);
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(format!("{name}: {why}"));
    }
}

pub(super) fn run(args: ExportArgs) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(async move {
        if args.bundle.is_some() {
            bundle(args).await
        } else {
            export(args).await
        }
    })
}

/// Every `.json` file under the inputs, sorted within each folder; `-` stands for stdin.
fn input_paths(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut paths = Vec::new();
    for input in inputs {
        if input.as_os_str() == "-" || input.is_file() {
            paths.push(input.clone());
        } else if input.is_dir() {
            let mut found = Vec::new();
            let mut folders = vec![input.clone()];
            while let Some(folder) = folders.pop() {
                let entries = std::fs::read_dir(&folder)
                    .map_err(|e| format!("cannot read {}: {e}", folder.display()))?;
                for entry in entries.flatten() {
                    let path = entry.path();
                    if path.is_dir() {
                        folders.push(path);
                    } else if path.extension().is_some_and(|e| e == "json") {
                        found.push(path);
                    }
                }
            }
            found.sort();
            paths.extend(found);
        } else {
            return Err(format!(
                "{} is neither a file nor a folder",
                input.display()
            ));
        }
    }
    Ok(paths)
}

/// The options a request gets from the command line.
fn apply(args: &ExportArgs, mut request: pb::ExportRequest) -> pb::ExportRequest {
    request.format.clone_from(&args.format);
    if let Some(epub) = args.profile.epub_options() {
        request.options.get_or_insert_with(Default::default).epub = Some(epub);
    }
    request
}

async fn connect(
    server: &str,
    access: &Access,
) -> Result<ExportServiceClient<tonic::transport::Channel>, String> {
    let mut endpoint = tonic::transport::Endpoint::from_shared(server.to_owned())
        .map_err(|e| format!("--server {server}: {e}"))?
        .connect_timeout(Duration::from_secs(10));
    if server.starts_with("https://") {
        let mut tls = tonic::transport::ClientTlsConfig::new();
        if let Some(ca) = &access.ca {
            tls = tls.ca_certificate(ca.clone());
        }
        endpoint = endpoint
            .tls_config(tls)
            .map_err(|e| format!("--server {server}: {e}"))?;
    }
    let channel = endpoint
        .connect()
        .await
        .map_err(|e| format!("cannot connect to {server}: {e}"))?;
    Ok(ExportServiceClient::new(channel)
        .max_decoding_message_size(1024 * 1024 * 1024)
        .max_encoding_message_size(1024 * 1024 * 1024))
}

/// The format's file extension, from the first server's format list.
async fn extension(
    server: &str,
    client: &mut ExportServiceClient<tonic::transport::Channel>,
    access: &Access,
    format: &str,
    timeout: Duration,
) -> Result<String, String> {
    let listed = tokio::time::timeout(
        timeout,
        client.list_formats(access.request(pb::ListFormatsRequest {})),
    )
    .await
    .map_err(|_| {
        format!(
            "cannot list formats from {server}: no answer within --timeout {} s",
            timeout.as_secs()
        )
    })?;
    let formats = listed
        .map_err(|e| format!("cannot list formats from {server}: {}", e.message()))?
        .into_inner()
        .formats;
    let wanted = format.trim().to_lowercase();
    formats
        .iter()
        .find(|f| f.id == wanted || f.aliases.contains(&wanted))
        .map(|f| f.extension.clone())
        .ok_or_else(|| {
            let ids: Vec<&str> = formats.iter().map(|f| f.id.as_str()).collect();
            format!(
                "unknown format `{format}`; expected one of: {}",
                ids.join(", ")
            )
        })
}

/// Writes a file atomically: a temporary file beside it, then a rename. If any step fails
/// (a full disk, say), the temporary file is removed, so nothing is left behind and a file
/// under `path` is always whole.
fn write_atomically(path: &Path, content: &[u8]) -> std::io::Result<()> {
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = folder.join(format!(".{name}.{}.partial", std::process::id()));
    let written = std::fs::File::create(&temporary).and_then(|mut file| {
        file.write_all(content)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temporary, path)
    });
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

async fn export(args: ExportArgs) -> Result<(), String> {
    let started = Instant::now();
    let paths = input_paths(&args.inputs)?;
    let from_stdin = paths.iter().any(|p| p.as_os_str() == "-");
    std::fs::create_dir_all(&args.out)
        .map_err(|e| format!("cannot create {}: {e}", args.out.display()))?;

    let access = Access::from_args(&args)?;
    let mut clients = Vec::new();
    for server in &args.servers {
        match connect(server, &access).await {
            Ok(client) => clients.push((server.clone(), client)),
            Err(why) => eprintln!("broadsheet: {why}; going on without it"),
        }
    }
    let Some((server, first)) = clients.first_mut() else {
        return Err("no server could be reached".to_owned());
    };
    let timeout = Duration::from_secs(args.timeout);
    let extension = extension(server, first, &access, &args.format, timeout).await?;

    let tally = Arc::new(Tally::default());
    let total = if from_stdin {
        None
    } else {
        Some(paths.len() as u64)
    };
    let progress = Progress::new(total);

    // The producer reads inputs one at a time into a bounded queue.
    let concurrency = args.concurrency as usize;
    let (queue_tx, queue_rx) = mpsc::channel::<Item>(concurrency);
    let (retry_tx, retry_rx) = mpsc::unbounded_channel::<Item>();
    let args = Arc::new(args);
    let producer = {
        let args = Arc::clone(&args);
        let tally = Arc::clone(&tally);
        let extension = extension.clone();
        tokio::task::spawn_blocking(move || produce(&args, &paths, &extension, &tally, &queue_tx))
    };

    let shared = Arc::new(Shared {
        queue: Mutex::new(queue_rx),
        retry: Mutex::new(retry_rx),
        retry_tx,
        permits: Arc::new(Semaphore::new(concurrency)),
        in_flight: AtomicUsize::new(0),
    });
    let mut workers = Vec::new();
    for (server, client) in clients {
        workers.push(tokio::spawn(serve_items(
            server,
            client,
            access.clone(),
            Arc::clone(&shared),
            Arc::clone(&tally),
            progress.clone(),
            args.force,
            timeout,
        )));
    }
    let reporter = tokio::spawn(progress.clone().report(Arc::clone(&tally)));
    producer
        .await
        .map_err(|e| format!("reading the inputs failed: {e}"))?;
    for worker in workers {
        let _ = worker.await;
    }
    // Items no server was left to take.
    while let Ok(item) = shared.retry.lock().await.try_recv() {
        tally.fail(&item.name, "no server was left to render it".to_owned());
    }
    while let Ok(item) = shared.queue.lock().await.try_recv() {
        tally.fail(&item.name, "no server was left to render it".to_owned());
    }
    reporter.abort();
    progress.finish();
    summarise(&tally, started)
}

/// Reads the inputs in order and queues them, skipping those whose output exists.
fn produce(
    args: &ExportArgs,
    paths: &[PathBuf],
    extension: &str,
    tally: &Tally,
    queue: &mpsc::Sender<Item>,
) {
    let send = |name: String, stem: String, parsed: Result<pb::ExportRequest, String>| {
        let output = args.out.join(format!("{stem}.{extension}"));
        if !args.force && output.exists() {
            tally.skipped.fetch_add(1, Ordering::Relaxed);
            return true;
        }
        match parsed {
            Ok(request) => {
                let request = apply(args, request);
                queue
                    .blocking_send(Item {
                        name,
                        output,
                        request,
                    })
                    .is_ok()
            }
            Err(why) => {
                tally.fail(&name, why);
                true
            }
        }
    };
    for path in paths {
        if path.as_os_str() == "-" {
            let stdin = std::io::stdin().lock();
            for (n, line) in stdin.lines().enumerate() {
                let Ok(line) = line else { break };
                if line.trim().is_empty() {
                    continue;
                }
                let name = format!("stdin:{}", n + 1);
                let parsed = crate::json::request_from_json(&line).map_err(|e| e.to_string());
                let stem = parsed
                    .as_ref()
                    .ok()
                    .and_then(stem_of)
                    .unwrap_or_else(|| format!("line-{}", n + 1));
                if !send(name, stem, parsed) {
                    return;
                }
            }
            continue;
        }
        let name = path.display().to_string();
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "document".to_owned());
        let parsed = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read: {e}"))
            .and_then(|text| crate::json::request_from_json(&text).map_err(|e| e.to_string()));
        if !send(name, stem, parsed) {
            return;
        }
    }
}

/// A file stem for a JSON Lines item: its article id, if it has one, made a file name the
/// way the server makes one.
fn stem_of(request: &pb::ExportRequest) -> Option<String> {
    match &request.document {
        Some(pb::export_request::Document::Article(a)) => {
            Some(crate::model::slug(&a.id)).filter(|s| !s.is_empty())
        }
        _ => None,
    }
}

/// What the workers share.
struct Shared {
    queue: Mutex<mpsc::Receiver<Item>>,
    retry: Mutex<mpsc::UnboundedReceiver<Item>>,
    retry_tx: mpsc::UnboundedSender<Item>,
    /// Items in flight across all servers (`--concurrency`).
    permits: Arc<Semaphore>,
    /// Items sent and not yet answered, across all servers.
    in_flight: AtomicUsize,
}

impl Shared {
    /// The next item: one handed back by a failed server first, then a new one. `None` when
    /// the inputs are exhausted and nothing is in flight that could come back.
    async fn next(&self) -> Option<Item> {
        loop {
            if let Ok(item) = self.retry.lock().await.try_recv() {
                return Some(item);
            }
            let mut queue = self.queue.lock().await;
            tokio::select! {
                item = queue.recv() => match item {
                    Some(item) => return Some(item),
                    None => {
                        drop(queue);
                        if self.in_flight.load(Ordering::SeqCst) == 0 {
                            return self.retry.lock().await.try_recv().ok();
                        }
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                },
                // Look at the retries again now and then while waiting for new items.
                () = tokio::time::sleep(Duration::from_millis(50)) => {}
            }
        }
    }
}

/// Items sent to a server and not yet answered, by request id, with when each was sent.
type Pending =
    Arc<std::sync::Mutex<HashMap<String, (Item, tokio::sync::OwnedSemaphorePermit, Instant)>>>;

/// Feeds one server's `ExportBatch` stream and writes what comes back. A server that sends
/// no result for `timeout` while items are in flight is given up like one whose stream broke.
#[allow(clippy::too_many_arguments)]
async fn serve_items(
    server: String,
    mut client: ExportServiceClient<tonic::transport::Channel>,
    access: Access,
    shared: Arc<Shared>,
    tally: Arc<Tally>,
    progress: Progress,
    force: bool,
    timeout: Duration,
) {
    let (requests_tx, requests_rx) = mpsc::channel::<pb::ExportRequest>(4);
    let pending: Pending = Arc::default();
    let opened = tokio::time::timeout(
        timeout,
        client
            .export_batch(access.request(tokio_stream::wrappers::ReceiverStream::new(requests_rx))),
    )
    .await;
    let mut results = match opened {
        Ok(Ok(response)) => response.into_inner(),
        Ok(Err(status)) => {
            progress.note(&format!(
                "{server} refused the batch stream: {}; going on without it",
                status.message()
            ));
            return;
        }
        Err(_) => {
            progress.note(&format!(
                "{server} did not open the batch stream within --timeout {} s; going on without it",
                timeout.as_secs()
            ));
            return;
        }
    };
    // The sender pulls an item whenever there is room in flight, and sends it.
    let sender = {
        let shared = Arc::clone(&shared);
        let pending = Arc::clone(&pending);
        tokio::spawn(async move {
            let mut next_id: u64 = 0;
            loop {
                let Ok(permit) = Arc::clone(&shared.permits).acquire_owned().await else {
                    break;
                };
                let Some(mut item) = shared.next().await else {
                    break;
                };
                next_id += 1;
                let id = next_id.to_string();
                item.request.request_id.clone_from(&id);
                let request = item.request.clone();
                shared.in_flight.fetch_add(1, Ordering::SeqCst);
                pending
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(id, (item, permit, Instant::now()));
                if requests_tx.send(request).await.is_err() {
                    break;
                }
            }
            // Dropping the sender closes the request stream: the server finishes and ends.
        })
    };
    let mut failed = false;
    // How often to look whether the server has gone quiet with work in flight.
    let tick = timeout.min(Duration::from_secs(1));
    let mut last_answer = Instant::now();
    loop {
        let result = match tokio::time::timeout(tick, results.next()).await {
            Ok(Some(result)) => result,
            Ok(None) => break,
            Err(_) => {
                // Quiet since its last result, or since the oldest item in flight was sent.
                let oldest = pending
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .values()
                    .map(|(_, _, sent)| *sent)
                    .min();
                if oldest.is_some_and(|sent| last_answer.max(sent).elapsed() >= timeout) {
                    progress.note(&format!(
                        "{server} sent no result within --timeout {} s; its unfinished items go to the other servers",
                        timeout.as_secs()
                    ));
                    failed = true;
                    break;
                }
                continue;
            }
        };
        last_answer = Instant::now();
        let result = match result {
            Ok(result) => result,
            Err(status) => {
                progress.note(&format!(
                    "{server} failed: {}; its unfinished items go to the other servers",
                    status.message()
                ));
                failed = true;
                break;
            }
        };
        let entry = pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&result.request_id);
        let Some((item, permit, _)) = entry else {
            continue;
        };
        match result.outcome {
            Some(pb::batch_result::Outcome::Document(document)) => {
                if !force && item.output.exists() {
                    tally.skipped.fetch_add(1, Ordering::Relaxed);
                } else if let Err(e) = write_atomically(&item.output, &document.content) {
                    tally.fail(
                        &item.name,
                        format!("cannot write {}: {e}", item.output.display()),
                    );
                } else {
                    tally.done.fetch_add(1, Ordering::Relaxed);
                }
            }
            Some(pb::batch_result::Outcome::Error(error)) => {
                let code = tonic::Code::from_i32(error.code);
                let why = if error.field_violations.is_empty() {
                    format!("{code:?}: {}", error.message)
                } else {
                    let fields: Vec<String> = error
                        .field_violations
                        .iter()
                        .map(|v| format!("{}: {}", v.field, v.description))
                        .collect();
                    format!("{code:?}: {}", fields.join("; "))
                };
                tally.fail(&item.name, why);
            }
            None => tally.fail(&item.name, "the server sent an empty result".to_owned()),
        }
        shared.in_flight.fetch_sub(1, Ordering::SeqCst);
        drop(permit);
        progress.tick(&tally);
    }
    sender.abort();
    let _ = sender.await;
    // Hand back what this server never answered (all of it, if the stream broke).
    let unanswered: Vec<Item> = pending
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .drain()
        .map(|(_, (item, _permit, _))| item)
        .collect();
    if !unanswered.is_empty() && !failed {
        progress.note(&format!(
            "{server} ended its stream with {} items unanswered; they go to the other servers",
            unanswered.len()
        ));
    }
    for item in unanswered {
        let _ = shared.retry_tx.send(item);
        shared.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Progress: a bar on a terminal, a log line every few seconds otherwise.
#[derive(Clone)]
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    started: Instant,
}

impl Progress {
    fn new(total: Option<u64>) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = match total {
                Some(total) => indicatif::ProgressBar::new(total),
                None => indicatif::ProgressBar::new_spinner(),
            };
            let style = indicatif::ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {msg} ({per_sec}, eta {eta})",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
            bar.set_style(style);
            bar
        });
        Progress {
            bar,
            started: Instant::now(),
        }
    }

    fn tick(&self, tally: &Tally) {
        if let Some(bar) = &self.bar {
            bar.set_position(
                tally.done.load(Ordering::Relaxed)
                    + tally.failed.load(Ordering::Relaxed)
                    + tally.skipped.load(Ordering::Relaxed),
            );
            bar.set_message(format!(
                "done {} failed {} skipped {}",
                tally.done.load(Ordering::Relaxed),
                tally.failed.load(Ordering::Relaxed),
                tally.skipped.load(Ordering::Relaxed)
            ));
        }
    }

    fn note(&self, message: &str) {
        match &self.bar {
            Some(bar) => bar.println(format!("broadsheet: {message}")),
            None => eprintln!("broadsheet: {message}"),
        }
    }

    /// Without a terminal, a plain line every two seconds.
    async fn report(self, tally: Arc<Tally>) {
        if self.bar.is_some() {
            return;
        }
        loop {
            tokio::time::sleep(Duration::from_secs(2)).await;
            let done = tally.done.load(Ordering::Relaxed);
            let rate = done as f64 / self.started.elapsed().as_secs_f64();
            eprintln!(
                "broadsheet: done {done} failed {} skipped {} ({rate:.1}/s)",
                tally.failed.load(Ordering::Relaxed),
                tally.skipped.load(Ordering::Relaxed)
            );
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Prints the summary; an error if anything failed.
fn summarise(tally: &Tally, started: Instant) -> Result<(), String> {
    let seconds = started.elapsed().as_secs_f64();
    let done = tally.done.load(Ordering::Relaxed);
    let failed = tally.failed.load(Ordering::Relaxed);
    let skipped = tally.skipped.load(Ordering::Relaxed);
    let mut failures = tally
        .failures
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    failures.sort();
    for failure in &failures {
        eprintln!("failed: {failure}");
    }
    let peak = super::peak_rss_mb("self")
        .map_or_else(String::new, |mb| format!("; peak memory {mb:.1} MB"));
    eprintln!(
        "exported {done}, failed {failed}, skipped {skipped} in {seconds:.2} s ({:.1} documents/s){peak}",
        done as f64 / seconds.max(1e-9)
    );
    if failed > 0 {
        Err(format!(
            "{failed} of {} inputs failed",
            done + failed + skipped
        ))
    } else {
        Ok(())
    }
}

/// `--bundle`: every input becomes one article of one collection, rendered once.
async fn bundle(args: ExportArgs) -> Result<(), String> {
    let started = Instant::now();
    let Some(path) = args.bundle.clone() else {
        return Err("--bundle needs a file".to_owned());
    };
    let mut articles = Vec::new();
    for input in input_paths(&args.inputs)? {
        let texts: Vec<(String, String)> = if input.as_os_str() == "-" {
            std::io::stdin()
                .lock()
                .lines()
                .map_while(Result::ok)
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
                .map(|(n, l)| (format!("stdin:{}", n + 1), l))
                .collect()
        } else {
            let text = std::fs::read_to_string(&input)
                .map_err(|e| format!("cannot read {}: {e}", input.display()))?;
            vec![(input.display().to_string(), text)]
        };
        for (name, text) in texts {
            let request =
                crate::json::request_from_json(&text).map_err(|e| format!("{name}: {e}"))?;
            match request.document {
                Some(pb::export_request::Document::Article(article)) => articles.push(article),
                _ => {
                    return Err(format!(
                        "{name}: a bundle is made of articles; this is not one"
                    ));
                }
            }
        }
    }
    let date = match &args.date {
        None => None,
        Some(text) => Some(parse_date(text)?),
    };
    let request = apply(
        &args,
        pb::ExportRequest {
            request_id: "bundle".to_owned(),
            document: Some(pb::export_request::Document::Collection(pb::Collection {
                title: args.title.clone(),
                date,
                articles,
                ..Default::default()
            })),
            ..Default::default()
        },
    );
    let access = Access::from_args(&args)?;
    let timeout = Duration::from_secs(args.timeout);
    let mut last_error = String::from("no server could be reached");
    for server in &args.servers {
        let mut client = match connect(server, &access).await {
            Ok(client) => client,
            Err(why) => {
                last_error = why;
                continue;
            }
        };
        // The deadline travels to the server too, which then stops rendering.
        let mut call = access.request(request.clone());
        call.set_timeout(timeout);
        match client.export(call).await {
            Ok(response) => {
                let document = response.into_inner();
                for warning in &document.warnings {
                    eprintln!("broadsheet: warning: {warning}");
                }
                write_atomically(&path, &document.content)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                eprintln!(
                    "wrote {} ({} bytes, {} pages) in {:.2} s",
                    path.display(),
                    document.content.len(),
                    document.info.map_or(0, |i| i.page_count),
                    started.elapsed().as_secs_f64()
                );
                return Ok(());
            }
            Err(status) if status.code() == tonic::Code::InvalidArgument => {
                use tonic_types::StatusExt;
                let mut why = status.message().to_owned();
                if let Some(bad) = status.get_details_bad_request() {
                    for v in bad.field_violations {
                        why.push_str(&format!("\n    {}: {}", v.field, v.description));
                    }
                }
                return Err(why);
            }
            Err(status)
                if matches!(
                    status.code(),
                    tonic::Code::DeadlineExceeded | tonic::Code::Cancelled
                ) =>
            {
                last_error = format!(
                    "{server}: no document within --timeout {} s ({})",
                    timeout.as_secs(),
                    status.message()
                );
            }
            Err(status) => last_error = format!("{server}: {}", status.message()),
        }
    }
    Err(last_error)
}

/// `YYYY-MM-DD` (midnight UTC) or an RFC 3339 timestamp.
fn parse_date(text: &str) -> Result<prost_types::Timestamp, String> {
    let time = chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&chrono::Utc))
        .or_else(|_| {
            chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc())
        })
        .map_err(|_| format!("--date {text}: use YYYY-MM-DD or an RFC 3339 timestamp"))?;
    Ok(prost_types::Timestamp {
        seconds: time.timestamp(),
        nanos: 0,
    })
}
