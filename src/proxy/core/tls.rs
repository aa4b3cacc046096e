//! TLS on both sides of the proxy, on top of crate::tls (rustls, ring provider):
//! termination on the listener (`--tls-cert/--tls-key`, or `--tls-self-signed` with its
//! SHA-256 fingerprint printed for pinning; ALPN h2 and http/1.1 in HTTP mode) and the client
//! config for TLS backends (`https://` or `,tls` specs, `--upstream-cacert`,
//! `--insecure-upstream`, SNI from the backend's host). [`MaybeTls`] lets one code path carry
//! plain and TLS streams: http/serve.rs and tcp/l4.rs (clients), upstream.rs and tcp/l4.rs
//! (backends).

use crate::cli::ProxyArgs;
use crate::exit::Failure;
use crate::tls::{self, ClientTls};
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ServerConfig};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// A plain stream or its TLS-wrapped form (boxed: a TLS session is a few KiB).
pub enum MaybeTls<P, T> {
    Plain(P),
    Tls(Box<T>),
}

/// A client connection as the data paths see it.
pub type ClientStream = MaybeTls<TcpStream, tokio_rustls::server::TlsStream<TcpStream>>;
/// A backend connection.
pub type BackendStream = MaybeTls<TcpStream, tokio_rustls::client::TlsStream<TcpStream>>;

impl<P: AsyncRead + Unpin, T: AsyncRead + Unpin> AsyncRead for MaybeTls<P, T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MaybeTls::Plain(p) => Pin::new(p).poll_read(cx, buf),
            MaybeTls::Tls(t) => Pin::new(t.as_mut()).poll_read(cx, buf),
        }
    }
}

impl<P: AsyncWrite + Unpin, T: AsyncWrite + Unpin> AsyncWrite for MaybeTls<P, T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            MaybeTls::Plain(p) => Pin::new(p).poll_write(cx, buf),
            MaybeTls::Tls(t) => Pin::new(t.as_mut()).poll_write(cx, buf),
        }
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MaybeTls::Plain(p) => Pin::new(p).poll_flush(cx),
            MaybeTls::Tls(t) => Pin::new(t.as_mut()).poll_flush(cx),
        }
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MaybeTls::Plain(p) => Pin::new(p).poll_shutdown(cx),
            MaybeTls::Tls(t) => Pin::new(t.as_mut()).poll_shutdown(cx),
        }
    }
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            MaybeTls::Plain(p) => Pin::new(p).poll_write_vectored(cx, bufs),
            MaybeTls::Tls(t) => Pin::new(t.as_mut()).poll_write_vectored(cx, bufs),
        }
    }
    fn is_write_vectored(&self) -> bool {
        match self {
            MaybeTls::Plain(p) => p.is_write_vectored(),
            MaybeTls::Tls(t) => t.is_write_vectored(),
        }
    }
}

/// The listener side: the acceptor config, the self-signed fingerprint when one was made, and
/// the certificate files with the live certificate, reloaded on SIGHUP.
pub struct Termination {
    pub config: Arc<ServerConfig>,
    pub fingerprint: Option<String>,
    pub files: Option<CertFiles>,
}

/// `--tls-cert/--tls-key` and the certificate the listeners serve from them.
#[derive(Clone)]
pub struct CertFiles {
    pub cert_path: std::path::PathBuf,
    pub key_path: std::path::PathBuf,
    pub live: Arc<tls::ReloadableCert>,
}

impl CertFiles {
    /// Read the files again and serve them to new handshakes; on any error the running
    /// certificate stays. Returns the new leaf's SHA-256 fingerprint.
    pub fn reload(&self) -> Result<String, tls::TlsError> {
        let certs = tls::load_certs(&self.cert_path)?;
        let key = tls::load_key(&self.key_path)?;
        self.live.replace(certs, key)?;
        Ok(tls::fingerprint_sha256(&self.live.leaf()))
    }
}

/// `--tls-cert/--tls-key` or `--tls-self-signed` (None: plain listeners). Bad files are exit 2.
pub fn termination(
    args: &ProxyArgs,
    listeners: &[SocketAddr],
) -> anyhow::Result<Option<Termination>> {
    // h2 first: clients that can speak it get it. TCP listeners clear the list (plan/build.rs):
    // there the backend, not the proxy, speaks the protocol inside.
    let alpn: &[&[u8]] = &[b"h2", b"http/1.1"];
    let usage = |e: tls::TlsError| Failure::usage(format!("TLS listener: {e}"));
    if let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) {
        let certs = tls::load_certs(cert).map_err(usage)?;
        let key_der = tls::load_key(key).map_err(usage)?;
        let live = tls::ReloadableCert::new(certs, key_der).map_err(usage)?;
        let config = tls::reloadable_server_config(live.clone(), alpn).map_err(usage)?;
        return Ok(Some(Termination {
            config,
            fingerprint: None,
            files: Some(CertFiles {
                cert_path: cert.clone(),
                key_path: key.clone(),
                live,
            }),
        }));
    }
    if !args.tls_self_signed {
        return Ok(None);
    }
    let mut names = vec!["localhost".to_string()];
    for l in listeners {
        let ip = l.ip();
        if !ip.is_unspecified() && !names.contains(&ip.to_string()) {
            names.push(ip.to_string());
        }
    }
    let made = tls::self_signed(&names).map_err(|e| Failure::runtime(e.to_string()))?;
    let config = tls::server_config(vec![made.cert], made.key, alpn).map_err(usage)?;
    Ok(Some(Termination {
        config,
        fingerprint: Some(made.fingerprint),
        files: None,
    }))
}

/// Complete a client's TLS handshake within `timeout` (the header timeout: a client that
/// never finishes its handshake is cut like a slowloris one).
pub async fn accept(
    config: &Arc<ServerConfig>,
    stream: TcpStream,
    timeout: Duration,
) -> io::Result<ClientStream> {
    let acceptor = tokio_rustls::TlsAcceptor::from(config.clone());
    match tokio::time::timeout(timeout, acceptor.accept(stream)).await {
        Ok(Ok(s)) => Ok(MaybeTls::Tls(Box::new(s))),
        Ok(Err(e)) => Err(e),
        Err(_) => Err(io::Error::new(
            io::ErrorKind::TimedOut,
            "TLS handshake timed out",
        )),
    }
}

/// The client config for TLS backends, when any backend needs it (a bad --upstream-cacert is
/// exit 2). No ALPN: the L7 pool speaks HTTP/1.1, the L4 path whatever the client speaks.
pub fn upstream(
    args: &ProxyArgs,
    any_tls_backend: bool,
) -> anyhow::Result<Option<Arc<ClientConfig>>> {
    if !any_tls_backend {
        return Ok(None);
    }
    let config = tls::client_config(&ClientTls {
        cacert: args.upstream_cacert.clone(),
        insecure: args.insecure_upstream,
        alpn: Vec::new(),
        identity: None,
    })
    .map_err(|e| Failure::usage(format!("--upstream-cacert: {e}")))?;
    Ok(Some(config))
}

/// A backend's TLS identity: its config and the server name (SNI, verification) from its host.
pub type UpstreamTls = (Arc<ClientConfig>, ServerName<'static>);

/// The TLS identity for a backend host, offering by ALPN the HTTP versions its spec allows
/// (`,h2`: h2 only; `,auto`: h2 then http/1.1; otherwise none, as before).
pub fn upstream_for(
    config: &Arc<ClientConfig>,
    host: &str,
    proto: crate::spec::UpstreamProto,
) -> anyhow::Result<UpstreamTls> {
    use crate::spec::UpstreamProto;
    let name =
        tls::server_name(host).map_err(|e| Failure::usage(format!("backend {host}: {e}")))?;
    let alpn: &[&[u8]] = match proto {
        UpstreamProto::H2 => &[b"h2"],
        UpstreamProto::Auto => &[b"h2", b"http/1.1"],
        UpstreamProto::Http1 | UpstreamProto::H2c => return Ok((config.clone(), name)),
    };
    let mut own = (**config).clone();
    own.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Ok((Arc::new(own), name))
}

/// Wrap a connected backend stream in TLS when `tls` says so, within `timeout`.
pub async fn connect(
    stream: TcpStream,
    tls: Option<&UpstreamTls>,
    timeout: Duration,
) -> io::Result<BackendStream> {
    let Some((config, name)) = tls else {
        return Ok(MaybeTls::Plain(stream));
    };
    let connector = tokio_rustls::TlsConnector::from(config.clone());
    match tokio::time::timeout(timeout, connector.connect(name.clone(), stream)).await {
        Ok(Ok(s)) => Ok(MaybeTls::Tls(Box::new(s))),
        // In plain words (never rustls' Debug forms), with the proxy's own flags as the fix.
        Ok(Err(e)) => Err(io::Error::new(
            e.kind(),
            format!(
                "TLS handshake with the backend failed: {}",
                crate::tls::explain_io(&e).with_advice(&crate::tls::TrustFlags {
                    cacert: "--upstream-cacert FILE",
                    insecure: "--insecure-upstream",
                })
            ),
        )),
        Err(_) => Err(io::Error::new(
            io::ErrorKind::TimedOut,
            "TLS handshake with the backend timed out",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Cli;
    use clap::Parser;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    fn args(list: &[&str]) -> ProxyArgs {
        let mut v = vec!["lbctl", "proxy", "--backend", "127.0.0.1:9"];
        v.extend_from_slice(list);
        match Cli::try_parse_from(v).unwrap().command {
            crate::cli::Command::Proxy(a) => *a,
            _ => unreachable!(),
        }
    }

    fn listen() -> Vec<SocketAddr> {
        vec!["127.0.0.1:0".parse().unwrap()]
    }

    #[test]
    fn termination_sources_and_mistakes() {
        assert!(termination(&args(&[]), &listen()).unwrap().is_none());
        let t = termination(&args(&["--tls-self-signed"]), &listen())
            .unwrap()
            .unwrap();
        assert_eq!(t.fingerprint.unwrap().len(), 95);
        assert_eq!(
            t.config.alpn_protocols,
            vec![b"h2".to_vec(), b"http/1.1".to_vec()]
        );

        // A key that does not belong to the certificate, and files that are not PEM.
        let dir = tempfile::tempdir().unwrap();
        let a = crate::tls::self_signed(&["a.test".into()]).unwrap();
        let b = crate::tls::self_signed(&["b.test".into()]).unwrap();
        let cert = dir.path().join("cert.pem");
        let key = dir.path().join("key.pem");
        let junk = dir.path().join("junk.pem");
        std::fs::write(&cert, &a.cert_pem).unwrap();
        std::fs::write(&key, &b.key_pem).unwrap();
        std::fs::write(&junk, "not pem\n").unwrap();
        let (c, k, j) = (
            cert.display().to_string(),
            key.display().to_string(),
            junk.display().to_string(),
        );
        for (list, want) in [
            (vec!["--tls-cert", &c, "--tls-key", &k], "TLS listener"),
            (vec!["--tls-cert", &j, "--tls-key", &k], "no certificate"),
            (vec!["--tls-cert", &c, "--tls-key", &j], "no private key"),
        ] {
            let e = termination(&args(&list), &listen()).err().unwrap();
            assert!(e.to_string().contains(want), "{list:?}: {e}");
        }
        let e = upstream(&args(&["--upstream-cacert", &j]), true)
            .err()
            .unwrap();
        assert!(e.to_string().contains("--upstream-cacert"), "{e}");
        assert!(
            upstream(&args(&["--upstream-cacert", &j]), false)
                .unwrap()
                .is_none()
        );
        let up = upstream(&args(&[]), true).unwrap().unwrap();
        use crate::spec::UpstreamProto;
        assert!(upstream_for(&up, "bad name!", UpstreamProto::Http1).is_err());
        let alpn = |p| {
            upstream_for(&up, "localhost", p)
                .unwrap()
                .0
                .alpn_protocols
                .clone()
        };
        assert!(alpn(UpstreamProto::Http1).is_empty());
        assert_eq!(alpn(UpstreamProto::H2), vec![b"h2".to_vec()]);
        assert_eq!(
            alpn(UpstreamProto::Auto),
            vec![b"h2".to_vec(), b"http/1.1".to_vec()]
        );
    }

    #[tokio::test]
    async fn plain_maybe_tls_passes_bytes() {
        let (a, mut b) = tokio::io::duplex(64);
        let mut m: MaybeTls<_, tokio::io::DuplexStream> = MaybeTls::Plain(a);
        m.write_all(b"ping").await.unwrap();
        let mut buf = [0u8; 4];
        b.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"ping");
        b.write_all(b"pong").await.unwrap();
        m.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"pong");
    }
}
