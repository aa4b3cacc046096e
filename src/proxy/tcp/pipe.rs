//! The L4 data path: copy bytes both ways between a client and a backend connection with
//! correct half-close (a FIN from one side is passed on while the other direction keeps
//! flowing), an idle timeout over both directions, and live byte counters for /metrics.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Buffer per direction: large enough that a bulk transfer is not syscall-bound.
const BUF: usize = 64 * 1024;

/// Bytes moved by one connection, updated as they move (for its access-log line).
#[derive(Debug, Default)]
pub struct PipeCounters {
    /// Client to backend.
    pub bytes_in: AtomicU64,
    /// Backend to client.
    pub bytes_out: AtomicU64,
}

/// How a pipe ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PipeEnd {
    /// Both sides closed their write half.
    Closed,
    /// Nothing moved in either direction for the idle timeout.
    Idle,
}

/// Copy until both directions are finished or the pipe is idle for `idle`.
/// `to_backend` and `to_client` may be shared across connections (per-backend totals);
/// `conn` counts this connection alone.
pub async fn pipe<C, B>(
    client: C,
    backend: B,
    idle: Duration,
    to_backend: Arc<AtomicU64>,
    to_client: Arc<AtomicU64>,
    conn: &PipeCounters,
) -> io::Result<PipeEnd>
where
    C: AsyncRead + AsyncWrite + Unpin,
    B: AsyncRead + AsyncWrite + Unpin,
{
    let (mut cr, mut cw) = tokio::io::split(client);
    let (mut br, mut bw) = tokio::io::split(backend);
    let start = Instant::now();
    let last = AtomicU64::new(0);
    let up = one_way(
        &mut cr,
        &mut bw,
        [&to_backend, &conn.bytes_in],
        &last,
        start,
    );
    let down = one_way(
        &mut br,
        &mut cw,
        [&to_client, &conn.bytes_out],
        &last,
        start,
    );
    drive(up, down, &last, start, idle).await
}

/// Run both directions of a pipe until each has finished, or until neither has moved a byte
/// for `idle` (`last` holds the microseconds since `start` of the latest activity). Shared by
/// this buffered pipe and the spliced one in `splice.rs`.
pub(crate) async fn drive(
    up: impl std::future::Future<Output = io::Result<()>>,
    down: impl std::future::Future<Output = io::Result<()>>,
    last: &AtomicU64,
    start: Instant,
    idle: Duration,
) -> io::Result<PipeEnd> {
    tokio::pin!(up, down);
    let (mut up_done, mut down_done) = (false, false);
    loop {
        let idle_at = Duration::from_micros(last.load(Ordering::Relaxed)) + idle;
        let sleep = tokio::time::sleep_until(tokio::time::Instant::from_std(start + idle_at));
        tokio::select! {
            r = &mut up, if !up_done => { r?; up_done = true; }
            r = &mut down, if !down_done => { r?; down_done = true; }
            _ = sleep => {
                // Activity may have moved the deadline since the sleep was armed.
                let now = start.elapsed();
                if now >= Duration::from_micros(last.load(Ordering::Relaxed)) + idle {
                    return Ok(PipeEnd::Idle);
                }
            }
        }
        if up_done && down_done {
            return Ok(PipeEnd::Closed);
        }
    }
}

/// Copy one direction until EOF, then shut down the destination's write half (passing the FIN on).
async fn one_way<R, W>(
    r: &mut R,
    w: &mut W,
    counters: [&AtomicU64; 2],
    last: &AtomicU64,
    start: Instant,
) -> io::Result<()>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut buf = vec![0u8; BUF];
    loop {
        let n = r.read(&mut buf).await?;
        if n == 0 {
            let _ = w.shutdown().await;
            return Ok(());
        }
        w.write_all(&buf[..n]).await?;
        for c in counters {
            c.fetch_add(n as u64, Ordering::Relaxed);
        }
        last.store(start.elapsed().as_micros() as u64, Ordering::Relaxed);
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use tokio::net::{TcpListener, TcpStream};

    /// A one-connection echo backend on loopback that passes the client's FIN back (shared
    /// with the splice pipe's tests).
    pub(crate) async fn echo_backend() -> std::net::SocketAddr {
        let echo = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = echo.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut s, _) = echo.accept().await.unwrap();
            let (mut r, mut w) = s.split();
            let _ = tokio::io::copy(&mut r, &mut w).await;
            let _ = w.shutdown().await;
        });
        addr
    }

    /// A pipe between a real client socket and a real echo backend on loopback.
    async fn setup(
        idle: Duration,
    ) -> (
        TcpStream,
        tokio::task::JoinHandle<io::Result<PipeEnd>>,
        Arc<AtomicU64>,
        Arc<AtomicU64>,
        Arc<PipeCounters>,
    ) {
        let echo_addr = echo_backend().await;
        let front = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let front_addr = front.local_addr().unwrap();
        let (tb, tc) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
        let (tb2, tc2) = (tb.clone(), tc.clone());
        let conn = Arc::new(PipeCounters::default());
        let conn2 = conn.clone();
        let task = tokio::spawn(async move {
            let (c, _) = front.accept().await?;
            let b = TcpStream::connect(echo_addr).await?;
            pipe(c, b, idle, tb2, tc2, &conn2).await
        });
        (
            TcpStream::connect(front_addr).await.unwrap(),
            task,
            tb,
            tc,
            conn,
        )
    }

    #[tokio::test]
    async fn echo_with_half_close_and_counters() {
        let (client, task, tb, tc, conn) = setup(Duration::from_secs(5)).await;
        let payload: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 % 256) as u8).collect();
        let (mut r, mut w) = client.into_split();
        let p2 = payload.clone();
        let writer = tokio::spawn(async move {
            w.write_all(&p2).await.unwrap();
            w.shutdown().await.unwrap(); // half-close: we still read the rest
        });
        let mut back = Vec::new();
        r.read_to_end(&mut back).await.unwrap();
        writer.await.unwrap();
        assert_eq!(back, payload);
        assert_eq!(task.await.unwrap().unwrap(), PipeEnd::Closed);
        assert_eq!(tb.load(Ordering::Relaxed), payload.len() as u64);
        assert_eq!(tc.load(Ordering::Relaxed), payload.len() as u64);
        assert_eq!(conn.bytes_in.load(Ordering::Relaxed), payload.len() as u64);
        assert_eq!(conn.bytes_out.load(Ordering::Relaxed), payload.len() as u64);
    }

    #[tokio::test]
    async fn idle_pipes_end() {
        let (mut client, task, _, _, _) = setup(Duration::from_millis(150)).await;
        client.write_all(b"ping").await.unwrap();
        let mut buf = [0u8; 4];
        client.read_exact(&mut buf).await.unwrap();
        let t = Instant::now();
        assert_eq!(task.await.unwrap().unwrap(), PipeEnd::Idle);
        assert!(t.elapsed() >= Duration::from_millis(100));
    }
}
