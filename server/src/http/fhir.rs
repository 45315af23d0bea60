//! FHIR R4 handlers: PDQm search (ITI-78) and read, PIXm `$ihe-pix` (ITI-83), the ITI-104 feed
//! (conditional update / delete, merge through `link.type = replaced-by`), `$match` (ITI-119),
//! the CapabilityStatement and the audit trail as `AuditEvent`s.
//!
//! Every handler parses with vigie-fhir, authorises against the caller's rights (a client sees
//! only the identifiers of the domains it may query), calls the engine on the blocking pool,
//! records the access (queries, reads and every denial; mutations are audited by the engine) and
//! converts the result with vigie-fhir.

use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum_server::tls::TlsInfo;
use serde::Serialize;
use serde_json::{Value, json};
use vigie_core::ids::{DomainId, EnterpriseId, LocalId, RecordId};
use vigie_core::matching::model::{Decision, fnv1a};
use vigie_core::record::IdentityRecord;
use vigie_core::sex::Sex;
use vigie_engine::{AccessRecord, AuditRecord, SearchHit, SearchQuery, SourceKey};
use vigie_fhir::bundle::{Bundle, BundleEntry, BundleEntrySearch, BundleLink, SEARCHSET};
use vigie_fhir::capability::{CapabilityOptions, capability_statement};
use vigie_fhir::from_domain::{PatientExtras, patient_from_record};
use vigie_fhir::identifier::{BusinessIdentifier, DomainIdentifier, ins_identifier};
use vigie_fhir::matching::{MatchBand, MatchCandidate, match_bundle, parse_match_request};
use vigie_fhir::outcome::{Issue, IssueType, OperationOutcome, RequestError};
use vigie_fhir::parameters::Parameter;
use vigie_fhir::patient::{AdministrativeGender, Patient};
use vigie_fhir::pix::{PixError, PixPatient, PixQuery, parse_pix_query, pix_response};
use vigie_fhir::query::{encode_query, negotiate_format, parse_query_string, split_token};
use vigie_fhir::resource::Resource;
use vigie_fhir::search::{
    DatePrefix, Handling, PatientSearch, SearchError, TokenSystem, parse_conditional_identifier,
    parse_patient_search,
};
use vigie_fhir::searchset::{SearchEntry, SearchPage, searchset_bundle};
use vigie_fhir::to_domain::{ConvertOptions, LinkTarget, patient_to_domain};

use super::body::{body_bytes, check_depth};
use super::error::{ApiError, FHIR_JSON};
use crate::auth::Principal;
use crate::domains::is_ins_system;
use crate::metrics::record_decision;
use crate::state::AppState;

/// Default PDQm page size.
pub const DEFAULT_PAGE_SIZE: u32 = 20;
/// Largest PDQm page size.
pub const MAX_PAGE_SIZE: u32 = 100;
/// `$match` candidates below the review band but at least this probable are `possible`; below
/// it they are not returned.
pub const POSSIBLE_FLOOR: f64 = 0.2;

/// A FHIR JSON response.
pub fn fhir_response<T: Serialize>(status: StatusCode, value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => {
            let mut response = (status, body).into_response();
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(FHIR_JSON));
            response
        }
        Err(_) => ApiError::internal().into_response(),
    }
}

/// The FHIR base URL: `server.public_url`, else the scheme and `Host` of the request.
pub fn base_url(state: &AppState, headers: &HeaderMap, tls: bool) -> String {
    if let Some(url) = &state.config.server.public_url {
        return format!("{}/fhir", url.trim_end_matches('/'));
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })
        .unwrap_or("localhost");
    let scheme = if tls { "https" } else { "http" };
    format!("{scheme}://{host}/fhir")
}

fn pairs(query: Option<String>) -> Vec<(String, String)> {
    query.map(|q| parse_query_string(&q)).unwrap_or_default()
}

fn refs(pairs: &[(String, String)]) -> impl Iterator<Item = (&str, &str)> {
    pairs.iter().map(|(n, v)| (n.as_str(), v.as_str()))
}

fn handling(headers: &HeaderMap) -> Handling {
    let strict = headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.replace(' ', "").contains("handling=strict"));
    if strict {
        Handling::Strict
    } else {
        Handling::Lenient
    }
}

/// 406 unless the client accepts FHIR JSON (`_format`, then `Accept`).
fn check_format(format: Option<&str>, headers: &HeaderMap) -> Result<(), ApiError> {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    match negotiate_format(format, accept) {
        Ok(vigie_fhir::query::Format::Json) => Ok(()),
        _ => Err(ApiError::from_outcome(&RequestError::UnsupportedFormat)),
    }
}

/// Runs a query handler body and records the access: `action` / `ok` with the patients returned,
/// or the error's outcome (`denied` accesses under the action `denied`).
async fn audited<F>(
    state: &AppState,
    principal: &Principal,
    action: &str,
    work: F,
) -> Result<Response, ApiError>
where
    F: Future<Output = Result<(Response, Vec<EnterpriseId>), ApiError>>,
{
    let actor = principal.actor("fhir");
    let (response, patients) = audit_failures(state, principal, action, work).await?;
    state.audit(actor, action, "ok", patients).await?;
    Ok(response)
}

/// Runs a query handler body that audits its own success (in the same blocking call as its
/// engine work) and records the access when it fails, as [`audited`] does.
async fn audit_failures<T, F>(
    state: &AppState,
    principal: &Principal,
    action: &str,
    work: F,
) -> Result<T, ApiError>
where
    F: Future<Output = Result<T, ApiError>>,
{
    match work.await {
        Ok(value) => Ok(value),
        Err(error) => {
            let outcome = error.audit_outcome();
            let action = if outcome == "denied" {
                "denied"
            } else {
                action
            };
            state
                .audit_failure(principal.actor("fhir"), action, outcome)
                .await;
            Err(error)
        }
    }
}

/// Records a denied mutation attempt and returns the error.
async fn denied(state: &AppState, principal: &Principal, error: ApiError) -> ApiError {
    state
        .audit_failure(principal.actor("fhir"), "denied", "denied")
        .await;
    error
}

/// The domains whose identifiers the caller may see.
fn visible_domains(state: &AppState, principal: &Principal) -> Vec<DomainId> {
    state
        .domains
        .all()
        .filter(|d| principal.may_query(d))
        .cloned()
        .collect()
}

/// The Patient of an enterprise identity showing only `keys` (already filtered to what the
/// caller may see) and the INS when the identity is qualified.
pub fn patient_resource(
    state: &AppState,
    id: &EnterpriseId,
    golden: &IdentityRecord,
    keys: &[&SourceKey],
) -> Patient {
    let mut record = golden.clone();
    record.source = None;
    record.local_id = None;
    let extras = PatientExtras {
        id: Some(id.as_str().to_owned()),
        identifiers: keys
            .iter()
            .map(|k| {
                BusinessIdentifier::local(DomainIdentifier {
                    domain: k.domain.clone(),
                    value: k.local_id.clone(),
                })
            })
            .collect(),
        active: Some(true),
        ..PatientExtras::default()
    };
    let mut patient = patient_from_record(&record, &extras);
    for identifier in &mut patient.identifier {
        state.domains.normalise_identifier(identifier);
    }
    patient
}

fn tls_of(tls: Option<&Extension<Arc<TlsInfo>>>) -> bool {
    tls.is_some()
}

// ---------------------------------------------------------------------------------------------
// PDQm search

/// What the engine is asked, and the search as honoured (for the `self` link).
struct Plan {
    query: SearchQuery,
    honoured: PatientSearch,
    /// A criterion names an unknown domain: no match, without asking the engine.
    no_match: bool,
}

fn plan_search(
    state: &AppState,
    principal: &Principal,
    search: &PatientSearch,
) -> Result<Plan, ApiError> {
    let mut honoured = PatientSearch {
        count: Some(
            search
                .count
                .unwrap_or(DEFAULT_PAGE_SIZE)
                .clamp(1, MAX_PAGE_SIZE),
        ),
        format: search.format.clone(),
        ..PatientSearch::default()
    };
    let mut query = SearchQuery {
        limit: state.config.server.max_results,
        ..SearchQuery::default()
    };
    let mut no_match = false;
    let first = |criteria: &Vec<Vec<vigie_fhir::search::StringParam>>| {
        criteria.first().and_then(|g| g.first()).cloned()
    };
    if let Some(family) = first(&search.family) {
        query.family = Some(family.value.clone());
        honoured.family = vec![vec![family]];
    }
    if let Some(given) = first(&search.given) {
        query.given = Some(given.value.clone());
        honoured.given = vec![vec![given]];
    }
    if let Some(postcode) = first(&search.address_postalcode) {
        query.postcode = Some(postcode.value.clone());
        honoured.address_postalcode = vec![vec![postcode]];
    }
    if let Some(city) = first(&search.address_city) {
        query.city = Some(city.value.clone());
        honoured.address_city = vec![vec![city]];
    }
    if let Some(date) = search
        .birthdate
        .iter()
        .filter(|g| g.len() == 1)
        .flatten()
        .find(|d| d.prefix == DatePrefix::Eq)
    {
        query.birth_date = Some(date.date);
        honoured.birthdate = vec![vec![*date]];
    }
    if let Some(gender) = search
        .gender
        .iter()
        .find(|g| g.len() == 1)
        .and_then(|g| g.first())
    {
        query.sex = Some(match gender {
            AdministrativeGender::Male => Sex::Male,
            AdministrativeGender::Female => Sex::Female,
            _ => Sex::Unknown,
        });
        honoured.gender = vec![vec![*gender]];
    }
    // Identifier value criteria: the first one with a system is honoured.
    if let Some((group, token)) = search.identifier_criteria().find_map(|g| {
        g.iter()
            .find(|t| matches!(t.system, TokenSystem::Is(_)) && t.code.is_some())
            .map(|t| (g, t))
    }) {
        let (TokenSystem::Is(system), Some(code)) = (&token.system, &token.code) else {
            return Err(ApiError::internal());
        };
        if is_ins_system(system) {
            query.ins = Some(code.clone());
        } else {
            match state.domains.domain_of_system(system) {
                Some(domain) => {
                    if !principal.may_query(domain) {
                        return Err(ApiError::forbidden(
                            "this client may not query identifiers of this domain",
                        ));
                    }
                    match LocalId::new(code) {
                        Ok(local_id) => {
                            query.identifier = Some(SourceKey {
                                domain: domain.clone(),
                                local_id,
                            });
                        }
                        Err(_) => no_match = true,
                    }
                }
                None => no_match = true,
            }
        }
        let _ = group;
        honoured.identifier.push(vec![token.clone()]);
    }
    // Domain filter (`identifier=system|`).
    let mut filter = Vec::new();
    for system in search.target_systems() {
        let domain = state
            .domains
            .domain_of_system(system)
            .ok_or_else(|| ApiError::from_outcome(&SearchError::UnknownTargetSystem))?;
        if !principal.may_query(domain) {
            return Err(ApiError::forbidden(
                "this client may not query identifiers of this domain",
            ));
        }
        filter.push(domain.clone());
    }
    for group in search
        .identifier
        .iter()
        .filter(|g| g.iter().all(|t| t.code.is_none()))
    {
        honoured.identifier.push(group.clone());
    }
    let domains = if filter.is_empty() {
        visible_domains(state, principal)
    } else {
        filter
    };
    if domains.is_empty() {
        return Err(ApiError::forbidden("this client may not query any domain"));
    }
    query.domains = domains;
    let has_criteria = query.family.is_some()
        || query.given.is_some()
        || query.birth_date.is_some()
        || query.sex.is_some()
        || query.identifier.is_some()
        || query.ins.is_some()
        || query.postcode.is_some()
        || query.city.is_some()
        || no_match;
    if !has_criteria {
        return Err(ApiError::from_outcome(&SearchError::Missing {
            name:
                "family, given, birthdate, gender, identifier, address-postalcode or address-city"
                    .into(),
        }));
    }
    Ok(Plan {
        query,
        honoured,
        no_match,
    })
}

fn search_hash(search: &PatientSearch) -> u64 {
    let canonical = PatientSearch {
        offset: None,
        ..search.clone()
    };
    fnv1a(
        encode_query(&canonical.to_query_pairs()).as_bytes(),
        0x0056_4947_4945,
    )
}

/// The opaque paging token of an offset in a search: the offset bound to the search it pages.
pub fn page_token(offset: u64, search: &PatientSearch) -> String {
    format!("{offset:x}.{:016x}", search_hash(search))
}

fn read_page_token(token: &str, search: &PatientSearch) -> Result<u32, ApiError> {
    let invalid = || ApiError::bad_request("invalid or expired _page token");
    let (offset, hash) = token.split_once('.').ok_or_else(invalid)?;
    let offset = u32::from_str_radix(offset, 16).map_err(|_| invalid())?;
    let hash = u64::from_str_radix(hash, 16).map_err(|_| invalid())?;
    if hash != search_hash(search) {
        return Err(invalid());
    }
    Ok(offset)
}

fn tokenise_links(bundle: &mut Bundle, search: &PatientSearch) {
    for link in &mut bundle.link {
        if let Some((prefix, offset)) = link.url.rsplit_once("_offset=")
            && let Ok(offset) = offset.parse::<u64>()
        {
            link.url = format!("{prefix}_page={}", page_token(offset, search));
        }
    }
}

/// `GET /fhir/Patient` — PDQm [ITI-78] search.
pub async fn search_patients(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    tls: Option<Extension<Arc<TlsInfo>>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let work = async {
        let mut raw = pairs(query);
        let mut token = None;
        raw.retain(|(name, value)| match name.as_str() {
            "_page" => {
                token = Some(value.clone());
                false
            }
            "_offset" => false,
            _ => true,
        });
        let search = parse_patient_search(refs(&raw), handling(&headers))
            .map_err(|e| ApiError::from_outcome(&e))?;
        check_format(search.format.as_deref(), &headers)?;
        let Plan {
            query,
            mut honoured,
            no_match,
        } = plan_search(&state, &principal, &search)?;
        let offset = match &token {
            Some(token) => read_page_token(token, &honoured)?,
            None => 0,
        };
        let page_size = honoured.count.unwrap_or(DEFAULT_PAGE_SIZE) as usize;
        // The search and the audit record of the page it returns run in one blocking call (one
        // hand-off to the blocking pool per request instead of two).
        let actor = principal.actor("fhir");
        let visible: Vec<(SearchHit, Vec<SourceKey>)> = state
            .run(move |engine| {
                let hits = if no_match {
                    Vec::new()
                } else {
                    engine.search(&query)?
                };
                let visible: Vec<(SearchHit, Vec<SourceKey>)> = hits
                    .into_iter()
                    .filter_map(|hit| {
                        let keys: Vec<SourceKey> = hit
                            .keys
                            .iter()
                            .filter(|k| query.domains.contains(&k.domain))
                            .cloned()
                            .collect();
                        (!keys.is_empty()).then_some((hit, keys))
                    })
                    .collect();
                let patients = visible
                    .iter()
                    .skip(offset as usize)
                    .take(page_size)
                    .map(|(h, _)| h.enterprise.clone())
                    .collect();
                engine.record_access(AccessRecord {
                    actor,
                    action: "pdq-query".to_owned(),
                    outcome: "ok".to_owned(),
                    patients,
                })?;
                Ok(visible)
            })
            .await?;
        let base = base_url(&state, &headers, tls_of(tls.as_ref()));
        let page: Vec<&(SearchHit, Vec<SourceKey>)> = visible
            .iter()
            .skip(offset as usize)
            .take(page_size)
            .collect();
        let entries = page
            .iter()
            .map(|(hit, keys)| {
                let keys: Vec<&SourceKey> = keys.iter().collect();
                SearchEntry {
                    full_url: format!("{base}/Patient/{}", hit.enterprise),
                    patient: patient_resource(&state, &hit.enterprise, &hit.golden, &keys),
                    score: Some(hit.score),
                }
            })
            .collect();
        honoured.offset = Some(offset);
        let mut bundle = searchset_bundle(SearchPage {
            base_url: &base,
            search: &honoured,
            total: visible.len() as u64,
            entries,
            warnings: &[],
        });
        tokenise_links(&mut bundle, &honoured);
        Ok(fhir_response(StatusCode::OK, &bundle))
    };
    audit_failures(&state, &principal, "pdq-query", work).await
}

/// `GET /fhir/Patient/{id}` — read an enterprise identity as a Patient.
pub async fn read_patient(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let work = async {
        let raw = pairs(query);
        let format = raw
            .iter()
            .find(|(n, _)| n == "_format")
            .map(|(_, v)| v.as_str());
        check_format(format, &headers)?;
        let not_found = || ApiError::from_outcome(&RequestError::NotFound);
        let id = EnterpriseId::new(&id).map_err(|_| not_found())?;
        let lookup = id.clone();
        let view = state
            .run(move |engine| engine.enterprise(&lookup))
            .await?
            .ok_or_else(not_found)?;
        let keys: Vec<&SourceKey> = view
            .members
            .iter()
            .filter(|k| principal.may_query(&k.domain))
            .collect();
        if keys.is_empty() {
            // The caller may not see any identifier of this person: it does not exist for it.
            return Err(not_found());
        }
        let patient = patient_resource(&state, &id, &view.golden, &keys);
        Ok((fhir_response(StatusCode::OK, &patient), vec![id]))
    };
    audited(&state, &principal, "fhir-read", work).await
}

// ---------------------------------------------------------------------------------------------
// PIXm

/// `GET /fhir/Patient/$ihe-pix` — PIXm [ITI-83].
pub async fn pix_query(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let work = async {
        let raw = pairs(query);
        let query = parse_pix_query(refs(&raw), handling(&headers))
            .map_err(|e| ApiError::from_outcome(&e))?;
        check_format(query.format.as_deref(), &headers)?;
        let source_domain = state
            .domains
            .domain_of_system(&query.source_system)
            .cloned()
            .ok_or_else(|| ApiError::from_outcome(&PixError::UnknownSourceDomain))?;
        let mut targets = Vec::new();
        let mut ins_wanted = query.target_systems.is_empty();
        for (index, system) in query.target_systems.iter().enumerate() {
            if is_ins_system(system) {
                ins_wanted = true;
                continue;
            }
            let domain = state
                .domains
                .domain_of_system(system)
                .ok_or_else(|| ApiError::from_outcome(&PixError::UnknownTargetSystem { index }))?;
            if !principal.may_query(domain) {
                return Err(ApiError::forbidden(
                    "this client may not query identifiers of this target domain",
                ));
            }
            targets.push(domain.clone());
        }
        if !principal.may_query(&source_domain) && !principal.may_feed(&source_domain) {
            return Err(ApiError::forbidden(
                "this client may not query identifiers of the source domain",
            ));
        }
        if query.target_systems.is_empty() {
            targets = visible_domains(&state, &principal);
        }
        let key = SourceKey {
            domain: source_domain.clone(),
            local_id: query.source.value.clone(),
        };
        let lookup = key.clone();
        let engine_targets = targets.clone();
        let xref = state
            .run(move |engine| engine.cross_reference(&lookup, &engine_targets))
            .await
            .map_err(|e| {
                if e.status == StatusCode::NOT_FOUND {
                    ApiError::from_outcome(&PixError::UnknownPatient)
                } else {
                    e
                }
            })?;
        let identifiers: Vec<DomainIdentifier> = xref
            .keys
            .iter()
            .filter(|k| targets.contains(&k.domain) && **k != key)
            .map(|k| DomainIdentifier {
                domain: k.domain.clone(),
                value: k.local_id.clone(),
            })
            .collect();
        let resolved = PixQuery {
            source: DomainIdentifier {
                domain: source_domain,
                value: query.source.value.clone(),
            },
            target_systems: Vec::new(),
            ..query
        };
        let mut parameters = pix_response(
            &resolved,
            &[PixPatient {
                reference: Some(format!("Patient/{}", xref.enterprise)),
                identifiers,
            }],
        );
        if ins_wanted && let Some(ins) = &xref.ins {
            parameters.parameter.push(Parameter {
                value_identifier: Some(ins_identifier(ins.oid(), ins.matricule())),
                ..Parameter::named("targetIdentifier")
            });
        }
        for parameter in &mut parameters.parameter {
            if let Some(identifier) = &mut parameter.value_identifier {
                state.domains.normalise_identifier(identifier);
            }
        }
        Ok((
            fhir_response(StatusCode::OK, &parameters),
            vec![xref.enterprise],
        ))
    };
    audited(&state, &principal, "pix-query", work).await
}

// ---------------------------------------------------------------------------------------------
// ITI-104 feed

/// The conditional target `identifier=system|value`, resolved to a configured domain.
fn conditional_key(
    state: &AppState,
    raw: &[(String, String)],
) -> Result<(SourceKey, DomainIdentifier), ApiError> {
    let id = parse_conditional_identifier(refs(raw)).map_err(|e| ApiError::from_outcome(&e))?;
    let system = raw
        .iter()
        .find(|(n, _)| n == "identifier")
        .and_then(|(_, v)| split_token(v).0)
        .unwrap_or_default();
    let domain = state
        .domains
        .domain_of_system(&system)
        .cloned()
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                IssueType::CodeInvalid,
                "identifier Assigning Authority not found",
            )
        })?;
    Ok((
        SourceKey {
            domain,
            local_id: id.value.clone(),
        },
        id,
    ))
}

fn information(text: &str) -> OperationOutcome {
    OperationOutcome::from_issues(&[Issue {
        severity: vigie_fhir::outcome::IssueSeverity::Information,
        code: IssueType::Informational,
        text: text.to_owned(),
        expression: None,
    }])
}

/// `PUT /fhir/Patient?identifier=system|value` — ITI-104 add / revise (conditional update),
/// resolve duplicate (`active=false` + `link.type=replaced-by`), or deactivate
/// (`active=false` without link).
pub async fn update_patient(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    tls: Option<Extension<Arc<TlsInfo>>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let raw = pairs(query);
    let format = raw
        .iter()
        .find(|(n, _)| n == "_format")
        .map(|(_, v)| v.as_str());
    check_format(format, &headers)?;
    let (key, id) = conditional_key(&state, &raw)?;
    if !principal.may_feed(&key.domain) {
        return Err(denied(
            &state,
            &principal,
            ApiError::forbidden("this client may not feed this domain"),
        )
        .await);
    }
    let bytes = body_bytes(body)?;
    check_depth(&bytes, state.config.server.http_max_json_depth)?;
    let resource: Resource = serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::from_outcome(&RequestError::from_json(&e)))?;
    let Resource::Patient(patient) = resource else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            IssueType::Structure,
            "the body must be a Patient resource",
        ));
    };
    let record_id = RecordId::new(&format!("fhir:{}|{}", key.domain, key.local_id))
        .map_err(|_| ApiError::bad_request("identifier too long"))?;
    let input = patient_to_domain(
        &patient,
        &ConvertOptions {
            record_id: Some(record_id),
            primary_domain: Some(id.domain.clone()),
            ..ConvertOptions::default()
        },
    )
    .map_err(|e| ApiError::from_outcome(&e))?;
    if !input.contains_identifier(&id) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            IssueType::BusinessRule,
            "the Patient must carry the identifier of the conditional update",
        ));
    }
    let actor = principal.actor("fhir");
    if input.active == Some(false) {
        return match input.replaced_by() {
            Some(LinkTarget::Identifier(survivor)) => {
                let survivor_domain = state
                    .domains
                    .domain_of_system(survivor.domain.as_str())
                    .cloned()
                    .ok_or_else(|| {
                        ApiError::new(
                            StatusCode::BAD_REQUEST,
                            IssueType::CodeInvalid,
                            "link.other.identifier Assigning Authority not found",
                        )
                    })?;
                if survivor_domain != key.domain {
                    return Err(ApiError::new(
                        StatusCode::BAD_REQUEST,
                        IssueType::BusinessRule,
                        "a merge (replaced-by) must stay within one domain",
                    ));
                }
                let surviving = SourceKey {
                    domain: survivor_domain,
                    local_id: survivor.value.clone(),
                };
                let merged = key.clone();
                state
                    .run(move |engine| engine.merge(&surviving, &merged, &actor))
                    .await?;
                Ok(fhir_response(
                    StatusCode::OK,
                    &information("merged into the survivor"),
                ))
            }
            Some(LinkTarget::Reference(_)) => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                IssueType::NotSupported,
                "replaced-by must name the survivor by identifier",
            )),
            None => {
                let removed = key.clone();
                state
                    .run(move |engine| engine.remove(&removed, &actor))
                    .await?;
                Ok(fhir_response(StatusCode::OK, &information("deactivated")))
            }
        };
    }
    let mut record = input.record;
    record.source = Some(key.domain.clone());
    record.local_id = Some(key.local_id.clone());
    let registered = record.clone();
    let outcome = state
        .run(move |engine| engine.register(registered, &actor))
        .await?;
    record_decision(match outcome.outcome {
        vigie_engine::LinkOutcome::Linked => "auto_link",
        vigie_engine::LinkOutcome::CreatedPendingReview(_) => "review",
        vigie_engine::LinkOutcome::Created => "non_match",
        vigie_engine::LinkOutcome::Unchanged => "unchanged",
        vigie_engine::LinkOutcome::UnchangedPendingReview(_) => "review",
    });
    tracing::info!(
        updated = outcome.updated,
        decisions = outcome.decisions.len(),
        flags = outcome.flags.len(),
        "iti-104 registration"
    );
    let patient = patient_resource(&state, &outcome.enterprise, &record, &[&key]);
    let status = if outcome.updated {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let mut response = fhir_response(status, &patient);
    let location = format!(
        "{}/Patient/{}",
        base_url(&state, &headers, tls_of(tls.as_ref())),
        outcome.enterprise
    );
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// `DELETE /fhir/Patient?identifier=system|value` — ITI-104 Remove Patient.
pub async fn delete_patient(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let raw = pairs(query);
    let (key, _) = conditional_key(&state, &raw)?;
    if !principal.may_feed(&key.domain) {
        return Err(denied(
            &state,
            &principal,
            ApiError::forbidden("this client may not feed this domain"),
        )
        .await);
    }
    let actor = principal.actor("fhir");
    state.run(move |engine| engine.remove(&key, &actor)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

// ---------------------------------------------------------------------------------------------
// $match

fn band(decision: Decision, score: f64) -> MatchBand {
    match decision {
        Decision::AutoLink => MatchBand::Link,
        Decision::Review => MatchBand::Review,
        Decision::NonMatch if score >= POSSIBLE_FLOOR => MatchBand::Weak,
        Decision::NonMatch => MatchBand::NonMatch,
    }
}

/// `POST /fhir/Patient/$match` — PDQm [ITI-119].
pub async fn match_patients(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    tls: Option<Extension<Arc<TlsInfo>>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let work = async {
        let raw = pairs(query);
        let format = raw
            .iter()
            .find(|(n, _)| n == "_format")
            .map(|(_, v)| v.as_str());
        check_format(format, &headers)?;
        let domains = visible_domains(&state, &principal);
        if domains.is_empty() {
            return Err(ApiError::forbidden("this client may not query any domain"));
        }
        let bytes = body_bytes(body)?;
        check_depth(&bytes, state.config.server.http_max_json_depth)?;
        let request = parse_match_request(&bytes).map_err(|e| ApiError::from_outcome(&e))?;
        let input = patient_to_domain(&request.patient, &ConvertOptions::default())
            .map_err(|e| ApiError::from_outcome(&e.rooted_at(&request.resource_expression)))?;
        let limit = state.config.server.max_results;
        let probe = input.record.clone();
        let hits = state
            .run(move |engine| engine.match_identity(&probe, limit))
            .await?;
        let base = base_url(&state, &headers, tls_of(tls.as_ref()));
        let mut patients = Vec::new();
        let candidates: Vec<MatchCandidate> = hits
            .iter()
            .filter_map(|hit| {
                let keys: Vec<&SourceKey> = hit
                    .keys
                    .iter()
                    .filter(|k| domains.contains(&k.domain))
                    .collect();
                if keys.is_empty() {
                    return None;
                }
                record_decision(hit.decision.name());
                patients.push(hit.enterprise.clone());
                Some(MatchCandidate {
                    full_url: format!("{base}/Patient/{}", hit.enterprise),
                    patient: patient_resource(&state, &hit.enterprise, &hit.golden, &keys),
                    score: hit.score,
                    band: band(hit.decision, hit.score),
                })
            })
            .collect();
        let options = request.response_options(&format!("{base}/Patient/$match"));
        let bundle = match_bundle(&options, candidates, &input.warning_issues());
        let shown: Vec<EnterpriseId> = bundle
            .entry
            .iter()
            .filter_map(|e| e.resource.as_ref()?.as_patient()?.id.as_deref())
            .filter_map(|id| EnterpriseId::new(id).ok())
            .collect();
        let _ = patients;
        Ok((fhir_response(StatusCode::OK, &bundle), shown))
    };
    audited(&state, &principal, "match", work).await
}

// ---------------------------------------------------------------------------------------------
// metadata, AuditEvent

/// Date of the CapabilityStatement.
pub const CAPABILITY_DATE: &str = "2026-01-01";

/// `GET /fhir/metadata` — the CapabilityStatement (public).
pub async fn metadata(
    State(state): State<AppState>,
    tls: Option<Extension<Arc<TlsInfo>>>,
    headers: HeaderMap,
) -> Response {
    let statement = capability_statement(&CapabilityOptions {
        base_url: base_url(&state, &headers, tls_of(tls.as_ref())),
        software_version: env!("CARGO_PKG_VERSION").to_owned(),
        date: CAPABILITY_DATE.to_owned(),
        remove_patient: true,
    });
    fhir_response(StatusCode::OK, &statement)
}

/// Unix milliseconds as an RFC 3339 UTC instant (`2026-01-31T12:00:00.000Z`).
pub fn rfc3339_millis(at_ms: u64) -> String {
    let secs = at_ms / 1000;
    let millis = at_ms % 1000;
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// An audit record as a FHIR R4 `AuditEvent` (DICOM event types: 110112 query, 110110 patient
/// record, 110113 security alert).
pub fn audit_event(record: &AuditRecord) -> Value {
    let action = record.action.as_str();
    let (type_code, type_display, verb) = if action == "denied" {
        ("110113", "Security Alert", "E")
    } else if action.contains("query")
        || action.contains("read")
        || action.contains("match")
        || action.contains("search")
    {
        ("110112", "Query", "E")
    } else if action.contains("remove") || action.contains("delete") || action.contains("merge") {
        ("110110", "Patient Record", "D")
    } else if action.contains("update") || action.contains("link") || action.contains("review") {
        ("110110", "Patient Record", "U")
    } else {
        ("110110", "Patient Record", "C")
    };
    let outcome = match record.outcome.as_str() {
        "ok" => "0",
        "not-found" | "denied" => "4",
        _ => "8",
    };
    json!({
        "resourceType": "AuditEvent",
        "id": record.seq.to_string(),
        "type": {"system": "http://dicom.nema.org/resources/ontology/DCM", "code": type_code, "display": type_display},
        "subtype": [{"system": "urn:vigie:audit-action", "code": record.action}],
        "action": verb,
        "recorded": rfc3339_millis(record.at_ms),
        "outcome": outcome,
        "outcomeDesc": record.outcome,
        "agent": [{
            "who": {"display": record.actor.who},
            "requestor": true,
            "network": {"address": record.actor.from, "type": "2"},
            "policy": [format!("urn:vigie:channel:{}", record.actor.channel)]
        }],
        "source": {"observer": {"display": "vigie"}, "type": [{"system": "http://terminology.hl7.org/CodeSystem/security-source-type", "code": "4"}]},
        "entity": record.subjects.iter().map(|s| json!({"what": {"identifier": {"value": s}}})).collect::<Vec<_>>(),
        "extension": [{"url": "urn:vigie:audit-hash", "valueString": record.hash}]
    })
}

/// `GET /fhir/AuditEvent?from=&_count=` — the audit trail as a Bundle of AuditEvents (admin).
pub async fn audit_events(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    tls: Option<Extension<Arc<TlsInfo>>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let work = async {
        if !principal.is_admin() {
            return Err(ApiError::forbidden("the audit trail is for administrators"));
        }
        let raw = pairs(query);
        let number = |name: &str, default: u64| -> Result<u64, ApiError> {
            raw.iter()
                .find(|(n, _)| n == name)
                .map_or(Ok(default), |(_, v)| {
                    v.parse::<u64>().map_err(|_| {
                        ApiError::bad_request(format!("{name} must be a non-negative integer"))
                    })
                })
        };
        let from = number("from", 0)?;
        let count = number("_count", 100)?.clamp(1, 1000) as usize;
        let records = state
            .run(move |engine| engine.audit_records(from, count))
            .await?;
        let base = base_url(&state, &headers, tls_of(tls.as_ref()));
        let mut link = vec![BundleLink {
            relation: "self".into(),
            url: format!("{base}/AuditEvent?from={from}&_count={count}"),
            ..BundleLink::default()
        }];
        if records.len() == count
            && let Some(last) = records.last()
        {
            link.push(BundleLink {
                relation: "next".into(),
                url: format!("{base}/AuditEvent?from={}&_count={count}", last.seq + 1),
                ..BundleLink::default()
            });
        }
        let entry = records
            .iter()
            .filter_map(|r| match audit_event(r) {
                Value::Object(map) => Some(BundleEntry {
                    full_url: Some(format!("{base}/AuditEvent/{}", r.seq)),
                    resource: Some(Resource::Other(map)),
                    search: Some(BundleEntrySearch {
                        mode: Some("match".into()),
                        ..BundleEntrySearch::default()
                    }),
                    ..BundleEntry::default()
                }),
                _ => None,
            })
            .collect();
        let bundle = Bundle {
            type_: SEARCHSET.into(),
            total: Some(records.len() as u64),
            link,
            entry,
            ..Bundle::default()
        };
        Ok((fhir_response(StatusCode::OK, &bundle), Vec::new()))
    };
    audited(&state, &principal, "audit-read", work).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_are_rfc3339() {
        assert_eq!(rfc3339_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339_millis(951_782_400_123), "2000-02-29T00:00:00.123Z");
        assert_eq!(
            rfc3339_millis(1_767_225_599_999),
            "2025-12-31T23:59:59.999Z"
        );
    }

    #[test]
    fn bands_map_to_match_grades() {
        assert_eq!(band(Decision::AutoLink, 0.1), MatchBand::Link);
        assert_eq!(band(Decision::Review, 0.5), MatchBand::Review);
        assert_eq!(band(Decision::NonMatch, 0.3), MatchBand::Weak);
        assert_eq!(band(Decision::NonMatch, 0.01), MatchBand::NonMatch);
    }
}
