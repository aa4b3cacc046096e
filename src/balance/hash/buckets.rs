//! Bucket algorithms: `modulo` (hash % n, the "IP hash" baseline) and `jump` (Lamping & Veach,
//! "A Fast, Minimal Memory, Consistent Hash Algorithm", arXiv:1406.2294). Neither has native
//! weights, so weights expand into buckets: server i owns w_i/gcd(w) consecutive buckets.
//! Jump only stays consistent when buckets are added or removed at the end of the list.

use super::hashfn::HashFn;
use super::types::{HashError, HashServer};

/// Upper bound on expanded buckets (weights are divided by their gcd first).
pub const MAX_BUCKETS: u64 = 1 << 20;

/// Which bucket rule to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BucketRule {
    Modulo,
    Jump,
}

/// Expanded buckets: `owners[b]` is the server of bucket b.
#[derive(Debug, Clone)]
pub struct Buckets {
    owners: Vec<u32>,
    hash: HashFn,
    rule: BucketRule,
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

impl Buckets {
    pub fn new(
        servers: &[HashServer],
        hash: HashFn,
        rule: BucketRule,
    ) -> Result<Buckets, HashError> {
        let g = servers
            .iter()
            .filter(|s| s.weight > 0)
            .fold(0u64, |g, s| gcd(g, s.weight as u64));
        if g == 0 {
            return Err(HashError::AllDrained);
        }
        let total: u64 = servers.iter().map(|s| s.weight as u64 / g).sum();
        if total > MAX_BUCKETS {
            return Err(HashError::TooManyBuckets {
                buckets: total,
                max: MAX_BUCKETS,
            });
        }
        let mut owners = Vec::with_capacity(total as usize);
        for (i, s) in servers.iter().enumerate() {
            owners.extend(std::iter::repeat_n(
                i as u32,
                (s.weight as u64 / g) as usize,
            ));
        }
        Ok(Buckets { owners, hash, rule })
    }

    /// The bucket of a key.
    #[inline]
    pub fn bucket(&self, key: &[u8]) -> usize {
        self.bucket_of_hash(self.hash.hash(key))
    }

    /// The bucket of a key hash.
    #[inline]
    pub fn bucket_of_hash(&self, h: u64) -> usize {
        match self.rule {
            BucketRule::Modulo => (h % self.owners.len() as u64) as usize,
            BucketRule::Jump => jump(h, self.owners.len() as u32) as usize,
        }
    }

    #[inline]
    pub fn locate(&self, key: &[u8]) -> usize {
        self.owners[self.bucket(key)] as usize
    }

    /// The key's hash, as [`Buckets::bucket_of_hash`] takes it.
    #[inline]
    pub fn key_hash(&self, key: &[u8]) -> u64 {
        self.hash.hash(key)
    }

    /// Owner of every bucket, in order.
    pub fn owners(&self) -> &[u32] {
        &self.owners
    }

    pub fn memory_bytes(&self) -> usize {
        self.owners.capacity() * 4 + std::mem::size_of::<Self>()
    }
}

/// Jump consistent hash, the paper's reference code: the bucket in [0, n) of `key`.
/// `n` must be at least 1.
#[inline]
pub fn jump(mut key: u64, n: u32) -> u32 {
    let (mut b, mut j): (i64, i64) = (-1, 0);
    while j < n as i64 {
        b = j;
        key = key.wrapping_mul(2862933555777941757).wrapping_add(1);
        j = ((b + 1) as f64 * ((1u64 << 31) as f64 / ((key >> 33) + 1) as f64)) as i64;
    }
    b as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_expand_by_gcd() {
        let s = [
            HashServer::new("a", 2),
            HashServer::new("b", 0),
            HashServer::new("c", 4),
        ];
        let b = Buckets::new(&s, HashFn::Crc32, BucketRule::Modulo).unwrap();
        assert_eq!(b.owners(), &[0, 2, 2]);
        let big = [HashServer::new("a", 999_983), HashServer::new("b", 999_979)];
        assert!(matches!(
            Buckets::new(&big, HashFn::Crc32, BucketRule::Jump),
            Err(HashError::TooManyBuckets { .. })
        ));
    }
}
