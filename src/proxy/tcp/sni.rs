//! Reading the server name (SNI) and ALPN list from a TLS ClientHello without terminating TLS,
//! so an L4 proxy can route on the name and replay the same bytes to the chosen backend.
//! Record and handshake layouts from RFC 8446 sections 4.1.2 and 5.1, SNI from RFC 6066 section 3,
//! ALPN from RFC 7301. Pure: bytes in, names out; handshake messages split across records are
//! reassembled.

/// What the ClientHello said that matters for routing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClientHelloInfo {
    /// The `host_name` from the server_name extension, lower-cased.
    pub server_name: Option<String>,
    /// ALPN protocols offered, in the client's order.
    pub alpn: Vec<String>,
}

/// Why the first bytes are not a usable ClientHello.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SniError {
    #[error("the first bytes are not a TLS handshake record")]
    NotTls,
    #[error("malformed TLS ClientHello: {0}")]
    Malformed(&'static str),
}

/// Largest ClientHello we wait for before giving up (a few records' worth).
pub const MAX_HELLO: usize = 64 * 1024;

/// Parse the ClientHello at the start of `buf`. `Ok(None)`: more bytes are needed.
pub fn parse_client_hello(buf: &[u8]) -> Result<Option<ClientHelloInfo>, SniError> {
    // Reassemble the handshake layer from as many records as are present.
    let mut hs = Vec::new();
    let mut pos = 0;
    loop {
        if buf.len() < pos + 5 {
            if pos == 0 && !buf.is_empty() && buf[0] != 22 {
                return Err(SniError::NotTls);
            }
            return need_more(buf);
        }
        let rec = &buf[pos..];
        if rec[0] != 22 {
            return Err(if pos == 0 {
                SniError::NotTls
            } else {
                SniError::Malformed("non-handshake record inside the ClientHello")
            });
        }
        if rec[1] != 3 {
            return Err(if pos == 0 {
                SniError::NotTls
            } else {
                SniError::Malformed("bad record version")
            });
        }
        let len = usize::from(u16::from_be_bytes([rec[3], rec[4]]));
        if len == 0 || len > 16384 + 256 {
            return Err(SniError::Malformed("bad record length"));
        }
        if rec.len() < 5 + len {
            return need_more(buf);
        }
        hs.extend_from_slice(&rec[5..5 + len]);
        pos += 5 + len;
        if hs.len() >= 4 {
            if hs[0] != 1 {
                return Err(SniError::Malformed(
                    "the first handshake message is not a ClientHello",
                ));
            }
            let body_len =
                (usize::from(hs[1]) << 16) | (usize::from(hs[2]) << 8) | usize::from(hs[3]);
            if body_len + 4 > MAX_HELLO {
                return Err(SniError::Malformed("ClientHello too large"));
            }
            if hs.len() >= 4 + body_len {
                return parse_hello_body(&hs[4..4 + body_len]).map(Some);
            }
        }
    }
}

fn need_more(buf: &[u8]) -> Result<Option<ClientHelloInfo>, SniError> {
    if buf.len() >= MAX_HELLO {
        Err(SniError::Malformed("ClientHello too large"))
    } else {
        Ok(None)
    }
}

/// A bounds-checked reader over a byte slice.
struct Reader<'a> {
    b: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], SniError> {
        if self.b.len() < n {
            return Err(SniError::Malformed("truncated field"));
        }
        let (head, rest) = self.b.split_at(n);
        self.b = rest;
        Ok(head)
    }
    fn u8(&mut self) -> Result<usize, SniError> {
        Ok(usize::from(self.take(1)?[0]))
    }
    fn u16(&mut self) -> Result<usize, SniError> {
        let b = self.take(2)?;
        Ok(usize::from(u16::from_be_bytes([b[0], b[1]])))
    }
    fn vec8(&mut self) -> Result<&'a [u8], SniError> {
        let n = self.u8()?;
        self.take(n)
    }
    fn vec16(&mut self) -> Result<&'a [u8], SniError> {
        let n = self.u16()?;
        self.take(n)
    }
}

fn parse_hello_body(body: &[u8]) -> Result<ClientHelloInfo, SniError> {
    let mut r = Reader { b: body };
    r.take(2)?; // legacy_version
    r.take(32)?; // random
    r.vec8()?; // legacy_session_id
    r.vec16()?; // cipher_suites
    r.vec8()?; // legacy_compression_methods
    let mut info = ClientHelloInfo::default();
    if r.b.is_empty() {
        return Ok(info); // no extensions at all (TLS 1.0-era clients)
    }
    let mut exts = Reader { b: r.vec16()? };
    while !exts.b.is_empty() {
        let typ = exts.u16()?;
        let data = exts.vec16()?;
        match typ {
            0 => info.server_name = parse_server_name(data)?,
            16 => {
                let mut list = Reader {
                    b: Reader { b: data }.vec16()?,
                };
                while !list.b.is_empty() {
                    let proto = list.vec8()?;
                    info.alpn.push(String::from_utf8_lossy(proto).into_owned());
                }
            }
            _ => {}
        }
    }
    Ok(info)
}

fn parse_server_name(data: &[u8]) -> Result<Option<String>, SniError> {
    let mut list = Reader {
        b: Reader { b: data }.vec16()?,
    };
    while !list.b.is_empty() {
        let name_type = list.u8()?;
        let name = list.vec16()?;
        if name_type == 0 {
            let s = std::str::from_utf8(name)
                .map_err(|_| SniError::Malformed("server name is not ASCII"))?;
            if s.is_empty() || !s.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(SniError::Malformed("server name has invalid characters"));
            }
            return Ok(Some(s.to_ascii_lowercase()));
        }
    }
    Ok(None)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Build a minimal but well-formed ClientHello record with the given SNI and ALPN.
    pub(crate) fn client_hello(sni: Option<&str>, alpn: &[&str]) -> Vec<u8> {
        let mut exts = Vec::new();
        if let Some(name) = sni {
            let mut entry = vec![0u8];
            entry.extend_from_slice(&(name.len() as u16).to_be_bytes());
            entry.extend_from_slice(name.as_bytes());
            let mut data = (entry.len() as u16).to_be_bytes().to_vec();
            data.extend_from_slice(&entry);
            exts.extend_from_slice(&0u16.to_be_bytes());
            exts.extend_from_slice(&(data.len() as u16).to_be_bytes());
            exts.extend_from_slice(&data);
        }
        if !alpn.is_empty() {
            let mut list = Vec::new();
            for p in alpn {
                list.push(p.len() as u8);
                list.extend_from_slice(p.as_bytes());
            }
            let mut data = (list.len() as u16).to_be_bytes().to_vec();
            data.extend_from_slice(&list);
            exts.extend_from_slice(&16u16.to_be_bytes());
            exts.extend_from_slice(&(data.len() as u16).to_be_bytes());
            exts.extend_from_slice(&data);
        }
        let mut body = vec![3, 3];
        body.extend_from_slice(&[7u8; 32]);
        body.push(0); // session id
        body.extend_from_slice(&[0, 2, 0x13, 0x01]); // one cipher suite
        body.extend_from_slice(&[1, 0]); // null compression
        body.extend_from_slice(&(exts.len() as u16).to_be_bytes());
        body.extend_from_slice(&exts);
        let mut hs = vec![1];
        hs.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
        hs.extend_from_slice(&body);
        let mut rec = vec![22, 3, 1];
        rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
        rec.extend_from_slice(&hs);
        rec
    }

    #[test]
    fn reads_sni_and_alpn() {
        let rec = client_hello(Some("API.example.test"), &["h2", "http/1.1"]);
        let info = parse_client_hello(&rec).unwrap().unwrap();
        assert_eq!(info.server_name.as_deref(), Some("api.example.test"));
        assert_eq!(info.alpn, ["h2", "http/1.1"]);
        let none = parse_client_hello(&client_hello(None, &[]))
            .unwrap()
            .unwrap();
        assert_eq!(none, ClientHelloInfo::default());
    }

    #[test]
    fn partial_input_asks_for_more() {
        let rec = client_hello(Some("a.test"), &[]);
        for cut in 1..rec.len() {
            assert_eq!(parse_client_hello(&rec[..cut]).unwrap(), None, "cut {cut}");
        }
    }

    #[test]
    fn reassembles_across_records() {
        let rec = client_hello(Some("split.test"), &["h2"]);
        let hs = &rec[5..];
        let (a, b) = hs.split_at(10);
        let mut two = Vec::new();
        for part in [a, b] {
            two.extend_from_slice(&[22, 3, 3]);
            two.extend_from_slice(&(part.len() as u16).to_be_bytes());
            two.extend_from_slice(part);
        }
        let info = parse_client_hello(&two).unwrap().unwrap();
        assert_eq!(info.server_name.as_deref(), Some("split.test"));
    }

    #[test]
    fn rejects_non_tls_and_garbage() {
        assert_eq!(
            parse_client_hello(b"GET / HTTP/1.1\r\n"),
            Err(SniError::NotTls)
        );
        assert_eq!(
            parse_client_hello(b"\x16\x02\x00\x00\x05abcde"),
            Err(SniError::NotTls)
        );
        let mut rec = client_hello(Some("a.test"), &[]);
        rec[5] = 2; // ServerHello, not ClientHello
        assert!(matches!(
            parse_client_hello(&rec),
            Err(SniError::Malformed(_))
        ));
        let mut rec = client_hello(Some("a.test"), &[]);
        let n = rec.len();
        rec[n - 7] = 0xff; // corrupt an inner length
        assert!(parse_client_hello(&rec).is_err() || parse_client_hello(&rec).unwrap().is_none());
    }

    #[test]
    fn never_panics_on_mutations() {
        use rand::{Rng, SeedableRng, rngs::SmallRng};
        let base = client_hello(Some("fuzz.example.test"), &["h2", "http/1.1"]);
        let mut rng = SmallRng::seed_from_u64(7);
        for _ in 0..20_000 {
            let mut b = base.clone();
            for _ in 0..rng.random_range(1..4) {
                let i = rng.random_range(0..b.len());
                b[i] = rng.random();
            }
            let cut = rng.random_range(0..=b.len());
            let _ = parse_client_hello(&b[..cut]);
        }
    }
}
