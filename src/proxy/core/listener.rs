//! The accept loop shared by every data path: `--max-conns` (a semaphore taken before
//! accept, so excess clients wait in the kernel queue), TCP_NODELAY, the client idle timeout,
//! and graceful drain (stop accepting at the shutdown signal, let open connections finish their
//! in-flight requests within `--drain-timeout`). Both data paths run on [`accept_loop`] with
//! their own per-connection function (http/serve.rs for HTTP, tcp/l4.rs for TCP).

use crate::shutdown::{InFlight, InFlightGuard};
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
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Connection-level settings.
#[derive(Debug, Clone)]
pub struct ListenerSettings {
    pub max_conns: usize,
    pub header_timeout: Duration,
    pub idle_timeout: Duration,
    pub drain_timeout: Duration,
    pub max_header_size: usize,
    /// TLS termination (`--tls-cert`/`--tls-self-signed`; see tls.rs).
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
        let release = Release {
            counters: counters.clone(),
            _permit: permit,
            _guard: open.enter(),
        };
        tokio::spawn(Counted {
            fut: serve(stream, peer),
            _release: release,
        });
    }
}

pin_project_lite::pin_project! {
    /// A connection's future and what its end releases. A struct rather than
    /// `async move { fut.await; .. }`: such a block keeps the captured future and the future
    /// being awaited as two fields, so every connection's task carried its state twice (3,352
    /// instead of 1,656 bytes for an HTTP connection, measured with -Zprint-type-sizes).
    struct Counted<F> {
        #[pin]
        fut: F,
        _release: Release,
    }
}

impl<F: Future<Output = ()>> Future for Counted<F> {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.project().fut.poll(cx)
    }
}

/// Dropped when a connection's task ends (also by a panic): the open count, the
/// `--max-conns` permit, the drain's in-flight mark, in that order.
struct Release {
    counters: Arc<ConnCounters>,
    _permit: Option<OwnedSemaphorePermit>,
    _guard: InFlightGuard,
}

impl Drop for Release {
    fn drop(&mut self) {
        self.counters.open.fetch_sub(1, Ordering::Relaxed);
    }
}

/// IO wrapper that notes activity, for the idle timeout (one relaxed store per read/write).
pub struct Activity<T> {
    pub inner: T,
    pub touched: Arc<AtomicBool>,
}

/// Resolves after a whole `idle` period passes without `touched` being set.
pub async fn idle_for(touched: &AtomicBool, idle: Duration) {
    idle_after(touched, idle, idle).await
}

/// As [`idle_for`], with a `first` period of its own: the HTTP listener's first period is the
/// header timeout, which cuts a client that connects and sends nothing (one timer for both
/// limits instead of a second one in every connection's state).
pub async fn idle_after(touched: &AtomicBool, first: Duration, idle: Duration) {
    let mut period = first;
    loop {
        tokio::time::sleep(period).await;
        period = idle;
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

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    #[tokio::test]
    async fn a_counted_connection_carries_its_future_once() {
        // A future with 1 KiB of state across its await, as a connection's task holds it.
        let fut = async {
            let buf = [7u8; 1024];
            tokio::task::yield_now().await;
            assert_eq!(std::hint::black_box(&buf)[1023], 7);
        };
        let size = std::mem::size_of_val(&fut);
        let counters = Arc::new(ConnCounters::default());
        counters.open.fetch_add(1, Ordering::Relaxed);
        let open = InFlight::default();
        let counted = Counted {
            fut,
            _release: Release {
                counters: counters.clone(),
                _permit: None,
                _guard: open.enter(),
            },
        };
        assert!(std::mem::size_of_val(&counted) < size + 64);
        assert_eq!(open.count(), 1);
        counted.await;
        assert_eq!(counters.open.load(Ordering::Relaxed), 0);
        assert_eq!(open.count(), 0);
    }

    #[tokio::test]
    async fn prefixed_yields_the_prefix_first() {
        let data: &[u8] = b" world";
        let mut p = Prefixed::new(b"hello".to_vec(), data);
        let mut out = String::new();
        p.read_to_string(&mut out).await.unwrap();
        assert_eq!(out, "hello world");
    }
}
