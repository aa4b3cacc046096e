//! Rendezvous (highest random weight) hashing, Thaler & Ravishankar 1998: every server scores
//! every key, the highest score wins. Score = xorshiftMult64(h(key) ^ h(server)) as in
//! dgryski/go-rendezvous; weighted by -w/ln(u) with u the score mapped into (0, 1)
//! (the logarithmic method, Schindelhauer & Schomaker 2005). O(N) per lookup.

use super::hashfn::HashFn;
use super::types::{HashError, HashServer};

/// go-rendezvous's mixer (Vigna's xorshift64*-style finaliser).
#[inline]
fn xorshift_mult64(mut x: u64) -> u64 {
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    x.wrapping_mul(2685821657736338717)
}

#[derive(Debug, Clone)]
pub struct Rendezvous {
    /// (server index, hash of its name, weight) for servers with weight > 0.
    nodes: Vec<(u32, u64, f64)>,
    hash: HashFn,
    /// All positive weights equal: the max raw score wins, no logarithm needed.
    uniform: bool,
}

impl Rendezvous {
    pub fn new(servers: &[HashServer], hash: HashFn) -> Result<Rendezvous, HashError> {
        let nodes: Vec<_> = servers
            .iter()
            .enumerate()
            .filter(|(_, s)| s.weight > 0)
            .map(|(i, s)| (i as u32, hash.hash(s.name.as_bytes()), s.weight as f64))
            .collect();
        if nodes.is_empty() {
            return Err(HashError::AllDrained);
        }
        let uniform = nodes.iter().all(|n| n.2 == nodes[0].2);
        Ok(Rendezvous {
            nodes,
            hash,
            uniform,
        })
    }

    #[inline]
    pub fn locate(&self, key: &[u8]) -> usize {
        let k = self.hash.hash(key);
        if self.uniform {
            // -w/ln(u) is increasing in u, so with equal weights the raw score decides.
            let mut best = (0u64, self.nodes[0].0);
            for &(i, h, _) in &self.nodes {
                let s = xorshift_mult64(k ^ h);
                if s > best.0 {
                    best = (s, i);
                }
            }
            return best.1 as usize;
        }
        let mut best = (f64::NEG_INFINITY, self.nodes[0].0);
        for &(i, h, w) in &self.nodes {
            let s = xorshift_mult64(k ^ h);
            let u = ((s >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
            let score = -w / u.ln();
            if score > best.0 {
                best = (score, i);
            }
        }
        best.1 as usize
    }

    /// The `n` highest-scoring servers for `key`, best first (ties keep server order, so the
    /// first is always [`Rendezvous::locate`]'s pick).
    pub fn replicas(&self, key: &[u8], n: usize, out: &mut Vec<usize>) {
        let k = self.hash.hash(key);
        out.clear();
        if self.uniform {
            let mut scored: Vec<(u64, u32)> = self
                .nodes
                .iter()
                .map(|&(i, h, _)| (xorshift_mult64(k ^ h), i))
                .collect();
            scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            out.extend(scored.iter().take(n).map(|x| x.1 as usize));
            return;
        }
        let mut scored: Vec<(f64, u32)> = self
            .nodes
            .iter()
            .map(|&(i, h, w)| {
                let s = xorshift_mult64(k ^ h);
                let u = ((s >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
                (-w / u.ln(), i)
            })
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        out.extend(scored.iter().take(n).map(|x| x.1 as usize));
    }

    pub fn memory_bytes(&self) -> usize {
        self.nodes.capacity() * std::mem::size_of::<(u32, u64, f64)>() + std::mem::size_of::<Self>()
    }
}
