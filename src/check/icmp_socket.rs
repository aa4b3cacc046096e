//! The ping socket of the ICMP check (icmp.rs): opening it (`socket(AF_INET, SOCK_DGRAM,
//! IPPROTO_ICMP)`, ICMPv6 likewise) with the sysctl named when the system forbids it, the
//! options a query asks for (source address, TTL, don't-fragment), the control messages it
//! asks the kernel for (TTL / hop limit, receive timestamp), and recvmsg(2) with them read
//! back. The unsafe libc calls of the check live here, each with its reason.

use super::icmp_data::{IcmpQuery, IpFamily};
use super::io_reason;
use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use std::net::{IpAddr, SocketAddr};
use std::os::fd::{AsRawFd, RawFd};
use std::time::Duration;

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

/// Apply the query's socket options before the first request: the source address, the TTL
/// / hop limit and don't-fragment. Err is a one-line reason.
pub(super) fn shape(sock: &Socket, q: &IcmpQuery, ip: IpAddr) -> Result<(), String> {
    let v6 = ip.is_ipv6();
    if let Some(src) = q.source {
        if src.is_ipv6() != v6 {
            return Err(format!(
                "source_ip_address {src} is {} but {ip} is {}",
                IpFamily::of(src).name(),
                IpFamily::of(ip).name()
            ));
        }
        // A ping socket's "port" is its identifier: 0 lets the kernel pick one.
        sock.bind(&SockAddr::from(SocketAddr::new(src, 0)))
            .map_err(|e| format!("cannot send from {src}: {}", io_reason(&e)))?;
    }
    if let Some(ttl) = q.ttl {
        let set = if v6 {
            sock.set_unicast_hops_v6(u32::from(ttl))
        } else {
            sock.set_ttl_v4(u32::from(ttl))
        };
        set.map_err(|e| format!("cannot set ttl {ttl}: {}", io_reason(&e)))?;
    }
    if q.dont_fragment {
        // Linux ip(7) / ipv6(7): PMTUDISC_DO sets DF (IPv4) and never fragments locally; an
        // oversized send fails with EMSGSIZE.
        let set = if v6 {
            set_int(
                sock,
                libc::IPPROTO_IPV6,
                libc::IPV6_MTU_DISCOVER,
                libc::IPV6_PMTUDISC_DO,
            )
        } else {
            set_int(
                sock,
                libc::IPPROTO_IP,
                libc::IP_MTU_DISCOVER,
                libc::IP_PMTUDISC_DO,
            )
        };
        set.map_err(|e| format!("cannot set dont_fragment: {}", io_reason(&e)))?;
    }
    Ok(())
}

/// The one-line reason for EMSGSIZE: the request needs a bigger packet than the path MTU
/// (IP_MTU / IPV6_MTU of the connected socket) allows without fragments.
pub(super) fn too_big(
    sock: &tokio::net::UdpSocket,
    q: &IcmpQuery,
    ip: IpAddr,
    e: &std::io::Error,
) -> String {
    let v6 = ip.is_ipv6();
    let ip_header: u32 = if v6 { 40 } else { 20 };
    let packet = ip_header + 8 + q.payload_size;
    let mtu = if v6 {
        get_int(sock.as_raw_fd(), libc::IPPROTO_IPV6, libc::IPV6_MTU)
    } else {
        get_int(sock.as_raw_fd(), libc::IPPROTO_IP, libc::IP_MTU)
    };
    match mtu.and_then(|m| u32::try_from(m).ok()) {
        Some(mtu) if q.dont_fragment => format!(
            "payload_size {} needs a {packet}-byte packet, over the path MTU of {mtu} to {ip}, and dont_fragment forbids fragments (payload_size {} fits)",
            q.payload_size,
            mtu.saturating_sub(ip_header + 8)
        ),
        _ => format!(
            "payload_size {} (a {packet}-byte packet) is too big to send to {ip}: {}",
            q.payload_size,
            io_reason(e)
        ),
    }
}

/// getsockopt(level, name) of an int option; None when the kernel refuses.
fn get_int(fd: RawFd, level: libc::c_int, name: libc::c_int) -> Option<libc::c_int> {
    let mut v: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: an open socket, and pointers to a c_int and its length that outlive the call,
    // as getsockopt(2) requires for an int option.
    let rc = unsafe {
        libc::getsockopt(
            fd,
            level,
            name,
            (&mut v as *mut libc::c_int).cast(),
            &mut len,
        )
    };
    (rc == 0).then_some(v)
}

/// setsockopt(level, name, value) of an int option.
fn set_int(
    sock: &Socket,
    level: libc::c_int,
    name: libc::c_int,
    value: libc::c_int,
) -> std::io::Result<()> {
    // SAFETY: a valid open socket, and a pointer to a c_int that outlives the call with its
    // exact size, as setsockopt(2) requires for int options.
    let rc = unsafe {
        libc::setsockopt(
            sock.as_raw_fd(),
            level,
            name,
            (&value as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// Ask the kernel for the TTL / hop limit of each reply and its receive time (control
/// messages); without them a reply still counts, timed by the reactor's wake-up instead.
pub(super) fn want_control(sock: &Socket, v6: bool) {
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
    let _ = set_int(sock, level, name, 1);
}

pub(super) async fn send(sock: &tokio::net::UdpSocket, packet: &[u8]) -> std::io::Result<usize> {
    sock.send(packet).await
}

pub(super) struct Reply {
    pub(super) len: usize,
    pub(super) control: Control,
}

pub(super) async fn recv(sock: &tokio::net::UdpSocket, buf: &mut [u8]) -> std::io::Result<Reply> {
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
pub(super) struct Control {
    /// IP_TTL (IPv4) or IPV6_HOPLIMIT.
    pub(super) hop_limit: Option<u8>,
    /// SCM_TIMESTAMPNS: when the kernel received the reply, since the Unix epoch.
    pub(super) received: Option<Duration>,
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
