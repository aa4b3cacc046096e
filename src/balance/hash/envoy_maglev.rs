//! Envoy's `maglev` load balancer table, byte for byte (source/extensions/
//! load_balancing_policies/maglev/maglev_lb.cc, `MaglevTable::constructMaglevTableInternal`
//! and `OriginalMaglevTable::constructImplementationInternals`): hosts sorted by their hash
//! key (address or hostname), offset = xxHash64(key, 0) % M, skip = xxHash64(key, 1) % (M-1) + 1,
//! and a weighted fill: on round r a host claims its next free slot unless r * w < its target,
//! the target growing by the largest normalised weight at each claim. Keys index the table with
//! xxHash64(key) % M. Unlike go-maglev (`maglev`), the server order does not matter.

use super::compat_hash::xxh64;
use super::maglev::check_table_size;
use super::types::{HashError, HashServer};

/// Envoy's table: slot -> server index.
pub fn envoy_maglev_table(servers: &[HashServer], m: u64) -> Result<Vec<u32>, HashError> {
    check_table_size(m, servers.len())?;
    let sum: u64 = servers.iter().map(|s| s.weight as u64).sum();
    if sum == 0 {
        return Err(HashError::AllDrained);
    }
    // (key, server index, normalised weight), sorted by key as Envoy's std::sort of tuples.
    let mut hosts: Vec<(&str, usize, f64)> = servers
        .iter()
        .enumerate()
        .filter(|(_, s)| s.weight > 0)
        .map(|(i, s)| (s.name.as_str(), i, s.weight as f64 * 1.0 / sum as f64))
        .collect();
    hosts.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let max_w = hosts.iter().map(|h| h.2).fold(0.0f64, f64::max);
    struct Entry {
        server: u32,
        offset: u64,
        skip: u64,
        weight: f64,
        target: f64,
        next: u64,
    }
    let mut entries: Vec<Entry> = hosts
        .iter()
        .map(|&(key, i, w)| Entry {
            server: i as u32,
            offset: xxh64(key.as_bytes(), 0) % m,
            skip: xxh64(key.as_bytes(), 1) % (m - 1) + 1,
            weight: w,
            target: 0.0,
            next: 0,
        })
        .collect();
    let mut table = vec![u32::MAX; m as usize];
    let mut filled: u64 = 0;
    let mut iteration: u64 = 1;
    while filled < m {
        for e in entries.iter_mut() {
            if filled >= m {
                break;
            }
            if (iteration as f64) * e.weight < e.target {
                continue;
            }
            e.target += max_w;
            // (offset + skip * next) % M, in u128 so large tables cannot overflow.
            let perm = |e: &Entry| {
                ((e.offset as u128 + e.skip as u128 * e.next as u128) % m as u128) as usize
            };
            let mut c = perm(e);
            while table[c] != u32::MAX {
                e.next += 1;
                c = perm(e);
            }
            table[c] = e.server;
            e.next += 1;
            filled += 1;
        }
        iteration += 1;
    }
    Ok(table)
}
