//! Criterion benchmarks of vigie-core's text primitives on realistic French names:
//! normalisation (`rniv`, `name_key`, `first_names`), French phonetics (`phonex`, `soundex2`)
//! and comparators (Jaro–Winkler, Damerau–Levenshtein full and bounded, first-name lists).
//!
//! Each benchmark runs over a small fixed set of names so branch predictors do not learn a single
//! input; the figure is the time for the whole set divided by its size (criterion reports the
//! set, see `Throughput::Elements`).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use vigie_core::{compare, normalize, phonetics};

/// Raw family names as they arrive (case, accents, particles, typographic apostrophes).
const RAW_NAMES: &[&str] = &[
    "Dupont",
    "Le Goff-Le Bris",
    "d’Artagnan",
    "Lefèvre",
    "BARTHÉLÉMY",
    "de La Fontaine",
    "Rousseau",
    "Nguyễn",
    "Müller-Schmidt",
    "Cœurdevey",
    "Martin",
    "O'Neill",
];

/// Raw first-name fields.
const RAW_FIRST_NAMES: &[&str] = &[
    "Jean-Pierre Marie",
    "JEANNE MARIE CÉCILE",
    "Mathieu",
    "Anne-Sophie",
    "Marie Jeanne",
    "Noël",
];

/// Pairs of normalised family names: equal, typo, transposition, phonetic variant, different.
const NAME_PAIRS: &[(&str, &str)] = &[
    ("DUPONT", "DUPONT"),
    ("DUPONT", "DUPOMT"),
    ("LEFEBVRE", "LEFEVRE"),
    ("MARTIN", "MARITN"),
    ("ROUSSEAU", "ROUSSO"),
    ("BARTHELEMY", "BARTELEMY"),
    ("FONTAINE", "FONTENAY"),
    ("DUPONT", "DURAND"),
];

fn normalisation(c: &mut Criterion) {
    let mut group = c.benchmark_group("normalize");
    group.throughput(Throughput::Elements(RAW_NAMES.len() as u64));
    group.bench_function("rniv", |bench| {
        bench.iter(|| {
            for name in RAW_NAMES {
                black_box(normalize::rniv(black_box(name)));
            }
        })
    });
    group.bench_function("name_key", |bench| {
        bench.iter(|| {
            for name in RAW_NAMES {
                black_box(normalize::name_key(black_box(name)));
            }
        })
    });
    group.throughput(Throughput::Elements(RAW_FIRST_NAMES.len() as u64));
    group.bench_function("first_names", |bench| {
        bench.iter(|| {
            for names in RAW_FIRST_NAMES {
                black_box(normalize::first_names(black_box(names)));
            }
        })
    });
    group.finish();
}

fn phonetic_keys(c: &mut Criterion) {
    let normalised: Vec<String> = RAW_NAMES.iter().map(|name| normalize::rniv(name)).collect();
    let mut group = c.benchmark_group("phonetics");
    group.throughput(Throughput::Elements(normalised.len() as u64));
    group.bench_function("phonex", |bench| {
        bench.iter(|| {
            for name in &normalised {
                black_box(phonetics::phonex(black_box(name)));
            }
        })
    });
    group.bench_function("soundex2", |bench| {
        bench.iter(|| {
            for name in &normalised {
                black_box(phonetics::soundex2(black_box(name)));
            }
        })
    });
    group.bench_function("double_metaphone", |bench| {
        bench.iter(|| {
            for name in &normalised {
                black_box(phonetics::double_metaphone(black_box(name)));
            }
        })
    });
    group.finish();
}

fn comparators(c: &mut Criterion) {
    let mut group = c.benchmark_group("compare");
    group.throughput(Throughput::Elements(NAME_PAIRS.len() as u64));
    group.bench_function("jaro_winkler", |bench| {
        bench.iter(|| {
            for (a, b) in NAME_PAIRS {
                black_box(compare::jaro_winkler(black_box(a), black_box(b)));
            }
        })
    });
    group.bench_function("damerau_levenshtein", |bench| {
        bench.iter(|| {
            for (a, b) in NAME_PAIRS {
                black_box(compare::damerau_levenshtein(black_box(a), black_box(b)));
            }
        })
    });
    group.bench_function("damerau_levenshtein_bounded_2", |bench| {
        bench.iter(|| {
            for (a, b) in NAME_PAIRS {
                black_box(compare::damerau_levenshtein_bounded(
                    black_box(a),
                    black_box(b),
                    2,
                ));
            }
        })
    });
    group.bench_function("phonetic_equal", |bench| {
        bench.iter(|| {
            for (a, b) in NAME_PAIRS {
                black_box(compare::phonetic_equal(black_box(a), black_box(b)));
            }
        })
    });
    let first_name_pairs: Vec<(Vec<String>, Vec<String>)> = [
        ("Jeanne Marie Cécile", "Jeanne"),
        ("Jean-Pierre Paul", "Jean Pierre"),
        ("Marie Anne", "Anne Marie"),
        ("Mathieu", "Matthieu"),
        ("Jean", "Jeanne"),
        ("Paul", "Louis"),
    ]
    .iter()
    .map(|(a, b)| (normalize::first_names(a), normalize::first_names(b)))
    .collect();
    group.throughput(Throughput::Elements(first_name_pairs.len() as u64));
    group.bench_function("first_names", |bench| {
        bench.iter(|| {
            for (a, b) in &first_name_pairs {
                black_box(compare::first_names(black_box(a), black_box(b)));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, normalisation, phonetic_keys, comparators);
criterion_main!(benches);
