//! HTTP/1.1 heads on the wire, for the proxy's fast path (h1_relay.rs): parse a request or a
//! response head in place (httparse), decide whether the fast path may carry the request, write
//! the rewritten head for the other side byte by byte (hop-by-hop headers out, `X-Forwarded-*`
//! and `Via` in, `--header-up/--header-down`), and find where a chunked body ends without
//! decoding it, so its bytes are forwarded as they came. Framing follows RFC 9112 section 6;
//! hop-by-hop headers RFC 9110 section 7.6.1. Everything here is synchronous and allocation-free
//! on the common path, and unit-tested against hand-written wire bytes.

use super::dispatch::Local;
use super::headers::HeaderRule;
use crate::http1::tokens;
use std::io::Write;

/// Headers parsed per head; a request with more goes to the hyper path (which allows 100).
pub const MAX_HEADERS: usize = 64;

/// What the fast path needs from a request head.
#[derive(Debug)]
pub struct RequestHead<'b> {
    pub method: &'b str,
    /// Origin-form target (`/path?query`).
    pub target: &'b str,
    pub host: &'b str,
    pub head_len: usize,
    /// How many of the header slots the head filled.
    pub header_count: usize,
    /// `Content-Length` (0 when absent).
    pub body_len: u64,
    /// The client asked to close after this response (`Connection: close`).
    pub close: bool,
}

/// The outcome of looking at the start of a client's buffer.
#[derive(Debug)]
pub enum ParsedRequest<'b> {
    Ready(RequestHead<'b>),
    /// The head is not complete yet.
    Partial,
    /// Valid or not, not for the fast path: HTTP/2 prior knowledge, HTTP/1.0, Upgrade,
    /// `Expect`, chunked request bodies, absolute-form targets, malformed heads. hyper takes
    /// the connection from here (and answers 400 where the head is bad).
    Hyper,
}

fn is(name: &str, lower: &str) -> bool {
    name.eq_ignore_ascii_case(lower)
}

/// The header names the rewriters treat specially, told apart by length first: this runs for
/// every header of every request and response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Name {
    /// Hop-by-hop (RFC 9110 section 7.6.1); Transfer-Encoding is handled apart.
    Hop,
    TransferEncoding,
    ContentLength,
    Via,
    Host,
    XForwardedFor,
    XForwardedProto,
    XForwardedHost,
    Other,
}

fn classify(name: &str) -> Name {
    let hop = |lower: &str| {
        if is(name, lower) {
            Name::Hop
        } else {
            Name::Other
        }
    };
    match name.len() {
        2 => hop("te"),
        3 if is(name, "via") => Name::Via,
        4 if is(name, "host") => Name::Host,
        7 if is(name, "trailer") || is(name, "upgrade") => Name::Hop,
        10 if is(name, "connection") || is(name, "keep-alive") => Name::Hop,
        14 if is(name, "content-length") => Name::ContentLength,
        15 if is(name, "x-forwarded-for") => Name::XForwardedFor,
        16 if is(name, "x-forwarded-host") => Name::XForwardedHost,
        16 => hop("proxy-connection"),
        17 if is(name, "x-forwarded-proto") => Name::XForwardedProto,
        17 if is(name, "transfer-encoding") => Name::TransferEncoding,
        18 => hop("proxy-authenticate"),
        19 => hop("proxy-authorization"),
        _ => Name::Other,
    }
}

/// Whether a `Connection` header names headers other than the usual `keep-alive`, `close`
/// and `upgrade` tokens (those named are hop-by-hop too and must be dropped).
fn connection_names_others(headers: &[httparse::Header<'_>]) -> bool {
    headers
        .iter()
        .filter(|h| h.name.len() == 10 && is(h.name, "connection"))
        .flat_map(|h| tokens(h.value))
        .any(|t| {
            !t.eq_ignore_ascii_case(b"keep-alive")
                && !t.eq_ignore_ascii_case(b"close")
                && !t.eq_ignore_ascii_case(b"upgrade")
        })
}

/// Whether the `Connection` header values list `name` as hop-by-hop for this hop.
fn named_by_connection(headers: &[httparse::Header<'_>], name: &str) -> bool {
    headers
        .iter()
        .filter(|h| is(h.name, "connection"))
        .flat_map(|h| tokens(h.value))
        .any(|t| t.eq_ignore_ascii_case(name.as_bytes()))
}

/// Parse the request head at the start of `buf` and decide whether the fast path takes it.
pub fn parse_request<'b, 'h>(
    buf: &'b [u8],
    headers: &'h mut [httparse::Header<'b>; MAX_HEADERS],
) -> ParsedRequest<'b>
where
    'b: 'h,
{
    let mut req = httparse::Request::new(headers);
    let head_len = match req.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return ParsedRequest::Partial,
        Err(_) => return ParsedRequest::Hyper,
    };
    let (Some(method), Some(target), Some(1)) = (req.method, req.path, req.version) else {
        return ParsedRequest::Hyper;
    };
    if !target.starts_with('/') || method == "CONNECT" {
        return ParsedRequest::Hyper;
    }
    let mut host = None;
    let mut body_len: Option<u64> = None;
    let mut close = false;
    for h in req.headers.iter() {
        let n = h.name;
        // Only these lengths can be a header this loop looks at (the rest are skipped cheaply).
        if !matches!(n.len(), 4 | 6 | 7 | 10 | 14 | 17) {
            continue;
        }
        if is(n, "host") {
            if host.is_some() {
                return ParsedRequest::Hyper;
            }
            host = std::str::from_utf8(h.value).ok();
        } else if is(n, "content-length") {
            let Some(len) = std::str::from_utf8(h.value)
                .ok()
                .and_then(crate::http1::content_length)
            else {
                return ParsedRequest::Hyper;
            };
            if body_len.is_some_and(|l| l != len) {
                return ParsedRequest::Hyper;
            }
            body_len = Some(len);
        } else if is(n, "transfer-encoding") || is(n, "expect") || is(n, "upgrade") {
            return ParsedRequest::Hyper;
        } else if is(n, "connection") {
            for t in tokens(h.value) {
                if t.eq_ignore_ascii_case(b"close") {
                    close = true;
                } else if t.eq_ignore_ascii_case(b"upgrade") {
                    return ParsedRequest::Hyper;
                }
            }
        }
    }
    let Some(host) = host else {
        return ParsedRequest::Hyper;
    };
    ParsedRequest::Ready(RequestHead {
        method,
        target,
        host,
        head_len,
        header_count: req.headers.len(),
        body_len: body_len.unwrap_or(0),
        close,
    })
}

/// What the rewritten request head carries besides the client's headers.
pub struct UpstreamHead<'a> {
    /// The client's address as text (formatted once per connection).
    pub client_ip: &'a str,
    /// `http` or `https`.
    pub proto: &'static str,
    pub rules: &'a [HeaderRule],
    /// `--change-host`: the client's Host is left out; [`finish_request`] adds the backend's.
    pub change_host: bool,
}

fn ruled(rules: &[HeaderRule], name: &str) -> bool {
    rules.iter().any(|r| match r {
        HeaderRule::Set(n, _) | HeaderRule::Remove(n) => is(name, n.as_str()),
    })
}

fn header_line(out: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    out.extend_from_slice(name);
    out.extend_from_slice(b": ");
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
}

/// Write `name: first, second, ..., last` joining every earlier value of `name` (when
/// `headers` is given: the caller saw one) with ours.
fn appended(out: &mut Vec<u8>, headers: Option<&[httparse::Header<'_>]>, name: &str, ours: &[u8]) {
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b": ");
    for h in headers.unwrap_or(&[]).iter().filter(|h| is(h.name, name)) {
        if !h.value.is_empty() {
            out.extend_from_slice(h.value);
            out.extend_from_slice(b", ");
        }
    }
    out.extend_from_slice(ours);
    out.extend_from_slice(b"\r\n");
}

fn set_rules(out: &mut Vec<u8>, rules: &[HeaderRule], skip_host: bool) {
    for r in rules {
        if let HeaderRule::Set(n, v) = r
            && !(skip_host && n == http::header::HOST)
        {
            header_line(out, n.as_str().as_bytes(), v.as_bytes());
        }
    }
}

/// Append the head sent to the backend, up to the part that depends on the backend (see
/// [`finish_request`]): origin-form HTTP/1.1 with the same semantics as the hyper path (l7.rs):
/// hop-by-hop headers and those `Connection` names removed, the client appended to
/// `X-Forwarded-For` and `Via`, `X-Forwarded-Proto/-Host` set, then the rules.
pub fn write_request(
    out: &mut Vec<u8>,
    head: &RequestHead<'_>,
    headers: &[httparse::Header<'_>],
    up: &UpstreamHead<'_>,
) {
    out.extend_from_slice(head.method.as_bytes());
    out.push(b' ');
    out.extend_from_slice(head.target.as_bytes());
    out.extend_from_slice(b" HTTP/1.1\r\n");
    let named = connection_names_others(headers);
    let (mut earlier_xff, mut earlier_via) = (false, false);
    for h in headers {
        let n = h.name;
        match classify(n) {
            Name::Other => {}
            Name::Host if !up.change_host => {}
            Name::ContentLength => {}
            Name::XForwardedFor => {
                earlier_xff = true;
                continue;
            }
            Name::Via => {
                earlier_via = true;
                continue;
            }
            _ => continue,
        }
        if (!up.rules.is_empty() && ruled(up.rules, n))
            || (named && named_by_connection(headers, n))
        {
            continue;
        }
        header_line(out, n.as_bytes(), h.value);
    }
    if !ruled(up.rules, "x-forwarded-for") {
        appended(
            out,
            earlier_xff.then_some(headers),
            "x-forwarded-for",
            up.client_ip.as_bytes(),
        );
    }
    if !ruled(up.rules, "x-forwarded-proto") {
        header_line(out, b"x-forwarded-proto", up.proto.as_bytes());
    }
    if !ruled(up.rules, "x-forwarded-host") {
        header_line(out, b"x-forwarded-host", head.host.as_bytes());
    }
    if !ruled(up.rules, "via") {
        appended(out, earlier_via.then_some(headers), "via", b"1.1 lbctl");
    }
    set_rules(out, up.rules, up.change_host);
}

/// End a head from [`write_request`] for one backend: its `Host` under `--change-host`.
pub fn finish_request(out: &mut Vec<u8>, host: Option<&[u8]>) {
    if let Some(host) = host {
        header_line(out, b"host", host);
    }
    out.extend_from_slice(b"\r\n");
}

pub use crate::http1::Framing;

/// A parsed backend response head.
#[derive(Debug)]
pub struct ResponseHead<'b> {
    pub code: u16,
    /// The reason phrase as sent.
    pub reason: &'b str,
    pub head_len: usize,
    pub framing: Framing,
    /// The backend will not take another request on this connection.
    pub backend_closes: bool,
}

/// Why a backend's bytes are not an HTTP/1.1 response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadResponse(pub &'static str);

/// Parse a response head; `Ok(None)` when incomplete. `head_request` and the status decide
/// whether a body follows.
pub fn parse_response<'b, 'h>(
    buf: &'b [u8],
    headers: &'h mut [httparse::Header<'b>; MAX_HEADERS],
    head_request: bool,
) -> Result<Option<(ResponseHead<'b>, &'h [httparse::Header<'b>])>, BadResponse>
where
    'b: 'h,
{
    let mut resp = httparse::Response::new(headers);
    let head_len = match resp.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => return Err(BadResponse("too many headers")),
        Err(_) => return Err(BadResponse("malformed response head")),
    };
    let code = resp.code.unwrap_or(0);
    if !(100..=599).contains(&code) {
        return Err(BadResponse("invalid status code"));
    }
    let f =
        crate::http1::response_framing(resp.version.unwrap_or(1), code, resp.headers, head_request)
            .map_err(BadResponse)?;
    let reason = resp.reason.unwrap_or("");
    let parsed = resp.headers;
    Ok(Some((
        ResponseHead {
            code,
            reason,
            head_len,
            framing: f.framing,
            backend_closes: f.closes,
        },
        parsed,
    )))
}

/// What the response head sent to the client carries besides the backend's headers.
pub struct DownstreamHead<'a> {
    pub rules: &'a [HeaderRule],
    /// A sticky-session `Set-Cookie` value.
    pub set_cookie: Option<&'a str>,
    /// Tell the client this connection closes after the response.
    pub close: bool,
}

/// Append the head sent to the client: HTTP/1.1, the backend's status and headers minus the
/// hop-by-hop ones (Transfer-Encoding stays: a chunked body is forwarded as it came), `Via`,
/// the `--header-down` rules, the sticky cookie, and `Connection: close` when closing.
pub fn write_response(
    out: &mut Vec<u8>,
    head: &ResponseHead<'_>,
    headers: &[httparse::Header<'_>],
    down: &DownstreamHead<'_>,
) {
    let _ = write!(out, "HTTP/1.1 {} ", head.code);
    out.extend_from_slice(head.reason.as_bytes());
    out.extend_from_slice(b"\r\n");
    let named = connection_names_others(headers);
    let mut earlier_via = false;
    for h in headers {
        let n = h.name;
        match classify(n) {
            Name::Hop => continue,
            Name::Via => {
                earlier_via = true;
                continue;
            }
            Name::TransferEncoding if head.framing != Framing::Chunked => continue,
            // With a transfer coding the length is not the message's (RFC 9112 section 6.3):
            // never forwarded beside it, so no client can frame the body two ways.
            Name::ContentLength if matches!(head.framing, Framing::Chunked | Framing::Close) => {
                continue;
            }
            _ => {}
        }
        if (!down.rules.is_empty() && ruled(down.rules, n))
            || (named && named_by_connection(headers, n))
        {
            continue;
        }
        header_line(out, n.as_bytes(), h.value);
    }
    if !ruled(down.rules, "via") {
        appended(out, earlier_via.then_some(headers), "via", b"1.1 lbctl");
    }
    set_rules(out, down.rules, false);
    if let Some(c) = down.set_cookie {
        header_line(out, b"set-cookie", c.as_bytes());
    }
    if down.close {
        out.extend_from_slice(b"connection: close\r\n");
    }
    out.extend_from_slice(b"\r\n");
}

/// Append a local answer (403, 404, 431, 502, 503, 504) with its plain-text body.
pub fn write_local(out: &mut Vec<u8>, l: Local, close: bool) {
    let _ = write!(
        out,
        "HTTP/1.1 {} {}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: {}\r\n{}\r\n{}",
        l.status.as_u16(),
        l.status.canonical_reason().unwrap_or(""),
        l.text.len(),
        if close { "connection: close\r\n" } else { "" },
        l.text
    );
}

/// Where a chunked body ends, found by walking its framing without decoding it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkedEnd {
    state: Chunk,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chunk {
    /// In a chunk-size line: the size so far and its number of hex digits.
    Size(u64, u8),
    /// After the size, in chunk extensions, until CR.
    Ext(u64),
    SizeLf(u64),
    Data(u64),
    DataCr,
    DataLf,
    /// At the start of a trailer line (or the final empty line).
    TrailerStart,
    Trailer,
    TrailerLf,
    FinalLf,
    Done,
}

/// Why a chunked body's framing is broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadChunk;

impl Default for ChunkedEnd {
    fn default() -> Self {
        ChunkedEnd {
            state: Chunk::Size(0, 0),
        }
    }
}

impl ChunkedEnd {
    /// Walk `data` (the next bytes of the body); `Some(n)` when the body ends after `n` of them.
    pub fn feed(&mut self, data: &[u8]) -> Result<Option<usize>, BadChunk> {
        let mut i = 0;
        while i < data.len() {
            let b = data[i];
            self.state = match self.state {
                Chunk::Size(n, digits) => match (b as char).to_digit(16) {
                    Some(d) if digits < 16 => Chunk::Size(n << 4 | d as u64, digits + 1),
                    Some(_) => return Err(BadChunk),
                    None if digits == 0 => return Err(BadChunk),
                    None if b == b'\r' => Chunk::SizeLf(n),
                    None if b == b';' || b == b' ' || b == b'\t' => Chunk::Ext(n),
                    None => return Err(BadChunk),
                },
                Chunk::Ext(n) => match b {
                    b'\r' => Chunk::SizeLf(n),
                    b'\n' => return Err(BadChunk),
                    _ => Chunk::Ext(n),
                },
                Chunk::SizeLf(n) => match (b, n) {
                    (b'\n', 0) => Chunk::TrailerStart,
                    (b'\n', n) => Chunk::Data(n),
                    _ => return Err(BadChunk),
                },
                Chunk::Data(n) => {
                    // The payload is skipped in one step, never looked at.
                    let take = n.min((data.len() - i) as u64);
                    i += take as usize;
                    self.state = if take == n {
                        Chunk::DataCr
                    } else {
                        Chunk::Data(n - take)
                    };
                    continue;
                }
                Chunk::DataCr if b == b'\r' => Chunk::DataLf,
                Chunk::DataLf if b == b'\n' => Chunk::Size(0, 0),
                Chunk::DataCr | Chunk::DataLf => return Err(BadChunk),
                Chunk::TrailerStart if b == b'\r' => Chunk::FinalLf,
                Chunk::TrailerStart | Chunk::Trailer if b == b'\n' => return Err(BadChunk),
                Chunk::TrailerStart | Chunk::Trailer if b == b'\r' => Chunk::TrailerLf,
                Chunk::TrailerStart | Chunk::Trailer => Chunk::Trailer,
                Chunk::TrailerLf if b == b'\n' => Chunk::TrailerStart,
                Chunk::FinalLf if b == b'\n' => Chunk::Done,
                Chunk::TrailerLf | Chunk::FinalLf => return Err(BadChunk),
                Chunk::Done => return Ok(Some(i)),
            };
            i += 1;
            if self.state == Chunk::Done {
                return Ok(Some(i));
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(wire: &str) -> String {
        let mut hs = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let ParsedRequest::Ready(head) = parse_request(wire.as_bytes(), &mut hs) else {
            panic!("not for the fast path: {wire:?}");
        };
        let mut again = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut req = httparse::Request::new(&mut again);
        req.parse(wire.as_bytes()).unwrap();
        let mut out = Vec::new();
        let rules = [
            HeaderRule::parse("X-Env: test").unwrap(),
            HeaderRule::parse("-X-Drop").unwrap(),
        ];
        write_request(
            &mut out,
            &head,
            req.headers,
            &UpstreamHead {
                client_ip: "10.1.2.3",
                proto: "http",
                rules: &rules,
                change_host: false,
            },
        );
        finish_request(&mut out, None);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn request_heads_are_rewritten_like_the_hyper_path() {
        let out = request(
            "GET /a?b=1 HTTP/1.1\r\nHost: example.test\r\nConnection: keep-alive, X-Secret\r\n\
             X-Secret: 1\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\nX-Forwarded-For: 192.0.2.9\r\n\
             Via: 1.0 edge\r\nX-Drop: yes\r\nAccept: */*\r\n\r\n",
        );
        assert_eq!(
            out,
            "GET /a?b=1 HTTP/1.1\r\nHost: example.test\r\nAccept: */*\r\n\
             x-forwarded-for: 192.0.2.9, 10.1.2.3\r\nx-forwarded-proto: http\r\n\
             x-forwarded-host: example.test\r\nvia: 1.0 edge, 1.1 lbctl\r\nx-env: test\r\n\r\n"
        );
    }

    #[test]
    fn a_request_body_keeps_its_length() {
        let out = request("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello");
        assert!(out.contains("\r\nContent-Length: 5\r\n"), "{out}");
    }

    #[test]
    fn what_the_fast_path_leaves_to_hyper() {
        let hyper = [
            "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
            "GET / HTTP/1.0\r\nHost: a\r\n\r\n",
            "GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n",
            "CONNECT a:443 HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET / HTTP/1.1\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n",
            "GET / HTTP/1.1\r\nHost a\r\n\r\n",
            "\x00\x01\x02 garbage\r\n\r\n",
        ];
        for wire in hyper {
            let mut hs = [httparse::EMPTY_HEADER; MAX_HEADERS];
            let r = parse_request(wire.as_bytes(), &mut hs);
            assert!(matches!(r, ParsedRequest::Hyper), "{wire:?}: {r:?}");
        }
        let mut hs = [httparse::EMPTY_HEADER; MAX_HEADERS];
        assert!(matches!(
            parse_request(b"GET / HTTP/1.1\r\nHost: a\r\n", &mut hs),
            ParsedRequest::Partial
        ));
        let mut hs = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let ParsedRequest::Ready(h) = parse_request(
            b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello",
            &mut hs,
        ) else {
            panic!()
        };
        assert_eq!(
            (h.method, h.target, h.host, h.body_len, h.close),
            ("POST", "/x", "a", 5, true)
        );
        assert_eq!(h.head_len, 67);
    }

    #[test]
    fn change_host_and_rules_on_forwarded_headers() {
        let wire = "GET / HTTP/1.1\r\nHost: front\r\nVia: x\r\n\r\n";
        let mut hs = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let ParsedRequest::Ready(head) = parse_request(wire.as_bytes(), &mut hs) else {
            panic!()
        };
        let mut again = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut req = httparse::Request::new(&mut again);
        req.parse(wire.as_bytes()).unwrap();
        let rules = [
            HeaderRule::parse("-Via").unwrap(),
            HeaderRule::parse("Host: ignored").unwrap(),
        ];
        let mut out = Vec::new();
        write_request(
            &mut out,
            &head,
            req.headers,
            &UpstreamHead {
                client_ip: "::1",
                proto: "https",
                rules: &rules,
                change_host: true,
            },
        );
        finish_request(&mut out, Some(b"127.0.0.1:9001"));
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "GET / HTTP/1.1\r\nx-forwarded-for: ::1\r\n\
             x-forwarded-proto: https\r\nx-forwarded-host: front\r\nhost: 127.0.0.1:9001\r\n\r\n"
        );
    }

    fn response(
        wire: &[u8],
        head_request: bool,
    ) -> Result<Option<(u16, Framing, bool, usize)>, BadResponse> {
        let mut hs = [httparse::EMPTY_HEADER; MAX_HEADERS];
        Ok(parse_response(wire, &mut hs, head_request)?
            .map(|(h, _)| (h.code, h.framing, h.backend_closes, h.head_len)))
    }

    #[test]
    fn response_framing_follows_rfc_9112() {
        let r = |w: &str| response(w.as_bytes(), false).unwrap().unwrap();
        assert_eq!(
            r("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n").1,
            Framing::Length(5)
        );
        assert_eq!(
            r("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n").1,
            Framing::Chunked
        );
        assert_eq!(
            r("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n").1,
            Framing::Chunked
        );
        assert_eq!(
            r("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n").1,
            Framing::Close
        );
        assert_eq!(
            r("HTTP/1.1 200 OK\r\n\r\n"),
            (200, Framing::Close, true, 19)
        );
        assert_eq!(r("HTTP/1.1 204 No Content\r\n\r\n").1, Framing::None);
        assert_eq!(
            r("HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n").1,
            Framing::None
        );
        assert_eq!(
            r("HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n").1,
            Framing::None
        );
        assert!(!r("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").2);
        assert!(r("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").2);
        assert!(r("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").2);
        assert!(!r("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n").2);
        let head = response(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", true)
            .unwrap()
            .unwrap();
        assert_eq!(head.1, Framing::None);
        assert_eq!(response(b"HTTP/1.1 200 OK\r\nContent-Le", false), Ok(None));
        for bad in [
            &b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n"[..],
            b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            b"HTTP/1.1 999 What\r\n\r\n",
            b"SSH-2.0-OpenSSH\r\n\r\n",
        ] {
            assert!(
                response(bad, false).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn content_length_never_travels_beside_a_transfer_coding() {
        let down = DownstreamHead {
            rules: &[],
            set_cookie: None,
            close: false,
        };
        let rewrite = |wire: &[u8]| {
            let mut hs = [httparse::EMPTY_HEADER; MAX_HEADERS];
            let (head, headers) = parse_response(wire, &mut hs, false).unwrap().unwrap();
            let mut out = Vec::new();
            write_response(&mut out, &head, headers, &down);
            String::from_utf8(out).unwrap()
        };
        let out =
            rewrite(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n");
        assert!(
            out.contains("Transfer-Encoding: chunked") && !out.contains("Content-Length"),
            "{out}"
        );
        let out =
            rewrite(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 5\r\n\r\n");
        assert!(!out.contains("Content-Length"), "{out}");
        // A 304's length describes the representation: it stays.
        let out = rewrite(b"HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n");
        assert!(out.contains("Content-Length: 9"), "{out}");
    }

    #[test]
    fn response_heads_are_rewritten() {
        let wire = b"HTTP/1.1 200 Fine\r\nServer: x\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\
                     Transfer-Encoding: chunked\r\nX-Drop: 1\r\nVia: 1.1 origin\r\n\r\n";
        let mut hs = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let (head, headers) = parse_response(wire, &mut hs, false).unwrap().unwrap();
        let rules = [
            HeaderRule::parse("-X-Drop").unwrap(),
            HeaderRule::parse("X-Served-By: lbctl").unwrap(),
        ];
        let mut out = Vec::new();
        write_response(
            &mut out,
            &head,
            headers,
            &DownstreamHead {
                rules: &rules,
                set_cookie: Some("lb=abc; Path=/; HttpOnly"),
                close: true,
            },
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "HTTP/1.1 200 Fine\r\nServer: x\r\nTransfer-Encoding: chunked\r\nvia: 1.1 origin, 1.1 lbctl\r\n\
             x-served-by: lbctl\r\nset-cookie: lb=abc; Path=/; HttpOnly\r\nconnection: close\r\n\r\n"
        );
        let mut out = Vec::new();
        write_local(&mut out, super::super::dispatch::NO_BACKEND, false);
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.starts_with("HTTP/1.1 503 Service Unavailable\r\n"),
            "{text}"
        );
        assert!(
            text.ends_with("\r\n\r\n503 service unavailable: no healthy backend in the pool\n")
        );
    }

    /// Feed `wire` split at every position pair; the end must always be found at `end`.
    fn chunked_end_everywhere(wire: &[u8]) -> Result<Option<usize>, BadChunk> {
        let whole = ChunkedEnd::default().feed(wire);
        for cut in 0..=wire.len() {
            let mut c = ChunkedEnd::default();
            let first = c.feed(&wire[..cut]);
            let split = match first {
                Ok(Some(n)) => Ok(Some(n)),
                Ok(None) => c.feed(&wire[cut..]).map(|r| r.map(|n| n + cut)),
                Err(e) => Err(e),
            };
            assert_eq!(split, whole, "cut at {cut}");
        }
        whole
    }

    #[test]
    fn chunked_ends_are_found_across_any_split() {
        let body = b"5\r\nhello\r\n1a;ext=1\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n";
        assert_eq!(chunked_end_everywhere(body), Ok(Some(body.len())));
        let trailers = b"3\r\nabc\r\n0\r\nX-Sum: 1\r\nX-B: 2\r\n\r\nNEXT";
        assert_eq!(
            chunked_end_everywhere(trailers),
            Ok(Some(trailers.len() - 4))
        );
        assert_eq!(chunked_end_everywhere(b"A\r\n0123456789"), Ok(None));
        for bad in [
            &b"zz\r\n"[..],
            b"5\r\nhelloXX",
            b"\r\n",
            b"5\nhello",
            b"11111111111111111\r\n",
            b"0\r\nX\n",
        ] {
            assert_eq!(
                chunked_end_everywhere(bad),
                Err(BadChunk),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    /// Mutated heads and chunked bodies never panic; a parsed request is rewritten without
    /// panicking; chunked ends are found the same way whatever the split.
    #[test]
    fn mutated_wire_bytes_never_panic() {
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let seeds: [&[u8]; 4] = [
            b"POST /a?b=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nConnection: close, X\r\nX: 1\r\n\r\nabc",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n",
            b"HTTP/1.0 304 Not Modified\r\nContent-Length: 12\r\n\r\n",
            b"1a;x=y\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nT: 1\r\n\r\n",
        ];
        let alphabet = b"\r\n:;, 0123456789abcdefABCDEF\t\x00\x7f\xffHTP/.-";
        let rules = [
            HeaderRule::parse("X-A: 1").unwrap(),
            HeaderRule::parse("-Via").unwrap(),
        ];
        for round in 0..20_000 {
            let mut bytes = seeds[round % seeds.len()].to_vec();
            for _ in 0..(next() % 5 + 1) {
                if bytes.is_empty() {
                    break;
                }
                let at = (next() as usize) % bytes.len();
                match next() % 4 {
                    0 => bytes[at] = alphabet[(next() as usize) % alphabet.len()],
                    1 => {
                        bytes.remove(at);
                    }
                    2 => bytes.insert(at, alphabet[(next() as usize) % alphabet.len()]),
                    _ => bytes.truncate(at),
                }
            }
            let mut hs = [httparse::EMPTY_HEADER; MAX_HEADERS];
            if let ParsedRequest::Ready(head) = parse_request(&bytes, &mut hs) {
                assert!(head.head_len <= bytes.len());
                let mut out = Vec::new();
                let up = UpstreamHead {
                    client_ip: "127.0.0.1",
                    proto: "http",
                    rules: &rules,
                    change_host: round % 2 == 0,
                };
                write_request(&mut out, &head, &hs[..head.header_count], &up);
                finish_request(&mut out, None);
                // What the fast path sends is itself a well-formed head.
                let mut again = [httparse::EMPTY_HEADER; MAX_HEADERS + 8];
                let parsed = httparse::Request::new(&mut again).parse(&out);
                assert!(
                    matches!(parsed, Ok(httparse::Status::Complete(_))),
                    "{:?}",
                    String::from_utf8_lossy(&out)
                );
            }
            let mut hs = [httparse::EMPTY_HEADER; MAX_HEADERS];
            if let Ok(Some((head, headers))) = parse_response(&bytes, &mut hs, round % 3 == 0) {
                let mut out = Vec::new();
                let down = DownstreamHead {
                    rules: &rules,
                    set_cookie: Some("lb=1"),
                    close: round % 2 == 1,
                };
                write_response(&mut out, &head, headers, &down);
                let mut again = [httparse::EMPTY_HEADER; MAX_HEADERS + 8];
                let parsed = httparse::Response::new(&mut again).parse(&out);
                assert!(
                    matches!(parsed, Ok(httparse::Status::Complete(_))),
                    "{:?}",
                    String::from_utf8_lossy(&out)
                );
            }
            let whole = ChunkedEnd::default().feed(&bytes);
            let cut = (next() as usize) % (bytes.len() + 1);
            let mut c = ChunkedEnd::default();
            let split = match c.feed(&bytes[..cut]) {
                Ok(None) => c.feed(&bytes[cut..]).map(|r| r.map(|n| n + cut)),
                other => other,
            };
            assert_eq!(
                split,
                whole,
                "{:?} cut at {cut}",
                String::from_utf8_lossy(&bytes)
            );
        }
    }
}
