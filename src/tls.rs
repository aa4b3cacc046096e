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
        .map_err(|e| read_err(e.to_string()))?
        .collect::<Result<_, _>>()
        .map_err(|e| read_err(e.to_string()))?;
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
            reason: other.to_string(),
        },
    })
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
        .map_err(|e| TlsError::Config(e.to_string()))?;
    let mut config = if opts.insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerification(provider())))
            .with_no_client_auth()
    } else if let Some(path) = &opts.cacert {
        let mut roots = RootCertStore::empty();
        for cert in load_certs(path)? {
            roots
                .add(cert)
                .map_err(|e| TlsError::Config(format!("{}: {e}", path.display())))?;
        }
        builder.with_root_certificates(roots).with_no_client_auth()
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
        .map_err(|e| TlsError::Config(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| TlsError::Config(e.to_string()))?;
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
            .map_err(|e| TlsError::Config(e.to_string()))
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
        .map_err(|e| TlsError::Config(e.to_string()))?
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
}
