//! Broadsheet turns news articles (structured, or the HTML or Markdown a CMS stores) into
//! finished documents: tagged PDF for print, EPUB for e-readers, a web page, and plain text
//! for everything else.
//!
//! The pipeline runs in one direction:
//!
//! ```text
//! pb::ExportRequest ──ExportJob::from_pb──▶ ExportJob ──pipeline::export──▶ Registry ──▶ Renderer ──▶ Export
//! ```
//!
//! - [`pb`]: the generated `broadsheet.v1` types.
//! - [`model`]: the validated domain model and the one conversion into it.
//! - [`import`]: article bodies as a CMS stores them (HTML, Markdown) mapped onto `pb` blocks.
//! - [`typography`]: the text logic every renderer shares (wrapping, credits, dates, links).
//! - [`layout`]: the shared text engine for drawn formats (the font library, fallback, bidi,
//!   shaping, paragraph setting).
//! - [`render`]: the [`render::Renderer`] trait, the [`render::Registry`] and the renderers,
//!   built-in and external.
//! - [`pipeline`]: the one path from a validated job to a finished export.
//! - [`settings`]: start-up settings errors, named by setting, and token files.
//! - [`server`]: the gRPC service.
//! - [`json`]: the canonical proto3 JSON form of requests, for the CLI and tests.
//! - [`cli`]: the `broadsheet` command line.
//! - [`fuzzing`]: the bodies of the fuzz targets, shared with the replay of their corpora.

#![warn(missing_docs, unreachable_pub)]

pub mod cli;
#[cfg(test)]
mod fixtures;
pub mod fuzzing;
pub mod import;
pub mod json;
pub mod layout;
pub mod model;
pub mod pb;
pub mod pipeline;
pub mod render;
pub mod server;
pub mod settings;
pub mod typography;
