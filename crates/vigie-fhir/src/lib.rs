//! Vigie's FHIR R4 wire library (placeholder doc, completed below).

pub mod bundle;
pub mod capability;
pub mod codes;
pub mod date;
pub mod from_domain;
pub mod identifier;
pub mod outcome;
pub mod parameters;
pub mod patient;
pub mod resource;
pub mod to_domain;
pub mod types;
