//! The renderer contract and the registry of formats.
//!
//! A built-in format is one module implementing [`Renderer`] plus one line in
//! [`Registry::builtin`]; nothing in `server/` or `model/` changes. An [`external`] format is
//! a program named in a `--renderers` file, with no recompile. `ListFormats` and the
//! `formats` command read the registry; [`crate::pipeline`] is the one path from a validated
//! job to a finished export.

mod epub;
pub mod external;
mod html;
mod pdf;
mod text;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Instant;

use crate::layout::FontLibrary;
use crate::model::{Document, ExportJob, FieldViolation, Invalid, RenderOptions};

pub use epub::EpubRenderer;
pub use pdf::PdfRenderer;
pub use text::TextRenderer;

/// Turns a validated [`Document`] into the bytes of one format.
///
/// The contract:
/// - `render` is synchronous, CPU-bound and deterministic: the same context gives the same
///   bytes, with no wall clock or randomness. The server calls it on a blocking thread of its
///   render pool, never on the async runtime. Built-in renderers do no I/O; an
///   [`external`] renderer runs a program and stops it at [`RenderContext::deadline`].
/// - The document was validated at the edge; a renderer trusts it and does not check it
///   again. It must not panic on any valid document.
/// - An `Err` means the renderer could not do what it promises (a bug, a failed program, an
///   exhausted resource), not that the input was wrong; the server answers INTERNAL and
///   logs it with the request id.
/// - Things a caller should know that did not stop the render (a character no font covers)
///   go in [`Rendered::warnings`].
/// - [`RenderContext`], [`Rendered`], the model's blocks and every options struct are
///   `#[non_exhaustive]`: a renderer that ignores a new field or block kind keeps compiling.
pub trait Renderer: Send + Sync {
    /// The canonical format id, lowercase: `"text"`.
    fn id(&self) -> &str;
    /// Other names accepted for this format, lowercase: `["txt"]`.
    fn aliases(&self) -> &[&str] {
        &[]
    }
    /// The media type of the output: `"text/plain; charset=utf-8"`.
    fn media_type(&self) -> &str;
    /// The file extension, without the dot: `"txt"`.
    fn extension(&self) -> &str;
    /// One line saying what the format is for.
    fn description(&self) -> &str;
    /// Whether it renders collections as well as single articles.
    fn supports_collections(&self) -> bool {
        true
    }
    /// Does once, before the first request, the work every render would otherwise pay for
    /// on first use (parsing fonts, loading hyphenation patterns). The server calls it at
    /// start-up; the default does nothing.
    fn warm_up(&self) {}
    /// Renders a document.
    fn render(&self, cx: &RenderContext<'_>) -> Result<Rendered, RenderError>;
}

/// Everything a renderer is given for one document.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct RenderContext<'a> {
    /// The validated job: the document, its options, the format asked for, the request id.
    pub job: &'a ExportJob,
    /// The validated document (the job's).
    pub document: &'a Document,
    /// The validated options (the job's); each renderer reads its own part.
    pub options: &'a RenderOptions,
    /// When the caller stops waiting, if it said; work still running then is wasted.
    pub deadline: Option<Instant>,
    /// Threads the machine has idle now, which the renderer may borrow for this document
    /// (the PDF renderer sets a long document's paragraphs on one). 0 by default.
    pub spare_threads: usize,
}

impl<'a> RenderContext<'a> {
    /// The context of a validated job, with no deadline.
    pub fn new(job: &'a ExportJob) -> Self {
        RenderContext {
            job,
            document: &job.document,
            options: &job.options,
            deadline: None,
            spare_threads: 0,
        }
    }

    /// With `threads` idle threads the renderer may use besides its own.
    pub fn with_spare_threads(mut self, threads: usize) -> Self {
        self.spare_threads = threads;
        self
    }

    /// With the caller's deadline.
    pub fn with_deadline(mut self, deadline: Option<Instant>) -> Self {
        self.deadline = deadline;
        self
    }
}

/// A rendered document.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Rendered {
    /// The document's bytes.
    pub content: Vec<u8>,
    /// The number of pages, for paged formats; 0 otherwise.
    pub page_count: u32,
    /// Things the caller should know, one sentence each, lowercase.
    pub warnings: Vec<String>,
}

impl Rendered {
    /// A rendered document of `page_count` pages (0 for formats without pages).
    pub fn new(content: Vec<u8>, page_count: u32) -> Self {
        Rendered {
            content,
            page_count,
            warnings: Vec::new(),
        }
    }

    /// With these warnings.
    pub fn with_warnings(mut self, warnings: Vec<String>) -> Self {
        self.warnings = warnings;
        self
    }
}

/// Why a renderer failed on a valid document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    /// The renderer could not finish: a bug, or a program that failed.
    #[error("the {format} renderer failed: {reason}")]
    Failed {
        /// The format id.
        format: String,
        /// What went wrong, in one line.
        reason: String,
    },
    /// The caller's deadline passed while the renderer worked, and it stopped.
    #[error("the {format} renderer stopped at the caller's deadline")]
    DeadlineExceeded {
        /// The format id.
        format: String,
    },
}

impl RenderError {
    /// A failure of the `format` renderer, for `reason`.
    pub fn failed(format: &str, reason: impl Into<String>) -> Self {
        RenderError::Failed {
            format: format.to_owned(),
            reason: reason.into(),
        }
    }
}

/// The formats a server or the CLI can render, by id and alias.
#[derive(Clone, Default)]
pub struct Registry {
    /// Every renderer, by canonical id; a `BTreeMap` so listings come out sorted.
    renderers: BTreeMap<String, Arc<dyn Renderer>>,
    /// Every accepted name (ids and aliases) to its canonical id.
    names: BTreeMap<String, String>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Registry::default()
    }

    /// Every format Broadsheet ships, one line each, drawing with `fonts`.
    pub fn builtin(fonts: &FontLibrary) -> Self {
        Registry::new()
            .with(EpubRenderer::new(fonts.clone()))
            .with(html::HtmlRenderer)
            .with(PdfRenderer::new(fonts.clone()))
            .with(TextRenderer)
    }

    /// Adds a renderer.
    ///
    /// # Panics
    ///
    /// If its id or one of its aliases is already taken: two renderers answering to one
    /// name is a programming error, found the first time the registry is built. Use
    /// [`Registry::try_with`] for renderers named by configuration.
    pub fn with(self, renderer: impl Renderer + 'static) -> Self {
        match self.try_with(Arc::new(renderer)) {
            Ok(registry) => registry,
            Err(name) => panic!("format name `{name}` is registered twice"),
        }
    }

    /// Adds a renderer, or gives back the name that is already taken.
    pub fn try_with(mut self, renderer: Arc<dyn Renderer>) -> Result<Self, String> {
        let id = renderer.id().to_owned();
        let names: Vec<String> = std::iter::once(id.clone())
            .chain(renderer.aliases().iter().map(|a| (*a).to_owned()))
            .collect();
        if let Some(taken) = names.iter().find(|n| self.names.contains_key(*n)) {
            return Err(taken.clone());
        }
        for name in names {
            self.names.insert(name, id.clone());
        }
        self.renderers.insert(id, renderer);
        Ok(self)
    }

    /// The renderer for a format id or alias (already trimmed and lowercased).
    pub fn resolve(&self, name: &str) -> Result<&Arc<dyn Renderer>, UnknownFormat> {
        self.names
            .get(name)
            .and_then(|id| self.renderers.get(id))
            .ok_or_else(|| UnknownFormat {
                requested: name.to_owned(),
                known: self.renderers.keys().cloned().collect(),
            })
    }

    /// Warms every renderer up (see [`Renderer::warm_up`]).
    pub fn warm_up(&self) {
        for renderer in self.renderers.values() {
            renderer.warm_up();
        }
    }

    /// Every renderer, sorted by id.
    pub fn renderers(&self) -> impl Iterator<Item = &Arc<dyn Renderer>> {
        self.renderers.values()
    }
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field("names", &self.names)
            .finish()
    }
}

/// A format name that no renderer answers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownFormat {
    /// The name asked for; empty if none was given.
    pub requested: String,
    /// The canonical ids of every format there is, sorted.
    pub known: Vec<String>,
}

impl fmt::Display for UnknownFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let known = self.known.join(", ");
        if self.requested.is_empty() {
            write!(f, "is required; expected one of: {known}")
        } else {
            write!(
                f,
                "unknown format `{}`; expected one of: {known}",
                self.requested
            )
        }
    }
}

impl From<UnknownFormat> for Invalid {
    fn from(unknown: UnknownFormat) -> Self {
        Invalid {
            violations: vec![FieldViolation {
                field: "format".to_owned(),
                description: unknown.to_string(),
            }],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_ids_and_aliases() {
        let registry = Registry::builtin(&FontLibrary::embedded());
        assert_eq!(registry.resolve("text").unwrap().id(), "text");
        assert_eq!(registry.resolve("txt").unwrap().id(), "text");
    }

    #[test]
    fn unknown_formats_list_the_choices() {
        let registry = Registry::builtin(&FontLibrary::embedded());
        let err = registry.resolve("docx").err().unwrap();
        assert!(err.known.iter().any(|k| k == "text"));
        assert!(
            err.to_string()
                .starts_with("unknown format `docx`; expected one of: ")
        );
        let missing = registry.resolve("").err().unwrap();
        assert!(missing.to_string().starts_with("is required"));
    }

    #[test]
    #[should_panic(expected = "registered twice")]
    fn refuses_a_name_registered_twice() {
        let _ = Registry::builtin(&FontLibrary::embedded()).with(TextRenderer);
    }
}
