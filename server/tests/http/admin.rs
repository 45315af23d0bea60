//! Admin API, OpenAPI, operations endpoints.

use axum::http::StatusCode;
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn admin_reads_are_served_and_audited() {
    let h = Harness::new();
    h.feed_mohr().await;
    let (status, stats, _) = h.send("GET", "/admin/stats", Some("ops"), None).await;
    assert_eq!(status, StatusCode::OK, "{stats}");
    assert_eq!(stats["sources"], 3);
    let (status, reviews, _) = h
        .send("GET", "/admin/reviews?limit=10", Some("ops"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(reviews.is_array());
    let (_, bundle, _) = h
        .send("GET", "/fhir/Patient?family=MOHR", Some("hub"), None)
        .await;
    let id = bundle["entry"][0]["resource"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = h.audit_len();
    let (status, enterprise, _) = h
        .send(
            "GET",
            &format!("/admin/enterprises/{id}"),
            Some("ops"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(enterprise["members"].as_array().unwrap().len(), 3);
    h.assert_audited(before, "admin-read", "ok");
    let (status, history, _) = h
        .send(
            "GET",
            &format!("/admin/enterprises/{id}/history"),
            Some("ops"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!history.as_array().unwrap().is_empty());
    let (status, _, _) = h
        .send("GET", "/admin/enterprises/nope", Some("ops"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = h
        .send("GET", "/admin/decisions/999999", Some("ops"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let before = h.audit_len();
    let (status, audit, _) = h
        .send("GET", "/admin/audit?from=0&limit=5", Some("ops"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(audit.as_array().unwrap().len(), 5);
    h.assert_audited(before, "audit-read", "ok");
    let (status, _, _) = h
        .send("GET", "/admin/audit?from=minus", Some("ops"), None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, verify, _) = h
        .send("GET", "/admin/audit/verify", Some("ops"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(verify["valid"], true);
    // Never pruned: the response says there is no anchor.
    assert!(verify["anchor"].is_null(), "{verify}");
    assert!(verify.as_object().unwrap().contains_key("anchor"));
}

#[tokio::test]
async fn audit_verify_names_the_retention_anchor_after_a_prune() {
    let h = Harness::new();
    h.feed_mohr().await;
    // The prune deletes the records written before its cutoff (now): let the clock move on.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let pruned = h
        .state
        .engine
        .prune_audit(std::time::Duration::ZERO, &vigie_server::retention::actor())
        .unwrap();
    let anchor = pruned.anchor.clone().unwrap();
    assert!(anchor.seq >= 3, "{pruned:?}");
    assert_eq!(pruned.deleted, anchor.seq);
    let (status, verify, _) = h
        .send("GET", "/admin/audit/verify", Some("ops"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{verify}");
    assert_eq!(verify["valid"], true, "{verify}");
    assert_eq!(verify["anchor"]["seq"], anchor.seq);
    assert_eq!(verify["anchor"]["hash"], anchor.hash.as_str());
    assert_eq!(verify["anchor"]["pruned_at_ms"], anchor.pruned_at_ms);
    assert_eq!(verify["anchor"]["before_ms"], anchor.before_ms);
    // The chain verified from the anchor: its last record is past the prune's own record.
    assert!(verify["seq"].as_u64().unwrap() > anchor.seq);
    // The OpenAPI document describes the anchor.
    let (_, spec, _) = h.send("GET", "/openapi.json", None, None).await;
    let schemas = &spec["components"]["schemas"];
    assert!(
        schemas["AuditVerifyDto"]["properties"]["anchor"].is_object(),
        "{}",
        schemas["AuditVerifyDto"]
    );
    assert_eq!(
        schemas["AuditAnchorDto"]["properties"]["hash"]["type"],
        "string"
    );
}

#[tokio::test]
async fn admin_link_unlink_merge_unmerge() {
    let h = Harness::new();
    for value in ["A-1", "A-2"] {
        let (status, _, _) = h
            .send(
                "PUT",
                &format!("/fhir/Patient?identifier={RED}|{value}"),
                Some("hub"),
                Some(patient(RED, value, "DOUBLON", "PAUL", "male", "1980-05-05")),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let key = |v: &str| json!({"domain": "1.3.6.1.4.1.21367.13.20.1000", "local_id": v});
    let (status, merged, _) = h
        .send(
            "POST",
            "/admin/merge",
            Some("ops"),
            Some(json!({"surviving": key("A-1"), "merged": key("A-2")})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{merged}");
    let (status, _, _) = h
        .send(
            "GET",
            &format!("/fhir/Patient/$ihe-pix?sourceIdentifier={RED}|A-2"),
            Some("hub"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = h
        .send(
            "POST",
            "/admin/unmerge",
            Some("ops"),
            Some(json!({"merge_id": merged["merge_id"]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = h
        .send(
            "GET",
            &format!("/fhir/Patient/$ihe-pix?sourceIdentifier={RED}|A-2"),
            Some("hub"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, linked, _) = h
        .send(
            "POST",
            "/admin/link",
            Some("ops"),
            Some(json!({"a": key("A-1"), "b": key("A-2")})),
        )
        .await;
    assert!(
        status == StatusCode::OK || status == StatusCode::CONFLICT,
        "{linked}"
    );
    let (status, _, _) = h
        .send(
            "POST",
            "/admin/unlink",
            Some("ops"),
            Some(json!({"key": key("A-2")})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // Bad bodies: 400.
    for body in [
        json!({"surviving": key("A-1")}),
        json!({"merged": 1, "surviving": 2}),
        json!([]),
    ] {
        let (status, _, _) = h
            .send("POST", "/admin/merge", Some("ops"), Some(body))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
    let (status, _, _) = h
        .send(
            "POST",
            "/admin/unlink",
            Some("ops"),
            Some(json!({"key": key("NOBODY")})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn openapi_docs_health_ready_metrics() {
    let h = Harness::new();
    let (status, spec, _) = h.send("GET", "/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(spec["openapi"].as_str().unwrap().starts_with("3.1"));
    assert!(spec["paths"]["/admin/merge"]["post"].is_object());
    let (status, _, _) = h.send("GET", "/docs/", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body, _) = h.send("GET", "/health", None, None).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("ok"))
    );
    let (status, body, _) = h.send("GET", "/ready", None, None).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("ready"))
    );
    let _ = h
        .send("GET", "/fhir/Patient?family=X", Some("hub"), None)
        .await;
    let (status, body, _) = h.send("GET", "/metrics", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let text = body.as_str().unwrap();
    assert!(text.contains("vigie_http_requests_total"), "{text}");
    assert!(text.contains("route=\"/fhir/Patient\""));
    assert!(text.contains("vigie_engine_sources"));
    let (status, body, _) = h.send("GET", "/nowhere", None, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["resourceType"], "OperationOutcome");
}
