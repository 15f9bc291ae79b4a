//! Page furniture: the running head and the page-number footer, laid out after the pages
//! are composed (their number is known then) with the same paragraph engine as the text, and
//! kept apart from the content so the writer can mark them as artifacts.

use super::flow::{Element, Flow};
use crate::layout::{Run, SetGlyph, SetLine, Settings, TextStyle, advance_of, face, set_paragraph};

/// The running head (from the second page, except on pages that open an article) and the
/// page-number footer ("3 / 12") of every page.
pub(super) fn lay_out(flow: &mut Flow<'_>, running_head: &str) {
    let options = flow.options;
    let size = options.font_size * 0.75;
    let total = flow.pages.len();
    let style = TextStyle {
        font: super::LABEL,
        size,
    };
    let width = options.page_width - 2.0 * options.margin;
    let furniture: Vec<Vec<Element>> = (0..total)
        .map(|index| {
            let mut elements = Vec::new();
            // The cover of a briefing carries no page number.
            if index == 0 && flow.plain_pages.first() == Some(&0) && flow.cover {
                return elements;
            }
            let number = format!("{} / {}", index + 1, total);
            let set = set_paragraph(
                &[Run {
                    text: &number,
                    style,
                    link: None,
                }],
                &Settings {
                    width,
                    justify: false,
                    hyphenator: None,
                    rtl: false,
                    fonts: flow.fonts,
                },
            );
            if let Some(line) = set.lines.into_iter().next() {
                elements.push(Element::Line {
                    x: (options.page_width - line.width) / 2.0,
                    baseline: options.page_height - options.margin + size * 0.2,
                    line,
                });
            }
            if index > 0 && !flow.plain_pages.contains(&index) {
                let set = set_paragraph(
                    &[Run {
                        text: running_head,
                        style,
                        link: None,
                    }],
                    &Settings {
                        width: f32::MAX / 4.0,
                        justify: false,
                        hyphenator: None,
                        rtl: false,
                        fonts: flow.fonts,
                    },
                );
                if let Some(mut line) = set.lines.into_iter().next() {
                    truncate_line(&mut line, width);
                    elements.push(Element::Line {
                        x: options.margin,
                        baseline: options.margin + size,
                        line,
                    });
                    elements.push(Element::Rule {
                        x: options.margin,
                        y: options.margin + size * 1.5,
                        width,
                        thickness: 0.4,
                    });
                }
            }
            elements
        })
        .collect();
    for (page, elements) in flow.pages.iter_mut().zip(furniture) {
        page.furniture = elements;
    }
}

/// Cuts a one-line running head to a width, ending it with an ellipsis.
fn truncate_line(line: &mut SetLine, width: f32) {
    if line.width <= width {
        return;
    }
    let Some(run) = line.runs.first_mut() else {
        return;
    };
    let ellipsis = face(run.font).glyph_index('…').map(|g| g.0);
    let ellipsis_width = advance_of(
        TextStyle {
            font: run.font,
            size: run.size,
        },
        '…',
    );
    while run
        .glyphs
        .last()
        .is_some_and(|g| g.x + g.advance + ellipsis_width > width)
    {
        run.glyphs.pop();
    }
    if let Some(gid) = ellipsis {
        let x = run.glyphs.last().map_or(0.0, |g| g.x + g.advance);
        run.glyphs.push(SetGlyph {
            glyph_id: gid,
            x,
            y: 0.0,
            advance: ellipsis_width,
            text: compact_str::CompactString::const_new("…"),
        });
    }
    line.runs.truncate(1);
    line.width = width;
}
