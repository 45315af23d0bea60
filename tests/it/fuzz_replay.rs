//! Replays the fuzz seed corpus and the promoted crashers (`data/fuzz-regressions/`) through the
//! same entry points the fuzz targets call, so every parser property is checked on stable.

use std::path::{Path, PathBuf};

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .collect()
        })
        .unwrap_or_default();
    files.retain(|path| path.is_file());
    files.sort();
    files
}

fn replay(target: &str, run: fn(&[u8])) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = files_under(&root.join("fuzz/corpus").join(target));
    assert!(!files.is_empty(), "the {target} corpus has seeds");
    files.extend(files_under(
        &root.join("data/fuzz-regressions").join(target),
    ));
    for file in files {
        let data = std::fs::read(&file).unwrap_or_default();
        run(&data);
    }
}

#[test]
fn record_corpus_replays() {
    replay("record", vigie_core::fuzz::record);
}

#[test]
fn names_corpus_replays() {
    replay("names", vigie_core::fuzz::names);
}

#[test]
fn identifiers_corpus_replays() {
    replay("identifiers", vigie_core::fuzz::identifiers);
}

#[test]
fn hl7_message_corpus_replays() {
    replay("hl7_message", vigie_hl7::fuzz::hl7_message);
}

#[test]
fn mllp_decoder_corpus_replays() {
    replay("mllp_decoder", vigie_hl7::fuzz::mllp_decoder);
}

#[test]
fn qpd_params_corpus_replays() {
    replay("qpd_params", vigie_hl7::fuzz::qpd_params);
}

#[test]
fn fhir_patient_corpus_replays() {
    replay("fhir_patient", vigie_fhir::fuzz::patient);
}
