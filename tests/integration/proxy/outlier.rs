//! Outlier detection (Envoy semantics: success rate against the pool, consecutive errors,
//! the ejection cap) and slow start (HAProxy `slowstart`) on real sockets.

use super::{args_with, backend_args, hits, proxy, tally, wait_state};
use crate::support;
use std::time::{Duration, Instant};

fn backend<'a>(stats: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    stats["backends"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["name"] == name)
        .unwrap()
}

/// Send requests until `done(stats)` or `within` passes; the last stats.
fn drive_until(
    p: &super::Proxy,
    within: Duration,
    done: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let client = support::http();
    let deadline = Instant::now() + within;
    loop {
        for _ in 0..50 {
            let _ = client.get(p.url("/")).send();
        }
        let stats = p.stats();
        if done(&stats) || Instant::now() > deadline {
            return stats;
        }
    }
}

#[test]
fn a_backend_failing_30_percent_is_ejected_by_success_rate() {
    // Five backends, the fifth failing 30% of its requests with 503.
    let b = support::serve(5, &["--backend-opts", "b5:fail-rate=0.3"]);
    let specs = backend_args(&b, &[]);
    let p = proxy(&args_with(
        &specs,
        &[
            "--algorithm",
            "round-robin",
            "--admin",
            "127.0.0.1:0",
            "--max-fails",
            "0",
            "--retries",
            "0",
            // Success rate only (consecutive=0), compared every 500 ms over >= 20 requests;
            // K = 1: four at 100% and one at 70% give the threshold 0.94 - 0.12 = 0.82.
            "--outlier",
            "consecutive=0,interval=500ms,min-requests=20,success-rate-stdev=1,base-ejection=30s",
        ],
    ));
    let stats = drive_until(&p, Duration::from_secs(20), |s| {
        backend(s, "b5")["state"] == "ejected"
    });
    let b5 = backend(&stats, "b5");
    assert_eq!(b5["state"], "ejected", "{b5}");
    assert!(
        b5["outlier_ejections"]["success_rate"].as_u64().unwrap() >= 1,
        "{b5}"
    );
    for n in ["b1", "b2", "b3", "b4"] {
        let x = backend(&stats, n);
        assert_eq!(x["state"], "up", "{x}");
        assert_eq!(x["outlier_ejections"]["success_rate"], 0, "{x}");
    }
    // While ejected it takes no requests.
    let got = hits(&support::http(), &p.url("/"), 20);
    assert_eq!(tally(&got).get("b5"), None, "{got:?}");
    let metrics = support::http()
        .get(format!("http://{}/metrics", p.admin.as_ref().unwrap()))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        metrics.contains("lbctl_proxy_outlier_ejections_total{pool=\"default\",backend=\"b5\"}"),
        "{metrics}"
    );
}

#[test]
fn consecutive_errors_eject_within_the_cap() {
    // Two of five backends always fail; at 20% at most one of five may be out at once.
    let b = support::serve(
        5,
        &[
            "--backend-opts",
            "b4:fail-rate=1",
            "--backend-opts",
            "b5:fail-rate=1",
        ],
    );
    let specs = backend_args(&b, &[]);
    let p = proxy(&args_with(
        &specs,
        &[
            "--algorithm",
            "round-robin",
            "--admin",
            "127.0.0.1:0",
            "--max-fails",
            "0",
            "--retries",
            "0",
            "--outlier",
            "consecutive=3,success-rate-stdev=0,max-ejection-percent=20",
        ],
    ));
    let stats = drive_until(&p, Duration::from_secs(20), |s| {
        ["b4", "b5"]
            .iter()
            .any(|n| backend(s, n)["outlier_ejections"]["capped"].as_u64() >= Some(1))
    });
    let states: Vec<_> = ["b4", "b5"]
        .iter()
        .map(|n| backend(&stats, n)["state"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        states.iter().filter(|s| *s == "ejected").count(),
        1,
        "{states:?}"
    );
    let capped: u64 = ["b4", "b5"]
        .iter()
        .map(|n| {
            backend(&stats, n)["outlier_ejections"]["capped"]
                .as_u64()
                .unwrap()
        })
        .sum();
    assert!(capped >= 1, "{stats}");
    for n in ["b1", "b2", "b3"] {
        assert_eq!(backend(&stats, n)["state"], "up");
    }
}

#[test]
fn slow_start_ramps_a_returning_backends_share() {
    let b = support::serve(2, &[]);
    let specs = backend_args(&b, &[",weight=100", ",weight=100,slowstart=10s"]);
    let p = proxy(&args_with(
        &specs,
        &[
            "--check",
            "http:/health",
            "--check-interval",
            "100ms",
            "--rise",
            "1",
            "--fall",
            "1",
            "--admin",
            "127.0.0.1:0",
        ],
    ));
    let admin = p.admin.clone().unwrap();
    let client = support::http();
    // At start-up there is no ramp (HAProxy neither).
    assert_eq!(backend(&p.stats(), "b2")["effective_weight"], 100);
    client
        .post(format!("{}/admin/down", b.url(1)))
        .send()
        .unwrap();
    wait_state(&client, &admin, "b2", "down", Duration::from_secs(5));
    client
        .post(format!("{}/admin/up", b.url(1)))
        .send()
        .unwrap();
    wait_state(&client, &admin, "b2", "up", Duration::from_secs(5));
    // Just back: a small share, rising. The 10 s ramp leaves room for a busy machine: the
    // weight stays at or under 60 for the first 6 s after the return.
    let early = backend(&p.stats(), "b2")["effective_weight"]
        .as_u64()
        .unwrap();
    assert!((10..=60).contains(&early), "{early}");
    let got = hits(&client, &p.url("/"), 100);
    let early_share = tally(&got).get("b2").copied().unwrap_or(0);
    std::thread::sleep(Duration::from_millis(10200));
    assert_eq!(backend(&p.stats(), "b2")["effective_weight"], 100);
    let got = hits(&client, &p.url("/"), 100);
    let late_share = tally(&got).get("b2").copied().unwrap_or(0);
    assert!(early_share < 40, "{early_share}");
    assert_eq!(late_share, 50);
}
