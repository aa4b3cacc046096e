//! The WebSocket check (`ws://HOST[:PORT]/PATH`, `wss://...`): the RFC 6455 opening handshake
//! on a connection this module opens and times itself (TCP, then rustls with ALPN http/1.1
//! for wss://, since RFC 6455 upgrades HTTP/1.1), an optional text message (`--ws-send`),
//! the first data message received, then the close handshake (status 1000, the peer's close
//! frame awaited for a bounded time).
//!
//! The frames are tokio-tungstenite's: it sends the Sec-WebSocket-Key, checks the 101, the
//! Upgrade and Connection headers and Sec-WebSocket-Accept (RFC 6455 4.1), masks what the
//! client sends, rejects reserved bits and masked server frames, reassembles fragments and
//! answers pings. This module bounds what it reads (a frame or message over 1 MiB fails the
//! check) and keeps at most 64 KiB of the message for conditions and output.

use super::ws_data::{MAX_KEPT, WsInfo, ms};
use super::{CheckSpec, Fail, FailKind, HttpVersion, Phase, Progress, Scheme, Target, connect};
use futures_util::{SinkExt, StreamExt};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_tungstenite::tungstenite::protocol::{
    CloseFrame, WebSocketConfig, frame::coding::CloseCode,
};
use tokio_tungstenite::tungstenite::{Error as WsError, Message, client::IntoClientRequest};

/// The largest frame and message accepted (a health probe's answer is small).
const MAX_MESSAGE: usize = 1 << 20;
/// How long the peer has to answer our close frame (less when the timeout is nearer).
const CLOSE_WAIT: Duration = Duration::from_secs(2);
/// A TLS server that insists on h2 cannot take an HTTP/1.1 upgrade (RFC 8441 is not spoken).
const NO_H1: &str = "the server did not agree to HTTP/1.1 (ALPN), which a WebSocket upgrade needs";

pub(super) async fn check(spec: &CheckSpec, t: &Target, p: &mut Progress) -> Result<(), Fail> {
    let tcp = connect(&t.host, t.port, p).await?;
    if t.scheme != Scheme::Wss {
        return exchange(spec, t, tcp, p).await;
    }
    // The trust settings of --cacert/--insecure, but ALPN http/1.1 only.
    let tls = spec.tls.as_ref().map(|cfg| {
        let mut own = rustls::ClientConfig::clone(cfg);
        own.alpn_protocols = vec![b"http/1.1".to_vec()];
        Arc::new(own)
    });
    let tls_spec = CheckSpec {
        tls,
        ..CheckSpec::default()
    };
    let stream = super::http::tls_phase(
        &tls_spec,
        t,
        spec.host.as_deref(),
        HttpVersion::Http1,
        NO_H1,
        tcp,
        p,
    )
    .await?;
    exchange(spec, t, stream, p).await
}

fn info(p: &mut Progress) -> &mut WsInfo {
    p.out.ws.get_or_insert_with(Default::default)
}

async fn exchange<S>(spec: &CheckSpec, t: &Target, io: S, p: &mut Progress) -> Result<(), Fail>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let host_header = spec.host.clone().unwrap_or_else(|| t.host_header());
    let uri = format!("{}://{}{}", t.scheme.as_str(), t.host_header(), t.path);
    let mut req = uri.as_str().into_client_request().map_err(|e| {
        Fail::new(
            FailKind::Protocol,
            format!("cannot build the upgrade request: {e}"),
        )
    })?;
    let headers = req.headers_mut();
    let host = ::http::HeaderValue::from_str(&host_header)
        .map_err(|_| Fail::new(FailKind::Protocol, format!("bad Host '{host_header}'")))?;
    headers.insert(::http::header::HOST, host);
    headers.insert(
        ::http::header::USER_AGENT,
        ::http::HeaderValue::from_static(super::http::USER_AGENT),
    );
    for (name, value) in &spec.headers {
        headers.append(name.clone(), value.clone());
    }
    if let Some(auth) = &spec.authorization {
        headers.insert(::http::header::AUTHORIZATION, auth.clone());
    }
    let config = WebSocketConfig::default()
        .max_frame_size(Some(MAX_MESSAGE))
        .max_message_size(Some(MAX_MESSAGE));

    p.enter(Phase::Upgrade);
    let t0 = Instant::now();
    let (mut ws, resp) = tokio_tungstenite::client_async_with_config(req, io, Some(config))
        .await
        .map_err(|e| upgrade_failed(e, p))?;
    let upgrade = t0.elapsed();
    p.out.timings.ttfb = Some(upgrade);
    p.out.status = Some(resp.status().as_u16());
    p.out.http_version = Some("HTTP/1.1");
    let subprotocol = resp
        .headers()
        .get(::http::header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    *info(p) = WsInfo {
        subprotocol,
        upgrade_ms: Some(ms(upgrade)),
        close: "not sent".into(),
        ..WsInfo::default()
    };

    let t1 = Instant::now();
    if let Some(text) = &spec.ws_send {
        ws.send(Message::text(text.as_str()))
            .await
            .map_err(|e| Fail::new(FailKind::Protocol, format!("send: {}", ws_reason(&e))))?;
    }
    let wants_message =
        spec.ws_send.is_some() || spec.conditions.fields.iter().any(|f| f.wants_ws_message());
    if wants_message {
        p.enter(Phase::Message);
        loop {
            let msg = match ws.next().await {
                Some(Ok(m)) => m,
                Some(Err(e)) => {
                    return Err(Fail::new(
                        FailKind::Protocol,
                        format!("while waiting for the first message: {}", ws_reason(&e)),
                    ));
                }
                None => {
                    info(p).close = "dropped".into();
                    return Err(Fail::new(
                        FailKind::Protocol,
                        "the connection closed before a message arrived",
                    ));
                }
            };
            let (kind, bytes): (&str, &[u8]) = match &msg {
                Message::Text(s) => ("text", s.as_bytes()),
                Message::Binary(b) => ("binary", b),
                Message::Close(frame) => {
                    let i = info(p);
                    i.close = "peer".into();
                    i.close_code = frame.as_ref().map(|f| u16::from(f.code));
                    return Err(Fail::new(
                        FailKind::Protocol,
                        format!(
                            "the server closed the WebSocket ({}) before sending a message",
                            close_words(frame.as_ref())
                        ),
                    ));
                }
                // Pings are answered by the library; pongs and raw frames are not messages.
                _ => continue,
            };
            let kept = &bytes[..bytes.len().min(MAX_KEPT)];
            let i = info(p);
            i.first_message_ms = Some(ms(t1.elapsed()));
            i.message_kind = Some(kind.into());
            i.message_bytes = bytes.len() as u64;
            i.message = Some(String::from_utf8_lossy(kept).into_owned());
            break;
        }
    }

    // The close handshake (RFC 6455 5.5.1, 7.1.2): send 1000, wait for the peer's close frame.
    p.enter(Phase::Closing);
    let t2 = Instant::now();
    let bound = p.remaining().min(CLOSE_WAIT);
    let closing = async {
        let frame = CloseFrame {
            code: CloseCode::Normal,
            reason: "".into(),
        };
        if ws.close(Some(frame)).await.is_err() {
            return ("dropped", None);
        }
        loop {
            match ws.next().await {
                Some(Ok(Message::Close(f))) => return ("clean", f.map(|f| u16::from(f.code))),
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return ("dropped", None),
            }
        }
    };
    let (close, code) = tokio::time::timeout(bound, closing)
        .await
        .unwrap_or(("no reply", None));
    let i = info(p);
    i.close = close.into();
    i.close_code = code;
    i.close_ms = Some(ms(t2.elapsed()));
    Ok(())
}

/// The upgrade did not happen: a status other than 101 (kept in the outcome), a bad
/// Sec-WebSocket-Accept, or the connection failing.
fn upgrade_failed(e: WsError, p: &mut Progress) -> Fail {
    if let WsError::Http(resp) = &e {
        let status = resp.status();
        p.out.status = Some(status.as_u16());
        p.out.http_version = Some("HTTP/1.1");
        // The body often says why (a missing subprotocol, a bad origin): its first line.
        let said = resp
            .body()
            .as_deref()
            .map(String::from_utf8_lossy)
            .and_then(|b| {
                b.lines()
                    .map(str::trim)
                    .find(|l| !l.is_empty())
                    .map(str::to_string)
            })
            .map_or(String::new(), |l| {
                format!(": '{}'", super::words::truncate(&l, 80))
            });
        return Fail::new(
            FailKind::Protocol,
            format!(
                "the server refused the WebSocket upgrade: status {} (want 101 Switching Protocols){said}",
                status.as_u16()
            ),
        );
    }
    Fail::new(
        FailKind::Protocol,
        format!("websocket upgrade failed: {}", ws_reason(&e)),
    )
}

/// A tungstenite error in plain words (TLS errors through [`crate::tls::explain_io`]).
fn ws_reason(e: &WsError) -> String {
    use tokio_tungstenite::tungstenite::error::ProtocolError as P;
    match e {
        WsError::Io(io) if io.get_ref().is_some_and(|i| i.is::<rustls::Error>()) => {
            crate::tls::explain_io(io).text
        }
        WsError::Io(io) => super::io_reason(io),
        WsError::Protocol(P::SecWebSocketAcceptKeyMismatch) => {
            "Sec-WebSocket-Accept does not match the key sent (RFC 6455 4.1)".into()
        }
        WsError::Protocol(P::ResetWithoutClosingHandshake) => {
            "connection reset without a close frame".into()
        }
        WsError::Capacity(_) => format!(
            "a frame or message is larger than {} KiB",
            MAX_MESSAGE >> 10
        ),
        WsError::ConnectionClosed | WsError::AlreadyClosed => "the connection is closed".into(),
        other => other.to_string(),
    }
}

/// `code 1008 'reason'` of a close frame, or that it had none.
fn close_words(frame: Option<&CloseFrame>) -> String {
    match frame {
        None => "no status code".into(),
        Some(f) if f.reason.is_empty() => format!("code {}", u16::from(f.code)),
        Some(f) => format!(
            "code {} '{}'",
            u16::from(f.code),
            super::words::truncate(&f.reason, 60)
        ),
    }
}
