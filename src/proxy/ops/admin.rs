//! The admin listener (`--admin ADDR`): `/metrics` in Prometheus text format (prometheus-client
//! with an explicit registry; a collector reads the proxy's own atomics at scrape time, so the
//! request path never touches the registry) and `/stats` as JSON. Shared by the L7 and (later)
//! L4 paths: anything that can list its pools' backends and counters can be served here.

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
                }
            })
            .collect(),
        policies: super::policy_stats::stats(&state.l7s),
        cache: super::cache_stats::stats(&state.l7s),
    }
}

/// The two exposition formats `/metrics` speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Exposition {
    OpenMetrics,
    /// Prometheus text format 0.0.4.
    Text,
}

/// Content negotiation as Prometheus' client libraries do it (client_golang's
/// `expfmt.NegotiateIncludingOpenMetrics`): media ranges by falling q (RFC 9110 12.5.1, q=0
/// means "not acceptable"); OpenMetrics only when asked for by name, text 0.0.4 for
/// `text/plain`, `*/*`, anything else or no Accept at all.
fn negotiate(accept: Option<&str>) -> Exposition {
    let Some(accept) = accept else {
        return Exposition::Text;
    };
    let mut ranges: Vec<(f32, usize, Exposition)> = Vec::new();
    for (i, range) in accept.split(',').enumerate() {
        let mut parts = range.split(';').map(str::trim);
        let media = parts.next().unwrap_or("").to_ascii_lowercase();
        let (mut q, mut version) = (1.0f32, None);
        for p in parts {
            if let Some((k, v)) = p.split_once('=') {
                let v = v.trim().trim_matches('"');
                match k.trim().to_ascii_lowercase().as_str() {
                    "q" => q = v.parse().unwrap_or(0.0),
                    "version" => version = Some(v.to_string()),
                    _ => {}
                }
            }
        }
        let kind = match (media.as_str(), version.as_deref()) {
            ("application/openmetrics-text", None | Some("1.0.0" | "0.0.1")) => {
                Exposition::OpenMetrics
            }
            ("text/plain", None | Some("0.0.4")) => Exposition::Text,
            _ => continue,
        };
        if q > 0.0 {
            ranges.push((q, i, kind));
        }
    }
    // Highest q first; equal q in the order given.
    ranges.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    ranges.first().map_or(Exposition::Text, |r| r.2)
}

/// The OpenMetrics exposition rewritten as Prometheus text 0.0.4: a counter family is
/// declared under its sample name (`# TYPE x_total counter`, as client_golang writes it, so
/// the 0.0.4 parser keeps the type), no `# UNIT`, no `_created` samples, no `# EOF`.
fn openmetrics_to_text(om: &str) -> String {
    let counters: std::collections::HashSet<&str> = om
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|rest| rest.strip_suffix(" counter"))
        .collect();
    let mut out = String::with_capacity(om.len());
    for line in om.lines() {
        if line == "# EOF" || line.starts_with("# UNIT ") {
            continue;
        }
        let meta = line
            .strip_prefix("# HELP ")
            .map(|r| ("# HELP ", r))
            .or_else(|| line.strip_prefix("# TYPE ").map(|r| ("# TYPE ", r)));
        if let Some((kind, rest)) = meta {
            let (name, tail) = rest.split_once(' ').unwrap_or((rest, ""));
            if counters.contains(name) {
                out.push_str(&format!("{kind}{name}_total {tail}\n"));
                continue;
            }
        }
        let sample_name = line.split(['{', ' ']).next().unwrap_or("");
        if let Some(family) = sample_name.strip_suffix("_created")
            && counters.contains(family)
        {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn answer(state: &Arc<AdminState>, req: &Request<Incoming>) -> Response<Full<Bytes>> {
    let (status, ctype, body) = match req.uri().path() {
        "/metrics" => {
            let accept = req
                .headers()
                .get(header::ACCEPT)
                .and_then(|v| v.to_str().ok());
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
            "not found: try /metrics, /stats or /api/backends\n".to_string(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_negotiation_follows_the_prometheus_clients() {
        use Exposition::{OpenMetrics as Om, Text};
        for (accept, want) in [
            (None, Text),
            (Some("*/*"), Text),
            (Some("text/plain;version=0.0.4"), Text),
            (Some("text/plain; version=0.0.4; charset=utf-8"), Text),
            (Some("application/openmetrics-text"), Om),
            (Some("application/openmetrics-text; version=1.0.0"), Om),
            (Some("application/openmetrics-text; version=2.0.0"), Text),
            // What Prometheus 2.x sends when scraping.
            (
                Some(
                    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
                ),
                Om,
            ),
            (
                Some("text/plain;version=0.0.4;q=0.9,application/openmetrics-text;q=0.5"),
                Text,
            ),
            (Some("application/openmetrics-text;q=0"), Text),
            (Some("application/json"), Text),
            (Some("garbage;;q=x,,"), Text),
        ] {
            assert_eq!(negotiate(accept), want, "{accept:?}");
        }
    }

    #[test]
    fn text_format_declares_counters_under_their_sample_names() {
        let om = "# HELP a_requests Requests.\n# TYPE a_requests counter\n\
                  a_requests_total{x=\"1\"} 3\na_requests_created 1.0\n\
                  # HELP a_open Open.\n# TYPE a_open gauge\n# UNIT a_open seconds\na_open 2\n# EOF\n";
        assert_eq!(
            openmetrics_to_text(om),
            "# HELP a_requests_total Requests.\n# TYPE a_requests_total counter\n\
             a_requests_total{x=\"1\"} 3\n# HELP a_open Open.\n# TYPE a_open gauge\na_open 2\n"
        );
    }
}
