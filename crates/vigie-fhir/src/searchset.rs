//! PDQm [ITI-78] response: the `searchset` Bundle of a page of matches, with `total`, the `self`
//! link showing the honoured parameters, `next` / `previous` paging links (Vigie's `_offset`
//! cursor), and the domain filter applied to each Patient's identifiers.

use crate::bundle::{Bundle, BundleEntry, BundleEntrySearch, BundleLink, SEARCHSET};
use crate::identifier::system_to_domain;
use crate::outcome::{Issue, OperationOutcome};
use crate::patient::Patient;
use crate::query::encode_query;
use crate::resource::Resource;
use crate::search::PatientSearch;

/// One match of the page.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchEntry {
    /// `Bundle.entry.fullUrl` (`[base]/Patient/<id>`).
    pub full_url: String,
    /// The Patient (domain filter already applied, see [`restrict_identifiers`]).
    pub patient: Patient,
    /// Match quality in 0..1, when the search ranks.
    pub score: Option<f64>,
}

/// A page of search results, as plain data.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchPage<'a> {
    /// FHIR base URL, without a trailing `/` (`https://host/fhir`).
    pub base_url: &'a str,
    /// The search as honoured; its `count` is the effective page size and its `offset` the index
    /// of the first entry of this page.
    pub search: &'a PatientSearch,
    /// Number of matches over all pages.
    pub total: u64,
    /// This page.
    pub entries: Vec<SearchEntry>,
    /// Warnings to report in an OperationOutcome entry (`search.mode = outcome`).
    pub warnings: &'a [Issue],
}

fn page_url(base_url: &str, search: &PatientSearch, offset: u64) -> String {
    let mut pairs = search.to_query_pairs();
    if offset > 0 {
        pairs.push(("_offset".into(), offset.to_string()));
    }
    if pairs.is_empty() {
        format!("{base_url}/Patient")
    } else {
        format!("{base_url}/Patient?{}", encode_query(&pairs))
    }
}

/// Builds the searchset Bundle of a page.
pub fn searchset_bundle(page: SearchPage<'_>) -> Bundle {
    let offset = u64::from(page.search.offset.unwrap_or(0));
    let shown = page.entries.len() as u64;
    let page_size = page.search.count.map_or(shown, u64::from);
    let mut link = vec![BundleLink {
        relation: "self".into(),
        url: page_url(page.base_url, page.search, offset),
        ..BundleLink::default()
    }];
    if shown > 0 && offset + shown < page.total {
        link.push(BundleLink {
            relation: "next".into(),
            url: page_url(page.base_url, page.search, offset + shown),
            ..BundleLink::default()
        });
    }
    if offset > 0 {
        link.push(BundleLink {
            relation: "previous".into(),
            url: page_url(
                page.base_url,
                page.search,
                offset.saturating_sub(page_size.max(1)),
            ),
            ..BundleLink::default()
        });
    }
    let mut entry: Vec<BundleEntry> = page
        .entries
        .into_iter()
        .map(|e| BundleEntry {
            full_url: Some(e.full_url),
            resource: Some(Resource::from(e.patient)),
            search: Some(BundleEntrySearch {
                mode: Some("match".into()),
                score: e
                    .score
                    .map(|s| if s.is_nan() { 0.0 } else { s.clamp(0.0, 1.0) }),
                ..BundleEntrySearch::default()
            }),
            ..BundleEntry::default()
        })
        .collect();
    if !page.warnings.is_empty() {
        entry.push(BundleEntry {
            resource: Some(Resource::from(OperationOutcome::from_issues(page.warnings))),
            search: Some(BundleEntrySearch {
                mode: Some("outcome".into()),
                ..BundleEntrySearch::default()
            }),
            ..BundleEntry::default()
        });
    }
    Bundle {
        type_: SEARCHSET.into(),
        total: Some(page.total),
        link,
        entry,
        ..Bundle::default()
    }
}

/// Applies the PDQm domain filter to a Patient: keeps only the identifiers whose system is one of
/// `systems` (compared as domains, so `urn:oid:1.2` and `URN:OID:1.2` agree). No filter when
/// `systems` is empty.
pub fn restrict_identifiers(patient: &mut Patient, systems: &[&str]) {
    if systems.is_empty() {
        return;
    }
    let wanted: Vec<_> = systems
        .iter()
        .filter_map(|s| system_to_domain(s).ok())
        .collect();
    patient.identifier.retain(|identifier| {
        identifier
            .system
            .as_deref()
            .and_then(|s| system_to_domain(s).ok())
            .is_some_and(|domain| wanted.contains(&domain))
    });
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::search::{Handling, parse_patient_search};
    use crate::types::Identifier;

    fn search(pairs: &[(&str, &str)]) -> PatientSearch {
        parse_patient_search(pairs.iter().copied(), Handling::Lenient).unwrap()
    }

    fn entries(n: usize) -> Vec<SearchEntry> {
        (0..n)
            .map(|i| SearchEntry {
                full_url: format!("http://x/fhir/Patient/{i}"),
                patient: Patient::default(),
                score: None,
            })
            .collect()
    }

    #[test]
    fn paging_links_follow_the_offset() {
        let first = search(&[("family", "MOHR"), ("_count", "2")]);
        let bundle = searchset_bundle(SearchPage {
            base_url: "http://x/fhir",
            search: &first,
            total: 5,
            entries: entries(2),
            warnings: &[],
        });
        assert_eq!(
            bundle.link_url("self"),
            Some("http://x/fhir/Patient?family=MOHR&_count=2")
        );
        assert_eq!(
            bundle.link_url("next"),
            Some("http://x/fhir/Patient?family=MOHR&_count=2&_offset=2")
        );
        assert_eq!(bundle.link_url("previous"), None);
        let last = search(&[("family", "MOHR"), ("_count", "2"), ("_offset", "4")]);
        let bundle = searchset_bundle(SearchPage {
            base_url: "http://x/fhir",
            search: &last,
            total: 5,
            entries: entries(1),
            warnings: &[],
        });
        assert_eq!(bundle.link_url("next"), None);
        assert_eq!(
            bundle.link_url("previous"),
            Some("http://x/fhir/Patient?family=MOHR&_count=2&_offset=2")
        );
    }

    #[test]
    fn no_match_gives_total_zero_and_no_entry() {
        let none = search(&[("family", "NOBODY")]);
        let bundle = searchset_bundle(SearchPage {
            base_url: "http://x/fhir",
            search: &none,
            total: 0,
            entries: vec![],
            warnings: &[],
        });
        let json = serde_json::to_value(&bundle).unwrap();
        assert_eq!(json["total"], 0);
        assert!(json.get("entry").is_none());
    }

    #[test]
    fn the_domain_filter_removes_other_identifiers() {
        let mut patient = Patient {
            identifier: vec![
                Identifier::new("urn:oid:1.2.3", "A"),
                Identifier::new("urn:oid:4.5.6", "B"),
                Identifier::new("urn:oid:7.8.9", "C"),
            ],
            ..Patient::default()
        };
        restrict_identifiers(&mut patient, &["urn:oid:1.2.3", "URN:OID:7.8.9"]);
        let values: Vec<_> = patient
            .identifier
            .iter()
            .filter_map(|i| i.value.as_deref())
            .collect();
        assert_eq!(values, vec!["A", "C"]);
    }
}
