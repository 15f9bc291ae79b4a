//! The Markdown importer: pulldown-cmark renders the body to HTML (CommonMark's semantics are
//! defined by the HTML they stand for), and the HTML importer maps that onto blocks. Raw HTML in
//! the Markdown, block or inline, is passed through as CommonMark says and so meets exactly the
//! HTML importer's rules.
//!
//! What reaches the HTML importer: headings as `h1`–`h6` (shifted there), block quotes as
//! `blockquote`, lists as `ul`/`ol` (nested ones flattened there), fenced and indented code as
//! `pre`, inline code as `code`, emphasis and strong emphasis, links, images as `img` (kept only
//! with a `data:` source), GFM tables with their alignment as `text-align` (the column
//! alignment), thematic breaks as `hr`, hard breaks as `br` (U+2028), soft breaks as a line
//! feed (a space), and strikethrough as `del`, whose text is kept (the model has no
//! strikethrough style).
//!
//! The event stream is checked before any HTML is written: nesting deeper than
//! [`ImportLimits::max_depth`] or more than [`ImportLimits::max_elements`] elements refuse the
//! body, and so does text that link reference definitions expand to more than
//! [`EXPANSION_FACTOR`] times the body (plus [`EXPANSION_SLACK`]): a short definition of a long
//! address used thousands of times would otherwise turn kilobytes into gigabytes. pulldown-cmark
//! has a guard of its own against that (it stops resolving references once they have expanded
//! to the body's length, or 100,000 bytes, and leaves the rest as text), so this budget is a
//! second line that does not depend on a library's default.

use pulldown_cmark::{Event, Options, Parser, Tag};

use super::{ImportError, ImportLimits, Imported};

/// How many times its own size a body's text, addresses and raw HTML may grow to through link
/// reference definitions. Entities and escapes only shrink text, so a body without references
/// stays at 1; 4 leaves room for any real use of references.
pub(crate) const EXPANSION_FACTOR: usize = 4;

/// Growth always allowed on top of [`EXPANSION_FACTOR`], for short bodies with a few long
/// referenced addresses: 64 KiB.
pub(crate) const EXPANSION_SLACK: usize = 64 * 1024;

/// Imports a Markdown body. See the [module docs](self).
pub(super) fn import(body: &str, limits: &ImportLimits) -> Result<Imported, ImportError> {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut guard = Guard::new(body.len(), limits);
    let events = Parser::new_ext(body, options).map_while(|event| guard.check(event));
    let mut html = String::with_capacity(body.len() + body.len() / 2);
    pulldown_cmark::html::push_html(&mut html, events);
    if let Some(error) = guard.error {
        return Err(error);
    }
    super::html::import(&html, limits)
}

/// Counts nesting, elements and text as events go by, and stops the stream at the first limit.
struct Guard {
    depth: usize,
    elements: usize,
    payload: usize,
    budget: usize,
    limits: ImportLimits,
    error: Option<ImportError>,
}

impl Guard {
    fn new(body_len: usize, limits: &ImportLimits) -> Self {
        Self {
            depth: 0,
            elements: 0,
            payload: 0,
            budget: body_len
                .saturating_mul(EXPANSION_FACTOR)
                .saturating_add(EXPANSION_SLACK),
            limits: *limits,
            error: None,
        }
    }

    /// The event, or `None` (ending the stream) once a limit is passed.
    fn check<'a>(&mut self, event: Event<'a>) -> Option<Event<'a>> {
        let (opens, closes, elements, payload) = match &event {
            Event::Start(tag) => {
                let payload = match tag {
                    Tag::Link {
                        dest_url, title, ..
                    }
                    | Tag::Image {
                        dest_url, title, ..
                    } => dest_url.len() + title.len(),
                    _ => 0,
                };
                (1, 0, 1, payload)
            }
            Event::End(_) => (0, 1, 0, 0),
            Event::Text(text) | Event::Html(text) | Event::InlineHtml(text) => {
                (0, 0, 0, text.len())
            }
            Event::Code(text)
            | Event::InlineMath(text)
            | Event::DisplayMath(text)
            | Event::FootnoteReference(text) => (0, 0, 1, text.len()),
            Event::HardBreak | Event::Rule | Event::TaskListMarker(_) => (0, 0, 1, 0),
            Event::SoftBreak => (0, 0, 0, 0),
        };
        self.depth = (self.depth + opens).saturating_sub(closes);
        self.elements = self.elements.saturating_add(elements);
        self.payload = self.payload.saturating_add(payload);
        let reason = if self.depth > self.limits.max_depth {
            Some(format!(
                "nests Markdown blocks and spans more than {} levels deep; flatten the markup",
                self.limits.max_depth
            ))
        } else if self.elements > self.limits.max_elements {
            Some(format!(
                "has more than {} Markdown elements; simplify the markup or split the article",
                self.limits.max_elements
            ))
        } else if self.payload > self.budget {
            Some(format!(
                "expands to more than {} bytes of text through link references; \
                 use fewer references to long addresses",
                self.budget
            ))
        } else {
            None
        };
        match reason {
            Some(reason) => {
                self.error = Some(ImportError { reason });
                None
            }
            None => Some(event),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;
    use crate::pb;
    use crate::pb::block::Kind;

    fn imported(body: &str) -> Imported {
        import(body, &ImportLimits::default()).expect("the body is within the limits")
    }

    fn kinds(blocks: &[pb::Block]) -> Vec<&'static str> {
        blocks
            .iter()
            .map(|b| match &b.kind {
                Some(Kind::Paragraph(_)) => "paragraph",
                Some(Kind::Heading(_)) => "heading",
                Some(Kind::Quote(_)) => "quote",
                Some(Kind::List(_)) => "list",
                Some(Kind::Figure(_)) => "figure",
                Some(Kind::Preformatted(_)) => "preformatted",
                Some(Kind::Rule(_)) => "rule",
                Some(Kind::Table(_)) => "table",
                Some(Kind::Aside(_)) => "aside",
                Some(Kind::Embed(_)) => "embed",
                None => "none",
            })
            .collect()
    }

    fn spans_of(block: &pb::Block) -> Vec<pb::Span> {
        match &block.kind {
            Some(Kind::Paragraph(p)) if p.spans.is_empty() => vec![pb::Span {
                text: p.text.clone(),
                ..pb::Span::default()
            }],
            Some(Kind::Paragraph(p)) => p.spans.clone(),
            other => panic!("not a paragraph: {other:?}"),
        }
    }

    fn article() -> Imported {
        let path = format!(
            "{}/tests/fixtures/markdown/article.md",
            env!("CARGO_MANIFEST_DIR")
        );
        let body = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        imported(&body)
    }

    #[test]
    fn article_gives_its_blocks_in_order() {
        let out = article();
        assert_eq!(
            kinds(&out.blocks),
            [
                "paragraph",
                "figure",
                "heading",
                "paragraph",
                "quote",
                "list",
                "heading",
                "table",
                "paragraph",
                "preformatted",
                "paragraph",
                "paragraph",
                "rule",
                "paragraph",
            ]
        );
        assert_eq!(
            out.warnings,
            [
                "dropped 1 script element",
                "dropped 1 remote image (https://cdn.example.com/chart.png); images must be data: URIs",
            ]
        );
        let Some(Kind::List(list)) = &out.blocks[5].kind else {
            panic!("not a list");
        };
        assert!(list.ordered);
        assert_eq!(
            list.items.len(),
            5,
            "the nested bullets are flattened into it"
        );
    }

    #[test]
    fn article_table_keeps_its_alignment() {
        let out = article();
        let Some(Kind::Table(table)) = &out.blocks[7].kind else {
            panic!("not a table");
        };
        assert_eq!(table.header_rows.len(), 1);
        assert_eq!(table.rows.len(), 3);
        assert_eq!(
            table.column_alignment,
            [
                pb::Alignment::Start as i32,
                pb::Alignment::Center as i32,
                pb::Alignment::End as i32
            ]
        );
        assert_eq!(table.rows[1].cells[2].text, "> 1.2 million");
    }

    #[test]
    fn article_keeps_nested_emphasis_code_and_inline_html() {
        let out = article();
        let spans = spans_of(&out.blocks[3]);
        let styled: Vec<_> = spans
            .iter()
            .filter(|s| s.strong || s.emphasis || !s.link.is_empty())
            .map(|s| (s.text.as_str(), s.strong, s.emphasis, s.link.as_str()))
            .collect();
        assert_eq!(
            styled,
            [
                (
                    "Ushakov said",
                    false,
                    false,
                    "https://www.example.com/kremlin-readout"
                ),
                ("no compromise had been reached on the ", true, false, ""),
                ("central territorial questions", true, true, ""),
            ]
        );
        let first = spans_of(&out.blocks[0]);
        assert!(
            first
                .iter()
                .any(|s| s.text == "no public agreement" && s.strong && s.emphasis)
        );
        assert!(
            first.iter().any(|s| s.text == "Jared Kushner" && s.strong),
            "a soft break inside strong text is a space"
        );

        let inline = spans_of(&out.blocks[8]);
        let text: String = inline.iter().map(|s| s.text.as_str()).collect();
        assert!(
            text.contains("an estimate, not a count and it is disputed"),
            "{text}"
        );
        assert!(
            inline
                .iter()
                .any(|s| s.text == "and it is disputed" && s.strong)
        );
        assert!(inline.iter().any(|s| s.text == "casualties" && s.code));

        let Some(Kind::Preformatted(code)) = &out.blocks[9].kind else {
            panic!("not preformatted");
        };
        assert_eq!(
            code.text,
            "{\n  \"casualties\": {\"monthly\": [25000, 30000], \"total\": \"1.2M+\"}\n}"
        );
        assert_eq!(
            spans_of(&out.blocks[10])[0].text,
            "Line one of the dateline\u{2028}MOSCOW, Dec 2",
            "a hard break is U+2028"
        );
        let everything = format!("{:?}", out.blocks);
        assert!(
            !everything.contains("alert"),
            "raw HTML meets the HTML rules"
        );
    }

    #[test]
    fn article_figure_decodes_its_data_image() {
        let out = article();
        let Some(Kind::Figure(figure)) = &out.blocks[1].kind else {
            panic!("not a figure");
        };
        let image = figure.image.as_ref().expect("an image");
        assert!(image.data.starts_with(b"\x89PNG"));
        assert_eq!(image.alt_text, "Vladimir Putin greets Steve Witkoff");
    }

    #[test]
    fn headings_shift_like_html() {
        let out = imported("### Three\n\n#### Four\n\n###### Six\n");
        let levels: Vec<_> = out
            .blocks
            .iter()
            .map(|b| match &b.kind {
                Some(Kind::Heading(h)) => h.level,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(levels, [Some(1), Some(2), Some(4)]);
    }

    #[test]
    fn strikethrough_keeps_its_text() {
        let out = imported("It was ~~not~~ settled.");
        assert_eq!(spans_of(&out.blocks[0])[0].text, "It was not settled.");
    }

    #[test]
    fn refuses_deep_nesting_quickly() {
        let body = ">".repeat(100_000) + " deep";
        let start = Instant::now();
        assert!(import(&body, &ImportLimits::default()).is_err());
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{:?}",
            start.elapsed()
        );
        let body = format!("{}deep", "- ".repeat(100_000));
        assert!(import(&body, &ImportLimits::default()).is_err());
        let body = format!("{} deep", ">".repeat(100));
        assert_eq!(kinds(&imported(&body).blocks), ["quote"]);
    }

    #[test]
    fn link_reference_expansion_stays_bounded() {
        // 70 kB that would expand to 100 MB: pulldown-cmark stops resolving references after
        // about the body's length of addresses, and the rest stay text.
        let address = format!("https://example.com/{}", "a".repeat(10_000));
        let body = format!("{}\n\n[r]: {address}\n", "[x][r] ".repeat(10_000));
        let linked: usize = match import(&body, &ImportLimits::default()) {
            Ok(out) => out
                .blocks
                .iter()
                .flat_map(|b| match &b.kind {
                    Some(Kind::Paragraph(p)) => p.spans.clone(),
                    _ => Vec::new(),
                })
                .map(|s| s.link.len())
                .sum(),
            Err(error) => {
                assert!(error.reason.contains("link references"), "{error}");
                0
            }
        };
        assert!(
            linked <= body.len() * EXPANSION_FACTOR + EXPANSION_SLACK,
            "{linked} bytes of addresses from a {}-byte body",
            body.len()
        );
        // A few references to a long address are fine.
        let body = format!("{}\n\n[r]: {address}\n", "[x][r] ".repeat(10));
        let out = imported(&body);
        assert_eq!(kinds(&out.blocks), ["paragraph"]);
        assert_eq!(
            spans_of(&out.blocks[0]).len(),
            19,
            "ten links and the spaces between"
        );
    }

    #[test]
    fn guard_stops_the_event_stream_at_the_budget() {
        let limits = ImportLimits::default();
        let mut guard = Guard::new(10, &limits);
        let text = "a".repeat(EXPANSION_SLACK + 41);
        assert!(guard.check(Event::Text(text.as_str().into())).is_none());
        let error = guard.error.expect("refused");
        assert!(error.reason.contains("link references"), "{error}");
    }

    #[test]
    fn raw_html_block_and_inline_follows_the_html_rules() {
        let out = imported(
            "Intro <b onclick=\"x()\">bold</b> and <a href=\"javascript:x()\">link</a>.\n\n\
             <iframe src=\"https://www.youtube.com/embed/dQw4w9WgXcQ\" title=\"Talks\"></iframe>\n\n\
             <style>p{}</style>\n",
        );
        assert_eq!(kinds(&out.blocks), ["paragraph", "embed"]);
        assert_eq!(
            out.warnings,
            [
                "removed 1 javascript: link; the text is kept",
                "dropped 1 style element",
            ]
        );
    }
}
