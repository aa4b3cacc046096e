//! A client connection on the fast path and what its parts share: the connection itself
//! ([`H1Conn`]: the client stream, the listener's front end, read and write buffers), how a
//! client stream is read between requests ([`ClientIo`]), a read buffer with a consumed prefix,
//! a request ready to send (`Prepared`), and the local answers written to the client. The
//! request side (relay.rs: reading heads) and the backend side (exchange.rs: sending, reading
//! the response, relaying the body) are `impl H1Conn` blocks on top of this file.

use super::wire;
use crate::proxy::core::frontend::L7;
use crate::proxy::core::listener::Activity;
use crate::proxy::core::tls::MaybeTls;
use crate::proxy::core::upstream::SendStream;
use crate::proxy::http::decide::Dispatch;
use crate::proxy::http::local::Local;
use http::Method;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Bytes asked of the kernel per read.
const READ_CHUNK: usize = 16 * 1024;

/// A client connection as this path needs it.
pub trait ClientIo: AsyncRead + AsyncWrite + Unpin + Send {
    /// Wait for the first bytes of the next request and read them into `buf` (0: closed).
    /// On plain TCP the buffer is allocated only once bytes are there: an idle keep-alive
    /// connection holds no buffer.
    fn read_idle(&mut self, buf: &mut Vec<u8>) -> impl Future<Output = io::Result<usize>> + Send;
}

impl<T: AsyncRead + AsyncWrite + Unpin + Send + Sync> ClientIo
    for Activity<MaybeTls<SendStream, T>>
{
    async fn read_idle(&mut self, buf: &mut Vec<u8>) -> io::Result<usize> {
        match &mut self.inner {
            MaybeTls::Plain(s) => loop {
                // poll_read_ready keeps the waker in the socket's own slot; `readable()` is a
                // 152-byte future that every idle connection's task would carry.
                std::future::poll_fn(|cx| s.0.poll_read_ready(cx)).await?;
                if buf.capacity() == 0 {
                    buf.reserve(READ_CHUNK);
                }
                match s.0.try_read_buf(buf) {
                    Ok(n) => {
                        self.touched.store(true, Ordering::Relaxed);
                        return Ok(n);
                    }
                    // Readiness left over from the last request: nothing yet after all.
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => *buf = Vec::new(),
                    Err(e) => return Err(e),
                }
            },
            MaybeTls::Tls(_) => {
                buf.reserve(READ_CHUNK);
                self.read_buf(buf).await
            }
        }
    }
}

/// Connection-level limits.
pub struct Limits {
    pub header_timeout: Duration,
    pub max_header_size: usize,
}

/// A byte buffer with a consumed prefix (`v[start..]` is unread).
#[derive(Default)]
pub(super) struct Buf {
    pub(super) v: Vec<u8>,
    pub(super) start: usize,
}

impl Buf {
    pub(super) fn data(&self) -> &[u8] {
        &self.v[self.start..]
    }
    pub(super) fn len(&self) -> usize {
        self.v.len() - self.start
    }
    pub(super) fn is_empty(&self) -> bool {
        self.start == self.v.len()
    }
    pub(super) fn consume(&mut self, n: usize) {
        self.start += n;
        if self.start >= self.v.len() {
            self.v.clear();
            self.start = 0;
        }
    }
    /// Free the memory (only when nothing is unread).
    pub(super) fn release(&mut self) {
        if self.is_empty() {
            self.v = Vec::new();
            self.start = 0;
        }
    }
    /// Read once more from `io` (0: end of stream).
    pub(super) async fn fill<R: AsyncRead + Unpin>(&mut self, io: &mut R) -> io::Result<usize> {
        if self.v.capacity() - self.v.len() < READ_CHUNK / 4 {
            if self.start > 0 {
                self.v.drain(..self.start);
                self.start = 0;
            }
            self.v.reserve(READ_CHUNK);
        }
        io.read_buf(&mut self.v).await
    }
}

/// A request whose head has been read and turned into the backend's head.
pub(super) struct Prepared {
    /// Length of the backend head in `wbuf` before the per-backend end (Host, final CRLF).
    pub(super) head_base: usize,
    pub(super) method: Method,
    pub(super) head_request: bool,
    pub(super) body_len: u64,
    pub(super) client_close: bool,
    pub(super) walk: Dispatch,
    /// A rate limit's delay (`nodelay=false`) before the request is sent.
    pub(super) delay: Option<std::time::Duration>,
    /// `(method, target)` for the access log, when it is on.
    pub(super) log: Option<(String, String)>,
}

/// Why an exchange ended early: close the client connection now (it failed, timed out, or
/// its state is unknown).
pub(super) enum Stop {
    Close,
}

/// One client connection on the fast path.
pub struct H1Conn<'a, S> {
    pub(super) io: S,
    pub(super) peer: SocketAddr,
    pub(super) l7: &'a L7,
    pub(super) limits: &'a Limits,
    pub(super) rbuf: Buf,
    pub(super) ubuf: Buf,
    /// Heads being written (the backend's, then the client's).
    pub(super) wbuf: Vec<u8>,
    /// The client's address for X-Forwarded-For, formatted once.
    pub(super) ip_text: String,
}

impl<S: ClientIo> H1Conn<'_, S> {
    /// Write a local answer to the client.
    pub(super) async fn answer(&mut self, l: Local, close: bool) -> Result<(), Stop> {
        self.wbuf.clear();
        wire::write_local(&mut self.wbuf, l, close);
        self.io.write_all(&self.wbuf).await.map_err(|_| Stop::Close)
    }

    /// Answer locally after the request could not be served; keeps the connection when the
    /// request's body is all read (it is skipped).
    pub(super) async fn local_end(
        &mut self,
        l: Local,
        whole_body: bool,
        body_len: u64,
    ) -> Result<bool, Stop> {
        if whole_body {
            self.rbuf.consume(body_len as usize);
        }
        self.answer(l, !whole_body).await?;
        Ok(whole_body)
    }
}
