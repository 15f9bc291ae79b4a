//! The bounded per-thread caches of per-word results (shaped glyphs, hyphenation points).
//! News text repeats its words, so most lookups hit; a lookup borrows the word and
//! allocates nothing, and a cache that reaches its limit starts afresh, so memory stays
//! bounded whatever the input.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash};

use rustc_hash::FxHasher;

type Fast<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// Results per `(key, word)`: `key` is small (a face and direction, a dictionary), `word` is
/// the text. At most `limit` entries.
pub(crate) struct WordCache<K, V> {
    maps: Fast<K, Fast<Box<str>, V>>,
    len: usize,
    limit: usize,
}

impl<K: Hash + Eq + Copy, V: Clone> WordCache<K, V> {
    /// An empty cache of at most `limit` entries.
    pub(crate) fn new(limit: usize) -> Self {
        WordCache {
            maps: Fast::default(),
            len: 0,
            limit,
        }
    }

    /// The result for a word, if it is cached.
    pub(crate) fn get(&self, key: K, word: &str) -> Option<V> {
        self.maps.get(&key)?.get(word).cloned()
    }

    /// Caches a result, first emptying the cache if it is full.
    pub(crate) fn insert(&mut self, key: K, word: &str, value: V) {
        if self.len >= self.limit {
            self.maps.clear();
            self.len = 0;
        }
        if self
            .maps
            .entry(key)
            .or_default()
            .insert(word.into(), value)
            .is_none()
        {
            self.len += 1;
        }
    }

    /// The number of cached results.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.len
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cache_filled_past_its_limit_stays_within_it() {
        let mut cache = WordCache::new(100);
        for i in 0..1_000 {
            cache.insert(i % 3, &format!("word{i}"), i);
            assert!(cache.len() <= 100);
        }
        assert_eq!(cache.get(999 % 3, "word999"), Some(999));
        cache.insert(0, "word999", 1);
        cache.insert(0, "word999", 2);
        assert_eq!(cache.get(0, "word999"), Some(2));
    }
}
