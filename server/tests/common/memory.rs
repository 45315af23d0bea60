//! A small in-memory stand-in for the engine, for transport tests (framing, timeouts,
//! connection limits) that must not depend on the matching engine. Naive rules: a new source
//! joins the enterprise identity with the same INS or the same birth name and birth date;
//! search matches names within two edits.

#![allow(dead_code, clippy::unwrap_used)]

use std::collections::BTreeMap;

use parking_lot::Mutex;
use vigie_core::matching::model::Decision;
use vigie_core::record::IdentityRecord;
use vigie_engine::{
    AccessRecord, Actor, CrossReference, DecisionId, DomainId, EngineError, EnterpriseId,
    LinkOutcome, MergeId, Notification, RegisterOutcome, SearchHit, SearchQuery, SourceKey,
    SourceView,
};
use vigie_server::mllp::MpiBackend;

struct Entry {
    enterprise: EnterpriseId,
    record: IdentityRecord,
    merged_into: Option<SourceKey>,
    active: bool,
}

#[derive(Default)]
struct Inner {
    sources: BTreeMap<SourceKey, Entry>,
    next_enterprise: u64,
    next_seq: u64,
    outbox: Vec<Notification>,
    accesses: Vec<AccessRecord>,
}

/// The stand-in.
#[derive(Default)]
pub struct MemoryMpi {
    inner: Mutex<Inner>,
}

fn lev(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

fn low(s: &Option<String>) -> String {
    s.clone().unwrap_or_default().to_lowercase()
}

impl Inner {
    fn members(&self, enterprise: &EnterpriseId) -> Vec<SourceKey> {
        self.sources
            .iter()
            .filter(|(_, e)| e.active && &e.enterprise == enterprise)
            .map(|(k, _)| k.clone())
            .collect()
    }

    fn notify(&mut self, enterprise: &EnterpriseId) {
        self.next_seq += 1;
        let keys = self.members(enterprise);
        self.outbox.push(Notification {
            seq: self.next_seq,
            enterprise: enterprise.clone(),
            keys,
        });
    }

    fn new_enterprise(&mut self) -> EnterpriseId {
        self.next_enterprise += 1;
        EnterpriseId::new(&format!("E{}", self.next_enterprise)).unwrap()
    }

    fn key_of(record: &IdentityRecord) -> Result<SourceKey, EngineError> {
        match (&record.source, &record.local_id) {
            (Some(domain), Some(local_id)) => Ok(SourceKey {
                domain: domain.clone(),
                local_id: local_id.clone(),
            }),
            _ => Err(EngineError::InvalidInput(
                "source and local id required".into(),
            )),
        }
    }
}

impl MemoryMpi {
    /// Audit records of accesses so far.
    pub fn accesses(&self) -> Vec<AccessRecord> {
        self.inner.lock().accesses.clone()
    }
}

impl MpiBackend for MemoryMpi {
    fn register(&self, record: IdentityRecord, _: &Actor) -> Result<RegisterOutcome, EngineError> {
        let mut inner = self.inner.lock();
        let key = Inner::key_of(&record)?;
        if let Some(entry) = inner.sources.get_mut(&key).filter(|e| e.active) {
            entry.record = record;
            let enterprise = entry.enterprise.clone();
            return Ok(RegisterOutcome {
                key,
                enterprise,
                outcome: LinkOutcome::Unchanged,
                updated: true,
                decisions: Vec::<DecisionId>::new(),
                flags: Vec::new(),
            });
        }
        let same = inner
            .sources
            .values()
            .find(|e| {
                e.active
                    && ((e.record.ins.is_some() && e.record.ins == record.ins)
                        || (e.record.birth_date.is_some()
                            && e.record.birth_date == record.birth_date
                            && low(&e.record.birth_name) == low(&record.birth_name)))
            })
            .map(|e| e.enterprise.clone());
        let (enterprise, outcome) = match same {
            Some(e) => (e, LinkOutcome::Linked),
            None => (inner.new_enterprise(), LinkOutcome::Created),
        };
        inner.sources.insert(
            key.clone(),
            Entry {
                enterprise: enterprise.clone(),
                record,
                merged_into: None,
                active: true,
            },
        );
        inner.notify(&enterprise);
        Ok(RegisterOutcome {
            key,
            enterprise,
            outcome,
            updated: false,
            decisions: Vec::new(),
            flags: Vec::new(),
        })
    }

    fn remove(&self, key: &SourceKey, _: &Actor) -> Result<(), EngineError> {
        let mut inner = self.inner.lock();
        let entry = inner
            .sources
            .get_mut(key)
            .filter(|e| e.active)
            .ok_or_else(|| EngineError::NotFound("source".into()))?;
        entry.active = false;
        let enterprise = entry.enterprise.clone();
        inner.notify(&enterprise);
        Ok(())
    }

    fn source(&self, key: &SourceKey) -> Result<Option<SourceView>, EngineError> {
        let inner = self.inner.lock();
        Ok(inner
            .sources
            .get(key)
            .filter(|e| e.active)
            .map(|e| SourceView {
                key: key.clone(),
                enterprise: e.enterprise.clone(),
                record: e.record.clone(),
                merged_into: e.merged_into.clone(),
            }))
    }

    fn search(&self, query: &SearchQuery) -> Result<Vec<SearchHit>, EngineError> {
        let inner = self.inner.lock();
        let mut hits: Vec<SearchHit> = Vec::new();
        for (key, entry) in inner.sources.iter().filter(|(_, e)| e.active) {
            let r = &entry.record;
            let mut distance = 0;
            if query.identifier.as_ref().is_some_and(|id| id != key) {
                continue;
            }
            if let Some(ins) = &query.ins
                && r.ins.as_ref().map(|i| i.matricule()) != Some(ins.as_str())
            {
                continue;
            }
            if let Some(family) = &query.family {
                let family = family.to_lowercase();
                let d = lev(&low(&r.birth_name), &family).min(lev(&low(&r.used_name), &family));
                if d > 2 {
                    continue;
                }
                distance += d;
            }
            if let Some(given) = &query.given
                && !low(&r.first_names).starts_with(&given.to_lowercase())
            {
                continue;
            }
            if query.birth_date.is_some() && query.birth_date != r.birth_date {
                continue;
            }
            if query.sex.is_some_and(|s| s != r.sex) {
                continue;
            }
            if hits.iter().any(|h| h.enterprise == entry.enterprise) {
                continue;
            }
            hits.push(SearchHit {
                enterprise: entry.enterprise.clone(),
                score: 1.0 - 0.1 * distance as f64,
                decision: Decision::AutoLink,
                golden: r.clone(),
                keys: inner.members(&entry.enterprise),
            });
        }
        hits.sort_by(|a, b| b.score.total_cmp(&a.score));
        hits.truncate(query.limit.max(1));
        Ok(hits)
    }

    fn cross_reference(
        &self,
        key: &SourceKey,
        target_domains: &[DomainId],
    ) -> Result<CrossReference, EngineError> {
        let inner = self.inner.lock();
        let entry = inner
            .sources
            .get(key)
            .filter(|e| e.active)
            .ok_or_else(|| EngineError::NotFound("source".into()))?;
        let members = inner.members(&entry.enterprise);
        let ins = members
            .iter()
            .filter_map(|k| inner.sources.get(k))
            .find(|e| e.record.state.ins_usable() && e.record.ins.is_some())
            .and_then(|e| e.record.ins.clone());
        Ok(CrossReference {
            enterprise: entry.enterprise.clone(),
            keys: members
                .into_iter()
                .filter(|k| k != key)
                .filter(|k| target_domains.is_empty() || target_domains.contains(&k.domain))
                .collect(),
            ins,
        })
    }

    fn link(&self, a: &SourceKey, b: &SourceKey, _: &Actor) -> Result<EnterpriseId, EngineError> {
        let mut inner = self.inner.lock();
        let ea = inner.sources.get(a).map(|e| e.enterprise.clone());
        let eb = inner.sources.get(b).map(|e| e.enterprise.clone());
        let (Some(ea), Some(eb)) = (ea, eb) else {
            return Err(EngineError::NotFound("source".into()));
        };
        for entry in inner.sources.values_mut().filter(|e| e.enterprise == eb) {
            entry.enterprise = ea.clone();
        }
        inner.notify(&ea);
        Ok(ea)
    }

    fn unlink(&self, key: &SourceKey, _: &Actor) -> Result<EnterpriseId, EngineError> {
        let mut inner = self.inner.lock();
        let fresh = inner.new_enterprise();
        let old = {
            let entry = inner
                .sources
                .get_mut(key)
                .ok_or_else(|| EngineError::NotFound("source".into()))?;
            std::mem::replace(&mut entry.enterprise, fresh.clone())
        };
        inner.notify(&old);
        inner.notify(&fresh);
        Ok(fresh)
    }

    fn merge(
        &self,
        surviving: &SourceKey,
        merged: &SourceKey,
        _: &Actor,
    ) -> Result<MergeId, EngineError> {
        let mut inner = self.inner.lock();
        if !inner.sources.get(merged).is_some_and(|e| e.active) {
            return Err(EngineError::NotFound("merged source".into()));
        }
        if !inner.sources.get(surviving).is_some_and(|e| e.active) {
            let mut entry = inner.sources.remove(merged).unwrap();
            entry.record.local_id = Some(surviving.local_id.clone());
            let enterprise = entry.enterprise.clone();
            inner.sources.insert(surviving.clone(), entry);
            inner.notify(&enterprise);
            return Ok(MergeId(inner.next_seq));
        }
        let target = inner.sources.get(surviving).unwrap().enterprise.clone();
        let old = {
            let entry = inner.sources.get_mut(merged).unwrap();
            entry.active = false;
            entry.merged_into = Some(surviving.clone());
            entry.enterprise.clone()
        };
        inner.notify(&old);
        inner.notify(&target);
        Ok(MergeId(inner.next_seq))
    }

    fn change_local_id(
        &self,
        old: &SourceKey,
        new: &SourceKey,
        _: &Actor,
    ) -> Result<(), EngineError> {
        let mut inner = self.inner.lock();
        if inner.sources.get(new).is_some_and(|e| e.active) {
            return Err(EngineError::Conflict("new id in use".into()));
        }
        let mut entry = inner
            .sources
            .remove(old)
            .ok_or_else(|| EngineError::NotFound("source".into()))?;
        entry.record.local_id = Some(new.local_id.clone());
        let enterprise = entry.enterprise.clone();
        inner.sources.insert(new.clone(), entry);
        inner.notify(&enterprise);
        Ok(())
    }

    fn record_access(&self, access: AccessRecord) -> Result<(), EngineError> {
        self.inner.lock().accesses.push(access);
        Ok(())
    }

    fn notifications(&self, after: u64, limit: usize) -> Result<Vec<Notification>, EngineError> {
        let inner = self.inner.lock();
        Ok(inner
            .outbox
            .iter()
            .filter(|n| n.seq > after)
            .take(limit)
            .cloned()
            .collect())
    }

    fn ack_notifications(&self, up_to: u64) -> Result<(), EngineError> {
        self.inner.lock().outbox.retain(|n| n.seq > up_to);
        Ok(())
    }
}
