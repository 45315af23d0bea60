//! The FHIR R4 `OperationOutcome` resource, the plain [`Issue`] the builders take, and the
//! [`OutcomeError`] trait every error of this crate implements so the server maps any of them to
//! an HTTP status and an OperationOutcome the same way.
//!
//! Diagnostics never carry patient data (names, dates, identifier values): only element paths,
//! parameter names and fixed texts, so an OperationOutcome is as safe to log as the error itself.

use serde::{Deserialize, Serialize};

use crate::types::{CodeableConcept, Extra, Meta, resource_type};

resource_type!(OperationOutcomeType, "OperationOutcome");

/// A FHIR R4 `OperationOutcome`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationOutcome {
    /// Always `"OperationOutcome"`.
    pub resource_type: OperationOutcomeType,
    /// Logical id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// The issues (at least one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub issue: Vec<OperationOutcomeIssue>,
    /// Unmodelled members.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `OperationOutcome.issue`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationOutcomeIssue {
    /// `fatal | error | warning | information`.
    #[serde(default)]
    pub severity: String,
    /// Issue type code (`invalid`, `not-found`, `code-invalid`, …).
    #[serde(default)]
    pub code: String,
    /// Details (IHE puts the PIXm error texts in `details.text`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<CodeableConcept>,
    /// Diagnostic text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnostics: Option<String>,
    /// Deprecated location (XPath).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub location: Vec<String>,
    /// FHIRPath of the elements concerned.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expression: Vec<String>,
    /// Unmodelled members.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `IssueSeverity`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IssueSeverity {
    /// `fatal`.
    Fatal,
    /// `error`.
    Error,
    /// `warning`.
    Warning,
    /// `information`.
    Information,
}

impl IssueSeverity {
    /// The code.
    pub fn code(self) -> &'static str {
        match self {
            IssueSeverity::Fatal => "fatal",
            IssueSeverity::Error => "error",
            IssueSeverity::Warning => "warning",
            IssueSeverity::Information => "information",
        }
    }
}

/// `IssueType` (the codes Vigie emits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IssueType {
    /// `invalid`: content invalid against the specification or a profile.
    Invalid,
    /// `structure`: structural issue (JSON that is not a resource).
    Structure,
    /// `required`: a required element is missing.
    Required,
    /// `value`: an element value is invalid.
    Value,
    /// `invariant`: a content validation rule failed.
    Invariant,
    /// `not-supported`: unsupported parameter, modifier or format.
    NotSupported,
    /// `not-found`: the referenced content was not found.
    NotFound,
    /// `code-invalid`: a code or system is not known.
    CodeInvalid,
    /// `business-rule`: a business rule refused the content.
    BusinessRule,
    /// `multiple-matches`: several matches where one was expected.
    MultipleMatches,
    /// `processing`: processing failure.
    Processing,
    /// `exception`: unexpected internal error.
    Exception,
    /// `informational`: a message, not an error.
    Informational,
    /// `login`: the user needs to authenticate (401).
    Login,
    /// `forbidden`: the user is not allowed to do this (403).
    Forbidden,
    /// `throttled`: too many requests (429).
    Throttled,
    /// `too-long`: the content is too long (413).
    TooLong,
    /// `conflict`: edit version conflict or state conflict.
    Conflict,
    /// `transient`: a temporary failure, retry later.
    Transient,
}

impl IssueType {
    /// The code.
    pub fn code(self) -> &'static str {
        match self {
            IssueType::Invalid => "invalid",
            IssueType::Structure => "structure",
            IssueType::Required => "required",
            IssueType::Value => "value",
            IssueType::Invariant => "invariant",
            IssueType::NotSupported => "not-supported",
            IssueType::NotFound => "not-found",
            IssueType::CodeInvalid => "code-invalid",
            IssueType::BusinessRule => "business-rule",
            IssueType::MultipleMatches => "multiple-matches",
            IssueType::Processing => "processing",
            IssueType::Exception => "exception",
            IssueType::Informational => "informational",
            IssueType::Login => "login",
            IssueType::Forbidden => "forbidden",
            IssueType::Throttled => "throttled",
            IssueType::TooLong => "too-long",
            IssueType::Conflict => "conflict",
            IssueType::Transient => "transient",
        }
    }
}

/// One issue, as plain data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// Severity.
    pub severity: IssueSeverity,
    /// Type.
    pub code: IssueType,
    /// Text; goes to `details.text` and `diagnostics`. Never patient data.
    pub text: String,
    /// FHIRPath of the element concerned, when there is one.
    pub expression: Option<String>,
}

impl Issue {
    /// An error issue.
    pub fn error(code: IssueType, text: impl Into<String>) -> Issue {
        Issue {
            severity: IssueSeverity::Error,
            code,
            text: text.into(),
            expression: None,
        }
    }

    /// A warning issue.
    pub fn warning(code: IssueType, text: impl Into<String>) -> Issue {
        Issue {
            severity: IssueSeverity::Warning,
            code,
            text: text.into(),
            expression: None,
        }
    }

    /// Builder: sets the FHIRPath expression.
    pub fn at(mut self, expression: impl Into<String>) -> Issue {
        self.expression = Some(expression.into());
        self
    }

    /// The DTO form.
    pub fn to_dto(&self) -> OperationOutcomeIssue {
        OperationOutcomeIssue {
            severity: self.severity.code().to_owned(),
            code: self.code.code().to_owned(),
            details: Some(CodeableConcept::from_text(&self.text)),
            diagnostics: Some(self.text.clone()),
            expression: self.expression.iter().cloned().collect(),
            ..OperationOutcomeIssue::default()
        }
    }
}

impl OperationOutcome {
    /// An OperationOutcome with these issues.
    pub fn from_issues<'a>(issues: impl IntoIterator<Item = &'a Issue>) -> OperationOutcome {
        OperationOutcome {
            issue: issues.into_iter().map(Issue::to_dto).collect(),
            ..OperationOutcome::default()
        }
    }

    /// True when an issue is `error` or `fatal`.
    pub fn has_errors(&self) -> bool {
        self.issue
            .iter()
            .any(|i| i.severity == "error" || i.severity == "fatal")
    }
}

/// An error the FHIR server answers with an HTTP status and an OperationOutcome.
pub trait OutcomeError: std::error::Error {
    /// The HTTP status IHE / FHIR prescribe for this error.
    fn http_status(&self) -> u16;
    /// The issues to report.
    fn issues(&self) -> Vec<Issue>;
    /// The OperationOutcome to return.
    fn to_operation_outcome(&self) -> OperationOutcome {
        OperationOutcome::from_issues(&self.issues())
    }
}

/// Generic request errors that are not tied to one transaction.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// The body is not JSON or not the expected resource. Line and column only, never content.
    #[error("the body is not a valid FHIR JSON resource (line {line}, column {column})")]
    Json {
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// serde_json's classification: `syntax`, `data`, `eof` or `io`.
        category: &'static str,
    },
    /// The requested `_format` / `Accept` is not served.
    #[error("unsupported format")]
    UnsupportedFormat,
    /// The resource does not exist.
    #[error("resource not found")]
    NotFound,
    /// An internal failure; details are logged by the server, never returned.
    #[error("internal error")]
    Internal,
}

impl RequestError {
    /// Wraps a serde_json error without its message (which may quote the input).
    pub fn from_json(error: &serde_json::Error) -> RequestError {
        use serde_json::error::Category;
        RequestError::Json {
            line: error.line(),
            column: error.column(),
            category: match error.classify() {
                Category::Io => "io",
                Category::Syntax => "syntax",
                Category::Data => "data",
                Category::Eof => "eof",
            },
        }
    }
}

impl OutcomeError for RequestError {
    fn http_status(&self) -> u16 {
        match self {
            RequestError::Json { .. } => 400,
            RequestError::UnsupportedFormat => 406,
            RequestError::NotFound => 404,
            RequestError::Internal => 500,
        }
    }

    fn issues(&self) -> Vec<Issue> {
        let code = match self {
            RequestError::Json { .. } => IssueType::Structure,
            RequestError::UnsupportedFormat => IssueType::NotSupported,
            RequestError::NotFound => IssueType::NotFound,
            RequestError::Internal => IssueType::Exception,
        };
        vec![Issue::error(code, self.to_string())]
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_issue_fills_details_diagnostics_and_expression() {
        let outcome = OperationOutcome::from_issues(&[Issue::error(
            IssueType::Required,
            "required element is missing",
        )
        .at("Patient.identifier[1].value")]);
        assert_eq!(
            serde_json::to_value(&outcome).unwrap(),
            json!({
                "resourceType": "OperationOutcome",
                "issue": [{
                    "severity": "error",
                    "code": "required",
                    "details": {"text": "required element is missing"},
                    "diagnostics": "required element is missing",
                    "expression": ["Patient.identifier[1].value"]
                }]
            })
        );
        assert!(outcome.has_errors());
    }

    #[test]
    fn json_errors_do_not_quote_the_input() {
        let error = serde_json::from_str::<crate::patient::Patient>(
            r#"{"resourceType": "Patient", "birthDate": 1958SECRET}"#,
        )
        .unwrap_err();
        let wrapped = RequestError::from_json(&error);
        assert_eq!(wrapped.http_status(), 400);
        let text = serde_json::to_string(&wrapped.to_operation_outcome()).unwrap();
        assert!(!text.contains("SECRET") && !text.contains("1958"), "{text}");
    }
}
