//! Broadsheet's EPUBs in real reading systems and the accessibility checker the European
//! Accessibility Act audits use: foliate-js and epub.js (the engines of many reading apps)
//! and DAISY Ace, all in headless Chromium, driven by `tests/readers/check.mjs`.
//!
//! The fixtures are rendered to EPUB with the `broadsheet` binary; the harness opens each
//! book, follows its table of contents and reads the computed text direction of every block,
//! and these tests judge what it saw.
//!
//! The tools are pinned npm packages in `tests/readers` and Debian's Chromium:
//!
//! ```text
//! apt-get install -y chromium
//! cd tests/readers && ELECTRON_SKIP_BINARY_DOWNLOAD=1 PUPPETEER_SKIP_DOWNLOAD=1 npm ci
//! ```
//!
//! `BROADSHEET_READERS` names another folder whose `node_modules` has them; `CHROMIUM` another
//! browser. Without the tools these tests skip and say so; with `CI=true` they fail.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use serde_json::Value;

/// The fixtures rendered to EPUB, by file stem under `tests/fixtures`.
const FIXTURES: &[&str] = &[
    "seed",
    "digest",
    "arabic",
    "mixed-direction",
    "hostile",
    "multilingual",
    "newsroom",
    "wordpress",
];

/// The books that must show right-to-left text somewhere; a run that finds none in them
/// measured nothing.
const BOOKS_WITH_RTL_TEXT: &[&str] = &["arabic", "mixed-direction", "multilingual"];

/// How long the whole harness may take before the test gives up on it.
const HARNESS_DEADLINE: Duration = Duration::from_secs(600);

const INSTALL_HINT: &str = "apt-get install -y chromium; cd tests/readers && \
    ELECTRON_SKIP_BINARY_DOWNLOAD=1 PUPPETEER_SKIP_DOWNLOAD=1 npm ci";

// ------------------------------------------------------------------------------ the tools

/// Where the harness, its node modules and the browser are.
struct Tools {
    node: PathBuf,
    node_modules: PathBuf,
    chromium: PathBuf,
    script: PathBuf,
}

/// Finds the tools, or says why not: under `CI=true` by panicking, otherwise with a loud
/// SKIPPED line on stderr and `None`.
fn tools(with_ace: bool) -> Option<Tools> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let node_modules = std::env::var_os("BROADSHEET_READERS")
        .map(|dir| PathBuf::from(dir).join("node_modules"))
        .unwrap_or_else(|| manifest.join("tests/readers/node_modules"));
    let chromium = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    let node = PathBuf::from("node");

    let mut missing = Vec::new();
    let node_runs = Command::new(&node)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !node_runs {
        missing.push("node (Node.js 20 or later) on PATH".to_string());
    }
    if !chromium.is_file() {
        missing.push(format!("Chromium at {}", chromium.display()));
    }
    let mut needed = vec![
        "puppeteer-core/package.json",
        "foliate-js/reader.html",
        "epubjs/dist/epub.min.js",
        "jszip/dist/jszip.min.js",
    ];
    if with_ace {
        needed.push("@daisy/ace-core/package.json");
    }
    for file in needed {
        let path = node_modules.join(file);
        if !path.is_file() {
            missing.push(path.display().to_string());
        }
    }
    if missing.is_empty() {
        return Some(Tools {
            node,
            node_modules,
            chromium,
            script: manifest.join("tests/readers/check.mjs"),
        });
    }
    let what = missing.join(", ");
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "the reading-system tests need tools that are missing under CI=true: {what} (install with: {INSTALL_HINT})"
        );
    }
    eprintln!(
        "\n*** SKIPPED: reading-system tests: missing {what} (install with: {INSTALL_HINT}) ***\n"
    );
    None
}

// ------------------------------------------------------------------------------ one run

/// Renders every fixture to EPUB and runs the harness once over all of them: the readers, or
/// Ace. Returns the parsed OUT.json.
fn run_harness(tools: &Tools, ace: bool) -> Result<Value, String> {
    let dir = tempfile::tempdir().map_err(|e| format!("no temporary folder: {e}"))?;
    let mut books = Vec::new();
    for name in FIXTURES {
        let book = dir.path().join(format!("{name}.epub"));
        let output = Command::new(env!("CARGO_BIN_EXE_broadsheet"))
            .args(["render", "--format", "epub", "-o"])
            .arg(&book)
            .arg(fixture_path(name))
            .output()
            .map_err(|e| format!("cannot run broadsheet: {e}"))?;
        if !output.status.success() {
            return Err(format!(
                "broadsheet render --format epub {name}.json failed ({}):\n{}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        books.push(book);
    }

    let out = dir.path().join("out.json");
    let log = dir.path().join("harness.log");
    let mut command = Command::new(&tools.node);
    command
        .arg(&tools.script)
        .arg("--node-modules")
        .arg(&tools.node_modules)
        .arg("--chromium")
        .arg(&tools.chromium);
    if ace {
        command
            .arg("--no-readers")
            .arg("--ace")
            .arg(dir.path().join("ace"));
    }
    command.arg(&out).args(&books);
    common::run_harness(command, "check.mjs", &out, &log, HARNESS_DEADLINE)
}

/// The readers' run, shared by the tests below; `None` when the tools are missing.
fn readers() -> Option<&'static Value> {
    static RUN: OnceLock<Option<Result<Value, String>>> = OnceLock::new();
    let run = RUN.get_or_init(|| tools(false).map(|tools| run_harness(&tools, false)));
    match run {
        None => {
            eprintln!("*** SKIPPED: reading-system tools missing (see above) ***");
            None
        }
        Some(Ok(value)) => Some(value),
        Some(Err(e)) => panic!("the reading-system harness failed: {e}"),
    }
}

fn fixture_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(format!("{name}.json"))
}

fn fixture(name: &str) -> Value {
    let text = std::fs::read_to_string(fixture_path(name)).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// One engine's report on one book.
fn engine<'a>(run: &'a Value, book: &str, engine: &str) -> &'a Value {
    let v = &run["books"][book][engine];
    assert!(
        v.is_object(),
        "the harness reported nothing from {engine} on {book}"
    );
    v
}

/// Whether the engine opened the book. A book it could not open is reported by
/// `every_book_opens_in_foliate_and_epubjs_without_errors` alone; the other tests note it and
/// check the rest, so each failing test names one behaviour.
fn opened(r: &Value, book: &str, engine: &str) -> bool {
    let ok = r["opened"] == Value::Bool(true);
    if !ok {
        eprintln!(
            "note: {book} not checked in {engine}: it did not open \
             (see every_book_opens_in_foliate_and_epubjs_without_errors)"
        );
    }
    ok
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|s| s.as_str().map_or_else(|| s.to_string(), str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn str_of(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

/// The title a book of this fixture must show, and the headlines of its articles: as the
/// validated request has them (cleaned, with typographic quotes).
fn expected_title_and_headlines(name: &str) -> (String, Vec<String>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/{name}.json"));
    let request =
        broadsheet::json::request_from_json(&std::fs::read_to_string(path).unwrap()).unwrap();
    match broadsheet::model::ExportJob::try_from(request)
        .unwrap()
        .document
    {
        broadsheet::model::Document::Article(article) => {
            (article.headline.clone(), vec![article.headline])
        }
        broadsheet::model::Document::Collection(collection) => (
            collection.title,
            collection
                .articles
                .into_iter()
                .map(|a| a.headline)
                .collect(),
        ),
        _ => unreachable!("a fixture is an article or a collection"),
    }
}

// ------------------------------------------------------------------------------ readers

#[test]
fn every_book_opens_in_foliate_and_epubjs_without_errors() {
    let Some(run) = readers() else { return };
    let mut failures = Vec::new();
    for book in FIXTURES {
        for name in ["foliate", "epubjs"] {
            let r = engine(run, book, name);
            let mut problems = Vec::new();
            if r["opened"] != Value::Bool(true) {
                problems.push("did not open".to_string());
            }
            for key in ["harnessError", "error"] {
                if let Some(e) = r[key].as_str() {
                    problems.push(format!("{key}: {e}"));
                }
            }
            for key in [
                "pageErrors",
                "consoleErrors",
                "pageScriptErrors",
                "failedRequests",
                "blockedRequests",
            ] {
                for e in strings(&r[key]) {
                    problems.push(format!("{key}: {e}"));
                }
            }
            if !problems.is_empty() {
                failures.push(format!(
                    "{book} in {name}:\n    {}",
                    problems.join("\n    ")
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "books that real readers cannot open cleanly:\n  {}",
        failures.join("\n  ")
    );
}

#[test]
fn readers_show_the_headline_or_collection_title_as_the_book_title() {
    let Some(run) = readers() else { return };
    let mut failures = Vec::new();
    for book in FIXTURES {
        let (title, _) = expected_title_and_headlines(book);
        for name in ["foliate", "epubjs"] {
            let r = engine(run, book, name);
            if !opened(r, book, name) {
                continue;
            }
            let shown = str_of(&r["title"]);
            if shown != title {
                failures.push(format!(
                    "{book}: {name} shows {shown:?}, expected {title:?}"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "wrong titles:\n  {}",
        failures.join("\n  ")
    );
}

#[test]
fn the_table_of_contents_lists_every_article() {
    let Some(run) = readers() else { return };
    let mut failures = Vec::new();
    for book in FIXTURES {
        let (_, headlines) = expected_title_and_headlines(book);
        for name in ["foliate", "epubjs"] {
            let r = engine(run, book, name);
            if !opened(r, book, name) {
                continue;
            }
            let labels: Vec<&str> = r["toc"]
                .as_array()
                .map(|toc| toc.iter().map(|e| str_of(&e["label"])).collect())
                .unwrap_or_default();
            if labels.is_empty() {
                failures.push(format!("{book}: {name} shows an empty table of contents"));
                continue;
            }
            for headline in &headlines {
                if !labels.iter().any(|l| l == headline) {
                    failures.push(format!(
                        "{book}: {name}'s contents lack {headline:?}; it lists {labels:?}"
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "incomplete tables of contents:\n  {}",
        failures.join("\n  ")
    );
}

#[test]
fn following_a_contents_entry_lands_on_its_section_and_anchor() {
    let Some(run) = readers() else { return };
    let mut failures = Vec::new();
    for book in FIXTURES {
        for name in ["foliate", "epubjs"] {
            let r = engine(run, book, name);
            if !opened(r, book, name) {
                continue;
            }
            let navigation = r["tocNavigation"].as_array().cloned().unwrap_or_default();
            if navigation.is_empty() {
                failures.push(format!("{book}: {name} followed no contents entry"));
            }
            for nav in &navigation {
                let href = str_of(&nav["href"]);
                if let Some(e) = nav["error"].as_str() {
                    failures.push(format!("{book}: {name} could not follow {href}: {e}"));
                    continue;
                }
                let target = href.split('#').next().unwrap_or("");
                let landed = str_of(&nav["loadedHref"]);
                if landed != target {
                    failures.push(format!(
                        "{book}: {name} followed {href} to {landed:?}, not {target:?}"
                    ));
                }
                if !nav["fragment"].is_null() && nav["fragmentFound"] != Value::Bool(true) {
                    failures.push(format!(
                        "{book}: {name} followed {href} but the section has no element with that id"
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "contents entries that lead nowhere:\n  {}",
        failures.join("\n  ")
    );
}

/// Languages written right to left (primary subtags).
const RTL_LANGUAGES: &[&str] = &[
    "ar", "he", "iw", "fa", "ur", "yi", "ps", "sd", "ug", "dv", "ckb", "syr",
];

fn is_rtl_language(tag: &str) -> bool {
    let primary = tag
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    RTL_LANGUAGES.contains(&primary.as_str())
}

/// The direction a block must have. A block mostly (two thirds of its letters or more) in a
/// right-to-left script is `rtl` wherever it is. Otherwise it follows the language it is in
/// (its nearest `lang`): in a left-to-right language `ltr`; in a right-to-left one `rtl`,
/// except that text mostly in Latin (or another LTR script) there is not judged here: it may
/// be an English quotation that should be `ltr`, or an untranslated label that should be in
/// Arabic. `None` for a block without letters, or not judged.
fn expected_direction(block: &Value) -> Option<&'static str> {
    let rtl = block["rtlLetters"].as_u64().unwrap_or(0);
    let ltr = block["ltrLetters"].as_u64().unwrap_or(0);
    let letters = rtl + ltr;
    if letters == 0 {
        None
    } else if rtl * 3 >= letters * 2 {
        Some("rtl")
    } else if block["lang"].as_str().is_some_and(is_rtl_language) {
        (ltr * 3 < letters * 2).then_some("rtl")
    } else {
        Some("ltr")
    }
}

#[test]
fn arabic_and_hebrew_text_runs_right_to_left_and_english_around_it_left_to_right() {
    let Some(run) = readers() else { return };
    let mut failures = Vec::new();
    for book in FIXTURES {
        let r = engine(run, book, "foliate");
        if !opened(r, book, "foliate") {
            continue;
        }
        let mut rtl_blocks = 0;
        for section in r["sectionDirections"]
            .as_array()
            .cloned()
            .unwrap_or_default()
        {
            let href = str_of(&section["href"]).to_owned();
            if let Some(e) = section["error"].as_str() {
                failures.push(format!(
                    "{book}: section {} did not load: {e}",
                    section["index"]
                ));
                continue;
            }
            for block in section["blocks"].as_array().cloned().unwrap_or_default() {
                let Some(expected) = expected_direction(&block) else {
                    continue;
                };
                if expected == "rtl" {
                    rtl_blocks += 1;
                }
                let computed = str_of(&block["direction"]);
                if computed != expected {
                    failures.push(format!(
                        "{book} {href}: <{}> {:?} computes {computed}, expected {expected} \
                         ({} right-to-left and {} left-to-right letters, lang {}, dir attribute {})",
                        str_of(&block["tag"]),
                        str_of(&block["text"]),
                        block["rtlLetters"],
                        block["ltrLetters"],
                        block["lang"],
                        block["dirAttr"],
                    ));
                }
            }
        }
        if BOOKS_WITH_RTL_TEXT.contains(book) && rtl_blocks == 0 {
            failures.push(format!(
                "{book}: no right-to-left block was found at all, so nothing was measured"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "blocks laid out in the wrong direction:\n  {}",
        failures.join("\n  ")
    );
}

#[test]
fn a_book_in_a_right_to_left_language_turns_its_pages_right_to_left() {
    let Some(run) = readers() else { return };
    let mut failures = Vec::new();
    for book in FIXTURES {
        let request = fixture(book);
        let language = request["article"]["language"]
            .as_str()
            .or_else(|| request["collection"]["language"].as_str())
            .unwrap_or("en");
        let r = engine(run, book, "foliate");
        if !opened(r, book, "foliate") {
            continue;
        }
        let dir = r["dir"].as_str();
        let expected = if is_rtl_language(language) {
            "rtl"
        } else {
            "ltr"
        };
        // A left-to-right book may leave the page progression unset: readers default to ltr.
        if dir.unwrap_or("ltr") != expected {
            failures.push(format!(
                "{book} (language {language}): foliate's page progression is {dir:?}, expected {expected:?} \
                 (the OPF spine's page-progression-direction)"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "wrong page progression:\n  {}",
        failures.join("\n  ")
    );
}

// ------------------------------------------------------------------------------ Ace

#[test]
fn ace_finds_no_accessibility_violations() {
    let Some(tools) = tools(true) else { return };
    let run = run_harness(&tools, true).unwrap_or_else(|e| panic!("the Ace harness failed: {e}"));
    let mut failures = Vec::new();
    for book in FIXTURES {
        let r = engine(&run, book, "ace");
        if let Some(e) = r["harnessError"].as_str() {
            failures.push(format!("{book}: Ace could not check the book: {e}"));
            continue;
        }
        let violations = r["violations"].as_array().cloned().unwrap_or_default();
        for v in &violations {
            failures.push(format!(
                "{book}: [{}] {} in {} at {}: {}",
                str_of(&v["impact"]),
                str_of(&v["rule"]),
                str_of(&v["document"]),
                str_of(&v["location"]),
                str_of(&v["description"]),
            ));
        }
        let missing = strings(&r["a11yMetadata"]["missing"]);
        if !missing.is_empty() {
            eprintln!(
                "note: Ace lists accessibility metadata missing from {book}: {}",
                missing.join(", ")
            );
        }
    }
    assert!(
        failures.is_empty(),
        "Ace violations:\n  {}",
        failures.join("\n  ")
    );
}
