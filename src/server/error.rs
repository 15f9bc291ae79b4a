//! The service's errors and their one mapping to gRPC status codes.

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

use crate::model::Invalid;
use crate::pb;
use crate::render::RenderError;

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request broke a rule or a limit the caller can fix.
    #[error("{0}")]
    Invalid(#[from] Invalid),
    /// Every render slot and every queue place is taken.
    #[error(
        "the server is busy: {running} renders running and {queued} waiting, the most it takes; retry with backoff"
    )]
    Overloaded {
        /// The render slots.
        running: usize,
        /// The queue places.
        queued: usize,
    },
    /// The caller's deadline passed before the document was ready.
    #[error("the deadline passed before the document was rendered")]
    DeadlineExceeded,
    /// The server is shutting down and takes no new work.
    #[error("the server is shutting down")]
    ShuttingDown,
    /// A renderer failed on a valid document.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// A renderer panicked; the panic was contained to this request.
    #[error(
        "the renderer crashed on this document; this is a bug, please report it with the request"
    )]
    Panicked,
}

impl Error {
    /// The gRPC code for this error.
    pub fn code(&self) -> Code {
        match self {
            Error::Invalid(_) => Code::InvalidArgument,
            Error::Overloaded { .. } => Code::ResourceExhausted,
            Error::DeadlineExceeded => Code::DeadlineExceeded,
            Error::ShuttingDown => Code::Unavailable,
            Error::Render(_) | Error::Panicked => Code::Internal,
        }
    }

    /// This error as one result of an `ExportBatch` stream.
    pub fn to_pb(&self) -> pb::Error {
        let field_violations = match self {
            Error::Invalid(invalid) => invalid
                .violations
                .iter()
                .map(|v| pb::FieldViolation {
                    field: v.field.clone(),
                    description: v.description.clone(),
                })
                .collect(),
            _ => Vec::new(),
        };
        pb::Error {
            code: self.code() as i32,
            message: self.to_string(),
            field_violations,
        }
    }
}

impl From<Error> for Status {
    fn from(error: Error) -> Self {
        let message = error.to_string();
        match error {
            Error::Invalid(invalid) => {
                let violations: Vec<tonic_types::FieldViolation> = invalid
                    .violations
                    .into_iter()
                    .map(|v| tonic_types::FieldViolation::new(v.field, v.description))
                    .collect();
                Status::with_error_details(
                    Code::InvalidArgument,
                    message,
                    ErrorDetails::with_bad_request(violations),
                )
            }
            Error::Overloaded { .. } => Status::resource_exhausted(message),
            Error::DeadlineExceeded => Status::deadline_exceeded(message),
            Error::ShuttingDown => Status::unavailable(message),
            Error::Render(_) | Error::Panicked => Status::internal(message),
        }
    }
}
