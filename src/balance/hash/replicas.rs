//! Replica lists: N distinct servers per key, in preference order (what a Dynamo/Cassandra
//! style store writes to, what a proxy fails over to). One rule per kind of structure:
//! - rings (ketama, nginx, ring, bounded, envoy-ring, haproxy): walk clockwise from the key's
//!   point, skipping servers already chosen (uhashring `range`, Dynamo's preference list;
//!   Envoy's retry walk `(midp + attempt) % size`; HAProxy's `eb32_next` from the chosen node).
//! - tables and buckets (maglev, envoy-maglev, modulo, jump): attempt k looks the key up again
//!   with its hash perturbed as Envoy's maglev retries do (`hash ^ (~0 - k + 1)`), skipping
//!   servers already chosen.
//! - rendezvous: the N highest scores.
//!
//! Rings, rendezvous and jump give the property consistent hashing promises for replicas:
//! adding or removing one server changes only the lists that contain it. Maglev keeps it only
//! approximately (its table is not perfectly minimal under change).

use super::ring::Ring;

/// Attempts allowed per wanted replica before giving up on finding more distinct servers by
/// perturbation (then the remaining ones are taken in server order).
const ATTEMPTS_PER_REPLICA: u64 = 64;

/// Envoy's maglev retry perturbation of a key hash for attempt `k` (k = 0 is the key itself).
#[inline]
pub fn perturb(hash: u64, k: u64) -> u64 {
    if k == 0 {
        hash
    } else {
        hash ^ (!0u64).wrapping_sub(k).wrapping_add(1)
    }
}

/// Clockwise walk from the key's point, distinct owners, at most `n` of them.
pub fn ring_walk(ring: &Ring, key: &[u8], n: usize, out: &mut Vec<usize>) {
    let start = ring.point_for(ring.key_hash(key));
    ring.view().walk_from(start, n, out);
}

/// Perturbed-hash attempts through `at(hash)`, distinct servers, at most `n`; `active` lists
/// the servers that can receive keys (for the fallback when attempts run out).
pub fn perturbed_walk(
    hash: u64,
    n: usize,
    active: &[usize],
    at: impl Fn(u64) -> usize,
    out: &mut Vec<usize>,
) {
    out.clear();
    let want = n.min(active.len());
    let limit = ATTEMPTS_PER_REPLICA * want as u64 + 16;
    let mut k = 0;
    while out.len() < want && k < limit {
        let s = at(perturb(hash, k));
        if !out.contains(&s) {
            out.push(s);
        }
        k += 1;
    }
    for &s in active {
        if out.len() >= want {
            break;
        }
        if !out.contains(&s) {
            out.push(s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perturbation_matches_envoy() {
        // maglev_lb.cc chooseHost: hash ^= ~0ULL - attempt + 1.
        assert_eq!(perturb(10, 0), 10);
        assert_eq!(perturb(10, 1), 10 ^ u64::MAX);
        assert_eq!(perturb(10, 2), 10 ^ (u64::MAX - 1));
    }

    #[test]
    fn walk_falls_back_to_server_order() {
        let mut out = Vec::new();
        // A lookup that always says 2: the rest come from the active list, in order.
        perturbed_walk(7, 3, &[0, 2, 3], |_| 2, &mut out);
        assert_eq!(out, vec![2, 0, 3]);
        perturbed_walk(7, 9, &[0, 2], |h| (h % 2) as usize * 2, &mut out);
        assert_eq!(out.len(), 2);
    }
}
