//! The engine's use cases against the real store (RocksDB + tantivy in temporary directories).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use vigie_core::matching::model::Decision;
use vigie_core::record::Field;
use vigie_engine::{
    AccessRecord, DomainId, ErrorKind, FLAG_INS_COLLISION, LinkOutcome, Resolution, SearchQuery,
};
use vigie_store::Cf;

#[test]
fn the_same_person_links_and_another_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path());
    let a = engine.register(person(1, "H1", "1"), &actor()).unwrap();
    assert_eq!(a.outcome, LinkOutcome::Created);
    assert!(!a.updated);
    let b = engine.register(person(1, "H2", "9"), &actor()).unwrap();
    assert_eq!(b.outcome, LinkOutcome::Linked);
    assert_eq!(b.enterprise, a.enterprise);
    assert!(!b.decisions.is_empty());
    let stored = engine.explain(b.decisions[0]).unwrap().unwrap();
    assert_eq!(stored.decision, Decision::AutoLink);
    assert_eq!(stored.pair, (key("H2", "9"), key("H1", "1")));
    assert_ne!(stored.blocking_rule, "manual");
    let c = engine.register(person(2, "H1", "2"), &actor()).unwrap();
    assert_eq!(c.outcome, LinkOutcome::Created);
    assert_ne!(c.enterprise, a.enterprise);
    let xref = engine
        .cross_reference(&key("H1", "1"), &[DomainId::new("H2").unwrap()])
        .unwrap();
    assert_eq!(xref.keys, vec![key("H2", "9")]);
    assert_eq!(xref.ins, None);
    let stats = engine.stats().unwrap();
    assert_eq!((stats.sources, stats.enterprises), (3, 2));
    // An update keeps the enterprise.
    let again = engine.register(person(1, "H2", "9"), &actor()).unwrap();
    assert!(again.updated);
    assert_eq!(again.outcome, LinkOutcome::Unchanged);
    assert_eq!(again.enterprise, a.enterprise);
    // Notifications: one per change of keys.
    let notes = engine.notifications(0, 100).unwrap();
    assert_eq!(notes.len(), 3);
    engine.ack_notifications(notes[1].seq).unwrap();
    assert_eq!(engine.stats().unwrap().pending_notifications, 1);
    let history = engine.history(&a.enterprise).unwrap();
    let kinds: Vec<&str> = history.iter().map(|h| h.kind.as_str()).collect();
    assert_eq!(kinds, vec!["registered", "linked", "updated"]);
    assert!(engine.verify().unwrap().problems.is_empty());
    assert_eq!(engine.verify_audit_chain().unwrap(), Ok(4));
}

#[test]
fn search_finds_by_demographics_and_filters_domains() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path());
    for n in 0..30 {
        engine
            .register(person(n, "H1", &n.to_string()), &actor())
            .unwrap();
    }
    engine.register(person(5, "H2", "x5"), &actor()).unwrap();
    let target = person(5, "H1", "5");
    let query = SearchQuery {
        family: target.birth_name.clone(),
        birth_date: target.birth_date,
        limit: 5,
        ..SearchQuery::default()
    };
    let hits = engine.search(&query).unwrap();
    assert!(!hits.is_empty());
    assert!(hits[0].keys.contains(&key("H1", "5")), "{:?}", hits[0].keys);
    assert!((hits[0].score - 1.0).abs() < 1e-9);
    assert!(hits.iter().all(|h| (0.0..=1.0).contains(&h.score)));
    let filtered = engine
        .search(&SearchQuery {
            domains: vec![DomainId::new("H2").unwrap()],
            ..query.clone()
        })
        .unwrap();
    assert_eq!(filtered[0].keys, vec![key("H2", "x5")]);
    // A typo in the name still finds the person (phonetic keys).
    let typo = engine
        .search(&SearchQuery {
            family: Some(format!("{}E", target.birth_name.clone().unwrap())),
            given: target.first_names.clone(),
            birth_date: target.birth_date,
            limit: 3,
            ..SearchQuery::default()
        })
        .unwrap();
    assert!(typo.iter().any(|h| h.keys.contains(&key("H1", "5"))));
    assert_eq!(
        engine.search(&SearchQuery::default()).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    // $match gives the model's probability.
    let m = engine.match_identity(&person(5, "H3", "q"), 3).unwrap();
    assert!(m[0].keys.contains(&key("H1", "5")));
    assert_eq!(m[0].decision, Decision::AutoLink);
    engine
        .record_access(AccessRecord {
            actor: actor(),
            action: "pdq-query".into(),
            outcome: "ok".into(),
            patients: vec![m[0].enterprise.clone()],
        })
        .unwrap();
    let last = engine.audit_records(0, 1000).unwrap().pop().unwrap();
    assert_eq!(last.action, "pdq-query");
    assert_eq!(last.subjects, vec![m[0].enterprise.to_string()]);
}

#[test]
fn an_unlink_is_remembered() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path());
    let a = engine.register(person(3, "H1", "1"), &actor()).unwrap();
    engine.register(person(3, "H2", "1"), &actor()).unwrap();
    let fresh = engine.unlink(&key("H2", "1"), &actor()).unwrap();
    assert_ne!(fresh, a.enterprise);
    // Re-sending the same data does not link the pair again.
    let again = engine.register(person(3, "H2", "1"), &actor()).unwrap();
    assert_eq!(again.enterprise, fresh);
    assert_eq!(
        engine.source(&key("H1", "1")).unwrap().unwrap().enterprise,
        a.enterprise
    );
    assert!(
        engine
            .store()
            .separated(&key("H2", "1"), &key("H1", "1"))
            .unwrap()
    );
    // A manual link overrides the separation.
    let linked = engine
        .link(&key("H1", "1"), &key("H2", "1"), &actor())
        .unwrap();
    assert_eq!(
        engine.source(&key("H2", "1")).unwrap().unwrap().enterprise,
        linked
    );
    assert!(
        !engine
            .store()
            .separated(&key("H2", "1"), &key("H1", "1"))
            .unwrap()
    );
    assert!(engine.verify().unwrap().problems.is_empty());
}

#[test]
fn merge_then_unmerge_restores_the_exact_state() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path());
    engine.register(person(4, "H1", "1"), &actor()).unwrap();
    engine.register(person(4, "H2", "1"), &actor()).unwrap();
    engine.register(person(6, "H1", "2"), &actor()).unwrap();
    engine.register(person(7, "H3", "1"), &actor()).unwrap();
    engine
        .link(&key("H1", "2"), &key("H3", "1"), &actor())
        .unwrap();
    let before = dump(&engine);
    let merge = engine
        .merge(&key("H1", "1"), &key("H1", "2"), &actor())
        .unwrap();
    assert_ne!(dump(&engine), before);
    let merged = engine.source(&key("H1", "2")).unwrap().unwrap();
    assert_eq!(merged.merged_into, Some(key("H1", "1")));
    assert_eq!(
        engine
            .cross_reference(&key("H1", "2"), &[])
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );
    // The other identifiers of the merged patient joined the survivor.
    let survivor = engine.source(&key("H1", "1")).unwrap().unwrap().enterprise;
    assert_eq!(
        engine.source(&key("H3", "1")).unwrap().unwrap().enterprise,
        survivor
    );
    assert!(engine.verify().unwrap().problems.is_empty());
    // History of the survivor includes the merged identity's events.
    let kinds: Vec<String> = engine
        .history(&survivor)
        .unwrap()
        .into_iter()
        .map(|h| h.kind)
        .collect();
    assert!(
        kinds.contains(&"merged".to_owned()) && kinds.len() >= 4,
        "{kinds:?}"
    );
    engine.unmerge(merge, &actor()).unwrap();
    assert_eq!(dump(&engine), before);
    assert!(engine.verify().unwrap().problems.is_empty());
    assert_eq!(
        engine.unmerge(merge, &actor()).unwrap_err().kind(),
        ErrorKind::Conflict
    );
    // Merge into an unknown identifier: a change of id.
    engine
        .merge(&key("H1", "77"), &key("H1", "1"), &actor())
        .unwrap();
    assert!(engine.source(&key("H1", "77")).unwrap().is_some());
    assert_eq!(
        engine
            .merge(&key("H2", "1"), &key("H1", "77"), &actor())
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidInput
    );
}

#[test]
fn a47_onto_another_patients_id_is_a_conflict() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path());
    engine.register(person(8, "H1", "1"), &actor()).unwrap();
    engine.register(person(9, "H1", "2"), &actor()).unwrap();
    let err = engine
        .change_local_id(&key("H1", "1"), &key("H1", "2"), &actor())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    engine
        .change_local_id(&key("H1", "1"), &key("H1", "3"), &actor())
        .unwrap();
    assert!(engine.source(&key("H1", "1")).unwrap().is_none());
    let moved = engine.source(&key("H1", "3")).unwrap().unwrap();
    assert_eq!(moved.record.local_id.unwrap().as_str(), "3");
    assert_eq!(
        engine
            .change_local_id(&key("H1", "1"), &key("H1", "4"), &actor())
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );
    // Refusals are audited too.
    let audit = engine.audit_records(0, 100).unwrap();
    assert!(audit.iter().any(|a| a.outcome == "conflict"));
    assert!(audit.iter().any(|a| a.outcome == "not-found"));
    assert!(engine.verify().unwrap().problems.is_empty());
}

#[test]
fn tampering_with_the_audit_trail_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path());
    for n in 0..5 {
        engine
            .register(person(n, "H1", &n.to_string()), &actor())
            .unwrap();
    }
    assert_eq!(engine.verify_audit_chain().unwrap(), Ok(5));
    let db = engine.store().raw_db();
    let cf = db.cf_handle(Cf::Audit.name()).unwrap();
    let k = 2u64.to_be_bytes();
    let value = String::from_utf8(db.get_cf(cf, k).unwrap().unwrap()).unwrap();
    db.put_cf(cf, k, value.replace("\"test\"", "\"mallory\"").as_bytes())
        .unwrap();
    assert_eq!(engine.verify_audit_chain().unwrap(), Err(2));
    assert!(!engine.verify().unwrap().problems.is_empty());
}

#[test]
fn a_retention_prune_deletes_old_records_and_keeps_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path());
    for n in 0..3 {
        engine
            .register(person(n, "H1", &n.to_string()), &actor())
            .unwrap();
    }
    // Nothing is a year old: nothing is written.
    let year = std::time::Duration::from_secs(365 * 86_400);
    let none = engine.prune_audit(year, &actor()).unwrap();
    assert_eq!((none.deleted, none.anchor, none.record), (0, None, None));
    assert_eq!(engine.audit_records(0, 100).unwrap().len(), 3);
    // Wait for the clock to pass the last record, then prune everything older than now.
    let last = engine.audit_records(0, 100).unwrap().pop().unwrap().at_ms;
    while vigie_store::now_ms() <= last {
        std::thread::yield_now();
    }
    let pruned = engine
        .prune_audit(std::time::Duration::ZERO, &actor())
        .unwrap();
    assert_eq!(pruned.deleted, 3);
    assert_eq!(pruned.record, Some(4));
    let anchor = pruned.anchor.unwrap();
    assert_eq!(anchor.seq, 3);
    assert_eq!(engine.audit_anchor().unwrap(), Some(anchor));
    let kept = engine.audit_records(0, 100).unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(
        (kept[0].action.as_str(), kept[0].subjects[0].as_str()),
        ("audit-prune", "count=3")
    );
    engine.register(person(9, "H1", "9"), &actor()).unwrap();
    assert_eq!(engine.verify_audit_chain().unwrap(), Ok(5));
    assert!(engine.verify().unwrap().problems.is_empty());
}

#[test]
fn review_band_pairs_open_a_review_and_resolve() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path());
    let a = engine.register(person(11, "H1", "1"), &actor()).unwrap();
    // Same birth name, date, place and sex, another first name: possible twins, for review.
    let mut probable = person(11, "H1", "2");
    probable.first_names = Some("ZOE".into());
    let b = engine.register(probable, &actor()).unwrap();
    let LinkOutcome::CreatedPendingReview(review) = b.outcome else {
        panic!("expected a review, got {:?}", b.outcome);
    };
    assert!(b.flags.iter().any(|f| f == vigie_engine::FLAG_DOUBLON));
    let items = engine.review_list(10).unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].pair, (key("H1", "2"), key("H1", "1")));
    assert_eq!(items[0].reason, "possible_twins");
    assert_eq!(engine.stats().unwrap().open_reviews, 1);
    engine
        .review_resolve(review, Resolution::Link, &actor())
        .unwrap();
    let linked = engine.source(&key("H1", "2")).unwrap().unwrap().enterprise;
    assert_eq!(
        engine.source(&key("H1", "1")).unwrap().unwrap().enterprise,
        linked
    );
    assert_eq!(
        engine.enterprise(&linked).unwrap().unwrap().members.len(),
        2
    );
    assert!(engine.enterprise(&a.enterprise).unwrap().is_none() || linked == a.enterprise);
    assert!(engine.review_list(10).unwrap().is_empty());
    assert_eq!(
        engine
            .review_resolve(review, Resolution::Separate, &actor())
            .unwrap_err()
            .kind(),
        ErrorKind::Conflict
    );
}

#[test]
fn two_qualified_ins_never_share_an_identity() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path());
    let base = |local: &str, ins: &str| {
        rec(&[
            (Field::RecordId, local),
            (Field::Source, "H1"),
            (Field::LocalId, local),
            (Field::BirthName, "DARK"),
            (Field::FirstNames, "JEANNE"),
            (Field::Sex, "F"),
            (Field::BirthDate, "1960-05-30"),
            (Field::BirthPlaceCode, "88154"),
            (Field::Ins, ins),
            (Field::IdentityStatus, "QUAL"),
        ])
    };
    let a = engine
        .register(base("1", "260058815400233"), &actor())
        .unwrap();
    let b = engine
        .register(base("2", "295109912611193"), &actor())
        .unwrap();
    assert_ne!(a.enterprise, b.enterprise);
    // Same INS, compatible traits: certain match; the INS is published (qualified).
    let c = engine
        .register(base("3", "260058815400233"), &actor())
        .unwrap();
    assert_eq!(c.enterprise, a.enterprise);
    let xref = engine.cross_reference(&key("H1", "1"), &[]).unwrap();
    assert_eq!(
        xref.ins.map(|i| i.matricule().to_owned()).as_deref(),
        Some("260058815400233")
    );
    // Same INS, another person's traits: collision flagged, not linked.
    let mut other = base("4", "260058815400233");
    other.birth_name = Some("DURAND".into());
    other.first_names = Some("PAUL".into());
    other.sex = vigie_core::sex::Sex::Male;
    let d = engine.register(other, &actor()).unwrap();
    assert_ne!(d.enterprise, a.enterprise);
    assert!(d.flags.iter().any(|f| f == FLAG_INS_COLLISION));
    assert_eq!(
        engine
            .link(&key("H1", "1"), &key("H1", "2"), &actor())
            .unwrap_err()
            .kind(),
        ErrorKind::Conflict
    );
    assert!(engine.verify().unwrap().problems.is_empty());
}

#[test]
fn data_survives_reopening_and_the_index_is_rebuilt_when_lost() {
    let dir = tempfile::tempdir().unwrap();
    {
        let engine = open(dir.path());
        for n in 0..20 {
            engine
                .register(person(n, "H1", &n.to_string()), &actor())
                .unwrap();
        }
        engine.remove(&key("H1", "3"), &actor()).unwrap();
        assert_eq!(
            engine.remove(&key("H1", "3"), &actor()).unwrap_err().kind(),
            ErrorKind::NotFound
        );
    }
    std::fs::remove_dir_all(dir.path().join("index")).unwrap();
    let engine = open(dir.path());
    assert_eq!(engine.stats().unwrap().sources, 19);
    let report = engine.verify().unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let m = engine.match_identity(&person(7, "H9", "1"), 1).unwrap();
    assert!(m[0].keys.contains(&key("H1", "7")));
    let mut seen = Vec::new();
    assert_eq!(
        engine.export(&mut |s| seen.push(s.key.clone())).unwrap(),
        19
    );
    assert!(seen.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn an_update_that_newly_resembles_another_identity_opens_one_review() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path());
    engine.register(person(11, "H1", "1"), &actor()).unwrap();
    // First registered as somebody else entirely.
    let other = engine.register(person(12, "H1", "2"), &actor()).unwrap();
    assert_eq!(other.outcome, LinkOutcome::Created);
    assert_eq!(engine.stats().unwrap().open_reviews, 0);
    // Corrected (A08): now possible twins of H1/1, which goes to review.
    let mut corrected = person(11, "H1", "2");
    corrected.first_names = Some("ZOE".into());
    let updated = engine.register(corrected.clone(), &actor()).unwrap();
    assert!(updated.updated);
    assert_eq!(updated.enterprise, other.enterprise);
    let LinkOutcome::UnchangedPendingReview(review) = updated.outcome else {
        panic!("expected a review, got {:?}", updated.outcome);
    };
    assert!(
        updated
            .flags
            .iter()
            .any(|f| f == vigie_engine::FLAG_DOUBLON)
    );
    let items = engine.review_list(10).unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].id, review);
    assert_eq!(items[0].pair, (key("H1", "2"), key("H1", "1")));
    // The same update again opens nothing new.
    let again = engine.register(corrected, &actor()).unwrap();
    assert_eq!(again.outcome, LinkOutcome::Unchanged);
    assert_eq!(engine.stats().unwrap().open_reviews, 1);
    // Separated, a later change does not reopen it either.
    engine
        .review_resolve(review, Resolution::Separate, &actor())
        .unwrap();
    let mut changed = person(11, "H1", "2");
    changed.first_names = Some("ZOE MARIE".into());
    let after = engine.register(changed, &actor()).unwrap();
    assert_eq!(after.outcome, LinkOutcome::Unchanged);
    assert_eq!(engine.stats().unwrap().open_reviews, 0);
    assert!(engine.verify().unwrap().problems.is_empty());
}

/// A store where the sought patient has hundreds of exact homonyms (same family and given
/// name, other birth dates, some in the same year) and shares the birth date with a hundred
/// other people: family + given + birth date must rank the patient first, a typo in the name
/// too; the sex filters; family + given alone still returns every homonym.
#[test]
fn pdq_on_names_and_birth_date_ranks_the_patient_first_among_homonyms() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path());
    let mut records = Vec::new();
    let homonym = |n: usize, year: usize, month: usize, day: usize| {
        rec(&[
            (Field::RecordId, &format!("h{n}")),
            (Field::Source, "H1"),
            (Field::LocalId, &format!("h{n}")),
            (Field::BirthName, "MARTIN"),
            (Field::FirstNames, "JEAN"),
            (Field::Sex, "M"),
            (Field::BirthDate, &format!("{year}-{month:02}-{day:02}")),
        ])
    };
    for n in 0..300 {
        // Years 1931..1979 and 1981..: never the patient's year, several digits away.
        let year = 1931 + (n * 7) % 48 + if n % 2 == 0 { 0 } else { 50 };
        records.push(homonym(n, year, 1 + n % 12, 1 + (n * 5) % 28));
    }
    for n in 300..330 {
        // Same year, other month and day (not a one-digit typo of the patient's date).
        records.push(homonym(n, 1980, 11 + n % 2, 20 + n % 8));
    }
    for n in 0..100 {
        // Other names (never MARTIN, never JEAN), same birth date.
        let surname = format!(
            "{}{}",
            SURNAMES[1 + n % (SURNAMES.len() - 1)],
            ["OT", "AS", "IN", "ET"][n % 4]
        );
        records.push(rec(&[
            (Field::RecordId, &format!("d{n}")),
            (Field::Source, "H2"),
            (Field::LocalId, &format!("d{n}")),
            (Field::BirthName, &surname),
            (Field::FirstNames, FIRST[1 + n % (FIRST.len() - 1)]),
            (Field::Sex, if n % 2 == 0 { "M" } else { "F" }),
            (Field::BirthDate, "1980-03-15"),
        ]));
    }
    records.push(rec(&[
        (Field::RecordId, "target"),
        (Field::Source, "H1"),
        (Field::LocalId, "target"),
        (Field::BirthName, "MARTIN"),
        (Field::FirstNames, "JEAN PAUL"),
        (Field::Sex, "M"),
        (Field::BirthDate, "1980-03-15"),
        (Field::Postcode, "75011"),
    ]));
    engine.import(records, &actor()).unwrap();
    let target = key("H1", "target");
    let query = SearchQuery {
        family: Some("Martin".into()),
        given: Some("Jean".into()),
        birth_date: Some(vigie_core::date::PartialDate::Full(1980, 3, 15)),
        limit: 500,
        ..SearchQuery::default()
    };
    let hits = engine.search(&query).unwrap();
    assert!(hits[0].keys.contains(&target), "{:?}", hits[0].keys);
    assert!((hits[0].score - 1.0).abs() < 1e-9);
    // Homonyms born another day may follow (same year: not a contradiction), ranked lower.
    assert!(hits[1..].iter().all(|h| h.score < hits[0].score));
    assert!(
        hits.iter()
            .all(|h| !h.keys.iter().any(|k| k.domain.as_str() == "H2"))
    );
    for family in ["MARTNI", "MARTINE", "MATRIN"] {
        let typo = engine
            .search(&SearchQuery {
                family: Some(family.into()),
                ..query.clone()
            })
            .unwrap();
        assert!(
            typo[0].keys.contains(&target),
            "{family}: {:?}",
            typo[0].keys
        );
    }
    let male = engine
        .search(&SearchQuery {
            sex: Some(vigie_core::sex::Sex::Male),
            ..query.clone()
        })
        .unwrap();
    assert!(male[0].keys.contains(&target));
    let female = engine
        .search(&SearchQuery {
            sex: Some(vigie_core::sex::Sex::Female),
            ..query.clone()
        })
        .unwrap();
    assert!(female.iter().all(|h| !h.keys.contains(&target)));
    // Family + given name alone: every homonym is a hit (the search widens past its first
    // round of candidates while they keep matching).
    let broad = engine
        .search(&SearchQuery {
            birth_date: None,
            ..query.clone()
        })
        .unwrap();
    let homonym_keys = broad
        .iter()
        .flat_map(|h| h.keys.iter())
        .filter(|k| k.domain.as_str() == "H1")
        .count();
    assert_eq!(homonym_keys, 331);
    // Family + birth date: the patient first, other Martins of that year after.
    let by_date = engine
        .search(&SearchQuery {
            given: None,
            ..query.clone()
        })
        .unwrap();
    assert!(by_date[0].keys.contains(&target));
}
