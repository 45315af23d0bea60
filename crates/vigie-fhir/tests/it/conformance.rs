//! Every FHIR example of `shared/conformance` (PIXm ITI-83 / ITI-104, PDQm ITI-78 / ITI-119, FR
//! Core Patient INS), parsed and checked field by field against the outcome its README expects.

use serde_json::{Value, json};
use vigie_core::date::PartialDate;
use vigie_core::ids::DomainId;
use vigie_core::ins::InsError;
use vigie_core::record::FindingKind;
use vigie_core::sex::Sex;
use vigie_core::status::IdentityStatus;
use vigie_fhir::identifier::DomainIdentifier;
use vigie_fhir::matching::{
    MatchBand, MatchCandidate, match_bundle, match_request_from_resource, parse_match_request,
};
use vigie_fhir::outcome::{OutcomeError, RequestError};
use vigie_fhir::patient::{AdministrativeGender, Patient};
use vigie_fhir::pix::{PixError, PixPatient, parse_pix_query, pix_response};
use vigie_fhir::query::{Format, negotiate_format, parse_query_string};
use vigie_fhir::resource::Resource;
use vigie_fhir::search::{
    Handling, StringMatch, TokenSystem, parse_conditional_identifier, parse_patient_search,
};
use vigie_fhir::to_domain::{ConvertOptions, LinkTarget, LinkType, WarningKind, patient_to_domain};

use crate::support::{fsh_json, json_bodies, parse_fsh, read, request_query, xml_parameters};

const RED: &str = "urn:oid:1.3.6.1.4.1.21367.13.20.1000";
const GREEN: &str = "urn:oid:1.3.6.1.4.1.21367.13.20.2000";
const BLUE: &str = "urn:oid:1.3.6.1.4.1.21367.13.20.3000";

fn pairs(query: &str) -> Vec<(String, String)> {
    parse_query_string(query)
}

fn as_refs(pairs: &[(String, String)]) -> impl Iterator<Item = (&str, &str)> {
    pairs.iter().map(|(n, v)| (n.as_str(), v.as_str()))
}

fn id(system: &str, value: &str) -> DomainIdentifier {
    DomainIdentifier::from_system_value(system, value).unwrap()
}

fn connectathon_domain(domain: &DomainId) -> bool {
    [RED, GREEN, BLUE]
        .iter()
        .any(|s| s.strip_prefix("urn:oid:") == Some(domain.as_str()))
}

/// The MohrAlice cross-reference of the PIXm examples.
fn mohr_alice() -> Vec<PixPatient> {
    vec![
        PixPatient {
            reference: Some("Patient/Patient-MohrAlice-Red".into()),
            identifiers: vec![id(RED, "IHERED-994")],
        },
        PixPatient {
            reference: Some("Patient/Patient-MohrAlice-Blue".into()),
            identifiers: vec![id(BLUE, "IHEBLUE-994")],
        },
        PixPatient {
            reference: Some("Patient/Patient-MohrAlice-Green".into()),
            identifiers: vec![id(GREEN, "IHEGREEN-994")],
        },
    ]
}

fn parameter_list(parameters: &vigie_fhir::parameters::Parameters) -> Vec<(String, String)> {
    parameters
        .parameter
        .iter()
        .map(|p| {
            let value = match (&p.value_reference, &p.value_identifier) {
                (Some(r), _) => r.reference.clone().unwrap(),
                (_, Some(i)) => format!(
                    "{}|{}",
                    i.system.as_deref().unwrap(),
                    i.value.as_deref().unwrap()
                ),
                _ => panic!("parameter without value"),
            };
            (p.name.clone(), value)
        })
        .collect()
}

#[test]
fn iti83_query_all_returns_blue_and_green_never_the_source() {
    let text = read("iti83_pixm_query_all.txt");
    let plain = pairs(&request_query(&text, "GET"));
    let encoded_line = text
        .lines()
        .find(|l| l.contains("percent-encoded"))
        .unwrap();
    let encoded_query = encoded_line
        .split("wire: ")
        .nth(1)
        .unwrap()
        .trim_end_matches(')');
    let encoded = pairs(encoded_query);
    assert_eq!(plain, encoded, "both spellings decode alike");
    let query = parse_pix_query(as_refs(&plain), Handling::Strict).unwrap();
    assert_eq!(query.source, id(RED, "IHERED-994"));
    assert_eq!(query.source_system, RED);
    assert!(query.target_systems.is_empty());
    query.check_domains(connectathon_domain).unwrap();

    let response = pix_response(&query, &mohr_alice());
    let expected = xml_parameters(&text);
    assert_eq!(expected.len(), 4);
    assert_eq!(parameter_list(&response), expected);
    assert!(
        !parameter_list(&response)
            .iter()
            .any(|(_, v)| v.contains("IHERED-994"))
    );
}

#[test]
fn iti83_target_system_returns_only_blue() {
    let text = read("iti83_pixm_query_targetsystem.txt");
    let params = pairs(&request_query(&text, "GET"));
    let query = parse_pix_query(as_refs(&params), Handling::Strict).unwrap();
    assert_eq!(query.target_systems, vec![BLUE]);
    assert_eq!(
        query.format.as_deref(),
        Some("application/fhir xml"),
        "+ decodes as a space"
    );
    assert_eq!(
        negotiate_format(query.format.as_deref(), None),
        Ok(Format::Xml)
    );
    query.check_domains(connectathon_domain).unwrap();
    let response = pix_response(&query, &mohr_alice());
    assert_eq!(parameter_list(&response), xml_parameters(&text));
}

#[test]
fn iti83_errors_are_404_400_403_with_the_ihe_outcome() {
    let text = read("iti83_pixm_errors.txt");
    let requests: Vec<String> = text
        .lines()
        .filter(|l| l.trim_start().starts_with("GET"))
        .map(|l| request_query(l, "GET"))
        .collect();
    assert_eq!(requests.len(), 3);
    let known_ids = [id(RED, "IHERED-994")];
    let lookup = |query: &str| -> Result<(), PixError> {
        let params = pairs(query);
        let query = parse_pix_query(as_refs(&params), Handling::Strict)?;
        query.check_domains(connectathon_domain)?;
        if known_ids.contains(&query.source) {
            Ok(())
        } else {
            Err(PixError::UnknownPatient)
        }
    };
    let expected = [
        (
            404,
            "not-found",
            "sourceIdentifier Patient Identifier not found",
        ),
        (
            400,
            "code-invalid",
            "sourceIdentifier Assigning Authority not found",
        ),
        (403, "code-invalid", "targetSystem not found"),
    ];
    for (request, (status, code, message)) in requests.iter().zip(expected) {
        let error = lookup(request).unwrap_err();
        assert_eq!(error.http_status(), status, "{request}");
        let outcome = error.to_operation_outcome();
        assert_eq!(outcome.issue.len(), 1);
        assert_eq!(outcome.issue[0].severity, "error");
        assert_eq!(outcome.issue[0].code, code);
        assert_eq!(
            outcome.issue[0].details.as_ref().unwrap().text.as_deref(),
            Some(message)
        );
    }

    // The IHE example OperationOutcome (FSH) against ours for case 1.
    let fsh = parse_fsh(&text);
    let example = fsh_json(&fsh, "pixm-response-error-not-found");
    let ours = serde_json::to_value(PixError::UnknownPatient.to_operation_outcome()).unwrap();
    let issue = &example["issue"][0];
    for element in ["severity", "code"] {
        assert_eq!(ours["issue"][0][element], issue[element], "{element}");
    }
    assert_eq!(
        ours["issue"][0]["details"]["text"],
        issue["details"]["text"]
    );
    let parsed: vigie_fhir::outcome::OperationOutcome = serde_json::from_value(example).unwrap();
    assert!(parsed.has_errors());
}

#[test]
fn iti104_feed_add_revise_and_merge() {
    let text = read("iti104_feed_add_revise_merge.txt");
    let bodies = json_bodies(&text);
    assert_eq!(bodies.len(), 3);
    let targets: Vec<DomainIdentifier> = text
        .lines()
        .filter(|l| l.starts_with("PUT "))
        .map(|l| {
            let params = pairs(&request_query(l, "PUT"));
            parse_conditional_identifier(as_refs(&params)).unwrap()
        })
        .collect();
    assert_eq!(
        targets,
        vec![
            id(RED, "IHERED-994"),
            id(RED, "IHERED-994"),
            id(RED, "IHERED-m94")
        ]
    );
    let expected_given = ["ALISSA", "ALICE", "MAIDEN"];
    for ((body, target), given) in bodies.iter().zip(&targets).zip(expected_given) {
        let patient: Patient = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(serde_json::to_value(&patient).unwrap(), *body, "lossless");
        assert_eq!(patient.identifier.len(), 1);
        assert_eq!(patient.identifier[0].system.as_deref(), Some(RED));
        assert_eq!(patient.name[0].family.as_deref(), Some("MOHR"));
        assert_eq!(patient.name[0].given, vec![given]);
        assert_eq!(patient.gender.as_deref(), Some("female"));
        assert_eq!(patient.birth_date.as_deref(), Some("1958-01-30"));

        let options = ConvertOptions {
            primary_domain: Some(target.domain.clone()),
            ..ConvertOptions::default()
        };
        let input = patient_to_domain(&patient, &options).unwrap();
        let record = &input.record;
        assert_eq!(record.source.as_ref(), Some(&target.domain));
        assert_eq!(record.local_id.as_ref(), Some(&target.value));
        assert_eq!(record.birth_name.as_deref(), Some("MOHR"));
        assert_eq!(record.first_names.as_deref(), Some(given));
        assert_eq!(record.sex, Sex::Female);
        assert_eq!(record.birth_date, Some(PartialDate::Full(1958, 1, 30)));
        assert_eq!(record.ins, None);
        assert_eq!(record.state.status(), IdentityStatus::Provisional);
        assert_eq!(input.identifiers.len(), 1);
        assert_eq!(
            input.identifiers[0].id, *target,
            "the resource holds the URL's identifier"
        );
        assert!(input.contains_identifier(target));
        assert!(input.warnings.is_empty(), "{:?}", input.warnings);
    }
    let merge: Patient = serde_json::from_value(bodies[2].clone()).unwrap();
    let input = patient_to_domain(&merge, &ConvertOptions::default()).unwrap();
    assert_eq!(input.active, Some(false));
    assert_eq!(input.links.len(), 1);
    assert_eq!(input.links[0].kind, LinkType::ReplacedBy);
    assert_eq!(
        input.replaced_by(),
        Some(&LinkTarget::Identifier(id(RED, "IHERED-994")))
    );
}

#[test]
fn iti78_search_requests_parse() {
    let text = read("iti78_pdqm_search.txt");
    let params = pairs(&request_query(&text, "GET"));
    let search = parse_patient_search(as_refs(&params), Handling::Strict).unwrap();
    assert_eq!(search.family[0][0].value, "MOHR");
    assert_eq!(search.family[0][0].matching, StringMatch::StartsWith);
    assert_eq!(search.given[0][0].value, "ALICE");
    assert_eq!(search.active, vec![vec![true]]);
    assert_eq!(search.gender, vec![vec![AdministrativeGender::Female]]);
    assert!(search.target_systems().is_empty());
    let accept = text
        .lines()
        .find_map(|l| l.strip_prefix("Accept: "))
        .unwrap();
    assert_eq!(negotiate_format(None, Some(accept)), Ok(Format::Json));

    // The domain-filter fragments of the same section.
    let or_filter = text
        .lines()
        .find(|l| l.starts_with("&identifier="))
        .unwrap();
    let search = parse_patient_search(as_refs(&pairs(or_filter)), Handling::Strict).unwrap();
    assert_eq!(
        search.target_systems(),
        vec!["urn:oid:1.2.3", "urn:oid:4.5.6"]
    );
    assert_eq!(search.identifier_criteria().count(), 0);
    let and_filter = text
        .lines()
        .find(|l| l.starts_with("?family=SMITH"))
        .unwrap();
    let search = parse_patient_search(as_refs(&pairs(and_filter)), Handling::Strict).unwrap();
    assert_eq!(search.family[0][0].value, "SMITH");
    assert_eq!(
        search.identifier[0][0].system,
        TokenSystem::Is("urn:oid:1.2.3.4.5".into())
    );
    assert_eq!(search.identifier[0][0].code, None);
    let known = |d: &DomainId| d.as_str() == "1.2.3.4.5";
    search.check_target_systems(known).unwrap();
    let error = parse_patient_search(as_refs(&pairs(or_filter)), Handling::Strict)
        .unwrap()
        .check_target_systems(known)
        .unwrap_err();
    assert_eq!(error.http_status(), 404);
    assert_eq!(RequestError::UnsupportedFormat.http_status(), 406);
}

#[test]
fn iti119_match_inputs() {
    let fsh = parse_fsh(&read("iti119_match.txt"));
    let patient_json = fsh_json(&fsh, "ex-match-input-patient");
    let patient: Patient = serde_json::from_value(patient_json.clone()).unwrap();
    assert_eq!(
        serde_json::to_value(&patient).unwrap(),
        patient_json,
        "lossless"
    );
    assert!(
        patient.extra.contains_key("text"),
        "narrative kept as an unknown element"
    );
    let input = patient_to_domain(&patient, &ConvertOptions::default()).unwrap();
    let record = &input.record;
    assert_eq!(
        record.source.as_ref().unwrap().as_str(),
        "http://example.org/exampleSystem"
    );
    assert_eq!(record.local_id.as_ref().unwrap().as_str(), "8675309");
    assert_eq!(record.birth_name.as_deref(), Some("Schmidt"));
    assert_eq!(record.first_names.as_deref(), Some("John"));
    assert_eq!(record.sex, Sex::Unknown, "gender other");
    assert_eq!(record.birth_date, Some(PartialDate::Full(1923, 7, 25)));
    assert_eq!(record.country.as_deref(), Some("USA"));

    let cases = [
        ("ex-match-input-patient-only", false, None),
        ("ex-match-input-onlyCertainMatches", true, None),
        ("ex-match-input-count", false, Some(1)),
    ];
    for (name, only_certain, count) in cases {
        let body = fsh_json(&fsh, name);
        let request = parse_match_request(body.to_string().as_bytes()).unwrap();
        assert_eq!(request.only_certain_matches, only_certain, "{name}");
        assert_eq!(request.count, count, "{name}");
        assert_eq!(request.patient, patient, "{name}");
    }
    let bare = match_request_from_resource(Resource::from(patient.clone())).unwrap();
    assert_eq!(bare.patient, patient);
}

fn entries_summary(bundle: &Value) -> Vec<(Value, Value, Value, Value)> {
    bundle["entry"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .map(|e| {
                    (
                        e["fullUrl"].clone(),
                        e["search"]["score"].clone(),
                        e["search"]["extension"][0]["valueCode"].clone(),
                        e["resource"]["resourceType"].clone(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn iti119_match_outputs_are_rebuilt_by_the_builder() {
    let fsh = parse_fsh(&read("iti119_match.txt"));
    let candidate = |url: &str, id: &str, score: f64, band: MatchBand| MatchCandidate {
        full_url: url.into(),
        patient: Patient {
            id: Some(id.into()),
            ..Patient::default()
        },
        score,
        band,
    };
    let ex_patient = "https://profiles.ihe.net/ITI/PDQm/Patient-ex-patient.html";
    let ex_mmn = "https://profiles.ihe.net/ITI/PDQm/Patient-ex-patient-mothers-maiden-name.html";
    let cases: Vec<(&str, Vec<MatchCandidate>)> = vec![
        (
            "ex-match-output",
            vec![candidate(ex_patient, "ex-patient", 0.9, MatchBand::Link)],
        ),
        (
            "ex-match-output-multiple",
            vec![
                candidate(
                    ex_mmn,
                    "ex-patient-mothers-maiden-name",
                    0.5,
                    MatchBand::Weak,
                ),
                candidate(ex_patient, "ex-patient", 0.9, MatchBand::Review),
            ],
        ),
        ("ex-match-output-empty", vec![]),
    ];
    for (name, candidates) in cases {
        let expected = fsh_json(&fsh, name);
        let self_url = expected["link"][0]["url"].as_str().unwrap();
        let options = vigie_fhir::matching::MatchResponseOptions {
            self_url: self_url.into(),
            only_certain_matches: false,
            count: None,
        };
        let built = serde_json::to_value(match_bundle(&options, candidates, &[])).unwrap();
        assert_eq!(built["total"], expected["total"], "{name}");
        assert_eq!(built["type"], "searchset");
        assert_eq!(built["link"], expected["link"], "{name}");
        assert_eq!(
            entries_summary(&built),
            entries_summary(&expected),
            "{name}"
        );
        for entry in built["entry"].as_array().into_iter().flatten() {
            assert_eq!(entry["search"]["mode"], "match");
        }
        // The published example parses as a Bundle and survives a round trip.
        let bundle: vigie_fhir::bundle::Bundle = serde_json::from_value(expected.clone()).unwrap();
        assert_eq!(serde_json::to_value(&bundle).unwrap(), expected);
    }
    for name in ["ex-match-output-error", "ex-match-output-warning"] {
        let expected = fsh_json(&fsh, name);
        let bundle: vigie_fhir::bundle::Bundle = serde_json::from_value(expected.clone()).unwrap();
        let outcome_entry = bundle.entry.last().unwrap();
        assert_eq!(
            outcome_entry.search.as_ref().unwrap().mode.as_deref(),
            Some("outcome")
        );
        assert!(
            outcome_entry
                .resource
                .as_ref()
                .unwrap()
                .as_operation_outcome()
                .is_some()
        );
        assert_eq!(serde_json::to_value(&bundle).unwrap(), expected);
    }
}

#[test]
fn fr_core_ins_example_is_flagged_or_rejected_for_its_key() {
    let fsh = parse_fsh(&read("fr_core_patient_ins_examples.fsh"));
    let json = fsh_json(&fsh, "FRCorePatientINSExample");
    let patient: Patient = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(serde_json::to_value(&patient).unwrap(), json, "lossless");

    let input = patient_to_domain(&patient, &ConvertOptions::default()).unwrap();
    let record = &input.record;
    assert_eq!(
        record.ins, None,
        "INS-NIR 123456789012244 has key 12, not 44"
    );
    assert!(
        input
            .warnings
            .iter()
            .any(|w| w.expression == "Patient.identifier[0].value"
                && matches!(
                    w.kind,
                    WarningKind::Finding(FindingKind::Ins(InsError::BadKey {
                        expected: 12,
                        found: 44
                    }))
                ))
    );
    assert_eq!(record.state.status(), IdentityStatus::Qualified);
    assert_eq!(record.birth_place.as_ref().unwrap().as_str(), "01006");
    assert_eq!(record.birth_name.as_deref(), Some("Durand"));
    assert_eq!(
        record.first_names.as_deref(),
        Some("Pierre Yves"),
        "the INSi list, not given[0]"
    );
    assert_eq!(record.sex, Sex::Male);
    assert_eq!(record.birth_date, Some(PartialDate::Full(1974, 12, 25)));
    assert_eq!(record.phone.as_deref(), Some("0199887766"), "rank 1 wins");
    assert_eq!(record.address.as_deref(), Some("367 rue Troussier"));
    assert_eq!(record.city.as_deref(), Some("Orléans"));
    assert_eq!(record.postcode.as_deref(), Some("45100"));
    assert_eq!(input.active, Some(true));
    assert!(input.identifiers.is_empty());
    assert_eq!(
        patient.deceased(),
        Some(vigie_fhir::patient::Deceased::Boolean(false))
    );

    let strict = ConvertOptions {
        reject_invalid_ins: true,
        ..ConvertOptions::default()
    };
    let errors = patient_to_domain(&patient, &strict).unwrap_err();
    assert_eq!(errors.0.len(), 1);
    assert_eq!(errors.0[0].expression, "Patient.identifier[0].value");
    let outcome = serde_json::to_value(errors.to_operation_outcome()).unwrap();
    assert_eq!(
        outcome["issue"][0]["expression"],
        json!(["Patient.identifier[0].value"])
    );
    assert!(!outcome.to_string().contains("123456789012244"));
}

#[test]
fn fr_core_rniv_example_is_a_deactivated_provisional_duplicate() {
    let fsh = parse_fsh(&read("fr_core_patient_ins_examples.fsh"));
    let json = fsh_json(&fsh, "FRCorePatientINSExampleRNIV");
    let patient: Patient = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(serde_json::to_value(&patient).unwrap(), json, "lossless");
    let input = patient_to_domain(&patient, &ConvertOptions::default()).unwrap();
    assert!(input.warnings.is_empty(), "{:?}", input.warnings);
    let record = &input.record;
    assert_eq!(record.record_id.as_str(), "FRCorePatientINSExampleRNIV");
    assert_eq!(record.state.status(), IdentityStatus::Provisional);
    assert!(!record.state.doubtful() && !record.state.fictitious());
    assert_eq!(input.management_codes, vec!["DOUA", "DESA"]);
    assert_eq!(input.active, Some(false));
    assert_eq!(
        record.source.as_ref().unwrap().as_str(),
        "http://hopital.fr/namingsystem/ipp"
    );
    assert_eq!(record.local_id.as_ref().unwrap().as_str(), "IPP-260-058");
    assert_eq!(input.identifiers[0].use_.as_deref(), Some("usual"));
    assert_eq!(input.identifiers[0].type_code.as_deref(), Some("PI"));
    assert_eq!(record.birth_place.as_ref().unwrap().as_str(), "88154");
    assert_eq!(record.birth_name.as_deref(), Some("Dark"));
    assert_eq!(record.first_names.as_deref(), Some("Jeanne Marie Cécile"));
    assert_eq!(record.sex, Sex::Female);
    assert_eq!(record.birth_date, Some(PartialDate::Full(1960, 5, 30)));
    assert_eq!(record.ins, None);
}
