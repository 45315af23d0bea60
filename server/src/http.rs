//! INTERFACE STUB — the axum router: FHIR (PDQm, PIXm, ITI-104, $match, metadata), admin API,
//! OpenAPI, `/metrics`, `/health`, `/ready`.
