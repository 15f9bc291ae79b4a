//! Semantic markup for one article, written once for every format made of HTML: the EPUB's
//! XHTML content documents and the `html` format's page. Tables, fact boxes, embed cards,
//! editorial notes, figures with their alt text, direction per block and the mapping of
//! heading levels all live here; the formats differ only in a [`Target`]: the
//! serialisation ([`Flavor`]), the ids, and the level of the headline.
//!
//! The headline is the only heading of its level in the article; every other heading takes
//! the level that keeps the outline free of skipped levels (Ace's and axe's heading-order):
//! body headings from one below the headline ([`heading_levels`]), a fact box's title one
//! below the heading before it, notes and "Similar articles" one below the headline.
//!
//! Every piece of article text goes through [`escape`]; nothing from a request ever becomes
//! markup. Only links the model kept (http, https, mailto) become `<a href>`. Images come as
//! the `src` each format gives them ([`ImageRefs`]): a file in the book, or a `data:` URI.

use std::borrow::Cow;
use std::fmt::Write as _;

use chrono::{DateTime, SecondsFormat, Utc};

use crate::model::{
    Alignment, Article, Aside, Block, Embed, Figure, Language, Span, Table, TableRow, plain_text,
};
use crate::typography::direction::is_rtl_text;
use crate::typography::{
    SectionGroup, Term, byline, credits_line, format_date, illustration_for, published_text, term,
    updated_pattern, updated_text,
};

/// How markup is serialised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::render) enum Flavor {
    /// XHTML, for EPUB content documents: void elements closed (`<br/>`), `xml:lang` beside
    /// `lang`.
    Xhtml,
    /// HTML5 served as `text/html`: void elements as HTML writes them (`<br>`), `lang`
    /// alone, image sizes given so the page does not jump as it loads, and a table that may
    /// scroll sideways made a focusable, named region so a keyboard can scroll it.
    Html,
}

impl Flavor {
    /// How a void element ends: `/>` or `>`.
    pub(in crate::render) fn void(self) -> &'static str {
        match self {
            Flavor::Xhtml => "/>",
            Flavor::Html => ">",
        }
    }

    /// The `lang` (and, in XHTML, `xml:lang`) attributes for a language, and `dir` for a
    /// direction.
    pub(in crate::render) fn lang_dir_attributes(self, language: &Language, rtl: bool) -> String {
        let dir = if rtl { "rtl" } else { "ltr" };
        let tag = escaped(language.tag());
        match self {
            Flavor::Xhtml => format!(r#"lang="{tag}" xml:lang="{tag}" dir="{dir}""#),
            Flavor::Html => format!(r#"lang="{tag}" dir="{dir}""#),
        }
    }

    /// The language attributes for a language, with its own direction.
    pub(in crate::render) fn lang_attributes(self, language: &Language) -> String {
        self.lang_dir_attributes(language, language.is_rtl())
    }
}

/// Where and how an article is written.
#[derive(Debug, Clone, Copy)]
pub(in crate::render) struct Target<'a> {
    /// The serialisation.
    pub(in crate::render) flavor: Flavor,
    /// The `<article>`'s own id and the prefix of every id inside it, so that several
    /// articles can share a page; empty when the article has a document of its own, which
    /// gives it no id and its parts unprefixed ones (`h-3`).
    pub(in crate::render) id: &'a str,
    /// The level of the headline's heading: 1 when the article is the document, 2 on a page
    /// whose masthead holds the `h1`.
    pub(in crate::render) headline_level: u8,
}

impl Target<'_> {
    /// An article in an EPUB content document of its own.
    pub(in crate::render) const EPUB: Target<'static> = Target {
        flavor: Flavor::Xhtml,
        id: "",
        headline_level: 1,
    };

    /// The id of a part of the article (`h-3`), prefixed with the article's id if it has one
    /// (`article-2-h-3`).
    fn id_of(&self, local: &str) -> String {
        if self.id.is_empty() {
            local.to_owned()
        } else {
            format!("{}-{local}", self.id)
        }
    }

    /// The id of the body heading at `block_index`, for links from a table of contents.
    pub(in crate::render) fn heading_id(&self, block_index: usize) -> String {
        self.id_of(&format!("h-{block_index}"))
    }

    /// The level of a heading directly under the headline.
    fn section_level(&self) -> u8 {
        self.headline_level.saturating_add(1).min(6)
    }
}

/// Escapes text for XML and HTML character data and attribute values.
pub(in crate::render) fn escape(text: &str, out: &mut String) {
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
pub(in crate::render) fn escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape(text, &mut out);
    out
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
pub(in crate::render) fn dir_change(own_rtl: bool, inherited_rtl: bool) -> &'static str {
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
pub(in crate::render) fn dir_attribute(text: &str, inherited_rtl: bool) -> &'static str {
    dir_change(is_rtl_text(text, inherited_rtl), inherited_rtl)
}

/// Writes `<tag class="…">text</tag>` on a line of its own, with a `dir` if the text runs
/// the other way from `inherited_rtl`. An empty `class` writes none.
pub(in crate::render) fn text_element(
    out: &mut String,
    tag: &str,
    class: &str,
    text: &str,
    inherited_rtl: bool,
) {
    let _ = write!(out, "<{tag}");
    if !class.is_empty() {
        let _ = write!(out, " class=\"{class}\"");
    }
    out.push_str(dir_attribute(text, inherited_rtl));
    out.push('>');
    escape(text, out);
    let _ = writeln!(out, "</{tag}>");
}

/// The machine-readable form of a timestamp for `<time datetime>` and metadata.
pub(in crate::render) fn iso(time: &DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The `src` of each of an article's images, in the order the article uses them.
pub(in crate::render) struct ImageRefs<'a> {
    /// The lead figure's, if the article has one.
    pub(in crate::render) lead: Option<&'a str>,
    /// The body's figures', in body order with those in fact boxes where the box is
    /// ([`body_figures`]); `None` for an image left out.
    pub(in crate::render) body: &'a [Option<String>],
}

/// The figures of an article's body in the order [`write_article`] meets them: body order,
/// with a fact box's figures where the box is.
pub(in crate::render) fn body_figures(article: &Article) -> impl Iterator<Item = &Figure> {
    article.body.iter().flat_map(|block| {
        let inner: &[Block] = match block {
            Block::Aside(aside) => &aside.blocks,
            other => std::slice::from_ref(other),
        };
        inner.iter().filter_map(|block| match block {
            Block::Figure(figure) => Some(figure),
            _ => None,
        })
    })
}

/// The HTML level of each heading among `blocks`, in order, for blocks that sit under a
/// heading of level `parent` (the headline's for the body). The model levels the blocks use
/// become consecutive levels from `parent + 1`, by rank (levels {2, 4} give `h2` and `h3`
/// under an `h1`), and no heading is more than one level below the heading before it, so
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
pub(in crate::render) fn write_article(
    out: &mut String,
    article: &Article,
    images: &ImageRefs<'_>,
    target: &Target<'_>,
) {
    let rtl = article.language.is_rtl();
    let flavor = target.flavor;
    out.push_str("<article");
    if !target.id.is_empty() {
        out.push_str(" id=\"");
        escape(target.id, out);
        out.push('"');
    }
    let _ = writeln!(out, " {}>", flavor.lang_attributes(&article.language));
    out.push_str("<header>\n");
    let kicker: Vec<&str> = [article.publication.as_str(), article.section.as_str()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect();
    if !kicker.is_empty() {
        text_element(out, "p", "kicker", &kicker.join(" · "), rtl);
    }
    let headline = format!("h{}", target.headline_level);
    text_element(out, &headline, "", &article.headline, rtl);
    if !article.summary.is_empty() {
        text_element(out, "p", "standfirst", &article.summary, rtl);
    }
    if let Some(byline) = byline(article) {
        text_element(out, "p", "byline", &byline, rtl);
    }
    write_dateline(out, article, rtl);
    out.push_str("</header>\n");

    write_notes(out, article, true, rtl, target);

    if let (Some(figure), Some(src)) = (&article.lead_figure, images.lead) {
        write_figure(out, figure, src, "lead", article, rtl, flavor);
    }

    let mut body = BodyWriter {
        article,
        target,
        rtl,
        figures: images.body.iter(),
        landmark_names: Vec::new(),
        region_names: Vec::new(),
    };
    body.blocks(out, &article.body, &Scope::Body);

    write_notes(out, article, false, rtl, target);

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
                &format!("h{}", target.section_level()),
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
                    let _ = write!(out, "<br{}<span class=\"related-summary\">", flavor.void());
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
    /// The article's body, under its headline.
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
    fn level(&self, target: &Target<'_>) -> u8 {
        match self {
            Scope::Body => target.headline_level,
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
    target: &'i Target<'i>,
    /// The article's direction, which every block inherits.
    rtl: bool,
    /// The `src` of the body's figures, in the order they come, fact boxes included.
    figures: std::slice::Iter<'i, Option<String>>,
    /// The titles already naming a fact box: a named `<aside>` is a complementary landmark,
    /// and two landmarks of one role may not share a name (axe's landmark-unique).
    landmark_names: Vec<&'a str>,
    /// The captions already naming a scrolling table's region (HTML only), for the same
    /// reason.
    region_names: Vec<&'a str>,
}

impl<'a> BodyWriter<'a, '_> {
    fn blocks(&mut self, out: &mut String, blocks: &'a [Block], scope: &Scope) {
        let rtl = self.rtl;
        let flavor = self.target.flavor;
        let mut levels = heading_levels(blocks, scope.level(self.target)).into_iter();
        // The level of the heading the next block sits under.
        let mut current = scope.level(self.target);
        for (index, block) in blocks.iter().enumerate() {
            match block {
                Block::Paragraph(spans) => {
                    let _ = write!(out, "<p{}>", dir_attribute(&plain_text(spans), rtl));
                    write_spans(out, spans, flavor);
                    out.push_str("</p>\n");
                }
                Block::Heading { spans, .. } => {
                    current = levels.next().unwrap_or(current);
                    let tag = format!("h{current}");
                    let _ = write!(out, "<{tag}");
                    // Body headings are in the navigation; headings in a fact box are not.
                    if let Scope::Body = scope {
                        let _ = write!(out, " id=\"{}\"", escaped(&self.target.heading_id(index)));
                    }
                    let _ = write!(out, "{}>", dir_attribute(&plain_text(spans), rtl));
                    write_spans(out, spans, flavor);
                    let _ = writeln!(out, "</{tag}>");
                }
                Block::Quote {
                    paragraphs,
                    attribution,
                } => write_quote(out, paragraphs, attribution, rtl, flavor),
                Block::List { ordered, items } => write_list(out, *ordered, items, rtl, flavor),
                Block::Figure(figure) => {
                    if let Some(Some(src)) = self.figures.next() {
                        write_figure(out, figure, src, "figure", self.article, rtl, flavor);
                    }
                }
                Block::Preformatted(text) => {
                    let _ = write!(out, "<pre{}>", dir_attribute(text, rtl));
                    escape(text, out);
                    out.push_str("</pre>\n");
                }
                Block::Rule => {
                    let _ = writeln!(out, "<hr{}", flavor.void());
                }
                Block::Table(table) => self.table(out, table, &scope.path(index)),
                Block::Aside(aside) => self.aside(out, aside, index, current),
                Block::Embed(embed) => write_embed(out, embed, rtl),
            }
        }
    }

    /// A fact box: an `<aside>` whose title is a heading one level below the heading it
    /// follows (one below the headline before the body's first heading), so that the outline
    /// never skips a level, and which names the box, a complementary landmark, through
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
        let id = escaped(&self.target.id_of(&format!("aside-{index}")));
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

    /// A table, in a `<div class="table">` that lets a wide one scroll on its own: the caption
    /// is its `<caption>`, and so its accessible name; the source follows it as a
    /// `<p class="table-credit">` that describes it (`aria-describedby`). Header rows are a
    /// `<thead>` of `<th scope="col">`, an empty header cell a `<td>` (a header must have
    /// text); body rows are `<td>`s, and a table without header rows has nothing but `<td>`s.
    /// A table of header rows only is written as body rows, since a header needs cells to
    /// head. The table runs in the article's direction, so its columns keep their order; a
    /// cell whose text runs the other way gets its own `dir`. A column's alignment is a class
    /// on each of its cells (`align-center`, `align-end`, and `align-start` where the default
    /// will not do), on the table's sides even in a cell that runs the other way, so that a
    /// column of mixed scripts lines up.
    ///
    /// In HTML, where a narrow window makes a wide table scroll, the scrolling `div` can be
    /// focused (`tabindex="0"`), so that it scrolls from the keyboard (axe's
    /// scrollable-region-focusable), and is a region named by the caption, so that what
    /// takes the focus has a name; a caption that already names a region, or none, gives a
    /// `group` instead, since two regions may not share a name and a region needs one.
    fn table(&mut self, out: &mut String, table: &'a Table, path: &str) {
        let rtl = self.rtl;
        let flavor = self.target.flavor;
        let credit_id = escaped(&self.target.id_of(&format!("table-{path}-credit")));
        let caption_id = escaped(&self.target.id_of(&format!("table-{path}-caption")));
        let caption = table.caption.as_str();
        out.push_str("<div class=\"table\"");
        if flavor == Flavor::Html {
            if caption.is_empty() || self.region_names.contains(&caption) {
                out.push_str(" role=\"group\"");
                if !caption.is_empty() {
                    let _ = write!(out, " aria-labelledby=\"{caption_id}\"");
                }
            } else {
                self.region_names.push(caption);
                let _ = write!(out, " role=\"region\" aria-labelledby=\"{caption_id}\"");
            }
            out.push_str(" tabindex=\"0\"");
        }
        out.push_str(">\n<table");
        if !table.credit.is_empty() {
            let _ = write!(out, " aria-describedby=\"{credit_id}\"");
        }
        out.push_str(">\n");
        if !caption.is_empty() {
            match flavor {
                Flavor::Xhtml => text_element(out, "caption", "", caption, rtl),
                Flavor::Html => {
                    let _ = write!(
                        out,
                        "<caption id=\"{caption_id}\"{}>",
                        dir_attribute(caption, rtl)
                    );
                    escape(caption, out);
                    out.push_str("</caption>\n");
                }
            }
        }
        let (head, body) = if table.rows.is_empty() {
            (&[][..], &table.header_rows[..])
        } else {
            (&table.header_rows[..], &table.rows[..])
        };
        if !head.is_empty() {
            out.push_str("<thead>\n");
            for row in head {
                write_row(out, row, &table.alignments, true, rtl, flavor);
            }
            out.push_str("</thead>\n");
        }
        out.push_str("<tbody>\n");
        for row in body {
            write_row(out, row, &table.alignments, false, rtl, flavor);
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
}

fn write_quote(
    out: &mut String,
    paragraphs: &[Vec<Span>],
    attribution: &str,
    rtl: bool,
    flavor: Flavor,
) {
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
        write_spans(out, paragraph, flavor);
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

fn write_list(out: &mut String, ordered: bool, items: &[Vec<Span>], rtl: bool, flavor: Flavor) {
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
        write_spans(out, item, flavor);
        out.push_str("</li>\n");
    }
    let _ = writeln!(out, "</{tag}>");
}

fn write_row(
    out: &mut String,
    row: &TableRow,
    alignments: &[Alignment],
    header: bool,
    rtl: bool,
    flavor: Flavor,
) {
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
        write_spans(out, &cell.spans, flavor);
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
/// Each note is a `<section class="note">` under a heading one below the headline naming
/// its kind, then its date as a `<time>` and its text. That level keeps the outline whole on
/// both sides: the notes that go first follow the headline, and the body's first heading is
/// at that level too; the others come after the body, where a heading may rise to any
/// level. The last ones are grouped in a `<section role="doc-errata">`, DPUB-ARIA's
/// corrections made after publication, which ARIA in HTML allows on `section`; the first
/// ones have no such role (`doc-notice` is a warning of consequences, not news), so a plain
/// `<div>` groups them.
fn write_notes(out: &mut String, article: &Article, first: bool, rtl: bool, target: &Target<'_>) {
    let mut notes = article
        .notes
        .iter()
        .filter(|note| note.kind.goes_first() == first)
        .peekable();
    if notes.peek().is_none() {
        return;
    }
    let language = &article.language;
    let heading = format!("h{}", target.section_level());
    // The group of the last ones is a `section` in XHTML; the Nu Html Checker, which an HTML
    // page must pass, warns about a `section` with no heading of its own, so there it is a
    // `div` with the same role.
    let errata = match target.flavor {
        Flavor::Xhtml => "section",
        Flavor::Html => "div",
    };
    if first {
        out.push_str("<div class=\"notes notes-first\">\n");
    } else {
        let _ = writeln!(
            out,
            "<{errata} class=\"notes notes-last\" role=\"doc-errata\">"
        );
    }
    for note in notes {
        out.push_str("<section class=\"note\">\n");
        text_element(
            out,
            &heading,
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
    if first {
        out.push_str("</div>\n");
    } else {
        let _ = writeln!(out, "</{errata}>");
    }
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
pub(in crate::render) fn alt_text(figure: &Figure, article: &Article) -> String {
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
    src: &str,
    class: &str,
    article: &Article,
    rtl: bool,
    flavor: Flavor,
) {
    let _ = write!(out, "<figure class=\"{class}\">\n<img src=\"");
    escape(src, out);
    out.push_str("\" alt=\"");
    escape(&alt_text(figure, article), out);
    out.push('"');
    if flavor == Flavor::Html {
        // The size the header gives, so that the page keeps the image's place while it
        // decodes; the stylesheet scales it to the column.
        let _ = write!(
            out,
            " width=\"{}\" height=\"{}\"",
            figure.image.width, figure.image.height
        );
    }
    let _ = writeln!(out, "{}", flavor.void());
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

/// Writes the entries of a collection's contents in reading order, grouped by section: a
/// heading of `section_level` for each section that has a name, then a list whose entries
/// link to their articles (`article_href` of an article's index) and give the byline and the
/// summary. Each entry carries its article's language and runs the way its headline does, as
/// the article's headline does; the rest inherits `rtl`.
pub(in crate::render) fn write_contents_list(
    out: &mut String,
    groups: &[SectionGroup<'_>],
    section_level: u8,
    article_href: impl Fn(usize) -> String,
    rtl: bool,
    flavor: Flavor,
) {
    let br = format!("<br{}", flavor.void());
    for group in groups {
        if !group.section.is_empty() {
            text_element(out, &format!("h{section_level}"), "", group.section, rtl);
        }
        out.push_str("<ol class=\"contents-list\">\n");
        for (index, article) in &group.articles {
            let entry_rtl = is_rtl_text(&article.headline, article.language.is_rtl());
            let _ = write!(
                out,
                "<li {}><a href=\"{}\">",
                flavor.lang_dir_attributes(&article.language, entry_rtl),
                escaped(&article_href(*index))
            );
            escape(&article.headline, out);
            out.push_str("</a>");
            if let Some(byline) = byline(article) {
                let _ = write!(out, "{br}<span class=\"contents-byline\">");
                escape(&byline, out);
                out.push_str("</span>");
            }
            if !article.summary.is_empty() {
                let _ = write!(out, "{br}<span class=\"contents-summary\">");
                escape(&article.summary, out);
                out.push_str("</span>");
            }
            out.push_str("</li>\n");
        }
        out.push_str("</ol>\n");
    }
}

/// Writes runs of text with their formatting; a `'\n'` becomes a `<br>`.
fn write_spans(out: &mut String, spans: &[Span], flavor: Flavor) {
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
                let _ = write!(out, "<br{}", flavor.void());
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Contributor, Role, TableCell};

    fn spans(text: &str) -> Vec<Span> {
        vec![Span::plain(text)]
    }

    fn article(language: &str, body: Vec<Block>) -> Article {
        Article {
            headline: "Headline".to_owned(),
            language: Language::parse(language).unwrap(),
            body,
            ..Default::default()
        }
    }

    fn render(article: &Article) -> String {
        let mut out = String::new();
        let refs = ImageRefs {
            lead: None,
            body: &[],
        };
        write_article(&mut out, article, &refs, &Target::EPUB);
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
            Flavor::Xhtml,
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
}
