//! HL7 v2 composite data types Vigie reads and writes: HD (assigning authority), CX (patient
//! identifier), XPN (person name), XAD (address), XTN (telecom), read from parsed fields and
//! written as builder values, plus the `Nullable` wrapper for the "empty = keep, `""` = delete"
//! rule (IHE ITI TF-2 App. C.2.6).

use vigie_core::ins::{InsOid, OID_INS_NIA, OID_INS_NIR, OID_INS_NIR_DEMO, OID_INS_NIR_TEST};

use crate::er7::{Component, Repetition};

/// A value of an update message: absent (keep what is stored), explicitly null (`""`,
/// delete it) or present.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Nullable<T> {
    /// Not sent: the stored value is kept.
    #[default]
    Absent,
    /// Sent as `""`: the stored value is deleted.
    Null,
    /// Sent.
    Value(T),
}

impl<T> Nullable<T> {
    /// The value when present.
    pub fn value(&self) -> Option<&T> {
        match self {
            Nullable::Value(value) => Some(value),
            _ => None,
        }
    }

    /// True for the explicit null.
    pub fn is_null(&self) -> bool {
        matches!(self, Nullable::Null)
    }

    /// Maps the present value.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Nullable<U> {
        match self {
            Nullable::Absent => Nullable::Absent,
            Nullable::Null => Nullable::Null,
            Nullable::Value(value) => Nullable::Value(f(value)),
        }
    }
}

fn non_empty(value: impl AsRef<str>) -> Option<String> {
    let value = value.as_ref().trim();
    (!value.is_empty()).then(|| value.to_owned())
}

fn subs(values: &[Option<&str>]) -> Vec<String> {
    values
        .iter()
        .map(|v| v.map(str::to_owned).unwrap_or_default())
        .collect()
}

/// HD: an assigning authority given by namespace, universal id (OID) + type, or both (IHE:
/// if both are given they name the same entity).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct AssigningAuthority {
    /// HD-1 namespace id (`HIMSS2005`, `ASIP-SANTE-INS-NIR`).
    pub namespace: Option<String>,
    /// HD-2 universal id, usually an OID.
    pub universal_id: Option<String>,
    /// HD-3 universal id type (`ISO`; `M` for a FINESS in PAM France).
    pub universal_id_type: Option<String>,
}

impl AssigningAuthority {
    /// An authority from its three parts (empty strings are absent).
    pub fn new(namespace: &str, universal_id: &str, universal_id_type: &str) -> AssigningAuthority {
        AssigningAuthority {
            namespace: non_empty(namespace),
            universal_id: non_empty(universal_id),
            universal_id_type: non_empty(universal_id_type),
        }
    }

    /// Reads an HD held in sub-components of a component (CX-4, MRG-1.4, QPD-8.4).
    pub fn from_subcomponents(component: &Component<'_>) -> AssigningAuthority {
        AssigningAuthority::new(
            &component.subcomponent(1),
            &component.subcomponent(2),
            &component.subcomponent(3),
        )
    }

    /// Reads an HD held in components of a field (MSH-3…6).
    pub fn from_components(repetition: &Repetition<'_>) -> AssigningAuthority {
        AssigningAuthority::new(
            &repetition.component(1).text(),
            &repetition.component(2).text(),
            &repetition.component(3).text(),
        )
    }

    /// True when no part is given.
    pub fn is_empty(&self) -> bool {
        self.namespace.is_none() && self.universal_id.is_none()
    }

    /// True when both name the same authority: same OID when both have one, else same
    /// namespace (IHE ITI-9: namespace, OID + type, or both).
    pub fn same_as(&self, other: &AssigningAuthority) -> bool {
        match (&self.universal_id, &other.universal_id) {
            (Some(a), Some(b)) => a == b,
            _ => match (&self.namespace, &other.namespace) {
                (Some(a), Some(b)) => a == b,
                _ => false,
            },
        }
    }

    /// A stable key for the domain: the OID when present, else the namespace.
    pub fn key(&self) -> Option<&str> {
        self.universal_id.as_deref().or(self.namespace.as_deref())
    }

    /// The three parts as sub-components (for CX-4).
    pub fn to_subcomponents(&self) -> Vec<String> {
        subs(&[
            self.namespace.as_deref(),
            self.universal_id.as_deref(),
            self.universal_id_type.as_deref(),
        ])
    }

    /// The INS register of this authority's OID, test and demo registers included.
    pub fn ins_register(&self) -> Option<InsOid> {
        match self.universal_id.as_deref()? {
            OID_INS_NIR => Some(InsOid::Nir),
            OID_INS_NIA => Some(InsOid::Nia),
            OID_INS_NIR_TEST => Some(InsOid::Test),
            OID_INS_NIR_DEMO => Some(InsOid::Demo),
            _ => None,
        }
    }
}

/// The value of a CX identifier: an id, or the explicit null `""` (delete the id held in
/// that domain).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IdValue {
    /// An identifier value (CX-1).
    Id(String),
    /// `""`: delete the identifier of this domain.
    Delete,
}

/// What an identifier is, from its type (CX-5) and authority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdentifierKind {
    /// An INS (type `INS`, INS register OID): NIR or NIA.
    Ins(InsOid),
    /// The NIR used for billing (type `NH`), not an INS.
    BillingNir,
    /// Any other identifier (IPP `PI`, `PN`, accounts…).
    Other,
}

/// CX: a patient identifier with its assigning authority and type.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PatientIdentifier {
    /// CX-1, or the explicit null.
    pub value: IdValue,
    /// CX-4 (may be empty: the manager fills it from the source configuration).
    pub authority: AssigningAuthority,
    /// CX-5 identifier type code (`PI`, `INS`, `NH`…).
    pub type_code: Option<String>,
}

impl PatientIdentifier {
    /// An identifier.
    pub fn new(id: &str, authority: AssigningAuthority, type_code: Option<&str>) -> Self {
        PatientIdentifier {
            value: IdValue::Id(id.trim().to_owned()),
            authority,
            type_code: type_code.and_then(non_empty),
        }
    }

    /// Reads a CX repetition; `None` when CX-1 and CX-4 are both empty.
    pub fn from_repetition(repetition: &Repetition<'_>) -> Option<PatientIdentifier> {
        let id = repetition.component(1);
        let authority = AssigningAuthority::from_subcomponents(&repetition.component(4));
        let value = if id.is_null() {
            IdValue::Delete
        } else {
            IdValue::Id(non_empty(id.text())?)
        };
        if matches!(value, IdValue::Delete) && authority.is_empty() {
            return None;
        }
        Some(PatientIdentifier {
            value,
            authority,
            type_code: non_empty(repetition.component(5).text()),
        })
    }

    /// The id, unless this is a deletion.
    pub fn id(&self) -> Option<&str> {
        match &self.value {
            IdValue::Id(id) => Some(id),
            IdValue::Delete => None,
        }
    }

    /// INS, billing NIR or other (PAM France: the OID `.8` serves both the INS-NIR and the
    /// billing NIR, told apart by the type).
    pub fn kind(&self) -> IdentifierKind {
        let type_code = self.type_code.as_deref().unwrap_or("");
        match (type_code, self.authority.ins_register()) {
            ("INS", Some(register)) => IdentifierKind::Ins(register),
            ("NH", _) => IdentifierKind::BillingNir,
            _ => IdentifierKind::Other,
        }
    }

    /// True when both are the same id in the same domain.
    pub fn same_as(&self, other: &PatientIdentifier) -> bool {
        self.value == other.value && self.authority.same_as(&other.authority)
    }

    /// The same identifier with a default authority when it has none (IHE ITI-8
    /// §3.8.4.1.3: the manager fills CX-4 from the source configuration).
    pub fn with_default_authority(mut self, authority: &AssigningAuthority) -> Self {
        if self.authority.is_empty() {
            self.authority = authority.clone();
        }
        self
    }

    /// The CX repetition as components for the builder.
    pub fn to_components(&self) -> Vec<Vec<String>> {
        let id = match &self.value {
            IdValue::Id(id) => id.clone(),
            IdValue::Delete => "\"\"".to_owned(),
        };
        vec![
            vec![id],
            vec![],
            vec![],
            self.authority.to_subcomponents(),
            vec![self.type_code.clone().unwrap_or_default()],
        ]
    }
}

/// XPN name type (table 0200, PAM France subset).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum NameType {
    /// `L`: in PAM France the birth name (nom de naissance); internationally the legal name.
    Legal,
    /// `D`: in PAM France the used name (nom utilisé); internationally the display name.
    Display,
    /// `B`: name at birth (international; forbidden in PAM France).
    Birth,
    /// `S`: pseudonym.
    Pseudonym,
    /// `U`: unspecified.
    Unspecified,
    /// No type given.
    Absent,
    /// Another code.
    Other(String),
}

impl NameType {
    fn parse(code: &str) -> NameType {
        match code.trim() {
            "" => NameType::Absent,
            "L" => NameType::Legal,
            "D" => NameType::Display,
            "B" => NameType::Birth,
            "S" => NameType::Pseudonym,
            "U" => NameType::Unspecified,
            other => NameType::Other(other.to_owned()),
        }
    }

    /// The table-0200 code.
    pub fn code(&self) -> &str {
        match self {
            NameType::Legal => "L",
            NameType::Display => "D",
            NameType::Birth => "B",
            NameType::Pseudonym => "S",
            NameType::Unspecified => "U",
            NameType::Absent => "",
            NameType::Other(code) => code,
        }
    }
}

/// XPN: a person name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName {
    /// XPN-1 family name (compound names in one piece); null = delete that name type.
    pub family: Nullable<String>,
    /// XPN-2 first given name.
    pub given: Option<String>,
    /// XPN-3: in PAM France the full list of birth given names (space separated, from INSi);
    /// internationally the further given names.
    pub further_given: Option<String>,
    /// XPN-4 suffix.
    pub suffix: Option<String>,
    /// XPN-5 prefix (civilité `M.`, `Mme`).
    pub prefix: Option<String>,
    /// XPN-7 name type.
    pub name_type: NameType,
}

impl PersonName {
    /// Reads an XPN repetition; `None` when empty.
    pub fn from_repetition(repetition: &Repetition<'_>) -> Option<PersonName> {
        if repetition.is_empty() {
            return None;
        }
        let family = repetition.component(1);
        let family = if family.is_null() {
            Nullable::Null
        } else {
            non_empty(family.text()).map_or(Nullable::Absent, Nullable::Value)
        };
        let text = |n| non_empty(repetition.component(n).text());
        Some(PersonName {
            family,
            given: text(2),
            further_given: text(3),
            suffix: text(4),
            prefix: text(5),
            name_type: NameType::parse(&repetition.component(7).text()),
        })
    }

    /// The list of given names: XPN-3 when it already starts with XPN-2 (PAM France: the full
    /// INSi list), else XPN-2 followed by XPN-3 (international: further given names).
    pub fn given_names(&self) -> Option<String> {
        match (&self.given, &self.further_given) {
            (None, None) => None,
            (Some(given), None) => Some(given.clone()),
            (None, Some(list)) => Some(list.clone()),
            (Some(given), Some(list)) => {
                let first = list.split([' ', ',']).next().unwrap_or("").to_lowercase();
                if first == given.to_lowercase() {
                    Some(list.clone())
                } else {
                    Some(format!("{given} {list}"))
                }
            }
        }
    }

    /// The XPN repetition as components for the builder.
    pub fn to_components(&self) -> Vec<Vec<String>> {
        let family = match &self.family {
            Nullable::Absent => String::new(),
            Nullable::Null => "\"\"".to_owned(),
            Nullable::Value(family) => family.clone(),
        };
        let opt = |v: &Option<String>| vec![v.clone().unwrap_or_default()];
        vec![
            vec![family],
            opt(&self.given),
            opt(&self.further_given),
            opt(&self.suffix),
            opt(&self.prefix),
            vec![],
            vec![self.name_type.code().to_owned()],
        ]
    }
}

/// XAD: an address (the `BDL` birthplace repetition is read apart, see [`crate::pid`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Address {
    /// XAD-1 street (first sub-component).
    pub street: Option<String>,
    /// XAD-2 other designation.
    pub other: Option<String>,
    /// XAD-3 city.
    pub city: Option<String>,
    /// XAD-4 state or province.
    pub state: Option<String>,
    /// XAD-5 postal code.
    pub postcode: Option<String>,
    /// XAD-6 country.
    pub country: Option<String>,
    /// XAD-7 address type (`H` home, `BDL` birthplace…).
    pub address_type: Option<String>,
    /// XAD-9 county/parish code (INSEE COG code for `BDL`).
    pub county_code: Option<String>,
}

impl Address {
    /// Reads an XAD repetition; `None` when empty.
    pub fn from_repetition(repetition: &Repetition<'_>) -> Option<Address> {
        if repetition.is_empty() {
            return None;
        }
        let text = |n| non_empty(repetition.component(n).text());
        Some(Address {
            street: text(1),
            other: text(2),
            city: text(3),
            state: text(4),
            postcode: text(5),
            country: text(6),
            address_type: text(7),
            county_code: text(9),
        })
    }

    /// True for the birthplace repetition (`XAD-7 = BDL`).
    pub fn is_birthplace(&self) -> bool {
        self.address_type.as_deref() == Some("BDL")
    }

    /// The street lines joined with a space.
    pub fn street_lines(&self) -> Option<String> {
        match (&self.street, &self.other) {
            (Some(a), Some(b)) => Some(format!("{a} {b}")),
            (a, b) => a.clone().or_else(|| b.clone()),
        }
    }

    /// The XAD repetition as components for the builder.
    pub fn to_components(&self) -> Vec<Vec<String>> {
        [
            &self.street,
            &self.other,
            &self.city,
            &self.state,
            &self.postcode,
            &self.country,
            &self.address_type,
            &None,
            &self.county_code,
        ]
        .iter()
        .map(|v| vec![(*v).clone().unwrap_or_default()])
        .collect()
    }
}

/// XTN: a phone number or an e-mail.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Telecom {
    /// XTN-2 use code (`PRN`, `ORN`, `WPN`, `NET`).
    pub use_code: Option<String>,
    /// XTN-3 equipment type (`PH`, `CP`, `FX`, `Internet`).
    pub equipment: Option<String>,
    /// The number: XTN-12 (unformatted), else XTN-1, else XTN-5/6/7.
    pub number: Option<String>,
    /// XTN-4 e-mail address (or XTN-1 when it holds an `@`).
    pub email: Option<String>,
}

impl Telecom {
    /// Reads an XTN repetition; `None` when empty.
    pub fn from_repetition(repetition: &Repetition<'_>) -> Option<Telecom> {
        if repetition.is_empty() {
            return None;
        }
        let text = |n| non_empty(repetition.component(n).text());
        let equipment = text(3);
        let use_code = text(2);
        let first = text(1);
        let is_mail = matches!(use_code.as_deref(), Some("NET"))
            || matches!(equipment.as_deref(), Some("Internet" | "X.400"))
            || first.as_deref().is_some_and(|v| v.contains('@'));
        let (number, email) = if is_mail {
            (None, text(4).or(first))
        } else {
            let parts: String = [text(5), text(6), text(7)]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join("");
            (text(12).or(first).or_else(|| non_empty(parts)), None)
        };
        if number.is_none() && email.is_none() {
            return None;
        }
        Some(Telecom {
            use_code,
            equipment,
            number,
            email,
        })
    }

    /// The XTN repetition as components for the builder (number in XTN-1, e-mail in XTN-4).
    pub fn to_components(&self) -> Vec<Vec<String>> {
        vec![
            vec![self.number.clone().unwrap_or_default()],
            vec![self.use_code.clone().unwrap_or_default()],
            vec![self.equipment.clone().unwrap_or_default()],
            vec![self.email.clone().unwrap_or_default()],
        ]
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::er7::Message;

    fn field(raw: &str) -> Message {
        Message::parse(&format!("MSH|^~\\&|A\rPID|||{raw}")).unwrap()
    }

    #[test]
    fn cx_with_the_three_authority_forms() {
        let message = field(
            "A^^^HIMSS2005&1.3.6.1.4.1.21367.2005.1.1&ISO~B^^^&1.2.3.4.5.1000&ISO~C^^^domain2~\"\"^^^&1.12.23.34.45&ISO~^^^",
        );
        let pid = message.segment("PID").unwrap();
        let ids: Vec<_> = pid
            .field(3)
            .repetitions()
            .filter_map(|r| PatientIdentifier::from_repetition(&r))
            .collect();
        assert_eq!(ids.len(), 4);
        assert_eq!(ids[0].authority.namespace.as_deref(), Some("HIMSS2005"));
        assert_eq!(ids[1].authority.key(), Some("1.2.3.4.5.1000"));
        assert_eq!(ids[2].authority.key(), Some("domain2"));
        assert_eq!(ids[3].value, IdValue::Delete);
        assert!(ids[0].authority.same_as(&AssigningAuthority::new(
            "",
            "1.3.6.1.4.1.21367.2005.1.1",
            "ISO"
        )));
        assert!(
            ids[0]
                .authority
                .same_as(&AssigningAuthority::new("HIMSS2005", "", ""))
        );
        assert!(!ids[1].authority.same_as(&ids[2].authority));
    }

    #[test]
    fn ins_and_billing_nir_are_told_apart_by_type() {
        let nir = AssigningAuthority::new("ASIP-SANTE-INS-NIR", OID_INS_NIR, "ISO");
        let ins = PatientIdentifier::new("260058815400233", nir.clone(), Some("INS"));
        let billing = PatientIdentifier::new("260058815400233", nir, Some("NH"));
        assert_eq!(ins.kind(), IdentifierKind::Ins(InsOid::Nir));
        assert_eq!(billing.kind(), IdentifierKind::BillingNir);
    }

    #[test]
    fn given_name_lists_french_and_international() {
        let message = field(
            "||DARK^JEANNE^JEANNE MARIE CECILE^^Mme^^L~WASHINGTON^MARY^ROSE^II^Dr.^^L~\"\"^MARIE^^^^^D",
        );
        let pid = message.segment("PID").unwrap();
        let names: Vec<_> = pid
            .field(5)
            .repetitions()
            .filter_map(|r| PersonName::from_repetition(&r))
            .collect();
        assert_eq!(
            names[0].given_names().as_deref(),
            Some("JEANNE MARIE CECILE")
        );
        assert_eq!(names[0].prefix.as_deref(), Some("Mme"));
        assert_eq!(names[1].given_names().as_deref(), Some("MARY ROSE"));
        assert_eq!(names[2].family, Nullable::Null);
        assert_eq!(names[2].name_type, NameType::Display);
    }

    #[test]
    fn telecoms() {
        let message = field(
            "||||||||||012-0001^PRN^PH~012-0004^PRN^FX~marywash@gmx.de^NET^Internet~^PRN^CP^^33^6^12345678~^NET^Internet^a@b.fr",
        );
        let pid = message.segment("PID").unwrap();
        let t: Vec<_> = pid
            .field(13)
            .repetitions()
            .filter_map(|r| Telecom::from_repetition(&r))
            .collect();
        assert_eq!(t[0].number.as_deref(), Some("012-0001"));
        assert_eq!(t[2].email.as_deref(), Some("marywash@gmx.de"));
        assert_eq!(t[3].number.as_deref(), Some("33612345678"));
        assert_eq!(t[4].email.as_deref(), Some("a@b.fr"));
    }
}
