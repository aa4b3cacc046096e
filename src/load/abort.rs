//! `--abort-on-slo` (k6's abortOnFail, <https://grafana.com/docs/k6/latest/using-k6/thresholds/>):
//! mod.rs feeds every completed interval snapshot to an [`AbortCheck`], which says when an
//! `--slo` is certainly lost, so the run can stop early instead of burning its whole plan:
//!
//! - an error count already over its bound;
//! - an error share that stays over its bound even if every remaining planned request
//!   succeeds (needs a known plan size: the open model, or -n);
//! - a latency percentile (or max) already over its bound over the requests so far.
//!
//! Nothing is judged before `--abort-grace`. Objectives that only a finished run can judge
//! (rps, requests, min, mean, lower bounds) never abort.

use super::slo::{Metric, Op, Slo};
use crate::stats::LatencyHistogram;
use std::time::Duration;

/// Why and when a run was stopped (in the report as `aborted`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Abort {
    /// Seconds into the measured window.
    pub at_s: f64,
    /// The objective, as typed.
    pub slo: String,
    pub reason: String,
}

/// The running totals an abort decision is made on.
pub struct AbortCheck {
    slos: Vec<Slo>,
    grace: Duration,
    /// Requests the plan will finish in all (None when only the clock ends the run).
    planned: Option<u64>,
    latency: LatencyHistogram,
    requests: u64,
    errors: u64,
}

impl AbortCheck {
    pub fn new(slos: &[Slo], grace: Duration, planned: Option<u64>) -> AbortCheck {
        AbortCheck {
            slos: slos.to_vec(),
            grace,
            planned,
            latency: LatencyHistogram::new(),
            requests: 0,
            errors: 0,
        }
    }

    /// Add one completed interval ending `elapsed` into the window; Some when the run must
    /// stop.
    pub fn observe(
        &mut self,
        requests: u64,
        errors: u64,
        latency: &LatencyHistogram,
        elapsed: Duration,
    ) -> Option<Abort> {
        self.requests += requests;
        self.errors += errors;
        let _ = self.latency.merge(latency);
        if elapsed < self.grace {
            return None;
        }
        self.slos.iter().find_map(|s| {
            self.lost(s).map(|reason| Abort {
                at_s: elapsed.as_secs_f64(),
                slo: s.text.clone(),
                reason,
            })
        })
    }

    /// Why `slo` can no longer pass, if it cannot.
    fn lost(&self, slo: &Slo) -> Option<String> {
        // Only upper bounds can be lost for good before the end.
        if !matches!(slo.op, Op::Lt | Op::Le) {
            return None;
        }
        let over = |v: f64| match slo.op {
            Op::Lt => v >= slo.bound,
            _ => v > slo.bound,
        };
        match slo.metric {
            Metric::ErrorCount => over(self.errors as f64).then(|| {
                format!(
                    "{} errors already, and the bound is {}",
                    self.errors, slo.bound
                )
            }),
            Metric::ErrorShare => {
                let total = self.planned?.max(self.requests).max(1);
                let best = self.errors as f64 * 100.0 / total as f64;
                over(best).then(|| {
                    format!(
                        "{} errors of {total} planned requests is {best:.2}% even if every \
                         remaining request succeeds",
                        self.errors
                    )
                })
            }
            Metric::Percentile(p) if !self.latency.is_empty() => {
                let ms = self.latency.percentile_us(p) as f64 / 1000.0;
                over(ms).then(|| {
                    format!(
                        "p{} is {ms:.1} ms over the {} responses so far",
                        super::slo::percentile_key(p).trim_start_matches('p'),
                        self.latency.len()
                    )
                })
            }
            Metric::Max if !self.latency.is_empty() => {
                let ms = self.latency.max_us() as f64 / 1000.0;
                over(ms).then(|| format!("a response took {ms:.1} ms"))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::slo::parse_slo;

    fn hist(ms: &[u64]) -> LatencyHistogram {
        let mut h = LatencyHistogram::new();
        for m in ms {
            h.record_us(m * 1000);
        }
        h
    }

    #[test]
    fn error_share_aborts_only_when_the_plan_cannot_recover() {
        let slos = [parse_slo("errors<1%").unwrap()];
        let s = Duration::from_secs;
        let mut c = AbortCheck::new(&slos, s(2), Some(1000));
        // 9 errors of 1000 planned is 0.9%: still possible.
        assert_eq!(c.observe(100, 9, &hist(&[1]), s(1)), None);
        assert_eq!(c.observe(100, 0, &hist(&[1]), s(2)), None);
        // 10 errors of 1000 is 1%: lost, whatever comes.
        let a = c.observe(100, 1, &hist(&[1]), s(3)).unwrap();
        assert_eq!(a.slo, "errors<1%");
        assert!(a.reason.contains("10 errors of 1000"), "{}", a.reason);
        assert_eq!(a.at_s, 3.0);
        // Without a known plan size an error share never aborts.
        let mut open_ended = AbortCheck::new(&slos, s(0), None);
        assert_eq!(open_ended.observe(10, 10, &hist(&[1]), s(1)), None);
    }

    #[test]
    fn latency_and_counts_abort_after_the_grace() {
        let s = Duration::from_secs;
        let slos = [
            parse_slo("p99<100ms").unwrap(),
            parse_slo("rps>=1000").unwrap(),
        ];
        let mut c = AbortCheck::new(&slos, s(5), None);
        let slow = hist(&[300; 10]);
        assert_eq!(c.observe(10, 0, &slow, s(1)), None, "inside the grace");
        let a = c.observe(10, 0, &slow, s(5)).unwrap();
        assert_eq!(a.slo, "p99<100ms");
        assert!(a.reason.contains("p99 is 300"), "{}", a.reason);
        let mut fine = AbortCheck::new(&slos, s(0), None);
        assert_eq!(fine.observe(10, 0, &hist(&[5; 10]), s(1)), None);
        let mut count = AbortCheck::new(&[parse_slo("errors<=3").unwrap()], s(0), None);
        assert_eq!(count.observe(10, 3, &hist(&[1]), s(1)), None);
        assert!(count.observe(10, 1, &hist(&[1]), s(2)).is_some());
        // Lower bounds and end-of-run measures never abort.
        let mut lower = AbortCheck::new(&[parse_slo("p50>1s").unwrap()], s(0), None);
        assert_eq!(lower.observe(10, 0, &hist(&[1]), s(1)), None);
    }
}
