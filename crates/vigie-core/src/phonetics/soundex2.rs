//! French Soundex2 (Florent Carlier), as ordered rewrite rules over upper-case ASCII letters.
//!
//! Source: the algorithm published at
//! <http://www-info.univ-lemans.fr/~carlier/recherche/soundex.html>; reference vectors from the
//! `talisman` JavaScript library (MIT), whose rules this follows step by step:
//!
//! 1. `GU([IE])` → `K$1`, `G([AO])` → `K$1`, `GU` → `K`, `C([AOU])` → `K$1`, then `Q`, `CC`,
//!    `CK` → `K`;
//! 2. every vowel `E I O U` after the first letter becomes `A` (the first letter is kept);
//! 3. prefixes, checked in turn: `MAC` → `MCC`, `SCH` → `SSS`, `ASA` → `AZA`, `KN` → `NN`,
//!    `PH` → `FF`, `PF` → `FF`;
//! 4. `([^CS])H` → `$1` (an `H` goes unless after `C` or `S`, or first);
//! 5. `([^A])Y` → `$1` (a `Y` goes unless after `A`, or first);
//! 6. one final `A`, `D`, `T` or `S` is dropped;
//! 7. every `A` after the first letter is dropped;
//! 8. consecutive duplicates are squeezed and the code cut to 4 characters.
//!
//! Divergences: the input is the RNIV form (accents folded, as `talisman` does with `deburr`);
//! non-letters are all removed (`talisman`'s JavaScript only removes the first one); no space
//! padding (see [`super::soundex2()`]).

use super::{hit, replace, rewrite, squeeze};

/// Soundex2 code of a word of upper-case ASCII letters.
pub(super) fn encode(mut word: Vec<u8>) -> Vec<u8> {
    let mut scratch = Vec::with_capacity(word.len());
    let s = &mut scratch;
    let w = &mut word;

    // 1.
    rewrite(w, s, |rest| match rest {
        [b'G', b'U', next @ (b'I' | b'E'), ..] => hit(3, &[b'K', *next]),
        _ => None,
    });
    rewrite(w, s, |rest| match rest {
        [b'G', next @ (b'A' | b'O'), ..] => hit(2, &[b'K', *next]),
        _ => None,
    });
    replace(w, s, b"GU", b"K");
    rewrite(w, s, |rest| match rest {
        [b'C', next @ (b'A' | b'O' | b'U'), ..] => hit(2, &[b'K', *next]),
        _ => None,
    });
    rewrite(w, s, |rest| match rest {
        [b'Q', ..] => hit(1, b"K"),
        [b'C', b'C' | b'K', ..] => hit(2, b"K"),
        _ => None,
    });
    // 2.
    for byte in w.iter_mut().skip(1) {
        if matches!(*byte, b'E' | b'I' | b'O' | b'U') {
            *byte = b'A';
        }
    }
    // 3.
    for (prefix, replacement) in [
        (&b"MAC"[..], &b"MCC"[..]),
        (b"SCH", b"SSS"),
        (b"ASA", b"AZA"),
        (b"KN", b"NN"),
        (b"PH", b"FF"),
        (b"PF", b"FF"),
    ] {
        if let Some(head) = w.get_mut(..prefix.len())
            && head == prefix
        {
            head.copy_from_slice(replacement);
        }
    }
    // 4.
    rewrite(w, s, |rest| match rest {
        [first, b'H', ..] if !matches!(first, b'C' | b'S') => hit(2, &[*first]),
        _ => None,
    });
    // 5.
    rewrite(w, s, |rest| match rest {
        [first, b'Y', ..] if *first != b'A' => hit(2, &[*first]),
        _ => None,
    });
    // 6.
    if matches!(w.last(), Some(b'A' | b'D' | b'T' | b'S')) {
        w.pop();
    }
    // 7.
    if let Some((first, rest)) = w.split_first() {
        let mut kept = Vec::with_capacity(w.len());
        kept.push(*first);
        kept.extend(rest.iter().filter(|byte| **byte != b'A'));
        *w = kept;
    }
    // 8.
    squeeze(w);
    w.truncate(4);
    word
}

#[cfg(test)]
mod tests {
    use super::super::soundex2;

    /// `talisman` test vectors (test/phonetics/french/soundex2.js).
    #[test]
    fn talisman_vectors() {
        let vectors = [
            ("Asamian", "AZMN"),
            ("Knight", "NG"),
            ("MacKenzie", "MKNZ"),
            ("Pfeifer", "FR"),
            ("Philippe", "FLP"),
            ("Schindler", "SNDL"),
            ("Chateau", "CHT"),
            ("Habitat", "HBT"),
            ("Téhéran", "TRN"),
            ("Essayer", "ESYR"),
            ("Crayon", "CRYN"),
            ("Plyne", "PLN"),
            ("Barad", "BR"),
            ("Martin", "MRTN"),
            ("Bernard", "BRNR"),
            ("Faure", "FR"),
            ("Perez", "PRZ"),
            ("Gros", "GR"),
            ("Chapuis", "CHP"),
            ("Boyer", "BYR"),
            ("Gauthier", "KTR"),
            ("Rey", "RY"),
            ("Barthélémy", "BRTL"),
            ("Henry", "HNR"),
            ("Moulin", "MLN"),
            ("Rousseau", "RS"),
        ];
        for (name, code) in vectors {
            assert_eq!(soundex2(name), code, "{name}");
        }
    }

    #[test]
    fn edge_cases() {
        assert_eq!(soundex2(""), "");
        // Step 6 drops a final A even when it is the only letter (as in `talisman`).
        assert_eq!(soundex2("A"), "");
        assert_eq!(soundex2("Al"), "AL");
        assert_eq!(soundex2("S"), "");
        assert_eq!(soundex2("Dupont"), soundex2("Dupond"));
        assert_eq!(soundex2("Meunier"), soundex2("Munier"));
        assert_eq!(soundex2("de la Fontaine"), soundex2("DELAFONTAINE"));
    }
}
