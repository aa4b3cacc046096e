//! The runtime API on the admin listener (HAProxy runtime API semantics, over HTTP with JSON
//! answers), served by admin.rs for paths under `/api/`; the changes themselves are made by
//! [`Control`] (control.rs); `lbctl proxy ctl` (ctl.rs) is its client.
//!
//! ```text
//! GET    /api/backends                         every backend: pool, admin state, health, weights
//! POST   /api/backends/{pool}/{name}/state     body: ready | drain | maint
//! POST   /api/backends/{pool}/{name}/weight    body: 0..1000000
//! PUT    /api/pools/{pool}/backends            body: a backend spec, as --backend takes
//! DELETE /api/pools/{pool}/backends/{name}
//! POST   /api/cache/purge                      body: {"prefix": "/static/"} or {"host", "path"}
//! ```
//!
//! Reads are open. Writes need `Authorization: Bearer TOKEN` when the proxy has
//! `--admin-token`/`--admin-token-file` (compared in constant time); without a token they are
//! allowed only because the admin listener is then on loopback: the proxy refuses to start
//! with a non-loopback `--admin` and no token ([`admin_token`], exit 2, before any bind).
//! Errors are `{"error": "one line"}` with a 4xx status.

use super::control::{Changed, Control, ControlError};
use crate::cli::ProxyArgs;
use crate::exit::Failure;
use crate::proxy::core::backend::Backend;
use crate::proxy::core::log;
use bytes::Bytes;
use http::{Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// Largest request body a write takes (a backend spec is far shorter).
const MAX_BODY: usize = 4096;

/// One backend as the runtime API shows it (also read back by `lbctl proxy ctl`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BackendView {
    pub pool: String,
    pub name: String,
    pub address: String,
    /// ready, drain or maint: the operator's say.
    pub admin_state: String,
    /// up, down, failed, ejected, drain or maint: what balancing sees.
    pub state: String,
    /// The live weight, the configured one, and the one in use (slow start).
    pub weight: u32,
    pub configured_weight: u32,
    pub effective_weight: u32,
    pub backup: bool,
    pub in_flight: u64,
    pub requests: u64,
}

impl BackendView {
    pub fn of(pool: &str, b: &Backend) -> Self {
        BackendView {
            pool: pool.to_string(),
            name: b.name().to_string(),
            address: b.addr.to_string(),
            admin_state: b.admin().name().to_string(),
            state: b.state().to_string(),
            weight: b.weight(),
            configured_weight: b.spec.weight,
            effective_weight: b.effective_weight(),
            backup: b.spec.backup,
            in_flight: b.in_flight.load(Ordering::Relaxed),
            requests: b.total_requests(),
        }
    }
}

/// `GET /api/backends`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BackendList {
    pub backends: Vec<BackendView>,
}

/// The answer to a write.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChangeView {
    /// What was done, one line (as logged on the proxy's stderr).
    pub changed: String,
    pub backend: BackendView,
}

/// The runtime API's state: the control plane and the write token.
pub struct Api {
    pub control: Arc<Control>,
    token: Option<String>,
    /// The admin listener is on loopback (writes without a token are allowed only then).
    loopback: bool,
}

impl Api {
    pub fn new(control: Arc<Control>, token: Option<String>, loopback: bool) -> Self {
        Api {
            control,
            token,
            loopback,
        }
    }
}

/// The write token from `--admin-token`/`--admin-token-file`, after checking the admin
/// listener's address: a non-loopback `--admin` without a token is refused (exit 2) before
/// anything binds, so the API never writes unauthenticated off this host.
pub fn admin_token(args: &ProxyArgs) -> anyhow::Result<Option<String>> {
    let token = match (&args.admin_token, &args.admin_token_file) {
        (Some(t), _) => Some(t.trim().to_string()),
        (None, Some(path)) => Some(
            std::fs::read_to_string(path)
                .map_err(|e| {
                    Failure::usage(format!(
                        "cannot read --admin-token-file {}: {e}",
                        path.display()
                    ))
                })?
                .trim()
                .to_string(),
        ),
        (None, None) => None,
    };
    if token.as_deref() == Some("") {
        return Err(Failure::usage(
            "the admin token is empty: give --admin-token a secret (or put one in --admin-token-file)",
        ));
    }
    match args.admin {
        None if token.is_some() => Err(Failure::usage(
            "--admin-token protects the runtime API of the admin listener: add --admin ADDR",
        )),
        Some(addr) if token.is_none() && !addr.ip().to_canonical().is_loopback() => {
            Err(Failure::usage(format!(
                "--admin {addr} is not a loopback address, and its runtime API can drain and remove backends: add --admin-token TOKEN (or --admin-token-file FILE), or listen on 127.0.0.1"
            )))
        }
        _ => Ok(token),
    }
}

/// Equal without an early exit, so the time taken does not tell how much of a guess matched.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        diff |= (a.get(i).copied().unwrap_or(0) ^ b.get(i).copied().unwrap_or(0)) as usize;
    }
    diff == 0
}

fn json<T: Serialize>(status: StatusCode, value: &T) -> Response<Full<Bytes>> {
    let body = serde_json::to_string_pretty(value).unwrap_or_default() + "\n";
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    r
}

fn error(status: u16, message: impl Into<String>) -> Response<Full<Bytes>> {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    json(status, &serde_json::json!({ "error": message.into() }))
}

/// `%XX` decoding of one path segment (names like `[::1]:8080` arrive encoded).
fn decode(seg: &str) -> Option<String> {
    let b = seg.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = seg.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// What a request asks for, from its method and path.
enum Op {
    List,
    State(String, String),
    Weight(String, String),
    Add(String),
    Remove(String, String),
    Purge,
}

/// A request the router refuses: status, reason, and the method the path takes (for 405).
struct Refused(u16, String, Option<Method>);

impl Refused {
    fn response(self) -> Response<Full<Bytes>> {
        let mut r = error(self.0, self.1);
        if let Some(v) = self
            .2
            .and_then(|m| http::HeaderValue::from_str(m.as_str()).ok())
        {
            r.headers_mut().insert(header::ALLOW, v);
        }
        r
    }
}

fn route(method: &Method, path: &str) -> Result<Op, Refused> {
    let segs: Option<Vec<String>> = path
        .trim_start_matches('/')
        .trim_end_matches('/')
        .split('/')
        .map(decode)
        .collect();
    let Some(segs) = segs else {
        return Err(Refused(400, "bad %-encoding in the path".into(), None));
    };
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    let (want, op) = match s.as_slice() {
        ["api", "backends"] => (Method::GET, Op::List),
        ["api", "backends", p, n, "state"] => {
            (Method::POST, Op::State(p.to_string(), n.to_string()))
        }
        ["api", "backends", p, n, "weight"] => {
            (Method::POST, Op::Weight(p.to_string(), n.to_string()))
        }
        ["api", "pools", p, "backends"] => (Method::PUT, Op::Add(p.to_string())),
        ["api", "pools", p, "backends", n] => {
            (Method::DELETE, Op::Remove(p.to_string(), n.to_string()))
        }
        ["api", "cache", "purge"] => (Method::POST, Op::Purge),
        _ => {
            return Err(Refused(
                404,
                "unknown runtime API path: GET /api/backends, POST /api/backends/POOL/NAME/state|weight, PUT /api/pools/POOL/backends, DELETE /api/pools/POOL/backends/NAME, POST /api/cache/purge".into(),
                None,
            ));
        }
    };
    if *method != want {
        return Err(Refused(405, format!("{path} takes {want}"), Some(want)));
    }
    Ok(op)
}

/// Serve one `/api/` request from `peer`.
pub async fn handle(api: &Api, req: Request<Incoming>, peer: SocketAddr) -> Response<Full<Bytes>> {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let op = match route(&method, &path) {
        Ok(op) => op,
        Err(r) => return r.response(),
    };
    if let Op::List = op {
        return list(api);
    }
    if let Err(why) = authorize(api, &req) {
        // The token is never echoed, right or wrong.
        log::state(format_args!(
            "runtime API ({peer}): refused {method} {path}: {why}"
        ));
        let mut r = error(
            401,
            format!("{why}: writes need Authorization: Bearer TOKEN (the proxy's --admin-token)"),
        );
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            http::HeaderValue::from_static("Bearer realm=\"lbctl\""),
        );
        return r;
    }
    let body = match Limited::new(req.into_body(), MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            return error(
                413,
                format!("the body is over {MAX_BODY} bytes or was cut off"),
            );
        }
    };
    let Ok(body) = String::from_utf8(body.to_vec()) else {
        return error(400, "the body is not UTF-8 text");
    };
    let control = api.control.clone();
    let result: Result<Changed, ControlError> = match op {
        Op::List => return list(api),
        Op::State(p, n) => control.set_state(&p, &n, &body, peer),
        Op::Weight(p, n) => control.set_weight(&p, &n, &body, peer),
        // Resolving the new backend's host may block: off the async threads.
        Op::Add(p) => tokio::task::spawn_blocking(move || control.add(&p, &body, peer))
            .await
            .unwrap_or_else(|_| {
                Err(ControlError {
                    status: 500,
                    message: "the add did not complete".into(),
                })
            }),
        Op::Remove(p, n) => control.remove(&p, &n, peer),
        Op::Purge => {
            return match super::cache_stats::purge(control.l7s(), &body) {
                Ok(purged) => {
                    log::state(format_args!(
                        "runtime API ({peer}): purged {purged} response cache entries"
                    ));
                    json(StatusCode::OK, &super::cache_stats::PurgeView { purged })
                }
                Err((status, why)) => error(status, why),
            };
        }
    };
    match result {
        Ok(c) => json(
            StatusCode::OK,
            &ChangeView {
                changed: c.summary,
                backend: BackendView::of(&c.pool, &c.backend),
            },
        ),
        Err(e) => error(e.status, e.message),
    }
}

/// `GET /api/backends`.
fn list(api: &Api) -> Response<Full<Bytes>> {
    let backends = api
        .control
        .pools()
        .iter()
        .flat_map(|p| p.backends.iter().map(|b| BackendView::of(&p.name, b)))
        .collect();
    json(StatusCode::OK, &BackendList { backends })
}

fn authorize(api: &Api, req: &Request<Incoming>) -> Result<(), &'static str> {
    let Some(token) = &api.token else {
        // Checked at start (admin_token); kept here so a change there cannot open writes.
        return if api.loopback {
            Ok(())
        } else {
            Err("no --admin-token on a non-loopback admin listener")
        };
    };
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .ok_or("missing bearer token")?;
    if same_secret(given.trim().as_bytes(), token.as_bytes()) {
        Ok(())
    } else {
        Err("wrong bearer token")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret(b"s3cret", b"s3cret"));
        assert!(!same_secret(b"s3cret", b"s3creT"));
        assert!(!same_secret(b"s3cret", b"s3cret!"));
        assert!(!same_secret(b"", b"x"));
    }

    #[test]
    fn paths_route_and_decode() {
        assert!(matches!(route(&Method::GET, "/api/backends"), Ok(Op::List)));
        match route(
            &Method::POST,
            "/api/backends/default/%5B%3A%3A1%5D%3A80/state",
        ) {
            Ok(Op::State(p, n)) => assert_eq!((p.as_str(), n.as_str()), ("default", "[::1]:80")),
            _ => panic!("state route"),
        }
        assert!(matches!(
            route(&Method::DELETE, "/api/pools/a/backends/b1"),
            Ok(Op::Remove(..))
        ));
        let r = route(&Method::GET, "/api/pools/a/backends")
            .err()
            .map(|r| r.0);
        assert_eq!(r, Some(405));
        let r = route(&Method::GET, "/api/nope").err().map(|r| r.0);
        assert_eq!(r, Some(404));
        let r = route(&Method::GET, "/api/backends/%zz").err().map(|r| r.0);
        assert_eq!(r, Some(400));
    }
}
