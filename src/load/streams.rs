//! HTTP/2 multiplexing for `lbctl load --h2-streams N` (h2load's `-m`): N slots share one
//! connection per origin, so that each connection carries up to N requests at once. A slot
//! is one request in flight whatever the protocol, so both models (engine.rs, grow.rs) stay
//! as they are: they run `connections x N` slots, grouped N to a [`StreamGroup`], and the
//! open model keeps measuring each request from its intended send time.
//!
//! The group holds the connection (a cloneable hyper `SendRequest`) and the guard that counts
//! it open. The first slot that finds no connection opens it; the others wait for it (a
//! `Notify`), so a group never opens two connections at once. Each slot keeps its own clone
//! of the sender, tagged with the group's generation, and takes a fresh one only after the
//! connection was replaced: the per-request path is one `RefCell` read. A stream's failure
//! (a timeout, a reset stream) leaves the connection to the others; only a connection that
//! hyper reports closed is dropped.

use super::conn::Conn;
use super::job::OpenConnection;
use super::outcome::ExchangeError;
use std::cell::RefCell;
use tokio::sync::Notify;

/// The slots that share one connection per origin.
pub(super) struct StreamGroup {
    origins: Vec<RefCell<Entry>>,
    changed: Notify,
}

#[derive(Default)]
struct Entry {
    conn: Option<(Conn, OpenConnection)>,
    /// Bumped each time the connection is replaced or dropped.
    generation: u64,
    connecting: bool,
}

/// A slot's own handle on its group's connection to one origin.
pub(super) struct Handle {
    pub(super) conn: Conn,
    generation: u64,
}

impl StreamGroup {
    pub(super) fn new(origins: usize) -> StreamGroup {
        StreamGroup {
            origins: (0..origins).map(|_| RefCell::default()).collect(),
            changed: Notify::new(),
        }
    }

    /// Whether `handle` is still the group's current connection to `origin`.
    pub(super) fn current(&self, origin: usize, handle: &Handle) -> bool {
        let e = self.origins[origin].borrow();
        e.generation == handle.generation && e.conn.is_some()
    }

    /// A handle on the group's connection to `origin`: a clone of the open one, or, when
    /// there is none, one this slot opens with `connect` (which returns the connection and
    /// its open-guard) while the group's other slots wait for it.
    pub(super) async fn handle<F, Fut>(
        &self,
        origin: usize,
        connect: F,
    ) -> Result<Handle, ExchangeError>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<(Conn, OpenConnection), ExchangeError>>,
    {
        let cell = &self.origins[origin];
        loop {
            // Created before the state is read: notify_waiters reaches it from here on.
            let changed = self.changed.notified();
            {
                let mut e = cell.borrow_mut();
                if let Some((c, _)) = &e.conn
                    && let Some(conn) = c.share()
                {
                    return Ok(Handle {
                        conn,
                        generation: e.generation,
                    });
                }
                if !e.connecting {
                    e.connecting = true;
                    break;
                }
            }
            changed.await;
        }
        // This slot opens the connection; the others wake when it is there (or failed, and
        // then one of them tries in turn, its own attempt counted as its own failure). The
        // guard also wakes them when this attempt is dropped mid-way (its request timed out).
        let mut connecting = Connecting {
            group: self,
            origin,
            armed: true,
        };
        let opened = connect().await;
        connecting.armed = false;
        let mut e = cell.borrow_mut();
        e.connecting = false;
        e.generation += 1;
        let result = match opened {
            Ok((conn, guard)) => {
                let shared = conn.share();
                e.conn = Some((conn, guard));
                match shared {
                    Some(conn) => Ok(Handle {
                        conn,
                        generation: e.generation,
                    }),
                    None => Err(ExchangeError::new(
                        super::outcome::ErrorKind::Protocol,
                        "--h2-streams needs an HTTP/2 connection",
                    )),
                }
            }
            Err(err) => Err(err),
        };
        drop(e);
        self.changed.notify_waiters();
        result
    }

    /// The connection behind `handle` failed for good: drop it (unless another slot already
    /// replaced it), so the next request opens a new one.
    pub(super) fn drop_conn(&self, origin: usize, handle: &Handle) {
        let mut e = self.origins[origin].borrow_mut();
        if e.generation == handle.generation {
            e.conn = None;
            e.generation += 1;
        }
    }

    /// Drop every connection of the group (closed-model slots the ramp no longer covers;
    /// requests still in flight keep theirs until they end).
    pub(super) fn close(&self) {
        for cell in &self.origins {
            let mut e = cell.borrow_mut();
            if e.conn.take().is_some() {
                e.generation += 1;
            }
        }
    }
}

/// Clears a group's `connecting` mark if the slot opening the connection is dropped mid-way.
struct Connecting<'a> {
    group: &'a StreamGroup,
    origin: usize,
    armed: bool,
}

impl Drop for Connecting<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.group.origins[self.origin].borrow_mut().connecting = false;
            self.group.changed.notify_waiters();
        }
    }
}

/// The most streams per connection (servers allow 100 to 128 by default: RFC 9113 6.5.2
/// recommends at least 100; more wait in the client for the server's limit).
pub const MAX_STREAMS: usize = 1000;

/// Check `--h2-streams`: at least 1, at most [`MAX_STREAMS`], only with HTTP/2 (`--http2`,
/// or every target h2c://), and at most 100000 slots in all. Returns the streams per
/// connection (1 without the flag).
pub(super) fn check(
    streams: Option<usize>,
    http2: bool,
    targets: &[super::target::Target],
    connections: usize,
) -> Result<usize, String> {
    let Some(m) = streams else {
        return Ok(1);
    };
    if m == 0 || m > MAX_STREAMS {
        return Err(format!(
            "--h2-streams {m}: expected a number of streams per connection from 1 to {MAX_STREAMS}"
        ));
    }
    if !http2 && !targets.iter().all(|t| t.h2c) {
        return Err(format!(
            "--h2-streams {m} multiplexes HTTP/2 streams; expected --http2 (or h2c:// URLs)"
        ));
    }
    if connections.saturating_mul(m) > 100_000 {
        return Err(format!(
            "-c {connections} x --h2-streams {m} is above 100000 requests in flight; expected fewer"
        ));
    }
    Ok(m)
}

/// How many slots of a run with `connections` connections and `streams` streams each.
pub(super) fn slots(connections: usize, streams: usize) -> usize {
    connections.saturating_mul(streams.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slot_count() {
        assert_eq!(slots(4, 8), 32);
        assert_eq!(slots(4, 0), 4);
    }
}
