//! The PROXY protocol (HAProxy's spec, proxy-protocol.txt, versions 1 and 2): encoding the header
//! an L4 proxy sends to a backend so it learns the real client address, and parsing the header a
//! proxy in front of us sends (`--accept-proxy`). Pure: bytes in, header out.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// The 12-byte v2 signature.
pub const V2_SIGNATURE: [u8; 12] = *b"\r\n\r\n\0\r\nQUIT\n";
/// A v1 header is at most 107 bytes including CRLF (spec section 2.1).
const V1_MAX: usize = 107;

/// What a PROXY header said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyHeader {
    /// A proxied connection from `source` to `destination`.
    Proxy {
        source: SocketAddr,
        destination: SocketAddr,
    },
    /// The connection carries no client address (v1 `UNKNOWN`, v2 `LOCAL` or an unspecified family):
    /// use the socket's own peer address.
    Local,
}

/// A malformed PROXY header.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed PROXY header: {0}")]
pub struct ProxyHeaderError(pub String);

fn bad(msg: impl Into<String>) -> ProxyHeaderError {
    ProxyHeaderError(msg.into())
}

/// Encode a v1 (text) header.
pub fn encode_v1(source: SocketAddr, destination: SocketAddr) -> Vec<u8> {
    let fam = match (source, destination) {
        (SocketAddr::V4(_), SocketAddr::V4(_)) => "TCP4",
        (SocketAddr::V6(_), SocketAddr::V6(_)) => "TCP6",
        _ => return b"PROXY UNKNOWN\r\n".to_vec(),
    };
    format!(
        "PROXY {fam} {} {} {} {}\r\n",
        source.ip(),
        destination.ip(),
        source.port(),
        destination.port()
    )
    .into_bytes()
}

/// Encode a v2 (binary) header, command PROXY, protocol STREAM.
pub fn encode_v2(source: SocketAddr, destination: SocketAddr) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + 36);
    out.extend_from_slice(&V2_SIGNATURE);
    out.push(0x21); // version 2, command PROXY
    match (source, destination) {
        (SocketAddr::V4(s), SocketAddr::V4(d)) => {
            out.push(0x11); // AF_INET, STREAM
            out.extend_from_slice(&12u16.to_be_bytes());
            out.extend_from_slice(&s.ip().octets());
            out.extend_from_slice(&d.ip().octets());
            out.extend_from_slice(&s.port().to_be_bytes());
            out.extend_from_slice(&d.port().to_be_bytes());
        }
        _ => {
            let v6 = |a: SocketAddr| match a.ip() {
                IpAddr::V4(v4) => v4.to_ipv6_mapped(),
                IpAddr::V6(v6) => v6,
            };
            out.push(0x21); // AF_INET6, STREAM
            out.extend_from_slice(&36u16.to_be_bytes());
            out.extend_from_slice(&v6(source).octets());
            out.extend_from_slice(&v6(destination).octets());
            out.extend_from_slice(&source.port().to_be_bytes());
            out.extend_from_slice(&destination.port().to_be_bytes());
        }
    }
    out
}

/// Parse a header at the start of `buf`. `Ok(None)` means more bytes are needed; `Ok(Some((h, n)))`
/// means the header took the first `n` bytes (the rest is the client's payload).
pub fn parse(buf: &[u8]) -> Result<Option<(ProxyHeader, usize)>, ProxyHeaderError> {
    if buf.is_empty() {
        return Ok(None);
    }
    if buf[0] == b'P' {
        return parse_v1(buf);
    }
    if buf[0] == b'\r' {
        return parse_v2(buf);
    }
    Err(bad(
        "the connection does not start with a PROXY v1 or v2 signature",
    ))
}

fn parse_v1(buf: &[u8]) -> Result<Option<(ProxyHeader, usize)>, ProxyHeaderError> {
    let prefix = b"PROXY ";
    let n = buf.len().min(prefix.len());
    if buf[..n] != prefix[..n] {
        return Err(bad("the v1 header does not start with 'PROXY '"));
    }
    let Some(end) = buf.windows(2).take(V1_MAX - 1).position(|w| w == b"\r\n") else {
        if buf.len() >= V1_MAX {
            return Err(bad("the v1 header has no CRLF within 107 bytes"));
        }
        return Ok(None);
    };
    let line = std::str::from_utf8(&buf[prefix.len()..end])
        .map_err(|_| bad("the v1 header is not ASCII"))?;
    let parts: Vec<&str> = line.split(' ').collect();
    let header = match parts.as_slice() {
        ["UNKNOWN", ..] => ProxyHeader::Local,
        [fam @ ("TCP4" | "TCP6"), src, dst, sport, dport] => {
            let ip = |s: &str| -> Result<IpAddr, ProxyHeaderError> {
                let ip: IpAddr = s
                    .parse()
                    .map_err(|_| bad(format!("'{s}' is not an IP address")))?;
                match (*fam, ip) {
                    ("TCP4", IpAddr::V4(_)) | ("TCP6", IpAddr::V6(_)) => Ok(ip),
                    _ => Err(bad(format!("address '{s}' does not match {fam}"))),
                }
            };
            let port = |s: &str| -> Result<u16, ProxyHeaderError> {
                // The spec forbids leading zeros and signs.
                if s.is_empty()
                    || (s.len() > 1 && s.starts_with('0'))
                    || !s.bytes().all(|b| b.is_ascii_digit())
                {
                    return Err(bad(format!("'{s}' is not a port")));
                }
                s.parse()
                    .map_err(|_| bad(format!("port '{s}' is out of range")))
            };
            ProxyHeader::Proxy {
                source: SocketAddr::new(ip(src)?, port(sport)?),
                destination: SocketAddr::new(ip(dst)?, port(dport)?),
            }
        }
        _ => return Err(bad(format!("unexpected v1 fields '{line}'"))),
    };
    Ok(Some((header, end + 2)))
}

fn parse_v2(buf: &[u8]) -> Result<Option<(ProxyHeader, usize)>, ProxyHeaderError> {
    let n = buf.len().min(12);
    if buf[..n] != V2_SIGNATURE[..n] {
        return Err(bad("the v2 signature is wrong"));
    }
    if buf.len() < 16 {
        return Ok(None);
    }
    let ver_cmd = buf[12];
    if ver_cmd >> 4 != 2 {
        return Err(bad(format!("unsupported version {}", ver_cmd >> 4)));
    }
    let len = usize::from(u16::from_be_bytes([buf[14], buf[15]]));
    let total = 16 + len;
    if buf.len() < total {
        return Ok(None);
    }
    let body = &buf[16..total];
    let header = match ver_cmd & 0x0f {
        0x0 => ProxyHeader::Local,
        0x1 => match buf[13] {
            0x11 | 0x12 => {
                if body.len() < 12 {
                    return Err(bad("the v2 IPv4 address block is shorter than 12 bytes"));
                }
                let ip = |o: usize| Ipv4Addr::new(body[o], body[o + 1], body[o + 2], body[o + 3]);
                let port = |o: usize| u16::from_be_bytes([body[o], body[o + 1]]);
                ProxyHeader::Proxy {
                    source: SocketAddr::new(ip(0).into(), port(8)),
                    destination: SocketAddr::new(ip(4).into(), port(10)),
                }
            }
            0x21 | 0x22 => {
                if body.len() < 36 {
                    return Err(bad("the v2 IPv6 address block is shorter than 36 bytes"));
                }
                let ip = |o: usize| {
                    let mut a = [0u8; 16];
                    a.copy_from_slice(&body[o..o + 16]);
                    Ipv6Addr::from(a)
                };
                let port = |o: usize| u16::from_be_bytes([body[o], body[o + 1]]);
                ProxyHeader::Proxy {
                    source: SocketAddr::new(ip(0).into(), port(32)),
                    destination: SocketAddr::new(ip(16).into(), port(34)),
                }
            }
            // UNSPEC and AF_UNIX carry no usable TCP client address.
            0x00 | 0x31 | 0x32 => ProxyHeader::Local,
            fam => return Err(bad(format!("unknown v2 address family 0x{fam:02x}"))),
        },
        cmd => return Err(bad(format!("unknown v2 command 0x{cmd:x}"))),
    };
    Ok(Some((header, total)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sa(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn v1_roundtrip_and_spec_example() {
        let h = encode_v1(sa("192.168.0.1:56324"), sa("192.168.0.11:443"));
        assert_eq!(h, b"PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n");
        let mut buf = h.clone();
        buf.extend_from_slice(b"GET / HTTP/1.1\r\n");
        let (hdr, n) = parse(&buf).unwrap().unwrap();
        assert_eq!(n, h.len());
        assert_eq!(
            hdr,
            ProxyHeader::Proxy {
                source: sa("192.168.0.1:56324"),
                destination: sa("192.168.0.11:443")
            }
        );
        let v6 = encode_v1(sa("[2001:db8::1]:1000"), sa("[::1]:80"));
        assert_eq!(v6, b"PROXY TCP6 2001:db8::1 ::1 1000 80\r\n");
        assert!(matches!(
            parse(&v6),
            Ok(Some((ProxyHeader::Proxy { .. }, _)))
        ));
        assert_eq!(
            parse(b"PROXY UNKNOWN\r\n").unwrap(),
            Some((ProxyHeader::Local, 15))
        );
    }

    #[test]
    fn v2_roundtrip() {
        for (s, d) in [
            ("10.1.2.3:4000", "10.0.0.1:80"),
            ("[2001:db8::7]:5", "[::1]:443"),
        ] {
            let h = encode_v2(sa(s), sa(d));
            let (hdr, n) = parse(&h).unwrap().unwrap();
            assert_eq!(n, h.len());
            assert_eq!(
                hdr,
                ProxyHeader::Proxy {
                    source: sa(s),
                    destination: sa(d)
                }
            );
        }
        // LOCAL command, with a TLV-sized body that must be skipped.
        let mut local = V2_SIGNATURE.to_vec();
        local.extend_from_slice(&[0x20, 0x00, 0x00, 0x03, 1, 2, 3, b'x']);
        assert_eq!(parse(&local).unwrap(), Some((ProxyHeader::Local, 19)));
    }

    #[test]
    fn incomplete_needs_more() {
        let h = encode_v2(sa("10.1.2.3:4000"), sa("10.0.0.1:80"));
        for cut in 0..h.len() {
            assert_eq!(parse(&h[..cut]).unwrap(), None, "cut at {cut}");
        }
        let h = encode_v1(sa("10.1.2.3:4000"), sa("10.0.0.1:80"));
        for cut in 0..h.len() - 1 {
            assert_eq!(parse(&h[..cut]).unwrap(), None, "cut at {cut}");
        }
    }

    #[test]
    fn malformed_rejected() {
        let cases: &[&[u8]] = &[
            b"GET / HTTP/1.1\r\n",
            b"PROXI TCP4",
            b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n",
            b"PROXY TCP4 1.2.3.4 ::1 1 2\r\n",
            b"PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n",
            b"PROXY TCP4 1.2.3.4 5.6.7.8 1 70000\r\n",
            b"PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n",
            b"PROXY TCP4 x 5.6.7.8 1 2\r\n",
            b"\r\n\r\n\0\r\nQUIX\n\x21\x11\x00\x0c",
            b"\r\n\r\n\0\r\nQUIT\n\x11\x11\x00\x00",
            b"\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x04abcd",
            b"\r\n\r\n\0\r\nQUIT\n\x23\x11\x00\x00",
            b"\r\n\r\n\0\r\nQUIT\n\x21\x99\x00\x00",
        ];
        for c in cases {
            assert!(parse(c).is_err(), "{:?}", String::from_utf8_lossy(c));
        }
        let long = [b"PROXY TCP4 ".as_slice(), &[b'1'; 120]].concat();
        assert!(parse(&long).is_err());
    }
}
