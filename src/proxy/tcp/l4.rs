//! The L4 (TCP) data path of `lbctl proxy --mode tcp`: per client connection, optionally read a
//! PROXY header (`--accept-proxy`), apply the ACL, optionally terminate TLS or peek the
//! ClientHello for SNI routing (`--sni`, passthrough), pick a backend with the pool's algorithm
//! from `balance/` (through core/pool.rs, the same candidates as L7: health, drain, backups,
//! maxconn), connect with a timeout and move on to the next backend on failure (marking the
//! failed one passively), send a PROXY header (`--send-proxy`), replay what was read, then
//! copy bytes both ways with pipe.rs. It plugs into core/listener.rs's accept loop and drain;
//! its pools live in the listener's [`L7`] (so /metrics, /stats and SIGHUP reload are shared).

use super::pipe::{PipeCounters, PipeEnd, pipe};
use super::proxy_protocol::{self, ProxyHeader};
use super::sni::{self, MAX_HELLO};
use crate::balance::pick::PickContext;
use crate::cli::{AccessLog, SendProxy, SniFallback};
use crate::proxy::core::acl::Acl;
use crate::proxy::core::backend::{Backend, Flight};
use crate::proxy::core::frontend::L7;
use crate::proxy::core::listener::{ConnCounters, ListenerSettings, Prefixed, accept_loop};
use crate::proxy::core::log;
use crate::proxy::core::pool::{Pool, Tried, ip_bytes};
use crate::proxy::core::tls::{self, BackendStream, MaybeTls};
use rustls::ServerConfig;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

/// Settings of one TCP listener, fixed at startup.
pub struct L4Settings {
    pub retries: u32,
    pub connect_timeout: Duration,
    pub idle_timeout: Duration,
    /// Time for the PROXY header, the ClientHello or the TLS handshake (`--header-timeout`).
    pub hello_timeout: Duration,
    pub queue_timeout: Duration,
    pub send_proxy: Option<SendProxy>,
    pub accept_proxy: bool,
    pub sni_fallback: SniFallback,
    /// TLS termination on the listener (the backend then gets plaintext).
    pub tls: Option<Arc<ServerConfig>>,
    pub acl: Acl,
}

/// One TCP listener's connection path.
pub struct L4 {
    /// Holds the routing (pools, default pool) and the listener counters shared with admin:
    /// `requests` counts client connections here.
    pub l7: Arc<L7>,
    pub settings: L4Settings,
}

/// Read what is available into `buf` before `deadline` (EOF and the deadline are errors).
async fn read_more(stream: &mut TcpStream, buf: &mut Vec<u8>, deadline: Instant) -> io::Result<()> {
    let mut chunk = [0u8; 4096];
    match tokio::time::timeout_at(deadline, stream.read(&mut chunk)).await {
        Err(_) => Err(io::Error::new(io::ErrorKind::TimedOut, "timed out")),
        Ok(Ok(0)) => Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the client closed the connection",
        )),
        Ok(Ok(n)) => {
            buf.extend_from_slice(&chunk[..n]);
            Ok(())
        }
        Ok(Err(e)) => Err(e),
    }
}

/// Read and strip a PROXY v1/v2 header; the bytes after it stay in `buf`.
async fn read_proxy_header(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
    deadline: Instant,
) -> Result<ProxyHeader, String> {
    loop {
        match proxy_protocol::parse(buf) {
            Ok(Some((h, n))) => {
                buf.drain(..n);
                return Ok(h);
            }
            Ok(None) => read_more(stream, buf, deadline)
                .await
                .map_err(|e| format!("no complete PROXY header: {e}"))?,
            Err(e) => return Err(e.to_string()),
        }
    }
}

/// Read until `buf` holds a whole ClientHello; its server name (None: none sent).
async fn read_hello(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
    deadline: Instant,
) -> Result<Option<String>, String> {
    loop {
        match sni::parse_client_hello(buf) {
            Ok(Some(info)) => return Ok(info.server_name),
            Ok(None) if buf.len() >= MAX_HELLO => {
                return Err("the ClientHello is larger than 64 KiB".into());
            }
            Ok(None) => read_more(stream, buf, deadline)
                .await
                .map_err(|e| format!("no complete ClientHello: {e}"))?,
            Err(e) => return Err(e.to_string()),
        }
    }
}

impl L4 {
    /// Serve one client connection to its end.
    pub async fn handle(self: Arc<Self>, mut stream: TcpStream, peer: SocketAddr) {
        let s = &self.settings;
        let counters = &self.l7.counters;
        counters.requests.fetch_add(1, Ordering::Relaxed);
        let started = Instant::now();
        // The server name routed on, for the access log.
        let mut server_name: Option<String> = None;
        let log = |client: SocketAddr,
                   backend: &str,
                   sni: Option<&str>,
                   moved: &PipeCounters,
                   end: &str| {
            let format = self.l7.settings.access_log;
            if format != AccessLog::Off {
                log::tcp_access(
                    format,
                    &log::TcpAccess {
                        client,
                        backend,
                        sni,
                        bytes_in: moved.bytes_in.load(Ordering::Relaxed),
                        bytes_out: moved.bytes_out.load(Ordering::Relaxed),
                        duration: started.elapsed(),
                        end,
                    },
                );
            }
        };
        let none = PipeCounters::default();
        let deadline = Instant::now() + s.hello_timeout;
        let mut pre = Vec::new();
        let mut source = peer;
        let mut destination = None;
        if s.accept_proxy {
            // Boxed, as the other once-per-connection steps below: their states (4.4 KiB for
            // the header and ClientHello reads) would otherwise size every connection's task,
            // idle ones included, which only need the pipe's (5,248 -> ~2,800-byte task).
            match Box::pin(read_proxy_header(&mut stream, &mut pre, deadline)).await {
                Ok(ProxyHeader::Proxy {
                    source: src,
                    destination: dst,
                }) => {
                    source = src;
                    destination = Some(dst);
                }
                Ok(ProxyHeader::Local) => {}
                Err(why) => {
                    log::state(format_args!(
                        "closing the connection from {peer}: {why} (--accept-proxy expects a PROXY v1 or v2 header first)"
                    ));
                    return;
                }
            }
        }
        let ip = source.ip().to_canonical();
        if !s.acl.is_empty() && !s.acl.permits(ip) {
            counters.denied.fetch_add(1, Ordering::Relaxed);
            log(source, "", None, &none, "denied");
            return;
        }
        let routing = self.l7.routing();
        let mut pool_index = routing.default_pool;
        // SNI passthrough: read the ClientHello, route on its name, replay it later.
        let sni = &routing.sni;
        if !sni.is_empty() && s.tls.is_none() {
            let routed = match Box::pin(read_hello(&mut stream, &mut pre, deadline)).await {
                Ok(name) => {
                    server_name.clone_from(&name);
                    sni.lookup(name.as_deref()).ok_or_else(|| {
                        format!(
                            "no --sni route for server name {}",
                            name.as_deref().unwrap_or("(none)")
                        )
                    })
                }
                Err(why) => Err(why),
            };
            match (routed, s.sni_fallback) {
                (Ok(pool), _) => pool_index = routing.pools.iter().position(|p| p.name == pool),
                (Err(_), SniFallback::Default) => {}
                (Err(why), SniFallback::Close) => {
                    log::state(format_args!(
                        "closing the connection from {peer}: {why} (--sni-fallback close)"
                    ));
                    log(source, "", server_name.as_deref(), &none, "no sni route");
                    return;
                }
            }
        }
        // TLS termination: the ClientHello (and anything read before) goes to the acceptor.
        let client = match &s.tls {
            None => MaybeTls::Plain(Prefixed::new(Vec::new(), stream)),
            Some(cfg) => {
                let acceptor = tokio_rustls::TlsAcceptor::from(cfg.clone());
                let io = Prefixed::new(std::mem::take(&mut pre), stream);
                match Box::pin(tokio::time::timeout_at(deadline, acceptor.accept(io))).await {
                    Ok(Ok(t)) => {
                        server_name = t.get_ref().1.server_name().map(str::to_string);
                        if !sni.is_empty() {
                            let name = server_name.clone();
                            match sni.lookup(name.as_deref()) {
                                Some(pool) => {
                                    pool_index = routing.pools.iter().position(|p| p.name == pool)
                                }
                                None if s.sni_fallback == SniFallback::Close => {
                                    log::state(format_args!(
                                        "closing the connection from {peer}: no --sni route for server name {} (--sni-fallback close)",
                                        name.as_deref().unwrap_or("(none)")
                                    ));
                                    log(source, "", name.as_deref(), &none, "no sni route");
                                    return;
                                }
                                None => {}
                            }
                        }
                        MaybeTls::Tls(Box::new(t))
                    }
                    _ => {
                        // A failed or slow handshake: nothing to route.
                        log(source, "", None, &none, "tls handshake failed");
                        return;
                    }
                }
            }
        };
        let Some(pool) = pool_index.and_then(|i| routing.pools.get(i)).cloned() else {
            counters.no_backend.fetch_add(1, Ordering::Relaxed);
            log(source, "", server_name.as_deref(), &none, "no pool");
            return;
        };
        let local = match destination {
            Some(d) => Some(d),
            None if s.send_proxy.is_some() => client_local(&client),
            None => None,
        };
        let Some((b, backend, _flight, _slot)) =
            Box::pin(self.connect(&pool, source, local, &pre)).await
        else {
            log(source, "", server_name.as_deref(), &none, "no backend");
            return;
        };
        let l4 = &b.l4;
        if !pre.is_empty() {
            l4.bytes_in.fetch_add(pre.len() as u64, Ordering::Relaxed);
        }
        let (to_backend, to_client) = (l4.bytes_in.clone(), l4.bytes_out.clone());
        let moved = PipeCounters::default();
        moved.bytes_in.store(pre.len() as u64, Ordering::Relaxed);
        let ended = match (client, backend) {
            // Plain on both sides: splice(2) in the kernel, no copy through user space.
            #[cfg(target_os = "linux")]
            (MaybeTls::Plain(c), MaybeTls::Plain(bk)) if c.pre.is_empty() && splice_enabled() => {
                super::splice::pipe(c.inner, bk, s.idle_timeout, to_backend, to_client, &moved)
                    .await
            }
            (c, bk) => pipe(c, bk, s.idle_timeout, to_backend, to_client, &moved).await,
        };
        let end = match ended {
            Ok(PipeEnd::Closed) => "closed",
            Ok(PipeEnd::Idle) => "idle",
            Err(_) => "error",
        };
        log(source, b.name(), server_name.as_deref(), &moved, end);
    }

    /// Pick and connect, trying the next backend on failure (up to --retries more): the
    /// backend, its connected stream (PROXY header and replayed bytes already sent), and the
    /// guards that hold its open-connection count and maxconn slot.
    async fn connect(
        &self,
        pool: &Arc<Pool>,
        source: SocketAddr,
        local: Option<SocketAddr>,
        replay: &[u8],
    ) -> Option<(
        Arc<Backend>,
        BackendStream,
        Flight,
        Option<tokio::sync::OwnedSemaphorePermit>,
    )> {
        let s = &self.settings;
        let ip = source.ip().to_canonical();
        let mut buf = [0u8; 16];
        let ctx = PickContext {
            client_ip: Some(ip_bytes(ip, &mut buf)),
        };
        // Consistent hash on the client address (same key as L7's `--hash-key ip`); only the
        // first attempt follows the key.
        let mut hashed = pool
            .hash
            .as_ref()
            .and_then(|_| pool.choose_hashed(ip.to_string().as_bytes(), Tried::default()));
        let mut tried = Tried::default();
        let mut attempts = 0u32;
        loop {
            let choice = match hashed.take() {
                Some(i) if pool.usable(i, tried) => Some(i),
                _ => pool.choose(&ctx, tried),
            };
            let Some(i) = choice else {
                if attempts == 0 {
                    self.l7.counters.no_backend.fetch_add(1, Ordering::Relaxed);
                    log::state(format_args!(
                        "no healthy backend in pool {} for {source}: closing",
                        pool.name
                    ));
                }
                return None;
            };
            tried.add(i);
            let b = pool.backends[i].clone();
            let slot = match &b.slots {
                None => None,
                Some(sem) => {
                    match tokio::time::timeout(s.queue_timeout, sem.clone().acquire_owned()).await {
                        Ok(Ok(p)) => Some(p),
                        _ => {
                            log::state(format_args!(
                                "backend {} stayed at its maxconn for {:?}: closing the connection from {source}",
                                b.name(),
                                s.queue_timeout
                            ));
                            return None;
                        }
                    }
                }
            };
            let flight = Flight::enter(&b);
            match self.dial(&b, source, local, replay).await {
                Ok(stream) => {
                    b.passive_success();
                    b.l4.connections.fetch_add(1, Ordering::Relaxed);
                    return Some((b, stream, flight, slot));
                }
                Err(e) => {
                    b.l4.connect_errors.fetch_add(1, Ordering::Relaxed);
                    b.count(None);
                    b.passive_failure(&e.to_string());
                    if attempts >= s.retries {
                        log::state(format_args!(
                            "closing the connection from {source}: backend {} failed ({e}) and no retries are left",
                            b.name()
                        ));
                        return None;
                    }
                    attempts += 1;
                    b.retries.fetch_add(1, Ordering::Relaxed);
                    self.l7.counters.retries.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    }

    /// Connect to one backend: TCP within the connect timeout, the PROXY header, TLS when the
    /// backend wants it, then the replayed client bytes.
    async fn dial(
        &self,
        b: &Backend,
        source: SocketAddr,
        local: Option<SocketAddr>,
        replay: &[u8],
    ) -> io::Result<BackendStream> {
        let s = &self.settings;
        let timeout = s.connect_timeout;
        let mut stream = match tokio::time::timeout(timeout, TcpStream::connect(b.addr)).await {
            Err(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("connect timed out after {timeout:?}"),
                ));
            }
            Ok(r) => r.map_err(|e| io::Error::new(e.kind(), format!("connect failed: {e}")))?,
        };
        let _ = stream.set_nodelay(true);
        let tls = b.pool.tls();
        // One write for the header and (over plain TCP) the replayed bytes: one packet.
        let mut first = Vec::new();
        if let Some(v) = s.send_proxy {
            let src = SocketAddr::new(source.ip().to_canonical(), source.port());
            let dst = local.map(|d| SocketAddr::new(d.ip().to_canonical(), d.port()));
            let header = match (v, dst) {
                (SendProxy::V1, Some(d)) => proxy_protocol::encode_v1(src, d),
                (SendProxy::V2, Some(d)) => proxy_protocol::encode_v2(src, d),
                (SendProxy::V1, None) => b"PROXY UNKNOWN\r\n".to_vec(),
                // v2 LOCAL command, no address block (spec section 2.2).
                (SendProxy::V2, None) => {
                    let mut h = proxy_protocol::V2_SIGNATURE.to_vec();
                    h.extend_from_slice(&[0x20, 0x00, 0x00, 0x00]);
                    h
                }
            };
            first = header;
        }
        if tls.is_none() {
            first.extend_from_slice(replay);
        }
        if !first.is_empty() {
            stream.write_all(&first).await?;
        }
        let mut stream = tls::connect(stream, tls, timeout).await?;
        if tls.is_some() && !replay.is_empty() {
            stream.write_all(replay).await?;
        }
        Ok(stream)
    }
}

/// splice(2) for plain TCP, unless `LBCTL_SPLICE=0` (to compare with the buffered copy).
#[cfg(target_os = "linux")]
fn splice_enabled() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var("LBCTL_SPLICE").map_or(true, |v| v != "0"))
}

/// The listener-side address of a client connection (the PROXY header's destination).
fn client_local<T>(c: &MaybeTls<Prefixed<TcpStream>, T>) -> Option<SocketAddr>
where
    T: AsRefTcp,
{
    match c {
        MaybeTls::Plain(p) => p.inner.local_addr().ok(),
        MaybeTls::Tls(t) => t.tcp().local_addr().ok(),
    }
}

/// Reach the TCP socket under a server TLS stream.
pub trait AsRefTcp {
    fn tcp(&self) -> &TcpStream;
}

impl AsRefTcp for tokio_rustls::server::TlsStream<Prefixed<TcpStream>> {
    fn tcp(&self) -> &TcpStream {
        &self.get_ref().0.inner
    }
}

/// Serve TCP connections on `listener` with the L4 path until `shutdown`, then drain: open
/// connections get `--drain-timeout` to finish. Returns how many were still open then.
pub async fn serve(
    listener: tokio::net::TcpListener,
    l4: Arc<L4>,
    settings: ListenerSettings,
    counters: Arc<ConnCounters>,
    shutdown: impl std::future::Future<Output = ()>,
) -> usize {
    let tracker = crate::shutdown::InFlight::default();
    accept_loop(
        listener,
        settings.max_conns,
        counters,
        &tracker,
        shutdown,
        move |stream, peer| l4.clone().handle(stream, peer),
    )
    .await;
    let open = tracker.count();
    if open == 0 {
        return 0;
    }
    log::state(format_args!(
        "draining: {open} TCP connection(s) open, waiting up to {:?}",
        settings.drain_timeout
    ));
    match tokio::time::timeout(settings.drain_timeout, tracker.idle()).await {
        Ok(()) => 0,
        Err(_) => tracker.count(),
    }
}
