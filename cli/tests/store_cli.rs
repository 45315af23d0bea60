//! The store commands end to end on the shipped synthetic sample: `vigie import` into a fresh
//! store, `verify`, `export`, `link`/`unlink`, `merge`/`unmerge`, `history`, `review list`,
//! `decision`, `audit-log verify|export|prune` and `audit --data-dir` — real RocksDB and
//! tantivy in a temporary directory.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/synthetic/sample/records.csv")
}

fn vigie(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vigie"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run vigie")
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = vigie(dir, args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "vigie {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Rows of an export: (key `LOCAL^^^DOMAIN`, enterprise id).
fn exported(dir: &Path) -> Vec<(String, String)> {
    exported_with_ins(dir)
        .into_iter()
        .map(|(k, e, _)| (k, e))
        .collect()
}

/// Rows of an export: (key, enterprise id, has an INS).
fn exported_with_ins(dir: &Path) -> Vec<(String, String, bool)> {
    ok(dir, &["export", "--data-dir", "store", "-o", "export.csv"]);
    let mut reader = csv::Reader::from_path(dir.join("export.csv")).unwrap();
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (source, local, enterprise, ins) = (
        col("source"),
        col("local_id"),
        col("enterprise_id"),
        col("ins"),
    );
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (
                format!("{}^^^{}", &r[local], &r[source]),
                r[enterprise].to_owned(),
                !r[ins].is_empty(),
            )
        })
        .collect()
}

#[test]
fn import_then_operate_on_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let input = sample();
    ok(
        d,
        &[
            "import",
            "--quiet",
            "--input",
            input.to_str().unwrap(),
            "--data-dir",
            "store",
        ],
    );
    let verify = ok(d, &["verify", "--data-dir", "store"]);
    assert!(verify.contains("hash chain intact"), "{verify}");
    assert!(!verify.contains("problem:"), "{verify}");

    let with_ins = exported_with_ins(d);
    let rows = exported(d);
    let records = std::fs::read_to_string(&input).unwrap().lines().count() - 1;
    assert_eq!(
        rows.len(),
        records,
        "every sample record is a source identity"
    );
    let mut enterprises: Vec<&str> = rows.iter().map(|(_, e)| e.as_str()).collect();
    enterprises.sort_unstable();
    enterprises.dedup();
    assert!(
        enterprises.len() < rows.len(),
        "the sample's duplicates are linked"
    );

    // Two identities without INS, of different enterprise ids: link, then unlink.
    let no_ins: Vec<(String, String)> = with_ins
        .iter()
        .filter(|(_, _, ins)| !ins)
        .map(|(k, e, _)| (k.clone(), e.clone()))
        .collect();
    let (a, ea) = no_ins[0].clone();
    let (b, _) = no_ins.iter().find(|(_, e)| *e != ea).cloned().unwrap();
    let linked = ok(
        d,
        &["link", "--data-dir", "store", "--actor", "civ", &a, &b],
    );
    let after = exported(d);
    let of = |key: &str, rows: &[(String, String)]| {
        rows.iter().find(|(k, _)| k == key).unwrap().1.clone()
    };
    assert_eq!(of(&a, &after), of(&b, &after));
    assert_eq!(of(&a, &after), linked.trim());
    ok(d, &["unlink", "--data-dir", "store", &b]);
    let after = exported(d);
    assert_ne!(of(&a, &after), of(&b, &after));

    let history = ok(d, &["history", "--data-dir", "store", "--key", &a]);
    assert!(history.contains("linked"), "{history}");
    assert!(
        history.contains("civ (cli"),
        "the operator is recorded: {history}"
    );

    // A merge within one domain, then its exact undo.
    let domain = a.rsplit("^^^").next().unwrap().to_owned();
    let (c, _) = rows
        .iter()
        .find(|(k, e)| k.ends_with(&format!("^^^{domain}")) && *k != a && *e != of(&a, &after))
        .cloned()
        .unwrap();
    let before = exported(d);
    let merge = ok(
        d,
        &[
            "merge",
            "--data-dir",
            "store",
            "--surviving",
            &a,
            "--merged",
            &c,
        ],
    );
    let merge_id = merge.split_whitespace().nth(1).unwrap().to_owned();
    let merged = exported(d);
    assert!(
        merged.iter().all(|(k, _)| *k != c),
        "the merged id is retired"
    );
    ok(
        d,
        &["unmerge", "--data-dir", "store", "--merge-id", &merge_id],
    );
    assert_eq!(
        exported(d),
        before,
        "unmerge restores the state before the merge"
    );

    let reviews = ok(
        d,
        &["review", "list", "--data-dir", "store", "--limit", "5"],
    );
    assert!(reviews.starts_with("review_id\t"));
    if let Some(line) = reviews.lines().nth(1) {
        let decision = line.split('\t').nth(1).unwrap();
        let waterfall = ok(d, &["decision", "--data-dir", "store", decision]);
        assert!(waterfall.contains("model"), "{waterfall}");
    }

    let verify = ok(d, &["audit-log", "verify", "--data-dir", "store"]);
    assert!(verify.contains("intact"), "{verify}");
    assert!(
        verify.contains("retention anchor: none (never pruned"),
        "{verify}"
    );
    ok(
        d,
        &[
            "audit-log",
            "export",
            "--data-dir",
            "store",
            "-o",
            "audit.jsonl",
        ],
    );
    let audit = std::fs::read_to_string(d.join("audit.jsonl")).unwrap();
    assert!(audit.lines().any(|l| l.contains("\"who\":\"civ\"")));
    assert!(audit.lines().count() >= 4);

    // The audit of the live store.
    let out = vigie(
        d,
        &[
            "audit",
            "--data-dir",
            "store",
            "--json",
            "report.json",
            "--quiet",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["headline"]["records"].as_u64(), Some(records as u64));
    assert!(report["headline"]["doublon_groups"].as_u64().unwrap() > 0);
}

#[test]
fn store_commands_refuse_a_missing_store() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["verify", "--data-dir", "nothing"][..],
        &["export", "--data-dir", "nothing", "-o", "x.csv"][..],
        &["history", "--data-dir", "nothing", "--enterprise", "E1"][..],
    ] {
        let out = vigie(dir.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("no store"));
    }
    assert!(!dir.path().join("nothing").exists());
    let bad_key = vigie(dir.path(), &["link", "--data-dir", "nothing", "A", "B^^^D"]);
    assert_eq!(bad_key.status.code(), Some(2));
}

#[test]
fn audit_log_prune_deletes_old_records_and_the_trail_still_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let head: Vec<String> = std::fs::read_to_string(sample())
        .unwrap()
        .lines()
        .take(6)
        .map(str::to_owned)
        .collect();
    std::fs::write(d.join("few.csv"), head.join("\n") + "\n").unwrap();
    ok(
        d,
        &[
            "import",
            "--quiet",
            "--input",
            "few.csv",
            "--data-dir",
            "store",
        ],
    );
    let prune = |days: &str| {
        let out = vigie(
            d,
            &[
                "audit-log",
                "prune",
                "--data-dir",
                "store",
                "--older-than-days",
                days,
                "--actor",
                "civ",
            ],
        );
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    // Nothing is a year old.
    let (stdout, stderr) = prune("365");
    assert!(stdout.contains("no record older than 365 days"), "{stdout}");
    assert!(stderr.is_empty(), "{stderr}");
    // Everything written before now: the import's record goes, the prune's record stays.
    let (stdout, stderr) = prune("0");
    assert!(
        stdout.contains("1 records older than 0 days deleted (through seq 1)"),
        "{stdout}"
    );
    assert!(stdout.contains("audit-prune record 2"), "{stdout}");
    assert!(stderr.contains("six months"), "{stderr}");
    let verify = ok(d, &["audit-log", "verify", "--data-dir", "store"]);
    assert!(
        verify.contains("intact: 1 records (seq 2 to 2; the 1 before were deleted by retention)"),
        "{verify}"
    );
    let verify = ok(d, &["verify", "--data-dir", "store"]);
    assert!(verify.contains("hash chain intact"), "{verify}");
    ok(
        d,
        &[
            "audit-log",
            "export",
            "--data-dir",
            "store",
            "-o",
            "audit.jsonl",
        ],
    );
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(d.join("audit.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["action"], "audit-prune");
    assert_eq!(lines[0]["who"], "civ");
    assert_eq!(lines[0]["subjects"][0], "count=1");
    // Verify names the anchor the prune recorded (seq and hash of the last deleted record).
    let anchor_hash = lines[0]["subjects"][2]
        .as_str()
        .unwrap()
        .strip_prefix("anchor=")
        .unwrap()
        .to_owned();
    assert_eq!(anchor_hash.len(), 64);
    let verify = ok(d, &["audit-log", "verify", "--data-dir", "store"]);
    assert!(
        verify.contains(&format!("retention anchor: seq 1 hash {anchor_hash} ")),
        "{verify}"
    );
    let verify = ok(d, &["verify", "--data-dir", "store"]);
    assert!(
        verify.contains(&format!("retention anchor: seq 1 hash {anchor_hash} ")),
        "{verify}"
    );
    // A second prune continues from the anchor.
    let (stdout, _) = prune("0");
    assert!(stdout.contains("(through seq 2)"), "{stdout}");
    let verify = ok(d, &["audit-log", "verify", "--data-dir", "store"]);
    assert!(verify.contains("seq 3 to 3"), "{verify}");
}
