//! Arbitrary bytes as a font file, through the path a `--font-dir` file takes, and a face that
//! passes the check used as a render uses it.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| broadsheet::fuzzing::font(data));
