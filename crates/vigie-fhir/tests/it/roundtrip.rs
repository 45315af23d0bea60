//! JSON → DTO → JSON keeps every element, known or not, at every level.

use serde_json::{Value, json};
use vigie_fhir::bundle::Bundle;
use vigie_fhir::outcome::OperationOutcome;
use vigie_fhir::parameters::Parameters;
use vigie_fhir::patient::Patient;
use vigie_fhir::resource::Resource;

fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(input: &Value) -> Value {
    let dto: T = serde_json::from_value(input.clone()).unwrap();
    serde_json::to_value(&dto).unwrap()
}

fn rich_patient() -> Value {
    json!({
        "resourceType": "Patient",
        "id": "p1",
        "meta": {"versionId": "3", "profile": ["https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-patient"], "source": "#feed"},
        "implicitRules": "http://example.org/rules",
        "language": "fr-FR",
        "text": {"status": "generated", "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\">x</div>"},
        "contained": [{"resourceType": "Organization", "id": "o1", "name": "CHU"}],
        "modifierExtension": [{"url": "http://example.org/modifier", "valueBoolean": true}],
        "extension": [
            {"url": "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-identity-reliability",
             "extension": [
                 {"url": "identityStatus", "valueCoding": {"system": "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-identity-status", "code": "QUAL"}},
                 {"url": "validationDate", "valueDate": "2024-01-01"},
                 {"url": "validationMode", "valueCoding": {"code": "CN"}},
                 {"url": "future", "valuePeriod": {"start": "2024"}}
             ]},
            {"url": "http://example.org/decimal", "valueDecimal": 0.1},
            {"url": "http://example.org/quantity", "valueQuantity": {"value": 3.5, "unit": "kg"}}
        ],
        "identifier": [{
            "use": "official",
            "type": {"coding": [{"system": "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203", "code": "INS-NIR", "userSelected": false}], "text": "INS"},
            "system": "urn:oid:1.2.250.1.213.1.4.8",
            "value": "295109912611193",
            "_value": {"extension": [{"url": "http://example.org/checked", "valueBoolean": true}]},
            "period": {"start": "2020-01-01", "futureElement": 1},
            "assigner": {"display": "CNAM", "reference": "Organization/o1"}
        }],
        "active": true,
        "name": [{"use": "official", "family": "Le Gall", "_family": {"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/humanname-own-prefix", "valueString": "Le"}]}, "given": ["Hélène"], "prefix": ["Mme"], "suffix": ["Jr"]}],
        "telecom": [{"system": "phone", "value": "06 12 34 56 78", "use": "mobile", "rank": 1, "period": {"end": "2030"}}],
        "gender": "female",
        "_gender": {"extension": [{"url": "http://example.org/g", "valueCode": "x"}]},
        "birthDate": "1995-10-01",
        "_birthDate": {"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/patient-birthTime", "valueDateTime": "1995-10-01T10:00:00+02:00"}]},
        "deceasedDateTime": "2080-01-01T00:00:00Z",
        "address": [{"use": "home", "type": "both", "text": "x", "line": ["1 rue A", "B"], "city": "Brest", "district": "D", "state": "S", "postalCode": "29200", "country": "FRA", "period": {"start": "2018"}}],
        "maritalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus", "code": "M"}]},
        "multipleBirthInteger": 2,
        "photo": [{"contentType": "image/png", "data": "AAAA"}],
        "contact": [{"relationship": [{"text": "mère"}], "name": {"family": "Gall"}, "telecom": [{"system": "email", "value": "a@b.fr"}], "address": {"city": "Brest"}, "gender": "female", "organization": {"reference": "Organization/o1"}, "period": {"start": "2020"}, "unknownBackbone": "kept"}],
        "communication": [{"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "fr"}]}, "preferred": true}],
        "generalPractitioner": [{"reference": "Practitioner/1", "type": "Practitioner"}],
        "managingOrganization": {"identifier": {"system": "urn:oid:1.2.250.1.71.4.2.2", "value": "350000121"}},
        "link": [{"other": {"reference": "Patient/2"}, "type": "seealso", "id": "l1"}],
        "aFutureR6Element": {"nested": [1, "two", null, {"three": 3.25e-5}]}
    })
}

#[test]
fn a_rich_patient_survives_a_round_trip() {
    let input = rich_patient();
    assert_eq!(round_trip::<Patient>(&input), input);
    assert_eq!(round_trip::<Resource>(&input), input);
}

#[test]
fn bundles_parameters_and_outcomes_survive_a_round_trip() {
    let bundle = json!({
        "resourceType": "Bundle",
        "id": "b",
        "meta": {"lastUpdated": "2026-01-01T00:00:00Z"},
        "type": "searchset",
        "timestamp": "2026-01-01T00:00:00Z",
        "total": 2,
        "link": [{"relation": "self", "url": "http://x/fhir/Patient?family=A"}, {"relation": "next", "url": "http://x/n"}],
        "entry": [
            {"fullUrl": "http://x/fhir/Patient/1", "resource": rich_patient(),
             "search": {"mode": "match", "score": 0.87, "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/match-grade", "valueCode": "probable"}]},
             "request": {"method": "GET", "url": "Patient/1"}},
            {"fullUrl": "http://x/fhir/Observation/9", "resource": {"resourceType": "Observation", "status": "final", "code": {"text": "x"}}, "search": {"mode": "include"}},
            {"resource": {"resourceType": "OperationOutcome", "issue": [{"severity": "warning", "code": "processing", "diagnostics": "d", "location": ["/f:Patient"], "expression": ["Patient.name"], "details": {"text": "t"}}]}, "search": {"mode": "outcome"}}
        ],
        "signature": {"type": [{"code": "1.2.840.10065.1.12.1.1"}]}
    });
    assert_eq!(round_trip::<Bundle>(&bundle), bundle);
    assert_eq!(round_trip::<Resource>(&bundle), bundle);

    let parameters = json!({
        "resourceType": "Parameters",
        "parameter": [
            {"name": "resource", "resource": rich_patient()},
            {"name": "onlyCertainMatches", "valueBoolean": true},
            {"name": "count", "valueInteger": 3},
            {"name": "targetIdentifier", "valueIdentifier": {"system": "urn:oid:1.2", "value": "A"}},
            {"name": "targetId", "valueReference": {"reference": "Patient/1"}},
            {"name": "when", "valuePeriod": {"start": "2020"}},
            {"name": "group", "part": [{"name": "inner", "valueString": "s"}, {"name": "code", "valueCode": "c"}]}
        ]
    });
    assert_eq!(round_trip::<Parameters>(&parameters), parameters);
    assert_eq!(round_trip::<Resource>(&parameters), parameters);

    let outcome = json!({"resourceType": "OperationOutcome", "text": {"status": "generated", "div": "<div/>"}, "issue": [{"severity": "error", "code": "not-found", "details": {"coding": [{"code": "MSG_NO_MATCH"}], "text": "t"}}]});
    assert_eq!(round_trip::<OperationOutcome>(&outcome), outcome);
}

#[test]
fn the_resource_type_is_enforced_per_dto() {
    assert!(serde_json::from_value::<Bundle>(rich_patient()).is_err());
    assert!(
        serde_json::from_value::<Parameters>(json!({"resourceType": "Bundle", "type": "x"}))
            .is_err()
    );
}
