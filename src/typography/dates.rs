//! Dates written the way a newspaper in the article's language writes them: "November 30,
//! 2026" in American English, "30 November 2026" in British English, "30 ноября 2026" in
//! Russian, "2026年11月30日" in Japanese.
//!
//! Month names come from the CLDR-derived glibc locale data that chrono carries
//! (`unstable-locales`); the order of day, month and year comes from the table below. A
//! language with no locale data gets an ISO 8601 date, which every reader can parse.

use chrono::{DateTime, Locale, Utc};

use super::terms::updated_pattern;
use crate::model::{Article, Language};

/// The date written where a document must carry one and the request gives none: a fixed
/// instant, never the wall clock, so the same request gives the same bytes.
pub const FIXED_DATE: DateTime<Utc> = DateTime::from_timestamp_nanos(946_684_800_000_000_000);

/// The date of `time` (in UTC) in the long form used by `language`.
pub fn format_date(time: &DateTime<Utc>, language: &Language) -> String {
    let primary = language.primary();
    let Some(locale) = locale_for(primary, language.region()) else {
        return time.format("%Y-%m-%d").to_string();
    };
    let pattern = match primary {
        "en" => match language.region() {
            None | Some("US" | "PH") => "%B %-d, %Y",
            Some(_) => "%-d %B %Y",
        },
        "de" | "da" | "nb" | "nn" | "no" | "cs" | "sk" | "fi" | "et" | "sl" | "hr" | "sr" => {
            "%-d. %B %Y"
        }
        "es" | "pt" | "gl" => "%-d de %B de %Y",
        "ca" => "%-d %B %Y",
        "zh" | "ja" => "%Y年%-m月%-d日",
        "ko" => "%Y년 %-m월 %-d일",
        "hu" => "%Y. %B %-d.",
        "lt" | "lv" => "%Y-%m-%d",
        _ => "%-d %B %Y",
    };
    time.format_localized(pattern, locale).to_string()
}

/// The date and time of `time`: the long date in the language's form, then the time of day
/// on the 24-hour clock in UTC ("December 3, 2025 00:41 UTC").
pub fn format_date_time(time: &DateTime<Utc>, language: &Language) -> String {
    format!("{} {}", format_date(time, language), format_time(time))
}

/// The time of day on the 24-hour clock, in UTC ("06:15 UTC").
pub fn format_time(time: &DateTime<Utc>) -> String {
    time.format("%H:%M UTC").to_string()
}

/// How an article's first publication reads in its dateline: "December 3, 2025 00:41 UTC".
pub fn published_text(article: &Article) -> Option<String> {
    article
        .published_at
        .map(|time| format_date_time(&time, &article.language))
}

/// How an article's last update reads, in the article's language ([`updated_pattern`]):
/// "Updated 06:15 UTC" on the day it was published, "Updated December 4, 2025 06:15 UTC"
/// on a later one, "2025年12月4日 06:15 UTC 更新" in Japanese.
pub fn updated_text(article: &Article) -> Option<String> {
    let updated = article.updated_at?;
    let same_day = article
        .published_at
        .is_some_and(|p| p.date_naive() == updated.date_naive());
    let moment = if same_day {
        format_time(&updated)
    } else {
        format_date_time(&updated, &article.language)
    };
    Some(updated_pattern(&article.language).apply(&moment))
}

/// The chrono locale for a language: its own region if it names one that has data, else
/// the region where the language is most at home.
fn locale_for(primary: &str, region: Option<&str>) -> Option<Locale> {
    if let Some(region) = region
        && let Ok(locale) = Locale::try_from(format!("{primary}_{region}").as_str())
    {
        return Some(locale);
    }
    let home = match primary {
        "en" => "US",
        "zh" => "CN",
        "ja" => "JP",
        "ko" => "KR",
        "ar" => "EG",
        "he" => "IL",
        "uk" => "UA",
        "el" => "GR",
        "cs" => "CZ",
        "da" => "DK",
        "sv" => "SE",
        "nb" | "nn" => "NO",
        "fa" => "IR",
        "hi" | "bn" | "ta" | "te" | "mr" => "IN",
        "ur" => "PK",
        "vi" => "VN",
        "sl" => "SI",
        "et" => "EE",
        "ca" => "ES",
        "sq" => "AL",
        "sr" => "RS",
        "be" => "BY",
        "ka" => "GE",
        "hy" => "AM",
        "kk" => "KZ",
        "ms" => "MY",
        "sw" => "KE",
        _ => "",
    };
    let candidate = if home.is_empty() {
        format!("{primary}_{}", primary.to_ascii_uppercase())
    } else {
        format!("{primary}_{home}")
    };
    Locale::try_from(candidate.as_str()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(tag: &str) -> String {
        let time = DateTime::from_timestamp(1_764_513_000, 0).unwrap(); // 2025-11-30 14:30 UTC
        format_date(&time, &Language::parse(tag).unwrap())
    }

    #[test]
    fn formats_dates_per_language() {
        assert_eq!(date("en"), "November 30, 2025");
        assert_eq!(date("en-GB"), "30 November 2025");
        assert_eq!(date("de"), "30. November 2025");
        assert_eq!(date("fr"), "30 novembre 2025");
        assert_eq!(date("es"), "30 de noviembre de 2025");
        assert_eq!(date("ru"), "30 ноября 2025");
        assert_eq!(date("ja"), "2025年11月30日");
    }

    #[test]
    fn adds_the_time_in_utc() {
        let time = DateTime::from_timestamp(1_764_513_000, 0).unwrap();
        let en = Language::default();
        assert_eq!(format_date_time(&time, &en), "November 30, 2025 14:30 UTC");
    }

    #[test]
    fn falls_back_to_iso_without_locale_data() {
        assert_eq!(date("tlh"), "2025-11-30");
    }
}
