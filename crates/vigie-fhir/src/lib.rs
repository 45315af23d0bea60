//! Vigie's FHIR R4 wire library: hand-written DTOs, FR Core Patient ↔ identity-domain mapping,
//! and pure parsers and response builders for IHE PIXm (ITI-83, ITI-104) and PDQm (ITI-78,
//! ITI-119 `$match`), so the HTTP server only routes, calls the engine and serialises.
//!
//! No IO, no async, no storage: everything takes plain data (decoded query pairs, JSON bytes,
//! [`IdentityRecord`](vigie_core::record::IdentityRecord)s) and returns DTOs or typed errors.
//! Errors and OperationOutcomes never carry patient data (names, dates, identifier values).
//!
//! # DTOs
//!
//! [`patient::Patient`], [`bundle::Bundle`], [`parameters::Parameters`],
//! [`outcome::OperationOutcome`], [`capability::CapabilityStatement`] and the data types of
//! [`types`]: serde structs, camelCase, absent elements not written, and unknown elements kept in
//! `extra` so they survive a round trip. [`resource::Resource`] dispatches on `resourceType`.
//! FHIR dates ↔ [`PartialDate`](vigie_core::date::PartialDate): [`date::parse_fhir_date`],
//! [`date::format_fhir_date`].
//!
//! # Patient ↔ domain
//!
//! * [`to_domain::patient_to_domain`]`(&Patient, &ConvertOptions) -> Result<PatientInput,
//!   ValidationErrors>`: the record (through vigie-core's record parser), business identifiers
//!   ([`identifier::BusinessIdentifier`]: domain + value, `urn:oid:X` ↔ domain `X`), the INS
//!   (NIR/NIA OIDs, FR Core types, kept only for a `QUAL` identity), `active`, links
//!   (`replaced-by`), RNIV management codes and data-quality [`to_domain::Warning`]s. Each
//!   [`to_domain::ValidationError`] carries a FHIRPath (`Patient.identifier[1].value`).
//! * [`from_domain::patient_from_record`]`(&IdentityRecord, &PatientExtras) -> Patient`: the
//!   FR Core shape (INS slice with the right type and use, official / usual names,
//!   identity-reliability and birthplace extensions).
//!
//! # Queries (decoded `(name, value)` pairs; [`query::parse_query_string`] decodes a raw query)
//!
//! * PDQm search: [`search::parse_patient_search`]`(pairs, Handling) -> Result<PatientSearch,
//!   SearchError>`; [`search::PatientSearch::check_target_systems`] (unknown domain → 404).
//! * ITI-104 conditional target: [`search::parse_conditional_identifier`].
//! * PIXm: [`pix::parse_pix_query`]`(pairs, Handling) -> Result<PixQuery, PixError>`;
//!   [`pix::PixQuery::check_domains`] (400 source domain, 403 target system); the server returns
//!   [`pix::PixError::UnknownPatient`] (404) when the identifier is not known.
//! * `$match`: [`matching::parse_match_request`]`(&[u8]) -> Result<MatchRequest, MatchError>`.
//! * Format: [`query::negotiate_format`] (`_format`, `Accept` → JSON / XML or 406).
//!
//! # Responses
//!
//! * [`pix::pix_response`]`(&PixQuery, &[PixPatient]) -> Parameters` (never the source id);
//! * [`searchset::searchset_bundle`]`(SearchPage) -> Bundle` (`total`, `self`/`next`/`previous`
//!   links) and [`searchset::restrict_identifiers`] for the domain filter;
//! * [`matching::match_bundle`]`(&MatchResponseOptions, Vec<MatchCandidate>, &[Issue]) ->
//!   Bundle` (`search.score`, `match-grade` from a [`matching::MatchBand`]);
//! * [`capability::capability_statement`]`(&CapabilityOptions)`;
//! * every error implements [`outcome::OutcomeError`]: `http_status()` and
//!   `to_operation_outcome()`; [`outcome::RequestError`] covers bad JSON (400), unsupported
//!   format (406), not found (404) and internal errors (500).
//!
//! [`fuzz`] holds the entry point of the `fhir_patient` fuzz target.

pub mod bundle;
pub mod capability;
pub mod codes;
pub mod date;
pub mod from_domain;
pub mod fuzz;
pub mod identifier;
pub mod matching;
pub mod outcome;
pub mod parameters;
pub mod patient;
pub mod pix;
pub mod query;
pub mod resource;
pub mod search;
pub mod searchset;
pub mod to_domain;
pub mod types;
