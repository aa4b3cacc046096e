//! One HTTP/1.1 + h2c test backend: the request handler and its accept loop.
//!
//! `serve(listener, backend, shutdown)` is the seam tests and `demo` use: bind where you like
//! (port 0 in tests), hand over the listener, and resolve `shutdown` to stop accepting; open
//! connections are then closed gracefully.

use super::faults::{Faults, InjectedReset};
use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use rand::Rng;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;

/// A backend's identity, faults and mutable admin state.
pub struct Backend {
    pub name: String,
    faults: Faults,
    name_header: HeaderValue,
    body: Bytes,
    down: AtomicBool,
    /// End of the current stall, in microseconds since `epoch` (0 = none).
    stall_until_us: AtomicU64,
    epoch: Instant,
}

type Body = Full<Bytes>;

impl Backend {
    pub fn new(name: &str, faults: Faults) -> anyhow::Result<Arc<Self>> {
        let name_header = HeaderValue::from_str(name)
            .map_err(|_| anyhow::anyhow!("backend name '{name}' is not a valid header value"))?;
        let body = match faults.body_size {
            None => Bytes::from(format!("hello from {name}\n")),
            Some(n) => {
                let line = format!("hello from {name}\n");
                let mut v: Vec<u8> = line.bytes().cycle().take(n as usize).collect();
                if let Some(last) = v.last_mut() {
                    *last = b'\n';
                }
                Bytes::from(v)
            }
        };
        Ok(Arc::new(Backend {
            name: name.to_string(),
            faults,
            name_header,
            body,
            down: AtomicBool::new(false),
            stall_until_us: AtomicU64::new(0),
            epoch: Instant::now(),
        }))
    }

    fn text(&self, status: StatusCode, body: impl Into<Bytes>) -> Response<Body> {
        let mut resp = Response::new(Full::new(body.into()));
        *resp.status_mut() = status;
        let h = resp.headers_mut();
        h.insert("x-backend", self.name_header.clone());
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        resp
    }

    async fn wait_out_stall(&self) {
        let until = self.stall_until_us.load(Ordering::Relaxed);
        if until == 0 {
            return;
        }
        let now = self.epoch.elapsed().as_micros() as u64;
        if now < until {
            tokio::time::sleep(Duration::from_micros(until - now)).await;
        }
    }

    fn admin(&self, req: &Request<Incoming>) -> Response<Body> {
        match req.uri().path() {
            "/admin/down" => {
                self.down.store(true, Ordering::Relaxed);
                self.text(StatusCode::OK, "down\n")
            }
            "/admin/up" => {
                self.down.store(false, Ordering::Relaxed);
                self.text(StatusCode::OK, "up\n")
            }
            "/admin/stall" => {
                let arg = req
                    .uri()
                    .query()
                    .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("for=")))
                    .unwrap_or("1s");
                match crate::spec::parse_duration(arg) {
                    Ok(d) => {
                        let until = self.epoch.elapsed() + d;
                        self.stall_until_us
                            .store(until.as_micros() as u64, Ordering::Relaxed);
                        self.text(StatusCode::OK, format!("stalled for {arg}\n"))
                    }
                    Err(e) => self.text(StatusCode::BAD_REQUEST, format!("{e}\n")),
                }
            }
            _ => self.text(
                StatusCode::NOT_FOUND,
                "unknown admin action (down, up, stall?for=DURATION)\n",
            ),
        }
    }

    fn echo(&self, req: &Request<Incoming>, peer: SocketAddr) -> Response<Body> {
        let headers: Vec<(String, String)> = req
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let doc = serde_json::json!({
            "backend": self.name,
            "method": req.method().as_str(),
            "path": req.uri().path(),
            "uri": req.uri().to_string(),
            "version": format!("{:?}", req.version()),
            "headers": headers,
            "client": peer.to_string(),
        });
        let mut resp = self.text(StatusCode::OK, doc.to_string());
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        resp
    }

    /// Answer one request (an `Err` makes hyper drop the connection: that is the reset).
    /// A HEAD answer keeps its headers and Content-Length but carries no body: hyper strips
    /// it for HTTP/1.1, but an h2 peer would see a body on HEAD as a protocol error.
    async fn handle(
        self: Arc<Self>,
        req: Request<Incoming>,
        peer: SocketAddr,
        conn: Option<Arc<std::net::TcpStream>>,
    ) -> Result<Response<Body>, InjectedReset> {
        let head = req.method() == Method::HEAD;
        let resp = self.respond(req, peer, conn).await?;
        if !head {
            return Ok(resp);
        }
        let (mut parts, body) = resp.into_parts();
        let len = http_body::Body::size_hint(&body).exact().unwrap_or(0);
        parts
            .headers
            .insert(header::CONTENT_LENGTH, HeaderValue::from(len));
        Ok(Response::from_parts(parts, Full::new(Bytes::new())))
    }

    async fn respond(
        &self,
        req: Request<Incoming>,
        peer: SocketAddr,
        conn: Option<Arc<std::net::TcpStream>>,
    ) -> Result<Response<Body>, InjectedReset> {
        let path = req.uri().path();
        if path.starts_with("/admin/") {
            return Ok(if req.method() == Method::POST {
                self.admin(&req)
            } else {
                self.text(StatusCode::METHOD_NOT_ALLOWED, "admin actions need POST\n")
            });
        }
        self.wait_out_stall().await;
        if !self.faults.latency.is_zero() {
            let u: f64 = rand::rng().random();
            tokio::time::sleep(self.faults.latency.at(u)).await;
        }
        if path == "/health" {
            return Ok(if self.down.load(Ordering::Relaxed) {
                self.text(StatusCode::SERVICE_UNAVAILABLE, "down\n")
            } else {
                self.text(StatusCode::OK, "ok\n")
            });
        }
        if self.faults.reset_rate > 0.0 && rand::rng().random_bool(self.faults.reset_rate) {
            if let Some(sock) = conn {
                // Linger 0 turns the close hyper does next into an RST.
                let _ = socket2::SockRef::from(sock.as_ref()).set_linger(Some(Duration::ZERO));
            }
            return Err(InjectedReset);
        }
        if self.faults.fail_rate > 0.0 && rand::rng().random_bool(self.faults.fail_rate) {
            return Ok(self.text(StatusCode::SERVICE_UNAVAILABLE, "injected failure\n"));
        }
        if path == "/echo" {
            return Ok(self.echo(&req, peer));
        }
        Ok(self.text(StatusCode::OK, self.body.clone()))
    }
}

/// Serve `backend` on `listener` until `shutdown` resolves, then let open connections finish
/// (bounded by `drain`).
pub async fn serve(
    listener: TcpListener,
    backend: Arc<Backend>,
    shutdown: impl std::future::Future<Output = ()>,
    drain: Duration,
) {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let builder = auto::Builder::new(TokioExecutor::new());
    let needs_socket = backend.faults.reset_rate > 0.0;
    tokio::pin!(shutdown);
    while let Some((stream, peer)) = super::accept::accept_next(&listener, shutdown.as_mut()).await
    {
        let (stream, sock) = if needs_socket {
            match dup_socket(stream) {
                Some(pair) => pair,
                None => continue,
            }
        } else {
            (stream, None)
        };
        let b = backend.clone();
        let svc = service_fn(move |req| b.clone().handle(req, peer, sock.clone()));
        let conn = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), svc)
            .into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            let _ = conn.await;
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(drain, graceful.shutdown()).await;
}

/// Keep a duplicate of the socket so the handler can set SO_LINGER before hyper closes it.
fn dup_socket(
    stream: tokio::net::TcpStream,
) -> Option<(tokio::net::TcpStream, Option<Arc<std::net::TcpStream>>)> {
    let std_stream = stream.into_std().ok()?;
    let dup = std_stream.try_clone().ok()?;
    let stream = tokio::net::TcpStream::from_std(std_stream).ok()?;
    Some((stream, Some(Arc::new(dup))))
}
