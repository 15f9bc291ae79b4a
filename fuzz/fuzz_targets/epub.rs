//! Protobuf bytes → validation → the EPUB writer; every XML part of the book must be
//! well-formed, checked with a real XML parser.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| broadsheet::fuzzing::epub(data));
