//! String comparators used by matching: Jaro–Winkler, Damerau–Levenshtein (full and bounded),
//! phonetic equality, first-name lists and digit strings.
//! INTERFACE STUB: the text helper completes it; signatures are the contract.

/// Jaro–Winkler similarity in `[0, 1]`, symmetric.
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    strsim::jaro_winkler(a, b)
}

/// True Damerau–Levenshtein distance.
pub fn damerau_levenshtein(a: &str, b: &str) -> usize {
    strsim::damerau_levenshtein(a, b)
}

/// Damerau–Levenshtein distance when it is at most `max`, `None` otherwise (cheaper: stops early).
pub fn damerau_levenshtein_bounded(a: &str, b: &str, max: usize) -> Option<usize> {
    let distance = strsim::damerau_levenshtein(a, b);
    (distance <= max).then_some(distance)
}

/// How two lists of first names (matching keys, in order) compare, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FirstNamesComparison {
    /// The first first names are equal.
    FirstEqual,
    /// Some first name of one list equals some of the other (reordered or truncated list).
    AnyEqual,
    /// The first first names are phonetically equal.
    Phonetic,
    /// The first first names are close (Jaro–Winkler ≥ 0.9).
    Close,
    /// Nothing in common.
    Different,
}

/// Compares two first-name lists (symmetric). Empty lists are the caller's "missing".
pub fn first_names(a: &[String], b: &[String]) -> FirstNamesComparison {
    match (a.first(), b.first()) {
        (Some(x), Some(y)) if x == y => FirstNamesComparison::FirstEqual,
        _ => FirstNamesComparison::Different,
    }
}
