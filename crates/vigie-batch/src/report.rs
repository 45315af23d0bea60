//! The blocking report: per rule, how many records have a key, the block-size distribution, the
//! oversized blocks that were windowed (never silently dropped), and the pairs emitted and new
//! after deduplication. Rendered as text (`vigie blocking-report`) or JSON.

use std::fmt::Write as _;

use serde::Serialize;

use crate::pipeline::BLOCK_SIZE_BUCKETS;

/// Blocking statistics of one rule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RuleStats {
    /// Rule name.
    pub rule: String,
    /// Records with at least one key.
    pub records_with_key: u64,
    /// (key, record) entries.
    pub keys: u64,
    /// Distinct keys (blocks).
    pub blocks: u64,
    /// Largest block (records).
    pub largest_block: u64,
    /// Blocks per size bucket (bounds in [`BLOCK_SIZE_BUCKETS`]).
    pub size_histogram: [u64; 8],
    /// Blocks above the cap (windowed).
    pub oversized_blocks: u64,
    /// Records in oversized blocks.
    pub records_in_oversized_blocks: u64,
    /// Pairs the rule would give without the cap.
    pub pairs_without_cap: u64,
    /// Pairs emitted (with the cap).
    pub pairs_emitted: u64,
    /// Pairs no earlier rule had produced.
    pub pairs_new: u64,
}

impl RuleStats {
    /// Empty statistics of a rule.
    pub fn new(rule: &str) -> RuleStats {
        RuleStats {
            rule: rule.to_owned(),
            ..RuleStats::default()
        }
    }
}

/// The blocking report of a file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BlockingReport {
    /// Records.
    pub records: u64,
    /// Block cap.
    pub max_block_size: u64,
    /// Sorted-neighbourhood window inside oversized blocks.
    pub window: u64,
    /// Distinct candidate pairs (all rules).
    pub candidate_pairs: u64,
    /// One entry per rule, in priority order.
    pub rules: Vec<RuleStats>,
}

fn bucket_label(index: usize) -> String {
    let upper = BLOCK_SIZE_BUCKETS.get(index).copied().unwrap_or(u64::MAX);
    let lower = if index == 0 {
        1
    } else {
        BLOCK_SIZE_BUCKETS.get(index - 1).map_or(1, |b| b + 1)
    };
    match (lower == upper, upper == u64::MAX) {
        (true, _) => format!("{upper}"),
        (_, true) => format!(">{}", lower - 1),
        _ => format!("{lower}-{upper}"),
    }
}

impl BlockingReport {
    /// Plain-text rendering.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{} records, {} candidate pairs ({:.2} per record); blocks above {} records are windowed ({} neighbours)",
            self.records,
            self.candidate_pairs,
            self.candidate_pairs as f64 / self.records.max(1) as f64,
            self.max_block_size,
            self.window
        );
        let _ = writeln!(
            out,
            "{:<36} {:>10} {:>10} {:>8} {:>9} {:>10} {:>12} {:>12} {:>11}",
            "rule",
            "records",
            "blocks",
            "largest",
            "oversized",
            "in_over",
            "no_cap",
            "emitted",
            "new"
        );
        for r in &self.rules {
            let _ = writeln!(
                out,
                "{:<36} {:>10} {:>10} {:>8} {:>9} {:>10} {:>12} {:>12} {:>11}",
                r.rule,
                r.records_with_key,
                r.blocks,
                r.largest_block,
                r.oversized_blocks,
                r.records_in_oversized_blocks,
                r.pairs_without_cap,
                r.pairs_emitted,
                r.pairs_new
            );
        }
        let labels: Vec<String> = (0..BLOCK_SIZE_BUCKETS.len()).map(bucket_label).collect();
        let _ = writeln!(out, "\nblock sizes");
        let _ = write!(out, "{:<36}", "rule");
        for label in &labels {
            let _ = write!(out, " {label:>9}");
        }
        let _ = writeln!(out);
        for r in &self.rules {
            let _ = write!(out, "{:<36}", r.rule);
            for count in r.size_histogram {
                let _ = write!(out, " {count:>9}");
            }
            let _ = writeln!(out);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_labels() {
        let labels: Vec<String> = (0..8).map(bucket_label).collect();
        assert_eq!(
            labels,
            [
                "1", "2", "3-5", "6-10", "11-50", "51-128", "129-1000", ">1000"
            ]
        );
    }
}
