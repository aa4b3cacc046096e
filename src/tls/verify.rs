//! The client-side certificate verifiers: `--cacert` pinning on top of WebPKI (what curl and
//! OpenSSL accept), and `--insecure` (no verification; signatures are still checked so the
//! handshake completes honestly).

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use std::sync::Arc;

/// `--cacert FILE`: the normal WebPKI verification with the file's certificates as the only
/// roots, plus what curl and OpenSSL accept (curl sets X509_V_FLAG_PARTIAL_CHAIN): a server
/// certificate that is byte for byte one of the pinned certificates is trusted as it is, even
/// when it is a CA:TRUE certificate (`openssl req -x509` makes those), or a leaf whose issuer
/// is not in the file. The name must still match, and the validity period still holds: the
/// fallback is taken only for the two errors webpki reports after it has checked the leaf's
/// own dates (`CaUsedAsEndEntity`, `UnknownIssuer`, `BadSignature`).
#[derive(Debug)]
pub(super) struct PinnedOrWebPki {
    pub(super) webpki: Arc<rustls::client::WebPkiServerVerifier>,
    pub(super) pinned: Vec<CertificateDer<'static>>,
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
pub(super) struct NoVerification(pub(super) Arc<CryptoProvider>);

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
