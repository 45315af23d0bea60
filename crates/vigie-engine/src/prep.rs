//! Record preparation (normalised names and their phonetic keys) with a name cache kept per
//! thread across calls: the candidates of one registration or query share a handful of names,
//! and the population shares most first names and many family names, so the phonetic keys of a
//! name are computed once per thread instead of once per candidate. The cache is bounded
//! (`NAME_CACHE_CAPACITY` entries per kind of name, forgotten all at once when exceeded) and
//! only memoises pure functions: a prepared record is the same with or without it.

use std::cell::RefCell;

use vigie_core::matching::prepare::{MatchRecord, NameCache};
use vigie_core::record::IdentityRecord;

/// Entries per kind of name kept by each thread's cache.
const NAME_CACHE_CAPACITY: usize = 20_000;

thread_local! {
    static NAMES: RefCell<NameCache> = RefCell::new(NameCache::with_capacity(NAME_CACHE_CAPACITY));
}

/// `MatchRecord::from_record`, sharing this thread's name cache.
pub(crate) fn prepare(record: &IdentityRecord) -> MatchRecord {
    NAMES.with(|names| match names.try_borrow_mut() {
        Ok(mut names) => MatchRecord::from_record_cached(record, &mut names),
        // Not reachable (preparation does not re-enter), but never a panic.
        Err(_) => MatchRecord::from_record(record),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use vigie_core::record::{Field, ParseOptions, RawRecord, parse_record};

    fn record(family: &str, given: &str, city: &str) -> Option<IdentityRecord> {
        let raw = RawRecord::new()
            .with(Field::RecordId, "1")
            .with(Field::BirthName, family)
            .with(Field::UsedName, given)
            .with(Field::FirstNames, given)
            .with(Field::City, city);
        parse_record(&raw, ParseOptions::default())
            .ok()
            .map(|p| p.record)
    }

    proptest! {
        /// The cache never changes a prepared record, whatever was prepared before on the
        /// thread.
        #[test]
        fn cached_preparation_equals_fresh_preparation(
            names in proptest::collection::vec(("[A-Za-zéèçŒœ' -]{0,12}", "[A-Za-zéè ,-]{0,16}", "[A-Za-z -]{0,8}"), 1..20)
        ) {
            for (family, given, city) in &names {
                if let Some(r) = record(family, given, city) {
                    prop_assert_eq!(prepare(&r), MatchRecord::from_record(&r));
                }
            }
        }
    }
}
