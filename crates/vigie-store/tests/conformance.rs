//! Conformance suite of the store's semantics, against the real RocksDB + tantivy in temporary
//! directories: put/get, batch atomicity, iteration order, counters, audit chain and its
//! retention prune, index freshness, outbox replay and index rebuild.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use vigie_core::date::PartialDate;
use vigie_core::ids::{DomainId, EnterpriseId, LocalId};
use vigie_core::record::{Field, IdentityRecord, ParseOptions, RawRecord, parse_record};
use vigie_core::sex::Sex;
use vigie_store::{
    AUDIT_PRUNE_ACTION, ActorRow, AuditRow, Cf, EnterpriseRow, IndexTraits, SourceKey, SourceRow,
    Store, StoreError, StoreOptions, now_ms,
};

fn key(d: &str, l: &str) -> SourceKey {
    SourceKey {
        domain: DomainId::new(d).unwrap(),
        local_id: LocalId::new(l).unwrap(),
    }
}

fn record(d: &str, l: &str, name: &str) -> IdentityRecord {
    let raw = RawRecord::new()
        .with(Field::RecordId, l)
        .with(Field::Source, d)
        .with(Field::LocalId, l)
        .with(Field::BirthName, name)
        .with(Field::Sex, "F");
    parse_record(&raw, ParseOptions::default()).unwrap().record
}

/// Test terms: the birth name.
fn terms(r: &IdentityRecord) -> Vec<String> {
    r.birth_name.iter().map(|n| format!("n:{n}")).collect()
}

fn options(dir: &std::path::Path) -> StoreOptions {
    StoreOptions {
        dir: dir.to_path_buf(),
        sync: false,
        terms: Arc::new(terms),
        terms_version: 1,
        background_commit: false,
        cache_mb: 16,
    }
}

fn open(dir: &std::path::Path) -> Store {
    Store::open(options(dir)).unwrap().0
}

fn source_row(r: IdentityRecord, ent: &str) -> SourceRow {
    SourceRow {
        record: r,
        enterprise: EnterpriseId::new(ent).unwrap(),
        active: true,
        merged_into: None,
        updated_ms: 1,
        rev: 1,
    }
}

fn actor() -> ActorRow {
    ActorRow {
        who: "t".into(),
        from: "cli".into(),
        channel: "cli".into(),
    }
}

fn put(store: &Store, d: &str, l: &str, name: &str) {
    let mut txn = store.begin();
    let k = key(d, l);
    txn.put_source(&k, Some(source_row(record(d, l, name), "E1")))
        .unwrap();
    txn.add_audit(&actor(), "register", "ok", vec![]).unwrap();
    txn.commit().unwrap();
}

fn found(store: &Store, name: &str) -> Vec<SourceKey> {
    store
        .search_index(&[(format!("n:{name}"), 1.0)], 10)
        .unwrap()
        .into_iter()
        .map(|h| h.key)
        .collect()
}

#[test]
fn put_get_and_key_order() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    for (d, l) in [("B", "1"), ("A", "2"), ("A", "10"), ("AB", "0")] {
        put(&store, d, l, "X");
    }
    assert_eq!(
        store
            .source(&key("A", "2"))
            .unwrap()
            .unwrap()
            .record
            .birth_name
            .as_deref(),
        Some("X")
    );
    assert!(store.source(&key("A", "3")).unwrap().is_none());
    let mut order = Vec::new();
    store
        .for_each_source(&mut |k, _| {
            order.push(k);
            Ok(true)
        })
        .unwrap();
    assert_eq!(
        order,
        vec![key("A", "10"), key("A", "2"), key("AB", "0"), key("B", "1")]
    );
    assert_eq!(store.counters().sources_active, 4);
}

#[test]
fn a_batched_read_returns_rows_in_the_asked_order() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    put(&store, "A", "1", "ONE");
    put(&store, "B", "2", "TWO");
    store.flush_index().unwrap();
    put(&store, "A", "3", "THREE");
    let keys = [
        key("A", "3"),
        key("Z", "9"),
        key("B", "2"),
        key("A", "1"),
        key("B", "2"),
    ];
    let names: Vec<Option<String>> = store
        .sources(&keys)
        .unwrap()
        .into_iter()
        .map(|row| row.and_then(|r| r.record.birth_name))
        .collect();
    assert_eq!(
        names,
        vec![
            Some("THREE".to_owned()),
            None,
            Some("TWO".to_owned()),
            Some("ONE".to_owned()),
            Some("TWO".to_owned()),
        ]
    );
    // Each row as read one at a time.
    for (k, row) in keys.iter().zip(store.sources(&keys).unwrap()) {
        assert_eq!(row, store.source(k).unwrap());
    }
    assert!(store.sources(&[]).unwrap().is_empty());
}

#[test]
fn a_dropped_transaction_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    {
        let mut txn = store.begin();
        txn.put_source(
            &key("A", "1"),
            Some(source_row(record("A", "1", "X"), "E1")),
        )
        .unwrap();
        txn.add_audit(&actor(), "register", "ok", vec![]).unwrap();
        let e = txn.new_enterprise_id().unwrap();
        assert_eq!(e.as_str(), "E1");
        // Reads inside see the write.
        assert!(txn.source(&key("A", "1")).unwrap().is_some());
    }
    assert!(store.source(&key("A", "1")).unwrap().is_none());
    assert_eq!(store.counters().audit, 0);
    assert!(found(&store, "X").is_empty());
    let mut txn = store.begin();
    assert_eq!(txn.new_enterprise_id().unwrap().as_str(), "E1");
}

#[test]
fn a_batch_commits_rows_audit_history_and_outboxes_together() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let mut txn = store.begin();
    let e = txn.new_enterprise_id().unwrap();
    txn.put_source(
        &key("A", "1"),
        Some(source_row(record("A", "1", "X"), e.as_str())),
    )
    .unwrap();
    txn.put_enterprise(
        &e,
        Some(EnterpriseRow {
            golden: record("A", "1", "X"),
            members: vec![key("A", "1")],
            retired_into: None,
            absorbed: vec![],
            flags: vec![],
            created_ms: 1,
        }),
    )
    .unwrap();
    txn.add_history(&[&e], "registered", vec![key("A", "1")], None, &actor())
        .unwrap();
    txn.add_audit(&actor(), "register", "ok", vec!["A|1".into()])
        .unwrap();
    txn.add_notification(&e, vec![key("A", "1")]).unwrap();
    txn.commit().unwrap();
    let c = store.counters();
    assert_eq!(
        (
            c.sources_active,
            c.enterprises_active,
            c.audit,
            c.history,
            c.notification
        ),
        (1, 1, 1, 1, 1)
    );
    assert_eq!(store.history(&e).unwrap().len(), 1);
    assert_eq!(store.notifications(0, 10).unwrap().len(), 1);
    assert_eq!(store.verify_audit_chain().unwrap(), Ok(1));
    // Searchable at once (overlay), and after the index commit.
    assert_eq!(found(&store, "X"), vec![key("A", "1")]);
    store.flush_index().unwrap();
    assert_eq!(found(&store, "X"), vec![key("A", "1")]);
    assert_eq!(store.index_outbox_len().unwrap(), 0);
}

#[test]
fn updates_and_deletions_reach_the_index() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    put(&store, "A", "1", "X");
    store.flush_index().unwrap();
    put(&store, "A", "1", "Y");
    assert!(
        found(&store, "X").is_empty(),
        "stale document hidden by the overlay"
    );
    assert_eq!(found(&store, "Y"), vec![key("A", "1")]);
    let mut txn = store.begin();
    txn.put_source(&key("A", "1"), None).unwrap();
    txn.commit().unwrap();
    assert!(found(&store, "Y").is_empty());
    store.flush_index().unwrap();
    assert!(found(&store, "Y").is_empty());
    assert_eq!(store.index_keys().unwrap().1, 0);
}

/// Puts a record with a birth date and sex (name X).
fn put_dated(store: &Store, l: &str, date: &str, sex: &str) {
    let raw = RawRecord::new()
        .with(Field::RecordId, l)
        .with(Field::Source, "A")
        .with(Field::LocalId, l)
        .with(Field::BirthName, "X")
        .with(Field::BirthDate, date)
        .with(Field::Sex, sex);
    let r = parse_record(&raw, ParseOptions::default()).unwrap().record;
    let mut txn = store.begin();
    txn.put_source(&key("A", l), Some(source_row(r, "E1")))
        .unwrap();
    txn.commit().unwrap();
}

#[test]
fn filtered_searches_see_the_traits_of_committed_and_fresh_documents() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    put_dated(&store, "1", "1980-03-15", "F");
    put_dated(&store, "2", "1980-03", "M");
    put_dated(&store, "3", "1975", "F");
    let terms = [("n:X".to_owned(), 1.0)];
    let only_1980 = |t: &IndexTraits| {
        t.birth_date.is_some_and(|d| {
            matches!(
                d,
                PartialDate::Full(1980, ..) | PartialDate::YearMonth(1980, _)
            )
        })
    };
    let keys = |found: vigie_store::IndexSearch| {
        let mut keys: Vec<_> = found.hits.into_iter().map(|h| h.key).collect();
        keys.sort();
        keys
    };
    for flushed in [false, true] {
        if flushed {
            store.flush_index().unwrap();
        }
        let found = store.search_index_filtered(&terms, 10, &only_1980).unwrap();
        // Committed documents the filter rejected are still counted as considered.
        assert_eq!(found.considered, if flushed { 3 } else { 0 });
        assert_eq!(keys(found), vec![key("A", "1"), key("A", "2")]);
        let women = store
            .search_index_filtered(&terms, 10, &|t: &IndexTraits| t.sex == Sex::Female)
            .unwrap();
        assert_eq!(keys(women), vec![key("A", "1"), key("A", "3")]);
    }
    // A year-only date and an unknown one keep what is known.
    put_dated(&store, "4", "", "");
    store.flush_index().unwrap();
    let unknown = store
        .search_index_filtered(&terms, 10, &|t: &IndexTraits| {
            t.birth_date.is_none() && t.sex == Sex::Unknown
        })
        .unwrap();
    assert_eq!(keys(unknown), vec![key("A", "4")]);
    let year = store
        .search_index_filtered(&terms, 10, &|t: &IndexTraits| {
            t.birth_date == Some(PartialDate::Year(1975))
        })
        .unwrap();
    assert_eq!(keys(year), vec![key("A", "3")]);
}

#[test]
fn the_outbox_is_replayed_at_open() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = open(dir.path());
        put(&store, "A", "1", "X");
        store.flush_index().unwrap();
        put(&store, "A", "2", "X");
        put(&store, "A", "1", "Z");
        assert_eq!(store.index_outbox_len().unwrap(), 2);
        // A crash before the index commit: the rows are durable, the index is not.
        store.abandon();
    }
    let (store, report) = Store::open(options(dir.path())).unwrap();
    assert!(!report.index_rebuilt);
    assert_eq!(report.outbox_replayed, 2);
    assert_eq!(store.index_outbox_len().unwrap(), 0);
    let (keys, n) = store.index_keys().unwrap();
    assert_eq!(n, 2);
    assert_eq!(
        keys.into_iter().collect::<Vec<_>>(),
        vec![key("A", "1"), key("A", "2")]
    );
    assert_eq!(found(&store, "Z"), vec![key("A", "1")]);
    assert_eq!(found(&store, "X"), vec![key("A", "2")]);
}

#[test]
fn a_missing_or_damaged_index_is_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = open(dir.path());
        put(&store, "A", "1", "X");
        put(&store, "A", "2", "Y");
    }
    std::fs::write(dir.path().join("index").join("meta.json"), b"{not json").unwrap();
    let (store, report) = Store::open(options(dir.path())).unwrap();
    assert!(report.index_rebuilt);
    assert_eq!(found(&store, "Y"), vec![key("A", "2")]);
    drop(store);
    std::fs::remove_dir_all(dir.path().join("index")).unwrap();
    let store = open(dir.path());
    assert_eq!(store.index_keys().unwrap().1, 2);
}

#[test]
fn the_audit_chain_detects_tampering() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    for i in 0..5 {
        put(&store, "A", &i.to_string(), "X");
    }
    assert_eq!(store.verify_audit_chain().unwrap(), Ok(5));
    let db = store.raw_db();
    let cf = db.cf_handle(Cf::Audit.name()).unwrap();
    let k = 3u64.to_be_bytes();
    let v = db.get_cf(cf, k).unwrap().unwrap();
    let text = String::from_utf8(v)
        .unwrap()
        .replace("register", "rEgister");
    db.put_cf(cf, k, text.as_bytes()).unwrap();
    assert_eq!(store.verify_audit_chain().unwrap(), Err(3));
    db.delete_cf(cf, k).unwrap();
    assert_eq!(store.verify_audit_chain().unwrap(), Err(3));
}

#[test]
fn unknown_value_versions_are_corruption() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    put(&store, "A", "1", "X");
    let db = store.raw_db();
    let cf = db.cf_handle(Cf::Sources.name()).unwrap();
    let k = key("A", "1").to_bytes();
    let mut v = db.get_cf(cf, &k).unwrap().unwrap();
    v[0] = 42;
    db.put_cf(cf, &k, v).unwrap();
    assert!(matches!(
        store.source(&key("A", "1")),
        Err(StoreError::DataCorruption(_))
    ));
}

#[test]
fn notifications_are_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let e = EnterpriseId::new("E9").unwrap();
    for _ in 0..3 {
        let mut txn = store.begin();
        txn.add_notification(&e, vec![]).unwrap();
        txn.commit().unwrap();
    }
    assert_eq!(store.counters().pending_notifications, 3);
    let mut txn = store.begin();
    txn.ack_notifications(2).unwrap();
    txn.commit().unwrap();
    let left: Vec<u64> = store
        .notifications(0, 10)
        .unwrap()
        .iter()
        .map(|n| n.seq)
        .collect();
    assert_eq!(left, vec![3]);
    assert_eq!(store.counters().pending_notifications, 1);
}

#[test]
fn a_writer_learns_exactly_which_sources_changed_since_a_revision() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    put(&store, "A", "1", "X");
    let seen = store.committed_rev();
    // An audit-only transaction moves the revision but changes no source.
    let mut txn = store.begin();
    txn.add_audit(&actor(), "query", "ok", vec![]).unwrap();
    txn.commit().unwrap();
    assert!(store.committed_rev() > seen);
    put(&store, "A", "2", "Y");
    put(&store, "A", "1", "Z");
    // A dropped transaction changes nothing.
    drop({
        let mut txn = store.begin();
        txn.put_source(
            &key("B", "9"),
            Some(source_row(record("B", "9", "W"), "E9")),
        )
        .unwrap();
        txn
    });
    let txn = store.begin();
    assert_eq!(
        txn.sources_changed_since(seen),
        Some(vec![key("A", "2"), key("A", "1")])
    );
    assert_eq!(
        txn.sources_changed_since(store.committed_rev()),
        Some(vec![])
    );
    drop(txn);
    // Reopened, the store cannot tell what changed before: callers re-read everything.
    let now = store.committed_rev();
    drop(store);
    let store = open(dir.path());
    assert_eq!(store.committed_rev(), now);
    assert_eq!(store.begin().sources_changed_since(now - 1), None);
    assert_eq!(store.begin().sources_changed_since(now), Some(vec![]));
}

/// Audit records' seqs, in order.
fn audit_seqs(store: &Store) -> Vec<u64> {
    store
        .audit_rows(0, 1000)
        .unwrap()
        .iter()
        .map(|r| r.seq)
        .collect()
}

/// A cutoff later than every record written so far (waits for the clock to pass the last
/// record's millisecond), so records written afterwards are not older than it.
fn cutoff_after_last(store: &Store) -> u64 {
    let last = store.audit_rows(0, 1000).unwrap().last().unwrap().at_ms;
    loop {
        let now = now_ms();
        if now > last {
            return now;
        }
        std::thread::yield_now();
    }
}

/// Rewrites a raw value of the meta or audit column family with a text substitution.
fn tamper(store: &Store, cf: Cf, key: &[u8], from: &str, to: &str) -> Vec<u8> {
    let db = store.raw_db();
    let handle = db.cf_handle(cf.name()).unwrap();
    let original = db.get_cf(handle, key).unwrap().unwrap();
    let text = String::from_utf8(original.clone()).unwrap();
    assert!(text.contains(from), "{text}");
    db.put_cf(handle, key, text.replacen(from, to, 1).as_bytes())
        .unwrap();
    original
}

fn restore(store: &Store, cf: Cf, key: &[u8], value: &[u8]) {
    let db = store.raw_db();
    db.put_cf(db.cf_handle(cf.name()).unwrap(), key, value)
        .unwrap();
}

#[test]
fn a_retention_prune_keeps_the_chain_verifiable() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    for i in 0..3 {
        put(&store, "A", &i.to_string(), "X");
    }
    let cutoff = cutoff_after_last(&store);
    for i in 3..5 {
        put(&store, "A", &i.to_string(), "X");
    }
    let pruned = store.prune_audit(cutoff, &actor()).unwrap();
    assert_eq!(pruned.deleted, 3);
    assert_eq!(pruned.record, Some(6));
    let anchor = pruned.anchor.unwrap();
    assert_eq!((anchor.seq, anchor.before_ms), (3, cutoff));
    assert_eq!(store.audit_anchor().unwrap(), Some(anchor.clone()));
    // The deleted records are gone, the kept ones and the prune record remain.
    assert_eq!(audit_seqs(&store), vec![4, 5, 6]);
    let record: AuditRow = store.audit_rows(6, 1).unwrap().remove(0);
    assert_eq!(record.action, AUDIT_PRUNE_ACTION);
    assert_eq!(
        record.subjects,
        vec![
            "count=3".to_owned(),
            "through=3".to_owned(),
            format!("anchor={}", anchor.hash)
        ]
    );
    assert_eq!(store.verify_audit_chain().unwrap(), Ok(6));
    // Still verifiable after a reopen, and the chain goes on.
    drop(store);
    let store = open(dir.path());
    assert_eq!(store.verify_audit_chain().unwrap(), Ok(6));
    put(&store, "A", "9", "X");
    assert_eq!(store.verify_audit_chain().unwrap(), Ok(7));
}

#[test]
fn a_second_prune_with_the_same_cutoff_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    for i in 0..3 {
        put(&store, "A", &i.to_string(), "X");
    }
    let cutoff = cutoff_after_last(&store);
    put(&store, "A", "3", "X");
    let first = store.prune_audit(cutoff, &actor()).unwrap();
    assert_eq!(first.deleted, 3);
    let counters = store.counters();
    let again = store.prune_audit(cutoff, &actor()).unwrap();
    assert_eq!(again.deleted, 0);
    assert_eq!(again.record, None);
    assert_eq!(again.anchor, first.anchor);
    assert_eq!(store.counters(), counters);
    assert_eq!(audit_seqs(&store), vec![4, 5]);
    assert_eq!(store.verify_audit_chain().unwrap(), Ok(5));
    // A later cutoff prunes on from the anchor, the first prune record included.
    let later = cutoff_after_last(&store);
    put(&store, "A", "4", "X");
    let second = store.prune_audit(later, &actor()).unwrap();
    assert_eq!(second.deleted, 2);
    assert_eq!(second.anchor.unwrap().seq, 5);
    assert_eq!(audit_seqs(&store), vec![6, 7]);
    assert_eq!(store.verify_audit_chain().unwrap(), Ok(7));
    // A cutoff before every record deletes nothing.
    assert_eq!(store.prune_audit(0, &actor()).unwrap().deleted, 0);
}

#[test]
fn tampering_after_a_prune_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    for i in 0..4 {
        put(&store, "A", &i.to_string(), "X");
    }
    let cutoff = cutoff_after_last(&store);
    for i in 4..7 {
        put(&store, "A", &i.to_string(), "X");
    }
    let anchor = store.prune_audit(cutoff, &actor()).unwrap().anchor.unwrap();
    assert_eq!(anchor.seq, 4);
    assert_eq!(store.verify_audit_chain().unwrap(), Ok(8));
    let seq = |n: u64| n.to_be_bytes();

    // Every kept record: altered content is found at that record.
    for n in 5..=8 {
        let (from, to) = if n == 8 {
            ("count=4", "count=1")
        } else {
            ("register", "rEgister")
        };
        let original = tamper(&store, Cf::Audit, &seq(n), from, to);
        assert_eq!(store.verify_audit_chain().unwrap(), Err(n), "record {n}");
        restore(&store, Cf::Audit, &seq(n), &original);
    }
    assert_eq!(store.verify_audit_chain().unwrap(), Ok(8));

    // The anchor's successor link: another hash in the anchor breaks the first kept record.
    let original = tamper(
        &store,
        Cf::Meta,
        b"audit_anchor",
        &anchor.hash[..8],
        "00000000",
    );
    assert_eq!(store.verify_audit_chain().unwrap(), Err(5));
    restore(&store, Cf::Meta, b"audit_anchor", &original);
    // The first kept record removed.
    let db = store.raw_db();
    let audit = db.cf_handle(Cf::Audit.name()).unwrap();
    let first = db.get_cf(audit, seq(5)).unwrap().unwrap();
    db.delete_cf(audit, seq(5)).unwrap();
    assert_eq!(store.verify_audit_chain().unwrap(), Err(5));
    restore(&store, Cf::Audit, &seq(5), &first);
    // The anchor removed: the chain must start at 1 again.
    let meta = db.cf_handle(Cf::Meta.name()).unwrap();
    db.delete_cf(meta, b"audit_anchor").unwrap();
    assert_eq!(store.verify_audit_chain().unwrap(), Err(1));
    restore(&store, Cf::Meta, b"audit_anchor", &original);
    // The anchor moved forward over a deleted record: the chain links, but the prune record
    // names another anchor.
    let row5: AuditRow = store.audit_rows(5, 1).unwrap().remove(0);
    let moved = String::from_utf8(original.clone())
        .unwrap()
        .replace("\"seq\":4", "\"seq\":5")
        .replace(&anchor.hash, &row5.hash);
    restore(&store, Cf::Meta, b"audit_anchor", moved.as_bytes());
    db.delete_cf(audit, seq(5)).unwrap();
    assert_eq!(store.verify_audit_chain().unwrap(), Err(6));
    restore(&store, Cf::Audit, &seq(5), &first);
    restore(&store, Cf::Meta, b"audit_anchor", &original);
    // A pruned record put back.
    let forged = first.clone();
    restore(&store, Cf::Audit, &seq(2), &forged);
    assert_eq!(store.verify_audit_chain().unwrap(), Err(5));
    db.delete_cf(audit, seq(2)).unwrap();
    assert_eq!(store.verify_audit_chain().unwrap(), Ok(8));
}

#[test]
fn a_prune_never_deletes_a_broken_chain() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    for i in 0..3 {
        put(&store, "A", &i.to_string(), "X");
    }
    let cutoff = cutoff_after_last(&store);
    tamper(
        &store,
        Cf::Audit,
        &2u64.to_be_bytes(),
        "register",
        "rEgister",
    );
    assert!(matches!(
        store.prune_audit(cutoff, &actor()),
        Err(StoreError::DataCorruption(_))
    ));
    assert_eq!(audit_seqs(&store), vec![1, 2, 3]);
    assert_eq!(store.audit_anchor().unwrap(), None);
    assert_eq!(store.verify_audit_chain().unwrap(), Err(2));
}
