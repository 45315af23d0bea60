//! Test helper for the crash-safety test: registers synthetic identities into the data
//! directory given as first argument (fsync on), starting at the number given as second
//! argument; after each registration it records a query access (deferred sync, as the server
//! does by default; actor address `child-<domain>-<local id>`) and prints
//! `ack <domain> <local id>` on stdout once both returned. The parent kills it with SIGKILL
//! at a random moment.

use std::io::Write;

use vigie_core::record::{Field, ParseOptions, RawRecord, parse_record};
use vigie_engine::{AccessRecord, AccessSync, Actor, Engine, EngineConfig};

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(start)) = (args.next(), args.next()) else {
        eprintln!("usage: vigie-feed-child <data dir> <start>");
        std::process::exit(2);
    };
    let start: u64 = start.parse().unwrap_or(0);
    let engine = match Engine::open(EngineConfig::new(dir)) {
        Ok(engine) => engine,
        Err(e) => {
            eprintln!("open failed: {e}");
            std::process::exit(1);
        }
    };
    engine.set_access_sync(AccessSync::Deferred);
    let actor = Actor {
        who: "feed".into(),
        from: "child".into(),
        channel: "mllp".into(),
    };
    let names = [
        "MARTIN", "BERNARD", "DUBOIS", "THOMAS", "ROBERT", "PETIT", "DURAND",
    ];
    let firsts = ["JEAN", "MARIE", "PAUL", "LUCIE", "ALAIN"];
    let stdout = std::io::stdout();
    for n in start.. {
        // Every fifth identity repeats an earlier person in another domain (a link).
        let person = if n % 5 == 4 { n - 2 } else { n };
        let domain = if n % 5 == 4 { "H2" } else { "H1" };
        let local = n.to_string();
        let date = format!(
            "{}-{:02}-{:02}",
            1930 + person % 80,
            1 + person % 12,
            1 + person % 28
        );
        let name = format!("{}{}", names[(person % 7) as usize], person / 7);
        let raw = RawRecord::new()
            .with(Field::RecordId, &local)
            .with(Field::Source, domain)
            .with(Field::LocalId, &local)
            .with(Field::BirthName, &name)
            .with(Field::FirstNames, firsts[(person % 5) as usize])
            .with(
                Field::Sex,
                if person % 5 == 1 || person % 5 == 3 {
                    "F"
                } else {
                    "M"
                },
            )
            .with(Field::BirthDate, &date);
        let Ok(parsed) = parse_record(&raw, ParseOptions::default()) else {
            continue;
        };
        let access = AccessRecord {
            actor: Actor {
                who: "query".into(),
                from: format!("child-{domain}-{local}"),
                channel: "mllp".into(),
            },
            action: "pdq-query".into(),
            outcome: "ok".into(),
            patients: Vec::new(),
        };
        match engine
            .register(parsed.record, &actor)
            .and_then(|_| engine.record_access(access))
        {
            Ok(()) => {
                let mut out = stdout.lock();
                let _ = writeln!(out, "ack {domain} {local}");
                let _ = out.flush();
            }
            Err(e) => {
                eprintln!("register or access record failed: {e}");
                std::process::exit(1);
            }
        }
    }
}
