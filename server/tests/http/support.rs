//! Test harness: a temp-dir engine, a configuration with three IHE domains and clients of
//! different rights, HS256 tokens, request helpers, audit checks and JSON redaction.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use tower::ServiceExt;
use vigie_engine::{AuditRecord, Engine, EngineConfig, SyncPolicy};
use vigie_server::AppState;
use vigie_server::auth::Authenticator;
use vigie_server::config::Config;
use vigie_server::domains::DomainRegistry;
use vigie_server::metrics::Metrics;

pub const RED: &str = "urn:oid:1.3.6.1.4.1.21367.13.20.1000";
pub const GREEN: &str = "urn:oid:1.3.6.1.4.1.21367.13.20.2000";
pub const BLUE: &str = "urn:oid:1.3.6.1.4.1.21367.13.20.3000";
pub const SECRET: &str = "vigie-test-secret-0123456789abcdef";
pub const ISSUER: &str = "https://idp.test";

/// The JSON log lines of the whole test binary (see `logs.rs`).
pub static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();

#[derive(Clone)]
pub struct LogBuffer(pub Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogBuffer {
    type Writer = LogBuffer;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Installs the server's JSON subscriber, writing to [`LOGS`], once for the binary.
pub fn capture_logs() -> Arc<Mutex<Vec<u8>>> {
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let subscriber = vigie_server::logging::json_subscriber("debug", LogBuffer(buffer.clone()));
        let _ = tracing::subscriber::set_global_default(subscriber);
        buffer
    })
    .clone()
}

pub struct Harness {
    pub state: AppState,
    pub router: Router,
    pub _dir: tempfile::TempDir,
}

pub fn config_text(secret_path: &std::path::Path, extra_server: &str) -> String {
    format!(
        r#"
[server]
{extra_server}

[[domains]]
id = "1.3.6.1.4.1.21367.13.20.1000"
namespace = "IHERED"

[[domains]]
id = "1.3.6.1.4.1.21367.13.20.2000"
namespace = "IHEGREEN"

[[domains]]
id = "1.3.6.1.4.1.21367.13.20.3000"
namespace = "IHEBLUE"

[[clients]]
name = "red-clinic"
jwt_subject = "red"
feeds = ["1.3.6.1.4.1.21367.13.20.1000"]
queries = ["1.3.6.1.4.1.21367.13.20.1000"]

[[clients]]
name = "green-lab"
jwt_subject = "green"
feeds = ["1.3.6.1.4.1.21367.13.20.2000"]
queries = ["1.3.6.1.4.1.21367.13.20.2000"]

[[clients]]
name = "regional-hub"
jwt_subject = "hub"
feeds = ["*"]
queries = ["*"]

[[clients]]
name = "identity-cell"
jwt_subject = "ops"
admin = true

[[clients]]
name = "cert-clinic"
certificate = "clinic-cert"
queries = ["1.3.6.1.4.1.21367.13.20.1000"]

[[jwt]]
issuer = "{ISSUER}"
audience = "vigie"
key = "{}"
algorithm = "HS256"
"#,
        secret_path.display()
    )
}

impl Harness {
    pub fn new() -> Harness {
        Harness::with_server("")
    }

    pub fn with_server(extra_server: &str) -> Harness {
        capture_logs();
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("jwt.secret");
        std::fs::write(&secret, SECRET).unwrap();
        let config = Config::from_toml(&config_text(&secret, extra_server)).unwrap();
        let engine = Engine::open(EngineConfig {
            data_dir: dir.path().join("data"),
            model: None,
            sync: SyncPolicy::Never,
            candidate_limit: 500,
            cache_mb: 16,
        })
        .unwrap();
        let domains = DomainRegistry::new(&config.domains);
        let auth = Authenticator::from_config(&config).unwrap();
        let state = AppState::new(Arc::new(engine), config, domains, auth, Metrics::install());
        let router = vigie_server::router(state.clone());
        Harness {
            state,
            router,
            _dir: dir,
        }
    }

    /// A request from 127.0.0.1 (or `peer`), with a bearer token of `subject` when given.
    pub async fn send(
        &self,
        method: &str,
        uri: &str,
        subject: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value, axum::http::HeaderMap) {
        self.send_raw(
            method,
            uri,
            subject.map(token),
            body.map(|b| b.to_string().into_bytes()),
            "127.0.0.1:40000",
        )
        .await
    }

    pub async fn send_raw(
        &self,
        method: &str,
        uri: &str,
        bearer: Option<String>,
        body: Option<Vec<u8>>,
        peer: &str,
    ) -> (StatusCode, Value, axum::http::HeaderMap) {
        let mut builder = Request::builder()
            .method(method)
            .uri(uri)
            .header("host", "mpi.test");
        if let Some(token) = bearer {
            builder = builder.header("authorization", format!("Bearer {token}"));
        }
        if body.is_some() {
            builder = builder.header("content-type", "application/fhir+json");
        }
        let mut request = builder
            .body(body.map_or_else(Body::empty, Body::from))
            .unwrap();
        let peer: SocketAddr = peer.parse().unwrap();
        request.extensions_mut().insert(ConnectInfo(peer));
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), 16 << 20)
            .await
            .unwrap();
        let value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        (status, value, headers)
    }

    pub fn audit(&self) -> Vec<AuditRecord> {
        self.state.engine.audit_records(0, 100_000).unwrap()
    }

    pub fn audit_len(&self) -> usize {
        self.audit().len()
    }

    /// Asserts that records were added since `before` and that one of them has this action and
    /// outcome.
    pub fn assert_audited(&self, before: usize, action: &str, outcome: &str) {
        let records = self.audit();
        assert!(records.len() > before, "no audit record written");
        assert!(
            records[before..]
                .iter()
                .any(|r| r.action == action && r.outcome == outcome),
            "no audit record {action}/{outcome} in {:?}",
            records[before..]
                .iter()
                .map(|r| (&r.action, &r.outcome))
                .collect::<Vec<_>>()
        );
    }

    /// Feeds the IHE persona MOHR ALICE in RED, GREEN and BLUE (as the hub) and links them.
    pub async fn feed_mohr(&self) {
        for (system, value) in [
            (RED, "IHERED-994"),
            (GREEN, "IHEGREEN-994"),
            (BLUE, "IHEBLUE-994"),
        ] {
            let (status, body, _) = self
                .send(
                    "PUT",
                    &format!("/fhir/Patient?identifier={system}|{value}"),
                    Some("hub"),
                    Some(patient(
                        system,
                        value,
                        "MOHR",
                        "ALICE",
                        "female",
                        "1958-01-30",
                    )),
                )
                .await;
            assert!(
                status == StatusCode::CREATED || status == StatusCode::OK,
                "{status} {body}"
            );
        }
        for (domain, value) in [
            ("1.3.6.1.4.1.21367.13.20.2000", "IHEGREEN-994"),
            ("1.3.6.1.4.1.21367.13.20.3000", "IHEBLUE-994"),
        ] {
            let (status, body, _) = self
                .send(
                    "POST",
                    "/admin/link",
                    Some("ops"),
                    Some(json!({
                        "a": {"domain": "1.3.6.1.4.1.21367.13.20.1000", "local_id": "IHERED-994"},
                        "b": {"domain": domain, "local_id": value}
                    })),
                )
                .await;
            assert!(
                status == StatusCode::OK || status == StatusCode::CONFLICT,
                "{status} {body}"
            );
        }
    }
}

pub fn token(subject: &str) -> String {
    token_with(subject, ISSUER, "vigie", 3600, SECRET)
}

pub fn token_with(
    subject: &str,
    issuer: &str,
    audience: &str,
    lifetime: i64,
    secret: &str,
) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let claims =
        json!({"sub": subject, "iss": issuer, "aud": audience, "exp": now + lifetime, "iat": now});
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

pub fn patient(
    system: &str,
    value: &str,
    family: &str,
    given: &str,
    gender: &str,
    birth: &str,
) -> Value {
    json!({
        "resourceType": "Patient",
        "identifier": [{"system": system, "value": value}],
        "active": true,
        "name": [{"family": family, "given": [given]}],
        "gender": gender,
        "birthDate": birth
    })
}

/// Replaces run-dependent values (ids, URLs of this server, times, hashes) for snapshots.
pub fn redact(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                match key.as_str() {
                    "id" | "fullUrl" | "reference" | "recorded" if child.is_string() => {
                        *child = Value::String(format!("[{key}]"));
                    }
                    "link" => {
                        for link in child.as_array_mut().into_iter().flatten() {
                            if link.get("relation").is_some() {
                                link["url"] = Value::String("[url]".into());
                            } else {
                                redact(link);
                            }
                        }
                    }
                    _ => redact(child),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

pub fn issue_code(outcome: &Value) -> (&str, &str) {
    (
        outcome["issue"][0]["severity"].as_str().unwrap_or(""),
        outcome["issue"][0]["code"].as_str().unwrap_or(""),
    )
}

/// Every `system|value` of the identifiers of the Patients (or Parameters) in a body.
pub fn identifier_values(body: &Value) -> Vec<String> {
    let mut out = Vec::new();
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                if let (Some(Value::String(s)), Some(Value::String(val))) =
                    (map.get("system"), map.get("value"))
                {
                    out.push(format!("{s}|{val}"));
                }
                map.values().for_each(|c| walk(c, out));
            }
            Value::Array(items) => items.iter().for_each(|c| walk(c, out)),
            _ => {}
        }
    }
    walk(body, &mut out);
    out
}
