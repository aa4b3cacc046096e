//! Compatibility vectors for the Envoy and HAProxy dialects, taken from each project's own
//! tests and sources (cited per test). Envoy is not installable here, so its test files are the
//! reference; HAProxy is checked on the wire too (tests/integration/ring/haproxy.rs).

use super::*;

fn hosts(names: &[&str], weights: &[u32]) -> Vec<HashServer> {
    names
        .iter()
        .zip(weights)
        .map(|(n, w)| HashServer::new(*n, *w))
        .collect()
}

const ADDRS: [&str; 6] = [
    "127.0.0.1:90",
    "127.0.0.1:91",
    "127.0.0.1:92",
    "127.0.0.1:93",
    "127.0.0.1:94",
    "127.0.0.1:95",
];
const NAMES: [&str; 6] = ["90", "91", "92", "93", "94", "95"];

/// The server Envoy's `chooseHost(hash)` returns on `ring`.
fn ring_pick(ring: &Ring, h: u64) -> usize {
    ring.owner_at(ring.point_for(h))
}

fn check_envoy_ring(names: &[&str], expected: &[(usize, u64)], picks: &[(u64, usize)]) {
    let ring = envoy_ring(&hosts(names, &[1; 6]), 12, ENVOY_MAX_RING_SIZE).unwrap();
    let v = ring.view();
    let got: Vec<(usize, u64)> = v
        .points
        .iter()
        .zip(v.owners)
        .map(|(&p, &o)| (o as usize, p))
        .collect();
    assert_eq!(got, expected);
    for &(h, host) in picks {
        assert_eq!(ring_pick(&ring, h), host, "hash {h}");
    }
}

#[test]
fn envoy_ring_hash_by_address() {
    // test/extensions/load_balancing_policies/ring_hash/ring_hash_lb_test.cc,
    // TEST_P(RingHashLoadBalancerTest, Basic): minimum_ring_size 12, the ring and four picks.
    check_envoy_ring(
        &ADDRS,
        &[
            (4, 833437586790550860),
            (2, 928266305478181108),
            (0, 1033482794131418490),
            (5, 3551244743356806947),
            (3, 3851675632748031481),
            (1, 5583722120771150861),
            (1, 6311230543546372928),
            (3, 7700377290971790572),
            (5, 13144177310400110813),
            (2, 13444792449719432967),
            (4, 15516499411664133160),
            (0, 16117243373044804889),
        ],
        &[
            (0, 4),
            (u64::MAX, 4),
            (3551244743356806947, 5),
            (3551244743356806948, 3),
            (16117243373044804880, 0),
        ],
    );
}

#[test]
fn envoy_ring_hash_by_hostname() {
    // ring_hash_lb_test.cc, TEST_P(RingHashLoadBalancerTest, BasicWithHostname) (and
    // BasicWithMetadataHashKey: the hash_key metadata is hashed the same way).
    check_envoy_ring(
        &NAMES,
        &[
            (5, 1975508444536362413),
            (5, 2376063919839173711),
            (3, 2386806903309390596),
            (4, 6749904478991551885),
            (3, 6803900775736438537),
            (2, 7225015537174310577),
            (0, 8787465352164086522),
            (2, 11282020843382717940),
            (1, 13723418369486627818),
            (0, 13776502110861797421),
            (1, 14338313586354474791),
            (4, 15364271037087512980),
        ],
        &[
            (0, 5),
            (u64::MAX, 5),
            (7225015537174310577, 2),
            (6803900775736438537, 3),
        ],
    );
}

#[test]
fn envoy_ring_sizes_follow_min_and_max() {
    // ring_hash_lb.cc: scale = min(ceil(min_w * min_ring) / min_w, max_ring); running targets.
    let equal = hosts(&ADDRS, &[1; 6]);
    assert_eq!(
        envoy_ring_counts(&equal, 12, 100).unwrap(),
        (12, vec![2; 6])
    );
    // Default 1024 over 6 hosts: ceil(1024/6) = 171 per host, 1026 in all.
    let (size, counts) = envoy_ring_counts(&equal, 1024, ENVOY_MAX_RING_SIZE).unwrap();
    assert_eq!((size, counts.iter().sum::<u64>()), (1026, 1026));
    // The doc comment's example: 4 hosts, max ring 6 -> 1.5 each, filled 2, 1, 2, 1.
    let four = hosts(&ADDRS[..4], &[1; 4]);
    assert_eq!(
        envoy_ring_counts(&four, 6, 6).unwrap(),
        (6, vec![2, 1, 2, 1])
    );
    // Weights 1 and 3, min ring 8: min_w 0.25 -> scale 8 -> 2 and 6 entries.
    let w = hosts(&ADDRS[..2], &[1, 3]);
    assert_eq!(envoy_ring_counts(&w, 8, 100).unwrap().1, vec![2, 6]);
    assert!(matches!(
        envoy_ring_counts(&w, 20, 10),
        Err(HashError::BadRingSize { .. })
    ));
}

fn envoy_table(names: &[&str], weights: &[u32], m: u64) -> Vec<u32> {
    envoy_maglev_table(&hosts(names, weights), m).unwrap()
}

#[test]
fn envoy_maglev_tables() {
    // test/extensions/load_balancing_policies/maglev/maglev_lb_test.cc,
    // TEST_F(MaglevLoadBalancerTest, Basic): table size 7 over 127.0.0.1:90..95.
    assert_eq!(envoy_table(&ADDRS, &[1; 6], 7), vec![2, 4, 0, 1, 5, 0, 3]);
    // TEST_F(MaglevLoadBalancerTest, BasicWithHostName): the same hosts hashed by hostname.
    assert_eq!(envoy_table(&NAMES, &[1; 6], 7), vec![2, 5, 0, 3, 4, 1, 0]);
    // TEST_F(MaglevLoadBalancerTest, Weighted): weights 1 and 2, table size 17.
    assert_eq!(
        envoy_table(&ADDRS[..2], &[1, 2], 17),
        vec![1, 0, 0, 1, 0, 1, 1, 0, 1, 1, 1, 1, 1, 0, 1, 0, 1]
    );
    // TEST_F(MaglevLoadBalancerTest, BasicStability): the host order does not matter.
    let mut shuffled: Vec<&str> = ADDRS.to_vec();
    shuffled.reverse();
    let t = envoy_table(&shuffled, &[1; 6], 7);
    let by_name: Vec<&str> = t.iter().map(|&i| shuffled[i as usize]).collect();
    assert_eq!(
        by_name,
        [
            "127.0.0.1:92",
            "127.0.0.1:94",
            "127.0.0.1:90",
            "127.0.0.1:91",
            "127.0.0.1:95",
            "127.0.0.1:90",
            "127.0.0.1:93"
        ]
    );
}

#[test]
fn envoy_algorithms_hash_keys_with_xxh64() {
    let list = hosts(&ADDRS, &[1; 6]);
    let m = HashOptions {
        table_size: 7,
        ..Default::default()
    };
    let l = build(HashAlgorithm::EnvoyMaglev, &list, &m).unwrap();
    let table = [2usize, 4, 0, 1, 5, 0, 3];
    for k in ["a", "user:1", "/index.html"] {
        let slot = (xxh64(k.as_bytes(), 0) % 7) as usize;
        assert_eq!(l.locate(k.as_bytes()), table[slot], "{k}");
    }
    assert!(matches!(
        build(
            HashAlgorithm::EnvoyRing,
            &list,
            &HashOptions {
                hash: Some(HashFn::Md5),
                ..Default::default()
            }
        ),
        Err(HashError::HashFixed { .. })
    ));
}

#[test]
fn haproxy_hash_functions() {
    // Computed by compiling HAProxy v2.6.0's src/hash.c (hash_sdbm, hash_djb2, hash_wt6,
    // hash_crc32) and include/haproxy/intops.h (__full_hash) with gcc: (key, sdbm, djb2, wt6,
    // crc32, full_hash(sdbm)).
    let rows: [(&str, u32, u32, u32, u32, u32); 5] = [
        ("/", 47, 177620, 1886637733, 2043925204, 2118074832),
        (
            "/index.html",
            858007926,
            3776231887,
            822151038,
            3928116034,
            4217574924,
        ),
        (
            "/a/b/c?x=1",
            2104353286,
            1668099773,
            1199488226,
            3410995999,
            2777788116,
        ),
        (
            "haproxy", 248846773, 869782672, 2154904979, 1405960096, 3200903771,
        ),
        (
            "123456789",
            1755344949,
            902675330,
            2225171485,
            3421780262,
            3400502718,
        ),
    ];
    for (k, s, d, w, c, f) in rows {
        let k = k.as_bytes();
        assert_eq!(sdbm(k), s, "sdbm");
        assert_eq!(djb2(k), d, "djb2");
        assert_eq!(wt6(k), w, "wt6");
        assert_eq!(HashFn::Crc32.hash(k) as u32, c, "crc32");
        assert_eq!(full_hash(sdbm(k)), f, "full_hash");
    }
    assert_eq!(full_hash(0), 2874071335);
    assert_eq!(full_hash(1), 881230262);
}

#[test]
fn haproxy_offers_only_its_hash_functions() {
    let list = hosts(&ADDRS, &[1; 6]);
    for (h, ok) in [
        (HashFn::Sdbm, true),
        (HashFn::Djb2, true),
        (HashFn::Wt6, true),
        (HashFn::Crc32, true),
        (HashFn::None, true),
        (HashFn::Md5, false),
        (HashFn::Xxh3, false),
    ] {
        let o = HashOptions {
            hash: Some(h),
            ..Default::default()
        };
        let r = build(HashAlgorithm::HaproxyAvalanche, &list, &o);
        assert_eq!(r.is_ok(), ok, "{h}");
        if !ok {
            assert!(
                r.err()
                    .unwrap()
                    .to_string()
                    .contains("sdbm, djb2, wt6, crc32, none")
            );
        }
    }
}
