//! Blocking rules as pure key functions: each rule gives every record zero or more 64-bit keys,
//! and two records are a candidate pair of the rule when they share a key. The union of the
//! rules is the candidate set; a pair belongs to the first rule (in [`BlockingRule::DEFAULT`]
//! order) that produces it.
//!
//! Keys are FNV-1a hashes of the key parts with a per-rule seed: stable across runs, platforms
//! and versions (they can be stored). A hash collision only adds candidate pairs.
//!
//! A block larger than the cap is not expanded into all its pairs: its records are sorted by a
//! rule-specific order (the fields the rule does *not* block on) and each record is paired with
//! its next `window` neighbours (sorted neighbourhood), so candidate pairs per record stay
//! bounded as files grow. [`block_pairs`] implements that; the caller reports oversized blocks.

use super::comparison::ComparisonKind;
use super::model::fnv1a;
use super::prepare::{MatchRecord, NameKeys};
use crate::date::PartialDate;

/// A blocking key (records sharing a key within a rule are compared).
pub type BlockingKey = u64;

/// The blocking rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BlockingRule {
    /// Same INS matricule (any status).
    Ins,
    /// Same full birth date and same first letter of the first name.
    BirthDateFirstInitial,
    /// Same Phonex birth name and birth year.
    PhoneticBirthNameYear,
    /// Same pair {Phonex birth name, Phonex first name}, in either order (catches inversions).
    PhoneticNames,
    /// Same Phonex of any name — birth, used or first name, crossed — and full birth date
    /// (catches a used name keyed as birth name and family and first names swapped).
    NameCrossBirthDate,
    /// Same full birth date and birthplace.
    BirthDatePlace,
    /// Same Phonex first name and postcode.
    FirstNamePostcode,
    /// Same phone number.
    Phone,
    /// Same e-mail.
    Email,
    /// Same other identifier.
    OtherId,
    /// Same full birth date and postcode (people whose names were both keyed differently).
    BirthDatePostcode,
}

/// The order of the records inside an oversized block (sorted-neighbourhood window).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WindowOrder {
    /// By birth name, then first name.
    BirthName,
    /// By first name, then birth date.
    FirstName,
    /// By birth date, then birth name.
    BirthDate,
}

impl BlockingRule {
    /// The default rules, in priority order.
    pub const DEFAULT: [BlockingRule; 11] = [
        BlockingRule::Ins,
        BlockingRule::BirthDateFirstInitial,
        BlockingRule::PhoneticBirthNameYear,
        BlockingRule::PhoneticNames,
        BlockingRule::NameCrossBirthDate,
        BlockingRule::BirthDatePlace,
        BlockingRule::FirstNamePostcode,
        BlockingRule::Phone,
        BlockingRule::Email,
        BlockingRule::OtherId,
        BlockingRule::BirthDatePostcode,
    ];

    /// Stable name.
    pub fn name(self) -> &'static str {
        match self {
            BlockingRule::Ins => "ins",
            BlockingRule::BirthDateFirstInitial => "birth_date+first_initial",
            BlockingRule::PhoneticBirthNameYear => "phonex(birth_name)+birth_year",
            BlockingRule::PhoneticNames => "phonex(birth_name,first_name)",
            BlockingRule::NameCrossBirthDate => "phonex(birth|used|first name)+birth_date",
            BlockingRule::BirthDatePlace => "birth_date+birth_place",
            BlockingRule::FirstNamePostcode => "phonex(first_name)+postcode",
            BlockingRule::Phone => "phone",
            BlockingRule::Email => "email",
            BlockingRule::OtherId => "other_id",
            BlockingRule::BirthDatePostcode => "birth_date+postcode",
        }
    }

    /// The rule with this name.
    pub fn from_name(name: &str) -> Option<BlockingRule> {
        BlockingRule::DEFAULT
            .into_iter()
            .find(|rule| rule.name() == name)
    }

    /// Whether the rule's pairs feed an EM session, and the comparisons that session leaves
    /// out (those on the rule's own fields). Rules on contact fields are not used: they gather
    /// households, whose non-matching members do not behave like random pairs.
    pub fn training_exclusions(self) -> Option<&'static [ComparisonKind]> {
        use ComparisonKind as C;
        match self {
            BlockingRule::BirthDateFirstInitial => Some(&[C::BirthDate, C::FirstNames]),
            BlockingRule::PhoneticBirthNameYear => Some(&[C::BirthName, C::BirthDate]),
            BlockingRule::PhoneticNames => Some(&[C::BirthName, C::FirstNames]),
            BlockingRule::FirstNamePostcode => Some(&[C::FirstNames, C::Location]),
            _ => None,
        }
    }

    /// Order of records inside an oversized block.
    pub fn window_order(self) -> WindowOrder {
        match self {
            BlockingRule::PhoneticBirthNameYear
            | BlockingRule::NameCrossBirthDate
            | BlockingRule::Phone
            | BlockingRule::Email
            | BlockingRule::OtherId => WindowOrder::FirstName,
            BlockingRule::PhoneticNames => WindowOrder::BirthDate,
            BlockingRule::Ins
            | BlockingRule::BirthDateFirstInitial
            | BlockingRule::BirthDatePlace
            | BlockingRule::FirstNamePostcode
            | BlockingRule::BirthDatePostcode => WindowOrder::BirthName,
        }
    }

    /// Appends the record's keys for this rule to `out` (none when a needed field is missing).
    pub fn keys(self, record: &MatchRecord, out: &mut Vec<BlockingKey>) {
        let seed = self as u64 + 1;
        let full_date = record
            .birth_date
            .filter(|d| matches!(d, PartialDate::Full(..)));
        let first = record.first_name();
        match self {
            BlockingRule::Ins => {
                if let Some(ins) = &record.ins {
                    out.push(key(seed, &[&ins.0]));
                }
            }
            BlockingRule::BirthDateFirstInitial => {
                if let (Some(date), Some(first)) = (full_date, first)
                    && let Some(initial) = first.key.bytes().next()
                {
                    out.push(key(seed, &[&date_bytes(date), &[initial]]));
                }
            }
            BlockingRule::PhoneticBirthNameYear => {
                if let (Some(name), Some(date)) = (&record.birth_name, record.birth_date) {
                    out.push(key(seed, &[phonetic(name), &date.year().to_le_bytes()]));
                }
            }
            BlockingRule::PhoneticNames => {
                if let (Some(name), Some(first)) = (&record.birth_name, first) {
                    let (x, y) = (phonetic(name), phonetic(first));
                    let (lo, hi) = if x <= y { (x, y) } else { (y, x) };
                    out.push(key(seed, &[lo, b"|", hi]));
                }
            }
            BlockingRule::NameCrossBirthDate => {
                if let Some(date) = full_date {
                    let date = date_bytes(date);
                    // Birth, used and first name alike, so that a family name keyed as a
                    // used name or in the first-name field still meets its record.
                    let names = [&record.birth_name, &record.used_name]
                        .into_iter()
                        .flatten()
                        .chain(first);
                    let mut seen: [&[u8]; 3] = [&[]; 3];
                    for (i, name) in names.enumerate() {
                        let p = phonetic(name);
                        if !seen[..i].contains(&p) {
                            out.push(key(seed, &[p, &date]));
                        }
                        seen[i] = p;
                    }
                }
            }
            BlockingRule::BirthDatePlace => {
                if let (Some(date), Some(place)) = (full_date, &record.birth_place) {
                    out.push(key(seed, &[&date_bytes(date), place]));
                }
            }
            BlockingRule::FirstNamePostcode => {
                if let (Some(first), Some(postcode)) = (first, &record.postcode) {
                    out.push(key(seed, &[phonetic(first), &postcode.to_le_bytes()]));
                }
            }
            BlockingRule::Phone => {
                if let Some(phone) = &record.phone {
                    out.push(key(seed, &[phone.as_bytes()]));
                }
            }
            BlockingRule::Email => {
                if let Some(email) = &record.email {
                    out.push(key(seed, &[&email.to_le_bytes()]));
                }
            }
            BlockingRule::OtherId => {
                if let Some(other) = &record.other_id {
                    out.push(key(seed, &[other.as_bytes()]));
                }
            }
            BlockingRule::BirthDatePostcode => {
                if let (Some(date), Some(postcode)) = (full_date, &record.postcode) {
                    out.push(key(seed, &[&date_bytes(date), &postcode.to_le_bytes()]));
                }
            }
        }
    }

    /// The record's keys for this rule.
    pub fn keys_of(self, record: &MatchRecord) -> Vec<BlockingKey> {
        let mut out = Vec::new();
        self.keys(record, &mut out);
        out
    }

    /// True when two records share a key of this rule.
    pub fn shares_key(self, a: &MatchRecord, b: &MatchRecord) -> bool {
        let (ka, kb) = (self.keys_of(a), self.keys_of(b));
        ka.iter().any(|k| kb.contains(k))
    }
}

/// Phonex key, or the matching key when Phonex keeps nothing.
fn phonetic(name: &NameKeys) -> &[u8] {
    if name.phonex.is_empty() {
        name.key.as_bytes()
    } else {
        name.phonex.as_bytes()
    }
}

fn date_bytes(date: PartialDate) -> [u8; 4] {
    let [y0, y1] = date.year().to_le_bytes();
    [y0, y1, date.month().unwrap_or(0), date.day().unwrap_or(0)]
}

fn key(seed: u64, parts: &[&[u8]]) -> BlockingKey {
    let mut hash = fnv1a(&seed.to_le_bytes(), 0);
    for part in parts {
        hash = fnv1a(part, hash);
        hash = fnv1a(&[0xff], hash);
    }
    hash
}

fn prefix_u64(bytes: &[u8], len: usize) -> u64 {
    let mut value = 0u64;
    for i in 0..len {
        value = (value << 8) | u64::from(bytes.get(i).copied().unwrap_or(0));
    }
    value
}

fn date_ordinal(date: Option<PartialDate>) -> u64 {
    date.map_or(0, |d| {
        (u64::from(d.year()) << 9)
            | (u64::from(d.month().unwrap_or(0)) << 5)
            | u64::from(d.day().unwrap_or(0))
    })
}

/// The sort key of a record inside an oversized block (ties broken by record index).
pub fn window_sort_key(record: &MatchRecord, order: WindowOrder) -> u64 {
    let birth = record
        .birth_name
        .as_ref()
        .map_or(&[][..], |n| n.key.as_bytes());
    let first = record.first_name().map_or(&[][..], |n| n.key.as_bytes());
    match order {
        WindowOrder::BirthName => (prefix_u64(birth, 5) << 24) | (prefix_u64(first, 3)),
        WindowOrder::FirstName => {
            (prefix_u64(first, 5) << 24) | (date_ordinal(record.birth_date) & 0xff_ffff)
        }
        WindowOrder::BirthDate => (date_ordinal(record.birth_date) << 40) | prefix_u64(birth, 5),
    }
}

/// Block size cap and sorted-neighbourhood window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockLimits {
    /// Blocks with more records than this are windowed.
    pub max_block_size: usize,
    /// Each record of an oversized block is paired with this many following records.
    pub window: usize,
}

/// The defaults (cap 16, window 8) keep candidate pairs per record bounded (about 8 per rule)
/// however large the file: rules keyed on low-cardinality values (birth date and initial,
/// phonetic code and year…) have a fixed number of keys, so their blocks grow with the file.
/// Measured on the generated 1M file: same F1 as cap 128 / window 32 within noise with 17 %
/// fewer pairs, and memory per record flat from 1M to 10M records (BENCHMARKS.md).
impl Default for BlockLimits {
    fn default() -> Self {
        BlockLimits {
            max_block_size: 16,
            window: 8,
        }
    }
}

/// Emits the pairs of one block, whose members are given in window order: all pairs when the
/// block is within the cap, sorted-neighbourhood pairs otherwise. Pairs are `(members[i],
/// members[j])` with `i < j`. Returns true when the block was windowed.
pub fn block_pairs(members: &[u32], limits: BlockLimits, mut emit: impl FnMut(u32, u32)) -> bool {
    let windowed = members.len() > limits.max_block_size.max(2);
    let reach = if windowed {
        limits.window.max(1)
    } else {
        members.len()
    };
    for (i, &a) in members.iter().enumerate() {
        for &b in members.iter().skip(i + 1).take(reach) {
            emit(a, b);
        }
    }
    windowed
}

/// Number of pairs [`block_pairs`] emits for a block of `size` records.
pub fn block_pair_count(size: usize, limits: BlockLimits) -> u64 {
    let n = size as u64;
    if size <= limits.max_block_size.max(2) {
        n * n.saturating_sub(1) / 2
    } else {
        let w = limits.window.max(1) as u64;
        // Each record pairs with min(w, records after it).
        if n <= w {
            n * (n - 1) / 2
        } else {
            w * (n - w) + w * (w - 1) / 2
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::matching::prepare::InsCode;
    use crate::matching::testutil::rec;

    #[test]
    fn swapped_names_share_the_phonetic_names_key() {
        let a = rec("MARTIN", "PIERRE", "1980-03-04", 'M');
        let b = rec("PIERRE", "MARTIN", "1980-03-04", 'M');
        assert!(BlockingRule::PhoneticNames.shares_key(&a, &b));
        assert!(!BlockingRule::PhoneticBirthNameYear.shares_key(&a, &b));
        assert!(BlockingRule::BirthDateFirstInitial.keys_of(&a).len() == 1);
    }

    #[test]
    fn used_name_crosses_birth_name() {
        let mut a = rec("DURAND", "SOPHIE", "1980-03-04", 'F');
        let b = rec("MARTIN", "SOPHIA", "1980-03-04", 'F');
        a.used_name = b.birth_name.clone();
        assert!(BlockingRule::NameCrossBirthDate.shares_key(&a, &b));
        // Birth, used and first name.
        assert_eq!(BlockingRule::NameCrossBirthDate.keys_of(&a).len(), 3);
    }

    #[test]
    fn a_family_name_keyed_as_first_name_meets_its_record() {
        let a = rec("STEPHENSON", "ELIZABETH", "1912-11-19", 'F');
        let b = rec("ELIZBETH", "STEPHENSON", "1912-11-19", 'F');
        assert!(BlockingRule::NameCrossBirthDate.shares_key(&a, &b));
        assert!(!BlockingRule::PhoneticNames.shares_key(&a, &b));
        // A name equal to the first name gives one key, not two.
        let c = rec("MARTIN", "MARTIN", "1980-03-04", 'M');
        assert_eq!(BlockingRule::NameCrossBirthDate.keys_of(&c).len(), 1);
    }

    #[test]
    fn missing_fields_give_no_key() {
        let a = rec("", "", "", 'U');
        for rule in BlockingRule::DEFAULT {
            assert!(rule.keys_of(&a).is_empty(), "{}", rule.name());
            assert_eq!(BlockingRule::from_name(rule.name()), Some(rule));
        }
        let partial = rec("MARTIN", "JEAN", "1980", 'M');
        assert!(
            BlockingRule::BirthDateFirstInitial
                .keys_of(&partial)
                .is_empty()
        );
        assert_eq!(
            BlockingRule::PhoneticBirthNameYear.keys_of(&partial).len(),
            1
        );
    }

    #[test]
    fn rules_have_distinct_keys_for_equal_values() {
        let mut a = rec("MARTIN", "JEAN", "1980-03-04", 'M');
        a.phone = Some("0102030405".into());
        a.other_id = Some("0102030405".into());
        a.ins = Some(InsCode::from_matricule("180037511111111"));
        assert_ne!(
            BlockingRule::Phone.keys_of(&a),
            BlockingRule::OtherId.keys_of(&a)
        );
    }

    #[test]
    fn oversized_blocks_are_windowed() {
        let limits = BlockLimits {
            max_block_size: 4,
            window: 2,
        };
        let small: Vec<u32> = (0..4).collect();
        let mut pairs = Vec::new();
        assert!(!block_pairs(&small, limits, |a, b| pairs.push((a, b))));
        assert_eq!(pairs.len(), 6);
        assert_eq!(block_pair_count(4, limits), 6);
        let big: Vec<u32> = (0..10).collect();
        pairs.clear();
        assert!(block_pairs(&big, limits, |a, b| pairs.push((a, b))));
        assert_eq!(pairs.len() as u64, block_pair_count(10, limits));
        assert!(pairs.contains(&(0, 2)) && !pairs.contains(&(0, 3)));
        assert!(pairs.contains(&(8, 9)));
    }

    #[test]
    fn window_sort_follows_the_unblocked_field() {
        let a = rec("MARTIN", "ALAIN", "1980-03-04", 'M');
        let b = rec("MARTIN", "BERNARD", "1950-03-04", 'M');
        assert!(
            window_sort_key(&a, WindowOrder::FirstName)
                < window_sort_key(&b, WindowOrder::FirstName)
        );
        assert!(
            window_sort_key(&a, WindowOrder::BirthDate)
                > window_sort_key(&b, WindowOrder::BirthDate)
        );
    }
}
