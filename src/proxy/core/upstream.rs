//! The keep-alive pool to one backend: HTTP/1.1 connections made with hyper's connection-level
//! client (`client::conn::http1`), a bounded stack of idle senders behind a per-backend lock
//! held for a push or a pop only. A connection goes back to the pool when its response body has
//! been read to the end (see http/hyper/relay.rs), so a slow download never blocks the next request.
//! HTTP/2 backends (`,h2c`, `,h2`, `,auto` when ALPN picks h2) get a few shared connections
//! instead, multiplexed up to the peer's SETTINGS_MAX_CONCURRENT_STREAMS (h2.rs).

use super::h2::{H2Conns, H2Stream};
use crate::spec::UpstreamProto;
use bytes::Bytes;
use http_body_util::{Either, Full};
use hyper::body::Incoming;
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use std::io;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::pin::Pin;
use std::sync::Mutex;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, Interest, ReadBuf};
use tokio::net::TcpStream;

/// Body of a request sent upstream: the client's streamed body, or one in memory (empty for a
/// retried copy; a small body read whole so that a mirror copy can carry it too).
pub type UpBody = Either<Incoming, Full<Bytes>>;

/// A connection that can carry one request.
pub struct Conn {
    pub sender: Sender,
    /// True when it came from the idle pool (it may have been closed by the backend meanwhile).
    pub reused: bool,
}

/// The handle a request is sent on: an HTTP/1.1 connection of its own, or a stream of a shared
/// HTTP/2 connection.
pub enum Sender {
    H1(SendRequest<UpBody>),
    H2(H2Stream<UpBody>),
}

impl Sender {
    /// Send; an error gives the request back when it certainly was not sent.
    pub async fn send(
        &mut self,
        req: http::Request<UpBody>,
    ) -> Result<http::Response<Incoming>, hyper::client::conn::TrySendError<http::Request<UpBody>>>
    {
        match self {
            Sender::H1(s) => s.try_send_request(req).await,
            Sender::H2(s) => s.send(req).await,
        }
    }

    pub fn is_h2(&self) -> bool {
        matches!(self, Sender::H2(_))
    }
}

/// Why no connection could be made.
#[derive(Debug)]
pub enum ConnectError {
    Timeout(Duration),
    Io(std::io::Error),
    Handshake(hyper::Error),
}

impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConnectError::Timeout(d) => write!(f, "connect timed out after {d:?}"),
            ConnectError::Io(e) => write!(f, "connect failed: {e}"),
            ConnectError::Handshake(e) => write!(f, "HTTP handshake failed: {e}"),
        }
    }
}

/// A raw backend connection for the HTTP/1.1 fast path (http/fast/relay.rs).
pub type RawConn = super::tls::MaybeTls<SendStream, tokio_rustls::client::TlsStream<TcpStream>>;

pub struct ConnPool {
    addr: SocketAddr,
    max_idle: usize,
    connect_timeout: Duration,
    idle_timeout: Duration,
    idle: Mutex<Vec<(SendRequest<UpBody>, Instant)>>,
    /// Idle raw connections of the fast path (the two paths keep separate pools: a hyper
    /// connection cannot be driven byte by byte, nor a raw one through hyper's handle).
    raw_idle: Mutex<Vec<(RawConn, Instant)>>,
    /// TLS to the backend (`https://` or `,tls` specs; see tls.rs).
    tls: Option<super::tls::UpstreamTls>,
    /// The HTTP version spoken (`,h2c`, `,h2`, `,auto`).
    proto: UpstreamProto,
    /// `,auto`: what ALPN chose on the last connection (0 not yet known, 1 http/1.1, 2 h2).
    negotiated: std::sync::atomic::AtomicU8,
    /// The shared HTTP/2 connections.
    h2: H2Conns<UpBody>,
}

impl ConnPool {
    pub fn new(
        addr: SocketAddr,
        max_idle: usize,
        connect_timeout: Duration,
        idle_timeout: Duration,
    ) -> Self {
        ConnPool {
            addr,
            max_idle,
            connect_timeout,
            idle_timeout,
            idle: Mutex::new(Vec::new()),
            raw_idle: Mutex::new(Vec::new()),
            tls: None,
            proto: UpstreamProto::Http1,
            negotiated: Default::default(),
            h2: H2Conns::new(idle_timeout),
        }
    }

    /// Speak this HTTP version to the backend.
    pub fn with_proto(mut self, proto: UpstreamProto) -> Self {
        self.proto = proto;
        self
    }

    /// The configured HTTP version, and for `auto` what ALPN chose ("auto (h2)").
    pub fn protocol(&self) -> String {
        match (self.proto, self.negotiated.load(Ordering::Relaxed)) {
            (UpstreamProto::Auto, 1) => "auto (http/1.1)".into(),
            (UpstreamProto::Auto, 2) => "auto (h2)".into(),
            (p, _) => p.name().into(),
        }
    }

    /// HTTP/2 connections open now, and streams open on them.
    pub fn h2_usage(&self) -> (usize, usize) {
        self.h2.usage()
    }

    /// Whether the next request goes over HTTP/2.
    fn speaks_h2(&self) -> bool {
        match self.proto {
            UpstreamProto::Http1 => false,
            UpstreamProto::H2c | UpstreamProto::H2 => true,
            // Until a handshake has said otherwise, try h2 (ALPN falls back by itself).
            UpstreamProto::Auto => self.negotiated.load(Ordering::Relaxed) != 1,
        }
    }

    /// The backend's TLS identity, when it speaks TLS (the L4 path dials it too).
    pub fn tls(&self) -> Option<&super::tls::UpstreamTls> {
        self.tls.as_ref()
    }

    /// Speak TLS to this backend.
    pub fn with_tls(mut self, tls: Option<super::tls::UpstreamTls>) -> Self {
        self.tls = tls;
        self
    }

    /// An idle connection ready for a request, else a new one.
    pub async fn checkout(&self) -> Result<Conn, ConnectError> {
        if self.speaks_h2() {
            if let Some(stream) = self.h2.stream() {
                return Ok(Conn {
                    sender: Sender::H2(stream),
                    reused: true,
                });
            }
            return Box::pin(self.connect()).await;
        }
        loop {
            let popped = match self.idle.lock() {
                Ok(mut idle) => idle.pop(),
                Err(_) => None,
            };
            let Some((mut sender, since)) = popped else {
                break;
            };
            if sender.is_closed() || since.elapsed() > self.idle_timeout {
                continue;
            }
            if sender.is_ready() || sender.ready().await.is_ok() {
                return Ok(Conn {
                    sender: Sender::H1(sender),
                    reused: true,
                });
            }
        }
        // Boxed: a connect (TCP, TLS, HTTP/2 SETTINGS) is rare, and inline its state would
        // weigh on every request's future (hyper's HTTP/2 server spawns one per stream).
        Box::pin(self.connect()).await
    }

    /// A fresh connection (also used after a pooled one turned out to be stale). For HTTP/2,
    /// one connection is made at a time (concurrent callers wait for it and share it).
    pub async fn connect(&self) -> Result<Conn, ConnectError> {
        if self.speaks_h2() {
            let _one = self.h2.connecting.lock().await;
            // Another caller may have opened one with room while this one waited.
            if let Some(stream) = self.h2.stream() {
                return Ok(Conn {
                    sender: Sender::H2(stream),
                    reused: false,
                });
            }
            let stream = self.connect_raw().await?;
            if self.proto == UpstreamProto::H2 && !alpn_h2(&stream) {
                return Err(ConnectError::Io(io::Error::other(
                    "the backend did not agree to HTTP/2 by ALPN (h2); use ,auto to let it choose HTTP/1.1",
                )));
            }
            if self.proto == UpstreamProto::Auto {
                let h2 = alpn_h2(&stream);
                self.negotiated
                    .store(if h2 { 2 } else { 1 }, Ordering::Relaxed);
                if !h2 {
                    return self.handshake_h1(stream).await;
                }
            }
            let stream = self
                .h2
                .handshake(stream, self.connect_timeout)
                .await
                .map_err(|e| match e {
                    super::h2::Handshake::Hyper(e) => ConnectError::Handshake(e),
                    other => ConnectError::Io(io::Error::other(other.to_string())),
                })?;
            return Ok(Conn {
                sender: Sender::H2(stream),
                reused: false,
            });
        }
        let stream = self.connect_raw().await?;
        self.handshake_h1(stream).await
    }

    async fn handshake_h1(&self, stream: RawConn) -> Result<Conn, ConnectError> {
        let (sender, conn) = http1::Builder::new()
            .handshake(TokioIo::new(stream))
            .await
            .map_err(ConnectError::Handshake)?;
        tokio::spawn(async move {
            // The connection task ends when the backend closes or the sender is dropped;
            // errors surface on the request that was using it.
            let _ = conn.with_upgrades().await;
        });
        Ok(Conn {
            sender: Sender::H1(sender),
            reused: false,
        })
    }

    /// Return a connection whose last response was read completely (an HTTP/2 stream just
    /// ends: its connection stays shared).
    pub fn checkin(&self, sender: Sender) {
        let Sender::H1(sender) = sender else {
            return;
        };
        if sender.is_closed() {
            return;
        }
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < self.max_idle
        {
            idle.push((sender, Instant::now()));
        }
    }

    /// Idle connections currently pooled (both paths).
    pub fn idle_count(&self) -> usize {
        self.idle.lock().map(|i| i.len()).unwrap_or(0)
            + self.raw_idle.lock().map(|i| i.len()).unwrap_or(0)
    }

    /// A raw idle connection the backend has not closed, else a new one; `bool` = reused.
    pub async fn checkout_raw(&self) -> Result<(RawConn, bool), ConnectError> {
        loop {
            let popped = match self.raw_idle.lock() {
                Ok(mut idle) => idle.pop(),
                Err(_) => None,
            };
            let Some((conn, since)) = popped else {
                break;
            };
            if since.elapsed() <= self.idle_timeout && still_open(&conn) {
                return Ok((conn, true));
            }
        }
        self.connect_raw().await.map(|c| (c, false))
    }

    /// A fresh raw connection (TCP, TLS when the backend speaks it, single-send writes); the
    /// hyper path's [`ConnPool::connect`] hands the same stream to hyper.
    pub async fn connect_raw(&self) -> Result<RawConn, ConnectError> {
        let stream =
            match tokio::time::timeout(self.connect_timeout, TcpStream::connect(self.addr)).await {
                Err(_) => return Err(ConnectError::Timeout(self.connect_timeout)),
                Ok(Err(e)) => return Err(ConnectError::Io(e)),
                Ok(Ok(s)) => s,
            };
        let _ = stream.set_nodelay(true);
        let stream = super::tls::connect(stream, self.tls.as_ref(), self.connect_timeout)
            .await
            .map_err(ConnectError::Io)?;
        Ok(SendStream::wrap(stream))
    }

    /// Return a raw connection whose last response was read completely.
    pub fn checkin_raw(&self, conn: RawConn) {
        if let Ok(mut idle) = self.raw_idle.lock()
            && idle.len() < self.max_idle
        {
            idle.push((conn, Instant::now()));
        }
    }
}

/// Whether TLS negotiated h2 by ALPN (plain connections never do).
fn alpn_h2(conn: &RawConn) -> bool {
    match conn {
        super::tls::MaybeTls::Plain(_) => false,
        super::tls::MaybeTls::Tls(t) => t.get_ref().1.alpn_protocol() == Some(b"h2"),
    }
}

/// Whether an idle connection is still usable: the backend has neither closed it nor sent
/// anything unasked. Costs no system call unless the socket became readable while idle.
fn still_open(conn: &RawConn) -> bool {
    match conn {
        super::tls::MaybeTls::Plain(s) => {
            let mut probe = [0u8; 1];
            matches!(s.0.try_read(&mut probe), Err(e) if e.kind() == io::ErrorKind::WouldBlock)
        }
        // A TLS session cannot be peeked without consuming records; trust it (a stale one
        // fails on first use and the request is retried on a fresh connection).
        super::tls::MaybeTls::Tls(_) => true,
    }
}

/// A TCP stream whose writes are one `send(2)` of one buffer. hyper then flattens a head and
/// a small body into one buffer (a memcpy) instead of a `writev(2)`: on loopback the VFS
/// path of writev (fd position lock, iovec import, rw checks) cost more than the copy.
/// Used for both sides of the L7 path (http/serve.rs for clients, here for backends).
pub struct SendStream(pub TcpStream);

impl SendStream {
    /// Plain connections get single-send writes; TLS ones keep rustls' own write path.
    pub fn wrap<T>(
        stream: super::tls::MaybeTls<TcpStream, T>,
    ) -> super::tls::MaybeTls<SendStream, T> {
        match stream {
            super::tls::MaybeTls::Plain(tcp) => super::tls::MaybeTls::Plain(SendStream(tcp)),
            super::tls::MaybeTls::Tls(t) => super::tls::MaybeTls::Tls(t),
        }
    }
}

impl AsyncRead for SendStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        // recv(2) rather than read(2), for the same reason as send(2) below.
        let s = &self.0;
        loop {
            ready!(s.poll_read_ready(cx))?;
            // SAFETY: recv(2) only writes into the unfilled part, never de-initialises it.
            let unfilled = unsafe { buf.unfilled_mut() };
            let got = s.try_io(Interest::READABLE, || {
                // SAFETY: `unfilled` is valid for writes of its length (uninitialised memory
                // is fine for recv), and the fd stays open while `s` is borrowed.
                let n = unsafe {
                    libc::recv(
                        s.as_raw_fd(),
                        unfilled.as_mut_ptr().cast(),
                        unfilled.len(),
                        0,
                    )
                };
                if n < 0 {
                    Err(io::Error::last_os_error())
                } else {
                    Ok(n as usize)
                }
            });
            match got {
                Ok(n) => {
                    // SAFETY: recv(2) initialised the first `n` bytes of the unfilled part.
                    unsafe { buf.assume_init(n) };
                    buf.advance(n);
                    return Poll::Ready(Ok(()));
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
                    ) =>
                {
                    continue;
                }
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }
}

impl AsyncWrite for SendStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let s = &self.0;
        loop {
            ready!(s.poll_write_ready(cx))?;
            let sent = s.try_io(Interest::WRITABLE, || {
                // SAFETY: `buf` is valid for `buf.len()` bytes and the fd stays open while
                // `s` is borrowed; MSG_NOSIGNAL turns a closed peer into EPIPE, not SIGPIPE.
                let n = unsafe {
                    libc::send(
                        s.as_raw_fd(),
                        buf.as_ptr().cast(),
                        buf.len(),
                        libc::MSG_NOSIGNAL,
                    )
                };
                if n < 0 {
                    Err(io::Error::last_os_error())
                } else {
                    Ok(n as usize)
                }
            });
            match sent {
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
                    ) =>
                {
                    continue;
                }
                r => return Poll::Ready(r),
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        false
    }
}
