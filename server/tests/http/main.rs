//! Integration tests of the HTTP API over the real engine: in-process (`oneshot`) for every
//! endpoint, error case and authorisation denial, each checking its audit record; real TCP and
//! mTLS for the listener; a scan of the JSON logs for patient data.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod admin;
mod fhir;
mod logs;
#[path = "../pki/mod.rs"]
mod pki;
mod security;
mod support;
mod tcp;
