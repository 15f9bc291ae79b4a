//! The fuzzers' corpora (`fuzz/corpus/`), replayed through the same pipeline the fuzz
//! targets drive: decode, validate, render in every format. It is the short, deterministic
//! part of fuzzing that runs in CI; the long runs are `cargo fuzz run` (see `fuzz/`).
//!
//! `BROADSHEET_WRITE_FUZZ_SEEDS=1 cargo test --test fuzz_corpus` writes the fixtures'
//! protobuf encodings into the protobuf corpus as seeds.

mod common;

use std::path::Path;

use broadsheet::pb;
use prost::Message;

fn exercise(request: pb::ExportRequest) {
    broadsheet::pipeline::validate_and_export_everywhere(request)
        .expect("a valid document renders");
}

fn corpus(name: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(name);
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
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

#[test]
fn replays_the_protobuf_corpus() {
    if std::env::var_os("BROADSHEET_WRITE_FUZZ_SEEDS").is_some() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/request_protobuf");
        for name in ["seed", "multilingual", "hostile", "digest"] {
            let request = common::fixture(&format!("{name}.json"));
            std::fs::write(dir.join(format!("{name}.pb")), request.encode_to_vec()).unwrap();
        }
    }
    let files = corpus("request_protobuf");
    assert!(!files.is_empty(), "the protobuf corpus has seeds");
    for (name, data) in files {
        let Ok(request) = pb::ExportRequest::decode(data.as_slice()) else {
            continue;
        };
        eprintln!("replaying {name}");
        exercise(request);
    }
}

#[test]
fn replays_the_json_corpus() {
    let files = corpus("request_json");
    assert!(!files.is_empty(), "the JSON corpus has seeds");
    for (name, data) in files {
        let Ok(text) = std::str::from_utf8(&data) else {
            continue;
        };
        let Ok(request) = broadsheet::json::request_from_json(text) else {
            continue;
        };
        eprintln!("replaying {name}");
        exercise(request);
    }
}

/// Replays a body corpus as the body fuzz targets drive it: import and validation, and, for
/// the bodies that validate, every renderer.
fn replay_bodies(corpus_name: &str, markdown: bool) {
    let files = corpus(corpus_name);
    assert!(!files.is_empty(), "the {corpus_name} corpus has seeds");
    for (name, data) in files {
        let Ok(body) = std::str::from_utf8(&data) else {
            continue;
        };
        let mut article = pb::Article {
            headline: "Fuzz".to_owned(),
            ..Default::default()
        };
        if markdown {
            article.body_markdown = body.to_owned();
        } else {
            article.body_html = body.to_owned();
        }
        eprintln!("replaying {name}");
        exercise(pb::ExportRequest {
            document: Some(pb::export_request::Document::Article(article)),
            ..Default::default()
        });
    }
}

#[test]
fn replays_the_html_body_corpus() {
    replay_bodies("body_html", false);
}

#[test]
fn replays_the_markdown_body_corpus() {
    replay_bodies("body_markdown", true);
}
