//! The private, versioned on-disk encoding: every value is one format-version byte followed by
//! its JSON body. An unknown version byte or an unreadable body is a typed
//! [`StoreError::DataCorruption`] naming the column family and key length, never the content.
//!
//! Vocabulary types of `vigie-core` (which has no serde) go through private DTOs here: records
//! are stored field by field in their validated form and re-validated when read back.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use vigie_core::birthplace::BirthPlaceCode;
use vigie_core::date::PartialDate;
use vigie_core::ids::{DomainId, EnterpriseId, LocalId, RecordId};
use vigie_core::ins::Ins;
use vigie_core::record::IdentityRecord;
use vigie_core::sex::Sex;
use vigie_core::status::{IdentityState, IdentityStatus};

use crate::{SourceKey, StoreError};

/// Version byte of every value written by this version.
pub const VALUE_FORMAT: u8 = 1;

/// Encodes a value: version byte + JSON.
pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    let mut out = Vec::with_capacity(128);
    out.push(VALUE_FORMAT);
    serde_json::to_writer(&mut out, value)
        .map_err(|e| StoreError::Internal(format!("encoding failed: {e}")))?;
    Ok(out)
}

/// Decodes a value written by [`encode`]; `what` names the column family for errors.
pub fn decode<T: DeserializeOwned>(what: &str, bytes: &[u8]) -> Result<T, StoreError> {
    match bytes.split_first() {
        Some((&VALUE_FORMAT, body)) => serde_json::from_slice(body).map_err(|e| {
            StoreError::DataCorruption(format!(
                "{what}: unreadable value of {} bytes (line {}, column {})",
                bytes.len(),
                e.line(),
                e.column()
            ))
        }),
        Some((version, _)) => Err(StoreError::DataCorruption(format!(
            "{what}: unknown value format version {version}"
        ))),
        None => Err(StoreError::DataCorruption(format!("{what}: empty value"))),
    }
}

/// The stored form of an [`IdentityRecord`].
#[derive(Serialize, Deserialize)]
struct RecordDto {
    id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    src: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    un: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fn_: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ufn: Option<String>,
    sex: String,
    /// Year, month (0 unknown), day (0 unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    dob: Option<(u16, u8, u8)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bp: Option<String>,
    /// Matricule and OID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ins: Option<(String, String)>,
    /// Status code and attribute flags (doubtful, fictitious, homonym).
    st: (String, bool, bool, bool),
    #[serde(default, skip_serializing_if = "Option::is_none")]
    addr: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pc: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ctry: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tel: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mail: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    oth: Option<String>,
}

fn corrupt(what: &str) -> StoreError {
    StoreError::DataCorruption(format!("record: invalid {what}"))
}

impl RecordDto {
    fn from_record(r: &IdentityRecord) -> RecordDto {
        RecordDto {
            id: r.record_id.as_str().to_owned(),
            src: r.source.as_ref().map(|d| d.as_str().to_owned()),
            lid: r.local_id.as_ref().map(|d| d.as_str().to_owned()),
            bn: r.birth_name.clone(),
            un: r.used_name.clone(),
            fn_: r.first_names.clone(),
            ufn: r.used_first_name.clone(),
            sex: r.sex.code().to_owned(),
            dob: r
                .birth_date
                .map(|d| (d.year(), d.month().unwrap_or(0), d.day().unwrap_or(0))),
            bp: r.birth_place.as_ref().map(|b| b.as_str().to_owned()),
            ins: r
                .ins
                .as_ref()
                .map(|i| (i.matricule().to_owned(), i.oid().as_str().to_owned())),
            st: (
                r.state.status().code().to_owned(),
                r.state.doubtful(),
                r.state.fictitious(),
                r.state.homonym(),
            ),
            addr: r.address.clone(),
            pc: r.postcode.clone(),
            city: r.city.clone(),
            ctry: r.country.clone(),
            tel: r.phone.clone(),
            mail: r.email.clone(),
            oth: r.other_id.clone(),
        }
    }

    fn into_record(self) -> Result<IdentityRecord, StoreError> {
        let birth_date = match self.dob {
            None => None,
            Some((y, 0, _)) => Some(PartialDate::Year(y)),
            Some((y, m, 0)) => Some(PartialDate::YearMonth(y, m)),
            Some((y, m, d)) => Some(PartialDate::Full(y, m, d)),
        };
        let status: IdentityStatus = self.st.0.parse().map_err(|_| corrupt("status"))?;
        let (state, _) = IdentityState::new(status, self.st.1, self.st.2, self.st.3);
        Ok(IdentityRecord {
            record_id: RecordId::new(&self.id).map_err(|_| corrupt("record id"))?,
            source: self
                .src
                .map(|s| DomainId::new(&s))
                .transpose()
                .map_err(|_| corrupt("source"))?,
            local_id: self
                .lid
                .map(|s| LocalId::new(&s))
                .transpose()
                .map_err(|_| corrupt("local id"))?,
            birth_name: self.bn,
            used_name: self.un,
            first_names: self.fn_,
            used_first_name: self.ufn,
            sex: Sex::parse(&self.sex).ok_or_else(|| corrupt("sex"))?,
            birth_date,
            birth_place: self
                .bp
                .map(|b| BirthPlaceCode::try_parse(&b))
                .transpose()
                .map_err(|_| corrupt("birthplace"))?,
            ins: self
                .ins
                .map(|(m, o)| Ins::parse(&m, Some(&o), true))
                .transpose()
                .map_err(|_| corrupt("ins"))?,
            state,
            address: self.addr,
            postcode: self.pc,
            city: self.city,
            country: self.ctry,
            phone: self.tel,
            email: self.mail,
            other_id: self.oth,
        })
    }
}

/// `#[serde(with = "record_serde")]` for [`IdentityRecord`] fields.
pub mod record_serde {
    use super::*;

    /// Serialises a record through its DTO.
    pub fn serialize<S: Serializer>(r: &IdentityRecord, s: S) -> Result<S::Ok, S::Error> {
        RecordDto::from_record(r).serialize(s)
    }

    /// Deserialises and re-validates a record.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<IdentityRecord, D::Error> {
        RecordDto::deserialize(d)?
            .into_record()
            .map_err(serde::de::Error::custom)
    }
}

/// `#[serde(with = "ent_serde")]` for [`EnterpriseId`] fields.
pub mod ent_serde {
    use super::*;

    /// As text.
    pub fn serialize<S: Serializer>(id: &EnterpriseId, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(id.as_str())
    }

    /// From text, validated.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<EnterpriseId, D::Error> {
        let text = String::deserialize(d)?;
        EnterpriseId::new(&text).map_err(serde::de::Error::custom)
    }
}

/// `#[serde(with = "ents_serde")]` for `Vec<EnterpriseId>` fields.
pub mod ents_serde {
    use super::*;

    /// As a list of texts.
    pub fn serialize<S: Serializer>(ids: &[EnterpriseId], s: S) -> Result<S::Ok, S::Error> {
        let texts: Vec<&str> = ids.iter().map(EnterpriseId::as_str).collect();
        texts.serialize(s)
    }

    /// From texts, validated.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<EnterpriseId>, D::Error> {
        let texts = Vec::<String>::deserialize(d)?;
        texts
            .iter()
            .map(|t| EnterpriseId::new(t).map_err(serde::de::Error::custom))
            .collect()
    }
}

/// `#[serde(with = "opt_ent_serde")]` for `Option<EnterpriseId>` fields.
pub mod opt_ent_serde {
    use super::*;

    /// As an optional text.
    pub fn serialize<S: Serializer>(id: &Option<EnterpriseId>, s: S) -> Result<S::Ok, S::Error> {
        id.as_ref().map(EnterpriseId::as_str).serialize(s)
    }

    /// From an optional text, validated.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<EnterpriseId>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|t| EnterpriseId::new(&t).map_err(serde::de::Error::custom))
            .transpose()
    }
}

impl Serialize for SourceKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (self.domain.as_str(), self.local_id.as_str()).serialize(s)
    }
}

impl<'de> Deserialize<'de> for SourceKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<SourceKey, D::Error> {
        let (domain, local) = <(String, String)>::deserialize(d)?;
        Ok(SourceKey {
            domain: DomainId::new(&domain).map_err(serde::de::Error::custom)?,
            local_id: LocalId::new(&local).map_err(serde::de::Error::custom)?,
        })
    }
}

/// Big-endian bytes of a sequence number (keys sort numerically).
pub fn seq_key(seq: u64) -> [u8; 8] {
    seq.to_be_bytes()
}

/// The sequence number of a key written by [`seq_key`].
pub fn seq_of(key: &[u8]) -> Option<u64> {
    <[u8; 8]>::try_from(key.get(..8)?)
        .ok()
        .map(u64::from_be_bytes)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use vigie_core::record::{Field, ParseOptions, RawRecord, parse_record};

    #[test]
    fn a_record_round_trips() {
        let raw = RawRecord::new()
            .with(Field::RecordId, "r1")
            .with(Field::Source, "CHU")
            .with(Field::LocalId, "42")
            .with(Field::BirthName, "Le Gall")
            .with(Field::FirstNames, "Hélène Marie")
            .with(Field::Sex, "F")
            .with(Field::BirthDate, "1953-07")
            .with(Field::BirthPlaceCode, "2B073")
            .with(Field::Ins, "253072B07300470")
            .with(Field::IdentityStatus, "QUAL")
            .with(Field::Postcode, "35000");
        let record = parse_record(&raw, ParseOptions::default()).unwrap().record;
        #[derive(Serialize, Deserialize)]
        struct W(#[serde(with = "record_serde")] IdentityRecord);
        let bytes = encode(&W(record.clone())).unwrap();
        let back: W = decode("test", &bytes).unwrap();
        assert_eq!(back.0, record);
    }

    #[test]
    fn unknown_versions_and_garbage_are_corruption() {
        let mut bytes = encode(&1u32).unwrap();
        bytes[0] = 9;
        assert!(matches!(
            decode::<u32>("meta", &bytes),
            Err(StoreError::DataCorruption(_))
        ));
        assert!(matches!(
            decode::<u32>("meta", &[VALUE_FORMAT, b'x']),
            Err(StoreError::DataCorruption(_))
        ));
        assert!(matches!(
            decode::<u32>("meta", &[]),
            Err(StoreError::DataCorruption(_))
        ));
    }
}
