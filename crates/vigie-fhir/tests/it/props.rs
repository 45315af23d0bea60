//! Property tests: the Patient → domain conversion never panics on JSON-ish Patients built from
//! strategies (any strings in names, dates, identifiers, codes and extensions), and whatever it
//! accepts survives Patient → domain → Patient → domain unchanged (the fuzz target's assertion).

use proptest::prelude::*;
use serde_json::{Value, json};

/// Any string, or a plausible one, so both branches of every check are exercised.
fn text(plausible: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop_oneof![
        1 => any::<String>(),
        8 => proptest::sample::select(plausible).prop_map(str::to_owned),
    ]
}

fn maybe<T: std::fmt::Debug + Clone>(
    s: impl Strategy<Value = T>,
) -> impl Strategy<Value = Option<T>> {
    proptest::option::weighted(0.8, s)
}

/// A FR Core INS identifier (valid or invalid key, any register).
fn ins_identifier() -> impl Strategy<Value = Value> {
    (
        proptest::sample::select(&["1.2.250.1.213.1.4.8", "1.2.250.1.213.1.4.9", "1.2.250.1.213.1.4.10"][..]),
        text(&["295109912611193", "255081416802538", "253072A07300443", "295109912611199", "2 95 10 99 126 111 93"]),
        proptest::sample::select(&["INS-NIR", "INS-NIA", "INS"][..]),
        proptest::sample::select(&["official", "temp", "old"][..]),
    )
        .prop_map(|(oid, value, type_, use_)| json!({
            "use": use_,
            "type": {"coding": [{"system": "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203", "code": type_}]},
            "system": format!("urn:oid:{oid}"),
            "value": value
        }))
}

const SYSTEMS: &[&str] = &[
    "urn:oid:1.2.250.1.213.1.4.8",
    "urn:oid:1.2.250.1.213.1.4.9",
    "urn:oid:1.2.250.1.213.1.4.10",
    "urn:oid:1.3.6.1.4.1.21367.13.20.1000",
    "http://hopital.fr/namingsystem/ipp",
    "urn:oid:1.2.3",
    "http://example.org/mrn",
    "urn:oid:",
    " ",
];
const VALUES: &[&str] = &[
    "295109912611193",
    "260058815400244",
    "IPP-1",
    "IPP-2",
    "IPP-3",
    "IPP-4",
    "IPP-5",
    "IPP-6",
    "",
    "\u{0}x",
];
const TYPES: &[&str] = &["INS-NIR", "INS-NIA", "INS", "NH", "PI", "INS-C"];
const DATES: &[&str] = &[
    "1995-10-01",
    "1953-07-15",
    "1960-05",
    "1995",
    "1849",
    "1995-02-30",
    "30/01/1958",
    "2101-01-01",
];
const GENDERS: &[&str] = &["male", "female", "female", "male", "other", "unknown", "M"];
const STATUSES: &[&str] = &[
    "PROV", "RECUP", "VALI", "QUAL", "QUAL", "QUAL", "VIDE", "DOUB", "xyz",
];
const STATUS_SYSTEMS: &[&str] = &[
    "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-identity-status",
    "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0445",
];
const COMMENTS: &[&str] = &["DOUT", "FICT", "HOMA", "DOUA", "DESA", ""];
const PLACES: &[&str] = &["88154", "2A004", "99330", "97411", "00000", "ABCDE"];
const NAMES: &[&str] = &["Dark", "Le Gall", "  ", "Jeanne Marie", "Ø'Hara-Öz"];

fn identifier() -> impl Strategy<Value = Value> {
    (
        proptest::option::weighted(0.97, text(SYSTEMS)),
        proptest::option::weighted(0.97, text(VALUES)),
        maybe(text(TYPES)),
        maybe(text(&["official", "temp", "old", "usual"])),
    )
        .prop_map(|(system, value, type_, use_)| {
            let mut identifier = json!({});
            if let Some(s) = system {
                identifier["system"] = json!(s);
            }
            if let Some(v) = value {
                identifier["value"] = json!(v);
            }
            if let Some(t) = type_ {
                identifier["type"] = json!({"coding": [{"code": t}]});
            }
            if let Some(u) = use_ {
                identifier["use"] = json!(u);
            }
            identifier
        })
}

fn name() -> impl Strategy<Value = Value> {
    (maybe(text(&["official", "usual", "maiden", "old"])), maybe(text(NAMES)), proptest::collection::vec(text(NAMES), 0..3), maybe(text(NAMES)))
        .prop_map(|(use_, family, given, list)| {
            let mut name = json!({"given": given});
            if let Some(u) = use_ { name["use"] = json!(u); }
            if let Some(f) = family { name["family"] = json!(f); }
            if let Some(l) = list {
                name["extension"] = json!([{"url": "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-patient-birth-list-given-name", "valueString": l}]);
            }
            name
        })
}

fn reliability() -> impl Strategy<Value = Value> {
    (text(STATUSES), text(STATUS_SYSTEMS), proptest::collection::vec(text(COMMENTS), 0..3)).prop_map(|(status, system, comments)| {
        let mut subs = vec![json!({"url": "identityStatus", "valueCoding": {"system": system, "code": status}})];
        subs.extend(comments.into_iter().map(|c| json!({"url": "comment", "valueCodeableConcept": {"coding": [{"code": c}]}})));
        json!({"url": "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-identity-reliability", "extension": subs})
    })
}

fn patient() -> impl Strategy<Value = Value> {
    (
        proptest::collection::vec(prop_oneof![2 => identifier(), 1 => ins_identifier()], 0..4),
        proptest::collection::vec(name(), 0..3),
        maybe(text(GENDERS)),
        maybe(text(DATES)),
        maybe(reliability()),
        maybe(text(PLACES)),
        maybe(text(&["06 12 34 56 78", "+33 6 12 34 56 78", "0033612345678", "abc"])),
        maybe(text(&["A@B.fr", "x"])),
        (maybe(text(&["p1", "p2", "p3", "p4", " "])), maybe(any::<bool>()), proptest::collection::vec(text(&["1 rue A", ""]), 0..2), maybe(text(&["Brest"]))),
    )
        .prop_map(|(identifiers, names, gender, birth_date, reliability, place, phone, email, (id, active, lines, city))| {
            let mut patient = json!({"resourceType": "Patient", "identifier": identifiers, "name": names});
            let mut extensions = Vec::new();
            if let Some(r) = reliability { extensions.push(r); }
            if let Some(p) = place {
                extensions.push(json!({"url": "http://hl7.org/fhir/StructureDefinition/patient-birthPlace",
                    "valueAddress": {"extension": [{"url": "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-address-insee-code", "valueCoding": {"code": p}}]}}));
            }
            patient["extension"] = json!(extensions);
            if let Some(g) = gender { patient["gender"] = json!(g); }
            if let Some(d) = birth_date { patient["birthDate"] = json!(d); }
            let mut telecom = Vec::new();
            if let Some(p) = phone { telecom.push(json!({"system": "phone", "value": p})); }
            if let Some(e) = email { telecom.push(json!({"system": "email", "value": e})); }
            patient["telecom"] = json!(telecom);
            if let Some(id) = id { patient["id"] = json!(id); }
            if let Some(a) = active { patient["active"] = json!(a); }
            patient["address"] = json!([{"line": lines, "city": city}]);
            patient
        })
}

/// Arbitrary JSON values, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        any::<String>().prop_map(Value::from),
        text(&[
            "Patient",
            "Parameters",
            "Bundle",
            "resourceType",
            "identifier",
            "extension",
            "url"
        ])
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map(
                text(&[
                    "resourceType",
                    "identifier",
                    "name",
                    "extension",
                    "url",
                    "valueString",
                    "system",
                    "value",
                    "parameter",
                    "resource",
                    "birthDate",
                    "gender"
                ]),
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn patient_conversion_never_panics_and_round_trips(patient in patient()) {
        let bytes = serde_json::to_vec(&patient).unwrap();
        vigie_fhir::fuzz::patient(&bytes);
        let mut strict = b"R".to_vec();
        strict.extend_from_slice(&bytes);
        vigie_fhir::fuzz::patient(&strict);
        let mut test_oids = b"T".to_vec();
        test_oids.extend_from_slice(&bytes);
        vigie_fhir::fuzz::patient(&test_oids);
    }

    #[test]
    fn arbitrary_json_never_panics(value in json_value(), as_patient in any::<bool>()) {
        let value = match (value, as_patient) {
            (Value::Object(mut map), true) => {
                map.insert("resourceType".into(), json!("Patient"));
                Value::Object(map)
            }
            (other, _) => other,
        };
        vigie_fhir::fuzz::patient(&serde_json::to_vec(&value).unwrap());
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        vigie_fhir::fuzz::patient(&bytes);
    }
}

/// Always-valid qualified FR Core Patients with arbitrary names, so the INS path of the round
/// trip is exercised on every case.
fn qualified_patient() -> impl Strategy<Value = Value> {
    (
        proptest::sample::select(&["295109912611193", "255081416802538", "253072A07300443", "178059933010817"][..]),
        proptest::sample::select(&["1.2.250.1.213.1.4.8", "1.2.250.1.213.1.4.9"][..]),
        any::<String>(),
        proptest::collection::vec(any::<String>(), 1..3),
        any::<String>(),
        proptest::sample::select(&["male", "female", "unknown"][..]),
        proptest::sample::select(&["1995-10-01", "1953-07", "1978"][..]),
        proptest::sample::select(&["88154", "2A004", "99330"][..]),
        proptest::collection::vec(proptest::sample::select(&["DOUT", "HOMA", "DOUA", "DESA"][..]), 0..2),
    )
        .prop_map(|(ins, oid, family, given, list, gender, date, place, comments)| {
            let mut reliability = vec![json!({"url": "identityStatus", "valueCoding": {"code": "QUAL"}})];
            reliability.extend(comments.iter().map(|c| json!({"url": "comment", "valueCodeableConcept": {"coding": [{"code": c}]}})));
            json!({
                "resourceType": "Patient",
                "id": "q1",
                "extension": [
                    {"url": "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-identity-reliability", "extension": reliability},
                    {"url": "http://hl7.org/fhir/StructureDefinition/patient-birthPlace",
                     "valueAddress": {"extension": [{"url": "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-address-insee-code", "valueCoding": {"code": place}}]}}
                ],
                "identifier": [
                    {"system": "urn:oid:1.2.250.1.71.1.2.2", "value": "IPP-9", "type": {"coding": [{"code": "PI"}]}},
                    {"system": format!("urn:oid:{oid}"), "value": ins, "type": {"coding": [{"code": if oid.ends_with(".9") { "INS-NIA" } else { "INS-NIR" }}]}}
                ],
                "name": [{"use": "official", "family": family, "given": given,
                          "extension": [{"url": "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-patient-birth-list-given-name", "valueString": list}]}],
                "gender": gender,
                "birthDate": date
            })
        })
}

proptest! {
    #[test]
    fn qualified_patients_keep_their_ins_through_a_round_trip(value in qualified_patient()) {
        let patient: vigie_fhir::patient::Patient = serde_json::from_value(value.clone()).unwrap();
        let input = vigie_fhir::to_domain::patient_to_domain(&patient, &Default::default()).unwrap();
        let doubtful = input.record.state.doubtful();
        prop_assert_eq!(input.record.ins.is_some(), !doubtful, "INS kept unless DOUT forces PROV");
        vigie_fhir::fuzz::patient(&serde_json::to_vec(&value).unwrap());
    }
}
