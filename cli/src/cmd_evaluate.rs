//! `vigie evaluate`: pairwise precision, recall and F1 of a clustering against a truth file
//! (`record_id,person_id`), and the precision of the auto-linked pairs of a pairs file.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;
use rustc_hash::FxHashMap;
use vigie_batch::metrics;

/// Arguments of `vigie evaluate`.
#[derive(Debug, clap::Args)]
pub struct EvaluateArgs {
    /// Truth CSV: `record_id,person_id`.
    #[arg(long)]
    pub truth: PathBuf,
    /// Clusters CSV: `record_id,cluster_id`.
    #[arg(long)]
    pub clusters: PathBuf,
    /// Pairs CSV of `vigie dedupe --pairs` (for the auto-link precision).
    #[arg(long)]
    pub pairs: Option<PathBuf>,
}

/// Reads named columns of a CSV as rows of owned strings.
fn read_columns(path: &Path, columns: &[&str]) -> anyhow::Result<Vec<Vec<String>>> {
    let mut reader =
        csv::Reader::from_path(path).with_context(|| format!("cannot read {}", path.display()))?;
    let header = reader.headers()?.clone();
    let positions: Vec<usize> = columns
        .iter()
        .map(|c| {
            header
                .iter()
                .position(|h| h.trim() == *c)
                .with_context(|| format!("{} has no {c} column", path.display()))
        })
        .collect::<anyhow::Result<_>>()?;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record?;
        rows.push(
            positions
                .iter()
                .map(|&p| record.get(p).unwrap_or("").to_owned())
                .collect(),
        );
    }
    Ok(rows)
}

fn column(row: &[String], index: usize) -> &str {
    row.get(index).map_or("", String::as_str)
}

/// Runs the command; returns the exit code.
pub fn run(args: &EvaluateArgs) -> anyhow::Result<i32> {
    let truth_rows = read_columns(&args.truth, &["record_id", "person_id"])?;
    let cluster_rows = read_columns(&args.clusters, &["record_id", "cluster_id"])?;
    let clusters: FxHashMap<&str, &str> = cluster_rows
        .iter()
        .map(|r| (column(r, 0), column(r, 1)))
        .collect();
    let m = metrics::pairwise(
        truth_rows.iter().map(|r| (column(r, 0), column(r, 1))),
        &clusters,
    );
    writeln!(
        std::io::stdout(),
        "pairwise: precision {:.5}, recall {:.5}, F1 {:.5} ({} records, {} true pairs, {} predicted, {} correct)",
        m.precision,
        m.recall,
        m.f1,
        m.records,
        m.true_pairs,
        m.predicted_pairs,
        m.true_positives
    )?;
    let mut json = serde_json::json!({ "pairwise": m });
    if let Some(path) = &args.pairs {
        let rows = read_columns(path, &["record_id_l", "record_id_r", "decision"])?;
        let truth: FxHashMap<&str, &str> = truth_rows
            .iter()
            .map(|r| (column(r, 0), column(r, 1)))
            .collect();
        let links = rows
            .iter()
            .filter(|r| column(r, 2) == "auto_link")
            .map(|r| (column(r, 0), column(r, 1)));
        let p = metrics::link_precision(&truth, links);
        writeln!(
            std::io::stdout(),
            "auto-link precision {:.5} ({} of {} auto-linked pairs correct)",
            p.precision,
            p.correct,
            p.links
        )?;
        let reviews = rows
            .iter()
            .filter(|r| column(r, 2) == "review")
            .map(|r| (column(r, 0), column(r, 1)));
        let r = metrics::link_precision(&truth, reviews);
        writeln!(
            std::io::stdout(),
            "review pairs: {} of {} are the same person",
            r.correct,
            r.links
        )?;
        json["auto_link"] = serde_json::to_value(p)?;
        json["review"] = serde_json::to_value(r)?;
    }
    writeln!(std::io::stdout(), "{json}")?;
    Ok(0)
}
