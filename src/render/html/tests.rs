use super::*;
use crate::model::{Block, Contributor, Figure, ImageFormat, Language, RelatedArticle, Role, Span};

fn article(headline: &str, language: &str) -> Article {
    Article {
        headline: headline.to_owned(),
        language: Language::parse(language).unwrap(),
        body: vec![Block::Paragraph(vec![Span::plain("Text.")])],
        ..Default::default()
    }
}

fn page(document: &Document) -> String {
    let mut out = String::new();
    match document {
        Document::Article(article) => article_page(&mut out, article),
        Document::Collection(collection) => collection_page(&mut out, collection, None).unwrap(),
    }
    out
}

/// The text of the page's one JSON-LD script.
fn json_ld(page: &str) -> serde_json::Value {
    let open = "<script type=\"application/ld+json\">";
    let start = page.find(open).expect("a JSON-LD script") + open.len();
    let end = start + page[start..].find("</script>").expect("closed");
    serde_json::from_str(&page[start..end]).expect("the JSON-LD is JSON")
}

const HOSTILE: &str =
    r#"</script><script>alert("x")</script> <!-- <img src=x onerror=alert(1)> & 'q' ]]>"#;

#[test]
fn hostile_text_stays_text_in_content_and_attributes() {
    let mut a = article(HOSTILE, "en");
    a.summary = HOSTILE.to_owned();
    a.publication = HOSTILE.to_owned();
    a.section = HOSTILE.to_owned();
    a.tags = vec![HOSTILE.to_owned()];
    a.canonical_url = Some("https://example.com/?a=1&b=\"><script>".to_owned());
    a.contributors = vec![Contributor {
        name: HOSTILE.to_owned(),
        role: Role::Author,
        title: HOSTILE.to_owned(),
    }];
    a.body.push(Block::Paragraph(vec![Span {
        link: Some("https://example.com/\"onmouseover=\"alert(1)".to_owned()),
        ..Span::plain(HOSTILE)
    }]));
    a.related = vec![RelatedArticle {
        title: HOSTILE.to_owned(),
        url: Some("https://example.com/'><script>".to_owned()),
        summary: HOSTILE.to_owned(),
    }];
    a.lead_figure = Some(Figure {
        image: Image {
            data: bytes::Bytes::from_static(b"\x89PNG"),
            format: ImageFormat::Png,
            width: 2,
            height: 1,
            alt_text: HOSTILE.to_owned(),
        },
        caption: HOSTILE.to_owned(),
        credit: HOSTILE.to_owned(),
    });
    let out = page(&Document::Article(a));
    // The one script is the JSON-LD; its text has no `<` at all.
    assert_eq!(out.matches("<script").count(), 1);
    assert_eq!(out.matches("</script>").count(), 1);
    assert!(!out.contains("<img src=x"));
    assert!(!out.contains("<!--"));
    // Text and attribute values are escaped alike.
    assert!(out.contains(
        "<h1>&lt;/script&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &lt;!-- &lt;img src=x onerror=alert(1)&gt; &amp; &#39;q&#39; ]]&gt;</h1>"
    ));
    assert!(out.contains(
        "<meta property=\"og:title\" content=\"&lt;/script&gt;&lt;script&gt;alert(&quot;x&quot;)"
    ));
    assert!(out.contains("alt=\"&lt;/script&gt;&lt;script&gt;alert(&quot;x&quot;)"));
    assert!(out.contains("href=\"https://example.com/&quot;onmouseover=&quot;alert(1)\""));
    assert!(out.contains(
        "<link rel=\"canonical\" href=\"https://example.com/?a=1&amp;b=&quot;&gt;&lt;script&gt;\">"
    ));
    assert!(out.contains("href=\"https://example.com/&#39;&gt;&lt;script&gt;\""));
    // No attribute is an event handler: every `onerror=` is inside escaped text, or in the
    // JSON-LD's strings.
    for (at, _) in out.match_indices(" onerror=") {
        assert!(
            out[..at].ends_with("&lt;img src=x") || out[..at].ends_with("\\u003cimg src=x"),
            "{}",
            &out[at - 20..at + 10]
        );
    }
}

#[test]
fn json_ld_cannot_close_its_script_element() {
    let mut a = article(HOSTILE, "en");
    a.contributors = vec![Contributor {
        name: "</SCRIPT >".to_owned(),
        role: Role::Reporting,
        title: "<!--".to_owned(),
    }];
    let out = page(&Document::Article(a));
    let open = "<script type=\"application/ld+json\">";
    let start = out.find(open).unwrap() + open.len();
    let end = start + out[start..].find("</script>").unwrap();
    let text = &out[start..end];
    assert!(!text.contains('<'), "{text}");
    assert!(text.contains("\\u003c/script>"));
    // And the JSON still says what the article says.
    let ld = json_ld(&out);
    assert_eq!(ld["headline"], HOSTILE);
    assert_eq!(ld["author"][0]["name"], "</SCRIPT >");
    assert_eq!(ld["author"][0]["jobTitle"], "<!--");
    assert_eq!(
        meta::script_json(&serde_json::json!("</script><!--")),
        "\"\\u003c/script>\\u003c!--\""
    );
}

#[test]
fn json_ld_describes_the_news_article() {
    let mut a = article("Talks in Moscow", "en-GB");
    a.summary = "No deal.".to_owned();
    a.section = "World".to_owned();
    a.publication = "CRBC News".to_owned();
    a.tags = vec!["Russia".to_owned(), "Ukraine".to_owned()];
    a.canonical_url = Some("https://news.example.com/talks".to_owned());
    a.published_at = chrono::DateTime::from_timestamp(1_764_722_460, 0);
    a.contributors = vec![
        Contributor {
            name: "Guy Faulconbridge".to_owned(),
            role: Role::Reporting,
            title: "Moscow bureau chief".to_owned(),
        },
        Contributor {
            name: "Timothy Heritage".to_owned(),
            role: Role::Editing,
            title: String::new(),
        },
    ];
    let out = page(&Document::Article(a));
    let ld = json_ld(&out);
    assert_eq!(ld["@context"], "https://schema.org");
    assert_eq!(ld["@type"], "NewsArticle");
    assert_eq!(ld["headline"], "Talks in Moscow");
    assert_eq!(ld["description"], "No deal.");
    assert_eq!(ld["datePublished"], "2025-12-03T00:41:00Z");
    assert_eq!(ld["dateModified"], "2025-12-03T00:41:00Z");
    assert_eq!(
        ld["author"],
        serde_json::json!([{"@type": "Person", "name": "Guy Faulconbridge", "jobTitle": "Moscow bureau chief"}])
    );
    assert_eq!(ld["editor"][0]["name"], "Timothy Heritage");
    assert_eq!(ld["publisher"]["@type"], "Organization");
    assert_eq!(ld["publisher"]["name"], "CRBC News");
    assert_eq!(ld["inLanguage"], "en-GB");
    assert_eq!(ld["articleSection"], "World");
    assert_eq!(ld["keywords"], serde_json::json!(["Russia", "Ukraine"]));
    assert_eq!(ld["url"], "https://news.example.com/talks");
    assert!(ld.get("image").is_none());
    // Open Graph and the head say the same.
    assert!(out.contains("<html lang=\"en-GB\" dir=\"ltr\">"));
    assert!(out.contains("<meta name=\"description\" content=\"No deal.\">"));
    assert!(out.contains("<link rel=\"canonical\" href=\"https://news.example.com/talks\">"));
    assert!(out.contains("<meta property=\"og:type\" content=\"article\">"));
    assert!(out.contains("<meta property=\"og:url\" content=\"https://news.example.com/talks\">"));
    assert!(
        out.contains("<meta property=\"article:published_time\" content=\"2025-12-03T00:41:00Z\">")
    );
    assert!(!out.contains("article:modified_time"));
    assert!(!out.contains("og:image"));
    assert_eq!(out.matches("<meta property=\"article:tag\"").count(), 2);
}

#[test]
fn images_are_data_uris_with_their_size() {
    let mut a = article("Pictures", "en");
    let figure = |format, data: &'static [u8]| Figure {
        image: Image {
            data: bytes::Bytes::from_static(data),
            format,
            width: 640,
            height: 400,
            alt_text: String::new(),
        },
        caption: "A caption".to_owned(),
        credit: String::new(),
    };
    a.lead_figure = Some(figure(ImageFormat::Jpeg, b"\xff\xd8\xff"));
    a.body.push(Block::Aside(crate::model::Aside {
        title: "Box".to_owned(),
        blocks: vec![Block::Figure(figure(ImageFormat::Webp, b"RIFF"))],
    }));
    a.body
        .push(Block::Figure(figure(ImageFormat::Gif, b"GIF89a")));
    let out = page(&Document::Article(a));
    assert!(out.contains(
        "<figure class=\"lead\">\n<img src=\"data:image/jpeg;base64,/9j/\" alt=\"A caption\" width=\"640\" height=\"400\">"
    ));
    let webp = out.find("data:image/webp;base64,UklGRg==").unwrap();
    let gif = out.find("data:image/gif;base64,R0lGODlh").unwrap();
    assert!(webp < gif, "the fact box's figure comes first");
    assert_eq!(out.matches("<img ").count(), 3);
    assert_eq!(out.matches("<img src=\"data:").count(), 3);
}

fn collection() -> Collection {
    let mut first = article("Kremlin talks", "en");
    first.section = "World".to_owned();
    first.body = vec![
        Block::Heading {
            level: 1,
            spans: vec![Span::plain("Background")],
        },
        Block::Paragraph(vec![Span::plain("Text.")]),
    ];
    let mut second = article("قمة في القاهرة", "ar");
    second.section = "World".to_owned();
    second.body = first.body.clone();
    let mut third = article("Markets steady", "en");
    third.section = "Business".to_owned();
    third.summary = "Investors wait.".to_owned();
    third.contributors = vec![Contributor {
        name: "Anna Author".to_owned(),
        role: Role::Author,
        title: String::new(),
    }];
    Collection {
        title: "Morning Briefing".to_owned(),
        subtitle: "The day's essential stories".to_owned(),
        publisher: "CRBC News".to_owned(),
        date: chrono::DateTime::from_timestamp(1_764_720_000, 0),
        language: Language::parse("en").unwrap(),
        cover: None,
        articles: vec![first, second, third],
    }
}

#[test]
fn a_collection_page_has_a_masthead_and_a_nav_linking_every_article() {
    let out = page(&Document::Collection(collection()));
    let nav_start = out
        .find("<nav class=\"contents\" id=\"contents\" aria-label=\"Contents\">")
        .unwrap();
    let nav_end = nav_start + out[nav_start..].find("</nav>").unwrap();
    let nav = &out[nav_start..nav_end];
    // One h1, the masthead's, before the contents; the headlines are h2s.
    assert_eq!(out.matches("<h1").count(), 1);
    assert!(
        out.find("<h1 class=\"masthead-title\">Morning Briefing</h1>")
            .unwrap()
            < nav_start
    );
    assert_eq!(out.matches("<header class=\"masthead\">").count(), 1);
    // Grouped by section, in reading order, each entry in its article's language.
    assert!(nav.contains("<h3>World</h3>\n<ol class=\"contents-list\">\n<li lang=\"en\" dir=\"ltr\"><a href=\"#article-1\">Kremlin talks</a></li>\n<li lang=\"ar\" dir=\"rtl\"><a href=\"#article-2\">قمة في القاهرة</a></li>\n</ol>"));
    assert!(nav.contains("<h3>Business</h3>"));
    assert!(nav.contains("<a href=\"#article-3\">Markets steady</a><br><span class=\"contents-byline\">By Anna Author</span><br><span class=\"contents-summary\">Investors wait.</span>"));
    // Every entry's target exists, once, on an <article>; ids inside are prefixed.
    for n in 1..=3 {
        assert!(nav.contains(&format!("href=\"#article-{n}\"")));
        assert_eq!(out.matches(&format!(" id=\"article-{n}\"")).count(), 1);
    }
    assert!(out.contains("<article id=\"article-2\" lang=\"ar\" dir=\"rtl\">"));
    assert!(out.contains("<h2>Kremlin talks</h2>"));
    assert!(out.contains("<h3 id=\"article-1-h-0\">Background</h3>"));
    assert!(out.contains("<h3 id=\"article-2-h-0\" dir=\"ltr\">Background</h3>"));
    assert!(!out.contains(" id=\"h-0\""));
    // The JSON-LD is a graph of the page and its articles.
    let ld = json_ld(&out);
    let graph = ld["@graph"].as_array().unwrap();
    assert_eq!(graph[0]["@type"], "CollectionPage");
    assert_eq!(graph[0]["hasPart"][2]["@id"], "#article-3");
    assert_eq!(graph.len(), 4);
    assert_eq!(graph[3]["@type"], "NewsArticle");
    assert_eq!(graph[3]["@id"], "#article-3");
    assert_eq!(graph[3]["author"][0]["name"], "Anna Author");
}

#[test]
fn a_collection_page_stops_at_the_deadline() {
    let mut out = String::new();
    let past = Instant::now();
    let err = collection_page(&mut out, &collection(), Some(past)).unwrap_err();
    assert!(matches!(err, RenderError::DeadlineExceeded { .. }));
}

#[test]
fn html_flavour_writes_html_void_elements_and_no_xml_lang() {
    let mut a = article("Lines", "he");
    a.body = vec![Block::Paragraph(vec![Span::plain("one\ntwo")]), Block::Rule];
    let out = page(&Document::Article(a));
    assert!(out.contains("<html lang=\"he\" dir=\"rtl\">"));
    assert!(out.contains("<article lang=\"he\" dir=\"rtl\">"));
    assert!(out.contains("<p dir=\"ltr\">one<br>two</p>\n<hr>\n"));
    assert!(!out.contains("xml:lang"));
    assert!(!out.contains("/>"));
}

#[test]
fn a_scrolling_table_can_take_the_focus_and_is_named_by_its_caption() {
    let table = |caption: &str| {
        Block::Table(crate::model::Table {
            caption: caption.to_owned(),
            credit: "Source: X".to_owned(),
            header_rows: Vec::new(),
            rows: vec![crate::model::TableRow {
                cells: vec![crate::model::TableCell {
                    spans: vec![Span::plain("1")],
                    col_span: 1,
                }],
            }],
            alignments: vec![crate::model::Alignment::End],
            columns: 1,
        })
    };
    let mut a = article("Tables", "en");
    a.body = vec![table("Votes"), table("Votes"), table("")];
    let out = page(&Document::Article(a));
    assert!(out.contains("<div class=\"table\" role=\"region\" aria-labelledby=\"table-0-caption\" tabindex=\"0\">\n<table aria-describedby=\"table-0-credit\">\n<caption id=\"table-0-caption\">Votes</caption>"));
    // A second region may not share the name; a group may.
    assert!(out.contains(
        "<div class=\"table\" role=\"group\" aria-labelledby=\"table-1-caption\" tabindex=\"0\">"
    ));
    assert!(out.contains("<div class=\"table\" role=\"group\" tabindex=\"0\">"));
}

#[test]
fn the_page_loads_and_runs_nothing() {
    let out = page(&Document::Collection(collection()));
    assert!(out.starts_with("<!DOCTYPE html>\n<html lang=\"en\" dir=\"ltr\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"));
    assert_eq!(out.matches("<script").count(), 1);
    assert!(!out.contains("<link rel=\"stylesheet\""));
    assert!(!out.contains("@import"));
    assert!(!out.contains("url("));
    assert!(!out.contains("<iframe"));
}
