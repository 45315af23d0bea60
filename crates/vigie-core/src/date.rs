//! Partial birth dates (`YYYY`, `YYYY-MM`, full) and the date comparator used by matching.
//! INTERFACE STUB: the identity helper completes it; signatures are the contract.

/// A birth date known to the year, the month or the day. Always a real calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PartialDate {
    /// Only the year is known.
    Year(u16),
    /// Year and month are known.
    YearMonth(u16, u8),
    /// The full date.
    Full(u16, u8, u8),
}

impl PartialDate {
    /// The year.
    pub fn year(&self) -> u16 {
        match *self {
            PartialDate::Year(y) | PartialDate::YearMonth(y, _) | PartialDate::Full(y, _, _) => y,
        }
    }
    /// The month when known.
    pub fn month(&self) -> Option<u8> {
        match *self {
            PartialDate::Year(_) => None,
            PartialDate::YearMonth(_, m) | PartialDate::Full(_, m, _) => Some(m),
        }
    }
    /// The day when known.
    pub fn day(&self) -> Option<u8> {
        match *self {
            PartialDate::Full(_, _, d) => Some(d),
            _ => None,
        }
    }
}

/// How two birth dates compare, best level first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DateComparison {
    /// Same full date.
    Exact,
    /// Day and month transposed (e.g. 03/04 vs 04/03).
    DayMonthSwapped,
    /// One digit differs in `YYYYMMDD` (a typing error).
    OneDigitTypo,
    /// One side is partial and agrees with the other as far as it goes.
    PartialAgree,
    /// One side is the `01/01` placeholder and the years agree.
    Placeholder,
    /// Same year and month, different day.
    SameYearMonth,
    /// Same year only.
    SameYear,
    /// Different dates.
    Different,
}

/// Compares two dates (symmetric).
pub fn compare(a: &PartialDate, b: &PartialDate) -> DateComparison {
    if a == b {
        DateComparison::Exact
    } else if a.year() == b.year() {
        DateComparison::SameYear
    } else {
        DateComparison::Different
    }
}
