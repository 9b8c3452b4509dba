//! Fuzz target `api_json`: see `baton_fuzz::api_json` for what it feeds where.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| baton_fuzz::api_json(data));
