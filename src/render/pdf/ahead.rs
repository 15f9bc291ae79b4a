//! Body paragraphs set ahead of the flow on a spare thread.
//!
//! Setting paragraphs (shaping, hyphenation, total-fit line breaking) is about a third of a
//! PDF's time, and a body paragraph's lines depend only on its text and the column's measure,
//! not on where the flow puts them. So when the caller has an idle thread to lend
//! ([`RenderContext::spare_threads`](crate::render::RenderContext::spare_threads)), a helper
//! sets the document's body paragraphs from the last one back while the flow works from the
//! first one on. Each paragraph is set once, by whichever side reaches it first (a `OnceLock`
//! per paragraph; the other side waits for it or takes it), so the two meet in the middle and
//! the lines are exactly those one thread would set: the output is the same bytes. The flow
//! then takes the set paragraph out of its slot, so its lines are moved onto the page, not
//! copied.
//!
//! The helper runs on a small pool of long-lived threads, so its per-thread caches (shaped
//! words, hyphenation points) stay warm from one render to the next, as the render threads'
//! own do. The PDF writer lends the same pool its finished pages to compress, and its font
//! subsets to make at the end of a document (`krilla::Options::helper`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{LazyLock, Mutex, OnceLock, PoisonError};

use rustc_hash::FxHashMap;

use crate::layout::{FontLibrary, SetParagraph};
use crate::model::{Block, Document, Language, PdfOptions, Span};

/// Documents with fewer body paragraphs are set on the render's own thread: handing work
/// over and back would cost about what it saves.
const MIN_PARAGRAPHS: usize = 8;

/// The helpers' threads: one per core but the caller's, at least one. They are idle (and
/// cost nothing) unless a render lends them work, which it does only when cores are idle.
static HELPERS: LazyLock<rayon_core::ThreadPool> = LazyLock::new(|| {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().saturating_sub(1));
    rayon_core::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .thread_name(|i| format!("broadsheet-layout-{i}"))
        .build()
        .expect("the layout helper threads start")
});

/// The helpers' pool, which the PDF writer also lends page compression and font subsets to
/// (see `krilla::Options::helper`).
pub(super) fn helpers() -> &'static rayon_core::ThreadPool {
    &HELPERS
}

/// The body paragraphs of one document, each set by the flow or by the helper.
pub(super) struct Ahead<'a> {
    options: &'a PdfOptions,
    fonts: &'a FontLibrary,
    /// The measure the helper sets to: the body column's. A paragraph the flow sets to
    /// another measure is set there, not taken from here.
    measure: f32,
    slots: Vec<Slot<'a>>,
    /// Each slot's place, by the address of its block in the document.
    index: FxHashMap<usize, usize>,
    /// Raised when the flow has finished: the helper stops.
    done: AtomicBool,
}

struct Slot<'a> {
    spans: &'a [Span],
    language: &'a Language,
    /// Set once; emptied when the flow takes it.
    set: OnceLock<Mutex<Option<SetParagraph>>>,
}

impl<'a> Ahead<'a> {
    /// The body paragraphs of `document`, when there is a thread to set them on and enough
    /// of them to be worth it.
    pub(super) fn new(
        document: &'a Document,
        options: &'a PdfOptions,
        fonts: &'a FontLibrary,
        spare_threads: usize,
    ) -> Option<Self> {
        if spare_threads == 0 {
            return None;
        }
        let articles = match document {
            Document::Article(article) => std::slice::from_ref(article),
            Document::Collection(collection) => collection.articles.as_slice(),
        };
        let mut slots = Vec::new();
        let mut index = FxHashMap::default();
        for article in articles {
            for block in &article.body {
                if let Block::Paragraph(spans) = block {
                    index.insert(address(block), slots.len());
                    slots.push(Slot {
                        spans,
                        language: &article.language,
                        set: OnceLock::new(),
                    });
                }
            }
        }
        (slots.len() >= MIN_PARAGRAPHS).then(|| Ahead {
            options,
            fonts,
            measure: super::flow::body_measure(options),
            slots,
            index,
            done: AtomicBool::new(false),
        })
    }

    /// Runs `lay_out` on this thread with the helper setting paragraphs on another, and
    /// returns once both have stopped.
    pub(super) fn alongside<R>(&self, lay_out: impl FnOnce() -> R) -> R {
        HELPERS.in_place_scope(|scope| {
            scope.spawn(|_| self.set_from_the_end());
            // Raised however `lay_out` ends, so the helper never outlives the need for it.
            let _done = Done(&self.done);
            lay_out()
        })
    }

    /// The lines of `block` set to `measure`: the helper's, or set now. `None` when it is
    /// not one of the body paragraphs or is set to another measure.
    pub(super) fn get(&self, block: &Block, measure: f32) -> Option<SetParagraph> {
        if measure.to_bits() != self.measure.to_bits() {
            return None;
        }
        let slot = &self.slots[*self.index.get(&address(block))?];
        let taken = slot
            .set
            .get_or_init(|| Mutex::new(Some(self.set(slot))))
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        // A paragraph asked for again (the flow never does) is set again: the same lines.
        Some(taken.unwrap_or_else(|| self.set(slot)))
    }

    /// The helper: sets paragraphs from the last one back until it meets one the flow has
    /// set (or is setting), or the flow is done.
    fn set_from_the_end(&self) {
        for slot in self.slots.iter().rev() {
            if self.done.load(Ordering::Relaxed) || slot.set.get().is_some() {
                break;
            }
            slot.set.get_or_init(|| Mutex::new(Some(self.set(slot))));
        }
    }

    fn set(&self, slot: &Slot<'_>) -> SetParagraph {
        super::set_body_paragraph(
            self.options,
            self.fonts,
            slot.spans,
            slot.language,
            self.measure,
        )
    }
}

/// Where a block is: the document outlives the render, so it names the block.
fn address(block: &Block) -> usize {
    std::ptr::from_ref(block) as usize
}

/// Raises its flag when dropped.
struct Done<'a>(&'a AtomicBool);

impl Drop for Done<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ExportJob;
    use std::time::{Duration, Instant};

    fn seed() -> ExportJob {
        let path = format!("{}/tests/fixtures/seed.json", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(path).expect("the fixture is readable");
        let request = crate::json::request_from_json(&text).expect("the fixture is JSON");
        ExportJob::try_from(request).expect("the fixture is valid")
    }

    #[test]
    fn the_helper_sets_from_the_end_and_its_lines_are_the_flows() {
        let job = seed();
        let fonts = FontLibrary::embedded();
        let options = &job.options.pdf;
        assert!(Ahead::new(&job.document, options, &fonts, 0).is_none());
        let ahead = Ahead::new(&job.document, options, &fonts, 1).expect("the seed is long enough");
        let last = ahead.slots.last().unwrap();
        // The flow stands still until the helper has set the last paragraph, then takes every one.
        let taken: Vec<SetParagraph> = ahead.alongside(|| {
            let started = Instant::now();
            while last.set.get().is_none() {
                assert!(
                    started.elapsed() < Duration::from_secs(30),
                    "the helper never ran"
                );
                std::thread::sleep(Duration::from_millis(1));
            }
            let Document::Article(article) = &job.document else {
                unreachable!()
            };
            article
                .body
                .iter()
                .filter_map(|block| ahead.get(block, ahead.measure))
                .collect()
        });
        assert_eq!(taken.len(), ahead.slots.len());
        for (slot, set) in ahead.slots.iter().zip(&taken) {
            let alone = super::super::set_body_paragraph(
                options,
                &fonts,
                slot.spans,
                slot.language,
                ahead.measure,
            );
            assert_eq!(set.lines, alone.lines);
        }
        // Another measure is not the helper's: the flow sets it itself.
        let Document::Article(article) = &job.document else {
            unreachable!()
        };
        let first = article
            .body
            .iter()
            .find(|b| matches!(b, Block::Paragraph(_)));
        assert!(ahead.get(first.unwrap(), ahead.measure - 10.0).is_none());
    }
}
