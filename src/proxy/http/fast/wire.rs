//! HTTP/1.1 heads on the wire, for the proxy's fast path (relay.rs): parse a request or a
//! response head in place (httparse), decide whether the fast path may carry the request, write
//! the rewritten head for the other side byte by byte (hop-by-hop headers out, `X-Forwarded-*`
//! and `Via` in, `--header-up/--header-down`), and find where a chunked body ends without
//! decoding it, so its bytes are forwarded as they came. Framing follows RFC 9112 section 6;
//! hop-by-hop headers RFC 9110 section 7.6.1. Everything here is synchronous and allocation-free
//! on the common path, and unit-tested against hand-written wire bytes.

use crate::http1::tokens;
use crate::proxy::core::headers::HeaderRule;
use crate::proxy::http::local::{BAD_HOST, Local};
use std::io::Write;

/// Headers parsed per request head; a request with more goes to the hyper path (which
/// allows 100).
pub const MAX_HEADERS: usize = 64;

/// Headers parsed per response head: HAProxy's default `tune.http.maxhdr` is 101.
pub const MAX_RESPONSE_HEADERS: usize = 101;

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
    /// Whether the head carried a Content-Length (written again, once, from `body_len`).
    pub has_length: bool,
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
    /// A head that parses but that no proxy may forward: answered 400 here and the connection
    /// closed (its framing or routing would be ambiguous). The text says why.
    Invalid(&'static str),
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

/// The bytes of an origin-form target (RFC 3986: unreserved, pct-encoded, sub-delims, `:`,
/// `@`, `/`, `?`). The fast path takes no other, so it never forwards what hyper would refuse.
static URI_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let ok = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~%!$&'()*+,;=:@/?";
    let mut i = 0;
    while i < ok.len() {
        t[ok[i] as usize] = true;
        i += 1;
    }
    t
};

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
    // A fragment is never part of a request-target (RFC 9112 section 3.2); HAProxy rejects it.
    if target.contains('#') {
        return ParsedRequest::Invalid(
            "400 bad request: the request target has a fragment ('#')\n",
        );
    }
    // Longer than the http crate's URI limit, or with a byte RFC 3986 does not allow in a path
    // or query: hyper decides (414 or 400, or its own leniency), so both paths agree.
    if target.len() > 65_534 || !target.bytes().all(|b| URI_BYTE[b as usize]) {
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
            // RFC 9112 section 3.2: more than one Host, or an invalid one, is a 400.
            if host.is_some() || !crate::proxy::http::headers::valid_host(h.value) {
                return ParsedRequest::Invalid(BAD_HOST.text);
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
        return ParsedRequest::Invalid(BAD_HOST.text);
    };
    ParsedRequest::Ready(RequestHead {
        method,
        target,
        host,
        head_len,
        header_count: req.headers.len(),
        body_len: body_len.unwrap_or(0),
        has_length: body_len.is_some(),
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
/// [`finish_request`]): origin-form HTTP/1.1 with the same semantics as the hyper path (hyper/service.rs):
/// hop-by-hop headers and those `Connection` names removed, the client appended to
/// `X-Forwarded-For` and `Via`, `X-Forwarded-Proto/-Host` set, then the rules.
///
/// The framing invariant: the message is framed exactly as it was parsed. Content-Length is
/// never copied from the client's lines: it is written here, once, from the parsed length, so
/// no `Connection` token and no rule (plan/ rejects rules on framing headers) can drop or
/// duplicate it. Host is likewise never dropped because `Connection` names it.
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
            Name::Host => {
                if !up.change_host {
                    header_line(out, n.as_bytes(), h.value);
                }
                continue;
            }
            // Written from the parsed framing below.
            Name::ContentLength => continue,
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
    if head.has_length {
        write_length(out, head.body_len);
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

fn write_length(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(b"content-length: ");
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut v = n;
    loop {
        i -= 1;
        digits[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
    out.extend_from_slice(b"\r\n");
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
    /// The Content-Length the head carried (once, however many identical lines said it).
    pub content_length: Option<u64>,
    /// The head carried Transfer-Encoding.
    pub transfer_coded: bool,
}

/// Why a backend's bytes are not an HTTP/1.1 response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadResponse(pub &'static str);

/// Parse a response head; `Ok(None)` when incomplete. `head_request` and the status decide
/// whether a body follows.
pub fn parse_response<'b, 'h>(
    buf: &'b [u8],
    headers: &'h mut [httparse::Header<'b>],
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
            content_length: f.content_length,
            transfer_coded: f.transfer_coded,
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
/// hop-by-hop ones, `Via`, the `--header-down` rules, the sticky cookie, and `Connection:
/// close` when closing.
///
/// The framing invariant, as for requests: Content-Length and Transfer-Encoding are never
/// copied line by line; [`write_response_framing`] writes them once from the parsed framing.
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
            Name::Hop | Name::TransferEncoding | Name::ContentLength => continue,
            Name::Via => {
                earlier_via = true;
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
    write_response_framing(out, head, headers);
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

/// The framing lines of a response head, from its parsed framing: with a transfer coding, the
/// codings of every Transfer-Encoding line joined on one line and no Content-Length (RFC 9112
/// section 6.3: the length is not the message's, and a client must not frame the body two
/// ways); otherwise one Content-Length. 1xx and 204 carry neither (RFC 9110 sections 8.6 and
/// 6.4.1); a 304 or a HEAD answer keeps what describes the representation.
fn write_response_framing(
    out: &mut Vec<u8>,
    head: &ResponseHead<'_>,
    headers: &[httparse::Header<'_>],
) {
    if head.code < 200 || head.code == 204 {
        return;
    }
    if head.transfer_coded {
        out.extend_from_slice(b"transfer-encoding: ");
        for (i, c) in crate::http1::transfer_codings(headers).enumerate() {
            if i > 0 {
                out.extend_from_slice(b", ");
            }
            out.extend_from_slice(c);
        }
        out.extend_from_slice(b"\r\n");
    } else if let Framing::Length(n) = head.framing {
        write_length(out, n);
    } else if let (Framing::None, Some(n)) = (head.framing, head.content_length) {
        write_length(out, n);
    }
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
    /// After the size: optional whitespace (BWS) before `;` or the CR.
    SizeBws(u64),
    /// In chunk extensions, until CR.
    Ext(u64),
    SizeLf(u64),
    Data(u64),
    DataCr,
    DataLf,
    /// At the start of a trailer line (or the final empty line).
    TrailerStart,
    /// In a trailer field's name.
    TrailerName,
    /// After the colon of a trailer field.
    TrailerValue,
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

/// A byte allowed in a field value or a chunk extension: HTAB, SP, VCHAR, obs-text (RFC 9110
/// section 5.5); never CR, LF, NUL or another control.
fn field_byte(b: u8) -> bool {
    b == b'\t' || (b >= 0x20 && b != 0x7f)
}

fn tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

impl ChunkedEnd {
    /// Walk `data` (the next bytes of the body); `Some(n)` when the body ends after `n` of them.
    /// The grammar is RFC 9112 section 7.1, strictly: hex sizes (no sign, no `0x`, at most 16
    /// digits), extensions of field-value bytes only, CRLF line ends (a bare LF is an error),
    /// trailer lines that are field lines (`name: value`).
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
                    None if b == b';' => Chunk::Ext(n),
                    None if b == b' ' || b == b'\t' => Chunk::SizeBws(n),
                    None => return Err(BadChunk),
                },
                Chunk::SizeBws(n) => match b {
                    b' ' | b'\t' => Chunk::SizeBws(n),
                    b';' => Chunk::Ext(n),
                    b'\r' => Chunk::SizeLf(n),
                    _ => return Err(BadChunk),
                },
                Chunk::Ext(n) => match b {
                    b'\r' => Chunk::SizeLf(n),
                    b if field_byte(b) => Chunk::Ext(n),
                    _ => return Err(BadChunk),
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
                Chunk::TrailerStart | Chunk::TrailerName if tchar(b) => Chunk::TrailerName,
                Chunk::TrailerName if b == b':' => Chunk::TrailerValue,
                Chunk::TrailerValue if b == b'\r' => Chunk::TrailerLf,
                Chunk::TrailerValue if field_byte(b) => Chunk::TrailerValue,
                Chunk::TrailerStart | Chunk::TrailerName | Chunk::TrailerValue => {
                    return Err(BadChunk);
                }
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
#[path = "wire_tests.rs"]
mod tests;
