//! The `broadsheet.v1.ExportService` handlers. Each does four things: convert and validate,
//! render through the registry, map the result, map the error. All of it runs in the render
//! pool: on a blocking thread, or inline for the renders known to be cheap (`place_for`).

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

    /// Where a request renders: inline, on the async worker that took the call, when the
    /// render is known to cost no more than handing it to a blocking thread and back; else
    /// on a blocking thread. Inline are requests of structured blocks (an HTML or Markdown
    /// body is imported first, which can take longer) under [`INLINE_BYTES`] apart from
    /// their pictures, rendered as plain text, or as an EPUB of an article whose lead figure
    /// is its cover (so none is drawn) and whose pictures all go in as they came (no WebP,
    /// no scaling or grayscale). PDF and HTML layout, a drawn cover and re-encoded pictures
    /// always go to a thread.
    fn place_for(&self, request: &pb::ExportRequest) -> Place {
        let Ok(renderer) = self.registry.resolve(request.format.trim()) else {
            return Place::Blocking;
        };
        let mut pictures = Pictures::default();
        // Whether the body is structured blocks, and whether an EPUB's cover is a picture the
        // request carries (an article's lead figure) rather than drawn.
        let (plain, cover_carried) = match &request.document {
            Some(pb::export_request::Document::Article(article)) => {
                let lead = article.lead_figure.as_ref().and_then(|f| f.image.as_ref());
                (
                    pictures.article(article),
                    lead.is_some_and(|image| !image.data.is_empty()),
                )
            }
            Some(pb::export_request::Document::Collection(c)) => {
                // Stopping at the first imported body is right: it goes to a thread anyway.
                pictures.add(c.cover.as_ref());
                (c.articles.iter().all(|a| pictures.article(a)), false)
            }
            None => (true, false),
        };
        let small =
            prost::Message::encoded_len(request).saturating_sub(pictures.bytes) <= INLINE_BYTES;
        let quick = match renderer.id() {
            "text" => true,
            "epub" => {
                // The request's side of `EpubOptions::transforms_images`, read before the
                // options are validated.
                let transforms = request
                    .options
                    .as_ref()
                    .and_then(|o| o.epub.as_ref())
                    .is_some_and(|e| e.max_image_width.is_some() || e.grayscale == Some(true));
                cover_carried && !transforms && !pictures.webp
            }
            _ => false,
        };
        if quick && plain && small {
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
        let pool = Arc::clone(&self.pool);
        self.pool
            .run(admission, place, deadline, move || {
                render(&registry, &limits, request, deadline, pool.spare_threads())
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

/// The largest request, apart from its pictures, rendered inline: the seed article is
/// 10 KB. Validation only reads a picture's header, and a picture that goes in as it came is
/// copied once, so pictures do not count.
const INLINE_BYTES: usize = 64 * 1024;

/// What [`ExportServer::place_for`] needs to know of a request's pictures.
#[derive(Default)]
struct Pictures {
    /// Their encoded bytes.
    bytes: usize,
    /// Whether one is WebP, which an EPUB re-encodes.
    webp: bool,
}

impl Pictures {
    fn add(&mut self, image: Option<&pb::Image>) {
        if let Some(image) = image {
            self.bytes += image.data.len();
            self.webp |= crate::model::is_webp(&image.data);
        }
    }

    fn blocks(&mut self, blocks: &[pb::Block]) {
        for block in blocks {
            match &block.kind {
                Some(pb::block::Kind::Figure(figure)) => self.add(figure.image.as_ref()),
                Some(pb::block::Kind::Aside(aside)) => self.blocks(&aside.blocks),
                _ => {}
            }
        }
    }

    /// Counts an article's pictures; whether its body is structured blocks.
    fn article(&mut self, article: &pb::Article) -> bool {
        self.add(article.lead_figure.as_ref().and_then(|f| f.image.as_ref()));
        self.blocks(&article.body);
        article.body_html.is_empty() && article.body_markdown.is_empty()
    }
}

/// The blocking part of a request: validation, then the pipeline.
fn render(
    registry: &Registry,
    limits: &Limits,
    request: pb::ExportRequest,
    deadline: Option<Instant>,
    spare_threads: usize,
) -> Result<Exported, Error> {
    let job = ExportJob::from_pb(request, limits)?;
    let export = pipeline::export_with_spare_threads(
        registry,
        &job,
        deadline.map(Instant::into_std),
        spare_threads,
    )?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::FontLibrary;

    fn server() -> ExportServer {
        ExportServer::new(
            Arc::new(Registry::builtin(&FontLibrary::embedded())),
            Arc::new(RenderPool::new(1, 0)),
            Limits::default(),
            1,
        )
    }

    fn figure(data: &[u8]) -> pb::Figure {
        pb::Figure {
            image: Some(pb::Image {
                data: Bytes::copy_from_slice(data),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn request(format: &str, article: pb::Article) -> pb::ExportRequest {
        pb::ExportRequest {
            format: format.to_owned(),
            document: Some(pb::export_request::Document::Article(article)),
            ..Default::default()
        }
    }

    fn article(paragraph_bytes: usize, lead: Option<&[u8]>) -> pb::Article {
        pb::Article {
            headline: "Headline".to_owned(),
            lead_figure: lead.map(figure),
            body: vec![pb::Block {
                kind: Some(pb::block::Kind::Paragraph(pb::Paragraph {
                    text: "x".repeat(paragraph_bytes),
                    ..Default::default()
                })),
            }],
            ..Default::default()
        }
    }

    const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0];
    const WEBP: &[u8] = b"RIFF\0\0\0\0WEBPVP8 ";

    #[test]
    fn only_renders_known_to_be_cheap_run_inline() {
        let server = server();
        let place = |request: &pb::ExportRequest| server.place_for(request);
        // Plain text of a small article, pictures or not.
        assert_eq!(place(&request("text", article(1000, None))), Place::Inline);
        assert_eq!(
            place(&request("txt", article(1000, Some(JPEG)))),
            Place::Inline
        );
        // A big picture does not count; big text does.
        let big_picture = vec![0xFF; 2 * INLINE_BYTES];
        let mut with_big_picture = article(1000, Some(JPEG));
        with_big_picture.body.push(pb::Block {
            kind: Some(pb::block::Kind::Figure(figure(&big_picture))),
        });
        assert_eq!(place(&request("text", with_big_picture)), Place::Inline);
        assert_eq!(
            place(&request("text", article(2 * INLINE_BYTES, None))),
            Place::Blocking
        );
        // An EPUB whose lead figure is its cover, and nothing to re-encode.
        assert_eq!(
            place(&request("epub", article(1000, Some(JPEG)))),
            Place::Inline
        );
        // A drawn cover, a WebP anywhere (even inside a fact box), or scaled pictures.
        assert_eq!(
            place(&request("epub", article(1000, None))),
            Place::Blocking
        );
        assert_eq!(
            place(&request("epub", article(1000, Some(WEBP)))),
            Place::Blocking
        );
        let mut webp_in_aside = article(1000, Some(JPEG));
        webp_in_aside.body.push(pb::Block {
            kind: Some(pb::block::Kind::Aside(pb::Aside {
                title: "Key facts".to_owned(),
                blocks: vec![pb::Block {
                    kind: Some(pb::block::Kind::Figure(figure(WEBP))),
                }],
            })),
        });
        assert_eq!(place(&request("epub", webp_in_aside)), Place::Blocking);
        let mut scaled = request("epub", article(1000, Some(JPEG)));
        scaled.options = Some(pb::RenderOptions {
            epub: Some(pb::EpubOptions {
                max_image_width: Some(600),
                ..Default::default()
            }),
            ..Default::default()
        });
        assert_eq!(place(&scaled), Place::Blocking);
        // An imported body, and every layout format.
        let mut html = article(0, None);
        html.body.clear();
        html.body_html = "<p>Text</p>".to_owned();
        assert_eq!(place(&request("text", html)), Place::Blocking);
        for format in ["pdf", "html", "no-such-format"] {
            assert_eq!(
                place(&request(format, article(1000, Some(JPEG)))),
                Place::Blocking
            );
        }
    }
}
