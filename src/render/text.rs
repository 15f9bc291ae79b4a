//! The plain-text renderer (`text`, alias `txt`): UTF-8 wrapped to a width in terminal
//! columns, for terminals, e-mail bodies, screen readers and search indexes.
//!
//! An article reads top to bottom as: publication and section; the headline, underlined to
//! its width; the summary; the byline, with the contributors' titles ([`byline`]: "By Guy
//! Faulconbridge, Moscow bureau chief"); the dateline and dates; the editorial notes that
//! frame the story (updates and editor's notes, see
//! [`NoteKind::goes_first`](crate::model::NoteKind::goes_first)); the lead figure; the body;
//! the notes that amend it (corrections and clarifications, after the text they amend and
//! before the credits, where newspapers print them); the credits line; similar articles;
//! references; the copyright. Each note is headed by its kind and date, underlined
//! ("Correction · December 4, 2025"), and notes keep their order within each place. Links
//! become numbered references (`[1]`) listed under "References" at the end of their
//! article. A collection becomes a digest: a masthead, a numbered contents list, then the
//! articles, each opened by a full-width rule. Labels are in the article's language, or the
//! collection's ([`crate::typography::term`]).
//!
//! Blocks that are not running text:
//!
//! - A **table** is set in aligned columns measured by display width, two spaces apart,
//!   with its caption ("Table: …") directly above, a rule closing it and its credit below.
//!   The last header row is underlined with `─` column by column; a cell spanning columns
//!   takes their widths and the gaps between them, and one in an earlier header row is
//!   ruled across the columns it groups. Columns are sized like CSS automatic table
//!   layout: each gets at least its widest word and at most its whole content on one line,
//!   and the room between is shared in proportion to what each would like; a table that
//!   fits is as wide as its content, not the line. When any body row wraps, the rows are
//!   set a blank line apart. Cells follow their column's alignment in logical order (start
//!   is left and end is right, whatever the script). A table too wide for the line even at
//!   its narrowest becomes one record per row, a "header: value" line per cell keyed by the
//!   last header row, records a blank line apart. Without a width, columns are as wide as
//!   their content.
//! - A **fact box** is framed: a rule with its title on top (`┌─ What we know ───`), its
//!   blocks wrapped inside a `│ ` bar, and a closing rule (`└────`).
//! - An **embed** is a card in the manner of `[Figure: …]`: the provider in brackets (the
//!   link's host when none is given) and the title, the description hanging under it. Its
//!   address is a numbered reference like any other link.

use super::{RenderContext, RenderError, Rendered, Renderer};
use crate::model::{
    Alignment, Article, Aside, Block, Collection, Document, EditorialNote, Embed, Figure, Language,
    Span, Table, TableRow,
};
use crate::typography::{
    LinkTable, Term, break_opportunities, byline, colon, credits_line, display_width, fill,
    format_date, labelled, published_text, term, updated_text,
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

/// Between the columns of a table.
const COLUMN_GAP: &str = "  ";

/// The bar in front of every line of a fact box, and its width in columns.
const FRAME_BAR: &str = "│ ";
const FRAME_BAR_WIDTH: usize = 2;

/// The widest an embed's provider label may be and still have the description hang under
/// the title; a wider one hangs it by [`EMBED_INDENT`].
const EMBED_LABEL_HANG: usize = 16;
const EMBED_INDENT: &str = "    ";

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
        self.underlined(term(&collection.language, Term::Contents), '-');
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
        self.notes(article, true);
        if let Some(figure) = &article.lead_figure {
            self.gap();
            self.figure(figure, &article.language);
        }

        for block in &article.body {
            self.gap();
            self.block(block, &mut links, &article.language);
        }
        self.notes(article, false);

        if let Some(credits) = credits_line(article) {
            self.gap();
            self.paragraph(&credits, "", "");
        }
        if !article.related.is_empty() {
            self.gap();
            self.underlined(term(&article.language, Term::SimilarArticles), '-');
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
            self.underlined(term(&article.language, Term::References), '-');
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

    fn block(&mut self, block: &Block, links: &mut LinkTable, language: &Language) {
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
            Block::Figure(figure) => self.figure(figure, language),
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
            Block::Table(table) => self.table(table, links, language),
            Block::Aside(aside) => self.aside(aside, links, language),
            Block::Embed(embed) => self.embed(embed, links),
        }
    }

    /// The article's notes that go at the top (`first`) or at the end, in their order, each
    /// under a heading of its kind and date.
    fn notes(&mut self, article: &Article, first: bool) {
        for note in article
            .notes
            .iter()
            .filter(|n| n.kind.goes_first() == first)
        {
            self.gap();
            self.note(note, &article.language);
        }
    }

    fn note(&mut self, note: &EditorialNote, language: &Language) {
        let label = term(language, Term::from(note.kind));
        let heading = match &note.date {
            Some(date) => join_present([label, format_date(date, language).as_str()]),
            None => label.to_owned(),
        };
        self.underlined(&heading, '-');
        self.paragraph(&note.text, "", "");
    }

    /// A table: its caption, the rows in aligned columns (or one record per row when the
    /// columns cannot fit), its credit.
    fn table(&mut self, table: &Table, links: &mut LinkTable, language: &Language) {
        if !table.caption.is_empty() {
            self.paragraph(&labelled(language, Term::Table, &table.caption), "", "");
        }
        // Every cell's text once, in reading order, so links are numbered as they are read.
        let mut cells = |rows: &[TableRow]| -> Vec<Vec<GridCell>> {
            rows.iter()
                .map(|row| {
                    let mut column = 0;
                    row.cells
                        .iter()
                        .map(|cell| {
                            let grid = GridCell {
                                text: inline(&cell.spans, links),
                                column,
                                span: cell.col_span.max(1),
                            };
                            column += grid.span;
                            grid
                        })
                        .collect()
                })
                .collect()
        };
        let header = cells(&table.header_rows);
        let body = cells(&table.rows);
        match column_widths(&header, &body, table.columns, self.width) {
            Some(widths) => self.grid(&header, &body, &widths, &table.alignments),
            None => self.records(&header, &body, language),
        }
        if !table.credit.is_empty() {
            self.paragraph(&table.credit, "", "");
        }
    }

    /// The rows of a table in columns of `widths`, the header rows underlined.
    fn grid(
        &mut self,
        header: &[Vec<GridCell>],
        body: &[Vec<GridCell>],
        widths: &[usize],
        alignments: &[Alignment],
    ) {
        let wrap = self.width.is_some();
        for (i, row) in header.iter().enumerate() {
            self.lines(&set_row(row, widths, alignments, wrap));
            // A cell spanning columns above the last header row heads a group of them:
            // it is ruled across the group, as a printed table does.
            if i + 1 < header.len() {
                let rule: Vec<String> = row
                    .iter()
                    .map(|cell| {
                        let width = spanned_width(widths, cell.column, cell.span);
                        let mark = if cell.span > 1 && !cell.text.is_empty() {
                            "─"
                        } else {
                            " "
                        };
                        mark.repeat(width)
                    })
                    .collect();
                if row
                    .iter()
                    .any(|cell| cell.span > 1 && !cell.text.is_empty())
                {
                    self.lines(&[rule.join(COLUMN_GAP)]);
                }
            }
        }
        if !header.is_empty() {
            let rule: Vec<String> = widths.iter().map(|&w| "─".repeat(w)).collect();
            self.lines(&[rule.join(COLUMN_GAP)]);
        }
        let body: Vec<Vec<String>> = body
            .iter()
            .map(|row| set_row(row, widths, alignments, wrap))
            .collect();
        // Rows that wrap are told apart by a blank line between every row.
        let spaced = body.iter().any(|lines| lines.len() > 1);
        for (i, lines) in body.iter().enumerate() {
            if spaced && i > 0 {
                self.out.push('\n');
            }
            self.lines(lines);
        }
        // The end of the table, above its credit and the text that follows.
        let total = spanned_width(widths, 0, widths.len());
        self.lines(&["─".repeat(total)]);
    }

    /// The rows of a table too wide for the line: one record per row, a "header: value"
    /// line per non-empty cell, keyed by the last header row, records a blank line apart.
    /// A table with no body rows has its header rows as the records, with no keys.
    fn records(&mut self, header: &[Vec<GridCell>], body: &[Vec<GridCell>], language: &Language) {
        let (keys, rows) = match (header.last(), body.is_empty()) {
            (Some(keys), false) => (keys.as_slice(), body),
            _ => (&[][..], if body.is_empty() { header } else { body }),
        };
        let key = |column: usize| -> &str {
            keys.iter()
                .find(|k| (k.column..k.column + k.span).contains(&column))
                .map_or("", |k| k.text.as_str())
        };
        let colon = colon(language);
        for (i, row) in rows.iter().enumerate() {
            if i > 0 {
                self.out.push('\n');
            }
            for cell in row.iter().filter(|c| !c.text.is_empty()) {
                let key = key(cell.column);
                let line = if key.is_empty() {
                    cell.text.clone()
                } else {
                    // The key on one line: a header cell's own line breaks become spaces.
                    format!("{}{colon}{}", key.replace('\n', " "), cell.text)
                };
                self.paragraph(&line, "", "  ");
            }
        }
        self.full_rule('─');
    }

    /// Appends finished lines, trailing spaces removed.
    fn lines(&mut self, lines: &[String]) {
        for line in lines {
            self.out.push_str(line.trim_end_matches(' '));
            self.out.push('\n');
        }
    }

    /// A fact box: its title in the top rule, its blocks inside a bar, a closing rule.
    fn aside(&mut self, aside: &Aside, links: &mut LinkTable, language: &Language) {
        let mut inner = Writer {
            out: String::new(),
            width: self.width.map(|w| w.saturating_sub(FRAME_BAR_WIDTH)),
        };
        for block in &aside.blocks {
            inner.gap();
            inner.block(block, links, language);
        }

        let width = self.rule_width();
        let top = if aside.title.is_empty() {
            "┌".to_owned()
        } else {
            format!("┌─ {} ", aside.title)
        };
        let title_fits =
            !aside.title.contains('\n') && (self.width.is_none() || display_width(&top) < width);
        if title_fits {
            let rest = width.saturating_sub(display_width(&top)).max(1);
            self.out.push_str(&top);
            self.out.extend(std::iter::repeat_n('─', rest));
            self.out.push('\n');
        } else {
            // A title too long for the rule goes inside the frame, above the blocks.
            self.out.push('┌');
            self.out
                .extend(std::iter::repeat_n('─', width.saturating_sub(1)));
            self.out.push('\n');
            self.paragraph(&aside.title, FRAME_BAR, FRAME_BAR);
            self.out.push_str(FRAME_BAR.trim_end());
            self.out.push('\n');
        }
        for line in inner.out.lines() {
            if line.is_empty() {
                self.out.push_str(FRAME_BAR.trim_end());
            } else {
                self.out.push_str(FRAME_BAR);
                self.out.push_str(line);
            }
            self.out.push('\n');
        }
        self.out.push('└');
        self.out
            .extend(std::iter::repeat_n('─', width.saturating_sub(1)));
        self.out.push('\n');
    }

    /// An embed as a card: `[Provider] Title [n]`, the description hanging under the title.
    fn embed(&mut self, embed: &Embed, links: &mut LinkTable) {
        let provider = if embed.provider.is_empty() {
            host(&embed.url)
        } else {
            embed.provider.as_str()
        };
        let label = format!("[{provider}] ");
        let title = Span {
            text: embed.title.clone(),
            link: Some(embed.url.clone()),
            ..Span::default()
        };
        // With no title, the reference number follows the label.
        let title = inline(std::slice::from_ref(&title), links);
        let (label, title) = match title.strip_prefix('\u{a0}') {
            Some(reference) => (format!("[{provider}]\u{a0}"), reference.to_owned()),
            None => (label, title),
        };
        let label_width = display_width(&label);
        let hanging = if label_width <= EMBED_LABEL_HANG {
            " ".repeat(label_width)
        } else {
            EMBED_INDENT.to_owned()
        };
        self.paragraph(&title, &label, &hanging);
        if !embed.description.is_empty() {
            self.paragraph(&embed.description, &hanging, &hanging);
        }
    }

    /// `[Figure: alt — caption (credit)]`, leaving out the parts that are empty; the label
    /// and colon are the language's.
    fn figure(&mut self, figure: &Figure, language: &Language) {
        let colon = colon(language);
        let mut text = format!("[{}", term(language, Term::Figure));
        let described = join_with(
            " — ",
            [figure.image.alt_text.as_str(), figure.caption.as_str()],
        );
        if !described.is_empty() {
            text.push_str(colon);
            text.push_str(&described);
        }
        if !figure.credit.is_empty() {
            if described.is_empty() {
                text.push_str(colon);
                text.push('(');
            } else {
                text.push_str(" (");
            }
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

/// A cell of a table as text, with the first column it takes and how many.
struct GridCell {
    text: String,
    column: usize,
    span: usize,
}

/// The narrowest a cell can be (its widest unbreakable piece, by UAX #14) and its width
/// on one line, in columns.
fn cell_extent(text: &str) -> (usize, usize) {
    const FORCED: [char; 6] = ['\n', '\r', '\u{2028}', '\u{2029}', '\u{85}', ' '];
    let mut min = 0;
    let mut start = 0;
    for end in break_opportunities(text) {
        let piece = text.get(start..end).unwrap_or_default();
        start = end;
        min = min.max(display_width(piece.trim_end_matches(FORCED)));
    }
    let max = text
        .lines()
        .map(|line| display_width(line.trim_end_matches(' ')))
        .max()
        .unwrap_or(0);
    (min.min(max), max)
}

/// The width in columns of a cell from `column` across `span` columns of `widths`, with
/// the gaps between them.
fn spanned_width(widths: &[usize], column: usize, span: usize) -> usize {
    let end = (column + span).min(widths.len());
    let columns = widths.get(column..end).unwrap_or_default();
    columns.iter().sum::<usize>() + COLUMN_GAP.len() * columns.len().saturating_sub(1)
}

/// Column widths for a table in the way of CSS automatic table layout: each column between
/// its minimum (its widest word) and its maximum (its cells on one line), the room between
/// shared in proportion to what each would like. `None` when even the minimums do not fit
/// `width`; with no width every column is at its maximum.
fn column_widths(
    header: &[Vec<GridCell>],
    body: &[Vec<GridCell>],
    columns: usize,
    width: Option<usize>,
) -> Option<Vec<usize>> {
    let mut min = vec![0; columns];
    let mut max = vec![0; columns];
    let mut spanning = Vec::new();
    for cell in header.iter().chain(body).flatten() {
        let (lo, hi) = cell_extent(&cell.text);
        if cell.span == 1 {
            if let (Some(m), Some(x)) = (min.get_mut(cell.column), max.get_mut(cell.column)) {
                *m = (*m).max(lo);
                *x = (*x).max(hi);
            }
        } else {
            spanning.push((cell.column, cell.span, lo, hi));
        }
    }
    // A spanning cell wider than its columns widens them evenly, the first ones by the
    // remainder.
    for (column, span, lo, hi) in spanning {
        for (values, need) in [(&mut min, lo), (&mut max, hi)] {
            let have = spanned_width(values, column, span);
            let end = (column + span).min(columns);
            let Some(spanned) = values.get_mut(column..end) else {
                continue;
            };
            if need > have && !spanned.is_empty() {
                let extra = need - have;
                let (each, rest) = (extra / spanned.len(), extra % spanned.len());
                for (i, v) in spanned.iter_mut().enumerate() {
                    *v += each + usize::from(i < rest);
                }
            }
        }
    }
    for (x, m) in max.iter_mut().zip(&min) {
        *x = (*x).max(*m);
    }

    let Some(width) = width else {
        return Some(max);
    };
    let room = width.checked_sub(COLUMN_GAP.len() * columns.saturating_sub(1))?;
    let min_total: usize = min.iter().sum();
    let max_total: usize = max.iter().sum();
    if min_total > room {
        return None;
    }
    if max_total <= room {
        // Plain text has no measure to fill: a table is as wide as its content.
        return Some(max);
    }
    // Each column gets its minimum and a share of the spare room in proportion to how much
    // more it would like; the columns cut shortest by rounding down get the columns left.
    let spare = room - min_total;
    let wants = max_total - min_total;
    let mut widths = min.clone();
    let mut remainders = Vec::with_capacity(columns);
    let mut given = 0;
    for (i, (lo, hi)) in min.iter().zip(&max).enumerate() {
        let share = spare * (hi - lo);
        if let Some(w) = widths.get_mut(i) {
            *w += share / wants;
        }
        given += share / wants;
        remainders.push((std::cmp::Reverse(share % wants), i));
    }
    remainders.sort_unstable();
    for &(_, i) in remainders.iter().take(spare - given) {
        if let Some(w) = widths.get_mut(i) {
            *w += 1;
        }
    }
    Some(widths)
}

/// A row of a table set in `widths`: each cell wrapped (when `wrap`) and aligned inside
/// its columns, the lines of the row padded to the full width (trailing spaces are
/// trimmed when they are written).
fn set_row(
    row: &[GridCell],
    widths: &[usize],
    alignments: &[Alignment],
    wrap: bool,
) -> Vec<String> {
    let cells: Vec<(Vec<String>, usize, Alignment)> = row
        .iter()
        .map(|cell| {
            let width = spanned_width(widths, cell.column, cell.span);
            let mut text = String::new();
            if !cell.text.is_empty() {
                fill(&cell.text, wrap.then_some(width), "", "", &mut text);
            }
            let lines = text.lines().map(str::to_owned).collect();
            let alignment = alignments.get(cell.column).copied().unwrap_or_default();
            (lines, width, alignment)
        })
        .collect();
    let height = cells
        .iter()
        .map(|(lines, ..)| lines.len())
        .max()
        .unwrap_or(0)
        .max(1);
    (0..height)
        .map(|i| {
            let mut line = String::new();
            for (j, (lines, width, alignment)) in cells.iter().enumerate() {
                if j > 0 {
                    line.push_str(COLUMN_GAP);
                }
                let text = lines.get(i).map_or("", String::as_str);
                let pad = width.saturating_sub(display_width(text));
                let before = match alignment {
                    Alignment::End => pad,
                    Alignment::Center => pad / 2,
                    _ => 0,
                };
                line.extend(std::iter::repeat_n(' ', before));
                line.push_str(text);
                line.extend(std::iter::repeat_n(' ', pad - before));
            }
            line
        })
        .collect()
}

/// The host of an http or https URL, "www.youtube.com".
fn host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    // Leave out any user information and port.
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    host.split_once(':').map_or(host, |(host, _)| host)
}

/// The non-empty parts, joined with " · ".
fn join_present<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    join_with(" · ", parts)
}

fn join_with<'a>(separator: &str, parts: impl IntoIterator<Item = &'a str>) -> String {
    let parts: Vec<&str> = parts.into_iter().filter(|p| !p.is_empty()).collect();
    parts.join(separator)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Contributor, NoteKind, Role, TableCell};
    use chrono::DateTime;

    fn article(body: Vec<Block>) -> Article {
        Article {
            headline: "Headline".to_owned(),
            language: Language::default(),
            body,
            ..Default::default()
        }
    }

    fn render(article: &Article, width: Option<usize>) -> String {
        let mut writer = Writer {
            out: String::new(),
            width,
        };
        writer.article(article);
        writer.out
    }

    fn cell(text: &str) -> TableCell {
        TableCell {
            spans: if text.is_empty() {
                Vec::new()
            } else {
                vec![Span::plain(text)]
            },
            col_span: 1,
        }
    }

    fn row(cells: &[&str]) -> TableRow {
        TableRow {
            cells: cells.iter().map(|t| cell(t)).collect(),
        }
    }

    fn table(header: &[&[&str]], rows: &[&[&str]], alignments: &[Alignment]) -> Table {
        Table {
            caption: String::new(),
            credit: String::new(),
            header_rows: header.iter().map(|r| row(r)).collect(),
            rows: rows.iter().map(|r| row(r)).collect(),
            alignments: alignments.to_vec(),
            columns: alignments.len(),
        }
    }

    /// The lines of the article's body after the headline.
    fn body_lines(text: &str) -> Vec<&str> {
        text.lines().skip(3).collect()
    }

    #[test]
    fn a_table_that_fits_aligns_its_columns_by_display_width() {
        let t = table(
            &[&["City", "Population"]],
            &[
                &["東京", "37,400,068"],
                &["Paris", "11,208,440"],
                &["Reykjavík", "139,875"],
            ],
            &[Alignment::Start, Alignment::End],
        );
        let text = render(&article(vec![Block::Table(t)]), Some(40));
        assert_eq!(
            body_lines(&text),
            [
                "City       Population",
                "─────────  ──────────",
                "東京       37,400,068",
                "Paris      11,208,440",
                "Reykjavík     139,875",
                "─────────────────────",
            ]
        );
        // End-aligned, every line ends in the same terminal column, the CJK one too.
        assert!(body_lines(&text).iter().all(|l| display_width(l) == 21));
    }

    #[test]
    fn table_cells_wrap_inside_their_columns_and_rows_are_set_apart() {
        let t = table(
            &[&["Region", "Note"]],
            &[
                &["Donetsk", "Most of the region is held by Russian forces"],
                &["Kherson", "The left bank"],
            ],
            &[Alignment::Start, Alignment::Start],
        );
        let text = render(&article(vec![Block::Table(t)]), Some(30));
        assert_eq!(
            body_lines(&text),
            [
                "Region   Note",
                "───────  ─────────────────────",
                "Donetsk  Most of the region is",
                "         held by Russian",
                "         forces",
                "",
                "Kherson  The left bank",
                "──────────────────────────────",
            ]
        );
        assert!(text.lines().all(|l| display_width(l) <= 30));
    }

    #[test]
    fn a_table_too_wide_for_the_line_becomes_one_record_per_row() {
        let t = table(
            &[&["Constituency", "Candidate", "Votes"]],
            &[
                &["Sutton Coldfield", "Mitchell", "20,413"],
                &["Birmingham Ladywood", "Mahmood", "15,558"],
            ],
            &[Alignment::Start, Alignment::Start, Alignment::End],
        );
        let text = render(&article(vec![Block::Table(t)]), Some(20));
        assert_eq!(
            body_lines(&text),
            [
                "Constituency: Sutton",
                "  Coldfield",
                "Candidate: Mitchell",
                "Votes: 20,413",
                "",
                "Constituency:",
                "  Birmingham",
                "  Ladywood",
                "Candidate: Mahmood",
                "Votes: 15,558",
                "────────────────────",
            ]
        );
    }

    #[test]
    fn without_a_width_columns_are_as_wide_as_their_content() {
        let long = "a cell far longer than any line would be if the text were wrapped at all";
        let t = table(
            &[],
            &[&["x", long], &["yy", "z"]],
            &[Alignment::End, Alignment::Start],
        );
        let text = render(&article(vec![Block::Table(t)]), None);
        let rule = "─".repeat(4 + long.len());
        assert_eq!(
            body_lines(&text),
            [format!(" x  {long}").as_str(), "yy  z", rule.as_str()]
        );
    }

    #[test]
    fn a_spanning_cell_takes_its_columns_and_the_gap_between() {
        let mut t = table(
            &[&["Party", "Seats", "Change"]],
            &[&["Labour", "412", "+211"]],
            &[Alignment::Start, Alignment::End, Alignment::End],
        );
        t.header_rows.insert(
            0,
            TableRow {
                cells: vec![
                    cell(""),
                    TableCell {
                        spans: vec![Span::plain("2024 general election")],
                        col_span: 2,
                    },
                ],
            },
        );
        t.rows.push(TableRow {
            cells: vec![TableCell {
                spans: vec![Span::plain("Results declared at 06:00")],
                col_span: 3,
            }],
        });
        let text = render(&article(vec![Block::Table(t)]), Some(72));
        // "2024 general election" (21 columns) is wider than Seats and Change with their gap
        // (5 + 2 + 6), so it widens them evenly; it is end-aligned like its first column,
        // and ruled across the group it heads.
        assert_eq!(
            body_lines(&text),
            [
                "        2024 general election",
                "        ─────────────────────",
                "Party       Seats      Change",
                "──────  ─────────  ──────────",
                "Labour        412        +211",
                "Results declared at 06:00",
                "─────────────────────────────",
            ]
        );
    }

    #[test]
    fn a_fact_box_is_framed_and_its_blocks_wrapped_inside_the_frame() {
        let aside = Aside {
            title: "What we know".to_owned(),
            blocks: vec![
                Block::List {
                    ordered: false,
                    items: vec![vec![Span::plain("The talks lasted more than four hours.")]],
                },
                Block::Paragraph(vec![Span::plain("No agreement was announced.")]),
            ],
        };
        let text = render(&article(vec![Block::Aside(aside)]), Some(30));
        assert_eq!(
            body_lines(&text),
            [
                "┌─ What we know ──────────────",
                "│   • The talks lasted more",
                "│     than four hours.",
                "│",
                "│ No agreement was announced.",
                "└─────────────────────────────",
            ]
        );
        assert!(text.lines().all(|l| display_width(l) <= 30));
    }

    #[test]
    fn a_fact_box_title_too_long_for_the_rule_goes_inside() {
        let aside = Aside {
            title: "Everything we know so far about the talks".to_owned(),
            blocks: vec![Block::Paragraph(vec![Span::plain("Little.")])],
        };
        let text = render(&article(vec![Block::Aside(aside)]), Some(24));
        assert_eq!(
            body_lines(&text),
            [
                "┌───────────────────────",
                "│ Everything we know so",
                "│ far about the talks",
                "│",
                "│ Little.",
                "└───────────────────────",
            ]
        );
    }

    #[test]
    fn an_embed_is_a_card_whose_link_is_a_numbered_reference() {
        let link = Span {
            link: Some("https://example.com/a".to_owned()),
            ..Span::plain("Earlier")
        };
        let embed = |provider: &str| Embed {
            url: "https://www.youtube.com/watch?v=dQw4w9WgXcQ".to_owned(),
            title: "Putin meets Kushner".to_owned(),
            provider: provider.to_owned(),
            description: "Kremlin footage of the talks.".to_owned(),
        };
        let a = article(vec![
            Block::Paragraph(vec![link]),
            Block::Embed(embed("YouTube")),
            Block::Embed(embed("")),
        ]);
        let text = render(&a, Some(72));
        assert!(
            text.contains(
                "[YouTube] Putin meets Kushner\u{a0}[2]\n          Kremlin footage of the talks.\n"
            ),
            "{text}"
        );
        // Without a provider, the card names the host; the same address keeps its number.
        assert!(
            text.contains("[www.youtube.com] Putin meets Kushner\u{a0}[2]\n"),
            "{text}"
        );
        assert!(text.ends_with(
            "References\n----------\n[1] https://example.com/a\n\
             [2] https://www.youtube.com/watch?v=dQw4w9WgXcQ\n"
        ));
    }

    #[test]
    fn notes_go_to_the_top_or_the_end_by_kind() {
        let date = DateTime::from_timestamp(1_764_838_800, 0); // 2025-12-04 09:00 UTC
        let note = |kind, text: &str| EditorialNote {
            kind,
            text: text.to_owned(),
            date,
        };
        let mut a = article(vec![Block::Paragraph(vec![Span::plain("Body text.")])]);
        a.contributors.push(Contributor {
            name: "Guy Faulconbridge".to_owned(),
            role: Role::Reporting,
            title: "Moscow bureau chief".to_owned(),
        });
        a.contributors.push(Contributor {
            name: "Rod Nickel".to_owned(),
            role: Role::Editing,
            title: String::new(),
        });
        a.notes = vec![
            note(
                NoteKind::Correction,
                "An earlier version misstated the length.",
            ),
            note(NoteKind::Update, "Adds comments from Yuri Ushakov."),
            EditorialNote {
                date: None,
                ..note(NoteKind::EditorsNote, "Reporting in Russia is restricted.")
            },
        ];
        let text = render(&a, Some(72));
        assert_eq!(
            text,
            "Headline\n========\n\n\
             By Guy Faulconbridge, Moscow bureau chief\n\n\
             Update · December 4, 2025\n-------------------------\n\
             Adds comments from Yuri Ushakov.\n\n\
             Editor’s Note\n-------------\nReporting in Russia is restricted.\n\n\
             Body text.\n\n\
             Correction · December 4, 2025\n-----------------------------\n\
             An earlier version misstated the length.\n\n\
             Reporting: Guy Faulconbridge. Editing: Rod Nickel.\n"
        );
    }

    #[test]
    fn column_widths_share_the_spare_room_and_fill_it_exactly() {
        let grid = |texts: &[&str]| -> Vec<Vec<GridCell>> {
            vec![
                texts
                    .iter()
                    .enumerate()
                    .map(|(i, t)| GridCell {
                        text: (*t).to_owned(),
                        column: i,
                        span: 1,
                    })
                    .collect(),
            ]
        };
        let body = grid(&["aaaa bbbb cccc dddd", "ee ff gg hh ii jj kk"]);
        let widths = column_widths(&[], &body, 2, Some(25)).unwrap();
        assert_eq!(widths.iter().sum::<usize>() + COLUMN_GAP.len(), 25);
        assert!(widths[0] >= 4 && widths[1] >= 2, "{widths:?}");
        assert_eq!(column_widths(&[], &body, 2, Some(5)), None);
        assert_eq!(column_widths(&[], &body, 2, None), Some(vec![19, 20]));
    }

    #[test]
    fn hosts_come_without_user_or_port() {
        assert_eq!(host("https://www.youtube.com/watch?v=1"), "www.youtube.com");
        assert_eq!(host("https://user@example.com:8443"), "example.com");
        assert_eq!(host("http://example.com?x#y"), "example.com");
    }
}
