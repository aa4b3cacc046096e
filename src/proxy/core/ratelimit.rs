//! Request rate limiting (`--rate-limit 100/s,burst=50`, or `rate_limit = "..."` on a config
//! route): nginx's `limit_req` leaky bucket, in integer milli-requests and milliseconds as nginx
//! keeps it, over a bounded table of keys. Pure: the caller passes the clock (`now_ms`), so the
//! unit tests drive it with a fake one. Read per request by http/decide.rs `admit` (both HTTP
//! paths), counted in /metrics and /stats (ops/policy_stats.rs), shown by `proxy explain`.
//!
//! Memory is bounded: at most `max-keys` keys are remembered, in 16 shards (a mutex each, so
//! two requests rarely wait on one another), each a fixed-capacity table whose victim is chosen
//! by CLOCK (second chance) with a scan of at most [`SCAN`] slots, so every request costs a
//! constant amount of work. An evicted key starts again with an empty bucket, as an expired
//! key does in nginx's shared zone.

use super::hashkey::HashKey;
use super::headers::HeaderSource;
use crate::spec::SpecError;
use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use std::net::IpAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

const FORM: &str = "RATE[,burst=N][,nodelay=true|false][,key=ip|header:NAME|cookie:NAME][,max-keys=N], e.g. 100/s,burst=50";
/// Default cap on remembered keys per limiter (about 40 bytes each).
pub const DEFAULT_MAX_KEYS: usize = 100_000;
const SHARDS: usize = 16;
/// At most this many slots are looked at to find a victim (CLOCK with a bounded hand).
const SCAN: usize = 8;

/// What the user asked for.
#[derive(Debug, Clone)]
pub struct RateLimitSpec {
    /// nginx's `rate`, in milli-requests per second (1/m is 17, as nginx's 16).
    pub rate_milli: u64,
    /// Requests allowed above the rate before refusing (nginx `burst`, default 0).
    pub burst: u64,
    /// nginx `nodelay` (the default here): excess within the burst is served at once; false
    /// delays it to the rate, as nginx does without `nodelay`.
    pub nodelay: bool,
    pub key: HashKey,
    pub max_keys: usize,
    /// The text given, for /stats and explain.
    pub text: String,
}

impl RateLimitSpec {
    /// Parse the flag's (and config's) form; `what` names the flag or field in errors.
    pub fn parse(s: &str, what: &'static str) -> Result<Self, SpecError> {
        let bad = |part: &str, why: String| SpecError::new(what, part, why, FORM);
        let mut parts = s.split(',').map(str::trim);
        let rate_text = parts.next().unwrap_or("");
        let rate = crate::spec::parse_rate(rate_text)
            .map_err(|_| bad(rate_text, "the rate is not N/s, N/m or N/DURATION".into()))?;
        let rate_milli = (rate.per_second() * 1000.0).round();
        if !(1.0..=1e12).contains(&rate_milli) {
            return Err(bad(
                rate_text,
                "the rate must be between 1/1000s and 1e9/s".into(),
            ));
        }
        let mut spec = RateLimitSpec {
            rate_milli: rate_milli as u64,
            burst: 0,
            nodelay: true,
            key: HashKey::Ip,
            max_keys: DEFAULT_MAX_KEYS,
            text: s.trim().to_string(),
        };
        for p in parts {
            let (k, v) = p
                .split_once('=')
                .ok_or_else(|| bad(p, "expected NAME=VALUE".into()))?;
            let num = |v: &str| -> Result<u64, SpecError> {
                v.trim()
                    .parse::<u64>()
                    .map_err(|_| bad(p, format!("'{v}' is not a whole number")))
            };
            match k.trim() {
                "burst" => spec.burst = num(v)?.min(1_000_000_000),
                "nodelay" => {
                    spec.nodelay = match v.trim() {
                        "true" | "yes" | "on" => true,
                        "false" | "no" | "off" => false,
                        _ => return Err(bad(p, format!("'{v}' is not true or false"))),
                    }
                }
                "key" => {
                    spec.key = match HashKey::parse(v) {
                        Ok(k @ (HashKey::Ip | HashKey::Header(_) | HashKey::Cookie(_))) => k,
                        _ => {
                            return Err(bad(
                                p,
                                "the key is not ip, header:NAME or cookie:NAME".into(),
                            ));
                        }
                    }
                }
                "max-keys" | "max_keys" => {
                    let n = num(v)?;
                    if !(1..=100_000_000).contains(&n) {
                        return Err(bad(p, "max-keys must be 1 to 100000000".into()));
                    }
                    spec.max_keys = n as usize;
                }
                other => return Err(bad(p, format!("unknown option '{other}'"))),
            }
        }
        Ok(spec)
    }
}

/// One request's fate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allow,
    /// Served after this many milliseconds (nodelay=false).
    Delay(u64),
    /// Refused; a request would be accepted again after this many milliseconds.
    Reject(u64),
}

/// Counters by outcome (read by /metrics and /stats).
#[derive(Debug, Default)]
pub struct LimitCounters {
    pub allowed: AtomicU64,
    pub delayed: AtomicU64,
    pub rejected: AtomicU64,
    /// Requests without the key (nginx: an empty key is not accounted; they pass).
    pub unkeyed: AtomicU64,
    pub evictions: AtomicU64,
}

#[derive(Clone, Copy)]
struct Slot {
    key: u64,
    /// nginx's `excess`: requests above the rate, in thousandths.
    excess: u64,
    last_ms: u64,
    referenced: bool,
}

/// The key hashes are already SipHash outputs: the table's hash map uses them as they are.
#[derive(Default)]
struct Identity(u64);

impl Hasher for Identity {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

#[derive(Default)]
struct Shard {
    index: HashMap<u64, u32, BuildHasherDefault<Identity>>,
    slots: Vec<Slot>,
    hand: usize,
}

/// A limiter: the spec, the key table and the counters.
pub struct Limiter {
    pub spec: RateLimitSpec,
    shards: Vec<Mutex<Shard>>,
    per_shard: usize,
    /// Keyed per process, so a client cannot aim keys at one shard or slot.
    hasher: std::collections::hash_map::RandomState,
    epoch: std::time::Instant,
    pub counters: LimitCounters,
}

impl std::fmt::Debug for Limiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Limiter({})", self.spec.text)
    }
}

impl Limiter {
    pub fn new(spec: RateLimitSpec) -> Self {
        let per_shard = spec.max_keys.div_ceil(SHARDS).max(1);
        Limiter {
            shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect(),
            per_shard,
            spec,
            hasher: Default::default(),
            epoch: std::time::Instant::now(),
            counters: LimitCounters::default(),
        }
    }

    /// Milliseconds since the limiter was made (the clock of [`Limiter::check_at`]).
    pub fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    /// The key of a request, hashed; None when the request does not carry it.
    pub fn key_of<H: HeaderSource + ?Sized>(&self, headers: &H, ip: IpAddr) -> Option<u64> {
        let mut h = self.hasher.build_hasher();
        match &self.spec.key {
            HashKey::Ip => match ip {
                IpAddr::V4(v4) => h.write(&v4.octets()),
                IpAddr::V6(v6) => h.write(&v6.octets()),
            },
            k => {
                let v = k.extract(headers, "/", ip)?;
                if v.is_empty() {
                    return None;
                }
                h.write(&v);
            }
        }
        Some(h.finish())
    }

    /// Check one request now, counting its outcome.
    pub fn check<H: HeaderSource + ?Sized>(&self, headers: &H, ip: IpAddr) -> Verdict {
        match self.key_of(headers, ip) {
            Some(k) => self.check_at(k, self.now_ms()),
            None => {
                self.counters.unkeyed.fetch_add(1, Ordering::Relaxed);
                Verdict::Allow
            }
        }
    }

    /// Keys remembered now (for /stats).
    pub fn keys(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().map_or(0, |s| s.slots.len()))
            .sum()
    }

    /// nginx `ngx_http_limit_req_lookup`, at time `now_ms`, counting the outcome.
    pub fn check_at(&self, key: u64, now_ms: u64) -> Verdict {
        let v = self.lookup(key, now_ms);
        let c = match v {
            Verdict::Allow => &self.counters.allowed,
            Verdict::Delay(_) => &self.counters.delayed,
            Verdict::Reject(_) => &self.counters.rejected,
        };
        c.fetch_add(1, Ordering::Relaxed);
        v
    }

    fn lookup(&self, key: u64, now_ms: u64) -> Verdict {
        let spec = &self.spec;
        let shard = &self.shards[(key >> 60) as usize % SHARDS];
        let mut s = match shard.lock() {
            Ok(s) => s,
            Err(p) => p.into_inner(),
        };
        let Some(&at) = s.index.get(&key) else {
            // A new key starts with an empty bucket: its first request passes (nginx too).
            self.insert(&mut s, key, now_ms);
            return Verdict::Allow;
        };
        let slot = &mut s.slots[at as usize];
        let elapsed = now_ms.saturating_sub(slot.last_ms);
        let leaked = (u128::from(elapsed) * u128::from(spec.rate_milli) / 1000)
            .min(u128::from(u64::MAX)) as u64;
        // nginx: excess = excess - rate * ms / 1000 + 1000, floored at 0.
        let excess = (slot.excess + 1000).saturating_sub(leaked);
        let burst = spec.burst.saturating_mul(1000);
        slot.referenced = true;
        if excess > burst {
            // Not stored: a refused request does not fill the bucket (nginx NGX_BUSY).
            let wait = (excess - burst) * 1000;
            return Verdict::Reject(wait.div_ceil(spec.rate_milli).max(1));
        }
        slot.excess = excess;
        slot.last_ms = now_ms;
        if spec.nodelay || excess == 0 {
            return Verdict::Allow;
        }
        // nginx without nodelay: wait until this request's excess has leaked away.
        Verdict::Delay(excess * 1000 / spec.rate_milli)
    }

    fn insert(&self, s: &mut Shard, key: u64, now_ms: u64) {
        let fresh = Slot {
            key,
            excess: 0,
            last_ms: now_ms,
            referenced: false,
        };
        if s.slots.len() < self.per_shard {
            let at = s.slots.len() as u32;
            s.slots.push(fresh);
            s.index.insert(key, at);
            return;
        }
        // CLOCK: the first slot not referenced since the hand last passed, within SCAN slots.
        let n = s.slots.len();
        let mut victim = s.hand;
        for _ in 0..SCAN.min(n) {
            let i = s.hand;
            s.hand = (s.hand + 1) % n;
            victim = i;
            if !s.slots[i].referenced {
                break;
            }
            s.slots[i].referenced = false;
        }
        let old = s.slots[victim].key;
        s.index.remove(&old);
        s.slots[victim] = fresh;
        s.index.insert(key, victim as u32);
        self.counters.evictions.fetch_add(1, Ordering::Relaxed);
    }
}

/// Seconds for `Retry-After` (RFC 9110 section 10.2.3): rounded up, at least 1.
pub fn retry_after_secs(ms: u64) -> u32 {
    ms.div_ceil(1000).clamp(1, u64::from(u32::MAX)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(s: &str) -> Limiter {
        Limiter::new(RateLimitSpec::parse(s, "--rate-limit").unwrap())
    }

    #[test]
    fn nodelay_allows_rate_plus_burst_then_refuses() {
        // 10/s, burst=5: at t=0 one request plus five of burst pass, the seventh is refused.
        let l = limiter("10/s,burst=5");
        let got: Vec<Verdict> = (0..7).map(|_| l.check_at(1, 0)).collect();
        assert!(got[..6].iter().all(|v| *v == Verdict::Allow), "{got:?}");
        // Excess 6000 > 5000: 1000 milli-requests to leak at 10/s = 100 ms.
        assert_eq!(got[6], Verdict::Reject(100));
        // 100 ms later one request's worth has leaked.
        assert_eq!(l.check_at(1, 100), Verdict::Allow);
        assert!(matches!(l.check_at(1, 100), Verdict::Reject(_)));
        // After a long pause the bucket is empty again.
        assert_eq!(l.check_at(1, 10_000), Verdict::Allow);
        assert_eq!(l.counters.allowed.load(Ordering::Relaxed), 8);
        assert_eq!(l.counters.rejected.load(Ordering::Relaxed), 2);
    }

    #[test]
    fn steady_rate_passes_and_burst_zero_refuses_early_ones() {
        let l = limiter("100/s");
        for t in 0..50 {
            assert_eq!(l.check_at(7, t * 10), Verdict::Allow, "t={t}");
        }
        assert_eq!(l.check_at(7, 495), Verdict::Reject(5));
        assert_eq!(retry_after_secs(5), 1);
        assert_eq!(retry_after_secs(1001), 2);
    }

    #[test]
    fn delay_mode_spaces_excess_to_the_rate() {
        let l = limiter("10/s,burst=3,nodelay=false");
        assert_eq!(l.check_at(1, 0), Verdict::Allow);
        assert_eq!(l.check_at(1, 0), Verdict::Delay(100));
        assert_eq!(l.check_at(1, 0), Verdict::Delay(200));
        assert_eq!(l.check_at(1, 0), Verdict::Delay(300));
        assert!(matches!(l.check_at(1, 0), Verdict::Reject(_)));
        assert_eq!(l.counters.delayed.load(Ordering::Relaxed), 3);
    }

    #[test]
    fn keys_are_isolated() {
        let l = limiter("1/s");
        assert_eq!(l.check_at(1, 0), Verdict::Allow);
        assert!(matches!(l.check_at(1, 0), Verdict::Reject(_)));
        assert_eq!(l.check_at(2, 0), Verdict::Allow);
    }

    #[test]
    fn the_key_cap_bounds_memory() {
        let l = limiter("1/s,max-keys=64");
        for k in 0..100_000u64 {
            // Spread over the shards as real hashes are.
            let key = k.wrapping_mul(0x9e37_79b9_7f4a_7c15);
            assert_eq!(l.check_at(key, k), Verdict::Allow);
        }
        assert!(l.keys() <= 64, "{}", l.keys());
        for s in &l.shards {
            let s = s.lock().unwrap();
            assert!(s.index.len() == s.slots.len() && s.index.capacity() < 64);
        }
        assert!(l.counters.evictions.load(Ordering::Relaxed) >= 100_000 - 64);
        // A key used again and again survives a flood of new ones (second chance).
        let hot = 42u64 << 60;
        let l = limiter("1/s,max-keys=16");
        l.check_at(hot, 0);
        for k in 1..1000u64 {
            l.check_at(hot, 0);
            l.check_at(k.wrapping_mul(0x9e37_79b9_7f4a_7c15) | (42 << 60), 0);
        }
        assert!(matches!(l.check_at(hot, 0), Verdict::Reject(_)));
    }

    #[test]
    fn bad_specs_say_what_was_expected() {
        for (bad, want) in [
            ("", "rate"),
            ("fast", "rate"),
            ("0/s", "rate"),
            ("10/s,burst=-1", "whole number"),
            ("10/s,burst", "NAME=VALUE"),
            ("10/s,nodelay=maybe", "true or false"),
            ("10/s,key=path", "ip, header:NAME"),
            ("10/s,max-keys=0", "max-keys"),
            ("10/s,colour=red", "unknown option"),
        ] {
            let e = RateLimitSpec::parse(bad, "--rate-limit")
                .unwrap_err()
                .to_string();
            assert!(
                e.contains(want) && e.contains("--rate-limit"),
                "{bad:?}: {e}"
            );
            assert!(!e.contains('\n'), "{e}");
        }
        let s =
            RateLimitSpec::parse("5/m, burst=2, key=header:X-Api-Key, nodelay=false", "x").unwrap();
        assert_eq!((s.rate_milli, s.burst, s.nodelay), (83, 2, false));
        assert_eq!(s.key.to_string(), "header:x-api-key");
    }
}
