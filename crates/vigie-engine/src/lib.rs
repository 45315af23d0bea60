//! The MPI use cases the server and the CLI call (`vigie-engine`).
//!
//! One [`Engine`] per data directory, shared by reference (`Arc<Engine>`; all methods take
//! `&self` and are blocking: async callers use `spawn_blocking`). Every mutation commits in ONE
//! atomic store write: the change, its history event, its audit record, its index-outbox entry and
//! its notification-outbox entry. A method returns only after that write is durable (per the
//! configured [`SyncPolicy`]).
//!
//! Identity of a registration: a [`SourceKey`] (assigning-authority domain + local id, the IPP).
//! Each source identity belongs to exactly one enterprise identity ([`EnterpriseId`]) at any time.

use std::path::PathBuf;
use std::sync::Arc;

mod admin;
mod audit;
mod convert;
mod gate;
mod ops;
mod prep;
mod query;
mod terms;

pub use audit::{AccessSync, AuditAnchor, AuditPrune, AuditVerification};
pub use ops::{FLAG_DOUBLON, FLAG_INS_COLLISION, FLAG_LINK_REFUSED, FLAG_UPDATE_CONFLICT};
pub use query::{DEFAULT_LIMIT, MAX_QUERY_CANDIDATES};

pub use vigie_core::ids::{DomainId, EnterpriseId, LocalId, RecordId};
use vigie_core::ins::Ins;
use vigie_core::matching::model::{Decision, Explanation, Model};
use vigie_core::record::IdentityRecord;
use vigie_store::{Store, StoreOptions};

use convert::{actor_of, explanation_of};

/// A source identity's key: the domain (assigning authority) and the local id in it.
pub use vigie_store::SourceKey;

/// Durability of acknowledged writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SyncPolicy {
    /// fsync the WAL before a mutation returns (group commit across concurrent writers allowed).
    #[default]
    Always,
    /// No fsync (tests, bulk loads that are re-run on failure).
    Never,
}

/// How an engine is opened.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Directory of the RocksDB store and the tantivy index (created when missing).
    pub data_dir: PathBuf,
    /// Model used to score candidates; `None`: the model stored in the data dir, else the
    /// default model of `vigie-core`.
    pub model: Option<Model>,
    /// Durability of acknowledged writes.
    pub sync: SyncPolicy,
    /// Max candidates fetched from the index per registration or query.
    pub candidate_limit: usize,
    /// RocksDB block cache in MiB (0: `vigie_store::DEFAULT_CACHE_MB`).
    pub cache_mb: usize,
}

/// Who asks, from where, through what: recorded in the audit trail with every mutation and query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// Authenticated principal (organisation / client id / user).
    pub who: String,
    /// Network origin (address) or `cli`.
    pub from: String,
    /// Channel: `mllp`, `fhir`, `admin`, `cli`.
    pub channel: String,
}

/// Errors of the engine: callers branch on [`EngineError::kind`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// Bad input (what and where, never patient values).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The addressed thing does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// The request contradicts the current state (e.g. A47 onto an id owned by another patient).
    #[error("conflict: {0}")]
    Conflict(String),
    /// Storage unavailable or I/O failure.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// A broken invariant or corrupt data.
    #[error("internal error: {0}")]
    Internal(String),
}

/// Coarse class of an [`EngineError`], mapped to HTTP statuses / HL7 ACK codes by the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// See [`EngineError::InvalidInput`].
    InvalidInput,
    /// See [`EngineError::NotFound`].
    NotFound,
    /// See [`EngineError::Conflict`].
    Conflict,
    /// See [`EngineError::Unavailable`].
    Unavailable,
    /// See [`EngineError::Internal`].
    Internal,
}

impl EngineError {
    /// The class of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            EngineError::InvalidInput(_) => ErrorKind::InvalidInput,
            EngineError::NotFound(_) => ErrorKind::NotFound,
            EngineError::Conflict(_) => ErrorKind::Conflict,
            EngineError::Unavailable(_) => ErrorKind::Unavailable,
            EngineError::Internal(_) => ErrorKind::Internal,
        }
    }
}

/// Id of a stored decision (one scored candidate pair at registration, or a manual action).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DecisionId(pub u64);

/// Id of a review-queue item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReviewId(pub u64);

/// Id of a merge (A40), used to unmerge it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MergeId(pub u64);

/// What `register` did with a source identity.
#[derive(Debug, Clone, PartialEq)]
pub enum LinkOutcome {
    /// Linked to an existing enterprise identity (auto-link band, or certain INS match).
    Linked,
    /// A new enterprise identity was created.
    Created,
    /// A new enterprise identity was created and a review item opened against candidates.
    CreatedPendingReview(ReviewId),
    /// An update: the source stayed on its enterprise identity.
    Unchanged,
    /// An update: the source stayed on its enterprise identity, and a review item was opened
    /// against a candidate of another identity that the new version now resembles.
    UnchangedPendingReview(ReviewId),
}

/// Result of [`Engine::register`].
#[derive(Debug, Clone, PartialEq)]
pub struct RegisterOutcome {
    /// The source key registered.
    pub key: SourceKey,
    /// Its enterprise identity after the registration.
    pub enterprise: EnterpriseId,
    /// What happened.
    pub outcome: LinkOutcome,
    /// True when the key already existed (an update, A08 / PUT).
    pub updated: bool,
    /// The decisions stored for the scored candidates (best first).
    pub decisions: Vec<DecisionId>,
    /// Identity-vigilance flags raised (INS collision, doublon…).
    pub flags: Vec<String>,
}

/// A demographic query (PDQ / PDQm): every field optional, at least one required.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchQuery {
    /// Family name (birth or used), matched approximately.
    pub family: Option<String>,
    /// Given name, matched approximately.
    pub given: Option<String>,
    /// Birth date.
    pub birth_date: Option<vigie_core::date::PartialDate>,
    /// Sex.
    pub sex: Option<vigie_core::sex::Sex>,
    /// An identifier: (domain, local id) or INS.
    pub identifier: Option<SourceKey>,
    /// INS matricule.
    pub ins: Option<String>,
    /// Birthplace INSEE code.
    pub birth_place: Option<String>,
    /// Postcode / city fragments.
    pub postcode: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Only return identifiers of these domains (empty: all).
    pub domains: Vec<DomainId>,
    /// Maximum number of hits.
    pub limit: usize,
}

/// One hit of a search or match: an enterprise identity, its golden record, its source keys.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    /// The enterprise identity.
    pub enterprise: EnterpriseId,
    /// Score in [0, 1] (match probability for `match_identity`, relevance for `search`).
    pub score: f64,
    /// Band of the score under the model.
    pub decision: Decision,
    /// Golden record.
    pub golden: IdentityRecord,
    /// Source keys of the enterprise identity (filtered by the query's domains).
    pub keys: Vec<SourceKey>,
}

/// PIX answer: the identifiers of the same enterprise identity in the requested domains.
#[derive(Debug, Clone, PartialEq)]
pub struct CrossReference {
    /// Enterprise identity of the source key.
    pub enterprise: EnterpriseId,
    /// Other keys (excluding the queried one), filtered by target domains when given.
    pub keys: Vec<SourceKey>,
    /// Usable INS of the identity, if any (qualified).
    pub ins: Option<Ins>,
}

/// A source identity as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceView {
    /// Key.
    pub key: SourceKey,
    /// Current enterprise identity.
    pub enterprise: EnterpriseId,
    /// The record as last registered.
    pub record: IdentityRecord,
    /// When merged away (A40), the surviving key.
    pub merged_into: Option<SourceKey>,
}

/// An enterprise identity with its golden record and members.
#[derive(Debug, Clone, PartialEq)]
pub struct EnterpriseView {
    /// Id.
    pub id: EnterpriseId,
    /// Golden record (survivorship documented in ARCHITECTURE.md).
    pub golden: IdentityRecord,
    /// Active source keys.
    pub members: Vec<SourceKey>,
}

/// A stored decision with its explanation.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredDecision {
    /// Id.
    pub id: DecisionId,
    /// The two source keys.
    pub pair: (SourceKey, SourceKey),
    /// Model version used.
    pub model_version: String,
    /// Blocking rule / index field that produced the candidate (or `manual`).
    pub blocking_rule: String,
    /// Final band after French rules.
    pub decision: Decision,
    /// Per-field contributions.
    pub explanation: Explanation,
    /// Unix time in milliseconds.
    pub at_ms: u64,
}

/// An open (or resolved) review item: a pair in the review band.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewItem {
    /// Id.
    pub id: ReviewId,
    /// The decision behind it.
    pub decision: DecisionId,
    /// The pair.
    pub pair: (SourceKey, SourceKey),
    /// Match probability.
    pub probability: f64,
    /// Reason (rule hit or band).
    pub reason: String,
}

/// How a reviewer resolves a review item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// Same person: link the two source identities.
    Link,
    /// Different persons: remember it, never auto-link this pair.
    Separate,
}

/// One history event of an enterprise identity.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEvent {
    /// Monotonic sequence number of the event in the store.
    pub seq: u64,
    /// Unix time in milliseconds.
    pub at_ms: u64,
    /// Kind: `registered`, `updated`, `linked`, `unlinked`, `merged`, `unmerged`, `id-changed`, `review-resolved`…
    pub kind: String,
    /// Keys involved.
    pub keys: Vec<SourceKey>,
    /// Decision behind it, if any.
    pub decision: Option<DecisionId>,
    /// Who did it.
    pub actor: Actor,
}

/// A notification for PIX update consumers (ITI-10): the identifiers of an enterprise identity
/// changed. Kept in a durable outbox until acknowledged.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    /// Sequence number in the outbox.
    pub seq: u64,
    /// Enterprise identity whose cross-references changed.
    pub enterprise: EnterpriseId,
    /// Its keys now (empty when it disappeared).
    pub keys: Vec<SourceKey>,
}

/// An audit-trail entry for an access that is not a mutation (query, read, denial).
#[derive(Debug, Clone, PartialEq)]
pub struct AccessRecord {
    /// Who.
    pub actor: Actor,
    /// What: `pix-query`, `pdq-query`, `fhir-read`, `match`, `denied`…
    pub action: String,
    /// Outcome: `ok`, `not-found`, `denied`, `error`.
    pub outcome: String,
    /// Enterprise identities returned.
    pub patients: Vec<EnterpriseId>,
}

/// One audit-trail record as stored (hash-chained).
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    /// Sequence number.
    pub seq: u64,
    /// Unix time in milliseconds.
    pub at_ms: u64,
    /// Who, from where.
    pub actor: Actor,
    /// What.
    pub action: String,
    /// Outcome.
    pub outcome: String,
    /// Enterprise identities / keys concerned (ids only).
    pub subjects: Vec<String>,
    /// SHA-256 (hex) of the previous record's hash and this record's content.
    pub hash: String,
}

/// Result of the consistency check store ↔ index ↔ links.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VerifyReport {
    /// Source identities checked.
    pub sources: u64,
    /// Enterprise identities checked.
    pub enterprises: u64,
    /// Problems found (ids only).
    pub problems: Vec<String>,
}

/// Counts for metrics and `/ready`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Stats {
    /// Active source identities.
    pub sources: u64,
    /// Enterprise identities.
    pub enterprises: u64,
    /// Open review items.
    pub open_reviews: u64,
    /// Pending notifications.
    pub pending_notifications: u64,
}

/// Default [`EngineConfig::candidate_limit`].
pub const DEFAULT_CANDIDATE_LIMIT: usize = 100;

impl EngineConfig {
    /// A configuration with the defaults: stored (or default) model, fsync on every write,
    /// [`DEFAULT_CANDIDATE_LIMIT`] candidates.
    pub fn new(data_dir: impl Into<PathBuf>) -> EngineConfig {
        EngineConfig {
            data_dir: data_dir.into(),
            model: None,
            sync: SyncPolicy::Always,
            candidate_limit: DEFAULT_CANDIDATE_LIMIT,
            cache_mb: 0,
        }
    }
}

/// The MPI: a store of record, its candidate index and the matching model.
///
/// # Concurrency
/// All methods take `&self`. Every mutation (register, link, merge…) runs inside one store
/// write transaction: one writer lock around "read candidates → decide → write batch", so two
/// concurrent registrations of one new person are decided one after the other and the second
/// links to the first (the index overlay makes a write searchable as soon as it is committed to
/// RocksDB). Reads (search, PIX, views) run outside the lock. The WAL fsync is done after the
/// lock is released and shared by concurrent writers (group commit); a call returns only after
/// its own write is durable under [`SyncPolicy::Always`]. Access records
/// ([`Engine::record_access`]) are group-committed: concurrent calls share one transaction and
/// one fsync (see the `audit` module), and each returns once its record is durable.
///
/// # Golden record (survivorship)
/// When a member of the enterprise identity is qualified (`QUAL`), the strict traits (birth
/// name, birth first names, birth date, sex, birthplace), the INS and the status come unaltered
/// from the most recently changed qualified member. Every other field — and the strict traits
/// when no member is qualified — takes the most recent non-empty value among the members.
///
/// # Linking
/// A new source joins the enterprise of its strongest auto-link candidate (certain INS matches
/// first) unless that enterprise holds a member separated from it (unlink, review) or a
/// contradicting usable INS or known sex; otherwise it gets a new enterprise identity, with a
/// review item against its best review-band candidate. An update keeps its enterprise unless
/// its new traits contradict the other members (then it is detached and flagged
/// [`FLAG_UPDATE_CONFLICT`]); a lone source whose update now auto-links joins the other identity.
pub struct Engine {
    store: Store,
    model: Model,
    candidate_limit: usize,
    access: audit::AccessLog,
    gate: gate::CpuGate,
}

fn model_json(model: &Model) -> Result<String, EngineError> {
    serde_json::to_string(&vigie_batch::model_file::ModelFile::from_model(model, None))
        .map_err(|e| EngineError::Internal(format!("model encoding: {e}")))
}

impl Engine {
    /// Opens (or creates) the store in `config.data_dir`; rebuilds the index when missing or
    /// corrupt; replays the index outbox.
    pub fn open(config: EngineConfig) -> Result<Engine, EngineError> {
        let options = StoreOptions {
            dir: config.data_dir.clone(),
            sync: config.sync == SyncPolicy::Always,
            terms: Arc::new(terms::record_terms),
            terms_version: terms::TERMS_VERSION,
            background_commit: true,
            cache_mb: config.cache_mb,
        };
        let (store, _report) = Store::open(options)?;
        let model = match config.model {
            Some(model) => {
                let json = model_json(&model)?;
                if store.model_json()?.as_deref() != Some(json.as_str()) {
                    store.set_model_json(&json)?;
                }
                model
            }
            None => match store.model_json()? {
                Some(json) => {
                    let file: vigie_batch::model_file::ModelFile = serde_json::from_str(&json)
                        .map_err(|_| EngineError::Internal("stored model is unreadable".into()))?;
                    file.to_model()
                        .map_err(|e| EngineError::Internal(format!("stored model: {e}")))?
                }
                None => Model::new(vigie_core::matching::model::default_parts())
                    .map_err(|e| EngineError::Internal(format!("default model: {e}")))?,
            },
        };
        Ok(Engine {
            store,
            model,
            candidate_limit: if config.candidate_limit == 0 {
                DEFAULT_CANDIDATE_LIMIT
            } else {
                config.candidate_limit
            },
            access: audit::AccessLog::default(),
            gate: gate::CpuGate::per_core(),
        })
    }

    pub(crate) fn candidate_limit(&self) -> usize {
        self.candidate_limit
    }

    /// The model in use.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The model version in use.
    pub fn model_version(&self) -> String {
        self.model.version().to_owned()
    }

    /// Registers or updates a source identity (A01/A04/A05/A08/A28/A31, FHIR PUT). The record's
    /// `source`/`local_id` must be set. Candidates from the index are scored with the model and the
    /// French rules: auto-link, review, or a new enterprise identity.
    pub fn register(
        &self,
        record: IdentityRecord,
        actor: &Actor,
    ) -> Result<RegisterOutcome, EngineError> {
        // A failed pre-scoring read is retried (and audited) on the locked path.
        let pre = {
            let _slot = self.gate.enter();
            self.prescore(&record).ok().flatten()
        };
        self.mutate(actor, "register", |engine, txn, actor, subjects| {
            engine.register_in(txn, record, pre, actor, subjects)
        })
    }

    /// Deactivates a source identity (FHIR DELETE). NotFound when unknown.
    pub fn remove(&self, key: &SourceKey, actor: &Actor) -> Result<(), EngineError> {
        self.mutate(actor, "remove", |engine, txn, actor, subjects| {
            engine.remove_in(txn, key, actor, subjects)
        })
    }

    /// A source identity, or `None` (removed or unknown; a key merged away is returned with
    /// its `merged_into`).
    pub fn source(&self, key: &SourceKey) -> Result<Option<SourceView>, EngineError> {
        Ok(self
            .store
            .source(key)?
            .filter(|r| r.active || r.merged_into.is_some())
            .map(|r| SourceView {
                key: key.clone(),
                enterprise: r.enterprise,
                record: r.record,
                merged_into: r.merged_into,
            }))
    }

    /// An enterprise identity, or `None` (unknown or retired).
    pub fn enterprise(&self, id: &EnterpriseId) -> Result<Option<EnterpriseView>, EngineError> {
        Ok(self
            .store
            .enterprise(id)?
            .filter(vigie_store::EnterpriseRow::is_active)
            .map(|r| EnterpriseView {
                id: id.clone(),
                golden: r.golden,
                members: r.members,
            }))
    }

    /// Demographic search (PDQ, PDQm), best first. Read-only (the caller audits the access).
    pub fn search(&self, query: &SearchQuery) -> Result<Vec<SearchHit>, EngineError> {
        let _slot = self.gate.enter();
        self.search_impl(query)
    }

    /// Scores a full identity against the MPI ($match), best first, at most `limit` hits, with
    /// the model's probability and band.
    pub fn match_identity(
        &self,
        probe: &IdentityRecord,
        limit: usize,
    ) -> Result<Vec<SearchHit>, EngineError> {
        let _slot = self.gate.enter();
        self.match_impl(probe, limit)
    }

    /// PIX: the keys of the key's enterprise identity in `target_domains` (all when empty).
    /// NotFound when the key is unknown. A key merged away (A40) is unknown.
    pub fn cross_reference(
        &self,
        key: &SourceKey,
        target_domains: &[DomainId],
    ) -> Result<CrossReference, EngineError> {
        let row = self
            .store
            .source(key)?
            .filter(|r| r.active)
            .ok_or_else(|| EngineError::NotFound("source identity".into()))?;
        let ent = self.store.enterprise(&row.enterprise)?.ok_or_else(|| {
            EngineError::Internal(format!("enterprise {} is missing", row.enterprise))
        })?;
        let keys = ent
            .members
            .iter()
            .filter(|k| *k != key)
            .filter(|k| target_domains.is_empty() || target_domains.contains(&k.domain))
            .cloned()
            .collect();
        let ins = ent
            .golden
            .ins
            .clone()
            .filter(|_| ent.golden.state.ins_usable());
        Ok(CrossReference {
            enterprise: row.enterprise,
            keys,
            ins,
        })
    }

    /// Manually links two source identities (their enterprise identities are joined).
    pub fn link(
        &self,
        a: &SourceKey,
        b: &SourceKey,
        actor: &Actor,
    ) -> Result<EnterpriseId, EngineError> {
        self.mutate(actor, "link", |engine, txn, actor, subjects| {
            engine.link_in(txn, a, b, actor, subjects)
        })
    }

    /// Manually unlinks a source identity from its enterprise identity: it gets a new one, and
    /// the pairs it formed with the former members are remembered as separate (never auto-linked
    /// again).
    pub fn unlink(&self, key: &SourceKey, actor: &Actor) -> Result<EnterpriseId, EngineError> {
        self.mutate(actor, "unlink", |engine, txn, actor, subjects| {
            engine.unlink_in(txn, key, actor, subjects)
        })
    }

    /// A40 merge within one domain: `merged` is retired into `surviving`. When `surviving` is
    /// unknown, the merged identity is renamed (change of id). Returns the merge id for unmerge.
    pub fn merge(
        &self,
        surviving: &SourceKey,
        merged: &SourceKey,
        actor: &Actor,
    ) -> Result<MergeId, EngineError> {
        self.mutate(actor, "merge", |engine, txn, actor, subjects| {
            engine.merge_in(txn, surviving, merged, actor, subjects)
        })
    }

    /// Undoes a merge, restoring exactly the state before it (records, links, enterprise ids).
    /// Conflict when the identities it touched changed since.
    pub fn unmerge(&self, merge: MergeId, actor: &Actor) -> Result<(), EngineError> {
        self.mutate(actor, "unmerge", |engine, txn, actor, subjects| {
            engine.unmerge_in(txn, merge, actor, subjects)
        })
    }

    /// A47: changes a local id. Conflict when `new` is owned by another patient.
    pub fn change_local_id(
        &self,
        old: &SourceKey,
        new: &SourceKey,
        actor: &Actor,
    ) -> Result<(), EngineError> {
        self.mutate(actor, "change-id", |engine, txn, actor, subjects| {
            engine.change_local_id_in(txn, old, new, actor, subjects)
        })
    }

    /// Open review items, oldest first.
    pub fn review_list(&self, limit: usize) -> Result<Vec<ReviewItem>, EngineError> {
        Ok(self
            .store
            .open_reviews(limit)?
            .into_iter()
            .map(|(id, r)| ReviewItem {
                id: ReviewId(id),
                decision: DecisionId(r.decision),
                pair: r.pair,
                probability: r.probability,
                reason: r.reason,
            })
            .collect())
    }

    /// Resolves a review item.
    pub fn review_resolve(
        &self,
        id: ReviewId,
        resolution: Resolution,
        actor: &Actor,
    ) -> Result<(), EngineError> {
        self.mutate(actor, "review-resolve", |engine, txn, actor, subjects| {
            engine.review_resolve_in(txn, id, resolution, actor, subjects)
        })
    }

    /// History of an enterprise identity, oldest first (including events of identities merged
    /// into it).
    pub fn history(&self, id: &EnterpriseId) -> Result<Vec<HistoryEvent>, EngineError> {
        let mut ids = vec![id.clone()];
        let mut i = 0;
        while let Some(current) = ids.get(i).cloned() {
            i += 1;
            if let Some(row) = self.store.enterprise(&current)? {
                for absorbed in row.absorbed {
                    if !ids.contains(&absorbed) {
                        ids.push(absorbed);
                    }
                }
            }
        }
        let mut rows = Vec::new();
        for e in &ids {
            rows.extend(self.store.history(e)?);
        }
        rows.sort_by_key(|r| r.seq);
        rows.dedup_by_key(|r| r.seq);
        Ok(rows
            .into_iter()
            .map(|r| HistoryEvent {
                seq: r.seq,
                at_ms: r.at_ms,
                kind: r.kind,
                keys: r.keys,
                decision: r.decision.map(DecisionId),
                actor: actor_of(&r.actor),
            })
            .collect())
    }

    /// A stored decision with its explanation.
    pub fn explain(&self, id: DecisionId) -> Result<Option<StoredDecision>, EngineError> {
        let Some(row) = self.store.decision(id.0)? else {
            return Ok(None);
        };
        Ok(Some(StoredDecision {
            id,
            pair: row.pair,
            model_version: row.model_version,
            blocking_rule: row.blocking_rule,
            decision: convert::decision_from_name(&row.decision)?,
            explanation: explanation_of(&row.explanation, &self.model)?,
            at_ms: row.at_ms,
        }))
    }

    /// Sets when access records are durable relative to the reply ([`AccessSync`]; the
    /// default is [`AccessSync::BeforeReply`]).
    pub fn set_access_sync(&self, sync: AccessSync) {
        self.access.set_sync(sync);
    }

    /// Records a non-mutating access (query, read, denial) in the audit trail. Concurrent calls
    /// share one transaction and one WAL fsync (group commit, in call order); each returns once
    /// its own record is durable (under [`SyncPolicy::Always`]).
    pub fn record_access(&self, access: AccessRecord) -> Result<(), EngineError> {
        self.access.record(&self.store, access)
    }

    /// Audit records with `seq >= from`, at most `limit`.
    pub fn audit_records(&self, from: u64, limit: usize) -> Result<Vec<AuditRecord>, EngineError> {
        Ok(self
            .store
            .audit_rows(from, limit)?
            .into_iter()
            .map(|r| AuditRecord {
                seq: r.seq,
                at_ms: r.at_ms,
                actor: actor_of(&r.actor),
                action: r.action,
                outcome: r.outcome,
                subjects: r.subjects,
                hash: r.hash,
            })
            .collect())
    }

    /// Verifies the audit hash chain (from the retention anchor, when records were pruned);
    /// `Ok(last seq)`, or `Err(seq)` inside `Ok` at the first broken record.
    pub fn verify_audit_chain(&self) -> Result<Result<u64, u64>, EngineError> {
        Ok(self.store.verify_audit_chain()?)
    }

    /// Notifications with `seq > after`, at most `limit` (ITI-10 outbox).
    pub fn notifications(
        &self,
        after: u64,
        limit: usize,
    ) -> Result<Vec<Notification>, EngineError> {
        Ok(self
            .store
            .notifications(after, limit)?
            .into_iter()
            .map(|n| Notification {
                seq: n.seq,
                enterprise: n.enterprise,
                keys: n.keys,
            })
            .collect())
    }

    /// Acknowledges (deletes) notifications up to `seq` included.
    pub fn ack_notifications(&self, up_to: u64) -> Result<(), EngineError> {
        let mut txn = self.store.begin();
        txn.ack_notifications(up_to)?;
        txn.commit()?;
        Ok(())
    }

    /// Bulk load: dedupes the records with the batch engine and writes store and index in bulk.
    /// Into an empty store only; into a non-empty one, the records are registered one by one.
    pub fn import(
        &self,
        records: Vec<IdentityRecord>,
        actor: &Actor,
    ) -> Result<Stats, EngineError> {
        self.import_impl(records, actor)
    }

    /// Store ↔ index ↔ links consistency.
    pub fn verify(&self) -> Result<VerifyReport, EngineError> {
        self.verify_impl()
    }

    /// Rebuilds the candidate index from the store.
    pub fn rebuild_index(&self) -> Result<(), EngineError> {
        self.store.rebuild_index()?;
        Ok(())
    }

    /// Counts.
    pub fn stats(&self) -> Result<Stats, EngineError> {
        let c = self.store.counters();
        Ok(Stats {
            sources: c.sources_active,
            enterprises: c.enterprises_active,
            open_reviews: c.open_reviews,
            pending_notifications: c.pending_notifications,
        })
    }

    /// All active source identities with their enterprise id (export), in key order.
    pub fn export(&self, visit: &mut dyn FnMut(&SourceView)) -> Result<u64, EngineError> {
        let mut n = 0u64;
        self.store.for_each_source(&mut |key, row| {
            if row.active {
                n += 1;
                visit(&SourceView {
                    key,
                    enterprise: row.enterprise,
                    record: row.record,
                    merged_into: None,
                });
            }
            Ok(true)
        })?;
        Ok(n)
    }

    /// Commits pending index writes now (they are committed every few hundred milliseconds
    /// anyway; searches see them before).
    pub fn flush_index(&self) -> Result<(), EngineError> {
        self.store.flush_index()?;
        Ok(())
    }

    /// The underlying store (tools, tests).
    pub fn store(&self) -> &Store {
        &self.store
    }
}

#[allow(dead_code)]
fn _assert_send_sync() {
    fn check<T: Send + Sync>() {}
    check::<Engine>();
}
