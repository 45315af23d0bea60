//! INTERFACE STUB — the MPI use cases the server and the CLI call (`vigie-engine`).
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

pub use vigie_core::ids::{DomainId, EnterpriseId, LocalId, RecordId};
use vigie_core::ins::Ins;
use vigie_core::matching::model::{Decision, Explanation, Model};
use vigie_core::record::IdentityRecord;

/// A source identity's key: the domain (assigning authority) and the local id in it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourceKey {
    /// Assigning authority.
    pub domain: DomainId,
    /// Local id (IPP) within the domain.
    pub local_id: LocalId,
}

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

/// The MPI.
pub struct Engine {
    _private: (),
}

impl Engine {
    /// Opens (or creates) the store in `config.data_dir`; rebuilds the index when missing or
    /// corrupt; replays the index outbox.
    pub fn open(config: EngineConfig) -> Result<Engine, EngineError> {
        let _ = config;
        unimplemented!("interface stub")
    }
    /// The model version in use.
    pub fn model_version(&self) -> String {
        unimplemented!("interface stub")
    }
    /// Registers or updates a source identity (A01/A04/A05/A08/A28/A31, FHIR PUT). The record's
    /// `source`/`local_id` must be set. Candidates from the index are scored with the model and the
    /// French rules: auto-link, review, or a new enterprise identity.
    pub fn register(
        &self,
        record: IdentityRecord,
        actor: &Actor,
    ) -> Result<RegisterOutcome, EngineError> {
        let _ = (record, actor);
        unimplemented!("interface stub")
    }
    /// Deactivates a source identity (FHIR DELETE). NotFound when unknown.
    pub fn remove(&self, key: &SourceKey, actor: &Actor) -> Result<(), EngineError> {
        let _ = (key, actor);
        unimplemented!("interface stub")
    }
    /// A source identity, or `None`.
    pub fn source(&self, key: &SourceKey) -> Result<Option<SourceView>, EngineError> {
        let _ = key;
        unimplemented!("interface stub")
    }
    /// An enterprise identity, or `None`.
    pub fn enterprise(&self, id: &EnterpriseId) -> Result<Option<EnterpriseView>, EngineError> {
        let _ = id;
        unimplemented!("interface stub")
    }
    /// Demographic search (PDQ, PDQm), best first. Read-only (the caller audits the access).
    pub fn search(&self, query: &SearchQuery) -> Result<Vec<SearchHit>, EngineError> {
        let _ = query;
        unimplemented!("interface stub")
    }
    /// Scores a full identity against the MPI ($match), best first, at most `limit` hits, with
    /// the model's probability and band.
    pub fn match_identity(
        &self,
        probe: &IdentityRecord,
        limit: usize,
    ) -> Result<Vec<SearchHit>, EngineError> {
        let _ = (probe, limit);
        unimplemented!("interface stub")
    }
    /// PIX: the keys of the key's enterprise identity in `target_domains` (all when empty).
    /// NotFound when the key is unknown. A key merged away (A40) is unknown.
    pub fn cross_reference(
        &self,
        key: &SourceKey,
        target_domains: &[DomainId],
    ) -> Result<CrossReference, EngineError> {
        let _ = (key, target_domains);
        unimplemented!("interface stub")
    }
    /// Manually links two source identities (their enterprise identities are joined).
    pub fn link(
        &self,
        a: &SourceKey,
        b: &SourceKey,
        actor: &Actor,
    ) -> Result<EnterpriseId, EngineError> {
        let _ = (a, b, actor);
        unimplemented!("interface stub")
    }
    /// Manually unlinks a source identity from its enterprise identity: it gets a new one, and
    /// the pairs it formed with the former members are remembered as separate (never auto-linked
    /// again).
    pub fn unlink(&self, key: &SourceKey, actor: &Actor) -> Result<EnterpriseId, EngineError> {
        let _ = (key, actor);
        unimplemented!("interface stub")
    }
    /// A40 merge within one domain: `merged` is retired into `surviving`. When `surviving` is
    /// unknown, the merged identity is renamed (change of id). Returns the merge id for unmerge.
    pub fn merge(
        &self,
        surviving: &SourceKey,
        merged: &SourceKey,
        actor: &Actor,
    ) -> Result<MergeId, EngineError> {
        let _ = (surviving, merged, actor);
        unimplemented!("interface stub")
    }
    /// Undoes a merge, restoring exactly the state before it (records, links, enterprise ids).
    pub fn unmerge(&self, merge: MergeId, actor: &Actor) -> Result<(), EngineError> {
        let _ = (merge, actor);
        unimplemented!("interface stub")
    }
    /// A47: changes a local id. Conflict when `new` is owned by another patient.
    pub fn change_local_id(
        &self,
        old: &SourceKey,
        new: &SourceKey,
        actor: &Actor,
    ) -> Result<(), EngineError> {
        let _ = (old, new, actor);
        unimplemented!("interface stub")
    }
    /// Open review items, oldest first.
    pub fn review_list(&self, limit: usize) -> Result<Vec<ReviewItem>, EngineError> {
        let _ = limit;
        unimplemented!("interface stub")
    }
    /// Resolves a review item.
    pub fn review_resolve(
        &self,
        id: ReviewId,
        resolution: Resolution,
        actor: &Actor,
    ) -> Result<(), EngineError> {
        let _ = (id, resolution, actor);
        unimplemented!("interface stub")
    }
    /// History of an enterprise identity, oldest first (including events of identities merged
    /// into it).
    pub fn history(&self, id: &EnterpriseId) -> Result<Vec<HistoryEvent>, EngineError> {
        let _ = id;
        unimplemented!("interface stub")
    }
    /// A stored decision with its explanation.
    pub fn explain(&self, id: DecisionId) -> Result<Option<StoredDecision>, EngineError> {
        let _ = id;
        unimplemented!("interface stub")
    }
    /// Records a non-mutating access (query, read, denial) in the audit trail.
    pub fn record_access(&self, access: AccessRecord) -> Result<(), EngineError> {
        let _ = access;
        unimplemented!("interface stub")
    }
    /// Audit records with `seq >= from`, at most `limit`.
    pub fn audit_records(&self, from: u64, limit: usize) -> Result<Vec<AuditRecord>, EngineError> {
        let _ = (from, limit);
        unimplemented!("interface stub")
    }
    /// Verifies the audit hash chain; `Err(seq)` inside `Ok` at the first broken record.
    pub fn verify_audit_chain(&self) -> Result<Result<u64, u64>, EngineError> {
        unimplemented!("interface stub")
    }
    /// Notifications with `seq > after`, at most `limit` (ITI-10 outbox).
    pub fn notifications(
        &self,
        after: u64,
        limit: usize,
    ) -> Result<Vec<Notification>, EngineError> {
        let _ = (after, limit);
        unimplemented!("interface stub")
    }
    /// Acknowledges (deletes) notifications up to `seq` included.
    pub fn ack_notifications(&self, up_to: u64) -> Result<(), EngineError> {
        let _ = up_to;
        unimplemented!("interface stub")
    }
    /// Bulk load: dedupes the records with the batch engine and writes store and index in bulk.
    pub fn import(
        &self,
        records: Vec<IdentityRecord>,
        actor: &Actor,
    ) -> Result<Stats, EngineError> {
        let _ = (records, actor);
        unimplemented!("interface stub")
    }
    /// Store ↔ index ↔ links consistency.
    pub fn verify(&self) -> Result<VerifyReport, EngineError> {
        unimplemented!("interface stub")
    }
    /// Rebuilds the candidate index from the store.
    pub fn rebuild_index(&self) -> Result<(), EngineError> {
        unimplemented!("interface stub")
    }
    /// Counts.
    pub fn stats(&self) -> Result<Stats, EngineError> {
        unimplemented!("interface stub")
    }
    /// All active source identities with their enterprise id (export), in key order.
    pub fn export(&self, visit: &mut dyn FnMut(&SourceView)) -> Result<u64, EngineError> {
        let _ = visit;
        unimplemented!("interface stub")
    }
}
