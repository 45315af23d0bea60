//! Domain → `Patient` for responses (PDQm search, `$match`, read): the FR Core shape of an
//! [`IdentityRecord`] and its identifiers.
//!
//! * identifiers: the record's `source`/`local_id` (type `PI`, use `usual`), then the other
//!   business identifiers, without duplicates; the INS only for a **qualified** identity
//!   (RNIV EXI SI 08), in the FR Core INS slice of its register (`INS-NIR` / `INS-NIA` /
//!   `INS-NIR-TEST` / `INS-NIR-DEMO`, use `official`, `temp` for the NIA);
//! * the `official` name carries the birth name, the first given name and the full list in
//!   `birth-list-given-name`; the `usual` name the used name and first name;
//! * `fr-core-identity-reliability`: `identityStatus` in the current FR Core code system and the
//!   attributes and management codes as `comment`s; `patient-birthPlace` with the INSEE code.
//!
//! [`patient_to_domain`](crate::to_domain::patient_to_domain) reads this output back to the same
//! record (tested, and asserted by the fuzz target).

use vigie_core::record::IdentityRecord;
use vigie_core::sex::Sex;

use crate::codes::{
    CS_IDENTITY_STATUS, CS_IDENTITY_STATUS_COMMENT, CS_INSEE_COMMUNE, EXT_ADDRESS_INSEE_CODE,
    EXT_BIRTH_LIST_GIVEN_NAME, EXT_BIRTH_PLACE, EXT_IDENTITY_RELIABILITY, SUB_COMMENT,
    SUB_IDENTITY_STATUS,
};
use crate::date::format_fhir_date;
use crate::identifier::{BusinessIdentifier, DomainIdentifier, ins_identifier};
use crate::patient::{Patient, PatientLink};
use crate::to_domain::{LinkTarget, PatientLinkData};
use crate::types::{
    Address, CodeableConcept, Coding, ContactPoint, Extension, HumanName, Reference,
};

/// What a Patient shows beyond the record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PatientExtras {
    /// Logical id of the Patient resource.
    pub id: Option<String>,
    /// Business identifiers (other domains, NSS…), after the record's own local id.
    pub identifiers: Vec<BusinessIdentifier>,
    /// `active` (`false` for a merged duplicate).
    pub active: Option<bool>,
    /// Links (`replaced-by` the survivor).
    pub links: Vec<PatientLinkData>,
    /// RNIV management codes to show as reliability comments (`DOUA`, `DESA`…).
    pub management_codes: Vec<String>,
}

/// Builds the Patient of a record.
pub fn patient_from_record(record: &IdentityRecord, extras: &PatientExtras) -> Patient {
    let mut patient = Patient {
        id: extras.id.clone(),
        active: extras.active,
        ..Patient::default()
    };
    patient
        .extension
        .push(reliability_extension(record, &extras.management_codes));
    if let Some(code) = &record.birth_place {
        let mut insee = Extension::new(EXT_ADDRESS_INSEE_CODE);
        let mut coding = Coding::default();
        if !code.is_abroad() {
            coding.system = Some(CS_INSEE_COMMUNE.into());
        }
        coding.code = Some(code.as_str().to_owned());
        insee.value_coding = Some(coding);
        let mut birth_place = Extension::new(EXT_BIRTH_PLACE);
        birth_place.value_address = Some(Address {
            extension: vec![insee],
            ..Address::default()
        });
        patient.extension.push(birth_place);
    }

    let mut seen: Vec<&DomainIdentifier> = Vec::new();
    let own = match (&record.source, &record.local_id) {
        (Some(domain), Some(value)) => Some(BusinessIdentifier::local(DomainIdentifier {
            domain: domain.clone(),
            value: value.clone(),
        })),
        _ => None,
    };
    for business in own.iter().chain(&extras.identifiers) {
        if seen.contains(&&business.id) {
            continue;
        }
        seen.push(&business.id);
        patient.identifier.push(business.to_identifier());
    }
    if let Some(ins) = &record.ins
        && record.state.ins_usable()
    {
        patient
            .identifier
            .push(ins_identifier(ins.oid(), ins.matricule()));
    }

    if record.birth_name.is_some() || record.first_names.is_some() {
        let mut name = HumanName {
            use_: Some("official".into()),
            family: record.birth_name.clone(),
            ..HumanName::default()
        };
        if let Some(first_names) = &record.first_names {
            if let Some(first) = first_names.split_whitespace().next() {
                name.given.push(first.to_owned());
            }
            let mut list = Extension::new(EXT_BIRTH_LIST_GIVEN_NAME);
            list.value_string = Some(first_names.clone());
            name.extension.push(list);
        }
        patient.name.push(name);
    }
    if record.used_name.is_some() || record.used_first_name.is_some() {
        patient.name.push(HumanName {
            use_: Some("usual".into()),
            family: record.used_name.clone(),
            given: record.used_first_name.iter().cloned().collect(),
            ..HumanName::default()
        });
    }

    for (system, value) in [("phone", &record.phone), ("email", &record.email)] {
        if let Some(value) = value {
            patient.telecom.push(ContactPoint {
                system: Some(system.into()),
                value: Some(value.clone()),
                ..ContactPoint::default()
            });
        }
    }
    patient.gender = Some(
        match record.sex {
            Sex::Male => "male",
            Sex::Female => "female",
            Sex::Unknown => "unknown",
        }
        .into(),
    );
    patient.birth_date = record.birth_date.as_ref().map(format_fhir_date);
    if record.address.is_some()
        || record.postcode.is_some()
        || record.city.is_some()
        || record.country.is_some()
    {
        patient.address.push(Address {
            line: record.address.iter().cloned().collect(),
            city: record.city.clone(),
            postal_code: record.postcode.clone(),
            country: record.country.clone(),
            ..Address::default()
        });
    }
    for link in &extras.links {
        let other = match &link.target {
            LinkTarget::Identifier(id) => Reference {
                identifier: Some(id.to_identifier()),
                ..Reference::default()
            },
            LinkTarget::Reference(reference) => Reference::to(reference),
        };
        patient.link.push(PatientLink {
            other: Some(other),
            type_: Some(link.kind.code().into()),
            ..PatientLink::default()
        });
    }
    patient
}

fn reliability_extension(record: &IdentityRecord, management_codes: &[String]) -> Extension {
    let mut extension = Extension::new(EXT_IDENTITY_RELIABILITY);
    let mut status = Extension::new(SUB_IDENTITY_STATUS);
    status.value_coding = Some(Coding::new(
        CS_IDENTITY_STATUS,
        record.state.status().code(),
    ));
    extension.extension.push(status);
    let codes = record
        .state
        .attributes()
        .into_iter()
        .map(|a| a.code().to_owned())
        .chain(management_codes.iter().cloned());
    for code in codes {
        let mut comment = Extension::new(SUB_COMMENT);
        comment.value_codeable_concept = Some(CodeableConcept::from_coding(Coding::new(
            CS_IDENTITY_STATUS_COMMENT,
            &code,
        )));
        extension.extension.push(comment);
    }
    extension
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::identifier::classify;
    use crate::to_domain::{ConvertOptions, patient_to_domain};
    use vigie_core::record::{Field, ParseOptions, RawRecord, parse_record};

    fn record(status: &str) -> IdentityRecord {
        let raw = RawRecord::new()
            .with(Field::RecordId, "r1")
            .with(Field::Source, "1.2.250.1.71.1.2.2")
            .with(Field::LocalId, "IPP-1")
            .with(Field::BirthName, "Le Gall")
            .with(Field::UsedName, "Martin")
            .with(Field::FirstNames, "Hélène Marie")
            .with(Field::Sex, "F")
            .with(Field::BirthDate, "1953-07")
            .with(Field::BirthPlaceCode, "2B073")
            .with(Field::Ins, "253072B07300470")
            .with(Field::IdentityStatus, status)
            .with(Field::Phone, "06 12 34 56 78")
            .with(Field::City, "Bastia");
        parse_record(&raw, ParseOptions::default()).unwrap().record
    }

    #[test]
    fn the_ins_is_published_only_when_qualified() {
        let qualified = patient_from_record(&record("QUAL"), &PatientExtras::default());
        assert_eq!(qualified.identifier.len(), 2);
        assert!(matches!(
            classify(&qualified.identifier[1]),
            crate::identifier::IdentifierClass::Ins(_)
        ));
        let validated = patient_from_record(&record("VALI"), &PatientExtras::default());
        assert_eq!(validated.identifier.len(), 1, "no INS for VALI");
        assert_eq!(
            validated.identifier[0].system.as_deref(),
            Some("urn:oid:1.2.250.1.71.1.2.2")
        );
    }

    #[test]
    fn a_record_survives_patient_and_back() {
        for status in ["PROV", "RECUP", "VALI", "QUAL"] {
            let original = record(status);
            let mut expected = original.clone();
            if status != "QUAL" {
                expected.ins = None;
            }
            let extras = PatientExtras {
                id: Some("r1".into()),
                ..PatientExtras::default()
            };
            let patient = patient_from_record(&original, &extras);
            let input = patient_to_domain(&patient, &ConvertOptions::default()).unwrap();
            assert_eq!(input.record, expected, "{status}");
        }
    }

    #[test]
    fn the_official_name_has_one_given_and_the_full_list() {
        let patient = patient_from_record(&record("QUAL"), &PatientExtras::default());
        let official = &patient.name[0];
        assert_eq!(official.given, vec!["Hélène"]);
        assert_eq!(
            official.extension[0].value_string.as_deref(),
            Some("Hélène Marie")
        );
        assert_eq!(patient.name[1].family.as_deref(), Some("Martin"));
    }
}
