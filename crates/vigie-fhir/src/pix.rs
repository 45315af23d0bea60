//! PIXm [ITI-83] `$ihe-pix`: query parsing, the 400 / 403 / 404 error rules, and the
//! `Parameters` response.
//!
//! `GET [base]/Patient/$ihe-pix?sourceIdentifier=<system>|<value>{&targetSystem=<uri>}*`
//! (`ihe.md` §10.1). The lookups are the server's; this module gives their outcome a type:
//!
//! | condition | error | HTTP | issue.code | text |
//! |---|---|---|---|---|
//! | unknown source domain | [`PixError::UnknownSourceDomain`] | 400 | `code-invalid` | sourceIdentifier Assigning Authority not found |
//! | unknown `targetSystem` | [`PixError::UnknownTargetSystem`] | 403 | `code-invalid` | targetSystem not found |
//! | known domain, unknown id | [`PixError::UnknownPatient`] | 404 | `not-found` | sourceIdentifier Patient Identifier not found |
//!
//! [`PixQuery::check_domains`] applies the first two in that order (source first); the server
//! then looks the identifier up. The response never contains the source identifier.

use vigie_core::ids::DomainId;

use crate::codes::PROFILE_PIXM_PARAMETERS_OUT;
use crate::identifier::{DomainIdentifier, system_to_domain};
use crate::outcome::{Issue, IssueType, OutcomeError};
use crate::parameters::{Parameter, Parameters};
use crate::query::{or_list, split_token, unescape};
use crate::search::Handling;
use crate::types::{Meta, Reference};

/// A parsed `$ihe-pix` query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PixQuery {
    /// `sourceIdentifier`, validated.
    pub source: DomainIdentifier,
    /// `sourceIdentifier` system as sent.
    pub source_system: String,
    /// `targetSystem`s, as sent (repeated or comma-separated), in order.
    pub target_systems: Vec<String>,
    /// `_format`.
    pub format: Option<String>,
    /// Unknown parameters ignored (lenient handling).
    pub ignored: Vec<String>,
}

/// Why an `$ihe-pix` query fails.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PixError {
    /// No `sourceIdentifier`.
    #[error("sourceIdentifier is required")]
    MissingSourceIdentifier,
    /// `sourceIdentifier` given twice.
    #[error("sourceIdentifier may appear only once")]
    RepeatedSourceIdentifier,
    /// `sourceIdentifier` is not `system|value` with both parts.
    #[error("sourceIdentifier must be a system|value token with both parts")]
    InvalidSourceIdentifier,
    /// Unknown parameter under [`Handling::Strict`].
    #[error("unknown parameter {name}")]
    UnknownParameter {
        /// Parameter name (cut to 64 characters).
        name: String,
    },
    /// The source domain is not known (400).
    #[error("sourceIdentifier Assigning Authority not found")]
    UnknownSourceDomain,
    /// A target system is not known (403).
    #[error("targetSystem not found")]
    UnknownTargetSystem {
        /// Index of the first unknown system in [`PixQuery::target_systems`].
        index: usize,
    },
    /// The domain is known but the identifier is not (404).
    #[error("sourceIdentifier Patient Identifier not found")]
    UnknownPatient,
}

impl OutcomeError for PixError {
    fn http_status(&self) -> u16 {
        match self {
            PixError::UnknownTargetSystem { .. } => 403,
            PixError::UnknownPatient => 404,
            _ => 400,
        }
    }

    fn issues(&self) -> Vec<Issue> {
        let code = match self {
            PixError::MissingSourceIdentifier => IssueType::Required,
            PixError::RepeatedSourceIdentifier | PixError::InvalidSourceIdentifier => {
                IssueType::Invalid
            }
            PixError::UnknownParameter { .. } => IssueType::NotSupported,
            PixError::UnknownSourceDomain | PixError::UnknownTargetSystem { .. } => {
                IssueType::CodeInvalid
            }
            PixError::UnknownPatient => IssueType::NotFound,
        };
        vec![Issue::error(code, self.to_string())]
    }
}

/// Parses an `$ihe-pix` query from decoded pairs.
///
/// # Errors
/// The malformed-request variants of [`PixError`].
pub fn parse_pix_query<'a, I>(params: I, handling: Handling) -> Result<PixQuery, PixError>
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    let mut source = None;
    let mut target_systems = Vec::new();
    let mut format = None;
    let mut ignored = Vec::new();
    for (name, value) in params {
        match name {
            "sourceIdentifier" => {
                if source.is_some() {
                    return Err(PixError::RepeatedSourceIdentifier);
                }
                if or_list(value).len() != 1 {
                    return Err(PixError::InvalidSourceIdentifier);
                }
                let (system, code) = split_token(value);
                let system = system
                    .filter(|s| !s.trim().is_empty())
                    .ok_or(PixError::InvalidSourceIdentifier)?;
                let id = DomainIdentifier::from_system_value(&system, &code)
                    .map_err(|_| PixError::InvalidSourceIdentifier)?;
                source = Some((id, system));
            }
            "targetSystem" => target_systems.extend(
                or_list(value)
                    .iter()
                    .map(|v| unescape(v))
                    .filter(|v| !v.trim().is_empty()),
            ),
            "_format" => format = Some(value.to_owned()),
            other => match handling {
                Handling::Strict => {
                    return Err(PixError::UnknownParameter {
                        name: other.chars().filter(|c| !c.is_control()).take(64).collect(),
                    });
                }
                Handling::Lenient => ignored.push(other.chars().take(64).collect()),
            },
        }
    }
    let (source, source_system) = source.ok_or(PixError::MissingSourceIdentifier)?;
    Ok(PixQuery {
        source,
        source_system,
        target_systems,
        format,
        ignored,
    })
}

impl PixQuery {
    /// Checks the source domain (400) then the target systems (403) against the known domains.
    ///
    /// # Errors
    /// [`PixError::UnknownSourceDomain`] or [`PixError::UnknownTargetSystem`].
    pub fn check_domains(&self, is_known: impl Fn(&DomainId) -> bool) -> Result<(), PixError> {
        if !is_known(&self.source.domain) {
            return Err(PixError::UnknownSourceDomain);
        }
        for (index, system) in self.target_systems.iter().enumerate() {
            match system_to_domain(system) {
                Ok(domain) if is_known(&domain) => {}
                _ => return Err(PixError::UnknownTargetSystem { index }),
            }
        }
        Ok(())
    }

    /// The target domains (unreadable systems skipped; [`PixQuery::check_domains`] reports them).
    pub fn target_domains(&self) -> Vec<DomainId> {
        self.target_systems
            .iter()
            .filter_map(|s| system_to_domain(s).ok())
            .collect()
    }
}

/// One Patient resource of the cross-reference: its literal reference and its identifiers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PixPatient {
    /// Literal reference (`Patient/123`), when the manager exposes Patient resources.
    pub reference: Option<String>,
    /// Its business identifiers.
    pub identifiers: Vec<DomainIdentifier>,
}

/// Builds the `$ihe-pix` response: for each Patient, `targetId` then its `targetIdentifier`s,
/// keeping only identifiers in the target systems (all when none are asked), never the source
/// identifier, each once. A Patient left without identifiers is omitted, unless it had none to
/// begin with and no target system was asked.
pub fn pix_response(query: &PixQuery, patients: &[PixPatient]) -> Parameters {
    let targets = query.target_domains();
    let filtered = !query.target_systems.is_empty();
    let mut seen: Vec<&DomainIdentifier> = Vec::new();
    let mut parameter = Vec::new();
    for patient in patients {
        let kept: Vec<&DomainIdentifier> = patient
            .identifiers
            .iter()
            .filter(|id| **id != query.source)
            .filter(|id| !filtered || targets.contains(&id.domain))
            .collect();
        let shown = !kept.is_empty() || (patient.identifiers.is_empty() && !filtered);
        if !shown {
            continue;
        }
        if let Some(reference) = &patient.reference {
            parameter.push(Parameter {
                value_reference: Some(Reference::to(reference)),
                ..Parameter::named("targetId")
            });
        }
        for id in kept {
            if seen.contains(&id) {
                continue;
            }
            seen.push(id);
            parameter.push(Parameter {
                value_identifier: Some(id.to_identifier()),
                ..Parameter::named("targetIdentifier")
            });
        }
    }
    Parameters {
        meta: Some(Meta {
            profile: vec![PROFILE_PIXM_PARAMETERS_OUT.into()],
            ..Meta::default()
        }),
        parameter,
        ..Parameters::default()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::query::parse_query_string;

    fn parse(query: &str) -> Result<PixQuery, PixError> {
        let pairs = parse_query_string(query);
        parse_pix_query(
            pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())),
            Handling::Lenient,
        )
    }

    fn id(domain: &str, value: &str) -> DomainIdentifier {
        DomainIdentifier::from_system_value(domain, value).unwrap()
    }

    #[test]
    fn malformed_queries_are_400() {
        for (query, error) in [
            ("", PixError::MissingSourceIdentifier),
            (
                "sourceIdentifier=IHERED-994",
                PixError::InvalidSourceIdentifier,
            ),
            (
                "sourceIdentifier=urn:oid:1.2|",
                PixError::InvalidSourceIdentifier,
            ),
            (
                "sourceIdentifier=a|b&sourceIdentifier=a|c",
                PixError::RepeatedSourceIdentifier,
            ),
        ] {
            let found = parse(query).unwrap_err();
            assert_eq!(found, error, "{query}");
            assert_eq!(found.http_status(), 400);
        }
    }

    #[test]
    fn target_systems_repeat_or_are_comma_separated() {
        let query = parse("sourceIdentifier=urn:oid:1|A&targetSystem=urn:oid:2,urn:oid:3&targetSystem=urn:oid:4&x=1").unwrap();
        assert_eq!(
            query.target_systems,
            vec!["urn:oid:2", "urn:oid:3", "urn:oid:4"]
        );
        assert_eq!(query.ignored, vec!["x"]);
        let strict = parse_pix_query([("sourceIdentifier", "a|b"), ("x", "1")], Handling::Strict);
        assert!(matches!(strict, Err(PixError::UnknownParameter { .. })));
    }

    #[test]
    fn the_source_domain_is_checked_before_the_targets() {
        let query = parse("sourceIdentifier=urn:oid:9|A&targetSystem=urn:oid:8").unwrap();
        let known = |d: &DomainId| d.as_str() == "1";
        assert_eq!(
            query.check_domains(known),
            Err(PixError::UnknownSourceDomain)
        );
        let query =
            parse("sourceIdentifier=urn:oid:1|A&targetSystem=urn:oid:1&targetSystem=urn:oid:8")
                .unwrap();
        let error = query.check_domains(known).unwrap_err();
        assert_eq!(error, PixError::UnknownTargetSystem { index: 1 });
        assert_eq!(error.http_status(), 403);
    }

    #[test]
    fn the_source_identifier_is_never_returned() {
        let query = parse("sourceIdentifier=urn:oid:1|A").unwrap();
        let response = pix_response(
            &query,
            &[
                PixPatient {
                    reference: Some("Patient/red".into()),
                    identifiers: vec![id("urn:oid:1", "A")],
                },
                PixPatient {
                    reference: Some("Patient/blue".into()),
                    identifiers: vec![id("urn:oid:2", "B"), id("urn:oid:1", "A")],
                },
            ],
        );
        let names: Vec<&str> = response.parameter.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, vec!["targetId", "targetIdentifier"]);
        assert_eq!(
            response.parameter[0]
                .value_reference
                .as_ref()
                .unwrap()
                .reference
                .as_deref(),
            Some("Patient/blue")
        );
    }
}
