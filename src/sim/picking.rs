//! The proxy side of the simulation: the algorithms are the real ones of `balance/` (the
//! same constructors the proxy uses), asked through a [`Candidates`] view of the simulated
//! backends with the proxy's rules: weight 0 drains, a passively failed backend is out for
//! its fail timeout, slow start ramps the weight, a request never retries on a backend it
//! tried, and panic mode (`balance::health::choose_with_panic`) when nothing is healthy.

use super::state::{BackendState, Request};
use crate::balance::ewma::PeakEwma;
use crate::balance::hash::HashAlgorithm;
use crate::balance::hash_pick::HashPick;
use crate::balance::health::choose_with_panic;
use crate::balance::ip_hash::IpHash;
use crate::balance::least_conn::LeastConn;
use crate::balance::pick::{Candidates, PickContext, Picker};
use crate::balance::random::{P2c, Random};
use crate::balance::round_robin::RoundRobin;
use crate::balance::smooth_weighted::SmoothWeighted;
use crate::spec::SpecError;
use std::time::{Duration, Instant};

const ALGORITHMS: &str = "round-robin (rr), weighted, least-conn, weighted-least-conn, random, \
p2c, ewma, ip-hash, or a hash: ketama, nginx, ring, jump, rendezvous, maglev, bounded, modulo";

/// An algorithm `sim` can compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimAlgorithm {
    RoundRobin,
    Weighted,
    LeastConn,
    WeightedLeastConn,
    Random,
    P2c,
    Ewma,
    IpHash,
    Hash(HashAlgorithm),
}

impl SimAlgorithm {
    pub fn parse(s: &str) -> Result<Self, SpecError> {
        let t = s.trim().to_ascii_lowercase();
        Ok(match t.as_str() {
            "round-robin" | "rr" | "roundrobin" => SimAlgorithm::RoundRobin,
            "weighted" | "wrr" => SimAlgorithm::Weighted,
            "least-conn" | "leastconn" => SimAlgorithm::LeastConn,
            "weighted-least-conn" => SimAlgorithm::WeightedLeastConn,
            "random" => SimAlgorithm::Random,
            "p2c" => SimAlgorithm::P2c,
            "ewma" | "peak-ewma" => SimAlgorithm::Ewma,
            "ip-hash" => SimAlgorithm::IpHash,
            other => {
                let name = other.strip_prefix("hash:").unwrap_or(other);
                SimAlgorithm::Hash(
                    name.parse::<HashAlgorithm>().map_err(|_| {
                        SpecError::new("algorithm", s, "unknown algorithm", ALGORITHMS)
                    })?,
                )
            }
        })
    }

    pub fn name(self) -> String {
        match self {
            SimAlgorithm::RoundRobin => "round-robin".into(),
            SimAlgorithm::Weighted => "weighted".into(),
            SimAlgorithm::LeastConn => "least-conn".into(),
            SimAlgorithm::WeightedLeastConn => "weighted-least-conn".into(),
            SimAlgorithm::Random => "random".into(),
            SimAlgorithm::P2c => "p2c".into(),
            SimAlgorithm::Ewma => "ewma".into(),
            SimAlgorithm::IpHash => "ip-hash".into(),
            SimAlgorithm::Hash(h) => format!("hash:{}", h.name()),
        }
    }

    /// Whether requests carry a key (hash algorithms and ip-hash).
    pub fn keyed(self) -> bool {
        matches!(self, SimAlgorithm::Hash(_) | SimAlgorithm::IpHash)
    }
}

/// The picker of one run.
pub enum Pickers {
    /// Any `balance::pick::Picker` that needs no clock.
    Plain(Box<dyn Picker>),
    /// Peak EWMA, asked on the virtual clock.
    Ewma(PeakEwma),
    /// A hash ring for the first attempt; retries and keyless requests go round robin, as the
    /// proxy does (proxy/http/decide.rs).
    Hash(HashPick, RoundRobin),
}

impl Pickers {
    pub fn build(
        alg: SimAlgorithm,
        backends: &[BackendState],
        epoch: Instant,
    ) -> Result<Self, String> {
        let n = backends.len();
        Ok(match alg {
            SimAlgorithm::RoundRobin => Pickers::Plain(Box::new(RoundRobin::new())),
            SimAlgorithm::Weighted => Pickers::Plain(Box::new(SmoothWeighted::new())),
            SimAlgorithm::LeastConn => Pickers::Plain(Box::new(LeastConn::new())),
            SimAlgorithm::WeightedLeastConn => Pickers::Plain(Box::new(LeastConn::weighted())),
            SimAlgorithm::Random => Pickers::Plain(Box::new(Random::new())),
            SimAlgorithm::P2c => Pickers::Plain(Box::new(P2c::new())),
            SimAlgorithm::IpHash => Pickers::Plain(Box::new(IpHash::new())),
            SimAlgorithm::Ewma => Pickers::Ewma(PeakEwma::starting_at(n, epoch)),
            SimAlgorithm::Hash(h) => {
                let named: Vec<(String, u32)> = backends
                    .iter()
                    .map(|b| (b.model.name.clone(), b.model.weight))
                    .collect();
                let hp = HashPick::build(h, &named).map_err(|e| e.to_string())?;
                Pickers::Hash(hp, RoundRobin::new())
            }
        })
    }

    /// Feed a latency sample (EWMA only).
    pub fn observe(&self, i: usize, latency_ns: u64, now: Instant) {
        if let Pickers::Ewma(p) = self {
            p.observe_at(i, Duration::from_nanos(latency_ns), now);
        }
    }
}

/// The backends as the proxy's balancer sees them for one request.
struct View<'a> {
    backends: &'a [BackendState],
    req: &'a Request,
    now_ms: u64,
    panic: bool,
}

impl Candidates for View<'_> {
    fn len(&self) -> usize {
        self.backends.len()
    }
    #[inline]
    fn eligible(&self, i: usize) -> bool {
        let b = &self.backends[i];
        b.takes_new() && (self.panic || b.healthy(self.now_ms)) && !self.req.has_tried(i)
    }
    #[inline]
    fn weight(&self, i: usize) -> u32 {
        self.backends[i].effective_weight(self.now_ms)
    }
    #[inline]
    fn in_flight(&self, i: usize) -> u64 {
        self.backends[i].in_flight
    }
}

/// The bytes a key index hashes as, and the client address ip-hash sees for it.
pub fn key_bytes(key: u32, buf: &mut [u8; 16]) -> &[u8] {
    buf[..4].copy_from_slice(&[10, (key >> 16) as u8, (key >> 8) as u8, key as u8]);
    &buf[..4]
}

/// Choose a backend for `req`'s next attempt: Some((index, panic pick)).
pub fn choose(
    p: &Pickers,
    backends: &[BackendState],
    req: &Request,
    now_ns: u64,
    epoch: Instant,
) -> Option<(usize, bool)> {
    let now_ms = now_ns / 1_000_000 + 1; // +1: 0 means "never" to the health state
    let mut buf = [0u8; 16];
    let key = key_bytes(req.key, &mut buf);
    let ctx = PickContext {
        client_ip: Some(key),
    };
    let pick = |panic: bool| {
        let view = View {
            backends,
            req,
            now_ms,
            panic,
        };
        match p {
            Pickers::Plain(pk) => pk.pick(&view, &ctx),
            Pickers::Ewma(e) => e.pick_at(&view, epoch + Duration::from_nanos(now_ns)),
            Pickers::Hash(hp, rr) => {
                if req.attempts == 0 {
                    let usable = |i: usize| view.eligible(i);
                    let load = |i: usize| backends.get(i).map_or(0, |b| b.in_flight);
                    // Only bounded load reads the total: O(N), so not for the other rings.
                    let total: u64 = if hp.locator.as_bounded().is_some() {
                        backends.iter().map(|b| b.in_flight).sum()
                    } else {
                        0
                    };
                    hp.pick(key, &usable, &load, total)
                        .or_else(|| rr.pick(&view, &ctx))
                } else {
                    rr.pick(&view, &ctx)
                }
            }
        }
    };
    choose_with_panic(
        || pick(false),
        || backends.iter().any(|b| b.takes_new() && b.healthy(now_ms)),
        || pick(true),
    )
}
