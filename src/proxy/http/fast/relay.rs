//! The HTTP/1.1 fast path of the L7 proxy: one task per client connection reads a request head
//! into a buffer, lets http/decide.rs choose the backend exactly as the hyper path does, writes the
//! rewritten head (and a body already read) to a raw pooled backend connection in one send,
//! reads the response head, and relays the body as it comes (Content-Length, chunked framing
//! walked not decoded, or to the close). Nothing is allocated per request but the buffers, and
//! the backend socket is driven from the client's own task (no channel hop to a connection task,
//! which is what hyper's client does).
//!
//! Why a second path: with hyper on both sides the proxy spent 1.14x HAProxy's CPU per request
//! (issue #6), most of it in hyper's server and client state machines, `HeaderMap`s and the
//! cross-task hop. Requests this path does not take (HTTP/2, HTTP/1.0, Upgrade, `Expect`,
//! chunked request bodies, absolute-form targets, malformed heads) hand the connection, with the
//! bytes already read, to hyper (http/serve.rs), which serves it from there on.

use super::wire::{
    self, ChunkedEnd, DownstreamHead, Framing, MAX_HEADERS, MAX_RESPONSE_HEADERS, ParsedRequest,
    UpstreamHead,
};
use crate::balance::pick::PickContext;
use crate::cli::AccessLog;
use crate::proxy::core::frontend::L7;
use crate::proxy::core::listener::Activity;
use crate::proxy::core::pool::ip_bytes;
use crate::proxy::core::tls::MaybeTls;
use crate::proxy::core::upstream::{RawConn, SendStream};
use crate::proxy::http::decide::{self, Attempt, Dispatch, idempotent};
use crate::proxy::http::local::{self, Local};
use http::Method;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::watch;

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
                s.0.readable().await?;
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

/// How a connection left the fast path.
pub enum Outcome<S> {
    /// Closed (by either side, a timeout, an error, or the drain).
    Closed,
    /// Not for this path: hyper serves the connection from here, starting with these bytes.
    Hyper(S, Vec<u8>),
}

/// Connection-level limits.
pub struct Limits {
    pub header_timeout: Duration,
    pub max_header_size: usize,
}

/// A byte buffer with a consumed prefix (`v[start..]` is unread).
#[derive(Default)]
struct Buf {
    v: Vec<u8>,
    start: usize,
}

impl Buf {
    fn data(&self) -> &[u8] {
        &self.v[self.start..]
    }
    fn len(&self) -> usize {
        self.v.len() - self.start
    }
    fn is_empty(&self) -> bool {
        self.start == self.v.len()
    }
    fn consume(&mut self, n: usize) {
        self.start += n;
        if self.start >= self.v.len() {
            self.v.clear();
            self.start = 0;
        }
    }
    /// Free the memory (only when nothing is unread).
    fn release(&mut self) {
        if self.is_empty() {
            self.v = Vec::new();
            self.start = 0;
        }
    }
    /// Read once more from `io` (0: end of stream).
    async fn fill<R: AsyncRead + Unpin>(&mut self, io: &mut R) -> io::Result<usize> {
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
struct Prepared {
    /// Length of the backend head in `wbuf` before the per-backend end (Host, final CRLF).
    head_base: usize,
    method: Method,
    head_request: bool,
    body_len: u64,
    client_close: bool,
    walk: Dispatch,
    /// `(method, target)` for the access log, when it is on.
    log: Option<(String, String)>,
}

/// Why an exchange ended early: close the client connection now (it failed, timed out, or
/// its state is unknown).
enum Stop {
    Close,
}

/// What reading a request head gave.
enum Head {
    Request(Prepared),
    /// The request was answered here (403, 404); the connection stays open.
    Answered,
    /// For hyper.
    Hyper,
}

/// One client connection on the fast path.
pub struct H1Conn<'a, S> {
    io: S,
    peer: SocketAddr,
    l7: &'a L7,
    limits: &'a Limits,
    rbuf: Buf,
    ubuf: Buf,
    /// Heads being written (the backend's, then the client's).
    wbuf: Vec<u8>,
    /// The client's address for X-Forwarded-For, formatted once.
    ip_text: String,
}

impl<'a, S: ClientIo> H1Conn<'a, S> {
    pub fn new(io: S, peer: SocketAddr, l7: &'a L7, limits: &'a Limits) -> Self {
        H1Conn {
            io,
            peer,
            l7,
            limits,
            rbuf: Buf::default(),
            ubuf: Buf::default(),
            wbuf: Vec::new(),
            // A v4 client on a dual-stack socket is shown as v4.
            ip_text: peer.ip().to_canonical().to_string(),
        }
    }

    /// Serve requests until the connection closes or leaves for hyper.
    pub async fn serve(mut self, drain: &mut watch::Receiver<bool>) -> Outcome<S> {
        let accepted = Instant::now();
        let mut first = true;
        loop {
            if self.rbuf.is_empty() {
                // Between requests: no buffers held, and the drain closes the connection.
                self.rbuf.release();
                self.ubuf.release();
                self.wbuf = Vec::new();
                if *drain.borrow() {
                    return Outcome::Closed;
                }
                let header_timeout = self.limits.header_timeout;
                let (io, buf) = (&mut self.io, &mut self.rbuf.v);
                let wait = async {
                    if first {
                        // A client that sends nothing is cut at the header timeout.
                        tokio::time::timeout_at(
                            (accepted + header_timeout).into(),
                            io.read_idle(buf),
                        )
                        .await
                        .unwrap_or_else(|_| Err(io::ErrorKind::TimedOut.into()))
                    } else {
                        io.read_idle(buf).await
                    }
                };
                tokio::select! {
                    biased;
                    r = wait => match r {
                        Ok(n) if n > 0 => {}
                        _ => return Outcome::Closed,
                    },
                    _ = drain.changed() => return Outcome::Closed,
                }
            }
            let deadline = if first {
                accepted + self.limits.header_timeout
            } else {
                Instant::now() + self.limits.header_timeout
            };
            first = false;
            let prepared = match Box::pin(self.read_head(deadline)).await {
                Ok(Head::Request(p)) => p,
                Ok(Head::Answered) => continue,
                Ok(Head::Hyper) => {
                    let mut rest = std::mem::take(&mut self.rbuf);
                    rest.v.drain(..rest.start);
                    return Outcome::Hyper(self.io, rest.v);
                }
                Err(Stop::Close) => {
                    let _ = self.io.shutdown().await;
                    return Outcome::Closed;
                }
            };
            // Boxed: an exchange's state is a few KiB, and an idle connection's task should
            // not carry it (one allocation per request, cheap next to the request).
            match Box::pin(self.exchange(prepared)).await {
                Ok(true) => {}
                Ok(false) | Err(Stop::Close) => {
                    let _ = self.io.shutdown().await;
                    return Outcome::Closed;
                }
            }
        }
    }

    /// Read until a complete head.
    async fn read_head(&mut self, deadline: Instant) -> Result<Head, Stop> {
        loop {
            if !self.rbuf.is_empty() {
                // The header slots live in this block only, never across an await (they would
                // weigh on every connection's task).
                let parsed = {
                    let mut hs = [httparse::EMPTY_HEADER; MAX_HEADERS];
                    match wire::parse_request(self.rbuf.data(), &mut hs) {
                        ParsedRequest::Hyper => return Ok(Head::Hyper),
                        ParsedRequest::Invalid(text) => Some((0, Err(text))),
                        ParsedRequest::Partial => None,
                        ParsedRequest::Ready(head) => Some((
                            head.head_len,
                            Ok(prepare(
                                self.l7,
                                self.peer,
                                &self.ip_text,
                                &mut self.wbuf,
                                &head,
                                &hs[..head.header_count],
                            )),
                        )),
                    }
                };
                if let Some((head_len, prepared)) = parsed {
                    let prepared = match prepared {
                        Ok(p) => p,
                        Err(text) => {
                            let l = Local {
                                status: http::StatusCode::BAD_REQUEST,
                                text,
                            };
                            self.answer(l, true).await?;
                            return Err(Stop::Close);
                        }
                    };
                    self.rbuf.consume(head_len);
                    return match prepared {
                        Ok(p) => Ok(Head::Request(p)),
                        Err((l, body_len)) => {
                            let whole = self.rbuf.len() as u64 >= body_len;
                            match self.local_end(l, whole, body_len).await? {
                                true => Ok(Head::Answered),
                                false => Err(Stop::Close),
                            }
                        }
                    };
                }
                if self.rbuf.len() >= self.limits.max_header_size {
                    self.answer(HEADERS_TOO_LARGE, true).await?;
                    return Err(Stop::Close);
                }
            }
            match tokio::time::timeout_at(deadline.into(), self.rbuf.fill(&mut self.io)).await {
                Ok(Ok(n)) if n > 0 => {}
                Ok(_) => return Err(Stop::Close),
                Err(_) => {
                    // HAProxy's `timeout http-request`: 408 once a request has begun.
                    self.answer(REQUEST_TIMEOUT, true).await?;
                    return Err(Stop::Close);
                }
            }
        }
    }

    /// Write a local answer to the client.
    async fn answer(&mut self, l: Local, close: bool) -> Result<(), Stop> {
        self.wbuf.clear();
        wire::write_local(&mut self.wbuf, l, close);
        self.io.write_all(&self.wbuf).await.map_err(|_| Stop::Close)
    }

    /// Send the request to backends until one answers, and relay the answer. `Ok(true)`: the
    /// client connection stays open for the next request.
    async fn exchange(&mut self, mut p: Prepared) -> Result<bool, Stop> {
        let l7 = self.l7;
        let s = &l7.settings;
        let start = p.log.is_some().then(Instant::now);
        // The body is replayable while it is all in the buffer (it is sent from there).
        let whole_body = self.rbuf.len() as u64 >= p.body_len;
        let replayable = s.retries > 0 && whole_body && idempotent(&p.method);
        let ip = self.peer.ip().to_canonical();
        let mut ip_buf = [0u8; 16];
        let ctx = PickContext {
            client_ip: Some(ip_bytes(ip, &mut ip_buf)),
        };
        loop {
            let picked = match p.walk.next(l7, &ctx).await {
                Ok(x) => x,
                Err(l) => return self.local_end(l, whole_body, p.body_len).await,
            };
            let b = picked.backend.clone();
            let (mut up, mut reused) = match b.pool.checkout_raw().await {
                Ok(c) => c,
                Err(e) => {
                    let a = Attempt::Connect(e.to_string());
                    if p.walk.failed(l7, &b, p.method.as_str(), a, true) {
                        continue;
                    }
                    return self
                        .local_end(p.walk.give_up(), whole_body, p.body_len)
                        .await;
                }
            };
            // The per-backend end of the head, then as much of the body as is here.
            self.wbuf.truncate(p.head_base);
            wire::finish_request(
                &mut self.wbuf,
                s.change_host.then(|| b.host_value.as_bytes()),
            );
            let inline = (self.rbuf.len() as u64).min(p.body_len) as usize;
            self.wbuf.extend_from_slice(&self.rbuf.data()[..inline]);

            let cookie = p.walk.sticky_cookie(picked.index);
            let sent_at = Instant::now();
            let deadline = sent_at + s.backend_timeout;
            let result = loop {
                match self
                    .send_and_read_head(&mut up, &p, inline, deadline, cookie.as_deref())
                    .await
                {
                    // A pooled connection the backend closed meanwhile: once more on a fresh
                    // one, when the request is whole here and either certainly unread (the
                    // write failed) or safe to repeat.
                    Err(Failed::Stale { on_write })
                        if reused && whole_body && (on_write || idempotent(&p.method)) =>
                    {
                        match b.pool.connect_raw().await {
                            Ok(c) => {
                                up = c;
                                reused = false;
                            }
                            Err(e) => {
                                break Err(Failed::Attempt(Attempt::Connect(e.to_string())));
                            }
                        }
                    }
                    r => break r,
                }
            };
            let fin = match result {
                Ok(f) => f,
                Err(Failed::Client) => return Err(Stop::Close),
                Err(f) => {
                    let a = match f {
                        Failed::Attempt(a) => a,
                        _ => Attempt::Sent("the backend closed the connection".into(), false),
                    };
                    let can_retry = match &a {
                        Attempt::Connect(_) => true,
                        Attempt::Sent(_, unsent) => *unsent || replayable,
                        Attempt::Timeout => replayable,
                        Attempt::ClientBody => false,
                    };
                    // A streamed body is gone: only a request still whole here can go again.
                    let can_retry = can_retry && whole_body;
                    if p.walk.failed(l7, &b, p.method.as_str(), a, can_retry) {
                        continue;
                    }
                    return self
                        .local_end(p.walk.give_up(), whole_body, p.body_len)
                        .await;
                }
            };
            let ttfb = sent_at.elapsed();
            let status = fin.code;
            if p.walk.answered(l7, &picked, status, ttfb, replayable) {
                self.ubuf = Buf::default();
                continue;
            }
            if whole_body {
                self.rbuf.consume(p.body_len as usize);
            }
            let (framing, backend_closes, close) = (fin.framing, fin.backend_closes, fin.close);
            let mut bytes = 0;
            let relayed = self
                .relay_body(&mut up, framing, fin.resp_start, &mut bytes)
                .await;
            b.bytes_out.fetch_add(bytes, Ordering::Relaxed);
            if relayed.is_ok() && !backend_closes && self.ubuf.is_empty() {
                b.pool.checkin_raw(up);
            }
            match &relayed {
                // The head was fine, the body was not: the client's response is cut short.
                Err(Side::Backend(why)) => b.passive_failure(why),
                // Broken before a byte reached the client: it gets a 502, not a bare close.
                Err(Side::BackendUnsent(why)) => {
                    b.passive_failure(why);
                    self.wbuf.clear();
                    wire::write_local(&mut self.wbuf, local::BACKEND_FAILED, true);
                    let _ = self.io.write_all(&self.wbuf).await;
                }
                _ => {}
            }
            if let (Some((m, t)), Some(start)) = (&p.log, start) {
                crate::proxy::core::log::access(
                    s.access_log,
                    &crate::proxy::core::log::Access {
                        client: self.peer,
                        method: m,
                        uri: t,
                        version: http::Version::HTTP_11,
                        status,
                        bytes,
                        backend: b.name(),
                        duration: start.elapsed(),
                    },
                );
            }
            drop(picked);
            return match relayed {
                Ok(()) => Ok(!close),
                Err(_) => Err(Stop::Close),
            };
        }
    }

    /// Answer locally after the request could not be served; keeps the connection when the
    /// request's body is all read (it is skipped).
    async fn local_end(&mut self, l: Local, whole_body: bool, body_len: u64) -> Result<bool, Stop> {
        if whole_body {
            self.rbuf.consume(body_len as usize);
        }
        self.answer(l, !whole_body).await?;
        Ok(whole_body)
    }

    /// Send the head (and the body: the inline part from `wbuf`, the rest streamed from the
    /// client), then read until the final response head, forwarding any 1xx; returns its length.
    async fn send_and_read_head(
        &mut self,
        up: &mut RawConn,
        p: &Prepared,
        inline: usize,
        deadline: Instant,
        cookie: Option<&str>,
    ) -> Result<Final, Failed> {
        let io_err = |what: &str, e: io::Error| Attempt::Sent(format!("{what}: {e}"), false);
        if let Err(e) = up.write_all(&self.wbuf).await {
            return Err(
                if matches!(
                    e.kind(),
                    io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset
                ) {
                    Failed::Stale { on_write: true }
                } else {
                    Failed::Attempt(io_err("sending the request failed", e))
                },
            );
        }
        let mut left = p.body_len - inline as u64;
        if left > 0 {
            // Streamed: the part sent inline is consumed, the rest passes through `rbuf`.
            self.rbuf.consume(inline);
            while left > 0 {
                if self.rbuf.is_empty() {
                    match self.rbuf.fill(&mut self.io).await {
                        Ok(n) if n > 0 => {}
                        _ => return Err(Failed::Client),
                    }
                }
                let take = (self.rbuf.len() as u64).min(left) as usize;
                up.write_all(&self.rbuf.data()[..take])
                    .await
                    .map_err(|e| Failed::Attempt(io_err("sending the request body failed", e)))?;
                self.rbuf.consume(take);
                left -= take as u64;
            }
        }
        self.ubuf = Buf::default();
        loop {
            let got = tokio::time::timeout_at(deadline.into(), self.ubuf.fill(up)).await;
            match got {
                Err(_) => return Err(Failed::Attempt(Attempt::Timeout)),
                Ok(Ok(0)) if self.ubuf.is_empty() => return Err(Failed::Stale { on_write: false }),
                Ok(Ok(0)) => {
                    return Err(Failed::Attempt(Attempt::Sent(
                        "the backend closed the connection in the response head".into(),
                        false,
                    )));
                }
                Ok(Ok(_)) => {}
                Ok(Err(e))
                    if self.ubuf.is_empty() && e.kind() == io::ErrorKind::ConnectionReset =>
                {
                    return Err(Failed::Stale { on_write: false });
                }
                Ok(Err(e)) => {
                    return Err(Failed::Attempt(io_err("reading the response failed", e)));
                }
            }
            loop {
                // Header slots in a block of their own: never held across an await.
                let interim = {
                    let mut hs = [httparse::EMPTY_HEADER; MAX_RESPONSE_HEADERS];
                    match wire::parse_response(self.ubuf.data(), &mut hs, p.head_request) {
                        // A head that never ends is not buffered without bound (HAProxy and
                        // nginx answer 502 past their buffer size too).
                        Ok(None) if self.ubuf.len() >= self.limits.max_header_size => {
                            return Err(Failed::Attempt(Attempt::Sent(
                                "invalid response: the head exceeds --max-header-size".into(),
                                false,
                            )));
                        }
                        Ok(None) => break,
                        Err(bad) => {
                            return Err(Failed::Attempt(Attempt::Sent(
                                format!("invalid response: {}", bad.0),
                                false,
                            )));
                        }
                        Ok(Some((head, _))) if head.code == 101 => {
                            return Err(Failed::Attempt(Attempt::Sent(
                                "101 Switching Protocols to a request that did not ask".into(),
                                false,
                            )));
                        }
                        Ok(Some((head, headers))) => {
                            // 1xx (103 Early Hints) is forwarded as is, then the final head
                            // follows; the final head is written after the request in `wbuf`.
                            let interim = head.code < 200;
                            let resp_start = self.wbuf.len();
                            let close =
                                !interim && (p.client_close || head.framing == Framing::Close);
                            wire::write_response(
                                &mut self.wbuf,
                                &head,
                                headers,
                                &DownstreamHead {
                                    rules: if interim {
                                        &[]
                                    } else {
                                        &self.l7.settings.header_down
                                    },
                                    set_cookie: if interim { None } else { cookie },
                                    close,
                                },
                            );
                            let fin = Final {
                                code: head.code,
                                framing: head.framing,
                                backend_closes: head.backend_closes,
                                close,
                                resp_start,
                            };
                            self.ubuf.consume(head.head_len);
                            if !interim {
                                return Ok(fin);
                            }
                            resp_start
                        }
                    }
                };
                let sent = self.io.write_all(&self.wbuf[interim..]).await;
                self.wbuf.truncate(interim);
                sent.map_err(|_| Failed::Client)?;
            }
        }
    }

    /// Write the response head (`wbuf[from..]`) with the body bytes already read, then the rest
    /// of the body as it arrives, counting body bytes in `sent`. Ok when the body ended cleanly.
    async fn relay_body(
        &mut self,
        up: &mut RawConn,
        framing: Framing,
        from: usize,
        sent: &mut u64,
    ) -> Result<(), Side> {
        match framing {
            Framing::None => self.io.write_all(&self.wbuf[from..]).await.map_err(client),
            Framing::Length(n) => {
                let now = (self.ubuf.len() as u64).min(n) as usize;
                self.wbuf.extend_from_slice(&self.ubuf.data()[..now]);
                self.ubuf.consume(now);
                self.io
                    .write_all(&self.wbuf[from..])
                    .await
                    .map_err(client)?;
                *sent += now as u64;
                while *sent < n {
                    if self.ubuf.fill(up).await.map_err(backend)? == 0 {
                        return Err(Side::Backend(
                            "the backend closed in the middle of the body".into(),
                        ));
                    }
                    let take = (self.ubuf.len() as u64).min(n - *sent) as usize;
                    self.io
                        .write_all(&self.ubuf.data()[..take])
                        .await
                        .map_err(client)?;
                    self.ubuf.consume(take);
                    *sent += take as u64;
                }
                Ok(())
            }
            Framing::Chunked => {
                let mut end = ChunkedEnd::default();
                let mut first = true;
                loop {
                    if !first && self.ubuf.fill(up).await.map_err(backend)? == 0 {
                        return Err(Side::Backend(
                            "the backend closed in the middle of the body".into(),
                        ));
                    }
                    let found = end.feed(self.ubuf.data()).map_err(|_| {
                        let why = "invalid chunked body".to_string();
                        if first {
                            Side::BackendUnsent(why)
                        } else {
                            Side::Backend(why)
                        }
                    })?;
                    let take = found.unwrap_or(self.ubuf.len());
                    if first {
                        self.wbuf.extend_from_slice(&self.ubuf.data()[..take]);
                        self.io
                            .write_all(&self.wbuf[from..])
                            .await
                            .map_err(client)?;
                        first = false;
                    } else {
                        self.io
                            .write_all(&self.ubuf.data()[..take])
                            .await
                            .map_err(client)?;
                    }
                    self.ubuf.consume(take);
                    *sent += take as u64;
                    if found.is_some() {
                        return Ok(());
                    }
                }
            }
            Framing::Close => {
                *sent = self.ubuf.len() as u64;
                self.wbuf.extend_from_slice(self.ubuf.data());
                self.ubuf.consume(self.ubuf.len());
                self.io
                    .write_all(&self.wbuf[from..])
                    .await
                    .map_err(client)?;
                loop {
                    let n = self.ubuf.fill(up).await.map_err(backend)?;
                    if n == 0 {
                        return Ok(());
                    }
                    self.io.write_all(self.ubuf.data()).await.map_err(client)?;
                    *sent += n as u64;
                    self.ubuf.consume(n);
                }
            }
        }
    }
}

/// Route and write the backend head into `wbuf`; Err is a local answer (with the body
/// length to skip).
fn prepare(
    l7: &L7,
    peer: SocketAddr,
    ip_text: &str,
    wbuf: &mut Vec<u8>,
    head: &wire::RequestHead<'_>,
    headers: &[httparse::Header<'_>],
) -> Result<Prepared, (Local, u64)> {
    let s = &l7.settings;
    l7.counters.requests.fetch_add(1, Ordering::Relaxed);
    // A v4 client on a dual-stack socket is shown, hashed and logged as v4.
    let ip = peer.ip().to_canonical();
    let routing = l7.routing();
    let path = head.target.split('?').next().unwrap_or("/");
    let pool = decide::admit(l7, &routing, ip, head.host, path, headers)
        .map_err(|l| (l, head.body_len))?;
    let walk = Dispatch::new(pool, s.retries, headers, head.target, ip);
    wbuf.clear();
    // One allocation for the usual head instead of a growth series.
    wbuf.reserve(1024);
    wire::write_request(
        wbuf,
        head,
        headers,
        &UpstreamHead {
            client_ip: ip_text,
            proto: s.proto,
            rules: &s.header_up,
            change_host: s.change_host,
        },
    );
    let method = Method::from_bytes(head.method.as_bytes()).unwrap_or(Method::GET);
    Ok(Prepared {
        head_base: wbuf.len(),
        head_request: method == Method::HEAD,
        method,
        body_len: head.body_len,
        client_close: head.close,
        walk,
        log: (s.access_log != AccessLog::Off)
            .then(|| (head.method.to_string(), head.target.to_string())),
    })
}

/// Which side broke a response body in transit.
enum Side {
    Client,
    /// The backend: reset, closed early, or broke the chunked framing (a passive failure).
    Backend(String),
    /// The backend broke the body's framing before the response head was written to the
    /// client (in the bytes that came with the head): the client can still get a 502.
    BackendUnsent(String),
}

fn client(_: io::Error) -> Side {
    Side::Client
}

fn backend(e: io::Error) -> Side {
    Side::Backend(format!("reading the response body failed: {e}"))
}

/// The final response head, already written for the client at `wbuf[resp_start..]`.
struct Final {
    code: u16,
    framing: Framing,
    backend_closes: bool,
    /// The client connection closes after this response.
    close: bool,
    resp_start: usize,
}

/// How one attempt failed.
enum Failed {
    /// The connection closed before any response byte: on a pooled one, not the backend's
    /// fault, and the request may go again on a fresh connection.
    Stale {
        on_write: bool,
    },
    Attempt(Attempt),
    /// The client went away while its body was being sent.
    Client,
}

const HEADERS_TOO_LARGE: Local = Local {
    status: http::StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
    text: "431 request header fields too large: the request head exceeds --max-header-size\n",
};

const REQUEST_TIMEOUT: Local = Local {
    status: http::StatusCode::REQUEST_TIMEOUT,
    text: "408 request timeout: the request head did not arrive within --header-timeout\n",
};
