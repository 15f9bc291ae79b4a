//! The paragraph engine alone: settings from the first five bytes, text after; the lines must
//! cover every character once, in order, and keep to the measure (see `broadsheet::fuzzing::paragraph`).

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| broadsheet::fuzzing::paragraph(data));
