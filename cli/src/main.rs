//! The `vigie` command line. Each subcommand lives in its own `cmd_*` module with a clap `Args`
//! struct and a `run` function returning the exit code; `main` only dispatches.

mod cmd_generate;
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
    /// INS tools (matricule, key, register OID, consistency with the traits).
    #[command(subcommand)]
    Ins(cmd_ins::InsCommand),
    /// Normalise a canonical identity CSV: RNIV strict traits and matching keys per row.
    Normalize(cmd_normalize::NormalizeArgs),
    /// Generate a synthetic French population: records.csv and truth.csv (deterministic by seed).
    Generate(cmd_generate::GenerateArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Ins(cmd_ins::InsCommand::Check(args)) => cmd_ins::run(args),
        Command::Normalize(args) => cmd_normalize::run(args),
        Command::Generate(args) => cmd_generate::run(args),
    };
    match result {
        Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}
