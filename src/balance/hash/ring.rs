//! Sorted hash rings (Karger et al., STOC'97): points on a 2^32 or 2^64 circle, each owned by a
//! server; a key belongs to the first point at or after its hash, wrapping to the first point.
//! Three builders share one structure: libketama (md5), nginx `hash consistent` (crc32 chain)
//! and a generic ring with `--vnodes`/`--hash`. Also the exact arc arithmetic `ring stats` and
//! `ring diff` report (ownership fractions and moved fractions, computed, never sampled).

use super::hashfn::{HashFn, md5};
use super::types::{HashError, HashServer, active_weight_sum};

/// Upper bound on points in one ring (memory stays under ~200 MB).
pub const MAX_POINTS: usize = 16_000_000;

/// How a ring hashes keys onto its circle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyHash {
    /// libketama: first 4 bytes of md5(key), little-endian.
    Ketama,
    /// Any `--hash` function, in its own space width.
    Fn(HashFn),
    /// HAProxy `hash-type consistent FUNC [avalanche]`: a 32-bit FUNC(key), then HAProxy's
    /// `full_hash` when `avalanche` (src/backend.c `get_server_uh` and friends).
    Haproxy { func: HashFn, avalanche: bool },
}

impl KeyHash {
    #[inline]
    pub fn hash(self, key: &[u8]) -> u64 {
        match self {
            KeyHash::Ketama => {
                let d = md5(key);
                u32::from_le_bytes([d[0], d[1], d[2], d[3]]) as u64
            }
            KeyHash::Fn(f) => f.hash(key),
            KeyHash::Haproxy { func, avalanche } => {
                let h = func.hash(key) as u32;
                (if avalanche {
                    super::compat_hash::full_hash(h)
                } else {
                    h
                }) as u64
            }
        }
    }
}

/// A sorted ring: `points[i]` owned by server `owners[i]` (index into the server slice).
#[derive(Debug, Clone)]
pub struct Ring {
    points: Vec<u64>,
    owners: Vec<u32>,
    bits: u32,
    key_hash: KeyHash,
}

/// A read-only view of a ring for inspection (`ring show`, exact shares).
#[derive(Debug, Clone, Copy)]
pub struct RingView<'a> {
    /// Sorted point positions.
    pub points: &'a [u64],
    /// Owner (server index) of each point.
    pub owners: &'a [u32],
    /// The circle is 2^bits positions around.
    pub bits: u32,
}

impl Ring {
    /// Build from unsorted (position, owner) pairs; sorts and drops duplicate positions (the
    /// lowest server index keeps a contested position, as the first one listed).
    pub(super) fn from_pairs(
        mut pairs: Vec<(u64, u32)>,
        bits: u32,
        key_hash: KeyHash,
    ) -> Result<Ring, HashError> {
        if pairs.is_empty() {
            return Err(HashError::AllDrained);
        }
        pairs.sort_unstable();
        pairs.dedup_by_key(|p| p.0);
        Ok(Ring {
            points: pairs.iter().map(|p| p.0).collect(),
            owners: pairs.iter().map(|p| p.1).collect(),
            bits,
            key_hash,
        })
    }

    /// libketama: per server floorf(w/sum_w * 40 * N) md5 digests of `"<name>-<k>"`, 4 LE u32
    /// points each (RJ/ketama libketama/ketama.c `ketama_create_continuum`). N counts only the
    /// servers with a positive weight, so draining one equals removing it.
    pub fn ketama(servers: &[HashServer]) -> Result<Ring, HashError> {
        let (active, sum) = active_weight_sum(servers);
        let mut pairs = Vec::new();
        for (i, s) in servers.iter().enumerate().filter(|(_, s)| s.weight > 0) {
            // libketama computes pct in float, the product in double, then floorf.
            let pct = s.weight as f32 / sum as f32;
            let ks = ((pct as f64) * 40.0 * (active as f32 as f64)) as f32;
            let ks = ks.floor() as u64;
            check_points(pairs.len() as u64 + ks * 4)?;
            let mut buf = String::with_capacity(s.name.len() + 8);
            for k in 0..ks {
                buf.clear();
                buf.push_str(&s.name);
                buf.push('-');
                buf.push_str(&k.to_string());
                let d = md5(buf.as_bytes());
                for h in 0..4 {
                    let p =
                        u32::from_le_bytes([d[4 * h], d[4 * h + 1], d[4 * h + 2], d[4 * h + 3]]);
                    pairs.push((p as u64, i as u32));
                }
            }
        }
        Ring::from_pairs(pairs, 32, KeyHash::Ketama)
    }

    /// nginx `hash $key consistent` (ngx_http_upstream_hash_module.c, `update_chash`): base =
    /// crc32 state over HOST, "\0", PORT; weight*160 points, each crc32(base + previous point as
    /// 4 LE bytes). HOST/PORT split like nginx: the trailing digits after the last ':'.
    pub fn nginx(servers: &[HashServer]) -> Result<Ring, HashError> {
        let mut pairs = Vec::new();
        for (i, s) in servers.iter().enumerate().filter(|(_, s)| s.weight > 0) {
            let n = s.weight as u64 * 160;
            check_points(pairs.len() as u64 + n)?;
            let (host, port) = nginx_split(&s.name);
            let mut base = crc32fast::Hasher::new();
            base.update(host.as_bytes());
            base.update(b"\0");
            base.update(port.as_bytes());
            let mut prev: u32 = 0;
            for _ in 0..n {
                let mut h = base.clone();
                h.update(&prev.to_le_bytes());
                prev = h.finalize();
                pairs.push((prev as u64, i as u32));
            }
        }
        Ring::from_pairs(pairs, 32, KeyHash::Fn(HashFn::Crc32))
    }

    /// A generic ring: server i gets round(vnodes * w_i * N / sum_w) points (at least one),
    /// point k at `hash("<name>-<k>")`; so equal weights give `vnodes` points each.
    pub fn generic(servers: &[HashServer], vnodes: u32, hash: HashFn) -> Result<Ring, HashError> {
        if vnodes == 0 {
            return Err(HashError::ZeroVnodes);
        }
        let (active, sum) = active_weight_sum(servers);
        let mut pairs = Vec::new();
        let mut buf = String::new();
        for (i, s) in servers.iter().enumerate().filter(|(_, s)| s.weight > 0) {
            let n = (vnodes as f64 * s.weight as f64 * active as f64 / sum as f64)
                .round()
                .max(1.0) as u64;
            check_points(pairs.len() as u64 + n)?;
            for k in 0..n {
                buf.clear();
                buf.push_str(&s.name);
                buf.push('-');
                buf.push_str(&k.to_string());
                pairs.push((hash.hash(buf.as_bytes()), i as u32));
            }
        }
        Ring::from_pairs(pairs, hash.bits(), KeyHash::Fn(hash))
    }

    /// Index of the point owning hash `h`: the first point >= h, wrapping to 0.
    #[inline]
    pub fn point_for(&self, h: u64) -> usize {
        let i = self.points.partition_point(|&p| p < h);
        if i == self.points.len() { 0 } else { i }
    }

    /// Hash a key onto the circle.
    #[inline]
    pub fn key_hash(&self, key: &[u8]) -> u64 {
        self.key_hash.hash(key)
    }

    /// The server owning `key`.
    #[inline]
    pub fn locate(&self, key: &[u8]) -> usize {
        self.owners[self.point_for(self.key_hash(key))] as usize
    }

    /// Owner of point index `i` (wrapping).
    #[inline]
    pub fn owner_at(&self, i: usize) -> usize {
        self.owners[i % self.owners.len()] as usize
    }

    pub fn len(&self) -> usize {
        self.points.len()
    }

    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    pub fn view(&self) -> RingView<'_> {
        RingView {
            points: &self.points,
            owners: &self.owners,
            bits: self.bits,
        }
    }

    pub fn memory_bytes(&self) -> usize {
        self.points.capacity() * 8 + self.owners.capacity() * 4 + std::mem::size_of::<Self>()
    }
}

fn check_points(n: u64) -> Result<(), HashError> {
    if n > MAX_POINTS as u64 {
        return Err(HashError::TooManyPoints {
            points: n,
            max: MAX_POINTS as u64,
        });
    }
    Ok(())
}

/// nginx's host/port split: if the name ends in ':' + digits, those digits are the port.
pub fn nginx_split(name: &str) -> (&str, &str) {
    if let Some(rest) = name.strip_prefix("unix:") {
        return (rest, "");
    }
    match name.rfind(':') {
        Some(i) if name[i + 1..].bytes().all(|b| b.is_ascii_digit()) => {
            (&name[..i], &name[i + 1..])
        }
        _ => (name, ""),
    }
}

impl RingView<'_> {
    /// Size of the circle as a float (2^bits).
    fn space(&self) -> f64 {
        2f64.powi(self.bits as i32)
    }

    /// The exact fraction of the hash space each server owns: point i owns `(p[i-1], p[i]]`,
    /// the first point also owns the wrap-around arc `(p[last], 2^bits) ∪ [0, p[0]]`.
    pub fn arc_shares(&self, servers: usize) -> Vec<f64> {
        let mut owned = vec![0u128; servers];
        let n = self.points.len();
        let space = 1u128 << self.bits;
        for i in 0..n {
            let len = if i == 0 {
                space - self.points[n - 1] as u128 + self.points[0] as u128
            } else {
                (self.points[i] - self.points[i - 1]) as u128
            };
            owned[self.owners[i] as usize] += len;
        }
        let space = self.space();
        owned.into_iter().map(|o| o as f64 / space).collect()
    }

    /// Up to `n` distinct owners met walking clockwise from point index `start` (wrapping),
    /// into `out` (cleared first): the replica list of a key that lands on that point.
    pub fn walk_from(&self, start: usize, n: usize, out: &mut Vec<usize>) {
        out.clear();
        let len = self.owners.len();
        for step in 0..len {
            if out.len() >= n {
                break;
            }
            let s = self.owners[(start + step) % len] as usize;
            if !out.contains(&s) {
                out.push(s);
            }
        }
    }

    /// Owner of hash position `h` on this ring.
    fn owner_of(&self, h: u64) -> u32 {
        let i = self.points.partition_point(|&p| p < h);
        self.owners[if i == self.points.len() { 0 } else { i }]
    }
}

/// The exact fraction of the hash space whose owner changes from ring `a` to ring `b`, owners
/// compared by name (`a_names[owner]` vs `b_names[owner]`). Both rings must share a space width.
/// Sweeps the union of both point sets: between consecutive boundaries the owners are constant.
pub fn moved_fraction(
    a: RingView<'_>,
    a_names: &[&str],
    b: RingView<'_>,
    b_names: &[&str],
) -> Option<f64> {
    if a.bits != b.bits || a.points.is_empty() || b.points.is_empty() {
        return None;
    }
    let mut bounds: Vec<u64> = Vec::with_capacity(a.points.len() + b.points.len());
    bounds.extend_from_slice(a.points);
    bounds.extend_from_slice(b.points);
    bounds.sort_unstable();
    bounds.dedup();
    let space = 1u128 << a.bits;
    let mut moved: u128 = 0;
    let n = bounds.len();
    for i in 0..n {
        // The interval (bounds[i-1], bounds[i]] (wrapping for i = 0) has the owners of bounds[i].
        let h = bounds[i];
        let len = if i == 0 {
            space - bounds[n - 1] as u128 + bounds[0] as u128
        } else {
            (bounds[i] - bounds[i - 1]) as u128
        };
        if a_names[a.owner_of(h) as usize] != b_names[b.owner_of(h) as usize] {
            moved += len;
        }
    }
    Some(moved as f64 / a.space())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn servers(names: &[&str]) -> Vec<HashServer> {
        names.iter().map(|n| HashServer::new(*n, 1)).collect()
    }

    #[test]
    fn shares_sum_to_one_and_moved_is_removed_share() {
        let a = servers(&["a:1", "b:1", "c:1"]);
        let ra = Ring::generic(&a, 50, HashFn::Xxh3).unwrap();
        let shares = ra.view().arc_shares(3);
        assert!((shares.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        let b = servers(&["a:1", "c:1"]);
        let rb = Ring::generic(&b, 50, HashFn::Xxh3).unwrap();
        let moved = moved_fraction(
            ra.view(),
            &["a:1", "b:1", "c:1"],
            rb.view(),
            &["a:1", "c:1"],
        )
        .unwrap();
        assert!(
            (moved - shares[1]).abs() < 1e-12,
            "{moved} vs {}",
            shares[1]
        );
        let same = moved_fraction(
            ra.view(),
            &["a:1", "b:1", "c:1"],
            ra.view(),
            &["a:1", "b:1", "c:1"],
        );
        assert_eq!(same, Some(0.0));
    }

    #[test]
    fn nginx_split_like_nginx() {
        assert_eq!(nginx_split("10.0.0.1:11211"), ("10.0.0.1", "11211"));
        assert_eq!(nginx_split("cache"), ("cache", ""));
        assert_eq!(nginx_split("[::1]:80"), ("[::1]", "80"));
        assert_eq!(nginx_split("unix:/tmp/s"), ("/tmp/s", ""));
    }
}
