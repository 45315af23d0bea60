//! `--fail-on` conditions for automation: `duplicates>0.5%`, `collisions>0`,
//! `invalid_ins>10`… A condition that holds makes `vigie audit` exit with code 3.
//!
//! `METRIC OP VALUE[%]`: with `%` the metric's rate is compared (duplicate rate, collisions per
//! record, invalid-INS share, qualified share…), without it the count.

use std::fmt;
use std::str::FromStr;

use crate::AuditError;
use crate::report::{ConditionResult, Headline};

/// What a condition measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// Records in doublon groups beyond the first; rate: the duplicate rate.
    Duplicates,
    /// Collisions; rate: per record.
    Collisions,
    /// Unreadable INS; rate: share of the records carrying an INS value.
    InvalidIns,
    /// INS problems (informational kinds excluded); rate: per record.
    InsProblems,
    /// Pairs in the review band; rate: per record.
    PotentialDuplicates,
    /// Homonym groups; rate: per record.
    Homonyms,
    /// Qualified identities; rate: share of the records.
    Qualified,
    /// Data-quality issues; rate: per record.
    QualityIssues,
}

impl Metric {
    fn parse(name: &str) -> Option<Metric> {
        Some(match name {
            "duplicates" | "doublons" => Metric::Duplicates,
            "collisions" => Metric::Collisions,
            "invalid_ins" => Metric::InvalidIns,
            "ins_problems" => Metric::InsProblems,
            "potential_duplicates" => Metric::PotentialDuplicates,
            "homonyms" => Metric::Homonyms,
            "qualified" => Metric::Qualified,
            "quality_issues" => Metric::QualityIssues,
            _ => return None,
        })
    }

    /// (count, rate) of the metric.
    fn measure(self, h: &Headline) -> (f64, f64) {
        let per_record = |count: u64| {
            if h.records == 0 {
                0.0
            } else {
                count as f64 / h.records as f64
            }
        };
        let quality: u64 = h.quality_issues_by_kind.values().sum();
        let (count, rate) = match self {
            Metric::Duplicates => (h.duplicate_records, h.duplicate_rate),
            Metric::Collisions => (h.collisions, per_record(h.collisions)),
            Metric::InvalidIns => (h.invalid_ins, h.invalid_ins_share),
            Metric::InsProblems => (h.ins_problems, per_record(h.ins_problems)),
            Metric::PotentialDuplicates => (
                h.potential_duplicate_pairs,
                per_record(h.potential_duplicate_pairs),
            ),
            Metric::Homonyms => (h.homonym_groups, per_record(h.homonym_groups)),
            Metric::Qualified => (h.qualified, h.qualified_share),
            Metric::QualityIssues => (quality, per_record(quality)),
        };
        (count as f64, rate)
    }
}

/// Comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `>`
    Greater,
    /// `>=`
    GreaterOrEqual,
    /// `<`
    Less,
    /// `<=`
    LessOrEqual,
}

/// One parsed condition.
#[derive(Debug, Clone, PartialEq)]
pub struct FailCondition {
    text: String,
    metric: Metric,
    op: Op,
    threshold: f64,
    percent: bool,
}

impl FromStr for FailCondition {
    type Err = AuditError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || AuditError::BadCondition(text.to_owned());
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let at = compact.find(['>', '<']).ok_or_else(bad)?;
        let (name, rest) = compact.split_at(at);
        let (op, value) = if let Some(v) = rest.strip_prefix(">=") {
            (Op::GreaterOrEqual, v)
        } else if let Some(v) = rest.strip_prefix("<=") {
            (Op::LessOrEqual, v)
        } else if let Some(v) = rest.strip_prefix('>') {
            (Op::Greater, v)
        } else if let Some(v) = rest.strip_prefix('<') {
            (Op::Less, v)
        } else {
            return Err(bad());
        };
        let metric = Metric::parse(&name.to_ascii_lowercase()).ok_or_else(bad)?;
        let (value, percent) = match value.strip_suffix('%') {
            Some(v) => (v, true),
            None => (value, false),
        };
        let threshold: f64 = value.replace(',', ".").parse().map_err(|_| bad())?;
        if !threshold.is_finite() {
            return Err(bad());
        }
        Ok(FailCondition {
            text: text.trim().to_owned(),
            metric,
            op,
            threshold: if percent {
                threshold / 100.0
            } else {
                threshold
            },
            percent,
        })
    }
}

impl fmt::Display for FailCondition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FailCondition {
    /// Evaluates the condition on the overall indicators.
    pub fn evaluate(&self, headline: &Headline) -> ConditionResult {
        let (count, rate) = self.metric.measure(headline);
        let value = if self.percent { rate } else { count };
        let holds = match self.op {
            Op::Greater => value > self.threshold,
            Op::GreaterOrEqual => value >= self.threshold,
            Op::Less => value < self.threshold,
            Op::LessOrEqual => value <= self.threshold,
        };
        ConditionResult {
            condition: self.text.clone(),
            value,
            holds,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn headline() -> Headline {
        Headline {
            records: 1000,
            duplicate_records: 6,
            duplicate_rate: 0.006,
            collisions: 0,
            invalid_ins: 12,
            invalid_ins_share: 0.1,
            qualified: 700,
            qualified_share: 0.7,
            ..Headline::default()
        }
    }

    #[test]
    fn conditions_on_rates_and_counts() {
        let h = headline();
        let holds = |c: &str| c.parse::<FailCondition>().unwrap().evaluate(&h).holds;
        assert!(holds("duplicates>0.5%"));
        assert!(!holds("duplicates>0.6%"));
        assert!(holds("duplicates >= 0,6 %"));
        assert!(!holds("collisions>0"));
        assert!(holds("invalid_ins>10"));
        assert!(!holds("invalid_ins>12"));
        assert!(holds("qualified<80%"));
        assert!(holds("duplicates>5"));
    }

    #[test]
    fn bad_conditions_are_refused() {
        for text in [
            "",
            "duplicates",
            "dupes>1",
            "collisions=0",
            "collisions>abc",
            "x>1%",
        ] {
            assert!(text.parse::<FailCondition>().is_err(), "{text}");
        }
    }
}
