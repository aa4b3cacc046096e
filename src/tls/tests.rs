//! Unit tests of the TLS core: real handshakes on loopback, pinning, and the plain-sentence
//! error messages.

use super::messages::{unwrap_name, words};
use super::*;
use rustls::pki_types::UnixTime;
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
