//! The CSV work lists of `--csv-dir`: `doublons.csv` (suspected doublons and potential
//! duplicates, one row per record), `collisions.csv`, `ins-problems.csv` and `quality.csv`.
//!
//! Every row ends with the same record columns (`record_id`, `line`, `source`, `local_id`,
//! names, traits, INS, status, contact). Values from the input that a spreadsheet would take for
//! a formula (starting with `=`, `+`, `-`, `@`) are prefixed with `'`.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use crate::AuditError;
use crate::report::{AuditReport, Contribution, RecordView};

/// Names of the files written, in order.
pub const FILES: [&str; 4] = [
    "doublons.csv",
    "collisions.csv",
    "ins-problems.csv",
    "quality.csv",
];

const RECORD_COLUMNS: [&str; 20] = [
    "record_id",
    "line",
    "source",
    "local_id",
    "birth_name",
    "used_name",
    "first_names",
    "used_first_name",
    "sex",
    "birth_date",
    "birth_place_code",
    "ins",
    "ins_oid",
    "identity_status",
    "identity_attributes",
    "address",
    "postcode",
    "city",
    "phone",
    "email",
];

/// A value from the input, made safe for spreadsheets.
fn cell(value: Option<&str>) -> String {
    match value {
        None => String::new(),
        Some(v) if v.starts_with(['=', '+', '-', '@', '\t', '\r']) => format!("'{v}"),
        Some(v) => v.to_owned(),
    }
}

fn record_cells(report: &AuditReport, record_id: &str) -> Vec<String> {
    let fallback = RecordView::default();
    let view = report.records.get(record_id).unwrap_or(&fallback);
    let mut cells = vec![cell(Some(record_id)), view.line.to_string()];
    for (_, value) in view.fields() {
        cells.push(cell(value));
    }
    cells
}

/// `field:+8.0 field:+6.0`.
pub fn explanation_text(explanation: &[Contribution]) -> String {
    explanation
        .iter()
        .map(|c| format!("{}:{:+.1}", c.field, c.weight))
        .collect::<Vec<_>>()
        .join(" ")
}

struct Sheet {
    path: String,
    writer: csv::Writer<BufWriter<File>>,
}

impl Sheet {
    fn create(dir: &Path, name: &str, columns: &[&str]) -> Result<Sheet, AuditError> {
        let path = dir.join(name);
        let file = File::create(&path).map_err(|source| AuditError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let mut sheet = Sheet {
            path: path.display().to_string(),
            writer: csv::Writer::from_writer(BufWriter::new(file)),
        };
        let header: Vec<&str> = columns
            .iter()
            .chain(RECORD_COLUMNS.iter())
            .copied()
            .collect();
        sheet.row(header)?;
        Ok(sheet)
    }

    fn row<I, T>(&mut self, cells: I) -> Result<(), AuditError>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        self.writer
            .write_record(cells)
            .map_err(|source| AuditError::Csv {
                path: self.path.clone(),
                source,
            })
    }

    fn finish(mut self) -> Result<(), AuditError> {
        self.writer.flush().map_err(|source| AuditError::Io {
            path: self.path.clone(),
            source,
        })
    }
}

fn opt(value: Option<f64>, decimals: usize) -> String {
    value.map_or_else(String::new, |v| format!("{v:.decimals$}"))
}

/// Writes the four work lists into `dir` (created if needed).
///
/// # Errors
/// When the directory or a file cannot be written.
pub fn write_work_lists(report: &AuditReport, dir: &Path) -> Result<(), AuditError> {
    std::fs::create_dir_all(dir).map_err(|source| AuditError::Io {
        path: dir.display().to_string(),
        source,
    })?;

    let mut sheet = Sheet::create(
        dir,
        FILES[0],
        &[
            "kind",
            "group_id",
            "action",
            "probability",
            "weight",
            "band",
            "explanation",
            "conflicts",
            "differing_fields",
        ],
    )?;
    for g in &report.doublons {
        let band = g.band.code().to_owned();
        let action = g.action.code().to_owned();
        for record in &g.records {
            let mut cells = vec![
                "doublon".to_owned(),
                g.id.clone(),
                action.clone(),
                opt(g.probability, 6),
                opt(g.weight, 2),
                band.clone(),
                explanation_text(&g.explanation),
                g.conflicts.join(" "),
                g.differing_fields.join(" "),
            ];
            cells.extend(record_cells(report, record));
            sheet.row(cells)?;
        }
    }
    for p in &report.potential_duplicates {
        for record in [&p.left, &p.right] {
            let mut cells = vec![
                "potential".to_owned(),
                p.id.clone(),
                "review".to_owned(),
                format!("{:.6}", p.probability),
                format!("{:.2}", p.weight),
                "review".to_owned(),
                explanation_text(&p.explanation),
                p.conflicts.join(" "),
                p.differing_fields.join(" "),
            ];
            cells.extend(record_cells(report, record));
            sheet.row(cells)?;
        }
    }
    sheet.finish()?;

    let mut sheet = Sheet::create(
        dir,
        FILES[1],
        &["collision_id", "kind", "key", "conflicting_fields"],
    )?;
    for c in &report.collisions {
        for record in &c.records {
            let mut cells = vec![
                c.id.clone(),
                c.kind.code().to_owned(),
                cell(Some(&c.key)),
                c.conflicting_fields.join(" "),
            ];
            cells.extend(record_cells(report, record));
            sheet.row(cells)?;
        }
    }
    sheet.finish()?;

    let mut sheet = Sheet::create(dir, FILES[2], &["kind", "informational", "detail"])?;
    for p in &report.ins_problems {
        let mut cells = vec![
            p.kind.code().to_owned(),
            p.kind.informational().to_string(),
            p.detail.clone(),
        ];
        cells.extend(record_cells(report, &p.record));
        sheet.row(cells)?;
    }
    sheet.finish()?;

    let mut sheet = Sheet::create(dir, FILES[3], &["kind", "field", "detail"])?;
    for issue in &report.quality.issues {
        let mut cells = vec![
            issue.kind.code().to_owned(),
            issue.field.clone(),
            cell(Some(&issue.detail)),
        ];
        cells.extend(record_cells(report, &issue.record));
        sheet.row(cells)?;
    }
    sheet.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(cell(Some("=HYPERLINK(1)")), "'=HYPERLINK(1)");
        assert_eq!(cell(Some("DUPONT")), "DUPONT");
        assert_eq!(cell(None), "");
    }

    #[test]
    fn record_columns_match_the_view() {
        let view = RecordView::default();
        assert_eq!(RECORD_COLUMNS.len(), view.fields().len() + 2);
        for ((name, _), column) in view.fields().iter().zip(RECORD_COLUMNS.iter().skip(2)) {
            assert_eq!(name, column);
        }
    }
}
