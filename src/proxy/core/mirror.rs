//! Request mirroring (`--mirror shadow:0.1`, or `mirror = { pool = "shadow", fraction = 0.1 }`
//! on a config route), with nginx `mirror`'s and Envoy's `request_mirror_policies` (a
//! `runtime_fraction`) semantics: a sampled fraction of a route's requests is copied to another
//! pool, the copy's response is discarded, and the client's request never waits for it or fails
//! because of it. Copies in flight are bounded (`max_in_flight`): beyond the bound a copy is
//! dropped and counted. Requests are copied with their body when it is small and of known
//! length (up to 64 KiB, read whole before the request is sent on); others are counted as
//! skipped, since the HTTP paths otherwise stream bodies and never buffer them. This file holds the decision and the
//! counters; http/hyper/mirror.rs sends the copies.

use crate::spec::SpecError;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

const FORM: &str = "POOL:FRACTION[,max_in_flight=N], FRACTION 0 to 1, e.g. shadow:0.1";
/// Copies in flight at once per route unless `max_in_flight` says otherwise.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 64;

/// What the user asked for (the pool by name; plan/ resolves it).
#[derive(Debug, Clone, PartialEq)]
pub struct MirrorSpec {
    pub pool: String,
    /// Share of requests copied, 0 to 1 (Envoy `runtime_fraction`; nginx copies all).
    pub fraction: f64,
    pub max_in_flight: usize,
}

impl MirrorSpec {
    /// A spec from its parts (the config file's table), checked.
    pub fn new(pool: &str, fraction: f64, max_in_flight: Option<i64>) -> Result<Self, String> {
        if !(0.0..=1.0).contains(&fraction) {
            return Err(format!("fraction {fraction} is not between 0 and 1"));
        }
        let max = max_in_flight.unwrap_or(DEFAULT_MAX_IN_FLIGHT as i64);
        if !(1..=1_000_000).contains(&max) {
            return Err(format!("max_in_flight {max} is not 1 to 1000000"));
        }
        Ok(MirrorSpec {
            pool: pool.to_string(),
            fraction,
            max_in_flight: max as usize,
        })
    }

    /// Parse the flag's form, `POOL:FRACTION[,max_in_flight=N]`.
    pub fn parse(s: &str) -> Result<Self, SpecError> {
        let bad = |part: &str, why: String| SpecError::new("--mirror", part, why, FORM);
        let mut parts = s.split(',').map(str::trim);
        let head = parts.next().unwrap_or("");
        let (pool, frac) = head.split_once(':').ok_or_else(|| {
            bad(
                head,
                "there is no ':' between the pool and the fraction".into(),
            )
        })?;
        if pool.trim().is_empty() {
            return Err(bad(head, "the pool name is empty".into()));
        }
        let fraction: f64 = frac
            .trim()
            .parse()
            .map_err(|_| bad(head, format!("'{frac}' is not a number")))?;
        let mut max = None;
        for p in parts {
            match p.split_once('=') {
                Some(("max_in_flight" | "max-in-flight", v)) => {
                    max = Some(
                        v.trim()
                            .parse::<i64>()
                            .map_err(|_| bad(p, format!("'{v}' is not a whole number")))?,
                    )
                }
                _ => return Err(bad(p, "unknown option (expected max_in_flight=N)".into())),
            }
        }
        Self::new(pool.trim(), fraction, max).map_err(|why| bad(s, why))
    }
}

/// Counters of one route's mirror.
#[derive(Debug, Default)]
pub struct MirrorCounters {
    /// Copies sent (their responses discarded).
    pub sent: AtomicU64,
    /// Copies not made because `max_in_flight` were in flight.
    pub dropped: AtomicU64,
    /// Sampled requests not copied because of their body (over 64 KiB, or of unknown length).
    pub skipped_body: AtomicU64,
    /// Copies that failed (no backend, connect error, timeout): the client never sees these.
    pub failed: AtomicU64,
}

/// A route's mirror: the spec, its pool's index, the in-flight bound and the counters.
#[derive(Debug)]
pub struct Mirror {
    pub spec: MirrorSpec,
    pub pool: usize,
    /// The fraction in millionths, compared with a random draw.
    ppm: u32,
    slots: Arc<Semaphore>,
    pub counters: MirrorCounters,
}

impl Mirror {
    pub fn new(spec: MirrorSpec, pool: usize) -> Self {
        Mirror {
            ppm: (spec.fraction * 1e6).round() as u32,
            slots: Arc::new(Semaphore::new(spec.max_in_flight)),
            spec,
            pool,
            counters: Default::default(),
        }
    }

    /// Whether this request is sampled (a uniform draw in millionths, as Envoy's fraction).
    pub fn sampled(&self) -> bool {
        self.ppm > 0 && rand::random_range(0..1_000_000u32) < self.ppm
    }

    /// A slot for one copy, or None (counted as dropped) when `max_in_flight` are out.
    pub fn slot(&self) -> Option<OwnedSemaphorePermit> {
        match self.slots.clone().try_acquire_owned() {
            Ok(p) => Some(p),
            Err(_) => {
                self.counters.dropped.fetch_add(1, Ordering::Relaxed);
                None
            }
        }
    }

    /// Copies in flight now.
    pub fn in_flight(&self) -> usize {
        self.spec.max_in_flight - self.slots.available_permits()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sampling_follows_the_fraction_and_slots_are_bounded() {
        let m = Mirror::new(MirrorSpec::parse("shadow:0.25,max_in_flight=2").unwrap(), 0);
        let hits = (0..10_000).filter(|_| m.sampled()).count();
        // Binomial(10000, 0.25): sigma 43; 5 sigma either way.
        assert!((2280..=2720).contains(&hits), "{hits}");
        let (a, b) = (m.slot(), m.slot());
        assert!(a.is_some() && b.is_some() && m.slot().is_none());
        assert_eq!(m.counters.dropped.load(Ordering::Relaxed), 1);
        assert_eq!(m.in_flight(), 2);
        drop(a);
        assert!(m.slot().is_some());
        let none = Mirror::new(MirrorSpec::parse("s:0").unwrap(), 0);
        assert!(!(0..1000).any(|_| none.sampled()));
    }

    #[test]
    fn bad_specs() {
        for (bad, want) in [
            ("shadow", "no ':'"),
            (":0.1", "pool name"),
            ("s:lots", "not a number"),
            ("s:1.5", "between 0 and 1"),
            ("s:0.1,max_in_flight=0", "1 to 1000000"),
            ("s:0.1,max_in_flight=x", "whole number"),
            ("s:0.1,colour=1", "unknown option"),
        ] {
            let e = MirrorSpec::parse(bad).unwrap_err().to_string();
            assert!(e.contains(want) && e.contains("--mirror"), "{bad:?}: {e}");
        }
    }
}
