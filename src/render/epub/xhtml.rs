//! XHTML content documents: semantic markup for articles (tables, fact boxes, embed cards
//! and editorial notes included), the title and contents pages of a collection, and the
//! cover page.
//!
//! The headline is the only `h1`; every other heading takes the level that keeps the outline
//! free of skipped levels (Ace's heading-order): body headings from `h2` ([`heading_levels`]),
//! a fact box's title one below the heading before it, notes `h2`.
//!
//! Every piece of article text goes through [`escape`]; nothing from a request ever becomes
//! markup. Only links the model kept (http, https, mailto) become `<a href>`.

use std::borrow::Cow;
use std::fmt::Write as _;

use chrono::{DateTime, SecondsFormat, Utc};

use crate::model::{
    Alignment, Article, Aside, Block, Collection, Embed, Figure, Language, Span, Table, TableRow,
    plain_text,
};
use crate::typography::direction::is_rtl_text;
use crate::typography::{
    SectionGroup, Term, article_count, byline, credits_line, format_date, illustration_for,
    labelled, published_text, term, updated_pattern, updated_text,
};

/// Escapes text for XML character data and attribute values.
pub(super) fn escape(text: &str, out: &mut String) {
    let mut last = 0;
    for (i, byte) in text.bytes().enumerate() {
        let entity = match byte {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.push_str(&text[last..i]);
        out.push_str(entity);
        last = i + 1;
    }
    out.push_str(&text[last..]);
}

/// `escape` into a new string.
pub(super) fn escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape(text, &mut out);
    out
}

/// The `lang`, `xml:lang` and `dir` attributes for a language.
fn lang_attributes(language: &Language) -> String {
    lang_dir_attributes(language, language.is_rtl())
}

/// The `lang` and `xml:lang` attributes for a language, and `dir` for a direction.
fn lang_dir_attributes(language: &Language, rtl: bool) -> String {
    let dir = if rtl { "rtl" } else { "ltr" };
    format!(
        r#"lang="{tag}" xml:lang="{tag}" dir="{dir}""#,
        tag = escaped(language.tag())
    )
}

/// The direction all of a block's parts share, or `default` when they differ.
fn uniform_direction(directions: &[bool], default: bool) -> bool {
    match directions.split_first() {
        Some((first, rest)) if rest.iter().all(|d| d == first) => *first,
        _ => default,
    }
}

/// A ` dir` attribute for a block whose own direction (`own_rtl`) is not the one it inherits
/// (`inherited_rtl`); nothing when they agree.
pub(super) fn dir_change(own_rtl: bool, inherited_rtl: bool) -> &'static str {
    match (own_rtl, inherited_rtl) {
        (true, false) => " dir=\"rtl\"",
        (false, true) => " dir=\"ltr\"",
        _ => "",
    }
}

/// A ` dir` attribute for a block of `text` inside something running right to left
/// (`inherited_rtl`) or not: set only when the text's own base direction, decided as the PDF
/// decides it ([`is_rtl_text`]), is the other one. Without it, an Arabic paragraph in an
/// English article would run left to right.
fn dir_attribute(text: &str, inherited_rtl: bool) -> &'static str {
    dir_change(is_rtl_text(text, inherited_rtl), inherited_rtl)
}

/// Writes `<tag class="…">text</tag>` on a line of its own, with a `dir` if the text runs
/// the other way from `inherited_rtl`. An empty `class` writes none.
fn text_element(out: &mut String, tag: &str, class: &str, text: &str, inherited_rtl: bool) {
    let _ = write!(out, "<{tag}");
    if !class.is_empty() {
        let _ = write!(out, " class=\"{class}\"");
    }
    out.push_str(dir_attribute(text, inherited_rtl));
    out.push('>');
    escape(text, out);
    let _ = writeln!(out, "</{tag}>");
}

/// Opens an XHTML content document up to and including `<body>`.
pub(super) fn open_document(out: &mut String, title: &str, language: &Language, body_class: &str) {
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE html>\n");
    let _ = write!(
        out,
        "<html xmlns=\"http://www.w3.org/1999/xhtml\" xmlns:epub=\"http://www.idpf.org/2007/ops\" {}>\n<head>\n<meta charset=\"UTF-8\"/>\n<title>",
        lang_attributes(language)
    );
    escape(title, out);
    let _ = write!(
        out,
        "</title>\n<link rel=\"stylesheet\" type=\"text/css\" href=\"style.css\"/>\n</head>\n<body class=\"{body_class}\">\n"
    );
}

/// Closes what [`open_document`] opened.
pub(super) fn close_document(out: &mut String) {
    out.push_str("</body>\n</html>\n");
}

/// The machine-readable form of a timestamp for `<time datetime>` and the OPF.
pub(super) fn iso(time: &DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Where an article's images went in the book, in the order the article uses them.
pub(super) struct ImageRefs<'a> {
    /// The href of the lead figure's image, if the article has one.
    pub(super) lead: Option<&'a str>,
    /// The hrefs of the body's figures, in body order with those in fact boxes where the box
    /// is; `None` for an image left out.
    pub(super) body: &'a [Option<String>],
}

/// The id of a body heading, for links from the navigation.
pub(super) fn heading_id(block_index: usize) -> String {
    format!("h-{block_index}")
}

/// The HTML level of each heading among `blocks`, in order, for blocks that sit under a
/// heading of level `parent` (the headline's `h1` for the body). The model levels the blocks
/// use become consecutive levels from `parent + 1`, by rank (levels {2, 4} give `h2` and
/// `h3` in the body), and no heading is more than one level below the heading before it, so
/// that the outline never skips a level. Never deeper than `h6`.
fn heading_levels(blocks: &[Block], parent: u8) -> Vec<u8> {
    let levels = || {
        blocks.iter().filter_map(|block| match block {
            Block::Heading { level, .. } => Some(*level),
            _ => None,
        })
    };
    let mut used: Vec<u8> = levels().collect();
    used.sort_unstable();
    used.dedup();
    let mut previous = parent;
    levels()
        .map(|level| {
            let rank = used.partition_point(|used| *used < level);
            let html = u8::try_from(rank)
                .unwrap_or(u8::MAX)
                .saturating_add(parent)
                .saturating_add(1)
                .min(previous.saturating_add(1))
                .min(6);
            previous = html;
            html
        })
        .collect()
}

/// Writes one article as an `<article>` element: the header, the notes that go first
/// (updates, editor's notes), the lead figure, the body, the notes that go last
/// (corrections, clarifications), then the footer.
///
/// Every block whose text runs the other way from the article's language gets its own `dir`.
pub(super) fn write_article(out: &mut String, article: &Article, images: &ImageRefs<'_>) {
    let rtl = article.language.is_rtl();
    let _ = writeln!(out, "<article {}>", lang_attributes(&article.language));
    out.push_str("<header>\n");
    let kicker: Vec<&str> = [article.publication.as_str(), article.section.as_str()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect();
    if !kicker.is_empty() {
        text_element(out, "p", "kicker", &kicker.join(" · "), rtl);
    }
    text_element(out, "h1", "", &article.headline, rtl);
    if !article.summary.is_empty() {
        text_element(out, "p", "standfirst", &article.summary, rtl);
    }
    if let Some(byline) = byline(article) {
        text_element(out, "p", "byline", &byline, rtl);
    }
    write_dateline(out, article, rtl);
    out.push_str("</header>\n");

    write_notes(out, article, true, rtl);

    if let (Some(figure), Some(href)) = (&article.lead_figure, images.lead) {
        write_figure(out, figure, href, "lead", article, rtl);
    }

    let mut body = BodyWriter {
        article,
        rtl,
        figures: images.body.iter(),
        landmark_names: Vec::new(),
    };
    body.blocks(out, &article.body, &Scope::Body);

    write_notes(out, article, false, rtl);

    let credits = credits_line(article);
    let has_footer =
        credits.is_some() || !article.related.is_empty() || !article.copyright.is_empty();
    if has_footer {
        out.push_str("<footer>\n");
        if let Some(credits) = credits {
            text_element(out, "p", "credits", &credits, rtl);
        }
        if !article.related.is_empty() {
            out.push_str("<section class=\"related\">\n");
            text_element(
                out,
                "h2",
                "",
                term(&article.language, Term::SimilarArticles),
                rtl,
            );
            out.push_str("<ul>\n");
            for related in &article.related {
                let text = if related.summary.is_empty() {
                    Cow::Borrowed(related.title.as_str())
                } else {
                    Cow::Owned(format!("{} {}", related.title, related.summary))
                };
                let _ = write!(out, "<li{}>", dir_attribute(&text, rtl));
                match &related.url {
                    Some(url) => {
                        out.push_str("<a href=\"");
                        escape(url, out);
                        out.push_str("\">");
                        escape(&related.title, out);
                        out.push_str("</a>");
                    }
                    None => escape(&related.title, out),
                }
                if !related.summary.is_empty() {
                    out.push_str("<br/><span class=\"related-summary\">");
                    escape(&related.summary, out);
                    out.push_str("</span>");
                }
                out.push_str("</li>\n");
            }
            out.push_str("</ul>\n</section>\n");
        }
        if !article.copyright.is_empty() {
            text_element(out, "p", "copyright", &article.copyright, rtl);
        }
        out.push_str("</footer>\n");
    }
    out.push_str("</article>\n");
}

/// Where a run of blocks sits: the body of the article, or a fact box in it.
enum Scope {
    /// The article's body, under its `h1`.
    Body,
    /// The fact box at `index` in the body, whose blocks sit under a heading of `level`:
    /// its title's, or the heading before the box when it has no title.
    Aside {
        /// The fact box's index in the body.
        index: usize,
        /// The heading level its blocks sit under.
        level: u8,
    },
}

impl Scope {
    /// The heading level the blocks sit under.
    fn level(&self) -> u8 {
        match self {
            Scope::Body => 1,
            Scope::Aside { level, .. } => *level,
        }
    }

    /// A path for the block at `index`, unique in the article, for element ids: "3" in the
    /// body, "5-3" for the fourth block of the fact box at 5.
    fn path(&self, index: usize) -> String {
        match self {
            Scope::Body => index.to_string(),
            Scope::Aside { index: aside, .. } => format!("{aside}-{index}"),
        }
    }
}

/// Writes the blocks of an article's body, fact boxes included, in order.
struct BodyWriter<'a, 'i> {
    article: &'a Article,
    /// The article's direction, which every block inherits.
    rtl: bool,
    /// The hrefs of the body's figures, in the order they come, fact boxes included.
    figures: std::slice::Iter<'i, Option<String>>,
    /// The titles already naming a fact box: a named `<aside>` is a complementary landmark,
    /// and two landmarks of one role may not share a name (axe's landmark-unique).
    landmark_names: Vec<&'a str>,
}

impl<'a> BodyWriter<'a, '_> {
    fn blocks(&mut self, out: &mut String, blocks: &'a [Block], scope: &Scope) {
        let rtl = self.rtl;
        let mut levels = heading_levels(blocks, scope.level()).into_iter();
        // The level of the heading the next block sits under.
        let mut current = scope.level();
        for (index, block) in blocks.iter().enumerate() {
            match block {
                Block::Paragraph(spans) => {
                    let _ = write!(out, "<p{}>", dir_attribute(&plain_text(spans), rtl));
                    write_spans(out, spans);
                    out.push_str("</p>\n");
                }
                Block::Heading { spans, .. } => {
                    current = levels.next().unwrap_or(current);
                    let tag = format!("h{current}");
                    let _ = write!(out, "<{tag}");
                    // Body headings are in the navigation; headings in a fact box are not.
                    if let Scope::Body = scope {
                        let _ = write!(out, " id=\"{}\"", heading_id(index));
                    }
                    let _ = write!(out, "{}>", dir_attribute(&plain_text(spans), rtl));
                    write_spans(out, spans);
                    let _ = writeln!(out, "</{tag}>");
                }
                Block::Quote {
                    paragraphs,
                    attribution,
                } => write_quote(out, paragraphs, attribution, rtl),
                Block::List { ordered, items } => write_list(out, *ordered, items, rtl),
                Block::Figure(figure) => {
                    if let Some(Some(href)) = self.figures.next() {
                        write_figure(out, figure, href, "figure", self.article, rtl);
                    }
                }
                Block::Preformatted(text) => {
                    let _ = write!(out, "<pre{}>", dir_attribute(text, rtl));
                    escape(text, out);
                    out.push_str("</pre>\n");
                }
                Block::Rule => out.push_str("<hr/>\n"),
                Block::Table(table) => write_table(out, table, &scope.path(index), rtl),
                Block::Aside(aside) => self.aside(out, aside, index, current),
                Block::Embed(embed) => write_embed(out, embed, rtl),
            }
        }
    }

    /// A fact box: an `<aside>` whose title is a heading one level below the heading it
    /// follows (`h2` before the body's first heading), so that the outline never skips a
    /// level, and which names the box, a complementary landmark, through
    /// `aria-labelledby`. The headings inside sit below the title. Fact boxes only come in
    /// the body: the model does not nest them.
    fn aside(&mut self, out: &mut String, aside: &'a Aside, index: usize, current: u8) {
        let rtl = self.rtl;
        let title = aside.title.as_str();
        let level = if title.is_empty() {
            current
        } else {
            current.saturating_add(1).min(6)
        };
        let id = format!("aside-{index}");
        // A box whose title already names another stays unnamed: inside an article, an
        // `<aside>` without a name is no landmark at all.
        let named = !title.is_empty() && !self.landmark_names.contains(&title);
        if named {
            self.landmark_names.push(title);
            let _ = writeln!(out, "<aside class=\"factbox\" aria-labelledby=\"{id}\">");
        } else {
            out.push_str("<aside class=\"factbox\">\n");
        }
        if !title.is_empty() {
            let _ = write!(out, "<h{level} class=\"factbox-title\"");
            if named {
                let _ = write!(out, " id=\"{id}\"");
            }
            let _ = write!(out, "{}>", dir_attribute(title, rtl));
            escape(title, out);
            let _ = writeln!(out, "</h{level}>");
        }
        self.blocks(out, &aside.blocks, &Scope::Aside { index, level });
        out.push_str("</aside>\n");
    }
}

fn write_quote(out: &mut String, paragraphs: &[Vec<Span>], attribution: &str, rtl: bool) {
    let directions: Vec<bool> = paragraphs
        .iter()
        .map(|p| is_rtl_text(&plain_text(p), rtl))
        .collect();
    // A quote all in the other direction is set that way as a whole, so its rule and indent
    // sit on its starting side.
    let quote_rtl = uniform_direction(&directions, rtl);
    let _ = writeln!(
        out,
        "<figure class=\"quote\"{}>\n<blockquote>",
        dir_change(quote_rtl, rtl)
    );
    for (paragraph, paragraph_rtl) in paragraphs.iter().zip(&directions) {
        let _ = write!(out, "<p{}>", dir_change(*paragraph_rtl, quote_rtl));
        write_spans(out, paragraph);
        out.push_str("</p>\n");
    }
    out.push_str("</blockquote>\n");
    if !attribution.is_empty() {
        let _ = write!(
            out,
            "<figcaption{}>— ",
            dir_attribute(attribution, quote_rtl)
        );
        escape(attribution, out);
        out.push_str("</figcaption>\n");
    }
    out.push_str("</figure>\n");
}

fn write_list(out: &mut String, ordered: bool, items: &[Vec<Span>], rtl: bool) {
    let tag = if ordered { "ol" } else { "ul" };
    let directions: Vec<bool> = items
        .iter()
        .map(|item| is_rtl_text(&plain_text(item), rtl))
        .collect();
    // When every item runs the other way, the list itself does, so that its indent and
    // markers sit on the items' starting side.
    let list_rtl = uniform_direction(&directions, rtl);
    let _ = writeln!(out, "<{tag}{}>", dir_change(list_rtl, rtl));
    for (item, item_rtl) in items.iter().zip(&directions) {
        let _ = write!(out, "<li{}>", dir_change(*item_rtl, list_rtl));
        write_spans(out, item);
        out.push_str("</li>\n");
    }
    let _ = writeln!(out, "</{tag}>");
}

/// A table, in a `<div class="table">` that lets a wide one scroll on its own: the caption
/// is its `<caption>`, and so its accessible name; the source follows it as a
/// `<p class="table-credit">` that describes it (`aria-describedby`). Header rows are a
/// `<thead>` of `<th scope="col">`, an empty header cell a `<td>` (a header must have text);
/// body rows are `<td>`s, and a table without header rows has nothing but `<td>`s. A table
/// of header rows only is written as body rows, since a header needs cells to head. The
/// table runs in the article's direction, so its columns keep their order; a cell whose
/// text runs the other way gets its own `dir`. A column's alignment is a class on each of
/// its cells (`align-center`, `align-end`, and `align-start` where the default will not do),
/// on the table's sides even in a cell that runs the other way, so that a column of mixed
/// scripts lines up.
fn write_table(out: &mut String, table: &Table, path: &str, rtl: bool) {
    out.push_str("<div class=\"table\">\n<table");
    let credit_id = format!("table-{path}-credit");
    if !table.credit.is_empty() {
        let _ = write!(out, " aria-describedby=\"{credit_id}\"");
    }
    out.push_str(">\n");
    if !table.caption.is_empty() {
        text_element(out, "caption", "", &table.caption, rtl);
    }
    let (head, body) = if table.rows.is_empty() {
        (&[][..], &table.header_rows[..])
    } else {
        (&table.header_rows[..], &table.rows[..])
    };
    if !head.is_empty() {
        out.push_str("<thead>\n");
        for row in head {
            write_row(out, row, &table.alignments, true, rtl);
        }
        out.push_str("</thead>\n");
    }
    out.push_str("<tbody>\n");
    for row in body {
        write_row(out, row, &table.alignments, false, rtl);
    }
    out.push_str("</tbody>\n</table>\n");
    if !table.credit.is_empty() {
        let _ = write!(
            out,
            "<p class=\"table-credit\" id=\"{credit_id}\"{}>",
            dir_attribute(&table.credit, rtl)
        );
        escape(&table.credit, out);
        out.push_str("</p>\n");
    }
    out.push_str("</div>\n");
}

fn write_row(out: &mut String, row: &TableRow, alignments: &[Alignment], header: bool, rtl: bool) {
    out.push_str("<tr>");
    let mut column = 0;
    for cell in &row.cells {
        let text = plain_text(&cell.spans);
        let tag = if header && !text.trim().is_empty() {
            "th"
        } else {
            "td"
        };
        let _ = write!(out, "<{tag}");
        if tag == "th" {
            out.push_str(" scope=\"col\"");
        }
        if cell.col_span > 1 {
            let _ = write!(out, " colspan=\"{}\"", cell.col_span);
        }
        // The column's alignment is on the table's sides: a cell that runs the other way
        // takes the mirror image, so that the column lines up ("start" in a right-to-left
        // table is the right, which is the end of a left-to-right cell).
        let cell_rtl = is_rtl_text(&text, rtl);
        let class = match (
            alignments.get(column).copied().unwrap_or_default(),
            cell_rtl == rtl,
        ) {
            (Alignment::Center, _) => "align-center",
            (Alignment::End, true) | (Alignment::Start, false) => "align-end",
            (Alignment::End, false) => "align-start",
            _ => "",
        };
        if !class.is_empty() {
            let _ = write!(out, " class=\"{class}\"");
        }
        out.push_str(dir_change(cell_rtl, rtl));
        out.push('>');
        write_spans(out, &cell.spans);
        let _ = write!(out, "</{tag}>");
        column += cell.col_span;
    }
    out.push_str("</tr>\n");
}

/// An embedded video or post as a card, a `<figure class="embed">`: where it is hosted, its
/// title as a link to it (its address when it has no title), and the line about it.
/// Nothing is fetched and nothing plays: no `<iframe>`, no script.
///
/// A card whose parts all run the other way from the article is set that way as a whole, as
/// a quotation is, so that its rule sits on their starting side.
fn write_embed(out: &mut String, embed: &Embed, rtl: bool) {
    let title = if embed.title.is_empty() {
        &embed.url
    } else {
        &embed.title
    };
    let directions: Vec<bool> = [embed.provider.as_str(), title, embed.description.as_str()]
        .into_iter()
        .filter(|text| !text.is_empty())
        .map(|text| is_rtl_text(text, rtl))
        .collect();
    let card_rtl = uniform_direction(&directions, rtl);
    let _ = writeln!(out, "<figure class=\"embed\"{}>", dir_change(card_rtl, rtl));
    if !embed.provider.is_empty() {
        text_element(out, "p", "embed-provider", &embed.provider, card_rtl);
    }
    let _ = write!(
        out,
        "<p class=\"embed-title\"{}><a href=\"",
        dir_attribute(title, card_rtl)
    );
    escape(&embed.url, out);
    out.push_str("\">");
    escape(title, out);
    out.push_str("</a></p>\n");
    if !embed.description.is_empty() {
        text_element(out, "p", "embed-description", &embed.description, card_rtl);
    }
    out.push_str("</figure>\n");
}

/// Writes the article's editorial notes that go first (`first`: updates and editor's
/// notes, under the header) or the others (corrections and clarifications, after the body
/// and before the footer), in the order given.
///
/// Each note is a `<section class="note">` under an `h2` naming its kind, then its date as
/// a `<time>` and its text. `h2` keeps the outline whole on both sides: the notes that go
/// first follow the headline's `h1`, and the body's first heading is an `h2` too; the
/// others come after the body, where a heading may rise to any level. The last ones are
/// grouped in a `<section role="doc-errata">`, DPUB-ARIA's corrections made after
/// publication, which ARIA in HTML allows on `section`; the first ones have no such role
/// (`doc-notice` is a warning of consequences, not news), so a plain `<div>` groups them.
fn write_notes(out: &mut String, article: &Article, first: bool, rtl: bool) {
    let mut notes = article
        .notes
        .iter()
        .filter(|note| note.kind.goes_first() == first)
        .peekable();
    if notes.peek().is_none() {
        return;
    }
    let language = &article.language;
    out.push_str(if first {
        "<div class=\"notes notes-first\">\n"
    } else {
        "<section class=\"notes notes-last\" role=\"doc-errata\">\n"
    });
    for note in notes {
        out.push_str("<section class=\"note\">\n");
        text_element(
            out,
            "h2",
            "note-kind",
            term(language, note.kind.into()),
            rtl,
        );
        if let Some(date) = &note.date {
            let text = format_date(date, language);
            let _ = writeln!(
                out,
                "<p class=\"note-date\"{}><time datetime=\"{}\">{}</time></p>",
                dir_attribute(&text, rtl),
                iso(date),
                escaped(&text)
            );
        }
        text_element(out, "p", "note-text", &note.text, rtl);
        out.push_str("</section>\n");
    }
    out.push_str(if first { "</div>\n" } else { "</section>\n" });
}

fn write_dateline(out: &mut String, article: &Article, rtl: bool) {
    // The markup of each part, and its text, which decides the line's direction.
    let mut parts: Vec<String> = Vec::new();
    let mut text: Vec<String> = Vec::new();
    if !article.dateline.is_empty() {
        parts.push(format!(
            "<span class=\"place\">{}</span>",
            escaped(&article.dateline)
        ));
        text.push(article.dateline.clone());
    }
    if let (Some(time), Some(published)) = (&article.published_at, published_text(article)) {
        parts.push(format!(
            "<time datetime=\"{}\">{}</time>",
            iso(time),
            escaped(&published)
        ));
        text.push(published);
    }
    if let (Some(time), Some(updated)) = (&article.updated_at, updated_text(article)) {
        // "Updated" stays outside the element: only the moment is machine-readable.
        let pattern = updated_pattern(&article.language);
        let moment = updated
            .strip_prefix(pattern.before())
            .and_then(|m| m.strip_suffix(pattern.after()))
            .unwrap_or(&updated);
        parts.push(format!(
            "{}<time datetime=\"{}\">{}</time>{}",
            escaped(pattern.before()),
            iso(time),
            escaped(moment),
            escaped(pattern.after())
        ));
        text.push(updated);
    }
    if !parts.is_empty() {
        let _ = write!(
            out,
            "<p class=\"dateline\"{}>",
            dir_attribute(&text.join(" · "), rtl)
        );
        out.push_str(&parts.join(" · "));
        out.push_str("</p>\n");
    }
}

/// The alt text of a figure's image: its own, else the caption, else a description from the
/// article in its language, so that no image is left without one.
pub(super) fn alt_text(figure: &Figure, article: &Article) -> String {
    if !figure.image.alt_text.is_empty() {
        figure.image.alt_text.clone()
    } else if !figure.caption.is_empty() {
        figure.caption.clone()
    } else {
        illustration_for(&article.language, &article.headline)
    }
}

fn write_figure(
    out: &mut String,
    figure: &Figure,
    href: &str,
    class: &str,
    article: &Article,
    rtl: bool,
) {
    let _ = write!(
        out,
        "<figure class=\"{class}\">\n<img src=\"{href}\" alt=\""
    );
    escape(&alt_text(figure, article), out);
    out.push_str("\"/>\n");
    if !figure.caption.is_empty() || !figure.credit.is_empty() {
        let text = format!("{} {}", figure.caption, figure.credit);
        let _ = write!(out, "<figcaption{}>", dir_attribute(&text, rtl));
        escape(&figure.caption, out);
        if !figure.credit.is_empty() {
            if !figure.caption.is_empty() {
                out.push(' ');
            }
            out.push_str("<span class=\"credit\">");
            escape(&figure.credit, out);
            out.push_str("</span>");
        }
        out.push_str("</figcaption>\n");
    }
    out.push_str("</figure>\n");
}

/// Writes runs of text with their formatting; a `'\n'` becomes `<br/>`.
fn write_spans(out: &mut String, spans: &[Span]) {
    for span in spans {
        if let Some(url) = &span.link {
            out.push_str("<a href=\"");
            escape(url, out);
            out.push_str("\">");
        }
        let tags: Vec<&str> = [
            (span.strong, "strong"),
            (span.emphasis, "em"),
            (span.code, "code"),
        ]
        .into_iter()
        .filter_map(|(on, tag)| on.then_some(tag))
        .collect();
        for tag in &tags {
            let _ = write!(out, "<{tag}>");
        }
        for (i, line) in span.text.split('\n').enumerate() {
            if i > 0 {
                out.push_str("<br/>");
            }
            escape(line, out);
        }
        for tag in tags.iter().rev() {
            let _ = write!(out, "</{tag}>");
        }
        if span.link.is_some() {
            out.push_str("</a>");
        }
    }
}

/// The title page of a collection.
pub(super) fn title_page(collection: &Collection) -> String {
    let mut out = String::new();
    open_document(
        &mut out,
        &collection.title,
        &collection.language,
        "title-page",
    );
    let rtl = collection.language.is_rtl();
    // `titlepage` has no DPUB-ARIA role to match (Ace's epub-type-has-matching-role).
    let _ = writeln!(out, "<section epub:type=\"titlepage\" class=\"titlepage\">");
    text_element(&mut out, "h1", "title", &collection.title, rtl);
    if !collection.subtitle.is_empty() {
        text_element(&mut out, "p", "subtitle", &collection.subtitle, rtl);
    }
    if !collection.publisher.is_empty() {
        text_element(&mut out, "p", "publisher", &collection.publisher, rtl);
    }
    if let Some(date) = &collection.date {
        let text = format_date(date, &collection.language);
        let _ = writeln!(
            out,
            "<p class=\"issue-date\"{}><time datetime=\"{}\">{}</time></p>",
            dir_attribute(&text, rtl),
            iso(date),
            escaped(&text)
        );
    }
    let size = article_count(&collection.language, collection.articles.len());
    text_element(&mut out, "p", "issue-size", &size, rtl);
    out.push_str("</section>\n");
    close_document(&mut out);
    out
}

/// The contents page of a collection, in reading order, grouped by section.
pub(super) fn contents_page(
    collection: &Collection,
    groups: &[SectionGroup<'_>],
    article_href: impl Fn(usize) -> String,
) -> String {
    let mut out = String::new();
    let contents = term(&collection.language, Term::Contents);
    open_document(&mut out, contents, &collection.language, "contents-page");
    let rtl = collection.language.is_rtl();
    out.push_str("<section class=\"contents\">\n");
    text_element(&mut out, "h1", "", contents, rtl);
    for group in groups {
        if !group.section.is_empty() {
            text_element(&mut out, "h2", "", group.section, rtl);
        }
        out.push_str("<ol class=\"contents-list\">\n");
        for (index, article) in &group.articles {
            // The entry runs the way its headline does, as the article's `h1` does.
            let entry_rtl = is_rtl_text(&article.headline, article.language.is_rtl());
            let _ = write!(
                out,
                "<li {}><a href=\"{}\">",
                lang_dir_attributes(&article.language, entry_rtl),
                article_href(*index)
            );
            escape(&article.headline, &mut out);
            out.push_str("</a>");
            if let Some(byline) = byline(article) {
                out.push_str("<br/><span class=\"contents-byline\">");
                escape(&byline, &mut out);
                out.push_str("</span>");
            }
            if !article.summary.is_empty() {
                out.push_str("<br/><span class=\"contents-summary\">");
                escape(&article.summary, &mut out);
                out.push_str("</span>");
            }
            out.push_str("</li>\n");
        }
        out.push_str("</ol>\n");
    }
    out.push_str("</section>\n");
    close_document(&mut out);
    out
}

/// The cover page: the cover image, scaled to the screen.
///
/// `epub:type="cover"` and its DPUB-ARIA role `doc-cover` are both on the `img`, the one
/// element ARIA in HTML allows `doc-cover` on: Ace's epub-type-has-matching-role wants the
/// role wherever the type is, and a `section` may not take it.
pub(super) fn cover_page(title: &str, language: &Language, image_href: &str) -> String {
    let mut out = String::new();
    open_document(&mut out, title, language, "cover-page");
    let _ = write!(
        out,
        "<section class=\"cover\">\n<img epub:type=\"cover\" role=\"doc-cover\" src=\"{image_href}\" alt=\""
    );
    escape(&labelled(language, Term::Cover, title), &mut out);
    out.push_str("\"/>\n</section>\n");
    close_document(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Contributor, Role, TableCell};

    fn spans(text: &str) -> Vec<Span> {
        vec![Span::plain(text)]
    }

    fn article(language: &str, body: Vec<Block>) -> Article {
        Article {
            id: String::new(),
            headline: "Headline".to_owned(),
            summary: String::new(),
            section: String::new(),
            publication: String::new(),
            contributors: Vec::new(),
            dateline: String::new(),
            published_at: None,
            updated_at: None,
            language: Language::parse(language).unwrap(),
            tags: Vec::new(),
            canonical_url: None,
            copyright: String::new(),
            lead_figure: None,
            body,
            related: Vec::new(),
            notes: Vec::new(),
        }
    }

    fn render(article: &Article) -> String {
        let mut out = String::new();
        let refs = ImageRefs {
            lead: None,
            body: &[],
        };
        write_article(&mut out, article, &refs);
        out
    }

    fn headings(levels: &[u8]) -> Vec<Block> {
        levels
            .iter()
            .map(|level| Block::Heading {
                level: *level,
                spans: spans("Section"),
            })
            .collect()
    }

    #[test]
    fn escapes_every_markup_character() {
        assert_eq!(
            escaped(r#"<script>"x" & 'y' ]]></script>"#),
            "&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39; ]]&gt;&lt;/script&gt;"
        );
        assert_eq!(escaped("plain — text"), "plain — text");
    }

    #[test]
    fn arabic_paragraph_in_an_english_article_runs_right_to_left() {
        let out = render(&article(
            "en",
            vec![
                Block::Paragraph(spans("Moscow said on Tuesday.")),
                Block::Paragraph(spans("قال الكرملين يوم الثلاثاء")),
                Block::Paragraph(vec![Span::plain("«2024» "), Span::plain("שלום")]),
            ],
        ));
        assert!(out.contains(r#"<article lang="en" xml:lang="en" dir="ltr">"#));
        assert!(out.contains("<p>Moscow said on Tuesday.</p>"));
        assert!(out.contains("<p dir=\"rtl\">قال الكرملين"));
        // Neutral characters first: the first strong character decides, across spans.
        assert!(out.contains("<p dir=\"rtl\">«2024» שלום</p>"));
    }

    #[test]
    fn english_paragraph_in_an_arabic_article_runs_left_to_right() {
        let out = render(&article(
            "ar",
            vec![
                Block::Paragraph(spans("قال الكرملين")),
                Block::Paragraph(spans("Reuters reported")),
                Block::Paragraph(spans("2024")),
            ],
        ));
        assert!(out.contains(r#"<article lang="ar" xml:lang="ar" dir="rtl">"#));
        assert!(out.contains("<p>قال الكرملين</p>"));
        assert!(out.contains("<p dir=\"ltr\">Reuters reported</p>"));
        // No strong character: the article's direction, so no attribute.
        assert!(out.contains("<p>2024</p>"));
    }

    #[test]
    fn every_kind_of_block_gets_its_own_direction() {
        let mut a = article(
            "ru",
            vec![
                Block::Heading {
                    level: 1,
                    spans: spans("עדכון"),
                },
                Block::Quote {
                    paragraphs: vec![spans("Цитата"), spans("اقتباس")],
                    attribution: "محمد".to_owned(),
                },
                Block::List {
                    ordered: false,
                    items: vec![spans("один"), spans("اثنان")],
                },
                Block::Preformatted("שורה".to_owned()),
            ],
        );
        a.headline = "כותרת".to_owned();
        a.summary = "תקציר".to_owned();
        a.section = "עולם".to_owned();
        a.copyright = "© حقوق".to_owned();
        a.contributors = vec![Contributor {
            name: "Иван".to_owned(),
            role: Role::Author,
            title: String::new(),
        }];
        let out = render(&a);
        assert!(out.contains("<p class=\"kicker\" dir=\"rtl\">עולם</p>"));
        assert!(out.contains("<h1 dir=\"rtl\">כותרת</h1>"));
        assert!(out.contains("<p class=\"standfirst\" dir=\"rtl\">תקציר</p>"));
        // "Автор: Иван": the Russian label and the name run left to right.
        assert!(out.contains("<p class=\"byline\">Автор: Иван</p>"));
        assert!(out.contains("<h2 id=\"h-0\" dir=\"rtl\">עדכון</h2>"));
        assert!(out.contains("<p>Цитата</p>\n<p dir=\"rtl\">اقتباس</p>"));
        assert!(out.contains("<figcaption dir=\"rtl\">— محمد</figcaption>"));
        assert!(out.contains("<ul>\n<li>один</li>\n<li dir=\"rtl\">اثنان</li>"));
        assert!(out.contains("<pre dir=\"rtl\">שורה</pre>"));
        assert!(out.contains("<p class=\"copyright\" dir=\"rtl\">© حقوق</p>"));
    }

    #[test]
    fn a_list_whose_items_all_run_the_other_way_takes_their_direction() {
        let out = render(&article(
            "en",
            vec![Block::List {
                ordered: true,
                items: vec![spans("أولا"), spans("ثانيا")],
            }],
        ));
        assert!(out.contains("<ol dir=\"rtl\">\n<li>أولا</li>\n<li>ثانيا</li>\n</ol>"));
    }

    #[test]
    fn figure_captions_get_their_own_direction() {
        let figure = Figure {
            image: crate::model::Image {
                data: bytes::Bytes::new(),
                format: crate::model::ImageFormat::Png,
                width: 1,
                height: 1,
                alt_text: "alt".to_owned(),
            },
            caption: "صورة".to_owned(),
            credit: "Reuters".to_owned(),
        };
        let mut out = String::new();
        write_figure(
            &mut out,
            &figure,
            "images/img-1.png",
            "figure",
            &article("en", Vec::new()),
            false,
        );
        assert!(out.contains("<figcaption dir=\"rtl\">صورة <span class=\"credit\">"));
    }

    #[test]
    fn labels_are_in_the_article_s_language() {
        let mut a = article("ja", Vec::new());
        a.published_at = chrono::DateTime::from_timestamp(1_764_722_460, 0);
        a.updated_at = chrono::DateTime::from_timestamp(1_764_742_500, 0);
        a.related = vec![crate::model::RelatedArticle {
            title: "記事".to_owned(),
            url: None,
            summary: String::new(),
        }];
        let out = render(&a);
        // The label after the moment stays outside the element too.
        assert!(out.contains("<time datetime=\"2025-12-03T06:15:00Z\">06:15 UTC</time> 更新"));
        assert!(out.contains("<h2>関連記事</h2>"));
        let figure = Figure {
            image: crate::model::Image {
                data: bytes::Bytes::new(),
                format: crate::model::ImageFormat::Png,
                width: 1,
                height: 1,
                alt_text: String::new(),
            },
            caption: String::new(),
            credit: String::new(),
        };
        assert_eq!(
            alt_text(&figure, &article("de", Vec::new())),
            "Illustration zu „Headline“"
        );
    }

    #[test]
    fn heading_levels_are_consecutive_from_h2() {
        assert_eq!(heading_levels(&headings(&[2, 4, 2, 4]), 1), [2, 3, 2, 3]);
        assert_eq!(heading_levels(&headings(&[1, 2, 3]), 1), [2, 3, 4]);
        // A first heading below the top level the article uses is clamped under the h1.
        assert_eq!(heading_levels(&headings(&[3, 1, 3]), 1), [2, 2, 3]);
        // Never deeper than one below the heading before.
        assert_eq!(heading_levels(&headings(&[1, 3, 2, 3]), 1), [2, 3, 3, 4]);
        assert_eq!(
            heading_levels(&headings(&[1, 2, 3, 4, 5, 5]), 1),
            [2, 3, 4, 5, 6, 6]
        );
        assert_eq!(heading_levels(&headings(&[5, 5]), 1), [2, 2]);
        assert!(heading_levels(&[Block::Rule], 1).is_empty());
    }

    #[test]
    fn body_headings_never_skip_a_level() {
        let mut body = headings(&[2, 4]);
        body.insert(1, Block::Paragraph(spans("Text")));
        let out = render(&article("en", body));
        assert!(out.contains("<h2 id=\"h-0\">Section</h2>"));
        assert!(out.contains("<h3 id=\"h-2\">Section</h3>"));
        assert!(!out.contains("<h4"));
    }

    fn aside(title: &str, blocks: Vec<Block>) -> Block {
        Block::Aside(Aside {
            title: title.to_owned(),
            blocks,
        })
    }

    fn cells(texts: &[&str]) -> TableRow {
        TableRow {
            cells: texts
                .iter()
                .map(|text| TableCell {
                    spans: if text.is_empty() {
                        Vec::new()
                    } else {
                        spans(text)
                    },
                    col_span: 1,
                })
                .collect(),
        }
    }

    fn table(header_rows: Vec<TableRow>, rows: Vec<TableRow>) -> Block {
        Block::Table(Table {
            caption: String::new(),
            credit: String::new(),
            header_rows,
            rows,
            alignments: vec![Alignment::Start, Alignment::End],
            columns: 2,
        })
    }

    #[test]
    fn a_fact_box_title_sits_one_level_below_the_heading_before_it() {
        let mut body = headings(&[1]);
        body.push(aside(
            "Key facts",
            vec![
                Block::Heading {
                    level: 3,
                    spans: spans("Inside"),
                },
                Block::Paragraph(spans("Text")),
            ],
        ));
        body.extend(headings(&[2]));
        let out = render(&article("en", body));
        assert!(out.contains(
            "<h2 id=\"h-0\">Section</h2>\n<aside class=\"factbox\" aria-labelledby=\"aside-1\">\n<h3 class=\"factbox-title\" id=\"aside-1\">Key facts</h3>\n<h4>Inside</h4>\n<p>Text</p>\n</aside>\n<h3 id=\"h-2\">Section</h3>"
        ));
        // Before any heading, under the h1; without a title, its headings sit where it is.
        let out = render(&article(
            "en",
            vec![
                aside("Key facts", vec![Block::Paragraph(spans("Text"))]),
                aside("", headings(&[1])),
            ],
        ));
        assert!(out.contains("<h2 class=\"factbox-title\" id=\"aside-0\">Key facts</h2>"));
        assert!(out.contains("<aside class=\"factbox\">\n<h2>Section</h2>"));
        // Never deeper than h6.
        let mut body = headings(&[1, 2, 3, 4, 5]);
        body.push(aside("Deep", headings(&[1])));
        let out = render(&article("en", body));
        assert!(
            out.contains("<h6 class=\"factbox-title\" id=\"aside-5\">Deep</h6>\n<h6>Section</h6>")
        );
    }

    #[test]
    fn header_cells_need_text_and_cells_to_head() {
        let out = render(&article(
            "en",
            vec![
                table(vec![cells(&["", "Votes"])], vec![cells(&["Yes", "12"])]),
                table(vec![cells(&["Only", "headers"])], Vec::new()),
            ],
        ));
        assert!(out.contains(
            "<thead>\n<tr><td></td><th scope=\"col\" class=\"align-end\">Votes</th></tr>\n</thead>\n<tbody>\n<tr><td>Yes</td><td class=\"align-end\">12</td></tr>"
        ));
        assert!(out.contains(
            "<table>\n<tbody>\n<tr><td>Only</td><td class=\"align-end\">headers</td></tr>\n</tbody>"
        ));
        assert_eq!(out.matches("<thead>").count(), 1);
    }

    #[test]
    fn a_column_lines_up_on_the_table_s_sides_in_cells_of_either_direction() {
        let out = render(&article(
            "en",
            vec![table(
                vec![cells(&["Name", "Votes"])],
                vec![cells(&["Ann", "12"]), cells(&["سارة", "أ"])],
            )],
        ));
        assert!(out.contains("<tr><td>Ann</td><td class=\"align-end\">12</td></tr>"));
        // The end of a left-to-right table is the start of a right-to-left cell.
        assert!(out.contains(
            "<tr><td class=\"align-end\" dir=\"rtl\">سارة</td><td class=\"align-start\" dir=\"rtl\">أ</td></tr>"
        ));
    }

    #[test]
    fn notes_frame_the_article_by_kind() {
        use crate::model::{EditorialNote, NoteKind};
        let mut a = article("fr", vec![Block::Paragraph(spans("Texte"))]);
        a.copyright = "© Journal".to_owned();
        let note = |kind, text: &str| EditorialNote {
            kind,
            text: text.to_owned(),
            date: chrono::DateTime::from_timestamp(1_764_722_460, 0),
        };
        a.notes = vec![
            note(NoteKind::Correction, "Corrigé"),
            note(NoteKind::EditorsNote, "Note"),
        ];
        let out = render(&a);
        let first = out.find("<div class=\"notes notes-first\">").unwrap();
        let last = out
            .find("<section class=\"notes notes-last\" role=\"doc-errata\">")
            .unwrap();
        assert!(out.find("</header>").unwrap() < first);
        assert!(first < out.find("<p>Texte</p>").unwrap());
        assert!(out.find("<p>Texte</p>").unwrap() < last);
        assert!(last < out.find("<footer>").unwrap());
        // The kind and the date are in the article's language.
        assert!(out[last..].contains(
            "<h2 class=\"note-kind\">Rectificatif</h2>\n<p class=\"note-date\"><time datetime=\"2025-12-03T00:41:00Z\">3 décembre 2025</time></p>\n<p class=\"note-text\">Corrigé</p>"
        ));
    }

    #[test]
    fn cover_image_carries_the_cover_type_and_its_role() {
        let page = cover_page("Title", &Language::parse("en").unwrap(), "images/cover.png");
        assert!(page.contains(
            "<img epub:type=\"cover\" role=\"doc-cover\" src=\"images/cover.png\" alt=\"Cover: Title\"/>"
        ));
        assert!(!page.contains("<section epub:type"));
    }

    #[test]
    fn title_and_contents_pages_set_direction_per_block() {
        let mut entry = article("ar", Vec::new());
        entry.headline = "Breaking".to_owned();
        let collection = Collection {
            title: "النشرة".to_owned(),
            subtitle: "Weekly".to_owned(),
            publisher: "صحيفة".to_owned(),
            date: None,
            language: Language::parse("ar").unwrap(),
            cover: None,
            articles: vec![entry],
        };
        let title = title_page(&collection);
        assert!(title.contains("<h1 class=\"title\">النشرة</h1>"));
        assert!(title.contains("<p class=\"subtitle\" dir=\"ltr\">Weekly</p>"));
        assert!(title.contains("<p class=\"publisher\">صحيفة</p>"));
        let groups = crate::typography::section_groups(&collection.articles);
        let contents = contents_page(&collection, &groups, |_| "article-001.xhtml".to_owned());
        assert!(contents.contains(
            r#"<li lang="ar" xml:lang="ar" dir="ltr"><a href="article-001.xhtml">Breaking</a>"#
        ));
    }
}
