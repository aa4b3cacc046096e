//! The decisions every HTTP request goes through, whichever path carries its bytes (hyper in
//! hyper/service.rs for HTTP/2, TLS-negotiated h2 and unusual HTTP/1 requests; the raw HTTP/1.1 relay in
//! fast/relay.rs for the rest): the ACL and the route, the first backend (a valid sticky cookie,
//! else the hash key, else the pool's algorithm), the `maxconn` queue, and after each attempt
//! the bookkeeping (passive health, counters, latency, retries) and whether to try another
//! backend. Keeping this in one place is what makes the two paths balance identically. The
//! route's traffic policy is applied here too (rate limits, the canary split, the mirror's
//! sampling), before either path touches a backend.

use super::local::{
    BACKEND_FAILED, BAD_REQUEST_BODY, CONNECT_FAILED, FORBIDDEN, GATEWAY_TIMEOUT, Local,
    NO_BACKEND, NO_ROUTE, QUEUE_TIMEOUT, TOO_MANY_REQUESTS,
};
use crate::balance::pick::PickContext;
use crate::proxy::core::backend::{Backend, Flight};
use crate::proxy::core::frontend::L7;
use crate::proxy::core::headers::{HeaderSource, cookie};
use crate::proxy::core::policy::Policy;
use crate::proxy::core::pool::{Pool, Tried};
use crate::proxy::core::ratelimit::{Limiter, Verdict, retry_after_secs};
use crate::proxy::core::routing::Routing;
use http::Method;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::sync::OwnedSemaphorePermit;

/// Why an attempt on one backend failed.
#[derive(Debug)]
pub enum Attempt {
    Connect(String),
    /// The request may have reached the backend; `unsent` says it certainly did not.
    Sent(String, bool),
    Timeout,
    /// The client's own request body failed on the way (bad chunked framing, or the client
    /// stopped sending): the client's fault, so never a passive failure of the backend.
    ClientBody,
}

impl Attempt {
    fn reason(&self) -> String {
        match self {
            Attempt::Connect(r) | Attempt::Sent(r, _) => r.clone(),
            Attempt::Timeout => "no response in time".to_string(),
            Attempt::ClientBody => "the client's request body failed".to_string(),
        }
    }
}

/// Methods that may be replayed after a failure (RFC 9110 section 9.2.2).
pub fn idempotent(m: &Method) -> bool {
    matches!(
        *m,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE | Method::PUT | Method::DELETE
    )
}

/// What [`admit`] decided for a request that goes on to a backend.
pub struct Admitted {
    pub pool: Arc<Pool>,
    /// `nodelay=false`: wait this long first (nginx's delayed excess within the burst).
    pub delay: Option<Duration>,
    /// The request was sampled for mirroring: the route's policy and the mirror's pool.
    pub mirror: Option<(Arc<Policy>, Arc<Pool>)>,
    /// The route caches responses (and the listener has a cache): http/hyper/cache_fill.rs.
    pub cache: Option<crate::proxy::core::cache::RouteCache>,
    /// How the route compresses its answers (hyper/compress_body.rs).
    pub compress: Option<Arc<crate::proxy::core::compress::CompressSpec>>,
    /// The route redirects to https: answer with it (no limit, no backend).
    pub redirect: Option<crate::proxy::core::redirect::RedirectHttps>,
}

/// The ACL check, the route, the canary split, the rate limits (the listener's, then the
/// route's) and the mirror's sampling. `fast`: the caller is the HTTP/1.1 fast path, which
/// leaves to hyper (Ok(None), nothing counted yet) a pool that may speak HTTP/2, a route that
/// mirrors (hyper sends the copies), a route that caches (hyper answers the hits), a route that
/// redirects, and a route that compresses when the request has an Accept-Encoding (hyper
/// transforms the answer).
pub fn admit<H: HeaderSource + ?Sized>(
    l7: &L7,
    routing: &Routing,
    ip: IpAddr,
    host: &str,
    path: &str,
    headers: &H,
    fast: bool,
) -> Result<Option<Admitted>, Local> {
    let s = &l7.settings;
    if !s.acl.is_empty() && !s.acl.permits(ip) {
        l7.counters.denied.fetch_add(1, Ordering::Relaxed);
        return Err(FORBIDDEN);
    }
    let (mut index, policy) = routing.select(host, path, headers).ok_or(NO_ROUTE)?;
    let canary = policy.and_then(|p| p.canary.as_ref()).map(|c| {
        let (to, why) = c.decide(headers, ip);
        if to {
            index = c.pool;
        }
        (c, to, why)
    });
    let pool = routing.pools.get(index).ok_or(NO_ROUTE)?;
    let mirrors = policy.is_some_and(|p| p.mirror.is_some());
    // A caching route's requests all go to hyper: hits are answered there, fills copied there.
    let cache = policy.and_then(|p| p.cache).filter(|_| s.cache.is_some());
    let redirect = policy.and_then(|p| p.redirect);
    let compress = policy.and_then(|p| p.compress.clone());
    if fast
        && (pool.may_be_h2
            || mirrors
            || cache.is_some()
            || redirect.is_some()
            || (compress.is_some() && headers.first_value("accept-encoding").is_some()))
    {
        return Ok(None);
    }
    if redirect.is_some() {
        // Before the rate limits, as nginx's `return` (rewrite phase) comes before limit_req.
        return Ok(Some(Admitted {
            pool: pool.clone(),
            delay: None,
            mirror: None,
            cache: None,
            compress: None,
            redirect,
        }));
    }
    let mut delay = 0;
    for limiter in [
        s.rate_limit.as_deref(),
        policy.and_then(|p| p.limit.as_ref()),
    ]
    .into_iter()
    .flatten()
    {
        delay = delay.max(limit(limiter, headers, ip)?);
    }
    if let Some((c, to, why)) = canary {
        c.count(to, why);
    }
    let mirror = match policy {
        Some(p) if mirrors => p
            .mirror
            .as_ref()
            .filter(|m| m.sampled())
            .and_then(|m| routing.pools.get(m.pool))
            .map(|mp| (p.clone(), mp.clone())),
        _ => None,
    };
    Ok(Some(Admitted {
        pool: pool.clone(),
        delay: (delay > 0).then(|| Duration::from_millis(delay)),
        mirror,
        cache,
        compress,
        redirect: None,
    }))
}

/// One limiter's verdict: Ok(ms to delay) or the 429 with its Retry-After.
fn limit<H: HeaderSource + ?Sized>(l: &Limiter, headers: &H, ip: IpAddr) -> Result<u64, Local> {
    match l.check(headers, ip) {
        Verdict::Allow => Ok(0),
        Verdict::Delay(ms) => Ok(ms),
        Verdict::Reject(ms) => Err(Local {
            retry_after: retry_after_secs(ms),
            ..TOO_MANY_REQUESTS
        }),
    }
}

/// A backend chosen for one attempt, holding its in-flight count and `maxconn` slot.
pub struct Picked {
    pub index: usize,
    pub backend: Arc<Backend>,
    pub flight: Flight,
    pub slot: Option<OwnedSemaphorePermit>,
}

/// One request's walk over the backends of its pool.
pub struct Dispatch {
    pub pool: Arc<Pool>,
    /// The first attempt's backend when a sticky cookie or hash key names a usable one.
    preferred: Option<usize>,
    /// The backend the client's sticky cookie names (it is re-stamped when it changes).
    pub cookie_backend: Option<usize>,
    tried: Tried,
    attempts: u32,
    retries: u32,
    last: Option<Attempt>,
}

impl Dispatch {
    /// Start: read the sticky cookie and hash key (`path_and_query` is the request target).
    pub fn new<H: HeaderSource + ?Sized>(
        pool: Arc<Pool>,
        retries: u32,
        headers: &H,
        path_and_query: &str,
        ip: IpAddr,
    ) -> Self {
        let mut preferred = None;
        let mut cookie_backend = None;
        if let Some(name) = &pool.sticky_cookie
            && let Some(id) = cookie(headers, name)
        {
            preferred = pool.by_sticky_id(id);
            cookie_backend = preferred;
        }
        // Hash on a key: only the first attempt follows the key; retries go elsewhere.
        if preferred.is_none()
            && pool.hash.is_some()
            && let Some(hk) = &pool.hash_key
            && let Some(key) = hk.extract(headers, path_and_query, ip)
        {
            preferred = pool.choose_hashed(&key, Tried::default());
        }
        Dispatch {
            pool,
            preferred,
            cookie_backend,
            tried: Tried::default(),
            attempts: 0,
            retries,
            last: None,
        }
    }

    /// The next backend to try, after waiting for a `maxconn` slot; Err is the answer to give.
    pub async fn next(&mut self, l7: &L7, ctx: &PickContext<'_>) -> Result<Picked, Local> {
        let pool = &self.pool;
        let choice = match self.preferred.take() {
            Some(i) if pool.usable(i, self.tried) => Some(i),
            _ => pool.choose(ctx, self.tried),
        };
        let Some(i) = choice else {
            if self.last.is_none() {
                l7.counters.no_backend.fetch_add(1, Ordering::Relaxed);
            }
            return Err(self.give_up());
        };
        self.tried.add(i);
        let b = pool.backends[i].clone();
        let slot = match &b.slots {
            None => None,
            Some(sem) => {
                match tokio::time::timeout(l7.settings.queue_timeout, sem.clone().acquire_owned())
                    .await
                {
                    Ok(Ok(p)) => Some(p),
                    _ => {
                        b.count(None);
                        return Err(QUEUE_TIMEOUT);
                    }
                }
            }
        };
        let flight = Flight::enter(&b);
        Ok(Picked {
            index: i,
            backend: b,
            flight,
            slot,
        })
    }

    /// An attempt failed: passive health, counters, the `-v` log line. True when the caller
    /// should try another backend (`can_retry`: the request may safely be sent again).
    pub fn failed(
        &mut self,
        l7: &L7,
        b: &Backend,
        method: &str,
        a: Attempt,
        can_retry: bool,
    ) -> bool {
        let reason = a.reason();
        b.passive_failure(&reason);
        if !matches!(a, Attempt::ClientBody) {
            // A gateway error for outlier detection (Envoy counts them with 5xx).
            self.pool.outlier_result(b.index(), false);
        }
        b.count(None);
        let retry = can_retry && self.attempts < self.retries;
        if l7.settings.verbose {
            crate::proxy::core::log::state(format_args!(
                "{method} to backend {} failed: {reason}; {}",
                b.name(),
                if retry {
                    "retrying on another backend"
                } else {
                    "not retried"
                }
            ));
        }
        self.last = Some(a);
        if retry {
            self.count_retry(l7, b);
        }
        retry
    }

    /// A response head arrived after `ttfb`. True when its status is a `--fail-on` one and the
    /// request may be replayed: the caller discards the response and tries another backend.
    pub fn answered(
        &mut self,
        l7: &L7,
        p: &Picked,
        status: u16,
        ttfb: Duration,
        replayable: bool,
    ) -> bool {
        let b = &p.backend;
        self.pool.outlier_result(p.index, status < 500);
        if l7.settings.fail_on.contains(&status) {
            b.passive_failure(&format!("status {status}"));
            if replayable && self.attempts < self.retries {
                b.count(Some(status));
                self.count_retry(l7, b);
                return true;
            }
        } else {
            b.passive_success();
        }
        b.count(Some(status));
        b.record_latency(ttfb);
        let picker = self.pool.picker();
        if picker.wants_latency() {
            picker.observe(p.index, ttfb);
        }
        false
    }

    /// The `Set-Cookie` value that pins the client to backend `i`, when it is not pinned there.
    pub fn sticky_cookie(&self, i: usize) -> Option<String> {
        let name = self.pool.sticky_cookie.as_ref()?;
        (self.cookie_backend != Some(i)).then(|| {
            format!(
                "{name}={}; Path=/; HttpOnly",
                self.pool.backends[i].sticky_id
            )
        })
    }

    /// The answer when no attempt succeeded: the last failure's kind, or 503 if none was made.
    pub fn give_up(&self) -> Local {
        match &self.last {
            None => NO_BACKEND,
            Some(Attempt::Timeout) => GATEWAY_TIMEOUT,
            Some(Attempt::Connect(_)) => CONNECT_FAILED,
            Some(Attempt::Sent(..)) => BACKEND_FAILED,
            Some(Attempt::ClientBody) => BAD_REQUEST_BODY,
        }
    }

    fn count_retry(&mut self, l7: &L7, b: &Backend) {
        self.attempts += 1;
        b.retries.fetch_add(1, Ordering::Relaxed);
        l7.counters.retries.fetch_add(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idempotent_methods() {
        assert!(idempotent(&Method::GET) && idempotent(&Method::PUT));
        assert!(!idempotent(&Method::POST) && !idempotent(&Method::PATCH));
    }
}
