//! The `vigie` command line. Each subcommand lives in its own `cmd_*` module with a clap `Args`
//! struct and a `run` function returning the exit code; `main` only dispatches.

mod cmd_audit;
mod cmd_ins;
mod cmd_normalize;
mod input_args;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Audit(args) => cmd_audit::run(args),
        Command::Ins(cmd_ins::InsCommand::Check(args)) => cmd_ins::run(args),
        Command::Normalize(args) => cmd_normalize::run(args),
    };
    match result {
        Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}
