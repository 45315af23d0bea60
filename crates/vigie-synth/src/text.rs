//! Text helpers for rendering and corrupting names: accent folding, casing, AZERTY keyboard
//! neighbours, typing errors and French phonetic respellings.

use rand::Rng;

/// Folds a character to its unaccented form; `None` when it needs two letters (Œ, Æ, ß).
fn fold_char(c: char) -> Option<char> {
    Some(match c {
        'À' | 'Â' | 'Ä' | 'Á' | 'Ã' | 'Å' => 'A',
        'à' | 'â' | 'ä' | 'á' | 'ã' | 'å' => 'a',
        'Ç' => 'C',
        'ç' => 'c',
        'É' | 'È' | 'Ê' | 'Ë' => 'E',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'Î' | 'Ï' | 'Í' | 'Ì' => 'I',
        'î' | 'ï' | 'í' | 'ì' => 'i',
        'Ô' | 'Ö' | 'Ó' | 'Ò' | 'Õ' => 'O',
        'ô' | 'ö' | 'ó' | 'ò' | 'õ' => 'o',
        'Ù' | 'Û' | 'Ü' | 'Ú' => 'U',
        'ù' | 'û' | 'ü' | 'ú' => 'u',
        'Ÿ' | 'Ý' => 'Y',
        'ÿ' | 'ý' => 'y',
        'Ñ' => 'N',
        'ñ' => 'n',
        'Œ' | 'œ' | 'Æ' | 'æ' | 'ß' => return None,
        _ => c,
    })
}

/// Removes diacritics (É → E, Œ → OE), keeping case, spaces, hyphens and apostrophes.
pub(crate) fn fold_accents(s: &str) -> String {
    if s.is_ascii() {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match fold_char(c) {
            Some(f) => out.push(f),
            None => out.push_str(match c {
                'Œ' => "OE",
                'œ' => "oe",
                'Æ' => "AE",
                'æ' => "ae",
                _ => "ss",
            }),
        }
    }
    out
}

/// The INSi form of a strict trait: upper case, no diacritics, separators kept.
pub(crate) fn insi_form(s: &str) -> String {
    fold_accents(s).to_uppercase()
}

/// "LE GALL-D'ARC" → "Le Gall-D'Arc": upper case after a start, space, hyphen or apostrophe.
pub(crate) fn title_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut start = true;
    for c in s.chars() {
        if start {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        start = matches!(c, ' ' | '-' | '\'');
    }
    out
}

/// Letters that are next to `c` on a French AZERTY keyboard.
fn azerty_neighbours(c: char) -> &'static str {
    match c {
        'A' => "ZQ",
        'Z' => "AESQ",
        'E' => "ZRDS",
        'R' => "ETFD",
        'T' => "RYGF",
        'Y' => "TUHG",
        'U' => "YIJH",
        'I' => "UOKJ",
        'O' => "IPLK",
        'P' => "OML",
        'Q' => "ASWZ",
        'S' => "QDZEXW",
        'D' => "SFERXC",
        'F' => "DGRTCV",
        'G' => "FHTYVB",
        'H' => "GJYUBN",
        'J' => "HKUIN",
        'K' => "JLIO",
        'L' => "KMOP",
        'M' => "LP",
        'W' => "QSX",
        'X' => "WCSD",
        'C' => "XVDF",
        'V' => "CBFG",
        'B' => "VNGH",
        'N' => "BHJ",
        _ => "",
    }
}

const LETTERS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// Which typing error [`typo`] applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Typo {
    /// A letter replaced by a random letter.
    Substitution,
    /// A letter replaced by its keyboard neighbour.
    KeyboardNeighbour,
    /// A letter dropped.
    Deletion,
    /// A letter typed twice or an extra letter.
    Insertion,
    /// Two adjacent letters swapped.
    Transposition,
}

/// Applies one typing error to an upper-case word (letters only are touched). Returns `None`
/// when the word is too short to be damaged meaningfully.
pub(crate) fn typo<R: Rng>(rng: &mut R, s: &str) -> Option<(String, Typo)> {
    let mut chars: Vec<char> = s.chars().collect();
    let letters: Vec<usize> = chars
        .iter()
        .enumerate()
        .filter(|(_, c)| c.is_alphabetic())
        .map(|(i, _)| i)
        .collect();
    if letters.len() < 3 {
        return None;
    }
    // Errors on the first letter are rarer in practice: the eye checks the initial.
    let pick = |rng: &mut R| -> usize {
        let k = if rng.random_bool(0.85) {
            rng.random_range(1..letters.len())
        } else {
            rng.random_range(0..letters.len())
        };
        letters[k]
    };
    let kind = match rng.random_range(0..100u32) {
        0..30 => Typo::KeyboardNeighbour,
        30..45 => Typo::Substitution,
        45..68 => Typo::Deletion,
        68..85 => Typo::Insertion,
        _ => Typo::Transposition,
    };
    match kind {
        Typo::KeyboardNeighbour | Typo::Substitution => {
            let i = pick(rng);
            let base = fold_char(chars[i]).unwrap_or(chars[i]).to_ascii_uppercase();
            let neighbours = azerty_neighbours(base).as_bytes();
            let new = if kind == Typo::KeyboardNeighbour && !neighbours.is_empty() {
                neighbours[rng.random_range(0..neighbours.len())] as char
            } else {
                LETTERS[rng.random_range(0..LETTERS.len())] as char
            };
            if new == base {
                return None;
            }
            chars[i] = new;
        }
        Typo::Deletion => {
            let i = pick(rng);
            chars.remove(i);
        }
        Typo::Insertion => {
            let i = pick(rng);
            let c = if rng.random_bool(0.5) {
                chars[i]
            } else {
                let base = fold_char(chars[i]).unwrap_or(chars[i]).to_ascii_uppercase();
                let neighbours = azerty_neighbours(base).as_bytes();
                if neighbours.is_empty() {
                    chars[i]
                } else {
                    neighbours[rng.random_range(0..neighbours.len())] as char
                }
            };
            chars.insert(i, c);
        }
        Typo::Transposition => {
            let k = rng.random_range(1..letters.len());
            let (a, b) = (letters[k - 1], letters[k]);
            if b != a + 1 || chars[a] == chars[b] {
                return None;
            }
            chars.swap(a, b);
        }
    }
    let out: String = chars.into_iter().collect();
    if out == s { None } else { Some((out, kind)) }
}

/// Rewrite rules that keep the sound of a French name: (from, to, where).
#[derive(Clone, Copy)]
enum At {
    Anywhere,
    End,
    Inside,
}

const PHONETIC_RULES: &[(&str, &str, At)] = &[
    ("PH", "F", At::Anywhere),
    ("TH", "T", At::Anywhere),
    ("Y", "I", At::Inside),
    ("I", "Y", At::Inside),
    ("LL", "L", At::Anywhere),
    ("TT", "T", At::Anywhere),
    ("NN", "N", At::Anywhere),
    ("MM", "M", At::Anywhere),
    ("SS", "S", At::Inside),
    ("RR", "R", At::Anywhere),
    ("PP", "P", At::Anywhere),
    ("FF", "F", At::Anywhere),
    ("EL", "ELL", At::Inside),
    ("ET", "ETT", At::Inside),
    ("ER", "ERR", At::Inside),
    ("AN", "ANN", At::Inside),
    ("EAU", "O", At::End),
    ("EAU", "EAUX", At::End),
    ("EAUX", "EAU", At::End),
    ("AUD", "AULT", At::End),
    ("AULT", "AUD", At::End),
    ("AUT", "AUD", At::End),
    ("AUX", "AUD", At::End),
    ("OT", "AUT", At::End),
    ("ARD", "ART", At::End),
    ("ART", "ARD", At::End),
    ("AND", "ANT", At::End),
    ("ANT", "AND", At::End),
    ("ENT", "ANT", At::End),
    ("EZ", "ES", At::End),
    ("ES", "EZ", At::End),
    ("S", "", At::End),
    ("T", "", At::End),
    ("X", "", At::End),
    ("D", "", At::End),
    ("QU", "K", At::Anywhere),
    ("CK", "K", At::Anywhere),
    ("C", "K", At::Inside),
    ("K", "C", At::Anywhere),
    ("AI", "E", At::Inside),
    ("EI", "AI", At::Inside),
    ("AU", "O", At::Inside),
    ("EN", "AN", At::Inside),
    ("AN", "EN", At::Inside),
    ("Z", "S", At::Inside),
    ("W", "V", At::Anywhere),
    ("GU", "G", At::Inside),
    ("IE", "I", At::End),
    ("E", "", At::End),
];

/// Applies one sound-preserving respelling to an upper-case, unaccented name (PH → F,
/// Y ↔ I, doubled consonants, -EAU → -O, silent endings…). `None` when no rule applies.
pub(crate) fn phonetic_variant<R: Rng>(rng: &mut R, s: &str) -> Option<String> {
    let base = insi_form(s);
    let n = base.len();
    let mut candidates: Vec<(usize, &str, &str)> = Vec::new();
    for &(from, to, at) in PHONETIC_RULES {
        match at {
            At::End => {
                // Endings are only rewritten on names long enough to keep a recognisable stem.
                if base.len() >= from.len() + 3 && base.ends_with(from) {
                    candidates.push((n - from.len(), from, to));
                }
            }
            At::Anywhere | At::Inside => {
                let mut start = 0;
                while let Some(pos) = base[start..].find(from) {
                    let i = start + pos;
                    let inside = i > 0 && i + from.len() < n;
                    if matches!(at, At::Anywhere) || inside {
                        candidates.push((i, from, to));
                    }
                    start = i + 1;
                    if start >= n {
                        break;
                    }
                }
            }
        }
    }
    if candidates.is_empty() {
        return None;
    }
    let (i, from, to) = candidates[rng.random_range(0..candidates.len())];
    let mut out = String::with_capacity(n + 2);
    out.push_str(&base[..i]);
    out.push_str(to);
    out.push_str(&base[i + from.len()..]);
    if out.len() < 2 || out == base {
        None
    } else {
        Some(out)
    }
}

/// Appends `value` to a CSV line, quoted when it holds a comma, quote or line break.
pub(crate) fn push_csv_field(line: &mut String, value: &str) {
    if value.contains([',', '"', '\n', '\r']) {
        line.push('"');
        for c in value.chars() {
            if c == '"' {
                line.push('"');
            }
            line.push(c);
        }
        line.push('"');
    } else {
        line.push_str(value);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn folding_and_insi_form() {
        assert_eq!(fold_accents("HÉLÈNE"), "HELENE");
        assert_eq!(fold_accents("Œdipe Noël"), "OEdipe Noel");
        assert_eq!(insi_form("françois-noël d'Ébène"), "FRANCOIS-NOEL D'EBENE");
        assert_eq!(insi_form("JOÃO"), "JOAO");
    }

    #[test]
    fn title_case_handles_separators() {
        assert_eq!(title_case("LE GALL-D'ARC"), "Le Gall-D'Arc");
        assert_eq!(title_case("HÉLÈNE"), "Hélène");
    }

    #[test]
    fn typos_change_the_word_a_little() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut changed = 0;
        for _ in 0..500 {
            if let Some((t, _)) = typo(&mut rng, "DUPONT") {
                changed += 1;
                assert_ne!(t, "DUPONT");
                assert!((5..=7).contains(&t.chars().count()), "{t}");
            }
        }
        assert!(changed > 400);
        assert!(typo(&mut rng, "LI").is_none());
    }

    #[test]
    fn phonetic_variants_are_plausible() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..300 {
            if let Some(v) = phonetic_variant(&mut rng, "MOREAU") {
                seen.insert(v);
            }
        }
        assert!(seen.contains("MORO"), "{seen:?}");
        assert!(seen.contains("MOREAUX"), "{seen:?}");
        assert!(phonetic_variant(&mut rng, "PHILIPPE").is_some());
    }

    #[test]
    fn csv_quoting() {
        let mut line = String::new();
        push_csv_field(&mut line, "12, rue \"X\"");
        assert_eq!(line, "\"12, rue \"\"X\"\"\"");
        line.clear();
        push_csv_field(&mut line, "D'ALMEIDA");
        assert_eq!(line, "D'ALMEIDA");
    }
}
