//! On-disk compatibility: `data/compat/store-format-1.jsonl` holds every row (all column
//! families but the derived index) of a store written by format 1 through a scenario that
//! touches every kind of row — links, a review separated, an A40 merge, an unlink, an A47 id
//! change, a removal, a query audit, acknowledged notifications. A store rebuilt from those
//! bytes must open with today's code, verify clean (audit chain included) and keep working:
//! unmerge the old merge, register, search. The fixture is written once per format; today's
//! code must still write the same rows for the same scenario (keys and value versions).
//!
//! To write the fixture of a new format: `VIGIE_WRITE_COMPAT_FIXTURE=1 cargo test -p
//! vigie-engine --test compat`, then commit it under a new name (never overwrite an old one).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::*;
use vigie_core::matching::model::Decision;
use vigie_engine::{AccessRecord, Engine, LinkOutcome, MergeId, Resolution, SearchQuery};
use vigie_store::Cf;
use vigie_store::codec::VALUE_FORMAT;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/compat/store-format-1.jsonl")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

/// The scenario, on a fresh engine.
fn scenario(engine: &Engine) {
    let a = actor();
    engine.register(person(1, "H1", "1"), &a).unwrap();
    let linked = engine.register(person(1, "H2", "9"), &a).unwrap();
    assert_eq!(linked.outcome, LinkOutcome::Linked);
    engine.register(person(2, "H1", "2"), &a).unwrap();
    engine.register(person(3, "H1", "5"), &a).unwrap();
    engine.register(person(11, "H1", "3"), &a).unwrap();
    let mut twin = person(11, "H1", "4");
    twin.first_names = Some("ZOE".into());
    let LinkOutcome::CreatedPendingReview(review) = engine.register(twin, &a).unwrap().outcome
    else {
        panic!("the twin should go to review");
    };
    engine
        .review_resolve(review, Resolution::Separate, &a)
        .unwrap();
    assert_eq!(
        engine.merge(&key("H1", "2"), &key("H1", "5"), &a).unwrap(),
        MergeId(1)
    );
    engine.unlink(&key("H2", "9"), &a).unwrap();
    engine
        .change_local_id(&key("H1", "3"), &key("H1", "30"), &a)
        .unwrap();
    engine.register(person(4, "H2", "8"), &a).unwrap();
    engine.remove(&key("H2", "8"), &a).unwrap();
    let patient = engine.source(&key("H1", "1")).unwrap().unwrap().enterprise;
    engine
        .record_access(AccessRecord {
            actor: a.clone(),
            action: "pix-query".into(),
            outcome: "ok".into(),
            patients: vec![patient],
        })
        .unwrap();
    let notes = engine.notifications(0, 3).unwrap();
    engine.ack_notifications(notes[2].seq).unwrap();
    engine.flush_index().unwrap();
}

/// Every row of every column family: (cf, key, format byte, JSON body).
fn rows(engine: &Engine) -> Vec<(String, String, u8, String)> {
    let mut out = Vec::new();
    for cf in Cf::ALL {
        if cf == Cf::IndexOutbox {
            // Derived: its entries disappear as the index commits.
            continue;
        }
        engine
            .store()
            .scan(cf, &[], &mut |k, v| {
                let (format, body) = v.split_first().unwrap();
                out.push((
                    cf.name().to_owned(),
                    hex(k),
                    *format,
                    String::from_utf8(body.to_vec()).unwrap(),
                ));
                Ok(true)
            })
            .unwrap();
    }
    out
}

fn read_fixture() -> Vec<(String, String, u8, String)> {
    let text = std::fs::read_to_string(fixture()).expect("the compatibility fixture");
    text.lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            (
                v["cf"].as_str().unwrap().to_owned(),
                v["key"].as_str().unwrap().to_owned(),
                u8::try_from(v["format"].as_u64().unwrap()).unwrap(),
                v["body"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn today_writes_the_rows_of_format_1() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path());
    scenario(&engine);
    let now = rows(&engine);
    if std::env::var_os("VIGIE_WRITE_COMPAT_FIXTURE").is_some() {
        let mut text = String::new();
        for (cf, key, format, body) in &now {
            let line = serde_json::json!({"cf": cf, "key": key, "format": format, "body": body});
            text.push_str(&line.to_string());
            text.push('\n');
        }
        std::fs::create_dir_all(fixture().parent().unwrap()).unwrap();
        std::fs::write(fixture(), text).unwrap();
    }
    let old = read_fixture();
    let shape = |rows: &[(String, String, u8, String)]| -> BTreeSet<(String, String, u8)> {
        rows.iter()
            .map(|(cf, k, f, _)| (cf.clone(), k.clone(), *f))
            .collect()
    };
    assert_eq!(shape(&now), shape(&old), "rows differ from format 1");
    assert!(now.iter().all(|(_, _, f, _)| *f == VALUE_FORMAT));
}

#[test]
fn a_format_1_store_opens_verifies_and_keeps_working() {
    let dir = tempfile::tempdir().unwrap();
    // Create the column families, then write the old rows underneath.
    drop(open(dir.path()));
    {
        let db = vigie_store::rocksdb::DB::open_cf(
            &{
                let mut o = vigie_store::rocksdb::Options::default();
                o.create_if_missing(true);
                o
            },
            dir.path().join("db"),
            Cf::ALL.iter().map(|cf| cf.name()),
        )
        .unwrap();
        for (cf, key, format, body) in read_fixture() {
            let mut value = vec![format];
            value.extend_from_slice(body.as_bytes());
            db.put_cf(db.cf_handle(&cf).unwrap(), unhex(&key), value)
                .unwrap();
        }
    }
    // The index is derived: the old store comes without one.
    std::fs::remove_dir_all(dir.path().join("index")).unwrap();
    let engine = open(dir.path());
    let report = engine.verify().unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let Ok(audited) = engine.verify_audit_chain().unwrap() else {
        panic!("the old audit chain no longer verifies");
    };
    assert!(audited >= 12, "{audited}");
    let stats = engine.stats().unwrap();
    assert_eq!(stats.open_reviews, 0);
    assert_eq!(
        stats.pending_notifications,
        engine.notifications(0, 1000).unwrap().len() as u64
    );
    // The unlinked pair stays apart, the A47 change and the removal hold.
    let one = engine.source(&key("H1", "1")).unwrap().unwrap().enterprise;
    let nine = engine.source(&key("H2", "9")).unwrap().unwrap().enterprise;
    assert_ne!(one, nine);
    assert!(engine.source(&key("H1", "3")).unwrap().is_none());
    assert!(engine.source(&key("H1", "30")).unwrap().is_some());
    assert!(engine.source(&key("H2", "8")).unwrap().is_none());
    // Decisions and history are readable.
    let history = engine.history(&one).unwrap();
    let linked = history
        .iter()
        .find(|h| h.kind == "linked")
        .expect("the link is in the history");
    let decision = engine.explain(linked.decision.unwrap()).unwrap().unwrap();
    assert_eq!(decision.decision, Decision::AutoLink);
    // The old merge can still be undone exactly.
    let merged = engine.source(&key("H1", "5")).unwrap().unwrap();
    assert_eq!(merged.merged_into, Some(key("H1", "2")));
    // The scenario's only merge (ids count from 1).
    engine.unmerge(MergeId(1), &actor()).unwrap();
    let back = engine.source(&key("H1", "5")).unwrap().unwrap();
    assert_eq!(back.merged_into, None);
    // New registrations find the old identities through the rebuilt index.
    let again = engine.register(person(2, "H3", "7"), &actor()).unwrap();
    assert_eq!(again.outcome, LinkOutcome::Linked);
    assert_eq!(
        again.enterprise,
        engine.source(&key("H1", "2")).unwrap().unwrap().enterprise
    );
    let hits = engine
        .search(&SearchQuery {
            identifier: Some(key("H1", "30")),
            ..SearchQuery::default()
        })
        .unwrap();
    assert_eq!(hits.len(), 1);
    assert!(engine.verify().unwrap().problems.is_empty());
    assert!(engine.verify_audit_chain().unwrap().is_ok());
}
