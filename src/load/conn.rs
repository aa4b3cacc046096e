//! One client connection of `lbctl load`: open TCP (and TLS with ALPN), hand the socket to
//! a client (the hand-written HTTP/1.1 one, hyper's HTTP/1.1 connection for TLS, or the h2
//! crate's HTTP/2 client in h2conn.rs, incl. h2c prior knowledge), send one request and read
//! the whole response. Failures are sorted into the report's error categories.

use super::h1::H1Conn;
use super::h2conn::{self, H2Conn};
use super::outcome::{Answer, ErrorKind, ExchangeError, TRUST_FLAGS, classify_io, error_chain};
use super::target::{Target, Template};
use super::target_stream::Prepared;
use bytes::Bytes;
use http::header::HeaderName;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;

/// Connection settings shared by every connection of a run.
#[derive(Clone)]
pub struct ConnConfig {
    pub tls: Option<Arc<rustls::ClientConfig>>,
    pub http2: bool,
    pub connect_timeout: Duration,
}

/// A ready-to-use HTTP connection.
pub enum Conn {
    /// Cleartext HTTP/1.1: the hot path, without hyper.
    Plain(H1Conn),
    H1(http1::SendRequest<Full<Bytes>>),
    H2(H2Conn),
}

impl Conn {
    pub fn is_h2(&self) -> bool {
        matches!(self, Conn::H2(_))
    }

    /// Another handle on the same HTTP/2 connection (streams multiplex on it); None for
    /// HTTP/1.1, which carries one request at a time.
    pub fn share(&self) -> Option<Conn> {
        match self {
            Conn::H2(s) => Some(Conn::H2(s.clone())),
            _ => None,
        }
    }

    /// Whether hyper knows the connection is gone (a stream's own failure leaves it open).
    pub fn is_closed(&self) -> bool {
        match self {
            Conn::H2(c) => c.is_closed(),
            Conn::H1(s) => s.is_closed(),
            Conn::Plain(_) => true,
        }
    }
}

/// Open a connection to `target`. Cleartext HTTP/1.1 uses [`H1Conn`] when `prepared` (the
/// template serialised the requests); otherwise the hyper connection's driver runs as a task
/// on the current (worker-local) runtime.
pub async fn connect(
    target: &Target,
    cfg: &ConnConfig,
    prepared: bool,
) -> Result<Conn, ExchangeError> {
    let tcp = tcp_connect(target, cfg).await?;
    let h2 = cfg.http2 || target.h2c;
    if target.tls {
        let stream = tls_connect(target, cfg, tcp).await?;
        let use_h2 = negotiated_h2(target, cfg, &stream)?;
        handshake(stream, use_h2).await
    } else if prepared && !h2 {
        Ok(Conn::Plain(H1Conn::new(tcp)))
    } else {
        handshake(tcp, h2).await
    }
}

async fn tcp_connect(target: &Target, cfg: &ConnConfig) -> Result<TcpStream, ExchangeError> {
    let tcp = match tokio::time::timeout(cfg.connect_timeout, TcpStream::connect(target.addr)).await
    {
        Err(_) => {
            return Err(ExchangeError::new(
                ErrorKind::ConnectTimeout,
                format!(
                    "connect to {} timed out after {}",
                    target.addr,
                    humantime::format_duration(cfg.connect_timeout)
                ),
            ));
        }
        Ok(Err(e)) => {
            let kind = if e.kind() == std::io::ErrorKind::ConnectionRefused {
                ErrorKind::ConnectRefused
            } else {
                ErrorKind::Connect
            };
            return Err(ExchangeError::new(
                kind,
                format!("connect to {}: {e}", target.addr),
            ));
        }
        Ok(Ok(s)) => s,
    };
    let _ = tcp.set_nodelay(true);
    Ok(tcp)
}

type TlsStream = tokio_rustls::client::TlsStream<TcpStream>;

async fn tls_connect(
    target: &Target,
    cfg: &ConnConfig,
    tcp: TcpStream,
) -> Result<TlsStream, ExchangeError> {
    let Some(tls) = cfg.tls.clone() else {
        return Err(ExchangeError::new(ErrorKind::Tls, "TLS is not configured"));
    };
    let connector = tokio_rustls::TlsConnector::from(tls);
    match tokio::time::timeout(
        cfg.connect_timeout,
        connector.connect(target.server_name.clone(), tcp),
    )
    .await
    {
        Err(_) => Err(ExchangeError::new(
            ErrorKind::ConnectTimeout,
            format!("TLS handshake with {} timed out", target.addr),
        )),
        Ok(Err(e)) => {
            // Offered only h2, and the server has no protocol in common (rustls servers end
            // the handshake with a no_application_protocol alert, RFC 7301 3.2).
            let no_alpn = crate::tls::alpn_refused(&e);
            if no_alpn && cfg.http2 {
                return Err(no_h2(target, "it accepts none of the offered protocols"));
            }
            Err(ExchangeError::new(
                ErrorKind::Tls,
                format!(
                    "TLS handshake with {}: {}",
                    target.addr,
                    crate::tls::explain_io(&e).with_advice(&TRUST_FLAGS)
                ),
            ))
        }
        Ok(Ok(s)) => Ok(s),
    }
}

/// HTTP/2 over TLS is chosen by ALPN (RFC 9113 3.2): with `--http2` only "h2" is offered,
/// and a server that picks nothing (it ignores ALPN) speaks HTTP/1.1 at best; without it,
/// only "http/1.1" is offered.
fn negotiated_h2(
    target: &Target,
    cfg: &ConnConfig,
    stream: &TlsStream,
) -> Result<bool, ExchangeError> {
    match (stream.get_ref().1.alpn_protocol(), cfg.http2) {
        (Some(b"h2"), _) => Ok(true),
        (_, false) => Ok(false),
        (Some(other), true) => Err(no_h2(
            target,
            &format!("it chose '{}'", String::from_utf8_lossy(other)),
        )),
        (None, true) => Err(no_h2(target, "it chose no protocol")),
    }
}

/// The server did not agree to HTTP/2: worded as probe words it.
fn no_h2(target: &Target, detail: &str) -> ExchangeError {
    ExchangeError::new(
        ErrorKind::Protocol,
        format!(
            "{}: the server did not agree to HTTP/2 (ALPN h2; {detail}); drop --http2 to load it over HTTP/1.1",
            target.addr
        ),
    )
}

/// With `--http2`, check before the run that every TLS origin agrees to HTTP/2: a run whose
/// every connection would fail the same way is not a measurement (exit 3, one line). Other
/// failures (refused, certificate) are left to the run, which counts them.
pub fn check_h2_agreed(targets: &[Target], cfg: &ConnConfig) -> Result<(), String> {
    if !cfg.http2 {
        return Ok(());
    }
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return Ok(());
    };
    let mut seen = Vec::new();
    for t in targets.iter().filter(|t| t.tls) {
        if seen.contains(&t.addr) {
            continue;
        }
        seen.push(t.addr);
        let verdict = rt.block_on(async {
            let tcp = tcp_connect(t, cfg).await?;
            let stream = tls_connect(t, cfg, tcp).await?;
            negotiated_h2(t, cfg, &stream).map(|_| ())
        });
        if let Err(e) = verdict
            && e.kind == ErrorKind::Protocol
        {
            return Err(e.message);
        }
    }
    Ok(())
}

async fn handshake<T>(io: T, h2: bool) -> Result<Conn, ExchangeError>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    if h2 {
        Ok(Conn::H2(h2conn::handshake(io).await?))
    } else {
        let (sender, conn) = http1::handshake(TokioIo::new(io))
            .await
            .map_err(|e| classify(&e))?;
        tokio::task::spawn_local(async move {
            let _ = conn.await;
        });
        Ok(Conn::H1(sender))
    }
}

/// Wait until the connection can take a request; false when it has been closed (the caller
/// reconnects: an idle connection closed by the server is not a request failure).
pub async fn ready(conn: &mut Conn) -> bool {
    match conn {
        Conn::Plain(c) => c.ready(),
        Conn::H1(s) => s.ready().await.is_ok(),
        Conn::H2(c) => c.ready().await,
    }
}

/// What one exchange sends: target `t` of the run's template, or a request of a `--targets`
/// file.
pub enum Sendable<'a> {
    Template {
        t: usize,
        target: &'a Target,
        template: &'a Template,
    },
    Prepared(&'a Prepared),
}

impl Sendable<'_> {
    fn head(&self) -> bool {
        match self {
            Sendable::Template { template, .. } => template.method == http::Method::HEAD,
            Sendable::Prepared(p) => p.method == http::Method::HEAD,
        }
    }

    fn wire(&self) -> Option<&Bytes> {
        match self {
            Sendable::Template { t, template, .. } => template.wire.get(*t),
            Sendable::Prepared(p) => Some(&p.wire),
        }
    }

    fn h2_head(&self) -> h2conn::Head<'_> {
        match self {
            Sendable::Template {
                target, template, ..
            } => h2conn::Head {
                method: &template.method,
                uri: &target.absolute,
                headers: &template.headers,
                body: &template.body,
            },
            Sendable::Prepared(p) => h2conn::Head {
                method: &p.method,
                uri: &p.absolute,
                headers: &p.h2_headers,
                body: &p.body,
            },
        }
    }

    fn request(&self, h2: bool) -> hyper::Request<Full<Bytes>> {
        match self {
            Sendable::Template {
                t,
                target,
                template,
            } => template.request(*t, target, h2),
            Sendable::Prepared(p) => p.request(h2),
        }
    }
}

/// Send one request and read the whole response body.
pub async fn exchange(
    conn: &mut Conn,
    what: Sendable<'_>,
    group_by: Option<&HeaderName>,
) -> Result<Answer, ExchangeError> {
    let h2 = conn.is_h2();
    let resp = match conn {
        Conn::Plain(c) => {
            let head = what.head();
            return match what.wire() {
                Some(wire) => c.exchange(wire, head, group_by).await,
                None => Err(ExchangeError::new(
                    ErrorKind::Protocol,
                    "no request prepared for this target",
                )),
            };
        }
        Conn::H1(s) => s.send_request(what.request(h2)).await,
        Conn::H2(c) => return c.exchange(what.h2_head(), group_by).await,
    }
    .map_err(|e| classify(&e))?;
    let status = resp.status();
    let group = group_by.and_then(|name| resp.headers().get(name).cloned());
    let close = !h2
        && resp
            .headers()
            .get(http::header::CONNECTION)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"close"));
    let mut body = resp.into_body();
    let mut bytes = 0u64;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| classify(&e))?;
        if let Some(data) = frame.data_ref() {
            bytes += data.len() as u64;
        }
    }
    Ok(Answer {
        status,
        bytes,
        group,
        close,
    })
}

/// Sort a hyper error into a category: resets (from the socket or a connection closed
/// mid-message), TLS, timeouts, and everything else the peer did wrong is protocol.
pub fn classify(e: &hyper::Error) -> ExchangeError {
    let message = error_chain(e);
    let mut src: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(cur) = src {
        if let Some(io) = cur.downcast_ref::<std::io::Error>() {
            return classify_io(io, message);
        }
        if cur.downcast_ref::<rustls::Error>().is_some() {
            return ExchangeError::new(ErrorKind::Tls, message);
        }
        src = cur.source();
    }
    let kind = if e.is_incomplete_message() || e.is_canceled() || e.is_closed() {
        ErrorKind::Reset
    } else if e.is_timeout() {
        ErrorKind::RequestTimeout
    } else {
        ErrorKind::Protocol
    };
    ExchangeError::new(kind, message)
}

/// A request that did not answer within `--timeout`.
pub fn timeout_error(timeout: Duration) -> ExchangeError {
    ExchangeError::new(
        ErrorKind::RequestTimeout,
        format!(
            "no complete response within {}",
            humantime::format_duration(timeout)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_roundtrip() {
        for k in ErrorKind::ALL {
            assert_eq!(ErrorKind::from_key(k.key()), Some(k));
            assert_eq!(ErrorKind::ALL[k.index()], k);
        }
        assert_eq!(ErrorKind::from_key("nope"), None);
    }
}
