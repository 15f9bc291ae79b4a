//! The one conversion from the generated `pb` types into the model.
//!
//! Every `pb` message is destructured field by field with no `..`, so a field added to the
//! proto breaks the build here until someone decides what it means. Every rule and limit is
//! checked in this file; each broken one is recorded with its JSON path and the conversion
//! goes on, so a caller learns about all of them at once (up to
//! [`Invalid::MAX_VIOLATIONS`]).
//!
//! Links: only `http`, `https` and `mailto` URLs are kept. Any other target (`javascript:`,
//! `data:`, `file:`, a relative path, a string that is no URL at all) is dropped and its text
//! stays as plain text, because a reader cannot follow it and it may be hostile.

use chrono::{DateTime, Utc};

use super::clean;
use super::error::{FieldViolation, Invalid};
use super::image::sniff;
use super::limits::{
    Limits, MAX_BLOCKS, MAX_HEADING_LEVEL, MAX_HEADLINE_CHARS, MAX_ID_CHARS, MAX_REPEATED,
    MAX_TEXT_FIELD_BYTES, MAX_URL_BYTES,
};
use super::options::{EpubOptions, PdfOptions, RenderOptions, TextOptions};
use super::{
    Article, Block, Collection, Contributor, Document, Figure, Image, Language, RelatedArticle,
    Role, Span,
};
use crate::pb;

/// A validated request: what to render, in which format, with which options.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportJob {
    /// The caller's identifier; may be empty.
    pub request_id: String,
    /// The requested format id or alias, trimmed and lowercased; not yet resolved, since the
    /// formats live in the renderer registry. May be empty, which the registry rejects.
    pub format: String,
    /// What to render.
    pub document: Document,
    /// The render options, defaults filled in.
    pub options: RenderOptions,
}

impl ExportJob {
    /// Converts and validates a request against the given limits.
    pub fn from_pb(request: pb::ExportRequest, limits: &Limits) -> Result<Self, Invalid> {
        let mut cx = Cx::new(limits);
        let job = cx.request(request);
        cx.finish(job)
    }
}

impl TryFrom<pb::ExportRequest> for ExportJob {
    type Error = Invalid;

    /// Converts and validates a request against the default [`Limits`].
    fn try_from(request: pb::ExportRequest) -> Result<Self, Invalid> {
        ExportJob::from_pb(request, &Limits::default())
    }
}

/// The outcome of checking a URL field.
enum Url {
    /// The field was empty.
    Blank,
    /// An absolute URL with an allowed scheme, in normalised form.
    Kept(String),
    /// Anything else: another scheme, a relative path, no URL at all, or over the limit.
    Dropped,
}

impl Url {
    fn kept(self) -> Option<String> {
        match self {
            Url::Kept(url) => Some(url),
            Url::Blank | Url::Dropped => None,
        }
    }
}

/// The conversion's state: the limits, the violations found so far, and the text budget of
/// the article being converted.
struct Cx<'a> {
    limits: &'a Limits,
    violations: Vec<FieldViolation>,
    /// Bytes of text counted against the current article's `article_bytes` limit.
    article_bytes: usize,
}

impl<'a> Cx<'a> {
    fn new(limits: &'a Limits) -> Self {
        Cx {
            limits,
            violations: Vec::new(),
            article_bytes: 0,
        }
    }

    fn finish<T>(self, value: Option<T>) -> Result<T, Invalid> {
        match value {
            Some(value) if self.violations.is_empty() => Ok(value),
            _ => Err(Invalid {
                violations: self.violations,
            }),
        }
    }

    fn violation(&mut self, field: impl Into<String>, description: impl Into<String>) {
        if self.violations.len() < Invalid::MAX_VIOLATIONS {
            self.violations.push(FieldViolation {
                field: field.into(),
                description: description.into(),
            });
        }
    }

    /// Checks a repeated field's length; returns false (and records why) if it is too long.
    fn count_ok(&mut self, path: &str, len: usize, max: usize) -> bool {
        if len > max {
            self.violation(path, format!("has {len} entries; the limit is {max}"));
            false
        } else {
            true
        }
    }

    /// Checks one text field's size and counts it against the article budget. Returns false
    /// if the field is too long, so the caller can skip cleaning it.
    fn size_ok(&mut self, path: &str, text: &str) -> bool {
        self.article_bytes += text.len();
        if text.len() > MAX_TEXT_FIELD_BYTES {
            self.violation(
                path,
                format!(
                    "is {} bytes long; the limit for one text field is {MAX_TEXT_FIELD_BYTES}",
                    text.len()
                ),
            );
            false
        } else {
            true
        }
    }

    fn line(&mut self, path: &str, text: &str) -> String {
        if self.size_ok(path, text) {
            clean::line(text)
        } else {
            String::new()
        }
    }

    fn required_line(&mut self, path: &str, text: &str) -> String {
        let cleaned = self.line(path, text);
        if cleaned.is_empty() && text.len() <= MAX_TEXT_FIELD_BYTES {
            self.violation(path, "is required and must not be blank");
        }
        cleaned
    }

    fn id(&mut self, path: &str, text: &str) -> String {
        let cleaned = self.line(path, text);
        let chars = cleaned.chars().count();
        if chars > MAX_ID_CHARS {
            self.violation(
                path,
                format!("is {chars} characters long; the limit is {MAX_ID_CHARS}"),
            );
        }
        cleaned
    }

    fn request(&mut self, request: pb::ExportRequest) -> Option<ExportJob> {
        let pb::ExportRequest {
            request_id,
            document,
            format,
            options,
        } = request;
        let request_id = self.id("request_id", &request_id);
        let format = clean::line(&format).to_lowercase();
        let document = match document {
            Some(pb::export_request::Document::Article(article)) => {
                Some(Document::Article(self.article("article", article, None)))
            }
            Some(pb::export_request::Document::Collection(collection)) => Some(
                Document::Collection(self.collection("collection", collection)),
            ),
            None => {
                self.violation(
                    "document",
                    "is required: set either `article` or `collection`",
                );
                None
            }
        };
        let options = self.options("options", options.unwrap_or_default());
        Some(ExportJob {
            request_id,
            format,
            document: document?,
            options,
        })
    }

    fn options(&mut self, path: &str, options: pb::RenderOptions) -> RenderOptions {
        let pb::RenderOptions { pdf, epub, text } = options;
        let pdf = self.pdf_options(&format!("{path}.pdf"), pdf.unwrap_or_default());
        let pb::EpubOptions {
            max_image_width,
            grayscale,
        } = epub.unwrap_or_default();
        if let Some(width) = max_image_width
            && !(EpubOptions::MIN_IMAGE_WIDTH..=EpubOptions::MAX_IMAGE_WIDTH).contains(&width)
        {
            self.violation(
                format!("{path}.epub.maxImageWidth"),
                format!(
                    "is {width}; use a width from {} to {} pixels, or leave it unset",
                    EpubOptions::MIN_IMAGE_WIDTH,
                    EpubOptions::MAX_IMAGE_WIDTH
                ),
            );
        }
        let epub = EpubOptions {
            max_image_width,
            grayscale: grayscale.unwrap_or(false),
        };
        let pb::TextOptions { width } = text.unwrap_or_default();
        let width = match width {
            None => Some(TextOptions::DEFAULT_WIDTH),
            Some(0) => None,
            Some(w) => {
                let w = usize::try_from(w).unwrap_or(usize::MAX);
                if !(TextOptions::MIN_WIDTH..=TextOptions::MAX_WIDTH).contains(&w) {
                    self.violation(
                        format!("{path}.text.width"),
                        format!(
                            "is {w}; use 0 for no wrapping or a width from {} to {}",
                            TextOptions::MIN_WIDTH,
                            TextOptions::MAX_WIDTH
                        ),
                    );
                }
                Some(w)
            }
        };
        RenderOptions {
            text: TextOptions { width },
            epub,
            pdf,
        }
    }

    fn pdf_options(&mut self, path: &str, options: pb::PdfOptions) -> PdfOptions {
        let pb::PdfOptions {
            page_size,
            page_width_mm,
            page_height_mm,
            margin_mm,
            font_size_pt,
            columns,
            justify,
            hyphenate,
            article_page_break,
        } = options;
        let defaults = PdfOptions::default();
        let mm = PdfOptions::PT_PER_MM;
        let (mut page_width, mut page_height) = match pb::PageSize::try_from(page_size) {
            Ok(pb::PageSize::Unspecified | pb::PageSize::A4) => PdfOptions::A4,
            Ok(pb::PageSize::Letter) => PdfOptions::LETTER,
            Ok(pb::PageSize::A5) => PdfOptions::A5,
            Ok(pb::PageSize::Legal) => PdfOptions::LEGAL,
            Err(_) => {
                self.violation(
                    format!("{path}.pageSize"),
                    format!("{page_size} is not a PageSize; use PAGE_SIZE_A4, PAGE_SIZE_LETTER, PAGE_SIZE_A5 or PAGE_SIZE_LEGAL"),
                );
                PdfOptions::A4
            }
        };
        match (page_width_mm, page_height_mm) {
            (None, None) => {}
            (Some(w), Some(h)) => {
                let mut ok = true;
                if !(74.0..=1000.0).contains(&w) {
                    self.violation(
                        format!("{path}.pageWidthMm"),
                        format!("is {w}; use 74 to 1000 mm"),
                    );
                    ok = false;
                }
                if !(105.0..=1000.0).contains(&h) {
                    self.violation(
                        format!("{path}.pageHeightMm"),
                        format!("is {h}; use 105 to 1000 mm"),
                    );
                    ok = false;
                }
                if ok {
                    (page_width, page_height) = (w * mm, h * mm);
                }
            }
            (Some(_), None) => self.violation(
                format!("{path}.pageHeightMm"),
                "is required with pageWidthMm: set both or neither",
            ),
            (None, Some(_)) => self.violation(
                format!("{path}.pageWidthMm"),
                "is required with pageHeightMm: set both or neither",
            ),
        }
        let margin = match margin_mm {
            None => defaults.margin,
            Some(m) if (5.0..=60.0).contains(&m) => m * mm,
            Some(m) => {
                self.violation(
                    format!("{path}.marginMm"),
                    format!("is {m}; use 5 to 60 mm"),
                );
                defaults.margin
            }
        };
        if page_width - 2.0 * margin < 60.0 * mm {
            self.violation(
                format!("{path}.marginMm"),
                "leaves a text area narrower than 60 mm on this page; use a smaller margin or a wider page",
            );
        }
        let font_size = match font_size_pt {
            None => defaults.font_size,
            Some(s) if (6.0..=24.0).contains(&s) => s,
            Some(s) => {
                self.violation(
                    format!("{path}.fontSizePt"),
                    format!("is {s}; use 6 to 24 points"),
                );
                defaults.font_size
            }
        };
        let columns = match columns {
            None | Some(1) => 1,
            Some(2) => 2,
            Some(n) => {
                self.violation(format!("{path}.columns"), format!("is {n}; use 1 or 2"));
                1
            }
        };
        PdfOptions {
            page_width,
            page_height,
            margin,
            font_size,
            columns,
            justify: justify.unwrap_or(true),
            hyphenate: hyphenate.unwrap_or(true),
            article_page_break: article_page_break.unwrap_or(true),
        }
    }

    fn language(&mut self, path: &str, tag: &str, inherited: Option<&Language>) -> Language {
        let tag = clean::line(tag);
        if tag.is_empty() {
            return inherited.cloned().unwrap_or_default();
        }
        match Language::parse(&tag) {
            Ok(language) => language,
            Err(why) => {
                self.violation(path, why);
                Language::default()
            }
        }
    }

    fn timestamp(
        &mut self,
        path: &str,
        timestamp: Option<prost_types::Timestamp>,
    ) -> Option<DateTime<Utc>> {
        let prost_types::Timestamp { seconds, nanos } = timestamp?;
        // The range of google.protobuf.Timestamp: 0001-01-01 to 9999-12-31.
        const MIN: i64 = -62_135_596_800;
        const MAX: i64 = 253_402_300_799;
        let valid = (MIN..=MAX).contains(&seconds) && (0..1_000_000_000).contains(&nanos);
        let parsed = valid
            .then(|| DateTime::from_timestamp(seconds, nanos.unsigned_abs()))
            .flatten();
        if parsed.is_none() {
            self.violation(
                path,
                "is outside the range of google.protobuf.Timestamp (years 1 to 9999, nanos below one second)",
            );
        }
        parsed
    }

    fn url(&mut self, path: &str, raw: &str, schemes: &[&str]) -> Url {
        let raw = raw.trim();
        if raw.is_empty() {
            return Url::Blank;
        }
        if raw.len() > MAX_URL_BYTES {
            self.violation(
                path,
                format!(
                    "is {} bytes long; the limit for a URL is {MAX_URL_BYTES}",
                    raw.len()
                ),
            );
            return Url::Dropped;
        }
        self.article_bytes += raw.len();
        match url::Url::parse(raw) {
            Ok(url)
                if schemes.contains(&url.scheme())
                    && (url.scheme() == "mailto"
                        || url.host_str().is_some_and(|h| !h.is_empty())) =>
            {
                Url::Kept(url.into())
            }
            _ => Url::Dropped,
        }
    }

    fn article(
        &mut self,
        path: &str,
        article: pb::Article,
        inherited_language: Option<&Language>,
    ) -> Article {
        let pb::Article {
            id,
            headline,
            summary,
            section,
            publication,
            contributors,
            dateline,
            published_at,
            updated_at,
            language,
            tags,
            canonical_url,
            copyright,
            lead_figure,
            body,
            related,
        } = article;
        self.article_bytes = 0;

        let id = self.id(&format!("{path}.id"), &id);
        let headline_path = format!("{path}.headline");
        let headline = self.required_line(&headline_path, &headline);
        let headline_chars = headline.chars().count();
        if headline_chars > MAX_HEADLINE_CHARS {
            self.violation(
                headline_path,
                format!("is {headline_chars} characters long; the limit is {MAX_HEADLINE_CHARS}"),
            );
        }
        let summary = self.line(&format!("{path}.summary"), &summary);
        let section = self.line(&format!("{path}.section"), &section);
        let publication = self.line(&format!("{path}.publication"), &publication);
        let dateline = self.line(&format!("{path}.dateline"), &dateline);
        let copyright = self.line(&format!("{path}.copyright"), &copyright);

        let contributors_path = format!("{path}.contributors");
        let contributors = if self.count_ok(&contributors_path, contributors.len(), MAX_REPEATED) {
            contributors
                .into_iter()
                .enumerate()
                .map(|(i, c)| self.contributor(&format!("{contributors_path}[{i}]"), c))
                .collect()
        } else {
            Vec::new()
        };

        let published_at = self.timestamp(&format!("{path}.publishedAt"), published_at);
        let updated_at = self.timestamp(&format!("{path}.updatedAt"), updated_at);
        let language = self.language(&format!("{path}.language"), &language, inherited_language);

        let tags_path = format!("{path}.tags");
        let tags = if self.count_ok(&tags_path, tags.len(), MAX_REPEATED) {
            tags.iter()
                .enumerate()
                .map(|(i, t)| self.line(&format!("{tags_path}[{i}]"), t))
                .filter(|t| !t.is_empty())
                .collect()
        } else {
            Vec::new()
        };

        // Unlike a link, a canonical URL has no text to fall back on: a bad one is an error.
        let canonical_path = format!("{path}.canonicalUrl");
        let canonical_url = match self.url(&canonical_path, &canonical_url, &["http", "https"]) {
            Url::Blank => None,
            Url::Kept(url) => Some(url),
            Url::Dropped => {
                self.violation(canonical_path, "must be an absolute http or https URL");
                None
            }
        };

        let lead_figure = lead_figure.and_then(|f| self.figure(&format!("{path}.leadFigure"), f));

        let body_path = format!("{path}.body");
        let body = if self.count_ok(&body_path, body.len(), MAX_BLOCKS) {
            body.into_iter()
                .enumerate()
                .filter_map(|(i, b)| self.block(&format!("{body_path}[{i}]"), b))
                .collect()
        } else {
            Vec::new()
        };

        let related_path = format!("{path}.related");
        let related = if self.count_ok(&related_path, related.len(), MAX_REPEATED) {
            related
                .into_iter()
                .enumerate()
                .map(|(i, r)| self.related(&format!("{related_path}[{i}]"), r))
                .collect()
        } else {
            Vec::new()
        };

        if self.article_bytes > self.limits.article_bytes {
            self.violation(
                path,
                format!(
                    "holds {} bytes of text; the limit for one article is {}",
                    self.article_bytes, self.limits.article_bytes
                ),
            );
        }

        Article {
            id,
            headline,
            summary,
            section,
            publication,
            contributors,
            dateline,
            published_at,
            updated_at,
            language,
            tags,
            canonical_url,
            copyright,
            lead_figure,
            body,
            related,
        }
    }

    fn contributor(&mut self, path: &str, contributor: pb::Contributor) -> Contributor {
        let pb::Contributor { name, role } = contributor;
        let name = self.required_line(&format!("{path}.name"), &name);
        let role = match pb::contributor::Role::try_from(role) {
            Ok(pb::contributor::Role::Reporting) => Role::Reporting,
            Ok(pb::contributor::Role::Editing) => Role::Editing,
            Ok(pb::contributor::Role::Photography) => Role::Photography,
            Ok(pb::contributor::Role::Translation) => Role::Translation,
            // An unknown role (from a newer client) is shown like an unspecified one.
            Ok(pb::contributor::Role::Author | pb::contributor::Role::Unspecified) | Err(_) => {
                Role::Author
            }
        };
        Contributor { name, role }
    }

    fn related(&mut self, path: &str, related: pb::RelatedArticle) -> RelatedArticle {
        let pb::RelatedArticle {
            title,
            url,
            summary,
        } = related;
        RelatedArticle {
            title: self.required_line(&format!("{path}.title"), &title),
            url: self
                .url(&format!("{path}.url"), &url, &["http", "https"])
                .kept(),
            summary: self.line(&format!("{path}.summary"), &summary),
        }
    }

    /// Converts one body block; `None` for a block that turned out empty (an empty paragraph
    /// from a CMS, say), which is dropped.
    fn block(&mut self, path: &str, block: pb::Block) -> Option<Block> {
        use pb::block::Kind;
        let pb::Block { kind } = block;
        let Some(kind) = kind else {
            self.violation(
                path,
                "has no content: set one of paragraph, heading, quote, list, figure, preformatted or rule",
            );
            return None;
        };
        match kind {
            Kind::Paragraph(paragraph) => {
                let spans = self.paragraph(&format!("{path}.paragraph"), paragraph);
                (!spans.is_empty()).then_some(Block::Paragraph(spans))
            }
            Kind::Heading(heading) => {
                let path = format!("{path}.heading");
                let pb::Heading { level, text, spans } = heading;
                let level = level.unwrap_or(1);
                if !(1..=MAX_HEADING_LEVEL).contains(&level) {
                    self.violation(
                        format!("{path}.level"),
                        format!("is {level}; heading levels run from 1 to {MAX_HEADING_LEVEL}"),
                    );
                }
                let spans = self.rich(&path, text, spans);
                let level = u8::try_from(level).unwrap_or(1);
                (!spans.is_empty()).then_some(Block::Heading { level, spans })
            }
            Kind::Quote(quote) => {
                let path = format!("{path}.quote");
                let pb::Quote {
                    paragraphs,
                    attribution,
                } = quote;
                let paragraphs_path = format!("{path}.paragraphs");
                let attribution = self.line(&format!("{path}.attribution"), &attribution);
                if !self.count_ok(&paragraphs_path, paragraphs.len(), MAX_REPEATED) {
                    return None;
                }
                let paragraphs: Vec<_> = paragraphs
                    .into_iter()
                    .enumerate()
                    .map(|(i, p)| self.paragraph(&format!("{paragraphs_path}[{i}]"), p))
                    .filter(|p| !p.is_empty())
                    .collect();
                if paragraphs.is_empty() {
                    self.violation(paragraphs_path, "needs at least one paragraph with text");
                    return None;
                }
                Some(Block::Quote {
                    paragraphs,
                    attribution,
                })
            }
            Kind::List(list) => {
                let path = format!("{path}.list");
                let pb::List { ordered, items } = list;
                let items_path = format!("{path}.items");
                if !self.count_ok(&items_path, items.len(), MAX_REPEATED) {
                    return None;
                }
                let items: Vec<_> = items
                    .into_iter()
                    .enumerate()
                    .map(|(i, item)| {
                        let pb::ListItem { text, spans } = item;
                        self.rich(&format!("{items_path}[{i}]"), text, spans)
                    })
                    .filter(|item| !item.is_empty())
                    .collect();
                if items.is_empty() {
                    self.violation(items_path, "needs at least one item with text");
                    return None;
                }
                Some(Block::List { ordered, items })
            }
            Kind::Figure(figure) => self
                .figure(&format!("{path}.figure"), figure)
                .map(Block::Figure),
            Kind::Preformatted(preformatted) => {
                let path = format!("{path}.preformatted.text");
                let pb::Preformatted { text } = preformatted;
                if !self.size_ok(&path, &text) {
                    return None;
                }
                let text = clean::verbatim(&text);
                (!text.is_empty()).then_some(Block::Preformatted(text))
            }
            Kind::Rule(pb::Rule {}) => Some(Block::Rule),
        }
    }

    fn paragraph(&mut self, path: &str, paragraph: pb::Paragraph) -> Vec<Span> {
        let pb::Paragraph { text, spans } = paragraph;
        self.rich(path, text, spans)
    }

    /// Converts the `text` or `spans` of a paragraph, heading or list item.
    fn rich(&mut self, path: &str, text: String, spans: Vec<pb::Span>) -> Vec<Span> {
        if !text.is_empty() && !spans.is_empty() {
            self.violation(path, "sets both `text` and `spans`; set one of them");
            return Vec::new();
        }
        if spans.is_empty() {
            let text_path = format!("{path}.text");
            if !self.size_ok(&text_path, &text) {
                return Vec::new();
            }
            return clean::flowing([text.as_str()])
                .into_iter()
                .filter(|t| !t.is_empty())
                .map(Span::plain)
                .collect();
        }
        let spans_path = format!("{path}.spans");
        if !self.count_ok(&spans_path, spans.len(), MAX_REPEATED) {
            return Vec::new();
        }
        let mut texts = Vec::with_capacity(spans.len());
        let mut attributes = Vec::with_capacity(spans.len());
        for (i, span) in spans.into_iter().enumerate() {
            let pb::Span {
                text,
                emphasis,
                strong,
                code,
                link,
            } = span;
            let span_path = format!("{spans_path}[{i}]");
            let text = if self.size_ok(&format!("{span_path}.text"), &text) {
                text
            } else {
                String::new()
            };
            let link = self
                .url(
                    &format!("{span_path}.link"),
                    &link,
                    &["http", "https", "mailto"],
                )
                .kept();
            texts.push(text);
            attributes.push((emphasis, strong, code, link));
        }
        let cleaned = clean::flowing(texts.iter().map(String::as_str));
        let mut out: Vec<Span> = Vec::with_capacity(cleaned.len());
        for (text, (emphasis, strong, code, link)) in cleaned.into_iter().zip(attributes) {
            if text.is_empty() {
                continue;
            }
            match out.last_mut() {
                Some(last)
                    if (last.emphasis, last.strong, last.code, &last.link)
                        == (emphasis, strong, code, &link) =>
                {
                    last.text.push_str(&text);
                }
                _ => out.push(Span {
                    text,
                    emphasis,
                    strong,
                    code,
                    link,
                }),
            }
        }
        out
    }

    fn figure(&mut self, path: &str, figure: pb::Figure) -> Option<Figure> {
        let pb::Figure {
            image,
            caption,
            credit,
        } = figure;
        let caption = self.line(&format!("{path}.caption"), &caption);
        let credit = self.line(&format!("{path}.credit"), &credit);
        let image_path = format!("{path}.image");
        let Some(image) = image else {
            self.violation(image_path, "is required: a figure needs an image");
            return None;
        };
        let image = self.image(&image_path, image)?;
        Some(Figure {
            image,
            caption,
            credit,
        })
    }

    fn image(&mut self, path: &str, image: pb::Image) -> Option<Image> {
        let pb::Image {
            data,
            media_type,
            alt_text,
        } = image;
        // The media type is advisory: the format is read from the data.
        let _ = self.line(&format!("{path}.mediaType"), &media_type);
        let alt_text = self.line(&format!("{path}.altText"), &alt_text);
        let data_path = format!("{path}.data");
        if data.is_empty() {
            self.violation(data_path, "is required: the image bytes are missing");
            return None;
        }
        if data.len() > self.limits.image_bytes {
            self.violation(
                data_path,
                format!(
                    "is {} bytes long; the limit for an image is {}",
                    data.len(),
                    self.limits.image_bytes
                ),
            );
            return None;
        }
        let header = match sniff(&data) {
            Ok(header) => header,
            Err(why) => {
                self.violation(data_path, why);
                return None;
            }
        };
        let pixels = u64::from(header.width) * u64::from(header.height);
        if pixels > self.limits.image_pixels {
            self.violation(
                data_path,
                format!(
                    "is a {}×{} {} image of {} pixels; the limit is {} pixels",
                    header.width, header.height, header.format, pixels, self.limits.image_pixels
                ),
            );
            return None;
        }
        Some(Image {
            data,
            format: header.format,
            width: header.width,
            height: header.height,
            alt_text,
        })
    }

    fn collection(&mut self, path: &str, collection: pb::Collection) -> Collection {
        let pb::Collection {
            title,
            subtitle,
            publisher,
            date,
            language,
            cover,
            articles,
        } = collection;
        let title = self.required_line(&format!("{path}.title"), &title);
        let subtitle = self.line(&format!("{path}.subtitle"), &subtitle);
        let publisher = self.line(&format!("{path}.publisher"), &publisher);
        let date = self.timestamp(&format!("{path}.date"), date);
        let language = self.language(&format!("{path}.language"), &language, None);
        let cover = cover.and_then(|c| self.image(&format!("{path}.cover"), c));
        let articles_path = format!("{path}.articles");
        let articles = if articles.is_empty() {
            self.violation(&articles_path, "needs at least one article");
            Vec::new()
        } else if self.count_ok(
            &articles_path,
            articles.len(),
            self.limits.collection_articles,
        ) {
            articles
                .into_iter()
                .enumerate()
                .map(|(i, a)| self.article(&format!("{articles_path}[{i}]"), a, Some(&language)))
                .collect()
        } else {
            Vec::new()
        };
        Collection {
            title,
            subtitle,
            publisher,
            date,
            language,
            cover,
            articles,
        }
    }
}
