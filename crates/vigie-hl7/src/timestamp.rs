//! HL7 v2 timestamps (DTM/TS: `YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]`) with their
//! precision, and birth dates (`YYYY[MM[DD…]]` → [`PartialDate`]).
//!
//! Reply builders take a [`Timestamp`] as plain data (no clock in this crate): the server
//! passes the current time.

use std::fmt;

use vigie_core::date::{DateError, PartialDate, days_in_month};

/// A timestamp as precise as it was written (from the year down to fractions of a second).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Timestamp {
    year: u16,
    month: Option<u8>,
    day: Option<u8>,
    hour: Option<u8>,
    minute: Option<u8>,
    second: Option<u8>,
    /// Fraction digits as written (up to 4) and their count.
    fraction: Option<(u16, u8)>,
    /// Offset from UTC in minutes.
    offset_minutes: Option<i16>,
}

/// Why a timestamp could not be read (the value is never echoed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid HL7 timestamp")]
pub struct TimestampError;

fn number(digits: &str) -> Option<u16> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

impl Timestamp {
    /// A full second-precision timestamp; `None` when a part is out of range.
    pub fn from_parts(
        year: u16,
        month: u8,
        day: u8,
        hour: u8,
        minute: u8,
        second: u8,
    ) -> Option<Timestamp> {
        let valid = (1..=9999).contains(&year)
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month)
            && hour < 24
            && minute < 60
            && second < 60;
        valid.then_some(Timestamp {
            year,
            month: Some(month),
            day: Some(day),
            hour: Some(hour),
            minute: Some(minute),
            second: Some(second),
            fraction: None,
            offset_minutes: None,
        })
    }

    /// A timestamp known to the year only (years above 9999 are clamped).
    pub fn of_year(year: u16) -> Timestamp {
        Timestamp {
            year: year.min(9999),
            month: None,
            day: None,
            hour: None,
            minute: None,
            second: None,
            fraction: None,
            offset_minutes: None,
        }
    }

    /// Parses an HL7 timestamp. Never panics.
    ///
    /// # Errors
    /// A layout other than the HL7 one, or a part out of range.
    pub fn parse(input: &str) -> Result<Timestamp, TimestampError> {
        let s = input.trim();
        if !s.is_ascii() {
            return Err(TimestampError);
        }
        let (body, offset) = match s.find(['+', '-']) {
            Some(at) => (s.get(..at).unwrap_or(""), Some(s.get(at..).unwrap_or(""))),
            None => (s, None),
        };
        let (digits, fraction) = match body.split_once('.') {
            Some((d, f)) => (d, Some(f)),
            None => (body, None),
        };
        if !matches!(digits.len(), 4 | 6 | 8 | 10 | 12 | 14) {
            return Err(TimestampError);
        }
        let part = |range: std::ops::Range<usize>| digits.get(range).and_then(number);
        let year = part(0..4).ok_or(TimestampError)?;
        let two = |at: usize| -> Result<Option<u8>, TimestampError> {
            if digits.len() < at + 2 {
                return Ok(None);
            }
            part(at..at + 2)
                .map(|n| Some(n as u8))
                .ok_or(TimestampError)
        };
        let ts = Timestamp {
            year,
            month: two(4)?,
            day: two(6)?,
            hour: two(8)?,
            minute: two(10)?,
            second: two(12)?,
            fraction: match fraction {
                None => None,
                Some(f) if digits.len() == 14 && (1..=4).contains(&f.len()) => {
                    Some((number(f).ok_or(TimestampError)?, f.len() as u8))
                }
                Some(_) => return Err(TimestampError),
            },
            offset_minutes: match offset {
                None => None,
                Some(o) => {
                    let sign = if o.starts_with('-') { -1 } else { 1 };
                    let digits = o.get(1..).unwrap_or("");
                    if digits.len() != 4 {
                        return Err(TimestampError);
                    }
                    let hours = digits.get(..2).and_then(number).ok_or(TimestampError)?;
                    let minutes = digits.get(2..).and_then(number).ok_or(TimestampError)?;
                    if hours > 23 || minutes > 59 {
                        return Err(TimestampError);
                    }
                    Some(sign * (hours * 60 + minutes) as i16)
                }
            },
        };
        ts.check().then_some(ts).ok_or(TimestampError)
    }

    fn check(&self) -> bool {
        let month_ok = self.month.is_none_or(|m| (1..=12).contains(&m));
        let day_ok = match (self.month, self.day) {
            (Some(m), Some(d)) => d >= 1 && d <= days_in_month(self.year, m),
            _ => true,
        };
        month_ok
            && day_ok
            && self.hour.is_none_or(|h| h < 24)
            && self.minute.is_none_or(|m| m < 60)
            && self.second.is_none_or(|s| s < 60)
    }

    /// The date part as a birth date (year range and calendar checked by vigie-core).
    ///
    /// # Errors
    /// The year is outside the plausible birth years.
    pub fn date(&self) -> Result<PartialDate, DateError> {
        PartialDate::from_ymd(self.year, self.month.unwrap_or(0), self.day.unwrap_or(0))
    }

    /// The year.
    pub fn year(&self) -> u16 {
        self.year
    }

    /// Offset from UTC in minutes, when written.
    pub fn offset_minutes(&self) -> Option<i16> {
        self.offset_minutes
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        for part in [self.month, self.day, self.hour, self.minute, self.second]
            .into_iter()
            .map_while(|p| p)
        {
            write!(f, "{part:02}")?;
        }
        if let Some((value, width)) = self.fraction {
            write!(f, ".{value:0width$}", width = width as usize)?;
        }
        if let Some(offset) = self.offset_minutes {
            let sign = if offset < 0 { '-' } else { '+' };
            let abs = offset.unsigned_abs();
            write!(f, "{sign}{:02}{:02}", abs / 60, abs % 60)?;
        }
        Ok(())
    }
}

/// Reads an HL7 birth date (PID-7): `YYYY`, `YYYYMM`, `YYYYMMDD`, or a longer timestamp whose
/// date part is kept. PAM France allows truncation to the year or the month.
///
/// # Errors
/// Not an HL7 date, or not a plausible real date (vigie-core's rules).
pub fn parse_birth_date(input: &str) -> Result<PartialDate, DateError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(DateError::Empty);
    }
    let ts = Timestamp::parse(trimmed).map_err(|_| DateError::UnrecognisedFormat)?;
    ts.date()
}

/// Writes a birth date in HL7 form (`YYYY`, `YYYYMM`, `YYYYMMDD`).
pub fn format_birth_date(date: &PartialDate) -> String {
    match *date {
        PartialDate::Year(y) => format!("{y:04}"),
        PartialDate::YearMonth(y, m) => format!("{y:04}{m:02}"),
        PartialDate::Full(y, m, d) => format!("{y:04}{m:02}{d:02}"),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn precisions_round_trip() {
        for text in [
            "2024",
            "202403",
            "20240315",
            "2024031512",
            "202403151230",
            "20240315123045",
            "20240315123045.12",
            "20240315123045+0100",
            "202403151230-0530",
        ] {
            assert_eq!(Timestamp::parse(text).unwrap().to_string(), text);
        }
    }

    #[test]
    fn invalid_timestamps() {
        for text in [
            "",
            "20240",
            "20241315",
            "20240230",
            "2024031525",
            "2024+01",
            "2024é",
            "20240315.5",
        ] {
            assert_eq!(Timestamp::parse(text), Err(TimestampError), "{text}");
        }
    }

    #[test]
    fn birth_dates() {
        assert_eq!(
            parse_birth_date("19600530"),
            Ok(PartialDate::Full(1960, 5, 30))
        );
        assert_eq!(
            parse_birth_date("196005"),
            Ok(PartialDate::YearMonth(1960, 5))
        );
        assert_eq!(parse_birth_date("1960"), Ok(PartialDate::Year(1960)));
        assert_eq!(
            parse_birth_date("196005301200"),
            Ok(PartialDate::Full(1960, 5, 30))
        );
        assert!(parse_birth_date("17000101").is_err());
        assert_eq!(
            format_birth_date(&PartialDate::YearMonth(1960, 5)),
            "196005"
        );
    }

    proptest! {
        #[test]
        fn parse_never_panics(text in "[0-9.+-]{0,25}") {
            if let Ok(ts) = Timestamp::parse(&text) {
                prop_assert_eq!(Timestamp::parse(&ts.to_string()), Ok(ts));
            }
        }
    }
}
