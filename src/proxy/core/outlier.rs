//! Outlier detection (Envoy's outlier_detection): a backend is ejected for a while when it
//! returns N consecutive 5xx or gateway errors, or when its success rate over an interval falls
//! below the pool's mean by K standard deviations; at most `max-ejection-percent` of a pool is
//! ejected at once (at least one backend may be), and each repeat ejection lasts longer
//! (base time x times ejected, capped). It runs beside nginx-style max_fails (backend.rs) and
//! the panic mode (pool.rs). This file holds the policy, the per-backend counters and the
//! arithmetic; pool.rs applies them.

use crate::spec::{SpecError, parse_duration};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

/// The grammar of `--outlier`, for messages and help.
pub const OUTLIER_GRAMMAR: &str = "consecutive=N,interval=D,base-ejection=D,max-ejection=D,max-ejection-percent=P,success-rate-stdev=K,min-hosts=N,min-requests=N";

/// Envoy's defaults (outlier_detection.proto), except where a comment says otherwise.
#[derive(Debug, Clone, PartialEq)]
pub struct OutlierPolicy {
    /// Consecutive 5xx or gateway errors that eject (0: off). Envoy: consecutive_5xx = 5.
    pub consecutive: u32,
    /// How often success rates are computed and ejection multipliers decay. Envoy: 10 s.
    pub interval: Duration,
    /// The first ejection's length; the n-th lasts n times as long. Envoy: 30 s.
    pub base_ejection: Duration,
    /// The longest ejection. Envoy: 300 s.
    pub max_ejection: Duration,
    /// The largest share of a pool ejected at once, in percent (at least one backend).
    /// Envoy: 10.
    pub max_ejection_percent: u32,
    /// K in mean - K x stdev (0: success-rate ejection off). Envoy: 1900/1000 = 1.9.
    pub success_rate_stdev: f64,
    /// Backends with enough requests needed before success rates are compared. Envoy: 5.
    pub min_hosts: u32,
    /// Requests in an interval for a backend's success rate to count. Envoy: 100.
    pub min_requests: u64,
}

impl Default for OutlierPolicy {
    fn default() -> Self {
        OutlierPolicy {
            consecutive: 5,
            interval: Duration::from_secs(10),
            base_ejection: Duration::from_secs(30),
            max_ejection: Duration::from_secs(300),
            max_ejection_percent: 10,
            success_rate_stdev: 1.9,
            min_hosts: 5,
            min_requests: 100,
        }
    }
}

impl OutlierPolicy {
    /// Parse `on` (the defaults) or `key=value,...` over the defaults.
    pub fn parse(s: &str) -> Result<Self, SpecError> {
        let mut p = OutlierPolicy::default();
        let t = s.trim();
        if t == "on" || t.is_empty() {
            return Ok(p);
        }
        let err = |part: &str, problem: &str| {
            SpecError::new("outlier policy", part, problem.to_string(), OUTLIER_GRAMMAR)
        };
        for part in t.split(',') {
            let part = part.trim();
            let Some((k, v)) = part.split_once('=') else {
                return Err(err(part, "expected key=value"));
            };
            let (k, v) = (k.trim(), v.trim());
            let num = || {
                v.parse::<u64>()
                    .map_err(|_| err(part, "expected a whole number"))
            };
            let dur = || {
                parse_duration(v)
                    .ok()
                    .filter(|d| !d.is_zero())
                    .ok_or_else(|| err(part, "expected a duration above 0, e.g. 10s"))
            };
            match k {
                "consecutive" => p.consecutive = num()?.min(u32::MAX as u64) as u32,
                "interval" => p.interval = dur()?,
                "base-ejection" => p.base_ejection = dur()?,
                "max-ejection" => p.max_ejection = dur()?,
                "max-ejection-percent" => match num()? {
                    n @ 0..=100 => p.max_ejection_percent = n as u32,
                    _ => return Err(err(part, "expected a percentage 0-100")),
                },
                "success-rate-stdev" => match v.parse::<f64>() {
                    Ok(f) if f.is_finite() && f >= 0.0 => p.success_rate_stdev = f,
                    _ => return Err(err(part, "expected a number >= 0, e.g. 1.9")),
                },
                "min-hosts" => p.min_hosts = num()?.clamp(1, u32::MAX as u64) as u32,
                "min-requests" => p.min_requests = num()?.max(1),
                _ => return Err(err(part, "unknown key")),
            }
        }
        Ok(p)
    }

    /// How many of `n` backends may be ejected at once.
    pub fn cap(&self, n: usize) -> usize {
        (n * self.max_ejection_percent as usize / 100).max(1)
    }

    /// How long the `times`-th ejection lasts.
    pub fn ejection_for(&self, times: u32) -> Duration {
        self.base_ejection
            .saturating_mul(times.max(1))
            .min(self.max_ejection.max(self.base_ejection))
    }
}

/// One backend's outlier counters (all atomics: the request path only adds).
#[derive(Debug, Default)]
pub struct OutlierState {
    /// 5xx or gateway errors in a row.
    pub consecutive: AtomicU32,
    /// Successes and failures in the current interval.
    pub ok: AtomicU64,
    pub failed: AtomicU64,
    /// Ejected until this time (ms, see backend::now_ms); 0 when not ejected.
    pub ejected_until: AtomicU64,
    /// Ejections so far, less one per interval spent not ejected (the multiplier).
    pub times: AtomicU32,
    /// Ejections by cause, for /stats and /metrics.
    pub by_consecutive: AtomicU64,
    pub by_success_rate: AtomicU64,
    /// Ejections skipped because the pool was at its cap.
    pub capped: AtomicU64,
}

impl OutlierState {
    /// Ejected at `now` (ms).
    pub fn ejected(&self, now: u64) -> bool {
        let until = self.ejected_until.load(Ordering::Relaxed);
        until != 0 && now < until
    }

    /// Record one result; true when it completes a run of `consecutive` failures.
    pub fn record(&self, ok: bool, consecutive: u32) -> bool {
        if ok {
            self.ok.fetch_add(1, Ordering::Relaxed);
            if self.consecutive.load(Ordering::Relaxed) != 0 {
                self.consecutive.store(0, Ordering::Relaxed);
            }
            false
        } else {
            self.failed.fetch_add(1, Ordering::Relaxed);
            let n = self.consecutive.fetch_add(1, Ordering::Relaxed) + 1;
            consecutive > 0 && n >= consecutive
        }
    }
}

/// The success-rate outliers among `rates` (backend index, success rate in 0..=1, for the
/// backends with enough requests): below mean - K x stdev, when at least `min_hosts` have
/// rates (Envoy's success-rate algorithm; population standard deviation).
pub fn success_rate_outliers(rates: &[(usize, f64)], policy: &OutlierPolicy) -> Vec<usize> {
    if policy.success_rate_stdev == 0.0 || rates.len() < policy.min_hosts as usize {
        return Vec::new();
    }
    let n = rates.len() as f64;
    let mean = rates.iter().map(|r| r.1).sum::<f64>() / n;
    let var = rates.iter().map(|r| (r.1 - mean).powi(2)).sum::<f64>() / n;
    let threshold = mean - policy.success_rate_stdev * var.sqrt();
    rates
        .iter()
        .filter(|r| r.1 < threshold)
        .map(|r| r.0)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_defaults_and_mistakes() {
        assert_eq!(
            OutlierPolicy::parse("on").unwrap(),
            OutlierPolicy::default()
        );
        let p = OutlierPolicy::parse("consecutive=3,interval=1s,max-ejection-percent=50").unwrap();
        assert_eq!(p.consecutive, 3);
        assert_eq!(p.interval, Duration::from_secs(1));
        assert_eq!(p.max_ejection_percent, 50);
        for (bad, want) in [
            ("consecutive=x", "whole number"),
            ("interval=0s", "duration above 0"),
            ("max-ejection-percent=101", "percentage"),
            ("success-rate-stdev=-1", "number >= 0"),
            ("nope=1", "unknown key"),
            ("consecutive", "key=value"),
        ] {
            let e = OutlierPolicy::parse(bad).unwrap_err().to_string();
            assert!(e.contains(want), "{bad}: {e}");
        }
    }

    #[test]
    fn cap_and_growing_ejections() {
        let p = OutlierPolicy::default();
        assert_eq!(p.cap(3), 1); // at least one
        assert_eq!(p.cap(30), 3);
        assert_eq!(p.ejection_for(1), Duration::from_secs(30));
        assert_eq!(p.ejection_for(3), Duration::from_secs(90));
        assert_eq!(p.ejection_for(100), Duration::from_secs(300));
    }

    #[test]
    fn consecutive_runs() {
        let s = OutlierState::default();
        assert!(!s.record(false, 3));
        assert!(!s.record(false, 3));
        assert!(!s.record(true, 3));
        assert!(!s.record(false, 3) && !s.record(false, 3));
        assert!(s.record(false, 3));
        assert!(!OutlierState::default().record(false, 0));
    }

    #[test]
    fn success_rate_against_an_independent_calculation() {
        let p = OutlierPolicy::default();
        // Five backends at 100% and one at 70%: mean 0.95, population stdev 0.1118,
        // threshold 0.95 - 1.9 x 0.1118 = 0.7376 (computed by hand): only the 70% one.
        let rates = [(0, 1.0), (1, 1.0), (2, 1.0), (3, 1.0), (4, 1.0), (5, 0.7)];
        assert_eq!(success_rate_outliers(&rates, &p), vec![5]);
        // Fewer than min-hosts backends with enough requests: no verdict.
        assert!(success_rate_outliers(&rates[..4], &p).is_empty());
        // All equal: nobody is below the mean.
        assert!(success_rate_outliers(&[(0, 0.5); 6], &p).is_empty());
    }
}
