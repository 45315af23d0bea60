//! The matching engine end to end: golden pairs with their expected decisions (INS match and
//! veto, twins, family members, typos, day/month swap, used name, inversion, collision,
//! fictitious identity, sex conflict), EM convergence on generated data, determinism whatever
//! the thread count, accuracy floor, and the `vigie explain` output.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use rustc_hash::FxHashMap;
use vigie_batch::input::{ReadOptions, read_path, read_path_mapped, read_records};
use vigie_batch::pipeline::{self, NoProgress, PipelineOptions};
use vigie_batch::{metrics, model_file};
use vigie_core::matching::comparison::{ComparisonKind, level};
use vigie_core::matching::model::{Decision, Model, default_parts};
use vigie_core::matching::prepare::MatchRecord;
use vigie_core::record::IdentityRecord;

fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
}

/// A generated population: records and truth (`record_id` → `person_id`).
struct Population {
    records: Vec<IdentityRecord>,
    truth: Vec<(String, String)>,
}

fn population(persons: u64, seed: u64) -> Population {
    let config = vigie_synth::GenerateConfig::new(persons, seed);
    let (records_csv, truth_csv) = vigie_synth::generate_table(&config);
    let input = read_records(records_csv.as_bytes(), &ReadOptions::default()).expect("read");
    let truth = truth_csv
        .lines()
        .skip(1)
        .filter_map(|line| line.split_once(','))
        .map(|(r, p)| (r.to_owned(), p.to_owned()))
        .collect();
    Population {
        records: input.records,
        truth,
    }
}

fn small_options() -> PipelineOptions {
    PipelineOptions {
        random_pairs: 300_000,
        ..PipelineOptions::default()
    }
}

/// A model trained on a generated population of 4,000 persons (about 6,000 records).
fn trained() -> &'static (Model, f64) {
    static MODEL: OnceLock<(Model, f64)> = OnceLock::new();
    MODEL.get_or_init(|| {
        let population = population(4000, 11);
        let records = pipeline::prepare(&population.records, &NoProgress);
        let (model, _, _) =
            pipeline::train_on(&records, &small_options(), &NoProgress).expect("train");
        let mut sizes: FxHashMap<&str, u64> = FxHashMap::default();
        for (_, person) in &population.truth {
            *sizes.entry(person).or_insert(0) += 1;
        }
        let true_pairs: u64 = sizes.values().map(|n| n * (n - 1) / 2).sum();
        let n = records.len() as f64;
        (model, true_pairs as f64 / (n * (n - 1.0) / 2.0))
    })
}

fn golden_records() -> (Vec<String>, Vec<MatchRecord>) {
    let input = read_path(
        &workspace().join("data/golden/records.csv"),
        &ReadOptions::default(),
    )
    .expect("golden records");
    assert!(
        input.report.bad_rows.is_empty(),
        "{:?}",
        input.report.bad_rows
    );
    let ids = input
        .records
        .iter()
        .map(|r| r.record_id.as_str().to_owned())
        .collect();
    (ids, pipeline::prepare(&input.records, &NoProgress))
}

#[test]
fn golden_pairs_get_their_expected_decisions() {
    let (model, _) = trained();
    let (ids, mut records) = golden_records();
    pipeline::apply_term_frequencies(&mut records, model);
    let find = |id: &str| {
        ids.iter()
            .position(|r| r == id)
            .unwrap_or_else(|| panic!("no record {id}"))
    };
    let pairs =
        std::fs::read_to_string(workspace().join("data/golden/pairs.csv")).expect("golden pairs");
    let mut failures = Vec::new();
    let mut cases = 0;
    for line in pairs.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split(',').collect();
        let [case, left, right, decision, rule] = cols[..] else {
            panic!("bad line {line}")
        };
        cases += 1;
        let (a, b) = (&records[find(left)], &records[find(right)]);
        let score = model.score(a, b);
        let decision_ok = match decision {
            "not_auto_link" => score.decision != Decision::AutoLink,
            expected => score.decision.name() == expected,
        };
        let rule_ok = rule.is_empty() || score.rule.map(|r| r.name()) == Some(rule);
        if !(decision_ok && rule_ok) {
            failures.push(format!(
                "{case}: got {} / {:?} (weight {:.2}), expected {decision} / {rule}\n{}",
                score.decision.name(),
                score.rule.map(|r| r.name()),
                score.match_weight,
                model.explain(a, b).render()
            ));
        }
    }
    assert!(cases >= 12);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn em_converges_on_generated_data() {
    let population = population(4000, 11);
    let records = pipeline::prepare(&population.records, &NoProgress);
    let (model, report, _) =
        pipeline::train_on(&records, &small_options(), &NoProgress).expect("train");
    assert!(
        report.sessions.iter().all(|s| s.converged),
        "{:?}",
        report.sessions
    );
    assert!(report.untrained.is_empty(), "{:?}", report.untrained);
    let name = &model.parts().comparisons[ComparisonKind::BirthName.index()];
    let exact = usize::from(level::name::EXACT);
    assert!(
        name.m[exact] > 0.7,
        "m(birth name exact) = {}",
        name.m[exact]
    );
    assert!(
        name.u[exact] < 0.01,
        "u(birth name exact) = {}",
        name.u[exact]
    );
    let date = &model.parts().comparisons[ComparisonKind::BirthDate.index()];
    assert!(
        date.m[usize::from(level::date::EXACT)] > 0.7,
        "{:?}",
        date.m
    );
    let (_, true_lambda) = trained();
    let ratio = report.lambda.chosen / true_lambda;
    assert!(
        (0.5..=2.0).contains(&ratio),
        "lambda {} vs true {true_lambda}",
        report.lambda.chosen
    );
    let ins = report.lambda.from_ins.expect("usable INS estimate");
    assert!(
        (0.33..=3.0).contains(&(ins / true_lambda)),
        "INS lambda {ins} vs true {true_lambda}"
    );
}

fn dedupe_with_threads(records: &[IdentityRecord], threads: usize) -> pipeline::DedupeOutcome {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        let mut prepared = pipeline::prepare(records, &NoProgress);
        pipeline::dedupe(&mut prepared, None, &small_options(), &NoProgress).expect("dedupe")
    })
}

#[test]
fn dedupe_is_deterministic_whatever_the_thread_count() {
    let population = population(1500, 5);
    let one = dedupe_with_threads(&population.records, 1);
    let two = dedupe_with_threads(&population.records, 2);
    let three = dedupe_with_threads(&population.records, 3);
    assert_eq!(one.model.version(), two.model.version());
    assert_eq!(one.clustering, two.clustering);
    assert_eq!(one.clustering, three.clustering);
    let key = |o: &pipeline::DedupeOutcome| {
        o.pairs
            .iter()
            .map(|p| (p.left, p.right, p.weight.to_bits(), p.decision))
            .collect::<Vec<_>>()
    };
    assert_eq!(key(&one), key(&two));
    assert_eq!(key(&one), key(&three));
}

#[test]
fn dedupe_is_accurate_on_generated_data() {
    let population = population(3000, 23);
    let outcome = dedupe_with_threads(&population.records, 2);
    let ids: Vec<&str> = population
        .records
        .iter()
        .map(|r| r.record_id.as_str())
        .collect();
    let clusters: FxHashMap<&str, &str> = outcome
        .clustering
        .cluster_of
        .iter()
        .enumerate()
        .map(|(i, &c)| (ids[i], ids[c as usize]))
        .collect();
    let m = metrics::pairwise(
        population
            .truth
            .iter()
            .map(|(r, p)| (r.as_str(), p.as_str())),
        &clusters,
    );
    assert!(m.f1 > 0.95, "{m:?}");
    let truth: FxHashMap<&str, &str> = population
        .truth
        .iter()
        .map(|(r, p)| (r.as_str(), p.as_str()))
        .collect();
    let links = outcome
        .pairs
        .iter()
        .filter(|p| p.decision == Decision::AutoLink)
        .map(|p| (ids[p.left as usize], ids[p.right as usize]));
    let precision = metrics::link_precision(&truth, links);
    assert!(precision.precision > 0.99, "{precision:?}");
    // No cluster holds two different usable INS.
    let mut ins_of_cluster: FxHashMap<u32, String> = FxHashMap::default();
    for (record, &cluster) in population
        .records
        .iter()
        .zip(&outcome.clustering.cluster_of)
    {
        if let Some(ins) = record.ins.as_ref().filter(|_| record.state.ins_usable()) {
            let seen = ins_of_cluster
                .entry(cluster)
                .or_insert_with(|| ins.matricule().to_owned());
            assert_eq!(seen, ins.matricule(), "two usable INS in cluster {cluster}");
        }
    }
}

#[test]
fn explain_prints_the_waterfall() {
    let dir = tempfile::tempdir().unwrap();
    let model_path: PathBuf = dir.path().join("model.json");
    let model = Model::new(default_parts()).unwrap();
    model_file::save(&model_path, &model, None).unwrap();
    let records = workspace().join("data/golden/records.csv");
    let (code, out, err) = crate::ins_cli::vigie(&[
        "explain",
        "--input",
        records.to_str().unwrap(),
        "--left",
        "G05A",
        "--right",
        "G05B",
        "--model",
        model_path.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!(out);
}

/// Reading with each record prepared by the worker that parsed it (what `vigie dedupe` does)
/// gives the records, ids and report of reading first and preparing afterwards, whatever the
/// number of threads.
#[test]
fn preparing_while_reading_matches_reading_then_preparing() {
    let config = vigie_synth::GenerateConfig::new(3000, 5);
    let (records_csv, _) = vigie_synth::generate_table(&config);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("records.csv");
    std::fs::write(&path, &records_csv).unwrap();
    let input = read_path(&path, &ReadOptions::default()).unwrap();
    let expected = pipeline::prepare(&input.records, &NoProgress);
    for threads in [1, 3] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let mapped = pool.install(|| {
            let mapped = read_path_mapped(&path, &ReadOptions::default(), |record| {
                let prepared = pipeline::prepare_cached(&record);
                (record.record_id, prepared)
            })
            .unwrap();
            pipeline::clear_name_caches();
            mapped
        });
        assert_eq!(mapped.items, expected);
        let ids: Vec<_> = input.records.iter().map(|r| r.record_id.clone()).collect();
        assert_eq!(mapped.ids, ids);
        assert_eq!(mapped.lines, input.lines);
        assert_eq!(mapped.report, input.report);
    }
}
