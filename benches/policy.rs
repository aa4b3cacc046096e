//! Per-request cost of the proxy's traffic policy (divan): a rate limit's check (key from the
//! client address or a header, one key or 100000 distinct keys cycling through a table capped
//! at 100000) and a canary split's decision. Each runs once per request of a route that has it,
//! so against the proxy's ~16 µs of CPU per request (benches/policy_cost.sh) they bound what the
//! policy adds. Run: cargo bench --bench policy

use divan::{Bencher, black_box};
use http::HeaderMap;
use lbctl::proxy::core::canary::{Canary, CanarySpec};
use lbctl::proxy::core::ratelimit::{Limiter, RateLimitSpec};
use std::net::IpAddr;

fn main() {
    divan::main();
}

fn limiter(spec: &str) -> Limiter {
    Limiter::new(RateLimitSpec::parse(spec, "--rate-limit").expect("spec"))
}

#[divan::bench]
fn ratelimit_ip_one_key(bencher: Bencher) {
    let l = limiter("100000000/s,burst=1000000");
    let h = HeaderMap::new();
    let ip: IpAddr = "10.0.0.7".parse().expect("ip");
    bencher.bench_local(|| black_box(l.check(&h, black_box(ip))));
}

#[divan::bench]
fn ratelimit_ip_100k_keys(bencher: Bencher) {
    let l = limiter("100000000/s,burst=1000000,max-keys=100000");
    let h = HeaderMap::new();
    let mut n: u32 = 0;
    bencher.bench_local(|| {
        n = n.wrapping_add(1) % 150_000;
        let ip = IpAddr::from(n.wrapping_add(0x0a00_0000).to_be_bytes());
        black_box(l.check(&h, ip))
    });
}

#[divan::bench]
fn ratelimit_header_key(bencher: Bencher) {
    let l = limiter("100000000/s,burst=1000000,key=header:X-Api-Key");
    let mut h = HeaderMap::new();
    h.insert("x-api-key", "k-1234567890".parse().expect("value"));
    h.insert("accept", "*/*".parse().expect("value"));
    let ip: IpAddr = "10.0.0.7".parse().expect("ip");
    bencher.bench_local(|| black_box(l.check(black_box(&h), ip)));
}

#[divan::bench]
fn canary_by_ip(bencher: Bencher) {
    let c = Canary::new(CanarySpec::parse("v2:10,header=X-Canary").expect("spec"), 1);
    let h = HeaderMap::new();
    let ip: IpAddr = "10.0.0.7".parse().expect("ip");
    bencher.bench_local(|| black_box(c.decide(black_box(&h), ip)));
}
