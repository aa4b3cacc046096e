//! The traffic policy as the admin endpoints show it: each listener's `--rate-limit` and each
//! route's rate limit, canary split and mirror, by name (`listener[0]`, `listener[0].route[1]`,
//! `listener[0].default`), in /stats (`policies`) and as counter families in /metrics. admin.rs
//! calls in here; the counters live in core/ratelimit.rs, core/canary.rs and core/mirror.rs.

use crate::proxy::core::frontend::L7;
use crate::proxy::core::policy::Policy;
use crate::proxy::core::ratelimit::Limiter;
use prometheus_client::encoding::{DescriptorEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;
use serde::Serialize;
use std::sync::Arc;
use std::sync::atomic::Ordering;

#[derive(Debug, Serialize)]
pub struct LimitStats {
    pub limiter: String,
    pub spec: String,
    pub key: String,
    pub allowed: u64,
    pub delayed: u64,
    pub rejected: u64,
    /// Requests without the key (not limited).
    pub unkeyed: u64,
    pub keys: usize,
    pub max_keys: usize,
    pub evictions: u64,
}

#[derive(Debug, Serialize)]
pub struct CanaryStats {
    pub route: String,
    pub main_pool: String,
    pub canary_pool: String,
    pub weight: u32,
    pub to_canary: u64,
    pub to_main: u64,
    /// `canary.header`, `main.weight`, ...: requests by destination and reason.
    pub by_reason: std::collections::BTreeMap<String, u64>,
}

#[derive(Debug, Serialize)]
pub struct MirrorStats {
    pub route: String,
    pub pool: String,
    pub fraction: f64,
    pub max_in_flight: usize,
    pub in_flight: usize,
    pub sent: u64,
    pub failed: u64,
    pub dropped: u64,
    pub skipped_body: u64,
}

/// The `policies` object of /stats.
#[derive(Debug, Default, Serialize)]
pub struct PolicyStats {
    pub rate_limits: Vec<LimitStats>,
    pub canaries: Vec<CanaryStats>,
    pub mirrors: Vec<MirrorStats>,
}

/// Every limiter and route policy of the listeners, with the name of the route's own pool.
struct Found {
    limiters: Vec<(String, Arc<Limiter>)>,
    /// (policy, main pool name, pool names by index)
    policies: Vec<(Arc<Policy>, String, Vec<String>)>,
}

fn find(l7s: &[Arc<L7>]) -> Found {
    let mut f = Found {
        limiters: Vec::new(),
        policies: Vec::new(),
    };
    for (li, l7) in l7s.iter().enumerate() {
        if let Some(l) = &l7.settings.rate_limit {
            f.limiters.push((format!("listener[{li}]"), l.clone()));
        }
        let r = l7.routing();
        let names: Vec<String> = r.pools.iter().map(|p| p.name.clone()).collect();
        let name_of = |i: Option<usize>| i.and_then(|i| names.get(i)).cloned().unwrap_or_default();
        let routed = r
            .routes
            .iter()
            .filter_map(|rt| rt.policy.clone().map(|p| (p, Some(rt.pool))));
        let default = r.default_policy.clone().map(|p| (p, r.default_pool));
        for (p, main) in routed.chain(default) {
            f.policies.push((p, name_of(main), names.clone()));
        }
    }
    f
}

fn limit_stats(name: &str, l: &Limiter) -> LimitStats {
    let c = &l.counters;
    LimitStats {
        limiter: name.to_string(),
        spec: l.spec.text.clone(),
        key: l.spec.key.to_string(),
        allowed: c.allowed.load(Ordering::Relaxed),
        delayed: c.delayed.load(Ordering::Relaxed),
        rejected: c.rejected.load(Ordering::Relaxed),
        unkeyed: c.unkeyed.load(Ordering::Relaxed),
        keys: l.keys(),
        max_keys: l.spec.max_keys,
        evictions: c.evictions.load(Ordering::Relaxed),
    }
}

/// The `policies` object of /stats.
pub fn stats(l7s: &[Arc<L7>]) -> PolicyStats {
    let f = find(l7s);
    let mut out = PolicyStats::default();
    for (name, l) in &f.limiters {
        out.rate_limits.push(limit_stats(name, l));
    }
    for (p, main, names) in &f.policies {
        if let Some(l) = &p.limit {
            out.rate_limits.push(limit_stats(&p.name, l));
        }
        if let Some(c) = &p.canary {
            let counts = c.counts();
            let sum = |to: bool| counts.iter().filter(|x| x.0 == to).map(|x| x.2).sum();
            out.canaries.push(CanaryStats {
                route: p.name.clone(),
                main_pool: main.clone(),
                canary_pool: names.get(c.pool).cloned().unwrap_or_default(),
                weight: c.spec.weight,
                to_canary: sum(true),
                to_main: sum(false),
                by_reason: counts
                    .iter()
                    .map(|(to, why, n)| {
                        let to = if *to { "canary" } else { "main" };
                        (format!("{to}.{why}"), *n)
                    })
                    .collect(),
            });
        }
        if let Some(m) = &p.mirror {
            let c = &m.counters;
            out.mirrors.push(MirrorStats {
                route: p.name.clone(),
                pool: names.get(m.pool).cloned().unwrap_or_default(),
                fraction: m.spec.fraction,
                max_in_flight: m.spec.max_in_flight,
                in_flight: m.in_flight(),
                sent: c.sent.load(Ordering::Relaxed),
                failed: c.failed.load(Ordering::Relaxed),
                dropped: c.dropped.load(Ordering::Relaxed),
                skipped_body: c.skipped_body.load(Ordering::Relaxed),
            });
        }
    }
    out
}

/// The policy families of /metrics (only when some policy exists, so a plain proxy's output
/// does not change).
pub fn encode_metrics(enc: &mut DescriptorEncoder, l7s: &[Arc<L7>]) -> Result<(), std::fmt::Error> {
    let s = stats(l7s);
    if !s.rate_limits.is_empty() {
        let mut m = enc.encode_descriptor(
            "lbctl_proxy_ratelimit_requests",
            "Requests seen by a rate limit (nginx limit_req), by limiter, key and outcome: allowed, delayed (nodelay=false), rejected (429), unkeyed (no key, not limited)",
            None,
            MetricType::Counter,
        )?;
        for l in &s.rate_limits {
            for (outcome, n) in [
                ("allowed", l.allowed),
                ("delayed", l.delayed),
                ("rejected", l.rejected),
                ("unkeyed", l.unkeyed),
            ] {
                let labels: [(&str, &str); 3] = [
                    ("limiter", &l.limiter),
                    ("key", &l.key),
                    ("outcome", outcome),
                ];
                m.encode_family(&labels)?
                    .encode_counter::<NoLabelSet, u64, u64>(&n, None)?;
            }
        }
        let mut m = enc.encode_descriptor(
            "lbctl_proxy_ratelimit_keys",
            "Keys a rate limit remembers now (at most its max-keys)",
            None,
            MetricType::Gauge,
        )?;
        for l in &s.rate_limits {
            let labels: [(&str, &str); 1] = [("limiter", &l.limiter)];
            m.encode_family(&labels)?.encode_gauge(&(l.keys as i64))?;
        }
        let mut m = enc.encode_descriptor(
            "lbctl_proxy_ratelimit_evictions",
            "Keys forgotten to stay within max-keys (they start again with an empty bucket)",
            None,
            MetricType::Counter,
        )?;
        for l in &s.rate_limits {
            let labels: [(&str, &str); 1] = [("limiter", &l.limiter)];
            m.encode_family(&labels)?
                .encode_counter::<NoLabelSet, u64, u64>(&l.evictions, None)?;
        }
    }
    if !s.canaries.is_empty() {
        let mut m = enc.encode_descriptor(
            "lbctl_proxy_canary_requests",
            "Requests of a route with a canary split, by the pool chosen and why (header, cookie, weight)",
            None,
            MetricType::Counter,
        )?;
        for c in &s.canaries {
            for (k, n) in &c.by_reason {
                let (to, why) = k.split_once('.').unwrap_or((k, ""));
                let pool = if to == "canary" {
                    &c.canary_pool
                } else {
                    &c.main_pool
                };
                let labels: [(&str, &str); 4] = [
                    ("route", &c.route),
                    ("target", to),
                    ("pool", pool),
                    ("reason", why),
                ];
                m.encode_family(&labels)?
                    .encode_counter::<NoLabelSet, u64, u64>(n, None)?;
            }
        }
    }
    if !s.mirrors.is_empty() {
        let mut m = enc.encode_descriptor(
            "lbctl_proxy_mirror_requests",
            "Mirror copies of a route's requests by outcome: sent, failed (never seen by the client), dropped (max_in_flight reached), skipped_body (had a body)",
            None,
            MetricType::Counter,
        )?;
        for x in &s.mirrors {
            for (outcome, n) in [
                ("sent", x.sent),
                ("failed", x.failed),
                ("dropped", x.dropped),
                ("skipped_body", x.skipped_body),
            ] {
                let labels: [(&str, &str); 3] =
                    [("route", &x.route), ("pool", &x.pool), ("outcome", outcome)];
                m.encode_family(&labels)?
                    .encode_counter::<NoLabelSet, u64, u64>(&n, None)?;
            }
        }
        let mut m = enc.encode_descriptor(
            "lbctl_proxy_mirror_in_flight",
            "Mirror copies in flight (at most max_in_flight)",
            None,
            MetricType::Gauge,
        )?;
        for x in &s.mirrors {
            let labels: [(&str, &str); 2] = [("route", &x.route), ("pool", &x.pool)];
            m.encode_family(&labels)?
                .encode_gauge(&(x.in_flight as i64))?;
        }
    }
    Ok(())
}
