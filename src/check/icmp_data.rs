//! The data of an ICMP check: what an `icmp://` target asks ([`IcmpQuery`], parsed with the
//! target by target.rs) and what came back ([`IcmpInfo`], the `icmp` object of probe's JSON).
//! Plain data, below the ICMP check (icmp.rs), the target parser and the conditions
//! (field_exchange.rs), so none of them imports another for it.
//!
//! The query keys beyond `count` are blackbox_exporter's `icmp` module keys, spelled the same
//! (its docs/CONFIGURATION.md, `<icmp_probe>`), so the exporter's TOML modules pass them
//! through one to one: `payload_size`, `ttl`, `dont_fragment`, `preferred_ip_protocol`,
//! `ip_protocol_fallback` and `source_ip_address`.

use std::net::IpAddr;

/// Echo requests one target may send (a health probe, not a flood).
pub const MAX_COUNT: u32 = 100;
/// The largest echo payload: an IPv4 datagram's 65535 bytes less its 20-byte header and the
/// 8-byte ICMP header (RFC 791, RFC 792); IPv6 would allow 20 more, one limit keeps it simple.
pub const MAX_PAYLOAD: u32 = 65_507;
/// The payload when none is asked for: "lbctl " and an 8-byte random token.
pub const DEFAULT_PAYLOAD: u32 = 14;
/// The keys an `icmp://` target takes, for messages.
const KEYS: &str = "count, payload_size, ttl, dont_fragment, preferred_ip_protocol, \
     ip_protocol_fallback or source_ip_address";

/// An IP family, as blackbox_exporter names them (`ip4`, `ip6`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpFamily {
    V4,
    V6,
}

impl IpFamily {
    pub fn of(ip: IpAddr) -> IpFamily {
        if ip.is_ipv4() {
            IpFamily::V4
        } else {
            IpFamily::V6
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            IpFamily::V4 => "ip4",
            IpFamily::V6 => "ip6",
        }
    }

    /// "IPv4" / "IPv6", for messages.
    pub fn name(self) -> &'static str {
        match self {
            IpFamily::V4 => "IPv4",
            IpFamily::V6 => "IPv6",
        }
    }

    fn other(self) -> IpFamily {
        match self {
            IpFamily::V4 => IpFamily::V6,
            IpFamily::V6 => IpFamily::V4,
        }
    }
}

/// What an `icmp://HOST[?count=N&payload_size=N&...]` target asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IcmpQuery {
    /// Echo requests to send, 100 ms apart (blackbox_exporter sends one).
    pub count: u32,
    /// Bytes of payload after the 8-byte ICMP header (`payload_size`).
    pub payload_size: u32,
    /// IP_TTL / IPV6_UNICAST_HOPS of the requests (`ttl`); None leaves the system's.
    pub ttl: Option<u8>,
    /// Forbid fragmentation (`dont_fragment`): IP_PMTUDISC_DO (IPv6: IPV6_PMTUDISC_DO), so a
    /// request larger than the path MTU fails at once instead of going out in fragments.
    pub dont_fragment: bool,
    /// The family to pick among the host's addresses (`preferred_ip_protocol`); None takes
    /// the first address the system resolver returns (RFC 6724 order).
    pub preferred: Option<IpFamily>,
    /// Take the other family when the preferred one has no address (`ip_protocol_fallback`,
    /// blackbox's default true).
    pub fallback: bool,
    /// The address to send from (`source_ip_address`).
    pub source: Option<IpAddr>,
}

impl Default for IcmpQuery {
    fn default() -> IcmpQuery {
        IcmpQuery {
            count: 1,
            payload_size: DEFAULT_PAYLOAD,
            ttl: None,
            dont_fragment: false,
            preferred: None,
            fallback: true,
            source: None,
        }
    }
}

impl IcmpQuery {
    /// Parse the query part of the target (`""` or `?count=N&ttl=N...`); a key given twice
    /// keeps its last value.
    pub fn parse(query: &str) -> Result<IcmpQuery, String> {
        let mut q = IcmpQuery::default();
        let mut fallback_given = false;
        let query = query.strip_prefix('?').unwrap_or(query);
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let number = |lo: u32, hi: u32| {
                value
                    .parse::<u32>()
                    .ok()
                    .filter(|n| (lo..=hi).contains(n))
                    .ok_or_else(|| format!("{key} '{value}' is not a number from {lo} to {hi}"))
            };
            match key {
                "count" => q.count = number(1, MAX_COUNT)?,
                "payload_size" => q.payload_size = number(0, MAX_PAYLOAD)?,
                // blackbox also takes 0 for "the system's"; leaving the key out says that here.
                "ttl" => q.ttl = Some(number(1, 255)? as u8),
                "dont_fragment" => q.dont_fragment = boolean(key, value)?,
                "ip_protocol_fallback" => {
                    q.fallback = boolean(key, value)?;
                    fallback_given = true;
                }
                "preferred_ip_protocol" => {
                    q.preferred = Some(match value.to_ascii_lowercase().as_str() {
                        "ip4" => IpFamily::V4,
                        "ip6" => IpFamily::V6,
                        _ => {
                            return Err(format!(
                                "preferred_ip_protocol '{value}' is not ip4 or ip6"
                            ));
                        }
                    });
                }
                "source_ip_address" => {
                    let bare = value
                        .strip_prefix('[')
                        .and_then(|v| v.strip_suffix(']'))
                        .unwrap_or(value);
                    q.source = Some(bare.parse::<IpAddr>().map_err(|_| {
                        format!("source_ip_address '{value}' is not an IP address")
                    })?);
                }
                _ => return Err(format!("unknown parameter '{key}' (expected {KEYS})")),
            }
        }
        if fallback_given && !q.fallback && q.preferred.is_none() {
            return Err(
                "ip_protocol_fallback=false needs preferred_ip_protocol=ip4 or ip6 (the family to keep to)"
                    .into(),
            );
        }
        Ok(q)
    }

    /// The address to probe among the host's (`addrs`, in the resolver's order), as
    /// blackbox_exporter's chooseProtocol picks it (prober/utils.go): the first of the
    /// preferred family, else the first of the other when fallback is allowed.
    pub fn choose(&self, host: &str, addrs: &[IpAddr]) -> Result<IpAddr, String> {
        let Some(want) = self.preferred else {
            return addrs
                .first()
                .copied()
                .ok_or_else(|| format!("{host} has no address"));
        };
        let first = |f: IpFamily| addrs.iter().copied().find(|a| IpFamily::of(*a) == f);
        if let Some(ip) = first(want) {
            return Ok(ip);
        }
        if self.fallback
            && let Some(ip) = first(want.other())
        {
            return Ok(ip);
        }
        Err(if self.fallback {
            format!("{host} has no address")
        } else {
            format!(
                "{host} has no {} address (preferred_ip_protocol={} with ip_protocol_fallback=false)",
                want.name(),
                want.as_str()
            )
        })
    }
}

/// `true`/`false` (or 1/0), as blackbox's YAML booleans.
fn boolean(key: &str, value: &str) -> Result<bool, String> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(format!("{key} '{value}' is not true or false")),
    }
}

/// What the echo requests got back (also the `icmp` object of probe's JSON).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct IcmpInfo {
    /// Echo requests sent.
    pub sent: u32,
    /// Echo replies received (matching our identifier, sequence and payload).
    pub received: u32,
    /// Round-trip time of each reply, in milliseconds, in sequence order.
    pub rtt_ms: Vec<f64>,
    /// The IP TTL (IPv4) or hop limit (IPv6) of the last reply, when the kernel reported it.
    pub hop_limit: Option<u8>,
    /// Bytes of the last reply's ICMP message (8-byte header and payload), as ping(8)'s
    /// "N bytes from".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_bytes: Option<u32>,
}

impl IcmpInfo {
    /// Lost requests in percent (0 when none was sent).
    pub fn loss_percent(&self) -> f64 {
        if self.sent == 0 {
            return 0.0;
        }
        f64::from(self.sent - self.received.min(self.sent)) * 100.0 / f64::from(self.sent)
    }

    /// The mean round-trip time, in milliseconds.
    pub fn rtt_mean_ms(&self) -> Option<f64> {
        (!self.rtt_ms.is_empty())
            .then(|| self.rtt_ms.iter().sum::<f64>() / self.rtt_ms.len() as f64)
    }

    /// The slowest reply, in milliseconds.
    pub fn rtt_max_ms(&self) -> Option<f64> {
        self.rtt_ms.iter().copied().reduce(f64::max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_parse() {
        assert_eq!(IcmpQuery::parse("").unwrap(), IcmpQuery::default());
        assert_eq!(IcmpQuery::parse("?count=5").unwrap().count, 5);
        let q = IcmpQuery::parse(
            "?payload_size=1400&ttl=1&dont_fragment=true&preferred_ip_protocol=IP6\
             &ip_protocol_fallback=false&source_ip_address=[::1]",
        )
        .unwrap();
        assert_eq!(
            q,
            IcmpQuery {
                count: 1,
                payload_size: 1400,
                ttl: Some(1),
                dont_fragment: true,
                preferred: Some(IpFamily::V6),
                fallback: false,
                source: Some("::1".parse().unwrap()),
            }
        );
        let q = IcmpQuery::parse("?payload_size=0&ttl=255&dont_fragment=0&ttl=9").unwrap();
        assert_eq!(
            (q.payload_size, q.ttl, q.dont_fragment),
            (0, Some(9), false)
        );
        assert_eq!(
            IcmpQuery::parse("?payload_size=65507")
                .unwrap()
                .payload_size,
            MAX_PAYLOAD
        );
        for (bad, want) in [
            ("?count=0", "count '0' is not a number from 1 to 100"),
            ("?count=101", "from 1 to 100"),
            ("?count=x", "'x'"),
            ("?size=9", "unknown parameter 'size'"),
            (
                "?payload_size=65508",
                "payload_size '65508' is not a number from 0 to 65507",
            ),
            ("?payload_size=-1", "payload_size '-1'"),
            ("?ttl=0", "ttl '0' is not a number from 1 to 255"),
            ("?ttl=256", "ttl '256'"),
            (
                "?dont_fragment=yes",
                "dont_fragment 'yes' is not true or false",
            ),
            ("?preferred_ip_protocol=ip5", "'ip5' is not ip4 or ip6"),
            ("?ip_protocol_fallback=2", "ip_protocol_fallback '2'"),
            ("?ip_protocol_fallback=false", "needs preferred_ip_protocol"),
            ("?source_ip_address=gw.lan", "'gw.lan' is not an IP address"),
        ] {
            let e = IcmpQuery::parse(bad).unwrap_err();
            assert!(e.contains(want), "{bad}: {e}");
            assert!(!e.contains('\n'), "{e}");
        }
    }

    #[test]
    fn addresses_are_chosen_as_blackbox_chooses_them() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let both = [ip("127.0.0.1"), ip("::1"), ip("10.0.0.1")];
        let v4 = [ip("127.0.0.1")];
        let q = |s: &str| IcmpQuery::parse(s).unwrap();
        assert_eq!(q("").choose("h", &both), Ok(ip("127.0.0.1")));
        assert_eq!(
            q("?preferred_ip_protocol=ip6").choose("h", &both),
            Ok(ip("::1"))
        );
        assert_eq!(
            q("?preferred_ip_protocol=ip4").choose("h", &[ip("::1"), ip("10.0.0.1")]),
            Ok(ip("10.0.0.1"))
        );
        // Fallback (blackbox's default) takes the other family.
        assert_eq!(
            q("?preferred_ip_protocol=ip6").choose("h", &v4),
            Ok(ip("127.0.0.1"))
        );
        let e = q("?preferred_ip_protocol=ip6&ip_protocol_fallback=false")
            .choose("h", &v4)
            .unwrap_err();
        assert_eq!(
            e,
            "h has no IPv6 address (preferred_ip_protocol=ip6 with ip_protocol_fallback=false)"
        );
        assert_eq!(q("").choose("h", &[]).unwrap_err(), "h has no address");
    }

    #[test]
    fn loss_and_rtt() {
        let i = IcmpInfo {
            sent: 4,
            received: 3,
            rtt_ms: vec![1.0, 2.0, 6.0],
            hop_limit: Some(64),
            reply_bytes: Some(22),
        };
        assert_eq!(i.loss_percent(), 25.0);
        assert_eq!(i.rtt_mean_ms(), Some(3.0));
        assert_eq!(i.rtt_max_ms(), Some(6.0));
        assert_eq!(IcmpInfo::default().loss_percent(), 0.0);
    }
}
