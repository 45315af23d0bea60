//! The identifier domains the server knows (`[[domains]]` of the configuration): one registry,
//! built once at start-up and shared by the HTTP (FHIR) and MLLP (HL7 v2) sides, that maps a
//! store [`DomainId`] to its FHIR system and its HL7 assigning authority, and back.
//!
//! * **FHIR**: a domain is reached by its configured `system`, by `urn:oid:<oid>` (or the bare
//!   OID, which is what vigie-fhir makes of an `urn:oid:` system), or by its id; `urn:oid:` is
//!   matched without regard to case ([`DomainRegistry::domain_of_system`]).
//! * **HL7 v2**: an assigning authority (CX-4 / HD) names a domain by its OID when it carries
//!   one, else by its namespace; the domain id is accepted for either part
//!   ([`DomainRegistry::resolve`]).
//!
//! The INS registers (`urn:oid:1.2.250.1.213.1.4.8` …) are not domains of the MPI: an INS is a
//! trait of an identity, not a source key. FHIR shows it through [`is_ins_system`]; HL7 query
//! filters (QPD-4, QPD-8) accept it as the pseudo-domain [`Target::Ins`] so that a consumer may
//! ask for the INS of a patient.

use std::collections::HashMap;

use vigie_core::ids::DomainId;
use vigie_core::ins::{OID_INS_NIA, OID_INS_NIR, OID_INS_NIR_DEMO, OID_INS_NIR_TEST};
use vigie_fhir::identifier::oid_of_system;
use vigie_fhir::types::Identifier;
use vigie_hl7::types::AssigningAuthority;

use crate::config::{Config, DomainConfig};

/// One known domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Domain {
    /// Id in the store.
    pub id: DomainId,
    /// HL7 assigning authority: namespace, OID and `ISO` as configured (written fully qualified
    /// in replies; empty when the domain has neither a namespace nor an OID).
    pub authority: AssigningAuthority,
    /// FHIR identifier system ([`DomainConfig::fhir_system`]).
    pub system: String,
}

/// A domain an HL7 query filter names: a known domain or an INS register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A known domain.
    Domain(DomainId),
    /// An INS register (the identity's INS is returned when qualified).
    Ins,
}

/// The known domains: those of the configuration, in declaration order, then any added at
/// start-up (the demo population's).
#[derive(Debug, Clone, Default)]
pub struct DomainRegistry {
    domains: Vec<Domain>,
    /// How many of `domains` come from the configuration (they come first).
    n_configured: usize,
    /// Every FHIR spelling of a domain ([`system_key`]) → index in `domains`.
    by_system: HashMap<String, usize>,
}

fn system_key(system: &str) -> String {
    let system = system.trim();
    match oid_of_system(system) {
        Some(oid) => format!("urn:oid:{oid}"),
        None => system.to_owned(),
    }
}

fn same(a: Option<&str>, b: Option<&str>) -> bool {
    matches!((a, b), (Some(a), Some(b)) if a == b)
}

impl DomainRegistry {
    /// The registry of the configuration's `[[domains]]`.
    pub fn from_config(config: &Config) -> DomainRegistry {
        DomainRegistry::new(&config.domains)
    }

    /// The registry of these configured domains; entries whose id is not a valid [`DomainId`]
    /// are skipped (the configuration check refuses them earlier), and so is a second entry
    /// of the same id.
    pub fn new(domains: &[DomainConfig]) -> DomainRegistry {
        let mut registry = DomainRegistry::default();
        for domain in domains {
            registry.add(domain);
        }
        registry.n_configured = registry.domains.len();
        registry
    }

    /// Adds a domain the configuration does not list (the demo population's sources). A
    /// domain already known is kept as it is, and a FHIR spelling already taken keeps naming
    /// the domain that took it first.
    pub fn add(&mut self, domain: &DomainConfig) {
        let Ok(id) = DomainId::new(&domain.id) else {
            return;
        };
        if self.get(&id).is_some() {
            return;
        }
        let index = self.domains.len();
        let system = domain.fhir_system();
        let mut systems = vec![system.clone(), domain.id.clone()];
        if let Some(oid) = &domain.oid {
            systems.push(format!("urn:oid:{oid}"));
            systems.push(oid.clone());
        }
        if vigie_fhir::identifier::is_oid(&domain.id) {
            systems.push(format!("urn:oid:{}", domain.id));
        }
        for s in systems {
            self.by_system.entry(system_key(&s)).or_insert(index);
        }
        let authority = AssigningAuthority::new(
            domain.namespace.as_deref().unwrap_or(""),
            domain.oid.as_deref().unwrap_or(""),
            if domain.oid.is_some() { "ISO" } else { "" },
        );
        self.domains.push(Domain {
            id,
            authority,
            system,
        });
    }

    /// The domain of an id.
    pub fn get(&self, id: &DomainId) -> Option<&Domain> {
        self.domains.iter().find(|d| &d.id == id)
    }

    /// True when the domain is known.
    pub fn is_known(&self, domain: &DomainId) -> bool {
        self.get(domain).is_some()
    }

    /// Every known domain id, in order (configured ones first, in declaration order).
    pub fn all(&self) -> impl ExactSizeIterator<Item = &DomainId> {
        self.domains.iter().map(|d| &d.id)
    }

    /// The domains of the configuration (without those added at start-up), in declaration
    /// order.
    pub fn configured(&self) -> &[Domain] {
        &self.domains[..self.n_configured]
    }

    // --- FHIR ---

    /// The domain of a FHIR system, if known.
    pub fn domain_of_system(&self, system: &str) -> Option<&DomainId> {
        self.by_system
            .get(&system_key(system))
            .and_then(|&index| self.domains.get(index))
            .map(|d| &d.id)
    }

    /// The FHIR system of a domain: the configured one, or derived from the id for a domain the
    /// registry does not know.
    pub fn system_of(&self, domain: &DomainId) -> String {
        self.get(domain).map_or_else(
            || vigie_fhir::identifier::domain_to_system(domain),
            |d| d.system.clone(),
        )
    }

    /// Rewrites the system of an identifier whose system names a known domain in another
    /// spelling (vigie-fhir writes `urn:oid:<id>` or the id) to the domain's configured system.
    pub fn normalise_identifier(&self, identifier: &mut Identifier) {
        let Some(system) = identifier.system.as_deref() else {
            return;
        };
        if is_ins_system(system) {
            return;
        }
        let Some(domain) = self.domain_of_system(system) else {
            return;
        };
        if let Some(known) = self.get(domain) {
            identifier.system = Some(known.system.clone());
        }
    }

    // --- HL7 v2 ---

    /// The domain an assigning authority names: by OID when it has one, else by namespace; the
    /// domain id itself is accepted for either part.
    pub fn resolve(&self, authority: &AssigningAuthority) -> Option<&Domain> {
        let uid = authority.universal_id.as_deref();
        let ns = authority.namespace.as_deref();
        if uid.is_some()
            && let Some(d) = self.domains.iter().find(|d| {
                same(d.authority.universal_id.as_deref(), uid) || same(Some(d.id.as_str()), uid)
            })
        {
            return Some(d);
        }
        self.domains.iter().find(|d| {
            // A namespace names a domain unless both carry OIDs that differ.
            let oids_conflict = matches!(
                (d.authority.universal_id.as_deref(), uid),
                (Some(a), Some(b)) if a != b
            );
            !oids_conflict
                && (same(d.authority.namespace.as_deref(), ns) || same(Some(d.id.as_str()), ns))
        })
    }

    /// An HL7 query target: a known domain or an INS register.
    pub fn target(&self, authority: &AssigningAuthority) -> Option<Target> {
        if authority.ins_register().is_some() {
            return Some(Target::Ins);
        }
        self.resolve(authority)
            .map(|d| Target::Domain(d.id.clone()))
    }

    /// The full assigning authority of a domain id (the id as namespace when not known).
    pub fn authority(&self, id: &DomainId) -> AssigningAuthority {
        self.get(id)
            .map(|d| d.authority.clone())
            .unwrap_or_else(|| AssigningAuthority::new(id.as_str(), "", ""))
    }
}

/// True for the FHIR systems of the INS registers (NIR, NIA, test, demo).
pub fn is_ins_system(system: &str) -> bool {
    matches!(
        oid_of_system(system.trim()),
        Some(OID_INS_NIR | OID_INS_NIA | OID_INS_NIR_TEST | OID_INS_NIR_DEMO)
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn domain(id: &str, namespace: Option<&str>, oid: Option<&str>) -> DomainConfig {
        DomainConfig {
            id: id.into(),
            namespace: namespace.map(Into::into),
            oid: oid.map(Into::into),
            system: None,
        }
    }

    #[test]
    fn systems_resolve_in_every_spelling() {
        let registry = DomainRegistry::new(&[
            domain("HIMSS2005", None, Some("1.3.6.1.4.1.21367.2005.1.1")),
            domain("1.2.3", None, None),
            DomainConfig {
                system: Some("http://hopital.fr/ipp".into()),
                ..domain("ipp", None, None)
            },
        ]);
        let himss = DomainId::new("HIMSS2005").unwrap();
        assert_eq!(
            registry.domain_of_system("URN:OID:1.3.6.1.4.1.21367.2005.1.1"),
            Some(&himss)
        );
        assert_eq!(
            registry.system_of(&himss),
            "urn:oid:1.3.6.1.4.1.21367.2005.1.1"
        );
        assert_eq!(
            registry.domain_of_system("urn:oid:1.2.3").unwrap().as_str(),
            "1.2.3"
        );
        assert_eq!(
            registry
                .domain_of_system("http://hopital.fr/ipp")
                .unwrap()
                .as_str(),
            "ipp"
        );
        assert!(registry.domain_of_system("urn:oid:9.9").is_none());
        let mut identifier = Identifier::new("HIMSS2005", "A");
        registry.normalise_identifier(&mut identifier);
        assert_eq!(
            identifier.system.as_deref(),
            Some("urn:oid:1.3.6.1.4.1.21367.2005.1.1")
        );
        assert!(is_ins_system("urn:oid:1.2.250.1.213.1.4.8"));
        assert!(!is_ins_system("urn:oid:1.2.3"));
    }

    fn hl7_registry() -> DomainRegistry {
        DomainRegistry::new(&[
            domain(
                "HIMSS2005",
                Some("HIMSS2005"),
                Some("1.3.6.1.4.1.21367.2005.1.1"),
            ),
            domain("domain2", Some("domain2"), None),
        ])
    }

    #[test]
    fn authorities_resolve_by_oid_namespace_or_both() {
        let registry = hl7_registry();
        let by_oid = AssigningAuthority::new("", "1.3.6.1.4.1.21367.2005.1.1", "ISO");
        let by_ns = AssigningAuthority::new("HIMSS2005", "", "");
        let conflicting = AssigningAuthority::new("HIMSS2005", "9.9.9", "ISO");
        assert_eq!(registry.resolve(&by_oid).unwrap().id.as_str(), "HIMSS2005");
        assert_eq!(registry.resolve(&by_ns).unwrap().id.as_str(), "HIMSS2005");
        assert!(registry.resolve(&conflicting).is_none());
        assert_eq!(
            registry.target(&AssigningAuthority::new("", "1.2.250.1.213.1.4.8", "ISO")),
            Some(Target::Ins)
        );
    }

    #[test]
    fn one_domain_answers_both_sides() {
        let mut registry = hl7_registry();
        let himss = DomainId::new("HIMSS2005").unwrap();
        // The OID of the HL7 authority is the FHIR system, and the other way round.
        let authority = registry.authority(&himss);
        let by_authority = registry.resolve(&authority).unwrap();
        assert_eq!(
            registry.domain_of_system(&by_authority.system),
            Some(&himss)
        );
        assert_eq!(
            authority.universal_id.as_deref(),
            oid_of_system(&registry.system_of(&himss))
        );
        // Added domains are known to both sides but are not configured ones.
        registry.add(&domain("DEMO", Some("DEMO"), None));
        let demo = DomainId::new("DEMO").unwrap();
        assert_eq!(registry.domain_of_system("DEMO"), Some(&demo));
        assert_eq!(
            registry
                .resolve(&AssigningAuthority::new("DEMO", "", ""))
                .map(|d| &d.id),
            Some(&demo)
        );
        assert_eq!(registry.all().count(), 3);
        assert_eq!(registry.configured().len(), 2);
        // An unknown id still has a FHIR system and an HL7 authority.
        let other = DomainId::new("other").unwrap();
        assert!(!registry.is_known(&other));
        assert_eq!(
            registry.authority(&other).namespace.as_deref(),
            Some("other")
        );
    }
}
