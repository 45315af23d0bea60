//! Authentication and authorisation: 401 without or with bad credentials, 403 for wrong rights,
//! domain isolation (a client of RED never sees GREEN ids), rate limit, body and depth limits,
//! anonymous loopback; every denial recorded.

use axum::http::StatusCode;
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn no_or_bad_credentials_are_401_and_audited() {
    let h = Harness::new();
    let expired = token_with("hub", ISSUER, "vigie", -3600, SECRET);
    let wrong_signature = token_with(
        "hub",
        ISSUER,
        "vigie",
        3600,
        "another-secret-another-secret!!",
    );
    let wrong_audience = token_with("hub", ISSUER, "elsewhere", 3600, SECRET);
    let wrong_issuer = token_with("hub", "https://evil.test", "vigie", 3600, SECRET);
    for bearer in [
        None,
        Some("not-a-jwt".to_owned()),
        Some(expired),
        Some(wrong_signature),
        Some(wrong_audience),
        Some(wrong_issuer),
    ] {
        let before = h.audit_len();
        let (status, body, headers) = h
            .send_raw(
                "GET",
                "/fhir/Patient?family=MOHR",
                bearer.clone(),
                None,
                "10.0.0.1:1234",
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{bearer:?}");
        assert_eq!(headers["www-authenticate"], "Bearer");
        assert_eq!(issue_code(&body), ("error", "login"));
        h.assert_audited(before, "denied", "denied");
    }
    // alg=none is refused.
    let none = format!(
        "{}.{}.",
        "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0",
        "eyJzdWIiOiJodWIiLCJpc3MiOiJodHRwczovL2lkcC50ZXN0IiwiYXVkIjoidmlnaWUiLCJleHAiOjQxMDI0NDQ4MDB9"
    );
    let (status, _, _) = h
        .send_raw("GET", "/admin/stats", Some(none), None, "10.0.0.1:1")
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn valid_token_of_an_unknown_subject_is_403() {
    let h = Harness::new();
    let before = h.audit_len();
    let (status, body, _) = h
        .send("GET", "/fhir/Patient?family=MOHR", Some("stranger"), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(issue_code(&body), ("error", "forbidden"));
    h.assert_audited(before, "denied", "denied");
}

#[tokio::test]
async fn wrong_rights_are_403_and_audited() {
    let h = Harness::new();
    h.feed_mohr().await;
    // RED may not feed GREEN.
    let before = h.audit_len();
    let (status, body, _) = h
        .send(
            "PUT",
            &format!("/fhir/Patient?identifier={GREEN}|G-1"),
            Some("red"),
            Some(patient(GREEN, "G-1", "X", "Y", "male", "1990-01-01")),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    h.assert_audited(before, "denied", "denied");
    let before = h.audit_len();
    let (status, _, _) = h
        .send(
            "DELETE",
            &format!("/fhir/Patient?identifier={GREEN}|IHEGREEN-994"),
            Some("red"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    h.assert_audited(before, "denied", "denied");
    // RED may not ask for GREEN ids.
    let before = h.audit_len();
    let (status, _, _) = h
        .send(
            "GET",
            &format!(
                "/fhir/Patient/$ihe-pix?sourceIdentifier={RED}|IHERED-994&targetSystem={GREEN}"
            ),
            Some("red"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    h.assert_audited(before, "denied", "denied");
    let before = h.audit_len();
    let (status, _, _) = h
        .send(
            "GET",
            &format!("/fhir/Patient?family=MOHR&identifier={GREEN}|"),
            Some("red"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    h.assert_audited(before, "denied", "denied");
    let (status, _, _) = h
        .send(
            "GET",
            &format!("/fhir/Patient?identifier={GREEN}|IHEGREEN-994"),
            Some("red"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The admin API is for admins.
    for (method, uri) in [
        ("GET", "/admin/stats"),
        ("GET", "/admin/reviews"),
        ("POST", "/admin/unmerge"),
    ] {
        let before = h.audit_len();
        let (status, _, _) = h
            .send(method, uri, Some("hub"), Some(json!({"merge_id": 1})))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{uri}");
        h.assert_audited(before, "denied", "denied");
    }
    // A client without query rights cannot search or match.
    let (status, _, _) = h
        .send("GET", "/fhir/Patient?family=MOHR", Some("ops"), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_domain_client_never_sees_other_domains_ids() {
    let h = Harness::new();
    h.feed_mohr().await;
    let (status, body, _) = h
        .send(
            "GET",
            &format!("/fhir/Patient/$ihe-pix?sourceIdentifier={RED}|IHERED-994"),
            Some("red"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let text = body.to_string();
    assert!(
        !text.contains("IHEGREEN") && !text.contains("IHEBLUE"),
        "{text}"
    );
    let (status, body, _) = h
        .send("GET", "/fhir/Patient?family=MOHR", Some("red"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let text = body.to_string();
    assert!(text.contains("IHERED-994"));
    assert!(
        !text.contains("IHEGREEN") && !text.contains("IHEBLUE"),
        "{text}"
    );
    // GREEN searching sees only GREEN; reading the enterprise id shows GREEN only.
    let (_, body, _) = h
        .send("GET", "/fhir/Patient?family=MOHR", Some("green"), None)
        .await;
    let id = body["entry"][0]["resource"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let text = body.to_string();
    assert!(
        !text.contains("IHERED") && !text.contains("IHEBLUE"),
        "{text}"
    );
    let (status, body, _) = h
        .send("GET", &format!("/fhir/Patient/{id}"), Some("green"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!body.to_string().contains("IHERED"));
    let (status, body, _) = h
        .send(
            "POST",
            "/fhir/Patient/$match",
            Some("green"),
            Some(json!({
            "resourceType": "Patient", "name": [{"family": "MOHR", "given": ["ALICE"]}],
            "gender": "female", "birthDate": "1958-01-30"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let text = body.to_string();
    assert!(
        !text.contains("IHERED") && !text.contains("IHEBLUE"),
        "{text}"
    );
}

#[tokio::test]
async fn rate_limit_answers_429_with_an_outcome() {
    let h = Harness::with_server("rate_limit_per_sec = 1\nrate_limit_burst = 1");
    let (status, _, _) = h
        .send("GET", "/fhir/Patient?family=X", Some("hub"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let before = h.audit_len();
    let (status, body, headers) = h
        .send("GET", "/fhir/Patient?family=X", Some("hub"), None)
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(issue_code(&body), ("error", "throttled"));
    assert_eq!(headers["retry-after"], "1");
    h.assert_audited(before, "denied", "denied");
    // Another client has its own bucket.
    let (status, _, _) = h
        .send("GET", "/fhir/Patient?family=X", Some("red"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn body_size_and_json_depth_are_limited() {
    let h = Harness::with_server("http_max_body_bytes = 2048\nhttp_max_json_depth = 16");
    let big = vec![b' '; 4096];
    let (status, body, _) = h
        .send_raw(
            "POST",
            "/fhir/Patient/$match",
            Some(token("hub")),
            Some(big),
            "127.0.0.1:1",
        )
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(issue_code(&body).1, "too-long");
    let deep = format!("{}{}", "[".repeat(40), "]".repeat(40));
    let (status, _, _) = h
        .send_raw(
            "POST",
            "/fhir/Patient/$match",
            Some(token("hub")),
            Some(deep.into_bytes()),
            "127.0.0.1:1",
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let deep_admin = format!("{{\"a\":{}1{}}}", "[".repeat(40), "]".repeat(40));
    let (status, _, _) = h
        .send_raw(
            "POST",
            "/admin/merge",
            Some(token("ops")),
            Some(deep_admin.into_bytes()),
            "127.0.0.1:1",
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn anonymous_loopback_only_when_enabled_and_local() {
    let h = Harness::with_server("allow_anonymous_loopback = true");
    let (status, _, _) = h
        .send_raw("GET", "/admin/stats", None, None, "127.0.0.1:5555")
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = h
        .send_raw("GET", "/admin/stats", None, None, "192.168.1.20:5555")
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let h = Harness::new();
    let (status, _, _) = h
        .send_raw("GET", "/admin/stats", None, None, "127.0.0.1:5555")
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
