//! String comparators used by matching: Jaro–Winkler, Damerau–Levenshtein (full and bounded),
//! phonetic equality, first-name lists and digit strings.
//!
//! Comparators take values that are already normalised ([`crate::normalize`]); they are total,
//! symmetric and bounded (checked by property tests).

use crate::phonetics::{phonex, soundex2};

/// Jaro–Winkler similarity in `[0, 1]`, symmetric.
///
/// strsim's Jaro–Winkler, with the arguments put in a canonical order so the result is exactly
/// symmetric, and clamped to `[0, 1]`. Two empty strings are similar (1.0), as in strsim.
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    let similarity = if a <= b {
        strsim::jaro_winkler(a, b)
    } else {
        strsim::jaro_winkler(b, a)
    };
    similarity.clamp(0.0, 1.0)
}

/// True Damerau–Levenshtein distance.
///
/// Unrestricted (Lowrance–Wagner) distance on Unicode scalar values: insertions, deletions,
/// substitutions and transpositions of adjacent characters, where a transposed pair may be
/// edited again (`CA` → `ABC` is 2, where the restricted OSA distance says 3).
pub fn damerau_levenshtein(a: &str, b: &str) -> usize {
    strsim::damerau_levenshtein(a, b)
}

/// Damerau–Levenshtein distance when it is at most `max`, `None` otherwise (cheaper: stops early).
///
/// Same distance as [`damerau_levenshtein`], computed in a way that is cheaper when only small
/// distances matter:
///
/// * `None` at once when the lengths differ by more than `max`;
/// * a common prefix and suffix are skipped (a typo in `DUPONT`/`DUPOMT` is a 1×1 table);
/// * only the diagonal band `|i − j| ≤ max + 1` of the table is computed (a cell outside it
///   cannot lie on an alignment of cost ≤ `max`);
/// * `None` as soon as a whole row of the band exceeds `max + 1` (a transposition can jump over
///   a row, but never more cheaply than one more edit);
/// * ASCII strings are compared as bytes with a flat table for the last-seen rows, without the
///   hash map the general algorithm needs.
///
/// ```
/// use vigie_core::compare::damerau_levenshtein_bounded;
/// assert_eq!(damerau_levenshtein_bounded("DUPONT", "DUPOMT", 2), Some(1));
/// assert_eq!(damerau_levenshtein_bounded("DUPONT", "DURAND", 2), None);
/// ```
pub fn damerau_levenshtein_bounded(a: &str, b: &str, max: usize) -> Option<usize> {
    if a == b {
        return Some(0);
    }
    if a.is_ascii() && b.is_ascii() {
        bounded(a.as_bytes(), b.as_bytes(), max, || AsciiLastRow([0; 128]))
    } else {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        bounded(&a, &b, max, || CharLastRow(Vec::new()))
    }
}

/// For each symbol, the last row (1-based, 0 for none) of `a` where it occurred.
trait LastRow<T> {
    fn get(&self, symbol: T) -> usize;
    fn set(&mut self, symbol: T, row: usize);
}

/// Last rows of ASCII bytes, in a flat table.
struct AsciiLastRow([usize; 128]);

impl LastRow<u8> for AsciiLastRow {
    fn get(&self, symbol: u8) -> usize {
        self.0.get(usize::from(symbol)).copied().unwrap_or(0)
    }

    fn set(&mut self, symbol: u8, row: usize) {
        if let Some(slot) = self.0.get_mut(usize::from(symbol)) {
            *slot = row;
        }
    }
}

/// Last rows of characters, in a small association list (names have few distinct letters).
struct CharLastRow(Vec<(char, usize)>);

impl LastRow<char> for CharLastRow {
    fn get(&self, symbol: char) -> usize {
        self.0
            .iter()
            .find(|(c, _)| *c == symbol)
            .map_or(0, |(_, row)| *row)
    }

    fn set(&mut self, symbol: char, row: usize) {
        match self.0.iter_mut().find(|(c, _)| *c == symbol) {
            Some(slot) => slot.1 = row,
            None => self.0.push((symbol, row)),
        }
    }
}

/// Banded Lowrance–Wagner distance; see [`damerau_levenshtein_bounded`].
fn bounded<T: Copy + Eq, L: LastRow<T>>(
    a: &[T],
    b: &[T],
    max: usize,
    new_last_row: impl FnOnce() -> L,
) -> Option<usize> {
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    // A common prefix or suffix is matched by some optimal alignment (a transposition that uses
    // one of its symbols is never cheaper than matching it), so it is left out of the table.
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (a, b) = (
        a.get(prefix..).unwrap_or_default(),
        b.get(prefix..).unwrap_or_default(),
    );
    let suffix = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (a, b) = (
        a.get(..a.len() - suffix).unwrap_or_default(),
        b.get(..b.len() - suffix).unwrap_or_default(),
    );
    let (n, m) = (a.len(), b.len());
    if n == 0 || m == 0 {
        // The distance is the other length, at most `max` after the check above.
        return Some(n.max(m));
    }
    let mut last_row = new_last_row();
    let infinity = n + m + 1;
    let band = max.saturating_add(1).min(n.max(m));
    let width = m + 2;
    // table[(i + 1) * width + (j + 1)] is the distance between a[..i] and b[..j]; row 0 and
    // column 0 are the "infinity" sentinels of the algorithm; cells outside the band stay there.
    let mut table = vec![infinity; (n + 2) * width];
    for i in 0..=n {
        set(&mut table, (i + 1) * width + 1, i);
    }
    for j in 0..=m {
        set(&mut table, width + j + 1, j);
    }
    for (i, &symbol_a) in (1usize..).zip(a) {
        let mut last_match_column = 0;
        let low = i.saturating_sub(band).max(1);
        let high = (i + band).min(m);
        let mut row_min = if low == 1 { i } else { infinity };
        for (j, &symbol_b) in (low..=high).zip(b.get(low - 1..).unwrap_or_default()) {
            let i1 = last_row.get(symbol_b);
            let j1 = last_match_column;
            let cost = if symbol_a == symbol_b {
                last_match_column = j;
                0
            } else {
                1
            };
            let substitution = cell(&table, i * width + j) + cost;
            let insertion = cell(&table, (i + 1) * width + j) + 1;
            let deletion = cell(&table, i * width + j + 1) + 1;
            // i1 < i and j1 < j whenever they are non-zero; a zero hits the sentinel.
            let transposition =
                cell(&table, i1 * width + j1) + (i - i1 - 1) + 1 + (j - j1).saturating_sub(1);
            let value = substitution.min(insertion).min(deletion).min(transposition);
            set(&mut table, (i + 1) * width + j + 1, value);
            row_min = row_min.min(value);
        }
        if row_min > max.saturating_add(1) {
            return None;
        }
        last_row.set(symbol_a, i);
    }
    let distance = cell(&table, (n + 1) * width + m + 1);
    (distance <= max).then_some(distance)
}

/// A table cell; out-of-range reads (impossible by construction) are "infinite".
fn cell(table: &[usize], index: usize) -> usize {
    table.get(index).copied().unwrap_or(usize::MAX / 4)
}

fn set(table: &mut [usize], index: usize, value: usize) {
    if let Some(slot) = table.get_mut(index) {
        *slot = value;
    }
}

/// Precomputed phonetic keys of a name, for comparing one name with many.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct PhoneticKeys {
    /// Brouard's Phonex key ([`crate::phonetics::phonex`]).
    pub phonex: String,
    /// Carlier's Soundex2 key ([`crate::phonetics::soundex2`]).
    pub soundex2: String,
}

impl PhoneticKeys {
    /// Keys of a name.
    pub fn new(name: &str) -> Self {
        Self {
            phonex: phonex(name),
            soundex2: soundex2(name),
        }
    }

    /// The rule of [`phonetic_equal`] on precomputed keys.
    pub fn sounds_like(&self, other: &Self) -> bool {
        if self.phonex.is_empty() || other.phonex.is_empty() {
            return false;
        }
        self.phonex == other.phonex
            || (!self.soundex2.is_empty()
                && self.soundex2 == other.soundex2
                && damerau_levenshtein_bounded(&self.phonex, &other.phonex, 1).is_some())
    }
}

/// Whether two names sound alike, using Phonex and Soundex2.
///
/// True when their Phonex keys are equal, or when their Soundex2 keys are equal **and** their
/// Phonex keys are one edit apart. Phonex, which keeps vowel sounds, is the precise key;
/// Soundex2, which drops vowels and cuts at 4 characters, only confirms a near-miss
/// (`MEUNIER`/`MUNIER`), since on its own it would call `JEAN`/`JEANNE` or `MARTIN`/`MARTINEZ`
/// alike. Names without a Phonex key (empty) never sound alike. Symmetric.
///
/// ```
/// use vigie_core::compare::phonetic_equal;
/// assert!(phonetic_equal("DUPONT", "DUPOND"));
/// assert!(phonetic_equal("MEUNIER", "MUNIER"));
/// assert!(!phonetic_equal("JEAN", "JEANNE"));
/// ```
pub fn phonetic_equal(a: &str, b: &str) -> bool {
    // Same rule as `PhoneticKeys::sounds_like`, computing Soundex2 only when it can decide.
    let (phonex_a, phonex_b) = (phonex(a), phonex(b));
    if phonex_a.is_empty() || phonex_b.is_empty() {
        return false;
    }
    if phonex_a == phonex_b {
        return true;
    }
    if damerau_levenshtein_bounded(&phonex_a, &phonex_b, 1).is_none() {
        return false;
    }
    let soundex_a = soundex2(a);
    !soundex_a.is_empty() && soundex_a == soundex2(b)
}

/// How two lists of first names (matching keys, in order) compare, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FirstNamesComparison {
    /// The first first names are equal.
    FirstEqual,
    /// Some first name of one list equals some of the other (reordered or truncated list), or a
    /// compound first name of one list is split into consecutive first names in the other
    /// (`["JEAN PIERRE"]` and `["JEAN", "PIERRE"]`).
    AnyEqual,
    /// The first first names are phonetically equal ([`phonetic_equal`]).
    Phonetic,
    /// The first first names are close (Jaro–Winkler ≥ 0.9).
    Close,
    /// Nothing in common.
    Different,
}

/// Jaro–Winkler threshold of [`FirstNamesComparison::Close`].
pub const FIRST_NAME_CLOSE: f64 = 0.9;

/// Compares two first-name lists (symmetric). Empty lists are the caller's "missing".
///
/// Entries are outputs of [`crate::normalize::first_names`] (a compound is one entry with its
/// words separated by a space); empty entries are ignored, and a list with no entry compares
/// as [`FirstNamesComparison::Different`]. The first level that holds is returned.
///
/// ```
/// use vigie_core::compare::{first_names, FirstNamesComparison};
/// use vigie_core::normalize::first_names as parse;
/// assert_eq!(first_names(&parse("Jean-Pierre Paul"), &parse("Jean Pierre")), FirstNamesComparison::AnyEqual);
/// assert_eq!(first_names(&parse("Marie Anne"), &parse("Anne")), FirstNamesComparison::AnyEqual);
/// assert_eq!(first_names(&parse("Mathieu"), &parse("Matthieu")), FirstNamesComparison::Phonetic);
/// ```
pub fn first_names(a: &[String], b: &[String]) -> FirstNamesComparison {
    let a: Vec<&str> = a
        .iter()
        .map(String::as_str)
        .filter(|name| !name.is_empty())
        .collect();
    let b: Vec<&str> = b
        .iter()
        .map(String::as_str)
        .filter(|name| !name.is_empty())
        .collect();
    let (Some(first_a), Some(first_b)) = (a.first(), b.first()) else {
        return FirstNamesComparison::Different;
    };
    if first_a == first_b {
        FirstNamesComparison::FirstEqual
    } else if a.iter().any(|name| b.contains(name))
        || compound_split(&a, &b)
        || compound_split(&b, &a)
    {
        FirstNamesComparison::AnyEqual
    } else if phonetic_equal(first_a, first_b) {
        FirstNamesComparison::Phonetic
    } else if jaro_winkler(first_a, first_b) >= FIRST_NAME_CLOSE {
        FirstNamesComparison::Close
    } else {
        FirstNamesComparison::Different
    }
}

/// Whether a compound entry of `compounds` equals two or more consecutive entries of `split`.
fn compound_split(compounds: &[&str], split: &[&str]) -> bool {
    compounds
        .iter()
        .filter(|name| name.contains(' '))
        .any(|compound| {
            let words: Vec<&str> = compound
                .split(' ')
                .filter(|word| !word.is_empty())
                .collect();
            (0..split.len()).any(|start| {
                let mut run: Vec<&str> = Vec::with_capacity(words.len());
                let mut entries = 0;
                for entry in split.iter().skip(start) {
                    run.extend(entry.split(' ').filter(|word| !word.is_empty()));
                    entries += 1;
                    if run.len() >= words.len() {
                        break;
                    }
                }
                entries >= 2 && run == words
            })
        })
}

/// How two digit strings (identifiers, phone numbers) compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DigitsComparison {
    /// Same digits.
    Equal,
    /// One typing error apart: one digit substituted, inserted, deleted, or two adjacent digits
    /// transposed.
    OneEdit,
    /// Anything else, including a value without digits.
    Different,
}

/// Compares the digits of two identifiers or phone numbers (symmetric).
///
/// Only ASCII digits count; pass phone numbers through [`crate::normalize::digits`] first so
/// `+33 6…` and `06…` agree. A value without any digit is the caller's "missing" and compares as
/// [`DigitsComparison::Different`].
///
/// ```
/// use vigie_core::compare::{digits_distance, DigitsComparison};
/// assert_eq!(digits_distance("0612345678", "06 12 34 56 78"), DigitsComparison::Equal);
/// assert_eq!(digits_distance("0612345678", "0612345687"), DigitsComparison::OneEdit);
/// assert_eq!(digits_distance("0612345678", "0698765432"), DigitsComparison::Different);
/// ```
pub fn digits_distance(a: &str, b: &str) -> DigitsComparison {
    let a: String = a.chars().filter(char::is_ascii_digit).collect();
    let b: String = b.chars().filter(char::is_ascii_digit).collect();
    if a.is_empty() || b.is_empty() {
        return DigitsComparison::Different;
    }
    match damerau_levenshtein_bounded(&a, &b, 1) {
        Some(0) => DigitsComparison::Equal,
        Some(_) => DigitsComparison::OneEdit,
        None => DigitsComparison::Different,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::normalize;
    use proptest::prelude::*;

    fn names(text: &str) -> Vec<String> {
        normalize::first_names(text)
    }

    #[test]
    fn jaro_winkler_reference_values() {
        assert!((jaro_winkler("HELENE", "HELENE") - 1.0).abs() < f64::EPSILON);
        assert!((jaro_winkler(&normalize::rniv("Hélène"), "HELENE") - 1.0).abs() < f64::EPSILON);
        assert!(jaro_winkler("MARTHA", "MARHTA") > 0.96);
        assert!(jaro_winkler("DUPONT", "XYZ") < 0.5);
        assert!(jaro_winkler("", "DUPONT").abs() < f64::EPSILON);
    }

    #[test]
    fn damerau_levenshtein_reference_values() {
        assert_eq!(damerau_levenshtein("DUPONT", "DUPOMT"), 1);
        assert_eq!(damerau_levenshtein("DUPONT", "DUPNOT"), 1);
        assert_eq!(damerau_levenshtein("CA", "ABC"), 2);
        assert_eq!(damerau_levenshtein("", "ABC"), 3);
    }

    #[test]
    fn bounded_distance() {
        assert_eq!(damerau_levenshtein_bounded("DUPONT", "DUPONT", 0), Some(0));
        assert_eq!(damerau_levenshtein_bounded("DUPONT", "DUPNOT", 1), Some(1));
        assert_eq!(damerau_levenshtein_bounded("DUPONT", "DUPNOT", 0), None);
        assert_eq!(damerau_levenshtein_bounded("CA", "ABC", 2), Some(2));
        assert_eq!(damerau_levenshtein_bounded("CA", "ABC", 1), None);
        assert_eq!(damerau_levenshtein_bounded("A", "ABCDEF", 3), None);
        assert_eq!(damerau_levenshtein_bounded("", "ABC", 3), Some(3));
        assert_eq!(damerau_levenshtein_bounded("HÉLÈNE", "HÉLNÈE", 1), Some(1));
        assert_eq!(
            damerau_levenshtein_bounded("ABCDEFGHIJ", "KLMNOPQRST", 3),
            None
        );
        assert_eq!(
            damerau_levenshtein_bounded("ABCDEFGHIJ", "KLMNOPQRST", 100),
            Some(10)
        );
    }

    #[test]
    fn phonetic_equality() {
        assert!(phonetic_equal("DUPONT", "DUPOND"));
        assert!(phonetic_equal("Lefebvre", "LEFEVRE"));
        assert!(phonetic_equal("MEUNIER", "MUNIER"));
        assert!(phonetic_equal("CELINE", "SELINE"));
        assert!(!phonetic_equal("JEAN", "JEANNE"));
        assert!(!phonetic_equal("MARTIN", "MARTINEZ"));
        assert!(!phonetic_equal("DUPONT", "DURAND"));
        assert!(!phonetic_equal("", ""));
        assert!(!phonetic_equal("T", "T"));
        assert_eq!(
            PhoneticKeys::new("Dupont"),
            PhoneticKeys {
                phonex: "TUT1".into(),
                soundex2: "DPN".into()
            }
        );
    }

    #[test]
    fn first_name_levels() {
        use FirstNamesComparison::*;
        assert_eq!(
            first_names(&names("Jeanne Marie"), &names("Jeanne")),
            FirstEqual
        );
        assert_eq!(
            first_names(&names("Jean-Pierre"), &names("Jean-Pierre Louis")),
            FirstEqual
        );
        assert_eq!(
            first_names(&names("Marie Jeanne"), &names("Jeanne Marie")),
            AnyEqual
        );
        assert_eq!(
            first_names(&names("Jeanne Marie Cécile"), &names("Cécile")),
            AnyEqual
        );
        assert_eq!(
            first_names(&names("Jean-Pierre"), &names("Jean Pierre")),
            AnyEqual
        );
        assert_eq!(
            first_names(&names("Paul Jean-Pierre"), &names("Louis Jean Pierre")),
            AnyEqual
        );
        assert_eq!(first_names(&names("Mathieu"), &names("Matthieu")), Phonetic);
        assert_eq!(first_names(&names("Philippe"), &names("Filipe")), Phonetic);
        assert_eq!(first_names(&names("Jean"), &names("Jeanne")), Close);
        assert_eq!(
            first_names(&names("Jean"), &names("Jean-Pierre")),
            Different
        );
        assert_eq!(
            first_names(&names("Jean Pierre"), &names("Pierre-Jean")),
            Different
        );
        assert_eq!(first_names(&names("Jean"), &names("Paul")), Different);
        assert_eq!(first_names(&[], &names("Paul")), Different);
        assert_eq!(first_names(&[String::new()], &[String::new()]), Different);
    }

    #[test]
    fn digit_strings() {
        use DigitsComparison::*;
        assert_eq!(digits_distance("295109912611193", "295109912611193"), Equal);
        assert_eq!(
            digits_distance("295109912611193", "295109912611139"),
            OneEdit
        );
        assert_eq!(
            digits_distance("295109912611193", "29510991261119"),
            OneEdit
        );
        assert_eq!(
            digits_distance("295109912611193", "295109912611100"),
            Different
        );
        assert_eq!(digits_distance("", ""), Different);
        assert_eq!(digits_distance("abc", "abc"), Different);
        assert_eq!(
            digits_distance(
                &normalize::digits("+33 6 12 34 56 78"),
                &normalize::digits("06.12.34.56.78")
            ),
            Equal
        );
    }

    fn small_alphabet() -> impl Strategy<Value = String> {
        "[ABCÉ]{0,12}"
    }

    fn name_list() -> impl Strategy<Value = Vec<String>> {
        let pool = &[
            "JEAN",
            "PIERRE",
            "JEAN PIERRE",
            "MARIE",
            "MARIE ANNE",
            "ANNE",
            "MATHIEU",
            "MATTHIEU",
            "",
            "JEANNE",
        ];
        proptest::collection::vec(proptest::sample::select(pool).prop_map(str::to_owned), 0..4)
    }

    proptest! {
        #[test]
        fn jaro_winkler_is_bounded_and_symmetric(a in any::<String>(), b in any::<String>()) {
            let similarity = jaro_winkler(&a, &b);
            prop_assert!((0.0..=1.0).contains(&similarity));
            prop_assert_eq!(similarity.to_bits(), jaro_winkler(&b, &a).to_bits());
        }

        #[test]
        fn jaro_winkler_on_close_strings(a in small_alphabet(), b in small_alphabet()) {
            let similarity = jaro_winkler(&a, &b);
            prop_assert!((0.0..=1.0).contains(&similarity));
            prop_assert_eq!(similarity.to_bits(), jaro_winkler(&b, &a).to_bits());
            if !a.is_empty() {
                prop_assert!((jaro_winkler(&a, &a) - 1.0).abs() < 1e-12);
            }
        }

        #[test]
        fn damerau_levenshtein_is_a_bounded_symmetric_distance(a in small_alphabet(), b in small_alphabet()) {
            let distance = damerau_levenshtein(&a, &b);
            prop_assert_eq!(distance, damerau_levenshtein(&b, &a));
            prop_assert!(distance <= a.chars().count().max(b.chars().count()));
            prop_assert_eq!(damerau_levenshtein(&a, &a), 0);
        }

        #[test]
        fn bounded_agrees_with_unbounded(a in small_alphabet(), b in small_alphabet(), max in 0usize..8) {
            let distance = damerau_levenshtein(&a, &b);
            let expected = (distance <= max).then_some(distance);
            prop_assert_eq!(damerau_levenshtein_bounded(&a, &b, max), expected);
            prop_assert_eq!(damerau_levenshtein_bounded(&b, &a, max), expected);
        }

        #[test]
        fn bounded_agrees_on_any_input(a in any::<String>(), b in any::<String>(), max in 0usize..40) {
            let distance = damerau_levenshtein(&a, &b);
            prop_assert_eq!(damerau_levenshtein_bounded(&a, &b, max), (distance <= max).then_some(distance));
        }

        #[test]
        fn bounded_agrees_on_names_with_typos(a in "[A-Z]{1,15}", edits in proptest::collection::vec((0usize..16, 0u8..4, "[A-Z]"), 0..4), max in 0usize..5) {
            // Apply a few random edits so small distances are frequent.
            let mut b: Vec<char> = a.chars().collect();
            for (position, kind, letter) in edits {
                let position = position % (b.len() + 1);
                let letter = letter.chars().next().unwrap();
                match kind {
                    0 => b.insert(position, letter),
                    1 if position < b.len() => { b.remove(position); }
                    2 if position < b.len() => b[position] = letter,
                    _ if position + 1 < b.len() => b.swap(position, position + 1),
                    _ => {}
                }
            }
            let b: String = b.into_iter().collect();
            let distance = damerau_levenshtein(&a, &b);
            prop_assert_eq!(damerau_levenshtein_bounded(&a, &b, max), (distance <= max).then_some(distance));
        }

        #[test]
        fn phonetic_equal_is_symmetric(a in "[A-Z ]{0,10}", b in "[A-Z ]{0,10}") {
            prop_assert_eq!(phonetic_equal(&a, &b), phonetic_equal(&b, &a));
            prop_assert_eq!(phonetic_equal(&a, &a), !phonex(&a).is_empty());
            prop_assert_eq!(phonetic_equal(&a, &b), PhoneticKeys::new(&a).sounds_like(&PhoneticKeys::new(&b)));
        }

        #[test]
        fn first_names_is_symmetric(a in name_list(), b in name_list()) {
            prop_assert_eq!(first_names(&a, &b), first_names(&b, &a));
            if a.iter().any(|name| !name.is_empty()) {
                prop_assert_eq!(first_names(&a, &a), FirstNamesComparison::FirstEqual);
            }
        }

        #[test]
        fn digits_distance_is_symmetric(a in "[0-9 ]{0,15}", b in "[0-9 ]{0,15}") {
            prop_assert_eq!(digits_distance(&a, &b), digits_distance(&b, &a));
        }
    }
}
