//! One listener's front end as every part of the proxy sees it: its [`Routing`] (pools, routes,
//! SNI table; read once per request or connection, replaced whole on a SIGHUP reload), its
//! settings, its counters and its open Upgrade tunnels. The name is the HTTP path's, where it
//! began: the HTTP paths serve requests on it (http/hyper `L7::handle`, http/fast `H1Conn`),
//! the TCP path (tcp/l4.rs) reads its routing, counters and access-log format, and the
//! operations side (admin, dashboard, reload) reads and swaps it. It lives here, below both
//! data paths, so that neither has to import the other to share it.

use super::acl::Acl;
use super::headers::HeaderRule;
use super::routing::Routing;
use crate::cli::AccessLog;
use crate::shutdown::InFlight;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// Settings of the L7 path, fixed at startup.
pub struct L7Settings {
    pub retries: u32,
    pub backend_timeout: Duration,
    pub queue_timeout: Duration,
    pub header_up: Vec<HeaderRule>,
    pub header_down: Vec<HeaderRule>,
    pub change_host: bool,
    pub fail_on: Vec<u16>,
    /// `--fail-on-grpc`: grpc-status codes that are passive failures.
    pub fail_on_grpc: std::sync::Arc<[u32]>,
    pub access_log: AccessLog,
    pub acl: Acl,
    /// `http` (or `https` once TLS termination exists).
    pub proto: &'static str,
    /// `-v`: log every failed attempt (backend, reason, whether it is retried).
    pub verbose: bool,
    /// Idle timeout of Upgrade tunnels (the client idle timeout).
    pub idle_timeout: Duration,
    /// `--rate-limit`: the listener's limit, applied to every request before a route's own.
    pub rate_limit: Option<Arc<super::ratelimit::Limiter>>,
    /// The process's response cache with this listener's counters (None: `--cache` is off).
    pub cache: Option<super::cache::ListenerCache>,
}

/// Listener-level counters (per-backend ones live in
/// [`Backend`](super::backend::Backend)).
#[derive(Default)]
pub struct L7Counters {
    pub requests: AtomicU64,
    pub no_backend: AtomicU64,
    pub denied: AtomicU64,
    pub retries: AtomicU64,
    /// Responses compressed and their bytes (core/compress.rs), shared with the bodies.
    pub compress: Arc<super::compress::CompressCounters>,
}

/// One listener's front end (see the file's opening comment for who uses what).
pub struct L7 {
    /// Read once per request (an uncontended read lock and an Arc clone); written on reload.
    routing: RwLock<Arc<Routing>>,
    pub settings: L7Settings,
    pub counters: L7Counters,
    /// Upgrade tunnels (WebSocket) still open: the drain waits for them too.
    pub tunnels: InFlight,
}

impl L7 {
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
}
