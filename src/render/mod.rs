//! The renderer contract and the registry of formats.
//!
//! A format is one module implementing [`Renderer`] plus one line in
//! [`Registry::builtin`]; nothing in `server/` or `model/` changes. `ListFormats` and the
//! `formats` command read the registry.

mod epub;
mod pdf;
mod text;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use crate::model::{Document, FieldViolation, Invalid, RenderOptions};

pub use epub::EpubRenderer;
pub use pdf::PdfRenderer;
pub use text::TextRenderer;

/// Turns a validated [`Document`] into the bytes of one format.
///
/// The contract:
/// - `render` is synchronous, CPU-bound and deterministic: the same document and options
///   give the same bytes, with no wall clock, randomness or I/O. The server calls it on a
///   blocking thread, never on the async runtime.
/// - The document was validated at the edge; a renderer trusts it and does not check it
///   again. It must not panic on any valid document.
/// - An `Err` means the renderer could not do what it promises (a bug or an exhausted
///   resource), not that the input was wrong; the server answers INTERNAL and logs it.
/// - Things a caller should know that did not stop the render (a character no font covers)
///   go in [`Rendered::warnings`].
pub trait Renderer: Send + Sync {
    /// The canonical format id, lowercase: `"text"`.
    fn id(&self) -> &'static str;
    /// Other names accepted for this format, lowercase: `["txt"]`.
    fn aliases(&self) -> &'static [&'static str] {
        &[]
    }
    /// The media type of the output: `"text/plain; charset=utf-8"`.
    fn media_type(&self) -> &'static str;
    /// The file extension, without the dot: `"txt"`.
    fn extension(&self) -> &'static str;
    /// One line saying what the format is for.
    fn description(&self) -> &'static str;
    /// Whether it renders collections as well as single articles.
    fn supports_collections(&self) -> bool {
        true
    }
    /// Renders a document.
    fn render(&self, document: &Document, options: &RenderOptions)
    -> Result<Rendered, RenderError>;
}

/// A rendered document.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rendered {
    /// The document's bytes.
    pub content: Vec<u8>,
    /// The number of pages, for paged formats; 0 otherwise.
    pub page_count: u32,
    /// Things the caller should know, one sentence each, lowercase.
    pub warnings: Vec<String>,
}

/// Why a renderer failed on a valid document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    /// The renderer hit a state it does not handle: a bug to report.
    #[error("the {format} renderer failed: {reason}")]
    Failed {
        /// The format id.
        format: &'static str,
        /// What went wrong.
        reason: String,
    },
}

/// Validates a request and renders it in every built-in format: the whole pipeline, as the
/// fuzz targets and their corpus replay drive it. A request that fails validation is not an
/// error here; a valid one that some renderer cannot render is.
pub fn validate_and_render_everywhere(
    request: crate::pb::ExportRequest,
) -> Result<(), RenderError> {
    let Ok(job) = crate::model::ExportJob::try_from(request) else {
        return Ok(());
    };
    for renderer in Registry::builtin().renderers() {
        renderer.render(&job.document, &job.options)?;
    }
    Ok(())
}

/// The formats a server or the CLI can render, by id and alias.
#[derive(Clone, Default)]
pub struct Registry {
    /// Every renderer, by canonical id; a `BTreeMap` so listings come out sorted.
    renderers: BTreeMap<&'static str, Arc<dyn Renderer>>,
    /// Every accepted name (ids and aliases) to its canonical id.
    names: BTreeMap<&'static str, &'static str>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Registry::default()
    }

    /// Every format Broadsheet ships, one line each.
    pub fn builtin() -> Self {
        Registry::new()
            .with(EpubRenderer)
            .with(PdfRenderer)
            .with(TextRenderer)
    }

    /// Adds a renderer.
    ///
    /// # Panics
    ///
    /// If its id or one of its aliases is already taken: two renderers answering to one
    /// name is a programming error, found the first time the registry is built.
    pub fn with(mut self, renderer: impl Renderer + 'static) -> Self {
        let id = renderer.id();
        for &name in std::iter::once(&id).chain(renderer.aliases()) {
            let previous = self.names.insert(name, id);
            assert!(
                previous.is_none(),
                "format name `{name}` is registered twice"
            );
        }
        self.renderers.insert(id, Arc::new(renderer));
        self
    }

    /// The renderer for a format id or alias (already trimmed and lowercased).
    pub fn resolve(&self, name: &str) -> Result<&Arc<dyn Renderer>, UnknownFormat> {
        self.names
            .get(name)
            .and_then(|id| self.renderers.get(id))
            .ok_or_else(|| UnknownFormat {
                requested: name.to_owned(),
                known: self.renderers.keys().copied().collect(),
            })
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
    pub known: Vec<&'static str>,
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
        let registry = Registry::builtin();
        assert_eq!(registry.resolve("text").unwrap().id(), "text");
        assert_eq!(registry.resolve("txt").unwrap().id(), "text");
    }

    #[test]
    fn unknown_formats_list_the_choices() {
        let registry = Registry::builtin();
        let err = registry.resolve("docx").err().unwrap();
        assert!(err.known.contains(&"text"));
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
        let _ = Registry::builtin().with(TextRenderer);
    }
}
