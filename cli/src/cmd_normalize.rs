//! `vigie normalize`: reads a canonical identity CSV and writes, per row, the RNIV-normalised
//! strict traits and the matching keys (name keys and phonetic codes), plus a findings count.

use std::path::PathBuf;

use anyhow::Context;
use vigie_core::{normalize, phonetics};

use crate::input_args::InputArgs;

/// Arguments of `vigie normalize`.
#[derive(Debug, clap::Args)]
pub struct NormalizeArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Output CSV.
    #[arg(long, short)]
    output: PathBuf,
}

const HEADER: &[&str] = &[
    "record_id",
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
    "identity_status",
    "birth_name_key",
    "used_name_key",
    "birth_name_phonex",
    "birth_name_soundex2",
    "birth_name_metaphone",
    "first_name_key",
    "first_name_phonex",
    "first_name_soundex2",
    "phone",
    "findings",
];

/// Runs the command; returns the exit code.
pub fn run(args: &NormalizeArgs) -> anyhow::Result<i32> {
    let input = args.input.read()?;
    let mut findings_per_record = vec![0_u32; input.records.len()];
    for (index, _) in &input.findings {
        if let Some(count) = findings_per_record.get_mut(*index) {
            *count += 1;
        }
    }
    let mut writer = csv::Writer::from_path(&args.output)
        .with_context(|| format!("cannot create {}", args.output.display()))?;
    writer.write_record(HEADER)?;
    for (record, findings) in input.records.iter().zip(&findings_per_record) {
        let text =
            |value: &Option<String>| value.as_deref().map(normalize::rniv).unwrap_or_default();
        let birth_name = record.birth_name.as_deref().unwrap_or("");
        let first_names = record
            .first_names
            .as_deref()
            .map(normalize::first_names)
            .unwrap_or_default();
        let first = first_names.first().map(String::as_str).unwrap_or("");
        let sex = match record.sex {
            vigie_core::sex::Sex::Male => "M",
            vigie_core::sex::Sex::Female => "F",
            vigie_core::sex::Sex::Unknown => "U",
        };
        let row: Vec<String> = vec![
            record.record_id.to_string(),
            record
                .source
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            record
                .local_id
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            text(&record.birth_name),
            text(&record.used_name),
            text(&record.first_names),
            text(&record.used_first_name),
            sex.to_owned(),
            record
                .birth_date
                .map(|date| date.to_string())
                .unwrap_or_default(),
            record
                .birth_place
                .as_ref()
                .map(|code| code.as_str().to_owned())
                .unwrap_or_default(),
            record
                .ins
                .as_ref()
                .map(|ins| ins.matricule().to_owned())
                .unwrap_or_default(),
            record.state.status().code().to_owned(),
            normalize::name_key(birth_name),
            record
                .used_name
                .as_deref()
                .map(normalize::name_key)
                .unwrap_or_default(),
            phonetics::phonex(birth_name),
            phonetics::soundex2(birth_name),
            phonetics::double_metaphone(birth_name).0,
            first.to_owned(),
            phonetics::phonex(first),
            phonetics::soundex2(first),
            record.phone.clone().unwrap_or_default(),
            findings.to_string(),
        ];
        writer.write_record(&row)?;
    }
    writer.flush()?;
    eprintln!(
        "normalised {} records ({} rows read, {} skipped, {} findings) into {}",
        input.records.len(),
        input.report.rows,
        input.report.bad_rows.len(),
        input.findings.len(),
        args.output.display()
    );
    crate::input_args::print_report(&input.report);
    Ok(0)
}
