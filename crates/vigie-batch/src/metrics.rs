//! Accuracy against a truth file: pairwise precision, recall and F1 of a clustering (pairs of
//! records in the same cluster vs pairs of the same person; records absent from the clustering
//! are singletons, as in `shared/peers/score.py`), and the precision of the auto-linked pairs.

use rustc_hash::FxHashMap;
use serde::Serialize;

/// Pairwise scores of a clustering.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PairwiseMetrics {
    /// Records in the truth.
    pub records: u64,
    /// Pairs of records of the same person.
    pub true_pairs: u64,
    /// Pairs of records in the same cluster.
    pub predicted_pairs: u64,
    /// Pairs in both.
    pub true_positives: u64,
    /// Precision.
    pub precision: f64,
    /// Recall.
    pub recall: f64,
    /// F1.
    pub f1: f64,
}

/// Precision of explicit links.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LinkPrecision {
    /// Links whose two records are in the truth.
    pub links: u64,
    /// Links between records of the same person.
    pub correct: u64,
    /// correct / links (1 when there are none).
    pub precision: f64,
}

fn pairs(n: u64) -> u64 {
    n * n.saturating_sub(1) / 2
}

/// Interns strings to dense ids.
#[derive(Default)]
struct Interner<'a> {
    ids: FxHashMap<&'a str, u32>,
}

impl<'a> Interner<'a> {
    fn id(&mut self, value: &'a str) -> u32 {
        let next = self.ids.len() as u32;
        *self.ids.entry(value).or_insert(next)
    }
}

/// Pairwise precision / recall / F1 of `clusters` (record → cluster) against `truth`
/// (record → person).
pub fn pairwise<'a>(
    truth: impl IntoIterator<Item = (&'a str, &'a str)>,
    clusters: &FxHashMap<&'a str, &'a str>,
) -> PairwiseMetrics {
    let mut persons = Interner::default();
    let mut cluster_ids = Interner::default();
    let mut cells: FxHashMap<(u32, u32), u64> = FxHashMap::default();
    let mut cluster_size: FxHashMap<u32, u64> = FxHashMap::default();
    let mut person_size: FxHashMap<u32, u64> = FxHashMap::default();
    let mut records = 0u64;
    let mut singleton = u32::MAX;
    for (record, person) in truth {
        records += 1;
        let person = persons.id(person);
        let cluster = match clusters.get(record) {
            Some(cluster) => cluster_ids.id(cluster),
            None => {
                singleton -= 1;
                singleton
            }
        };
        *cells.entry((cluster, person)).or_insert(0) += 1;
        *cluster_size.entry(cluster).or_insert(0) += 1;
        *person_size.entry(person).or_insert(0) += 1;
    }
    let true_positives: u64 = cells.values().map(|&n| pairs(n)).sum();
    let predicted_pairs: u64 = cluster_size.values().map(|&n| pairs(n)).sum();
    let true_pairs: u64 = person_size.values().map(|&n| pairs(n)).sum();
    let precision = if predicted_pairs == 0 {
        1.0
    } else {
        true_positives as f64 / predicted_pairs as f64
    };
    let recall = if true_pairs == 0 {
        1.0
    } else {
        true_positives as f64 / true_pairs as f64
    };
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    PairwiseMetrics {
        records,
        true_pairs,
        predicted_pairs,
        true_positives,
        precision,
        recall,
        f1,
    }
}

/// Precision of links (pairs of record ids) against `truth` (record → person); links naming a
/// record absent from the truth are not counted.
pub fn link_precision<'a>(
    truth: &FxHashMap<&'a str, &'a str>,
    links: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> LinkPrecision {
    let mut total = 0u64;
    let mut correct = 0u64;
    for (a, b) in links {
        if let (Some(pa), Some(pb)) = (truth.get(a), truth.get(b)) {
            total += 1;
            if pa == pb {
                correct += 1;
            }
        }
    }
    LinkPrecision {
        links: total,
        correct,
        precision: if total == 0 {
            1.0
        } else {
            correct as f64 / total as f64
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_scores_match_the_definition() {
        // persons: p1 = {a, b, c}, p2 = {d}; clusters: {a, b}, {c, d}.
        let truth = [("a", "p1"), ("b", "p1"), ("c", "p1"), ("d", "p2")];
        let clusters: FxHashMap<&str, &str> = [("a", "x"), ("b", "x"), ("c", "y"), ("d", "y")]
            .into_iter()
            .collect();
        let m = pairwise(truth, &clusters);
        assert_eq!(
            (m.true_pairs, m.predicted_pairs, m.true_positives),
            (3, 2, 1)
        );
        assert!((m.precision - 0.5).abs() < 1e-12);
        assert!((m.recall - 1.0 / 3.0).abs() < 1e-12);
        assert!((m.f1 - 0.4).abs() < 1e-12);
    }

    #[test]
    fn records_without_cluster_are_singletons() {
        let truth = [("a", "p1"), ("b", "p1")];
        let m = pairwise(truth, &FxHashMap::default());
        assert_eq!(
            (m.true_pairs, m.predicted_pairs, m.true_positives),
            (1, 0, 0)
        );
        assert_eq!(m.precision, 1.0);
        assert_eq!(m.f1, 0.0);
    }

    #[test]
    fn link_precision_counts_known_records() {
        let truth: FxHashMap<&str, &str> = [("a", "p1"), ("b", "p1"), ("c", "p2")]
            .into_iter()
            .collect();
        let p = link_precision(&truth, [("a", "b"), ("a", "c"), ("a", "zz")]);
        assert_eq!((p.links, p.correct), (2, 1));
        assert!((p.precision - 0.5).abs() < 1e-12);
    }
}
