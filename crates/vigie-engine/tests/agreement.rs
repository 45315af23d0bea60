//! Online registration and `vigie dedupe` (the batch pipeline) give the same score and decision
//! to the same pair, and the same identities on clean data; a bulk import gives the batch
//! clusters.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;

use common::*;
use vigie_batch::pipeline::{self, NoProgress, PipelineOptions};
use vigie_core::record::IdentityRecord;
use vigie_engine::SourceKey;

/// Persons with duplicates carrying typos, missing values and swapped names.
fn records() -> Vec<IdentityRecord> {
    let mut out = Vec::new();
    for n in 0..40 {
        out.push(person(n, "H1", &format!("a{n}")));
        if n % 3 == 0 {
            let mut dup = person(n, "H2", &format!("b{n}"));
            if n % 2 == 0 {
                let name = dup.birth_name.clone().unwrap();
                dup.birth_name = Some(format!("{name}E"));
            }
            if n % 4 == 0 {
                dup.birth_place = None;
            }
            out.push(dup);
        }
        if n % 7 == 0 {
            // A possible twin: a review-band pair.
            let mut twin = person(n, "H3", &format!("c{n}"));
            twin.first_names = Some("ZOE".into());
            out.push(twin);
        }
    }
    out
}

fn key_of(r: &IdentityRecord) -> SourceKey {
    SourceKey {
        domain: r.source.clone().unwrap(),
        local_id: r.local_id.clone().unwrap(),
    }
}

#[test]
fn online_and_batch_score_pairs_alike() {
    let records = records();
    let engine_dir = tempfile::tempdir().unwrap();
    let engine = open(engine_dir.path());
    let model = engine.model().clone();
    let mut prepared = pipeline::prepare(&records, &NoProgress);
    let batch = pipeline::dedupe(
        &mut prepared,
        Some(model),
        &PipelineOptions::default(),
        &NoProgress,
    )
    .unwrap();
    let mut online: BTreeMap<(SourceKey, SourceKey), (String, f64)> = BTreeMap::new();
    for r in &records {
        let outcome = engine.register(r.clone(), &actor()).unwrap();
        for id in outcome.decisions {
            let d = engine.explain(id).unwrap().unwrap();
            let (a, b) = d.pair.clone();
            let pair = if a < b { (a, b) } else { (b, a) };
            online.insert(
                pair,
                (d.decision.name().to_owned(), d.explanation.match_weight),
            );
        }
    }
    assert!(batch.pairs.len() >= 10, "{} pairs", batch.pairs.len());
    for p in &batch.pairs {
        let (a, b) = (
            key_of(&records[p.left as usize]),
            key_of(&records[p.right as usize]),
        );
        let pair = if a < b { (a, b) } else { (b, a) };
        let (decision, weight) = online
            .get(&pair)
            .unwrap_or_else(|| panic!("batch pair {pair:?} not scored online"));
        assert_eq!(decision, p.decision.name(), "{pair:?}");
        assert!(
            (weight - p.weight).abs() < 1e-6,
            "{pair:?}: {weight} vs {}",
            p.weight
        );
    }
    assert_eq!(
        online.len(),
        batch.pairs.len(),
        "online kept pairs the batch did not"
    );
    // Same identities: records grouped alike.
    let mut batch_groups: BTreeMap<u32, Vec<SourceKey>> = BTreeMap::new();
    for (i, c) in batch.clustering.cluster_of.iter().enumerate() {
        batch_groups
            .entry(*c)
            .or_default()
            .push(key_of(&records[i]));
    }
    let mut online_groups: BTreeMap<String, Vec<SourceKey>> = BTreeMap::new();
    engine
        .export(&mut |s| {
            online_groups
                .entry(s.enterprise.to_string())
                .or_default()
                .push(s.key.clone())
        })
        .unwrap();
    let mut b: Vec<Vec<SourceKey>> = batch_groups
        .into_values()
        .map(|mut v| {
            v.sort();
            v
        })
        .collect();
    let mut o: Vec<Vec<SourceKey>> = online_groups
        .into_values()
        .map(|mut v| {
            v.sort();
            v
        })
        .collect();
    b.sort();
    o.sort();
    assert_eq!(o, b);

    // A bulk import of the same records gives the same identities.
    let import_dir = tempfile::tempdir().unwrap();
    let imported = open(import_dir.path());
    let stats = imported.import(records.clone(), &actor()).unwrap();
    assert_eq!(stats.sources, records.len() as u64);
    assert_eq!(stats.enterprises, b.len() as u64);
    let mut groups: BTreeMap<String, Vec<SourceKey>> = BTreeMap::new();
    imported
        .export(&mut |s| {
            groups
                .entry(s.enterprise.to_string())
                .or_default()
                .push(s.key.clone())
        })
        .unwrap();
    let mut g: Vec<Vec<SourceKey>> = groups.into_values().collect();
    g.sort();
    assert_eq!(g, b);
    let report = imported.verify().unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    // The imported identities are found online afterwards.
    let again = imported.register(person(3, "H9", "z"), &actor()).unwrap();
    assert_eq!(again.outcome, vigie_engine::LinkOutcome::Linked);
}
