//! Line breaking: total fit in the manner of Knuth and Plass over boxes, glue and
//! penalties, with first fit as the fallback when no set of breaks stays within tolerance.

use super::{Fragment, INFINITY, Item, Settings};

/// Natural width, stretch and shrink of a slice of items (penalties count nothing).
pub(super) fn measure(items: &[Item], fragments: &[Fragment]) -> (f32, f32, f32) {
    let mut width = 0.0;
    let mut stretch = 0.0;
    let mut shrink = 0.0;
    // Glue after the last box is dropped at a line break.
    let end = items
        .iter()
        .rposition(|i| matches!(i, Item::Box { .. }))
        .map_or(0, |p| p + 1);
    for item in &items[..end] {
        match item {
            Item::Box { fragment } => width += fragments[*fragment].width,
            Item::Glue {
                width: w,
                stretch: st,
                shrink: sh,
            } => {
                width += w;
                stretch += st;
                shrink += sh;
            }
            Item::Penalty { .. } => {}
        }
    }
    (width, stretch, shrink)
}

/// Whether item `i` is a legal break, and its penalty cost, width and flag.
fn break_at(items: &[Item], i: usize) -> Option<(f32, f32, bool)> {
    match &items[i] {
        Item::Penalty {
            cost,
            width,
            flagged,
            ..
        } if *cost < INFINITY => Some((*cost, *width, *flagged)),
        Item::Glue { .. } if i > 0 && matches!(items[i - 1], Item::Box { .. }) => {
            Some((0.0, 0.0, false))
        }
        _ => None,
    }
}

#[derive(Clone, Copy)]
struct Node {
    position: usize,
    line: usize,
    fitness: u8,
    demerits: f32,
    previous: Option<usize>,
    flagged: bool,
}

/// Total-fit line breaking. Returns the item indices where lines end (the last is the
/// paragraph's end), or `None` if no set of breaks keeps every line within tolerance.
pub(super) fn knuth_plass(
    items: &[Item],
    fragments: &[Fragment],
    settings: &Settings<'_>,
) -> Option<Vec<usize>> {
    if !settings.justify {
        return None;
    }
    // The builder ends every paragraph with infinitely stretchable glue and a forced break.
    if items.is_empty() {
        return Some(Vec::new());
    }
    // Prefix sums of width, stretch and shrink.
    let mut sums = Vec::with_capacity(items.len() + 1);
    let mut acc = (0.0f32, 0.0f32, 0.0f32);
    sums.push(acc);
    for item in items {
        match item {
            Item::Box { fragment } => acc.0 += fragments[*fragment].width,
            Item::Glue {
                width,
                stretch,
                shrink,
            } => {
                acc.0 += width;
                acc.1 += stretch;
                acc.2 += shrink;
            }
            Item::Penalty { .. } => {}
        }
        sums.push(acc);
    }
    for tolerance in [2.0f32, 6.0] {
        if let Some(breaks) = total_fit(items, &sums, settings.width, tolerance) {
            return Some(breaks);
        }
    }
    None
}

fn total_fit(
    items: &[Item],
    sums: &[(f32, f32, f32)],
    width: f32,
    tolerance: f32,
) -> Option<Vec<usize>> {
    let mut nodes = vec![Node {
        position: 0,
        line: 0,
        fitness: 1,
        demerits: 0.0,
        previous: None,
        flagged: false,
    }];
    let mut active: Vec<usize> = vec![0];
    // The sums after the break at a node: skip glue and penalties that follow it.
    let after = |position: usize| -> (f32, f32, f32) {
        let mut i = position;
        if position > 0 {
            i += 1;
        }
        while i < items.len() && !matches!(items[i], Item::Box { .. }) {
            if matches!(&items[i], Item::Penalty { cost, .. } if *cost <= -INFINITY) {
                break;
            }
            i += 1;
        }
        sums[i.min(sums.len() - 1)]
    };
    for (b, sum) in sums.iter().enumerate().take(items.len()) {
        let Some((cost, penalty_width, flagged)) = break_at(items, b) else {
            continue;
        };
        let mut best: [Option<(f32, usize)>; 4] = [None; 4];
        let mut keep = Vec::with_capacity(active.len());
        for &a in &active {
            let node = nodes[a];
            let start = after(node.position);
            let natural = sum.0 - start.0 + penalty_width;
            let stretch = sum.1 - start.1;
            let shrink = sum.2 - start.2;
            let ratio = if natural < width {
                if stretch > 0.0 {
                    (width - natural) / stretch
                } else {
                    INFINITY
                }
            } else if natural > width {
                if shrink > 0.0 {
                    (width - natural) / shrink
                } else {
                    -INFINITY
                }
            } else {
                0.0
            };
            let forced = cost <= -INFINITY;
            if ratio < -1.0 || forced {
                // The node can no longer start a line that reaches here.
            } else {
                keep.push(a);
            }
            if (-1.0..=tolerance).contains(&ratio) {
                let badness = 100.0 * ratio.abs().powi(3);
                let mut demerits = if cost >= 0.0 {
                    (10.0 + badness).powi(2) + cost * cost
                } else if cost > -INFINITY {
                    (10.0 + badness).powi(2) - cost * cost
                } else {
                    (10.0 + badness).powi(2)
                };
                if flagged && node.flagged {
                    demerits += 3000.0;
                }
                let fitness: u8 = if ratio < -0.5 {
                    0
                } else if ratio <= 0.5 {
                    1
                } else if ratio <= 1.0 {
                    2
                } else {
                    3
                };
                if node.fitness.abs_diff(fitness) > 1 {
                    demerits += 3000.0;
                }
                let total = node.demerits + demerits;
                let slot = &mut best[fitness as usize];
                if slot.is_none_or(|(d, _)| total < d) {
                    *slot = Some((total, a));
                }
            }
        }
        active = keep;
        for (fitness, candidate) in best.iter().enumerate() {
            if let Some((demerits, from)) = candidate {
                nodes.push(Node {
                    position: b,
                    line: nodes[*from].line + 1,
                    fitness: fitness as u8,
                    demerits: *demerits,
                    previous: Some(*from),
                    flagged,
                });
                active.push(nodes.len() - 1);
            }
        }
        if active.is_empty() {
            return None;
        }
    }
    let end = items.len() - 1;
    let best = active
        .iter()
        .filter(|&&a| nodes[a].position == end)
        .min_by(|&&a, &&b| nodes[a].demerits.total_cmp(&nodes[b].demerits))?;
    let mut breaks = Vec::new();
    let mut at = Some(*best);
    while let Some(n) = at {
        if nodes[n].previous.is_some() {
            breaks.push(nodes[n].position);
        }
        at = nodes[n].previous;
    }
    breaks.reverse();
    Some(breaks)
}

/// First-fit breaking, for ragged text and for paragraphs no total-fit solution exists for.
pub(super) fn greedy(items: &[Item], fragments: &[Fragment], width: f32) -> Vec<usize> {
    let mut breaks = Vec::new();
    let mut line_start = 0;
    let mut last_fit: Option<usize> = None;
    let mut i = 0;
    while i < items.len() {
        if let Some((cost, penalty_width, _)) = break_at(items, i) {
            let (natural, _, shrink) = measure(&items[line_start..i], fragments);
            let fits = natural + penalty_width - shrink * 0.0 <= width + 0.01;
            if cost <= -INFINITY {
                breaks.push(i);
                line_start = i + 1;
                last_fit = None;
            } else if fits {
                last_fit = Some(i);
            } else if let Some(fit) = last_fit {
                breaks.push(fit);
                line_start = fit + 1;
                last_fit = None;
                i = fit + 1;
                continue;
            } else {
                // Nothing fits: break here, overfull.
                let _ = shrink;
                breaks.push(i);
                line_start = i + 1;
            }
        }
        i += 1;
    }
    if breaks.last() != Some(&items.len()) && line_start < items.len() {
        breaks.push(items.len());
    }
    breaks
}
