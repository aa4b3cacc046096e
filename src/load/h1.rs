//! The cleartext HTTP/1.1 hot path of `lbctl load`: one connection that writes a request
//! serialised once per target before the run ([`super::target::Template::prepare`]) and reads
//! the response into one reused buffer (head parsed in place by httparse, body framed by
//! Content-Length, chunked coding or the close, and counted, never collected).
//! [`super::conn`] uses it for `http://` targets; TLS goes through hyper, HTTP/2 through h2conn.rs.
//!
//! Why not hyper here: its client splits a connection into a `SendRequest` handle and a
//! connection task joined by channels, and builds a `Request` and a response `HeaderMap` for
//! every exchange. Measured on loopback (perf), that bookkeeping was most of the client's user
//! time and put lbctl at ~1.2x wrk's CPU per request. This file does what wrk does: one write,
//! one read per response, no allocation per request. Framing follows RFC 9112 section 6.

use super::outcome::{Answer, ErrorKind, ExchangeError};
use crate::http1::Framing;
use http::StatusCode;
use http::header::{HeaderName, HeaderValue};
use std::mem::MaybeUninit;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// First size of the read buffer; it grows only for a larger response head.
const INITIAL_BUF: usize = 16 * 1024;
/// The largest response head accepted (hyper's default read-buffer limit, ~400 KiB).
const MAX_HEAD: usize = 8192 + 4096 * 100;
/// Headers parsed per response (hyper's default limit).
const MAX_HEADERS: usize = 100;

/// One cleartext HTTP/1.1 connection.
pub struct H1Conn {
    stream: TcpStream,
    buf: Vec<u8>,
    /// Unconsumed bytes are `buf[start..end]`.
    start: usize,
    end: usize,
}

impl H1Conn {
    pub fn new(stream: TcpStream) -> H1Conn {
        H1Conn {
            stream,
            buf: vec![0; INITIAL_BUF],
            start: 0,
            end: 0,
        }
    }

    /// False when the server closed (or wrote to) the idle connection: the caller reconnects.
    /// Costs no system call unless the socket became readable since the last response.
    pub fn ready(&mut self) -> bool {
        if self.start != self.end {
            // Bytes nobody asked for: the connection is out of step.
            return false;
        }
        let mut probe = [0u8; 1];
        matches!(self.stream.try_read(&mut probe), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
    }

    /// Send `request` (a whole serialised request) and read the whole response.
    pub async fn exchange(
        &mut self,
        request: &[u8],
        head_request: bool,
        group_by: Option<&HeaderName>,
    ) -> Result<Answer, ExchangeError> {
        self.stream
            .write_all(request)
            .await
            .map_err(|e| io_error("error sending request", &e))?;
        loop {
            let (answer, framing) = self.read_head(head_request, group_by).await?;
            let Some(mut answer) = answer else {
                // 1xx informational: the final response follows.
                continue;
            };
            match framing {
                Framing::None => {}
                Framing::Length(n) => answer.bytes = self.skip_length(n).await?,
                Framing::Chunked => answer.bytes = self.skip_chunked().await?,
                Framing::Close => {
                    answer.bytes = self.skip_to_close().await?;
                    answer.close = true;
                }
            }
            return Ok(answer);
        }
    }

    /// Read more bytes after `end`; Ok(0) is the end of the stream.
    async fn fill(&mut self, limit: usize) -> Result<usize, ExchangeError> {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
        if self.end == self.buf.len() {
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            } else if self.buf.len() < limit {
                let grown = (self.buf.len() * 2).min(limit);
                self.buf.resize(grown, 0);
            } else {
                return Err(ExchangeError::new(
                    ErrorKind::Protocol,
                    "message head is too large",
                ));
            }
        }
        let n = self
            .stream
            .read(&mut self.buf[self.end..])
            .await
            .map_err(|e| io_error("error reading a response", &e))?;
        self.end += n;
        Ok(n)
    }

    /// Parse one response head. None for a 1xx informational response (skipped).
    async fn read_head(
        &mut self,
        head_request: bool,
        group_by: Option<&HeaderName>,
    ) -> Result<(Option<Answer>, Framing), ExchangeError> {
        loop {
            if self.start != self.end {
                let mut headers =
                    [const { MaybeUninit::<httparse::Header<'_>>::uninit() }; MAX_HEADERS];
                let mut resp = httparse::Response::new(&mut []);
                let parsed = httparse::ParserConfig::default()
                    .parse_response_with_uninit_headers(
                        &mut resp,
                        &self.buf[self.start..self.end],
                        &mut headers,
                    )
                    .map_err(|e| {
                        ExchangeError::new(
                            ErrorKind::Protocol,
                            format!("invalid HTTP response: {e}"),
                        )
                    })?;
                if let httparse::Status::Complete(len) = parsed {
                    let head = interpret(&resp, head_request, group_by)?;
                    self.start += len;
                    return Ok(head);
                }
            }
            if self.fill(MAX_HEAD).await? == 0 {
                return Err(incomplete());
            }
        }
    }

    /// Consume a body of `n` bytes.
    async fn skip_length(&mut self, mut n: u64) -> Result<u64, ExchangeError> {
        let total = n;
        loop {
            let have = (self.end - self.start) as u64;
            let take = have.min(n);
            self.start += take as usize;
            n -= take;
            if n == 0 {
                return Ok(total);
            }
            if self.fill(INITIAL_BUF).await? == 0 {
                return Err(incomplete());
            }
        }
    }

    /// Consume a chunked body (and its trailer section); returns the data bytes.
    async fn skip_chunked(&mut self) -> Result<u64, ExchangeError> {
        let mut bytes = 0u64;
        loop {
            // A chunk-size line.
            let size = loop {
                match httparse::parse_chunk_size(&self.buf[self.start..self.end]) {
                    Ok(httparse::Status::Complete((len, size))) => {
                        self.start += len;
                        break size;
                    }
                    Ok(httparse::Status::Partial) => {
                        if self.fill(MAX_HEAD).await? == 0 {
                            return Err(incomplete());
                        }
                    }
                    Err(_) => {
                        return Err(ExchangeError::new(
                            ErrorKind::Protocol,
                            "invalid chunk size line",
                        ));
                    }
                }
            };
            if size == 0 {
                self.skip_trailers().await?;
                return Ok(bytes);
            }
            self.skip_length(size).await?;
            bytes += size;
            // The CRLF after the chunk data.
            while self.end - self.start < 2 {
                if self.fill(MAX_HEAD).await? == 0 {
                    return Err(incomplete());
                }
            }
            if &self.buf[self.start..self.start + 2] != b"\r\n" {
                return Err(ExchangeError::new(
                    ErrorKind::Protocol,
                    "chunk data is not followed by CRLF",
                ));
            }
            self.start += 2;
        }
    }

    /// After the last chunk: trailer fields up to an empty line.
    async fn skip_trailers(&mut self) -> Result<(), ExchangeError> {
        loop {
            match self.buf[self.start..self.end]
                .windows(2)
                .position(|w| w == b"\r\n")
            {
                Some(0) => {
                    self.start += 2;
                    return Ok(());
                }
                Some(i) => self.start += i + 2,
                None => {
                    if self.fill(MAX_HEAD).await? == 0 {
                        return Err(incomplete());
                    }
                }
            }
        }
    }

    /// A body delimited by the end of the connection.
    async fn skip_to_close(&mut self) -> Result<u64, ExchangeError> {
        let mut bytes = (self.end - self.start) as u64;
        self.start = self.end;
        loop {
            let n = self.fill(INITIAL_BUF).await? as u64;
            if n == 0 {
                return Ok(bytes);
            }
            bytes += n;
            self.start = self.end;
        }
    }
}

/// Status, framing and the few headers the report needs, from a parsed head.
fn interpret(
    resp: &httparse::Response<'_, '_>,
    head_request: bool,
    group_by: Option<&HeaderName>,
) -> Result<(Option<Answer>, Framing), ExchangeError> {
    let protocol = |m: &str| ExchangeError::new(ErrorKind::Protocol, m.to_string());
    let code = resp.code.unwrap_or(0);
    let status = StatusCode::from_u16(code).map_err(|_| protocol("invalid status code"))?;
    // 101 would switch protocols, which a load test never asks for: a final answer.
    if status.is_informational() && code != 101 {
        return Ok((None, Framing::None));
    }
    let f =
        crate::http1::response_framing(resp.version.unwrap_or(1), code, resp.headers, head_request)
            .map_err(protocol)?;
    let group = group_by.and_then(|g| {
        resp.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(g.as_str()))
            .and_then(|h| HeaderValue::from_bytes(h.value).ok())
    });
    let answer = Answer {
        status,
        bytes: 0,
        group,
        close: f.closes,
    };
    Ok((Some(answer), f.framing))
}

fn incomplete() -> ExchangeError {
    ExchangeError::new(
        ErrorKind::Reset,
        "connection closed before message completed",
    )
}

/// Socket errors, in the categories [`super::conn::classify`] gives them under hyper.
fn io_error(what: &str, e: &std::io::Error) -> ExchangeError {
    use std::io::ErrorKind as K;
    let kind = match e.kind() {
        K::TimedOut => ErrorKind::RequestTimeout,
        _ => ErrorKind::Reset,
    };
    ExchangeError::new(kind, format!("{what}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(raw: &[u8], head_request: bool) -> Result<(Option<Answer>, Framing), ExchangeError> {
        let mut headers = [httparse::EMPTY_HEADER; 16];
        let mut resp = httparse::Response::new(&mut headers);
        assert!(resp.parse(raw).unwrap().is_complete());
        let g = HeaderName::from_static("x-backend");
        interpret(&resp, head_request, Some(&g))
    }

    #[test]
    fn framing_follows_rfc_9112() {
        let (a, f) = head(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", false).unwrap();
        assert!(matches!(f, Framing::Length(5)));
        assert!(!a.unwrap().close);
        let (_, f) = head(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\nContent-Length: 5\r\n\r\n",
            false,
        )
        .unwrap();
        assert!(matches!(f, Framing::Chunked));
        let (a, f) = head(b"HTTP/1.1 200 OK\r\n\r\n", false).unwrap();
        assert!(matches!(f, Framing::Close));
        assert!(
            a.unwrap().close,
            "a body that runs to the close ends the connection"
        );
        let (_, f) = head(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", true).unwrap();
        assert!(matches!(f, Framing::None));
        let (_, f) = head(
            b"HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n",
            false,
        )
        .unwrap();
        assert!(matches!(f, Framing::None));
        let (a, _) = head(b"HTTP/1.1 100 Continue\r\n\r\n", false).unwrap();
        assert!(a.is_none());
    }

    #[test]
    fn connection_and_group_headers() {
        let (a, _) = head(
            b"HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\nX-Backend: b1\r\nContent-Length: 0\r\n\r\n",
            false,
        )
        .unwrap();
        let a = a.unwrap();
        assert!(a.close);
        assert_eq!(a.group.unwrap(), "b1");
        let (a, _) = head(b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", false).unwrap();
        assert!(a.unwrap().close);
        let (a, _) = head(
            b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n",
            false,
        )
        .unwrap();
        assert!(!a.unwrap().close);
    }

    #[test]
    fn malformed_heads_are_protocol_errors() {
        for raw in [
            &b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n"[..],
            b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            b"HTTP/1.1 099 Low\r\n\r\n",
        ] {
            let e = head(raw, false).err().unwrap();
            assert_eq!(e.kind, ErrorKind::Protocol);
        }
    }

    /// A real socket pair: the server writes `wire` in pieces, the client reads one answer.
    async fn exchange_with(wire: &'static [u8]) -> Result<Answer, ExchangeError> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut req = [0u8; 256];
            let _ = s.read(&mut req).await;
            for piece in wire.chunks(7) {
                s.write_all(piece).await.unwrap();
                s.flush().await.unwrap();
                tokio::task::yield_now().await;
            }
        });
        let mut c = H1Conn::new(TcpStream::connect(addr).await.unwrap());
        let r = c
            .exchange(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n", false, None)
            .await;
        server.await.unwrap();
        r
    }

    #[tokio::test]
    async fn bodies_are_counted_across_reads() {
        let a = exchange_with(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789")
            .await
            .unwrap();
        assert_eq!((a.status.as_u16(), a.bytes, a.close), (200, 10, false));
        let a = exchange_with(
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nRust\r\n10\r\n0123456789abcdef\r\n0\r\nX-T: 1\r\n\r\n",
        )
        .await
        .unwrap();
        assert_eq!((a.status.as_u16(), a.bytes), (201, 20));
        let a = exchange_with(b"HTTP/1.1 200 OK\r\n\r\nuntil the end")
            .await
            .unwrap();
        assert_eq!((a.bytes, a.close), (13, true));
    }

    #[tokio::test]
    async fn truncated_and_garbled_answers_are_categorised() {
        let e = exchange_with(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01234")
            .await
            .err()
            .unwrap();
        assert_eq!(e.kind, ErrorKind::Reset);
        let e = exchange_with(b"HTTP/1.1 200 OK\r\nContent-Le")
            .await
            .err()
            .unwrap();
        assert_eq!(e.kind, ErrorKind::Reset);
        let e = exchange_with(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")
            .await
            .err()
            .unwrap();
        assert_eq!(e.kind, ErrorKind::Protocol);
        let e = exchange_with(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
            .await
            .err()
            .unwrap();
        assert_eq!(e.kind, ErrorKind::Protocol);
    }
}
