//! HTTP/2 to one backend (`,h2c`, `,h2`, `,auto` when ALPN picks h2): a small set of shared
//! connections, each carrying streams up to the peer's SETTINGS_MAX_CONCURRENT_STREAMS (RFC
//! 9113 section 5.1.2); a new connection only when every open one is full, at most
//! [`MAX_CONNS`] of them (HAProxy's `proto h2` servers likewise fill a connection before
//! opening the next). Flow control, framing and HPACK are hyper's and h2's.

use hyper::body::{Body, Incoming};
use hyper::client::conn::{TrySendError, http2};
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite};

/// Connections per backend past which streams queue on the least busy one instead.
pub const MAX_CONNS: usize = 8;

/// One backend's HTTP/2 connections, sending request bodies of type `B`.
pub struct H2Conns<B> {
    conns: Mutex<Vec<Shared<B>>>,
    /// One connect at a time: a burst of first requests shares the connection it makes.
    pub connecting: tokio::sync::Mutex<()>,
    /// A connection with no stream for this long is closed (--idle-timeout, as the
    /// HTTP/1.1 pool's idle connections).
    idle_timeout: Duration,
}

struct Shared<B> {
    sender: http2::SendRequest<B>,
    /// Streams of ours open on it (a stream ends when its response body has been relayed).
    active: Arc<AtomicUsize>,
    /// The peer's current SETTINGS_MAX_CONCURRENT_STREAMS, kept by the connection's task.
    limit: Arc<AtomicUsize>,
    /// When its last stream was opened.
    last_open: Instant,
}

impl<B> Shared<B> {
    fn has_room(&self) -> bool {
        self.active.load(Ordering::Relaxed) < self.limit.load(Ordering::Relaxed)
    }

    fn open(&mut self) -> H2Stream<B> {
        self.last_open = Instant::now();
        self.active.fetch_add(1, Ordering::Relaxed);
        H2Stream {
            sender: self.sender.clone(),
            active: self.active.clone(),
        }
    }
}

/// One request's stream on a shared connection; dropping it gives the slot back.
pub struct H2Stream<B> {
    sender: http2::SendRequest<B>,
    active: Arc<AtomicUsize>,
}

impl<B: Body + 'static> H2Stream<B> {
    pub async fn send(
        &mut self,
        req: http::Request<B>,
    ) -> Result<http::Response<Incoming>, TrySendError<http::Request<B>>> {
        self.sender.try_send_request(req).await
    }
}

impl<B> Drop for H2Stream<B> {
    fn drop(&mut self) {
        self.active.fetch_sub(1, Ordering::Relaxed);
    }
}

impl<B> H2Conns<B> {
    pub fn new(idle_timeout: Duration) -> Self {
        H2Conns {
            conns: Mutex::new(Vec::new()),
            connecting: tokio::sync::Mutex::new(()),
            idle_timeout,
        }
    }
}

impl<B> H2Conns<B>
where
    B: Body + Send + Unpin + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    /// A stream on an open connection with room (the oldest first, so that traffic stays on
    /// few connections); when all are full and there are [`MAX_CONNS`], the least busy one,
    /// where h2 holds the stream until the peer allows it. None: open a connection.
    pub fn stream(&self) -> Option<H2Stream<B>> {
        let mut conns = self.conns.lock().ok()?;
        // Closed ones go, and idle ones (dropping the last sender closes the connection).
        let idle = self.idle_timeout;
        conns.retain(|c| {
            !c.sender.is_closed()
                && (c.active.load(Ordering::Relaxed) > 0 || c.last_open.elapsed() <= idle)
        });
        if let Some(c) = conns.iter_mut().find(|c| c.has_room()) {
            return Some(c.open());
        }
        if conns.len() >= MAX_CONNS {
            return conns
                .iter_mut()
                .min_by_key(|c| c.active.load(Ordering::Relaxed))
                .map(|c| c.open());
        }
        None
    }

    /// Start HTTP/2 on a connected stream and share it once the backend's SETTINGS have
    /// arrived (within `timeout`); the first stream is the caller's. Waiting for them costs one
    /// round trip per new connection and is what keeps a burst of first requests inside the
    /// backend's stream limit: streams opened past a limit the proxy has not seen yet are
    /// refused (REFUSED_STREAM), and a streamed request body cannot be replayed.
    pub async fn handshake<T>(&self, io: T, timeout: Duration) -> Result<H2Stream<B>, Handshake>
    where
        T: AsyncRead + AsyncWrite + Send + Unpin + 'static,
    {
        // 0: waiting for the peer, 1: its SETTINGS were applied, 2: the connection ended.
        let (state_tx, mut state) = tokio::sync::watch::channel(0u8);
        let io = FirstRead {
            inner: io,
            got_data: false,
            state: Some(state_tx),
        };
        let (sender, mut conn) = http2::Builder::new(TokioExecutor::new())
            .handshake(TokioIo::new(io))
            .await
            .map_err(Handshake::Hyper)?;
        // hyper drives the socket from a task of its own; this waits for it to apply SETTINGS.
        match tokio::time::timeout(timeout, state.wait_for(|s| *s != 0)).await {
            Err(_) => return Err(Handshake::NoSettings(timeout)),
            Ok(Ok(s)) if *s == 1 => {}
            Ok(_) => return Err(Handshake::Closed),
        }
        let limit = Arc::new(AtomicUsize::new(conn.current_max_send_streams()));
        let seen = limit.clone();
        tokio::spawn(async move {
            // Drive the connection's request side, and after each step publish the peer's
            // stream limit (it may change at any time). Errors surface on the streams.
            let _ = std::future::poll_fn(|cx| {
                let r = Pin::new(&mut conn).poll(cx);
                seen.store(conn.current_max_send_streams(), Ordering::Relaxed);
                r
            })
            .await;
        });
        let mut shared = Shared {
            sender,
            active: Arc::new(AtomicUsize::new(0)),
            limit,
            last_open: Instant::now(),
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
            let open: Vec<&Shared<B>> = c.iter().filter(|s| !s.sender.is_closed()).collect();
            (
                open.len(),
                open.iter().map(|s| s.active.load(Ordering::Relaxed)).sum(),
            )
        })
    }
}

/// Why a new HTTP/2 connection could not be used.
#[derive(Debug)]
pub enum Handshake {
    Hyper(hyper::Error),
    /// The backend sent no SETTINGS in time.
    NoSettings(Duration),
    /// The backend closed the connection instead (it may not speak HTTP/2 at all).
    Closed,
}

impl std::fmt::Display for Handshake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Handshake::Hyper(e) => write!(f, "HTTP/2 handshake failed: {e}"),
            Handshake::NoSettings(d) => write!(
                f,
                "the backend sent no HTTP/2 SETTINGS within {d:?} (does it speak HTTP/2?)"
            ),
            Handshake::Closed => f.write_str(
                "the backend closed the connection after the HTTP/2 preface (does it speak HTTP/2? drop ,h2c to speak HTTP/1.1)",
            ),
        }
    }
}

/// The connection's reads, telling the handshake when the peer's first bytes (its SETTINGS,
/// the first frame a server sends: RFC 9113 section 3.4) have been processed: h2 applies the
/// frames of one read before it reads again, so the next read call after data means they were.
struct FirstRead<T> {
    inner: T,
    got_data: bool,
    /// Dropped once told (no cost on later reads).
    state: Option<tokio::sync::watch::Sender<u8>>,
}

impl<T: AsyncRead + Unpin> AsyncRead for FirstRead<T> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.got_data
            && let Some(tx) = self.state.take()
        {
            tx.send_replace(1);
        }
        let before = buf.filled().len();
        let r = std::pin::Pin::new(&mut self.inner).poll_read(cx, buf);
        if self.state.is_some() {
            match &r {
                Poll::Ready(Ok(())) if buf.filled().len() > before => self.got_data = true,
                Poll::Ready(_) => {
                    if let Some(tx) = self.state.take() {
                        tx.send_replace(2);
                    }
                }
                Poll::Pending => {}
            }
        }
        r
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for FirstRead<T> {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        std::pin::Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
    }
    fn poll_write_vectored(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        std::pin::Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
