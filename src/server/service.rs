//! The `broadsheet.v1.ExportService` handlers. Each does four things: convert and validate,
//! render through the registry, map the result, map the error. All of it runs in the render
//! pool, off the async runtime.

use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant as StdInstant;

use bytes::Bytes;
use futures::{Stream, StreamExt};
use tokio::time::Instant;
use tonic::{Code, Request, Response, Status, Streaming};

use super::deadline::Deadline;
use super::error::Error;
use super::pool::{Admission, Place, RenderPool};
use crate::model::{ExportJob, Limits};
use crate::pb;
use crate::pipeline;
use crate::render::Registry;

/// The largest `ExportChunk.data`.
pub const CHUNK_BYTES: usize = 64 * 1024;

/// The longest request id written to a log line; longer ones are cut.
const LOGGED_ID_CHARS: usize = 64;

/// The export service: a registry of renderers and a pool to run them in.
#[derive(Debug, Clone)]
pub struct ExportServer {
    registry: Arc<Registry>,
    pool: Arc<RenderPool>,
    limits: Limits,
    batch_parallelism: usize,
}

/// A document rendered for a response.
struct Exported {
    content: Bytes,
    media_type: String,
    file_name: String,
    info: pb::DocumentInfo,
    warnings: Vec<String>,
}

impl ExportServer {
    pub(crate) fn new(
        registry: Arc<Registry>,
        pool: Arc<RenderPool>,
        limits: Limits,
        batch_parallelism: usize,
    ) -> Self {
        ExportServer {
            registry,
            pool,
            limits,
            batch_parallelism: batch_parallelism.max(1),
        }
    }

    /// Where a request renders: inline when it is a plain-text render of a small request
    /// of structured blocks, which takes well under a millisecond, else on a blocking
    /// thread. An HTML or Markdown body is imported first, which can take longer.
    fn place_for(&self, request: &pb::ExportRequest) -> Place {
        /// The largest request rendered inline: the seed article is 10 KB.
        const INLINE_BYTES: usize = 64 * 1024;
        let text = self
            .registry
            .resolve(request.format.trim())
            .is_ok_and(|renderer| renderer.id() == "text");
        let structured = |a: &pb::Article| a.body_html.is_empty() && a.body_markdown.is_empty();
        let plain = match &request.document {
            Some(pb::export_request::Document::Article(article)) => structured(article),
            Some(pb::export_request::Document::Collection(c)) => c.articles.iter().all(structured),
            None => true,
        };
        if text && plain && prost::Message::encoded_len(request) <= INLINE_BYTES {
            Place::Inline
        } else {
            Place::Blocking
        }
    }

    /// Validates and renders one request in the pool.
    async fn export_one(
        &self,
        request: pb::ExportRequest,
        admission: Admission,
        deadline: Option<Instant>,
    ) -> Result<Exported, Error> {
        let registry = Arc::clone(&self.registry);
        let limits = self.limits;
        // Batch items share one task, so they always go to the pool to run in parallel.
        let place = match admission {
            Admission::FailFast => self.place_for(&request),
            Admission::Wait => Place::Blocking,
        };
        self.pool
            .run(admission, place, deadline, move || {
                render(&registry, &limits, request, deadline)
            })
            .await
    }

    async fn batch_item(
        &self,
        request: pb::ExportRequest,
        deadline: Option<Instant>,
    ) -> pb::BatchResult {
        let started = StdInstant::now();
        let request_id = request.request_id.clone();
        let format = request.format.clone();
        let result = self.export_one(request, Admission::Wait, deadline).await;
        log_request(
            &self.registry,
            "ExportBatch",
            &request_id,
            &format,
            &result,
            started,
        );
        let outcome = match result {
            Ok(exported) => pb::batch_result::Outcome::Document(exported.into_response()),
            Err(error) => pb::batch_result::Outcome::Error(error.to_pb()),
        };
        pb::BatchResult {
            request_id,
            outcome: Some(outcome),
        }
    }
}

/// The blocking part of a request: validation, then the pipeline.
fn render(
    registry: &Registry,
    limits: &Limits,
    request: pb::ExportRequest,
    deadline: Option<Instant>,
) -> Result<Exported, Error> {
    let job = ExportJob::from_pb(request, limits)?;
    let export = pipeline::export(registry, &job, deadline.map(Instant::into_std))?;
    metrics::histogram!(super::metrics::RENDER_SECONDS, "format" => export.format.clone())
        .record(export.render_time.as_secs_f64());
    Ok(Exported {
        info: pb::DocumentInfo {
            page_count: export.page_count,
            word_count: export.word_count,
            byte_size: export.content.len() as u64,
        },
        content: Bytes::from(export.content),
        media_type: export.media_type,
        file_name: export.file_name,
        warnings: export.warnings,
    })
}

impl Exported {
    fn into_response(self) -> pb::ExportResponse {
        pb::ExportResponse {
            content: self.content,
            media_type: self.media_type,
            file_name: self.file_name,
            info: Some(self.info),
            warnings: self.warnings,
        }
    }
}

fn deadline_of<T>(request: &Request<T>) -> Option<Instant> {
    request.extensions().get::<Deadline>().map(|d| d.0)
}

/// Writes the one log line of a request.
fn log_request(
    registry: &Registry,
    method: &'static str,
    request_id: &str,
    format: &str,
    result: &Result<Exported, Error>,
    started: StdInstant,
) {
    record_metrics(registry, method, format, result);
    let request_id: String = request_id.chars().take(LOGGED_ID_CHARS).collect();
    let format: String = format.chars().take(LOGGED_ID_CHARS).collect();
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    match result {
        Ok(exported) => tracing::info!(
            method,
            request_id,
            format,
            bytes = exported.content.len(),
            ms,
            code = ?Code::Ok,
            "request"
        ),
        Err(error) if error.is_fault() => tracing::error!(
            method,
            request_id,
            format,
            bytes = 0,
            ms,
            code = ?error.code(),
            error = %error,
            "request"
        ),
        Err(error) => tracing::info!(
            method,
            request_id,
            format,
            bytes = 0,
            ms,
            code = ?error.code(),
            error = %error,
            "request"
        ),
    }
}

/// Counts a request in the metrics. The format label is the canonical id, or `other` for a
/// name no renderer answers to, so callers cannot grow the label set without bound.
fn record_metrics(
    registry: &Registry,
    method: &'static str,
    format: &str,
    result: &Result<Exported, Error>,
) {
    let format = registry
        .resolve(&format.trim().to_lowercase())
        .map_or_else(|_| "other".to_owned(), |renderer| renderer.id().to_owned());
    let code = match result {
        Ok(_) => Code::Ok,
        Err(error) => error.code(),
    };
    metrics::counter!(
        super::metrics::REQUESTS,
        "method" => method,
        "format" => format.clone(),
        "code" => format!("{code:?}")
    )
    .increment(1);
    if let Ok(exported) = result {
        metrics::counter!(super::metrics::RESPONSE_BYTES, "format" => format)
            .increment(exported.content.len() as u64);
    }
}

type ResponseStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

#[tonic::async_trait]
impl pb::export_service_server::ExportService for ExportServer {
    async fn export(
        &self,
        request: Request<pb::ExportRequest>,
    ) -> Result<Response<pb::ExportResponse>, Status> {
        let started = StdInstant::now();
        let deadline = deadline_of(&request);
        let request = request.into_inner();
        let (request_id, format) = (request.request_id.clone(), request.format.clone());
        let result = self
            .export_one(request, Admission::FailFast, deadline)
            .await;
        log_request(
            &self.registry,
            "Export",
            &request_id,
            &format,
            &result,
            started,
        );
        Ok(Response::new(result?.into_response()))
    }

    type ExportStreamStream = ResponseStream<pb::ExportChunk>;

    async fn export_stream(
        &self,
        request: Request<pb::ExportRequest>,
    ) -> Result<Response<Self::ExportStreamStream>, Status> {
        let started = StdInstant::now();
        let deadline = deadline_of(&request);
        let request = request.into_inner();
        let (request_id, format) = (request.request_id.clone(), request.format.clone());
        let result = self
            .export_one(request, Admission::FailFast, deadline)
            .await;
        log_request(
            &self.registry,
            "ExportStream",
            &request_id,
            &format,
            &result,
            started,
        );
        let exported = result?;
        let header = pb::ExportChunk {
            part: Some(pb::export_chunk::Part::Header(pb::ExportHeader {
                media_type: exported.media_type,
                file_name: exported.file_name,
                info: Some(exported.info),
                warnings: exported.warnings,
            })),
        };
        let content = exported.content;
        let data = (0..content.len()).step_by(CHUNK_BYTES).map(move |start| {
            let end = (start + CHUNK_BYTES).min(content.len());
            Ok(pb::ExportChunk {
                part: Some(pb::export_chunk::Part::Data(content.slice(start..end))),
            })
        });
        let chunks = futures::stream::iter(std::iter::once(Ok(header)).chain(data));
        Ok(Response::new(Box::pin(chunks)))
    }

    type ExportBatchStream = ResponseStream<pb::BatchResult>;

    async fn export_batch(
        &self,
        request: Request<Streaming<pb::ExportRequest>>,
    ) -> Result<Response<Self::ExportBatchStream>, Status> {
        let deadline = deadline_of(&request);
        let inbound = request.into_inner();
        let server = self.clone();
        // `buffer_unordered` pulls a new request only when one of `batch_parallelism` is done
        // and its result has been taken by the response, so a slow reader slows the whole
        // pipeline down instead of filling memory.
        let results = inbound
            .map(move |item| {
                let server = server.clone();
                async move {
                    match item {
                        Ok(request) => Ok(server.batch_item(request, deadline).await),
                        Err(status) => Err(status),
                    }
                }
            })
            .buffer_unordered(self.batch_parallelism);
        Ok(Response::new(Box::pin(results)))
    }

    async fn list_formats(
        &self,
        _request: Request<pb::ListFormatsRequest>,
    ) -> Result<Response<pb::ListFormatsResponse>, Status> {
        let formats = self
            .registry
            .renderers()
            .map(|r| pb::Format {
                id: r.id().to_owned(),
                aliases: r.aliases().iter().map(|a| (*a).to_owned()).collect(),
                media_type: r.media_type().to_owned(),
                extension: r.extension().to_owned(),
                description: r.description().to_owned(),
                supports_collections: r.supports_collections(),
            })
            .collect();
        Ok(Response::new(pb::ListFormatsResponse { formats }))
    }
}
