//! `vigie train`: estimates a model on an identity file (u from random pairs, m by EM per
//! training blocking rule, λ from the candidates checked against the INS) and saves it.

use std::path::PathBuf;

use vigie_batch::model_file::{self, TrainingDto};
use vigie_batch::pipeline;

use crate::batch_args::{BatchArgs, read_and_prepare};
use crate::input_args::InputArgs;

/// Arguments of `vigie train`.
#[derive(Debug, clap::Args)]
pub struct TrainArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Model file to write.
    #[arg(long)]
    pub model_out: PathBuf,
    #[command(flatten)]
    pub batch: BatchArgs,
}

/// Runs the command; returns the exit code.
pub fn run(args: &TrainArgs) -> anyhow::Result<i32> {
    let progress = args.batch.progress();
    let options = args.batch.options();
    let (model, report, _) = args.batch.run_in_pool(|| {
        let prepared = read_and_prepare(&args.input, &progress)?;
        Ok(pipeline::train_on(&prepared.records, &options, &progress)?)
    })?;
    model_file::save(&args.model_out, &model, Some(&report))?;
    let summary = TrainingDto::from_report(&report);
    eprintln!("{}", serde_json::to_string_pretty(&summary)?);
    if let Some(reason) = &report.fallback {
        eprintln!("{}", fallback_note(reason));
    }
    eprintln!(
        "model {} written to {}",
        model.version(),
        args.model_out.display()
    );
    Ok(0)
}

/// The stderr note when the input was too small to train on.
pub fn fallback_note(reason: &str) -> String {
    format!("note: {reason}; using the default model instead of training")
}
