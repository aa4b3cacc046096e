//! Cost of keeping `lbctl load`'s per-second data bounded (divan): halving the resolution of
//! a full default cap (3,600 one-second buckets of a 2,000 req/s run with latencies spread over
//! 1-50 ms) merges 1,800 pairs of encoded histograms on the main thread. It happens once at 1 h,
//! 2 h, 4 h..., while the workers' snapshots wait in their channel, so this is the pause the
//! progress line and `--abort-on-slo` see then. Also one bucket's encoding (once per second).
//! Run: cargo bench --bench per_second

use divan::{Bencher, black_box};
use lbctl::load::per_second::{DEFAULT_MAX_BUCKETS, Second, coarsen};
use lbctl::stats::LatencyHistogram;

fn main() {
    divan::main();
}

/// One second of 2,000 latencies spread over 1-50 ms (a fixed xorshift sequence).
fn second(t: u64) -> LatencyHistogram {
    let mut h = LatencyHistogram::new();
    let mut x = 0x9e37_79b9_7f4a_7c15u64 ^ t;
    for _ in 0..2000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        h.record_us(1000 + x % 49_000);
    }
    h
}

#[divan::bench(sample_count = 5)]
fn halve_a_full_cap(bencher: Bencher) {
    let buckets: Vec<Second> = (0..DEFAULT_MAX_BUCKETS as u64)
        .map(|t| Second::new(t, 1.0, 2000, 0, &second(t)))
        .collect();
    bencher.bench_local(|| black_box(coarsen(black_box(&buckets), 1)));
}

#[divan::bench]
fn encode_one_second(bencher: Bencher) {
    let h = second(7);
    bencher.bench_local(|| black_box(Second::new(7, 1.0, 2000, 0, black_box(&h))));
}
