//! The fixed words every renderer prints around an article's own text ("By", "Updated",
//! "Contents", "Similar Articles", credit roles, kinds of editorial note), in the language
//! of the article or collection, from one table of terms per language, as pandoc keeps its
//! `translations/*.yaml`.
//!
//! A label is not always a word in front of a value: Korean papers put 기자 after the
//! reporters' names, Japanese ones put 更新 after the time of an update, Russian has a
//! plural "Авторы", and French sets a no-break space before a colon. So beside [`term`]
//! there are [`Pattern`]s (the text around a value: [`byline_pattern`], [`updated_pattern`]),
//! the colon that follows a label ([`colon`], [`labelled`]), the way a list of names ends
//! ([`join_names_in`]), counted nouns ([`article_count`]) and the description of a picture
//! ([`illustration_for`], which quotes the headline in the language's marks from
//! [`Quotes`]).
//!
//! Punctuation is the language's too. A credit line is a sentence per role, label, colon,
//! names, full stop ("Reporting: A. Editing: B and C."). French sets a no-break space before
//! the colon ("Reportage\u{a0}: A."). Chinese and Japanese use the full-width colon and full
//! stop with no space between sentences ("取材：A。編集：BとC。"). Arabic separates names with
//! the Arabic comma "،" and writes و onto the last name. Korean uses Western punctuation
//! and lists names with commas alone (the Korean table says why). Every other covered language uses the
//! English marks.
//!
//! A tag finds its language by its primary subtag (`de-AT` is German); Chinese is written in
//! Traditional characters for `Hant`, and for Taiwan, Hong Kong and Macau when no script is
//! given, and in Simplified ones otherwise. Any other language gets English. The English
//! terms are exactly the strings the renderers printed before the table existed; the golden
//! files pin them.
//!
//! The words are the plain ones a newspaper in that language prints: wire-service credit
//! lines (Reuters' "Reportagem de … ; Edição de …" in Portuguese, "Bericht: …" in German) and
//! the labels news sites use ("Mehr zum Thema", "По теме", "関連記事"), not literal
//! translations of the English.

use super::quotes::Quotes;
use crate::model::{Language, NoteKind};

/// A fixed label a renderer prints. Closed: a new label is a new variant, and the table
/// must then give it in every language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Term {
    /// The word of the byline ("By"); where it goes is the [`byline_pattern`].
    By,
    /// The word of an update's time ("Updated"); where it goes is the [`updated_pattern`].
    Updated,
    /// The credit for reporting.
    Reporting,
    /// The credit for editing.
    Editing,
    /// The credit for photographs.
    Photography,
    /// The credit for translation.
    Translation,
    /// The heading of a table of contents.
    Contents,
    /// The heading of the numbered list of links in plain text.
    References,
    /// The heading of an article's related articles.
    SimilarArticles,
    /// An editorial note correcting an error.
    Correction,
    /// An editorial note making something clearer without correcting it.
    Clarification,
    /// An editorial note on what changed since first publication.
    Update,
    /// A note from the editors.
    EditorsNote,
    /// The label of a table.
    Table,
    /// The label of a figure where plain text stands in for it ("[Figure: …]").
    Figure,
    /// The cover of a book: the cover landmark and the cover image's description.
    Cover,
    /// The heading of an EPUB's landmarks (cover, contents, start of the text).
    Landmarks,
    /// The landmark where the text starts.
    StartOfContent,
    /// The plural noun for articles, in its dictionary form ("articles"); a count of them is
    /// [`article_count`].
    Articles,
}

impl Term {
    /// Every term, for checks over the table.
    #[cfg(test)]
    const ALL: [Term; 19] = [
        Term::By,
        Term::Updated,
        Term::Reporting,
        Term::Editing,
        Term::Photography,
        Term::Translation,
        Term::Contents,
        Term::References,
        Term::SimilarArticles,
        Term::Correction,
        Term::Clarification,
        Term::Update,
        Term::EditorsNote,
        Term::Table,
        Term::Figure,
        Term::Cover,
        Term::Landmarks,
        Term::StartOfContent,
        Term::Articles,
    ];
}

impl From<NoteKind> for Term {
    /// The label of an editorial note of this kind.
    fn from(kind: NoteKind) -> Self {
        match kind {
            NoteKind::Correction => Term::Correction,
            NoteKind::Clarification => Term::Clarification,
            NoteKind::Update => Term::Update,
            NoteKind::EditorsNote => Term::EditorsNote,
        }
    }
}

/// The text around a value: what goes before it and what goes after, written as one string
/// with a `{}` where the value goes ("By {}", "{} 기자", "Mis à jour\u{a0}: {}").
///
/// Markup can put the value in an element of its own and the rest outside, from
/// [`before`](Pattern::before) and [`after`](Pattern::after).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pattern(&'static str);

impl Pattern {
    /// The text before the value.
    pub fn before(&self) -> &'static str {
        self.0.split_once("{}").map_or(self.0, |(before, _)| before)
    }

    /// The text after the value.
    pub fn after(&self) -> &'static str {
        self.0.split_once("{}").map_or("", |(_, after)| after)
    }

    /// The value with its text around it.
    pub fn apply(&self, value: &str) -> String {
        let (before, after) = (self.before(), self.after());
        let mut out = String::with_capacity(before.len() + value.len() + after.len());
        out.push_str(before);
        out.push_str(value);
        out.push_str(after);
        out
    }

    /// The label the pattern wraps around the value, without the spaces and colon that join
    /// them ("By" from "By {}", "기자" from "{} 기자").
    fn label(&self) -> &'static str {
        let joiners: &[char] = &[' ', '\u{a0}', ':', '：'];
        let before = self.before().trim_end_matches(joiners);
        if before.is_empty() {
            self.after().trim_start_matches(joiners)
        } else {
            before
        }
    }
}

/// The label `term` in `language`, or in English if the table does not have the language.
pub fn term(language: &Language, term: Term) -> &'static str {
    let t = terms(language);
    match term {
        Term::By => t.byline[0].label(),
        Term::Updated => t.updated.label(),
        Term::Reporting => t.reporting,
        Term::Editing => t.editing,
        Term::Photography => t.photography,
        Term::Translation => t.translation,
        Term::Contents => t.contents,
        Term::References => t.references,
        Term::SimilarArticles => t.similar_articles,
        Term::Correction => t.correction,
        Term::Clarification => t.clarification,
        Term::Update => t.update,
        Term::EditorsNote => t.editors_note,
        Term::Table => t.table,
        Term::Figure => t.figure,
        Term::Cover => t.cover,
        Term::Landmarks => t.landmarks,
        Term::StartOfContent => t.start_of_content,
        Term::Articles => t.articles,
    }
}

/// The byline around `names` names already joined by [`join_names_in`]: "By {}", "Von {}",
/// "Авторы: {}" for several Russian authors, "{} 기자" in Korean.
pub fn byline_pattern(language: &Language, names: usize) -> Pattern {
    let [one, several] = terms(language).byline;
    if names > 1 { several } else { one }
}

/// The text around the moment of an update: "Updated {}", "{} 更新" in Japanese.
pub fn updated_pattern(language: &Language) -> Pattern {
    terms(language).updated
}

/// The description of an image that has none of its own, from the article's headline in
/// the language's quotation marks ([`Quotes::for_language`]): "Illustration for “Talks”",
/// "Illustration zu „Gespräche“", "「会談」の画像".
pub fn illustration_for(language: &Language, headline: &str) -> String {
    let quotes = Quotes::for_language(language);
    let (open, close) = quotes.primary();
    let inner = if quotes.spaced_guillemets() && open == '«' {
        "\u{202F}"
    } else {
        ""
    };
    let quoted = format!("{open}{inner}{headline}{inner}{close}");
    terms(language).illustration.apply(&quoted)
}

/// What joins a label to its text: ": ", "\u{a0}: " in French, a full-width "：" in Chinese
/// and Japanese.
pub fn colon(language: &Language) -> &'static str {
    terms(language).punctuation.colon
}

/// `label` and `text` joined by the language's [`colon`]: "Cover: Daily Briefing",
/// "Couverture\u{a0}: …".
pub fn labelled(language: &Language, label: Term, text: &str) -> String {
    format!("{}{}{text}", term(language, label), colon(language))
}

/// How a language ends a sentence and what goes before the next one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Punctuation {
    /// What joins a label to its text.
    pub(super) colon: &'static str,
    /// The full stop: "." or, in Chinese and Japanese, "。".
    pub(super) full_stop: &'static str,
    /// Between one sentence and the next: a space, or nothing after "。".
    pub(super) sentence_gap: &'static str,
}

/// What separates the items of a list in `language`, and a name from its title: ", ",
/// "، ", "、".
pub(super) fn list_separator(language: &Language) -> &'static str {
    terms(language).list.separator
}

/// The punctuation of `language`.
pub(super) fn punctuation(language: &Language) -> Punctuation {
    terms(language).punctuation
}

/// Joins names the way a credit line in `language` does: "A, B and C", "A, B und C",
/// "A، B وC", "A、BとC". A language's conjunction may change with the name after it (Spanish
/// "y" becomes "e" before an /i/ sound) or be written onto it (Arabic و, Hebrew ו).
pub fn join_names_in<S: AsRef<str>>(language: &Language, names: &[S]) -> String {
    let list = terms(language).list;
    match names {
        [] => String::new(),
        [one] => one.as_ref().to_owned(),
        [init @ .., last] => {
            let last = last.as_ref();
            let mut out = String::new();
            for (i, name) in init.iter().enumerate() {
                if i > 0 {
                    out.push_str(list.separator);
                }
                out.push_str(name.as_ref());
            }
            match list.last {
                Last::Word(word) => out.push_str(word),
                Last::Spanish => out.push_str(if sounds_like_i(last) { " e " } else { " y " }),
                Last::Prefix {
                    letter,
                    native,
                    foreign,
                } => {
                    out.push(' ');
                    let script = last.chars().next().is_some_and(native);
                    out.push_str(if script { letter } else { foreign });
                }
            }
            out.push_str(last);
            out
        }
    }
}

/// A count of articles as a title page prints it: "1 article", "12 articles", "5 статей",
/// "مقالان", "12篇文章", with the language's plural forms (CLDR cardinal rules).
pub fn article_count(language: &Language, count: usize) -> String {
    let counted = terms(language).article_count;
    let index = counted.rule.index(count);
    let form = counted
        .forms
        .get(index)
        .or(counted.forms.last())
        .copied()
        .unwrap_or("{}");
    form.replace("{}", &count.to_string())
}

/// `text` in capitals, with the language's casing where Unicode's default is wrong for it:
/// Turkish and Azerbaijani capitalise i as İ.
pub fn uppercase_in(language: &Language, text: &str) -> String {
    match language.primary() {
        "tr" | "az" => {
            let mut out = String::with_capacity(text.len());
            for c in text.chars() {
                if c == 'i' {
                    out.push('İ');
                } else {
                    out.extend(c.to_uppercase());
                }
            }
            out
        }
        _ => text.to_uppercase(),
    }
}

/// The terms of one language. Every field is required, so a language cannot leave a term
/// out; the tests check that none is empty.
struct Terms {
    /// The byline for one name and for several.
    byline: [Pattern; 2],
    updated: Pattern,
    /// The description of a picture around the quoted headline.
    illustration: Pattern,
    reporting: &'static str,
    editing: &'static str,
    photography: &'static str,
    translation: &'static str,
    contents: &'static str,
    references: &'static str,
    similar_articles: &'static str,
    correction: &'static str,
    clarification: &'static str,
    update: &'static str,
    editors_note: &'static str,
    table: &'static str,
    figure: &'static str,
    cover: &'static str,
    landmarks: &'static str,
    start_of_content: &'static str,
    articles: &'static str,
    article_count: Counted,
    list: List,
    punctuation: Punctuation,
}

/// How a list of names is joined.
#[derive(Clone, Copy)]
struct List {
    /// Between names other than the last two.
    separator: &'static str,
    /// Between the last two.
    last: Last,
}

#[derive(Clone, Copy)]
enum Last {
    /// A conjunction with its spaces: " and ", "和".
    Word(&'static str),
    /// Spanish " y ", or " e " before a name that starts with an /i/ sound ("Pedro e Inés").
    Spanish,
    /// A one-letter conjunction written onto the last name after a space (Arabic و,
    /// Hebrew ו) when the name starts with a letter of `native`'s script, else `foreign`:
    /// Hebrew joins ו to a foreign word with a hyphen ("ו-Guy"), Arabic leaves a space.
    Prefix {
        letter: &'static str,
        native: fn(char) -> bool,
        foreign: &'static str,
    },
}

/// A noun after a count, in each of the forms its language's plural rule picks.
#[derive(Clone, Copy)]
struct Counted {
    rule: Plural,
    /// The forms in the order of [`Plural::index`], `{}` standing for the number; a form
    /// may leave the number out (Arabic "مقالان", two articles).
    forms: &'static [&'static str],
}

/// The CLDR cardinal plural rules of the covered languages, for whole numbers.
#[derive(Clone, Copy, Debug)]
enum Plural {
    /// One form for every count: Chinese, Japanese, Korean, Turkish (a noun after a number
    /// stays singular).
    Invariable,
    /// one (1), other: English, German, Spanish, Italian, Dutch.
    One,
    /// one (0 and 1), other: French, Portuguese.
    ZeroOne,
    /// one (21, not 11), few (2–4, 22–24, not 12–14), many: Russian, Ukrainian.
    EastSlavic,
    /// one (1 only), few (2–4, 22–24, not 12–14), many: Polish.
    Polish,
    /// zero, one, two, few (3–10 in each hundred), many (11–99), other: Arabic.
    Arabic,
    /// one, two, other: Hebrew.
    Hebrew,
}

impl Plural {
    /// How many forms the rule picks from.
    #[cfg(test)]
    fn forms(self) -> usize {
        match self {
            Plural::Invariable => 1,
            Plural::One | Plural::ZeroOne => 2,
            Plural::EastSlavic | Plural::Polish | Plural::Hebrew => 3,
            Plural::Arabic => 6,
        }
    }

    /// Which form `n` takes.
    fn index(self, n: usize) -> usize {
        let (tens, hundreds) = (n % 10, n % 100);
        let few = (2..=4).contains(&tens) && !(12..=14).contains(&hundreds);
        match self {
            Plural::Invariable => 0,
            Plural::One => usize::from(n != 1),
            Plural::ZeroOne => usize::from(n > 1),
            Plural::EastSlavic if tens == 1 && hundreds != 11 => 0,
            Plural::Polish if n == 1 => 0,
            Plural::EastSlavic | Plural::Polish if few => 1,
            Plural::EastSlavic | Plural::Polish => 2,
            Plural::Arabic => match (n, hundreds) {
                (0, _) => 0,
                (1, _) => 1,
                (2, _) => 2,
                (_, 3..=10) => 3,
                (_, 11..=99) => 4,
                _ => 5,
            },
            Plural::Hebrew => match n {
                1 => 0,
                2 => 1,
                _ => 2,
            },
        }
    }
}

/// Whether a Spanish name starts with the sound /i/ (I-, Í-, Hi- not before a vowel), before
/// which "y" is written "e".
fn sounds_like_i(name: &str) -> bool {
    let lower: Vec<char> = name.chars().take(3).flat_map(char::to_lowercase).collect();
    let rest = match lower.as_slice() {
        ['i' | 'í', rest @ ..] => rest,
        ['h', 'i' | 'í', rest @ ..] => rest,
        _ => return false,
    };
    // "hie-", "io-": a diphthong, which starts with a /j/ sound and keeps "y".
    !matches!(
        rest.first(),
        Some('a' | 'e' | 'o' | 'u' | 'á' | 'é' | 'ó' | 'ú')
    )
}

fn is_arabic_letter(c: char) -> bool {
    matches!(c, '\u{0620}'..='\u{064A}' | '\u{066E}'..='\u{06D3}' | '\u{06FA}'..='\u{06FF}'
        | '\u{0750}'..='\u{077F}' | '\u{08A0}'..='\u{08FF}' | '\u{FB50}'..='\u{FDFF}'
        | '\u{FE70}'..='\u{FEFF}')
}

fn is_hebrew_letter(c: char) -> bool {
    matches!(c, '\u{05D0}'..='\u{05EA}' | '\u{FB1D}'..='\u{FB4F}')
}

/// The table for a language tag.
fn terms(language: &Language) -> &'static Terms {
    match language.primary() {
        "de" => &DE,
        "fr" => &FR,
        "es" => &ES,
        "it" => &IT,
        "pt" => &PT,
        "nl" => &NL,
        "pl" => &PL,
        "ru" => &RU,
        "uk" => &UK,
        "tr" => &TR,
        "ar" => &AR,
        "he" | "iw" => &HE,
        "zh" => match (language.script(), language.region()) {
            (Some("Hant"), _) | (None, Some("TW" | "HK" | "MO")) => &ZH_HANT,
            _ => &ZH_HANS,
        },
        "ja" => &JA,
        "ko" => &KO,
        _ => &EN,
    }
}

/// The punctuation of most languages written in Latin, Cyrillic, Arabic and Hebrew script,
/// and of Korean.
const WESTERN: Punctuation = Punctuation {
    colon: ": ",
    full_stop: ".",
    sentence_gap: " ",
};

/// Chinese and Japanese: full-width colon and full stop, no space between sentences.
const CJK: Punctuation = Punctuation {
    colon: "：",
    full_stop: "。",
    sentence_gap: "",
};

const fn list(separator: &'static str, conjunction: &'static str) -> List {
    List {
        separator,
        last: Last::Word(conjunction),
    }
}

static EN: Terms = Terms {
    byline: [Pattern("By {}"), Pattern("By {}")],
    updated: Pattern("Updated {}"),
    illustration: Pattern("Illustration for {}"),
    reporting: "Reporting",
    editing: "Editing",
    photography: "Photography",
    translation: "Translation",
    contents: "Contents",
    references: "References",
    similar_articles: "Similar Articles",
    correction: "Correction",
    clarification: "Clarification",
    update: "Update",
    editors_note: "Editor’s Note",
    table: "Table",
    figure: "Figure",
    cover: "Cover",
    landmarks: "Landmarks",
    start_of_content: "Start of content",
    articles: "articles",
    article_count: Counted {
        rule: Plural::One,
        forms: &["{} article", "{} articles"],
    },
    // No serial comma: "A, B and C", as the credit lines have always read.
    list: list(", ", " and "),
    punctuation: WESTERN,
};

static DE: Terms = Terms {
    byline: [Pattern("Von {}"), Pattern("Von {}")],
    // "Aktualisiert am" would not fit a bare time of day.
    updated: Pattern("Aktualisiert: {}"),
    illustration: Pattern("Illustration zu {}"),
    reporting: "Bericht",
    editing: "Redaktion",
    photography: "Fotos",
    translation: "Übersetzung",
    contents: "Inhalt",
    references: "Verweise",
    similar_articles: "Mehr zum Thema",
    correction: "Korrektur",
    clarification: "Klarstellung",
    update: "Aktualisierung",
    editors_note: "Anmerkung der Redaktion",
    table: "Tabelle",
    figure: "Bild",
    cover: "Titelbild",
    landmarks: "Orientierungspunkte",
    start_of_content: "Beginn des Inhalts",
    articles: "Artikel",
    article_count: Counted {
        rule: Plural::One,
        forms: &["{} Artikel", "{} Artikel"],
    },
    list: list(", ", " und "),
    punctuation: WESTERN,
};

static FR: Terms = Terms {
    byline: [Pattern("Par {}"), Pattern("Par {}")],
    updated: Pattern("Mis à jour\u{a0}: {}"),
    illustration: Pattern("Illustration pour {}"),
    reporting: "Reportage",
    editing: "Édition",
    photography: "Photos",
    translation: "Traduction",
    contents: "Sommaire",
    references: "Références",
    similar_articles: "Sur le même sujet",
    correction: "Rectificatif",
    clarification: "Précision",
    update: "Mise à jour",
    editors_note: "Note de la rédaction",
    table: "Tableau",
    figure: "Image",
    cover: "Couverture",
    landmarks: "Repères",
    start_of_content: "Début du contenu",
    articles: "articles",
    article_count: Counted {
        rule: Plural::ZeroOne,
        forms: &["{} article", "{} articles"],
    },
    list: list(", ", " et "),
    // A no-break space before the colon, as French typography wants.
    punctuation: Punctuation {
        colon: "\u{a0}: ",
        ..WESTERN
    },
};

static ES: Terms = Terms {
    byline: [Pattern("Por {}"), Pattern("Por {}")],
    updated: Pattern("Actualizado: {}"),
    illustration: Pattern("Ilustración del artículo {}"),
    reporting: "Información",
    editing: "Edición",
    photography: "Fotografía",
    translation: "Traducción",
    contents: "Sumario",
    references: "Referencias",
    similar_articles: "Artículos relacionados",
    correction: "Corrección",
    clarification: "Aclaración",
    update: "Actualización",
    editors_note: "Nota de la redacción",
    table: "Tabla",
    figure: "Imagen",
    cover: "Portada",
    landmarks: "Puntos de referencia",
    start_of_content: "Inicio del contenido",
    articles: "artículos",
    article_count: Counted {
        rule: Plural::One,
        forms: &["{} artículo", "{} artículos"],
    },
    list: List {
        separator: ", ",
        last: Last::Spanish,
    },
    punctuation: WESTERN,
};

static IT: Terms = Terms {
    // Italian papers print the preposition in lower case: "di Marco Imarisio".
    byline: [Pattern("di {}"), Pattern("di {}")],
    updated: Pattern("Aggiornato: {}"),
    illustration: Pattern("Illustrazione dell’articolo {}"),
    reporting: "Reportage",
    editing: "Revisione",
    photography: "Foto",
    translation: "Traduzione",
    contents: "Sommario",
    references: "Riferimenti",
    similar_articles: "Articoli correlati",
    correction: "Rettifica",
    clarification: "Precisazione",
    update: "Aggiornamento",
    editors_note: "Nota della redazione",
    table: "Tabella",
    figure: "Immagine",
    cover: "Copertina",
    landmarks: "Punti di riferimento",
    start_of_content: "Inizio del contenuto",
    articles: "articoli",
    article_count: Counted {
        rule: Plural::One,
        forms: &["{} articolo", "{} articoli"],
    },
    // The euphonic "ed" before a vowel is optional, and left out.
    list: list(", ", " e "),
    punctuation: WESTERN,
};

static PT: Terms = Terms {
    byline: [Pattern("Por {}"), Pattern("Por {}")],
    updated: Pattern("Atualizado: {}"),
    illustration: Pattern("Ilustração do artigo {}"),
    reporting: "Reportagem",
    editing: "Edição",
    photography: "Fotografia",
    translation: "Tradução",
    contents: "Sumário",
    references: "Referências",
    similar_articles: "Artigos relacionados",
    correction: "Correção",
    clarification: "Esclarecimento",
    update: "Atualização",
    editors_note: "Nota da redação",
    table: "Tabela",
    figure: "Imagem",
    cover: "Capa",
    landmarks: "Pontos de referência",
    start_of_content: "Início do conteúdo",
    articles: "artigos",
    article_count: Counted {
        rule: Plural::ZeroOne,
        forms: &["{} artigo", "{} artigos"],
    },
    list: list(", ", " e "),
    punctuation: WESTERN,
};

static NL: Terms = Terms {
    byline: [Pattern("Door {}"), Pattern("Door {}")],
    updated: Pattern("Bijgewerkt: {}"),
    illustration: Pattern("Illustratie bij {}"),
    reporting: "Verslaggeving",
    editing: "Eindredactie",
    photography: "Foto’s",
    translation: "Vertaling",
    contents: "Inhoud",
    references: "Verwijzingen",
    similar_articles: "Gerelateerde artikelen",
    correction: "Correctie",
    clarification: "Verduidelijking",
    update: "Update",
    editors_note: "Noot van de redactie",
    table: "Tabel",
    figure: "Afbeelding",
    cover: "Omslag",
    landmarks: "Oriëntatiepunten",
    start_of_content: "Begin van de inhoud",
    articles: "artikelen",
    article_count: Counted {
        rule: Plural::One,
        forms: &["{} artikel", "{} artikelen"],
    },
    list: list(", ", " en "),
    punctuation: WESTERN,
};

static PL: Terms = Terms {
    byline: [Pattern("Autor: {}"), Pattern("Autorzy: {}")],
    updated: Pattern("Aktualizacja: {}"),
    illustration: Pattern("Ilustracja do artykułu {}"),
    // "Współpraca", the credit Polish papers give contributing reporters.
    reporting: "Współpraca",
    editing: "Redakcja",
    photography: "Zdjęcia",
    translation: "Tłumaczenie",
    contents: "Spis treści",
    references: "Odnośniki",
    similar_articles: "Powiązane artykuły",
    correction: "Sprostowanie",
    clarification: "Wyjaśnienie",
    update: "Aktualizacja",
    editors_note: "Od redakcji",
    table: "Tabela",
    figure: "Ilustracja",
    cover: "Okładka",
    landmarks: "Punkty orientacyjne",
    start_of_content: "Początek treści",
    articles: "artykuły",
    article_count: Counted {
        rule: Plural::Polish,
        forms: &["{} artykuł", "{} artykuły", "{} artykułów"],
    },
    list: list(", ", " i "),
    punctuation: WESTERN,
};

static RU: Terms = Terms {
    byline: [Pattern("Автор: {}"), Pattern("Авторы: {}")],
    updated: Pattern("Обновлено: {}"),
    illustration: Pattern("Иллюстрация к статье {}"),
    reporting: "Репортаж",
    editing: "Редактирование",
    photography: "Фото",
    translation: "Перевод",
    contents: "Содержание",
    references: "Ссылки",
    similar_articles: "По теме",
    correction: "Исправление",
    clarification: "Уточнение",
    update: "Обновление",
    editors_note: "От редакции",
    table: "Таблица",
    figure: "Иллюстрация",
    cover: "Обложка",
    landmarks: "Ориентиры",
    start_of_content: "Начало текста",
    articles: "статьи",
    article_count: Counted {
        rule: Plural::EastSlavic,
        forms: &["{} статья", "{} статьи", "{} статей"],
    },
    list: list(", ", " и "),
    punctuation: WESTERN,
};

static UK: Terms = Terms {
    byline: [Pattern("Автор: {}"), Pattern("Автори: {}")],
    updated: Pattern("Оновлено: {}"),
    illustration: Pattern("Ілюстрація до статті {}"),
    reporting: "Репортаж",
    editing: "Редагування",
    photography: "Фото",
    translation: "Переклад",
    contents: "Зміст",
    references: "Посилання",
    similar_articles: "За темою",
    correction: "Виправлення",
    clarification: "Уточнення",
    update: "Оновлення",
    editors_note: "Від редакції",
    table: "Таблиця",
    figure: "Ілюстрація",
    cover: "Обкладинка",
    landmarks: "Орієнтири",
    start_of_content: "Початок тексту",
    articles: "статті",
    article_count: Counted {
        rule: Plural::EastSlavic,
        forms: &["{} стаття", "{} статті", "{} статей"],
    },
    // "і" throughout: the euphonic "й" after a vowel is a matter of style.
    list: list(", ", " і "),
    punctuation: WESTERN,
};

static TR: Terms = Terms {
    byline: [Pattern("Yazan: {}"), Pattern("Yazan: {}")],
    updated: Pattern("Güncelleme: {}"),
    illustration: Pattern("{} haberinin görseli"),
    reporting: "Haber",
    editing: "Editör",
    photography: "Fotoğraf",
    translation: "Çeviri",
    contents: "İçindekiler",
    references: "Bağlantılar",
    similar_articles: "İlgili haberler",
    correction: "Düzeltme",
    clarification: "Açıklama",
    update: "Güncelleme",
    editors_note: "Editörün notu",
    table: "Tablo",
    figure: "Görsel",
    cover: "Kapak",
    landmarks: "Gezinme noktaları",
    start_of_content: "İçeriğin başlangıcı",
    articles: "haberler",
    article_count: Counted {
        rule: Plural::Invariable,
        forms: &["{} haber"],
    },
    list: list(", ", " ve "),
    punctuation: WESTERN,
};

static AR: Terms = Terms {
    byline: [Pattern("بقلم {}"), Pattern("بقلم {}")],
    updated: Pattern("آخر تحديث: {}"),
    illustration: Pattern("صورة توضيحية لمقال {}"),
    reporting: "تغطية",
    editing: "تحرير",
    photography: "تصوير",
    translation: "ترجمة",
    contents: "المحتويات",
    references: "الروابط",
    similar_articles: "مقالات ذات صلة",
    correction: "تصحيح",
    clarification: "توضيح",
    update: "تحديث",
    editors_note: "ملاحظة المحرر",
    table: "جدول",
    figure: "صورة",
    cover: "الغلاف",
    landmarks: "المعالم",
    start_of_content: "بداية المحتوى",
    articles: "مقالات",
    article_count: Counted {
        rule: Plural::Arabic,
        forms: &[
            "لا مقالات",
            "مقال واحد",
            "مقالان",
            "{} مقالات",
            "{} مقالًا",
            "{} مقال",
        ],
    },
    list: List {
        separator: "، ",
        last: Last::Prefix {
            letter: "و",
            native: is_arabic_letter,
            foreign: "و ",
        },
    },
    punctuation: WESTERN,
};

static HE: Terms = Terms {
    byline: [Pattern("מאת {}"), Pattern("מאת {}")],
    updated: Pattern("עודכן: {}"),
    illustration: Pattern("איור לכתבה {}"),
    reporting: "דיווח",
    editing: "עריכה",
    photography: "צילום",
    translation: "תרגום",
    contents: "תוכן העניינים",
    references: "קישורים",
    similar_articles: "כתבות קשורות",
    correction: "תיקון",
    clarification: "הבהרה",
    update: "עדכון",
    editors_note: "הערת העורך",
    table: "טבלה",
    figure: "תמונה",
    cover: "כריכה",
    landmarks: "ציוני דרך",
    start_of_content: "תחילת התוכן",
    articles: "כתבות",
    article_count: Counted {
        rule: Plural::Hebrew,
        forms: &["כתבה אחת", "שתי כתבות", "{} כתבות"],
    },
    list: List {
        separator: ", ",
        last: Last::Prefix {
            letter: "ו",
            native: is_hebrew_letter,
            foreign: "ו-",
        },
    },
    punctuation: WESTERN,
};

static ZH_HANS: Terms = Terms {
    byline: [Pattern("作者：{}"), Pattern("作者：{}")],
    updated: Pattern("更新：{}"),
    illustration: Pattern("{}配图"),
    reporting: "报道",
    editing: "编辑",
    photography: "摄影",
    translation: "翻译",
    contents: "目录",
    references: "链接",
    similar_articles: "相关文章",
    correction: "更正",
    clarification: "澄清",
    update: "更新",
    editors_note: "编者按",
    table: "表格",
    figure: "图片",
    cover: "封面",
    landmarks: "地标",
    start_of_content: "正文",
    articles: "文章",
    article_count: Counted {
        rule: Plural::Invariable,
        forms: &["{}篇文章"],
    },
    list: list("、", "和"),
    punctuation: CJK,
};

static ZH_HANT: Terms = Terms {
    byline: [Pattern("作者：{}"), Pattern("作者：{}")],
    updated: Pattern("更新：{}"),
    illustration: Pattern("{}配圖"),
    reporting: "報導",
    editing: "編輯",
    photography: "攝影",
    translation: "翻譯",
    contents: "目錄",
    references: "連結",
    similar_articles: "相關文章",
    correction: "更正",
    clarification: "澄清",
    update: "更新",
    editors_note: "編者按",
    table: "表格",
    figure: "圖片",
    cover: "封面",
    landmarks: "地標",
    start_of_content: "正文",
    articles: "文章",
    article_count: Counted {
        rule: Plural::Invariable,
        forms: &["{}篇文章"],
    },
    list: list("、", "和"),
    punctuation: CJK,
};

static JA: Terms = Terms {
    // "文：", the credit for the writer. "記者" after the names would call every author a
    // staff reporter.
    byline: [Pattern("文：{}"), Pattern("文：{}")],
    // Japanese news sites put 更新 after the time: "2025年12月4日 06:15 UTC 更新".
    updated: Pattern("{} 更新"),
    illustration: Pattern("{}の画像"),
    reporting: "取材",
    editing: "編集",
    photography: "写真",
    translation: "翻訳",
    contents: "目次",
    references: "リンク",
    similar_articles: "関連記事",
    correction: "訂正",
    clarification: "補足",
    update: "更新",
    editors_note: "編集部注",
    table: "表",
    figure: "画像",
    cover: "表紙",
    landmarks: "ランドマーク",
    start_of_content: "本文",
    articles: "記事",
    article_count: Counted {
        rule: Plural::Invariable,
        forms: &["{}本の記事"],
    },
    list: list("、", "と"),
    punctuation: CJK,
};

static KO: Terms = Terms {
    // Korean papers put 기자 after the names: "홍길동, 김철수 기자".
    byline: [Pattern("{} 기자"), Pattern("{} 기자")],
    // As in "입력 … 수정 …" under a Korean headline.
    updated: Pattern("수정 {}"),
    illustration: Pattern("{} 관련 이미지"),
    reporting: "취재",
    editing: "편집",
    photography: "사진",
    translation: "번역",
    contents: "목차",
    references: "링크",
    similar_articles: "관련 기사",
    correction: "정정",
    clarification: "보충 설명",
    update: "업데이트",
    editors_note: "편집자 주",
    table: "표",
    figure: "이미지",
    cover: "표지",
    landmarks: "랜드마크",
    start_of_content: "본문",
    articles: "기사",
    article_count: Counted {
        rule: Plural::Invariable,
        forms: &["기사 {}건"],
    },
    // Commas only. The particle 와/과 depends on whether the name before it ends in a
    // consonant, which a Latin or Chinese name does not tell; 및 reads as legal prose. Korean
    // credits list names with commas.
    list: list(", ", ", "),
    punctuation: WESTERN,
};

#[cfg(test)]
mod tests {
    use super::*;

    /// Every language the table covers, with the byline word its papers print.
    const COVERED: [(&str, &str); 17] = [
        ("en", "By"),
        ("de", "Von"),
        ("fr", "Par"),
        ("es", "Por"),
        ("it", "di"),
        ("pt", "Por"),
        ("nl", "Door"),
        ("pl", "Autor"),
        ("ru", "Автор"),
        ("uk", "Автор"),
        ("tr", "Yazan"),
        ("ar", "بقلم"),
        ("he", "מאת"),
        ("zh", "作者"),
        ("zh-Hant", "作者"),
        ("ja", "文"),
        ("ko", "기자"),
    ];

    fn lang(tag: &str) -> Language {
        Language::parse(tag).unwrap()
    }

    #[test]
    fn every_term_is_given_in_every_covered_language() {
        for (tag, _) in COVERED {
            let language = lang(tag);
            for t in Term::ALL {
                let text = term(&language, t);
                assert!(!text.trim().is_empty(), "{tag}: {t:?} is empty");
                assert_eq!(text, text.trim(), "{tag}: {t:?} has spaces around it");
            }
            let table = terms(&language);
            let patterns = [
                table.byline[0],
                table.byline[1],
                table.updated,
                table.illustration,
            ];
            for pattern in patterns {
                assert_eq!(pattern.0.matches("{}").count(), 1, "{tag}: {pattern:?}");
            }
            let counted = table.article_count;
            assert_eq!(counted.forms.len(), counted.rule.forms(), "{tag}");
            assert!(!table.punctuation.colon.is_empty(), "{tag}");
        }
    }

    #[test]
    fn each_language_has_its_own_byline_word() {
        let english = term(&Language::default(), Term::By);
        for (tag, expected) in COVERED {
            let by = term(&lang(tag), Term::By);
            assert_eq!(by, expected, "{tag}");
            if tag != "en" {
                assert_ne!(by, english, "{tag}");
            }
        }
    }

    #[test]
    fn covered_languages_translate_the_labels() {
        // Not every label differs from English (Dutch writes "Update"), but the headings do.
        for (tag, _) in COVERED.iter().filter(|(tag, _)| *tag != "en") {
            let language = lang(tag);
            for t in [Term::Contents, Term::SimilarArticles, Term::Reporting] {
                assert_ne!(
                    term(&language, t),
                    term(&Language::default(), t),
                    "{tag}: {t:?}"
                );
            }
        }
    }

    #[test]
    fn the_english_terms_are_the_ones_printed_before_the_table() {
        let en = Language::default();
        assert_eq!(byline_pattern(&en, 1).apply("A"), "By A");
        assert_eq!(updated_pattern(&en).apply("06:15 UTC"), "Updated 06:15 UTC");
        assert_eq!(illustration_for(&en, "Talks"), "Illustration for “Talks”");
        assert_eq!(labelled(&en, Term::Cover, "Title"), "Cover: Title");
        assert_eq!(term(&en, Term::SimilarArticles), "Similar Articles");
        assert_eq!(term(&en, Term::StartOfContent), "Start of content");
        assert_eq!(article_count(&en, 1), "1 article");
        assert_eq!(article_count(&en, 12), "12 articles");
    }

    #[test]
    fn a_region_finds_its_language() {
        assert_eq!(term(&lang("de-AT"), Term::By), "Von");
        assert_eq!(term(&lang("pt-BR"), Term::Contents), "Sumário");
        assert_eq!(term(&lang("en-GB"), Term::Contents), "Contents");
        assert_eq!(term(&lang("fr-CA"), Term::Reporting), "Reportage");
    }

    #[test]
    fn chinese_script_follows_the_tag() {
        assert_eq!(term(&lang("zh"), Term::Editing), "编辑");
        assert_eq!(term(&lang("zh-CN"), Term::Editing), "编辑");
        assert_eq!(term(&lang("zh-Hant"), Term::Editing), "編輯");
        assert_eq!(term(&lang("zh-TW"), Term::Editing), "編輯");
        assert_eq!(term(&lang("zh-HK"), Term::Editing), "編輯");
        assert_eq!(term(&lang("zh-Hans-HK"), Term::Editing), "编辑");
    }

    #[test]
    fn unknown_languages_fall_back_to_english() {
        for tag in ["xx", "tlh", "sv-SE", "und"] {
            let language = lang(tag);
            for t in Term::ALL {
                assert_eq!(term(&language, t), term(&Language::default(), t), "{tag}");
            }
            assert_eq!(join_names_in(&language, &["A", "B"]), "A and B");
        }
    }

    #[test]
    fn a_label_can_follow_its_value() {
        let ko = byline_pattern(&lang("ko"), 2);
        assert_eq!((ko.before(), ko.after()), ("", " 기자"));
        assert_eq!(ko.apply("홍길동, 김철수"), "홍길동, 김철수 기자");
        let ja = updated_pattern(&lang("ja"));
        assert_eq!(ja.apply("06:15 UTC"), "06:15 UTC 更新");
        assert_eq!(term(&lang("ja"), Term::Updated), "更新");
    }

    #[test]
    fn several_authors_take_a_plural_label_where_the_language_has_one() {
        let ru = lang("ru");
        assert_eq!(byline_pattern(&ru, 1).apply("Анна"), "Автор: Анна");
        assert_eq!(
            byline_pattern(&ru, 2).apply("Анна и Иван"),
            "Авторы: Анна и Иван"
        );
        assert_eq!(
            byline_pattern(&lang("de"), 2).apply("A und B"),
            "Von A und B"
        );
    }

    #[test]
    fn names_are_joined_with_the_language_s_conjunction() {
        let join = |tag: &str, names: &[&str]| join_names_in(&lang(tag), names);
        assert_eq!(join("en", &[]), "");
        assert_eq!(join("de", &["A"]), "A");
        assert_eq!(join("de", &["A", "B", "C"]), "A, B und C");
        assert_eq!(join("fr", &["A", "B"]), "A et B");
        assert_eq!(join("es", &["Pedro", "Juan"]), "Pedro y Juan");
        assert_eq!(join("es", &["Pedro", "Inés"]), "Pedro e Inés");
        assert_eq!(join("es", &["Pedro", "Hilario"]), "Pedro e Hilario");
        assert_eq!(join("es", &["Pedro", "Hierro"]), "Pedro y Hierro");
        assert_eq!(join("it", &["A", "B"]), "A e B");
        assert_eq!(join("pt", &["A", "B"]), "A e B");
        assert_eq!(join("nl", &["A", "B"]), "A en B");
        assert_eq!(join("pl", &["A", "B"]), "A i B");
        assert_eq!(join("ru", &["Анна", "Иван"]), "Анна и Иван");
        assert_eq!(join("uk", &["Анна", "Іван"]), "Анна і Іван");
        assert_eq!(join("tr", &["A", "B"]), "A ve B");
        assert_eq!(join("ar", &["محمد", "علي", "سارة"]), "محمد، علي وسارة");
        assert_eq!(join("ar", &["محمد", "Guy"]), "محمد و Guy");
        assert_eq!(join("he", &["דוד", "משה"]), "דוד ומשה");
        assert_eq!(join("he", &["דוד", "Guy"]), "דוד ו-Guy");
        assert_eq!(join("zh", &["张三", "李四", "王五"]), "张三、李四和王五");
        assert_eq!(join("ja", &["山田", "鈴木"]), "山田と鈴木");
        assert_eq!(
            join("ko", &["홍길동", "김철수", "이영희"]),
            "홍길동, 김철수, 이영희"
        );
    }

    #[test]
    fn counts_take_the_language_s_plural_forms() {
        let count = |tag: &str, n: usize| article_count(&lang(tag), n);
        assert_eq!(count("de", 1), "1 Artikel");
        assert_eq!(count("fr", 1), "1 article");
        assert_eq!(count("fr", 2), "2 articles");
        let ru: Vec<String> = [1, 2, 5, 11, 12, 21, 22, 25, 111]
            .iter()
            .map(|&n| count("ru", n))
            .collect();
        assert_eq!(
            ru,
            [
                "1 статья",
                "2 статьи",
                "5 статей",
                "11 статей",
                "12 статей",
                "21 статья",
                "22 статьи",
                "25 статей",
                "111 статей"
            ]
        );
        assert_eq!(count("pl", 1), "1 artykuł");
        assert_eq!(count("pl", 3), "3 artykuły");
        assert_eq!(count("pl", 21), "21 artykułów");
        assert_eq!(count("pl", 24), "24 artykuły");
        assert_eq!(count("ar", 1), "مقال واحد");
        assert_eq!(count("ar", 2), "مقالان");
        assert_eq!(count("ar", 3), "3 مقالات");
        assert_eq!(count("ar", 11), "11 مقالًا");
        assert_eq!(count("ar", 100), "100 مقال");
        assert_eq!(count("ar", 103), "103 مقالات");
        assert_eq!(count("he", 1), "כתבה אחת");
        assert_eq!(count("he", 2), "שתי כתבות");
        assert_eq!(count("he", 7), "7 כתבות");
        assert_eq!(count("tr", 12), "12 haber");
        assert_eq!(count("ja", 12), "12本の記事");
        assert_eq!(count("ko", 12), "기사 12건");
    }

    #[test]
    fn a_picture_is_described_with_the_language_s_quotation_marks() {
        let describe = |tag: &str, headline: &str| illustration_for(&lang(tag), headline);
        assert_eq!(describe("de", "Gespräche"), "Illustration zu „Gespräche“");
        assert_eq!(
            describe("fr", "Pourparlers"),
            "Illustration pour «\u{202F}Pourparlers\u{202F}»"
        );
        assert_eq!(
            describe("ru", "Переговоры"),
            "Иллюстрация к статье «Переговоры»"
        );
        assert_eq!(describe("ja", "会談"), "「会談」の画像");
        assert_eq!(describe("zh-TW", "會談"), "「會談」配圖");
        assert_eq!(describe("tr", "Görüşme"), "“Görüşme” haberinin görseli");
    }

    #[test]
    fn french_sets_a_no_break_space_before_the_colon() {
        assert_eq!(
            labelled(&lang("fr"), Term::Cover, "Le Monde"),
            "Couverture\u{a0}: Le Monde"
        );
        assert_eq!(labelled(&lang("ja"), Term::Cover, "朝刊"), "表紙：朝刊");
    }

    #[test]
    fn turkish_capitals_keep_the_dot_on_i() {
        let tr = lang("tr");
        assert_eq!(
            uppercase_in(&tr, term(&tr, Term::SimilarArticles)),
            "İLGİLİ HABERLER"
        );
        assert_eq!(
            uppercase_in(&Language::default(), "Similar Articles"),
            "SIMILAR ARTICLES"
        );
    }
}
