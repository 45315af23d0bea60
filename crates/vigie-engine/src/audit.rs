//! The audit trail's writes outside the mutations: access records (queries, reads, denials)
//! with group commit, and retention prunes.
//!
//! # Group commit of access records
//! Every PIX/PDQ query writes one audit record, durably, before it is answered. Instead of one
//! store transaction and one WAL fsync per query, concurrent [`Engine::record_access`] calls
//! share them (leader/follower): a caller queues its record; the first caller that finds no
//! group being written becomes the leader, takes every queued record (at most [`MAX_GROUP`]),
//! appends them to the hash chain in queue order in one transaction (one `WriteBatch`), commits
//! it with the fsync, then wakes the followers with the group's result. Records queued meanwhile
//! wait for the next group, whose leader is one of their callers. Each caller returns only once
//! the group holding its record is durable (or failed: then every caller of the group gets the
//! error). Groups are written one at a time, so the chain order is the queue order.
//!
//! "Durable" is fsynced ([`AccessSync::BeforeReply`], the default) or, when the engine is set
//! to [`AccessSync::Deferred`], written to the WAL (safe from a process crash) with the fsync
//! left to the store's background thread: on a disk whose flushes sometimes take tens of
//! milliseconds, every query would otherwise wait for the slowest of them.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use parking_lot::{Condvar, Mutex};
use vigie_store::{Store, now_ms};

use crate::convert::actor_row;
use crate::{AccessRecord, Actor, Engine, EngineError};

/// Most access records written in one group (one transaction).
pub(crate) const MAX_GROUP: usize = 1024;

/// Where the audit chain starts after retention prunes: the last deleted record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditAnchor {
    /// Seq of the last deleted record (every record up to it was deleted).
    pub seq: u64,
    /// Its hash; the first kept record chains from it.
    pub hash: String,
    /// Unix time (ms) of the prune.
    pub pruned_at_ms: u64,
    /// Records older than this Unix time (ms) were deleted.
    pub before_ms: u64,
}

/// What [`Engine::prune_audit`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditPrune {
    /// Records deleted (0: none was older than the cutoff; nothing was written).
    pub deleted: u64,
    /// The cutoff used: records older than this Unix time (ms).
    pub before_ms: u64,
    /// Where the chain starts now (`None`: never pruned).
    pub anchor: Option<AuditAnchor>,
    /// Seq of the `audit-prune` record written (`None` when nothing was deleted).
    pub record: Option<u64>,
}

/// What [`Engine::check_audit_chain`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditVerification {
    /// `Ok(last seq)` when the chain verifies, else `Err(seq)` of the first record that does
    /// not check out (as [`Engine::verify_audit_chain`]).
    pub result: Result<u64, u64>,
    /// The retention anchor the check started from (`None`: the trail was never pruned).
    pub anchor: Option<AuditAnchor>,
}

/// When an access record is durable relative to the reply of the access it records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AccessSync {
    /// The record's group is fsynced before [`Engine::record_access`] returns (the default):
    /// nothing is lost even in a power failure, but every query waits for a disk flush.
    #[default]
    BeforeReply,
    /// The record's group is written to the WAL before `record_access` returns — it survives
    /// a crash or kill of the process — and fsynced by the store's background thread within
    /// its commit interval (200 ms) or by the next mutation. A power failure may lose the
    /// access records of that last interval; mutations are never deferred.
    Deferred,
}

/// The queue of access records waiting for a group commit.
#[derive(Default)]
pub(crate) struct AccessLog {
    state: Mutex<Queue>,
    done: Condvar,
    deferred: std::sync::atomic::AtomicBool,
}

#[derive(Default)]
struct Queue {
    /// Records not yet taken by a leader, by ticket.
    pending: VecDeque<(u64, AccessRecord)>,
    next_ticket: u64,
    /// A leader is writing a group.
    writing: bool,
    /// Results of written groups, by ticket, until their caller takes them.
    results: HashMap<u64, Result<(), EngineError>>,
}

/// A copy of an engine error (the error type is not `Clone`).
fn copy_error(error: &EngineError) -> EngineError {
    match error {
        EngineError::InvalidInput(m) => EngineError::InvalidInput(m.clone()),
        EngineError::NotFound(m) => EngineError::NotFound(m.clone()),
        EngineError::Conflict(m) => EngineError::Conflict(m.clone()),
        EngineError::Unavailable(m) => EngineError::Unavailable(m.clone()),
        EngineError::Internal(m) => EngineError::Internal(m.clone()),
    }
}

/// The leader's duty: whatever happens while it writes (even a panic), the group's callers get
/// a result and the next leader may start.
struct Leader<'a> {
    log: &'a AccessLog,
    tickets: Vec<u64>,
    result: Option<Result<(), EngineError>>,
}

impl Drop for Leader<'_> {
    fn drop(&mut self) {
        let result = self.result.take().unwrap_or_else(|| {
            Err(EngineError::Internal(
                "audit group commit interrupted".into(),
            ))
        });
        let mut queue = self.log.state.lock();
        queue.writing = false;
        for ticket in &self.tickets {
            let copy = match &result {
                Ok(()) => Ok(()),
                Err(e) => Err(copy_error(e)),
            };
            queue.results.insert(*ticket, copy);
        }
        drop(queue);
        self.log.done.notify_all();
    }
}

impl AccessLog {
    /// Appends `access` to the audit trail, sharing the transaction and the fsync with the
    /// concurrent callers; returns once it is durable.
    pub(crate) fn record(&self, store: &Store, access: AccessRecord) -> Result<(), EngineError> {
        let mut queue = self.state.lock();
        let ticket = queue.next_ticket;
        queue.next_ticket += 1;
        queue.pending.push_back((ticket, access));
        loop {
            if let Some(result) = queue.results.remove(&ticket) {
                return result;
            }
            if queue.writing {
                self.done.wait(&mut queue);
                continue;
            }
            // No group being written: lead the next one (it holds this caller's record, unless
            // more than MAX_GROUP were queued before it; then it loops to lead again).
            let take = queue.pending.len().min(MAX_GROUP);
            let (tickets, group): (Vec<u64>, Vec<AccessRecord>) =
                queue.pending.drain(..take).unzip();
            queue.writing = true;
            drop(queue);
            let mut leader = Leader {
                log: self,
                tickets,
                result: None,
            };
            let deferred = self.deferred.load(std::sync::atomic::Ordering::Relaxed);
            leader.result = Some(write_group(store, &group, deferred));
            drop(leader);
            queue = self.state.lock();
        }
    }

    pub(crate) fn set_sync(&self, sync: AccessSync) {
        self.deferred.store(
            sync == AccessSync::Deferred,
            std::sync::atomic::Ordering::Relaxed,
        );
    }

    /// Records queued and not yet taken by a leader, and whether a group is being written.
    #[cfg(test)]
    fn status(&self) -> (usize, bool) {
        let queue = self.state.lock();
        (queue.pending.len(), queue.writing)
    }
}

/// Writes a group of access records in one transaction, in order, and commits it (with the
/// WAL fsync under `SyncPolicy::Always`, unless `deferred`: see [`AccessSync::Deferred`]).
fn write_group(store: &Store, group: &[AccessRecord], deferred: bool) -> Result<(), EngineError> {
    let mut txn = store.begin();
    if deferred {
        txn.defer_sync();
    }
    for access in group {
        txn.add_audit(
            &actor_row(&access.actor),
            &access.action,
            &access.outcome,
            access.patients.iter().map(ToString::to_string).collect(),
        )?;
    }
    txn.commit()?;
    Ok(())
}

fn anchor_of(anchor: vigie_store::AuditAnchor) -> AuditAnchor {
    AuditAnchor {
        seq: anchor.seq,
        hash: anchor.hash,
        pruned_at_ms: anchor.pruned_at_ms,
        before_ms: anchor.before_ms,
    }
}

impl Engine {
    /// Audit retention: deletes the audit records older than `older_than` (from now), oldest
    /// first, up to the first record that is not older; in the same store write, keeps an
    /// anchor (seq and hash of the last deleted record, time of the prune) from which
    /// [`Engine::verify_audit_chain`] starts, and appends an `audit-prune` record by `actor`
    /// with the count (`count=N`, `through=SEQ`, `anchor=HASH`). Nothing old enough: nothing is
    /// written. A part of the chain that does not verify is never deleted (`Internal` error).
    pub fn prune_audit(
        &self,
        older_than: Duration,
        actor: &Actor,
    ) -> Result<AuditPrune, EngineError> {
        let age = u64::try_from(older_than.as_millis()).unwrap_or(u64::MAX);
        let before_ms = now_ms().saturating_sub(age);
        let pruned = self.store().prune_audit(before_ms, &actor_row(actor))?;
        Ok(AuditPrune {
            deleted: pruned.deleted,
            before_ms,
            anchor: pruned.anchor.map(anchor_of),
            record: pruned.record,
        })
    }

    /// Verifies the audit hash chain and names the retention anchor it started from, both read
    /// from one store snapshot.
    pub fn check_audit_chain(&self) -> Result<AuditVerification, EngineError> {
        let check = self.store().check_audit_chain()?;
        Ok(AuditVerification {
            result: check.result,
            anchor: check.anchor.map(anchor_of),
        })
    }

    /// Where the audit chain starts after retention prunes (`None`: never pruned).
    pub fn audit_anchor(&self) -> Result<Option<AuditAnchor>, EngineError> {
        Ok(self.store().audit_anchor()?.map(anchor_of))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::{EngineConfig, SyncPolicy};

    fn access(n: usize) -> AccessRecord {
        AccessRecord {
            actor: Actor {
                who: format!("caller{n}"),
                from: "127.0.0.1".into(),
                channel: "mllp".into(),
            },
            action: "pix-query".into(),
            outcome: "ok".into(),
            patients: Vec::new(),
        }
    }

    /// Records queued while a group is being written go out together in the next group: one
    /// transaction for all of them.
    #[test]
    fn callers_queued_behind_a_group_share_one_commit() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = EngineConfig::new(dir.path());
        config.sync = SyncPolicy::Always;
        let engine = Arc::new(Engine::open(config).unwrap());
        let before = engine.store().counters();
        const CALLERS: usize = 8;
        // Hold the store's writer lock: the first leader blocks in its transaction, the other
        // callers queue behind it.
        let blocker = engine.store().begin();
        let first = {
            let engine = Arc::clone(&engine);
            std::thread::spawn(move || engine.record_access(access(0)))
        };
        while engine.access.status() != (0, true) {
            std::thread::yield_now();
        }
        let others: Vec<_> = (1..CALLERS)
            .map(|n| {
                let engine = Arc::clone(&engine);
                std::thread::spawn(move || engine.record_access(access(n)))
            })
            .collect();
        while engine.access.status() != (CALLERS - 1, true) {
            std::thread::yield_now();
        }
        drop(blocker);
        first.join().unwrap().unwrap();
        for handle in others {
            handle.join().unwrap().unwrap();
        }
        let after = engine.store().counters();
        assert_eq!(after.audit - before.audit, CALLERS as u64);
        // The first caller's group, then one group for the seven others.
        assert_eq!(after.rev - before.rev, 2);
        assert_eq!(engine.verify_audit_chain().unwrap(), Ok(after.audit));
        let who: Vec<String> = engine
            .audit_records(before.audit + 1, 100)
            .unwrap()
            .into_iter()
            .map(|r| r.actor.who)
            .collect();
        assert_eq!(who[0], "caller0");
        let mut rest = who[1..].to_vec();
        rest.sort();
        let expected: Vec<String> = (1..CALLERS).map(|n| format!("caller{n}")).collect();
        assert_eq!(rest, expected);
    }
}
