//! The HTTP/1.1 fast path of the L7 proxy, its connection loop and request side: one task per
//! client connection reads a request head into a buffer, lets http/decide.rs choose the backend
//! exactly as the hyper path does, and writes the rewritten head for the backend; exchange.rs
//! then sends it (and a body already read) to a raw pooled backend connection in one send,
//! reads the response head, and relays the body as it comes (Content-Length, chunked framing
//! walked not decoded, or to the close). Nothing is allocated per request but the buffers, and
//! the backend socket is driven from the client's own task (no channel hop to a connection
//! task, which is what hyper's client does).
//!
//! Why a second path: with hyper on both sides the proxy spent 1.14x HAProxy's CPU per request
//! (issue #6), most of it in hyper's server and client state machines, `HeaderMap`s and the
//! cross-task hop. Requests this path does not take (HTTP/2, HTTP/1.0, Upgrade, `Expect`,
//! chunked request bodies, absolute-form targets, malformed heads) hand the connection, with the
//! bytes already read, to hyper (http/serve.rs), which serves it from there on.

use super::conn::{Buf, ClientIo, H1Conn, Limits, Prepared, Stop};
use super::wire::{self, MAX_HEADERS, ParsedRequest, UpstreamHead};
use crate::cli::AccessLog;
use crate::proxy::core::frontend::L7;
use crate::proxy::http::decide::{self, Dispatch};
use crate::proxy::http::local::Local;
use http::Method;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::time::Instant;
use tokio::io::AsyncWriteExt;
use tokio::sync::watch;

/// How a connection left the fast path.
pub enum Outcome<S> {
    /// Closed (by either side, a timeout, an error, or the drain).
    Closed,
    /// Not for this path: hyper serves the connection from here, starting with these bytes.
    Hyper(S, Vec<u8>),
}

/// What reading a request head gave.
enum Head {
    Request(Prepared),
    /// The request was answered here (403, 404); the connection stays open.
    Answered,
    /// For hyper.
    Hyper,
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

    /// Serve requests until the connection closes or leaves for hyper. Not an `async fn`:
    /// that moves its arguments into locals of its state, so `self` (200 bytes) would sit
    /// in every connection's task twice.
    #[allow(clippy::manual_async_fn)]
    pub fn serve(mut self, drain: &mut watch::Receiver<bool>) -> impl Future<Output = Outcome<S>> {
        async move {
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
                    // A client that sends nothing is cut by the caller's idle timer, whose
                    // first period is the header timeout (http/serve.rs).
                    let (io, buf) = (&mut self.io, &mut self.rbuf.v);
                    tokio::select! {
                        biased;
                        r = io.read_idle(buf) => match r {
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
                    // `break`, not an await in the arm: the matched result would be kept across
                    // it, 184 bytes in every connection's task.
                    Err(Stop::Close) => break,
                };
                // Boxed: an exchange's state is a few KiB, and an idle connection's task should
                // not carry it (one allocation per request, cheap next to the request).
                match Box::pin(self.exchange(prepared)).await {
                    Ok(true) => {}
                    Ok(false) | Err(Stop::Close) => break,
                }
            }
            let _ = self.io.shutdown().await;
            Outcome::Closed
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
                        ParsedRequest::Invalid(l) => Err(l),
                        ParsedRequest::Partial => Ok(None),
                        ParsedRequest::Ready(head) => Ok(Some((
                            head.head_len,
                            prepare(
                                self.l7,
                                self.peer,
                                &self.ip_text,
                                &mut self.wbuf,
                                &head,
                                &hs[..head.header_count],
                            ),
                        ))),
                    }
                };
                let parsed = match parsed {
                    Ok(p) => p,
                    Err(l) => {
                        self.answer(l, true).await?;
                        return Err(Stop::Close);
                    }
                };
                if let Some((head_len, prepared)) = parsed {
                    if matches!(prepared, Ok(None)) {
                        // The request's pool speaks HTTP/2 to its backends: hyper's work.
                        return Ok(Head::Hyper);
                    }
                    self.rbuf.consume(head_len);
                    return match prepared {
                        Ok(Some(p)) => Ok(Head::Request(p)),
                        Ok(None) => Ok(Head::Hyper),
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
}

/// Route and write the backend head into `wbuf`; Err is a local answer (with the body
/// length to skip), None a request for hyper (its pool may speak HTTP/2 to backends, or its
/// route mirrors).
fn prepare(
    l7: &L7,
    peer: SocketAddr,
    ip_text: &str,
    wbuf: &mut Vec<u8>,
    head: &wire::RequestHead<'_>,
    headers: &[httparse::Header<'_>],
) -> Result<Option<Prepared>, (Local, u64)> {
    let s = &l7.settings;
    l7.counters.requests.fetch_add(1, Ordering::Relaxed);
    // A v4 client on a dual-stack socket is shown, hashed and logged as v4.
    let ip = peer.ip().to_canonical();
    let routing = l7.routing();
    let path = head.target.split('?').next().unwrap_or("/");
    let Some(admitted) = decide::admit(l7, &routing, ip, head.host, path, headers, true)
        .map_err(|l| (l, head.body_len))?
    else {
        // hyper counts the request when it serves it.
        l7.counters.requests.fetch_sub(1, Ordering::Relaxed);
        return Ok(None);
    };
    let walk = Dispatch::new(admitted.pool, s.retries, headers, head.target, ip);
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
    Ok(Some(Prepared {
        head_base: wbuf.len(),
        head_request: method == Method::HEAD,
        method,
        body_len: head.body_len,
        client_close: head.close,
        walk,
        delay: admitted.delay,
        log: (s.access_log != AccessLog::Off)
            .then(|| (head.method.to_string(), head.target.to_string())),
    }))
}

const HEADERS_TOO_LARGE: Local = Local {
    status: http::StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
    text: "431 request header fields too large: the request head exceeds --max-header-size\n",
    retry_after: 0,
};

const REQUEST_TIMEOUT: Local = Local {
    status: http::StatusCode::REQUEST_TIMEOUT,
    text: "408 request timeout: the request head did not arrive within --header-timeout\n",
    retry_after: 0,
};
