//! Arbitrary text as an article's `body_html` → import → validation.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| broadsheet::fuzzing::body_html(data));
