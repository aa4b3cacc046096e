//! `lbctl demo`: the whole tour runs (short loads), prints its tables, and its JSON parses.

use crate::support::lbctl;
use predicates::prelude::*;

#[test]
fn demo_runs_and_reports() {
    let out = lbctl()
        .args(["demo", "--duration", "2s", "--connections", "8"])
        .timeout(std::time::Duration::from_secs(120))
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    for want in [
        "round-robin",
        "ewma",
        "b1",
        "b2",
        "b3",
        "p99",
        "share",
        "maglev",
        "ketama",
        "modulo",
        "$ lbctl serve",
        "lbctl sim",
    ] {
        assert!(text.contains(want), "demo output lacks {want:?}:\n{text}");
    }
}

#[test]
fn demo_json_is_one_document_with_measured_runs() {
    let out = lbctl()
        .args([
            "demo",
            "--duration",
            "1s",
            "--connections",
            "4",
            "--compare",
            "round-robin,least-conn",
            "--output",
            "json",
        ])
        .timeout(std::time::Duration::from_secs(120))
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v["schema"], "lbctl.demo/v1");
    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[1]["algorithm"], "least-conn");
    for run in runs {
        let load = &run["load"];
        assert!(load["requests"].as_u64().unwrap() > 0);
        let groups = load["groups"]["values"].as_array().unwrap();
        let sum: u64 = groups.iter().map(|g| g["count"].as_u64().unwrap()).sum();
        assert!(sum > 0 && groups.len() == 3, "{groups:?}");
        // The sim's prediction of the same run, with the same algorithm.
        let sim = &run["sim"]["algorithms"][0];
        assert_eq!(sim["algorithm"], run["algorithm"]);
        assert_eq!(sim["backends"].as_array().unwrap().len(), 3);
    }
    let ring = v["ring"].as_array().unwrap();
    assert_eq!(ring.len(), 3);
    let moved = |i: usize| ring[i]["diff"]["moved_fraction"].as_f64().unwrap();
    assert!(moved(0) > moved(1), "modulo should move more than ketama");
    assert!(
        v["comparison"]["summary"]
            .as_str()
            .unwrap()
            .contains("least-conn")
    );
    assert_eq!(v["probe"]["targets"].as_array().unwrap().len(), 3);
}

#[test]
fn demo_rejects_bad_input() {
    for (args, want) in [
        (&["--compare", "round-robin"][..], "FIRST,SECOND"),
        (&["--compare", "round-robin,fastest"][..], "fastest"),
        (&["--duration", "10ms"][..], "--duration"),
        (&["--connections", "0"][..], "--connections"),
        (&["--duration", "soon"][..], "soon"),
    ] {
        lbctl()
            .arg("demo")
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(want));
    }
}
