//! The FHIR R4 `Patient` resource (with the FR Core / IHE elements Vigie uses) and its backbone
//! elements (`contact`, `communication`, `link`).
//!
//! Choice elements are split per type (`deceasedBoolean` / `deceasedDateTime`,
//! `multipleBirthBoolean` / `multipleBirthInteger`); [`Patient::deceased`] and
//! [`Patient::multiple_birth`] give them back as one value. Unknown elements (`text`, `photo`,
//! `modifierExtension`, primitive extensions…) stay in `extra`.

use serde::{Deserialize, Serialize};

use crate::types::{
    Address, CodeableConcept, ContactPoint, Extension, Extra, HumanName, Identifier, Meta, Period,
    Reference, resource_type,
};

resource_type!(PatientType, "Patient");

/// A FHIR R4 `Patient`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Patient {
    /// Always `"Patient"`.
    pub resource_type: PatientType,
    /// Logical id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Extensions: FR Core identity reliability, birthplace, nationality…
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    /// Business identifiers (IPP, INS, NSS…).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<Identifier>,
    /// Whether the record is in active use (`false` for a merged duplicate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// Names (FR Core: `official` = birth name, `usual` = used name).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub name: Vec<HumanName>,
    /// Phones, e-mails…
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub telecom: Vec<ContactPoint>,
    /// `male | female | other | unknown`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    /// `deceasedBoolean`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deceased_boolean: Option<bool>,
    /// `deceasedDateTime`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deceased_date_time: Option<String>,
    /// Addresses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub address: Vec<Address>,
    /// Marital status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marital_status: Option<CodeableConcept>,
    /// `multipleBirthBoolean`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multiple_birth_boolean: Option<bool>,
    /// `multipleBirthInteger` (birth order).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multiple_birth_integer: Option<i64>,
    /// Contacts (relatives, guardians…).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contact: Vec<PatientContact>,
    /// Languages.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub communication: Vec<PatientCommunication>,
    /// General practitioners.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub general_practitioner: Vec<Reference>,
    /// Custodian organisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managing_organization: Option<Reference>,
    /// Links to other Patient resources (ITI-104 merge: `replaced-by`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub link: Vec<PatientLink>,
    /// Unmodelled members.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `Patient.contact`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PatientContact {
    /// Kind of relationship.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub relationship: Vec<CodeableConcept>,
    /// Name of the contact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<HumanName>,
    /// Phones, e-mails.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub telecom: Vec<ContactPoint>,
    /// Address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    /// Gender of the contact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
    /// Organisation the contact works for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<Reference>,
    /// Validity period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    /// Unmodelled members.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `Patient.communication`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PatientCommunication {
    /// Language (BCP 47).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<CodeableConcept>,
    /// Preferred language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred: Option<bool>,
    /// Unmodelled members.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `Patient.link`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PatientLink {
    /// The other Patient (literal reference or business identifier).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other: Option<Reference>,
    /// `replaced-by | replaces | refer | seealso`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    /// Unmodelled members.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `Patient.deceased[x]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deceased {
    /// `deceasedBoolean`.
    Boolean(bool),
    /// `deceasedDateTime`.
    DateTime(String),
}

/// `Patient.multipleBirth[x]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MultipleBirth {
    /// `multipleBirthBoolean`.
    Boolean(bool),
    /// `multipleBirthInteger`.
    Integer(i64),
}

/// FHIR `AdministrativeGender`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AdministrativeGender {
    /// `male`.
    Male,
    /// `female`.
    Female,
    /// `other`.
    Other,
    /// `unknown`.
    Unknown,
}

impl AdministrativeGender {
    /// Reads a code (exact, lower case as FHIR requires).
    pub fn parse(code: &str) -> Option<AdministrativeGender> {
        match code {
            "male" => Some(AdministrativeGender::Male),
            "female" => Some(AdministrativeGender::Female),
            "other" => Some(AdministrativeGender::Other),
            "unknown" => Some(AdministrativeGender::Unknown),
            _ => None,
        }
    }

    /// The code.
    pub fn code(self) -> &'static str {
        match self {
            AdministrativeGender::Male => "male",
            AdministrativeGender::Female => "female",
            AdministrativeGender::Other => "other",
            AdministrativeGender::Unknown => "unknown",
        }
    }
}

impl Patient {
    /// `deceased[x]`: the boolean if present, else the date-time.
    pub fn deceased(&self) -> Option<Deceased> {
        self.deceased_boolean.map(Deceased::Boolean).or_else(|| {
            self.deceased_date_time
                .as_ref()
                .map(|d| Deceased::DateTime(d.clone()))
        })
    }

    /// `multipleBirth[x]`: the boolean if present, else the integer.
    pub fn multiple_birth(&self) -> Option<MultipleBirth> {
        self.multiple_birth_boolean
            .map(MultipleBirth::Boolean)
            .or(self.multiple_birth_integer.map(MultipleBirth::Integer))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_resource_type_is_required_and_checked() {
        assert!(serde_json::from_value::<Patient>(json!({"id": "1"})).is_err());
        let error = serde_json::from_value::<Patient>(json!({"resourceType": "Person"}))
            .unwrap_err()
            .to_string();
        assert!(error.contains("resourceType \"Patient\""), "{error}");
        let patient: Patient = serde_json::from_value(json!({"resourceType": "Patient"})).unwrap();
        assert_eq!(
            serde_json::to_value(&patient).unwrap(),
            json!({"resourceType": "Patient"})
        );
    }

    #[test]
    fn choice_elements_are_read_per_type() {
        let patient: Patient = serde_json::from_value(json!({
            "resourceType": "Patient",
            "deceasedDateTime": "2020-01-01T10:00:00Z",
            "multipleBirthInteger": 2
        }))
        .unwrap();
        assert_eq!(
            patient.deceased(),
            Some(Deceased::DateTime("2020-01-01T10:00:00Z".into()))
        );
        assert_eq!(patient.multiple_birth(), Some(MultipleBirth::Integer(2)));
    }

    #[test]
    fn gender_codes_round_trip() {
        for gender in [
            AdministrativeGender::Male,
            AdministrativeGender::Female,
            AdministrativeGender::Other,
            AdministrativeGender::Unknown,
        ] {
            assert_eq!(AdministrativeGender::parse(gender.code()), Some(gender));
        }
        assert_eq!(AdministrativeGender::parse("Male"), None);
    }
}
