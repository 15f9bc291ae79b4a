//! Caller deadlines, read from the `grpc-timeout` header.
//!
//! Tonic's own server enforces the header too, but answers CANCELLED when it runs out; the
//! gRPC spec says DEADLINE_EXCEEDED. So the server stack here leaves tonic's timeout out,
//! stamps each request with its [`Deadline`] on arrival, and the service enforces it.

use std::time::Duration;

use http::HeaderMap;
use tokio::time::Instant;

/// The instant by which the caller wants an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline(pub Instant);

/// Stamps an HTTP request with its deadline, if it carries a valid `grpc-timeout`.
pub(crate) fn stamp<B>(mut request: http::Request<B>) -> http::Request<B> {
    if let Some(timeout) = parse_timeout(request.headers()) {
        let deadline = Instant::now()
            .checked_add(timeout)
            .unwrap_or_else(far_future);
        request.extensions_mut().insert(Deadline(deadline));
    }
    request
}

fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(100 * 365 * 24 * 3600)
}

/// Parses `grpc-timeout`: at most eight ASCII digits and a unit (H, M, S, m, u, n).
fn parse_timeout(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get("grpc-timeout")?.to_str().ok()?;
    let (digits, unit) = value.split_at(value.len().checked_sub(1)?);
    if digits.is_empty() || digits.len() > 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let amount: u64 = digits.parse().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(amount * 3600),
        "M" => Duration::from_secs(amount * 60),
        "S" => Duration::from_secs(amount),
        "m" => Duration::from_millis(amount),
        "u" => Duration::from_micros(amount),
        "n" => Duration::from_nanos(amount),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(value: &str) -> Option<Duration> {
        let mut headers = HeaderMap::new();
        headers.insert("grpc-timeout", value.parse().unwrap());
        parse_timeout(&headers)
    }

    #[test]
    fn parses_every_unit() {
        assert_eq!(parse("2H"), Some(Duration::from_secs(7200)));
        assert_eq!(parse("3M"), Some(Duration::from_secs(180)));
        assert_eq!(parse("5S"), Some(Duration::from_secs(5)));
        assert_eq!(parse("250m"), Some(Duration::from_millis(250)));
        assert_eq!(parse("7u"), Some(Duration::from_micros(7)));
        assert_eq!(parse("9n"), Some(Duration::from_nanos(9)));
    }

    #[test]
    fn ignores_malformed_values() {
        assert_eq!(parse("S"), None);
        assert_eq!(parse("123456789S"), None);
        assert_eq!(parse("10x"), None);
        assert_eq!(parse("-1S"), None);
    }
}
