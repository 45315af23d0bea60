//! Random sequences of register / merge / unmerge / link / unlink keep the MPI's invariants
//! (every active source in exactly one enterprise identity, no identity with two usable INS,
//! index = store), and a merge followed by its unmerge restores the full state.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use proptest::prelude::*;
use vigie_core::record::{Field, IdentityRecord};
use vigie_engine::{Engine, MergeId};

const INS: [&str; 3] = ["260058815400233", "295109912611193", "255081416802538"];

#[derive(Debug, Clone)]
enum Op {
    Register {
        person: usize,
        domain: usize,
        local: usize,
        ins: Option<usize>,
    },
    Merge {
        a: usize,
        b: usize,
        domain: usize,
    },
    MergeUnmerge {
        a: usize,
        b: usize,
        domain: usize,
    },
    UnmergeLast,
    Link {
        a: (usize, usize),
        b: (usize, usize),
    },
    Unlink {
        a: (usize, usize),
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..4usize, 0..3usize, 0..4usize, proptest::option::of(0..3usize))
            .prop_map(|(person, domain, local, ins)| Op::Register { person, domain, local, ins }),
        1 => (0..4usize, 0..4usize, 0..3usize).prop_map(|(a, b, domain)| Op::Merge { a, b, domain }),
        2 => (0..4usize, 0..4usize, 0..3usize)
            .prop_map(|(a, b, domain)| Op::MergeUnmerge { a, b, domain }),
        1 => Just(Op::UnmergeLast),
        1 => ((0..3usize, 0..4usize), (0..3usize, 0..4usize)).prop_map(|(a, b)| Op::Link { a, b }),
        1 => (0..3usize, 0..4usize).prop_map(|a| Op::Unlink { a }),
    ]
}

fn record(person_n: usize, domain: usize, local: usize, ins: Option<usize>) -> IdentityRecord {
    let mut r = person(person_n, &format!("D{domain}"), &local.to_string());
    if let Some(i) = ins {
        let q = rec(&[
            (Field::RecordId, "x"),
            (Field::Ins, INS[i]),
            (Field::IdentityStatus, "QUAL"),
        ]);
        r.ins = q.ins;
        r.state = q.state;
    }
    r
}

fn check(engine: &Engine) -> Result<(), TestCaseError> {
    let report = engine.verify().unwrap();
    prop_assert!(report.problems.is_empty(), "{:?}", report.problems);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn random_sequences_keep_the_invariants(ops in proptest::collection::vec(op(), 1..14)) {
        let dir = tempfile::tempdir().unwrap();
        let engine = open(dir.path());
        let mut merges: Vec<MergeId> = Vec::new();
        for op in ops {
            match op {
                Op::Register { person, domain, local, ins } => {
                    let _ = engine.register(record(person, domain, local, ins), &actor());
                }
                Op::Merge { a, b, domain } => {
                    let d = format!("D{domain}");
                    if let Ok(id) = engine.merge(&key(&d, &a.to_string()), &key(&d, &b.to_string()), &actor()) {
                        merges.push(id);
                    }
                }
                Op::MergeUnmerge { a, b, domain } => {
                    let d = format!("D{domain}");
                    let before = dump(&engine);
                    if let Ok(id) = engine.merge(&key(&d, &a.to_string()), &key(&d, &b.to_string()), &actor()) {
                        check(&engine)?;
                        engine.unmerge(id, &actor()).unwrap();
                        prop_assert_eq!(dump(&engine), before);
                    } else {
                        prop_assert_eq!(dump(&engine), before);
                    }
                }
                Op::UnmergeLast => {
                    if let Some(id) = merges.pop() {
                        let _ = engine.unmerge(id, &actor());
                    }
                }
                Op::Link { a, b } => {
                    let _ = engine.link(
                        &key(&format!("D{}", a.0), &a.1.to_string()),
                        &key(&format!("D{}", b.0), &b.1.to_string()),
                        &actor(),
                    );
                }
                Op::Unlink { a } => {
                    let _ = engine.unlink(&key(&format!("D{}", a.0), &a.1.to_string()), &actor());
                }
            }
            check(&engine)?;
        }
        prop_assert_eq!(engine.verify_audit_chain().unwrap().is_ok(), true);
    }
}
