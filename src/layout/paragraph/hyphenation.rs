//! Hyphenation: the embedded TeX patterns by language, loaded once, and the points where
//! a word may break, cached per thread.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use hyphenation::{Hyphenator, Load, Standard};

use crate::model::Language;

/// Where a word may be hyphenated, through a per-thread cache: news text repeats its words.
pub(super) fn hyphenation_points(dictionary: &Standard, word: &str) -> Vec<usize> {
    type Key = (usize, Box<str>);
    thread_local! {
        static POINTS: std::cell::RefCell<HashMap<Key, Vec<usize>>> =
            std::cell::RefCell::new(HashMap::new());
    }
    // Dictionaries live for the whole process, so their address identifies them.
    let key: Key = (std::ptr::from_ref(dictionary) as usize, word.into());
    if let Some(points) = POINTS.with(|p| p.borrow().get(&key).cloned()) {
        return points;
    }
    let points = dictionary.hyphenate(&word.to_lowercase()).breaks;
    POINTS.with(|p| {
        let mut p = p.borrow_mut();
        if p.len() >= 50_000 {
            p.clear();
        }
        p.insert(key, points.clone());
    });
    points
}

/// The hyphenation dictionary for a language, loaded once from the embedded patterns.
pub fn hyphenator(language: &Language) -> Option<&'static Standard> {
    static CACHE: LazyLock<Mutex<HashMap<String, Option<&'static Standard>>>> =
        LazyLock::new(|| Mutex::new(HashMap::new()));
    let key = language.tag().to_owned();
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(found) = cache.get(&key) {
        return *found;
    }
    let loaded = patterns_for(language)
        .and_then(|lang| Standard::from_embedded(lang).ok())
        .map(|dictionary| &*Box::leak(Box::new(dictionary)));
    cache.insert(key, loaded);
    loaded
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
