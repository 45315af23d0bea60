//! Entry points of the fuzz targets (`fuzz/`), also replayed over the seed corpus by ordinary
//! tests. Each takes arbitrary bytes and asserts what must hold for any input: no panic, DTO
//! round trips that lose nothing, and a domain record that survives Patient → domain → Patient →
//! domain unchanged.

use crate::from_domain::{PatientExtras, patient_from_record};
use crate::matching::parse_match_request;
use crate::patient::Patient;
use crate::resource::Resource;
use crate::to_domain::{ConvertOptions, patient_to_domain};

/// JSON bytes → Patient → domain (and back). Inputs starting with `T` allow the INS test OIDs,
/// with `R` reject invalid INS; the JSON starts at the first `{`.
pub fn patient(data: &[u8]) {
    let start = data.iter().position(|b| *b == b'{').unwrap_or(data.len());
    let options = ConvertOptions {
        allow_test_oids: data.first() == Some(&b'T'),
        reject_invalid_ins: data.first() == Some(&b'R'),
        ..ConvertOptions::default()
    };
    let json = data.get(start..).unwrap_or_default();
    let _ = parse_match_request(json);
    if let Ok(resource) = serde_json::from_slice::<Resource>(json) {
        let text = serde_json::to_vec(&resource).unwrap_or_default();
        let again: Result<Resource, _> = serde_json::from_slice(&text);
        assert_eq!(again.ok().as_ref(), Some(&resource), "resources round-trip");
    }
    let Ok(patient) = serde_json::from_slice::<Patient>(json) else {
        return;
    };
    let text = serde_json::to_vec(&patient).unwrap_or_default();
    let again: Result<Patient, _> = serde_json::from_slice(&text);
    assert_eq!(again.ok().as_ref(), Some(&patient), "patients round-trip");
    let Ok(input) = patient_to_domain(&patient, &options) else {
        return;
    };
    let extras = PatientExtras {
        id: Some(input.record.record_id.as_str().to_owned()),
        identifiers: input.identifiers.clone(),
        active: input.active,
        links: input.links.clone(),
        management_codes: input.management_codes.clone(),
    };
    let rebuilt = patient_from_record(&input.record, &extras);
    let reread = patient_to_domain(&rebuilt, &options);
    assert_eq!(
        reread.as_ref().map(|r| &r.record).ok(),
        Some(&input.record),
        "a record survives Patient and back"
    );
}
