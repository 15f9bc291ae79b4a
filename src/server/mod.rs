//! The gRPC server: the export service beside gRPC health and reflection, on HTTP/2, with
//! bounded rendering, caller deadlines and a graceful drain on shutdown.
//!
//! The connection loop is hyper's HTTP/2 server driven directly rather than
//! `tonic::transport::Server`, for one reason: tonic's server always wraps services in its own
//! `grpc-timeout` handling, which answers CANCELLED when a deadline passes. Here the deadline
//! is stamped on arrival ([`deadline`]) and enforced by the service, which answers
//! DEADLINE_EXCEEDED as the gRPC spec asks.

mod deadline;
mod error;
mod metrics;
mod pool;
mod security;
mod service;

use std::future::Future;
use std::net::SocketAddr;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tonic::codec::CompressionEncoding;
use tonic::service::Routes;

use crate::model::Limits;
use crate::pb;
use crate::pb::export_service_server::ExportServiceServer;
use crate::render::Registry;
use crate::settings::{Setting, SettingError};

pub use deadline::Deadline;
pub use error::Error;
pub use metrics::serve_metrics;
pub use security::tls_config;
pub use service::{CHUNK_BYTES, ExportServer};

/// How long a client gets to complete the TLS handshake.
const TLS_HANDSHAKE: Duration = Duration::from_secs(10);

/// How long a connection the server closes waits for the client to finish reading, after
/// the last byte is written (a lingering close).
const LINGER: Duration = Duration::from_secs(1);

/// Everything the server needs to know, with defaults for a single machine.
#[derive(Debug, Clone)]
pub struct Config {
    /// The most renders running at once.
    pub max_concurrent_renders: usize,
    /// The most renders waiting for a slot; beyond that, RESOURCE_EXHAUSTED.
    pub max_queue: usize,
    /// The largest request or response message, in bytes.
    pub max_message_bytes: usize,
    /// How long in-flight requests get to finish after SIGINT or SIGTERM.
    pub grace_period: Duration,
    /// The input limits.
    pub limits: Limits,
    /// TLS, when the server should speak it.
    pub tls: Option<Arc<tokio_rustls::rustls::ServerConfig>>,
    /// Bearer tokens any one of which a call must carry; empty for no authentication.
    pub tokens: Arc<Vec<String>>,
}

impl Default for Config {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Config {
            max_concurrent_renders: cores,
            max_queue: 64,
            max_message_bytes: 64 * 1024 * 1024,
            grace_period: Duration::from_secs(30),
            limits: Limits::default(),
            tls: None,
            tokens: Arc::default(),
        }
    }
}

/// Serves on `listener` until `shutdown` completes, then drains: no new connections or
/// streams are taken, health reports NOT_SERVING, and requests in flight get
/// `config.grace_period` to finish before the remaining connections are dropped.
pub async fn serve(
    config: Config,
    registry: Registry,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let pool = Arc::new(pool::RenderPool::new(
        config.max_concurrent_renders,
        config.max_queue,
    ));
    let export = ExportServer::new(
        Arc::new(registry),
        pool,
        config.limits,
        config.max_concurrent_renders,
    );
    let export = ExportServiceServer::new(export)
        .accept_compressed(CompressionEncoding::Gzip)
        .send_compressed(CompressionEncoding::Gzip)
        .max_decoding_message_size(config.max_message_bytes)
        .max_encoding_message_size(config.max_message_bytes);

    let (health, health_service) = tonic_health::server::health_reporter();
    health
        .set_serving::<ExportServiceServer<ExportServer>>()
        .await;
    let reflection_builder = || {
        tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
    };
    let reflection = reflection_builder()
        .build_v1()
        .map_err(std::io::Error::other)?;
    let reflection_alpha = reflection_builder()
        .build_v1alpha()
        .map_err(std::io::Error::other)?;

    let routes = Routes::new(export)
        .add_service(health_service)
        .add_service(reflection)
        .add_service(reflection_alpha)
        .prepare();
    let tokens = Arc::clone(&config.tokens);
    let service = tower::ServiceBuilder::new()
        .map_request(deadline::stamp)
        .layer_fn(move |inner| security::RequireToken::new(inner, Arc::clone(&tokens)))
        .service(routes);
    let tls = config.tls.clone().map(tokio_rustls::TlsAcceptor::from);

    let mut http2 = hyper::server::conn::http2::Builder::new(TokioExecutor::new());
    http2
        .timer(TokioTimer::new())
        .keep_alive_interval(Duration::from_secs(30))
        .keep_alive_timeout(Duration::from_secs(20))
        .max_concurrent_streams(1024)
        // Hyper's default of 16 KiB for headers is too tight for some proxies' metadata.
        .max_header_list_size(64 * 1024);

    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, _peer) = match accepted {
                    Ok(accepted) => accepted,
                    Err(error) => {
                        // Out of file descriptors and the like: wait, do not exit.
                        tracing::warn!(%error, "accepting a connection failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                if let Err(error) = stream.set_nodelay(true) {
                    tracing::debug!(%error, "could not set TCP_NODELAY");
                }
                let service = TowerToHyperService::new(service.clone());
                // A second handle on the socket, for the lingering close below (it costs a
                // second file descriptor per connection), and a second watcher, so a drain
                // waits for that too.
                let socket = stream.as_fd().try_clone_to_owned().ok();
                let lingering = graceful.watcher();
                let watcher = graceful.watcher();
                let http2 = http2.clone();
                let tls = tls.clone();
                tokio::spawn(async move {
                    let result = match tls {
                        None => watcher.watch(http2.serve_connection(TokioIo::new(stream), service)).await,
                        Some(acceptor) => {
                            let handshake = tokio::time::timeout(TLS_HANDSHAKE, acceptor.accept(stream)).await;
                            match handshake {
                                Ok(Ok(stream)) => {
                                    watcher.watch(http2.serve_connection(TokioIo::new(stream), service)).await
                                }
                                Ok(Err(error)) => {
                                    tracing::debug!(%error, "TLS handshake failed");
                                    return;
                                }
                                Err(_) => {
                                    tracing::debug!("TLS handshake timed out");
                                    return;
                                }
                            }
                        }
                    };
                    if let Err(error) = result {
                        tracing::debug!(%error, "connection ended with an error");
                    }
                    if let Some(socket) = socket {
                        linger(socket).await;
                    }
                    drop(lingering);
                });
            }
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    health
        .set_not_serving::<ExportServiceServer<ExportServer>>()
        .await;
    // Two watchers per connection being served (one while it lingers).
    let open = graceful.count().div_ceil(2);
    tracing::info!(
        connections = open,
        grace_s = config.grace_period.as_secs_f64(),
        "shutting down: draining requests in flight"
    );
    if tokio::time::timeout(config.grace_period, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("grace period over; closing the remaining connections");
    }
    Ok(())
}

/// Binds `listen`, logs the address, and serves until SIGINT or SIGTERM.
pub async fn run(config: Config, registry: Registry, listen: SocketAddr) -> Result<(), RunError> {
    // Fonts and hyphenation patterns are parsed once, here, not in the first request.
    let started = std::time::Instant::now();
    let registry = tokio::task::spawn_blocking(move || {
        registry.warm_up();
        registry
    })
    .await
    .map_err(|e| RunError::Serve(std::io::Error::other(e)))?;
    tracing::info!(
        ms = started.elapsed().as_secs_f64() * 1000.0,
        "renderers warmed up"
    );
    let listener = TcpListener::bind(listen).await.map_err(|e| {
        RunError::Setting(SettingError::new(Setting::Listen, format!("{listen}: {e}")))
    })?;
    let local = listener.local_addr().map_err(RunError::Serve)?;
    tracing::info!(
        address = %local,
        max_concurrent_renders = config.max_concurrent_renders,
        max_queue = config.max_queue,
        tls = config.tls.is_some(),
        auth_tokens = config.tokens.len(),
        "listening"
    );
    serve(config, registry, listener, shutdown_signal())
        .await
        .map_err(RunError::Serve)?;
    tracing::info!("stopped");
    Ok(())
}

/// Why the server could not start or stopped serving.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// A setting could not be used: the address is taken, say.
    #[error(transparent)]
    Setting(#[from] SettingError),
    /// Serving failed.
    #[error("serving failed: {0}")]
    Serve(std::io::Error),
}

/// Completes on the first SIGINT or SIGTERM.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = interrupt => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM; only SIGINT stops the server");
                let _ = interrupt.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
    tracing::info!("shutdown signal received");
}

/// Closes a connection the way a server must after writing a response: half-close it, then
/// read and discard whatever the client still sends (window updates, a GOAWAY) until it
/// closes its side or [`LINGER`] passes. Closing a socket with unread bytes in its receive
/// buffer makes the kernel reset the connection, and a reset throws away the end of a
/// response still in the send buffer: a large reply in flight at a drain would arrive cut.
async fn linger(socket: OwnedFd) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let socket = std::net::TcpStream::from(socket);
    if socket.set_nonblocking(true).is_err() {
        return;
    }
    let Ok(mut socket) = tokio::net::TcpStream::from_std(socket) else {
        return;
    };
    let _ = socket.shutdown().await;
    let mut discard = [0u8; 4096];
    let _ = tokio::time::timeout(LINGER, async {
        while let Ok(read) = socket.read(&mut discard).await {
            if read == 0 {
                break;
            }
        }
    })
    .await;
}
