//! The JSON logs of the whole test binary (every test writes to the same global subscriber)
//! never contain a fixture's name, birth date, identifier or INS.

use axum::http::StatusCode;
use serde_json::json;

use crate::support::*;

const NIR: &str = "279035121518989";

#[tokio::test]
async fn logs_carry_no_patient_data() {
    let logs = capture_logs();
    let h = Harness::new();
    h.feed_mohr().await;
    let mut ins_patient = patient(
        RED,
        "IHERED-INS1",
        "LOGCANARY",
        "ZOEVIGIE",
        "female",
        "1979-03-15",
    );
    ins_patient["identifier"].as_array_mut().unwrap().push(json!({
        "system": "urn:oid:1.2.250.1.213.1.4.10",
        "value": NIR,
        "type": {"coding": [{"system": "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203", "code": "INS-NIR-TEST"}]}
    }));
    let (status, body, _) = h
        .send(
            "PUT",
            &format!("/fhir/Patient?identifier={RED}|IHERED-INS1"),
            Some("hub"),
            Some(ins_patient),
        )
        .await;
    assert!(status.is_success(), "{body}");
    for uri in [
        "/fhir/Patient?family=LOGCANARY&birthdate=1979-03-15".to_owned(),
        format!("/fhir/Patient?identifier={RED}|IHERED-INS1"),
        format!("/fhir/Patient/$ihe-pix?sourceIdentifier={RED}|IHERED-994"),
        format!("/fhir/Patient/$ihe-pix?sourceIdentifier={RED}|UNKNOWN-LOGCANARY"),
        "/fhir/Patient?birthdate=LOGCANARY".to_owned(),
    ] {
        let _ = h.send("GET", &uri, Some("hub"), None).await;
        let _ = h.send("GET", &uri, Some("stranger"), None).await;
    }
    let _ = h
        .send(
            "POST",
            "/fhir/Patient/$match",
            Some("hub"),
            Some(json!({
            "resourceType": "Patient", "name": [{"family": "LOGCANARY", "given": ["ZOEVIGIE"]}],
            "gender": "female", "birthDate": "1979-03-15"})),
        )
        .await;
    let _ = h
        .send(
            "PUT",
            &format!("/fhir/Patient?identifier={RED}|IHERED-INS2"),
            Some("hub"),
            Some(json!({
            "resourceType": "Patient", "identifier": [{"system": RED, "value": "IHERED-INS2"}],
            "name": [{"family": "LOGCANARY"}], "birthDate": "1979-13-45"})),
        )
        .await;
    let (status, _, _) = h.send("GET", "/admin/stats", Some("ops"), None).await;
    assert_eq!(status, StatusCode::OK);
    let text = String::from_utf8(logs.lock().unwrap().clone()).unwrap();
    assert!(
        text.contains("\"route\""),
        "the capture works: {}",
        text.len()
    );
    for canary in [
        "LOGCANARY",
        "ZOEVIGIE",
        "1979-03-15",
        "19790315",
        NIR,
        "MOHR",
        "ALICE",
        "1958-01-30",
        "IHERED-994",
        "IHEGREEN-994",
        "IHERED-INS1",
        "1979-13-45",
    ] {
        assert!(!text.contains(canary), "{canary} found in the logs");
    }
    for line in text.lines() {
        assert!(
            serde_json::from_str::<serde_json::Value>(line).is_ok(),
            "not JSON: {line}"
        );
    }
}
