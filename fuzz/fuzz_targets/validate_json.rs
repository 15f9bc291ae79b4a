//! Canonical proto3 JSON → request → validation only.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| broadsheet::fuzzing::validate_json(data));
