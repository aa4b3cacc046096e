//! HTTP/2 to one backend (`,h2c`, `,h2`, `,auto` when ALPN picks h2): a small set of shared
//! connections, each carrying streams up to the peer's SETTINGS_MAX_CONCURRENT_STREAMS (RFC
//! 9113 section 5.1.2); a new connection only when every open one is full, at most
//! [`MAX_CONNS`] of them (HAProxy's `proto h2` servers likewise fill a connection before
//! opening the next). Flow control, framing and HPACK are hyper's and h2's.

use super::upstream::{ConnectError, RawConn, UpBody};
use hyper::body::Incoming;
use hyper::client::conn::{TrySendError, http2};
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Connections per backend past which streams queue on the least busy one instead.
pub const MAX_CONNS: usize = 8;

/// The stream limit assumed until the peer's SETTINGS arrive (hyper's and RFC 9113's
/// recommended minimum).
const INITIAL_STREAMS: usize = 100;

/// One backend's HTTP/2 connections.
#[derive(Default)]
pub struct H2Conns {
    conns: Mutex<Vec<Shared>>,
    /// One connect at a time: a burst of first requests shares the connection it makes.
    pub connecting: tokio::sync::Mutex<()>,
}

struct Shared {
    sender: http2::SendRequest<UpBody>,
    /// Streams of ours open on it (a stream ends when its response body has been relayed).
    active: Arc<AtomicUsize>,
    /// The peer's current SETTINGS_MAX_CONCURRENT_STREAMS, kept by the connection's task.
    limit: Arc<AtomicUsize>,
}

impl Shared {
    fn has_room(&self) -> bool {
        self.active.load(Ordering::Relaxed) < self.limit.load(Ordering::Relaxed)
    }

    fn open(&self) -> H2Stream {
        self.active.fetch_add(1, Ordering::Relaxed);
        H2Stream {
            sender: self.sender.clone(),
            active: self.active.clone(),
        }
    }
}

/// One request's stream on a shared connection; dropping it gives the slot back.
pub struct H2Stream {
    sender: http2::SendRequest<UpBody>,
    active: Arc<AtomicUsize>,
}

impl H2Stream {
    pub async fn send(
        &mut self,
        req: http::Request<UpBody>,
    ) -> Result<http::Response<Incoming>, TrySendError<http::Request<UpBody>>> {
        self.sender.try_send_request(req).await
    }
}

impl Drop for H2Stream {
    fn drop(&mut self) {
        self.active.fetch_sub(1, Ordering::Relaxed);
    }
}

impl H2Conns {
    /// A stream on an open connection with room (the oldest first, so that traffic stays on
    /// few connections); when all are full and there are [`MAX_CONNS`], the least busy one,
    /// where h2 holds the stream until the peer allows it. None: open a connection.
    pub fn stream(&self) -> Option<H2Stream> {
        let mut conns = self.conns.lock().ok()?;
        conns.retain(|c| !c.sender.is_closed());
        if let Some(c) = conns.iter().find(|c| c.has_room()) {
            return Some(c.open());
        }
        if conns.len() >= MAX_CONNS {
            return conns
                .iter()
                .min_by_key(|c| c.active.load(Ordering::Relaxed))
                .map(Shared::open);
        }
        None
    }

    /// Start HTTP/2 on a connected stream and share it; the first stream is the caller's.
    pub async fn handshake(&self, io: RawConn) -> Result<H2Stream, ConnectError> {
        let (sender, conn) = http2::Builder::new(TokioExecutor::new())
            .handshake(TokioIo::new(io))
            .await
            .map_err(ConnectError::Handshake)?;
        let limit = Arc::new(AtomicUsize::new(INITIAL_STREAMS));
        let seen = limit.clone();
        tokio::spawn(async move {
            // Drive the connection, and after each step publish the peer's stream limit (it
            // arrives in SETTINGS and may change at any time). Errors surface on the streams.
            let mut conn = pin!(conn);
            let _ = std::future::poll_fn(|cx| {
                let r = conn.as_mut().poll(cx);
                seen.store(conn.current_max_send_streams(), Ordering::Relaxed);
                r
            })
            .await;
        });
        let shared = Shared {
            sender,
            active: Arc::new(AtomicUsize::new(0)),
            limit,
        };
        let stream = shared.open();
        if let Ok(mut conns) = self.conns.lock() {
            conns.push(shared);
        }
        Ok(stream)
    }

    /// Connections open, and streams open on them.
    pub fn usage(&self) -> (usize, usize) {
        self.conns.lock().map_or((0, 0), |c| {
            let open: Vec<&Shared> = c.iter().filter(|s| !s.sender.is_closed()).collect();
            (
                open.len(),
                open.iter().map(|s| s.active.load(Ordering::Relaxed)).sum(),
            )
        })
    }
}
