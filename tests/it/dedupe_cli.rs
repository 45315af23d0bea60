//! `vigie dedupe` and `vigie train` end to end on a file too small to train on: both fall back to
//! the default model, say so on stderr and in the training report, and still link an obvious
//! duplicate.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use crate::ins_cli::vigie;

const TINY: &str = "\
record_id,birth_name,first_names,sex,birth_date,birth_place_code,postcode,city,phone
A1,TEISSIER,ANTHONY GERARD,M,1974-01-25,59505,95780,LA ROCHE GUYON,0680547600
A2,TEISSIER,ANTHONY,M,1974-01-25,59505,95780,LA ROCHE GUYON,0680547600
B1,DOMINGIER,JOSIANE,F,1962-03-07,26193,26350,SAINT-CHRISTOPHE,
C1,DURAN,FARAH MARIE,F,1951-08-03,76392,13003,MARSEILLE,0659794816
D1,LEWALLET,MAGALIE ELISE,F,1974-04-01,80416,71290,CUISERY,
E1,GODIN,CHRISTIAN,M,1949-09-08,,56320,MESLAN,0227365690
F1,DELVAL,LOLA,F,2015-02-11,67140,,,0645851071
G1,ROSSI,SERAPHINE,F,1948-04-08,93031,93200,SAINT-DENIS,0653745126
";

fn model_fallback(path: &std::path::Path) -> Option<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    json["training"]["fallback"].as_str().map(str::to_owned)
}

#[test]
fn tiny_files_use_the_default_model() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("tiny.csv");
    std::fs::write(&input, TINY).unwrap();
    let clusters = dir.path().join("clusters.csv");
    let model = dir.path().join("model.json");
    let path = |p: &std::path::Path| p.to_str().unwrap().to_owned();

    let (code, _, err) = vigie(&[
        "dedupe",
        "--quiet",
        "--input",
        &path(&input),
        "--output",
        &path(&clusters),
        "--model-out",
        &path(&model),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("using the default model"), "{err}");
    let reason = model_fallback(&model).expect("the report says why");
    assert!(reason.contains("8 records"), "{reason}");
    let rows: Vec<String> = std::fs::read_to_string(&clusters)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(rows.len(), 9);
    assert!(rows.contains(&"A2,A1".to_owned()), "{rows:?}");
    assert!(rows.contains(&"B1,B1".to_owned()), "{rows:?}");

    let trained = dir.path().join("trained.json");
    let (code, _, err) = vigie(&[
        "train",
        "--quiet",
        "--input",
        &path(&input),
        "--model-out",
        &path(&trained),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("using the default model"), "{err}");
    assert_eq!(model_fallback(&trained), Some(reason));
}
