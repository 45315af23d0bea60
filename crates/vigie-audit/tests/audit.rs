//! The audit on a generated export with known planted problems: every category is found with
//! its exact count; the JSON report round-trips and feeds the trend; the CSV work lists and the
//! HTML page are well-formed and self-contained.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::fmt::Write;

use vigie_audit::fail_on::FailCondition;
use vigie_audit::html::{HtmlOptions, Lang};
use vigie_audit::report::{Action, AuditReport, CollisionKind, InsProblemKind, QualityIssueKind};
use vigie_audit::{AuditOptions, audit, fallback_evidence};
use vigie_batch::input::{Input, ReadOptions, read_records};

const HEADER: &str = "record_id,source,local_id,birth_name,used_name,first_names,used_first_name,sex,birth_date,birth_place_code,ins,ins_oid,identity_status,identity_attributes,address,postcode,city,country,phone,email,other_id";

/// A NIR with its key: sex digit, birth year, month, 5-character birthplace, 3-digit order.
fn nir(sex: u8, year: u16, month: u8, place: &str, order: u32) -> String {
    let body = format!("{sex}{:02}{month:02}{place}{order:03}", year % 100);
    let key = vigie_core::ins::compute_key(&body).expect("valid body");
    format!("{body}{key:02}")
}

/// The same NIR with a wrong key.
fn bad_key(valid: &str) -> String {
    let key: u8 = valid[13..].parse().unwrap();
    format!("{}{:02}", &valid[..13], if key == 97 { 1 } else { key + 1 })
}

#[derive(Default, Clone)]
struct Row {
    source: &'static str,
    local_id: String,
    birth_name: String,
    first_names: String,
    sex: &'static str,
    birth_date: String,
    birth_place: String,
    ins: String,
    ins_oid: String,
    status: &'static str,
    attributes: &'static str,
    phone: String,
}

const SURNAMES: [&str; 24] = [
    "ABADIE",
    "BARTHE",
    "CAZENAVE",
    "DARRIGADE",
    "ETCHEVERRY",
    "FOURCADE",
    "GARAT",
    "HIRIART",
    "IRIGOYEN",
    "JAUREGUY",
    "LARRALDE",
    "MENDIBURU",
    "NARBAITZ",
    "OLHAGARAY",
    "PEYRET",
    "QUEHEILLE",
    "RECALDE",
    "SALLABERRY",
    "TOUYAROU",
    "URRUTY",
    "VERGEZ",
    "XARDEL",
    "YRIARTE",
    "ZUBIETA",
];

/// A clean, distinct person number `k`: unique name, date (never 1 January), phone and INS.
fn base(k: u32, source: &'static str) -> Row {
    let year = 1940 + k as u16;
    let month = (k % 12) as u8 + 1;
    let day = 10 + k % 15;
    let sex = if k.is_multiple_of(2) { "M" } else { "F" };
    let first = if k.is_multiple_of(2) {
        "Pierre"
    } else {
        "Claire"
    };
    let qualified = !k.is_multiple_of(3);
    let ins = if qualified {
        nir(if sex == "M" { 1 } else { 2 }, year, month, "33063", k)
    } else {
        String::new()
    };
    Row {
        source,
        local_id: format!("L{k:04}"),
        birth_name: SURNAMES[(k as usize) % SURNAMES.len()].to_owned()
            + &"E".repeat(k as usize / SURNAMES.len()),
        first_names: first.to_owned(),
        sex,
        birth_date: format!("{year}-{month:02}-{day:02}"),
        birth_place: "33063".to_owned(),
        ins,
        status: if qualified { "QUAL" } else { "PROV" },
        phone: format!("05{:08}", 10_000 + k),
        ..Row::default()
    }
}

fn person(
    source: &'static str,
    local_id: &str,
    name: &str,
    first: &str,
    sex: &'static str,
    date: &str,
) -> Row {
    Row {
        source,
        local_id: local_id.to_owned(),
        birth_name: name.to_owned(),
        first_names: first.to_owned(),
        sex,
        birth_date: date.to_owned(),
        status: "PROV",
        ..Row::default()
    }
}

/// The planted problems, and how many of each.
fn planted_rows() -> Vec<Row> {
    let mut rows: Vec<Row> = (0..40)
        .map(|k| base(k, if k.is_multiple_of(2) { "CH-A" } else { "CH-B" }))
        .collect();

    // 3 doublon groups (4 duplicate records).
    let ins_p1 = nir(2, 1961, 5, "75056", 11);
    let p1 = Row {
        ins: ins_p1.clone(),
        birth_place: "75056".into(),
        status: "QUAL",
        ..person("CH-A", "A100", "Hélène-Marie", "Lucie", "F", "1961-05-14")
    };
    rows.push(p1.clone());
    rows.push(Row {
        local_id: "A101".into(),
        birth_name: "HELENE-MARIE".into(),
        first_names: "LUCIE ANNE".into(),
        birth_date: "14/05/1961".into(),
        ..p1
    });
    for id in ["B200", "B201", "B202"] {
        rows.push(person("CH-B", id, "Castagnet", "Rémi", "M", "1977-08-22"));
    }
    rows.push(Row {
        birth_place: "75056".into(),
        ..person("CH-A", "A300", "Lassalle", "Odile", "F", "1949-11-03")
    });
    rows.push(Row {
        birth_place: "69123".into(),
        ..person("CH-A", "A301", "Lassalle", "Odile", "F", "1949-11-03")
    });
    // Not doublons: one person in two sources; one local id exported twice with the same traits.
    rows.push(person(
        "CH-A",
        "A400",
        "Mirassou",
        "Jules",
        "M",
        "1958-02-27",
    ));
    rows.push(person(
        "CH-B",
        "B400",
        "Mirassou",
        "Jules",
        "M",
        "1958-02-27",
    ));
    rows.push(person(
        "CH-B",
        "B500",
        "Harriague",
        "Paule",
        "F",
        "1944-06-18",
    ));
    rows.push(person(
        "CH-B",
        "B500",
        "Harriague",
        "Paule",
        "F",
        "1944-06-18",
    ));

    // 1 potential duplicate (phonetic first name).
    rows.push(person(
        "CH-A",
        "A600",
        "Fontaine",
        "Mathieu",
        "M",
        "1966-09-09",
    ));
    rows.push(person(
        "CH-A",
        "A601",
        "Fontaine",
        "Matthieu",
        "M",
        "1966-09-09",
    ));

    // 2 collisions: one INS on two people; one local id on two people.
    let ins_x = nir(1, 1950, 2, "75056", 321);
    rows.push(Row {
        ins: ins_x.clone(),
        birth_place: "75056".into(),
        status: "QUAL",
        ..person("CH-A", "A700", "Moreau", "Paul", "M", "1950-02-03")
    });
    rows.push(Row {
        ins: ins_x,
        status: "QUAL",
        ..person("CH-B", "B700", "Moreau", "Marc", "M", "1950-02-17")
    });
    rows.push(person(
        "CH-B",
        "B900",
        "Legrand",
        "Julie",
        "F",
        "1975-05-05",
    ));
    rows.push(person("CH-B", "B900", "Petit", "Thomas", "M", "1990-10-10"));

    // 4 invalid INS keys.
    for k in 0..4u32 {
        rows.push(Row {
            ins: bad_key(&nir(1, 1930, 3, "64445", 500 + k)),
            ..person(
                "CH-A",
                &format!("A80{k}"),
                &format!("Elissalde{}", "E".repeat(k as usize)),
                "Jean",
                "M",
                &format!("1930-03-1{k}"),
            )
        });
    }
    // 1 test OID.
    rows.push(Row {
        ins: nir(2, 1985, 7, "64445", 42),
        ins_oid: "1.2.250.1.213.1.4.10".into(),
        status: "QUAL",
        ..person("CH-B", "B810", "Goyhenetche", "Maite", "F", "1985-07-19")
    });
    // 2 non-qualified INS carriers (PROV, VALI) and 1 recovered identity with its INS (info).
    for (k, status) in [(0u32, "PROV"), (1, "VALI"), (2, "RECUP")] {
        rows.push(Row {
            ins: nir(1, 1972, 4, "64445", 600 + k),
            status,
            ..person(
                "CH-A",
                &format!("A82{k}"),
                &format!("Bidegain{}", "E".repeat(k as usize)),
                "Xavier",
                "M",
                &format!("1972-04-2{k}"),
            )
        });
    }
    // NIR inconsistent with the traits: sex, birth year.
    rows.push(Row {
        ins: nir(2, 1963, 9, "64445", 700),
        status: "QUAL",
        ..person("CH-B", "B830", "Arrieta", "Michel", "M", "1963-09-23")
    });
    rows.push(Row {
        ins: nir(1, 1951, 9, "64445", 701),
        status: "QUAL",
        ..person("CH-B", "B831", "Arrosagaray", "Louis", "M", "1950-09-23")
    });

    // 5 placeholder birth dates (1 January).
    for k in 0..5u32 {
        rows.push(person(
            "CH-A",
            &format!("A90{k}"),
            &format!("Ospital{}", "E".repeat(k as usize)),
            "Anne",
            "F",
            &format!("{}-01-01", 1990 + k),
        ));
    }
    // Placeholder names: two on ordinary identities, one on a fictitious identity (expected).
    rows.push(person("CH-B", "B910", "X", "Jean", "M", "1979-03-30"));
    rows.push(person(
        "CH-B",
        "B911",
        "Durruty",
        "INCONNU",
        "M",
        "1979-04-30",
    ));
    rows.push(Row {
        attributes: "FICT",
        ..person("CH-B", "B912", "ANONYME", "X", "U", "")
    });
    // 2 doubtful identities.
    for k in 0..2u32 {
        rows.push(Row {
            attributes: "DOUT",
            ..person(
                "CH-A",
                &format!("A92{k}"),
                &format!("Haramboure{}", "E".repeat(k as usize)),
                "Marthe",
                "F",
                &format!("1938-12-1{k}"),
            )
        });
    }
    // One phone number on 5 distinct identities.
    for k in 0..5u32 {
        rows.push(Row {
            phone: "06 00 00 00 00".into(),
            ..person(
                "CH-B",
                &format!("B93{k}"),
                &format!("Sorhaindo{}", "E".repeat(k as usize)),
                "Paul",
                "M",
                &format!("19{}-02-14", 60 + k),
            )
        });
    }
    // 2 swapped name fields.
    rows.push(person(
        "CH-A",
        "A940",
        "Julien",
        "Dubois",
        "M",
        "1981-03-08",
    ));
    rows.push(person(
        "CH-A",
        "A941",
        "Nathalie",
        "Lefebvre",
        "F",
        "1983-05-09",
    ));
    // 3 names with characters outside the RNIV rules.
    rows.push(person(
        "CH-B",
        "B950",
        "Dupont2",
        "Alain",
        "M",
        "1946-07-07",
    ));
    rows.push(person(
        "CH-B",
        "B951",
        "Rousseau.",
        "Alain",
        "M",
        "1947-07-07",
    ));
    rows.push(person(
        "CH-B",
        "B952",
        "Lacoste",
        "Anne - Marie",
        "F",
        "1948-07-07",
    ));
    // 1 unreadable birth date.
    rows.push(person(
        "CH-A",
        "A960",
        "Iribarne",
        "Paul",
        "M",
        "31/02/1980",
    ));
    // 2 homonym groups: different INS (both qualified); different sexes. One record is HOMA.
    rows.push(Row {
        ins: nir(2, 1962, 4, "64445", 801),
        status: "QUAL",
        attributes: "HOMA",
        ..person("CH-A", "A970", "Bernard", "Claire", "F", "1962-04-12")
    });
    rows.push(Row {
        ins: nir(2, 1962, 4, "64445", 802),
        status: "QUAL",
        ..person("CH-A", "A971", "Bernard", "Claire", "F", "1962-04-12")
    });
    rows.push(person("CH-B", "B970", "Roux", "Camille", "M", "1980-06-06"));
    rows.push(person("CH-B", "B971", "Roux", "Camille", "F", "1980-06-06"));
    rows
}

fn csv_text(rows: &[Row]) -> String {
    let mut text = format!("{HEADER}\n");
    for (i, r) in rows.iter().enumerate() {
        writeln!(
            text,
            "R{:04},{},{},{},,{},,{},{},{},{},{},{},{},,,,,{},,",
            i + 1,
            r.source,
            r.local_id,
            r.birth_name,
            r.first_names,
            r.sex,
            r.birth_date,
            r.birth_place,
            r.ins,
            r.ins_oid,
            r.status,
            r.attributes,
            r.phone
        )
        .unwrap();
    }
    text
}

fn read(rows: &[Row]) -> Input {
    read_records(csv_text(rows).as_bytes(), &ReadOptions::default()).unwrap()
}

fn run(input: &Input, cross_source: bool) -> AuditReport {
    let evidence = fallback_evidence(&input.records);
    let options = AuditOptions {
        generated_at: "2026-05-19T08:00:00Z".into(),
        input_name: "planted.csv".into(),
        cross_source,
        ..AuditOptions::default()
    };
    let mut phases = Vec::new();
    let report = audit(input, &evidence, &options, &mut |p| phases.push(p)).unwrap();
    assert_eq!(phases.len() as u64, vigie_audit::Phase::COUNT);
    report
}

fn planted_report() -> AuditReport {
    run(&read(&planted_rows()), false)
}

fn count<K: Ord + Copy>(items: impl Iterator<Item = K>) -> BTreeMap<K, usize> {
    let mut map = BTreeMap::new();
    for k in items {
        *map.entry(k).or_default() += 1;
    }
    map
}

#[test]
fn every_planted_problem_is_found_with_its_exact_count() {
    let rows = planted_rows();
    let input = read(&rows);
    assert_eq!(input.records.len(), rows.len());
    let report = run(&input, false);
    let h = &report.headline;
    let n = rows.len() as u64;
    assert_eq!(h.records, n);

    // Doublons.
    assert_eq!(h.doublon_groups, 3, "{:#?}", report.doublons);
    assert_eq!(h.duplicate_records, 4);
    assert_eq!(h.records_in_doublon_groups, 7);
    assert!((h.duplicate_rate - 4.0 / n as f64).abs() < 1e-12);
    let actions = count(report.doublons.iter().map(|g| g.action));
    assert_eq!(actions.get(&Action::Merge), Some(&2));
    assert_eq!(actions.get(&Action::CheckDocuments), Some(&1));
    let check = report
        .doublons
        .iter()
        .find(|g| g.action == Action::CheckDocuments)
        .unwrap();
    assert_eq!(check.conflicts, ["birth_place_code"]);
    assert!(
        check
            .differing_fields
            .contains(&"birth_place_code".to_owned())
    );
    let p1 = report
        .doublons
        .iter()
        .find(|g| {
            g.records.len() == 2 && g.probability.unwrap() > 0.99 && g.action == Action::Merge
        })
        .unwrap();
    assert!(!p1.explanation.is_empty());
    assert!(p1.explanation.iter().any(|c| c.field == "birth_date"));
    assert_eq!(h.potential_duplicate_pairs, 1);

    // Collisions.
    assert_eq!(h.collisions, 2, "{:#?}", report.collisions);
    let kinds = count(report.collisions.iter().map(|c| c.kind));
    assert_eq!(kinds.get(&CollisionKind::SharedIns), Some(&1));
    assert_eq!(kinds.get(&CollisionKind::SharedLocalId), Some(&1));
    let shared_ins = &report.collisions[0];
    assert_eq!(shared_ins.kind, CollisionKind::SharedIns);
    assert_eq!(shared_ins.conflicting_fields, ["birth_date", "first_names"]);
    assert_eq!(report.collisions[1].key, "CH-B/B900");

    // INS problems.
    let ins = count(report.ins_problems.iter().map(|p| p.kind));
    let expected: BTreeMap<InsProblemKind, usize> = [
        (InsProblemKind::InvalidKey, 4),
        (InsProblemKind::TestOid, 1),
        (InsProblemKind::SexMismatch, 1),
        (InsProblemKind::BirthYearMismatch, 1),
        (InsProblemKind::NonQualifiedCarrier, 2),
        (InsProblemKind::RecoveredNotQualified, 1),
    ]
    .into_iter()
    .collect();
    assert_eq!(ins, expected, "{:#?}", report.ins_problems);
    assert_eq!(h.invalid_ins, 4);
    assert_eq!(h.ins_problems, 9, "informational kinds are not counted");
    let with_ins = rows.iter().filter(|r| !r.ins.is_empty()).count() as u64;
    assert_eq!(h.records_with_ins, with_ins);
    assert!((h.invalid_ins_share - 4.0 / with_ins as f64).abs() < 1e-12);
    let bad = report
        .ins_problems
        .iter()
        .find(|p| p.kind == InsProblemKind::InvalidKey)
        .unwrap();
    assert!(bad.detail.starts_with("key="), "{}", bad.detail);

    // Statuses.
    let qual = rows.iter().filter(|r| r.status == "QUAL").count() as u64;
    assert_eq!(report.status.qual, qual);
    assert_eq!(report.status.vali, 1);
    assert_eq!(report.status.recup, 1);
    assert_eq!(
        report.status.prov + report.status.recup + report.status.vali + report.status.qual,
        n
    );
    assert_eq!(report.status.doubtful, 2);
    assert_eq!(report.status.fictitious, 1);
    assert_eq!(report.status.homonym, 1);
    assert!((h.qualified_share - qual as f64 / n as f64).abs() < 1e-12);

    // Homonyms.
    assert_eq!(h.homonym_groups, 2, "{:#?}", report.homonym_groups);
    let flagged: u64 = report.homonym_groups.iter().map(|g| g.flagged).sum();
    assert_eq!(flagged, 1);
    assert!(report.homonym_groups.iter().all(|g| g.persons == 2));

    // Data quality.
    let quality = count(report.quality.issues.iter().map(|i| i.kind));
    let expected: BTreeMap<QualityIssueKind, usize> = [
        (QualityIssueKind::InvalidValue, 1),
        (QualityIssueKind::PlaceholderBirthDate, 5),
        (QualityIssueKind::PlaceholderName, 2),
        (QualityIssueKind::RepeatedPhone, 5),
        (QualityIssueKind::SwappedNames, 2),
        (QualityIssueKind::RnivCharacters, 3),
    ]
    .into_iter()
    .collect();
    assert_eq!(quality, expected, "{:#?}", report.quality.issues);
    assert_eq!(report.quality.repeated_phones.len(), 1);
    assert_eq!(report.quality.repeated_phones[0].phone, "0600000000");
    assert_eq!(report.quality.repeated_phones[0].identities, 5);
    let field = |name: &str| {
        report
            .quality
            .fields
            .iter()
            .find(|f| f.field == name)
            .unwrap()
    };
    assert_eq!(field("birth_date").invalid, 1);
    assert_eq!(field("birth_date").missing, 1, "the fictitious identity");
    assert_eq!(field("email").missing_rate, 1.0);
    assert_eq!(field("source").missing, 0);
    let rniv: Vec<&str> = report
        .quality
        .issues
        .iter()
        .filter(|i| i.kind == QualityIssueKind::RnivCharacters)
        .map(|i| i.detail.as_str())
        .collect();
    assert_eq!(rniv, ["DUPONT", "ROUSSEAU", "ANNE-MARIE"]);

    // Per source: the counts add up, sources sorted by size.
    assert_eq!(report.sources.len(), 2);
    let sum = |f: fn(&vigie_audit::report::Headline) -> u64| -> u64 {
        report.sources.iter().map(|s| f(&s.headline)).sum()
    };
    assert_eq!(sum(|h| h.records), n);
    assert_eq!(sum(|h| h.doublon_groups), 3);
    assert_eq!(sum(|h| h.duplicate_records), 4);
    assert_eq!(sum(|h| h.invalid_ins), 4);
    assert_eq!(
        sum(|h| h.collisions),
        1 + 1 + 1,
        "the shared INS spans both sources"
    );
    assert!(report.sources[0].headline.records >= report.sources[1].headline.records);

    // Every record a list refers to is in the records map.
    for g in &report.doublons {
        for id in &g.records {
            assert!(report.records.contains_key(id));
        }
    }
    for issue in &report.quality.issues {
        assert!(report.records.contains_key(&issue.record));
    }
}

#[test]
fn cross_source_scope_adds_the_registration_in_two_establishments() {
    let report = run(&read(&planted_rows()), true);
    assert_eq!(report.headline.doublon_groups, 4);
    assert_eq!(report.headline.duplicate_records, 5);
}

#[test]
fn several_ins_in_one_duplicate_group_is_a_collision() {
    // Evidence from an engine (not the fallback) that links two records with different INS.
    let rows = vec![
        Row {
            ins: nir(1, 1970, 1, "64445", 1),
            status: "QUAL",
            ..person("CH-A", "A1", "Etcheto", "Pierre", "M", "1970-01-20")
        },
        Row {
            ins: nir(1, 1970, 1, "64445", 2),
            status: "QUAL",
            ..person("CH-A", "A2", "Etchetto", "Pierre", "M", "1970-01-20")
        },
        person("CH-A", "A3", "Laborde", "Anne", "F", "1971-02-21"),
    ];
    let input = read(&rows);
    let evidence = vigie_audit::DuplicateEvidence {
        pairs: vec![vigie_audit::ScoredPair {
            left: 0,
            right: 1,
            weight: 18.0,
            probability: 0.97,
            band: vigie_audit::Band::AutoLink,
            contributions: vec![("birth_name".into(), 6.0), ("birth_date".into(), 12.0)],
        }],
        clusters: vec![7, 7, 9],
    };
    let options = AuditOptions {
        producer: "engine".into(),
        fallback: false,
        ..AuditOptions::default()
    };
    let report = audit(&input, &evidence, &options, &mut |_| {}).unwrap();
    assert_eq!(report.headline.collisions, 1);
    assert_eq!(report.collisions[0].kind, CollisionKind::SeveralInsInGroup);
    assert_eq!(report.headline.doublon_groups, 1);
    let group = &report.doublons[0];
    assert_eq!(group.action, Action::CheckDocuments);
    assert_eq!(group.conflicts, ["ins"]);
    assert_eq!(group.probability, Some(0.97));
    assert_eq!(group.explanation[0].field, "birth_date");

    let wrong = vigie_audit::DuplicateEvidence {
        pairs: vec![],
        clusters: vec![0, 1],
    };
    assert!(audit(&input, &wrong, &options, &mut |_| {}).is_err());
}

#[test]
fn json_round_trips_and_feeds_the_trend() {
    let report = planted_report();
    let json = serde_json::to_string_pretty(&report).unwrap();
    let back: AuditReport = serde_json::from_str(&json).unwrap();
    // Floats may differ in the last bit after a text round trip; everything else is exact.
    assert_eq!(back.records, report.records);
    assert_eq!(back.collisions, report.collisions);
    assert_eq!(back.ins_problems, report.ins_problems);
    assert_eq!(back.homonym_groups, report.homonym_groups);
    assert_eq!(back.quality.issues, report.quality.issues);
    assert_eq!(back.status, report.status);
    assert_eq!(
        back.headline.collisions_by_kind,
        report.headline.collisions_by_kind
    );
    assert_eq!(back.doublons.len(), report.doublons.len());
    for (a, b) in back.doublons.iter().zip(&report.doublons) {
        assert_eq!((&a.records, a.action), (&b.records, b.action));
        assert!((a.probability.unwrap() - b.probability.unwrap()).abs() < 1e-12);
    }
    assert!((back.headline.duplicate_rate - report.headline.duplicate_rate).abs() < 1e-15);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["schema"], "vigie-audit");
    assert_eq!(value["version"], 1);

    let old = vigie_audit::trend::previous_from_json("old.json", json.as_bytes()).unwrap();
    let mut newer = run(&read(&planted_rows()[..40]), false);
    newer.generated_at = "2026-05-26T08:00:00Z".into();
    vigie_audit::trend::set_trend(&mut newer, vec![old]);
    assert_eq!(newer.trend.len(), 2);
    assert!(!newer.trend[0].current && newer.trend[1].current);
    assert_eq!(newer.trend[0].collisions, 2);
    assert_eq!(newer.trend[1].collisions, 0);

    assert!(vigie_audit::trend::previous_from_json("x", br#"{"schema":"other"}"#).is_err());
    let future = json.replacen("\"version\": 1", "\"version\": 99", 1);
    assert!(vigie_audit::trend::previous_from_json("x", future.as_bytes()).is_err());
}

#[test]
fn fail_on_conditions() {
    let report = planted_report();
    let holds = |c: &str| {
        c.parse::<FailCondition>()
            .unwrap()
            .evaluate(&report.headline)
            .holds
    };
    assert!(holds("duplicates>0.5%"));
    assert!(holds("collisions>0"));
    assert!(!holds("invalid_ins>4"));
    assert!(holds("invalid_ins>=4"));
}

#[test]
fn csv_work_lists() {
    let report = planted_report();
    let dir = tempfile::tempdir().unwrap();
    vigie_audit::csv_out::write_work_lists(&report, dir.path()).unwrap();
    let rows = |name: &str| -> Vec<csv::StringRecord> {
        let mut reader = csv::Reader::from_path(dir.path().join(name)).unwrap();
        reader.records().map(Result::unwrap).collect()
    };
    let doublons = rows("doublons.csv");
    assert_eq!(doublons.len(), 7 + 2);
    assert_eq!(doublons.iter().filter(|r| &r[0] == "potential").count(), 2);
    assert_eq!(rows("collisions.csv").len(), 4);
    assert_eq!(rows("ins-problems.csv").len(), 10);
    assert_eq!(rows("quality.csv").len(), 18);
    let mut reader = csv::Reader::from_path(dir.path().join("quality.csv")).unwrap();
    let header = reader.headers().unwrap().clone();
    assert_eq!(&header[0], "kind");
    assert!(header.iter().any(|c| c == "local_id"));
}

#[test]
fn html_report_is_well_formed_and_self_contained() {
    let mut report = planted_report();
    let old = vigie_audit::trend::point_of(&report);
    let mut older = old.clone();
    older.generated_at = "2026-05-05T08:00:00Z".into();
    older.duplicate_rate = 0.2;
    vigie_audit::trend::set_trend(&mut report, vec![older]);
    for lang in [Lang::Fr, Lang::En] {
        let html = vigie_audit::html::render(
            &report,
            &HtmlOptions {
                lang,
                ..HtmlOptions::default()
            },
        );
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.ends_with("</html>"));
        // No external reference of any kind.
        let lower = html.to_lowercase();
        for needle in ["http", "//cdn", "src=", "@import", "url("] {
            assert!(!lower.contains(needle), "{needle}");
        }
        // Charts: status bars, per-source bars, missing rates, trend lines.
        assert!(html.matches("<svg class=\"chart\"").count() >= 6);
        assert_eq!(html.matches("<svg").count(), html.matches("</svg>").count());
        assert!(html.contains("<polyline"));
        // Balanced elements.
        for tag in [
            "html", "head", "body", "section", "table", "thead", "tbody", "tr", "details",
            "summary", "script", "style", "svg", "header", "main", "footer",
        ] {
            let open = html.matches(&format!("<{tag}>")).count()
                + html.matches(&format!("<{tag} ")).count();
            let close = html.matches(&format!("</{tag}>")).count();
            assert_eq!(open, close, "<{tag}>");
        }
        // Side-by-side views with highlighted differences, one per doublon group.
        assert_eq!(
            html.matches("<details>").count(),
            report.doublons.len() + report.potential_duplicates.len() + report.collisions.len()
        );
        assert!(html.contains("class=\"diff\""));
        // Data is escaped: no raw quote from a value breaks out.
        assert!(!html.contains("<script>alert"));
        match lang {
            Lang::Fr => {
                assert!(html.contains("lang=\"fr\""));
                assert!(html.contains("Doublons suspects"));
                assert!(html.contains("Vérifier sur pièce d&#39;identité"));
            }
            Lang::En => {
                assert!(html.contains("lang=\"en\""));
                assert!(html.contains("Suspected doublons"));
            }
        }
    }
}

#[test]
fn html_escapes_hostile_values() {
    let mut rows = planted_rows();
    rows[0].birth_name = "<script>alert(1)</script>".into();
    rows[1].birth_name = rows[0].birth_name.clone();
    rows[1].first_names = rows[0].first_names.clone();
    rows[1].birth_date = rows[0].birth_date.clone();
    rows[1].sex = rows[0].sex;
    rows[1].source = rows[0].source;
    rows[1].ins = rows[0].ins.clone();
    let report = run(&read(&rows), false);
    let html = vigie_audit::html::render(&report, &HtmlOptions::default());
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_eq!(html.matches("<script>").count(), 1);
}
