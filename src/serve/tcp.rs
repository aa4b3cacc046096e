//! A TCP echo backend for L4 proxy tests: everything read is written back; when the client
//! half-closes, the echo finishes and the write side is shut down too.

use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

/// Echo on `listener` until `shutdown` resolves; open connections get `drain` to finish.
pub async fn serve(
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()>,
    drain: Duration,
) {
    let tracker = crate::shutdown::InFlight::default();
    tokio::pin!(shutdown);
    while let Some((mut stream, _)) = super::accept::accept_next(&listener, shutdown.as_mut()).await
    {
        let guard = tracker.enter();
        tokio::spawn(async move {
            let (mut r, mut w) = stream.split();
            let _ = tokio::io::copy(&mut r, &mut w).await;
            let _ = w.shutdown().await;
            drop(guard);
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(drain, tracker.idle()).await;
}
