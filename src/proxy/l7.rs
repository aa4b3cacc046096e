//! The L7 data path: one client request in, one backend chosen (sticky cookie, else the pool's
//! algorithm), headers rewritten (hop-by-hop out, X-Forwarded-* and Via in, --header-up),
//! the request streamed to a pooled HTTP/1.1 connection, retried on another backend when that
//! is safe, and the response streamed back (--header-down, sticky cookie). Upgrades (WebSocket)
//! become a byte tunnel. Used by listener.rs through [`L7::handle`].

use super::acl::Acl;
use super::backend::Backend;
use super::config::Route;
use super::dispatch::{self, Attempt, Dispatch, Picked, idempotent};
use super::headers::{
    HeaderRule, HeaderSource, append_forwarded_for, is_upgrade, strip_hop_by_hop,
};
use super::pool::Pool;
use super::relay::{LogCtx, Relay, RespBody, local};
use super::upstream::{Conn, UpBody};
use crate::balance::pick::PickContext;
use crate::cli::AccessLog;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Request, Response, StatusCode, Uri, Version};
use http_body_util::{Either, Empty};
use hyper::body::{Body, Incoming};
use std::convert::Infallible;
use std::net::SocketAddr;
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
    pub fn route<H: HeaderSource + ?Sized>(
        &self,
        host: &str,
        path: &str,
        headers: &H,
    ) -> Option<&Arc<Pool>> {
        if self.routes.is_empty() {
            return self.default_pool.and_then(|i| self.pools.get(i));
        }
        self.routes
            .iter()
            .find(|r| r.check(host, path, headers).is_ok())
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
    /// Upgrade tunnels (WebSocket) still open: the drain waits for them too.
    pub tunnels: crate::shutdown::InFlight,
}

static X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
static X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
static X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");

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
        // A v4 client on a dual-stack socket is shown, hashed and logged as v4.
        let ip = peer.ip().to_canonical();
        let routing = self.routing();
        let pool = {
            let host = req
                .headers()
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .or_else(|| req.uri().authority().map(|a| a.as_str()))
                .unwrap_or("");
            match dispatch::admit(&self, &routing, ip, host, req.uri().path(), req.headers()) {
                Ok(p) => p,
                Err(l) => return Ok(local(l)),
            }
        };
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

        let mut walk = Dispatch::new(
            pool,
            s.retries,
            &headers,
            uri.path_and_query().map_or("/", |p| p.as_str()),
            ip,
        );
        let mut ip_buf = [0u8; 16];
        let ctx = PickContext {
            client_ip: Some(dispatch::ip_bytes(ip, &mut ip_buf)),
        };

        let replayable = s.retries > 0 && !upgrade && idempotent(&method) && body.is_end_stream();
        let mut body: Option<UpBody> = Some(Either::Left(body));
        let mut headers = Some(headers);
        let mut uri = Some(uri);

        loop {
            let picked = match walk.next(&self, &ctx).await {
                Ok(p) => p,
                Err(l) => return Ok(local(l)),
            };
            let b = picked.backend.clone();
            let mut conn = match b.pool.checkout().await {
                Ok(c) => c,
                Err(e) => {
                    if walk.failed(
                        &self,
                        &b,
                        method.as_str(),
                        Attempt::Connect(e.to_string()),
                        true,
                    ) {
                        continue;
                    }
                    return Ok(local(walk.give_up()));
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
            match self.send(&mut conn, &b, out).await {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let ttfb = sent_at.elapsed();
                    if walk.answered(&self, &picked, status, ttfb, replayable) {
                        continue;
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
                    return Ok(self.respond(&walk, picked, resp, conn, log, client_upgrade));
                }
                Err((Attempt::ClientBody, _)) => {
                    return Ok(local(dispatch::BAD_REQUEST_BODY));
                }
                Err((a, back)) => {
                    let unsent = back.is_some();
                    // An unsent request comes back whole: put its parts back for the retry.
                    if let Some(back) = back {
                        let (p, bd) = back.into_parts();
                        headers = Some(p.headers);
                        uri = Some(p.uri);
                        body = Some(bd);
                    }
                    let can_retry = match &a {
                        Attempt::Connect(_) => true,
                        Attempt::Sent(_, unsent) => *unsent || replayable,
                        Attempt::Timeout => replayable,
                        Attempt::ClientBody => false,
                    };
                    if walk.failed(&self, &b, method.as_str(), a, can_retry) {
                        if !unsent && replayable {
                            body = Some(Either::Right(Empty::new()));
                        }
                        if body.is_some() {
                            continue;
                        }
                    }
                    return Ok(local(walk.give_up()));
                }
            }
        }
    }

    pub fn new(routing: Routing, settings: L7Settings) -> Self {
        L7 {
            routing: RwLock::new(Arc::new(routing)),
            settings,
            counters: L7Counters::default(),
            tunnels: Default::default(),
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
                        let err = e.into_error();
                        if err.is_user() {
                            // The client's body stream failed, not the backend.
                            return Err((Attempt::ClientBody, None));
                        }
                        return Err((Attempt::Sent(err.to_string(), unsent), back));
                    }
                },
            }
        }
        Err((Attempt::Sent("connection closed".into(), false), None))
    }

    fn respond(
        &self,
        walk: &Dispatch,
        picked: Picked,
        mut resp: Response<Incoming>,
        conn: Conn,
        log: Option<Box<LogCtx>>,
        client_upgrade: Option<hyper::upgrade::OnUpgrade>,
    ) -> Response<RespBody> {
        let Picked {
            index: i,
            flight,
            slot,
            ..
        } = picked;
        let s = &self.settings;
        let switching = resp.status() == StatusCode::SWITCHING_PROTOCOLS;
        if switching && let Some(client) = client_upgrade {
            let idle = s.idle_timeout;
            let backend = hyper::upgrade::on(&mut resp);
            let tunnel = self.tunnels.enter();
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
                drop(tunnel);
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
        if let Some(c) = walk.sticky_cookie(i)
            && let Ok(v) = HeaderValue::from_str(&c)
        {
            parts.headers.append(header::SET_COOKIE, v);
        }
        Response::from_parts(
            parts,
            Either::Left(Relay::new(body, flight, Some(conn.sender), slot, log)),
        )
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
