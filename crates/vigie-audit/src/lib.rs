//! Vigie's identitovigilance audit (`vigie audit`): what an identitovigilance cell looks for in
//! an identity export, computed per source (establishment) and overall.
//!
//! * **Suspected doublons** — one person under several local ids — with a score, an
//!   explanation and a suggested action (merge / check documents), and **potential
//!   duplicates** (pairs in the review band);
//! * **collisions** — one INS or one local id on records of different people, several INS in
//!   one duplicate group;
//! * **INS problems** — invalid key, NIR inconsistent with the strict traits, test/demo OIDs,
//!   INS on a non-qualified identity;
//! * the **RNIV status** distribution, doubtful and fictitious identities, **homonym groups**;
//! * **data quality** — missing rates per field and source, placeholder dates and names,
//!   phone numbers shared by many identities, swapped name fields, characters outside the RNIV
//!   rules;
//! * **indicators** and their **trend** over previous reports, and `--fail-on` conditions.
//!
//! The duplicate decisions come in as [`DuplicateEvidence`] (scored pairs and clusters): the
//! batch matching engine's output, or the built-in [`fallback_evidence`] (exact keys and same
//! INS only) until the engine is plugged in.
//!
//! Outputs: [`AuditReport`] (serialised as the versioned JSON report, `docs/audit-report.md`),
//! [`html::render`] (one self-contained HTML page, inline CSS/SVG/JS, no network), and
//! [`csv_out::write_work_lists`] (CSV work lists).
//!
//! ```
//! use vigie_audit::{AuditOptions, audit, fallback_evidence};
//! let csv = "record_id,source,local_id,birth_name,first_names,sex,birth_date\n\
//!            1,CH-A,100,Dupont,Jean,M,1970-03-04\n\
//!            2,CH-A,200,DUPONT,Jean,M,04/03/1970\n";
//! let input = vigie_batch::input::read_records(csv.as_bytes(), &Default::default()).unwrap();
//! let evidence = fallback_evidence(&input.records);
//! let report = audit(&input, &evidence, &AuditOptions::default(), &mut |_| {}).unwrap();
//! assert_eq!(report.headline.doublon_groups, 1);
//! assert_eq!(report.headline.duplicate_rate, 0.5);
//! ```

pub mod analyse;
pub mod csv_out;
pub mod evidence;
pub mod fail_on;
pub mod html;
pub mod names;
pub mod report;
mod svg;
pub mod traits;
pub mod trend;

pub use analyse::{AuditOptions, Phase, audit};
pub use evidence::{Band, DuplicateEvidence, FALLBACK_PRODUCER, ScoredPair, fallback_evidence};
pub use report::AuditReport;

/// Errors of the audit library.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The duplicate evidence does not fit the records.
    #[error("duplicate evidence does not fit the records: {0}")]
    EvidenceMismatch(String),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A previous report is not a readable `vigie-audit` JSON report.
    #[error("{path}: not a vigie-audit report: {reason}")]
    NotAReport {
        /// The path.
        path: String,
        /// Why.
        reason: String,
    },
    /// A CSV work list could not be written.
    #[error("writing {path}: {source}")]
    Csv {
        /// The path.
        path: String,
        /// The cause.
        source: csv::Error,
    },
    /// A `--fail-on` condition could not be read.
    #[error(
        "bad condition `{0}`: expected METRIC OP VALUE[%] with METRIC one of duplicates, \
         collisions, invalid_ins, ins_problems, potential_duplicates, homonyms, qualified, \
         quality_issues and OP one of >, >=, <, <="
    )]
    BadCondition(String),
}

/// The current time in UTC as ISO 8601 (`2026-05-19T08:30:00Z`).
pub fn now_iso8601() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    iso8601(secs)
}

/// Seconds since the Unix epoch as ISO 8601 UTC.
pub fn iso8601(secs: u64) -> String {
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn iso8601_dates() {
        assert_eq!(super::iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::iso8601(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(super::iso8601(1_779_179_445), "2026-05-19T08:30:45Z");
    }
}
