//! Hash-based server selection, pure and synchronous: modulo, ketama, nginx, ring, jump,
//! rendezvous, maglev and bounded-load consistent hashing, each with weights. `lbctl ring`
//! inspects them; `proxy` picks backends with them. Build a [`Locator`] with [`build`] from a
//! server list and [`HashOptions`]; `locate(key)` returns an index into that list.
//!
//! Conventions shared by every algorithm: servers are identified by `name` (what gets hashed),
//! weight 0 means drained (the server keeps its index but receives no keys), and names must be
//! unique. Byte-compatibility with libketama, nginx, go-maglev, go-rendezvous and the jump
//! paper is checked against `testdata/ring-compat.json` in `vectors.rs`; with Envoy's
//! `ring_hash` and `maglev` and HAProxy's `hash-type consistent` in `vectors_compat.rs`.
//!
//! May import: nothing of the crate outside `balance::hash`. Inside, the algorithms import the
//! shared vocabulary (`types.rs`: the algorithm names, a server, the errors) and `hashfn.rs`,
//! never this file, which builds them.

mod bounded;
mod buckets;
mod compat_hash;
mod envoy_maglev;
mod envoy_ring;
mod haproxy_chash;
mod hashfn;
mod maglev;
mod rendezvous;
mod replicas;
mod ring;
#[cfg(test)]
mod tests;
mod types;
#[cfg(test)]
mod vectors;
#[cfg(test)]
mod vectors_compat;

pub use bounded::{Bounded, Placement, Placer, histogram_capacities, pour};
pub use buckets::{BucketRule, Buckets, MAX_BUCKETS, jump};
pub use compat_hash::{djb2, full_hash, sdbm, wt6, xxh64};
pub use envoy_maglev::envoy_maglev_table;
pub use envoy_ring::{ENVOY_MAX_RING_SIZE, ENVOY_MIN_RING_SIZE, envoy_ring, envoy_ring_counts};
pub use haproxy_chash::{
    HAPROXY_MAX_WEIGHT, HAPROXY_POINTS_PER_WEIGHT, haproxy_points, haproxy_ring,
};
pub use hashfn::{HashFn, fnv1a64, md5, murmur3_32, parse_u64, siphash24};
pub use maglev::{DEFAULT_TABLE_SIZE, MAX_TABLE_SIZE, Maglev, is_prime, offset_skip, populate};
pub use rendezvous::Rendezvous;
pub use replicas::perturb;
pub use ring::{KeyHash, MAX_POINTS, Ring, RingView, moved_fraction, nginx_split};
pub use types::{HashAlgorithm, HashError, HashServer};

/// Tuning shared by the algorithms; each reads only what applies to it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HashOptions {
    /// Key hash; None = the algorithm's default ([`HashAlgorithm::default_hash`]).
    pub hash: Option<HashFn>,
    /// `ring` and `bounded`: points per server at equal weights (default 160).
    pub vnodes: u32,
    /// `maglev`: lookup table size, a prime at least the server count (default 65537).
    pub table_size: u64,
    /// `bounded`: capacity factor c > 1 (default 1.25, the paper's and HAProxy's example).
    pub balance_factor: f64,
    /// `envoy-ring`: `minimum_ring_size` (default 1024).
    pub min_ring_size: u64,
    /// `envoy-ring`: `maximum_ring_size` (default 8M).
    pub max_ring_size: u64,
}

impl Default for HashOptions {
    fn default() -> Self {
        HashOptions {
            hash: None,
            vnodes: 160,
            table_size: DEFAULT_TABLE_SIZE,
            balance_factor: 1.25,
            min_ring_size: ENVOY_MIN_RING_SIZE,
            max_ring_size: ENVOY_MAX_RING_SIZE,
        }
    }
}

/// What a locator is made of, for `ring show` and exact shares.
#[derive(Debug, Clone, Copy)]
pub enum Structure<'a> {
    /// Sorted points and their owners.
    Ring(RingView<'a>),
    /// Maglev's lookup table, slot -> server.
    Table(&'a [u32]),
    /// Expanded buckets (modulo, jump), bucket -> server.
    Buckets(&'a [u32]),
    /// No stored structure (rendezvous scores every server per key).
    Scores,
}

/// A built algorithm: maps a key to an index into the server slice it was built from.
pub trait Locator: Send + Sync {
    /// The server index for `key` (raw bytes; no UTF-8 needed).
    fn locate(&self, key: &[u8]) -> usize;
    /// Which algorithm this is.
    fn algorithm(&self) -> HashAlgorithm;
    /// The key hash in use.
    fn hash_fn(&self) -> HashFn;
    /// Approximate heap + inline size of the structure, in bytes.
    fn memory_bytes(&self) -> usize;
    /// The structure, for inspection.
    fn structure(&self) -> Structure<'_>;
    /// Up to `n` distinct servers for `key`, in preference order, into `out` (cleared first);
    /// `out[0]` is `locate(key)`. The rule per algorithm is in `replicas.rs`.
    fn replicas(&self, key: &[u8], n: usize, out: &mut Vec<usize>);
    /// The bounded-load interface, for `bounded` only.
    fn as_bounded(&self) -> Option<&Bounded> {
        None
    }
}

/// Check the rules every algorithm shares: non-empty, unique non-empty names, a positive weight.
pub fn validate(servers: &[HashServer]) -> Result<(), HashError> {
    if servers.is_empty() {
        return Err(HashError::NoServers);
    }
    let mut seen = std::collections::HashSet::with_capacity(servers.len());
    for s in servers {
        if s.name.is_empty() {
            return Err(HashError::EmptyName);
        }
        if !seen.insert(s.name.as_str()) {
            return Err(HashError::DuplicateName(s.name.clone()));
        }
    }
    if servers.iter().all(|s| s.weight == 0) {
        return Err(HashError::AllDrained);
    }
    Ok(())
}

/// The key hash `alg` uses under `opts`, or why the requested one does not apply.
pub fn resolve_hash(alg: HashAlgorithm, opts: &HashOptions) -> Result<HashFn, HashError> {
    let default = alg.default_hash();
    if let (Some(h), Some(offered)) = (opts.hash, alg.offered_hashes())
        && !offered.contains(&h)
    {
        return Err(HashError::HashNotOffered {
            algorithm: alg,
            hash: h,
            offered: offered
                .iter()
                .map(|h| h.name())
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    match opts.hash {
        None => Ok(default),
        Some(h) if h == default => Ok(h),
        Some(h) if !alg.hash_selectable() => Err(HashError::HashFixed {
            algorithm: alg,
            hash: h,
            fixed: default,
        }),
        Some(HashFn::None) if alg != HashAlgorithm::Jump && alg.offered_hashes().is_none() => {
            Err(HashError::HashNoneUnsupported(alg))
        }
        Some(h) => Ok(h),
    }
}

/// Build `alg` over `servers`.
pub fn build(
    alg: HashAlgorithm,
    servers: &[HashServer],
    opts: &HashOptions,
) -> Result<Box<dyn Locator>, HashError> {
    if alg == HashAlgorithm::Bounded {
        return Ok(Box::new(build_bounded(servers, opts)?));
    }
    validate(servers)?;
    let hash = resolve_hash(alg, opts)?;
    Ok(match alg {
        HashAlgorithm::Modulo => Box::new(BucketLocator::new(
            alg,
            hash,
            Buckets::new(servers, hash, BucketRule::Modulo)?,
        )),
        HashAlgorithm::Jump => Box::new(BucketLocator::new(
            alg,
            hash,
            Buckets::new(servers, hash, BucketRule::Jump)?,
        )),
        HashAlgorithm::Ketama => Box::new(RingLocator {
            alg,
            hash,
            ring: Ring::ketama(servers)?,
        }),
        HashAlgorithm::Nginx => Box::new(RingLocator {
            alg,
            hash,
            ring: Ring::nginx(servers)?,
        }),
        HashAlgorithm::Ring => Box::new(RingLocator {
            alg,
            hash,
            ring: Ring::generic(servers, opts.vnodes, hash)?,
        }),
        HashAlgorithm::Rendezvous => Box::new(RendezvousLocator {
            hash,
            inner: Rendezvous::new(servers, hash)?,
        }),
        HashAlgorithm::Maglev => Box::new(MaglevLocator::new(
            alg,
            hash,
            Maglev::new(servers, opts.table_size, hash)?,
        )),
        HashAlgorithm::EnvoyMaglev => Box::new(MaglevLocator::new(
            alg,
            hash,
            Maglev::from_table(envoy_maglev_table(servers, opts.table_size)?, hash),
        )),
        HashAlgorithm::EnvoyRing => Box::new(RingLocator {
            alg,
            hash,
            ring: envoy_ring(servers, opts.min_ring_size, opts.max_ring_size)?,
        }),
        HashAlgorithm::Haproxy | HashAlgorithm::HaproxyAvalanche => Box::new(RingLocator {
            alg,
            hash,
            // HAProxy's bare `hash-type consistent` means sdbm WITH avalanche
            // (cfgparse-listen.c); naming a function turns avalanche off unless asked for.
            ring: haproxy_ring(
                servers,
                hash,
                alg == HashAlgorithm::HaproxyAvalanche || opts.hash.is_none(),
            )?,
        }),
        HashAlgorithm::Bounded => unreachable!("handled above"),
    })
}

/// Build the bounded-load ring directly (for `locate_bounded` and key-order placement).
pub fn build_bounded(
    servers: &[HashServer],
    opts: &HashOptions,
) -> Result<BoundedLocator, HashError> {
    validate(servers)?;
    let hash = resolve_hash(HashAlgorithm::Bounded, opts)?;
    Ok(BoundedLocator {
        hash,
        inner: Bounded::new(servers, opts.vnodes, hash, opts.balance_factor)?,
    })
}

struct RingLocator {
    alg: HashAlgorithm,
    hash: HashFn,
    ring: Ring,
}

impl Locator for RingLocator {
    fn locate(&self, key: &[u8]) -> usize {
        self.ring.locate(key)
    }
    fn algorithm(&self) -> HashAlgorithm {
        self.alg
    }
    fn hash_fn(&self) -> HashFn {
        self.hash
    }
    fn memory_bytes(&self) -> usize {
        self.ring.memory_bytes()
    }
    fn structure(&self) -> Structure<'_> {
        Structure::Ring(self.ring.view())
    }
    fn replicas(&self, key: &[u8], n: usize, out: &mut Vec<usize>) {
        replicas::ring_walk(&self.ring, key, n, out);
    }
}

/// The distinct servers in an owner list, in index order (those that can receive keys).
fn distinct_owners(owners: &[u32]) -> Vec<usize> {
    let mut v: Vec<usize> = owners.iter().map(|&o| o as usize).collect();
    v.sort_unstable();
    v.dedup();
    v
}

struct BucketLocator {
    alg: HashAlgorithm,
    hash: HashFn,
    buckets: Buckets,
    active: Vec<usize>,
}

impl BucketLocator {
    fn new(alg: HashAlgorithm, hash: HashFn, buckets: Buckets) -> Self {
        let active = distinct_owners(buckets.owners());
        BucketLocator {
            alg,
            hash,
            buckets,
            active,
        }
    }
}

impl Locator for BucketLocator {
    fn locate(&self, key: &[u8]) -> usize {
        self.buckets.locate(key)
    }
    fn algorithm(&self) -> HashAlgorithm {
        self.alg
    }
    fn hash_fn(&self) -> HashFn {
        self.hash
    }
    fn memory_bytes(&self) -> usize {
        self.buckets.memory_bytes()
    }
    fn structure(&self) -> Structure<'_> {
        Structure::Buckets(self.buckets.owners())
    }
    fn replicas(&self, key: &[u8], n: usize, out: &mut Vec<usize>) {
        let b = &self.buckets;
        let at = |h| b.owners()[b.bucket_of_hash(h)] as usize;
        replicas::perturbed_walk(b.key_hash(key), n, &self.active, at, out);
    }
}

struct RendezvousLocator {
    hash: HashFn,
    inner: Rendezvous,
}

impl Locator for RendezvousLocator {
    fn locate(&self, key: &[u8]) -> usize {
        self.inner.locate(key)
    }
    fn algorithm(&self) -> HashAlgorithm {
        HashAlgorithm::Rendezvous
    }
    fn hash_fn(&self) -> HashFn {
        self.hash
    }
    fn memory_bytes(&self) -> usize {
        self.inner.memory_bytes()
    }
    fn structure(&self) -> Structure<'_> {
        Structure::Scores
    }
    fn replicas(&self, key: &[u8], n: usize, out: &mut Vec<usize>) {
        self.inner.replicas(key, n, out);
    }
}

struct MaglevLocator {
    alg: HashAlgorithm,
    hash: HashFn,
    inner: Maglev,
    active: Vec<usize>,
}

impl MaglevLocator {
    fn new(alg: HashAlgorithm, hash: HashFn, inner: Maglev) -> Self {
        let active = distinct_owners(inner.table());
        MaglevLocator {
            alg,
            hash,
            inner,
            active,
        }
    }
}

impl Locator for MaglevLocator {
    fn locate(&self, key: &[u8]) -> usize {
        self.inner.locate(key)
    }
    fn algorithm(&self) -> HashAlgorithm {
        self.alg
    }
    fn hash_fn(&self) -> HashFn {
        self.hash
    }
    fn memory_bytes(&self) -> usize {
        self.inner.memory_bytes()
    }
    fn structure(&self) -> Structure<'_> {
        Structure::Table(self.inner.table())
    }
    fn replicas(&self, key: &[u8], n: usize, out: &mut Vec<usize>) {
        let m = &self.inner;
        replicas::perturbed_walk(m.key_hash(key), n, &self.active, |h| m.locate_hash(h), out);
    }
}

/// The `bounded` locator: `locate` is the unloaded first choice; the load-aware pick and the
/// key-order placement are on [`Bounded`] (reach it with `as_bounded` or deref).
pub struct BoundedLocator {
    hash: HashFn,
    inner: Bounded,
}

impl std::ops::Deref for BoundedLocator {
    type Target = Bounded;
    fn deref(&self) -> &Bounded {
        &self.inner
    }
}

impl Locator for BoundedLocator {
    fn locate(&self, key: &[u8]) -> usize {
        self.inner.locate(key)
    }
    fn algorithm(&self) -> HashAlgorithm {
        HashAlgorithm::Bounded
    }
    fn hash_fn(&self) -> HashFn {
        self.hash
    }
    fn memory_bytes(&self) -> usize {
        self.inner.memory_bytes()
    }
    fn structure(&self) -> Structure<'_> {
        Structure::Ring(self.inner.ring().view())
    }
    fn replicas(&self, key: &[u8], n: usize, out: &mut Vec<usize>) {
        replicas::ring_walk(self.inner.ring(), key, n, out);
    }
    fn as_bounded(&self) -> Option<&Bounded> {
        Some(&self.inner)
    }
}
