//! Canary splits (`--canary v2:10`, or `canary = { pool = "v2", weight = 10 }` on a config
//! route), with ingress-nginx's canary annotations' semantics: `canary-by-header` (`always` sends
//! to the canary, `never` to the main pool, any other value is ignored unless it equals
//! `canary-by-header-value`), then `canary-by-cookie` (`always`/`never`), then `canary-weight`.
//! Unlike ingress-nginx's per-request random weight, the weighted share is sticky: a hash of a key
//! (the client address by default, or a header or cookie) gives a stable bucket in 0..100, so one
//! user does not flip between versions. Read per request by http/decide.rs, shown by `proxy
//! explain`, counted in /metrics and /stats.

use super::hashkey::HashKey;
use super::headers::{HeaderSource, cookie};
use crate::spec::SpecError;
use http::header::HeaderName;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};

const FORM: &str = "POOL:WEIGHT[,header=NAME][,header_value=VALUE][,cookie=NAME][,key=ip|header:NAME|cookie:NAME], WEIGHT 0-100, e.g. v2:10";

/// What the user asked for (the pool by name; plan/ resolves it).
#[derive(Debug, Clone)]
pub struct CanarySpec {
    pub pool: String,
    /// Percent of keys sent to the canary (ingress-nginx `canary-weight`, total 100).
    pub weight: u32,
    pub header: Option<HeaderName>,
    pub header_value: Option<String>,
    pub cookie: Option<String>,
    /// What the sticky bucket hashes (default the client address).
    pub key: HashKey,
}

impl CanarySpec {
    /// A spec from its parts (the config file's table), checked.
    pub fn new(
        pool: &str,
        weight: i64,
        header: Option<&str>,
        header_value: Option<&str>,
        cookie: Option<&str>,
        key: Option<&str>,
    ) -> Result<Self, String> {
        if !(0..=100).contains(&weight) {
            return Err(format!("weight {weight} is not 0-100 (a percentage)"));
        }
        let header = match header {
            None => None,
            Some(h) => Some(
                HeaderName::from_bytes(h.trim().as_bytes())
                    .map_err(|_| format!("header '{h}' is not a valid header name"))?,
            ),
        };
        if header_value.is_some() && header.is_none() {
            return Err("header_value needs header = \"NAME\" too".into());
        }
        if let Some(c) = cookie
            && (c.is_empty()
                || !c
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)))
        {
            return Err(format!(
                "cookie '{c}' is not a cookie name (letters, digits, - _ .)"
            ));
        }
        let key = match key {
            None => HashKey::Ip,
            Some(k) => match HashKey::parse(k) {
                Ok(k @ (HashKey::Ip | HashKey::Header(_) | HashKey::Cookie(_))) => k,
                _ => return Err(format!("key '{k}' is not ip, header:NAME or cookie:NAME")),
            },
        };
        Ok(CanarySpec {
            pool: pool.to_string(),
            weight: weight as u32,
            header,
            header_value: header_value.map(str::to_string),
            cookie: cookie.map(str::to_string),
            key,
        })
    }

    /// Parse the flag's form, `POOL:WEIGHT[,name=value...]`.
    pub fn parse(s: &str) -> Result<Self, SpecError> {
        let bad = |part: &str, why: String| SpecError::new("--canary", part, why, FORM);
        let mut parts = s.split(',').map(str::trim);
        let head = parts.next().unwrap_or("");
        let (pool, weight) = head.split_once(':').ok_or_else(|| {
            bad(
                head,
                "there is no ':' between the pool and the weight".into(),
            )
        })?;
        if pool.trim().is_empty() {
            return Err(bad(head, "the pool name is empty".into()));
        }
        let weight: i64 = weight
            .trim()
            .parse()
            .map_err(|_| bad(head, format!("'{weight}' is not a whole number")))?;
        let (mut header, mut value, mut ck, mut key) = (None, None, None, None);
        for p in parts {
            let (k, v) = p
                .split_once('=')
                .ok_or_else(|| bad(p, "expected NAME=VALUE".into()))?;
            match k.trim() {
                "header" => header = Some(v.trim()),
                "header_value" | "header-value" => value = Some(v.trim()),
                "cookie" => ck = Some(v.trim()),
                "key" => key = Some(v.trim()),
                other => return Err(bad(p, format!("unknown option '{other}'"))),
            }
        }
        Self::new(pool.trim(), weight, header, value, ck, key).map_err(|why| bad(s, why))
    }
}

/// Why a request went where it went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// The header said `always`/`never` (or carried `header_value`).
    Header,
    Cookie,
    /// The key's bucket (0..100) against the weight; None: no key, bucket 0 was used.
    Weight(Option<u8>),
}

/// A route's canary: the spec, its pool's index and the counters.
#[derive(Debug)]
pub struct Canary {
    pub spec: CanarySpec,
    /// Index of the canary pool among the plan's pools.
    pub pool: usize,
    /// `[to_canary][header, cookie, weight]`.
    counts: [[AtomicU64; 3]; 2],
}

/// A stable 64-bit hash (FNV-1a with a murmur3 finaliser): the same key lands in the same
/// bucket across restarts and machines.
pub fn stable_hash(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

impl Canary {
    pub fn new(spec: CanarySpec, pool: usize) -> Self {
        Canary {
            spec,
            pool,
            counts: Default::default(),
        }
    }

    /// The request's bucket in 0..100 from its key (None when it lacks the key).
    pub fn bucket<H: HeaderSource + ?Sized>(&self, headers: &H, ip: IpAddr) -> Option<u8> {
        let h = match &self.spec.key {
            HashKey::Ip => match ip {
                IpAddr::V4(v4) => stable_hash(&v4.octets()),
                IpAddr::V6(v6) => stable_hash(&v6.octets()),
            },
            k => stable_hash(&k.extract(headers, "/", ip)?),
        };
        Some((h % 100) as u8)
    }

    /// Whether this request goes to the canary, and why (no counting: `proxy explain` uses it).
    pub fn decide<H: HeaderSource + ?Sized>(&self, headers: &H, ip: IpAddr) -> (bool, Why) {
        let s = &self.spec;
        if let Some(name) = &s.header
            && let Some(v) = headers.first_value(name.as_str())
        {
            let v = std::str::from_utf8(v).unwrap_or("").trim();
            match (&s.header_value, v) {
                (Some(want), v) if v == want => return (true, Why::Header),
                // With canary-by-header-value, `always`/`never` are plain values (ingress-nginx).
                (Some(_), _) => {}
                (None, "always") => return (true, Why::Header),
                (None, "never") => return (false, Why::Header),
                (None, _) => {}
            }
        }
        if let Some(name) = &s.cookie
            && let Some(v) = cookie(headers, name)
        {
            match v.trim() {
                "always" => return (true, Why::Cookie),
                "never" => return (false, Why::Cookie),
                _ => {}
            }
        }
        let bucket = self.bucket(headers, ip);
        (
            u32::from(bucket.unwrap_or(0)) < s.weight,
            Why::Weight(bucket),
        )
    }

    /// Count a decision made by [`Canary::decide`] (the request path; explain does not count).
    pub fn count(&self, to_canary: bool, why: Why) {
        let w = match why {
            Why::Header => 0,
            Why::Cookie => 1,
            Why::Weight(_) => 2,
        };
        self.counts[to_canary as usize][w].fetch_add(1, Ordering::Relaxed);
    }

    /// Counts as `(to_canary, reason, n)`, reason `header`, `cookie` or `weight`.
    pub fn counts(&self) -> Vec<(bool, &'static str, u64)> {
        let mut v = Vec::with_capacity(6);
        for (to, row) in self.counts.iter().enumerate() {
            for (w, n) in ["header", "cookie", "weight"].iter().zip(row) {
                v.push((to == 1, *w, n.load(Ordering::Relaxed)));
            }
        }
        v
    }
}

impl std::fmt::Display for Why {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Why::Header => f.write_str("the canary header"),
            Why::Cookie => f.write_str("the canary cookie"),
            Why::Weight(Some(b)) => write!(f, "the key's bucket {b} of 0..100 against the weight"),
            Why::Weight(None) => f.write_str("no key: bucket 0 against the weight"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderMap;

    fn canary(s: &str) -> Canary {
        Canary::new(CanarySpec::parse(s).unwrap(), 1)
    }

    fn h(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for (k, v) in pairs {
            m.append(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        m
    }

    #[test]
    fn header_then_cookie_then_weight() {
        let c = canary("v2:0,header=X-Canary,cookie=canary");
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        assert_eq!(
            c.decide(&h(&[("x-canary", "always")]), ip),
            (true, Why::Header)
        );
        let never = h(&[("x-canary", "never"), ("cookie", "canary=always")]);
        assert_eq!(c.decide(&never, ip), (false, Why::Header));
        let other = h(&[("x-canary", "maybe"), ("cookie", "a=1; canary=always")]);
        assert_eq!(c.decide(&other, ip), (true, Why::Cookie));
        assert!(!c.decide(&h(&[]), ip).0);
        let c = canary("v2:100");
        assert!(c.decide(&h(&[]), ip).0);
        let c = canary("v2:0,header=X-Canary,header_value=blue");
        assert!(c.decide(&h(&[("x-canary", "blue")]), ip).0);
        assert!(!c.decide(&h(&[("x-canary", "always")]), ip).0);
    }

    #[test]
    fn weighted_share_is_sticky_and_near_the_weight() {
        let c = canary("v2:10,key=header:X-User");
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let mut hits = 0;
        for u in 0..10_000 {
            let m = h(&[("x-user", &format!("user-{u}"))]);
            let (first, why) = c.decide(&m, ip);
            c.count(first, why);
            assert_eq!(first, c.decide(&m, ip).0, "user-{u} flipped");
            hits += first as u32;
        }
        // Binomial(10000, 0.1): sigma 30; 4 sigma either way.
        assert!((880..=1120).contains(&hits), "{hits}");
        assert_eq!(stable_hash(b"abc"), stable_hash(b"abc"));
        let counted: u64 = c.counts().iter().filter(|x| x.0).map(|x| x.2).sum();
        assert_eq!(counted, u64::from(hits));
    }

    #[test]
    fn bad_specs() {
        for (bad, want) in [
            ("v2", "no ':'"),
            (":10", "pool name"),
            ("v2:x", "whole number"),
            ("v2:101", "0-100"),
            ("v2:10,header=a b", "header name"),
            ("v2:10,header_value=x", "needs header"),
            ("v2:10,cookie=a;b", "cookie name"),
            ("v2:10,key=path", "key"),
            ("v2:10,colour=1", "unknown option"),
        ] {
            let e = CanarySpec::parse(bad).unwrap_err().to_string();
            assert!(e.contains(want) && e.contains("--canary"), "{bad:?}: {e}");
        }
    }
}
