//! The DNS check (`dns://[RESOLVER[:PORT]]/NAME?type=A`): one query to one server, as
//! blackbox_exporter's `dns` prober makes it. The messages are built and read by hickory-proto
//! (no hand-written packets). UDP first, with EDNS0 offering a 1232-byte payload (the DNS flag
//! day 2020 size); a truncated answer (TC) is asked again over TCP (RFC 7766 section 5);
//! `?transport=tcp` asks over TCP from the start. What came back (rcode, the AA flag, each
//! section's records as text) goes into the outcome for the conditions (`dns.*` in field.rs)
//! and for the output, where the record text is the zone-file form blackbox's regular
//! expressions are written against: `NAME<TAB>TTL<TAB>CLASS<TAB>TYPE<TAB>RDATA`.

use super::dns_data::{DnsAnswer, DnsQuery, rcode_name};
use super::{Fail, FailKind, Phase, Progress, Target, io_reason};
use hickory_resolver::proto::op::{Edns, Message, MessageType, OpCode, Query};
use hickory_resolver::proto::rr::{Name, Record};
use std::net::SocketAddr;
use std::time::Instant;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The largest DNS message read over TCP (its 2-byte length allows 65535).
const MAX_TCP: usize = 65535;
/// The EDNS0 UDP payload offered (DNS flag day 2020).
const UDP_PAYLOAD: u16 = 1232;

/// The server a target names, or the system's first `nameserver` for `dns:///NAME`.
fn server(target: &Target) -> Result<SocketAddr, Fail> {
    if !target.host.is_empty() {
        let ip = target.host.parse::<std::net::IpAddr>().map_err(|_| {
            Fail::new(
                FailKind::Dns,
                format!("the resolver '{}' is not an IP address", target.host),
            )
        })?;
        return Ok(SocketAddr::new(ip, target.port));
    }
    let conf = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
    conf.lines()
        .filter_map(|l| l.trim().strip_prefix("nameserver"))
        .filter_map(|rest| rest.trim().parse::<std::net::IpAddr>().ok())
        .map(|ip| SocketAddr::new(ip, 53))
        .next()
        .ok_or_else(|| {
            Fail::new(
                FailKind::Dns,
                "no resolver given and /etc/resolv.conf names none (use dns://RESOLVER/NAME)",
            )
        })
}

pub(super) async fn check(target: &Target, p: &mut Progress) -> Result<DnsAnswer, Fail> {
    let q = DnsQuery::parse(&target.path).map_err(|e| Fail::new(FailKind::Protocol, e))?;
    let server = server(target)?;
    p.out.addr = Some(server);
    let name = Name::from_utf8(&q.name)
        .map_err(|_| Fail::new(FailKind::Protocol, format!("bad name '{}'", q.name)))?;
    let id = query_id();
    let mut msg = Message::new(id, MessageType::Query, OpCode::Query);
    msg.metadata.recursion_desired = q.recurse;
    msg.add_query(Query::query(name, q.rtype));
    let mut edns = Edns::new();
    edns.set_max_payload(UDP_PAYLOAD);
    msg.set_edns(edns);
    let wire = msg
        .to_vec()
        .map_err(|e| Fail::new(FailKind::Protocol, format!("cannot encode the query: {e}")))?;

    p.enter(Phase::FirstByte);
    let t0 = Instant::now();
    let (reply, tcp, truncated) = if q.tcp {
        (over_tcp(server, &wire, id, p).await?, true, false)
    } else {
        let r = over_udp(server, &wire, id).await?;
        if r.metadata.truncation {
            (over_tcp(server, &wire, id, p).await?, true, true)
        } else {
            (r, false, false)
        }
    };
    p.out.timings.ttfb = Some(t0.elapsed());
    let text = |rs: &[Record]| rs.iter().map(record_text).collect::<Vec<_>>();
    Ok(DnsAnswer {
        rcode: rcode_name(u16::from(reply.metadata.response_code)),
        authoritative: reply.metadata.authoritative,
        tcp,
        truncated,
        answer: text(&reply.answers),
        authority: text(&reply.authorities),
        additional: text(&reply.additionals),
    })
}

/// A record in zone-file form with tabs, as blackbox_exporter (miekg/dns) prints it.
fn record_text(r: &Record) -> String {
    format!(
        "{}\t{}\t{}\t{}\t{}",
        r.name,
        r.ttl,
        r.dns_class,
        r.record_type(),
        r.data
    )
}

/// A query id that is not predictable from outside (RFC 5452 section 4.3).
fn query_id() -> u16 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.finish() as u16
}

fn decode(buf: &[u8], id: u16) -> Result<Option<Message>, Fail> {
    let m = Message::from_vec(buf).map_err(|e| {
        Fail::new(
            FailKind::Protocol,
            format!("the answer is not a DNS message: {e}"),
        )
    })?;
    // Another id or a query is not the answer to this query: keep waiting (RFC 5452 9.1).
    Ok((m.metadata.id == id && m.metadata.message_type == MessageType::Response).then_some(m))
}

async fn over_udp(server: SocketAddr, wire: &[u8], id: u16) -> Result<Message, Fail> {
    let local: SocketAddr = if server.is_ipv4() {
        "0.0.0.0:0".parse().unwrap_or(server)
    } else {
        "[::]:0".parse().unwrap_or(server)
    };
    let sock = tokio::net::UdpSocket::bind(local)
        .await
        .map_err(|e| Fail::new(FailKind::Connect, format!("udp socket: {}", io_reason(&e))))?;
    sock.connect(server).await.map_err(|e| {
        Fail::new(
            FailKind::Connect,
            format!("udp {server}: {}", io_reason(&e)),
        )
    })?;
    sock.send(wire).await.map_err(|e| {
        Fail::new(
            FailKind::Connect,
            format!("udp {server}: {}", io_reason(&e)),
        )
    })?;
    let mut buf = vec![0u8; 65535];
    loop {
        let n = sock.recv(&mut buf).await.map_err(|e| {
            Fail::new(
                FailKind::Connect,
                format!("udp {server}: {}", io_reason(&e)),
            )
        })?;
        if let Some(m) = decode(&buf[..n], id)? {
            return Ok(m);
        }
    }
}

async fn over_tcp(
    server: SocketAddr,
    wire: &[u8],
    id: u16,
    p: &mut Progress,
) -> Result<Message, Fail> {
    let t = Instant::now();
    let mut s = tokio::net::TcpStream::connect(server).await.map_err(|e| {
        Fail::new(
            FailKind::Connect,
            format!("tcp {server}: {}", io_reason(&e)),
        )
    })?;
    p.out.timings.connect = Some(t.elapsed());
    let len = u16::try_from(wire.len())
        .map_err(|_| Fail::new(FailKind::Protocol, "the query is too long"))?;
    let mut framed = Vec::with_capacity(wire.len() + 2);
    framed.extend_from_slice(&len.to_be_bytes());
    framed.extend_from_slice(wire);
    let io = |e: std::io::Error| {
        Fail::new(
            FailKind::Protocol,
            format!("tcp {server}: {}", io_reason(&e)),
        )
    };
    s.write_all(&framed).await.map_err(io)?;
    loop {
        let mut len = [0u8; 2];
        s.read_exact(&mut len).await.map_err(io)?;
        let n = usize::from(u16::from_be_bytes(len)).min(MAX_TCP);
        let mut buf = vec![0u8; n];
        s.read_exact(&mut buf).await.map_err(io)?;
        if let Some(m) = decode(&buf, id)? {
            return Ok(m);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_resolver::proto::rr::RecordType;

    #[test]
    fn queries_parse_from_the_path() {
        let q = DnsQuery::parse("/example.com?type=mx&transport=tcp&recurse=0").unwrap();
        assert_eq!(q.name, "example.com");
        assert_eq!(q.rtype, RecordType::MX);
        assert!(q.tcp && !q.recurse);
        let q = DnsQuery::parse("/a.test").unwrap();
        assert_eq!((q.rtype, q.tcp, q.recurse), (RecordType::A, false, true));
        for (bad, want) in [
            ("/", "missing"),
            ("/a.test?type=BOGUS", "expected one of"),
            ("/a.test?transport=quic", "udp or tcp"),
            ("/a.test?ttl=1", "unknown parameter"),
            ("/a..test", "not a valid domain name"),
        ] {
            let e = DnsQuery::parse(bad).unwrap_err();
            assert!(e.contains(want), "{bad}: {e}");
        }
    }

    #[test]
    fn rcodes_have_their_mnemonics() {
        assert_eq!(rcode_name(0), "NOERROR");
        assert_eq!(rcode_name(3), "NXDOMAIN");
        assert_eq!(rcode_name(5), "REFUSED");
        assert_eq!(rcode_name(23), "RCODE23");
    }
}
