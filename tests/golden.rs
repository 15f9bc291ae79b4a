//! Golden files for the text renderer: the seed article, a multilingual article, a
//! hostile one, the seed story as a newsroom publishes it (a table, a fact box, an embed,
//! editorial notes and contributor titles; all at the default width) and a three-article
//! digest at 60 columns, rendered and compared byte for byte with
//! `tests/golden/*.txt`. After an intended change, regenerate them with
//! `BROADSHEET_UPDATE_GOLDEN=1 cargo test --test golden` and review the diff.

mod common;

use std::path::Path;

use broadsheet::model::ExportJob;
use broadsheet::render::RenderContext;
use broadsheet::typography::display_width;

fn render(fixture: &str) -> String {
    let job = ExportJob::try_from(common::fixture(fixture)).expect("the fixture is valid");
    let rendered = common::builtin()
        .resolve("text")
        .unwrap()
        .render(&RenderContext::new(&job))
        .unwrap();
    String::from_utf8(rendered.content).unwrap()
}

fn check(name: &str) {
    let actual = render(&format!("{name}.json"));
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/golden/{name}.txt"));
    if std::env::var_os("BROADSHEET_UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run with BROADSHEET_UPDATE_GOLDEN=1 to create it",
            path.display()
        )
    });
    if actual != expected {
        let line = actual
            .lines()
            .zip(expected.lines())
            .position(|(a, e)| a != e)
            .map_or(actual.lines().count().min(expected.lines().count()), |i| i);
        panic!(
            "{name}: output differs from {} from line {}:\n  actual:   {:?}\n  expected: {:?}",
            path.display(),
            line + 1,
            actual.lines().nth(line),
            expected.lines().nth(line)
        );
    }
}

#[test]
fn seed_article() {
    check("seed");
}

#[test]
fn multilingual_article() {
    check("multilingual");
}

#[test]
fn hostile_article() {
    check("hostile");
}

#[test]
fn newsroom_article_with_table_fact_box_embed_and_notes() {
    check("newsroom");
}

#[test]
fn collection_digest_at_60_columns() {
    check("digest");
}

#[test]
fn no_line_is_wider_than_72_columns_outside_preformatted_text() {
    for name in ["seed", "multilingual", "newsroom"] {
        let text = render(&format!("{name}.json"));
        for line in text.lines() {
            assert!(display_width(line) <= 72, "{name}: {line:?}");
        }
    }
}

#[test]
fn hostile_text_loses_nothing_and_keeps_no_controls() {
    let text = render("hostile.json");
    // The 12,000-character word is broken at the margin, not dropped.
    let joined: String = text.lines().collect();
    assert!(joined.contains(&"Donaudampfschifffahrtsgesellschaftskapitän".repeat(100)));
    // Prose, so its quotes are typographic; what matters is that the markup is text.
    assert!(text.contains("<script>document.write(‘pwned’)</script>"));
    assert!(
        !text
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
    );
    assert!(!text.contains('\u{FFFE}'));
    // Only the https and mailto links are numbered; the others keep their text only.
    assert!(text.contains("[1] https://example.com/?a=1&b=%3C2%3E"));
    assert!(text.contains("[2] mailto:desk@example.com"));
    assert!(!text.contains("javascript:alert") && !text.contains("data:text/html"));
    assert!(!text.contains("file:///"));
    assert!(text.contains("javascript link · data link · relative link · file link"));
}
