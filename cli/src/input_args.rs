//! The input options shared by every command that reads an identity file, and the summary of
//! what the read skipped or could not parse (counts and line numbers, never values).

use std::path::{Path, PathBuf};

use anyhow::Context;
use vigie_batch::input::{Encoding, Input, InputReport, ReadOptions, parse_mapping, read_path};
use vigie_core::record::ParseOptions;

/// Where and how to read identity records.
#[derive(Debug, Clone, clap::Args)]
pub struct InputArgs {
    /// Identity CSV in the canonical format (or mapped with --map). Required, except by the
    /// commands that can read a store instead (`vigie audit --data-dir`).
    #[arg(long, short)]
    pub input: Option<PathBuf>,
    /// Read canonical FIELD from COLUMN of the file (repeatable), e.g. `--map birth_name=surname`.
    #[arg(long = "map", value_name = "FIELD=COLUMN")]
    pub map: Vec<String>,
    /// Byte encoding: auto (UTF-8, falling back to Windows-1252 per field), utf-8, windows-1252.
    #[arg(long, default_value = "auto")]
    pub encoding: String,
    /// Stop at the first bad row instead of skipping it.
    #[arg(long)]
    pub strict: bool,
    /// Field delimiter (one character).
    #[arg(long, default_value = ",")]
    pub delimiter: char,
    /// Accept INS of the test and demo registers.
    #[arg(long)]
    pub allow_test_oids: bool,
}

impl InputArgs {
    /// The reader options these arguments ask for.
    ///
    /// # Errors
    /// A bad mapping, encoding or delimiter.
    pub fn options(&self) -> anyhow::Result<ReadOptions> {
        let mapping = self
            .map
            .iter()
            .map(|m| parse_mapping(m))
            .collect::<Result<Vec<_>, _>>()?;
        let encoding: Encoding = self.encoding.parse()?;
        let delimiter = u8::try_from(self.delimiter)
            .ok()
            .filter(u8::is_ascii)
            .context("the delimiter must be one ASCII character")?;
        Ok(ReadOptions {
            encoding,
            strict: self.strict,
            mapping,
            parse: ParseOptions {
                allow_test_oids: self.allow_test_oids,
            },
            delimiter: Some(delimiter),
        })
    }

    /// Reads the file.
    ///
    /// # Errors
    /// When `--input` is missing, the file cannot be read, or a bad row under --strict.
    pub fn read(&self) -> anyhow::Result<Input> {
        let path = self.path()?;
        let options = self.options()?;
        read_path(path, &options).with_context(|| format!("reading {}", path.display()))
    }

    /// The input file.
    ///
    /// # Errors
    /// When `--input` was not given.
    pub fn path(&self) -> anyhow::Result<&Path> {
        self.input
            .as_deref()
            .context("the input file is missing: give --input FILE.csv")
    }
}

/// Prints skipped rows (first 20, by line) and finding counts on stderr.
pub fn print_report(report: &InputReport) {
    if !report.unknown_columns.is_empty() {
        eprintln!("ignored columns: {}", report.unknown_columns.join(", "));
    }
    for bad in report.bad_rows.iter().take(20) {
        eprintln!("skipped line {}: {}", bad.line, bad.reason);
    }
    if report.bad_rows.len() > 20 {
        eprintln!("… and {} more skipped rows", report.bad_rows.len() - 20);
    }
    if report.rows_decoded_windows_1252 > 0 {
        eprintln!(
            "{} rows decoded as Windows-1252",
            report.rows_decoded_windows_1252
        );
    }
    for ((field, label), count) in &report.finding_counts {
        eprintln!("{count:>9}  {field}: {label} (kept as unknown)");
    }
}
