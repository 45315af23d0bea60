//! The canonical identity record: one registration read from a CSV row, a feed message or the
//! store, with every value validated and every unreadable value kept as unknown plus a finding.
//!
//! The parser is total: any strings give either a record (with findings for the values it could
//! not read) or a [`RecordError`] when the row has no usable `record_id`. Findings never carry the
//! offending value, only the field and the reason, so they can be logged and counted safely.

use unicode_normalization::UnicodeNormalization;

use crate::birthplace::{BirthPlaceCode, BirthPlaceError};
use crate::date::{DateError, PartialDate};
use crate::ids::{DomainId, IdError, LocalId, RecordId};
use crate::ins::{Ins, InsError, InsFinding};
use crate::normalize;
use crate::sex::Sex;
use crate::status::{IdentityState, StateFinding};

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

macro_rules! fields {
    ($($variant:ident => $column:literal),* $(,)?) => {
        /// A column of the canonical record format (`record-format.md`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Field {
            $(
                #[doc = concat!("Column `", $column, "`.")]
                $variant,
            )*
        }

        impl Field {
            /// Every field, in the canonical column order.
            pub const ALL: &'static [Field] = &[$(Field::$variant),*];

            /// The canonical column name.
            pub fn column_name(self) -> &'static str {
                match self {
                    $(Field::$variant => $column,)*
                }
            }

            /// The field of a canonical column name (exact, lower case), if any.
            pub fn from_column(name: &str) -> Option<Field> {
                match name {
                    $($column => Some(Field::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

fields! {
    RecordId => "record_id",
    Source => "source",
    LocalId => "local_id",
    BirthName => "birth_name",
    UsedName => "used_name",
    FirstNames => "first_names",
    UsedFirstName => "used_first_name",
    Sex => "sex",
    BirthDate => "birth_date",
    BirthPlaceCode => "birth_place_code",
    Ins => "ins",
    InsOid => "ins_oid",
    IdentityStatus => "identity_status",
    IdentityAttributes => "identity_attributes",
    Address => "address",
    Postcode => "postcode",
    City => "city",
    Country => "country",
    Phone => "phone",
    Email => "email",
    OtherId => "other_id",
}

impl Field {
    /// Number of fields.
    pub const COUNT: usize = Field::ALL.len();

    fn index(self) -> usize {
        self as usize
    }
}

impl std::fmt::Display for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.column_name())
    }
}

/// The raw text of one row, by canonical field; absent fields are `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawRecord<'a> {
    values: [Option<&'a str>; Field::COUNT],
}

impl<'a> RawRecord<'a> {
    /// An empty row.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the raw value of a field (the last value set wins).
    pub fn set(&mut self, field: Field, value: &'a str) {
        if let Some(slot) = self.values.get_mut(field.index()) {
            *slot = Some(value);
        }
    }

    /// Builder form of [`RawRecord::set`].
    pub fn with(mut self, field: Field, value: &'a str) -> Self {
        self.set(field, value);
        self
    }

    /// The raw value of a field, trimmed, `None` when absent or blank.
    pub fn get(&self, field: Field) -> Option<&'a str> {
        self.values
            .get(field.index())
            .copied()
            .flatten()
            .map(str::trim)
            .filter(|value| !value.is_empty())
    }
}

/// Options of the record parser.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ParseOptions {
    /// Accept INS of the test and demo registers (test mode only).
    pub allow_test_oids: bool,
}

/// Why a row cannot become a record at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    /// The `record_id` is missing or blank.
    #[error("record_id is missing")]
    MissingRecordId,
    /// The `record_id` is not a valid identifier.
    #[error("record_id is invalid: {0}")]
    InvalidRecordId(IdError),
}

/// What was wrong with one value. The value itself is never included.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FindingKind {
    /// An identifier (source, local id) could not be read.
    #[error("invalid identifier: {0}")]
    Identifier(IdError),
    /// The sex is not one of the accepted spellings.
    #[error("unrecognised sex")]
    Sex,
    /// The birth date could not be read.
    #[error("invalid birth date: {0}")]
    Date(DateError),
    /// The birthplace is not an INSEE code.
    #[error("invalid birthplace code: {0}")]
    BirthPlace(BirthPlaceError),
    /// The INS could not be read (key, length, OID).
    #[error("invalid INS: {0}")]
    Ins(InsError),
    /// The INS disagrees with the strict traits.
    #[error("INS inconsistent with traits: {0}")]
    InsInconsistent(InsFinding),
    /// The identity status or attributes broke an RNIV rule or were unknown.
    #[error("identity status: {0}")]
    Status(StateFinding),
    /// An `ins_oid` was given without an `ins`.
    #[error("INS OID without a matricule")]
    OidWithoutIns,
    /// A text value held control characters, which were removed.
    #[error("control characters removed")]
    ControlCharacters,
}

/// A finding on one field of a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The field concerned.
    pub field: Field,
    /// What was wrong.
    pub kind: FindingKind,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.kind)
    }
}

/// A parsed record and the findings on its values.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    /// The record; unreadable values are `None` (unknown).
    pub record: IdentityRecord,
    /// What could not be read, field by field.
    pub findings: Vec<Finding>,
}

/// Parses one raw row into a validated record.
///
/// # Errors
/// Only when the row has no usable `record_id`; every other problem is a [`Finding`] and the
/// value is kept as unknown.
pub fn parse_record(raw: &RawRecord<'_>, options: ParseOptions) -> Result<Parsed, RecordError> {
    let record_id = match raw.get(Field::RecordId) {
        None => return Err(RecordError::MissingRecordId),
        Some(value) => RecordId::new(value).map_err(RecordError::InvalidRecordId)?,
    };
    let mut findings = Vec::new();
    let mut text = |field: Field| -> Option<String> {
        let value = raw.get(field)?;
        let cleaned = clean_text(value);
        if value.chars().any(|c| c.is_control() && !c.is_whitespace()) {
            findings.push(Finding {
                field,
                kind: FindingKind::ControlCharacters,
            });
        }
        (!cleaned.is_empty()).then_some(cleaned)
    };
    let birth_name = text(Field::BirthName);
    let used_name = text(Field::UsedName);
    let first_names = text(Field::FirstNames);
    let used_first_name = text(Field::UsedFirstName);
    let address = text(Field::Address);
    let postcode = text(Field::Postcode);
    let city = text(Field::City);
    let country = text(Field::Country);
    let other_id = text(Field::OtherId);
    let email = text(Field::Email).map(|email| email.to_lowercase());

    let source = identifier(raw, Field::Source, DomainId::new, &mut findings);
    let local_id = identifier(raw, Field::LocalId, LocalId::new, &mut findings);

    let sex = match raw.get(Field::Sex) {
        None => Sex::Unknown,
        Some(value) => Sex::parse(value).unwrap_or_else(|| {
            findings.push(Finding {
                field: Field::Sex,
                kind: FindingKind::Sex,
            });
            Sex::Unknown
        }),
    };
    let birth_date = raw.get(Field::BirthDate).and_then(|value| {
        PartialDate::parse(value)
            .map_err(|error| {
                findings.push(Finding {
                    field: Field::BirthDate,
                    kind: FindingKind::Date(error),
                });
            })
            .ok()
    });
    let birth_place = raw.get(Field::BirthPlaceCode).and_then(|value| {
        BirthPlaceCode::try_parse(value)
            .map_err(|error| {
                findings.push(Finding {
                    field: Field::BirthPlaceCode,
                    kind: FindingKind::BirthPlace(error),
                });
            })
            .ok()
    });
    let (state, state_findings) = IdentityState::parse(
        raw.get(Field::IdentityStatus).unwrap_or(""),
        raw.get(Field::IdentityAttributes).unwrap_or(""),
    );
    findings.extend(state_findings.into_iter().map(|finding| Finding {
        field: Field::IdentityStatus,
        kind: FindingKind::Status(finding),
    }));
    let ins = match (raw.get(Field::Ins), raw.get(Field::InsOid)) {
        (None, None) => None,
        (None, Some(_)) => {
            findings.push(Finding {
                field: Field::InsOid,
                kind: FindingKind::OidWithoutIns,
            });
            None
        }
        (Some(matricule), oid) => match Ins::parse(matricule, oid, options.allow_test_oids) {
            Ok(ins) => Some(ins),
            Err(error) => {
                findings.push(Finding {
                    field: Field::Ins,
                    kind: FindingKind::Ins(error),
                });
                None
            }
        },
    };
    if let Some(ins) = &ins {
        for finding in
            crate::ins::check_consistency(ins, sex, birth_date.as_ref(), birth_place.as_ref())
        {
            findings.push(Finding {
                field: Field::Ins,
                kind: FindingKind::InsInconsistent(finding),
            });
        }
    }
    let phone = raw
        .get(Field::Phone)
        .map(normalize::digits)
        .filter(|digits| !digits.is_empty());

    Ok(Parsed {
        record: IdentityRecord {
            record_id,
            source,
            local_id,
            birth_name,
            used_name,
            first_names,
            used_first_name,
            sex,
            birth_date,
            birth_place,
            ins,
            state,
            address,
            postcode,
            city,
            country,
            phone,
            email,
            other_id,
        },
        findings,
    })
}

fn identifier<T>(
    raw: &RawRecord<'_>,
    field: Field,
    make: impl Fn(&str) -> Result<T, IdError>,
    findings: &mut Vec<Finding>,
) -> Option<T> {
    let value = raw.get(field)?;
    make(value)
        .map_err(|error| {
            findings.push(Finding {
                field,
                kind: FindingKind::Identifier(error),
            })
        })
        .ok()
}

/// NFC, control characters removed, white space collapsed to single spaces, trimmed.
fn clean_text(value: &str) -> String {
    // ASCII, and most accented text, is already NFC: skip the (costly) recomposition.
    if value.is_ascii()
        || unicode_normalization::is_nfc_quick(value.chars())
            == unicode_normalization::IsNormalized::Yes
    {
        collapse(value.chars(), value.len())
    } else {
        collapse(value.nfc(), value.len())
    }
}

/// Control characters removed, white space collapsed to single spaces, trimmed.
fn collapse(chars: impl Iterator<Item = char>, capacity: usize) -> String {
    let mut out = String::with_capacity(capacity);
    let mut pending_space = false;
    for c in chars {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
        } else if !c.is_control() {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::status::IdentityStatus;
    use proptest::prelude::*;

    fn full_row() -> RawRecord<'static> {
        RawRecord::new()
            .with(Field::RecordId, "r1")
            .with(Field::Source, "CHU-RENNES")
            .with(Field::LocalId, "IPP123")
            .with(Field::BirthName, "  Le  Gall ")
            .with(Field::FirstNames, "Hélène Marie")
            .with(Field::Sex, "F")
            .with(Field::BirthDate, "1953-07-15")
            .with(Field::BirthPlaceCode, "2B073")
            .with(Field::Ins, "253072B07300470")
            .with(Field::IdentityStatus, "QUAL")
            .with(Field::Phone, "+33 (0)6 12 34 56 78")
            .with(Field::Email, "Helene@Example.FR")
    }

    #[test]
    fn a_clean_row_parses_without_findings() {
        let parsed = parse_record(&full_row(), ParseOptions::default()).unwrap();
        assert_eq!(parsed.findings, vec![]);
        let record = parsed.record;
        assert_eq!(record.record_id.as_str(), "r1");
        assert_eq!(record.birth_name.as_deref(), Some("Le Gall"));
        assert_eq!(record.sex, Sex::Female);
        assert_eq!(record.birth_date.map(|d| d.year()), Some(1953));
        assert_eq!(
            record.ins.as_ref().map(Ins::matricule),
            Some("253072B07300470")
        );
        assert_eq!(record.state.status(), IdentityStatus::Qualified);
        assert_eq!(record.phone.as_deref(), Some("0612345678"));
        assert_eq!(record.email.as_deref(), Some("helene@example.fr"));
    }

    #[test]
    fn unreadable_values_become_unknown_with_a_finding() {
        let raw = RawRecord::new()
            .with(Field::RecordId, "r2")
            .with(Field::Sex, "X?")
            .with(Field::BirthDate, "31/02/1980")
            .with(Field::BirthPlaceCode, "ABCDE")
            .with(Field::Ins, "123456789012244");
        let parsed = parse_record(&raw, ParseOptions::default()).unwrap();
        assert_eq!(parsed.record.sex, Sex::Unknown);
        assert_eq!(parsed.record.birth_date, None);
        assert_eq!(parsed.record.birth_place, None);
        assert_eq!(parsed.record.ins, None);
        let fields: Vec<Field> = parsed.findings.iter().map(|f| f.field).collect();
        assert_eq!(
            fields,
            vec![
                Field::Sex,
                Field::BirthDate,
                Field::BirthPlaceCode,
                Field::Ins
            ]
        );
    }

    #[test]
    fn a_missing_record_id_is_an_error() {
        let raw = RawRecord::new()
            .with(Field::RecordId, "   ")
            .with(Field::BirthName, "X");
        assert_eq!(
            parse_record(&raw, ParseOptions::default()),
            Err(RecordError::MissingRecordId)
        );
    }

    #[test]
    fn an_ins_inconsistent_with_the_sex_is_reported() {
        let row = full_row().with(Field::Sex, "M");
        let parsed = parse_record(&row, ParseOptions::default()).unwrap();
        assert!(
            parsed
                .findings
                .iter()
                .any(|f| matches!(f.kind, FindingKind::InsInconsistent(_))),
            "{:?}",
            parsed.findings
        );
        assert!(
            parsed.record.ins.is_some(),
            "a consistent key keeps the INS; the finding flags it"
        );
    }

    #[test]
    fn findings_never_echo_the_value() {
        let raw = RawRecord::new()
            .with(Field::RecordId, "r3")
            .with(Field::BirthDate, "99/99/SECRET")
            .with(Field::Ins, "SECRET123");
        let parsed = parse_record(&raw, ParseOptions::default()).unwrap();
        for finding in &parsed.findings {
            assert!(!finding.to_string().contains("SECRET"), "{finding}");
        }
    }

    #[test]
    fn column_names_round_trip() {
        for &field in Field::ALL {
            assert_eq!(Field::from_column(field.column_name()), Some(field));
        }
        assert_eq!(Field::COUNT, 21);
    }

    proptest! {
        #[test]
        fn parsing_any_strings_never_panics(values in proptest::collection::vec(any::<String>(), Field::COUNT)) {
            let mut raw = RawRecord::new();
            for (field, value) in Field::ALL.iter().zip(&values) {
                raw.set(*field, value);
            }
            let _ = parse_record(&raw, ParseOptions::default());
        }

        #[test]
        fn cleaned_text_has_no_control_or_double_space(value in any::<String>()) {
            let cleaned = clean_text(&value);
            prop_assert!(!cleaned.chars().any(char::is_control));
            prop_assert!(!cleaned.contains("  "));
            prop_assert_eq!(cleaned.trim(), cleaned.as_str());
        }

        /// The shortcut for text already in NFC gives what full normalisation gives.
        #[test]
        fn cleaned_text_is_normalised_whatever_the_path(
            value in "[a-zA-Z \t\u{e9}\u{e8}\u{c9}\u{153}\u{301}\u{300}\u{308}\u{327}\u{1}]{0,12}|\\PC{0,12}"
        ) {
            prop_assert_eq!(clean_text(&value), collapse(value.nfc(), value.len()));
        }
    }
}
