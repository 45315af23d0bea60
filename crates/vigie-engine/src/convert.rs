//! Conversions between the store's rows and the engine's public types, and the golden record.

use vigie_core::ids::{EnterpriseId, RecordId};
use vigie_core::matching::comparison::ComparisonKind;
use vigie_core::matching::model::{Decision, Explanation, FieldExplanation, Model};
use vigie_core::matching::rules::{CapPolicy, RuleHit};
use vigie_core::record::IdentityRecord;
use vigie_core::sex::Sex;
use vigie_core::status::IdentityStatus;
use vigie_store::{ActorRow, ExplanationRow, FieldRow, SourceRow, StoreError};

use crate::{Actor, EngineError, SourceKey};

impl From<StoreError> for EngineError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Storage(m) | StoreError::Io(m) => EngineError::Unavailable(m),
            other => EngineError::Internal(other.to_string()),
        }
    }
}

pub(crate) fn actor_row(actor: &Actor) -> ActorRow {
    ActorRow {
        who: actor.who.clone(),
        from: actor.from.clone(),
        channel: actor.channel.clone(),
    }
}

pub(crate) fn actor_of(row: &ActorRow) -> Actor {
    Actor {
        who: row.who.clone(),
        from: row.from.clone(),
        channel: row.channel.clone(),
    }
}

/// `domain|local id`, the text form of a key in audit subjects and problems.
pub(crate) fn key_text(key: &SourceKey) -> String {
    format!("{}|{}", key.domain.as_str(), key.local_id.as_str())
}

const RULES: [RuleHit; 8] = [
    RuleHit::InsCertainMatch,
    RuleHit::InsVeto,
    RuleHit::InsCollision,
    RuleHit::Fictitious,
    RuleHit::SexConflict,
    RuleHit::BirthDatesFarApart,
    RuleHit::PossibleTwins,
    RuleHit::FamilyMember,
];

pub(crate) fn rule_from_name(name: &str) -> Option<RuleHit> {
    RULES.into_iter().find(|r| r.name() == name)
}

pub(crate) fn decision_from_name(name: &str) -> Result<Decision, EngineError> {
    [Decision::NonMatch, Decision::Review, Decision::AutoLink]
        .into_iter()
        .find(|d| d.name() == name)
        .ok_or_else(|| EngineError::Internal("stored decision has an unknown band".into()))
}

pub(crate) fn explanation_row(e: &Explanation) -> ExplanationRow {
    ExplanationRow {
        model_version: e.model_version.clone(),
        prior_weight: e.prior_weight,
        fields: e
            .fields
            .iter()
            .map(|f| FieldRow {
                comparison: f.comparison.name().to_owned(),
                level: f.level,
                m: f.m,
                u: f.u,
                weight: f.weight,
                tf_adjustment: f.tf_adjustment,
            })
            .collect(),
        names_swapped: e.names_swapped,
        match_weight: e.match_weight,
        probability: e.probability,
        band: e.band.name().to_owned(),
        rule: e.rule.map(|r| r.name().to_owned()),
        decision: e.decision.name().to_owned(),
    }
}

/// A stored explanation back in core form. The cap gates are not stored per decision: they are
/// the model's, so those of `model` when it is the model that decided, else the default gates
/// (every cap active).
pub(crate) fn explanation_of(
    row: &ExplanationRow,
    model: &Model,
) -> Result<Explanation, EngineError> {
    let mut fields = Vec::with_capacity(row.fields.len());
    for f in &row.fields {
        let kind = ComparisonKind::from_name(&f.comparison).ok_or_else(|| {
            EngineError::Internal("stored explanation has an unknown comparison".into())
        })?;
        fields.push(FieldExplanation {
            comparison: kind,
            level: f.level,
            level_label: f
                .level
                .and_then(|l| kind.level_labels().get(usize::from(l)).copied())
                .unwrap_or("missing"),
            m: f.m,
            u: f.u,
            weight: f.weight,
            tf_adjustment: f.tf_adjustment,
        });
    }
    Ok(Explanation {
        model_version: row.model_version.clone(),
        prior_weight: row.prior_weight,
        fields,
        names_swapped: row.names_swapped,
        match_weight: row.match_weight,
        probability: row.probability,
        band: decision_from_name(&row.band)?,
        rule: row.rule.as_deref().and_then(rule_from_name),
        decision: decision_from_name(&row.decision)?,
        caps: if row.model_version == model.version() {
            model.parts().caps
        } else {
            CapPolicy::default()
        },
    })
}

/// The golden record of an enterprise identity from its members' rows.
///
/// Survivorship: when a member is qualified (`QUAL`), the strict traits (birth name, birth
/// first names, birth date, sex, birthplace), the INS and the status come from the most
/// recently changed qualified member, unaltered (RNIV: qualified traits are never mixed).
/// Every other field — and the strict traits when no member is qualified — takes the most
/// recent non-empty value among the members (recency: the store revision of each member's last
/// change, ties broken by key).
pub(crate) fn golden(
    id: &EnterpriseId,
    members: &[(SourceKey, SourceRow)],
) -> Result<IdentityRecord, EngineError> {
    let mut ordered: Vec<&(SourceKey, SourceRow)> = members.iter().collect();
    ordered.sort_by(|a, b| b.1.rev.cmp(&a.1.rev).then(a.0.cmp(&b.0)));
    let records: Vec<&IdentityRecord> = ordered.iter().map(|(_, r)| &r.record).collect();
    fn recent<T: Clone>(
        records: &[&IdentityRecord],
        get: impl Fn(&IdentityRecord) -> Option<T>,
    ) -> Option<T> {
        records.iter().find_map(|r| get(r))
    }
    // Enterprise ids and record ids follow the same validation rules.
    let record_id = RecordId::new(id.as_str())
        .map_err(|_| EngineError::Internal("enterprise id is not a valid record id".into()))?;
    let mut g = IdentityRecord {
        record_id,
        source: None,
        local_id: None,
        birth_name: recent(&records, |r| r.birth_name.clone()),
        used_name: recent(&records, |r| r.used_name.clone()),
        first_names: recent(&records, |r| r.first_names.clone()),
        used_first_name: recent(&records, |r| r.used_first_name.clone()),
        sex: recent(&records, |r| r.sex.is_known().then_some(r.sex)).unwrap_or(Sex::Unknown),
        birth_date: recent(&records, |r| r.birth_date),
        birth_place: recent(&records, |r| r.birth_place.clone()),
        ins: recent(&records, |r| r.ins.clone()),
        state: records.first().map(|r| r.state).unwrap_or_default(),
        address: recent(&records, |r| r.address.clone()),
        postcode: recent(&records, |r| r.postcode.clone()),
        city: recent(&records, |r| r.city.clone()),
        country: recent(&records, |r| r.country.clone()),
        phone: recent(&records, |r| r.phone.clone()),
        email: recent(&records, |r| r.email.clone()),
        other_id: recent(&records, |r| r.other_id.clone()),
    };
    if let Some(q) = records
        .iter()
        .find(|r| r.state.status() == IdentityStatus::Qualified)
    {
        g.birth_name = q.birth_name.clone();
        g.first_names = q.first_names.clone();
        g.birth_date = q.birth_date;
        g.sex = q.sex;
        g.birth_place = q.birth_place.clone();
        g.ins = q.ins.clone();
        g.state = q.state;
    }
    Ok(g)
}
