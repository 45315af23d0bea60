//! The `CapabilityStatement` Vigie serves at `[base]/metadata`: PIXm Manager (ITI-83 `$ihe-pix`,
//! ITI-104 conditional update and optionally delete) and PDQm Supplier with the Match option
//! (ITI-78 search, ITI-119 `$match`). Built from a few options, no clock: the caller gives the
//! date (e.g. the build date).

use serde::{Deserialize, Serialize};

use crate::codes::{
    CAPABILITY_PDQM_SUPPLIER_MATCH, CAPABILITY_PIXM_MANAGER, OPERATION_IHE_PIX,
    OPERATION_PDQM_MATCH, PROFILE_PDQM_PATIENT, PROFILE_PIXM_PATIENT,
};
use crate::types::{Extra, resource_type};

resource_type!(CapabilityStatementType, "CapabilityStatement");

/// A FHIR R4 `CapabilityStatement` (the elements Vigie fills).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CapabilityStatement {
    /// Always `"CapabilityStatement"`.
    pub resource_type: CapabilityStatementType,
    /// Computer-friendly name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Human-friendly title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// `draft | active | retired | unknown`.
    #[serde(default)]
    pub status: String,
    /// Date of this statement.
    #[serde(default)]
    pub date: String,
    /// `instance | capability | requirements`.
    #[serde(default)]
    pub kind: String,
    /// Capability statements this one implements.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub instantiates: Vec<String>,
    /// The software.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub software: Option<CapabilitySoftware>,
    /// This installation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub implementation: Option<CapabilityImplementation>,
    /// `4.0.1`.
    #[serde(default)]
    pub fhir_version: String,
    /// Formats served.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub format: Vec<String>,
    /// REST capabilities.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rest: Vec<CapabilityRest>,
    /// Unmodelled members.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `CapabilityStatement.software`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CapabilitySoftware {
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Unmodelled members.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `CapabilityStatement.implementation`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CapabilityImplementation {
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Base URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Unmodelled members.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `CapabilityStatement.rest`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CapabilityRest {
    /// `server`.
    #[serde(default)]
    pub mode: String,
    /// Documentation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation: Option<String>,
    /// Resources.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resource: Vec<CapabilityResource>,
    /// System-level interactions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub interaction: Vec<CapabilityInteraction>,
    /// Unmodelled members.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `CapabilityStatement.rest.resource`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CapabilityResource {
    /// Resource type.
    #[serde(rename = "type", default)]
    pub type_: String,
    /// Profiles supported.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub supported_profile: Vec<String>,
    /// Documentation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation: Option<String>,
    /// Interactions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub interaction: Vec<CapabilityInteraction>,
    /// Conditional create.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditional_create: Option<bool>,
    /// Conditional update.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditional_update: Option<bool>,
    /// `not-supported | single | multiple`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditional_delete: Option<String>,
    /// Search parameters.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub search_param: Vec<CapabilitySearchParam>,
    /// Operations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub operation: Vec<CapabilityOperation>,
    /// Unmodelled members.
    #[serde(flatten)]
    pub extra: Extra,
}

/// An interaction (`read`, `search-type`, `update`, `delete`, …).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CapabilityInteraction {
    /// The interaction code.
    #[serde(default)]
    pub code: String,
    /// Documentation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation: Option<String>,
    /// Unmodelled members.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A search parameter.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CapabilitySearchParam {
    /// Name (as used in the URL).
    #[serde(default)]
    pub name: String,
    /// Definition URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition: Option<String>,
    /// `string | token | date | …`.
    #[serde(rename = "type", default)]
    pub type_: String,
    /// Documentation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation: Option<String>,
    /// Unmodelled members.
    #[serde(flatten)]
    pub extra: Extra,
}

/// An operation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CapabilityOperation {
    /// Name as invoked (without `$`).
    #[serde(default)]
    pub name: String,
    /// OperationDefinition URL.
    #[serde(default)]
    pub definition: String,
    /// Documentation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation: Option<String>,
    /// Unmodelled members.
    #[serde(flatten)]
    pub extra: Extra,
}

/// What varies between installations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapabilityOptions {
    /// Base URL of the FHIR endpoint.
    pub base_url: String,
    /// Software version.
    pub software_version: String,
    /// Date of the statement (`YYYY-MM-DD`), e.g. the build date.
    pub date: String,
    /// ITI-104 Remove Patient option (conditional delete).
    pub remove_patient: bool,
}

/// The PDQm search parameters, with their type and documentation.
pub const PDQM_SEARCH_PARAMETERS: &[(&str, &str, &str)] = &[
    ("_id", "token", "Logical id of the Patient"),
    ("active", "token", "Whether the patient record is active"),
    (
        "family",
        "string",
        "A portion of the family name (:exact supported)",
    ),
    (
        "given",
        "string",
        "A portion of a given name (:exact supported)",
    ),
    (
        "identifier",
        "token",
        "A patient identifier; `system|` alone filters the returned domains",
    ),
    ("telecom", "token", "A phone number or e-mail"),
    (
        "birthdate",
        "date",
        "Date of birth, with the prefixes eq, ne, gt, lt, ge, le, sa, eb, ap",
    ),
    (
        "address",
        "string",
        "Any part of the address (:exact supported)",
    ),
    ("address-city", "string", "City (:exact supported)"),
    ("address-country", "string", "Country (:exact supported)"),
    (
        "address-postalcode",
        "string",
        "Postal code (:exact supported)",
    ),
    ("address-state", "string", "State (:exact supported)"),
    ("gender", "token", "male | female | other | unknown"),
    (
        "mothersMaidenName",
        "string",
        "Mother's maiden name (:exact supported)",
    ),
    ("_count", "number", "Page size"),
];

/// Builds the CapabilityStatement.
pub fn capability_statement(options: &CapabilityOptions) -> CapabilityStatement {
    let mut interaction = vec![
        CapabilityInteraction {
            code: "read".into(),
            ..Default::default()
        },
        CapabilityInteraction {
            code: "search-type".into(),
            documentation: Some("Mobile Patient Demographics Query [ITI-78], GET and POST".into()),
            ..Default::default()
        },
        CapabilityInteraction {
            code: "update".into(),
            documentation: Some(
                "Conditional update for Patient Identity Feed FHIR [ITI-104] (add, revise, resolve duplicate)"
                    .into(),
            ),
            ..Default::default()
        },
    ];
    if options.remove_patient {
        interaction.push(CapabilityInteraction {
            code: "delete".into(),
            documentation: Some("Conditional delete for [ITI-104] (Remove Patient option)".into()),
            ..Default::default()
        });
    }
    let search_param = PDQM_SEARCH_PARAMETERS
        .iter()
        .map(|(name, type_, documentation)| CapabilitySearchParam {
            name: (*name).into(),
            type_: (*type_).into(),
            documentation: Some((*documentation).into()),
            ..Default::default()
        })
        .collect();
    CapabilityStatement {
        name: Some("VigieMasterPatientIndex".into()),
        title: Some("Vigie patient identity manager (PIXm Manager, PDQm Supplier)".into()),
        status: "active".into(),
        date: options.date.clone(),
        kind: "instance".into(),
        instantiates: vec![
            CAPABILITY_PIXM_MANAGER.into(),
            CAPABILITY_PDQM_SUPPLIER_MATCH.into(),
        ],
        software: Some(CapabilitySoftware {
            name: "Vigie".into(),
            version: Some(options.software_version.clone()),
            ..Default::default()
        }),
        implementation: Some(CapabilityImplementation {
            description: "Vigie FHIR endpoint".into(),
            url: Some(options.base_url.clone()),
            ..Default::default()
        }),
        fhir_version: "4.0.1".into(),
        format: vec!["application/fhir+json".into(), "json".into()],
        rest: vec![CapabilityRest {
            mode: "server".into(),
            documentation: Some(
                "PIXm [ITI-83] $ihe-pix and [ITI-104] feed; PDQm [ITI-78] search and [ITI-119] $match"
                    .into(),
            ),
            resource: vec![CapabilityResource {
                type_: "Patient".into(),
                supported_profile: vec![PROFILE_PIXM_PATIENT.into(), PROFILE_PDQM_PATIENT.into()],
                interaction,
                conditional_create: Some(false),
                conditional_update: Some(true),
                conditional_delete: Some(
                    if options.remove_patient {
                        "single"
                    } else {
                        "not-supported"
                    }
                    .into(),
                ),
                search_param,
                operation: vec![
                    CapabilityOperation {
                        name: "ihe-pix".into(),
                        definition: OPERATION_IHE_PIX.into(),
                        documentation: Some("PIX Query [ITI-83]".into()),
                        ..Default::default()
                    },
                    CapabilityOperation {
                        name: "match".into(),
                        definition: OPERATION_PDQM_MATCH.into(),
                        documentation: Some("Patient Demographics Match [ITI-119]".into()),
                        ..Default::default()
                    },
                ],
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    }
}
