//! Generates a population from the command line without the `vigie` binary:
//! `cargo run --release -p vigie-synth --example synth_generate -- PERSONS SEED OUT_DIR`.

use std::path::PathBuf;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let persons: u64 = args.get(1).map(|s| s.parse()).transpose()?.unwrap_or(1000);
    let seed: u64 = args.get(2).map(|s| s.parse()).transpose()?.unwrap_or(42);
    let out = PathBuf::from(
        args.get(3)
            .cloned()
            .unwrap_or_else(|| "synth-out".to_string()),
    );
    let start = Instant::now();
    let summary =
        vigie_synth::generate_to_dir(&vigie_synth::GenerateConfig::new(persons, seed), &out)?;
    eprintln!("{summary:#?}");
    eprintln!(
        "persons {} records {} ({:.3} per person) in {:.2} s",
        summary.persons,
        summary.records,
        summary.records as f64 / summary.persons.max(1) as f64,
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
