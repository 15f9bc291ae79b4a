//! A renderer written outside the crate, against the public API only: a format that lists
//! the headlines of a document, one a line, registered beside the built-in formats and run
//! through the same pipeline the server uses.
//!
//! It reads only the fields it needs from the [`RenderContext`] (never destructuring it), and
//! its `match` on [`Document`] ends in a wildcard arm, so new context fields and new kinds of
//! document or block do not break it. `cargo test` builds it, which keeps that promise
//! checked.
//!
//! ```sh
//! cargo run --example headlines_renderer -- tests/fixtures/digest.json
//! ```

use broadsheet::layout::FontLibrary;
use broadsheet::model::{Document, ExportJob};
use broadsheet::render::{Registry, RenderContext, RenderError, Rendered, Renderer};

/// Lists headlines as plain text.
struct Headlines;

impl Renderer for Headlines {
    fn id(&self) -> &str {
        "headlines"
    }

    fn media_type(&self) -> &str {
        "text/plain; charset=utf-8"
    }

    fn extension(&self) -> &str {
        "txt"
    }

    fn description(&self) -> &str {
        "The headlines of a document, one a line"
    }

    fn render(&self, cx: &RenderContext<'_>) -> Result<Rendered, RenderError> {
        let headlines: Vec<&str> = match cx.document {
            Document::Article(article) => vec![article.headline.as_str()],
            Document::Collection(collection) => collection
                .articles
                .iter()
                .map(|a| a.headline.as_str())
                .collect(),
            _ => {
                return Err(RenderError::failed(
                    self.id(),
                    "this kind of document is new to me",
                ));
            }
        };
        let mut text = headlines.join("\n");
        text.push('\n');
        Ok(Rendered::new(text.into_bytes(), 0))
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: headlines_renderer REQUEST.json")?;
    let mut request = broadsheet::json::request_from_json(&std::fs::read_to_string(path)?)?;
    request.format = "headlines".to_owned();
    let registry = Registry::builtin(&FontLibrary::embedded()).with(Headlines);
    let job = ExportJob::try_from(request)?;
    let export = broadsheet::pipeline::export(&registry, &job, None)?;
    print!("{}", String::from_utf8_lossy(&export.content));
    Ok(())
}
