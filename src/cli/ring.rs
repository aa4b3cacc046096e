//! `lbctl ring` arguments: five subcommands (lookup, stats, diff, compare, show) sharing flag
//! groups for the server list, the algorithm and its tuning, the keys, and the change to study.

use crate::balance::hash::{HashAlgorithm, HashFn};
use clap::{Args, Subcommand, ValueEnum};
use std::ffi::OsString;
use std::path::PathBuf;

const RING_HELP: &str = "\
Algorithms (-a), each weighted; default key hash in brackets:
  modulo      hash(key) % n, weights by expansion: the baseline that moves almost every key [crc32]
  ketama      libketama/uhashring: 40*N*w/sum md5 digests of \"NAME-k\", 4 points each [md5]
  nginx       nginx `hash $key consistent` / pingora-ketama: 160*weight crc32 points [crc32]
  ring        generic Karger ring, --vnodes points per server at hash(\"NAME-k\") [xxh3]
  jump        Lamping-Veach jump hash [xxh3; `--hash none` reads keys as decimal u64]. Only the
              LAST server can be removed without remapping others: removing a middle one moves most keys
  rendezvous  highest random weight, weighted by -w/ln(u) (go-rendezvous compatible) [fnv1a64]
  maglev      Maglev lookup table (NSDI'16), --table-size prime (go-maglev compatible) [siphash]
  bounded     consistent hashing with bounded loads, --balance-factor; keys placed in input
              order, spilling past full servers [xxh3]
  envoy-ring  Envoy ring_hash, byte for byte: xxHash64 of \"ADDR_i\", --min-ring-size (1024) and
              --max-ring-size (8M) scaled by normalised weight [xxh64]
  envoy-maglev  Envoy maglev, byte for byte: hosts sorted by key, xxHash64 seeds 0/1 for
              offset/skip, weighted fill, --table-size prime (65537) [xxh64]
  haproxy     HAProxy hash-type consistent, byte for byte (default hash-key id: server number
              = position in the list): 16 points per weight unit at full_hash(id*4096+j), keys go
              to the NEAREST point. No --hash = bare `hash-type consistent` (sdbm + avalanche);
              --hash sdbm|djb2|wt6|crc32|none = `hash-type consistent FUNC` [sdbm+avalanche]
  haproxy-avalanche  `hash-type consistent FUNC avalanche` [sdbm]

Servers: --server [NAME=]HOST:PORT[,weight=N] (repeatable), --servers-file F (one per line, #
comments) or --servers N (synthetic 10.0.0.1:11211 ... ). NAME is what gets hashed; weight 0
drains a server. Keys: KEY arguments, --keys-file F, --generate N, or stdin (one per line; raw
bytes, a trailing CR is dropped, empty lines are skipped).

Examples:
  lbctl ring lookup -a ketama -s 10.0.0.1:11211 -s 10.0.0.2:11211 user:42
  cat keys.txt | lbctl ring lookup -a maglev --servers-file pool.txt
  lbctl ring stats -a nginx --servers 10 --generate 100000
  lbctl ring diff -a jump --servers 10 --generate 100000 --remove 10.0.0.5:11211
  lbctl ring compare --servers 100 --generate 1000000 --remove 10.0.0.42:11211
  lbctl ring show -a ketama -s a=h1:1 -s b=h2:1,weight=2 --limit 10
  lbctl ring lookup -a ketama --servers 5 --replicas 3 user:42
  lbctl ring diff -a ring --servers 10 --generate 100000 --replicas 3 --add 10.0.0.99:11211
  lbctl ring tune -a ring --servers 20 --target-std 2%
  lbctl ring stats -a haproxy --servers 4 --keys-file hot.csv --counts

Replicas (--replicas N: N distinct servers per key, in preference order): rings walk
clockwise from the key's point skipping servers already chosen (uhashring `range`, Dynamo);
rendezvous takes the N best scores; maglev, envoy-maglev, modulo and jump retry with the key
hash perturbed as Envoy's maglev retries do (hash ^ (~0 - k + 1)). Rings, rendezvous and jump
change only the lists that contain an added or removed server.";

/// Inspect consistent-hash rings: where keys go, how even the split is, what moves on change.
#[derive(Debug, Args)]
#[command(after_help = RING_HELP)]
pub struct RingArgs {
    #[command(subcommand)]
    pub command: RingCommand,
}

#[derive(Debug, Subcommand)]
pub enum RingCommand {
    /// Print the server of each key, streamed: `KEY<TAB>SERVER` per line.
    #[command(after_help = "Examples:
  lbctl ring lookup -a ketama -s 10.0.0.1:11211 -s 10.0.0.2:11211 user:1 user:2
  seq 1 1000000 | lbctl ring lookup -a jump --hash none --servers 10
  lbctl ring lookup -a nginx --servers-file pool.txt --keys-file keys.txt --output jsonl")]
    Lookup(LookupArgs),
    /// Keys per server against the share each weight deserves; exact hash-space shares.
    #[command(after_help = "Examples:
  lbctl ring stats -a ketama --servers 10 --generate 100000
  lbctl ring stats -a bounded --servers 5 --generate 100000 --distribution zipf:1.1
  lbctl ring stats -a maglev --servers-file pool.txt --keys-file keys.txt --output json")]
    Stats(StatsArgs),
    /// What moves when the server list changes: moved keys vs the ideal, and the flows.
    #[command(after_help = "Examples:
  lbctl ring diff -a ketama --servers 5 --generate 100000 --remove 10.0.0.3:11211
  lbctl ring diff -a maglev --servers 5 --generate 100000 --add 10.0.0.9:11211
  lbctl ring diff -a nginx -s a=h:1 -s b=h:2 --reweight b=3 --generate 1000 --list-moved")]
    Diff(DiffArgs),
    /// Every algorithm on the same servers, keys and change: balance, churn, speed, memory.
    #[command(after_help = "Examples:
  lbctl ring compare --servers 100 --generate 1000000 --remove 10.0.0.42:11211
  lbctl ring compare --servers-file pool.txt --keys-file keys.txt --add 10.0.9.9:11211 --output json")]
    Compare(CompareArgs),
    /// Sweep --vnodes (or the maglev table size, or Envoy's minimum ring size) and recommend
    /// the smallest setting whose load shares meet --target-std, with the whole sweep.
    #[command(after_help = "Examples:
  lbctl ring tune -a ring --servers 20 --target-std 2%
  lbctl ring tune -a maglev --servers 100 --target-std 0.5% --output json
  lbctl ring tune -a envoy-ring --servers-file pool.txt --target-std 5% --max-peak 1.1
  lbctl ring tune -a bounded --servers 10 --values 50,100,150,200")]
    Tune(TuneArgs),
    /// The structure itself: ring points, maglev table counts, jump/modulo buckets.
    #[command(after_help = "Examples:
  lbctl ring show -a ketama -s 10.0.0.1:11211 -s 10.0.0.2:11211 --limit 20
  lbctl ring show -a maglev --servers 3 --table-size 13 --limit 13")]
    Show(ShowArgs),
}

/// Where the server list comes from.
#[derive(Debug, Clone, Args)]
pub struct ServerArgs {
    /// A server, [NAME=]HOST:PORT[,weight=N] (repeatable). NAME (default HOST:PORT) is hashed.
    #[arg(short = 's', long = "server", value_name = "SPEC")]
    pub server: Vec<String>,

    /// File with one server spec per line (`#` comments, blank lines ignored).
    #[arg(long, value_name = "FILE")]
    pub servers_file: Option<PathBuf>,

    /// N synthetic servers named 10.0.0.1:11211, 10.0.0.2:11211, ... (weight 1), for experiments.
    #[arg(long = "servers", value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub servers: Option<u32>,
}

/// The algorithm and its key hash.
#[derive(Debug, Clone, Args)]
pub struct AlgoArgs {
    /// Algorithm (see `lbctl ring --help` for each one's compatibility and default hash).
    #[arg(short = 'a', long, value_enum, default_value_t = HashAlgorithm::Ketama, value_name = "ALGO")]
    pub algorithm: HashAlgorithm,

    /// Key hash, where the algorithm lets you choose (ketama is md5, nginx is crc32).
    /// `none` reads keys as decimal u64 (jump only).
    #[arg(long, value_enum, value_name = "HASH")]
    pub hash: Option<HashFn>,

    #[command(flatten)]
    pub tuning: TuningArgs,
}

/// Per-algorithm tuning.
#[derive(Debug, Clone, Args)]
pub struct TuningArgs {
    /// ring, bounded: points per server at equal weights (scaled by weight).
    #[arg(long, default_value_t = 160, value_name = "N")]
    pub vnodes: u32,

    /// maglev: lookup table size; a prime at least the server count (ideally 100x it).
    #[arg(long, default_value_t = 65537, value_name = "PRIME")]
    pub table_size: u64,

    /// bounded: capacity factor c > 1; no server takes more than ceil(c * keys * w/sum_w).
    #[arg(long, default_value_t = 1.25, value_name = "C")]
    pub balance_factor: f64,

    /// envoy-ring: Envoy's `minimum_ring_size` (entries; the least-weighted host gets a whole
    /// number of them).
    #[arg(long, default_value_t = 1024, value_name = "N")]
    pub min_ring_size: u64,

    /// envoy-ring: Envoy's `maximum_ring_size` (entries, at most 16000000).
    #[arg(long, default_value_t = 8_388_608, value_name = "N")]
    pub max_ring_size: u64,
}

/// Where keys come from.
#[derive(Debug, Clone, Args)]
pub struct KeyArgs {
    /// Keys to look up (raw bytes). Without any: --keys-file, --generate, or stdin.
    #[arg(value_name = "KEY")]
    pub keys: Vec<OsString>,

    /// Read keys from a file, one per line ("-" = stdin).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["keys", "generate"])]
    pub keys_file: Option<PathBuf>,

    /// Generate N keys from --key-pattern instead of reading any.
    #[arg(long, value_name = "N", conflicts_with = "keys")]
    pub generate: Option<u64>,

    /// Pattern of generated keys; `{i}` is replaced by the key number.
    #[arg(long, default_value = "user:{i}", value_name = "PATTERN")]
    pub key_pattern: String,

    /// Generated key numbers: `uniform` (0..N, each once) or `zipf:S` (N draws of ranks 1..N
    /// with Zipf exponent S > 0, e.g. zipf:1.1: a few hot keys).
    #[arg(long, default_value = "uniform", value_name = "DIST")]
    pub distribution: String,

    /// Seed for --distribution zipf (same seed, same keys).
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub seed: u64,
}

/// A change to the server list.
#[derive(Debug, Clone, Args)]
pub struct ChangeArgs {
    /// Add a server (repeatable), appended at the end of the list.
    #[arg(long, value_name = "SPEC")]
    pub add: Vec<String>,

    /// Remove the server with this name (repeatable).
    #[arg(long, value_name = "NAME")]
    pub remove: Vec<String>,

    /// Change a server's weight, NAME=W (repeatable; 0 drains it).
    #[arg(long, value_name = "NAME=W")]
    pub reweight: Vec<String>,

    /// Compare against this server list instead (one spec per line).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["add", "remove", "reweight"])]
    pub to_servers_file: Option<PathBuf>,
}

/// `lbctl ring lookup` output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LookupOutput {
    /// `KEY<TAB>SERVER` per line.
    Text,
    /// One JSON array of {"key", "server"} objects.
    Json,
    /// One {"key", "server"} object per line.
    Jsonl,
}

/// Report output formats (stats, diff, compare, show).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportOutput {
    /// A table for people.
    Table,
    /// One JSON document.
    Json,
}

#[derive(Debug, Args)]
pub struct LookupArgs {
    #[command(flatten)]
    pub servers: ServerArgs,
    #[command(flatten)]
    pub algo: AlgoArgs,
    #[command(flatten)]
    pub keys: KeyArgs,
    /// Print N distinct servers per key in preference order (`KEY<TAB>S1<TAB>S2...`; JSON
    /// adds "replicas"). See `lbctl ring --help` for each algorithm's rule.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub replicas: Option<u32>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = LookupOutput::Text)]
    pub output: LookupOutput,
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    #[command(flatten)]
    pub servers: ServerArgs,
    #[command(flatten)]
    pub algo: AlgoArgs,
    #[command(flatten)]
    pub keys: KeyArgs,
    /// Keys are `KEY,COUNT` lines (a hot-key histogram from logs; the count after the last
    /// comma): report request shares, peak-to-mean, and what bounded-load (--balance-factor)
    /// would spill off each key's first choice.
    #[arg(long)]
    pub counts: bool,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ReportOutput::Table)]
    pub output: ReportOutput,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    #[command(flatten)]
    pub servers: ServerArgs,
    #[command(flatten)]
    pub algo: AlgoArgs,
    #[command(flatten)]
    pub keys: KeyArgs,
    #[command(flatten)]
    pub change: ChangeArgs,
    /// Also print every moved key with its old and new server.
    #[arg(long)]
    pub list_moved: bool,
    /// Also compare N-server replica lists: moved replicas per position and keys whose
    /// replica set changed.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub replicas: Option<u32>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ReportOutput::Table)]
    pub output: ReportOutput,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    #[command(flatten)]
    pub servers: ServerArgs,
    #[command(flatten)]
    pub tuning: TuningArgs,
    #[command(flatten)]
    pub keys: KeyArgs,
    #[command(flatten)]
    pub change: ChangeArgs,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ReportOutput::Table)]
    pub output: ReportOutput,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    #[command(flatten)]
    pub servers: ServerArgs,
    #[command(flatten)]
    pub algo: AlgoArgs,
    /// Entries (points, slots, buckets) listed in the table; 0 lists them all. JSON lists all.
    #[arg(long, default_value_t = 32, value_name = "N")]
    pub limit: usize,
    /// Rings: also list the N-server replica list that starts at each point.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub replicas: Option<u32>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ReportOutput::Table)]
    pub output: ReportOutput,
}

#[derive(Debug, Args)]
pub struct TuneArgs {
    #[command(flatten)]
    pub servers: ServerArgs,
    #[command(flatten)]
    pub algo: AlgoArgs,
    /// Target balance: the standard deviation of the servers' exact hash-space shares, as a
    /// percentage of what their weights deserve (e.g. 2%).
    #[arg(long, default_value = "2%", value_name = "PCT")]
    pub target_std: String,
    /// Also require the busiest server's share / deserved share to be at most this (e.g. 1.05).
    #[arg(long, value_name = "RATIO")]
    pub max_peak: Option<f64>,
    /// Settings to sweep, comma-separated (default: a doubling ladder for the algorithm).
    #[arg(long, value_name = "N,N,...", value_delimiter = ',')]
    pub values: Vec<u64>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ReportOutput::Table)]
    pub output: ReportOutput,
}
