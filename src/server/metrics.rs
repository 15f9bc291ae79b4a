//! Prometheus metrics, every series prefixed `broadsheet_`, served as text on a listener of
//! their own (`--metrics-listen`, off by default):
//!
//! - `broadsheet_requests_total{method, format, code}`: requests answered;
//! - `broadsheet_render_seconds{format}`: render time (a histogram);
//! - `broadsheet_response_bytes_total{format}`: document bytes sent;
//! - `broadsheet_renders_in_flight` and `broadsheet_render_queue_depth`: the render pool;
//! - `broadsheet_requests_shed_total`: requests refused with RESOURCE_EXHAUSTED.

use std::net::SocketAddr;
use std::sync::OnceLock;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tokio::net::TcpListener;

use crate::settings::{Setting, SettingError};

pub(crate) const REQUESTS: &str = "broadsheet_requests_total";
pub(crate) const RENDER_SECONDS: &str = "broadsheet_render_seconds";
pub(crate) const RESPONSE_BYTES: &str = "broadsheet_response_bytes_total";
pub(crate) const IN_FLIGHT: &str = "broadsheet_renders_in_flight";
pub(crate) const QUEUE_DEPTH: &str = "broadsheet_render_queue_depth";
pub(crate) const SHED: &str = "broadsheet_requests_shed_total";

/// Installs the process-wide recorder once; later calls return the same handle.
fn handle() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets(&[
                    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                ])
                .ok()?;
            match builder.install_recorder() {
                Ok(handle) => Some(handle),
                Err(error) => {
                    tracing::warn!(%error, "cannot install the metrics recorder");
                    None
                }
            }
        })
        .as_ref()
}

/// Serves the metrics as Prometheus text on `address` (any path) until the process ends;
/// returns the bound address.
pub async fn serve_metrics(address: SocketAddr) -> Result<SocketAddr, SettingError> {
    let error = |reason: String| SettingError::new(Setting::MetricsListen, reason);
    let handle =
        handle().ok_or_else(|| error("the metrics recorder could not be installed".to_owned()))?;
    // Show the pool's series from the start, not only after their first change.
    metrics::counter!(SHED).increment(0);
    metrics::gauge!(IN_FLIGHT).increment(0.0);
    metrics::gauge!(QUEUE_DEPTH).increment(0.0);
    let listener = TcpListener::bind(address)
        .await
        .map_err(|e| error(format!("{address}: {e}")))?;
    let local = listener
        .local_addr()
        .map_err(|e| error(format!("{address}: {e}")))?;
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                // Out of file descriptors and the like: wait rather than spin.
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            };
            let service = hyper::service::service_fn(move |_request| async move {
                let body = handle.render();
                Ok::<_, std::convert::Infallible>(
                    http::Response::builder()
                        .header("content-type", "text/plain; version=0.0.4")
                        .body(http_body_util::Full::new(bytes::Bytes::from(body)))
                        .unwrap_or_default(),
                )
            });
            tokio::spawn(async move {
                let io = hyper_util::rt::TokioIo::new(stream);
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(io, service)
                    .await;
            });
        }
    });
    Ok(local)
}
