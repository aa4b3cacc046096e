//! The response cache on the hyper path, for a route that caches (core/cache has the store and
//! the rules). [`before`] runs after the route is known and before a backend is picked: a
//! fresh entry is answered here (`X-Cache: HIT`, `Age`) and no backend is touched; a miss on a
//! key another request is already fetching waits for it (nginx `proxy_cache_lock`, at most
//! [`LOCK_TIMEOUT`]) and is then answered from what it stored, or goes to the backend itself.
//! The request that fetches holds the key's fill lock; when the backend's head arrives,
//! [`Pending::seen`] decides from it whether to keep a copy, and [`After::finish`] wraps the
//! relayed body so the copy is made as the client receives it (never buffered before it gets
//! it), abandoned past `--cache-max-object`, on a body error or trailers. What is stored is
//! the backend's head after hop-by-hop stripping: the proxy's own per-response additions
//! (Via, --header-down, the sticky cookie) are made again on every answer, hit or miss.

use super::relay::{BoxError, LogCtx, RespBody};
use crate::proxy::core::cache::rules::{self, Freshness};
use crate::proxy::core::cache::store::{Entry, Fill, FillLock, Found, Key, Store};
use crate::proxy::core::cache::{LOCK_TIMEOUT, ListenerCache, Outcome, RouteCache};
use crate::proxy::core::frontend::L7;
use crate::proxy::http::headers::{append_via, strip_hop_by_hop};
use bytes::{Bytes, BytesMut};
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, Request, Response, StatusCode};
use hyper::body::{Body, Frame, Incoming, SizeHint};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

static X_CACHE: HeaderName = HeaderName::from_static("x-cache");

/// What [`before`] decided.
pub enum Before {
    /// Answered from the cache.
    Hit(Response<RespBody>),
    /// Go to the backend; Some when the route caches (for `X-Cache`, and maybe a fill).
    Go(Option<Pending>),
}

/// A request of a caching route on its way to the backend.
pub struct Pending {
    outcome: Outcome,
    fill: Option<Filling>,
    /// An unsafe method's target: a success invalidates its entries (RFC 9111 section 4.4).
    invalidate: Option<(Arc<Store>, Key)>,
}

/// What a fill needs once the backend's head is there.
struct Filling {
    store: Arc<Store>,
    key: Key,
    /// The request's headers, for the values of whatever the response Varies on.
    req: HeaderMap,
    authorized: bool,
    ttl: Option<Duration>,
    /// None for a request with Authorization (its response is rarely shareable: no collapse).
    lock: Option<FillLock>,
}

fn host_of<'a>(authority: Option<&'a HeaderValue>, req: &'a HeaderMap) -> &'a str {
    authority
        .or_else(|| req.get(header::HOST))
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// Look `req` up for a route with cache setting `route` (None: not a caching route) whose
/// pool is `pool`. `authority`: the request target's authority, which wins over Host.
/// `access`: when the access log is on, the request's start and client (a hit is logged with
/// backend `cache`).
pub async fn before(
    l7: &L7,
    route: Option<RouteCache>,
    pool: &str,
    authority: Option<&HeaderValue>,
    req: &Request<Incoming>,
    access: Option<(Instant, SocketAddr)>,
) -> Before {
    let (Some(route), Some(lc)) = (route, l7.settings.cache.as_ref()) else {
        return Before::Go(None);
    };
    let method = req.method();
    let headers = req.headers();
    let target = req.uri().path_and_query().map_or("/", |p| p.as_str());
    let key = Key::new(host_of(authority, headers), target, pool);
    if !rules::request_cacheable(method, headers) {
        lc.count(Outcome::Bypass);
        let unsafe_method = !matches!(
            *method,
            Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
        );
        return Before::Go(Some(Pending {
            outcome: Outcome::Bypass,
            fill: None,
            invalidate: unsafe_method.then(|| (lc.store.clone(), key)),
        }));
    }
    let authorized = headers.contains_key(header::AUTHORIZATION);
    let head = *method == Method::HEAD;
    let log = |status: StatusCode| {
        access.map(|(start, client)| LogCtx {
            format: l7.settings.access_log,
            client,
            method: method.clone(),
            uri: req.uri().clone(),
            version: req.version(),
            status: status.as_u16(),
            start,
        })
    };
    let outcome = match lc.store.lookup(&key, headers, authorized, Instant::now()) {
        Found::Fresh(e) => return Before::Hit(hit(l7, lc, &e, head, log(e.status))),
        Found::Stale => Outcome::Expired,
        Found::None => Outcome::Miss,
    };
    let go = |fill| {
        lc.count(outcome);
        Before::Go(Some(Pending {
            outcome,
            fill,
            invalidate: None,
        }))
    };
    // A HEAD miss is relayed as a HEAD: it has no body to store (nginx would turn it into
    // a GET with proxy_cache_convert_head; a later GET fills the entry it is answered from).
    if head {
        return go(None);
    }
    let lock = if authorized {
        None
    } else {
        match lc.store.fill(&key) {
            Fill::Lead(l) => Some(l),
            Fill::Wait(mut rx) => {
                // Woken when the leader stored its response or gave up, or timed out.
                let _ = tokio::time::timeout(LOCK_TIMEOUT, rx.changed()).await;
                if let Found::Fresh(e) = lc.store.lookup(&key, headers, false, Instant::now()) {
                    return Before::Hit(hit(l7, lc, &e, false, log(e.status)));
                }
                // Nothing usable stored: to the backend, without filling (nginx sends it
                // uncached after proxy_cache_lock_timeout too).
                return go(None);
            }
        }
    };
    go(Some(Filling {
        store: lc.store.clone(),
        key,
        req: headers.clone(),
        authorized,
        ttl: route.ttl.or(lc.default_ttl),
        lock,
    }))
}

/// The answer from a stored entry: its head with `Age` and `X-Cache: HIT`, then the proxy's
/// own additions as on a relayed response (Via, --header-down).
fn hit(
    l7: &L7,
    lc: &ListenerCache,
    e: &Entry,
    head: bool,
    log: Option<LogCtx>,
) -> Response<RespBody> {
    lc.count(Outcome::Hit);
    let body = if head { Bytes::new() } else { e.body.clone() };
    let mut r = Response::new(RespBody::full(body));
    *r.status_mut() = e.status;
    let h = r.headers_mut();
    *h = e.headers.clone();
    h.insert(
        header::AGE,
        HeaderValue::from(e.age(Instant::now()).as_secs()),
    );
    h.insert(X_CACHE.clone(), HeaderValue::from_static("HIT"));
    append_via(h, "1.1 lbctl");
    for rule in &l7.settings.header_down {
        rule.apply(h);
    }
    if let Some(l) = log {
        l.write("cache", if head { 0 } else { e.body.len() as u64 });
    }
    r
}

impl Pending {
    /// The backend's head arrived: decide whether to copy its body into the cache.
    pub fn seen(self, resp: &Response<Incoming>) -> After {
        let status = resp.status();
        let invalidate = self
            .invalidate
            .filter(|_| status.is_success() || status.is_redirection());
        let copy = self.fill.and_then(|f| {
            let headers = resp.headers();
            let fresh = rules::storable(status.as_u16(), headers, f.authorized, f.ttl).ok()?;
            let limit = f.store.limits.max_object;
            if resp.body().size_hint().exact().is_some_and(|n| n > limit) {
                return None;
            }
            let vary = rules::vary_names(headers)?
                .into_iter()
                .map(|n| {
                    let v = rules::vary_value(&f.req, &n);
                    (n, v)
                })
                .collect();
            let mut stored = headers.clone();
            strip_hop_by_hop(&mut stored, false);
            stored.remove(header::AGE);
            Some(Copy {
                store: f.store,
                key: f.key,
                status,
                headers: stored,
                vary,
                fresh,
                declared: resp.body().size_hint().exact(),
                chunks: Vec::new(),
                len: 0,
                limit,
                _lock: f.lock,
            })
        });
        After {
            outcome: self.outcome,
            copy,
            invalidate,
        }
    }
}

/// A fill (or not) decided from the backend's head, to apply to the final response.
pub struct After {
    outcome: Outcome,
    copy: Option<Copy>,
    invalidate: Option<(Arc<Store>, Key)>,
}

impl After {
    /// Mark the response with `X-Cache` and, when it is being stored, copy its body as it
    /// streams to the client.
    pub fn finish(self, mut resp: Response<RespBody>) -> Response<RespBody> {
        if let Some((store, key)) = self.invalidate {
            store.purge(Some(&key.host), &key.target, true);
        }
        resp.headers_mut().insert(
            X_CACHE.clone(),
            HeaderValue::from_static(self.outcome.header()),
        );
        let Some(copy) = self.copy else {
            return resp;
        };
        let (parts, body) = resp.into_parts();
        let mut c = Copying {
            inner: body,
            copy: Some(copy),
        };
        // A body that is empty from the start may never be polled: stored now.
        if c.inner.is_end_stream() {
            c.complete();
        }
        Response::from_parts(parts, RespBody::transformed(c))
    }
}

/// The copy being made of a response on its way to the client.
struct Copy {
    store: Arc<Store>,
    key: Key,
    status: StatusCode,
    headers: HeaderMap,
    vary: Vec<(HeaderName, Option<Vec<u8>>)>,
    fresh: Freshness,
    /// Content-Length, when the backend gave one: a body of another length is not stored.
    declared: Option<u64>,
    chunks: Vec<Bytes>,
    len: u64,
    limit: u64,
    /// Released (waking the waiters) after the entry is stored or the copy abandoned.
    _lock: Option<FillLock>,
}

/// The relayed body with a copy taken as frames pass.
struct Copying {
    inner: RespBody,
    copy: Option<Copy>,
}

impl Copying {
    /// The body ended: store the copy when it is whole.
    fn complete(&mut self) {
        let Some(c) = self.copy.take() else {
            return;
        };
        if c.declared.is_some_and(|n| n != c.len) {
            return;
        }
        let mut body = BytesMut::with_capacity(c.len as usize);
        for ch in &c.chunks {
            body.extend_from_slice(ch);
        }
        let mut headers = c.headers;
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(c.len));
        let entry = Entry {
            status: c.status,
            headers,
            body: body.freeze(),
            vary: c.vary,
            stored_at: Instant::now(),
            fresh: c.fresh,
        };
        c.store.insert(c.key, entry);
        // `c._lock` drops here, after the entry is in: a woken waiter finds it.
    }
}

impl Body for Copying {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = &mut *self;
        match ready!(Pin::new(&mut this.inner).poll_frame(cx)) {
            Some(Ok(frame)) => {
                if let Some(c) = &mut this.copy {
                    match frame.data_ref() {
                        Some(d) if c.len + d.len() as u64 <= c.limit => {
                            c.len += d.len() as u64;
                            c.chunks.push(d.clone());
                        }
                        // Too big, or trailers (not stored): the copy is abandoned.
                        _ => this.copy = None,
                    }
                }
                if this.inner.is_end_stream() {
                    this.complete();
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Some(Err(e)) => {
                this.copy = None;
                Poll::Ready(Some(Err(e)))
            }
            None => {
                this.complete();
                Poll::Ready(None)
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
