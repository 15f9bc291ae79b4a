//! Tables: columns sized from their content in the way of CSS automatic table layout, cells
//! set with the paragraph engine, header rows repeated on every page or column the table
//! crosses, and rules in the newspaper manner: a heavy rule above, a light one under the
//! header, hairlines between rows and a heavy rule below. The caption sits above, the
//! credit below.
//!
//! A table too wide for its column in a two-column page starts a new page and runs across
//! the full width; one too wide even for that is set smaller, and what still does not fit
//! wraps inside its cells (an overlong word or URL breaks between characters), so nothing
//! is ever clipped or runs off the page.

use super::flow::{Align, Flow, Mark, StructKind};
use super::{LABEL_BOLD, LABEL_ITALIC, Scale, plain, spans_to_runs};
use crate::layout::{FontId, Run, SetParagraph, Settings, set_paragraph};
use crate::model::{Alignment, Language, Table, TableCell, TableRow};
use crate::typography::break_opportunities;

/// Space between columns, as a multiple of the cell text size.
const GAP: f32 = 1.1;
/// The smallest size cells are set at, as a share of the table's own size.
const SMALLEST: f32 = 0.8;

/// A row laid out: each cell's set text, its left edge and width within the table, and
/// the row's height.
struct SetRow {
    cells: Vec<(SetParagraph, f32, f32, Alignment)>,
    height: f32,
}

/// Sets a table into the flow.
pub(super) fn set_table(flow: &mut Flow<'_>, table: &Table, lang: &Language, scale: Scale) {
    let body = scale.body;
    let mut size = body * 0.85;
    flow.space(body * 0.9);
    let table_node = flow.open(StructKind::Table);
    if !table.caption.is_empty() {
        let caption_node = flow.open(StructKind::Caption);
        let set = set_text(
            flow,
            &plain(&table.caption, LABEL_BOLD, body * 0.9),
            lang,
            flow.measure(),
        );
        flow.paragraph(
            set,
            scale.leading(body * 0.9),
            0.0,
            super::start(lang),
            scale.leading(size) * 3.0,
        );
        flow.close(caption_node);
    }

    // Column widths at the size that fits, in the column or across the page.
    let mut widths = column_widths(flow, table, lang, size, flow.measure());
    if widths.is_none() && flow.in_columns() {
        // Too wide for a column: across the full width, from a page of its own.
        if !flow.at_top() {
            flow.break_column_to_page();
        }
        flow.set_full_width(true);
        widths = column_widths(flow, table, lang, size, flow.measure());
    }
    if widths.is_none() {
        size *= SMALLEST;
        widths = column_widths(flow, table, lang, size, flow.measure());
    }
    let widths = widths.unwrap_or_else(|| squeezed_widths(flow, table, lang, size, flow.measure()));

    let leading = scale.leading(size);
    let pad = size * 0.35;
    let header: Vec<SetRow> = table
        .header_rows
        .iter()
        .map(|row| set_row(flow, row, table, &widths, lang, size, true, leading, pad))
        .collect();
    let header_height: f32 = header.iter().map(|r| r.height).sum();
    let width = flow.measure();

    flow.bar(flow.left(), flow.y(), width, 1.0);
    flow.advance(1.0);
    draw_header(flow, &header, width, lang, leading, pad, true);
    for (index, row) in table.rows.iter().enumerate() {
        let set = set_row(flow, row, table, &widths, lang, size, false, leading, pad);
        let last = index + 1 == table.rows.len();
        let needed = set.height + if last { 1.0 } else { 0.0 };
        if needed > flow.room_left() && !at_table_top(flow, header_height) {
            // A row is never split unless it is taller than a page: it goes on the next
            // page or column, under the header again.
            flow.break_column();
            flow.bar(flow.left(), flow.y(), width, 1.0);
            flow.advance(1.0);
            draw_header(flow, &header, width, lang, leading, pad, false);
        }
        let marks = row_marks(flow, &set, StructKind::TableCell);
        draw_row(flow, &set, &marks, width, lang, leading, pad, &header);
        if !last {
            flow.bar(flow.left(), flow.y(), width, 0.25);
        }
    }
    flow.bar(flow.left(), flow.y(), width, 1.0);
    flow.advance(1.0);
    // The credit follows the table in the structure too: a table holds only rows and its
    // caption.
    flow.close(table_node);
    if !table.credit.is_empty() {
        flow.advance(size * 0.3);
        let set = set_text(
            flow,
            &plain(&table.credit, LABEL_ITALIC, body * 0.75),
            lang,
            flow.measure(),
        );
        flow.paragraph(
            set,
            scale.leading(body * 0.75),
            0.0,
            super::start(lang),
            0.0,
        );
    }
    flow.set_full_width(false);
    flow.space(body * 0.6);
}

/// A row's structure node and one for each of its cells; the marks of the cells.
fn row_marks(flow: &mut Flow<'_>, row: &SetRow, cell: StructKind) -> Vec<Mark> {
    let node = flow.open(StructKind::TableRow);
    let marks = row
        .cells
        .iter()
        .map(|_| Mark::Node(flow.node(cell.clone())))
        .collect();
    flow.close(node);
    marks
}

/// Whether the position is just under a header drawn at the top of a column.
fn at_table_top(flow: &Flow<'_>, header_height: f32) -> bool {
    flow.at_top() || flow.column_used() <= header_height + 1.5
}

/// Sets text ragged, unhyphenated, at `width`.
fn set_text(flow: &Flow<'_>, runs: &[Run<'_>], lang: &Language, width: f32) -> SetParagraph {
    set_paragraph(
        runs,
        &Settings {
            width: width.max(1.0),
            justify: false,
            hyphenator: None,
            rtl: lang.is_rtl(),
            fonts: flow.fonts,
        },
    )
}

fn cell_runs(cell: &TableCell, header: bool, size: f32) -> Vec<Run<'_>> {
    spans_to_runs(
        &cell.spans,
        if header {
            LABEL_BOLD
        } else {
            FontId::SerifRegular
        },
        size,
    )
}

/// The narrowest a cell can be (its widest unbreakable piece) and the width it takes on
/// one line.
fn cell_extent(
    flow: &Flow<'_>,
    cell: &TableCell,
    header: bool,
    size: f32,
    lang: &Language,
) -> (f32, f32) {
    let runs = cell_runs(cell, header, size);
    let whole = set_text(flow, &runs, lang, f32::MAX / 4.0);
    let max = whole.lines.iter().map(|l| l.width).fold(0.0, f32::max);
    let mut min: f32 = 0.0;
    for run in &runs {
        let mut start = 0;
        for end in break_opportunities(run.text) {
            let piece = run.text[start..end].trim_end();
            start = end;
            if piece.is_empty() {
                continue;
            }
            let set = set_text(
                flow,
                &[Run {
                    text: piece,
                    ..*run
                }],
                lang,
                f32::MAX / 4.0,
            );
            min = min.max(set.lines.iter().map(|l| l.width).fold(0.0, f32::max));
        }
    }
    (min.min(max), max)
}

/// Each column's minimum and maximum content widths, from the cells that span it alone;
/// a spanning cell widens its columns evenly when they are too narrow for it.
fn extents(flow: &Flow<'_>, table: &Table, lang: &Language, size: f32) -> (Vec<f32>, Vec<f32>) {
    let columns = table.columns;
    let mut min = vec![0.0f32; columns];
    let mut max = vec![0.0f32; columns];
    let rows = || {
        table
            .header_rows
            .iter()
            .map(|r| (r, true))
            .chain(table.rows.iter().map(|r| (r, false)))
    };
    let mut spanning = Vec::new();
    for (row, header) in rows() {
        let mut column = 0;
        for cell in &row.cells {
            let (lo, hi) = cell_extent(flow, cell, header, size, lang);
            if cell.col_span == 1 {
                if let Some(c) = min.get_mut(column) {
                    *c = c.max(lo);
                }
                if let Some(c) = max.get_mut(column) {
                    *c = c.max(hi);
                }
            } else {
                spanning.push((column, cell.col_span, lo, hi));
            }
            column += cell.col_span;
        }
    }
    let gap = size * GAP;
    for (start, span, lo, hi) in spanning {
        let end = (start + span).min(columns);
        if end <= start {
            continue;
        }
        let inner = gap * (end - start - 1) as f32;
        for (values, need) in [(&mut min, lo), (&mut max, hi)] {
            let have: f32 = values[start..end].iter().sum::<f32>() + inner;
            if need > have {
                let extra = (need - have) / (end - start) as f32;
                for v in &mut values[start..end] {
                    *v += extra;
                }
            }
        }
    }
    (min, max)
}

/// Column widths that fit `available` without breaking inside a word, or `None`.
fn column_widths(
    flow: &Flow<'_>,
    table: &Table,
    lang: &Language,
    size: f32,
    available: f32,
) -> Option<Vec<f32>> {
    let (min, max) = extents(flow, table, lang, size);
    let gaps = size * GAP * (table.columns.saturating_sub(1)) as f32;
    let room = available - gaps;
    let min_total: f32 = min.iter().sum();
    let max_total: f32 = max.iter().sum();
    if min_total > room {
        return None;
    }
    if max_total <= room {
        // Everything fits on one line: spread the spare room in proportion to content, so
        // the table runs the full measure as a printed table does.
        let spare = room - max_total;
        return Some(if max_total > 0.0 {
            max.iter().map(|m| m + spare * m / max_total).collect()
        } else {
            vec![room / table.columns as f32; table.columns]
        });
    }
    // Between the two: each column gets its minimum and a share of the rest in proportion
    // to how much more it would like (CSS 2.1 automatic layout).
    let spare = room - min_total;
    let wants: f32 = max.iter().zip(&min).map(|(a, b)| a - b).sum();
    Some(
        min.iter()
            .zip(&max)
            .map(|(lo, hi)| {
                lo + if wants > 0.0 {
                    spare * (hi - lo) / wants
                } else {
                    0.0
                }
            })
            .collect(),
    )
}

/// Widths for a table whose words alone are wider than the page: in proportion to each
/// column's minimum, so long words break inside their cells.
fn squeezed_widths(
    flow: &Flow<'_>,
    table: &Table,
    lang: &Language,
    size: f32,
    available: f32,
) -> Vec<f32> {
    let (min, _) = extents(flow, table, lang, size);
    let gaps = size * GAP * (table.columns.saturating_sub(1)) as f32;
    let room = (available - gaps).max(table.columns as f32);
    let total: f32 = min.iter().sum();
    min.iter()
        .map(|m| {
            if total > 0.0 {
                room * m / total
            } else {
                room / table.columns as f32
            }
        })
        .collect()
}

/// Sets every cell of a row at its width.
#[allow(clippy::too_many_arguments)]
fn set_row(
    flow: &Flow<'_>,
    row: &TableRow,
    table: &Table,
    widths: &[f32],
    lang: &Language,
    size: f32,
    header: bool,
    leading: f32,
    pad: f32,
) -> SetRow {
    let gap = size * GAP;
    let mut cells = Vec::with_capacity(row.cells.len());
    let mut column = 0;
    let mut x = 0.0;
    for cell in &row.cells {
        let end = (column + cell.col_span).min(widths.len());
        let width: f32 = widths[column.min(end)..end].iter().sum::<f32>()
            + gap * (end.saturating_sub(column + 1)) as f32;
        let alignment = table.alignments.get(column).copied().unwrap_or_default();
        let set = set_text(flow, &cell_runs(cell, header, size), lang, width);
        cells.push((set, x, width, alignment));
        x += width + gap;
        column = end;
    }
    let lines = cells
        .iter()
        .map(|(set, ..)| set.lines.len())
        .max()
        .unwrap_or(0)
        .max(1);
    SetRow {
        cells,
        height: lines as f32 * leading + 2.0 * pad,
    }
}

/// Draws the header rows: the first time as the table's header cells, on later pages as
/// artifacts, since they repeat what was read.
fn draw_header(
    flow: &mut Flow<'_>,
    header: &[SetRow],
    width: f32,
    lang: &Language,
    leading: f32,
    pad: f32,
    first: bool,
) {
    for row in header {
        let marks = if first {
            row_marks(flow, row, StructKind::TableHeader)
        } else {
            vec![Mark::Artifact; row.cells.len()]
        };
        draw_row(flow, row, &marks, width, lang, leading, pad, &[]);
    }
    if !header.is_empty() {
        flow.bar(flow.left(), flow.y(), width, 0.5);
        flow.advance(0.5);
    }
}

/// Draws a row at the current position. In a right-to-left table the first column is on
/// the right. A row taller than a whole page goes on, line by line, on the next page or
/// column, under `header` again.
#[allow(clippy::too_many_arguments)]
fn draw_row(
    flow: &mut Flow<'_>,
    row: &SetRow,
    marks: &[Mark],
    width: f32,
    lang: &Language,
    leading: f32,
    pad: f32,
    header: &[SetRow],
) {
    let left = flow.left();
    let lines = row
        .cells
        .iter()
        .map(|(set, ..)| set.lines.len())
        .max()
        .unwrap_or(0);
    let mut top = flow.y() + pad;
    let mut first_line = 0;
    for i in 0..lines {
        let bottom = flow.y() + flow.room_left();
        if i > first_line && top + (i - first_line + 1) as f32 * leading > bottom {
            flow.break_column();
            flow.bar(flow.left(), flow.y(), width, 1.0);
            flow.advance(1.0);
            draw_header(flow, header, width, lang, leading, pad, false);
            top = flow.y() + pad;
            first_line = i;
        }
        let baseline = top + (i - first_line) as f32 * leading + leading * 0.78;
        for (cell, (set, x, cell_width, alignment)) in row.cells.iter().enumerate() {
            let Some(line) = set.lines.get(i) else {
                continue;
            };
            let align = match (alignment, lang.is_rtl() || set.rtl) {
                (Alignment::Center, _) => Align::Center,
                (Alignment::End, false) | (Alignment::Start, true) => Align::End,
                _ => Align::Start,
            };
            let cell_left = if lang.is_rtl() {
                left + width - x - cell_width
            } else {
                left + x
            };
            let shift = match align {
                Align::Start => 0.0,
                Align::Center => ((cell_width - line.width) / 2.0).max(0.0),
                Align::End => (cell_width - line.width).max(0.0),
            };
            let mark = marks.get(cell).copied().unwrap_or(Mark::Artifact);
            // Rows are borrowed: a header row is drawn again on every page it heads.
            flow.place_marked(cell_left + shift, baseline, line.clone(), mark);
        }
    }
    for (set, ..) in &row.cells {
        flow.note_missing(&set.missing);
    }
    let end = top + (lines.max(1) - first_line.min(lines)) as f32 * leading + pad;
    let y = flow.y();
    flow.advance(end - y);
}
