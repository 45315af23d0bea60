//! FHIR endpoints: PDQm, read, PIXm, ITI-104, `$match`, metadata, AuditEvent — success paths
//! (snapshots), every IHE error case, and the audit record of each access.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::support::*;

#[tokio::test]
async fn pdqm_search_returns_a_searchset_and_is_audited() {
    let h = Harness::new();
    h.feed_mohr().await;
    let before = h.audit_len();
    let (status, mut body, headers) = h
        .send(
            "GET",
            "/fhir/Patient?family=MOHR&gender=female",
            Some("hub"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(headers["content-type"], "application/fhir+json");
    assert_eq!(body["resourceType"], "Bundle");
    assert_eq!(body["type"], "searchset");
    assert_eq!(body["total"], 1);
    let values = identifier_values(&body);
    for id in ["IHERED-994", "IHEGREEN-994", "IHEBLUE-994"] {
        assert!(values.iter().any(|v| v.ends_with(id)), "{values:?}");
    }
    h.assert_audited(before, "pdq-query", "ok");
    redact(&mut body);
    insta::assert_json_snapshot!("pdqm_search_mohr", body);
}

#[tokio::test]
async fn pdqm_error_cases() {
    let h = Harness::new();
    h.feed_mohr().await;
    // No match: 200, total 0, no entry.
    let before = h.audit_len();
    let (status, body, _) = h
        .send(
            "GET",
            "/fhir/Patient?family=NOBODYATALL&gender=male",
            Some("hub"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["total"], 0);
    assert!(body.get("entry").is_none());
    h.assert_audited(before, "pdq-query", "ok");
    // Unknown domain in the domain filter: 404 warning not-found "targetSystem not found".
    let before = h.audit_len();
    let (status, body, _) = h
        .send(
            "GET",
            "/fhir/Patient?family=MOHR&identifier=urn:oid:9.9.9.9|",
            Some("hub"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(issue_code(&body), ("warning", "not-found"));
    assert_eq!(body["issue"][0]["diagnostics"], "targetSystem not found");
    h.assert_audited(before, "pdq-query", "not-found");
    // No criterion: 400.
    let before = h.audit_len();
    let (status, body, _) = h
        .send("GET", "/fhir/Patient?_count=5", Some("hub"), None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    h.assert_audited(before, "pdq-query", "error");
    // Unsupported format: 406 not-supported.
    let before = h.audit_len();
    let (status, body, _) = h
        .send(
            "GET",
            "/fhir/Patient?family=MOHR&_format=xml",
            Some("hub"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_ACCEPTABLE);
    assert_eq!(issue_code(&body).1, "not-supported");
    h.assert_audited(before, "pdq-query", "error");
    // Bad value: 400 without echoing it.
    let (status, body, _) = h
        .send(
            "GET",
            "/fhir/Patient?birthdate=SECRET1958",
            Some("hub"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(!body.to_string().contains("SECRET"));
    // The domain filter keeps only the asked domain.
    let (status, body, _) = h
        .send(
            "GET",
            &format!("/fhir/Patient?family=MOHR&identifier={BLUE}|"),
            Some("hub"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let values = identifier_values(&body["entry"][0]["resource"]["identifier"]);
    assert_eq!(values, vec![format!("{BLUE}|IHEBLUE-994")]);
}

#[tokio::test]
async fn pdqm_pages_with_opaque_tokens() {
    let h = Harness::new();
    for (i, given) in ["ANNE", "BRUNO", "CLAIRE"].iter().enumerate() {
        let value = format!("PAGE-{i}");
        let (status, _, _) = h
            .send(
                "PUT",
                &format!("/fhir/Patient?identifier={RED}|{value}"),
                Some("hub"),
                Some(patient(
                    RED,
                    &value,
                    "PAGINATION",
                    given,
                    "female",
                    &format!("197{i}-02-0{}", i + 1),
                )),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (status, first, _) = h
        .send(
            "GET",
            "/fhir/Patient?family=PAGINATION&_count=2",
            Some("hub"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(first["total"], 3);
    assert_eq!(first["entry"].as_array().unwrap().len(), 2);
    let next = first["link"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["relation"] == "next")
        .expect("a next link")["url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        next.contains("_page=") && !next.contains("_offset"),
        "{next}"
    );
    let path = next.strip_prefix("http://mpi.test").unwrap();
    let (status, second, _) = h.send("GET", path, Some("hub"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(second["entry"].as_array().unwrap().len(), 1);
    // A token of another search is refused.
    let forged = path.replace("PAGINATION", "OTHER");
    let (status, _, _) = h.send("GET", &forged, Some("hub"), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn read_patient_and_its_errors() {
    let h = Harness::new();
    h.feed_mohr().await;
    let (_, bundle, _) = h
        .send("GET", "/fhir/Patient?family=MOHR", Some("hub"), None)
        .await;
    let id = bundle["entry"][0]["resource"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = h.audit_len();
    let (status, body, _) = h
        .send("GET", &format!("/fhir/Patient/{id}"), Some("hub"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["resourceType"], "Patient");
    assert_eq!(body["id"], id.as_str());
    h.assert_audited(before, "fhir-read", "ok");
    let before = h.audit_len();
    let (status, body, _) = h
        .send("GET", "/fhir/Patient/does-not-exist", Some("hub"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(issue_code(&body), ("error", "not-found"));
    h.assert_audited(before, "fhir-read", "not-found");
}

#[tokio::test]
async fn pixm_query_and_every_error_case() {
    let h = Harness::new();
    h.feed_mohr().await;
    // All domains: the other two ids, never the source one.
    let before = h.audit_len();
    let (status, mut body, _) = h
        .send(
            "GET",
            &format!("/fhir/Patient/$ihe-pix?sourceIdentifier={RED}|IHERED-994"),
            Some("hub"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["resourceType"], "Parameters");
    let values = identifier_values(&body);
    assert!(
        values.contains(&format!("{GREEN}|IHEGREEN-994")),
        "{values:?}"
    );
    assert!(
        values.contains(&format!("{BLUE}|IHEBLUE-994")),
        "{values:?}"
    );
    assert!(!values.iter().any(|v| v.ends_with("IHERED-994")));
    assert!(
        body["parameter"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "targetId")
    );
    h.assert_audited(before, "pix-query", "ok");
    redact(&mut body);
    insta::assert_json_snapshot!("pixm_all_domains", body);
    // targetSystem restricts.
    let (status, body, _) = h
        .send(
            "GET",
            &format!(
                "/fhir/Patient/$ihe-pix?sourceIdentifier={RED}|IHERED-994&targetSystem={BLUE}"
            ),
            Some("hub"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        identifier_values(&body),
        vec![format!("{BLUE}|IHEBLUE-994")]
    );
    // Known domain, unknown id: 404 not-found.
    let cases: [(String, StatusCode, &str, &str, &str); 4] = [
        (
            format!("sourceIdentifier={RED}|NOPE-000"),
            StatusCode::NOT_FOUND,
            "not-found",
            "sourceIdentifier Patient Identifier not found",
            "not-found",
        ),
        (
            "sourceIdentifier=urn:oid:9.9.9.9|IHERED-994".into(),
            StatusCode::BAD_REQUEST,
            "code-invalid",
            "sourceIdentifier Assigning Authority not found",
            "error",
        ),
        (
            format!("sourceIdentifier={RED}|IHERED-994&targetSystem=urn:oid:9.9.9.9"),
            StatusCode::FORBIDDEN,
            "code-invalid",
            "targetSystem not found",
            "denied",
        ),
        (
            "targetSystem=urn:oid:1.2".into(),
            StatusCode::BAD_REQUEST,
            "required",
            "sourceIdentifier is required",
            "error",
        ),
    ];
    for (query, status, code, text, outcome) in cases {
        let before = h.audit_len();
        let (found, body, _) = h
            .send(
                "GET",
                &format!("/fhir/Patient/$ihe-pix?{query}"),
                Some("hub"),
                None,
            )
            .await;
        assert_eq!(found, status, "{query}: {body}");
        assert_eq!(issue_code(&body), ("error", code), "{query}");
        assert_eq!(body["issue"][0]["details"]["text"], text, "{query}");
        let action = if outcome == "denied" {
            "denied"
        } else {
            "pix-query"
        };
        h.assert_audited(before, action, outcome);
    }
}

#[tokio::test]
async fn iti104_add_revise_merge_and_remove() {
    let h = Harness::new();
    let hr = &h;
    let put = |value: &str, body: Value| {
        let uri = format!("/fhir/Patient?identifier={RED}|{value}");
        async move { hr.send("PUT", &uri, Some("red"), Some(body)).await }
    };
    let (status, body, headers) = put(
        "IHERED-994",
        patient(RED, "IHERED-994", "MOHR", "ALISSA", "female", "1958-01-30"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert!(
        headers["location"]
            .to_str()
            .unwrap()
            .starts_with("http://mpi.test/fhir/Patient/")
    );
    let (status, body, _) = put(
        "IHERED-994",
        patient(RED, "IHERED-994", "MOHR", "ALICE", "female", "1958-01-30"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _, _) = put(
        "IHERED-m94",
        patient(RED, "IHERED-m94", "MOHR", "MAIDEN", "female", "1958-01-30"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    // Resolve duplicate: m94 replaced by 994.
    let mut merge = patient(RED, "IHERED-m94", "MOHR", "MAIDEN", "female", "1958-01-30");
    merge["active"] = json!(false);
    merge["link"] = json!([{"other": {"identifier": {"system": RED, "value": "IHERED-994"}}, "type": "replaced-by"}]);
    let (status, body, _) = put("IHERED-m94", merge).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _, _) = h
        .send(
            "GET",
            &format!("/fhir/Patient/$ihe-pix?sourceIdentifier={RED}|IHERED-m94"),
            Some("red"),
            None,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a merged id is unknown to PIX"
    );
    // Remove.
    let (status, _, _) = h
        .send(
            "DELETE",
            &format!("/fhir/Patient?identifier={RED}|IHERED-994"),
            Some("red"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, _) = h
        .send(
            "GET",
            &format!("/fhir/Patient/$ihe-pix?sourceIdentifier={RED}|IHERED-994"),
            Some("red"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = h
        .send(
            "DELETE",
            &format!("/fhir/Patient?identifier={RED}|IHERED-994"),
            Some("red"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Errors: the body lacks the conditional identifier; unknown domain; not a Patient; no identifier.
    let (status, body, _) = put(
        "OTHER-1",
        patient(RED, "IHERED-994", "X", "Y", "male", "1990-01-01"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(issue_code(&body).1, "business-rule");
    let (status, body, _) = h
        .send(
            "PUT",
            "/fhir/Patient?identifier=urn:oid:9.9.9|A1",
            Some("hub"),
            Some(patient(
                "urn:oid:9.9.9",
                "A1",
                "X",
                "Y",
                "male",
                "1990-01-01",
            )),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(issue_code(&body).1, "code-invalid");
    let (status, _, _) = put("A2", json!({"resourceType": "Parameters"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _, _) = h
        .send("PUT", "/fhir/Patient", Some("red"), Some(json!({})))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, body, _) = put("A3", patient(RED, "A3", "X", "Y", "bogus", "1990-01-01")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["issue"][0]["expression"][0], "Patient.gender");
}

fn match_request(only_certain: Option<bool>, count: Option<i64>) -> Value {
    let mut parameter = vec![json!({"name": "resource", "resource": {
        "resourceType": "Patient",
        "name": [{"family": "MOHR", "given": ["ALICE"]}],
        "gender": "female",
        "birthDate": "1958-01-30"
    }})];
    if let Some(value) = only_certain {
        parameter.push(json!({"name": "onlyCertainMatches", "valueBoolean": value}));
    }
    if let Some(value) = count {
        parameter.push(json!({"name": "count", "valueInteger": value}));
    }
    json!({"resourceType": "Parameters", "parameter": parameter})
}

#[tokio::test]
async fn match_grades_scores_and_options() {
    let h = Harness::new();
    h.feed_mohr().await;
    let (status, _, _) = h
        .send(
            "PUT",
            &format!("/fhir/Patient?identifier={RED}|IHERED-777"),
            Some("hub"),
            Some(patient(
                RED,
                "IHERED-777",
                "MOHRE",
                "ALINE",
                "female",
                "1958-01-03",
            )),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let before = h.audit_len();
    let (status, mut body, _) = h
        .send(
            "POST",
            "/fhir/Patient/$match",
            Some("hub"),
            Some(match_request(None, None)),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["type"], "searchset");
    let entries = body["entry"].as_array().unwrap().clone();
    assert!(!entries.is_empty());
    let mut last = f64::INFINITY;
    for entry in entries.iter().filter(|e| e["search"]["mode"] == "match") {
        let score = entry["search"]["score"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&score) && score <= last);
        last = score;
        let grade = entry["search"]["extension"][0]["valueCode"]
            .as_str()
            .unwrap();
        assert!(["certain", "probable", "possible"].contains(&grade));
    }
    h.assert_audited(before, "match", "ok");
    redact(&mut body);
    insta::assert_json_snapshot!("match_mohr", body);
    let (_, body, _) = h
        .send(
            "POST",
            "/fhir/Patient/$match",
            Some("hub"),
            Some(match_request(None, Some(1))),
        )
        .await;
    assert_eq!(
        body["entry"].as_array().map_or(0, |e| e
            .iter()
            .filter(|x| x["search"]["mode"] == "match")
            .count()),
        1
    );
    let (_, body, _) = h
        .send(
            "POST",
            "/fhir/Patient/$match",
            Some("hub"),
            Some(match_request(Some(true), None)),
        )
        .await;
    for entry in body["entry"].as_array().into_iter().flatten() {
        assert_eq!(entry["search"]["extension"][0]["valueCode"], "certain");
    }
    // Errors: not Parameters / Patient, a bad count, a too deep document.
    let before = h.audit_len();
    let (status, _, _) = h
        .send(
            "POST",
            "/fhir/Patient/$match",
            Some("hub"),
            Some(json!({"resourceType": "Bundle", "type": "x"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    h.assert_audited(before, "match", "error");
    let (status, body, _) = h
        .send(
            "POST",
            "/fhir/Patient/$match",
            Some("hub"),
            Some(match_request(None, Some(0))),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["issue"][0]["expression"][0],
        "Parameters.parameter[1].valueInteger"
    );
}

#[tokio::test]
async fn metadata_is_public() {
    let h = Harness::new();
    let (status, body, _) = h.send("GET", "/fhir/metadata", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["resourceType"], "CapabilityStatement");
    assert_eq!(body["fhirVersion"], "4.0.1");
}

#[tokio::test]
async fn audit_events_for_admins_only() {
    let h = Harness::new();
    h.feed_mohr().await;
    let (status, body, _) = h
        .send("GET", "/fhir/AuditEvent?_count=5", Some("ops"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["entry"][0]["resource"]["resourceType"], "AuditEvent");
    assert!(
        body["link"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["relation"] == "next")
    );
    let before = h.audit_len();
    let (status, _, _) = h.send("GET", "/fhir/AuditEvent", Some("red"), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    h.assert_audited(before, "denied", "denied");
}
