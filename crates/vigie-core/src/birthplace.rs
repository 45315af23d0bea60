//! INSEE COG birthplace codes (strict trait): metropolitan `75056`, Corsica `2A004`/`2B033`
//! (and the pre-1976 `20xxx`), overseas `97411`, abroad `99xxx`.
//!
//! A code is 5 characters: a département (2 characters, or 3 for overseas) and a commune number,
//! or `99` and an INSEE country code for a person born abroad. Accepted départements: `01`–`19`,
//! `21`–`95`, `2A`, `2B`, the legacy Corsican `20` (codes in force before 1976, which births of
//! that time carry), overseas départements and collectivities `971`–`978`, and the overseas
//! territories `984`, `986`–`989`. Abroad: `99101`–`99599` (the INSEE country codes, grouped by
//! continent 1xx–5xx) and `99999` (country unknown). `99100` is refused: a person born in France
//! carries the commune code, never France as a "country". Errors never echo the value.

use std::fmt;
use std::str::FromStr;

/// Why a value is not a birthplace code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BirthPlaceError {
    /// Empty or only white space.
    #[error("birthplace code is empty")]
    Empty,
    /// Not 5 characters.
    #[error("birthplace code must have 5 characters, found {len}")]
    WrongLength {
        /// Number of characters read (after trimming).
        len: usize,
    },
    /// A character that is not a digit (except `A`/`B` in the Corsican `2A`/`2B`).
    #[error("birthplace code has an unexpected character at position {position}")]
    InvalidCharacter {
        /// 1-based position.
        position: usize,
    },
    /// The département does not exist (`00`, `96`, `970`, `979`, `98x` other than the territories…).
    #[error("birthplace code has an unknown département")]
    UnknownDepartment,
    /// The commune number is zero (`75000`, `97400`).
    #[error("birthplace code has commune number zero")]
    NoCommune,
    /// `99100`: France given as a country of birth.
    #[error("99100 is France itself: a birth in France carries the commune code")]
    FranceAsCountry,
    /// `99xxx` outside the INSEE country ranges.
    #[error("birthplace code has an unknown country code")]
    UnknownCountry,
}

/// A validated INSEE birthplace code (upper case, 5 characters).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BirthPlaceCode(String);

impl BirthPlaceCode {
    /// Validates a code; `None` when it is not one (see [`BirthPlaceCode::try_parse`] for why).
    pub fn parse(input: &str) -> Option<Self> {
        Self::try_parse(input).ok()
    }

    /// Validates a code (surrounding spaces ignored, `2a` read as `2A`) and says what is wrong.
    pub fn try_parse(input: &str) -> Result<Self, BirthPlaceError> {
        let code = input.trim().to_ascii_uppercase();
        if code.is_empty() {
            return Err(BirthPlaceError::Empty);
        }
        let len = code.chars().count();
        if len != 5 {
            return Err(BirthPlaceError::WrongLength { len });
        }
        // Now 5 characters; any non-ASCII one is an invalid character.
        for (index, c) in code.chars().enumerate() {
            let corsican = index == 1 && (c == 'A' || c == 'B') && code.starts_with('2');
            if !c.is_ascii_digit() && !corsican {
                return Err(BirthPlaceError::InvalidCharacter {
                    position: index + 1,
                });
            }
        }
        // All ASCII from here: byte slicing is on character boundaries.
        let head = code.get(..2).unwrap_or_default();
        let number = |range: std::ops::Range<usize>| -> u32 {
            code.get(range)
                .and_then(|d| d.parse().ok())
                .unwrap_or_default()
        };
        match head {
            "2A" | "2B" => {
                if number(2..5) == 0 {
                    return Err(BirthPlaceError::NoCommune);
                }
            }
            "99" => match number(2..5) {
                100 => return Err(BirthPlaceError::FranceAsCountry),
                101..=599 | 999 => {}
                _ => return Err(BirthPlaceError::UnknownCountry),
            },
            "97" | "98" => {
                let department = number(0..3);
                let known = matches!(department, 971..=978 | 984 | 986..=989);
                if !known {
                    return Err(BirthPlaceError::UnknownDepartment);
                }
                if number(3..5) == 0 {
                    return Err(BirthPlaceError::NoCommune);
                }
            }
            _ => {
                let department = number(0..2);
                if !(1..=95).contains(&department) {
                    return Err(BirthPlaceError::UnknownDepartment);
                }
                if number(2..5) == 0 {
                    return Err(BirthPlaceError::NoCommune);
                }
            }
        }
        Ok(Self(code))
    }

    /// The 5-character code.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The département: 3 characters overseas (`974`), otherwise 2 (`75`, `2A`, `99` abroad).
    pub fn department(&self) -> &str {
        let len = if self.is_overseas() { 3 } else { 2 };
        self.0.get(..len).unwrap_or_default()
    }

    /// The commune number within the département (3 digits, or 2 overseas), or the country
    /// code (3 digits) for a birth abroad.
    pub fn commune(&self) -> &str {
        let len = if self.is_overseas() { 3 } else { 2 };
        self.0.get(len..).unwrap_or_default()
    }

    /// Born abroad (`99xxx`).
    pub fn is_abroad(&self) -> bool {
        self.0.starts_with("99")
    }

    /// Country of birth unknown (`99999`).
    pub fn is_unknown_country(&self) -> bool {
        self.0 == "99999"
    }

    /// Born overseas: départements and collectivities `971`–`978`, territories `984`, `986`–`989`.
    pub fn is_overseas(&self) -> bool {
        self.0.starts_with("97") || self.0.starts_with("98")
    }

    /// Born in Corsica (`2A`, `2B` or the legacy `20`).
    pub fn is_corsica(&self) -> bool {
        self.0.starts_with("2A") || self.0.starts_with("2B") || self.0.starts_with("20")
    }

    /// A code of the legacy Corsican département `20` (in force before 1976).
    pub fn is_legacy_corsica(&self) -> bool {
        self.0.starts_with("20")
    }
}

impl FromStr for BirthPlaceCode {
    type Err = BirthPlaceError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::try_parse(s)
    }
}

impl fmt::Display for BirthPlaceCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ok(s: &str) -> BirthPlaceCode {
        BirthPlaceCode::try_parse(s).unwrap()
    }

    #[test]
    fn metropolitan() {
        let c = ok("75056");
        assert_eq!((c.department(), c.commune()), ("75", "056"));
        assert!(!c.is_abroad() && !c.is_overseas() && !c.is_corsica());
        assert_eq!(ok("88154").department(), "88");
        assert_eq!(ok(" 01001 ").as_str(), "01001");
        assert_eq!(ok("95680").department(), "95");
    }

    #[test]
    fn corsica_current_and_legacy() {
        let c = ok("2a004");
        assert_eq!(c.as_str(), "2A004");
        assert_eq!(c.department(), "2A");
        assert!(c.is_corsica() && !c.is_legacy_corsica());
        assert!(ok("2B033").is_corsica());
        let legacy = ok("20004");
        assert!(legacy.is_corsica() && legacy.is_legacy_corsica());
        assert_eq!(
            BirthPlaceCode::try_parse("2C004"),
            Err(BirthPlaceError::InvalidCharacter { position: 2 })
        );
        assert_eq!(
            BirthPlaceCode::try_parse("3A004"),
            Err(BirthPlaceError::InvalidCharacter { position: 2 })
        );
    }

    #[test]
    fn overseas() {
        let c = ok("97411");
        assert_eq!((c.department(), c.commune()), ("974", "11"));
        assert!(c.is_overseas() && !c.is_abroad());
        for code in [
            "97101", "97209", "97302", "97502", "97611", "97701", "97801", "98714", "98818",
        ] {
            assert!(ok(code).is_overseas(), "{code}");
        }
        for code in ["97011", "97911", "98011", "98511"] {
            assert_eq!(
                BirthPlaceCode::try_parse(code),
                Err(BirthPlaceError::UnknownDepartment),
                "{code}"
            );
        }
        assert_eq!(
            BirthPlaceCode::try_parse("97400"),
            Err(BirthPlaceError::NoCommune)
        );
    }

    #[test]
    fn abroad() {
        let c = ok("99330");
        assert!(c.is_abroad() && !c.is_overseas());
        assert_eq!((c.department(), c.commune()), ("99", "330"));
        assert!(ok("99999").is_unknown_country());
        assert_eq!(
            BirthPlaceCode::try_parse("99100"),
            Err(BirthPlaceError::FranceAsCountry)
        );
        assert_eq!(
            BirthPlaceCode::try_parse("99000"),
            Err(BirthPlaceError::UnknownCountry)
        );
        assert_eq!(
            BirthPlaceCode::try_parse("99600"),
            Err(BirthPlaceError::UnknownCountry)
        );
    }

    #[test]
    fn refusals() {
        assert_eq!(BirthPlaceCode::try_parse(""), Err(BirthPlaceError::Empty));
        assert_eq!(
            BirthPlaceCode::try_parse("7505"),
            Err(BirthPlaceError::WrongLength { len: 4 })
        );
        assert_eq!(
            BirthPlaceCode::try_parse("750560"),
            Err(BirthPlaceError::WrongLength { len: 6 })
        );
        assert_eq!(
            BirthPlaceCode::try_parse("75 56"),
            Err(BirthPlaceError::InvalidCharacter { position: 3 })
        );
        assert_eq!(
            BirthPlaceCode::try_parse("7505é"),
            Err(BirthPlaceError::InvalidCharacter { position: 5 })
        );
        assert_eq!(
            BirthPlaceCode::try_parse("00123"),
            Err(BirthPlaceError::UnknownDepartment)
        );
        assert_eq!(
            BirthPlaceCode::try_parse("96123"),
            Err(BirthPlaceError::UnknownDepartment)
        );
        assert_eq!(
            BirthPlaceCode::try_parse("75000"),
            Err(BirthPlaceError::NoCommune)
        );
        assert_eq!(BirthPlaceCode::parse("75000"), None);
        assert!(BirthPlaceCode::parse("75056").is_some());
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in any::<String>()) {
            if let Ok(c) = BirthPlaceCode::try_parse(&s) {
                prop_assert_eq!(c.as_str().len(), 5);
                prop_assert_eq!(format!("{}{}", c.department(), c.commune()), c.as_str());
                prop_assert_eq!(BirthPlaceCode::try_parse(c.as_str()), Ok(c.clone()));
            }
        }

        #[test]
        fn five_char_codes_never_panic(s in "[0-9AB]{5}") {
            let _ = BirthPlaceCode::try_parse(&s);
        }
    }
}
