//! In-test servers for the `probe` integration tests: a small hyper server (HTTP/1.1 + h2,
//! optionally TLS via tokio-rustls) answering from a closure, and an rcgen CA with a leaf
//! certificate for 127.0.0.1/localhost that expires in a chosen number of days.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

// ---------------------------------------------------------------------------------------
// In-test servers

/// What the handler answers: (status, extra headers, body).
pub type Reply = (u16, Vec<(&'static str, String)>, String);
pub type Handler = Arc<dyn Fn(&str, u64) -> Reply + Send + Sync>;

/// A hyper server (HTTP/1.1 + h2, optionally TLS) on its own runtime; stops when dropped.
pub struct TestServer {
    pub addr: SocketAddr,
    _rt: tokio::runtime::Runtime,
}

pub fn test_server(tls: Option<Arc<rustls::ServerConfig>>, handler: Handler) -> TestServer {
    use hyper_util::rt::{TokioExecutor, TokioIo};
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(AtomicU64::new(0));
    rt.spawn(async move {
        let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
        loop {
            let Ok((sock, _)) = listener.accept().await else {
                return;
            };
            let (handler, count, acceptor) = (handler.clone(), count.clone(), acceptor.clone());
            tokio::spawn(async move {
                let svc =
                    hyper::service::service_fn(move |req: http::Request<hyper::body::Incoming>| {
                        let n = count.fetch_add(1, Ordering::SeqCst);
                        let (status, headers, body) = handler(req.uri().path(), n);
                        let mut resp = http::Response::new(http_body_util::Full::new(
                            bytes::Bytes::from(body),
                        ));
                        *resp.status_mut() = http::StatusCode::from_u16(status).unwrap();
                        for (k, v) in headers {
                            resp.headers_mut().insert(k, v.parse().unwrap());
                        }
                        async move { Ok::<_, std::convert::Infallible>(resp) }
                    });
                let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
                match acceptor {
                    Some(acc) => {
                        if let Ok(tls) = acc.accept(sock).await {
                            let _ = builder.serve_connection(TokioIo::new(tls), svc).await;
                        }
                    }
                    None => {
                        let _ = builder.serve_connection(TokioIo::new(sock), svc).await;
                    }
                }
            });
        }
    });
    TestServer { addr, _rt: rt }
}

pub fn json_server(body: &'static str) -> TestServer {
    test_server(
        None,
        Arc::new(move |_, _| {
            (
                200,
                vec![("content-type", "application/json".into())],
                body.into(),
            )
        }),
    )
}

/// A CA and a leaf for 127.0.0.1/localhost signed by it, the leaf expiring in 5 days.
pub struct Pki {
    pub ca_pem: String,
    pub server: Arc<rustls::ServerConfig>,
}

pub fn pki(leaf_days: u64) -> Pki {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "lbctl test CA");
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let mut leaf = CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap();
    leaf.not_before = rcgen::date_time_ymd(1970, 1, 1) + (now - Duration::from_secs(86_400));
    leaf.not_after =
        rcgen::date_time_ymd(1970, 1, 1) + (now + Duration::from_secs(leaf_days * 86_400));
    let leaf_key = KeyPair::generate().unwrap();
    let leaf_cert = leaf.signed_by(&leaf_key, &ca).unwrap();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into());
    let mut server = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![leaf_cert.der().clone(), ca.der().clone()], key)
    .unwrap();
    server.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Pki {
        ca_pem: ca.pem(),
        server: Arc::new(server),
    }
}

pub fn tls_server() -> (TestServer, tempfile::NamedTempFile) {
    let pki = pki(5);
    let server = test_server(
        Some(pki.server),
        Arc::new(|_, _| (200, vec![], "{\"status\":\"UP\"}".into())),
    );
    let mut ca = tempfile::NamedTempFile::new().unwrap();
    std::io::Write::write_all(&mut ca, pki.ca_pem.as_bytes()).unwrap();
    (server, ca)
}
