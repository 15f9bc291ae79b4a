//! The service's errors and their one mapping to gRPC status codes.

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

use crate::model::Invalid;
use crate::pb;
use crate::pipeline::ExportError;
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
    /// The call carried no accepted bearer token.
    #[error("a valid `authorization: Bearer <token>` header is required")]
    Unauthenticated,
}

impl From<ExportError> for Error {
    fn from(error: ExportError) -> Self {
        match error {
            ExportError::Invalid(invalid) => Error::Invalid(invalid),
            ExportError::Render(render) => Error::Render(render),
        }
    }
}

impl Error {
    /// The gRPC code for this error: the one table of codes, which the `Status` and the
    /// `ExportBatch` error are both made from.
    pub fn code(&self) -> Code {
        match self {
            Error::Invalid(_) => Code::InvalidArgument,
            Error::Overloaded { .. } => Code::ResourceExhausted,
            Error::DeadlineExceeded | Error::Render(RenderError::DeadlineExceeded { .. }) => {
                Code::DeadlineExceeded
            }
            Error::ShuttingDown => Code::Unavailable,
            Error::Unauthenticated => Code::Unauthenticated,
            Error::Render(_) | Error::Panicked => Code::Internal,
        }
    }

    /// Whether the error is the server's fault, to be logged as an error.
    pub fn is_fault(&self) -> bool {
        self.code() == Code::Internal
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
        let code = error.code();
        let message = error.to_string();
        match error {
            Error::Invalid(invalid) => {
                let violations: Vec<tonic_types::FieldViolation> = invalid
                    .violations
                    .into_iter()
                    .map(|v| tonic_types::FieldViolation::new(v.field, v.description))
                    .collect();
                Status::with_error_details(
                    code,
                    message,
                    ErrorDetails::with_bad_request(violations),
                )
            }
            _ => Status::new(code, message),
        }
    }
}
