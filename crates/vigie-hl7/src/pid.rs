//! PID ↔ domain, with the PAM France conventions (identity-fr.md §3): PID-3 identifiers
//! (IPP `PI`, INS `INS` under the NIR/NIA OIDs, billing NIR `NH`, explicit null `""` = delete),
//! PID-5 names (`L` birth name, `D` used name, XPN-2 first given name, XPN-3 full INSi list),
//! PID-7 birth date, PID-8 sex, PID-11 addresses with the `BDL` birthplace (XAD-9 = INSEE COG),
//! PID-13/14 phone and e-mail, PID-32 identity reliability (French table 0445), and the `ZFD`
//! segment.
//!
//! [`Patient`] is the plain-data form of a PID, read from messages and written in replies.
//! [`Patient::identity_record`] turns it into vigie-core's validated [`IdentityRecord`]:
//! the INS is kept only when PID-32 says `VALI` (PAM France §6.6.1: integrate the message, drop
//! the INS), a NIR is preferred to a NIA, and the RNIV status is `QUAL` for `VALI` + a valid
//! INS, `VALI` for `VALI` alone, `PROV` otherwise (identity-fr.md §3.7; v2 has no `RECUP`).
//! [`Patient::from_identity`] is the reverse, for PDQ answers.

use vigie_core::date::{DateError, PartialDate};
use vigie_core::ins::{Ins, InsOid};
use vigie_core::record::{
    Field as RecordField, ParseOptions, RawRecord, RecordError, parse_record,
};
use vigie_core::record::{Finding, IdentityRecord};
use vigie_core::sex::Sex;
use vigie_core::status::{IdentityAttribute, IdentityStatus};

use crate::builder::{FieldValue, SegmentBuilder};
use crate::er7::Segment;
use crate::error::Hl7Error;
use crate::timestamp::{format_birth_date, parse_birth_date};
use crate::types::{
    Address, AssigningAuthority, IdentifierKind, NameType, Nullable, PatientIdentifier, PersonName,
    Telecom,
};

/// PID-32 codes of the French table 0445 that are identity *statuses* in HL7 v2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReliabilityStatus {
    /// `VIDE`: not yet qualified.
    Empty,
    /// `PROV`: provisional (also a recovered identity, identity-fr.md §3.7).
    Provisional,
    /// `VALI`: validated (with an INS: qualified).
    Validated,
}

/// Management codes of the French table 0445 (doublon, collision…), kept as information.
pub const MANAGEMENT_CODES: &[&str] = &[
    "DOUB", "DESA", "DPOT", "DOUA", "COLP", "COLV", "FILI", "CACH", "ANOM", "IDVER", "RECD",
    "IDRA", "USUR", "HOMD", "INVA",
];

/// PID-32 read: the status code, the RNIV attributes and the management codes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IdentityReliability {
    /// `VIDE`, `PROV` or `VALI` (the last one given wins).
    pub status: Option<ReliabilityStatus>,
    /// `DOUT`, `FICT`, `HOMA`.
    pub attributes: Vec<IdentityAttribute>,
    /// Management codes (`DPOT`, `DOUA`, `COLP`…), upper case.
    pub management: Vec<String>,
    /// Codes of no table (international `AL` included), upper case, at most 16 characters.
    pub unknown: Vec<String>,
}

impl IdentityReliability {
    /// Reads PID-32 repetitions (the first component of each).
    pub fn from_codes<'a>(codes: impl IntoIterator<Item = &'a str>) -> IdentityReliability {
        let mut reliability = IdentityReliability::default();
        for code in codes {
            let code = code.trim().to_uppercase();
            match code.as_str() {
                "" => {}
                "VIDE" => reliability.status = Some(ReliabilityStatus::Empty),
                "PROV" => reliability.status = Some(ReliabilityStatus::Provisional),
                "VALI" => reliability.status = Some(ReliabilityStatus::Validated),
                "DOUT" => reliability.attributes.push(IdentityAttribute::Doubtful),
                "FICT" => reliability.attributes.push(IdentityAttribute::Fictitious),
                "HOMA" => reliability.attributes.push(IdentityAttribute::Homonym),
                other if MANAGEMENT_CODES.contains(&other) => {
                    reliability.management.push(other.to_owned());
                }
                other => reliability.unknown.push(other.chars().take(16).collect()),
            }
        }
        reliability
    }

    /// True when the sender says `VALI`.
    pub fn is_validated(&self) -> bool {
        self.status == Some(ReliabilityStatus::Validated)
    }

    /// The PID-32 repetitions to write: status first, then attributes, then management codes.
    pub fn codes(&self) -> Vec<String> {
        let mut codes = Vec::new();
        if let Some(status) = self.status {
            codes.push(
                match status {
                    ReliabilityStatus::Empty => "VIDE",
                    ReliabilityStatus::Provisional => "PROV",
                    ReliabilityStatus::Validated => "VALI",
                }
                .to_owned(),
            );
        }
        codes.extend(self.attributes.iter().map(|a| a.code().to_owned()));
        codes.extend(self.management.iter().cloned());
        codes
    }
}

/// A value of the PID that could not be read: kept as unknown. Never carries the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PidFinding {
    /// PID-7 is not a plausible HL7 date.
    #[error("PID-7 birth date unreadable: {0}")]
    BirthDate(DateError),
    /// PID-8 is not a table-0001 code.
    #[error("PID-8 sex code unknown")]
    Sex,
    /// An INS was sent without `PID-32 = VALI`: dropped (PAM France §6.6.1).
    #[error("INS dropped: the identity is not validated (PID-32 VALI)")]
    InsWithoutValidatedStatus,
    /// Several INS were sent; the one kept is the NIR (then the first valid one).
    #[error("several INS in PID-3: the NIR is kept")]
    SeveralIns,
    /// A PID-32 code is in no table.
    #[error("PID-32 code unknown")]
    ReliabilityCode,
}

/// The PAM France `ZFD` segment (§6.18).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Zfd {
    /// ZFD-1 lunar date, raw.
    pub lunar_date: Option<String>,
    /// ZFD-2 weeks of gestation, raw.
    pub gestation_weeks: Option<String>,
    /// ZFD-3 SMS consent.
    pub sms_consent: Option<bool>,
    /// ZFD-4 birth date corrected (ANS rules 9 and 10).
    pub corrected_birth_date: Option<bool>,
    /// ZFD-5 how the identity was obtained (`SM`, `CV`, `INSI`, `CB`, `RFID`).
    pub identity_method: Option<String>,
    /// ZFD-6 INSi query date, raw (HL7 date).
    pub insi_query_date: Option<String>,
    /// ZFD-7 document checked (`CN`, `PA`, `AV`…).
    pub document_type: Option<String>,
    /// ZFD-8 document expiry date, raw.
    pub document_expiry: Option<String>,
}

impl Zfd {
    /// Reads a ZFD segment.
    pub fn read(segment: &Segment<'_>) -> Zfd {
        let text = |n| {
            let value = segment.field(n).text();
            let value = value.trim();
            (!value.is_empty()).then(|| value.to_owned())
        };
        let flag = |n| match text(n).as_deref() {
            Some("Y") => Some(true),
            Some("N") => Some(false),
            _ => None,
        };
        Zfd {
            lunar_date: text(1),
            gestation_weeks: text(2),
            sms_consent: flag(3),
            corrected_birth_date: flag(4),
            identity_method: text(5),
            insi_query_date: text(6),
            document_type: text(7),
            document_expiry: text(8),
        }
    }
}

/// A patient as a PID carries it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Patient {
    /// PID-1 set id.
    pub set_id: Option<String>,
    /// PID-3, in order (deletions `""` included).
    pub identifiers: Vec<PatientIdentifier>,
    /// PID-5 repetitions.
    pub names: Vec<PersonName>,
    /// PID-6 mother's maiden name (family name).
    pub mother_maiden_name: Option<String>,
    /// PID-7.
    pub birth_date: Option<PartialDate>,
    /// PID-8.
    pub sex: Option<Sex>,
    /// PID-11 repetitions other than the birthplace.
    pub addresses: Vec<Address>,
    /// PID-11 repetition with `XAD-7 = BDL`.
    pub birth_place: Option<Address>,
    /// PID-13 (home) then PID-14 (business) repetitions.
    pub telecoms: Vec<Telecom>,
    /// PID-18 patient account number.
    pub account_number: Option<PatientIdentifier>,
    /// PID-31 = `Y`: identity unknown.
    pub identity_unknown: bool,
    /// PID-32.
    pub reliability: IdentityReliability,
    /// PID fields sent as the explicit null `""` (delete the stored value).
    pub null_fields: Vec<u32>,
}

/// A PID turned into a validated record.
#[derive(Debug, Clone, PartialEq)]
pub struct MappedRecord {
    /// The record; unreadable values are unknown.
    pub record: IdentityRecord,
    /// vigie-core's findings on the values.
    pub findings: Vec<Finding>,
    /// Mapping decisions (INS dropped…).
    pub notes: Vec<PidFinding>,
}

impl Patient {
    /// Reads a PID segment. PID-3 (at least one identifier) and PID-5 (at least one name) are
    /// required; unreadable optional values are findings, not errors.
    ///
    /// # Errors
    /// `101` at `PID^n^3` or `PID^n^5`.
    pub fn read(segment: &Segment<'_>) -> Result<(Patient, Vec<PidFinding>), Hl7Error> {
        let (patient, findings) = Patient::read_lenient(segment);
        if patient.identifiers.is_empty() {
            return Err(Hl7Error::missing(segment.location(3)));
        }
        if patient.names.is_empty() {
            return Err(Hl7Error::missing(segment.location(5)));
        }
        Ok((patient, findings))
    }

    /// Reads whatever the PID holds, never failing.
    pub fn read_lenient(segment: &Segment<'_>) -> (Patient, Vec<PidFinding>) {
        let mut findings = Vec::new();
        let mut patient = Patient {
            set_id: Some(segment.field(1).text().trim().to_owned()).filter(|s| !s.is_empty()),
            ..Patient::default()
        };
        for n in [3u32, 5, 6, 7, 8, 11, 13, 14, 18, 31, 32] {
            if segment.field(n as usize).is_null() {
                patient.null_fields.push(n);
            }
        }
        patient.identifiers = segment
            .field(3)
            .repetitions()
            .filter_map(|rep| PatientIdentifier::from_repetition(&rep))
            .collect();
        patient.names = segment
            .field(5)
            .repetitions()
            .filter_map(|rep| PersonName::from_repetition(&rep))
            .filter(|name| {
                name.family.value().is_some() || name.family.is_null() || name.given.is_some()
            })
            .collect();
        let maiden = segment.field(6).component(1).text();
        patient.mother_maiden_name =
            Some(maiden.trim().to_owned()).filter(|s| !s.is_empty() && s != "\"\"");
        let birth = segment.field(7).component(1).text();
        if !birth.trim().is_empty() && !segment.field(7).is_null() {
            match parse_birth_date(&birth) {
                Ok(date) => patient.birth_date = Some(date),
                Err(error) => findings.push(PidFinding::BirthDate(error)),
            }
        }
        let sex = segment.field(8).text();
        if !sex.trim().is_empty() && !segment.field(8).is_null() {
            match Sex::parse(&sex) {
                Some(sex) => patient.sex = Some(sex),
                None => findings.push(PidFinding::Sex),
            }
        }
        for address in segment
            .field(11)
            .repetitions()
            .filter_map(|rep| Address::from_repetition(&rep))
        {
            if address.is_birthplace() {
                patient.birth_place.get_or_insert(address);
            } else {
                patient.addresses.push(address);
            }
        }
        patient.telecoms = [13, 14]
            .iter()
            .flat_map(|&n| segment.field(n).repetitions())
            .filter_map(|rep| Telecom::from_repetition(&rep))
            .collect();
        patient.account_number =
            PatientIdentifier::from_repetition(&segment.field(18).repetition(1));
        patient.identity_unknown = segment.field(31).text().trim() == "Y";
        let codes: Vec<String> = segment
            .field(32)
            .repetitions()
            .map(|rep| rep.component(1).text().into_owned())
            .collect();
        patient.reliability = IdentityReliability::from_codes(codes.iter().map(String::as_str));
        if !patient.reliability.unknown.is_empty() {
            findings.push(PidFinding::ReliabilityCode);
        }
        (patient, findings)
    }

    /// The INS identifiers sent (with a value), NIR first.
    pub fn ins_identifiers(&self) -> Vec<(&PatientIdentifier, InsOid)> {
        let mut ins: Vec<(&PatientIdentifier, InsOid)> = self
            .identifiers
            .iter()
            .filter(|id| id.id().is_some())
            .filter_map(|id| match id.kind() {
                IdentifierKind::Ins(register) => Some((id, register)),
                _ => None,
            })
            .collect();
        ins.sort_by_key(|(_, register)| *register == InsOid::Nia);
        ins
    }

    /// True when PID-3 deletes an INS (`""^^^<INS authority>^INS`, PAM France §4.4.3).
    pub fn deletes_ins(&self) -> bool {
        self.identifiers
            .iter()
            .any(|id| id.id().is_none() && matches!(id.kind(), IdentifierKind::Ins(_)))
    }

    /// The birthplace INSEE code (XAD-9 of the `BDL` repetition).
    pub fn birth_place_code(&self) -> Option<&str> {
        self.birth_place.as_ref()?.county_code.as_deref()
    }

    /// The local identifier (IPP): the first identifier with a value in `source` when given,
    /// else the first `PI` (or untyped) identifier that is neither an INS nor a billing NIR.
    pub fn local_identifier(
        &self,
        source: Option<&AssigningAuthority>,
    ) -> Option<&PatientIdentifier> {
        let candidates = || {
            self.identifiers
                .iter()
                .filter(|id| id.id().is_some() && id.kind() == IdentifierKind::Other)
        };
        match source {
            Some(source) => candidates().find(|id| id.authority.same_as(source)),
            None => candidates()
                .find(|id| matches!(id.type_code.as_deref(), Some("PI") | None))
                .or_else(|| candidates().next()),
        }
    }

    fn name_of(&self, wanted: &NameType) -> Option<&PersonName> {
        self.names.iter().find(|name| &name.name_type == wanted)
    }

    fn family_of(&self, wanted: &NameType) -> Option<&str> {
        self.names
            .iter()
            .filter(|name| &name.name_type == wanted)
            .find_map(|name| name.family.value().map(String::as_str))
    }

    /// Birth name: the `B` name when sent (international feeds), else `L` (PAM France), else
    /// the first name without a type.
    pub fn birth_name(&self) -> Option<&str> {
        self.family_of(&NameType::Birth)
            .or_else(|| self.family_of(&NameType::Legal))
            .or_else(|| self.family_of(&NameType::Absent))
            .or_else(|| {
                self.names
                    .first()
                    .and_then(|n| n.family.value().map(String::as_str))
            })
    }

    /// Used name: the `D` name; with a `B` birth name, the `L` (legal) name when it differs.
    pub fn used_name(&self) -> Option<&str> {
        if let Some(used) = self.family_of(&NameType::Display) {
            return Some(used);
        }
        let birth = self.family_of(&NameType::Birth)?;
        self.family_of(&NameType::Legal)
            .filter(|legal| *legal != birth)
    }

    /// Birth given names (space separated) from the first `L` (or `B`, or untyped) name that
    /// has some.
    pub fn first_names(&self) -> Option<String> {
        [NameType::Legal, NameType::Birth, NameType::Absent]
            .iter()
            .flat_map(|t| self.names.iter().filter(move |n| &n.name_type == t))
            .find_map(PersonName::given_names)
    }

    /// Used first name: XPN-2 of the `D` name.
    pub fn used_first_name(&self) -> Option<&str> {
        self.name_of(&NameType::Display)?.given.as_deref()
    }

    /// Maps the patient to a validated [`IdentityRecord`] (see the module documentation).
    /// `source` selects the local identifier's domain (see [`Patient::local_identifier`]).
    ///
    /// # Errors
    /// Only when `record_id` is not a valid identifier.
    pub fn identity_record(
        &self,
        record_id: &str,
        source: Option<&AssigningAuthority>,
        options: ParseOptions,
    ) -> Result<MappedRecord, RecordError> {
        let mut notes = Vec::new();
        let local = self.local_identifier(source);
        let source_key = local
            .and_then(|id| id.authority.key())
            .or_else(|| source.and_then(AssigningAuthority::key));
        let all_ins = self.ins_identifiers();
        let mut chosen: Option<(&str, &str, bool)> = None;
        if !all_ins.is_empty() {
            if !self.reliability.is_validated() {
                notes.push(PidFinding::InsWithoutValidatedStatus);
            } else {
                if all_ins.len() > 1 {
                    notes.push(PidFinding::SeveralIns);
                }
                let oid_of = |register: InsOid| register.as_str();
                let valid = all_ins.iter().find(|(id, register)| {
                    Ins::parse(
                        id.id().unwrap_or(""),
                        Some(oid_of(*register)),
                        options.allow_test_oids,
                    )
                    .is_ok()
                });
                chosen = valid
                    .map(|(id, register)| (id.id().unwrap_or(""), oid_of(*register), true))
                    .or_else(|| {
                        all_ins
                            .first()
                            .map(|(id, register)| (id.id().unwrap_or(""), oid_of(*register), false))
                    });
            }
        }
        let status = match (self.reliability.status, chosen) {
            (Some(ReliabilityStatus::Validated), Some((_, _, true))) => IdentityStatus::Qualified,
            (Some(ReliabilityStatus::Validated), _) => IdentityStatus::Validated,
            _ => IdentityStatus::Provisional,
        };
        let attributes: Vec<&str> = self
            .reliability
            .attributes
            .iter()
            .map(|a| a.code())
            .collect();
        let attributes = attributes.join(" ");
        let first_names = self.first_names();
        let birth_date = self.birth_date.map(|d| d.to_string());
        let sex = self.sex.map(|s| s.code());
        let address = self
            .addresses
            .iter()
            .find(|a| a.address_type.as_deref() == Some("H"))
            .or_else(|| self.addresses.first());
        let street = address.and_then(Address::street_lines);
        let phone = self.telecoms.iter().find_map(|t| t.number.as_deref());
        let email = self.telecoms.iter().find_map(|t| t.email.as_deref());

        let mut raw = RawRecord::new().with(RecordField::RecordId, record_id);
        let values = [
            (RecordField::Source, source_key),
            (RecordField::LocalId, local.and_then(PatientIdentifier::id)),
            (RecordField::BirthName, self.birth_name()),
            (RecordField::UsedName, self.used_name()),
            (RecordField::FirstNames, first_names.as_deref()),
            (RecordField::UsedFirstName, self.used_first_name()),
            (RecordField::Sex, sex),
            (RecordField::BirthDate, birth_date.as_deref()),
            (RecordField::BirthPlaceCode, self.birth_place_code()),
            (RecordField::Ins, chosen.map(|c| c.0)),
            (RecordField::InsOid, chosen.map(|c| c.1)),
            (RecordField::IdentityStatus, Some(status.code())),
            (RecordField::IdentityAttributes, Some(attributes.as_str())),
            (RecordField::Address, street.as_deref()),
            (
                RecordField::Postcode,
                address.and_then(|a| a.postcode.as_deref()),
            ),
            (RecordField::City, address.and_then(|a| a.city.as_deref())),
            (
                RecordField::Country,
                address.and_then(|a| a.country.as_deref()),
            ),
            (RecordField::Phone, phone),
            (RecordField::Email, email),
        ];
        for (field, value) in values {
            if let Some(value) = value {
                raw.set(field, value);
            }
        }
        let parsed = parse_record(&raw, options)?;
        Ok(MappedRecord {
            record: parsed.record,
            findings: parsed.findings,
            notes,
        })
    }

    /// A patient for a reply from a stored record and its identifiers (cross-referenced ids,
    /// fully qualified). The INS is added only for a qualified identity (RNIV EXI SI 08);
    /// PID-32 is `VALI` for a validated or qualified identity, `PROV` otherwise, plus the
    /// attributes. Names follow PAM France: `L` birth name with XPN-2 the first given name and
    /// XPN-3 the full list, `D` used name.
    pub fn from_identity(record: &IdentityRecord, identifiers: Vec<PatientIdentifier>) -> Patient {
        let mut identifiers = identifiers;
        if let (Some(ins), true) = (&record.ins, record.state.ins_usable()) {
            let namespace = if ins.is_nia() {
                "ASIP-SANTE-INS-NIA"
            } else {
                "ASIP-SANTE-INS-NIR"
            };
            let oid = ins.oid().as_str();
            identifiers.push(PatientIdentifier::new(
                ins.matricule(),
                AssigningAuthority::new(namespace, oid, "ISO"),
                Some("INS"),
            ));
        }
        let mut names = Vec::new();
        let first_given = record
            .first_names
            .as_deref()
            .and_then(|list| list.split(' ').next())
            .map(str::to_owned);
        if record.birth_name.is_some() || record.first_names.is_some() {
            names.push(PersonName {
                family: record
                    .birth_name
                    .clone()
                    .map_or(Nullable::Absent, Nullable::Value),
                given: first_given,
                further_given: record.first_names.clone(),
                suffix: None,
                prefix: None,
                name_type: NameType::Legal,
            });
        }
        if record.used_name.is_some() || record.used_first_name.is_some() {
            names.push(PersonName {
                family: record
                    .used_name
                    .clone()
                    .map_or(Nullable::Absent, Nullable::Value),
                given: record.used_first_name.clone(),
                further_given: None,
                suffix: None,
                prefix: None,
                name_type: NameType::Display,
            });
        }
        let address = Address {
            street: record.address.clone(),
            city: record.city.clone(),
            postcode: record.postcode.clone(),
            country: record.country.clone(),
            address_type: Some("H".to_owned()),
            ..Address::default()
        };
        let has_address = address.street.is_some()
            || address.city.is_some()
            || address.postcode.is_some()
            || address.country.is_some();
        let birth_place = record.birth_place.as_ref().map(|code| Address {
            address_type: Some("BDL".to_owned()),
            county_code: Some(code.as_str().to_owned()),
            ..Address::default()
        });
        let mut telecoms = Vec::new();
        if let Some(phone) = &record.phone {
            telecoms.push(Telecom {
                use_code: Some("PRN".to_owned()),
                equipment: Some("PH".to_owned()),
                number: Some(phone.clone()),
                email: None,
            });
        }
        if let Some(email) = &record.email {
            telecoms.push(Telecom {
                use_code: Some("NET".to_owned()),
                equipment: Some("Internet".to_owned()),
                number: None,
                email: Some(email.clone()),
            });
        }
        let status = match record.state.status() {
            IdentityStatus::Validated | IdentityStatus::Qualified => ReliabilityStatus::Validated,
            IdentityStatus::Provisional | IdentityStatus::Recovered => {
                ReliabilityStatus::Provisional
            }
        };
        Patient {
            identifiers,
            names,
            birth_date: record.birth_date,
            sex: Some(record.sex),
            addresses: if has_address { vec![address] } else { vec![] },
            birth_place,
            telecoms,
            reliability: IdentityReliability {
                status: Some(status),
                attributes: record.state.attributes(),
                ..IdentityReliability::default()
            },
            ..Patient::default()
        }
    }

    /// The PID segment of this patient.
    pub fn to_segment(&self) -> SegmentBuilder {
        let mut pid = SegmentBuilder::new("PID");
        if let Some(set_id) = &self.set_id {
            pid.set(1, set_id.as_str());
        }
        pid.set(
            3,
            FieldValue::repetitions(
                self.identifiers
                    .iter()
                    .map(PatientIdentifier::to_components)
                    .collect(),
            ),
        );
        pid.set(
            5,
            FieldValue::repetitions(self.names.iter().map(PersonName::to_components).collect()),
        );
        if let Some(maiden) = &self.mother_maiden_name {
            pid.set(6, maiden.as_str());
        }
        if let Some(date) = &self.birth_date {
            pid.set(7, format_birth_date(date));
        }
        if let Some(sex) = self.sex {
            pid.set(8, sex.code());
        }
        let addresses: Vec<Vec<Vec<String>>> = self
            .addresses
            .iter()
            .chain(self.birth_place.as_ref())
            .map(Address::to_components)
            .collect();
        pid.set(11, FieldValue::repetitions(addresses));
        pid.set(
            13,
            FieldValue::repetitions(self.telecoms.iter().map(Telecom::to_components).collect()),
        );
        if let Some(account) = &self.account_number {
            pid.set(18, FieldValue::repetitions(vec![account.to_components()]));
        }
        if self.identity_unknown {
            pid.set(31, "Y");
        }
        let codes = self.reliability.codes();
        pid.set(
            32,
            FieldValue::repetitions(codes.into_iter().map(|c| vec![vec![c]]).collect()),
        );
        for &n in &self.null_fields {
            if pid.get(n as usize).is_none_or(FieldValue::is_empty) {
                pid.set(n as usize, FieldValue::raw("\"\""));
            }
        }
        pid
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::er7::Message;

    const A31: &str = "MSH|^~\\&|Gazelle|PAM_FR|PatientManager|PAM_FR|20210318151910||ADT^A31^ADT_A05|20210318151910|P|2.5^FRA^2.10||||||UNICODE UTF-8\rEVN||20210318151910\rPID|1||1900068^^^&350000121&M^PI~260058815400244^^^ASIP-SANTE-INS-NIA&1.2.250.1.213.1.4.9&ISO^INS~260058815400233^^^ASIP-SANTE-INS-NIR&1.2.250.1.213.1.4.8&ISO^INS||^MARIE-CECILE^^^^^D~DARK^JEANNE^JEANNE MARIE CECILE^^Mme^^L||19600530|F|||^^^^^FRA^BDL^^88154|||||S|||||||||1|||||N||VALI\r";

    fn pid(text: &str) -> (Patient, Vec<PidFinding>) {
        let message = Message::parse(text).unwrap();
        Patient::read(&message.segment("PID").unwrap()).unwrap()
    }

    #[test]
    fn pam_france_a31_maps_to_a_qualified_record() {
        let (patient, findings) = pid(A31);
        assert_eq!(findings, vec![]);
        assert_eq!(patient.birth_place_code(), Some("88154"));
        let mapped = patient
            .identity_record("r1", None, ParseOptions::default())
            .unwrap();
        let record = &mapped.record;
        assert_eq!(
            record.local_id.as_ref().map(|i| i.as_str()),
            Some("1900068")
        );
        assert_eq!(
            record.source.as_ref().map(|i| i.as_str()),
            Some("350000121")
        );
        assert_eq!(record.birth_name.as_deref(), Some("DARK"));
        assert_eq!(record.first_names.as_deref(), Some("JEANNE MARIE CECILE"));
        assert_eq!(record.used_first_name.as_deref(), Some("MARIE-CECILE"));
        assert_eq!(record.used_name, None);
        assert_eq!(
            record.ins.as_ref().map(|i| i.matricule()),
            Some("260058815400233")
        );
        assert_eq!(record.state.status(), IdentityStatus::Qualified);
        assert_eq!(mapped.notes, vec![PidFinding::SeveralIns]);
    }

    #[test]
    fn an_ins_without_vali_is_dropped() {
        let text = A31.replace("||VALI\r", "||PROV\r");
        let (patient, _) = pid(&text);
        let mapped = patient
            .identity_record("r1", None, ParseOptions::default())
            .unwrap();
        assert_eq!(mapped.record.ins, None);
        assert_eq!(mapped.record.state.status(), IdentityStatus::Provisional);
        assert_eq!(mapped.notes, vec![PidFinding::InsWithoutValidatedStatus]);
    }

    #[test]
    fn round_trip_through_the_segment() {
        let (patient, _) = pid(A31);
        let mut out = String::new();
        patient.to_segment().write(&mut out);
        let back = pid(&format!("MSH|^~\\&|A\r{out}\r")).0;
        assert_eq!(back, patient);
    }

    #[test]
    fn from_identity_publishes_the_ins_only_when_qualified() {
        let (patient, _) = pid(A31);
        let record = patient
            .identity_record("r1", None, ParseOptions::default())
            .unwrap()
            .record;
        let ipp = patient.identifiers[0].clone();
        let out = Patient::from_identity(&record, vec![ipp.clone()]);
        assert_eq!(out.identifiers.len(), 2);
        assert_eq!(out.reliability.codes(), vec!["VALI"]);
        assert_eq!(out.birth_place_code(), Some("88154"));
        let back = out
            .identity_record("r2", None, ParseOptions::default())
            .unwrap()
            .record;
        assert_eq!(back.first_names, record.first_names);
        assert_eq!(back.ins, record.ins);
        let text = A31.replace("||VALI\r", "||PROV~DOUT\r");
        let (patient, _) = pid(&text);
        let record = patient
            .identity_record("r1", None, ParseOptions::default())
            .unwrap()
            .record;
        let out = Patient::from_identity(&record, vec![ipp]);
        assert_eq!(out.identifiers.len(), 1);
        assert_eq!(out.reliability.codes(), vec!["PROV", "DOUT"]);
    }

    #[test]
    fn missing_identifiers_or_names_are_101() {
        let message = Message::parse("MSH|^~\\&|A\rPID|1||||X\r").unwrap();
        let err = Patient::read(&message.segment("PID").unwrap()).unwrap_err();
        assert_eq!(err.location.unwrap().to_string(), "PID^1^3");
        let message = Message::parse("MSH|^~\\&|A\rPID|1||X^^^NS\r").unwrap();
        let err = Patient::read(&message.segment("PID").unwrap()).unwrap_err();
        assert_eq!(err.location.unwrap().to_string(), "PID^1^5");
    }
}
