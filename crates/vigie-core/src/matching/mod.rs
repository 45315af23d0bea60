//! Probabilistic record matching: the Fellegi–Sunter engine shared by batch dedupe and online
//! matching.
//!
//! The flow, for one pair of records:
//!
//! 1. [`prepare`]: each [`IdentityRecord`](crate::record::IdentityRecord) becomes a compact
//!    [`MatchRecord`](prepare::MatchRecord) once (normalised keys, phonetic keys, parsed values).
//! 2. [`blocking`]: candidate pairs are records sharing a key of some blocking rule.
//! 3. [`comparison`]: a pair becomes a [`ComparisonVector`](comparison::ComparisonVector), one
//!    small level per compared field ("missing" is a null level that weighs nothing).
//! 4. [`model`]: the Fellegi–Sunter model turns the vector into a match weight (prior + Σ
//!    log2(m/u) + term-frequency adjustments), a probability and a decision band, with an
//!    [`Explanation`](model::Explanation) (the "waterfall").
//! 5. [`rules`]: French identity rules (INS certainty and veto, collisions, sex/date conflicts,
//!    twins, family members, fictitious identities) override or cap the band.
//! 6. [`cluster`]: auto-linked pairs are clustered strongest first, refusing any link that would
//!    put two different usable INS or contradicting sexes in one cluster.
//!
//! [`em`] estimates the model from data: u from random pairs, m by expectation–maximisation on
//! the pairs of each training blocking rule (patterns aggregated), λ from the candidate pairs and
//! checked against the INS.
//!
//! Everything here is pure and deterministic: no IO, no threads, no panics on any input.

pub mod blocking;
pub mod cluster;
pub mod comparison;
pub mod em;
pub mod model;
pub mod prepare;
pub mod rules;

#[cfg(test)]
pub(crate) mod testutil;
