//! Shared helpers of the engine's integration tests: record builders, engines in temporary
//! directories, full dumps of the state.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use vigie_core::ids::{DomainId, LocalId};
use vigie_core::record::{Field, IdentityRecord, ParseOptions, RawRecord, parse_record};
use vigie_engine::{Actor, Engine, EngineConfig, SourceKey, SyncPolicy};

pub const SURNAMES: &[&str] = &[
    "MARTIN", "BERNARD", "DUBOIS", "THOMAS", "ROBERT", "RICHARD", "PETIT", "DURAND", "LEROY",
    "MOREAU", "SIMON", "LAURENT", "LEFEBVRE", "MICHEL", "GARCIA", "DAVID", "BERTRAND", "ROUX",
    "VINCENT", "FOURNIER", "MOREL", "GIRARD", "ANDRE", "LEFEVRE", "MERCIER", "DUPONT",
];
pub const FIRST: &[&str] = &[
    "JEAN",
    "MARIE",
    "PIERRE",
    "NATHALIE",
    "MICHEL",
    "ISABELLE",
    "PHILIPPE",
    "SYLVIE",
    "ALAIN",
    "CATHERINE",
    "NICOLAS",
    "CHRISTINE",
    "ERIC",
    "SANDRINE",
    "LAURENT",
    "VALERIE",
];

pub fn key(d: &str, l: &str) -> SourceKey {
    SourceKey {
        domain: DomainId::new(d).unwrap(),
        local_id: LocalId::new(l).unwrap(),
    }
}

pub fn actor() -> Actor {
    Actor {
        who: "test".into(),
        from: "cli".into(),
        channel: "cli".into(),
    }
}

/// A record from column values.
pub fn rec(fields: &[(Field, &str)]) -> IdentityRecord {
    let mut raw = RawRecord::new();
    for (f, v) in fields {
        raw.set(*f, v);
    }
    parse_record(
        &raw,
        ParseOptions {
            allow_test_oids: true,
        },
    )
    .unwrap()
    .record
}

/// Person number `n` (distinct names and dates for distinct `n`), registered as `domain|local`.
pub fn person(n: usize, domain: &str, local: &str) -> IdentityRecord {
    let surname = format!(
        "{}{}",
        SURNAMES[n % SURNAMES.len()],
        ["", "AU", "IN", "ET", "OT", "AS"][(n / SURNAMES.len()) % 6]
    );
    let first = FIRST[(n * 7) % FIRST.len()];
    let sex = if FIRST.iter().position(|f| *f == first).unwrap() % 2 == 0 {
        "M"
    } else {
        "F"
    };
    let date = format!(
        "{}-{:02}-{:02}",
        1930 + (n * 13) % 80,
        1 + (n * 5) % 12,
        1 + (n * 11) % 28
    );
    let place = format!("{:02}{:03}", 1 + (n * 3) % 89, 10 + (n * 17) % 900);
    rec(&[
        (Field::RecordId, &format!("{domain}-{local}")),
        (Field::Source, domain),
        (Field::LocalId, local),
        (Field::BirthName, &surname),
        (Field::FirstNames, first),
        (Field::Sex, sex),
        (Field::BirthDate, &date),
        (Field::BirthPlaceCode, &place),
    ])
}

pub fn open(dir: &Path) -> Engine {
    let mut config = EngineConfig::new(dir);
    config.sync = SyncPolicy::Never;
    Engine::open(config).unwrap()
}

/// Every source (key, enterprise, record) and every active enterprise (id, members, golden).
pub fn dump(engine: &Engine) -> String {
    let mut out = String::new();
    engine
        .store()
        .for_each_source(&mut |k, r| {
            out.push_str(&format!("S {k:?} {r:?}\n"));
            Ok(true)
        })
        .unwrap();
    engine
        .store()
        .for_each_enterprise(&mut |id, r| {
            out.push_str(&format!("E {id} {r:?}\n"));
            Ok(true)
        })
        .unwrap();
    out
}
