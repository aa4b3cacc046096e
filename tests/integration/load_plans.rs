//! `lbctl load` plans beyond a fixed rate or pool, against `lbctl serve` on loopback: staged
//! open-model rates per stage, a closed-model connection ramp, shards that add up to the whole
//! plan, `--start-at`, `load merge --expect`, and `--abort-on-slo` (triggering and not).
//! Tolerances are sized for a busy 2-core machine running a debug build.

use crate::support::{lbctl, serve};
use serde_json::Value;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Run `lbctl load ARGS --output json`; returns (exit code, document, wall time).
fn load_json(args: &[&str]) -> (i32, Value, Duration) {
    let started = Instant::now();
    let out = lbctl()
        .arg("load")
        .args(args)
        .args(["--output", "json"])
        .timeout(Duration::from_secs(60))
        .output()
        .expect("run lbctl load");
    let took = started.elapsed();
    let code = out.status.code().unwrap_or(-1);
    let text = String::from_utf8_lossy(&out.stdout);
    let doc: Value = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}), exit {code}: {text}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (code, doc, took)
}

fn u(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a count: {v}"))
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn within(value: f64, expected: f64, share: f64) -> bool {
    (value - expected).abs() <= expected * share
}

#[test]
fn staged_open_model_keeps_each_stages_rate() {
    let b = serve(1, &[]);
    let (code, d, took) = load_json(&[
        b.url(0),
        "--stage",
        "2s:200/s",
        "--stage",
        "2s:200/s..600/s",
        "--stage",
        "1s:0/s",
        "-c",
        "20",
        "--max-send-lag",
        "250ms",
    ]);
    assert_eq!(code, 0, "{d}");
    let st = d["stages"].as_array().expect("stages");
    assert_eq!(st.len(), 3);
    // The plan is exact: 400 requests in the flat stage, (200 + 600) / 2 x 2 in the ramp,
    // none in the pause; what was achieved is within 15% of it on a busy machine.
    assert_eq!(u(&st[0]["planned"]), 400);
    assert_eq!(u(&st[1]["planned"]), 800);
    assert_eq!(u(&st[2]["planned"]), 0);
    for (s, expected) in [(&st[0], 200.0), (&st[1], 400.0)] {
        let achieved = f(&s["rate_achieved"]);
        assert!(
            within(achieved, expected, 0.15),
            "{achieved} vs {expected}: {s}"
        );
        assert!(
            within(u(&s["requests"]) as f64, expected * 2.0, 0.15),
            "{s}"
        );
    }
    assert_eq!(u(&st[2]["requests"]), 0);
    assert_eq!(f(&st[1]["rate_from"]), 200.0);
    assert_eq!(f(&st[1]["rate_to"]), 600.0);
    // The stages' counts add up to the run's, and the pause takes its time.
    let sum: u64 = st.iter().map(|s| u(&s["requests"])).sum();
    assert_eq!(sum, u(&d["requests"]));
    assert!(took >= Duration::from_millis(4900), "{took:?}");
    assert_eq!(f(&d["duration_s"]), 5.0);
    assert!(st[0]["latency_ms"]["p99"].is_number() && st[0]["send_lag_ms"].is_object());
}

#[test]
fn closed_model_ramp_changes_the_connection_count() {
    let b = serve(1, &["--latency", "5ms"]);
    let (code, d, _) = load_json(&[
        b.url(0),
        "--stage",
        "1500ms:1",
        "--stage",
        "1500ms:6",
        "--threads",
        "1",
    ]);
    assert_eq!(code, 0, "{d}");
    let st = d["stages"].as_array().expect("stages");
    assert_eq!(u(&st[0]["connections_to"]), 1);
    assert_eq!(u(&st[1]["connections_from"]), 6);
    let (one, six) = (u(&st[0]["connections_peak"]), u(&st[1]["connections_peak"]));
    assert!(one < six, "stage peaks {one} then {six}");
    assert!(six >= 4, "second stage peak {six}");
    assert_eq!(u(&d["connections_peak"]), 6);
    // Six connections send more than one (each waits 5 ms per answer).
    assert!(u(&st[1]["requests"]) > 2 * u(&st[0]["requests"]), "{st:?}");
}

fn write(dir: &std::path::Path, name: &str, d: &Value) -> String {
    let p = dir.join(name);
    std::fs::write(&p, d.to_string()).unwrap();
    p.to_str().unwrap().to_string()
}

fn merge(files: &[String], extra: &[&str]) -> (i32, String, String) {
    let out = lbctl()
        .args(["load", "merge"])
        .args(files)
        .args(extra)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn shards_add_up_to_the_whole_plan() {
    let b = serve(1, &[]);
    let dir = tempfile::tempdir().unwrap();
    // -n in the closed model: 334 + 333 + 333, run side by side.
    let runs: Vec<(i32, Value, Duration)> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..3)
            .map(|k| {
                let shard = format!("{k}/3");
                let url = b.url(0).to_string();
                s.spawn(move || load_json(&[&url, "-n", "1000", "-c", "4", "--shard", &shard]))
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let counts: Vec<u64> = runs.iter().map(|r| u(&r.1["requests"])).collect();
    assert_eq!(counts, vec![334, 333, 333]);
    let prints: Vec<&Value> = runs.iter().map(|r| &r.1["plan"]["fingerprint"]).collect();
    assert!(prints.iter().all(|p| *p == prints[0] && p.is_string()));
    let files: Vec<String> = runs
        .iter()
        .enumerate()
        .map(|(k, r)| {
            assert_eq!(r.0, 0, "{}", r.1);
            assert_eq!(u(&r.1["shard"]["index"]), k as u64);
            write(dir.path(), &format!("n{k}.json"), &r.1)
        })
        .collect();
    let (code, out, err) = merge(&files, &["--expect", "3", "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let m: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(u(&m["requests"]), 1000);

    // The open model: every third request of the 300/s schedule; together exactly the
    // unsharded plan's 600 (sent or left unfinished, neither lost nor doubled).
    let whole = load_json(&[b.url(0), "--rate", "300/s", "-d", "2s", "-c", "8"]).1;
    let planned = |d: &Value| u(&d["requests"]) + u(&d["unfinished"]);
    assert_eq!(planned(&whole), 600);
    let start = unix_now() + 1.5;
    let at = format!("{start:.3}");
    let runs: Vec<(i32, Value, Duration)> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..3)
            .map(|k| {
                let (shard, url, at) = (format!("{k}/3"), b.url(0).to_string(), at.clone());
                let export = dir.path().join(format!("e{k}.jsonl"));
                s.spawn(move || {
                    load_json(&[
                        "--export",
                        export.to_str().unwrap(),
                        &url,
                        "--rate",
                        "300/s",
                        "-d",
                        "2s",
                        "-c",
                        "8",
                        "--shard",
                        &shard,
                        "--start-at",
                        &at,
                        "--max-send-lag",
                        "250ms",
                    ])
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let shares: Vec<u64> = runs.iter().map(|r| planned(&r.1)).collect();
    assert_eq!(shares, vec![200, 200, 200]);
    // The per-request exports: each shard sent only slots i = k mod 3 of the one schedule
    // (slot i intended at start + i/300 s), and no slot was sent twice.
    let at_us = (at.parse::<f64>().unwrap() * 1e6).round() as i64;
    let mut slots = std::collections::HashSet::new();
    for k in 0..3i64 {
        let text = std::fs::read_to_string(dir.path().join(format!("e{k}.jsonl"))).unwrap();
        for line in text.lines() {
            let row: Value = serde_json::from_str(line).unwrap();
            let offset = row["intended_unix_us"].as_i64().unwrap() - at_us;
            let i = (offset as f64 * 300.0 / 1e6).round() as i64;
            let off_slot = (offset as f64 - i as f64 * 1e6 / 300.0).abs();
            assert!(
                off_slot < 1000.0,
                "shard {k}: {offset} us is not a slot of 300/s"
            );
            assert_eq!(i.rem_euclid(3), k, "shard {k} sent slot {i}");
            assert!(slots.insert(i), "slot {i} sent twice");
        }
    }
    assert!(slots.len() >= 540, "{} of 600 slots sent", slots.len());
    for r in &runs {
        assert_eq!(f(&r.1["rate_target"]), 100.0);
        assert_eq!(
            u(&r.1["connections"]),
            3 - (r.1["shard"]["index"] == 2) as u64
        );
        assert!(
            (f(&r.1["started_at"]) - start).abs() < 0.01,
            "{}",
            r.1["started_at"]
        );
    }
    let files: Vec<String> = runs
        .iter()
        .enumerate()
        .map(|(k, r)| write(dir.path(), &format!("r{k}.json"), &r.1))
        .collect();
    let (code, out, err) = merge(&files, &["--expect", "3", "-o", "json"]);
    assert!(code == 0 || code == 4, "{err}");
    let m: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(planned(&m), planned(&whole));
    assert_eq!(f(&m["rate_target"]), 300.0);
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

#[test]
fn start_at_waits_for_its_time() {
    let b = serve(1, &[]);
    let at = unix_now() + 2.0;
    let (code, d, took) = load_json(&[
        b.url(0),
        "-n",
        "20",
        "-c",
        "1",
        "--start-at",
        &format!("{at:.3}"),
    ]);
    assert_eq!(code, 0, "{d}");
    assert!(took >= Duration::from_millis(1800), "{took:?}");
    assert!(took < Duration::from_secs(15), "{took:?}");
    assert!(
        (f(&d["started_at"]) - at).abs() < 0.01,
        "{}",
        d["started_at"]
    );
    // Too far either way is a usage error naming the flag.
    for bad in [
        "2001-01-01T00:00:00Z",
        &format!("{:.0}", unix_now() + 2.0 * 86400.0),
    ] {
        let out = lbctl()
            .args(["load", b.url(0), "-n", "1", "--start-at", bad])
            .assert()
            .code(2);
        let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(err.contains("--start-at"), "{err}");
    }
}

#[test]
fn merge_expect_names_missing_shards_and_disagreeing_plans() {
    let b = serve(1, &[]);
    let dir = tempfile::tempdir().unwrap();
    let run = |n: &str, shard: &str| load_json(&[b.url(0), "-n", n, "-c", "2", "--shard", shard]).1;
    let a = write(dir.path(), "a.json", &run("90", "0/3"));
    let c = write(dir.path(), "c.json", &run("90", "2/3"));
    let (code, _, err) = merge(&[a.clone(), c.clone()], &["--expect", "3"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("shard 1/3 missing"), "{err}");
    let other = write(dir.path(), "b.json", &run("120", "1/3"));
    let (code, _, err) = merge(&[a.clone(), other, c.clone()], &["--expect", "3"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("b.json (shard 1/3)") && err.contains("requests (90 vs 120)"),
        "{err}"
    );
    let (code, _, err) = merge(&[a.clone(), a, c], &["--expect", "3"]);
    assert_eq!(code, 1);
    assert!(err.contains("appears twice"), "{err}");
}

#[test]
fn abort_on_slo_stops_a_failing_run_early() {
    // Latency: a 200 ms backend cannot meet p99<50ms; the run stops after the grace.
    let slow = serve(1, &["--latency", "200ms"]);
    let (code, d, took) = load_json(&[
        slow.url(0),
        "--rate",
        "20/s",
        "-d",
        "20s",
        "-c",
        "10",
        "--slo",
        "p99<50ms",
        "--abort-on-slo",
        "--abort-grace",
        "1s",
    ]);
    assert_eq!(code, 1, "{d}");
    assert!(took < Duration::from_secs(12), "{took:?}");
    assert_eq!(d["aborted"]["slo"], "p99<50ms");
    assert!(f(&d["aborted"]["at_s"]) < 10.0, "{}", d["aborted"]);
    assert!(
        d["aborted"]["reason"].as_str().unwrap().contains("p99"),
        "{}",
        d["aborted"]
    );
    assert!(f(&d["duration_s"]) < 12.0);
    // Errors: a 50% failing backend spends a 10% error budget of the whole plan early.
    let failing = serve(1, &["--fail-rate", "0.5"]);
    let (code, d, took) = load_json(&[
        failing.url(0),
        "--rate",
        "100/s",
        "-d",
        "20s",
        "--slo",
        "errors<10%",
        "--abort-on-slo",
        "--abort-grace",
        "1s",
        "--max-send-lag",
        "250ms",
    ]);
    assert_eq!(code, 1, "{d}");
    assert!(took < Duration::from_secs(12), "{took:?}");
    assert_eq!(d["aborted"]["slo"], "errors<10%");
    assert!(
        d["aborted"]["reason"]
            .as_str()
            .unwrap()
            .contains("2000 planned"),
        "{}",
        d["aborted"]
    );
}

#[test]
fn abort_on_slo_lets_a_passing_run_finish() {
    let b = serve(1, &[]);
    let (code, d, took) = load_json(&[
        b.url(0),
        "--rate",
        "50/s",
        "-d",
        "3s",
        "--slo",
        "p99<2s",
        "--slo",
        "errors<50%",
        "--abort-on-slo",
        "--abort-grace",
        "1s",
        "--max-send-lag",
        "250ms",
    ]);
    assert_eq!(code, 0, "{d}");
    assert!(d["aborted"].is_null(), "{}", d["aborted"]);
    assert!(took >= Duration::from_millis(2900), "{took:?}");
    assert_eq!(u(&d["requests"]) + u(&d["unfinished"]), 150);
}

#[test]
fn bad_plans_are_usage_errors_naming_the_value() {
    for (args, needle) in [
        (&["--stage", "10s:100/s..50"][..], "'10s:100/s..50'"),
        (&["--stage", "1s:10/s", "--stage", "1s:5"][..], "mix"),
        (
            &["--stage", "1s:10/s", "-d", "5s"][..],
            "-d/-n with --stage",
        ),
        (
            &["--stage", "1s:10/s", "--rate", "5/s"][..],
            "--rate with --stage",
        ),
        (&["--stage", "soon:10/s"][..], "'soon:10/s'"),
        (&["--shard", "3/3"][..], "'3/3'"),
        (&["--shard", "2/3", "-n", "2"][..], "leaves shard"),
        (&["--start-at", "noon"][..], "'noon'"),
    ] {
        let out = lbctl()
            .args(["load", "http://127.0.0.1:9/"])
            .args(args)
            .assert()
            .code(2);
        let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}
