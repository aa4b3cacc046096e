//! Time series of a run, bucketed by completion time (1 s buckets, wider for long runs so a
//! run keeps at most [`MAX_BUCKETS`]): per bucket the p99 of client latency, completions,
//! errors, and the attempts sent to each tracked backend. They feed the HTML report and the
//! time-to-recover figure ([`recovery`]).

use hdrhistogram::Histogram;
use serde::Serialize;

pub const MAX_BUCKETS: usize = 600;
/// Backends whose share is kept per bucket (those named by events first).
pub const MAX_TRACKED: usize = 12;

/// The series while a run goes.
pub struct SeriesBuilder {
    pub bucket_ns: u64,
    hist: Vec<Histogram<u32>>,
    done: Vec<u64>,
    errors: Vec<u64>,
    /// Tracked backend index -> position in `attempts[b]`.
    tracked: Vec<usize>,
    slot_of: Vec<Option<usize>>,
    attempts: Vec<Vec<u64>>,
    all_attempts: Vec<u64>,
}

/// A bucket width for a run of `span_s` seconds.
pub fn bucket_ns(span_s: f64) -> u64 {
    let w = (span_s / MAX_BUCKETS as f64).ceil().max(1.0);
    (w * 1e9) as u64
}

fn new_hist() -> Histogram<u32> {
    // 2 significant digits, 1 µs .. 100 s: a per-second p99 needs no more, and 600 of them
    // stay small. The whole run's percentiles use stats::LatencyHistogram (3 digits).
    Histogram::new_with_bounds(1, 100_000_000, 2).expect("valid histogram bounds")
}

impl SeriesBuilder {
    pub fn new(bucket_ns: u64, n_backends: usize, tracked: Vec<usize>) -> Self {
        let mut slot_of = vec![None; n_backends];
        for (k, &b) in tracked.iter().enumerate() {
            slot_of[b] = Some(k);
        }
        SeriesBuilder {
            bucket_ns,
            hist: Vec::new(),
            done: Vec::new(),
            errors: Vec::new(),
            tracked,
            slot_of,
            attempts: Vec::new(),
            all_attempts: Vec::new(),
        }
    }

    fn bucket(&mut self, t: u64) -> usize {
        let i = ((t / self.bucket_ns) as usize).min(4 * MAX_BUCKETS);
        while self.hist.len() <= i {
            self.hist.push(new_hist());
            self.done.push(0);
            self.errors.push(0);
            self.attempts.push(vec![0; self.tracked.len()]);
            self.all_attempts.push(0);
        }
        i
    }

    #[inline]
    pub fn completed(&mut self, t: u64, latency_us: u64) {
        let i = self.bucket(t);
        self.hist[i].saturating_record(latency_us.clamp(1, 100_000_000));
        self.done[i] += 1;
    }

    #[inline]
    pub fn error(&mut self, t: u64) {
        let i = self.bucket(t);
        self.errors[i] += 1;
    }

    #[inline]
    pub fn attempt(&mut self, t: u64, backend: usize) {
        let i = self.bucket(t);
        self.all_attempts[i] += 1;
        if let Some(k) = self.slot_of[backend] {
            self.attempts[i][k] += 1;
        }
    }

    pub fn finish(self, names: &[String]) -> Series {
        let p99_ms = self
            .hist
            .iter()
            .map(|h| {
                if h.is_empty() {
                    0.0
                } else {
                    h.value_at_quantile(0.99) as f64 / 1000.0
                }
            })
            .collect();
        let share = self
            .tracked
            .iter()
            .enumerate()
            .map(|(k, &b)| SeriesShare {
                backend: names[b].clone(),
                // A bucket without attempts (the drain after the last arrival) carries the
                // previous share rather than drawing a fall to 0.
                share: self
                    .attempts
                    .iter()
                    .zip(&self.all_attempts)
                    .scan(0.0, |last, (a, &all)| {
                        if all > 0 {
                            *last = a[k] as f64 / all as f64;
                        }
                        Some(*last)
                    })
                    .collect(),
            })
            .collect();
        Series {
            bucket_s: self.bucket_ns as f64 / 1e9,
            p99_ms,
            completed: self.done,
            errors: self.errors,
            share,
        }
    }
}

/// Per-bucket figures of one algorithm's run.
#[derive(Debug, Clone, Serialize)]
pub struct Series {
    pub bucket_s: f64,
    /// p99 of client latency of the requests completed in each bucket (0: none).
    pub p99_ms: Vec<f64>,
    pub completed: Vec<u64>,
    pub errors: Vec<u64>,
    /// Share of the attempts of each bucket that went to each tracked backend.
    pub share: Vec<SeriesShare>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SeriesShare {
    pub backend: String,
    pub share: Vec<f64>,
}

/// Time to recover after an event, as `lbctl sim --help` defines it: the baseline is the
/// median of the per-second p99 over the 10 s before the event (and its error ratio); the
/// run has recovered at the first second from which 3 consecutive seconds have a p99 within
/// 10% of the baseline (at most 1.1x) and an error ratio at most the baseline's + 0.1%.
pub mod recovery {
    use super::Series;

    /// Baseline window and the run of good buckets, in seconds.
    const BASELINE_S: f64 = 10.0;
    const STABLE_S: f64 = 3.0;

    #[derive(Debug, Clone, Copy, PartialEq)]
    pub struct Recovery {
        pub baseline_p99_ms: f64,
        /// The worst per-bucket p99 from the event to the recovery (or the end).
        pub peak_p99_ms: f64,
        /// Seconds from the event; None: not recovered by the end of the run.
        pub after_s: Option<f64>,
    }

    fn err_ratio(s: &Series, i: usize) -> f64 {
        let all = s.completed[i] + s.errors[i];
        if all == 0 {
            0.0
        } else {
            s.errors[i] as f64 / all as f64
        }
    }

    /// Recovery after an event at `at_s` seconds; None without a baseline (an event in the
    /// first bucket) or without buckets after it.
    pub fn after(s: &Series, at_s: f64) -> Option<Recovery> {
        let w = s.bucket_s;
        let ev = (at_s / w).floor() as usize;
        let before = ((BASELINE_S / w).ceil() as usize).max(1);
        let lo = ev.saturating_sub(before);
        let mut base: Vec<f64> = (lo..ev.min(s.p99_ms.len()))
            .filter(|&i| s.completed[i] > 0)
            .map(|i| s.p99_ms[i])
            .collect();
        if base.is_empty() || ev >= s.p99_ms.len() {
            return None;
        }
        base.sort_by(f64::total_cmp);
        let baseline = base[base.len() / 2];
        let base_err = (lo..ev).map(|i| err_ratio(s, i)).sum::<f64>() / (ev - lo).max(1) as f64;
        let need = ((STABLE_S / w).ceil() as usize).max(1);
        let good = |i: usize| {
            s.completed[i] > 0
                && s.p99_ms[i] <= baseline * 1.1
                && err_ratio(s, i) <= base_err + 0.001
        };
        let mut peak: f64 = 0.0;
        // The event's own bucket counts from the event; recovery is measured to a bucket start.
        for i in ev..s.p99_ms.len() {
            if i + need > s.p99_ms.len() {
                break;
            }
            if (i..i + need).all(good) {
                let after = (i as f64 * w - at_s).max(0.0);
                return Some(Recovery {
                    baseline_p99_ms: baseline,
                    peak_p99_ms: peak.max(s.p99_ms[i]),
                    after_s: Some(after),
                });
            }
            peak = peak.max(s.p99_ms[i]);
        }
        Some(Recovery {
            baseline_p99_ms: baseline,
            peak_p99_ms: peak,
            after_s: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::recovery::after;
    use super::*;

    fn series(p99: &[f64]) -> Series {
        Series {
            bucket_s: 1.0,
            p99_ms: p99.to_vec(),
            completed: vec![100; p99.len()],
            errors: vec![0; p99.len()],
            share: vec![],
        }
    }

    #[test]
    fn recovery_is_the_first_of_three_good_seconds() {
        let mut p = vec![10.0; 10];
        p.extend([80.0, 50.0, 10.5, 30.0, 10.0, 10.9, 10.2, 10.0]);
        let r = after(&series(&p), 10.0).unwrap();
        assert_eq!(r.baseline_p99_ms, 10.0);
        assert_eq!(r.after_s, Some(4.0));
        assert_eq!(r.peak_p99_ms, 80.0);
        // Unaffected: recovered at once.
        assert_eq!(
            after(&series(&[10.0; 20]), 10.0).unwrap().after_s,
            Some(0.0)
        );
        // Never back.
        let mut q = vec![10.0; 10];
        q.extend([50.0; 10]);
        assert_eq!(after(&series(&q), 10.0).unwrap().after_s, None);
        assert!(after(&series(&q), 0.0).is_none());
    }
}
