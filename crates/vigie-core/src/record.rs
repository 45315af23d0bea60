//! The canonical identity record: one registration read from a CSV row, a feed message or the
//! store, with every value validated and every unreadable value kept as unknown plus a finding.
//! INTERFACE STUB: the record parser is being written; the struct below is the contract.

use crate::birthplace::BirthPlaceCode;
use crate::date::PartialDate;
use crate::ids::{DomainId, LocalId, RecordId};
use crate::ins::Ins;
use crate::sex::Sex;
use crate::status::IdentityState;

/// One identity registration, validated. Text fields keep their original (NFC) spelling; the
/// matching keys are computed from them by `normalize` and `phonetics`.
#[derive(Debug, Clone, PartialEq)]
pub struct IdentityRecord {
    /// Row / registration id.
    pub record_id: RecordId,
    /// Assigning authority of `local_id`.
    pub source: Option<DomainId>,
    /// Local patient id (IPP) in `source`.
    pub local_id: Option<LocalId>,
    /// Birth name (strict trait), original spelling.
    pub birth_name: Option<String>,
    /// Used name.
    pub used_name: Option<String>,
    /// Birth first names, original spelling, space-separated as received.
    pub first_names: Option<String>,
    /// Used first name.
    pub used_first_name: Option<String>,
    /// Administrative sex.
    pub sex: Sex,
    /// Birth date.
    pub birth_date: Option<PartialDate>,
    /// INSEE birthplace code.
    pub birth_place: Option<BirthPlaceCode>,
    /// INS with a valid key and an accepted OID.
    pub ins: Option<Ins>,
    /// RNIV status and attributes.
    pub state: IdentityState,
    /// Street address.
    pub address: Option<String>,
    /// Postal code.
    pub postcode: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Country.
    pub country: Option<String>,
    /// Phone number, digits only (international prefix folded to the national form).
    pub phone: Option<String>,
    /// E-mail, lower case.
    pub email: Option<String>,
    /// Another identifier, as received.
    pub other_id: Option<String>,
}
