//! Page layout: set paragraphs flow down columns and across pages, with no stranded lines
//! (single-line widows and orphans are avoided, and a heading keeps the start of its
//! paragraph with it), figures scaled to the column, and the positions of links and outline
//! entries recorded for the writer.
//!
//! Coordinates here run from the top-left corner of the page, in points; the writer turns
//! them into PDF's bottom-left ones.

use super::ahead::Ahead;
use crate::layout::{FontLibrary, SetLine, SetParagraph};
use crate::model::{Image, PdfOptions};

/// Space between columns, in points.
const GUTTER: f32 = 14.0;

/// Something drawn on a page.
#[derive(Debug, Clone)]
pub(super) enum Element {
    /// A line of text with its baseline.
    Line {
        x: f32,
        baseline: f32,
        line: SetLine,
    },
    /// A horizontal rule.
    Rule {
        x: f32,
        y: f32,
        width: f32,
        thickness: f32,
    },
    /// An image, by index into [`Flow::images`].
    Image {
        index: usize,
        x: f32,
        y: f32,
        width: f32,
        height: f32,
    },
}

/// Where a link goes.
#[derive(Debug, Clone)]
pub(super) enum Target {
    /// A web or mail address.
    Uri(String),
    /// A place in this document: a page index and a distance from the page top.
    Internal { page: usize, y: f32 },
}

/// A clickable area: x0, top, x1, bottom, from the page's top-left corner.
#[derive(Debug, Clone)]
pub(super) struct Link {
    pub(super) rect: [f32; 4],
    pub(super) target: Target,
}

/// A node of the document's logical structure, for tagged PDF: what a piece of content is
/// (a heading, a table cell) and what it belongs to. Nodes are made in reading order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct StructId(pub(super) usize);

/// The kinds of structure node, named as in PDF's standard structure types.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum StructKind {
    /// One article of the document, with its language (BCP 47), which a briefing's
    /// articles may not share with the document.
    Article {
        lang: String,
    },
    /// A paragraph, or a short piece of text standing alone (a byline, a caption line).
    Paragraph,
    /// A heading, level 1 (the headline) to 6, with its text.
    Heading {
        level: u8,
        title: String,
    },
    /// An image with its description.
    Figure {
        alt: String,
    },
    /// The caption of a figure or a table.
    Caption,
    /// A list and its parts.
    List {
        ordered: bool,
    },
    ListItem,
    ListLabel,
    ListBody,
    /// A table and its parts.
    Table,
    TableRow,
    TableHeader,
    TableCell,
    /// A fact box or an embed card: a group set apart from the text.
    Aside,
    /// A block quotation.
    BlockQuote,
    /// An editorial note.
    Note,
    /// A table of contents and its entries.
    Contents,
    ContentsItem,
}

/// A structure node: its kind and its parent (`None` for the document's top level).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct StructNode {
    pub(super) kind: StructKind,
    pub(super) parent: Option<StructId>,
}

/// What an element of a page is, for tagged PDF.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mark {
    /// Content of this structure node.
    Node(StructId),
    /// Not content: a rule, a frame, a header row repeated on a later page.
    Artifact,
}

/// One page's content.
#[derive(Debug, Clone, Default)]
pub(super) struct Page {
    /// The article's content, in reading order.
    pub(super) elements: Vec<Element>,
    /// What each element is: one mark per element, in the same order.
    pub(super) marks: Vec<Mark>,
    /// The running head, the page number and their rules: not part of the text.
    pub(super) furniture: Vec<Element>,
    pub(super) links: Vec<Link>,
}

/// An outline (bookmark) entry.
#[derive(Debug, Clone)]
pub(super) struct OutlineEntry {
    pub(super) title: String,
    pub(super) page: usize,
    pub(super) y: f32,
    pub(super) children: Vec<OutlineEntry>,
}

/// What composition hands the writer: laid-out pages and the document-level parts, and
/// nothing of the layout state. This is the whole interface of a PDF writer.
pub(super) struct Composed<'a> {
    /// The page size and margins, for the media box and link destinations.
    pub(super) options: &'a PdfOptions,
    /// The pages, each with its content, its furniture and its links.
    pub(super) pages: Vec<Page>,
    /// The images, referred to by [`Element::Image`].
    pub(super) images: Vec<&'a Image>,
    /// The outline, nested.
    pub(super) outline: Vec<OutlineEntry>,
    /// The logical structure, in reading order; pages' marks point into it.
    pub(super) structure: Vec<StructNode>,
}

/// How a paragraph's lines are aligned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Align {
    Start,
    Center,
    End,
}

/// The layout state: pages so far, and where the next element goes.
pub(super) struct Flow<'a> {
    pub(super) options: &'a PdfOptions,
    /// The fonts the text is set in.
    pub(super) fonts: &'a FontLibrary,
    pub(super) pages: Vec<Page>,
    pub(super) images: Vec<&'a Image>,
    pub(super) outline: Vec<OutlineEntry>,
    pub(super) missing: Vec<char>,
    /// Pages that carry no running head (covers, first pages of articles).
    pub(super) plain_pages: Vec<usize>,
    /// Whether the first page is a briefing's cover, which has no page number either.
    pub(super) cover: bool,
    columns: usize,
    column: usize,
    /// Distance from the page top of the current column's next line.
    y: f32,
    /// Where columns start on the current page (below a full-width header).
    column_top: f32,
    /// Whether the current region spans the full width rather than a column.
    full_width: bool,
    /// A page laid out earlier that is being drawn on again (the contents of a briefing).
    revisit: Option<usize>,
    /// The logical structure made so far, and the nodes open now, innermost last.
    structure: Vec<StructNode>,
    open: Vec<StructId>,
    /// The level of the last heading tagged in the current article (1: the headline), so
    /// body headings never skip a level.
    pub(super) heading_level: u8,
    /// How far text is set in from each side of the measure (inside a fact box).
    inset: f32,
    /// The fact box being drawn, if any: where its current segment started.
    frame: Option<Frame>,
    /// Body paragraphs being set ahead on a spare thread, if any.
    pub(super) ahead: Option<&'a Ahead<'a>>,
}

/// The open segment of a boxed region (a fact box): the part in the current column.
#[derive(Debug, Clone, Copy)]
struct Frame {
    /// The top of the segment.
    top: f32,
    /// Whether this is the box's first segment, which has the top rule.
    first: bool,
    /// The rule's thickness.
    thickness: f32,
}

/// The width of the text area.
fn text_width(options: &PdfOptions) -> f32 {
    options.page_width - 2.0 * options.margin
}

/// The measure of body text: a column's width, outside fact boxes.
pub(super) fn body_measure(options: &PdfOptions) -> f32 {
    let columns = usize::from(options.columns.max(1));
    if columns == 1 {
        text_width(options)
    } else {
        (text_width(options) - GUTTER * (columns - 1) as f32) / columns as f32
    }
}

impl<'a> Flow<'a> {
    /// Ends composition: the pages and document-level parts, for the writer.
    pub(super) fn finish(self) -> Composed<'a> {
        Composed {
            options: self.options,
            pages: self.pages,
            images: self.images,
            outline: self.outline,
            structure: self.structure,
        }
    }

    /// Opens a structure node inside the innermost open one; what is placed until it is
    /// closed belongs to it.
    pub(super) fn open(&mut self, kind: StructKind) -> StructId {
        let id = self.node(kind);
        self.open.push(id);
        id
    }

    /// Makes a structure node inside the innermost open one without opening it, for
    /// content placed with an explicit mark (the cells of a table row).
    pub(super) fn node(&mut self, kind: StructKind) -> StructId {
        let id = StructId(self.structure.len());
        self.structure.push(StructNode {
            kind,
            parent: self.open.last().copied(),
        });
        id
    }

    /// Opens again a node made earlier, for content drawn out of order (a contents page
    /// drawn after the articles it lists).
    pub(super) fn reopen(&mut self, id: StructId) {
        self.open.push(id);
    }

    /// Closes a structure node, and any opened inside it and left open.
    pub(super) fn close(&mut self, id: StructId) {
        if let Some(at) = self.open.iter().rposition(|&open| open == id) {
            self.open.truncate(at);
        }
    }

    /// The mark for content placed now: the innermost open node, or a paragraph of its own.
    fn current_mark(&mut self) -> Mark {
        match self.open.last() {
            Some(&id) => Mark::Node(id),
            None => Mark::Node(self.node(StructKind::Paragraph)),
        }
    }

    /// Adds an element to a page with its mark.
    fn push(&mut self, page: usize, element: Element, mark: Mark) {
        if let Some(target) = self.pages.get_mut(page) {
            target.elements.push(element);
            target.marks.push(mark);
        }
    }

    pub(super) fn new(options: &'a PdfOptions, fonts: &'a FontLibrary) -> Self {
        let mut flow = Flow {
            options,
            fonts,
            pages: Vec::new(),
            images: Vec::new(),
            outline: Vec::new(),
            missing: Vec::new(),
            plain_pages: Vec::new(),
            cover: false,
            columns: usize::from(options.columns.max(1)),
            column: 0,
            y: 0.0,
            column_top: 0.0,
            full_width: false,
            revisit: None,
            inset: 0.0,
            heading_level: 1,
            frame: None,
            structure: Vec::new(),
            open: Vec::new(),
            ahead: None,
        };
        flow.new_page();
        flow
    }

    /// The top of the text frame: the margin plus room for the running head.
    fn frame_top(&self) -> f32 {
        self.options.margin + self.options.font_size * 1.6
    }

    /// The bottom of the text frame: above the page-number footer.
    fn frame_bottom(&self) -> f32 {
        self.options.page_height - self.options.margin - self.options.font_size * 1.6
    }

    /// The height of the text frame.
    pub(super) fn frame_height(&self) -> f32 {
        self.frame_bottom() - self.frame_top()
    }

    /// The width of the text area.
    pub(super) fn text_width(&self) -> f32 {
        text_width(self.options)
    }

    /// The width lines are set to at the current position.
    pub(super) fn measure(&self) -> f32 {
        self.column_width() - 2.0 * self.inset
    }

    /// The width of the current column (or of the full text area), insets aside.
    fn column_width(&self) -> f32 {
        if self.full_width {
            self.text_width()
        } else {
            body_measure(self.options)
        }
    }

    /// The left edge of the current column, insets aside.
    fn column_x(&self) -> f32 {
        if self.full_width {
            self.options.margin
        } else {
            self.options.margin + self.column as f32 * (self.column_width() + GUTTER)
        }
    }

    fn x(&self) -> f32 {
        self.column_x() + self.inset
    }

    /// Whether the flow runs in more than one column here.
    pub(super) fn in_columns(&self) -> bool {
        !self.full_width && self.columns > 1
    }

    /// The room left in the current column.
    pub(super) fn room_left(&self) -> f32 {
        self.room()
    }

    /// Whether nothing has been placed in the current column yet.
    pub(super) fn at_top(&self) -> bool {
        self.at_column_top()
    }

    /// Moves on to the next column or page.
    pub(super) fn break_column(&mut self) {
        self.next_column();
    }

    /// Moves on to a new page, whatever column this is.
    pub(super) fn break_column_to_page(&mut self) {
        self.draw_frame(false);
        self.new_page();
        self.reopen_frame();
    }

    /// How far down the current column (or full-width region) the position is.
    pub(super) fn column_used(&self) -> f32 {
        self.y
            - if self.full_width {
                self.frame_top()
            } else {
                self.column_top
            }
    }

    /// Records characters no face could draw, for the document's warning.
    pub(super) fn note_missing(&mut self, chars: &[char]) {
        self.missing(chars);
    }

    /// Moves the position down.
    pub(super) fn advance(&mut self, height: f32) {
        self.y += height;
    }

    /// Places a line with its left edge at `x` and its baseline at `baseline` on the
    /// current page, with its links, as content of the innermost open structure node; the
    /// position does not move.
    pub(super) fn place(&mut self, x: f32, baseline: f32, line: SetLine) {
        let mark = self.current_mark();
        self.place_marked(x, baseline, line, mark);
    }

    /// As [`Flow::place`], with an explicit mark.
    pub(super) fn place_marked(&mut self, x: f32, baseline: f32, line: SetLine, mark: Mark) {
        let page = self.page();
        let size = line.runs.first().map_or(10.0, |r| r.size);
        for link in &line.links {
            self.pages[page].links.push(Link {
                rect: [
                    x + link.x0,
                    baseline - size * 0.95,
                    x + link.x1,
                    baseline + size * 0.3,
                ],
                target: Target::Uri(link.url.clone()),
            });
        }
        self.push(page, Element::Line { x, baseline, line }, mark);
    }

    /// A filled rectangle on the current page: a rule, or a vertical bar. Never content.
    pub(super) fn bar(&mut self, x: f32, y: f32, width: f32, height: f32) {
        let page = self.page();
        self.push(
            page,
            Element::Rule {
                x,
                y,
                width,
                thickness: height,
            },
            Mark::Artifact,
        );
    }

    /// Starts a boxed region: a frame of `thickness` around what follows, set in by
    /// `inset`, drawn a column at a time and continued across column and page breaks.
    pub(super) fn open_box(&mut self, inset: f32, thickness: f32) {
        self.close_box();
        self.inset = inset;
        self.frame = Some(Frame {
            top: self.y,
            first: true,
            thickness,
        });
        self.y += inset * 0.6;
    }

    /// Ends the boxed region, closing its frame below what it holds.
    pub(super) fn close_box(&mut self) {
        if self.frame.is_some() {
            self.y += self.inset * 0.6;
            self.draw_frame(true);
            self.frame = None;
            self.inset = 0.0;
        }
    }

    /// Draws the open frame's segment in the current column, from its top to the current
    /// position; `last` draws the bottom rule too.
    fn draw_frame(&mut self, last: bool) {
        let Some(frame) = self.frame else {
            return;
        };
        let (x, width, t) = (self.column_x(), self.column_width(), frame.thickness);
        let bottom = if last { self.y } else { self.frame_bottom() };
        let height = bottom - frame.top;
        if height <= 0.0 {
            return;
        }
        if frame.first {
            self.bar(x, frame.top, width, t * 3.0);
        }
        if last {
            self.bar(x, bottom - t, width, t);
        }
        self.bar(x, frame.top, t, height);
        self.bar(x + width - t, frame.top, t, height);
    }

    /// The index of the current page.
    pub(super) fn page(&self) -> usize {
        self.revisit.unwrap_or(self.pages.len() - 1)
    }

    /// Goes back to a page made earlier, to draw on it from the top of its frame.
    pub(super) fn goto(&mut self, page: usize) {
        self.revisit = Some(page.min(self.pages.len() - 1));
        self.column = 0;
        self.full_width = true;
        self.y = self.frame_top();
        self.column_top = self.y;
    }

    /// The current position's distance from the page top.
    pub(super) fn y(&self) -> f32 {
        self.y
    }

    fn at_column_top(&self) -> bool {
        if self.revisit.is_some() {
            return false;
        }
        (self.y
            - if self.full_width {
                self.frame_top()
            } else {
                self.column_top
            })
        .abs()
            < 0.01
    }

    /// Starts a new page (or, when revisiting, moves to the page after).
    pub(super) fn new_page(&mut self) {
        match self.revisit {
            Some(page) if page + 1 < self.pages.len() => self.revisit = Some(page + 1),
            _ => {
                self.revisit = None;
                self.pages.push(Page::default());
            }
        }
        self.column = 0;
        self.y = self.frame_top();
        self.column_top = self.y;
    }

    /// Moves to the next column, or the next page after the last column. An open fact
    /// box is drawn down to the foot of the column and goes on at the top of the next.
    fn next_column(&mut self) {
        self.draw_frame(false);
        if !self.full_width && self.column + 1 < self.columns {
            self.column += 1;
            self.y = self.column_top;
        } else {
            self.new_page();
        }
        self.reopen_frame();
    }

    /// Continues an open fact box at the top of a new column.
    fn reopen_frame(&mut self) {
        if let Some(frame) = &mut self.frame {
            frame.top = self.y;
            frame.first = false;
            self.y += self.inset * 0.3;
        }
    }

    /// Sets what follows across the full width (a headline block) or back in columns.
    pub(super) fn set_full_width(&mut self, full: bool) {
        if self.full_width && !full {
            // Columns start below the full-width block.
            self.column = 0;
            self.column_top = self.y;
        }
        self.full_width = full;
    }

    fn room(&self) -> f32 {
        self.frame_bottom() - self.y
    }

    /// Vertical space, dropped at the top of a column.
    pub(super) fn space(&mut self, height: f32) {
        if !self.at_column_top() {
            self.y += height;
        }
    }

    /// Makes sure `height` fits in the current column, moving on if it does not.
    pub(super) fn need(&mut self, height: f32) {
        if height > self.room() && !self.at_column_top() {
            self.next_column();
        }
    }

    fn missing(&mut self, chars: &[char]) {
        for &c in chars {
            crate::layout::note_missing(&mut self.missing, c);
        }
    }

    /// Places a set paragraph, splitting it across columns without leaving a single line
    /// behind or alone. `keep_with_next` is the height that must follow the paragraph in the
    /// same column (for headings).
    pub(super) fn paragraph(
        &mut self,
        set: SetParagraph,
        leading: f32,
        indent: f32,
        align: Align,
        keep_with_next: f32,
    ) -> Option<(usize, f32, f32)> {
        self.missing(&set.missing);
        // Text placed straight into a container (an article, a fact box, a quote) is a
        // paragraph of its own; inside a heading, a caption or a cell it is that node's.
        let paragraph = match self.open.last().map(|id| &self.structure[id.0].kind) {
            None
            | Some(
                StructKind::Article { .. }
                | StructKind::Aside
                | StructKind::BlockQuote
                | StructKind::Note
                | StructKind::Contents
                | StructKind::List { .. }
                | StructKind::ListItem
                | StructKind::Table
                | StructKind::TableRow,
            ) => Some(self.open(StructKind::Paragraph)),
            Some(_) => None,
        };
        let placed = self.set_lines(set, leading, indent, align, keep_with_next);
        if let Some(id) = paragraph {
            self.close(id);
        }
        placed
    }

    fn set_lines(
        &mut self,
        set: SetParagraph,
        leading: f32,
        indent: f32,
        align: Align,
        keep_with_next: f32,
    ) -> Option<(usize, f32, f32)> {
        let align = match align {
            Align::Start if set.rtl => Align::End,
            other => other,
        };
        let mut first = None;
        let count = set.lines.len();
        let mut lines = set.lines.into_iter();
        if keep_with_next > 0.0 {
            self.need(count as f32 * leading + keep_with_next);
        }
        let mut i = 0;
        while i < count {
            let remaining = count - i;
            let fit = (self.room() / leading + 0.001).floor().max(0.0) as usize;
            let mut take = fit.min(remaining);
            if take < remaining {
                if take == 1 && i == 0 && remaining > 1 {
                    // An orphan: the first line alone at the foot of a column.
                    take = 0;
                } else if remaining - take == 1 && take >= 2 {
                    // A widow: the last line alone at the head of the next column.
                    take -= 1;
                }
            }
            if take == 0 {
                if self.at_column_top() {
                    // Not even one line fits an empty column: place it anyway.
                    take = 1;
                } else {
                    self.next_column();
                    continue;
                }
            }
            for line in lines.by_ref().take(take) {
                let placed = self.line(line, leading, indent, align);
                first.get_or_insert(placed);
            }
            i += take;
            if i < count {
                self.next_column();
            }
        }
        first
    }

    /// Draws a line at a given place without moving the flow (list markers).
    pub(super) fn put(&mut self, page: usize, x: f32, baseline: f32, line: SetLine) {
        let mark = self.current_mark();
        self.put_marked(page, x, baseline, line, mark);
    }

    /// As [`Flow::put`], with an explicit mark.
    pub(super) fn put_marked(
        &mut self,
        page: usize,
        x: f32,
        baseline: f32,
        line: SetLine,
        mark: Mark,
    ) {
        self.push(page, Element::Line { x, baseline, line }, mark);
    }

    /// Draws a line flush with the end of the measure on the line just placed (the page
    /// numbers of a contents list).
    pub(super) fn place_at_end(&mut self, line: SetLine, leading: f32) {
        let x = self.x() + self.measure() - line.width;
        let baseline = self.y - leading + leading * 0.78;
        let page = self.page();
        self.put(page, x, baseline, line);
    }

    /// Places one line at the current position; returns its page, left edge and baseline.
    fn line(
        &mut self,
        line: SetLine,
        leading: f32,
        indent: f32,
        align: Align,
    ) -> (usize, f32, f32) {
        let measure = self.measure() - indent;
        let shift = match align {
            Align::Start => 0.0,
            Align::Center => ((measure - line.width) / 2.0).max(0.0),
            Align::End => (measure - line.width).max(0.0),
        };
        let x = self.x() + indent + shift;
        let baseline = self.y + leading * 0.78;
        let page = self.page();
        self.place(x, baseline, line);
        self.y += leading;
        (page, x - shift, baseline)
    }

    /// A horizontal rule across `width` of the measure (1.0 for all of it), centred.
    pub(super) fn rule(&mut self, width: f32, thickness: f32, gap: f32) {
        self.need(gap * 2.0 + thickness);
        self.space(gap);
        let measure = self.measure();
        let w = measure * width;
        let x = self.x() + (measure - w) / 2.0;
        let page = self.page();
        let y = self.y;
        self.push(
            page,
            Element::Rule {
                x,
                y,
                width: w,
                thickness,
            },
            Mark::Artifact,
        );
        self.y += thickness + gap;
    }

    /// An image scaled to the measure, at most `max_height` tall, never enlarged past
    /// twice its pixel size.
    pub(super) fn image(&mut self, image: &'a Image, max_height: f32) {
        let measure = self.measure();
        let (w, h) = (image.width as f32, image.height as f32);
        let mut width = measure.min(w * 2.0);
        let mut height = width * h / w;
        let column_height = self.frame_bottom() - self.column_top;
        let limit = max_height.min(column_height);
        if height > limit {
            height = limit;
            width = height * w / h;
        }
        self.need(height);
        let x = self.x() + (measure - width) / 2.0;
        let page = self.page();
        self.images.push(image);
        let index = self.images.len() - 1;
        let (y, mark) = (self.y, self.current_mark());
        self.push(
            page,
            Element::Image {
                index,
                x,
                y,
                width,
                height,
            },
            mark,
        );
        self.y += height;
    }

    /// Adds an internal link over a rectangle on the current page.
    pub(super) fn link_here(&mut self, rect: [f32; 4], page: usize, y: f32) {
        let current = self.page();
        self.pages[current].links.push(Link {
            rect,
            target: Target::Internal { page, y },
        });
    }

    /// The left edge of the current column.
    pub(super) fn left(&self) -> f32 {
        self.x()
    }
}
