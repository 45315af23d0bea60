//! The `vigie` command line. Each subcommand lives in its own `cmd_*` module with a clap `Args`
//! struct and a `run` function returning the exit code; `main` only dispatches.

mod batch_args;
mod cmd_audit;
mod cmd_blocking_report;
mod cmd_dedupe;
mod cmd_evaluate;
mod cmd_explain;
mod cmd_generate;
mod cmd_ins;
mod cmd_normalize;
mod cmd_store;
mod cmd_train;
mod input_args;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// mimalloc instead of the system allocator: the batch commands allocate millions of small
/// strings from several threads, where glibc's malloc spent about a quarter of the CPU time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Vigie: patient identity matching and identitovigilance tools.
#[derive(Debug, Parser)]
#[command(name = "vigie", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Top-level subcommands.
#[derive(Debug, Subcommand)]
enum Command {
    /// Identitovigilance audit of an identity export: doublons, collisions, INS problems,
    /// statuses, homonyms and data quality, as HTML, JSON and CSV work lists.
    Audit(cmd_audit::AuditArgs),
    /// INS tools (matricule, key, register OID, consistency with the traits).
    #[command(subcommand)]
    Ins(cmd_ins::InsCommand),
    /// Normalise a canonical identity CSV: RNIV strict traits and matching keys per row.
    Normalize(cmd_normalize::NormalizeArgs),
    /// Generate a synthetic French population: records.csv and truth.csv (deterministic by seed).
    Generate(cmd_generate::GenerateArgs),
    /// Deduplicate an identity file: clusters, scored pairs, review list (trains when no model).
    Dedupe(cmd_dedupe::DedupeArgs),
    /// Train a matching model on an identity file.
    Train(cmd_train::TrainArgs),
    /// Explain the decision on one pair of records (the waterfall).
    Explain(cmd_explain::ExplainArgs),
    /// Score a clustering (and auto-links) against a truth file.
    Evaluate(cmd_evaluate::EvaluateArgs),
    /// Report how the blocking rules cut a file.
    BlockingReport(cmd_blocking_report::BlockingReportArgs),
    /// Bulk-load an identity file into a store (dedupe, then store and index written in bulk).
    Import(cmd_store::ImportArgs),
    /// Write every source identity of a store with its enterprise identity (canonical CSV).
    Export(cmd_store::ExportArgs),
    /// Check a store: store ↔ index ↔ links consistency and the audit hash chain.
    Verify(cmd_store::VerifyArgs),
    /// Candidate index maintenance.
    #[command(subcommand)]
    Index(cmd_store::IndexCommand),
    /// History of an enterprise identity.
    History(cmd_store::HistoryArgs),
    /// The review queue of a store.
    #[command(subcommand)]
    Review(cmd_store::ReviewCommand),
    /// Merge two local ids of one domain (A40 semantics).
    Merge(cmd_store::MergeArgs),
    /// Undo a merge, restoring the state before it.
    Unmerge(cmd_store::UnmergeArgs),
    /// Link two source identities (same person).
    Link(cmd_store::LinkArgs),
    /// Detach a source identity from its enterprise identity (remembered).
    Unlink(cmd_store::UnlinkArgs),
    /// Explain a stored decision (the waterfall).
    Decision(cmd_store::DecisionArgs),
    /// The store's tamper-evident audit trail.
    #[command(subcommand)]
    AuditLog(cmd_store::AuditLogCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Audit(args) => cmd_audit::run(args),
        Command::Ins(cmd_ins::InsCommand::Check(args)) => cmd_ins::run(args),
        Command::Normalize(args) => cmd_normalize::run(args),
        Command::Generate(args) => cmd_generate::run(args),
        Command::Dedupe(args) => cmd_dedupe::run(args),
        Command::Train(args) => cmd_train::run(args),
        Command::Explain(args) => cmd_explain::run(args),
        Command::Evaluate(args) => cmd_evaluate::run(args),
        Command::BlockingReport(args) => cmd_blocking_report::run(args),
        Command::Import(args) => cmd_store::import(args),
        Command::Export(args) => cmd_store::export(args),
        Command::Verify(args) => cmd_store::verify(args),
        Command::Index(cmd_store::IndexCommand::Rebuild(args)) => cmd_store::index_rebuild(args),
        Command::History(args) => cmd_store::history(args),
        Command::Review(cmd_store::ReviewCommand::List(args)) => cmd_store::review_list(args),
        Command::Review(cmd_store::ReviewCommand::Resolve(args)) => cmd_store::review_resolve(args),
        Command::Merge(args) => cmd_store::merge(args),
        Command::Unmerge(args) => cmd_store::unmerge(args),
        Command::Link(args) => cmd_store::link(args),
        Command::Unlink(args) => cmd_store::unlink(args),
        Command::Decision(args) => cmd_store::decision(args),
        Command::AuditLog(cmd_store::AuditLogCommand::Verify(args)) => {
            cmd_store::audit_log_verify(args)
        }
        Command::AuditLog(cmd_store::AuditLogCommand::Export(args)) => {
            cmd_store::audit_log_export(args)
        }
        Command::AuditLog(cmd_store::AuditLogCommand::Prune(args)) => {
            cmd_store::audit_log_prune(args)
        }
    };
    match result {
        Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        // `vigie evaluate … | head`: the reader left, nothing more to say.
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::is_broken_pipe;
    use anyhow::Context as _;

    #[test]
    fn a_closed_stdout_is_recognised_through_context() {
        let closed: anyhow::Result<()> =
            Err(std::io::Error::from(std::io::ErrorKind::BrokenPipe)).context("writing results");
        assert!(closed.as_ref().is_err_and(is_broken_pipe));
        let missing: anyhow::Result<()> =
            Err(std::io::Error::from(std::io::ErrorKind::NotFound)).context("reading input");
        assert!(!missing.as_ref().is_err_and(is_broken_pipe));
    }
}
