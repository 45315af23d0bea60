//! Any resource Vigie exchanges, dispatched on `resourceType` (`Bundle.entry.resource`,
//! `Parameters.parameter.resource`, request bodies). Resources Vigie does not model are kept as
//! raw JSON objects so they survive a round trip.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::bundle::Bundle;
use crate::capability::CapabilityStatement;
use crate::outcome::OperationOutcome;
use crate::parameters::Parameters;
use crate::patient::Patient;

/// A FHIR resource.
#[derive(Debug, Clone, PartialEq)]
pub enum Resource {
    /// `Patient`.
    Patient(Box<Patient>),
    /// `Parameters`.
    Parameters(Box<Parameters>),
    /// `Bundle`.
    Bundle(Box<Bundle>),
    /// `OperationOutcome`.
    OperationOutcome(Box<OperationOutcome>),
    /// `CapabilityStatement`.
    CapabilityStatement(Box<CapabilityStatement>),
    /// Any other resource, as its JSON object (with its `resourceType`).
    Other(Map<String, Value>),
}

impl Resource {
    /// The `resourceType` of this resource (`"?"` for an `Other` without one, which
    /// deserialisation never produces).
    pub fn resource_type(&self) -> &str {
        match self {
            Resource::Patient(_) => "Patient",
            Resource::Parameters(_) => "Parameters",
            Resource::Bundle(_) => "Bundle",
            Resource::OperationOutcome(_) => "OperationOutcome",
            Resource::CapabilityStatement(_) => "CapabilityStatement",
            Resource::Other(map) => map
                .get("resourceType")
                .and_then(Value::as_str)
                .unwrap_or("?"),
        }
    }

    /// The Patient, if this is one.
    pub fn as_patient(&self) -> Option<&Patient> {
        match self {
            Resource::Patient(patient) => Some(patient),
            _ => None,
        }
    }

    /// The OperationOutcome, if this is one.
    pub fn as_operation_outcome(&self) -> Option<&OperationOutcome> {
        match self {
            Resource::OperationOutcome(outcome) => Some(outcome),
            _ => None,
        }
    }
}

impl From<Patient> for Resource {
    fn from(patient: Patient) -> Resource {
        Resource::Patient(Box::new(patient))
    }
}

impl From<OperationOutcome> for Resource {
    fn from(outcome: OperationOutcome) -> Resource {
        Resource::OperationOutcome(Box::new(outcome))
    }
}

impl From<Parameters> for Resource {
    fn from(parameters: Parameters) -> Resource {
        Resource::Parameters(Box::new(parameters))
    }
}

impl From<Bundle> for Resource {
    fn from(bundle: Bundle) -> Resource {
        Resource::Bundle(Box::new(bundle))
    }
}

impl Serialize for Resource {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Resource::Patient(r) => r.serialize(serializer),
            Resource::Parameters(r) => r.serialize(serializer),
            Resource::Bundle(r) => r.serialize(serializer),
            Resource::OperationOutcome(r) => r.serialize(serializer),
            Resource::CapabilityStatement(r) => r.serialize(serializer),
            Resource::Other(map) => map.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for Resource {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        let Value::Object(map) = value else {
            return Err(D::Error::custom("a resource must be a JSON object"));
        };
        let kind = match map.get("resourceType") {
            Some(Value::String(kind)) => kind.clone(),
            Some(_) => return Err(D::Error::custom("resourceType must be a string")),
            None => return Err(D::Error::missing_field("resourceType")),
        };
        let value = Value::Object(map);
        let resource = match kind.as_str() {
            "Patient" => Resource::Patient(Box::new(from_value(value)?)),
            "Parameters" => Resource::Parameters(Box::new(from_value(value)?)),
            "Bundle" => Resource::Bundle(Box::new(from_value(value)?)),
            "OperationOutcome" => Resource::OperationOutcome(Box::new(from_value(value)?)),
            "CapabilityStatement" => Resource::CapabilityStatement(Box::new(from_value(value)?)),
            _ => match value {
                Value::Object(map) => Resource::Other(map),
                _ => return Err(D::Error::custom("a resource must be a JSON object")),
            },
        };
        Ok(resource)
    }
}

fn from_value<T: serde::de::DeserializeOwned, E: serde::de::Error>(value: Value) -> Result<T, E> {
    serde_json::from_value(value).map_err(E::custom)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn resources_dispatch_on_their_type() {
        let patient: Resource = serde_json::from_value(json!({"resourceType": "Patient"})).unwrap();
        assert!(patient.as_patient().is_some());
        let other = json!({"resourceType": "Observation", "status": "final"});
        let resource: Resource = serde_json::from_value(other.clone()).unwrap();
        assert_eq!(resource.resource_type(), "Observation");
        assert_eq!(serde_json::to_value(&resource).unwrap(), other);
    }

    #[test]
    fn a_resource_needs_a_string_type() {
        assert!(serde_json::from_value::<Resource>(json!({"id": "x"})).is_err());
        assert!(serde_json::from_value::<Resource>(json!({"resourceType": 3})).is_err());
        assert!(serde_json::from_value::<Resource>(json!([1])).is_err());
    }
}
