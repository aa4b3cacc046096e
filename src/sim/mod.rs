//! `lbctl sim`: a discrete-event simulation of the proxy's balancing. The scenario (backends
//! with service-time distributions, concurrency and queues, failures, events in time, open-model
//! arrivals or closed-model clients) is parsed once ([`plan`], [`scenario`], [`dist`]); each
//! algorithm runs on the same arrivals ([`arrivals`]) or clients ([`clients`]) with the real
//! pick code of `balance/` ([`picking`], [`runner`] over [`queue`] and [`state`]); the results
//! become a table, JSON or an HTML page ([`report`], [`html`], [`series`]).
//!
//! May import: the cores (`balance`, `spec`, `stats`, `output`, `cli`; `spec::stages` for the
//! stage syntax) and `balance::hash_pick` for the proxy's hash failover. Nothing imports it
//! but `lib.rs` and `demo`.

pub mod arrivals;
pub mod clients;
pub mod dist;
pub mod html;
pub mod picking;
pub mod plan;
pub mod queue;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod series;
pub mod state;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_closed;

use crate::cli::{GlobalOpts, SimArgs, SimOutput};
use crate::exit::{ExitCode, Failure};
use arrivals::RatePlan;
use picking::SimAlgorithm;
pub use plan::Scenario;

/// Run every algorithm, on up to as many threads as there are cores (each run is
/// single-threaded and seeded: the thread it lands on does not change it).
pub fn run_all(
    sc: &Scenario,
    algs: &[SimAlgorithm],
    progress: &(dyn Fn(u64) + Sync),
) -> anyhow::Result<Vec<runner::RunResult>> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut out: Vec<Option<Result<runner::RunResult, String>>> =
        (0..algs.len()).map(|_| None).collect();
    for chunk in algs
        .iter()
        .enumerate()
        .collect::<Vec<_>>()
        .chunks(cores.max(1))
    {
        std::thread::scope(|s| {
            let handles: Vec<_> = chunk
                .iter()
                .map(|&(i, &alg)| (i, s.spawn(move || runner::run(sc, alg, progress))))
                .collect();
            for (i, h) in handles {
                out[i] = Some(
                    h.join()
                        .unwrap_or_else(|_| Err("a simulation thread panicked".into())),
                );
            }
        });
    }
    out.into_iter()
        .map(|r| match r {
            Some(Ok(r)) => Ok(r),
            Some(Err(e)) => Err(Failure::runtime(format!("sim: {e}"))),
            None => Err(Failure::runtime("sim: a run did not happen")),
        })
        .collect()
}

/// `lbctl sim`.
pub fn run(args: SimArgs, global: &GlobalOpts) -> anyhow::Result<ExitCode> {
    let (sc, algs) = Scenario::from_args(&args)?;
    let total = if sc.limit != u64::MAX {
        Some(sc.limit * algs.len() as u64)
    } else if sc.closed.is_some() {
        None // the closed model's count is an outcome
    } else if sc.end_s.is_finite() {
        let rate = match &sc.plan {
            RatePlan::Constant(r) => *r * sc.end_s,
            RatePlan::Staged { schedule, .. } => schedule.count_at(sc.end_s),
        };
        Some((rate as u64).max(1) * algs.len() as u64)
    } else {
        None
    };
    let bar = crate::output::progress(
        global,
        total,
        "{spinner} simulating {bar:30} {pos}/{len} requests ({per_sec})",
    );
    let done = std::sync::atomic::AtomicU64::new(0);
    let progress = |n: u64| {
        // Each run reports its own count; the bar shows the sum of their increments.
        thread_local! { static SEEN: std::cell::Cell<u64> = const { std::cell::Cell::new(0) }; }
        let add = SEEN.with(|s| {
            let prev = s.get();
            s.set(n);
            n.saturating_sub(prev)
        });
        let all = done.fetch_add(add, std::sync::atomic::Ordering::Relaxed) + add;
        bar.set_position(all);
    };
    let started = std::time::Instant::now();
    let runs = run_all(&sc, &algs, &progress)?;
    bar.finish_and_clear();
    let rep = report::Report::build(&sc, &runs, started.elapsed());
    if let Some(path) = &args.html {
        std::fs::write(path, html::render(&rep)).map_err(|e| {
            Failure::runtime(format!("--html {}: cannot write: {e}", path.display()))
        })?;
        crate::output::info(global, format!("wrote {}", path.display()));
    }
    match args.output {
        SimOutput::Json => crate::output::print_json(&rep)?,
        SimOutput::Table => print!(
            "{}",
            report::render_table(&rep, crate::output::stdout_color(global))
        ),
    }
    Ok(ExitCode::Success)
}
