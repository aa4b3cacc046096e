//! The parts of /stats the HTML stats page (stats_page.rs) needs beyond the counters, added to
//! the document without changing what was there: per backend, since when it is in its state
//! and its last active check (HAProxy's stats page: status age and "LastChk"); at the top,
//! the snapshot's time (so the page derives req/s from two snapshots on the proxy's clock, not
//! the browser's), the proxy's version and uptime, and each listener with the pools it routes
//! to (the page draws one table per pool under its listeners). admin.rs flattens these into
//! its `BackendStats` and `Stats`.

use crate::proxy::core::backend::{Backend, now_ms};
use crate::proxy::core::frontend::L7;
use serde::Serialize;
use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// The last active check of a backend, as /stats shows it.
#[derive(Debug, Serialize)]
pub struct CheckView {
    pub pass: bool,
    /// The HTTP status answered (absent for tcp checks and failures before an answer).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// "ok", or why it failed.
    pub reason: String,
    pub duration_ms: f64,
    /// Seconds since it finished.
    pub age_s: f64,
}

/// Per-backend fields (flattened into admin.rs `BackendStats`).
#[derive(Debug, Serialize)]
pub struct BackendHistory {
    /// Seconds the backend has been in its current `state`, and that moment as Unix seconds.
    pub state_for_s: f64,
    pub state_since_unix: f64,
    /// Absent when the pool runs no active checks (or none has finished yet).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_check: Option<CheckView>,
}

fn unix_now_s() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

fn seconds_ago(at_ms: u64) -> f64 {
    now_ms().saturating_sub(at_ms) as f64 / 1e3
}

impl BackendHistory {
    pub fn of(b: &Backend) -> Self {
        let for_s = seconds_ago(b.state_since_ms());
        BackendHistory {
            state_for_s: for_s,
            state_since_unix: (unix_now_s() - for_s).max(0.0),
            last_check: b.observed.last_check().map(|c| CheckView {
                pass: c.pass,
                status: c.status,
                reason: c.reason,
                duration_ms: (c.duration_ms * 1e3).round() / 1e3,
                age_s: seconds_ago(c.at_ms),
            }),
        }
    }
}

/// One listener in /stats.
#[derive(Debug, Serialize)]
pub struct ListenerView {
    /// `listener[0]`, as the policy names and /metrics labels call it.
    pub name: String,
    /// The bound address (absent if unknown).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    pub requests: u64,
    pub no_backend: u64,
    /// Pools it routes to: default, routes, SNI rules, canaries and mirrors.
    pub pools: Vec<String>,
}

/// Top-level fields (flattened into admin.rs `Stats`).
#[derive(Debug, Serialize)]
pub struct ProxyInfo {
    pub version: &'static str,
    /// When this snapshot was taken, Unix milliseconds.
    pub time_unix_ms: u64,
    /// Seconds since the proxy set up its first backend (about its start).
    pub uptime_s: f64,
    pub listeners: Vec<ListenerView>,
}

impl ProxyInfo {
    /// `l7s` are the listeners, `listen` their bound addresses in the same order.
    pub fn of(l7s: &[Arc<L7>], listen: &[SocketAddr]) -> Self {
        let listeners = l7s
            .iter()
            .enumerate()
            .map(|(i, l7)| {
                let r = l7.routing();
                let mut used: BTreeSet<usize> = r.default_pool.into_iter().collect();
                used.extend(r.routes.iter().map(|rt| rt.pool));
                let policies = r.routes.iter().filter_map(|rt| rt.policy.as_ref());
                for p in policies.chain(r.default_policy.as_ref()) {
                    used.extend(p.canary.as_ref().map(|c| c.pool));
                    used.extend(p.mirror.as_ref().map(|m| m.pool));
                }
                let by_sni = r
                    .sni
                    .rules()
                    .iter()
                    .filter_map(|rule| r.pools.iter().position(|p| p.name == rule.pool));
                used.extend(by_sni);
                let c = &l7.counters;
                ListenerView {
                    name: format!("listener[{i}]"),
                    address: listen.get(i).map(|a| a.to_string()),
                    requests: c.requests.load(std::sync::atomic::Ordering::Relaxed),
                    no_backend: c.no_backend.load(std::sync::atomic::Ordering::Relaxed),
                    pools: used
                        .into_iter()
                        .filter_map(|i| r.pools.get(i).map(|p| p.name.clone()))
                        .collect(),
                }
            })
            .collect();
        ProxyInfo {
            version: env!("CARGO_PKG_VERSION"),
            time_unix_ms: (unix_now_s() * 1e3) as u64,
            uptime_s: now_ms() as f64 / 1e3,
            listeners,
        }
    }
}
