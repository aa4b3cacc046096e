//! The data of an ICMP check: what an `icmp://` target asks ([`IcmpQuery`], parsed with the
//! target by target.rs) and what came back ([`IcmpInfo`], the `icmp` object of probe's JSON).
//! Plain data, below the ICMP check (icmp.rs), the target parser and the conditions
//! (field_exchange.rs), so none of them imports another for it.

/// Echo requests one target may send (a health probe, not a flood).
pub const MAX_COUNT: u32 = 100;

/// What an `icmp://HOST[?count=N]` target asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IcmpQuery {
    /// Echo requests to send, 100 ms apart (blackbox_exporter sends one).
    pub count: u32,
}

impl IcmpQuery {
    /// Parse the query part of the target (`""` or `?count=N`).
    pub fn parse(query: &str) -> Result<IcmpQuery, String> {
        let mut q = IcmpQuery { count: 1 };
        let query = query.strip_prefix('?').unwrap_or(query);
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "count" => {
                    q.count = value
                        .parse::<u32>()
                        .ok()
                        .filter(|n| (1..=MAX_COUNT).contains(n))
                        .ok_or_else(|| {
                            format!("count '{value}' is not a number from 1 to {MAX_COUNT}")
                        })?;
                }
                _ => return Err(format!("unknown parameter '{key}' (expected count=N)")),
            }
        }
        Ok(q)
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
        assert_eq!(IcmpQuery::parse("").unwrap().count, 1);
        assert_eq!(IcmpQuery::parse("?count=5").unwrap().count, 5);
        for (bad, want) in [
            ("?count=0", "from 1 to 100"),
            ("?count=101", "from 1 to 100"),
            ("?count=x", "'x'"),
            ("?size=9", "unknown parameter 'size'"),
        ] {
            let e = IcmpQuery::parse(bad).unwrap_err();
            assert!(e.contains(want), "{bad}: {e}");
        }
    }

    #[test]
    fn loss_and_rtt() {
        let i = IcmpInfo {
            sent: 4,
            received: 3,
            rtt_ms: vec![1.0, 2.0, 6.0],
            hop_limit: Some(64),
        };
        assert_eq!(i.loss_percent(), 25.0);
        assert_eq!(i.rtt_mean_ms(), Some(3.0));
        assert_eq!(i.rtt_max_ms(), Some(6.0));
        assert_eq!(IcmpInfo::default().loss_percent(), 0.0);
    }
}
