//! The response cache's memory: entries by key (host, target, pool) and, under one key, the
//! variants `Vary` makes; bounded by bytes, the least recently used entry evicted first (nginx
//! `max_size`, HAProxy `total-max-size`); purged by host and path prefix (the runtime API). It
//! also holds the fill locks (nginx `proxy_cache_lock`): while one request fetches a key, the
//! others wait on its lock instead of going to the backend too. One store per proxy process,
//! shared by every listener and route that caches.

use super::rules::vary_matches;
use bytes::Bytes;
use http::StatusCode;
use http::header::{HeaderMap, HeaderName};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Variants kept under one key; a response varying on a header with many values (User-Agent)
/// cannot crowd out every other entry's lookups. Beyond it the least recently used variant of
/// that key goes.
pub const MAX_VARIANTS: usize = 16;

/// The primary key: GET and HEAD share it (RFC 9111 section 4: a HEAD is answered from the
/// GET response), so the method is not part of it. The pool is, as nginx's default key has
/// `$proxy_host`: two listeners or a canary split sending one URL to different pools never
/// share an entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    /// Lowercased.
    pub host: String,
    /// The request target, path and query, as the client sent it.
    pub target: String,
    pub pool: String,
}

impl Key {
    pub fn new(host: &str, target: &str, pool: &str) -> Self {
        Key {
            host: host.to_ascii_lowercase(),
            target: target.to_string(),
            pool: pool.to_string(),
        }
    }

    fn len(&self) -> usize {
        self.host.len() + self.target.len() + self.pool.len()
    }
}

/// One stored response.
#[derive(Debug)]
pub struct Entry {
    pub status: StatusCode,
    /// What the backend sent after hop-by-hop stripping, Age removed, Content-Length set to
    /// the body's length.
    pub headers: HeaderMap,
    pub body: Bytes,
    /// Each Vary'd request header and the value the storing request had.
    pub vary: Vec<(HeaderName, Option<Vec<u8>>)>,
    pub stored_at: Instant,
    pub fresh: super::rules::Freshness,
}

impl Entry {
    /// RFC 9111 section 4.2.3: the age the backend gave plus the time spent here.
    pub fn age(&self, now: Instant) -> Duration {
        self.fresh.initial_age + now.saturating_duration_since(self.stored_at)
    }

    pub fn is_fresh(&self, now: Instant) -> bool {
        self.age(now) < self.fresh.lifetime
    }

    /// Bytes charged against the bound: body, header names and values, key, and a fixed
    /// allowance for the bookkeeping around them.
    fn charge(&self, key: &Key) -> usize {
        let heads: usize = self
            .headers
            .iter()
            .map(|(n, v)| n.as_str().len() + v.len() + 32)
            .sum();
        let vary: usize = self
            .vary
            .iter()
            .map(|(n, v)| n.as_str().len() + v.as_ref().map_or(0, Vec::len) + 32)
            .sum();
        self.body.len() + heads + vary + key.len() + 256
    }
}

/// What a lookup found.
pub enum Found {
    Fresh(Arc<Entry>),
    /// A matching entry existed and was stale: it is gone now (`X-Cache: EXPIRED`).
    Stale,
    None,
}

struct Slot {
    entry: Arc<Entry>,
    /// The LRU tick of its last use (the key of `Inner::lru`).
    used: u64,
    charge: usize,
}

#[derive(Default)]
struct Inner {
    by_key: HashMap<Key, Vec<Slot>>,
    /// Last-use tick -> key (each slot's tick is unique): the first is the least recently used.
    lru: BTreeMap<u64, Key>,
    tick: u64,
    bytes: usize,
    entries: usize,
}

impl Inner {
    fn next_tick(&mut self) -> u64 {
        self.tick += 1;
        self.tick
    }

    /// Remove the slot used at `tick` under `key`.
    fn remove(&mut self, key: &Key, tick: u64) {
        self.lru.remove(&tick);
        if let Some(slots) = self.by_key.get_mut(key)
            && let Some(i) = slots.iter().position(|s| s.used == tick)
        {
            let s = slots.swap_remove(i);
            self.bytes -= s.charge;
            self.entries -= 1;
            if slots.is_empty() {
                self.by_key.remove(key);
            }
        }
    }
}

/// Sizes and counts a store was made with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Total bytes (`--cache`).
    pub size: u64,
    /// Largest body stored (`--cache-max-object`).
    pub max_object: u64,
}

pub struct Store {
    pub limits: Limits,
    inner: Mutex<Inner>,
    /// Keys being fetched now, and the channel their waiters watch (closed when done).
    fills: Mutex<HashMap<Key, watch::Receiver<()>>>,
    pub evictions: AtomicU64,
}

/// A fill lock held: its drop (the response stored, abandoned or refused) wakes the waiters.
pub struct FillLock {
    store: Arc<Store>,
    key: Key,
    _done: watch::Sender<()>,
    mine: watch::Receiver<()>,
}

impl Drop for FillLock {
    fn drop(&mut self) {
        let mut fills = lock(&self.store.fills);
        if fills
            .get(&self.key)
            .is_some_and(|r| r.same_channel(&self.mine))
        {
            fills.remove(&self.key);
        }
        // The sender drops after this: every waiter's `changed()` returns.
    }
}

/// Whether a miss fetches the key itself or waits for the request already fetching it.
pub enum Fill {
    Lead(FillLock),
    Wait(watch::Receiver<()>),
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Store {
    pub fn new(limits: Limits) -> Self {
        Store {
            limits,
            inner: Mutex::new(Inner::default()),
            fills: Mutex::new(HashMap::new()),
            evictions: AtomicU64::new(0),
        }
    }

    /// The variant of `key` that `req` matches: fresh (and now the most recently used), stale
    /// (removed), or none. `authorized`: only entries that may be shared with such a request
    /// (RFC 9111 section 3.5) count.
    pub fn lookup(&self, key: &Key, req: &HeaderMap, authorized: bool, now: Instant) -> Found {
        let mut g = lock(&self.inner);
        let inner = &mut *g;
        let Some(slots) = inner.by_key.get_mut(key) else {
            return Found::None;
        };
        let Some(slot) = slots.iter_mut().find(|s| vary_matches(req, &s.entry.vary)) else {
            return Found::None;
        };
        if !slot.entry.is_fresh(now) {
            let t = slot.used;
            inner.remove(key, t);
            return Found::Stale;
        }
        if authorized && !slot.entry.fresh.shared_with_auth {
            return Found::None;
        }
        inner.tick += 1;
        let old = std::mem::replace(&mut slot.used, inner.tick);
        let entry = slot.entry.clone();
        inner.lru.remove(&old);
        inner.lru.insert(inner.tick, key.clone());
        Found::Fresh(entry)
    }

    /// Store `entry` under `key`, replacing the variant it matches, evicting the least
    /// recently used entries until it fits. False when it is larger than allowed.
    pub fn insert(&self, key: Key, entry: Entry) -> bool {
        let charge = entry.charge(&key);
        if entry.body.len() as u64 > self.limits.max_object || charge as u64 > self.limits.size {
            return false;
        }
        let mut inner = lock(&self.inner);
        // The variant this one replaces: the same stored Vary values.
        let replaced: Vec<u64> = inner
            .by_key
            .get(&key)
            .map(|slots| {
                let same = slots.iter().filter(|s| s.entry.vary == entry.vary);
                let mut ticks: Vec<u64> = same.map(|s| s.used).collect();
                // Too many variants: the least recently used one goes too.
                if ticks.is_empty()
                    && slots.len() >= MAX_VARIANTS
                    && let Some(oldest) = slots.iter().map(|s| s.used).min()
                {
                    ticks.push(oldest);
                }
                ticks
            })
            .unwrap_or_default();
        for t in replaced {
            inner.remove(&key, t);
        }
        let mut evicted = 0;
        while inner.bytes + charge > self.limits.size as usize {
            let Some((&t, k)) = inner.lru.iter().next() else {
                break;
            };
            let k = k.clone();
            inner.remove(&k, t);
            evicted += 1;
        }
        let used = inner.next_tick();
        inner.lru.insert(used, key.clone());
        inner.bytes += charge;
        inner.entries += 1;
        inner.by_key.entry(key).or_default().push(Slot {
            entry: Arc::new(entry),
            used,
            charge,
        });
        drop(inner);
        if evicted > 0 {
            self.evictions.fetch_add(evicted, Ordering::Relaxed);
        }
        true
    }

    /// Take the fill lock of `key`, or get the channel of the request holding it.
    pub fn fill(self: &Arc<Self>, key: &Key) -> Fill {
        let mut fills = lock(&self.fills);
        if let Some(r) = fills.get(key) {
            return Fill::Wait(r.clone());
        }
        let (tx, rx) = watch::channel(());
        fills.insert(key.clone(), rx.clone());
        Fill::Lead(FillLock {
            store: self.clone(),
            key: key.clone(),
            _done: tx,
            mine: rx,
        })
    }

    /// Remove the entries whose target starts with `prefix` (exactly equals it when `exact`),
    /// on `host` when given (any host otherwise). Returns how many went.
    pub fn purge(&self, host: Option<&str>, prefix: &str, exact: bool) -> usize {
        let host = host.map(str::to_ascii_lowercase);
        let mut inner = lock(&self.inner);
        let doomed: Vec<(Key, u64)> = inner
            .by_key
            .iter()
            .filter(|(k, _)| host.as_ref().is_none_or(|h| *h == k.host))
            .filter(|(k, _)| {
                if exact {
                    k.target == prefix
                } else {
                    k.target.starts_with(prefix)
                }
            })
            .flat_map(|(k, slots)| slots.iter().map(move |s| (k.clone(), s.used)))
            .collect();
        for (k, t) in &doomed {
            inner.remove(k, *t);
        }
        doomed.len()
    }

    /// (bytes charged, entries) now.
    pub fn usage(&self) -> (u64, u64) {
        let inner = lock(&self.inner);
        (inner.bytes as u64, inner.entries as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proxy::core::cache::rules::Freshness;

    fn entry(body: usize, vary: Vec<(HeaderName, Option<Vec<u8>>)>, secs: u64) -> Entry {
        Entry {
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            body: Bytes::from(vec![b'x'; body]),
            vary,
            stored_at: Instant::now(),
            fresh: Freshness {
                lifetime: Duration::from_secs(secs),
                initial_age: Duration::ZERO,
                shared_with_auth: false,
            },
        }
    }

    fn store(size: u64) -> Arc<Store> {
        Arc::new(Store::new(Limits {
            size,
            max_object: size,
        }))
    }

    fn k(t: &str) -> Key {
        Key::new("Example.test", t, "web")
    }

    #[test]
    fn hit_then_stale_then_gone() {
        let s = store(1 << 20);
        let none = HeaderMap::new();
        let now = Instant::now();
        assert!(s.insert(k("/a"), entry(10, vec![], 60)));
        assert!(matches!(
            s.lookup(&k("/a"), &none, false, now),
            Found::Fresh(_)
        ));
        // Host case does not matter; the pool does.
        assert!(matches!(
            s.lookup(&Key::new("example.TEST", "/a", "web"), &none, false, now),
            Found::Fresh(_)
        ));
        assert!(matches!(
            s.lookup(&Key::new("example.test", "/a", "api"), &none, false, now),
            Found::None
        ));
        // Only shareable entries answer a request with Authorization.
        assert!(matches!(s.lookup(&k("/a"), &none, true, now), Found::None));
        let later = now + Duration::from_secs(61);
        assert!(matches!(
            s.lookup(&k("/a"), &none, false, later),
            Found::Stale
        ));
        assert!(matches!(s.lookup(&k("/a"), &none, false, now), Found::None));
        assert_eq!(s.usage(), (0, 0));
    }

    #[test]
    fn bytes_bound_evicts_least_recently_used() {
        let one = entry(1000, vec![], 60).charge(&k("/0"));
        let s = store(one as u64 * 3);
        let none = HeaderMap::new();
        for t in ["/0", "/1", "/2"] {
            assert!(s.insert(k(t), entry(1000, vec![], 60)));
        }
        // Touch /0: /1 is now the least recently used.
        assert!(matches!(
            s.lookup(&k("/0"), &none, false, Instant::now()),
            Found::Fresh(_)
        ));
        assert!(s.insert(k("/3"), entry(1000, vec![], 60)));
        let now = Instant::now();
        assert!(matches!(s.lookup(&k("/1"), &none, false, now), Found::None));
        for t in ["/0", "/2", "/3"] {
            assert!(
                matches!(s.lookup(&k(t), &none, false, now), Found::Fresh(_)),
                "{t}"
            );
        }
        assert_eq!(s.evictions.load(Ordering::Relaxed), 1);
        let (bytes, entries) = s.usage();
        assert!(bytes <= one as u64 * 3 && entries == 3);
        // Larger than the object limit: refused, nothing evicted.
        assert!(!s.insert(k("/big"), entry(one * 3, vec![], 60)));
        assert_eq!(s.usage().1, 3);
    }

    #[test]
    fn variants_live_side_by_side_and_replace_their_own() {
        let s = store(1 << 20);
        let lang = HeaderName::from_static("accept-language");
        let v = |x: &str| vec![(lang.clone(), Some(x.as_bytes().to_vec()))];
        let req = |x: &str| {
            let mut h = HeaderMap::new();
            h.insert(lang.clone(), x.parse().unwrap());
            h
        };
        assert!(s.insert(k("/"), entry(1, v("fr"), 60)));
        assert!(s.insert(k("/"), entry(2, v("en"), 60)));
        assert!(s.insert(k("/"), entry(3, v("en"), 60)));
        assert_eq!(s.usage().1, 2);
        let now = Instant::now();
        match s.lookup(&k("/"), &req("en"), false, now) {
            Found::Fresh(e) => assert_eq!(e.body.len(), 3),
            _ => panic!("en variant"),
        }
        assert!(matches!(
            s.lookup(&k("/"), &req("de"), false, now),
            Found::None
        ));
        for i in 0..MAX_VARIANTS + 4 {
            assert!(s.insert(k("/"), entry(1, v(&i.to_string()), 60)));
        }
        assert_eq!(s.usage().1, MAX_VARIANTS as u64);
    }

    #[test]
    fn purge_by_prefix_host_and_exact_path() {
        let s = store(1 << 20);
        for t in ["/static/a.css", "/static/b.js", "/api/x"] {
            assert!(s.insert(k(t), entry(1, vec![], 60)));
        }
        assert!(s.insert(
            Key::new("other.test", "/static/a.css", "web"),
            entry(1, vec![], 60)
        ));
        assert_eq!(s.purge(Some("example.test"), "/static/a.css", true), 1);
        assert_eq!(s.purge(None, "/static/", false), 2);
        assert_eq!(s.purge(None, "/nothing", false), 0);
        assert_eq!(s.usage().1, 1);
    }

    #[tokio::test]
    async fn fill_lock_makes_followers_wait_until_it_is_dropped() {
        let s = store(1 << 20);
        let lead = match s.fill(&k("/")) {
            Fill::Lead(l) => l,
            Fill::Wait(_) => panic!("first is the leader"),
        };
        let mut rx = match s.fill(&k("/")) {
            Fill::Wait(r) => r,
            Fill::Lead(_) => panic!("second waits"),
        };
        assert!(matches!(s.fill(&k("/other")), Fill::Lead(_)));
        let waiter = tokio::spawn(async move { rx.changed().await.is_err() });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiter.is_finished());
        drop(lead);
        assert!(waiter.await.unwrap());
        // Released: the next miss leads again.
        assert!(matches!(s.fill(&k("/")), Fill::Lead(_)));
    }
}
