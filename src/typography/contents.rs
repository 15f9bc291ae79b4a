//! Tables of contents for collections: articles grouped by section, as a reader sees them
//! in a periodical's contents page.

use crate::model::Article;

/// A run of consecutive articles from the same section.
#[derive(Debug, Clone, PartialEq)]
pub struct SectionGroup<'a> {
    /// The section's name; empty for articles without one.
    pub section: &'a str,
    /// The articles, each with its index in the collection.
    pub articles: Vec<(usize, &'a Article)>,
}

/// Groups consecutive articles that share a section, keeping the reading order: a
/// collection that returns to a section later gets a second group for it, so that the
/// contents never disagree with the order of the pages.
pub fn section_groups(articles: &[Article]) -> Vec<SectionGroup<'_>> {
    let mut groups: Vec<SectionGroup<'_>> = Vec::new();
    for (index, article) in articles.iter().enumerate() {
        match groups.last_mut() {
            Some(group) if group.section == article.section => {
                group.articles.push((index, article))
            }
            _ => groups.push(SectionGroup {
                section: &article.section,
                articles: vec![(index, article)],
            }),
        }
    }
    groups
}
