//! The way back from the model to the generated types: a validated, cleaned job as an
//! `ExportRequest`, for renderers that run outside the process and read the request as
//! canonical JSON. Every field is written out, defaults filled in, so such a renderer sees
//! exactly what the built-in ones see.

use chrono::{DateTime, Utc};

use super::{
    Alignment, Archival, Article, Block, Collection, Contributor, Document, EditorialNote,
    EpubOptions, ExportJob, Figure, Image, NoteKind, PdfOptions, RelatedArticle, RenderOptions,
    Role, Span, Table, TableRow, TextOptions,
};
use crate::pb;

impl ExportJob {
    /// The job as a request: cleaned text, resolved defaults, the format as asked.
    pub fn to_pb(&self) -> pb::ExportRequest {
        let document = match &self.document {
            Document::Article(article) => pb::export_request::Document::Article(article.into()),
            Document::Collection(collection) => {
                pb::export_request::Document::Collection(collection.into())
            }
        };
        pb::ExportRequest {
            request_id: self.request_id.clone(),
            document: Some(document),
            format: self.format.clone(),
            options: Some((&self.options).into()),
        }
    }
}

fn timestamp(time: Option<&DateTime<Utc>>) -> Option<prost_types::Timestamp> {
    time.map(|t| prost_types::Timestamp {
        seconds: t.timestamp(),
        nanos: i32::try_from(t.timestamp_subsec_nanos()).unwrap_or(0),
    })
}

fn spans(spans: &[Span]) -> Vec<pb::Span> {
    spans
        .iter()
        .map(|span| pb::Span {
            text: span.text.clone(),
            emphasis: span.emphasis,
            strong: span.strong,
            code: span.code,
            link: span.link.clone().unwrap_or_default(),
        })
        .collect()
}

fn paragraph(text: &[Span]) -> pb::Paragraph {
    pb::Paragraph {
        text: String::new(),
        spans: spans(text),
    }
}

impl From<&Image> for pb::Image {
    fn from(image: &Image) -> Self {
        pb::Image {
            data: image.data.clone(),
            media_type: image.format.media_type().to_owned(),
            alt_text: image.alt_text.clone(),
        }
    }
}

impl From<&Figure> for pb::Figure {
    fn from(figure: &Figure) -> Self {
        pb::Figure {
            image: Some((&figure.image).into()),
            caption: figure.caption.clone(),
            credit: figure.credit.clone(),
        }
    }
}

impl From<&Block> for pb::Block {
    fn from(block: &Block) -> Self {
        use pb::block::Kind;
        let kind = match block {
            Block::Paragraph(text) => Kind::Paragraph(paragraph(text)),
            Block::Heading { level, spans: text } => Kind::Heading(pb::Heading {
                level: Some(u32::from(*level)),
                text: String::new(),
                spans: spans(text),
            }),
            Block::Quote {
                paragraphs,
                attribution,
            } => Kind::Quote(pb::Quote {
                paragraphs: paragraphs.iter().map(|p| paragraph(p)).collect(),
                attribution: attribution.clone(),
            }),
            Block::List { ordered, items } => Kind::List(pb::List {
                ordered: *ordered,
                items: items
                    .iter()
                    .map(|item| pb::ListItem {
                        text: String::new(),
                        spans: spans(item),
                    })
                    .collect(),
            }),
            Block::Figure(figure) => Kind::Figure(figure.into()),
            Block::Preformatted(text) => {
                Kind::Preformatted(pb::Preformatted { text: text.clone() })
            }
            Block::Rule => Kind::Rule(pb::Rule {}),
            Block::Table(table) => Kind::Table(table.into()),
            Block::Aside(aside) => Kind::Aside(pb::Aside {
                title: aside.title.clone(),
                blocks: aside.blocks.iter().map(Into::into).collect(),
            }),
            Block::Embed(embed) => Kind::Embed(pb::Embed {
                url: embed.url.clone(),
                title: embed.title.clone(),
                provider: embed.provider.clone(),
                description: embed.description.clone(),
            }),
        };
        pb::Block { kind: Some(kind) }
    }
}

impl From<&Table> for pb::Table {
    fn from(table: &Table) -> Self {
        let rows = |rows: &[TableRow]| -> Vec<pb::TableRow> {
            rows.iter()
                .map(|row| pb::TableRow {
                    cells: row
                        .cells
                        .iter()
                        .map(|cell| pb::TableCell {
                            text: String::new(),
                            spans: spans(&cell.spans),
                            col_span: Some(u32::try_from(cell.col_span).unwrap_or(1)),
                        })
                        .collect(),
                })
                .collect()
        };
        pb::Table {
            caption: table.caption.clone(),
            credit: table.credit.clone(),
            header_rows: rows(&table.header_rows),
            rows: rows(&table.rows),
            column_alignment: table
                .alignments
                .iter()
                .map(|a| {
                    (match a {
                        Alignment::Start => pb::Alignment::Start,
                        Alignment::Center => pb::Alignment::Center,
                        Alignment::End => pb::Alignment::End,
                    }) as i32
                })
                .collect(),
        }
    }
}

impl From<&EditorialNote> for pb::EditorialNote {
    fn from(note: &EditorialNote) -> Self {
        use pb::editorial_note::Kind as K;
        let kind = match note.kind {
            NoteKind::Correction => K::Correction,
            NoteKind::Clarification => K::Clarification,
            NoteKind::Update => K::Update,
            NoteKind::EditorsNote => K::EditorsNote,
        };
        pb::EditorialNote {
            kind: kind as i32,
            text: note.text.clone(),
            date: timestamp(note.date.as_ref()),
        }
    }
}

impl From<&Contributor> for pb::Contributor {
    fn from(contributor: &Contributor) -> Self {
        use pb::contributor::Role as R;
        let role = match contributor.role {
            Role::Author => R::Author,
            Role::Reporting => R::Reporting,
            Role::Editing => R::Editing,
            Role::Photography => R::Photography,
            Role::Translation => R::Translation,
        };
        pb::Contributor {
            name: contributor.name.clone(),
            role: role as i32,
            title: contributor.title.clone(),
        }
    }
}

impl From<&RelatedArticle> for pb::RelatedArticle {
    fn from(related: &RelatedArticle) -> Self {
        pb::RelatedArticle {
            title: related.title.clone(),
            url: related.url.clone().unwrap_or_default(),
            summary: related.summary.clone(),
        }
    }
}

impl From<&Article> for pb::Article {
    fn from(article: &Article) -> Self {
        let Article {
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
        } = article;
        pb::Article {
            id: id.clone(),
            headline: headline.clone(),
            summary: summary.clone(),
            section: section.clone(),
            publication: publication.clone(),
            contributors: contributors.iter().map(Into::into).collect(),
            dateline: dateline.clone(),
            published_at: timestamp(published_at.as_ref()),
            updated_at: timestamp(updated_at.as_ref()),
            language: language.tag().to_owned(),
            tags: tags.clone(),
            canonical_url: canonical_url.clone().unwrap_or_default(),
            copyright: copyright.clone(),
            lead_figure: lead_figure.as_ref().map(Into::into),
            body: body.iter().map(Into::into).collect(),
            related: related.iter().map(Into::into).collect(),
            notes: notes.iter().map(Into::into).collect(),
            // The body travels as the blocks it was imported into.
            body_html: String::new(),
            body_markdown: String::new(),
        }
    }
}

impl From<&Collection> for pb::Collection {
    fn from(collection: &Collection) -> Self {
        pb::Collection {
            title: collection.title.clone(),
            subtitle: collection.subtitle.clone(),
            publisher: collection.publisher.clone(),
            date: timestamp(collection.date.as_ref()),
            language: collection.language.tag().to_owned(),
            cover: collection.cover.as_ref().map(Into::into),
            articles: collection.articles.iter().map(Into::into).collect(),
        }
    }
}

impl From<&RenderOptions> for pb::RenderOptions {
    fn from(options: &RenderOptions) -> Self {
        let PdfOptions {
            page_width,
            page_height,
            margin,
            font_size,
            columns,
            justify,
            hyphenate,
            article_page_break,
            tagged,
            archival,
        } = options.pdf;
        let mm = PdfOptions::PT_PER_MM;
        let EpubOptions {
            max_image_width,
            grayscale,
        } = options.epub;
        let TextOptions { width } = options.text;
        let smart_quotes = options.smart_quotes;
        pb::RenderOptions {
            pdf: Some(pb::PdfOptions {
                page_size: pb::PageSize::Unspecified as i32,
                page_width_mm: Some(page_width / mm),
                page_height_mm: Some(page_height / mm),
                margin_mm: Some(margin / mm),
                font_size_pt: Some(font_size),
                columns: Some(u32::from(columns)),
                justify: Some(justify),
                hyphenate: Some(hyphenate),
                article_page_break: Some(article_page_break),
                tagged: Some(tagged),
                archival: (match archival {
                    None => pb::PdfArchival::Unspecified,
                    Some(Archival::A2B) => pb::PdfArchival::A2b,
                    Some(Archival::A2A) => pb::PdfArchival::A2a,
                    Some(Archival::A3B) => pb::PdfArchival::A3b,
                    Some(Archival::A4) => pb::PdfArchival::A4,
                }) as i32,
            }),
            epub: Some(pb::EpubOptions {
                max_image_width,
                grayscale: Some(grayscale),
            }),
            smart_quotes: Some(smart_quotes),
            text: Some(pb::TextOptions {
                // 0 asks for no wrapping.
                width: Some(width.map_or(0, |w| u32::try_from(w).unwrap_or(u32::MAX))),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_validated_request_round_trips() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/multilingual.json"
        ))
        .unwrap();
        let request = crate::json::request_from_json(&text).unwrap();
        let job = ExportJob::try_from(request).unwrap();
        let again = ExportJob::try_from(job.to_pb()).unwrap();
        assert_eq!(again.document, job.document);
        assert_eq!(again.format, job.format);
    }
}
