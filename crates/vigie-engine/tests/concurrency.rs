//! Concurrent registrations of one new person from many threads give exactly one enterprise
//! identity (the single-writer path), round after round.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::sync::{Arc, Barrier};

use common::*;

#[test]
fn sixteen_threads_registering_one_new_person_make_one_identity() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Arc::new(open(dir.path()));
    const THREADS: usize = 16;
    const ROUNDS: usize = 20;
    for round in 0..ROUNDS {
        let barrier = Arc::new(Barrier::new(THREADS));
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let engine = Arc::clone(&engine);
                let barrier = Arc::clone(&barrier);
                std::thread::spawn(move || {
                    let record = person(100 + round, &format!("H{t}"), &format!("R{round}"));
                    barrier.wait();
                    engine.register(record, &actor()).unwrap().enterprise
                })
            })
            .collect();
        let enterprises: BTreeSet<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(enterprises.len(), 1, "round {round}: {enterprises:?}");
        let id = enterprises.into_iter().next().unwrap();
        assert_eq!(
            engine.enterprise(&id).unwrap().unwrap().members.len(),
            THREADS
        );
        assert_eq!(engine.stats().unwrap().enterprises, round as u64 + 1);
    }
    assert!(engine.verify().unwrap().problems.is_empty());
}

/// Many threads auditing queries at once (the group commit of access records): every record is
/// in the trail exactly once, each thread's records in its call order, the chain verifies and
/// the store is consistent.
#[test]
fn concurrent_access_records_are_each_written_once_in_one_chain() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = vigie_engine::EngineConfig::new(dir.path());
    config.sync = vigie_engine::SyncPolicy::Always;
    let engine = Arc::new(vigie_engine::Engine::open(config).unwrap());
    engine.register(person(1, "H1", "P1"), &actor()).unwrap();
    const THREADS: usize = 16;
    const CALLS: usize = 50;
    let barrier = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let engine = Arc::clone(&engine);
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                barrier.wait();
                for i in 0..CALLS {
                    engine
                        .record_access(vigie_engine::AccessRecord {
                            actor: vigie_engine::Actor {
                                who: format!("t{t}"),
                                from: "127.0.0.1".into(),
                                channel: "mllp".into(),
                            },
                            action: "pix-query".into(),
                            outcome: format!("call{i}"),
                            patients: vec![vigie_engine::EnterpriseId::new("E1").unwrap()],
                        })
                        .unwrap();
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
    let records = engine.audit_records(0, 100_000).unwrap();
    let queries: Vec<_> = records.iter().filter(|r| r.action == "pix-query").collect();
    assert_eq!(queries.len(), THREADS * CALLS);
    let mut seen = BTreeSet::new();
    for t in 0..THREADS {
        let calls: Vec<&str> = queries
            .iter()
            .filter(|r| r.actor.who == format!("t{t}"))
            .map(|r| r.outcome.as_str())
            .collect();
        let expected: Vec<String> = (0..CALLS).map(|i| format!("call{i}")).collect();
        assert_eq!(calls, expected, "thread {t}");
        for r in queries.iter().filter(|r| r.actor.who == format!("t{t}")) {
            assert!(seen.insert((r.actor.who.clone(), r.outcome.clone())));
            assert_eq!(r.subjects, vec!["E1".to_owned()]);
        }
    }
    let seqs: Vec<u64> = records.iter().map(|r| r.seq).collect();
    let expected: Vec<u64> = (1..=records.len() as u64).collect();
    assert_eq!(seqs, expected);
    assert_eq!(
        engine.verify_audit_chain().unwrap(),
        Ok(records.len() as u64)
    );
    assert!(engine.verify().unwrap().problems.is_empty());
}
