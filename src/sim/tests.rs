//! The simulator checked against queueing theory and against itself: Little's law, the M/M/1
//! mean waiting time, round robin's exact shares, determinism under a seed, and the proxy
//! rules (passive health, retries, panic mode) doing what the proxy does.

use super::picking::SimAlgorithm;
use super::plan::Scenario;
use super::runner::{RunResult, run};
use crate::cli::{Cli, Command};
use clap::Parser;

pub(super) fn scenario(args: &str) -> (Scenario, Vec<SimAlgorithm>) {
    let cli = Cli::try_parse_from(shlex_split(&format!("lbctl sim {args}"))).unwrap();
    let Command::Sim(a) = cli.command else {
        unreachable!()
    };
    Scenario::from_args(&a).unwrap()
}

/// Split on spaces, keeping single-quoted parts together.
pub(super) fn shlex_split(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in s.chars() {
        match c {
            '\'' => quoted = !quoted,
            ' ' if !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            _ => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

pub(super) fn one(args: &str) -> RunResult {
    let (sc, algs) = scenario(args);
    run(&sc, algs[0], &|_| {}).unwrap()
}

#[test]
fn littles_law_holds() {
    // L = lambda * W (Little 1961), whatever the algorithm and the service time.
    for alg in ["round-robin", "least-conn", "ewma"] {
        let r = one(&format!(
            "-a {alg} --backends 4 --service 'lognormal 5ms,40ms' --rate 2000/s --duration 30s"
        ));
        let lambda = r.completed as f64 / r.span_s;
        let w = r.latency_sum_ns / r.completed as f64 / 1e9;
        let l = r.mean_in_system;
        assert!(
            ((l - lambda * w) / l).abs() < 0.03,
            "{alg}: L {l} vs lambda*W {}",
            lambda * w
        );
        assert_eq!(r.errors, 0);
    }
}

#[test]
fn mm1_mean_wait_matches_the_closed_form() {
    // M/M/1 with lambda 50/s, mu 100/s: Wq = rho / (mu - lambda) = 0.5 / 50 = 10 ms.
    let r = one(
        "-a rr --backends 1 --concurrency 1 --service 'exp 10ms' --rate 50/s --requests 400000 --seed 7",
    );
    let b = &r.backends[0];
    let mean_wait_ms = b.wait_ns / r.arrivals as f64 / 1e6;
    assert!(
        (mean_wait_ms - 10.0).abs() < 0.5,
        "Wq {mean_wait_ms} ms, expected 10"
    );
    // And the sojourn time W = 1 / (mu - lambda) = 20 ms.
    let w = r.latency_sum_ns / r.completed as f64 / 1e6;
    assert!((w - 20.0).abs() < 1.0, "W {w} ms, expected 20");
}

#[test]
fn round_robin_shares_are_exact_and_runs_repeat() {
    let r = one("-a rr --backends 7 --service 'fixed 3ms' --rate 1000/s --requests 7000");
    for b in &r.backends {
        assert_eq!(b.attempts, 1000, "{}", b.model.name);
    }
    let a = one("-a p2c --backends 5 --rate 3000/s --duration 5s --seed 9");
    let b = one("-a p2c --backends 5 --rate 3000/s --duration 5s --seed 9");
    let shares = |r: &RunResult| r.backends.iter().map(|b| b.attempts).collect::<Vec<_>>();
    assert_eq!(shares(&a), shares(&b));
    assert_eq!(a.latency.percentile_us(99.0), b.latency.percentile_us(99.0));
    let c = one("-a p2c --backends 5 --rate 3000/s --duration 5s --seed 10");
    assert_ne!(shares(&a), shares(&c));
}

#[test]
fn queueing_at_a_concurrency_limit_is_fifo_and_bounded() {
    // Two slots of 10 ms each serve at most 200/s: at 150/s queues form but stay finite.
    let r = one(
        "-a rr --backends 1 --concurrency 2 --service 'fixed 10ms' --rate 150/s --arrivals constant --duration 10s",
    );
    assert_eq!(r.completed, 1500);
    assert_eq!(
        r.backends[0].max_queue, 0,
        "constant arrivals below capacity never queue"
    );
    let r = one(
        "-a rr --backends 1 --concurrency 2 --service 'fixed 10ms' --rate 300/s --arrivals constant --duration 2s",
    );
    // Over capacity: the queue grows by ~100 per second.
    assert!(
        (150..=250).contains(&r.backends[0].max_queue),
        "{}",
        r.backends[0].max_queue
    );
}

#[test]
fn a_5xx_is_an_answer_unless_fail_on() {
    let r = one("-a rr --backends 2 --fail 0.1 --service 'fixed 5ms' --rate 500/s --duration 10s");
    let err = r.errors as f64 / r.arrivals as f64;
    assert!(
        (err - 0.1).abs() < 0.02 && r.retries == 0 && r.panic_picks == 0,
        "{err}"
    );
    assert_eq!(r.backends[0].ejections + r.backends[1].ejections, 0);
}

#[test]
fn a_down_backend_is_ejected_and_retried_around() {
    let r = one(
        "-a rr --backends 4 --service 'fixed 5ms' --rate 1000/s --duration 20s --at 5s:b2:down --at 12s:b2:up --fail-timeout 3s",
    );
    // The first refusal marks b2 failed; retries absorb every failure.
    assert_eq!(r.errors, 0);
    assert!(r.retries > 0);
    assert!(r.backends[1].ejections >= 2, "{}", r.backends[1].ejections);
    // While down (7 s), b2 gets a handful of probes (one per fail timeout), not a quarter.
    let share = r.backends[1].attempts as f64 / r.arrivals as f64;
    assert!(share < 0.25 - 7.0 / 20.0 * 0.25 + 0.02, "{share}");
}

#[test]
fn every_backend_failing_enters_panic_mode() {
    // Every backend fails 20% of requests: passive health would shut the whole pool; panic
    // mode keeps balancing over it and retries absorb most failures.
    let r = one(
        "-a rr --backends 3 --fail 0.2 --fail-on-5xx --service 'fixed 5ms' --rate 500/s --duration 10s --retries 2",
    );
    assert!(r.panic_picks > 0);
    let err = r.errors as f64 / r.arrivals as f64;
    assert!(err < 0.02, "{err}");
}

#[test]
fn ewma_and_least_conn_avoid_a_slow_backend() {
    let args = "--backends 3 --service 'fixed 10ms' --backend 'b2:service=fixed 100ms' --rate 200/s --duration 20s";
    let rr = one(&format!("-a rr {args}"));
    let lc = one(&format!("-a least-conn {args}"));
    let ew = one(&format!("-a ewma {args}"));
    let share = |r: &RunResult| r.backends[1].attempts as f64 / r.arrivals as f64;
    assert!((share(&rr) - 1.0 / 3.0).abs() < 0.01);
    assert!(
        share(&lc) < 0.25 && share(&ew) < 0.25,
        "{} {}",
        share(&lc),
        share(&ew)
    );
    assert!(ew.latency.percentile_us(90.0) < rr.latency.percentile_us(90.0));
}

#[test]
fn hash_keys_stick_and_zipf_skews() {
    let u = one("-a ketama --backends 4 --keys uniform --rate 2000/s --duration 10s");
    let z = one("-a ketama --backends 4 --keys zipf:1.2/1000 --rate 2000/s --duration 10s");
    let spread = |r: &RunResult| {
        let v: Vec<u64> = r.backends.iter().map(|b| b.attempts).collect();
        *v.iter().max().unwrap() as f64 / *v.iter().min().unwrap().max(&1) as f64
    };
    assert!(spread(&u) < 1.5, "{}", spread(&u));
    assert!(spread(&z) > spread(&u));
}

#[test]
fn bad_flags_are_usage_errors() {
    for bad in [
        "--backends 0",
        "--retries 9",
        "--fail 1.5",
        "--service 'gamma 1ms'",
        "--backend b99:weight=1",
        "--at 10s:b1:explode",
        "-a nonsense",
        "--stage 10s:5..10 --rate 5/s",
        "-c 4 --rate 100/s",
        "-c 4 --stage 10s:100/s",
        "-c 0",
        "-c 4 --arrivals constant",
        "-c 4 --stage 10s:1..4",
        "--think 5ms",
        "--stage 10s:0",
        "--keys zipf",
        "--requests 0",
    ] {
        let cli = Cli::try_parse_from(shlex_split(&format!("lbctl sim {bad}"))).unwrap();
        let Command::Sim(a) = cli.command else {
            unreachable!()
        };
        let e = Scenario::from_args(&a).unwrap_err();
        assert_eq!(
            crate::exit::code_of(&e),
            crate::exit::ExitCode::Usage,
            "{bad}: {e}"
        );
        assert!(!e.to_string().contains('{'), "{bad}: {e}");
    }
}

#[test]
fn an_overloaded_pool_stops_with_a_message_not_unbounded_memory() {
    // 1 slot of 100 ms serves 10/s; 200k/s for 60 s would queue 12 million.
    let (sc, algs) = scenario(
        "-a rr --backends 1 --concurrency 1 --service 'fixed 100ms' --rate 200000/s -d 60s",
    );
    let e = run(&sc, algs[0], &|_| {}).err().unwrap();
    assert!(e.contains("cannot keep up"), "{e}");
}
