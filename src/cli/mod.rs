//! The `broadsheet` command line: flags become validated settings in one step, then each
//! subcommand dispatches to the library. `broadsheet` with no subcommand serves.

mod bench;
mod export;
mod faults;

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::layout::{FontLibrary, FontSettings};
use crate::model::{ExportJob, Limits, limits};
use crate::pipeline::{self, ExportError};
use crate::render::{Registry, Renderer, external};
use crate::server::{Config, RunError};
use crate::settings::{Setting, SettingError, read_tokens};

/// Turns news articles into finished documents: PDF, EPUB, HTML and plain text.
#[derive(Debug, Parser)]
#[command(name = "broadsheet", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Settings for serving when no subcommand is given.
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the gRPC API (the default).
    Serve(ServeArgs),
    /// Render a JSON request, article or collection locally, without a server.
    Render(RenderArgs),
    /// List the formats this build can render.
    Formats(FormatsArgs),
    /// Load a running server with unary Export calls and report throughput and latency.
    Bench(bench::BenchArgs),
    /// Export many inputs through running servers: one document each, or one `--bundle`.
    Export(export::ExportArgs),
    /// Inject faults into a running server and check that it copes.
    Faults(faults::FaultArgs),
}

/// Settings of `broadsheet serve`; each flag also reads an environment variable.
#[derive(Debug, Clone, Args)]
struct ServeArgs {
    /// The address to listen on.
    #[arg(long, env = "BROADSHEET_LISTEN", default_value = "127.0.0.1:50051")]
    listen: SocketAddr,
    /// The most renders running at once [default: the number of cores].
    #[arg(long, env = "BROADSHEET_MAX_CONCURRENT_RENDERS", value_parser = clap::value_parser!(u32).range(1..=4096))]
    max_concurrent_renders: Option<u32>,
    /// The most renders waiting for a slot; more are refused with RESOURCE_EXHAUSTED.
    #[arg(long, env = "BROADSHEET_MAX_QUEUE", default_value_t = 64)]
    max_queue: u32,
    /// The largest request or response message, in bytes.
    #[arg(long, env = "BROADSHEET_MAX_MESSAGE_BYTES", default_value_t = 64 * 1024 * 1024,
          value_parser = clap::value_parser!(u64).range(1024..=1024 * 1024 * 1024))]
    max_message_bytes: u64,
    /// Seconds that requests in flight get to finish after SIGINT or SIGTERM.
    #[arg(long, env = "BROADSHEET_GRACE_PERIOD", default_value_t = 30)]
    grace_period: u64,
    /// The most text in one article, in bytes.
    #[arg(long, env = "BROADSHEET_MAX_ARTICLE_BYTES", default_value_t = limits::DEFAULT_ARTICLE_BYTES)]
    max_article_bytes: usize,
    /// The largest encoded image, in bytes.
    #[arg(long, env = "BROADSHEET_MAX_IMAGE_BYTES", default_value_t = limits::DEFAULT_IMAGE_BYTES)]
    max_image_bytes: usize,
    /// The most pixels in one image (at most 50,000,000).
    #[arg(long, env = "BROADSHEET_MAX_IMAGE_PIXELS", default_value_t = limits::DEFAULT_IMAGE_PIXELS,
          value_parser = clap::value_parser!(u64).range(1..=limits::MAX_IMAGE_PIXELS_CEILING))]
    max_image_pixels: u64,
    /// The most articles in one collection.
    #[arg(long, env = "BROADSHEET_MAX_COLLECTION_ARTICLES", default_value_t = limits::DEFAULT_COLLECTION_ARTICLES)]
    max_collection_articles: usize,
    #[command(flatten)]
    formats: FormatArgs,
    /// The log format: one line per event, as text or as JSON.
    #[arg(long, env = "BROADSHEET_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    /// Serve Prometheus metrics as text on this address; off unless given.
    #[arg(long, env = "BROADSHEET_METRICS_LISTEN")]
    metrics_listen: Option<SocketAddr>,
    /// Serve TLS with this PEM certificate chain (with `--tls-key`).
    #[arg(long, env = "BROADSHEET_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of `--tls-cert`.
    #[arg(long, env = "BROADSHEET_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Require client certificates signed by this PEM CA (mutual TLS).
    #[arg(long, env = "BROADSHEET_TLS_CLIENT_CA", requires = "tls_cert")]
    tls_client_ca: Option<PathBuf>,
    /// Require `authorization: Bearer <token>` with one of the tokens in this file, one a
    /// line. gRPC health stays open for probes.
    #[arg(long, env = "BROADSHEET_AUTH_TOKEN_FILE")]
    auth_token_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

/// What the formats are made with: fonts and external renderers. Shared by `serve`,
/// `render` and `formats`, so all three build the same registry.
#[derive(Debug, Clone, Args)]
struct FormatArgs {
    /// A folder of extra fonts for scripts the embedded fonts lack (CJK, for example);
    /// may be given more than once. The machine's installed fonts are used too.
    #[arg(long = "font-dir", env = "BROADSHEET_FONT_DIR", value_delimiter = ':')]
    font_dirs: Vec<PathBuf>,
    /// Use only the embedded fonts and `--font-dir` folders, not the machine's fonts.
    #[arg(long, env = "BROADSHEET_NO_SYSTEM_FONTS")]
    no_system_fonts: bool,
    /// A TOML file of external renderers: formats made by programs, without a recompile.
    #[arg(long, env = "BROADSHEET_RENDERERS")]
    renderers: Option<PathBuf>,
}

impl FormatArgs {
    /// The registry: the built-in formats drawing with the configured fonts, then the
    /// external ones, none of which may take a built-in name.
    fn registry(&self, max_output: usize) -> Result<Registry, String> {
        let fonts = FontLibrary::new(FontSettings::new(
            self.font_dirs.clone(),
            !self.no_system_fonts,
        ))
        .map_err(|e| setting_message(&e))?;
        let mut registry = Registry::builtin(&fonts);
        if let Some(path) = &self.renderers {
            for renderer in external::load(path, max_output).map_err(|e| setting_message(&e))? {
                let id = renderer.id().to_owned();
                registry = registry.try_with(std::sync::Arc::new(renderer)).map_err(|taken| {
                    setting_message(&SettingError::new(
                        Setting::Renderers,
                        format!(
                            "{}: [renderer.{id}]: the name `{taken}` is taken by another format",
                            path.display()
                        ),
                    ))
                })?;
            }
        }
        Ok(registry)
    }
}

#[derive(Debug, Args)]
struct FormatsArgs {
    #[command(flatten)]
    formats: FormatArgs,
}

#[derive(Debug, Args)]
struct RenderArgs {
    /// The format id or alias; overrides the request's own `format`.
    #[arg(long, short)]
    format: Option<String>,
    #[command(flatten)]
    formats: FormatArgs,
    /// Where to write the document; `-` is standard output.
    #[arg(long, short, default_value = "-")]
    output: PathBuf,
    /// The JSON request, article or collection; `-` is standard input.
    input: PathBuf,
}

impl ServeArgs {
    fn config(&self) -> Result<Config, String> {
        let defaults = Config::default();
        let tls = match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => Some(
                crate::server::tls_config(cert, key, self.tls_client_ca.as_deref())
                    .map_err(|e| setting_message(&e))?,
            ),
            _ => None,
        };
        let tokens = match &self.auth_token_file {
            Some(path) => {
                read_tokens(Setting::AuthTokenFile, path).map_err(|e| setting_message(&e))?
            }
            None => Vec::new(),
        };
        Ok(Config {
            tls,
            tokens: std::sync::Arc::new(tokens),
            max_concurrent_renders: self
                .max_concurrent_renders
                .map_or(defaults.max_concurrent_renders, |n| n as usize),
            max_queue: self.max_queue as usize,
            max_message_bytes: usize::try_from(self.max_message_bytes).unwrap_or(usize::MAX),
            grace_period: Duration::from_secs(self.grace_period),
            limits: Limits {
                article_bytes: self.max_article_bytes,
                image_bytes: self.max_image_bytes,
                image_pixels: self.max_image_pixels,
                collection_articles: self.max_collection_articles,
            },
        })
    }
}

/// Runs the command line and returns the process's exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        None => serve(cli.serve),
        Some(Command::Serve(args)) => serve(args),
        Some(Command::Render(args)) => report(render(args)),
        Some(Command::Formats(args)) => report(formats(args)),
        Some(Command::Bench(args)) => report(bench::run(args)),
        Some(Command::Export(args)) => report(export::run(args)),
        Some(Command::Faults(args)) => report(faults::run(args)),
    }
}

/// A process's peak resident memory in MB (`VmHWM` in Linux's `/proc/PROCESS/status`);
/// `process` is a pid or `self`.
fn peak_rss_mb(process: &str) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{process}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    Some(line.split_whitespace().nth(1)?.parse::<f64>().ok()? / 1024.0)
}

/// The flag (and environment variable) that gives a setting, for messages.
fn flag(setting: Setting) -> &'static str {
    match setting {
        Setting::TlsCert => "--tls-cert",
        Setting::TlsKey => "--tls-key",
        Setting::TlsClientCa => "--tls-client-ca",
        Setting::AuthTokenFile => "--auth-token-file",
        Setting::TokenFile => "--token-file",
        Setting::Ca => "--ca",
        Setting::FontDirs => "--font-dir",
        Setting::Renderers => "--renderers",
        Setting::Listen => "--listen",
        Setting::MetricsListen => "--metrics-listen",
    }
}

/// A settings error as the command line says it: by the flag.
fn setting_message(error: &SettingError) -> String {
    format!("{} {}", flag(error.setting), error.reason)
}

fn report(result: Result<(), String>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("broadsheet: {message}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
}

fn serve(args: ServeArgs) -> ExitCode {
    init_logging(args.log_format);
    let registry = match args
        .formats
        .registry(usize::try_from(args.max_message_bytes).unwrap_or(usize::MAX))
    {
        Ok(registry) => registry,
        Err(why) => {
            eprintln!("broadsheet: {why}");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(formats = registry.renderers().count(), "formats registered");
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("broadsheet: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let config = match args.config() {
        Ok(config) => config,
        Err(why) => {
            eprintln!("broadsheet: {why}");
            return ExitCode::FAILURE;
        }
    };
    let metrics_listen = args.metrics_listen;
    let result = runtime.block_on(async move {
        if let Some(address) = metrics_listen {
            let bound = crate::server::serve_metrics(address).await?;
            tracing::info!(address = %bound, "metrics listening");
        }
        crate::server::run(config, registry, args.listen).await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(RunError::Setting(error)) => {
            eprintln!("broadsheet: {}", setting_message(&error));
            ExitCode::FAILURE
        }
        Err(error) => {
            tracing::error!(%error, "the server stopped");
            eprintln!("broadsheet: {error}");
            ExitCode::FAILURE
        }
    }
}

fn render(args: RenderArgs) -> Result<(), String> {
    let limits = Limits::default();
    let registry = args.formats.registry(DEFAULT_MAX_OUTPUT)?;
    let input = read_input(&args.input)?;
    let mut request = crate::json::request_from_json(&input)
        .map_err(|e| format!("{}: {e}", args.input.display()))?;
    if let Some(format) = args.format {
        request.format = format;
    }
    let job = ExportJob::from_pb(request, &limits)
        .map_err(|e| format!("{}: {e}", args.input.display()))?;
    // A one-off render has the machine to itself: it may use every core.
    let spare = std::thread::available_parallelism().map_or(0, |n| n.get() - 1);
    let export =
        pipeline::export_with_spare_threads(&registry, &job, None, spare).map_err(|e| match e {
            ExportError::Invalid(invalid) => format!("{}: {invalid}", args.input.display()),
            ExportError::Render(error) => error.to_string(),
        })?;
    for warning in &export.warnings {
        eprintln!("broadsheet: warning: {warning}");
    }
    write_output(&args.output, &export.content)
}

/// The most an external renderer may write when rendering locally: the server's default
/// message limit.
const DEFAULT_MAX_OUTPUT: usize = 64 * 1024 * 1024;

fn read_input(path: &PathBuf) -> Result<String, String> {
    let mut text = String::new();
    if path.as_os_str() == "-" {
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
    } else {
        text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    }
    Ok(text)
}

/// Writes the document. A reader that closes standard output early (`| head`) is not an
/// error: like ripgrep, the command then stops quietly with status 0.
fn write_output(path: &PathBuf, content: &[u8]) -> Result<(), String> {
    if path.as_os_str() == "-" {
        let mut stdout = std::io::stdout().lock();
        match stdout.write_all(content).and_then(|()| stdout.flush()) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            Err(e) => Err(format!("cannot write to standard output: {e}")),
        }
    } else {
        std::fs::write(path, content).map_err(|e| format!("cannot write {}: {e}", path.display()))
    }
}

fn formats(args: FormatsArgs) -> Result<(), String> {
    let registry = args.formats.registry(DEFAULT_MAX_OUTPUT)?;
    let mut out = String::new();
    for renderer in registry.renderers() {
        let aliases = renderer.aliases().join(", ");
        out.push_str(&format!(
            "{:<8} {:<28} .{:<6} {}{}\n",
            renderer.id(),
            renderer.media_type(),
            renderer.extension(),
            renderer.description(),
            if aliases.is_empty() {
                String::new()
            } else {
                format!(" (also: {aliases})")
            }
        ));
    }
    write_output(&PathBuf::from("-"), out.as_bytes())
}
