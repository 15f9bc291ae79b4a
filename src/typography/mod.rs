//! Typographic logic shared by every renderer: measuring and wrapping text, bylines and
//! credit lines, dates and the fixed labels ("By", "Contents", "Similar Articles") in the
//! article's language, link numbering, contents lists and the direction of a paragraph.
//! Renderers call these instead of keeping their own copies.

pub(crate) mod ascii;
mod contents;
mod credits;
mod dates;
pub mod direction;
mod linebreak;
mod links;
pub mod quotes;
mod terms;
mod warnings;
mod wrap;

pub use contents::{SectionGroup, section_groups};
pub use credits::{byline, credits_line, join_names};
pub use dates::{
    FIXED_DATE, format_date, format_date_time, format_time, published_text, updated_text,
};
pub use linebreak::{Linebreaks, linebreaks};
pub use links::LinkTable;
pub use terms::{
    Pattern, Term, article_count, byline_pattern, colon, illustration_for, join_names_in, labelled,
    term, updated_pattern, uppercase_in,
};
pub use warnings::missing_glyphs_warning;
pub use wrap::{break_opportunities, display_width, fill};
