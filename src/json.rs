//! The canonical proto3 JSON form of requests (camelCase names, RFC 3339 timestamps, base64
//! bytes, enum names as strings), read through the descriptor set that reflection also
//! serves, so JSON and protobuf can never disagree about a field.
//!
//! A JSON document is a whole `ExportRequest`, a bare `Article` or a bare `Collection`: an
//! object with a top-level `article`, `collection`, `format`, `requestId` or `options` key
//! is a request, one with `articles` is a collection, and anything else an article.

use std::sync::LazyLock;

use prost_reflect::{DescriptorPool, DynamicMessage, MessageDescriptor};

use crate::pb;

static POOL: LazyLock<Result<DescriptorPool, String>> =
    LazyLock::new(|| DescriptorPool::decode(pb::FILE_DESCRIPTOR_SET).map_err(|e| e.to_string()));

/// JSON that is not a valid request or article.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct JsonError(String);

fn descriptor(name: &str) -> Result<MessageDescriptor, JsonError> {
    let pool = POOL.as_ref().map_err(|e| JsonError(e.clone()))?;
    pool.get_message_by_name(name)
        .ok_or_else(|| JsonError(format!("the descriptor set has no message `{name}`")))
}

/// Reads a request, or an article or collection to be wrapped in one, from JSON text.
pub fn request_from_json(text: &str) -> Result<pb::ExportRequest, JsonError> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| JsonError(format!("not valid JSON: {e}")))?;
    const REQUEST_KEYS: [&str; 6] = [
        "article",
        "collection",
        "format",
        "requestId",
        "request_id",
        "options",
    ];
    let is_request = value
        .as_object()
        .is_some_and(|o| REQUEST_KEYS.iter().any(|k| o.contains_key(*k)));
    let is_collection = value
        .as_object()
        .is_some_and(|o| o.contains_key("articles"));
    if is_request {
        decode(value, "broadsheet.v1.ExportRequest")
    } else if is_collection {
        let collection: pb::Collection = decode(value, "broadsheet.v1.Collection")?;
        Ok(pb::ExportRequest {
            document: Some(pb::export_request::Document::Collection(collection)),
            ..pb::ExportRequest::default()
        })
    } else {
        let article: pb::Article = decode(value, "broadsheet.v1.Article")?;
        Ok(pb::ExportRequest {
            document: Some(pb::export_request::Document::Article(article)),
            ..pb::ExportRequest::default()
        })
    }
}

/// Writes a request as canonical proto3 JSON.
pub fn request_to_json(request: &pb::ExportRequest) -> Result<String, JsonError> {
    let mut message = DynamicMessage::new(descriptor("broadsheet.v1.ExportRequest")?);
    message
        .transcode_from(request)
        .map_err(|e| JsonError(format!("cannot encode the request: {e}")))?;
    serde_json::to_string(&message).map_err(|e| JsonError(format!("cannot write JSON: {e}")))
}

fn decode<T: prost::Message + Default>(
    value: serde_json::Value,
    name: &str,
) -> Result<T, JsonError> {
    let message = DynamicMessage::deserialize(descriptor(name)?, value)
        .map_err(|e| JsonError(format!("not a valid `{name}`: {e}")))?;
    message
        .transcode_to()
        .map_err(|e| JsonError(format!("not a valid `{name}`: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_request_in_canonical_json() {
        let request = request_from_json(
            r#"{"format": "text", "requestId": "r1", "article": {"headline": "H",
                "publishedAt": "2025-11-30T12:00:00Z",
                "contributors": [{"name": "Guy Faulconbridge", "role": "ROLE_REPORTING"}],
                "leadFigure": {"image": {"data": "iVBORw0KGgo="}},
                "body": [{"paragraph": {"text": "p"}}, {"rule": {}}]},
                "options": {"text": {"width": 0}}}"#,
        )
        .unwrap();
        assert_eq!(request.format, "text");
        assert_eq!(request.request_id, "r1");
        let Some(pb::export_request::Document::Article(article)) = request.document else {
            panic!("expected an article");
        };
        assert_eq!(article.published_at.unwrap().seconds, 1_764_504_000);
        assert_eq!(
            article.contributors[0].role,
            pb::contributor::Role::Reporting as i32
        );
        assert_eq!(
            &article.lead_figure.unwrap().image.unwrap().data[..4],
            b"\x89PNG"
        );
        assert_eq!(request.options.unwrap().text.unwrap().width, Some(0));
    }

    #[test]
    fn reads_a_bare_article() {
        let request = request_from_json(r#"{"headline": "H", "language": "ru"}"#).unwrap();
        assert!(matches!(
            request.document,
            Some(pb::export_request::Document::Article(_))
        ));
    }

    #[test]
    fn reads_a_bare_collection() {
        let request = request_from_json(
            r#"{"title": "Morning Briefing", "articles": [{"headline": "One"}, {"headline": "Two"}]}"#,
        )
        .unwrap();
        let Some(pb::export_request::Document::Collection(collection)) = request.document else {
            panic!("a bare collection is read as one");
        };
        assert_eq!(collection.articles.len(), 2);
    }

    #[test]
    fn writes_requests_back_as_the_same_json() {
        let text = r#"{"format":"pdf","article":{"headline":"One","publishedAt":"2025-12-03T00:41:00Z","contributors":[{"name":"A","role":"ROLE_EDITING"}]}}"#;
        let request = request_from_json(text).unwrap();
        let written = request_to_json(&request).unwrap();
        assert_eq!(request_from_json(&written).unwrap(), request);
        assert!(written.contains(r#""role":"ROLE_EDITING""#), "{written}");
    }

    #[test]
    fn rejects_unknown_fields_and_bad_json() {
        assert!(request_from_json(r#"{"headlin": "typo"}"#).is_err());
        assert!(request_from_json("{").is_err());
    }
}
