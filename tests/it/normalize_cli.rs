//! `vigie normalize` end to end: a canonical CSV with messy spellings in, RNIV-normalised
//! traits and phonetic keys out, bad rows reported by line number on stderr.

use crate::ins_cli::vigie;

#[test]
fn normalize_writes_rniv_traits_and_keys() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let input = dir.path().join("in.csv");
    let output = dir.path().join("out.csv");
    std::fs::write(
        &input,
        "record_id,birth_name,first_names,sex,birth_date,ins\n\
         r1,  de la Fontaine ,Jean-Pierre Hélène,H,15/07/1953,253072B07300470\n\
         r2,Œuvray,Zoé,F,1980\n\
         r3,Martin,Paul,M,31/02/1980,123456789012244\n",
    )
    .unwrap_or_else(|e| panic!("write: {e}"));
    let (code, _, stderr) = vigie(&[
        "normalize",
        "--input",
        input.to_str().unwrap_or_default(),
        "--output",
        output.to_str().unwrap_or_default(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("skipped line 3"),
        "the short row is reported by line: {stderr}"
    );
    let text = std::fs::read_to_string(&output).unwrap_or_default();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().cloned().unwrap_or_default();
    let column = |name: &str| header.iter().position(|h| h == name).unwrap_or(usize::MAX);
    let rows: Vec<csv::StringRecord> = reader.records().filter_map(Result::ok).collect();
    assert_eq!(rows.len(), 2, "r2 has too few fields and is skipped");
    let r1 = &rows[0];
    assert_eq!(&r1[column("birth_name")], "DE LA FONTAINE");
    assert_eq!(&r1[column("birth_name_key")], "FONTAINE");
    assert_eq!(&r1[column("first_names")], "JEAN-PIERRE HELENE");
    assert_eq!(&r1[column("first_name_key")], "JEAN PIERRE");
    assert_eq!(&r1[column("sex")], "M");
    assert_eq!(&r1[column("birth_date")], "1953-07-15");
    assert!(!r1[column("birth_name_phonex")].is_empty());
    assert_eq!(
        &r1[column("findings")],
        "1",
        "the NIR says female, the row says male"
    );
    let r3 = &rows[1];
    assert_eq!(
        &r3[column("birth_date")],
        "",
        "an impossible date is kept as unknown"
    );
    assert_eq!(
        &r3[column("ins")],
        "",
        "an INS with a bad key is kept as unknown"
    );
    assert_eq!(&r3[column("findings")], "2");
}
