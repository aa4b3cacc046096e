//! The ICMP check (`icmp://HOST[?count=N]`): echo requests on an unprivileged ping socket
//! (`socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)`, Linux 3.0+; ICMPv6 likewise), so lbctl needs
//! neither root nor CAP_NET_RAW, only a group inside `net.ipv4.ping_group_range` (which
//! governs both families). The kernel fills in the checksum and the identifier (the socket's
//! "port") and hands back only replies to that identifier; this module still checks the
//! reply type, the identifier, the sequence number and a random payload token, times each
//! reply from the kernel's receive timestamp (SO_TIMESTAMPNS, as ping(8) does), and reads the
//! reply's TTL / hop limit from IP_RECVTTL / IPV6_RECVHOPLIMIT.
//!
//! Phases as blackbox_exporter's icmp prober names them: resolve (the DNS slot), setup (the
//! socket; the connect slot) and rtt (the mean round trip; the first-byte slot). Requests go
//! 100 ms apart; each waits for its reply at most its share of the time left before the
//! timeout, so a lost reply costs a share, not the whole check. No reply at all fails the
//! check, as ping(8) exits 1 when nothing came back.
//!
//! Where the system forbids ping sockets, opening one fails with EACCES (or EPERM): that is
//! [`SocketProblem::NotAllowed`], whose message names the sysctl to set; `probe` checks it
//! before probing ([`preflight`]) and exits 2.

use super::icmp_data::{IcmpInfo, IcmpQuery};
use super::ws_data::ms;
use super::{Fail, FailKind, Phase, Progress, Target, io_reason};
use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use std::net::{IpAddr, SocketAddr};
use std::os::fd::{AsRawFd, RawFd};
use std::time::{Duration, Instant};

/// Between two echo requests of one target.
const INTERVAL: Duration = Duration::from_millis(100);
/// ICMP echo request and reply types (RFC 792; RFC 4443 4.1, 4.2 for ICMPv6).
const ECHO_REQUEST_V4: u8 = 8;
const ECHO_REPLY_V4: u8 = 0;
const ECHO_REQUEST_V6: u8 = 128;
const ECHO_REPLY_V6: u8 = 129;
/// What to do when the system forbids ping sockets.
pub const SYSCTL_FIX: &str = "sysctl -w net.ipv4.ping_group_range=\"0 2147483647\"";

/// Why a ping socket could not be opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SocketProblem {
    /// EACCES/EPERM: this process's group is outside net.ipv4.ping_group_range.
    NotAllowed(String),
    /// Anything else (no IPv6 on this host, out of file descriptors...).
    Other(String),
}

impl SocketProblem {
    pub fn message(&self) -> &str {
        match self {
            SocketProblem::NotAllowed(m) | SocketProblem::Other(m) => m,
        }
    }
}

/// Map the error of `socket(..., IPPROTO_ICMP)`; `range` is the current
/// net.ipv4.ping_group_range and `gid` this process's group, for the message.
pub fn classify(
    e: &std::io::Error,
    v6: bool,
    range: Option<&str>,
    gid: Option<u32>,
) -> SocketProblem {
    let family = if v6 { "ICMPv6" } else { "ICMP" };
    match e.raw_os_error() {
        Some(libc::EACCES) | Some(libc::EPERM) => {
            let group = gid.map_or("this process's group".to_string(), |g| format!("group {g}"));
            let range = range.map_or(String::new(), |r| format!(" (now '{r}')"));
            SocketProblem::NotAllowed(format!(
                "{family} probes need unprivileged ping sockets, and net.ipv4.ping_group_range{range} does not include {group}: allow them with {SYSCTL_FIX}"
            ))
        }
        Some(libc::EAFNOSUPPORT) | Some(libc::EPROTONOSUPPORT) => SocketProblem::Other(format!(
            "{family} ping sockets are not supported here ({})",
            io_reason(e)
        )),
        _ => SocketProblem::Other(format!("cannot open an {family} socket: {}", io_reason(e))),
    }
}

/// Open a non-blocking ping socket of the family, the error mapped by [`classify`].
pub fn ping_socket(v6: bool) -> Result<Socket, SocketProblem> {
    let (domain, proto) = if v6 {
        (Domain::IPV6, Protocol::ICMPV6)
    } else {
        (Domain::IPV4, Protocol::ICMPV4)
    };
    Socket::new(domain, Type::DGRAM.nonblocking(), Some(proto)).map_err(|e| {
        let range = std::fs::read_to_string("/proc/sys/net/ipv4/ping_group_range")
            .ok()
            .map(|r| r.split_whitespace().collect::<Vec<_>>().join(" "));
        // /proc/self belongs to the process's effective user and group.
        let gid = std::fs::metadata("/proc/self")
            .ok()
            .map(|m| std::os::unix::fs::MetadataExt::gid(&m));
        classify(&e, v6, range.as_deref(), gid)
    })
}

/// Before probing: Err with the message when the system forbids ping sockets of the family
/// (other problems are left to the check, which reports them per target).
pub fn preflight(v6: bool) -> Result<(), String> {
    match ping_socket(v6) {
        Err(SocketProblem::NotAllowed(m)) => Err(m),
        _ => Ok(()),
    }
}

pub(super) async fn check(t: &Target, p: &mut Progress) -> Result<(), Fail> {
    let q = IcmpQuery::parse(&t.path).map_err(|e| Fail::new(FailKind::Protocol, e))?;
    // resolve
    p.enter(Phase::Dns);
    let t0 = Instant::now();
    let ip = match t.host.parse::<IpAddr>() {
        Ok(ip) => ip,
        Err(_) => tokio::net::lookup_host((t.host.as_str(), 0))
            .await
            .map_err(|e| Fail::new(FailKind::Dns, format!("cannot resolve {}: {e}", t.host)))?
            .map(|a| a.ip())
            .next()
            .ok_or_else(|| Fail::new(FailKind::Dns, format!("{} has no address", t.host)))?,
    };
    p.out.timings.dns = Some(t0.elapsed());
    p.out.addr = Some(SocketAddr::new(ip, 0));
    // setup
    p.enter(Phase::Connect);
    let t1 = Instant::now();
    let v6 = ip.is_ipv6();
    let sock = ping_socket(v6).map_err(|e| Fail::new(FailKind::Connect, e.message()))?;
    want_control(&sock, v6);
    let io = |what: &str, e: std::io::Error| {
        Fail::new(FailKind::Connect, format!("{what} {ip}: {}", io_reason(&e)))
    };
    // Connected: the kernel then passes up only replies from this address.
    sock.connect(&SockAddr::from(SocketAddr::new(ip, 0)))
        .map_err(|e| io("connect", e))?;
    // A datagram socket like UDP's as far as the reactor is concerned.
    let sock = tokio::net::UdpSocket::from_std(std::net::UdpSocket::from(sock))
        .map_err(|e| io("register", e))?;
    p.out.timings.connect = Some(t1.elapsed());
    // echoes
    p.enter(Phase::Echo);
    let token: [u8; 8] = rand::random();
    let first_seq: u16 = rand::random();
    let mut info = IcmpInfo::default();
    let mut sent_at: Vec<Instant> = Vec::with_capacity(q.count as usize);
    // The same moments on the wall clock, to subtract from the kernel's receive timestamps.
    let mut sent_wall: Vec<std::time::SystemTime> = Vec::with_capacity(q.count as usize);
    let mut got = vec![false; q.count as usize];
    let mut rtts: Vec<Option<f64>> = vec![None; q.count as usize];
    let mut ident: Option<u16> = None;
    let mut last_error: Option<String> = None;
    for i in 0..q.count {
        if let Some(prev) = sent_at.last() {
            // No time left for another request and its reply: report what came back.
            if p.remaining() <= INTERVAL {
                break;
            }
            tokio::time::sleep_until((*prev + INTERVAL).into()).await;
        }
        let seq = first_seq.wrapping_add(i as u16);
        let packet = echo_request(v6, seq, &token);
        sent_wall.push(std::time::SystemTime::now());
        sent_at.push(Instant::now());
        info.sent += 1;
        if let Err(e) = send(&sock, &packet).await {
            last_error = Some(format!("send to {ip}: {}", io_reason(&e)));
            continue;
        }
        if ident.is_none() {
            // The kernel bound the socket at the first send: its port is our identifier.
            ident = sock.local_addr().ok().map(|a| a.port());
        }
        // This request's share of the time left (the last one gets all of it).
        let share = p.remaining() / (q.count - i);
        let until = Instant::now() + share;
        while !got[i as usize] {
            let Some(wait) = until.checked_duration_since(Instant::now()) else {
                break;
            };
            let mut buf = [0u8; 1500];
            let reply = match tokio::time::timeout(wait, recv(&sock, &mut buf)).await {
                Err(_) => break,
                Ok(Err(e)) => {
                    // An ICMP error for our request (unreachable...) ends this one's wait.
                    last_error = Some(format!("{ip}: {}", io_reason(&e)));
                    break;
                }
                Ok(Ok(r)) => r,
            };
            let now = Instant::now();
            let Some(s) = match_reply(v6, &buf[..reply.len], ident, &token) else {
                continue;
            };
            let k = usize::from(s.wrapping_sub(first_seq));
            if k < sent_at.len() && !got[k] {
                got[k] = true;
                let woke = now - sent_at[k];
                // The kernel's timestamp when it is there and consistent (the wall clock
                // may step); else when this task saw the reply.
                let kernel = reply.control.received.and_then(|rx| {
                    let tx = sent_wall[k].duration_since(std::time::UNIX_EPOCH).ok()?;
                    rx.checked_sub(tx).filter(|rtt| *rtt <= woke)
                });
                rtts[k] = Some(ms(kernel.unwrap_or(woke)));
                info.received += 1;
                if reply.control.hop_limit.is_some() {
                    info.hop_limit = reply.control.hop_limit;
                }
            }
        }
    }
    info.rtt_ms = rtts.into_iter().flatten().collect();
    if let Some(mean) = info.rtt_mean_ms() {
        p.out.timings.ttfb = Some(Duration::from_secs_f64(mean / 1e3));
    }
    let (sent, received) = (info.sent, info.received);
    p.out.icmp = Some(Box::new(info));
    if received == 0 {
        let why = last_error.map_or(String::new(), |e| format!(" ({e})"));
        return Err(Fail::new(
            FailKind::Timeout,
            format!("no echo reply from {ip} ({sent} sent){why}"),
        ));
    }
    Ok(())
}

/// An echo request: type, code 0, checksum 0 and identifier 0 (the kernel fills in both),
/// the sequence number, then the payload token (RFC 792 "Echo or Echo Reply Message").
fn echo_request(v6: bool, seq: u16, token: &[u8; 8]) -> Vec<u8> {
    let mut p = vec![
        if v6 { ECHO_REQUEST_V6 } else { ECHO_REQUEST_V4 },
        0,
        0,
        0,
        0,
        0,
    ];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(b"lbctl ");
    p.extend_from_slice(token);
    p
}

/// The sequence number of an echo reply to us (type, identifier when known, payload), or
/// None for anything else. A ping socket's reply starts at the ICMP header.
fn match_reply(v6: bool, b: &[u8], ident: Option<u16>, token: &[u8; 8]) -> Option<u16> {
    if b.len() < 8 + 6 + token.len() {
        return None;
    }
    let want_type = if v6 { ECHO_REPLY_V6 } else { ECHO_REPLY_V4 };
    if b[0] != want_type || b[1] != 0 {
        return None;
    }
    let id = u16::from_be_bytes([b[4], b[5]]);
    if ident.is_some_and(|want| want != id) {
        return None;
    }
    if &b[8..14] != b"lbctl " || &b[14..22] != token {
        return None;
    }
    Some(u16::from_be_bytes([b[6], b[7]]))
}

/// Ask the kernel for the TTL / hop limit of each reply and its receive time (control
/// messages); without them a reply still counts, timed by the reactor's wake-up instead.
fn want_control(sock: &Socket, v6: bool) {
    if v6 {
        let _ = sock.set_recv_hoplimit_v6(true);
    } else {
        set_flag(sock, libc::IPPROTO_IP, libc::IP_RECVTTL);
    }
    // The kernel's receive timestamp, as ping(8) uses: the round trip then excludes the time
    // this process takes to wake up and read the reply.
    set_flag(sock, libc::SOL_SOCKET, libc::SO_TIMESTAMPNS);
}

/// setsockopt(level, name, 1); a failure only loses the optional facts it asked for.
fn set_flag(sock: &Socket, level: libc::c_int, name: libc::c_int) {
    let on: libc::c_int = 1;
    // SAFETY: a valid open socket, and a pointer to a c_int that outlives the call with its
    // exact size, as setsockopt(2) requires for these boolean options.
    let _ = unsafe {
        libc::setsockopt(
            sock.as_raw_fd(),
            level,
            name,
            (&on as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
}

async fn send(sock: &tokio::net::UdpSocket, packet: &[u8]) -> std::io::Result<usize> {
    sock.send(packet).await
}

struct Reply {
    len: usize,
    control: Control,
}

async fn recv(sock: &tokio::net::UdpSocket, buf: &mut [u8]) -> std::io::Result<Reply> {
    let fd = sock.as_raw_fd();
    loop {
        sock.readable().await?;
        let mut ctrl = [0u64; 16];
        match sock.try_io(tokio::io::Interest::READABLE, || {
            recvmsg(fd, buf, &mut ctrl)
        }) {
            Ok((len, ctrl_len)) => {
                let bytes: Vec<u8> = ctrl.iter().flat_map(|w| w.to_ne_bytes()).collect();
                return Ok(Reply {
                    len,
                    control: control(&bytes[..ctrl_len.min(bytes.len())]),
                });
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(e) => return Err(e),
        }
    }
}

/// recvmsg(2) with one data buffer and a control buffer (u64s, for cmsghdr's alignment);
/// returns the data and control lengths.
fn recvmsg(fd: RawFd, buf: &mut [u8], ctrl: &mut [u64]) -> std::io::Result<(usize, usize)> {
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: msghdr is plain old data; all-zero is an empty header, filled in below.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = ctrl.as_mut_ptr().cast();
    msg.msg_controllen = std::mem::size_of_val(ctrl) as _;
    // SAFETY: fd is an open socket; iov and the control buffer point to live, writable memory
    // of the lengths given, borrowed for the whole call.
    let n = unsafe { libc::recvmsg(fd, &mut msg, libc::MSG_DONTWAIT) };
    if n < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok((n as usize, msg.msg_controllen as usize))
}

/// What the control messages of one reply said.
#[derive(Debug, Default, PartialEq, Eq)]
struct Control {
    /// IP_TTL (IPv4) or IPV6_HOPLIMIT.
    hop_limit: Option<u8>,
    /// SCM_TIMESTAMPNS: when the kernel received the reply, since the Unix epoch.
    received: Option<Duration>,
}

/// Read a control buffer field by field (Linux `struct cmsghdr`: a size_t length, int level,
/// int type, data aligned to size_t; a timestamp is a `struct timespec` of two longs).
fn control(ctrl: &[u8]) -> Control {
    const W: usize = std::mem::size_of::<usize>();
    let header = std::mem::size_of::<libc::cmsghdr>();
    let align = |n: usize| (n + W - 1) & !(W - 1);
    let int = |b: &[u8]| -> Option<i32> { Some(i32::from_ne_bytes(b.get(..4)?.try_into().ok()?)) };
    let word =
        |b: &[u8]| -> Option<isize> { Some(isize::from_ne_bytes(b.get(..W)?.try_into().ok()?)) };
    let mut out = Control::default();
    let mut off = 0;
    while off + header <= ctrl.len() {
        let Some(len) = ctrl[off..off + W].try_into().ok().map(usize::from_ne_bytes) else {
            break;
        };
        if len < header || off + len > ctrl.len() {
            break;
        }
        let (Some(level), Some(kind)) = (int(&ctrl[off + W..]), int(&ctrl[off + W + 4..])) else {
            break;
        };
        let data = &ctrl[off + align(header)..off + len];
        if (level == libc::IPPROTO_IP && kind == libc::IP_TTL)
            || (level == libc::IPPROTO_IPV6 && kind == libc::IPV6_HOPLIMIT)
        {
            out.hop_limit = int(data).and_then(|v| u8::try_from(v).ok());
        } else if level == libc::SOL_SOCKET && kind == libc::SCM_TIMESTAMPNS {
            let secs = word(data).and_then(|v| u64::try_from(v).ok());
            let nanos = data
                .get(W..)
                .and_then(word)
                .and_then(|v| u32::try_from(v).ok());
            if let (Some(secs), Some(nanos)) = (secs, nanos.filter(|n| *n < 1_000_000_000)) {
                out.received = Some(Duration::new(secs, nanos));
            }
        }
        off += align(len);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_allowed_names_the_sysctl() {
        let e = std::io::Error::from_raw_os_error(libc::EACCES);
        let p = classify(&e, false, Some("1 0"), Some(0));
        let SocketProblem::NotAllowed(m) = &p else {
            panic!("{p:?}");
        };
        assert!(
            m.contains("net.ipv4.ping_group_range (now '1 0') does not include group 0"),
            "{m}"
        );
        assert!(m.contains(SYSCTL_FIX), "{m}");
        assert!(!m.contains('\n'));
        let e = std::io::Error::from_raw_os_error(libc::EPERM);
        assert!(
            matches!(classify(&e, true, None, None), SocketProblem::NotAllowed(m) if m.starts_with("ICMPv6"))
        );
        let e = std::io::Error::from_raw_os_error(libc::EAFNOSUPPORT);
        assert!(
            matches!(classify(&e, true, None, None), SocketProblem::Other(m) if m.contains("not supported"))
        );
        let e = std::io::Error::from_raw_os_error(libc::EMFILE);
        let p = classify(&e, false, None, None);
        assert!(
            matches!(&p, SocketProblem::Other(m) if !m.contains("os error")),
            "{p:?}"
        );
    }

    #[test]
    fn replies_match_type_ident_and_token() {
        let token = [1, 2, 3, 4, 5, 6, 7, 8];
        let mut r = echo_request(false, 7, &token);
        assert_eq!(
            match_reply(false, &r, None, &token),
            None,
            "a request is not a reply"
        );
        r[0] = ECHO_REPLY_V4;
        r[4..6].copy_from_slice(&99u16.to_be_bytes());
        assert_eq!(match_reply(false, &r, Some(99), &token), Some(7));
        assert_eq!(match_reply(false, &r, Some(98), &token), None);
        assert_eq!(match_reply(false, &r, None, &[0; 8]), None);
        assert_eq!(match_reply(true, &r, None, &token), None);
        assert_eq!(match_reply(false, &r[..10], None, &token), None);
        let mut r6 = echo_request(true, 65535, &token);
        r6[0] = ECHO_REPLY_V6;
        assert_eq!(match_reply(true, &r6, None, &token), Some(65535));
    }

    #[test]
    fn control_messages_give_hop_limit_and_timestamp() {
        const W: usize = std::mem::size_of::<usize>();
        let header = std::mem::size_of::<libc::cmsghdr>();
        let cmsg = |level: i32, kind: i32, data: &[u8]| {
            let mut b = Vec::new();
            b.extend_from_slice(&(header + data.len()).to_ne_bytes());
            b.extend_from_slice(&level.to_ne_bytes());
            b.extend_from_slice(&kind.to_ne_bytes());
            b.resize(header, 0);
            b.extend_from_slice(data);
            b.resize(b.len().div_ceil(W) * W, 0);
            b
        };
        let mut ts = Vec::new();
        ts.extend_from_slice(&1_700_000_000isize.to_ne_bytes());
        ts.extend_from_slice(&250_000_000isize.to_ne_bytes());
        let mut two = cmsg(libc::SOL_SOCKET, libc::SCM_TIMESTAMPNS, &ts);
        two.extend(cmsg(libc::IPPROTO_IP, libc::IP_TTL, &63i32.to_ne_bytes()));
        assert_eq!(
            control(&two),
            Control {
                hop_limit: Some(63),
                received: Some(Duration::new(1_700_000_000, 250_000_000)),
            }
        );
        let v6 = cmsg(
            libc::IPPROTO_IPV6,
            libc::IPV6_HOPLIMIT,
            &255i32.to_ne_bytes(),
        );
        assert_eq!(control(&v6).hop_limit, Some(255));
        assert_eq!(control(&[]), Control::default());
        assert_eq!(control(&two[..5]), Control::default());
        let mut bad = cmsg(libc::IPPROTO_IP, libc::IP_TTL, &1i32.to_ne_bytes());
        bad[0] = 255; // a length past the buffer
        assert_eq!(control(&bad), Control::default());
        // A timestamp with nanoseconds out of range is not one.
        let mut odd = Vec::new();
        odd.extend_from_slice(&1isize.to_ne_bytes());
        odd.extend_from_slice(&2_000_000_000isize.to_ne_bytes());
        let odd = cmsg(libc::SOL_SOCKET, libc::SCM_TIMESTAMPNS, &odd);
        assert_eq!(control(&odd).received, None);
    }
}
