//! Maglev hashing (Eisenbud et al., "Maglev: A Fast and Reliable Software Network Load
//! Balancer", NSDI'16, section 3.4): each server walks its own permutation of a prime-sized
//! lookup table, taking turns to claim the next free slot; a key indexes the table directly.
//! Permutations follow dgryski/go-maglev: h = siphash24(0xdeadbeefcafebabe, 0, name),
//! offset = (h >> 32) % M, skip = (h & 0xffffffff) % (M - 1) + 1. Weighted fill: per round,
//! server i claims w_i / gcd(w) slots (equal weights give the paper's round robin).

use super::hashfn::{HashFn, siphash24};
use super::types::{HashError, HashServer};

/// go-maglev's permutation key.
const PERM_K0: u64 = 0xdead_beef_cafe_babe;

/// Default table size: the paper's small prime.
pub const DEFAULT_TABLE_SIZE: u64 = 65_537;

/// Largest accepted table size (the table is 4 bytes a slot).
pub const MAX_TABLE_SIZE: u64 = 40_000_003;

#[derive(Debug, Clone)]
pub struct Maglev {
    table: Vec<u32>,
    hash: HashFn,
}

/// Deterministic primality by trial division (table sizes are at most ~4e7).
/// A maglev table must be a prime (so every skip visits every slot), at least the server
/// count, and at most [`MAX_TABLE_SIZE`]; shared by lbctl's maglev and Envoy's.
pub fn check_table_size(m: u64, servers: usize) -> Result<(), HashError> {
    if m > MAX_TABLE_SIZE {
        return Err(HashError::TableTooLarge {
            size: m,
            max: MAX_TABLE_SIZE,
        });
    }
    if !is_prime(m) {
        return Err(HashError::TableNotPrime(m));
    }
    if m < servers as u64 {
        return Err(HashError::TableTooSmall { size: m, servers });
    }
    Ok(())
}

pub fn is_prime(n: u64) -> bool {
    if n < 2 {
        return false;
    }
    if n.is_multiple_of(2) {
        return n == 2;
    }
    let mut d = 3;
    while d * d <= n {
        if n.is_multiple_of(d) {
            return false;
        }
        d += 2;
    }
    true
}

/// go-maglev's (offset, skip) for a server name.
pub fn offset_skip(name: &str, m: u64) -> (u64, u64) {
    let h = siphash24(PERM_K0, 0, name.as_bytes());
    ((h >> 32) % m, (h & 0xffff_ffff) % (m - 1) + 1)
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// Fill a table of size `m` from explicit permutations (offset, skip) and per-round claims;
/// entries are indexes into `perms`. The paper's `Populate` with a weighted round.
pub fn populate(perms: &[(u64, u64)], claims: &[u64], m: u64) -> Vec<u32> {
    let mut entry = vec![u32::MAX; m as usize];
    let mut next = vec![0u64; perms.len()];
    let mut filled = 0u64;
    loop {
        for (i, &(offset, skip)) in perms.iter().enumerate() {
            for _ in 0..claims[i] {
                let mut c = (offset + next[i] * skip) % m;
                while entry[c as usize] != u32::MAX {
                    next[i] += 1;
                    c = (offset + next[i] * skip) % m;
                }
                entry[c as usize] = i as u32;
                next[i] += 1;
                filled += 1;
                if filled == m {
                    return entry;
                }
            }
        }
    }
}

impl Maglev {
    pub fn new(servers: &[HashServer], table_size: u64, hash: HashFn) -> Result<Maglev, HashError> {
        let m = table_size;
        check_table_size(m, servers.len())?;
        let active: Vec<usize> = (0..servers.len())
            .filter(|&i| servers[i].weight > 0)
            .collect();
        if active.is_empty() {
            return Err(HashError::AllDrained);
        }
        let g = active
            .iter()
            .fold(0u64, |g, &i| gcd(g, servers[i].weight as u64));
        let perms: Vec<_> = active
            .iter()
            .map(|&i| offset_skip(&servers[i].name, m))
            .collect();
        let claims: Vec<_> = active
            .iter()
            .map(|&i| servers[i].weight as u64 / g)
            .collect();
        let table = populate(&perms, &claims, m)
            .into_iter()
            .map(|e| active[e as usize] as u32)
            .collect();
        Ok(Maglev { table, hash })
    }

    /// A table built elsewhere (Envoy's fill), looked up with `hash`.
    pub fn from_table(table: Vec<u32>, hash: HashFn) -> Maglev {
        Maglev { table, hash }
    }

    #[inline]
    pub fn locate(&self, key: &[u8]) -> usize {
        self.locate_hash(self.hash.hash(key))
    }

    /// The server of a key hash.
    #[inline]
    pub fn locate_hash(&self, h: u64) -> usize {
        self.table[(h % self.table.len() as u64) as usize] as usize
    }

    /// The key's hash, as [`Maglev::locate_hash`] takes it.
    #[inline]
    pub fn key_hash(&self, key: &[u8]) -> u64 {
        self.hash.hash(key)
    }

    /// The lookup table: slot -> server index.
    pub fn table(&self) -> &[u32] {
        &self.table
    }

    pub fn memory_bytes(&self) -> usize {
        self.table.capacity() * 4 + std::mem::size_of::<Self>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primes() {
        let p: Vec<u64> = (0..30).filter(|&n| is_prime(n)).collect();
        assert_eq!(p, vec![2, 3, 5, 7, 11, 13, 17, 19, 23, 29]);
        assert!(is_prime(65537) && !is_prime(65536) && is_prime(655373));
    }
}
