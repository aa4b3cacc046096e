//! The scenario of a `lbctl sim` run, built and checked from the flags once: the backends
//! with their overrides, the events, the arrival plan, the proxy's settings, the seed and the
//! series' bucketing. The runner and the report read it; nothing here runs anything.

use super::arrivals::RatePlan;
use super::picking::SimAlgorithm;
use super::scenario::{self, BackendModel, Event, KeyDist};
use super::{dist, series, state};
use crate::balance::health::PassivePolicy;
use crate::cli::{SimArgs, SimArrivals};
use crate::exit::Failure;
use crate::spec::stages::{Ramp, Schedule, parse_stage};

/// Bounds that keep a run sane.
const MAX_BACKENDS: usize = 100_000;
const MAX_ALGORITHMS: usize = 16;

/// Everything a run needs, parsed and checked.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub backends: Vec<BackendModel>,
    pub events: Vec<Event>,
    pub plan: RatePlan,
    pub poisson: bool,
    /// Arrivals stop at this virtual time (s) or after `limit` requests.
    pub end_s: f64,
    pub limit: u64,
    pub retries: u32,
    /// A 5xx is a passive failure and retried (the proxy's --fail-on 500,502,503,504).
    pub fail_on_5xx: bool,
    pub passive: PassivePolicy,
    pub keys: KeyDist,
    pub seed: u64,
    pub bucket_ns: u64,
    /// Backends whose share is kept per time bucket.
    pub tracked: Vec<usize>,
}

impl Scenario {
    /// Build from the flags; a `SpecError` or a usage `Failure` on bad input.
    pub fn from_args(a: &SimArgs) -> anyhow::Result<(Scenario, Vec<SimAlgorithm>)> {
        if a.backends == 0 || a.backends > MAX_BACKENDS {
            return Err(Failure::usage(format!(
                "--backends {}: expected 1..={MAX_BACKENDS}",
                a.backends
            )));
        }
        for (flag, v) in [("--fail", a.fail), ("--reset", a.reset)] {
            if !(0.0..=1.0).contains(&v) {
                return Err(Failure::usage(format!(
                    "{flag} {v}: expected a ratio in 0..1"
                )));
            }
        }
        if a.retries as usize >= state::MAX_ATTEMPTS {
            return Err(Failure::usage(format!(
                "--retries {}: expected 0..={}",
                a.retries,
                state::MAX_ATTEMPTS - 1
            )));
        }
        if a.concurrency == Some(0) {
            return Err(Failure::usage("--concurrency 0: expected at least 1"));
        }
        let mut algs = Vec::new();
        for s in &a.algorithm {
            algs.push(SimAlgorithm::parse(s)?);
        }
        if algs.is_empty() || algs.len() > MAX_ALGORITHMS {
            return Err(Failure::usage(format!(
                "--algorithm: expected 1..={MAX_ALGORITHMS} algorithms"
            )));
        }
        let service = dist::ServiceDist::parse(&a.service)?;
        let mut backends = scenario::backends(a.backends, &service, a.concurrency);
        for b in &mut backends {
            b.fail = a.fail;
            b.reset = a.reset;
            b.slowstart = a.slowstart;
        }
        for o in &a.overrides {
            scenario::apply_override(&mut backends, o)?;
        }
        if backends.iter().all(|b| b.weight == 0) {
            return Err(Failure::usage(
                "every backend has weight 0: nothing could serve",
            ));
        }
        let mut events = Vec::new();
        for e in &a.at {
            events.push(scenario::parse_event(&backends, e)?);
        }
        events.sort_by_key(|e| e.at);
        let (plan, span) = if a.stage.is_empty() {
            let span = match (a.duration, a.requests) {
                (Some(d), _) => d.as_secs_f64(),
                (None, Some(_)) => f64::INFINITY,
                (None, None) => 60.0,
            };
            (RatePlan::Constant(a.rate.per_second()), span)
        } else {
            let mut stages = Vec::new();
            for s in &a.stage {
                let st = parse_stage(s)?;
                if let Ramp::Connections { .. } = st.ramp {
                    return Err(Failure::usage(format!(
                        "--stage {s}: sim takes rate stages (30s:100/s..2000/s), not connections"
                    )));
                }
                stages.push(st);
            }
            let peak = stages
                .iter()
                .map(|s| match s.ramp {
                    Ramp::Rate { from, to } => from.max(to),
                    Ramp::Connections { .. } => 0.0,
                })
                .fold(0.0, f64::max);
            if peak <= 0.0 {
                return Err(Failure::usage(
                    "--stage: every stage is 0/s, nothing would arrive",
                ));
            }
            let span: f64 = stages.iter().map(|s| s.duration.as_secs_f64()).sum();
            (
                RatePlan::Staged {
                    schedule: Schedule::staged(&stages),
                    peak,
                },
                span,
            )
        };
        let limit = a.requests.unwrap_or(u64::MAX);
        if limit == 0 {
            return Err(Failure::usage("--requests 0: expected at least 1"));
        }
        // The bucket width follows the expected span (a --requests run: count / rate).
        let expected = if span.is_finite() {
            span
        } else {
            limit as f64 / a.rate.per_second()
        };
        let mut tracked: Vec<usize> = Vec::new();
        for e in &events {
            if !tracked.contains(&e.backend) {
                tracked.push(e.backend);
            }
        }
        for i in 0..backends.len() {
            if tracked.len() >= series::MAX_TRACKED {
                break;
            }
            if !tracked.contains(&i) {
                tracked.push(i);
            }
        }
        tracked.truncate(series::MAX_TRACKED);
        tracked.sort_unstable();
        let sc = Scenario {
            backends,
            events,
            plan,
            poisson: a.arrivals == SimArrivals::Poisson,
            end_s: span,
            limit,
            retries: a.retries,
            fail_on_5xx: a.fail_on_5xx,
            passive: PassivePolicy {
                max_fails: a.max_fails,
                fail_timeout: a.fail_timeout,
            },
            keys: KeyDist::parse(&a.keys)?,
            seed: a.seed,
            bucket_ns: series::bucket_ns(expected.min(1e7)),
            tracked,
        };
        Ok((sc, algs))
    }
}
