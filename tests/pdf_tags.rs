//! Tagged PDF, checked with pikepdf and poppler's `pdfinfo -struct-text`: a structure tree
//! marked as such, headings that never skip a level, figures with alt text, tables with
//! header cells, every link in a Link element, page furniture outside the tree, and the
//! body's words in reading order in one column and in two.

mod common;

use std::ffi::OsStr;

use broadsheet::model::{Block, Document, ExportJob};
use broadsheet::pb;
use common::validators::{python, tool};

fn pdf_of(mut request: pb::ExportRequest) -> (ExportJob, Vec<u8>, tempfile::TempDir) {
    request.format = "pdf".to_owned();
    let job = ExportJob::try_from(request).expect("a valid request");
    let export = common::export(&common::builtin(), &job);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("out.pdf"), &export.content).unwrap();
    (job, export.content, dir)
}

/// What pikepdf finds in the structure tree: one line per element, `TYPE|ALT`, in tree
/// order, then `LINKS n tagged` for the link annotations.
const WALK: &str = r#"import sys, pikepdf
pdf = pikepdf.open(sys.argv[1])
root = pdf.Root
assert "/StructTreeRoot" in root, "no StructTreeRoot"
assert bool(root.MarkInfo.Marked), "MarkInfo /Marked is not true"
def walk(node):
    if isinstance(node, pikepdf.Array):
        for kid in node:
            walk(kid)
        return
    if not isinstance(node, pikepdf.Dictionary):
        return
    if "/S" in node:
        alt = str(node.get("/Alt", ""))
        print(f"{node.S}|{alt}")
    if "/K" in node:
        walk(node.K)
walk(root.StructTreeRoot.get("/K"))
links = tagged = 0
for page in pdf.pages:
    for a in page.get("/Annots", []):
        if a.get("/Subtype") == "/Link":
            links += 1
            tagged += "/StructParent" in a
print(f"LINKS {links} {tagged}")
"#;

/// The structure elements (type, alt text) in tree order, the link annotations, and how
/// many of them are in the tree.
type Tree = (Vec<(String, String)>, usize, usize);

fn elements(path: &std::path::Path) -> Option<Tree> {
    let out = python(&["pikepdf"], WALK, &[path.as_os_str()])?;
    let mut elements = Vec::new();
    let mut links = (0, 0);
    for line in out.lines() {
        if let Some(rest) = line.strip_prefix("LINKS ") {
            let mut n = rest.split(' ').map(|n| n.parse::<usize>().unwrap());
            links = (n.next().unwrap(), n.next().unwrap());
        } else if let Some((kind, alt)) = line.split_once('|') {
            elements.push((kind.trim_start_matches('/').to_owned(), alt.to_owned()));
        }
    }
    Some((elements, links.0, links.1))
}

#[test]
fn the_structure_tree_has_ordered_headings_described_figures_header_cells_and_tagged_links() {
    for fixture in ["newsroom.json", "digest.json", "hostile.json"] {
        let mut request = common::fixture(fixture);
        if fixture == "newsroom.json" {
            // Every block type, images included.
            let every = common::every_block_type();
            if let (
                Some(pb::export_request::Document::Article(article)),
                Some(pb::export_request::Document::Article(more)),
            ) = (&mut request.document, every.document)
            {
                article.body.extend(more.body);
            }
        }
        let (_, _, dir) = pdf_of(request);
        let Some((elements, links, tagged)) = elements(&dir.path().join("out.pdf")) else {
            return;
        };
        let kinds: Vec<&str> = elements.iter().map(|(k, _)| k.as_str()).collect();
        let mut last = 0u8;
        for kind in &kinds {
            if let Some(level) = kind.strip_prefix('H').and_then(|l| l.parse::<u8>().ok()) {
                assert!(
                    level <= last + 1 || level == 1,
                    "{fixture}: H{level} after H{last}"
                );
                last = level;
            }
        }
        assert!(kinds.contains(&"H1"), "{fixture}: no H1 in {kinds:?}");
        for (kind, alt) in &elements {
            if kind == "Figure" {
                assert!(!alt.is_empty(), "{fixture}: a Figure without /Alt");
            }
        }
        assert_eq!(
            links, tagged,
            "{fixture}: every link annotation is in the tree"
        );
        if fixture == "newsroom.json" {
            for kind in [
                "Table",
                "TR",
                "TH",
                "TD",
                "L",
                "LI",
                "Lbl",
                "LBody",
                "Figure",
                "BlockQuote",
            ] {
                assert!(kinds.contains(&kind), "newsroom: no {kind} in {kinds:?}");
            }
        }
        if fixture == "digest.json" {
            assert!(
                kinds.contains(&"TOC") && kinds.contains(&"TOCI"),
                "{kinds:?}"
            );
        }
    }
}

/// `pdfinfo -struct-text`: the text of the structure elements, in tree order.
fn struct_text(path: &std::path::Path) -> Option<String> {
    let out = tool("pdfinfo", &[OsStr::new("-struct-text"), path.as_os_str()])?;
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn the_tree_reads_the_body_in_order_in_one_column_and_two_and_leaves_out_page_numbers() {
    for columns in [1, 2] {
        let mut request = common::seed("pdf");
        request.options = Some(pb::RenderOptions {
            pdf: Some(pb::PdfOptions {
                columns: Some(columns),
                ..Default::default()
            }),
            ..Default::default()
        });
        let (job, _, dir) = pdf_of(request);
        let Some(text) = struct_text(&dir.path().join("out.pdf")) else {
            return;
        };
        // pdfinfo quotes each element's text; a word broken at a line end comes back as
        // "sub-" and "stance".
        let mut flat = String::new();
        for line in text.lines() {
            let line = line.trim().trim_matches('"');
            if flat.ends_with('-') {
                flat.pop();
            } else {
                flat.push(' ');
            }
            flat.push_str(line);
        }
        let Document::Article(article) = &job.document else {
            unreachable!()
        };
        let mut at = 0;
        for block in &article.body {
            let Block::Paragraph(spans) = block else {
                continue;
            };
            for word in broadsheet::model::plain_text(spans).split_whitespace() {
                // The word's first run of letters, up to four: punctuation is not what
                // this checks, and hyphenation splits words later than that.
                let probe: String = word
                    .chars()
                    .skip_while(|c| !c.is_alphanumeric())
                    .take_while(|c| c.is_alphanumeric())
                    .take(4)
                    .collect();
                if probe.is_empty() {
                    continue;
                }
                let found = flat[at..].find(&probe).unwrap_or_else(|| {
                    panic!("{columns} column(s): {word:?} is missing or out of order")
                });
                at += found + probe.len();
            }
        }
        assert!(
            !flat.contains(" / 2"),
            "{columns} column(s): a page number is in the tree"
        );
    }
}

#[test]
fn option_combinations_that_cannot_conform_name_both_fields() {
    for (tagged, archival) in [(false, pb::PdfArchival::A2a), (true, pb::PdfArchival::A4)] {
        let mut request = common::seed("pdf");
        request.options = Some(pb::RenderOptions {
            pdf: Some(pb::PdfOptions {
                tagged: Some(tagged),
                archival: archival as i32,
                ..Default::default()
            }),
            ..Default::default()
        });
        let err = ExportJob::try_from(request).unwrap_err();
        let fields: Vec<&str> = err.violations.iter().map(|v| v.field.as_str()).collect();
        assert!(
            fields.contains(&"options.pdf.tagged") && fields.contains(&"options.pdf.archival"),
            "{tagged} {archival:?}: {fields:?}"
        );
    }
}

/// What pikepdf finds about PDF/A: `part conformance`, the number of output intents,
/// whether the file is encrypted.
const PDFA: &str = r#"import sys, pikepdf
pdf = pikepdf.open(sys.argv[1])
meta = pdf.open_metadata()
part = meta.get("pdfaid:part", "")
conformance = meta.get("pdfaid:conformance", "")
intents = len(pdf.Root.get("/OutputIntents", []))
print(part, conformance or "-", intents, pdf.is_encrypted)
"#;

#[test]
fn every_fixture_renders_in_every_option_combination_and_pdf_a_carries_its_marks() {
    let combinations = [
        (true, pb::PdfArchival::Unspecified, None),
        (false, pb::PdfArchival::Unspecified, None),
        (true, pb::PdfArchival::A2b, Some(("2", "B"))),
        (true, pb::PdfArchival::A2a, Some(("2", "A"))),
        (false, pb::PdfArchival::A2b, Some(("2", "B"))),
        (true, pb::PdfArchival::A3b, Some(("3", "B"))),
        (false, pb::PdfArchival::A4, Some(("4", "-"))),
    ];
    for fixture in [
        "seed.json",
        "multilingual.json",
        "digest.json",
        "newsroom.json",
        "hostile.json",
    ] {
        for (tagged, archival, expected) in combinations {
            let mut request = common::fixture(fixture);
            request.options = Some(pb::RenderOptions {
                pdf: Some(pb::PdfOptions {
                    tagged: Some(tagged),
                    archival: archival as i32,
                    ..Default::default()
                }),
                ..Default::default()
            });
            let (_, _, dir) = pdf_of(request);
            let path = dir.path().join("out.pdf");
            let Some(expected) = expected else {
                continue;
            };
            let Some(out) = python(&["pikepdf"], PDFA, &[path.as_os_str()]) else {
                return;
            };
            let fields: Vec<&str> = out.split_whitespace().collect();
            assert_eq!(
                (fields[0], fields[1], fields[2], fields[3]),
                (expected.0, expected.1, "1", "False"),
                "{fixture} {archival:?}: {out}"
            );
            let Some(fonts) = tool("pdffonts", &[path.as_os_str()]) else {
                return;
            };
            let fonts = String::from_utf8_lossy(&fonts.stdout).into_owned();
            for line in fonts.lines().skip(2) {
                assert!(
                    line.contains(" yes "),
                    "{fixture}: a font is not embedded: {line}"
                );
            }
        }
    }
}

#[test]
fn an_article_in_another_language_than_its_briefing_says_so() {
    let mut request = common::seed_collection(2, "pdf");
    if let Some(pb::export_request::Document::Collection(collection)) = &mut request.document {
        collection.articles[1].language = "de".to_owned();
    }
    let (_, _, dir) = pdf_of(request);
    const LANGS: &str = r#"import sys, pikepdf
pdf = pikepdf.open(sys.argv[1])
print(pdf.Root.get("/Lang"))
def walk(node):
    if isinstance(node, pikepdf.Array):
        for kid in node:
            walk(kid)
    elif isinstance(node, pikepdf.Dictionary):
        if node.get("/S") == "/Art":
            print("Art", node.get("/Lang", "-"))
        if "/K" in node:
            walk(node.K)
walk(pdf.Root.StructTreeRoot.get("/K"))
"#;
    let Some(out) = python(
        &["pikepdf"],
        LANGS,
        &[dir.path().join("out.pdf").as_os_str()],
    ) else {
        return;
    };
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "en", "{out}");
    assert_eq!(&lines[1..], ["Art -", "Art de"], "{out}");
}
