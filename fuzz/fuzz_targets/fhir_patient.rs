//! Fuzz target: `vigie_fhir::fuzz::patient` (JSON bytes → Patient → domain) on arbitrary bytes.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| vigie_fhir::fuzz::patient(data));
