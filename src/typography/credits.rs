//! Bylines and credit lines, built from an article's contributors and their roles, in the
//! article's language: the words, the conjunction and the punctuation come from the table of
//! terms ([`term`](crate::typography::term)).

use super::terms::{Term, byline_pattern, join_names_in, labelled, list_separator, punctuation};
use crate::model::{Article, Language, Role};

/// Joins names the way an English credit line does: "A", "A and B", "A, B and C". Other
/// languages: [`join_names_in`].
pub fn join_names<S: AsRef<str>>(names: &[S]) -> String {
    join_names_in(&Language::default(), names)
}

/// The byline in the article's language, "By A and B", "Von A und B", "Авторы: A и B",
/// "A, B 기자": the authors, or the reporters when no author is named. A contributor's title
/// follows the name: "By Guy Faulconbridge, Moscow bureau chief".
pub fn byline(article: &Article) -> Option<String> {
    let language = &article.language;
    let credited = |role| -> Vec<String> {
        article
            .contributors_with(role)
            .map(|c| {
                if c.title.is_empty() {
                    c.name.clone()
                } else {
                    format!("{}{}{}", c.name, list_separator(language), c.title)
                }
            })
            .collect()
    };
    let mut names = credited(Role::Author);
    if names.is_empty() {
        names = credited(Role::Reporting);
    }
    (!names.is_empty())
        .then(|| byline_pattern(language, names.len()).apply(&join_names_in(language, &names)))
}

/// The credits line printed after the text, one sentence per role in a fixed order, in the
/// article's language: "Reporting: Guy Faulconbridge. Editing: Timothy Heritage, Gareth
/// Jones and Rod Nickel.", "Reportage\u{a0}: … Édition\u{a0}: …", "取材：…。編集：…。".
/// Authors are in the byline instead.
pub fn credits_line(article: &Article) -> Option<String> {
    const ROLES: [(Role, Term); 4] = [
        (Role::Reporting, Term::Reporting),
        (Role::Editing, Term::Editing),
        (Role::Photography, Term::Photography),
        (Role::Translation, Term::Translation),
    ];
    let language = &article.language;
    let punctuation = punctuation(language);
    let sentences: Vec<String> = ROLES
        .iter()
        .filter_map(|&(role, label)| {
            let names: Vec<&str> = article
                .contributors_with(role)
                .map(|c| c.name.as_str())
                .collect();
            (!names.is_empty()).then(|| {
                let mut sentence = labelled(language, label, &join_names_in(language, &names));
                sentence.push_str(punctuation.full_stop);
                sentence
            })
        })
        .collect();
    (!sentences.is_empty()).then(|| sentences.join(punctuation.sentence_gap))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Contributor;

    fn article(tag: &str, contributors: &[(&str, Role)]) -> Article {
        Article {
            headline: "Headline".to_owned(),
            contributors: contributors
                .iter()
                .map(|&(name, role)| Contributor {
                    name: name.to_owned(),
                    role,
                    title: String::new(),
                })
                .collect(),
            language: Language::parse(tag).unwrap(),
            ..Default::default()
        }
    }

    /// Two authors, one reporter and three editors.
    fn credited(tag: &str) -> Article {
        article(
            tag,
            &[
                ("Anna", Role::Author),
                ("Guy", Role::Reporting),
                ("Timothy", Role::Editing),
                ("Gareth", Role::Editing),
                ("Rod", Role::Editing),
                ("Ben", Role::Author),
            ],
        )
    }

    #[test]
    fn titles_follow_names_in_the_byline() {
        let mut en = article(
            "en",
            &[
                ("Guy Faulconbridge", Role::Author),
                ("Mark Trevelyan", Role::Author),
            ],
        );
        en.contributors[0].title = "Moscow bureau chief".to_owned();
        assert_eq!(
            byline(&en).as_deref(),
            Some("By Guy Faulconbridge, Moscow bureau chief and Mark Trevelyan")
        );
        let mut ar = article("ar", &[("سارة المنصوري", Role::Author)]);
        ar.contributors[0].title = "مراسلة القاهرة".to_owned();
        assert!(
            byline(&ar)
                .unwrap()
                .contains("سارة المنصوري، مراسلة القاهرة")
        );
    }

    #[test]
    fn joins_names_with_a_final_and() {
        assert_eq!(join_names::<&str>(&[]), "");
        assert_eq!(join_names(&["A"]), "A");
        assert_eq!(join_names(&["A", "B"]), "A and B");
        assert_eq!(join_names(&["A", "B", "C"]), "A, B and C");
    }

    #[test]
    fn english_byline_and_credits_read_as_before() {
        let a = credited("en");
        assert_eq!(byline(&a).as_deref(), Some("By Anna and Ben"));
        assert_eq!(
            credits_line(&a).as_deref(),
            Some("Reporting: Guy. Editing: Timothy, Gareth and Rod.")
        );
    }

    #[test]
    fn the_byline_falls_back_to_the_reporters() {
        let a = article(
            "en",
            &[("Guy", Role::Reporting), ("Pat", Role::Photography)],
        );
        assert_eq!(byline(&a).as_deref(), Some("By Guy"));
        assert_eq!(
            credits_line(&a).as_deref(),
            Some("Reporting: Guy. Photography: Pat.")
        );
        assert_eq!(byline(&article("en", &[])), None);
        assert_eq!(credits_line(&article("en", &[("A", Role::Author)])), None);
    }

    #[test]
    fn german_credits() {
        let a = credited("de");
        assert_eq!(byline(&a).as_deref(), Some("Von Anna und Ben"));
        assert_eq!(
            credits_line(&a).as_deref(),
            Some("Bericht: Guy. Redaktion: Timothy, Gareth und Rod.")
        );
    }

    #[test]
    fn french_credits_set_a_no_break_space_before_the_colon() {
        let a = credited("fr");
        assert_eq!(byline(&a).as_deref(), Some("Par Anna et Ben"));
        assert_eq!(
            credits_line(&a).as_deref(),
            Some("Reportage\u{a0}: Guy. Édition\u{a0}: Timothy, Gareth et Rod.")
        );
    }

    #[test]
    fn arabic_credits_use_the_arabic_comma_and_a_joined_wa() {
        let a = article(
            "ar",
            &[
                ("محمد", Role::Author),
                ("علي", Role::Author),
                ("سارة", Role::Editing),
                ("ليلى", Role::Editing),
                ("Guy", Role::Editing),
                ("داود", Role::Translation),
            ],
        );
        assert_eq!(byline(&a).as_deref(), Some("بقلم محمد وعلي"));
        assert_eq!(
            credits_line(&a).as_deref(),
            Some("تحرير: سارة، ليلى و Guy. ترجمة: داود.")
        );
    }

    #[test]
    fn japanese_credits_use_full_width_punctuation() {
        let a = article(
            "ja",
            &[
                ("山田太郎", Role::Author),
                ("鈴木花子", Role::Reporting),
                ("佐藤一郎", Role::Photography),
                ("高橋次郎", Role::Photography),
            ],
        );
        assert_eq!(byline(&a).as_deref(), Some("文：山田太郎"));
        assert_eq!(
            credits_line(&a).as_deref(),
            Some("取材：鈴木花子。写真：佐藤一郎と高橋次郎。")
        );
    }

    #[test]
    fn a_korean_byline_puts_the_label_after_the_names() {
        let a = article(
            "ko",
            &[("홍길동", Role::Reporting), ("김철수", Role::Reporting)],
        );
        assert_eq!(byline(&a).as_deref(), Some("홍길동, 김철수 기자"));
    }

    #[test]
    fn a_region_finds_its_language_and_an_unknown_one_gets_english() {
        let a = credited("de-AT");
        assert_eq!(byline(&a).as_deref(), Some("Von Anna und Ben"));
        let a = credited("xx");
        assert_eq!(byline(&a).as_deref(), Some("By Anna and Ben"));
        assert_eq!(
            credits_line(&a).as_deref(),
            Some("Reporting: Guy. Editing: Timothy, Gareth and Rod.")
        );
    }

    #[test]
    fn several_russian_authors_are_authors_in_the_plural() {
        let one = article("ru", &[("Анна Иванова", Role::Author)]);
        assert_eq!(byline(&one).as_deref(), Some("Автор: Анна Иванова"));
        assert_eq!(
            byline(&credited("ru")).as_deref(),
            Some("Авторы: Anna и Ben")
        );
    }
}
