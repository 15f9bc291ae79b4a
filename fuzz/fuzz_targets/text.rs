//! Protobuf bytes → validation → the text renderer; a request that validates must render.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| broadsheet::fuzzing::text(data));
