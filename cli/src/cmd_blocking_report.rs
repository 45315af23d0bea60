//! `vigie blocking-report`: how the blocking rules cut a file: records with a key, block-size
//! distribution, oversized (windowed) blocks and pairs per rule, without scoring anything.

use std::path::PathBuf;

use vigie_batch::pipeline;

use crate::batch_args::{BatchArgs, read_and_prepare};
use crate::input_args::InputArgs;

/// Arguments of `vigie blocking-report`.
#[derive(Debug, clap::Args)]
pub struct BlockingReportArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Also write the report as JSON.
    #[arg(long)]
    pub json: Option<PathBuf>,
    #[command(flatten)]
    pub batch: BatchArgs,
}

/// Runs the command; returns the exit code.
pub fn run(args: &BlockingReportArgs) -> anyhow::Result<i32> {
    let progress = args.batch.progress();
    let options = args.batch.options();
    let report = args.batch.run_in_pool(|| {
        let prepared = read_and_prepare(&args.input, &progress)?;
        let (_, report) =
            pipeline::block(&prepared.records, &options.rules, options.limits, &progress)?;
        Ok(report)
    })?;
    print!("{}", report.render());
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_vec_pretty(&report)?)?;
    }
    Ok(0)
}
