//! Property tests: every request that passes validation renders without a panic, twice to
//! the same bytes, and wrapped text stays within its width.

mod common;

use broadsheet::model::ExportJob;
use broadsheet::pb;
use broadsheet::pb::block::Kind;
use broadsheet::render::RenderContext;
use broadsheet::typography::display_width;
use proptest::prelude::*;

/// Text from a mix of scripts, whitespace, controls and troublesome characters.
fn text() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        4 => "[a-zA-Z]{1,12}",
        1 => "[а-яА-Я]{1,10}",
        1 => "[\u{4e00}-\u{4e80}]{1,8}",
        1 => "[\u{0627}-\u{064a}]{1,8}",
        1 => "[\u{05d0}-\u{05ea}]{1,8}",
        2 => prop::sample::select(vec![
            " ", "  ", "\n", "\t", "\r\n", "\u{2028}", "\u{2029}", "\u{0}", "\u{7}", "\u{1b}",
            "\u{85}", "\u{a0}", "\u{200b}", "\u{200d}", "\u{202e}", "\u{fffe}", "\u{feff}",
            "\u{2011}", "—", "–", "\u{301}", "🙂", "👨‍👩‍👧", "🇺🇦", "<", "&", "]]>", "-", "/",
        ])
        .prop_map(str::to_owned),
        1 => "[a-z]{30,120}",
        1 => any::<String>(),
    ];
    prop::collection::vec(pieces, 0..12).prop_map(|p| p.concat())
}

fn spans() -> impl Strategy<Value = Vec<pb::Span>> {
    let link = prop_oneof![
        Just(String::new()),
        Just("https://example.com/a".to_owned()),
        Just("mailto:a@example.com".to_owned()),
        Just("javascript:alert(1)".to_owned()),
        "[a-z:/.]{0,20}",
    ];
    prop::collection::vec(
        (text(), any::<bool>(), any::<bool>(), any::<bool>(), link).prop_map(
            |(text, emphasis, strong, code, link)| pb::Span {
                text,
                emphasis,
                strong,
                code,
                link,
            },
        ),
        0..5,
    )
}

fn block() -> impl Strategy<Value = pb::Block> {
    let kind = prop_oneof![
        4 => text().prop_map(|text| Kind::Paragraph(pb::Paragraph { text, spans: vec![] })),
        2 => spans().prop_map(|spans| Kind::Paragraph(pb::Paragraph { text: String::new(), spans })),
        1 => (prop::option::of(0u32..8), text())
            .prop_map(|(level, text)| Kind::Heading(pb::Heading { level, text, spans: vec![] })),
        1 => (prop::collection::vec(text(), 0..4), text()).prop_map(|(ps, attribution)| {
            Kind::Quote(pb::Quote {
                paragraphs: ps
                    .into_iter()
                    .map(|text| pb::Paragraph { text, spans: vec![] })
                    .collect(),
                attribution,
            })
        }),
        1 => (any::<bool>(), prop::collection::vec(text(), 0..14)).prop_map(|(ordered, items)| {
            Kind::List(pb::List {
                ordered,
                items: items
                    .into_iter()
                    .map(|text| pb::ListItem { text, spans: vec![] })
                    .collect(),
            })
        }),
        1 => (text(), text(), 1u32..9000, 1u32..9000).prop_map(|(caption, credit, w, h)| {
            Kind::Figure(pb::Figure {
                image: Some(pb::Image {
                    data: common::png_header(w, h).into(),
                    media_type: String::new(),
                    alt_text: caption.clone(),
                }),
                caption,
                credit,
            })
        }),
        1 => text().prop_map(|text| Kind::Preformatted(pb::Preformatted { text })),
        1 => Just(Kind::Rule(pb::Rule {})),
    ];
    prop::option::weighted(0.97, kind).prop_map(|kind| pb::Block { kind })
}

fn article() -> impl Strategy<Value = pb::Article> {
    (
        (text(), text(), text(), text(), text()),
        prop::collection::vec((text(), 0i32..8), 0..5),
        prop::sample::select(vec![
            "",
            "en",
            "en-GB",
            "ru",
            "ar",
            "he",
            "zh-Hant-TW",
            "ja",
            "xx-Zzzz",
            "!!",
        ]),
        prop::option::of(-70_000_000_000i64..300_000_000_000),
        prop::collection::vec(block(), 0..25),
        prop::collection::vec((text(), text()), 0..3),
    )
        .prop_map(
            |(
                (headline, summary, section, publication, dateline),
                people,
                language,
                published,
                body,
                related,
            )| {
                pb::Article {
                    id: String::new(),
                    headline,
                    summary,
                    section,
                    publication,
                    contributors: people
                        .into_iter()
                        .map(|(name, role)| pb::Contributor {
                            title: if role % 2 == 0 {
                                String::new()
                            } else {
                                name.clone()
                            },
                            name,
                            role,
                        })
                        .collect(),
                    dateline,
                    published_at: published
                        .map(|seconds| prost_types::Timestamp { seconds, nanos: 0 }),
                    updated_at: None,
                    language: language.to_owned(),
                    tags: vec![],
                    canonical_url: String::new(),
                    copyright: String::new(),
                    lead_figure: None,
                    body,
                    related: related
                        .into_iter()
                        .map(|(title, summary)| pb::RelatedArticle {
                            title,
                            url: "https://example.com/r".to_owned(),
                            summary,
                        })
                        .collect(),
                    notes: vec![],
                    body_html: String::new(),
                    body_markdown: String::new(),
                }
            },
        )
}

fn request() -> impl Strategy<Value = pb::ExportRequest> {
    let width = prop_oneof![Just(None), Just(Some(0)), (0u32..300).prop_map(Some)];
    let document = prop_oneof![
        3 => article().prop_map(pb::export_request::Document::Article),
        1 => (text(), prop::collection::vec(article(), 0..4)).prop_map(|(title, articles)| {
            pb::export_request::Document::Collection(pb::Collection {
                title,
                articles,
                ..Default::default()
            })
        }),
    ];
    (document, width, any::<bool>()).prop_map(|(document, width, smart)| pb::ExportRequest {
        request_id: String::new(),
        document: Some(document),
        format: "text".to_owned(),
        options: Some(pb::RenderOptions {
            text: Some(pb::TextOptions { width }),
            smart_quotes: Some(smart),
            ..Default::default()
        }),
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn valid_requests_render_deterministically_within_their_width(request in request()) {
        let Ok(job) = ExportJob::try_from(request) else {
            return Ok(());
        };
        let registry = common::builtin();
        let renderer = registry.resolve(&job.format).unwrap();
        let first = renderer.render(&RenderContext::new(&job)).unwrap();
        let second = renderer.render(&RenderContext::new(&job)).unwrap();
        prop_assert_eq!(&first.content, &second.content);
        let text = String::from_utf8(first.content).unwrap();
        let has_preformatted = match &job.document {
            broadsheet::model::Document::Article(a) => a.body.iter().any(|b| matches!(b, broadsheet::model::Block::Preformatted(_))),
            broadsheet::model::Document::Collection(c) => c.articles.iter().flat_map(|a| &a.body).any(|b| matches!(b, broadsheet::model::Block::Preformatted(_))),
            _ => true,
        };
        if let (Some(width), false) = (job.options.text.width, has_preformatted) {
            for line in text.lines() {
                prop_assert!(display_width(line) <= width, "{:?} is wider than {}", line, width);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn valid_requests_render_as_pdf_and_epub_deterministically(request in request()) {
        let Ok(job) = ExportJob::try_from(request) else {
            return Ok(());
        };
        let registry = common::builtin();
        for format in ["pdf", "epub"] {
            let renderer = registry.resolve(format).unwrap();
            let first = renderer.render(&RenderContext::new(&job)).unwrap();
            let second = renderer.render(&RenderContext::new(&job)).unwrap();
            prop_assert!(first.content == second.content, "{} renders differ", format);
            prop_assert!(!first.content.is_empty());
        }
    }
}
