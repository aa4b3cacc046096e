//! The plan's shape beyond a fixed rate or pool: `--stage`s, `--shard`/`--shards` and
//! `--start-at`, applied by mod.rs to the [`Plan`] it built from the other flags. Computes
//! the open model's [`Schedule`] (constant or staged, then this shard's part of it), the
//! closed model's [`ConnectionRamp`], this shard's connections and `-n`, and the plan's
//! fingerprint (every shard of one plan has the same one; `load merge --expect` compares them).

use super::job::Plan;
use super::shard::{self, PlanPrint, Shard};
use super::stages::{self, ConnectionRamp, Schedule};
use crate::cli::RunArgs;
use crate::exit::Failure;
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How far in the past `--start-at` may be: a pod scheduled a moment late still joins.
const START_GRACE: Duration = Duration::from_secs(10);

/// What the report records about the plan's shape.
pub(super) struct Shape {
    pub shard: Option<Shard>,
    pub print: PlanPrint,
    /// `--start-at`, as given.
    pub start_at: Option<SystemTime>,
}

impl Shape {
    /// Say on stderr which shard this is and how long `--start-at` makes it wait; returns the
    /// wall-clock time the plan starts.
    pub fn announce(&self, plan: &Plan, global: &crate::cli::GlobalOpts) -> SystemTime {
        if let Some(s) = self.shard {
            crate::output::info(
                global,
                format!(
                    "lbctl load: shard {}/{} of plan {}",
                    s.index, s.count, self.print.fingerprint
                ),
            );
        }
        if let Some(at) = plan.start_at {
            let wait = at.saturating_duration_since(std::time::Instant::now());
            crate::output::info(
                global,
                format!(
                    "lbctl load: waiting {:.1}s for --start-at",
                    wait.as_secs_f64()
                ),
            );
        }
        // The engine starts 20 ms after it is called when no start time is given.
        self.start_at
            .unwrap_or_else(|| SystemTime::now() + Duration::from_millis(20))
    }

    /// Record the shard, the plan and the start time in the report.
    pub fn annotate(self, report: &mut super::report::Report, started: SystemTime) {
        report.shard = self.shard;
        report.plan = Some(self.print);
        report.started_at = started
            .duration_since(UNIX_EPOCH)
            .ok()
            .map(|d| d.as_secs_f64());
    }
}

/// Whether the stages describe the open model (so a rate-only flag such as
/// --max-connections is allowed without --rate).
pub(super) fn open_stages(args: &RunArgs) -> bool {
    args.stages
        .first()
        .is_some_and(|s| matches!(s.ramp, stages::Ramp::Rate { .. }))
}

/// The shard this run is, from `--shard` or `--shards` and `JOB_COMPLETION_INDEX`.
pub(super) fn shard_of(args: &RunArgs) -> anyhow::Result<Option<Shard>> {
    Ok(match (args.shard, args.shards) {
        (Some(s), _) => Some(s),
        (None, Some(n)) => {
            let index = std::env::var("JOB_COMPLETION_INDEX").ok();
            Some(shard::shard_from_env(n, index.as_deref()).map_err(Failure::usage)?)
        }
        (None, None) => None,
    })
}

/// Apply stages, shard and start time to `plan`. Every problem is a usage error (exit 2).
pub(super) fn apply(args: &RunArgs, plan: &mut Plan) -> anyhow::Result<Shape> {
    let shard = shard_of(args)?;
    if !args.stages.is_empty() {
        staged(args, plan)?;
    } else if let (Some(rate), Some(window)) = (plan.rate, plan.open_window()) {
        let span = plan.warmup + window;
        plan.schedule = Some(Schedule::constant(
            rate,
            span.as_secs_f64(),
            plan.warmup.as_secs_f64(),
        ));
        // The window is the whole plan's, whatever share of -n this shard sends.
        plan.duration = Some(window);
        plan.requests = None;
    }
    let print = fingerprint(args, plan, shard);
    if let Some(s) = shard {
        split(plan, s)?;
    }
    plan.threads = plan.threads.clamp(1, plan.max_connections.max(1));
    if let Some(at) = args.start_at {
        let now = SystemTime::now();
        shard::check_start_at(at, now, START_GRACE).map_err(Failure::usage)?;
        let mono = std::time::Instant::now();
        plan.start_at = Some(match at.duration_since(now) {
            Ok(ahead) => mono + ahead,
            Err(late) => mono.checked_sub(late.duration()).unwrap_or(mono),
        });
    }
    Ok(Shape {
        shard,
        print,
        start_at: args.start_at,
    })
}

/// The stages set the rate (open model) or the connections (closed model), and the length.
fn staged(args: &RunArgs, plan: &mut Plan) -> anyhow::Result<()> {
    let open =
        stages::check_stages(&args.stages).map_err(|e| Failure::usage(format!("--stage: {e}")))?;
    let conflict = |flag: &str, why: &str| Failure::usage(format!("{flag} with --stage: {why}"));
    if args.rate.is_some() {
        return Err(conflict(
            "--rate",
            "the stages set the rate; expected one or the other",
        ));
    }
    if args.duration.is_some() || args.requests.is_some() {
        return Err(conflict(
            "-d/-n",
            "the stages set the length of the run; expected no -d and no -n",
        ));
    }
    if !args.warmup.is_zero() {
        return Err(conflict(
            "--warmup",
            "expected a first stage instead, e.g. --stage 10s:100/s",
        ));
    }
    let total: Duration = args.stages.iter().map(|s| s.duration).sum();
    plan.duration = Some(total);
    plan.requests = None;
    plan.stages = args.stages.clone();
    if open {
        let schedule = Schedule::staged(&args.stages);
        // The plan's mean rate, for the summary line and rate_target.
        plan.rate = Some(schedule.planned() as f64 / total.as_secs_f64());
        plan.schedule = Some(schedule);
    } else {
        if let Some(m) = args.max_connections {
            return Err(conflict(
                &format!("--max-connections {m}"),
                "closed-model stages set the connections; expected no --max-connections",
            ));
        }
        let ramp = ConnectionRamp::new(&args.stages);
        plan.connections = ramp.max() as usize;
        plan.max_connections = plan.connections;
        plan.ramp = Some(ramp);
    }
    Ok(())
}

/// This shard's part: every N-th request of the schedule, of -n and of the slots.
fn split(plan: &mut Plan, s: Shard) -> anyhow::Result<()> {
    plan.schedule = plan.schedule.take().map(|x| x.shard(s.index, s.count));
    plan.rate = plan.rate.map(|r| r / s.count as f64);
    if let Some(n) = plan.requests {
        let mine = shard::split(n, s);
        if mine == 0 {
            return Err(Failure::usage(format!(
                "-n {n} over {} shards leaves shard {} nothing; expected at least {} requests",
                s.count, s.index, s.count
            )));
        }
        plan.requests = Some(mine);
    }
    if let Some(ramp) = &plan.ramp {
        // The plan's slots j with j mod N == k: the shards' active slots add up exactly.
        let mine = shard::split(ramp.max(), s) as usize;
        if mine == 0 {
            return Err(Failure::usage(format!(
                "the stages' {} connections at most cannot be split over {} shards; expected \
                 at least one connection per shard",
                ramp.max(),
                s.count
            )));
        }
        plan.connections = mine;
        plan.max_connections = mine;
    } else {
        // At least one connection each (the sum then exceeds a -c below the shard count).
        plan.connections = (shard::split(plan.connections as u64, s) as usize).max(1);
        plan.max_connections =
            (shard::split(plan.max_connections as u64, s) as usize).max(plan.connections);
    }
    plan.shard = Some(s);
    Ok(())
}

/// The plan as every shard sees it (the shard index is not part of it).
fn fingerprint(args: &RunArgs, plan: &Plan, shard: Option<Shard>) -> PlanPrint {
    let mut f = BTreeMap::new();
    let mut put = |k: &str, v: String| {
        f.insert(k.to_string(), v);
    };
    put(
        "target",
        match (&args.url, &args.urls_file, &args.targets) {
            (Some(u), _, _) => u.clone(),
            (None, Some(p), _) => format!("file {}", p.display()),
            (None, None, Some(p)) => format!("targets {}", p.display()),
            _ => String::new(),
        },
    );
    put("method", args.method.clone());
    put("headers", args.headers.join("\n"));
    let body = match (&args.body, &args.body_file) {
        (Some(b), _) => format!("{:016x}", xxhash_rust::xxh3::xxh3_64(b.as_bytes())),
        (None, Some(p)) => format!("file {}", p.display()),
        (None, None) => String::new(),
    };
    put("body", body);
    put(
        "model",
        if plan.rate.is_some() {
            "open"
        } else {
            "closed"
        }
        .into(),
    );
    put(
        "rate",
        plan.rate.map(|r| format!("{r}")).unwrap_or_default(),
    );
    put(
        "duration",
        plan.duration
            .map(|d| format!("{}", d.as_secs_f64()))
            .unwrap_or_default(),
    );
    put(
        "requests",
        plan.requests.map(|n| n.to_string()).unwrap_or_default(),
    );
    put(
        "planned",
        plan.schedule
            .as_ref()
            .map(|s| s.planned().to_string())
            .unwrap_or_default(),
    );
    put("connections", plan.connections.to_string());
    put("max_connections", plan.max_connections.to_string());
    put("warmup", format!("{}", plan.warmup.as_secs_f64()));
    put(
        "stages",
        args.stages
            .iter()
            .map(|s| s.text.as_str())
            .collect::<Vec<_>>()
            .join(" "),
    );
    put(
        "shards",
        shard.map(|s| s.count.to_string()).unwrap_or_default(),
    );
    put("timeout", format!("{}", args.timeout.as_secs_f64()));
    put("http2", args.http2.to_string());
    // Only when given, so that the plans of runs without it keep their fingerprints.
    if plan.streams > 1 {
        put("h2_streams", plan.streams.to_string());
    }
    put(
        "start_at",
        args.start_at
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map(|d| format!("{}", d.as_secs_f64()))
            .unwrap_or_default(),
    );
    PlanPrint::new(f)
}
