//! The open model with a connection pool that grows (`--max-connections`), used by
//! [`super::engine`] when the cap is above `-c`. The idea is k6's constant-arrival-rate
//! executor (preAllocatedVUs growing to maxVUs) and vegeta's `-max-workers`, applied to
//! connections: when a request is due and every connection is busy, open another one
//! instead of letting the offered rate drop.
//!
//! Each worker owns every `threads`-th request of the plan (request i belongs to worker
//! i mod threads). Its slots pull work: a free slot claims the next unclaimed request and
//! sleeps until it is due. A grower task watches the next unclaimed request; when its due
//! time comes and no slot has claimed it (all are busy), the grower opens a new slot, up to
//! this worker's share of the cap, and hands it that request. The new connection's setup
//! happens inside the attempt, so it counts in that request's latency (from the due time).
//! Once the cap is reached, due requests wait for the first slot to become free and are
//! counted in `queued`, as with a fixed pool. All state lives in `Cell`s of one
//! current-thread runtime: no lock and no atomic per request. With `--h2-streams M` a slot is
//! a stream: the pool counts slots (M per connection, the cap is M x this worker's share of
//! connections), and the k-th slot opened joins the (k / M)-th connection's group.

use super::slot::Slot;
use super::streams::StreamGroup;
use super::worker::Worker;
use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;
use tokio::time::Instant;

/// One worker's view of the plan, shared by its slots and its grower.
struct Pool {
    w: Rc<Worker>,
    schedule: super::stages::Schedule,
    staged: bool,
    /// The indices this worker owns advance by this step (the number of threads).
    step: u64,
    /// The next request nobody has claimed yet.
    next: Cell<u64>,
    /// Slots open on this worker, and this worker's cap.
    open: Cell<usize>,
    max: usize,
    hard_end: Instant,
    /// `--h2-streams` above 1: streams per connection and the groups opened so far.
    streams: usize,
    groups: std::cell::RefCell<Vec<Rc<StreamGroup>>>,
}

impl Pool {
    /// This shard's request `i`: its number in the whole plan, due time and stage; None past
    /// the end of the plan.
    fn due(&self, i: u64) -> Option<(u64, Instant, usize)> {
        let (global, at, stage) = self.schedule.due(i)?;
        Some((global, self.w.clock.t0 + Duration::from_secs_f64(at), stage))
    }

    /// The group of the `k`-th slot this worker opens (None without `--h2-streams`).
    fn group(&self, k: usize) -> Option<Rc<StreamGroup>> {
        if self.streams <= 1 {
            return None;
        }
        let mut groups = self.groups.borrow_mut();
        if k / self.streams >= groups.len() {
            groups.push(Rc::new(StreamGroup::new(self.w.job.origins)));
        }
        groups.last().cloned()
    }

    fn claim(&self) -> u64 {
        let i = self.next.get();
        self.next.set(i + self.step);
        i
    }
}

/// Worker `id`'s share of `total` connections spread over `threads` workers (the same split
/// as the fixed pool: connection j goes to worker j mod threads).
pub(super) fn share(total: usize, id: usize, threads: usize) -> usize {
    let threads = threads.max(1);
    if id >= total {
        0
    } else {
        (total - id).div_ceil(threads)
    }
}

/// Requests `next, next + step, ...` below the plan's end index `window` (which is
/// `(end - t0) x rate`, not necessarily whole): the planned requests not yet sent.
pub(super) fn remaining(next: u64, step: u64, window: f64) -> u64 {
    let next = next as f64;
    if next >= window {
        0
    } else {
        ((window - next) / step.max(1) as f64).ceil() as u64
    }
}

/// Run this worker's share of the open plan with a growing pool; returns when every slot has
/// finished (the plan's end, the drain's end, or a signal).
pub(super) async fn run(w: Rc<Worker>) {
    let plan = &w.job.plan;
    let (Some(schedule), Some(hard_end)) = (plan.schedule.clone(), w.clock.hard_end) else {
        return;
    };
    let m = plan.streams.max(1);
    let initial = share(plan.connections, w.id, plan.threads) * m;
    let max = (share(plan.max_connections, w.id, plan.threads) * m).max(initial);
    let pool = Rc::new(Pool {
        w: w.clone(),
        schedule,
        staged: !plan.stages.is_empty(),
        step: plan.threads.max(1) as u64,
        next: Cell::new(w.id as u64),
        open: Cell::new(initial),
        max,
        hard_end,
        streams: m,
        groups: Default::default(),
    });
    let mut slots = Vec::with_capacity(max);
    for k in 0..initial {
        let group = pool.group(k);
        slots.push(tokio::task::spawn_local(pull_slot(
            pool.clone(),
            None,
            group,
        )));
    }
    // The grower. One timer, re-armed for each unclaimed request it has to watch.
    let mut timer = Box::pin(tokio::time::sleep_until(w.clock.t0));
    while pool.open.get() < max && !w.stopped() {
        let i = pool.next.get();
        let Some((_, due, _)) = pool.due(i) else {
            break;
        };
        let now = Instant::now();
        if now >= hard_end {
            break;
        }
        if now < due {
            // In steps of at most 100 ms, so that a stop is noticed during a long pause.
            timer
                .as_mut()
                .reset(due.min(now + Duration::from_millis(100)));
            timer.as_mut().await;
            // A slot may have become free and claimed it meanwhile: look again.
            continue;
        }
        // Due, and no slot was free to claim it: one more connection takes it.
        pool.claim();
        let group = pool.group(pool.open.get());
        pool.open.set(pool.open.get() + 1);
        slots.push(tokio::task::spawn_local(pull_slot(
            pool.clone(),
            Some(i),
            group,
        )));
    }
    for s in slots {
        let _ = s.await;
    }
}

/// One slot of the growing pool: claims the next request whenever it is free. `handed` is
/// the request the grower opened this slot for (it waited for no connection).
async fn pull_slot(pool: Rc<Pool>, mut handed: Option<u64>, group: Option<Rc<StreamGroup>>) {
    let w = pool.w.clone();
    let plan = &w.job.plan;
    let ntargets = w.job.targets.len();
    let mut slot = Slot::new(w.clone(), group);
    loop {
        let (i, ready) = match handed.take() {
            Some(i) => match pool.due(i) {
                Some((_, due, _)) => (i, due),
                None => break,
            },
            None => {
                let ready = Instant::now();
                if w.stopped() {
                    // Interrupted: the rest of the plan was called off, not left unfinished.
                    break;
                }
                let i = pool.next.get();
                let Some((_, due, _)) = pool.due(i) else {
                    break;
                };
                if ready >= pool.hard_end {
                    // Planned but never sent: the rest of this worker's share of the window,
                    // counted once (the claim moves past the end for the other slots).
                    let left = remaining(i, pool.step, pool.schedule.planned() as f64);
                    pool.next.set(i + left * pool.step);
                    if due >= w.clock.measure_start {
                        w.tally.borrow_mut().unfinished += left;
                    }
                    break;
                }
                pool.claim();
                // Overdue while the pool could still grow: the grower is a moment late (its
                // timer), so the wait is the generator's (send lag), not a busy pool's.
                if pool.open.get() < pool.max {
                    (i, ready.min(due))
                } else {
                    (i, ready)
                }
            }
        };
        let Some((global, due, stage)) = pool.due(i) else {
            break;
        };
        if due > Instant::now() && !w.sleep_until(due).await {
            break;
        }
        let sent = Instant::now();
        let recording = due >= w.clock.measure_start;
        let t = (global % ntargets as u64) as usize;
        let earliest = (sent + plan.timeout).min(pool.hard_end);
        let latest = (sent + plan.timeout + plan.timeout / 10).min(pool.hard_end);
        let outcome = slot
            .attempt(t, recording, earliest, latest, Some(pool.hard_end))
            .await;
        if recording {
            w.record_open(outcome, due, ready, sent, pool.staged.then_some(stage));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn share_splits_like_the_fixed_pool() {
        for (total, threads) in [(1, 1), (2, 2), (5, 2), (40, 3), (7, 7), (3, 4)] {
            let mut sum = 0;
            for id in 0..threads {
                let expected = (id..total).step_by(threads).count();
                assert_eq!(
                    share(total, id, threads),
                    expected,
                    "{total} {id} {threads}"
                );
                sum += share(total, id, threads);
            }
            assert_eq!(sum, total);
        }
        assert_eq!(share(4, 0, 0), 4);
    }

    #[test]
    fn remaining_counts_the_unsent_share() {
        // Window of 10 requests, one worker: 3..10 is 7 requests.
        assert_eq!(remaining(3, 1, 10.0), 7);
        // Two workers, this one owns odd indices: 3, 5, 7, 9.
        assert_eq!(remaining(3, 2, 10.0), 4);
        // A fractional end index: 3, 5, 7, 9 are below 9.5.
        assert_eq!(remaining(3, 2, 9.5), 4);
        assert_eq!(remaining(3, 2, 9.0), 3);
        assert_eq!(remaining(10, 1, 10.0), 0);
        assert_eq!(remaining(12, 2, 10.0), 0);
        assert_eq!(remaining(0, 0, 2.0), 2);
    }
}
