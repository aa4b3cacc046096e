//! The in-memory response cache (nginx `proxy_cache`, HAProxy `cache`, RFC 9111 as a shared
//! cache): [`rules`] says what may be stored and served, [`store`] holds the entries (bounded
//! by bytes, LRU) and the fill locks that collapse concurrent misses. One [`store::Store`] per
//! proxy process, built by plan/ from `--cache`/`[cache]`; each listener holds it with its own
//! counters ([`ListenerCache`]); a route opts in with [`RouteCache`] on its policy. The hyper
//! path (http/hyper/cache_fill.rs) looks up, fills and answers; ops/cache_stats.rs shows it.

pub mod rules;
pub mod store;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// nginx `proxy_cache_lock_timeout`'s default: how long a miss waits for the request already
/// fetching its key before going to the backend itself (uncached).
pub const LOCK_TIMEOUT: Duration = Duration::from_secs(5);

/// A route's cache setting (`cache = true | { ttl = "1h" }`, or `--cache` on the default pool).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteCache {
    /// The TTL for responses without explicit freshness (nginx `proxy_cache_valid`); None:
    /// the listener's `--cache-ttl` (and without that, such responses are not stored).
    pub ttl: Option<Duration>,
}

/// How a request went, for `X-Cache` and the counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Hit,
    Miss,
    /// An entry existed and was stale (removed; the backend was asked again).
    Expired,
    /// The request could not use the cache (method, Range, no-store, Authorization).
    Bypass,
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [
        Outcome::Hit,
        Outcome::Miss,
        Outcome::Expired,
        Outcome::Bypass,
    ];

    /// The `X-Cache` value.
    pub fn header(self) -> &'static str {
        match self {
            Outcome::Hit => "HIT",
            Outcome::Miss => "MISS",
            Outcome::Expired => "EXPIRED",
            Outcome::Bypass => "BYPASS",
        }
    }

    /// The metric label.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Hit => "hit",
            Outcome::Miss => "miss",
            Outcome::Expired => "expired",
            Outcome::Bypass => "bypass",
        }
    }
}

/// A listener's view of the process's store: the store, the default TTL, its own counters.
pub struct ListenerCache {
    pub store: Arc<store::Store>,
    /// `--cache-ttl` / `[cache] ttl`: for routes that say `cache = true`.
    pub default_ttl: Option<Duration>,
    counts: [AtomicU64; 4],
}

impl ListenerCache {
    pub fn new(store: Arc<store::Store>, default_ttl: Option<Duration>) -> Self {
        ListenerCache {
            store,
            default_ttl,
            counts: Default::default(),
        }
    }

    pub fn count(&self, o: Outcome) {
        self.counts[o as usize].fetch_add(1, Ordering::Relaxed);
    }

    pub fn counted(&self, o: Outcome) -> u64 {
        self.counts[o as usize].load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_count_apart() {
        let s = Arc::new(store::Store::new(store::Limits {
            size: 1024,
            max_object: 128,
        }));
        let l = ListenerCache::new(s, None);
        l.count(Outcome::Hit);
        l.count(Outcome::Hit);
        l.count(Outcome::Bypass);
        let got: Vec<u64> = Outcome::ALL.iter().map(|o| l.counted(*o)).collect();
        assert_eq!(got, [2, 0, 0, 1]);
        assert_eq!(Outcome::Expired.header(), "EXPIRED");
    }
}
