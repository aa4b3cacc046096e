//! The command line itself: help, version, exit codes, and the generated completions/man pages.

use crate::support::lbctl;
use predicates::prelude::*;

#[test]
fn help_lists_every_subcommand_and_exit_codes() {
    let out = lbctl().arg("--help").assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    for sub in ["probe", "ring", "proxy", "load", "serve", "demo"] {
        assert!(
            text.contains(&format!("  {sub} ")),
            "help lacks {sub}:\n{text}"
        );
    }
    assert!(text.contains("Exit codes:"));
    assert!(text.contains("[NAME=]HOST:PORT[,weight=N][,backup][,maxconn=N]"));
    assert!(!text.contains("generate"), "the hidden generator is listed");
}

#[test]
fn version_prints_the_crate_version() {
    lbctl()
        .arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::contains(env!("CARGO_PKG_VERSION")));
}

#[test]
fn unknown_flag_is_a_usage_error() {
    lbctl().args(["serve", "--bogus"]).assert().code(2);
    lbctl().arg("nosuchcommand").assert().code(2);
}

#[test]
fn generated_files_are_current() {
    let dir = tempfile::tempdir().unwrap();
    lbctl()
        .args(["generate", "--out-dir"])
        .arg(dir.path())
        .assert()
        .success();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let bless = std::env::var_os("LBCTL_BLESS").is_some();
    let mut stale = Vec::new();
    for sub in ["completions", "man"] {
        for entry in std::fs::read_dir(dir.path().join(sub)).unwrap() {
            let entry = entry.unwrap();
            let rel = std::path::Path::new(sub).join(entry.file_name());
            let fresh = std::fs::read(entry.path()).unwrap();
            let committed = std::fs::read(root.join(&rel)).unwrap_or_default();
            if fresh != committed {
                if bless {
                    std::fs::create_dir_all(root.join(sub)).unwrap();
                    std::fs::write(root.join(&rel), &fresh).unwrap();
                } else {
                    stale.push(rel.display().to_string());
                }
            }
        }
    }
    assert!(
        stale.is_empty(),
        "stale generated files {stale:?}: run `LBCTL_BLESS=1 cargo test generated_files` and commit"
    );
}
