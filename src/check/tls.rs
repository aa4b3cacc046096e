//! TLS for checks: the ALPN choice and error mapping around the shared client configuration
//! ([`crate::tls`]: system roots, or only `--cacert`'s CAs, or `--insecure`), and the certificate expiry read from the
//! peer's DER certificates (a minimal walk to `notAfter`, so no X.509 crate is needed).

use crate::spec::SpecError;
use rustls::ClientConfig;
use rustls::pki_types::CertificateDer;
use std::path::Path;
use std::sync::Arc;

/// ALPN protocols to offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alpn {
    /// h2 and http/1.1 (the server picks).
    Both,
    Http1,
    Http2,
    /// No ALPN (plain TLS for TCP-style checks).
    None,
}

/// Build a client configuration with the shared [`crate::tls`] core. `cacert` replaces the
/// system roots (like curl's `--cacert`); `insecure` accepts any certificate (handshake
/// signatures are still verified); `identity` is the client certificate shown to servers that
/// ask for one (mutual TLS). A bad CA file or client certificate is bad input (exit 2).
pub fn client_config(
    insecure: bool,
    cacert: Option<&Path>,
    identity: Option<&crate::tls::ClientIdentity>,
    alpn: Alpn,
) -> Result<Arc<ClientConfig>, SpecError> {
    let alpn = match alpn {
        Alpn::Both => vec![b"h2".to_vec(), b"http/1.1".to_vec()],
        Alpn::Http1 => vec![b"http/1.1".to_vec()],
        Alpn::Http2 => vec![b"h2".to_vec()],
        Alpn::None => Vec::new(),
    };
    let opts = crate::tls::ClientTls {
        cacert: cacert.map(Path::to_path_buf),
        insecure,
        alpn,
        identity: identity.cloned(),
    };
    crate::tls::client_config(&opts).map_err(|e| {
        if let (Some(id), crate::tls::TlsError::Identity(_)) = (identity, &e) {
            return SpecError::new(
                "client certificate",
                format!("--cert {} --key {}", id.cert.display(), id.key.display()),
                e.to_string(),
                "a PEM certificate chain (leaf first) and the PEM private key that belongs to it",
            );
        }
        let shown = cacert.map_or_else(|| "system roots".to_string(), |p| p.display().to_string());
        SpecError::new(
            "CA certificate file",
            shown,
            e.to_string(),
            "a readable PEM file with one or more CERTIFICATE blocks",
        )
    })
}

/// The earliest `notAfter` (Unix seconds) over a certificate chain; None when no certificate
/// could be read.
pub fn earliest_not_after(chain: &[CertificateDer<'_>]) -> Option<i64> {
    chain.iter().filter_map(|c| not_after(c).ok()).min()
}

/// A certificate's `notAfter` in Unix seconds, read from its DER encoding (RFC 5280 4.1:
/// `Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL, serialNumber,
/// signature, issuer, validity SEQUENCE { notBefore, notAfter }, ... }, ... }`).
pub fn not_after(der: &[u8]) -> Result<i64, String> {
    let (tag, cert, _) = tlv(der)?;
    expect_tag(tag, 0x30, "certificate")?;
    let (tag, tbs, _) = tlv(cert)?;
    expect_tag(tag, 0x30, "tbsCertificate")?;
    let mut rest = tbs;
    let (tag, _, r) = tlv(rest)?;
    if tag == 0xA0 {
        rest = r; // explicit version
    }
    for name in ["serialNumber", "signature", "issuer"] {
        let (_, _, r) = tlv(rest).map_err(|e| format!("{name}: {e}"))?;
        rest = r;
    }
    let (tag, validity, _) = tlv(rest)?;
    expect_tag(tag, 0x30, "validity")?;
    let (_, _, after_not_before) = tlv(validity)?;
    let (tag, time, _) = tlv(after_not_before)?;
    parse_time(tag, time)
}

fn expect_tag(got: u8, want: u8, what: &str) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!("{what}: tag {got:#04x}, expected {want:#04x}"))
    }
}

/// One DER tag-length-value: (tag, content, rest).
fn tlv(b: &[u8]) -> Result<(u8, &[u8], &[u8]), String> {
    let (&tag, rest) = b.split_first().ok_or("truncated (no tag)")?;
    let (&first, mut rest) = rest.split_first().ok_or("truncated (no length)")?;
    let len = if first < 0x80 {
        first as usize
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return Err("bad length".into());
        }
        let mut len = 0usize;
        for &byte in &rest[..n] {
            len = (len << 8) | byte as usize;
        }
        rest = &rest[n..];
        len
    };
    if rest.len() < len {
        return Err("truncated content".into());
    }
    Ok((tag, &rest[..len], &rest[len..]))
}

/// UTCTime (YYMMDDHHMMSSZ, RFC 5280: YY >= 50 is 19YY) or GeneralizedTime (YYYYMMDDHHMMSSZ).
fn parse_time(tag: u8, t: &[u8]) -> Result<i64, String> {
    let s = std::str::from_utf8(t).map_err(|_| "time is not ASCII")?;
    let digits = s.strip_suffix('Z').ok_or("time is not in UTC (Z)")?;
    if !digits.bytes().all(|c| c.is_ascii_digit()) {
        return Err(format!("bad time '{s}'"));
    }
    let num = |r: std::ops::Range<usize>| -> Result<i64, String> {
        digits
            .get(r)
            .and_then(|x| x.parse::<i64>().ok())
            .ok_or_else(|| format!("bad time '{s}'"))
    };
    let (year, off) = match (tag, digits.len()) {
        (0x17, 12) => {
            let yy = num(0..2)?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, 2)
        }
        (0x18, 14) => (num(0..4)?, 4),
        _ => return Err(format!("unsupported time tag {tag:#04x} '{s}'")),
    };
    let (mo, d) = (num(off..off + 2)?, num(off + 2..off + 4)?);
    let (h, mi, sec) = (
        num(off + 4..off + 6)?,
        num(off + 6..off + 8)?,
        num(off + 8..off + 10)?,
    );
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return Err(format!("bad time '{s}'"));
    }
    Ok(days_from_civil(year, mo, d) * 86_400 + h * 3600 + mi * 60 + sec)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant, "chrono-Compatible
/// Low-Level Date Algorithms", days_from_civil).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_days_known_vectors() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        // 2038-01-19T03:14:07Z is i32::MAX seconds.
        assert_eq!(
            days_from_civil(2038, 1, 19) * 86_400 + 3 * 3600 + 14 * 60 + 7,
            2_147_483_647
        );
    }

    #[test]
    fn times() {
        assert_eq!(parse_time(0x17, b"700101000000Z"), Ok(0));
        assert_eq!(parse_time(0x17, b"491231235959Z"), Ok(2_524_607_999));
        assert_eq!(parse_time(0x18, b"20380119031407Z"), Ok(2_147_483_647));
        for (tag, bad) in [
            (0x17, &b"7001010000Z"[..]),
            (0x17, b"700101000000"),
            (0x17, b"701301000000Z"),
            (0x18, b"700101000000Z"),
            (0x02, b"700101000000Z"),
            (0x17, b"70010100000aZ"),
            (0x17, b"\xff"),
        ] {
            assert!(parse_time(tag, bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn malformed_der_is_an_error() {
        for bad in [
            &[][..],
            &[0x30],
            &[0x30, 0x05, 0x01],
            &[0x30, 0x85, 1, 1, 1, 1, 1],
            &[0x02, 0x00],
            &[0x30, 0x02, 0x30, 0x00],
        ] {
            assert!(not_after(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            earliest_not_after(&[CertificateDer::from(vec![0u8; 4])]),
            None
        );
    }

    #[test]
    fn config_errors_are_spec_errors() {
        let e = client_config(
            false,
            Some(Path::new("/nonexistent/ca.pem")),
            None,
            Alpn::Both,
        )
        .unwrap_err();
        assert!(e.to_string().contains("CA certificate file"), "{e}");
        let dir = std::env::temp_dir().join(format!("lbctl-empty-ca-{}", std::process::id()));
        std::fs::write(&dir, "not a pem\n").unwrap();
        let e = client_config(false, Some(&dir), None, Alpn::Both).unwrap_err();
        assert!(e.to_string().contains("no certificate"), "{e}");
        let _ = std::fs::remove_file(&dir);
        assert!(client_config(true, None, None, Alpn::Http1).is_ok());
    }
}

#[cfg(test)]
mod rcgen_tests {
    use super::*;

    #[test]
    fn not_after_of_a_real_certificate() {
        // 2031-05-17T00:00:00Z, both as UTCTime (before 2050) and GeneralizedTime (2050 on).
        for (y, m, d) in [(2031, 5, 17), (2051, 1, 2)] {
            let mut params = rcgen::CertificateParams::new(vec!["localhost".into()]).unwrap();
            params.not_after = rcgen::date_time_ymd(y, m, d);
            let key = rcgen::KeyPair::generate().unwrap();
            let cert = params.self_signed(&key).unwrap();
            let want = days_from_civil(i64::from(y), i64::from(m), i64::from(d)) * 86_400;
            assert_eq!(not_after(cert.der()), Ok(want));
            assert_eq!(earliest_not_after(&[cert.der().clone()]), Some(want));
        }
    }
}
