//! The accept loop shared by every data path: `--max-conns` (a semaphore taken before
//! accept, so excess clients wait in the kernel queue), TCP_NODELAY, the client idle timeout,
//! and graceful drain (stop accepting at the shutdown signal, let open connections finish their
//! in-flight requests within `--drain-timeout`). The L7 path plugs in through [`serve_http`];
//! the L4 path can reuse [`accept_loop`] with its own per-connection function.

use super::l7::L7;
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
use tokio::sync::Semaphore;

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
/// released when it ends). Returns when accepting has stopped.
pub async fn accept_loop<F, Fut>(
    listener: TcpListener,
    max_conns: usize,
    counters: Arc<ConnCounters>,
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
        tokio::spawn(async move {
            fut.await;
            counters.open.fetch_sub(1, Ordering::Relaxed);
            drop(permit);
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

/// Serve HTTP/1.1 and h2c on `listener` with the L7 path until `shutdown`, then drain.
/// Returns the number of connections still open when the drain timeout expired.
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
    let idle = settings.idle_timeout;
    let (tls, handshake_timeout) = (settings.tls.clone(), settings.header_timeout);
    {
        let graceful = graceful.clone();
        accept_loop(
            listener,
            settings.max_conns,
            counters,
            shutdown,
            move |stream, peer| {
                let l7 = l7.clone();
                let builder = builder.clone();
                let watcher = graceful.watcher();
                let tls = tls.clone();
                async move {
                    let stream = match &tls {
                        None => super::tls_listen::MaybeTls::Plain(stream),
                        Some(cfg) => {
                            match super::tls_listen::accept(cfg, stream, handshake_timeout).await {
                                Ok(s) => s,
                                Err(_) => return,
                            }
                        }
                    };
                    let touched = Arc::new(AtomicBool::new(true));
                    let io = TokioIo::new(Activity {
                        inner: super::upstream::SendStream::wrap(stream),
                        touched: touched.clone(),
                    });
                    let l7c = l7.clone();
                    let svc = service_fn(move |req| l7c.clone().handle(peer, req));
                    let conn = builder.serve_connection_with_upgrades(io, svc).into_owned();
                    let conn = watcher.watch(conn);
                    tokio::pin!(conn);
                    // Quiet for a whole period: close (in-flight requests keep the connection
                    // busy only through their bytes, so a backend slower than the idle
                    // timeout also ends here, as in HAProxy's `timeout client`).
                    let idle_watch = idle_for(&touched, idle);
                    tokio::select! {
                        _ = &mut conn => {}
                        _ = idle_watch => {}
                    }
                }
            },
        )
        .await;
    }
    let graceful = match Arc::try_unwrap(graceful) {
        Ok(g) => g,
        Err(_) => return 0,
    };
    let open = graceful.count();
    if open > 0 {
        super::log::state(format_args!(
            "draining: {open} connection(s) open, waiting up to {:?}",
            settings.drain_timeout
        ));
    }
    match tokio::time::timeout(settings.drain_timeout, graceful.shutdown()).await {
        Ok(()) => 0,
        Err(_) => open,
    }
}
