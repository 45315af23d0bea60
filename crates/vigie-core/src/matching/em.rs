//! Estimating the model from unlabelled data.
//!
//! * **u** (level frequencies among non-matches) from random pairs: the caller samples them
//!   (seeded), this module counts their patterns. Almost every random pair is a non-match.
//!   Levels never seen get a floor of half an observation.
//! * **m** by expectation–maximisation, one session per training blocking rule, as Splink does:
//!   the pairs a rule produces agree on the rule's fields whatever their status, so the
//!   comparisons on those fields are left out of that session (they are neither used in the
//!   E-step nor estimated). u stays fixed. Each comparison's m is the mean of the sessions that
//!   estimated it. Pairs are aggregated by distinct pattern, so a session costs
//!   O(patterns × iterations), not O(pairs).
//! * **λ** (probability that two random records match) is estimated from all candidate pairs as
//!   the fixed point of λ = Σ P(match | pattern; λ) / total pairs (the expected number of
//!   matching pairs, none being outside the candidates), and checked against an independent
//!   estimate: the share of pairs of records with a usable INS that share it. Both are
//!   reported; the candidate estimate is chosen (it uses every field) unless it is unusable,
//!   and a disagreement beyond a factor 3 is reported as a warning.
//! * the **cap gates** ([`CapPolicy::from_m`]): the twin, family and far-apart caps stay only
//!   where the trained m of their disagreeing level shows true matches rarely differ so.

use rustc_hash::FxHashMap;

use super::comparison::{COMPARISON_COUNT, ComparisonKind, ComparisonVector};
use super::model::{
    ComparisonParams, Model, ModelError, ModelParts, TermFrequencies, Thresholds, default_parts,
};
use super::rules::CapPolicy;

/// Distinct patterns with their counts, sorted by pattern (deterministic order).
pub type PatternCounts = Vec<(ComparisonVector, u64)>;

/// Smallest m kept for a level (EM never drives a level to exactly zero).
pub const M_FLOOR: f64 = 1e-6;

/// Counts the patterns of some vectors (flags dropped), sorted.
pub fn count_patterns(vectors: impl IntoIterator<Item = ComparisonVector>) -> PatternCounts {
    let mut counts: FxHashMap<ComparisonVector, u64> = FxHashMap::default();
    for vector in vectors {
        *counts.entry(vector.pattern()).or_insert(0) += 1;
    }
    sorted(counts)
}

/// Merges pattern counts (e.g. from parallel chunks), sorted.
pub fn merge_patterns<'a>(parts: impl IntoIterator<Item = &'a PatternCounts>) -> PatternCounts {
    let mut counts: FxHashMap<ComparisonVector, u64> = FxHashMap::default();
    for part in parts {
        for &(vector, count) in part {
            *counts.entry(vector.pattern()).or_insert(0) += count;
        }
    }
    sorted(counts)
}

fn sorted(counts: FxHashMap<ComparisonVector, u64>) -> PatternCounts {
    let mut patterns: PatternCounts = counts.into_iter().collect();
    patterns.sort_unstable();
    patterns
}

/// Per comparison, per level: a probability table.
pub type LevelTable = Vec<Vec<f64>>;

/// Normalises counts into probabilities with a floor of `floor_count` observations per level;
/// `None` when there is no observation at all.
fn normalise(counts: &[f64], floor_count: f64) -> Option<Vec<f64>> {
    let total: f64 = counts.iter().sum();
    if total <= 0.0 {
        return None;
    }
    let floored: Vec<f64> = counts.iter().map(|&c| c.max(floor_count)).collect();
    let sum: f64 = floored.iter().sum();
    Some(floored.iter().map(|c| c / sum).collect())
}

/// Level counts of each comparison over some patterns.
fn level_counts(patterns: &[(ComparisonVector, u64)]) -> Vec<Vec<f64>> {
    let mut counts: Vec<Vec<f64>> = ComparisonKind::ALL
        .iter()
        .map(|k| vec![0.0; k.level_count()])
        .collect();
    for &(vector, count) in patterns {
        for (kind, row) in ComparisonKind::ALL.iter().zip(counts.iter_mut()) {
            if let Some(slot) = vector
                .level(*kind)
                .and_then(|l| row.get_mut(usize::from(l)))
            {
                *slot += count as f64;
            }
        }
    }
    counts
}

/// Estimates u from the patterns of random pairs; a comparison never observed keeps `fallback`.
pub fn estimate_u(
    random_patterns: &[(ComparisonVector, u64)],
    fallback: &LevelTable,
) -> LevelTable {
    level_counts(random_patterns)
        .iter()
        .zip(fallback)
        .map(|(counts, fallback)| normalise(counts, 0.5).unwrap_or_else(|| fallback.clone()))
        .collect()
}

/// EM stopping rule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EmOptions {
    /// Maximum iterations per session.
    pub max_iterations: usize,
    /// Stop when no m and no relative λ change exceeds this.
    pub tolerance: f64,
}

impl Default for EmOptions {
    fn default() -> Self {
        EmOptions {
            max_iterations: 200,
            tolerance: 1e-5,
        }
    }
}

/// Result of one EM session.
#[derive(Debug, Clone, PartialEq)]
pub struct EmResult {
    /// Estimated m per comparison; `None` for comparisons left out or never observed.
    pub m: Vec<Option<Vec<f64>>>,
    /// Share of matches among the session's pairs.
    pub lambda: f64,
    /// Iterations run.
    pub iterations: usize,
    /// Whether the tolerance was reached.
    pub converged: bool,
    /// Pairs in the session.
    pub pairs: u64,
}

fn log_ratio_table(m: &LevelTable, u: &LevelTable, excluded: &[ComparisonKind]) -> Vec<Vec<f64>> {
    ComparisonKind::ALL
        .iter()
        .map(|kind| {
            let (Some(m), Some(u)) = (m.get(kind.index()), u.get(kind.index())) else {
                return Vec::new();
            };
            if excluded.contains(kind) {
                return vec![0.0; m.len()];
            }
            m.iter()
                .zip(u)
                .map(|(m, u)| (m.max(M_FLOOR) / u.max(M_FLOOR * 1e-6)).ln())
                .collect()
        })
        .collect()
}

fn pattern_log_ratio(vector: ComparisonVector, table: &[Vec<f64>]) -> f64 {
    ComparisonKind::ALL
        .iter()
        .zip(table)
        .filter_map(|(kind, row)| vector.level(*kind).and_then(|l| row.get(usize::from(l))))
        .sum()
}

fn posterior(log_prior_odds: f64, log_ratio: f64) -> f64 {
    let x = (log_prior_odds + log_ratio).clamp(-700.0, 700.0);
    1.0 / (1.0 + (-x).exp())
}

/// Runs EM on the patterns of one training session, with u fixed and `excluded` left out.
pub fn run_em(
    patterns: &[(ComparisonVector, u64)],
    u: &LevelTable,
    excluded: &[ComparisonKind],
    initial_m: &LevelTable,
    initial_lambda: f64,
    options: EmOptions,
) -> EmResult {
    let pairs: u64 = patterns.iter().map(|(_, c)| c).sum();
    let mut m = initial_m.clone();
    let mut lambda = initial_lambda.clamp(1e-6, 0.999);
    let mut iterations = 0;
    let mut converged = false;
    let mut observed = [false; COMPARISON_COUNT];
    if pairs == 0 {
        return EmResult {
            m: vec![None; COMPARISON_COUNT],
            lambda,
            iterations,
            converged,
            pairs,
        };
    }
    while iterations < options.max_iterations {
        iterations += 1;
        let table = log_ratio_table(&m, u, excluded);
        let log_prior = (lambda / (1.0 - lambda)).ln();
        let mut counts: Vec<Vec<f64>> = ComparisonKind::ALL
            .iter()
            .map(|k| vec![0.0; k.level_count()])
            .collect();
        let mut expected_matches = 0.0;
        for &(vector, count) in patterns {
            let weight = count as f64 * posterior(log_prior, pattern_log_ratio(vector, &table));
            expected_matches += weight;
            for (kind, row) in ComparisonKind::ALL.iter().zip(counts.iter_mut()) {
                if let Some(slot) = vector
                    .level(*kind)
                    .and_then(|l| row.get_mut(usize::from(l)))
                {
                    *slot += weight;
                }
            }
        }
        let new_lambda = (expected_matches / pairs as f64).clamp(1e-9, 1.0 - 1e-9);
        let mut change = ((new_lambda - lambda) / lambda).abs();
        for (index, (row, old)) in counts.iter().zip(m.iter_mut()).enumerate() {
            let excluded_here =
                ComparisonKind::from_index(index).is_some_and(|k| excluded.contains(&k));
            if excluded_here {
                continue;
            }
            if let Some(new) = normalise(row, M_FLOOR * row.iter().sum::<f64>()) {
                if let Some(flag) = observed.get_mut(index) {
                    *flag = true;
                }
                for (o, n) in old.iter_mut().zip(&new) {
                    change = change.max((*o - n).abs());
                    *o = *n;
                }
            }
        }
        lambda = new_lambda;
        if change < options.tolerance {
            converged = true;
            break;
        }
    }
    let m = m
        .into_iter()
        .enumerate()
        .map(|(index, row)| observed.get(index).copied().unwrap_or(false).then_some(row))
        .collect();
    EmResult {
        m,
        lambda,
        iterations,
        converged,
        pairs,
    }
}

/// The λ estimate from candidate pairs: fixed point of λ = Σ count · P(match | pattern; λ) /
/// total_pairs, starting from `initial`. Returns (λ, iterations).
pub fn estimate_lambda(
    candidates: &[(ComparisonVector, u64)],
    m: &LevelTable,
    u: &LevelTable,
    total_pairs: f64,
    initial: f64,
) -> (f64, usize) {
    if total_pairs <= 0.0 || candidates.is_empty() {
        return (initial, 0);
    }
    let table = log_ratio_table(m, u, &[]);
    let ratios: Vec<(f64, f64)> = candidates
        .iter()
        .map(|&(vector, count)| (pattern_log_ratio(vector, &table), count as f64))
        .collect();
    let mut lambda = initial.clamp(1e-15, 0.5);
    for iteration in 1..=500 {
        let log_prior = (lambda / (1.0 - lambda)).ln();
        let expected: f64 = ratios
            .iter()
            .map(|&(r, c)| c * posterior(log_prior, r))
            .sum();
        let next = (expected / total_pairs).clamp(1e-15, 0.5);
        if ((next - lambda) / lambda).abs() < 1e-7 {
            return (next, iteration);
        }
        lambda = next;
    }
    (lambda, 500)
}

/// λ from a shared usable identifier: pairs sharing it among the pairs of records having one.
pub fn lambda_from_identifier(records_with_id: u64, pairs_sharing: u64) -> Option<f64> {
    let n = records_with_id as f64;
    let total = n * (n - 1.0) / 2.0;
    (total >= 1.0 && pairs_sharing > 0).then(|| pairs_sharing as f64 / total)
}

/// One EM session: the pairs of one training blocking rule.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingSession {
    /// Rule name (reports).
    pub name: String,
    /// Comparisons on the rule's fields, left out of this session.
    pub excluded: Vec<ComparisonKind>,
    /// Patterns of the rule's pairs.
    pub patterns: PatternCounts,
}

/// Everything training needs, gathered by the caller.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingData {
    /// Patterns of random pairs (for u).
    pub random_patterns: PatternCounts,
    /// EM sessions.
    pub sessions: Vec<TrainingSession>,
    /// Patterns of all candidate pairs (for λ).
    pub candidate_patterns: PatternCounts,
    /// Number of record pairs in the file, n(n−1)/2.
    pub total_pairs: f64,
    /// Records with a usable INS and pairs of them sharing it, for the λ check.
    pub ins_check: Option<(u64, u64)>,
    /// Birth name frequencies.
    pub birth_name_tf: TermFrequencies,
    /// First name frequencies.
    pub first_name_tf: TermFrequencies,
    /// Decision thresholds of the trained model.
    pub thresholds: Thresholds,
}

/// What one session did.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionReport {
    /// Rule name.
    pub name: String,
    /// Pairs.
    pub pairs: u64,
    /// Distinct patterns.
    pub patterns: usize,
    /// Share of matches among the pairs.
    pub lambda: f64,
    /// Iterations.
    pub iterations: usize,
    /// Converged within the tolerance.
    pub converged: bool,
    /// Comparisons estimated.
    pub estimated: Vec<ComparisonKind>,
}

/// How λ was chosen.
#[derive(Debug, Clone, PartialEq)]
pub struct LambdaReport {
    /// Estimate from the candidate pairs.
    pub from_candidates: f64,
    /// Estimate from the usable INS, when there are enough.
    pub from_ins: Option<f64>,
    /// The value used.
    pub chosen: f64,
    /// Why that value.
    pub reason: String,
}

/// What training did.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingReport {
    /// Random pairs used for u.
    pub u_pairs: u64,
    /// Sessions.
    pub sessions: Vec<SessionReport>,
    /// λ estimates and choice.
    pub lambda: LambdaReport,
    /// Comparisons no session could estimate (they keep default m).
    pub untrained: Vec<ComparisonKind>,
    /// Anything suspicious.
    pub warnings: Vec<String>,
    /// Set when the data were too small to train on and the default model
    /// ([`default_parts`]) was used instead: why.
    pub fallback: Option<String>,
}

/// Fewest record pairs, n(n−1)/2, worth training on (about 142 records): below, the random
/// pairs for u and the candidate pairs for λ are too few to estimate anything.
pub const MIN_TRAINING_PAIRS: f64 = 10_000.0;

/// Training needs at least one EM session with this many pairs; with fewer, EM fits noise.
pub const MIN_SESSION_PAIRS: u64 = 100;

/// Why `data` is too small to train on, if it is (then [`train`] returns the default model).
pub fn training_shortfall(data: &TrainingData) -> Option<String> {
    let records = (0.5 + (0.25 + 2.0 * data.total_pairs.max(0.0)).sqrt()).round();
    if data.total_pairs < MIN_TRAINING_PAIRS {
        return Some(format!(
            "{records} records are too few to train on (fewer than {MIN_TRAINING_PAIRS} record pairs)"
        ));
    }
    let largest = data
        .sessions
        .iter()
        .map(|s| s.patterns.iter().map(|(_, c)| c).sum::<u64>())
        .max()
        .unwrap_or(0);
    (largest < MIN_SESSION_PAIRS).then(|| {
        format!(
            "too few candidate pairs to train on (largest EM session: {largest} pairs, at least {MIN_SESSION_PAIRS} needed)"
        )
    })
}

/// The default model with `data`'s thresholds, and a report saying why it was used.
fn fallback(data: &TrainingData, reason: String) -> Result<(Model, TrainingReport), ModelError> {
    let defaults = default_parts();
    let lambda = defaults.lambda;
    let model = Model::new(ModelParts {
        thresholds: data.thresholds,
        ..defaults
    })?;
    let sessions = data
        .sessions
        .iter()
        .map(|s| SessionReport {
            name: s.name.clone(),
            pairs: s.patterns.iter().map(|(_, c)| c).sum(),
            patterns: s.patterns.len(),
            lambda: 0.0,
            iterations: 0,
            converged: false,
            estimated: Vec::new(),
        })
        .collect();
    let report = TrainingReport {
        u_pairs: 0,
        sessions,
        lambda: LambdaReport {
            from_candidates: lambda,
            from_ins: None,
            chosen: lambda,
            reason: "default model: too little data to train".to_owned(),
        },
        untrained: ComparisonKind::ALL.to_vec(),
        warnings: Vec::new(),
        fallback: Some(reason),
    };
    Ok((model, report))
}

/// Minimum number of INS-sharing pairs for the INS λ estimate to count.
pub const MIN_INS_PAIRS: u64 = 20;

/// Trains a model: u from random pairs, m by EM per session, λ from the candidates, checked.
///
/// When the data are too small ([`training_shortfall`]), the default model ([`default_parts`],
/// with the data's thresholds) is returned instead of a degenerate estimate, and the report's
/// `fallback` says why.
///
/// # Errors
/// Only if the resulting parameters are invalid (never expected: every table is floored).
pub fn train(
    data: &TrainingData,
    options: EmOptions,
) -> Result<(Model, TrainingReport), ModelError> {
    if let Some(reason) = training_shortfall(data) {
        return fallback(data, reason);
    }
    let defaults = default_parts();
    let default_m: LevelTable = defaults.comparisons.iter().map(|c| c.m.clone()).collect();
    let default_u: LevelTable = defaults.comparisons.iter().map(|c| c.u.clone()).collect();
    let u = estimate_u(&data.random_patterns, &default_u);
    let u_pairs: u64 = data.random_patterns.iter().map(|(_, c)| c).sum();

    let mut sums: Vec<Option<(Vec<f64>, usize)>> = vec![None; COMPARISON_COUNT];
    let mut sessions = Vec::new();
    let mut warnings = Vec::new();
    for session in &data.sessions {
        let result = run_em(
            &session.patterns,
            &u,
            &session.excluded,
            &default_m,
            0.1,
            options,
        );
        let mut estimated = Vec::new();
        for (index, m) in result.m.iter().enumerate() {
            let (Some(m), Some(slot)) = (m, sums.get_mut(index)) else {
                continue;
            };
            if let Some(kind) = ComparisonKind::from_index(index) {
                estimated.push(kind);
            }
            match slot {
                Some((sum, n)) => {
                    for (s, v) in sum.iter_mut().zip(m) {
                        *s += v;
                    }
                    *n += 1;
                }
                None => *slot = Some((m.clone(), 1)),
            }
        }
        if !result.converged && result.pairs > 0 {
            warnings.push(format!("EM session {} did not converge", session.name));
        }
        sessions.push(SessionReport {
            name: session.name.clone(),
            pairs: result.pairs,
            patterns: session.patterns.len(),
            lambda: result.lambda,
            iterations: result.iterations,
            converged: result.converged,
            estimated,
        });
    }
    let mut untrained = Vec::new();
    let m: LevelTable = sums
        .into_iter()
        .zip(&default_m)
        .enumerate()
        .map(|(index, (sum, default))| match sum {
            Some((sum, n)) => {
                let mean: Vec<f64> = sum.iter().map(|s| s / n as f64).collect();
                normalise(&mean, M_FLOOR).unwrap_or_else(|| default.clone())
            }
            None => {
                if let Some(kind) = ComparisonKind::from_index(index) {
                    untrained.push(kind);
                }
                default.clone()
            }
        })
        .collect();

    let from_ins = data
        .ins_check
        .filter(|&(_, pairs)| pairs >= MIN_INS_PAIRS)
        .and_then(|(records, pairs)| lambda_from_identifier(records, pairs));
    let initial = from_ins.unwrap_or(defaults.lambda);
    let (from_candidates, _) =
        estimate_lambda(&data.candidate_patterns, &m, &u, data.total_pairs, initial);
    let usable = !data.candidate_patterns.is_empty() && from_candidates > 1e-14;
    let (chosen, reason) = match (usable, from_ins) {
        (true, _) => (
            from_candidates,
            "expected matches among the candidate pairs".to_owned(),
        ),
        (false, Some(ins)) => (
            ins,
            "no usable candidate estimate: share of pairs sharing a usable INS".to_owned(),
        ),
        (false, None) => (defaults.lambda, "no estimate: default prior".to_owned()),
    };
    if let Some(ins) = from_ins {
        let ratio = from_candidates / ins;
        if !(1.0 / 3.0..=3.0).contains(&ratio) {
            warnings.push(format!(
                "lambda estimates disagree: {from_candidates:.3e} from candidates, {ins:.3e} from usable INS"
            ));
        }
    }
    // Cap gates from the trained m only (a comparison left at its default m keeps its caps).
    let caps = CapPolicy::from_m(|kind, lvl| {
        if untrained.contains(&kind) {
            return None;
        }
        m.get(kind.index())
            .and_then(|row| row.get(usize::from(lvl)))
            .copied()
    });
    let comparisons = ComparisonKind::ALL
        .into_iter()
        .zip(m)
        .zip(u)
        .map(|((kind, m), u)| ComparisonParams { kind, m, u })
        .collect();
    let model = Model::new(ModelParts {
        lambda: chosen.clamp(1e-15, 0.5),
        comparisons,
        thresholds: data.thresholds,
        birth_name_tf: data.birth_name_tf.clone(),
        first_name_tf: data.first_name_tf.clone(),
        caps,
    })?;
    let report = TrainingReport {
        u_pairs,
        sessions,
        lambda: LambdaReport {
            from_candidates,
            from_ins,
            chosen,
            reason,
        },
        untrained,
        warnings,
        fallback: None,
    };
    Ok((model, report))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::matching::comparison::level;

    /// A two-comparison world: matches agree on both with probability 0.9, non-matches with 0.1.
    fn world() -> (PatternCounts, LevelTable) {
        let v = |name: u8, first: u8| {
            ComparisonVector::ALL_NULL
                .with(ComparisonKind::BirthName, Some(name))
                .with(ComparisonKind::FirstNames, Some(first))
        };
        let (e, d) = (level::name::EXACT, level::name::DIFFERENT);
        let (fe, fd) = (level::first::FIRST_EQUAL, level::first::DIFFERENT);
        // 1,000 matches, 9,000 non-matches.
        let patterns = vec![
            (v(e, fe), 810 + 90),
            (v(e, fd), 90 + 810),
            (v(d, fe), 90 + 810),
            (v(d, fd), 10 + 7290),
        ];
        let mut u: LevelTable = default_parts()
            .comparisons
            .iter()
            .map(|c| c.u.clone())
            .collect();
        u[0] = vec![0.1, 0.0, 0.0, 0.0, 0.0, 0.9];
        u[1] = vec![0.1, 0.0, 0.0, 0.0, 0.9];
        (count_patterns_sorted(patterns), u)
    }

    fn count_patterns_sorted(mut p: PatternCounts) -> PatternCounts {
        p.sort_unstable();
        p
    }

    #[test]
    fn em_recovers_m_and_lambda() {
        let (patterns, u) = world();
        let m0: LevelTable = default_parts()
            .comparisons
            .iter()
            .map(|c| c.m.clone())
            .collect();
        let result = run_em(&patterns, &u, &[], &m0, 0.3, EmOptions::default());
        assert!(result.converged);
        let m_name = result.m[0].as_ref().unwrap();
        assert!((m_name[0] - 0.9).abs() < 0.02, "{m_name:?}");
        assert!((result.lambda - 0.1).abs() < 0.01, "{}", result.lambda);
        assert!(result.m[2].is_none(), "date never observed");
    }

    #[test]
    fn excluded_comparisons_are_not_estimated() {
        let (patterns, u) = world();
        let m0: LevelTable = default_parts()
            .comparisons
            .iter()
            .map(|c| c.m.clone())
            .collect();
        let result = run_em(
            &patterns,
            &u,
            &[ComparisonKind::BirthName],
            &m0,
            0.3,
            EmOptions::default(),
        );
        assert!(result.m[0].is_none());
        assert!(result.m[1].is_some());
    }

    #[test]
    fn u_is_floored_and_normalised() {
        let v = ComparisonVector::ALL_NULL.with(ComparisonKind::Sex, Some(0));
        let fallback: LevelTable = default_parts()
            .comparisons
            .iter()
            .map(|c| c.u.clone())
            .collect();
        let u = estimate_u(&[(v, 1000)], &fallback);
        let sex = &u[ComparisonKind::Sex.index()];
        assert!(sex[1] > 0.0 && (sex.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert_eq!(u[0], fallback[0]);
    }

    #[test]
    fn lambda_fixed_point_counts_expected_matches() {
        let (patterns, u) = world();
        let m: LevelTable = {
            let mut m: LevelTable = default_parts()
                .comparisons
                .iter()
                .map(|c| c.m.clone())
                .collect();
            m[0] = vec![0.9, 0.0, 0.0, 0.0, 0.0, 0.1];
            m[1] = vec![0.9, 0.0, 0.0, 0.0, 0.1];
            m
        };
        // The 10,000 pairs are all the pairs there are: λ ≈ 0.1.
        let (lambda, _) = estimate_lambda(&patterns, &m, &u, 10_000.0, 0.01);
        assert!((lambda - 0.1).abs() < 0.01, "{lambda}");
    }

    fn data(total_pairs: f64, session_pairs: u64) -> TrainingData {
        let v = ComparisonVector::ALL_NULL.with(ComparisonKind::Sex, Some(0));
        TrainingData {
            random_patterns: vec![(v, 1000)],
            sessions: vec![TrainingSession {
                name: "rule".to_owned(),
                excluded: Vec::new(),
                patterns: if session_pairs == 0 {
                    Vec::new()
                } else {
                    vec![(v, session_pairs)]
                },
            }],
            candidate_patterns: vec![(v, session_pairs)],
            total_pairs,
            ins_check: None,
            birth_name_tf: TermFrequencies::default(),
            first_name_tf: TermFrequencies::default(),
            thresholds: Thresholds {
                auto_link: 0.97,
                review: 0.5,
            },
        }
    }

    #[test]
    fn too_little_data_gives_the_default_model() {
        // 8 records: 28 pairs.
        let (model, report) = train(&data(28.0, 3), EmOptions::default()).unwrap();
        let reason = report.fallback.unwrap();
        assert!(reason.contains("8 records"), "{reason}");
        let expected = Model::new(ModelParts {
            thresholds: Thresholds {
                auto_link: 0.97,
                review: 0.5,
            },
            ..default_parts()
        })
        .unwrap();
        assert_eq!(model.version(), expected.version());
        assert_eq!(report.untrained.len(), COMPARISON_COUNT);
        assert_eq!(report.sessions[0].pairs, 3);
        // Enough records but too few candidate pairs for any EM session.
        let (_, report) = train(&data(1e6, 99), EmOptions::default()).unwrap();
        assert!(report.fallback.unwrap().contains("99 pairs"));
        // Enough of both: trained.
        let (model, report) = train(&data(1e6, 100), EmOptions::default()).unwrap();
        assert_eq!(report.fallback, None);
        assert_ne!(model.version(), expected.version());
    }

    #[test]
    fn identifier_lambda() {
        assert_eq!(lambda_from_identifier(0, 0), None);
        assert_eq!(lambda_from_identifier(5, 0), None);
        assert_eq!(lambda_from_identifier(5, 1), Some(0.1));
    }

    #[test]
    fn pattern_counting_is_sorted_and_merges() {
        let a = ComparisonVector::ALL_NULL.with(ComparisonKind::Sex, Some(0));
        let b = ComparisonVector::ALL_NULL.with(ComparisonKind::Sex, Some(1));
        let p = count_patterns([b, a, b.with_names_swapped(true)]);
        assert_eq!(p, vec![(a, 1), (b, 2)]);
        assert_eq!(merge_patterns([&p, &p]), vec![(a, 2), (b, 4)]);
    }
}
