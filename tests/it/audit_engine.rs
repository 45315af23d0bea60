//! `vigie audit` with the matching engine as its duplicate evidence, on the shipped synthetic
//! sample: the number of duplicate records it reports is checked against the sample's truth.

use std::collections::HashSet;
use std::path::Path;

use crate::ins_cli::vigie;

fn duplicate_records(evidence: &str, dir: &Path, sample: &Path) -> f64 {
    let json = dir.join(format!("{evidence}.json"));
    let (code, _, stderr) = vigie(&[
        "audit",
        "--input",
        sample.join("records.csv").to_str().unwrap_or_default(),
        "--json",
        json.to_str().unwrap_or_default(),
        "--cross-source",
        "--evidence",
        evidence,
        "--quiet",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let text = std::fs::read_to_string(&json).unwrap_or_default();
    let report: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    report["headline"]["duplicate_records"]
        .as_f64()
        .unwrap_or(-1.0)
}

#[test]
fn engine_evidence_finds_the_sample_duplicates() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/synthetic/sample");
    let truth = std::fs::read_to_string(sample.join("truth.csv")).unwrap_or_default();
    let rows: Vec<&str> = truth.lines().skip(1).filter(|l| !l.is_empty()).collect();
    let persons: HashSet<&str> = rows.iter().filter_map(|l| l.split(',').nth(1)).collect();
    let true_duplicates = (rows.len() - persons.len()) as f64;
    assert!(true_duplicates > 100.0, "the sample has duplicates");

    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let engine = duplicate_records("engine", dir.path(), &sample);
    let fallback = duplicate_records("fallback", dir.path(), &sample);
    assert!(
        (engine - true_duplicates).abs() <= 0.05 * true_duplicates,
        "engine reports {engine} duplicate records, truth has {true_duplicates}"
    );
    assert!(engine > fallback, "engine {engine} vs fallback {fallback}");
}
