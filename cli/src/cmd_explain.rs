//! `vigie explain`: the waterfall of one pair of records: each field's level and weight, the
//! term-frequency adjustments, the prior, the probability and band, the French rule applied, the
//! blocking rule that makes the pair a candidate, and the model version.

use std::path::PathBuf;

use anyhow::{Context, bail};
use vigie_batch::model_file;
use vigie_batch::pipeline;
use vigie_core::matching::blocking::BlockingRule;
use vigie_core::matching::model::Explanation;

use crate::batch_args::{BatchArgs, read_and_prepare};
use crate::input_args::InputArgs;

/// Arguments of `vigie explain`.
#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Record id of the first record.
    #[arg(long)]
    pub left: String,
    /// Record id of the second record.
    #[arg(long)]
    pub right: String,
    /// Model file (default: train on the input).
    #[arg(long)]
    pub model: Option<PathBuf>,
    #[command(flatten)]
    pub batch: BatchArgs,
}

/// The text `vigie explain` prints.
pub fn render(
    left: &str,
    right: &str,
    explanation: &Explanation,
    blocking_rule: Option<BlockingRule>,
) -> String {
    let blocking = blocking_rule.map_or("none (the pair is not a candidate)", BlockingRule::name);
    format!(
        "pair {left} / {right}\nblocking rule {blocking}\n{}",
        explanation.render()
    )
}

/// Runs the command; returns the exit code.
pub fn run(args: &ExplainArgs) -> anyhow::Result<i32> {
    let progress = args.batch.progress();
    let options = args.batch.options();
    let text = args.batch.run_in_pool(|| {
        let mut prepared = read_and_prepare(&args.input, &progress)?;
        let find = |id: &str| prepared.ids.iter().position(|r| r.as_str() == id);
        let (Some(left), Some(right)) = (find(&args.left), find(&args.right)) else {
            bail!("record id not found in the input");
        };
        let model = match &args.model {
            Some(path) => {
                let (model, _) = model_file::load(path)
                    .with_context(|| format!("loading {}", path.display()))?;
                model.with_thresholds(args.batch.thresholds(model.parts().thresholds))?
            }
            None => pipeline::train_on(&prepared.records, &options, &progress)?.0,
        };
        pipeline::apply_term_frequencies(&mut prepared.records, &model);
        let (Some(a), Some(b)) = (prepared.records.get(left), prepared.records.get(right)) else {
            bail!("record id not found in the input");
        };
        let explanation = model.explain(a, b);
        let rule = pipeline::blocking_rule_of(&options.rules, a, b);
        Ok(render(&args.left, &args.right, &explanation, rule))
    })?;
    print!("{text}");
    Ok(0)
}
