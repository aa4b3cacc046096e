//! Consistent hashing with bounded loads (Mirrokni, Thorup, Zadimoghaddam, SODA'18,
//! arXiv:1608.01350): a generic ring, but a server whose load has reached its capacity
//! ceil(c * (m + 1) * w_i / sum_w) is skipped and the key walks on clockwise. `proxy` calls
//! [`Bounded::locate_bounded`] with live loads; `ring` places keys in input order with a
//! [`Placer`], which reports spill (keys that did not land on their first choice). For a
//! weighted histogram (`ring stats --counts`), [`pour`] fills [`histogram_capacities`] along
//! each key's preference order.

use super::hashfn::HashFn;
use super::ring::Ring;
use super::types::{HashError, HashServer, active_weight_sum};

#[derive(Debug, Clone)]
pub struct Bounded {
    ring: Ring,
    weights: Vec<u32>,
    sum_w: u64,
    factor: f64,
}

impl Bounded {
    pub fn new(
        servers: &[HashServer],
        vnodes: u32,
        hash: HashFn,
        factor: f64,
    ) -> Result<Bounded, HashError> {
        if !(factor.is_finite() && factor > 1.0) {
            return Err(HashError::BadBalanceFactor(factor));
        }
        let ring = Ring::generic(servers, vnodes, hash)?;
        let (_, sum_w) = active_weight_sum(servers);
        Ok(Bounded {
            ring,
            weights: servers.iter().map(|s| s.weight).collect(),
            sum_w,
            factor,
        })
    }

    /// The first choice of `key`, ignoring load (what an unloaded ring would say).
    #[inline]
    pub fn locate(&self, key: &[u8]) -> usize {
        self.ring.locate(key)
    }

    /// Capacity of server `s` when `total_load` keys/requests are already placed.
    #[inline]
    pub fn capacity(&self, s: usize, total_load: u64) -> u64 {
        (self.factor * (total_load + 1) as f64 * self.weights[s] as f64 / self.sum_w as f64).ceil()
            as u64
    }

    /// The load-aware pick: walk clockwise from the key's point to the first server whose
    /// `load_of(server)` is below its capacity. `total_load` is the sum of all loads. Falls
    /// back to the first choice if every server is full (impossible when loads are honest,
    /// since the capacities add up to more than total_load).
    pub fn locate_bounded(
        &self,
        key: &[u8],
        load_of: &dyn Fn(usize) -> u64,
        total_load: u64,
    ) -> usize {
        self.pick(self.ring.key_hash(key), load_of, total_load).0
    }

    /// (server, first choice) for a hash position.
    fn pick(&self, h: u64, load_of: &dyn Fn(usize) -> u64, total_load: u64) -> (usize, usize) {
        let start = self.ring.point_for(h);
        let first = self.ring.owner_at(start);
        for step in 0..self.ring.len() {
            let s = self.ring.owner_at(start + step);
            if load_of(s) < self.capacity(s, total_load) {
                return (s, first);
            }
        }
        (first, first)
    }

    /// The underlying ring (first choices).
    pub fn ring(&self) -> &Ring {
        &self.ring
    }

    /// A fresh key-order placement (all loads zero).
    pub fn placer(&self) -> Placer<'_> {
        Placer {
            bounded: self,
            loads: vec![0; self.weights.len()],
            total: 0,
            spilled: 0,
        }
    }

    pub fn memory_bytes(&self) -> usize {
        self.ring.memory_bytes() + self.weights.capacity() * 4 + std::mem::size_of::<Self>()
    }
}

/// Where one key was placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    pub server: usize,
    pub first_choice: usize,
}

impl Placement {
    pub fn spilled(&self) -> bool {
        self.server != self.first_choice
    }
}

/// Places keys one after another, each key adding one unit of load to its server.
#[derive(Debug, Clone)]
pub struct Placer<'a> {
    bounded: &'a Bounded,
    loads: Vec<u64>,
    total: u64,
    spilled: u64,
}

impl Placer<'_> {
    pub fn place(&mut self, key: &[u8]) -> Placement {
        let h = self.bounded.ring.key_hash(key);
        let loads = &self.loads;
        let (server, first_choice) = self.bounded.pick(h, &|s| loads[s], self.total);
        self.loads[server] += 1;
        self.total += 1;
        if server != first_choice {
            self.spilled += 1;
        }
        Placement {
            server,
            first_choice,
        }
    }

    /// Keys placed per server so far.
    pub fn loads(&self) -> &[u64] {
        &self.loads
    }

    /// Keys that did not land on their first choice.
    pub fn spilled(&self) -> u64 {
        self.spilled
    }
}

/// Per-server capacities for a whole weighted histogram of `total` requests under factor `c`:
/// ceil(c * total * w_i / sum_w), the paper's bound with m = total (0 for drained servers).
pub fn histogram_capacities(weights: &[u32], total: u64, c: f64) -> Vec<u64> {
    let sum: u64 = weights.iter().map(|&w| w as u64).sum();
    weights
        .iter()
        .map(|&w| (c * total as f64 * w as f64 / sum.max(1) as f64).ceil() as u64)
        .collect()
}

/// Pour `count` requests of one key into `loads` along its preference order `prefs`, each
/// server taking what fits under `caps`; returns the requests that did not fit (the caller
/// extends `prefs` and pours the rest). Requests past the first server are spill.
pub fn pour(prefs: &[usize], count: u64, loads: &mut [u64], caps: &[u64]) -> u64 {
    let mut left = count;
    for &s in prefs {
        if left == 0 {
            break;
        }
        let room = caps[s].saturating_sub(loads[s]);
        let take = room.min(left);
        loads[s] += take;
        left -= take;
    }
    left
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_stay_under_the_bound() {
        let servers: Vec<_> = (0..10)
            .map(|i| HashServer::new(format!("s{i}:1"), 1))
            .collect();
        let b = Bounded::new(&servers, 20, HashFn::Xxh3, 1.25).unwrap();
        let mut p = b.placer();
        for i in 0..10_000 {
            p.place(format!("k{i}").as_bytes());
        }
        let max = *p.loads().iter().max().unwrap();
        assert!(max <= (1.25f64 * 10_000.0 / 10.0).ceil() as u64, "{max}");
        assert!(p.spilled() > 0);
        assert!(matches!(
            Bounded::new(&servers, 20, HashFn::Xxh3, 1.0),
            Err(HashError::BadBalanceFactor(_))
        ));
    }
}
