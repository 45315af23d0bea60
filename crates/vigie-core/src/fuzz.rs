//! Entry points of the fuzz targets (`fuzz/`), also replayed over the seed corpus by ordinary
//! tests. Each function takes arbitrary bytes and asserts the properties that must hold for any
//! input: no panic, idempotent normalisation, findings that never echo values.

use crate::date::PartialDate;
use crate::ins::Ins;
use crate::normalize;
use crate::phonetics;
use crate::record::{Field, ParseOptions, RawRecord, parse_record};

/// Splits the input on `\x1f` (unit separator) into the canonical fields and parses the row.
pub fn record(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut raw = RawRecord::new();
    for (field, value) in Field::ALL.iter().zip(text.split('\u{1f}')) {
        raw.set(*field, value);
    }
    if let Ok(parsed) = parse_record(
        &raw,
        ParseOptions {
            allow_test_oids: data.first() == Some(&b'T'),
        },
    ) {
        if let Some(ins) = &parsed.record.ins {
            let reparsed = Ins::parse(ins.matricule(), Some(ins.oid().as_str()), true);
            assert_eq!(
                reparsed.as_ref().ok(),
                Some(ins),
                "a parsed INS parses again"
            );
        }
        if let Some(date) = parsed.record.birth_date {
            assert_eq!(
                PartialDate::parse(&date.to_string()),
                Ok(date),
                "dates round-trip"
            );
        }
    }
}

/// Normalisation and phonetic keys of any text.
pub fn names(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let rniv = normalize::rniv(&text);
    assert_eq!(normalize::rniv(&rniv), rniv, "rniv is idempotent");
    assert!(
        rniv.chars()
            .all(|c| c.is_ascii_uppercase() || matches!(c, ' ' | '-' | '\'')),
        "rniv alphabet"
    );
    let key = normalize::name_key(&text);
    assert_eq!(normalize::name_key(&key), key, "name_key is idempotent");
    let _ = normalize::first_names(&text);
    let _ = phonetics::phonex(&text);
    let _ = phonetics::soundex2(&text);
    let _ = phonetics::double_metaphone(&text);
}

/// INS, date and birthplace parsers on any text.
pub fn identifiers(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = Ins::parse(&text, None, true);
    let _ = PartialDate::parse(&text);
    let _ = crate::birthplace::BirthPlaceCode::try_parse(&text);
}
