//! The accept loop both backends of `lbctl serve` share (http.rs and tcp.rs): the next
//! connection with TCP_NODELAY set, or None once the shutdown signal has come.

use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpListener;

/// The next accepted connection (TCP_NODELAY set), or None once `shutdown` has resolved.
/// Accept errors (out of file descriptors and the like) back off instead of spinning.
pub(crate) async fn accept_next(
    listener: &TcpListener,
    mut shutdown: std::pin::Pin<&mut impl std::future::Future<Output = ()>>,
) -> Option<(tokio::net::TcpStream, SocketAddr)> {
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let _ = stream.set_nodelay(true);
                    return Some((stream, peer));
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            _ = &mut shutdown => return None,
        }
    }
}
