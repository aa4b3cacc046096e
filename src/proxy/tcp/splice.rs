//! The relay for plain TCP on Linux: each direction copies through a 64 KiB buffer on the
//! sockets themselves (no stream splitting) and, once a transfer proves bulky, switches to
//! `splice(2)`, which moves bytes socket -> pipe -> socket inside the kernel without copying
//! them through user space. Same contract as [`super::pipe::pipe`] (used for TLS): half-
//! close passed on, an idle timeout over both directions, live byte counters. Used by l4.rs
//! when neither side is TLS and nothing is buffered for the client.

use super::pipe::PipeEnd;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::io::Interest;
use tokio::net::TcpStream;

/// Bytes moved per splice call (the default pipe capacity on Linux).
const CHUNK: usize = 64 * 1024;
/// First buffer of a direction (HAProxy's default `tune.bufsize`).
const FIRST_BUF: usize = 16 * 1024;

/// A non-blocking pipe, closed on drop.
struct Pipe {
    read: OwnedFd,
    write: OwnedFd,
}

fn new_pipe() -> io::Result<Pipe> {
    let mut fds: [libc::c_int; 2] = [0; 2];
    // SAFETY: pipe2 writes two descriptors into the array it is given.
    let rc = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC) };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: both descriptors were just created and are owned by nothing else.
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    Ok(Pipe { read, write })
}

fn splice(from: RawFd, to: RawFd, len: usize) -> io::Result<usize> {
    // SAFETY: plain descriptors, no offsets (both null: sockets and pipes have none).
    let n = unsafe {
        libc::splice(
            from,
            std::ptr::null_mut(),
            to,
            std::ptr::null_mut(),
            len,
            libc::SPLICE_F_MOVE | libc::SPLICE_F_NONBLOCK,
        )
    };
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

/// Move bytes until both directions are finished or nothing moved for `idle`.
pub async fn pipe(
    client: TcpStream,
    backend: TcpStream,
    idle: Duration,
    to_backend: Arc<AtomicU64>,
    to_client: Arc<AtomicU64>,
    conn: &super::pipe::PipeCounters,
) -> io::Result<PipeEnd> {
    let start = Instant::now();
    let last = AtomicU64::new(0);
    let up = one_way(
        &client,
        &backend,
        [&to_backend, &conn.bytes_in],
        &last,
        start,
    );
    let down = one_way(
        &backend,
        &client,
        [&to_client, &conn.bytes_out],
        &last,
        start,
    );
    super::pipe::drive(up, down, &last, start, idle).await
}

/// One direction. It starts as a buffered copy (one read and one write per message: the
/// cheapest for small request/response traffic) and switches to splice once a read fills the
/// whole buffer, i.e. a bulk transfer (HAProxy's `splice-auto` heuristic). At EOF the
/// destination's write half is shut down (the FIN is passed on).
async fn one_way(
    from: &TcpStream,
    to: &TcpStream,
    counters: [&AtomicU64; 2],
    last: &AtomicU64,
    start: Instant,
) -> io::Result<()> {
    // Small first (a short connection does not pay for zeroing 64 KiB per direction), grown
    // to CHUNK when a read fills it.
    let mut buf = vec![0u8; FIRST_BUF];
    let mut pipe: Option<Pipe> = None;
    loop {
        let n = match &pipe {
            None => {
                let n = read(from, &mut buf).await?;
                write_all(to, &buf[..n]).await?;
                if n == buf.len() {
                    if buf.len() < CHUNK {
                        buf.resize(CHUNK, 0);
                    } else {
                        // A full 64 KiB read means more is waiting: splice if a pipe can be had.
                        pipe = new_pipe().ok();
                    }
                }
                n
            }
            Some(p) => spliced(from, to, p).await?,
        };
        if n == 0 {
            let _ = socket2::SockRef::from(to).shutdown(std::net::Shutdown::Write);
            return Ok(());
        }
        for c in counters {
            c.fetch_add(n as u64, Ordering::Relaxed);
        }
        last.store(start.elapsed().as_micros() as u64, Ordering::Relaxed);
    }
}

async fn read(from: &TcpStream, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        from.readable().await?;
        match from.try_read(buf) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            r => return r,
        }
    }
}

async fn write_all(to: &TcpStream, mut buf: &[u8]) -> io::Result<()> {
    while !buf.is_empty() {
        to.writable().await?;
        match to.try_write(buf) {
            Ok(n) => buf = &buf[n..],
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Socket -> pipe (the pipe is empty, so EAGAIN can only mean the socket has nothing to
/// read), then pipe -> socket until the pipe is empty again. The bytes moved (0 at EOF).
async fn spliced(from: &TcpStream, to: &TcpStream, p: &Pipe) -> io::Result<usize> {
    let n = loop {
        from.readable().await?;
        match from.try_io(Interest::READABLE, || {
            splice(from.as_raw_fd(), p.write.as_raw_fd(), CHUNK)
        }) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            r => break r?,
        }
    };
    let mut queued = n;
    while queued > 0 {
        to.writable().await?;
        match to.try_io(Interest::WRITABLE, || {
            splice(p.read.as_raw_fd(), to.as_raw_fd(), queued)
        }) {
            Ok(k) => queued -= k,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    /// A spliced pipe between a real client and a real echo backend: bytes, half-close and
    /// counters as with the buffered pipe.
    #[tokio::test]
    async fn echo_with_half_close_and_counters() {
        let echo_addr = crate::proxy::tcp::pipe::tests::echo_backend().await;
        let front = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let front_addr = front.local_addr().unwrap();
        let (tb, tc) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
        let (tb2, tc2) = (tb.clone(), tc.clone());
        let conn = Arc::new(crate::proxy::tcp::pipe::PipeCounters::default());
        let conn2 = conn.clone();
        let task = tokio::spawn(async move {
            let (c, _) = front.accept().await?;
            let b = TcpStream::connect(echo_addr).await?;
            pipe(c, b, Duration::from_secs(5), tb2, tc2, &conn2).await
        });
        let client = TcpStream::connect(front_addr).await.unwrap();
        let payload: Vec<u8> = (0..3_000_000u32).map(|i| (i * 13 % 251) as u8).collect();
        let (mut r, mut w) = client.into_split();
        let p2 = payload.clone();
        let writer = tokio::spawn(async move {
            w.write_all(&p2).await.unwrap();
            w.shutdown().await.unwrap();
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
}
