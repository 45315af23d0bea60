//! Write transactions: the single-writer path. A [`WriteTxn`] holds the writer lock, reads the
//! latest state (plus its own writes), collects row changes with their before images, and
//! commits everything — rows, history, audit, outboxes, counters — in one `WriteBatch`.

use std::collections::BTreeMap;

use parking_lot::MutexGuard;
use rocksdb::{WriteBatch, WriteOptions};
use sha2::{Digest, Sha256};
use vigie_core::ids::EnterpriseId;

use crate::codec::{decode, encode, seq_key};
use crate::rows::*;
use crate::{Cf, Inner, META_AUDIT_ANCHOR, META_COUNTERS, SourceKey, StoreError};

/// Rows written per batch by bulk loads.
const BULK_BATCH: usize = 20_000;

/// Unix time in milliseconds.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Key of a separation: `a` NUL NUL `b` (each key's bytes hold one NUL).
pub(crate) fn pair_key(a: &SourceKey, b: &SourceKey) -> Vec<u8> {
    let mut out = a.to_bytes();
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(&b.to_bytes());
    out
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

/// SHA-256 (hex) of the previous hash and the record's content (its encoding with an empty
/// hash).
pub(crate) fn audit_hash(prev: &str, row: &AuditRow) -> Result<String, StoreError> {
    let content = AuditRow {
        hash: String::new(),
        ..row.clone()
    };
    let bytes = encode(&content)?;
    let mut hasher = Sha256::new();
    hasher.update(prev.as_bytes());
    hasher.update(&bytes);
    Ok(hex(&hasher.finalize()))
}

type Image<T> = (Option<T>, Option<T>);

/// A write transaction (see the module docs). Dropping it without commit discards it.
pub struct WriteTxn<'a> {
    inner: &'a Inner,
    guard: MutexGuard<'a, Counters>,
    counters: Counters,
    now: u64,
    sources: BTreeMap<SourceKey, Image<SourceRow>>,
    enterprises: BTreeMap<EnterpriseId, Image<EnterpriseRow>>,
    reviews: BTreeMap<u64, Image<ReviewRow>>,
    batch: WriteBatch,
    notified: u64,
    acked: u64,
    defer_sync: bool,
}

/// What a commit did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitInfo {
    /// Store revision of the transaction.
    pub rev: u64,
}

impl<'a> WriteTxn<'a> {
    /// Lets this transaction's commit return without waiting for the WAL fsync: the batch is
    /// written to the WAL (it survives a crash of the process) and the store's background
    /// thread syncs it within [`crate::index::COMMIT_INTERVAL`] — or an earlier synchronous
    /// commit does (without a background thread, the commit syncs as usual). Only for records whose loss in a power failure within that window is
    /// tolerable (query audit records); a mutation is always synced before its commit returns.
    pub fn defer_sync(&mut self) {
        self.defer_sync = true;
    }

    pub(crate) fn new(inner: &'a Inner) -> WriteTxn<'a> {
        let guard = inner.writer.lock();
        let mut counters = guard.clone();
        counters.rev += 1;
        WriteTxn {
            inner,
            counters,
            guard,
            now: now_ms(),
            sources: BTreeMap::new(),
            enterprises: BTreeMap::new(),
            reviews: BTreeMap::new(),
            batch: WriteBatch::default(),
            notified: 0,
            acked: 0,
            defer_sync: false,
        }
    }

    /// Unix time (ms) of the transaction.
    pub fn now_ms(&self) -> u64 {
        self.now
    }

    /// Store revision this transaction will commit as.
    pub fn rev(&self) -> u64 {
        self.counters.rev
    }

    /// The source keys changed by transactions committed after revision `rev` (see
    /// [`crate::Store::committed_rev`]), oldest first, possibly repeated; `None` when the store no
    /// longer remembers that far back (re-read everything then).
    pub fn sources_changed_since(&self, rev: u64) -> Option<Vec<SourceKey>> {
        self.inner.recent.lock().since(rev)
    }

    /// A source row (this transaction's writes included).
    ///
    /// # Errors
    /// Storage or corruption.
    pub fn source(&self, key: &SourceKey) -> Result<Option<SourceRow>, StoreError> {
        match self.sources.get(key) {
            Some((_, after)) => Ok(after.clone()),
            None => self.inner.get(Cf::Sources, &key.to_bytes()),
        }
    }

    /// Writes (or deletes, with `None`) a source row; the index follows.
    ///
    /// # Errors
    /// Storage or corruption (reading the before image).
    pub fn put_source(
        &mut self,
        key: &SourceKey,
        row: Option<SourceRow>,
    ) -> Result<(), StoreError> {
        if let Some(image) = self.sources.get_mut(key) {
            image.1 = row;
            return Ok(());
        }
        let before = self.inner.get(Cf::Sources, &key.to_bytes())?;
        self.sources.insert(key.clone(), (before, row));
        Ok(())
    }

    /// An enterprise row (this transaction's writes included).
    ///
    /// # Errors
    /// Storage or corruption.
    pub fn enterprise(&self, id: &EnterpriseId) -> Result<Option<EnterpriseRow>, StoreError> {
        match self.enterprises.get(id) {
            Some((_, after)) => Ok(after.clone()),
            None => self.inner.get(Cf::Enterprises, id.as_str().as_bytes()),
        }
    }

    /// Writes (or deletes) an enterprise row.
    ///
    /// # Errors
    /// Storage or corruption (reading the before image).
    pub fn put_enterprise(
        &mut self,
        id: &EnterpriseId,
        row: Option<EnterpriseRow>,
    ) -> Result<(), StoreError> {
        if let Some(image) = self.enterprises.get_mut(id) {
            image.1 = row;
            return Ok(());
        }
        let before = self.inner.get(Cf::Enterprises, id.as_str().as_bytes())?;
        self.enterprises.insert(id.clone(), (before, row));
        Ok(())
    }

    /// The before and after images of the source and enterprise rows written so far (merges
    /// keep them for unmerge).
    #[allow(clippy::type_complexity)]
    pub fn images(
        &self,
    ) -> (
        Vec<(SourceKey, Image<SourceRow>)>,
        Vec<(EnterpriseId, Image<EnterpriseRow>)>,
    ) {
        (
            self.sources
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            self.enterprises
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        )
    }

    /// A new enterprise id (`E` + number).
    ///
    /// # Errors
    /// Never in practice (the id is valid by construction).
    pub fn new_enterprise_id(&mut self) -> Result<EnterpriseId, StoreError> {
        self.counters.enterprise += 1;
        EnterpriseId::new(&format!("E{}", self.counters.enterprise))
            .map_err(|e| StoreError::Internal(e.to_string()))
    }

    /// Stores a decision; returns its id.
    ///
    /// # Errors
    /// Encoding.
    pub fn add_decision(&mut self, row: &DecisionRow) -> Result<u64, StoreError> {
        self.counters.decision += 1;
        let id = self.counters.decision;
        self.batch
            .put_cf(self.inner.cf(Cf::Decisions)?, seq_key(id), encode(row)?);
        Ok(id)
    }

    /// Opens a review item; returns its id.
    ///
    /// # Errors
    /// Encoding.
    pub fn add_review(&mut self, row: ReviewRow) -> Result<u64, StoreError> {
        self.counters.review += 1;
        let id = self.counters.review;
        self.reviews.insert(id, (None, Some(row)));
        Ok(id)
    }

    /// A review row (this transaction's writes included).
    ///
    /// # Errors
    /// Storage or corruption.
    pub fn review(&self, id: u64) -> Result<Option<ReviewRow>, StoreError> {
        match self.reviews.get(&id) {
            Some((_, after)) => Ok(after.clone()),
            None => self.inner.get(Cf::Reviews, &seq_key(id)),
        }
    }

    /// Rewrites a review row.
    ///
    /// # Errors
    /// Storage or corruption.
    pub fn put_review(&mut self, id: u64, row: ReviewRow) -> Result<(), StoreError> {
        if let Some(image) = self.reviews.get_mut(&id) {
            image.1 = Some(row);
            return Ok(());
        }
        let before = self.inner.get(Cf::Reviews, &seq_key(id))?;
        self.reviews.insert(id, (before, Some(row)));
        Ok(())
    }

    /// Stores a merge; returns its id.
    ///
    /// # Errors
    /// Encoding.
    pub fn add_merge(&mut self, row: &MergeRow) -> Result<u64, StoreError> {
        self.counters.merge += 1;
        let id = self.counters.merge;
        self.batch
            .put_cf(self.inner.cf(Cf::Merges)?, seq_key(id), encode(row)?);
        Ok(id)
    }

    /// Rewrites a merge row.
    ///
    /// # Errors
    /// Encoding.
    pub fn put_merge(&mut self, id: u64, row: &MergeRow) -> Result<(), StoreError> {
        self.batch
            .put_cf(self.inner.cf(Cf::Merges)?, seq_key(id), encode(row)?);
        Ok(())
    }

    /// A merge row (as committed).
    ///
    /// # Errors
    /// Storage or corruption.
    pub fn merge(&self, id: u64) -> Result<Option<MergeRow>, StoreError> {
        self.inner.get(Cf::Merges, &seq_key(id))
    }

    /// True when the pair was remembered as two persons (as committed).
    ///
    /// # Errors
    /// Storage.
    pub fn separated(&self, a: &SourceKey, b: &SourceKey) -> Result<bool, StoreError> {
        Ok(self
            .inner
            .raw_get(Cf::Separations, &pair_key(a, b))?
            .is_some())
    }

    /// Remembers (or forgets, with `None`) a pair as two persons, in both orders.
    ///
    /// # Errors
    /// Encoding.
    pub fn put_separation(
        &mut self,
        a: &SourceKey,
        b: &SourceKey,
        row: Option<&SeparationRow>,
    ) -> Result<(), StoreError> {
        let cf = self.inner.cf(Cf::Separations)?;
        for key in [pair_key(a, b), pair_key(b, a)] {
            match row {
                Some(row) => self.batch.put_cf(cf, key, encode(row)?),
                None => self.batch.delete_cf(cf, key),
            }
        }
        Ok(())
    }

    /// The keys remembered as separate from `a` (as committed).
    ///
    /// # Errors
    /// Storage.
    pub fn separations_of(
        &self,
        a: &SourceKey,
    ) -> Result<Vec<(SourceKey, SeparationRow)>, StoreError> {
        let mut prefix = a.to_bytes();
        prefix.extend_from_slice(&[0, 0]);
        let mut out = Vec::new();
        self.inner.scan(Cf::Separations, &prefix, &mut |k, v| {
            let Some(rest) = k.strip_prefix(prefix.as_slice()) else {
                return Ok(false);
            };
            if let Some(other) = SourceKey::from_bytes(rest) {
                out.push((other, decode("separations", v)?));
            }
            Ok(true)
        })?;
        Ok(out)
    }

    /// Appends a history event under each of `enterprises`; returns its seq.
    ///
    /// # Errors
    /// Encoding.
    pub fn add_history(
        &mut self,
        enterprises: &[&EnterpriseId],
        kind: &str,
        keys: Vec<SourceKey>,
        decision: Option<u64>,
        actor: &ActorRow,
    ) -> Result<u64, StoreError> {
        self.counters.history += 1;
        let seq = self.counters.history;
        let row = HistoryRow {
            seq,
            at_ms: self.now,
            kind: kind.to_owned(),
            keys,
            decision,
            actor: actor.clone(),
        };
        let value = encode(&row)?;
        let cf = self.inner.cf(Cf::History)?;
        let mut done: Vec<&EnterpriseId> = Vec::new();
        for id in enterprises {
            if done.contains(id) {
                continue;
            }
            done.push(id);
            let mut key = id.as_str().as_bytes().to_vec();
            key.push(0);
            key.extend_from_slice(&seq_key(seq));
            self.batch.put_cf(cf, key, &value);
        }
        Ok(seq)
    }

    /// Appends an audit record (hash-chained); returns its seq.
    ///
    /// # Errors
    /// Encoding.
    pub fn add_audit(
        &mut self,
        actor: &ActorRow,
        action: &str,
        outcome: &str,
        subjects: Vec<String>,
    ) -> Result<u64, StoreError> {
        self.counters.audit += 1;
        let mut row = AuditRow {
            seq: self.counters.audit,
            at_ms: self.now,
            actor: actor.clone(),
            action: action.to_owned(),
            outcome: outcome.to_owned(),
            subjects,
            hash: String::new(),
        };
        row.hash = audit_hash(&self.counters.audit_head, &row)?;
        self.counters.audit_head = row.hash.clone();
        self.batch
            .put_cf(self.inner.cf(Cf::Audit)?, seq_key(row.seq), encode(&row)?);
        Ok(row.seq)
    }

    /// Deletes the audit records from `from` through `anchor.seq` and stores `anchor` (the
    /// last deleted record's seq and hash), in this transaction's batch; the caller appends the
    /// `audit-prune` record naming the anchor in the same transaction.
    ///
    /// # Errors
    /// Encoding.
    pub(crate) fn prune_audit_through(
        &mut self,
        from: u64,
        anchor: &AuditAnchor,
    ) -> Result<(), StoreError> {
        self.batch.delete_range_cf(
            self.inner.cf(Cf::Audit)?,
            seq_key(from),
            seq_key(anchor.seq.saturating_add(1)),
        );
        self.batch
            .put_cf(self.inner.cf(Cf::Meta)?, META_AUDIT_ANCHOR, encode(anchor)?);
        Ok(())
    }

    /// Appends a notification (the keys of an enterprise identity changed); returns its seq.
    ///
    /// # Errors
    /// Encoding.
    pub fn add_notification(
        &mut self,
        enterprise: &EnterpriseId,
        keys: Vec<SourceKey>,
    ) -> Result<u64, StoreError> {
        self.counters.notification += 1;
        let row = NotificationRow {
            seq: self.counters.notification,
            enterprise: enterprise.clone(),
            keys,
        };
        self.batch.put_cf(
            self.inner.cf(Cf::Notifications)?,
            seq_key(row.seq),
            encode(&row)?,
        );
        self.notified += 1;
        Ok(row.seq)
    }

    /// Deletes notifications up to `seq` included.
    ///
    /// # Errors
    /// Storage.
    pub fn ack_notifications(&mut self, up_to: u64) -> Result<(), StoreError> {
        let cf = self.inner.cf(Cf::Notifications)?;
        let mut n = 0u64;
        self.inner.scan(
            Cf::Notifications,
            &[],
            &mut |k, _| match crate::codec::seq_of(k) {
                Some(seq) if seq <= up_to => {
                    n += 1;
                    Ok(true)
                }
                _ => Ok(false),
            },
        )?;
        if n > 0 {
            self.batch
                .delete_range_cf(cf, seq_key(0), seq_key(up_to.saturating_add(1)));
        }
        self.acked += n;
        Ok(())
    }

    /// Writes everything in one batch, then (lock released) fsyncs the WAL when the store is
    /// synchronous, and applies the source changes to the index.
    ///
    /// # Errors
    /// Storage (nothing was applied), or the fsync failed (the write may survive a crash).
    pub fn commit(mut self) -> Result<CommitInfo, StoreError> {
        let inner = self.inner;
        let cf_sources = inner.cf(Cf::Sources)?;
        let cf_ent = inner.cf(Cf::Enterprises)?;
        let cf_rev = inner.cf(Cf::Reviews)?;
        let cf_outbox = inner.cf(Cf::IndexOutbox)?;
        let mut index_ops = Vec::new();
        let mut c = self.counters.clone();
        for (key, (before, after)) in &self.sources {
            if before == after {
                continue;
            }
            let was = before.as_ref().is_some_and(|r| r.active);
            let is = after.as_ref().is_some_and(|r| r.active);
            c.sources_active = (c.sources_active + u64::from(is)).saturating_sub(u64::from(was));
            let bytes = key.to_bytes();
            match after {
                Some(row) => self.batch.put_cf(cf_sources, &bytes, encode(row)?),
                None => self.batch.delete_cf(cf_sources, &bytes),
            }
            c.index_outbox += 1;
            self.batch
                .put_cf(cf_outbox, seq_key(c.index_outbox), &bytes);
            let terms = after.as_ref().and_then(|r| inner.terms_of(r));
            index_ops.push((c.index_outbox, key.clone(), terms));
        }
        for (id, (before, after)) in &self.enterprises {
            if before == after {
                continue;
            }
            let was = before.as_ref().is_some_and(EnterpriseRow::is_active);
            let is = after.as_ref().is_some_and(EnterpriseRow::is_active);
            c.enterprises_active =
                (c.enterprises_active + u64::from(is)).saturating_sub(u64::from(was));
            match after {
                Some(row) => self
                    .batch
                    .put_cf(cf_ent, id.as_str().as_bytes(), encode(row)?),
                None => self.batch.delete_cf(cf_ent, id.as_str().as_bytes()),
            }
        }
        for (id, (before, after)) in &self.reviews {
            let was = before.as_ref().is_some_and(|r| r.open);
            let is = after.as_ref().is_some_and(|r| r.open);
            c.open_reviews = (c.open_reviews + u64::from(is)).saturating_sub(u64::from(was));
            if let Some(row) = after {
                self.batch.put_cf(cf_rev, seq_key(*id), encode(row)?);
            }
        }
        c.pending_notifications =
            (c.pending_notifications + self.notified).saturating_sub(self.acked);
        self.batch
            .put_cf(inner.cf(Cf::Meta)?, META_COUNTERS, encode(&c)?);
        let batch = std::mem::take(&mut self.batch);
        inner.db.write_opt(batch, &WriteOptions::default())?;
        *self.guard = c.clone();
        {
            let mut recent = inner.recent.lock();
            for (_, key, _) in &index_ops {
                recent.push(c.rev, key.clone());
            }
        }
        // The index follows while the lock is held, so index order is commit order.
        let commit_now = inner.index.apply(index_ops);
        inner
            .committed_rev
            .store(c.rev, std::sync::atomic::Ordering::Release);
        // Deferred only when a background thread will do the sync.
        let defer_sync = self.defer_sync && inner.options.background_commit;
        drop(self);
        // A deferred commit is synced by the store's thread (`Inner::sync_deferred`), which
        // sees its revision published and not yet synced.
        if inner.options.sync && !defer_sync {
            inner.sync_through(c.rev)?;
        }
        if matches!(commit_now, Ok(true)) {
            inner.flush_index()?;
        }
        commit_now?;
        Ok(CommitInfo { rev: c.rev })
    }
}

/// Bulk loading into an empty store: rows go out in large unsynced batches, the index is built
/// with one large writer at the end, and one final WAL fsync + flush makes it durable. The
/// index is marked dirty first, so an interrupted load is re-indexed at the next open.
pub struct BulkWriter<'a> {
    inner: &'a Inner,
    txn: WriteTxn<'a>,
    pending: usize,
}

impl<'a> BulkWriter<'a> {
    /// The transaction to write counters, history, audit, decisions and reviews through (they
    /// are written at [`BulkWriter::finish`]).
    pub fn txn(&mut self) -> &mut WriteTxn<'a> {
        &mut self.txn
    }

    fn spill(&mut self) -> Result<(), StoreError> {
        self.pending += 1;
        if self.pending >= BULK_BATCH {
            let batch = std::mem::take(&mut self.txn.batch);
            let mut wo = WriteOptions::default();
            wo.set_sync(false);
            self.inner.db.write_opt(batch, &wo)?;
            self.pending = 0;
        }
        Ok(())
    }

    /// Writes a new source row (no before image: the key must be new).
    ///
    /// # Errors
    /// Storage or encoding.
    pub fn put_source(&mut self, key: &SourceKey, row: &SourceRow) -> Result<(), StoreError> {
        let cf = self.inner.cf(Cf::Sources)?;
        self.txn.batch.put_cf(cf, key.to_bytes(), encode(row)?);
        if row.active {
            self.txn.counters.sources_active += 1;
        }
        self.spill()
    }

    /// Writes a new enterprise row.
    ///
    /// # Errors
    /// Storage or encoding.
    pub fn put_enterprise(
        &mut self,
        id: &EnterpriseId,
        row: &EnterpriseRow,
    ) -> Result<(), StoreError> {
        let cf = self.inner.cf(Cf::Enterprises)?;
        self.txn
            .batch
            .put_cf(cf, id.as_str().as_bytes(), encode(row)?);
        if row.is_active() {
            self.txn.counters.enterprises_active += 1;
        }
        self.spill()
    }

    /// Writes the rest, fsyncs and flushes, then builds the index from `docs` (the key and
    /// index document of every active source written). Returns the documents indexed.
    ///
    /// # Errors
    /// Storage or index.
    pub fn finish(
        self,
        docs: &mut dyn Iterator<Item = (SourceKey, crate::IndexDoc)>,
    ) -> Result<u64, StoreError> {
        let inner = self.inner;
        let seq = self.txn.counters.index_outbox;
        let mut txn = self.txn;
        txn.commit_bulk()?;
        inner.db.flush_wal(true)?;
        for cf in crate::Cf::ALL {
            inner.db.flush_cf(inner.cf(cf)?)?;
        }
        // Still under the writer lock: no write can slip between the rows and the index.
        let n = inner.rebuild_from(docs, seq)?;
        let rev = txn.counters.rev;
        inner.recent.lock().forget_through(rev);
        inner
            .committed_rev
            .store(rev, std::sync::atomic::Ordering::Release);
        drop(txn);
        Ok(n)
    }
}

impl<'a> WriteTxn<'a> {
    /// Starts a bulk load on this transaction (see [`BulkWriter`]).
    ///
    /// # Errors
    /// Storage (marking the index dirty).
    pub fn into_bulk(self) -> Result<BulkWriter<'a>, StoreError> {
        self.inner.set_index_dirty()?;
        Ok(BulkWriter {
            inner: self.inner,
            txn: self,
            pending: 0,
        })
    }

    fn commit_bulk(&mut self) -> Result<(), StoreError> {
        // Same as commit() for the tracked rows, without index application (the bulk load
        // rebuilds the index afterwards).
        let inner = self.inner;
        let cf_rev = inner.cf(Cf::Reviews)?;
        let mut c = self.counters.clone();
        for (id, (before, after)) in &self.reviews {
            let was = before.as_ref().is_some_and(|r| r.open);
            let is = after.as_ref().is_some_and(|r| r.open);
            c.open_reviews = (c.open_reviews + u64::from(is)).saturating_sub(u64::from(was));
            if let Some(row) = after {
                self.batch.put_cf(cf_rev, seq_key(*id), encode(row)?);
            }
        }
        if !self.sources.is_empty() || !self.enterprises.is_empty() {
            return Err(StoreError::Internal(
                "bulk loads write rows through the bulk writer only".into(),
            ));
        }
        c.pending_notifications =
            (c.pending_notifications + self.notified).saturating_sub(self.acked);
        self.batch
            .put_cf(inner.cf(Cf::Meta)?, META_COUNTERS, encode(&c)?);
        let batch = std::mem::take(&mut self.batch);
        inner.db.write_opt(batch, &WriteOptions::default())?;
        *self.guard = c.clone();
        self.counters = c;
        self.reviews.clear();
        self.notified = 0;
        self.acked = 0;
        Ok(())
    }
}
