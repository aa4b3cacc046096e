//! The `--allow/--deny` client ACL: deny rules first, then, when any allow rule exists, the
//! client must match one. Parsed once at startup; checked per request with no allocation.

use crate::spec::SpecError;
use ipnet::IpNet;
use std::net::IpAddr;

const CIDR_FORM: &str = "an address or network in CIDR form, e.g. 10.0.0.0/8, 127.0.0.1, ::1/128";

#[derive(Debug, Clone, Default)]
pub struct Acl {
    allow: Vec<IpNet>,
    deny: Vec<IpNet>,
}

fn parse_net(s: &str) -> Result<IpNet, SpecError> {
    let t = s.trim();
    if let Ok(n) = t.parse::<IpNet>() {
        return Ok(n.trunc());
    }
    t.parse::<IpAddr>()
        .map(IpNet::from)
        .map_err(|_| SpecError::new("CIDR", s, "it is not an address or network", CIDR_FORM))
}

impl Acl {
    pub fn new(allow: &[String], deny: &[String]) -> Result<Self, SpecError> {
        Ok(Acl {
            allow: allow
                .iter()
                .map(|s| parse_net(s))
                .collect::<Result<_, _>>()?,
            deny: deny
                .iter()
                .map(|s| parse_net(s))
                .collect::<Result<_, _>>()?,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.allow.is_empty() && self.deny.is_empty()
    }

    pub fn permits(&self, ip: IpAddr) -> bool {
        // An IPv4 client seen on a dual-stack socket as ::ffff:a.b.c.d matches IPv4 rules.
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        if self.deny.iter().any(|n| n.contains(&ip)) {
            return false;
        }
        self.allow.is_empty() || self.allow.iter().any(|n| n.contains(&ip))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_and_deny() {
        let acl = Acl::new(&["127.0.0.0/8".into()], &["127.0.0.2".into()]).unwrap();
        assert!(acl.permits("127.0.0.1".parse().unwrap()));
        assert!(!acl.permits("127.0.0.2".parse().unwrap()));
        assert!(!acl.permits("10.0.0.1".parse().unwrap()));
        assert!(acl.permits("::ffff:127.0.0.5".parse().unwrap()));
        let open = Acl::new(&[], &["10.0.0.0/8".into()]).unwrap();
        assert!(open.permits("192.168.1.1".parse().unwrap()));
        assert!(Acl::default().is_empty());
    }

    #[test]
    fn malformed() {
        for bad in ["", "10.0.0.0/33", "x", "1.2.3", "::1/129"] {
            let e = Acl::new(&[bad.into()], &[]).unwrap_err().to_string();
            assert!(e.contains("CIDR"), "{bad}: {e}");
        }
    }
}
