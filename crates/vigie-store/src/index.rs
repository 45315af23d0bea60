//! The tantivy candidate index: one document per active source identity, holding its key
//! (stored) and pre-computed key terms (the caller's normalised names, phonetic keys, dates,
//! blocking keys… as opaque strings). The index is derived data: rebuilt from the store whenever
//! missing or unreadable.
//!
//! Beside the terms, each document keeps the record's birth date and sex as fast fields
//! ([`IndexTraits`]): a search may reject candidates on them (the caller's predicate) before
//! their keys are read, which is much cheaper than reading their rows.
//!
//! Freshness: writes are added to the tantivy writer at once and also kept in an in-memory
//! overlay (key → terms) until a tantivy commit makes them searchable; a search consults both,
//! so a query issued after a write returns always sees it. Commits are batched (by the store's
//! committer thread every [`COMMIT_INTERVAL`] or when [`COMMIT_DOCS`] documents are pending);
//! each commit carries the last applied index-outbox seq in its payload.

use std::collections::{BTreeSet, HashMap};
use std::hash::BuildHasher;
use std::path::{Path, PathBuf};
use std::time::Duration;

use parking_lot::{Mutex, RwLock};
use tantivy::collector::{DocSetCollector, TopDocs};
use tantivy::columnar::Column;
use tantivy::index::SegmentId;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    FAST, Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::store::Compressor;
use tantivy::{
    Index, IndexReader, IndexSettings, IndexWriter, ReloadPolicy, SegmentReader, TantivyDocument,
    Term,
};
use vigie_core::date::PartialDate;
use vigie_core::record::IdentityRecord;
use vigie_core::sex::Sex;

use crate::{SourceKey, StoreError};

/// Schema version written in every commit payload; another value triggers a rebuild.
/// 2: term frequencies indexed (so that disjunctions run as block-max WAND, see
/// `CandidateIndex::search`), birth date and sex as fast fields.
/// 3: the document store (keys only) uncompressed, in small blocks (see [`index_settings`]).
pub const INDEX_SCHEMA: u32 = 3;

/// Index settings: the document store holds only the keys (a few dozen bytes each) and a search
/// reads one per candidate at random, so it is kept uncompressed in 2 KiB blocks — tantivy's
/// default (LZ4 over 16 KiB) decompressed a whole block for every key read.
fn index_settings() -> IndexSettings {
    IndexSettings {
        docstore_compression: Compressor::None,
        docstore_blocksize: 2048,
        ..IndexSettings::default()
    }
}

/// Interval of the background commit.
pub const COMMIT_INTERVAL: Duration = Duration::from_millis(200);

/// Pending documents that force a commit on the write path.
pub const COMMIT_DOCS: usize = 5_000;

const WRITER_HEAP: usize = 50_000_000;
const BULK_HEAP: usize = 400_000_000;

fn index_err(e: impl std::fmt::Display) -> StoreError {
    StoreError::Index(e.to_string())
}

/// Opens the index writer, retrying for up to a second while its directory lock is busy.
///
/// The lock is a `flock` on a file: when another thread of the process forks (to run a
/// command) while a writer is open, the child holds the lock file's descriptor until it execs,
/// so a writer opened right after the previous one was dropped may briefly find the lock
/// taken (seen in the server's tests, which run beside a snapshot library that spawns cargo).
fn open_writer(
    index: &Index,
    threads: usize,
    heap: usize,
) -> Result<IndexWriter<TantivyDocument>, StoreError> {
    let mut attempts = 0;
    loop {
        match index.writer_with_num_threads(threads, heap) {
            Err(tantivy::TantivyError::LockFailure(
                tantivy::directory::error::LockError::LockBusy,
                _,
            )) if attempts < 100 => {
                attempts += 1;
                std::thread::sleep(Duration::from_millis(10));
            }
            other => return other.map_err(index_err),
        }
    }
}

/// Text of a key in the index (`domain` U+001F `local id`; identifiers have no control chars).
pub(crate) fn key_text(key: &SourceKey) -> String {
    format!("{}\u{1f}{}", key.domain.as_str(), key.local_id.as_str())
}

fn key_from_text(text: &str) -> Option<SourceKey> {
    let (d, l) = text.split_once('\u{1f}')?;
    Some(SourceKey {
        domain: vigie_core::ids::DomainId::new(d).ok()?,
        local_id: vigie_core::ids::LocalId::new(l).ok()?,
    })
}

/// The strict traits an index document keeps beside its terms, to filter candidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexTraits {
    /// Birth date.
    pub birth_date: Option<PartialDate>,
    /// Administrative sex.
    pub sex: Sex,
}

impl IndexTraits {
    /// The traits of a record.
    pub fn of(record: &IdentityRecord) -> IndexTraits {
        IndexTraits {
            birth_date: record.birth_date,
            sex: record.sex,
        }
    }

    /// Birth date as a fast-field value: `yyyymmdd` with 0 for an unknown month or day, 0 when
    /// unknown.
    fn date_value(&self) -> u64 {
        match self.birth_date {
            None => 0,
            Some(PartialDate::Year(y)) => u64::from(y) * 10_000,
            Some(PartialDate::YearMonth(y, m)) => u64::from(y) * 10_000 + u64::from(m) * 100,
            Some(PartialDate::Full(y, m, d)) => {
                u64::from(y) * 10_000 + u64::from(m) * 100 + u64::from(d)
            }
        }
    }

    fn sex_value(&self) -> u64 {
        match self.sex {
            Sex::Unknown => 0,
            Sex::Male => 1,
            Sex::Female => 2,
        }
    }

    fn from_values(date: u64, sex: u64) -> IndexTraits {
        let (y, m, d) = (date / 10_000, (date / 100) % 100, date % 100);
        let birth_date = match (u16::try_from(y), u8::try_from(m), u8::try_from(d)) {
            _ if date == 0 => None,
            (Ok(y), Ok(0), _) => Some(PartialDate::Year(y)),
            (Ok(y), Ok(m), Ok(0)) => Some(PartialDate::YearMonth(y, m)),
            (Ok(y), Ok(m), Ok(d)) => Some(PartialDate::Full(y, m, d)),
            _ => None,
        };
        let sex = match sex {
            1 => Sex::Male,
            2 => Sex::Female,
            _ => Sex::Unknown,
        };
        IndexTraits { birth_date, sex }
    }
}

/// One index document: the caller's terms and the record's traits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexDoc {
    /// Terms (opaque strings computed by the caller).
    pub terms: Vec<String>,
    /// Strict traits kept for filtering.
    pub traits: IndexTraits,
}

/// Accepts or rejects a candidate on its traits, before its key is read.
pub type TraitsFilter<'a> = &'a dyn Fn(&IndexTraits) -> bool;

/// The result of a filtered search.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct IndexSearch {
    /// Accepted hits, best first.
    pub hits: Vec<IndexHit>,
    /// Committed documents the top-k returned, accepted or not (fewer than the limit: no more
    /// document shares a term).
    pub considered: usize,
}

struct WriterState {
    writer: Option<IndexWriter<TantivyDocument>>,
    /// Last outbox seq added to the writer.
    added_seq: u64,
    /// Last outbox seq committed.
    committed_seq: u64,
    /// Documents added since the last commit.
    pending: usize,
}

/// One pending write: `None` for a deletion.
type OverlayEntry = (u64, Option<IndexDoc>);

pub(crate) struct CandidateIndex {
    index: Index,
    key_field: Field,
    terms_field: Field,
    date_field: Field,
    sex_field: Field,
    reader: IndexReader,
    state: Mutex<WriterState>,
    /// Writes not yet handed to the tantivy writer, in outbox order: [`CandidateIndex::apply`]
    /// queues them here and hands them over only when the writer is free, so a registration
    /// never waits for an index commit (whose segment write and fsync take tens of
    /// milliseconds); the next apply or commit drains them. Searches see them in the overlay.
    queue: Mutex<Vec<(u64, SourceKey, Option<IndexDoc>)>>,
    overlay: RwLock<HashMap<SourceKey, OverlayEntry>>,
    terms_version: u32,
    /// Birth date and sex columns of each segment met, opened once: opening a column reads
    /// its whole block table, which cost more than the lookups of a search. A segment's
    /// columns never change (deletions only hide documents); the map is emptied when it
    /// outgrows [`MAX_CACHED_SEGMENTS`] (merged-away segments).
    columns: Mutex<HashMap<SegmentId, TraitColumns>>,
}

/// The birth date and sex columns of one segment.
type TraitColumns = (Column<u64>, Column<u64>);

/// Segments whose columns are kept (far more than an index holds at once).
const MAX_CACHED_SEGMENTS: usize = 256;

/// A 64-bit hash of a key (the overlay's shadow set).
fn key_hash(key: &SourceKey) -> u64 {
    rustc_hash::FxBuildHasher.hash_one(key)
}

/// One hit: the key and its relevance (shared terms; overlay hits count their shared terms).
#[derive(Debug, Clone, PartialEq)]
pub struct IndexHit {
    /// Key.
    pub key: SourceKey,
    /// Relevance (BM25 for committed documents, shared-term count for fresh ones).
    pub score: f32,
    /// Position among the committed documents of the top-k, before filtering (0 for a fresh
    /// document).
    pub rank: usize,
}

const DATE_FIELD: &str = "bd";
const SEX_FIELD: &str = "sex";

/// The key (stored, untokenised) and the terms: untokenised, with term frequencies (always 1:
/// terms are deduplicated) because tantivy's block-max WAND top-k only runs on postings that
/// carry them; without them a disjunction scores every document of every term, and a broad term
/// (a birth year, a postcode) costs a scan of its whole posting list.
fn schema() -> (Schema, Field, Field) {
    let mut builder = Schema::builder();
    builder.add_u64_field(DATE_FIELD, FAST);
    builder.add_u64_field(SEX_FIELD, FAST);
    let key = builder.add_text_field("key", STRING | STORED);
    let terms_options = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("raw")
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let terms = builder.add_text_field("terms", terms_options);
    (builder.build(), key, terms)
}

fn parse_payload(payload: Option<&str>, terms_version: u32) -> Option<u64> {
    let payload = payload?;
    let mut schema_ok = false;
    let mut terms_ok = false;
    let mut seq = None;
    for part in payload.split(';') {
        if let Some(v) = part.strip_prefix("schema=") {
            schema_ok = v.parse::<u32>().ok() == Some(INDEX_SCHEMA);
        } else if let Some(v) = part.strip_prefix("terms=") {
            terms_ok = v.parse::<u32>().ok() == Some(terms_version);
        } else if let Some(v) = part.strip_prefix("seq=") {
            seq = v.parse::<u64>().ok();
        }
    }
    seq.filter(|_| schema_ok && terms_ok)
}

impl CandidateIndex {
    /// Opens an existing index; `Ok(None)` when it is missing, unreadable, of another schema or
    /// built with another version of the terms function (the caller rebuilds). Returns the
    /// committed outbox seq.
    pub(crate) fn open(
        dir: &Path,
        terms_version: u32,
    ) -> Result<Option<(CandidateIndex, u64)>, StoreError> {
        if !dir.join("meta.json").is_file() {
            return Ok(None);
        }
        let Ok(index) = Index::open_in_dir(dir) else {
            return Ok(None);
        };
        let Ok(metas) = index.load_metas() else {
            return Ok(None);
        };
        let Some(seq) = parse_payload(metas.payload.as_deref(), terms_version) else {
            return Ok(None);
        };
        let (expected, _, _) = schema();
        if index.schema() != expected
            || index.settings().docstore_compression != index_settings().docstore_compression
        {
            return Ok(None);
        }
        match CandidateIndex::from_index(index, seq, terms_version) {
            Ok(open) => Ok(Some((open, seq))),
            Err(_) => Ok(None),
        }
    }

    /// Creates an empty index in `dir` (anything there is moved aside first).
    pub(crate) fn create(dir: &Path, terms_version: u32) -> Result<CandidateIndex, StoreError> {
        if dir.exists() {
            let aside = aside_path(dir);
            let _ = std::fs::remove_dir_all(&aside);
            std::fs::rename(dir, &aside).map_err(|e| StoreError::Io(e.to_string()))?;
            let _ = std::fs::remove_dir_all(&aside);
        }
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Io(e.to_string()))?;
        let (schema, _, _) = schema();
        let index = Index::builder()
            .schema(schema)
            .settings(index_settings())
            .create_in_dir(dir)
            .map_err(index_err)?;
        let open = CandidateIndex::from_index(index, 0, terms_version)?;
        open.commit_with_seq(0)?;
        Ok(open)
    }

    fn from_index(
        index: Index,
        seq: u64,
        terms_version: u32,
    ) -> Result<CandidateIndex, StoreError> {
        let (schema, key_field, terms_field) = schema();
        let date_field = schema.get_field(DATE_FIELD).map_err(index_err)?;
        let sex_field = schema.get_field(SEX_FIELD).map_err(index_err)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(index_err)?;
        let writer = open_writer(&index, 1, WRITER_HEAP)?;
        Ok(CandidateIndex {
            index,
            key_field,
            terms_field,
            date_field,
            sex_field,
            reader,
            state: Mutex::new(WriterState {
                writer: Some(writer),
                added_seq: seq,
                committed_seq: seq,
                pending: 0,
            }),
            queue: Mutex::new(Vec::new()),
            overlay: RwLock::new(HashMap::new()),
            terms_version,
            columns: Mutex::new(HashMap::new()),
        })
    }

    fn document(&self, key: &SourceKey, doc: &IndexDoc) -> TantivyDocument {
        let mut out = TantivyDocument::default();
        out.add_text(self.key_field, key_text(key));
        for term in &doc.terms {
            out.add_text(self.terms_field, term);
        }
        out.add_u64(self.date_field, doc.traits.date_value());
        out.add_u64(self.sex_field, doc.traits.sex_value());
        out
    }

    /// The commit payload: schema, terms version and the last applied outbox seq.
    fn payload(&self, seq: u64) -> String {
        format!(
            "vigie-index;schema={INDEX_SCHEMA};terms={};seq={seq}",
            self.terms_version
        )
    }

    /// Applies writes (upserts with their document, deletions with `None`) tagged with their
    /// outbox seq, in seq order (the store calls it under its writer lock). They are searchable
    /// at once through the overlay; they reach the tantivy writer now, or — when a commit holds
    /// the writer — at the next apply or commit (see [`CandidateIndex::queue`]). Returns true
    /// when enough documents are pending to commit now.
    pub(crate) fn apply(
        &self,
        ops: Vec<(u64, SourceKey, Option<IndexDoc>)>,
    ) -> Result<bool, StoreError> {
        {
            let mut overlay = self.overlay.write();
            for (seq, key, doc) in &ops {
                overlay.insert(key.clone(), (*seq, doc.clone()));
            }
        }
        self.queue.lock().extend(ops);
        let Some(mut state) = self.state.try_lock() else {
            return Ok(false);
        };
        self.drain_locked(&mut state)?;
        Ok(state.pending >= COMMIT_DOCS)
    }

    /// Hands the queued writes to the tantivy writer, in order.
    fn drain_locked(&self, state: &mut WriterState) -> Result<(), StoreError> {
        let ops = std::mem::take(&mut *self.queue.lock());
        if ops.is_empty() {
            return Ok(());
        }
        let writer = state
            .writer
            .as_ref()
            .ok_or_else(|| StoreError::Index("index writer unavailable".into()))?;
        for (seq, key, doc) in ops {
            writer.delete_term(Term::from_field_text(self.key_field, &key_text(&key)));
            if let Some(doc) = &doc {
                writer
                    .add_document(self.document(&key, doc))
                    .map_err(index_err)?;
            }
            state.added_seq = state.added_seq.max(seq);
            state.pending += 1;
        }
        Ok(())
    }

    /// Commits pending writes (payload: last added seq), reloads the reader and forgets the
    /// overlay entries now searchable. Returns the committed seq.
    pub(crate) fn commit(&self) -> Result<u64, StoreError> {
        let mut state = self.state.lock();
        self.drain_locked(&mut state)?;
        if state.pending == 0 && state.added_seq == state.committed_seq {
            return Ok(state.committed_seq);
        }
        let seq = state.added_seq;
        self.commit_locked(&mut state, seq)?;
        Ok(seq)
    }

    fn commit_with_seq(&self, seq: u64) -> Result<(), StoreError> {
        let mut state = self.state.lock();
        state.added_seq = state.added_seq.max(seq);
        self.commit_locked(&mut state, seq)
    }

    fn commit_locked(&self, state: &mut WriterState, seq: u64) -> Result<(), StoreError> {
        let writer = state
            .writer
            .as_mut()
            .ok_or_else(|| StoreError::Index("index writer unavailable".into()))?;
        let mut prepared = writer.prepare_commit().map_err(index_err)?;
        prepared.set_payload(&self.payload(seq));
        prepared.commit().map_err(index_err)?;
        self.reader.reload().map_err(index_err)?;
        state.committed_seq = seq;
        state.pending = 0;
        self.overlay.write().retain(|_, (s, _)| *s > seq);
        Ok(())
    }

    /// The last committed outbox seq.
    pub(crate) fn committed_seq(&self) -> u64 {
        self.state.lock().committed_seq
    }

    /// Bulk load: every document through a writer with a large heap, then one commit with
    /// `seq` and a merge into one segment. Existing documents with the same keys are replaced; all others too when `clear`.
    pub(crate) fn bulk_load(
        &self,
        docs: &mut dyn Iterator<Item = (SourceKey, IndexDoc)>,
        seq: u64,
        clear: bool,
    ) -> Result<u64, StoreError> {
        let mut state = self.state.lock();
        // Writes not yet handed over go with the writer's uncommitted ones (a bulk load runs
        // under the store's writer lock, after them).
        self.queue.lock().clear();
        // One writer per index: the normal one goes while the bulk one works.
        if let Some(old) = state.writer.take() {
            drop(old);
        }
        let threads = std::thread::available_parallelism()
            .map(|n| n.get().clamp(1, 4))
            .unwrap_or(1);
        let result = (|| -> Result<u64, StoreError> {
            let mut bulk = open_writer(&self.index, threads, BULK_HEAP)?;
            if clear {
                bulk.delete_all_documents().map_err(index_err)?;
            }
            let mut count = 0u64;
            for (key, doc) in docs {
                bulk.delete_term(Term::from_field_text(self.key_field, &key_text(&key)));
                bulk.add_document(self.document(&key, &doc))
                    .map_err(index_err)?;
                count += 1;
            }
            let mut prepared = bulk.prepare_commit().map_err(index_err)?;
            prepared.set_payload(&self.payload(seq));
            prepared.commit().map_err(index_err)?;
            // One segment: a search runs its term lookups and its top-k once per segment, so the
            // few large segments the bulk writer leaves would multiply its cost (the merge keeps
            // the commit payload).
            let segments = self.index.searchable_segment_ids().map_err(index_err)?;
            if segments.len() > 1 {
                bulk.merge(&segments).wait().map_err(index_err)?;
            }
            bulk.wait_merging_threads().map_err(index_err)?;
            Ok(count)
        })();
        let writer = open_writer(&self.index, 1, WRITER_HEAP)?;
        state.writer = Some(writer);
        let count = result?;
        self.reader.reload().map_err(index_err)?;
        state.added_seq = state.added_seq.max(seq);
        state.committed_seq = state.added_seq;
        state.pending = 0;
        self.overlay.write().clear();
        Ok(count)
    }

    /// Keys of the documents sharing any of `terms` (each term may carry a boost), best first,
    /// at most `limit` from the committed index plus every fresh (overlay) match.
    ///
    /// The query is a plain disjunction of boosted term queries over postings with
    /// frequencies, which tantivy's top-k collector runs as block-max WAND: once `limit`
    /// documents are held, blocks of documents that cannot beat the weakest of them are
    /// skipped, so a term shared by much of the index costs little when others are selective.
    ///
    /// `accept`, when given, rejects documents (committed or fresh) on their traits before
    /// their keys are read; rejected committed documents still count in `limit` and in
    /// [`IndexSearch::considered`].
    pub(crate) fn search(
        &self,
        terms: &[(String, f32)],
        limit: usize,
        accept: Option<TraitsFilter<'_>>,
    ) -> Result<IndexSearch, StoreError> {
        if terms.is_empty() || limit == 0 {
            return Ok(IndexSearch::default());
        }
        let clauses: Vec<(Occur, Box<dyn Query>)> = terms
            .iter()
            .map(|(t, boost)| {
                let q: Box<dyn Query> = Box::new(TermQuery::new(
                    Term::from_field_text(self.terms_field, t),
                    IndexRecordOption::WithFreqs,
                ));
                let q: Box<dyn Query> = if (*boost - 1.0).abs() > f32::EPSILON {
                    Box::new(tantivy::query::BoostQuery::new(q, *boost))
                } else {
                    q
                };
                (Occur::Should, q)
            })
            .collect();
        let query = BooleanQuery::new(clauses);
        // Fx, not SipHash: every term of every fresh write is looked up here.
        let wanted: rustc_hash::FxHashMap<&str, f32> =
            terms.iter().map(|(t, b)| (t.as_str(), *b)).collect();
        let mut hits = Vec::new();
        // Every overlay key shadows its committed document, which may be stale or deleted.
        // Hashed, not cloned: this runs for every search over a few hundred fresh writes (a
        // 64-bit collision would hide one committed candidate).
        let mut shadowed: rustc_hash::FxHashSet<u64> = rustc_hash::FxHashSet::default();
        // Read the overlay before the searcher: an entry leaves the overlay only after the
        // reader shows it, so every write is seen by one side or the other.
        let searcher = {
            let overlay = self.overlay.read();
            shadowed.reserve(overlay.len());
            for (key, (_, entry)) in overlay.iter() {
                if let Some(doc) = entry
                    && accept.is_none_or(|accept| accept(&doc.traits))
                {
                    let score: f32 = doc
                        .terms
                        .iter()
                        .filter_map(|t| wanted.get(t.as_str()))
                        .sum();
                    if score > 0.0 {
                        hits.push(IndexHit {
                            key: key.clone(),
                            score: score * 100.0,
                            rank: 0,
                        });
                    }
                }
                shadowed.insert(key_hash(key));
            }
            self.reader.searcher()
        };
        let top = searcher
            .search(&query, &TopDocs::with_limit(limit).order_by_score())
            .map_err(index_err)?;
        hits.reserve(top.len());
        let mut seen: BTreeSet<SourceKey> = BTreeSet::new();
        let considered = top.len();
        // Fast-field columns of the segments met, looked up once per search.
        let mut columns: HashMap<u32, TraitColumns> = HashMap::new();
        for (rank, (score, address)) in top.into_iter().enumerate() {
            if let Some(accept) = accept {
                let (dates, sexes) = match columns.entry(address.segment_ord) {
                    std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                    std::collections::hash_map::Entry::Vacant(e) => {
                        e.insert(self.trait_columns(searcher.segment_reader(address.segment_ord))?)
                    }
                };
                let traits = IndexTraits::from_values(
                    dates.first(address.doc_id).unwrap_or(0),
                    sexes.first(address.doc_id).unwrap_or(0),
                );
                if !accept(&traits) {
                    continue;
                }
            }
            let doc: TantivyDocument = searcher.doc(address).map_err(index_err)?;
            let Some(key) = doc
                .get_first(self.key_field)
                .and_then(|v| v.as_str())
                .and_then(key_from_text)
            else {
                continue;
            };
            if !shadowed.contains(&key_hash(&key)) && seen.insert(key.clone()) {
                hits.push(IndexHit { key, score, rank });
            }
        }
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.key.cmp(&b.key)));
        Ok(IndexSearch { hits, considered })
    }

    /// The birth date and sex columns of a segment (see [`CandidateIndex::columns`]).
    fn trait_columns(&self, segment: &SegmentReader) -> Result<TraitColumns, StoreError> {
        let id = segment.segment_id();
        if let Some(found) = self.columns.lock().get(&id) {
            return Ok(found.clone());
        }
        let fast = segment.fast_fields();
        let opened = (
            fast.u64(DATE_FIELD).map_err(index_err)?,
            fast.u64(SEX_FIELD).map_err(index_err)?,
        );
        let mut columns = self.columns.lock();
        if columns.len() >= MAX_CACHED_SEGMENTS {
            columns.clear();
        }
        columns.insert(id, opened.clone());
        Ok(opened)
    }

    /// Every key in the committed index, with the number of documents (duplicates show as a
    /// count larger than the set). Pending writes are committed first.
    pub(crate) fn all_keys(&self) -> Result<(BTreeSet<SourceKey>, u64), StoreError> {
        self.commit()?;
        let searcher = self.reader.searcher();
        let docs = searcher
            .search(&tantivy::query::AllQuery, &DocSetCollector)
            .map_err(index_err)?;
        let mut keys = BTreeSet::new();
        let mut count = 0u64;
        for address in docs {
            let doc: TantivyDocument = searcher.doc(address).map_err(index_err)?;
            if let Some(key) = doc
                .get_first(self.key_field)
                .and_then(|v| v.as_str())
                .and_then(key_from_text)
            {
                keys.insert(key);
                count += 1;
            }
        }
        Ok((keys, count))
    }
}

fn aside_path(dir: &Path) -> PathBuf {
    let mut name = dir
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".aside");
    dir.with_file_name(name)
}
