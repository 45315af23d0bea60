//! The rows of the column families, as the engine reads and writes them. Their encoding (see
//! `codec`) is private to this crate; the field names here are the storage vocabulary.

use serde::{Deserialize, Serialize};
use vigie_core::ids::EnterpriseId;
use vigie_core::record::IdentityRecord;

use crate::SourceKey;
use crate::codec::{ent_serde, ents_serde, opt_ent_serde, record_serde};

/// A source identity (`sources` column family, keyed by domain + local id).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceRow {
    /// The record as last registered.
    #[serde(with = "record_serde")]
    pub record: IdentityRecord,
    /// Its enterprise identity (the last one while inactive).
    #[serde(with = "ent_serde")]
    pub enterprise: EnterpriseId,
    /// Active (not removed, not merged away). Only active sources are indexed and counted.
    pub active: bool,
    /// When merged away (A40): the surviving key.
    #[serde(default)]
    pub merged_into: Option<SourceKey>,
    /// Unix time (ms) of the last change of the record.
    pub updated_ms: u64,
    /// Store revision of the last change of the record (orders recency for survivorship).
    pub rev: u64,
}

/// An enterprise identity (`enterprises` column family, keyed by id). Membership is the sorted
/// `members` list; the source row holds the reverse link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnterpriseRow {
    /// Golden record.
    #[serde(with = "record_serde")]
    pub golden: IdentityRecord,
    /// Active source keys, sorted. Empty: the identity is retired.
    pub members: Vec<SourceKey>,
    /// Identity it was absorbed into when retired by a link or merge.
    #[serde(default, with = "opt_ent_serde")]
    pub retired_into: Option<EnterpriseId>,
    /// Identities absorbed into this one (their history is part of this one's).
    #[serde(default, with = "ents_serde")]
    pub absorbed: Vec<EnterpriseId>,
    /// Identity-vigilance flags.
    #[serde(default)]
    pub flags: Vec<String>,
    /// Unix time (ms) of creation.
    pub created_ms: u64,
}

impl EnterpriseRow {
    /// True while the identity has members.
    pub fn is_active(&self) -> bool {
        !self.members.is_empty()
    }
}

/// Who acted, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ActorRow {
    /// Principal.
    pub who: String,
    /// Origin.
    pub from: String,
    /// Channel.
    pub channel: String,
}

/// One field of a stored explanation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldRow {
    /// Comparison name.
    pub comparison: String,
    /// Level (None: missing).
    pub level: Option<u8>,
    /// m of the level.
    pub m: Option<f64>,
    /// u of the level.
    pub u: Option<f64>,
    /// Weight (bits).
    pub weight: f64,
    /// Term-frequency adjustment (bits).
    pub tf_adjustment: f64,
}

/// A stored explanation (the waterfall).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExplanationRow {
    /// Model version.
    pub model_version: String,
    /// Prior weight.
    pub prior_weight: f64,
    /// Per-field contributions.
    pub fields: Vec<FieldRow>,
    /// Names compared swapped.
    pub names_swapped: bool,
    /// Match weight.
    pub match_weight: f64,
    /// Probability.
    pub probability: f64,
    /// Band of the weight (name).
    pub band: String,
    /// French rule (name).
    pub rule: Option<String>,
    /// Final decision (name).
    pub decision: String,
}

/// A scored pair or a manual action (`decisions`, keyed by id).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionRow {
    /// The new (or probed) source first, the candidate second.
    pub pair: (SourceKey, SourceKey),
    /// Model version.
    pub model_version: String,
    /// Blocking rule / index field behind the candidate, or `manual`.
    pub blocking_rule: String,
    /// Final decision (name).
    pub decision: String,
    /// Explanation.
    pub explanation: ExplanationRow,
    /// Unix time (ms).
    pub at_ms: u64,
}

/// A review item (`reviews`, keyed by id).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewRow {
    /// Decision behind it.
    pub decision: u64,
    /// The pair.
    pub pair: (SourceKey, SourceKey),
    /// Probability.
    pub probability: f64,
    /// Reason.
    pub reason: String,
    /// Still open.
    pub open: bool,
    /// How it was resolved (`link`, `separate`, `obsolete`).
    pub resolution: Option<String>,
    /// Unix time (ms) of creation.
    pub created_ms: u64,
}

/// Before and after images of the rows a merge changed (`merges`, keyed by id): unmerge writes
/// the before images back when the rows still equal the after images.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MergeRow {
    /// Surviving key.
    pub surviving: SourceKey,
    /// Merged key.
    pub merged: SourceKey,
    /// Source rows before (None: absent).
    pub sources_before: Vec<(SourceKey, Option<SourceRow>)>,
    /// Source rows after.
    pub sources_after: Vec<(SourceKey, Option<SourceRow>)>,
    /// Enterprise rows before.
    pub enterprises_before: Vec<(String, Option<EnterpriseRow>)>,
    /// Enterprise rows after.
    pub enterprises_after: Vec<(String, Option<EnterpriseRow>)>,
    /// Undone by an unmerge.
    pub undone: bool,
    /// Unix time (ms).
    pub at_ms: u64,
}

/// A pair remembered as two different persons (`separations`, keyed by both orders).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeparationRow {
    /// Unix time (ms).
    pub at_ms: u64,
    /// Why (`unlink`, `review`).
    pub reason: String,
}

/// A history event (`history`, keyed by enterprise id + seq).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryRow {
    /// Sequence number (store-wide).
    pub seq: u64,
    /// Unix time (ms).
    pub at_ms: u64,
    /// Kind.
    pub kind: String,
    /// Keys involved.
    pub keys: Vec<SourceKey>,
    /// Decision behind it.
    pub decision: Option<u64>,
    /// Who.
    pub actor: ActorRow,
}

/// An audit record (`audit`, keyed by seq), hash-chained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRow {
    /// Sequence number (1, 2, …, no gaps).
    pub seq: u64,
    /// Unix time (ms).
    pub at_ms: u64,
    /// Who.
    pub actor: ActorRow,
    /// What.
    pub action: String,
    /// Outcome.
    pub outcome: String,
    /// Ids concerned.
    pub subjects: Vec<String>,
    /// SHA-256 hex of the previous hash and this record's content.
    pub hash: String,
}

/// Where the audit chain starts after a retention prune (`meta`/`audit_anchor`): the seq and
/// hash of the last deleted record. The first kept record chains from this hash, and the last
/// `audit-prune` record of the trail names this seq and hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditAnchor {
    /// Seq of the last pruned record (every record up to it was deleted).
    pub seq: u64,
    /// Its hash.
    pub hash: String,
    /// Unix time (ms) of the prune.
    pub pruned_at_ms: u64,
    /// The cutoff of the prune: records older than this (ms) were deleted.
    pub before_ms: u64,
}

/// A notification (`notifications`, keyed by seq).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotificationRow {
    /// Sequence number.
    pub seq: u64,
    /// Enterprise identity.
    #[serde(with = "ent_serde")]
    pub enterprise: EnterpriseId,
    /// Its keys now.
    pub keys: Vec<SourceKey>,
}

/// Counters and chain head (`meta`/`counters`), written with every mutation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Counters {
    /// Last store revision (one per committed transaction).
    pub rev: u64,
    /// Last enterprise number.
    pub enterprise: u64,
    /// Last decision id.
    pub decision: u64,
    /// Last review id.
    pub review: u64,
    /// Last merge id.
    pub merge: u64,
    /// Last history seq.
    pub history: u64,
    /// Last audit seq.
    pub audit: u64,
    /// Hash of the last audit record.
    pub audit_head: String,
    /// Last index-outbox seq.
    pub index_outbox: u64,
    /// Last notification seq.
    pub notification: u64,
    /// Active sources.
    pub sources_active: u64,
    /// Active enterprises.
    pub enterprises_active: u64,
    /// Open reviews.
    pub open_reviews: u64,
    /// Notifications not acknowledged.
    pub pending_notifications: u64,
}
