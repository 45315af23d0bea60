//! Partial birth dates (`YYYY`, `YYYY-MM`, full) and the date comparator used by matching.
//!
//! [`PartialDate::parse`] reads the layouts registration systems send: ISO (`1980-03-15`,
//! `1980-03`, `1980`, FHIR `1980-03-15T10:00:00+01:00`), compact (`19800315`, `198003`), HL7 v2
//! timestamps (`YYYYMMDDHH[MM[SS[.S…]]][±ZZZZ]`, date part kept) and French (`15/03/1980`,
//! `15.03.1980`, `15-03-1980`, `03/1980`). The French convention `00` for an unknown day or month
//! gives a partial date (`1980-00-00` → `1980`, `00/03/1980` → `1980-03`). Every date is checked
//! against the calendar (no 31 February, leap years) and a plausible year range
//! ([`MIN_YEAR`]..=[`MAX_YEAR`]). Errors never echo the input.

use std::fmt;
use std::str::FromStr;

/// Earliest accepted birth year.
pub const MIN_YEAR: u16 = 1850;
/// Latest accepted birth year.
pub const MAX_YEAR: u16 = 2100;

/// A birth date known to the year, the month or the day. Always a real calendar date when built
/// by [`PartialDate::parse`] or [`PartialDate::from_ymd`] (the variants can also be built
/// directly; [`PartialDate::is_valid`] tells whether such a value is a real date).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PartialDate {
    /// Only the year is known.
    Year(u16),
    /// Year and month are known.
    YearMonth(u16, u8),
    /// The full date.
    Full(u16, u8, u8),
}

/// Why a date could not be read. Carries the offending component, never the whole value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// Empty or only white space.
    #[error("date is empty")]
    Empty,
    /// Not one of the accepted layouts.
    #[error(
        "unrecognised date layout (expected YYYY-MM-DD, YYYYMMDD, DD/MM/YYYY, YYYY, YYYY-MM, \
         YYYYMM or an HL7 timestamp)"
    )]
    UnrecognisedFormat,
    /// The year is outside [`MIN_YEAR`]..=[`MAX_YEAR`].
    #[error("year {year} is outside the plausible range {MIN_YEAR}-{MAX_YEAR}")]
    YearOutOfRange {
        /// The year read.
        year: u32,
    },
    /// The month is not 1..=12 (nor `00`, unknown).
    #[error("month {month} does not exist")]
    MonthOutOfRange {
        /// The month read.
        month: u32,
    },
    /// The day does not exist in that month (e.g. 31/02, 29/02 outside a leap year).
    #[error("day {day} does not exist in month {month:02} (it has {days_in_month} days)")]
    DayOutOfRange {
        /// The day read.
        day: u32,
        /// The month.
        month: u8,
        /// Number of days of that month in that year.
        days_in_month: u8,
    },
    /// A day is given while the month is unknown (`00`).
    #[error("a day is given but the month is unknown (00)")]
    DayWithoutMonth,
    /// The time part of a timestamp is not a valid time of day.
    #[error("the time part of the timestamp is not a valid time")]
    BadTime,
}

/// True for a Gregorian leap year.
pub fn is_leap_year(year: u16) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

/// Number of days of `month` (1..=12) in `year`; 0 for a month that does not exist.
pub fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
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

    /// Builds a checked date from its parts; `0` means unknown for the month and the day
    /// (French convention), so `from_ymd(1980, 3, 0)` is `1980-03`.
    pub fn from_ymd(year: u16, month: u8, day: u8) -> Result<PartialDate, DateError> {
        build(u32::from(year), u32::from(month), u32::from(day))
    }

    /// Reads a date in any accepted layout (see the module documentation). Never panics.
    pub fn parse(input: &str) -> Result<PartialDate, DateError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(DateError::Empty);
        }
        if !s.is_ascii() {
            return Err(DateError::UnrecognisedFormat);
        }
        let leading_digits = s.bytes().take_while(u8::is_ascii_digit).count();
        if leading_digits == s.len() || leading_digits >= 8 {
            return parse_compact(s, leading_digits);
        }
        match (leading_digits, s.as_bytes().get(leading_digits)) {
            (4, Some(b'-')) => return parse_iso(s),
            (4, Some(b'/')) => return parse_day_first(s, '/'),
            (1 | 2, Some(b'/')) => return parse_day_first(s, '/'),
            (1 | 2, Some(b'.')) => return parse_day_first(s, '.'),
            (1 | 2, Some(b'-')) => return parse_day_first(s, '-'),
            _ => {}
        }
        Err(DateError::UnrecognisedFormat)
    }

    /// True when the value is a real calendar date within the plausible year range (always the
    /// case for values built by [`PartialDate::parse`] or [`PartialDate::from_ymd`]).
    pub fn is_valid(&self) -> bool {
        let rebuilt = match *self {
            PartialDate::Year(y) => PartialDate::from_ymd(y, 0, 0),
            PartialDate::YearMonth(y, m) => {
                if m == 0 {
                    return false;
                }
                PartialDate::from_ymd(y, m, 0)
            }
            PartialDate::Full(y, m, d) => {
                if m == 0 || d == 0 {
                    return false;
                }
                PartialDate::from_ymd(y, m, d)
            }
        };
        rebuilt == Ok(*self)
    }

    /// True for a full date on 1 January, the usual placeholder when day and month are unknown.
    pub fn is_placeholder(&self) -> bool {
        matches!(*self, PartialDate::Full(_, 1, 1))
    }

    /// True when only the year or the year and month are known.
    pub fn is_partial(&self) -> bool {
        !matches!(self, PartialDate::Full(..))
    }
}

/// Checks components (`0` = unknown month or day) and builds the date.
fn build(year: u32, month: u32, day: u32) -> Result<PartialDate, DateError> {
    let y = match u16::try_from(year) {
        Ok(y) if (MIN_YEAR..=MAX_YEAR).contains(&y) => y,
        _ => return Err(DateError::YearOutOfRange { year }),
    };
    if month == 0 {
        return if day == 0 {
            Ok(PartialDate::Year(y))
        } else {
            Err(DateError::DayWithoutMonth)
        };
    }
    let m = match u8::try_from(month) {
        Ok(m) if m <= 12 => m,
        _ => return Err(DateError::MonthOutOfRange { month }),
    };
    if day == 0 {
        return Ok(PartialDate::YearMonth(y, m));
    }
    let dim = days_in_month(y, m);
    match u8::try_from(day) {
        Ok(d) if d <= dim => Ok(PartialDate::Full(y, m, d)),
        _ => Err(DateError::DayOutOfRange {
            day,
            month: m,
            days_in_month: dim,
        }),
    }
}

/// Value of a short run of ASCII digits (at most 9, so it fits a `u32`).
fn number(digits: &str) -> Option<u32> {
    if digits.is_empty() || digits.len() > 9 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// `YYYY`, `YYYYMM`, `YYYYMMDD` and HL7 timestamps `YYYYMMDDHH[MM[SS[.S…]]][±ZZZZ]`.
/// `s` is ASCII; `digits` is the length of its leading digit run.
fn parse_compact(s: &str, digits: usize) -> Result<PartialDate, DateError> {
    let head = s.get(..digits).ok_or(DateError::UnrecognisedFormat)?;
    let rest = s.get(digits..).ok_or(DateError::UnrecognisedFormat)?;
    let part = |from: usize, to: usize| {
        head.get(from..to)
            .and_then(number)
            .ok_or(DateError::UnrecognisedFormat)
    };
    match digits {
        4 if rest.is_empty() => build(part(0, 4)?, 0, 0),
        6 if rest.is_empty() => build(part(0, 4)?, part(4, 6)?, 0),
        8 | 10 | 12 | 14 => {
            let date = build(part(0, 4)?, part(4, 6)?, part(6, 8)?)?;
            let hour = if digits >= 10 { part(8, 10)? } else { 0 };
            let minute = if digits >= 12 { part(10, 12)? } else { 0 };
            let second = if digits >= 14 { part(12, 14)? } else { 0 };
            if hour > 23 || minute > 59 || second > 60 {
                return Err(DateError::BadTime);
            }
            check_hl7_suffix(rest, digits == 14)?;
            Ok(date)
        }
        _ => Err(DateError::UnrecognisedFormat),
    }
}

/// After the digits of an HL7 timestamp: optional `.S{1,4}` (only after seconds), optional
/// `+ZZZZ` / `-ZZZZ`.
fn check_hl7_suffix(rest: &str, has_seconds: bool) -> Result<(), DateError> {
    let mut rest = rest;
    if let Some(fraction) = rest.strip_prefix('.') {
        let n = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if !has_seconds || n == 0 || n > 4 {
            return Err(DateError::UnrecognisedFormat);
        }
        rest = fraction.get(n..).ok_or(DateError::UnrecognisedFormat)?;
    }
    if rest.is_empty() {
        return Ok(());
    }
    let zone = rest
        .strip_prefix('+')
        .or_else(|| rest.strip_prefix('-'))
        .ok_or(DateError::UnrecognisedFormat)?;
    check_offset(zone.get(..2), zone.get(2..))
}

/// Checks a time-zone offset given as hours and minutes digits.
fn check_offset(hours: Option<&str>, minutes: Option<&str>) -> Result<(), DateError> {
    let (Some(h), Some(m)) = (hours, minutes) else {
        return Err(DateError::UnrecognisedFormat);
    };
    if h.len() != 2 || m.len() != 2 {
        return Err(DateError::UnrecognisedFormat);
    }
    match (number(h), number(m)) {
        (Some(h), Some(m)) if h <= 14 && m <= 59 => Ok(()),
        (Some(_), Some(_)) => Err(DateError::BadTime),
        _ => Err(DateError::UnrecognisedFormat),
    }
}

/// ISO / FHIR: `YYYY-MM`, `YYYY-MM-DD`, optionally `Thh:mm[:ss[.f…]][Z|±hh:mm]`.
fn parse_iso(s: &str) -> Result<PartialDate, DateError> {
    let (date, time) = match s.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (s, None),
    };
    let parts: Vec<&str> = date.split('-').collect();
    let date = match parts.as_slice() {
        [y, m] if y.len() == 4 && m.len() == 2 => build(num(y)?, num(m)?, 0)?,
        [y, m, d] if y.len() == 4 && m.len() == 2 && d.len() == 2 => {
            build(num(y)?, num(m)?, num(d)?)?
        }
        _ => return Err(DateError::UnrecognisedFormat),
    };
    if let Some(time) = time {
        if date.is_partial() {
            return Err(DateError::UnrecognisedFormat);
        }
        check_iso_time(time)?;
    }
    Ok(date)
}

/// `hh:mm[:ss[.f…]]` followed by `Z`, `±hh:mm` or nothing.
fn check_iso_time(time: &str) -> Result<(), DateError> {
    let (clock, zone) = match time.find(['Z', '+', '-']) {
        Some(i) => (time.get(..i), time.get(i..)),
        None => (Some(time), None),
    };
    let clock = clock.ok_or(DateError::UnrecognisedFormat)?;
    let (clock, fraction) = match clock.split_once('.') {
        Some((c, f)) => (c, Some(f)),
        None => (clock, None),
    };
    if let Some(f) = fraction
        && (f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(DateError::UnrecognisedFormat);
    }
    let fields: Vec<&str> = clock.split(':').collect();
    if !(2..=3).contains(&fields.len()) || fields.iter().any(|f| f.len() != 2) {
        return Err(DateError::UnrecognisedFormat);
    }
    if fraction.is_some() && fields.len() != 3 {
        return Err(DateError::UnrecognisedFormat);
    }
    let limits = [23, 59, 60];
    for (field, limit) in fields.iter().zip(limits) {
        if num(field)? > limit {
            return Err(DateError::BadTime);
        }
    }
    match zone {
        None | Some("Z") => Ok(()),
        Some(z) => {
            let offset = z.get(1..).ok_or(DateError::UnrecognisedFormat)?;
            match offset.split_once(':') {
                Some((h, m)) => check_offset(Some(h), Some(m)),
                None => Err(DateError::UnrecognisedFormat),
            }
        }
    }
}

/// Day first: `DD/MM/YYYY`, `MM/YYYY` (1- or 2-digit day and month), same with `.` or `-`;
/// also `YYYY/MM/DD` with slashes.
fn parse_day_first(s: &str, separator: char) -> Result<PartialDate, DateError> {
    let parts: Vec<&str> = s.split(separator).collect();
    let short = |p: &&str| (1..=2).contains(&p.len());
    match parts.as_slice() {
        [d, m, y] if short(d) && short(m) && y.len() == 4 => build(num(y)?, num(m)?, num(d)?),
        [m, y] if short(m) && y.len() == 4 => build(num(y)?, num(m)?, 0),
        [y, m, d] if separator == '/' && y.len() == 4 && short(m) && short(d) => {
            build(num(y)?, num(m)?, num(d)?)
        }
        _ => Err(DateError::UnrecognisedFormat),
    }
}

/// A run of digits as a number, or a layout error.
fn num(digits: &str) -> Result<u32, DateError> {
    number(digits).ok_or(DateError::UnrecognisedFormat)
}

impl FromStr for PartialDate {
    type Err = DateError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PartialDate::parse(s)
    }
}

impl fmt::Display for PartialDate {
    /// ISO 8601: `1980`, `1980-03`, `1980-03-15`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            PartialDate::Year(y) => write!(f, "{y:04}"),
            PartialDate::YearMonth(y, m) => write!(f, "{y:04}-{m:02}"),
            PartialDate::Full(y, m, d) => write!(f, "{y:04}-{m:02}-{d:02}"),
        }
    }
}

/// How two birth dates compare, best level first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DateComparison {
    /// Same full date (two equal partial dates are [`DateComparison::PartialAgree`]).
    Exact,
    /// Two full dates of the same year with day and month transposed (e.g. 03/04 vs 04/03).
    DayMonthSwapped,
    /// Two full dates whose `YYYYMMDD` forms differ in exactly one digit, or by one transposition
    /// of two adjacent digits (a typing error). A `01/01` placeholder against a date of the same
    /// year is [`DateComparison::Placeholder`], never a typo.
    OneDigitTypo,
    /// At least one side is partial and both agree as far as the less precise one goes
    /// (`1980` vs `1980-03-15`, `1980-03` vs `1980-03-15`, `1980` vs `1980`).
    PartialAgree,
    /// Two full dates of the same year, exactly one of them the `01/01` placeholder.
    Placeholder,
    /// Two full dates, same year and month, different day.
    SameYearMonth,
    /// Same year only.
    SameYear,
    /// Different dates.
    Different,
}

/// Compares two dates. Symmetric: `compare(a, b) == compare(b, a)`. Total: any values, even
/// ones built directly with impossible components, give an answer without panicking.
pub fn compare(a: &PartialDate, b: &PartialDate) -> DateComparison {
    let same_year = a.year() == b.year();
    match (*a, *b) {
        (PartialDate::Full(_, ma, da), PartialDate::Full(_, mb, db)) => {
            if a == b {
                DateComparison::Exact
            } else if same_year && ma == db && da == mb {
                DateComparison::DayMonthSwapped
            } else if same_year && a.is_placeholder() != b.is_placeholder() {
                DateComparison::Placeholder
            } else if one_digit_typo(a, b) {
                DateComparison::OneDigitTypo
            } else if same_year && ma == mb {
                DateComparison::SameYearMonth
            } else if same_year {
                DateComparison::SameYear
            } else {
                DateComparison::Different
            }
        }
        _ => {
            let months_agree = match (a.month(), b.month()) {
                (Some(x), Some(y)) => x == y,
                _ => true,
            };
            if same_year && months_agree {
                DateComparison::PartialAgree
            } else if same_year {
                DateComparison::SameYear
            } else {
                DateComparison::Different
            }
        }
    }
}

/// `YYYYMMDD` digits of a date (month and day 0 when unknown). Years past 9999, which only a
/// directly built value can hold, keep their last four digits.
fn date_digits(d: &PartialDate) -> [u8; 8] {
    let (year, month, day) = (d.year(), d.month().unwrap_or(0), d.day().unwrap_or(0));
    let digit = |v: u16| (v % 10) as u8;
    [
        digit(year / 1000),
        digit(year / 100),
        digit(year / 10),
        digit(year),
        month / 10 % 10,
        month % 10,
        day / 10 % 10,
        day % 10,
    ]
}

/// Exactly one differing digit, or two adjacent digits transposed, in the `YYYYMMDD` forms.
/// Allocation-free: it runs for every compared pair of the batch engine.
fn one_digit_typo(a: &PartialDate, b: &PartialDate) -> bool {
    let (x, y) = (date_digits(a), date_digits(b));
    let mut diffs = x
        .iter()
        .zip(&y)
        .enumerate()
        .filter(|(_, (p, q))| p != q)
        .map(|(i, _)| i);
    match (diffs.next(), diffs.next(), diffs.next()) {
        (Some(_), None, None) => true,
        (Some(i), Some(j), None) if j == i + 1 => x.get(i) == y.get(j) && x.get(j) == y.get(i),
        _ => false,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::DateComparison as C;
    use super::PartialDate::{Full, Year, YearMonth};
    use super::*;
    use proptest::prelude::*;

    fn p(s: &str) -> Result<PartialDate, DateError> {
        PartialDate::parse(s)
    }

    #[test]
    fn parses_every_layout() {
        let d = Full(1980, 3, 15);
        for s in [
            "1980-03-15",
            " 19800315 ",
            "15/03/1980",
            "15.03.1980",
            "15-03-1980",
            "1980/03/15",
            "198003151230",
            "19800315123045",
            "19800315123045.12+0100",
            "1980031512",
            "19800315-0500",
            "1980-03-15T12:30:45+01:00",
            "1980-03-15T12:30Z",
            "1980-03-15T12:30:45.123Z",
        ] {
            assert_eq!(p(s), Ok(d), "{s}");
        }
        assert_eq!(p("5/3/1980"), Ok(Full(1980, 3, 5)));
        assert_eq!(p("1980"), Ok(Year(1980)));
        assert_eq!(p("1980-03"), Ok(YearMonth(1980, 3)));
        assert_eq!(p("198003"), Ok(YearMonth(1980, 3)));
        assert_eq!(p("03/1980"), Ok(YearMonth(1980, 3)));
    }

    #[test]
    fn french_unknown_day_and_month() {
        assert_eq!(p("1980-00-00"), Ok(Year(1980)));
        assert_eq!(p("19800300"), Ok(YearMonth(1980, 3)));
        assert_eq!(p("00/03/1980"), Ok(YearMonth(1980, 3)));
        assert_eq!(p("00/00/1980"), Ok(Year(1980)));
        assert_eq!(p("19800000"), Ok(Year(1980)));
        assert_eq!(p("1980-00"), Ok(Year(1980)));
        assert_eq!(p("15/00/1980"), Err(DateError::DayWithoutMonth));
        assert_eq!(p("1980-00-15"), Err(DateError::DayWithoutMonth));
    }

    #[test]
    fn refuses_impossible_dates_with_reason() {
        assert_eq!(
            p("31/02/1980"),
            Err(DateError::DayOutOfRange {
                day: 31,
                month: 2,
                days_in_month: 29
            })
        );
        assert_eq!(p("29/02/2000"), Ok(Full(2000, 2, 29)));
        assert!(matches!(
            p("29/02/1900"),
            Err(DateError::DayOutOfRange {
                days_in_month: 28,
                ..
            })
        ));
        assert!(p("1981-02-29").is_err());
        assert_eq!(p("1984-02-29"), Ok(Full(1984, 2, 29)));
        assert_eq!(
            p("1980-13-01"),
            Err(DateError::MonthOutOfRange { month: 13 })
        );
        assert!(p("1980-04-31").is_err());
        assert_eq!(
            p("1849-01-01"),
            Err(DateError::YearOutOfRange { year: 1849 })
        );
        assert_eq!(p("2101"), Err(DateError::YearOutOfRange { year: 2101 }));
        assert_eq!(p("0000-03-15"), Err(DateError::YearOutOfRange { year: 0 }));
        assert_eq!(p("1850-01-01"), Ok(Full(1850, 1, 1)));
        assert_eq!(p("2100-12-31"), Ok(Full(2100, 12, 31)));
        assert_eq!(p("198003152460"), Err(DateError::BadTime));
        assert_eq!(p("1980-03-15T25:00"), Err(DateError::BadTime));
    }

    #[test]
    fn refuses_garbage_layouts() {
        for s in [
            "",
            "   ",
            "abc",
            "1980-3",
            "80-03-15",
            "1980031",
            "19800315123",
            "15/03/80",
            "1980-03-15T",
            "1980-03T10:00",
            "15 mars 1980",
            "١٩٨٠",
            "1980-03-15x",
            "19800315+01",
            "2024-01-01T10:00+0100",
        ] {
            assert!(p(s).is_err(), "{s:?} should be refused");
        }
        assert_eq!(p(""), Err(DateError::Empty));
        assert_eq!(p("1980-3"), Err(DateError::UnrecognisedFormat));
    }

    #[test]
    fn display_is_iso_and_placeholder() {
        assert_eq!(Year(1980).to_string(), "1980");
        assert_eq!(YearMonth(1980, 3).to_string(), "1980-03");
        assert_eq!(Full(1980, 3, 5).to_string(), "1980-03-05");
        assert!(Full(1980, 1, 1).is_placeholder());
        assert!(!Full(1980, 1, 2).is_placeholder());
        assert!(!Year(1980).is_placeholder());
        assert!(!YearMonth(1980, 1).is_placeholder());
    }

    #[test]
    fn validity_of_directly_built_values() {
        assert!(Full(1980, 2, 29).is_valid());
        assert!(!Full(1981, 2, 29).is_valid());
        assert!(!YearMonth(1980, 0).is_valid());
        assert!(!Full(1980, 3, 0).is_valid());
        assert!(!Year(3000).is_valid());
        assert_eq!(PartialDate::from_ymd(1980, 3, 0), Ok(YearMonth(1980, 3)));
    }

    #[test]
    fn comparator_levels() {
        let cmp = |a: &str, b: &str| compare(&p(a).unwrap(), &p(b).unwrap());
        assert_eq!(cmp("1980-03-15", "15/03/1980"), C::Exact);
        assert_eq!(cmp("1980-03-04", "1980-04-03"), C::DayMonthSwapped);
        assert_eq!(cmp("1980-03-15", "1980-03-16"), C::OneDigitTypo);
        assert_eq!(cmp("1980-03-15", "1981-03-15"), C::OneDigitTypo);
        assert_eq!(cmp("1980-03-12", "1980-03-21"), C::OneDigitTypo);
        assert_eq!(cmp("1989-03-15", "1998-03-15"), C::OneDigitTypo);
        assert_eq!(cmp("1980", "1980-03-15"), C::PartialAgree);
        assert_eq!(cmp("1980-03", "1980-03-15"), C::PartialAgree);
        assert_eq!(cmp("1980", "1980"), C::PartialAgree);
        assert_eq!(cmp("1980-03", "1980"), C::PartialAgree);
        assert_eq!(cmp("1980-01-01", "1980-06-23"), C::Placeholder);
        assert_eq!(cmp("1980-01-01", "1980-01-07"), C::Placeholder);
        assert_eq!(cmp("1980-01-01", "1981-01-01"), C::OneDigitTypo);
        assert_eq!(cmp("1980-01-01", "1985-06-23"), C::Different);
        assert_eq!(cmp("1980-03-15", "1980-03-27"), C::SameYearMonth);
        assert_eq!(cmp("1980-03-15", "1980-07-27"), C::SameYear);
        assert_eq!(cmp("1980-03", "1980-07-27"), C::SameYear);
        assert_eq!(cmp("1980-03", "1980-07"), C::SameYear);
        assert_eq!(cmp("1980-03-15", "1975-07-27"), C::Different);
        assert_eq!(cmp("1980", "1981-03-15"), C::Different);
    }

    fn any_date() -> impl Strategy<Value = PartialDate> {
        prop_oneof![
            any::<u16>().prop_map(Year),
            (any::<u16>(), any::<u8>()).prop_map(|(y, m)| YearMonth(y, m)),
            (any::<u16>(), any::<u8>(), any::<u8>()).prop_map(|(y, m, d)| Full(y, m, d)),
            // Realistic values, so the interesting levels are reached often.
            (1975u16..1985, 0u8..=12, 0u8..=31)
                .prop_filter_map("real date", |(y, m, d)| PartialDate::from_ymd(y, m, d).ok()),
        ]
    }

    fn valid_date() -> impl Strategy<Value = PartialDate> {
        (MIN_YEAR..=MAX_YEAR, 0u8..=12, 0u8..=31)
            .prop_filter_map("real date", |(y, m, d)| PartialDate::from_ymd(y, m, d).ok())
    }

    proptest! {
        #[test]
        fn compare_is_symmetric(a in any_date(), b in any_date()) {
            prop_assert_eq!(compare(&a, &b), compare(&b, &a));
        }

        #[test]
        fn compare_is_reflexive_on_full_dates(a in valid_date()) {
            let expected = if a.is_partial() { C::PartialAgree } else { C::Exact };
            prop_assert_eq!(compare(&a, &a), expected);
        }

        #[test]
        fn parse_never_panics(s in any::<String>()) {
            if let Ok(d) = PartialDate::parse(&s) {
                prop_assert!(d.is_valid());
            }
        }

        #[test]
        fn parse_never_panics_on_date_like_strings(s in "[0-9/.:T+Z-]{0,24}") {
            if let Ok(d) = PartialDate::parse(&s) {
                prop_assert!(d.is_valid());
            }
        }

        #[test]
        fn display_round_trips(d in valid_date()) {
            prop_assert_eq!(PartialDate::parse(&d.to_string()), Ok(d));
        }
    }
}
