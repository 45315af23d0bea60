//! Identifier systems ↔ Vigie domains, and how an `Identifier` is classified: INS (by the INS
//! register OIDs and FR Core types), billing NIR (NSS, type `NH` under the shared NIR OID), or a
//! local identifier of an assigning authority.
//!
//! An OID system `urn:oid:1.2.3` is the domain `1.2.3` (the HL7 v2 universal id of CX-4.2), so
//! the same assigning authority has the same [`DomainId`] whether it arrives over HL7 v2 or
//! FHIR; any other system (an `http(s)` URI) is its own domain, as is.

use vigie_core::ids::{DomainId, IdError, LocalId};
use vigie_core::ins::{InsOid, OID_INS_NIA, OID_INS_NIR, OID_INS_NIR_DEMO, OID_INS_NIR_TEST};

use crate::codes::{CS_FR_V2_0203, CS_V2_0203, TYPE_NH, TYPE_PI, URN_OID};
use crate::types::{CodeableConcept, Coding, Identifier};

/// The OID of an `urn:oid:` system (prefix case-insensitive), `None` for other systems.
pub fn oid_of_system(system: &str) -> Option<&str> {
    let prefix = system.get(..URN_OID.len())?;
    if prefix.eq_ignore_ascii_case(URN_OID) {
        system.get(URN_OID.len()..)
    } else {
        None
    }
}

/// True for a dotted OID (`1.2.250.1`): digits and single dots, no leading or trailing dot.
pub fn is_oid(value: &str) -> bool {
    !value.is_empty()
        && value
            .split('.')
            .all(|arc| !arc.is_empty() && arc.bytes().all(|b| b.is_ascii_digit()))
}

/// The Vigie domain of an identifier system.
///
/// # Errors
/// When the resulting domain is empty, too long or holds control characters.
pub fn system_to_domain(system: &str) -> Result<DomainId, IdError> {
    DomainId::new(oid_of_system(system.trim()).unwrap_or(system))
}

/// The identifier system of a Vigie domain: `urn:oid:` + the OID for OID domains, the domain as
/// is otherwise (a namespace-only HL7 v2 domain must be mapped to a URI by configuration).
pub fn domain_to_system(domain: &DomainId) -> String {
    if is_oid(domain.as_str()) {
        format!("{URN_OID}{}", domain.as_str())
    } else {
        domain.as_str().to_owned()
    }
}

/// A value in a domain: what PIX cross-references.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DomainIdentifier {
    /// Assigning authority.
    pub domain: DomainId,
    /// The value.
    pub value: LocalId,
}

impl DomainIdentifier {
    /// Validates a system and a value.
    ///
    /// # Errors
    /// The first invalid part, with `true` when it is the system.
    pub fn from_system_value(
        system: &str,
        value: &str,
    ) -> Result<DomainIdentifier, (bool, IdError)> {
        let domain = system_to_domain(system).map_err(|e| (true, e))?;
        let value = LocalId::new(value).map_err(|e| (false, e))?;
        Ok(DomainIdentifier { domain, value })
    }

    /// The FHIR identifier system.
    pub fn system(&self) -> String {
        domain_to_system(&self.domain)
    }

    /// The FHIR `Identifier` (system and value only).
    pub fn to_identifier(&self) -> Identifier {
        Identifier::new(&self.system(), self.value.as_str())
    }
}

/// A patient's business identifier other than the INS, as read from or written to
/// `Patient.identifier`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BusinessIdentifier {
    /// Domain and value.
    pub id: DomainIdentifier,
    /// `Identifier.use`.
    pub use_: Option<String>,
    /// The first `Identifier.type` code (`PI`, `NH`, `INS-C`…).
    pub type_code: Option<String>,
}

impl BusinessIdentifier {
    /// A local identifier (IPP, type `PI`, use `usual`).
    pub fn local(id: DomainIdentifier) -> BusinessIdentifier {
        BusinessIdentifier {
            id,
            use_: Some("usual".into()),
            type_code: Some(TYPE_PI.into()),
        }
    }

    /// True for the billing NIR (type `NH`).
    pub fn is_nss(&self) -> bool {
        self.type_code.as_deref() == Some(TYPE_NH)
    }

    /// The FHIR `Identifier`; the type is coded in HL7 v2-0203.
    pub fn to_identifier(&self) -> Identifier {
        let mut identifier = self.id.to_identifier();
        identifier.use_ = self.use_.clone();
        identifier.type_ = self
            .type_code
            .as_deref()
            .map(|code| CodeableConcept::from_coding(Coding::new(CS_V2_0203, code)));
        identifier
    }
}

/// What an `Identifier` is, from its system and type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentifierClass {
    /// An INS of this register.
    Ins(InsOid),
    /// The billing NIR (NSS): INS-NIR OID with type `NH`.
    Nss,
    /// The INS-NIR OID without a type telling INS from NSS: kept as an ordinary identifier.
    UntypedNir,
    /// Any other identifier.
    Other,
}

/// Classifies an identifier. `.9`, `.10`, `.11` are INS registers only; `.8` is an INS only with
/// type `INS-NIR` (FR Core) or `INS` (the HL7 v2 CX-5 code), the NSS with type `NH`.
pub fn classify(identifier: &Identifier) -> IdentifierClass {
    let Some(oid) = identifier
        .system
        .as_deref()
        .map(str::trim)
        .and_then(oid_of_system)
    else {
        return IdentifierClass::Other;
    };
    let has_type = |code: &str| identifier.type_.as_ref().is_some_and(|t| t.has_code(code));
    match oid {
        OID_INS_NIA => IdentifierClass::Ins(InsOid::Nia),
        OID_INS_NIR_TEST => IdentifierClass::Ins(InsOid::Test),
        OID_INS_NIR_DEMO => IdentifierClass::Ins(InsOid::Demo),
        OID_INS_NIR if has_type("INS-NIR") || has_type("INS") => IdentifierClass::Ins(InsOid::Nir),
        OID_INS_NIR if has_type(TYPE_NH) => IdentifierClass::Nss,
        OID_INS_NIR => IdentifierClass::UntypedNir,
        _ => IdentifierClass::Other,
    }
}

/// The FR Core `Identifier` of an INS: system `urn:oid:…`, type from `fr-core-cs-v2-0203`, use
/// `official` (NIR registers) or `temp` (NIA).
pub fn ins_identifier(oid: InsOid, matricule: &str) -> Identifier {
    let mut identifier = Identifier::new(&format!("{URN_OID}{}", oid.as_str()), matricule);
    identifier.use_ = Some(
        if oid == InsOid::Nia {
            "temp"
        } else {
            "official"
        }
        .into(),
    );
    identifier.type_ = Some(CodeableConcept::from_coding(Coding::new(
        CS_FR_V2_0203,
        oid.fr_core_type(),
    )));
    identifier
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn oid_systems_map_to_bare_oids_and_back() {
        let domain = system_to_domain("urn:oid:1.3.6.1.4.1.21367.13.20.1000").unwrap();
        assert_eq!(domain.as_str(), "1.3.6.1.4.1.21367.13.20.1000");
        assert_eq!(
            domain_to_system(&domain),
            "urn:oid:1.3.6.1.4.1.21367.13.20.1000"
        );
        let uri = system_to_domain("http://hopital.fr/namingsystem/ipp").unwrap();
        assert_eq!(domain_to_system(&uri), "http://hopital.fr/namingsystem/ipp");
        assert_eq!(system_to_domain("URN:OID:1.2").unwrap().as_str(), "1.2");
        assert!(system_to_domain("urn:oid:").is_err());
    }

    #[test]
    fn oids_are_recognised() {
        assert!(is_oid("1.2.250.1.213.1.4.8"));
        assert!(!is_oid("1..2") && !is_oid("1.2.") && !is_oid("HIMSS2005") && !is_oid(""));
    }

    fn typed(system: &str, code: Option<&str>) -> Identifier {
        let mut identifier = Identifier::new(system, "x");
        identifier.type_ =
            code.map(|c| CodeableConcept::from_coding(Coding::new(CS_FR_V2_0203, c)));
        identifier
    }

    #[test]
    fn the_nir_oid_needs_a_type() {
        let nir = "urn:oid:1.2.250.1.213.1.4.8";
        assert_eq!(
            classify(&typed(nir, Some("INS-NIR"))),
            IdentifierClass::Ins(InsOid::Nir)
        );
        assert_eq!(
            classify(&typed(nir, Some("INS"))),
            IdentifierClass::Ins(InsOid::Nir)
        );
        assert_eq!(classify(&typed(nir, Some("NH"))), IdentifierClass::Nss);
        assert_eq!(classify(&typed(nir, None)), IdentifierClass::UntypedNir);
        assert_eq!(
            classify(&typed("urn:oid:1.2.250.1.213.1.4.9", None)),
            IdentifierClass::Ins(InsOid::Nia)
        );
        assert_eq!(
            classify(&typed("urn:oid:1.2.250.1.213.1.4.2", Some("INS-C"))),
            IdentifierClass::Other
        );
    }

    #[test]
    fn ins_identifiers_follow_fr_core() {
        let nia = ins_identifier(InsOid::Nia, "260058815400233");
        assert_eq!(nia.use_.as_deref(), Some("temp"));
        assert_eq!(nia.system.as_deref(), Some("urn:oid:1.2.250.1.213.1.4.9"));
        assert!(nia.type_.unwrap().has_code("INS-NIA"));
        let nir = ins_identifier(InsOid::Nir, "260058815400233");
        assert_eq!(nir.use_.as_deref(), Some("official"));
        assert_eq!(classify(&nir), IdentifierClass::Ins(InsOid::Nir));
    }
}
