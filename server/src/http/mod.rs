//! The axum router: FHIR (PDQm, PIXm, ITI-104, `$match`, metadata, AuditEvent), the admin API
//! with its OpenAPI description and Swagger UI, `/metrics`, `/health`, `/ready`; the middleware
//! (authentication and rate limit, metrics and request logs, body limit, timeout); and
//! [`serve`], which runs the router over plain TCP or rustls until a shutdown signal, letting
//! in-flight requests finish.
//!
//! | route | who |
//! |---|---|
//! | `GET /health`, `GET /ready`, `GET /metrics`, `GET /fhir/metadata`, `GET /openapi.json`, `/docs` | anyone |
//! | `GET /fhir/Patient`, `GET /fhir/Patient/{id}`, `GET /fhir/Patient/$ihe-pix`, `POST /fhir/Patient/$match` | clients with query rights (results limited to their domains) |
//! | `PUT`, `DELETE /fhir/Patient?identifier=` | clients with feed rights on the domain |
//! | `GET /fhir/AuditEvent`, `/admin/…` | admin clients |

pub mod admin;
pub mod body;
pub mod error;
pub mod fhir;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use axum_server::tls::TlsInfo;
use serde_json::json;
use tower_http::timeout::TimeoutLayer;
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;
use vigie_fhir::outcome::IssueType;

use crate::auth::{AuthError, certificate_common_name};
use crate::state::AppState;
use error::ApiError;

/// The whole HTTP API over `state`.
pub fn router(state: AppState) -> Router {
    let fhir = Router::new()
        .route(
            "/fhir/Patient",
            get(fhir::search_patients)
                .put(fhir::update_patient)
                .delete(fhir::delete_patient),
        )
        .route("/fhir/Patient/$ihe-pix", get(fhir::pix_query))
        .route(
            "/fhir/Patient/$match",
            axum::routing::post(fhir::match_patients),
        )
        .route("/fhir/Patient/{id}", get(fhir::read_patient))
        .route("/fhir/AuditEvent", get(fhir::audit_events))
        .route("/admin/reviews", get(admin::review_list))
        .route(
            "/admin/reviews/{id}/resolve",
            axum::routing::post(admin::review_resolve),
        )
        .route("/admin/merge", axum::routing::post(admin::merge))
        .route("/admin/unmerge", axum::routing::post(admin::unmerge))
        .route("/admin/link", axum::routing::post(admin::link))
        .route("/admin/unlink", axum::routing::post(admin::unlink))
        .route("/admin/enterprises/{id}", get(admin::enterprise))
        .route("/admin/enterprises/{id}/history", get(admin::history))
        .route("/admin/decisions/{id}", get(admin::explain))
        .route("/admin/audit", get(admin::audit))
        .route("/admin/audit/verify", get(admin::audit_verify))
        .route("/admin/stats", get(admin::stats))
        .route_layer(middleware::from_fn_with_state(state.clone(), authenticate));
    let public = Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics))
        .route("/fhir/metadata", get(fhir::metadata))
        .merge(SwaggerUi::new("/docs").url("/openapi.json", admin::AdminApi::openapi()));
    let timeout = Duration::from_secs(state.config.server.http_timeout_secs.max(1));
    let body_limit = state.config.server.http_max_body_bytes;
    Router::new()
        .merge(fhir)
        .merge(public)
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            timeout,
        ))
        .layer(middleware::from_fn(observe))
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::not_found("no such endpoint")
}

static REQUEST_IDS: AtomicU64 = AtomicU64::new(1);

/// Metrics and one JSON log line per request: method, route template (never the path or the
/// query, which may carry identifiers), status, latency, request id.
async fn observe(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let request_id = REQUEST_IDS.fetch_add(1, Ordering::Relaxed);
    let mut response = next.run(request).await;
    let status = response.status().as_u16();
    let seconds = started.elapsed().as_secs_f64();
    crate::metrics::record_request(&route, &method, status, seconds);
    tracing::info!(
        request_id,
        method = %method,
        route = %route,
        status,
        latency_ms = (seconds * 1000.0).round() as u64,
        "http request"
    );
    if let Ok(value) = HeaderValue::from_str(&request_id.to_string()) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

/// Authenticates the caller (bearer JWT, client certificate, anonymous loopback), applies the
/// rate limit, and puts the [`Principal`](crate::auth::Principal) in the request extensions.
/// Failures answer 401 / 403 / 429 and are recorded as denied accesses.
async fn authenticate(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let certificate_cn = request
        .extensions()
        .get::<Arc<TlsInfo>>()
        .and_then(|info| info.peer_certificates.first())
        .and_then(|der| certificate_common_name(der));
    let authorization = request
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or("invalid"));
    let channel = if request.uri().path().starts_with("/admin") {
        "admin"
    } else {
        "fhir"
    };
    let from = peer.map_or_else(|| "unknown".to_owned(), |p| p.ip().to_string());
    let principal = match state
        .auth
        .authenticate(authorization, certificate_cn.as_deref(), peer)
    {
        Ok(principal) => principal,
        Err(error) => {
            tracing::info!(channel, reason = %error, "authentication refused");
            let actor = vigie_engine::Actor {
                who: match &error {
                    AuthError::UnknownClient => "unknown-client".to_owned(),
                    _ => "unauthenticated".to_owned(),
                },
                from,
                channel: channel.to_owned(),
            };
            state.audit_failure(actor, "denied", "denied").await;
            let api_error = if error.is_unauthenticated() {
                ApiError::unauthorized(error.to_string())
            } else {
                ApiError::forbidden(error.to_string())
            };
            return api_error.into_response();
        }
    };
    if !state.rate_limiter.allow(&principal.client.name) {
        tracing::info!(channel, "rate limit exceeded");
        state
            .audit_failure(principal.actor(channel), "denied", "denied")
            .await;
        let mut response = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            IssueType::Throttled,
            "too many requests",
        )
        .into_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return response;
    }
    request.extensions_mut().insert(principal);
    next.run(request).await
}

/// `GET /health`: the process is alive.
async fn health() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

/// `GET /ready`: the engine answers.
async fn ready(State(state): State<AppState>) -> Response {
    match state.run(|engine| engine.stats()).await {
        Ok(_) => Json(json!({"status": "ready"})).into_response(),
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "unavailable"})),
        )
            .into_response(),
    }
}

/// `GET /metrics`: Prometheus text exposition.
async fn metrics(State(state): State<AppState>) -> Response {
    let stats = state.run(|engine| engine.stats()).await.ok();
    match state.metrics.render(stats.as_ref()) {
        Some(text) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; version=0.0.4"),
            )],
            text,
        )
            .into_response(),
        None => ApiError::not_found("metrics are disabled").into_response(),
    }
}

/// Serves `router` on `listener` (plain TCP, or TLS with `tls`) until `shutdown` resolves, then
/// lets in-flight requests finish for up to `grace`.
///
/// # Errors
/// When the listener fails.
pub async fn serve(
    listener: std::net::TcpListener,
    router: Router,
    tls: Option<Arc<rustls::ServerConfig>>,
    shutdown: impl Future<Output = ()> + Send + 'static,
    grace: Duration,
) -> std::io::Result<()> {
    listener.set_nonblocking(true)?;
    let handle = axum_server::Handle::new();
    let signal = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        tracing::info!("shutting down the http listener");
        signal.graceful_shutdown(Some(grace));
    });
    let service = router.into_make_service_with_connect_info::<SocketAddr>();
    match tls {
        Some(config) => {
            let config = axum_server::tls_rustls::RustlsConfig::from_config(config);
            axum_server::from_tcp_rustls(listener, config)?
                .handle(handle)
                .serve(service)
                .await
        }
        None => {
            axum_server::from_tcp(listener)?
                .handle(handle)
                .serve(service)
                .await
        }
    }
}
