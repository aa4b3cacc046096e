//! The Grafana dashboard (`lbctl proxy grafana`) against a running proxy that has had traffic:
//! every metric and label name its PromQL uses (panels and template variables) is in the live
//! `/metrics`, and every panel's expression, evaluated by a real Prometheus (Debian's
//! `prometheus`, on loopback, scraping the admin listener every second), succeeds; the core
//! panels return data.

use super::{args_with, backend_args, proxy};
use crate::support::{self, Proc, lbctl};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// The response cache's metrics, added in parallel on another branch with these exact names.
/// Their panels are skipped while this is true; the lead sets it to false (and checks
/// `CACHE_FLAGS`) when the cache is merged.
const SKIP_ARRIVING: bool = false;
const ARRIVING_WITH_THE_CACHE: &[&str] = &[
    "lbctl_proxy_cache_requests_total",
    "lbctl_proxy_cache_bytes",
    "lbctl_proxy_cache_entries",
    "lbctl_proxy_cache_evictions_total",
];
/// Proxy flags that turn the cache on (so its families appear in /metrics) once it exists.
const CACHE_FLAGS: &[&str] = &["--cache", "1MiB"];

/// Labels Prometheus adds to every scraped series (not in /metrics).
const TARGET_LABELS: &[&str] = &["instance", "job"];

/// PromQL words that are not metric names (aggregations may be followed by `by (...)` before
/// their parenthesis).
#[rustfmt::skip]
const KEYWORDS: &[&str] = &[
    "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or",
    "unless", "offset", "inf", "nan", "sum", "min", "max", "avg", "group", "stddev", "stdvar",
    "count", "count_values", "bottomk", "topk", "quantile",
];

/// Metric and label names an expression uses: a small PromQL scanner (strings and range
/// selectors skipped; `{...}` gives label names; `by (...)`/`without (...)` give label names;
/// a name followed by `(` is a function or aggregation).
fn names(expr: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let (mut metrics, mut labels) = (BTreeSet::new(), BTreeSet::new());
    let c: Vec<char> = expr.chars().collect();
    let ident = |i: usize| c[i].is_ascii_alphabetic() || c[i] == '_' || c[i] == ':';
    let mut i = 0;
    let mut grouping = false; // the next `(` opens a by/without label list
    while i < c.len() {
        match c[i] {
            '"' | '\'' | '`' => {
                let q = c[i];
                i += 1;
                while i < c.len() && c[i] != q {
                    i += if c[i] == '\\' { 2 } else { 1 };
                }
                i += 1;
            }
            '[' => {
                while i < c.len() && c[i] != ']' {
                    i += 1;
                }
                i += 1;
            }
            '{' => {
                // label matchers: NAME op "value", ...
                i += 1;
                while i < c.len() && c[i] != '}' {
                    if ident(i) {
                        let s = i;
                        while i < c.len() && (c[i].is_ascii_alphanumeric() || c[i] == '_') {
                            i += 1;
                        }
                        labels.insert(c[s..i].iter().collect());
                        while i < c.len() && c[i] != '"' && c[i] != '}' {
                            i += 1;
                        }
                        if i < c.len() && c[i] == '"' {
                            i += 1;
                            while i < c.len() && c[i] != '"' {
                                i += if c[i] == '\\' { 2 } else { 1 };
                            }
                            i += 1;
                        }
                    } else {
                        i += 1;
                    }
                }
                i += 1;
            }
            '(' if grouping => {
                i += 1;
                while i < c.len() && c[i] != ')' {
                    if ident(i) {
                        let s = i;
                        while i < c.len() && (c[i].is_ascii_alphanumeric() || c[i] == '_') {
                            i += 1;
                        }
                        labels.insert(c[s..i].iter().collect());
                    } else {
                        i += 1;
                    }
                }
                grouping = false;
                i += 1;
            }
            _ if c[i].is_ascii_digit() || c[i] == '.' => {
                while i < c.len() && (c[i].is_ascii_alphanumeric() || c[i] == '.') {
                    i += 1;
                }
            }
            _ if ident(i) => {
                let s = i;
                while i < c.len() && (c[i].is_ascii_alphanumeric() || c[i] == '_' || c[i] == ':') {
                    i += 1;
                }
                let word: String = c[s..i].iter().collect();
                let mut j = i;
                while j < c.len() && c[j] == ' ' {
                    j += 1;
                }
                let lower = word.to_ascii_lowercase();
                if [
                    "by",
                    "without",
                    "on",
                    "ignoring",
                    "group_left",
                    "group_right",
                ]
                .contains(&lower.as_str())
                {
                    grouping = true;
                } else if KEYWORDS.contains(&lower.as_str()) || (j < c.len() && c[j] == '(') {
                    // a keyword, a function or an aggregation
                } else {
                    metrics.insert(word);
                }
            }
            _ => i += 1,
        }
    }
    (metrics, labels)
}

#[test]
fn the_scanner_finds_metrics_and_labels() {
    let (m, l) = names(
        r#"histogram_quantile(0.99, sum by (pool, le) (rate(a_bucket{instance=~"$x", code=~"5..|e}rror"}[$__rate_interval]))) / on(job) b + 2e3"#,
    );
    assert_eq!(m.into_iter().collect::<Vec<_>>(), ["a_bucket", "b"]);
    assert_eq!(
        l.into_iter().collect::<Vec<_>>(),
        ["code", "instance", "job", "le", "pool"]
    );
}

/// Every PromQL expression of the dashboard: (where, expression). A template variable's
/// `label_values(EXPR, LABEL)` gives EXPR, and LABEL as `sum by (LABEL) (EXPR)` so the
/// scanner sees it as a label.
fn expressions() -> Vec<(String, String)> {
    let out = lbctl().args(["proxy", "grafana"]).output().expect("run");
    assert!(out.status.success());
    let d: serde_json::Value = serde_json::from_slice(&out.stdout).expect("dashboard JSON");
    let mut all = Vec::new();
    for v in d["templating"]["list"].as_array().expect("variables") {
        let Some(q) = v["query"]["query"].as_str() else {
            continue;
        };
        let inner = q
            .strip_prefix("label_values(")
            .and_then(|r| r.strip_suffix(')'))
            .unwrap_or_else(|| panic!("variable {}: {q}", v["name"]));
        let (expr, label) = inner.rsplit_once(',').expect("label_values(EXPR, LABEL)");
        all.push((
            format!("variable {}", v["name"]),
            format!("sum by ({}) ({expr})", label.trim()),
        ));
    }
    for p in d["panels"].as_array().expect("panels") {
        for t in p["targets"].as_array().into_iter().flatten() {
            let expr = t["expr"].as_str().expect("expr");
            all.push((format!("panel {}", p["title"]), expr.to_string()));
        }
    }
    assert!(all.len() > 20, "{all:?}");
    all
}

fn arriving(expr: &str) -> bool {
    SKIP_ARRIVING && ARRIVING_WITH_THE_CACHE.iter().any(|m| expr.contains(m))
}

/// A proxy with an admin listener, three backends (one answering some 503s) and active
/// checks, with the cache on once it exists.
fn proxy_with_traffic(b: &support::Backends) -> super::Proxy {
    let specs = backend_args(b, &[]);
    let mut rest = vec![
        "--admin",
        "127.0.0.1:0",
        "--check",
        "http:/",
        "--check-interval",
        "500ms",
    ];
    if !SKIP_ARRIVING {
        rest.extend_from_slice(CACHE_FLAGS);
    }
    let p = proxy(&args_with(&specs, &rest));
    let http = support::http();
    for _ in 0..40 {
        http.get(p.url("/")).send().expect("request");
    }
    p
}

/// Sample names and label names of a /metrics text.
fn exposed(text: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let (mut metrics, mut labels) = (BTreeSet::new(), BTreeSet::new());
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let name_end = line.find(['{', ' ']).unwrap_or(line.len());
        metrics.insert(line[..name_end].to_string());
        if let Some(set) = line[name_end..]
            .strip_prefix('{')
            .and_then(|r| r.split_once('}'))
        {
            for pair in set.0.split("\",") {
                if let Some((k, _)) = pair.split_once('=') {
                    labels.insert(k.trim().to_string());
                }
            }
        }
    }
    (metrics, labels)
}

#[test]
fn every_metric_and_label_the_dashboard_uses_is_in_a_live_metrics_page() {
    let b = support::serve(3, &["--backend-opts", "b2:fail-rate=0.2"]);
    let p = proxy_with_traffic(&b);
    let admin = p.admin.clone().expect("admin");
    let text = support::http()
        .get(format!("http://{admin}/metrics"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    let (live_metrics, mut live_labels) = exposed(&text);
    live_labels.extend(TARGET_LABELS.iter().map(|l| l.to_string()));
    let mut missing = Vec::new();
    for (wher, expr) in expressions() {
        if arriving(&expr) {
            continue;
        }
        let (metrics, labels) = names(&expr);
        assert!(!metrics.is_empty(), "{wher}: no metric in {expr}");
        for m in metrics.difference(&live_metrics) {
            missing.push(format!("{wher}: metric {m}"));
        }
        for l in labels.difference(&live_labels) {
            missing.push(format!("{wher}: label {l}"));
        }
    }
    assert!(missing.is_empty(), "not in /metrics: {missing:#?}\n{text}");
}

/// A Prometheus server on loopback, killed by PID when dropped (Proc's Drop).
struct Prometheus {
    _proc: Proc,
    url: String,
    _dir: tempfile::TempDir,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("bind")
}

fn start_prometheus(scrape: &str) -> Prometheus {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: lbctl\n    static_configs:\n      - targets: ['{scrape}']\n"
        ),
    )
    .expect("write config");
    let port = free_port();
    let proc = Proc::spawn_program(
        "prometheus",
        &[
            &format!("--config.file={}", config.display()),
            &format!("--storage.tsdb.path={}", dir.path().join("data").display()),
            &format!("--web.listen-address=127.0.0.1:{port}"),
            "--storage.tsdb.retention.time=1h",
            "--log.level=warn",
        ],
    );
    let url = format!("http://127.0.0.1:{port}");
    let http = support::http();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !http
        .get(format!("{url}/-/ready"))
        .send()
        .is_ok_and(|r| r.status().is_success())
    {
        assert!(Instant::now() < deadline, "prometheus not ready in 30 s");
        std::thread::sleep(Duration::from_millis(100));
    }
    let prom = Prometheus {
        _proc: proc,
        url,
        _dir: dir,
    };
    // Ready is not scraped: wait for the first sample of the target, so that what a test does
    // next lies inside Prometheus' window (on a busy machine the first scrape came seconds
    // after ready, after most of a load run, and the failing backend's few in-window requests
    // once had no 503 at all).
    while query(&prom, "up == 1").1 == 0 {
        assert!(
            Instant::now() < deadline,
            "prometheus did not scrape in 30 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    prom
}

/// `s` percent-encoded for a query string (RFC 3986 unreserved characters kept).
fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Evaluate `expr` now: (status, number of series).
fn query(prom: &Prometheus, expr: &str) -> (String, usize, serde_json::Value) {
    let doc: serde_json::Value = support::http()
        .get(format!(
            "{}/api/v1/query?query={}",
            prom.url,
            percent_encode(expr)
        ))
        .send()
        .expect("query")
        .json()
        .expect("json");
    let n = doc["data"]["result"].as_array().map_or(0, Vec::len);
    (doc["status"].as_str().unwrap_or("").to_string(), n, doc)
}

/// Grafana's variables as a test evaluates them: every value (`.*`) and a 10 s rate window
/// (Grafana's $__rate_interval is at least four scrape intervals).
fn substitute(expr: &str) -> String {
    expr.replace("$__rate_interval", "10s")
        .replace("$instance", ".*")
        .replace("$pool", ".*")
        .replace("$backend", ".*")
        .replace("$listener", ".*")
}

#[test]
fn every_panel_evaluates_in_a_real_prometheus_and_the_core_ones_have_data() {
    let b = support::serve(3, &["--backend-opts", "b2:fail-rate=0.2"]);
    let p = proxy_with_traffic(&b);
    let admin = p.admin.clone().expect("admin");
    let prom = start_prometheus(&admin);
    // Traffic while Prometheus scrapes: a bounded, rate-limited load run.
    let load = std::process::Command::new(support::bin())
        .args([
            "load", "-c", "2", "--rate", "100/s", "-d", "6s", "--output", "json",
        ])
        .arg(p.url("/"))
        .output();
    let load = load.expect("run lbctl load");
    assert!(
        load.status.success(),
        "{}",
        String::from_utf8_lossy(&load.stderr)
    );
    // Enough samples for a 10 s rate (bounded wait).
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, n, _) = query(
            &prom,
            "sum(rate(lbctl_proxy_client_requests_total[10s])) > 0",
        );
        if n > 0 {
            break;
        }
        assert!(Instant::now() < deadline, "no rate after 30 s of scrapes");
        std::thread::sleep(Duration::from_millis(250));
    }
    // Core panels: their first word (title) must have data.
    let core = [
        "Request rate by backend",
        "Error ratio by backend",
        "Backend latency percentiles",
        "p99 latency by backend",
        "In flight by backend",
        "Backend up",
        "Retries by backend",
        "Ejections",
        "Effective weight",
        "Client requests/s",
    ];
    let mut failures = Vec::new();
    let mut evaluated = 0;
    for (wher, expr) in expressions() {
        if arriving(&expr) {
            continue;
        }
        let e = substitute(&expr);
        assert!(!e.contains('$'), "{wher}: a variable left in {e}");
        let (status, n, doc) = query(&prom, &e);
        evaluated += 1;
        if status != "success" {
            failures.push(format!("{wher}: {e}: {doc}"));
        } else if n == 0 && core.iter().any(|c| wher.contains(c)) {
            failures.push(format!("{wher}: no data for {e}"));
        }
    }
    assert!(evaluated > 20, "{evaluated}");
    assert!(failures.is_empty(), "{failures:#?}");
    // The error ratio of the failing backend is above 0: the series are the proxy's. Over a
    // window that covers the whole load run (the panel's own 10 s window may by now hold only
    // the quiet after it, or a stretch where passive health kept b2 out: a busy machine made
    // that happen once in CI).
    let (_, _, doc) = query(
        &prom,
        r#"sum by (backend) (increase(lbctl_proxy_requests_total{code=~"5..|error"}[5m])) / sum by (backend) (increase(lbctl_proxy_requests_total[5m]))"#,
    );
    let ratio = |name: &str| {
        doc["data"]["result"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|s| s["metric"]["backend"] == name)
            .and_then(|s| s["value"][1].as_str())
            .and_then(|v| v.parse::<f64>().ok())
    };
    // b2 answers 20% 503s: above 0 over the run; the others never fail.
    assert!(ratio("b2").is_some_and(|r| r > 0.0), "{doc}");
    assert_eq!(ratio("b1"), Some(0.0), "{doc}");
    assert_eq!(ratio("b3"), Some(0.0), "{doc}");
}
