//! The one path from a validated job to a finished export: resolve the renderer, check that
//! it takes the document, render, name the file, count the words and collect the warnings.
//!
//! The server's three export RPCs, `broadsheet render` and the fuzz targets all come through
//! [`export`], so the same request gives the same bytes, the same file name and the same
//! errors whichever way it arrives.

use std::time::{Duration, Instant};

use crate::model::{Document, ExportJob, Invalid};
use crate::render::{Registry, RenderContext, RenderError};

/// A finished export.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Export {
    /// The document's bytes.
    pub content: Vec<u8>,
    /// The canonical id of the format it was rendered in.
    pub format: String,
    /// Its media type.
    pub media_type: String,
    /// A file name for it: a stem from the document, the format's extension.
    pub file_name: String,
    /// The number of pages, for paged formats; 0 otherwise.
    pub page_count: u32,
    /// The number of words of article text.
    pub word_count: u32,
    /// Things the caller should know, one sentence each.
    pub warnings: Vec<String>,
    /// How long the renderer took.
    pub render_time: Duration,
}

/// Why a validated job could not be exported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// The job asks for something the registry cannot do: an unknown format, or a
    /// collection in a format of single articles. The caller can fix it.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// The renderer failed on a valid document.
    #[error(transparent)]
    Render(#[from] RenderError),
}

/// Exports a validated job through `registry`, stopping work at `deadline` where the
/// renderer can, on the calling thread alone.
pub fn export(
    registry: &Registry,
    job: &ExportJob,
    deadline: Option<Instant>,
) -> Result<Export, ExportError> {
    export_with_spare_threads(registry, job, deadline, 0)
}

/// [`export`], letting the renderer borrow up to `spare_threads` idle threads (see
/// [`RenderContext::spare_threads`]). The output is the same bytes whatever the number.
pub fn export_with_spare_threads(
    registry: &Registry,
    job: &ExportJob,
    deadline: Option<Instant>,
    spare_threads: usize,
) -> Result<Export, ExportError> {
    let renderer = registry.resolve(&job.format).map_err(Invalid::from)?;
    if matches!(job.document, Document::Collection(_)) && !renderer.supports_collections() {
        return Err(Invalid::field(
            "collection",
            format!(
                "the `{}` format renders single articles only; send an `article`",
                renderer.id()
            ),
        )
        .into());
    }
    let started = Instant::now();
    let rendered = renderer.render(
        &RenderContext::new(job)
            .with_deadline(deadline)
            .with_spare_threads(spare_threads),
    )?;
    let render_time = started.elapsed();
    Ok(Export {
        format: renderer.id().to_owned(),
        media_type: renderer.media_type().to_owned(),
        file_name: format!("{}.{}", job.document.file_stem(), renderer.extension()),
        page_count: rendered.page_count,
        word_count: u32::try_from(job.document.word_count()).unwrap_or(u32::MAX),
        warnings: job
            .warnings
            .iter()
            .cloned()
            .chain(rendered.warnings)
            .collect(),
        content: rendered.content,
        render_time,
    })
}

/// Exports a validated job in every format of the registry that takes its document, as the
/// fuzz targets and their corpus replay do: a valid job that some renderer cannot render is
/// the error.
pub fn export_everywhere(registry: &Registry, job: &ExportJob) -> Result<(), RenderError> {
    for renderer in registry.renderers() {
        let job = ExportJob {
            format: renderer.id().to_owned(),
            ..job.clone()
        };
        match export(registry, &job, None) {
            Ok(_) | Err(ExportError::Invalid(_)) => {}
            Err(ExportError::Render(error)) => return Err(error),
        }
    }
    Ok(())
}

/// Validates a request and exports it in every built-in format, drawing with the embedded
/// fonts only: the whole pipeline as the fuzz targets and their corpus replay drive it. A
/// request that fails validation is not an error here; a valid one that some renderer
/// cannot render is.
pub fn validate_and_export_everywhere(
    request: crate::pb::ExportRequest,
) -> Result<(), RenderError> {
    static REGISTRY: std::sync::LazyLock<Registry> =
        std::sync::LazyLock::new(|| Registry::builtin(&crate::layout::FontLibrary::embedded()));
    match ExportJob::try_from(request) {
        Ok(job) => export_everywhere(&REGISTRY, &job),
        Err(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::FontLibrary;
    use crate::pb;

    fn job(format: &str, document: pb::export_request::Document) -> ExportJob {
        ExportJob::try_from(pb::ExportRequest {
            format: format.to_owned(),
            document: Some(document),
            ..Default::default()
        })
        .unwrap()
    }

    fn article() -> pb::Article {
        pb::Article {
            id: "kremlin-talks".to_owned(),
            headline: "Putin holds talks".to_owned(),
            body: vec![pb::Block {
                kind: Some(pb::block::Kind::Paragraph(pb::Paragraph {
                    text: "Russian President Vladimir Putin met envoys.".to_owned(),
                    spans: Vec::new(),
                })),
            }],
            ..Default::default()
        }
    }

    #[test]
    fn names_counts_and_labels_the_export() {
        let registry = Registry::builtin(&FontLibrary::embedded());
        let export = export(
            &registry,
            &job("txt", pb::export_request::Document::Article(article())),
            None,
        )
        .unwrap();
        assert_eq!(export.format, "text");
        assert_eq!(export.file_name, "kremlin-talks.txt");
        assert_eq!(export.media_type, "text/plain; charset=utf-8");
        assert_eq!(export.word_count, 9);
    }

    #[test]
    fn refuses_an_unknown_format_by_field() {
        let registry = Registry::builtin(&FontLibrary::embedded());
        let err = export(
            &registry,
            &job("docx", pb::export_request::Document::Article(article())),
            None,
        )
        .unwrap_err();
        let ExportError::Invalid(invalid) = err else {
            panic!("an unknown format is the caller's to fix");
        };
        assert_eq!(invalid.violations[0].field, "format");
    }
}
