//! One gRPC test backend on h2c (HTTP/2 with prior knowledge; `serve` has no TLS): the
//! standard health service (grpc.health.v1 Check and Watch), lbctl's `lbctl.test.v1.Echo`
//! (Say names the backend; Stream sends `count` replies `interval_ms` apart), and the same
//! faults as the HTTP backends, gRPC-shaped: `--latency` delays every call, `--fail-rate`
//! answers UNAVAILABLE (14) trailers-only, `--reset-rate` resets the stream (RST_STREAM).
//! An incoming `grpc-timeout` is honoured: a call the latency would push past it ends with
//! DEADLINE_EXCEEDED (4) at the deadline. The health status can be flipped at run time with
//! `POST /admin/down` and `/admin/up` (HTTP/2, not gRPC), or start down (`--grpc-not-serving`).
//!
//! Same seam as [`super::http::serve`]: an already-bound listener and a shutdown future.

use super::faults::{Faults, InjectedReset};
use super::grpc_body::{Body, Reply};
use crate::grpc::health::{HealthCheckRequest, HealthCheckResponse, ServingStatus};
use crate::grpc::{Code, echo, frame, health};
use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use prost::Message;
use rand::Rng;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::time::Instant;

/// Most replies one Stream call sends, and the longest gap between two (bounds every loop).
const MAX_STREAM_COUNT: u32 = 10_000;
const MAX_STREAM_INTERVAL: Duration = Duration::from_secs(60);
/// How long a request message may take to arrive when the call has no deadline.
const MAX_REQUEST_WAIT: Duration = Duration::from_secs(60);
/// How long a Watch stream stays open at most; a client re-watches after it ends.
const MAX_WATCH: Duration = Duration::from_secs(3600);

/// A gRPC backend's identity, faults and health state.
pub struct Backend {
    pub name: String,
    faults: Faults,
    /// true while the health service answers SERVING.
    serving: tokio::sync::watch::Sender<bool>,
}

impl Backend {
    pub fn new(name: &str, faults: Faults) -> Arc<Self> {
        let (serving, _) = tokio::sync::watch::channel(!faults.not_serving);
        Arc::new(Backend {
            name: name.to_string(),
            faults,
            serving,
        })
    }

    /// Mark the backend SERVING (true) or NOT_SERVING; Watch streams see the change.
    pub fn set_serving(&self, up: bool) {
        self.serving.send_replace(up);
    }

    /// The status the health service answers for `service` (None: a service not served here).
    fn status_of(&self, service: &str) -> Option<ServingStatus> {
        status_for(service, *self.serving.borrow())
    }

    async fn handle(
        self: Arc<Self>,
        req: Request<Incoming>,
    ) -> Result<Response<Body>, InjectedReset> {
        let path = req.uri().path().to_string();
        if path.starts_with("/admin/") && !crate::grpc::is_grpc(req.headers()) {
            return Ok(self.admin(&req, &path));
        }
        if req.method() != Method::POST || !crate::grpc::is_grpc(req.headers()) {
            // PROTOCOL-HTTP2.md: a server answers a non-gRPC content-type with 415.
            return Ok(Reply::http(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "a gRPC backend: POST with content-type application/grpc\n",
            ));
        }
        let deadline = req
            .headers()
            .get("grpc-timeout")
            .and_then(|v| crate::grpc::parse_timeout(v.as_bytes()))
            .map(|d| Instant::now() + d);
        // A client that never finishes its request must not hold the call forever.
        let read_by = deadline.unwrap_or_else(|| Instant::now() + MAX_REQUEST_WAIT);
        let msg = match tokio::time::timeout_at(read_by, read_message(req.into_body())).await {
            Ok(Ok(m)) => m,
            Ok(Err(reply)) => return Ok(reply.into_response()),
            Err(_) => {
                return Ok(Reply::status(
                    Code::DeadlineExceeded,
                    "the request message did not arrive in time",
                )
                .into_response());
            }
        };
        // The injected latency, cut short by the caller's deadline.
        if !self.faults.latency.is_zero() {
            let u: f64 = rand::rng().random();
            let wake = Instant::now() + self.faults.latency.at(u);
            match deadline {
                Some(d) if d < wake => {
                    tokio::time::sleep_until(d).await;
                    return Ok(
                        Reply::status(Code::DeadlineExceeded, "deadline exceeded").into_response()
                    );
                }
                _ => tokio::time::sleep_until(wake).await,
            }
        }
        match path.as_str() {
            health::CHECK_PATH => return Ok(self.check(&msg).into_response()),
            health::WATCH_PATH => return Ok(self.watch(&msg, deadline)),
            echo::SAY_PATH | echo::STREAM_PATH => {}
            _ => {
                return Ok(
                    Reply::status(Code::Unimplemented, format!("unknown method {path}"))
                        .into_response(),
                );
            }
        }
        if self.faults.reset_rate > 0.0 && rand::rng().random_bool(self.faults.reset_rate) {
            return Err(InjectedReset);
        }
        if self.faults.fail_rate > 0.0 && rand::rng().random_bool(self.faults.fail_rate) {
            return Ok(Reply::status(Code::Unavailable, "injected failure").into_response());
        }
        if path == echo::SAY_PATH {
            return Ok(self.say(&msg).into_response());
        }
        Ok(self.stream(&msg, deadline))
    }

    fn admin(&self, req: &Request<Incoming>, path: &str) -> Response<Body> {
        if req.method() != Method::POST {
            return Reply::http(StatusCode::METHOD_NOT_ALLOWED, "admin actions need POST\n");
        }
        match path {
            "/admin/down" => {
                self.set_serving(false);
                Reply::http(StatusCode::OK, "down\n")
            }
            "/admin/up" => {
                self.set_serving(true);
                Reply::http(StatusCode::OK, "up\n")
            }
            _ => Reply::http(StatusCode::NOT_FOUND, "unknown admin action (down, up)\n"),
        }
    }

    fn check(&self, msg: &[u8]) -> Reply {
        let req = match HealthCheckRequest::decode(msg) {
            Ok(r) => r,
            Err(_) => return bad_request("grpc.health.v1.HealthCheckRequest"),
        };
        match self.status_of(&req.service) {
            Some(s) => Reply::message(HealthCheckResponse { status: s as i32 }.encode_to_vec()),
            // grpc's health servicer: Check of an unknown service is NOT_FOUND.
            None => Reply::status(Code::NotFound, format!("unknown service {}", req.service)),
        }
    }

    /// Watch: the current status now, then each change (SERVICE_UNKNOWN for a service not
    /// served here, as grpc's servicer does), until the client leaves or the deadline.
    fn watch(self: &Arc<Self>, msg: &[u8], deadline: Option<Instant>) -> Response<Body> {
        let req = match HealthCheckRequest::decode(msg) {
            Ok(r) => r,
            Err(_) => return bad_request("grpc.health.v1.HealthCheckRequest").into_response(),
        };
        let (tx, resp) = Reply::streaming();
        let me = self.clone();
        let end = deadline.unwrap_or_else(|| Instant::now() + MAX_WATCH);
        tokio::spawn(async move {
            let mut rx = me.serving.subscribe();
            loop {
                // Mark the value seen before sending it, so a change during the send is not lost.
                let serving = *rx.borrow_and_update();
                let status =
                    status_for(&req.service, serving).unwrap_or(ServingStatus::ServiceUnknown);
                let m = HealthCheckResponse {
                    status: status as i32,
                };
                if !tx.message(&m.encode_to_vec()).await {
                    return;
                }
                tokio::select! {
                    changed = rx.changed() => if changed.is_err() { return },
                    _ = tokio::time::sleep_until(end) => break,
                    _ = tx.closed() => return,
                }
            }
            let code = if deadline.is_some() {
                Code::DeadlineExceeded
            } else {
                Code::Ok
            };
            tx.finish(code, "").await;
        });
        resp
    }

    fn say(&self, msg: &[u8]) -> Reply {
        match echo::EchoRequest::decode(msg) {
            Ok(r) => Reply::message(
                echo::EchoReply {
                    message: r.message,
                    backend: self.name.clone(),
                }
                .encode_to_vec(),
            ),
            Err(_) => bad_request("lbctl.test.v1.EchoRequest"),
        }
    }

    fn stream(&self, msg: &[u8], deadline: Option<Instant>) -> Response<Body> {
        let req = match echo::StreamRequest::decode(msg) {
            Ok(r) => r,
            Err(_) => return bad_request("lbctl.test.v1.StreamRequest").into_response(),
        };
        if req.count > MAX_STREAM_COUNT
            || Duration::from_millis(u64::from(req.interval_ms)) > MAX_STREAM_INTERVAL
        {
            return Reply::status(
                Code::InvalidArgument,
                format!(
                    "count is at most {MAX_STREAM_COUNT} and interval_ms at most {}",
                    MAX_STREAM_INTERVAL.as_millis()
                ),
            )
            .into_response();
        }
        let (tx, resp) = Reply::streaming();
        let reply = echo::EchoReply {
            message: req.message,
            backend: self.name.clone(),
        }
        .encode_to_vec();
        let interval = Duration::from_millis(u64::from(req.interval_ms));
        tokio::spawn(async move {
            for i in 0..req.count {
                if i > 0 {
                    let wake = Instant::now() + interval;
                    if let Some(d) = deadline.filter(|d| *d < wake) {
                        tokio::time::sleep_until(d).await;
                        tx.finish(Code::DeadlineExceeded, "deadline exceeded").await;
                        return;
                    }
                    tokio::time::sleep_until(wake).await;
                }
                if !tx.message(&reply).await {
                    return;
                }
            }
            tx.finish(Code::Ok, "").await;
        });
        resp
    }
}

/// The health status of `service` when the backend is `serving` (None: not served here).
fn status_for(service: &str, serving: bool) -> Option<ServingStatus> {
    // grpc/doc/health-checking.md: "" is the server as a whole.
    if !(service.is_empty() || service == echo::SERVICE || service == health::SERVICE) {
        return None;
    }
    Some(if serving {
        ServingStatus::Serving
    } else {
        ServingStatus::NotServing
    })
}

fn bad_request(what: &str) -> Reply {
    // grpc-go answers a request it cannot unmarshal with INTERNAL.
    Reply::status(Code::Internal, format!("the request is not a valid {what}"))
}

/// The one request message of a call; the error is the reply to send instead.
async fn read_message(mut body: Incoming) -> Result<Bytes, Reply> {
    let mut d = frame::Decoder::new(frame::DEFAULT_MAX);
    let mut first = None;
    while let Some(f) = body.frame().await {
        let f = f.map_err(|e| Reply::status(Code::Cancelled, format!("request stream: {e}")))?;
        if let Ok(data) = f.into_data() {
            d.push(&data);
            while let Some(m) = d.next_message().map_err(frame_reply)? {
                if first.is_some() {
                    return Err(Reply::status(
                        Code::Unimplemented,
                        "more than one request message (client streaming is not served)",
                    ));
                }
                first = Some(m);
            }
        }
    }
    d.finish().map_err(frame_reply)?;
    first.ok_or_else(|| Reply::status(Code::Internal, "no request message"))
}

fn frame_reply(e: frame::FrameError) -> Reply {
    let code = match e {
        frame::FrameError::Compressed => Code::Unimplemented,
        frame::FrameError::TooLarge { .. } => Code::ResourceExhausted,
        _ => Code::Internal,
    };
    Reply::status(code, e.to_string())
}

/// Serve `backend` on `listener` (HTTP/2 only) until `shutdown` resolves, then let open calls
/// finish (bounded by `drain`).
pub async fn serve(
    listener: TcpListener,
    backend: Arc<Backend>,
    shutdown: impl std::future::Future<Output = ()>,
    drain: Duration,
) {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let builder = hyper::server::conn::http2::Builder::new(TokioExecutor::new());
    tokio::pin!(shutdown);
    while let Some((stream, _peer)) = super::accept::accept_next(&listener, shutdown.as_mut()).await
    {
        let b = backend.clone();
        let svc = service_fn(move |req| b.clone().handle(req));
        let conn = graceful.watch(builder.serve_connection(TokioIo::new(stream), svc));
        tokio::spawn(async move {
            let _ = conn.await;
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(drain, graceful.shutdown()).await;
}
