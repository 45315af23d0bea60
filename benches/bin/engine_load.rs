//! `vigie-engine-load`: sustained online load on a store, for BENCHMARKS.md — registrations of
//! new identities (durable, several threads) and demographic searches, with throughput and
//! latency percentiles printed as one JSON object.
//!
//! usage: vigie-engine-load --data-dir D --input NEW.csv [--count N] [--threads T]
//!        [--searches M] [--seconds S]
//! The store is typically loaded first with `vigie import` (1,000,000 identities); NEW.csv holds
//! identities to register (e.g. `vigie generate` with another seed). Bounded in count and time.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use vigie_batch::input::{ReadOptions, read_path};
use vigie_engine::{Actor, Engine, EngineConfig, LocalId, SearchQuery, SyncPolicy};

/// mimalloc instead of the system allocator: the same allocator as the server, whose
/// registrations this tool reproduces in-process.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct Args {
    data_dir: PathBuf,
    input: PathBuf,
    count: usize,
    threads: usize,
    searches: usize,
    seconds: u64,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args {
        data_dir: PathBuf::new(),
        input: PathBuf::new(),
        count: 20_000,
        threads: 4,
        searches: 5_000,
        seconds: 120,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().with_context(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--data-dir" => args.data_dir = value.into(),
            "--input" => args.input = value.into(),
            "--count" => args.count = value.parse()?,
            "--threads" => args.threads = value.parse()?,
            "--searches" => args.searches = value.parse()?,
            "--seconds" => args.seconds = value.parse()?,
            other => bail!("unknown flag {other}"),
        }
    }
    if args.data_dir.as_os_str().is_empty() || args.input.as_os_str().is_empty() {
        bail!(
            "usage: vigie-engine-load --data-dir D --input NEW.csv [--count N] [--threads T] [--searches M] [--seconds S]"
        );
    }
    Ok(args)
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted
        .get(rank.min(sorted.len() - 1))
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

fn summary(name: &str, mut latencies: Vec<Duration>, wall: Duration) -> serde_json::Value {
    latencies.sort_unstable();
    let n = latencies.len();
    serde_json::json!({
        "phase": name,
        "operations": n,
        "wall_s": wall.as_secs_f64(),
        "per_second": n as f64 / wall.as_secs_f64().max(1e-9),
        "p50_ms": percentile(&latencies, 0.50),
        "p95_ms": percentile(&latencies, 0.95),
        "p99_ms": percentile(&latencies, 0.99),
        "max_ms": latencies.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0),
    })
}

fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    let input = read_path(&args.input, &ReadOptions::default())
        .with_context(|| format!("reading {}", args.input.display()))?;
    // New identities: the generator numbers local ids the same way for every seed, so each
    // local id is prefixed to make every registration a creation, not an update.
    let records: Vec<_> = input
        .records
        .into_iter()
        .map(|mut record| {
            record.local_id = record
                .local_id
                .and_then(|id| LocalId::new(&format!("NEW-{id}")).ok());
            record
        })
        .collect();
    let engine = Engine::open(EngineConfig {
        data_dir: args.data_dir.clone(),
        model: None,
        sync: SyncPolicy::Always,
        candidate_limit: 100,
        cache_mb: 0,
    })?;
    let before = engine.stats()?;
    let actor = Actor {
        who: "load".into(),
        from: "127.0.0.1".into(),
        channel: "bench".into(),
    };
    let deadline = Instant::now() + Duration::from_secs(args.seconds);

    // Registrations: `threads` writers share one counter over the new records.
    let count = args.count.min(records.len());
    let next = AtomicUsize::new(0);
    let start = Instant::now();
    let mut latencies: Vec<Duration> = Vec::with_capacity(count);
    let mut errors = 0usize;
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..args.threads.max(1))
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    let mut failed = 0usize;
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= count || Instant::now() > deadline {
                            break;
                        }
                        let Some(record) = records.get(i) else { break };
                        let t = Instant::now();
                        match engine.register(record.clone(), &actor) {
                            Ok(_) => mine.push(t.elapsed()),
                            Err(_) => failed += 1,
                        }
                    }
                    (mine, failed)
                })
            })
            .collect();
        for handle in handles {
            if let Ok((mine, failed)) = handle.join() {
                latencies.extend(mine);
                errors += failed;
            }
        }
    });
    let register = summary("register", latencies, start.elapsed());

    // Searches: family + given + birth date of records just registered (one thread: the
    // latency a PDQ client sees).
    let mut latencies = Vec::with_capacity(args.searches);
    let start = Instant::now();
    for record in records
        .iter()
        .cycle()
        .take(args.searches.min(records.len() * 4))
    {
        if Instant::now() > deadline {
            break;
        }
        let query = SearchQuery {
            family: record
                .birth_name
                .clone()
                .or_else(|| record.used_name.clone()),
            given: record
                .first_names
                .as_deref()
                .and_then(|f| f.split_whitespace().next())
                .map(str::to_owned),
            birth_date: record.birth_date,
            limit: 10,
            ..SearchQuery::default()
        };
        let t = Instant::now();
        if engine.search(&query).is_ok() {
            latencies.push(t.elapsed());
        } else {
            errors += 1;
        }
    }
    let search = summary("search", latencies, start.elapsed());
    let after = engine.stats()?;
    let out = serde_json::json!({
        "threads": args.threads,
        "sources_before": before.sources,
        "sources_after": after.sources,
        "enterprises_after": after.enterprises,
        "errors": errors,
        "register": register,
        "search": search,
    });
    println!("{out}");
    Ok(())
}
