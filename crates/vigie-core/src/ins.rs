//! The INS: matricule (NIR or NIA) with its key, the OID of its register, and the consistency
//! check of the matricule against the strict traits (sex, birth date, birthplace).
//!
//! # Matricule
//!
//! 15 characters: sex digit, `YY` birth year, `MM` birth month, département (2 characters, `2A`/
//! `2B` in Corsica, 3 digits `97x`/`98x` overseas, `99` abroad), commune (3 digits, or 2 when the
//! département has 3; the INSEE country code when born abroad), 3-digit order number, 2-digit
//! key. Spaces are ignored on input. Key = 97 − (N mod 97), N being the first 13 characters read
//! as a number after replacing `2A` by `19` and `2B` by `18` (range 01–97, never 00).
//!
//! # NIR or NIA
//!
//! Both have the same format; only the register OID tells them apart (INSi returns the OID with
//! the matricule): `1.2.250.1.213.1.4.8` INS-NIR, `.9` INS-NIA, `.10` / `.11` INS-NIR test /
//! demo (refused unless explicitly allowed). No source states that NIA keys use mod 97, so a NIA
//! with a wrong key is accepted and reported by [`check_consistency`] as
//! [`InsFinding::NiaKeyUnverified`]; a NIR with a wrong key is refused.
//!
//! Errors and findings say what is wrong and where, never echo the whole matricule.

use std::fmt;

use crate::birthplace::BirthPlaceCode;
use crate::date::PartialDate;
use crate::sex::Sex;

/// OID of the INS-NIR register (also the billing NIR, told apart by the identifier type).
pub const OID_INS_NIR: &str = "1.2.250.1.213.1.4.8";
/// OID of the INS-NIA register.
pub const OID_INS_NIA: &str = "1.2.250.1.213.1.4.9";
/// OID of the INS-NIR test register.
pub const OID_INS_NIR_TEST: &str = "1.2.250.1.213.1.4.10";
/// OID of the INS-NIR demonstration register.
pub const OID_INS_NIR_DEMO: &str = "1.2.250.1.213.1.4.11";
/// OIDs of the superseded INS-C (calculated INS) and its test / demo registers.
const OID_INS_C: &[&str] = &[
    "1.2.250.1.213.1.4.2",
    "1.2.250.1.213.1.4.6",
    "1.2.250.1.213.1.4.7",
];

/// Length of a matricule, key included.
pub const MATRICULE_LEN: usize = 15;

/// Why an INS was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InsError {
    /// Empty or only white space.
    #[error("INS matricule is empty")]
    Empty,
    /// Not 15 characters once spaces are removed.
    #[error("INS matricule must have 15 characters (13 + 2-digit key), found {len}")]
    WrongLength {
        /// Characters read, spaces excluded.
        len: usize,
    },
    /// A character that is not a digit (only `2A`/`2B` at positions 6–7 may hold a letter).
    #[error("INS matricule has an unexpected character at position {position}")]
    NotDigits {
        /// 1-based position, spaces excluded.
        position: usize,
    },
    /// The key does not match the first 13 characters.
    #[error("INS key is {found:02}, the first 13 characters give {expected:02}")]
    BadKey {
        /// Key computed from the first 13 characters.
        expected: u8,
        /// Key read (last 2 digits).
        found: u8,
    },
    /// Not an INS register OID.
    #[error(
        "unknown INS register OID (expected 1.2.250.1.213.1.4.8 for NIR or 1.2.250.1.213.1.4.9 \
         for NIA)"
    )]
    UnknownOid,
    /// An OID of the superseded INS-C.
    #[error("OID of the superseded INS-C, not an INS register")]
    LegacyInsCOid,
    /// A test or demonstration OID while they are not allowed.
    #[error("{oid} OID refused (test and demonstration registers are not allowed here)")]
    TestOidRefused {
        /// The OID read.
        oid: InsOid,
    },
}

/// Register an INS belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InsOid {
    /// INS-NIR, `1.2.250.1.213.1.4.8`.
    Nir,
    /// INS-NIA, `1.2.250.1.213.1.4.9`.
    Nia,
    /// INS-NIR test, `1.2.250.1.213.1.4.10`.
    Test,
    /// INS-NIR demonstration, `1.2.250.1.213.1.4.11`.
    Demo,
}

/// Kind of matricule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InsKind {
    /// Numéro d'inscription au répertoire (INSEE).
    Nir,
    /// Numéro identifiant d'attente (CNAV), for people without a certified NIR.
    Nia,
}

impl InsOid {
    /// Reads an OID (surrounding spaces and a `urn:oid:` prefix ignored). Test and demo OIDs
    /// are refused unless `allow_test`.
    pub fn parse(input: &str, allow_test: bool) -> Result<InsOid, InsError> {
        let s = input.trim();
        let s = s
            .get(..8)
            .filter(|p| p.eq_ignore_ascii_case("urn:oid:"))
            .and_then(|_| s.get(8..))
            .unwrap_or(s);
        let oid = match s {
            OID_INS_NIR => InsOid::Nir,
            OID_INS_NIA => InsOid::Nia,
            OID_INS_NIR_TEST => InsOid::Test,
            OID_INS_NIR_DEMO => InsOid::Demo,
            s if OID_INS_C.contains(&s) => return Err(InsError::LegacyInsCOid),
            _ => return Err(InsError::UnknownOid),
        };
        if oid.is_test() && !allow_test {
            return Err(InsError::TestOidRefused { oid });
        }
        Ok(oid)
    }
    /// The dotted OID.
    pub fn as_str(&self) -> &'static str {
        match self {
            InsOid::Nir => OID_INS_NIR,
            InsOid::Nia => OID_INS_NIA,
            InsOid::Test => OID_INS_NIR_TEST,
            InsOid::Demo => OID_INS_NIR_DEMO,
        }
    }
    /// Test or demonstration register.
    pub fn is_test(&self) -> bool {
        matches!(self, InsOid::Test | InsOid::Demo)
    }
    /// NIR for the NIR registers (test and demo included), NIA for the NIA register.
    pub fn kind(&self) -> InsKind {
        match self {
            InsOid::Nia => InsKind::Nia,
            InsOid::Nir | InsOid::Test | InsOid::Demo => InsKind::Nir,
        }
    }
    /// The FR Core identifier type: `INS-NIR`, `INS-NIA`, `INS-NIR-TEST`, `INS-NIR-DEMO`.
    pub fn fr_core_type(&self) -> &'static str {
        match self {
            InsOid::Nir => "INS-NIR",
            InsOid::Nia => "INS-NIA",
            InsOid::Test => "INS-NIR-TEST",
            InsOid::Demo => "INS-NIR-DEMO",
        }
    }
}

impl fmt::Display for InsOid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.fr_core_type())
    }
}

impl fmt::Display for InsKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InsKind::Nir => "NIR",
            InsKind::Nia => "NIA",
        })
    }
}

/// Computes the key of a 13-character matricule body (digits, `2A`/`2B` allowed at positions
/// 6–7); `None` when the body is not of that form.
pub fn compute_key(body: &str) -> Option<u8> {
    if body.len() != 13 {
        return None;
    }
    let department = body.get(5..7)?;
    let replacement = match department {
        "2A" | "2a" => "19",
        "2B" | "2b" => "18",
        other => other,
    };
    let digits = [body.get(..5)?, replacement, body.get(7..)?];
    let mut n: u64 = 0;
    for b in digits.iter().flat_map(|part| part.bytes()) {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u64::from(b - b'0');
    }
    u8::try_from(97 - n % 97).ok()
}

/// A matricule whose format is checked (15 characters, digits, Corsican `2A`/`2B`), stored
/// upper case without spaces. The key is **not** required to be right: see
/// [`Matricule::key_is_valid`]; [`Ins::parse`] enforces it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Matricule(String);

impl Matricule {
    /// Checks the format (spaces ignored).
    pub fn parse(input: &str) -> Result<Matricule, InsError> {
        let cleaned: String = input
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if cleaned.is_empty() {
            return Err(InsError::Empty);
        }
        let len = cleaned.chars().count();
        if len != MATRICULE_LEN {
            return Err(InsError::WrongLength { len });
        }
        let chars: Vec<char> = cleaned.chars().collect();
        let corsican = matches!(chars.get(5..7), Some(['2', 'A' | 'B']));
        for (index, c) in chars.iter().enumerate() {
            let letter_allowed = corsican && index == 6;
            if !c.is_ascii_digit() && !letter_allowed {
                return Err(InsError::NotDigits {
                    position: index + 1,
                });
            }
        }
        Ok(Matricule(cleaned))
    }

    /// The 15 characters.
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The first 13 characters (without the key).
    pub fn body(&self) -> &str {
        self.0.get(..13).unwrap_or_default()
    }
    /// The key read (last 2 digits).
    pub fn key(&self) -> u8 {
        self.number(13..15)
    }
    /// The key computed from the body.
    pub fn expected_key(&self) -> u8 {
        compute_key(self.body()).unwrap_or_default()
    }
    /// True when the key matches the body.
    pub fn key_is_valid(&self) -> bool {
        self.key() == self.expected_key()
    }
    /// Sex digit: `1` male, `2` female (`3`/`4`, `7`/`8`: provisional or foreign registrations).
    pub fn sex_digit(&self) -> u8 {
        self.number(0..1)
    }
    /// Two-digit birth year.
    pub fn birth_year(&self) -> u8 {
        self.number(1..3)
    }
    /// Birth month code as written: 1–12, or 20–42 / 50+ for incomplete civil-status records.
    pub fn birth_month_code(&self) -> u8 {
        self.number(3..5)
    }
    /// Birth month when the code is a real month (1–12).
    pub fn birth_month(&self) -> Option<u8> {
        Some(self.birth_month_code()).filter(|m| (1..=12).contains(m))
    }
    /// Département: `2A`/`2B`/2 digits, 3 digits overseas (`97x`, `98x`), `99` abroad.
    pub fn department(&self) -> &str {
        self.0.get(5..self.commune_start()).unwrap_or_default()
    }
    /// Commune (3 digits, 2 overseas) or, born abroad, the INSEE country code.
    pub fn commune(&self) -> &str {
        self.0.get(self.commune_start()..10).unwrap_or_default()
    }
    /// Département + commune: the 5-character birthplace code written in the matricule.
    pub fn birth_place(&self) -> &str {
        self.0.get(5..10).unwrap_or_default()
    }
    /// Order number in the birth register of the month (3 digits).
    pub fn order(&self) -> &str {
        self.0.get(10..13).unwrap_or_default()
    }
    /// Grouped for reading: `2 53 07 2B 073 004 70`.
    pub fn formatted(&self) -> String {
        let part = |r: std::ops::Range<usize>| self.0.get(r).unwrap_or_default();
        [
            part(0..1),
            part(1..3),
            part(3..5),
            part(5..7),
            part(7..10),
            part(10..13),
            part(13..15),
        ]
        .join(" ")
    }

    fn commune_start(&self) -> usize {
        match self.0.get(5..7) {
            Some("97" | "98") => 8,
            _ => 7,
        }
    }
    /// A digit range as a number (always digits after `parse`; 0 otherwise).
    fn number(&self, range: std::ops::Range<usize>) -> u8 {
        self.0
            .get(range)
            .and_then(|s| s.parse().ok())
            .unwrap_or_default()
    }
}

/// A validated INS: a matricule with a known register OID; the key is right (for a NIA, see
/// the module documentation).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ins {
    matricule: Matricule,
    oid: InsOid,
}

impl Ins {
    /// Validates a matricule (spaces ignored) and its register OID (`None` or empty: INS-NIR).
    /// Test and demo OIDs are refused unless `allow_test`. The OID is checked first.
    pub fn parse(matricule: &str, oid: Option<&str>, allow_test: bool) -> Result<Ins, InsError> {
        let oid = match oid.map(str::trim) {
            None | Some("") => InsOid::Nir,
            Some(o) => InsOid::parse(o, allow_test)?,
        };
        let matricule = Matricule::parse(matricule)?;
        if oid.kind() == InsKind::Nir && !matricule.key_is_valid() {
            return Err(InsError::BadKey {
                expected: matricule.expected_key(),
                found: matricule.key(),
            });
        }
        Ok(Ins { matricule, oid })
    }

    /// The 15-character matricule (13 + key), upper case, no spaces.
    pub fn matricule(&self) -> &str {
        self.matricule.as_str()
    }
    /// The matricule with its structure accessors.
    pub fn matricule_parts(&self) -> &Matricule {
        &self.matricule
    }
    /// The register.
    pub fn oid(&self) -> InsOid {
        self.oid
    }
    /// NIR or NIA.
    pub fn kind(&self) -> InsKind {
        self.oid.kind()
    }
    /// A NIR (test and demo registers included).
    pub fn is_nir(&self) -> bool {
        self.kind() == InsKind::Nir
    }
    /// A NIA.
    pub fn is_nia(&self) -> bool {
        self.kind() == InsKind::Nia
    }
    /// The key matches (always true for a NIR).
    pub fn key_is_valid(&self) -> bool {
        self.matricule.key_is_valid()
    }
    /// Sex digit (see [`Matricule::sex_digit`]).
    pub fn sex_digit(&self) -> u8 {
        self.matricule.sex_digit()
    }
    /// Two-digit birth year.
    pub fn birth_year(&self) -> u8 {
        self.matricule.birth_year()
    }
    /// Birth month code as written (see [`Matricule::birth_month_code`]).
    pub fn birth_month_code(&self) -> u8 {
        self.matricule.birth_month_code()
    }
    /// Birth month when the code is 1–12.
    pub fn birth_month(&self) -> Option<u8> {
        self.matricule.birth_month()
    }
    /// Département (see [`Matricule::department`]).
    pub fn department(&self) -> &str {
        self.matricule.department()
    }
    /// Commune or country code (see [`Matricule::commune`]).
    pub fn commune(&self) -> &str {
        self.matricule.commune()
    }
    /// The 5-character birthplace written in the matricule.
    pub fn birth_place(&self) -> &str {
        self.matricule.birth_place()
    }
}

/// An inconsistency between an INS and the strict traits, or a doubt on the INS itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InsFinding {
    /// The sex digit (1 or 2) disagrees with the declared sex.
    SexMismatch {
        /// Sex from the matricule.
        ins: Sex,
        /// Declared sex.
        declared: Sex,
    },
    /// The sex digit is none of 1, 2, 3, 4, 7, 8.
    UnexpectedSexDigit {
        /// The digit.
        digit: u8,
    },
    /// The two-digit year disagrees with the declared birth year.
    BirthYearMismatch {
        /// `YY` from the matricule.
        ins: u8,
        /// Declared year modulo 100.
        declared: u8,
    },
    /// The month (1–12) disagrees with the declared birth month.
    BirthMonthMismatch {
        /// `MM` from the matricule.
        ins: u8,
        /// Declared month.
        declared: u8,
    },
    /// A month code that is neither 1–12 nor an "incomplete civil status" code (20–42, 50–99).
    UnexpectedMonthCode {
        /// The code.
        code: u8,
    },
    /// The birthplace written in the matricule disagrees with the declared birthplace.
    BirthPlaceMismatch {
        /// Birthplace from the matricule (5 characters).
        ins: String,
        /// Declared birthplace code.
        declared: String,
    },
    /// A NIA whose key does not follow the NIR rule (not proven wrong: NIA keys are not
    /// documented).
    NiaKeyUnverified {
        /// Key computed with the NIR rule.
        expected: u8,
        /// Key read.
        found: u8,
    },
}

impl fmt::Display for InsFinding {
    /// Says what disagrees, without the values.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InsFinding::SexMismatch { .. } => {
                f.write_str("sex digit of the INS differs from the declared sex")
            }
            InsFinding::UnexpectedSexDigit { .. } => {
                f.write_str("INS sex digit is none of 1, 2, 3, 4, 7, 8")
            }
            InsFinding::BirthYearMismatch { .. } => {
                f.write_str("birth year of the INS differs from the declared birth date")
            }
            InsFinding::BirthMonthMismatch { .. } => {
                f.write_str("birth month of the INS differs from the declared birth date")
            }
            InsFinding::UnexpectedMonthCode { .. } => {
                f.write_str("INS month code is neither a month nor an incomplete-record code")
            }
            InsFinding::BirthPlaceMismatch { .. } => {
                f.write_str("birthplace of the INS differs from the declared birthplace")
            }
            InsFinding::NiaKeyUnverified { .. } => {
                f.write_str("NIA key does not follow the NIR key rule (unverified)")
            }
        }
    }
}

/// Checks an INS against the declared strict traits. Unknown traits (`Sex::Unknown`, `None`)
/// are not checked. Documented exceptions, which are never findings:
///
/// * sex digits `3`, `4`, `7`, `8` (provisional or foreign registrations): sex not checked;
/// * month codes 20–42 and 50–99 (incomplete civil-status records): month not checked;
/// * born abroad (département `99`): only checked that the birthplace is abroad too (country
///   codes change with history);
/// * born overseas (3-digit département): only checked that the birthplace is not
///   metropolitan (overseas codes were renumbered: Saint-Barthélemy, Saint-Martin, Mayotte…);
/// * Corsica: `20` and `2A`/`2B` agree when the commune number is the same;
/// * Paris, Lyon, Marseille: an arrondissement code (`751xx`, `6938x`, `132xx`) agrees with the
///   city code (`75056`, `69123`, `13055`);
/// * Algerian départements before 1962 (`91`–`94`) agree with Algeria (`99352`).
pub fn check_consistency(
    ins: &Ins,
    sex: Sex,
    birth_date: Option<&PartialDate>,
    birth_place: Option<&BirthPlaceCode>,
) -> Vec<InsFinding> {
    let mut findings = Vec::new();
    let m = &ins.matricule;

    if ins.is_nia() && !m.key_is_valid() {
        findings.push(InsFinding::NiaKeyUnverified {
            expected: m.expected_key(),
            found: m.key(),
        });
    }

    let ins_sex = match m.sex_digit() {
        1 => Some(Sex::Male),
        2 => Some(Sex::Female),
        3 | 4 | 7 | 8 => None,
        digit => {
            findings.push(InsFinding::UnexpectedSexDigit { digit });
            None
        }
    };
    if let Some(ins_sex) = ins_sex
        && sex.is_known()
        && ins_sex != sex
    {
        findings.push(InsFinding::SexMismatch {
            ins: ins_sex,
            declared: sex,
        });
    }

    let month_code = m.birth_month_code();
    if !matches!(month_code, 1..=12 | 20..=42 | 50..=99) {
        findings.push(InsFinding::UnexpectedMonthCode { code: month_code });
    }
    if let Some(date) = birth_date {
        let declared_year = u8::try_from(date.year() % 100).unwrap_or_default();
        if declared_year != m.birth_year() {
            findings.push(InsFinding::BirthYearMismatch {
                ins: m.birth_year(),
                declared: declared_year,
            });
        }
        if let (Some(ins_month), Some(declared)) = (m.birth_month(), date.month())
            && ins_month != declared
        {
            findings.push(InsFinding::BirthMonthMismatch {
                ins: ins_month,
                declared,
            });
        }
    }

    if let Some(place) = birth_place
        && !birth_places_agree(m, place)
    {
        findings.push(InsFinding::BirthPlaceMismatch {
            ins: m.birth_place().to_owned(),
            declared: place.as_str().to_owned(),
        });
    }
    findings
}

/// The birthplace of the matricule and a COG code agree, exceptions included.
fn birth_places_agree(m: &Matricule, place: &BirthPlaceCode) -> bool {
    let ins_place = m.birth_place();
    let declared = place.as_str();
    if ins_place == declared {
        return true;
    }
    let department = m.department();
    if department == "99" {
        return place.is_abroad();
    }
    if department.len() == 3 {
        return place.is_overseas() || place.is_abroad();
    }
    if matches!(department, "20" | "2A" | "2B") {
        return place.is_corsica() && m.commune() == place.commune();
    }
    if matches!(department, "91" | "92" | "93" | "94") && declared == "99352" {
        return true;
    }
    let city = |code: &str| -> Option<&'static str> {
        let n: u32 = code.parse().ok()?;
        match n {
            75101..=75120 => Some("75056"),
            69381..=69389 => Some("69123"),
            13201..=13216 => Some("13055"),
            _ => None,
        }
    };
    let city_of = |code: &str| city(code).unwrap_or_default();
    city_of(ins_place) == declared || city_of(declared) == ins_place
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const VALID: &[&str] = &[
        "295109912611193",
        "255081416802538",
        "253072A07300443",
        "253072B07300470",
        "178059933010817",
        "279035121518989",
        "260058815400233",
        "276037510669326",
    ];
    /// Invalid keys with the key the body gives (identity-fr.md §1.5).
    const INVALID: &[(&str, u8, u8)] = &[
        ("295109912611199", 93, 99),
        ("123456789012244", 12, 44),
        ("260058815400244", 33, 44),
        ("276037510669380", 26, 80),
    ];

    fn nir(s: &str) -> Ins {
        Ins::parse(s, None, false).unwrap()
    }

    #[test]
    fn documented_valid_values() {
        for v in VALID {
            let ins = nir(v);
            assert_eq!(ins.matricule(), *v);
            assert!(ins.is_nir() && ins.key_is_valid());
            assert_eq!(ins.oid(), InsOid::Nir);
        }
    }

    #[test]
    fn documented_invalid_keys() {
        for (v, expected, found) in INVALID {
            assert_eq!(
                Ins::parse(v, None, false),
                Err(InsError::BadKey {
                    expected: *expected,
                    found: *found
                }),
                "{v}"
            );
        }
    }

    #[test]
    fn corsica_substitution() {
        assert_eq!(compute_key("253072A073004"), Some(43));
        assert_eq!(compute_key("253072B073004"), Some(70));
        let ins = nir("2 53 07 2b 073 004 70");
        assert_eq!(ins.matricule(), "253072B07300470");
        assert_eq!((ins.department(), ins.commune()), ("2B", "073"));
        assert_eq!(
            Ins::parse("253072C07300443", None, false),
            Err(InsError::NotDigits { position: 7 })
        );
        assert_eq!(
            Ins::parse("25307A207300443", None, false),
            Err(InsError::NotDigits { position: 6 })
        );
    }

    #[test]
    fn format_errors_locate_without_echo() {
        assert_eq!(Ins::parse("", None, false), Err(InsError::Empty));
        assert_eq!(Ins::parse("   ", None, false), Err(InsError::Empty));
        assert_eq!(
            Ins::parse("29510991261119", None, false),
            Err(InsError::WrongLength { len: 14 })
        );
        assert_eq!(
            Ins::parse("2951099126111933", None, false),
            Err(InsError::WrongLength { len: 16 })
        );
        assert_eq!(
            Ins::parse("29510991261X193", None, false),
            Err(InsError::NotDigits { position: 12 })
        );
        assert_eq!(
            Ins::parse("29510991261é193", None, false),
            Err(InsError::NotDigits { position: 12 })
        );
        for (v, _, _) in INVALID {
            let message = Ins::parse(v, None, false).unwrap_err().to_string();
            assert!(
                !message.contains(v) && !message.contains(&v[..13]),
                "{message}"
            );
        }
    }

    #[test]
    fn oids() {
        assert_eq!(InsOid::parse(OID_INS_NIR, false), Ok(InsOid::Nir));
        assert_eq!(
            InsOid::parse(" urn:oid:1.2.250.1.213.1.4.9 ", false),
            Ok(InsOid::Nia)
        );
        assert_eq!(
            InsOid::parse(OID_INS_NIR_TEST, false),
            Err(InsError::TestOidRefused { oid: InsOid::Test })
        );
        assert_eq!(
            InsOid::parse(OID_INS_NIR_DEMO, false),
            Err(InsError::TestOidRefused { oid: InsOid::Demo })
        );
        assert_eq!(InsOid::parse(OID_INS_NIR_TEST, true), Ok(InsOid::Test));
        assert_eq!(
            InsOid::parse("1.2.250.1.213.1.4.2", true),
            Err(InsError::LegacyInsCOid)
        );
        // Wrong OIDs seen in public repositories.
        for wrong in [
            "1.2.250.1.213.1.4.5",
            "1.2.250.1.213.1.1.1",
            "",
            "1.2.250.1.213.1.4.8.1",
        ] {
            assert_eq!(
                InsOid::parse(wrong, true),
                Err(InsError::UnknownOid),
                "{wrong}"
            );
        }
        for oid in [InsOid::Nir, InsOid::Nia, InsOid::Test, InsOid::Demo] {
            assert_eq!(InsOid::parse(oid.as_str(), true), Ok(oid));
        }
    }

    #[test]
    fn ins_with_oids() {
        let test = Ins::parse("279035121518989", Some(OID_INS_NIR_TEST), true).unwrap();
        assert!(test.is_nir() && test.oid().is_test());
        assert_eq!(
            Ins::parse("279035121518989", Some(OID_INS_NIR_TEST), false),
            Err(InsError::TestOidRefused { oid: InsOid::Test })
        );
        let nia = Ins::parse("178059933010817", Some(OID_INS_NIA), false).unwrap();
        assert!(nia.is_nia() && !nia.is_nir());
        assert_eq!(nia.kind().to_string(), "NIA");
        assert_eq!(
            Ins::parse("260058815400233", Some(" "), false)
                .unwrap()
                .oid(),
            InsOid::Nir
        );
    }

    #[test]
    fn nia_with_unverified_key_is_kept_with_a_finding() {
        let nia = Ins::parse("260058815400244", Some(OID_INS_NIA), false).unwrap();
        assert!(!nia.key_is_valid());
        assert_eq!(
            check_consistency(&nia, Sex::Unknown, None, None),
            vec![InsFinding::NiaKeyUnverified {
                expected: 33,
                found: 44
            }]
        );
    }

    #[test]
    fn accessors() {
        let ins = nir("260058815400233");
        assert_eq!(ins.sex_digit(), 2);
        assert_eq!(ins.birth_year(), 60);
        assert_eq!(ins.birth_month(), Some(5));
        assert_eq!((ins.department(), ins.commune()), ("88", "154"));
        assert_eq!(ins.birth_place(), "88154");
        assert_eq!(ins.matricule_parts().order(), "002");
        assert_eq!(ins.matricule_parts().key(), 33);
        assert_eq!(ins.matricule_parts().formatted(), "2 60 05 88 154 002 33");
        let abroad = nir("178059933010817");
        assert_eq!((abroad.department(), abroad.commune()), ("99", "330"));
    }

    /// Builds a valid NIR from its parts.
    fn build(body: &str) -> Ins {
        let key = compute_key(body).unwrap();
        nir(&format!("{body}{key:02}"))
    }

    #[test]
    fn overseas_structure() {
        let ins = build("2800597411002");
        assert_eq!((ins.department(), ins.commune()), ("974", "11"));
        assert_eq!(ins.birth_place(), "97411");
    }

    fn cog(s: &str) -> BirthPlaceCode {
        BirthPlaceCode::try_parse(s).unwrap()
    }

    #[test]
    fn consistent_persona() {
        // Jeanne DARK, born 1960-05-30 at Domrémy-la-Pucelle (88154).
        let ins = nir("260058815400233");
        let date = PartialDate::Full(1960, 5, 30);
        assert!(check_consistency(&ins, Sex::Female, Some(&date), Some(&cog("88154"))).is_empty());
        assert!(check_consistency(&ins, Sex::Unknown, None, None).is_empty());
        assert!(
            check_consistency(&ins, Sex::Female, Some(&PartialDate::Year(1960)), None).is_empty()
        );
    }

    #[test]
    fn each_inconsistency_is_typed() {
        let ins = nir("260058815400233");
        let date = PartialDate::Full(1961, 6, 30);
        assert_eq!(
            check_consistency(&ins, Sex::Male, Some(&date), Some(&cog("75056"))),
            vec![
                InsFinding::SexMismatch {
                    ins: Sex::Female,
                    declared: Sex::Male
                },
                InsFinding::BirthYearMismatch {
                    ins: 60,
                    declared: 61
                },
                InsFinding::BirthMonthMismatch {
                    ins: 5,
                    declared: 6
                },
                InsFinding::BirthPlaceMismatch {
                    ins: "88154".into(),
                    declared: "75056".into()
                },
            ]
        );
        // Year compared modulo 100.
        let date = PartialDate::Full(1860, 5, 30);
        assert!(check_consistency(&ins, Sex::Female, Some(&date), None).is_empty());
    }

    #[test]
    fn documented_exceptions() {
        let date = PartialDate::Full(1980, 3, 15);
        // Sex digits 3/4/7/8: sex not checked.
        for digit in ['3', '4', '7', '8'] {
            let ins = build(&format!("{digit}800375101010"));
            assert!(check_consistency(&ins, Sex::Male, Some(&date), None).is_empty());
            assert!(check_consistency(&ins, Sex::Female, Some(&date), None).is_empty());
        }
        let ins = build("5800375101010");
        assert_eq!(
            check_consistency(&ins, Sex::Male, None, None),
            vec![InsFinding::UnexpectedSexDigit { digit: 5 }]
        );
        // Month codes of incomplete records: month not checked; year still is.
        for code in ["20", "30", "42", "50", "99"] {
            let ins = build(&format!("180{code}75101010"));
            assert!(
                check_consistency(&ins, Sex::Male, Some(&date), None).is_empty(),
                "{code}"
            );
        }
        for code in ["00", "13", "19", "43", "49"] {
            let ins = build(&format!("180{code}75101010"));
            assert_eq!(
                check_consistency(&ins, Sex::Male, Some(&date), None),
                vec![InsFinding::UnexpectedMonthCode {
                    code: code.parse().unwrap()
                }],
                "{code}"
            );
        }
        // Born abroad: only "abroad" is compared.
        let abroad = nir("178059933010817");
        let may = PartialDate::YearMonth(1978, 5);
        assert!(check_consistency(&abroad, Sex::Male, Some(&may), Some(&cog("99330"))).is_empty());
        assert!(check_consistency(&abroad, Sex::Male, Some(&may), Some(&cog("99134"))).is_empty());
        assert_eq!(
            check_consistency(&abroad, Sex::Male, Some(&may), Some(&cog("75056"))).len(),
            1
        );
        // Overseas: not compared with another overseas code, but not metropolitan.
        let reunion = build("2800597411002");
        assert!(check_consistency(&reunion, Sex::Female, None, Some(&cog("97411"))).is_empty());
        assert!(check_consistency(&reunion, Sex::Female, None, Some(&cog("97611"))).is_empty());
        assert_eq!(
            check_consistency(&reunion, Sex::Female, None, Some(&cog("75056"))).len(),
            1
        );
        // Corsica before and after 1976.
        let corsica = nir("253072B07300470");
        assert!(check_consistency(&corsica, Sex::Female, None, Some(&cog("20073"))).is_empty());
        assert!(check_consistency(&corsica, Sex::Female, None, Some(&cog("2B073"))).is_empty());
        assert_eq!(
            check_consistency(&corsica, Sex::Female, None, Some(&cog("2A074"))).len(),
            1
        );
        let old_corsica = build("1500320004001");
        assert!(check_consistency(&old_corsica, Sex::Male, None, Some(&cog("2A004"))).is_empty());
        // Paris arrondissement against the city code, both ways.
        let paris = build("1800375114001");
        assert!(check_consistency(&paris, Sex::Male, None, Some(&cog("75056"))).is_empty());
        assert!(check_consistency(&paris, Sex::Male, None, Some(&cog("75114"))).is_empty());
        assert_eq!(
            check_consistency(&paris, Sex::Male, None, Some(&cog("75115"))).len(),
            1
        );
        assert_eq!(
            check_consistency(&paris, Sex::Male, None, Some(&cog("69123"))).len(),
            1
        );
        let paris_city = build("1800375056001");
        assert!(check_consistency(&paris_city, Sex::Male, None, Some(&cog("75114"))).is_empty());
        // Algeria before 1962.
        let alger = build("1550391001001");
        assert!(check_consistency(&alger, Sex::Male, None, Some(&cog("99352"))).is_empty());
        assert_eq!(
            check_consistency(&alger, Sex::Male, None, Some(&cog("99351"))).len(),
            1
        );
    }

    fn replace_char(s: &str, index: usize, c: char) -> String {
        s.chars()
            .enumerate()
            .map(|(i, x)| if i == index { c } else { x })
            .collect()
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in any::<String>(), oid in proptest::option::of(any::<String>()), t in any::<bool>()) {
            let _ = Ins::parse(&s, oid.as_deref(), t);
        }

        #[test]
        fn parse_never_panics_on_near_matricules(s in "[0-9AB ]{10,18}", t in any::<bool>()) {
            if let Ok(ins) = Ins::parse(&s, None, t) {
                prop_assert_eq!(ins.matricule().len(), MATRICULE_LEN);
                let _ = check_consistency(&ins, Sex::Male, Some(&PartialDate::Year(1980)), None);
            }
        }

        #[test]
        fn computed_key_is_accepted(n in 0u64..10_000_000_000_000, corsica in 0u8..3) {
            let mut body = format!("{n:013}");
            if corsica > 0 {
                body.replace_range(5..7, if corsica == 1 { "2A" } else { "2B" });
            }
            let key = compute_key(&body).unwrap();
            prop_assert!((1..=97).contains(&key));
            let ins = Ins::parse(&format!("{body}{key:02}"), None, false);
            prop_assert!(ins.is_ok(), "{:?}", ins);
        }

        #[test]
        fn any_single_digit_change_is_refused(
            n in 0u64..10_000_000_000_000, position in 0usize..15, digit in 0u32..10
        ) {
            let body = format!("{n:013}");
            let valid = format!("{body}{:02}", compute_key(&body).unwrap());
            let new = char::from_digit(digit, 10).unwrap();
            prop_assume!(valid.chars().nth(position) != Some(new));
            let changed = replace_char(&valid, position, new);
            prop_assert!(Ins::parse(&changed, None, false).is_err());
        }

        #[test]
        fn check_consistency_never_panics(
            n in 0u64..10_000_000_000_000, y in 1850u16..=2100, m in 0u8..=12, place in "[0-9]{5}"
        ) {
            let body = format!("{n:013}");
            let ins = build(&body);
            let date = PartialDate::from_ymd(y, m, 0).ok();
            let place = BirthPlaceCode::parse(&place);
            let _ = check_consistency(&ins, Sex::Female, date.as_ref(), place.as_ref());
        }
    }
}
