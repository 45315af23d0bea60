//! The commands that work on a persistent MPI store (`--data-dir`): bulk `import`, `export`,
//! `verify`, `index rebuild`, `history`, `review list|resolve`, `merge`, `unmerge`, `link`,
//! `unlink`, `decision` (explain a stored decision) and `audit-log verify|export|prune`.
//!
//! Source identities are named in the HL7 CX form `LOCAL_ID^^^DOMAIN` (e.g. `IPP42^^^HOPA`),
//! the way integration teams read them in PID-3. Every mutation is recorded in the store's
//! audit trail with the operator given by `--actor` (default: the `USER` environment variable)
//! and the channel `cli`.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use vigie_batch::model_file;
use vigie_batch::output::{canonical_header, canonical_row};
use vigie_core::ids::{DomainId, EnterpriseId, LocalId};
use vigie_core::matching::model::Model;
use vigie_engine::{
    Actor, AuditAnchor, DecisionId, Engine, EngineConfig, MergeId, Resolution, ReviewId, SourceKey,
    SyncPolicy,
};

use crate::input_args::{InputArgs, print_report};

/// Where the store is and who acts on it.
#[derive(Debug, Clone, clap::Args)]
pub struct StoreArgs {
    /// Data directory of the embedded store (created by `vigie import` or the server).
    #[arg(long, value_name = "DIR")]
    pub data_dir: PathBuf,
    /// Operator recorded in the audit trail (default: $USER).
    #[arg(long, value_name = "NAME")]
    pub actor: Option<String>,
}

impl StoreArgs {
    /// Opens the engine on an existing store.
    ///
    /// # Errors
    /// When there is no store in the directory (a typo never creates an empty store) or it
    /// cannot be opened.
    pub fn open(&self, model: Option<Model>, sync: SyncPolicy) -> anyhow::Result<Engine> {
        if !self.data_dir.is_dir() {
            bail!(
                "no store in {}: create one with `vigie import`",
                self.data_dir.display()
            );
        }
        self.open_or_create(model, sync)
    }

    /// Opens the engine, creating the store when the directory is missing or empty.
    ///
    /// # Errors
    /// When the store cannot be opened.
    pub fn open_or_create(&self, model: Option<Model>, sync: SyncPolicy) -> anyhow::Result<Engine> {
        Engine::open(EngineConfig {
            data_dir: self.data_dir.clone(),
            model,
            sync,
            candidate_limit: 100,
            cache_mb: 0,
        })
        .with_context(|| format!("opening the store in {}", self.data_dir.display()))
    }

    /// The operator, for the audit trail.
    pub fn actor(&self) -> Actor {
        let who = self
            .actor
            .clone()
            .or_else(|| std::env::var("USER").ok())
            .unwrap_or_else(|| "cli".to_owned());
        Actor {
            who,
            from: "localhost".to_owned(),
            channel: "cli".to_owned(),
        }
    }
}

/// Parses `LOCAL_ID^^^DOMAIN` (HL7 CX: id, check digit, scheme, assigning authority).
///
/// # Errors
/// When the text is not in that form or an id is invalid.
pub fn parse_key(text: &str) -> anyhow::Result<SourceKey> {
    let mut parts = text.split('^');
    let local = parts.next().unwrap_or_default();
    let domain = parts.nth(2).unwrap_or_default();
    let domain = domain
        .split('&')
        .find(|s| !s.is_empty())
        .unwrap_or_default();
    if local.is_empty() || domain.is_empty() {
        bail!("a source identity is written LOCAL_ID^^^DOMAIN (e.g. IPP42^^^HOPA)");
    }
    Ok(SourceKey {
        domain: DomainId::new(domain).context("bad domain")?,
        local_id: LocalId::new(local).context("bad local id")?,
    })
}

fn key_text(key: &SourceKey) -> String {
    format!("{}^^^{}", key.local_id, key.domain)
}

fn spinner(quiet: bool, message: &str) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template("{spinner} [{elapsed_precise}] {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
    bar.set_style(style);
    bar.enable_steady_tick(Duration::from_millis(120));
    bar.set_message(message.to_owned());
    bar
}

fn create(path: &Path) -> anyhow::Result<BufWriter<std::fs::File>> {
    let file =
        std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    Ok(BufWriter::new(file))
}

/// Arguments of `vigie import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    store: StoreArgs,
    /// Model file (from `vigie train`); default: trained on the input.
    #[arg(long, value_name = "MODEL.json")]
    model: Option<PathBuf>,
    /// No progress display.
    #[arg(long, short)]
    quiet: bool,
}

/// `vigie import`: bulk load of an identity file into a store.
pub fn import(args: &ImportArgs) -> anyhow::Result<i32> {
    let start = Instant::now();
    let model = match &args.model {
        Some(path) => Some(
            model_file::load(path)
                .with_context(|| format!("loading {}", path.display()))?
                .0,
        ),
        None => None,
    };
    let bar = spinner(args.quiet, "reading");
    let input = args.input.read()?;
    let count = input.records.len();
    bar.set_message(format!(
        "importing {count} identities (dedupe, store, index)"
    ));
    let engine = args.store.open_or_create(model, SyncPolicy::Never)?;
    let stats = engine
        .import(input.records, &args.store.actor())
        .context("importing")?;
    bar.finish_and_clear();
    if !args.quiet {
        print_report(&input.report);
    }
    eprintln!(
        "vigie import: {count} records read; store holds {} source identities in {} enterprise identities, {} open reviews ({:.1} s)",
        stats.sources,
        stats.enterprises,
        stats.open_reviews,
        start.elapsed().as_secs_f64()
    );
    Ok(0)
}

/// Arguments of `vigie export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Output CSV: canonical columns plus `enterprise_id`.
    #[arg(long, short, value_name = "FILE.csv")]
    output: PathBuf,
}

/// `vigie export`: every active source identity with its enterprise identity.
pub fn export(args: &ExportArgs) -> anyhow::Result<i32> {
    let engine = args.store.open(None, SyncPolicy::Always)?;
    let mut out = csv::Writer::from_writer(create(&args.output)?);
    let mut header = canonical_header();
    header.push("enterprise_id");
    out.write_record(&header)?;
    let mut failure: Option<csv::Error> = None;
    let count = engine.export(&mut |view| {
        if failure.is_some() {
            return;
        }
        let mut row = canonical_row(&view.record);
        row.push(view.enterprise.as_str().to_owned());
        if let Err(e) = out.write_record(&row) {
            failure = Some(e);
        }
    })?;
    if let Some(e) = failure {
        return Err(e).with_context(|| format!("writing {}", args.output.display()));
    }
    out.flush()
        .with_context(|| format!("writing {}", args.output.display()))?;
    eprintln!("vigie export: {count} source identities");
    Ok(0)
}

/// Arguments of `vigie verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    store: StoreArgs,
}

/// `vigie verify`: store ↔ index ↔ links consistency and the audit hash chain; exit 1 on a
/// problem.
pub fn verify(args: &VerifyArgs) -> anyhow::Result<i32> {
    let engine = args.store.open(None, SyncPolicy::Always)?;
    let report = engine.verify()?;
    let chain = engine.check_audit_chain()?;
    println!(
        "{} source identities, {} enterprise identities checked",
        report.sources, report.enterprises
    );
    for problem in &report.problems {
        println!("problem: {problem}");
    }
    match chain.result {
        Ok(last) => println!(
            "audit trail: {}, hash chain intact",
            trail_extent(chain.anchor.as_ref(), last)
        ),
        Err(seq) => println!("audit trail: hash chain BROKEN at record {seq}"),
    }
    println!("audit trail: {}", anchor_line(chain.anchor.as_ref()));
    Ok(i32::from(
        !report.problems.is_empty() || chain.result.is_err(),
    ))
}

/// `vigie index …`.
#[derive(Debug, clap::Subcommand)]
pub enum IndexCommand {
    /// Rebuild the candidate index from the store.
    Rebuild(VerifyArgs),
}

/// `vigie index rebuild`.
pub fn index_rebuild(args: &VerifyArgs) -> anyhow::Result<i32> {
    let start = Instant::now();
    let engine = args.store.open(None, SyncPolicy::Always)?;
    engine.rebuild_index()?;
    let stats = engine.stats()?;
    eprintln!(
        "index rebuilt: {} source identities ({:.1} s)",
        stats.sources,
        start.elapsed().as_secs_f64()
    );
    Ok(0)
}

/// Arguments of `vigie history`.
#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Enterprise identity.
    #[arg(long, conflicts_with = "key", required_unless_present = "key")]
    enterprise: Option<String>,
    /// Or a source identity `LOCAL_ID^^^DOMAIN` (its enterprise identity's history).
    #[arg(long)]
    key: Option<String>,
}

/// `vigie history`: the events of an enterprise identity, oldest first.
pub fn history(args: &HistoryArgs) -> anyhow::Result<i32> {
    let engine = args.store.open(None, SyncPolicy::Always)?;
    let enterprise = match (&args.enterprise, &args.key) {
        (Some(e), _) => EnterpriseId::new(e).context("bad enterprise id")?,
        (None, Some(k)) => {
            let key = parse_key(k)?;
            engine
                .source(&key)?
                .with_context(|| format!("unknown source identity {}", key_text(&key)))?
                .enterprise
        }
        (None, None) => bail!("give --enterprise or --key"),
    };
    let events = engine.history(&enterprise)?;
    if events.is_empty() {
        bail!("no history for enterprise identity {enterprise}");
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "history of {enterprise}")?;
    for event in events {
        let keys: Vec<String> = event.keys.iter().map(key_text).collect();
        let decision = event
            .decision
            .map(|d| format!(" decision {}", d.0))
            .unwrap_or_default();
        writeln!(
            out,
            "{:>8}  {}  {:<16} {}{}  by {} ({}, {})",
            event.seq,
            event.at_ms,
            event.kind,
            keys.join(" "),
            decision,
            event.actor.who,
            event.actor.channel,
            event.actor.from
        )?;
    }
    Ok(0)
}

/// `vigie review …`.
#[derive(Debug, clap::Subcommand)]
pub enum ReviewCommand {
    /// List open review items, oldest first.
    List(ReviewListArgs),
    /// Resolve a review item: `--link` (same person) or `--separate` (never link them).
    Resolve(ReviewResolveArgs),
}

/// Arguments of `vigie review list`.
#[derive(Debug, clap::Args)]
pub struct ReviewListArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Maximum items.
    #[arg(long, default_value_t = 100)]
    limit: usize,
}

/// Arguments of `vigie review resolve`.
#[derive(Debug, clap::Args)]
pub struct ReviewResolveArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Review item id.
    #[arg(long)]
    id: u64,
    /// Same person: link them.
    #[arg(
        long,
        conflicts_with = "separate",
        required_unless_present = "separate"
    )]
    link: bool,
    /// Different persons: remember it.
    #[arg(long)]
    separate: bool,
}

/// `vigie review list`.
pub fn review_list(args: &ReviewListArgs) -> anyhow::Result<i32> {
    let engine = args.store.open(None, SyncPolicy::Always)?;
    let items = engine.review_list(args.limit)?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "review_id\tdecision_id\tleft\tright\tprobability\treason"
    )?;
    for item in &items {
        writeln!(
            out,
            "{}\t{}\t{}\t{}\t{:.4}\t{}",
            item.id.0,
            item.decision.0,
            key_text(&item.pair.0),
            key_text(&item.pair.1),
            item.probability,
            item.reason
        )?;
    }
    eprintln!("{} open review items shown", items.len());
    Ok(0)
}

/// `vigie review resolve`.
pub fn review_resolve(args: &ReviewResolveArgs) -> anyhow::Result<i32> {
    let engine = args.store.open(None, SyncPolicy::Always)?;
    let resolution = if args.link {
        Resolution::Link
    } else {
        Resolution::Separate
    };
    engine.review_resolve(ReviewId(args.id), resolution, &args.store.actor())?;
    eprintln!("review item {} resolved", args.id);
    Ok(0)
}

/// Arguments of `vigie merge`.
#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Surviving source identity `LOCAL_ID^^^DOMAIN`.
    #[arg(long)]
    surviving: String,
    /// Source identity merged into it (same domain), retired.
    #[arg(long)]
    merged: String,
}

/// `vigie merge` (A40 semantics).
pub fn merge(args: &MergeArgs) -> anyhow::Result<i32> {
    let surviving = parse_key(&args.surviving)?;
    let merged = parse_key(&args.merged)?;
    if surviving.domain != merged.domain {
        bail!("a merge joins two local ids of the same domain; use `vigie link` across domains");
    }
    let engine = args.store.open(None, SyncPolicy::Always)?;
    let id = engine.merge(&surviving, &merged, &args.store.actor())?;
    println!(
        "merge {} (undo with `vigie unmerge --merge-id {}`)",
        id.0, id.0
    );
    Ok(0)
}

/// Arguments of `vigie unmerge`.
#[derive(Debug, clap::Args)]
pub struct UnmergeArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// The merge to undo (printed by `vigie merge`, shown in `vigie history`).
    #[arg(long)]
    merge_id: u64,
}

/// `vigie unmerge`: restores the state before the merge.
pub fn unmerge(args: &UnmergeArgs) -> anyhow::Result<i32> {
    let engine = args.store.open(None, SyncPolicy::Always)?;
    engine.unmerge(MergeId(args.merge_id), &args.store.actor())?;
    eprintln!("merge {} undone", args.merge_id);
    Ok(0)
}

/// Arguments of `vigie link`.
#[derive(Debug, clap::Args)]
pub struct LinkArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// One source identity `LOCAL_ID^^^DOMAIN`.
    left: String,
    /// The other.
    right: String,
}

/// `vigie link`: the two source identities are the same person.
pub fn link(args: &LinkArgs) -> anyhow::Result<i32> {
    let (a, b) = (parse_key(&args.left)?, parse_key(&args.right)?);
    let engine = args.store.open(None, SyncPolicy::Always)?;
    let enterprise = engine.link(&a, &b, &args.store.actor())?;
    println!("{enterprise}");
    Ok(0)
}

/// Arguments of `vigie unlink`.
#[derive(Debug, clap::Args)]
pub struct UnlinkArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// The source identity `LOCAL_ID^^^DOMAIN` to detach from its enterprise identity.
    key: String,
}

/// `vigie unlink`: detach a source identity; the separation is remembered.
pub fn unlink(args: &UnlinkArgs) -> anyhow::Result<i32> {
    let key = parse_key(&args.key)?;
    let engine = args.store.open(None, SyncPolicy::Always)?;
    let enterprise = engine.unlink(&key, &args.store.actor())?;
    println!("{enterprise}");
    Ok(0)
}

/// Arguments of `vigie decision`.
#[derive(Debug, clap::Args)]
pub struct DecisionArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Decision id (from `vigie history` or `vigie review list`).
    id: u64,
}

/// `vigie decision`: the waterfall of a stored decision.
pub fn decision(args: &DecisionArgs) -> anyhow::Result<i32> {
    let engine = args.store.open(None, SyncPolicy::Always)?;
    let stored = engine
        .explain(DecisionId(args.id))?
        .with_context(|| format!("no decision {}", args.id))?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "decision {}: {} vs {} → {} (model {}, candidate from {})",
        stored.id.0,
        key_text(&stored.pair.0),
        key_text(&stored.pair.1),
        stored.decision.name(),
        stored.model_version,
        stored.blocking_rule
    )?;
    write!(out, "{}", stored.explanation.render())?;
    Ok(0)
}

/// `vigie audit-log …`.
#[derive(Debug, clap::Subcommand)]
pub enum AuditLogCommand {
    /// Check the hash chain of the audit trail; exit 1 when a record was altered.
    Verify(VerifyArgs),
    /// Write audit records as JSON lines.
    Export(AuditLogExportArgs),
    /// Retention: delete the audit records older than N days; the chain stays verifiable from
    /// an anchor, and the prune is itself audited.
    Prune(AuditLogPruneArgs),
}

/// Arguments of `vigie audit-log prune`.
#[derive(Debug, clap::Args)]
pub struct AuditLogPruneArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Delete the records older than this many days (0: every record written before now).
    #[arg(long, value_name = "N")]
    older_than_days: u32,
}

/// Shortest retention the reliability reference accepts: six months.
const MIN_RETENTION_DAYS: u32 = 183;

/// Arguments of `vigie audit-log export`.
#[derive(Debug, clap::Args)]
pub struct AuditLogExportArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// First sequence number.
    #[arg(long, default_value_t = 0)]
    from: u64,
    /// Output file (JSON lines).
    #[arg(long, short, value_name = "FILE.jsonl")]
    output: PathBuf,
}

/// How many records the trail holds and where it starts, for the verify messages.
fn trail_extent(anchor: Option<&AuditAnchor>, last: u64) -> String {
    match anchor {
        None => format!("{last} records"),
        Some(anchor) => format!(
            "{} records (seq {} to {last}; the {} before were deleted by retention)",
            last - anchor.seq,
            anchor.seq + 1,
            anchor.seq
        ),
    }
}

/// The retention anchor line of the verify messages.
fn anchor_line(anchor: Option<&AuditAnchor>) -> String {
    match anchor {
        None => "retention anchor: none (never pruned; the chain starts at record 1)".to_owned(),
        Some(anchor) => format!(
            "retention anchor: seq {} hash {} (pruned at {} ms, records before {} ms deleted)",
            anchor.seq, anchor.hash, anchor.pruned_at_ms, anchor.before_ms
        ),
    }
}

/// `vigie audit-log verify`: the chain's state and the retention anchor it was verified from.
pub fn audit_log_verify(args: &VerifyArgs) -> anyhow::Result<i32> {
    let engine = args.store.open(None, SyncPolicy::Always)?;
    let check = engine.check_audit_chain()?;
    let code = match check.result {
        Ok(last) => {
            println!(
                "audit trail intact: {}",
                trail_extent(check.anchor.as_ref(), last)
            );
            0
        }
        Err(seq) => {
            println!("audit trail ALTERED: the hash chain breaks at record {seq}");
            1
        }
    };
    println!("{}", anchor_line(check.anchor.as_ref()));
    Ok(code)
}

/// `vigie audit-log prune`.
pub fn audit_log_prune(args: &AuditLogPruneArgs) -> anyhow::Result<i32> {
    if args.older_than_days < MIN_RETENTION_DAYS {
        eprintln!(
            "warning: a retention under six months ({MIN_RETENTION_DAYS} days) deletes audit \
             records the reliability reference requires to keep"
        );
    }
    let engine = args.store.open(None, SyncPolicy::Always)?;
    let older_than = Duration::from_secs(u64::from(args.older_than_days) * 86_400);
    let pruned = engine
        .prune_audit(older_than, &args.store.actor())
        .context("pruning the audit trail")?;
    match (pruned.anchor, pruned.record) {
        (Some(anchor), Some(record)) if pruned.deleted > 0 => println!(
            "audit trail: {} records older than {} days deleted (through seq {}); \
             audit-prune record {record}",
            pruned.deleted, args.older_than_days, anchor.seq
        ),
        _ => println!(
            "audit trail: no record older than {} days",
            args.older_than_days
        ),
    }
    Ok(0)
}

/// `vigie audit-log export`.
pub fn audit_log_export(args: &AuditLogExportArgs) -> anyhow::Result<i32> {
    let engine = args.store.open(None, SyncPolicy::Always)?;
    let mut out = create(&args.output)?;
    let mut from = args.from;
    let mut count = 0u64;
    loop {
        let records = engine.audit_records(from, 10_000)?;
        let Some(last) = records.last() else { break };
        from = last.seq + 1;
        for r in &records {
            let line = serde_json::json!({
                "seq": r.seq,
                "at_ms": r.at_ms,
                "who": r.actor.who,
                "from": r.actor.from,
                "channel": r.actor.channel,
                "action": r.action,
                "outcome": r.outcome,
                "subjects": r.subjects,
                "hash": r.hash,
            });
            serde_json::to_writer(&mut out, &line)?;
            out.write_all(b"\n")?;
            count += 1;
        }
    }
    out.flush()
        .with_context(|| format!("writing {}", args.output.display()))?;
    eprintln!("{count} audit records written");
    Ok(0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_read_in_cx_form() {
        let key = parse_key("IPP42^^^HOPA").unwrap();
        assert_eq!(key.local_id.as_str(), "IPP42");
        assert_eq!(key.domain.as_str(), "HOPA");
        let key = parse_key("7^^^&1.2.250.1.71.4.2.2&ISO").unwrap();
        assert_eq!(key.domain.as_str(), "1.2.250.1.71.4.2.2");
        assert!(parse_key("IPP42").is_err());
        assert!(parse_key("^^^HOPA").is_err());
        assert_eq!(key_text(&parse_key("A^^^B").unwrap()), "A^^^B");
    }
}
