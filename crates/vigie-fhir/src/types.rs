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

/// When a modelled member is left out of the JSON: an absent optional element or an empty list
/// (FHIR forbids empty elements); a required primitive (a bare `String`) is always written.
trait Omit {
    /// True when the member is not serialised.
    fn omit(&self) -> bool;
}

impl<T> Omit for Option<T> {
    fn omit(&self) -> bool {
        self.is_none()
    }
}

impl<T> Omit for Vec<T> {
    fn omit(&self) -> bool {
        self.is_empty()
    }
}

impl Omit for String {
    fn omit(&self) -> bool {
        false
    }
}

/// Declares a FHIR element: the struct with its derives and camelCase JSON names, every listed
/// member optional on input (`default`) and left out of the output when empty ([`Omit`]), and
/// an `extra` member collecting everything unmodelled (`flatten`). A member's own attributes
/// (its doc, `#[serde(rename = "use")]`) are kept.
macro_rules! element {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(
                $(#[$field_meta:meta])*
                pub $field:ident: $ty:ty,
            )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        #[serde(rename_all = "camelCase")]
        pub struct $name {
            $(
                $(#[$field_meta])*
                #[serde(default, skip_serializing_if = "Omit::omit")]
                pub $field: $ty,
            )*
            /// Unmodelled members.
            #[serde(flatten)]
            pub extra: Extra,
        }
    };
}

element! {
    /// A code from a code system (`Coding`).
    pub struct Coding {
        /// Code system URI.
        pub system: Option<String>,
        /// Code system version.
        pub version: Option<String>,
        /// The code.
        pub code: Option<String>,
        /// Human-readable label.
        pub display: Option<String>,
        /// Chosen directly by the user.
        pub user_selected: Option<bool>,
    }
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

element! {
    /// A concept given by codings and/or text (`CodeableConcept`).
    pub struct CodeableConcept {
        /// Codings, in any order.
        pub coding: Vec<Coding>,
        /// Plain text.
        pub text: Option<String>,
    }
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

element! {
    /// A time range (`Period`); bounds are FHIR `dateTime` strings.
    pub struct Period {
        /// Start, inclusive.
        pub start: Option<String>,
        /// End, inclusive; absent while ongoing.
        pub end: Option<String>,
    }
}

element! {
    /// A business identifier (`Identifier`): a value in a namespace (`system`).
    pub struct Identifier {
        /// `usual | official | temp | secondary | old`.
        #[serde(rename = "use")]
        pub use_: Option<String>,
        /// Identifier type (v2 table 0203, FR Core `fr-core-cs-v2-0203`).
        #[serde(rename = "type")]
        pub type_: Option<CodeableConcept>,
        /// Namespace (assigning authority): a URI, `urn:oid:` + OID for OIDs.
        pub system: Option<String>,
        /// The value.
        pub value: Option<String>,
        /// Validity period.
        pub period: Option<Period>,
        /// Organisation that issued the identifier.
        pub assigner: Option<Box<Reference>>,
    }
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

element! {
    /// A reference to another resource (`Reference`).
    pub struct Reference {
        /// Literal reference (`Patient/123`, absolute URL).
        pub reference: Option<String>,
        /// Type the reference refers to.
        #[serde(rename = "type")]
        pub type_: Option<String>,
        /// Logical reference by business identifier.
        pub identifier: Option<Identifier>,
        /// Text alternative.
        pub display: Option<String>,
    }
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

element! {
    /// A name of a person (`HumanName`).
    pub struct HumanName {
        /// Extensions (FR Core `birth-list-given-name` on the official name).
        pub extension: Vec<Extension>,
        /// `usual | official | temp | nickname | anonymous | old | maiden`.
        #[serde(rename = "use")]
        pub use_: Option<String>,
        /// Full name as text.
        pub text: Option<String>,
        /// Family name.
        pub family: Option<String>,
        /// Given names, in order.
        pub given: Vec<String>,
        /// Prefixes (civilité).
        pub prefix: Vec<String>,
        /// Suffixes.
        pub suffix: Vec<String>,
        /// Validity period.
        pub period: Option<Period>,
    }
}

element! {
    /// A phone number, e-mail… (`ContactPoint`).
    pub struct ContactPoint {
        /// `phone | fax | email | pager | url | sms | other`.
        pub system: Option<String>,
        /// The address or number.
        pub value: Option<String>,
        /// `home | work | temp | old | mobile`.
        #[serde(rename = "use")]
        pub use_: Option<String>,
        /// Preference order, 1 = highest.
        pub rank: Option<i64>,
        /// Validity period.
        pub period: Option<Period>,
    }
}

element! {
    /// A postal address (`Address`).
    pub struct Address {
        /// Extensions (FR Core `fr-core-address-insee-code` on a birthplace).
        pub extension: Vec<Extension>,
        /// `home | work | temp | old | billing`.
        #[serde(rename = "use")]
        pub use_: Option<String>,
        /// `postal | physical | both`.
        #[serde(rename = "type")]
        pub type_: Option<String>,
        /// Full address as text.
        pub text: Option<String>,
        /// Street lines.
        pub line: Vec<String>,
        /// City.
        pub city: Option<String>,
        /// District.
        pub district: Option<String>,
        /// State or region.
        pub state: Option<String>,
        /// Postal code.
        pub postal_code: Option<String>,
        /// Country.
        pub country: Option<String>,
        /// Validity period.
        pub period: Option<Period>,
    }
}

element! {
    /// Resource metadata (`Meta`).
    pub struct Meta {
        /// Version id.
        pub version_id: Option<String>,
        /// Last change (`instant`).
        pub last_updated: Option<String>,
        /// Profiles claimed.
        pub profile: Vec<String>,
        /// Security labels.
        pub security: Vec<Coding>,
        /// Tags.
        pub tag: Vec<Coding>,
    }
}

element! {
    /// An extension (`Extension`). The value types Vigie reads or writes are modelled; any other
    /// `value[x]` stays in `extra`.
    pub struct Extension {
        /// Sub-extensions (complex extensions).
        pub extension: Vec<Extension>,
        /// Identifies the meaning (an absolute URL, or the sub-extension name).
        pub url: String,
        /// `valueString`.
        pub value_string: Option<String>,
        /// `valueCode`.
        pub value_code: Option<String>,
        /// `valueBoolean`.
        pub value_boolean: Option<bool>,
        /// `valueDate`.
        pub value_date: Option<String>,
        /// `valueDateTime`.
        pub value_date_time: Option<String>,
        /// `valueCoding`.
        pub value_coding: Option<Coding>,
        /// `valueCodeableConcept`.
        pub value_codeable_concept: Option<CodeableConcept>,
        /// `valueAddress`.
        pub value_address: Option<Address>,
        /// `valueHumanName` (e.g. `patient-mothersMaidenName` variants).
        pub value_human_name: Option<HumanName>,
        /// `valueIdentifier`.
        pub value_identifier: Option<Identifier>,
        /// `valueReference`.
        pub value_reference: Option<Reference>,
    }
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
    fn a_required_url_is_written_even_when_empty() {
        assert_eq!(
            serde_json::to_value(Extension::default()).unwrap(),
            json!({"url": ""})
        );
        let missing: Extension = serde_json::from_value(json!({"valueCode": "x"})).unwrap();
        assert_eq!(missing.url, "");
    }

    #[test]
    fn other_extension_value_types_are_kept() {
        let input =
            json!({"url": "http://x", "valueDecimal": 1.25, "valuePeriod": {"start": "2020"}});
        let extension: Extension = serde_json::from_value(input.clone()).unwrap();
        assert_eq!(serde_json::to_value(&extension).unwrap(), input);
    }
}
