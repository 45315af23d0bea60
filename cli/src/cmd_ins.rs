//! `vigie ins …`: INS tools. `vigie ins check VALUE` validates a matricule (format, key, register
//! OID) and, when traits are given, checks it against them.
//!
//! Exit codes: 0 valid (and consistent with the traits given); 1 invalid, or valid but
//! inconsistent with the traits; 2 usage error (reported by `main`).

use anyhow::Context;
use clap::{Args, Subcommand};
use std::io::Write as _;
use vigie_core::birthplace::BirthPlaceCode;
use vigie_core::date::PartialDate;
use vigie_core::ins::{Ins, InsFinding, check_consistency};
use vigie_core::sex::Sex;

/// Subcommands of `vigie ins`.
#[derive(Debug, Subcommand)]
pub enum InsCommand {
    /// Check an INS matricule: format, key, register OID, and consistency with the traits.
    Check(InsCheckArgs),
}

/// Arguments of `vigie ins check`.
#[derive(Debug, Args)]
pub struct InsCheckArgs {
    /// The matricule: 15 characters (13 + 2-digit key), spaces ignored.
    pub value: String,
    /// Register OID: 1.2.250.1.213.1.4.8 (NIR, default), .9 (NIA), .10 / .11 (test / demo).
    #[arg(long)]
    pub oid: Option<String>,
    /// Accept the test and demonstration OIDs (.10, .11).
    #[arg(long)]
    pub allow_test_oids: bool,
    /// Declared sex (M, F, U, H, 1, 2, …) to check against the sex digit.
    #[arg(long)]
    pub sex: Option<String>,
    /// Declared birth date (YYYY-MM-DD, DD/MM/YYYY, YYYYMMDD, YYYY, YYYY-MM…).
    #[arg(long)]
    pub birth_date: Option<String>,
    /// Declared INSEE birthplace code (COG: 75056, 2A004, 97411, 99xxx).
    #[arg(long)]
    pub birth_place: Option<String>,
}

/// Runs `vigie ins check`; returns the exit code.
pub fn run(args: &InsCheckArgs) -> anyhow::Result<i32> {
    let sex = match &args.sex {
        Some(s) => s.parse::<Sex>().context("--sex")?,
        None => Sex::Unknown,
    };
    let birth_date = args
        .birth_date
        .as_deref()
        .map(PartialDate::parse)
        .transpose()
        .context("--birth-date")?;
    let birth_place = args
        .birth_place
        .as_deref()
        .map(BirthPlaceCode::try_parse)
        .transpose()
        .context("--birth-place")?;

    let ins = match Ins::parse(&args.value, args.oid.as_deref(), args.allow_test_oids) {
        Ok(ins) => ins,
        Err(e) => {
            writeln!(std::io::stdout(), "invalid: {e}")?;
            return Ok(1);
        }
    };
    let parts = ins.matricule_parts();
    writeln!(
        std::io::stdout(),
        "valid: {} {} ({}, OID {})",
        ins.kind(),
        parts.formatted(),
        ins.oid(),
        ins.oid().as_str()
    )?;
    let month = match parts.birth_month() {
        Some(m) => format!("{m:02}"),
        None => format!("unknown (code {:02})", parts.birth_month_code()),
    };
    writeln!(
        std::io::stdout(),
        "  sex digit {}, birth year {:02}, birth month {}, birthplace {} (département {})",
        parts.sex_digit(),
        parts.birth_year(),
        month,
        parts.birth_place(),
        parts.department()
    )?;

    let mut inconsistent = false;
    for finding in check_consistency(&ins, sex, birth_date.as_ref(), birth_place.as_ref()) {
        match finding {
            InsFinding::NiaKeyUnverified { .. } => {
                writeln!(std::io::stdout(), "warning: {finding}")?
            }
            _ => {
                inconsistent = true;
                writeln!(std::io::stdout(), "inconsistent: {}", describe(&finding))?;
            }
        }
    }
    Ok(if inconsistent { 1 } else { 0 })
}

/// A finding with the values, for the user who asked for them.
fn describe(finding: &InsFinding) -> String {
    match finding {
        InsFinding::SexMismatch { ins, declared } => {
            format!("{finding} (INS {ins}, declared {declared})")
        }
        InsFinding::UnexpectedSexDigit { digit } => format!("{finding} (digit {digit})"),
        InsFinding::BirthYearMismatch { ins, declared } => {
            format!("{finding} (INS {ins:02}, declared {declared:02})")
        }
        InsFinding::BirthMonthMismatch { ins, declared } => {
            format!("{finding} (INS {ins:02}, declared {declared:02})")
        }
        InsFinding::UnexpectedMonthCode { code } => format!("{finding} (code {code:02})"),
        InsFinding::BirthPlaceMismatch { ins, declared } => {
            format!("{finding} (INS {ins}, declared {declared})")
        }
        InsFinding::NiaKeyUnverified { expected, found } => {
            format!("{finding} (key {found:02}, NIR rule gives {expected:02})")
        }
    }
}
