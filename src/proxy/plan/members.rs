//! Backends given by DNS name (HAProxy resolvers, Caddy dynamic upstreams): which specs are
//! discovered, and the member specs one lookup gives. A discovered spec `NAME=HOST:PORT`
//! becomes one member per A/AAAA address, named `NAME#ADDR:PORT`; `srv:_S._P.DOMAIN` one
//! member per SRV target address, with the SRV port and weight. Used at start-up and on
//! reload (plan/build.rs) and by the re-resolution loop (ops/discovery.rs).

use crate::cli::ProxyArgs;
use crate::dns::{self, Dns};
use crate::exit::Failure;
use crate::spec::{BackendSpec, MAX_WEIGHT};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// `--resolver` and `--resolve-interval`, checked.
#[derive(Debug, Clone, Copy, Default)]
pub struct Discovery {
    pub server: Option<SocketAddr>,
    pub interval: Option<Duration>,
}

impl Discovery {
    pub fn from_args(args: &ProxyArgs) -> anyhow::Result<Discovery> {
        if args.resolve_interval.is_some_and(|d| d.is_zero()) {
            return Err(Failure::usage(
                "--resolve-interval must be above 0 (leave it out to resolve once at start-up)",
            ));
        }
        let server = match &args.resolver {
            Some(s) => Some(dns::parse_server(s).map_err(Failure::usage)?),
            None => None,
        };
        Ok(Discovery {
            server,
            interval: args.resolve_interval,
        })
    }

    /// Each lookup's attempt timeout: within the interval, 0.5-5 s.
    pub fn timeout(&self) -> Duration {
        self.interval
            .unwrap_or(Duration::from_secs(5))
            .clamp(Duration::from_millis(500), Duration::from_secs(5))
    }

    /// Whether `spec` stands for a set of members found in DNS: `srv:` always, a host name
    /// when re-resolution is on (an IP address never).
    pub fn discovers(&self, spec: &BackendSpec) -> bool {
        spec.addr.is_none()
            && (spec.srv_name().is_some()
                || (self.interval.is_some() && spec.host.parse::<IpAddr>().is_err()))
    }

    /// The members of a discovered spec, looked up now (blocking: start-up and reload).
    pub fn expand_now(&self, spec: &BackendSpec) -> anyhow::Result<Vec<BackendSpec>> {
        dns::blocking(self.server, self.timeout(), async |d| lookup(d, spec).await)
            .map_err(|e| Failure::usage(format!("backend '{}': DNS lookup failed: {e}", spec.name)))
    }

    /// One address for a host name, through --resolver (start-up without re-resolution).
    pub fn resolve_one(&self, spec: &BackendSpec) -> anyhow::Result<SocketAddr> {
        let ip = dns::blocking(self.server, self.timeout(), async |d| {
            d.addrs(&spec.host).await
        })
        .and_then(|ips| ips.first().copied().ok_or_else(|| "no address".to_string()))
        .map_err(|e| {
            Failure::usage(format!(
                "backend '{}': cannot resolve '{}': {e}",
                spec.name, spec.host
            ))
        })?;
        Ok(SocketAddr::new(ip, spec.port))
    }
}

/// The member specs `spec` stands for now.
pub async fn lookup(d: &Dns, spec: &BackendSpec) -> Result<Vec<BackendSpec>, String> {
    if let Some(name) = spec.srv_name() {
        let found = d.srv(name).await?;
        let lowest = found.iter().map(|s| s.priority).min().unwrap_or(0);
        return Ok(found
            .iter()
            .map(|s| {
                // RFC 2782: only the lowest priority is used while it is reachable; the
                // others are kept as backups. Weight 0 means "very rarely", not "never": 1.
                let w = u32::from(s.weight).clamp(1, MAX_WEIGHT);
                let backup = spec.backup || s.priority > lowest;
                member(spec, &s.target, s.addr, w, backup)
            })
            .collect());
    }
    let ips = d.addrs(&spec.host).await?;
    Ok(ips
        .into_iter()
        .map(|ip| {
            let addr = SocketAddr::new(ip, spec.port);
            member(spec, &spec.host, addr, spec.weight, spec.backup)
        })
        .collect())
}

/// A member: the spec's options pinned to one address, named `NAME#ADDR:PORT` (stable while
/// the address is in DNS, so reloads and re-resolutions keep it and its state). `host` (the
/// name, or the SRV target) stays for TLS SNI and certificate checks.
pub fn member(
    spec: &BackendSpec,
    host: &str,
    addr: SocketAddr,
    weight: u32,
    backup: bool,
) -> BackendSpec {
    let mut m = spec.clone();
    m.name = format!("{}#{addr}", spec.name);
    m.host = host.to_string();
    m.port = addr.port();
    m.addr = Some(addr);
    m.weight = weight;
    m.backup = backup;
    m
}

/// Whether a backend named `name` belongs to the discovered spec `spec`.
pub fn is_member(spec: &BackendSpec, name: &str) -> bool {
    name.strip_prefix(spec.name.as_str())
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('#'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_are_named_and_recognised() {
        let spec = BackendSpec::parse("api=api.test:8080,weight=3,slowstart=5s").unwrap();
        let m = member(
            &spec,
            "api.test",
            "10.0.0.7:8080".parse().unwrap(),
            3,
            false,
        );
        assert_eq!(m.name, "api#10.0.0.7:8080");
        assert_eq!((m.host.as_str(), m.port, m.weight), ("api.test", 8080, 3));
        assert_eq!(m.addr, Some("10.0.0.7:8080".parse().unwrap()));
        assert_eq!(m.slowstart, spec.slowstart);
        assert!(is_member(&spec, &m.name));
        assert!(is_member(&spec, "api"));
        assert!(!is_member(&spec, "api2#10.0.0.7:8080"));
    }

    #[test]
    fn which_specs_are_discovered() {
        let once = Discovery::default();
        let every = Discovery {
            interval: Some(Duration::from_secs(1)),
            ..Discovery::default()
        };
        let name = BackendSpec::parse("api.test:80").unwrap();
        let ip = BackendSpec::parse("127.0.0.1:80").unwrap();
        let srv = BackendSpec::parse("s=srv:_http._tcp.api.test").unwrap();
        assert_eq!(srv.srv_name(), Some("_http._tcp.api.test"));
        assert!(!once.discovers(&name) && every.discovers(&name));
        assert!(!once.discovers(&ip) && !every.discovers(&ip));
        assert!(once.discovers(&srv) && every.discovers(&srv));
        assert!(BackendSpec::parse("srv:api.test").is_err());
    }
}
