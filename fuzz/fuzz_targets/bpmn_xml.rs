//! Fuzz target `bpmn_xml`: see `baton_fuzz::bpmn_xml` for what it feeds where.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| baton_fuzz::bpmn_xml(data));
