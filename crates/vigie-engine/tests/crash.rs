//! Crash safety: a child process registers identities (fsync on), records a query access after
//! each (deferred sync) and prints each acknowledged key; the parent SIGKILLs it at varying
//! moments, reopens the engine and checks that every acknowledged key and its access record
//! are there, and that the store, its links, its counters, its audit chain and its index agree
//! (no half-applied mutation).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::*;

#[test]
fn acknowledged_registrations_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let mut acked = Vec::new();
    let mut next = 0u64;
    for round in 0..10u64 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_vigie-feed-child"))
            .arg(dir.path())
            .arg(next.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        // Kill after a varying number of acknowledgements (round 0: right after open).
        let wanted = (round * 7) % 23;
        let mut got = 0;
        while got < wanted {
            let Some(Ok(line)) = lines.next() else { break };
            let mut parts = line.split(' ').skip(1);
            let (d, l) = (
                parts.next().unwrap().to_owned(),
                parts.next().unwrap().to_owned(),
            );
            next = next.max(l.parse::<u64>().unwrap() + 1);
            acked.push(key(&d, &l));
            got += 1;
        }
        child.kill().unwrap();
        // Acknowledgements written before the kill are still in the pipe.
        for line in lines.map_while(Result::ok) {
            let mut parts = line.split(' ').skip(1);
            let (d, l) = (
                parts.next().unwrap().to_owned(),
                parts.next().unwrap().to_owned(),
            );
            next = next.max(l.parse::<u64>().unwrap() + 1);
            acked.push(key(&d, &l));
        }
        child.wait().unwrap();
        // Unacknowledged registrations may have landed: skip past them.
        next += 1;
        let engine = open(dir.path());
        for k in &acked {
            assert!(
                engine.source(k).unwrap().is_some(),
                "round {round}: acknowledged {k:?} lost"
            );
        }
        let accesses: std::collections::HashSet<String> = engine
            .audit_records(0, 1_000_000)
            .unwrap()
            .into_iter()
            .filter(|r| r.action == "pdq-query")
            .map(|r| r.actor.from)
            .collect();
        for k in &acked {
            let from = format!("child-{}-{}", k.domain.as_str(), k.local_id.as_str());
            assert!(
                accesses.contains(&from),
                "round {round}: access record of {k:?} lost"
            );
        }
        assert!(engine.verify_audit_chain().unwrap().is_ok());
        let report = engine.verify().unwrap();
        assert!(
            report.problems.is_empty(),
            "round {round}: {:?}",
            report.problems
        );
    }
    assert!(acked.len() >= 50, "{} acknowledged", acked.len());
}
