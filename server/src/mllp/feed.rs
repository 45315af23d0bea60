//! ITI-8 (A01, A04, A05, A08, A40) and ITI-30 PAM France (A28, A31, A40, A47, A24, A37)
//! receiver rules over the engine.
//!
//! * PID-3 identifiers in configured domains are source keys; the first is the patient's own
//!   (primary) key, the others are registered with the same demographics and linked to it (a
//!   sender asserting that its ids name one person). INS (`^INS` under the INS OIDs) and
//!   billing NIR (`NH`) are traits, not keys. A CX without authority gets the sender's default
//!   domain (ITI-8 §3.8.4.1.3); an unknown domain is `AE 204` at `PID^1^3^<rep>^4`; a domain
//!   the sender may not feed is `AR 204` there (and an audit record `denied`).
//! * Updates merge with the stored record: an empty field keeps the stored value, `""`
//!   deletes it (App. C.2.6); `""^^^<domain>` in PID-3 removes the patient's id in that domain.
//! * INS: kept only with `PID-32 = VALI` and a valid key (vigie-hl7's mapping); an INS
//!   dropped for that reason is reported as an `AA` warning (ERR-4 `W`).
//! * A40: MRG-1 ids merged into the PID-3 id of the same domain; unknown target → the
//!   engine renames (change of id); unknown MRG id → nothing to do.
//! * A47: MRG-1 id → PID-3 id of the same domain (`AE 205` when the new id belongs to another
//!   patient); an INS in MRG-1 (PAM France §4.4) finds the patient by that INS and replaces or
//!   deletes its INS, the status following PID-32.
//! * A24 / A37 (Link/Unlink option, `AR 201` when off): link two known patients / unlink
//!   linked ones; unknown ones → nothing to do.

use vigie_core::ins::Ins;
use vigie_core::record::{IdentityRecord, ParseOptions};
use vigie_core::sex::Sex;
use vigie_core::status::{IdentityState, IdentityStatus};
use vigie_engine::{DomainId, LocalId, SearchQuery, SourceKey};
use vigie_hl7::error::{ErrorCode, ErrorLocation};
use vigie_hl7::message::{Feed, FeedMessage};
use vigie_hl7::pid::Patient;
use vigie_hl7::reply::{AckCode, ErrorDetail};
use vigie_hl7::types::{IdValue, IdentifierKind, NameType, PatientIdentifier};

use super::handlers::{Context, Nak, warning};

/// PID-3 read against the configuration.
struct Keys {
    /// Keys with their PID-3 repetition (1-based), primary first.
    keys: Vec<(u32, SourceKey)>,
    /// Domains whose id `""` deletes.
    deletes: Vec<DomainId>,
}

fn location(pid_seq: u32, field: u32) -> ErrorLocation {
    ErrorLocation::field("PID", pid_seq, field)
}

/// Resolves one identifier (PID-3 or MRG-1) to a domain the sender may feed.
fn resolve_domain(
    ctx: &Context<'_>,
    id: &PatientIdentifier,
    at: ErrorLocation,
) -> Result<DomainId, Nak> {
    let id = match ctx.rights.default_domain(ctx.state.domains()) {
        Some(default) => id
            .clone()
            .with_default_authority(&ctx.state.domains().authority(&default)),
        None => id.clone(),
    };
    if id.authority.is_empty() {
        return Err(
            Nak::error(ErrorCode::RequiredFieldMissing, Some(at.component(4)))
                .with_diagnostic("no assigning authority and no default domain for this sender"),
        );
    }
    let Some(domain) = ctx.state.domains().resolve(&id.authority) else {
        return Err(
            Nak::error(ErrorCode::UnknownKeyIdentifier, Some(at.component(4)))
                .with_diagnostic("unknown assigning authority"),
        );
    };
    if !ctx.rights.may_feed(&domain.id) {
        ctx.record_denied("feed");
        return Err(Nak::denied(Some(at.component(4))));
    }
    Ok(domain.id.clone())
}

fn local_id(value: &str, at: ErrorLocation) -> Result<LocalId, Nak> {
    LocalId::new(value).map_err(|_| {
        Nak::error(ErrorCode::DataType, Some(at.component(1))).with_diagnostic("invalid identifier")
    })
}

fn keys_of(ctx: &Context<'_>, patient: &Patient, pid_seq: u32) -> Result<Keys, Nak> {
    let mut keys = Keys {
        keys: Vec::new(),
        deletes: Vec::new(),
    };
    for (index, id) in patient.identifiers.iter().enumerate() {
        if matches!(
            id.kind(),
            IdentifierKind::Ins(_) | IdentifierKind::BillingNir
        ) {
            continue;
        }
        let rep = index as u32 + 1;
        let at = location(pid_seq, 3).repetition(rep);
        let domain = resolve_domain(ctx, id, at.clone())?;
        match &id.value {
            IdValue::Id(value) => {
                let key = SourceKey {
                    domain,
                    local_id: local_id(value, at)?,
                };
                if !keys.keys.iter().any(|(_, k)| k == &key) {
                    keys.keys.push((rep, key));
                }
            }
            IdValue::Delete => keys.deletes.push(domain),
        }
    }
    if keys.keys.is_empty() {
        return Err(
            Nak::error(ErrorCode::RequiredFieldMissing, Some(location(pid_seq, 3)))
                .with_diagnostic("no patient identifier in a configured domain"),
        );
    }
    Ok(keys)
}

fn options(ctx: &Context<'_>) -> ParseOptions {
    ParseOptions {
        allow_test_oids: ctx.state.config.mllp.allow_test_ins,
    }
}

/// The PID as a record for `key`, with the mapping's notes as warnings.
fn record_of(
    ctx: &Context<'_>,
    patient: &Patient,
    key: &SourceKey,
    warnings: &mut Vec<ErrorDetail>,
    pid_seq: u32,
) -> Result<IdentityRecord, Nak> {
    let record_id: String = format!("mllp-{}", ctx.header.control_id)
        .chars()
        .take(200)
        .collect();
    let authority = ctx.state.domains().authority(&key.domain);
    let mapped = patient
        .identity_record(&record_id, Some(&authority), options(ctx))
        .map_err(|_| {
            Nak::error(
                ErrorCode::DataType,
                Some(ErrorLocation::field("MSH", 1, 10)),
            )
            .with_diagnostic("message control id is not a usable record id")
        })?;
    for note in &mapped.notes {
        warnings.push(warning(Some(location(pid_seq, 3)), note.to_string()));
    }
    for finding in &mapped.findings {
        warnings.push(warning(None, finding.to_string()));
    }
    let mut record = mapped.record;
    record.source = Some(key.domain.clone());
    record.local_id = Some(key.local_id.clone());
    Ok(record)
}

fn keep<T: Clone>(new: &mut Option<T>, stored: &Option<T>, deleted: bool) {
    if new.is_none() && !deleted {
        new.clone_from(stored);
    }
}

fn name_deleted(patient: &Patient, wanted: &NameType) -> bool {
    patient
        .names
        .iter()
        .any(|n| &n.name_type == wanted && n.family.is_null())
}

/// App. C.2.6 on an update: an empty field keeps the stored value, `""` deletes it.
fn merge_with_stored(new: &mut IdentityRecord, stored: &IdentityRecord, patient: &Patient) {
    let null = |field: u32| patient.null_fields.contains(&field);
    let pid5_null = null(5);
    let birth_deleted = pid5_null
        || name_deleted(patient, &NameType::Legal)
        || name_deleted(patient, &NameType::Birth);
    keep(&mut new.birth_name, &stored.birth_name, birth_deleted);
    keep(&mut new.first_names, &stored.first_names, pid5_null);
    let used_deleted = pid5_null || name_deleted(patient, &NameType::Display);
    keep(&mut new.used_name, &stored.used_name, used_deleted);
    keep(
        &mut new.used_first_name,
        &stored.used_first_name,
        used_deleted,
    );
    keep(&mut new.birth_date, &stored.birth_date, null(7));
    if new.sex == Sex::Unknown && !null(8) {
        new.sex = stored.sex;
    }
    let pid11_null = null(11);
    keep(&mut new.birth_place, &stored.birth_place, pid11_null);
    if patient.addresses.is_empty() {
        keep(&mut new.address, &stored.address, pid11_null);
        keep(&mut new.postcode, &stored.postcode, pid11_null);
        keep(&mut new.city, &stored.city, pid11_null);
        keep(&mut new.country, &stored.country, pid11_null);
    }
    let telecom_null = null(13) || null(14);
    keep(&mut new.phone, &stored.phone, telecom_null);
    keep(&mut new.email, &stored.email, telecom_null);
    keep(&mut new.other_id, &stored.other_id, false);
    merge_ins_and_state(new, stored, patient);
}

fn pid32_sent(patient: &Patient) -> bool {
    patient.reliability.status.is_some() || !patient.reliability.attributes.is_empty()
}

fn with_status(state: IdentityState, status: IdentityStatus) -> IdentityState {
    IdentityState::new(
        status,
        state.doubtful(),
        state.fictitious(),
        state.homonym(),
    )
    .0
}

/// A state that cannot claim a qualified identity without an INS.
fn without_ins(state: IdentityState) -> IdentityState {
    match state.status() {
        IdentityStatus::Qualified => with_status(state, IdentityStatus::Validated),
        IdentityStatus::Recovered => with_status(state, IdentityStatus::Provisional),
        _ => state,
    }
}

fn merge_ins_and_state(new: &mut IdentityRecord, stored: &IdentityRecord, patient: &Patient) {
    let sent_ins = !patient.ins_identifiers().is_empty();
    if patient.deletes_ins() {
        new.ins = None;
        if !pid32_sent(patient) {
            new.state = without_ins(stored.state);
        }
    } else if new.ins.is_some() || sent_ins {
        // The message says what the INS is now (possibly dropped by the VALI rule).
    } else {
        new.ins.clone_from(&stored.ins);
        if !pid32_sent(patient) {
            new.state = stored.state;
        } else if new.ins.is_some() && new.state.status() == IdentityStatus::Validated {
            new.state = with_status(new.state, IdentityStatus::Qualified);
        }
    }
}

/// Handles a feed message; `Ok` carries the warnings of an `AA`.
pub(crate) fn handle(ctx: &Context<'_>, feed: &Feed) -> Result<Vec<ErrorDetail>, Nak> {
    if !ctx.rights.known() {
        ctx.record_denied("feed");
        return Err(Nak::denied(Some(ErrorLocation::field("MSH", 1, 3))));
    }
    let mut warnings = Vec::new();
    match &feed.message {
        FeedMessage::Register { patient, .. } | FeedMessage::Update { patient, .. } => {
            register(ctx, patient, &mut warnings)?;
        }
        FeedMessage::Merge { patient, prior } => merge(ctx, patient, prior)?,
        FeedMessage::ChangeIdentifier { patient, prior } => {
            change_identifier(ctx, patient, prior, &mut warnings)?;
        }
        FeedMessage::Link { first, second } | FeedMessage::Unlink { first, second } => {
            if !ctx.state.config.mllp.link_unlink {
                return Err(Nak {
                    code: AckCode::Reject,
                    errors: vec![ErrorDetail::new(
                        ErrorCode::UnsupportedEventCode,
                        Some(ErrorLocation::field("MSH", 1, 9).component(2)),
                    )],
                }
                .with_diagnostic("the ITI-30 Link/Unlink option is not enabled"));
            }
            let link = matches!(feed.message, FeedMessage::Link { .. });
            link_or_unlink(ctx, first, second, link)?;
        }
    }
    Ok(warnings)
}

fn register(
    ctx: &Context<'_>,
    patient: &Patient,
    warnings: &mut Vec<ErrorDetail>,
) -> Result<(), Nak> {
    let engine = ctx.state.engine();
    let actor = ctx.sender.actor();
    let keys = keys_of(ctx, patient, 1)?;
    let mut primary: Option<(SourceKey, vigie_engine::EnterpriseId)> = None;
    for (index, (_, key)) in keys.keys.iter().enumerate() {
        let mut notes = Vec::new();
        let mut record = record_of(ctx, patient, key, &mut notes, 1)?;
        if index == 0 {
            warnings.append(&mut notes);
        }
        if let Some(stored) = engine.source(key)? {
            merge_with_stored(&mut record, &stored.record, patient);
        }
        let outcome = engine.register(record, &actor)?;
        match &primary {
            None => primary = Some((key.clone(), outcome.enterprise)),
            Some((first, enterprise)) if *enterprise != outcome.enterprise => {
                engine.link(first, key, &actor)?;
            }
            Some(_) => {}
        }
    }
    if let (Some((first, _)), false) = (&primary, keys.deletes.is_empty()) {
        let xref = engine.cross_reference(first, &keys.deletes)?;
        for key in xref
            .keys
            .iter()
            .filter(|k| keys.deletes.contains(&k.domain))
        {
            engine.remove(key, &actor)?;
        }
    }
    Ok(())
}

/// For each MRG-1 id: its domain and the PID-3 key of the same domain.
fn pairs(
    ctx: &Context<'_>,
    patient: &Patient,
    prior: &[PatientIdentifier],
) -> Result<Vec<(SourceKey, SourceKey)>, Nak> {
    let keys = keys_of(ctx, patient, 1)?;
    let mut pairs = Vec::new();
    for (index, id) in prior.iter().enumerate() {
        let at = ErrorLocation::field("MRG", 1, 1).repetition(index as u32 + 1);
        let domain = resolve_domain(ctx, id, at.clone())?;
        let Some(value) = id.id() else {
            return Err(Nak::error(
                ErrorCode::RequiredFieldMissing,
                Some(at.component(1)),
            ));
        };
        let old = SourceKey {
            domain: domain.clone(),
            local_id: local_id(value, at.clone())?,
        };
        let Some((_, new)) = keys.keys.iter().find(|(_, k)| k.domain == domain) else {
            return Err(
                Nak::error(ErrorCode::UnknownKeyIdentifier, Some(at.component(4)))
                    .with_diagnostic("no PID-3 identifier in the domain of this MRG-1 identifier"),
            );
        };
        pairs.push((old, new.clone()));
    }
    Ok(pairs)
}

fn merge(ctx: &Context<'_>, patient: &Patient, prior: &[PatientIdentifier]) -> Result<(), Nak> {
    let engine = ctx.state.engine();
    let actor = ctx.sender.actor();
    for (old, surviving) in pairs(ctx, patient, prior)? {
        if old == surviving || engine.source(&old)?.is_none() {
            continue; // unknown MRG id: nothing to do (ITI-30 §3.30.6.4.4)
        }
        engine.merge(&surviving, &old, &actor)?;
    }
    Ok(())
}

fn change_identifier(
    ctx: &Context<'_>,
    patient: &Patient,
    prior: &[PatientIdentifier],
    warnings: &mut Vec<ErrorDetail>,
) -> Result<(), Nak> {
    let (ins, ids): (Vec<PatientIdentifier>, Vec<PatientIdentifier>) = prior
        .iter()
        .cloned()
        .partition(|id| matches!(id.kind(), IdentifierKind::Ins(_)));
    if !ids.is_empty() {
        let engine = ctx.state.engine();
        let actor = ctx.sender.actor();
        for (old, new) in pairs(ctx, patient, &ids)? {
            if old == new || engine.source(&old)?.is_none() {
                continue; // unknown MRG id: nothing to do (ITI-30 §3.30.6.5.4)
            }
            engine.change_local_id(&old, &new, &actor).map_err(|e| {
                let mut nak = Nak::from(e);
                if nak
                    .errors
                    .iter()
                    .any(|d| d.code == ErrorCode::DuplicateKeyIdentifier)
                {
                    nak = Nak::error(ErrorCode::DuplicateKeyIdentifier, Some(location(1, 3)))
                        .with_diagnostic(
                            "the new identifier belongs to another patient: send an A40",
                        );
                }
                nak
            })?;
        }
    }
    for old_ins in &ins {
        change_ins(ctx, patient, old_ins, warnings)?;
    }
    Ok(())
}

/// PAM France §4.4.2–4.4.4: the patient holding the MRG-1 INS gets the PID-3 INS (or none),
/// its status following PID-32.
fn change_ins(
    ctx: &Context<'_>,
    patient: &Patient,
    old: &PatientIdentifier,
    warnings: &mut Vec<ErrorDetail>,
) -> Result<(), Nak> {
    let engine = ctx.state.engine();
    let actor = ctx.sender.actor();
    let Some(matricule) = old.id() else {
        return Ok(());
    };
    let holds = |record: &IdentityRecord| {
        record
            .ins
            .as_ref()
            .is_some_and(|i: &Ins| i.matricule() == matricule)
    };
    let mut targets: Vec<SourceKey> = Vec::new();
    // The sender's own ids in PID-3 first, then whoever the index finds by that INS.
    if let Ok(keys) = keys_of(ctx, patient, 1) {
        for (_, key) in keys.keys {
            if engine.source(&key)?.is_some_and(|s| holds(&s.record)) {
                targets.push(key);
            }
        }
    }
    if targets.is_empty() {
        let query = SearchQuery {
            ins: Some(matricule.to_owned()),
            limit: 10,
            ..SearchQuery::default()
        };
        for hit in engine.search(&query)? {
            for key in hit.keys {
                if ctx.rights.may_feed(&key.domain)
                    && !targets.contains(&key)
                    && engine.source(&key)?.is_some_and(|s| holds(&s.record))
                {
                    targets.push(key);
                }
            }
        }
    }
    for key in targets {
        let Some(stored) = engine.source(&key)? else {
            continue;
        };
        let mut notes = Vec::new();
        let mapped = record_of(ctx, patient, &key, &mut notes, 1)?;
        warnings.append(&mut notes);
        let mut record = stored.record.clone();
        record.ins = if patient.deletes_ins() {
            None
        } else {
            mapped.ins
        };
        record.state = if pid32_sent(patient) {
            mapped.state
        } else {
            stored.record.state
        };
        if record.ins.is_none() {
            record.state = without_ins(record.state);
        }
        engine.register(record, &actor)?;
    }
    Ok(())
}

fn link_or_unlink(
    ctx: &Context<'_>,
    first: &Patient,
    second: &Patient,
    link: bool,
) -> Result<(), Nak> {
    let engine = ctx.state.engine();
    let actor = ctx.sender.actor();
    let a = keys_of(ctx, first, 1)?;
    let b = keys_of(ctx, second, 2)?;
    let (Some((_, a)), Some((_, b))) = (a.keys.first(), b.keys.first()) else {
        return Ok(());
    };
    let (Some(sa), Some(sb)) = (engine.source(a)?, engine.source(b)?) else {
        // Unknown patient(s): nothing is created and no error is due (§3.30.6.6.4, §3.30.6.7.4).
        return Ok(());
    };
    if link {
        if sa.enterprise != sb.enterprise {
            engine.link(a, b, &actor)?;
        }
    } else if sa.enterprise == sb.enterprise {
        engine.unlink(b, &actor)?;
    }
    Ok(())
}
