//! The FHIR R4 `Parameters` resource: PIXm `$ihe-pix` output (`targetIdentifier`, `targetId`)
//! and `$match` input (`resource`, `onlyCertainMatches`, `count`).

use serde::{Deserialize, Serialize};

use crate::resource::Resource;
use crate::types::{Extra, Identifier, Meta, Reference, resource_type};

resource_type!(ParametersType, "Parameters");

/// A FHIR R4 `Parameters`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Parameters {
    /// Always `"Parameters"`.
    pub resource_type: ParametersType,
    /// Logical id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// The parameters, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parameter: Vec<Parameter>,
    /// Unmodelled members.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `Parameters.parameter`. The value types Vigie uses are modelled; any other `value[x]` stays in
/// `extra`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Parameter {
    /// Parameter name.
    #[serde(default)]
    pub name: String,
    /// `valueIdentifier`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_identifier: Option<Identifier>,
    /// `valueReference`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_reference: Option<Reference>,
    /// `valueBoolean`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_boolean: Option<bool>,
    /// `valueInteger`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_integer: Option<i64>,
    /// `valueString`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_string: Option<String>,
    /// `valueCode`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_code: Option<String>,
    /// A resource value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<Resource>,
    /// Nested parts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub part: Vec<Parameter>,
    /// Unmodelled members.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Parameter {
    /// A parameter with only a name.
    pub fn named(name: &str) -> Parameter {
        Parameter {
            name: name.to_owned(),
            ..Parameter::default()
        }
    }

    /// True when some `value[x]` or `resource` or `part` is present (modelled or not).
    pub fn has_value(&self) -> bool {
        self.value_identifier.is_some()
            || self.value_reference.is_some()
            || self.value_boolean.is_some()
            || self.value_integer.is_some()
            || self.value_string.is_some()
            || self.value_code.is_some()
            || self.resource.is_some()
            || !self.part.is_empty()
            || self.extra.keys().any(|k| k.starts_with("value"))
    }
}

impl Parameters {
    /// The parameters with this name, with their index.
    pub fn named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = (usize, &'a Parameter)> {
        self.parameter
            .iter()
            .enumerate()
            .filter(move |(_, p)| p.name == name)
    }
}
