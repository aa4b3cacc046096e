//! The vocabulary every algorithm of this module shares, below all of them: which algorithm
//! ([`HashAlgorithm`], as `--algorithm` names it), one server as the algorithms see it
//! ([`HashServer`]), and why a locator could not be built ([`HashError`]).

use super::hashfn::HashFn;
use std::fmt;
use std::str::FromStr;

/// The algorithms, as named by `--algorithm`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HashAlgorithm {
    /// hash(key) % n: the "IP hash" baseline; almost every key moves when n changes.
    Modulo,
    /// libketama / uhashring compatible (md5, 160 points per server at equal weights).
    Ketama,
    /// nginx `hash $key consistent` / pingora-ketama compatible (crc32, 160 points per weight).
    Nginx,
    /// Generic Karger ring: `--vnodes` points per server hashed with `--hash`.
    Ring,
    /// Jump consistent hash: no memory, but only the last server can be removed cleanly.
    Jump,
    /// Rendezvous / highest random weight: O(N) per key, minimal movement.
    Rendezvous,
    /// Maglev lookup table (prime `--table-size`): O(1) lookups, near-perfect balance.
    Maglev,
    /// Consistent hashing with bounded loads (`--balance-factor`): keys spill past full servers.
    Bounded,
    /// Envoy `ring_hash` (xxHash64, `--min-ring-size`/`--max-ring-size`), byte for byte.
    EnvoyRing,
    /// Envoy `maglev` (xxHash64 permutations, weighted fill, `--table-size`), byte for byte.
    EnvoyMaglev,
    /// HAProxy `hash-type consistent [FUNC]` (16 points per weight, nearest point), byte for
    /// byte with the default `hash-key id`. Without `--hash` it is HAProxy's bare
    /// `hash-type consistent`, which is sdbm WITH avalanche; `--hash sdbm|djb2|wt6|crc32|none`
    /// is `hash-type consistent FUNC` (no avalanche).
    Haproxy,
    /// HAProxy `hash-type consistent ... avalanche`: the key hash goes through `full_hash`.
    HaproxyAvalanche,
}

impl HashAlgorithm {
    /// Every algorithm, in `--algorithm` order.
    pub const ALL: [HashAlgorithm; 12] = [
        HashAlgorithm::Modulo,
        HashAlgorithm::Ketama,
        HashAlgorithm::Nginx,
        HashAlgorithm::Ring,
        HashAlgorithm::Jump,
        HashAlgorithm::Rendezvous,
        HashAlgorithm::Maglev,
        HashAlgorithm::Bounded,
        HashAlgorithm::EnvoyRing,
        HashAlgorithm::EnvoyMaglev,
        HashAlgorithm::Haproxy,
        HashAlgorithm::HaproxyAvalanche,
    ];

    pub fn name(self) -> &'static str {
        match self {
            HashAlgorithm::Modulo => "modulo",
            HashAlgorithm::Ketama => "ketama",
            HashAlgorithm::Nginx => "nginx",
            HashAlgorithm::Ring => "ring",
            HashAlgorithm::Jump => "jump",
            HashAlgorithm::Rendezvous => "rendezvous",
            HashAlgorithm::Maglev => "maglev",
            HashAlgorithm::Bounded => "bounded",
            HashAlgorithm::EnvoyRing => "envoy-ring",
            HashAlgorithm::EnvoyMaglev => "envoy-maglev",
            HashAlgorithm::Haproxy => "haproxy",
            HashAlgorithm::HaproxyAvalanche => "haproxy-avalanche",
        }
    }

    /// The key hash used when `--hash` is not given.
    pub fn default_hash(self) -> HashFn {
        match self {
            HashAlgorithm::Modulo | HashAlgorithm::Nginx => HashFn::Crc32,
            HashAlgorithm::Ketama => HashFn::Md5,
            HashAlgorithm::Ring | HashAlgorithm::Jump | HashAlgorithm::Bounded => HashFn::Xxh3,
            HashAlgorithm::Rendezvous => HashFn::Fnv1a64,
            HashAlgorithm::Maglev => HashFn::Siphash,
            HashAlgorithm::EnvoyRing | HashAlgorithm::EnvoyMaglev => HashFn::Xxh64,
            HashAlgorithm::Haproxy | HashAlgorithm::HaproxyAvalanche => HashFn::Sdbm,
        }
    }

    /// Whether `--hash` can be chosen (ketama, nginx and Envoy's are defined by their hash;
    /// HAProxy's offer only its own list, [`HashAlgorithm::offered_hashes`]).
    pub fn hash_selectable(self) -> bool {
        !matches!(
            self,
            HashAlgorithm::Ketama
                | HashAlgorithm::Nginx
                | HashAlgorithm::EnvoyRing
                | HashAlgorithm::EnvoyMaglev
        )
    }

    /// The key hashes this algorithm accepts when it restricts them (HAProxy's `hash-type`
    /// functions); None when any selectable hash goes.
    pub fn offered_hashes(self) -> Option<&'static [HashFn]> {
        match self {
            HashAlgorithm::Haproxy | HashAlgorithm::HaproxyAvalanche => Some(&[
                HashFn::Sdbm,
                HashFn::Djb2,
                HashFn::Wt6,
                HashFn::Crc32,
                HashFn::None,
            ]),
            _ => None,
        }
    }

    /// Whether the structure is a ring of points (exact arc shares are available).
    pub fn is_ring(self) -> bool {
        matches!(
            self,
            HashAlgorithm::Ketama
                | HashAlgorithm::Nginx
                | HashAlgorithm::Ring
                | HashAlgorithm::Bounded
                | HashAlgorithm::EnvoyRing
                | HashAlgorithm::Haproxy
                | HashAlgorithm::HaproxyAvalanche
        )
    }
}

impl fmt::Display for HashAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for HashAlgorithm {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        HashAlgorithm::ALL
            .into_iter()
            .find(|a| a.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                format!(
                    "unknown algorithm '{s}'; expected one of modulo, ketama, nginx, ring, jump, rendezvous, maglev, bounded, envoy-ring, envoy-maglev, haproxy, haproxy-avalanche"
                )
            })
    }
}

/// One server as the algorithms see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashServer {
    /// What gets hashed (ketama hashes `"<name>-<k>"`; nginx splits HOST:PORT from it).
    pub name: String,
    /// Relative weight; 0 = drained (keeps its index, gets no keys).
    pub weight: u32,
}

impl HashServer {
    pub fn new(name: impl Into<String>, weight: u32) -> Self {
        HashServer {
            name: name.into(),
            weight,
        }
    }
}

/// Why a locator could not be built. Every message says what was wrong and what is expected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HashError {
    #[error("the server list is empty; give at least one server")]
    NoServers,
    #[error("server name '{0}' appears twice; every server needs a unique name")]
    DuplicateName(String),
    #[error("a server name is empty; every server needs a name")]
    EmptyName,
    #[error("every server has weight 0; at least one needs a positive weight to receive keys")]
    AllDrained,
    #[error(
        "--hash {hash} does not apply to {algorithm}: it always uses {fixed} to stay compatible"
    )]
    HashFixed {
        algorithm: HashAlgorithm,
        hash: HashFn,
        fixed: HashFn,
    },
    #[error("--hash none (keys read as decimal numbers) only applies to jump, not {0}")]
    HashNoneUnsupported(HashAlgorithm),
    #[error("maglev table size {0} is not prime; use a prime such as 65537 or 655373")]
    TableNotPrime(u64),
    #[error(
        "maglev table size {size} is smaller than the {servers} servers; use a prime of at least {servers} (ideally 100x more)"
    )]
    TableTooSmall { size: u64, servers: usize },
    #[error("maglev table size {size} is above the maximum {max}")]
    TableTooLarge { size: u64, max: u64 },
    #[error("--vnodes must be at least 1")]
    ZeroVnodes,
    #[error("--balance-factor must be a number above 1.0 (got {0}); 1.25 is typical")]
    BadBalanceFactor(f64),
    #[error(
        "the weights expand to {buckets} buckets, above the maximum {max}; use smaller weights or ones with a common divisor"
    )]
    TooManyBuckets { buckets: u64, max: u64 },
    #[error(
        "the ring would have {points} points, above the maximum {max}; use smaller weights or fewer --vnodes"
    )]
    TooManyPoints { points: u64, max: u64 },
    #[error("--hash {hash} does not apply to {algorithm}; it offers {offered}")]
    HashNotOffered {
        algorithm: HashAlgorithm,
        hash: HashFn,
        offered: String,
    },
    #[error(
        "ring size bounds {min}..{max} are invalid; --min-ring-size must be at least 1 and at most --max-ring-size"
    )]
    BadRingSize { min: u64, max: u64 },
    #[error("server '{name}' has weight {weight}, above this algorithm's maximum {max}")]
    WeightTooLarge { name: String, weight: u32, max: u32 },
}

/// Number of servers with weight > 0 and the sum of their weights.
pub(crate) fn active_weight_sum(servers: &[HashServer]) -> (usize, u64) {
    servers
        .iter()
        .filter(|s| s.weight > 0)
        .fold((0, 0), |(n, w), s| (n + 1, w + s.weight as u64))
}
