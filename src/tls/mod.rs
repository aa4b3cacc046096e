//! TLS shared by every subcommand that speaks it (probe and load as clients, proxy as server
//! and as a client of TLS backends): rustls with the `ring` provider only (no OpenSSL, no
//! aws-lc build), PEM loading, client configs with system roots / a CA file / no verification,
//! server configs from PEM or a self-signed certificate made on the fly, and SHA-256
//! fingerprints for pinning.

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, RootCertStore, ServerConfig};
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
    /// Any of the above about the client certificate or its key (`--cert`/`--key`), so a
    /// caller can name those flags rather than the CA file.
    #[error("{0}")]
    Identity(Box<TlsError>),
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
    /// A client certificate chain and its key (PEM files) for servers that ask for one
    /// (mutual TLS, curl's `--cert`/`--key`).
    pub identity: Option<ClientIdentity>,
}

/// `--cert FILE --key FILE`: the certificate chain (leaf first) and private key a client shows.
#[derive(Debug, Clone)]
pub struct ClientIdentity {
    pub cert: std::path::PathBuf,
    pub key: std::path::PathBuf,
}

impl ClientIdentity {
    /// Both files or neither: one without the other is a usage mistake, named.
    pub fn from_flags(
        cert: Option<&Path>,
        key: Option<&Path>,
    ) -> Result<Option<ClientIdentity>, String> {
        match (cert, key) {
            (None, None) => Ok(None),
            (Some(c), Some(k)) => Ok(Some(ClientIdentity {
                cert: c.to_path_buf(),
                key: k.to_path_buf(),
            })),
            (Some(_), None) => {
                Err("--cert needs --key (the client certificate's private key)".into())
            }
            (None, Some(_)) => {
                Err("--key needs --cert (the client certificate it belongs to)".into())
            }
        }
    }
}

/// A client config per `opts`.
pub fn client_config(opts: &ClientTls) -> Result<Arc<ClientConfig>, TlsError> {
    let builder = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Config(explain(&e).text))?;
    let verified = if opts.insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerification(provider())))
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
    } else {
        builder.with_root_certificates(system_roots())
    };
    let mut config = match &opts.identity {
        None => verified.with_no_client_auth(),
        Some(id) => {
            let identity = |e: TlsError| TlsError::Identity(Box::new(e));
            let chain = load_certs(&id.cert).map_err(identity)?;
            let key = load_key(&id.key).map_err(identity)?;
            verified.with_client_auth_cert(chain, key).map_err(|e| {
                identity(TlsError::Config(format!(
                    "client certificate {} with key {}: {}",
                    id.cert.display(),
                    id.key.display(),
                    explain(&e).text
                )))
            })?
        }
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

/// Parse a host into a TLS server name (for SNI and verification).
pub fn server_name(host: &str) -> Result<ServerName<'static>, TlsError> {
    ServerName::try_from(
        host.trim_start_matches('[')
            .trim_end_matches(']')
            .to_string(),
    )
    .map_err(|_| TlsError::Config(format!("'{host}' is not a valid TLS server name")))
}

mod messages;
mod verify;

pub use messages::{Explained, TrustFix, TrustFlags, alpn_refused, explain, explain_io};
use verify::{NoVerification, PinnedOrWebPki};

#[cfg(test)]
mod tests;
