//! The hot path of `lbctl load`: one OS thread per worker, each with its own current-thread
//! tokio runtime; one task per connection slot; each worker records into its own [`Tally`]
//! (an `Rc<RefCell<..>>`: no lock, no atomic on the record path) and the tallies are merged
//! when the threads end. Once per interval each worker hands the main thread a small
//! snapshot (count, errors, latency histogram of the interval) for progress and `--hdr-log`.
//!
//! Closed model: every slot sends its next request when the previous one answered.
//! Open model (wrk2's design, <https://github.com/giltene/wrk2>): the run has one fixed plan,
//! request i is due at `t0 + i / rate`, and slot j owns requests j, j+c, j+2c, ...; latency
//! is measured from the due time, so a stalled server cannot hide its queue (coordinated
//! omission). The generator's own lateness (send lag) is measured apart from waiting for a
//! busy connection, which is the server's doing. With `--max-connections` above `-c` the open
//! model runs in grow.rs instead: free slots pull the next due request, and a new
//! connection is opened when a request is due and every slot is busy.

use super::job::{Job, Shared};
use super::outcome::Outcome;
use super::slot::Slot;
use super::streams::StreamGroup;
use super::tally::Tally;
use super::worker::{Clock, Worker};
use crate::stats::LatencyHistogram;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::time::Duration;
use tokio::time::Instant;

/// One interval of one worker, sent to the main thread.
pub struct Snapshot {
    pub worker: usize,
    pub index: u64,
    pub latency: LatencyHistogram,
    pub requests: u64,
    pub errors: u64,
    /// The worker's final (partial) interval.
    pub last: bool,
}

/// Run the plan on `threads` OS threads; returns the merged tally and the wall time of the
/// measured window. Snapshots flow to `tx` while it runs.
pub fn run(
    job: Arc<Job>,
    shared: Arc<Shared>,
    tx: mpsc::Sender<Snapshot>,
) -> anyhow::Result<(Tally, Duration)> {
    let plan = &job.plan;
    // --start-at: every shard's plan starts at the same wall-clock time (a start a moment
    // in the past makes the first requests late, which shows as send lag).
    let t0 = match plan.start_at {
        Some(at) => Instant::from_std(at),
        None => Instant::now() + Duration::from_millis(20),
    };
    let measure_start = t0 + plan.warmup;
    let (end, hard_end) = match plan.open_window() {
        Some(w) => (
            Some(measure_start + w),
            Some(measure_start + w + plan.drain),
        ),
        None => (plan.duration.map(|d| measure_start + d), None),
    };
    let clock = Clock {
        t0,
        measure_start,
        end,
        hard_end,
    };
    let mut handles = Vec::new();
    for id in 0..plan.threads {
        let job = job.clone();
        let shared = shared.clone();
        let tx = tx.clone();
        let h = std::thread::Builder::new()
            .name(format!("load-{id}"))
            .spawn(move || worker_thread(id, job, shared, clock, tx))
            .map_err(|e| crate::exit::Failure::runtime(format!("cannot start a thread: {e}")))?;
        handles.push(h);
    }
    drop(tx);
    let mut total = Tally::default();
    let mut failure = None;
    for h in handles {
        match h.join() {
            Ok(Ok(t)) => total.merge(&t)?,
            Ok(Err(e)) => failure = Some(e),
            Err(_) => failure = Some(anyhow::anyhow!("a load worker thread panicked")),
        }
    }
    if let Some(e) = failure {
        return Err(e);
    }
    let finished = Instant::now();
    let stopped = shared.stop.load(Ordering::Relaxed);
    let window = match (plan.rate, end) {
        // Open model: the plan's window (achieved rate = sent / planned window), unless a
        // signal cut the plan short.
        (Some(_), Some(e)) if !stopped => e.saturating_duration_since(measure_start),
        // Closed model: up to the deadline, or the last response with -n (or a Ctrl-C).
        (_, Some(e)) => finished.min(e).saturating_duration_since(measure_start),
        (_, None) => finished.saturating_duration_since(measure_start),
    };
    Ok((total, window))
}

fn worker_thread(
    id: usize,
    job: Arc<Job>,
    shared: Arc<Shared>,
    clock: Clock,
    tx: mpsc::Sender<Snapshot>,
) -> anyhow::Result<Tally> {
    // Only the I/O and time drivers: the signal and process drivers cost on every park.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .map_err(|e| crate::exit::Failure::runtime(format!("cannot start a runtime: {e}")))?;
    let local = tokio::task::LocalSet::new();
    let shared_export = shared.export.clone();
    let worker = Rc::new(Worker {
        id,
        job: job.clone(),
        shared,
        clock,
        tally: RefCell::new(Tally::default()),
        groups: RefCell::new(Vec::new()),
        status: RefCell::new(vec![0; 1000]),
        interval: RefCell::new((LatencyHistogram::new(), 0, 0)),
        ticks_sent: std::cell::Cell::new(0),
        export: RefCell::new(shared_export.map(super::export::Batch::new)),
    });
    let w = worker.clone();
    local.block_on(&rt, async move {
        let ticker = tokio::task::spawn_local(ticker(w.clone(), tx.clone()));
        let mut slots = Vec::new();
        let plan = &w.job.plan;
        if plan.rate.is_some() && plan.max_connections > plan.connections {
            // A pool that grows: its own scheduling (see grow.rs).
            slots.push(tokio::task::spawn_local(super::grow::run(w.clone())));
        } else {
            let (c, threads, m) = (plan.connections, plan.threads, plan.streams);
            for j in (id..c).step_by(threads.max(1)) {
                // --h2-streams: connection j's m streams are slots j*m .. j*m+m-1.
                let group = (m > 1).then(|| Rc::new(StreamGroup::new(w.job.origins)));
                for k in 0..m {
                    let w = w.clone();
                    let group = group.clone();
                    let v = j * m + k;
                    slots.push(tokio::task::spawn_local(async move {
                        if w.job.plan.rate.is_some() {
                            open_slot(w, v, group).await
                        } else {
                            closed_slot(w, j, v, group).await
                        }
                    }));
                }
            }
        }
        for s in slots {
            let _ = s.await;
        }
        // A plan that ends with a pause (a trailing 0/s stage) takes its time: the run
        // lasts as long as its stages, checking for a stop ten times a second.
        if !plan.stages.is_empty()
            && let Some(end) = w.clock.end
        {
            w.sleep_until(end).await;
        }
        ticker.abort();
        let mut iv = w.interval.borrow_mut();
        // What was recorded since the ticker's last snapshot belongs to the interval the
        // ticker was in, not to the one `now` falls in: when the run ends on an interval
        // boundary the ticker may or may not have fired first, and the log must not depend
        // on which (hdrlog.rs places anything past the planned window in the last interval).
        let snap = Snapshot {
            worker: id,
            index: w.ticks_sent.get(),
            latency: std::mem::take(&mut iv.0),
            requests: iv.1,
            errors: iv.2,
            last: true,
        };
        let _ = tx.send(snap);
    });
    drop(local);
    let mut tally = worker.tally.take();
    for (code, n) in worker.status.borrow().iter().enumerate() {
        if *n > 0 {
            tally.status.insert(code as u16, *n);
        }
    }
    for (value, g) in worker.groups.take() {
        let key = String::from_utf8_lossy(value.as_bytes()).into_owned();
        let mine = tally.groups.entry(key).or_default();
        mine.count += g.count;
        mine.latency.merge(&g.latency)?;
    }
    Ok(tally)
}

/// Once per interval, hand the interval's numbers to the main thread.
async fn ticker(w: Rc<Worker>, tx: mpsc::Sender<Snapshot>) {
    let every = w.job.plan.interval;
    let mut index = 0u64;
    loop {
        tokio::time::sleep_until(w.clock.measure_start + every * (index as u32 + 1)).await;
        let mut iv = w.interval.borrow_mut();
        let snap = Snapshot {
            worker: w.id,
            index,
            latency: std::mem::take(&mut iv.0),
            requests: std::mem::take(&mut iv.1),
            errors: std::mem::take(&mut iv.2),
            last: false,
        };
        drop(iv);
        if tx.send(snap).is_err() {
            return;
        }
        index += 1;
        w.ticks_sent.set(index);
    }
}

/// Closed-model slot `v` (a stream of connection `j` with `--h2-streams`, else `v == j`).
async fn closed_slot(w: Rc<Worker>, j: usize, v: usize, group: Option<Rc<StreamGroup>>) {
    let plan = &w.job.plan;
    let mut slot = Slot::new(w.clone(), group);
    let ntargets = w.job.targets.len();
    let mut n = 0usize;
    // With stages, this slot is the plan's slot `global` and works while the ramp covers it.
    let global = match plan.shard {
        Some(s) => s.index + s.count * j as u64,
        None => j as u64,
    };
    tokio::time::sleep_until(w.clock.t0).await;
    loop {
        let mut start = Instant::now();
        if w.stopped() || w.clock.end.is_some_and(|e| start >= e) {
            break;
        }
        let mut stage = None;
        if let Some(ramp) = &plan.ramp {
            let at = start.saturating_duration_since(w.clock.t0).as_secs_f64();
            if global >= ramp.active(at) {
                // Parked: the ramp does not cover this slot now; close its connection and
                // wait until it does (or the end).
                slot.close();
                let Some(next) = ramp.next_active(global, at) else {
                    break;
                };
                let wake = w.clock.t0 + Duration::from_secs_f64(next + 1e-6);
                if w.clock.end.is_some_and(|e| wake >= e) {
                    break;
                }
                if !w.sleep_until(wake).await {
                    break;
                }
                continue;
            }
            start = Instant::now();
            let at = start.saturating_duration_since(w.clock.t0).as_secs_f64();
            stage = Some((ramp.stage_at(at), None));
        }
        let recording = start >= w.clock.measure_start;
        // Round robin over the targets: by the global request number with -n (exact
        // shares), else by this slot's own count (slots start on different targets).
        let mut t = (v + n) % ntargets;
        if recording && let Some(limit) = plan.requests {
            let claimed = w.shared.claimed.fetch_add(1, Ordering::Relaxed);
            if claimed >= limit {
                break;
            }
            t = (claimed % ntargets as u64) as usize;
        }
        // Timeouts fire between 100% and 110% of --timeout; the end of the run cuts exactly.
        let earliest = start + plan.timeout;
        let latest = earliest + plan.timeout / 10;
        let (earliest, latest) = match w.clock.end {
            Some(e) => (earliest.min(e), latest.min(e)),
            None => (earliest, latest),
        };
        n += 1;
        let mut outcome = slot
            .attempt(t, recording, earliest, latest, w.clock.end)
            .await;
        let done = Instant::now();
        // An outcome seen after the end was still in flight at the end (a busy scheduler can
        // poll an answer before the end's timer): cut, so every counted request lies inside
        // the window and the window bounds the connections' summed latencies exactly.
        if w.clock.end.is_some_and(|e| done > e) {
            outcome = Outcome::Cut;
        }
        if recording {
            w.record(outcome, done.duration_since(start), None, stage);
        }
        slot.backoff().await;
    }
}

/// Open-model slot `j` of the run's `connections x streams` slots: it owns requests j, j+c,
/// j+2c, ... with c the number of slots.
async fn open_slot(w: Rc<Worker>, j: usize, group: Option<Rc<StreamGroup>>) {
    let plan = &w.job.plan;
    let (Some(schedule), Some(hard_end)) = (plan.schedule.as_ref(), w.clock.hard_end) else {
        return;
    };
    let staged = !plan.stages.is_empty();
    let c = super::streams::slots(plan.connections, plan.streams) as u64;
    let ntargets = w.job.targets.len();
    let mut slot = Slot::new(w.clone(), group);
    let mut n: u64 = 0;
    loop {
        // This shard's request `local`; `i` is its number in the whole plan.
        let local = j as u64 + n * c;
        let Some((i, at, stage)) = schedule.due(local) else {
            break;
        };
        let due = w.clock.t0 + Duration::from_secs_f64(at);
        let ready = Instant::now();
        if w.stopped() {
            // Interrupted: the rest of the plan was called off, not left unfinished.
            break;
        }
        if ready >= hard_end {
            // Planned but never sent: this slot's remaining requests in the window.
            let remaining = super::grow::remaining(local, c, schedule.planned() as f64);
            if due >= w.clock.measure_start {
                w.tally.borrow_mut().unfinished += remaining;
            }
            break;
        }
        if due > ready && !w.sleep_until(due).await {
            break;
        }
        let sent = Instant::now();
        let recording = due >= w.clock.measure_start;
        let t = (i % ntargets as u64) as usize;
        n += 1;
        let earliest = (sent + plan.timeout).min(hard_end);
        let latest = (sent + plan.timeout + plan.timeout / 10).min(hard_end);
        let outcome = slot
            .attempt(t, recording, earliest, latest, Some(hard_end))
            .await;
        if recording {
            w.record_open(outcome, due, ready, sent, staged.then_some(stage));
        }
    }
}
