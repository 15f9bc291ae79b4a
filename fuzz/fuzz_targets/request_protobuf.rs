//! Protobuf bytes → decode → validate → render in every format. Nothing may panic; a
//! request that validates must render.

#![no_main]

use broadsheet::model::ExportJob;
use broadsheet::pb;
use broadsheet::render::Registry;
use libfuzzer_sys::fuzz_target;
use prost::Message;

fuzz_target!(|data: &[u8]| {
    let Ok(request) = pb::ExportRequest::decode(data) else {
        return;
    };
    let Ok(job) = ExportJob::try_from(request) else {
        return;
    };
    for renderer in Registry::builtin().renderers() {
        renderer
            .render(&job.document, &job.options)
            .expect("a valid document renders");
    }
});
