//! The identifier domains the server knows (`[[domains]]` of the configuration): FHIR system ↔
//! store [`DomainId`], in both directions.
//!
//! A domain is reached from FHIR by its configured `system`, by `urn:oid:<oid>` (or the bare OID,
//! which is what vigie-fhir makes of an `urn:oid:` system), or by its id; `urn:oid:` is matched without regard
//! to case. The INS registers (`urn:oid:1.2.250.1.213.1.4.8` …) are not domains: the INS is a
//! national identifier shown through [`is_ins_system`].

use std::collections::HashMap;

use vigie_core::ids::DomainId;
use vigie_core::ins::{OID_INS_NIA, OID_INS_NIR, OID_INS_NIR_DEMO, OID_INS_NIR_TEST};
use vigie_fhir::identifier::oid_of_system;
use vigie_fhir::types::Identifier;

use crate::config::DomainConfig;

/// The known domains.
#[derive(Debug, Clone, Default)]
pub struct DomainRegistry {
    by_system: HashMap<String, DomainId>,
    system_of: HashMap<DomainId, String>,
    order: Vec<DomainId>,
}

fn system_key(system: &str) -> String {
    let system = system.trim();
    match oid_of_system(system) {
        Some(oid) => format!("urn:oid:{oid}"),
        None => system.to_owned(),
    }
}

impl DomainRegistry {
    /// Builds the registry; domains whose id is not a valid [`DomainId`] are skipped (the
    /// configuration check refuses them earlier).
    pub fn new(domains: &[DomainConfig]) -> DomainRegistry {
        let mut registry = DomainRegistry::default();
        for domain in domains {
            registry.add(domain);
        }
        registry
    }

    /// Adds a domain (a later declaration of the same system does not override an earlier one).
    pub fn add(&mut self, domain: &DomainConfig) {
        let Ok(id) = DomainId::new(&domain.id) else {
            return;
        };
        if self.system_of.contains_key(&id) {
            return;
        }
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
            self.by_system.entry(system_key(&s)).or_insert(id.clone());
        }
        self.system_of.insert(id.clone(), system);
        self.order.push(id);
    }

    /// The domain of a FHIR system, if known.
    pub fn domain_of_system(&self, system: &str) -> Option<&DomainId> {
        self.by_system.get(&system_key(system))
    }

    /// The FHIR system of a domain: the configured one, or derived from the id for a domain the
    /// configuration does not list.
    pub fn system_of(&self, domain: &DomainId) -> String {
        self.system_of
            .get(domain)
            .cloned()
            .unwrap_or_else(|| vigie_fhir::identifier::domain_to_system(domain))
    }

    /// True when the domain is configured.
    pub fn is_known(&self, domain: &DomainId) -> bool {
        self.system_of.contains_key(domain)
    }

    /// Every configured domain, in declaration order.
    pub fn all(&self) -> &[DomainId] {
        &self.order
    }

    /// Rewrites the system of an identifier whose system names a configured domain in another
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
        if let Some(configured) = self.system_of.get(domain) {
            identifier.system = Some(configured.clone());
        }
    }
}

/// True for the systems of the INS registers (NIR, NIA, test, demo).
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

    fn domain(id: &str, oid: Option<&str>, system: Option<&str>) -> DomainConfig {
        DomainConfig {
            id: id.into(),
            namespace: None,
            oid: oid.map(Into::into),
            system: system.map(Into::into),
        }
    }

    #[test]
    fn systems_resolve_in_every_spelling() {
        let registry = DomainRegistry::new(&[
            domain("HIMSS2005", Some("1.3.6.1.4.1.21367.2005.1.1"), None),
            domain("1.2.3", None, None),
            domain("ipp", None, Some("http://hopital.fr/ipp")),
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
}
