//! Canonical URLs, code systems and codes of FHIR R4, IHE PIXm / PDQm and FR Core that Vigie
//! reads and writes (sources: `identity-fr.md` §4, `ihe.md` §10–11, FR Core `input/fsh`).

/// `urn:oid:` prefix of identifier systems that are OIDs.
pub const URN_OID: &str = "urn:oid:";

/// FR Core identity reliability extension (RNIV status, comments, collection method…).
pub const EXT_IDENTITY_RELIABILITY: &str =
    "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-identity-reliability";
/// Sub-extension of [`EXT_IDENTITY_RELIABILITY`] carrying the status (`valueCoding`).
pub const SUB_IDENTITY_STATUS: &str = "identityStatus";
/// Sub-extension of [`EXT_IDENTITY_RELIABILITY`] carrying attributes and management codes
/// (`valueCodeableConcept`, repeatable).
pub const SUB_COMMENT: &str = "comment";
/// HL7 birthplace extension (`valueAddress`).
pub const EXT_BIRTH_PLACE: &str = "http://hl7.org/fhir/StructureDefinition/patient-birthPlace";
/// FR Core INSEE code of an address (`valueCoding`), used on the birthplace address.
pub const EXT_ADDRESS_INSEE_CODE: &str =
    "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-address-insee-code";
/// FR Core full list of birth given names on the official name (`valueString`).
pub const EXT_BIRTH_LIST_GIVEN_NAME: &str =
    "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-patient-birth-list-given-name";
/// HL7 match-grade extension on `Bundle.entry.search` (`valueCode`).
pub const EXT_MATCH_GRADE: &str = "http://hl7.org/fhir/StructureDefinition/match-grade";
/// HL7 mother's maiden name extension (`valueString`).
pub const EXT_MOTHERS_MAIDEN_NAME: &str =
    "http://hl7.org/fhir/StructureDefinition/patient-mothersMaidenName";

/// FR Core identity status code system (2026: `PROV`, `RECUP`, `VALI`, `QUAL`).
pub const CS_IDENTITY_STATUS: &str =
    "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-identity-status";
/// FR Core identity status comment code system (attributes and management codes).
pub const CS_IDENTITY_STATUS_COMMENT: &str =
    "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-identity-status-comment";
/// FR Core 2.0.x / 2.1.0 identity reliability code system (v2 table 0445 style): `VALI` there
/// means "validated", and with an INS it is the qualified status of the RNIV.
pub const CS_V2_0445: &str = "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0445";
/// FR Core identifier types (`INS-NIR`, `INS-NIA`, `INS-NIR-TEST`, `INS-NIR-DEMO`…).
pub const CS_FR_V2_0203: &str = "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203";
/// HL7 v2 table 0203 identifier types (`PI`, `NH`…).
pub const CS_V2_0203: &str = "http://terminology.hl7.org/CodeSystem/v2-0203";
/// INSEE communes (mainland and overseas) code system of the ANS terminology server.
pub const CS_INSEE_COMMUNE: &str =
    "https://mos.esante.gouv.fr/NOS/TRE_R13-CommuneOM/FHIR/TRE-R13-CommuneOM";

/// Identifier type code of a patient's local id (IPP).
pub const TYPE_PI: &str = "PI";
/// Identifier type code of the billing NIR (NSS), which shares the INS-NIR OID.
pub const TYPE_NH: &str = "NH";

/// PIXm Patient feed profile.
pub const PROFILE_PIXM_PATIENT: &str =
    "https://profiles.ihe.net/ITI/PIXm/StructureDefinition/IHE.PIXm.Patient";
/// PDQm Patient profile.
pub const PROFILE_PDQM_PATIENT: &str =
    "https://profiles.ihe.net/ITI/PDQm/StructureDefinition/IHE.PDQm.Patient";
/// PIXm `$ihe-pix` output Parameters profile.
pub const PROFILE_PIXM_PARAMETERS_OUT: &str =
    "https://profiles.ihe.net/ITI/PIXm/StructureDefinition/IHE.PIXm.Query.Parameters.Out";
/// PIXm `$ihe-pix` operation definition.
pub const OPERATION_IHE_PIX: &str =
    "https://profiles.ihe.net/ITI/PIXm/OperationDefinition/IHE.PIXm.pix";
/// PDQm `$match` operation definition.
pub const OPERATION_PDQM_MATCH: &str =
    "https://profiles.ihe.net/ITI/PDQm/OperationDefinition/PDQmMatch";
/// PIXm Manager capability statement.
pub const CAPABILITY_PIXM_MANAGER: &str =
    "https://profiles.ihe.net/ITI/PIXm/CapabilityStatement/IHE.PIXm.Manager";
/// PDQm Supplier (Match option) capability statement.
pub const CAPABILITY_PDQM_SUPPLIER_MATCH: &str = "https://profiles.ihe.net/ITI/PDQm/CapabilityStatement/IHE.PDQm.PatientDemographicsSupplierMatch";
