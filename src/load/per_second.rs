//! Per-second results in the `lbctl.load/v1` document (`per_second`): one entry per second of
//! the measured window with its finished requests, errors, p50/p90/p99/max and the second's
//! latency histogram (base64 of the compressed V2 HdrHistogram format, as `histograms`), so that
//! `load report` can draw latency over time from the JSON alone and `load merge` can add the
//! shards' seconds losslessly.
//!
//! The seconds tile the window as the `--hdr-log` intervals do (hdrlog.rs): second `i` starts
//! at `i` s, the last one ends where the window ends, a second without a response is an empty
//! entry, and responses after the planned window (the open model's drain) count in the last one.
//! Memory: each finished second is kept encoded (a few hundred bytes to a few KB), never as a
//! full 190 KB histogram; only the latest second is held decoded.

use crate::stats::LatencyHistogram;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The longest run a document may describe, in seconds (a run is at most 30 days plus its
/// warmup): a file claiming more is not lbctl's, and would cost memory to merge or draw.
const MAX_SECONDS: u64 = 31 * 24 * 3600;

/// One second of the measured window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Second {
    /// Seconds since the measured window's start.
    pub t: u64,
    /// Length of this second: 1 but for the last one (where the window ends).
    pub length_s: f64,
    /// Finished requests (responses + transport errors) in this second.
    pub requests: u64,
    /// Transport errors + 5xx responses in this second.
    pub errors: u64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// The second's latency histogram (µs), base64 of the compressed V2 format.
    pub histogram: String,
}

/// The `per_second` object of a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PerSecond {
    /// Unix time (s) of the measured window's start (second 0), the wall clock the seconds of
    /// several shards are aligned on by `load merge`.
    pub start_unix: f64,
    pub seconds: Vec<Second>,
}

impl Second {
    /// The entry of second `t` from its numbers and histogram.
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

    /// Requests per second in this second (the last one may be shorter).
    pub fn rate(&self) -> f64 {
        if self.length_s > 0.0 {
            self.requests as f64 / self.length_s
        } else {
            0.0
        }
    }
}

/// The seconds of a run as they complete (pushed in order by mod.rs's `follow`).
pub struct Recorder {
    /// The planned end of the window when the plan fixes one: seconds at or past it are the
    /// drain's and go to the last second.
    bound: Option<Duration>,
    done: Vec<Second>,
    /// The latest second, held decoded as it may still grow (a repeated or drain index).
    pending: Option<(u64, u64, u64, LatencyHistogram)>,
}

impl Recorder {
    pub fn new(bound: Option<Duration>) -> Self {
        Recorder {
            bound,
            done: Vec::new(),
            pending: None,
        }
    }

    /// The numbers of second `index` (in increasing order; an index seen again, or one past
    /// the planned window, is added to the latest second).
    pub fn push(&mut self, index: u64, requests: u64, errors: u64, h: &LatencyHistogram) {
        let beyond = self.bound.is_some_and(|b| Duration::from_secs(index) >= b);
        if let Some((latest, r, e, held)) = &mut self.pending
            && (index <= *latest || beyond)
        {
            *r += requests;
            *e += errors;
            // Both histograms share the same bounds: adding cannot fail.
            let _ = held.merge(h);
            return;
        }
        let next = match self.pending.take() {
            Some((latest, r, e, held)) => {
                self.done.push(Second::new(latest, 1.0, r, e, &held));
                latest + 1
            }
            None => 0,
        };
        let empty = LatencyHistogram::new();
        for gap in next..index {
            self.done.push(Second::new(gap, 1.0, 0, 0, &empty));
        }
        self.pending = Some((index, requests, errors, h.clone()));
    }

    /// The seconds, the last one ending where the measured `window` ends.
    pub fn finish(mut self, window: Duration, start_unix: f64) -> PerSecond {
        if let Some((latest, r, e, held)) = self.pending.take() {
            let length = window
                .saturating_sub(Duration::from_secs(latest))
                .as_secs_f64()
                .min(1.0);
            self.done.push(Second::new(latest, length, r, e, &held));
        }
        PerSecond {
            start_unix,
            seconds: self.done,
        }
    }
}

/// Merge the seconds of runs made side by side (`load merge`): each run's second `t` is
/// placed at its wall-clock second (its `start_unix` rounded against the earliest start), and
/// the histograms of one second are added. Decodes one second at a time: memory stays at one
/// histogram per run plus the encoded result.
pub fn merge(runs: &[&PerSecond]) -> Result<PerSecond, String> {
    let Some(start) = runs.iter().map(|r| r.start_unix).reduce(f64::min) else {
        return Err("no per-second data to merge".into());
    };
    let offsets: Vec<u64> = runs
        .iter()
        .map(|r| (r.start_unix - start).round().clamp(0.0, 1e9) as u64)
        .collect();
    let end = runs
        .iter()
        .zip(&offsets)
        .filter_map(|(r, o)| r.seconds.last().map(|s| s.t.saturating_add(o + 1)))
        .max()
        .unwrap_or(0);
    if end > MAX_SECONDS {
        return Err(format!(
            "the runs span {end} s from the first start to the last end; expected runs made \
             side by side (at most {MAX_SECONDS} s)"
        ));
    }
    let mut cursors = vec![0usize; runs.len()];
    let mut seconds = Vec::new();
    for t in 0..end {
        let (mut requests, mut errors, mut length) = (0u64, 0u64, 0f64);
        let mut h = LatencyHistogram::new();
        for (i, run) in runs.iter().enumerate() {
            while let Some(s) = run.seconds.get(cursors[i])
                && s.t + offsets[i] <= t
            {
                cursors[i] += 1;
                requests += s.requests;
                errors += s.errors;
                length = length.max(s.length_s);
                let sh = LatencyHistogram::from_base64(&s.histogram)
                    .map_err(|e| format!("per_second[{}]: {e}", s.t))?;
                h.merge(&sh)
                    .map_err(|e| format!("per_second[{}]: {e}", s.t))?;
            }
        }
        let length = if length > 0.0 { length } else { 1.0 };
        seconds.push(Second::new(t, length, requests, errors, &h));
    }
    Ok(PerSecond {
        start_unix: start,
        seconds,
    })
}

/// Check a document's seconds (from `load report` or `load merge`): in order, consistent with
/// their histograms. Errors name what was wrong.
pub fn check(p: &PerSecond) -> Result<(), String> {
    let mut last = None;
    for s in &p.seconds {
        if last.is_some_and(|l| s.t <= l) {
            return Err(format!("per_second: second {} is out of order", s.t));
        }
        last = Some(s.t);
        if s.t >= MAX_SECONDS {
            return Err(format!(
                "per_second: second {} is past {MAX_SECONDS} s, longer than any run",
                s.t
            ));
        }
        if !(s.length_s.is_finite() && (0.0..=1.0).contains(&s.length_s)) {
            return Err(format!(
                "per_second: second {} has length {}, expected 0..1",
                s.t, s.length_s
            ));
        }
        let h = LatencyHistogram::from_base64(&s.histogram)
            .map_err(|e| format!("per_second: second {}: {e}", s.t))?;
        if h.len() > s.requests {
            return Err(format!(
                "per_second: second {} holds {} latencies but {} requests",
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
        let mut r = Recorder::new(Some(Duration::from_secs(2)));
        r.push(0, 5, 1, &hist(5, 1000));
        r.push(1, 7, 0, &hist(7, 2000));
        r.push(2, 1, 0, &hist(1, 3000));
        let p = r.finish(Duration::from_secs(2), 100.0);
        assert_eq!(counts(&p), vec![(0, 1.0, 5, 1), (1, 1.0, 8, 0)]);
        assert_eq!(p.start_unix, 100.0);
        // -n: a gap is an empty second, the last is what remains of the window.
        let mut r = Recorder::new(None);
        r.push(0, 5, 0, &hist(5, 1000));
        r.push(2, 3, 3, &hist(0, 0));
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

    #[test]
    fn merge_aligns_on_wall_clock_seconds() {
        let run = |start: f64, n: &[u64]| {
            let mut r = Recorder::new(None);
            for (i, &k) in n.iter().enumerate() {
                r.push(i as u64, k, 0, &hist(k, 1000 * (i as u64 + 1)));
            }
            r.finish(Duration::from_secs(n.len() as u64), start)
        };
        let a = run(1000.0, &[10, 20, 30]);
        // Started one second (and a bit) later: its second 0 is a's second 1.
        let b = run(1001.2, &[1, 2]);
        let m = merge(&[&a, &b]).unwrap();
        assert_eq!(m.start_unix, 1000.0);
        let got: Vec<u64> = m.seconds.iter().map(|s| s.requests).collect();
        assert_eq!(got, vec![10, 21, 32]);
        let h = LatencyHistogram::from_base64(&m.seconds[1].histogram).unwrap();
        assert_eq!(h.len(), 21);
        assert!(check(&m).is_ok());
        assert!(merge(&[]).is_err());
        // Starts a year apart are not shards of one run: an error, not a year of seconds.
        let far = run(1000.0 + 365.0 * 86400.0, &[1]);
        assert!(merge(&[&a, &far]).unwrap_err().contains("side by side"));
    }

    #[test]
    fn check_rejects_inconsistent_seconds() {
        let mut p = Recorder::new(None);
        p.push(0, 3, 0, &hist(3, 10));
        p.push(1, 3, 0, &hist(3, 10));
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
        p.seconds[0].histogram = "%%".into();
        assert!(check(&p).unwrap_err().contains("second 0"));
    }
}
