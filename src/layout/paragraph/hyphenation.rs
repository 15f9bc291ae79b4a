//! Hyphenation: the embedded TeX patterns by language, loaded once, and the points where
//! a word may break, cached per thread.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::{LazyLock, Mutex};

use hyphenation::{Hyphenator, Load, Standard};

use crate::layout::cache::WordCache;
use crate::model::Language;

/// Where a word may be hyphenated, through a per-thread cache: news text repeats its words.
pub(super) fn hyphenation_points(dictionary: &Standard, word: &str) -> Rc<[usize]> {
    thread_local! {
        static POINTS: RefCell<WordCache<usize, Rc<[usize]>>> =
            RefCell::new(WordCache::new(50_000));
    }
    // Dictionaries live for the whole process, so their address identifies them.
    let key = std::ptr::from_ref(dictionary) as usize;
    if let Some(points) = POINTS.with(|p| p.borrow().get(key, word)) {
        return points;
    }
    let points: Rc<[usize]> = dictionary.hyphenate(&word.to_lowercase()).breaks.into();
    POINTS.with(|p| p.borrow_mut().insert(key, word, Rc::clone(&points)));
    points
}

/// The hyphenation dictionary for a language, loaded once from the embedded patterns. The
/// cache is keyed by the set of patterns, not by the request's tag, so it holds at most one
/// entry per language the patterns cover, whatever tags clients send.
pub fn hyphenator(language: &Language) -> Option<&'static Standard> {
    type Loaded = HashMap<hyphenation::Language, Option<&'static Standard>>;
    static CACHE: LazyLock<Mutex<Loaded>> = LazyLock::new(|| Mutex::new(HashMap::new()));
    let patterns = patterns_for(language)?;
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    *cache.entry(patterns).or_insert_with(|| {
        Standard::from_embedded(patterns)
            .ok()
            .map(|dictionary| &*Box::leak(Box::new(dictionary)))
    })
}

fn patterns_for(language: &Language) -> Option<hyphenation::Language> {
    use hyphenation::Language as L;
    Some(match (language.primary(), language.region()) {
        ("en", Some("GB" | "AU" | "NZ" | "IE" | "ZA" | "IN")) => L::EnglishGB,
        ("en", _) => L::EnglishUS,
        ("de", Some("CH")) => L::GermanSwiss,
        ("de", _) => L::German1996,
        ("fr", _) => L::French,
        ("es", _) => L::Spanish,
        ("it", _) => L::Italian,
        ("pt", _) => L::Portuguese,
        ("nl", _) => L::Dutch,
        ("ru", _) => L::Russian,
        ("uk", _) => L::Ukrainian,
        ("pl", _) => L::Polish,
        ("cs", _) => L::Czech,
        ("sk", _) => L::Slovak,
        ("sv", _) => L::Swedish,
        ("da", _) => L::Danish,
        ("nb" | "no", _) => L::NorwegianBokmal,
        ("nn", _) => L::NorwegianNynorsk,
        ("fi", _) => L::Finnish,
        ("hu", _) => L::Hungarian,
        ("tr", _) => L::Turkish,
        ("el", _) => L::GreekMono,
        ("ro", _) => L::Romanian,
        ("hr", _) => L::Croatian,
        ("sl", _) => L::Slovenian,
        ("ca", _) => L::Catalan,
        ("bg", _) => L::Bulgarian,
        ("et", _) => L::Estonian,
        ("lt", _) => L::Lithuanian,
        ("lv", _) => L::Latvian,
        _ => return None,
    })
}
