//! `vigie audit`: the identitovigilance audit of an identity export — suspected doublons,
//! collisions, INS problems, RNIV statuses, homonyms and data quality, per source and overall —
//! written as one self-contained HTML page (`--output`), a versioned JSON report (`--json`,
//! `docs/audit-report.md`) and CSV work lists (`--csv-dir`).
//!
//! Exit codes: 0 done; 3 a `--fail-on` condition holds; 2 error (reported by `main`).
//! The terminal shows a progress bar and a summary table of counts per source on stderr; no
//! patient data is printed there.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use vigie_audit::evidence::{Band, DuplicateEvidence, ScoredPair};
use vigie_audit::fail_on::FailCondition;
use vigie_audit::html::{HtmlOptions, Lang};
use vigie_audit::report::AuditReport;
use vigie_audit::{AuditOptions, FALLBACK_PRODUCER, Phase, fallback_evidence};
use vigie_batch::input::Input;
use vigie_batch::pipeline::{self, NoProgress, PipelineOptions};
use vigie_core::ids::RecordId;
use vigie_core::matching::model::{Decision, Model};
use vigie_core::record::IdentityRecord;

use crate::input_args::{InputArgs, print_report};

/// Exit code when a `--fail-on` condition holds.
pub const EXIT_CONDITION: i32 = 3;

/// Language of the HTML report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LangArg {
    /// French labels.
    Fr,
    /// English labels.
    En,
}

/// Producer of the duplicate evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EvidenceArg {
    /// The Fellegi–Sunter engine, trained on the input (same decisions as `vigie dedupe`).
    Engine,
    /// Exact normalised keys and shared INS only (documented in vigie-audit).
    Fallback,
}

/// Arguments of `vigie audit`.
#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Audit the live store in this data directory instead of a file (`--input`): every active
    /// source identity, with the store's model as duplicate evidence.
    #[arg(long, value_name = "DIR", conflicts_with = "input")]
    data_dir: Option<PathBuf>,
    /// HTML report: one self-contained file (inline CSS, SVG charts, JS; no network).
    #[arg(long, short, value_name = "REPORT.html")]
    output: Option<PathBuf>,
    /// JSON report (schema `vigie-audit`, version 1; see docs/audit-report.md).
    #[arg(long, value_name = "REPORT.json")]
    json: Option<PathBuf>,
    /// Directory for the CSV work lists (doublons.csv, collisions.csv, ins-problems.csv,
    /// quality.csv).
    #[arg(long, value_name = "DIR")]
    csv_dir: Option<PathBuf>,
    /// Language of the HTML labels.
    #[arg(long, value_enum, default_value = "fr")]
    lang: LangArg,
    /// Where suspected duplicates come from: the matching engine (the model `vigie dedupe`
    /// trains on the same file) or the exact-key fallback (faster, finds fewer).
    #[arg(long, value_enum, default_value = "engine")]
    evidence: EvidenceArg,
    /// A previous JSON report, for the trend (repeatable).
    #[arg(long, value_name = "OLD.json")]
    previous: Vec<PathBuf>,
    /// Exit with code 3 when a condition holds (repeatable): `duplicates>0.5%`,
    /// `collisions>0`, `invalid_ins>10`, `qualified<80%`… With `%` the rate is compared, without
    /// it the count. Metrics: duplicates, collisions, invalid_ins, ins_problems,
    /// potential_duplicates, homonyms, qualified, quality_issues.
    #[arg(long = "fail-on", value_name = "CONDITION")]
    fail_on: Vec<String>,
    /// Treat all sources as one identity domain: look for doublons across establishments
    /// (default: a doublon is within one source).
    #[arg(long)]
    cross_source: bool,
    /// A phone number is reported when carried by at least this many distinct identities.
    #[arg(long, default_value_t = 5)]
    phone_min_identities: u64,
    /// Rows shown per HTML table (the JSON and CSV outputs are complete).
    #[arg(long, default_value_t = 1000)]
    html_max_rows: usize,
    /// Side-by-side views shown per HTML section.
    #[arg(long, default_value_t = 150)]
    html_max_details: usize,
    /// Date written in the report instead of the current time (ISO 8601, e.g. the export
    /// date); the trend orders reports by it.
    #[arg(long, value_name = "DATE")]
    report_date: Option<String>,
    /// No progress bar and no summary table.
    #[arg(long, short)]
    quiet: bool,
}

fn create(path: &Path) -> anyhow::Result<BufWriter<std::fs::File>> {
    let file =
        std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    Ok(BufWriter::new(file))
}

/// Runs `vigie audit`; returns the exit code.
pub fn run(args: &AuditArgs) -> anyhow::Result<i32> {
    let conditions: Vec<FailCondition> = args
        .fail_on
        .iter()
        .map(|c| c.parse::<FailCondition>())
        .collect::<Result<_, _>>()?;
    let previous = args
        .previous
        .iter()
        .map(|p| vigie_audit::trend::read_previous(p))
        .collect::<Result<Vec<_>, _>>()?;

    let steps = 2 + Phase::COUNT + 3;
    let bar = if args.quiet {
        ProgressBar::hidden()
    } else {
        let bar = ProgressBar::with_draw_target(Some(steps), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    };
    bar.set_message("reading");
    let (input, input_name, model) = match &args.data_dir {
        Some(dir) => {
            let (input, model) = read_store(dir)?;
            (input, dir.display().to_string(), Some(model))
        }
        None => {
            let path = args.input.path()?;
            let name = path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            (args.input.read()?, name, None)
        }
    };
    bar.inc(1);
    let (evidence, producer) = match args.evidence {
        EvidenceArg::Engine => {
            bar.set_message("duplicate evidence (matching engine)");
            engine_evidence(&input.records, model)?
        }
        EvidenceArg::Fallback => {
            bar.set_message("duplicate evidence (fallback)");
            (
                fallback_evidence(&input.records),
                FALLBACK_PRODUCER.to_owned(),
            )
        }
    };
    bar.inc(1);

    let options = AuditOptions {
        generated_at: args
            .report_date
            .clone()
            .unwrap_or_else(vigie_audit::now_iso8601),
        input_name,
        fallback: args.evidence == EvidenceArg::Fallback,
        producer,
        cross_source: args.cross_source,
        phone_min_identities: args.phone_min_identities,
    };
    let mut report = vigie_audit::audit(&input, &evidence, &options, &mut |phase| {
        bar.set_message(phase.label());
        bar.inc(1);
    })?;
    drop(evidence);
    vigie_audit::trend::set_trend(&mut report, previous);
    report.conditions = conditions
        .iter()
        .map(|c| c.evaluate(&report.headline))
        .collect();

    if let Some(path) = &args.json {
        bar.set_message("writing JSON");
        let mut out = create(path)?;
        serde_json::to_writer_pretty(&mut out, &report)
            .with_context(|| format!("writing {}", path.display()))?;
        out.flush()?;
    }
    bar.inc(1);
    if let Some(path) = &args.output {
        bar.set_message("writing HTML");
        let html = vigie_audit::html::render(
            &report,
            &HtmlOptions {
                lang: match args.lang {
                    LangArg::Fr => Lang::Fr,
                    LangArg::En => Lang::En,
                },
                max_rows: args.html_max_rows,
                max_details: args.html_max_details,
            },
        );
        std::fs::write(path, html).with_context(|| format!("writing {}", path.display()))?;
    }
    bar.inc(1);
    if let Some(dir) = &args.csv_dir {
        bar.set_message("writing work lists");
        vigie_audit::csv_out::write_work_lists(&report, dir)?;
    }
    bar.inc(1);
    bar.finish_and_clear();

    if !args.quiet {
        print_report(&input.report);
        print_summary(&report);
    }
    let failed = report.conditions.iter().any(|c| c.holds);
    Ok(if failed { EXIT_CONDITION } else { 0 })
}

fn pct(v: f64) -> String {
    format!("{:.2}%", v * 100.0)
}

/// The summary table on stderr: counts and rates per source, never patient data.
fn print_summary(report: &AuditReport) {
    let h = &report.headline;
    eprintln!(
        "vigie audit: {} records, {} sources, {} rows skipped; duplicate evidence: {}",
        h.records,
        report.sources.len(),
        report.input.skipped_rows,
        report.evidence.producer
    );
    let header = [
        "source",
        "records",
        "dup.rate",
        "doublons",
        "review",
        "collis.",
        "qualified",
        "inv.INS",
        "INS pb",
        "homonyms",
        "quality",
    ];
    let row = |name: &str, x: &vigie_audit::report::Headline| -> Vec<String> {
        vec![
            name.chars().take(24).collect(),
            x.records.to_string(),
            pct(x.duplicate_rate),
            x.doublon_groups.to_string(),
            x.potential_duplicate_pairs.to_string(),
            x.collisions.to_string(),
            pct(x.qualified_share),
            x.invalid_ins.to_string(),
            x.ins_problems.to_string(),
            x.homonym_groups.to_string(),
            x.quality_issues_by_kind.values().sum::<u64>().to_string(),
        ]
    };
    let mut rows: Vec<Vec<String>> = report
        .sources
        .iter()
        .take(25)
        .map(|s| row(&s.source, &s.headline))
        .collect();
    rows.push(row("TOTAL", h));
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter()
                .map(|r| r.get(i).map_or(0, |c| c.chars().count()))
                .chain(std::iter::once(header[i].len()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| {
        let mut text = String::new();
        for (i, cell) in cells.iter().enumerate() {
            let w = widths[i];
            if i == 0 {
                text.push_str(&format!("{cell:<w$}"));
            } else {
                text.push_str(&format!("  {cell:>w$}"));
            }
        }
        eprintln!("{text}");
    };
    line(&header.map(str::to_owned));
    for r in &rows {
        line(r);
    }
    if report.sources.len() > 25 {
        eprintln!(
            "… and {} more sources (see the report)",
            report.sources.len() - 25
        );
    }
    for c in &report.conditions {
        eprintln!(
            "condition {}: {} (value {:.6})",
            c.condition,
            if c.holds { "HOLDS" } else { "does not hold" },
            c.value
        );
    }
}

/// The active source identities of a store, each named by its key (`LOCAL_ID^^^DOMAIN`), and
/// the store's model.
fn read_store(dir: &Path) -> anyhow::Result<(Input, Model)> {
    if !dir.is_dir() {
        anyhow::bail!(
            "no store in {}: create one with `vigie import`",
            dir.display()
        );
    }
    let engine = vigie_engine::Engine::open(vigie_engine::EngineConfig {
        data_dir: dir.to_path_buf(),
        model: None,
        sync: vigie_engine::SyncPolicy::Always,
        candidate_limit: 100,
        cache_mb: 0,
    })
    .with_context(|| format!("opening the store in {}", dir.display()))?;
    let mut records = Vec::new();
    let mut bad_key = None;
    engine.export(&mut |view| {
        let mut record = view.record.clone();
        let name = format!("{}^^^{}", view.key.local_id, view.key.domain);
        match RecordId::new(&name) {
            Ok(id) => record.record_id = id,
            Err(e) => bad_key = Some(e),
        }
        records.push(record);
    })?;
    if let Some(e) = bad_key {
        return Err(e).context("a stored key does not make a record id");
    }
    let model = engine.model().clone();
    Ok((
        Input {
            lines: (1..=records.len() as u64).collect(),
            records,
            ..Input::default()
        },
        model,
    ))
}

/// Duplicate evidence from the matching engine: with no model, one is trained on the input and
/// the pairs, decisions and clusters are those `vigie dedupe` would write for the same file;
/// with a store's model, those the MPI decides online.
fn engine_evidence(
    records: &[IdentityRecord],
    model: Option<Model>,
) -> anyhow::Result<(DuplicateEvidence, String)> {
    let mut prepared = pipeline::prepare(records, &NoProgress);
    let outcome = pipeline::dedupe(
        &mut prepared,
        model,
        &PipelineOptions::default(),
        &NoProgress,
    )?;
    let pairs = outcome
        .pairs
        .iter()
        .filter_map(|pair| {
            let band = match pair.decision {
                Decision::AutoLink => Band::AutoLink,
                Decision::Review => Band::Review,
                Decision::NonMatch => return None,
            };
            let (left, right) = (pair.left as usize, pair.right as usize);
            let explanation = outcome
                .model
                .explain(prepared.get(left)?, prepared.get(right)?);
            Some(ScoredPair {
                left,
                right,
                weight: explanation.match_weight,
                probability: explanation.probability,
                band,
                contributions: explanation
                    .fields
                    .iter()
                    .filter(|field| field.level.is_some())
                    .map(|field| {
                        let weight = field.weight + field.tf_adjustment;
                        (field.comparison.name().to_owned(), weight)
                    })
                    .collect(),
            })
        })
        .collect();
    let producer = format!("vigie-engine model {}", outcome.model.version());
    Ok((
        DuplicateEvidence {
            pairs,
            clusters: outcome.clustering.cluster_of,
        },
        producer,
    ))
}
