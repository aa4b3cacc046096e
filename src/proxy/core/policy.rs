//! A route's traffic policy: its rate limit ([`super::ratelimit`]), canary split
//! ([`super::canary`]) and mirror ([`super::mirror`]), and what is done to its answers
//! (compression, [`super::compress`]; the redirect to https, [`super::redirect`]), built by
//! plan/ from a config route (or, for the one-line case, from `--canary`/`--mirror`/
//! `--compress`/`--redirect-https` on the listener's default pool), held by the
//! listener's [`Routing`](super::routing::Routing), read per request by http/decide.rs, and
//! listed by name in /metrics, /stats and `proxy explain`. Its counters and key table live as
//! long as the routing: a SIGHUP reload starts them afresh.

use super::canary::Canary;
use super::compress::CompressSpec;
use super::mirror::Mirror;
use super::ratelimit::Limiter;
use super::redirect::RedirectHttps;
use std::sync::Arc;

#[derive(Debug)]
pub struct Policy {
    /// Where it applies, for labels: `listener[0].route[1]`, `listener[0].default`.
    pub name: String,
    pub limit: Option<Limiter>,
    pub canary: Option<Canary>,
    pub mirror: Option<Mirror>,
    /// The response cache (core/cache): None, the route does not cache.
    pub cache: Option<super::cache::RouteCache>,
    /// Compress its answers (`compress = ...`, `--compress`).
    pub compress: Option<Arc<CompressSpec>>,
    /// Answer with a redirect to https instead (`redirect_https = ...`, `--redirect-https`).
    pub redirect: Option<RedirectHttps>,
}

impl Policy {
    /// None when nothing is set (the request path then skips the policy entirely).
    pub fn new(
        name: String,
        limit: Option<Limiter>,
        canary: Option<Canary>,
        mirror: Option<Mirror>,
    ) -> Option<Self> {
        (limit.is_some() || canary.is_some() || mirror.is_some()).then_some(Policy {
            limit,
            canary,
            mirror,
            ..Policy::empty(name)
        })
    }

    /// A policy with nothing set yet, for the builders below to fill in.
    fn empty(name: String) -> Self {
        Policy {
            name,
            limit: None,
            canary: None,
            mirror: None,
            cache: None,
            compress: None,
            redirect: None,
        }
    }

    /// `p` with a response-cache setting; made for a route that sets nothing else too.
    pub fn with_cache(
        p: Option<Self>,
        name: String,
        cache: Option<super::cache::RouteCache>,
    ) -> Option<Self> {
        if cache.is_none() {
            return p;
        }
        Some(Policy {
            cache,
            ..p.unwrap_or_else(|| Policy::empty(name))
        })
    }

    /// `policy` with the answer's settings added (None when nothing at all is set).
    pub fn with_content(
        policy: Option<Policy>,
        name: String,
        compress: Option<Arc<CompressSpec>>,
        redirect: Option<RedirectHttps>,
    ) -> Option<Policy> {
        if compress.is_none() && redirect.is_none() {
            return policy;
        }
        let mut p = policy.unwrap_or_else(|| Policy::empty(name));
        p.compress = compress;
        p.redirect = redirect;
        Some(p)
    }
}
