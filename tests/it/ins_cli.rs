//! `vigie ins check` end to end: runs the real `vigie` binary and checks exit codes and output.
//!
//! The binary of another package is not built for this one (a bin-only dev-dependency is
//! ignored by cargo, and `CARGO_BIN_EXE_*` exists only inside its own package), so the helper
//! builds it once with the cargo running the tests, into the same target dir and profile, and
//! finds it next to this test executable (`<target>/<profile>/vigie`).

#![allow(clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// `<target>/<profile>` of the running test executable (`<target>/<profile>/deps/it-…`).
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("path of the test executable");
    exe.parent()
        .and_then(Path::parent)
        .expect("test executable lives in <target>/<profile>/deps")
        .to_path_buf()
}

/// Path of the `vigie` binary, built (or brought up to date) once per test run.
fn vigie_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        let profile_dir = profile_dir();
        let target_dir = profile_dir.parent().expect("target dir");
        let profile = profile_dir
            .file_name()
            .and_then(|n| n.to_str())
            .expect("profile dir name");
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("workspace root");
        let binary = profile_dir.join(format!("vigie{}", std::env::consts::EXE_SUFFIX));
        // `cargo test --workspace` has already built it (the CLI's own tests need it): reuse it
        // when it is newer than every source it is made of, so that a second cargo invocation
        // (with its own feature resolution, hence its own RocksDB build) is not needed.
        if is_fresh(&binary, workspace) {
            return binary;
        }
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut build = Command::new(cargo);
        build
            .current_dir(workspace)
            .args(["build", "--quiet", "-p", "vigie-cli", "--bin", "vigie"])
            .arg("--target-dir")
            .arg(target_dir);
        match profile {
            "debug" => {}
            "release" => {
                build.arg("--release");
            }
            other => {
                build.args(["--profile", other]);
            }
        }
        let status = build.status().expect("run cargo build for vigie-cli");
        assert!(status.success(), "building the vigie binary failed");
        assert!(binary.is_file(), "no vigie binary at {}", binary.display());
        binary
    })
}

/// True when `binary` exists and is newer than `Cargo.lock` and every file under `cli/` and
/// `crates/`.
fn is_fresh(binary: &Path, workspace: &Path) -> bool {
    fn newest(path: &Path, newest_seen: &mut std::time::SystemTime) {
        let Ok(meta) = std::fs::metadata(path) else {
            return;
        };
        if meta.is_dir() {
            if let Ok(entries) = std::fs::read_dir(path) {
                for entry in entries.flatten() {
                    newest(&entry.path(), newest_seen);
                }
            }
        } else if let Ok(modified) = meta.modified() {
            *newest_seen = (*newest_seen).max(modified);
        }
    }
    let Ok(built) = std::fs::metadata(binary).and_then(|m| m.modified()) else {
        return false;
    };
    let mut sources = std::time::SystemTime::UNIX_EPOCH;
    for part in ["Cargo.lock", "Cargo.toml", "cli", "crates"] {
        newest(&workspace.join(part), &mut sources);
    }
    built > sources
}

/// Runs `vigie` with arguments; returns (exit code, stdout, stderr).
pub(crate) fn vigie(args: &[&str]) -> (i32, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = Command::new(vigie_binary())
        .args(args)
        .output()
        .expect("run vigie");
    (
        status.code().expect("exit code"),
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

#[test]
fn valid_corsican_nir_exits_0() {
    let (code, out, _) = vigie(&["ins", "check", "253072B07300470"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("valid: NIR 2 53 07 2B 073 004 70"), "{out}");
    assert!(out.contains("1.2.250.1.213.1.4.8"), "{out}");
}

#[test]
fn spaces_are_ignored() {
    let (code, out, _) = vigie(&["ins", "check", "2 60 05 88 154 002 33"]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn bad_key_exits_1_with_the_reason() {
    let (code, out, _) = vigie(&["ins", "check", "123456789012244"]);
    assert_eq!(code, 1);
    assert!(out.starts_with("invalid: "), "{out}");
    assert!(
        out.contains("INS key is 44") && out.contains("give 12"),
        "{out}"
    );
    assert!(
        !out.contains("123456789012244"),
        "the value is not echoed: {out}"
    );
}

#[test]
fn wrong_length_and_characters_exit_1() {
    let (code, out, _) = vigie(&["ins", "check", "25307"]);
    assert_eq!(code, 1);
    assert!(out.contains("found 5"), "{out}");
    let (code, out, _) = vigie(&["ins", "check", "253072C07300443"]);
    assert_eq!(code, 1);
    assert!(out.contains("position 7"), "{out}");
}

#[test]
fn test_oid_refused_unless_allowed() {
    let args = [
        "ins",
        "check",
        "279035121518989",
        "--oid",
        "1.2.250.1.213.1.4.10",
    ];
    let (code, out, _) = vigie(&args);
    assert_eq!(code, 1);
    assert!(
        out.starts_with("invalid: ") && out.contains("INS-NIR-TEST"),
        "{out}"
    );

    let mut allowed = args.to_vec();
    allowed.push("--allow-test-oids");
    let (code, out, _) = vigie(&allowed);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("(INS-NIR-TEST, OID 1.2.250.1.213.1.4.10)"),
        "{out}"
    );
}

#[test]
fn nia_oid_is_reported() {
    let (code, out, _) = vigie(&[
        "ins",
        "check",
        "178059933010817",
        "--oid",
        "1.2.250.1.213.1.4.9",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("valid: NIA "), "{out}");
}

#[test]
fn consistency_with_the_traits() {
    let base = ["ins", "check", "260058815400233"];
    let consistent = [
        "--sex",
        "F",
        "--birth-date",
        "30/05/1960",
        "--birth-place",
        "88154",
    ];
    let (code, out, _) = vigie(&[&base[..], &consistent[..]].concat());
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("inconsistent"), "{out}");

    let inconsistent = [
        "--sex",
        "M",
        "--birth-date",
        "1961-05-30",
        "--birth-place",
        "75056",
    ];
    let (code, out, _) = vigie(&[&base[..], &inconsistent[..]].concat());
    assert_eq!(code, 1, "{out}");
    assert_eq!(out.matches("inconsistent: ").count(), 3, "{out}");
    assert!(out.contains("sex") && out.contains("year") && out.contains("birthplace"));
}

#[test]
fn unreadable_trait_is_a_usage_error() {
    let (code, _, err) = vigie(&[
        "ins",
        "check",
        "260058815400233",
        "--birth-date",
        "31/02/1960",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--birth-date") && err.contains("day 31"),
        "{err}"
    );
}
