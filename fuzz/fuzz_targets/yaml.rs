//! Fuzz target `yaml`: see `baton_fuzz::yaml` for what it feeds where.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| baton_fuzz::yaml(data));
