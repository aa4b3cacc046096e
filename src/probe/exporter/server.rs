//! The exporter's HTTP server (hyper): `/probe` (blackbox_exporter's parameters `target`,
//! `module`, `debug`, `hostname`, and its `X-Prometheus-Scrape-Timeout-Seconds` rule),
//! `/metrics` (the exporter's own), `/-/healthy`, `POST /-/reload` (reload.rs; other methods
//! get blackbox's 405) and `/` (an index of the modules).
//!
//! Nothing a scraper or a target does can hang it: every probe is bounded by its time
//! budget, at most `--concurrency` probes run at once (a scrape that cannot get a slot within
//! its budget gets a 503), connections are capped and must send their headers within 10 s,
//! and request bodies are never read.

use super::exposition;
use super::logfmt::{quoted, timestamp};
use super::reload::ModuleSet;
use super::self_metrics::SelfMetrics;
use bytes::Bytes;
use http::{Request, Response, StatusCode, header};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use std::convert::Infallible;
use std::fmt::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// Open connections at most (more wait in the listen backlog).
const MAX_CONNECTIONS: usize = 1024;
/// A scrape without Prometheus' header gets this budget before the module's timeout applies
/// (blackbox's 120 s; the module timeout is the real bound).
const NO_HEADER_SECONDS: f64 = 120.0;
/// How long open connections get to finish after SIGINT/SIGTERM.
const DRAIN: Duration = Duration::from_secs(5);

/// What the server needs, shared by every connection.
pub struct Exporter {
    pub modules: ModuleSet,
    /// Probes in flight at most.
    pub slots: Semaphore,
    pub concurrency: usize,
    /// Subtracted from the scrape timeout (blackbox's --timeout-offset).
    pub offset: Duration,
    pub metrics: SelfMetrics,
    /// Log failed probes on stderr (not with --quiet).
    pub log: bool,
}

type Answer = Response<Full<Bytes>>;

fn text(status: StatusCode, content_type: &str, body: impl Into<Bytes>) -> Answer {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = status;
    if let Ok(v) = content_type.parse() {
        r.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    r
}

fn plain(status: StatusCode, line: impl Into<String>) -> Answer {
    let mut s = line.into();
    s.push('\n');
    text(status, "text/plain; charset=utf-8", s)
}

/// Serve until `shutdown` resolves, then let open connections finish (bounded).
pub async fn serve(
    listener: TcpListener,
    exporter: Arc<Exporter>,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(10));
    let conns = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = conns.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            _ = &mut shutdown => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((s, _)) => s,
                // Out of descriptors and the like: back off instead of spinning.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let ex = exporter.clone();
        let svc = service_fn(move |req| {
            let ex = ex.clone();
            async move { Ok::<_, Infallible>(handle(&ex, req).await) }
        });
        let conn = graceful.watch(
            builder
                .serve_connection(TokioIo::new(stream), svc)
                .into_owned(),
        );
        tokio::spawn(async move {
            let _ = conn.await;
            drop(permit);
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(DRAIN, graceful.shutdown()).await;
}

async fn handle(ex: &Exporter, req: Request<Incoming>) -> Answer {
    if req.uri().path() == "/-/reload" {
        return reload(ex, req.method()).await;
    }
    if req.method() != http::Method::GET && req.method() != http::Method::HEAD {
        return plain(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("{} is not allowed here: use GET", req.method()),
        );
    }
    match req.uri().path() {
        "/probe" => probe(ex, &req).await,
        "/metrics" => text(
            StatusCode::OK,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
            ex.metrics.encode(),
        ),
        "/-/healthy" => plain(StatusCode::OK, "Healthy"),
        "/" => text(StatusCode::OK, "text/html; charset=utf-8", index(ex)),
        p => plain(
            StatusCode::NOT_FOUND,
            format!("no page {p}: try /probe?target=...&module=..., /metrics or /"),
        ),
    }
}

/// `/-/reload`: POST reloads (200, or 500 with the reason and the old modules kept); any
/// other method gets blackbox's 405 and its words.
async fn reload(ex: &Exporter, method: &http::Method) -> Answer {
    if method != http::Method::POST {
        let mut r = plain(
            StatusCode::METHOD_NOT_ALLOWED,
            "This endpoint requires a POST request.",
        );
        r.headers_mut()
            .insert(header::ALLOW, http::HeaderValue::from_static("POST"));
        return r;
    }
    match ex.modules.reload(&ex.metrics, ex.log, "POST").await {
        Ok(line) => plain(StatusCode::OK, line),
        Err(e) => plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("failed to reload config: {e}; the previous modules stay in use"),
        ),
    }
}

/// The query parameters blackbox reads (the first of each; percent-decoded).
#[derive(Default)]
pub(super) struct Params {
    pub(super) target: Option<String>,
    pub(super) module: Option<String>,
    pub(super) debug: bool,
    pub(super) hostname: Option<String>,
}

pub(super) fn params(query: Option<&str>) -> Params {
    let mut p = Params::default();
    for (k, v) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        let slot = match k.as_ref() {
            "target" => &mut p.target,
            "module" => &mut p.module,
            "hostname" => &mut p.hostname,
            "debug" => {
                p.debug = v == "true";
                continue;
            }
            _ => continue,
        };
        if slot.is_none() {
            *slot = Some(v.into_owned());
        }
    }
    p
}

/// The probe's time budget: blackbox's getTimeout (the scrape timeout minus the offset, or
/// the module's timeout when that is smaller or the header leaves nothing).
pub(super) fn budget(
    header: Option<&str>,
    module: Duration,
    offset: Duration,
) -> Result<Duration, String> {
    let scrape = match header {
        None => NO_HEADER_SECONDS,
        Some(v) => match v.trim().parse::<f64>() {
            Ok(s) if s.is_finite() && s >= 0.0 => s,
            _ => {
                return Err(format!(
                    "X-Prometheus-Scrape-Timeout-Seconds '{v}' is not a number of seconds"
                ));
            }
        },
    };
    let scrape = if scrape == 0.0 {
        NO_HEADER_SECONDS
    } else {
        scrape
    };
    let max = scrape - offset.as_secs_f64();
    let m = module.as_secs_f64();
    if m < max || max <= 0.0 {
        Ok(module)
    } else {
        Ok(Duration::from_secs_f64(max))
    }
}

async fn probe(ex: &Exporter, req: &Request<Incoming>) -> Answer {
    let p = params(req.uri().query());
    let name = p.module.as_deref().unwrap_or("http_2xx");
    // This scrape's snapshot: a reload meanwhile does not change the module under it.
    let modules = ex.modules.current();
    let Some(module) = modules.get(name) else {
        ex.metrics.unknown_module();
        let shown: String = name.chars().take(80).collect();
        return plain(
            StatusCode::BAD_REQUEST,
            format!("Unknown module \"{}\"", shown.escape_default()),
        );
    };
    let header = req
        .headers()
        .get("x-prometheus-scrape-timeout-seconds")
        .map(|v| v.to_str().unwrap_or("(not text)"));
    let budget = match budget(header, module.timeout, ex.offset) {
        Ok(b) => b,
        Err(e) => return plain(StatusCode::BAD_REQUEST, e),
    };
    let Some(raw) = p.target.as_deref().filter(|t| !t.is_empty()) else {
        return plain(StatusCode::BAD_REQUEST, "Target parameter is missing");
    };
    let mut log = Vec::new();
    let started = Instant::now();
    let mut note = |msg: String| log.push(format!("{} {msg}", timestamp()));
    note(format!(
        "msg=\"Beginning probe\" module={name} probe={} target={} timeout_seconds={}",
        module.prober.as_str(),
        quoted(raw),
        budget.as_secs_f64()
    ));
    let outcome = {
        let (target, spec) = match super::target::resolve(module, raw, p.hostname.as_deref()) {
            Ok(t) => t,
            Err(e) => return plain(StatusCode::BAD_REQUEST, e),
        };
        let Ok(_slot) = tokio::time::timeout(budget, ex.slots.acquire()).await else {
            ex.metrics.busy();
            return plain(
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "{} probes already in flight (--concurrency); none finished within {}",
                    ex.concurrency,
                    humantime::format_duration(budget)
                ),
            );
        };
        let _counted = ex.metrics.in_flight();
        let left = budget.saturating_sub(started.elapsed());
        note(format!("msg=\"Probing\" target=\"{target}\""));
        with_hint(crate::check::run(&spec, &target, left).await)
    };
    let success = outcome.pass;
    ex.metrics.probed(name, success, started.elapsed());
    let result = if success {
        format!(
            "msg=\"Probe succeeded\" duration_seconds={:.6}",
            outcome.timings.total.as_secs_f64()
        )
    } else {
        format!(
            "level=error msg=\"Probe failed\" reason={} duration_seconds={:.6}",
            quoted(&outcome.reason),
            outcome.timings.total.as_secs_f64()
        )
    };
    note(result.clone());
    if ex.log && !success {
        eprintln!(
            "{} module={name} target={} {result}",
            timestamp(),
            quoted(raw)
        );
    }
    let metrics = exposition::render(module.prober, &outcome, success, budget);
    if p.debug {
        let mut s = String::from("Logs for the probe:\n");
        for l in &log {
            let _ = writeln!(s, "{l}");
        }
        let _ = write!(
            s,
            "\n\n\nMetrics that would have been returned:\n{metrics}\n\n\nModule configuration:\n{}\n",
            module.shown
        );
        return text(StatusCode::OK, "text/plain; charset=utf-8", s);
    }
    text(
        StatusCode::OK,
        "text/plain; version=0.0.4; charset=utf-8",
        metrics,
    )
}

/// A module's keys for trusting a server certificate (the advice of an untrusted one).
const TRUST_KEYS: crate::tls::TrustFlags = crate::tls::TrustFlags {
    cacert: "ca_file = \"FILE\" in the module",
    insecure: "insecure_skip_verify = true",
};

fn with_hint(mut o: crate::check::CheckOutcome) -> crate::check::CheckOutcome {
    if let Some(fix) = o.tls_fix {
        o.reason = format!("{}: {}", o.reason, fix.advice(&TRUST_KEYS));
    }
    o
}

/// `/`: what this is, the modules, and a probe form.
fn index(ex: &Exporter) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let mut rows = String::new();
    for (name, m) in ex.modules.current().iter() {
        let _ = writeln!(
            rows,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(name),
            m.prober.as_str(),
            humantime::format_duration(m.timeout)
        );
    }
    format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>lbctl probe exporter</title></head><body>\n\
<h1>lbctl probe exporter</h1>\n\
<p>blackbox_exporter-compatible: <code>/probe?target=TARGET&amp;module=MODULE</code> \
(add <code>&amp;debug=true</code> for the probe's log), <a href=\"/metrics\">/metrics</a> for the exporter itself.</p>\n\
<form action=\"/probe\"><input name=\"target\" placeholder=\"http://127.0.0.1:8080/health\" size=\"40\"> \
<input name=\"module\" value=\"http_2xx\"> <input type=\"hidden\" name=\"debug\" value=\"true\"><button>Probe</button></form>\n\
<table><tr><th>module</th><th>prober</th><th>timeout</th></tr>\n{rows}</table>\n</body></html>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_follows_blackbox() {
        let off = Duration::from_millis(500);
        let s = |h: Option<&str>, m: u64| budget(h, Duration::from_secs(m), off).unwrap();
        assert_eq!(s(Some("10"), 5), Duration::from_secs(5));
        assert_eq!(s(Some("3"), 5), Duration::from_millis(2500));
        assert_eq!(s(Some("0.2"), 5), Duration::from_secs(5));
        assert_eq!(s(None, 5), Duration::from_secs(5));
        assert_eq!(s(Some("0"), 5), Duration::from_secs(5));
        assert!(budget(Some("soon"), Duration::from_secs(1), off).is_err());
        assert!(budget(Some("NaN"), Duration::from_secs(1), off).is_err());
    }

    #[test]
    fn params_as_blackbox_reads_them() {
        let p = params(Some(
            "target=http%3A%2F%2F127.0.0.1%3A8080%2Fa%3Fb%3D1&module=http_2xx&debug=true&target=x",
        ));
        assert_eq!(p.target.as_deref(), Some("http://127.0.0.1:8080/a?b=1"));
        assert_eq!(p.module.as_deref(), Some("http_2xx"));
        assert!(p.debug);
        assert!(params(None).target.is_none());
    }
}
