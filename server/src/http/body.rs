//! Request bodies: size (the router's `DefaultBodyLimit`, answered 413 with an OperationOutcome)
//! and JSON nesting depth (deeper than `server.http_max_json_depth`: 400), checked on the raw
//! bytes before any parsing so a deeply nested document never reaches serde.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use vigie_fhir::outcome::{IssueType, RequestError};

use super::error::ApiError;

/// The body bytes, or the 413 / 400 the extractor refused them with.
///
/// # Errors
/// [`ApiError`] with the rejection's status.
pub fn body_bytes(body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    body.map_err(|rejection| {
        let status = rejection.status();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(status, IssueType::TooLong, "request body too large")
        } else {
            ApiError::new(status, IssueType::Structure, "request body cannot be read")
        }
    })
}

/// The deepest nesting of arrays and objects in `bytes`, counted outside strings, stopping as
/// soon as `max` is exceeded. Total on any input (invalid JSON is serde's business).
pub fn json_depth_exceeds(bytes: &[u8], max: usize) -> bool {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &byte in bytes {
        if in_string {
            if escaped {
                escaped = false;
            } else if byte == b'\\' {
                escaped = true;
            } else if byte == b'"' {
                in_string = false;
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// Checks the depth of a JSON body.
///
/// # Errors
/// 400 when deeper than `max`.
pub fn check_depth(bytes: &[u8], max: usize) -> Result<(), ApiError> {
    if json_depth_exceeds(bytes, max) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            IssueType::TooLong,
            format!("JSON nested deeper than {max} levels"),
        ));
    }
    Ok(())
}

/// Parses a JSON body after the depth check; serde errors are reported by position only.
///
/// # Errors
/// 400 when too deep or not the expected JSON.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8], max_depth: usize) -> Result<T, ApiError> {
    check_depth(bytes, max_depth)?;
    serde_json::from_slice(bytes).map_err(|e| ApiError::from_outcome(&RequestError::from_json(&e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_is_counted_outside_strings() {
        assert!(!json_depth_exceeds(br#"{"a":[{"b":"[[[[[["}]}"#, 3));
        assert!(json_depth_exceeds(br#"{"a":[{"b":[1]}]}"#, 3));
        assert!(!json_depth_exceeds(br#"{"a":"\"[[[["}"#, 1));
        assert!(json_depth_exceeds(&[b'['; 100], 64));
        assert!(!json_depth_exceeds(&[b']'; 100], 1));
    }
}
