//! What `lbctl sim` prints: per algorithm, client latency percentiles (HdrHistogram, via
//! `stats`), errors and retries, queueing, the share of each backend, and the time to recover
//! after each event; as a side-by-side table or one JSON document (the HTML page reads the
//! same [`Report`]).

use super::plan::Scenario;
use super::runner::RunResult;
use super::series::{Series, recovery};
use crate::output::new_table;
use crate::stats::Summary;
use serde::Serialize;
use std::fmt::Write as _;
use std::time::Duration;

/// Backends listed one by one in the table (above: the spread only).
const TABLE_BACKENDS: usize = 12;

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub backends: usize,
    /// "open" (arrivals at a rate) or "closed" (clients, each one request at a time).
    pub model: &'static str,
    /// The closed model's clients (the most any stage asks for); null for the open model.
    pub connections: Option<u64>,
    /// The closed model's think time, ms.
    pub think_ms: Option<f64>,
    /// --overhead, ms: in every latency, outside the backends.
    pub overhead_ms: f64,
    pub seed: u64,
    pub events: Vec<EventInfo>,
    pub algorithms: Vec<AlgoReport>,
    /// Wall-clock seconds the simulation took, and simulated requests per wall second.
    pub elapsed_s: f64,
    pub simulated_per_s: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct EventInfo {
    pub at_s: f64,
    pub event: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AlgoReport {
    pub algorithm: String,
    pub requests: u64,
    pub completed: u64,
    pub errors: u64,
    pub retries: u64,
    pub panic_picks: u64,
    /// Passive-health markings (all backends).
    pub ejections: u64,
    /// Client latency of the completed requests, ms.
    pub latency_ms: Summary,
    /// Exact mean (not from the histogram), ms.
    pub mean_latency_ms: f64,
    pub queue: QueueReport,
    /// Little's law: time-average requests in the system, and completions per second.
    pub mean_in_system: f64,
    pub throughput: f64,
    pub simulated_s: f64,
    pub backends: Vec<BackendReport>,
    pub recovery: Vec<RecoveryReport>,
    pub series: Series,
}

#[derive(Debug, Clone, Serialize)]
pub struct QueueReport {
    /// Attempts that waited in a backend's queue.
    pub waited: u64,
    /// Time in a backend's queue over every attempt (0 for those that did not wait), ms.
    pub wait_ms: Summary,
    pub max_queue: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct BackendReport {
    pub name: String,
    /// Share of the attempts sent.
    pub share: f64,
    pub attempts: u64,
    pub ok: u64,
    pub errors: u64,
    pub ejections: u64,
    pub max_queue: usize,
    pub mean_wait_ms: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct RecoveryReport {
    pub event: String,
    pub baseline_p99_ms: Option<f64>,
    pub peak_p99_ms: Option<f64>,
    /// Seconds after the event; null: not recovered by the end (or no baseline).
    pub recovered_after_s: Option<f64>,
}

impl AlgoReport {
    fn build(sc: &Scenario, r: &RunResult) -> Self {
        let attempts: u64 = r.backends.iter().map(|b| b.attempts).sum();
        let backends = r
            .backends
            .iter()
            .map(|b| BackendReport {
                name: b.model.name.clone(),
                share: if attempts == 0 {
                    0.0
                } else {
                    b.attempts as f64 / attempts as f64
                },
                attempts: b.attempts,
                ok: b.ok,
                errors: b.errors,
                ejections: b.ejections,
                max_queue: b.max_queue,
                mean_wait_ms: if b.waited == 0 {
                    0.0
                } else {
                    b.wait_ns / b.waited as f64 / 1e6
                },
            })
            .collect();
        let recovery = sc
            .events
            .iter()
            .map(|e| {
                let rec = recovery::after(&r.series, e.at.as_secs_f64());
                RecoveryReport {
                    event: e.text.clone(),
                    baseline_p99_ms: rec.map(|x| x.baseline_p99_ms),
                    peak_p99_ms: rec.map(|x| x.peak_p99_ms),
                    recovered_after_s: rec.and_then(|x| x.after_s),
                }
            })
            .collect();
        AlgoReport {
            algorithm: r.algorithm.name(),
            requests: r.arrivals,
            completed: r.completed,
            errors: r.errors,
            retries: r.retries,
            panic_picks: r.panic_picks,
            ejections: r.backends.iter().map(|b| b.ejections).sum(),
            latency_ms: r.latency.summary_ms(),
            mean_latency_ms: if r.completed == 0 {
                0.0
            } else {
                r.latency_sum_ns / r.completed as f64 / 1e6
            },
            queue: QueueReport {
                waited: r.backends.iter().map(|b| b.waited).sum(),
                wait_ms: r.wait.summary_ms(),
                max_queue: r.backends.iter().map(|b| b.max_queue).max().unwrap_or(0),
            },
            mean_in_system: r.mean_in_system,
            throughput: if r.span_s > 0.0 {
                r.completed as f64 / r.span_s
            } else {
                0.0
            },
            simulated_s: r.span_s,
            backends,
            recovery,
            series: r.series.clone(),
        }
    }
}

impl Report {
    pub fn build(sc: &Scenario, runs: &[RunResult], elapsed: Duration) -> Self {
        let total: u64 = runs.iter().map(|r| r.arrivals).sum();
        let secs = elapsed.as_secs_f64();
        Report {
            backends: sc.backends.len(),
            model: if sc.closed.is_some() {
                "closed"
            } else {
                "open"
            },
            connections: sc.closed.as_ref().map(|c| c.clients),
            think_ms: sc.closed.as_ref().map(|c| c.think_ns as f64 / 1e6),
            overhead_ms: sc.overhead_ns as f64 / 1e6,
            seed: sc.seed,
            events: sc
                .events
                .iter()
                .map(|e| EventInfo {
                    at_s: e.at.as_secs_f64(),
                    event: e.text.clone(),
                })
                .collect(),
            algorithms: runs.iter().map(|r| AlgoReport::build(sc, r)).collect(),
            elapsed_s: secs,
            simulated_per_s: if secs > 0.0 { total as f64 / secs } else { 0.0 },
        }
    }
}

fn ms(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

fn pct(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

/// The human report: latency and errors side by side, shares per backend, recovery per event.
pub fn render_table(rep: &Report, _color: bool) -> String {
    let mut out = String::new();
    let closed = rep.connections.is_some();
    let mut columns = vec![
        "algorithm",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "p99.9 ms",
        "max ms",
        "errors",
        "retries",
        "queued",
        "wait p99 ms",
        "max queue",
    ];
    if closed {
        columns.insert(1, "req/s");
    }
    let mut t = new_table(&columns);
    for a in &rep.algorithms {
        let l = &a.latency_ms;
        let mut row = vec![
            a.algorithm.clone(),
            ms(l.p50),
            ms(l.p90),
            ms(l.p99),
            ms(l.p999),
            ms(l.max),
            format!(
                "{} ({})",
                a.errors,
                pct(a.errors as f64 / a.requests.max(1) as f64)
            ),
            a.retries.to_string(),
            pct(a.queue.waited as f64 / a.requests.max(1) as f64),
            if a.queue.waited == 0 {
                "0".into()
            } else {
                ms(a.queue.wait_ms.p99)
            },
            a.queue.max_queue.to_string(),
        ];
        if closed {
            row.insert(1, format!("{:.0}", a.throughput));
        }
        t.add_row(row);
    }
    let requests = rep.algorithms.first().map_or(0, |a| a.requests);
    let overhead = if rep.overhead_ms > 0.0 {
        format!(", overhead {}ms", ms(rep.overhead_ms))
    } else {
        String::new()
    };
    match (rep.connections, rep.think_ms) {
        (Some(c), think) => {
            let think = think
                .filter(|&t| t > 0.0)
                .map_or(String::new(), |t| format!(", think {}ms", ms(t)));
            let _ = writeln!(
                out,
                "{} backends, closed model: {c} clients{think}{overhead}, seed {}",
                rep.backends, rep.seed
            );
        }
        (None, _) => {
            let _ = writeln!(
                out,
                "{} backends, {requests} requests per algorithm{overhead}, seed {}",
                rep.backends, rep.seed
            );
        }
    }
    let _ = writeln!(out, "{t}");
    let mut header = vec!["share".to_string()];
    header.extend(rep.algorithms.iter().map(|a| a.algorithm.clone()));
    let hdr: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut s = new_table(&hdr);
    if rep.backends <= TABLE_BACKENDS {
        for i in 0..rep.backends {
            let mut row = vec![rep.algorithms[0].backends[i].name.clone()];
            row.extend(rep.algorithms.iter().map(|a| pct(a.backends[i].share)));
            s.add_row(row);
        }
    } else {
        for (label, f) in [("min", f64::min as fn(f64, f64) -> f64), ("max", f64::max)] {
            let mut row = vec![format!("{label} of {}", rep.backends)];
            row.extend(rep.algorithms.iter().map(|a| {
                let init = if label == "min" { f64::INFINITY } else { 0.0 };
                pct(a.backends.iter().map(|b| b.share).fold(init, f))
            }));
            s.add_row(row);
        }
    }
    let _ = writeln!(out, "{s}");
    if !rep.events.is_empty() {
        let mut header = vec!["event (time to recover)".to_string()];
        header.extend(rep.algorithms.iter().map(|a| a.algorithm.clone()));
        let hdr: Vec<&str> = header.iter().map(String::as_str).collect();
        let mut e = new_table(&hdr);
        for (k, ev) in rep.events.iter().enumerate() {
            let mut row = vec![ev.event.clone()];
            row.extend(rep.algorithms.iter().map(|a| {
                let r = &a.recovery[k];
                match (r.recovered_after_s, r.peak_p99_ms) {
                    (Some(s), Some(p)) => format!("{s:.0}s (p99 peak {})", ms(p)),
                    (None, Some(p)) => format!("- (p99 peak {})", ms(p)),
                    _ => "n/a".into(),
                }
            }));
            e.add_row(row);
        }
        let _ = writeln!(out, "{e}");
    }
    let _ = writeln!(
        out,
        "simulated {:.0} requests/s of wall time ({:.2}s)",
        rep.simulated_per_s, rep.elapsed_s
    );
    out
}
