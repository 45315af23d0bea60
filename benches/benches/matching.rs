//! Criterion benchmarks of the matching engine on a generated French population (vigie-synth,
//! 20,000 persons, seeded): pair comparison and scoring throughput on real candidate pairs, and
//! blocking throughput (records per second), each on one thread so the figures are per core.
//!
//! The population is generated, read and prepared once; each benchmark processes a fixed slice
//! of candidates (or the whole file for blocking) and reports `Throughput::Elements`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use vigie_batch::input::{ReadOptions, read_records};
use vigie_batch::pipeline::{self, Candidate, NoProgress, PipelineOptions};
use vigie_core::matching::comparison::compare;
use vigie_core::matching::model::Model;
use vigie_core::matching::prepare::MatchRecord;

struct Fixture {
    records: Vec<MatchRecord>,
    candidates: Vec<Candidate>,
    model: Model,
    options: PipelineOptions,
}

fn fixture() -> Option<Fixture> {
    let config = vigie_synth::GenerateConfig::new(20_000, 3);
    let (records_csv, _) = vigie_synth::generate_table(&config);
    let input = read_records(records_csv.as_bytes(), &ReadOptions::default()).ok()?;
    let mut records = pipeline::prepare(&input.records, &NoProgress);
    let options = PipelineOptions {
        random_pairs: 200_000,
        ..PipelineOptions::default()
    };
    let (mut candidates, _) =
        pipeline::block(&records, &options.rules, options.limits, &NoProgress).ok()?;
    pipeline::compare_candidates(&records, &mut candidates, &NoProgress);
    let (model, _) = pipeline::train(&records, &candidates, &options, &NoProgress).ok()?;
    pipeline::apply_term_frequencies(&mut records, &model);
    candidates.truncate(50_000);
    Some(Fixture {
        records,
        candidates,
        model,
        options,
    })
}

fn matching(c: &mut Criterion) {
    let Ok(pool) = rayon::ThreadPoolBuilder::new().num_threads(1).build() else {
        return;
    };
    let Some(f) = pool.install(fixture) else {
        return;
    };
    let pair = |c: &Candidate| (&f.records[c.left as usize], &f.records[c.right as usize]);

    let mut group = c.benchmark_group("matching");
    group.throughput(Throughput::Elements(f.candidates.len() as u64));
    group.bench_function("compare candidate pairs", |b| {
        b.iter(|| {
            for c in &f.candidates {
                let (x, y) = pair(c);
                black_box(compare(x, y));
            }
        })
    });
    group.bench_function("compare and score candidate pairs", |b| {
        b.iter(|| {
            for c in &f.candidates {
                let (x, y) = pair(c);
                black_box(f.model.score(x, y));
            }
        })
    });
    group.bench_function("score compared pairs (weight, band, rules)", |b| {
        b.iter(|| {
            for c in &f.candidates {
                let (x, y) = pair(c);
                black_box(f.model.score_vector(c.vector, x, y));
            }
        })
    });
    let random = pipeline::sample_pairs(f.records.len(), 50_000, 1);
    group.bench_function("compare random pairs (u sampling)", |b| {
        b.iter(|| {
            for &(i, j) in &random {
                black_box(compare(&f.records[i as usize], &f.records[j as usize]));
            }
        })
    });
    group.finish();

    let mut group = c.benchmark_group("blocking");
    group.sample_size(10);
    group.throughput(Throughput::Elements(f.records.len() as u64));
    group.bench_function("all rules, one thread (records)", |b| {
        b.iter(|| {
            pool.install(|| {
                black_box(
                    pipeline::block(&f.records, &f.options.rules, f.options.limits, &NoProgress)
                        .ok(),
                )
            })
        })
    });
    group.finish();
}

criterion_group!(benches, matching);
criterion_main!(benches);
