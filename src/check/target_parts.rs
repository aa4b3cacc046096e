//! Pieces of a check target's URL for target.rs: the authority every scheme has
//! (`HOST[:PORT]`, IPv6 in brackets) and the whole of the two schemes whose URLs follow their
//! own rules (`dns://RESOLVER/NAME?type=T`, `icmp://HOST?OPTIONS`, whose queries dns_data.rs
//! and icmp_data.rs check). Plain strings out, so target.rs builds the [`Target`] and this
//! file needs nothing of it.
//!
//! [`Target`]: super::Target

/// A target's host, port and path (query included), as the `Target` fields.
pub(super) type Parts = (String, u16, String);

/// `dns://[RESOLVER[:PORT]]/NAME[?type=T&transport=udp|tcp&recurse=0|1]` after the scheme:
/// the resolver ("" for the system's: the first `nameserver` of /etc/resolv.conf, read when
/// the check runs), its port and the path with the question.
pub(super) fn dns_parts(rest: &str) -> Result<Parts, String> {
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => return Err("the name to look up is missing (dns://RESOLVER/NAME)".into()),
    };
    let (host, port) = if authority.is_empty() {
        (String::new(), None)
    } else {
        split_host_port(authority)?
    };
    if !host.is_empty() && host.parse::<std::net::IpAddr>().is_err() {
        return Err(format!(
            "the resolver '{host}' must be an IP address (a name would need a resolver itself)"
        ));
    }
    let port = port.unwrap_or(53);
    if port == 0 {
        return Err("port 0 cannot be probed".into());
    }
    super::dns_data::DnsQuery::parse(path)?;
    Ok((host, port, path.to_string()))
}

/// `icmp://HOST[?count=N&...]` after the scheme: a host name or IP address (IPv6 in
/// brackets), no port (0), no path; the query is checked here and kept as typed.
pub(super) fn icmp_parts(rest: &str) -> Result<Parts, String> {
    let (authority, query) = match rest.find(['/', '?']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let query = match query {
        "" | "/" => "",
        q if q.starts_with('?') => q,
        q if q.starts_with("/?") => &q[1..],
        _ => return Err("an ICMP target has no path (icmp://HOST[?count=N])".into()),
    };
    let (host, port) = split_host_port(authority)?;
    if port.is_some() {
        return Err("an ICMP target has no port (icmp://HOST)".into());
    }
    super::icmp_data::IcmpQuery::parse(query)?;
    Ok((host, 0, query.to_string()))
}

/// A character of a gRPC service name (a dotted protobuf name; '-' too, which some use).
pub(super) fn service_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')
}

/// `HOST[:PORT]` or `[V6][:PORT]`: the host (IPv6 without brackets) and the port if given.
pub(super) fn split_host_port(a: &str) -> Result<(String, Option<u16>), String> {
    let (host, port) = if let Some(rest) = a.strip_prefix('[') {
        let close = rest
            .find(']')
            .ok_or("'[' of an IPv6 address is not closed")?;
        let host = &rest[..close];
        if host.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(format!("'{host}' is not an IPv6 address"));
        }
        let after = &rest[close + 1..];
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p),
            None if after.is_empty() => None,
            None => return Err(format!("unexpected '{after}' after the IPv6 address")),
        };
        (host, port)
    } else {
        match a.rsplit_once(':') {
            Some((h, _)) if h.contains(':') => {
                return Err("an IPv6 address must be in brackets, e.g. [::1]:8080".into());
            }
            Some((h, p)) => (h, Some(p)),
            None => (a, None),
        }
    };
    if host.is_empty() {
        return Err("the host is missing".into());
    }
    if !a.starts_with('[')
        && !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_')
    {
        return Err(format!("'{host}' is not a valid host name"));
    }
    let port = match port {
        None => None,
        Some(p) => Some(
            p.parse::<u16>()
                .map_err(|_| format!("'{p}' is not a port number (1-65535)"))?,
        ),
    };
    Ok((host.to_string(), port))
}
