//! Phonetic keys: French Phonex (Brouard) and Soundex2 (Carlier), and Double Metaphone for names
//! of other origins.
//!
//! Every encoder first puts its input in the RNIV form ([`crate::normalize::rniv`]), so case,
//! accents, ligatures and typographic punctuation never change a key. Phonex and Soundex2 then
//! keep the letters only (`DE LA FONTAINE` is encoded as `DELAFONTAINE`, as the published
//! algorithms strip blanks and hyphens): pass a [`crate::normalize::name_key`] or one token when
//! particles or word order must not count.
//!
//! rphonetic's `Phonex` is Lait & Randell's English Phonex, not Brouard's: both French encoders
//! are written here, as ordered rewrite rules over ASCII bytes. See the `phonex` and `soundex2`
//! submodules for the rules, their sources and the documented divergences.

mod phonex;
mod soundex2;

use crate::normalize::rniv;
use rphonetic::DoubleMetaphone;

/// Upper-case ASCII letters of the RNIV form of `input`.
fn letters(input: &str) -> Vec<u8> {
    rniv(input)
        .into_bytes()
        .into_iter()
        .filter(u8::is_ascii_uppercase)
        .collect()
}

/// A rule's replacement: at most 4 bytes, kept inline so matching allocates nothing.
#[derive(Debug, Clone, Copy)]
struct Replacement {
    bytes: [u8; 4],
    len: usize,
}

impl Replacement {
    fn as_slice(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }
}

/// A match of a rule: it consumes `consumed` bytes and writes `replacement` (at most 4 bytes;
/// longer replacements are cut, none of the rules has one).
fn hit(consumed: usize, replacement: &[u8]) -> Option<(usize, Replacement)> {
    let mut bytes = [0; 4];
    let len = replacement.len().min(4);
    for (slot, byte) in bytes.iter_mut().zip(replacement) {
        *slot = *byte;
    }
    Some((consumed, Replacement { bytes, len }))
}

/// Applies one global rewrite rule from left to right, like a regular-expression `replace_all`:
/// at each position `rule` sees the rest of the word and either answers a [`hit`] (bytes
/// consumed, at least 1, and their replacement) or `None` (the byte stays). Matches never
/// overlap; a consumed context byte is not seen again, as with a regex capture. The word is only
/// rebuilt (into `scratch`, then swapped) when something matched.
fn rewrite(
    word: &mut Vec<u8>,
    scratch: &mut Vec<u8>,
    rule: impl Fn(&[u8]) -> Option<(usize, Replacement)>,
) {
    let mut position = 0;
    let mut copied = 0;
    let mut changed = false;
    while let Some(rest) = word.get(position..).filter(|rest| !rest.is_empty()) {
        match rule(rest) {
            Some((consumed, replacement)) => {
                if !changed {
                    scratch.clear();
                    changed = true;
                }
                scratch.extend_from_slice(word.get(copied..position).unwrap_or_default());
                scratch.extend_from_slice(replacement.as_slice());
                position += consumed.max(1);
                copied = position;
            }
            None => position += 1,
        }
    }
    if changed {
        scratch.extend_from_slice(word.get(copied..).unwrap_or_default());
        std::mem::swap(word, scratch);
    }
}

/// Replaces every occurrence of `pattern` with `replacement`, left to right.
fn replace(word: &mut Vec<u8>, scratch: &mut Vec<u8>, pattern: &[u8], replacement: &[u8]) {
    rewrite(word, scratch, |rest| {
        if rest.starts_with(pattern) {
            hit(pattern.len(), replacement)
        } else {
            None
        }
    });
}

/// Removes consecutive duplicate bytes (`FFRR` → `FR`).
fn squeeze(word: &mut Vec<u8>) {
    word.dedup();
}

/// Brouard's French Phonex key of a name, as a string code (empty for an empty name).
///
/// The key is the letter form of Phonex, before Brouard's last step that reads it as a base-22
/// fraction: an alphabet of `1 2 3 4 5 E F G H I K L N O R S T U W X Y Z`, where the digits are
/// sounds (`1` an/en/on, `2` oi/oua, `3` ou, `4` in/ein/ain, `5` ch/sh) and `Y` the é sound.
/// Same form as the `talisman` JavaScript library; [`phonex_value`] gives Brouard's number.
/// The key is empty when nothing is left (empty name, or a name reduced to a dropped final `T`).
///
/// ```
/// use vigie_core::phonetics::phonex;
/// assert_eq!(phonex("Dupont"), phonex("DUPOND"));
/// assert_eq!(phonex("Martin"), "NORTIN");
/// ```
pub fn phonex(input: &str) -> String {
    phonex::encode(letters(input))
        .into_iter()
        .map(char::from)
        .collect()
}

/// Brouard's original numeric Phonex: the letter key of [`phonex()`] read as a base-22 fraction
/// (each code's rank in `12345EFGHIKLNORSTUWXYZ` is a digit after the point), in `[0, 1)`.
///
/// Only about the first eleven codes count (double precision); prefer the string key for
/// equality and indexing.
pub fn phonex_value(input: &str) -> f64 {
    phonex::value(&phonex::encode(letters(input)))
}

/// French Soundex2 key (Carlier): at most 4 characters, **not padded** (empty for an empty name).
///
/// The published description pads with spaces to 4; like `talisman` we do not, since a key with
/// trailing blanks is error-prone in indexes and equality is unchanged.
///
/// ```
/// use vigie_core::phonetics::soundex2;
/// assert_eq!(soundex2("Martin"), "MRTN");
/// assert_eq!(soundex2("Gros"), "GR");
/// ```
pub fn soundex2(input: &str) -> String {
    soundex2::encode(letters(input))
        .into_iter()
        .map(char::from)
        .collect()
}

/// Double Metaphone primary and alternate keys (rphonetic, maximum length 4).
///
/// English-oriented rules: use it as an extra key for names of other origins, not as the main
/// French key. Hyphens and apostrophes are word breaks. Both keys are empty for an empty name.
///
/// ```
/// use vigie_core::phonetics::double_metaphone;
/// assert_eq!(double_metaphone("Schmidt"), ("XMT".to_owned(), "SMT".to_owned()));
/// ```
pub fn double_metaphone(input: &str) -> (String, String) {
    let prepared = rniv(input).replace(['-', '\''], " ");
    if prepared.is_empty() {
        return (String::new(), String::new());
    }
    let result = DoubleMetaphone::default().double_metaphone(&prepared);
    (result.primary(), result.alternate())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rewrite_is_left_to_right_and_non_overlapping() {
        let mut word = b"AAAA".to_vec();
        let mut scratch = Vec::new();
        replace(&mut word, &mut scratch, b"AA", b"B");
        assert_eq!(word, b"BB");
        let mut word = b"ASASA".to_vec();
        rewrite(&mut word, &mut scratch, |rest| match rest {
            [b'A', b'S', b'A', ..] => hit(3, b"AZA"),
            _ => None,
        });
        assert_eq!(word, b"AZASA");
    }

    #[test]
    fn double_metaphone_keys() {
        assert_eq!(double_metaphone("Dupont").0, "TPNT");
        assert_eq!(double_metaphone(""), (String::new(), String::new()));
        assert_eq!(double_metaphone("  - "), (String::new(), String::new()));
        assert_eq!(double_metaphone("Müller"), double_metaphone("MULLER"));
    }

    /// A French-looking name with accents and case variants, and its plain upper-case form.
    fn accented_name() -> impl Strategy<Value = (String, String)> {
        let pieces: &[(&str, &str)] = &[
            ("a", "A"),
            ("à", "A"),
            ("â", "A"),
            ("b", "B"),
            ("c", "C"),
            ("ç", "C"),
            ("ch", "CH"),
            ("d", "D"),
            ("e", "E"),
            ("é", "E"),
            ("è", "E"),
            ("ê", "E"),
            ("ë", "E"),
            ("f", "F"),
            ("g", "G"),
            ("gu", "GU"),
            ("h", "H"),
            ("i", "I"),
            ("î", "I"),
            ("ï", "I"),
            ("j", "J"),
            ("k", "K"),
            ("l", "L"),
            ("m", "M"),
            ("n", "N"),
            ("o", "O"),
            ("ô", "O"),
            ("œ", "OE"),
            ("Œ", "OE"),
            ("æ", "AE"),
            ("p", "P"),
            ("ph", "PH"),
            ("q", "Q"),
            ("qu", "QU"),
            ("r", "R"),
            ("s", "S"),
            ("t", "T"),
            ("u", "U"),
            ("ù", "U"),
            ("û", "U"),
            ("ü", "U"),
            ("v", "V"),
            ("w", "W"),
            ("x", "X"),
            ("y", "Y"),
            ("ÿ", "Y"),
            ("z", "Z"),
            ("E", "E"),
            ("É", "E"),
            ("È", "E"),
            ("eau", "EAU"),
            ("ou", "OU"),
            ("ain", "AIN"),
            ("-", "-"),
            (" ", " "),
            ("’", "'"),
        ];
        proptest::collection::vec(proptest::sample::select(pieces), 0..14).prop_map(|chosen| {
            let accented: String = chosen.iter().map(|(a, _)| *a).collect();
            let plain: String = chosen.iter().map(|(_, p)| *p).collect();
            (accented, plain)
        })
    }

    proptest! {
        #[test]
        fn encoders_never_panic_and_stay_in_their_alphabet(input in any::<String>()) {
            let key = phonex(&input);
            prop_assert!(key.bytes().all(|b| b"12345EFGHIKLNORSTUWXYZ".contains(&b)), "{key}");
            let value = phonex_value(&input);
            prop_assert!((0.0..1.0).contains(&value));
            let key = soundex2(&input);
            prop_assert!(key.len() <= 4 && key.bytes().all(|b| b.is_ascii_uppercase()));
            let _ = double_metaphone(&input);
        }

        #[test]
        fn encoders_ignore_case_and_accents((accented, plain) in accented_name()) {
            prop_assert_eq!(phonex(&accented), phonex(&plain));
            prop_assert_eq!(phonex(&accented.to_uppercase()), phonex(&plain));
            prop_assert_eq!(soundex2(&accented), soundex2(&plain));
            prop_assert_eq!(double_metaphone(&accented), double_metaphone(&plain));
        }

        #[test]
        fn encoders_are_deterministic(input in "[A-Za-z '-]{0,20}") {
            prop_assert_eq!(phonex(&input), phonex(&input));
            prop_assert_eq!(soundex2(&input), soundex2(&input));
            prop_assert_eq!(double_metaphone(&input), double_metaphone(&input));
            // Keys depend on the RNIV form only.
            let normalised = rniv(&input);
            prop_assert_eq!(phonex(&normalised), phonex(&input));
            prop_assert_eq!(soundex2(&normalised), soundex2(&input));
        }
    }
}
