//! Every vector of `testdata/ring-compat.json` (the project's ring compatibility vectors), one
//! test per section: libketama/uhashring, twemproxy, nginx/pingora, modulo and nginx's
//! non-consistent hashes, jump (paper, go-jump, Guava), maglev (paper, go-maglev), rendezvous
//! (go-rendezvous), and three Go libraries (stathat, buraksezer, go-mpchash) rebuilt from our parts.

use super::*;
use serde_json::Value;

const JSON: &str = include_str!("testdata/ring-compat.json");

fn v() -> Value {
    serde_json::from_str(JSON).expect("vectors parse")
}

const SERVERS: [&str; 3] = ["10.0.0.1:11211", "10.0.0.2:11211", "10.0.0.3:11211"];

fn keys() -> Vec<String> {
    (0..20).map(|i| format!("key{i}")).collect()
}

fn servers(names: &[&str], weights: &[u32]) -> Vec<HashServer> {
    names
        .iter()
        .zip(weights)
        .map(|(n, w)| HashServer::new(*n, *w))
        .collect()
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect()
}

fn nums(v: &Value) -> Vec<u64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap())
        .collect()
}

fn names_of(alg: HashAlgorithm, list: &[HashServer], opts: &HashOptions) -> Vec<String> {
    let l = build(alg, list, opts).unwrap();
    keys()
        .iter()
        .map(|k| list[l.locate(k.as_bytes())].name.clone())
        .collect()
}

fn moved(a: &[String], b: &[String]) -> Vec<String> {
    (0..a.len())
        .filter(|&i| a[i] != b[i])
        .map(|i| format!("key{i}"))
        .collect()
}

fn check_ring_section(sec: &Value, alg: HashAlgorithm) {
    let o = HashOptions::default();
    let base = names_of(alg, &servers(&SERVERS, &[1, 1, 1]), &o);
    assert_eq!(base, strs(&sec["equal_weights"]["mapping"]), "{alg} equal");
    let removed = names_of(alg, &servers(&[SERVERS[0], SERVERS[2]], &[1, 1]), &o);
    assert_eq!(
        removed,
        strs(&sec["remove_10.0.0.2"]["mapping"]),
        "{alg} remove"
    );
    assert_eq!(
        moved(&base, &removed),
        strs(&sec["remove_10.0.0.2"]["moved_keys"])
    );
    // Draining (weight 0) is the same as removing.
    let drained = names_of(alg, &servers(&SERVERS, &[1, 0, 1]), &o);
    assert_eq!(drained, removed, "{alg} drain");
    let mut four = SERVERS.to_vec();
    four.push("10.0.0.4:11211");
    let added = names_of(alg, &servers(&four, &[1, 1, 1, 1]), &o);
    assert_eq!(added, strs(&sec["add_10.0.0.4"]["mapping"]), "{alg} add");
    assert_eq!(
        moved(&base, &added),
        strs(&sec["add_10.0.0.4"]["moved_keys"])
    );
    let weighted = names_of(alg, &servers(&SERVERS, &[1, 2, 1]), &o);
    assert_eq!(
        weighted,
        strs(&sec["weights_1_2_1"]["mapping"]),
        "{alg} 1:2:1"
    );
}

#[test]
fn ketama_libketama() {
    let v = v();
    let sec = &v["ketama_libketama"];
    let hashes: Vec<u64> = keys()
        .iter()
        .map(|k| KeyHash::Ketama.hash(k.as_bytes()))
        .collect();
    assert_eq!(hashes, nums(&sec["key_hash_u32"]));
    let ring = Ring::ketama(&servers(&SERVERS, &[1, 1, 1])).unwrap();
    let view = ring.view();
    assert_eq!(view.points.len(), 480);
    for (i, p) in sec["equal_weights"]["first_8_points_sorted"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        assert_eq!(view.points[i], p[0].as_u64().unwrap());
        assert_eq!(SERVERS[view.owners[i] as usize], p[1].as_str().unwrap());
    }
    let d = md5(b"10.0.0.1:11211-0");
    let pts: Vec<u64> = (0..4)
        .map(|h| u32::from_le_bytes([d[4 * h], d[4 * h + 1], d[4 * h + 2], d[4 * h + 3]]) as u64)
        .collect();
    assert_eq!(
        pts,
        nums(&sec["equal_weights"]["points_of_10.0.0.1:11211-0"])
    );
    let w = Ring::ketama(&servers(&SERVERS, &[1, 2, 1])).unwrap();
    let mut per = [0; 3];
    w.view().owners.iter().for_each(|&o| per[o as usize] += 1);
    let want = &sec["weights_1_2_1"]["points_per_server"];
    for (i, s) in SERVERS.iter().enumerate() {
        assert_eq!(per[i], want[s].as_u64().unwrap());
    }
    check_ring_section(sec, HashAlgorithm::Ketama);
}

/// libketama's own golden test (RJ/ketama libketama/test.sh): `ketama_test ketama.servers`
/// prints an empty line then "hash point server" for the keys "0".."999999"; md5 of the output.
#[test]
fn ketama_libketama_golden() {
    let v = v();
    let sec = &v["ketama_libketama"]["libketama_golden"];
    // RJ/ketama ketama.servers.
    let list = [
        ("10.0.1.1:11211", 600),
        ("10.0.1.2:11211", 300),
        ("10.0.1.3:11211", 200),
        ("10.0.1.4:11211", 350),
        ("10.0.1.5:11211", 1000),
        ("10.0.1.6:11211", 800),
        ("10.0.1.7:11211", 950),
        ("10.0.1.8:11211", 100),
    ];
    let list: Vec<_> = list.iter().map(|(n, w)| HashServer::new(*n, *w)).collect();
    let ring = Ring::ketama(&list).unwrap();
    assert_eq!(ring.len() as u64, sec["total_points"].as_u64().unwrap());
    use md5::Digest;
    let mut ctx = md5::Md5::new();
    ctx.update(b"\n");
    let view = ring.view();
    let mut line = String::new();
    for i in 0..1_000_000u32 {
        let key = i.to_string();
        let h = ring.key_hash(key.as_bytes());
        let p = ring.point_for(h);
        line.clear();
        use std::fmt::Write;
        let _ = writeln!(
            line,
            "{} {} {}",
            h, view.points[p], list[view.owners[p] as usize].name
        );
        ctx.update(line.as_bytes());
    }
    let got: String = ctx.finalize().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(got, sec["md5_of_output"].as_str().unwrap());
}

#[test]
fn ketama_twemproxy_md5() {
    let v = v();
    let sec = &v["ketama_twemproxy_md5"];
    let hosts = strs(&sec["point_names"]);
    let hosts: Vec<&str> = hosts.iter().map(String::as_str).collect();
    let got = names_of(
        HashAlgorithm::Ketama,
        &servers(&hosts, &[1, 1, 1]),
        &HashOptions::default(),
    );
    assert_eq!(got, strs(&sec["mapping_as_host"]));
}

#[test]
fn nginx_chash() {
    let v = v();
    let sec = &v["nginx_chash"];
    let crcs: Vec<u64> = keys()
        .iter()
        .map(|k| HashFn::Crc32.hash(k.as_bytes()))
        .collect();
    assert_eq!(crcs, nums(&sec["key_crc32"]));
    // The first three chained points of one server, before sorting.
    let (host, port) = nginx_split(SERVERS[0]);
    let mut prev = 0u32;
    let mut first = vec![];
    for _ in 0..3 {
        let mut h = crc32fast::Hasher::new();
        h.update(host.as_bytes());
        h.update(b"\0");
        h.update(port.as_bytes());
        h.update(&prev.to_le_bytes());
        prev = h.finalize();
        first.push(prev as u64);
    }
    assert_eq!(first, nums(&sec["first_3_points_of_10.0.0.1:11211"]));
    let ring = Ring::nginx(&servers(&SERVERS, &[1, 1, 1])).unwrap();
    assert_eq!(
        ring.len() as u64,
        sec["equal_weights"]["npoints"].as_u64().unwrap()
    );
    check_ring_section(sec, HashAlgorithm::Nginx);
    let pv = &sec["pingora_unit_test_vectors"];
    let names = strs(&pv["servers"]);
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let list = servers(&names, &[1, 1]);
    let l = build(HashAlgorithm::Nginx, &list, &HashOptions::default()).unwrap();
    for (key, want) in pv["map"].as_object().unwrap() {
        assert_eq!(
            list[l.locate(key.as_bytes())].name,
            want.as_str().unwrap(),
            "{key}"
        );
    }
}

#[test]
fn modulo() {
    let v = v();
    let sec = &v["modulo"];
    let idx = |n: usize, hash: HashFn| -> Vec<u64> {
        let list: Vec<_> = (0..n)
            .map(|i| HashServer::new(format!("s{i}"), 1))
            .collect();
        let opts = HashOptions {
            hash: Some(hash),
            ..Default::default()
        };
        let l = build(HashAlgorithm::Modulo, &list, &opts).unwrap();
        keys()
            .iter()
            .map(|k| l.locate(k.as_bytes()) as u64)
            .collect()
    };
    let m3 = idx(3, HashFn::Crc32);
    let m4 = idx(4, HashFn::Crc32);
    assert_eq!(m3, nums(&sec["crc32_mod_3"]));
    assert_eq!(m4, nums(&sec["crc32_mod_4"]));
    assert_eq!(idx(3, HashFn::Fnv1a64), nums(&sec["fnv1a64_mod_3"]));
    let moved = (0..20).filter(|&i| m3[i] != m4[i]).count() as u64;
    assert_eq!(moved, sec["moved_3_to_4_crc32"].as_u64().unwrap());
    // nginx `hash $key` (not consistent), first try: ((crc32(key) >> 16) & 0x7fff) % total_weight.
    let first: Vec<u64> = keys()
        .iter()
        .map(|k| ((HashFn::Crc32.hash(k.as_bytes()) >> 16) & 0x7fff) % 3)
        .collect();
    assert_eq!(
        first,
        nums(&sec["nginx_hash_nonconsistent_first_try_index_n3"])
    );
    // nginx ip_hash over the first three octets of IPv4 (equal weights: no rehash needed).
    let ip = &sec["nginx_ip_hash"];
    let got: Vec<u64> = strs(&ip["ips"])
        .iter()
        .map(|a| {
            let o: Vec<u64> = a.split('.').map(|x| x.parse().unwrap()).collect();
            let h = o[..3].iter().fold(89u64, |h, &x| (h * 113 + x) % 6271);
            h % 3
        })
        .collect();
    assert_eq!(got, nums(&ip["peer_index_n3_equal_weights"]));
}

#[test]
fn jump_vectors() {
    let v = v();
    let sec = &v["jump"];
    let b10: Vec<u64> = (0..20).map(|k| jump(k, 10) as u64).collect();
    let b11: Vec<u64> = (0..20).map(|k| jump(k, 11) as u64).collect();
    assert_eq!(b10, nums(&sec["keys_0_19_buckets_10"]));
    assert_eq!(b11, nums(&sec["keys_0_19_buckets_11"]));
    let moved: Vec<u64> = (0..20)
        .filter(|&i| b10[i] != b11[i])
        .map(|i| i as u64)
        .collect();
    assert_eq!(moved, nums(&sec["moved_10_to_11_all_to_bucket_10"]));
    assert!(moved.iter().all(|&i| b11[i as usize] == 10));
    // Through the locator: --hash none reads decimal keys, fnv1a64 hashes "keyN".
    let list: Vec<_> = (0..10)
        .map(|i| HashServer::new(format!("s{i}"), 1))
        .collect();
    let none = HashOptions {
        hash: Some(HashFn::None),
        ..Default::default()
    };
    let l = build(HashAlgorithm::Jump, &list, &none).unwrap();
    let got: Vec<u64> = (0..20)
        .map(|k| l.locate(k.to_string().as_bytes()) as u64)
        .collect();
    assert_eq!(got, b10);
    let list3: Vec<_> = (0..3)
        .map(|i| HashServer::new(format!("s{i}"), 1))
        .collect();
    let fnv = HashOptions {
        hash: Some(HashFn::Fnv1a64),
        ..Default::default()
    };
    let l = build(HashAlgorithm::Jump, &list3, &fnv).unwrap();
    let got: Vec<u64> = keys()
        .iter()
        .map(|k| l.locate(k.as_bytes()) as u64)
        .collect();
    assert_eq!(got, nums(&sec["fnv1a64(key0..key19)_buckets_3"]));
    let refs = &sec["reference_cpp_vectors_(from dgryski/go-jump jump_test.go)"];
    for (name, key) in [
        ("key 1, buckets 1..19", 1u64),
        ("key 0xdeadbeef, buckets 1..19", 0xdeadbeef),
        ("key 0x0ddc0ffeebadf00d, buckets 1..19", 0x0ddc0ffeebadf00d),
    ] {
        let got: Vec<u64> = (1..20).map(|n| jump(key, n) as u64).collect();
        assert_eq!(got, nums(&refs[name]), "{name}");
    }
    let g = &sec["guava_golden"];
    let got: Vec<u64> = (0..20).map(|k| jump(k, 100) as u64).collect();
    assert_eq!(got, nums(&g["keys 0..19, buckets 100"]));
    for (k, n, name) in [
        (10863919174838991u64, 11u32, "(10863919174838991,11)"),
        (2016238256797177309, 11, "(2016238256797177309,11)"),
        (1673758223894951030, 11, "(1673758223894951030,11)"),
        (2, 100001, "(2,100001)"),
        (2201, 100001, "(2201,100001)"),
        (2202, 100001, "(2202,100001)"),
    ] {
        assert_eq!(jump(k, n) as u64, g[name].as_u64().unwrap(), "{name}");
    }
}

#[test]
fn maglev_vectors() {
    let v = v();
    let sec = &v["maglev"];
    let p = &sec["paper_table1_example"];
    let m = p["M"].as_u64().unwrap();
    let perms: Vec<(u64, u64)> = nums(&p["offsets"])
        .into_iter()
        .zip(nums(&p["skips"]))
        .collect();
    let label = |t: Vec<u32>, names: &[&str]| -> Vec<String> {
        t.iter().map(|&e| names[e as usize].to_string()).collect()
    };
    let before = populate(&perms, &[1, 1, 1], m);
    assert_eq!(label(before, &["B0", "B1", "B2"]), strs(&p["table_before"]));
    let after = populate(&[perms[0], perms[2]], &[1, 1], m);
    assert_eq!(
        label(after, &["B0", "B2"]),
        strs(&p["table_after_removing_B1"])
    );

    let s = &sec["M65537"];
    let (offs, skips): (Vec<u64>, Vec<u64>) = SERVERS.iter().map(|n| offset_skip(n, 65537)).unzip();
    assert_eq!(offs, nums(&s["offsets"]));
    assert_eq!(skips, nums(&s["skips"]));
    let list = servers(&SERVERS, &[1, 1, 1]);
    let mg = Maglev::new(&list, 65537, HashFn::Siphash).unwrap();
    let t = mg.table();
    let first: Vec<u64> = t[..32].iter().map(|&e| e as u64).collect();
    assert_eq!(first, nums(&s["table_first_32"]));
    let mut counts = [0u64; 3];
    t.iter().for_each(|&e| counts[e as usize] += 1);
    assert_eq!(counts.to_vec(), nums(&s["entries_per_backend"]));
    let without = Maglev::new(
        &servers(&[SERVERS[0], SERVERS[2]], &[1, 1]),
        65537,
        HashFn::Siphash,
    )
    .unwrap();
    let remap = [0u32, 2];
    let changed: Vec<usize> = (0..t.len())
        .filter(|&i| t[i] != remap[without.table()[i] as usize])
        .collect();
    let r = &s["remove_index_1"];
    assert_eq!(changed.len() as u64, r["entries_changed"].as_u64().unwrap());
    let not_removed = changed.iter().filter(|&&i| t[i] != 1).count() as u64;
    assert_eq!(
        not_removed,
        r["of_which_not_from_removed_backend"].as_u64().unwrap()
    );
    let l = build(HashAlgorithm::Maglev, &list, &HashOptions::default()).unwrap();
    let got: Vec<u64> = keys()
        .iter()
        .map(|k| l.locate(k.as_bytes()) as u64)
        .collect();
    assert_eq!(got, nums(&s["key0..key19 via siphash24(0,0,key) % M"]));
    let m13 = Maglev::new(&list, 13, HashFn::Siphash).unwrap();
    let got: Vec<u64> = m13.table().iter().map(|&e| e as u64).collect();
    assert_eq!(got, nums(&sec["M13_table"]));
}

#[test]
fn rendezvous_vectors() {
    let v = v();
    let sec = &v["rendezvous"];
    let o = HashOptions::default();
    let got = names_of(
        HashAlgorithm::Rendezvous,
        &servers(&SERVERS, &[1, 1, 1]),
        &o,
    );
    assert_eq!(got, strs(&sec["go_rendezvous_fnv1a64"]["mapping"]));
    let got = names_of(
        HashAlgorithm::Rendezvous,
        &servers(&SERVERS, &[1, 2, 1]),
        &o,
    );
    assert_eq!(got, strs(&sec["weighted_hrw_w_1_2_1"]["mapping"]));
}

/// Owner of `h` on sorted (point, owner) pairs: the first point strictly above `h`, wrapping.
/// (stathat/consistent and go-mpchash use ">", libketama and nginx ">=".)
fn strictly_above(points: &[(u64, usize)], h: u64) -> (u64, usize) {
    let i = points.partition_point(|p| p.0 <= h);
    points[if i == points.len() { 0 } else { i }]
}

#[test]
fn other_go_libs_stathat() {
    let v = v();
    let sec = &v["other_go_libs"]["stathat_consistent_20_replicas_crc32"];
    let mut points: Vec<(u64, usize)> = Vec::new();
    for (s, name) in SERVERS.iter().enumerate() {
        for i in 0..20 {
            points.push((HashFn::Crc32.hash(format!("{i}{name}").as_bytes()), s));
        }
    }
    points.sort_unstable();
    let got: Vec<String> = keys()
        .iter()
        .map(|k| SERVERS[strictly_above(&points, HashFn::Crc32.hash(k.as_bytes())).1].to_string())
        .collect();
    assert_eq!(got, strs(&sec["mapping"]));
}

/// buraksezer/consistent: 271 partitions placed on a 20-replica fnv1a64 ring (replica keys
/// "<i>:<name>", its DefaultReplicaKey) with bounded load
/// ceil(floor(271 / n) * 1.25); a key's owner is its partition's (fnv1a64(key) % 271).
#[test]
fn other_go_libs_buraksezer() {
    let v = v();
    let sec = &v["other_go_libs"]["buraksezer_consistent_fnv1a64_P271_R20_load1.25"];
    const PARTITIONS: u64 = 271;
    let mut ring: Vec<(u64, usize)> = Vec::new();
    for (s, name) in SERVERS.iter().enumerate() {
        for i in 0..20 {
            ring.push((fnv1a64(format!("{i}:{name}").as_bytes()), s));
        }
    }
    ring.sort_unstable();
    let avg = ((PARTITIONS / SERVERS.len() as u64) as f64 * 1.25).ceil() as u64;
    let mut loads = [0u64; 3];
    let mut owner = vec![0usize; PARTITIONS as usize];
    for part in 0..PARTITIONS {
        let h = fnv1a64(&part.to_le_bytes());
        let mut idx = ring.partition_point(|p| p.0 < h) % ring.len();
        loop {
            let s = ring[idx].1;
            if loads[s] < avg {
                loads[s] += 1;
                owner[part as usize] = s;
                break;
            }
            idx = (idx + 1) % ring.len();
        }
    }
    let per = &sec["partitions_per_member"];
    for (s, name) in SERVERS.iter().enumerate() {
        assert_eq!(loads[s], per[name].as_u64().unwrap(), "{name}");
    }
    let got: Vec<String> = keys()
        .iter()
        .map(|k| SERVERS[owner[(fnv1a64(k.as_bytes()) % PARTITIONS) as usize]].to_string())
        .collect();
    assert_eq!(got, strs(&sec["mapping"]));
}

/// go-mpchash (multi-probe consistent hashing, Appleton & O'Reilly, arXiv:1505.00062): server
/// points siphash(0, 0, name); 21 probes h1 + i*h2 with h1, h2 = siphash(seed 1 and 2, key);
/// the probe closest (clockwise, strictly above) to a server point wins.
#[test]
fn other_go_libs_mpchash() {
    let v = v();
    let sec = &v["other_go_libs"]["go_mpchash_siphash_seeds_1_2_k21"];
    let mut points: Vec<(u64, usize)> = SERVERS
        .iter()
        .enumerate()
        .map(|(s, n)| (siphash24(0, 0, n.as_bytes()), s))
        .collect();
    points.sort_unstable();
    let got: Vec<String> = keys()
        .iter()
        .map(|k| {
            let (h1, h2) = (siphash24(1, 0, k.as_bytes()), siphash24(2, 0, k.as_bytes()));
            let mut best = (u64::MAX, 0usize);
            for i in 0..21u64 {
                let h = h1.wrapping_add(i.wrapping_mul(h2));
                let (p, s) = strictly_above(&points, h);
                let d = p.wrapping_sub(h);
                if d < best.0 {
                    best = (d, s);
                }
            }
            SERVERS[best.1].to_string()
        })
        .collect();
    assert_eq!(got, strs(&sec["mapping"]));
}
