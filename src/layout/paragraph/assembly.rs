//! Line assembly: the chosen breaks become lines of positioned glyphs, justified to the
//! measure, with real space glyphs between words, reordered for display by the bidi
//! algorithm, and with one link area per stretch of a link on each line.

use compact_str::CompactString;
use unicode_bidi::{BidiInfo, Level};

use super::breaking::measure;
use super::{Builder, FontId, GlyphRun, Item, LinkArea, SetGlyph, SetLine};
use crate::layout::glyph_index;

impl Builder<'_> {
    /// Turns breaks into set lines.
    pub(super) fn lines(&self, breaks: &[usize]) -> Vec<SetLine> {
        let settings = self.settings;
        let mut lines = Vec::with_capacity(breaks.len());
        // Pieces in logical order: fragments and the widths of the spaces between; the
        // face and size of the word before each space, for its space glyph; the visual
        // order. Kept from line to line, so a line allocates only its own glyph runs.
        let mut pieces: Vec<(Option<usize>, f32, Level)> = Vec::new();
        let mut space_styles: Vec<Option<(FontId, f32)>> = Vec::new();
        let mut order: Vec<usize> = Vec::new();
        let mut start = 0;
        for (n, &end) in breaks.iter().enumerate() {
            // Skip glue and penalties at the start of a line.
            while start < end && !matches!(self.items[start], Item::Box { .. }) {
                start += 1;
            }
            let last_line = n + 1 == breaks.len();
            let slice = &self.items[start..end];
            let (natural, stretch, shrink) = measure(slice, &self.fragments);
            let hyphen = match self.items.get(end) {
                Some(Item::Penalty {
                    hyphen: Some(h), ..
                }) => Some(*h),
                _ => None,
            };
            let hyphen_width = hyphen.map_or(0.0, |h| self.fragments[h].width);
            let natural = natural + hyphen_width;
            let ratio = if !settings.justify || last_line {
                if natural > settings.width && shrink > 0.0 {
                    ((settings.width - natural) / shrink).max(-1.0)
                } else {
                    0.0
                }
            } else if natural < settings.width {
                if stretch > 0.0 {
                    ((settings.width - natural) / stretch).min(3.0)
                } else {
                    0.0
                }
            } else if shrink > 0.0 {
                ((settings.width - natural) / shrink).max(-1.0)
            } else {
                0.0
            };
            pieces.clear();
            space_styles.clear();
            let trailing = slice
                .iter()
                .rposition(|i| matches!(i, Item::Box { .. }))
                .map_or(0, |p| p + 1);
            for item in &slice[..trailing] {
                match item {
                    Item::Box { fragment } => {
                        pieces.push((
                            Some(*fragment),
                            self.fragments[*fragment].width,
                            self.fragments[*fragment].level,
                        ));
                        space_styles.push(None);
                    }
                    Item::Glue {
                        width,
                        stretch,
                        shrink,
                    } => {
                        let w = if ratio >= 0.0 {
                            width + ratio * stretch
                        } else {
                            width + ratio * shrink
                        };
                        pieces.push((None, w, Level::ltr()));
                        let before = pieces.iter().rev().find_map(|(f, _, _)| *f);
                        space_styles.push(before.map(|f| {
                            let fragment = &self.fragments[f];
                            (fragment.font, fragment.size)
                        }));
                    }
                    Item::Penalty { .. } => {}
                }
            }
            if let Some(h) = hyphen {
                let level = pieces
                    .iter()
                    .rev()
                    .find_map(|(f, _, l)| f.map(|_| *l))
                    .unwrap_or_else(Level::ltr);
                pieces.push((Some(h), self.fragments[h].width, level));
                space_styles.push(None);
            }
            // Spaces take the lower level of their neighbours (rule L1 for the ends).
            let paragraph_level = if settings.rtl {
                Level::rtl()
            } else {
                Level::ltr()
            };
            for i in 0..pieces.len() {
                if pieces[i].0.is_none() {
                    let before = pieces[..i].iter().rev().find_map(|(f, _, l)| f.map(|_| *l));
                    let after = pieces[i + 1..].iter().find_map(|(f, _, l)| f.map(|_| *l));
                    pieces[i].2 = match (before, after) {
                        (Some(a), Some(b)) => a.min(b),
                        _ => paragraph_level,
                    };
                }
            }
            order.clear();
            if pieces.iter().all(|p| p.2.is_ltr()) {
                order.extend(0..pieces.len());
            } else {
                let levels: Vec<Level> = pieces.iter().map(|p| p.2).collect();
                order.extend(BidiInfo::reorder_visual(&levels));
            }
            // Every glyph the line can hold: a new run reserves room for the rest, so the
            // usual line of one face and size fills one allocation.
            let mut glyphs_left: usize = pieces
                .iter()
                .map(|(f, _, _)| f.map_or(1, |f| self.fragments[f].glyphs.len()))
                .sum();
            let mut line = SetLine::default();
            let mut x = 0.0f32;
            // Whether the line's last link area may go on: only spaces since it ended.
            let mut link_open = false;
            for &index in &order {
                let (fragment, width, _) = pieces[index];
                if fragment.is_none() {
                    // A real space glyph, stretched or shrunk by justification, so that
                    // every extractor finds the word boundary in every script.
                    if let Some((font, size)) = space_styles.get(index).copied().flatten()
                        && width > 0.0
                        && let Some(space) = glyph_index(font, ' ')
                    {
                        let glyph = SetGlyph {
                            glyph_id: space,
                            x,
                            y: 0.0,
                            advance: width,
                            text: CompactString::const_new(" "),
                        };
                        match line.runs.last_mut() {
                            Some(run) if run.font == font && run.size == size => {
                                run.glyphs.push(glyph);
                            }
                            _ => {
                                let mut glyphs = Vec::with_capacity(glyphs_left);
                                glyphs.push(glyph);
                                line.runs.push(GlyphRun { font, size, glyphs });
                            }
                        }
                    }
                }
                if let Some(f) = fragment {
                    let fragment = &self.fragments[f];
                    let glyphs = fragment.glyphs.iter().map(|g| SetGlyph {
                        x: x + g.x,
                        ..g.clone()
                    });
                    match line.runs.last_mut() {
                        Some(run) if run.font == fragment.font && run.size == fragment.size => {
                            run.glyphs.extend(glyphs);
                        }
                        _ => {
                            let mut run = Vec::with_capacity(glyphs_left);
                            run.extend(glyphs);
                            line.runs.push(GlyphRun {
                                font: fragment.font,
                                size: fragment.size,
                                glyphs: run,
                            });
                        }
                    }
                    if let Some(link) = fragment.link {
                        // One area per line a link crosses: the words of a link and the
                        // spaces between them are one stretch.
                        let url = &self.links[link];
                        match line.links.last_mut() {
                            Some(area) if link_open && area.url == *url => area.x1 = x + width,
                            _ => line.links.push(LinkArea {
                                x0: x,
                                x1: x + width,
                                url: url.clone(),
                            }),
                        }
                        link_open = true;
                    } else {
                        link_open = false;
                    }
                }
                glyphs_left = glyphs_left
                    .saturating_sub(fragment.map_or(1, |f| self.fragments[f].glyphs.len()));
                x += width;
            }
            line.width = x;
            lines.push(line);
            start = end;
        }
        lines
    }
}
