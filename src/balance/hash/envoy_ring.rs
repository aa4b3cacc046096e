//! Envoy's `ring_hash` load balancer, byte for byte (source/extensions/load_balancing_policies/
//! ring_hash/ring_hash_lb.cc, `RingHashLoadBalancer::Ring::Ring`): weights are normalised to
//! sum 1 (thread_aware_lb_impl.cc `normalizeHostWeights`), the ring gets
//! `scale = min(ceil(min_w * minimum_ring_size) / min_w, maximum_ring_size)` entries, and hosts
//! take turns filling running targets (`target += scale * w`; push while `current < target`),
//! each entry at `xxHash64("<host key>_<i>")` (seed 0, `use_std_hash` off). Keys are hashed
//! with xxHash64 too (a header or cookie hash policy) and find the first entry at or after
//! their hash, wrapping to the first (`chooseHost`, ported from libketama's binary search; on
//! a sorted ring it returns exactly the first entry >= the hash, which is what `Ring` does).

use super::hashfn::HashFn;
use super::ring::{MAX_POINTS, Ring};
use super::types::{HashError, HashServer};

/// Envoy's `minimum_ring_size` default (ring_hash_lb.h `DefaultMinRingSize`).
pub const ENVOY_MIN_RING_SIZE: u64 = 1024;
/// Envoy's `maximum_ring_size` default (ring_hash_lb.h `DefaultMaxRingSize`, 8M).
pub const ENVOY_MAX_RING_SIZE: u64 = 8 * 1024 * 1024;

/// Envoy's per-host hash counts for these weights: the ring size it reports as
/// `ring_hash_lb.size` and each active server's entry count (0 for drained ones).
pub fn envoy_ring_counts(
    servers: &[HashServer],
    min_ring_size: u64,
    max_ring_size: u64,
) -> Result<(u64, Vec<u64>), HashError> {
    if min_ring_size == 0 || min_ring_size > max_ring_size {
        return Err(HashError::BadRingSize {
            min: min_ring_size,
            max: max_ring_size,
        });
    }
    if max_ring_size > MAX_POINTS as u64 {
        return Err(HashError::TooManyPoints {
            points: max_ring_size,
            max: MAX_POINTS as u64,
        });
    }
    let sum: u64 = servers.iter().map(|s| s.weight as u64).sum();
    if sum == 0 {
        return Err(HashError::AllDrained);
    }
    // normalizeHostWeights: weight * normalized_locality_weight (1.0) / sum, in doubles.
    let norm: Vec<f64> = servers
        .iter()
        .map(|s| s.weight as f64 * 1.0 / sum as f64)
        .collect();
    let min_w = norm
        .iter()
        .copied()
        .filter(|w| *w > 0.0)
        .fold(1.0f64, f64::min);
    let scale = ((min_w * min_ring_size as f64).ceil() / min_w).min(max_ring_size as f64);
    let ring_size = scale.ceil() as u64;
    let (mut current, mut target) = (0.0f64, 0.0f64);
    let mut counts = vec![0u64; servers.len()];
    for (i, w) in norm.iter().enumerate() {
        if *w == 0.0 {
            continue;
        }
        target += scale * w;
        while current < target {
            counts[i] += 1;
            current += 1.0;
        }
    }
    Ok((ring_size, counts))
}

/// Build Envoy's ring: entry i of a host at xxHash64("<name>_<i>").
pub fn envoy_ring(
    servers: &[HashServer],
    min_ring_size: u64,
    max_ring_size: u64,
) -> Result<Ring, HashError> {
    let (_, counts) = envoy_ring_counts(servers, min_ring_size, max_ring_size)?;
    let total: u64 = counts.iter().sum();
    if total > MAX_POINTS as u64 {
        return Err(HashError::TooManyPoints {
            points: total,
            max: MAX_POINTS as u64,
        });
    }
    let mut pairs = Vec::with_capacity(total as usize);
    let mut buf = Vec::new();
    for (i, s) in servers.iter().enumerate() {
        for k in 0..counts[i] {
            buf.clear();
            buf.extend_from_slice(s.name.as_bytes());
            buf.push(b'_');
            buf.extend_from_slice(k.to_string().as_bytes());
            pairs.push((HashFn::Xxh64.hash(&buf), i as u32));
        }
    }
    Ring::from_pairs(pairs, 64, super::ring::KeyHash::Fn(HashFn::Xxh64))
}
