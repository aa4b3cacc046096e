//! `lbctl load`: an HTTP load generator whose numbers are true. This file wires the CLI to
//! the parts: [`target`] (what to send; `--targets` files: [`targets_file`] reads them,
//! [`target_stream`] checks them and streams their requests), [`engine`] (the per-core hot path), [`tally`] and
//! [`report`] (what was measured, the `lbctl.load/v1` document), [`slo`] (objectives),
//! [`render`] (tables), [`hdrlog`] (interval log) and `load merge` (merge.rs). A run is a
//! [`job`] (job_args.rs builds it from the flags); each attempt ends in an [`outcome`] from one of the two clients ([`conn`] on
//! hyper, h2conn.rs on the h2 crate, [`h1`] hand-written). Plans beyond a fixed rate or pool: [`stages`] (`--stage`
//! timelines), [`shard`] (`--shard`, `--start-at`, plan fingerprints), shape.rs (applies
//! both to the plan), streams.rs (`--h2-streams`: slots sharing one HTTP/2 connection), [`abort`] (`--abort-on-slo`) and [`stage_report`] (per-stage results).
//! Results to look at: [`per_second`] (the document's per-second entries, capped by halving
//! their resolution; [`per_second_merge`] adds shards' up), [`sparkline`]
//! (their terminal line) and `load report` ([`report_html`], drawn by [`report_charts`] with
//! [`svg`]).
//!
//! May import: the cores (`spec`, `stats`, `http1`, `tls`, `output`, `shutdown`), `cli` and
//! `exit`. Inside, arrows go down: this file -> engine -> grow -> slot -> worker -> job, and
//! every client, tally and report file -> outcome.

pub mod abort;
pub mod conn;
pub mod engine;
pub mod export;
mod grow;
pub mod h1;
mod h2conn;
pub mod hdrlog;
pub mod job;
mod job_args;
mod merge;
pub mod outcome;
pub mod per_second;
pub mod per_second_merge;
pub mod render;
pub mod report;
pub mod report_charts;
pub mod report_html;
mod shape;
pub mod shard;
pub mod slo;
mod slot;
pub mod sparkline;
pub mod stage_report;
pub use crate::spec::stages;
mod streams;
pub mod svg;
pub mod tally;
pub mod target;
pub mod target_stream;
pub mod targets_file;
mod worker;

use crate::cli::{GlobalOpts, LoadArgs, LoadCommand, LoadOutput};
use crate::exit::{ExitCode, Failure};
use engine::Snapshot;
use job::{Plan, Shared};
use render::connections_label;
use report::{Cpu, Meta, Report};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

/// Run `lbctl load`.
pub fn run(args: LoadArgs, global: &GlobalOpts) -> anyhow::Result<ExitCode> {
    match args.command {
        Some(LoadCommand::Merge(m)) => {
            let (report, tally) = merge::merge(&m)?;
            return emit(&report, m.output, global, &tally);
        }
        Some(LoadCommand::Report(r)) => return report_html::run(&r, global),
        None => {}
    }
    let args = *args.run;
    let (job, shape) = job_args::job_of(&args)?;
    let job = Arc::new(job);
    conn::check_h2_agreed(&job.targets, &job.conn).map_err(Failure::runtime)?;
    let plan = job.plan.clone();
    let percentiles = args.percentiles.clone().unwrap_or_default();

    let mut hdr_file = match &args.hdr_log {
        Some(p) => Some(hdrlog::HdrLogFile::create(p, plan.warmup)?),
        None => None,
    };
    // The planned end of the window, when the plan fixes one (responses past it, such as the
    // open model's drain, are logged in the last interval, as the report counts them).
    let bound = plan.open_window().or(plan.duration);
    let mut hdr = match hdr_file.as_mut() {
        Some(f) => Some(f.begin(plan.interval, bound)?),
        None => None,
    };
    let (export, export_writer) = match &args.export {
        Some(p) => {
            let (sink, writer) = export::open(p)?;
            (Some(sink), Some(writer))
        }
        None => (None, None),
    };
    let shared = Arc::new(Shared {
        export,
        stage_peaks: plan.stages.iter().map(|_| Default::default()).collect(),
        ..Shared::default()
    });
    watch_signals(shared.clone());

    let model = if plan.rate.is_some() {
        "open"
    } else {
        "closed"
    };
    let what = match (plan.rate, plan.duration, plan.requests) {
        _ if !plan.stages.is_empty() => stage_report::summary(&plan),
        (Some(r), _, _) => format!("{r:.0} req/s for {:.1}s", window_secs(&plan)),
        (None, Some(d), _) => format!("{:.1}s", d.as_secs_f64()),
        (None, None, Some(n)) => format!("{n} requests"),
        _ => String::new(),
    };
    // With --output json, stdout and stderr are often captured together (CI logs, the bench
    // harness): keep stderr silent so that the capture is one JSON document.
    let quiet_info = GlobalOpts {
        quiet: global.quiet || args.output == LoadOutput::Json,
        ..global.clone()
    };
    crate::output::info(
        &quiet_info,
        format!(
            "lbctl load: {} ({model} model, {} connections, {} thread(s), {what}{})",
            job.label,
            connections_label(plan.connections as u64, Some(plan.max_connections as u64)),
            plan.threads,
            if plan.warmup.is_zero() {
                String::new()
            } else {
                format!(", warmup {:.1}s", plan.warmup.as_secs_f64())
            }
        ),
    );

    let started_at = shape.announce(&plan, &quiet_info);
    let mut abort_check = args
        .abort_on_slo
        .then(|| abort::AbortCheck::new(&args.slo, args.abort_grace, planned_requests(&plan)));
    let cpu_before = cpu_times();
    let wall = Instant::now();
    let (tx, rx) = std::sync::mpsc::channel::<Snapshot>();
    let runner = {
        let job = job.clone();
        let shared = shared.clone();
        std::thread::Builder::new()
            .name("load-engine".into())
            .spawn(move || engine::run(job, shared, tx))
            .map_err(|e| Failure::runtime(format!("cannot start a thread: {e}")))?
    };

    // Progress and the interval log, fed by the workers' snapshots until they all end.
    let pb = crate::output::progress(global, None, "{spinner} {elapsed_precise} {msg}");
    let mut seconds = per_second::Recorder::new(bound, args.per_second_max as usize);
    let aborted = follow(
        &rx,
        &plan,
        hdr.as_mut(),
        &mut seconds,
        &pb,
        abort_check.as_mut(),
        &shared,
    )?;
    pb.finish_and_clear();
    let (tally, window) = runner
        .join()
        .map_err(|_| Failure::runtime("the load engine panicked"))??;
    if let Some(h) = hdr.take() {
        h.finish(window)?;
    }
    if let Some(f) = hdr_file.take() {
        f.close()?;
    }
    if let (Some(w), Some(p)) = (export_writer, &args.export) {
        let rows = w.finish()?;
        crate::output::info(
            global,
            format!("lbctl load: {rows} requests written to {}", p.display()),
        );
    }

    let elapsed = wall.elapsed().as_secs_f64();
    let cpu = match (cpu_before, cpu_times()) {
        (Some(a), Some(b)) => {
            let (user, sys) = (b.0 - a.0, b.1 - a.1);
            let requests = tally.requests().max(1) as f64;
            Some(Cpu {
                user_s: user,
                system_s: sys,
                // Of the CPUs the workers could really use (more threads than cores share them).
                utilization: (user + sys)
                    / (elapsed * plan.threads.min(job_args::available_cpus()) as f64).max(1e-9),
                us_per_request: (user + sys) * 1e6 / requests,
            })
        }
        _ => None,
    };
    let mut invalid = Vec::new();
    if plan.rate.is_some() {
        let lag_p99 = tally.send_lag.percentile(99.0);
        if lag_p99 > args.max_send_lag {
            invalid.push(format!(
                "the generator sent late: send lag p99 {} > --max-send-lag {}",
                crate::spec::format_duration(lag_p99),
                crate::spec::format_duration(args.max_send_lag)
            ));
        }
        if let Some(c) = &cpu
            && c.utilization >= 0.95
        {
            invalid.push(format!(
                "the generator was CPU-saturated ({:.0}% of {} thread(s))",
                c.utilization * 100.0,
                plan.threads
            ));
        }
    }
    if let Some(a) = &aborted {
        crate::output::info(
            global,
            format!(
                "aborted at {:.1}s: SLO {} is lost: {}",
                a.at_s, a.slo, a.reason
            ),
        );
    } else if shared.stop.load(Ordering::Relaxed) {
        crate::output::info(global, "interrupted: reporting what was measured so far");
    }
    let peaks: Vec<u64> = shared
        .stage_peaks
        .iter()
        .map(|p| p.load(Ordering::Relaxed))
        .collect();
    let stage_entries = (!plan.stages.is_empty())
        .then(|| stage_report::entries(&plan, &tally, &peaks, &percentiles));
    if let Some(e) = &stage_entries {
        invalid.extend(stage_report::invalid_reasons(e, &tally, args.max_send_lag));
    }
    let meta = Meta {
        targets: job.targets.iter().map(|t| t.url.clone()).collect(),
        model: model.to_string(),
        http: if args.http2 || job.targets.iter().any(|t| t.h2c) {
            "2".into()
        } else {
            "1.1".into()
        },
        connections: plan.connections as u64,
        max_connections: plan.rate.map(|_| plan.max_connections as u64),
        connections_peak: shared.peak_connections.load(Ordering::Relaxed),
        threads: plan.threads as u64,
        rate_target: plan.rate,
        warmup_s: plan.warmup.as_secs_f64(),
        duration_s: window.as_secs_f64(),
        rps: None,
        group_by: plan.group_by.as_ref().map(|h| h.to_string()),
        cpu,
        invalid_reasons: invalid,
        merged_runs: 1,
    };
    let mut report = report::build(&tally, meta, &percentiles, &args.slo);
    report.stages = stage_entries;
    report.h2_streams =
        (plan.streams > 1 || args.h2_streams.is_some()).then_some(plan.streams as u64);
    report.aborted = aborted;
    shape.annotate(&mut report, started_at);
    let window_start = report.started_at.unwrap_or(0.0) + plan.warmup.as_secs_f64();
    report.per_second = Some(seconds.finish(window, window_start));
    emit(&report, args.output, global, &tally)
}

/// Requests the plan will finish in its measured window, when the plan fixes that number.
fn planned_requests(plan: &Plan) -> Option<u64> {
    match &plan.schedule {
        Some(s) => Some(s.planned_measured()),
        None => plan.requests,
    }
}

/// Assemble the workers' per-interval snapshots into whole intervals (an interval is complete
/// when every worker has reported it or has ended), for the progress line and `--hdr-log`.
fn follow(
    rx: &std::sync::mpsc::Receiver<Snapshot>,
    plan: &Plan,
    mut hdr: Option<&mut hdrlog::HdrLog<'_>>,
    seconds: &mut per_second::Recorder,
    pb: &indicatif::ProgressBar,
    mut abort: Option<&mut abort::AbortCheck>,
    shared: &Shared,
) -> anyhow::Result<Option<abort::Abort>> {
    let mut aborted = None;
    let mut intervals: BTreeMap<u64, Interval> = BTreeMap::new();
    let (mut done_requests, mut done_errors) = (0u64, 0u64);
    let interval_s = plan.interval.as_secs_f64();
    let mut reported: Vec<Option<u64>> = vec![None; plan.threads];
    let mut ended = vec![false; plan.threads];
    while let Ok(snap) = rx.recv() {
        let w = snap.worker.min(plan.threads - 1);
        reported[w] = reported[w].max(Some(snap.index));
        ended[w] |= snap.last;
        let entry = intervals.entry(snap.index).or_default();
        entry.requests += snap.requests;
        entry.errors += snap.errors;
        let _ = entry.latency.merge(&snap.latency);
        while let Some(idx) = intervals.keys().next().copied() {
            let complete = (0..plan.threads).all(|i| ended[i] || reported[i] >= Some(idx));
            if !complete {
                break;
            }
            let Some(iv) = intervals.remove(&idx) else {
                break;
            };
            done_requests += iv.requests;
            done_errors += iv.errors;
            if let Some(h) = hdr.as_deref_mut() {
                h.push(idx, &iv.latency)?;
            }
            seconds
                .push(idx, iv.requests, iv.errors, &iv.latency)
                .map_err(Failure::runtime)?;
            let elapsed = plan.interval * (idx as u32 + 1);
            if let Some(a) = abort.as_deref_mut()
                && aborted.is_none()
                && let Some(why) = a.observe(iv.requests, iv.errors, &iv.latency, elapsed)
            {
                shared.stop.store(true, Ordering::Relaxed);
                aborted = Some(why);
            }
            let stage = stage_report::progress(plan, elapsed)
                .map(|s| format!("{s}: "))
                .unwrap_or_default();
            pb.set_message(format!(
                "{stage}{done_requests} requests, {:.0} req/s, {done_errors} errors, p99 {}",
                iv.requests as f64 / interval_s,
                crate::spec::format_duration(iv.latency.percentile(99.0)),
            ));
        }
    }
    // Whatever is left (the workers' last partial intervals); the last one is written when
    // the window's length is known.
    for (idx, iv) in intervals {
        if let Some(h) = hdr.as_deref_mut() {
            h.push(idx, &iv.latency)?;
        }
        seconds
            .push(idx, iv.requests, iv.errors, &iv.latency)
            .map_err(Failure::runtime)?;
    }
    Ok(aborted)
}

/// One interval being assembled from the workers' snapshots.
#[derive(Default)]
struct Interval {
    requests: u64,
    errors: u64,
    latency: crate::stats::LatencyHistogram,
}

fn window_secs(plan: &Plan) -> f64 {
    plan.open_window().map(|d| d.as_secs_f64()).unwrap_or(0.0)
}

/// Print the report and choose the exit code: 4 for an invalid run, 1 for a failed SLO.
fn emit(
    report: &Report,
    output: LoadOutput,
    global: &GlobalOpts,
    tally: &tally::Tally,
) -> anyhow::Result<ExitCode> {
    match output {
        LoadOutput::Json => crate::output::print_json(report)?,
        LoadOutput::Table => render::print(report, tally, global)?,
    }
    if report.aborted.is_some() {
        // --abort-on-slo stopped the run: an SLO failed, whatever else the report says.
        return Ok(ExitCode::CheckFailed);
    }
    if !report.valid {
        if output == LoadOutput::Json {
            // Why the exit is 4, even with --quiet: it is the error, not information.
            for r in &report.invalid_reasons {
                eprintln!("lbctl load: INVALID RUN: {r}");
            }
        }
        return Ok(ExitCode::InvalidRun);
    }
    if report.slo.iter().any(|s| !s.pass) {
        return Ok(ExitCode::CheckFailed);
    }
    Ok(ExitCode::Success)
}

/// SIGINT/SIGTERM stop the run early; the report covers what was measured.
fn watch_signals(shared: Arc<Shared>) {
    let _ = std::thread::Builder::new()
        .name("load-signals".into())
        .spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(crate::shutdown::signal());
            shared.stop.store(true, Ordering::Relaxed);
        });
}

/// User and system CPU seconds of this process so far.
fn cpu_times() -> Option<(f64, f64)> {
    // SAFETY: getrusage only writes into the zeroed struct we own.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    if rc != 0 {
        return None;
    }
    let secs = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    Some((secs(ru.ru_utime), secs(ru.ru_stime)))
}
