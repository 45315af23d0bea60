//! Vigie's server: the FHIR R4 and admin HTTP API ([`http`]) and the HL7 v2 MLLP listener
//! ([`mllp`]), both thin layers over one shared [`vigie_engine::Engine`], configured by one TOML
//! file ([`config`]).
//!
//! In-process use (tests, embedding): build an [`AppState`] and call [`router`].

pub mod auth;
pub mod config;
pub mod demo;
pub mod domains;
pub mod http;
pub mod logging;
pub mod metrics;
pub mod mllp;
pub mod retention;
pub mod state;
pub mod tls;

pub use http::router;
pub use state::AppState;
