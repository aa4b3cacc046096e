//! `load merge` of the `per_second` data of runs made side by side (shards of one test): each
//! run's buckets are placed on the wall clock (its `start_unix` rounded to whole seconds
//! against the earliest start) and re-bucketed to the coarsest bucket length among the runs,
//! so a shard whose long run was coarsened merges with one that was not. A bucket goes whole
//! into the merged bucket its start falls in (histograms cannot be split; shards started
//! together with `--start-at` line up exactly), so the merged buckets add up exactly to the
//! runs' requests and errors and tile the window from the earliest start to the latest end.

use super::per_second::{MAX_SECONDS, PerSecond, Second, coarsen};
use crate::stats::LatencyHistogram;

/// Merge the buckets of `runs`, keeping at most `max` buckets (halving the resolution as a
/// run does, per_second.rs). Decodes one bucket at a time: memory stays at one histogram plus
/// the encoded result.
pub fn merge(runs: &[&PerSecond], max: usize) -> Result<PerSecond, String> {
    let Some(start) = runs.iter().map(|r| r.start_unix).reduce(f64::min) else {
        return Err("no per-second data to merge".into());
    };
    // Lengths are powers of two (doublings of 1 s), so the coarsest is a multiple of the rest.
    let wide = runs.iter().map(|r| r.bucket_s).max().unwrap_or(1).max(1);
    let offsets: Vec<u64> = runs
        .iter()
        .map(|r| (r.start_unix - start).round().clamp(0.0, 1e9) as u64)
        .collect();
    // The window's end (s from the earliest start), and the last bucket any run starts in.
    let (mut end, mut count) = (0f64, 0u64);
    for (r, o) in runs.iter().zip(&offsets) {
        if let Some(s) = r.seconds.last() {
            end = end.max((o + s.t) as f64 + s.length_s);
            count = count.max((o + s.t) / wide + 1);
        }
    }
    if end > MAX_SECONDS as f64 || count.saturating_mul(wide) > MAX_SECONDS {
        return Err(format!(
            "the runs span {end:.0} s from the first start to the last end; expected runs made \
             side by side (at most {MAX_SECONDS} s)"
        ));
    }
    let count = count.max((end / wide as f64).ceil() as u64);
    let mut cursors = vec![0usize; runs.len()];
    let mut seconds = Vec::new();
    let mut h = LatencyHistogram::new();
    for k in 0..count {
        let (mut requests, mut errors) = (0u64, 0u64);
        h.reset();
        for (i, run) in runs.iter().enumerate() {
            while let Some(s) = run.seconds.get(cursors[i])
                && (s.t + offsets[i]) / wide <= k
            {
                cursors[i] += 1;
                requests += s.requests;
                errors += s.errors;
                h.merge(&s.histogram()?)
                    .map_err(|e| format!("per_second: bucket at {} s: {e}", s.t))?;
            }
        }
        let t = k * wide;
        // Every bucket is whole but the last, which ends where the latest run ends.
        let length = if k + 1 == count {
            (end - t as f64).clamp(0.0, wide as f64)
        } else {
            wide as f64
        };
        seconds.push(Second::new(t, length, requests, errors, &h));
    }
    let mut bucket_s = wide;
    while seconds.len() > max.max(2) {
        seconds = coarsen(&seconds, bucket_s)?;
        bucket_s *= 2;
    }
    Ok(PerSecond {
        start_unix: start,
        bucket_s,
        seconds,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::per_second::{DEFAULT_MAX_BUCKETS, Recorder, check};
    use std::time::Duration;

    fn hist(n: u64, base: u64) -> LatencyHistogram {
        let mut h = LatencyHistogram::new();
        for i in 0..n {
            h.record_us(base + i);
        }
        h
    }

    /// A run started at `start` with `n[i]` requests in second `i`, kept to `max` buckets.
    fn run(start: f64, n: &[u64], max: usize) -> PerSecond {
        let mut r = Recorder::new(None, max);
        for (i, &k) in n.iter().enumerate() {
            r.push(i as u64, k, k / 3, &hist(k, 1000 * (i as u64 + 1)))
                .unwrap();
        }
        r.finish(Duration::from_secs(n.len() as u64), start)
    }

    fn requests(p: &PerSecond) -> Vec<u64> {
        p.seconds.iter().map(|s| s.requests).collect()
    }

    #[test]
    fn merge_aligns_on_wall_clock_seconds() {
        let a = run(1000.0, &[10, 20, 30], DEFAULT_MAX_BUCKETS);
        // Started one second (and a bit) later: its second 0 is a's second 1.
        let b = run(1001.2, &[1, 2], DEFAULT_MAX_BUCKETS);
        let m = merge(&[&a, &b], DEFAULT_MAX_BUCKETS).unwrap();
        assert_eq!((m.start_unix, m.bucket_s), (1000.0, 1));
        assert_eq!(requests(&m), vec![10, 21, 32]);
        let h = LatencyHistogram::from_base64(&m.seconds[1].histogram).unwrap();
        assert_eq!(h.len(), 21);
        assert!(check(&m).is_ok());
        assert!(merge(&[], DEFAULT_MAX_BUCKETS).is_err());
        // Starts a year apart are not shards of one run: an error, not a year of seconds.
        let far = run(1000.0 + 365.0 * 86400.0, &[1], DEFAULT_MAX_BUCKETS);
        let err = merge(&[&a, &far], DEFAULT_MAX_BUCKETS).unwrap_err();
        assert!(err.contains("side by side"), "{err}");
    }

    #[test]
    fn a_coarsened_shard_merges_with_a_fine_one_at_the_coarser_length() {
        let n: Vec<u64> = (1..=10).collect();
        // The same 10 s, one kept to 4 buckets (4 s each: 4, 4, 2), one at 1 s.
        let coarse = run(500.0, &n, 4);
        let fine = run(500.0, &n, DEFAULT_MAX_BUCKETS);
        assert_eq!((coarse.bucket_s, coarse.seconds.len()), (4, 3));
        let m = merge(&[&coarse, &fine], DEFAULT_MAX_BUCKETS).unwrap();
        assert_eq!(m.bucket_s, 4);
        assert_eq!(requests(&m), vec![2 * 10, 2 * 26, 2 * 19]);
        let lengths: Vec<f64> = m.seconds.iter().map(|s| s.length_s).collect();
        assert_eq!(lengths, vec![4.0, 4.0, 2.0]);
        let total = |p: &PerSecond, f: fn(&Second) -> u64| p.seconds.iter().map(f).sum::<u64>();
        assert_eq!(total(&m, |s| s.errors), 2 * total(&fine, |s| s.errors));
        // Percentiles of a merged bucket are those of the shards' histograms added.
        let mut want = LatencyHistogram::new();
        for (i, &k) in n.iter().enumerate().take(8).skip(4) {
            want.merge(&hist(k, 1000 * (i as u64 + 1))).unwrap();
        }
        want.merge(&want.clone()).unwrap();
        let expect = Second::new(4, 4.0, 52, 0, &want);
        assert_eq!(m.seconds[1].p99_ms, expect.p99_ms);
        assert_eq!(m.seconds[1].histogram, expect.histogram);
        assert!(check(&m).is_ok());
        // Offset by a second: fine's second 3 lands in bucket [4, 8); still exact sums.
        let late = run(501.0, &n, DEFAULT_MAX_BUCKETS);
        let m = merge(&[&coarse, &late], DEFAULT_MAX_BUCKETS).unwrap();
        assert_eq!(requests(&m), vec![10 + 6, 26 + 22, 19 + 27]);
        assert_eq!(m.seconds.last().map(|s| s.length_s), Some(3.0));
        // More buckets than the cap: the merge halves them too.
        let m = merge(&[&fine, &late], 4).unwrap();
        assert_eq!((m.bucket_s, m.seconds.len()), (4, 3));
        assert_eq!(total(&m, |s| s.requests), 2 * 55);
    }
}
