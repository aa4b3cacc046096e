//! Latency recording shared by `load`, `probe` and `proxy`: an HdrHistogram (1 µs to 1 h, three
//! significant digits) whose memory does not grow with the number of samples, percentiles read
//! from it (never averaged), lossless merging, and a portable encoding for `load merge`.
//!
//! May import: nothing of the crate.

use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Deserializer, Serializer, V2DeflateSerializer};
use std::time::Duration;

/// Highest trackable value: one hour in microseconds.
const MAX_US: u64 = 3_600_000_000;

/// Errors from decoding an encoded histogram.
#[derive(Debug, thiserror::Error)]
pub enum StatsError {
    #[error("histogram is not valid base64: {0}")]
    Base64(String),
    #[error("histogram could not be decoded: {0}")]
    Decode(String),
    #[error("histograms could not be merged: {0}")]
    Merge(String),
}

/// A latency histogram in microseconds.
#[derive(Clone, Debug)]
pub struct LatencyHistogram {
    h: Histogram<u64>,
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        Self::new()
    }
}

impl LatencyHistogram {
    pub fn new() -> Self {
        // Bounds and precision are constants known to be valid for hdrhistogram.
        let h = Histogram::new_with_bounds(1, MAX_US, 3).expect("valid histogram bounds");
        LatencyHistogram { h }
    }

    /// Record one latency; values are clamped into 1 µs ..= 1 h (never dropped).
    #[inline]
    pub fn record(&mut self, d: Duration) {
        self.record_us(d.as_micros().min(u128::from(MAX_US)) as u64);
    }

    /// Record a latency in microseconds (clamped).
    #[inline]
    pub fn record_us(&mut self, us: u64) {
        self.h.saturating_record(us.clamp(1, MAX_US));
    }

    /// Record `count` samples of the same value.
    pub fn record_n(&mut self, us: u64, count: u64) {
        let _ = self.h.record_n(us.clamp(1, MAX_US), count);
    }

    pub fn len(&self) -> u64 {
        self.h.len()
    }

    pub fn is_empty(&self) -> bool {
        self.h.is_empty()
    }

    /// Add another histogram's samples (lossless).
    pub fn merge(&mut self, other: &LatencyHistogram) -> Result<(), StatsError> {
        self.h
            .add(&other.h)
            .map_err(|e| StatsError::Merge(e.to_string()))
    }

    /// Remove another histogram's samples, e.g. an earlier snapshot of this one, leaving the
    /// samples recorded since (windowed percentiles). Fails, leaving `self` unspecified, when
    /// `other` holds a sample `self` does not (it is not an earlier snapshot).
    pub fn subtract(&mut self, other: &LatencyHistogram) -> Result<(), StatsError> {
        self.h
            .subtract(&other.h)
            .map_err(|e| StatsError::Merge(e.to_string()))
    }

    /// The recorded samples as `(value µs, count)` pairs, one per non-empty bucket: a compact
    /// copy (a few KB) of a histogram whose full form is ~190 KB. [`Self::from_counts`] turns it
    /// back into the same histogram.
    pub fn counts(&self) -> Vec<(u64, u64)> {
        self.h
            .iter_recorded()
            .map(|v| (v.value_iterated_to(), v.count_at_value()))
            .collect()
    }

    /// Rebuild a histogram from [`Self::counts`].
    pub fn from_counts(counts: &[(u64, u64)]) -> Self {
        let mut h = LatencyHistogram::new();
        for &(us, n) in counts {
            h.record_n(us, n);
        }
        h
    }

    pub fn reset(&mut self) {
        self.h.reset();
    }

    pub fn min_us(&self) -> u64 {
        if self.is_empty() { 0 } else { self.h.min() }
    }

    pub fn max_us(&self) -> u64 {
        if self.is_empty() { 0 } else { self.h.max() }
    }

    pub fn mean_us(&self) -> f64 {
        if self.is_empty() { 0.0 } else { self.h.mean() }
    }

    pub fn stdev_us(&self) -> f64 {
        if self.is_empty() { 0.0 } else { self.h.stdev() }
    }

    /// The value at percentile `p` (0..=100), in microseconds; 0 when empty.
    pub fn percentile_us(&self, p: f64) -> u64 {
        if self.is_empty() {
            0
        } else {
            self.h.value_at_percentile(p.clamp(0.0, 100.0))
        }
    }

    pub fn percentile(&self, p: f64) -> Duration {
        Duration::from_micros(self.percentile_us(p))
    }

    /// Standard summary in milliseconds.
    pub fn summary_ms(&self) -> Summary {
        let ms = |us: u64| us as f64 / 1000.0;
        Summary {
            count: self.len(),
            min: ms(self.min_us()),
            mean: self.mean_us() / 1000.0,
            p50: ms(self.percentile_us(50.0)),
            p90: ms(self.percentile_us(90.0)),
            p99: ms(self.percentile_us(99.0)),
            p999: ms(self.percentile_us(99.9)),
            p9999: ms(self.percentile_us(99.99)),
            max: ms(self.max_us()),
        }
    }

    /// Bucket counts for a terminal histogram: `buckets` log-spaced bins from min to max,
    /// each `(upper bound µs, count)`.
    pub fn log_buckets(&self, buckets: usize) -> Vec<(u64, u64)> {
        if self.is_empty() || buckets == 0 {
            return Vec::new();
        }
        let lo = self.min_us().max(1) as f64;
        let hi = (self.max_us().max(1) as f64).max(lo + 1.0);
        let ratio = (hi / lo).powf(1.0 / buckets as f64);
        let mut bounds: Vec<u64> = (1..=buckets)
            .map(|i| (lo * ratio.powi(i as i32)).ceil() as u64)
            .collect();
        if let Some(last) = bounds.last_mut() {
            *last = self.max_us();
        }
        let mut out: Vec<(u64, u64)> = bounds.iter().map(|&b| (b, 0)).collect();
        for v in self.h.iter_recorded() {
            let value = self.h.highest_equivalent(v.value_iterated_to());
            let idx = bounds.partition_point(|&b| b < value).min(buckets - 1);
            out[idx].1 += v.count_at_value();
        }
        out
    }

    /// The percentile distribution as HdrHistogram's outputPercentileDistribution lists it
    /// (and its plotter draws it): `(percentile 0..=100, value µs)`, `ticks` steps per halving
    /// of the distance to 100%, ending at the maximum. Empty for an empty histogram.
    pub fn percentile_curve(&self, ticks: u32) -> Vec<(f64, u64)> {
        if self.is_empty() {
            return Vec::new();
        }
        self.h
            .iter_quantiles(ticks.max(1))
            .map(|v| {
                let value = self.h.highest_equivalent(v.value_iterated_to());
                (v.quantile_iterated_to() * 100.0, value.min(self.max_us()))
            })
            .collect()
    }

    /// Encode as base64 of the V2 compressed HdrHistogram format (what HdrHistogram's own
    /// tools and interval logs use), so other machines' runs can be merged without loss.
    pub fn to_base64(&self) -> String {
        let mut buf = Vec::new();
        // Serializing into a Vec cannot fail for a valid histogram.
        let _ = V2DeflateSerializer::new().serialize(&self.h, &mut buf);
        base64_encode(&buf)
    }

    pub fn from_base64(s: &str) -> Result<Self, StatsError> {
        let bytes = base64_decode(s.trim()).map_err(StatsError::Base64)?;
        let mut h: Histogram<u64> = Deserializer::new()
            .deserialize(&mut std::io::Cursor::new(bytes))
            .map_err(|e| StatsError::Decode(e.to_string()))?;
        h.auto(true);
        let mut out = LatencyHistogram::new();
        out.h
            .add(&h)
            .map_err(|e| StatsError::Merge(e.to_string()))?;
        Ok(out)
    }

    /// The underlying histogram (for interval logs).
    pub fn inner(&self) -> &Histogram<u64> {
        &self.h
    }
}

/// The usual latency summary, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Summary {
    pub count: u64,
    pub min: f64,
    pub mean: f64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    #[serde(rename = "p99.9")]
    pub p999: f64,
    #[serde(rename = "p99.99")]
    pub p9999: f64,
    pub max: f64,
}

fn base64_encode(data: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(data)
}

fn base64_decode(s: &str) -> Result<Vec<u8>, String> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_match_sorted_samples() {
        let mut h = LatencyHistogram::new();
        for us in 1..=10_000u64 {
            h.record_us(us);
        }
        assert_eq!(h.len(), 10_000);
        // Independent calculation: the p-th value of 1..=10000 is 100*p, within 0.1%.
        for p in [50.0, 90.0, 99.0, 99.9] {
            let want = p * 100.0;
            let got = h.percentile_us(p) as f64;
            assert!((got - want).abs() / want < 0.001, "p{p}: {got} vs {want}");
        }
        assert_eq!(h.min_us(), 1);
        assert!((h.mean_us() - 5000.5).abs() < 5.0);
    }

    #[test]
    fn clamps_and_empty() {
        let mut h = LatencyHistogram::new();
        assert_eq!(h.percentile_us(99.0), 0);
        assert_eq!(h.summary_ms().max, 0.0);
        h.record(Duration::from_nanos(10));
        h.record(Duration::from_secs(7200));
        assert_eq!(h.min_us(), 1);
        assert!(h.max_us() >= MAX_US);
    }

    #[test]
    fn merge_and_roundtrip() {
        let mut a = LatencyHistogram::new();
        let mut b = LatencyHistogram::new();
        for i in 0..1000 {
            a.record_us(100 + i);
            b.record_us(5000 + i);
        }
        let enc = b.to_base64();
        let b2 = LatencyHistogram::from_base64(&enc).unwrap();
        assert_eq!(b2.len(), 1000);
        assert_eq!(b2.percentile_us(50.0), b.percentile_us(50.0));
        a.merge(&b2).unwrap();
        assert_eq!(a.len(), 2000);
        assert!(LatencyHistogram::from_base64("!!!").is_err());
        assert!(LatencyHistogram::from_base64("AAAA").is_err());
    }

    #[test]
    fn subtract_and_compact_counts() {
        let mut h = LatencyHistogram::new();
        for us in [100, 100, 250, 9_000] {
            h.record_us(us);
        }
        let snap = LatencyHistogram::from_counts(&h.counts());
        assert_eq!(snap.len(), 4);
        assert_eq!(snap.counts(), h.counts());
        for _ in 0..10 {
            h.record_us(2_000);
        }
        let mut since = h.clone();
        since.subtract(&snap).unwrap();
        assert_eq!(since.len(), 10);
        // Only the 2 ms samples are left (the 9 ms one is gone, so p99 is 2 ms, within 0.1%).
        for p in [1.0, 50.0, 99.0, 100.0] {
            let got = since.percentile_us(p) as f64;
            assert!((got - 2_000.0).abs() <= 2.0, "p{p}: {got}");
        }
        // Not an earlier snapshot: an error, not a panic.
        let mut other = LatencyHistogram::new();
        other.record_us(100);
        assert!(other.subtract(&since).is_err());
    }

    #[test]
    fn base64_known_vectors() {
        assert_eq!(base64_encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64_encode(b"fo"), "Zm8=");
        assert_eq!(base64_decode("Zm8=").unwrap(), b"fo");
        assert_eq!(base64_decode("Zm9vYg==").unwrap(), b"foob");
    }

    #[test]
    fn the_percentile_curve_rises_to_the_maximum() {
        let mut h = LatencyHistogram::new();
        for us in 1..=10_000u64 {
            h.record_us(us);
        }
        let c = h.percentile_curve(5);
        assert!(c.len() > 20, "{c:?}");
        assert!(c.windows(2).all(|w| w[0].0 <= w[1].0 && w[0].1 <= w[1].1));
        let (p, v) = c[c.len() - 1];
        assert_eq!((p, v), (100.0, h.max_us()));
        assert!(v.abs_diff(10_000) <= 10, "{v}");
        // The median point: 5000 µs within HdrHistogram's 0.1%.
        let mid = c.iter().find(|(p, _)| *p >= 50.0).unwrap();
        assert!((mid.1 as f64 - 5000.0).abs() <= 5.0, "{mid:?}");
        assert!(LatencyHistogram::new().percentile_curve(5).is_empty());
    }

    #[test]
    fn buckets_cover_all() {
        let mut h = LatencyHistogram::new();
        for us in [10, 20, 100, 1000, 5000, 5000] {
            h.record_us(us);
        }
        let b = h.log_buckets(8);
        assert_eq!(b.len(), 8);
        assert_eq!(b.iter().map(|x| x.1).sum::<u64>(), 6);
    }
}
