//! Canonical proto3 JSON → request → validate → render in every format. Nothing may panic;
//! a request that validates must render.

#![no_main]

use broadsheet::model::ExportJob;
use broadsheet::render::Registry;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(request) = broadsheet::json::request_from_json(text) else {
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
