//! The plain-text renderer (`text`, alias `txt`): UTF-8 wrapped to a width in terminal
//! columns, for terminals, e-mail bodies, screen readers and search indexes.
//!
//! An article reads top to bottom as: publication and section; the headline, underlined to
//! its width; the summary; the byline; the dateline and dates; the lead figure; the body; the
//! credits line; similar articles; references; the copyright. Links become numbered
//! references (`[1]`) listed under "References" at the end of their article. A collection
//! becomes a digest: a masthead, a numbered contents list, then the articles, each opened by
//! a full-width rule.

use super::{RenderContext, RenderError, Rendered, Renderer};
use crate::model::{Article, Block, Collection, Document, Figure, Span};
use crate::typography::{
    LinkTable, byline, credits_line, display_width, fill, format_date, published_text, updated_text,
};

/// The plain-text renderer.
#[derive(Debug, Clone, Copy, Default)]
pub struct TextRenderer;

impl Renderer for TextRenderer {
    fn id(&self) -> &'static str {
        "text"
    }

    fn aliases(&self) -> &'static [&'static str] {
        &["txt"]
    }

    fn media_type(&self) -> &'static str {
        "text/plain; charset=utf-8"
    }

    fn extension(&self) -> &'static str {
        "txt"
    }

    fn description(&self) -> &'static str {
        "Plain UTF-8 text wrapped to a column width, with links as numbered references"
    }

    fn render(&self, cx: &RenderContext<'_>) -> Result<Rendered, RenderError> {
        let mut writer = Writer {
            out: String::new(),
            width: cx.options.text.width,
        };
        match cx.document {
            Document::Article(article) => writer.article(article),
            Document::Collection(collection) => writer.collection(collection),
        }
        Ok(Rendered::new(writer.out.into_bytes(), 0))
    }
}

/// The width of rules and underlines when nothing is wrapped.
const UNWRAPPED_RULE_WIDTH: usize = 72;

struct Writer {
    out: String,
    width: Option<usize>,
}

impl Writer {
    fn rule_width(&self) -> usize {
        self.width.unwrap_or(UNWRAPPED_RULE_WIDTH)
    }

    /// Ends the current block with one blank line, unless the output is empty.
    fn gap(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with("\n\n") {
            self.out.push('\n');
        }
    }

    fn paragraph(&mut self, text: &str, initial: &str, subsequent: &str) {
        fill(text, self.width, initial, subsequent, &mut self.out);
    }

    /// A title underlined with `mark` to the width of its longest line.
    fn underlined(&mut self, text: &str, mark: char) {
        let start = self.out.len();
        self.paragraph(text, "", "");
        let widest = self.out[start..]
            .lines()
            .map(display_width)
            .max()
            .unwrap_or(0);
        self.out.extend(std::iter::repeat_n(mark, widest));
        self.out.push('\n');
    }

    fn full_rule(&mut self, mark: char) {
        let width = self.rule_width();
        self.out.extend(std::iter::repeat_n(mark, width));
        self.out.push('\n');
    }

    fn collection(&mut self, collection: &Collection) {
        self.full_rule('=');
        self.paragraph(&collection.title, "", "");
        self.full_rule('=');
        if !collection.subtitle.is_empty() {
            self.paragraph(&collection.subtitle, "", "");
        }
        let date = collection
            .date
            .map(|d| format_date(&d, &collection.language));
        let imprint = join_present([collection.publisher.as_str(), date.as_deref().unwrap_or("")]);
        if !imprint.is_empty() {
            self.paragraph(&imprint, "", "");
        }

        self.gap();
        self.underlined("Contents", '-');
        let digits = collection.articles.len().to_string().len();
        for (i, article) in collection.articles.iter().enumerate() {
            let number = format!("{:>digits$}. ", i + 1);
            let hanging = " ".repeat(number.len());
            let entry = if article.section.is_empty() {
                article.headline.clone()
            } else {
                format!("{} ({})", article.headline, article.section)
            };
            self.paragraph(&entry, &number, &hanging);
        }

        for article in &collection.articles {
            self.gap();
            self.out.push('\n');
            self.full_rule('=');
            self.out.push('\n');
            self.article(article);
        }
    }

    fn article(&mut self, article: &Article) {
        let mut links = LinkTable::default();

        let masthead = join_present([article.publication.as_str(), article.section.as_str()]);
        if !masthead.is_empty() {
            self.paragraph(&masthead, "", "");
            self.gap();
        }
        self.underlined(&article.headline, '=');
        if !article.summary.is_empty() {
            self.gap();
            self.paragraph(&article.summary, "", "");
        }

        let byline = byline(article);
        let published = published_text(article);
        let updated = updated_text(article);
        let dateline = join_present([
            article.dateline.as_str(),
            published.as_deref().unwrap_or(""),
            updated.as_deref().unwrap_or(""),
        ]);
        if byline.is_some() || !dateline.is_empty() {
            self.gap();
            if let Some(byline) = byline {
                self.paragraph(&byline, "", "");
            }
            if !dateline.is_empty() {
                self.paragraph(&dateline, "", "");
            }
        }
        if let Some(figure) = &article.lead_figure {
            self.gap();
            self.figure(figure);
        }

        for block in &article.body {
            self.gap();
            self.block(block, &mut links);
        }

        if let Some(credits) = credits_line(article) {
            self.gap();
            self.paragraph(&credits, "", "");
        }
        if !article.related.is_empty() {
            self.gap();
            self.underlined("Similar Articles", '-');
            for related in &article.related {
                self.paragraph(&related.title, "  • ", "    ");
                if !related.summary.is_empty() {
                    self.paragraph(&related.summary, "    ", "    ");
                }
                if let Some(url) = &related.url {
                    self.paragraph(url, "    ", "    ");
                }
            }
        }
        if !links.is_empty() {
            self.gap();
            self.underlined("References", '-');
            for (number, url) in links.entries() {
                let label = format!("[{number}] ");
                let hanging = " ".repeat(label.len());
                self.paragraph(url, &label, &hanging);
            }
        }
        if !article.copyright.is_empty() {
            self.gap();
            self.paragraph(&article.copyright, "", "");
        }
    }

    fn block(&mut self, block: &Block, links: &mut LinkTable) {
        match block {
            Block::Paragraph(spans) => {
                let text = inline(spans, links);
                self.paragraph(&text, "", "");
            }
            Block::Heading { level, spans } => {
                let text = inline(spans, links);
                let mark = match level {
                    1 => '-',
                    2 => '~',
                    _ => '.',
                };
                self.underlined(&text, mark);
            }
            Block::Quote {
                paragraphs,
                attribution,
            } => {
                for (i, paragraph) in paragraphs.iter().enumerate() {
                    if i > 0 {
                        self.out.push('\n');
                    }
                    let text = inline(paragraph, links);
                    self.paragraph(&text, "    ", "    ");
                }
                if !attribution.is_empty() {
                    self.paragraph(&format!("— {attribution}"), "      ", "        ");
                }
            }
            Block::List { ordered, items } => {
                let digits = items.len().to_string().len();
                for (i, item) in items.iter().enumerate() {
                    let marker = if *ordered {
                        format!("  {:>digits$}. ", i + 1)
                    } else {
                        "  • ".to_owned()
                    };
                    let hanging = " ".repeat(display_width(&marker));
                    let text = inline(item, links);
                    self.paragraph(&text, &marker, &hanging);
                }
            }
            Block::Figure(figure) => self.figure(figure),
            Block::Preformatted(text) => {
                self.out.push_str(text);
                self.out.push('\n');
            }
            Block::Rule => {
                let mark = "*   *   *";
                let pad = self.rule_width().saturating_sub(mark.len()) / 2;
                self.out.extend(std::iter::repeat_n(' ', pad));
                self.out.push_str(mark);
                self.out.push('\n');
            }
        }
    }

    /// `[Figure: alt — caption (credit)]`, leaving out the parts that are empty.
    fn figure(&mut self, figure: &Figure) {
        let mut text = String::from("[Figure");
        let described = join_with(
            " — ",
            [figure.image.alt_text.as_str(), figure.caption.as_str()],
        );
        if !described.is_empty() {
            text.push_str(": ");
            text.push_str(&described);
        }
        if !figure.credit.is_empty() {
            text.push_str(if described.is_empty() { ": (" } else { " (" });
            text.push_str(&figure.credit);
            text.push(')');
        }
        text.push(']');
        self.paragraph(&text, "", "");
    }
}

/// The text of a run of spans, each link followed by its reference number.
fn inline(spans: &[Span], links: &mut LinkTable) -> String {
    let mut text = String::new();
    for (i, span) in spans.iter().enumerate() {
        text.push_str(&span.text);
        if let Some(url) = &span.link {
            let next_same = spans.get(i + 1).and_then(|s| s.link.as_ref()) == Some(url);
            if !next_same {
                let number = links.number(url);
                // Keep the marker on the word it follows, before any space the span ends in.
                let trimmed = text.trim_end_matches(' ').len();
                let trailing = text.split_off(trimmed);
                text.push_str(&format!("\u{a0}[{number}]"));
                text.push_str(&trailing);
            }
        }
    }
    text
}

/// The non-empty parts, joined with " · ".
fn join_present<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    join_with(" · ", parts)
}

fn join_with<'a>(separator: &str, parts: impl IntoIterator<Item = &'a str>) -> String {
    let parts: Vec<&str> = parts.into_iter().filter(|p| !p.is_empty()).collect();
    parts.join(separator)
}
