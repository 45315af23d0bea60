//! `vigie generate`: writes a synthetic French population (`records.csv` in the canonical
//! record format and `truth.csv`) for tests, demos and benchmarks.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;

/// Arguments of `vigie generate`.
#[derive(Debug, Clone, clap::Args)]
pub struct GenerateArgs {
    /// Number of true persons (about 1.5 records each).
    #[arg(long)]
    pub persons: u64,
    /// Seed: the same seed gives byte-identical files.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Output directory (created if needed); receives records.csv and truth.csv.
    #[arg(long)]
    pub out: PathBuf,
    /// Multiplier of the data-entry error rates (1.0 realistic, 0 clean, 2 sloppy).
    #[arg(long, default_value_t = 1.0)]
    pub error_scale: f64,
    /// Everyone lives alone: no shared addresses, phones or surnames, no twins.
    #[arg(long)]
    pub no_families: bool,
}

/// Runs `vigie generate`; prints a summary on stderr and returns the exit code.
pub fn run(args: &GenerateArgs) -> anyhow::Result<i32> {
    let config = vigie_synth::GenerateConfig {
        error_scale: args.error_scale,
        families: !args.no_families,
        ..vigie_synth::GenerateConfig::new(args.persons, args.seed)
    };
    let start = Instant::now();
    let summary = vigie_synth::generate_to_dir(&config, &args.out)
        .with_context(|| format!("generating into {}", args.out.display()))?;
    let seconds = start.elapsed().as_secs_f64();
    eprintln!(
        "generated {} persons, {} records ({:.2} per person) in {:.2} s into {}",
        summary.persons,
        summary.records,
        summary.records as f64 / summary.persons.max(1) as f64,
        seconds,
        args.out.display()
    );
    eprintln!(
        "households {}, twin pairs {}, exact homonyms {}, born abroad {}, qualified records {}, records with INS {}",
        summary.households,
        summary.twin_pairs,
        summary.exact_homonyms,
        summary.born_abroad,
        summary.qualified_records,
        summary.records_with_ins
    );
    let errors: Vec<String> = summary
        .errors
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(kind, n)| format!("{} {n}", kind.name()))
        .collect();
    eprintln!("injected: {}", errors.join(", "));
    Ok(0)
}
