//! Render benchmarks: the seed article as text, EPUB and PDF, a 2,000-paragraph article
//! (cost must grow linearly), EPUB issues of 12 and 200 articles, a 20-article PDF
//! briefing (both PDFs also with a spare thread lent, as an idle server lends one), the seed with and without a 50-row table in each format, and the validation of
//! the seed request. Run with `cargo bench`.

/// The binary's allocator (see `src/main.rs`), so the figures are the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::hint::black_box;
use std::path::Path;

use broadsheet::layout::FontLibrary;
use broadsheet::model::ExportJob;
use broadsheet::pb;
use broadsheet::render::Registry;

fn main() {
    divan::main();
}

fn seed_request() -> pb::ExportRequest {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seed.json");
    let text = std::fs::read_to_string(path).expect("the seed fixture");
    broadsheet::json::request_from_json(&text).expect("valid JSON")
}

/// The seed article with its body repeated to `paragraphs` paragraphs.
fn long_request(paragraphs: usize) -> pb::ExportRequest {
    let mut request = seed_request();
    if let Some(pb::export_request::Document::Article(article)) = &mut request.document {
        let body = article.body.clone();
        article.body = body.iter().cycle().take(paragraphs).cloned().collect();
    }
    request
}

fn job(request: pb::ExportRequest) -> ExportJob {
    ExportJob::try_from(request).expect("a valid request")
}

/// Benchmarks the pipeline (render, name, count) for one job in one format, with the
/// embedded fonts, warmed up as a server is at start-up.
fn bench_export(bencher: divan::Bencher, job: ExportJob, format: &str) {
    bench_export_with(bencher, job, format, 0);
}

/// [`bench_export`] with one spare thread lent to the renderer, as an idle server lends it.
fn bench_export_sharing(bencher: divan::Bencher, job: ExportJob, format: &str) {
    bench_export_with(bencher, job, format, 1);
}

fn bench_export_with(bencher: divan::Bencher, mut job: ExportJob, format: &str, spare: usize) {
    job.format = format.to_owned();
    let registry = Registry::builtin(&FontLibrary::embedded());
    registry.warm_up();
    bencher.bench(|| {
        broadsheet::pipeline::export_with_spare_threads(&registry, black_box(&job), None, spare)
    });
}

#[divan::bench]
fn text_seed(bencher: divan::Bencher) {
    bench_export(bencher, job(seed_request()), "text");
}

#[divan::bench(args = [10, 200, 2000])]
fn text_paragraphs(bencher: divan::Bencher, paragraphs: usize) {
    bench_export(bencher, job(long_request(paragraphs)), "text");
}

#[divan::bench]
fn epub_seed(bencher: divan::Bencher) {
    bench_export(bencher, job(seed_request()), "epub");
}

/// A collection of `n` copies of the seed article.
fn collection_request(n: usize) -> pb::ExportRequest {
    let seed = seed_request();
    let Some(pb::export_request::Document::Article(article)) = seed.document else {
        unreachable!("the seed is an article")
    };
    pb::ExportRequest {
        document: Some(pb::export_request::Document::Collection(pb::Collection {
            title: "Morning Briefing".to_owned(),
            publisher: "CRBC News".to_owned(),
            articles: (0..n)
                .map(|i| pb::Article {
                    id: format!("seed-{i}"),
                    ..article.clone()
                })
                .collect(),
            ..pb::Collection::default()
        })),
        ..seed
    }
}

#[divan::bench(args = [12, 200])]
fn epub_collection(bencher: divan::Bencher, articles: usize) {
    bench_export(bencher, job(collection_request(articles)), "epub");
}

#[divan::bench]
fn pdf_seed(bencher: divan::Bencher) {
    bench_export(bencher, job(seed_request()), "pdf");
}

#[divan::bench]
fn pdf_briefing_20(bencher: divan::Bencher) {
    bench_export(bencher, job(collection_request(20)), "pdf");
}

/// The seed and the briefing with a spare thread setting paragraphs alongside the flow.
#[divan::bench]
fn pdf_seed_spare_thread(bencher: divan::Bencher) {
    bench_export_sharing(bencher, job(seed_request()), "pdf");
}

#[divan::bench]
fn pdf_briefing_20_spare_thread(bencher: divan::Bencher) {
    bench_export_sharing(bencher, job(collection_request(20)), "pdf");
}

#[divan::bench]
fn validate_seed(bencher: divan::Bencher) {
    let request = seed_request();
    bencher
        .with_inputs(|| request.clone())
        .bench_values(|request| ExportJob::try_from(black_box(request)));
}

/// The seed article with a 50-row table of figures after its third paragraph.
fn seed_with_table() -> pb::ExportRequest {
    let mut request = seed_request();
    if let Some(pb::export_request::Document::Article(article)) = &mut request.document {
        let cell = |text: String| pb::TableCell {
            text,
            ..pb::TableCell::default()
        };
        let table = pb::Table {
            caption: "Settlements by region".to_owned(),
            credit: "Source: ministry figures".to_owned(),
            header_rows: vec![pb::TableRow {
                cells: ["Settlement", "Region", "Residents", "Change"]
                    .map(|t| cell(t.to_owned()))
                    .to_vec(),
            }],
            rows: (1..=50)
                .map(|i| pb::TableRow {
                    cells: vec![
                        cell(format!("Settlement {i}")),
                        cell(["Donetsk", "Luhansk", "Kherson", "Zaporizhzhia"][i % 4].to_owned()),
                        cell(format!("{}", i * 1_237)),
                        cell(format!("{:+}%", (i as i32 % 9) - 4)),
                    ],
                })
                .collect(),
            column_alignment: vec![
                pb::Alignment::Start as i32,
                pb::Alignment::Start as i32,
                pb::Alignment::End as i32,
                pb::Alignment::End as i32,
            ],
        };
        article.body.insert(
            3,
            pb::Block {
                kind: Some(pb::block::Kind::Table(table)),
            },
        );
    }
    request
}

/// The seed with and without a 50-row table, in each format.
#[divan::bench(args = ["text", "epub", "pdf"])]
fn seed_plain(bencher: divan::Bencher, format: &str) {
    bench_export(bencher, job(seed_request()), format);
}

#[divan::bench(args = ["text", "epub", "pdf"])]
fn seed_with_50_row_table(bencher: divan::Bencher, format: &str) {
    bench_export(bencher, job(seed_with_table()), format);
}

/// Importing the WordPress fixture's HTML body (about 8 KiB) into blocks, and the same
/// through validation.
#[divan::bench]
fn import_wordpress_html(bencher: divan::Bencher) {
    let html = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/html/wordpress.html"),
    )
    .expect("the fixture");
    let limits = broadsheet::import::ImportLimits::default();
    bencher.bench(|| broadsheet::import::html(black_box(&html), &limits));
}

#[divan::bench]
fn html_seed(bencher: divan::Bencher) {
    bench_export(bencher, job(seed_request()), "html");
}

/// The seed and a 20-article briefing as untagged PDF, beside the tagged (PDF/UA-1) default.
fn untagged(mut request: pb::ExportRequest) -> pb::ExportRequest {
    request.options = Some(pb::RenderOptions {
        pdf: Some(pb::PdfOptions {
            tagged: Some(false),
            ..Default::default()
        }),
        ..Default::default()
    });
    request
}

#[divan::bench]
fn pdf_seed_untagged(bencher: divan::Bencher) {
    bench_export(bencher, job(untagged(seed_request())), "pdf");
}

#[divan::bench]
fn pdf_briefing_20_untagged(bencher: divan::Bencher) {
    bench_export(bencher, job(untagged(collection_request(20))), "pdf");
}
