//! The hash functions other load balancers use, so that `ring` can speak their dialects byte
//! for byte: HAProxy's string hashes (sdbm, djb2, wt6; src/hash.c) and its integer avalanche
//! (`full_hash`, include/haproxy/intops.h), and xxHash64 as Envoy calls it
//! (`HashUtil::xxHash64`, seed 0; maglev's skip uses seed 1). The xxHash itself is the
//! xxhash-rust crate; the HAProxy functions are a few lines each, checked below.

/// xxHash64 with a seed (Envoy: `HashUtil::xxHash64(key, seed)`, default seed 0).
#[inline]
pub fn xxh64(data: &[u8], seed: u64) -> u64 {
    xxhash_rust::xxh64::xxh64(data, seed)
}

/// sdbm, HAProxy's default `hash-type` function (src/hash.c `hash_sdbm`).
#[inline]
pub fn sdbm(data: &[u8]) -> u32 {
    data.iter().fold(0u32, |h, &c| {
        (c as u32)
            .wrapping_add(h << 6)
            .wrapping_add(h << 16)
            .wrapping_sub(h)
    })
}

/// djb2 (Bernstein, h*33 + c from 5381), HAProxy src/hash.c `hash_djb2`.
#[inline]
pub fn djb2(data: &[u8]) -> u32 {
    data.iter().fold(5381u32, |h, &c| {
        (h << 5).wrapping_add(h).wrapping_add(c as u32)
    })
}

/// wt6 (Willy Tarreau's 2013 hash for consistent hashing), HAProxy src/hash.c `hash_wt6`:
/// two 32-bit states rotated by data-dependent steps.
pub fn wt6(data: &[u8]) -> u32 {
    let (mut h0, mut h1): (u32, u32) = (0xa53c_965a, 0x5ca6_953a);
    let (mut step0, mut step1): (u32, u32) = (6, 18);
    for &c in data {
        let t = c as u32;
        h0 = !(h0 ^ t);
        h1 = !(h1.wrapping_add(t));
        let t = h1.rotate_left(step0);
        h1 = h0.rotate_left(step1);
        h0 = t;
        let t = ((h0 >> 16) ^ h1) & 0xffff;
        step0 = t & 0x1f;
        step1 = t >> 11;
    }
    h0 ^ h1
}

/// HAProxy's `full_hash`: one of Bob Jenkins' 32-bit integer avalanche functions, then a
/// multiply by 3221225473 (include/haproxy/intops.h `__full_hash`). Places chash points and
/// implements the `avalanche` hash-type modifier.
#[inline]
pub fn full_hash(a: u32) -> u32 {
    let mut a = a;
    a = a.wrapping_add(0x7ed5_5d16).wrapping_add(a << 12);
    a = (a ^ 0xc761_c23c) ^ (a >> 19);
    a = a.wrapping_add(0x1656_67b1).wrapping_add(a << 5);
    a = a.wrapping_add(0xd3a2_646c) ^ (a << 9);
    a = a.wrapping_add(0xfd70_46c5).wrapping_add(a << 3);
    a = (a ^ 0xb55a_4f09) ^ (a >> 16);
    a.wrapping_mul(3_221_225_473)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xxh64_reference_vectors() {
        // xxHash spec / reference implementation: XXH64("", 0) and XXH64("a", 0).
        assert_eq!(xxh64(b"", 0), 0xef46_db37_51d8_e999);
        assert_eq!(xxh64(b"a", 0), 0xd24e_c4f1_a98c_6e5b);
    }

    #[test]
    fn haproxy_string_hashes_by_their_definitions() {
        // Empty inputs return the initial states.
        assert_eq!(sdbm(b""), 0);
        assert_eq!(djb2(b""), 5381);
        assert_eq!(wt6(b""), 0xa53c_965a ^ 0x5ca6_953a);
        // One step by hand: sdbm('a') = 97; djb2('a') = 5381*33 + 97 = 177670.
        assert_eq!(sdbm(b"a"), 97);
        assert_eq!(djb2(b"a"), 177_670);
        // Two steps: sdbm("ab") = 98 + 97*(2^6 + 2^16 - 1); djb2("ab") = 177670*33 + 98.
        assert_eq!(sdbm(b"ab"), 98 + 97 * (64 + 65536 - 1));
        assert_eq!(djb2(b"ab"), 177_670 * 33 + 98);
    }

    #[test]
    fn full_hash_is_a_bijection_sample() {
        // Jenkins' steps are invertible and 3221225473 is odd, so no two inputs collide.
        let mut seen: Vec<u32> = (0..4096u32).map(full_hash).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), 4096);
    }
}
