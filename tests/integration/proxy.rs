//! `lbctl proxy` integration tests (real sockets, the built binary): distribution of every
//! deterministic algorithm, load-aware picks, stickiness, retries, passive health, headers,
//! ACL, 503 without backends, drain on SIGTERM, slowloris, /metrics and bad input.

mod cache;
mod compress;
mod config;
mod corpus;
mod differential;
mod discovery;
mod grafana;
mod h1;
mod h2;
mod health;
mod http;
mod outlier;
mod policy;
mod redirect;
mod runtime;
mod stats_page;

use crate::support::{self, Backends, Proc};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// A running proxy and its addresses.
pub(crate) struct Proxy {
    pub(crate) proc: Proc,
    pub(crate) addr: String,
    pub(crate) admin: Option<String>,
}

impl Proxy {
    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The admin listener's /stats document (the proxy was started with `--admin`).
    pub(crate) fn stats(&self) -> serde_json::Value {
        let admin = self.admin.as_ref().expect("started with --admin");
        support::http()
            .get(format!("http://{admin}/stats"))
            .send()
            .unwrap()
            .json()
            .unwrap()
    }
}

pub(crate) fn proxy(args: &[&str]) -> Proxy {
    let mut all = vec!["proxy", "--listen", "127.0.0.1:0", "--threads", "1"];
    all.extend_from_slice(args);
    let with_admin = args.contains(&"--admin");
    let mut proc = Proc::spawn(&all);
    let line = proc.line(Duration::from_secs(20));
    let addr = line
        .strip_prefix("proxy http://")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();
    let admin = with_admin.then(|| {
        let l = proc.line(Duration::from_secs(5));
        l.strip_prefix("admin http://")
            .unwrap_or_else(|| panic!("unexpected admin line {l:?}"))
            .to_string()
    });
    Proxy { proc, addr, admin }
}

pub(crate) fn backend_args(b: &Backends, extra: &[&str]) -> Vec<String> {
    (0..b.list.len())
        .map(|i| {
            let e = extra.get(i).copied().unwrap_or("");
            format!("{}={}{}", b.name(i), b.addr(i), e)
        })
        .collect()
}

pub(crate) fn args_with<'a>(backends: &'a [String], rest: &[&'a str]) -> Vec<&'a str> {
    let mut v = Vec::new();
    for b in backends {
        v.push("--backend");
        v.push(b.as_str());
    }
    v.extend_from_slice(rest);
    v
}

/// GET `n` times; the X-Backend header of each answer, in order.
pub(crate) fn hits(client: &reqwest::blocking::Client, url: &str, n: usize) -> Vec<String> {
    (0..n)
        .map(|_| {
            let r = client.get(url).send().expect("request through proxy");
            assert_eq!(r.status(), 200);
            r.headers()
                .get("x-backend")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("?")
                .to_string()
        })
        .collect()
}

pub(crate) fn tally(v: &[String]) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    for s in v {
        *m.entry(s.clone()).or_insert(0) += 1;
    }
    m
}

#[test]
fn round_robin_is_exact() {
    let b = support::serve(3, &[]);
    let specs = backend_args(&b, &[]);
    let p = proxy(&args_with(&specs, &["--algorithm", "round-robin"]));
    let got = hits(&support::http(), &p.url("/"), 300);
    let t = tally(&got);
    for i in 0..3 {
        assert_eq!(t.get(b.name(i)), Some(&100), "{t:?}");
    }
}

#[test]
fn smooth_weighted_is_exact_and_interleaved() {
    let b = support::serve(3, &[]);
    let specs = backend_args(&b, &[",weight=5", ",weight=3", ",weight=1"]);
    let p = proxy(&args_with(&specs, &["--algorithm", "weighted"]));
    let got = hits(&support::http(), &p.url("/"), 900);
    let t = tally(&got);
    assert_eq!(
        (t[b.name(0)], t[b.name(1)], t[b.name(2)]),
        (500, 300, 100),
        "{t:?}"
    );
    let max_run = got.chunk_by(|x, y| x == y).map(|r| r.len()).max();
    assert!(
        max_run <= Some(2),
        "heavy backend served in bursts: {max_run:?}"
    );
}

/// Concurrent requests against one slow and two fast backends; the share the slow one got.
fn slow_share(algorithm: &str) -> f64 {
    let b = support::serve(3, &["--backend-opts", "b1:latency=150ms"]);
    let specs = backend_args(&b, &[]);
    let p = proxy(&args_with(&specs, &["--algorithm", algorithm]));
    let url = p.url("/");
    let threads: Vec<_> = (0..6)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || hits(&support::http(), &url, 15))
        })
        .collect();
    let all: Vec<String> = threads
        .into_iter()
        .flat_map(|t| t.join().expect("client thread"))
        .collect();
    let t = tally(&all);
    *t.get("b1").unwrap_or(&0) as f64 / all.len() as f64
}

#[test]
fn least_conn_p2c_and_ewma_favour_the_slow_backend_less() {
    for alg in ["least-conn", "p2c", "ewma"] {
        let share = slow_share(alg);
        // A blind algorithm gives it 1/3; a load-aware one far less.
        assert!(
            share < 0.2,
            "{alg}: slow backend got {share:.2} of requests"
        );
    }
}

#[test]
fn sticky_cookie_keeps_a_client_on_one_backend() {
    let b = support::serve(3, &[]);
    let specs = backend_args(&b, &[]);
    let p = proxy(&args_with(
        &specs,
        &["--sticky", "cookie:lb", "--algorithm", "round-robin"],
    ));
    let client = support::http();
    let first = client.get(p.url("/")).send().unwrap();
    let cookie = first
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("Set-Cookie")
        .to_string();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(
        !cookie.contains("127.0.0.1"),
        "cookie leaks the address: {cookie}"
    );
    let pair = cookie.split(';').next().unwrap().to_string();
    let owner = first.headers()["x-backend"].to_str().unwrap().to_string();
    for _ in 0..20 {
        let r = client
            .get(p.url("/"))
            .header("cookie", &pair)
            .send()
            .unwrap();
        assert_eq!(r.headers()["x-backend"].to_str().unwrap(), owner);
    }
    // A stale or forged id is re-balanced and re-stamped.
    let r = client
        .get(p.url("/"))
        .header("cookie", "lb=nonsense")
        .send()
        .unwrap();
    assert!(r.headers().get("set-cookie").is_some());
}

#[test]
fn ip_hash_keeps_a_client_on_one_backend() {
    let b = support::serve(3, &[]);
    let specs = backend_args(&b, &[]);
    let p = proxy(&args_with(&specs, &["--algorithm", "ip-hash"]));
    let got = hits(&support::http(), &p.url("/"), 30);
    assert_eq!(tally(&got).len(), 1, "{got:?}");
}

/// Poll /stats until backend `name` is in `state` (panics after `within`).
pub(crate) fn wait_state(
    client: &reqwest::blocking::Client,
    admin: &str,
    name: &str,
    state: &str,
    within: Duration,
) {
    let deadline = Instant::now() + within;
    loop {
        let stats: serde_json::Value = client
            .get(format!("http://{admin}/stats"))
            .send()
            .unwrap()
            .json()
            .unwrap();
        let now = stats["backends"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["name"] == name)
            .map(|b| b["state"].as_str().unwrap_or("").to_string())
            .unwrap_or_default();
        if now == state {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{name} stayed {now}, wanted {state}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub(crate) fn config_file(text: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
    f.write_all(text.as_bytes()).unwrap();
    f
}
