//! The key hash functions selectable with `--hash`: each maps a byte string to a position in a
//! 32- or 64-bit hash space. Used by every algorithm in `balance::hash` (ketama and nginx pin
//! their own: md5 and crc32). Crates: md-5, crc32fast, xxhash-rust (xxh3, xxh64), siphasher; FNV-1a
//! and murmur3 (x86_32) are a few lines each and written here, checked against published vectors;
//! HAProxy's sdbm, djb2 and wt6 are in `compat_hash.rs`.

use std::fmt;
use std::str::FromStr;

/// A hash function for keys (and, for ring algorithms, for server points).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HashFn {
    /// MD5, first 8 digest bytes as a little-endian u64 (ketama uses the first 4).
    Md5,
    /// CRC-32 (IEEE), a 32-bit space (nginx, twemproxy crc32, Go hash/crc32).
    Crc32,
    /// FNV-1a 64-bit.
    Fnv1a64,
    /// XXH3 64-bit, seed 0: the fastest here.
    Xxh3,
    /// SipHash-2-4 with keys (0, 0), as go-maglev hashes keys.
    Siphash,
    /// MurmurHash3 x86_32, seed 0: a 32-bit space.
    Murmur3,
    /// xxHash64, seed 0 (Envoy's `HashUtil::xxHash64`).
    Xxh64,
    /// sdbm, 32-bit (HAProxy's default `hash-type` function).
    Sdbm,
    /// djb2, 32-bit (HAProxy `hash-type ... djb2`).
    Djb2,
    /// wt6, 32-bit (HAProxy `hash-type ... wt6`).
    Wt6,
    /// No hashing: the key is a decimal u64 (jump only).
    None,
}

impl HashFn {
    /// Every hash function, in `--hash` order.
    pub const ALL: [HashFn; 11] = [
        HashFn::Md5,
        HashFn::Crc32,
        HashFn::Fnv1a64,
        HashFn::Xxh3,
        HashFn::Siphash,
        HashFn::Murmur3,
        HashFn::Xxh64,
        HashFn::Sdbm,
        HashFn::Djb2,
        HashFn::Wt6,
        HashFn::None,
    ];

    /// The name used on the command line and in output.
    pub fn name(self) -> &'static str {
        match self {
            HashFn::Md5 => "md5",
            HashFn::Crc32 => "crc32",
            HashFn::Fnv1a64 => "fnv1a64",
            HashFn::Xxh3 => "xxh3",
            HashFn::Siphash => "siphash",
            HashFn::Murmur3 => "murmur3",
            HashFn::Xxh64 => "xxh64",
            HashFn::Sdbm => "sdbm",
            HashFn::Djb2 => "djb2",
            HashFn::Wt6 => "wt6",
            HashFn::None => "none",
        }
    }

    /// Width of the hash space in bits (32 or 64).
    pub fn bits(self) -> u32 {
        match self {
            HashFn::Crc32 | HashFn::Murmur3 | HashFn::Sdbm | HashFn::Djb2 | HashFn::Wt6 => 32,
            _ => 64,
        }
    }

    /// Hash `key` into this function's space. `None` reads the key as a decimal u64; a key that
    /// is not one maps to 0 (callers validate keys first with [`HashFn::check_key`]).
    #[inline]
    pub fn hash(self, key: &[u8]) -> u64 {
        match self {
            HashFn::Md5 => {
                let d = md5(key);
                u64::from_le_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]])
            }
            HashFn::Crc32 => crc32fast::hash(key) as u64,
            HashFn::Fnv1a64 => fnv1a64(key),
            HashFn::Xxh3 => xxhash_rust::xxh3::xxh3_64(key),
            HashFn::Siphash => siphash24(0, 0, key),
            HashFn::Murmur3 => murmur3_32(key, 0) as u64,
            HashFn::Xxh64 => super::compat_hash::xxh64(key, 0),
            HashFn::Sdbm => super::compat_hash::sdbm(key) as u64,
            HashFn::Djb2 => super::compat_hash::djb2(key) as u64,
            HashFn::Wt6 => super::compat_hash::wt6(key) as u64,
            HashFn::None => parse_u64(key).unwrap_or(0),
        }
    }

    /// Whether `key` can be hashed meaningfully: only `none` rejects anything (non-decimal keys).
    pub fn check_key(self, key: &[u8]) -> Result<(), String> {
        if self == HashFn::None && parse_u64(key).is_none() {
            return Err(format!(
                "key '{}' is not a decimal number from 0 to {}, which --hash none requires",
                String::from_utf8_lossy(key),
                u64::MAX
            ));
        }
        Ok(())
    }
}

impl fmt::Display for HashFn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for HashFn {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        HashFn::ALL
            .into_iter()
            .find(|h| h.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                format!(
                    "unknown hash '{s}'; expected one of md5, crc32, fnv1a64, xxh3, siphash, murmur3, xxh64, sdbm, djb2, wt6, none"
                )
            })
    }
}

/// The 16-byte MD5 digest.
#[inline]
pub fn md5(data: &[u8]) -> [u8; 16] {
    use md5::Digest;
    md5::Md5::digest(data).into()
}

/// SipHash-2-4 with the 128-bit key (k0, k1), no length prefix.
#[inline]
pub fn siphash24(k0: u64, k1: u64, data: &[u8]) -> u64 {
    siphasher::sip::SipHasher24::new_with_keys(k0, k1).hash(data)
}

/// FNV-1a, 64-bit (<http://www.isthe.com/chongo/tech/comp/fnv/>).
#[inline]
pub fn fnv1a64(data: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in data {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// MurmurHash3 x86_32 (Austin Appleby, smhasher MurmurHash3.cpp).
pub fn murmur3_32(data: &[u8], seed: u32) -> u32 {
    const C1: u32 = 0xcc9e_2d51;
    const C2: u32 = 0x1b87_3593;
    let mut h = seed;
    let mut chunks = data.chunks_exact(4);
    for c in &mut chunks {
        let mut k = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        k = k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
        h ^= k;
        h = h.rotate_left(13).wrapping_mul(5).wrapping_add(0xe654_6b64);
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        let mut k: u32 = 0;
        for (i, &b) in tail.iter().enumerate() {
            k |= (b as u32) << (8 * i);
        }
        k = k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
        h ^= k;
    }
    h ^= data.len() as u32;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^ (h >> 16)
}

/// A decimal u64 without sign, spaces or overflow.
#[inline]
pub fn parse_u64(key: &[u8]) -> Option<u64> {
    if key.is_empty() || key.len() > 20 {
        return None;
    }
    let mut v: u64 = 0;
    for &b in key {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add((b - b'0') as u64)?;
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_vectors() {
        // FNV-1a 64: the reference test suite (fnv test vectors, "a" and "foobar").
        assert_eq!(fnv1a64(b""), 0xcbf29ce484222325);
        assert_eq!(fnv1a64(b"a"), 0xaf63dc4c8601ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x85944171f73967e8);
        // MurmurHash3 x86_32: smhasher / Wikipedia vectors.
        assert_eq!(murmur3_32(b"", 0), 0);
        assert_eq!(murmur3_32(b"", 1), 0x514e28b7);
        assert_eq!(murmur3_32(b"hello", 0), 0x248bfa47);
        assert_eq!(
            murmur3_32(b"The quick brown fox jumps over the lazy dog", 0),
            0x2e4ff723
        );
        // CRC-32 (IEEE) check value.
        assert_eq!(HashFn::Crc32.hash(b"123456789"), 0xcbf43926);
        // SipHash-2-4 paper vector: key 00..0f, message 00..0e.
        let k0 = u64::from_le_bytes([0, 1, 2, 3, 4, 5, 6, 7]);
        let k1 = u64::from_le_bytes([8, 9, 10, 11, 12, 13, 14, 15]);
        let msg: Vec<u8> = (0..15).collect();
        assert_eq!(siphash24(k0, k1, &msg), 0xa129ca6149be45e5);
        // MD5 RFC 1321 "abc".
        assert_eq!(md5(b"abc")[..4], [0x90, 0x01, 0x50, 0x98]);
        // XXH3-64 of the empty input, seed 0.
        assert_eq!(HashFn::Xxh3.hash(b""), 0x2d06800538d394c2);
    }

    #[test]
    fn decimal_keys() {
        assert_eq!(parse_u64(b"0"), Some(0));
        assert_eq!(parse_u64(b"18446744073709551615"), Some(u64::MAX));
        for bad in [
            &b""[..],
            b"-1",
            b"1 ",
            b"18446744073709551616",
            b"x",
            b"1.5",
        ] {
            assert_eq!(parse_u64(bad), None, "{bad:?}");
            assert!(HashFn::None.check_key(bad).is_err());
        }
        assert!(HashFn::Xxh3.check_key(b"anything").is_ok());
    }

    #[test]
    fn names_round_trip() {
        for h in HashFn::ALL {
            assert_eq!(h.name().parse::<HashFn>().unwrap(), h);
        }
        assert!(
            "sha1"
                .parse::<HashFn>()
                .unwrap_err()
                .contains("expected one of")
        );
    }
}
