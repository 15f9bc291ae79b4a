//! Link numbering for formats that cannot make text clickable: each distinct URL gets a
//! number, in order of first appearance, and is listed once at the end.

use std::collections::HashMap;

/// The URLs of a document, numbered from 1 in order of first appearance.
#[derive(Debug, Default)]
pub struct LinkTable {
    urls: Vec<String>,
    numbers: HashMap<String, usize>,
}

impl LinkTable {
    /// The number of `url`, adding it if it is new.
    pub fn number(&mut self, url: &str) -> usize {
        if let Some(&number) = self.numbers.get(url) {
            return number;
        }
        self.urls.push(url.to_owned());
        self.numbers.insert(url.to_owned(), self.urls.len());
        self.urls.len()
    }

    /// The numbered URLs, in order.
    pub fn entries(&self) -> impl Iterator<Item = (usize, &str)> {
        self.urls
            .iter()
            .enumerate()
            .map(|(i, u)| (i + 1, u.as_str()))
    }

    /// Whether no link was numbered.
    pub fn is_empty(&self) -> bool {
        self.urls.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_each_url_once_in_order() {
        let mut links = LinkTable::default();
        assert_eq!(links.number("https://a"), 1);
        assert_eq!(links.number("https://b"), 2);
        assert_eq!(links.number("https://a"), 1);
        assert_eq!(
            links.entries().collect::<Vec<_>>(),
            [(1, "https://a"), (2, "https://b")]
        );
    }
}
