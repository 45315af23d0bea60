//! Phonetic keys: French Phonex (Brouard) and Soundex2, and Double Metaphone for names of other
//! origins. INTERFACE STUB: the text helper completes it; signatures are the contract.

/// Brouard's French Phonex key of a name, as a string code (empty for an empty name).
pub fn phonex(input: &str) -> String {
    input.trim().to_uppercase()
}

/// French Soundex2 key (4 characters, padded), empty for an empty name.
pub fn soundex2(input: &str) -> String {
    input.trim().to_uppercase().chars().take(4).collect()
}

/// Double Metaphone primary and alternate keys.
pub fn double_metaphone(input: &str) -> (String, String) {
    (input.trim().to_uppercase(), String::new())
}
