//! Vigie's synthetic French patient population: a deterministic generator (same seed, same
//! bytes) of identity records in Vigie's canonical CSV format, with the truth (`record_id,
//! person_id`) to score deduplication against.
//!
//! The population is made of households (couples, married women using their spouse's name,
//! children sharing address and phone, twins), with INSEE birthplace codes, NIRs with valid
//! keys, realistic surname and first-name frequencies by birth decade, and exact homonyms.
//! Each person is registered 1 to 6 times by establishments with their own habits (accents or
//! not, title case, first-name lists truncated, share of INS-qualified identities), and each
//! hand-keyed record carries the data-entry errors seen in French registration: typos on an
//! AZERTY keyboard, phonetic respellings, particles glued or dropped, the used name keyed as
//! birth name, day/month swaps, 01/01 placeholders, missing birthplaces, moves, stale phones.
//!
//! Records are generated person by person and written in chunks shuffled with a seeded RNG, so
//! ten million records stream to disk in bounded memory and the records of one person are
//! never adjacent.
//!
//! ```
//! let config = vigie_synth::GenerateConfig::new(100, 7);
//! let (records, truth) = vigie_synth::generate_table(&config);
//! assert!(records.starts_with("record_id,source,local_id,birth_name"));
//! assert_eq!(records.lines().count(), truth.lines().count());
//! ```

mod nir;
mod person;
mod record;
mod tables;
mod text;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub use nir::{nir_key, nir_key_is_valid};

/// The header row of `records.csv`.
pub const RECORDS_HEADER: &str = record::HEADER;
/// The header row of `truth.csv`.
pub const TRUTH_HEADER: &str = "record_id,person_id";
/// OID of the INS-NIR register, as written in `ins_oid`.
pub const INS_NIR_OID: &str = record::OID_NIR;
/// OID of the INS-NIA register, as written in `ins_oid`.
pub const INS_NIA_OID: &str = record::OID_NIA;

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerateConfig {
    /// Number of true persons (each gets 1 to 6 records, about 1.5 on average).
    pub persons: u64,
    /// Seed of the ChaCha8 random stream: the same seed gives byte-identical files.
    pub seed: u64,
    /// Multiplier of every data-entry error rate (1.0: the realistic default; 0.0: clean
    /// hand-keyed records; 2.0: twice as sloppy). Structural traits (twins, homonyms,
    /// missing values chosen by the establishments) are not scaled.
    pub error_scale: f64,
    /// Records buffered and shuffled together before writing (memory bound; the output
    /// depends on it).
    pub chunk_records: usize,
}

impl GenerateConfig {
    /// `persons` persons from `seed`, with the default error scale and chunk size.
    pub fn new(persons: u64, seed: u64) -> GenerateConfig {
        GenerateConfig {
            persons,
            seed,
            ..GenerateConfig::default()
        }
    }
}

impl Default for GenerateConfig {
    fn default() -> GenerateConfig {
        GenerateConfig {
            persons: 1000,
            seed: 42,
            error_scale: 1.0,
            chunk_records: 1 << 19,
        }
    }
}

/// Errors of the generator.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    /// Writing an output failed.
    #[error("cannot write the generated data: {0}")]
    Io(#[from] std::io::Error),
    /// The configuration cannot be used.
    #[error("invalid generator configuration: {0}")]
    InvalidConfig(&'static str),
}

macro_rules! error_kinds {
    ($($variant:ident => $name:literal, $doc:literal;)*) => {
        /// A kind of error (or event) injected into a record.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[non_exhaustive]
        pub enum ErrorKind {
            $(#[doc = $doc] $variant,)*
        }

        impl ErrorKind {
            /// Every kind, in a fixed order.
            pub const ALL: &'static [ErrorKind] = &[$(ErrorKind::$variant,)*];

            /// A stable snake_case name.
            pub fn name(self) -> &'static str {
                match self {
                    $(ErrorKind::$variant => $name,)*
                }
            }
        }
    };
}

error_kinds! {
    NameTypo => "name_typo", "A typing error in the birth or used name.";
    NamePhonetic => "name_phonetic", "The birth name respelled as it sounds (PH/F, -EAU/-O…).";
    NameFormat => "name_format", "A compound name or particle glued, split or dropped.";
    UsedNameAsBirthName => "used_name_as_birth_name", "A married woman's used name keyed as her birth name.";
    NameSwap => "name_swap", "Birth name and first name keyed in each other's field.";
    FirstNameTypo => "first_name_typo", "A typing error in the first name.";
    FirstNamePhonetic => "first_name_phonetic", "Another spelling of the first name (MATHIEU/MATTHIEU).";
    FirstNamesTruncated => "first_names_truncated", "Only the first of several birth first names recorded.";
    FirstNamesReordered => "first_names_reordered", "The first two birth first names swapped.";
    CompoundFirstNameSplit => "compound_first_name_split", "A hyphenated first name split, glued or cut.";
    UsedFirstNameAsFirstName => "used_first_name_as_first_name", "The usual first name recorded instead of the birth list.";
    DayMonthSwap => "day_month_swap", "Day and month of birth swapped.";
    DateDigitTypo => "date_digit_typo", "One digit of the birth date wrong.";
    DatePlaceholder => "date_placeholder", "Birth date recorded as 1 January of the year.";
    DateYearOnly => "date_year_only", "Only the birth year recorded.";
    DateMissing => "date_missing", "Birth date missing.";
    BirthPlaceMissing => "birth_place_missing", "Birthplace code missing on a hand-keyed record.";
    BirthPlaceWrong => "birth_place_wrong", "Birthplace keyed as a postcode, the residence or old Corsica code.";
    SexMissing => "sex_missing", "Sex missing or unknown (U).";
    SexWrong => "sex_wrong", "The wrong sex.";
    Moved => "moved", "The record carries the address after a move.";
    AddressMissing => "address_missing", "No street address.";
    AddressTypo => "address_typo", "A typing error in the address or postcode.";
    PhoneMissing => "phone_missing", "No phone number.";
    PhoneTypo => "phone_typo", "One digit of the phone number wrong.";
    InsWrongKey => "ins_wrong_key", "A hand-keyed INS whose key does not match.";
    Fictitious => "fictitious", "A fictitious identity (FICT): placeholder names.";
    Doubtful => "doubtful", "A doubtful identity (DOUT), keyed with more errors.";
}

/// How many times each [`ErrorKind`] was injected.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ErrorCounts {
    counts: Vec<u64>,
}

impl std::fmt::Debug for ErrorCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(self.iter().map(|(k, n)| (k.name(), n)))
            .finish()
    }
}

impl ErrorCounts {
    fn add(&mut self, kind: ErrorKind) {
        let i = kind as usize;
        if self.counts.len() <= i {
            self.counts.resize(ErrorKind::ALL.len(), 0);
        }
        if let Some(c) = self.counts.get_mut(i) {
            *c += 1;
        }
    }

    /// The count of one kind.
    pub fn get(&self, kind: ErrorKind) -> u64 {
        self.counts.get(kind as usize).copied().unwrap_or(0)
    }

    /// Every kind with its count, in [`ErrorKind::ALL`] order.
    pub fn iter(&self) -> impl Iterator<Item = (ErrorKind, u64)> + '_ {
        ErrorKind::ALL.iter().map(|&k| (k, self.get(k)))
    }
}

/// What was generated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GenerateSummary {
    /// True persons.
    pub persons: u64,
    /// Records written.
    pub records: u64,
    /// Households (persons sharing an address).
    pub households: u64,
    /// Pairs of twins (same birth name, date and place).
    pub twin_pairs: u64,
    /// Persons made as exact homonyms of an earlier person (same names and birth date).
    pub exact_homonyms: u64,
    /// Persons born abroad (birthplace 99xxx).
    pub born_abroad: u64,
    /// Women older than 25, and those with a used name.
    pub women_over_25: u64,
    /// Women older than 25 with a used name (nom d'usage).
    pub women_over_25_with_used_name: u64,
    /// Records with status QUAL.
    pub qualified_records: u64,
    /// Records carrying an INS matricule.
    pub records_with_ins: u64,
    /// Injected errors by kind.
    pub errors: ErrorCounts,
}

/// Generates the population, writing `records.csv` content to `records_out` and `truth.csv`
/// content to `truth_out`.
pub fn generate(
    config: &GenerateConfig,
    mut records_out: impl Write,
    mut truth_out: impl Write,
) -> Result<GenerateSummary, SynthError> {
    if !config.error_scale.is_finite() || config.error_scale < 0.0 {
        return Err(SynthError::InvalidConfig(
            "error_scale must be a finite number >= 0",
        ));
    }
    if config.chunk_records == 0 {
        return Err(SynthError::InvalidConfig(
            "chunk_records must be at least 1",
        ));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let mut shuffle_rng = ChaCha8Rng::seed_from_u64(config.seed ^ 0x5A5A_0F0F_1234_9876);
    let mut population = person::Population::new(config.seed);
    let mut maker = record::RecordMaker::new(config.error_scale);

    records_out.write_all(RECORDS_HEADER.as_bytes())?;
    records_out.write_all(b"\n")?;
    truth_out.write_all(TRUTH_HEADER.as_bytes())?;
    truth_out.write_all(b"\n")?;

    let mut persons_done = 0u64;
    let mut next_record_id = 1u64;
    let mut household = Vec::new();
    let mut lines: Vec<String> = Vec::with_capacity(config.chunk_records.min(1 << 20) + 8);
    let mut owners: Vec<u64> = Vec::with_capacity(lines.capacity());
    while persons_done < config.persons {
        population.next_household(&mut rng, config.persons - persons_done, &mut household);
        for p in &household {
            let before = lines.len();
            maker.records(&mut rng, p, &mut lines);
            owners.resize(owners.len() + (lines.len() - before), p.id);
        }
        persons_done += household.len() as u64;
        if lines.len() >= config.chunk_records || persons_done >= config.persons {
            write_chunk(
                &mut shuffle_rng,
                &lines,
                &owners,
                &mut next_record_id,
                &mut records_out,
                &mut truth_out,
            )?;
            lines.clear();
            owners.clear();
        }
    }
    records_out.flush()?;
    truth_out.flush()?;
    let stats = population.stats;
    Ok(GenerateSummary {
        persons: persons_done,
        records: next_record_id - 1,
        households: stats.households,
        twin_pairs: stats.twin_pairs,
        exact_homonyms: stats.exact_homonyms,
        born_abroad: stats.born_abroad,
        women_over_25: stats.women_over_25,
        women_over_25_with_used_name: stats.women_over_25_with_used_name,
        qualified_records: maker.qualified,
        records_with_ins: maker.with_ins,
        errors: maker.counts,
    })
}

/// Shuffles one chunk, separates records of the same person that landed side by side, and
/// writes it with consecutive record ids.
fn write_chunk(
    rng: &mut ChaCha8Rng,
    lines: &[String],
    owners: &[u64],
    next_record_id: &mut u64,
    records_out: &mut impl Write,
    truth_out: &mut impl Write,
) -> Result<(), SynthError> {
    use rand::seq::SliceRandom;
    let n = lines.len();
    let mut order: Vec<u32> = (0..n as u32).collect();
    order.shuffle(rng);
    let owner = |order: &[u32], i: usize| owners[order[i] as usize];
    let clash =
        |order: &[u32], i: usize| i + 1 < order.len() && owner(order, i) == owner(order, i + 1);
    for i in 0..n.saturating_sub(1) {
        if !clash(&order, i) {
            continue;
        }
        for _ in 0..64 {
            let j = rng.random_range(0..n);
            if j == i || j == i + 1 {
                continue;
            }
            order.swap(i + 1, j);
            let bad = clash(&order, i)
                || clash(&order, i + 1)
                || (j > 0 && clash(&order, j - 1))
                || clash(&order, j);
            if !bad {
                break;
            }
            order.swap(i + 1, j);
        }
    }
    let mut rec_buf: Vec<u8> = Vec::with_capacity(1 << 20);
    let mut truth_buf: Vec<u8> = Vec::with_capacity(1 << 18);
    for &k in &order {
        let id = *next_record_id;
        *next_record_id += 1;
        write!(rec_buf, "R{id:09}")?;
        rec_buf.extend_from_slice(lines[k as usize].as_bytes());
        rec_buf.push(b'\n');
        writeln!(truth_buf, "R{id:09},P{:09}", owners[k as usize])?;
        if rec_buf.len() >= 1 << 20 {
            records_out.write_all(&rec_buf)?;
            rec_buf.clear();
            truth_out.write_all(&truth_buf)?;
            truth_buf.clear();
        }
    }
    records_out.write_all(&rec_buf)?;
    truth_out.write_all(&truth_buf)?;
    Ok(())
}

/// Generates into `dir` (created if needed): `records.csv` and `truth.csv`.
pub fn generate_to_dir(config: &GenerateConfig, dir: &Path) -> Result<GenerateSummary, SynthError> {
    std::fs::create_dir_all(dir)?;
    let records = BufWriter::with_capacity(1 << 20, File::create(dir.join("records.csv"))?);
    let truth = BufWriter::with_capacity(1 << 18, File::create(dir.join("truth.csv"))?);
    generate(config, records, truth)
}

/// Generates in memory: `(records_csv, truth_csv)`. For tests and small populations; an
/// invalid configuration gives two empty strings.
pub fn generate_table(config: &GenerateConfig) -> (String, String) {
    let mut records = Vec::new();
    let mut truth = Vec::new();
    match generate(config, &mut records, &mut truth) {
        Ok(_) => (
            String::from_utf8_lossy(&records).into_owned(),
            String::from_utf8_lossy(&truth).into_owned(),
        ),
        Err(_) => (String::new(), String::new()),
    }
}
