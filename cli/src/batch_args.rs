//! Options and helpers shared by the batch commands (dedupe, train, explain, blocking-report):
//! thread count, seed, block limits, model thresholds, progress bars on stderr, reading and
//! preparing the input.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use vigie_batch::pipeline::{self, PipelineOptions, Progress};
use vigie_core::ids::RecordId;
use vigie_core::matching::blocking::BlockLimits;
use vigie_core::matching::model::Thresholds;
use vigie_core::matching::prepare::MatchRecord;

use vigie_batch::input::read_path_mapped;

use crate::input_args::{InputArgs, print_report};

/// Batch options.
#[derive(Debug, Clone, clap::Args)]
pub struct BatchArgs {
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Seed of the random-pair sample used to estimate u.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Random pairs sampled to estimate u.
    #[arg(long, default_value_t = 1_000_000)]
    pub random_pairs: u64,
    /// Blocks with more records are windowed (sorted neighbourhood).
    #[arg(long, default_value_t = BlockLimits::default().max_block_size)]
    pub max_block_size: usize,
    /// Neighbours paired inside an oversized block.
    #[arg(long, default_value_t = BlockLimits::default().window)]
    pub window: usize,
    /// Auto-link probability threshold of a trained model (or override of a given one).
    #[arg(long)]
    pub auto_link: Option<f64>,
    /// Review probability threshold of a trained model (or override of a given one).
    #[arg(long)]
    pub review_threshold: Option<f64>,
    /// No progress bars.
    #[arg(long)]
    pub quiet: bool,
}

impl BatchArgs {
    /// Pipeline options.
    pub fn options(&self) -> PipelineOptions {
        let defaults = PipelineOptions::default();
        PipelineOptions {
            limits: BlockLimits {
                max_block_size: self.max_block_size,
                window: self.window,
            },
            seed: self.seed,
            random_pairs: self.random_pairs,
            thresholds: self.thresholds(defaults.thresholds),
            ..defaults
        }
    }

    /// Thresholds: `base` with the overrides given on the command line.
    pub fn thresholds(&self, base: Thresholds) -> Thresholds {
        Thresholds {
            auto_link: self.auto_link.unwrap_or(base.auto_link),
            review: self.review_threshold.unwrap_or(base.review),
        }
    }

    /// Runs `f` on a pool of the requested size.
    ///
    /// # Errors
    /// The pool cannot be built, or `f` fails.
    pub fn run_in_pool<T: Send>(
        &self,
        f: impl FnOnce() -> anyhow::Result<T> + Send,
    ) -> anyhow::Result<T> {
        let mut builder = rayon::ThreadPoolBuilder::new();
        if let Some(threads) = self.threads {
            builder = builder.num_threads(threads.max(1));
        }
        let pool = builder.build().context("cannot start worker threads")?;
        pool.install(f)
    }

    /// Progress bars (hidden with --quiet or when stderr is not a terminal).
    pub fn progress(&self) -> Bars {
        Bars {
            quiet: self.quiet,
            current: Mutex::new(None),
            started: Instant::now(),
        }
    }
}

/// CPU seconds (user + system) used by this process so far, from `/proc/self/stat` (0 where
/// that file does not exist). Shown beside wall times: on a shared machine it is the robust
/// figure.
pub fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name (which is in parentheses and may hold spaces).
    let Some(rest) = stat.rsplit_once(')').map(|(_, rest)| rest) else {
        return 0.0;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

/// Progress bars on stderr.
pub struct Bars {
    quiet: bool,
    current: Mutex<Option<(ProgressBar, Instant, String, f64)>>,
    started: Instant,
}

impl Bars {
    /// Seconds since the bars were created.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }
}

impl Progress for Bars {
    fn start(&self, step: &str, total: Option<u64>) {
        if self.quiet {
            return;
        }
        let bar = match total {
            Some(total) => {
                let bar = ProgressBar::new(total);
                if let Ok(style) =
                    ProgressStyle::with_template("{msg:>20} [{bar:40}] {pos}/{len} {elapsed}")
                {
                    bar.set_style(style.progress_chars("=> "));
                }
                bar
            }
            None => {
                let bar = ProgressBar::new_spinner();
                bar.enable_steady_tick(Duration::from_millis(120));
                bar
            }
        };
        bar.set_message(step.to_owned());
        if let Ok(mut current) = self.current.lock() {
            *current = Some((bar, Instant::now(), step.to_owned(), cpu_seconds()));
        }
    }

    fn advance(&self, amount: u64) {
        if let Ok(current) = self.current.lock()
            && let Some((bar, _, _, _)) = current.as_ref()
        {
            bar.inc(amount);
        }
    }

    fn finish(&self) {
        if let Ok(mut current) = self.current.lock()
            && let Some((bar, started, step, cpu)) = current.take()
        {
            bar.finish_and_clear();
            eprintln!(
                "{step:>20}  {:6.2} s wall {:6.2} s cpu",
                started.elapsed().as_secs_f64(),
                cpu_seconds() - cpu
            );
        }
    }
}

/// Records read and prepared.
pub struct PreparedInput {
    /// Record ids, in file order.
    pub ids: Vec<RecordId>,
    /// Prepared records, in file order.
    pub records: Vec<MatchRecord>,
}

/// Reads the input, reports skipped rows, prepares the records.
///
/// # Errors
/// The input cannot be read.
pub fn read_and_prepare(input: &InputArgs, progress: &Bars) -> anyhow::Result<PreparedInput> {
    progress.start("reading and preparing", None);
    let options = input.options()?;
    let path = input.path()?;
    // Each record is prepared by the worker that parsed it: the parsed records are never all
    // held at once.
    let read = read_path_mapped(path, &options, |record| {
        let prepared = pipeline::prepare_cached(&record);
        (record.record_id, prepared)
    })
    .with_context(|| format!("reading {}", path.display()));
    pipeline::clear_name_caches();
    let read = read?;
    progress.finish();
    print_report(&read.report);
    Ok(PreparedInput {
        ids: read.ids,
        records: read.items,
    })
}
