//! Index terms of a record: the blocking keys of the batch pipeline (`b<rule>:<hex>`, so the
//! online candidate set is the batch one) plus field terms for demographic queries: family
//! names (`n:` key, `np:` Phonex, `ns:` Soundex2), first names (`f:`, `fp:`), birth date
//! (`dob:`) and year (`y:`), INS, birthplace, postcode, city, sex and domain. All keys come from
//! `vigie-core`'s normalisation and phonetics; the store sees opaque strings.

use vigie_core::date::PartialDate;
use vigie_core::matching::blocking::BlockingRule;
use vigie_core::matching::prepare::{MatchRecord, NameKeys};
use vigie_core::normalize;
use vigie_core::record::IdentityRecord;

/// Version of the index terms: bump it whenever [`record_terms`] changes (blocking rules,
/// normalisation, field terms), so stores rebuild their index at the next open.
/// 2: the `birth_date+postcode` blocking rule; first names in `phonex(any name)+birth_date`.
pub(crate) const TERMS_VERSION: u32 = 2;

/// Prefix of the blocking-key terms of rule number `i` (in [`BlockingRule::DEFAULT`] order).
fn blocking_term(rule: usize, key: u64) -> String {
    format!("b{rule}:{key:016x}")
}

/// The blocking-key terms of a prepared record.
pub(crate) fn blocking_terms(m: &MatchRecord) -> Vec<String> {
    let mut out = Vec::new();
    let mut keys = Vec::new();
    for (i, rule) in BlockingRule::DEFAULT.iter().enumerate() {
        keys.clear();
        rule.keys(m, &mut keys);
        for key in &keys {
            out.push(blocking_term(i, *key));
        }
    }
    out
}

fn name_terms(prefix: &str, name: &NameKeys, out: &mut Vec<String>) {
    out.push(format!("{prefix}:{}", name.key));
    if !name.phonex.is_empty() {
        out.push(format!("{prefix}p:{}", name.phonex));
    }
    if !name.soundex2.is_empty() {
        out.push(format!("{prefix}s:{}", name.soundex2));
    }
}

/// Birth date terms: the full date when known, the year always.
pub(crate) fn date_terms(date: &PartialDate, out: &mut Vec<String>) {
    if let PartialDate::Full(y, m, d) = date {
        out.push(format!("dob:{y:04}{m:02}{d:02}"));
    }
    out.push(format!("y:{}", date.year()));
}

/// Compact, upper-case postcode.
pub(crate) fn postcode_term(postcode: &str) -> Option<String> {
    let compact: String = postcode
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect();
    (!compact.is_empty()).then(|| format!("pc:{compact}"))
}

/// City term (RNIV-normalised).
pub(crate) fn city_term(city: &str) -> Option<String> {
    let key = normalize::rniv(city);
    let key = key.trim();
    (!key.is_empty()).then(|| format!("city:{key}"))
}

/// Field terms (no blocking keys, no domain) of a record and its prepared form.
pub(crate) fn field_terms(r: &IdentityRecord, m: &MatchRecord, out: &mut Vec<String>) {
    for name in [&m.birth_name, &m.used_name].into_iter().flatten() {
        name_terms("n", name, out);
    }
    for name in m.first_names.iter().chain(m.used_first_name.as_ref()) {
        name_terms("f", name, out);
    }
    if let Some(date) = &m.birth_date {
        date_terms(date, out);
    }
    if let Some(ins) = &r.ins {
        out.push(format!("ins:{}", ins.matricule()));
    }
    if let Some(bp) = &r.birth_place {
        out.push(format!("bp:{}", bp.as_str()));
    }
    if let Some(t) = r.postcode.as_deref().and_then(postcode_term) {
        out.push(t);
    }
    if let Some(t) = r.city.as_deref().and_then(city_term) {
        out.push(t);
    }
    if r.sex.is_known() {
        out.push(format!("sex:{}", r.sex.code()));
    }
}

/// Every index term of a record (document terms).
pub(crate) fn document_terms(r: &IdentityRecord, m: &MatchRecord) -> Vec<String> {
    let mut out = blocking_terms(m);
    field_terms(r, m, &mut out);
    if let Some(domain) = &r.source {
        out.push(format!("d:{}", domain.as_str()));
    }
    out.sort();
    out.dedup();
    out
}

/// Every index term of a record, preparing it first (the store's terms function).
pub(crate) fn record_terms(r: &IdentityRecord) -> Vec<String> {
    document_terms(r, &crate::prep::prepare(r))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use vigie_core::record::{Field, ParseOptions, RawRecord, parse_record};

    #[test]
    fn terms_hold_blocking_keys_and_fields() {
        let raw = RawRecord::new()
            .with(Field::RecordId, "1")
            .with(Field::Source, "H1")
            .with(Field::LocalId, "7")
            .with(Field::BirthName, "Dupont")
            .with(Field::FirstNames, "Jean")
            .with(Field::BirthDate, "1980-03-15")
            .with(Field::Sex, "M")
            .with(Field::Postcode, "75 001");
        let r = parse_record(&raw, ParseOptions::default()).unwrap().record;
        let terms = record_terms(&r);
        for t in [
            "n:DUPONT",
            "f:JEAN",
            "dob:19800315",
            "y:1980",
            "sex:M",
            "pc:75001",
            "d:H1",
        ] {
            assert!(terms.iter().any(|x| x == t), "{t} missing");
        }
        assert!(terms.iter().filter(|t| t.starts_with('b')).count() >= 3);
    }
}
