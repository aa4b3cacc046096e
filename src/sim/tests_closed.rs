//! The closed model checked against closed-network queueing results computed by hand (the
//! interactive response-time law X = N / (R + Z) and Little's law, Lazowska et al.,
//! "Quantitative System Performance", 1984, ch. 3), and its report: JSON and table consistent.

use super::report::{Report, render_table};
use super::runner::{RunResult, run};
use super::tests::{one, scenario};
use std::time::Duration;

fn throughput(r: &RunResult) -> f64 {
    r.completed as f64 / r.span_s
}

fn mean_ms(r: &RunResult) -> f64 {
    r.latency_sum_ns / r.completed as f64 / 1e6
}

#[test]
fn one_fixed_server_serves_1_over_s_and_every_client_waits_n_times_s() {
    // N = 5 clients, one backend serving one at a time in S = 10 ms: the server is never
    // idle, so X = 1 / S = 100/s exactly, and each request waits for the 4 others: R = N S.
    let r = one("-a rr --backends 1 --concurrency 1 --service 'fixed 10ms' -c 5 -d 20s");
    assert_eq!(r.errors, 0);
    assert!((throughput(&r) - 100.0).abs() < 0.01, "{}", throughput(&r));
    // The first round waits 10..50 ms, every later one 50 ms.
    assert!((mean_ms(&r) - 50.0).abs() < 0.1, "{}", mean_ms(&r));
    assert!(
        (r.mean_in_system - 5.0).abs() < 0.01,
        "{}",
        r.mean_in_system
    );
}

#[test]
fn k_fixed_servers_round_robin_serve_k_over_s() {
    // N = 7 >= k = 3 one-at-a-time backends of S = 10 ms, round robin: each round of k
    // completions hands one new request to each backend, so none idles: X = k / S = 300/s,
    // and by Little R = N / X = 23.33 ms.
    let r = one("-a rr --backends 3 --concurrency 1 --service 'fixed 10ms' -c 7 -d 20s");
    let x = throughput(&r);
    assert!((x - 300.0).abs() < 0.5, "{x}");
    assert!(
        (mean_ms(&r) - 7.0 / 300.0 * 1e3).abs() < 0.1,
        "{}",
        mean_ms(&r)
    );
    for b in &r.backends {
        let share = b.attempts as f64 / r.arrivals as f64;
        assert!((share - 1.0 / 3.0).abs() < 0.001, "{share}");
    }
}

#[test]
fn think_time_follows_the_response_time_law() {
    // Unlimited concurrency: R = S = 10 ms; with Z = 40 ms, X = N / (R + Z) = 10 / 50 ms.
    let r = one("-a least-conn --backends 4 --service 'fixed 10ms' -c 10 --think 40ms -d 30s");
    assert!((throughput(&r) - 200.0).abs() < 1.0, "{}", throughput(&r));
    assert!((mean_ms(&r) - 10.0).abs() < 0.01);
    // Exponential service, M/M/1-like: N = 1 client never queues, X = 1 / (E[S] + Z).
    let r = one("-a rr --backends 1 --service 'exp 10ms' -c 1 --think 10ms -d 200s --seed 3");
    let x = throughput(&r);
    assert!((x - 50.0).abs() < 1.0, "{x}");
}

#[test]
fn overhead_is_in_the_latency_and_the_clients_cycle() {
    // One client, S = 10 ms, 5 ms of path overhead: R = 15 ms, X = 1 / 15 ms.
    let r = one("-a rr --backends 1 --service 'fixed 10ms' -c 1 --overhead 5ms -d 30s");
    assert!(
        (throughput(&r) - 1000.0 / 15.0).abs() < 0.1,
        "{}",
        throughput(&r)
    );
    assert!((mean_ms(&r) - 15.0).abs() < 0.01, "{}", mean_ms(&r));
    // Open model: a pure shift of the latency.
    let r = one("-a rr --backends 2 --service 'fixed 10ms' --rate 100/s --overhead 2ms -d 5s");
    assert!((mean_ms(&r) - 12.0).abs() < 0.01, "{}", mean_ms(&r));
}

#[test]
fn requests_bound_a_closed_run_exactly() {
    let r = one("-a p2c --backends 3 --service 'lognormal 5ms,40ms' -c 16 -n 10000");
    assert_eq!(r.arrivals, 10_000);
    assert_eq!(r.completed + r.errors, 10_000);
}

#[test]
fn connection_stages_ramp_the_clients() {
    // 0..10 clients over 10 s, then 10 for 10 s, against 10 ms (unlimited concurrency): each
    // active client sends 100/s, so about (5 + 10) * 10 s * 100/s = 15 000 requests.
    let r = one("-a rr --backends 2 --service 'fixed 10ms' --stage 10s:0..10 --stage 10s:10");
    let n = r.arrivals as f64;
    assert!((n - 15_000.0).abs() < 300.0, "{n}");
    // The series shows the ramp: the last bucket of the first stage near 950/s, the first
    // near 50/s.
    let done = &r.series.completed;
    assert!(done[0] < 150 && done[9] > 850, "{done:?}");
}

#[test]
fn a_dead_pool_costs_virtual_time_not_a_spin() {
    // Every backend drained at 1 s: each request fails at once; the clients retry every
    // 1 ms instead of looping at one instant.
    let r = one(
        "-a rr --backends 2 --service 'fixed 5ms' -c 4 -d 3s --at 1s:b1:weight=0 --at 1s:b2:weight=0",
    );
    // ~2 s x 4 clients x 1000/s of failures.
    assert!((7_000..=8_100).contains(&r.errors), "{}", r.errors);
}

#[test]
fn the_report_says_closed_and_stays_consistent() {
    let (sc, algs) = scenario(
        "-a rr,ewma --backends 3 --service 'fixed 5ms' --backend 'b2:service=fixed 20ms' -c 16 -d 10s",
    );
    let runs: Vec<RunResult> = algs
        .iter()
        .map(|&a| run(&sc, a, &|_| {}).unwrap())
        .collect();
    let rep = Report::build(&sc, &runs, Duration::from_millis(1));
    let v = serde_json::to_value(&rep).unwrap();
    assert_eq!(v["model"], "closed");
    assert_eq!(v["connections"], 16);
    for a in v["algorithms"].as_array().unwrap() {
        let attempts: u64 = a["backends"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["attempts"].as_u64().unwrap())
            .sum();
        assert_eq!(
            attempts,
            a["requests"].as_u64().unwrap() + a["retries"].as_u64().unwrap()
        );
        let share: f64 = a["backends"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["share"].as_f64().unwrap())
            .sum();
        assert!((share - 1.0).abs() < 1e-9);
        // Little: 16 clients always in the system.
        assert!((a["mean_in_system"].as_f64().unwrap() - 16.0).abs() < 0.05);
    }
    // Round robin: X = 16 / mean(5, 5, 20 ms) = 1600/s; ewma sends less to b2, so more.
    let x = |i: usize| v["algorithms"][i]["throughput"].as_f64().unwrap();
    assert!((x(0) - 1600.0).abs() < 5.0, "{}", x(0));
    assert!(x(1) > x(0));
    let table = render_table(&rep, false);
    assert!(table.contains("closed model: 16 clients"), "{table}");
    assert!(table.contains("req/s") && table.contains("1600"), "{table}");
    // The open model's table keeps its shape.
    let (sc, algs) = scenario("-a rr --backends 2 --rate 100/s -d 2s");
    let runs = vec![run(&sc, algs[0], &|_| {}).unwrap()];
    let open = Report::build(&sc, &runs, Duration::from_millis(1));
    assert_eq!(serde_json::to_value(&open).unwrap()["model"], "open");
    assert!(!render_table(&open, false).contains("req/s"));
}
