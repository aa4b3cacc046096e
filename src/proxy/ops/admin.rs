//! The admin listener (`--admin ADDR`): `/metrics` in Prometheus text format (prometheus-client
//! with an explicit registry; a collector reads the proxy's own atomics at scrape time, so the
//! request path never touches the registry) and `/stats` as JSON. Shared by the L7 and (later)
//! L4 paths: anything that can list its pools' backends and counters can be served here.

use super::exposition::{Exposition, negotiate, openmetrics_to_text};
use crate::proxy::core::backend::{Backend, CLASSES, StatusCounts};
use crate::proxy::core::frontend::L7;
use crate::proxy::core::listener::ConnCounters;
use crate::proxy::core::pool::Pool;
use bytes::Bytes;
use http::{Request, Response, StatusCode, header};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use prometheus_client::encoding::{DescriptorEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;
use serde::Serialize;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use tokio::net::TcpListener;

/// Latency histogram bucket bounds in seconds (exported as `le`).
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Everything the admin endpoints report on.
pub struct AdminState {
    /// One per listener (their counters are summed; the pools are shared, read from the first).
    pub l7s: Vec<Arc<L7>>,
    pub conns: Arc<ConnCounters>,
    /// A listener runs in TCP mode: export the per-backend TCP counters too.
    pub tcp: bool,
    /// The runtime API under `/api/` (runtime.rs).
    pub api: Option<Arc<super::runtime::Api>>,
    /// The listeners' bound addresses, in `l7s` order (for /stats and the stats page).
    pub listen: Vec<std::net::SocketAddr>,
}

impl AdminState {
    pub fn pools(&self) -> Vec<Arc<Pool>> {
        self.l7s
            .first()
            .map(|l| l.routing().pools.clone())
            .unwrap_or_default()
    }

    fn sum(&self, f: impl Fn(&L7) -> &std::sync::atomic::AtomicU64) -> u64 {
        self.l7s.iter().map(|l| f(l).load(Ordering::Relaxed)).sum()
    }
}

#[derive(Debug)]
struct ProxyCollector(Arc<AdminState>);

impl std::fmt::Debug for AdminState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminState")
    }
}

fn backend_labels<'a>(pool: &'a str, b: &'a Backend) -> [(&'static str, &'a str); 2] {
    [("pool", pool), ("backend", b.name())]
}

impl prometheus_client::collector::Collector for ProxyCollector {
    fn encode(&self, mut enc: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let st = &self.0;
        let pools = st.pools();
        let all: Vec<(&str, &Arc<Backend>)> = pools
            .iter()
            .flat_map(|p| p.backends.iter().map(move |b| (p.name.as_str(), b)))
            .collect();

        // Named without `_total`: prometheus-client's encoder appends it to counters
        // (OpenMetrics), so the samples read `lbctl_proxy_requests_total{...}`.
        let mut m = enc.encode_descriptor(
            "lbctl_proxy_requests",
            "Requests answered, by backend and exact status code (error = no response from the backend)",
            None,
            MetricType::Counter,
        )?;
        for (pname, b) in &all {
            // Only codes seen, so the series count stays bounded by what backends answer;
            // `error` always, so a rate over it exists before the first failure.
            let seen = b.responses.seen();
            let codes = seen
                .iter()
                .map(|(code, n)| (code.to_string(), *n))
                .chain(std::iter::once(("error".to_string(), b.responses.errors())));
            for (code, n) in codes {
                let labels: [(&str, &str); 3] =
                    [("pool", pname), ("backend", b.name()), ("code", &code)];
                m.encode_family(&labels)?
                    .encode_counter::<NoLabelSet, u64, u64>(&n, None)?;
            }
        }
        let per_backend = |enc: &mut DescriptorEncoder,
                           name: &str,
                           help: &str,
                           ty: MetricType,
                           f: &dyn Fn(&Backend) -> u64|
         -> Result<(), std::fmt::Error> {
            let mut m = enc.encode_descriptor(name, help, None, ty)?;
            for (pname, b) in &all {
                let labels = backend_labels(pname, b);
                let mut fam = m.encode_family(&labels)?;
                let v = f(b);
                match ty {
                    MetricType::Counter => fam.encode_counter::<NoLabelSet, u64, u64>(&v, None)?,
                    _ => fam.encode_gauge(&(v as i64))?,
                }
            }
            Ok(())
        };
        per_backend(
            &mut enc,
            "lbctl_proxy_in_flight",
            "Requests in flight per backend",
            MetricType::Gauge,
            &|b| b.in_flight.load(Ordering::Relaxed),
        )?;
        per_backend(
            &mut enc,
            "lbctl_proxy_backend_up",
            "1 when the backend may take traffic (active and passive health), else 0",
            MetricType::Gauge,
            &|b| b.healthy() as u64,
        )?;
        per_backend(
            &mut enc,
            "lbctl_proxy_retries",
            "Retries after a failed attempt on this backend",
            MetricType::Counter,
            &|b| b.retries.load(Ordering::Relaxed),
        )?;
        per_backend(
            &mut enc,
            "lbctl_proxy_outlier_ejections",
            "Times outlier detection ejected the backend (consecutive errors or success rate)",
            MetricType::Counter,
            &|b| {
                b.outlier.by_consecutive.load(Ordering::Relaxed)
                    + b.outlier.by_success_rate.load(Ordering::Relaxed)
            },
        )?;
        per_backend(
            &mut enc,
            "lbctl_proxy_weight",
            "The live weight (the configured one unless the runtime API changed it)",
            MetricType::Gauge,
            &|b| b.weight() as u64,
        )?;
        per_backend(
            &mut enc,
            "lbctl_proxy_admin_state",
            "Admin state set by the runtime API: 0 ready, 1 drain, 2 maint",
            MetricType::Gauge,
            &|b| b.admin() as u64,
        )?;
        per_backend(
            &mut enc,
            "lbctl_proxy_effective_weight",
            "The weight the balancer uses now (below the configured one during slow start)",
            MetricType::Gauge,
            &|b| b.effective_weight() as u64,
        )?;
        per_backend(
            &mut enc,
            "lbctl_proxy_ejections",
            "Times the backend was taken out (failed active checks or passive max-fails)",
            MetricType::Counter,
            &|b| b.ejections.load(Ordering::Relaxed),
        )?;
        per_backend(
            &mut enc,
            "lbctl_proxy_response_bytes",
            "Response body bytes relayed from the backend",
            MetricType::Counter,
            &|b| b.bytes_out.load(Ordering::Relaxed),
        )?;
        per_backend(
            &mut enc,
            "lbctl_proxy_pool_idle_connections",
            "Idle keep-alive connections pooled to the backend",
            MetricType::Gauge,
            &|b| b.pool.idle_count() as u64,
        )?;

        if st.tcp {
            super::l4_stats::encode_metrics(&mut enc, &all)?;
        }
        super::policy_stats::encode_metrics(&mut enc, &st.l7s)?;
        super::cache_stats::encode_metrics(&mut enc, &st.l7s)?;
        super::compress_stats::encode_metrics(&mut enc, &st.l7s)?;
        let mut m = enc.encode_descriptor(
            "lbctl_proxy_backend_latency_seconds",
            "Time from sending the request to the backend's response headers",
            None,
            MetricType::Histogram,
        )?;
        for (pname, b) in &all {
            let labels = backend_labels(pname, b);
            let (sum, count, buckets) = match b.latency.lock() {
                Ok(h) => {
                    let inner = h.inner();
                    let mut prev = 0u64;
                    let mut buckets = Vec::with_capacity(BUCKETS.len() + 1);
                    for bound in BUCKETS {
                        let cum = inner.count_between(0, (bound * 1e6) as u64);
                        buckets.push((bound, cum.saturating_sub(prev)));
                        prev = cum;
                    }
                    buckets.push((f64::MAX, h.len().saturating_sub(prev)));
                    (h.mean_us() * h.len() as f64 / 1e6, h.len(), buckets)
                }
                Err(_) => (0.0, 0, vec![(f64::MAX, 0)]),
            };
            m.encode_family(&labels)?
                .encode_histogram::<NoLabelSet>(sum, count, &buckets, None)?;
        }

        let listener_counter = |enc: &mut DescriptorEncoder, name: &str, help: &str, v: u64| {
            let mut m = enc.encode_descriptor(name, help, None, MetricType::Counter)?;
            m.encode_counter::<NoLabelSet, u64, u64>(&v, None)
        };
        listener_counter(
            &mut enc,
            "lbctl_proxy_client_requests",
            "Requests received from clients",
            st.sum(|l| &l.counters.requests),
        )?;
        listener_counter(
            &mut enc,
            "lbctl_proxy_no_backend",
            "Requests answered 503 because no backend was healthy",
            st.sum(|l| &l.counters.no_backend),
        )?;
        {
            let mut m = enc.encode_descriptor(
                "lbctl_proxy_panic_picks",
                "Picks made while every backend of the pool was passively failed (panic mode: passive failures ignored)",
                None,
                MetricType::Counter,
            )?;
            for p in &pools {
                let labels: [(&str, &str); 1] = [("pool", &p.name)];
                m.encode_family(&labels)?
                    .encode_counter::<NoLabelSet, u64, u64>(
                        &p.panic_picks.load(Ordering::Relaxed),
                        None,
                    )?;
            }
        }
        listener_counter(
            &mut enc,
            "lbctl_proxy_denied",
            "Requests refused by the --allow/--deny ACL",
            st.sum(|l| &l.counters.denied),
        )?;
        listener_counter(
            &mut enc,
            "lbctl_proxy_connections_accepted",
            "Client connections accepted",
            st.conns.accepted.load(Ordering::Relaxed),
        )?;
        let mut m = enc.encode_descriptor(
            "lbctl_proxy_connections_open",
            "Client connections open",
            None,
            MetricType::Gauge,
        )?;
        m.encode_gauge(&(st.conns.open.load(Ordering::Relaxed) as i64))?;
        Ok(())
    }
}

/// Render /metrics.
pub fn metrics_text(state: &Arc<AdminState>) -> String {
    let mut registry = Registry::default();
    registry.register_collector(Box::new(ProxyCollector(state.clone())));
    let mut out = String::new();
    if prometheus_client::encoding::text::encode(&mut out, &registry).is_err() {
        out.clear();
    }
    out
}

/// One backend in /stats.
#[derive(Debug, Serialize)]
pub struct OutlierStats {
    pub consecutive: u64,
    pub success_rate: u64,
    pub capped: u64,
}

#[derive(Debug, Serialize)]
pub struct BackendStats {
    pub pool: String,
    pub name: String,
    pub address: String,
    /// The live weight (runtime API `weight`), and the one the spec gave.
    pub weight: u32,
    pub configured_weight: u32,
    /// ready, drain or maint (runtime API).
    pub admin_state: &'static str,
    /// The weight in use now: below `weight` during slow start.
    pub effective_weight: u32,
    /// Outlier detection: ejections by cause, and ejections refused by the pool's cap.
    pub outlier_ejections: OutlierStats,
    pub backup: bool,
    /// The HTTP version spoken to it: http/1.1, h2c, h2, or auto (with ALPN's choice).
    pub protocol: String,
    /// HTTP/2 backends: connections open and streams open on them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub h2_connections: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub h2_streams: Option<usize>,
    pub state: &'static str,
    pub in_flight: u64,
    pub requests: u64,
    /// By class (1xx..5xx, error), as before exact codes were added.
    pub responses: std::collections::BTreeMap<&'static str, u64>,
    /// By exact status code ("200", "503", ...), only codes seen; proxy-side failures are
    /// `responses.error`.
    pub codes: std::collections::BTreeMap<String, u64>,
    pub retries: u64,
    pub ejections: u64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// TCP mode: connections and bytes (absent in HTTP mode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tcp: Option<super::l4_stats::TcpStats>,
    /// Since when in `state`, last active check.
    #[serde(flatten)]
    pub history: super::stats_extras::BackendHistory,
}

/// The /stats document.
#[derive(Debug, Serialize)]
pub struct Stats {
    /// Pool name -> algorithm.
    pub pools: std::collections::BTreeMap<String, &'static str>,
    pub requests: u64,
    pub no_backend: u64,
    /// Picks made in panic mode (every backend passively failed), over all pools.
    pub panic_picks: u64,
    pub retries: u64,
    pub connections_open: u64,
    pub backends: Vec<BackendStats>,
    /// Rate limits, canary splits and mirrors (empty lists when none is configured).
    pub policies: super::policy_stats::PolicyStats,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache: Option<super::cache_stats::CacheStats>,
    /// Snapshot time, version, uptime, listeners.
    #[serde(flatten)]
    pub proxy: super::stats_extras::ProxyInfo,
}

pub fn stats(state: &AdminState) -> Stats {
    let pools = state.pools();
    Stats {
        pools: pools
            .iter()
            .map(|p| (p.name.clone(), p.algorithm))
            .collect(),
        requests: state.sum(|l| &l.counters.requests),
        no_backend: state.sum(|l| &l.counters.no_backend),
        panic_picks: pools
            .iter()
            .map(|p| p.panic_picks.load(Ordering::Relaxed))
            .sum(),
        retries: state.sum(|l| &l.counters.retries),
        connections_open: state.conns.open.load(Ordering::Relaxed),
        backends: pools
            .iter()
            .flat_map(|p| p.backends.iter().map(move |b| (p, b)))
            .map(|(p, b)| {
                let (p50, p99) = match b.latency.lock() {
                    Ok(h) if !h.is_empty() => (
                        h.percentile_us(50.0) as f64 / 1e3,
                        h.percentile_us(99.0) as f64 / 1e3,
                    ),
                    _ => (0.0, 0.0),
                };
                // One read of the counters, so `requests` is the sum of `responses`.
                let seen = b.responses.seen();
                let classes = StatusCounts::classify(&seen, b.responses.errors());
                // One look at the HTTP/2 connections, so streams belong to those connections.
                let h2 = b.spec.proto.may_be_h2().then(|| b.pool.h2_usage());
                BackendStats {
                    pool: p.name.clone(),
                    name: b.name().to_string(),
                    address: b.addr.to_string(),
                    weight: b.weight(),
                    configured_weight: b.spec.weight,
                    admin_state: b.admin().name(),
                    effective_weight: b.effective_weight(),
                    outlier_ejections: OutlierStats {
                        consecutive: b.outlier.by_consecutive.load(Ordering::Relaxed),
                        success_rate: b.outlier.by_success_rate.load(Ordering::Relaxed),
                        capped: b.outlier.capped.load(Ordering::Relaxed),
                    },
                    backup: b.spec.backup,
                    protocol: b.pool.protocol(),
                    h2_connections: h2.map(|u| u.0),
                    h2_streams: h2.map(|u| u.1),
                    state: b.state(),
                    in_flight: b.in_flight.load(Ordering::Relaxed),
                    requests: classes.iter().sum(),
                    responses: CLASSES.iter().copied().zip(classes).collect(),
                    codes: seen
                        .into_iter()
                        .map(|(code, n)| (code.to_string(), n))
                        .collect(),
                    retries: b.retries.load(Ordering::Relaxed),
                    ejections: b.ejections.load(Ordering::Relaxed),
                    p50_ms: p50,
                    p99_ms: p99,
                    tcp: state.tcp.then(|| super::l4_stats::TcpStats::of(b)),
                    history: super::stats_extras::BackendHistory::of(b),
                }
            })
            .collect(),
        policies: super::policy_stats::stats(&state.l7s),
        cache: super::cache_stats::stats(&state.l7s),
        proxy: super::stats_extras::ProxyInfo::of(&state.l7s, &state.listen),
    }
}

fn answer(state: &Arc<AdminState>, req: &Request<Incoming>) -> Response<Full<Bytes>> {
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok());
    if super::stats_page::wanted(req.uri().path(), accept) {
        return super::stats_page::response();
    }
    let (status, ctype, body) = match req.uri().path() {
        "/metrics" => {
            let om = metrics_text(state);
            match negotiate(accept) {
                Exposition::OpenMetrics => (
                    StatusCode::OK,
                    "application/openmetrics-text; version=1.0.0; charset=utf-8",
                    om,
                ),
                Exposition::Text => (
                    StatusCode::OK,
                    "text/plain; version=0.0.4; charset=utf-8",
                    openmetrics_to_text(&om),
                ),
            }
        }
        "/stats" => (
            StatusCode::OK,
            "application/json",
            serde_json::to_string_pretty(&stats(state)).unwrap_or_default() + "\n",
        ),
        _ => (
            StatusCode::NOT_FOUND,
            "text/plain",
            "not found: try / (the stats page), /metrics, /stats or /api/backends\n".to_string(),
        ),
    };
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    if let Ok(v) = http::HeaderValue::from_str(ctype) {
        r.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    // The body depends on Accept (RFC 9110 12.5.5), for any cache on the way.
    r.headers_mut()
        .insert(header::VARY, http::HeaderValue::from_static("Accept"));
    r
}

/// Serve the admin endpoints until `shutdown`.
pub async fn serve(
    listener: TcpListener,
    state: Arc<AdminState>,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            r = listener.accept() => match r { Ok(x) => x, Err(_) => continue },
            _ = &mut shutdown => return,
        };
        let state = state.clone();
        tokio::spawn(async move {
            let svc = service_fn(move |req: Request<Incoming>| {
                let state = state.clone();
                async move {
                    let r = match &state.api {
                        Some(api) if req.uri().path().starts_with("/api/") => {
                            super::runtime::handle(api, req, peer).await
                        }
                        _ => answer(&state, &req),
                    };
                    Ok::<_, std::convert::Infallible>(r)
                }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), svc)
                .await;
        });
    }
}
