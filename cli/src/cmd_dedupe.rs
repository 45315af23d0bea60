//! `vigie dedupe`: reads an identity file, trains a model on it (or loads one), blocks, scores,
//! applies the French rules, clusters, and writes clusters, scored pairs and the review list.

use std::path::PathBuf;

use anyhow::Context;
use vigie_batch::model_file;
use vigie_batch::pipeline::{self, DedupeOutcome, ScoredPair};
use vigie_core::ids::RecordId;
use vigie_core::matching::comparison::ComparisonKind;
use vigie_core::matching::model::{Decision, Model, weight_to_probability};

use crate::batch_args::{BatchArgs, read_and_prepare};
use crate::input_args::InputArgs;

/// Arguments of `vigie dedupe`.
#[derive(Debug, clap::Args)]
pub struct DedupeArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Clusters CSV (`record_id,cluster_id`, every record).
    #[arg(long, short)]
    pub output: PathBuf,
    /// Scored pairs CSV (every pair at review or above).
    #[arg(long)]
    pub pairs: Option<PathBuf>,
    /// Review list CSV (review pairs and refused links, with the per-field levels).
    #[arg(long)]
    pub review: Option<PathBuf>,
    /// Model file to score with (default: train on the input).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Where to save the model used (trained or given).
    #[arg(long)]
    pub model_out: Option<PathBuf>,
    #[command(flatten)]
    pub batch: BatchArgs,
}

/// Runs the command; returns the exit code.
pub fn run(args: &DedupeArgs) -> anyhow::Result<i32> {
    let progress = args.batch.progress();
    let given = match &args.model {
        Some(path) => {
            let (model, _) =
                model_file::load(path).with_context(|| format!("loading {}", path.display()))?;
            let thresholds = args.batch.thresholds(model.parts().thresholds);
            Some(model.with_thresholds(thresholds)?)
        }
        None => None,
    };
    let options = args.batch.options();
    let (ids, outcome) = args.batch.run_in_pool(|| {
        let mut prepared = read_and_prepare(&args.input, &progress)?;
        let outcome = pipeline::dedupe(&mut prepared.records, given, &options, &progress)?;
        Ok((prepared.ids, outcome))
    })?;
    write_clusters(&args.output, &ids, &outcome)?;
    if let Some(path) = &args.pairs {
        write_pairs(path, &ids, &outcome)?;
    }
    if let Some(path) = &args.review {
        write_review(path, &ids, &outcome)?;
    }
    if let Some(path) = &args.model_out {
        model_file::save(path, &outcome.model, outcome.training.as_ref())?;
    }
    print_summary(&ids, &outcome, progress.elapsed().as_secs_f64());
    Ok(0)
}

fn id(ids: &[RecordId], index: u32) -> &str {
    ids.get(index as usize).map_or("", RecordId::as_str)
}

fn write_clusters(path: &PathBuf, ids: &[RecordId], outcome: &DedupeOutcome) -> anyhow::Result<()> {
    let mut writer = csv::Writer::from_path(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    writer.write_record(["record_id", "cluster_id"])?;
    for (index, cluster) in outcome.clustering.cluster_of.iter().enumerate() {
        writer.write_record([id(ids, index as u32), id(ids, *cluster)])?;
    }
    writer.flush()?;
    Ok(())
}

fn rule_name(pair: &ScoredPair) -> &'static str {
    pair.rule.map_or("", |r| r.name())
}

fn blocking_name(pair: &ScoredPair) -> &'static str {
    vigie_core::matching::blocking::BlockingRule::DEFAULT
        .get(usize::from(pair.blocking_rule))
        .map_or("", |r| r.name())
}

fn write_pairs(path: &PathBuf, ids: &[RecordId], outcome: &DedupeOutcome) -> anyhow::Result<()> {
    let mut writer = csv::Writer::from_path(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    writer.write_record([
        "record_id_l",
        "record_id_r",
        "match_weight",
        "match_probability",
        "decision",
        "rule",
        "blocking_rule",
    ])?;
    for pair in &outcome.pairs {
        writer.write_record([
            id(ids, pair.left),
            id(ids, pair.right),
            &format!("{:.3}", pair.weight),
            &format!("{:.6}", weight_to_probability(pair.weight)),
            pair.decision.name(),
            rule_name(pair),
            blocking_name(pair),
        ])?;
    }
    writer.flush()?;
    Ok(())
}

fn review_row(ids: &[RecordId], pair: &ScoredPair, rule: &str, model: &Model) -> Vec<String> {
    let mut row = vec![
        id(ids, pair.left).to_owned(),
        id(ids, pair.right).to_owned(),
        format!("{:.3}", pair.weight),
        format!("{:.6}", weight_to_probability(pair.weight)),
        rule.to_owned(),
        blocking_name(pair).to_owned(),
    ];
    for kind in ComparisonKind::ALL {
        let level = pair.vector.level(kind);
        row.push(
            level
                .and_then(|l| kind.level_labels().get(usize::from(l)).copied())
                .unwrap_or("missing")
                .to_owned(),
        );
        row.push(format!("{:.2}", model.level_weight(kind, level)));
    }
    row
}

fn write_review(path: &PathBuf, ids: &[RecordId], outcome: &DedupeOutcome) -> anyhow::Result<()> {
    let mut writer = csv::Writer::from_path(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    let mut header: Vec<String> = [
        "record_id_l",
        "record_id_r",
        "match_weight",
        "match_probability",
        "rule",
        "blocking_rule",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    for kind in ComparisonKind::ALL {
        header.push(kind.name().to_owned());
        header.push(format!("{}_weight", kind.name()));
    }
    writer.write_record(&header)?;
    for pair in outcome
        .pairs
        .iter()
        .filter(|p| p.decision == Decision::Review)
    {
        writer.write_record(review_row(ids, pair, rule_name(pair), &outcome.model))?;
    }
    for refused in &outcome.clustering.refused {
        let (l, r) = (
            refused.edge.left.min(refused.edge.right),
            refused.edge.left.max(refused.edge.right),
        );
        // Pairs are sorted by (left, right).
        let found = outcome
            .pairs
            .binary_search_by(|p| (p.left, p.right).cmp(&(l, r)));
        if let Some(pair) = found.ok().and_then(|i| outcome.pairs.get(i)) {
            let rule = format!("cluster_refused:{}", refused.reason.name());
            writer.write_record(review_row(ids, pair, &rule, &outcome.model))?;
        }
    }
    writer.flush()?;
    Ok(())
}

fn print_summary(ids: &[RecordId], outcome: &DedupeOutcome, wall: f64) {
    if let Some(training) = &outcome.training {
        if let Some(reason) = &training.fallback {
            eprintln!("{}", crate::cmd_train::fallback_note(reason));
        }
        let l = &training.lambda;
        eprintln!(
            "lambda {:.4e} ({}); from candidates {:.4e}, from usable INS {}",
            l.chosen,
            l.reason,
            l.from_candidates,
            l.from_ins.map_or("n/a".to_owned(), |v| format!("{v:.4e}"))
        );
        for s in &training.sessions {
            eprintln!(
                "  EM {:<34} {:>10} pairs {:>6} patterns, {:>3} iterations{}",
                s.name,
                s.pairs,
                s.patterns,
                s.iterations,
                if s.converged { "" } else { " (not converged)" }
            );
        }
        for warning in &training.warnings {
            eprintln!("warning: {warning}");
        }
    }
    let count = |d: Decision| outcome.pairs.iter().filter(|p| p.decision == d).count();
    let mut rules: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for pair in &outcome.pairs {
        if let Some(rule) = pair.rule {
            *rules.entry(rule.name()).or_insert(0) += 1;
        }
    }
    eprintln!("model {}", outcome.model.version());
    for gate in outcome
        .model
        .parts()
        .caps
        .gates()
        .iter()
        .filter(|g| !g.active)
    {
        eprintln!(
            "cap gate {} lifted: {}",
            gate.evidence.name(),
            gate.reason()
        );
    }
    eprintln!(
        "{} candidate pairs; {} auto-link, {} review; rules: {}",
        outcome.blocking.candidate_pairs,
        count(Decision::AutoLink),
        count(Decision::Review),
        rules
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let times: Vec<String> = outcome
        .timings
        .iter()
        .map(|t| format!("{} {:.2}s", t.step, t.seconds))
        .collect();
    eprintln!("steps: {}", times.join(", "));
    eprintln!(
        "dedupe: {} records, {} clusters, {} refused links, {:.2} s wall, {:.2} s cpu",
        ids.len(),
        outcome.clustering.cluster_count(),
        outcome.clustering.refused.len(),
        wall,
        crate::batch_args::cpu_seconds()
    );
}
