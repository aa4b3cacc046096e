//! One worker thread of a load run as its slots see it: the [`Clock`] (the run's timeline),
//! the [`Worker`] (the job, the shared atomics, and this thread's own tally, status counts,
//! `--group-by` groups and current interval, behind `RefCell`s: one thread, no locks), and how
//! one finished attempt is recorded ([`Worker::record`], [`Worker::record_open`]). engine.rs
//! starts workers; its models and grow.rs drive slots (slot.rs) that record here.

use super::job::{Job, Shared};
use super::outcome::{ErrorKind, Outcome};
use super::tally::{GroupTally, Tally};
use crate::stats::LatencyHistogram;
use http::header::HeaderValue;
use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::time::Instant;

/// Distinct `--group-by` values kept per worker; later ones count as `(other)`.
pub const MAX_GROUPS: usize = 100;

/// Timeline of a run, common to every worker.
#[derive(Clone, Copy)]
pub(super) struct Clock {
    pub(super) t0: Instant,
    pub(super) measure_start: Instant,
    /// Closed model: requests still in flight here are cut and counted unfinished.
    /// Open model: the end of the plan.
    pub(super) end: Option<Instant>,
    /// Open model: in-flight requests are cut here.
    pub(super) hard_end: Option<Instant>,
}

pub(super) struct Worker {
    pub(super) id: usize,
    pub(super) job: Arc<Job>,
    pub(super) shared: Arc<Shared>,
    pub(super) clock: Clock,
    pub(super) tally: RefCell<Tally>,
    /// `--group-by` values seen by this worker, looked up by bytes without allocating.
    pub(super) groups: RefCell<Vec<(HeaderValue, GroupTally)>>,
    pub(super) status: RefCell<Vec<u64>>,
    pub(super) interval: RefCell<(LatencyHistogram, u64, u64)>,
    /// Interval snapshots the ticker has sent: the index of the interval being recorded.
    pub(super) ticks_sent: std::cell::Cell<u64>,
    /// `--export`: this thread's rows not yet handed to the writer (flushed on drop).
    pub(super) export: RefCell<Option<super::export::Batch>>,
}

impl Worker {
    /// Record one finished attempt. `latency` is what the report calls latency; `service`
    /// is recorded only in the open model.
    /// With `stage`, the attempt also counts in that stage (with the open model's send lag).
    pub(super) fn record(
        &self,
        outcome: Outcome,
        latency: Duration,
        service: Option<Duration>,
        stage: Option<(usize, Option<Duration>)>,
    ) {
        self.record_at(outcome, latency, service, stage, std::time::Instant::now());
    }

    /// [`Worker::record`] for a response that ended at `done`.
    fn record_at(
        &self,
        outcome: Outcome,
        latency: Duration,
        service: Option<Duration>,
        stage: Option<(usize, Option<Duration>)>,
        done: std::time::Instant,
    ) {
        if let Some(batch) = self.export.borrow_mut().as_mut() {
            export_row(batch, &outcome, latency, service, done);
        }
        if let Some((s, lag)) = stage {
            self.record_stage(s, &outcome, latency, lag);
        }
        let mut tally = self.tally.borrow_mut();
        let mut iv = self.interval.borrow_mut();
        match outcome {
            Outcome::Answer(a) => {
                tally.latency.record(latency);
                if let Some(s) = service {
                    tally.service.record(s);
                }
                tally.responses += 1;
                tally.bytes += a.bytes;
                iv.0.record(latency);
                iv.1 += 1;
                let code = a.status.as_u16();
                if let Some(n) = self.status.borrow_mut().get_mut(code as usize) {
                    *n += 1;
                }
                if a.status.is_server_error() {
                    tally.error(ErrorKind::Http5xx, &format!("HTTP {}", a.status));
                    iv.2 += 1;
                }
                if self.job.plan.group_by.is_some() {
                    let mut groups = self.groups.borrow_mut();
                    let value = a.group.unwrap_or(HeaderValue::from_static("(none)"));
                    let found = groups.iter().position(|(v, _)| *v == value);
                    // Bounded memory even when the header is unique per response (an id).
                    let found = match found {
                        None if groups.len() >= MAX_GROUPS => {
                            let other = HeaderValue::from_static("(other)");
                            groups.iter().position(|(v, _)| *v == other).or_else(|| {
                                groups.push((other, GroupTally::default()));
                                Some(groups.len() - 1)
                            })
                        }
                        f => f,
                    };
                    let g = match found {
                        Some(i) => &mut groups[i].1,
                        None => {
                            groups.push((value, GroupTally::default()));
                            let last = groups.len() - 1;
                            &mut groups[last].1
                        }
                    };
                    g.count += 1;
                    g.latency.record(latency);
                }
            }
            Outcome::Failed(e) => {
                tally.error(e.kind, &e.message);
                iv.1 += 1;
                iv.2 += 1;
            }
            Outcome::Cut => tally.unfinished += 1,
        }
    }

    /// Record one open-model attempt: `due` is its planned time, `ready` when a connection
    /// was free to take it, `sent` when it went out.
    pub(super) fn record_open(
        &self,
        outcome: Outcome,
        due: Instant,
        ready: Instant,
        sent: Instant,
        stage: Option<usize>,
    ) {
        let done = Instant::now();
        // The generator's own lateness: from when it could have sent (the later of the
        // due time and the connection becoming free) to when it did.
        let lag = sent.saturating_duration_since(due.max(ready));
        {
            let mut tally = self.tally.borrow_mut();
            tally.send_lag.record(lag);
            if ready > due {
                tally.queued += 1;
            }
        }
        self.record_at(
            outcome,
            done.saturating_duration_since(due),
            Some(done.saturating_duration_since(sent)),
            stage.map(|s| (s, Some(lag))),
            done.into_std(),
        );
    }

    /// Count one attempt in its stage (by its due time in the open model, its start in the
    /// closed one), and note the connections open now as a candidate for the peak of the
    /// stage the run is in now.
    fn record_stage(&self, s: usize, outcome: &Outcome, latency: Duration, lag: Option<Duration>) {
        let mut tally = self.tally.borrow_mut();
        if tally.stages.len() <= s {
            tally.stages.resize_with(s + 1, Default::default);
        }
        let st = &mut tally.stages[s];
        match outcome {
            Outcome::Answer(a) => {
                st.responses += 1;
                st.latency.record(latency);
                if a.status.is_server_error() {
                    st.errors += 1;
                }
            }
            Outcome::Failed(_) => {
                st.transport_errors += 1;
                st.errors += 1;
            }
            Outcome::Cut => st.unfinished += 1,
        }
        if let Some(l) = lag {
            st.send_lag.record(l);
        }
        // The peak belongs to the stage the run is in now (a request started at the end of
        // one stage may finish after the next one opened its connections).
        let now = Instant::now()
            .saturating_duration_since(self.clock.t0)
            .as_secs_f64();
        let plan = &self.job.plan;
        let current = match (&plan.ramp, &plan.schedule) {
            (Some(r), _) => r.stage_at(now),
            (None, Some(sc)) => sc.rate_at(now).1,
            (None, None) => s,
        };
        if let Some(peak) = self.shared.stage_peaks.get(current) {
            let open = self.shared.open_connections.load(Ordering::Relaxed);
            if peak.load(Ordering::Relaxed) < open {
                peak.fetch_max(open, Ordering::Relaxed);
            }
        }
    }

    /// Sleep until `t`, waking every 100 ms to notice a stop (a signal, `--abort-on-slo`)
    /// when the wait is long: a pause stage or a parked closed-model slot. Returns false if
    /// the run was stopped meanwhile.
    pub(super) async fn sleep_until(&self, t: Instant) -> bool {
        const STEP: Duration = Duration::from_millis(100);
        loop {
            let now = Instant::now();
            if self.stopped() {
                return false;
            }
            if t <= now + STEP {
                tokio::time::sleep_until(t).await;
                return !self.stopped();
            }
            tokio::time::sleep_until(now + STEP).await;
        }
    }

    pub(super) fn stopped(&self) -> bool {
        self.shared.stop.load(Ordering::Relaxed)
    }
}

/// One `--export` row, timed back from `done` (when the response ended): `latency` before it
/// was the intended send time and `service` before it the actual one (the same in the closed
/// model).
fn export_row(
    batch: &mut super::export::Batch,
    outcome: &Outcome,
    latency: Duration,
    service: Option<Duration>,
    now: std::time::Instant,
) {
    use super::export::{Row, us};
    let (status, bytes, error, group) = match outcome {
        Outcome::Answer(a) => (
            a.status.as_u16(),
            a.bytes,
            a.status.is_server_error().then(|| ErrorKind::Http5xx.key()),
            a.group
                .as_ref()
                .map(|g| String::from_utf8_lossy(g.as_bytes()).into_owned()),
        ),
        Outcome::Failed(e) => (0, 0, Some(e.kind.key()), None),
        Outcome::Cut => return,
    };
    let sink = batch.sink();
    let intended = sink.unix_us(now.checked_sub(latency).unwrap_or(now));
    let sent = sink.unix_us(now.checked_sub(service.unwrap_or(latency)).unwrap_or(now));
    batch.push(Row {
        intended_us: intended,
        sent_us: sent,
        latency_us: us(latency),
        status,
        bytes,
        error,
        group,
    });
}
