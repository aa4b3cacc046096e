//! HAProxy's `hash-type consistent` (src/lb_chash.c), byte for byte with the default
//! `hash-key id`: server number p (its 1-based position in the list: HAProxy's automatic
//! `id`, so drained servers keep theirs but removing one renumbers those after it) gets
//! `16 * weight` points (eweight = weight * BE_WEIGHT_SCALE) at `full_hash(p * 4096 + j)`
//! (SRV_EWGHT_RANGE = 256 * 16). A key's 32-bit hash (sdbm by default; djb2, wt6, crc32, or
//! `none`; `avalanche` passes it through `full_hash`) goes to the NEAREST point, not the next
//! one: `chash_get_server_hash` compares the distance to the point before and the point after
//! and takes the earlier one on a tie.
//!
//! To reuse the clockwise ring machinery (exact arc shares, moved fractions, replica walks),
//! the ring is stored in its clockwise-equivalent form: between two points p < q a key h goes
//! to p iff h - p <= (q - p) / 2, so a boundary at p + (q - p)/2 owned by p's server, followed
//! by q, reproduces the nearest rule exactly.

use super::compat_hash::full_hash;
use super::hashfn::HashFn;
use super::ring::{KeyHash, MAX_POINTS, Ring};
use super::types::{HashError, HashServer};

/// BE_WEIGHT_SCALE (include/haproxy/backend-t.h): points per unit of weight.
pub const HAPROXY_POINTS_PER_WEIGHT: u64 = 16;
/// SRV_EWGHT_RANGE = SRV_UWGHT_RANGE (256) * BE_WEIGHT_SCALE (include/haproxy/server-t.h).
const SRV_EWGHT_RANGE: u32 = 256 * 16;
/// The largest weight HAProxy accepts (SRV_UWGHT_MAX).
pub const HAPROXY_MAX_WEIGHT: u32 = 256;

/// HAProxy's chash points as (position, server index), sorted by position; a position two
/// servers share goes to the first listed.
pub fn haproxy_points(servers: &[HashServer]) -> Result<Vec<(u32, u32)>, HashError> {
    let mut pairs = Vec::new();
    for (i, s) in servers.iter().enumerate() {
        if s.weight > HAPROXY_MAX_WEIGHT {
            return Err(HashError::WeightTooLarge {
                name: s.name.clone(),
                weight: s.weight,
                max: HAPROXY_MAX_WEIGHT,
            });
        }
        let n = s.weight as u64 * HAPROXY_POINTS_PER_WEIGHT;
        if pairs.len() as u64 + n > MAX_POINTS as u64 {
            return Err(HashError::TooManyPoints {
                points: pairs.len() as u64 + n,
                max: MAX_POINTS as u64,
            });
        }
        let puid = (i as u32).wrapping_add(1);
        let base = puid.wrapping_mul(SRV_EWGHT_RANGE);
        for j in 0..n as u32 {
            pairs.push((full_hash(base.wrapping_add(j)), i as u32));
        }
    }
    if pairs.is_empty() {
        return Err(HashError::AllDrained);
    }
    pairs.sort_unstable();
    pairs.dedup_by_key(|p| p.0);
    Ok(pairs)
}

/// The clockwise-equivalent ring of HAProxy's nearest-point lookup, keys hashed with `func`
/// (32-bit; `none` truncates the decimal key like HAProxy's `unsigned int hash`).
pub fn haproxy_ring(
    servers: &[HashServer],
    func: HashFn,
    avalanche: bool,
) -> Result<Ring, HashError> {
    let pts = haproxy_points(servers)?;
    let key_hash = KeyHash::Haproxy { func, avalanche };
    let n = pts.len();
    let mut pairs: Vec<(u64, u32)> = Vec::with_capacity(2 * n);
    for i in 0..n {
        let (pos, owner) = pts[i];
        if n > 1 {
            let (prev, prev_owner) = pts[(i + n - 1) % n];
            // Keys in (prev, prev + half] are nearer prev (ties go to prev).
            let half = pos.wrapping_sub(prev) / 2;
            if half > 0 {
                pairs.push((prev.wrapping_add(half) as u64, prev_owner));
            }
        }
        pairs.push((pos as u64, owner));
    }
    Ring::from_pairs(pairs, 32, key_hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A direct port of `chash_get_server_hash`'s choice (eb32_lookup_ge, eb32_prev, compare
    /// distances), to check the clockwise-equivalent ring against.
    fn nearest(pts: &[(u32, u32)], h: u32) -> u32 {
        let i = pts.partition_point(|p| p.0 < h);
        let next = if i == pts.len() { 0 } else { i };
        let prev = if next == 0 { pts.len() - 1 } else { next - 1 };
        let dp = h.wrapping_sub(pts[prev].0);
        let dn = pts[next].0.wrapping_sub(h);
        if dp <= dn { pts[prev].1 } else { pts[next].1 }
    }

    #[test]
    fn clockwise_form_equals_nearest_point() {
        let servers: Vec<HashServer> = (0..7)
            .map(|i| HashServer::new(format!("s{i}"), 1 + (i % 3)))
            .collect();
        let pts = haproxy_points(&servers).unwrap();
        let ring = haproxy_ring(&servers, HashFn::Sdbm, false).unwrap();
        let view = ring.view();
        let owner_of = |h: u32| {
            let i = view.points.partition_point(|&p| p < h as u64);
            view.owners[if i == view.points.len() { 0 } else { i }]
        };
        let mut x: u32 = 0x1234_5678;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            assert_eq!(owner_of(x), nearest(&pts, x), "hash {x}");
        }
        // Every point, its neighbours and the extremes.
        for &(p, _) in &pts {
            for h in [p.wrapping_sub(1), p, p.wrapping_add(1)] {
                assert_eq!(owner_of(h), nearest(&pts, h), "hash {h}");
            }
        }
        for h in [0, u32::MAX] {
            assert_eq!(owner_of(h), nearest(&pts, h));
        }
    }

    #[test]
    fn point_keys_match_haproxy() {
        // full_hash(1 * 4096 + j), j = 0, 1, 2: server id 1's first three nodes, computed with
        // HAProxy v2.6.0's __full_hash (include/haproxy/intops.h) compiled with gcc.
        let pts = haproxy_points(&[HashServer::new("a", 1)]).unwrap();
        assert_eq!(pts.len(), 16);
        for v in [1_237_450_891u32, 2_761_370_759, 3_040_967_754] {
            assert!(pts.iter().any(|p| p.0 == v), "{v}");
        }
        assert!(matches!(
            haproxy_points(&[HashServer::new("a", 257)]),
            Err(HashError::WeightTooLarge { .. })
        ));
    }
}
