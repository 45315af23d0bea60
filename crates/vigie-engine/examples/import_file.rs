//! Imports a canonical `records.csv` into a new data directory and reports the time taken and
//! the counts: `cargo run --release -p vigie-engine --example import_file -- records.csv DIR`.
//! An optional third argument is a model file (the default model otherwise).

use std::time::Instant;

use vigie_batch::input::{ReadOptions, read_path};
use vigie_engine::{Actor, Engine, EngineConfig, SyncPolicy};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(input), Some(dir)) = (args.first(), args.get(1)) else {
        eprintln!("usage: import_file <records.csv> <data dir> [model.json]");
        std::process::exit(2);
    };
    let started = Instant::now();
    let records = match read_path(std::path::Path::new(input), &ReadOptions::default()) {
        Ok(input) => input.records,
        Err(e) => {
            eprintln!("cannot read the input: {e}");
            std::process::exit(1);
        }
    };
    let read = started.elapsed().as_secs_f64();
    let mut config = EngineConfig::new(dir);
    config.sync = SyncPolicy::Always;
    if let Some(path) = args.get(2) {
        match vigie_batch::model_file::load(std::path::Path::new(path)) {
            Ok((model, _)) => config.model = Some(model),
            Err(e) => {
                eprintln!("cannot load the model: {e}");
                std::process::exit(1);
            }
        }
    }
    let engine = match Engine::open(config) {
        Ok(engine) => engine,
        Err(e) => {
            eprintln!("cannot open the engine: {e}");
            std::process::exit(1);
        }
    };
    let n = records.len();
    let actor = Actor {
        who: "import".into(),
        from: "cli".into(),
        channel: "cli".into(),
    };
    let t = Instant::now();
    match engine.import(records, &actor) {
        Ok(stats) => println!(
            "read {n} records in {read:.1} s; imported in {:.1} s: {} sources, {} enterprises, {} open reviews",
            t.elapsed().as_secs_f64(),
            stats.sources,
            stats.enterprises,
            stats.open_reviews
        ),
        Err(e) => {
            eprintln!("import failed: {e}");
            std::process::exit(1);
        }
    }
}
