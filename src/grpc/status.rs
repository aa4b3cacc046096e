//! gRPC status codes and the three headers every gRPC hop reads (the gRPC over HTTP/2
//! protocol, PROTOCOL-HTTP2.md): `grpc-status` (a decimal code), `grpc-message`
//! (percent-encoded UTF-8) and `grpc-timeout` (up to 8 digits and a unit).

use http::HeaderMap;
use std::fmt;
use std::time::Duration;

/// A gRPC status code (grpc/doc/statuscodes.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Code {
    Ok = 0,
    Cancelled = 1,
    Unknown = 2,
    InvalidArgument = 3,
    DeadlineExceeded = 4,
    NotFound = 5,
    AlreadyExists = 6,
    PermissionDenied = 7,
    ResourceExhausted = 8,
    FailedPrecondition = 9,
    Aborted = 10,
    OutOfRange = 11,
    Unimplemented = 12,
    Internal = 13,
    Unavailable = 14,
    DataLoss = 15,
    Unauthenticated = 16,
}

const ALL: [Code; 17] = [
    Code::Ok,
    Code::Cancelled,
    Code::Unknown,
    Code::InvalidArgument,
    Code::DeadlineExceeded,
    Code::NotFound,
    Code::AlreadyExists,
    Code::PermissionDenied,
    Code::ResourceExhausted,
    Code::FailedPrecondition,
    Code::Aborted,
    Code::OutOfRange,
    Code::Unimplemented,
    Code::Internal,
    Code::Unavailable,
    Code::DataLoss,
    Code::Unauthenticated,
];

impl Code {
    /// The code with this number (0-16).
    pub fn from_number(n: u32) -> Option<Code> {
        ALL.get(n as usize).copied()
    }

    pub fn number(self) -> u32 {
        self as u32
    }

    /// The upper-case name gRPC libraries print (`UNAVAILABLE`).
    pub fn name(self) -> &'static str {
        match self {
            Code::Ok => "OK",
            Code::Cancelled => "CANCELLED",
            Code::Unknown => "UNKNOWN",
            Code::InvalidArgument => "INVALID_ARGUMENT",
            Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
            Code::NotFound => "NOT_FOUND",
            Code::AlreadyExists => "ALREADY_EXISTS",
            Code::PermissionDenied => "PERMISSION_DENIED",
            Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
            Code::FailedPrecondition => "FAILED_PRECONDITION",
            Code::Aborted => "ABORTED",
            Code::OutOfRange => "OUT_OF_RANGE",
            Code::Unimplemented => "UNIMPLEMENTED",
            Code::Internal => "INTERNAL",
            Code::Unavailable => "UNAVAILABLE",
            Code::DataLoss => "DATA_LOSS",
            Code::Unauthenticated => "UNAUTHENTICATED",
        }
    }

    /// The `grpc-status` header value.
    pub fn header_value(self) -> http::HeaderValue {
        const TEXT: [&str; 17] = [
            "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15",
            "16",
        ];
        http::HeaderValue::from_static(TEXT[self as usize])
    }

    /// A code by number or name (`14`, `UNAVAILABLE`, `unavailable`), for flags.
    pub fn parse(s: &str) -> Option<Code> {
        let s = s.trim();
        if let Ok(n) = s.parse::<u32>() {
            return Code::from_number(n);
        }
        ALL.iter()
            .copied()
            .find(|c| c.name().eq_ignore_ascii_case(s))
    }

    /// The code a gRPC client infers from an HTTP status when a response has no grpc-status
    /// (grpc/doc/http-grpc-status-mapping.md); the proxy answers its own errors the same way,
    /// except that its timeouts are DEADLINE_EXCEEDED.
    pub fn from_http(status: u16) -> Code {
        match status {
            400 => Code::Internal,
            401 => Code::Unauthenticated,
            403 => Code::PermissionDenied,
            404 => Code::Unimplemented,
            429 | 502 | 503 | 504 => Code::Unavailable,
            _ => Code::Unknown,
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name(), self.number())
    }
}

/// The `grpc-status` in `headers` (a trailers-only response's head, or trailers), if any.
pub fn status_of(headers: &HeaderMap) -> Option<u32> {
    headers
        .get("grpc-status")
        .and_then(|v| std::str::from_utf8(v.as_bytes()).ok())
        .and_then(|s| s.trim().parse().ok())
}

/// Whether a request or response is gRPC (`content-type: application/grpc`, `+proto`,
/// `+json`...; PROTOCOL-HTTP2.md).
pub fn is_grpc(headers: &HeaderMap) -> bool {
    headers.get(http::header::CONTENT_TYPE).is_some_and(|v| {
        let b = v.as_bytes();
        b.len() >= 16
            && b[..16].eq_ignore_ascii_case(b"application/grpc")
            && matches!(b.get(16), None | Some(b'+' | b';'))
    })
}

/// `grpc-message` encoding: percent-encode every byte outside 0x20-0x7E and '%' itself
/// (PROTOCOL-HTTP2.md, "Percent-Encoded").
pub fn grpc_message_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for &b in text.as_bytes() {
        if (0x20..=0x7e).contains(&b) && b != b'%' {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decode a `grpc-message`; a malformed escape is kept as typed (the spec asks receivers not
/// to fail on one), invalid UTF-8 becomes U+FFFD.
pub fn grpc_message_decode(raw: &[u8]) -> String {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'%'
            && i + 2 < raw.len()
            && let (Some(h), Some(l)) = (hex(raw[i + 1]), hex(raw[i + 2]))
        {
            out.push(h << 4 | l);
            i += 3;
            continue;
        }
        out.push(raw[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Parse `grpc-timeout`: 1 to 8 ASCII digits and a unit, H M S m u n (PROTOCOL-HTTP2.md,
/// "Timeout"). None for anything else: a malformed timeout is ignored, as grpc-go does.
pub fn parse_timeout(raw: &[u8]) -> Option<Duration> {
    let (&unit, digits) = raw.split_last()?;
    if digits.is_empty() || digits.len() > 8 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n: u64 = std::str::from_utf8(digits).ok()?.parse().ok()?;
    Some(match unit {
        b'H' => Duration::from_secs(n * 3600),
        b'M' => Duration::from_secs(n * 60),
        b'S' => Duration::from_secs(n),
        b'm' => Duration::from_millis(n),
        b'u' => Duration::from_micros(n),
        b'n' => Duration::from_nanos(n),
        _ => return None,
    })
}

/// Format a `grpc-timeout` value: the finest unit whose count fits in 8 digits.
pub fn format_timeout(d: Duration) -> String {
    const MAX: u128 = 99_999_999;
    let ns = d.as_nanos();
    for (div, unit) in [
        (1u128, 'n'),
        (1_000, 'u'),
        (1_000_000, 'm'),
        (1_000_000_000, 'S'),
        (60_000_000_000, 'M'),
        (3_600_000_000_000, 'H'),
    ] {
        // Round up: a deadline sent on must never be earlier than the one received.
        let n = ns.div_ceil(div);
        if n <= MAX {
            return format!("{n}{unit}");
        }
    }
    format!("{MAX}H")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for n in 0..=16 {
            let c = Code::from_number(n).expect("known");
            assert_eq!(c.number(), n);
            assert_eq!(Code::parse(c.name()), Some(c));
            assert_eq!(Code::parse(&n.to_string()), Some(c));
            assert_eq!(c.header_value().to_str().ok(), Some(n.to_string().as_str()));
        }
        assert_eq!(Code::from_number(17), None);
        assert_eq!(Code::parse("unavailable"), Some(Code::Unavailable));
        assert_eq!(Code::parse("nope"), None);
        assert_eq!(Code::from_http(503), Code::Unavailable);
        assert_eq!(Code::from_http(404), Code::Unimplemented);
    }

    #[test]
    fn timeouts() {
        assert_eq!(parse_timeout(b"1S"), Some(Duration::from_secs(1)));
        assert_eq!(parse_timeout(b"250m"), Some(Duration::from_millis(250)));
        assert_eq!(parse_timeout(b"2H"), Some(Duration::from_secs(7200)));
        assert_eq!(
            parse_timeout(b"99999999n"),
            Some(Duration::from_nanos(99_999_999))
        );
        for bad in [
            &b""[..],
            b"S",
            b"123456789S",
            b"1s",
            b"-1S",
            b"1.5S",
            b" 1S",
        ] {
            assert_eq!(parse_timeout(bad), None, "{bad:?}");
        }
        for d in [
            Duration::from_nanos(1),
            Duration::from_millis(250),
            Duration::from_secs(30),
            Duration::from_secs(400_000),
        ] {
            let f = format_timeout(d);
            let back = parse_timeout(f.as_bytes()).expect("parses");
            assert!(back >= d, "{f}");
        }
        assert_eq!(format_timeout(Duration::from_millis(250)), "250000u");
        assert_eq!(format_timeout(Duration::from_secs(30)), "30000000u");
    }

    #[test]
    fn messages() {
        let text = "no backend: 100% down\nnaïve";
        let enc = grpc_message_encode(text);
        assert!(enc.bytes().all(|b| (0x20..=0x7e).contains(&b)), "{enc}");
        assert!(enc.contains("100%25"), "{enc}");
        assert_eq!(grpc_message_decode(enc.as_bytes()), text);
        assert_eq!(grpc_message_decode(b"50%"), "50%");
        assert_eq!(grpc_message_decode(b"%zz"), "%zz");
    }

    #[test]
    fn grpc_content_types() {
        let mut h = HeaderMap::new();
        for (v, yes) in [
            ("application/grpc", true),
            ("application/grpc+proto", true),
            ("Application/GRPC+json", true),
            ("application/grpc-web", false),
            ("application/json", false),
        ] {
            h.insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static(v),
            );
            assert_eq!(is_grpc(&h), yes, "{v}");
        }
        h.insert("grpc-status", http::HeaderValue::from_static("14"));
        assert_eq!(status_of(&h), Some(14));
    }
}
