//! Protobuf bytes → decode → validate → render in every format. Nothing may panic; a
//! request that validates must render.

#![no_main]

use broadsheet::pb;
use libfuzzer_sys::fuzz_target;
use prost::Message;

fuzz_target!(|data: &[u8]| {
    let Ok(request) = pb::ExportRequest::decode(data) else {
        return;
    };
    broadsheet::pipeline::validate_and_export_everywhere(request).expect("a valid document renders");
});
