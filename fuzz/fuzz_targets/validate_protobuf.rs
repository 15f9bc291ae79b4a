//! Protobuf bytes → request → validation only: the cheap front of every request.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| broadsheet::fuzzing::validate_protobuf(data));
