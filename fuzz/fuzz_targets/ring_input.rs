//! Fuzz what `lbctl ring` reads from users: the key reader (raw bytes, lines), server specs and
//! list files, `--distribution`, `--key-pattern`, and every algorithm on the servers it parsed.
//! Nothing may panic; every error must be a value.

#![no_main]

use lbctl::balance::hash::{HashAlgorithm, HashOptions, HashServer, build};
use lbctl::ring::keys::{KeyPattern, parse_distribution, read_lines};
use lbctl::spec::{BackendSpec, parse_backend_lines};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut keys = Vec::new();
    let _ = read_lines(data, |k| {
        keys.push(k.to_vec());
        Ok(())
    });
    let text = String::from_utf8_lossy(data);
    let _ = parse_distribution(&text);
    if let Ok(p) = KeyPattern::parse(&text) {
        let mut buf = Vec::new();
        p.render(u64::MAX, &mut buf);
    }
    let _ = BackendSpec::parse(&text);
    if let Ok(specs) = parse_backend_lines(&text, "fuzz") {
        let servers: Vec<HashServer> = specs
            .into_iter()
            .take(8)
            .map(|s| HashServer::new(s.name, s.weight.min(4)))
            .collect();
        let opts = HashOptions { table_size: 251, vnodes: 8, ..Default::default() };
        for alg in HashAlgorithm::ALL {
            if let Ok(l) = build(alg, &servers, &opts) {
                for k in &keys {
                    assert!(l.locate(k) < servers.len());
                }
            }
        }
    }
});
