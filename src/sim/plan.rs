//! The scenario of a `lbctl sim` run, built and checked from the flags once: the backends
//! with their overrides, the events, the arrival plan, the proxy's settings, the seed and the
//! series' bucketing. The runner and the report read it; nothing here runs anything.

use super::arrivals::RatePlan;
use super::clients::ClosedModel;
use super::picking::SimAlgorithm;
use super::scenario::{self, BackendModel, Event, KeyDist};
use super::{dist, series, state};
use crate::balance::health::PassivePolicy;
use crate::cli::{SimArgs, SimArrivals};
use crate::exit::Failure;
use crate::spec::stages::{ConnectionRamp, Ramp, Schedule, Stage, check_stages, parse_stage};

/// Bounds that keep a run sane.
const MAX_BACKENDS: usize = 100_000;
const MAX_ALGORITHMS: usize = 16;
/// Closed-model clients (load's bound on connections).
const MAX_CLIENTS: u64 = 100_000;
/// The open model's rate when neither --rate nor -c is given.
const DEFAULT_RATE: f64 = 1000.0;
const MAX_OVERHEAD: std::time::Duration = std::time::Duration::from_secs(60);

/// Everything a run needs, parsed and checked.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub backends: Vec<BackendModel>,
    pub events: Vec<Event>,
    /// The open model's arrivals (unused when `closed` is set).
    pub plan: RatePlan,
    /// The closed model (-c, or connection stages); None: the open model.
    pub closed: Option<ClosedModel>,
    pub poisson: bool,
    /// Arrivals stop at this virtual time (s) or after `limit` requests.
    pub end_s: f64,
    pub limit: u64,
    /// Added to every request's latency outside the backends (--overhead), ns.
    pub overhead_ns: u64,
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
        let stages = parse_stages(&a.stage)?;
        let closed = closed_model(a, &stages)?;
        let rate = a.rate.map_or(DEFAULT_RATE, |r| r.per_second());
        let (plan, span) = if stages.is_empty() {
            let span = match (a.duration, a.requests) {
                (Some(d), _) => d.as_secs_f64(),
                (None, Some(_)) => f64::INFINITY,
                (None, None) => 60.0,
            };
            (RatePlan::Constant(rate), span)
        } else {
            let span: f64 = stages.iter().map(|s| s.duration.as_secs_f64()).sum();
            let peak = stages
                .iter()
                .map(|s| match s.ramp {
                    Ramp::Rate { from, to } => from.max(to),
                    Ramp::Connections { .. } => 0.0,
                })
                .fold(0.0, f64::max);
            let plan = if closed.is_some() {
                RatePlan::Constant(rate)
            } else if peak <= 0.0 {
                return Err(Failure::usage(
                    "--stage: every stage is 0/s, nothing would arrive",
                ));
            } else {
                RatePlan::Staged {
                    schedule: Schedule::staged(&stages),
                    peak,
                }
            };
            (plan, span)
        };
        if a.overhead > MAX_OVERHEAD {
            return Err(Failure::usage(format!(
                "--overhead {}: expected at most 60s",
                crate::spec::format_duration(a.overhead)
            )));
        }
        let limit = a.requests.unwrap_or(u64::MAX);
        if limit == 0 {
            return Err(Failure::usage("--requests 0: expected at least 1"));
        }
        // The bucket width follows the expected span (a --requests run: count / rate; closed:
        // count over the clients' rate at the mean service time).
        let expected = match (&closed, span.is_finite()) {
            (_, true) => span,
            (None, false) => limit as f64 / rate,
            (Some(c), false) => {
                let mean_s = backends.iter().map(|b| b.service.mean()).sum::<f64>()
                    / backends.len() as f64
                    / 1e9;
                let extra = (c.think_ns + a.overhead.as_nanos() as u64) as f64 / 1e9;
                limit as f64 * (mean_s + extra) / c.clients as f64
            }
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
            closed,
            poisson: a.arrivals.unwrap_or(SimArrivals::Poisson) == SimArrivals::Poisson,
            end_s: span,
            limit,
            overhead_ns: a.overhead.as_nanos() as u64,
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

/// The --stage flags, parsed and checked as a whole (one model, at most 100).
fn parse_stages(specs: &[String]) -> anyhow::Result<Vec<Stage>> {
    if specs.is_empty() {
        return Ok(Vec::new());
    }
    let mut stages = Vec::new();
    for s in specs {
        stages.push(parse_stage(s)?);
    }
    check_stages(&stages).map_err(|e| {
        if e.starts_with("--stage") {
            Failure::usage(e)
        } else {
            Failure::usage(format!("--stage: {e}"))
        }
    })?;
    Ok(stages)
}

/// The closed model asked for by -c or connection stages, refusing a mix with the open model's
/// flags (exit 2).
fn closed_model(a: &SimArgs, stages: &[Stage]) -> anyhow::Result<Option<ClosedModel>> {
    let rate_stages = stages.iter().any(|s| matches!(s.ramp, Ramp::Rate { .. }));
    let conn_stages = !stages.is_empty() && !rate_stages;
    let closed = a.connections.is_some() || conn_stages;
    if closed {
        let why = if conn_stages {
            "--stage DURATION:N (closed model)"
        } else {
            "-c (closed model)"
        };
        if let Some(r) = a.rate {
            return Err(Failure::usage(format!(
                "--rate {}/s cannot go with {why}: the open model takes --rate, the closed model -c N",
                r.per_second()
            )));
        }
        if rate_stages {
            return Err(Failure::usage(format!(
                "--stage {}: a rate stage cannot go with -c (closed model); use DURATION:N stages",
                stages[0].text
            )));
        }
        if a.arrivals.is_some() {
            return Err(Failure::usage(format!(
                "--arrivals cannot go with {why}: clients send when answered"
            )));
        }
        if conn_stages && let Some(n) = a.connections {
            return Err(Failure::usage(format!(
                "-c {n} cannot go with --stage DURATION:N: the stages set the clients"
            )));
        }
    } else if a.think.is_some() {
        return Err(Failure::usage(
            "--think applies to the closed model: add -c N (or --stage DURATION:N)",
        ));
    }
    if !closed {
        return Ok(None);
    }
    let think_ns = a
        .think
        .map_or(0, |d| d.as_nanos().min(u64::MAX as u128) as u64);
    if conn_stages {
        let ramp = ConnectionRamp::new(stages);
        if ramp.max() == 0 {
            return Err(Failure::usage(
                "--stage: every stage has 0 clients, nothing would be sent",
            ));
        }
        return Ok(Some(ClosedModel {
            clients: ramp.max(),
            ramp: Some(ramp),
            think_ns,
        }));
    }
    let n = a.connections.unwrap_or(0);
    if n == 0 || n > MAX_CLIENTS {
        return Err(Failure::usage(format!(
            "-c {n}: expected 1..={MAX_CLIENTS} clients"
        )));
    }
    Ok(Some(ClosedModel {
        clients: n,
        ramp: None,
        think_ns,
    }))
}
