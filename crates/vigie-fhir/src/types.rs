//! FHIR R4 general-purpose data types used by the resources of this crate (Identifier, HumanName,
//! ContactPoint, Address, Coding, CodeableConcept, Reference, Period, Meta, Extension).
//!
//! Hand-written serde structs: every element is optional on input (validation happens when a
//! resource is converted to the domain, where a missing element can be reported with its
//! FHIRPath), empty or absent elements are not serialised, and every element this crate does not
//! model lands in `extra` (`#[serde(flatten)]`) so it survives a JSON round trip unchanged —
//! including primitive extensions such as `_birthDate`. FHIR primitives are kept as strings
//! (`birthDate`, `dateTime`, `uri`…): their syntax is checked by the conversions, not by serde.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Unknown or unmodelled JSON members of an element, kept for round trips.
pub type Extra = Map<String, Value>;

/// Declares a zero-sized marker for the `resourceType` member of a resource: serialises as the
/// resource name and refuses any other name on input.
macro_rules! resource_type {
    ($name:ident, $literal:literal) => {
        #[doc = concat!("The `resourceType` member of a `", $literal, "` (always `\"", $literal, "\"`).")]
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
        pub struct $name;

        impl $name {
            /// The resource type name.
            pub const NAME: &'static str = $literal;
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str($literal)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let found = String::deserialize(deserializer)?;
                if found == $literal {
                    Ok($name)
                } else {
                    Err(serde::de::Error::invalid_value(
                        serde::de::Unexpected::Str(&found),
                        &concat!("resourceType \"", $literal, "\""),
                    ))
                }
            }
        }
    };
}
pub(crate) use resource_type;

/// A code from a code system (`Coding`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Coding {
    /// Code system URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// Code system version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Human-readable label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    /// Chosen directly by the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_selected: Option<bool>,
    /// Unmodelled members.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Coding {
    /// A coding with a system and a code.
    pub fn new(system: &str, code: &str) -> Coding {
        Coding {
            system: Some(system.to_owned()),
            code: Some(code.to_owned()),
            ..Coding::default()
        }
    }

    /// Builder: sets the display.
    pub fn with_display(mut self, display: &str) -> Coding {
        self.display = Some(display.to_owned());
        self
    }
}

/// A concept given by codings and/or text (`CodeableConcept`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CodeableConcept {
    /// Codings, in any order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub coding: Vec<Coding>,
    /// Plain text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Unmodelled members.
    #[serde(flatten)]
    pub extra: Extra,
}

impl CodeableConcept {
    /// A concept with one coding.
    pub fn from_coding(coding: Coding) -> CodeableConcept {
        CodeableConcept {
            coding: vec![coding],
            ..CodeableConcept::default()
        }
    }

    /// A concept with only a text.
    pub fn from_text(text: &str) -> CodeableConcept {
        CodeableConcept {
            text: Some(text.to_owned()),
            ..CodeableConcept::default()
        }
    }

    /// The codes of all codings, in order.
    pub fn codes(&self) -> impl Iterator<Item = &str> {
        self.coding.iter().filter_map(|c| c.code.as_deref())
    }

    /// True when a coding has this code (in any system).
    pub fn has_code(&self, code: &str) -> bool {
        self.codes().any(|c| c == code)
    }
}

/// A time range (`Period`); bounds are FHIR `dateTime` strings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Period {
    /// Start, inclusive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    /// End, inclusive; absent while ongoing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
    /// Unmodelled members.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A business identifier (`Identifier`): a value in a namespace (`system`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Identifier {
    /// `usual | official | temp | secondary | old`.
    #[serde(rename = "use", default, skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
    /// Identifier type (v2 table 0203, FR Core `fr-core-cs-v2-0203`).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<CodeableConcept>,
    /// Namespace (assigning authority): a URI, `urn:oid:` + OID for OIDs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// The value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Validity period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    /// Organisation that issued the identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigner: Option<Box<Reference>>,
    /// Unmodelled members.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Identifier {
    /// An identifier with a system and a value.
    pub fn new(system: &str, value: &str) -> Identifier {
        Identifier {
            system: Some(system.to_owned()),
            value: Some(value.to_owned()),
            ..Identifier::default()
        }
    }
}

/// A reference to another resource (`Reference`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reference {
    /// Literal reference (`Patient/123`, absolute URL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Type the reference refers to.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    /// Logical reference by business identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<Identifier>,
    /// Text alternative.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    /// Unmodelled members.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Reference {
    /// A literal reference (`Patient/123`).
    pub fn to(reference: &str) -> Reference {
        Reference {
            reference: Some(reference.to_owned()),
            ..Reference::default()
        }
    }
}

/// A name of a person (`HumanName`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HumanName {
    /// Extensions (FR Core `birth-list-given-name` on the official name).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    /// `usual | official | temp | nickname | anonymous | old | maiden`.
    #[serde(rename = "use", default, skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
    /// Full name as text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Family name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    /// Given names, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub given: Vec<String>,
    /// Prefixes (civilité).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prefix: Vec<String>,
    /// Suffixes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suffix: Vec<String>,
    /// Validity period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    /// Unmodelled members.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A phone number, e-mail… (`ContactPoint`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactPoint {
    /// `phone | fax | email | pager | url | sms | other`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// The address or number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// `home | work | temp | old | mobile`.
    #[serde(rename = "use", default, skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
    /// Preference order, 1 = highest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank: Option<i64>,
    /// Validity period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    /// Unmodelled members.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A postal address (`Address`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    /// Extensions (FR Core `fr-core-address-insee-code` on a birthplace).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    /// `home | work | temp | old | billing`.
    #[serde(rename = "use", default, skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
    /// `postal | physical | both`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    /// Full address as text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Street lines.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub line: Vec<String>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// District.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub district: Option<String>,
    /// State or region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Postal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// Country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Validity period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    /// Unmodelled members.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Resource metadata (`Meta`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    /// Version id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    /// Last change (`instant`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<String>,
    /// Profiles claimed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub profile: Vec<String>,
    /// Security labels.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub security: Vec<Coding>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tag: Vec<Coding>,
    /// Unmodelled members.
    #[serde(flatten)]
    pub extra: Extra,
}

/// An extension (`Extension`). The value types Vigie reads or writes are modelled; any other
/// `value[x]` stays in `extra`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Extension {
    /// Sub-extensions (complex extensions).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    /// Identifies the meaning (an absolute URL, or the sub-extension name).
    #[serde(default)]
    pub url: String,
    /// `valueString`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_string: Option<String>,
    /// `valueCode`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_code: Option<String>,
    /// `valueBoolean`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_boolean: Option<bool>,
    /// `valueDate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_date: Option<String>,
    /// `valueDateTime`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_date_time: Option<String>,
    /// `valueCoding`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_coding: Option<Coding>,
    /// `valueCodeableConcept`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_codeable_concept: Option<CodeableConcept>,
    /// `valueAddress`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_address: Option<Address>,
    /// `valueHumanName` (e.g. `patient-mothersMaidenName` variants).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_human_name: Option<HumanName>,
    /// `valueIdentifier`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_identifier: Option<Identifier>,
    /// `valueReference`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_reference: Option<Reference>,
    /// Unmodelled members (other `value[x]` types included).
    #[serde(flatten)]
    pub extra: Extra,
}

impl Extension {
    /// An extension without a value yet.
    pub fn new(url: &str) -> Extension {
        Extension {
            url: url.to_owned(),
            ..Extension::default()
        }
    }

    /// The first sub-extension with this url.
    pub fn sub(&self, url: &str) -> Option<&Extension> {
        self.extension.iter().find(|e| e.url == url)
    }

    /// Every sub-extension with this url, with its index.
    pub fn subs<'a>(&'a self, url: &'a str) -> impl Iterator<Item = (usize, &'a Extension)> {
        self.extension
            .iter()
            .enumerate()
            .filter(move |(_, e)| e.url == url)
    }
}

/// Finds the first extension with this url in a list, with its index.
pub fn find_extension<'a>(
    extensions: &'a [Extension],
    url: &str,
) -> Option<(usize, &'a Extension)> {
    extensions.iter().enumerate().find(|(_, e)| e.url == url)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn empty_elements_are_not_serialised() {
        let identifier = Identifier::new("urn:oid:1.2.3", "A1");
        assert_eq!(
            serde_json::to_value(&identifier).unwrap(),
            json!({"system": "urn:oid:1.2.3", "value": "A1"})
        );
    }

    #[test]
    fn use_and_type_keep_their_json_names() {
        let input = json!({"use": "official", "type": {"text": "NIR"}, "value": "x"});
        let identifier: Identifier = serde_json::from_value(input.clone()).unwrap();
        assert_eq!(identifier.use_.as_deref(), Some("official"));
        assert_eq!(serde_json::to_value(&identifier).unwrap(), input);
    }

    #[test]
    fn unknown_members_survive_a_round_trip() {
        let input = json!({
            "family": "Dark",
            "_family": {"extension": [{"url": "http://x", "valueString": "y"}]},
            "somethingNew": [1, 2.5, {"deep": null}]
        });
        let name: HumanName = serde_json::from_value(input.clone()).unwrap();
        assert_eq!(name.family.as_deref(), Some("Dark"));
        assert_eq!(name.extra.len(), 2);
        assert_eq!(serde_json::to_value(&name).unwrap(), input);
    }

    #[test]
    fn other_extension_value_types_are_kept() {
        let input =
            json!({"url": "http://x", "valueDecimal": 1.25, "valuePeriod": {"start": "2020"}});
        let extension: Extension = serde_json::from_value(input.clone()).unwrap();
        assert_eq!(serde_json::to_value(&extension).unwrap(), input);
    }
}
