//! The admin JSON API (`/admin/…`) for identity-vigilance operators: review queue, manual
//! merge / unmerge / link / unlink, enterprise identities and their history, decision
//! explanations, the audit trail and counts. Described with utoipa (OpenAPI 3.1 at
//! `/openapi.json`, Swagger UI at `/docs`). Every route needs the `admin` right; reads are
//! recorded in the audit trail, mutations are audited by the engine.

use axum::Extension;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};
use vigie_core::ids::{DomainId, EnterpriseId, LocalId};
use vigie_core::record::IdentityRecord;
use vigie_engine::{DecisionId, MergeId, Resolution, ReviewId, SourceKey};

use super::body::{body_bytes, parse_json};
use super::error::ApiError;
use crate::auth::Principal;
use crate::state::AppState;

/// A source identity key.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct KeyDto {
    /// Domain (assigning authority) id.
    pub domain: String,
    /// Local id (IPP).
    pub local_id: String,
}

impl KeyDto {
    fn from_key(key: &SourceKey) -> KeyDto {
        KeyDto {
            domain: key.domain.as_str().to_owned(),
            local_id: key.local_id.as_str().to_owned(),
        }
    }

    fn to_key(&self) -> Result<SourceKey, ApiError> {
        Ok(SourceKey {
            domain: DomainId::new(&self.domain)
                .map_err(|e| ApiError::bad_request(format!("domain: {e}")))?,
            local_id: LocalId::new(&self.local_id)
                .map_err(|e| ApiError::bad_request(format!("local_id: {e}")))?,
        })
    }
}

/// An open review item.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewItemDto {
    /// Id.
    pub id: u64,
    /// Decision behind it.
    pub decision: u64,
    /// The pair.
    pub pair: [KeyDto; 2],
    /// Match probability.
    pub probability: f64,
    /// Reason.
    pub reason: String,
}

/// How a review item is resolved.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ResolutionDto {
    /// Same person.
    Link,
    /// Different persons.
    Separate,
}

/// Body of `POST /admin/reviews/{id}/resolve`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveRequest {
    /// The resolution.
    pub resolution: ResolutionDto,
}

/// Body of `POST /admin/merge`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    /// The surviving key.
    pub surviving: KeyDto,
    /// The key retired into it.
    pub merged: KeyDto,
}

/// Result of a merge.
#[derive(Debug, Serialize, ToSchema)]
pub struct MergeResponse {
    /// Merge id, for unmerge.
    pub merge_id: u64,
}

/// Body of `POST /admin/unmerge`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnmergeRequest {
    /// Merge id.
    pub merge_id: u64,
}

/// Body of `POST /admin/link`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkRequest {
    /// First key.
    pub a: KeyDto,
    /// Second key.
    pub b: KeyDto,
}

/// Body of `POST /admin/unlink`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnlinkRequest {
    /// The key to detach from its enterprise identity.
    pub key: KeyDto,
}

/// An enterprise identity id.
#[derive(Debug, Serialize, ToSchema)]
pub struct EnterpriseRef {
    /// Enterprise id.
    pub enterprise: String,
}

/// Done.
#[derive(Debug, Serialize, ToSchema)]
pub struct Done {
    /// Always true.
    pub ok: bool,
}

/// A golden record (operators see identity traits; never logged).
#[derive(Debug, Serialize, ToSchema)]
pub struct GoldenDto {
    /// Birth name.
    pub birth_name: Option<String>,
    /// Used name.
    pub used_name: Option<String>,
    /// First names.
    pub first_names: Option<String>,
    /// Sex code (M, F, U).
    pub sex: String,
    /// Birth date (YYYY-MM-DD or partial).
    pub birth_date: Option<String>,
    /// INSEE birthplace code.
    pub birth_place: Option<String>,
    /// Identity status (PROV, RECUP, VALI, QUAL).
    pub status: String,
    /// INS matricule, shown only for a qualified identity.
    pub ins: Option<String>,
}

impl GoldenDto {
    fn from_record(record: &IdentityRecord) -> GoldenDto {
        GoldenDto {
            birth_name: record.birth_name.clone(),
            used_name: record.used_name.clone(),
            first_names: record.first_names.clone(),
            sex: record.sex.code().to_owned(),
            birth_date: record.birth_date.map(|d| d.to_string()),
            birth_place: record.birth_place.as_ref().map(|b| b.as_str().to_owned()),
            status: record.state.status().code().to_owned(),
            ins: record
                .ins
                .as_ref()
                .filter(|_| record.state.ins_usable())
                .map(|i| i.matricule().to_owned()),
        }
    }
}

/// An enterprise identity.
#[derive(Debug, Serialize, ToSchema)]
pub struct EnterpriseDto {
    /// Id.
    pub id: String,
    /// Golden record.
    pub golden: GoldenDto,
    /// Active source keys.
    pub members: Vec<KeyDto>,
}

/// One history event.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEventDto {
    /// Sequence number.
    pub seq: u64,
    /// Unix time (ms).
    pub at_ms: u64,
    /// Kind.
    pub kind: String,
    /// Keys involved.
    pub keys: Vec<KeyDto>,
    /// Decision behind it.
    pub decision: Option<u64>,
    /// Who.
    pub who: String,
    /// From where.
    pub from: String,
    /// Channel.
    pub channel: String,
}

/// A stored decision with its explanation.
#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionDto {
    /// Id.
    pub id: u64,
    /// The pair.
    pub pair: [KeyDto; 2],
    /// Model version.
    pub model_version: String,
    /// Blocking rule or `manual`.
    pub blocking_rule: String,
    /// Final band (`auto_link`, `review`, `non_match`).
    pub decision: String,
    /// Match probability.
    pub probability: f64,
    /// Match weight (bits).
    pub match_weight: f64,
    /// Per-field explanation, as text.
    pub explanation: String,
    /// Unix time (ms).
    pub at_ms: u64,
}

/// One audit record.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditRecordDto {
    /// Sequence number.
    pub seq: u64,
    /// Unix time (ms).
    pub at_ms: u64,
    /// Who.
    pub who: String,
    /// From where.
    pub from: String,
    /// Channel.
    pub channel: String,
    /// Action.
    pub action: String,
    /// Outcome.
    pub outcome: String,
    /// Subjects (ids).
    pub subjects: Vec<String>,
    /// Chained hash.
    pub hash: String,
}

/// Engine counts.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatsDto {
    /// Active source identities.
    pub sources: u64,
    /// Enterprise identities.
    pub enterprises: u64,
    /// Open review items.
    pub open_reviews: u64,
    /// Pending notifications.
    pub pending_notifications: u64,
    /// Model version.
    pub model_version: String,
}

/// Audit chain verification.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditVerifyDto {
    /// True when the whole chain verifies.
    pub valid: bool,
    /// Last record verified, or the first broken record.
    pub seq: u64,
    /// The retention anchor the chain was verified from; `null` when the trail was never
    /// pruned (the chain then starts at record 1).
    pub anchor: Option<AuditAnchorDto>,
}

/// Where the audit chain starts after retention prunes (`[audit] retention_days`,
/// `vigie audit-log prune`): the last deleted record.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditAnchorDto {
    /// Seq of the last deleted record (every record up to it was deleted).
    pub seq: u64,
    /// Its hash (hex SHA-256); the first kept record chains from it.
    pub hash: String,
    /// Unix time (ms) of the prune that set the anchor.
    pub pruned_at_ms: u64,
    /// That prune deleted the records older than this Unix time (ms).
    pub before_ms: u64,
}

/// `limit` query parameter.
#[derive(Debug, Deserialize, IntoParams)]
pub struct LimitParams {
    /// Maximum number of items (default 100, at most 1000).
    pub limit: Option<usize>,
}

/// `from` / `limit` query parameters.
#[derive(Debug, Deserialize, IntoParams)]
pub struct AuditParams {
    /// First sequence number (default 0).
    pub from: Option<u64>,
    /// Maximum number of records (default 100, at most 1000).
    pub limit: Option<usize>,
}

fn limit(value: Option<usize>) -> usize {
    value.unwrap_or(100).clamp(1, 1000)
}

fn require_admin(principal: &Principal) -> Result<(), ApiError> {
    if principal.is_admin() {
        Ok(())
    } else {
        Err(ApiError::forbidden("this client may not use the admin API"))
    }
}

/// Runs an admin handler: checks the admin right, records reads (`audit` = Some(action)) and
/// every denial.
async fn admin<T, F>(
    state: &AppState,
    principal: &Principal,
    audit: Option<&str>,
    work: F,
) -> Result<Response, ApiError>
where
    T: Serialize,
    F: Future<Output = Result<(T, Vec<EnterpriseId>), ApiError>>,
{
    let actor = principal.actor("admin");
    if let Err(error) = require_admin(principal) {
        state.audit_failure(actor, "denied", "denied").await;
        return Err(error);
    }
    match work.await {
        Ok((value, patients)) => {
            if let Some(action) = audit {
                state.audit(actor, action, "ok", patients).await?;
            }
            Ok(Json(value).into_response())
        }
        Err(error) => {
            if let Some(action) = audit {
                state
                    .audit_failure(actor, action, error.audit_outcome())
                    .await;
            }
            Err(error)
        }
    }
}

fn json_body<T: serde::de::DeserializeOwned>(
    state: &AppState,
    body: Result<Bytes, BytesRejection>,
) -> Result<T, ApiError> {
    let bytes = body_bytes(body)?;
    parse_json(&bytes, state.config.server.http_max_json_depth)
}

fn enterprise_id(id: &str) -> Result<EnterpriseId, ApiError> {
    EnterpriseId::new(id).map_err(|_| ApiError::not_found("unknown enterprise identity"))
}

/// Open review items, oldest first.
#[utoipa::path(get, path = "/admin/reviews", tag = "review", params(LimitParams),
    responses((status = 200, body = Vec<ReviewItemDto>), (status = 401), (status = 403)),
    security(("bearer" = [])))]
pub async fn review_list(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Query(params): Query<LimitParams>,
) -> Result<Response, ApiError> {
    let work = async {
        let n = limit(params.limit);
        let items = state.run(move |e| e.review_list(n)).await?;
        let dtos: Vec<ReviewItemDto> = items
            .iter()
            .map(|item| ReviewItemDto {
                id: item.id.0,
                decision: item.decision.0,
                pair: [
                    KeyDto::from_key(&item.pair.0),
                    KeyDto::from_key(&item.pair.1),
                ],
                probability: item.probability,
                reason: item.reason.clone(),
            })
            .collect();
        Ok((dtos, Vec::new()))
    };
    admin(&state, &principal, Some("review-list"), work).await
}

/// Resolves a review item.
#[utoipa::path(post, path = "/admin/reviews/{id}/resolve", tag = "review",
    params(("id" = u64, Path, description = "Review item id")), request_body = ResolveRequest,
    responses((status = 200, body = Done), (status = 400), (status = 401), (status = 403), (status = 404)),
    security(("bearer" = [])))]
pub async fn review_resolve(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<u64>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let actor = principal.actor("admin");
    let work = async {
        let request: ResolveRequest = json_body(&state, body)?;
        let resolution = match request.resolution {
            ResolutionDto::Link => Resolution::Link,
            ResolutionDto::Separate => Resolution::Separate,
        };
        state
            .run(move |e| e.review_resolve(ReviewId(id), resolution, &actor))
            .await?;
        Ok((Done { ok: true }, Vec::new()))
    };
    admin(&state, &principal, None, work).await
}

/// Merges two source identities of one domain (A40 semantics).
#[utoipa::path(post, path = "/admin/merge", tag = "identity", request_body = MergeRequest,
    responses((status = 200, body = MergeResponse), (status = 400), (status = 401), (status = 403), (status = 404), (status = 409)),
    security(("bearer" = [])))]
pub async fn merge(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let actor = principal.actor("admin");
    let work = async {
        let request: MergeRequest = json_body(&state, body)?;
        let surviving = request.surviving.to_key()?;
        let merged = request.merged.to_key()?;
        let id = state
            .run(move |e| e.merge(&surviving, &merged, &actor))
            .await?;
        Ok((MergeResponse { merge_id: id.0 }, Vec::new()))
    };
    admin(&state, &principal, None, work).await
}

/// Undoes a merge.
#[utoipa::path(post, path = "/admin/unmerge", tag = "identity", request_body = UnmergeRequest,
    responses((status = 200, body = Done), (status = 400), (status = 401), (status = 403), (status = 404), (status = 409)),
    security(("bearer" = [])))]
pub async fn unmerge(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let actor = principal.actor("admin");
    let work = async {
        let request: UnmergeRequest = json_body(&state, body)?;
        state
            .run(move |e| e.unmerge(MergeId(request.merge_id), &actor))
            .await?;
        Ok((Done { ok: true }, Vec::new()))
    };
    admin(&state, &principal, None, work).await
}

/// Links two source identities.
#[utoipa::path(post, path = "/admin/link", tag = "identity", request_body = LinkRequest,
    responses((status = 200, body = EnterpriseRef), (status = 400), (status = 401), (status = 403), (status = 404)),
    security(("bearer" = [])))]
pub async fn link(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let actor = principal.actor("admin");
    let work = async {
        let request: LinkRequest = json_body(&state, body)?;
        let a = request.a.to_key()?;
        let b = request.b.to_key()?;
        let id = state.run(move |e| e.link(&a, &b, &actor)).await?;
        Ok((
            EnterpriseRef {
                enterprise: id.as_str().to_owned(),
            },
            Vec::new(),
        ))
    };
    admin(&state, &principal, None, work).await
}

/// Unlinks a source identity from its enterprise identity.
#[utoipa::path(post, path = "/admin/unlink", tag = "identity", request_body = UnlinkRequest,
    responses((status = 200, body = EnterpriseRef), (status = 400), (status = 401), (status = 403), (status = 404)),
    security(("bearer" = [])))]
pub async fn unlink(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let actor = principal.actor("admin");
    let work = async {
        let request: UnlinkRequest = json_body(&state, body)?;
        let key = request.key.to_key()?;
        let id = state.run(move |e| e.unlink(&key, &actor)).await?;
        Ok((
            EnterpriseRef {
                enterprise: id.as_str().to_owned(),
            },
            Vec::new(),
        ))
    };
    admin(&state, &principal, None, work).await
}

/// An enterprise identity with its golden record and members.
#[utoipa::path(get, path = "/admin/enterprises/{id}", tag = "identity",
    params(("id" = String, Path, description = "Enterprise id")),
    responses((status = 200, body = EnterpriseDto), (status = 401), (status = 403), (status = 404)),
    security(("bearer" = [])))]
pub async fn enterprise(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let work = async {
        let id = enterprise_id(&id)?;
        let lookup = id.clone();
        let view = state
            .run(move |e| e.enterprise(&lookup))
            .await?
            .ok_or_else(|| ApiError::not_found("unknown enterprise identity"))?;
        Ok((
            EnterpriseDto {
                id: view.id.as_str().to_owned(),
                golden: GoldenDto::from_record(&view.golden),
                members: view.members.iter().map(KeyDto::from_key).collect(),
            },
            vec![id],
        ))
    };
    admin(&state, &principal, Some("admin-read"), work).await
}

/// History of an enterprise identity, oldest first.
#[utoipa::path(get, path = "/admin/enterprises/{id}/history", tag = "identity",
    params(("id" = String, Path, description = "Enterprise id")),
    responses((status = 200, body = Vec<HistoryEventDto>), (status = 401), (status = 403), (status = 404)),
    security(("bearer" = [])))]
pub async fn history(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let work = async {
        let id = enterprise_id(&id)?;
        let lookup = id.clone();
        let events = state.run(move |e| e.history(&lookup)).await?;
        let dtos: Vec<HistoryEventDto> = events
            .iter()
            .map(|event| HistoryEventDto {
                seq: event.seq,
                at_ms: event.at_ms,
                kind: event.kind.clone(),
                keys: event.keys.iter().map(KeyDto::from_key).collect(),
                decision: event.decision.map(|d| d.0),
                who: event.actor.who.clone(),
                from: event.actor.from.clone(),
                channel: event.actor.channel.clone(),
            })
            .collect();
        Ok((dtos, vec![id]))
    };
    admin(&state, &principal, Some("admin-history"), work).await
}

/// A stored decision with its explanation.
#[utoipa::path(get, path = "/admin/decisions/{id}", tag = "review",
    params(("id" = u64, Path, description = "Decision id")),
    responses((status = 200, body = DecisionDto), (status = 401), (status = 403), (status = 404)),
    security(("bearer" = [])))]
pub async fn explain(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<u64>,
) -> Result<Response, ApiError> {
    let work = async {
        let decision = state
            .run(move |e| e.explain(DecisionId(id)))
            .await?
            .ok_or_else(|| ApiError::not_found("unknown decision"))?;
        Ok((
            DecisionDto {
                id: decision.id.0,
                pair: [
                    KeyDto::from_key(&decision.pair.0),
                    KeyDto::from_key(&decision.pair.1),
                ],
                model_version: decision.model_version.clone(),
                blocking_rule: decision.blocking_rule.clone(),
                decision: decision.decision.name().to_owned(),
                probability: decision.explanation.probability,
                match_weight: decision.explanation.match_weight,
                explanation: decision.explanation.render(),
                at_ms: decision.at_ms,
            },
            Vec::new(),
        ))
    };
    admin(&state, &principal, Some("admin-explain"), work).await
}

/// Audit records with `seq >= from`.
#[utoipa::path(get, path = "/admin/audit", tag = "audit", params(AuditParams),
    responses((status = 200, body = Vec<AuditRecordDto>), (status = 400), (status = 401), (status = 403)),
    security(("bearer" = [])))]
pub async fn audit(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Query(params): Query<AuditParams>,
) -> Result<Response, ApiError> {
    let work = async {
        let from = params.from.unwrap_or(0);
        let n = limit(params.limit);
        let records = state.run(move |e| e.audit_records(from, n)).await?;
        let dtos: Vec<AuditRecordDto> = records
            .into_iter()
            .map(|r| AuditRecordDto {
                seq: r.seq,
                at_ms: r.at_ms,
                who: r.actor.who,
                from: r.actor.from,
                channel: r.actor.channel,
                action: r.action,
                outcome: r.outcome,
                subjects: r.subjects,
                hash: r.hash,
            })
            .collect();
        Ok((dtos, Vec::new()))
    };
    admin(&state, &principal, Some("audit-read"), work).await
}

/// Verifies the audit hash chain, from the retention anchor when old records were pruned.
#[utoipa::path(get, path = "/admin/audit/verify", tag = "audit",
    responses((status = 200, body = AuditVerifyDto), (status = 401), (status = 403)),
    security(("bearer" = [])))]
pub async fn audit_verify(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> Result<Response, ApiError> {
    let work = async {
        let check = state.run(|e| e.check_audit_chain()).await?;
        let (valid, seq) = match check.result {
            Ok(seq) => (true, seq),
            Err(seq) => (false, seq),
        };
        let anchor = check.anchor.map(|a| AuditAnchorDto {
            seq: a.seq,
            hash: a.hash,
            pruned_at_ms: a.pruned_at_ms,
            before_ms: a.before_ms,
        });
        let dto = AuditVerifyDto { valid, seq, anchor };
        Ok((dto, Vec::new()))
    };
    admin(&state, &principal, Some("audit-verify"), work).await
}

/// Engine counts.
#[utoipa::path(get, path = "/admin/stats", tag = "operations",
    responses((status = 200, body = StatsDto), (status = 401), (status = 403)),
    security(("bearer" = [])))]
pub async fn stats(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> Result<Response, ApiError> {
    let work = async {
        let (stats, model_version) = state.run(|e| Ok((e.stats()?, e.model_version()))).await?;
        Ok((
            StatsDto {
                sources: stats.sources,
                enterprises: stats.enterprises,
                open_reviews: stats.open_reviews,
                pending_notifications: stats.pending_notifications,
                model_version,
            },
            Vec::new(),
        ))
    };
    admin(&state, &principal, None, work).await
}

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The OpenAPI description of the admin API.
#[derive(OpenApi)]
#[openapi(
    info(title = "Vigie admin API", description = "Identity-vigilance operations on the Vigie MPI. FHIR endpoints are described by /fhir/metadata."),
    paths(review_list, review_resolve, merge, unmerge, link, unlink, enterprise, history, explain, audit, audit_verify, stats),
    modifiers(&BearerScheme),
    tags((name = "review"), (name = "identity"), (name = "audit"), (name = "operations"))
)]
pub struct AdminApi;
