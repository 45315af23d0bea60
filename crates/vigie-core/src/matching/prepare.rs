//! The matching view of a record: [`MatchRecord`], built once per record from an
//! [`IdentityRecord`] (normalised name keys, phonetic keys, parsed date, sex, birthplace, INS and
//! its usability, contact fields), so that comparing two records never normalises or allocates.
//!
//! Names are shared: a [`NameCache`] hands out one `Arc<NameKeys>` per distinct spelling, so the
//! 6,000 MARTINs of a million-record file cost one allocation (and one Phonex computation) per
//! cache, and equal names usually compare by pointer. Ten million prepared records fit in a few
//! gigabytes.

use std::sync::Arc;

use rustc_hash::FxHashMap;

use crate::date::PartialDate;
use crate::matching::model::fnv1a;
use crate::normalize;
use crate::phonetics;
use crate::record::IdentityRecord;
use crate::sex::Sex;

/// The matching keys of one name (a family name or one first name).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NameKeys {
    /// The matching key (`normalize::name_key` of a family name, one entry of
    /// `normalize::first_names` for a first name). Never empty.
    pub key: Box<str>,
    /// French Phonex key of `key` (may be empty for a name without letters Phonex keeps).
    pub phonex: Box<str>,
    /// French Soundex2 key of `key`.
    pub soundex2: Box<str>,
    /// FNV-1a hash of `phonex` (phonetic agreement without reading the text).
    pub phonex_hash: u64,
    /// FNV-1a hash of `key` (fast inequality).
    pub hash: u64,
    /// Number of space-separated tokens of `key`.
    pub tokens: u8,
    /// Letter counts of `key` (`A`–`Z` at 0–25, space at 26, anything else at 31) when the key
    /// is ASCII; they bound Jaro–Winkler from above, so most dissimilar pairs skip it.
    pub bag: Option<[u8; 32]>,
}

impl NameKeys {
    /// Keys of an already normalised matching key; `None` when the key is empty.
    pub fn from_key(key: &str) -> Option<NameKeys> {
        let key = key.trim();
        if key.is_empty() {
            return None;
        }
        let phonex = phonetics::phonex(key);
        Some(NameKeys {
            key: key.into(),
            phonex_hash: fnv1a(phonex.as_bytes(), 0),
            phonex: phonex.into(),
            soundex2: phonetics::soundex2(key).into(),
            hash: fnv1a(key.as_bytes(), 0),
            tokens: key.split(' ').count().min(255) as u8,
            bag: key.is_ascii().then(|| letter_bag(key)),
        })
    }

    /// True when both names have the same non-empty Phonex key (compared by hash, as
    /// [`same_name`] does).
    pub fn same_phonex(&self, other: &NameKeys) -> bool {
        !self.phonex.is_empty() && self.phonex_hash == other.phonex_hash
    }
}

/// A shared name: records with the same spelling point to the same keys.
pub type Name = Arc<NameKeys>;

/// True when two names have the same matching key. Compares the 64-bit hashes only: two
/// different names collide with probability about 5·10⁻²⁰, far below any data error rate, and
/// skipping the string comparison saves a memory access per pair.
pub fn same_name(a: &NameKeys, b: &NameKeys) -> bool {
    a.hash == b.hash
}

fn letter_bag(key: &str) -> [u8; 32] {
    let mut bag = [0u8; 32];
    for byte in key.bytes() {
        let slot = match byte {
            b'A'..=b'Z' => usize::from(byte - b'A'),
            b' ' => 26,
            _ => 31,
        };
        if let Some(count) = bag.get_mut(slot) {
            *count = count.saturating_add(1);
        }
    }
    bag
}

/// An upper bound of the Jaro–Winkler similarity of two names (1 when unknown): Jaro is at most
/// (m/|a| + m/|b| + 1)/3 with m the common letters, and the Winkler prefix bonus at most
/// 0.4 (1 − Jaro).
pub fn jaro_winkler_upper_bound(a: &NameKeys, b: &NameKeys) -> f64 {
    let (Some(x), Some(y)) = (&a.bag, &b.bag) else {
        return 1.0;
    };
    bag_bound(x, y, a.key.len(), b.key.len())
}

fn bag_bound(x: &[u8; 32], y: &[u8; 32], la: usize, lb: usize) -> f64 {
    if la == 0 || lb == 0 {
        return 1.0;
    }
    let common: u32 = x.iter().zip(y).map(|(p, q)| u32::from(*p.min(q))).sum();
    let m = f64::from(common);
    let jaro = (m / la as f64 + m / lb as f64 + 1.0) / 3.0;
    (0.4 + 0.6 * jaro).min(1.0)
}

/// [`jaro_winkler_upper_bound`] of two texts (1 unless both are ASCII).
pub fn text_jaro_winkler_upper_bound(a: &str, b: &str) -> f64 {
    if !(a.is_ascii() && b.is_ascii()) {
        return 1.0;
    }
    bag_bound(&text_bag(a), &text_bag(b), a.len(), b.len())
}

/// Stable hash of a text value compared only for equality (postcode, city, e-mail).
pub fn text_hash(text: &str) -> u64 {
    fnv1a(text.as_bytes(), 0x7465_7874)
}

/// A normalised address with its hash (equality without touching the text) and its letter
/// counts (a Jaro–Winkler upper bound without touching the text).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AddressText {
    /// [`text_hash`] of `text`.
    pub hash: u64,
    /// Character counts (ASCII byte modulo 32) when the text is ASCII.
    pub bag: Option<[u8; 32]>,
    /// The normalised address.
    pub text: Box<str>,
}

impl From<&str> for AddressText {
    fn from(text: &str) -> AddressText {
        AddressText {
            hash: text_hash(text),
            bag: text.is_ascii().then(|| text_bag(text)),
            text: text.into(),
        }
    }
}

impl AddressText {
    /// Upper bound of the Jaro–Winkler similarity of two addresses.
    pub fn jaro_winkler_upper_bound(&self, other: &AddressText) -> f64 {
        match (&self.bag, &other.bag) {
            (Some(x), Some(y)) => bag_bound(x, y, self.text.len(), other.text.len()),
            _ => 1.0,
        }
    }
}

fn text_bag(text: &str) -> [u8; 32] {
    let mut bag = [0u8; 32];
    for byte in text.bytes() {
        let slot = usize::from(byte.to_ascii_uppercase()) % 32;
        if let Some(count) = bag.get_mut(slot) {
            *count = count.saturating_add(1);
        }
    }
    bag
}

/// An INS matricule as 15 bytes (13 characters and the 2-digit key; `2A`/`2B` kept as letters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InsCode(pub [u8; 15]);

impl InsCode {
    /// Packs a matricule; extra characters beyond 15 are ignored and missing ones are zero.
    pub fn from_matricule(matricule: &str) -> InsCode {
        let mut bytes = [0u8; 15];
        for (slot, byte) in bytes.iter_mut().zip(matricule.bytes()) {
            *slot = byte;
        }
        InsCode(bytes)
    }

    /// The matricule as text (non-ASCII bytes never occur in a validated INS).
    pub fn as_str(&self) -> &str {
        let end = self.0.iter().position(|&b| b == 0).unwrap_or(self.0.len());
        std::str::from_utf8(self.0.get(..end).unwrap_or_default()).unwrap_or_default()
    }
}

/// One record ready for comparison. Build it with [`MatchRecord::from_record`] (or
/// [`MatchRecord::from_record_cached`] in bulk).
///
/// The fields are public so that callers (and tests) can build records directly; the invariants
/// that matter (non-empty names, digits-only phone) are those of the constructors.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchRecord {
    /// Birth name (strict trait).
    pub birth_name: Option<Name>,
    /// Used name.
    pub used_name: Option<Name>,
    /// Birth first names, in order (empty when unknown).
    pub first_names: Arc<[Name]>,
    /// Used first name.
    pub used_first_name: Option<Name>,
    /// Administrative sex.
    pub sex: Sex,
    /// Birth date.
    pub birth_date: Option<PartialDate>,
    /// INSEE birthplace code, 5 ASCII bytes.
    pub birth_place: Option<[u8; 5]>,
    /// INS matricule (any status).
    pub ins: Option<InsCode>,
    /// The INS may be relied upon (qualified identity).
    pub ins_usable: bool,
    /// Fictitious identity (never auto-linked).
    pub fictitious: bool,
    /// Doubtful identity.
    pub doubtful: bool,
    /// Normalised street address (ASCII upper case, abbreviations expanded).
    pub address: Option<AddressText>,
    /// Hash ([`text_hash`]) of the postal code without spaces, upper case.
    pub postcode: Option<u64>,
    /// Hash of the RNIV-normalised city.
    pub city: Option<u64>,
    /// Phone digits.
    pub phone: Option<Box<str>>,
    /// Hash of the e-mail, lower case, trimmed.
    pub email: Option<u64>,
    /// Other identifier, upper case, without spaces.
    pub other_id: Option<Box<str>>,
    /// Relative frequency of the birth name in the population the model was trained on (0 when
    /// not looked up yet: the model looks it up while scoring).
    pub birth_name_tf: f32,
    /// Relative frequency of the first first name (0 when not looked up yet).
    pub first_name_tf: f32,
}

impl Default for MatchRecord {
    fn default() -> Self {
        MatchRecord {
            birth_name: None,
            used_name: None,
            first_names: Arc::from(Vec::new()),
            used_first_name: None,
            sex: Sex::Unknown,
            birth_date: None,
            birth_place: None,
            ins: None,
            ins_usable: false,
            fictitious: false,
            doubtful: false,
            address: None,
            postcode: None,
            city: None,
            phone: None,
            email: None,
            other_id: None,
            birth_name_tf: 0.0,
            first_name_tf: 0.0,
        }
    }
}

impl MatchRecord {
    /// Prepares one record (with a throw-away cache: use [`MatchRecord::from_record_cached`]
    /// in bulk).
    pub fn from_record(record: &IdentityRecord) -> MatchRecord {
        let mut cache = NameCache::default();
        MatchRecord::from_record_cached(record, &mut cache)
    }

    /// Prepares one record, sharing names through `cache`.
    pub fn from_record_cached(record: &IdentityRecord, cache: &mut NameCache) -> MatchRecord {
        let birth_name = record.birth_name.as_deref().and_then(|n| cache.family(n));
        let used_name = record.used_name.as_deref().and_then(|n| cache.family(n));
        let first_names = match record.first_names.as_deref() {
            Some(raw) => cache.first_names(raw),
            None => Arc::from(Vec::new()),
        };
        let used_first_name = record
            .used_first_name
            .as_deref()
            .and_then(|raw| cache.first_names(raw).first().cloned());
        let birth_place = record.birth_place.as_ref().and_then(|code| {
            let bytes = code.as_str().as_bytes();
            <[u8; 5]>::try_from(bytes).ok()
        });
        MatchRecord {
            birth_name,
            used_name,
            first_names,
            used_first_name,
            sex: record.sex,
            birth_date: record.birth_date,
            birth_place,
            ins: record
                .ins
                .as_ref()
                .map(|ins| InsCode::from_matricule(ins.matricule())),
            ins_usable: record.ins.is_some() && record.state.ins_usable(),
            fictitious: record.state.fictitious(),
            doubtful: record.state.doubtful(),
            address: record
                .address
                .as_deref()
                .and_then(normalize_address)
                .map(|a| AddressText::from(a.as_str())),
            postcode: record.postcode.as_deref().and_then(code_hash),
            city: record.city.as_deref().and_then(|c| cache.text(c)),
            phone: record.phone.as_deref().and_then(digits).map(Into::into),
            email: record.email.as_deref().and_then(email_hash),
            other_id: record
                .other_id
                .as_deref()
                .and_then(compact_code)
                .map(Into::into),
            birth_name_tf: 0.0,
            first_name_tf: 0.0,
        }
    }

    /// The first first name, or the used first name when the list is unknown.
    pub fn first_name(&self) -> Option<&Name> {
        self.first_names.first().or(self.used_first_name.as_ref())
    }

    /// True when the record has any family name (birth or used).
    pub fn has_family_name(&self) -> bool {
        self.birth_name.is_some() || self.used_name.is_some()
    }
}

/// Shares name keys between records prepared by one thread. Bounded: it forgets everything when
/// it holds more than its capacity, so memory stays proportional to the distinct names seen.
#[derive(Debug, Clone)]
pub struct NameCache {
    family: FxHashMap<Box<str>, Option<Name>>,
    given: FxHashMap<Box<str>, Arc<[Name]>>,
    given_keys: FxHashMap<Box<str>, Name>,
    text: FxHashMap<Box<str>, Option<u64>>,
    capacity: usize,
}

impl Default for NameCache {
    fn default() -> Self {
        NameCache::with_capacity(200_000)
    }
}

impl NameCache {
    /// A cache holding at most about `capacity` entries per kind of name.
    pub fn with_capacity(capacity: usize) -> NameCache {
        NameCache {
            family: FxHashMap::default(),
            given: FxHashMap::default(),
            given_keys: FxHashMap::default(),
            text: FxHashMap::default(),
            capacity: capacity.max(1),
        }
    }

    fn trim_if_full(&mut self) {
        if self.family.len() > self.capacity
            || self.given.len() > self.capacity
            || self.given_keys.len() > self.capacity
            || self.text.len() > self.capacity
        {
            self.family.clear();
            self.given.clear();
            self.given_keys.clear();
            self.text.clear();
        }
    }

    /// The keys of a family name as written (`None` when nothing remains after normalisation).
    pub fn family(&mut self, raw: &str) -> Option<Name> {
        if let Some(hit) = self.family.get(raw) {
            return hit.clone();
        }
        self.trim_if_full();
        let keys = NameKeys::from_key(&normalize::name_key(raw)).map(Arc::new);
        self.family.insert(raw.into(), keys.clone());
        keys
    }

    /// The keys of each first name of a `first_names` field as written.
    pub fn first_names(&mut self, raw: &str) -> Arc<[Name]> {
        if let Some(hit) = self.given.get(raw) {
            return hit.clone();
        }
        self.trim_if_full();
        let mut names = Vec::new();
        for key in normalize::first_names(raw) {
            if let Some(existing) = self.given_keys.get(key.as_str()) {
                names.push(existing.clone());
            } else if let Some(keys) = NameKeys::from_key(&key) {
                let keys = Arc::new(keys);
                self.given_keys.insert(key.into(), keys.clone());
                names.push(keys);
            }
        }
        let names: Arc<[Name]> = Arc::from(names);
        self.given.insert(raw.into(), names.clone());
        names
    }

    /// The hash of an RNIV-normalised text (cities); `None` when empty after normalisation.
    pub fn text(&mut self, raw: &str) -> Option<u64> {
        if let Some(hit) = self.text.get(raw) {
            return *hit;
        }
        self.trim_if_full();
        let value = normalize::rniv(raw);
        let value = (!value.is_empty()).then(|| text_hash(&value));
        self.text.insert(raw.into(), value);
        value
    }
}

/// Digits of a value; `None` when it has none.
fn digits(value: &str) -> Option<String> {
    let digits: String = value.chars().filter(char::is_ascii_digit).collect();
    (!digits.is_empty()).then_some(digits)
}

/// [`text_hash`] of the upper-case alphanumerics of a code, without allocating; `None` when
/// there are none.
fn code_hash(value: &str) -> Option<u64> {
    if value.is_ascii() && value.len() <= 32 {
        let mut buffer = [0u8; 32];
        let mut len = 0;
        for byte in value.bytes().filter(u8::is_ascii_alphanumeric) {
            if let Some(slot) = buffer.get_mut(len) {
                *slot = byte.to_ascii_uppercase();
                len += 1;
            }
        }
        let code = buffer.get(..len).unwrap_or_default();
        (len > 0).then(|| fnv1a(code, 0x7465_7874))
    } else {
        compact_code(value).map(|c| text_hash(&c))
    }
}

/// [`text_hash`] of a trimmed, lower-case e-mail; `None` when empty.
fn email_hash(value: &str) -> Option<u64> {
    let value = value.trim();
    if value.is_empty() {
        None
    } else if value
        .bytes()
        .any(|b| b.is_ascii_uppercase() || !b.is_ascii())
    {
        Some(text_hash(&value.to_lowercase()))
    } else {
        Some(text_hash(value))
    }
}

/// Upper-case alphanumerics of a code (postcode, other id); `None` when empty.
fn compact_code(value: &str) -> Option<String> {
    let code: String = value
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect();
    (!code.is_empty()).then_some(code)
}

/// Common French street-type abbreviations and their full form.
const STREET_WORDS: &[(&str, &str)] = &[
    ("AV", "AVENUE"),
    ("AVE", "AVENUE"),
    ("BD", "BOULEVARD"),
    ("BLD", "BOULEVARD"),
    ("BVD", "BOULEVARD"),
    ("R", "RUE"),
    ("PL", "PLACE"),
    ("CH", "CHEMIN"),
    ("CHE", "CHEMIN"),
    ("IMP", "IMPASSE"),
    ("ALL", "ALLEE"),
    ("RTE", "ROUTE"),
    ("FBG", "FAUBOURG"),
    ("SQ", "SQUARE"),
    ("CRS", "COURS"),
    ("QU", "QUAI"),
    ("LOT", "LOTISSEMENT"),
    ("RES", "RESIDENCE"),
    ("ST", "SAINT"),
    ("STE", "SAINTE"),
];

/// Normalises a street address for comparison: ASCII upper case, punctuation as spaces, street
/// types spelled out (`AV` → `AVENUE`), one space between tokens. `None` when nothing is left.
pub fn normalize_address(value: &str) -> Option<String> {
    let ascii = if value.is_ascii() {
        value.to_ascii_uppercase()
    } else {
        deunicode::deunicode(value).to_uppercase()
    };
    let mut out = String::with_capacity(ascii.len());
    for token in ascii
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| !t.is_empty())
    {
        let token = STREET_WORDS
            .iter()
            .find(|(short, _)| *short == token)
            .map_or(token, |(_, long)| long);
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(token);
    }
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn address_normalisation_expands_street_types() {
        assert_eq!(
            normalize_address("12, av. de la République").as_deref(),
            Some("12 AVENUE DE LA REPUBLIQUE")
        );
        assert_eq!(
            normalize_address("12 AVENUE DE LA REPUBLIQUE"),
            normalize_address("12 av de la république")
        );
        assert_eq!(normalize_address(" ,; "), None);
    }

    #[test]
    fn code_and_email_hashes_normalise_without_allocating() {
        assert_eq!(code_hash("75 002"), Some(text_hash("75002")));
        assert_eq!(code_hash("2a-004"), Some(text_hash("2A004")));
        assert_eq!(code_hash(" - "), None);
        assert_eq!(email_hash(" A.B@X.FR "), Some(text_hash("a.b@x.fr")));
        assert_eq!(email_hash("a.b@x.fr"), Some(text_hash("a.b@x.fr")));
        assert_eq!(email_hash("  "), None);
    }

    #[test]
    fn cache_shares_equal_names() {
        let mut cache = NameCache::default();
        let a = cache.family("Martin").unwrap();
        let b = cache.family("Martin").unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        assert!(cache.family("  ").is_none());
        let firsts = cache.first_names("Jean Paul");
        assert_eq!(firsts.len(), 2);
    }

    #[test]
    fn upper_bound_bounds_jaro_winkler() {
        let names = [
            "MARTIN",
            "MARTINE",
            "DUPONT",
            "DUPOND",
            "LE GALL",
            "A",
            "ZYLBERSTEIN",
            "NGUYEN",
            "MRATIN",
        ];
        for a in names {
            for b in names {
                let (x, y) = (
                    NameKeys::from_key(a).unwrap(),
                    NameKeys::from_key(b).unwrap(),
                );
                let jw = crate::compare::jaro_winkler(a, b);
                assert!(jaro_winkler_upper_bound(&x, &y) + 1e-12 >= jw, "{a} {b}");
            }
        }
        let (x, y) = (
            NameKeys::from_key("MARTIN").unwrap(),
            NameKeys::from_key("DUPONT").unwrap(),
        );
        assert!(jaro_winkler_upper_bound(&x, &y) < 0.85);
    }

    proptest::proptest! {
        #[test]
        fn text_upper_bound_is_an_upper_bound(a in "[0-9A-Za-z ]{1,30}", b in "[0-9A-Za-z ]{1,30}") {
            let jw = crate::compare::jaro_winkler(&a, &b);
            proptest::prop_assert!(text_jaro_winkler_upper_bound(&a, &b) + 1e-12 >= jw);
        }

        #[test]
        fn upper_bound_is_an_upper_bound(a in "[A-F ]{1,9}", b in "[A-F ]{1,9}") {
            let (Some(x), Some(y)) = (NameKeys::from_key(&a), NameKeys::from_key(&b)) else {
                return Ok(());
            };
            let jw = crate::compare::jaro_winkler(&x.key, &y.key);
            proptest::prop_assert!(jaro_winkler_upper_bound(&x, &y) + 1e-12 >= jw);
        }
    }

    #[test]
    fn cache_forgets_when_full() {
        let mut cache = NameCache::with_capacity(2);
        for name in ["A", "B", "C", "D", "E"] {
            assert!(cache.family(name).is_some());
        }
        assert!(cache.family.len() <= 3);
    }

    #[test]
    fn ins_code_round_trips() {
        let code = InsCode::from_matricule("253072A07300443");
        assert_eq!(code.as_str(), "253072A07300443");
        assert_eq!(InsCode::from_matricule("12").as_str(), "12");
    }
}
