//! The keep-alive pool to one backend: HTTP/1.1 connections made with hyper's connection-level
//! client (`client::conn::http1`), a bounded stack of idle senders behind a per-backend lock
//! held for a push or a pop only. A connection goes back to the pool when its response body has
//! been read to the end (see l7.rs), so a slow download never blocks the next request.

use bytes::Bytes;
use http_body_util::{Either, Empty};
use hyper::body::Incoming;
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

/// Body of a request sent upstream: the client's streamed body, or empty (for a retried copy).
pub type UpBody = Either<Incoming, Empty<Bytes>>;

/// A connection that can carry one request.
pub struct Conn {
    pub sender: SendRequest<UpBody>,
    /// True when it came from the idle pool (it may have been closed by the backend meanwhile).
    pub reused: bool,
}

/// Why no connection could be made.
#[derive(Debug)]
pub enum ConnectError {
    Timeout(Duration),
    Io(std::io::Error),
    Handshake(hyper::Error),
}

impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConnectError::Timeout(d) => write!(f, "connect timed out after {d:?}"),
            ConnectError::Io(e) => write!(f, "connect failed: {e}"),
            ConnectError::Handshake(e) => write!(f, "HTTP handshake failed: {e}"),
        }
    }
}

pub struct ConnPool {
    addr: SocketAddr,
    max_idle: usize,
    connect_timeout: Duration,
    idle_timeout: Duration,
    idle: Mutex<Vec<(SendRequest<UpBody>, Instant)>>,
    /// TLS to the backend (`https://` or `,tls` specs; see tls_listen.rs).
    tls: Option<super::tls_listen::UpstreamTls>,
}

impl ConnPool {
    pub fn new(
        addr: SocketAddr,
        max_idle: usize,
        connect_timeout: Duration,
        idle_timeout: Duration,
    ) -> Self {
        ConnPool {
            addr,
            max_idle,
            connect_timeout,
            idle_timeout,
            idle: Mutex::new(Vec::with_capacity(max_idle.min(256))),
            tls: None,
        }
    }

    /// The backend's TLS identity, when it speaks TLS (the L4 path dials it too).
    pub fn tls(&self) -> Option<&super::tls_listen::UpstreamTls> {
        self.tls.as_ref()
    }

    /// Speak TLS to this backend.
    pub fn with_tls(mut self, tls: Option<super::tls_listen::UpstreamTls>) -> Self {
        self.tls = tls;
        self
    }

    /// An idle connection ready for a request, else a new one.
    pub async fn checkout(&self) -> Result<Conn, ConnectError> {
        loop {
            let popped = match self.idle.lock() {
                Ok(mut idle) => idle.pop(),
                Err(_) => None,
            };
            let Some((mut sender, since)) = popped else {
                break;
            };
            if sender.is_closed() || since.elapsed() > self.idle_timeout {
                continue;
            }
            if sender.is_ready() || sender.ready().await.is_ok() {
                return Ok(Conn {
                    sender,
                    reused: true,
                });
            }
        }
        self.connect().await
    }

    /// A fresh connection (also used after a pooled one turned out to be stale).
    pub async fn connect(&self) -> Result<Conn, ConnectError> {
        let stream =
            match tokio::time::timeout(self.connect_timeout, TcpStream::connect(self.addr)).await {
                Err(_) => return Err(ConnectError::Timeout(self.connect_timeout)),
                Ok(Err(e)) => return Err(ConnectError::Io(e)),
                Ok(Ok(s)) => s,
            };
        let _ = stream.set_nodelay(true);
        let stream = super::tls_listen::connect(stream, self.tls.as_ref(), self.connect_timeout)
            .await
            .map_err(ConnectError::Io)?;
        let (sender, conn) = http1::Builder::new()
            .handshake(TokioIo::new(stream))
            .await
            .map_err(ConnectError::Handshake)?;
        tokio::spawn(async move {
            // The connection task ends when the backend closes or the sender is dropped;
            // errors surface on the request that was using it.
            let _ = conn.with_upgrades().await;
        });
        Ok(Conn {
            sender,
            reused: false,
        })
    }

    /// Return a connection whose last response was read completely.
    pub fn checkin(&self, sender: SendRequest<UpBody>) {
        if sender.is_closed() {
            return;
        }
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < self.max_idle
        {
            idle.push((sender, Instant::now()));
        }
    }

    /// Idle connections currently pooled.
    pub fn idle_count(&self) -> usize {
        self.idle.lock().map(|i| i.len()).unwrap_or(0)
    }
}
