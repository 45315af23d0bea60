//! Fuzz target: `vigie_hl7::fuzz::qpd_params` on arbitrary bytes.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| vigie_hl7::fuzz::qpd_params(data));
