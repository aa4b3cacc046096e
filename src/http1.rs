//! HTTP/1.1 wire facts shared by the two hand-written HTTP/1.1 paths: `load`'s client
//! (load/h1.rs) and the proxy's relay (proxy/http/fast/wire/). How a response body is
//! delimited and whether the server closes after it, from a head parsed by httparse (RFC 9112
//! section 6.3 and 9.3). A core: no I/O, no printing.

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
    /// The Content-Length the head carried (one value, however many identical lines said it).
    pub content_length: Option<u64>,
    /// The head carried Transfer-Encoding (on one line or several).
    pub transfer_coded: bool,
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

/// Whether `b` is a tchar, a byte of a token (RFC 9110 section 5.6.2).
pub fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Whether `name` is a token (RFC 9110 section 5.6.2), as a transfer coding must be.
pub fn is_token(name: &[u8]) -> bool {
    !name.is_empty() && name.iter().all(|&c| is_tchar(c))
}

/// Where `chunked` stands among a message's transfer codings (RFC 9112 section 6.1: a sender
/// applies it once, as the final coding).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkedPlace {
    Absent,
    /// Once, and last: the body is chunked.
    Final,
    /// Twice, or before another coding: the framing is faulty.
    Misplaced,
}

/// `chunked`'s place among `codings` (every Transfer-Encoding value, in order), and how many
/// codings there are. The one rule for requests (proxy's hyper path) and responses.
pub fn chunked_place<'a>(codings: impl IntoIterator<Item = &'a [u8]>) -> (ChunkedPlace, usize) {
    let (mut count, mut chunked, mut last) = (0, 0, false);
    for c in codings {
        count += 1;
        last = c.eq_ignore_ascii_case(b"chunked");
        chunked += usize::from(last);
    }
    let place = match (chunked, last) {
        (0, _) => ChunkedPlace::Absent,
        (1, true) => ChunkedPlace::Final,
        _ => ChunkedPlace::Misplaced,
    };
    (place, count)
}

/// The transfer codings of every Transfer-Encoding line of a head, in order, as one list
/// (RFC 9110 section 5.3: field lines of one name combine into one comma-separated value).
pub fn transfer_codings<'a>(
    headers: &'a [httparse::Header<'a>],
) -> impl Iterator<Item = &'a [u8]> + 'a {
    headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case("transfer-encoding"))
        .flat_map(|h| tokens(h.value))
}

/// Framing of a response with status `code` to a request (`head_request` for HEAD), from
/// httparse's `version` (0 or 1) and headers. Err names what makes the framing faulty.
/// 1xx heads (101 included) have no body; 101 and HTTP/1.0 without keep-alive close.
pub fn response_framing(
    version: u8,
    code: u16,
    headers: &[httparse::Header<'_>],
    head_request: bool,
) -> Result<ResponseFraming, &'static str> {
    let http10 = version == 0;
    let mut length: Option<u64> = None;
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
    let mut chunked = false;
    if coded {
        // RFC 9112 section 6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing.
        if http10 {
            return Err("Transfer-Encoding in an HTTP/1.0 response");
        }
        if transfer_codings(headers)
            .any(|c| !is_token(c.split(|b| *b == b';').next().unwrap_or(c).trim_ascii()))
        {
            return Err("invalid Transfer-Encoding");
        }
        // All lines together: chunked counts only as the final coding, and only once.
        match chunked_place(transfer_codings(headers)) {
            (_, 0) => return Err("empty Transfer-Encoding"),
            (ChunkedPlace::Misplaced, _) => {
                return Err("chunked is not the final transfer coding exactly once");
            }
            (place, _) => chunked = place == ChunkedPlace::Final,
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
        // With both lengths the message may be an attempt at response splitting (RFC 9112
        // section 6.3 point 3): the connection is not reused after it.
        closes: close || framing == Framing::Close || (coded && length.is_some()),
        content_length: length,
        transfer_coded: coded,
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
                true,
            ),
            (
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
                Framing::Close,
                true,
            ),
            ("HTTP/1.1 200 OK\r\n\r\n", Framing::Close, true),
            (
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n",
                Framing::Chunked,
                false,
            ),
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
            let got = f(wire);
            assert_eq!((got.framing, got.closes), (framing, closes), "{wire:?}");
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
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: \"chunked\"\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: ,\r\n\r\n",
            "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
        ] {
            assert!(framing(bad, false).is_err(), "{bad:?}");
        }
    }
}
