//! Field comparisons with levels, and the [`ComparisonVector`] of a pair of records.
//!
//! Each [`ComparisonKind`] has a fixed, ordered list of levels (best agreement first, the last
//! one is plain disagreement); "missing" is a separate null level that contributes no weight.
//! The levels are part of the model file: changing them changes the model format.
//!
//! Cheap tests run first (equality, pointer equality of shared names, phonetic keys) and
//! Jaro–Winkler only when they fail, so most candidate pairs cost a few hundred nanoseconds.

use crate::compare;
use crate::date::{self, DateComparison, PartialDate};
use crate::sex::Sex;

use super::prepare::{MatchRecord, Name, NameKeys, jaro_winkler_upper_bound, same_name};

/// The compared fields, in model order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ComparisonKind {
    /// Birth name, with a cross level against the used name.
    BirthName,
    /// Birth first names (list), with the used first name.
    FirstNames,
    /// Birth date.
    BirthDate,
    /// Administrative sex.
    Sex,
    /// INSEE birthplace code.
    BirthPlace,
    /// INS matricule (any status; usability is a rule, not a weight).
    Ins,
    /// Address, postcode and city together (they move together).
    Location,
    /// Phone number.
    Phone,
    /// E-mail.
    Email,
    /// Other identifier.
    OtherId,
}

/// Number of comparisons.
pub const COMPARISON_COUNT: usize = 10;

/// Level indices of each comparison (best first).
pub mod level {
    /// Birth name levels.
    pub mod name {
        /// Same matching key.
        pub const EXACT: u8 = 0;
        /// Birth name of one equals the used name of the other (or both used names are equal),
        /// or one compound name contains the other.
        pub const CROSS: u8 = 1;
        /// Same Phonex key.
        pub const PHONETIC: u8 = 2;
        /// Jaro–Winkler ≥ 0.93.
        pub const JW_HIGH: u8 = 3;
        /// Jaro–Winkler ≥ 0.85.
        pub const JW_MID: u8 = 4;
        /// Different.
        pub const DIFFERENT: u8 = 5;
    }
    /// First-name levels (those of `compare::FirstNamesComparison`).
    pub mod first {
        /// The first first names are equal.
        pub const FIRST_EQUAL: u8 = 0;
        /// Some first name of one list equals (or is contained in) some of the other.
        pub const ANY_EQUAL: u8 = 1;
        /// The first first names are phonetically equal.
        pub const PHONETIC: u8 = 2;
        /// The first first names are close (Jaro–Winkler ≥ 0.9).
        pub const CLOSE: u8 = 3;
        /// Nothing in common.
        pub const DIFFERENT: u8 = 4;
    }
    /// Birth date levels (those of `date::DateComparison`, "different" split by year gap).
    pub mod date {
        /// Same full date.
        pub const EXACT: u8 = 0;
        /// Day and month transposed.
        pub const DAY_MONTH_SWAPPED: u8 = 1;
        /// One digit differs.
        pub const ONE_DIGIT_TYPO: u8 = 2;
        /// One side partial and agreeing.
        pub const PARTIAL_AGREE: u8 = 3;
        /// One side is the 01/01 placeholder, same year.
        pub const PLACEHOLDER: u8 = 4;
        /// Same year and month.
        pub const SAME_YEAR_MONTH: u8 = 5;
        /// Same year.
        pub const SAME_YEAR: u8 = 6;
        /// Different, years at most 5 apart.
        pub const DIFFERENT: u8 = 7;
        /// Different, years more than 5 apart.
        pub const FAR_APART: u8 = 8;
    }
    /// Levels of comparisons that are equal / different.
    pub mod binary {
        /// Equal.
        pub const EQUAL: u8 = 0;
        /// Different.
        pub const DIFFERENT: u8 = 1;
    }
    /// Birthplace levels.
    pub mod place {
        /// Same code.
        pub const EXACT: u8 = 0;
        /// Same département (same country abroad is `EXACT`).
        pub const SAME_AREA: u8 = 1;
        /// Different.
        pub const DIFFERENT: u8 = 2;
    }
    /// Levels of identifiers compared with one edit allowed (INS, phone, other id).
    pub mod ident {
        /// Equal.
        pub const EXACT: u8 = 0;
        /// One substitution, insertion, deletion or adjacent transposition.
        pub const ONE_EDIT: u8 = 1;
        /// Different.
        pub const DIFFERENT: u8 = 2;
    }
    /// Location levels.
    pub mod location {
        /// Same normalised address.
        pub const ADDRESS_EXACT: u8 = 0;
        /// Close address (Jaro–Winkler ≥ 0.9) in the same area.
        pub const ADDRESS_CLOSE: u8 = 1;
        /// Same postcode or city, different address.
        pub const SAME_AREA: u8 = 2;
        /// Different.
        pub const DIFFERENT: u8 = 3;
    }
}

impl ComparisonKind {
    /// All comparisons, in model order.
    pub const ALL: [ComparisonKind; COMPARISON_COUNT] = [
        ComparisonKind::BirthName,
        ComparisonKind::FirstNames,
        ComparisonKind::BirthDate,
        ComparisonKind::Sex,
        ComparisonKind::BirthPlace,
        ComparisonKind::Ins,
        ComparisonKind::Location,
        ComparisonKind::Phone,
        ComparisonKind::Email,
        ComparisonKind::OtherId,
    ];

    /// Position in model order.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The comparison at a model position.
    pub fn from_index(index: usize) -> Option<ComparisonKind> {
        ComparisonKind::ALL.get(index).copied()
    }

    /// Stable name (model files, explanations).
    pub fn name(self) -> &'static str {
        match self {
            ComparisonKind::BirthName => "birth_name",
            ComparisonKind::FirstNames => "first_names",
            ComparisonKind::BirthDate => "birth_date",
            ComparisonKind::Sex => "sex",
            ComparisonKind::BirthPlace => "birth_place",
            ComparisonKind::Ins => "ins",
            ComparisonKind::Location => "location",
            ComparisonKind::Phone => "phone",
            ComparisonKind::Email => "email",
            ComparisonKind::OtherId => "other_id",
        }
    }

    /// The comparison with this stable name.
    pub fn from_name(name: &str) -> Option<ComparisonKind> {
        ComparisonKind::ALL
            .into_iter()
            .find(|kind| kind.name() == name)
    }

    /// Stable labels of the non-null levels, best first.
    pub fn level_labels(self) -> &'static [&'static str] {
        match self {
            ComparisonKind::BirthName => &[
                "exact",
                "used_name_cross",
                "phonetic",
                "jw_0.93",
                "jw_0.85",
                "different",
            ],
            ComparisonKind::FirstNames => {
                &["first_equal", "any_equal", "phonetic", "close", "different"]
            }
            ComparisonKind::BirthDate => &[
                "exact",
                "day_month_swapped",
                "one_digit_typo",
                "partial_agree",
                "placeholder",
                "same_year_month",
                "same_year",
                "different",
                "far_apart",
            ],
            ComparisonKind::Sex | ComparisonKind::Email => &["equal", "different"],
            ComparisonKind::BirthPlace => &["exact", "same_area", "different"],
            ComparisonKind::Ins | ComparisonKind::Phone | ComparisonKind::OtherId => {
                &["exact", "one_edit", "different"]
            }
            ComparisonKind::Location => {
                &["address_exact", "address_close", "same_area", "different"]
            }
        }
    }

    /// Number of non-null levels.
    pub fn level_count(self) -> usize {
        self.level_labels().len()
    }

    /// The level whose match weight is adjusted by the term frequency of the value, if any.
    pub fn term_frequency_level(self) -> Option<u8> {
        match self {
            ComparisonKind::BirthName => Some(level::name::EXACT),
            ComparisonKind::FirstNames => Some(level::first::FIRST_EQUAL),
            _ => None,
        }
    }
}

/// The levels of one pair, 4 bits per comparison in model order (`0xF` = null), plus flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ComparisonVector(u64);

const NULL_NIBBLE: u64 = 0xF;
const SWAPPED_BIT: u64 = 1 << 60;
const LEVEL_BITS: u64 = (1 << (4 * COMPARISON_COUNT)) - 1;

impl Default for ComparisonVector {
    fn default() -> Self {
        ComparisonVector::ALL_NULL
    }
}

impl ComparisonVector {
    /// Every comparison null.
    pub const ALL_NULL: ComparisonVector = ComparisonVector(LEVEL_BITS);

    /// The level of a comparison (`None` = missing on at least one side).
    pub fn level(self, kind: ComparisonKind) -> Option<u8> {
        let nibble = (self.0 >> (4 * kind.index())) & NULL_NIBBLE;
        (nibble != NULL_NIBBLE).then_some(nibble as u8)
    }

    /// The same vector with one level replaced (a level ≥ 15 is stored as null).
    #[must_use]
    pub fn with(self, kind: ComparisonKind, level: Option<u8>) -> ComparisonVector {
        let shift = 4 * kind.index();
        let nibble = level.map_or(NULL_NIBBLE, |l| u64::from(l.min(14)));
        ComparisonVector((self.0 & !(NULL_NIBBLE << shift)) | (nibble << shift))
    }

    /// True when the names were compared crosswise (birth name of one against the first name of
    /// the other): a birth name / first name inversion.
    pub fn names_swapped(self) -> bool {
        self.0 & SWAPPED_BIT != 0
    }

    /// The same vector with the swap flag set or cleared.
    #[must_use]
    pub fn with_names_swapped(self, swapped: bool) -> ComparisonVector {
        if swapped {
            ComparisonVector(self.0 | SWAPPED_BIT)
        } else {
            ComparisonVector(self.0 & !SWAPPED_BIT)
        }
    }

    /// The vector without flags (the pattern EM aggregates on).
    #[must_use]
    pub fn pattern(self) -> ComparisonVector {
        ComparisonVector(self.0 & LEVEL_BITS)
    }

    /// The raw bits (stable within one model version).
    pub fn bits(self) -> u64 {
        self.0
    }

    /// A vector from raw bits (unknown flag bits are dropped).
    pub fn from_bits(bits: u64) -> ComparisonVector {
        ComparisonVector(bits & (LEVEL_BITS | SWAPPED_BIT))
    }

    /// Iterates over (comparison, level).
    pub fn levels(self) -> impl Iterator<Item = (ComparisonKind, Option<u8>)> {
        ComparisonKind::ALL
            .into_iter()
            .map(move |kind| (kind, self.level(kind)))
    }
}

/// Compares two prepared records (symmetric).
pub fn compare(a: &MatchRecord, b: &MatchRecord) -> ComparisonVector {
    let mut name = birth_name_level(a, b);
    let mut first = first_names_level(a, b);
    let mut swapped = false;
    if let (Some(n), Some(f)) = (name, first)
        && n > level::name::PHONETIC
        && f > level::first::PHONETIC
        && let Some((swapped_name, swapped_first)) = swapped_levels(a, b)
    {
        name = Some(swapped_name);
        first = Some(swapped_first);
        swapped = true;
    }
    ComparisonVector::ALL_NULL
        .with(ComparisonKind::BirthName, name)
        .with(ComparisonKind::FirstNames, first)
        .with(
            ComparisonKind::BirthDate,
            birth_date_level(a.birth_date, b.birth_date),
        )
        .with(ComparisonKind::Sex, sex_level(a.sex, b.sex))
        .with(
            ComparisonKind::BirthPlace,
            place_level(a.birth_place, b.birth_place),
        )
        .with(ComparisonKind::Ins, ins_level(a, b))
        .with(ComparisonKind::Location, location_level(a, b))
        .with(
            ComparisonKind::Phone,
            one_edit_level(a.phone.as_deref(), b.phone.as_deref()),
        )
        .with(ComparisonKind::Email, email_level(a.email, b.email))
        .with(
            ComparisonKind::OtherId,
            one_edit_level(a.other_id.as_deref(), b.other_id.as_deref()),
        )
        .with_names_swapped(swapped)
}

fn opt_same(a: Option<&Name>, b: Option<&Name>) -> bool {
    matches!((a, b), (Some(x), Some(y)) if same_name(x, y))
}

/// True when every token of the name with fewer tokens appears in the other one.
fn tokens_contained(a: &NameKeys, b: &NameKeys) -> bool {
    if a.tokens == b.tokens {
        return false;
    }
    let (short, long) = if a.tokens < b.tokens { (a, b) } else { (b, a) };
    short
        .key
        .split(' ')
        .all(|t| long.key.split(' ').any(|u| u == t))
}

/// Jaro–Winkler of two names when it can reach `floor`, 0 otherwise (skips the computation
/// when the letter bags rule it out).
fn jaro_winkler_at_least(a: &NameKeys, b: &NameKeys, floor: f64) -> f64 {
    if jaro_winkler_upper_bound(a, b) < floor {
        return 0.0;
    }
    compare::jaro_winkler(&a.key, &b.key)
}

fn birth_name_level(a: &MatchRecord, b: &MatchRecord) -> Option<u8> {
    use level::name::*;
    let cross = opt_same(a.used_name.as_ref(), b.birth_name.as_ref())
        || opt_same(a.birth_name.as_ref(), b.used_name.as_ref())
        || opt_same(a.used_name.as_ref(), b.used_name.as_ref());
    match (&a.birth_name, &b.birth_name) {
        (Some(x), Some(y)) => Some(if same_name(x, y) {
            EXACT
        } else if cross || tokens_contained(x, y) {
            CROSS
        } else if x.same_phonex(y) {
            PHONETIC
        } else {
            let jw = jaro_winkler_at_least(x, y, 0.85);
            if jw >= 0.93 {
                JW_HIGH
            } else if jw >= 0.85 {
                JW_MID
            } else {
                DIFFERENT
            }
        }),
        _ => cross.then_some(CROSS),
    }
}

fn first_list(record: &MatchRecord) -> &[Name] {
    if record.first_names.is_empty() {
        std::slice::from_ref(match &record.used_first_name {
            Some(name) => name,
            None => return &[],
        })
    } else {
        &record.first_names
    }
}

fn first_names_level(a: &MatchRecord, b: &MatchRecord) -> Option<u8> {
    use level::first::*;
    let (la, lb) = (first_list(a), first_list(b));
    let (fa, fb) = (la.first()?, lb.first()?);
    if same_name(fa, fb) {
        return Some(FIRST_EQUAL);
    }
    let extra_a = a.used_first_name.iter();
    let extra_b = b.used_first_name.iter();
    let any_equal = la.iter().chain(extra_a).any(|x| {
        lb.iter()
            .chain(extra_b.clone())
            .any(|y| same_name(x, y) || tokens_contained(x, y))
    });
    Some(if any_equal {
        ANY_EQUAL
    } else if fa.same_phonex(fb) {
        PHONETIC
    } else if jaro_winkler_at_least(fa, fb, 0.9) >= 0.9 {
        CLOSE
    } else {
        DIFFERENT
    })
}

/// How closely two names agree for the swap test: 0 same key, 1 same Phonex, 2 Jaro–Winkler
/// at least `close`; `None` below.
fn agreement(a: &NameKeys, b: &NameKeys, close: f64) -> Option<u8> {
    if same_name(a, b) {
        Some(0)
    } else if a.same_phonex(b) {
        Some(1)
    } else if jaro_winkler_at_least(a, b, close) >= close {
        Some(2)
    } else {
        None
    }
}

/// Levels when the birth name of each record agrees with the first name of the other: both
/// crossings at least close (the birth-name and first-name Jaro–Winkler bands) and one of
/// them exact or phonetic, so two typos never make a swap.
fn swapped_levels(a: &MatchRecord, b: &MatchRecord) -> Option<(u8, u8)> {
    let (ba, bb) = (a.birth_name.as_ref()?, b.birth_name.as_ref()?);
    let (fa, fb) = (first_list(a).first()?, first_list(b).first()?);
    let as_name = agreement(ba, fb, 0.93)?;
    let as_first = agreement(fa, bb, 0.9)?;
    if as_name == 2 && as_first == 2 {
        return None;
    }
    let name = match as_name {
        0 => level::name::EXACT,
        1 => level::name::PHONETIC,
        _ => level::name::JW_HIGH,
    };
    let first = match as_first {
        0 => level::first::FIRST_EQUAL,
        1 => level::first::PHONETIC,
        _ => level::first::CLOSE,
    };
    Some((name, first))
}

/// Birth date level of two optional dates.
pub fn birth_date_level(a: Option<PartialDate>, b: Option<PartialDate>) -> Option<u8> {
    use level::date::*;
    let (a, b) = (a?, b?);
    Some(match date::compare(&a, &b) {
        DateComparison::Exact => EXACT,
        DateComparison::DayMonthSwapped => DAY_MONTH_SWAPPED,
        DateComparison::OneDigitTypo => ONE_DIGIT_TYPO,
        DateComparison::PartialAgree => PARTIAL_AGREE,
        DateComparison::Placeholder => PLACEHOLDER,
        DateComparison::SameYearMonth => SAME_YEAR_MONTH,
        DateComparison::SameYear => SAME_YEAR,
        DateComparison::Different => {
            if a.year().abs_diff(b.year()) > 5 {
                FAR_APART
            } else {
                DIFFERENT
            }
        }
    })
}

fn sex_level(a: Sex, b: Sex) -> Option<u8> {
    match (a, b) {
        (Sex::Unknown, _) | (_, Sex::Unknown) => None,
        _ if a == b => Some(level::binary::EQUAL),
        _ => Some(level::binary::DIFFERENT),
    }
}

fn place_area(code: &[u8; 5]) -> &[u8] {
    match code {
        [b'9', b'7' | b'8', ..] => &code[..3],
        [b'9', b'9', ..] => &code[..],
        _ => &code[..2],
    }
}

fn place_level(a: Option<[u8; 5]>, b: Option<[u8; 5]>) -> Option<u8> {
    let (a, b) = (a?, b?);
    Some(if a == b {
        level::place::EXACT
    } else if place_area(&a) == place_area(&b) {
        level::place::SAME_AREA
    } else {
        level::place::DIFFERENT
    })
}

fn ins_level(a: &MatchRecord, b: &MatchRecord) -> Option<u8> {
    let (x, y) = (a.ins?, b.ins?);
    Some(if x == y {
        level::ident::EXACT
    } else if within_one_edit(x.as_str(), y.as_str()) {
        level::ident::ONE_EDIT
    } else {
        level::ident::DIFFERENT
    })
}

/// True when two strings differ by at most one substitution, insertion, deletion or adjacent
/// transposition (byte-wise; used on ASCII identifiers).
pub fn within_one_edit(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (ra, rb) = (
        a.get(prefix..).unwrap_or_default(),
        b.get(prefix..).unwrap_or_default(),
    );
    let suffix = ra
        .iter()
        .rev()
        .zip(rb.iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (ma, mb) = (
        ra.len() - suffix.min(ra.len()),
        rb.len() - suffix.min(rb.len()),
    );
    match (ma, mb) {
        (0, 0) | (1, 0) | (0, 1) | (1, 1) => true,
        (2, 2) => ra.first() == rb.get(1) && ra.get(1) == rb.first(),
        _ => false,
    }
}

fn one_edit_level(a: Option<&str>, b: Option<&str>) -> Option<u8> {
    let (a, b) = (a?, b?);
    Some(if a == b {
        level::ident::EXACT
    } else if within_one_edit(a, b) {
        level::ident::ONE_EDIT
    } else {
        level::ident::DIFFERENT
    })
}

fn email_level(a: Option<u64>, b: Option<u64>) -> Option<u8> {
    let (a, b) = (a?, b?);
    Some(if a == b {
        level::binary::EQUAL
    } else {
        level::binary::DIFFERENT
    })
}

fn location_level(a: &MatchRecord, b: &MatchRecord) -> Option<u8> {
    use level::location::*;
    let postcode = match (&a.postcode, &b.postcode) {
        (Some(x), Some(y)) => Some(x == y),
        _ => None,
    };
    let city = match (&a.city, &b.city) {
        (Some(x), Some(y)) => Some(x == y),
        _ => None,
    };
    let same_area = postcode == Some(true) || city == Some(true);
    if let (Some(x), Some(y)) = (&a.address, &b.address) {
        if x.hash == y.hash {
            return Some(ADDRESS_EXACT);
        }
        let area_known_different = !same_area && (postcode == Some(false) || city == Some(false));
        if !area_known_different
            && x.jaro_winkler_upper_bound(y) >= 0.9
            && compare::jaro_winkler(&x.text, &y.text) >= 0.9
        {
            return Some(ADDRESS_CLOSE);
        }
        return Some(if same_area { SAME_AREA } else { DIFFERENT });
    }
    match (postcode, city) {
        (None, None) => None,
        _ if same_area => Some(SAME_AREA),
        _ => Some(DIFFERENT),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::matching::prepare::text_hash;
    use crate::matching::testutil::rec;
    use proptest::prelude::*;

    #[test]
    fn vector_packs_levels_and_nulls() {
        let v = ComparisonVector::ALL_NULL
            .with(ComparisonKind::BirthName, Some(3))
            .with(ComparisonKind::OtherId, Some(2));
        assert_eq!(v.level(ComparisonKind::BirthName), Some(3));
        assert_eq!(v.level(ComparisonKind::OtherId), Some(2));
        assert_eq!(v.level(ComparisonKind::Sex), None);
        let s = v.with_names_swapped(true);
        assert!(s.names_swapped());
        assert_eq!(s.pattern(), v);
        assert_eq!(ComparisonVector::from_bits(s.bits()), s);
    }

    #[test]
    fn every_level_fits_in_a_nibble() {
        for kind in ComparisonKind::ALL {
            assert!(kind.level_count() <= 15);
            assert_eq!(ComparisonKind::from_name(kind.name()), Some(kind));
            assert_eq!(ComparisonKind::from_index(kind.index()), Some(kind));
        }
    }

    #[test]
    fn one_edit() {
        assert!(within_one_edit("0612345678", "0612345678"));
        assert!(within_one_edit("0612345678", "0612345679"));
        assert!(within_one_edit("0612345678", "0612354678"));
        assert!(within_one_edit("0612345678", "061234567"));
        assert!(within_one_edit("0612345678", "06123456789"));
        assert!(!within_one_edit("0612345678", "0612345699"));
        assert!(!within_one_edit("0612345678", "0621345687"));
        assert!(within_one_edit("", "1"));
    }

    #[test]
    fn names_and_dates() {
        let a = rec("DUPONT", "JEAN", "1980-03-04", 'M');
        let b = rec("DUPONT", "JEAN", "1980-04-03", 'M');
        let v = compare(&a, &b);
        assert_eq!(v.level(ComparisonKind::BirthName), Some(level::name::EXACT));
        assert_eq!(
            v.level(ComparisonKind::FirstNames),
            Some(level::first::FIRST_EQUAL)
        );
        assert_eq!(v.level(ComparisonKind::Sex), Some(level::binary::EQUAL));
        assert_eq!(v.level(ComparisonKind::Ins), None);
        let c = rec("DUPONT", "MARIE", "1955-07-21", 'F');
        let v = compare(&a, &c);
        assert_eq!(
            v.level(ComparisonKind::FirstNames),
            Some(level::first::DIFFERENT)
        );
        assert_eq!(
            v.level(ComparisonKind::BirthDate),
            Some(level::date::FAR_APART)
        );
        assert_eq!(v.level(ComparisonKind::Sex), Some(level::binary::DIFFERENT));
    }

    #[test]
    fn used_name_cross_level() {
        let mut a = rec("MARTIN", "SOPHIE", "1980-03-04", 'F');
        let b = rec("DURAND", "SOPHIE", "1980-03-04", 'F');
        a.used_name = b.birth_name.clone();
        assert_eq!(
            compare(&a, &b).level(ComparisonKind::BirthName),
            Some(level::name::CROSS)
        );
        assert_eq!(
            compare(&b, &a).level(ComparisonKind::BirthName),
            Some(level::name::CROSS)
        );
    }

    #[test]
    fn swapped_names_are_detected() {
        let a = rec("PIERRE", "MARTIN", "1980-03-04", 'M');
        let b = rec("MARTIN", "PIERRE", "1980-03-04", 'M');
        let v = compare(&a, &b);
        assert!(v.names_swapped());
        assert_eq!(v.level(ComparisonKind::BirthName), Some(level::name::EXACT));
        assert_eq!(
            v.level(ComparisonKind::FirstNames),
            Some(level::first::FIRST_EQUAL)
        );
    }

    #[test]
    fn a_swap_with_one_typo_is_detected_but_not_with_two() {
        let a = rec("ELIZABETH", "STEPHENSON", "1912-11-19", 'F');
        let b = rec("STEPHENSON", "ELIZBETH", "1912-11-19", 'F');
        let v = compare(&a, &b);
        assert!(v.names_swapped());
        assert_eq!(
            v.level(ComparisonKind::BirthName),
            Some(level::name::JW_HIGH)
        );
        assert_eq!(
            v.level(ComparisonKind::FirstNames),
            Some(level::first::FIRST_EQUAL)
        );
        let c = rec("STEPHENSKI", "ELIZBETH", "1912-11-19", 'F');
        assert!(!compare(&a, &c).names_swapped());
    }

    #[test]
    fn compound_first_name_contains_its_first_part() {
        let mut a = rec("DUPONT", "JEAN", "1980-03-04", 'M');
        let b = a.clone();
        let compound = NameKeys::from_key("JEAN PIERRE").unwrap();
        a.first_names = std::sync::Arc::from(vec![std::sync::Arc::new(compound)]);
        assert_eq!(
            compare(&a, &b).level(ComparisonKind::FirstNames),
            Some(level::first::ANY_EQUAL)
        );
    }

    #[test]
    fn location_levels() {
        let mut a = rec("DUPONT", "JEAN", "1980-03-04", 'M');
        let mut b = a.clone();
        a.address = Some("12 RUE DE LA PAIX".into());
        b.address = Some("12 RUE DE LA PAIX".into());
        assert_eq!(compare(&a, &b).level(ComparisonKind::Location), Some(0));
        b.address = Some("12 RUE DE LA PAIXX".into());
        assert_eq!(compare(&a, &b).level(ComparisonKind::Location), Some(1));
        a.postcode = Some(text_hash("75002"));
        b.postcode = Some(text_hash("69001"));
        assert_eq!(compare(&a, &b).level(ComparisonKind::Location), Some(3));
        b.postcode = Some(text_hash("75002"));
        b.address = Some("3 BOULEVARD VOLTAIRE".into());
        assert_eq!(compare(&a, &b).level(ComparisonKind::Location), Some(2));
        b.address = None;
        assert_eq!(compare(&a, &b).level(ComparisonKind::Location), Some(2));
        a.postcode = None;
        assert_eq!(compare(&a, &b).level(ComparisonKind::Location), None);
    }

    fn arb_record() -> impl Strategy<Value = MatchRecord> {
        let name =
            prop::sample::select(vec!["MARTIN", "MARTINE", "DUPONT", "DUPOND", "LE GALL", ""]);
        let first =
            prop::sample::select(vec!["JEAN", "JEAN PIERRE", "MARIE", "MARI", "PIERRE", ""]);
        let date = prop::sample::select(vec![
            "1980-03-04",
            "1980-04-03",
            "1980-01-01",
            "1981-03-04",
            "1930-03-04",
            "",
        ]);
        let sex = prop::sample::select(vec!['M', 'F', 'U']);
        let phone = prop::option::of("0[0-9]{3}");
        (name, first, date, sex, phone, any::<bool>()).prop_map(|(n, f, d, s, p, swap)| {
            let mut r = rec(n, f, d, s);
            r.phone = p.map(Into::into);
            if swap {
                r.used_name = r.birth_name.clone();
            }
            r
        })
    }

    proptest! {
        #[test]
        fn comparison_is_symmetric(a in arb_record(), b in arb_record()) {
            prop_assert_eq!(compare(&a, &b), compare(&b, &a));
        }

        #[test]
        fn a_record_agrees_with_itself(a in arb_record()) {
            let v = compare(&a, &a);
            for (kind, level) in v.levels() {
                if let Some(level) = level {
                    prop_assert_eq!(level, 0, "{:?}", kind);
                }
            }
        }

        #[test]
        fn one_edit_is_symmetric(a in "[0-9A]{0,6}", b in "[0-9A]{0,6}") {
            prop_assert_eq!(within_one_edit(&a, &b), within_one_edit(&b, &a));
            prop_assert_eq!(
                within_one_edit(&a, &b),
                strsim::damerau_levenshtein(&a, &b) <= 1 || strsim::osa_distance(&a, &b) <= 1
            );
        }
    }
}
