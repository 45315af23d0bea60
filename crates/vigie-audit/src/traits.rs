//! Per-record keys the audit groups on (normalised birth name, first first name, birth date) and
//! the comparison of strict traits between two records: which traits are *incompatible*, i.e.
//! differ beyond the entry errors a doublon usually carries.

use vigie_core::date::{self, DateComparison, PartialDate};
use vigie_core::normalize;
use vigie_core::phonetics;
use vigie_core::record::IdentityRecord;

use crate::names;

/// The grouping keys of one record, computed once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordKeys {
    /// RNIV form of the birth name (empty when missing).
    pub birth_name_rniv: String,
    /// Matching key of the birth name (particles dropped).
    pub name_key: String,
    /// Matching key of the first birth first name (empty when missing).
    pub first_name: String,
    /// The birth name or the first names are a placeholder (`X`, `INCONNU`, `TEST`…).
    pub placeholder_name: bool,
}

impl RecordKeys {
    /// Computes the keys of a record.
    pub fn of(record: &IdentityRecord) -> RecordKeys {
        let birth_name_rniv = record
            .birth_name
            .as_deref()
            .map(normalize::rniv)
            .unwrap_or_default();
        let name_key = normalize::name_key(&birth_name_rniv);
        let first_names_rniv = record
            .first_names
            .as_deref()
            .map(normalize::rniv)
            .unwrap_or_default();
        let first_name = normalize::first_names(&first_names_rniv)
            .into_iter()
            .next()
            .unwrap_or_default();
        let placeholder_name = names::is_placeholder_name(&birth_name_rniv)
            || names::is_placeholder_name(&first_names_rniv);
        RecordKeys {
            birth_name_rniv,
            name_key,
            first_name,
            placeholder_name,
        }
    }

    /// The exact identity key `NAME|FIRST|YYYY-MM-DD` used for exact-match doublons and
    /// homonyms: `None` unless the birth name, a first name and a full birth date are known and
    /// no name is a placeholder.
    pub fn exact_key(&self, birth_date: Option<&PartialDate>) -> Option<String> {
        match birth_date {
            Some(date @ PartialDate::Full(..))
                if !self.placeholder_name
                    && !self.name_key.is_empty()
                    && !self.first_name.is_empty() =>
            {
                Some(format!("{}|{}|{date}", self.name_key, self.first_name))
            }
            _ => None,
        }
    }

    /// The phonetic key `PHONEX(NAME)|PHONEX(FIRST)|YYYY-MM-DD` (same conditions as
    /// [`RecordKeys::exact_key`]).
    pub fn phonetic_key(&self, birth_date: Option<&PartialDate>) -> Option<String> {
        match birth_date {
            Some(date @ PartialDate::Full(..))
                if !self.placeholder_name
                    && !self.name_key.is_empty()
                    && !self.first_name.is_empty() =>
            {
                let name = phonetics::phonex(&self.name_key);
                let first = phonetics::phonex(&self.first_name);
                (!name.is_empty() && !first.is_empty()).then(|| format!("{name}|{first}|{date}"))
            }
            _ => None,
        }
    }
}

/// Which strict traits (and the INS) of two records are incompatible. Unknown values never
/// conflict.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Conflicts {
    /// Both sexes known and different.
    pub sex: bool,
    /// Both birth dates known and different beyond a typo, a day/month swap or a `01/01`
    /// placeholder (different year, or same year with a different month or day).
    pub birth_date: bool,
    /// No first name in common, first first names neither phonetically equal nor close
    /// (Jaro–Winkler < 0.85).
    pub first_names: bool,
    /// Both birthplace codes known and different.
    pub birth_place: bool,
    /// Both INS known and different.
    pub ins: bool,
}

impl Conflicts {
    /// Whether the strict traits that tell two people apart (sex, birth date, first names)
    /// conflict: the definition of a collision.
    pub fn strict(&self) -> bool {
        self.sex || self.birth_date || self.first_names
    }

    /// Whether anything conflicts.
    pub fn any(&self) -> bool {
        self.strict() || self.birth_place || self.ins
    }

    /// Adds the conflicts of `other`.
    pub fn merge(&mut self, other: Conflicts) {
        self.sex |= other.sex;
        self.birth_date |= other.birth_date;
        self.first_names |= other.first_names;
        self.birth_place |= other.birth_place;
        self.ins |= other.ins;
    }

    /// The canonical names of the conflicting fields.
    pub fn fields(&self) -> Vec<String> {
        [
            (self.sex, "sex"),
            (self.birth_date, "birth_date"),
            (self.first_names, "first_names"),
            (self.birth_place, "birth_place_code"),
            (self.ins, "ins"),
        ]
        .into_iter()
        .filter(|(set, _)| *set)
        .map(|(_, name)| name.to_owned())
        .collect()
    }
}

/// Compares the strict traits and INS of two records.
pub fn conflicts(a: &IdentityRecord, b: &IdentityRecord) -> Conflicts {
    Conflicts {
        sex: a.sex.is_known() && b.sex.is_known() && a.sex != b.sex,
        birth_date: match (&a.birth_date, &b.birth_date) {
            (Some(x), Some(y)) => matches!(
                date::compare(x, y),
                DateComparison::SameYearMonth
                    | DateComparison::SameYear
                    | DateComparison::Different
            ),
            _ => false,
        },
        first_names: match (&a.first_names, &b.first_names) {
            (Some(x), Some(y)) => first_names_conflict(x, y),
            _ => false,
        },
        birth_place: match (&a.birth_place, &b.birth_place) {
            (Some(x), Some(y)) => x.as_str() != y.as_str(),
            _ => false,
        },
        ins: match (&a.ins, &b.ins) {
            (Some(x), Some(y)) => x.matricule() != y.matricule(),
            _ => false,
        },
    }
}

/// Whether two first-name fields belong to different people (see [`Conflicts::first_names`]).
fn first_names_conflict(a: &str, b: &str) -> bool {
    let a = normalize::first_names(a);
    let b = normalize::first_names(b);
    let words_a = normalize::first_name_words(&a);
    let words_b = normalize::first_name_words(&b);
    let (Some(first_a), Some(first_b)) = (words_a.first(), words_b.first()) else {
        return false;
    };
    if words_a.iter().any(|word| words_b.contains(word)) {
        return false;
    }
    if phonetics::phonex(first_a) == phonetics::phonex(first_b) {
        return false;
    }
    strsim::jaro_winkler(first_a, first_b) < 0.85
}

/// Whether a raw name holds characters outside the RNIV rules: its RNIV form differs from the
/// raw text once only case and accents are folded (digits, punctuation, spaces around a hyphen,
/// doubled separators, leading or trailing separators…). Returns the RNIV form when it does.
pub fn outside_rniv(raw: &str) -> Option<String> {
    let rniv = normalize::rniv(raw);
    let mut folded = String::with_capacity(raw.len());
    for c in raw.chars() {
        if c.is_ascii() {
            folded.push(c.to_ascii_uppercase());
        } else if c.is_alphabetic() {
            folded.extend(
                deunicode::deunicode_char(c)
                    .unwrap_or("?")
                    .chars()
                    .map(|c| {
                        if c.is_ascii_alphabetic() {
                            c.to_ascii_uppercase()
                        } else {
                            c
                        }
                    }),
            );
        } else if matches!(c, '’' | '‘' | 'ʼ') {
            folded.push('\'');
        } else {
            folded.push(c);
        }
    }
    (folded != rniv).then_some(rniv)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use vigie_core::record::{Field, ParseOptions, RawRecord, parse_record};

    fn record(fields: &[(Field, &str)]) -> IdentityRecord {
        let mut raw = RawRecord::new().with(Field::RecordId, "r");
        for (field, value) in fields {
            raw.set(*field, value);
        }
        parse_record(&raw, ParseOptions::default()).unwrap().record
    }

    #[test]
    fn typos_do_not_conflict_but_other_people_do() {
        let a = record(&[
            (Field::FirstNames, "Jean Marc"),
            (Field::BirthDate, "1970-03-04"),
            (Field::Sex, "M"),
        ]);
        let typo = record(&[
            (Field::FirstNames, "Jan"),
            (Field::BirthDate, "1970-04-03"),
            (Field::Sex, "U"),
        ]);
        assert_eq!(conflicts(&a, &typo), Conflicts::default());
        let other = record(&[
            (Field::FirstNames, "Sophie"),
            (Field::BirthDate, "1982-11-20"),
            (Field::Sex, "F"),
        ]);
        let c = conflicts(&a, &other);
        assert!(c.sex && c.birth_date && c.first_names && c.strict());
        assert_eq!(c.fields(), ["sex", "birth_date", "first_names"]);
        assert_eq!(conflicts(&other, &a), c);
    }

    #[test]
    fn reordered_first_names_do_not_conflict() {
        let a = record(&[(Field::FirstNames, "Marie Louise")]);
        let b = record(&[(Field::FirstNames, "Louise")]);
        assert!(!conflicts(&a, &b).first_names);
    }

    #[test]
    fn exact_key_needs_full_traits() {
        let a = record(&[
            (Field::BirthName, "de la Fontaine"),
            (Field::FirstNames, "Jean-Pierre Paul"),
            (Field::BirthDate, "02/03/1950"),
        ]);
        let keys = RecordKeys::of(&a);
        assert_eq!(
            keys.exact_key(a.birth_date.as_ref()).as_deref(),
            Some("FONTAINE|JEAN PIERRE|1950-03-02")
        );
        let partial = record(&[
            (Field::BirthName, "Fontaine"),
            (Field::FirstNames, "Jean"),
            (Field::BirthDate, "1950"),
        ]);
        assert_eq!(
            RecordKeys::of(&partial).exact_key(partial.birth_date.as_ref()),
            None
        );
        let placeholder = record(&[
            (Field::BirthName, "Inconnu"),
            (Field::FirstNames, "X"),
            (Field::BirthDate, "1950-01-01"),
        ]);
        let keys = RecordKeys::of(&placeholder);
        assert!(keys.placeholder_name);
        assert_eq!(keys.exact_key(placeholder.birth_date.as_ref()), None);
    }

    #[test]
    fn characters_outside_rniv() {
        assert_eq!(outside_rniv("Hélène"), None);
        assert_eq!(outside_rniv("Cœur d’Alène"), None);
        assert_eq!(outside_rniv("Dupont-Martin"), None);
        assert_eq!(outside_rniv("DUPONT2").as_deref(), Some("DUPONT"));
        assert_eq!(outside_rniv("Martin.").as_deref(), Some("MARTIN"));
        assert_eq!(
            outside_rniv("Jean - Pierre").as_deref(),
            Some("JEAN-PIERRE")
        );
    }
}
