//! DNS lookups for backends given by name (the proxy's start-up resolution and its
//! re-resolution loop, proxy/ops/discovery.rs): A/AAAA and SRV through `hickory-resolver`,
//! against `--resolver ADDR[:PORT]` or the system's /etc/resolv.conf. Errors are one line in
//! plain words. Imports nothing of the proxy or the CLI, so probe can reuse it.

use hickory_resolver::TokioResolver;
use hickory_resolver::config::{LookupIpStrategy, NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::net::NetError;
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::RData;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// `ADDR[:PORT]` of a DNS server (port 53 by default; IPv6 as `[::1]:53` or bare `::1`).
pub fn parse_server(s: &str) -> Result<SocketAddr, String> {
    let t = s.trim();
    if let Ok(a) = t.parse::<SocketAddr>() {
        return Ok(a);
    }
    if let Ok(ip) = t
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
    {
        return Ok(SocketAddr::new(ip, 53));
    }
    Err(format!(
        "--resolver '{s}': expected a DNS server's IP address, ADDR or ADDR:PORT (e.g. 127.0.0.1:53)"
    ))
}

/// One SRV answer with its target resolved (RFC 2782).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SrvAddr {
    /// The target's name, without the final dot.
    pub target: String,
    pub addr: SocketAddr,
    pub priority: u16,
    pub weight: u16,
}

/// A resolver (cheap to clone) for one DNS server or the system's.
#[derive(Clone)]
pub struct Dns {
    inner: TokioResolver,
    server: String,
    timeout: Duration,
}

impl Dns {
    /// `server` None: /etc/resolv.conf. `timeout` bounds each attempt (two attempts).
    /// Call inside a tokio runtime.
    pub fn new(server: Option<SocketAddr>, timeout: Duration) -> Result<Dns, String> {
        let provider = TokioRuntimeProvider::default();
        let mut builder = match server {
            Some(a) => {
                let mut ns = NameServerConfig::udp_and_tcp(a.ip());
                ns.connections.iter_mut().for_each(|c| c.port = a.port());
                let config = ResolverConfig::from_parts(None, vec![], vec![ns]);
                TokioResolver::builder_with_config(config, provider)
            }
            None => TokioResolver::builder(provider).map_err(|e| {
                format!("cannot read the system's DNS configuration (/etc/resolv.conf): {e}")
            })?,
        };
        let o: &mut ResolverOpts = builder.options_mut();
        o.timeout = timeout;
        o.attempts = 2;
        o.ip_strategy = LookupIpStrategy::Ipv4AndIpv6;
        // Re-resolution must see changes at once: no answer is kept past this lookup (HAProxy
        // resolvers ask on every `timeout resolve` tick, whatever the TTL).
        o.positive_max_ttl = Some(Duration::ZERO);
        o.negative_max_ttl = Some(Duration::ZERO);
        let inner = builder
            .build()
            .map_err(|e| format!("cannot set up the DNS resolver: {e}"))?;
        let server = server.map_or("from /etc/resolv.conf".to_string(), |a| a.to_string());
        Ok(Dns {
            inner,
            server,
            timeout,
        })
    }

    /// Every A and AAAA address of `host`, sorted, without duplicates.
    pub async fn addrs(&self, host: &str) -> Result<Vec<IpAddr>, String> {
        let found = self
            .inner
            .lookup_ip(host)
            .await
            .map_err(|e| self.plain(host, "A/AAAA", &e))?;
        let mut ips: Vec<IpAddr> = found.iter().collect();
        ips.sort();
        ips.dedup();
        if ips.is_empty() {
            return Err(format!("{host} has no A/AAAA records"));
        }
        Ok(ips)
    }

    /// The SRV records of `name`, each target resolved to its addresses (one entry per
    /// address), sorted.
    pub async fn srv(&self, name: &str) -> Result<Vec<SrvAddr>, String> {
        let found = self
            .inner
            .srv_lookup(name)
            .await
            .map_err(|e| self.plain(name, "SRV", &e))?;
        let mut out = Vec::new();
        for r in found.answers() {
            let RData::SRV(srv) = &r.data else { continue };
            // RFC 2782: a target of "." means the service is decidedly not available here.
            if srv.target.is_root() {
                continue;
            }
            let target = srv.target.to_ascii().trim_end_matches('.').to_string();
            for ip in self.addrs(&target).await? {
                out.push(SrvAddr {
                    target: target.clone(),
                    addr: SocketAddr::new(ip, srv.port),
                    priority: srv.priority,
                    weight: srv.weight,
                });
            }
        }
        out.sort_by_key(|s| (s.priority, s.addr));
        out.dedup_by_key(|s| s.addr);
        if out.is_empty() {
            return Err(format!("{name} has no usable SRV records"));
        }
        Ok(out)
    }

    fn plain(&self, name: &str, kind: &str, e: &NetError) -> String {
        if e.is_nx_domain() {
            return format!(
                "{name} does not exist (NXDOMAIN from DNS server {})",
                self.server
            );
        }
        if e.is_no_records_found() {
            return format!("{name} has no {kind} records");
        }
        match e {
            NetError::Timeout => format!(
                "no answer from DNS server {} for {name} within {:?} (2 attempts)",
                self.server, self.timeout
            ),
            NetError::Io(io) => format!("cannot reach DNS server {}: {io}", self.server),
            other => format!(
                "looking up {kind} of {name} at DNS server {} failed: {}",
                self.server,
                other.to_string().replace('\n', " ")
            ),
        }
    }
}

/// Run `f` on a resolver from a thread of its own with its own runtime: for start-up and
/// reload, which are synchronous and may run on (or off) the async threads.
pub fn blocking<T: Send>(
    server: Option<SocketAddr>,
    timeout: Duration,
    f: impl AsyncFnOnce(&Dns) -> Result<T, String> + Send,
) -> Result<T, String> {
    std::thread::scope(|s| {
        s.spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| format!("cannot start the DNS lookup: {e}"))?;
            rt.block_on(async move {
                let dns = Dns::new(server, timeout)?;
                f(&dns).await
            })
        })
        .join()
        .unwrap_or_else(|_| Err("the DNS lookup failed unexpectedly".to_string()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers() {
        assert_eq!(parse_server("127.0.0.1").unwrap().port(), 53);
        assert_eq!(parse_server("127.0.0.1:5353").unwrap().port(), 5353);
        assert_eq!(parse_server("::1").unwrap().port(), 53);
        assert!(parse_server("not-an-address").is_err());
    }
}
