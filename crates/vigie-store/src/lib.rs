//! Vigie's embedded store of record (RocksDB column families) and its candidate index (tantivy).
//!
//! # Semantics
//!
//! * **RocksDB is the system of record.** Column families: `sources` (by domain + local id),
//!   `enterprises` (with their sorted member lists: the membership), `decisions`, `reviews`,
//!   `merges` (with before/after images for unmerge), `separations` (pairs never to auto-link),
//!   `history` (enterprise id + seq), `audit` (seq, SHA-256 hash-chained, append-only; only a
//!   retention prune deletes its oldest records, leaving an anchor), `index_outbox`,
//!   `notifications`, `meta` (format version, counters, model, audit anchor).
//! * **One atomic `WriteBatch` per mutation**: a [`WriteTxn`] collects the row changes, their
//!   history events, audit records, index-outbox and notification entries and the counters, and
//!   [`WriteTxn::commit`] writes them in one batch. Transactions are serialised by one writer
//!   lock (reads inside a transaction see the latest committed state plus its own writes).
//!   Durability: with `sync`, the WAL is fsynced after the batch is written and the lock is
//!   released, so concurrent writers share fsyncs (group commit); a transaction is acknowledged
//!   only after its own fsync, and the WAL being a prefix, everything before it is durable too.
//! * **tantivy is derived**: every source change leaves an index-outbox entry (seq → key) in
//!   the same batch. After the batch, the store applies the change to the index writer and to
//!   a fresh-writes overlay; commits are batched and carry the last applied outbox seq in their
//!   payload, after which applied outbox entries are deleted. At open, entries newer than the
//!   payload are replayed; a missing, unreadable or other-schema index is rebuilt from the rows.
//!   The store never scores: index terms are computed by the caller's [`TermsFn`].
//! * Values are encoded with a version byte (see `codec`); an unknown version or an unreadable
//!   value is [`StoreError::DataCorruption`]. Errors carry ids and counts, never patient values.

pub mod codec;
mod index;
pub mod rows;
mod txn;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;

use parking_lot::Mutex;
use rocksdb::{
    BlockBasedOptions, Cache, ColumnFamilyDescriptor, DB, DBRecoveryMode, Direction, IteratorMode,
    Options, WriteBatch, WriteOptions,
};
use vigie_core::ids::{DomainId, EnterpriseId, LocalId};
use vigie_core::record::IdentityRecord;

pub use index::{
    COMMIT_DOCS, COMMIT_INTERVAL, INDEX_SCHEMA, IndexDoc, IndexHit, IndexSearch, IndexTraits,
    TraitsFilter,
};
pub use rocksdb;
pub use rows::*;
pub use tantivy;
pub use txn::{BulkWriter, CommitInfo, WriteTxn, now_ms};

use codec::{decode, encode, seq_key, seq_of};
use index::CandidateIndex;

/// On-disk format version of the store (`meta/format`).
pub const STORE_FORMAT: u32 = 1;

/// A source identity's key: the domain (assigning authority) and the local id in it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourceKey {
    /// Assigning authority.
    pub domain: DomainId,
    /// Local id (IPP) within the domain.
    pub local_id: LocalId,
}

impl SourceKey {
    /// The row key: domain, NUL, local id (identifiers hold no control character, so the byte
    /// order is the (domain, local id) order).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out =
            Vec::with_capacity(self.domain.as_str().len() + self.local_id.as_str().len() + 1);
        out.extend_from_slice(self.domain.as_str().as_bytes());
        out.push(0);
        out.extend_from_slice(self.local_id.as_str().as_bytes());
        out
    }

    /// The key of a row key written by [`SourceKey::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Option<SourceKey> {
        let at = bytes.iter().position(|&b| b == 0)?;
        let domain = std::str::from_utf8(bytes.get(..at)?).ok()?;
        let local = std::str::from_utf8(bytes.get(at + 1..)?).ok()?;
        Some(SourceKey {
            domain: DomainId::new(domain).ok()?,
            local_id: LocalId::new(local).ok()?,
        })
    }
}

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// RocksDB failed (I/O, lock, options).
    #[error("storage: {0}")]
    Storage(String),
    /// The index failed.
    #[error("index: {0}")]
    Index(String),
    /// File-system error.
    #[error("io: {0}")]
    Io(String),
    /// A stored value cannot be read (unknown format version, bad encoding, broken invariant).
    #[error("data corruption: {0}")]
    DataCorruption(String),
    /// A bug (encoding failure, missing column family).
    #[error("internal: {0}")]
    Internal(String),
}

impl From<rocksdb::Error> for StoreError {
    fn from(e: rocksdb::Error) -> Self {
        StoreError::Storage(e.into_string())
    }
}

/// Column families.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Cf {
    /// Source identities.
    Sources,
    /// Enterprise identities and their membership.
    Enterprises,
    /// Decisions.
    Decisions,
    /// Review items.
    Reviews,
    /// Merges with before/after images.
    Merges,
    /// Separated pairs.
    Separations,
    /// History events.
    History,
    /// Audit trail.
    Audit,
    /// Index outbox.
    IndexOutbox,
    /// Notification outbox.
    Notifications,
    /// Format version, counters, model.
    Meta,
}

impl Cf {
    /// Every column family.
    pub const ALL: [Cf; 11] = [
        Cf::Sources,
        Cf::Enterprises,
        Cf::Decisions,
        Cf::Reviews,
        Cf::Merges,
        Cf::Separations,
        Cf::History,
        Cf::Audit,
        Cf::IndexOutbox,
        Cf::Notifications,
        Cf::Meta,
    ];

    /// RocksDB name.
    pub fn name(self) -> &'static str {
        match self {
            Cf::Sources => "sources",
            Cf::Enterprises => "enterprises",
            Cf::Decisions => "decisions",
            Cf::Reviews => "reviews",
            Cf::Merges => "merges",
            Cf::Separations => "separations",
            Cf::History => "history",
            Cf::Audit => "audit",
            Cf::IndexOutbox => "index_outbox",
            Cf::Notifications => "notifications",
            Cf::Meta => "meta",
        }
    }
}

/// Visits raw (key, value) rows; returns false to stop.
pub type RawVisitor<'a> = dyn FnMut(&[u8], &[u8]) -> Result<bool, StoreError> + 'a;

/// Computes the index terms of a record (normalised names, phonetic keys, blocking keys…).
pub type TermsFn = dyn Fn(&IdentityRecord) -> Vec<String> + Send + Sync;

/// How a store is opened.
#[derive(Clone)]
pub struct StoreOptions {
    /// Directory (RocksDB in `db/`, tantivy in `index/`).
    pub dir: PathBuf,
    /// fsync the WAL before a commit returns.
    pub sync: bool,
    /// Index terms of a record.
    pub terms: Arc<TermsFn>,
    /// Version of `terms`: an index built with another version is rebuilt at open (bump it
    /// whenever the terms of a record change).
    pub terms_version: u32,
    /// Commit the index every [`COMMIT_INTERVAL`] from a background thread (else only when
    /// [`COMMIT_DOCS`] writes are pending, on [`Store::flush_index`] and at close).
    pub background_commit: bool,
    /// Size of the RocksDB block cache shared by every column family, in MiB (0:
    /// [`DEFAULT_CACHE_MB`]). It holds uncompressed blocks, so a row read from it costs neither
    /// a `pread` nor a decompression: size it to the part of the sources that queries touch.
    pub cache_mb: usize,
}

/// Default size of the block cache ([`StoreOptions::cache_mb`]), in MiB.
pub const DEFAULT_CACHE_MB: usize = 512;

/// What happened at open.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OpenReport {
    /// The index was rebuilt (missing, unreadable, other schema, interrupted bulk load).
    pub index_rebuilt: bool,
    /// Outbox entries replayed into the index.
    pub outbox_replayed: u64,
}

const META_FORMAT: &[u8] = b"format";
const META_COUNTERS: &[u8] = b"counters";
const META_INDEX_DIRTY: &[u8] = b"index_dirty";
const META_MODEL: &[u8] = b"model";
pub(crate) const META_AUDIT_ANCHOR: &[u8] = b"audit_anchor";

/// Action of the audit record a retention prune appends (see [`Store::prune_audit`]).
pub const AUDIT_PRUNE_ACTION: &str = "audit-prune";

/// What [`Store::prune_audit`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditPruned {
    /// Records deleted by this call (0: none was older than the cutoff, and nothing was written).
    pub deleted: u64,
    /// Where the chain starts now (`None`: never pruned).
    pub anchor: Option<AuditAnchor>,
    /// Seq of the `audit-prune` record appended (`None` when nothing was deleted).
    pub record: Option<u64>,
}

/// What [`Store::check_audit_chain`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditChainCheck {
    /// `Ok(last seq)` or `Err(seq)` of the first record that does not check out.
    pub result: Result<u64, u64>,
    /// The anchor the chain was checked from (`None`: never pruned, or the anchor is
    /// unreadable — then `result` is an error).
    pub anchor: Option<AuditAnchor>,
}

/// Subjects of an `audit-prune` record: the count deleted and the anchor (seq and hash).
fn prune_subjects(deleted: u64, anchor: &AuditAnchor) -> Vec<String> {
    vec![
        format!("count={deleted}"),
        format!("through={}", anchor.seq),
        format!("anchor={}", anchor.hash),
    ]
}

/// The anchor (seq, hash) an `audit-prune` record names, if it is one and names one.
fn anchor_named_by(row: &AuditRow) -> Option<(u64, String)> {
    if row.action != AUDIT_PRUNE_ACTION {
        return None;
    }
    let field = |name: &str| row.subjects.iter().find_map(|s| s.strip_prefix(name));
    let seq = field("through=")?.parse().ok()?;
    Some((seq, field("anchor=")?.to_owned()))
}

pub(crate) struct Inner {
    pub(crate) db: DB,
    pub(crate) index: CandidateIndex,
    pub(crate) writer: Mutex<Counters>,
    pub(crate) options: StoreOptions,
    /// Revision of the last committed transaction, published after its rows and index writes.
    pub(crate) committed_rev: AtomicU64,
    /// The source keys changed by the last committed transactions (see [`RecentWrites`]).
    pub(crate) recent: Mutex<RecentWrites>,
    /// Shared WAL fsyncs (see [`Inner::sync_through`]).
    pub(crate) wal_sync: WalSync,
}

/// Group commit of WAL fsyncs: the revision every write up to which is known synced, and
/// whether a sync is running.
#[derive(Debug, Default)]
pub(crate) struct WalSync {
    state: Mutex<WalSyncState>,
    done: parking_lot::Condvar,
}

#[derive(Debug, Default)]
struct WalSyncState {
    synced_rev: u64,
    running: bool,
}

impl WalSync {
    fn synced_through(rev: u64) -> WalSync {
        WalSync {
            state: Mutex::new(WalSyncState {
                synced_rev: rev,
                running: false,
            }),
            done: parking_lot::Condvar::new(),
        }
    }
}

/// How many recent source changes are remembered for [`WriteTxn::sources_changed_since`].
const RECENT_WRITES: usize = 16_384;

/// A bounded log of the source keys changed by recent commits, in revision order, so a writer
/// that read (and scored) outside the lock at revision `r` can tell under the lock exactly which
/// rows changed since. `floor`: changes at or below it may have been forgotten.
#[derive(Debug, Default)]
pub(crate) struct RecentWrites {
    entries: std::collections::VecDeque<(u64, SourceKey)>,
    floor: u64,
}

impl RecentWrites {
    pub(crate) fn push(&mut self, rev: u64, key: SourceKey) {
        if self.entries.len() >= RECENT_WRITES
            && let Some((old, _)) = self.entries.pop_front()
        {
            self.floor = self.floor.max(old);
        }
        self.entries.push_back((rev, key));
    }

    /// Forgets everything up to `rev` (a bulk load changed rows without logging them).
    pub(crate) fn forget_through(&mut self, rev: u64) {
        self.entries.clear();
        self.floor = self.floor.max(rev);
    }

    /// The keys changed after `rev`, or `None` when that is no longer known.
    pub(crate) fn since(&self, rev: u64) -> Option<Vec<SourceKey>> {
        if self.floor > rev {
            return None;
        }
        let start = self.entries.partition_point(|(r, _)| *r <= rev);
        Some(
            self.entries
                .range(start..)
                .map(|(_, k)| k.clone())
                .collect(),
        )
    }
}

/// The store: RocksDB rows + tantivy index + committer thread. `Send + Sync`; share it by
/// reference.
pub struct Store {
    inner: Arc<Inner>,
    stop: Option<mpsc::Sender<()>>,
    committer: Option<JoinHandle<()>>,
    abandoned: bool,
}

impl Drop for Store {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(handle) = self.committer.take() {
            let _ = handle.join();
        }
        if !self.abandoned {
            let _ = self.inner.flush_index();
            self.inner.sync_deferred();
        }
    }
}

/// Table options of every column family: one shared block cache holding data, index and
/// filter blocks (index and filters at high priority, level-0 ones pinned), a bloom filter per
/// table so that a point read skips the tables without its key, and a hash index inside data
/// blocks so that it finds the key without a binary search.
fn table_options(cache: &Cache) -> BlockBasedOptions {
    let mut table = BlockBasedOptions::default();
    table.set_block_cache(cache);
    table.set_cache_index_and_filter_blocks(true);
    table.set_cache_index_and_filter_blocks_with_high_priority(true);
    table.set_pin_l0_filter_and_index_blocks_in_cache(true);
    table.set_bloom_filter(10.0, false);
    table.set_data_block_index_type(rocksdb::DataBlockIndexType::BinaryAndHash);
    table
}

fn db_options(cache: &Cache) -> Options {
    let mut opts = Options::default();
    opts.create_if_missing(true);
    opts.create_missing_column_families(true);
    opts.set_wal_recovery_mode(DBRecoveryMode::PointInTime);
    opts.set_compression_type(rocksdb::DBCompressionType::Lz4);
    opts.increase_parallelism(2);
    opts.set_block_based_table_factory(&table_options(cache));
    opts
}

impl Store {
    /// Opens (or creates) a store; rebuilds the index when missing, unreadable or left dirty by
    /// an interrupted bulk load, else replays the index outbox.
    ///
    /// # Errors
    /// Storage, index or corruption errors.
    pub fn open(options: StoreOptions) -> Result<(Store, OpenReport), StoreError> {
        std::fs::create_dir_all(&options.dir).map_err(|e| StoreError::Io(e.to_string()))?;
        let cache_mb = if options.cache_mb == 0 {
            DEFAULT_CACHE_MB
        } else {
            options.cache_mb
        };
        // RocksDB's hyper clock cache: lock-free lookups, where an LRU cache's sharded hash
        // table and list upkeep took a tenth of a search's CPU time.
        let cache = Cache::new_hyper_clock_cache(cache_mb.saturating_mul(1 << 20), 0);
        let opts = db_options(&cache);
        let cfs = Cf::ALL
            .iter()
            .map(|cf| ColumnFamilyDescriptor::new(cf.name(), db_options_for(*cf, &cache)));
        let db = DB::open_cf_descriptors(&opts, options.dir.join("db"), cfs)?;
        let cf_meta = db
            .cf_handle(Cf::Meta.name())
            .ok_or_else(|| StoreError::Internal("missing column family".into()))?;
        match db.get_cf(cf_meta, META_FORMAT)? {
            None => {
                let mut wo = WriteOptions::default();
                wo.set_sync(true);
                db.put_cf_opt(cf_meta, META_FORMAT, encode(&STORE_FORMAT)?, &wo)?;
            }
            Some(bytes) => {
                let format: u32 = decode("meta", &bytes)?;
                if format != STORE_FORMAT {
                    return Err(StoreError::DataCorruption(format!(
                        "store format {format} is not supported (expected {STORE_FORMAT})"
                    )));
                }
            }
        }
        let counters: Counters = match db.get_cf(cf_meta, META_COUNTERS)? {
            None => Counters::default(),
            Some(bytes) => decode("meta", &bytes)?,
        };
        let dirty = db.get_cf(cf_meta, META_INDEX_DIRTY)?.is_some();
        let index_dir = options.dir.join("index");
        let mut report = OpenReport::default();
        let (index, committed) = match CandidateIndex::open(&index_dir, options.terms_version)? {
            Some((index, seq)) if !dirty && seq <= counters.index_outbox => (index, Some(seq)),
            other => {
                drop(other);
                (
                    CandidateIndex::create(&index_dir, options.terms_version)?,
                    None,
                )
            }
        };
        let opened_rev = counters.rev;
        let inner = Arc::new(Inner {
            db,
            index,
            committed_rev: AtomicU64::new(counters.rev),
            recent: Mutex::new(RecentWrites {
                entries: std::collections::VecDeque::new(),
                floor: counters.rev,
            }),
            writer: Mutex::new(counters),
            options,
            // Everything committed before this open was synced (or replayed from a synced WAL).
            wal_sync: WalSync::synced_through(opened_rev),
        });
        match committed {
            None => {
                inner.rebuild_index_locked(&inner.writer.lock())?;
                report.index_rebuilt = true;
            }
            Some(seq) => {
                report.outbox_replayed = inner.replay_outbox(seq)?;
            }
        }
        let (stop, committer) = if inner.options.background_commit {
            let (stop, stopped) = mpsc::channel::<()>();
            let worker = Arc::clone(&inner);
            let committer = std::thread::Builder::new()
                .name("vigie-index-commit".into())
                .spawn(move || {
                    while let Err(mpsc::RecvTimeoutError::Timeout) =
                        stopped.recv_timeout(COMMIT_INTERVAL)
                    {
                        // A failed commit is retried at the next tick; the outbox keeps the
                        // writes.
                        let _ = worker.flush_index();
                        worker.sync_deferred();
                    }
                })
                .map_err(|e| StoreError::Io(e.to_string()))?;
            (Some(stop), Some(committer))
        } else {
            (None, None)
        };
        Ok((
            Store {
                inner,
                stop,
                committer,
                abandoned: false,
            },
            report,
        ))
    }

    /// Revision of the last committed transaction. Everything it and earlier transactions
    /// wrote is visible to reads and index searches started after this returns; read it
    /// *before* reading outside a transaction, then ask [`WriteTxn::sources_changed_since`]
    /// under the lock which rows changed in between.
    pub fn committed_rev(&self) -> u64 {
        self.inner.committed_rev.load(Ordering::Acquire)
    }

    /// Starts a write transaction (takes the writer lock until commit or drop).
    pub fn begin(&self) -> WriteTxn<'_> {
        WriteTxn::new(&self.inner)
    }

    /// A source row.
    ///
    /// # Errors
    /// Storage or corruption.
    pub fn source(&self, key: &SourceKey) -> Result<Option<SourceRow>, StoreError> {
        self.inner.get(Cf::Sources, &key.to_bytes())
    }

    /// Source rows of several keys, in their order (`None` for a missing one), read in one
    /// batched RocksDB lookup (cheaper than one `get` per key: the blocks each needs are found
    /// together).
    ///
    /// # Errors
    /// Storage or corruption.
    pub fn sources(&self, keys: &[SourceKey]) -> Result<Vec<Option<SourceRow>>, StoreError> {
        let bytes: Vec<Vec<u8>> = keys.iter().map(SourceKey::to_bytes).collect();
        self.inner.multi_get(Cf::Sources, &bytes)
    }

    /// An enterprise row.
    ///
    /// # Errors
    /// Storage or corruption.
    pub fn enterprise(&self, id: &EnterpriseId) -> Result<Option<EnterpriseRow>, StoreError> {
        self.inner.get(Cf::Enterprises, id.as_str().as_bytes())
    }

    /// A decision row.
    ///
    /// # Errors
    /// Storage or corruption.
    pub fn decision(&self, id: u64) -> Result<Option<DecisionRow>, StoreError> {
        self.inner.get(Cf::Decisions, &seq_key(id))
    }

    /// A review row.
    ///
    /// # Errors
    /// Storage or corruption.
    pub fn review(&self, id: u64) -> Result<Option<ReviewRow>, StoreError> {
        self.inner.get(Cf::Reviews, &seq_key(id))
    }

    /// A merge row.
    ///
    /// # Errors
    /// Storage or corruption.
    pub fn merge(&self, id: u64) -> Result<Option<MergeRow>, StoreError> {
        self.inner.get(Cf::Merges, &seq_key(id))
    }

    /// True when the pair was remembered as two persons.
    ///
    /// # Errors
    /// Storage.
    pub fn separated(&self, a: &SourceKey, b: &SourceKey) -> Result<bool, StoreError> {
        Ok(self
            .inner
            .raw_get(Cf::Separations, &txn::pair_key(a, b))?
            .is_some())
    }

    /// Visits rows of a column family in key order from `start` while `visit` returns true.
    ///
    /// # Errors
    /// Storage.
    pub fn scan(&self, cf: Cf, start: &[u8], visit: &mut RawVisitor<'_>) -> Result<(), StoreError> {
        self.inner.scan(cf, start, visit)
    }

    /// Visits the source rows in key order.
    ///
    /// # Errors
    /// Storage or corruption, or the visitor's error.
    pub fn for_each_source(
        &self,
        visit: &mut dyn FnMut(SourceKey, SourceRow) -> Result<bool, StoreError>,
    ) -> Result<(), StoreError> {
        self.inner.scan(Cf::Sources, &[], &mut |k, v| {
            let key = SourceKey::from_bytes(k)
                .ok_or_else(|| StoreError::DataCorruption("sources: unreadable key".into()))?;
            visit(key, decode("sources", v)?)
        })
    }

    /// Visits the enterprise rows in id order.
    ///
    /// # Errors
    /// Storage or corruption, or the visitor's error.
    pub fn for_each_enterprise(
        &self,
        visit: &mut dyn FnMut(EnterpriseId, EnterpriseRow) -> Result<bool, StoreError>,
    ) -> Result<(), StoreError> {
        self.inner.scan(Cf::Enterprises, &[], &mut |k, v| {
            let id = std::str::from_utf8(k)
                .ok()
                .and_then(|s| EnterpriseId::new(s).ok())
                .ok_or_else(|| StoreError::DataCorruption("enterprises: unreadable key".into()))?;
            visit(id, decode("enterprises", v)?)
        })
    }

    /// Open review items, oldest first, at most `limit`.
    ///
    /// # Errors
    /// Storage or corruption.
    pub fn open_reviews(&self, limit: usize) -> Result<Vec<(u64, ReviewRow)>, StoreError> {
        let mut out = Vec::new();
        self.inner.scan(Cf::Reviews, &[], &mut |k, v| {
            let row: ReviewRow = decode("reviews", v)?;
            if row.open {
                out.push((seq_of(k).unwrap_or(0), row));
            }
            Ok(out.len() < limit)
        })?;
        Ok(out)
    }

    /// History rows of one enterprise id, in seq order.
    ///
    /// # Errors
    /// Storage or corruption.
    pub fn history(&self, id: &EnterpriseId) -> Result<Vec<HistoryRow>, StoreError> {
        let mut prefix = id.as_str().as_bytes().to_vec();
        prefix.push(0);
        let mut out = Vec::new();
        self.inner.scan(Cf::History, &prefix, &mut |k, v| {
            if !k.starts_with(&prefix) {
                return Ok(false);
            }
            out.push(decode("history", v)?);
            Ok(true)
        })?;
        Ok(out)
    }

    /// Audit rows with `seq >= from`, at most `limit`.
    ///
    /// # Errors
    /// Storage or corruption.
    pub fn audit_rows(&self, from: u64, limit: usize) -> Result<Vec<AuditRow>, StoreError> {
        let mut out = Vec::new();
        if limit == 0 {
            return Ok(out);
        }
        self.inner.scan(Cf::Audit, &seq_key(from), &mut |_, v| {
            out.push(decode("audit", v)?);
            Ok(out.len() < limit)
        })?;
        Ok(out)
    }

    /// Verifies the audit chain: `Ok(last seq)` or `Err(seq)` of the first record whose hash,
    /// sequence or predecessor does not check out (a record removed, altered or inserted).
    ///
    /// After a retention prune ([`Store::prune_audit`]) the chain starts at the anchor: the first
    /// kept record must follow the anchor's seq and chain from its hash, no record at or below
    /// the anchor may remain, and the last `audit-prune` record must name the anchor (else the
    /// anchor was moved: `Err(anchor seq + 1)`). An unreadable anchor is `Err` of the first
    /// stored record. The check reads one consistent snapshot, so concurrent writes do not
    /// disturb it.
    ///
    /// # Errors
    /// Storage.
    pub fn verify_audit_chain(&self) -> Result<Result<u64, u64>, StoreError> {
        Ok(self.check_audit_chain()?.result)
    }

    /// [`Store::verify_audit_chain`], with the anchor the check started from (read in the same
    /// snapshot, so a concurrent prune cannot make them disagree).
    ///
    /// # Errors
    /// Storage.
    pub fn check_audit_chain(&self) -> Result<AuditChainCheck, StoreError> {
        let inner = &self.inner;
        let (head, snapshot) = {
            let guard = inner.writer.lock();
            (guard.clone(), inner.db.snapshot())
        };
        let cf_audit = inner.cf(Cf::Audit)?;
        let mut rows = snapshot.iterator_cf(cf_audit, IteratorMode::Start);
        let anchor: Option<AuditAnchor> =
            match snapshot.get_cf(inner.cf(Cf::Meta)?, META_AUDIT_ANCHOR)? {
                None => None,
                Some(bytes) => match decode("meta", &bytes) {
                    Ok(anchor) => Some(anchor),
                    Err(_) => {
                        let first = match rows.next() {
                            Some(item) => seq_of(&item?.0).unwrap_or(1),
                            None => 1,
                        };
                        return Ok(AuditChainCheck {
                            result: Err(first),
                            anchor: None,
                        });
                    }
                },
            };
        let mut prev_hash = anchor.as_ref().map(|a| a.hash.clone()).unwrap_or_default();
        let mut expected = anchor.as_ref().map_or(1, |a| a.seq.saturating_add(1));
        let mut last_prune: Option<Option<(u64, String)>> = None;
        let check = |result| AuditChainCheck {
            result,
            anchor: anchor.clone(),
        };
        for item in rows {
            let (k, v) = item?;
            let row: Result<AuditRow, _> = decode("audit", &v);
            let Ok(row) = row else {
                return Ok(check(Err(expected)));
            };
            let linked = seq_of(&k) == Some(expected)
                && row.seq == expected
                && txn::audit_hash(&prev_hash, &row).ok().as_deref() == Some(&row.hash);
            if !linked {
                return Ok(check(Err(expected)));
            }
            if row.action == AUDIT_PRUNE_ACTION {
                last_prune = Some(anchor_named_by(&row));
            }
            prev_hash = row.hash;
            expected += 1;
        }
        let last = expected - 1;
        // Records cut off at the end show as a head the chain does not reach.
        if last != head.audit || prev_hash != head.audit_head {
            return Ok(check(Err(last + 1)));
        }
        if let Some(anchor) = &anchor
            && last_prune.as_ref() != Some(&Some((anchor.seq, anchor.hash.clone())))
        {
            return Ok(check(Err(anchor.seq.saturating_add(1))));
        }
        Ok(check(Ok(last)))
    }

    /// Where the audit chain starts after retention prunes (`None`: never pruned).
    ///
    /// # Errors
    /// Storage or corruption.
    pub fn audit_anchor(&self) -> Result<Option<AuditAnchor>, StoreError> {
        self.inner.get(Cf::Meta, META_AUDIT_ANCHOR)
    }

    /// Retention: deletes the audit records older than `before_ms` (Unix ms) from the start of
    /// the chain — up to the first record that is not older, so the kept records stay one
    /// unbroken chain — and, in the same batch, stores the anchor (seq and hash of the last
    /// deleted record, time of the prune) and appends an [`AUDIT_PRUNE_ACTION`] record by
    /// `actor` whose subjects are `count=N`, `through=SEQ` and `anchor=HASH`. Nothing older
    /// than the cutoff: nothing is written (a second prune with the same cutoff is a no-op).
    ///
    /// The records to delete are read and their chain checked outside the writer lock (they
    /// never change once written); a prune never deletes a broken part of the chain, so it
    /// cannot erase the evidence of a tampering.
    ///
    /// # Errors
    /// Storage; [`StoreError::DataCorruption`] when the part to delete does not chain (nothing
    /// is deleted then).
    pub fn prune_audit(&self, before_ms: u64, actor: &ActorRow) -> Result<AuditPruned, StoreError> {
        loop {
            let anchor = self.audit_anchor()?;
            let from = anchor.as_ref().map_or(1, |a| a.seq.saturating_add(1));
            let mut prev_hash = anchor.as_ref().map(|a| a.hash.clone()).unwrap_or_default();
            let mut expected = from;
            let mut broken = None;
            self.inner.scan(Cf::Audit, &seq_key(from), &mut |k, v| {
                let Ok(row) = decode::<AuditRow>("audit", v) else {
                    broken = Some(expected);
                    return Ok(false);
                };
                if row.at_ms >= before_ms {
                    return Ok(false);
                }
                if seq_of(k) != Some(expected)
                    || row.seq != expected
                    || txn::audit_hash(&prev_hash, &row)? != row.hash
                {
                    broken = Some(expected);
                    return Ok(false);
                }
                prev_hash = row.hash;
                expected += 1;
                Ok(true)
            })?;
            if let Some(seq) = broken {
                return Err(StoreError::DataCorruption(format!(
                    "audit chain broken at record {seq}: nothing pruned"
                )));
            }
            let deleted = expected - from;
            if deleted == 0 {
                return Ok(AuditPruned {
                    deleted,
                    anchor,
                    record: None,
                });
            }
            let mut txn = self.begin();
            if self.audit_anchor()? != anchor {
                // Another prune moved the anchor meanwhile: start over from it.
                continue;
            }
            let new_anchor = AuditAnchor {
                seq: expected - 1,
                hash: prev_hash,
                pruned_at_ms: txn.now_ms(),
                before_ms,
            };
            txn.prune_audit_through(from, &new_anchor)?;
            let record = txn.add_audit(
                actor,
                AUDIT_PRUNE_ACTION,
                "ok",
                prune_subjects(deleted, &new_anchor),
            )?;
            txn.commit()?;
            return Ok(AuditPruned {
                deleted,
                anchor: Some(new_anchor),
                record: Some(record),
            });
        }
    }

    /// Notifications with `seq > after`, at most `limit`.
    ///
    /// # Errors
    /// Storage or corruption.
    pub fn notifications(
        &self,
        after: u64,
        limit: usize,
    ) -> Result<Vec<NotificationRow>, StoreError> {
        let mut out = Vec::new();
        if limit == 0 {
            return Ok(out);
        }
        self.inner.scan(
            Cf::Notifications,
            &seq_key(after.saturating_add(1)),
            &mut |_, v| {
                out.push(decode("notifications", v)?);
                Ok(out.len() < limit)
            },
        )?;
        Ok(out)
    }

    /// The counters as last committed.
    pub fn counters(&self) -> Counters {
        self.inner.writer.lock().clone()
    }

    /// The stored model (JSON text), if any.
    ///
    /// # Errors
    /// Storage or corruption.
    pub fn model_json(&self) -> Result<Option<String>, StoreError> {
        self.inner.get(Cf::Meta, META_MODEL)
    }

    /// Stores the model (JSON text), synced.
    ///
    /// # Errors
    /// Storage.
    pub fn set_model_json(&self, json: &str) -> Result<(), StoreError> {
        let _guard = self.inner.writer.lock();
        let mut wo = WriteOptions::default();
        wo.set_sync(true);
        self.inner
            .db
            .put_cf_opt(self.inner.cf(Cf::Meta)?, META_MODEL, encode(&json)?, &wo)?;
        Ok(())
    }

    /// Index candidates sharing any of `terms` (with boosts), best first: at most `limit` from
    /// the committed index plus every not-yet-committed write that matches.
    ///
    /// # Errors
    /// Index failure.
    pub fn search_index(
        &self,
        terms: &[(String, f32)],
        limit: usize,
    ) -> Result<Vec<IndexHit>, StoreError> {
        Ok(self.inner.index.search(terms, limit, None)?.hits)
    }

    /// [`Store::search_index`] with a filter on the candidates' traits (birth date, sex),
    /// applied before their keys are read: the top `limit` committed documents are taken by
    /// relevance, then those `accept` rejects are dropped (see [`IndexSearch`]).
    ///
    /// # Errors
    /// Index failure.
    pub fn search_index_filtered(
        &self,
        terms: &[(String, f32)],
        limit: usize,
        accept: TraitsFilter<'_>,
    ) -> Result<IndexSearch, StoreError> {
        self.inner.index.search(terms, limit, Some(accept))
    }

    /// Commits pending index writes now (normally done every [`COMMIT_INTERVAL`]).
    ///
    /// # Errors
    /// Index or storage failure.
    pub fn flush_index(&self) -> Result<(), StoreError> {
        self.inner.flush_index()
    }

    /// The keys in the (committed) index and the document count, after flushing.
    ///
    /// # Errors
    /// Index failure.
    pub fn index_keys(&self) -> Result<(BTreeSet<SourceKey>, u64), StoreError> {
        let _guard = self.inner.writer.lock();
        self.inner.index.all_keys()
    }

    /// Rebuilds the index from the source rows (under the writer lock).
    ///
    /// # Errors
    /// Index or storage failure.
    pub fn rebuild_index(&self) -> Result<u64, StoreError> {
        let guard = self.inner.writer.lock();
        self.inner.rebuild_index_locked(&guard)
    }

    /// Pending (unapplied or uncommitted) index-outbox entries.
    ///
    /// # Errors
    /// Storage.
    pub fn index_outbox_len(&self) -> Result<u64, StoreError> {
        let mut n = 0;
        self.inner.scan(Cf::IndexOutbox, &[], &mut |_, _| {
            n += 1;
            Ok(true)
        })?;
        Ok(n)
    }

    /// Closes the store without committing pending index writes, as a crash would leave it
    /// (tests of the outbox replay).
    pub fn abandon(mut self) {
        self.abandoned = true;
    }

    /// The raw RocksDB handle (tests, tools). Writing through it bypasses every invariant.
    pub fn raw_db(&self) -> &DB {
        &self.inner.db
    }

    /// The directory of the store.
    pub fn dir(&self) -> &Path {
        &self.inner.options.dir
    }
}

fn db_options_for(cf: Cf, cache: &Cache) -> Options {
    let mut opts = Options::default();
    opts.set_compression_type(rocksdb::DBCompressionType::Lz4);
    opts.set_block_based_table_factory(&table_options(cache));
    if cf == Cf::Sources {
        opts.set_write_buffer_size(64 << 20);
    }
    opts
}

impl Inner {
    pub(crate) fn cf(&self, cf: Cf) -> Result<&rocksdb::ColumnFamily, StoreError> {
        self.db
            .cf_handle(cf.name())
            .ok_or_else(|| StoreError::Internal("missing column family".into()))
    }

    pub(crate) fn raw_get(&self, cf: Cf, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.db.get_cf(self.cf(cf)?, key)?)
    }

    pub(crate) fn get<T: serde::de::DeserializeOwned>(
        &self,
        cf: Cf,
        key: &[u8],
    ) -> Result<Option<T>, StoreError> {
        self.raw_get(cf, key)?
            .map(|bytes| decode(cf.name(), &bytes))
            .transpose()
    }

    pub(crate) fn multi_get<T: serde::de::DeserializeOwned>(
        &self,
        cf: Cf,
        keys: &[Vec<u8>],
    ) -> Result<Vec<Option<T>>, StoreError> {
        let handle = self.cf(cf)?;
        self.db
            .batched_multi_get_cf(handle, keys.iter(), false)
            .into_iter()
            .map(|found| match found? {
                Some(bytes) => decode(cf.name(), &bytes).map(Some),
                None => Ok(None),
            })
            .collect()
    }

    pub(crate) fn scan(
        &self,
        cf: Cf,
        start: &[u8],
        visit: &mut RawVisitor<'_>,
    ) -> Result<(), StoreError> {
        let iter = self
            .db
            .iterator_cf(self.cf(cf)?, IteratorMode::From(start, Direction::Forward));
        for item in iter {
            let (k, v) = item?;
            if !visit(&k, &v)? {
                break;
            }
        }
        Ok(())
    }

    /// Returns once every write of revision `rev` or earlier is fsynced. Writers share
    /// fsyncs: when one is running, a caller whose write it may not cover waits for it, then
    /// one of the waiters runs the next fsync for all of them (covering every revision
    /// published before it starts) — so a burst of commits costs a few fsyncs, not one each.
    pub(crate) fn sync_through(&self, rev: u64) -> Result<(), StoreError> {
        let sync = &self.wal_sync;
        let mut state = sync.state.lock();
        loop {
            if state.synced_rev >= rev {
                return Ok(());
            }
            if state.running {
                sync.done.wait(&mut state);
                continue;
            }
            state.running = true;
            drop(state);
            // Every revision published now has its batch in the WAL already.
            let target = self.committed_rev.load(Ordering::Acquire).max(rev);
            let result = self.db.flush_wal(true);
            state = sync.state.lock();
            state.running = false;
            if result.is_ok() {
                state.synced_rev = state.synced_rev.max(target);
            }
            sync.done.notify_all();
            result?;
        }
    }

    /// Syncs the WAL when a commit deferred its sync ([`WriteTxn::defer_sync`]): every
    /// published revision not yet known synced is synced now; a failed sync is retried at the
    /// next call.
    pub(crate) fn sync_deferred(&self) {
        if !self.options.sync {
            return;
        }
        let published = self.committed_rev.load(Ordering::Acquire);
        if self.wal_sync.state.lock().synced_rev < published {
            let _ = self.sync_through(published);
        }
    }

    /// Commits the index and deletes the outbox entries it now covers.
    pub(crate) fn flush_index(&self) -> Result<(), StoreError> {
        let seq = self.index.commit()?;
        self.delete_outbox_through(seq)
    }

    fn delete_outbox_through(&self, seq: u64) -> Result<(), StoreError> {
        if seq == 0 {
            return Ok(());
        }
        let mut batch = WriteBatch::default();
        batch.delete_range_cf(self.cf(Cf::IndexOutbox)?, seq_key(0), seq_key(seq + 1));
        self.db.write(batch)?;
        Ok(())
    }

    fn terms_of(&self, row: &SourceRow) -> Option<IndexDoc> {
        row.active.then(|| IndexDoc {
            terms: (self.options.terms)(&row.record),
            traits: IndexTraits::of(&row.record),
        })
    }

    /// Re-applies outbox entries newer than `committed` (reading each key's current row).
    fn replay_outbox(&self, committed: u64) -> Result<u64, StoreError> {
        let mut ops = Vec::new();
        self.scan(Cf::IndexOutbox, &seq_key(committed + 1), &mut |k, v| {
            let seq = seq_of(k)
                .ok_or_else(|| StoreError::DataCorruption("index_outbox: bad key".into()))?;
            let key = SourceKey::from_bytes(v)
                .ok_or_else(|| StoreError::DataCorruption("index_outbox: bad value".into()))?;
            ops.push((seq, key));
            Ok(true)
        })?;
        let n = ops.len() as u64;
        let mut applied = Vec::with_capacity(ops.len());
        for (seq, key) in ops {
            let row: Option<SourceRow> = self.get(Cf::Sources, &key.to_bytes())?;
            let terms = row.as_ref().and_then(|r| self.terms_of(r));
            applied.push((seq, key, terms));
        }
        self.index.apply(applied)?;
        self.flush_index()?;
        // Entries at or below the committed seq may remain from before a crash.
        self.delete_outbox_through(self.index.committed_seq())?;
        Ok(n)
    }

    /// Rebuilds the index from the rows; the caller holds the writer lock (`counters`).
    pub(crate) fn rebuild_index_locked(&self, counters: &Counters) -> Result<u64, StoreError> {
        let mut docs = Vec::new();
        self.scan(Cf::Sources, &[], &mut |k, v| {
            let row: SourceRow = decode("sources", v)?;
            if let Some(doc) = self.terms_of(&row) {
                let key = SourceKey::from_bytes(k)
                    .ok_or_else(|| StoreError::DataCorruption("sources: bad key".into()))?;
                docs.push((key, doc));
            }
            Ok(true)
        })?;
        self.rebuild_from(&mut docs.into_iter(), counters.index_outbox)
    }

    /// Replaces the whole index with `docs`, committed at outbox seq `seq`; clears the outbox
    /// and the dirty flag.
    pub(crate) fn rebuild_from(
        &self,
        docs: &mut dyn Iterator<Item = (SourceKey, IndexDoc)>,
        seq: u64,
    ) -> Result<u64, StoreError> {
        let count = self.index.bulk_load(docs, seq, true)?;
        self.delete_outbox_through(seq)?;
        let mut wo = WriteOptions::default();
        wo.set_sync(true);
        self.db
            .delete_cf_opt(self.cf(Cf::Meta)?, META_INDEX_DIRTY, &wo)?;
        Ok(count)
    }

    pub(crate) fn set_index_dirty(&self) -> Result<(), StoreError> {
        let mut wo = WriteOptions::default();
        wo.set_sync(true);
        self.db
            .put_cf_opt(self.cf(Cf::Meta)?, META_INDEX_DIRTY, encode(&true)?, &wo)?;
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn source_keys_round_trip_and_sort_like_the_pair() {
        let k = |d: &str, l: &str| SourceKey {
            domain: DomainId::new(d).unwrap(),
            local_id: LocalId::new(l).unwrap(),
        };
        let keys = [k("A", "2"), k("A", "10"), k("AB", "1"), k("B", "0")];
        for key in &keys {
            assert_eq!(SourceKey::from_bytes(&key.to_bytes()).as_ref(), Some(key));
        }
        let mut by_bytes = keys.to_vec();
        by_bytes.sort_by_key(SourceKey::to_bytes);
        let mut by_ord = keys.to_vec();
        by_ord.sort();
        assert_eq!(by_bytes, by_ord);
    }

    #[test]
    fn recent_writes_forget_the_oldest_and_say_so() {
        let k = |l: u64| SourceKey {
            domain: DomainId::new("D").unwrap(),
            local_id: LocalId::new(&l.to_string()).unwrap(),
        };
        let mut recent = RecentWrites::default();
        for rev in 1..=(RECENT_WRITES as u64 + 2) {
            recent.push(rev, k(rev));
        }
        // Revisions 1 and 2 fell out: what changed after 0 or 1 is unknown.
        assert_eq!(recent.since(0), None);
        assert_eq!(recent.since(1), None);
        let after = recent.since(RECENT_WRITES as u64).unwrap();
        assert_eq!(
            after,
            vec![k(RECENT_WRITES as u64 + 1), k(RECENT_WRITES as u64 + 2)]
        );
        recent.forget_through(RECENT_WRITES as u64 + 5);
        assert_eq!(recent.since(RECENT_WRITES as u64 + 4), None);
        assert_eq!(recent.since(RECENT_WRITES as u64 + 5), Some(vec![]));
    }
}
