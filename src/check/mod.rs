//! Health checks (tcp, http, tls, grpc, dns, websocket, icmp) and the rise/fall state machine: run once by `probe`,
//! continuously by `proxy`. No CLI, no printing: a [`CheckSpec`] and a [`Target`] in, a
//! [`CheckOutcome`] out.
//!
//! [`run`] opens the socket itself (DNS, connect, TLS handshake, request, first byte, body),
//! timing every phase, and is bounded by its timeout: a hung server becomes a failed outcome
//! with reason "timeout after 5s (waiting for the first byte)", never a hang. HTTP goes over
//! hyper's connection-level client (HTTP/1.1, or HTTP/2 by ALPN or prior knowledge), so the
//! timings are those of the one connection the check made.
//!
//! May import: `spec`, `tls` and `grpc` (its tests also start `serve` backends). Never `cli` or
//! a subcommand: `probe` and `proxy` call in here. Inside, `exec.rs` drives one check through
//! `tcp.rs`, `http.rs` (what each hop sends: `request.rs`,
//! `auth.rs`), `grpc.rs` (grpc.health.v1 over HTTP/2), `dns.rs`, `ws.rs` (the WebSocket
//! upgrade, one message and the close handshake, on tokio-tungstenite) or `icmp.rs` (echo
//! requests on an unprivileged ping socket, `icmp_socket.rs`); all of them import the types of this file, which
//! imports none of them (their data types are in `dns_data.rs`, `ws_data.rs`, `icmp_data.rs`).
//!
//! ```no_run
//! # async fn demo() {
//! use lbctl::check::{self, CheckSpec, Target};
//! let spec = CheckSpec::default(); // GET, status 200-399
//! let target = Target::http("127.0.0.1:8080".parse().unwrap(), "/health");
//! let out = check::run(&spec, &target, std::time::Duration::from_secs(2)).await;
//! println!("{} {}", out.pass, out.reason);
//! # }
//! ```

pub mod auth;
pub mod cond;
pub mod dns;
pub mod dns_data;
mod exec;
pub mod field;
mod field_exchange;
mod grpc;
mod http;
pub mod http_cond;
pub mod icmp;
pub mod icmp_data;
mod icmp_socket;
mod request;
pub mod state;
mod status;
pub mod target;
mod target_parts;
mod tcp;
pub mod tls;
pub mod tls_info;
mod words;
mod ws;
pub mod ws_data;

pub use cond::{Conditions, HeaderCond, JsonCond, StatusRanges};
pub use exec::run;
pub use state::RiseFall;
pub use target::{Scheme, Target};

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime};

/// Which HTTP version to speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HttpVersion {
    /// HTTP/1.1 for http://; for https:// whatever ALPN picks (h2 or http/1.1).
    #[default]
    Auto,
    /// HTTP/1.1 only.
    Http1,
    /// HTTP/2 only: ALPN h2 for https://, prior knowledge (h2c) for http://.
    Http2,
}

/// How to check a target, and what its answer must satisfy.
#[derive(Debug, Clone)]
pub struct CheckSpec {
    /// HTTP method (GET by default; HEAD is the other usual one).
    pub method: ::http::Method,
    /// Extra request headers.
    pub headers: Vec<(::http::HeaderName, ::http::HeaderValue)>,
    /// Request content, sent with its Content-Length on every attempt and every redirect that
    /// keeps the method (307/308); None sends no content.
    pub body: Option<bytes::Bytes>,
    /// The Authorization value ([`auth::basic`], [`auth::bearer`]; marked sensitive), sent
    /// only to the target's own origin, never to another host a redirect points at.
    pub authorization: Option<::http::HeaderValue>,
    /// Host header (and TLS SNI) instead of the target's host.
    pub host: Option<String>,
    /// Redirects to follow (0: a redirect is the answer, judged by its status).
    pub follow: u32,
    pub version: HttpVersion,
    /// TLS client configuration for https:// targets; None uses the system roots (built once).
    /// Build one with [`tls::client_config`] for `--cacert` / `--insecure`.
    pub tls: Option<Arc<rustls::ClientConfig>>,
    /// https: stop after the TLS handshake (check the certificate, send no request).
    pub cert_only: bool,
    /// tcp: bytes to send after connecting.
    pub send: Option<Vec<u8>>,
    /// tcp: bytes the reply must contain.
    pub expect: Option<Vec<u8>>,
    /// ws/wss: a text message to send after the upgrade (the first message received is then
    /// the answer the conditions judge).
    pub ws_send: Option<String>,
    pub conditions: Conditions,
    /// http: the most body bytes an answer may have (blackbox's `body_size_limit`); a longer
    /// body fails the check. None reads up to an internal cap and judges what was read.
    pub body_limit: Option<u64>,
}

impl Default for CheckSpec {
    fn default() -> Self {
        CheckSpec {
            method: ::http::Method::GET,
            headers: Vec::new(),
            body: None,
            authorization: None,
            host: None,
            follow: 0,
            version: HttpVersion::Auto,
            tls: None,
            cert_only: false,
            send: None,
            expect: None,
            ws_send: None,
            conditions: Conditions::default(),
            body_limit: None,
        }
    }
}

/// Time spent in each phase of one check. A phase that did not happen is None; the phase a
/// failure or the timeout cut short holds the time spent in it (so the phases always add up
/// to where the time went); `total` is always set. After redirects, the phases are the last
/// hop's and `total` covers all hops.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Timings {
    pub dns: Option<Duration>,
    pub connect: Option<Duration>,
    pub tls: Option<Duration>,
    /// From sending the request (tcp: the payload) to the first byte of the answer.
    pub ttfb: Option<Duration>,
    pub total: Duration,
}

/// Why a check failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailKind {
    Dns,
    Connect,
    Tls,
    Timeout,
    /// The peer spoke, but not valid HTTP (or closed early, or a bad redirect).
    Protocol,
    /// The answer arrived but a condition did not hold.
    Condition,
}

impl FailKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FailKind::Dns => "dns",
            FailKind::Connect => "connect",
            FailKind::Tls => "tls",
            FailKind::Timeout => "timeout",
            FailKind::Protocol => "protocol",
            FailKind::Condition => "condition",
        }
    }
}

/// The result of one check.
#[derive(Debug, Clone, Default)]
pub struct CheckOutcome {
    pub pass: bool,
    /// None when passed.
    pub fail: Option<FailKind>,
    /// "ok", or which condition failed and the value seen ("status 503 not in 200-399").
    pub reason: String,
    pub status: Option<u16>,
    /// "HTTP/1.1" or "HTTP/2" when a request was made.
    pub http_version: Option<&'static str>,
    /// gRPC checks: the health service's answer (`SERVING`, `NOT_SERVING`, `UNKNOWN`,
    /// `SERVICE_UNKNOWN`) when a HealthCheckResponse came back.
    pub grpc_status: Option<&'static str>,
    /// gRPC checks: the call's grpc-status when a gRPC answer came back (OK with a status above).
    pub grpc_code: Option<crate::grpc::Code>,
    /// TLS checks: the negotiated version, cipher suite, ALPN and the peer's chain.
    pub tls: Option<Box<tls_info::TlsInfo>>,
    /// DNS checks: what the server answered (rcode, flags, each section's records).
    pub dns: Option<Box<dns_data::DnsAnswer>>,
    /// WebSocket checks: the upgrade, the first message and the close handshake.
    pub ws: Option<Box<ws_data::WsInfo>>,
    /// ICMP checks: requests sent, replies, round-trip times, hop limit.
    pub icmp: Option<Box<icmp_data::IcmpInfo>>,
    /// The address connected to (after DNS; for a DNS check, the server asked).
    pub addr: Option<SocketAddr>,
    pub timings: Timings,
    /// Earliest notAfter of the peer's certificate chain, Unix seconds (https only).
    pub cert_not_after: Option<i64>,
    pub redirects: u32,
    /// Response body bytes read.
    pub body_bytes: u64,
    /// The answer's Content-Length header, when it had one (HTTP only).
    pub content_length: Option<u64>,
    /// The final answer's Last-Modified header as Unix seconds, when it had a valid one.
    pub last_modified: Option<i64>,
    /// HTTP: a regular-expression condition on a header or the body failed on an answer whose
    /// status was accepted (blackbox's `probe_failed_due_to_regex`).
    pub regex_failed: bool,
    /// A TLS failure the user can fix by trusting a CA or pinning the certificate (the
    /// caller words the fix in its own flags: [`crate::tls::TrustFix::advice`]).
    pub tls_fix: Option<crate::tls::TrustFix>,
}

impl CheckOutcome {
    /// Days until the earliest certificate expiry (negative when expired).
    pub fn cert_days_left(&self, now: SystemTime) -> Option<f64> {
        let now = now
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
        self.cert_not_after.map(|na| (na as f64 - now) / 86_400.0)
    }
}

/// Where a check is, so a timeout can say what it was waiting for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Dns,
    Connect,
    Tls,
    FirstByte,
    Body,
    /// ws: from the upgrade request to its answer.
    Upgrade,
    /// ws: between the 101 answer and the first message.
    Message,
    /// ws: the close handshake.
    Closing,
    /// icmp: waiting for echo replies.
    Echo,
}

impl Phase {
    fn describe(self) -> &'static str {
        match self {
            Phase::Dns => "resolving the host",
            Phase::Connect => "connecting",
            Phase::Tls => "in the TLS handshake",
            Phase::FirstByte => "waiting for the first byte",
            Phase::Body => "reading the body",
            Phase::Upgrade => "waiting for the answer to the WebSocket upgrade",
            Phase::Message => "waiting for the first message",
            Phase::Closing => "in the close handshake",
            Phase::Echo => "waiting for echo replies",
        }
    }
}

/// A failure inside a check (before conditions are evaluated).
#[derive(Debug)]
struct Fail {
    kind: FailKind,
    reason: String,
    tls_fix: Option<crate::tls::TrustFix>,
}

impl Fail {
    fn new(kind: FailKind, reason: impl Into<String>) -> Fail {
        Fail {
            kind,
            reason: reason.into(),
            tls_fix: None,
        }
    }
}

/// What the check saw, filled in as it goes (so a timeout keeps what was measured).
struct Progress {
    out: CheckOutcome,
    phase: Phase,
    /// When the current phase began (so a failure or timeout can charge its time to it).
    phase_start: Instant,
    start: Instant,
    /// When the check's timeout ends (checks that wait on their own, like the close
    /// handshake or a lost echo reply, stop short of it).
    deadline: Instant,
}

impl Progress {
    /// Time left before the timeout, less a margin for the check to wrap up.
    fn remaining(&self) -> Duration {
        self.deadline
            .saturating_duration_since(Instant::now())
            .saturating_sub(Duration::from_millis(20))
    }

    fn enter(&mut self, phase: Phase) {
        self.phase = phase;
        self.phase_start = Instant::now();
    }

    /// After a failure or timeout: the phase that was cut short gets the time spent in it.
    fn charge_unfinished(&mut self) {
        let spent = Some(self.phase_start.elapsed());
        let t = &mut self.out.timings;
        let slot = match self.phase {
            Phase::Dns => &mut t.dns,
            Phase::Connect => &mut t.connect,
            Phase::Tls => &mut t.tls,
            Phase::FirstByte | Phase::Upgrade | Phase::Echo => &mut t.ttfb,
            Phase::Body | Phase::Message | Phase::Closing => return,
        };
        if slot.is_none() {
            *slot = spent;
        }
    }
}

/// An HTTP answer to judge.
struct Answer {
    headers: ::http::HeaderMap,
    body: bytes::Bytes,
}

/// Resolve and connect, timing both phases.
async fn connect(host: &str, port: u16, p: &mut Progress) -> Result<tokio::net::TcpStream, Fail> {
    p.enter(Phase::Dns);
    let t0 = Instant::now();
    let addrs: Vec<SocketAddr> = match host.parse::<std::net::IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => match tokio::net::lookup_host((host, port)).await {
            Ok(it) => it.collect(),
            Err(e) => {
                return Err(Fail::new(
                    FailKind::Dns,
                    format!("cannot resolve {host}: {e}"),
                ));
            }
        },
    };
    p.out.timings.dns = Some(t0.elapsed());
    if addrs.is_empty() {
        return Err(Fail::new(FailKind::Dns, format!("{host} has no address")));
    }
    p.enter(Phase::Connect);
    let t1 = Instant::now();
    let mut last = String::new();
    for addr in addrs {
        p.out.addr = Some(addr);
        match tokio::net::TcpStream::connect(addr).await {
            Ok(s) => {
                p.out.timings.connect = Some(t1.elapsed());
                let _ = s.set_nodelay(true);
                return Ok(s);
            }
            Err(e) => last = format!("connect {addr}: {}", io_reason(&e)),
        }
    }
    Err(Fail::new(FailKind::Connect, last))
}

/// A short reason for an I/O error ("connection refused", not "... (os error 111)").
fn io_reason(e: &std::io::Error) -> String {
    use std::io::ErrorKind::*;
    match e.kind() {
        ConnectionRefused => "connection refused".into(),
        ConnectionReset => "connection reset".into(),
        ConnectionAborted => "connection aborted".into(),
        UnexpectedEof => "connection closed early".into(),
        NetworkUnreachable => "network unreachable".into(),
        HostUnreachable => "host unreachable".into(),
        _ => {
            let s = e.to_string();
            match s.find(" (os error") {
                Some(i) => s[..i].to_string(),
                None => s,
            }
        }
    }
}

/// The system-roots TLS configuration, built once per process (loading roots is not free).
fn default_tls(version: HttpVersion) -> Result<Arc<rustls::ClientConfig>, Fail> {
    static CFG: OnceLock<[Option<Arc<rustls::ClientConfig>>; 3]> = OnceLock::new();
    let all = CFG.get_or_init(|| {
        [tls::Alpn::Both, tls::Alpn::Http1, tls::Alpn::Http2]
            .map(|a| tls::client_config(false, None, None, a).ok())
    });
    let idx = match version {
        HttpVersion::Auto => 0,
        HttpVersion::Http1 => 1,
        HttpVersion::Http2 => 2,
    };
    all[idx]
        .clone()
        .ok_or_else(|| Fail::new(FailKind::Tls, "TLS client could not be set up"))
}

#[cfg(test)]
mod tests;
