//! NIR (numéro d'inscription au répertoire) construction: sex, birth year and month, birthplace
//! (département + commune, or 99 + country) and a unique order number, with the mod-97 key.
//! Computed here rather than taken from vigie-core so the generator stays independent of the
//! code it is used to test.

/// The 13 digits before the key as an integer, with Corsica's `2A`/`2B` read as `19`/`18`.
/// `None` when the body is not 13 characters of that form.
pub fn nir_body_value(body: &str) -> Option<u64> {
    if body.len() != 13 {
        return None;
    }
    let mut n: u64 = 0;
    for (i, c) in body.chars().enumerate() {
        let digits: &[u8] = match (i, c) {
            (6, 'A') | (6, 'a') if body.as_bytes().get(5) == Some(&b'2') => {
                // "2A" → "19": undo the '2' already added, then add "19".
                n = (n - 2) / 10;
                b"19"
            }
            (6, 'B') | (6, 'b') if body.as_bytes().get(5) == Some(&b'2') => {
                n = (n - 2) / 10;
                b"18"
            }
            _ if c.is_ascii_digit() => {
                n = n * 10 + u64::from(c as u8 - b'0');
                continue;
            }
            _ => return None,
        };
        for d in digits {
            n = n * 10 + u64::from(d - b'0');
        }
    }
    Some(n)
}

/// The NIR key of a 13-character body: 97 − (N mod 97), from 01 to 97.
pub fn nir_key(body: &str) -> Option<u8> {
    nir_body_value(body).map(|n| (97 - n % 97) as u8)
}

/// True when `nir` is 15 characters whose last two digits are the key of the first 13.
pub fn nir_key_is_valid(nir: &str) -> bool {
    if nir.len() != 15 || !nir.is_char_boundary(13) {
        return false;
    }
    let (body, key) = nir.split_at(13);
    match (nir_key(body), key.parse::<u8>()) {
        (Some(expected), Ok(k)) => expected == k,
        _ => false,
    }
}

/// Builds a full NIR from its parts; `place` is the 5-character COG code (`75114`, `2A004`,
/// `97411`, `99350`) and `order` is 1..=999.
pub(crate) fn build_nir(sex_digit: u8, year: u16, month: u8, place: &str, order: u16) -> String {
    let body = format!(
        "{}{:02}{:02}{}{:03}",
        sex_digit,
        year % 100,
        month,
        place,
        order
    );
    let key = nir_key(&body).unwrap_or(0);
    format!("{body}{key:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_values() {
        for valid in [
            "295109912611193",
            "255081416802538",
            "253072A07300443",
            "253072B07300470",
            "178059933010817",
            "279035121518989",
            "260058815400233",
            "276037510669326",
        ] {
            assert!(nir_key_is_valid(valid), "{valid}");
        }
        for invalid in [
            "295109912611199",
            "123456789012244",
            "260058815400244",
            "276037510669380",
            "2951099126111",
            "29510991261119X",
        ] {
            assert!(!nir_key_is_valid(invalid), "{invalid}");
        }
    }

    #[test]
    fn build_round_trips() {
        let nir = build_nir(2, 1953, 7, "2A073", 4);
        assert_eq!(nir, "253072A07300443");
        assert!(nir_key_is_valid(&build_nir(1, 2001, 12, "97411", 999)));
    }
}
