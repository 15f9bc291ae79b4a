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
    MAX_TABLE_CELLS, MAX_TABLE_COLUMNS, MAX_TABLE_ROWS, MAX_TEXT_FIELD_BYTES, MAX_URL_BYTES,
};
use super::options::{Archival, EpubOptions, PdfOptions, RenderOptions, TextOptions};
use super::{
    Alignment, Article, Aside, Block, Collection, Contributor, Document, EditorialNote, Embed,
    Figure, Image, Language, NoteKind, RelatedArticle, Role, Span, Table, TableCell, TableRow,
};
use crate::pb;
use crate::typography::quotes::Quotes;

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
    /// What the edge dropped or changed that the caller should know: content of an HTML
    /// or Markdown body that has no place in an article (scripts, remote images).
    pub warnings: Vec<String>,
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
/// `{path}.{name}`: the JSON path of a field, for its violations. Every field of a request
/// gets one, so it is built directly rather than through `format!`.
fn field(path: &str, name: &str) -> String {
    let mut out = String::with_capacity(path.len() + 1 + name.len());
    out.push_str(path);
    out.push('.');
    out.push_str(name);
    out
}

/// `{path}[{i}]`: the JSON path of an entry of a list.
fn index(path: &str, i: usize) -> String {
    let mut digits = itoa::Buffer::new();
    let digits = digits.format(i);
    let mut out = String::with_capacity(path.len() + digits.len() + 2);
    out.push_str(path);
    out.push('[');
    out.push_str(digits);
    out.push(']');
    out
}

struct Cx<'a> {
    limits: &'a Limits,
    violations: Vec<FieldViolation>,
    /// Bytes of text counted against the current article's `article_bytes` limit.
    article_bytes: usize,
    /// Whether the request wants typographic quotes.
    smart_quotes: bool,
    /// The quotation marks of the text being converted, when smart quotes are on.
    quotes: Option<Quotes>,
    /// Warnings from importing HTML and Markdown bodies.
    warnings: Vec<String>,
}

impl<'a> Cx<'a> {
    fn new(limits: &'a Limits) -> Self {
        Cx {
            limits,
            violations: Vec::new(),
            article_bytes: 0,
            smart_quotes: true,
            quotes: None,
            warnings: Vec::new(),
        }
    }

    /// From here on, text is in `language`: its quotation marks replace straight quotes.
    fn text_in(&mut self, language: &Language) {
        self.quotes = self.smart_quotes.then(|| Quotes::for_language(language));
    }

    /// Makes the straight quotes of cleaned text typographic, when asked; `before` is the
    /// character before it in the same block.
    fn smarten(&self, text: String, before: Option<char>) -> String {
        match self.quotes.map(|q| q.apply(&text, before)) {
            Some(std::borrow::Cow::Owned(smart)) => smart,
            _ => text,
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

    /// A single-line text field, cleaned, with typographic quotes.
    fn line(&mut self, path: &str, text: String) -> String {
        if self.size_ok(path, &text) {
            self.smarten(clean::line(text), None)
        } else {
            String::new()
        }
    }

    /// A single-line field that is not prose (an id, a format name): cleaned, quotes kept.
    fn literal_line(&mut self, path: &str, text: String) -> String {
        if self.size_ok(path, &text) {
            clean::line(text)
        } else {
            String::new()
        }
    }

    fn required_line(&mut self, path: &str, text: String) -> String {
        let within_limit = text.len() <= MAX_TEXT_FIELD_BYTES;
        let cleaned = self.line(path, text);
        if cleaned.is_empty() && within_limit {
            self.violation(path, "is required and must not be blank");
        }
        cleaned
    }

    fn id(&mut self, path: &str, text: String) -> String {
        let cleaned = self.literal_line(path, text);
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
        let request_id = self.id("request_id", request_id);
        let format = clean::line(format).to_lowercase();
        // Options first: they say how the text is to be cleaned.
        let options = self.options("options", options.unwrap_or_default());
        self.smart_quotes = options.smart_quotes;
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
        Some(ExportJob {
            request_id,
            format,
            document: document?,
            options,
            warnings: std::mem::take(&mut self.warnings),
        })
    }

    fn options(&mut self, path: &str, options: pb::RenderOptions) -> RenderOptions {
        let pb::RenderOptions {
            pdf,
            epub,
            text,
            smart_quotes,
        } = options;
        let pdf = self.pdf_options(&field(path, "pdf"), pdf.unwrap_or_default());
        let pb::EpubOptions {
            max_image_width,
            grayscale,
        } = epub.unwrap_or_default();
        if let Some(width) = max_image_width
            && !(EpubOptions::MIN_IMAGE_WIDTH..=EpubOptions::MAX_IMAGE_WIDTH).contains(&width)
        {
            self.violation(
                field(path, "epub.maxImageWidth"),
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
                        field(path, "text.width"),
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
            smart_quotes: smart_quotes.unwrap_or(true),
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
            tagged,
            archival,
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
                    field(path, "pageSize"),
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
                        field(path, "pageWidthMm"),
                        format!("is {w}; use 74 to 1000 mm"),
                    );
                    ok = false;
                }
                if !(105.0..=1000.0).contains(&h) {
                    self.violation(
                        field(path, "pageHeightMm"),
                        format!("is {h}; use 105 to 1000 mm"),
                    );
                    ok = false;
                }
                if ok {
                    (page_width, page_height) = (w * mm, h * mm);
                }
            }
            (Some(_), None) => self.violation(
                field(path, "pageHeightMm"),
                "is required with pageWidthMm: set both or neither",
            ),
            (None, Some(_)) => self.violation(
                field(path, "pageWidthMm"),
                "is required with pageHeightMm: set both or neither",
            ),
        }
        let margin = match margin_mm {
            None => defaults.margin,
            Some(m) if (5.0..=60.0).contains(&m) => m * mm,
            Some(m) => {
                self.violation(field(path, "marginMm"), format!("is {m}; use 5 to 60 mm"));
                defaults.margin
            }
        };
        if page_width - 2.0 * margin < 60.0 * mm {
            self.violation(
                field(path, "marginMm"),
                "leaves a text area narrower than 60 mm on this page; use a smaller margin or a wider page",
            );
        }
        let font_size = match font_size_pt {
            None => defaults.font_size,
            Some(s) if (6.0..=24.0).contains(&s) => s,
            Some(s) => {
                self.violation(
                    field(path, "fontSizePt"),
                    format!("is {s}; use 6 to 24 points"),
                );
                defaults.font_size
            }
        };
        let columns = match columns {
            None | Some(1) => 1,
            Some(2) => 2,
            Some(n) => {
                self.violation(field(path, "columns"), format!("is {n}; use 1 or 2"));
                1
            }
        };
        let tagged = tagged.unwrap_or(true);
        let archival = match pb::PdfArchival::try_from(archival) {
            Ok(pb::PdfArchival::Unspecified) => None,
            Ok(pb::PdfArchival::A2b) => Some(Archival::A2B),
            Ok(pb::PdfArchival::A2a) => Some(Archival::A2A),
            Ok(pb::PdfArchival::A3b) => Some(Archival::A3B),
            Ok(pb::PdfArchival::A4) => Some(Archival::A4),
            Err(_) => {
                self.violation(
                    field(path, "archival"),
                    format!("{archival} is not a PdfArchival; use PDF_ARCHIVAL_A2B, PDF_ARCHIVAL_A2A, PDF_ARCHIVAL_A3B or PDF_ARCHIVAL_A4"),
                );
                None
            }
        };
        // Combinations no document can conform to.
        let conflict = match (tagged, archival) {
            (false, Some(Archival::A2A)) => {
                Some("PDF/A-2a requires a tagged document; set tagged, or use PDF_ARCHIVAL_A2B")
            }
            (true, Some(Archival::A4)) => Some(
                "PDF/A-4 cannot be combined with PDF/UA-1, which tagged documents meet; set tagged to false for PDF/A-4",
            ),
            _ => None,
        };
        if let Some(why) = conflict {
            self.violation(field(path, "tagged"), why);
            self.violation(field(path, "archival"), why);
        }
        PdfOptions {
            page_width,
            page_height,
            margin,
            font_size,
            columns,
            justify: justify.unwrap_or(true),
            hyphenate: hyphenate.unwrap_or(true),
            article_page_break: article_page_break.unwrap_or(true),
            tagged,
            archival,
        }
    }

    fn language(&mut self, path: &str, tag: &str, inherited: Option<&Language>) -> Language {
        let tag = clean::line(tag.to_owned());
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
            notes,
            body_html,
            body_markdown,
        } = article;
        self.article_bytes = 0;
        let language = self.language(&field(path, "language"), &language, inherited_language);
        self.text_in(&language);

        let id = self.id(&field(path, "id"), id);
        let headline_path = field(path, "headline");
        let headline = self.required_line(&headline_path, headline);
        let headline_chars = headline.chars().count();
        if headline_chars > MAX_HEADLINE_CHARS {
            self.violation(
                headline_path,
                format!("is {headline_chars} characters long; the limit is {MAX_HEADLINE_CHARS}"),
            );
        }
        let summary = self.line(&field(path, "summary"), summary);
        let section = self.line(&field(path, "section"), section);
        let publication = self.line(&field(path, "publication"), publication);
        let dateline = self.line(&field(path, "dateline"), dateline);
        let copyright = self.line(&field(path, "copyright"), copyright);

        let contributors_path = field(path, "contributors");
        let contributors = if self.count_ok(&contributors_path, contributors.len(), MAX_REPEATED) {
            contributors
                .into_iter()
                .enumerate()
                .map(|(i, c)| self.contributor(&index(&contributors_path, i), c))
                .collect()
        } else {
            Vec::new()
        };

        let published_at = self.timestamp(&field(path, "publishedAt"), published_at);
        let updated_at = self.timestamp(&field(path, "updatedAt"), updated_at);

        let tags_path = field(path, "tags");
        let tags = if self.count_ok(&tags_path, tags.len(), MAX_REPEATED) {
            tags.into_iter()
                .enumerate()
                .map(|(i, t)| self.line(&index(&tags_path, i), t))
                .filter(|t| !t.is_empty())
                .collect()
        } else {
            Vec::new()
        };

        // Unlike a link, a canonical URL has no text to fall back on: a bad one is an error.
        let canonical_path = field(path, "canonicalUrl");
        let canonical_url = match self.url(&canonical_path, &canonical_url, &["http", "https"]) {
            Url::Blank => None,
            Url::Kept(url) => Some(url),
            Url::Dropped => {
                self.violation(canonical_path, "must be an absolute http or https URL");
                None
            }
        };

        let lead_figure = lead_figure.and_then(|f| self.figure(&field(path, "leadFigure"), f));

        let body = self.body(path, body, &body_html, &body_markdown);

        let notes_path = field(path, "notes");
        let notes = if self.count_ok(&notes_path, notes.len(), MAX_REPEATED) {
            notes
                .into_iter()
                .enumerate()
                .filter_map(|(i, n)| self.note(&index(&notes_path, i), n))
                .collect()
        } else {
            Vec::new()
        };

        let related_path = field(path, "related");
        let related = if self.count_ok(&related_path, related.len(), MAX_REPEATED) {
            related
                .into_iter()
                .enumerate()
                .map(|(i, r)| self.related(&index(&related_path, i), r))
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
            notes,
        }
    }

    /// The article's body from whichever of `body`, `bodyHtml` and `bodyMarkdown` is set
    /// (at most one may be): an HTML or Markdown body is imported into blocks, which are
    /// then checked like any others.
    fn body(&mut self, path: &str, body: Vec<pb::Block>, html: &str, markdown: &str) -> Vec<Block> {
        let set: Vec<&str> = [
            (!body.is_empty()).then_some("body"),
            (!html.is_empty()).then_some("bodyHtml"),
            (!markdown.is_empty()).then_some("bodyMarkdown"),
        ]
        .into_iter()
        .flatten()
        .collect();
        if set.len() > 1 {
            for field in &set {
                self.violation(
                    format!("{path}.{field}"),
                    format!(
                        "is set together with {}; set one of body, bodyHtml and bodyMarkdown",
                        set.iter()
                            .filter(|f| *f != field)
                            .copied()
                            .collect::<Vec<_>>()
                            .join(" and ")
                    ),
                );
            }
            return Vec::new();
        }
        let (field, source) = match set.first() {
            Some(&"bodyHtml") => ("bodyHtml", html),
            Some(&"bodyMarkdown") => ("bodyMarkdown", markdown),
            _ => return self.blocks(&field(path, "body"), body, false),
        };
        let field_path = format!("{path}.{field}");
        if source.len() > self.limits.article_bytes {
            self.violation(
                field_path,
                format!(
                    "is {} bytes long; the limit for one article is {}",
                    source.len(),
                    self.limits.article_bytes
                ),
            );
            return Vec::new();
        }
        let limits = crate::import::ImportLimits::default();
        let imported = if field == "bodyHtml" {
            crate::import::html(source, &limits)
        } else {
            crate::import::markdown(source, &limits)
        };
        match imported {
            Ok(imported) => {
                for warning in imported.warnings {
                    let warning = if path == "article" {
                        warning
                    } else {
                        format!("{path}: {warning}")
                    };
                    self.warnings.push(warning);
                }
                self.blocks(&field_path, imported.blocks, false)
            }
            Err(error) => {
                self.violation(field_path, error.reason);
                Vec::new()
            }
        }
    }

    /// The blocks of a body or an aside; `in_aside` refuses asides inside them.
    fn blocks(&mut self, path: &str, blocks: Vec<pb::Block>, in_aside: bool) -> Vec<Block> {
        if !self.count_ok(path, blocks.len(), MAX_BLOCKS) {
            return Vec::new();
        }
        blocks
            .into_iter()
            .enumerate()
            .filter_map(|(i, b)| self.block(&index(path, i), b, in_aside))
            .collect()
    }

    fn note(&mut self, path: &str, note: pb::EditorialNote) -> Option<EditorialNote> {
        let pb::EditorialNote { kind, text, date } = note;
        let kind = match pb::editorial_note::Kind::try_from(kind) {
            Ok(pb::editorial_note::Kind::Correction) => NoteKind::Correction,
            Ok(pb::editorial_note::Kind::Clarification) => NoteKind::Clarification,
            Ok(pb::editorial_note::Kind::Update) => NoteKind::Update,
            // An unknown kind (from a newer client) is printed as an editor's note.
            Ok(pb::editorial_note::Kind::EditorsNote | pb::editorial_note::Kind::Unspecified)
            | Err(_) => NoteKind::EditorsNote,
        };
        let text_path = field(path, "text");
        if !self.size_ok(&text_path, &text) {
            return None;
        }
        let text = clean::flowing_text(text);
        if text.is_empty() {
            self.violation(text_path, "is required and must not be blank");
            return None;
        }
        let text = self.smarten(text, None);
        let date = self.timestamp(&field(path, "date"), date);
        Some(EditorialNote { kind, text, date })
    }

    fn contributor(&mut self, path: &str, contributor: pb::Contributor) -> Contributor {
        let pb::Contributor { name, role, title } = contributor;
        let name = self.required_line(&field(path, "name"), name);
        let title = self.line(&field(path, "title"), title);
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
        Contributor { name, role, title }
    }

    fn related(&mut self, path: &str, related: pb::RelatedArticle) -> RelatedArticle {
        let pb::RelatedArticle {
            title,
            url,
            summary,
        } = related;
        RelatedArticle {
            title: self.required_line(&field(path, "title"), title),
            url: self
                .url(&field(path, "url"), &url, &["http", "https"])
                .kept(),
            summary: self.line(&field(path, "summary"), summary),
        }
    }

    /// Converts one body block; `None` for a block that turned out empty (an empty paragraph
    /// from a CMS, say), which is dropped.
    fn block(&mut self, path: &str, block: pb::Block, in_aside: bool) -> Option<Block> {
        use pb::block::Kind;
        let pb::Block { kind } = block;
        let Some(kind) = kind else {
            self.violation(
                path,
                "has no content: set one of paragraph, heading, quote, list, figure, preformatted, rule, table, aside or embed",
            );
            return None;
        };
        match kind {
            Kind::Paragraph(paragraph) => {
                let spans = self.paragraph(&field(path, "paragraph"), paragraph);
                (!spans.is_empty()).then_some(Block::Paragraph(spans))
            }
            Kind::Heading(heading) => {
                let path = field(path, "heading");
                let pb::Heading { level, text, spans } = heading;
                let level = level.unwrap_or(1);
                if !(1..=MAX_HEADING_LEVEL).contains(&level) {
                    self.violation(
                        field(&path, "level"),
                        format!("is {level}; heading levels run from 1 to {MAX_HEADING_LEVEL}"),
                    );
                }
                let spans = self.rich(&path, text, spans);
                let level = u8::try_from(level).unwrap_or(1);
                (!spans.is_empty()).then_some(Block::Heading { level, spans })
            }
            Kind::Quote(quote) => {
                let path = field(path, "quote");
                let pb::Quote {
                    paragraphs,
                    attribution,
                } = quote;
                let paragraphs_path = field(&path, "paragraphs");
                let attribution = self.line(&field(&path, "attribution"), attribution);
                if !self.count_ok(&paragraphs_path, paragraphs.len(), MAX_REPEATED) {
                    return None;
                }
                let paragraphs: Vec<_> = paragraphs
                    .into_iter()
                    .enumerate()
                    .map(|(i, p)| self.paragraph(&index(&paragraphs_path, i), p))
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
                let path = field(path, "list");
                let pb::List { ordered, items } = list;
                let items_path = field(&path, "items");
                if !self.count_ok(&items_path, items.len(), MAX_REPEATED) {
                    return None;
                }
                let items: Vec<_> = items
                    .into_iter()
                    .enumerate()
                    .map(|(i, item)| {
                        let pb::ListItem { text, spans } = item;
                        self.rich(&index(&items_path, i), text, spans)
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
                .figure(&field(path, "figure"), figure)
                .map(Block::Figure),
            Kind::Preformatted(preformatted) => {
                let path = field(path, "preformatted.text");
                let pb::Preformatted { text } = preformatted;
                if !self.size_ok(&path, &text) {
                    return None;
                }
                let text = clean::verbatim(&text);
                (!text.is_empty()).then_some(Block::Preformatted(text))
            }
            Kind::Rule(pb::Rule {}) => Some(Block::Rule),
            Kind::Table(table) => self.table(&field(path, "table"), table).map(Block::Table),
            Kind::Aside(aside) => {
                let path = field(path, "aside");
                if in_aside {
                    self.violation(path, "is inside another aside; fact boxes do not nest");
                    return None;
                }
                let pb::Aside { title, blocks } = aside;
                let title = self.line(&field(&path, "title"), title);
                let blocks_path = field(&path, "blocks");
                let blocks = self.blocks(&blocks_path, blocks, true);
                if blocks.is_empty() {
                    self.violation(blocks_path, "needs at least one block with content");
                    return None;
                }
                Some(Block::Aside(Aside { title, blocks }))
            }
            Kind::Embed(embed) => {
                let path = field(path, "embed");
                let pb::Embed {
                    url,
                    title,
                    provider,
                    description,
                } = embed;
                let url_path = field(&path, "url");
                let url = match self.url(&url_path, &url, &["http", "https"]) {
                    Url::Kept(url) => Some(url),
                    Url::Blank => {
                        self.violation(url_path, "is required: an embed needs its address");
                        None
                    }
                    Url::Dropped => {
                        self.violation(url_path, "must be an absolute http or https URL");
                        None
                    }
                };
                let title = self.line(&field(&path, "title"), title);
                let provider = self.line(&field(&path, "provider"), provider);
                let description = self.line(&field(&path, "description"), description);
                Some(Block::Embed(Embed {
                    url: url?,
                    title,
                    provider,
                    description,
                }))
            }
        }
    }

    fn table(&mut self, path: &str, table: pb::Table) -> Option<Table> {
        let pb::Table {
            caption,
            credit,
            header_rows,
            rows,
            column_alignment,
        } = table;
        let caption = self.line(&field(path, "caption"), caption);
        let credit = self.line(&field(path, "credit"), credit);
        let total_rows = header_rows.len() + rows.len();
        if total_rows == 0 {
            self.violation(field(path, "rows"), "needs at least one row");
            return None;
        }
        if total_rows > MAX_TABLE_ROWS {
            self.violation(
                field(path, "rows"),
                format!(
                    "has {total_rows} rows with the header rows; the limit is {MAX_TABLE_ROWS}"
                ),
            );
            return None;
        }
        let cells: usize = header_rows.iter().chain(&rows).map(|r| r.cells.len()).sum();
        if cells > MAX_TABLE_CELLS {
            self.violation(
                path,
                format!("has {cells} cells; the limit is {MAX_TABLE_CELLS}"),
            );
            return None;
        }
        let mut convert_rows =
            |name: &str, rows: Vec<pb::TableRow>| -> Vec<(String, TableRow, usize)> {
                rows.into_iter()
                    .enumerate()
                    .map(|(i, row)| {
                        let row_path = format!("{path}.{name}[{i}]");
                        let pb::TableRow { cells } = row;
                        let mut width = 0usize;
                        let cells: Vec<TableCell> = cells
                            .into_iter()
                            .enumerate()
                            .map(|(j, cell)| {
                                let cell_path = format!("{row_path}.cells[{j}]");
                                let pb::TableCell {
                                    text,
                                    spans,
                                    col_span,
                                } = cell;
                                let span = col_span.unwrap_or(1);
                                if !(1..=MAX_TABLE_COLUMNS as u32).contains(&span) {
                                    self.violation(
                                    field(&cell_path, "colSpan"),
                                    format!(
                                        "is {span}; a cell spans 1 to {MAX_TABLE_COLUMNS} columns"
                                    ),
                                );
                                }
                                let col_span = (span as usize).clamp(1, MAX_TABLE_COLUMNS);
                                width += col_span;
                                TableCell {
                                    spans: self.rich(&cell_path, text, spans),
                                    col_span,
                                }
                            })
                            .collect();
                        (row_path, TableRow { cells }, width)
                    })
                    .collect()
            };
        let header_rows = convert_rows("headerRows", header_rows);
        let rows = convert_rows("rows", rows);
        let columns = header_rows
            .iter()
            .chain(&rows)
            .map(|(_, _, width)| *width)
            .max()
            .unwrap_or(0);
        if columns > MAX_TABLE_COLUMNS {
            self.violation(
                path,
                format!("has {columns} columns; the limit is {MAX_TABLE_COLUMNS}"),
            );
            return None;
        }
        if columns == 0 {
            self.violation(field(path, "rows"), "needs at least one cell");
            return None;
        }
        for (row_path, _, width) in header_rows.iter().chain(&rows) {
            if *width != columns {
                self.violation(
                    field(row_path, "cells"),
                    format!(
                        "span {width} columns; every row must span the {columns} of the widest row"
                    ),
                );
            }
        }
        if column_alignment.len() > columns {
            self.violation(
                field(path, "columnAlignment"),
                format!(
                    "has {} entries for a table of {columns} columns",
                    column_alignment.len()
                ),
            );
        }
        let mut alignments: Vec<Alignment> = column_alignment
            .iter()
            .take(columns)
            .map(|a| match pb::Alignment::try_from(*a) {
                Ok(pb::Alignment::Center) => Alignment::Center,
                Ok(pb::Alignment::End) => Alignment::End,
                // An unknown alignment (from a newer client) is the default.
                Ok(pb::Alignment::Start | pb::Alignment::Unspecified) | Err(_) => Alignment::Start,
            })
            .collect();
        alignments.resize(columns, Alignment::Start);
        Some(Table {
            caption,
            credit,
            header_rows: header_rows.into_iter().map(|(_, row, _)| row).collect(),
            rows: rows.into_iter().map(|(_, row, _)| row).collect(),
            alignments,
            columns,
        })
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
            let text_path = field(path, "text");
            if !self.size_ok(&text_path, &text) {
                return Vec::new();
            }
            let text = clean::flowing_text(text);
            if text.is_empty() {
                return Vec::new();
            }
            return vec![Span::plain(self.smarten(text, None))];
        }
        let spans_path = field(path, "spans");
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
            let span_path = index(&spans_path, i);
            let text = if self.size_ok(&field(&span_path, "text"), &text) {
                text
            } else {
                String::new()
            };
            let link = self
                .url(
                    &field(&span_path, "link"),
                    &link,
                    &["http", "https", "mailto"],
                )
                .kept();
            texts.push(text);
            attributes.push((emphasis, strong, code, link));
        }
        let cleaned = clean::flowing(texts);
        let mut out: Vec<Span> = Vec::with_capacity(cleaned.len());
        let mut before: Option<char> = None;
        for (text, (emphasis, strong, code, link)) in cleaned.into_iter().zip(attributes) {
            if text.is_empty() {
                continue;
            }
            let last = text.chars().next_back();
            // Code keeps its quotes; it still counts as what comes before the next span.
            let text = if code {
                text
            } else {
                self.smarten(text, before)
            };
            before = last;
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
        let caption = self.line(&field(path, "caption"), caption);
        let credit = self.line(&field(path, "credit"), credit);
        let image_path = field(path, "image");
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
        let _ = self.line(&field(path, "mediaType"), media_type);
        let alt_text = self.line(&field(path, "altText"), alt_text);
        let data_path = field(path, "data");
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
        let language = self.language(&field(path, "language"), &language, None);
        self.text_in(&language);
        let title = self.required_line(&field(path, "title"), title);
        let subtitle = self.line(&field(path, "subtitle"), subtitle);
        let publisher = self.line(&field(path, "publisher"), publisher);
        let date = self.timestamp(&field(path, "date"), date);
        let cover = cover.and_then(|c| self.image(&field(path, "cover"), c));
        let articles_path = field(path, "articles");
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
                .map(|(i, a)| self.article(&index(&articles_path, i), a, Some(&language)))
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
