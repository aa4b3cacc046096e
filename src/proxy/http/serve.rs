//! The HTTP listener: every accepted connection (TLS-terminated first when the listener has a
//! certificate) goes to the HTTP/1.1 fast path (fast/relay.rs), and to hyper (hyper/service.rs) when it
//! speaks HTTP/2 or sends a request the fast path leaves alone; then the drain. It runs on the
//! shared accept loop of core/listener.rs, as the TCP path does.

use crate::proxy::core::frontend::L7;
use crate::proxy::core::listener::{
    Activity, ConnCounters, ListenerSettings, Prefixed, accept_loop, idle_after,
};
use crate::proxy::core::tls::MaybeTls;
use crate::proxy::http::fast::conn::{H1Conn, Limits};
use crate::proxy::http::fast::relay::Outcome;
use crate::shutdown::InFlight;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// What every connection of a listener shares: one Arc for the task to hold (each field its
/// own Arc cost 8 bytes of every connection's state and an increment per accept).
struct PerListener {
    builder: auto::Builder<TokioExecutor>,
    limits: Limits,
    tls: Option<Arc<rustls::ServerConfig>>,
    idle: std::time::Duration,
}

/// Serve HTTP/1.1 and HTTP/2 on `listener` with the L7 path until `shutdown`, then drain.
/// HTTP/1.1 requests go through the fast path (fast/relay.rs); a connection that speaks HTTP/2
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
    let graceful = Arc::new(GracefulShutdown::new());
    let (drain_tx, drain_rx) = watch::channel(false);
    let open = InFlight::default();
    let per_listener = Arc::new(PerListener {
        builder,
        limits: Limits {
            header_timeout: settings.header_timeout,
            max_header_size: settings.max_header_size,
        },
        tls: settings.tls.clone(),
        idle: settings.idle_timeout,
    });
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
                let this = per_listener.clone();
                let watcher = graceful.watcher();
                let mut drain = drain_rx.clone();
                async move {
                    let limits = &this.limits;
                    // `h2` is found here rather than by borrowing `stream` later: a borrowed
                    // local stays in the task's state.
                    let (stream, h2) = match &this.tls {
                        None => (MaybeTls::Plain(stream), false),
                        Some(cfg) => {
                            // Boxed for the same reason as hyper's state below. The handshake
                            // has the header timeout.
                            let accept =
                                crate::proxy::core::tls::accept(cfg, stream, limits.header_timeout);
                            match Box::pin(accept).await {
                                Ok(s) => {
                                    let h2 = matches!(&s, MaybeTls::Tls(t)
                                        if t.get_ref().1.alpn_protocol() == Some(b"h2"));
                                    (s, h2)
                                }
                                Err(_) => return,
                            }
                        }
                    };
                    // Starts untouched: a client that sends nothing is cut when the first period
                    // ends, the header timeout (or the idle timeout when that is shorter).
                    let touched = Arc::new(AtomicBool::new(false));
                    let io = Activity {
                        inner: crate::proxy::core::upstream::SendStream::wrap(stream),
                        touched: touched.clone(),
                    };
                    let serve = async {
                        let (io, read) = if h2 {
                            (io, Vec::new())
                        } else {
                            match H1Conn::new(io, peer, &l7, limits).serve(&mut drain).await {
                                Outcome::Closed => return,
                                Outcome::Hyper(io, read) => (io, read),
                            }
                        };
                        let io = TokioIo::new(Prefixed::new(read, io));
                        let l7c = l7.clone();
                        let svc = service_fn(move |req| l7c.clone().handle(peer, req));
                        let conn = this
                            .builder
                            .serve_connection_with_upgrades(io, svc)
                            .into_owned();
                        // Boxed: hyper's connection state is large, and most connections never
                        // get here; inline it would be part of every connection's task.
                        let _ = Box::pin(watcher.watch(conn)).await;
                    };
                    // Quiet for a whole period: close (in-flight requests keep the connection
                    // busy only through their bytes, so a backend slower than the idle
                    // timeout also ends here, as in HAProxy's `timeout client`).
                    let first = this.idle.min(limits.header_timeout);
                    tokio::select! {
                        _ = serve => {}
                        _ = idle_after(&touched, first, this.idle) => {}
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
        crate::proxy::core::log::state(format_args!(
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
