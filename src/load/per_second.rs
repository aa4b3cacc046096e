//! Per-second results in the `lbctl.load/v1` document (`per_second`): the measured window cut
//! into buckets of `bucket_s` seconds (1 unless the run was long), each with its finished
//! requests, errors, p50/p90/p99/max and the bucket's latency histogram (base64 of the
//! compressed V2 HdrHistogram format, as `histograms`), so that `load report` can draw latency
//! over time from the JSON alone and `load merge` can add the shards' buckets losslessly
//! (per_second_merge.rs).
//!
//! The buckets tile the window as the `--hdr-log` intervals do (hdrlog.rs): bucket `i` starts
//! at `i * bucket_s` s, the last one ends where the window ends, a bucket without a response is
//! an empty entry, and responses after the planned window (the open model's drain) count in the
//! last one. Memory and size are bounded: at most `--per-second-max` buckets are kept (default
//! [`DEFAULT_MAX_BUCKETS`]); when one more would exceed it, adjacent pairs are merged (their
//! histograms added and the percentiles taken again from the sum) and the bucket length
//! doubles, the resolution-halving of a round-robin archive (RRDtool's consolidation, with
//! histograms instead of averages so nothing is lost but time resolution). Each finished bucket
//! is kept encoded (a few hundred bytes to a few KB), never as a full 190 KB histogram; only
//! the latest one is held decoded.

use crate::stats::LatencyHistogram;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The longest run a document may describe, in seconds (a run is at most 30 days plus its
/// warmup): a file claiming more is not lbctl's, and would cost memory to merge or draw.
pub const MAX_SECONDS: u64 = 31 * 24 * 3600;

/// Buckets kept by default: one hour of run at one-second resolution. A longer run keeps
/// between half of this and this many (a 24-hour run: 2,700 buckets of 32 s). The bytes per
/// bucket still grow with its number of distinct latencies (measured at 2,000 req/s over
/// 1-50 ms: 1.4 KB for 1 s, 4.4 KB for 32 s), so a 24-hour document is about 12 MB, not 120.
pub const DEFAULT_MAX_BUCKETS: usize = 3600;

/// One bucket of the measured window (a second, unless the run was coarsened).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Second {
    /// Seconds since the measured window's start (a multiple of the bucket length).
    pub t: u64,
    /// Length of this bucket (s): `bucket_s` but for the last one (where the window ends).
    pub length_s: f64,
    /// Finished requests (responses + transport errors) in this bucket.
    pub requests: u64,
    /// Transport errors + 5xx responses in this bucket.
    pub errors: u64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// The bucket's latency histogram (µs), base64 of the compressed V2 format.
    pub histogram: String,
}

/// The `per_second` object of a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PerSecond {
    /// Unix time (s) of the measured window's start (second 0), the wall clock the buckets of
    /// several shards are aligned on by `load merge`.
    pub start_unix: f64,
    /// Length (s) of every bucket but the last: 1, doubled each time the run outgrew
    /// `--per-second-max` (absent, so 1, in documents from before the cap).
    #[serde(default = "one_second")]
    pub bucket_s: u64,
    pub seconds: Vec<Second>,
}

fn one_second() -> u64 {
    1
}

impl Second {
    /// The entry of the bucket starting at `t` from its numbers and histogram.
    pub fn new(t: u64, length_s: f64, requests: u64, errors: u64, h: &LatencyHistogram) -> Self {
        let ms = |us: u64| us as f64 / 1000.0;
        Second {
            t,
            length_s,
            requests,
            errors,
            p50_ms: ms(h.percentile_us(50.0)),
            p90_ms: ms(h.percentile_us(90.0)),
            p99_ms: ms(h.percentile_us(99.0)),
            max_ms: ms(h.max_us()),
            histogram: h.to_base64(),
        }
    }

    /// Requests per second in this bucket (the last one may be shorter).
    pub fn rate(&self) -> f64 {
        per_s(self.requests, self.length_s)
    }

    /// Errors per second in this bucket.
    pub fn error_rate(&self) -> f64 {
        per_s(self.errors, self.length_s)
    }

    /// The bucket's histogram, decoded; the error names the bucket.
    pub fn histogram(&self) -> Result<LatencyHistogram, String> {
        LatencyHistogram::from_base64(&self.histogram)
            .map_err(|e| format!("per_second: bucket at {} s: {e}", self.t))
    }
}

fn per_s(count: u64, length_s: f64) -> f64 {
    if length_s > 0.0 {
        count as f64 / length_s
    } else {
        0.0
    }
}

/// Halve the resolution of contiguous buckets of `bucket_s` seconds starting at 0: buckets
/// `2i` and `2i+1` become bucket `i` of `2 * bucket_s` seconds, their counts summed, their
/// histograms added and the percentiles taken from the sum (never averaged), their lengths
/// added (so the buckets still tile the same window; a lone last bucket keeps its own).
pub fn coarsen(seconds: &[Second], bucket_s: u64) -> Result<Vec<Second>, String> {
    let wide = bucket_s.saturating_mul(2);
    let mut sum = LatencyHistogram::new();
    let mut out = Vec::with_capacity(seconds.len().div_ceil(2));
    for (i, pair) in seconds.chunks(2).enumerate() {
        sum.reset();
        let (mut requests, mut errors, mut length) = (0u64, 0u64, 0f64);
        for s in pair {
            requests += s.requests;
            errors += s.errors;
            length += s.length_s;
            sum.merge(&s.histogram()?)
                .map_err(|e| format!("per_second: bucket at {} s: {e}", s.t))?;
        }
        out.push(Second::new(i as u64 * wide, length, requests, errors, &sum));
    }
    Ok(out)
}

/// The latest bucket, held decoded as it may still grow.
struct Open {
    /// Its index (its start is `index * bucket_s`).
    index: u64,
    requests: u64,
    errors: u64,
    latency: LatencyHistogram,
}

/// The buckets of a run as they complete (pushed in order by mod.rs's `follow`), never more
/// than `max` of them, in memory as in the document.
pub struct Recorder {
    /// The planned end of the window when the plan fixes one: seconds at or past it are the
    /// drain's and go to the last bucket.
    bound: Option<Duration>,
    max: usize,
    bucket_s: u64,
    /// Finished buckets `0..done.len()`; the open one is `done.len()`.
    done: Vec<Second>,
    open: Option<Open>,
}

impl Recorder {
    /// A recorder keeping at most `max` buckets (at least 2: fewer could not be halved).
    pub fn new(bound: Option<Duration>, max: usize) -> Self {
        Recorder {
            bound,
            max: max.max(2),
            bucket_s: 1,
            done: Vec::new(),
            open: None,
        }
    }

    /// The numbers of second `second` (in increasing order; a second whose bucket is already
    /// open, or one past the planned window, is added to the open bucket).
    pub fn push(
        &mut self,
        second: u64,
        requests: u64,
        errors: u64,
        h: &LatencyHistogram,
    ) -> Result<(), String> {
        let beyond =
            self.open.is_some() && self.bound.is_some_and(|b| Duration::from_secs(second) >= b);
        if !beyond {
            // Empty buckets up to this second's, halving the resolution as often as the count
            // demands (a long silence cannot outgrow the cap either).
            while self
                .open
                .as_ref()
                .is_none_or(|o| o.index < second / self.bucket_s)
            {
                self.advance();
                if self.done.len() + 1 > self.max {
                    self.halve()?;
                }
            }
        }
        let Some(o) = self.open.as_mut() else {
            return Ok(());
        };
        o.requests += requests;
        o.errors += errors;
        // Both histograms share the same bounds: adding cannot fail.
        let _ = o.latency.merge(h);
        Ok(())
    }

    /// Close the open bucket (if any) and open the next one, empty.
    fn advance(&mut self) {
        match self.open.as_mut() {
            Some(o) => {
                let b = self.bucket_s;
                self.done.push(Second::new(
                    o.index * b,
                    b as f64,
                    o.requests,
                    o.errors,
                    &o.latency,
                ));
                o.index += 1;
                o.requests = 0;
                o.errors = 0;
                o.latency.reset();
            }
            None => {
                self.open = Some(Open {
                    index: 0,
                    requests: 0,
                    errors: 0,
                    latency: LatencyHistogram::new(),
                })
            }
        }
    }

    /// Merge adjacent pairs of buckets; the open bucket absorbs its finished partner.
    fn halve(&mut self) -> Result<(), String> {
        if self.done.len() % 2 == 1
            && let (Some(last), Some(o)) = (self.done.pop(), self.open.as_mut())
        {
            o.requests += last.requests;
            o.errors += last.errors;
            let _ = o.latency.merge(&last.histogram()?);
        }
        self.done = coarsen(&self.done, self.bucket_s)?;
        self.bucket_s *= 2;
        if let Some(o) = self.open.as_mut() {
            o.index /= 2;
        }
        Ok(())
    }

    /// The buckets, the last one ending where the measured `window` ends.
    pub fn finish(mut self, window: Duration, start_unix: f64) -> PerSecond {
        let b = self.bucket_s;
        if let Some(o) = self.open.take() {
            let t = o.index * b;
            let length = window
                .saturating_sub(Duration::from_secs(t))
                .as_secs_f64()
                .min(b as f64);
            self.done
                .push(Second::new(t, length, o.requests, o.errors, &o.latency));
        }
        PerSecond {
            start_unix,
            bucket_s: b,
            seconds: self.done,
        }
    }
}

/// Check a document's buckets (from `load report` or `load merge`): aligned on the bucket
/// length, in order, consistent with their histograms. Errors name what was wrong.
pub fn check(p: &PerSecond) -> Result<(), String> {
    let b = p.bucket_s;
    if !(1..=MAX_SECONDS).contains(&b) {
        return Err(format!(
            "per_second: bucket_s is {b}, expected 1..{MAX_SECONDS} seconds"
        ));
    }
    let mut last = None;
    for s in &p.seconds {
        if last.is_some_and(|l| s.t <= l) {
            return Err(format!("per_second: bucket at {} s is out of order", s.t));
        }
        last = Some(s.t);
        if s.t >= MAX_SECONDS {
            return Err(format!(
                "per_second: bucket at {} s is past {MAX_SECONDS} s, longer than any run",
                s.t
            ));
        }
        if s.t % b != 0 {
            return Err(format!(
                "per_second: bucket at {} s does not start on a multiple of bucket_s {b}",
                s.t
            ));
        }
        if !(s.length_s.is_finite() && (0.0..=b as f64).contains(&s.length_s)) {
            return Err(format!(
                "per_second: bucket at {} s has length {}, expected 0..{b}",
                s.t, s.length_s
            ));
        }
        let h = s.histogram()?;
        if h.len() > s.requests {
            return Err(format!(
                "per_second: bucket at {} s holds {} latencies but {} requests",
                s.t,
                h.len(),
                s.requests
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hist(n: u64, base: u64) -> LatencyHistogram {
        let mut h = LatencyHistogram::new();
        for i in 0..n {
            h.record_us(base + i);
        }
        h
    }

    fn counts(p: &PerSecond) -> Vec<(u64, f64, u64, u64)> {
        p.seconds
            .iter()
            .map(|s| (s.t, s.length_s, s.requests, s.errors))
            .collect()
    }

    #[test]
    fn seconds_tile_the_window_like_the_interval_log() {
        // -d 2s; a stray index 2 past the window goes to the last second.
        let mut r = Recorder::new(Some(Duration::from_secs(2)), DEFAULT_MAX_BUCKETS);
        r.push(0, 5, 1, &hist(5, 1000)).unwrap();
        r.push(1, 7, 0, &hist(7, 2000)).unwrap();
        r.push(2, 1, 0, &hist(1, 3000)).unwrap();
        let p = r.finish(Duration::from_secs(2), 100.0);
        assert_eq!(counts(&p), vec![(0, 1.0, 5, 1), (1, 1.0, 8, 0)]);
        assert_eq!((p.start_unix, p.bucket_s), (100.0, 1));
        // -n: a gap is an empty second, the last is what remains of the window.
        let mut r = Recorder::new(None, DEFAULT_MAX_BUCKETS);
        r.push(0, 5, 0, &hist(5, 1000)).unwrap();
        r.push(2, 3, 3, &hist(0, 0)).unwrap();
        let p = r.finish(Duration::from_millis(2_400), 0.0);
        let got = counts(&p);
        assert_eq!(got.len(), 3);
        assert_eq!(got[1], (1, 1.0, 0, 0));
        assert!((got[2].1 - 0.4).abs() < 1e-9, "{got:?}");
        assert_eq!(p.seconds[1].p99_ms, 0.0);
        assert!(check(&p).is_ok());
    }

    #[test]
    fn percentiles_come_from_the_seconds_histogram() {
        let s = Second::new(0, 0.5, 1000, 0, &hist(1000, 1));
        // 1..=1000 µs: p50 is 0.5 ms, max 1 ms (within HdrHistogram's 0.1%).
        assert!((s.p50_ms - 0.5).abs() < 0.001, "{s:?}");
        assert!((s.max_ms - 1.0).abs() < 0.002, "{s:?}");
        assert_eq!(s.rate(), 2000.0);
        let back = LatencyHistogram::from_base64(&s.histogram).unwrap();
        assert_eq!(back.len(), 1000);
    }

    /// A run of `n` seconds, second `i` holding `i % 7 + 1` requests at latencies that differ
    /// by second, `i % 5 == 0` of them errors; returns the recorder's document and the seconds'
    /// own histograms.
    fn long_run(
        n: u64,
        max: usize,
        window_ms: u64,
    ) -> (PerSecond, Vec<(u64, u64, LatencyHistogram)>) {
        let mut r = Recorder::new(None, max);
        let mut truth = Vec::new();
        for i in 0..n {
            let (k, e) = (i % 7 + 1, u64::from(i % 5 == 0));
            let h = hist(k, 100 + i * 37 % 5000);
            r.push(i, k, e, &h).unwrap();
            truth.push((k, e, h));
        }
        (r.finish(Duration::from_millis(window_ms), 0.0), truth)
    }

    #[test]
    fn a_long_run_is_coarsened_to_the_cap_with_exact_sums_and_percentiles() {
        // 50 s with a cap of 8: 1 s -> 2 -> 4 -> 8 s buckets (50 / 8 = 7 buckets, the last
        // one 2.5 s long: the window ends at 50.5 s).
        let (p, truth) = long_run(51, 8, 50_500);
        assert_eq!(p.bucket_s, 8, "{:?}", counts(&p));
        assert_eq!(p.seconds.len(), 7);
        assert!(check(&p).is_ok());
        // A tiling: contiguous, uniform but for the last, ending at the window's end.
        for (i, s) in p.seconds.iter().enumerate() {
            assert_eq!(s.t, i as u64 * 8);
            if i + 1 < p.seconds.len() {
                assert_eq!(s.length_s, 8.0);
            }
        }
        let total: f64 = p.seconds.iter().map(|s| s.length_s).sum();
        assert!((total - 50.5).abs() < 1e-9, "{total}");
        // Sums exact.
        let sum = |f: fn(&Second) -> u64| p.seconds.iter().map(f).sum::<u64>();
        assert_eq!(sum(|s| s.requests), truth.iter().map(|t| t.0).sum::<u64>());
        assert_eq!(sum(|s| s.errors), truth.iter().map(|t| t.1).sum::<u64>());
        // Each bucket's percentiles are those of its seconds' histograms merged independently.
        for s in &p.seconds {
            let mut want = LatencyHistogram::new();
            let (mut r, mut e) = (0, 0);
            for (k, e1, h) in &truth[s.t as usize..(s.t as usize + 8).min(truth.len())] {
                want.merge(h).unwrap();
                r += k;
                e += e1;
            }
            assert_eq!((s.requests, s.errors), (r, e), "bucket {}", s.t);
            let expect = Second::new(s.t, s.length_s, r, e, &want);
            assert_eq!(
                (s.p50_ms, s.p90_ms, s.p99_ms, s.max_ms),
                (expect.p50_ms, expect.p90_ms, expect.p99_ms, expect.max_ms),
                "bucket {}",
                s.t
            );
            assert_eq!(s.histogram().unwrap().len(), want.len());
        }
        // Under the cap: untouched seconds.
        let (p, _) = long_run(8, 8, 8_000);
        assert_eq!((p.bucket_s, p.seconds.len()), (1, 8));
    }

    #[test]
    fn memory_stays_under_the_cap_through_silences() {
        // One response, then a 1,000-second silence, then one more: the gap is filled with
        // empty buckets that are halved as they come, never more than the cap held.
        let mut r = Recorder::new(None, 10);
        r.push(0, 1, 0, &hist(1, 500)).unwrap();
        r.push(1000, 1, 1, &hist(1, 900)).unwrap();
        assert!(r.done.len() < 10);
        let p = r.finish(Duration::from_secs(1001), 0.0);
        assert!(p.seconds.len() <= 10, "{}", p.seconds.len());
        assert_eq!(p.bucket_s, 128);
        assert_eq!(p.seconds.iter().map(|s| s.requests).sum::<u64>(), 2);
        assert_eq!(p.seconds.last().map(|s| s.errors), Some(1));
        assert!(check(&p).is_ok());
    }

    #[test]
    fn coarsen_adds_lengths_and_keeps_a_lone_last_bucket() {
        let s = vec![
            Second::new(0, 1.0, 2, 1, &hist(2, 10)),
            Second::new(1, 1.0, 3, 0, &hist(3, 5000)),
            Second::new(2, 0.25, 1, 1, &hist(1, 70)),
        ];
        let c = coarsen(&s, 1).unwrap();
        assert_eq!(
            c.iter()
                .map(|s| (s.t, s.length_s, s.requests, s.errors))
                .collect::<Vec<_>>(),
            vec![(0, 2.0, 5, 1), (2, 0.25, 1, 1)]
        );
        let mut want = hist(2, 10);
        want.merge(&hist(3, 5000)).unwrap();
        assert_eq!(c[0].histogram, want.to_base64());
        assert_eq!(c[0].rate(), 2.5);
        let mut bad = s.clone();
        bad[1].histogram = "%%".into();
        assert!(coarsen(&bad, 1).unwrap_err().contains("bucket at 1 s"));
    }

    #[test]
    fn check_rejects_inconsistent_buckets() {
        let mut p = Recorder::new(None, DEFAULT_MAX_BUCKETS);
        p.push(0, 3, 0, &hist(3, 10)).unwrap();
        p.push(1, 3, 0, &hist(3, 10)).unwrap();
        let mut p = p.finish(Duration::from_secs(2), 0.0);
        let mut q = p.clone();
        q.seconds[1].t = 0;
        assert!(check(&q).unwrap_err().contains("out of order"));
        let mut q = p.clone();
        q.seconds[1].t = u64::MAX;
        assert!(check(&q).unwrap_err().contains("longer than any run"));
        let mut q = p.clone();
        q.seconds[0].requests = 1;
        assert!(check(&q).unwrap_err().contains("3 latencies"));
        let mut q = p.clone();
        q.bucket_s = 2;
        assert!(check(&q).unwrap_err().contains("multiple of bucket_s 2"));
        q.bucket_s = 0;
        assert!(check(&q).unwrap_err().contains("bucket_s is 0"));
        let mut q = p.clone();
        q.seconds[0].length_s = 1.5;
        assert!(check(&q).unwrap_err().contains("expected 0..1"));
        p.seconds[0].histogram = "%%".into();
        assert!(check(&p).unwrap_err().contains("bucket at 0 s"));
    }

    #[test]
    fn documents_from_before_the_cap_read_as_one_second_buckets() {
        let p: PerSecond = serde_json::from_str(r#"{"start_unix": 5.0, "seconds": []}"#).unwrap();
        assert_eq!(p.bucket_s, 1);
    }
}
