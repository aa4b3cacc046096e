//! A pool of backends and its balancing algorithm: which backends are candidates right now
//! (healthy, not drained, primaries before `backup` ones, not already tried by this request,
//! with a free `maxconn` slot when one exists) and the pick itself, delegated to `balance/`.

use super::backend::Backend;
use super::hashkey::{HashKey, HashPick};
use super::outlier::{OutlierPolicy, success_rate_outliers};
use crate::balance::health::choose_with_panic;
use crate::balance::pick::{Candidates, PickContext, Picker};
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

pub struct Pool {
    pub name: String,
    pub backends: Vec<Arc<Backend>>,
    picker: Box<dyn Picker>,
    has_backup: bool,
    has_maxconn: bool,
    /// `--algorithm hash`: the ring/table (the picker is then the fallback for keyless requests).
    pub hash: Option<HashPick>,
    /// Where the hash key comes from (with `hash`).
    pub hash_key: Option<HashKey>,
    /// `--sticky cookie:NAME`.
    pub sticky_cookie: Option<String>,
    /// The algorithm's name, for /stats and logs.
    pub algorithm: &'static str,
    /// Picks made in panic mode (see [`Pool::choose`]), and whether the pool is in it now.
    pub panic_picks: AtomicU64,
    in_panic: AtomicBool,
    /// Some backend may speak HTTP/2 (`,h2c`, `,h2`, `,auto`): the HTTP/1.1 fast path, which
    /// relays HTTP/1.1 bytes, leaves this pool's requests to hyper.
    pub may_be_h2: bool,
    /// Outlier detection (`--outlier`, `outlier = ...`): see outlier.rs.
    pub outlier: Option<OutlierPolicy>,
}

/// Backends already tried by one request (bit i = backend i; backends past 64 are never excluded).
#[derive(Debug, Clone, Copy, Default)]
pub struct Tried(u64);

impl Tried {
    pub fn add(&mut self, i: usize) {
        if i < 64 {
            self.0 |= 1 << i;
        }
    }
    pub fn has(&self, i: usize) -> bool {
        i < 64 && self.0 & (1 << i) != 0
    }
}

struct View<'a> {
    pool: &'a Pool,
    backup: bool,
    need_room: bool,
    tried: Tried,
    /// Panic mode: passive failures are ignored (active checks still count).
    panic: bool,
}

impl Candidates for View<'_> {
    fn len(&self) -> usize {
        self.pool.backends.len()
    }
    fn eligible(&self, i: usize) -> bool {
        let b = &self.pool.backends[i];
        b.spec.backup == self.backup
            && b.takes_new()
            && !self.tried.has(i)
            && (if self.panic {
                b.check_up.load(Ordering::Relaxed)
            } else {
                b.healthy()
            })
            && (!self.need_room || b.has_room())
    }
    fn weight(&self, i: usize) -> u32 {
        self.pool.backends[i].effective_weight()
    }
    fn in_flight(&self, i: usize) -> u64 {
        self.pool.backends[i].in_flight.load(Ordering::Relaxed)
    }
}

impl Pool {
    pub fn new(name: String, backends: Vec<Arc<Backend>>, picker: Box<dyn Picker>) -> Self {
        let has_backup = backends.iter().any(|b| b.spec.backup);
        let has_maxconn = backends.iter().any(|b| b.spec.maxconn.is_some());
        let may_be_h2 = backends.iter().any(|b| b.spec.proto.may_be_h2());
        // The pool installed last numbers its backends (a runtime add or remove renumbers).
        for (i, b) in backends.iter().enumerate() {
            b.set_index(i);
        }
        Pool {
            name,
            backends,
            picker,
            has_backup,
            has_maxconn,
            hash: None,
            hash_key: None,
            sticky_cookie: None,
            algorithm: "",
            panic_picks: AtomicU64::new(0),
            in_panic: AtomicBool::new(false),
            may_be_h2,
            outlier: None,
        }
    }

    pub fn picker(&self) -> &dyn Picker {
        self.picker.as_ref()
    }

    /// Whether backend `i` may take this request (used to honour sticky cookies and hashes).
    pub fn usable(&self, i: usize, tried: Tried) -> bool {
        self.backends
            .get(i)
            .is_some_and(|b| b.takes_new() && !tried.has(i) && b.healthy())
    }

    /// Outlier detection: one result of backend `i` (`ok`: not a 5xx or gateway error);
    /// a run of `consecutive` failures ejects it, within the pool's cap.
    pub fn outlier_result(&self, i: usize, ok: bool) {
        let Some(p) = &self.outlier else {
            return;
        };
        // `get`: a request that straddled a runtime remove may name a position past the end.
        let Some(b) = self.backends.get(i) else {
            return;
        };
        if b.outlier.record(ok, p.consecutive) {
            b.outlier.consecutive.store(0, Ordering::Relaxed);
            self.eject(i, p, "consecutive");
        }
    }

    /// Every `interval`: success-rate ejection over the interval's counts, then the counts
    /// restart and the multiplier of each backend not ejected decays by one (Envoy).
    pub fn outlier_sweep(&self) {
        let Some(p) = &self.outlier else {
            return;
        };
        let now = super::backend::now_ms();
        let mut rates = Vec::new();
        for (i, b) in self.backends.iter().enumerate() {
            let ok = b.outlier.ok.swap(0, Ordering::Relaxed);
            let failed = b.outlier.failed.swap(0, Ordering::Relaxed);
            if ok + failed >= p.min_requests && !b.outlier.ejected(now) {
                rates.push((i, ok as f64 / (ok + failed) as f64));
            }
            if !b.outlier.ejected(now) {
                let _ = b
                    .outlier
                    .times
                    .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |t| t.checked_sub(1));
            }
        }
        for i in success_rate_outliers(&rates, p) {
            self.eject(i, p, "success rate");
        }
    }

    fn eject(&self, i: usize, p: &OutlierPolicy, cause: &str) {
        let now = super::backend::now_ms();
        let b = &self.backends[i];
        if b.outlier.ejected(now) {
            return;
        }
        let out = self
            .backends
            .iter()
            .filter(|x| x.outlier.ejected(now))
            .count();
        if out >= p.cap(self.backends.len()) {
            b.outlier.capped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let times = b.outlier.times.fetch_add(1, Ordering::Relaxed) + 1;
        let dur = p.ejection_for(times);
        b.outlier
            .ejected_until
            .store(now + dur.as_millis() as u64, Ordering::Relaxed);
        b.observed.changed(now);
        b.ejections.fetch_add(1, Ordering::Relaxed);
        let counter = if cause == "consecutive" {
            &b.outlier.by_consecutive
        } else {
            &b.outlier.by_success_rate
        };
        counter.fetch_add(1, Ordering::Relaxed);
        super::log::state(format_args!(
            "backend {} ({}) ejected as an outlier ({cause}) for {:?} (ejection {times})",
            b.name(),
            b.addr,
            dur
        ));
    }

    /// Whether any primary could serve (decides whether backups are in play).
    fn primary_up(&self) -> bool {
        self.backends
            .iter()
            .any(|b| !b.spec.backup && b.takes_new() && b.healthy())
    }

    /// Pick a backend for a request, or None when nothing can take it.
    ///
    /// Panic mode (Envoy's panic threshold, at its extreme): when no backend of the pool is
    /// healthy but some are only passively failed (active checks, if any, say they are up),
    /// the pick ignores passive failures. A pool whose backends all fail now and then (a
    /// reset here, a timeout there) would otherwise be shut whole for `--fail-timeout` and
    /// turn a few percent of errors into an outage; retries then absorb the errors instead.
    pub fn choose(&self, ctx: &PickContext<'_>, tried: Tried) -> Option<usize> {
        let tiers: &[bool] = if !self.has_backup {
            &[false]
        } else if self.primary_up() {
            // Backups are only for when no primary is healthy, but a retry may fall onto one.
            &[false, true]
        } else {
            &[true]
        };
        // The panic rule is balance::health's (shared with `sim`).
        let (i, panic) = choose_with_panic(
            || self.pick_in(tiers, ctx, tried, false),
            // Healthy backends exist, this request has tried them all: no panic.
            || self.backends.iter().any(|b| b.takes_new() && b.healthy()),
            || self.pick_in(&[false, true], ctx, tried, true),
        )?;
        if !panic {
            if self.in_panic.load(Ordering::Relaxed) && self.in_panic.swap(false, Ordering::Relaxed)
            {
                super::log::state(format_args!(
                    "pool {}: a backend is healthy again, panic mode over",
                    self.name
                ));
            }
            return Some(i);
        }
        self.panic_picks.fetch_add(1, Ordering::Relaxed);
        if !self.in_panic.swap(true, Ordering::Relaxed) {
            super::log::state(format_args!(
                "pool {}: every backend is passively failed; panic mode: balancing over them anyway until one is healthy",
                self.name
            ));
        }
        Some(i)
    }

    fn pick_in(
        &self,
        tiers: &[bool],
        ctx: &PickContext<'_>,
        tried: Tried,
        panic: bool,
    ) -> Option<usize> {
        for &backup in tiers {
            if self.has_maxconn {
                let view = View {
                    pool: self,
                    backup,
                    need_room: true,
                    tried,
                    panic,
                };
                if let Some(i) = self.picker.pick(&view, ctx) {
                    return Some(i);
                }
            }
            let view = View {
                pool: self,
                backup,
                need_room: false,
                tried,
                panic,
            };
            if let Some(i) = self.picker.pick(&view, ctx) {
                return Some(i);
            }
        }
        None
    }

    /// The backend for a hash key (None: no ring, or nothing usable for this key).
    pub fn choose_hashed(&self, key: &[u8], tried: Tried) -> Option<usize> {
        let hp = self.hash.as_ref()?;
        let backups_only = self.has_backup && !self.primary_up();
        let usable = |i: usize| {
            self.usable(i, tried)
                && self
                    .backends
                    .get(i)
                    .is_some_and(|b| b.spec.backup == backups_only)
        };
        let load = |i: usize| {
            self.backends
                .get(i)
                .map_or(0, |b| b.in_flight.load(Ordering::Relaxed))
        };
        let total: u64 = (0..self.backends.len()).map(load).sum();
        hp.pick(key, &usable, &load, total)
    }

    /// The backend a sticky cookie value names, if any.
    pub fn by_sticky_id(&self, id: &str) -> Option<usize> {
        self.backends.iter().position(|b| b.sticky_id == id)
    }
}

/// The client address as the bytes `ip-hash` hashes (4 for v4, 16 for v6).
pub fn ip_bytes(ip: IpAddr, buf: &mut [u8; 16]) -> &[u8] {
    match ip {
        IpAddr::V4(v4) => {
            buf[..4].copy_from_slice(&v4.octets());
            &buf[..4]
        }
        IpAddr::V6(v6) => {
            *buf = v6.octets();
            &buf[..]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_bytes_forms() {
        let mut b = [0u8; 16];
        assert_eq!(
            ip_bytes("10.0.0.1".parse().unwrap(), &mut b),
            &[10, 0, 0, 1]
        );
        assert_eq!(ip_bytes("::1".parse().unwrap(), &mut b).len(), 16);
    }
}
