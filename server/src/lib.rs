//! Vigie's server: the FHIR R4 and admin HTTP API ([`http`]) and the HL7 v2 MLLP listener
//! ([`mllp`]), both thin layers over one shared [`vigie_engine::Engine`], configured by one TOML
//! file ([`config`]).

pub mod config;
pub mod http;
pub mod mllp;
