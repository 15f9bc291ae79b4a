//! Canonical proto3 JSON → validation → every built-in format: the whole pipeline.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| broadsheet::fuzzing::pipeline_json(data));
