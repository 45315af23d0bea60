//! The write path: every mutation runs inside one store transaction (the single writer), so
//! "read candidates → decide → write" is one critical section and two concurrent registrations
//! of the same new person cannot both create an enterprise identity: the second one sees the
//! first one's source as a candidate. The WAL fsync happens after the lock is released and is
//! shared by concurrent writers (group commit).
//!
//! A registration does its expensive part — index search, reading and preparing up to
//! `candidate_limit` candidates, scoring them — *before* taking the lock ([`Prescored`], at the
//! store revision read first). Under the lock it asks the store which source rows changed since
//! that revision and re-reads and re-scores exactly those (dropping changed candidates, adding
//! changed rows that share a blocking key with the probe), so the decision is the one a search
//! under the lock would give, while the critical section stays short.

use std::collections::BTreeSet;

use vigie_core::ids::EnterpriseId;
use vigie_core::matching::blocking::BlockingRule;
use vigie_core::matching::cluster::NodeTraits;
use vigie_core::matching::model::{Decision, Score};
use vigie_core::matching::prepare::MatchRecord;
use vigie_core::matching::rules::RuleHit;
use vigie_core::record::IdentityRecord;
use vigie_store::{
    ActorRow, DecisionRow, EnterpriseRow, MergeRow, ReviewRow, SeparationRow, SourceRow, WriteTxn,
};

use crate::convert::{actor_row, explanation_row, golden, key_text};
use crate::terms::blocking_terms;
use crate::{
    Actor, DecisionId, Engine, EngineError, LinkOutcome, MergeId, RegisterOutcome, Resolution,
    ReviewId, SourceKey,
};

/// Flag: same usable INS as a candidate with incompatible strict traits.
pub const FLAG_INS_COLLISION: &str = "ins-collision";
/// Flag: a probable duplicate in the same domain (doublon) awaits review.
pub const FLAG_DOUBLON: &str = "doublon-suspect";
/// Flag: an auto-link was refused (separation, INS or sex constraint).
pub const FLAG_LINK_REFUSED: &str = "link-refused";
/// Flag: an update contradicts the other members of its enterprise identity (it was detached).
pub const FLAG_UPDATE_CONFLICT: &str = "update-conflict";

/// Candidates of a registration scored outside the writer lock, at store revision `rev`.
pub(crate) struct Prescored {
    rev: u64,
    probe: MatchRecord,
    scored: Vec<Scored>,
}

/// One scored candidate.
pub(crate) struct Scored {
    pub key: SourceKey,
    pub row: SourceRow,
    pub prepared: MatchRecord,
    pub score: Score,
    pub blocking: &'static str,
}

impl Scored {
    /// Ordering weight: certain INS matches first.
    fn strength(&self) -> f64 {
        if self.score.rule == Some(RuleHit::InsCertainMatch) {
            f64::INFINITY
        } else {
            self.score.match_weight
        }
    }

    /// Kept as a decision (same rule as the batch pipeline's scored pairs).
    fn kept(&self) -> bool {
        self.score.decision >= Decision::Review
            || (self.score.rule == Some(RuleHit::InsVeto) && self.score.band >= Decision::Review)
    }
}

pub(crate) fn key_of(record: &IdentityRecord) -> Result<SourceKey, EngineError> {
    match (&record.source, &record.local_id) {
        (Some(domain), Some(local_id)) => Ok(SourceKey {
            domain: domain.clone(),
            local_id: local_id.clone(),
        }),
        _ => Err(EngineError::InvalidInput(
            "record source and local_id are required".into(),
        )),
    }
}

fn conflict<T: PartialEq>(a: Option<T>, b: Option<T>) -> bool {
    matches!((a, b), (Some(x), Some(y)) if x != y)
}

/// Traits of a set of records that a new member may not contradict.
fn traits_conflict(a: &NodeTraits, b: &NodeTraits) -> bool {
    conflict(a.usable_ins, b.usable_ins) || conflict(a.sex, b.sex)
}

/// Best first: certain INS matches, then by weight; ties by key (deterministic).
fn sort_scored(scored: &mut [Scored]) {
    scored.sort_by(|a, b| {
        b.strength()
            .total_cmp(&a.strength())
            .then(a.key.cmp(&b.key))
    });
}

fn not_found(what: &str) -> EngineError {
    EngineError::NotFound(what.to_owned())
}

impl Engine {
    /// Candidates of a prepared record from the index, scored (best first), excluding `skip`.
    pub(crate) fn score_candidates(
        &self,
        txn: Option<&WriteTxn<'_>>,
        probe: &MatchRecord,
        skip: Option<&SourceKey>,
    ) -> Result<Vec<Scored>, EngineError> {
        let terms: Vec<(String, f32)> = blocking_terms(probe)
            .into_iter()
            .map(|t| (t, 1.0))
            .collect();
        let keys: Vec<SourceKey> = self
            .store
            .search_index(&terms, self.candidate_limit())?
            .into_iter()
            .map(|hit| hit.key)
            .filter(|key| Some(key) != skip)
            .collect();
        // Under the lock the transaction's own writes must be seen: one read each; outside it,
        // one batched lookup.
        let rows = match txn {
            Some(txn) => keys
                .iter()
                .map(|key| txn.source(key))
                .collect::<Result<Vec<_>, _>>()?,
            None => self.store.sources(&keys)?,
        };
        let mut out = Vec::with_capacity(keys.len());
        for (key, row) in keys.into_iter().zip(rows) {
            if let Some(row) = row.filter(|r| r.active) {
                out.push(self.scored(probe, key, row));
            }
        }
        sort_scored(&mut out);
        Ok(out)
    }

    fn scored(&self, probe: &MatchRecord, key: SourceKey, row: SourceRow) -> Scored {
        let prepared = crate::prep::prepare(&row.record);
        let rule =
            vigie_batch::pipeline::blocking_rule_of(&BlockingRule::DEFAULT, probe, &prepared);
        self.scored_prepared(probe, key, row, prepared, rule)
    }

    /// Scores an already prepared candidate found by `rule` (`None`: by the index only).
    fn scored_prepared(
        &self,
        probe: &MatchRecord,
        key: SourceKey,
        row: SourceRow,
        prepared: MatchRecord,
        rule: Option<BlockingRule>,
    ) -> Scored {
        let score = self.model.score(probe, &prepared);
        Scored {
            key,
            row,
            prepared,
            score,
            blocking: rule.map_or("index", BlockingRule::name),
        }
    }

    /// Scores a registration's candidates without the writer lock (see the module docs).
    /// `None` when the record has no valid key (the locked path reports the error).
    pub(crate) fn prescore(
        &self,
        record: &IdentityRecord,
    ) -> Result<Option<Prescored>, EngineError> {
        let Ok(key) = key_of(record) else {
            return Ok(None);
        };
        // The revision first: every write at or before it is visible to what follows.
        let rev = self.store.committed_rev();
        let probe = crate::prep::prepare(record);
        let scored = self.score_candidates(None, &probe, Some(&key))?;
        Ok(Some(Prescored { rev, probe, scored }))
    }

    /// Brings pre-scored candidates up to date under the lock: the rows changed since the
    /// pre-scoring revision are dropped, then re-read and re-scored when they share a blocking
    /// key with the probe (as the index terms are those keys, exactly the fresh writes an index
    /// search would return). Falls back to a full search when the store forgot that far back.
    fn refresh(
        &self,
        txn: &WriteTxn<'_>,
        pre: Prescored,
        key: &SourceKey,
    ) -> Result<(MatchRecord, Vec<Scored>), EngineError> {
        let Prescored {
            rev,
            probe,
            mut scored,
        } = pre;
        let Some(changed) = txn.sources_changed_since(rev) else {
            let scored = self.score_candidates(Some(txn), &probe, Some(key))?;
            return Ok((probe, scored));
        };
        if changed.is_empty() {
            return Ok((probe, scored));
        }
        let changed: BTreeSet<SourceKey> = changed.into_iter().collect();
        scored.retain(|s| !changed.contains(&s.key));
        for k in changed {
            if &k == key {
                continue;
            }
            let Some(row) = txn.source(&k)?.filter(|r| r.active) else {
                continue;
            };
            let prepared = crate::prep::prepare(&row.record);
            let rule =
                vigie_batch::pipeline::blocking_rule_of(&BlockingRule::DEFAULT, &probe, &prepared);
            if rule.is_some() {
                scored.push(self.scored_prepared(&probe, k, row, prepared, rule));
            }
        }
        sort_scored(&mut scored);
        Ok((probe, scored))
    }

    fn store_decision(
        &self,
        txn: &mut WriteTxn<'_>,
        key: &SourceKey,
        probe: &MatchRecord,
        s: &Scored,
    ) -> Result<u64, EngineError> {
        let explanation = self.model.explain(probe, &s.prepared);
        let row = DecisionRow {
            pair: (key.clone(), s.key.clone()),
            model_version: self.model.version().to_owned(),
            blocking_rule: s.blocking.to_owned(),
            decision: s.score.decision.name().to_owned(),
            explanation: explanation_row(&explanation),
            at_ms: txn.now_ms(),
        };
        Ok(txn.add_decision(&row)?)
    }

    /// Member rows of an enterprise (this transaction's writes included).
    pub(crate) fn members(
        txn: &WriteTxn<'_>,
        row: &EnterpriseRow,
    ) -> Result<Vec<(SourceKey, SourceRow)>, EngineError> {
        let mut out = Vec::with_capacity(row.members.len());
        for key in &row.members {
            if let Some(r) = txn.source(key)? {
                out.push((key.clone(), r));
            }
        }
        Ok(out)
    }

    fn group_traits(members: &[(SourceKey, SourceRow)]) -> NodeTraits {
        let mut t = NodeTraits::default();
        for (_, row) in members {
            let n = NodeTraits::of(&crate::prep::prepare(&row.record));
            t.usable_ins = t.usable_ins.or(n.usable_ins);
            t.sex = t.sex.or(n.sex);
        }
        t
    }

    /// Writes an enterprise with a new member list (golden recomputed; retired when empty) and
    /// queues its notification.
    fn write_enterprise(
        txn: &mut WriteTxn<'_>,
        id: &EnterpriseId,
        mut row: EnterpriseRow,
        members: Vec<SourceKey>,
    ) -> Result<(), EngineError> {
        let mut members = members;
        members.sort();
        members.dedup();
        row.members = members;
        if row.is_active() {
            row.retired_into = None;
            let rows = Self::members(txn, &row)?;
            row.golden = golden(id, &rows)?;
        }
        let keys = row.members.clone();
        txn.put_enterprise(id, Some(row))?;
        txn.add_notification(id, keys)?;
        Ok(())
    }

    fn new_enterprise_row(
        txn: &WriteTxn<'_>,
        id: &EnterpriseId,
        record: &IdentityRecord,
    ) -> Result<EnterpriseRow, EngineError> {
        let mut golden = record.clone();
        golden.record_id = vigie_core::ids::RecordId::new(id.as_str())
            .map_err(|_| EngineError::Internal("enterprise id is not a valid record id".into()))?;
        golden.source = None;
        golden.local_id = None;
        Ok(EnterpriseRow {
            golden,
            members: Vec::new(),
            retired_into: None,
            absorbed: Vec::new(),
            flags: Vec::new(),
            created_ms: txn.now_ms(),
        })
    }

    /// The enterprise a source may auto-join among the candidates: the strongest auto-link
    /// whose enterprise holds no separated member and no contradicting usable INS or sex.
    fn join_target(
        &self,
        txn: &WriteTxn<'_>,
        key: &SourceKey,
        probe: &MatchRecord,
        scored: &[Scored],
        exclude: Option<&EnterpriseId>,
        refused: &mut bool,
    ) -> Result<Option<(EnterpriseId, usize)>, EngineError> {
        let me = NodeTraits::of(probe);
        let mut tried: BTreeSet<EnterpriseId> = BTreeSet::new();
        for (i, s) in scored.iter().enumerate() {
            if s.score.decision != Decision::AutoLink {
                continue;
            }
            let ent = &s.row.enterprise;
            if Some(ent) == exclude || !tried.insert(ent.clone()) {
                continue;
            }
            let Some(row) = txn.enterprise(ent)?.filter(EnterpriseRow::is_active) else {
                continue;
            };
            let members = Self::members(txn, &row)?;
            let mut ok = !traits_conflict(&me, &Self::group_traits(&members));
            for (m, _) in &members {
                if ok && txn.separated(key, m)? {
                    ok = false;
                }
            }
            if ok {
                return Ok(Some((ent.clone(), i)));
            }
            *refused = true;
        }
        Ok(None)
    }

    pub(crate) fn register_in(
        &self,
        txn: &mut WriteTxn<'_>,
        record: IdentityRecord,
        pre: Option<Prescored>,
        actor: &ActorRow,
        subjects: &mut Vec<String>,
    ) -> Result<RegisterOutcome, EngineError> {
        let key = key_of(&record)?;
        subjects.push(key_text(&key));
        let existing = txn.source(&key)?.filter(|r| r.active);
        let (probe, scored) = match pre {
            Some(pre) => self.refresh(txn, pre, &key)?,
            None => {
                let probe = crate::prep::prepare(&record);
                let scored = self.score_candidates(Some(txn), &probe, Some(&key))?;
                (probe, scored)
            }
        };
        let mut flags = Vec::new();
        let mut decisions = Vec::new();
        let mut decision_of = Vec::with_capacity(scored.len());
        for s in &scored {
            if s.kept() {
                let id = self.store_decision(txn, &key, &probe, s)?;
                decisions.push(DecisionId(id));
                decision_of.push(Some(id));
            } else {
                decision_of.push(None);
            }
            if s.score.rule == Some(RuleHit::InsCollision)
                && !flags.iter().any(|f| f == FLAG_INS_COLLISION)
            {
                flags.push(FLAG_INS_COLLISION.to_owned());
            }
        }
        let row = SourceRow {
            record: record.clone(),
            enterprise: existing
                .as_ref()
                .map_or_else(|| txn.new_enterprise_id(), |r| Ok(r.enterprise.clone()))?,
            active: true,
            merged_into: None,
            updated_ms: txn.now_ms(),
            rev: txn.rev(),
        };
        let updated = existing.is_some();
        let mut refused = false;
        if let Some(old) = existing {
            let current = old.enterprise.clone();
            let ent_row = txn
                .enterprise(&current)?
                .ok_or_else(|| EngineError::Internal(format!("enterprise {current} is missing")))?;
            let others: Vec<(SourceKey, SourceRow)> = Self::members(txn, &ent_row)?
                .into_iter()
                .filter(|(k, _)| k != &key)
                .collect();
            let clash = !others.is_empty()
                && traits_conflict(&NodeTraits::of(&probe), &Self::group_traits(&others));
            if clash {
                // Detach: the update contradicts its enterprise identity.
                let fresh = txn.new_enterprise_id()?;
                let mut moved = row;
                moved.enterprise = fresh.clone();
                txn.put_source(&key, Some(moved))?;
                let remaining = others.iter().map(|(k, _)| k.clone()).collect();
                Self::write_enterprise(txn, &current, ent_row, remaining)?;
                let new_row = Self::new_enterprise_row(txn, &fresh, &record)?;
                Self::write_enterprise(txn, &fresh, new_row, vec![key.clone()])?;
                txn.add_history(
                    &[&current, &fresh],
                    "updated",
                    vec![key.clone()],
                    None,
                    actor,
                )?;
                flags.push(FLAG_UPDATE_CONFLICT.to_owned());
                subjects.push(fresh.to_string());
                return Ok(RegisterOutcome {
                    key,
                    enterprise: fresh,
                    outcome: LinkOutcome::Created,
                    updated,
                    decisions,
                    flags,
                });
            }
            if others.is_empty()
                && let Some((target, i)) =
                    self.join_target(txn, &key, &probe, &scored, Some(&current), &mut refused)?
            {
                // A lone source whose update now matches another identity joins it.
                let decision = decision_of.get(i).copied().flatten();
                self.join(
                    txn,
                    &key,
                    row,
                    &target,
                    Some((&current, ent_row)),
                    (&scored[i].key, decision),
                    actor,
                )?;
                subjects.push(target.to_string());
                return Ok(RegisterOutcome {
                    key,
                    enterprise: target,
                    outcome: LinkOutcome::Linked,
                    updated,
                    decisions,
                    flags,
                });
            }
            txn.put_source(&key, Some(row))?;
            let mut ent_row = ent_row;
            ent_row.golden = golden(&current, &{
                let mut rows = others;
                if let Some(me) = txn.source(&key)? {
                    rows.push((key.clone(), me));
                }
                rows
            })?;
            txn.put_enterprise(&current, Some(ent_row))?;
            txn.add_history(&[&current], "updated", vec![key.clone()], None, actor)?;
            subjects.push(current.to_string());
            // A review only when the update newly brings a candidate of another identity into
            // the review band (the previous version did not score there: no duplicate items
            // for repeated updates).
            let before = crate::prep::prepare(&old.record);
            let review = self.review_candidate(txn, &key, &scored, Some(&current), |s| {
                self.model.score(&before, &s.prepared).decision < Decision::Review
            })?;
            if refused {
                flags.push(FLAG_LINK_REFUSED.to_owned());
            }
            let outcome =
                match Self::open_review(txn, &key, &scored, review, &decision_of, &mut flags)? {
                    Some(id) => LinkOutcome::UnchangedPendingReview(id),
                    None => LinkOutcome::Unchanged,
                };
            return Ok(RegisterOutcome {
                key,
                enterprise: current,
                outcome,
                updated,
                decisions,
                flags,
            });
        }
        // A new source identity.
        if let Some((target, i)) =
            self.join_target(txn, &key, &probe, &scored, None, &mut refused)?
        {
            let decision = decision_of.get(i).copied().flatten();
            self.join(
                txn,
                &key,
                row,
                &target,
                None,
                (&scored[i].key, decision),
                actor,
            )?;
            subjects.push(target.to_string());
            return Ok(RegisterOutcome {
                key,
                enterprise: target,
                outcome: LinkOutcome::Linked,
                updated,
                decisions,
                flags,
            });
        }
        let ent = row.enterprise.clone();
        txn.put_source(&key, Some(row))?;
        let ent_row = Self::new_enterprise_row(txn, &ent, &record)?;
        Self::write_enterprise(txn, &ent, ent_row, vec![key.clone()])?;
        txn.add_history(&[&ent], "registered", vec![key.clone()], None, actor)?;
        subjects.push(ent.to_string());
        // Review: the best candidate in the review band (or an auto-link that was refused),
        // unless the pair was separated.
        let review = self.review_candidate(txn, &key, &scored, None, |_| true)?;
        if refused {
            flags.push(FLAG_LINK_REFUSED.to_owned());
        }
        let outcome = match Self::open_review(txn, &key, &scored, review, &decision_of, &mut flags)?
        {
            Some(id) => LinkOutcome::CreatedPendingReview(id),
            None => LinkOutcome::Created,
        };
        Ok(RegisterOutcome {
            key,
            enterprise: ent,
            outcome,
            updated,
            decisions,
            flags,
        })
    }

    /// Moves source `key` (new row `row`) into enterprise `target`, retiring `from` (its former
    /// lone identity) when given, with the "linked" history event citing the candidate.
    #[allow(clippy::too_many_arguments)]
    fn join(
        &self,
        txn: &mut WriteTxn<'_>,
        key: &SourceKey,
        mut row: SourceRow,
        target: &EnterpriseId,
        from: Option<(&EnterpriseId, EnterpriseRow)>,
        (candidate, decision): (&SourceKey, Option<u64>),
        actor: &ActorRow,
    ) -> Result<(), EngineError> {
        row.enterprise = target.clone();
        txn.put_source(key, Some(row))?;
        let mut target_row = txn
            .enterprise(target)?
            .ok_or_else(|| EngineError::Internal("enterprise is missing".into()))?;
        let mut touched = vec![target];
        if let Some((current, mut retired)) = from {
            retired.retired_into = Some(target.clone());
            Self::write_enterprise(txn, current, retired, Vec::new())?;
            target_row.absorbed.push(current.clone());
            touched.insert(0, current);
        }
        let mut members = target_row.members.clone();
        members.push(key.clone());
        Self::write_enterprise(txn, target, target_row, members)?;
        txn.add_history(
            &touched,
            "linked",
            vec![key.clone(), candidate.clone()],
            decision,
            actor,
        )?;
        Ok(())
    }

    /// The best candidate in the review band (or an auto-link that was refused) outside
    /// `own` enterprise, not separated from `key`, accepted by `fresh`; only the best one is
    /// considered.
    fn review_candidate(
        &self,
        txn: &WriteTxn<'_>,
        key: &SourceKey,
        scored: &[Scored],
        own: Option<&EnterpriseId>,
        fresh: impl Fn(&Scored) -> bool,
    ) -> Result<Option<usize>, EngineError> {
        for (i, s) in scored.iter().enumerate() {
            if s.score.decision < Decision::Review
                || Some(&s.row.enterprise) == own
                || txn.separated(key, &s.key)?
            {
                continue;
            }
            return Ok(fresh(s).then_some(i));
        }
        Ok(None)
    }

    /// Opens the review item of candidate `review` (when its decision was stored), flagging a
    /// same-domain pair as a suspected doublon.
    fn open_review(
        txn: &mut WriteTxn<'_>,
        key: &SourceKey,
        scored: &[Scored],
        review: Option<usize>,
        decision_of: &[Option<u64>],
        flags: &mut Vec<String>,
    ) -> Result<Option<ReviewId>, EngineError> {
        let Some((i, decision)) =
            review.and_then(|i| Some((i, decision_of.get(i).copied().flatten()?)))
        else {
            return Ok(None);
        };
        let s = &scored[i];
        if s.key.domain == key.domain {
            flags.push(FLAG_DOUBLON.to_owned());
        }
        let reason = s
            .score
            .rule
            .map_or_else(|| "review band".to_owned(), |r| r.name().to_owned());
        let id = txn.add_review(ReviewRow {
            decision,
            pair: (key.clone(), s.key.clone()),
            probability: s.score.probability,
            reason,
            open: true,
            resolution: None,
            created_ms: txn.now_ms(),
        })?;
        Ok(Some(ReviewId(id)))
    }

    fn active_source(txn: &WriteTxn<'_>, key: &SourceKey) -> Result<SourceRow, EngineError> {
        txn.source(key)?
            .filter(|r| r.active)
            .ok_or_else(|| not_found("source identity"))
    }

    fn enterprise_row(txn: &WriteTxn<'_>, id: &EnterpriseId) -> Result<EnterpriseRow, EngineError> {
        txn.enterprise(id)?
            .ok_or_else(|| EngineError::Internal(format!("enterprise {id} is missing")))
    }

    /// Joins the enterprise of `b` into that of `a`; Conflict on two different usable INS.
    pub(crate) fn link_in(
        &self,
        txn: &mut WriteTxn<'_>,
        a: &SourceKey,
        b: &SourceKey,
        actor: &ActorRow,
        subjects: &mut Vec<String>,
    ) -> Result<EnterpriseId, EngineError> {
        subjects.extend([key_text(a), key_text(b)]);
        let ra = Self::active_source(txn, a)?;
        let rb = Self::active_source(txn, b)?;
        let (ea, eb) = (ra.enterprise.clone(), rb.enterprise.clone());
        subjects.push(ea.to_string());
        txn.put_separation(a, b, None)?;
        let probe = crate::prep::prepare(&ra.record);
        let other = crate::prep::prepare(&rb.record);
        let explanation = self.model.explain(&probe, &other);
        let decision = txn.add_decision(&DecisionRow {
            pair: (a.clone(), b.clone()),
            model_version: self.model.version().to_owned(),
            blocking_rule: "manual".to_owned(),
            decision: Decision::AutoLink.name().to_owned(),
            explanation: explanation_row(&explanation),
            at_ms: txn.now_ms(),
        })?;
        if ea == eb {
            txn.add_history(
                &[&ea],
                "linked",
                vec![a.clone(), b.clone()],
                Some(decision),
                actor,
            )?;
            return Ok(ea);
        }
        subjects.push(eb.to_string());
        self.absorb(txn, &ea, &eb)?;
        txn.add_history(
            &[&ea, &eb],
            "linked",
            vec![a.clone(), b.clone()],
            Some(decision),
            actor,
        )?;
        Ok(ea)
    }

    /// Moves every member of `from` into `into` (`from` retired); Conflict when the two hold
    /// different usable INS.
    fn absorb(
        &self,
        txn: &mut WriteTxn<'_>,
        into: &EnterpriseId,
        from: &EnterpriseId,
    ) -> Result<(), EngineError> {
        let row_into = Self::enterprise_row(txn, into)?;
        let row_from = Self::enterprise_row(txn, from)?;
        let m_into = Self::members(txn, &row_into)?;
        let m_from = Self::members(txn, &row_from)?;
        let (t_into, t_from) = (Self::group_traits(&m_into), Self::group_traits(&m_from));
        if conflict(t_into.usable_ins, t_from.usable_ins) {
            return Err(EngineError::Conflict(
                "the two identities hold different qualified INS".into(),
            ));
        }
        for (k, mut r) in m_from {
            r.enterprise = into.clone();
            txn.put_source(&k, Some(r))?;
        }
        let mut members = row_into.members.clone();
        members.extend(row_from.members.iter().cloned());
        let mut row_into = row_into;
        row_into.absorbed.push(from.clone());
        Self::write_enterprise(txn, into, row_into, members)?;
        let mut retired = row_from;
        retired.retired_into = Some(into.clone());
        Self::write_enterprise(txn, from, retired, Vec::new())?;
        Ok(())
    }

    pub(crate) fn unlink_in(
        &self,
        txn: &mut WriteTxn<'_>,
        key: &SourceKey,
        actor: &ActorRow,
        subjects: &mut Vec<String>,
    ) -> Result<EnterpriseId, EngineError> {
        subjects.push(key_text(key));
        let row = Self::active_source(txn, key)?;
        let current = row.enterprise.clone();
        subjects.push(current.to_string());
        let ent_row = Self::enterprise_row(txn, &current)?;
        let others: Vec<SourceKey> = ent_row
            .members
            .iter()
            .filter(|k| *k != key)
            .cloned()
            .collect();
        if others.is_empty() {
            txn.add_history(&[&current], "unlinked", vec![key.clone()], None, actor)?;
            return Ok(current);
        }
        let fresh = txn.new_enterprise_id()?;
        subjects.push(fresh.to_string());
        let separation = SeparationRow {
            at_ms: txn.now_ms(),
            reason: "unlink".into(),
        };
        for other in &others {
            txn.put_separation(key, other, Some(&separation))?;
        }
        let record = row.record.clone();
        let mut moved = row;
        moved.enterprise = fresh.clone();
        txn.put_source(key, Some(moved))?;
        Self::write_enterprise(txn, &current, ent_row, others.clone())?;
        let new_row = Self::new_enterprise_row(txn, &fresh, &record)?;
        Self::write_enterprise(txn, &fresh, new_row, vec![key.clone()])?;
        let mut keys = vec![key.clone()];
        keys.extend(others);
        txn.add_history(&[&current, &fresh], "unlinked", keys, None, actor)?;
        Ok(fresh)
    }

    pub(crate) fn merge_in(
        &self,
        txn: &mut WriteTxn<'_>,
        surviving: &SourceKey,
        merged: &SourceKey,
        actor: &ActorRow,
        subjects: &mut Vec<String>,
    ) -> Result<MergeId, EngineError> {
        subjects.extend([key_text(surviving), key_text(merged)]);
        if surviving.domain != merged.domain {
            return Err(EngineError::InvalidInput(
                "a merge (A40) joins two identifiers of one domain".into(),
            ));
        }
        if surviving == merged {
            return Err(EngineError::InvalidInput(
                "a merge needs two different identifiers".into(),
            ));
        }
        let m_row = Self::active_source(txn, merged)?;
        let e_m = m_row.enterprise.clone();
        subjects.push(e_m.to_string());
        let s_row = txn.source(surviving)?.filter(|r| r.active);
        let mut retired = m_row.clone();
        retired.active = false;
        retired.merged_into = Some(surviving.clone());
        retired.updated_ms = txn.now_ms();
        retired.rev = txn.rev();
        let touched: Vec<EnterpriseId> = match s_row {
            None => {
                // Unknown surviving identifier: a change of id.
                let mut renamed = m_row.clone();
                renamed.record.local_id = Some(surviving.local_id.clone());
                renamed.updated_ms = txn.now_ms();
                renamed.rev = txn.rev();
                txn.put_source(surviving, Some(renamed))?;
                txn.put_source(merged, Some(retired))?;
                let ent_row = Self::enterprise_row(txn, &e_m)?;
                let members = ent_row
                    .members
                    .iter()
                    .filter(|k| *k != merged)
                    .cloned()
                    .chain([surviving.clone()])
                    .collect();
                Self::write_enterprise(txn, &e_m, ent_row, members)?;
                vec![e_m]
            }
            Some(s_row) => {
                let e_s = s_row.enterprise.clone();
                let (ts, tm) = (
                    NodeTraits::of(&crate::prep::prepare(&s_row.record)),
                    NodeTraits::of(&crate::prep::prepare(&m_row.record)),
                );
                if conflict(ts.usable_ins, tm.usable_ins) {
                    return Err(EngineError::Conflict(
                        "the two identifiers hold different qualified INS".into(),
                    ));
                }
                txn.put_source(merged, Some(retired))?;
                let ent_m = Self::enterprise_row(txn, &e_m)?;
                let rest: Vec<SourceKey> = ent_m
                    .members
                    .iter()
                    .filter(|k| *k != merged)
                    .cloned()
                    .collect();
                Self::write_enterprise(txn, &e_m, ent_m, rest)?;
                if e_m != e_s {
                    subjects.push(e_s.to_string());
                    let still = Self::enterprise_row(txn, &e_m)?;
                    if still.is_active() {
                        self.absorb(txn, &e_s, &e_m)?;
                    } else {
                        let mut retired_ent = still;
                        retired_ent.retired_into = Some(e_s.clone());
                        txn.put_enterprise(&e_m, Some(retired_ent))?;
                        let mut into = Self::enterprise_row(txn, &e_s)?;
                        into.absorbed.push(e_m.clone());
                        let members = into.members.clone();
                        Self::write_enterprise(txn, &e_s, into, members)?;
                    }
                } else {
                    // Same identity: the golden record changes with the retired source.
                }
                vec![e_s, e_m]
            }
        };
        let (sources, enterprises) = txn.images();
        let row = MergeRow {
            surviving: surviving.clone(),
            merged: merged.clone(),
            sources_before: sources
                .iter()
                .map(|(k, (b, _))| (k.clone(), b.clone()))
                .collect(),
            sources_after: sources
                .iter()
                .map(|(k, (_, a))| (k.clone(), a.clone()))
                .collect(),
            enterprises_before: enterprises
                .iter()
                .map(|(k, (b, _))| (k.to_string(), b.clone()))
                .collect(),
            enterprises_after: enterprises
                .iter()
                .map(|(k, (_, a))| (k.to_string(), a.clone()))
                .collect(),
            undone: false,
            at_ms: txn.now_ms(),
        };
        let id = txn.add_merge(&row)?;
        subjects.push(format!("merge:{id}"));
        let refs: Vec<&EnterpriseId> = touched.iter().collect();
        txn.add_history(
            &refs,
            "merged",
            vec![surviving.clone(), merged.clone()],
            None,
            actor,
        )?;
        Ok(MergeId(id))
    }

    pub(crate) fn unmerge_in(
        &self,
        txn: &mut WriteTxn<'_>,
        merge: MergeId,
        actor: &ActorRow,
        subjects: &mut Vec<String>,
    ) -> Result<(), EngineError> {
        subjects.push(format!("merge:{}", merge.0));
        let mut row = txn.merge(merge.0)?.ok_or_else(|| not_found("merge"))?;
        if row.undone {
            return Err(EngineError::Conflict("the merge was already undone".into()));
        }
        for (key, after) in &row.sources_after {
            if &txn.source(key)? != after {
                return Err(EngineError::Conflict(
                    "identities changed since the merge: unmerge refused".into(),
                ));
            }
        }
        let mut ids = Vec::new();
        for (id, after) in &row.enterprises_after {
            let id = EnterpriseId::new(id)
                .map_err(|_| EngineError::Internal("merge row holds a bad enterprise id".into()))?;
            if &txn.enterprise(&id)? != after {
                return Err(EngineError::Conflict(
                    "identities changed since the merge: unmerge refused".into(),
                ));
            }
            ids.push(id);
        }
        for (key, before) in &row.sources_before {
            txn.put_source(key, before.clone())?;
        }
        for ((_, before), id) in row.enterprises_before.iter().zip(&ids) {
            txn.put_enterprise(id, before.clone())?;
            let keys = before
                .as_ref()
                .map(|r| r.members.clone())
                .unwrap_or_default();
            txn.add_notification(id, keys)?;
            subjects.push(id.to_string());
        }
        row.undone = true;
        txn.put_merge(merge.0, &row)?;
        let refs: Vec<&EnterpriseId> = ids.iter().collect();
        txn.add_history(
            &refs,
            "unmerged",
            vec![row.surviving.clone(), row.merged.clone()],
            None,
            actor,
        )?;
        Ok(())
    }

    pub(crate) fn change_local_id_in(
        &self,
        txn: &mut WriteTxn<'_>,
        old: &SourceKey,
        new: &SourceKey,
        actor: &ActorRow,
        subjects: &mut Vec<String>,
    ) -> Result<(), EngineError> {
        subjects.extend([key_text(old), key_text(new)]);
        let row = Self::active_source(txn, old)?;
        if old == new {
            return Ok(());
        }
        if txn.source(new)?.is_some_and(|r| r.active) {
            return Err(EngineError::Conflict(
                "the new identifier belongs to another patient".into(),
            ));
        }
        let ent = row.enterprise.clone();
        subjects.push(ent.to_string());
        let mut moved = row;
        moved.record.source = Some(new.domain.clone());
        moved.record.local_id = Some(new.local_id.clone());
        moved.updated_ms = txn.now_ms();
        moved.rev = txn.rev();
        txn.put_source(new, Some(moved))?;
        txn.put_source(old, None)?;
        for (other, sep) in txn.separations_of(old)? {
            txn.put_separation(old, &other, None)?;
            txn.put_separation(new, &other, Some(&sep))?;
        }
        let ent_row = Self::enterprise_row(txn, &ent)?;
        let members = ent_row
            .members
            .iter()
            .filter(|k| *k != old)
            .cloned()
            .chain([new.clone()])
            .collect();
        Self::write_enterprise(txn, &ent, ent_row, members)?;
        txn.add_history(
            &[&ent],
            "id-changed",
            vec![old.clone(), new.clone()],
            None,
            actor,
        )?;
        Ok(())
    }

    pub(crate) fn remove_in(
        &self,
        txn: &mut WriteTxn<'_>,
        key: &SourceKey,
        actor: &ActorRow,
        subjects: &mut Vec<String>,
    ) -> Result<(), EngineError> {
        subjects.push(key_text(key));
        let mut row = Self::active_source(txn, key)?;
        let ent = row.enterprise.clone();
        subjects.push(ent.to_string());
        row.active = false;
        row.updated_ms = txn.now_ms();
        row.rev = txn.rev();
        txn.put_source(key, Some(row))?;
        let ent_row = Self::enterprise_row(txn, &ent)?;
        let members = ent_row
            .members
            .iter()
            .filter(|k| *k != key)
            .cloned()
            .collect();
        Self::write_enterprise(txn, &ent, ent_row, members)?;
        txn.add_history(&[&ent], "removed", vec![key.clone()], None, actor)?;
        Ok(())
    }

    pub(crate) fn review_resolve_in(
        &self,
        txn: &mut WriteTxn<'_>,
        id: ReviewId,
        resolution: Resolution,
        actor: &ActorRow,
        subjects: &mut Vec<String>,
    ) -> Result<(), EngineError> {
        subjects.push(format!("review:{}", id.0));
        let mut row = txn.review(id.0)?.ok_or_else(|| not_found("review item"))?;
        if !row.open {
            return Err(EngineError::Conflict(
                "the review item is already resolved".into(),
            ));
        }
        let (a, b) = row.pair.clone();
        let ent = match resolution {
            Resolution::Link => self.link_in(txn, &a, &b, actor, subjects)?,
            Resolution::Separate => {
                txn.put_separation(
                    &a,
                    &b,
                    Some(&SeparationRow {
                        at_ms: txn.now_ms(),
                        reason: "review".into(),
                    }),
                )?;
                subjects.extend([key_text(&a), key_text(&b)]);
                Self::active_source(txn, &a)?.enterprise
            }
        };
        row.open = false;
        row.resolution = Some(
            match resolution {
                Resolution::Link => "link",
                Resolution::Separate => "separate",
            }
            .to_owned(),
        );
        let decision = row.decision;
        txn.put_review(id.0, row)?;
        txn.add_history(
            &[&ent],
            "review-resolved",
            vec![a, b],
            Some(decision),
            actor,
        )?;
        Ok(())
    }

    /// Runs one mutation in one transaction with its audit record; a refused mutation
    /// (invalid, unknown, conflicting) is audited with its outcome in a transaction of its own.
    pub(crate) fn mutate<T>(
        &self,
        actor: &Actor,
        action: &str,
        f: impl FnOnce(
            &Engine,
            &mut WriteTxn<'_>,
            &ActorRow,
            &mut Vec<String>,
        ) -> Result<T, EngineError>,
    ) -> Result<T, EngineError> {
        let actor = actor_row(actor);
        let mut subjects = Vec::new();
        let mut txn = self.store.begin();
        match f(self, &mut txn, &actor, &mut subjects) {
            Ok(value) => {
                subjects.sort();
                subjects.dedup();
                txn.add_audit(&actor, action, "ok", subjects)?;
                txn.commit()?;
                Ok(value)
            }
            Err(error) => {
                drop(txn);
                let outcome = match error.kind() {
                    crate::ErrorKind::InvalidInput => "invalid",
                    crate::ErrorKind::NotFound => "not-found",
                    crate::ErrorKind::Conflict => "conflict",
                    crate::ErrorKind::Unavailable | crate::ErrorKind::Internal => "error",
                };
                subjects.sort();
                subjects.dedup();
                let mut audit = self.store.begin();
                if audit.add_audit(&actor, action, outcome, subjects).is_ok() {
                    let _ = audit.commit();
                }
                Err(error)
            }
        }
    }
}
