//! The response body on its way back to the client: the backend's body streamed frame by frame
//! (never buffered), with the request's resources attached. When the last frame has passed, the
//! backend connection goes back to its keep-alive pool; when the body is dropped (complete or
//! not) the backend's in-flight count, its `maxconn` slot and the access-log line are released.

use crate::cli::AccessLog;
use crate::proxy::core::backend::Flight;
use crate::proxy::core::log;
use crate::proxy::core::upstream::Sender;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::{Body, Frame, Incoming, SizeHint};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll, ready};
use std::time::Instant;
use tokio::sync::OwnedSemaphorePermit;

/// An error from a transformed body (a codec's, or the relayed body's under it).
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// What the proxy answers with: a relayed backend body, a local body (errors, redirects, cache
/// hits), or a body transformed on its way (compressed, or copied into the cache as it passes).
/// The first two are the common case and stay unboxed.
pub enum RespBody {
    Relay(Relay),
    Local(Full<Bytes>),
    Transformed(http_body_util::combinators::UnsyncBoxBody<Bytes, BoxError>),
}

impl RespBody {
    /// A whole body held in memory.
    pub fn full(b: impl Into<Bytes>) -> Self {
        RespBody::Local(Full::new(b.into()))
    }

    /// Wrap any body (a compressor, a cache writer) as the answer's body.
    pub fn transformed<B>(b: B) -> Self
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        RespBody::Transformed(b.map_err(Into::into).boxed_unsync())
    }
}

impl Body for RespBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        // Every variant is Unpin (Relay holds no self-references; the box is a Pin<Box>).
        match self.get_mut() {
            RespBody::Relay(r) => Pin::new(r).poll_frame(cx).map_err(Into::into),
            RespBody::Local(f) => Pin::new(f).poll_frame(cx).map_err(|e| match e {}),
            RespBody::Transformed(b) => Pin::new(b).poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            RespBody::Relay(r) => r.is_end_stream(),
            RespBody::Local(f) => f.is_end_stream(),
            RespBody::Transformed(b) => b.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            RespBody::Relay(r) => r.size_hint(),
            RespBody::Local(f) => f.size_hint(),
            RespBody::Transformed(b) => b.size_hint(),
        }
    }
}

/// The access-log facts known when the response starts (allocated only when logging is on).
pub struct LogCtx {
    pub format: AccessLog,
    pub client: SocketAddr,
    pub method: http::Method,
    pub uri: http::Uri,
    pub version: http::Version,
    pub status: u16,
    pub start: Instant,
}

impl LogCtx {
    pub fn write(&self, backend: &str, bytes: u64) {
        log::access(
            self.format,
            &log::Access {
                client: self.client,
                method: self.method.as_str(),
                uri: &self.uri.to_string(),
                version: self.version,
                status: self.status,
                bytes,
                backend,
                duration: self.start.elapsed(),
            },
        );
    }
}

/// What is watched as the body passes: the access-log line to write at the end, and for a
/// gRPC call the `--fail-on-grpc` codes its trailers are checked against.
#[derive(Default)]
pub struct Watch {
    pub log: Option<Box<LogCtx>>,
    pub grpc_fail: Option<Arc<[u32]>>,
}

struct Done {
    flight: Flight,
    sender: Option<Sender>,
    _slot: Option<OwnedSemaphorePermit>,
    log: Option<Box<LogCtx>>,
    /// `--fail-on-grpc` codes, for a gRPC call (its status comes in the trailers).
    grpc_fail: Option<Arc<[u32]>>,
}

pub struct Relay {
    inner: Incoming,
    bytes: u64,
    done: Option<Done>,
}

impl Relay {
    pub fn new(
        inner: Incoming,
        flight: Flight,
        sender: Option<Sender>,
        slot: Option<OwnedSemaphorePermit>,
        watch: Watch,
    ) -> Self {
        let Watch { log, grpc_fail } = watch;
        Relay {
            inner,
            bytes: 0,
            done: Some(Done {
                flight,
                sender,
                _slot: slot,
                log,
                grpc_fail,
            }),
        }
    }

    fn finish(&mut self, complete: bool) {
        if let Some(mut d) = self.done.take() {
            let backend = &d.flight.0;
            backend.bytes_out.fetch_add(self.bytes, Ordering::Relaxed);
            if complete && let Some(s) = d.sender.take() {
                backend.pool.checkin(s);
            }
            if let Some(l) = &d.log {
                l.write(backend.name(), self.bytes);
            }
        }
    }
}

impl Body for Relay {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let this = &mut *self;
        match ready!(Pin::new(&mut this.inner).poll_frame(cx)) {
            Some(Ok(frame)) => {
                if let Some(d) = frame.data_ref() {
                    this.bytes += d.len() as u64;
                } else if let Some(t) = frame.trailers_ref()
                    && let Some(d) = &this.done
                    && let Some(fail) = &d.grpc_fail
                {
                    grpc_verdict(&d.flight.0, t, fail);
                }
                if this.inner.is_end_stream() {
                    this.finish(true);
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Some(Err(e)) => {
                // The backend broke its body (reset, early close, bad framing): the client's
                // response is cut short, a passive failure as on the HTTP/1.1 fast path.
                if let Some(d) = &this.done {
                    d.flight
                        .0
                        .passive_failure(&format!("the response body failed: {e}"));
                }
                this.finish(false);
                Poll::Ready(Some(Err(e)))
            }
            None => {
                this.finish(true);
                Poll::Ready(None)
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        // A body that was empty from the start may never be polled: it is still complete.
        let complete = self.inner.is_end_stream();
        self.finish(complete);
    }
}

/// Passive health from a gRPC status (`--fail-on-grpc`), in a trailers-only head or trailers.
pub fn grpc_verdict(
    backend: &crate::proxy::core::backend::Backend,
    headers: &http::HeaderMap,
    fail: &[u32],
) {
    if let Some(code) = crate::grpc::status::status_of(headers)
        && fail.contains(&code)
    {
        let name = crate::grpc::Code::from_number(code).map_or("?", |c| c.name());
        backend.passive_failure(&format!("grpc-status {code} {name}"));
    }
}

/// The proxy's own answer to a gRPC call: never an HTTP error page a gRPC client cannot read,
/// but HTTP 200, trailers-only, with `grpc-status` and `grpc-message` (PROTOCOL-HTTP2.md). Its
/// timeouts are DEADLINE_EXCEEDED; the rest follow gRPC's HTTP-to-gRPC status mapping
/// (UNAVAILABLE for 502/503, PERMISSION_DENIED for 403, UNIMPLEMENTED for 404...).
pub fn grpc_local(l: crate::proxy::http::local::Local) -> http::Response<RespBody> {
    use crate::grpc::Code;
    let code = match l.status {
        http::StatusCode::GATEWAY_TIMEOUT => Code::DeadlineExceeded,
        // A rate limit: RESOURCE_EXHAUSTED (8), what gRPC's own quota errors use.
        http::StatusCode::TOO_MANY_REQUESTS => Code::ResourceExhausted,
        s => Code::from_http(s.as_u16()),
    };
    let mut r = http::Response::new(RespBody::full(Bytes::new()));
    let h = r.headers_mut();
    h.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/grpc"),
    );
    h.insert("grpc-status", code.header_value());
    let text = format!("lbctl proxy: {}", l.text.trim_end());
    if let Ok(v) = http::HeaderValue::from_str(&crate::grpc::grpc_message_encode(&text)) {
        h.insert("grpc-message", v);
    }
    r
}

/// A local response (errors, 403, 503) with a short plain-text body.
pub fn local(l: crate::proxy::http::local::Local) -> http::Response<RespBody> {
    let mut r = http::Response::new(RespBody::full(Bytes::from_static(l.text.as_bytes())));
    *r.status_mut() = l.status;
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    if l.retry_after > 0 {
        r.headers_mut()
            .insert(http::header::RETRY_AFTER, l.retry_after.into());
    }
    r
}

/// The absolute URI of a request to an HTTP/2 backend: its scheme, the request's host (or the
/// backend's address) as :authority, and the origin-form target (service.rs and mirror.rs).
pub fn absolute(
    b: &crate::proxy::core::backend::Backend,
    host: Option<http::HeaderValue>,
    target: http::Uri,
) -> http::Uri {
    let scheme = if b.spec.tls { "https" } else { "http" };
    let authority = host
        .as_ref()
        .and_then(|h| h.to_str().ok())
        .unwrap_or_else(|| b.host_value.to_str().unwrap_or("localhost"));
    let pq = target.path_and_query().map_or("/", |p| p.as_str());
    http::Uri::builder()
        .scheme(scheme)
        .authority(authority)
        .path_and_query(pq)
        .build()
        .unwrap_or(target)
}
