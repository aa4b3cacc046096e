//! The response cache as the admin endpoints show it: the `cache` object of /stats (size, use,
//! evictions, lookups by outcome and the hit ratio, overall and per listener), its families in
//! /metrics (`lbctl_proxy_cache_requests_total{listener,result}`, `lbctl_proxy_cache_bytes`,
//! `lbctl_proxy_cache_entries`, `lbctl_proxy_cache_evictions_total`), and the runtime API's
//! purge (`POST /api/cache/purge`, see runtime.rs). admin.rs and runtime.rs call in here; the
//! store and the counters live in core/cache.

use crate::proxy::core::cache::store::Store;
use crate::proxy::core::cache::{ListenerCache, Outcome};
use crate::proxy::core::frontend::L7;
use prometheus_client::encoding::{DescriptorEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// One listener's lookups by outcome.
#[derive(Debug, Serialize)]
pub struct ListenerCacheStats {
    /// `listener[0]`, as the policy names in /stats and /metrics.
    pub listener: String,
    pub hit: u64,
    pub miss: u64,
    pub expired: u64,
    pub bypass: u64,
}

/// The `cache` object of /stats.
#[derive(Debug, Serialize)]
pub struct CacheStats {
    pub size: u64,
    pub max_object: u64,
    /// Bytes charged now (bodies, heads, keys and bookkeeping) and entries stored.
    pub bytes: u64,
    pub entries: u64,
    pub evictions: u64,
    pub hit: u64,
    pub miss: u64,
    pub expired: u64,
    pub bypass: u64,
    /// hit / (hit + miss + expired): the share of cacheable requests answered from memory
    /// (bypassed ones could never have been); 0 before the first.
    pub hit_ratio: f64,
    pub listeners: Vec<ListenerCacheStats>,
}

/// The answer to a purge.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PurgeView {
    pub purged: usize,
}

/// `POST /api/cache/purge`'s body: `{"prefix": "/static/"}`, `{"host": "h", "path": "/x"}`,
/// or a host with a prefix.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PurgeRequest {
    host: Option<String>,
    prefix: Option<String>,
    path: Option<String>,
}

fn caches(l7s: &[Arc<L7>]) -> impl Iterator<Item = (usize, &ListenerCache)> {
    l7s.iter()
        .enumerate()
        .filter_map(|(i, l)| l.settings.cache.as_ref().map(|c| (i, c)))
}

fn store(l7s: &[Arc<L7>]) -> Option<&Arc<Store>> {
    caches(l7s).next().map(|(_, c)| &c.store)
}

/// The `cache` object (None when the cache is off).
pub fn stats(l7s: &[Arc<L7>]) -> Option<CacheStats> {
    let s = store(l7s)?;
    let (bytes, entries) = s.usage();
    let listeners: Vec<ListenerCacheStats> = caches(l7s)
        .map(|(i, c)| ListenerCacheStats {
            listener: format!("listener[{i}]"),
            hit: c.counted(Outcome::Hit),
            miss: c.counted(Outcome::Miss),
            expired: c.counted(Outcome::Expired),
            bypass: c.counted(Outcome::Bypass),
        })
        .collect();
    let sum = |f: fn(&ListenerCacheStats) -> u64| listeners.iter().map(f).sum::<u64>();
    let (hit, miss, expired, bypass) = (
        sum(|l| l.hit),
        sum(|l| l.miss),
        sum(|l| l.expired),
        sum(|l| l.bypass),
    );
    let looked = hit + miss + expired;
    Some(CacheStats {
        size: s.limits.size,
        max_object: s.limits.max_object,
        bytes,
        entries,
        evictions: s.evictions.load(Ordering::Relaxed),
        hit,
        miss,
        expired,
        bypass,
        hit_ratio: if looked == 0 {
            0.0
        } else {
            hit as f64 / looked as f64
        },
        listeners,
    })
}

/// The cache's families of /metrics (only when the cache is on).
pub fn encode_metrics(enc: &mut DescriptorEncoder, l7s: &[Arc<L7>]) -> Result<(), std::fmt::Error> {
    let Some(s) = store(l7s) else {
        return Ok(());
    };
    // Named without `_total`: the encoder appends it to counters.
    let mut m = enc.encode_descriptor(
        "lbctl_proxy_cache_requests",
        "Requests of caching routes by cache result: hit (answered from memory), miss, expired (a stale entry was replaced), bypass (not cacheable: method, Range, Authorization, no-store)",
        None,
        MetricType::Counter,
    )?;
    for (i, c) in caches(l7s) {
        let listener = format!("listener[{i}]");
        for o in Outcome::ALL {
            let labels: [(&str, &str); 2] = [("listener", &listener), ("result", o.label())];
            m.encode_family(&labels)?
                .encode_counter::<NoLabelSet, u64, u64>(&c.counted(o), None)?;
        }
    }
    let (bytes, entries) = s.usage();
    for (name, help, v) in [
        (
            "lbctl_proxy_cache_bytes",
            "Bytes the response cache holds (bodies, heads, keys and bookkeeping; at most --cache)",
            bytes,
        ),
        (
            "lbctl_proxy_cache_entries",
            "Responses the cache holds",
            entries,
        ),
    ] {
        let mut m = enc.encode_descriptor(name, help, None, MetricType::Gauge)?;
        m.encode_gauge(&(v as i64))?;
    }
    let mut m = enc.encode_descriptor(
        "lbctl_proxy_cache_evictions",
        "Entries evicted (least recently used first) to make room within --cache",
        None,
        MetricType::Counter,
    )?;
    m.encode_counter::<NoLabelSet, u64, u64>(&s.evictions.load(Ordering::Relaxed), None)
}

/// A route's cache setting in words, for `proxy explain`.
pub fn describe(
    route: crate::proxy::core::cache::RouteCache,
    plan: &crate::proxy::plan::cache::CachePlan,
) -> String {
    let size = crate::spec::format_size;
    let ttl = match route.ttl.or(plan.default_ttl) {
        Some(d) => format!(
            "responses without max-age, s-maxage or Expires fresh for {}",
            humantime::format_duration(d)
        ),
        None => "only responses with max-age, s-maxage or Expires".to_string(),
    };
    format!(
        "GET/HEAD 200, 301, 404 stored in memory ({} store, objects up to {}); {ttl}",
        size(plan.store.limits.size),
        size(plan.store.limits.max_object)
    )
}

/// A purge from the runtime API: Ok(entries removed), or Err((status, why)).
pub fn purge(l7s: &[Arc<L7>], body: &str) -> Result<usize, (u16, String)> {
    const FORM: &str = r#"expected JSON {"prefix": "/static/"}, {"host": "HOST", "path": "/exact"} or {"host": "HOST", "prefix": "/"}"#;
    let Some(s) = store(l7s) else {
        return Err((
            404,
            "the response cache is off (start the proxy with --cache SIZE)".into(),
        ));
    };
    let r: PurgeRequest = serde_json::from_str(body)
        .map_err(|e| (400, format!("bad purge request ({e}): {FORM}")))?;
    let n = match (&r.prefix, &r.path) {
        (Some(p), None) if p.starts_with('/') => s.purge(r.host.as_deref(), p, false),
        (None, Some(p)) if p.starts_with('/') => s.purge(r.host.as_deref(), p, true),
        _ => {
            return Err((
                400,
                format!("give a prefix or a path starting with '/': {FORM}"),
            ));
        }
    };
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purge_requests_are_checked_before_anything_is_removed() {
        // No listener has a cache: 404 whatever the body.
        assert_eq!(purge(&[], "{}").unwrap_err().0, 404);
    }
}
