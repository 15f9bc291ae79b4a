//! The domain model: validated, normalised articles and collections, with no knowledge of any
//! output format.
//!
//! Values of these types are only made by the conversion in [`convert`] from the generated
//! `pb` types, which checks every rule and limit once. Renderers trust them and never check
//! again. Derived facts that every renderer needs (word counts, file names, bylines) live
//! here or in [`crate::typography`], never once per renderer.

mod clean;
mod convert;
mod error;
mod image;
pub mod limits;
mod options;
mod to_pb;
mod words;

use chrono::{DateTime, Utc};

pub use convert::ExportJob;
pub use error::{FieldViolation, Invalid};
pub use image::ImageFormat;
pub(crate) use image::is_webp;
pub use limits::Limits;
pub use options::{Archival, EpubOptions, PdfOptions, RenderOptions, TextOptions};

/// What a request asks to render.
// One value per request, moved rarely: boxing the article would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Document {
    /// A single article.
    Article(Article),
    /// Several articles compiled into one document.
    Collection(Collection),
}

impl Document {
    /// The number of words of article text, by Unicode word boundaries (UAX #29).
    pub fn word_count(&self) -> usize {
        match self {
            Document::Article(article) => article.word_count(),
            Document::Collection(collection) => {
                collection.articles.iter().map(Article::word_count).sum()
            }
        }
    }

    /// A file name stem: the article id if it has one, else a slug of the headline or title.
    pub fn file_stem(&self) -> String {
        match self {
            Document::Article(article) => {
                let id = slug(&article.id);
                if id.is_empty() {
                    slug_or(&article.headline, "article")
                } else {
                    id
                }
            }
            Document::Collection(collection) => slug_or(&collection.title, "collection"),
        }
    }

    /// The title: the headline of an article, the title of a collection.
    pub fn title(&self) -> &str {
        match self {
            Document::Article(article) => &article.headline,
            Document::Collection(collection) => &collection.title,
        }
    }
}

/// A news article, analysis or feature. `Default` gives an empty one in English, for tests
/// and for renderers' own fixtures; the edge never makes one without a headline.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Article {
    /// A stable identifier; may be empty.
    pub id: String,
    /// The headline; never blank.
    pub headline: String,
    /// The standfirst; may be empty.
    pub summary: String,
    /// The section, for example "World"; may be empty.
    pub section: String,
    /// The publication; may be empty.
    pub publication: String,
    /// Everyone credited, in order.
    pub contributors: Vec<Contributor>,
    /// Where the story was filed from; may be empty.
    pub dateline: String,
    /// When it was first published.
    pub published_at: Option<DateTime<Utc>>,
    /// When it was last updated.
    pub updated_at: Option<DateTime<Utc>>,
    /// Its language.
    pub language: Language,
    /// Keywords and topics, none blank.
    pub tags: Vec<String>,
    /// Its http or https address.
    pub canonical_url: Option<String>,
    /// The copyright line; may be empty.
    pub copyright: String,
    /// The picture shown with the headline.
    pub lead_figure: Option<Figure>,
    /// The text.
    pub body: Vec<Block>,
    /// "Similar articles".
    pub related: Vec<RelatedArticle>,
    /// Corrections, clarifications, updates and editor's notes, in the order given.
    pub notes: Vec<EditorialNote>,
}

impl Article {
    /// The number of words in the headline, summary and body.
    pub fn word_count(&self) -> usize {
        words(&self.headline)
            + words(&self.summary)
            + self.body.iter().map(Block::word_count).sum::<usize>()
            + self.notes.iter().map(|n| words(&n.text)).sum::<usize>()
    }

    /// The contributors with a given role, in order.
    pub fn contributors_with(&self, role: Role) -> impl Iterator<Item = &Contributor> {
        self.contributors.iter().filter(move |c| c.role == role)
    }
}

fn words(text: &str) -> usize {
    self::words::count(text)
}

fn span_words(spans: &[Span]) -> usize {
    if let [span] = spans {
        return words(&span.text);
    }
    // Spans may split a word ("bold" + "face"), so count over the joined text.
    let mut joined = String::with_capacity(spans.iter().map(|s| s.text.len()).sum());
    for span in spans {
        joined.push_str(&span.text);
    }
    words(&joined)
}

/// A BCP 47 language tag, well-formed and in canonical case ("en-GB", "zh-Hant-TW").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Language(oxilangtag::LanguageTag<String>);

impl Language {
    /// Parses and normalises a tag, or says what is wrong with it.
    pub fn parse(tag: &str) -> Result<Self, String> {
        oxilangtag::LanguageTag::parse_and_normalize(tag)
            .map(Language)
            .map_err(|e| format!("`{tag}` is not a valid BCP 47 language tag: {e}"))
    }

    /// The tag, in canonical case.
    pub fn tag(&self) -> &str {
        self.0.as_str()
    }

    /// The primary language subtag, lowercase ("en" for "en-GB").
    pub fn primary(&self) -> &str {
        self.0.primary_language()
    }

    /// The region subtag, if the tag has one ("GB" for "en-GB").
    pub fn region(&self) -> Option<&str> {
        self.0.region()
    }

    /// The script subtag, if the tag has one ("Hant" for "zh-Hant-TW").
    pub fn script(&self) -> Option<&str> {
        self.0.script()
    }

    /// Whether the language is written right to left (Arabic, Hebrew, Persian, Urdu and the
    /// like), taking a script subtag into account ("az-Arab" is, "az" is not).
    pub fn is_rtl(&self) -> bool {
        if let Some(script) = self.0.script() {
            return matches!(
                script,
                "Arab" | "Hebr" | "Syrc" | "Thaa" | "Nkoo" | "Adlm" | "Rohg" | "Mand" | "Samr"
            );
        }
        matches!(
            self.primary(),
            "ar" | "he" | "iw" | "fa" | "ur" | "yi" | "ps" | "sd" | "ug" | "dv" | "ckb" | "syr"
        )
    }
}

impl Default for Language {
    fn default() -> Self {
        Language(oxilangtag::LanguageTag::parse("en".to_owned()).expect("`en` is a valid tag"))
    }
}

/// A person credited on an article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contributor {
    /// The name, never blank.
    pub name: String,
    /// What they did.
    pub role: Role,
    /// Their title, "Moscow bureau chief"; may be empty.
    pub title: String,
}

/// A note the newsroom publishes with an article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditorialNote {
    /// What the note is.
    pub kind: NoteKind,
    /// Its text, never empty.
    pub text: String,
    /// When it was added.
    pub date: Option<DateTime<Utc>>,
}

/// The kinds of editorial note.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NoteKind {
    /// A correction of a factual error: printed at the end of the article.
    Correction,
    /// A clarification: printed at the end.
    Clarification,
    /// An update to a developing story: printed at the top, under the byline.
    Update,
    /// An editor's note (also used when no kind was given): printed at the top.
    EditorsNote,
}

impl NoteKind {
    /// Whether newsroom convention prints this kind at the top of the article, under the
    /// byline, rather than at the end: updates and editor's notes frame the story the
    /// reader is about to read, corrections and clarifications amend what they have read.
    pub fn goes_first(self) -> bool {
        matches!(self, NoteKind::Update | NoteKind::EditorsNote)
    }
}

/// What a contributor did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Role {
    /// Wrote the article (also used when no role was given).
    Author,
    /// Reported for it.
    Reporting,
    /// Edited it.
    Editing,
    /// Took its photographs.
    Photography,
    /// Translated it.
    Translation,
}

/// One block of article text.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Block {
    /// A paragraph; never empty.
    Paragraph(Vec<Span>),
    /// A heading inside the article.
    Heading {
        /// From 1 (a main section) to [`limits::MAX_HEADING_LEVEL`].
        level: u8,
        /// The text; never empty.
        spans: Vec<Span>,
    },
    /// A block quotation.
    Quote {
        /// The quoted paragraphs; at least one.
        paragraphs: Vec<Vec<Span>>,
        /// Who said it; may be empty.
        attribution: String,
    },
    /// A list.
    List {
        /// Numbered rather than bulleted.
        ordered: bool,
        /// The items; at least one.
        items: Vec<Vec<Span>>,
    },
    /// An image with its caption.
    Figure(Figure),
    /// Verbatim text; line breaks and tabs kept.
    Preformatted(String),
    /// A thematic break.
    Rule,
    /// A table.
    Table(Table),
    /// A fact box: a titled group of blocks, none of them an aside.
    Aside(Aside),
    /// An embedded video or post, shown as a card with its link.
    Embed(Embed),
}

impl Block {
    /// The number of words in the block, by Unicode word boundaries.
    pub fn word_count(&self) -> usize {
        match self {
            Block::Paragraph(spans) | Block::Heading { spans, .. } => span_words(spans),
            Block::Quote {
                paragraphs,
                attribution,
            } => paragraphs.iter().map(|p| span_words(p)).sum::<usize>() + words(attribution),
            Block::List { items, .. } => items.iter().map(|i| span_words(i)).sum(),
            Block::Figure(figure) => words(&figure.caption),
            Block::Preformatted(text) => words(text),
            Block::Rule => 0,
            Block::Table(table) => {
                words(&table.caption)
                    + table
                        .header_rows
                        .iter()
                        .chain(&table.rows)
                        .flat_map(|row| &row.cells)
                        .map(|cell| span_words(&cell.spans))
                        .sum::<usize>()
            }
            Block::Aside(aside) => {
                words(&aside.title) + aside.blocks.iter().map(Block::word_count).sum::<usize>()
            }
            Block::Embed(embed) => words(&embed.title) + words(&embed.description),
        }
    }
}

/// A table whose rows all have [`Table::columns`] columns once spans are counted.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The caption, above; may be empty.
    pub caption: String,
    /// The source, below; may be empty.
    pub credit: String,
    /// Rows repeated at the top of every page the table crosses.
    pub header_rows: Vec<TableRow>,
    /// The body rows.
    pub rows: Vec<TableRow>,
    /// The alignment of each column; exactly [`Table::columns`] of them.
    pub alignments: Vec<Alignment>,
    /// The number of columns, at least 1.
    pub columns: usize,
}

/// A row of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRow {
    /// The cells, in order; their spans add up to the table's columns.
    pub cells: Vec<TableCell>,
}

/// A cell of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCell {
    /// The text; empty for an empty cell.
    pub spans: Vec<Span>,
    /// How many columns it takes, at least 1.
    pub col_span: usize,
}

/// How the cells of a column are aligned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Alignment {
    /// The start of the line (also when none was given).
    #[default]
    Start,
    /// Centred.
    Center,
    /// The end of the line.
    End,
}

/// A fact box.
#[derive(Debug, Clone, PartialEq)]
pub struct Aside {
    /// The title, "Key facts"; may be empty.
    pub title: String,
    /// The blocks inside, at least one, none an aside.
    pub blocks: Vec<Block>,
}

/// An embedded video or social post. Nothing is fetched: it is shown as a card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Embed {
    /// Its http or https address.
    pub url: String,
    /// Its title; may be empty.
    pub title: String,
    /// Where it is hosted, "YouTube"; may be empty.
    pub provider: String,
    /// A line about it; may be empty.
    pub description: String,
}

/// A run of text with the same formatting.
///
/// Runs of whitespace are collapsed to one space, across span boundaries too, and a block's
/// text neither starts nor ends with a space. A `'\n'` is a deliberate line break.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Span {
    /// The text; never empty.
    pub text: String,
    /// Italic.
    pub emphasis: bool,
    /// Bold.
    pub strong: bool,
    /// Inline code.
    pub code: bool,
    /// An http, https or mailto URL; other schemes were dropped at the edge.
    pub link: Option<String>,
}

/// The text of a run of spans as one string, borrowed when there is one span.
pub fn plain_text(spans: &[Span]) -> std::borrow::Cow<'_, str> {
    match spans {
        [span] => std::borrow::Cow::Borrowed(span.text.as_str()),
        _ => std::borrow::Cow::Owned(spans.iter().map(|s| s.text.as_str()).collect()),
    }
}

/// A heading's text on one line, for an outline or a table of contents: its deliberate line
/// breaks become spaces.
pub fn heading_label(spans: &[Span]) -> String {
    plain_text(spans).replace('\n', " ")
}

impl Span {
    /// A span of plain text.
    pub fn plain(text: impl Into<String>) -> Self {
        Span {
            text: text.into(),
            ..Span::default()
        }
    }
}

/// An image with its caption and credit.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// The image.
    pub image: Image,
    /// The caption; may be empty.
    pub caption: String,
    /// The credit; may be empty.
    pub credit: String,
}

/// An encoded image whose format and size were read from its header.
#[derive(Debug, Clone, PartialEq)]
pub struct Image {
    /// The encoded bytes.
    pub data: bytes::Bytes,
    /// The format, read from the data.
    pub format: ImageFormat,
    /// Width in pixels, read from the header.
    pub width: u32,
    /// Height in pixels, read from the header.
    pub height: u32,
    /// A description for readers who cannot see it; may be empty.
    pub alt_text: String,
}

/// An article listed under "Similar articles".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelatedArticle {
    /// Its headline, never blank.
    pub title: String,
    /// Its http or https address.
    pub url: Option<String>,
    /// A line about it; may be empty.
    pub summary: String,
}

/// Several articles compiled into one document.
#[derive(Debug, Clone, PartialEq)]
pub struct Collection {
    /// The title, never blank.
    pub title: String,
    /// A line under the title; may be empty.
    pub subtitle: String,
    /// Who publishes it; may be empty.
    pub publisher: String,
    /// The issue date.
    pub date: Option<DateTime<Utc>>,
    /// Its language.
    pub language: Language,
    /// A cover image.
    pub cover: Option<Image>,
    /// The articles, at least one.
    pub articles: Vec<Article>,
}

/// Lowercase ASCII letters and digits joined by single hyphens, at most 64 bytes, cut at a
/// hyphen where possible: a file name stem. Non-ASCII letters are dropped, so the result
/// may be empty.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for word in text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if out.len() + word.len() + 1 > 64 {
            if out.is_empty() {
                out.push_str(&word[..64].to_ascii_lowercase());
            }
            break;
        }
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(&word.to_ascii_lowercase());
    }
    out
}

fn slug_or(text: &str, fallback: &str) -> String {
    let s = slug(text);
    if s.is_empty() { fallback.to_owned() } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_short_ascii_and_never_empty() {
        assert_eq!(
            slug("Putin Holds Four‑Hour Kremlin Talks"),
            "putin-holds-four-hour-kremlin-talks"
        );
        assert_eq!(slug_or("Путин", "article"), "article");
        assert!(slug(&"a".repeat(500)).len() <= 64);
        assert!(slug(&"word ".repeat(50)).len() <= 64);
    }

    #[test]
    fn language_direction_follows_language_and_script() {
        assert!(Language::parse("ar").unwrap().is_rtl());
        assert!(Language::parse("he-IL").unwrap().is_rtl());
        assert!(!Language::parse("en-GB").unwrap().is_rtl());
        assert!(Language::parse("az-Arab").unwrap().is_rtl());
        assert!(!Language::parse("ku-Latn").unwrap().is_rtl());
        assert_eq!(Language::parse("EN-gb").unwrap().tag(), "en-GB");
        assert_eq!(Language::parse("en-GB").unwrap().region(), Some("GB"));
        assert_eq!(Language::parse("zh-Hant-TW").unwrap().region(), Some("TW"));
        assert!(Language::parse("english!").is_err());
    }

    #[test]
    fn word_count_joins_spans() {
        let article_words = span_words(&[Span::plain("bold"), Span::plain("face and more")]);
        assert_eq!(article_words, 3);
    }
}
