//! The backend side of one request on the fast path: send the prepared head (and the body,
//! inline or streamed from the client) to a pooled raw connection, read until the final
//! response head (forwarding 1xx), retry on another backend when that is safe, and relay the
//! body as it comes (Content-Length, chunked framing walked not decoded, or to the close),
//! with passive health, counters and the access log on the way.

use super::conn::{Buf, ClientIo, H1Conn, Prepared, Stop};
use super::wire::{self, ChunkedEnd, DownstreamHead, Framing, MAX_RESPONSE_HEADERS};
use crate::balance::pick::PickContext;
use crate::proxy::core::pool::ip_bytes;
use crate::proxy::core::upstream::RawConn;
use crate::proxy::http::decide::{Attempt, idempotent};
use crate::proxy::http::local;
use std::io;
use std::sync::atomic::Ordering;
use std::time::Instant;
use tokio::io::AsyncWriteExt;

impl<S: ClientIo> H1Conn<'_, S> {
    /// Send the request to backends until one answers, and relay the answer. `Ok(true)`: the
    /// client connection stays open for the next request.
    pub(super) async fn exchange(&mut self, mut p: Prepared) -> Result<bool, Stop> {
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
        if let Some(d) = p.delay {
            tokio::time::sleep(d).await;
        }
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
