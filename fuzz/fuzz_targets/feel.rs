//! Fuzz target `feel`: see `baton_fuzz::feel` for what it feeds where.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| baton_fuzz::feel(data));
