//! Response heads: parse the head a backend sent and how its body is framed
//! ([`parse_response`]), write the head the client gets ([`write_response`]), and the proxy's
//! own answers on the wire ([`write_local`]).

use super::fields::{
    Name, appended, classify, connection_names_others, header_line, named_by_connection, ruled,
    set_rules, write_length,
};
use crate::http1::Framing;
use crate::proxy::core::headers::HeaderRule;
use crate::proxy::http::local::Local;
use std::io::Write;

/// Headers parsed per response head: HAProxy's default `tune.http.maxhdr` is 101.
pub const MAX_RESPONSE_HEADERS: usize = 101;

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
/// copied line by line; `write_response_framing` writes them once from the parsed framing.
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
        "HTTP/1.1 {} {}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: {}\r\n",
        l.status.as_u16(),
        l.status.canonical_reason().unwrap_or(""),
        l.text.len(),
    );
    if l.retry_after > 0 {
        let _ = write!(out, "retry-after: {}\r\n", l.retry_after);
    }
    let _ = write!(
        out,
        "{}\r\n{}",
        if close { "connection: close\r\n" } else { "" },
        l.text
    );
}
