//! The ICMP check (`icmp://HOST[?count=N&...]`): echo requests on an unprivileged ping socket
//! (`socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)`, Linux 3.0+; ICMPv6 likewise), so lbctl needs
//! neither root nor CAP_NET_RAW, only a group inside `net.ipv4.ping_group_range` (which
//! governs both families). The kernel fills in the checksum and the identifier (the socket's
//! "port") and hands back only replies to that identifier; this module still checks the
//! reply type, the identifier, the sequence number and a random payload token, times each
//! reply from the kernel's receive timestamp (SO_TIMESTAMPNS, as ping(8) does), and reads the
//! reply's TTL / hop limit from IP_RECVTTL / IPV6_RECVHOPLIMIT.
//!
//! blackbox_exporter's icmp options (icmp_data.rs parses them) shape the socket before the
//! first request: the address family picked among the host's addresses, the source address
//! (bind), the TTL (IP_TTL / IPV6_UNICAST_HOPS), don't-fragment (IP_MTU_DISCOVER =
//! IP_PMTUDISC_DO, so the kernel refuses an oversized request with EMSGSIZE at once rather than
//! fragmenting it; the check then fails naming the path MTU) and the payload size. The socket
//! itself (opening it, its options, recvmsg and the control messages) is icmp_socket.rs.
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
use super::icmp_socket::{recv, send, shape, too_big, want_control};
use super::ws_data::ms;
use super::{Fail, FailKind, Phase, Progress, Target, io_reason};
use socket2::SockAddr;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

pub use super::icmp_socket::{SYSCTL_FIX, SocketProblem, classify, ping_socket, preflight};

/// Between two echo requests of one target.
const INTERVAL: Duration = Duration::from_millis(100);
/// ICMP echo request and reply types (RFC 792; RFC 4443 4.1, 4.2 for ICMPv6).
const ECHO_REQUEST_V4: u8 = 8;
const ECHO_REPLY_V4: u8 = 0;
const ECHO_REQUEST_V6: u8 = 128;
const ECHO_REPLY_V6: u8 = 129;

pub(super) async fn check(t: &Target, p: &mut Progress) -> Result<(), Fail> {
    let q = IcmpQuery::parse(&t.path).map_err(|e| Fail::new(FailKind::Protocol, e))?;
    // resolve
    p.enter(Phase::Dns);
    let t0 = Instant::now();
    let addrs: Vec<IpAddr> = match t.host.parse::<IpAddr>() {
        // A literal is its own only address (what blackbox's resolver answers for one).
        Ok(ip) => vec![ip],
        Err(_) => tokio::net::lookup_host((t.host.as_str(), 0))
            .await
            .map_err(|e| Fail::new(FailKind::Dns, format!("cannot resolve {}: {e}", t.host)))?
            .map(|a| a.ip())
            .collect(),
    };
    let ip = q
        .choose(&t.host, &addrs)
        .map_err(|e| Fail::new(FailKind::Dns, e))?;
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
    shape(&sock, &q, ip).map_err(|e| Fail::new(FailKind::Connect, e))?;
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
    // An error that every further request would meet too (EMSGSIZE: too big for the path).
    let mut fatal: Option<String> = None;
    let payload = payload(q.payload_size, &token);
    // Room for the whole reply and a little more, so a longer (foreign) one shows as such.
    let mut buf = vec![0u8; 8 + payload.len() + 64];
    'requests: for i in 0..q.count {
        if let Some(prev) = sent_at.last() {
            // No time left for another request and its reply: report what came back.
            if p.remaining() <= INTERVAL {
                break;
            }
            tokio::time::sleep_until((*prev + INTERVAL).into()).await;
        }
        let seq = first_seq.wrapping_add(i as u16);
        let packet = echo_request(v6, seq, &payload);
        sent_wall.push(std::time::SystemTime::now());
        sent_at.push(Instant::now());
        info.sent += 1;
        if let Err(e) = send(&sock, &packet).await {
            if e.raw_os_error() == Some(libc::EMSGSIZE) {
                fatal = Some(too_big(&sock, &q, ip, &e));
                break;
            }
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
            let reply = match tokio::time::timeout(wait, recv(&sock, &mut buf)).await {
                Err(_) => break,
                // A router on the way said "fragmentation needed" (the kernel learnt the
                // smaller path MTU): no later request fits either.
                Ok(Err(e)) if e.raw_os_error() == Some(libc::EMSGSIZE) => {
                    fatal = Some(too_big(&sock, &q, ip, &e));
                    break 'requests;
                }
                Ok(Err(e)) => {
                    // An ICMP error for our request (unreachable...) ends this one's wait.
                    last_error = Some(format!("{ip}: {}", io_reason(&e)));
                    break;
                }
                Ok(Ok(r)) => r,
            };
            let now = Instant::now();
            let Some(s) = match_reply(v6, &buf[..reply.len], ident, &payload) else {
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
                info.reply_bytes = u32::try_from(reply.len).ok();
            }
        }
    }
    info.rtt_ms = rtts.into_iter().flatten().collect();
    if let Some(mean) = info.rtt_mean_ms() {
        p.out.timings.ttfb = Some(Duration::from_secs_f64(mean / 1e3));
    }
    let (sent, received) = (info.sent, info.received);
    p.out.icmp = Some(Box::new(info));
    if let Some(why) = fatal {
        return Err(Fail::new(FailKind::Protocol, why));
    }
    if received == 0 {
        let why = last_error.map_or(String::new(), |e| format!(" ({e})"));
        return Err(Fail::new(
            FailKind::Timeout,
            format!("no echo reply from {ip} ({sent} sent){why}"),
        ));
    }
    Ok(())
}

/// The echo payload of `size` bytes: "lbctl ", the random token, then bytes counting up (as
/// ping(8) pads), cut to `size`; a reply must carry it back unchanged (RFC 792).
fn payload(size: u32, token: &[u8; 8]) -> Vec<u8> {
    let size = size as usize;
    let mut p = Vec::with_capacity(size);
    p.extend_from_slice(b"lbctl ");
    p.extend_from_slice(token);
    let mut n: u8 = 0;
    while p.len() < size {
        p.push(n);
        n = n.wrapping_add(1);
    }
    p.truncate(size);
    p
}

/// An echo request: type, code 0, checksum 0 and identifier 0 (the kernel fills in both),
/// the sequence number, then the payload (RFC 792 "Echo or Echo Reply Message").
fn echo_request(v6: bool, seq: u16, payload: &[u8]) -> Vec<u8> {
    let mut p = vec![
        if v6 { ECHO_REQUEST_V6 } else { ECHO_REQUEST_V4 },
        0,
        0,
        0,
        0,
        0,
    ];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(payload);
    p
}

/// The sequence number of an echo reply to us (type, identifier when known, the payload we
/// sent), or None for anything else. A ping socket's reply starts at the ICMP header.
fn match_reply(v6: bool, b: &[u8], ident: Option<u16>, payload: &[u8]) -> Option<u16> {
    if b.len() != 8 + payload.len() {
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
    if &b[8..] != payload {
        return None;
    }
    Some(u16::from_be_bytes([b[6], b[7]]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::icmp_data::DEFAULT_PAYLOAD;

    #[test]
    fn payloads_have_the_asked_size_and_must_come_back_whole() {
        let token = [9u8; 8];
        assert_eq!(
            payload(DEFAULT_PAYLOAD, &token),
            b"lbctl \x09\x09\x09\x09\x09\x09\x09\x09"
        );
        assert!(payload(0, &token).is_empty());
        assert_eq!(payload(3, &token), b"lbc");
        let big = payload(1400, &token);
        assert_eq!(
            (big.len(), big[14], big[15], big[14 + 256]),
            (1400, 0, 1, 0)
        );
        for size in [0, 3, 1400] {
            let sent = payload(size, &token);
            let mut r = echo_request(false, 1, &sent);
            r[0] = ECHO_REPLY_V4;
            assert_eq!(match_reply(false, &r, None, &sent), Some(1), "{size}");
            // Cut short or one byte longer: not our reply.
            assert_eq!(
                match_reply(false, &r[..r.len() - 1], None, &sent).filter(|_| size > 0),
                None
            );
            r.push(0);
            assert_eq!(match_reply(false, &r, None, &sent), None, "{size}");
        }
    }

    #[test]
    fn replies_match_type_ident_and_token() {
        let token = payload(DEFAULT_PAYLOAD, &[1, 2, 3, 4, 5, 6, 7, 8]);
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
        assert_eq!(match_reply(false, &r, None, &payload(14, &[0; 8])), None);
        assert_eq!(match_reply(true, &r, None, &token), None);
        assert_eq!(match_reply(false, &r[..10], None, &token), None);
        let mut r6 = echo_request(true, 65535, &token);
        r6[0] = ECHO_REPLY_V6;
        assert_eq!(match_reply(true, &r6, None, &token), Some(65535));
    }
}
