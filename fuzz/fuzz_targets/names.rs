//! Fuzz target: `vigie_core::fuzz::names` on arbitrary bytes.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| vigie_core::fuzz::names(data));
