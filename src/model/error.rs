//! Validation errors: every rule broken by a request, each named by its JSON field path.

use std::fmt;

/// One broken rule, named by the field's proto JSON path (`article.body[3].heading.level`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldViolation {
    /// The field's JSON path.
    pub field: String,
    /// What is wrong with it, lowercase, without a trailing period.
    pub description: String,
}

/// A request that breaks one or more rules. Holds at most [`Invalid::MAX_VIOLATIONS`]
/// violations, in the order the fields appear in the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// The broken rules; never empty.
    pub violations: Vec<FieldViolation>,
}

impl Invalid {
    /// The most violations one error reports; a request that breaks more is cut off there.
    pub const MAX_VIOLATIONS: usize = 50;

    /// An error with a single violation.
    pub fn field(field: impl Into<String>, description: impl Into<String>) -> Self {
        Invalid {
            violations: vec![FieldViolation {
                field: field.into(),
                description: description.into(),
            }],
        }
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid request: ")?;
        for (i, v) in self.violations.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{}: {}", v.field, v.description)?;
        }
        Ok(())
    }
}

impl std::error::Error for Invalid {}
