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
