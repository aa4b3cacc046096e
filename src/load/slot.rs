//! One connection slot of a load run: its connections (one per target origin), one timer
//! re-armed only when needed, and one request attempt with its outcome (answer, categorised
//! error, or cut by the end of the run). The models in engine.rs (and grow.rs) drive slots.
//! With `--h2-streams`, a slot is one stream and its connections belong to its
//! [`StreamGroup`] (streams.rs), shared with the group's other slots.

use super::conn::{self, Conn};
use super::job::OpenConnection;
use super::outcome::{ErrorKind, ExchangeError, Outcome};
use super::streams::{Handle, StreamGroup};
use super::worker::Worker;
use std::rc::Rc;
use std::time::Duration;
use tokio::time::Instant;

/// Per-slot connection state: one connection per origin, each with the guard that counts it
/// open (for the run's peak of open connections).
pub(super) struct Slot {
    w: Rc<Worker>,
    conns: Vec<Option<(Conn, OpenConnection)>>,
    /// `--h2-streams`: the group whose connections this slot shares, and its handles on them.
    group: Option<Rc<StreamGroup>>,
    handles: Vec<Option<Handle>>,
    connect_failures: u32,
    timer: std::pin::Pin<Box<tokio::time::Sleep>>,
    armed: Instant,
}

impl Slot {
    /// A slot with its own connections, or, with `group`, one stream of the group's.
    pub(super) fn new(w: Rc<Worker>, group: Option<Rc<StreamGroup>>) -> Slot {
        let conns = (0..w.job.origins).map(|_| None).collect();
        let handles = match group {
            Some(_) => (0..w.job.origins).map(|_| None).collect(),
            None => Vec::new(),
        };
        let armed = Instant::now();
        Slot {
            w,
            conns,
            group,
            handles,
            connect_failures: 0,
            timer: Box::pin(tokio::time::sleep_until(armed)),
            armed,
        }
    }

    /// One request to target `t`. It may run until at least `earliest` and is abandoned by
    /// `latest` at the latest; reaching `cut_at` means the run ended (not a timeout).
    pub(super) async fn attempt(
        &mut self,
        t: usize,
        recording: bool,
        earliest: Instant,
        latest: Instant,
        cut_at: Option<Instant>,
    ) -> Outcome {
        let w = self.w.clone();
        let job = &w.job;
        // A --targets file: the next request of the shared stream, sent to its origin.
        let prepared = match &job.stream {
            Some(s) => match s.next() {
                Ok(p) => Some(p),
                Err(e) => return Outcome::Failed(ExchangeError::new(ErrorKind::Protocol, e)),
            },
            None => None,
        };
        let t = prepared.as_ref().map_or(t, |p| p.origin);
        let origin = job.origin_of[t];
        let target = &job.targets[t];
        // One timer per slot, re-armed only when its deadline leaves [earliest, latest]:
        // registering a fresh timer for every request costs more than the rest of our code.
        if self.armed < earliest || self.armed > latest {
            self.timer.as_mut().reset(latest);
            self.armed = latest;
        }
        let slot = &mut self.conns[origin];
        let group = self.group.as_deref();
        let handle = self.handles.get_mut(origin);
        // Open a connection to the target, counted in the tally and as open.
        let open = || async {
            let started = Instant::now();
            // Boxed: connecting is rare, and keeps the per-request future small.
            let c = Box::pin(conn::connect(
                target,
                &job.conn,
                !job.template.wire.is_empty(),
            ))
            .await?;
            if recording {
                let mut tally = w.tally.borrow_mut();
                tally.connect.record(started.elapsed());
                tally.connections_opened += 1;
            }
            Ok::<_, ExchangeError>((c, w.shared.connection_opened()))
        };
        let fut = async {
            let c = match (group, handle) {
                (Some(g), Some(h)) => {
                    if h.as_ref().is_some_and(|x| !g.current(origin, x)) {
                        *h = None;
                    }
                    if let Some(x) = h.as_mut()
                        && !conn::ready(&mut x.conn).await
                    {
                        g.drop_conn(origin, x);
                        *h = None;
                    }
                    if h.is_none() {
                        *h = Some(g.handle(origin, open).await?);
                    }
                    h.as_mut().map(|x| &mut x.conn)
                }
                _ => {
                    if let Some((c, _)) = slot.as_mut()
                        && !conn::ready(c).await
                    {
                        *slot = None;
                    }
                    if slot.is_none() {
                        *slot = Some(open().await?);
                    }
                    slot.as_mut().map(|(c, _)| c)
                }
            };
            let Some(c) = c else {
                return Err(ExchangeError {
                    kind: ErrorKind::Connect,
                    message: "no connection".into(),
                });
            };
            let what = match &prepared {
                Some(p) => conn::Sendable::Prepared(p),
                None => conn::Sendable::Template {
                    t,
                    target,
                    template: &job.template,
                },
            };
            conn::exchange(c, what, job.plan.group_by.as_ref()).await
        };
        let result = tokio::select! {
            biased;
            r = fut => Some(r),
            _ = self.timer.as_mut() => None,
        };
        match result {
            Some(Ok(a)) => {
                self.connect_failures = 0;
                if a.close || job.template.close {
                    self.drop_conn(origin, true);
                }
                Outcome::Answer(a)
            }
            Some(Err(e)) => {
                self.drop_conn(origin, false);
                if matches!(
                    e.kind,
                    ErrorKind::ConnectRefused
                        | ErrorKind::ConnectTimeout
                        | ErrorKind::Connect
                        | ErrorKind::Tls
                ) {
                    self.connect_failures += 1;
                }
                Outcome::Failed(e)
            }
            None => {
                // A stream that timed out was reset when its future was dropped; the
                // connection stays with the group's other streams.
                if self.group.is_none() {
                    self.conns[origin] = None;
                }
                if cut_at.is_some_and(|c| Instant::now() >= c) {
                    Outcome::Cut
                } else {
                    Outcome::Failed(conn::timeout_error(job.plan.timeout))
                }
            }
        }
    }

    /// After an answer that closes the connection (`always`) or a failed attempt: drop the
    /// slot's connection to `origin`. A group's shared connection is dropped only when it
    /// is closed (or asked to close): a failed stream leaves it to the others.
    fn drop_conn(&mut self, origin: usize, always: bool) {
        self.conns[origin] = None;
        if let (Some(g), Some(h)) = (&self.group, self.handles.get_mut(origin))
            && let Some(x) = h.as_ref()
            && (always || x.conn.is_closed())
        {
            g.drop_conn(origin, x);
            *h = None;
        }
    }

    /// Drop this slot's connections (a closed-model slot the ramp no longer covers).
    pub(super) fn close(&mut self) {
        for c in &mut self.conns {
            *c = None;
        }
        if let Some(g) = &self.group {
            g.close();
            self.handles.iter_mut().for_each(|h| *h = None);
        }
    }

    /// Closed model: after failed connects, back off (1 ms doubling to 100 ms) so that a
    /// refusing target is counted, not hammered in a busy loop.
    pub(super) async fn backoff(&self) {
        if self.connect_failures > 0 {
            let ms = 1u64 << self.connect_failures.min(7).saturating_sub(1);
            tokio::time::sleep(Duration::from_millis(ms.min(100))).await;
        }
    }
}
