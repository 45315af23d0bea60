//! Normalisation of names: RNIV normalisation of strict traits, and matching normalisation
//! (tokens, particles, compound first names).
//! INTERFACE STUB: the text helper completes it; signatures are the contract.

/// RNIV normalisation of a strict trait: upper case, no diacritics (Œ→OE, Æ→AE), letters, space,
/// hyphen and apostrophe only, spaces collapsed and trimmed.
pub fn rniv(input: &str) -> String {
    input.trim().to_uppercase()
}

/// Matching key of a family name: RNIV-normalised tokens with particles (`DE`, `DU`, `LE`,
/// `D'`…) dropped, hyphens and apostrophes as spaces, tokens joined by one space.
pub fn name_key(input: &str) -> String {
    rniv(input)
}

/// The list of first names of a `first_names` field, in order, each as a matching key; a
/// compound first name (`JEAN-PIERRE` or `JEAN PIERRE` when known as compound) stays one entry
/// written with a single space (`JEAN PIERRE`).
pub fn first_names(input: &str) -> Vec<String> {
    rniv(input).split_whitespace().map(str::to_owned).collect()
}

/// Digits of a phone number (TEMPORARY until the text module lands).
pub fn digits(input: &str) -> String {
    let d: String = input.chars().filter(char::is_ascii_digit).collect();
    if let Some(rest) = d.strip_prefix("330") {
        format!("0{rest}")
    } else if let Some(rest) = d.strip_prefix("33") {
        format!("0{rest}")
    } else {
        d
    }
}
