//! Arbitrary text as an article's `body_markdown` → import → validation.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| broadsheet::fuzzing::body_markdown(data));
