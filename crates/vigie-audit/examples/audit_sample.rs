//! Writes a synthetic identity export (vigie-synth) for trying `vigie audit` and rendering the
//! sample report: `cargo run --release -p vigie-audit --example audit_sample -- OUT.csv
//! [PERSONS] [SEED] [ERROR_SCALE]`.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(out) = args.first() else {
        eprintln!("usage: audit_sample OUT.csv [PERSONS] [SEED] [ERROR_SCALE]");
        return ExitCode::from(2);
    };
    let number = |i: usize, default: f64| {
        args.get(i)
            .and_then(|a| a.parse::<f64>().ok())
            .unwrap_or(default)
    };
    let mut config =
        vigie_synth::GenerateConfig::new(number(1, 1500.0) as u64, number(2, 7.0) as u64);
    config.error_scale = number(3, 1.0);
    let (records, _truth) = vigie_synth::generate_table(&config);
    match std::fs::write(out, records) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("cannot write {out}: {error}");
            ExitCode::from(1)
        }
    }
}
