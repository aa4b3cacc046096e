//! What a load run is and what its worker threads share: the [`Plan`] (the run's shape), the
//! [`Job`] (targets, request template, connection settings, plan; read-only), and the
//! [`Shared`] atomics (stop, claimed requests, open connections). Built by mod.rs, run by
//! engine.rs, read by every worker and slot.

use super::conn::ConnConfig;
use super::shard::Shard;
use super::stages::{ConnectionRamp, Schedule, Stage};
use super::target::{Target, Template};
use http::header::HeaderName;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

/// How a run is shaped.
#[derive(Debug, Clone)]
pub struct Plan {
    pub connections: usize,
    /// `--h2-streams`: requests in flight per connection (HTTP/2 streams); 1 otherwise.
    pub streams: usize,
    /// Open model: the pool may grow from `connections` up to this many (`--max-connections`);
    /// equal to `connections` for a fixed pool.
    pub max_connections: usize,
    pub threads: usize,
    /// The measured window (after warmup); None with -n alone in the closed model.
    pub duration: Option<Duration>,
    /// Requests to send after warmup.
    pub requests: Option<u64>,
    pub warmup: Duration,
    /// Open model rate (requests per second).
    pub rate: Option<f64>,
    pub timeout: Duration,
    /// Open model: how long after the window requests already due may still finish.
    pub drain: Duration,
    pub group_by: Option<HeaderName>,
    /// Snapshot interval for progress and the interval log.
    pub interval: Duration,
    /// `--stage`s (empty for a plan without stages); see stages.rs.
    pub stages: Vec<Stage>,
    /// Open model: when each request is due (this shard's part of the plan).
    pub schedule: Option<Schedule>,
    /// Closed model with stages: the ramp of active connections, in the plan's slots.
    pub ramp: Option<ConnectionRamp>,
    /// `--shard`/`--shards`: this run is one part of a larger plan.
    pub shard: Option<Shard>,
    /// `--start-at`: when the plan starts (None: right away).
    pub start_at: Option<std::time::Instant>,
}

impl Plan {
    /// The open model's measured window: the duration, or N / rate, whichever is shorter.
    pub fn open_window(&self) -> Option<Duration> {
        let rate = self.rate?;
        if !self.stages.is_empty() {
            return Some(self.stages.iter().map(|s| s.duration).sum());
        }
        let by_count = self
            .requests
            .map(|n| Duration::from_secs_f64(n as f64 / rate));
        match (self.duration, by_count) {
            (Some(d), Some(n)) => Some(d.min(n)),
            (d, n) => d.or(n),
        }
    }
}

/// Everything a worker needs, shared read-only.
pub struct Job {
    pub targets: Vec<Target>,
    /// Index of each target's origin (targets on the same origin share connections).
    pub origin_of: Vec<usize>,
    pub origins: usize,
    pub template: Template,
    pub conn: ConnConfig,
    pub plan: Plan,
    /// `--targets FILE`: the requests come from this stream, and `targets` are its origins.
    pub stream: Option<super::target_stream::TargetStream>,
    /// What the run is aimed at, for the start line: the first URL, or the targets file.
    pub label: String,
}

impl Job {
    pub fn new(targets: Vec<Target>, mut template: Template, conn: ConnConfig, plan: Plan) -> Job {
        template.prepare(&targets);
        let label = targets.first().map(|t| t.url.clone()).unwrap_or_default();
        let mut keys: Vec<(std::net::SocketAddr, bool, bool)> = Vec::new();
        let origin_of = targets
            .iter()
            .map(|t| {
                let key = (t.addr, t.tls, t.h2c);
                match keys.iter().position(|k| *k == key) {
                    Some(i) => i,
                    None => {
                        keys.push(key);
                        keys.len() - 1
                    }
                }
            })
            .collect();
        Job {
            targets,
            origin_of,
            origins: keys.len(),
            template,
            conn,
            plan,
            stream: None,
            label,
        }
    }
}

/// State shared by all workers (atomics, touched once per request at most for -n).
#[derive(Default)]
pub struct Shared {
    /// Set on SIGINT/SIGTERM: stop sending, report what was measured.
    pub stop: AtomicBool,
    /// Closed model with -n: requests claimed so far.
    pub claimed: AtomicU64,
    /// Connections open right now, over all workers (touched when one opens or closes).
    pub open_connections: AtomicU64,
    /// The most connections open at once during the run (warmup included).
    pub peak_connections: AtomicU64,
    /// `--export`: where each worker hands its rows.
    pub export: Option<super::export::Sink>,
    /// Per `--stage`: the most connections seen open by a request of that stage.
    pub stage_peaks: Vec<AtomicU64>,
}

impl Shared {
    /// A connection was established: count it until the returned guard is dropped.
    pub(super) fn connection_opened(self: &Arc<Self>) -> OpenConnection {
        let now = self.open_connections.fetch_add(1, Ordering::Relaxed) + 1;
        self.peak_connections.fetch_max(now, Ordering::Relaxed);
        OpenConnection(self.clone())
    }
}

/// Held beside each open connection; dropping it counts the connection closed.
pub(super) struct OpenConnection(Arc<Shared>);

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.0.open_connections.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> Plan {
        Plan {
            connections: 4,
            streams: 1,
            max_connections: 4,
            threads: 1,
            duration: None,
            requests: None,
            warmup: Duration::ZERO,
            rate: None,
            timeout: Duration::from_secs(1),
            drain: Duration::from_secs(1),
            group_by: None,
            interval: Duration::from_secs(1),
            stages: Vec::new(),
            schedule: None,
            ramp: None,
            shard: None,
            start_at: None,
        }
    }

    #[test]
    fn open_window() {
        let mut p = plan();
        assert_eq!(p.open_window(), None);
        p.rate = Some(200.0);
        p.duration = Some(Duration::from_secs(5));
        assert_eq!(p.open_window(), Some(Duration::from_secs(5)));
        p.requests = Some(100);
        assert_eq!(p.open_window(), Some(Duration::from_millis(500)));
        p.duration = None;
        assert_eq!(p.open_window(), Some(Duration::from_millis(500)));
    }

    #[test]
    fn origins_are_shared_by_same_host() {
        let t = |u: &str| super::super::target::parse_target(u).unwrap();
        let targets = vec![
            t("http://127.0.0.1:1/a"),
            t("http://127.0.0.1:1/b"),
            t("http://127.0.0.1:2/"),
        ];
        let tpl = Template::new("GET", &[], bytes::Bytes::new(), false).unwrap();
        let cc = ConnConfig {
            tls: None,
            http2: false,
            connect_timeout: Duration::from_secs(1),
        };
        let job = Job::new(targets, tpl, cc, plan());
        assert_eq!(job.origin_of, vec![0, 0, 1]);
        assert_eq!(job.origins, 2);
    }
}
