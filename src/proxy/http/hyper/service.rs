//! The L7 data path: one client request in, one backend chosen (sticky cookie, else the pool's
//! algorithm), headers rewritten (hop-by-hop out, X-Forwarded-* and Via in, --header-up),
//! the request streamed to a pooled HTTP/1.1 connection or a stream of a shared HTTP/2 one,
//! retried on another backend when that is safe, and the response streamed back (--header-down,
//! sticky cookie), trailers included. gRPC calls are balanced per call like any request; the
//! proxy's own errors reach them gRPC-shaped, and `grpc-timeout` bounds the wait. Upgrades
//! (WebSocket) become a byte tunnel. Used by http/serve.rs through [`L7::handle`].

use super::compress_body::{self, Asked};
use super::relay::{LogCtx, Relay, RespBody, Watch, absolute, grpc_local, grpc_verdict, local};
use crate::balance::pick::PickContext;
use crate::cli::AccessLog;
use crate::proxy::core::backend::Backend;
use crate::proxy::core::compress::CompressSpec;
use crate::proxy::core::frontend::L7;
use crate::proxy::core::pool::ip_bytes;
use crate::proxy::core::upstream::{Conn, UpBody};
use crate::proxy::http::decide::{Attempt, Dispatch, Picked, idempotent};
use crate::proxy::http::headers::{append_forwarded_for, append_via, is_upgrade, strip_hop_by_hop};
use crate::proxy::http::local::{BAD_HOST, BAD_REQUEST_BODY, Local, UPGRADE_OVER_H2};
use http::header::{self, HeaderName, HeaderValue};
use http::{Request, Response, StatusCode, Uri, Version};
use http_body_util::{BodyExt, Either, Full};
use hyper::body::{Body, Incoming};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

static X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
static X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
static X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");

impl L7 {
    /// Serve one request (never fails: every problem becomes a response). Compression is the
    /// last transformation of the final answer, relayed or local (compress_body.rs).
    pub async fn handle(
        self: Arc<Self>,
        peer: SocketAddr,
        req: Request<Incoming>,
    ) -> Result<Response<RespBody>, Infallible> {
        let asked = Asked::of(&req);
        let mut compress = None;
        let Ok(resp) = self.clone().answer(peer, req, &mut compress).await;
        Ok(compress_body::apply(
            resp,
            &asked,
            compress.as_deref(),
            &self.counters.compress,
        ))
    }

    /// The answer before compression; `compress` is set to the route's compression once the
    /// route is known.
    async fn answer(
        self: Arc<Self>,
        peer: SocketAddr,
        mut req: Request<Incoming>,
        compress: &mut Option<Arc<CompressSpec>>,
    ) -> Result<Response<RespBody>, Infallible> {
        // The clock is read per request only when an access log wants the total time.
        let start = (self.settings.access_log != AccessLog::Off).then(Instant::now);
        let s = &self.settings;
        self.counters.requests.fetch_add(1, Ordering::Relaxed);
        // A v4 client on a dual-stack socket is shown, hashed and logged as v4.
        let ip = peer.ip().to_canonical();
        // The target's authority, when the request has one (absolute-form, or HTTP/2's
        // :authority), is the request's host (RFC 9112 section 3.2.2): it replaces Host.
        let grpc = crate::grpc::is_grpc(req.headers());
        // Errors a gRPC client can read (see relay.rs `grpc_local`).
        let answer = |l: Local| if grpc { grpc_local(l) } else { local(l) };
        let authority = match check_request(&req).and_then(|()| target_host(&req)) {
            Ok(a) => a,
            Err(l) if grpc => return Ok(grpc_local(l)),
            Err(l) => return Ok(bad_request(l, req.version())),
        };
        // A call's deadline bounds the wait for the backend when it is the shorter one
        // (Envoy's grpc_timeout_header_max semantics, without a cap).
        let timeout = match grpc
            .then(|| req.headers().get("grpc-timeout"))
            .flatten()
            .and_then(|v| crate::grpc::parse_timeout(v.as_bytes()))
        {
            Some(d) => d.min(s.backend_timeout),
            None => s.backend_timeout,
        };
        let routing = self.routing();
        let admitted = {
            let host = authority
                .as_ref()
                .and_then(|v| v.to_str().ok())
                .or_else(|| {
                    req.headers()
                        .get(header::HOST)
                        .and_then(|v| v.to_str().ok())
                })
                .unwrap_or("");
            match crate::proxy::http::decide::admit(
                &self,
                &routing,
                ip,
                host,
                req.uri().path(),
                req.headers(),
                false,
            ) {
                Ok(Some(a)) => {
                    if let Some(r) = &a.redirect {
                        let target = req.uri().path_and_query().map_or("/", |p| p.as_str());
                        return Ok(super::redirect::answer(r, req.method(), host, target));
                    }
                    *compress = a.compress.clone();
                    a
                }
                // Only the fast path (fast = true) is ever sent on to hyper; answered, not a panic.
                Ok(None) => return Ok(answer(crate::proxy::http::local::NO_ROUTE)),
                Err(l) => return Ok(answer(l)),
            }
        };
        if let Some(d) = admitted.delay {
            tokio::time::sleep(d).await;
        }
        // The response cache: a hit is answered here, before any backend is touched.
        let access = start.map(|t| (t, peer));
        let mut cache = match super::cache_fill::before(
            &self,
            admitted.cache,
            &admitted.pool.name,
            authority.as_ref(),
            &req,
            access,
        )
        .await
        {
            super::cache_fill::Before::Hit(r) => return Ok(r),
            super::cache_fill::Before::Go(p) => p,
        };
        let pool = admitted.pool;
        let upgrade = is_upgrade(req.headers());
        let client_upgrade = upgrade.then(|| hyper::upgrade::on(&mut req));
        let (parts, body) = req.into_parts();
        let method = parts.method;
        let version = parts.version;
        let log_uri = (s.access_log != AccessLog::Off).then(|| parts.uri.clone());
        let mut headers = parts.headers;

        // The outgoing request line is origin-form HTTP/1.1 whatever the client spoke.
        let uri = match parts.uri.path_and_query() {
            Some(pq) if parts.uri.scheme().is_some() || parts.uri.authority().is_some() => {
                Uri::from_maybe_shared(bytes::Bytes::copy_from_slice(pq.as_str().as_bytes()))
                    .unwrap_or_else(|_| Uri::from_static("/"))
            }
            Some(_) => parts.uri,
            None => Uri::from_static("/"),
        };
        // `TE: trailers` is the one TE an HTTP/2 request may carry (RFC 9113 section 8.2.2),
        // and gRPC servers want it: it goes on to HTTP/2 backends.
        let te_trailers = headers.get_all(header::TE).iter().any(|v| {
            crate::http1::tokens(v.as_bytes()).any(|t| t.eq_ignore_ascii_case(b"trailers"))
        });
        strip_hop_by_hop(&mut headers, upgrade);
        if let Some(a) = authority {
            headers.insert(header::HOST, a);
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

        let replayable = s.retries > 0 && !upgrade && idempotent(&method) && body.is_end_stream();
        let mut body: UpBody = Either::Left(body);
        if let Some((policy, mirror_pool)) = admitted.mirror {
            // A body is copied only when it is small and its length known: it is read whole
            // first (the backend could not answer before it had it all anyway).
            let small = body
                .size_hint()
                .exact()
                .is_some_and(|n| n <= super::mirror::MAX_BODY);
            let copy_body = if upgrade || !small {
                None
            } else if body.is_end_stream() {
                Some(bytes::Bytes::new())
            } else {
                match tokio::time::timeout(s.backend_timeout, body.collect()).await {
                    Ok(Ok(all)) => {
                        let all = all.to_bytes();
                        body = Either::Right(Full::new(all.clone()));
                        Some(all)
                    }
                    _ => return Ok(answer(BAD_REQUEST_BODY)),
                }
            };
            match copy_body {
                None => super::mirror::skipped(&policy),
                Some(b) => super::mirror::spawn(
                    &self,
                    policy,
                    mirror_pool,
                    super::mirror::CopyHead {
                        method: method.clone(),
                        uri: uri.clone(),
                        headers: headers.clone(),
                        body: b,
                        ip,
                    },
                ),
            }
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
            client_ip: Some(ip_bytes(ip, &mut ip_buf)),
        };

        let mut body: Option<UpBody> = Some(body);
        let mut headers = Some(headers);
        let mut uri = Some(uri);

        loop {
            let picked = match walk.next(&self, &ctx).await {
                Ok(p) => p,
                Err(l) => return Ok(answer(l)),
            };
            let b = picked.backend.clone();
            if grpc && b.spec.proto == crate::spec::UpstreamProto::Http1 {
                return Ok(grpc_needs_h2(&b));
            }
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
                    return Ok(answer(walk.give_up()));
                }
            };
            let h2 = conn.sender.is_h2();
            if grpc && !h2 {
                // An `,auto` backend whose ALPN chose HTTP/1.1.
                return Ok(grpc_needs_h2(&b));
            }
            if h2 && upgrade {
                return Ok(answer(UPGRADE_OVER_H2));
            }

            // Build this attempt's request, keeping a copy of the head when it may be replayed.
            let mut h = if replayable {
                headers.clone().unwrap_or_default()
            } else {
                headers.take().unwrap_or_default()
            };
            // An HTTP/1.0 request may come without Host; it leaves as HTTP/1.1, which needs one
            // (RFC 9112 section 3.2): the backend's address, as nginx's default $proxy_host.
            if s.change_host || !h.contains_key(header::HOST) {
                h.insert(header::HOST, b.host_value.clone());
            }
            let u = if replayable {
                uri.clone().unwrap_or_default()
            } else {
                uri.take().unwrap_or_default()
            };
            let bd = body
                .take()
                .unwrap_or_else(|| Either::Right(Full::default()));
            let mut out = Request::new(bd);
            *out.method_mut() = method.clone();
            if h2 {
                // HTTP/2 carries the host as :authority (RFC 9113 section 8.3.1), not Host.
                *out.uri_mut() = absolute(&b, h.remove(header::HOST), u);
                *out.version_mut() = Version::HTTP_2;
                if te_trailers {
                    h.insert(header::TE, HeaderValue::from_static("trailers"));
                }
            } else {
                *out.uri_mut() = u;
                *out.version_mut() = Version::HTTP_11;
            }
            *out.headers_mut() = h;

            let sent_at = Instant::now();
            match self.send(&mut conn, &b, out, timeout).await {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let ttfb = sent_at.elapsed();
                    if walk.answered(&self, &picked, status, ttfb, replayable) {
                        continue;
                    }
                    if grpc && !s.fail_on_grpc.is_empty() {
                        // A trailers-only answer carries its status in the head.
                        grpc_verdict(&b, resp.headers(), &s.fail_on_grpc);
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
                    let grpc_fail =
                        (grpc && !s.fail_on_grpc.is_empty()).then(|| s.fail_on_grpc.clone());
                    let watch = Watch { log, grpc_fail };
                    let cached = cache.take().map(|c| c.seen(&resp));
                    let out = self.respond(&walk, picked, resp, conn, watch, client_upgrade);
                    return Ok(match cached {
                        Some(c) => c.finish(out),
                        None => out,
                    });
                }
                Err((Attempt::ClientBody, _)) => {
                    return Ok(answer(BAD_REQUEST_BODY));
                }
                Err((a, back)) => {
                    let unsent = back.is_some();
                    // An unsent request comes back whole: put its parts back for the retry.
                    if let Some(back) = back {
                        let (mut p, bd) = back.into_parts();
                        if p.version == Version::HTTP_2 {
                            // Back to the HTTP/1.1 shape, in case the retry's backend is one.
                            if let Some(a) = p.uri.authority()
                                && let Ok(v) = HeaderValue::from_str(a.as_str())
                            {
                                p.headers.insert(header::HOST, v);
                            }
                            p.headers.remove(header::TE);
                            p.uri = p
                                .uri
                                .path_and_query()
                                .and_then(|pq| pq.as_str().parse().ok())
                                .unwrap_or_else(|| Uri::from_static("/"));
                        }
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
                            body = Some(Either::Right(Full::default()));
                        }
                        if body.is_some() {
                            continue;
                        }
                    }
                    return Ok(answer(walk.give_up()));
                }
            }
        }
    }

    /// Send on `conn`; a stale pooled connection is replaced by a fresh one once.
    async fn send(
        &self,
        conn: &mut Conn,
        b: &Backend,
        req: Request<UpBody>,
        timeout: std::time::Duration,
    ) -> Result<Response<Incoming>, (Attempt, Option<Request<UpBody>>)> {
        let mut req = req;
        for round in 0..2 {
            match tokio::time::timeout(timeout, conn.sender.send(req)).await {
                Err(_) => return Err((Attempt::Timeout, None)),
                Ok(Ok(resp)) => return Ok(resp),
                Ok(Err(mut e)) => match e.take_message() {
                    Some(back) if conn.reused && round == 0 => {
                        // The backend closed this idle connection: not its fault, try fresh.
                        req = back;
                        match Box::pin(b.pool.connect()).await {
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
        watch: Watch,
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
                    let mut c = crate::proxy::core::listener::Activity {
                        inner: hyper_util::rt::TokioIo::new(c),
                        touched: touched.clone(),
                    };
                    let mut bk = hyper_util::rt::TokioIo::new(bk);
                    // A tunnel with no bytes either way for --idle-timeout is closed
                    // (HAProxy's `timeout tunnel`).
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut c, &mut bk) => {}
                        _ = crate::proxy::core::listener::idle_for(&touched, idle) => {}
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
            return Response::from_parts(parts, RespBody::full(bytes::Bytes::new()));
        }
        let (mut parts, body) = resp.into_parts();
        strip_hop_by_hop(&mut parts.headers, false);
        let via = match parts.version {
            Version::HTTP_2 => "2.0 lbctl",
            _ => "1.1 lbctl",
        };
        append_via(&mut parts.headers, via);
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
            RespBody::Relay(Relay::new(body, flight, Some(conn.sender), slot, watch)),
        )
    }
}

const fn bad(text: &'static str) -> Local {
    Local {
        status: StatusCode::BAD_REQUEST,
        text,
        retry_after: 0,
    }
}

/// What an HTTP/1 request must be before the proxy reads its body or picks a backend: a
/// request-target of a form a reverse proxy serves (RFC 9112 section 3.2: origin-form,
/// absolute-form without userinfo, `*` only for OPTIONS; CONNECT is not tunnelled), and a body
/// framed one way only (section 6.1: chunked once and last; no transfer coding in HTTP/1.0).
/// HTTP/2 requests are framed by the h2 layer and pass.
fn check_request<B>(req: &Request<B>) -> Result<(), Local> {
    let version = req.version();
    if version == Version::HTTP_2 {
        return Ok(());
    }
    if req.method() == http::Method::CONNECT {
        return Err(Local {
            status: StatusCode::METHOD_NOT_ALLOWED,
            text: "405 method not allowed: lbctl proxy is a reverse proxy and does not tunnel CONNECT\n",
            retry_after: 0,
        });
    }
    let uri = req.uri();
    let form_ok = if uri.scheme().is_some() {
        uri.authority().is_some_and(|a| !a.as_str().contains('@'))
    } else if uri.path() == "*" {
        req.method() == http::Method::OPTIONS
    } else {
        uri.authority().is_none() && uri.path().starts_with('/')
    };
    if !form_ok {
        return Err(bad(
            "400 bad request: the request target must be /path, http://host/path, or * for OPTIONS\n",
        ));
    }
    let (place, codings) = crate::http1::chunked_place(
        req.headers()
            .get_all(header::TRANSFER_ENCODING)
            .iter()
            .flat_map(|v| crate::http1::tokens(v.as_bytes())),
    );
    if codings > 0 {
        if version == Version::HTTP_10 || place != crate::http1::ChunkedPlace::Final {
            return Err(bad(
                "400 bad request: Transfer-Encoding must end in chunked, once, in HTTP/1.1\n",
            ));
        }
        if codings > 1 {
            return Err(Local {
                status: StatusCode::NOT_IMPLEMENTED,
                text: "501 not implemented: the only request transfer coding forwarded is chunked\n",
                retry_after: 0,
            });
        }
    }
    Ok(())
}

/// RFC 9112 section 3.2: an HTTP/1.1 request with no Host, more than one, or an invalid one
/// gets 400 (HAProxy does the same for two). Ok carries the target's authority when the
/// request-target has one: it is the request's host from here on (section 3.2.2).
fn target_host<B>(req: &Request<B>) -> Result<Option<HeaderValue>, Local> {
    let mut hosts = req.headers().get_all(header::HOST).iter();
    let host = hosts.next();
    if hosts.next().is_some()
        || host.is_some_and(|h| !crate::proxy::http::headers::valid_host(h.as_bytes()))
    {
        return Err(BAD_HOST);
    }
    let authority = req.uri().authority().map(|a| match a.port() {
        Some(p) => format!("{}:{}", a.host(), p.as_str()),
        None => a.host().to_string(),
    });
    match authority {
        _ if host.is_none() && req.version() == Version::HTTP_11 => Err(BAD_HOST),
        Some(a) => HeaderValue::from_str(&a)
            .ok()
            .filter(|v| crate::proxy::http::headers::valid_host(v.as_bytes()))
            .map(Some)
            .ok_or(BAD_HOST),
        None => Ok(None),
    }
}

/// A local 400 that also ends an HTTP/1 connection: after a malformed request the client's
/// idea of the connection's state cannot be trusted.
fn bad_request(l: Local, version: Version) -> Response<RespBody> {
    let mut r = local(l);
    if version != Version::HTTP_2 {
        r.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    r
}

static GRPC_H1_LOGGED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// A gRPC call whose backend speaks HTTP/1.1: gRPC needs HTTP/2 end to end (trailers), so the
/// call gets UNAVAILABLE saying how to fix the spec, and the backend is not blamed. Logged once.
fn grpc_needs_h2(b: &Backend) -> Response<RespBody> {
    if !GRPC_H1_LOGGED.swap(true, Ordering::Relaxed) {
        crate::proxy::core::log::state(format_args!(
            "gRPC call for backend {} answered UNAVAILABLE: it speaks HTTP/1.1 and gRPC needs HTTP/2; add ,h2c (or ,h2 over TLS) to its spec",
            b.name()
        ));
    }
    grpc_local(GRPC_NEEDS_H2)
}

const GRPC_NEEDS_H2: Local = Local {
    status: StatusCode::BAD_GATEWAY,
    text: "502 bad gateway: the backend speaks HTTP/1.1 and gRPC needs HTTP/2 (give it ,h2c or ,h2)\n",
    retry_after: 0,
};
