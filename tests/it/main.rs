//! Vigie's integration tests: one binary, one module per area.

mod audit_engine;
mod dedupe_cli;
mod fuzz_replay;
mod ins_cli;
mod matching;
mod normalize_cli;
