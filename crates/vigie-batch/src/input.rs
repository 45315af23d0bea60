//! Reading identity files (canonical CSV, or any layout through a column mapping; UTF-8 or
//! Windows-1252) into `IdentityRecord`s.
//!
//! Rows are read in chunks and parsed in parallel; a row that cannot be read (wrong field count,
//! no `record_id`, duplicate `record_id`, bad bytes under strict UTF-8) is reported with its line
//! number and skipped, or stops the read under `strict`. A value that cannot be parsed is kept as
//! unknown and counted as a finding (see `vigie_core::record`).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::hash::BuildHasher;
use std::io::Read;
use std::path::Path;

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use vigie_core::ids::RecordId;
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

/// Bytes read from the file per round; each round is split into pieces parsed in parallel.
const BLOCK_BYTES: usize = 16 << 20;
/// Bytes of one piece (one worker's task).
const PIECE_BYTES: usize = 256 << 10;

/// The records of a file turned into `T` by the parallel workers as soon as they are parsed
/// (see [`read_mapped`]), in file order.
#[derive(Debug, Clone)]
pub struct Mapped<T> {
    /// The id of each record.
    pub ids: Vec<RecordId>,
    /// What each record became.
    pub items: Vec<T>,
    /// The 1-based line of each record in the file.
    pub lines: Vec<u64>,
    /// The findings of each record that has some: (record index, finding).
    pub findings: Vec<(usize, Finding)>,
    /// Counts and skipped rows.
    pub report: InputReport,
}

/// Reads a file.
///
/// # Errors
/// See [`read_records`]; also when the file cannot be opened.
pub fn read_path(path: &Path, options: &ReadOptions) -> Result<Input, InputError> {
    read_path_mapped(path, options, |record| (record.record_id.clone(), record)).map(Input::from)
}

/// Reads a file, turning each record into `T` as [`read_mapped`] does.
///
/// # Errors
/// See [`read_records`]; also when the file cannot be opened.
pub fn read_path_mapped<T: Send>(
    path: &Path,
    options: &ReadOptions,
    convert: impl Fn(IdentityRecord) -> (RecordId, T) + Sync,
) -> Result<Mapped<T>, InputError> {
    let file = std::fs::File::open(path).map_err(|source| InputError::Io {
        path: path.display().to_string(),
        source,
    })?;
    let size = file.metadata().map_or(0, |m| m.len());
    read_in_pieces(file, options, &convert, BLOCK_BYTES, PIECE_BYTES, size).map_err(|error| {
        match error {
            InputError::Io { source, .. } => InputError::Io {
                path: path.display().to_string(),
                source,
            },
            other => other,
        }
    })
}

/// Reads identity records from CSV bytes.
///
/// # Errors
/// When the header cannot be read or has no `record_id` column, when a mapping is wrong, or at
/// the first bad row under `strict`.
pub fn read_records(reader: impl Read, options: &ReadOptions) -> Result<Input, InputError> {
    read_mapped(reader, options, |record| (record.record_id.clone(), record)).map(Input::from)
}

impl From<Mapped<IdentityRecord>> for Input {
    fn from(mapped: Mapped<IdentityRecord>) -> Input {
        Input {
            records: mapped.items,
            lines: mapped.lines,
            findings: mapped.findings,
            report: mapped.report,
        }
    }
}

/// Reads identity records from CSV bytes and turns each into `T` with `convert` (which returns
/// the record's id and what to keep), in parallel, as soon as it is parsed: a caller that keeps
/// a smaller form of the records never holds them all.
///
/// The bytes are read in blocks, split at record ends (a line feed outside quotes, with the
/// quoting rules of the `csv` crate), and the pieces are parsed on the rayon pool; rows keep their
/// line numbers, and rows are skipped or refused exactly as a sequential read would.
///
/// # Errors
/// As [`read_records`]; an I/O error while reading.
pub fn read_mapped<T: Send>(
    reader: impl Read,
    options: &ReadOptions,
    convert: impl Fn(IdentityRecord) -> (RecordId, T) + Sync,
) -> Result<Mapped<T>, InputError> {
    read_in_pieces(reader, options, &convert, BLOCK_BYTES, PIECE_BYTES, 0)
}

/// One piece of the input: whole records, from `start` to `end` of the block, starting at
/// file line `line`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Piece {
    start: usize,
    end: usize,
    line: u64,
}

/// Quoting state of the record scanner, as the `csv` crate reads: a quote opens a quoted field
/// only at the start of a field; inside, `""` is a literal quote and a lone quote closes it.
#[derive(Debug, Clone, Copy)]
struct Scanner {
    delimiter: u8,
    in_quotes: bool,
    field_start: bool,
    just_closed: bool,
}

impl Scanner {
    fn new(delimiter: u8) -> Scanner {
        Scanner {
            delimiter,
            in_quotes: false,
            field_start: true,
            just_closed: false,
        }
    }

    /// Feeds one byte; true when it ends a record at a line feed.
    fn feed(&mut self, byte: u8) -> bool {
        if self.in_quotes {
            if byte == b'"' {
                self.in_quotes = false;
                self.just_closed = true;
            }
            return false;
        }
        let just_closed = std::mem::take(&mut self.just_closed);
        if byte == b'"' && (self.field_start || just_closed) {
            self.in_quotes = true;
            self.field_start = false;
            return false;
        }
        if byte == b'\n' {
            self.field_start = true;
            return true;
        }
        self.field_start = byte == self.delimiter || byte == b'\r';
        false
    }
}

/// Splits `bytes` (starting at a record start, file line `line`) into pieces of about
/// `piece_bytes` that end at record ends. Returns the pieces and where the unfinished tail
/// starts (`bytes.len()` at the end of the input, where the tail is the last piece).
fn split_pieces(
    bytes: &[u8],
    delimiter: u8,
    line: u64,
    piece_bytes: usize,
    at_eof: bool,
) -> (Vec<Piece>, usize) {
    let mut scanner = Scanner::new(delimiter);
    let mut pieces = Vec::new();
    let mut piece = Piece {
        start: 0,
        end: 0,
        line,
    };
    let mut newlines = 0u64;
    let mut boundary = 0usize;
    let cut = |end: usize, newlines: u64, pieces: &mut Vec<Piece>, piece: &mut Piece| {
        if end - piece.start >= piece_bytes {
            piece.end = end;
            pieces.push(*piece);
            *piece = Piece {
                start: end,
                end,
                line: line + newlines,
            };
        }
    };
    // 64-byte chunks: one without quotes (outside a quoted field) needs no byte-by-byte state:
    // its line feeds all end records.
    for (chunk_index, chunk) in bytes.chunks(64).enumerate() {
        let base = chunk_index * 64;
        if !scanner.in_quotes && !scanner.just_closed && !chunk.contains(&b'"') {
            if let Some(last) = chunk.iter().rposition(|&b| b == b'\n') {
                newlines += chunk.iter().filter(|&&b| b == b'\n').count() as u64;
                boundary = base + last + 1;
                cut(boundary, newlines, &mut pieces, &mut piece);
            }
            if let Some(&last) = chunk.last() {
                scanner.field_start = last == b'\n' || last == b'\r' || last == delimiter;
            }
            continue;
        }
        for (offset, &byte) in chunk.iter().enumerate() {
            if byte == b'\n' {
                newlines += 1;
            }
            if scanner.feed(byte) {
                boundary = base + offset + 1;
                cut(boundary, newlines, &mut pieces, &mut piece);
            }
        }
    }
    let tail = if at_eof { bytes.len() } else { boundary };
    if tail > piece.start {
        piece.end = tail;
        pieces.push(piece);
    }
    (pieces, tail)
}

/// Appends up to `amount` bytes of the input to `buffer`; false once the input is exhausted.
fn fill(reader: &mut impl Read, buffer: &mut Vec<u8>, amount: usize) -> Result<bool, InputError> {
    let read = reader
        .by_ref()
        .take(amount as u64)
        .read_to_end(buffer)
        .map_err(|source| InputError::Io {
            path: "input".to_owned(),
            source,
        })?;
    Ok(read == amount && amount > 0)
}

fn csv_reader<'a>(bytes: &'a [u8], options: &ReadOptions) -> csv::Reader<&'a [u8]> {
    csv::ReaderBuilder::new()
        .delimiter(options.delimiter.unwrap_or(b','))
        .flexible(true)
        .has_headers(false)
        .from_reader(bytes)
}

/// What a worker made of one row.
enum RowResult<T> {
    Parsed {
        line: u64,
        id: RecordId,
        item: T,
        findings: Vec<Finding>,
        windows_1252: bool,
    },
    Bad {
        line: u64,
        reason: String,
    },
}

fn parse_piece<T>(
    bytes: &[u8],
    first_line: u64,
    header_len: usize,
    columns: &[Option<Field>],
    options: &ReadOptions,
    convert: &(impl Fn(IdentityRecord) -> (RecordId, T) + Sync),
) -> Vec<RowResult<T>> {
    let mut reader = csv_reader(bytes, options);
    let mut row = csv::ByteRecord::new();
    let mut out = Vec::with_capacity(bytes.iter().filter(|&&b| b == b'\n').count() + 1);
    let mut lines = LineCounter {
        bytes,
        offset: 0,
        line: first_line,
    };
    loop {
        match reader.read_byte_record(&mut row) {
            Ok(false) => break,
            Ok(true) => {
                let line = lines.record_line(row.position().map_or(0, |p| p.byte()));
                if row.len() != header_len {
                    let reason = format!("{} fields where the header has {header_len}", row.len());
                    out.push(RowResult::Bad { line, reason });
                    continue;
                }
                out.push(match parse_row(&row, columns, options) {
                    RowOutcome::Bad(reason) => RowResult::Bad { line, reason },
                    RowOutcome::Parsed {
                        parsed,
                        windows_1252,
                    } => {
                        let vigie_core::record::Parsed { record, findings } = *parsed;
                        let (id, item) = convert(record);
                        RowResult::Parsed {
                            line,
                            id,
                            item,
                            findings,
                            windows_1252,
                        }
                    }
                });
            }
            Err(error) => {
                let line = lines.record_line(error.position().map_or(0, |p| p.byte()));
                let reason = format!("unreadable row: {}", error.kind_label());
                out.push(RowResult::Bad { line, reason });
            }
        }
    }
    out
}

/// The file line of records from their byte offsets in a piece (offsets never decrease).
struct LineCounter<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: u64,
}

impl LineCounter<'_> {
    /// The line on which the record read from byte `start` begins: the csv reader starts a
    /// record at the end of the previous one, so line ends and blank lines are skipped first.
    fn record_line(&mut self, start: u64) -> u64 {
        let start = usize::try_from(start).unwrap_or(usize::MAX);
        let mut offset = self.offset.max(start.min(self.bytes.len()));
        while matches!(self.bytes.get(offset), Some(b'\r' | b'\n')) {
            offset += 1;
        }
        let skipped = self.bytes.get(self.offset..offset).unwrap_or_default();
        self.line += skipped.iter().filter(|&&b| b == b'\n').count() as u64;
        self.offset = offset;
        self.line
    }
}

/// Record ids seen so far, by hash (the ids themselves live in the output).
#[derive(Default)]
struct SeenIds {
    by_hash: FxHashMap<u64, usize>,
    collided: FxHashMap<String, usize>,
}

impl SeenIds {
    /// The index of the earlier record with this id, or remembers `index` for it.
    fn first_or_insert(&mut self, ids: &[RecordId], id: &RecordId, index: usize) -> Option<usize> {
        let hash = rustc_hash::FxBuildHasher.hash_one(id.as_str());
        match self.by_hash.get(&hash) {
            None => {
                self.by_hash.insert(hash, index);
                None
            }
            Some(&first) if ids.get(first) == Some(id) => Some(first),
            Some(_) => match self.collided.get(id.as_str()) {
                Some(&first) => Some(first),
                None => {
                    self.collided.insert(id.as_str().to_owned(), index);
                    None
                }
            },
        }
    }
}

fn read_in_pieces<T: Send>(
    mut reader: impl Read,
    options: &ReadOptions,
    convert: &(impl Fn(IdentityRecord) -> (RecordId, T) + Sync),
    block_bytes: usize,
    piece_bytes: usize,
    size_hint: u64,
) -> Result<Mapped<T>, InputError> {
    let delimiter = options.delimiter.unwrap_or(b',');
    let mut buffer: Vec<u8> = Vec::with_capacity(block_bytes.min(BLOCK_BYTES) + (1 << 16));
    // The header: the first record, read whole even when it is longer than a block.
    let mut more = true;
    let mut header_end = None;
    let mut scanner = Scanner::new(delimiter);
    let mut scanned = 0;
    // Blank lines before the header are skipped, as the csv reader does.
    let mut content = false;
    while header_end.is_none() {
        if scanned == buffer.len() {
            if !more {
                break;
            }
            more = fill(&mut reader, &mut buffer, block_bytes)?;
        }
        for (index, &byte) in buffer.iter().enumerate().skip(scanned) {
            content |= byte != b'\n' && byte != b'\r';
            if scanner.feed(byte) && content {
                header_end = Some(index + 1);
                break;
            }
        }
        scanned = header_end.unwrap_or(buffer.len());
    }
    let header_end = header_end.unwrap_or(buffer.len());
    let mut header = csv::ByteRecord::new();
    let mut header_reader = csv_reader(buffer.get(..header_end).unwrap_or_default(), options);
    header_reader.read_byte_record(&mut header)?;
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
    let mut out = Mapped {
        ids: Vec::new(),
        items: Vec::new(),
        lines: Vec::new(),
        findings: Vec::new(),
        report: InputReport {
            unknown_columns: header_names
                .iter()
                .zip(&columns)
                .filter(|(_, field)| field.is_none())
                .map(|(name, _)| name.clone())
                .collect(),
            ..InputReport::default()
        },
    };
    // Lines before the first data byte (the header's own line feeds, and blank lines).
    let mut line = 1 + buffer
        .get(..header_end)
        .unwrap_or_default()
        .iter()
        .filter(|&&b| b == b'\n')
        .count() as u64;
    buffer.drain(..header_end);
    let mut seen = SeenIds::default();
    // Bytes to add to the buffer before the next split (more when a record is longer than that).
    let mut want = block_bytes.saturating_sub(buffer.len());
    loop {
        if more && want > 0 {
            more = fill(&mut reader, &mut buffer, want)?;
        }
        let (pieces, tail) = split_pieces(&buffer, delimiter, line, piece_bytes, !more);
        let results: Vec<Vec<RowResult<T>>> = pieces
            .par_iter()
            .map(|piece| {
                parse_piece(
                    buffer.get(piece.start..piece.end).unwrap_or_default(),
                    piece.line,
                    header.len(),
                    &columns,
                    options,
                    convert,
                )
            })
            .collect();
        line += buffer
            .get(..tail)
            .unwrap_or_default()
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64;
        if out.items.is_empty() && size_hint > 0 && tail > 0 {
            // Room for the whole file, from the size of the rows of the first block.
            let rows: usize = results.iter().map(Vec::len).sum();
            let expected = (rows as f64 * size_hint as f64 / tail as f64 * 1.02) as usize;
            let expected = expected.min(crate::pipeline::MAX_RECORDS);
            out.ids.reserve(expected);
            out.items.reserve(expected);
            out.lines.reserve(expected);
        }
        for result in results.into_iter().flatten() {
            merge_row(&mut out, &mut seen, result, options)?;
        }
        buffer.drain(..tail);
        if !more {
            break;
        }
        want = if tail == 0 {
            buffer.len().max(block_bytes)
        } else {
            block_bytes.saturating_sub(buffer.len())
        };
    }
    Ok(out)
}

fn merge_row<T>(
    out: &mut Mapped<T>,
    seen: &mut SeenIds,
    result: RowResult<T>,
    options: &ReadOptions,
) -> Result<(), InputError> {
    out.report.rows += 1;
    match result {
        RowResult::Bad { line, reason } => skip_row(&mut out.report, options, line, reason),
        RowResult::Parsed {
            line,
            id,
            item,
            findings,
            windows_1252,
        } => {
            let index = out.items.len();
            if let Some(first) = seen.first_or_insert(&out.ids, &id, index) {
                let first = out.lines.get(first).copied().unwrap_or(0);
                let reason = format!("duplicate record_id (first seen at line {first})");
                return skip_row(&mut out.report, options, line, reason);
            }
            for finding in findings {
                *out.report
                    .finding_counts
                    .entry((finding.field, finding_label(&finding)))
                    .or_default() += 1;
                out.findings.push((index, finding));
            }
            out.report.rows_decoded_windows_1252 += u64::from(windows_1252);
            out.ids.push(id);
            out.items.push(item);
            out.lines.push(line);
            Ok(())
        }
    }
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
    report: &mut InputReport,
    options: &ReadOptions,
    line: u64,
    reason: String,
) -> Result<(), InputError> {
    if options.strict {
        return Err(InputError::BadRow { line, reason });
    }
    report.bad_rows.push(BadRow { line, reason });
    Ok(())
}

enum RowOutcome {
    Parsed {
        parsed: Box<vigie_core::record::Parsed>,
        windows_1252: bool,
    },
    Bad(String),
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

    /// The ids a sequential csv reader finds (valid, two fields, first occurrence) and its
    /// number of data records.
    fn sequential(bytes: &[u8]) -> (Vec<String>, u64) {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(true)
            .from_reader(bytes);
        let mut ids: Vec<String> = Vec::new();
        let mut rows = 0;
        let mut row = csv::ByteRecord::new();
        while reader.read_byte_record(&mut row).unwrap() {
            rows += 1;
            let id = std::str::from_utf8(row.get(0).unwrap_or_default()).unwrap();
            if row.len() == 2 && RecordId::new(id).is_ok() && !ids.iter().any(|i| i == id.trim()) {
                ids.push(id.trim().to_owned());
            }
        }
        (ids, rows)
    }

    fn pieces_read(bytes: &[u8], block: usize, piece: usize) -> Mapped<IdentityRecord> {
        let convert = |record: IdentityRecord| (record.record_id.clone(), record);
        read_in_pieces(bytes, &ReadOptions::default(), &convert, block, piece, 0).unwrap()
    }

    proptest::proptest! {
        /// Splitting at record ends, in blocks and pieces of any size, reads exactly the records
        /// and line numbers of one sequential csv reader (quoted fields with line feeds,
        /// doubled quotes, stray quotes, CR LF, blank lines).
        #[test]
        fn pieces_read_what_a_sequential_reader_reads(
            parts in proptest::collection::vec(
                proptest::sample::select(vec!["a", "b", "c", ",", "\"", "\n", "\r\n", " ", "\"\"", "abcdefghijklmnopqrstuvwxyz"]),
                0..200,
            ),
            block in 1usize..64,
            piece in 1usize..32,
        ) {
            let mut text = "record_id,birth_name\n".to_owned();
            for part in parts {
                text.push_str(part);
            }
            let bytes = text.as_bytes();
            let (ids, rows) = sequential(bytes);
            let whole = pieces_read(bytes, usize::MAX / 4, usize::MAX / 4);
            let split = pieces_read(bytes, block, piece);
            for read in [&whole, &split] {
                let found: Vec<&str> = read.ids.iter().map(RecordId::as_str).collect();
                proptest::prop_assert_eq!(&found, &ids);
                proptest::prop_assert_eq!(read.report.rows, rows);
                let mut lines: Vec<u64> = read.lines.clone();
                lines.extend(read.report.bad_rows.iter().map(|b| b.line));
                lines.sort_unstable();
                let newlines = text.matches('\n').count() as u64;
                proptest::prop_assert!(lines.windows(2).all(|w| w[0] < w[1]));
                proptest::prop_assert!(lines.iter().all(|&l| (2..=newlines + 1).contains(&l)));
            }
            proptest::prop_assert_eq!(&whole.ids, &split.ids);
            proptest::prop_assert_eq!(&whole.lines, &split.lines);
            proptest::prop_assert_eq!(&whole.report, &split.report);
        }
    }

    #[test]
    fn crlf_blank_lines_and_quoted_line_feeds_keep_line_numbers() {
        let csv = "\r\nrecord_id,birth_name\r\na,\"X\nY\"\r\n\r\nb,Z\r\nc,\"Q\"\"\r\n\"";
        for (block, piece) in [(1, 1), (3, 2), (1 << 20, 1 << 20)] {
            let input = pieces_read(csv.as_bytes(), block, piece);
            let ids: Vec<&str> = input.ids.iter().map(RecordId::as_str).collect();
            assert_eq!(ids, ["a", "b", "c"]);
            assert_eq!(input.lines, [3, 6, 7], "block {block} piece {piece}");
        }
    }

    #[test]
    fn a_bom_and_header_case_are_tolerated() {
        let csv = "\u{feff}Record_ID,Birth_Name\nr1,X\n";
        let input = read(csv.as_bytes(), &ReadOptions::default()).unwrap();
        assert_eq!(input.records.len(), 1);
        assert_eq!(input.records[0].birth_name.as_deref(), Some("X"));
    }
}
