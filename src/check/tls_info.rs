//! What a TLS handshake showed (`tls` in probe's JSON, the `tls.*` and `cert.*` field
//! conditions, blackbox's `probe_tls_version_info` and `probe_ssl_last_chain_info`): the
//! protocol version, cipher suite and ALPN protocol rustls negotiated, and per certificate of
//! the peer's chain its subject, issuer, SANs, serial, validity and SHA-256 fingerprint, read
//! with x509-parser (a chain is hostile input: a certificate that does not parse is listed
//! with its fingerprint and the parse error instead of its fields).

use serde::{Deserialize, Serialize};

/// The handshake's facts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlsInfo {
    /// "TLS 1.3", "TLS 1.2" (blackbox's `version` label values).
    pub version: String,
    /// The IANA name, e.g. TLS13_AES_256_GCM_SHA384.
    pub cipher: String,
    pub alpn: Option<String>,
    /// Leaf first, as the server sent it.
    pub chain: Vec<CertInfo>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertInfo {
    pub subject: String,
    pub issuer: String,
    /// DNS names, IP addresses, e-mail addresses and URIs, as text.
    pub sans: Vec<String>,
    /// Hex bytes separated by ':'.
    pub serial: String,
    /// Unix seconds.
    pub not_before: i64,
    pub not_after: i64,
    /// Lowercase hex of the DER encoding's SHA-256.
    pub sha256: String,
    /// Set when the certificate could not be read (its other fields are then empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl TlsInfo {
    /// The version as a number for comparisons (`tls.version >= 1.2`).
    pub fn version_number(&self) -> Option<f64> {
        self.version.strip_prefix("TLS ")?.parse().ok()
    }
}

/// Read the facts off a finished client handshake.
pub fn describe(conn: &rustls::ClientConnection) -> TlsInfo {
    let version = match conn.protocol_version() {
        Some(rustls::ProtocolVersion::TLSv1_3) => "TLS 1.3".to_string(),
        Some(rustls::ProtocolVersion::TLSv1_2) => "TLS 1.2".to_string(),
        Some(other) => format!("{other:?}"),
        None => String::new(),
    };
    let cipher = conn
        .negotiated_cipher_suite()
        .map(|s| {
            let suite = s.suite();
            suite
                .as_str()
                .map_or_else(|| format!("0x{:04x}", u16::from(suite)), str::to_string)
        })
        .unwrap_or_default();
    let alpn = conn
        .alpn_protocol()
        .map(|p| String::from_utf8_lossy(p).into_owned());
    let chain = conn
        .peer_certificates()
        .map(|certs| certs.iter().map(|c| cert_info(c.as_ref())).collect())
        .unwrap_or_default();
    TlsInfo {
        version,
        cipher,
        alpn,
        chain,
    }
}

/// One certificate's fields from its DER encoding.
pub fn cert_info(der: &[u8]) -> CertInfo {
    let sha256 = crate::tls::fingerprint_sha256(der)
        .replace(':', "")
        .to_ascii_lowercase();
    match x509_parser::parse_x509_certificate(der) {
        Ok((_, cert)) => {
            let sans = match cert.subject_alternative_name() {
                Ok(Some(ext)) => ext
                    .value
                    .general_names
                    .iter()
                    .filter_map(san_text)
                    .collect(),
                _ => Vec::new(),
            };
            CertInfo {
                subject: cert.subject().to_string(),
                issuer: cert.issuer().to_string(),
                sans,
                serial: serial_text(cert.raw_serial()),
                not_before: cert.validity().not_before.timestamp(),
                not_after: cert.validity().not_after.timestamp(),
                sha256,
                error: None,
            }
        }
        Err(e) => CertInfo {
            sha256,
            error: Some(format!("cannot read the certificate: {e}")),
            ..CertInfo::default()
        },
    }
}

fn san_text(n: &x509_parser::extensions::GeneralName<'_>) -> Option<String> {
    use x509_parser::extensions::GeneralName as G;
    match n {
        G::DNSName(s) | G::RFC822Name(s) | G::URI(s) => Some((*s).to_string()),
        G::IPAddress(b) => match b.len() {
            4 => <[u8; 4]>::try_from(*b)
                .ok()
                .map(|a| std::net::Ipv4Addr::from(a).to_string()),
            16 => <[u8; 16]>::try_from(*b)
                .ok()
                .map(|a| std::net::Ipv6Addr::from(a).to_string()),
            _ => None,
        },
        _ => None,
    }
}

/// The serial number as openssl prints it (`x509 -serial`): the integer's bytes in hex, colon
/// separated, without DER's leading zero byte (present whenever the top bit of a positive
/// serial is set, i.e. for half of all random serials).
fn serial_text(raw: &[u8]) -> String {
    let start = raw
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(raw.len().saturating_sub(1));
    raw[start..]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_read_as_openssl_prints_them() {
        assert_eq!(serial_text(&[0x00, 0x97, 0xc8, 0x01]), "97:c8:01");
        assert_eq!(serial_text(&[0x12, 0x00]), "12:00");
        assert_eq!(serial_text(&[0x00]), "00");
        assert_eq!(serial_text(&[]), "");
    }

    #[test]
    fn a_certificate_reads_back_its_names_and_dates() {
        let s = crate::tls::self_signed(&["localhost".into(), "127.0.0.1".into()]).unwrap();
        let c = cert_info(s.cert.as_ref());
        assert!(c.error.is_none(), "{c:?}");
        assert_eq!(
            c.sans,
            vec!["localhost".to_string(), "127.0.0.1".to_string()]
        );
        assert!(c.not_after > c.not_before, "{c:?}");
        assert_eq!(c.sha256.len(), 64);
        let broken = cert_info(b"\x30\x03\x02\x01");
        assert!(
            broken.error.is_some() && broken.sha256.len() == 64,
            "{broken:?}"
        );
    }
}
