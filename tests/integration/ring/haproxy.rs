//! `ring -a haproxy` against the real thing: Debian's HAProxy 2.6 with `balance uri` and
//! `hash-type consistent FUNC [avalanche]` in front of three `lbctl serve` backends (one of
//! weight 2, one drained to weight 0 in one case), 200 distinct URIs through it, and the backend
//! that answered each (serve's `x-backend` header) compared with `lbctl ring lookup`.

use crate::support::{Proc, http, lbctl, serve};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

fn wait_listening(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "haproxy did not listen on {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Run one HAProxy configuration and compare every key's backend with `lbctl ring lookup`.
fn agree(hash_type: &str, weights: [u32; 3], algorithm: &str, hash: Option<&str>) {
    let backends = serve(3, &[]);
    let port = free_port();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cfg = format!(
        "global\n  maxconn 200\ndefaults\n  mode http\n  timeout connect 2s\n  timeout client 10s\n  timeout server 10s\nfrontend f\n  bind 127.0.0.1:{port}\n  default_backend b\nbackend b\n  balance uri\n  hash-type {hash_type}\n"
    );
    for (i, w) in weights.iter().enumerate() {
        cfg.push_str(&format!(
            "  server {} {} weight {w}\n",
            backends.name(i),
            backends.addr(i)
        ));
    }
    let path = dir.path().join("haproxy.cfg");
    std::fs::write(&path, &cfg).expect("write cfg");
    let _haproxy = Proc::spawn_program("haproxy", &["-db", "-f", path.to_str().unwrap()]);
    wait_listening(port);
    let client = http();
    let keys: Vec<String> = (0..200)
        .map(|i| format!("/obj/{i}/v{}", i * 7919 % 1000))
        .collect();
    let mut answered = Vec::with_capacity(keys.len());
    for k in &keys {
        let resp = client
            .get(format!("http://127.0.0.1:{port}{k}"))
            .send()
            .unwrap_or_else(|e| panic!("{hash_type}: GET {k}: {e}"));
        assert!(
            resp.status().is_success(),
            "{hash_type}: {k}: {}",
            resp.status()
        );
        let b = resp.headers()["x-backend"].to_str().unwrap().to_string();
        answered.push(b);
    }
    let mut args: Vec<String> = vec![
        "ring".into(),
        "lookup".into(),
        "-a".into(),
        algorithm.into(),
    ];
    if let Some(h) = hash {
        args.extend(["--hash".into(), h.into()]);
    }
    for (i, w) in weights.iter().enumerate() {
        args.push("-s".into());
        args.push(format!(
            "{}={},weight={w}",
            backends.name(i),
            backends.addr(i)
        ));
    }
    args.extend(keys.iter().cloned());
    let out = lbctl().args(&args).assert().success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let predicted: Vec<&str> = text
        .lines()
        .map(|l| l.split('\t').nth(1).unwrap())
        .collect();
    assert_eq!(predicted.len(), keys.len());
    let mut used = std::collections::HashSet::new();
    for (i, k) in keys.iter().enumerate() {
        assert_eq!(
            predicted[i], answered[i],
            "{hash_type}: key {k}: lbctl says {}, haproxy sent it to {}",
            predicted[i], answered[i]
        );
        used.insert(answered[i].clone());
    }
    let active = weights.iter().filter(|w| **w > 0).count();
    assert_eq!(
        used.len(),
        active,
        "{hash_type}: every active backend gets keys"
    );
}

#[test]
fn haproxy_consistent_agrees_key_for_key() {
    // Bare `hash-type consistent` is sdbm + avalanche in HAProxy; so is bare `-a haproxy`.
    agree("consistent", [1, 2, 1], "haproxy", None);
    agree("consistent sdbm", [1, 2, 1], "haproxy", Some("sdbm"));
}

#[test]
fn haproxy_consistent_avalanche_and_other_functions_agree() {
    agree(
        "consistent djb2 avalanche",
        [1, 1, 1],
        "haproxy-avalanche",
        Some("djb2"),
    );
    agree("consistent wt6", [2, 1, 3], "haproxy", Some("wt6"));
    agree(
        "consistent crc32 avalanche",
        [1, 0, 1],
        "haproxy-avalanche",
        Some("crc32"),
    );
    agree("consistent djb2", [3, 1, 1], "haproxy", Some("djb2"));
    agree("consistent crc32", [1, 1, 2], "haproxy", Some("crc32"));
}
