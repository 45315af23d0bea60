//! The audit computations: from the records, the reader's findings and the duplicate evidence
//! to an [`AuditReport`].
//!
//! Everything is linear in the number of records apart from sorts (grouping is done by sorting
//! indices on normalised keys, never by comparing all pairs); per-record work runs in parallel
//! with rayon. Within a group of records sharing a key, pairwise comparisons are bounded
//! ([`MAX_PAIRWISE`]).

use std::collections::BTreeMap;

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use vigie_batch::input::Input;
use vigie_core::ins::{InsError, InsFinding};
use vigie_core::record::{Field, FindingKind, IdentityRecord};
use vigie_core::status::IdentityStatus;

use crate::AuditError;
use crate::evidence::{Band, DuplicateEvidence};
use crate::names;
use crate::report::{
    Action, AuditReport, Collision, CollisionKind, Contribution, DoublonGroup, EvidenceSummary,
    FieldQuality, Headline, HomonymGroup, InputSummary, InsProblem, InsProblemKind, PotentialPair,
    Quality, QualityIssue, QualityIssueKind, RecordView, RepeatedPhone, SCHEMA, Settings,
    SourceQuality, SourceSummary, StatusCounts, VERSION, differing_fields,
};
use crate::traits::{Conflicts, RecordKeys, conflicts, outside_rniv};

/// Label of records without a source.
pub const NO_SOURCE: &str = "(none)";

/// Largest group in which every pair of records is compared; larger groups compare each record
/// with the first one only.
pub const MAX_PAIRWISE: usize = 16;

/// The fields whose presence the quality section measures, in report order.
pub const QUALITY_FIELDS: [Field; 17] = [
    Field::Source,
    Field::LocalId,
    Field::BirthName,
    Field::UsedName,
    Field::FirstNames,
    Field::UsedFirstName,
    Field::Sex,
    Field::BirthDate,
    Field::BirthPlaceCode,
    Field::Ins,
    Field::Address,
    Field::Postcode,
    Field::City,
    Field::Country,
    Field::Phone,
    Field::Email,
    Field::OtherId,
];

/// Options of [`audit`].
#[derive(Debug, Clone, PartialEq)]
pub struct AuditOptions {
    /// Timestamp written in the report (ISO 8601).
    pub generated_at: String,
    /// Name of the input file, as shown in the report.
    pub input_name: String,
    /// Name of the evidence producer (see [`crate::evidence::FALLBACK_PRODUCER`]).
    pub producer: String,
    /// Whether the evidence comes from the built-in fallback.
    pub fallback: bool,
    /// All sources form one identity domain (doublons across establishments).
    pub cross_source: bool,
    /// A phone number is "repeated" from this many distinct identities on.
    pub phone_min_identities: u64,
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            generated_at: String::new(),
            input_name: String::new(),
            producer: crate::evidence::FALLBACK_PRODUCER.to_owned(),
            fallback: true,
            cross_source: false,
            phone_min_identities: 5,
        }
    }
}

/// Steps of the audit, reported to the progress callback as they start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Normalised keys of every record.
    Keys,
    /// Doublon groups and potential duplicates.
    Doublons,
    /// Collisions.
    Collisions,
    /// INS problems and statuses.
    Ins,
    /// Homonyms and data quality.
    Quality,
    /// Indicators and the records of the work lists.
    Summary,
}

impl Phase {
    /// Number of phases.
    pub const COUNT: u64 = 6;

    /// A short English label (no patient data).
    pub fn label(self) -> &'static str {
        match self {
            Phase::Keys => "normalising",
            Phase::Doublons => "doublons",
            Phase::Collisions => "collisions",
            Phase::Ins => "INS and statuses",
            Phase::Quality => "homonyms and quality",
            Phase::Summary => "indicators",
        }
    }
}

/// What is computed once per record.
struct Prepared {
    keys: RecordKeys,
    exact_key: Option<String>,
    present: u32,
    rniv: Vec<(Field, String)>,
    swapped: bool,
    placeholder_fields: Vec<Field>,
}

fn prepare(record: &IdentityRecord) -> Prepared {
    let keys = RecordKeys::of(record);
    let exact_key = keys.exact_key(record.birth_date.as_ref());
    let mut present = 0u32;
    for (bit, field) in QUALITY_FIELDS.iter().enumerate() {
        if is_present(record, *field) {
            present |= 1 << bit;
        }
    }
    let mut rniv = Vec::new();
    for (field, value) in [
        (Field::BirthName, &record.birth_name),
        (Field::UsedName, &record.used_name),
        (Field::FirstNames, &record.first_names),
        (Field::UsedFirstName, &record.used_first_name),
    ] {
        if let Some(form) = value.as_deref().and_then(outside_rniv) {
            rniv.push((field, form));
        }
    }
    let swapped = !keys.name_key.is_empty()
        && names::is_common_first_name(&keys.name_key)
        && !keys.first_name.is_empty()
        && names::is_common_family_name(&keys.first_name);
    let mut placeholder_fields = Vec::new();
    if keys.placeholder_name && !record.state.fictitious() {
        if names::is_placeholder_name(&keys.birth_name_rniv) {
            placeholder_fields.push(Field::BirthName);
        }
        let first = record
            .first_names
            .as_deref()
            .map(vigie_core::normalize::rniv)
            .unwrap_or_default();
        if names::is_placeholder_name(&first) {
            placeholder_fields.push(Field::FirstNames);
        }
    }
    Prepared {
        keys,
        exact_key,
        present,
        rniv,
        swapped,
        placeholder_fields,
    }
}

fn is_present(r: &IdentityRecord, field: Field) -> bool {
    match field {
        Field::Source => r.source.is_some(),
        Field::LocalId => r.local_id.is_some(),
        Field::BirthName => r.birth_name.is_some(),
        Field::UsedName => r.used_name.is_some(),
        Field::FirstNames => r.first_names.is_some(),
        Field::UsedFirstName => r.used_first_name.is_some(),
        Field::Sex => r.sex.is_known(),
        Field::BirthDate => r.birth_date.is_some(),
        Field::BirthPlaceCode => r.birth_place.is_some(),
        Field::Ins | Field::InsOid => r.ins.is_some(),
        Field::Address => r.address.is_some(),
        Field::Postcode => r.postcode.is_some(),
        Field::City => r.city.is_some(),
        Field::Country => r.country.is_some(),
        Field::Phone => r.phone.is_some(),
        Field::Email => r.email.is_some(),
        Field::OtherId => r.other_id.is_some(),
        Field::RecordId | Field::IdentityStatus | Field::IdentityAttributes => true,
    }
}

/// The view of a record shown in the work lists.
pub fn record_view(record: &IdentityRecord, line: u64) -> RecordView {
    RecordView {
        line,
        source: record.source.as_ref().map(|s| s.as_str().to_owned()),
        local_id: record.local_id.as_ref().map(|s| s.as_str().to_owned()),
        birth_name: record.birth_name.clone(),
        used_name: record.used_name.clone(),
        first_names: record.first_names.clone(),
        used_first_name: record.used_first_name.clone(),
        sex: record.sex.code().to_owned(),
        birth_date: record.birth_date.map(|d| d.to_string()),
        birth_place_code: record.birth_place.as_ref().map(|b| b.as_str().to_owned()),
        ins: record.ins.as_ref().map(|i| i.matricule().to_owned()),
        ins_oid: record.ins.as_ref().map(|i| i.oid().as_str().to_owned()),
        identity_status: record.state.status().code().to_owned(),
        identity_attributes: record.state.attribute_codes(),
        address: record.address.clone(),
        postcode: record.postcode.clone(),
        city: record.city.clone(),
        phone: record.phone.clone(),
        email: record.email.clone(),
    }
}

// ---- intermediate results, by record index ----

struct GroupIdx {
    members: Vec<u32>,
    local_ids: u64,
    probability: Option<f64>,
    weight: Option<f64>,
    band: Band,
    explanation: Vec<Contribution>,
    conflicts: Conflicts,
}

struct PairIdx {
    left: u32,
    right: u32,
    probability: f64,
    weight: f64,
    explanation: Vec<Contribution>,
    conflicts: Conflicts,
}

struct CollisionIdx {
    kind: CollisionKind,
    key: String,
    members: Vec<u32>,
    fields: Vec<String>,
}

struct InsIdx {
    kind: InsProblemKind,
    record: u32,
    detail: String,
}

struct HomonymIdx {
    key: String,
    members: Vec<u32>,
    persons: u64,
    flagged: u64,
}

struct IssueIdx {
    kind: QualityIssueKind,
    field: Field,
    record: u32,
    detail: String,
}

struct PhoneIdx {
    phone: String,
    identities: u64,
    members: Vec<u32>,
}

fn idx(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

/// Conflicts among a group of records (all pairs up to [`MAX_PAIRWISE`], else each against the
/// first).
fn group_conflicts(records: &[IdentityRecord], members: &[u32]) -> Conflicts {
    let mut all = Conflicts::default();
    let get = |i: u32| &records[i as usize];
    if members.len() <= MAX_PAIRWISE {
        for (n, &a) in members.iter().enumerate() {
            for &b in members.iter().skip(n + 1) {
                all.merge(conflicts(get(a), get(b)));
            }
        }
    } else if let Some((&first, rest)) = members.split_first() {
        for &b in rest {
            all.merge(conflicts(get(first), get(b)));
        }
    }
    all
}

/// Mean per-field contributions of some pairs, highest first.
fn explain<'a>(pairs: impl Iterator<Item = &'a [(String, f64)]>) -> Vec<Contribution> {
    let mut sums: BTreeMap<&str, (f64, u32)> = BTreeMap::new();
    let mut n = 0u32;
    for contributions in pairs {
        n += 1;
        for (field, weight) in contributions {
            let slot = sums.entry(field.as_str()).or_default();
            slot.0 += weight;
            slot.1 += 1;
        }
    }
    let mut out: Vec<Contribution> = sums
        .into_iter()
        .map(|(field, (sum, _))| Contribution {
            field: field.to_owned(),
            weight: sum / f64::from(n.max(1)),
        })
        .collect();
    out.sort_by(|a, b| b.weight.total_cmp(&a.weight));
    out
}

fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// Runs the audit.
///
/// `progress` is called with each phase as it starts (for a progress bar; it receives no
/// patient data).
///
/// # Errors
/// When the evidence does not fit the records (one cluster per record, pair indices in range).
pub fn audit(
    input: &Input,
    evidence: &DuplicateEvidence,
    options: &AuditOptions,
    progress: &mut dyn FnMut(Phase),
) -> Result<AuditReport, AuditError> {
    let records = &input.records;
    let n = records.len();
    if evidence.clusters.len() != n {
        return Err(AuditError::EvidenceMismatch(format!(
            "{} clusters for {n} records",
            evidence.clusters.len()
        )));
    }
    if let Some(bad) = evidence.pairs.iter().find(|p| p.left >= n || p.right >= n) {
        return Err(AuditError::EvidenceMismatch(format!(
            "pair ({}, {}) out of range for {n} records",
            bad.left, bad.right
        )));
    }
    let clusters = &evidence.clusters;

    // ---- keys ----
    progress(Phase::Keys);
    let prepared: Vec<Prepared> = records.par_iter().map(prepare).collect();
    let mut source_names: Vec<String> = Vec::new();
    let source_of: Vec<u32> = {
        let mut ids: FxHashMap<&str, u32> = FxHashMap::default();
        records
            .iter()
            .map(|r| {
                let name = r.source.as_ref().map_or(NO_SOURCE, |s| s.as_str());
                *ids.entry(name).or_insert_with(|| {
                    source_names.push(name.to_owned());
                    idx(source_names.len() - 1)
                })
            })
            .collect()
    };
    let sources = source_names.len();

    // ---- doublons ----
    progress(Phase::Doublons);
    let scope = |i: u32| {
        if options.cross_source {
            0
        } else {
            source_of[i as usize]
        }
    };
    let mut by_cluster: Vec<u32> = (0..n).map(idx).collect();
    by_cluster.par_sort_unstable_by_key(|&i| (clusters[i as usize], scope(i), i));
    let mut groups: Vec<GroupIdx> = Vec::new();
    let mut group_of = vec![u32::MAX; n];
    for run in by_cluster
        .chunk_by(|&a, &b| clusters[a as usize] == clusters[b as usize] && scope(a) == scope(b))
    {
        if run.len() < 2 {
            continue;
        }
        let mut ids: Vec<(u32, &str)> = run
            .iter()
            .filter_map(|&i| {
                let r = &records[i as usize];
                r.local_id
                    .as_ref()
                    .map(|l| (source_of[i as usize], l.as_str()))
            })
            .collect();
        let without = run.len() - ids.len();
        ids.sort_unstable();
        ids.dedup();
        let local_ids = (ids.len() + without) as u64;
        if local_ids < 2 {
            continue;
        }
        let g = idx(groups.len());
        for &i in run {
            group_of[i as usize] = g;
        }
        groups.push(GroupIdx {
            members: run.to_vec(),
            local_ids,
            probability: None,
            weight: None,
            band: Band::AutoLink,
            explanation: Vec::new(),
            conflicts: Conflicts::default(),
        });
    }
    let mut group_pairs: Vec<Vec<usize>> = vec![Vec::new(); groups.len()];
    let mut potential: Vec<PairIdx> = Vec::new();
    for (p, pair) in evidence.pairs.iter().enumerate() {
        let (gl, gr) = (group_of[pair.left], group_of[pair.right]);
        if gl != u32::MAX && gl == gr {
            group_pairs[gl as usize].push(p);
        } else if pair.band == Band::Review
            && clusters[pair.left] != clusters[pair.right]
            && (options.cross_source || source_of[pair.left] == source_of[pair.right])
        {
            potential.push(PairIdx {
                left: idx(pair.left),
                right: idx(pair.right),
                probability: pair.probability,
                weight: pair.weight,
                explanation: explain(std::iter::once(pair.contributions.as_slice())),
                conflicts: conflicts(&records[pair.left], &records[pair.right]),
            });
        }
    }
    groups
        .par_iter_mut()
        .zip(group_pairs.par_iter())
        .for_each(|(group, pairs)| {
            let pairs: Vec<_> = pairs.iter().map(|&p| &evidence.pairs[p]).collect();
            if !pairs.is_empty() {
                group.probability = pairs.iter().map(|p| p.probability).reduce(f64::min);
                group.weight =
                    Some(pairs.iter().map(|p| p.weight).sum::<f64>() / pairs.len() as f64);
                if pairs.iter().any(|p| p.band == Band::Review) {
                    group.band = Band::Review;
                }
                group.explanation = explain(pairs.iter().map(|p| p.contributions.as_slice()));
            }
            group.conflicts = group_conflicts(records, &group.members);
        });
    groups.sort_by(|a, b| {
        action_of(a)
            .cmp_rank()
            .cmp(&action_of(b).cmp_rank())
            .then(
                b.probability
                    .unwrap_or(0.0)
                    .total_cmp(&a.probability.unwrap_or(0.0)),
            )
            .then(a.members.cmp(&b.members))
    });
    potential.sort_by(|a, b| {
        b.probability
            .total_cmp(&a.probability)
            .then((a.left, a.right).cmp(&(b.left, b.right)))
    });

    // ---- collisions ----
    progress(Phase::Collisions);
    let mut collisions: Vec<CollisionIdx> = Vec::new();
    let mut by_ins: Vec<(&str, u32)> = records
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.ins.as_ref().map(|ins| (ins.matricule(), idx(i))))
        .collect();
    by_ins.par_sort_unstable();
    for run in by_ins.chunk_by(|a, b| a.0 == b.0).filter(|r| r.len() > 1) {
        let members: Vec<u32> = run.iter().map(|&(_, i)| i).collect();
        let c = group_conflicts(records, &members);
        if c.strict() {
            collisions.push(CollisionIdx {
                kind: CollisionKind::SharedIns,
                key: run[0].0.to_owned(),
                members,
                fields: Conflicts {
                    ins: false,
                    birth_place: false,
                    ..c
                }
                .fields(),
            });
        }
    }
    for run in by_cluster
        .chunk_by(|&a, &b| clusters[a as usize] == clusters[b as usize])
        .filter(|r| r.len() > 1)
    {
        let mut matricules: Vec<&str> = run
            .iter()
            .filter_map(|&i| records[i as usize].ins.as_ref().map(|x| x.matricule()))
            .collect();
        matricules.sort_unstable();
        matricules.dedup();
        if matricules.len() > 1 {
            let mut members = run.to_vec();
            members.sort_unstable();
            collisions.push(CollisionIdx {
                kind: CollisionKind::SeveralInsInGroup,
                key: matricules.join(" / "),
                members,
                fields: vec!["ins".to_owned()],
            });
        }
    }
    let mut by_local: Vec<(u32, &str, u32)> = records
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            r.local_id
                .as_ref()
                .map(|l| (source_of[i], l.as_str(), idx(i)))
        })
        .collect();
    by_local.par_sort_unstable();
    for run in by_local
        .chunk_by(|a, b| a.0 == b.0 && a.1 == b.1)
        .filter(|r| r.len() > 1)
    {
        let members: Vec<u32> = run.iter().map(|&(_, _, i)| i).collect();
        let c = group_conflicts(records, &members);
        if c.strict() {
            collisions.push(CollisionIdx {
                kind: CollisionKind::SharedLocalId,
                key: format!("{}/{}", source_names[run[0].0 as usize], run[0].1),
                members,
                fields: Conflicts {
                    ins: false,
                    birth_place: false,
                    ..c
                }
                .fields(),
            });
        }
    }
    collisions.sort_by(|a, b| a.kind.cmp(&b.kind).then(a.members.cmp(&b.members)));

    // ---- INS problems and statuses ----
    progress(Phase::Ins);
    let mut ins_problems: Vec<InsIdx> = Vec::new();
    let mut unreadable_ins = vec![false; n];
    let mut invalid_field: Vec<(u32, Field, String)> = Vec::new();
    for (i, finding) in &input.findings {
        let record = idx(*i);
        match &finding.kind {
            FindingKind::Ins(error) => {
                if let Some(slot) = unreadable_ins.get_mut(*i) {
                    *slot = true;
                }
                let (kind, detail) = match error {
                    InsError::BadKey { expected, found } => (
                        InsProblemKind::InvalidKey,
                        format!("key={found:02} expected={expected:02}"),
                    ),
                    InsError::TestOidRefused { oid } => {
                        (InsProblemKind::TestOid, format!("oid={}", oid.as_str()))
                    }
                    InsError::UnknownOid | InsError::LegacyInsCOid => {
                        (InsProblemKind::UnknownOid, error.to_string())
                    }
                    InsError::Empty | InsError::WrongLength { .. } | InsError::NotDigits { .. } => {
                        (InsProblemKind::Malformed, error.to_string())
                    }
                };
                ins_problems.push(InsIdx {
                    kind,
                    record,
                    detail,
                });
            }
            FindingKind::InsInconsistent(f) => {
                let (kind, detail) = match f {
                    InsFinding::SexMismatch { ins, declared } => (
                        InsProblemKind::SexMismatch,
                        format!("ins={} declared={}", ins.code(), declared.code()),
                    ),
                    InsFinding::BirthYearMismatch { ins, declared } => (
                        InsProblemKind::BirthYearMismatch,
                        format!("ins={ins:02} declared={declared:02}"),
                    ),
                    InsFinding::BirthMonthMismatch { ins, declared } => (
                        InsProblemKind::BirthMonthMismatch,
                        format!("ins={ins:02} declared={declared:02}"),
                    ),
                    InsFinding::BirthPlaceMismatch { ins, declared } => (
                        InsProblemKind::BirthPlaceMismatch,
                        format!("ins={ins} declared={declared}"),
                    ),
                    InsFinding::UnexpectedSexDigit { digit } => {
                        (InsProblemKind::UnexpectedCode, format!("sex_digit={digit}"))
                    }
                    InsFinding::UnexpectedMonthCode { code } => (
                        InsProblemKind::UnexpectedCode,
                        format!("month_code={code:02}"),
                    ),
                    InsFinding::NiaKeyUnverified { expected, found } => (
                        InsProblemKind::NiaKeyUnverified,
                        format!("key={found:02} nir_rule={expected:02}"),
                    ),
                };
                ins_problems.push(InsIdx {
                    kind,
                    record,
                    detail,
                });
            }
            FindingKind::Identifier(_)
            | FindingKind::Sex
            | FindingKind::Date(_)
            | FindingKind::BirthPlace(_)
            | FindingKind::OidWithoutIns => {
                invalid_field.push((record, finding.field, finding.kind.to_string()));
            }
            FindingKind::Status(_) | FindingKind::ControlCharacters => {}
        }
    }
    for (i, r) in records.iter().enumerate() {
        let Some(ins) = &r.ins else { continue };
        if ins.oid().is_test() {
            ins_problems.push(InsIdx {
                kind: InsProblemKind::TestOid,
                record: idx(i),
                detail: format!("oid={}", ins.oid().as_str()),
            });
        }
        let status = r.state.status();
        let kind = match status {
            IdentityStatus::Qualified => continue,
            IdentityStatus::Recovered => InsProblemKind::RecoveredNotQualified,
            IdentityStatus::Provisional | IdentityStatus::Validated => {
                InsProblemKind::NonQualifiedCarrier
            }
        };
        ins_problems.push(InsIdx {
            kind,
            record: idx(i),
            detail: format!("status={}", status.code()),
        });
    }
    ins_problems.sort_by(|a, b| a.kind.cmp(&b.kind).then(a.record.cmp(&b.record)));
    let status_by_source: Vec<StatusCounts> = records
        .par_iter()
        .zip(source_of.par_iter())
        .fold(
            || vec![StatusCounts::default(); sources],
            |mut acc, (r, &s)| {
                let c = &mut acc[s as usize];
                match r.state.status() {
                    IdentityStatus::Provisional => c.prov += 1,
                    IdentityStatus::Recovered => c.recup += 1,
                    IdentityStatus::Validated => c.vali += 1,
                    IdentityStatus::Qualified => c.qual += 1,
                }
                c.doubtful += u64::from(r.state.doubtful());
                c.fictitious += u64::from(r.state.fictitious());
                c.homonym += u64::from(r.state.homonym());
                acc
            },
        )
        .reduce(
            || vec![StatusCounts::default(); sources],
            |mut a, b| {
                for (x, y) in a.iter_mut().zip(b) {
                    add_status(x, &y);
                }
                a
            },
        );

    // ---- homonyms and quality ----
    progress(Phase::Quality);
    let mut by_key: Vec<(&str, u32)> = prepared
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.exact_key.as_deref().map(|k| (k, idx(i))))
        .collect();
    by_key.par_sort_unstable();
    let mut homonyms: Vec<HomonymIdx> = Vec::new();
    for run in by_key.chunk_by(|a, b| a.0 == b.0).filter(|r| r.len() > 1) {
        let mut persons: Vec<u32> = run.iter().map(|&(_, i)| clusters[i as usize]).collect();
        persons.sort_unstable();
        persons.dedup();
        if persons.len() > 1 {
            let members: Vec<u32> = run.iter().map(|&(_, i)| i).collect();
            let flagged = members
                .iter()
                .filter(|&&i| records[i as usize].state.homonym())
                .count() as u64;
            homonyms.push(HomonymIdx {
                key: run[0].0.to_owned(),
                members,
                persons: persons.len() as u64,
                flagged,
            });
        }
    }

    let mut issues: Vec<IssueIdx> = invalid_field
        .into_iter()
        .map(|(record, field, detail)| IssueIdx {
            kind: QualityIssueKind::InvalidValue,
            field,
            record,
            detail,
        })
        .collect();
    for (i, (r, p)) in records.iter().zip(&prepared).enumerate() {
        let record = idx(i);
        if let Some(date) = r.birth_date.filter(|d| d.is_placeholder()) {
            issues.push(IssueIdx {
                kind: QualityIssueKind::PlaceholderBirthDate,
                field: Field::BirthDate,
                record,
                detail: date.to_string(),
            });
        }
        for &field in &p.placeholder_fields {
            issues.push(IssueIdx {
                kind: QualityIssueKind::PlaceholderName,
                field,
                record,
                detail: String::new(),
            });
        }
        if p.swapped {
            issues.push(IssueIdx {
                kind: QualityIssueKind::SwappedNames,
                field: Field::BirthName,
                record,
                detail: format!("{} / {}", p.keys.name_key, p.keys.first_name),
            });
        }
        for (field, form) in &p.rniv {
            issues.push(IssueIdx {
                kind: QualityIssueKind::RnivCharacters,
                field: *field,
                record,
                detail: form.clone(),
            });
        }
    }
    let mut by_phone: Vec<(&str, u32)> = records
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.phone.as_deref().map(|p| (p, idx(i))))
        .collect();
    by_phone.par_sort_unstable();
    let mut phones: Vec<PhoneIdx> = Vec::new();
    for run in by_phone
        .chunk_by(|a, b| a.0 == b.0)
        .filter(|r| r.len() as u64 >= options.phone_min_identities.max(2))
    {
        let mut persons: Vec<u32> = run.iter().map(|&(_, i)| clusters[i as usize]).collect();
        persons.sort_unstable();
        persons.dedup();
        let identities = persons.len() as u64;
        if identities >= options.phone_min_identities.max(2) {
            let members: Vec<u32> = run.iter().map(|&(_, i)| i).collect();
            for &record in &members {
                issues.push(IssueIdx {
                    kind: QualityIssueKind::RepeatedPhone,
                    field: Field::Phone,
                    record,
                    detail: format!("identities={identities}"),
                });
            }
            phones.push(PhoneIdx {
                phone: run[0].0.to_owned(),
                identities,
                members,
            });
        }
    }
    phones.sort_by(|a, b| b.identities.cmp(&a.identities).then(a.phone.cmp(&b.phone)));
    issues.sort_by(|a, b| {
        a.kind
            .cmp(&b.kind)
            .then(a.record.cmp(&b.record))
            .then(a.field.cmp(&b.field))
    });

    // Field presence by source.
    let width = QUALITY_FIELDS.len();
    let present_by_source: Vec<u64> = prepared
        .par_iter()
        .zip(source_of.par_iter())
        .fold(
            || vec![0u64; sources * width],
            |mut acc, (p, &s)| {
                for bit in 0..width {
                    if p.present & (1 << bit) != 0 {
                        acc[s as usize * width + bit] += 1;
                    }
                }
                acc
            },
        )
        .reduce(
            || vec![0u64; sources * width],
            |mut a, b| {
                for (x, y) in a.iter_mut().zip(b) {
                    *x += y;
                }
                a
            },
        );
    let mut invalid_by_source = vec![0u64; sources * width];
    {
        let mut seen: FxHashSet<(u32, Field)> = FxHashSet::default();
        for issue in issues
            .iter()
            .filter(|i| i.kind == QualityIssueKind::InvalidValue)
        {
            if let Some(bit) = QUALITY_FIELDS.iter().position(|f| *f == issue.field)
                && seen.insert((issue.record, issue.field))
            {
                invalid_by_source[source_of[issue.record as usize] as usize * width + bit] += 1;
            }
        }
        let ins_bit = QUALITY_FIELDS.iter().position(|f| *f == Field::Ins);
        for (i, _) in unreadable_ins.iter().enumerate().filter(|(_, u)| **u) {
            if let Some(bit) = ins_bit {
                invalid_by_source[source_of[i] as usize * width + bit] += 1;
            }
        }
    }

    // ---- indicators ----
    progress(Phase::Summary);
    let mut per_source: Vec<Headline> = vec![Headline::default(); sources];
    let mut total = Headline::default();
    for (s, counts) in status_by_source.iter().enumerate() {
        let h = &mut per_source[s];
        h.records = counts.prov + counts.recup + counts.vali + counts.qual;
        h.qualified = counts.qual;
        h.doubtful = counts.doubtful;
        h.fictitious = counts.fictitious;
    }
    let distinct_sources = |members: &[u32]| -> Vec<u32> {
        let mut s: Vec<u32> = members.iter().map(|&i| source_of[i as usize]).collect();
        s.sort_unstable();
        s.dedup();
        s
    };
    for g in &groups {
        total.doublon_groups += 1;
        total.records_in_doublon_groups += g.members.len() as u64;
        total.duplicate_records += g.members.len() as u64 - 1;
        for s in distinct_sources(&g.members) {
            let in_source = g
                .members
                .iter()
                .filter(|&&i| source_of[i as usize] == s)
                .count() as u64;
            let h = &mut per_source[s as usize];
            h.doublon_groups += 1;
            h.records_in_doublon_groups += in_source;
            h.duplicate_records += in_source.saturating_sub(1);
        }
    }
    for p in &potential {
        total.potential_duplicate_pairs += 1;
        for s in distinct_sources(&[p.left, p.right]) {
            per_source[s as usize].potential_duplicate_pairs += 1;
        }
    }
    for c in &collisions {
        total.collisions += 1;
        *total
            .collisions_by_kind
            .entry(c.kind.code().to_owned())
            .or_default() += 1;
        for s in distinct_sources(&c.members) {
            let h = &mut per_source[s as usize];
            h.collisions += 1;
            *h.collisions_by_kind
                .entry(c.kind.code().to_owned())
                .or_default() += 1;
        }
    }
    for (i, r) in records.iter().enumerate() {
        let with_ins = r.ins.is_some() || unreadable_ins[i];
        if with_ins {
            total.records_with_ins += 1;
            per_source[source_of[i] as usize].records_with_ins += 1;
        }
    }
    for p in &ins_problems {
        let s = source_of[p.record as usize] as usize;
        for h in [&mut total, &mut per_source[s]] {
            *h.ins_problems_by_kind
                .entry(p.kind.code().to_owned())
                .or_default() += 1;
            if !p.kind.informational() {
                h.ins_problems += 1;
            }
            if p.kind.unreadable() {
                h.invalid_ins += 1;
            }
        }
    }
    for hg in &homonyms {
        total.homonym_groups += 1;
        for s in distinct_sources(&hg.members) {
            per_source[s as usize].homonym_groups += 1;
        }
    }
    for issue in &issues {
        let s = source_of[issue.record as usize] as usize;
        for h in [&mut total, &mut per_source[s]] {
            *h.quality_issues_by_kind
                .entry(issue.kind.code().to_owned())
                .or_default() += 1;
        }
    }
    let mut status_total = StatusCounts::default();
    for c in &status_by_source {
        add_status(&mut status_total, c);
    }
    total.records = n as u64;
    total.qualified = status_total.qual;
    total.doubtful = status_total.doubtful;
    total.fictitious = status_total.fictitious;
    finish_rates(&mut total);
    per_source.iter_mut().for_each(finish_rates);

    // ---- the records of the work lists ----
    let mut referenced: Vec<u32> = Vec::new();
    referenced.extend(groups.iter().flat_map(|g| g.members.iter().copied()));
    referenced.extend(potential.iter().flat_map(|p| [p.left, p.right]));
    referenced.extend(collisions.iter().flat_map(|c| c.members.iter().copied()));
    referenced.extend(ins_problems.iter().map(|p| p.record));
    referenced.extend(homonyms.iter().flat_map(|h| h.members.iter().copied()));
    referenced.extend(issues.iter().map(|i| i.record));
    referenced.par_sort_unstable();
    referenced.dedup();
    let views: Vec<RecordView> = referenced
        .par_iter()
        .map(|&i| {
            record_view(
                &records[i as usize],
                input.lines.get(i as usize).copied().unwrap_or(0),
            )
        })
        .collect();
    let position: FxHashMap<u32, usize> = referenced
        .iter()
        .enumerate()
        .map(|(p, &i)| (i, p))
        .collect();
    let view = |i: u32| &views[position[&i]];
    let rid = |i: u32| records[i as usize].record_id.as_str().to_owned();
    let ids = |members: &[u32]| members.iter().map(|&i| rid(i)).collect::<Vec<_>>();
    let names_of = |members: &[u32]| {
        distinct_sources(members)
            .into_iter()
            .map(|s| source_names[s as usize].clone())
            .collect::<Vec<_>>()
    };

    let doublons: Vec<DoublonGroup> = groups
        .par_iter()
        .enumerate()
        .map(|(k, g)| {
            let group_views: Vec<&RecordView> = g.members.iter().map(|&i| view(i)).collect();
            DoublonGroup {
                id: format!("D{}", k + 1),
                sources: names_of(&g.members),
                records: ids(&g.members),
                local_ids: g.local_ids,
                probability: g.probability,
                weight: g.weight,
                band: g.band,
                explanation: g.explanation.clone(),
                conflicts: g.conflicts.fields(),
                differing_fields: differing_fields(&group_views),
                action: action_of(g),
            }
        })
        .collect();
    let potential_duplicates: Vec<PotentialPair> = potential
        .par_iter()
        .enumerate()
        .map(|(k, p)| PotentialPair {
            id: format!("P{}", k + 1),
            left: rid(p.left),
            right: rid(p.right),
            probability: p.probability,
            weight: p.weight,
            explanation: p.explanation.clone(),
            conflicts: p.conflicts.fields(),
            differing_fields: differing_fields(&[view(p.left), view(p.right)]),
        })
        .collect();
    let collisions: Vec<Collision> = collisions
        .into_iter()
        .enumerate()
        .map(|(k, c)| Collision {
            id: format!("C{}", k + 1),
            kind: c.kind,
            key: c.key,
            records: ids(&c.members),
            conflicting_fields: c.fields,
        })
        .collect();
    let ins_problems: Vec<InsProblem> = ins_problems
        .into_iter()
        .map(|p| InsProblem {
            kind: p.kind,
            record: rid(p.record),
            detail: p.detail,
        })
        .collect();
    let homonym_groups: Vec<HomonymGroup> = homonyms
        .into_iter()
        .enumerate()
        .map(|(k, h)| HomonymGroup {
            id: format!("H{}", k + 1),
            key: h.key,
            records: ids(&h.members),
            persons: h.persons,
            flagged: h.flagged,
        })
        .collect();
    let repeated_phones: Vec<RepeatedPhone> = phones
        .into_iter()
        .map(|p| RepeatedPhone {
            sources: names_of(&p.members),
            records: p.members.len() as u64,
            identities: p.identities,
            phone: p.phone,
        })
        .collect();
    let quality_issues: Vec<QualityIssue> = issues
        .into_par_iter()
        .map(|i| QualityIssue {
            kind: i.kind,
            field: i.field.column_name().to_owned(),
            record: rid(i.record),
            detail: i.detail,
        })
        .collect();

    let mut fields = Vec::with_capacity(width);
    for (bit, field) in QUALITY_FIELDS.iter().enumerate() {
        let present: u64 = (0..sources)
            .map(|s| present_by_source[s * width + bit])
            .sum();
        let invalid: u64 = (0..sources)
            .map(|s| invalid_by_source[s * width + bit])
            .sum();
        let missing = (n as u64).saturating_sub(present + invalid);
        fields.push(FieldQuality {
            field: field.column_name().to_owned(),
            present,
            missing,
            invalid,
            missing_rate: ratio(missing, n as u64),
            invalid_rate: ratio(invalid, n as u64),
        });
    }
    let mut order: Vec<usize> = (0..sources).collect();
    order.sort_by(|&a, &b| {
        per_source[b]
            .records
            .cmp(&per_source[a].records)
            .then(source_names[a].cmp(&source_names[b]))
    });
    let by_source: Vec<SourceQuality> = order
        .iter()
        .map(|&s| {
            let records_in = per_source[s].records;
            let missing_rate = QUALITY_FIELDS
                .iter()
                .enumerate()
                .map(|(bit, field)| {
                    let present = present_by_source[s * width + bit];
                    let invalid = invalid_by_source[s * width + bit];
                    (
                        field.column_name().to_owned(),
                        ratio(records_in.saturating_sub(present + invalid), records_in),
                    )
                })
                .collect();
            SourceQuality {
                source: source_names[s].clone(),
                records: records_in,
                missing_rate,
                issues: per_source[s].quality_issues_by_kind.clone(),
            }
        })
        .collect();
    let source_summaries: Vec<SourceSummary> = order
        .iter()
        .map(|&s| SourceSummary {
            source: source_names[s].clone(),
            headline: per_source[s].clone(),
            status: status_by_source[s].clone(),
        })
        .collect();

    let records_map: BTreeMap<String, RecordView> = referenced
        .iter()
        .zip(views)
        .map(|(&i, v)| (rid(i), v))
        .collect();

    let auto_link_pairs = evidence
        .pairs
        .iter()
        .filter(|p| p.band == Band::AutoLink)
        .count() as u64;
    let report = &input.report;
    Ok(AuditReport {
        schema: SCHEMA.to_owned(),
        version: VERSION,
        generated_at: options.generated_at.clone(),
        input: InputSummary {
            file: options.input_name.clone(),
            rows: report.rows,
            records: n as u64,
            skipped_rows: report.bad_rows.len() as u64,
            rows_decoded_windows_1252: report.rows_decoded_windows_1252,
            findings: report
                .finding_counts
                .iter()
                .map(|((field, label), count)| (format!("{field}: {label}"), *count))
                .collect(),
        },
        evidence: EvidenceSummary {
            producer: options.producer.clone(),
            fallback: options.fallback,
            pairs: evidence.pairs.len() as u64,
            auto_link_pairs,
            review_pairs: evidence.pairs.len() as u64 - auto_link_pairs,
        },
        settings: Settings {
            cross_source: options.cross_source,
            phone_min_identities: options.phone_min_identities,
        },
        headline: total,
        sources: source_summaries,
        status: status_total,
        doublons,
        potential_duplicates,
        collisions,
        ins_problems,
        homonym_groups,
        quality: Quality {
            fields,
            by_source,
            repeated_phones,
            issues: quality_issues,
        },
        trend: Vec::new(),
        conditions: Vec::new(),
        records: records_map,
    })
}

fn action_of(group: &GroupIdx) -> Action {
    if group.band == Band::AutoLink && !group.conflicts.any() {
        Action::Merge
    } else {
        Action::CheckDocuments
    }
}

trait Rank {
    fn cmp_rank(self) -> u8;
}

impl Rank for Action {
    /// Groups to check on documents come first: they need a human.
    fn cmp_rank(self) -> u8 {
        match self {
            Action::CheckDocuments => 0,
            Action::Merge => 1,
        }
    }
}

fn add_status(into: &mut StatusCounts, other: &StatusCounts) {
    into.prov += other.prov;
    into.recup += other.recup;
    into.vali += other.vali;
    into.qual += other.qual;
    into.doubtful += other.doubtful;
    into.fictitious += other.fictitious;
    into.homonym += other.homonym;
}

fn finish_rates(h: &mut Headline) {
    h.duplicate_rate = ratio(h.duplicate_records, h.records);
    h.qualified_share = ratio(h.qualified, h.records);
    h.invalid_ins_share = ratio(h.invalid_ins, h.records_with_ins);
}
