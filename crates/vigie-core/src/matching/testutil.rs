//! Test helpers: prepared records built from a few strings.

use crate::date::PartialDate;
use crate::sex::Sex;

use super::prepare::{MatchRecord, NameCache};

/// Parses `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (test data only).
pub(crate) fn date(text: &str) -> Option<PartialDate> {
    let parts: Vec<&str> = text.split('-').collect();
    let num = |i: usize| parts.get(i).and_then(|p| p.parse::<u16>().ok());
    match parts.len() {
        1 => num(0).map(PartialDate::Year),
        2 => Some(PartialDate::YearMonth(num(0)?, num(1)? as u8)),
        3 => Some(PartialDate::Full(num(0)?, num(1)? as u8, num(2)? as u8)),
        _ => None,
    }
}

/// A record with a birth name, first names, birth date and sex (`M`, `F`, other = unknown).
pub(crate) fn rec(birth_name: &str, first_names: &str, birth_date: &str, sex: char) -> MatchRecord {
    let mut cache = NameCache::default();
    MatchRecord {
        birth_name: cache.family(birth_name),
        first_names: cache.first_names(first_names),
        birth_date: date(birth_date),
        sex: match sex {
            'M' => Sex::Male,
            'F' => Sex::Female,
            _ => Sex::Unknown,
        },
        ..MatchRecord::default()
    }
}
