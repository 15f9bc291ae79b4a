//! Canonical proto3 JSON → request → validate → render in every format. Nothing may panic;
//! a request that validates must render.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(request) = broadsheet::json::request_from_json(text) else {
        return;
    };
    broadsheet::pipeline::validate_and_export_everywhere(request).expect("a valid document renders");
});
