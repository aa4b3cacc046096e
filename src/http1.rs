//! HTTP/1.1 wire facts shared by the two hand-written HTTP/1.1 paths: `load`'s client
//! (load/h1.rs) and the proxy's relay (proxy/h1_wire.rs). How a response body is delimited and
//! whether the server closes after it, from a head parsed by httparse (RFC 9112 section 6.3 and
//! 9.3). A core: no I/O, no printing.

/// How a response body is delimited (RFC 9112 section 6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    None,
    Length(u64),
    Chunked,
    /// Until the server closes the connection.
    Close,
}

/// The framing of a response body and whether the server closes the connection after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseFraming {
    pub framing: Framing,
    pub closes: bool,
}

/// The comma-separated tokens of a header value, trimmed, empty ones skipped.
pub fn tokens(v: &[u8]) -> impl Iterator<Item = &[u8]> {
    v.split(|b| *b == b',')
        .map(<[u8]>::trim_ascii)
        .filter(|t| !t.is_empty())
}

/// A Content-Length value: ASCII digits only (no sign, no spaces: callers trim where the
/// syntax allows it) that fit in a u64.
pub fn content_length(v: &str) -> Option<u64> {
    (!v.is_empty() && v.bytes().all(|c| c.is_ascii_digit()))
        .then(|| v.parse::<u64>().ok())
        .flatten()
}

/// Framing of a response with status `code` to a request (`head_request` for HEAD), from
/// httparse's `version` (0 or 1) and headers. Err names what makes the length ambiguous.
/// 1xx heads (101 included) have no body; 101 and HTTP/1.0 without keep-alive close.
pub fn response_framing(
    version: u8,
    code: u16,
    headers: &[httparse::Header<'_>],
    head_request: bool,
) -> Result<ResponseFraming, &'static str> {
    let http10 = version == 0;
    let mut length: Option<u64> = None;
    let mut chunked = false;
    let mut coded = false;
    let mut close = http10 || code == 101;
    for h in headers {
        let n = h.name;
        if n.eq_ignore_ascii_case("content-length") {
            let v = std::str::from_utf8(h.value).map(str::trim).unwrap_or("");
            let len = content_length(v).ok_or("invalid Content-Length")?;
            if length.is_some_and(|l| l != len) {
                return Err("conflicting Content-Length headers");
            }
            length = Some(len);
        } else if n.eq_ignore_ascii_case("transfer-encoding") {
            coded = true;
            // Chunked only when it is the final coding.
            chunked = tokens(h.value)
                .last()
                .is_some_and(|c| c.eq_ignore_ascii_case(b"chunked"));
        } else if n.eq_ignore_ascii_case("connection") {
            for t in tokens(h.value) {
                if t.eq_ignore_ascii_case(b"close") {
                    close = true;
                } else if http10 && t.eq_ignore_ascii_case(b"keep-alive") {
                    close = false;
                }
            }
        }
    }
    let framing = if head_request || code < 200 || code == 204 || code == 304 {
        Framing::None
    } else if chunked {
        Framing::Chunked
    } else if coded {
        // A transfer coding other than chunked last: the body runs to the close.
        Framing::Close
    } else if let Some(n) = length {
        Framing::Length(n)
    } else {
        Framing::Close
    };
    Ok(ResponseFraming {
        framing,
        closes: close || framing == Framing::Close,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framing(wire: &str, head_request: bool) -> Result<ResponseFraming, &'static str> {
        let mut hs = [httparse::EMPTY_HEADER; 16];
        let mut r = httparse::Response::new(&mut hs);
        r.parse(wire.as_bytes()).unwrap();
        response_framing(r.version.unwrap(), r.code.unwrap(), r.headers, head_request)
    }

    #[test]
    fn framing_follows_rfc_9112() {
        let f = |w: &str| framing(w, false).unwrap();
        let cases = [
            (
                "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n",
                Framing::Length(5),
                false,
            ),
            (
                "HTTP/1.1 200 OK\r\nContent-Length:  5 \r\n\r\n",
                Framing::Length(5),
                false,
            ),
            (
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
                Framing::Chunked,
                false,
            ),
            (
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
                Framing::Chunked,
                false,
            ),
            (
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
                Framing::Close,
                true,
            ),
            ("HTTP/1.1 200 OK\r\n\r\n", Framing::Close, true),
            ("HTTP/1.1 204 No Content\r\n\r\n", Framing::None, false),
            (
                "HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n",
                Framing::None,
                false,
            ),
            ("HTTP/1.1 103 Early Hints\r\n\r\n", Framing::None, false),
            (
                "HTTP/1.1 101 Switching Protocols\r\n\r\n",
                Framing::None,
                true,
            ),
            (
                "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
                Framing::Length(0),
                true,
            ),
            (
                "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n",
                Framing::Length(0),
                true,
            ),
            (
                "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n",
                Framing::Length(0),
                false,
            ),
        ];
        for (wire, framing, closes) in cases {
            assert_eq!(f(wire), ResponseFraming { framing, closes }, "{wire:?}");
        }
        assert_eq!(
            framing("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", true)
                .unwrap()
                .framing,
            Framing::None
        );
        for bad in [
            "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
        ] {
            assert!(framing(bad, false).is_err(), "{bad:?}");
        }
    }
}
