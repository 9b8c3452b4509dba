//! Fuzz target `dmn_xml`: see `baton_fuzz::dmn_xml` for what it feeds where.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| baton_fuzz::dmn_xml(data));
