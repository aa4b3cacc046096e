//! The HTTP(S) check on hyper's connection-level client: one connection per hop that this
//! module opens and times itself (TCP, then rustls for https://), HTTP/1.1 or HTTP/2 (ALPN
//! `h2`, or prior knowledge for h2c), and a small loop for redirects when asked to follow.

use super::request::{self, Hop};
use super::{
    Answer, CheckSpec, Fail, FailKind, HttpVersion, Phase, Progress, Scheme, Target, connect,
    default_tls, tls,
};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::pki_types::ServerName;
use std::time::Instant;
use tokio::io::{AsyncRead, AsyncWrite};

/// Body bytes kept for conditions (the rest is read and counted, not kept).
const MAX_KEEP: usize = 1 << 20;
/// Body bytes read at most; a longer body is cut (the check is about health, not downloads).
const MAX_READ: u64 = 8 << 20;
/// HTTP/2 over TLS needs ALPN "h2" (RFC 9113 3.2); the server chose something else or nothing.
const NO_H2: &str = "the server did not agree to HTTP/2 (ALPN h2)";
pub(super) const USER_AGENT: &str = concat!("lbctl-probe/", env!("CARGO_PKG_VERSION"));

/// The connection driver task, stopped when the check ends (or is cancelled by its timeout).
pub(super) struct AbortOnDrop(pub(super) tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

pub(super) async fn check(
    spec: &CheckSpec,
    target: &Target,
    p: &mut Progress,
) -> Result<Option<Answer>, Fail> {
    let mut current = target.clone();
    let mut send = Hop::first(spec);
    let mut hops = 0u32;
    loop {
        // The Host override belongs to the target's own server, not to hosts redirected to.
        let host = spec
            .host
            .as_deref()
            .filter(|_| current.host == target.host && current.port == target.port);
        let Some((status, answer)) = hop(spec, &send, &current, host, p).await? else {
            return Ok(None);
        };
        let location = answer
            .headers
            .get(::http::header::LOCATION)
            .and_then(|v| v.to_str().ok());
        let redirect = matches!(status, 301 | 302 | 303 | 307 | 308);
        match location {
            Some(loc) if redirect && spec.follow > 0 => {
                if hops >= spec.follow {
                    return Err(Fail::new(
                        FailKind::Protocol,
                        format!("more than {} redirects (next: {loc})", spec.follow),
                    ));
                }
                let next = current.join(loc).map_err(|e| {
                    Fail::new(
                        FailKind::Protocol,
                        format!("bad redirect location '{loc}': {}", e.problem),
                    )
                })?;
                send = send.redirected(status, target, &next);
                current = next;
                hops += 1;
                p.out.redirects = hops;
            }
            _ => return Ok(Some(answer)),
        }
    }
}

/// The TLS phase of an https:// or grpcs:// check: the handshake (SNI from the Host override,
/// else the target's host), timed, and the earliest certificate expiry kept. A refused ALPN is
/// `no_h2` when `version` needs HTTP/2; a peer that speaks no TLS gets the plain scheme of its
/// kind as advice (http:// or grpc://).
pub(super) async fn tls_phase(
    spec: &CheckSpec,
    t: &Target,
    host_override: Option<&str>,
    version: HttpVersion,
    no_h2: &'static str,
    tcp: tokio::net::TcpStream,
    p: &mut Progress,
) -> Result<tokio_rustls::client::TlsStream<tokio::net::TcpStream>, Fail> {
    p.enter(Phase::Tls);
    let cfg = match &spec.tls {
        Some(c) => c.clone(),
        None => default_tls(version)?,
    };
    let sni = match host_override {
        Some(h) => strip_port(h),
        None => t.host.as_str(),
    };
    let name = ServerName::try_from(sni.to_string()).map_err(|_| {
        Fail::new(
            FailKind::Tls,
            format!("'{sni}' is not a valid TLS server name"),
        )
    })?;
    let t0 = Instant::now();
    let stream = tokio_rustls::TlsConnector::from(cfg)
        .connect(name, tcp)
        .await
        .map_err(|e| {
            if crate::tls::alpn_refused(&e) && version == HttpVersion::Http2 {
                return Fail::new(FailKind::Protocol, no_h2);
            }
            let why = crate::tls::explain_io(&e);
            // explain_io's advice names the HTTP scheme; the plain-text gRPC one is grpc://.
            let text = match t.scheme {
                Scheme::Grpcs => why.text.replace("try http://", "try grpc://"),
                Scheme::Wss => why.text.replace("try http://", "try ws://"),
                _ => why.text,
            };
            Fail {
                tls_fix: why.fix,
                ..Fail::new(FailKind::Tls, format!("tls handshake failed: {text}"))
            }
        })?;
    p.out.timings.tls = Some(t0.elapsed());
    if let Some(certs) = stream.get_ref().1.peer_certificates() {
        p.out.cert_not_after = tls::earliest_not_after(certs);
    }
    p.out.tls = Some(Box::new(super::tls_info::describe(stream.get_ref().1)));
    Ok(stream)
}

/// One request on a fresh connection; None for `cert_only` (handshake done, nothing sent).
async fn hop(
    spec: &CheckSpec,
    send: &Hop,
    t: &Target,
    host_override: Option<&str>,
    p: &mut Progress,
) -> Result<Option<(u16, Answer)>, Fail> {
    if spec.cert_only && t.scheme != Scheme::Https {
        return Err(Fail::new(
            FailKind::Protocol,
            "cert-only needs an https:// target",
        ));
    }
    let tcp = connect(&t.host, t.port, p).await?;
    let host_header = host_override
        .map(str::to_string)
        .unwrap_or_else(|| t.host_header());
    if t.scheme != Scheme::Https {
        let h2 = spec.version == HttpVersion::Http2;
        return request(spec, send, t, &host_header, tcp, h2, p)
            .await
            .map(Some);
    }
    let stream = tls_phase(spec, t, host_override, spec.version, NO_H2, tcp, p).await?;
    let (_, conn) = stream.get_ref();
    let h2 = conn.alpn_protocol() == Some(b"h2".as_slice());
    if spec.cert_only {
        return Ok(None);
    }
    if spec.version == HttpVersion::Http2 && !h2 {
        return Err(Fail::new(FailKind::Protocol, NO_H2));
    }
    request(spec, send, t, &host_header, stream, h2, p)
        .await
        .map(Some)
}

/// The Last-Modified header as Unix seconds (RFC 9110 5.6.7 HTTP-date, all three forms, as
/// Go's http.ParseTime reads it for blackbox), None when absent, malformed or before 1970.
fn last_modified(headers: &::http::HeaderMap) -> Option<i64> {
    let v = headers.get(::http::header::LAST_MODIFIED)?.to_str().ok()?;
    let t = httpdate::parse_http_date(v.trim()).ok()?;
    let secs = t.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
    i64::try_from(secs).ok()
}

/// `host` of `host:port` / `[v6]:port` (for SNI from a Host override).
pub(super) fn strip_port(h: &str) -> &str {
    if let Some(rest) = h.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match h.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => h,
    }
}

/// A hyper error and its sources in one line; a TLS error inside (an alert after the
/// handshake) in words ([`crate::tls::explain`]), since rustls' Display shows Debug forms.
fn protocol(e: hyper::Error) -> Fail {
    Fail::new(FailKind::Protocol, format!("http: {}", error_chain(&e)))
}

/// A hyper error and its sources in one line (TLS errors inside in words).
pub(super) fn error_chain(e: &hyper::Error) -> String {
    let mut reason = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        // rustls' error, bare or inside an io::Error (whose source() skips the inner error).
        let tls = s.downcast_ref::<rustls::Error>().or_else(|| {
            s.downcast_ref::<std::io::Error>()
                .and_then(|io| io.get_ref())
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        });
        if let Some(tls) = tls {
            reason.push_str(&format!(": {}", crate::tls::explain(tls).text));
            break;
        }
        reason.push_str(&format!(": {s}"));
        src = s.source();
    }
    reason
}

async fn request<IO>(
    spec: &CheckSpec,
    send: &Hop,
    t: &Target,
    host_header: &str,
    io: IO,
    h2: bool,
    p: &mut Progress,
) -> Result<(u16, Answer), Fail>
where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let io = TokioIo::new(io);
    // HTTP/2 carries the host in :authority (from an absolute URI); HTTP/1.1 in Host.
    let uri = if h2 {
        format!("{}://{}{}", t.scheme.as_str(), host_header, t.path)
    } else {
        t.path.clone()
    };
    let mut builder = ::http::Request::builder()
        .method(send.method.clone())
        .uri(uri)
        .header(::http::header::USER_AGENT, USER_AGENT)
        .header(::http::header::ACCEPT, "*/*");
    if !h2 {
        builder = builder.header(::http::header::HOST, host_header);
    }
    // An empty Full is no content at all (no DATA frame, no Content-Length), as before bodies.
    let content = send.body.clone().unwrap_or_default();
    let mut req = builder
        .body(Full::new(content))
        .map_err(|e| Fail::new(FailKind::Protocol, format!("cannot build the request: {e}")))?;
    request::apply(spec, send, h2, req.headers_mut());
    p.enter(Phase::FirstByte);
    let t0 = Instant::now();
    let (resp, _driver) = if h2 {
        let (mut sender, conn) = hyper::client::conn::http2::handshake(TokioExecutor::new(), io)
            .await
            .map_err(protocol)?;
        let driver = AbortOnDrop(tokio::spawn(async move {
            let _ = conn.await;
        }));
        (sender.send_request(req).await.map_err(protocol)?, driver)
    } else {
        let (mut sender, conn) = hyper::client::conn::http1::handshake(io)
            .await
            .map_err(protocol)?;
        let driver = AbortOnDrop(tokio::spawn(async move {
            let _ = conn.await;
        }));
        (sender.send_request(req).await.map_err(protocol)?, driver)
    };
    p.out.timings.ttfb = Some(t0.elapsed());
    p.out.http_version = Some(if h2 { "HTTP/2" } else { "HTTP/1.1" });
    let status = resp.status().as_u16();
    p.out.status = Some(status);
    p.enter(Phase::Body);
    let (parts, mut body) = resp.into_parts();
    p.out.content_length = parts
        .headers
        .get(::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok());
    p.out.last_modified = last_modified(&parts.headers);
    let keep = spec.conditions.needs_body();
    // A limit above the usual cap is read up to (one byte past) the limit, to tell.
    let cap = spec
        .body_limit
        .map_or(MAX_READ, |l| l.saturating_add(1).max(MAX_READ));
    let mut buf: Vec<u8> = Vec::new();
    let mut total = 0u64;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(protocol)?;
        if let Ok(data) = frame.into_data() {
            total += data.len() as u64;
            p.out.body_bytes = total;
            if let Some(limit) = spec.body_limit
                && total > limit
            {
                // blackbox's body_size_limit: a longer body fails the probe.
                let shown = if limit < 1024 {
                    format!("{limit} bytes")
                } else {
                    format!("{} ({limit} bytes)", crate::spec::format_size(limit))
                };
                return Err(Fail::new(
                    FailKind::Protocol,
                    format!("body is over the limit of {shown}: {total} bytes read"),
                ));
            }
            if keep && buf.len() < MAX_KEEP {
                let room = MAX_KEEP - buf.len();
                buf.extend_from_slice(&data[..data.len().min(room)]);
            }
            if total >= cap {
                break;
            }
        }
    }
    p.out.body_bytes = total;
    Ok((
        status,
        Answer {
            headers: parts.headers,
            body: Bytes::from(buf),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::strip_port;

    #[test]
    fn last_modified_in_the_three_http_date_forms() {
        let mut h = ::http::HeaderMap::new();
        assert_eq!(super::last_modified(&h), None);
        for v in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            h.insert(::http::header::LAST_MODIFIED, v.parse().unwrap());
            assert_eq!(super::last_modified(&h), Some(784_111_777), "{v}");
        }
        h.insert(::http::header::LAST_MODIFIED, "yesterday".parse().unwrap());
        assert_eq!(super::last_modified(&h), None);
    }

    #[test]
    fn sni_from_host_override() {
        assert_eq!(strip_port("example.com:8443"), "example.com");
        assert_eq!(strip_port("example.com"), "example.com");
        assert_eq!(strip_port("[::1]:443"), "::1");
    }
}
