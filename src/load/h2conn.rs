//! The HTTP/2 client of `lbctl load`, on the `h2` crate directly (hyper's own HTTP/2 client
//! sits on the same crate). Measured against h2load (benches/h2_vs_h2load.sh), hyper's layer
//! cost a task spawn, a dispatch channel and two oneshot channels per request; here a request
//! is `send_request` on a clone of the connection's handle, and the response is read on the
//! slot's own task. The connection's driver is one task on the worker's runtime, which marks
//! the connection closed when it ends.
//!
//! Settings follow h2load's defaults (nghttp2's h2load man page: `-w`/`-W` 30): stream and
//! connection windows of 2^30-1 bytes, so that a fast server is never held back by window
//! updates; no server push.

use super::outcome::{Answer, ErrorKind, ExchangeError, classify_io, error_chain};
use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName};
use http::{Method, Request, Uri};
use std::cell::Cell;
use std::rc::Rc;

/// h2load's default windows: 2^30 - 1.
const WINDOW: u32 = (1 << 30) - 1;

/// The largest response header block accepted (decoded, RFC 9113 6.5.2's accounting).
const MAX_HEADER_LIST: u32 = 1 << 20;

/// One HTTP/2 connection as a slot holds it: cheap to clone (one handle per stream slot).
#[derive(Clone)]
pub struct H2Conn {
    send: h2::client::SendRequest<Bytes>,
    closed: Rc<Cell<bool>>,
}

/// What one request sends.
pub struct Head<'a> {
    pub method: &'a Method,
    /// Absolute form: scheme and authority become :scheme and :authority.
    pub uri: &'a Uri,
    pub headers: &'a HeaderMap,
    pub body: &'a Bytes,
}

/// The HTTP/2 handshake over an open stream (TCP, or TLS that chose h2); the connection's
/// driver runs as a task on the current (worker-local) runtime.
pub async fn handshake<T>(io: T) -> Result<H2Conn, ExchangeError>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + 'static,
{
    let (send, conn) = h2::client::Builder::new()
        .initial_window_size(WINDOW)
        .initial_connection_window_size(WINDOW)
        .enable_push(false)
        // Bounded memory for a hostile server's response headers (h2's default is 16 MiB).
        .max_header_list_size(MAX_HEADER_LIST)
        .handshake::<T, Bytes>(io)
        .await
        .map_err(|e| classify(&e))?;
    let closed = Rc::new(Cell::new(false));
    let mark = closed.clone();
    tokio::task::spawn_local(async move {
        let _ = conn.await;
        mark.set(true);
    });
    Ok(H2Conn { send, closed })
}

impl H2Conn {
    /// Whether the connection has ended (a stream's own failure leaves it open).
    pub fn is_closed(&self) -> bool {
        self.closed.get()
    }

    /// Wait until this handle may open a stream; false when the connection is gone.
    pub async fn ready(&mut self) -> bool {
        if self.closed.get() {
            return false;
        }
        std::future::poll_fn(|cx| self.send.poll_ready(cx))
            .await
            .is_ok()
    }

    /// Send one request and read the whole response body.
    pub async fn exchange(
        &mut self,
        head: Head<'_>,
        group_by: Option<&HeaderName>,
    ) -> Result<Answer, ExchangeError> {
        let mut req = Request::new(());
        *req.method_mut() = head.method.clone();
        *req.uri_mut() = head.uri.clone();
        *req.headers_mut() = request_headers(head.headers, head.body, head.method);
        let end = head.body.is_empty();
        let (response, mut stream) = self.send.send_request(req, end).map_err(|e| classify(&e))?;
        if !end {
            // h2 queues what the peer's window does not take yet.
            stream
                .send_data(head.body.clone(), true)
                .map_err(|e| classify(&e))?;
        }
        let resp = response.await.map_err(|e| classify(&e))?;
        let status = resp.status();
        let group = group_by.and_then(|name| resp.headers().get(name).cloned());
        let mut body = resp.into_body();
        let mut bytes = 0u64;
        while let Some(chunk) = body.data().await {
            let chunk = chunk.map_err(|e| classify(&e))?;
            bytes += chunk.len() as u64;
            // Give the window back, or a long run stalls once 2^30 bytes were received.
            let _ = body.flow_control().release_capacity(chunk.len());
        }
        Ok(Answer {
            status,
            bytes,
            group,
            close: false,
        })
    }
}

/// The headers as HTTP/2 sends them: without the connection-specific ones, which RFC 9113
/// 8.2.2 forbids (and h2 refuses), and with a content-length for a body, as hyper sets it.
fn request_headers(headers: &HeaderMap, body: &Bytes, method: &Method) -> HeaderMap {
    let forbidden = |h: &HeaderMap| {
        h.contains_key(header::CONNECTION)
            || h.contains_key(header::TRANSFER_ENCODING)
            || h.contains_key(header::UPGRADE)
            || h.contains_key("keep-alive")
            || h.contains_key("proxy-connection")
            || h.get(header::TE).is_some_and(|v| v != "trailers")
    };
    let payload = !body.is_empty() || matches!(*method, Method::POST | Method::PUT);
    if !forbidden(headers) && (!payload || headers.contains_key(header::CONTENT_LENGTH)) {
        return headers.clone();
    }
    let mut h = headers.clone();
    for name in [
        header::CONNECTION,
        header::TRANSFER_ENCODING,
        header::UPGRADE,
        HeaderName::from_static("keep-alive"),
        HeaderName::from_static("proxy-connection"),
    ] {
        h.remove(name);
    }
    if h.get(header::TE).is_some_and(|v| v != "trailers") {
        h.remove(header::TE);
    }
    if payload && !h.contains_key(header::CONTENT_LENGTH) {
        h.insert(header::CONTENT_LENGTH, body.len().into());
    }
    h
}

/// Sort an h2 error into the report's categories: socket and TLS failures as the HTTP/1.1
/// path sorts them, a stream reset or GOAWAY from the peer as a reset, the rest protocol.
fn classify(e: &h2::Error) -> ExchangeError {
    if let Some(io) = e.get_io() {
        return classify_io(io, format!("HTTP/2: {}", error_chain(io)));
    }
    let kind = if e.is_reset() || e.is_go_away() {
        ErrorKind::Reset
    } else {
        ErrorKind::Protocol
    };
    ExchangeError::new(kind, format!("HTTP/2: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_headers_are_dropped_and_bodies_framed() {
        let mut h = HeaderMap::new();
        h.insert(header::CONNECTION, "close".parse().unwrap());
        h.insert(header::TE, "gzip".parse().unwrap());
        h.insert("x-a", "1".parse().unwrap());
        let out = request_headers(&h, &Bytes::from_static(b"abc"), &Method::POST);
        assert!(!out.contains_key(header::CONNECTION) && !out.contains_key(header::TE));
        assert_eq!(out["x-a"], "1");
        assert_eq!(out[header::CONTENT_LENGTH], "3");
        let mut plain = HeaderMap::new();
        plain.insert("x-b", "2".parse().unwrap());
        assert_eq!(request_headers(&plain, &Bytes::new(), &Method::GET), plain);
        let post = request_headers(&plain, &Bytes::new(), &Method::POST);
        assert_eq!(post[header::CONTENT_LENGTH], "0");
    }
}
