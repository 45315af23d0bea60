//! The versioned JSON model file: serde DTOs ↔ `vigie_core::matching::model::Model`.
//!
//! The file names its format and version, the comparison layout, every comparison with the
//! label, m and u of each level, λ, the thresholds, the name frequency tables and (optionally) a
//! summary of the training that produced it, and a `rules` section: which data-dependent caps
//! (twins, family, far-apart birth dates) are active and why, with the m behind each gate. A
//! file without that section keeps every cap. A file whose format version, layout, comparisons or
//! level labels differ from this build's is refused: scoring it would silently mean something
//! else. The model version (a fingerprint of the parameters) is recomputed on load.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use vigie_core::matching::comparison::ComparisonKind;
use vigie_core::matching::em::TrainingReport;
use vigie_core::matching::model::{
    ComparisonParams, MODEL_LAYOUT, Model, ModelError, ModelParts, TermFrequencies, Thresholds,
};
use vigie_core::matching::rules::{CapEvidence, CapGate, CapPolicy};

/// The `format` field of a model file.
pub const FORMAT: &str = "vigie-model";
/// The `format_version` this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// Errors reading or writing a model file.
#[derive(Debug, thiserror::Error)]
pub enum ModelFileError {
    /// The file could not be read or written.
    #[error("model file {path}: {source}")]
    Io {
        /// Path.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// Not valid JSON for a model file.
    #[error("model file is not valid: {0}")]
    Json(#[from] serde_json::Error),
    /// Not a model file, or another format version.
    #[error("not a {FORMAT} version {FORMAT_VERSION} file (found {format} version {version})")]
    Format {
        /// Format found.
        format: String,
        /// Version found.
        version: u32,
    },
    /// Another comparison layout.
    #[error("model layout {found} differs from this build's {expected}")]
    Layout {
        /// Layout of this build.
        expected: String,
        /// Layout of the file.
        found: String,
    },
    /// Comparisons or levels differ.
    #[error("comparison {comparison}: {detail}")]
    Comparison {
        /// Comparison name.
        comparison: String,
        /// What differs.
        detail: String,
    },
    /// The parameters are invalid.
    #[error("{0}")]
    Model(#[from] ModelError),
}

/// One level of a comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelDto {
    /// Level label.
    pub label: String,
    /// P(level | match).
    pub m: f64,
    /// P(level | non-match).
    pub u: f64,
}

/// One comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComparisonDto {
    /// Comparison name.
    pub name: String,
    /// Levels, best first (the null level is implicit).
    pub levels: Vec<LevelDto>,
}

/// Decision thresholds (probabilities).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ThresholdsDto {
    /// Auto-link at or above.
    pub auto_link: f64,
    /// Review at or above.
    pub review: f64,
}

/// A term-frequency table.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TableDto {
    /// Values counted.
    pub total: u64,
    /// Counts of the frequent keys (sorted by key).
    pub counts: BTreeMap<String, u32>,
}

/// Both term-frequency tables.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TermFrequenciesDto {
    /// Birth names.
    pub birth_name: TableDto,
    /// First first names.
    pub first_name: TableDto,
}

/// What training did, kept with the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingDto {
    /// Random pairs used for u.
    pub u_pairs: u64,
    /// λ estimated from the candidate pairs.
    pub lambda_from_candidates: f64,
    /// λ estimated from pairs sharing a usable INS.
    pub lambda_from_ins: Option<f64>,
    /// λ used.
    pub lambda_chosen: f64,
    /// Why.
    pub lambda_reason: String,
    /// EM sessions.
    pub sessions: Vec<SessionDto>,
    /// Comparisons left at their default m.
    pub untrained: Vec<String>,
    /// Warnings.
    pub warnings: Vec<String>,
    /// Set when the input was too small to train on and the default model was used: why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback: Option<String>,
}

/// One EM session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionDto {
    /// Blocking rule.
    pub rule: String,
    /// Pairs.
    pub pairs: u64,
    /// Distinct patterns.
    pub patterns: usize,
    /// Share of matches among the pairs.
    pub lambda: f64,
    /// Iterations.
    pub iterations: usize,
    /// Converged.
    pub converged: bool,
    /// Comparisons estimated.
    pub estimated: Vec<String>,
}

impl TrainingDto {
    /// Summary of a training report.
    pub fn from_report(report: &TrainingReport) -> TrainingDto {
        TrainingDto {
            u_pairs: report.u_pairs,
            lambda_from_candidates: report.lambda.from_candidates,
            lambda_from_ins: report.lambda.from_ins,
            lambda_chosen: report.lambda.chosen,
            lambda_reason: report.lambda.reason.clone(),
            sessions: report
                .sessions
                .iter()
                .map(|s| SessionDto {
                    rule: s.name.clone(),
                    pairs: s.pairs,
                    patterns: s.patterns,
                    lambda: s.lambda,
                    iterations: s.iterations,
                    converged: s.converged,
                    estimated: s.estimated.iter().map(|k| k.name().to_owned()).collect(),
                })
                .collect(),
            untrained: report
                .untrained
                .iter()
                .map(|k| k.name().to_owned())
                .collect(),
            warnings: report.warnings.clone(),
            fallback: report.fallback.clone(),
        }
    }
}

/// One cap gate in a model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CapGateDto {
    /// Gate name (`first_names_differ`, `birth_dates_differ`, `birth_dates_far_apart`).
    pub gate: String,
    /// Evidence level, `comparison.level` (informative).
    pub level: String,
    /// Trained m of that level (`null`: untrained, the prior holds).
    pub m: Option<f64>,
    /// The clauses apply while m is below this bound (informative).
    pub bound: f64,
    /// Whether the gated cap clauses apply (this is what scoring reads).
    pub active: bool,
    /// The cap rules gated (informative).
    pub caps: Vec<String>,
    /// Why (informative).
    pub reason: String,
}

/// The identity rules of a model: the unconditional ones, and the state of the cap gates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RulesDto {
    /// Rules that apply whatever the model (informative).
    pub unconditional: Vec<String>,
    /// Data-dependent cap gates.
    pub cap_gates: Vec<CapGateDto>,
}

impl RulesDto {
    /// The rules section of a cap policy.
    pub fn from_policy(policy: &CapPolicy) -> RulesDto {
        use vigie_core::matching::rules::RuleHit;
        RulesDto {
            unconditional: [
                RuleHit::InsCertainMatch,
                RuleHit::InsVeto,
                RuleHit::InsCollision,
                RuleHit::Fictitious,
                RuleHit::SexConflict,
            ]
            .iter()
            .map(|r| r.name().to_owned())
            .collect(),
            cap_gates: policy
                .gates()
                .iter()
                .map(|g| {
                    let (kind, level) = g.evidence.level();
                    let label = kind
                        .level_labels()
                        .get(usize::from(level))
                        .copied()
                        .unwrap_or("?");
                    CapGateDto {
                        gate: g.evidence.name().to_owned(),
                        level: format!("{}.{label}", kind.name()),
                        m: g.m,
                        bound: g.evidence.bound(),
                        active: g.active,
                        caps: g
                            .evidence
                            .gates()
                            .iter()
                            .map(|r| r.name().to_owned())
                            .collect(),
                        reason: g.reason(),
                    }
                })
                .collect(),
        }
    }

    /// The cap policy of a rules section.
    ///
    /// # Errors
    /// An unknown gate name.
    pub fn to_policy(&self) -> Result<CapPolicy, ModelFileError> {
        let mut gates = Vec::with_capacity(self.cap_gates.len());
        for dto in &self.cap_gates {
            let evidence =
                CapEvidence::from_name(&dto.gate).ok_or_else(|| ModelFileError::Comparison {
                    comparison: "rules".to_owned(),
                    detail: format!("unknown cap gate {}", dto.gate),
                })?;
            gates.push(CapGate {
                evidence,
                m: dto.m,
                active: dto.active,
            });
        }
        Ok(CapPolicy::from_gates(gates))
    }
}

/// The model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelFile {
    /// Always [`FORMAT`].
    pub format: String,
    /// [`FORMAT_VERSION`].
    pub format_version: u32,
    /// Comparison layout ([`MODEL_LAYOUT`]).
    pub layout: String,
    /// Model version (informative: recomputed on load).
    pub model_version: String,
    /// Prior probability that two random records match.
    pub lambda: f64,
    /// Decision thresholds.
    pub thresholds: ThresholdsDto,
    /// Comparisons in model order.
    pub comparisons: Vec<ComparisonDto>,
    /// Name frequencies.
    pub term_frequencies: TermFrequenciesDto,
    /// Identity rules: which caps are active and why (absent: every cap is active).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules: Option<RulesDto>,
    /// Training summary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub training: Option<TrainingDto>,
}

fn table_dto(table: &TermFrequencies) -> TableDto {
    TableDto {
        total: table.total,
        counts: table
            .counts
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect(),
    }
}

fn table_of(dto: &TableDto) -> TermFrequencies {
    TermFrequencies {
        total: dto.total,
        counts: dto
            .counts
            .iter()
            .map(|(k, v)| (k.as_str().into(), *v))
            .collect(),
    }
}

impl ModelFile {
    /// The file form of a model.
    pub fn from_model(model: &Model, training: Option<&TrainingReport>) -> ModelFile {
        let parts = model.parts();
        ModelFile {
            format: FORMAT.to_owned(),
            format_version: FORMAT_VERSION,
            layout: MODEL_LAYOUT.to_owned(),
            model_version: model.version().to_owned(),
            lambda: parts.lambda,
            thresholds: ThresholdsDto {
                auto_link: parts.thresholds.auto_link,
                review: parts.thresholds.review,
            },
            comparisons: parts
                .comparisons
                .iter()
                .map(|c| ComparisonDto {
                    name: c.kind.name().to_owned(),
                    levels: c
                        .kind
                        .level_labels()
                        .iter()
                        .zip(c.m.iter().zip(&c.u))
                        .map(|(label, (&m, &u))| LevelDto {
                            label: (*label).to_owned(),
                            m,
                            u,
                        })
                        .collect(),
                })
                .collect(),
            term_frequencies: TermFrequenciesDto {
                birth_name: table_dto(&parts.birth_name_tf),
                first_name: table_dto(&parts.first_name_tf),
            },
            rules: Some(RulesDto::from_policy(&parts.caps)),
            training: training.map(TrainingDto::from_report),
        }
    }

    /// The model of a file, refusing any other format, layout, comparison or level.
    ///
    /// # Errors
    /// See [`ModelFileError`].
    pub fn to_model(&self) -> Result<Model, ModelFileError> {
        if self.format != FORMAT || self.format_version != FORMAT_VERSION {
            return Err(ModelFileError::Format {
                format: self.format.clone(),
                version: self.format_version,
            });
        }
        if self.layout != MODEL_LAYOUT {
            return Err(ModelFileError::Layout {
                expected: MODEL_LAYOUT.to_owned(),
                found: self.layout.clone(),
            });
        }
        if self.comparisons.len() != ComparisonKind::ALL.len() {
            return Err(ModelFileError::Comparison {
                comparison: "*".to_owned(),
                detail: format!(
                    "expected {} comparisons, found {}",
                    ComparisonKind::ALL.len(),
                    self.comparisons.len()
                ),
            });
        }
        let mut comparisons = Vec::with_capacity(self.comparisons.len());
        for (kind, dto) in ComparisonKind::ALL.iter().zip(&self.comparisons) {
            if dto.name != kind.name() {
                return Err(ModelFileError::Comparison {
                    comparison: dto.name.clone(),
                    detail: format!("expected {} at this position", kind.name()),
                });
            }
            let labels: Vec<&str> = dto.levels.iter().map(|l| l.label.as_str()).collect();
            if labels != kind.level_labels() {
                return Err(ModelFileError::Comparison {
                    comparison: dto.name.clone(),
                    detail: format!(
                        "levels [{}] differ from this build's [{}]",
                        labels.join(", "),
                        kind.level_labels().join(", ")
                    ),
                });
            }
            comparisons.push(ComparisonParams {
                kind: *kind,
                m: dto.levels.iter().map(|l| l.m).collect(),
                u: dto.levels.iter().map(|l| l.u).collect(),
            });
        }
        Ok(Model::new(ModelParts {
            lambda: self.lambda,
            comparisons,
            thresholds: Thresholds {
                auto_link: self.thresholds.auto_link,
                review: self.thresholds.review,
            },
            birth_name_tf: table_of(&self.term_frequencies.birth_name),
            first_name_tf: table_of(&self.term_frequencies.first_name),
            caps: match &self.rules {
                Some(rules) => rules.to_policy()?,
                None => CapPolicy::default(),
            },
        })?)
    }
}

/// Writes a model file (pretty JSON).
///
/// # Errors
/// IO or serialisation errors.
pub fn save(
    path: &Path,
    model: &Model,
    training: Option<&TrainingReport>,
) -> Result<(), ModelFileError> {
    let file = ModelFile::from_model(model, training);
    let json = serde_json::to_vec_pretty(&file)?;
    std::fs::write(path, json).map_err(|source| ModelFileError::Io {
        path: path.display().to_string(),
        source,
    })
}

/// Reads and validates a model file.
///
/// # Errors
/// IO, JSON, format, layout, comparison or parameter errors.
pub fn load(path: &Path) -> Result<(Model, ModelFile), ModelFileError> {
    let bytes = std::fs::read(path).map_err(|source| ModelFileError::Io {
        path: path.display().to_string(),
        source,
    })?;
    let file: ModelFile = serde_json::from_slice(&bytes)?;
    Ok((file.to_model()?, file))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use vigie_core::matching::model::default_parts;

    fn model() -> Model {
        let mut parts = default_parts();
        parts.birth_name_tf = TermFrequencies::from_counts([("MARTIN", 64u32), ("DUPONT", 3)], 2);
        Model::new(parts).unwrap()
    }

    #[test]
    fn round_trip_keeps_the_model() {
        let model = model();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.json");
        save(&path, &model, None).unwrap();
        let (loaded, file) = load(&path).unwrap();
        assert_eq!(loaded.version(), model.version());
        assert_eq!(loaded.parts(), model.parts());
        assert_eq!(file.model_version, model.version());
    }

    #[test]
    fn other_levels_are_refused() {
        let mut file = ModelFile::from_model(&model(), None);
        file.comparisons[2].levels.pop();
        assert!(matches!(
            file.to_model(),
            Err(ModelFileError::Comparison { .. })
        ));
        let mut file = ModelFile::from_model(&model(), None);
        file.comparisons[0].levels[1].label = "cross".into();
        assert!(matches!(
            file.to_model(),
            Err(ModelFileError::Comparison { .. })
        ));
        let mut file = ModelFile::from_model(&model(), None);
        file.comparisons.swap(3, 4);
        assert!(matches!(
            file.to_model(),
            Err(ModelFileError::Comparison { .. })
        ));
        let mut file = ModelFile::from_model(&model(), None);
        file.layout = "vigie-fs-0".into();
        assert!(matches!(
            file.to_model(),
            Err(ModelFileError::Layout { .. })
        ));
        let mut file = ModelFile::from_model(&model(), None);
        file.format_version = 2;
        assert!(matches!(
            file.to_model(),
            Err(ModelFileError::Format { .. })
        ));
        let mut file = ModelFile::from_model(&model(), None);
        file.comparisons[0].levels[0].m = 1.5;
        assert!(matches!(file.to_model(), Err(ModelFileError::Model(_))));
    }

    #[test]
    fn cap_gates_round_trip_and_default_when_absent() {
        let mut parts = default_parts();
        parts.caps = CapPolicy::from_m(|_, _| Some(0.1));
        let lifted = Model::new(parts).unwrap();
        assert_ne!(lifted.version(), model().version());
        let file = ModelFile::from_model(&lifted, None);
        let rules = file.rules.clone().unwrap();
        assert!(
            rules
                .cap_gates
                .iter()
                .all(|g| !g.active && g.m == Some(0.1))
        );
        assert!(rules.unconditional.contains(&"sex_conflict".to_owned()));
        let json = serde_json::to_string(&file).unwrap();
        let back: ModelFile = serde_json::from_str(&json).unwrap();
        assert_eq!(back.to_model().unwrap().parts().caps, lifted.parts().caps);
        // An older file without the section keeps every cap.
        let mut old = ModelFile::from_model(&model(), None);
        old.rules = None;
        assert!(old.to_model().unwrap().parts().caps.all_active());
        let mut bad = file;
        if let Some(rules) = bad.rules.as_mut() {
            rules.cap_gates[0].gate = "no_such_gate".into();
        }
        assert!(matches!(
            bad.to_model(),
            Err(ModelFileError::Comparison { .. })
        ));
    }
}
