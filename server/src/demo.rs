//! The demo population: `vigie-synth`'s generator with a fixed seed, read by the batch CSV
//! reader into identity records, for a store that is empty when `demo_when_empty` is set.

use vigie_core::record::IdentityRecord;
use vigie_synth::GenerateConfig;

use crate::config::DomainConfig;

/// Seed of the demo population (same seed, same persons).
pub const DEMO_SEED: u64 = 20_240_601;

/// Why the demo population cannot be built.
#[derive(Debug, thiserror::Error)]
#[error("demo population: {0}")]
pub struct DemoError(String);

/// The records of `persons` generated persons.
///
/// # Errors
/// [`DemoError`] when the generated CSV cannot be read back (a bug).
pub fn demo_records(persons: u64) -> Result<Vec<IdentityRecord>, DemoError> {
    let (records, _truth) = vigie_synth::generate_table(&GenerateConfig::new(persons, DEMO_SEED));
    let input = vigie_batch::input::read_records(
        records.as_bytes(),
        &vigie_batch::input::ReadOptions::default(),
    )
    .map_err(|e| DemoError(e.to_string()))?;
    Ok(input.records)
}

/// The domains (record sources) of the demo records, in order of first appearance. Each is
/// named by its id (FHIR system, HL7 namespace).
pub fn demo_domains(records: &[IdentityRecord]) -> Vec<DomainConfig> {
    let mut ids: Vec<String> = Vec::new();
    for record in records {
        if let Some(source) = &record.source
            && !ids.iter().any(|id| id == source.as_str())
        {
            ids.push(source.as_str().to_owned());
        }
    }
    ids.into_iter()
        .map(|id| DomainConfig {
            namespace: Some(id.clone()),
            id,
            oid: None,
            system: None,
        })
        .collect()
}
