//! PDQm [ITI-78] search parameters (`GET|POST [base]/Patient?…`) parsed from decoded
//! `(name, value)` pairs, and the ITI-104 conditional-update target (`Patient?identifier=…`).
//!
//! * Repeating a parameter ANDs the criteria; commas inside one value OR them, so every
//!   criterion is a [`Criteria`]: a list (AND) of OR-lists.
//! * String parameters take `:exact` and `:contains`; any other modifier is refused (FHIR: a
//!   server rejects modifiers it does not support). Empty values are ignored, as FHIR asks.
//! * `identifier=system|` (system only, possibly OR-ed) is the PDQm domain filter: it selects
//!   which identifiers the returned Patients show, see [`PatientSearch::target_systems`].
//! * Unknown parameters are ignored and listed in [`PatientSearch::ignored`] (ITI-78: "SHOULD be
//!   ignored"); with [`Handling::Strict`] (FHIR `Prefer: handling=strict`) they are an error.
//! * `_count` is the page size and `_offset` Vigie's paging cursor (used in `next` links).
//!
//! The same parameters render back ([`PatientSearch::to_query_pairs`]) for the Bundle's `self`
//! link, which shows what the server honoured.

use vigie_core::date::PartialDate;
use vigie_core::ids::DomainId;

use crate::date::parse_fhir_date_or_date_time;
use crate::identifier::{DomainIdentifier, system_to_domain};
use crate::outcome::{Issue, IssueSeverity, IssueType, OutcomeError};
use crate::patient::AdministrativeGender;
use crate::query::{escape, or_list, split_token, unescape};

/// How unknown parameters are handled (FHIR `Prefer: handling=…`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Handling {
    /// Ignore them (default).
    #[default]
    Lenient,
    /// Refuse them.
    Strict,
}

/// AND of OR-lists.
pub type Criteria<T> = Vec<Vec<T>>;

/// String matching of a string parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StringMatch {
    /// Default FHIR behaviour: case- and accent-insensitive, starts with.
    StartsWith,
    /// `:exact`: the whole value, case and accents included.
    Exact,
    /// `:contains`: anywhere in the value.
    Contains,
}

/// A string criterion.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StringParam {
    /// The value, unescaped.
    pub value: String,
    /// How to match it.
    pub matching: StringMatch,
}

/// The system part of a token.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TokenSystem {
    /// `code`: any system.
    Any,
    /// `|code`: no system.
    NoSystem,
    /// `system|code` or `system|`.
    Is(String),
}

/// A token criterion (`[system]|[code]`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Token {
    /// System.
    pub system: TokenSystem,
    /// Code or value; `None` for `system|`.
    pub code: Option<String>,
}

/// FHIR date search prefixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DatePrefix {
    /// `eq` (default).
    Eq,
    /// `ne`.
    Ne,
    /// `gt`.
    Gt,
    /// `lt`.
    Lt,
    /// `ge`.
    Ge,
    /// `le`.
    Le,
    /// `sa`: starts after.
    Sa,
    /// `eb`: ends before.
    Eb,
    /// `ap`: approximately.
    Ap,
}

impl DatePrefix {
    /// Every prefix.
    pub const ALL: [DatePrefix; 9] = [
        DatePrefix::Eq,
        DatePrefix::Ne,
        DatePrefix::Gt,
        DatePrefix::Lt,
        DatePrefix::Ge,
        DatePrefix::Le,
        DatePrefix::Sa,
        DatePrefix::Eb,
        DatePrefix::Ap,
    ];

    /// The two-letter code.
    pub fn code(self) -> &'static str {
        match self {
            DatePrefix::Eq => "eq",
            DatePrefix::Ne => "ne",
            DatePrefix::Gt => "gt",
            DatePrefix::Lt => "lt",
            DatePrefix::Ge => "ge",
            DatePrefix::Le => "le",
            DatePrefix::Sa => "sa",
            DatePrefix::Eb => "eb",
            DatePrefix::Ap => "ap",
        }
    }
}

/// A date criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateParam {
    /// Comparison.
    pub prefix: DatePrefix,
    /// The date, at the precision given.
    pub date: PartialDate,
}

/// A parsed PDQm search.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PatientSearch {
    /// `_id`.
    pub id: Criteria<String>,
    /// `active`.
    pub active: Criteria<bool>,
    /// `family`.
    pub family: Criteria<StringParam>,
    /// `given`.
    pub given: Criteria<StringParam>,
    /// `identifier` (value criteria and domain filters alike).
    pub identifier: Criteria<Token>,
    /// `telecom`.
    pub telecom: Criteria<Token>,
    /// `birthdate`.
    pub birthdate: Criteria<DateParam>,
    /// `address`.
    pub address: Criteria<StringParam>,
    /// `address-city`.
    pub address_city: Criteria<StringParam>,
    /// `address-country`.
    pub address_country: Criteria<StringParam>,
    /// `address-postalcode`.
    pub address_postalcode: Criteria<StringParam>,
    /// `address-state`.
    pub address_state: Criteria<StringParam>,
    /// `gender`.
    pub gender: Criteria<AdministrativeGender>,
    /// `mothersMaidenName`.
    pub mothers_maiden_name: Criteria<StringParam>,
    /// `_count`: page size.
    pub count: Option<u32>,
    /// `_offset`: index of the first match of this page (Vigie's paging cursor).
    pub offset: Option<u32>,
    /// `_format`.
    pub format: Option<String>,
    /// Names of the parameters ignored (lenient handling), in order.
    pub ignored: Vec<String>,
}

/// Why a search or its lookups failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SearchError {
    /// An unknown parameter under [`Handling::Strict`].
    #[error("unknown search parameter {name}")]
    UnknownParameter {
        /// Parameter name (cut to 64 characters).
        name: String,
    },
    /// A modifier the server does not support on this parameter.
    #[error("unsupported modifier on search parameter {name}")]
    UnsupportedModifier {
        /// Parameter name with its modifier (cut to 64 characters).
        name: String,
    },
    /// A value that cannot be read. The value itself is not repeated.
    #[error("invalid value for search parameter {name}: {reason}")]
    InvalidValue {
        /// Parameter name.
        name: String,
        /// What is expected.
        reason: &'static str,
    },
    /// A parameter that may appear only once.
    #[error("search parameter {name} may appear only once")]
    Repeated {
        /// Parameter name.
        name: String,
    },
    /// A required parameter is absent.
    #[error("search parameter {name} is required")]
    Missing {
        /// Parameter name.
        name: String,
    },
    /// A domain of the `identifier` domain filter is unknown (ITI-78 case 4: 404 preferred).
    #[error("targetSystem not found")]
    UnknownTargetSystem,
}

impl OutcomeError for SearchError {
    fn http_status(&self) -> u16 {
        match self {
            SearchError::UnknownTargetSystem => 404,
            _ => 400,
        }
    }

    fn issues(&self) -> Vec<Issue> {
        let (severity, code) = match self {
            SearchError::UnknownParameter { .. } | SearchError::UnsupportedModifier { .. } => {
                (IssueSeverity::Error, IssueType::NotSupported)
            }
            SearchError::InvalidValue { .. } => (IssueSeverity::Error, IssueType::Value),
            SearchError::Repeated { .. } => (IssueSeverity::Error, IssueType::Invalid),
            SearchError::Missing { .. } => (IssueSeverity::Error, IssueType::Required),
            // ITI-78 §2:3.78.4.2.2.4: warning / not-found with this text.
            SearchError::UnknownTargetSystem => (IssueSeverity::Warning, IssueType::NotFound),
        };
        vec![Issue {
            severity,
            code,
            text: self.to_string(),
            expression: None,
        }]
    }
}

/// Parameter names echoed in errors are cut and cleaned (they come from the client).
fn echo(name: &str) -> String {
    name.chars().filter(|c| !c.is_control()).take(64).collect()
}

fn invalid(name: &str, reason: &'static str) -> SearchError {
    SearchError::InvalidValue {
        name: echo(name),
        reason,
    }
}

fn strings(
    name: &str,
    modifier: Option<&str>,
    value: &str,
) -> Result<Vec<StringParam>, SearchError> {
    let matching = match modifier {
        None => StringMatch::StartsWith,
        Some("exact") => StringMatch::Exact,
        Some("contains") => StringMatch::Contains,
        Some(_) => {
            return Err(SearchError::UnsupportedModifier { name: echo(name) });
        }
    };
    Ok(or_list(value)
        .iter()
        .map(|v| unescape(v))
        .filter(|v| !v.trim().is_empty())
        .map(|value| StringParam { value, matching })
        .collect())
}

fn no_modifier(name: &str, modifier: Option<&str>) -> Result<(), SearchError> {
    match modifier {
        None => Ok(()),
        Some(_) => Err(SearchError::UnsupportedModifier { name: echo(name) }),
    }
}

fn tokens(value: &str) -> Vec<Token> {
    or_list(value)
        .iter()
        .filter(|v| !v.is_empty())
        .map(|part| {
            let (system, code) = split_token(part);
            Token {
                system: match system {
                    None => TokenSystem::Any,
                    Some(s) if s.is_empty() => TokenSystem::NoSystem,
                    Some(s) => TokenSystem::Is(s),
                },
                code: (!code.is_empty()).then_some(code),
            }
        })
        .filter(|t| t.code.is_some() || matches!(t.system, TokenSystem::Is(_)))
        .collect()
}

fn date_param(name: &str, text: &str) -> Result<DateParam, SearchError> {
    let text = unescape(text);
    let (prefix, date) = DatePrefix::ALL
        .iter()
        .find_map(|p| text.strip_prefix(p.code()).map(|rest| (*p, rest)))
        .unwrap_or((DatePrefix::Eq, text.as_str()));
    let date = parse_fhir_date_or_date_time(date).map_err(|_| {
        invalid(
            name,
            "a FHIR date (YYYY, YYYY-MM or YYYY-MM-DD) with an optional prefix",
        )
    })?;
    Ok(DateParam { prefix, date })
}

fn number(name: &str, value: &str, slot: &mut Option<u32>) -> Result<(), SearchError> {
    if slot.is_some() {
        return Err(SearchError::Repeated { name: echo(name) });
    }
    let parsed = value
        .trim()
        .parse::<u32>()
        .map_err(|_| invalid(name, "a non-negative integer"))?;
    *slot = Some(parsed);
    Ok(())
}

fn push<T>(criteria: &mut Criteria<T>, values: Vec<T>) {
    if !values.is_empty() {
        criteria.push(values);
    }
}

/// Parses a PDQm search.
///
/// # Errors
/// The first [`SearchError`] met.
pub fn parse_patient_search<'a, I>(
    params: I,
    handling: Handling,
) -> Result<PatientSearch, SearchError>
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    let mut search = PatientSearch::default();
    for (full_name, value) in params {
        let (name, modifier) = match full_name.split_once(':') {
            Some((name, modifier)) => (name, Some(modifier)),
            None => (full_name, None),
        };
        if value.is_empty() {
            continue;
        }
        match name {
            "_id" => {
                no_modifier(full_name, modifier)?;
                let ids = or_list(value)
                    .iter()
                    .map(|v| unescape(v))
                    .filter(|v| !v.is_empty())
                    .collect();
                push(&mut search.id, ids);
            }
            "active" => {
                no_modifier(full_name, modifier)?;
                let values = or_list(value)
                    .iter()
                    .map(|v| match unescape(v).as_str() {
                        "true" => Ok(true),
                        "false" => Ok(false),
                        _ => Err(invalid(name, "true or false")),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                push(&mut search.active, values);
            }
            "family" => push(&mut search.family, strings(full_name, modifier, value)?),
            "given" => push(&mut search.given, strings(full_name, modifier, value)?),
            "address" => push(&mut search.address, strings(full_name, modifier, value)?),
            "address-city" => push(
                &mut search.address_city,
                strings(full_name, modifier, value)?,
            ),
            "address-country" => {
                push(
                    &mut search.address_country,
                    strings(full_name, modifier, value)?,
                );
            }
            "address-postalcode" => {
                push(
                    &mut search.address_postalcode,
                    strings(full_name, modifier, value)?,
                );
            }
            "address-state" => push(
                &mut search.address_state,
                strings(full_name, modifier, value)?,
            ),
            "mothersMaidenName" => {
                push(
                    &mut search.mothers_maiden_name,
                    strings(full_name, modifier, value)?,
                );
            }
            "identifier" => {
                no_modifier(full_name, modifier)?;
                push(&mut search.identifier, tokens(value));
            }
            "telecom" => {
                no_modifier(full_name, modifier)?;
                push(&mut search.telecom, tokens(value));
            }
            "gender" => {
                no_modifier(full_name, modifier)?;
                let genders = tokens(value)
                    .into_iter()
                    .map(|t| {
                        t.code
                            .as_deref()
                            .and_then(AdministrativeGender::parse)
                            .ok_or_else(|| invalid(name, "male, female, other or unknown"))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                push(&mut search.gender, genders);
            }
            "birthdate" => {
                no_modifier(full_name, modifier)?;
                let dates = or_list(value)
                    .iter()
                    .filter(|v| !v.is_empty())
                    .map(|v| date_param(name, v))
                    .collect::<Result<Vec<_>, _>>()?;
                push(&mut search.birthdate, dates);
            }
            "_count" => number(name, value, &mut search.count)?,
            "_offset" => number(name, value, &mut search.offset)?,
            "_format" => {
                if search.format.is_some() {
                    return Err(SearchError::Repeated { name: echo(name) });
                }
                search.format = Some(value.to_owned());
            }
            _ => match handling {
                Handling::Strict => {
                    return Err(SearchError::UnknownParameter {
                        name: echo(full_name),
                    });
                }
                Handling::Lenient => search.ignored.push(echo(full_name)),
            },
        }
    }
    Ok(search)
}

impl PatientSearch {
    /// The systems of the domain filter: every `identifier` OR-list made only of `system|`
    /// tokens. Empty when the search does not filter domains.
    pub fn target_systems(&self) -> Vec<&str> {
        self.identifier
            .iter()
            .filter(|group| group.iter().all(|t| t.code.is_none()))
            .flatten()
            .filter_map(|t| match &t.system {
                TokenSystem::Is(system) => Some(system.as_str()),
                _ => None,
            })
            .collect()
    }

    /// The `identifier` criteria that name values (not the domain filter).
    pub fn identifier_criteria(&self) -> impl Iterator<Item = &Vec<Token>> {
        self.identifier
            .iter()
            .filter(|group| group.iter().any(|t| t.code.is_some()))
    }

    /// Checks the domain filter against the known domains.
    ///
    /// # Errors
    /// [`SearchError::UnknownTargetSystem`] for the first unknown (or unreadable) system.
    pub fn check_target_systems(
        &self,
        is_known: impl Fn(&DomainId) -> bool,
    ) -> Result<(), SearchError> {
        for system in self.target_systems() {
            match system_to_domain(system) {
                Ok(domain) if is_known(&domain) => {}
                _ => return Err(SearchError::UnknownTargetSystem),
            }
        }
        Ok(())
    }

    /// True when no criterion is given (only result parameters).
    pub fn has_no_criteria(&self) -> bool {
        self.id.is_empty()
            && self.active.is_empty()
            && self.family.is_empty()
            && self.given.is_empty()
            && self.identifier.is_empty()
            && self.telecom.is_empty()
            && self.birthdate.is_empty()
            && self.address.is_empty()
            && self.address_city.is_empty()
            && self.address_country.is_empty()
            && self.address_postalcode.is_empty()
            && self.address_state.is_empty()
            && self.gender.is_empty()
            && self.mothers_maiden_name.is_empty()
    }

    /// The honoured parameters, in a canonical order, as decoded pairs (`_offset` excluded: the
    /// paging links add it).
    pub fn to_query_pairs(&self) -> Vec<(String, String)> {
        let mut pairs = Vec::new();
        let mut add = |name: String, values: Vec<String>| {
            pairs.push((name, values.join(",")));
        };
        for group in &self.id {
            add("_id".into(), group.iter().map(|v| escape(v)).collect());
        }
        for group in &self.active {
            add(
                "active".into(),
                group.iter().map(ToString::to_string).collect(),
            );
        }
        let strings = [("family", &self.family), ("given", &self.given)];
        let render_strings =
            |name: &str, criteria: &Criteria<StringParam>| -> Vec<(String, Vec<String>)> {
                criteria
                    .iter()
                    .flat_map(|group| {
                        // One OR-list may mix modifiers only if it was split; render per modifier.
                        let mut out: Vec<(String, Vec<String>)> = Vec::new();
                        for param in group {
                            let full = match param.matching {
                                StringMatch::StartsWith => name.to_owned(),
                                StringMatch::Exact => format!("{name}:exact"),
                                StringMatch::Contains => format!("{name}:contains"),
                            };
                            match out.iter_mut().find(|(n, _)| *n == full) {
                                Some((_, values)) => values.push(escape(&param.value)),
                                None => out.push((full, vec![escape(&param.value)])),
                            }
                        }
                        out
                    })
                    .collect()
            };
        for (name, criteria) in strings {
            for (full, values) in render_strings(name, criteria) {
                add(full, values);
            }
        }
        let render_tokens = |criteria: &Criteria<Token>| -> Vec<Vec<String>> {
            criteria
                .iter()
                .map(|group| {
                    group
                        .iter()
                        .map(|t| {
                            let code = t.code.as_deref().map(escape).unwrap_or_default();
                            match &t.system {
                                TokenSystem::Any => code,
                                TokenSystem::NoSystem => format!("|{code}"),
                                TokenSystem::Is(system) => format!("{}|{code}", escape(system)),
                            }
                        })
                        .collect()
                })
                .collect()
        };
        for values in render_tokens(&self.identifier) {
            add("identifier".into(), values);
        }
        for values in render_tokens(&self.telecom) {
            add("telecom".into(), values);
        }
        for group in &self.birthdate {
            add(
                "birthdate".into(),
                group
                    .iter()
                    .map(|d| format!("{}{}", d.prefix.code(), d.date))
                    .collect(),
            );
        }
        let more = [
            ("address", &self.address),
            ("address-city", &self.address_city),
            ("address-country", &self.address_country),
            ("address-postalcode", &self.address_postalcode),
            ("address-state", &self.address_state),
        ];
        for (name, criteria) in more {
            for (full, values) in render_strings(name, criteria) {
                add(full, values);
            }
        }
        for group in &self.gender {
            add(
                "gender".into(),
                group.iter().map(|g| g.code().to_owned()).collect(),
            );
        }
        for (full, values) in render_strings("mothersMaidenName", &self.mothers_maiden_name) {
            add(full, values);
        }
        if let Some(count) = self.count {
            add("_count".into(), vec![count.to_string()]);
        }
        if let Some(format) = &self.format {
            add("_format".into(), vec![format.clone()]);
        }
        pairs
    }
}

/// Reads the target of an ITI-104 conditional update or delete
/// (`PUT|DELETE [base]/Patient?identifier=<system>|<value>`): exactly one `identifier` with a
/// system and a value; `_format` is allowed beside it.
///
/// # Errors
/// [`SearchError::Missing`], [`SearchError::Repeated`], [`SearchError::InvalidValue`], or
/// [`SearchError::UnknownParameter`] for any other parameter.
pub fn parse_conditional_identifier<'a, I>(params: I) -> Result<DomainIdentifier, SearchError>
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    let mut found = None;
    for (name, value) in params {
        match name {
            "identifier" => {
                if found.is_some() {
                    return Err(SearchError::Repeated { name: name.into() });
                }
                let reason = "one system|value token with both parts";
                if or_list(value).len() != 1 {
                    return Err(invalid(name, reason));
                }
                let (system, code) = split_token(value);
                let system = system
                    .filter(|s| !s.trim().is_empty())
                    .ok_or_else(|| invalid(name, reason))?;
                let id = DomainIdentifier::from_system_value(&system, &code)
                    .map_err(|_| invalid(name, reason))?;
                found = Some(id);
            }
            "_format" => {}
            other => {
                return Err(SearchError::UnknownParameter { name: echo(other) });
            }
        }
    }
    found.ok_or(SearchError::Missing {
        name: "identifier".into(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::query::parse_query_string;
    use proptest::prelude::*;

    fn parse(query: &str, handling: Handling) -> Result<PatientSearch, SearchError> {
        let pairs = parse_query_string(query);
        parse_patient_search(
            pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())),
            handling,
        )
    }

    #[test]
    fn criteria_are_and_of_or_lists() {
        let search = parse(
            "family=MOHR,MOORE&family:exact=Mohr&given=ALICE&active=true&gender=female",
            Handling::Lenient,
        )
        .unwrap();
        assert_eq!(search.family.len(), 2);
        assert_eq!(search.family[0].len(), 2);
        assert_eq!(search.family[1][0].matching, StringMatch::Exact);
        assert_eq!(search.active, vec![vec![true]]);
        assert_eq!(search.gender, vec![vec![AdministrativeGender::Female]]);
    }

    #[test]
    fn birthdate_prefixes_and_precisions() {
        let search = parse(
            "birthdate=ge1958-01&birthdate=le1958-12-31&birthdate=1958",
            Handling::Lenient,
        )
        .unwrap();
        assert_eq!(
            search.birthdate,
            vec![
                vec![DateParam {
                    prefix: DatePrefix::Ge,
                    date: PartialDate::YearMonth(1958, 1)
                }],
                vec![DateParam {
                    prefix: DatePrefix::Le,
                    date: PartialDate::Full(1958, 12, 31)
                }],
                vec![DateParam {
                    prefix: DatePrefix::Eq,
                    date: PartialDate::Year(1958)
                }],
            ]
        );
        assert!(matches!(
            parse("birthdate=xx1958", Handling::Lenient),
            Err(SearchError::InvalidValue { .. })
        ));
    }

    #[test]
    fn unknown_parameters_are_ignored_or_refused() {
        let search = parse("family=X&_sort=family&foo=1", Handling::Lenient).unwrap();
        assert_eq!(search.ignored, vec!["_sort", "foo"]);
        let error = parse("family=X&foo=1", Handling::Strict).unwrap_err();
        assert_eq!(error, SearchError::UnknownParameter { name: "foo".into() });
        assert_eq!(error.http_status(), 400);
        assert_eq!(error.to_operation_outcome().issue[0].code, "not-supported");
    }

    #[test]
    fn unsupported_modifiers_are_refused() {
        for query in [
            "family:missing=true",
            "gender:not=male",
            "identifier:of-type=x|y",
        ] {
            assert!(
                matches!(
                    parse(query, Handling::Lenient),
                    Err(SearchError::UnsupportedModifier { .. })
                ),
                "{query}"
            );
        }
    }

    #[test]
    fn errors_do_not_repeat_values() {
        let error = parse("birthdate=DUPONT-SECRET", Handling::Lenient).unwrap_err();
        assert!(!error.to_string().contains("SECRET"));
        let error = parse("_count=-1", Handling::Lenient).unwrap_err();
        assert_eq!(
            error,
            SearchError::InvalidValue {
                name: "_count".into(),
                reason: "a non-negative integer"
            }
        );
        assert!(matches!(
            parse("_count=1&_count=2", Handling::Lenient),
            Err(SearchError::Repeated { .. })
        ));
    }

    #[test]
    fn the_domain_filter_is_told_from_value_criteria() {
        let search = parse(
            "family=SMITH&identifier=urn:oid:1.2.3|,urn:oid:4.5.6|&identifier=urn:oid:7.8|X1",
            Handling::Lenient,
        )
        .unwrap();
        assert_eq!(
            search.target_systems(),
            vec!["urn:oid:1.2.3", "urn:oid:4.5.6"]
        );
        assert_eq!(search.identifier_criteria().count(), 1);
        let known = |d: &DomainId| d.as_str() == "1.2.3";
        assert_eq!(
            search.check_target_systems(known),
            Err(SearchError::UnknownTargetSystem)
        );
        let error = SearchError::UnknownTargetSystem;
        assert_eq!(error.http_status(), 404);
        let issue = &error.to_operation_outcome().issue[0];
        assert_eq!(
            (issue.severity.as_str(), issue.code.as_str()),
            ("warning", "not-found")
        );
        assert_eq!(issue.diagnostics.as_deref(), Some("targetSystem not found"));
    }

    #[test]
    fn empty_values_are_ignored() {
        let search = parse("family=&given=,&identifier=", Handling::Strict).unwrap();
        assert!(search.has_no_criteria());
    }

    #[test]
    fn honoured_parameters_render_back() {
        let query = r"family=MOHR&given:exact=Alice\,Marie&identifier=urn:oid:1.2|A\|B&birthdate=ge1958&gender=female,male&_count=10&_offset=20&_sort=x";
        let search = parse(query, Handling::Lenient).unwrap();
        let pairs = search.to_query_pairs();
        assert!(!pairs.iter().any(|(n, _)| n == "_offset" || n == "_sort"));
        let again = parse_patient_search(
            pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())),
            Handling::Strict,
        )
        .unwrap();
        assert_eq!(
            PatientSearch {
                offset: Some(20),
                ignored: vec!["_sort".into()],
                ..again
            },
            search
        );
    }

    #[test]
    fn conditional_targets_need_one_full_identifier() {
        let pairs =
            parse_query_string("identifier=urn:oid:1.3.6.1.4.1.21367.13.20.1000|IHERED-994");
        let id = parse_conditional_identifier(pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())))
            .unwrap();
        assert_eq!(id.domain.as_str(), "1.3.6.1.4.1.21367.13.20.1000");
        assert_eq!(id.value.as_str(), "IHERED-994");
        for bad in [
            "identifier=urn:oid:1.2|",
            "identifier=X",
            "",
            "identifier=a|b&identifier=c|d",
            "family=X",
            "identifier=a|b,c|d",
        ] {
            let pairs = parse_query_string(bad);
            assert!(
                parse_conditional_identifier(pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())))
                    .is_err(),
                "{bad}"
            );
        }
    }

    proptest! {
        #[test]
        fn any_parameters_never_panic(params in proptest::collection::vec((
            prop_oneof![Just("family".to_string()), Just("birthdate".to_string()), Just("identifier".to_string()),
                        Just("gender".to_string()), Just("_count".to_string()), Just("given:exact".to_string()), any::<String>()],
            any::<String>()), 0..6)) {
            let pairs: Vec<(&str, &str)> = params.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
            if let Ok(search) = parse_patient_search(pairs.iter().copied(), Handling::Lenient) {
                let rendered = search.to_query_pairs();
                let again = parse_patient_search(rendered.iter().map(|(n, v)| (n.as_str(), v.as_str())), Handling::Strict);
                prop_assert!(again.is_ok(), "{:?}", rendered);
            }
            let _ = parse_conditional_identifier(pairs.iter().copied());
        }
    }
}
