//! The krilla writer against today's `pdf-writer` one, on the seed article and every
//! fixture, each validated as PDF/UA-1 by krilla; and the structure tree it makes.

use std::io::Write as _;
use std::process::Command;

use super::super::flow::{Composed, Flow};
use super::super::{furniture, set_article, set_collection, write};
use super::{Info, Options, write_conforming, write_with};
use crate::layout::FontLibrary;
use crate::model::{Document, ExportJob};

fn request(name: &str) -> crate::pb::ExportRequest {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).expect("the fixture is readable");
    crate::json::request_from_json(&text).expect("the fixture is JSON")
}

fn job(name: &str) -> ExportJob {
    ExportJob::try_from(request(name)).expect("the fixture is valid")
}

/// A collection of `copies` of the seed article: a document of many pages.
fn long_job(copies: usize) -> ExportJob {
    use crate::pb::export_request::Document;
    let mut request = request("seed.json");
    let Some(Document::Article(article)) = request.document.take() else {
        panic!("the seed is an article");
    };
    request.document = Some(Document::Collection(crate::pb::Collection {
        title: "Many pages".to_owned(),
        articles: vec![article; copies],
        ..Default::default()
    }));
    ExportJob::try_from(request).expect("the collection is valid")
}

/// Both writers' output for an article, composed as `PdfRenderer::render` composes it.
struct Rendered {
    pdf_writer: Vec<u8>,
    krilla: Vec<u8>,
    krilla_ua: Vec<u8>,
    warnings: Vec<String>,
    /// The characters the drawn glyphs stand for, as [`characters`] gives them.
    expected: Vec<char>,
    pages: usize,
}

/// A job laid out as `PdfRenderer::render` lays it out, with the infos of both writers.
fn compose(job: &ExportJob) -> (Composed<'_>, write::Info, Info) {
    static FONTS: std::sync::LazyLock<FontLibrary> = std::sync::LazyLock::new(FontLibrary::default);
    let mut flow = Flow::new(&job.options.pdf, &FONTS);
    let (old_info, info, running_head) = match &job.document {
        Document::Article(article) => {
            let entry = set_article(&mut flow, article, true);
            flow.outline.push(entry);
            (
                write::Info::for_article(article),
                Info::for_article(article),
                article.headline.clone(),
            )
        }
        Document::Collection(collection) => {
            set_collection(&mut flow, collection);
            (
                write::Info::for_collection(collection),
                Info::for_collection(collection),
                collection.title.clone(),
            )
        }
    };
    furniture::lay_out(&mut flow, &running_head);
    (flow.finish(), old_info, info)
}

fn render(job: &ExportJob) -> Rendered {
    let (composed, old_info, info) = compose(job);
    let again = || Composed {
        options: composed.options,
        pages: composed.pages.clone(),
        images: composed.images.clone(),
        outline: composed.outline.clone(),
        structure: composed.structure.clone(),
    };
    let mut warnings = Vec::new();
    let pdf_writer =
        write::write(&again(), &old_info, &mut warnings).expect("pdf-writer writes it");
    let krilla =
        write_with(&again(), &info, &mut warnings, Options::default()).expect("krilla writes it");
    let krilla_ua = write_with(
        &composed,
        &info,
        &mut warnings,
        Options {
            tagged: true,
            pdf_ua: true,
            archival: None,
            helper: false,
        },
    )
    .unwrap_or_else(|e| panic!("krilla writes it as PDF/UA-1: {e}"));
    let mut text = String::new();
    for page in &composed.pages {
        for element in page.elements.iter().chain(&page.furniture) {
            if let super::super::flow::Element::Line { line, .. } = element {
                for run in &line.runs {
                    for glyph in run.glyphs.iter().filter(|g| g.glyph_id != 0) {
                        text.push_str(&glyph.text);
                    }
                }
            }
        }
    }
    Rendered {
        pages: composed.pages.len(),
        expected: characters(&text),
        pdf_writer,
        krilla,
        krilla_ua,
        warnings,
    }
}

/// Pages compressed and font subsets made with the helper pool give the bytes made on one
/// thread, and a pool that is busy is not waited for: with every helper thread held, the
/// writer compresses every page and makes every subset itself, and finishes. The long
/// document has more pages than the pool may fall behind by, so the writer compresses
/// some itself while the pool is idle too.
#[test]
fn a_document_written_beside_a_busy_or_idle_helper_is_the_same() {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::{Arc, mpsc};
    use std::time::Duration;

    // More than the eight pages the pool may fall behind by.
    for (job, fewest_pages) in [(job("multilingual.json"), 1), (long_job(8), 10)] {
        let (composed, _, info) = compose(&job);
        let pages = composed.pages.len();
        assert!(pages >= fewest_pages, "{pages} pages");
        let write = |helper: bool| {
            let options = Options {
                helper,
                ..Options::default()
            };
            write_with(&composed, &info, &mut Vec::new(), options).expect("krilla writes it")
        };
        let alone = write(false);
        assert!(
            write(true) == alone,
            "a document of {pages} pages written beside an idle helper differs"
        );

        let pool = super::super::ahead::helpers();
        let hold = Arc::new(AtomicBool::new(true));
        let held = Arc::new(AtomicUsize::new(0));
        for _ in 0..pool.current_num_threads() {
            let (hold, held) = (hold.clone(), held.clone());
            pool.spawn(move || {
                held.fetch_add(1, Ordering::SeqCst);
                while hold.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(1));
                }
            });
        }
        while held.load(Ordering::SeqCst) < pool.current_num_threads() {
            std::thread::sleep(Duration::from_millis(1));
        }
        let (done, finished) = mpsc::channel();
        std::thread::scope(|scope| {
            scope.spawn(|| done.send(write(true)).expect("the test waits"));
            let beside_busy = finished.recv_timeout(Duration::from_secs(60));
            hold.store(false, Ordering::SeqCst);
            let beside_busy = beside_busy.expect("the writer finished without the busy helper");
            assert!(
                beside_busy == alone,
                "a document of {pages} pages written beside a busy helper differs"
            );
        });
    }
}

/// Runs a poppler or qpdf tool on a PDF; `None` when the tool is not installed.
fn tool(name: &str, args: &[&str], pdf: &[u8]) -> Option<(bool, String)> {
    let mut file = tempfile::NamedTempFile::new().expect("a temporary file");
    file.write_all(pdf).expect("the PDF is written");
    let path = file.path().to_str().expect("a UTF-8 path").to_owned();
    let mut all: Vec<&str> = args.to_vec();
    all.push(&path);
    if name == "pdftotext" {
        all.push("-");
    }
    let output = Command::new(name).args(&all).output().ok()?;
    Some((
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr),
    ))
}

/// The text's characters, sorted, without white space, format characters (bidi controls,
/// zero-width ones, soft hyphens) and hyphens, which pdftotext drops at line ends.
fn characters(text: &str) -> Vec<char> {
    let format = |c: char| {
        matches!(c, '\u{00AD}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}')
            || matches!(c, '\u{2060}'..='\u{2069}' | '\u{FEFF}' | '-')
    };
    let mut chars: Vec<char> = text
        .chars()
        .filter(|c| !c.is_whitespace() && !format(*c))
        .collect();
    chars.sort_unstable();
    chars
}

fn words(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_owned).collect()
}

/// Every fixture (right-to-left scripts, fallback faces, a briefing with internal links)
/// passes qpdf and PDF/UA-1 and extracts to the words `write` gives.
#[test]
fn krilla_writes_every_fixture_as_pdf_writer_does() {
    for name in [
        "arabic.json",
        "digest.json",
        "hostile.json",
        "mixed-direction.json",
        "multilingual.json",
        "newsroom.json",
        "wordpress.json",
    ] {
        let rendered = render(&job(name));
        if std::env::var_os("BROADSHEET_KEEP_PDF").is_some() {
            std::fs::write(
                format!("/tmp/fx-{name}-pdf-writer.pdf"),
                &rendered.pdf_writer,
            )
            .expect("written");
            std::fs::write(format!("/tmp/fx-{name}-krilla-ua.pdf"), &rendered.krilla_ua)
                .expect("written");
        }
        if let Some((ok, report)) = tool("qpdf", &["--check"], &rendered.krilla_ua) {
            assert!(ok, "qpdf --check on {name}: {report}");
        }
        // The same words as `write` gives, or else exactly the characters the glyphs stand
        // for. Arabic needs the second: pdftotext orders combining marks by where they are
        // drawn, so words break differently, and `write` itself fails there (its
        // `ToUnicode` maps a glyph to the text of the first cluster it appeared in, so a
        // base letter under a mark comes out twice).
        if let (Some((true, old)), Some((true, new))) = (
            tool("pdftotext", &[], &rendered.pdf_writer),
            tool("pdftotext", &[], &rendered.krilla_ua),
        ) {
            let got = characters(&new);
            if words(&old) != words(&new) && got != rendered.expected {
                let mut extra = got.clone();
                let mut missing = rendered.expected.clone();
                for c in &rendered.expected {
                    if let Some(at) = extra.iter().position(|x| x == c) {
                        extra.remove(at);
                    }
                }
                for c in &got {
                    if let Some(at) = missing.iter().position(|x| x == c) {
                        missing.remove(at);
                    }
                }
                panic!("the text of {name}: extra {extra:?}, missing {missing:?}");
            }
        }
    }
}

#[test]
fn krilla_writes_the_seed_as_pdf_writer_does() {
    let job = job("seed.json");
    let first = render(&job);
    assert!(first.warnings.is_empty(), "{:?}", first.warnings);
    for (name, pdf) in [
        ("krilla", &first.krilla),
        ("krilla PDF/UA-1", &first.krilla_ua),
    ] {
        if let Some((ok, report)) = tool("qpdf", &["--check"], pdf) {
            assert!(ok, "qpdf --check on the {name} output: {report}");
        }
    }
    if let (Some((true, old)), Some((true, new)), Some((true, ua))) = (
        tool("pdftotext", &[], &first.pdf_writer),
        tool("pdftotext", &[], &first.krilla),
        tool("pdftotext", &[], &first.krilla_ua),
    ) {
        assert!(!words(&old).is_empty());
        assert_eq!(words(&old), words(&new), "the krilla output's words");
        assert_eq!(words(&old), words(&ua), "the PDF/UA-1 output's words");
    }
    let second = render(&job);
    assert!(first.krilla == second.krilla, "two krilla renders differ");
    assert!(
        first.krilla_ua == second.krilla_ua,
        "two PDF/UA-1 renders differ"
    );
    eprintln!(
        "seed: pdf-writer {} bytes, krilla {} bytes, krilla PDF/UA-1 {} bytes",
        first.pdf_writer.len(),
        first.krilla.len(),
        first.krilla_ua.len()
    );
    if std::env::var_os("BROADSHEET_KEEP_PDF").is_some() {
        for (name, pdf) in [
            ("pdf-writer", &first.pdf_writer),
            ("krilla", &first.krilla),
            ("krilla-ua", &first.krilla_ua),
        ] {
            std::fs::write(format!("/tmp/seed-{name}.pdf"), pdf).expect("written");
        }
    }
}

/// An encoded test image: a gradient, RGBA with some transparency or plain RGB.
fn encoded(format: image::ImageFormat, alpha: bool) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    if alpha {
        let picture = image::RgbaImage::from_fn(40, 30, |x, y| {
            image::Rgba([
                (x * 6) as u8,
                (y * 8) as u8,
                128,
                if x < 20 { 255 } else { 90 },
            ])
        });
        picture.write_to(&mut out, format).expect("encoded");
    } else {
        let picture = image::RgbImage::from_fn(40, 30, |x, y| {
            image::Rgb([(x * 6) as u8, (y * 8) as u8, 60])
        });
        picture.write_to(&mut out, format).expect("encoded");
    }
    out.into_inner()
}

fn figure(data: Vec<u8>, format: crate::model::ImageFormat, alt: &str) -> crate::model::Block {
    crate::model::Block::Figure(crate::model::Figure {
        image: crate::model::Image {
            data: data.into(),
            format,
            width: 40,
            height: 30,
            alt_text: alt.to_owned(),
        },
        caption: "A caption".to_owned(),
        credit: String::new(),
    })
}

#[test]
fn krilla_embeds_images_and_turns_a_corrupt_one_into_a_warning() {
    use crate::model::ImageFormat;
    let mut job = job("seed.json");
    let Document::Article(article) = &mut job.document else {
        panic!("an article");
    };
    let png = encoded(image::ImageFormat::Png, true);
    let mut corrupt = encoded(image::ImageFormat::Png, false);
    // A valid header, then garbage where the compressed pixels are.
    let len = corrupt.len();
    for byte in corrupt.iter_mut().skip(60).take(len.saturating_sub(80)) {
        *byte = 0x5A;
    }
    let jpeg = encoded(image::ImageFormat::Jpeg, false);
    article
        .body
        .insert(1, figure(png, ImageFormat::Png, "A gradient with alpha"));
    article.body.insert(
        2,
        figure(jpeg.clone(), ImageFormat::Jpeg, "A JPEG gradient"),
    );
    article
        .body
        .insert(3, figure(corrupt, ImageFormat::Png, "A broken picture"));
    article
        .body
        .insert(4, figure(jpeg.clone(), ImageFormat::Jpeg, ""));
    let rendered = render(&job);
    assert!(
        rendered
            .warnings
            .iter()
            .any(|w| w.contains("an image could not be embedded")),
        "{:?}",
        rendered.warnings
    );
    if let Some((ok, report)) = tool("qpdf", &["--check"], &rendered.krilla_ua) {
        assert!(ok, "{report}");
    }
    // The JPEG goes in byte for byte.
    let found = rendered
        .krilla
        .windows(jpeg.len())
        .any(|window| window == jpeg.as_slice());
    assert!(found, "the JPEG is embedded as it came");
    let again = render(&job);
    assert!(again.krilla_ua == rendered.krilla_ua, "two renders differ");
    if std::env::var_os("BROADSHEET_KEEP_PDF").is_some() {
        std::fs::write("/tmp/images-krilla-ua.pdf", &rendered.krilla_ua).expect("written");
        std::fs::write("/tmp/images-pdf-writer.pdf", &rendered.pdf_writer).expect("written");
    }
}

/// The structure elements `pdfinfo -struct-text` prints, in order, each with its depth, and
/// the text it prints inside them.
fn structure(pdf: &[u8]) -> Option<(Vec<(usize, String)>, String)> {
    let (ok, out) = tool("pdfinfo", &["-struct-text"], pdf)?;
    assert!(ok, "pdfinfo -struct-text: {out}");
    let mut elements = Vec::new();
    let mut text = String::new();
    for line in out.lines() {
        let trimmed = line.trim_start();
        let depth = line.len() - trimmed.len();
        if let Some(quoted) = trimmed.strip_prefix('"') {
            text.push_str(quoted.strip_suffix('"').unwrap_or(quoted));
            text.push('\n');
        } else if let Some(name) = trimmed.split_whitespace().next() {
            // Attributes ("/Scope /Column"), annotations ("Object 98 0") and poppler's
            // complaints are not elements.
            if name.starts_with('/') || name == "Object" || trimmed.contains("Error") {
                continue;
            }
            elements.push((depth, name.trim_end_matches(':').to_owned()));
        }
    }
    Some((elements, text))
}

/// The newsroom fixture, with the kinds of block it lacks (a body heading, a block
/// quotation, a described figure) added to its body.
fn newsroom_with_every_block() -> ExportJob {
    use crate::model::{Block, ImageFormat, Span};
    let mut job = job("newsroom.json");
    let Document::Article(article) = &mut job.document else {
        panic!("an article");
    };
    article.body.insert(
        2,
        Block::Heading {
            level: 2,
            spans: vec![Span::plain("Inside the Kremlin")],
        },
    );
    article.body.insert(
        4,
        Block::Quote {
            paragraphs: vec![vec![Span::plain(
                "We have not yet found a compromise, but some American proposals can be discussed.",
            )]],
            attribution: "Yuri Ushakov".to_owned(),
        },
    );
    article.body.insert(
        6,
        figure(
            encoded(image::ImageFormat::Jpeg, false),
            ImageFormat::Jpeg,
            "The Kremlin at night",
        ),
    );
    job
}

/// The newsroom structure tree has its headline and a body heading, a table, a list, a
/// described figure and a block quotation; headings never skip a level; and the page
/// numbers are artifacts, outside every element.
#[test]
fn the_newsroom_structure_tree_has_every_kind_of_block() {
    let plain = render(&job("newsroom.json"));
    if let Some((elements, _)) = structure(&plain.krilla_ua) {
        let names: Vec<&str> = elements.iter().map(|(_, n)| n.as_str()).collect();
        for name in ["H1", "Table", "TR", "TH", "TD", "L", "LI", "Lbl", "LBody"] {
            assert!(
                names.contains(&name),
                "no {name} in the fixture's {names:?}"
            );
        }
    }
    let rendered = render(&newsroom_with_every_block());
    if std::env::var_os("BROADSHEET_KEEP_PDF").is_some() {
        std::fs::write("/tmp/newsroom-every-krilla-ua.pdf", &rendered.krilla_ua).expect("written");
    }
    let Some((elements, text)) = structure(&rendered.krilla_ua) else {
        return;
    };
    let names: Vec<&str> = elements.iter().map(|(_, n)| n.as_str()).collect();
    for name in [
        "Document",
        "Art",
        "H1",
        "H2",
        "P",
        "Table",
        "TR",
        "TH",
        "TD",
        "L",
        "LI",
        "Lbl",
        "LBody",
        "Figure",
        "Caption",
        "BlockQuote",
        "Link",
    ] {
        assert!(names.contains(&name), "no {name} in {names:?}");
    }
    // One headline, first; then no heading more than one level below the one before.
    let levels: Vec<u32> = names
        .iter()
        .filter_map(|n| n.strip_prefix('H').and_then(|l| l.parse().ok()))
        .collect();
    assert_eq!(levels.first(), Some(&1), "{levels:?}");
    assert_eq!(levels.iter().filter(|&&l| l == 1).count(), 1, "{levels:?}");
    for pair in levels.windows(2) {
        assert!(
            pair[1] <= pair[0] + 1,
            "a heading skips a level: {levels:?}"
        );
    }
    // Table parts nest as tables do, list parts as lists do.
    let parent_of = |at: usize| -> Option<&str> {
        let depth = elements[at].0;
        elements[..at]
            .iter()
            .rev()
            .find(|(d, _)| *d < depth)
            .map(|(_, n)| n.as_str())
    };
    for (at, (_, name)) in elements.iter().enumerate() {
        let expected: &[&str] = match name.as_str() {
            "TR" => &["Table", "THead", "TBody", "TFoot"],
            "TH" | "TD" => &["TR"],
            "LI" => &["L"],
            "Lbl" | "LBody" => &["LI"],
            _ => continue,
        };
        let parent = parent_of(at);
        assert!(
            parent.is_some_and(|p| expected.contains(&p)),
            "{name} inside {parent:?}"
        );
    }
    // Every figure carries its description.
    let raw = String::from_utf8_lossy(&rendered.krilla_ua);
    let figures: Vec<&str> = raw
        .split("endobj")
        .filter(|object| object.contains("/S/Figure"))
        .collect();
    assert!(!figures.is_empty(), "no figure element in the file");
    for figure in figures {
        assert!(figure.contains("/Alt"), "a figure without /Alt: {figure}");
    }
    // The page numbers ("2 / 3") are furniture, not content.
    assert!(rendered.pages >= 2);
    for page in 1..=rendered.pages {
        let number = format!("{page} / {}", rendered.pages);
        assert!(
            !text.lines().any(|l| l.trim() == number),
            "the page number {number} is inside the structure"
        );
    }
    // The headline's text is inside the H1.
    let h1 = elements.iter().position(|(_, n)| n == "H1");
    assert!(h1.is_some());
    assert!(text.contains("Putin Holds"), "{text}");
}

/// Every combination of tagging and PDF/A the request options allow is written, and
/// validated by krilla, for the fixtures with the most kinds of content.
#[test]
fn krilla_writes_every_conformance_combination() {
    use crate::model::Archival;
    for job in [
        job("seed.json"),
        job("digest.json"),
        newsroom_with_every_block(),
    ] {
        let fonts = FontLibrary::default();
        let mut flow = Flow::new(&job.options.pdf, &fonts);
        let info = match &job.document {
            Document::Article(article) => {
                let entry = set_article(&mut flow, article, true);
                flow.outline.push(entry);
                Info::for_article(article)
            }
            Document::Collection(collection) => {
                set_collection(&mut flow, collection);
                Info::for_collection(collection)
            }
        };
        furniture::lay_out(&mut flow, "Running head");
        let composed = flow.finish();
        for (tagged, archival) in [
            (true, None),
            (false, None),
            (true, Some(Archival::A2B)),
            (true, Some(Archival::A2A)),
            (false, Some(Archival::A2B)),
            (true, Some(Archival::A3B)),
            (false, Some(Archival::A4)),
        ] {
            let options = Options {
                tagged,
                pdf_ua: tagged,
                archival,
                helper: false,
            };
            let mut warnings = Vec::new();
            let pdf = write_conforming(&composed, &info, &mut warnings, options)
                .unwrap_or_else(|e| panic!("{options:?}: {e}"));
            assert!(
                !warnings.iter().any(|w| w.contains("PDF/UA")),
                "{options:?}: {warnings:?}"
            );
            if let Some((ok, report)) = tool("qpdf", &["--check"], &pdf) {
                assert!(ok, "qpdf --check with {options:?}: {report}");
            }
        }
    }
}
