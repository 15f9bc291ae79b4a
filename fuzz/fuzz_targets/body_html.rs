//! Arbitrary text as an article's `body_html` → import → validation. Nothing may panic, and a
//! body is either imported into blocks that validate or refused with a field violation.

#![no_main]

use broadsheet::pb;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(body) = std::str::from_utf8(data) else {
        return;
    };
    let request = pb::ExportRequest {
        format: "text".to_owned(),
        document: Some(pb::export_request::Document::Article(pb::Article {
            headline: "Fuzz".to_owned(),
            body_html: body.to_owned(),
            ..Default::default()
        })),
        ..Default::default()
    };
    let _ = broadsheet::model::ExportJob::try_from(request);
});
