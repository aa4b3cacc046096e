//! TLS failures in plain sentences: what a rustls error means for the person at the keyboard
//! and what would fix it ([`TrustFix`]), never a Rust Debug form. Used by probe, load and the
//! proxy's upstream connections.

use rustls::pki_types::UnixTime;

/// What fixes a certificate the client does not trust; the caller names its own flags
/// ([`TrustFlags`]), since which flags exist is the subcommand's business.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrustFix {
    /// Not signed by a trusted CA: trust its CA (or the certificate itself), or skip checks.
    TrustIssuer,
    /// A CA:TRUE certificate presented as the server's own: pin exactly that certificate.
    PinCertificate,
}

/// The flags a [`TrustFix`] names, e.g. `--cacert FILE` and `--insecure`.
#[derive(Debug, Clone, Copy)]
pub struct TrustFlags {
    pub cacert: &'static str,
    pub insecure: &'static str,
}

impl TrustFix {
    /// What to do, in the caller's flags.
    pub fn advice(self, flags: &TrustFlags) -> String {
        match self {
            TrustFix::TrustIssuer => format!(
                "pass its CA (or the certificate itself) with {}, or use {}",
                flags.cacert, flags.insecure
            ),
            TrustFix::PinCertificate => format!(
                "pin that very certificate with {} (as curl does), or use {}",
                flags.cacert, flags.insecure
            ),
        }
    }
}

/// A TLS failure in plain words (never a Rust Debug form such as `Other(OtherError(..))`):
/// what was wrong, and for trust problems, what fixes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explained {
    pub text: String,
    pub fix: Option<TrustFix>,
}

impl Explained {
    fn plain(text: impl Into<String>) -> Explained {
        Explained {
            text: text.into(),
            fix: None,
        }
    }

    /// The text, followed by the fix in the caller's flags when there is one.
    pub fn with_advice(&self, flags: &TrustFlags) -> String {
        match self.fix {
            Some(fix) => format!("{}: {}", self.text, fix.advice(flags)),
            None => self.text.clone(),
        }
    }
}

/// Whether a TLS handshake failed because the server has none of the offered application
/// protocols (the no_application_protocol alert, RFC 7301 section 3.2).
pub fn alpn_refused(e: &std::io::Error) -> bool {
    e.get_ref()
        .and_then(|i| i.downcast_ref::<rustls::Error>())
        .is_some_and(|t| {
            matches!(
                t,
                rustls::Error::AlertReceived(rustls::AlertDescription::NoApplicationProtocol)
            )
        })
}

/// A failed handshake from tokio-rustls (an I/O error, usually carrying a [`rustls::Error`]).
pub fn explain_io(e: &std::io::Error) -> Explained {
    if let Some(tls) = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        return explain(tls);
    }
    use std::io::ErrorKind as K;
    Explained::plain(match e.kind() {
        K::UnexpectedEof => "the server closed the connection during the TLS handshake".into(),
        K::ConnectionReset => "the server reset the connection during the TLS handshake".into(),
        _ => {
            let s = e.to_string();
            match s.find(" (os error") {
                Some(i) => s[..i].to_string(),
                None => s,
            }
        }
    })
}

/// A rustls error in words a user can act on.
pub fn explain(e: &rustls::Error) -> Explained {
    use rustls::AlertDescription as A;
    use rustls::Error as E;
    use rustls::PeerIncompatible as P;
    match e {
        E::InvalidCertificate(c) => explain_certificate(c),
        E::AlertReceived(A::NoApplicationProtocol) => {
            Explained::plain("the server accepts none of the application protocols offered (ALPN)")
        }
        E::AlertReceived(A::HandshakeFailure) => Explained::plain(
            "the server refused the handshake (no TLS version, cipher suite or key exchange in common)",
        ),
        E::AlertReceived(A::ProtocolVersion) => {
            Explained::plain("the server refused the handshake: no TLS version in common")
        }
        E::AlertReceived(A::UnrecognisedName) => {
            Explained::plain("the server does not know the name sent (SNI)")
        }
        E::AlertReceived(A::CertificateRequired) => {
            Explained::plain("the server requires a client certificate")
        }
        E::AlertReceived(a) => Explained::plain(format!(
            "the server ended the handshake with the TLS alert '{}'",
            words(&format!("{a:?}"))
        )),
        E::PeerIncompatible(P::ServerDoesNotSupportTls12Or13) => {
            Explained::plain("the server supports neither TLS 1.2 nor TLS 1.3")
        }
        E::PeerIncompatible(P::NoCipherSuitesInCommon) => {
            Explained::plain("the server has no cipher suite in common with lbctl")
        }
        E::PeerIncompatible(P::NoKxGroupsInCommon) => {
            Explained::plain("the server has no key exchange group in common with lbctl")
        }
        E::PeerIncompatible(p) => Explained::plain(format!(
            "the server is not compatible: {}",
            words(&format!("{p:?}"))
        )),
        E::PeerMisbehaved(p) => Explained::plain(format!(
            "the server broke the TLS protocol: {}",
            words(&format!("{p:?}"))
        )),
        E::InvalidMessage(_) | E::InappropriateMessage { .. } => Explained::plain(
            "the server did not answer in TLS (is it a plain-text port? try http://)",
        ),
        E::InappropriateHandshakeMessage { .. } => {
            Explained::plain("the server sent an unexpected TLS handshake message")
        }
        E::NoCertificatesPresented => Explained::plain("the server sent no certificate"),
        E::DecryptError => Explained::plain("could not decrypt the server's messages"),
        E::NoApplicationProtocol => {
            Explained::plain("no application protocol (ALPN) in common with the server")
        }
        E::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch) => {
            Explained::plain("the private key does not belong to the certificate")
        }
        E::InconsistentKeys(_) => {
            Explained::plain("could not check that the private key belongs to the certificate")
        }
        E::General(text) => Explained::plain(text.clone()),
        E::Other(o) => Explained::plain(words(&o.0.to_string())),
        other => Explained::plain(words(&format!("{other:?}"))),
    }
}

fn explain_certificate(c: &rustls::CertificateError) -> Explained {
    use rustls::CertificateError as C;
    let date = |t: &UnixTime| {
        humantime::format_rfc3339_seconds(
            std::time::UNIX_EPOCH + std::time::Duration::from_secs(t.as_secs()),
        )
        .to_string()
    };
    match c {
        C::UnknownIssuer => Explained {
            text: "the server's certificate is not signed by a trusted CA".into(),
            fix: Some(TrustFix::TrustIssuer),
        },
        C::ExpiredContext { not_after, .. } => Explained::plain(format!(
            "the server's certificate expired on {}",
            date(not_after)
        )),
        C::Expired => Explained::plain("the server's certificate has expired"),
        C::NotValidYetContext { not_before, .. } => Explained::plain(format!(
            "the server's certificate is not valid before {} (check the clocks)",
            date(not_before)
        )),
        C::NotValidYet => Explained::plain("the server's certificate is not valid yet"),
        C::NotValidForNameContext {
            expected,
            presented,
        } => {
            let names: Vec<String> = presented.iter().map(|n| unwrap_name(n)).collect();
            Explained::plain(if names.is_empty() {
                format!(
                    "the server's certificate is not valid for '{}': it names no host (no subjectAltName)",
                    expected.to_str()
                )
            } else {
                format!(
                    "the server's certificate is for {}, not for '{}'",
                    names.join(", "),
                    expected.to_str()
                )
            })
        }
        C::NotValidForName => {
            Explained::plain("the server's certificate is not valid for the name connected to")
        }
        C::Revoked => Explained::plain("the server's certificate has been revoked"),
        C::BadSignature => Explained::plain(
            "the server's certificate has a bad signature (not signed by the CA it names)",
        ),
        #[allow(deprecated)]
        C::UnsupportedSignatureAlgorithm
        | C::UnsupportedSignatureAlgorithmContext { .. }
        | C::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => Explained::plain(
            "the server's certificate is signed with an algorithm lbctl does not support",
        ),
        C::InvalidPurpose | C::InvalidPurposeContext { .. } => Explained::plain(
            "the server's certificate is not for TLS servers (its extended key usage lacks serverAuth)",
        ),
        C::BadEncoding => Explained::plain("the server's certificate could not be parsed"),
        C::UnhandledCriticalExtension => Explained::plain(
            "the server's certificate has a critical extension lbctl does not know",
        ),
        C::Other(other) => match other.0.downcast_ref::<webpki::Error>() {
            Some(webpki::Error::CaUsedAsEndEntity) => Explained {
                text: "the server's certificate is a CA certificate (CA:TRUE) used as the server's own"
                    .into(),
                fix: Some(TrustFix::PinCertificate),
            },
            Some(webpki::Error::EndEntityUsedAsCa) => Explained::plain(
                "the server's chain uses a non-CA certificate as a CA",
            ),
            Some(webpki::Error::PathLenConstraintViolated) => Explained::plain(
                "the server's chain is longer than one of its CAs allows",
            ),
            Some(webpki::Error::NameConstraintViolation) => Explained::plain(
                "the server's certificate names a host outside its CA's name constraints",
            ),
            Some(webpki::Error::CertDistrusted) => {
                Explained::plain("the server's certificate chains to a distrusted CA")
            }
            _ => Explained::plain(format!(
                "the server's certificate was rejected: {}",
                words(&other.0.to_string())
            )),
        },
        other => Explained::plain(format!(
            "the server's certificate was rejected: {}",
            words(&format!("{other:?}"))
        )),
    }
}

/// A subjectAltName as webpki presents it (`DnsName("a.test")`, `IpAddress(10.0.0.1)`), bare.
pub(super) fn unwrap_name(n: &str) -> String {
    match (n.find('('), n.ends_with(')')) {
        (Some(open), true) => n[open + 1..n.len() - 1].trim_matches('"').to_string(),
        _ => n.to_string(),
    }
}

/// An enum variant's Debug name in words: `NoApplicationProtocol` -> "no application
/// protocol"; a payload in parentheses or braces is dropped (it would be a Debug form).
pub(super) fn words(debug: &str) -> String {
    let name = debug.split(['(', '{', ' ']).next().unwrap_or(debug).trim();
    if !name.chars().all(|c| c.is_ascii_alphanumeric()) || name.is_empty() {
        return debug.to_string();
    }
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let boundary = i > 0
            && c.is_ascii_uppercase()
            && (chars[i - 1].is_ascii_lowercase()
                || chars[i - 1].is_ascii_digit()
                || chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase()));
        if boundary {
            out.push(' ');
        }
        out.push(c);
    }
    // Lower-case each word unless it is an acronym (CA, PSK, EOF).
    out.split(' ')
        .map(|w| {
            if w.len() > 1 && w.chars().all(|c| c.is_ascii_uppercase()) {
                w.to_string()
            } else {
                w.to_ascii_lowercase()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}
