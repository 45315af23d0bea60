//! PDQm [ITI-119] `$match`: the request (`Parameters` with `resource`, `onlyCertainMatches`,
//! `count`, or a bare Patient) and the response `searchset` Bundle with `search.score` and the
//! `match-grade` extension (`ihe.md` §11.2).
//!
//! Response rules applied by [`match_bundle`]: scores clamped to 0..1; `certainly-not`
//! candidates dropped; sorted from most to least likely (score, then grade); with
//! `onlyCertainMatches` only a single `certain` match is returned (none, or several that cannot be
//! confirmed as one person, give an empty Bundle); `count` truncates after sorting; warnings go in
//! an OperationOutcome entry with `search.mode = outcome`.

use crate::bundle::{Bundle, BundleEntry, BundleEntrySearch, BundleLink, SEARCHSET};
use crate::codes::EXT_MATCH_GRADE;
use crate::outcome::{
    Issue, IssueSeverity, IssueType, OperationOutcome, OutcomeError, RequestError,
};
use crate::parameters::Parameters;
use crate::patient::Patient;
use crate::resource::Resource;
use crate::types::Extension;

/// A `$match` request.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchRequest {
    /// The Patient to match (`resource`).
    pub patient: Patient,
    /// `onlyCertainMatches` (false when absent).
    pub only_certain_matches: bool,
    /// `count`: maximum number of matches.
    pub count: Option<u32>,
    /// FHIRPath of the Patient in the request (`Patient` or `Parameters.parameter[0].resource`),
    /// to root validation errors with [`ValidationErrors::rooted_at`](crate::to_domain::ValidationErrors::rooted_at).
    pub resource_expression: String,
}

/// Why a `$match` request cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MatchError {
    /// The body is not a FHIR JSON resource.
    #[error(transparent)]
    Json(RequestError),
    /// The body is neither a Parameters nor a Patient.
    #[error("the body must be a Parameters or a Patient resource")]
    WrongResource,
    /// An element is missing or has the wrong type; the FHIRPath says which.
    #[error("{expression}: {reason}")]
    Invalid {
        /// FHIRPath of the element.
        expression: String,
        /// What is expected.
        reason: &'static str,
    },
}

impl OutcomeError for MatchError {
    fn http_status(&self) -> u16 {
        400
    }

    fn issues(&self) -> Vec<Issue> {
        match self {
            MatchError::Json(error) => error.issues(),
            MatchError::WrongResource => vec![Issue::error(IssueType::Structure, self.to_string())],
            MatchError::Invalid { expression, reason } => {
                vec![Issue::error(IssueType::Invalid, *reason).at(expression.clone())]
            }
        }
    }
}

fn invalid(expression: String, reason: &'static str) -> MatchError {
    MatchError::Invalid { expression, reason }
}

/// Reads a `$match` body (JSON bytes).
///
/// # Errors
/// [`MatchError`] when the body is not JSON, not a Parameters or Patient, or a parameter is
/// wrong.
pub fn parse_match_request(body: &[u8]) -> Result<MatchRequest, MatchError> {
    let resource: Resource =
        serde_json::from_slice(body).map_err(|e| MatchError::Json(RequestError::from_json(&e)))?;
    match_request_from_resource(resource)
}

/// Reads a `$match` request from a resource already parsed.
///
/// # Errors
/// As [`parse_match_request`].
pub fn match_request_from_resource(resource: Resource) -> Result<MatchRequest, MatchError> {
    match resource {
        Resource::Patient(patient) => Ok(MatchRequest {
            patient: *patient,
            only_certain_matches: false,
            count: None,
            resource_expression: "Patient".into(),
        }),
        Resource::Parameters(parameters) => from_parameters(*parameters),
        _ => Err(MatchError::WrongResource),
    }
}

fn from_parameters(parameters: Parameters) -> Result<MatchRequest, MatchError> {
    let mut patient = None;
    let mut only_certain_matches = None;
    let mut count = None;
    for (index, parameter) in parameters.parameter.into_iter().enumerate() {
        let base = format!("Parameters.parameter[{index}]");
        match parameter.name.as_str() {
            "resource" => {
                if patient.is_some() {
                    return Err(invalid(base, "resource may appear only once"));
                }
                match parameter.resource {
                    Some(Resource::Patient(p)) => patient = Some((*p, format!("{base}.resource"))),
                    _ => return Err(invalid(format!("{base}.resource"), "a Patient resource")),
                }
            }
            "onlyCertainMatches" => {
                if only_certain_matches.is_some() {
                    return Err(invalid(base, "onlyCertainMatches may appear only once"));
                }
                let value = parameter
                    .value_boolean
                    .ok_or_else(|| invalid(format!("{base}.valueBoolean"), "a boolean"))?;
                only_certain_matches = Some(value);
            }
            "count" => {
                if count.is_some() {
                    return Err(invalid(base, "count may appear only once"));
                }
                let value = parameter
                    .value_integer
                    .and_then(|v| u32::try_from(v).ok())
                    .filter(|v| *v > 0)
                    .ok_or_else(|| invalid(format!("{base}.valueInteger"), "a positive integer"))?;
                count = Some(value);
            }
            _ => {
                return Err(invalid(
                    format!("{base}.name"),
                    "resource, onlyCertainMatches or count",
                ));
            }
        }
    }
    let (patient, resource_expression) = patient.ok_or_else(|| {
        invalid(
            "Parameters.parameter".into(),
            "a resource parameter with the Patient",
        )
    })?;
    Ok(MatchRequest {
        patient,
        only_certain_matches: only_certain_matches.unwrap_or(false),
        count,
        resource_expression,
    })
}

/// HL7 `match-grade` codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MatchGrade {
    /// `certain`: meets the criteria to be considered a full match.
    Certain,
    /// `probable`: likely the same person, to be reviewed.
    Probable,
    /// `possible`: might be the same person.
    Possible,
    /// `certainly-not`: known not to match.
    CertainlyNot,
}

impl MatchGrade {
    /// The code.
    pub fn code(self) -> &'static str {
        match self {
            MatchGrade::Certain => "certain",
            MatchGrade::Probable => "probable",
            MatchGrade::Possible => "possible",
            MatchGrade::CertainlyNot => "certainly-not",
        }
    }

    /// The grade of a decision band.
    pub fn from_band(band: MatchBand) -> MatchGrade {
        match band {
            MatchBand::Link => MatchGrade::Certain,
            MatchBand::Review => MatchGrade::Probable,
            MatchBand::Weak => MatchGrade::Possible,
            MatchBand::NonMatch => MatchGrade::CertainlyNot,
        }
    }
}

/// Where the engine's decision put a candidate. Only [`MatchBand::Link`] is `certain`: Vigie
/// never presents a review-band pair as certain (RNIV: no automatic merge on probable matches).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MatchBand {
    /// Above the auto-link threshold (a certain INS match, or a score the policy links).
    Link,
    /// In the review band.
    Review,
    /// Below review, kept as a weak candidate.
    Weak,
    /// A non-match (vetoed or below the floor).
    NonMatch,
}

/// One `$match` candidate.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchCandidate {
    /// `Bundle.entry.fullUrl`.
    pub full_url: String,
    /// The Patient.
    pub patient: Patient,
    /// Match probability, expected in 0..1 (clamped; NaN counts as 0).
    pub score: f64,
    /// Decision band.
    pub band: MatchBand,
}

/// Options of the response (from the request).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchResponseOptions {
    /// `self` link URL.
    pub self_url: String,
    /// `onlyCertainMatches`.
    pub only_certain_matches: bool,
    /// `count`.
    pub count: Option<u32>,
}

impl MatchRequest {
    /// Response options for this request.
    pub fn response_options(&self, self_url: &str) -> MatchResponseOptions {
        MatchResponseOptions {
            self_url: self_url.to_owned(),
            only_certain_matches: self.only_certain_matches,
            count: self.count,
        }
    }
}

fn clamp(score: f64) -> f64 {
    if score.is_nan() {
        0.0
    } else {
        score.clamp(0.0, 1.0)
    }
}

/// Builds the `$match` searchset Bundle. `warnings` (severity warning or information; an error
/// is shown as a warning, since a `$match` Bundle reports failures through HTTP) become one
/// OperationOutcome entry.
pub fn match_bundle(
    options: &MatchResponseOptions,
    candidates: Vec<MatchCandidate>,
    warnings: &[Issue],
) -> Bundle {
    let mut graded: Vec<(MatchCandidate, f64, MatchGrade)> = candidates
        .into_iter()
        .map(|c| {
            let score = clamp(c.score);
            let grade = MatchGrade::from_band(c.band);
            (c, score, grade)
        })
        .filter(|(_, _, grade)| *grade != MatchGrade::CertainlyNot)
        .collect();
    graded.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.2.cmp(&b.2)));
    if options.only_certain_matches {
        graded.retain(|(_, _, grade)| *grade == MatchGrade::Certain);
        if graded.len() > 1 {
            graded.clear();
        }
    }
    if let Some(count) = options.count {
        graded.truncate(usize::try_from(count).unwrap_or(usize::MAX));
    }
    let mut entry: Vec<BundleEntry> = graded
        .into_iter()
        .map(|(candidate, score, grade)| {
            let mut extension = Extension::new(EXT_MATCH_GRADE);
            extension.value_code = Some(grade.code().to_owned());
            BundleEntry {
                full_url: Some(candidate.full_url),
                resource: Some(Resource::from(candidate.patient)),
                search: Some(BundleEntrySearch {
                    extension: vec![extension],
                    mode: Some("match".into()),
                    score: Some(score),
                    ..BundleEntrySearch::default()
                }),
                ..BundleEntry::default()
            }
        })
        .collect();
    let total = entry.len() as u64;
    if !warnings.is_empty() {
        let issues: Vec<Issue> = warnings
            .iter()
            .map(|issue| Issue {
                severity: match issue.severity {
                    IssueSeverity::Information => IssueSeverity::Information,
                    _ => IssueSeverity::Warning,
                },
                ..issue.clone()
            })
            .collect();
        entry.push(BundleEntry {
            resource: Some(Resource::from(OperationOutcome::from_issues(&issues))),
            search: Some(BundleEntrySearch {
                mode: Some("outcome".into()),
                ..BundleEntrySearch::default()
            }),
            ..BundleEntry::default()
        });
    }
    Bundle {
        type_: SEARCHSET.into(),
        total: Some(total),
        link: vec![BundleLink {
            relation: "self".into(),
            url: options.self_url.clone(),
            ..BundleLink::default()
        }],
        entry,
        ..Bundle::default()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn candidate(name: &str, score: f64, band: MatchBand) -> MatchCandidate {
        MatchCandidate {
            full_url: format!("http://x/fhir/Patient/{name}"),
            patient: Patient {
                id: Some(name.into()),
                ..Patient::default()
            },
            score,
            band,
        }
    }

    fn options(only_certain: bool, count: Option<u32>) -> MatchResponseOptions {
        MatchResponseOptions {
            self_url: "http://x/fhir/Patient/$match".into(),
            only_certain_matches: only_certain,
            count,
        }
    }

    fn ids(bundle: &Bundle) -> Vec<&str> {
        bundle
            .entry
            .iter()
            .filter_map(|e| e.resource.as_ref()?.as_patient()?.id.as_deref())
            .collect()
    }

    #[test]
    fn matches_are_sorted_clamped_and_graded() {
        let bundle = match_bundle(
            &options(false, None),
            vec![
                candidate("b", 0.5, MatchBand::Weak),
                candidate("a", 1.7, MatchBand::Link),
                candidate("c", f64::NAN, MatchBand::Review),
                candidate("z", 0.9, MatchBand::NonMatch),
            ],
            &[],
        );
        assert_eq!(ids(&bundle), vec!["a", "b", "c"]);
        assert_eq!(bundle.total, Some(3));
        let first = bundle.entry[0].search.as_ref().unwrap();
        assert_eq!(
            (first.score, first.match_grade()),
            (Some(1.0), Some("certain"))
        );
        assert_eq!(bundle.entry[2].search.as_ref().unwrap().score, Some(0.0));
    }

    #[test]
    fn only_certain_matches_needs_exactly_one_certain() {
        let one = vec![
            candidate("a", 0.99, MatchBand::Link),
            candidate("b", 0.8, MatchBand::Review),
        ];
        assert_eq!(
            ids(&match_bundle(&options(true, None), one, &[])),
            vec!["a"]
        );
        let two = vec![
            candidate("a", 0.99, MatchBand::Link),
            candidate("b", 0.98, MatchBand::Link),
        ];
        let bundle = match_bundle(&options(true, None), two, &[]);
        assert!(bundle.entry.is_empty());
        assert_eq!(bundle.total, Some(0));
        let none = vec![candidate("b", 0.8, MatchBand::Review)];
        assert!(
            match_bundle(&options(true, None), none, &[])
                .entry
                .is_empty()
        );
    }

    #[test]
    fn count_truncates_after_sorting_and_warnings_are_an_outcome_entry() {
        let bundle = match_bundle(
            &options(false, Some(1)),
            vec![
                candidate("b", 0.5, MatchBand::Weak),
                candidate("a", 0.9, MatchBand::Review),
            ],
            &[Issue::error(IssueType::Value, "x").at("Patient.birthDate")],
        );
        assert_eq!(ids(&bundle), vec!["a"]);
        let outcome = bundle.entry[1]
            .resource
            .as_ref()
            .unwrap()
            .as_operation_outcome()
            .unwrap();
        assert_eq!(outcome.issue[0].severity, "warning");
        assert!(!outcome.has_errors());
        assert_eq!(
            bundle.entry[1].search.as_ref().unwrap().mode.as_deref(),
            Some("outcome")
        );
    }

    #[test]
    fn requests_are_read_from_parameters_or_a_patient() {
        let body = json!({
            "resourceType": "Parameters",
            "parameter": [
                {"name": "resource", "resource": {"resourceType": "Patient", "gender": "other"}},
                {"name": "onlyCertainMatches", "valueBoolean": true},
                {"name": "count", "valueInteger": 1}
            ]
        });
        let request = parse_match_request(body.to_string().as_bytes()).unwrap();
        assert!(request.only_certain_matches);
        assert_eq!(request.count, Some(1));
        assert_eq!(request.patient.gender.as_deref(), Some("other"));
        assert_eq!(
            request.resource_expression,
            "Parameters.parameter[0].resource"
        );
        let invalid = crate::to_domain::patient_to_domain(
            &Patient {
                gender: Some("F".into()),
                ..request.patient.clone()
            },
            &crate::to_domain::ConvertOptions::default(),
        )
        .unwrap_err()
        .rooted_at(&request.resource_expression);
        assert_eq!(
            invalid.0[0].expression,
            "Parameters.parameter[0].resource.gender"
        );
        let bare = parse_match_request(br#"{"resourceType": "Patient"}"#).unwrap();
        assert!(!bare.only_certain_matches && bare.count.is_none());
    }

    #[test]
    fn bad_requests_name_the_element() {
        let cases = [
            (
                json!({"resourceType": "Parameters", "parameter": [{"name": "count", "valueInteger": 0}]}),
                "Parameters.parameter[0].valueInteger",
            ),
            (
                json!({"resourceType": "Parameters", "parameter": [{"name": "resource", "resource": {"resourceType": "Bundle", "type": "x"}}]}),
                "Parameters.parameter[0].resource",
            ),
            (
                json!({"resourceType": "Parameters", "parameter": [{"name": "onlyCertainMatches", "valueString": "yes"}]}),
                "Parameters.parameter[0].valueBoolean",
            ),
            (
                json!({"resourceType": "Parameters", "parameter": [{"name": "limit"}]}),
                "Parameters.parameter[0].name",
            ),
            (
                json!({"resourceType": "Parameters"}),
                "Parameters.parameter",
            ),
        ];
        for (body, expression) in cases {
            let error = parse_match_request(body.to_string().as_bytes()).unwrap_err();
            assert_eq!(
                error.to_operation_outcome().issue[0].expression,
                vec![expression]
            );
            assert_eq!(error.http_status(), 400);
        }
        assert_eq!(
            parse_match_request(br#"{"resourceType": "Bundle", "type": "searchset"}"#),
            Err(MatchError::WrongResource)
        );
        assert!(matches!(
            parse_match_request(b"{"),
            Err(MatchError::Json(_))
        ));
    }
}
