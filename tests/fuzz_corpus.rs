//! The fuzzers' corpora (`fuzz/corpus/TARGET/`), replayed through the very functions the fuzz
//! targets call (`broadsheet::fuzzing`). It is the short, deterministic part of fuzzing
//! that runs in CI; the long runs are `cargo fuzz run` (see the README's "Fuzzing"). Every
//! crash input a fuzzer found is kept in its target's corpus, so it is a regression test
//! here.
//!
//! `BROADSHEET_WRITE_FUZZ_SEEDS=1 cargo test --test fuzz_corpus` writes seeds made from the
//! fixtures: their protobuf encodings, paragraphs for the paragraph engine and a small font.

mod common;

use std::path::{Path, PathBuf};

use broadsheet::fuzzing;
use prost::Message;

/// What a fuzz target runs on each input.
type Target = fn(&[u8]);

/// Every fuzz target (the `[[bin]]` names in `fuzz/Cargo.toml`) and the function it runs.
const TARGETS: &[(&str, Target)] = &[
    ("validate_protobuf", fuzzing::validate_protobuf),
    ("validate_json", fuzzing::validate_json),
    ("text", fuzzing::text),
    ("paragraph", fuzzing::paragraph),
    ("epub", fuzzing::epub),
    ("font", fuzzing::font),
    ("body_html", fuzzing::body_html),
    ("body_markdown", fuzzing::body_markdown),
    ("request_protobuf", fuzzing::pipeline_protobuf),
    ("request_json", fuzzing::pipeline_json),
];

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target)
}

fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(corpus_dir(target))
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| {
                    (
                        e.file_name().to_string_lossy().into_owned(),
                        std::fs::read(e.path()).unwrap(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

fn replay(target: &str) {
    let run = TARGETS
        .iter()
        .find(|(name, _)| *name == target)
        .map(|(_, run)| *run)
        .expect("a known target");
    let files = corpus(target);
    assert!(!files.is_empty(), "the {target} corpus has seeds");
    for (name, data) in files {
        eprintln!("replaying {target}/{name}");
        run(&data);
    }
}

#[test]
fn every_fuzz_target_is_replayed_here() {
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/Cargo.toml"))
            .unwrap();
    let declared: Vec<&str> = manifest
        .split("[[bin]]")
        .skip(1)
        .filter_map(|bin| {
            bin.lines()
                .find_map(|l| l.trim().strip_prefix("name = "))
                .map(|n| n.trim_matches('"'))
        })
        .collect();
    let known: Vec<&str> = TARGETS.iter().map(|(name, _)| *name).collect();
    assert_eq!(
        declared, known,
        "fuzz/Cargo.toml and TARGETS list the same targets"
    );
    for target in known {
        assert!(corpus_dir(target).is_dir(), "{target} has a corpus folder");
    }
}

#[test]
fn replays_validation() {
    replay("validate_protobuf");
    replay("validate_json");
}

#[test]
fn replays_the_text_renderer() {
    replay("text");
}

#[test]
fn replays_the_paragraph_engine() {
    if std::env::var_os("BROADSHEET_WRITE_FUZZ_SEEDS").is_some() {
        write_paragraph_seeds();
    }
    replay("paragraph");
}

#[test]
fn replays_the_epub_writer() {
    replay("epub");
}

#[test]
fn replays_font_loading() {
    if std::env::var_os("BROADSHEET_WRITE_FUZZ_SEEDS").is_some() {
        write_font_seeds();
    }
    replay("font");
}

#[test]
fn replays_the_protobuf_pipeline() {
    if std::env::var_os("BROADSHEET_WRITE_FUZZ_SEEDS").is_some() {
        for name in ["seed", "multilingual", "hostile", "digest"] {
            let encoded = common::fixture(&format!("{name}.json")).encode_to_vec();
            for target in ["request_protobuf", "validate_protobuf", "text", "epub"] {
                std::fs::write(corpus_dir(target).join(format!("{name}.pb")), &encoded).unwrap();
            }
        }
    }
    replay("request_protobuf");
}

#[test]
fn replays_the_json_pipeline() {
    replay("request_json");
}

/// The body importers' corpora, through import and validation as their targets drive them,
/// and then, for the bodies that import, through every renderer.
#[test]
fn replays_the_body_importers() {
    replay("body_html");
    replay("body_markdown");
    for (target, markdown) in [("body_html", false), ("body_markdown", true)] {
        for (_, data) in corpus(target) {
            if let Some(request) = fuzzing::body_request(&data, markdown) {
                broadsheet::pipeline::validate_and_export_everywhere(request)
                    .expect("an imported body renders");
            }
        }
    }
}

/// Paragraphs of the fixtures, each behind the five bytes of settings the paragraph target
/// reads (switches, the measure, the language, the size).
fn write_paragraph_seeds() {
    let seeds: [(&str, [u8; 5]); 4] = [
        ("seed", [0b0000_0011, 0x03, 0x20, 0, 6]),
        ("multilingual", [0b1000_1001, 0x01, 0x90, 4, 8]),
        ("hostile", [0b0000_0101, 0x00, 0x40, 5, 2]),
        ("digest", [0b0001_0011, 0x02, 0x00, 1, 14]),
    ];
    for (name, header) in seeds {
        let request = common::fixture(&format!("{name}.json"));
        let texts = paragraph_texts(&request);
        let mut data = header.to_vec();
        data.extend_from_slice(texts.join("\u{1}").as_bytes());
        std::fs::write(corpus_dir("paragraph").join(format!("{name}.bin")), data).unwrap();
    }
}

fn paragraph_texts(request: &broadsheet::pb::ExportRequest) -> Vec<String> {
    use broadsheet::pb::{block::Kind, export_request::Document};
    let articles = match &request.document {
        Some(Document::Article(article)) => vec![article.clone()],
        Some(Document::Collection(collection)) => collection.articles.clone(),
        None => Vec::new(),
    };
    articles
        .iter()
        .flat_map(|a| &a.body)
        .filter_map(|b| match &b.kind {
            Some(Kind::Paragraph(p)) => Some(p.text.clone()),
            _ => None,
        })
        .take(4)
        .collect()
}

/// A small subset of an embedded face: a real font for the font target to mutate.
fn write_font_seeds() {
    let data = broadsheet::layout::FontId::SerifRegular.data();
    let face = broadsheet::layout::face(broadsheet::layout::FontId::SerifRegular);
    let mut remapper = subsetter::GlyphRemapper::new();
    remapper.remap(0);
    for c in "Kremlin talks".chars() {
        if let Some(glyph) = face.glyph_index(c) {
            remapper.remap(glyph.0);
        }
    }
    let subset = subsetter::subset(data, 0, &remapper).unwrap();
    std::fs::write(corpus_dir("font").join("dejavu-serif-subset.ttf"), subset).unwrap();
}
