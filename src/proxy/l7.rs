//! The L7 data path: one client request in, one backend chosen (sticky cookie, else the pool's
//! algorithm), headers rewritten (hop-by-hop out, X-Forwarded-* and Via in, --header-up),
//! the request streamed to a pooled HTTP/1.1 connection, retried on another backend when that
//! is safe, and the response streamed back (--header-down, sticky cookie). Upgrades (WebSocket)
//! become a byte tunnel. Used by listener.rs through [`L7::handle`].

use super::acl::Acl;
use super::backend::Backend;
use super::config::Route;
use super::headers::{HeaderRule, append_forwarded_for, is_upgrade, strip_hop_by_hop};
use super::pool::{Pool, Tried};
use super::relay::{Flight, LogCtx, Relay, RespBody, local};
use super::upstream::{Conn, UpBody};
use crate::balance::pick::PickContext;
use crate::cli::AccessLog;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, Request, Response, StatusCode, Uri, Version};
use http_body_util::{Either, Empty};
use hyper::body::{Body, Incoming};
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// Settings of the L7 path, fixed at startup.
pub struct L7Settings {
    pub retries: u32,
    pub backend_timeout: Duration,
    pub queue_timeout: Duration,
    pub header_up: Vec<HeaderRule>,
    pub header_down: Vec<HeaderRule>,
    pub change_host: bool,
    pub fail_on: Vec<u16>,
    pub access_log: AccessLog,
    pub acl: Acl,
    /// `http` (or `https` once TLS termination exists).
    pub proto: &'static str,
    /// `-v`: log every failed attempt (backend, reason, whether it is retried).
    pub verbose: bool,
    /// Idle timeout of Upgrade tunnels (the client idle timeout).
    pub idle_timeout: Duration,
}

/// Listener-level counters (per-backend ones live in [`Backend`]).
#[derive(Default)]
pub struct L7Counters {
    pub requests: AtomicU64,
    pub no_backend: AtomicU64,
    pub denied: AtomicU64,
    pub retries: AtomicU64,
}

/// A listener's routes onto the pools: replaced as a whole on a SIGHUP reload.
pub struct Routing {
    pub pools: Vec<Arc<Pool>>,
    pub routes: Vec<Route>,
    /// Pool for requests no route matches (None: they get 404).
    pub default_pool: Option<usize>,
    /// TCP mode: SNI passthrough routes (see l4.rs), reloaded with the rest.
    pub sni: super::sni_route::SniTable,
}

impl Routing {
    /// The pool for a request: the first matching route's, else the default.
    fn route(&self, req: &Request<Incoming>) -> Option<&Arc<Pool>> {
        if self.routes.is_empty() {
            return self.default_pool.and_then(|i| self.pools.get(i));
        }
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .or_else(|| req.uri().authority().map(|a| a.as_str()))
            .unwrap_or("");
        let path = req.uri().path();
        self.routes
            .iter()
            .find(|r| r.check(host, path, req.headers()).is_ok())
            .map(|r| r.pool)
            .or(self.default_pool)
            .and_then(|i| self.pools.get(i))
    }
}

/// One listener's request path.
pub struct L7 {
    /// Read once per request (an uncontended read lock and an Arc clone); written on reload.
    routing: RwLock<Arc<Routing>>,
    pub settings: L7Settings,
    pub counters: L7Counters,
}

/// Why an attempt on one backend failed.
enum Attempt {
    Connect(String),
    /// The request may have reached the backend; `replayable` says whether it is safe again.
    Sent(String, bool),
    Timeout,
}

static X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
static X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
static X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");

fn idempotent(m: &Method) -> bool {
    matches!(
        *m,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE | Method::PUT | Method::DELETE
    )
}

/// The value of cookie `name` in the request, if any.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

impl L7 {
    /// Serve one request (never fails: every problem becomes a response).
    pub async fn handle(
        self: Arc<Self>,
        peer: SocketAddr,
        mut req: Request<Incoming>,
    ) -> Result<Response<RespBody>, Infallible> {
        // The clock is read per request only when an access log wants the total time.
        let start = (self.settings.access_log != AccessLog::Off).then(Instant::now);
        let s = &self.settings;
        self.counters.requests.fetch_add(1, Ordering::Relaxed);
        if !s.acl.is_empty() && !s.acl.permits(peer.ip()) {
            self.counters.denied.fetch_add(1, Ordering::Relaxed);
            return Ok(local(
                StatusCode::FORBIDDEN,
                "403 forbidden: your address is not allowed by this proxy's ACL\n",
            ));
        }
        let routing = self.routing();
        let Some(pool) = routing.route(&req) else {
            return Ok(local(
                StatusCode::NOT_FOUND,
                "404 not found: no route of this proxy matches the request\n",
            ));
        };
        let pool = pool.clone();
        let upgrade = is_upgrade(req.headers());
        let client_upgrade = upgrade.then(|| hyper::upgrade::on(&mut req));
        let (parts, body) = req.into_parts();
        let method = parts.method;
        let version = parts.version;
        let log_uri = (s.access_log != AccessLog::Off).then(|| parts.uri.clone());
        let mut headers = parts.headers;

        // The outgoing request line is origin-form HTTP/1.1 whatever the client spoke.
        let authority = parts.uri.authority().cloned();
        let uri = match parts.uri.path_and_query() {
            Some(pq) if parts.uri.scheme().is_some() || authority.is_some() => {
                Uri::from_maybe_shared(bytes::Bytes::copy_from_slice(pq.as_str().as_bytes()))
                    .unwrap_or_else(|_| Uri::from_static("/"))
            }
            Some(_) => parts.uri,
            None => Uri::from_static("/"),
        };
        strip_hop_by_hop(&mut headers, upgrade);
        if !headers.contains_key(header::HOST)
            && let Some(a) = &authority
            && let Ok(v) = HeaderValue::from_str(a.as_str())
        {
            headers.insert(header::HOST, v);
        }
        // A v4 client on a dual-stack socket is shown, hashed and logged as v4.
        let ip = peer.ip().to_canonical();
        append_forwarded_for(&mut headers, &X_FORWARDED_FOR, ip);
        headers.insert(X_FORWARDED_PROTO.clone(), HeaderValue::from_static(s.proto));
        if let Some(h) = headers.get(header::HOST).cloned() {
            headers.insert(X_FORWARDED_HOST.clone(), h);
        }
        let via = match version {
            Version::HTTP_2 => "2.0 lbctl",
            Version::HTTP_10 => "1.0 lbctl",
            _ => "1.1 lbctl",
        };
        append_via(&mut headers, via);
        for r in &s.header_up {
            r.apply(&mut headers);
        }

        // Sticky: a valid cookie naming a usable backend wins.
        let mut sticky_hit = None;
        // The backend the client's sticky cookie names (it is re-stamped when it changes).
        let mut cookie_backend = None;
        if let Some(name) = &pool.sticky_cookie
            && let Some(id) = cookie(&headers, name)
        {
            sticky_hit = pool.by_sticky_id(id);
            cookie_backend = sticky_hit;
        }

        // Hash on a key: only the first attempt follows the key; retries go elsewhere.
        if sticky_hit.is_none()
            && pool.hash.is_some()
            && let Some(hk) = &pool.hash_key
            && let Some(key) = hk.extract(
                &headers,
                uri.path_and_query().map_or("/", |p| p.as_str()),
                ip,
            )
        {
            sticky_hit = pool.choose_hashed(&key, Tried::default());
        }

        let mut ip_buf = [0u8; 16];
        let ip_bytes: &[u8] = match ip {
            IpAddr::V4(v4) => {
                ip_buf[..4].copy_from_slice(&v4.octets());
                &ip_buf[..4]
            }
            IpAddr::V6(v6) => {
                ip_buf = v6.octets();
                &ip_buf[..]
            }
        };
        let ctx = PickContext {
            client_ip: Some(ip_bytes),
        };

        let replayable = s.retries > 0 && !upgrade && idempotent(&method) && body.is_end_stream();
        let mut body: Option<UpBody> = Some(Either::Left(body));
        let mut headers = Some(headers);
        let mut uri = Some(uri);
        let mut tried = Tried::default();
        let mut attempts = 0u32;
        let mut last_err: Option<Attempt> = None;

        loop {
            let choice = match sticky_hit.take() {
                Some(i) if pool.usable(i, tried) => Some(i),
                _ => pool.choose(&ctx, tried),
            };
            let Some(i) = choice else {
                return Ok(self.no_backend(last_err));
            };
            tried.add(i);
            let b = &pool.backends[i];
            let slot = match &b.slots {
                None => None,
                Some(sem) => {
                    match tokio::time::timeout(s.queue_timeout, sem.clone().acquire_owned()).await {
                        Ok(Ok(p)) => Some(p),
                        _ => {
                            b.count(None);
                            return Ok(local(
                                StatusCode::SERVICE_UNAVAILABLE,
                                "503 service unavailable: the backend's queue (maxconn) did not move in time\n",
                            ));
                        }
                    }
                }
            };
            let flight = Flight::enter(b);

            let mut conn = match b.pool.checkout().await {
                Ok(c) => c,
                Err(e) => {
                    let reason = e.to_string();
                    b.passive_failure(&reason);
                    b.count(None);
                    self.note_failure(b, &method, &reason, attempts < s.retries);
                    last_err = Some(Attempt::Connect(reason));
                    if attempts < s.retries {
                        attempts += 1;
                        self.count_retry(b);
                        continue;
                    }
                    return Ok(self.gateway_error(last_err));
                }
            };

            // Build this attempt's request, keeping a copy of the head when it may be replayed.
            let mut h = if replayable {
                headers.clone().unwrap_or_default()
            } else {
                headers.take().unwrap_or_default()
            };
            if s.change_host {
                h.insert(header::HOST, b.host_value.clone());
            }
            let u = if replayable {
                uri.clone().unwrap_or_default()
            } else {
                uri.take().unwrap_or_default()
            };
            let bd = body.take().unwrap_or_else(|| Either::Right(Empty::new()));
            let mut out = Request::new(bd);
            *out.method_mut() = method.clone();
            *out.uri_mut() = u;
            *out.version_mut() = Version::HTTP_11;
            *out.headers_mut() = h;

            let sent_at = Instant::now();
            let result = match self.send(&mut conn, b, out).await {
                Ok(r) => Ok(r),
                Err((a, back)) => {
                    // An unsent request comes back whole: put its parts back for the retry.
                    if let Some(back) = back {
                        let (p, bd) = back.into_parts();
                        headers = Some(p.headers);
                        uri = Some(p.uri);
                        body = Some(bd);
                    }
                    Err(a)
                }
            };
            match result {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    if s.fail_on.contains(&status) {
                        b.passive_failure(&format!("status {status}"));
                        if replayable && attempts < s.retries {
                            b.count(Some(status));
                            attempts += 1;
                            self.count_retry(b);
                            continue;
                        }
                    } else {
                        b.passive_success();
                    }
                    let ttfb = sent_at.elapsed();
                    b.count(Some(status));
                    b.record_latency(ttfb);
                    let picker = pool.picker();
                    if picker.wants_latency() {
                        picker.observe(i, ttfb);
                    }
                    let log = log_uri.as_ref().zip(start).map(|(u, start)| {
                        Box::new(LogCtx {
                            format: s.access_log,
                            client: peer,
                            method: method.clone(),
                            uri: u.clone(),
                            version,
                            status,
                            start,
                        })
                    });
                    return Ok(self.respond(
                        &pool,
                        i,
                        cookie_backend,
                        resp,
                        conn,
                        flight,
                        slot,
                        log,
                        client_upgrade,
                    ));
                }
                Err(a) => {
                    let (can_retry, reason) = match &a {
                        Attempt::Connect(r) => (true, r.clone()),
                        Attempt::Sent(r, unsent) => (*unsent || replayable, r.clone()),
                        Attempt::Timeout => (replayable, "no response in time".to_string()),
                    };
                    b.passive_failure(&reason);
                    b.count(None);
                    self.note_failure(b, &method, &reason, can_retry && attempts < s.retries);
                    last_err = Some(a);
                    if can_retry && attempts < s.retries && body.is_some() {
                        attempts += 1;
                        self.count_retry(b);
                        continue;
                    }
                    if can_retry && attempts < s.retries && replayable {
                        attempts += 1;
                        self.count_retry(b);
                        body = Some(Either::Right(Empty::new()));
                        continue;
                    }
                    return Ok(self.gateway_error(last_err));
                }
            }
        }
    }

    pub fn new(routing: Routing, settings: L7Settings) -> Self {
        L7 {
            routing: RwLock::new(Arc::new(routing)),
            settings,
            counters: L7Counters::default(),
        }
    }

    /// The current routing (pools and routes).
    pub fn routing(&self) -> Arc<Routing> {
        match self.routing.read() {
            Ok(r) => r.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// Replace the routing (SIGHUP reload); requests in flight keep the old one.
    pub fn swap(&self, routing: Routing) {
        let new = Arc::new(routing);
        match self.routing.write() {
            Ok(mut r) => *r = new,
            Err(p) => *p.into_inner() = new,
        }
    }

    fn note_failure(&self, b: &Backend, method: &Method, reason: &str, retried: bool) {
        if self.settings.verbose {
            super::log::state(format_args!(
                "{method} to backend {} failed: {reason}; {}",
                b.name(),
                if retried {
                    "retrying on another backend"
                } else {
                    "not retried"
                }
            ));
        }
    }

    fn count_retry(&self, b: &Backend) {
        b.retries.fetch_add(1, Ordering::Relaxed);
        self.counters.retries.fetch_add(1, Ordering::Relaxed);
    }

    /// Send on `conn`; a stale pooled connection is replaced by a fresh one once.
    async fn send(
        &self,
        conn: &mut Conn,
        b: &Backend,
        req: Request<UpBody>,
    ) -> Result<Response<Incoming>, (Attempt, Option<Request<UpBody>>)> {
        let timeout = self.settings.backend_timeout;
        let mut req = req;
        for round in 0..2 {
            match tokio::time::timeout(timeout, conn.sender.try_send_request(req)).await {
                Err(_) => return Err((Attempt::Timeout, None)),
                Ok(Ok(resp)) => return Ok(resp),
                Ok(Err(mut e)) => match e.take_message() {
                    Some(back) if conn.reused && round == 0 => {
                        // The backend closed this idle connection: not its fault, try fresh.
                        req = back;
                        match b.pool.connect().await {
                            Ok(c) => *conn = c,
                            Err(ce) => {
                                return Err((Attempt::Connect(ce.to_string()), Some(req)));
                            }
                        }
                    }
                    back => {
                        let unsent = back.is_some();
                        return Err((Attempt::Sent(e.into_error().to_string(), unsent), back));
                    }
                },
            }
        }
        Err((Attempt::Sent("connection closed".into(), false), None))
    }

    #[allow(clippy::too_many_arguments)]
    fn respond(
        &self,
        pool: &Pool,
        i: usize,
        cookie_backend: Option<usize>,
        mut resp: Response<Incoming>,
        conn: Conn,
        flight: Flight,
        slot: Option<tokio::sync::OwnedSemaphorePermit>,
        log: Option<Box<LogCtx>>,
        client_upgrade: Option<hyper::upgrade::OnUpgrade>,
    ) -> Response<RespBody> {
        let s = &self.settings;
        let switching = resp.status() == StatusCode::SWITCHING_PROTOCOLS;
        if switching && let Some(client) = client_upgrade {
            let idle = s.idle_timeout;
            let backend = hyper::upgrade::on(&mut resp);
            tokio::spawn(async move {
                // The backend connection becomes the tunnel: it never returns to the pool.
                let _sender = conn.sender;
                if let (Ok(c), Ok(bk)) = (client.await, backend.await) {
                    let touched = Arc::new(std::sync::atomic::AtomicBool::new(true));
                    let mut c = super::listener::Activity {
                        inner: hyper_util::rt::TokioIo::new(c),
                        touched: touched.clone(),
                    };
                    let mut bk = hyper_util::rt::TokioIo::new(bk);
                    // A tunnel with no bytes either way for --idle-timeout is closed
                    // (HAProxy's `timeout tunnel`).
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut c, &mut bk) => {}
                        _ = super::listener::idle_for(&touched, idle) => {}
                    }
                }
                drop(flight);
                drop(slot);
            });
            let (mut parts, _) = resp.into_parts();
            for r in &s.header_down {
                r.apply(&mut parts.headers);
            }
            return Response::from_parts(parts, Either::Right(http_body_util::Full::default()));
        }
        let (mut parts, body) = resp.into_parts();
        strip_hop_by_hop(&mut parts.headers, false);
        append_via(&mut parts.headers, "1.1 lbctl");
        for r in &s.header_down {
            r.apply(&mut parts.headers);
        }
        if let Some(name) = &pool.sticky_cookie
            && cookie_backend != Some(i)
        {
            let id = &pool.backends[i].sticky_id;
            if let Ok(v) = HeaderValue::from_str(&format!("{name}={id}; Path=/; HttpOnly")) {
                parts.headers.append(header::SET_COOKIE, v);
            }
        }
        Response::from_parts(
            parts,
            Either::Left(Relay::new(body, flight, Some(conn.sender), slot, log)),
        )
    }

    fn no_backend(&self, last: Option<Attempt>) -> Response<RespBody> {
        if last.is_some() {
            return self.gateway_error(last);
        }
        self.counters.no_backend.fetch_add(1, Ordering::Relaxed);
        local(
            StatusCode::SERVICE_UNAVAILABLE,
            "503 service unavailable: no healthy backend in the pool\n",
        )
    }

    fn gateway_error(&self, last: Option<Attempt>) -> Response<RespBody> {
        match last {
            Some(Attempt::Timeout) => local(
                StatusCode::GATEWAY_TIMEOUT,
                "504 gateway timeout: the backend did not answer in time\n",
            ),
            Some(Attempt::Connect(_)) => local(
                StatusCode::BAD_GATEWAY,
                "502 bad gateway: could not connect to a backend\n",
            ),
            _ => local(
                StatusCode::BAD_GATEWAY,
                "502 bad gateway: the backend failed before answering\n",
            ),
        }
    }
}

fn append_via(headers: &mut HeaderMap, via: &'static str) {
    match headers.get(header::VIA).and_then(|v| v.to_str().ok()) {
        Some(prev) => {
            if let Ok(v) = HeaderValue::from_str(&format!("{prev}, {via}")) {
                headers.insert(header::VIA, v);
            }
        }
        None => {
            headers.insert(header::VIA, HeaderValue::from_static(via));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_lookup() {
        let mut h = HeaderMap::new();
        h.append(header::COOKIE, HeaderValue::from_static("a=1; lb=xyz"));
        h.append(header::COOKIE, HeaderValue::from_static("b=2"));
        assert_eq!(cookie(&h, "lb"), Some("xyz"));
        assert_eq!(cookie(&h, "b"), Some("2"));
        assert_eq!(cookie(&h, "c"), None);
        assert!(idempotent(&Method::GET) && !idempotent(&Method::POST));
    }
}
