//! [`ApiError`]: the one error type of the HTTP layer, answered as an HTTP status plus a FHIR
//! `OperationOutcome` (`application/fhir+json`). Engine errors are mapped by
//! [`vigie_engine::ErrorKind`]; internal details are logged (kind only for user errors, which may
//! name identifiers) and never returned.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use vigie_engine::{EngineError, ErrorKind};
use vigie_fhir::outcome::{Issue, IssueType, OperationOutcome, OutcomeError};

/// The FHIR JSON media type.
pub const FHIR_JSON: &str = "application/fhir+json";

/// An HTTP error with its OperationOutcome.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// Status.
    pub status: StatusCode,
    /// Issues (never patient data).
    pub issues: Vec<Issue>,
    /// Extra `WWW-Authenticate` challenge (401).
    pub challenge: Option<&'static str>,
}

impl ApiError {
    /// An error with one issue.
    pub fn new(status: StatusCode, code: IssueType, text: impl Into<String>) -> ApiError {
        ApiError {
            status,
            issues: vec![Issue::error(code, text)],
            challenge: None,
        }
    }

    /// Any vigie-fhir error, with the status and issues the IHE profiles prescribe.
    pub fn from_outcome<E: OutcomeError>(error: &E) -> ApiError {
        ApiError {
            status: StatusCode::from_u16(error.http_status())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            issues: error.issues(),
            challenge: None,
        }
    }

    /// An engine error: InvalidInput 400, NotFound 404, Conflict 409, Unavailable 503,
    /// Internal 500.
    pub fn from_engine(error: &EngineError) -> ApiError {
        match error.kind() {
            ErrorKind::InvalidInput => {
                tracing::info!(kind = "invalid-input", "engine refused the request");
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    IssueType::Invalid,
                    "the request is not valid for the MPI",
                )
            }
            ErrorKind::NotFound => {
                ApiError::new(StatusCode::NOT_FOUND, IssueType::NotFound, "not found")
            }
            ErrorKind::Conflict => {
                tracing::info!(kind = "conflict", "engine refused the request");
                ApiError::new(
                    StatusCode::CONFLICT,
                    IssueType::Conflict,
                    "the request conflicts with the current state of the MPI",
                )
            }
            ErrorKind::Unavailable => {
                tracing::error!(kind = "unavailable", error = %error, "engine unavailable");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    IssueType::Transient,
                    "the MPI is temporarily unavailable",
                )
            }
            ErrorKind::Internal => {
                tracing::error!(kind = "internal", error = %error, "engine internal error");
                ApiError::internal()
            }
        }
    }

    /// 500 without details.
    pub fn internal() -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            IssueType::Exception,
            "internal error",
        )
    }

    /// 401 with a Bearer challenge.
    pub fn unauthorized(text: impl Into<String>) -> ApiError {
        ApiError {
            challenge: Some("Bearer"),
            ..ApiError::new(StatusCode::UNAUTHORIZED, IssueType::Login, text)
        }
    }

    /// 403.
    pub fn forbidden(text: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, IssueType::Forbidden, text)
    }

    /// 400 `invalid`.
    pub fn bad_request(text: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, IssueType::Invalid, text)
    }

    /// 404 `not-found`.
    pub fn not_found(text: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, IssueType::NotFound, text)
    }

    /// The audit outcome word of this error.
    pub fn audit_outcome(&self) -> &'static str {
        match self.status {
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::TOO_MANY_REQUESTS => {
                "denied"
            }
            StatusCode::NOT_FOUND => "not-found",
            _ => "error",
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&OperationOutcome::from_issues(&self.issues))
            .unwrap_or_else(|_| b"{\"resourceType\":\"OperationOutcome\"}".to_vec());
        let mut response = (self.status, body).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(FHIR_JSON));
        if let Some(challenge) = self.challenge {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(challenge),
            );
        }
        response
    }
}
