//! TLS shared by every subcommand that speaks it (probe and load as clients, proxy as server
//! and as a client of TLS backends): rustls with the `ring` provider only (no OpenSSL, no
//! aws-lc build), PEM loading, client configs with system roots / a CA file / no verification,
//! server configs from PEM or a self-signed certificate made on the fly, and SHA-256
//! fingerprints for pinning.

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, ServerConfig, SignatureScheme};
use std::path::Path;
use std::sync::Arc;

/// Errors building TLS configurations.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("could not read {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("no {} found in {path} (expected a PEM '-----BEGIN {what}-----' block)", what.to_lowercase())]
    Empty { path: String, what: &'static str },
    #[error("TLS configuration rejected: {0}")]
    Config(String),
}

/// Install the `ring` provider as the process default (idempotent; reqwest and any other
/// rustls user in the process then agree on it).
pub fn install_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Every certificate in a PEM file (a chain: leaf first).
pub fn load_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let read_err = |reason: String| TlsError::Read {
        path: path.display().to_string(),
        reason,
    };
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
        .map_err(|e| read_err(pem_reason(&e)))?
        .collect::<Result<_, _>>()
        .map_err(|e| read_err(pem_reason(&e)))?;
    if certs.is_empty() {
        return Err(TlsError::Empty {
            path: path.display().to_string(),
            what: "CERTIFICATE",
        });
    }
    Ok(certs)
}

/// The first private key (PKCS#8, PKCS#1 or SEC1) in a PEM file.
pub fn load_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    PrivateKeyDer::from_pem_file(path).map_err(|e| match e {
        rustls::pki_types::pem::Error::NoItemsFound => TlsError::Empty {
            path: path.display().to_string(),
            what: "PRIVATE KEY",
        },
        other => TlsError::Read {
            path: path.display().to_string(),
            reason: pem_reason(&other),
        },
    })
}

/// A PEM error in words (its Display shows some payloads in Debug form, e.g. byte lists).
fn pem_reason(e: &rustls::pki_types::pem::Error) -> String {
    use rustls::pki_types::pem::Error as P;
    match e {
        P::MissingSectionEnd { .. } => "a PEM block has no END line".into(),
        P::IllegalSectionStart { .. } => "a PEM BEGIN line is malformed".into(),
        P::Base64Decode(_) => "a PEM block is not valid base64".into(),
        P::Io(io) => io.to_string(),
        P::NoItemsFound => "no PEM block found".into(),
        other => other.to_string(),
    }
}

/// How a client verifies servers.
#[derive(Debug, Clone, Default)]
pub struct ClientTls {
    /// Trust only the CAs in this PEM file (instead of the system's roots).
    pub cacert: Option<std::path::PathBuf>,
    /// Accept any certificate (the connection is still encrypted).
    pub insecure: bool,
    /// ALPN protocols to offer, e.g. `[b"h2", b"http/1.1"]`.
    pub alpn: Vec<Vec<u8>>,
}

/// A client config per `opts`.
pub fn client_config(opts: &ClientTls) -> Result<Arc<ClientConfig>, TlsError> {
    let builder = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Config(explain(&e).text))?;
    let mut config = if opts.insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerification(provider())))
            .with_no_client_auth()
    } else if let Some(path) = &opts.cacert {
        let pinned = load_certs(path)?;
        let mut roots = RootCertStore::empty();
        for cert in &pinned {
            roots.add(cert.clone()).map_err(|e| {
                TlsError::Config(format!(
                    "{}: a certificate in it cannot be used as a CA: {}",
                    path.display(),
                    explain(&e).text
                ))
            })?;
        }
        let webpki = rustls::client::WebPkiServerVerifier::builder_with_provider(
            Arc::new(roots),
            provider(),
        )
        .build()
        .map_err(|e| TlsError::Config(format!("{}: {e}", path.display())))?;
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(PinnedOrWebPki { webpki, pinned }))
            .with_no_client_auth()
    } else {
        builder
            .with_root_certificates(system_roots())
            .with_no_client_auth()
    };
    config.alpn_protocols = opts.alpn.clone();
    Ok(Arc::new(config))
}

/// The operating system's trust roots, read once per process; unreadable entries are skipped
/// (an empty store makes every verification fail with a clear "unknown issuer", never a crash).
fn system_roots() -> Arc<RootCertStore> {
    static ROOTS: std::sync::OnceLock<Arc<RootCertStore>> = std::sync::OnceLock::new();
    ROOTS
        .get_or_init(|| {
            let mut roots = RootCertStore::empty();
            let found = rustls_native_certs::load_native_certs();
            let _ = roots.add_parsable_certificates(found.certs);
            Arc::new(roots)
        })
        .clone()
}

/// A server config from a certificate chain and key, offering `alpn` (e.g. h2, http/1.1).
pub fn server_config(
    certs: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    alpn: &[&[u8]],
) -> Result<Arc<ServerConfig>, TlsError> {
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Config(explain(&e).text))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| TlsError::Config(explain(&e).text))?;
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Ok(Arc::new(config))
}

/// A server certificate that can be replaced while the server runs (the proxy's SIGHUP):
/// the config's resolver hands every new handshake whichever key was stored last, so
/// connections already open keep theirs and no listener is rebuilt.
#[derive(Debug)]
pub struct ReloadableCert {
    current: std::sync::RwLock<Arc<rustls::sign::CertifiedKey>>,
}

impl ReloadableCert {
    fn certified(
        certs: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
    ) -> Result<Arc<rustls::sign::CertifiedKey>, TlsError> {
        if certs.is_empty() {
            return Err(TlsError::Config(
                "the certificate file has no certificate".into(),
            ));
        }
        rustls::sign::CertifiedKey::from_der(certs, key, &provider())
            .map(Arc::new)
            .map_err(|e| TlsError::Config(explain(&e).text))
    }

    /// Checked like `with_single_cert`: the key must parse and match the leaf certificate.
    pub fn new(
        certs: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
    ) -> Result<Arc<Self>, TlsError> {
        Ok(Arc::new(ReloadableCert {
            current: std::sync::RwLock::new(Self::certified(certs, key)?),
        }))
    }

    /// Use this chain and key from the next handshake on (the old one stays on error).
    pub fn replace(
        &self,
        certs: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
    ) -> Result<(), TlsError> {
        let new = Self::certified(certs, key)?;
        match self.current.write() {
            Ok(mut c) => *c = new,
            Err(p) => *p.into_inner() = new,
        }
        Ok(())
    }

    /// The leaf certificate currently served.
    pub fn leaf(&self) -> CertificateDer<'static> {
        let current = match self.current.read() {
            Ok(c) => c.clone(),
            Err(p) => p.into_inner().clone(),
        };
        current.cert[0].clone()
    }
}

impl rustls::server::ResolvesServerCert for ReloadableCert {
    fn resolve(
        &self,
        _hello: rustls::server::ClientHello<'_>,
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        match self.current.read() {
            Ok(c) => Some(c.clone()),
            Err(p) => Some(p.into_inner().clone()),
        }
    }
}

/// A server config that serves `cert` (replaceable at run time), offering `alpn`.
pub fn reloadable_server_config(
    cert: Arc<ReloadableCert>,
    alpn: &[&[u8]],
) -> Result<Arc<ServerConfig>, TlsError> {
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Config(explain(&e).text))?
        .with_no_client_auth()
        .with_cert_resolver(cert);
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Ok(Arc::new(config))
}

/// A freshly made self-signed certificate.
pub struct SelfSigned {
    pub cert_pem: String,
    pub key_pem: String,
    pub cert: CertificateDer<'static>,
    pub key: PrivateKeyDer<'static>,
    /// SHA-256 of the DER certificate, as colon-separated upper-case hex.
    pub fingerprint: String,
}

/// Make a self-signed certificate for `names` (DNS names or IP addresses).
pub fn self_signed(names: &[String]) -> Result<SelfSigned, TlsError> {
    let ck = rcgen::generate_simple_self_signed(names.to_vec())
        .map_err(|e| TlsError::Config(format!("could not make a certificate: {e}")))?;
    let cert = ck.cert.der().clone();
    let key_der = ck.signing_key.serialize_der();
    Ok(SelfSigned {
        cert_pem: ck.cert.pem(),
        key_pem: ck.signing_key.serialize_pem(),
        fingerprint: fingerprint_sha256(&cert),
        cert,
        key: PrivateKeyDer::Pkcs8(key_der.into()),
    })
}

/// SHA-256 fingerprint as `AB:CD:...` (what `openssl x509 -fingerprint -sha256` prints).
pub fn fingerprint_sha256(der: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, der);
    digest
        .as_ref()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

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
fn unwrap_name(n: &str) -> String {
    match (n.find('('), n.ends_with(')')) {
        (Some(open), true) => n[open + 1..n.len() - 1].trim_matches('"').to_string(),
        _ => n.to_string(),
    }
}

/// An enum variant's Debug name in words: `NoApplicationProtocol` -> "no application
/// protocol"; a payload in parentheses or braces is dropped (it would be a Debug form).
fn words(debug: &str) -> String {
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

/// Parse a host into a TLS server name (for SNI and verification).
pub fn server_name(host: &str) -> Result<ServerName<'static>, TlsError> {
    ServerName::try_from(
        host.trim_start_matches('[')
            .trim_end_matches(']')
            .to_string(),
    )
    .map_err(|_| TlsError::Config(format!("'{host}' is not a valid TLS server name")))
}

/// `--cacert FILE`: the normal WebPKI verification with the file's certificates as the only
/// roots, plus what curl and OpenSSL accept (curl sets X509_V_FLAG_PARTIAL_CHAIN): a server
/// certificate that is byte for byte one of the pinned certificates is trusted as it is, even
/// when it is a CA:TRUE certificate (`openssl req -x509` makes those), or a leaf whose issuer
/// is not in the file. The name must still match, and the validity period still holds: the
/// fallback is taken only for the two errors webpki reports after it has checked the leaf's
/// own dates (`CaUsedAsEndEntity`, `UnknownIssuer`, `BadSignature`).
#[derive(Debug)]
struct PinnedOrWebPki {
    webpki: Arc<rustls::client::WebPkiServerVerifier>,
    pinned: Vec<CertificateDer<'static>>,
}

/// webpki checks a leaf's validity dates, then its basic constraints, then looks for an issuer
/// (rustls-webpki verify_cert.rs, `check_issuer_independent_properties` before the issuer
/// search): these errors therefore mean "the leaf's dates are fine, only its chain is not"
/// (a bad signature: a pinned certificate with the same name as the leaf's issuer).
fn pinned_leaf_may_pass(e: &rustls::Error) -> bool {
    use rustls::CertificateError as C;
    match e {
        rustls::Error::InvalidCertificate(C::UnknownIssuer | C::BadSignature) => true,
        rustls::Error::InvalidCertificate(C::Other(other)) => matches!(
            other.0.downcast_ref::<webpki::Error>(),
            Some(webpki::Error::CaUsedAsEndEntity)
        ),
        _ => false,
    }
}

impl ServerCertVerifier for PinnedOrWebPki {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.webpki.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Ok(v) => Ok(v),
            Err(e)
                if pinned_leaf_may_pass(&e)
                    && self
                        .pinned
                        .iter()
                        .any(|p| p.as_ref() == end_entity.as_ref()) =>
            {
                // Pinned as it is: still only for the names it carries (RFC 6125 6.4, via
                // webpki's subjectAltName matching).
                let parsed = rustls::server::ParsedCertificate::try_from(end_entity)?;
                rustls::client::verify_server_name(&parsed, server_name)?;
                Ok(ServerCertVerified::assertion())
            }
            Err(e) => Err(e),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }

    fn root_hint_subjects(&self) -> Option<&[rustls::DistinguishedName]> {
        self.webpki.root_hint_subjects()
    }
}

/// `--insecure`: accept any certificate, but still check handshake signatures so the
/// connection is really encrypted to whoever holds the presented key.
#[derive(Debug)]
struct NoVerification(Arc<CryptoProvider>);

impl ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A real handshake on loopback: a server with a self-signed cert, a client trusting only it.
    async fn handshake(client: ClientTls, names: &[&str]) -> Result<Vec<u8>, String> {
        install_provider();
        let ss = self_signed(&names.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
        let server = server_config(
            vec![ss.cert.clone()],
            ss.key.clone_key(),
            &[b"h2", b"http/1.1"],
        )
        .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (s, _) = listener.accept().await.unwrap();
            if let Ok(mut tls) = tokio_rustls::TlsAcceptor::from(server).accept(s).await {
                let _ = tls.write_all(b"hi").await;
                let _ = tls.shutdown().await;
            }
        });
        let mut client = client;
        let dir = tempfile::tempdir().unwrap();
        if client.cacert.is_some() {
            let p = dir.path().join("ca.pem");
            std::fs::write(&p, &ss.cert_pem).unwrap();
            client.cacert = Some(p);
        }
        let config = client_config(&client).map_err(|e| e.to_string())?;
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let mut tls = tokio_rustls::TlsConnector::from(config)
            .connect(server_name("localhost").unwrap(), tcp)
            .await
            .map_err(|e| e.to_string())?;
        let alpn = tls
            .get_ref()
            .1
            .alpn_protocol()
            .map(|p| p.to_vec())
            .unwrap_or_default();
        let mut buf = Vec::new();
        tls.read_to_end(&mut buf).await.map_err(|e| e.to_string())?;
        assert_eq!(buf, b"hi");
        Ok(alpn)
    }

    #[tokio::test]
    async fn cacert_trusts_only_that_cert() {
        let ok = handshake(
            ClientTls {
                cacert: Some("set-below".into()),
                alpn: vec![b"h2".to_vec()],
                ..Default::default()
            },
            &["localhost"],
        )
        .await;
        assert_eq!(ok.unwrap(), b"h2");
        let wrong_name = handshake(
            ClientTls {
                cacert: Some("x".into()),
                ..Default::default()
            },
            &["other.test"],
        )
        .await;
        assert!(wrong_name.unwrap_err().contains("certificate"));
        let insecure = handshake(
            ClientTls {
                insecure: true,
                ..Default::default()
            },
            &["other.test"],
        )
        .await;
        assert!(insecure.is_ok());
    }

    #[test]
    fn pem_loading_errors_are_clear() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.pem");
        assert!(
            load_certs(&missing)
                .unwrap_err()
                .to_string()
                .contains("could not read")
        );
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not pem\n").unwrap();
        assert!(
            load_certs(&empty)
                .unwrap_err()
                .to_string()
                .contains("BEGIN CERTIFICATE")
        );
        assert!(
            load_key(&empty)
                .unwrap_err()
                .to_string()
                .contains("PRIVATE KEY")
        );
        let ss = self_signed(&["localhost".into()]).unwrap();
        let both = dir.path().join("both.pem");
        std::fs::write(&both, format!("{}{}", ss.cert_pem, ss.key_pem)).unwrap();
        assert_eq!(load_certs(&both).unwrap().len(), 1);
        assert!(load_key(&both).is_ok());
        assert_eq!(ss.fingerprint.len(), 32 * 3 - 1);
    }

    /// A certificate for `names` made by rcgen; `ca` marks it CA:TRUE (what `openssl req
    /// -x509` makes), `days` moves its validity window (negative: expired).
    fn cert(
        names: &[&str],
        ca: bool,
        days: i64,
    ) -> (CertificateDer<'static>, String, PrivateKeyDer<'static>) {
        let mut params =
            rcgen::CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .unwrap();
        if ca {
            params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        }
        // A name of its own (rcgen's default is the same for every certificate).
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, format!("lbctl test {n}"));
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let at = |d: i64| {
            rcgen::date_time_ymd(1970, 1, 1)
                + std::time::Duration::from_secs((now + d * 86_400).max(0) as u64)
        };
        params.not_before = at(days.min(0) - 30);
        params.not_after = at(days);
        let key = rcgen::KeyPair::generate().unwrap();
        let c = params.self_signed(&key).unwrap();
        (
            c.der().clone(),
            c.pem(),
            PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
    }

    /// Serve `chain` once on loopback and handshake with `client` as `name`: the client's
    /// error in words ([`explain_io`]), or Ok.
    async fn handshake_with(
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
        client: Arc<ClientConfig>,
        name: &str,
    ) -> Result<(), Explained> {
        install_provider();
        let server = server_config(chain, key, &[b"http/1.1"]).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let (s, _) = listener.accept().await.unwrap();
            if let Ok(mut tls) = tokio_rustls::TlsAcceptor::from(server).accept(s).await {
                let _ = tls.write_all(b"hi").await;
                let _ = tls.shutdown().await;
            }
        });
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let r = tokio_rustls::TlsConnector::from(client)
            .connect(server_name(name).unwrap(), tcp)
            .await;
        let out = match r {
            Ok(mut tls) => {
                let mut buf = Vec::new();
                let _ = tls.read_to_end(&mut buf).await;
                assert_eq!(buf, b"hi");
                Ok(())
            }
            Err(e) => Err(explain_io(&e)),
        };
        task.abort();
        out
    }

    fn pinned(dir: &Path, pems: &[&str]) -> Arc<ClientConfig> {
        let p = dir.join(format!("pinned-{}.pem", pems.len()));
        std::fs::write(&p, pems.concat()).unwrap();
        client_config(&ClientTls {
            cacert: Some(p),
            ..Default::default()
        })
        .unwrap()
    }

    /// curl (OpenSSL with X509_V_FLAG_PARTIAL_CHAIN) accepts a pinned CA:TRUE self-signed
    /// server certificate; so does lbctl, for its names and dates only.
    #[tokio::test]
    async fn a_pinned_ca_true_certificate_is_trusted_as_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let (der, pem, key) = cert(&["localhost", "127.0.0.1"], true, 300);
        let cfg = pinned(dir.path(), &[&pem]);
        for name in ["localhost", "127.0.0.1"] {
            handshake_with(vec![der.clone()], key.clone_key(), cfg.clone(), name)
                .await
                .unwrap_or_else(|e| panic!("{name}: {}", e.text));
        }
        // The name must still match.
        let e = handshake_with(
            vec![der.clone()],
            key.clone_key(),
            cfg.clone(),
            "other.test",
        )
        .await
        .unwrap_err();
        assert_eq!(
            e.text,
            "the server's certificate is for localhost, 127.0.0.1, not for 'other.test'"
        );
        // Not pinned (another file): rejected, with the fix named.
        let (_, other_pem, _) = cert(&["localhost"], true, 300);
        let e = handshake_with(
            vec![der.clone()],
            key.clone_key(),
            pinned(dir.path(), &[&other_pem, &other_pem]),
            "localhost",
        )
        .await
        .unwrap_err();
        assert_eq!(e.fix, Some(TrustFix::PinCertificate), "{}", e.text);
        assert!(e.text.contains("CA:TRUE"), "{}", e.text);
        // Pinned but expired: still rejected, with the date.
        let (old, old_pem, old_key) = cert(&["localhost"], true, -2);
        let e = handshake_with(
            vec![old],
            old_key,
            pinned(dir.path(), &[&old_pem]),
            "localhost",
        )
        .await
        .unwrap_err();
        assert!(
            e.text.starts_with("the server's certificate expired on 20"),
            "{}",
            e.text
        );
        assert_eq!(e.fix, None);
    }

    /// A pinned leaf whose issuer is not in the file (curl's partial chain) is trusted too.
    /// (rcgen gives the CA and the leaf the same default name, so webpki tries the pinned
    /// leaf as the issuer and fails on the signature: that is covered as well.)
    #[tokio::test]
    async fn a_pinned_leaf_without_its_issuer_is_trusted() {
        use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
        let dir = tempfile::tempdir().unwrap();
        let ca_key = KeyPair::generate().unwrap();
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let issuer = Issuer::new(ca, ca_key);
        let leaf_key = KeyPair::generate().unwrap();
        let leaf = CertificateParams::new(vec!["localhost".to_string()])
            .unwrap()
            .signed_by(&leaf_key, &issuer)
            .unwrap();
        let key = PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into());
        handshake_with(
            vec![leaf.der().clone()],
            key.clone_key(),
            pinned(dir.path(), &[&leaf.pem()]),
            "localhost",
        )
        .await
        .unwrap_or_else(|e| panic!("{}", e.text));
        // Pinned something else: the usual unknown issuer, with its fix.
        let (_, other, _) = cert(&["localhost"], true, 300);
        let e = handshake_with(
            vec![leaf.der().clone()],
            key,
            pinned(dir.path(), &[&other, &other]),
            "localhost",
        )
        .await
        .unwrap_err();
        assert_eq!(e.fix, Some(TrustFix::TrustIssuer), "{}", e.text);
        let flags = TrustFlags {
            cacert: "--cacert FILE",
            insecure: "--insecure",
        };
        assert_eq!(
            e.with_advice(&flags),
            "the server's certificate is not signed by a trusted CA: pass its CA (or the \
             certificate itself) with --cacert FILE, or use --insecure"
        );
    }

    /// No message shows a Rust Debug form: not `Other(OtherError(..))`, not `DnsName("..")`,
    /// not a struct's braces.
    #[test]
    fn explanations_have_no_debug_forms() {
        use rustls::{AlertDescription, CertificateError as C, Error as E, OtherError};
        let other = |e: webpki::Error| C::Other(OtherError(Arc::new(e)));
        let t = UnixTime::since_unix_epoch(std::time::Duration::from_secs(1_700_000_000));
        let mut errors: Vec<E> = vec![
            C::BadEncoding.into(),
            C::Expired.into(),
            C::ExpiredContext {
                time: t,
                not_after: t,
            }
            .into(),
            C::NotValidYet.into(),
            C::NotValidYetContext {
                time: t,
                not_before: t,
            }
            .into(),
            C::Revoked.into(),
            C::UnhandledCriticalExtension.into(),
            C::UnknownIssuer.into(),
            C::UnknownRevocationStatus.into(),
            C::ExpiredRevocationList.into(),
            C::BadSignature.into(),
            C::NotValidForName.into(),
            C::NotValidForNameContext {
                expected: ServerName::try_from("a.test").unwrap(),
                presented: vec!["DnsName(\"b.test\")".into(), "IpAddress(10.0.0.1)".into()],
            }
            .into(),
            C::NotValidForNameContext {
                expected: ServerName::try_from("a.test").unwrap(),
                presented: vec![],
            }
            .into(),
            C::InvalidPurpose.into(),
            C::InvalidOcspResponse.into(),
            C::ApplicationVerificationFailure.into(),
            other(webpki::Error::CaUsedAsEndEntity).into(),
            other(webpki::Error::EndEntityUsedAsCa).into(),
            other(webpki::Error::PathLenConstraintViolated).into(),
            other(webpki::Error::MaximumPathDepthExceeded).into(),
            E::NoCertificatesPresented,
            E::DecryptError,
            E::NoApplicationProtocol,
            E::InvalidMessage(rustls::InvalidMessage::InvalidContentType),
            E::PeerIncompatible(rustls::PeerIncompatible::ServerDoesNotSupportTls12Or13),
            E::PeerIncompatible(rustls::PeerIncompatible::Tls12NotOffered),
            E::PeerMisbehaved(rustls::PeerMisbehaved::BadCertChainExtensions),
            E::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch),
            E::General("something went wrong".into()),
            E::HandshakeNotComplete,
        ];
        errors.extend((0..=255u8).map(|a| E::AlertReceived(AlertDescription::from(a))));
        let debugish = |s: &str| {
            let b = s.as_bytes();
            s.contains("Error(")
                || s.contains('{')
                || s.contains('"')
                || b.windows(2)
                    .any(|w| w[0].is_ascii_alphanumeric() && w[1] == b'(')
        };
        for e in &errors {
            let x = explain(e);
            assert!(!x.text.is_empty(), "{e:?}");
            assert!(!debugish(&x.text), "{e:?} -> {}", x.text);
            // And through the io::Error that tokio-rustls hands out.
            let io = std::io::Error::new(std::io::ErrorKind::InvalidData, e.clone());
            assert_eq!(explain_io(&io), x);
        }
        assert_eq!(words("NoApplicationProtocol"), "no application protocol");
        assert_eq!(words("UnknownCA"), "unknown CA");
        assert_eq!(words("Unknown(0x99)"), "unknown");
        assert_eq!(unwrap_name("DnsName(\"b.test\")"), "b.test");
    }
}
