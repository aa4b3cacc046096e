//! A unary gRPC call over an HTTP/2 connection the caller opened (hyper's
//! `client::conn::http2::SendRequest`), for `check`'s health check and for tests. Split in
//! two, [`send`] (request out, response head back) and [`read_reply`] (messages and
//! trailers), so a caller can time the first byte apart from the rest; [`unary`] does both.
//!
//! The status comes from the trailers, or from the head of a trailers-only response; an HTTP
//! status other than 200 maps as grpc/doc/http-grpc-status-mapping.md says.

use super::frame::{self, Decoder, FrameError};
use super::status::{Code, grpc_message_decode, status_of};
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Response, header};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::client::conn::http2::SendRequest;
use std::time::Duration;

const USER_AGENT: &str = concat!("lbctl/", env!("CARGO_PKG_VERSION"));

/// The answer to one unary call.
#[derive(Debug, Clone)]
pub struct Reply {
    pub code: Code,
    /// `grpc-message`, decoded (empty when absent).
    pub message: String,
    /// The response message, when one came.
    pub body: Option<Bytes>,
    /// The trailers (or the head of a trailers-only response).
    pub trailers: HeaderMap,
    pub http_status: u16,
    /// The response's content-type was application/grpc (false: the peer is not gRPC).
    pub is_grpc: bool,
}

/// Why a call could not be made or read (transport errors; a gRPC error is a [`Reply`]).
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error("cannot build the request: {0}")]
    Build(#[from] http::Error),
    /// hyper's error and its sources in one line ("http2 error: stream error received: ...").
    #[error("{}", chain(.0))]
    Http(#[from] hyper::Error),
    #[error("bad response message: {0}")]
    Frame(#[from] FrameError),
}

fn chain(e: &hyper::Error) -> String {
    let mut s = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(inner) = src {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        src = inner.source();
    }
    s
}

/// Send one unary call: `authority` is `host:port`, `path` `/package.Service/Method`, `msg`
/// the encoded request message. Returns the response head (the first byte has arrived).
pub async fn send(
    sender: &mut SendRequest<Full<Bytes>>,
    scheme: &str,
    authority: &str,
    path: &str,
    msg: &[u8],
    timeout: Option<Duration>,
) -> Result<Response<Incoming>, CallError> {
    send_with(sender, scheme, authority, path, msg, timeout, &[]).await
}

/// [`send`] with custom metadata (request headers such as `authorization`); a metadata entry
/// never replaces the gRPC headers this call sets.
pub async fn send_with(
    sender: &mut SendRequest<Full<Bytes>>,
    scheme: &str,
    authority: &str,
    path: &str,
    msg: &[u8],
    timeout: Option<Duration>,
    metadata: &[(HeaderName, HeaderValue)],
) -> Result<Response<Incoming>, CallError> {
    let mut req = Request::builder()
        .method(Method::POST)
        .uri(format!("{scheme}://{authority}{path}"))
        .header(header::CONTENT_TYPE, "application/grpc")
        // PROTOCOL-HTTP2.md: "TE: trailers" is required (it detects proxies that drop them).
        .header(header::TE, "trailers")
        .header(header::USER_AGENT, USER_AGENT)
        .body(Full::new(frame::encode(msg)))?;
    for (k, v) in metadata {
        // Reserved: set above, or connection-specific (RFC 9113 8.2.2).
        let reserved = [
            header::CONTENT_TYPE,
            header::TE,
            header::HOST,
            header::CONNECTION,
        ];
        if !reserved.contains(k) && k.as_str() != "grpc-timeout" {
            req.headers_mut().append(k.clone(), v.clone());
        }
    }
    if let Some(t) = timeout
        && let Ok(v) = HeaderValue::from_str(&super::status::format_timeout(t))
    {
        req.headers_mut().insert("grpc-timeout", v);
    }
    sender.ready().await?;
    Ok(sender.send_request(req).await?)
}

/// Read a response to the end: its first message (bounded by `max` bytes) and its status.
pub async fn read_reply(resp: Response<Incoming>, max: usize) -> Result<Reply, CallError> {
    let (parts, mut body) = resp.into_parts();
    let http_status = parts.status.as_u16();
    let is_grpc = super::is_grpc(&parts.headers);
    // Trailers-only: the status is in the head and the stream ends there.
    let mut trailers = if status_of(&parts.headers).is_some() {
        parts.headers.clone()
    } else {
        HeaderMap::new()
    };
    let mut decoder = Decoder::new(max);
    let mut first: Option<Bytes> = None;
    let read_body = http_status == 200 && is_grpc;
    while let Some(f) = body.frame().await {
        let f = f?;
        match f.into_data() {
            Ok(data) if read_body => {
                decoder.push(&data);
                while let Some(m) = decoder.next_message()? {
                    first.get_or_insert(m);
                }
            }
            Ok(_) => {}
            Err(f) => {
                if let Ok(t) = f.into_trailers() {
                    trailers = t;
                }
            }
        }
    }
    if read_body {
        decoder.finish()?;
    }
    let message = trailers
        .get("grpc-message")
        .map(|v| grpc_message_decode(v.as_bytes()))
        .unwrap_or_default();
    let code = if http_status != 200 {
        Code::from_http(http_status)
    } else {
        match status_of(&trailers) {
            Some(n) => Code::from_number(n).unwrap_or(Code::Unknown),
            // PROTOCOL-HTTP2.md: a response without a status is an error (grpc-go: INTERNAL).
            None => Code::Internal,
        }
    };
    Ok(Reply {
        code,
        message,
        body: first,
        trailers,
        http_status,
        is_grpc,
    })
}

/// One unary call, start to end.
pub async fn unary(
    sender: &mut SendRequest<Full<Bytes>>,
    authority: &str,
    path: &str,
    msg: &[u8],
    timeout: Option<Duration>,
) -> Result<Reply, CallError> {
    let resp = send(sender, "http", authority, path, msg, timeout).await?;
    read_reply(resp, frame::DEFAULT_MAX).await
}
