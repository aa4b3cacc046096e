//! The accept loop shared by every data path: `--max-conns` (a semaphore taken before
//! accept, so excess clients wait in the kernel queue), TCP_NODELAY, the client idle timeout,
//! and graceful drain (stop accepting at the shutdown signal, let open connections finish their
//! in-flight requests within `--drain-timeout`). The L7 path plugs in through [`serve_http`];
//! the L4 path can reuse [`accept_loop`] with its own per-connection function.

use super::h1_relay::{H1Conn, Limits, Outcome};
use super::l7::L7;
use crate::shutdown::InFlight;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};

/// Connection-level settings.
#[derive(Debug, Clone)]
pub struct ListenerSettings {
    pub max_conns: usize,
    pub header_timeout: Duration,
    pub idle_timeout: Duration,
    pub drain_timeout: Duration,
    pub max_header_size: usize,
    /// TLS termination (`--tls-cert`/`--tls-self-signed`; see tls_listen.rs).
    pub tls: Option<Arc<rustls::ServerConfig>>,
}

/// Open client connections (for /metrics).
#[derive(Default)]
pub struct ConnCounters {
    pub open: AtomicU64,
    pub accepted: AtomicU64,
}

/// Accept until `shutdown` resolves, calling `serve` for each connection (with a permit
/// released when it ends). Every connection is counted in `open` until its `serve` ends, so
/// the caller's drain can wait for `open.idle()`. Returns when accepting has stopped.
pub async fn accept_loop<F, Fut>(
    listener: TcpListener,
    max_conns: usize,
    counters: Arc<ConnCounters>,
    open: &InFlight,
    shutdown: impl Future<Output = ()>,
    mut serve: F,
) where
    F: FnMut(TcpStream, SocketAddr) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let limit = (max_conns > 0).then(|| Arc::new(Semaphore::new(max_conns)));
    tokio::pin!(shutdown);
    loop {
        let permit = match &limit {
            None => None,
            Some(sem) => tokio::select! {
                p = sem.clone().acquire_owned() => p.ok(),
                _ = &mut shutdown => break,
            },
        };
        let (stream, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    // EMFILE and friends: back off briefly instead of spinning.
                    super::log::state(format_args!("accept failed: {e}; retrying"));
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        counters.accepted.fetch_add(1, Ordering::Relaxed);
        counters.open.fetch_add(1, Ordering::Relaxed);
        let fut = serve(stream, peer);
        let counters = counters.clone();
        let guard = open.enter();
        tokio::spawn(async move {
            fut.await;
            counters.open.fetch_sub(1, Ordering::Relaxed);
            drop(permit);
            drop(guard);
        });
    }
}

/// IO wrapper that notes activity, for the idle timeout (one relaxed store per read/write).
pub struct Activity<T> {
    pub inner: T,
    pub touched: Arc<AtomicBool>,
}

/// Resolves after a whole `idle` period passes without `touched` being set.
pub async fn idle_for(touched: &AtomicBool, idle: Duration) {
    loop {
        tokio::time::sleep(idle).await;
        if !touched.swap(false, Ordering::Relaxed) {
            return;
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Activity<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() != before {
            self.touched.store(true, Ordering::Relaxed);
        }
        r
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Activity<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.touched.store(true, Ordering::Relaxed);
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.touched.store(true, Ordering::Relaxed);
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// A stream that first yields bytes already read from it, then reads on: the HTTP/1.1 fast
/// path hands a connection to hyper with the head it read but will not serve, and the TCP path
/// replays a PROXY header's leftovers or a peeked ClientHello.
pub struct Prefixed<T> {
    /// What is left of the bytes read earlier (emptied once replayed).
    pub(crate) pre: Vec<u8>,
    at: usize,
    pub(crate) inner: T,
}

impl<T> Prefixed<T> {
    pub fn new(pre: Vec<u8>, inner: T) -> Self {
        Prefixed { pre, at: 0, inner }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Prefixed<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.at < this.pre.len() {
            let n = (this.pre.len() - this.at).min(buf.remaining());
            buf.put_slice(&this.pre[this.at..this.at + n]);
            this.at += n;
            if this.at == this.pre.len() {
                this.pre = Vec::new();
                this.at = 0;
            }
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Prefixed<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// Serve HTTP/1.1 and HTTP/2 on `listener` with the L7 path until `shutdown`, then drain.
/// HTTP/1.1 requests go through the fast path (h1_relay.rs); a connection that speaks HTTP/2
/// (h2c prior knowledge, or ALPN h2 over TLS) or sends a request that path leaves alone is
/// served by hyper. Returns the number of connections still open when the drain timed out.
pub async fn serve_http(
    listener: TcpListener,
    l7: Arc<L7>,
    settings: ListenerSettings,
    counters: Arc<ConnCounters>,
    shutdown: impl Future<Output = ()>,
) -> usize {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(settings.header_timeout)
        .max_buf_size(settings.max_header_size.max(8192))
        .keep_alive(true);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_header_list_size(settings.max_header_size.min(u32::MAX as usize) as u32);
    let builder = Arc::new(builder);
    let graceful = Arc::new(GracefulShutdown::new());
    let (drain_tx, drain_rx) = watch::channel(false);
    let open = InFlight::default();
    let limits = Arc::new(Limits {
        header_timeout: settings.header_timeout,
        max_header_size: settings.max_header_size,
    });
    let idle = settings.idle_timeout;
    let (tls, handshake_timeout) = (settings.tls.clone(), settings.header_timeout);
    {
        let graceful = graceful.clone();
        let l7 = l7.clone();
        accept_loop(
            listener,
            settings.max_conns,
            counters,
            &open,
            shutdown,
            move |stream, peer| {
                let l7 = l7.clone();
                let builder = builder.clone();
                let watcher = graceful.watcher();
                let tls = tls.clone();
                let limits = limits.clone();
                let mut drain = drain_rx.clone();
                async move {
                    let stream = match &tls {
                        None => super::tls_listen::MaybeTls::Plain(stream),
                        Some(cfg) => {
                            // Boxed for the same reason as hyper's state below.
                            let accept = super::tls_listen::accept(cfg, stream, handshake_timeout);
                            match Box::pin(accept).await {
                                Ok(s) => s,
                                Err(_) => return,
                            }
                        }
                    };
                    let h2 = match &stream {
                        super::tls_listen::MaybeTls::Tls(t) => {
                            t.get_ref().1.alpn_protocol() == Some(b"h2")
                        }
                        _ => false,
                    };
                    let touched = Arc::new(AtomicBool::new(true));
                    let io = Activity {
                        inner: super::upstream::SendStream::wrap(stream),
                        touched: touched.clone(),
                    };
                    let serve = async {
                        let (io, read) = if h2 {
                            (io, Vec::new())
                        } else {
                            match H1Conn::new(io, peer, &l7, &limits).serve(&mut drain).await {
                                Outcome::Closed => return,
                                Outcome::Hyper(io, read) => (io, read),
                            }
                        };
                        let io = TokioIo::new(Prefixed::new(read, io));
                        let l7c = l7.clone();
                        let svc = service_fn(move |req| l7c.clone().handle(peer, req));
                        let conn = builder.serve_connection_with_upgrades(io, svc).into_owned();
                        // Boxed: hyper's connection state is large, and most connections never
                        // get here; inline it would be part of every connection's task.
                        let _ = Box::pin(watcher.watch(conn)).await;
                    };
                    // Quiet for a whole period: close (in-flight requests keep the connection
                    // busy only through their bytes, so a backend slower than the idle
                    // timeout also ends here, as in HAProxy's `timeout client`).
                    tokio::select! {
                        _ = serve => {}
                        _ = idle_for(&touched, idle) => {}
                    }
                }
            },
        )
        .await;
    }
    // Idle fast-path connections close at once; busy ones after their current response.
    let _ = drain_tx.send(true);
    let busy = open.count() + l7.tunnels.count();
    if busy > 0 {
        super::log::state(format_args!(
            "draining: {busy} connection(s) and tunnel(s) open, waiting up to {:?}",
            settings.drain_timeout
        ));
    }
    let all_done = async {
        // The accept closure (and its clone) is gone: this is the last handle.
        let hyper_conns = async {
            if let Ok(g) = Arc::try_unwrap(graceful) {
                g.shutdown().await;
            }
        };
        tokio::join!(hyper_conns, open.idle(), l7.tunnels.idle());
    };
    match tokio::time::timeout(settings.drain_timeout, all_done).await {
        Ok(()) => 0,
        Err(_) => open.count() + l7.tunnels.count(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    #[tokio::test]
    async fn prefixed_yields_the_prefix_first() {
        let data: &[u8] = b" world";
        let mut p = Prefixed::new(b"hello".to_vec(), data);
        let mut out = String::new();
        p.read_to_string(&mut out).await.unwrap();
        assert_eq!(out, "hello world");
    }
}
