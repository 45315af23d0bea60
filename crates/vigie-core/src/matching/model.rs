//! The Fellegi–Sunter model: m and u per comparison level, the prior λ, term-frequency tables
//! for names, decision thresholds, and the scoring of a pair with its [`Explanation`].
//!
//! Match weight = log2(λ / (1 − λ)) + Σ log2(m / u) over the non-null levels + term-frequency
//! adjustments; probability = 2^w / (1 + 2^w). On the exact-name levels the generic u is replaced
//! by the frequency of the name itself, so agreeing on MARTIN weighs less than agreeing on a rare
//! name: adjustment = log2(u_exact / tf(name)).

use rustc_hash::FxHashMap;

use super::comparison::{COMPARISON_COUNT, ComparisonKind, ComparisonVector, compare};
use super::prepare::MatchRecord;
use super::rules::{self, CapPolicy, RuleHit, Verdict};

/// Identifies the comparison and level layout; a model file with another layout is refused.
pub const MODEL_LAYOUT: &str = "vigie-fs-1";

/// Probabilities are clamped to `[PROBABILITY_FLOOR, 1]`.
pub const PROBABILITY_FLOOR: f64 = 1e-9;

/// The term-frequency adjustment is clamped to ± this many bits.
pub const MAX_TF_ADJUSTMENT: f64 = 12.0;

/// Decision band of a pair, weakest first (so `min` caps a decision).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Decision {
    /// Not the same person.
    NonMatch,
    /// Possibly the same person: a human decides.
    Review,
    /// The same person: linked without review.
    AutoLink,
}

impl Decision {
    /// Stable name (outputs).
    pub fn name(self) -> &'static str {
        match self {
            Decision::NonMatch => "non_match",
            Decision::Review => "review",
            Decision::AutoLink => "auto_link",
        }
    }
}

/// Errors of model construction.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelError {
    /// The comparisons are not exactly those of this version, in order.
    #[error("model comparisons differ from this version's: expected {expected}, found {found}")]
    ComparisonsDiffer {
        /// Expected names.
        expected: String,
        /// Names found.
        found: String,
    },
    /// A comparison has the wrong number of levels.
    #[error("comparison {comparison}: expected {expected} levels, found {found}")]
    LevelCount {
        /// Comparison name.
        comparison: &'static str,
        /// Expected count.
        expected: usize,
        /// Count found.
        found: usize,
    },
    /// A probability is not in `(0, 1]`, or λ is not in `(0, 1)`.
    #[error("{what} is not a valid probability: {value}")]
    BadProbability {
        /// What.
        what: String,
        /// Value.
        value: f64,
    },
    /// Review threshold above the auto-link threshold.
    #[error("review threshold {review} is above the auto-link threshold {auto_link}")]
    BadThresholds {
        /// Review probability.
        review: f64,
        /// Auto-link probability.
        auto_link: f64,
    },
}

/// m and u of every level of one comparison (index = level).
#[derive(Debug, Clone, PartialEq)]
pub struct ComparisonParams {
    /// The comparison.
    pub kind: ComparisonKind,
    /// P(level | match).
    pub m: Vec<f64>,
    /// P(level | non-match).
    pub u: Vec<f64>,
}

/// Relative frequencies of name keys in a reference population.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TermFrequencies {
    /// Number of values counted (records with the name).
    pub total: u64,
    /// Count of each key that occurs at least `min_count` times.
    pub counts: FxHashMap<Box<str>, u32>,
}

impl TermFrequencies {
    /// Frequency table from (key, count) pairs; keys counted fewer than `min_count` times are
    /// dropped (they get the frequency of a value seen once).
    pub fn from_counts<I, K>(counts: I, min_count: u32) -> TermFrequencies
    where
        I: IntoIterator<Item = (K, u32)>,
        K: Into<Box<str>>,
    {
        let mut table = TermFrequencies::default();
        for (key, count) in counts {
            table.total += u64::from(count);
            if count >= min_count.max(1) {
                table.counts.insert(key.into(), count);
            }
        }
        table
    }

    /// Relative frequency of a key (a key not in the table counts as seen once); 0 when the
    /// table is empty.
    pub fn frequency(&self, key: &str) -> f64 {
        if self.total == 0 {
            return 0.0;
        }
        let count = self.counts.get(key).copied().unwrap_or(1).max(1);
        f64::from(count) / self.total as f64
    }
}

/// Decision thresholds, as match probabilities.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// Auto-link at or above this probability.
    pub auto_link: f64,
    /// Review at or above this probability (below: non-match).
    pub review: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            auto_link: 0.95,
            review: 0.2,
        }
    }
}

/// Everything a model is made of (what a model file stores).
#[derive(Debug, Clone, PartialEq)]
pub struct ModelParts {
    /// Prior probability that two random records are the same person.
    pub lambda: f64,
    /// Parameters of every comparison, in model order.
    pub comparisons: Vec<ComparisonParams>,
    /// Decision thresholds.
    pub thresholds: Thresholds,
    /// Frequencies of birth names.
    pub birth_name_tf: TermFrequencies,
    /// Frequencies of first first names.
    pub first_name_tf: TermFrequencies,
    /// Which data-dependent caps apply (all for an untrained model; see [`rules`]).
    pub caps: CapPolicy,
}

/// A validated, ready-to-score model.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    parts: ModelParts,
    version: String,
    prior_weight: f64,
    weights: [[f32; 16]; COMPARISON_COUNT],
    tf_u: [f64; COMPARISON_COUNT],
    tf_m: [f64; COMPARISON_COUNT],
    auto_link_weight: f64,
    review_weight: f64,
}

/// Weight (bits) of a probability.
pub fn probability_to_weight(probability: f64) -> f64 {
    let p = probability.clamp(PROBABILITY_FLOOR, 1.0 - PROBABILITY_FLOOR);
    (p / (1.0 - p)).log2()
}

/// Probability of a weight (bits); 0 for NaN.
pub fn weight_to_probability(weight: f64) -> f64 {
    if weight.is_nan() {
        return 0.0;
    }
    let odds = weight.clamp(-1000.0, 1000.0).exp2();
    odds / (1.0 + odds)
}

fn check_probability(what: impl Fn() -> String, value: f64) -> Result<(), ModelError> {
    if value.is_finite() && value > 0.0 && value <= 1.0 {
        Ok(())
    } else {
        Err(ModelError::BadProbability {
            what: what(),
            value,
        })
    }
}

/// FNV-1a, 64 bits: a stable fingerprint (model versions, blocking keys).
pub fn fnv1a(bytes: &[u8], seed: u64) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325_u64 ^ seed;
    for &byte in bytes {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

impl Model {
    /// Validates the parts and precomputes the weight tables.
    ///
    /// # Errors
    /// When comparisons or level counts differ from this version's, a probability is out of
    /// range, or the thresholds are inverted.
    pub fn new(parts: ModelParts) -> Result<Model, ModelError> {
        let found: Vec<&str> = parts.comparisons.iter().map(|c| c.kind.name()).collect();
        let expected: Vec<&str> = ComparisonKind::ALL.iter().map(|c| c.name()).collect();
        if found != expected {
            return Err(ModelError::ComparisonsDiffer {
                expected: expected.join(","),
                found: found.join(","),
            });
        }
        if !(parts.lambda.is_finite() && parts.lambda > 0.0 && parts.lambda < 1.0) {
            return Err(ModelError::BadProbability {
                what: "lambda".into(),
                value: parts.lambda,
            });
        }
        let t = parts.thresholds;
        check_probability(|| "auto_link threshold".into(), t.auto_link)?;
        check_probability(|| "review threshold".into(), t.review)?;
        if t.review > t.auto_link {
            return Err(ModelError::BadThresholds {
                review: t.review,
                auto_link: t.auto_link,
            });
        }
        let mut weights = [[0f32; 16]; COMPARISON_COUNT];
        let mut tf_u = [0f64; COMPARISON_COUNT];
        let mut tf_m = [0f64; COMPARISON_COUNT];
        let mut fingerprint = fnv1a(MODEL_LAYOUT.as_bytes(), 0);
        let mut mix = |value: f64| fingerprint = fnv1a(&value.to_bits().to_le_bytes(), fingerprint);
        mix(parts.lambda);
        mix(t.auto_link);
        mix(t.review);
        for (params, row) in parts.comparisons.iter().zip(weights.iter_mut()) {
            let kind = params.kind;
            for (name, values) in [("m", &params.m), ("u", &params.u)] {
                if values.len() != kind.level_count() {
                    return Err(ModelError::LevelCount {
                        comparison: kind.name(),
                        expected: kind.level_count(),
                        found: values.len(),
                    });
                }
                for (level, &value) in values.iter().enumerate() {
                    check_probability(|| format!("{}.{name}[{level}]", kind.name()), value)?;
                    mix(value);
                }
            }
            for ((slot, &m), &u) in row.iter_mut().zip(&params.m).zip(&params.u) {
                *slot = (m / u).log2() as f32;
            }
            if let Some(level) = kind.term_frequency_level() {
                let level = usize::from(level);
                tf_u[kind.index()] = params.u.get(level).copied().unwrap_or(1.0);
                tf_m[kind.index()] = params.m.get(level).copied().unwrap_or(1.0);
            }
        }
        for table in [&parts.birth_name_tf, &parts.first_name_tf] {
            mix(table.total as f64);
            mix(table.counts.len() as f64);
        }
        if !parts.caps.all_active() {
            for gate in parts.caps.gates() {
                mix(if gate.active { 1.0 } else { 0.0 });
            }
        }
        Ok(Model {
            prior_weight: probability_to_weight(parts.lambda),
            auto_link_weight: probability_to_weight(t.auto_link),
            review_weight: probability_to_weight(t.review),
            version: format!("{MODEL_LAYOUT}:{fingerprint:016x}"),
            weights,
            tf_u,
            tf_m,
            parts,
        })
    }

    /// The parts (for saving).
    pub fn parts(&self) -> &ModelParts {
        &self.parts
    }

    /// Version: the layout and a fingerprint of every parameter.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Prior weight log2(λ / (1 − λ)).
    pub fn prior_weight(&self) -> f64 {
        self.prior_weight
    }

    /// The same model with other thresholds.
    ///
    /// # Errors
    /// As [`Model::new`].
    pub fn with_thresholds(&self, thresholds: Thresholds) -> Result<Model, ModelError> {
        Model::new(ModelParts {
            thresholds,
            ..self.parts.clone()
        })
    }

    /// Weight of one level (0 for null or unknown levels).
    pub fn level_weight(&self, kind: ComparisonKind, level: Option<u8>) -> f64 {
        level
            .and_then(|l| {
                self.weights
                    .get(kind.index())
                    .and_then(|row| row.get(usize::from(l)))
            })
            .map_or(0.0, |&w| f64::from(w))
    }

    /// Term frequency of the name a level agrees on, from the record or the model's table.
    fn term_frequency(&self, kind: ComparisonKind, a: &MatchRecord, b: &MatchRecord) -> f64 {
        let (stored, table, key) = match kind {
            ComparisonKind::BirthName => (
                a.birth_name_tf.max(b.birth_name_tf),
                &self.parts.birth_name_tf,
                a.birth_name.as_ref().map(|n| &n.key),
            ),
            ComparisonKind::FirstNames => (
                a.first_name_tf.max(b.first_name_tf),
                &self.parts.first_name_tf,
                a.first_name().map(|n| &n.key),
            ),
            _ => return 0.0,
        };
        if stored > 0.0 {
            return f64::from(stored);
        }
        key.map_or(0.0, |key| table.frequency(key))
    }

    /// Term-frequency adjustment (bits) of one comparison of a pair; 0 when the level is not
    /// the adjusted one, the names were swapped or no frequency is known.
    pub fn tf_adjustment(
        &self,
        kind: ComparisonKind,
        vector: ComparisonVector,
        a: &MatchRecord,
        b: &MatchRecord,
    ) -> f64 {
        let Some(tf_level) = kind.term_frequency_level() else {
            return 0.0;
        };
        if vector.level(kind) != Some(tf_level) || vector.names_swapped() {
            return 0.0;
        }
        let tf = self.term_frequency(kind, a, b);
        let u = self.tf_u.get(kind.index()).copied().unwrap_or(0.0);
        if tf <= 0.0 || u <= 0.0 {
            return 0.0;
        }
        (u / tf).log2().clamp(-MAX_TF_ADJUSTMENT, MAX_TF_ADJUSTMENT)
    }

    /// Match weight of a pair with its vector (prior included).
    pub fn weight(&self, vector: ComparisonVector, a: &MatchRecord, b: &MatchRecord) -> f64 {
        let mut weight = self.prior_weight + self.pattern_weight(vector);
        for kind in [ComparisonKind::BirthName, ComparisonKind::FirstNames] {
            weight += self.tf_adjustment(kind, vector, a, b);
        }
        weight
    }

    /// Σ log2(m/u) of a vector, without prior nor term frequencies.
    pub fn pattern_weight(&self, vector: ComparisonVector) -> f64 {
        let mut sum = 0f32;
        for (kind, row) in ComparisonKind::ALL.iter().zip(&self.weights) {
            if let Some(level) = vector.level(*kind) {
                sum += row.get(usize::from(level)).copied().unwrap_or(0.0);
            }
        }
        f64::from(sum)
    }

    /// Band of a weight.
    pub fn band(&self, weight: f64) -> Decision {
        if weight >= self.auto_link_weight {
            Decision::AutoLink
        } else if weight >= self.review_weight {
            Decision::Review
        } else {
            Decision::NonMatch
        }
    }

    /// Scores a pair whose vector is known: weight, probability, band and rules.
    pub fn score_vector(
        &self,
        vector: ComparisonVector,
        a: &MatchRecord,
        b: &MatchRecord,
    ) -> Score {
        let match_weight = self.weight(vector, a, b);
        let band = self.band(match_weight);
        let verdict = rules::apply(a, b, vector, band, &self.parts.caps);
        Score {
            vector,
            match_weight,
            probability: weight_to_probability(match_weight),
            band,
            decision: verdict.decision,
            rule: verdict.rule,
        }
    }

    /// Compares and scores a pair.
    pub fn score(&self, a: &MatchRecord, b: &MatchRecord) -> Score {
        self.score_vector(compare(a, b), a, b)
    }

    /// The full explanation of a pair (the waterfall).
    pub fn explain(&self, a: &MatchRecord, b: &MatchRecord) -> Explanation {
        let score = self.score(a, b);
        let fields = self
            .parts
            .comparisons
            .iter()
            .map(|params| {
                let kind = params.kind;
                let level = score.vector.level(kind);
                let at = |values: &[f64]| level.and_then(|l| values.get(usize::from(l)).copied());
                FieldExplanation {
                    comparison: kind,
                    level,
                    level_label: level
                        .and_then(|l| kind.level_labels().get(usize::from(l)).copied())
                        .unwrap_or("missing"),
                    m: at(&params.m),
                    u: at(&params.u),
                    weight: self.level_weight(kind, level),
                    tf_adjustment: self.tf_adjustment(kind, score.vector, a, b),
                }
            })
            .collect();
        Explanation {
            model_version: self.version.clone(),
            prior_weight: self.prior_weight,
            fields,
            names_swapped: score.vector.names_swapped(),
            match_weight: score.match_weight,
            probability: score.probability,
            band: score.band,
            rule: score.rule,
            decision: score.decision,
            caps: self.parts.caps,
        }
    }

    /// m of the exact term-frequency level of a comparison (0 for others).
    pub fn tf_m(&self, kind: ComparisonKind) -> f64 {
        self.tf_m.get(kind.index()).copied().unwrap_or(0.0)
    }
}

/// The score of one pair.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Score {
    /// Levels.
    pub vector: ComparisonVector,
    /// Match weight (bits, prior included).
    pub match_weight: f64,
    /// Match probability.
    pub probability: f64,
    /// Band of the weight alone.
    pub band: Decision,
    /// Decision after rules.
    pub decision: Decision,
    /// The rule that overrode or capped the band.
    pub rule: Option<RuleHit>,
}

impl Score {
    /// Verdict part.
    pub fn verdict(&self) -> Verdict {
        Verdict {
            decision: self.decision,
            rule: self.rule,
        }
    }
}

/// Contribution of one comparison to a pair's weight.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldExplanation {
    /// The comparison.
    pub comparison: ComparisonKind,
    /// Level index (`None` = missing).
    pub level: Option<u8>,
    /// Level label (`missing` for null).
    pub level_label: &'static str,
    /// m of the level.
    pub m: Option<f64>,
    /// u of the level.
    pub u: Option<f64>,
    /// log2(m/u) (0 when missing).
    pub weight: f64,
    /// Term-frequency adjustment (bits).
    pub tf_adjustment: f64,
}

/// Why a pair got its decision: prior, each field's contribution, total, rule and decision.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// Version of the model that scored the pair.
    pub model_version: String,
    /// log2(λ / (1 − λ)).
    pub prior_weight: f64,
    /// One entry per comparison, in model order.
    pub fields: Vec<FieldExplanation>,
    /// Birth name and first name were compared crosswise.
    pub names_swapped: bool,
    /// Total weight.
    pub match_weight: f64,
    /// Probability.
    pub probability: f64,
    /// Band of the weight.
    pub band: Decision,
    /// Rule applied, if any.
    pub rule: Option<RuleHit>,
    /// Final decision.
    pub decision: Decision,
    /// The model's cap gates.
    pub caps: CapPolicy,
}

impl Explanation {
    /// A plain-text waterfall (one line per field, running total).
    pub fn render(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        let _ = writeln!(out, "model {}", self.model_version);
        let _ = writeln!(
            out,
            "{:<12} {:<18} {:>9} {:>7} {:>9}",
            "field", "level", "weight", "tf", "total"
        );
        let mut total = self.prior_weight;
        let _ = writeln!(
            out,
            "{:<12} {:<18} {:>9.3} {:>7} {:>9.3}",
            "prior", "", self.prior_weight, "", total
        );
        for field in &self.fields {
            total += field.weight + field.tf_adjustment;
            let tf = if field.tf_adjustment == 0.0 {
                String::new()
            } else {
                format!("{:+.3}", field.tf_adjustment)
            };
            let _ = writeln!(
                out,
                "{:<12} {:<18} {:>+9.3} {:>7} {:>9.3}",
                field.comparison.name(),
                field.level_label,
                field.weight,
                tf,
                total
            );
        }
        if self.names_swapped {
            let _ = writeln!(
                out,
                "note: birth name and first name compared crosswise (inversion)"
            );
        }
        let _ = writeln!(
            out,
            "match weight {:.3}, probability {:.6}, band {}",
            self.match_weight,
            self.probability,
            self.band.name()
        );
        match self.rule {
            Some(rule) => {
                let _ = writeln!(out, "rule {}: {}", rule.name(), rule.description());
            }
            None => {
                let _ = writeln!(out, "rule none");
            }
        }
        let _ = writeln!(out, "decision {}", self.decision.name());
        for gate in self.caps.gates() {
            let state = if gate.active { "active" } else { "lifted" };
            let _ = writeln!(
                out,
                "cap gate {} {state}: {}",
                gate.evidence.name(),
                gate.reason()
            );
        }
        out
    }
}

/// Sensible starting parameters (before any training): the m and u a French registry usually
/// shows. EM starts from them; tests and online use without training can rely on them.
pub fn default_parts() -> ModelParts {
    let comparisons = ComparisonKind::ALL
        .into_iter()
        .map(|kind| {
            let (m, u): (&[f64], &[f64]) = match kind {
                ComparisonKind::BirthName => (
                    &[0.85, 0.04, 0.04, 0.03, 0.02, 0.02],
                    &[0.002, 0.0005, 0.004, 0.003, 0.02, 0.9705],
                ),
                ComparisonKind::FirstNames => (
                    &[0.88, 0.05, 0.03, 0.02, 0.02],
                    &[0.01, 0.002, 0.005, 0.01, 0.973],
                ),
                ComparisonKind::BirthDate => (
                    &[0.86, 0.02, 0.03, 0.01, 0.01, 0.01, 0.01, 0.04, 0.01],
                    &[
                        0.00004, 0.00001, 0.0005, 0.0001, 0.0001, 0.0009, 0.011, 0.12, 0.86735,
                    ],
                ),
                ComparisonKind::Sex => (&[0.98, 0.02], &[0.5, 0.5]),
                ComparisonKind::BirthPlace => (&[0.9, 0.04, 0.06], &[0.01, 0.03, 0.96]),
                ComparisonKind::Ins => (&[0.95, 0.02, 0.03], &[0.000001, 0.00001, 0.999989]),
                ComparisonKind::Location => {
                    (&[0.6, 0.05, 0.1, 0.25], &[0.0005, 0.0005, 0.02, 0.979])
                }
                ComparisonKind::Phone | ComparisonKind::OtherId => {
                    (&[0.7, 0.05, 0.25], &[0.0001, 0.0002, 0.9997])
                }
                ComparisonKind::Email => (&[0.7, 0.3], &[0.0001, 0.9999]),
            };
            ComparisonParams {
                kind,
                m: m.to_vec(),
                u: u.to_vec(),
            }
        })
        .collect();
    ModelParts {
        lambda: 1e-6,
        comparisons,
        thresholds: Thresholds::default(),
        birth_name_tf: TermFrequencies::default(),
        first_name_tf: TermFrequencies::default(),
        caps: CapPolicy::default(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::matching::testutil::rec;

    #[test]
    fn default_parts_make_a_valid_model() {
        let model = Model::new(default_parts()).unwrap();
        assert!(model.version().starts_with("vigie-fs-1:"));
        assert!((weight_to_probability(model.prior_weight()) - 1e-6).abs() < 1e-9);
    }

    #[test]
    fn model_validation_refuses_bad_parts() {
        let mut parts = default_parts();
        parts.comparisons.swap(0, 1);
        assert!(matches!(
            Model::new(parts),
            Err(ModelError::ComparisonsDiffer { .. })
        ));
        let mut parts = default_parts();
        parts.comparisons[2].m.pop();
        assert!(matches!(
            Model::new(parts),
            Err(ModelError::LevelCount { .. })
        ));
        let mut parts = default_parts();
        parts.comparisons[3].u[0] = 0.0;
        assert!(matches!(
            Model::new(parts),
            Err(ModelError::BadProbability { .. })
        ));
        let mut parts = default_parts();
        parts.lambda = 1.0;
        assert!(Model::new(parts).is_err());
        let mut parts = default_parts();
        parts.thresholds = Thresholds {
            auto_link: 0.5,
            review: 0.9,
        };
        assert!(matches!(
            Model::new(parts),
            Err(ModelError::BadThresholds { .. })
        ));
    }

    #[test]
    fn versions_change_with_parameters() {
        let a = Model::new(default_parts()).unwrap();
        let mut parts = default_parts();
        parts.lambda = 2e-6;
        let b = Model::new(parts).unwrap();
        assert_ne!(a.version(), b.version());
        assert_eq!(a.version(), Model::new(default_parts()).unwrap().version());
    }

    #[test]
    fn probability_and_weight_are_inverse() {
        for p in [0.001, 0.2, 0.5, 0.9, 0.999] {
            assert!((weight_to_probability(probability_to_weight(p)) - p).abs() < 1e-12);
        }
        assert_eq!(weight_to_probability(f64::NAN), 0.0);
    }

    #[test]
    fn rare_names_weigh_more_than_common_ones() {
        let mut parts = default_parts();
        parts.birth_name_tf =
            TermFrequencies::from_counts([("MARTIN", 6400u32), ("ZYLBERSTEIN", 1)], 2);
        parts.birth_name_tf.total = 1_000_000;
        let model = Model::new(parts).unwrap();
        let common = model.score(
            &rec("MARTIN", "JEAN", "1980-03-04", 'M'),
            &rec("MARTIN", "JEAN", "1980-03-04", 'M'),
        );
        let rare = model.score(
            &rec("ZYLBERSTEIN", "JEAN", "1980-03-04", 'M'),
            &rec("ZYLBERSTEIN", "JEAN", "1980-03-04", 'M'),
        );
        assert!(rare.match_weight > common.match_weight + 5.0);
    }

    #[test]
    fn weight_is_prior_plus_levels() {
        let model = Model::new(default_parts()).unwrap();
        let a = rec("DUPONT", "JEAN", "1980-03-04", 'M');
        let b = rec("DURAND", "JEAN", "1980-03-04", 'M');
        let explanation = model.explain(&a, &b);
        let sum: f64 = explanation
            .fields
            .iter()
            .map(|f| f.weight + f.tf_adjustment)
            .sum();
        assert!((explanation.prior_weight + sum - explanation.match_weight).abs() < 1e-4);
        assert_eq!(explanation.fields.len(), COMPARISON_COUNT);
        let missing = &explanation.fields[ComparisonKind::Ins.index()];
        assert_eq!((missing.level_label, missing.weight), ("missing", 0.0));
    }
}
