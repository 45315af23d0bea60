//! Bulk import and consistency checks.
//!
//! Import into an empty store runs the batch pipeline (`vigie-batch` dedupe with the engine's
//! model: same blocking, scoring, French rules and constrained clustering as `vigie dedupe`),
//! then writes one enterprise identity per cluster, the decisions of the kept pairs and a review
//! item for every review-band pair across clusters, in large unsynced batches, builds the index
//! with one large tantivy writer and ends with one WAL fsync and flush. Bulk loads write no
//! notifications (an initial load is not a change of cross-references) and one audit record.

use std::collections::{BTreeMap, BTreeSet};

use vigie_batch::pipeline::{self, NoProgress, PipelineOptions};
use vigie_core::ids::EnterpriseId;
use vigie_core::matching::blocking::BlockingRule;
use vigie_core::matching::cluster::NodeTraits;
use vigie_core::matching::model::Decision;
use vigie_core::record::IdentityRecord;
use vigie_store::{DecisionRow, EnterpriseRow, IndexDoc, IndexTraits, ReviewRow, SourceRow};

use crate::convert::{actor_row, explanation_row, golden, key_text};
use crate::ops::key_of;
use crate::terms::document_terms;
use crate::{Actor, Engine, EngineError, SourceKey, Stats, VerifyReport};

impl Engine {
    pub(crate) fn import_impl(
        &self,
        records: Vec<IdentityRecord>,
        actor: &Actor,
    ) -> Result<Stats, EngineError> {
        let mut keys = Vec::with_capacity(records.len());
        for r in &records {
            keys.push(key_of(r)?);
        }
        let counters = self.store.counters();
        if counters.sources_active > 0 || self.store_has_sources()? {
            for record in records {
                self.register(record, actor)?;
            }
            return self.stats();
        }
        // The last occurrence of a key wins.
        let mut last: BTreeMap<&SourceKey, usize> = BTreeMap::new();
        for (i, k) in keys.iter().enumerate() {
            last.insert(k, i);
        }
        let keep: BTreeSet<usize> = last.values().copied().collect();
        let (records, keys): (Vec<IdentityRecord>, Vec<SourceKey>) = records
            .into_iter()
            .zip(keys)
            .enumerate()
            .filter(|(i, _)| keep.contains(i))
            .map(|(_, pair)| pair)
            .unzip();
        let mut prepared = pipeline::prepare(&records, &NoProgress);
        let outcome = pipeline::dedupe(
            &mut prepared,
            Some(self.model.clone()),
            &PipelineOptions::default(),
            &NoProgress,
        )
        .map_err(|e| EngineError::InvalidInput(format!("import: {e}")))?;
        let actor_row = actor_row(actor);
        let txn = self.store.begin();
        let rev = txn.rev();
        let mut bulk = txn.into_bulk()?;
        let now = bulk.txn().now_ms();
        let placeholder = golden(
            &vigie_core::ids::EnterpriseId::new("E0")
                .map_err(|_| EngineError::Internal("constant id refused".into()))?,
            &[],
        )?;
        // One enterprise per cluster, numbered in order of first record.
        let mut ent_of_cluster: BTreeMap<u32, EnterpriseId> = BTreeMap::new();
        let mut members: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
        for (i, &c) in outcome.clustering.cluster_of.iter().enumerate() {
            if let std::collections::btree_map::Entry::Vacant(slot) = ent_of_cluster.entry(c) {
                slot.insert(bulk.txn().new_enterprise_id()?);
            }
            members.entry(c).or_default().push(i);
        }
        let mut records = records;
        let mut golden_members: Vec<(SourceKey, SourceRow)> = Vec::new();
        for (c, idx) in &members {
            let Some(id) = ent_of_cluster.get(c) else {
                continue;
            };
            golden_members.clear();
            for &i in idx {
                let row = SourceRow {
                    record: std::mem::replace(&mut records[i], placeholder.clone()),
                    enterprise: id.clone(),
                    active: true,
                    merged_into: None,
                    updated_ms: now,
                    rev,
                };
                bulk.put_source(&keys[i], &row)?;
                golden_members.push((keys[i].clone(), row));
            }
            let mut member_keys: Vec<SourceKey> = idx.iter().map(|&i| keys[i].clone()).collect();
            member_keys.sort();
            let row = EnterpriseRow {
                golden: golden(id, &golden_members)?,
                members: member_keys.clone(),
                retired_into: None,
                absorbed: Vec::new(),
                flags: Vec::new(),
                created_ms: now,
            };
            bulk.put_enterprise(id, &row)?;
            bulk.txn()
                .add_history(&[id], "imported", member_keys, None, &actor_row)?;
            for (&i, (_, row)) in idx.iter().zip(golden_members.drain(..)) {
                records[i] = row.record;
            }
        }
        let mut n_reviews = 0u64;
        for pair in &outcome.pairs {
            let (l, r) = (pair.left as usize, pair.right as usize);
            let (Some(a), Some(b)) = (prepared.get(l), prepared.get(r)) else {
                continue;
            };
            let explanation = self.model.explain(a, b);
            let blocking = BlockingRule::DEFAULT
                .get(usize::from(pair.blocking_rule))
                .map_or("index", |rule| rule.name());
            let decision = bulk.txn().add_decision(&DecisionRow {
                pair: (keys[l].clone(), keys[r].clone()),
                model_version: self.model.version().to_owned(),
                blocking_rule: blocking.to_owned(),
                decision: pair.decision.name().to_owned(),
                explanation: explanation_row(&explanation),
                at_ms: now,
            })?;
            let same = outcome.clustering.cluster_of.get(l) == outcome.clustering.cluster_of.get(r);
            if pair.decision == Decision::Review && !same {
                bulk.txn().add_review(ReviewRow {
                    decision,
                    pair: (keys[l].clone(), keys[r].clone()),
                    probability: explanation.probability,
                    reason: pair
                        .rule
                        .map_or_else(|| "review band".to_owned(), |r| r.name().to_owned()),
                    open: true,
                    resolution: None,
                    created_ms: now,
                })?;
                n_reviews += 1;
            }
        }
        bulk.txn().add_audit(
            &actor_row,
            "import",
            "ok",
            vec![
                format!("records={}", keys.len()),
                format!("enterprises={}", ent_of_cluster.len()),
                format!("reviews={n_reviews}"),
            ],
        )?;
        let mut docs = records.iter().zip(&prepared).zip(keys).map(|((r, m), k)| {
            let doc = IndexDoc {
                terms: document_terms(r, m),
                traits: IndexTraits::of(r),
            };
            (k, doc)
        });
        bulk.finish(&mut docs)?;
        self.stats()
    }

    fn store_has_sources(&self) -> Result<bool, EngineError> {
        let mut any = false;
        self.store.for_each_source(&mut |_, _| {
            any = true;
            Ok(false)
        })?;
        Ok(any)
    }

    pub(crate) fn verify_impl(&self) -> Result<VerifyReport, EngineError> {
        let mut report = VerifyReport::default();
        let mut active: BTreeMap<SourceKey, EnterpriseId> = BTreeMap::new();
        self.store.for_each_source(&mut |key, row| {
            report.sources += 1;
            if row.active {
                active.insert(key, row.enterprise);
            }
            Ok(true)
        })?;
        let mut problems = Vec::new();
        let mut seen: BTreeSet<SourceKey> = BTreeSet::new();
        let mut n_active_ent = 0u64;
        self.store.for_each_enterprise(&mut |id, row| {
            report.enterprises += 1;
            if !row.is_active() {
                return Ok(true);
            }
            n_active_ent += 1;
            let mut ins = BTreeSet::new();
            for key in &row.members {
                match active.get(key) {
                    Some(e) if *e == id => {}
                    _ => problems.push(format!(
                        "enterprise {id} lists {} which does not point back",
                        key_text(key)
                    )),
                }
                if !seen.insert(key.clone()) {
                    problems.push(format!("{} is in two enterprises", key_text(key)));
                }
                if let Some(src) = self.store.source(key)?
                    && let Some(i) = NodeTraits::of(&crate::prep::prepare(&src.record)).usable_ins
                {
                    ins.insert(i);
                }
            }
            if ins.len() > 1 {
                problems.push(format!(
                    "enterprise {id} holds {} different usable INS",
                    ins.len()
                ));
            }
            Ok(true)
        })?;
        for key in active.keys() {
            if !seen.contains(key) {
                problems.push(format!("{} is in no enterprise", key_text(key)));
            }
        }
        let counters = self.store.counters();
        if counters.sources_active != active.len() as u64 {
            problems.push(format!(
                "counter of active sources {} differs from {}",
                counters.sources_active,
                active.len()
            ));
        }
        if counters.enterprises_active != n_active_ent {
            problems.push(format!(
                "counter of enterprises {} differs from {n_active_ent}",
                counters.enterprises_active
            ));
        }
        let (indexed, n_docs) = self.store.index_keys()?;
        if n_docs != indexed.len() as u64 {
            problems.push(format!(
                "index holds {n_docs} documents for {} keys",
                indexed.len()
            ));
        }
        for key in active.keys() {
            if !indexed.contains(key) {
                problems.push(format!("{} is missing from the index", key_text(key)));
            }
        }
        for key in &indexed {
            if !active.contains_key(key) {
                problems.push(format!("{} is indexed but not active", key_text(key)));
            }
        }
        if let Err(seq) = self.store.verify_audit_chain()? {
            problems.push(format!("audit chain broken at record {seq}"));
        }
        report.problems = problems;
        Ok(report)
    }
}
