//! The trend over previous reports: `--previous old.json` (repeatable) reads the headline of
//! each earlier `vigie-audit` JSON report; the points are ordered by `generated_at` and the
//! current report comes last.

use std::path::Path;

use serde::Deserialize;

use crate::AuditError;
use crate::report::{AuditReport, SCHEMA, TrendPoint, VERSION};

/// The members of a previous report the trend needs (the rest is skipped unread).
#[derive(Deserialize)]
struct Previous {
    schema: String,
    version: u32,
    generated_at: String,
    input: PreviousInput,
    headline: PreviousHeadline,
}

#[derive(Deserialize)]
struct PreviousInput {
    file: String,
}

#[derive(Deserialize)]
struct PreviousHeadline {
    records: u64,
    duplicate_rate: f64,
    collisions: u64,
    qualified_share: f64,
    invalid_ins_share: f64,
    ins_problems: u64,
}

/// Reads the trend point of a previous report from JSON text.
///
/// # Errors
/// When the text is not a `vigie-audit` report of a version this build reads.
pub fn previous_from_json(path: &str, text: &[u8]) -> Result<TrendPoint, AuditError> {
    let bad = |reason: String| AuditError::NotAReport {
        path: path.to_owned(),
        reason,
    };
    let previous: Previous = serde_json::from_slice(text).map_err(|e| bad(e.to_string()))?;
    if previous.schema != SCHEMA {
        return Err(bad(format!("schema is `{}`", previous.schema)));
    }
    if previous.version == 0 || previous.version > VERSION {
        return Err(bad(format!(
            "version {} (this build reads 1 to {VERSION})",
            previous.version
        )));
    }
    let h = previous.headline;
    Ok(TrendPoint {
        generated_at: previous.generated_at,
        file: previous.input.file,
        records: h.records,
        duplicate_rate: h.duplicate_rate,
        collisions: h.collisions,
        qualified_share: h.qualified_share,
        invalid_ins_share: h.invalid_ins_share,
        ins_problems: h.ins_problems,
        current: false,
    })
}

/// Reads the trend point of a previous report file.
///
/// # Errors
/// When the file cannot be read or is not a `vigie-audit` report.
pub fn read_previous(path: &Path) -> Result<TrendPoint, AuditError> {
    let text = std::fs::read(path).map_err(|source| AuditError::Io {
        path: path.display().to_string(),
        source,
    })?;
    previous_from_json(&path.display().to_string(), &text)
}

/// The trend point of a report.
pub fn point_of(report: &AuditReport) -> TrendPoint {
    let h = &report.headline;
    TrendPoint {
        generated_at: report.generated_at.clone(),
        file: report.input.file.clone(),
        records: h.records,
        duplicate_rate: h.duplicate_rate,
        collisions: h.collisions,
        qualified_share: h.qualified_share,
        invalid_ins_share: h.invalid_ins_share,
        ins_problems: h.ins_problems,
        current: true,
    }
}

/// Sets the report's trend: the previous points by date, then the report itself.
pub fn set_trend(report: &mut AuditReport, mut previous: Vec<TrendPoint>) {
    previous.sort_by(|a, b| a.generated_at.cmp(&b.generated_at));
    for point in &mut previous {
        point.current = false;
    }
    previous.push(point_of(report));
    report.trend = previous;
}
