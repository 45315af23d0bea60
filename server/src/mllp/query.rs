//! ITI-9 PIX query (the six response cases of §3.9.4.2.2.6), ITI-21 PDQ query (QPD-3
//! parameters, QPD-8 domain filter, RCP-2 quantity limit, DSC continuation kept server-side
//! with an expiry) and the `QCN^J01` cancel. Every query is recorded with
//! `engine.record_access` and the enterprise identities it returned.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use vigie_core::ins::Ins;
use vigie_engine::{AccessRecord, DomainId, EnterpriseId, LocalId, SearchQuery, SourceKey};
use vigie_hl7::error::{ErrorCode, ErrorLocation};
use vigie_hl7::pid::Patient;
use vigie_hl7::query::{PdqQuery, PixQuery, QueryCancel};
use vigie_hl7::reply::{
    Continuation, ErrorDetail, PdqMatch, PdqOutcome, PixOutcome, build_rsp_k22, build_rsp_k23,
};
use vigie_hl7::types::{AssigningAuthority, IdentifierKind, PatientIdentifier};

use super::handlers::{Context, Nak};
use crate::domains::Target;

/// A PDQ result set being served page by page.
struct Cursor {
    query_tag: String,
    owner: String,
    page: usize,
    total: u32,
    remaining: VecDeque<(EnterpriseId, PdqMatch)>,
    expires: Instant,
}

/// The continuation pointers (DSC-1) alive, oldest first.
#[derive(Default)]
pub(crate) struct Continuations {
    cursors: HashMap<String, Cursor>,
    order: VecDeque<String>,
    next: u64,
}

impl Continuations {
    fn purge(&mut self, now: Instant) {
        self.cursors.retain(|_, c| c.expires > now);
        let cursors = &self.cursors;
        self.order.retain(|p| cursors.contains_key(p));
    }

    fn insert(&mut self, cursor: Cursor, max: usize) -> String {
        self.next += 1;
        // Unique per process; only the sender that made the query may follow it (owner check).
        let pointer = format!("C{:x}", self.next);
        while self.cursors.len() >= max.max(1) {
            match self.order.pop_front() {
                Some(oldest) => {
                    self.cursors.remove(&oldest);
                }
                None => break,
            }
        }
        self.order.push_back(pointer.clone());
        self.cursors.insert(pointer.clone(), cursor);
        pointer
    }

    /// Number of live pointers (for tests and metrics).
    #[allow(dead_code)]
    pub fn len(&self) -> usize {
        self.cursors.len()
    }
}

fn denied_detail(location: ErrorLocation) -> ErrorDetail {
    Nak::denied(Some(location))
        .errors
        .pop()
        .unwrap_or_else(|| ErrorDetail::new(ErrorCode::UnknownKeyIdentifier, None))
}

fn nak_detail(nak: Nak) -> ErrorDetail {
    nak.errors
        .into_iter()
        .next()
        .unwrap_or_else(|| ErrorDetail::new(ErrorCode::ApplicationInternalError, None))
}

fn record_query(ctx: &Context<'_>, action: &str, outcome: &str, patients: Vec<EnterpriseId>) {
    let access = AccessRecord {
        actor: ctx.sender.actor(),
        action: action.to_owned(),
        outcome: outcome.to_owned(),
        patients,
    };
    if let Err(e) = ctx.state.engine().record_access(access) {
        tracing::warn!(kind = ?e.kind(), action, "could not audit a query");
    }
}

fn ins_identifier(ins: &Ins) -> PatientIdentifier {
    let namespace = if ins.is_nia() {
        "ASIP-SANTE-INS-NIA"
    } else {
        "ASIP-SANTE-INS-NIR"
    };
    PatientIdentifier::new(
        ins.matricule(),
        AssigningAuthority::new(namespace, ins.oid().as_str(), "ISO"),
        Some("INS"),
    )
}

fn key_identifier(ctx: &Context<'_>, key: &SourceKey) -> PatientIdentifier {
    PatientIdentifier::new(
        key.local_id.as_str(),
        ctx.state.domains().authority(&key.domain),
        Some("PI"),
    )
}

/// Reads query filter domains: (unknown repetitions, known targets).
fn targets(
    ctx: &Context<'_>,
    domains: impl Iterator<Item = (u32, AssigningAuthority)>,
) -> (Vec<u32>, Vec<Target>) {
    let mut unknown = Vec::new();
    let mut known = Vec::new();
    for (rep, authority) in domains {
        match ctx.state.domains().target(&authority) {
            Some(t) => known.push(t),
            None => unknown.push(rep),
        }
    }
    (unknown, known)
}

fn wants(targets: &[Target], target: &Target) -> bool {
    targets.is_empty() || targets.contains(target)
}

fn domain_ids(targets: &[Target]) -> Vec<DomainId> {
    targets
        .iter()
        .filter_map(|t| match t {
            Target::Domain(d) => Some(d.clone()),
            Target::Ins => None,
        })
        .collect()
}

/// Answers an ITI-9 query with `RSP^K23`.
pub(crate) fn pix(ctx: &Context<'_>, query: &PixQuery) -> Vec<u8> {
    let (outcome, patients) = pix_outcome(ctx, query);
    let status = match &outcome {
        PixOutcome::Found(_) => "ok",
        PixOutcome::NotFound => "not-found",
        PixOutcome::UnknownPatient => "not-found",
        _ => "error",
    };
    if !matches!(&outcome, PixOutcome::Failed(d) if d.user_message.is_some()) {
        record_query(ctx, "pix-query", status, patients);
    }
    build_rsp_k23(
        &ctx.state.reply_header(ctx.header),
        &ctx.header.control_id,
        query,
        &outcome,
    )
}

fn pix_outcome(ctx: &Context<'_>, query: &PixQuery) -> (PixOutcome, Vec<EnterpriseId>) {
    let engine = ctx.state.engine();
    if !ctx.rights.known() {
        ctx.record_denied("pix-query");
        return (
            PixOutcome::Failed(denied_detail(ErrorLocation::field("MSH", 1, 3))),
            vec![],
        );
    }
    let source = ctx.state.domains().target(&query.patient.authority);
    let Some(source) = source else {
        return (PixOutcome::UnknownSourceDomain, vec![]);
    };
    let reps = query.domain_repetitions.iter().copied();
    let (unknown, targets) = targets(ctx, reps.zip(query.domains.iter().cloned()));
    if !unknown.is_empty() {
        return (PixOutcome::UnknownTargetDomains(unknown), vec![]);
    }
    let denied = match &source {
        Target::Domain(d) => !ctx.rights.may_query(d),
        Target::Ins => false,
    } || domain_ids(&targets)
        .iter()
        .any(|d| !ctx.rights.may_query(d));
    if denied {
        ctx.record_denied("pix-query");
        return (
            PixOutcome::Failed(denied_detail(
                ErrorLocation::field("QPD", 1, 3).component(4),
            )),
            vec![],
        );
    }
    let Some(value) = query.patient.id() else {
        return (PixOutcome::UnknownPatient, vec![]);
    };
    // The key whose cross-references are asked: the id itself, or for an INS the first key of
    // the identity holding it.
    let key = match &source {
        Target::Domain(domain) => match LocalId::new(value) {
            Ok(local_id) => SourceKey {
                domain: domain.clone(),
                local_id,
            },
            Err(_) => return (PixOutcome::UnknownPatient, vec![]),
        },
        Target::Ins => {
            let search = SearchQuery {
                ins: Some(value.to_owned()),
                limit: 1,
                ..SearchQuery::default()
            };
            match engine.search(&search) {
                Ok(hits) => match hits
                    .into_iter()
                    .next()
                    .and_then(|h| h.keys.into_iter().next())
                {
                    Some(key) => key,
                    None => return (PixOutcome::UnknownPatient, vec![]),
                },
                Err(e) => return (PixOutcome::Failed(nak_detail(Nak::from(e))), vec![]),
            }
        }
    };
    let xref = match engine.cross_reference(&key, &domain_ids(&targets)) {
        Ok(xref) => xref,
        Err(e) if e.kind() == vigie_engine::ErrorKind::NotFound => {
            return (PixOutcome::UnknownPatient, vec![]);
        }
        Err(e) => return (PixOutcome::Failed(nak_detail(Nak::from(e))), vec![]),
    };
    let mut ids: Vec<PatientIdentifier> = xref
        .keys
        .iter()
        .filter(|k| wants(&targets, &Target::Domain(k.domain.clone())))
        .filter(|k| ctx.rights.may_query(&k.domain))
        .map(|k| key_identifier(ctx, k))
        .collect();
    if let (Some(ins), true) = (&xref.ins, wants(&targets, &Target::Ins)) {
        ids.push(ins_identifier(ins));
    }
    if matches!(source, Target::Ins) {
        // The queried INS is not returned; the key it led to is.
        if !ids.iter().any(|i| i.same_as(&key_identifier(ctx, &key)))
            && wants(&targets, &Target::Domain(key.domain.clone()))
        {
            ids.insert(0, key_identifier(ctx, &key));
        }
    }
    (PixOutcome::Found(ids), vec![xref.enterprise])
}

/// Answers an ITI-21 query with `RSP^K22`.
pub(crate) fn pdq(ctx: &Context<'_>, query: &PdqQuery) -> Vec<u8> {
    let (outcome, patients) = pdq_outcome(ctx, query);
    let status = match &outcome {
        PdqOutcome::Found { .. } => "ok",
        PdqOutcome::NotFound => "not-found",
        _ => "error",
    };
    if !matches!(&outcome, PdqOutcome::Failed(d) if d.user_message.is_some()) {
        record_query(ctx, "pdq-query", status, patients);
    }
    build_rsp_k22(
        &ctx.state.reply_header(ctx.header),
        &ctx.header.control_id,
        query,
        &outcome,
    )
}

fn page(
    pointer: Option<String>,
    cursor: &mut Cursor,
    size: usize,
) -> (PdqOutcome, Vec<EnterpriseId>, bool) {
    let n = size.min(cursor.remaining.len());
    let (patients, matches): (Vec<EnterpriseId>, Vec<PdqMatch>) =
        cursor.remaining.drain(..n).unzip();
    let remaining = cursor.remaining.len() as u32;
    let continuation = match (pointer, remaining) {
        (Some(pointer), 1..) => Some(Continuation {
            pointer,
            total: cursor.total,
            remaining,
        }),
        _ => None,
    };
    let done = continuation.is_none();
    (
        PdqOutcome::Found {
            matches,
            continuation,
        },
        patients,
        done,
    )
}

fn next_page(
    ctx: &Context<'_>,
    query: &PdqQuery,
    pointer: &str,
) -> (PdqOutcome, Vec<EnterpriseId>) {
    let owner = ctx.sender.actor().who;
    let mut continuations = ctx.state.shared.continuations.lock();
    continuations.purge(Instant::now());
    let unknown = || {
        let mut detail = ErrorDetail::new(
            ErrorCode::UnknownKeyIdentifier,
            Some(ErrorLocation::field("DSC", 1, 1)),
        );
        detail.diagnostic = Some("unknown, expired or cancelled continuation pointer".to_owned());
        (PdqOutcome::Failed(detail), vec![])
    };
    let Some(cursor) = continuations.cursors.get_mut(pointer) else {
        return unknown();
    };
    if cursor.query_tag != query.query_tag || cursor.owner != owner {
        return unknown();
    }
    let size = query.quantity_limit.map_or(cursor.page, |n| n as usize);
    let (outcome, patients, done) = page(Some(pointer.to_owned()), cursor, size);
    if done {
        continuations.cursors.remove(pointer);
    }
    (outcome, patients)
}

fn pdq_outcome(ctx: &Context<'_>, query: &PdqQuery) -> (PdqOutcome, Vec<EnterpriseId>) {
    let engine = ctx.state.engine();
    let domains = ctx.state.domains();
    if !ctx.rights.known() {
        ctx.record_denied("pdq-query");
        return (
            PdqOutcome::Failed(denied_detail(ErrorLocation::field("MSH", 1, 3))),
            vec![],
        );
    }
    if let Some(pointer) = &query.continuation_pointer {
        return next_page(ctx, query, pointer);
    }
    let (unknown, targets) = targets(ctx, query.domains.iter().cloned());
    if !unknown.is_empty() {
        return (PdqOutcome::UnknownDomains(unknown), vec![]);
    }
    if domain_ids(&targets)
        .iter()
        .any(|d| !ctx.rights.may_query(d))
    {
        ctx.record_denied("pdq-query");
        return (
            PdqOutcome::Failed(denied_detail(ErrorLocation::field("QPD", 1, 8))),
            vec![],
        );
    }
    let criteria = &query.criteria;
    let mut search = SearchQuery {
        family: criteria.family_name.clone(),
        given: criteria.given_name.clone(),
        birth_date: criteria.birth_date,
        sex: criteria.sex,
        postcode: criteria.postcode.clone(),
        city: criteria.city.clone(),
        limit: ctx.state.config.mllp.pdq_max_results.max(1),
        ..SearchQuery::default()
    };
    for identifier in &criteria.identifiers {
        let Some(id) = &identifier.id else { continue };
        if identifier.authority.ins_register().is_some() {
            search.ins = Some(id.clone());
            continue;
        }
        // An identifier in a domain Vigie does not know matches nobody.
        let key = domains.resolve(&identifier.authority).and_then(|d| {
            Some(SourceKey {
                domain: d.id.clone(),
                local_id: LocalId::new(id).ok()?,
            })
        });
        match key {
            Some(key) if search.identifier.is_none() => search.identifier = Some(key),
            Some(_) => {}
            None => return (PdqOutcome::NotFound, vec![]),
        }
    }
    let searchable = search.family.is_some()
        || search.given.is_some()
        || search.birth_date.is_some()
        || search.sex.is_some()
        || search.postcode.is_some()
        || search.city.is_some()
        || search.identifier.is_some()
        || search.ins.is_some();
    if !searchable {
        let mut detail = ErrorDetail::new(
            ErrorCode::RequiredFieldMissing,
            Some(ErrorLocation::field("QPD", 1, 3)),
        );
        detail.diagnostic = Some("no supported query parameter".to_owned());
        return (PdqOutcome::Failed(detail), vec![]);
    }
    let hits = match engine.search(&search) {
        Ok(hits) => hits,
        Err(e) => return (PdqOutcome::Failed(nak_detail(Nak::from(e))), vec![]),
    };
    let ins_wanted = wants(&targets, &Target::Ins);
    let mut matches: VecDeque<(EnterpriseId, PdqMatch)> = VecDeque::new();
    for hit in hits {
        let ids: Vec<PatientIdentifier> = hit
            .keys
            .iter()
            .filter(|k| wants(&targets, &Target::Domain(k.domain.clone())))
            .filter(|k| ctx.rights.may_query(&k.domain))
            .map(|k| key_identifier(ctx, k))
            .collect();
        let mut patient = Patient::from_identity(&hit.golden, ids);
        if !ins_wanted {
            patient
                .identifiers
                .retain(|id| !matches!(id.kind(), IdentifierKind::Ins(_)));
        }
        if patient.identifiers.is_empty() {
            continue;
        }
        matches.push_back((
            hit.enterprise,
            PdqMatch {
                patient,
                score: Some(hit.score),
            },
        ));
    }
    if matches.is_empty() {
        return (PdqOutcome::NotFound, vec![]);
    }
    let total = matches.len();
    let size = query.quantity_limit.map_or(total, |n| n as usize);
    let mut cursor = Cursor {
        query_tag: query.query_tag.clone(),
        owner: ctx.sender.actor().who,
        page: size,
        total: total as u32,
        remaining: matches,
        expires: Instant::now() + Duration::from_secs(ctx.state.config.mllp.continuation_ttl_secs),
    };
    if total <= size {
        let (outcome, patients, _) = page(None, &mut cursor, size);
        return (outcome, patients);
    }
    let mut continuations = ctx.state.shared.continuations.lock();
    continuations.purge(Instant::now());
    // Serve the first page, keep the rest under a new pointer.
    let first: VecDeque<(EnterpriseId, PdqMatch)> = cursor.remaining.drain(..size).collect();
    let remaining = cursor.remaining.len() as u32;
    let pointer = continuations.insert(cursor, ctx.state.config.mllp.max_continuations);
    let (patients, matches): (Vec<EnterpriseId>, Vec<PdqMatch>) = first.into_iter().unzip();
    (
        PdqOutcome::Found {
            matches,
            continuation: Some(Continuation {
                pointer,
                total: total as u32,
                remaining,
            }),
        },
        patients,
    )
}

/// `QCN^J01`: releases the continuation pointers of the sender's query with that tag.
pub(crate) fn cancel(ctx: &Context<'_>, cancel: &QueryCancel) {
    let owner = ctx.sender.actor().who;
    let mut continuations = ctx.state.shared.continuations.lock();
    continuations
        .cursors
        .retain(|_, c| !(c.query_tag == cancel.query_tag && c.owner == owner));
    let cursors = &continuations.cursors;
    let order: VecDeque<String> = continuations
        .order
        .iter()
        .filter(|p| cursors.contains_key(*p))
        .cloned()
        .collect();
    continuations.order = order;
}
