//! FHIR `date` values (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`) to and from [`PartialDate`].
//!
//! The syntax check follows the FHIR regex (`([0-9]{4})(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?`)
//! and is strict: the other layouts [`PartialDate::parse`] accepts (`DD/MM/YYYY`, `YYYYMMDD`…)
//! are not FHIR. Calendar checks (30 February) and Vigie's plausible year range come from
//! vigie-core: a value can be FHIR-valid and still not a usable birth date.

use vigie_core::date::{DateError, PartialDate};

/// Why a FHIR date could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FhirDateError {
    /// Not `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (month 01–12, day 01–31).
    #[error("not a FHIR date (expected YYYY, YYYY-MM or YYYY-MM-DD)")]
    Syntax,
    /// Syntactically a date, but not a real or plausible one.
    #[error("{0}")]
    Value(DateError),
}

/// The parts of a syntactically valid FHIR date: year, then month and day (`0` = absent).
fn split(input: &str) -> Option<(u16, u8, u8)> {
    let bytes = input.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = bytes.get(range)?;
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Some(
            part.iter()
                .fold(0u32, |acc, b| acc * 10 + u32::from(b - b'0')),
        )
    };
    let year = u16::try_from(digits(0..4)?).ok()?;
    let (month, day) = match bytes.len() {
        4 => (0, 0),
        7 if bytes.get(4) == Some(&b'-') => (digits(5..7)?, 0),
        10 if bytes.get(4) == Some(&b'-') && bytes.get(7) == Some(&b'-') => {
            (digits(5..7)?, digits(8..10)?)
        }
        _ => return None,
    };
    let month_ok = bytes.len() == 4 || (1..=12).contains(&month);
    let day_ok = bytes.len() != 10 || (1..=31).contains(&day);
    if !month_ok || !day_ok {
        return None;
    }
    Some((year, u8::try_from(month).ok()?, u8::try_from(day).ok()?))
}

/// True when the value matches the FHIR `date` syntax.
pub fn is_fhir_date(input: &str) -> bool {
    split(input).is_some()
}

/// Reads a FHIR `date` into a [`PartialDate`].
///
/// # Errors
/// [`FhirDateError::Syntax`] when the layout is not FHIR's, [`FhirDateError::Value`] when the
/// date does not exist or is outside Vigie's plausible range.
pub fn parse_fhir_date(input: &str) -> Result<PartialDate, FhirDateError> {
    let (year, month, day) = split(input).ok_or(FhirDateError::Syntax)?;
    PartialDate::from_ymd(year, month, day).map_err(FhirDateError::Value)
}

/// Reads the date part of a FHIR `date` or `dateTime` (`1980-03-15T10:00:00+01:00` gives
/// `1980-03-15`), as search parameters on `birthdate` may carry either.
///
/// # Errors
/// As [`parse_fhir_date`], on the date part.
pub fn parse_fhir_date_or_date_time(input: &str) -> Result<PartialDate, FhirDateError> {
    let date_part = match input.split_once('T') {
        Some((date, _time)) => date,
        None => input,
    };
    parse_fhir_date(date_part)
}

/// The FHIR form of a date: `1980`, `1980-03`, `1980-03-15`.
pub fn format_fhir_date(date: &PartialDate) -> String {
    date.to_string()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_three_precisions_are_read() {
        assert_eq!(parse_fhir_date("1958"), Ok(PartialDate::Year(1958)));
        assert_eq!(
            parse_fhir_date("1958-01"),
            Ok(PartialDate::YearMonth(1958, 1))
        );
        assert_eq!(
            parse_fhir_date("1958-01-30"),
            Ok(PartialDate::Full(1958, 1, 30))
        );
    }

    #[test]
    fn other_layouts_are_not_fhir() {
        for bad in [
            "",
            "58",
            "19580130",
            "30/01/1958",
            "1958-1-30",
            "1958-13",
            "1958-00",
            "1958-01-00",
            "1958-01-32",
            "1958-01-30 ",
            " 1958",
            "1958-01-30T10:00:00Z",
            "１９５８",
            "1958-",
        ] {
            assert_eq!(parse_fhir_date(bad), Err(FhirDateError::Syntax), "{bad:?}");
        }
    }

    #[test]
    fn impossible_or_implausible_dates_are_value_errors() {
        assert!(matches!(
            parse_fhir_date("1958-02-30"),
            Err(FhirDateError::Value(_))
        ));
        assert!(matches!(
            parse_fhir_date("1700"),
            Err(FhirDateError::Value(_))
        ));
        assert!(is_fhir_date("1700"));
    }

    #[test]
    fn date_times_keep_their_date_part() {
        assert_eq!(
            parse_fhir_date_or_date_time("1980-03-15T10:00:00+01:00"),
            Ok(PartialDate::Full(1980, 3, 15))
        );
    }

    proptest! {
        #[test]
        fn any_string_is_handled_and_valid_dates_round_trip(input in any::<String>()) {
            if let Ok(date) = parse_fhir_date(&input) {
                prop_assert_eq!(format_fhir_date(&date), input.clone());
            }
            let _ = parse_fhir_date_or_date_time(&input);
        }

        #[test]
        fn formatted_dates_parse_back(year in 1850u16..=2100, month in 0u8..=12, day in 0u8..=28) {
            let day = if month == 0 { 0 } else { day };
            let date = PartialDate::from_ymd(year, month, day).unwrap();
            prop_assert_eq!(parse_fhir_date(&format_fhir_date(&date)), Ok(date));
        }
    }
}
