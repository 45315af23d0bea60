//! The FHIR R4 `Bundle` resource as Vigie returns it (`searchset` for PDQm searches and
//! `$match`): total, paging links, entries with `search.mode`, `search.score` and the
//! `match-grade` extension.

use serde::{Deserialize, Serialize};

use crate::codes::EXT_MATCH_GRADE;
use crate::resource::Resource;
use crate::types::{Extension, Extra, Meta, resource_type};

resource_type!(BundleType, "Bundle");

/// `Bundle.type` of search results.
pub const SEARCHSET: &str = "searchset";

/// A FHIR R4 `Bundle`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bundle {
    /// Always `"Bundle"`.
    pub resource_type: BundleType,
    /// Logical id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// `searchset`, `transaction`, …
    #[serde(rename = "type", default)]
    pub type_: String,
    /// Number of matches in a searchset (all pages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// `self`, `next`, `previous` links.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub link: Vec<BundleLink>,
    /// Entries.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entry: Vec<BundleEntry>,
    /// Unmodelled members.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `Bundle.link`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BundleLink {
    /// `self`, `next`, `previous`, …
    #[serde(default)]
    pub relation: String,
    /// The URL.
    #[serde(default)]
    pub url: String,
    /// Unmodelled members.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `Bundle.entry`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BundleEntry {
    /// Absolute URL of the resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_url: Option<String>,
    /// The resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<Resource>,
    /// Search information.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search: Option<BundleEntrySearch>,
    /// Unmodelled members.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `Bundle.entry.search`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BundleEntrySearch {
    /// Extensions (`match-grade`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    /// `match | include | outcome`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// Match quality, 0 to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// Unmodelled members.
    #[serde(flatten)]
    pub extra: Extra,
}

impl BundleEntrySearch {
    /// The `match-grade` code, if any.
    pub fn match_grade(&self) -> Option<&str> {
        self.extension
            .iter()
            .find(|e| e.url == EXT_MATCH_GRADE)
            .and_then(|e| e.value_code.as_deref())
    }
}

impl Bundle {
    /// The URL of the link with this relation.
    pub fn link_url(&self, relation: &str) -> Option<&str> {
        self.link
            .iter()
            .find(|l| l.relation == relation)
            .map(|l| l.url.as_str())
    }
}
