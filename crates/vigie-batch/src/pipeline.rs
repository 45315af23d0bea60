//! The batch dedupe pipeline over millions of records, multi-core with rayon:
//!
//! 1. **prepare** every record once, in parallel chunks sharing a name cache;
//! 2. **block**: for each rule, (key, record) entries are sorted and every block emits its
//!    pairs (all of them, or a sorted-neighbourhood window inside a block above the cap, counted
//!    in the [`BlockingReport`]); pairs of all rules are deduplicated, each keeping the first
//!    rule that produced it and the set of rules that did;
//! 3. **compare** each candidate pair once (its comparison vector);
//! 4. **train** when no model is given: term frequencies, u from seeded random pairs, m by EM
//!    on the patterns of each training rule, λ from the candidates checked against the INS;
//! 5. **score** every candidate (weight, band, French rules);
//! 6. **cluster** the auto-linked pairs strongest first, refusing links that would join two
//!    usable INS or two sexes.
//!
//! Every step is deterministic: the same input and seed give the same clusters whatever the
//! number of threads (sorts are total, counts are integers, sampling is sequential and seeded).

use std::time::Instant;

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use vigie_core::matching::blocking::{
    BlockLimits, BlockingRule, WindowOrder, block_pair_count, block_pairs, window_sort_key,
};
use vigie_core::matching::cluster::{self, Clustering, Edge, NodeTraits};
use vigie_core::matching::comparison::{ComparisonKind, ComparisonVector, compare, level};
use vigie_core::matching::em::{
    self, EmOptions, PatternCounts, TrainingData, TrainingReport, TrainingSession,
};
use vigie_core::matching::model::{Decision, Model, ModelError, TermFrequencies, Thresholds};
use vigie_core::matching::prepare::{MatchRecord, NameCache};
use vigie_core::matching::rules::RuleHit;
use vigie_core::record::IdentityRecord;

use crate::report::{BlockingReport, RuleStats};

/// Largest number of records the pipeline accepts (pairs are packed on 30-bit indices).
pub const MAX_RECORDS: usize = (1 << 30) - 1;

/// Errors of the pipeline.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// Too many records for one run.
    #[error("{0} records: at most {MAX_RECORDS} per run")]
    TooManyRecords(usize),
    /// More blocking rules than the pair packing allows.
    #[error("{0} blocking rules: at most 16")]
    TooManyRules(usize),
    /// The trained model is invalid (should not happen).
    #[error("model: {0}")]
    Model(#[from] ModelError),
}

/// Receives progress of long steps (the CLI draws bars; the default does nothing).
pub trait Progress: Sync {
    /// A step starts, with its amount of work when known.
    fn start(&self, _step: &str, _total: Option<u64>) {}
    /// Some work of the current step is done.
    fn advance(&self, _amount: u64) {}
    /// The current step is over.
    fn finish(&self) {}
}

/// Progress that goes nowhere.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {}

/// Pipeline settings.
#[derive(Debug, Clone, PartialEq)]
pub struct PipelineOptions {
    /// Blocking rules, in priority order.
    pub rules: Vec<BlockingRule>,
    /// Block cap and window.
    pub limits: BlockLimits,
    /// Seed of the random-pair sample.
    pub seed: u64,
    /// Random pairs sampled for u.
    pub random_pairs: u64,
    /// EM stopping rule.
    pub em: EmOptions,
    /// Thresholds of a trained model.
    pub thresholds: Thresholds,
    /// Names counted fewer times are left out of the model's frequency tables.
    pub tf_min_count: u32,
}

impl Default for PipelineOptions {
    fn default() -> Self {
        PipelineOptions {
            rules: BlockingRule::DEFAULT.to_vec(),
            limits: BlockLimits::default(),
            seed: 42,
            random_pairs: 1_000_000,
            em: EmOptions::default(),
            thresholds: Thresholds::default(),
            tf_min_count: 2,
        }
    }
}

thread_local! {
    /// Each worker thread's name cache while preparing (cleared when preparation ends).
    static NAME_CACHE: std::cell::RefCell<NameCache> = std::cell::RefCell::new(NameCache::default());
}

/// Prepares records in parallel (each worker shares names through its own cache). The result
/// is in input order.
pub fn prepare(records: &[IdentityRecord], progress: &dyn Progress) -> Vec<MatchRecord> {
    progress.start("prepare", Some(records.len() as u64));
    let prepared = records
        .par_chunks(4096)
        .flat_map_iter(|chunk| {
            let out: Vec<MatchRecord> = NAME_CACHE.with(|cache| {
                let mut cache = cache.borrow_mut();
                chunk
                    .iter()
                    .map(|r| MatchRecord::from_record_cached(r, &mut cache))
                    .collect()
            });
            progress.advance(chunk.len() as u64);
            out
        })
        .collect();
    rayon::broadcast(|_| NAME_CACHE.with(|cache| *cache.borrow_mut() = NameCache::default()));
    progress.finish();
    prepared
}

/// Prepares one record with the calling thread's name cache (for preparing while reading, e.g.
/// in [`crate::input::read_path_mapped`]); call [`clear_name_caches`] afterwards.
pub fn prepare_cached(record: &IdentityRecord) -> MatchRecord {
    NAME_CACHE.with(|cache| MatchRecord::from_record_cached(record, &mut cache.borrow_mut()))
}

/// Empties the name caches of the pool's threads (after [`prepare_cached`]).
pub fn clear_name_caches() {
    rayon::broadcast(|_| NAME_CACHE.with(|cache| *cache.borrow_mut() = NameCache::default()));
}

/// The order that puts records with similar names next to each other in memory (Phonex of the
/// birth name, birth date, then input order): candidate pairs then mostly compare neighbours,
/// which is several times faster than chasing records across the whole file.
pub fn locality_order(records: &[MatchRecord]) -> Vec<u32> {
    let mut keyed: Vec<(u64, u64, u32)> = records
        .par_iter()
        .enumerate()
        .map(|(index, r)| {
            let name = r.birth_name.as_ref().map_or(0, |n| n.phonex_hash);
            (
                name,
                window_sort_key(r, WindowOrder::FirstName),
                index as u32,
            )
        })
        .collect();
    keyed.par_sort_unstable();
    keyed.into_iter().map(|k| k.2).collect()
}

/// Reorders `items` so that `items[new] = old_items[order[new]]` (order is a permutation).
pub fn apply_order<T>(items: &mut [T], order: &[u32]) {
    // Cycle-following in place: visited positions are marked in a bit vector.
    let mut done = vec![false; items.len()];
    for start in 0..items.len().min(order.len()) {
        if done.get(start).copied().unwrap_or(true) {
            continue;
        }
        let mut current = start;
        loop {
            if let Some(flag) = done.get_mut(current) {
                *flag = true;
            }
            let next = order.get(current).map_or(start, |&n| n as usize);
            if next == start || done.get(next).copied().unwrap_or(true) {
                break;
            }
            items.swap(current, next);
            current = next;
        }
    }
}

/// Inverse of a permutation.
pub fn invert_order(order: &[u32]) -> Vec<u32> {
    let mut inverse = vec![0u32; order.len()];
    for (new, &old) in order.iter().enumerate() {
        if let Some(slot) = inverse.get_mut(old as usize) {
            *slot = new as u32;
        }
    }
    inverse
}

/// One candidate pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    /// Smaller record index.
    pub left: u32,
    /// Larger record index.
    pub right: u32,
    /// Index (in the options' rules) of the first rule that produced the pair.
    pub rule: u8,
    /// Bit i set when rule i produced the pair.
    pub rules_mask: u16,
    /// Comparison vector (null until compared).
    pub vector: ComparisonVector,
}

const RULE_BITS: u64 = 4;
const INDEX_BITS: u64 = 30;
const INDEX_MASK: u64 = (1 << INDEX_BITS) - 1;

fn pack(a: u32, b: u32, rule: usize) -> u64 {
    let (lo, hi) = if a < b { (a, b) } else { (b, a) };
    (u64::from(lo) << (INDEX_BITS + RULE_BITS)) | (u64::from(hi) << RULE_BITS) | rule as u64
}

/// (blocking key, window sort key, record index).
type BlockEntry = (u64, u64, u32);

/// Size buckets of the blocking report: upper bounds (inclusive) of each bucket.
pub const BLOCK_SIZE_BUCKETS: [u64; 8] = [1, 2, 5, 10, 50, 128, 1000, u64::MAX];

/// Generates the candidate pairs of all rules, deduplicated, with the blocking report.
///
/// # Errors
/// Too many records or rules.
pub fn block(
    records: &[MatchRecord],
    rules: &[BlockingRule],
    limits: BlockLimits,
    progress: &dyn Progress,
) -> Result<(Vec<Candidate>, BlockingReport), PipelineError> {
    if records.len() > MAX_RECORDS {
        return Err(PipelineError::TooManyRecords(records.len()));
    }
    if rules.len() > 16 {
        return Err(PipelineError::TooManyRules(rules.len()));
    }
    progress.start("blocking", Some(rules.len() as u64));
    let orders = [
        WindowOrder::BirthName,
        WindowOrder::FirstName,
        WindowOrder::BirthDate,
    ];
    let sort_keys: Vec<[u64; 3]> = records
        .par_iter()
        .map(|r| orders.map(|order| window_sort_key(r, order)))
        .collect();
    let mut packed: Vec<u64> = Vec::new();
    let mut entries: Vec<BlockEntry> = Vec::new();
    let mut stats = Vec::with_capacity(rules.len());
    for (rule_index, &rule) in rules.iter().enumerate() {
        let order_slot = orders
            .iter()
            .position(|o| *o == rule.window_order())
            .unwrap_or(0);
        let chunks: Vec<(Vec<BlockEntry>, u64)> = records
            .par_chunks(8192)
            .enumerate()
            .map(|(chunk_index, chunk)| {
                let mut out = Vec::with_capacity(chunk.len());
                let mut keys = Vec::new();
                let mut with_key = 0u64;
                for (offset, record) in chunk.iter().enumerate() {
                    keys.clear();
                    rule.keys(record, &mut keys);
                    if keys.is_empty() {
                        continue;
                    }
                    keys.sort_unstable();
                    keys.dedup();
                    with_key += 1;
                    let index = (chunk_index * 8192 + offset) as u32;
                    let sort_key = sort_keys
                        .get(index as usize)
                        .and_then(|keys| keys.get(order_slot))
                        .copied()
                        .unwrap_or(0);
                    out.extend(keys.iter().map(|&key| (key, sort_key, index)));
                }
                (out, with_key)
            })
            .collect();
        let records_with_key: u64 = chunks.iter().map(|c| c.1).sum();
        entries.clear();
        entries.reserve(chunks.iter().map(|c| c.0.len()).sum());
        for (chunk, _) in chunks {
            entries.extend_from_slice(&chunk);
        }
        entries.par_sort_unstable();
        let mut blocks: Vec<(usize, usize)> = Vec::new();
        let mut start = 0;
        for i in 1..=entries.len() {
            let boundary = i == entries.len()
                || entries.get(i).map(|e| e.0) != entries.get(start).map(|e| e.0);
            if boundary {
                blocks.push((start, i));
                start = i;
            }
        }
        let mut rule_stats = RuleStats::new(rule.name());
        rule_stats.keys = entries.len() as u64;
        rule_stats.records_with_key = records_with_key;
        for &(s, e) in &blocks {
            let size = (e - s) as u64;
            rule_stats.blocks += 1;
            rule_stats.largest_block = rule_stats.largest_block.max(size);
            let bucket = BLOCK_SIZE_BUCKETS
                .iter()
                .position(|&b| size <= b)
                .unwrap_or(0);
            if let Some(slot) = rule_stats.size_histogram.get_mut(bucket) {
                *slot += 1;
            }
            rule_stats.pairs_without_cap += size * size.saturating_sub(1) / 2;
            rule_stats.pairs_emitted += block_pair_count(e - s, limits);
            if e - s > limits.max_block_size.max(2) {
                rule_stats.oversized_blocks += 1;
                rule_stats.records_in_oversized_blocks += size;
            }
        }
        packed.reserve(usize::try_from(rule_stats.pairs_emitted).unwrap_or(0));
        packed.par_extend(blocks.par_iter().flat_map_iter(|&(s, e)| {
            let members: Vec<u32> = entries
                .get(s..e)
                .unwrap_or_default()
                .iter()
                .map(|entry| entry.2)
                .collect();
            let mut out = Vec::new();
            block_pairs(&members, limits, |a, b| {
                if a != b {
                    out.push(pack(a, b, rule_index));
                }
            });
            out
        }));
        stats.push(rule_stats);
        progress.advance(1);
    }
    progress.finish();
    progress.start("deduplicating pairs", None);
    packed.par_sort_unstable();
    let distinct = packed
        .par_chunks(1 << 16)
        .enumerate()
        .map(|(index, chunk)| {
            let before = (index * (1 << 16))
                .checked_sub(1)
                .and_then(|i| packed.get(i))
                .map(|p| p >> RULE_BITS);
            let mut previous = before;
            let mut count = 0usize;
            for &p in chunk {
                let pair = Some(p >> RULE_BITS);
                count += usize::from(pair != previous);
                previous = pair;
            }
            count
        })
        .sum();
    let mut candidates: Vec<Candidate> = Vec::with_capacity(distinct);
    let mut previous = u64::MAX;
    for &p in &packed {
        let pair = p >> RULE_BITS;
        let rule = (p & ((1 << RULE_BITS) - 1)) as u8;
        if pair == previous {
            if let Some(last) = candidates.last_mut() {
                last.rules_mask |= 1 << rule;
            }
            continue;
        }
        previous = pair;
        candidates.push(Candidate {
            left: ((pair >> INDEX_BITS) & INDEX_MASK) as u32,
            right: (pair & INDEX_MASK) as u32,
            rule,
            rules_mask: 1 << rule,
            vector: ComparisonVector::ALL_NULL,
        });
    }
    drop(packed);
    for candidate in &candidates {
        if let Some(s) = stats.get_mut(usize::from(candidate.rule)) {
            s.pairs_new += 1;
        }
    }
    progress.finish();
    let report = BlockingReport {
        records: records.len() as u64,
        max_block_size: limits.max_block_size as u64,
        window: limits.window as u64,
        candidate_pairs: candidates.len() as u64,
        rules: stats,
    };
    Ok((candidates, report))
}

/// Computes the comparison vector of every candidate, in parallel.
pub fn compare_candidates(
    records: &[MatchRecord],
    candidates: &mut [Candidate],
    progress: &dyn Progress,
) {
    progress.start("comparing", Some(candidates.len() as u64));
    candidates.par_chunks_mut(16_384).for_each(|chunk| {
        for c in chunk.iter_mut() {
            if let (Some(a), Some(b)) =
                (records.get(c.left as usize), records.get(c.right as usize))
            {
                c.vector = compare(a, b);
            }
        }
        progress.advance(chunk.len() as u64);
    });
    progress.finish();
}

/// Counts of birth names and first first names (term frequencies of the model).
pub fn term_frequencies(
    records: &[MatchRecord],
    min_count: u32,
) -> (TermFrequencies, TermFrequencies) {
    let counts = records
        .par_chunks(16_384)
        .map(|chunk| {
            let mut birth: FxHashMap<&str, u32> = FxHashMap::default();
            let mut first: FxHashMap<&str, u32> = FxHashMap::default();
            for r in chunk {
                if let Some(name) = &r.birth_name {
                    *birth.entry(&name.key).or_insert(0) += 1;
                }
                if let Some(name) = r.first_name() {
                    *first.entry(&name.key).or_insert(0) += 1;
                }
            }
            (birth, first)
        })
        .reduce(
            || (FxHashMap::default(), FxHashMap::default()),
            |mut a, b| {
                for (k, v) in b.0 {
                    *a.0.entry(k).or_insert(0) += v;
                }
                for (k, v) in b.1 {
                    *a.1.entry(k).or_insert(0) += v;
                }
                a
            },
        );
    (
        TermFrequencies::from_counts(counts.0, min_count),
        TermFrequencies::from_counts(counts.1, min_count),
    )
}

/// Stores each record's name frequencies from the model's tables (scoring then needs no
/// lookup).
pub fn apply_term_frequencies(records: &mut [MatchRecord], model: &Model) {
    let parts = model.parts();
    records.par_iter_mut().for_each(|r| {
        r.birth_name_tf = r
            .birth_name
            .as_ref()
            .map_or(0.0, |n| parts.birth_name_tf.frequency(&n.key) as f32);
        r.first_name_tf = r
            .first_name()
            .map_or(0.0, |n| parts.first_name_tf.frequency(&n.key) as f32);
    });
}

/// splitmix64: a small, well-mixed, seeded sequence (sampling only).
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }
}

/// `count` random pairs of distinct records, seeded (sequential, so thread-independent).
pub fn sample_pairs(n_records: usize, count: u64, seed: u64) -> Vec<(u32, u32)> {
    let n = n_records as u64;
    if n < 2 {
        return Vec::new();
    }
    let count = count.min(n * (n - 1) / 2 * 4).min(u64::from(u32::MAX));
    let mut rng = SplitMix64(seed ^ 0x5649_4749_4500_0000);
    let mut pairs = Vec::with_capacity(count as usize);
    while (pairs.len() as u64) < count {
        let a = rng.below(n) as u32;
        let b = rng.below(n) as u32;
        if a != b {
            pairs.push((a, b));
        }
    }
    pairs
}

fn count_patterns_parallel<T: Sync>(
    items: &[T],
    vector: impl Fn(&T) -> Option<ComparisonVector> + Sync,
) -> PatternCounts {
    let maps: Vec<PatternCounts> = items
        .par_chunks(65_536)
        .map(|chunk| em::count_patterns(chunk.iter().filter_map(&vector)))
        .collect();
    em::merge_patterns(maps.iter())
}

/// Trains a model on the records and their compared candidates.
///
/// # Errors
/// If the trained parameters are invalid (never expected).
pub fn train(
    records: &[MatchRecord],
    candidates: &[Candidate],
    options: &PipelineOptions,
    progress: &dyn Progress,
) -> Result<(Model, TrainingReport), PipelineError> {
    progress.start("training", None);
    let (birth_name_tf, first_name_tf) = term_frequencies(records, options.tf_min_count);
    let random = sample_pairs(records.len(), options.random_pairs, options.seed);
    let random_patterns = count_patterns_parallel(&random, |&(a, b)| {
        Some(compare(records.get(a as usize)?, records.get(b as usize)?))
    });
    drop(random);
    let training_rules: Vec<(BlockingRule, u16)> = options
        .rules
        .iter()
        .enumerate()
        .filter(|(_, rule)| rule.training_exclusions().is_some())
        .map(|(index, rule)| (*rule, 1u16 << index))
        .collect();
    // One pass: patterns of all candidates (slot 0) and of each training rule's pairs.
    let slots = training_rules.len() + 1;
    let per_chunk: Vec<Vec<FxHashMap<ComparisonVector, u64>>> = candidates
        .par_chunks(65_536)
        .map(|chunk| {
            let mut maps = vec![FxHashMap::default(); slots];
            for c in chunk {
                let pattern = c.vector.pattern();
                for (slot, map) in maps.iter_mut().enumerate() {
                    let member = slot == 0
                        || training_rules
                            .get(slot - 1)
                            .is_some_and(|(_, bit)| c.rules_mask & bit != 0);
                    if member {
                        *map.entry(pattern).or_insert(0) += 1;
                    }
                }
            }
            maps
        })
        .collect();
    let mut merged: Vec<PatternCounts> = (0..slots)
        .map(|slot| {
            let parts: Vec<PatternCounts> = per_chunk
                .iter()
                .filter_map(|maps| maps.get(slot))
                .map(|map| map.iter().map(|(k, v)| (*k, *v)).collect())
                .collect();
            em::merge_patterns(parts.iter())
        })
        .collect();
    drop(per_chunk);
    let candidate_patterns = if merged.is_empty() {
        Vec::new()
    } else {
        merged.remove(0)
    };
    let sessions: Vec<TrainingSession> = training_rules
        .iter()
        .zip(merged)
        .map(|((rule, _), patterns)| TrainingSession {
            name: rule.name().to_owned(),
            excluded: rule.training_exclusions().unwrap_or_default().to_vec(),
            patterns,
        })
        .collect();
    let usable_ins_records = records
        .iter()
        .filter(|r| r.ins_usable && r.ins.is_some())
        .count() as u64;
    let sharing = candidates
        .par_iter()
        .filter(|c| {
            c.vector.level(ComparisonKind::Ins) == Some(level::ident::EXACT)
                && records.get(c.left as usize).is_some_and(|r| r.ins_usable)
                && records.get(c.right as usize).is_some_and(|r| r.ins_usable)
        })
        .count() as u64;
    let n = records.len() as f64;
    let data = TrainingData {
        random_patterns,
        sessions,
        candidate_patterns,
        total_pairs: n * (n - 1.0) / 2.0,
        ins_check: Some((usable_ins_records, sharing)),
        birth_name_tf,
        first_name_tf,
        thresholds: options.thresholds,
    };
    let result = em::train(&data, options.em)?;
    progress.finish();
    Ok(result)
}

/// A scored candidate pair (only those reaching review are kept).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoredPair {
    /// Smaller record index.
    pub left: u32,
    /// Larger record index.
    pub right: u32,
    /// Levels.
    pub vector: ComparisonVector,
    /// Match weight (bits).
    pub weight: f64,
    /// Decision after rules.
    pub decision: Decision,
    /// Rule that decided or capped.
    pub rule: Option<RuleHit>,
    /// Index of the blocking rule that produced the pair.
    pub blocking_rule: u8,
}

/// Scores every candidate; keeps the pairs whose decision is review or auto-link (and vetoed
/// pairs whose weight alone reached review, so vetoes stay visible), sorted by record indices.
pub fn score(
    records: &[MatchRecord],
    candidates: &[Candidate],
    model: &Model,
    progress: &dyn Progress,
) -> Vec<ScoredPair> {
    progress.start("scoring", Some(candidates.len() as u64));
    let scored: Vec<ScoredPair> = candidates
        .par_chunks(16_384)
        .flat_map_iter(|chunk| {
            let out: Vec<ScoredPair> = chunk
                .iter()
                .filter_map(|c| {
                    let (a, b) = (
                        records.get(c.left as usize)?,
                        records.get(c.right as usize)?,
                    );
                    let s = model.score_vector(c.vector, a, b);
                    let keep = s.decision >= Decision::Review
                        || (s.rule == Some(RuleHit::InsVeto) && s.band >= Decision::Review);
                    keep.then_some(ScoredPair {
                        left: c.left,
                        right: c.right,
                        vector: c.vector,
                        weight: s.match_weight,
                        decision: s.decision,
                        rule: s.rule,
                        blocking_rule: c.rule,
                    })
                })
                .collect();
            progress.advance(chunk.len() as u64);
            out
        })
        .collect();
    progress.finish();
    scored
}

/// Clusters the auto-linked pairs (certain INS matches first).
pub fn cluster_pairs(records: &[MatchRecord], pairs: &[ScoredPair]) -> Clustering {
    let traits: Vec<NodeTraits> = records.par_iter().map(NodeTraits::of).collect();
    let edges: Vec<Edge> = pairs
        .iter()
        .filter(|p| p.decision == Decision::AutoLink)
        .map(|p| Edge {
            left: p.left,
            right: p.right,
            weight: if p.rule == Some(RuleHit::InsCertainMatch) {
                f64::INFINITY
            } else {
                p.weight
            },
        })
        .collect();
    cluster::cluster(&traits, &edges)
}

/// Wall time of one step.
#[derive(Debug, Clone, PartialEq)]
pub struct StepTime {
    /// Step.
    pub step: &'static str,
    /// Seconds.
    pub seconds: f64,
}

/// Everything a dedupe run produces.
#[derive(Debug, Clone)]
pub struct DedupeOutcome {
    /// The model used (given or trained).
    pub model: Model,
    /// Training report when the model was trained here.
    pub training: Option<TrainingReport>,
    /// Blocking report.
    pub blocking: BlockingReport,
    /// Pairs at review or above.
    pub pairs: Vec<ScoredPair>,
    /// Clusters and refused links.
    pub clustering: Clustering,
    /// Step timings.
    pub timings: Vec<StepTime>,
}

/// Runs the whole pipeline on prepared records (training when `model` is `None`).
///
/// # Errors
/// Too many records or rules; an invalid trained model.
pub fn dedupe(
    records: &mut [MatchRecord],
    model: Option<Model>,
    options: &PipelineOptions,
    progress: &dyn Progress,
) -> Result<DedupeOutcome, PipelineError> {
    let mut timings = Vec::new();
    let mut clock = Instant::now();
    let mut lap = |step: &'static str, timings: &mut Vec<StepTime>| {
        timings.push(StepTime {
            step,
            seconds: clock.elapsed().as_secs_f64(),
        });
        clock = Instant::now();
    };
    progress.start("ordering", None);
    let order = locality_order(records);
    apply_order(records, &order);
    progress.finish();
    let result = dedupe_in_order(records, model, options, progress, &mut lap, &mut timings);
    apply_order(records, &invert_order(&order));
    let mut outcome = result?;
    outcome.timings = timings;
    Ok(restore_indices(outcome, &order))
}

fn dedupe_in_order(
    records: &mut [MatchRecord],
    model: Option<Model>,
    options: &PipelineOptions,
    progress: &dyn Progress,
    lap: &mut impl FnMut(&'static str, &mut Vec<StepTime>),
    timings: &mut Vec<StepTime>,
) -> Result<DedupeOutcome, PipelineError> {
    let (mut candidates, blocking) = block(records, &options.rules, options.limits, progress)?;
    lap("blocking", timings);
    compare_candidates(records, &mut candidates, progress);
    lap("comparing", timings);
    let (model, training) = match model {
        Some(model) => (model, None),
        None => {
            let (model, report) = train(records, &candidates, options, progress)?;
            (model, Some(report))
        }
    };
    lap("training", timings);
    apply_term_frequencies(records, &model);
    let pairs = score(records, &candidates, &model, progress);
    drop(candidates);
    lap("scoring", timings);
    progress.start("clustering", None);
    let clustering = cluster_pairs(records, &pairs);
    progress.finish();
    lap("clustering", timings);
    Ok(DedupeOutcome {
        model,
        training,
        blocking,
        pairs,
        clustering,
        timings: Vec::new(),
    })
}

/// Maps an outcome computed on reordered records back to input indices: pairs as (smaller,
/// larger) input index sorted, cluster ids as the smallest input index of each cluster.
fn restore_indices(mut outcome: DedupeOutcome, order: &[u32]) -> DedupeOutcome {
    let old = |new: u32| order.get(new as usize).copied().unwrap_or(new);
    for pair in &mut outcome.pairs {
        let (a, b) = (old(pair.left), old(pair.right));
        (pair.left, pair.right) = (a.min(b), a.max(b));
    }
    outcome
        .pairs
        .par_sort_unstable_by_key(|p| (p.left, p.right));
    let n = outcome.clustering.cluster_of.len();
    let mut smallest = vec![u32::MAX; n];
    for (new, &root) in outcome.clustering.cluster_of.iter().enumerate() {
        if let Some(slot) = smallest.get_mut(root as usize) {
            *slot = (*slot).min(old(new as u32));
        }
    }
    let mut cluster_of = vec![0u32; n];
    for (new, &root) in outcome.clustering.cluster_of.iter().enumerate() {
        if let Some(slot) = cluster_of.get_mut(old(new as u32) as usize) {
            *slot = smallest.get(root as usize).copied().unwrap_or(new as u32);
        }
    }
    outcome.clustering.cluster_of = cluster_of;
    for refused in &mut outcome.clustering.refused {
        let (a, b) = (old(refused.edge.left), old(refused.edge.right));
        (refused.edge.left, refused.edge.right) = (a.min(b), a.max(b));
    }
    outcome
}

/// Trains a model on prepared records (blocking, comparing and EM; no scoring).
///
/// # Errors
/// As [`dedupe`].
pub fn train_on(
    records: &[MatchRecord],
    options: &PipelineOptions,
    progress: &dyn Progress,
) -> Result<(Model, TrainingReport, BlockingReport), PipelineError> {
    let (mut candidates, blocking) = block(records, &options.rules, options.limits, progress)?;
    compare_candidates(records, &mut candidates, progress);
    let (model, report) = train(records, &candidates, options, progress)?;
    Ok((model, report, blocking))
}

/// The first rule (in `rules` order) under which two records share a key.
pub fn blocking_rule_of(
    rules: &[BlockingRule],
    a: &MatchRecord,
    b: &MatchRecord,
) -> Option<BlockingRule> {
    rules.iter().copied().find(|rule| rule.shares_key(a, b))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn apply_order_permutes_and_inverts(keys in prop::collection::vec(any::<u16>(), 0..50)) {
            let mut order: Vec<u32> = (0..keys.len() as u32).collect();
            order.sort_by_key(|&i| (keys[i as usize], i));
            let mut items: Vec<u16> = keys.clone();
            apply_order(&mut items, &order);
            let expected: Vec<u16> = order.iter().map(|&i| keys[i as usize]).collect();
            prop_assert_eq!(&items, &expected);
            apply_order(&mut items, &invert_order(&order));
            prop_assert_eq!(items, keys);
        }
    }

    #[test]
    fn sampled_pairs_are_distinct_and_seeded() {
        let a = sample_pairs(10, 100, 7);
        assert_eq!(a.len(), 100);
        assert!(a.iter().all(|(x, y)| x != y && *x < 10 && *y < 10));
        assert_eq!(a, sample_pairs(10, 100, 7));
        assert_ne!(a, sample_pairs(10, 100, 8));
        assert!(sample_pairs(1, 100, 7).is_empty());
    }
}
