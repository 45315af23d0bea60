//! Reading identity files (canonical CSV, or any layout through a column mapping; UTF-8 or
//! Windows-1252) into `IdentityRecord`s.
//!
//! Rows are read in chunks and parsed in parallel; a row that cannot be read (wrong field count,
//! no `record_id`, duplicate `record_id`, bad bytes under strict UTF-8) is reported with its line
//! number and skipped, or stops the read under `strict`. A value that cannot be parsed is kept as
//! unknown and counted as a finding (see `vigie_core::record`).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use vigie_core::record::{Field, Finding, IdentityRecord, ParseOptions, RawRecord, parse_record};

/// How the bytes of the file are decoded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8, with any field that is not valid UTF-8 decoded as Windows-1252 (and counted).
    #[default]
    Auto,
    /// UTF-8 only: a row with invalid bytes is a bad row.
    Utf8,
    /// Windows-1252 (a superset of Latin-1 for printable characters).
    Windows1252,
}

impl std::str::FromStr for Encoding {
    type Err = InputError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value.to_ascii_lowercase().as_str() {
            "auto" => Ok(Encoding::Auto),
            "utf-8" | "utf8" => Ok(Encoding::Utf8),
            "windows-1252" | "cp1252" | "latin-1" | "latin1" | "iso-8859-1" => {
                Ok(Encoding::Windows1252)
            }
            _ => Err(InputError::UnknownEncoding(value.to_owned())),
        }
    }
}

/// Options of [`read_records`].
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Byte decoding.
    pub encoding: Encoding,
    /// Stop at the first bad row instead of skipping it.
    pub strict: bool,
    /// Column mapping overrides: canonical field ← column name of the file.
    pub mapping: Vec<(Field, String)>,
    /// Options of the record parser.
    pub parse: ParseOptions,
    /// Field delimiter (default `,`).
    pub delimiter: Option<u8>,
}

/// Parses a `field=column` mapping argument.
///
/// # Errors
/// When the text has no `=` or names no canonical field.
pub fn parse_mapping(text: &str) -> Result<(Field, String), InputError> {
    let (field, column) = text
        .split_once('=')
        .ok_or_else(|| InputError::BadMapping(text.to_owned()))?;
    let field = Field::from_column(field.trim().to_ascii_lowercase().as_str())
        .ok_or_else(|| InputError::BadMapping(text.to_owned()))?;
    Ok((field, column.trim().to_owned()))
}

/// Errors that stop a read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The file could not be opened or read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The CSV reader failed outside any row (e.g. while reading the header).
    #[error("CSV error: {0}")]
    Csv(#[from] csv::Error),
    /// The file has no `record_id` column (after mapping).
    #[error("no record_id column (columns found: {0})")]
    NoRecordIdColumn(String),
    /// A mapping names a column the file does not have.
    #[error("mapping names column `{0}`, which the file does not have")]
    MappedColumnMissing(String),
    /// A mapping argument is not `field=column` with a canonical field.
    #[error("bad mapping `{0}`: expected FIELD=COLUMN with a canonical field name")]
    BadMapping(String),
    /// An encoding name is not known.
    #[error("unknown encoding `{0}` (auto, utf-8, windows-1252)")]
    UnknownEncoding(String),
    /// A bad row under `strict`.
    #[error("line {line}: {reason}")]
    BadRow {
        /// 1-based line number in the file.
        line: u64,
        /// What is wrong.
        reason: String,
    },
}

/// A row that was skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRow {
    /// 1-based line number in the file.
    pub line: u64,
    /// What is wrong (never the row's values).
    pub reason: String,
}

/// What a read found besides the records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InputReport {
    /// Data rows seen (header excluded).
    pub rows: u64,
    /// Rows skipped, with line numbers.
    pub bad_rows: Vec<BadRow>,
    /// Value findings counted by field and reason label.
    pub finding_counts: BTreeMap<(Field, String), u64>,
    /// Columns of the file that map to no field.
    pub unknown_columns: Vec<String>,
    /// Rows with at least one field decoded as Windows-1252.
    pub rows_decoded_windows_1252: u64,
}

/// The records of a file, in file order.
#[derive(Debug, Clone, Default)]
pub struct Input {
    /// The records read.
    pub records: Vec<IdentityRecord>,
    /// The 1-based line of each record in the file.
    pub lines: Vec<u64>,
    /// The findings of each record that has some: (record index, finding).
    pub findings: Vec<(usize, Finding)>,
    /// Counts and skipped rows.
    pub report: InputReport,
}

const CHUNK_ROWS: usize = 65_536;

/// Reads a file.
///
/// # Errors
/// See [`read_records`]; also when the file cannot be opened.
pub fn read_path(path: &Path, options: &ReadOptions) -> Result<Input, InputError> {
    let file = std::fs::File::open(path).map_err(|source| InputError::Io {
        path: path.display().to_string(),
        source,
    })?;
    read_records(std::io::BufReader::with_capacity(1 << 20, file), options)
}

/// Reads identity records from CSV bytes.
///
/// # Errors
/// When the header cannot be read or has no `record_id` column, when a mapping is wrong, or at
/// the first bad row under `strict`.
pub fn read_records(reader: impl Read, options: &ReadOptions) -> Result<Input, InputError> {
    let mut csv_reader = csv::ReaderBuilder::new()
        .delimiter(options.delimiter.unwrap_or(b','))
        .flexible(true)
        .has_headers(true)
        .from_reader(reader);
    let header = csv_reader.byte_headers()?.clone();
    let header_names: Vec<String> = header
        .iter()
        .enumerate()
        .map(|(index, bytes)| {
            let name = decode(bytes, options.encoding)
                .map(|(text, _)| text)
                .unwrap_or_default();
            let name = if index == 0 {
                name.trim_start_matches('\u{feff}')
            } else {
                &name
            };
            name.trim().to_owned()
        })
        .collect();
    let columns = column_fields(&header_names, &options.mapping)?;
    let mut input = Input::default();
    input.report.unknown_columns = header_names
        .iter()
        .zip(&columns)
        .filter(|(_, field)| field.is_none())
        .map(|(name, _)| name.clone())
        .collect();

    let mut seen_ids: FxHashMap<String, u64> = FxHashMap::default();
    let mut chunk: Vec<(u64, csv::ByteRecord)> = Vec::with_capacity(CHUNK_ROWS);
    let mut row = csv::ByteRecord::new();
    loop {
        let more = match csv_reader.read_byte_record(&mut row) {
            Ok(more) => more,
            Err(error) => {
                let line = error.position().map_or(0, |p| p.line());
                input.report.rows += 1;
                skip_row(
                    &mut input,
                    options,
                    line,
                    format!("unreadable row: {}", error.kind_label()),
                )?;
                continue;
            }
        };
        if more {
            let line = row.position().map_or(0, |p| p.line());
            input.report.rows += 1;
            if row.len() != header.len() {
                let reason = format!("{} fields where the header has {}", row.len(), header.len());
                skip_row(&mut input, options, line, reason)?;
                continue;
            }
            chunk.push((line, std::mem::take(&mut row)));
        }
        if chunk.len() >= CHUNK_ROWS || (!more && !chunk.is_empty()) {
            parse_chunk(&mut input, &mut seen_ids, &chunk, &columns, options)?;
            chunk.clear();
        }
        if !more {
            break;
        }
    }
    Ok(input)
}

trait KindLabel {
    fn kind_label(&self) -> String;
}

impl KindLabel for csv::Error {
    fn kind_label(&self) -> String {
        match self.kind() {
            csv::ErrorKind::UnequalLengths {
                expected_len, len, ..
            } => {
                format!("{len} fields where the header has {expected_len}")
            }
            csv::ErrorKind::Io(_) => "read error".to_owned(),
            _ => "malformed CSV".to_owned(),
        }
    }
}

fn skip_row(
    input: &mut Input,
    options: &ReadOptions,
    line: u64,
    reason: String,
) -> Result<(), InputError> {
    if options.strict {
        return Err(InputError::BadRow { line, reason });
    }
    input.report.bad_rows.push(BadRow { line, reason });
    Ok(())
}

enum RowOutcome {
    Parsed {
        parsed: Box<vigie_core::record::Parsed>,
        windows_1252: bool,
    },
    Bad(String),
}

fn parse_chunk(
    input: &mut Input,
    seen_ids: &mut FxHashMap<String, u64>,
    chunk: &[(u64, csv::ByteRecord)],
    columns: &[Option<Field>],
    options: &ReadOptions,
) -> Result<(), InputError> {
    let outcomes: Vec<RowOutcome> = chunk
        .par_iter()
        .map(|(_, row)| parse_row(row, columns, options))
        .collect();
    for ((line, _), outcome) in chunk.iter().zip(outcomes) {
        match outcome {
            RowOutcome::Bad(reason) => skip_row(input, options, *line, reason)?,
            RowOutcome::Parsed {
                parsed,
                windows_1252,
            } => {
                let id = parsed.record.record_id.as_str();
                if let Some(first) = seen_ids.get(id) {
                    let reason = format!("duplicate record_id (first seen at line {first})");
                    skip_row(input, options, *line, reason)?;
                    continue;
                }
                seen_ids.insert(id.to_owned(), *line);
                let index = input.records.len();
                let vigie_core::record::Parsed { record, findings } = *parsed;
                for finding in findings {
                    *input
                        .report
                        .finding_counts
                        .entry((finding.field, finding_label(&finding)))
                        .or_default() += 1;
                    input.findings.push((index, finding));
                }
                input.report.rows_decoded_windows_1252 += u64::from(windows_1252);
                input.records.push(record);
                input.lines.push(*line);
            }
        }
    }
    Ok(())
}

/// A short, value-free label of a finding's reason, for counting.
fn finding_label(finding: &Finding) -> String {
    use vigie_core::record::FindingKind;
    match &finding.kind {
        FindingKind::Identifier(_) => "invalid identifier".to_owned(),
        FindingKind::Sex => "unrecognised sex".to_owned(),
        FindingKind::Date(_) => "invalid date".to_owned(),
        FindingKind::BirthPlace(_) => "invalid birthplace code".to_owned(),
        FindingKind::Ins(_) => "invalid INS".to_owned(),
        FindingKind::InsInconsistent(_) => "INS inconsistent with traits".to_owned(),
        FindingKind::Status(_) => "identity status rule".to_owned(),
        FindingKind::OidWithoutIns => "OID without INS".to_owned(),
        FindingKind::ControlCharacters => "control characters".to_owned(),
    }
}

fn parse_row(
    row: &csv::ByteRecord,
    columns: &[Option<Field>],
    options: &ReadOptions,
) -> RowOutcome {
    let mut decoded: Vec<(Field, Cow<'_, str>)> = Vec::with_capacity(columns.len());
    let mut windows_1252 = false;
    for (bytes, field) in row.iter().zip(columns) {
        let Some(field) = field else { continue };
        if bytes.is_empty() {
            continue;
        }
        match decode(bytes, options.encoding) {
            Some((text, legacy)) => {
                windows_1252 |= legacy;
                decoded.push((*field, text));
            }
            None => {
                return RowOutcome::Bad(format!("column {field}: bytes are not valid UTF-8"));
            }
        }
    }
    let mut raw = RawRecord::new();
    for (field, text) in &decoded {
        raw.set(*field, text);
    }
    match parse_record(&raw, options.parse) {
        Ok(parsed) => RowOutcome::Parsed {
            parsed: Box::new(parsed),
            windows_1252,
        },
        Err(error) => RowOutcome::Bad(error.to_string()),
    }
}

/// Decodes one field; the flag says Windows-1252 was used. `None`: invalid under strict UTF-8.
/// Valid UTF-8 is borrowed, not copied: this runs for every field of every row.
fn decode(bytes: &[u8], encoding: Encoding) -> Option<(Cow<'_, str>, bool)> {
    match (encoding, std::str::from_utf8(bytes)) {
        (Encoding::Windows1252, _) => {
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            Some((text, bytes.iter().any(|b| *b >= 0x80)))
        }
        (_, Ok(text)) => Some((Cow::Borrowed(text), false)),
        (Encoding::Auto, Err(_)) => {
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            Some((text, true))
        }
        (Encoding::Utf8, Err(_)) => None,
    }
}

/// The field of each column: canonical names (case-insensitive), then mapping overrides.
fn column_fields(
    header: &[String],
    mapping: &[(Field, String)],
) -> Result<Vec<Option<Field>>, InputError> {
    let mut columns: Vec<Option<Field>> = header
        .iter()
        .map(|name| Field::from_column(&name.to_ascii_lowercase()))
        .collect();
    for (field, column) in mapping {
        // A mapped field is read from its column only, never also from a same-named column.
        for slot in columns.iter_mut() {
            if *slot == Some(*field) {
                *slot = None;
            }
        }
        let index = header
            .iter()
            .position(|name| name == column)
            .ok_or_else(|| InputError::MappedColumnMissing(column.clone()))?;
        if let Some(slot) = columns.get_mut(index) {
            *slot = Some(*field);
        }
    }
    if !columns.contains(&Some(Field::RecordId)) {
        return Err(InputError::NoRecordIdColumn(header.join(",")));
    }
    Ok(columns)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn read(text: &[u8], options: &ReadOptions) -> Result<Input, InputError> {
        read_records(text, options)
    }

    #[test]
    fn reads_canonical_rows_and_reports_bad_ones_by_line() {
        let csv = "record_id,birth_name,first_names,birth_date,extra\n\
                   a,DUPONT,JEAN,1980-01-02,x\n\
                   b,MARTIN\n\
                   ,DURAND,PAUL,1970,x\n\
                   a,DUPONT,JEAN,1980-01-02,x\n\
                   c,PETIT,ANNE,31/02/1980,x\n";
        let input = read(csv.as_bytes(), &ReadOptions::default()).unwrap();
        let ids: Vec<&str> = input.records.iter().map(|r| r.record_id.as_str()).collect();
        assert_eq!(ids, vec!["a", "c"]);
        assert_eq!(input.lines, vec![2, 6]);
        let bad: Vec<u64> = input.report.bad_rows.iter().map(|b| b.line).collect();
        assert_eq!(bad, vec![3, 4, 5]);
        assert!(
            input.report.bad_rows[2]
                .reason
                .contains("duplicate record_id")
        );
        assert_eq!(input.report.unknown_columns, vec!["extra".to_owned()]);
        assert_eq!(input.records[1].birth_date, None);
        assert_eq!(
            input
                .report
                .finding_counts
                .get(&(Field::BirthDate, "invalid date".to_owned())),
            Some(&1)
        );
        assert_eq!(input.report.rows, 5);
    }

    #[test]
    fn strict_mode_stops_at_the_first_bad_row() {
        let csv = "record_id,birth_name\na,X\nb,Y,Z\n";
        let options = ReadOptions {
            strict: true,
            ..ReadOptions::default()
        };
        match read(csv.as_bytes(), &options) {
            Err(InputError::BadRow { line, .. }) => assert_eq!(line, 3),
            other => panic!("expected a bad row error, got {other:?}"),
        }
    }

    #[test]
    fn windows_1252_bytes_are_decoded() {
        let mut bytes = b"record_id,birth_name,first_names\n1,L\xc9VY,H\xc9L\xc8NE\n".to_vec();
        bytes.extend_from_slice("2,LÉVY,HÉLÈNE\n".as_bytes());
        let input = read(&bytes, &ReadOptions::default()).unwrap();
        assert_eq!(input.records[0].birth_name.as_deref(), Some("LÉVY"));
        assert_eq!(input.records[0].first_names, input.records[1].first_names);
        assert_eq!(input.report.rows_decoded_windows_1252, 1);
        let strict_utf8 = ReadOptions {
            encoding: Encoding::Utf8,
            ..ReadOptions::default()
        };
        let input = read(&bytes, &strict_utf8).unwrap();
        assert_eq!(input.records.len(), 1);
        assert_eq!(input.report.bad_rows[0].line, 2);
    }

    #[test]
    fn a_mapping_reads_other_layouts() {
        let csv = "rec_id,surname,given_name\nr1,SMITH,JOHN\n";
        let options = ReadOptions {
            mapping: vec![
                parse_mapping("record_id=rec_id").unwrap(),
                parse_mapping("birth_name=surname").unwrap(),
                parse_mapping("first_names=given_name").unwrap(),
            ],
            ..ReadOptions::default()
        };
        let input = read(csv.as_bytes(), &options).unwrap();
        assert_eq!(input.records[0].birth_name.as_deref(), Some("SMITH"));
        assert!(matches!(
            parse_mapping("nope=x"),
            Err(InputError::BadMapping(_))
        ));
        let missing = ReadOptions {
            mapping: vec![parse_mapping("record_id=absent").unwrap()],
            ..ReadOptions::default()
        };
        assert!(matches!(
            read(csv.as_bytes(), &missing),
            Err(InputError::MappedColumnMissing(_))
        ));
    }

    #[test]
    fn a_file_without_record_id_is_refused() {
        let csv = "name\nX\n";
        assert!(matches!(
            read(csv.as_bytes(), &ReadOptions::default()),
            Err(InputError::NoRecordIdColumn(_))
        ));
    }

    #[test]
    fn a_bom_and_header_case_are_tolerated() {
        let csv = "\u{feff}Record_ID,Birth_Name\nr1,X\n";
        let input = read(csv.as_bytes(), &ReadOptions::default()).unwrap();
        assert_eq!(input.records.len(), 1);
        assert_eq!(input.records[0].birth_name.as_deref(), Some("X"));
    }
}
