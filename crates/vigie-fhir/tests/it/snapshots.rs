//! Snapshots of the responses Vigie builds: PIXm Parameters, a PDQm searchset page with paging
//! links and a domain filter, a `$match` Bundle, OperationOutcomes of each error kind, the
//! CapabilityStatement, and the FR Core Patient of a qualified record.

use vigie_core::record::{Field, IdentityRecord, ParseOptions, RawRecord, parse_record};
use vigie_fhir::capability::{CapabilityOptions, capability_statement};
use vigie_fhir::from_domain::{PatientExtras, patient_from_record};
use vigie_fhir::identifier::{BusinessIdentifier, DomainIdentifier};
use vigie_fhir::matching::{MatchBand, MatchCandidate, MatchResponseOptions, match_bundle};
use vigie_fhir::outcome::{Issue, IssueType, OutcomeError, RequestError};
use vigie_fhir::patient::Patient;
use vigie_fhir::pix::{PixError, PixPatient, parse_pix_query, pix_response};
use vigie_fhir::search::{Handling, SearchError, parse_patient_search};
use vigie_fhir::searchset::{SearchEntry, SearchPage, restrict_identifiers, searchset_bundle};
use vigie_fhir::to_domain::{
    ConvertOptions, LinkTarget, LinkType, PatientLinkData, patient_to_domain,
};

fn id(system: &str, value: &str) -> DomainIdentifier {
    DomainIdentifier::from_system_value(system, value).unwrap()
}

fn record(rows: &[(Field, &str)]) -> IdentityRecord {
    let mut raw = RawRecord::new();
    for (field, value) in rows {
        raw.set(*field, value);
    }
    parse_record(&raw, ParseOptions::default()).unwrap().record
}

fn jeanne() -> IdentityRecord {
    record(&[
        (Field::RecordId, "r-1900068"),
        (Field::Source, "1.2.250.1.71.1.2.2"),
        (Field::LocalId, "1900068"),
        (Field::BirthName, "DARK"),
        (Field::FirstNames, "JEANNE MARIE CECILE"),
        (Field::UsedName, "DUPONT"),
        (Field::UsedFirstName, "Jeanne"),
        (Field::Sex, "F"),
        (Field::BirthDate, "1960-05-30"),
        (Field::BirthPlaceCode, "88154"),
        (Field::Ins, "260058815400233"),
        (Field::IdentityStatus, "QUAL"),
        (Field::IdentityAttributes, "HOMA"),
        (Field::Phone, "06 12 34 56 78"),
        (Field::Email, "jeanne@example.fr"),
        (Field::Address, "1 rue de l'Église"),
        (Field::Postcode, "88630"),
        (Field::City, "Domrémy-la-Pucelle"),
        (Field::Country, "FRA"),
    ])
}

#[test]
fn fr_core_patient_of_a_qualified_record() {
    let extras = PatientExtras {
        id: Some("r-1900068".into()),
        identifiers: vec![BusinessIdentifier::local(id(
            "urn:oid:1.3.6.1.4.1.21367.13.20.3000",
            "IHEBLUE-77",
        ))],
        active: Some(true),
        ..PatientExtras::default()
    };
    let patient = patient_from_record(&jeanne(), &extras);
    insta::assert_json_snapshot!("fr_core_patient_qualified", patient);
    let back = patient_to_domain(&patient, &ConvertOptions::default()).unwrap();
    assert_eq!(back.record, jeanne());
}

#[test]
fn pixm_parameters() {
    let query = parse_pix_query(
        [(
            "sourceIdentifier",
            "urn:oid:1.3.6.1.4.1.21367.13.20.1000|IHERED-994",
        )],
        Handling::Strict,
    )
    .unwrap();
    let response = pix_response(
        &query,
        &[
            PixPatient {
                reference: Some("Patient/Patient-MohrAlice-Red".into()),
                identifiers: vec![id("urn:oid:1.3.6.1.4.1.21367.13.20.1000", "IHERED-994")],
            },
            PixPatient {
                reference: Some("Patient/Patient-MohrAlice-Blue".into()),
                identifiers: vec![id("urn:oid:1.3.6.1.4.1.21367.13.20.3000", "IHEBLUE-994")],
            },
            PixPatient {
                reference: None,
                identifiers: vec![
                    id("urn:oid:1.3.6.1.4.1.21367.13.20.2000", "IHEGREEN-994"),
                    id("urn:oid:1.3.6.1.4.1.21367.13.20.2000", "IHEGREEN-995"),
                ],
            },
        ],
    );
    insta::assert_json_snapshot!("pixm_parameters", response);
}

#[test]
fn pdqm_searchset_with_paging_and_domain_filter() {
    let search = parse_patient_search(
        [
            ("family", "DARK"),
            ("given:exact", "JEANNE"),
            ("birthdate", "ge1960-01"),
            (
                "identifier",
                "urn:oid:1.2.250.1.71.1.2.2|,urn:oid:1.2.250.1.213.1.4.8|",
            ),
            ("_count", "2"),
            ("_offset", "2"),
            ("_summary", "false"),
        ],
        Handling::Lenient,
    )
    .unwrap();
    let systems = search.target_systems();
    let mut patient = patient_from_record(
        &jeanne(),
        &PatientExtras {
            id: Some("r-1900068".into()),
            identifiers: vec![BusinessIdentifier::local(id("urn:oid:9.9.9", "HIDDEN-1"))],
            ..PatientExtras::default()
        },
    );
    restrict_identifiers(&mut patient, &systems);
    let other = Patient {
        id: Some("r-2".into()),
        gender: Some("female".into()),
        ..Patient::default()
    };
    let bundle = searchset_bundle(SearchPage {
        base_url: "https://vigie.example/fhir",
        search: &search,
        total: 5,
        entries: vec![
            SearchEntry {
                full_url: "https://vigie.example/fhir/Patient/r-1900068".into(),
                patient,
                score: Some(0.97),
            },
            SearchEntry {
                full_url: "https://vigie.example/fhir/Patient/r-2".into(),
                patient: other,
                score: None,
            },
        ],
        warnings: &[],
    });
    insta::assert_json_snapshot!("pdqm_searchset_page", bundle);
}

#[test]
fn match_bundle_with_grades_and_a_warning() {
    let jeanne_patient = patient_from_record(
        &jeanne(),
        &PatientExtras {
            id: Some("r-1900068".into()),
            ..PatientExtras::default()
        },
    );
    let namesake = Patient {
        id: Some("r-3".into()),
        gender: Some("female".into()),
        birth_date: Some("1960".into()),
        ..Patient::default()
    };
    let bundle = match_bundle(
        &MatchResponseOptions {
            self_url: "https://vigie.example/fhir/Patient/$match".into(),
            only_certain_matches: false,
            count: Some(5),
        },
        vec![
            MatchCandidate {
                full_url: "https://vigie.example/fhir/Patient/r-3".into(),
                patient: namesake,
                score: 0.41,
                band: MatchBand::Weak,
            },
            MatchCandidate {
                full_url: "https://vigie.example/fhir/Patient/r-1900068".into(),
                patient: jeanne_patient,
                score: 0.998,
                band: MatchBand::Link,
            },
        ],
        &[Issue::warning(IssueType::Value, "invalid birthplace code")
            .at("Patient.extension[1].valueAddress.extension[0].valueCoding.code")],
    );
    insta::assert_json_snapshot!("match_bundle", bundle);
}

#[test]
fn operation_outcomes_of_each_error_kind() {
    let invalid: Patient = serde_json::from_value(serde_json::json!({
        "resourceType": "Patient",
        "identifier": [{"system": "urn:oid:1.2.3"}],
        "gender": "F",
        "birthDate": "30/05/1960"
    }))
    .unwrap();
    let validation = patient_to_domain(&invalid, &ConvertOptions::default()).unwrap_err();
    let json_error =
        serde_json::from_str::<Patient>("{\"resourceType\": \"Patient\",").unwrap_err();
    let outcomes = vec![
        (
            "validation",
            validation.http_status(),
            validation.to_operation_outcome(),
        ),
        (
            "pix_unknown_patient",
            PixError::UnknownPatient.http_status(),
            PixError::UnknownPatient.to_operation_outcome(),
        ),
        (
            "pix_unknown_source_domain",
            PixError::UnknownSourceDomain.http_status(),
            PixError::UnknownSourceDomain.to_operation_outcome(),
        ),
        (
            "pix_unknown_target_system",
            PixError::UnknownTargetSystem { index: 0 }.http_status(),
            PixError::UnknownTargetSystem { index: 0 }.to_operation_outcome(),
        ),
        (
            "pix_missing_source",
            PixError::MissingSourceIdentifier.http_status(),
            PixError::MissingSourceIdentifier.to_operation_outcome(),
        ),
        (
            "search_unknown_target_system",
            SearchError::UnknownTargetSystem.http_status(),
            SearchError::UnknownTargetSystem.to_operation_outcome(),
        ),
        (
            "search_unsupported_modifier",
            400,
            SearchError::UnsupportedModifier {
                name: "family:missing".into(),
            }
            .to_operation_outcome(),
        ),
        (
            "json",
            RequestError::from_json(&json_error).http_status(),
            RequestError::from_json(&json_error).to_operation_outcome(),
        ),
        (
            "unsupported_format",
            RequestError::UnsupportedFormat.http_status(),
            RequestError::UnsupportedFormat.to_operation_outcome(),
        ),
        (
            "internal",
            RequestError::Internal.http_status(),
            RequestError::Internal.to_operation_outcome(),
        ),
    ];
    let rendered: Vec<serde_json::Value> = outcomes
        .into_iter()
        .map(|(name, status, outcome)| serde_json::json!({"case": name, "status": status, "body": outcome}))
        .collect();
    insta::assert_json_snapshot!("operation_outcomes", rendered);
}

#[test]
fn capability_statement_snapshot() {
    let statement = capability_statement(&CapabilityOptions {
        base_url: "https://vigie.example/fhir".into(),
        software_version: "0.0.0".into(),
        date: "2026-11-01".into(),
        remove_patient: true,
    });
    insta::assert_json_snapshot!("capability_statement", statement);
}

#[test]
fn merged_patient_links_to_its_survivor() {
    let subsumed = record(&[
        (Field::RecordId, "r-m94"),
        (Field::Source, "1.3.6.1.4.1.21367.13.20.1000"),
        (Field::LocalId, "IHERED-m94"),
        (Field::BirthName, "MOHR"),
        (Field::FirstNames, "MAIDEN"),
        (Field::Sex, "F"),
        (Field::BirthDate, "1958-01-30"),
    ]);
    let patient = patient_from_record(
        &subsumed,
        &PatientExtras {
            id: Some("r-m94".into()),
            active: Some(false),
            links: vec![PatientLinkData {
                kind: LinkType::ReplacedBy,
                target: LinkTarget::Identifier(id(
                    "urn:oid:1.3.6.1.4.1.21367.13.20.1000",
                    "IHERED-994",
                )),
            }],
            management_codes: vec!["DOUA".into(), "DESA".into()],
            ..PatientExtras::default()
        },
    );
    insta::assert_json_snapshot!("merged_patient", patient);
}
