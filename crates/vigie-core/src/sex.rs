//! Administrative sex (strict trait), read from the many spellings registration systems use.
//! INTERFACE STUB: the identity helper completes it; signatures are the contract.

/// Administrative sex of an identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Sex {
    /// Male (`M`, `H`, `1`, `male`).
    Male,
    /// Female (`F`, `2`, `female`).
    Female,
    /// Unknown or other (`U`, `I`, `O`, empty).
    Unknown,
}

impl Sex {
    /// Reads any accepted spelling; `None` when the value is not a sex at all.
    pub fn parse(input: &str) -> Option<Sex> {
        match input.trim().to_ascii_uppercase().as_str() {
            "M" | "H" | "1" | "MALE" => Some(Sex::Male),
            "F" | "2" | "FEMALE" => Some(Sex::Female),
            "U" | "" => Some(Sex::Unknown),
            _ => None,
        }
    }
}
