//! The shapes of a gRPC backend's answers (PROTOCOL-HTTP2.md, "Responses"): a message then
//! trailers, a trailers-only status (HTTP 200 with `grpc-status` in the head and END_STREAM on
//! it), a server stream fed from a task through a channel, and a plain HTTP answer for what
//! is not gRPC. [`Body`] is the one response body type `serve/grpc.rs` hands hyper.

use crate::grpc::{Code, frame, grpc_message_encode};
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Response, StatusCode, header};
use http_body::{Frame, SizeHint};
use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::sync::mpsc;

/// Frames a stream may queue before the sending task waits for the client.
const STREAM_QUEUE: usize = 16;

/// A response body: nothing (trailers-only), a fixed list of frames, or a stream.
pub enum Body {
    Empty,
    Frames(std::collections::VecDeque<Frame<Bytes>>),
    Stream(mpsc::Receiver<Frame<Bytes>>),
}

impl http_body::Body for Body {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match self.get_mut() {
            Body::Empty => Poll::Ready(None),
            Body::Frames(q) => Poll::Ready(q.pop_front().map(Ok)),
            Body::Stream(rx) => rx.poll_recv(cx).map(|f| f.map(Ok)),
        }
    }

    /// true for trailers-only, so hyper puts END_STREAM on the HEADERS frame.
    fn is_end_stream(&self) -> bool {
        match self {
            Body::Empty => true,
            Body::Frames(q) => q.is_empty(),
            Body::Stream(_) => false,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Body::Empty => SizeHint::with_exact(0),
            _ => SizeHint::default(),
        }
    }
}

/// `grpc-status` and, when there is one, `grpc-message`.
fn status_headers(h: &mut HeaderMap, code: Code, message: &str) {
    h.insert("grpc-status", code.header_value());
    if !message.is_empty()
        && let Ok(v) = HeaderValue::from_str(&grpc_message_encode(message))
    {
        h.insert("grpc-message", v);
    }
}

fn grpc_head(body: Body) -> Response<Body> {
    let mut resp = Response::new(body);
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/grpc"),
    );
    resp
}

/// A unary answer: one message with status OK, or a status alone.
pub struct Reply {
    code: Code,
    message: String,
    body: Option<Vec<u8>>,
}

impl Reply {
    /// One response message, then `grpc-status: 0`.
    pub fn message(body: Vec<u8>) -> Reply {
        Reply {
            code: Code::Ok,
            message: String::new(),
            body: Some(body),
        }
    }

    /// A status with no message, sent trailers-only.
    pub fn status(code: Code, message: impl Into<String>) -> Reply {
        Reply {
            code,
            message: message.into(),
            body: None,
        }
    }

    pub fn into_response(self) -> Response<Body> {
        match self.body {
            None => {
                let mut resp = grpc_head(Body::Empty);
                status_headers(resp.headers_mut(), self.code, &self.message);
                resp
            }
            Some(b) => {
                let mut trailers = HeaderMap::new();
                status_headers(&mut trailers, self.code, &self.message);
                let frames = [Frame::data(frame::encode(&b)), Frame::trailers(trailers)];
                grpc_head(Body::Frames(frames.into_iter().collect()))
            }
        }
    }

    /// A plain HTTP answer (admin actions, a request that is not gRPC).
    pub fn http(status: StatusCode, text: &'static str) -> Response<Body> {
        let frames = [Frame::data(Bytes::from_static(text.as_bytes()))];
        let mut resp = Response::new(Body::Frames(frames.into_iter().collect()));
        *resp.status_mut() = status;
        resp.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        resp
    }

    /// A server stream: the response to return now and the sender a task feeds.
    pub fn streaming() -> (StreamTx, Response<Body>) {
        let (tx, rx) = mpsc::channel(STREAM_QUEUE);
        (StreamTx(tx), grpc_head(Body::Stream(rx)))
    }
}

/// The sending end of a server stream.
pub struct StreamTx(mpsc::Sender<Frame<Bytes>>);

impl StreamTx {
    /// Send one message; false once the client has gone (stop sending).
    pub async fn message(&self, msg: &[u8]) -> bool {
        self.0.send(Frame::data(frame::encode(msg))).await.is_ok()
    }

    /// End the stream with a status in the trailers.
    pub async fn finish(self, code: Code, message: &str) {
        let mut trailers = HeaderMap::new();
        status_headers(&mut trailers, code, message);
        let _ = self.0.send(Frame::trailers(trailers)).await;
    }

    /// Resolves when the client has gone.
    pub async fn closed(&self) {
        self.0.closed().await
    }
}
