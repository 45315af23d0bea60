//! End-to-end checks of the generator's output: determinism, sizes, CSV shape, truth
//! coverage, NIR validity and consistency, shuffling, twins and homonyms.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};

use vigie_synth::{
    ErrorKind, GenerateConfig, INS_NIA_OID, INS_NIR_OID, RECORDS_HEADER, generate, generate_table,
    generate_to_dir, nir_key_is_valid,
};

struct Row {
    id: String,
    fields: BTreeMap<String, String>,
}

fn parse(records: &str) -> Vec<Row> {
    let mut reader = csv::ReaderBuilder::new().from_reader(records.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    reader
        .records()
        .map(|r| {
            let r = r.expect("every row parses");
            assert_eq!(r.len(), headers.len(), "row has the header's field count");
            let fields: BTreeMap<String, String> = headers
                .iter()
                .cloned()
                .zip(r.iter().map(str::to_string))
                .collect();
            Row {
                id: fields["record_id"].clone(),
                fields,
            }
        })
        .collect()
}

fn truth_map(truth: &str) -> Vec<(String, String)> {
    let mut lines = truth.lines();
    assert_eq!(lines.next(), Some("record_id,person_id"));
    lines
        .map(|l| {
            let (r, p) = l.split_once(',').unwrap();
            (r.to_string(), p.to_string())
        })
        .collect()
}

fn sample() -> (Vec<Row>, Vec<(String, String)>) {
    let (records, truth) = generate_table(&GenerateConfig::new(6000, 11));
    (parse(&records), truth_map(&truth))
}

#[test]
fn same_seed_same_bytes_and_different_seed_differs() {
    let a = generate_table(&GenerateConfig::new(800, 5));
    let b = generate_table(&GenerateConfig::new(800, 5));
    assert_eq!(a, b);
    let c = generate_table(&GenerateConfig::new(800, 6));
    assert_ne!(a.0, c.0);
    assert_ne!(a.1, c.1);
}

#[test]
fn files_in_a_directory_match_the_in_memory_table() {
    let dir = tempfile::tempdir().unwrap();
    let config = GenerateConfig::new(300, 9);
    let summary = generate_to_dir(&config, dir.path()).unwrap();
    let records = std::fs::read_to_string(dir.path().join("records.csv")).unwrap();
    let truth = std::fs::read_to_string(dir.path().join("truth.csv")).unwrap();
    assert_eq!((records, truth), generate_table(&config));
    assert_eq!(summary.persons, 300);
}

#[test]
fn record_count_is_about_one_and_a_half_per_person() {
    let mut records = Vec::new();
    let mut truth = Vec::new();
    let summary = generate(&GenerateConfig::new(5000, 3), &mut records, &mut truth).unwrap();
    assert_eq!(summary.persons, 5000);
    let ratio = summary.records as f64 / 5000.0;
    assert!((1.3..=1.7).contains(&ratio), "{ratio}");
    let lines = records.iter().filter(|&&b| b == b'\n').count() as u64;
    assert_eq!(lines, summary.records + 1);
}

#[test]
fn header_and_every_row_parse_with_the_csv_crate() {
    let (records, _) = generate_table(&GenerateConfig::new(1000, 1));
    assert_eq!(records.lines().next(), Some(RECORDS_HEADER));
    let expected = [
        "record_id",
        "source",
        "local_id",
        "birth_name",
        "used_name",
        "first_names",
        "used_first_name",
        "sex",
        "birth_date",
        "birth_place_code",
        "ins",
        "ins_oid",
        "identity_status",
        "identity_attributes",
        "address",
        "postcode",
        "city",
        "country",
        "phone",
        "email",
        "other_id",
    ];
    assert_eq!(RECORDS_HEADER.split(',').collect::<Vec<_>>(), expected);
    let rows = parse(&records);
    assert!(rows.len() > 1000);
    for row in &rows {
        let status = row.fields["identity_status"].as_str();
        assert!(
            ["PROV", "RECUP", "VALI", "QUAL"].contains(&status),
            "{status}"
        );
        assert!(["", "M", "F", "U"].contains(&row.fields["sex"].as_str()));
        let date = &row.fields["birth_date"];
        assert!(
            date.is_empty() || date.len() == 4 || date.len() == 10,
            "{date}"
        );
    }
}

#[test]
fn truth_covers_every_record_once() {
    let (rows, truth) = sample();
    assert_eq!(rows.len(), truth.len());
    let ids: BTreeSet<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids.len(), rows.len(), "record ids are unique");
    for (row, (record_id, person_id)) in rows.iter().zip(&truth) {
        assert_eq!(&row.id, record_id);
        assert!(person_id.starts_with('P'));
    }
    let persons: BTreeSet<&str> = truth.iter().map(|(_, p)| p.as_str()).collect();
    assert_eq!(persons.len(), 6000);
}

#[test]
fn qualified_records_carry_a_valid_consistent_nir_and_clean_traits() {
    let (rows, _) = sample();
    let mut qualified = 0;
    for row in &rows {
        let f = &row.fields;
        if f["identity_status"] != "QUAL" {
            continue;
        }
        qualified += 1;
        let ins = &f["ins"];
        assert!(nir_key_is_valid(ins), "{ins}");
        assert!(f["ins_oid"] == INS_NIR_OID || f["ins_oid"] == INS_NIA_OID);
        let sex_digit = if f["sex"] == "M" { "1" } else { "2" };
        assert_eq!(&ins[0..1], sex_digit, "{ins} vs sex");
        let date = &f["birth_date"];
        assert_eq!(date.len(), 10, "qualified birth dates are complete");
        assert_eq!(&ins[1..3], &date[2..4], "{ins} vs {date}");
        assert_eq!(&ins[3..5], &date[5..7], "{ins} vs {date}");
        assert_eq!(
            &ins[5..10],
            f["birth_place_code"].as_str(),
            "{ins} vs birthplace"
        );
        // INSi form: upper case, no diacritics.
        for trait_ in ["birth_name", "first_names"] {
            let v = &f[trait_];
            assert!(!v.is_empty());
            assert!(
                v.chars()
                    .all(|c| c.is_ascii_uppercase() || " -'".contains(c)),
                "{v}"
            );
        }
        assert!(f["identity_attributes"].is_empty() || f["identity_attributes"] == "HOMA");
    }
    assert!(qualified > rows.len() / 5, "{qualified} of {}", rows.len());
}

#[test]
fn some_hand_keyed_ins_have_a_wrong_key_and_never_on_qualified_records() {
    let mut records = Vec::new();
    let summary = generate(
        &GenerateConfig::new(10_000, 2),
        &mut records,
        std::io::sink(),
    )
    .unwrap();
    let wrong = summary.errors.get(ErrorKind::InsWrongKey);
    assert!(wrong > 0);
    assert!((wrong as f64) < summary.records_with_ins as f64 * 0.01);
}

#[test]
fn records_of_a_person_are_never_adjacent() {
    let (_, truth) = sample();
    for pair in truth.windows(2) {
        assert_ne!(pair[0].1, pair[1].1, "{} and {}", pair[0].0, pair[1].0);
    }
}

#[test]
fn local_ids_are_unique_within_a_source() {
    let (rows, _) = sample();
    let mut seen = BTreeSet::new();
    for row in &rows {
        let key = (row.fields["source"].clone(), row.fields["local_id"].clone());
        assert!(seen.insert(key.clone()), "{key:?}");
    }
    let sources: BTreeSet<&str> = rows.iter().map(|r| r.fields["source"].as_str()).collect();
    assert!(sources.len() >= 20, "{}", sources.len());
}

#[test]
fn twins_share_birth_traits_but_not_first_names() {
    let (rows, truth) = sample();
    let person: BTreeMap<&str, &str> = truth
        .iter()
        .map(|(r, p)| (r.as_str(), p.as_str()))
        .collect();
    // Qualified records carry exact strict traits: group them by birth name, date and place.
    let mut groups: BTreeMap<(String, String, String), BTreeMap<String, String>> = BTreeMap::new();
    for row in rows
        .iter()
        .filter(|r| r.fields["identity_status"] == "QUAL")
    {
        let f = &row.fields;
        groups
            .entry((
                f["birth_name"].clone(),
                f["birth_date"].clone(),
                f["birth_place_code"].clone(),
            ))
            .or_default()
            .insert(
                person[row.id.as_str()].to_string(),
                f["first_names"].clone(),
            );
    }
    let twins: Vec<_> = groups.values().filter(|g| g.len() >= 2).collect();
    assert!(!twins.is_empty(), "no twins among qualified records");
    for g in twins {
        let firsts: BTreeSet<&String> = g.values().collect();
        assert_eq!(
            firsts.len(),
            g.len(),
            "twins have different first names: {g:?}"
        );
    }
}

#[test]
fn population_looks_like_france() {
    let summary = generate(
        &GenerateConfig::new(20_000, 4),
        std::io::sink(),
        std::io::sink(),
    )
    .unwrap();
    let abroad = summary.born_abroad as f64 / summary.persons as f64;
    assert!((0.05..0.12).contains(&abroad), "born abroad {abroad}");
    let used = summary.women_over_25_with_used_name as f64 / summary.women_over_25 as f64;
    assert!((0.3..0.5).contains(&used), "used name {used}");
    let twins = 2.0 * summary.twin_pairs as f64 / summary.persons as f64;
    assert!((0.002..0.012).contains(&twins), "twins {twins}");
    assert!(summary.exact_homonyms > 0);
    assert!(summary.households > summary.persons / 3);
    let missing_place =
        summary.errors.get(ErrorKind::BirthPlaceMissing) as f64 / summary.records as f64;
    assert!(
        (0.2..0.4).contains(&missing_place),
        "missing birthplace {missing_place}"
    );
    let name_typos = summary.errors.get(ErrorKind::NameTypo) as f64 / summary.records as f64;
    assert!(
        (0.01..0.08).contains(&name_typos),
        "name typos {name_typos}"
    );
}

#[test]
fn error_scale_zero_keys_names_and_dates_cleanly() {
    let config = GenerateConfig {
        error_scale: 0.0,
        ..GenerateConfig::new(3000, 8)
    };
    let summary = generate(&config, std::io::sink(), std::io::sink()).unwrap();
    for kind in [
        ErrorKind::NameTypo,
        ErrorKind::NamePhonetic,
        ErrorKind::FirstNameTypo,
        ErrorKind::DayMonthSwap,
        ErrorKind::DateDigitTypo,
        ErrorKind::SexWrong,
    ] {
        assert_eq!(summary.errors.get(kind), 0, "{}", kind.name());
    }
}

#[test]
fn invalid_configuration_is_refused() {
    let config = GenerateConfig {
        error_scale: f64::NAN,
        ..GenerateConfig::new(10, 1)
    };
    assert!(generate(&config, std::io::sink(), std::io::sink()).is_err());
    assert_eq!(generate_table(&config), (String::new(), String::new()));
    let empty = generate_table(&GenerateConfig::new(0, 1));
    assert_eq!(empty.0.lines().count(), 1);
}

#[test]
fn small_chunks_stream_the_same_population() {
    let big = GenerateConfig::new(2000, 12);
    let small = GenerateConfig {
        chunk_records: 500,
        ..big.clone()
    };
    let (a, ta) = generate_table(&big);
    let (b, tb) = generate_table(&small);
    // Same records, written in a different order.
    let strip = |s: &str| -> BTreeSet<String> {
        s.lines()
            .skip(1)
            .map(|l| l.split_once(',').unwrap().1.to_string())
            .collect()
    };
    assert_eq!(strip(&a), strip(&b));
    assert_eq!(ta.lines().count(), tb.lines().count());
    for pair in truth_map(&tb).windows(2) {
        assert_ne!(pair[0].1, pair[1].1);
    }
}
