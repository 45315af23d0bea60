//! `vigie audit` end to end: outputs, exit codes (0, 2, 3), the trend over a previous report,
//! and no patient data on stderr.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};

const CSV: &str = "\
record_id,source,local_id,birth_name,first_names,sex,birth_date,ins,identity_status,phone
1,CH-A,100,Zorrilla,Amaia,F,1971-02-03,,PROV,0102030405
2,CH-A,101,ZORRILLA,Amaia,F,03/02/1971,,PROV,0102030405
3,CH-A,200,Etxeberria,Josu,M,1950-02-03,150027505632105,QUAL,
4,CH-B,300,Etxeberria,Koldo,M,1950-02-17,150027505632105,QUAL,
5,CH-B,400,Urrutikoetxea,Miren,F,1980-01-01,255081416802539,PROV,
";

fn vigie(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vigie"))
        .current_dir(dir)
        .arg("audit")
        .args(args)
        .output()
        .expect("run vigie")
}

#[test]
fn audit_writes_the_outputs_and_exits_3_when_a_condition_holds() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("export.csv"), CSV).unwrap();
    let out = vigie(
        dir.path(),
        &[
            "--input",
            "export.csv",
            // Five records are too few to train a model on: the exact-key fallback decides.
            "--evidence",
            "fallback",
            "-o",
            "report.html",
            "--json",
            "report.json",
            "--csv-dir",
            "lists",
            "--report-date",
            "2026-05-12",
            "--fail-on",
            "collisions>0",
            "--fail-on",
            "duplicates>50%",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    for secret in [
        "ZORRILLA",
        "Zorrilla",
        "Etxeberria",
        "1971",
        "150027505632105",
        "0102030405",
    ] {
        assert!(!stderr.contains(secret), "{secret} on stderr:\n{stderr}");
    }
    assert!(stderr.contains("TOTAL"), "{stderr}");
    assert!(stderr.contains("condition collisions>0: HOLDS"), "{stderr}");
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(html.contains("<svg") && !html.contains("http"));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap())
            .unwrap();
    assert_eq!(json["schema"], "vigie-audit");
    assert_eq!(json["headline"]["doublon_groups"], 1);
    assert_eq!(json["headline"]["collisions"], 1);
    assert_eq!(json["headline"]["invalid_ins"], 1);
    assert_eq!(json["conditions"][0]["holds"], true);
    assert_eq!(json["conditions"][1]["holds"], false);
    for name in [
        "doublons.csv",
        "collisions.csv",
        "ins-problems.csv",
        "quality.csv",
    ] {
        assert!(dir.path().join("lists").join(name).is_file(), "{name}");
    }

    // A week later: the trend has both reports, and no condition holds.
    let out = vigie(
        dir.path(),
        &[
            "--input",
            "export.csv",
            "--json",
            "later.json",
            "--lang",
            "en",
            "-o",
            "later.html",
            "--previous",
            "report.json",
            "--report-date",
            "2026-05-19",
            "--fail-on",
            "collisions>5",
            "--quiet",
        ],
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty(), "--quiet prints nothing");
    let later: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("later.json")).unwrap())
            .unwrap();
    assert_eq!(later["trend"].as_array().unwrap().len(), 2);
    assert_eq!(later["trend"][0]["generated_at"], "2026-05-12");
    let html = std::fs::read_to_string(dir.path().join("later.html")).unwrap();
    assert!(html.contains("<polyline") && html.contains("lang=\"en\""));
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("export.csv"), CSV).unwrap();
    let bad = vigie(
        dir.path(),
        &["--input", "export.csv", "--fail-on", "dupes>1"],
    );
    assert_eq!(bad.status.code(), Some(2));
    let store = vigie(dir.path(), &["--data-dir", "no-such-store"]);
    assert_eq!(
        store.status.code(),
        Some(2),
        "an audit never creates a store"
    );
    assert!(!dir.path().join("no-such-store").exists());
    let previous = vigie(
        dir.path(),
        &["--input", "export.csv", "--previous", "export.csv"],
    );
    assert_eq!(previous.status.code(), Some(2));
}
