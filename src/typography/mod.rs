//! Typographic logic shared by every renderer: measuring and wrapping text, bylines and
//! credit lines, dates in the article's language, and link numbering. Renderers call these
//! instead of keeping their own copies.

mod credits;
mod dates;
mod links;
mod wrap;

pub use credits::{byline, credits_line, join_names};
pub use dates::{format_date, format_date_time, format_time};
pub use links::LinkTable;
pub use wrap::{display_width, fill};
