//! Bylines and credit lines, built from an article's contributors and their roles.

use crate::model::{Article, Role};

/// Joins names the way an English credit line does: "A", "A and B", "A, B and C".
pub fn join_names<S: AsRef<str>>(names: &[S]) -> String {
    match names {
        [] => String::new(),
        [one] => one.as_ref().to_owned(),
        [init @ .., last] => {
            let init: Vec<&str> = init.iter().map(AsRef::as_ref).collect();
            format!("{} and {}", init.join(", "), last.as_ref())
        }
    }
}

/// The byline, "By A and B": the authors, or the reporters when no author is named.
pub fn byline(article: &Article) -> Option<String> {
    let names = |role| -> Vec<&str> {
        article
            .contributors_with(role)
            .map(|c| c.name.as_str())
            .collect()
    };
    let mut names = names(Role::Author);
    if names.is_empty() {
        names = article
            .contributors_with(Role::Reporting)
            .map(|c| c.name.as_str())
            .collect();
    }
    (!names.is_empty()).then(|| format!("By {}", join_names(&names)))
}

/// The credits line printed after the text, one sentence per role in a fixed order:
/// "Reporting: Guy Faulconbridge. Editing: Timothy Heritage, Gareth Jones and Rod Nickel."
/// Authors are in the byline instead.
pub fn credits_line(article: &Article) -> Option<String> {
    const ROLES: [(Role, &str); 4] = [
        (Role::Reporting, "Reporting"),
        (Role::Editing, "Editing"),
        (Role::Photography, "Photography"),
        (Role::Translation, "Translation"),
    ];
    let sentences: Vec<String> = ROLES
        .iter()
        .filter_map(|&(role, label)| {
            let names: Vec<&str> = article
                .contributors_with(role)
                .map(|c| c.name.as_str())
                .collect();
            (!names.is_empty()).then(|| format!("{label}: {}.", join_names(&names)))
        })
        .collect();
    (!sentences.is_empty()).then(|| sentences.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_names_with_a_final_and() {
        assert_eq!(join_names::<&str>(&[]), "");
        assert_eq!(join_names(&["A"]), "A");
        assert_eq!(join_names(&["A", "B"]), "A and B");
        assert_eq!(join_names(&["A", "B", "C"]), "A, B and C");
    }
}
