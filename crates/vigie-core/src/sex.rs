//! Administrative sex (strict trait), read from the many spellings registration systems use:
//! HL7 v2 table 0001 (`M`, `F`, `U`, `O`, `A`), FHIR `gender`, the NIR digit (`1`/`2`) and French
//! words (`H` for homme, `femme`, `masculin`…).

use std::fmt;
use std::str::FromStr;

/// Administrative sex of an identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Sex {
    /// Male (`M`, `H`, `1`, `male`, `homme`, `masculin`).
    Male,
    /// Female (`F`, `2`, `female`, `femme`, `féminin`).
    Female,
    /// Unknown or other (`U`, `I`, `O`, `A`, `N`, `unknown`, `other`, `inconnu`, empty).
    Unknown,
}

/// The value is not a sex spelling Vigie knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("unknown sex code (expected M, F, U, H, 1, 2, male, female, homme, femme, I, O or A)")]
pub struct SexError;

impl Sex {
    /// Reads any accepted spelling, case-insensitive, surrounding spaces ignored; `None` when
    /// the value is not a sex at all. An empty value is [`Sex::Unknown`].
    pub fn parse(input: &str) -> Option<Sex> {
        match input.trim().to_uppercase().as_str() {
            "M" | "H" | "1" | "MALE" | "HOMME" | "MASCULIN" | "MAN" => Some(Sex::Male),
            "F" | "2" | "FEMALE" | "FEMME" | "FÉMININ" | "FEMININ" | "WOMAN" => Some(Sex::Female),
            "U" | "" | "I" | "O" | "A" | "N" | "UNKNOWN" | "OTHER" | "INCONNU" | "AUTRE"
            | "INDETERMINE" | "INDÉTERMINÉ" => Some(Sex::Unknown),
            _ => None,
        }
    }

    /// The HL7 v2 / PAM France code: `M`, `F` or `U`.
    pub fn code(&self) -> &'static str {
        match self {
            Sex::Male => "M",
            Sex::Female => "F",
            Sex::Unknown => "U",
        }
    }

    /// True for [`Sex::Male`] and [`Sex::Female`].
    pub fn is_known(&self) -> bool {
        !matches!(self, Sex::Unknown)
    }
}

impl FromStr for Sex {
    type Err = SexError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Sex::parse(s).ok_or(SexError)
    }
}

impl fmt::Display for Sex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn all_documented_spellings() {
        for s in [
            "M",
            "m",
            "H",
            "h",
            "1",
            "male",
            "Male",
            "homme",
            "HOMME",
            " masculin ",
        ] {
            assert_eq!(Sex::parse(s), Some(Sex::Male), "{s}");
        }
        for s in [
            "F", "f", "2", "female", "FEMALE", "femme", "Femme", "féminin", "FEMININ",
        ] {
            assert_eq!(Sex::parse(s), Some(Sex::Female), "{s}");
        }
        for s in ["U", "u", "", "  ", "I", "O", "o", "A", "unknown", "inconnu"] {
            assert_eq!(Sex::parse(s), Some(Sex::Unknown), "{s}");
        }
    }

    #[test]
    fn refuses_other_values() {
        for s in ["X", "3", "MF", "mâle", "12", "Madame"] {
            assert_eq!(Sex::parse(s), None, "{s}");
            assert_eq!(s.parse::<Sex>(), Err(SexError));
        }
    }

    #[test]
    fn code_round_trips() {
        for sex in [Sex::Male, Sex::Female, Sex::Unknown] {
            assert_eq!(Sex::parse(sex.code()), Some(sex));
            assert_eq!(sex.to_string().parse::<Sex>(), Ok(sex));
        }
        assert!(Sex::Male.is_known() && Sex::Female.is_known() && !Sex::Unknown.is_known());
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in any::<String>()) {
            let _ = Sex::parse(&s);
        }
    }
}
