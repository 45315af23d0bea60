//! Constrained clustering of auto-linked pairs, resistant to chaining.
//!
//! Edges are taken strongest first (weight descending, ties by record indices) into a
//! union-find. An edge that would put two different usable INS, or two different known sexes,
//! in one cluster is refused and reported: the cluster splits on its weakest links instead of
//! chaining two people together through a run of plausible pairs.

use crate::sex::Sex;

use super::prepare::{InsCode, MatchRecord};

/// A link between two records (indices) with its match weight.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Edge {
    /// First record index.
    pub left: u32,
    /// Second record index.
    pub right: u32,
    /// Match weight (a certain match should carry `f64::INFINITY`).
    pub weight: f64,
}

/// The traits of a record that a cluster may not contradict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NodeTraits {
    /// The INS when usable.
    pub usable_ins: Option<InsCode>,
    /// Sex when known.
    pub sex: Option<Sex>,
}

impl NodeTraits {
    /// The traits of a prepared record.
    pub fn of(record: &MatchRecord) -> NodeTraits {
        NodeTraits {
            usable_ins: record.ins.filter(|_| record.ins_usable),
            sex: (record.sex != Sex::Unknown).then_some(record.sex),
        }
    }
}

/// Why an edge was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefusalReason {
    /// The two clusters hold different usable INS.
    DifferentUsableIns,
    /// The two clusters hold different known sexes.
    DifferentSex,
}

impl RefusalReason {
    /// Stable name.
    pub fn name(self) -> &'static str {
        match self {
            RefusalReason::DifferentUsableIns => "different_usable_ins",
            RefusalReason::DifferentSex => "different_sex",
        }
    }
}

/// An edge that was not applied.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RefusedEdge {
    /// The edge.
    pub edge: Edge,
    /// Why.
    pub reason: RefusalReason,
}

/// Result of clustering.
#[derive(Debug, Clone, PartialEq)]
pub struct Clustering {
    /// For each record, the smallest record index of its cluster (singletons: itself).
    pub cluster_of: Vec<u32>,
    /// Edges refused, in the order they were considered.
    pub refused: Vec<RefusedEdge>,
}

impl Clustering {
    /// Number of clusters (singletons included).
    pub fn cluster_count(&self) -> usize {
        self.cluster_of
            .iter()
            .enumerate()
            .filter(|&(i, &c)| i == c as usize)
            .count()
    }
}

struct UnionFind {
    parent: Vec<u32>,
    size: Vec<u32>,
    traits: Vec<NodeTraits>,
}

impl UnionFind {
    fn find(&mut self, mut x: u32) -> u32 {
        loop {
            let Some(&p) = self.parent.get(x as usize) else {
                return x;
            };
            if p == x {
                return x;
            }
            let grand = self.parent.get(p as usize).copied().unwrap_or(p);
            if let Some(slot) = self.parent.get_mut(x as usize) {
                *slot = grand;
            }
            x = grand;
        }
    }
}

fn conflict<T: PartialEq + Copy>(a: Option<T>, b: Option<T>) -> bool {
    matches!((a, b), (Some(x), Some(y)) if x != y)
}

/// Clusters `traits.len()` records with the given edges (edges naming unknown records are
/// ignored).
pub fn cluster(traits: &[NodeTraits], edges: &[Edge]) -> Clustering {
    let n = traits.len();
    let mut uf = UnionFind {
        parent: (0..n as u32).collect(),
        size: vec![1; n],
        traits: traits.to_vec(),
    };
    let mut order: Vec<&Edge> = edges
        .iter()
        .filter(|e| (e.left as usize) < n && (e.right as usize) < n)
        .collect();
    order.sort_by(|a, b| {
        b.weight
            .total_cmp(&a.weight)
            .then(a.left.min(a.right).cmp(&b.left.min(b.right)))
            .then(a.left.max(a.right).cmp(&b.left.max(b.right)))
    });
    let mut refused = Vec::new();
    for edge in order {
        let (ra, rb) = (uf.find(edge.left), uf.find(edge.right));
        if ra == rb {
            continue;
        }
        let (ta, tb) = (
            uf.traits.get(ra as usize).copied().unwrap_or_default(),
            uf.traits.get(rb as usize).copied().unwrap_or_default(),
        );
        let reason = if conflict(ta.usable_ins, tb.usable_ins) {
            Some(RefusalReason::DifferentUsableIns)
        } else if conflict(ta.sex, tb.sex) {
            Some(RefusalReason::DifferentSex)
        } else {
            None
        };
        if let Some(reason) = reason {
            refused.push(RefusedEdge {
                edge: *edge,
                reason,
            });
            continue;
        }
        let (sa, sb) = (
            uf.size.get(ra as usize).copied().unwrap_or(1),
            uf.size.get(rb as usize).copied().unwrap_or(1),
        );
        let (root, child) = if sa >= sb { (ra, rb) } else { (rb, ra) };
        let merged = NodeTraits {
            usable_ins: ta.usable_ins.or(tb.usable_ins),
            sex: ta.sex.or(tb.sex),
        };
        if let Some(slot) = uf.parent.get_mut(child as usize) {
            *slot = root;
        }
        if let Some(slot) = uf.size.get_mut(root as usize) {
            *slot = sa + sb;
        }
        if let Some(slot) = uf.traits.get_mut(root as usize) {
            *slot = merged;
        }
    }
    let mut smallest = vec![u32::MAX; n];
    let roots: Vec<u32> = (0..n as u32).map(|i| uf.find(i)).collect();
    for (i, &root) in roots.iter().enumerate() {
        if let Some(slot) = smallest.get_mut(root as usize) {
            *slot = (*slot).min(i as u32);
        }
    }
    let cluster_of = roots
        .iter()
        .enumerate()
        .map(|(i, &root)| smallest.get(root as usize).copied().unwrap_or(i as u32))
        .collect();
    Clustering {
        cluster_of,
        refused,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ins(text: &str) -> Option<InsCode> {
        Some(InsCode::from_matricule(text))
    }

    fn edge(left: u32, right: u32, weight: f64) -> Edge {
        Edge {
            left,
            right,
            weight,
        }
    }

    #[test]
    fn chains_are_cut_at_the_weakest_link_between_two_ins() {
        // 0 (INS A) - 1 - 2 - 3 (INS B): the weakest link 1-2 is refused.
        let mut traits = vec![NodeTraits::default(); 4];
        traits[0].usable_ins = ins("1");
        traits[3].usable_ins = ins("2");
        let edges = [edge(0, 1, 30.0), edge(1, 2, 10.0), edge(2, 3, 25.0)];
        let clustering = cluster(&traits, &edges);
        assert_eq!(clustering.cluster_of, vec![0, 0, 2, 2]);
        assert_eq!(clustering.refused.len(), 1);
        assert_eq!(clustering.refused[0].edge, edges[1]);
        assert_eq!(
            clustering.refused[0].reason,
            RefusalReason::DifferentUsableIns
        );
        assert_eq!(clustering.cluster_count(), 2);
    }

    #[test]
    fn sexes_do_not_mix() {
        let traits = vec![
            NodeTraits {
                usable_ins: None,
                sex: Some(Sex::Male),
            },
            NodeTraits::default(),
            NodeTraits {
                usable_ins: None,
                sex: Some(Sex::Female),
            },
        ];
        let clustering = cluster(&traits, &[edge(0, 1, 5.0), edge(1, 2, 6.0)]);
        assert_eq!(clustering.cluster_of, vec![0, 1, 1]);
        assert_eq!(clustering.refused[0].reason, RefusalReason::DifferentSex);
    }

    #[test]
    fn result_does_not_depend_on_edge_order() {
        let traits = vec![NodeTraits::default(); 6];
        let mut edges = vec![
            edge(0, 1, 1.0),
            edge(2, 3, 1.0),
            edge(3, 4, 2.0),
            edge(5, 9, 3.0),
        ];
        let a = cluster(&traits, &edges);
        edges.reverse();
        assert_eq!(a, cluster(&traits, &edges));
        assert_eq!(a.cluster_of, vec![0, 0, 2, 2, 2, 5]);
    }
}
