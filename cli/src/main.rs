//! The `vigie` command line.

mod batch_args;
mod cmd_blocking_report;
mod cmd_dedupe;
mod cmd_evaluate;
mod cmd_explain;
mod cmd_normalize;
mod cmd_train;
mod input_args;

use clap::{Parser, Subcommand};

/// Vigie: French patient identity matching.
#[derive(Debug, Parser)]
#[command(name = "vigie", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Normalise the strict traits and matching keys of an identity file.
    Normalize(cmd_normalize::NormalizeArgs),
    /// Deduplicate an identity file: clusters, scored pairs, review list.
    Dedupe(cmd_dedupe::DedupeArgs),
    /// Train a model on an identity file.
    Train(cmd_train::TrainArgs),
    /// Explain the decision on one pair of records.
    Explain(cmd_explain::ExplainArgs),
    /// Score a clustering against a truth file.
    Evaluate(cmd_evaluate::EvaluateArgs),
    /// Report how the blocking rules cut a file.
    BlockingReport(cmd_blocking_report::BlockingReportArgs),
}

fn main() {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Normalize(args) => cmd_normalize::run(args),
        Command::Dedupe(args) => cmd_dedupe::run(args),
        Command::Train(args) => cmd_train::run(args),
        Command::Explain(args) => cmd_explain::run(args),
        Command::Evaluate(args) => cmd_evaluate::run(args),
        Command::BlockingReport(args) => cmd_blocking_report::run(args),
    };
    match result {
        Ok(code) => std::process::exit(code),
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::exit(2);
        }
    }
}
