//! Validation of a `Patient` into the identity domain: [`patient_to_domain`] gives an
//! [`IdentityRecord`] (through vigie-core's total record parser, so FHIR and CSV inputs get the
//! same cleaning and checks), the patient's business identifiers, `active`, links and the RNIV
//! management codes, or every error found, each with the FHIRPath of the offending element.
//!
//! # Mapping (FR Core Patient / PatientINS, `identity-fr.md` §4)
//!
//! | domain | from |
//! |---|---|
//! | `record_id` | [`ConvertOptions::record_id`], else `Patient.id`, else [`DEFAULT_RECORD_ID`] |
//! | `source`, `local_id` | the primary local identifier: the one in [`ConvertOptions::primary_domain`], else the first of type `PI`, else the first `use = usual`, else the first local one |
//! | `ins` | identifiers under the INS register OIDs (`.8` only with type `INS-NIR`/`INS`); a NIR is preferred to a NIA; `use = old` ignored; **dropped with a warning unless the status is `QUAL`** (RNIV EXI SI 08) |
//! | `other_id` | the billing NIR (NSS: `.8` with type `NH`) |
//! | `birth_name`, `first_names` | the `official` name (else `maiden`, else the first name without `use`): `family`; the FR Core `birth-list-given-name` extension, else the `given` names joined by spaces |
//! | `used_name`, `used_first_name` | the `usual` name: `family`, first `given` |
//! | `sex` | `gender`: `male` → M, `female` → F, `other` / `unknown` → U |
//! | `birth_date` | `birthDate` (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`) |
//! | `birth_place` | `patient-birthPlace` → `valueAddress` → `fr-core-address-insee-code` (on the address, or on `_city`) |
//! | `state` | `fr-core-identity-reliability`: `identityStatus` (PROV/RECUP/VALI/QUAL); `comment` codes `DOUT`, `FICT`, `HOMA` as attributes, other comment codes as management codes. In the FR Core 2.0 code system `fr-core-cs-v2-0445`, `VALI` with an INS identifier is the qualified status |
//! | `phone`, `email` | the `telecom` of system `phone` (best `rank`) and `email`, `use = old` ignored |
//! | `address`, `postcode`, `city`, `country` | the first address whose `use` is not `old`; `line`s joined by `", "` |
//!
//! # Errors and warnings
//!
//! Errors are what makes the resource unusable or not FHIR: a missing identifier `system` or
//! `value`, an invalid identifier, a `birthDate` or `gender` outside FHIR's syntax, both types of
//! a choice element, a `link` without `type` or `other`. Data-quality problems of valid FHIR (a
//! NIR with a wrong key, a birth date outside 1850–2100, an unknown INSEE code, an INS on a
//! non-qualified identity) are [`Warning`]s and the value is kept as unknown, as the CSV reader
//! does — unless [`ConvertOptions::reject_invalid_ins`] turns INS problems into errors. Neither
//! carries the offending value.

use std::fmt;

use serde_json::Value;
use vigie_core::ids::{DomainId, IdError, RecordId};
use vigie_core::ins::{InsError, InsOid};
use vigie_core::record::{
    Field, FindingKind, IdentityRecord, ParseOptions, RawRecord, RecordError, parse_record,
};

use crate::codes::{
    CS_V2_0445, EXT_ADDRESS_INSEE_CODE, EXT_BIRTH_LIST_GIVEN_NAME, EXT_BIRTH_PLACE,
    EXT_IDENTITY_RELIABILITY, SUB_COMMENT, SUB_IDENTITY_STATUS, TYPE_PI,
};
use crate::date::is_fhir_date;
use crate::identifier::{BusinessIdentifier, DomainIdentifier, IdentifierClass, classify};
use crate::outcome::{Issue, IssueSeverity, IssueType, OutcomeError};
use crate::patient::{AdministrativeGender, Patient};
use crate::types::{Extension, HumanName, find_extension};

/// Record id used when neither the options nor the Patient give one (e.g. a `$match` input).
pub const DEFAULT_RECORD_ID: &str = "fhir-patient";

/// Options of [`patient_to_domain`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConvertOptions {
    /// Record id to give the record (the server's own id for this registration).
    pub record_id: Option<RecordId>,
    /// Domain of the identifier that becomes `source` / `local_id` (for ITI-104: the domain of
    /// the conditional-update identifier).
    pub primary_domain: Option<DomainId>,
    /// Accept INS of the test and demonstration registers.
    pub allow_test_oids: bool,
    /// Refuse the resource when its INS cannot be read (bad key, length…) instead of dropping the
    /// INS with a warning.
    pub reject_invalid_ins: bool,
}

/// `Patient.link.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkType {
    /// `replaced-by`: this record was merged into the other (ITI-104 resolve duplicate).
    ReplacedBy,
    /// `replaces`: this record replaces the other.
    Replaces,
    /// `refer`: the other holds the reference information.
    Refer,
    /// `seealso`: same person, both in use.
    SeeAlso,
}

impl LinkType {
    /// Reads a code.
    pub fn parse(code: &str) -> Option<LinkType> {
        match code {
            "replaced-by" => Some(LinkType::ReplacedBy),
            "replaces" => Some(LinkType::Replaces),
            "refer" => Some(LinkType::Refer),
            "seealso" => Some(LinkType::SeeAlso),
            _ => None,
        }
    }

    /// The code.
    pub fn code(self) -> &'static str {
        match self {
            LinkType::ReplacedBy => "replaced-by",
            LinkType::Replaces => "replaces",
            LinkType::Refer => "refer",
            LinkType::SeeAlso => "seealso",
        }
    }
}

/// The other Patient of a link.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LinkTarget {
    /// By business identifier (ITI-104: the survivor's identifier).
    Identifier(DomainIdentifier),
    /// By literal reference (`Patient/123`).
    Reference(String),
}

/// A `Patient.link`, validated.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PatientLinkData {
    /// Link type.
    pub kind: LinkType,
    /// The other Patient.
    pub target: LinkTarget,
}

/// A Patient in domain terms.
#[derive(Debug, Clone, PartialEq)]
pub struct PatientInput {
    /// The identity record.
    pub record: IdentityRecord,
    /// Every business identifier except the INS (the primary one included), in order.
    pub identifiers: Vec<BusinessIdentifier>,
    /// `Patient.active`.
    pub active: Option<bool>,
    /// `Patient.link`.
    pub links: Vec<PatientLinkData>,
    /// RNIV management codes found among the reliability comments (`DOUA`, `DESA`, `VIDE`…).
    pub management_codes: Vec<String>,
    /// Data-quality warnings.
    pub warnings: Vec<Warning>,
}

impl PatientInput {
    /// The warnings as OperationOutcome issues (severity `warning`).
    pub fn warning_issues(&self) -> Vec<Issue> {
        self.warnings.iter().map(Warning::to_issue).collect()
    }

    /// True when the Patient carries this business identifier (ITI-104: the resource must hold
    /// the identifier of its conditional-update URL).
    pub fn contains_identifier(&self, id: &DomainIdentifier) -> bool {
        self.identifiers.iter().any(|b| b.id == *id)
    }

    /// The survivor of an ITI-104 merge: the target of the first `replaced-by` link.
    pub fn replaced_by(&self) -> Option<&LinkTarget> {
        self.links
            .iter()
            .find(|l| l.kind == LinkType::ReplacedBy)
            .map(|l| &l.target)
    }
}

/// What is wrong with one element.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValidationErrorKind {
    /// A required element is absent or blank.
    #[error("required element is missing")]
    Missing,
    /// Not a FHIR date.
    #[error("not a FHIR date (expected YYYY, YYYY-MM or YYYY-MM-DD)")]
    DateSyntax,
    /// Not an `AdministrativeGender` code.
    #[error("unknown gender code (expected male, female, other or unknown)")]
    Gender,
    /// An identifier system or value Vigie cannot store.
    #[error("invalid identifier: {0}")]
    Identifier(IdError),
    /// An INS that cannot be read (only with [`ConvertOptions::reject_invalid_ins`]).
    #[error("invalid INS: {0}")]
    Ins(InsError),
    /// Both types of a choice element (`deceased[x]`, `multipleBirth[x]`).
    #[error("a choice element takes only one type")]
    ChoiceConflict,
    /// Not a `Patient.link.type` code.
    #[error("unknown link type (expected replaced-by, replaces, refer or seealso)")]
    LinkType,
}

impl ValidationErrorKind {
    fn issue_type(&self) -> IssueType {
        match self {
            ValidationErrorKind::Missing => IssueType::Required,
            ValidationErrorKind::DateSyntax | ValidationErrorKind::Identifier(_) => {
                IssueType::Value
            }
            ValidationErrorKind::Gender | ValidationErrorKind::LinkType => IssueType::CodeInvalid,
            ValidationErrorKind::Ins(_) => IssueType::BusinessRule,
            ValidationErrorKind::ChoiceConflict => IssueType::Structure,
        }
    }
}

/// One validation error with the FHIRPath of the element (`Patient.identifier[1].value`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{expression}: {kind}")]
pub struct ValidationError {
    /// FHIRPath of the element.
    pub expression: String,
    /// What is wrong.
    pub kind: ValidationErrorKind,
}

impl ValidationError {
    fn new(expression: impl Into<String>, kind: ValidationErrorKind) -> ValidationError {
        ValidationError {
            expression: expression.into(),
            kind,
        }
    }

    /// The OperationOutcome issue.
    pub fn to_issue(&self) -> Issue {
        Issue::error(self.kind.issue_type(), self.kind.to_string()).at(self.expression.clone())
    }
}

/// Every validation error of a resource (at least one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationErrors(pub Vec<ValidationError>);

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.as_slice() {
            [] => f.write_str("invalid resource"),
            [only] => only.fmt(f),
            [first, rest @ ..] => write!(f, "{first} (and {} more)", rest.len()),
        }
    }
}

impl std::error::Error for ValidationErrors {}

impl ValidationErrors {
    /// The same errors with their expressions rooted elsewhere: `Patient.birthDate` becomes
    /// `Parameters.parameter[0].resource.birthDate` for a `$match` input (see
    /// [`MatchRequest::resource_expression`](crate::matching::MatchRequest::resource_expression)).
    pub fn rooted_at(mut self, root: &str) -> ValidationErrors {
        for error in &mut self.0 {
            if let Some(rest) = error.expression.strip_prefix("Patient") {
                error.expression = format!("{root}{rest}");
            }
        }
        self
    }
}

impl OutcomeError for ValidationErrors {
    /// 400 Bad Request: the resource failed FHIR or Vigie validation.
    fn http_status(&self) -> u16 {
        400
    }

    fn issues(&self) -> Vec<Issue> {
        self.0.iter().map(ValidationError::to_issue).collect()
    }
}

/// What a warning is about.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WarningKind {
    /// A value vigie-core could not use (kept as unknown).
    #[error("{0}")]
    Finding(FindingKind),
    /// An INS on an identity that is not qualified: dropped (RNIV EXI SI 08).
    #[error("INS ignored: the identity is not qualified (QUAL)")]
    InsNotQualified,
    /// The INS-NIR OID without a type telling INS from NSS: read as an ordinary identifier.
    #[error("identifier under the INS-NIR OID without type INS-NIR or NH: not read as an INS")]
    UntypedNir,
    /// A second INS: only one is kept (a NIR before a NIA).
    #[error("INS ignored: another INS of the resource is kept")]
    IgnoredIns,
}

/// A data-quality warning with the FHIRPath of the element. Never carries the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{expression}: {kind}")]
pub struct Warning {
    /// FHIRPath of the element.
    pub expression: String,
    /// What is wrong.
    pub kind: WarningKind,
}

impl Warning {
    fn new(expression: impl Into<String>, kind: WarningKind) -> Warning {
        Warning {
            expression: expression.into(),
            kind,
        }
    }

    /// The OperationOutcome issue (severity `warning`).
    pub fn to_issue(&self) -> Issue {
        let code = match &self.kind {
            WarningKind::Finding(FindingKind::Status(_)) => IssueType::Invariant,
            WarningKind::Finding(_) => IssueType::Value,
            WarningKind::InsNotQualified | WarningKind::IgnoredIns => IssueType::BusinessRule,
            WarningKind::UntypedNir => IssueType::CodeInvalid,
        };
        Issue {
            severity: IssueSeverity::Warning,
            code,
            text: self.kind.to_string(),
            expression: Some(self.expression.clone()),
        }
    }
}

/// Raw strings of the record and where each came from.
#[derive(Default)]
struct Collected {
    values: Vec<(Field, String, String)>,
}

impl Collected {
    fn set(&mut self, field: Field, value: impl Into<String>, expression: impl Into<String>) {
        self.values.push((field, value.into(), expression.into()));
    }

    fn expression(&self, field: Field) -> Option<&str> {
        self.values
            .iter()
            .rev()
            .find(|(f, _, _)| *f == field)
            .map(|(_, _, e)| e.as_str())
    }

    fn raw(&self) -> RawRecord<'_> {
        let mut raw = RawRecord::new();
        for (field, value, _) in &self.values {
            raw.set(*field, value);
        }
        raw
    }
}

fn non_blank(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// Validates a Patient into the domain.
///
/// # Errors
/// Every [`ValidationError`] found (the conversion does not stop at the first).
pub fn patient_to_domain(
    patient: &Patient,
    options: &ConvertOptions,
) -> Result<PatientInput, ValidationErrors> {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let mut collected = Collected::default();

    // Record id.
    let record_id_expression = if options.record_id.is_some() {
        "Patient"
    } else {
        "Patient.id"
    };
    let record_id = match (&options.record_id, &patient.id) {
        (Some(id), _) => id.as_str().to_owned(),
        (None, Some(id)) => id.clone(),
        (None, None) => DEFAULT_RECORD_ID.to_owned(),
    };
    collected.set(Field::RecordId, record_id, record_id_expression);

    let identifiers =
        read_identifiers(patient, options, &mut collected, &mut errors, &mut warnings);
    read_names(patient, &mut collected);
    read_gender_and_dates(patient, &mut collected, &mut errors);
    read_birth_place(patient, &mut collected);
    read_telecom_and_address(patient, &mut collected);
    let links = read_links(patient, &mut errors);
    let management_codes = read_reliability(patient, identifiers.has_ins, &mut collected);

    let parsed = parse_record(
        &collected.raw(),
        ParseOptions {
            allow_test_oids: options.allow_test_oids,
        },
    );
    let mut parsed = match parsed {
        Ok(parsed) => parsed,
        Err(error) => {
            let kind = match error {
                RecordError::MissingRecordId => ValidationErrorKind::Missing,
                RecordError::InvalidRecordId(e) => ValidationErrorKind::Identifier(e),
            };
            errors.push(ValidationError::new(record_id_expression, kind));
            return Err(ValidationErrors(errors));
        }
    };
    for finding in parsed.findings {
        let expression = collected
            .expression(finding.field)
            .unwrap_or("Patient")
            .to_owned();
        match finding.kind {
            FindingKind::Ins(error) if options.reject_invalid_ins => {
                errors.push(ValidationError::new(
                    expression,
                    ValidationErrorKind::Ins(error),
                ));
            }
            kind => warnings.push(Warning::new(expression, WarningKind::Finding(kind))),
        }
    }
    if !errors.is_empty() {
        return Err(ValidationErrors(errors));
    }
    if parsed.record.ins.is_some() && !parsed.record.state.ins_usable() {
        parsed.record.ins = None;
        let expression = collected
            .expression(Field::Ins)
            .unwrap_or("Patient.identifier");
        warnings.push(Warning::new(expression, WarningKind::InsNotQualified));
    }
    Ok(PatientInput {
        record: parsed.record,
        identifiers: identifiers.list,
        active: patient.active,
        links,
        management_codes,
        warnings,
    })
}

struct Identifiers {
    list: Vec<BusinessIdentifier>,
    has_ins: bool,
}

fn read_identifiers(
    patient: &Patient,
    options: &ConvertOptions,
    collected: &mut Collected,
    errors: &mut Vec<ValidationError>,
    warnings: &mut Vec<Warning>,
) -> Identifiers {
    let mut list = Vec::new();
    // (index in `list`, candidate for the primary id)
    let mut locals: Vec<(usize, usize)> = Vec::new();
    let mut ins: Vec<(usize, InsOid, &str)> = Vec::new();
    let mut nss: Option<(usize, &str)> = None;
    for (index, identifier) in patient.identifier.iter().enumerate() {
        let base = format!("Patient.identifier[{index}]");
        let system = non_blank(identifier.system.as_deref());
        let value = non_blank(identifier.value.as_deref());
        if system.is_none() {
            errors.push(ValidationError::new(
                format!("{base}.system"),
                ValidationErrorKind::Missing,
            ));
        }
        if value.is_none() {
            errors.push(ValidationError::new(
                format!("{base}.value"),
                ValidationErrorKind::Missing,
            ));
        }
        let (Some(system), Some(value)) = (system, value) else {
            continue;
        };
        let class = classify(identifier);
        if let IdentifierClass::Ins(oid) = class {
            if identifier.use_.as_deref() != Some("old") {
                ins.push((index, oid, value));
            }
            continue;
        }
        if class == IdentifierClass::UntypedNir {
            warnings.push(Warning::new(
                format!("{base}.type"),
                WarningKind::UntypedNir,
            ));
        }
        let id = match DomainIdentifier::from_system_value(system, value) {
            Ok(id) => id,
            Err((is_system, error)) => {
                let element = if is_system { "system" } else { "value" };
                errors.push(ValidationError::new(
                    format!("{base}.{element}"),
                    ValidationErrorKind::Identifier(error),
                ));
                continue;
            }
        };
        let business = BusinessIdentifier {
            id,
            use_: identifier.use_.clone(),
            type_code: identifier
                .type_
                .as_ref()
                .and_then(|t| t.codes().next())
                .map(str::to_owned),
        };
        if class == IdentifierClass::Nss {
            if nss.is_none() {
                nss = Some((index, value));
            }
        } else if class == IdentifierClass::Other {
            locals.push((list.len(), index));
        }
        list.push(business);
    }

    // Primary local identifier.
    let position = |pred: &dyn Fn(&BusinessIdentifier) -> bool| {
        locals
            .iter()
            .find(|(at, _)| list.get(*at).is_some_and(pred))
            .copied()
    };
    let primary = options
        .primary_domain
        .as_ref()
        .and_then(|domain| position(&|b| &b.id.domain == domain))
        .or_else(|| position(&|b| b.type_code.as_deref() == Some(TYPE_PI)))
        .or_else(|| position(&|b| b.use_.as_deref() == Some("usual")))
        .or_else(|| locals.first().copied());
    if let Some((at, index)) = primary
        && let Some(business) = list.get(at)
    {
        let base = format!("Patient.identifier[{index}]");
        collected.set(
            Field::Source,
            business.id.domain.as_str(),
            format!("{base}.system"),
        );
        collected.set(
            Field::LocalId,
            business.id.value.as_str(),
            format!("{base}.value"),
        );
    }
    if let Some((index, value)) = nss {
        collected.set(
            Field::OtherId,
            value,
            format!("Patient.identifier[{index}].value"),
        );
    }

    // INS: a NIR register before the NIA, the others ignored.
    let chosen = ins
        .iter()
        .position(|(_, oid, _)| *oid != InsOid::Nia)
        .or(if ins.is_empty() { None } else { Some(0) });
    for (position, (index, oid, value)) in ins.iter().enumerate() {
        let expression = format!("Patient.identifier[{index}].value");
        if Some(position) == chosen {
            collected.set(Field::Ins, *value, expression.clone());
            collected.set(
                Field::InsOid,
                oid.as_str(),
                format!("Patient.identifier[{index}].system"),
            );
        } else {
            warnings.push(Warning::new(expression, WarningKind::IgnoredIns));
        }
    }
    Identifiers {
        list,
        has_ins: chosen.is_some(),
    }
}

fn read_names(patient: &Patient, collected: &mut Collected) {
    let find =
        |pred: &dyn Fn(&HumanName) -> bool| patient.name.iter().enumerate().find(|(_, n)| pred(n));
    let birth = find(&|n| n.use_.as_deref() == Some("official"))
        .or_else(|| find(&|n| n.use_.as_deref() == Some("maiden")))
        .or_else(|| find(&|n| n.use_.is_none()));
    if let Some((index, name)) = birth {
        let base = format!("Patient.name[{index}]");
        if let Some(family) = non_blank(name.family.as_deref()) {
            collected.set(Field::BirthName, family, format!("{base}.family"));
        }
        let list = find_extension(&name.extension, EXT_BIRTH_LIST_GIVEN_NAME)
            .and_then(|(at, ext)| non_blank(ext.value_string.as_deref()).map(|v| (at, v)));
        match list {
            Some((at, value)) => {
                collected.set(
                    Field::FirstNames,
                    value,
                    format!("{base}.extension[{at}].valueString"),
                );
            }
            None => {
                let given: Vec<&str> = name
                    .given
                    .iter()
                    .map(|g| g.trim())
                    .filter(|g| !g.is_empty())
                    .collect();
                if !given.is_empty() {
                    collected.set(Field::FirstNames, given.join(" "), format!("{base}.given"));
                }
            }
        }
    }
    if let Some((index, name)) = find(&|n| n.use_.as_deref() == Some("usual")) {
        let base = format!("Patient.name[{index}]");
        if let Some(family) = non_blank(name.family.as_deref()) {
            collected.set(Field::UsedName, family, format!("{base}.family"));
        }
        if let Some(given) = name.given.iter().find_map(|g| non_blank(Some(g))) {
            collected.set(Field::UsedFirstName, given, format!("{base}.given[0]"));
        }
    }
}

fn read_gender_and_dates(
    patient: &Patient,
    collected: &mut Collected,
    errors: &mut Vec<ValidationError>,
) {
    if let Some(gender) = &patient.gender {
        match AdministrativeGender::parse(gender) {
            Some(AdministrativeGender::Male) => collected.set(Field::Sex, "M", "Patient.gender"),
            Some(AdministrativeGender::Female) => collected.set(Field::Sex, "F", "Patient.gender"),
            Some(AdministrativeGender::Other | AdministrativeGender::Unknown) => {
                collected.set(Field::Sex, "U", "Patient.gender");
            }
            None => errors.push(ValidationError::new(
                "Patient.gender",
                ValidationErrorKind::Gender,
            )),
        }
    }
    if let Some(birth_date) = &patient.birth_date {
        if is_fhir_date(birth_date) {
            collected.set(Field::BirthDate, birth_date.as_str(), "Patient.birthDate");
        } else {
            errors.push(ValidationError::new(
                "Patient.birthDate",
                ValidationErrorKind::DateSyntax,
            ));
        }
    }
    if patient.deceased_boolean.is_some() && patient.deceased_date_time.is_some() {
        errors.push(ValidationError::new(
            "Patient.deceased[x]",
            ValidationErrorKind::ChoiceConflict,
        ));
    }
    if let Some(deceased) = &patient.deceased_date_time {
        let date_part = deceased
            .split_once('T')
            .map_or(deceased.as_str(), |(d, _)| d);
        if !is_fhir_date(date_part) {
            errors.push(ValidationError::new(
                "Patient.deceasedDateTime",
                ValidationErrorKind::DateSyntax,
            ));
        }
    }
    if patient.multiple_birth_boolean.is_some() && patient.multiple_birth_integer.is_some() {
        errors.push(ValidationError::new(
            "Patient.multipleBirth[x]",
            ValidationErrorKind::ChoiceConflict,
        ));
    }
}

fn insee_code(extension: &Extension) -> Option<&str> {
    extension
        .value_coding
        .as_ref()
        .and_then(|c| non_blank(c.code.as_deref()))
        .or_else(|| non_blank(extension.value_code.as_deref()))
}

fn read_birth_place(patient: &Patient, collected: &mut Collected) {
    let Some((index, extension)) = find_extension(&patient.extension, EXT_BIRTH_PLACE) else {
        return;
    };
    let Some(address) = &extension.value_address else {
        return;
    };
    let base = format!("Patient.extension[{index}].valueAddress");
    if let Some((at, code)) = address
        .extension
        .iter()
        .enumerate()
        .filter(|(_, e)| e.url == EXT_ADDRESS_INSEE_CODE)
        .find_map(|(at, e)| insee_code(e).map(|c| (at, c)))
    {
        collected.set(
            Field::BirthPlaceCode,
            code,
            format!("{base}.extension[{at}].valueCoding.code"),
        );
        return;
    }
    // FR Core also puts the code on the city (`_city.extension`).
    let on_city = address
        .extra
        .get("_city")
        .and_then(|c| c.get("extension"))
        .and_then(Value::as_array)
        .and_then(|extensions| {
            extensions.iter().enumerate().find_map(|(at, e)| {
                (e.get("url").and_then(Value::as_str) == Some(EXT_ADDRESS_INSEE_CODE))
                    .then(|| e.pointer("/valueCoding/code").and_then(Value::as_str))
                    .flatten()
                    .and_then(|c| non_blank(Some(c)))
                    .map(|c| (at, c))
            })
        });
    if let Some((at, code)) = on_city {
        collected.set(
            Field::BirthPlaceCode,
            code,
            format!("{base}.city.extension[{at}].valueCoding.code"),
        );
    }
}

fn read_telecom_and_address(patient: &Patient, collected: &mut Collected) {
    let current = |use_: Option<&str>| use_ != Some("old");
    let phone = patient
        .telecom
        .iter()
        .enumerate()
        .filter(|(_, t)| t.system.as_deref() == Some("phone") && current(t.use_.as_deref()))
        .filter_map(|(i, t)| non_blank(t.value.as_deref()).map(|v| (i, t.rank, v)))
        .min_by_key(|(i, rank, _)| (rank.unwrap_or(i64::MAX), *i));
    if let Some((index, _, value)) = phone {
        collected.set(
            Field::Phone,
            value,
            format!("Patient.telecom[{index}].value"),
        );
    }
    let email = patient
        .telecom
        .iter()
        .enumerate()
        .filter(|(_, t)| t.system.as_deref() == Some("email") && current(t.use_.as_deref()))
        .find_map(|(i, t)| non_blank(t.value.as_deref()).map(|v| (i, v)));
    if let Some((index, value)) = email {
        collected.set(
            Field::Email,
            value,
            format!("Patient.telecom[{index}].value"),
        );
    }
    let Some((index, address)) = patient
        .address
        .iter()
        .enumerate()
        .find(|(_, a)| current(a.use_.as_deref()))
    else {
        return;
    };
    let base = format!("Patient.address[{index}]");
    let lines: Vec<&str> = address
        .line
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .collect();
    if !lines.is_empty() {
        collected.set(Field::Address, lines.join(", "), format!("{base}.line"));
    }
    for (field, value, element) in [
        (Field::Postcode, &address.postal_code, "postalCode"),
        (Field::City, &address.city, "city"),
        (Field::Country, &address.country, "country"),
    ] {
        if let Some(value) = non_blank(value.as_deref()) {
            collected.set(field, value, format!("{base}.{element}"));
        }
    }
}

fn read_links(patient: &Patient, errors: &mut Vec<ValidationError>) -> Vec<PatientLinkData> {
    let mut links = Vec::new();
    for (index, link) in patient.link.iter().enumerate() {
        let base = format!("Patient.link[{index}]");
        let kind = match link.type_.as_deref() {
            None => {
                errors.push(ValidationError::new(
                    format!("{base}.type"),
                    ValidationErrorKind::Missing,
                ));
                None
            }
            Some(code) => LinkType::parse(code).or_else(|| {
                errors.push(ValidationError::new(
                    format!("{base}.type"),
                    ValidationErrorKind::LinkType,
                ));
                None
            }),
        };
        let target = match &link.other {
            Some(other) if other.identifier.is_some() => {
                let identifier = other.identifier.as_ref();
                let system = non_blank(identifier.and_then(|i| i.system.as_deref()));
                let value = non_blank(identifier.and_then(|i| i.value.as_deref()));
                let at = format!("{base}.other.identifier");
                match (system, value) {
                    (Some(system), Some(value)) => {
                        match DomainIdentifier::from_system_value(system, value) {
                            Ok(id) => Some(LinkTarget::Identifier(id)),
                            Err((is_system, error)) => {
                                let element = if is_system { "system" } else { "value" };
                                errors.push(ValidationError::new(
                                    format!("{at}.{element}"),
                                    ValidationErrorKind::Identifier(error),
                                ));
                                None
                            }
                        }
                    }
                    (None, _) => {
                        errors.push(ValidationError::new(
                            format!("{at}.system"),
                            ValidationErrorKind::Missing,
                        ));
                        None
                    }
                    (_, None) => {
                        errors.push(ValidationError::new(
                            format!("{at}.value"),
                            ValidationErrorKind::Missing,
                        ));
                        None
                    }
                }
            }
            Some(other) => match non_blank(other.reference.as_deref()) {
                Some(reference) => Some(LinkTarget::Reference(reference.to_owned())),
                None => {
                    errors.push(ValidationError::new(
                        format!("{base}.other"),
                        ValidationErrorKind::Missing,
                    ));
                    None
                }
            },
            None => {
                errors.push(ValidationError::new(
                    format!("{base}.other"),
                    ValidationErrorKind::Missing,
                ));
                None
            }
        };
        if let (Some(kind), Some(target)) = (kind, target) {
            links.push(PatientLinkData { kind, target });
        }
    }
    links
}

/// RNIV statuses and attributes; any other code is a management code.
const STATUS_CODES: &[&str] = &["PROV", "RECUP", "VALI", "QUAL"];
const ATTRIBUTE_CODES: &[&str] = &["DOUT", "FICT", "HOMA"];

/// Reads the reliability extension into the raw status and attributes; returns the management
/// codes.
fn read_reliability(patient: &Patient, has_ins: bool, collected: &mut Collected) -> Vec<String> {
    let mut management = Vec::new();
    let Some((index, extension)) = find_extension(&patient.extension, EXT_IDENTITY_RELIABILITY)
    else {
        return management;
    };
    let base = format!("Patient.extension[{index}]");
    if let Some((at, status)) = extension.subs(SUB_IDENTITY_STATUS).next() {
        let coding = status.value_coding.as_ref();
        let code = coding
            .and_then(|c| non_blank(c.code.as_deref()))
            .or_else(|| non_blank(status.value_code.as_deref()));
        let legacy = coding.and_then(|c| c.system.as_deref()) == Some(CS_V2_0445);
        if let Some(code) = code {
            let code = if legacy && !STATUS_CODES.contains(&code) {
                // An FR Core 2.0 table-0445 management code in the status slot.
                management.push(code.to_owned());
                "PROV"
            } else if legacy && code == "VALI" && has_ins {
                "QUAL"
            } else {
                code
            };
            collected.set(
                Field::IdentityStatus,
                code,
                format!("{base}.extension[{at}]"),
            );
        }
    }
    let mut attributes = Vec::new();
    let mut first_attribute = None;
    for (at, comment) in extension.subs(SUB_COMMENT) {
        let codes = comment
            .value_codeable_concept
            .iter()
            .flat_map(|c| c.codes())
            .chain(
                comment
                    .value_coding
                    .as_ref()
                    .and_then(|c| c.code.as_deref()),
            )
            .chain(comment.value_code.as_deref());
        for code in codes {
            let code = code.trim();
            if code.is_empty() {
                continue;
            }
            if ATTRIBUTE_CODES.contains(&code) {
                attributes.push(code.to_owned());
                first_attribute.get_or_insert(at);
            } else if !management.iter().any(|m| m == code) {
                management.push(code.to_owned());
            }
        }
    }
    if let Some(at) = first_attribute {
        collected.set(
            Field::IdentityAttributes,
            attributes.join(";"),
            format!("{base}.extension[{at}]"),
        );
    }
    management
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;
    use vigie_core::sex::Sex;
    use vigie_core::status::IdentityStatus;

    fn convert(value: serde_json::Value) -> Result<PatientInput, ValidationErrors> {
        let patient: Patient = serde_json::from_value(value).unwrap();
        patient_to_domain(&patient, &ConvertOptions::default())
    }

    fn expressions(errors: &ValidationErrors) -> Vec<&str> {
        errors.0.iter().map(|e| e.expression.as_str()).collect()
    }

    #[test]
    fn missing_identifier_parts_are_reported_with_their_path() {
        let errors = convert(json!({
            "resourceType": "Patient",
            "identifier": [{"system": "urn:oid:1.2.3", "value": "A"}, {"system": "urn:oid:1.2.3"}, {"value": "B"}]
        }))
        .unwrap_err();
        assert_eq!(
            expressions(&errors),
            vec![
                "Patient.identifier[1].value",
                "Patient.identifier[2].system"
            ]
        );
        let outcome = errors.to_operation_outcome();
        assert_eq!(outcome.issue[0].code, "required");
        assert_eq!(
            outcome.issue[0].expression,
            vec!["Patient.identifier[1].value"]
        );
        assert_eq!(errors.http_status(), 400);
    }

    #[test]
    fn all_errors_are_collected() {
        let errors = convert(json!({
            "resourceType": "Patient",
            "gender": "M",
            "birthDate": "30/01/1958",
            "deceasedBoolean": true,
            "deceasedDateTime": "2020",
            "link": [{"type": "merged-into", "other": {}}]
        }))
        .unwrap_err();
        assert_eq!(
            expressions(&errors),
            vec![
                "Patient.gender",
                "Patient.birthDate",
                "Patient.deceased[x]",
                "Patient.link[0].type",
                "Patient.link[0].other"
            ]
        );
    }

    #[test]
    fn the_primary_identifier_prefers_the_requested_domain_then_pi() {
        let patient = json!({
            "resourceType": "Patient",
            "identifier": [
                {"system": "urn:oid:1.1", "value": "X"},
                {"system": "urn:oid:2.2", "value": "Y", "type": {"coding": [{"code": "PI"}]}},
                {"system": "urn:oid:1.2.250.1.213.1.4.8", "value": "276037510669326", "type": {"coding": [{"code": "NH"}]}}
            ]
        });
        let input = convert(patient.clone()).unwrap();
        assert_eq!(input.record.source.unwrap().as_str(), "2.2");
        assert_eq!(input.record.other_id.as_deref(), Some("276037510669326"));
        assert_eq!(input.identifiers.len(), 3);
        let options = ConvertOptions {
            primary_domain: Some(DomainId::new("1.1").unwrap()),
            ..ConvertOptions::default()
        };
        let input = patient_to_domain(&serde_json::from_value(patient).unwrap(), &options).unwrap();
        assert_eq!(input.record.local_id.unwrap().as_str(), "X");
    }

    fn ins_patient(status_system: &str, status: &str, nir: &str) -> serde_json::Value {
        json!({
            "resourceType": "Patient",
            "extension": [{
                "url": EXT_IDENTITY_RELIABILITY,
                "extension": [{"url": "identityStatus", "valueCoding": {"system": status_system, "code": status}}]
            }],
            "identifier": [{
                "use": "official",
                "type": {"coding": [{"system": crate::codes::CS_FR_V2_0203, "code": "INS-NIR"}]},
                "system": "urn:oid:1.2.250.1.213.1.4.8",
                "value": nir
            }],
            "gender": "female",
            "birthDate": "1995-10-01"
        })
    }

    #[test]
    fn a_qualified_ins_is_kept() {
        let input = convert(ins_patient(
            crate::codes::CS_IDENTITY_STATUS,
            "QUAL",
            "295109912611193",
        ))
        .unwrap();
        assert_eq!(input.record.ins.unwrap().matricule(), "295109912611193");
        assert_eq!(input.record.state.status(), IdentityStatus::Qualified);
        assert_eq!(input.record.sex, Sex::Female);
        assert!(
            input.identifiers.is_empty(),
            "the INS is not a business identifier"
        );
    }

    #[test]
    fn the_legacy_vali_with_an_ins_is_qualified() {
        let input = convert(ins_patient(CS_V2_0445, "VALI", "295109912611193")).unwrap();
        assert_eq!(input.record.state.status(), IdentityStatus::Qualified);
        assert!(input.record.ins.is_some());
        let input = convert(ins_patient(
            crate::codes::CS_IDENTITY_STATUS,
            "VALI",
            "295109912611193",
        ))
        .unwrap();
        assert_eq!(input.record.state.status(), IdentityStatus::Validated);
        assert!(input.record.ins.is_none(), "INS dropped on a VALI identity");
        assert_eq!(input.warnings[0].kind, WarningKind::InsNotQualified);
        assert_eq!(input.warnings[0].expression, "Patient.identifier[0].value");
    }

    #[test]
    fn a_bad_key_is_flagged_or_rejected() {
        let value = ins_patient(crate::codes::CS_IDENTITY_STATUS, "QUAL", "295109912611199");
        let input = convert(value.clone()).unwrap();
        assert!(input.record.ins.is_none());
        assert!(matches!(
            input.warnings[0].kind,
            WarningKind::Finding(FindingKind::Ins(InsError::BadKey { .. }))
        ));
        let options = ConvertOptions {
            reject_invalid_ins: true,
            ..ConvertOptions::default()
        };
        let errors =
            patient_to_domain(&serde_json::from_value(value).unwrap(), &options).unwrap_err();
        assert_eq!(expressions(&errors), vec!["Patient.identifier[0].value"]);
        assert_eq!(errors.to_operation_outcome().issue[0].code, "business-rule");
    }

    #[test]
    fn warnings_never_echo_values() {
        let input = convert(ins_patient(
            crate::codes::CS_IDENTITY_STATUS,
            "QUAL",
            "295109912611199",
        ))
        .unwrap();
        for warning in &input.warnings {
            let text = format!("{warning} {:?}", warning.to_issue());
            assert!(!text.contains("2951099126"), "{text}");
        }
    }

    #[test]
    fn doubtful_identities_stay_provisional() {
        let input = convert(json!({
            "resourceType": "Patient",
            "extension": [{
                "url": EXT_IDENTITY_RELIABILITY,
                "extension": [
                    {"url": "identityStatus", "valueCoding": {"code": "VALI"}},
                    {"url": "comment", "valueCodeableConcept": {"coding": [{"code": "DOUT"}]}},
                    {"url": "comment", "valueCodeableConcept": {"coding": [{"code": "DPOT"}]}}
                ]
            }]
        }))
        .unwrap();
        assert_eq!(input.record.state.status(), IdentityStatus::Provisional);
        assert!(input.record.state.doubtful());
        assert_eq!(input.management_codes, vec!["DPOT"]);
        assert_eq!(
            input.warnings[0].expression,
            "Patient.extension[0].extension[0]"
        );
    }

    #[test]
    fn names_telecom_and_address_are_mapped() {
        let input = convert(json!({
            "resourceType": "Patient",
            "name": [
                {"use": "usual", "family": "Martin", "given": ["Jo"]},
                {"use": "official", "family": "Durand", "given": ["Pierre", "Yves"]}
            ],
            "telecom": [
                {"system": "phone", "value": "01 23 45 67 89", "rank": 2},
                {"system": "phone", "value": "06 12 34 56 78", "rank": 1},
                {"system": "email", "value": "P.Durand@Example.fr"}
            ],
            "address": [
                {"use": "old", "city": "Brest"},
                {"line": ["3 rue X", "Bât B"], "city": "Orléans", "postalCode": "45100", "country": "FRA"}
            ]
        }))
        .unwrap();
        let r = input.record;
        assert_eq!(r.birth_name.as_deref(), Some("Durand"));
        assert_eq!(r.first_names.as_deref(), Some("Pierre Yves"));
        assert_eq!(r.used_name.as_deref(), Some("Martin"));
        assert_eq!(r.used_first_name.as_deref(), Some("Jo"));
        assert_eq!(r.phone.as_deref(), Some("0612345678"));
        assert_eq!(r.email.as_deref(), Some("p.durand@example.fr"));
        assert_eq!(r.address.as_deref(), Some("3 rue X, Bât B"));
        assert_eq!(r.city.as_deref(), Some("Orléans"));
        assert_eq!(r.postcode.as_deref(), Some("45100"));
        assert_eq!(r.country.as_deref(), Some("FRA"));
        assert_eq!(r.record_id.as_str(), DEFAULT_RECORD_ID);
    }

    #[test]
    fn a_birth_place_on_city_is_read() {
        let input = convert(json!({
            "resourceType": "Patient",
            "extension": [{
                "url": EXT_BIRTH_PLACE,
                "valueAddress": {
                    "city": "Domrémy-la-Pucelle",
                    "_city": {"extension": [{"url": EXT_ADDRESS_INSEE_CODE, "valueCoding": {"code": "88154"}}]}
                }
            }]
        }))
        .unwrap();
        assert_eq!(input.record.birth_place.unwrap().as_str(), "88154");
    }

    #[test]
    fn an_untyped_nir_oid_is_not_an_ins() {
        let input = convert(json!({
            "resourceType": "Patient",
            "identifier": [{"system": "urn:oid:1.2.250.1.213.1.4.8", "value": "295109912611193"}]
        }))
        .unwrap();
        assert!(input.record.ins.is_none());
        assert_eq!(input.warnings[0].kind, WarningKind::UntypedNir);
        assert_eq!(input.identifiers.len(), 1);
        assert_eq!(input.record.local_id, None, "never the primary local id");
    }
}
