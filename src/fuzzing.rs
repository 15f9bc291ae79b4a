//! The bodies of the fuzz targets, one function per target, so the fuzzers (`fuzz/`) and the
//! replay of their corpora in `cargo test` (`tests/fuzz_corpus.rs`) run exactly the same
//! code. Each function takes the fuzzer's bytes, must never panic on them, and panics with a
//! message when it finds a broken guarantee, which is how a fuzzer reports a finding.
//!
//! The targets are split by cost, so the cheap stages get the executions they need:
//! decoding and validation alone, the text renderer, the paragraph engine, the EPUB writer,
//! font loading, the two body importers, and the whole pipeline in every format.

use std::io::Read;
use std::sync::LazyLock;

use prost::Message;

use crate::layout::{
    FontId, FontLibrary, Run, SetParagraph, Settings, TextStyle, hyphenator, set_paragraph,
};
use crate::model::{ExportJob, Language};
use crate::pb;
use crate::render::Registry;

/// The built-in renderers with the embedded fonts only, shared by every execution.
fn registry() -> &'static Registry {
    static REGISTRY: LazyLock<Registry> =
        LazyLock::new(|| Registry::builtin(&FontLibrary::embedded()));
    &REGISTRY
}

fn decode(data: &[u8]) -> Option<pb::ExportRequest> {
    pb::ExportRequest::decode(data).ok()
}

fn decode_json(data: &[u8]) -> Option<pb::ExportRequest> {
    let text = std::str::from_utf8(data).ok()?;
    crate::json::request_from_json(text).ok()
}

/// Protobuf bytes → request → validation. Nothing may panic.
pub fn validate_protobuf(data: &[u8]) {
    if let Some(request) = decode(data) {
        let _ = ExportJob::try_from(request);
    }
}

/// Canonical proto3 JSON → request → validation. Nothing may panic.
pub fn validate_json(data: &[u8]) {
    if let Some(request) = decode_json(data) {
        let _ = ExportJob::try_from(request);
    }
}

/// Protobuf bytes → validation → the text renderer. A request that validates must render.
pub fn text(data: &[u8]) {
    render_one(data, "text");
}

/// Renders a decoded request in one format and returns the bytes when it validates.
fn render_one(data: &[u8], format: &str) -> Option<Vec<u8>> {
    let mut request = decode(data)?;
    format.clone_into(&mut request.format);
    let job = ExportJob::try_from(request).ok()?;
    match crate::pipeline::export(registry(), &job, None) {
        Ok(export) => Some(export.content),
        // A collection sent to a format of single articles.
        Err(crate::pipeline::ExportError::Invalid(_)) => None,
        Err(error) => panic!("a valid document fails to render as {format}: {error}"),
    }
}

/// Protobuf bytes → validation → the EPUB writer. A request that validates must render, and
/// every XML part of the book (package document, navigation, content documents, container)
/// must be well-formed, as a real XML parser reads it.
pub fn epub(data: &[u8]) {
    let Some(book) = render_one(data, "epub") else {
        return;
    };
    check_epub_xml(&book);
}

/// Panics unless every XML part of an EPUB is well-formed XML.
pub fn check_epub_xml(book: &[u8]) {
    let mut archive =
        zip::ZipArchive::new(std::io::Cursor::new(book)).expect("the EPUB is a ZIP archive");
    let mut parts = 0;
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).expect("every ZIP entry reads");
        let name = entry
            .name()
            .expect("the EPUB names its parts in UTF-8")
            .into_owned();
        let is_xml = [".xhtml", ".opf", ".ncx", ".xml"]
            .iter()
            .any(|ext| name.ends_with(ext));
        if !is_xml {
            continue;
        }
        let mut text = String::new();
        entry
            .read_to_string(&mut text)
            .unwrap_or_else(|e| panic!("{name} is not UTF-8: {e}"));
        let options = roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        };
        if let Err(error) = roxmltree::Document::parse_with_options(&text, options) {
            panic!("{name} is not well-formed XML: {error}\n{text}");
        }
        parts += 1;
    }
    assert!(parts >= 3, "the EPUB has its XML parts");
}

/// Arbitrary bytes as a font file, through the path a `--font-dir` file takes: the header
/// check, then fontdb indexes the faces, each is checked as the font library checks it, and a face the check lets
/// through must then shape, measure and subset without a panic, as a render would use it.
pub fn font(data: &[u8]) {
    let mut database = fontdb::Database::new();
    for id in crate::layout::load_font_data(&mut database, data.to_vec()) {
        database.with_face_data(id, |data, index| {
            if crate::layout::unusable(data, index).is_some() {
                return;
            }
            use_face(data, index);
        });
    }
}

/// Does with a face what a render does: shapes a sample, reads every glyph's advance and
/// outline, and subsets the glyphs used.
fn use_face(data: &[u8], index: u32) {
    let Some(face) = rustybuzz::Face::from_slice(data, index) else {
        return;
    };
    let mut buffer = rustybuzz::UnicodeBuffer::new();
    buffer.push_str("Kremlin talks: 4 hours, «Путин» 北京 مرحبا fi ffl");
    let shaped = rustybuzz::shape(&face, &[], buffer);
    let mut remapper = subsetter::GlyphRemapper::new();
    remapper.remap(0);
    struct Sink;
    impl rustybuzz::ttf_parser::OutlineBuilder for Sink {
        fn move_to(&mut self, _: f32, _: f32) {}
        fn line_to(&mut self, _: f32, _: f32) {}
        fn quad_to(&mut self, _: f32, _: f32, _: f32, _: f32) {}
        fn curve_to(&mut self, _: f32, _: f32, _: f32, _: f32, _: f32, _: f32) {}
        fn close(&mut self) {}
    }
    for info in shaped.glyph_infos() {
        let glyph = rustybuzz::ttf_parser::GlyphId(info.glyph_id as u16);
        let _ = face.glyph_hor_advance(glyph);
        let _ = face.outline_glyph(glyph, &mut Sink);
        remapper.remap(glyph.0);
    }
    let _ = subsetter::subset(data, index, &remapper);
}

/// An HTML body → import → validation. A body is imported into blocks that validate or
/// refused with a field violation; nothing may panic.
pub fn body_html(data: &[u8]) {
    if let Some(request) = body_request(data, false) {
        let _ = ExportJob::try_from(request);
    }
}

/// A Markdown body → import → validation, as [`body_html`].
pub fn body_markdown(data: &[u8]) {
    if let Some(request) = body_request(data, true) {
        let _ = ExportJob::try_from(request);
    }
}

/// A request for one article whose body is `data` as HTML or Markdown.
pub fn body_request(data: &[u8], markdown: bool) -> Option<pb::ExportRequest> {
    let body = std::str::from_utf8(data).ok()?.to_owned();
    let mut article = pb::Article {
        headline: "Fuzz".to_owned(),
        ..Default::default()
    };
    if markdown {
        article.body_markdown = body;
    } else {
        article.body_html = body;
    }
    Some(pb::ExportRequest {
        format: "text".to_owned(),
        document: Some(pb::export_request::Document::Article(article)),
        ..Default::default()
    })
}

/// Protobuf bytes → validation → every built-in format. A request that validates must
/// render in every format that takes its document.
pub fn pipeline_protobuf(data: &[u8]) {
    if let Some(request) = decode(data) {
        crate::pipeline::validate_and_export_everywhere(request).expect("a valid document renders");
    }
}

/// Canonical proto3 JSON → validation → every built-in format, as [`pipeline_protobuf`].
pub fn pipeline_json(data: &[u8]) {
    if let Some(request) = decode_json(data) {
        crate::pipeline::validate_and_export_everywhere(request).expect("a valid document renders");
    }
}

/// The languages the paragraph target picks from: hyphenated Latin and Cyrillic scripts,
/// right-to-left scripts and CJK, which has no spaces.
const LANGUAGES: [&str; 8] = ["en", "de", "fr", "ru", "ar", "he", "ja", "zh"];

/// The paragraph engine alone. The first five bytes choose the settings (switches, the
/// measure, the language, the size); the rest is text, cut into up to four runs of
/// different styles (and a link) at each U+0001. The set lines must cover every character
/// of the text once, in order, and no line may be wider than the measure unless it holds a
/// single cluster that cannot be broken.
pub fn paragraph(data: &[u8]) {
    let [switches, width_hi, width_lo, language, size, rest @ ..] = data else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let width = 1.0 + f32::from(u16::from_be_bytes([*width_hi, *width_lo]) % 4000) / 4.0;
    let language = Language::parse(LANGUAGES[usize::from(*language) % LANGUAGES.len()])
        .expect("the fixed tags parse");
    let size = 4.0 + f32::from(*size % 64);
    let fonts = FontLibrary::embedded();
    let settings = Settings {
        width,
        justify: switches & 1 != 0,
        hyphenator: if switches & 2 != 0 {
            hyphenator(&language)
        } else {
            None
        },
        rtl: switches & 4 != 0,
        fonts: &fonts,
    };
    let runs: Vec<Run<'_>> = text
        .splitn(4, '\u{1}')
        .enumerate()
        .map(|(i, text)| Run {
            text,
            style: TextStyle {
                font: FontId::ALL[(usize::from(*switches >> 3) + i) % FontId::ALL.len()],
                size,
            },
            link: (switches & 0x80 != 0 && i % 2 == 1).then_some("https://example.com/"),
        })
        .collect();
    let set = set_paragraph(&runs, &settings);
    let logical: String = runs.iter().map(|r| r.text).collect();
    check_coverage(&logical, &set);
    check_measure(&logical, &set, width);
}

/// The characters a line shows: what the engine sets for a paragraph's text, leaving out
/// the spaces and newlines the breaks and glue stand for, and hyphens (a hyphen the break
/// adds cannot be told from one in the text).
fn shown(c: char) -> bool {
    !matches!(c, ' ' | '\n' | '-')
}

/// Every character of the text is set once, in order; in a paragraph with any right-to-left
/// text, lines are in visual order, so there the characters are compared as a multiset.
fn check_coverage(text: &str, set: &SetParagraph) {
    let expected: String = text.chars().filter(|&c| shown(c)).collect();
    let actual: String = set
        .lines
        .iter()
        .flat_map(|line| &line.runs)
        .flat_map(|run| &run.glyphs)
        .flat_map(|glyph| glyph.text.chars())
        .filter(|&c| shown(c))
        .collect();
    let bidi = !text.is_empty()
        && unicode_bidi::ParagraphBidiInfo::new(text, None)
            .levels
            .iter()
            .any(|level| level.is_rtl())
        || set.rtl;
    if bidi {
        let mut expected: Vec<char> = expected.chars().collect();
        let mut actual: Vec<char> = actual.chars().collect();
        expected.sort_unstable();
        actual.sort_unstable();
        assert_eq!(actual, expected, "the lines lose or repeat characters");
    } else {
        assert_eq!(
            actual, expected,
            "the lines lose, repeat or reorder characters"
        );
    }
}

/// No line is wider than the measure, unless it holds one cluster that cannot be broken.
///
/// Clusters are counted in the line's logical text: lines are consecutive stretches of the
/// paragraph's text, so each takes as many of its characters as it shows. The glyphs' own
/// order will not do, since right-to-left text is in visual order there, which can put a
/// combining mark before its base.
fn check_measure(text: &str, set: &SetParagraph, width: f32) {
    use unicode_segmentation::UnicodeSegmentation;
    let logical: Vec<char> = text.chars().filter(|&c| shown(c)).collect();
    let mut at = 0;
    for line in &set.lines {
        let glyphs = || line.runs.iter().flat_map(|run| &run.glyphs);
        let count = glyphs()
            .flat_map(|glyph| glyph.text.chars())
            .filter(|&c| shown(c))
            .count();
        let stretch: String = logical[at.min(logical.len())..(at + count).min(logical.len())]
            .iter()
            .collect();
        at += count;
        if line.width <= width * 1.001 + 0.01 {
            continue;
        }
        let clusters = stretch.graphemes(true).count();
        assert!(
            clusters <= 1,
            "a line of {clusters} clusters is {} pt on a {width} pt measure: {stretch:?}",
            line.width
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(glyphs: &[&str], width: f32) -> crate::layout::SetLine {
        crate::layout::SetLine {
            runs: vec![crate::layout::GlyphRun {
                font: FontId::SerifRegular,
                size: 10.0,
                glyphs: glyphs
                    .iter()
                    .map(|text| crate::layout::SetGlyph {
                        glyph_id: 1,
                        x: 0.0,
                        y: 0.0,
                        advance: 1.0,
                        text: (*text).into(),
                    })
                    .collect(),
            }],
            width,
            links: Vec::new(),
        }
    }

    #[test]
    #[should_panic(expected = "a line of 2 clusters")]
    fn two_clusters_past_the_measure_are_a_finding() {
        let set = SetParagraph {
            lines: vec![line(&["x"], 5.0), line(&["a", "b"], 40.0)],
            ..Default::default()
        };
        check_measure("x ab", &set, 10.0);
    }

    #[test]
    fn one_cluster_in_visual_order_past_the_measure_is_not() {
        // A combining mark (Thaana sukun) on a Hebrew gershayim, right to left: the mark's
        // glyph comes first.
        let set = SetParagraph {
            lines: vec![line(&["\u{7af}", "\u{5f4}"], 80.0)],
            ..Default::default()
        };
        check_measure("\u{5f4}\u{7af}", &set, 45.0);
    }

    #[test]
    fn a_paragraph_input_sets_and_checks() {
        let mut data = vec![0b0000_0011, 0x01, 0x00, 0, 10];
        data.extend_from_slice(
            "Russian President Vladimir Putin met for more than four hours.\u{1}In the Kremlin."
                .as_bytes(),
        );
        paragraph(&data);
    }

    #[test]
    fn a_face_the_library_accepts_is_used_without_a_panic() {
        font(FontId::SerifRegular.data());
        font(b"not a font");
        font(&[]);
    }
}
