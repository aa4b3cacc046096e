//! One backend's live state, shared by every connection task: in-flight count, counters, the
//! latency histogram, passive health (nginx `max_fails`/`fail_timeout`), the active-check
//! verdict, its keep-alive pool, and the counters of every kind (HTTP status codes, TCP
//! connections and bytes). Everything on the request path is an atomic; the only locks are per
//! backend (the idle pool and the latency histogram), never global. Used by both data paths
//! (http/, tcp/), the health checks, and the admin endpoints and dashboard (ops/).

pub use super::admin_state::AdminState;
use super::log;
pub use super::status_counts::{CLASSES, FIRST_CODE, LAST_CODE, StatusCounts};
use super::upstream::ConnPool;
use crate::balance::hash::fnv1a64;
use crate::spec::BackendSpec;
use crate::stats::LatencyHistogram;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// Milliseconds since the process's first call, plus one: a cheap monotonic clock for
/// atomics where 0 means "never" (a first call returning 0 once made a backend's return
/// time read as "never", and slow start did not ramp).
pub fn now_ms() -> u64 {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    EPOCH.get_or_init(Instant::now).elapsed().as_millis() as u64 + 1
}

/// Per-backend TCP counters (a field of [`Backend`]; zero in HTTP mode; the TCP path counts
/// here, the admin endpoints read them).
#[derive(Debug, Default)]
pub struct L4Counters {
    /// Connections established to the backend.
    pub connections: AtomicU64,
    /// Connect (or backend TLS handshake) failures.
    pub connect_errors: AtomicU64,
    /// Bytes client -> backend (shared with every pipe to this backend).
    pub bytes_in: Arc<AtomicU64>,
    /// Bytes backend -> client.
    pub bytes_out: Arc<AtomicU64>,
}

/// Passive-health settings (nginx semantics); the decisions are in `balance::health`.
pub use crate::balance::health::PassivePolicy;
use crate::balance::health::{FailureOutcome, PassiveState, slow_start_weight};

/// A backend and everything the proxy knows about it.
pub struct Backend {
    pub spec: BackendSpec,
    /// Position in the pool installed last (a runtime add or remove renumbers; see
    /// [`Backend::index`]).
    index: AtomicUsize,
    /// The live weight: the spec's until the runtime API changes it (HAProxy `set weight`).
    weight: AtomicU32,
    /// [`AdminState`] as a u8.
    admin: AtomicU8,
    pub addr: SocketAddr,
    /// Opaque id used in sticky cookies (a hash of the name, never the address).
    pub sticky_id: String,
    pub in_flight: AtomicU64,
    /// Responses by exact status code, and proxy-side errors.
    pub responses: StatusCounts,
    pub retries: AtomicU64,
    pub ejections: AtomicU64,
    pub bytes_out: AtomicU64,
    /// Verdict of active checks (true until a check says otherwise).
    pub check_up: AtomicBool,
    fails: AtomicU32,
    fail_window_start: AtomicU64,
    down_until: AtomicU64,
    passive_down: AtomicBool,
    policy: PassivePolicy,
    pub latency: Mutex<LatencyHistogram>,
    pub pool: ConnPool,
    /// Slots for `maxconn` (None = unlimited).
    pub slots: Option<Arc<Semaphore>>,
    /// `HOST:PORT` as a Host header value, for --change-host.
    pub host_value: http::HeaderValue,
    /// TCP-mode counters (connections, bytes each way).
    pub l4: L4Counters,
    /// Outlier detection's counters (outlier.rs; used when the pool has a policy).
    pub outlier: super::outlier::OutlierState,
    /// When active checks last brought it back up (ms; 0: never went down), for slow start.
    up_again: AtomicU64,
    /// When its state last changed, its last check (the stats page's "since" and "last check").
    pub observed: super::observed::Observed,
}

impl Backend {
    pub fn new(
        spec: BackendSpec,
        index: usize,
        addr: SocketAddr,
        policy: PassivePolicy,
        pool: ConnPool,
    ) -> Self {
        // FNV-1a 64 of the name: stable and opaque.
        let sticky_id = format!("{:016x}", fnv1a64(spec.name.as_bytes()));
        let slots = spec.maxconn.map(|n| Arc::new(Semaphore::new(n as usize)));
        let host_value = http::HeaderValue::from_str(&spec.address())
            .unwrap_or_else(|_| http::HeaderValue::from_static("localhost"));
        Backend {
            weight: AtomicU32::new(spec.weight),
            spec,
            index: AtomicUsize::new(index),
            admin: AtomicU8::new(AdminState::Ready as u8),
            addr,
            sticky_id,
            in_flight: AtomicU64::new(0),
            responses: StatusCounts::default(),
            retries: AtomicU64::new(0),
            ejections: AtomicU64::new(0),
            bytes_out: AtomicU64::new(0),
            check_up: AtomicBool::new(true),
            fails: AtomicU32::new(0),
            fail_window_start: AtomicU64::new(0),
            down_until: AtomicU64::new(0),
            passive_down: AtomicBool::new(false),
            policy,
            latency: Mutex::new(LatencyHistogram::new()),
            pool,
            slots,
            host_value,
            l4: Default::default(),
            outlier: Default::default(),
            up_again: AtomicU64::new(0),
            observed: super::observed::Observed::new(now_ms()),
        }
    }

    pub fn name(&self) -> &str {
        &self.spec.name
    }

    /// Position in the pool installed last. A request that straddles a runtime add/remove
    /// holds the old pool, where this may name a neighbour: pool methods bound-check it.
    pub fn index(&self) -> usize {
        self.index.load(Ordering::Relaxed)
    }

    /// Set by [`super::pool::Pool::new`] for every backend it holds.
    pub fn set_index(&self, i: usize) {
        self.index.store(i, Ordering::Relaxed);
    }

    /// The live weight (the spec's unless changed at run time).
    #[inline]
    pub fn weight(&self) -> u32 {
        self.weight.load(Ordering::Relaxed)
    }

    /// Change the live weight (runtime API); the caller logs it.
    pub fn set_weight(&self, w: u32) -> u32 {
        let was = self.weight.swap(w, Ordering::Relaxed);
        if (was == 0) != (w == 0) {
            self.observed.changed(now_ms()); // weight 0 shows as drain
        }
        was
    }

    pub fn admin(&self) -> AdminState {
        AdminState::from_u8(self.admin.load(Ordering::Relaxed))
    }

    /// Set the admin state, returning the previous one. Back to `ready` from `maint` starts
    /// slow start again (HAProxy applies slowstart when a server leaves maintenance).
    pub fn set_admin(&self, s: AdminState) -> AdminState {
        let was = AdminState::from_u8(self.admin.swap(s as u8, Ordering::Relaxed));
        if was != s {
            self.observed.changed(now_ms());
        }
        if was == AdminState::Maint && s == AdminState::Ready {
            self.up_again.store(now_ms().max(1), Ordering::Relaxed);
        }
        was
    }

    /// May take new requests as far as the operator is concerned: admin state ready and a
    /// live weight above 0 (health is [`Backend::healthy`]).
    #[inline]
    pub fn takes_new(&self) -> bool {
        self.admin.load(Ordering::Relaxed) == AdminState::Ready as u8 && self.weight() > 0
    }

    /// The passive-health policy it was built with (a backend added at run time gets its
    /// pool's).
    pub fn policy(&self) -> PassivePolicy {
        self.policy
    }

    /// Up by active checks, not inside a passive failure penalty, not ejected as an outlier.
    pub fn healthy(&self) -> bool {
        if !self.check_up.load(Ordering::Relaxed) {
            return false;
        }
        let until = self.down_until.load(Ordering::Relaxed);
        let ejected = self.outlier.ejected_until.load(Ordering::Relaxed);
        if until == 0 && ejected == 0 {
            return true;
        }
        let now = now_ms();
        now >= until && now >= ejected
    }

    /// The weight the balancer uses now: the live one, or during `slowstart=D` after the
    /// backend came back (active check up, passive penalty or outlier ejection over) a share
    /// rising linearly from 10% to 100% over D (HAProxy `slowstart`; Envoy slow_start_config's
    /// min_weight_percent 10, aggression 1). Not applied at start-up (HAProxy neither).
    #[inline]
    pub fn effective_weight(&self) -> u32 {
        let w = self.weight();
        if self.spec.slowstart.is_none() {
            return w;
        }
        let since = self
            .up_again
            .load(Ordering::Relaxed)
            .max(self.down_until.load(Ordering::Relaxed))
            .max(self.outlier.ejected_until.load(Ordering::Relaxed));
        slow_start_weight(w, self.spec.slowstart, since, now_ms())
    }

    /// Health as shown in /stats and the dashboard.
    pub fn state(&self) -> &'static str {
        let admin = self.admin();
        if admin == AdminState::Maint {
            "maint"
        } else if !self.check_up.load(Ordering::Relaxed) {
            "down"
        } else if self.outlier.ejected(now_ms()) {
            "ejected"
        } else if !self.healthy() {
            "failed"
        } else if admin == AdminState::Drain || self.weight() == 0 {
            "drain"
        } else {
            "up"
        }
    }

    /// When [`Backend::state`] began, on [`now_ms`]'s clock (a passive penalty or an ejection
    /// ends without an event: its end counts once past).
    pub fn state_since_ms(&self) -> u64 {
        let penalty = self.down_until.load(Ordering::Relaxed);
        let ejection = self.outlier.ejected_until.load(Ordering::Relaxed);
        self.observed.since_ms(now_ms(), &[penalty, ejection])
    }

    /// Has a free `maxconn` slot (always true without maxconn).
    pub fn has_room(&self) -> bool {
        match self.spec.maxconn {
            Some(m) => self.in_flight.load(Ordering::Relaxed) < m as u64,
            None => true,
        }
    }

    /// Count a response (or a proxy-side error when `status` is None).
    #[inline]
    pub fn count(&self, status: Option<u16>) {
        self.responses.count(status);
    }

    pub fn record_latency(&self, d: Duration) {
        if let Ok(mut h) = self.latency.lock() {
            h.record(d);
        }
    }

    /// A passive failure (connect error, timeout, reset, or a --fail-on status).
    pub fn passive_failure(&self, reason: &str) {
        let p = self.policy;
        if p.max_fails == 0 {
            return;
        }
        let now = now_ms();
        // The decision is balance::health's (shared with `sim`); the atomics hold its state.
        let mut st = PassiveState {
            fails: self.fails.load(Ordering::Relaxed),
            window_start: self.fail_window_start.load(Ordering::Relaxed),
            down_until: self.down_until.load(Ordering::Relaxed),
            marked: self.passive_down.load(Ordering::Relaxed),
        };
        let outcome = st.failure(p, now);
        self.fail_window_start
            .store(st.window_start, Ordering::Relaxed);
        self.fails.store(st.fails, Ordering::Relaxed);
        let FailureOutcome::MarkedOut { fails: n, again } = outcome else {
            return;
        };
        self.down_until.store(st.down_until, Ordering::Relaxed);
        self.passive_down.store(true, Ordering::Relaxed);
        self.observed.changed(now_ms());
        self.ejections.fetch_add(1, Ordering::Relaxed);
        if again {
            log::state(format_args!(
                "backend {} ({}) still failing after its fail timeout, out again for {:?}: {reason}",
                self.name(),
                self.addr,
                p.fail_timeout
            ));
        } else {
            log::state(format_args!(
                "backend {} ({}) marked failed for {:?}: {n} failure(s) within {:?}, last: {reason}",
                self.name(),
                self.addr,
                p.fail_timeout,
                p.fail_timeout
            ));
        }
    }

    /// A successful exchange: clears the failure count and logs the recovery once.
    pub fn passive_success(&self) {
        if self.fails.load(Ordering::Relaxed) != 0 {
            self.fails.store(0, Ordering::Relaxed);
        }
        if self.passive_down.load(Ordering::Relaxed)
            && self.healthy()
            && self.passive_down.swap(false, Ordering::Relaxed)
        {
            self.down_until.store(0, Ordering::Relaxed);
            log::state(format_args!(
                "backend {} ({}) is serving again: a request succeeded after its fail timeout",
                self.name(),
                self.addr
            ));
        }
    }

    /// Set the active-check verdict, logging the change with its reason.
    pub fn set_check(&self, up: bool, reason: &str) {
        if self.check_up.swap(up, Ordering::Relaxed) != up {
            self.observed.changed(now_ms());
            if !up {
                self.ejections.fetch_add(1, Ordering::Relaxed);
            } else {
                self.up_again.store(now_ms(), Ordering::Relaxed);
            }
            log::state(format_args!(
                "backend {} ({}) is {} by active check: {reason}",
                self.name(),
                self.addr,
                if up { "UP" } else { "DOWN" }
            ));
        }
    }

    /// Every response and proxy-side error counted (reads 900 counters: not for the request
    /// path).
    pub fn total_requests(&self) -> u64 {
        self.responses.total()
    }
}

/// One request (or TCP connection) counted in its backend's in-flight gauge until dropped.
pub struct Flight(pub Arc<Backend>);

impl Flight {
    pub fn enter(b: &Arc<Backend>) -> Self {
        b.in_flight.fetch_add(1, Ordering::Relaxed);
        Flight(b.clone())
    }
}

impl Drop for Flight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backend(max_fails: u32, fail_timeout: Duration) -> Backend {
        let spec = BackendSpec::parse("a=127.0.0.1:1").unwrap();
        let addr = "127.0.0.1:1".parse().unwrap();
        let pool = ConnPool::new(addr, 4, Duration::from_secs(1), Duration::from_secs(1));
        Backend::new(
            spec,
            0,
            addr,
            PassivePolicy {
                max_fails,
                fail_timeout,
            },
            pool,
        )
    }

    #[test]
    fn passive_marking_and_recovery() {
        let b = backend(2, Duration::from_millis(80));
        assert!(b.healthy());
        b.passive_failure("refused");
        assert!(b.healthy());
        b.passive_failure("refused");
        assert!(!b.healthy());
        assert_eq!(b.state(), "failed");
        std::thread::sleep(Duration::from_millis(120));
        assert!(b.healthy());
        // Still failing after the penalty: out again at once (max_fails counts anew).
        b.passive_failure("refused");
        b.passive_failure("refused");
        assert!(!b.healthy());
        assert_eq!(b.ejections.load(Ordering::Relaxed), 2);
        std::thread::sleep(Duration::from_millis(120));
        b.passive_success();
        assert!(b.healthy());
        assert_eq!(b.state(), "up");
        let off = backend(0, Duration::from_millis(80));
        for _ in 0..10 {
            off.passive_failure("x");
        }
        assert!(off.healthy());
    }

    #[test]
    fn admin_state_and_live_weight() {
        let b = backend(1, Duration::from_secs(1));
        assert!(b.takes_new());
        assert_eq!(b.set_admin(AdminState::Drain), AdminState::Ready);
        assert!(!b.takes_new());
        assert_eq!(b.state(), "drain");
        b.set_admin(AdminState::Maint);
        // Checks do not override the operator: maint stays maint.
        b.set_check(false, "test");
        b.set_check(true, "test");
        assert_eq!(b.state(), "maint");
        assert_eq!(b.set_admin(AdminState::Ready), AdminState::Maint);
        assert_eq!(b.state(), "up");
        assert_eq!(b.set_weight(5), 1);
        assert_eq!((b.weight(), b.effective_weight(), b.spec.weight), (5, 5, 1));
        b.set_weight(0);
        assert!(!b.takes_new());
        assert_eq!(b.state(), "drain");
        assert_eq!(AdminState::parse(" MAINT "), Some(AdminState::Maint));
        assert_eq!(AdminState::parse("up"), None);
    }

    #[test]
    fn slow_start_ramps_on_the_live_weight_after_maint() {
        let spec = BackendSpec::parse("a=127.0.0.1:1,weight=10,slowstart=10s").unwrap();
        let addr = "127.0.0.1:1".parse().unwrap();
        let pool = ConnPool::new(addr, 4, Duration::from_secs(1), Duration::from_secs(1));
        let policy = PassivePolicy {
            max_fails: 1,
            fail_timeout: Duration::from_secs(1),
        };
        let b = Backend::new(spec, 0, addr, policy, pool);
        assert_eq!(b.effective_weight(), 10);
        b.set_weight(20);
        assert_eq!(b.effective_weight(), 20);
        b.set_admin(AdminState::Maint);
        b.set_admin(AdminState::Ready);
        // Back from maintenance: 10% of the live weight, rising.
        assert_eq!(b.effective_weight(), 2);
    }

    #[test]
    fn counts_and_ids() {
        let b = backend(1, Duration::from_secs(1));
        b.count(Some(200));
        b.count(Some(503));
        b.count(None);
        assert_eq!(b.total_requests(), 3);
        assert_eq!(b.responses.classes(), [0, 1, 0, 0, 1, 1]);
        assert_eq!(b.sticky_id.len(), 16);
        assert!(!b.sticky_id.contains("127"));
        b.set_check(false, "test");
        assert_eq!(b.state(), "down");
    }
}
