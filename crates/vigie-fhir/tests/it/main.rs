//! vigie-fhir integration tests: the shared conformance examples, JSON round trips, snapshots of
//! the built responses and property tests of the Patient → domain conversion.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod conformance;
mod props;
mod roundtrip;
mod snapshots;
mod support;
