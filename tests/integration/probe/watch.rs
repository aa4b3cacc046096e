//! `probe --watch` and `probe --until healthy` against `lbctl serve`, with rise/fall driven by
//! its /admin/down and /admin/up.

use super::{post, probe, probe_json};
use crate::support::{self, Proc};
use std::time::{Duration, Instant};

/// Read jsonl lines until one satisfies `pred` (bounded by `timeout`).
fn wait_line(
    p: &mut Proc,
    timeout: Duration,
    pred: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let deadline = Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(!left.is_zero(), "no matching line within {timeout:?}");
        let line = p.line(left);
        let v: serde_json::Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
        if pred(&v) {
            return v;
        }
    }
}

#[test]
fn watch_rise_fall_driven_by_admin_down_up() {
    let b = support::serve(1, &[]);
    let url = format!("{}/health", b.url(0));
    let mut p = Proc::spawn(&[
        "probe",
        &url,
        "--watch",
        "--interval",
        "100ms",
        "--rise",
        "2",
        "--fall",
        "2",
        "--count",
        "300",
        "-o",
        "jsonl",
    ]);
    let t = Duration::from_secs(10);
    // Starts down; two passes bring it up.
    let first = wait_line(&mut p, t, |_| true);
    assert_eq!(
        (first["state"].as_str(), first["pass"].as_bool()),
        (Some("down"), Some(true))
    );
    let up = wait_line(&mut p, t, |v| v["transition"] == "up");
    assert_eq!(up["passes"], 2);
    post(&format!("{}/admin/down", b.url(0)));
    let down = wait_line(&mut p, t, |v| v["transition"] == "down");
    assert_eq!(down["failures"], 2);
    assert_eq!(down["reason"], "status 503 not in 200-399");
    post(&format!("{}/admin/up", b.url(0)));
    wait_line(&mut p, t, |v| v["transition"] == "up");
    // Ctrl-C: the summary is the last line.
    p.signal("INT");
    let summary = wait_line(&mut p, t, |v| v.get("targets").is_some());
    assert_eq!(p.wait_exit(t), Some(0));
    let w = &summary["targets"][0];
    assert_eq!(w["state"], "up");
    assert_eq!(w["transitions"], 3);
    let checks = w["checks"].as_u64().unwrap();
    let avail = w["availability_pct"].as_f64().unwrap();
    assert!(checks >= 6 && avail > 0.0 && avail < 100.0, "{w}");
    assert!(w["latency_ms"]["p99"].as_f64().unwrap() > 0.0);
}

#[test]
fn watch_count_and_transition_lines() {
    let b = support::serve(1, &[]);
    let url = format!("{}/health", b.url(0));
    let r = probe(&[
        &url,
        "--watch",
        "--interval",
        "50ms",
        "--rise",
        "1",
        "--count",
        "3",
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let first = r.stdout.lines().next().unwrap();
    assert!(
        first.contains(&format!(" {url} is UP (1 passes; last: ok in ")),
        "{first}"
    );
    assert!(
        first.starts_with("20"),
        "an RFC 3339 timestamp first: {first}"
    );
    assert!(r.stdout.contains("1/1 up after"), "{}", r.stdout);
    // json: the summary document; rise 2 (the default) is reached within 3 passes.
    let (code, v) = probe_json(&[&url, "--watch", "--interval", "50ms", "--count", "3"]);
    assert_eq!(code, 0, "{v}");
    let w = &v["targets"][0];
    assert_eq!(
        (w["checks"].as_u64(), w["state"].as_str()),
        (Some(3), Some("up"))
    );
    assert_eq!(w["availability_pct"], 100.0);
}

#[test]
fn until_healthy_and_deadline() {
    let b = support::serve(1, &[]);
    let url = format!("{}/health", b.url(0));
    post(&format!("{}/admin/down", b.url(0)));
    // At the deadline: exit 1, and the report says why.
    let started = Instant::now();
    let r = probe(&[
        &url,
        "--until",
        "healthy",
        "--interval",
        "100ms",
        "--deadline",
        "800ms",
    ]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(started.elapsed() < Duration::from_secs(8));
    assert!(
        r.stdout.contains("status 503 not in 200-399"),
        "{}",
        r.stdout
    );
    // Healthy once the backend comes up.
    let mut p = Proc::spawn(&[
        "probe",
        &url,
        "--until",
        "healthy",
        "--interval",
        "100ms",
        "--rise",
        "1",
        "--deadline",
        "20s",
        "-o",
        "jsonl",
    ]);
    std::thread::sleep(Duration::from_millis(400));
    post(&format!("{}/admin/up", b.url(0)));
    assert_eq!(p.wait_exit(Duration::from_secs(15)), Some(0));
    let line = p.line(Duration::from_secs(5));
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(v["result"], "ok");
}

#[test]
fn fast_interval_while_changing_and_start_up() {
    let b = support::serve(1, &[]);
    let url = format!("{}/health", b.url(0));
    // Down at the start and passing: every check is "in transition" until rise 3 is reached,
    // so all three use the fast interval (the 30s interval would take a minute).
    let started = Instant::now();
    let (code, v) = probe_json(&[
        &url,
        "--watch",
        "--interval",
        "30s",
        "--fast-interval",
        "50ms",
        "--rise",
        "3",
        "--count",
        "3",
    ]);
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["targets"][0]["state"], "up");
    // --start-up: one failure is not enough to go down with fall 2.
    post(&format!("{}/admin/down", b.url(0)));
    let (code, v) = probe_json(&[&url, "--watch", "--start-up", "--fall", "2", "--count", "1"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["targets"][0]["state"], "up");
    assert_eq!(v["targets"][0]["failed"], 1);
}
