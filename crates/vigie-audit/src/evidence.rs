//! What the audit is told about duplicates: scored record pairs and a cluster per record
//! ([`DuplicateEvidence`]), and the simple built-in **fallback** producer used until the
//! Fellegi–Sunter engine's output is plugged in ([`fallback_evidence`]).
//!
//! # The contract
//!
//! * `clusters[i]` is the cluster of record `i` (records with the same value are believed to be
//!   one person: the auto-link decisions); one entry per record, any `u32` values.
//! * `pairs` are scored record pairs (indices into the records), in either band: `AutoLink`
//!   pairs explain the clusters, `Review` pairs are potential duplicates for a human.
//!   `contributions` are the per-field match weights (log2 Bayes factors) the score is the sum
//!   of, so the audit can explain a score.
//!
//! # The fallback
//!
//! [`fallback_evidence`] is **not** a record-linkage model: it links only what is certain
//! enough to need no model, and flags a small phonetic neighbourhood for review.
//!
//! * **Exact match** (auto-link): same birth-name key (RNIV form, particles dropped), same first
//!   first name, same full birth date, no placeholder name, and neither different known sexes
//!   nor two different INS.
//! * **Same INS** (auto-link): the same valid INS matricule and no incompatible strict trait
//!   (sex, birth date beyond a typo, first names).
//! * **Phonetic match** (review): same Phonex of the birth name and of the first first name and
//!   same full birth date, not already in one cluster, sexes not different.
//!
//! Weights are nominal log2 factors (birth name 8 exact / 4 phonetic, first name 6 / 3, birth
//! date 10, sex 1, birthplace ±4, INS 20) and the probability is `1 / (1 + 2^(16 − weight))`.
//! They rank and explain; they are not estimated from the data.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use vigie_core::record::IdentityRecord;

use crate::traits::{RecordKeys, conflicts};

/// Decision band of a scored pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    /// Above the auto-link threshold: the records are believed to be one person.
    AutoLink,
    /// Between the review floor and the auto-link threshold: a human decides.
    Review,
}

impl Band {
    /// The snake-case name used in JSON and CSV.
    pub fn code(self) -> &'static str {
        match self {
            Band::AutoLink => "auto_link",
            Band::Review => "review",
        }
    }
}

/// One scored record pair.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoredPair {
    /// Index of one record.
    pub left: usize,
    /// Index of the other record.
    pub right: usize,
    /// Total match weight (sum of the contributions, log2).
    pub weight: f64,
    /// Match probability in `[0, 1]`.
    pub probability: f64,
    /// Decision band.
    pub band: Band,
    /// Per-field weights: (canonical field name, weight).
    pub contributions: Vec<(String, f64)>,
}

/// Scored pairs and clusters of a set of records: what the audit consumes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DuplicateEvidence {
    /// Scored pairs (both bands).
    pub pairs: Vec<ScoredPair>,
    /// Cluster of each record (same value: same person).
    pub clusters: Vec<u32>,
}

/// Name of the built-in producer, as recorded in the report.
pub const FALLBACK_PRODUCER: &str = "fallback-exact";

/// Offset of the nominal probability: `p = 1 / (1 + 2^(OFFSET − weight))`.
const PROBABILITY_OFFSET: f64 = 16.0;

/// The nominal probability of a weight (see the module documentation).
pub fn nominal_probability(weight: f64) -> f64 {
    1.0 / (1.0 + (PROBABILITY_OFFSET - weight).exp2())
}

/// Union–find over record indices.
struct UnionFind {
    parent: Vec<u32>,
}

impl UnionFind {
    fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n)
                .map(|i| u32::try_from(i).unwrap_or(u32::MAX))
                .collect(),
        }
    }

    fn find(&mut self, mut x: usize) -> usize {
        while let Some(&p) = self.parent.get(x) {
            let p = p as usize;
            if p == x {
                break;
            }
            let grand = self.parent.get(p).copied().unwrap_or(p as u32);
            if let Some(slot) = self.parent.get_mut(x) {
                *slot = grand;
            }
            x = p;
        }
        x
    }

    /// Joins two sets; false when they were already one.
    fn union(&mut self, a: usize, b: usize) -> bool {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return false;
        }
        let (low, high) = if ra < rb { (ra, rb) } else { (rb, ra) };
        if let Some(slot) = self.parent.get_mut(high) {
            *slot = u32::try_from(low).unwrap_or(u32::MAX);
        }
        true
    }
}

/// Largest number of distinct people kept apart inside one key group (bounds the work on a
/// pathological group, e.g. thousands of identical placeholder identities).
const MAX_SUBGROUPS: usize = 32;
/// Largest phonetic group whose pairs are all examined for review.
const MAX_REVIEW_GROUP: usize = 50;

/// Runs of equal keys (two records or more) in a list sorted by key.
fn runs(sorted: &[(String, u32)]) -> Vec<&[(String, u32)]> {
    sorted
        .chunk_by(|a, b| a.0 == b.0)
        .filter(|run| run.len() > 1)
        .collect()
}

fn sorted_keys(keys: Vec<Option<String>>) -> Vec<(String, u32)> {
    let mut list: Vec<(String, u32)> = keys
        .into_iter()
        .enumerate()
        .filter_map(|(i, key)| Some((key?, u32::try_from(i).ok()?)))
        .collect();
    list.par_sort_unstable();
    list
}

fn pair(left: usize, right: usize, band: Band, contributions: Vec<(String, f64)>) -> ScoredPair {
    let weight: f64 = contributions.iter().map(|(_, w)| w).sum();
    ScoredPair {
        left,
        right,
        weight,
        probability: nominal_probability(weight),
        band,
        contributions,
    }
}

fn agreement(a: &IdentityRecord, b: &IdentityRecord, out: &mut Vec<(String, f64)>) {
    if a.sex.is_known() && a.sex == b.sex {
        out.push(("sex".to_owned(), 1.0));
    }
    if let (Some(x), Some(y)) = (&a.birth_place, &b.birth_place) {
        let w = if x.as_str() == y.as_str() { 4.0 } else { -4.0 };
        out.push(("birth_place_code".to_owned(), w));
    }
}

/// Greedy grouping inside one run of equal keys: each record joins the first earlier
/// representative it is `compatible` with, or becomes a representative (at most
/// [`MAX_SUBGROUPS`]). Returns the links (representative, record).
fn link_run(
    records: &[IdentityRecord],
    run: &[(String, u32)],
    compatible: impl Fn(&IdentityRecord, &IdentityRecord) -> bool,
) -> Vec<(usize, usize)> {
    let mut reps: Vec<usize> = Vec::new();
    let mut links = Vec::new();
    for &(_, idx) in run {
        let idx = idx as usize;
        let Some(record) = records.get(idx) else {
            continue;
        };
        let home = reps
            .iter()
            .copied()
            .find(|&rep| records.get(rep).is_some_and(|r| compatible(r, record)));
        match home {
            Some(rep) => links.push((rep, idx)),
            None if reps.len() < MAX_SUBGROUPS => reps.push(idx),
            None => {}
        }
    }
    links
}

/// The built-in fallback producer (see the module documentation). Linear in the number of
/// records apart from sorting; the work inside key groups runs in parallel, the union of the
/// links is sequential.
pub fn fallback_evidence(records: &[IdentityRecord]) -> DuplicateEvidence {
    let keys: Vec<RecordKeys> = records.par_iter().map(RecordKeys::of).collect();
    let mut uf = UnionFind::new(records.len());
    let mut pairs = Vec::new();

    // Exact match on name, first name and full birth date.
    let exact = sorted_keys(
        records
            .par_iter()
            .zip(&keys)
            .map(|(r, k)| k.exact_key(r.birth_date.as_ref()))
            .collect(),
    );
    let links: Vec<(usize, usize)> = runs(&exact)
        .par_iter()
        .flat_map_iter(|run| {
            link_run(records, run, |a, b| {
                let c = conflicts(a, b);
                !c.sex && !c.ins
            })
        })
        .collect();
    drop(exact);
    let exact_pairs: Vec<ScoredPair> = links
        .par_iter()
        .map(|&(rep, idx)| {
            let (r, record) = (&records[rep], &records[idx]);
            let mut contributions = vec![
                ("birth_name".to_owned(), 8.0),
                ("first_names".to_owned(), 6.0),
                ("birth_date".to_owned(), 10.0),
            ];
            agreement(r, record, &mut contributions);
            if r.ins.is_some() && record.ins.is_some() {
                contributions.push(("ins".to_owned(), 20.0));
            }
            pair(rep, idx, Band::AutoLink, contributions)
        })
        .collect();
    for &(rep, idx) in &links {
        uf.union(rep, idx);
    }
    pairs.extend(exact_pairs);

    // Same INS, strict traits compatible.
    let by_ins = sorted_keys(
        records
            .par_iter()
            .map(|r| r.ins.as_ref().map(|ins| ins.matricule().to_owned()))
            .collect(),
    );
    let links: Vec<(usize, usize)> = runs(&by_ins)
        .par_iter()
        .flat_map_iter(|run| link_run(records, run, |a, b| !conflicts(a, b).strict()))
        .collect();
    drop(by_ins);
    for (rep, idx) in links {
        if uf.union(rep, idx) {
            let mut contributions = vec![("ins".to_owned(), 20.0)];
            agreement(&records[rep], &records[idx], &mut contributions);
            pairs.push(pair(rep, idx, Band::AutoLink, contributions));
        }
    }

    // Dense cluster ids, in order of first appearance.
    let mut ids = vec![u32::MAX; records.len()];
    let mut next = 0u32;
    let mut clusters = Vec::with_capacity(records.len());
    for i in 0..records.len() {
        let root = uf.find(i);
        let id = match ids.get(root).copied() {
            Some(u32::MAX) | None => {
                if let Some(slot) = ids.get_mut(root) {
                    *slot = next;
                }
                next += 1;
                next - 1
            }
            Some(id) => id,
        };
        clusters.push(id);
    }

    // Phonetic neighbours for review.
    let phonetic = sorted_keys(
        records
            .par_iter()
            .zip(&keys)
            .map(|(r, k)| k.phonetic_key(r.birth_date.as_ref()))
            .collect(),
    );
    let review: Vec<ScoredPair> = runs(&phonetic)
        .par_iter()
        .filter(|run| run.len() <= MAX_REVIEW_GROUP)
        .flat_map_iter(|run| {
            let mut out = Vec::new();
            for (i, &(_, a)) in run.iter().enumerate() {
                for &(_, b) in run.iter().skip(i + 1) {
                    let (a, b) = (a as usize, b as usize);
                    if clusters[a] == clusters[b] {
                        continue;
                    }
                    let (ra, rb, ka, kb) = (&records[a], &records[b], &keys[a], &keys[b]);
                    if conflicts(ra, rb).sex
                        || (ka.name_key == kb.name_key && ka.first_name == kb.first_name)
                    {
                        continue;
                    }
                    let mut contributions = vec![
                        (
                            "birth_name".to_owned(),
                            if ka.name_key == kb.name_key { 8.0 } else { 4.0 },
                        ),
                        (
                            "first_names".to_owned(),
                            if ka.first_name == kb.first_name {
                                6.0
                            } else {
                                3.0
                            },
                        ),
                        ("birth_date".to_owned(), 10.0),
                    ];
                    agreement(ra, rb, &mut contributions);
                    out.push(pair(a, b, Band::Review, contributions));
                }
            }
            out
        })
        .collect();
    pairs.extend(review);
    DuplicateEvidence { pairs, clusters }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use vigie_core::record::{Field, ParseOptions, RawRecord, parse_record};

    fn record(id: &str, fields: &[(Field, &str)]) -> IdentityRecord {
        let mut raw = RawRecord::new().with(Field::RecordId, id);
        for (field, value) in fields {
            raw.set(*field, value);
        }
        parse_record(&raw, ParseOptions::default()).unwrap().record
    }

    fn person(id: &str, name: &str, first: &str, date: &str, sex: &str) -> IdentityRecord {
        record(
            id,
            &[
                (Field::BirthName, name),
                (Field::FirstNames, first),
                (Field::BirthDate, date),
                (Field::Sex, sex),
            ],
        )
    }

    #[test]
    fn exact_matches_are_linked_and_others_are_not() {
        let records = vec![
            person("a", "Dupont", "Jean", "1970-03-04", "M"),
            person("b", "DUPONT", "jean paul", "04/03/1970", "M"),
            person("c", "Dupont", "Jean", "1970-03-04", "F"),
            person("d", "Durand", "Jean", "1970-03-04", "M"),
            person("e", "Dupond", "Jean", "1970-03-04", "M"),
        ];
        let evidence = fallback_evidence(&records);
        let c = &evidence.clusters;
        assert_eq!(c.len(), 5);
        assert_eq!(c[0], c[1]);
        assert_ne!(c[0], c[2], "different sex: homonym, not a doublon");
        assert_ne!(c[0], c[3]);
        assert_ne!(c[0], c[4], "phonetic neighbour: review only");
        let auto: Vec<_> = evidence
            .pairs
            .iter()
            .filter(|p| p.band == Band::AutoLink)
            .collect();
        assert_eq!(auto.len(), 1);
        assert!(auto[0].probability > 0.99);
        let review: Vec<(usize, usize)> = evidence
            .pairs
            .iter()
            .filter(|p| p.band == Band::Review)
            .map(|p| (p.left.min(p.right), p.left.max(p.right)))
            .collect();
        assert!(
            review.contains(&(0, 4)) || review.contains(&(1, 4)),
            "{review:?}"
        );
        assert!(review.iter().all(|&(a, b)| c[a] != c[b]));
    }

    #[test]
    fn same_ins_links_unless_the_traits_conflict() {
        let ins = "255081416802538";
        let records = vec![
            record(
                "a",
                &[
                    (Field::BirthName, "Martin"),
                    (Field::FirstNames, "Claire"),
                    (Field::BirthDate, "1955-08-10"),
                    (Field::Ins, ins),
                ],
            ),
            record(
                "b",
                &[
                    (Field::BirthName, "Martin-Leroy"),
                    (Field::FirstNames, "Claire"),
                    (Field::Ins, ins),
                ],
            ),
            record(
                "c",
                &[
                    (Field::BirthName, "Martin"),
                    (Field::FirstNames, "Paul"),
                    (Field::BirthDate, "1990-01-20"),
                    (Field::Ins, ins),
                ],
            ),
        ];
        let evidence = fallback_evidence(&records);
        assert_eq!(evidence.clusters[0], evidence.clusters[1]);
        assert_ne!(evidence.clusters[0], evidence.clusters[2]);
    }

    #[test]
    fn probability_is_monotonic() {
        assert!(nominal_probability(24.0) > nominal_probability(17.0));
        assert!((nominal_probability(16.0) - 0.5).abs() < 1e-12);
    }
}
