//! nginx's `ip_hash` (ngx_http_upstream_ip_hash_module.c): the first three octets of an IPv4
//! client address (the whole IPv6 address) hashed with `hash = (hash * 113 + octet) % 6271`
//! from 89, mapped over the configured weights; when the chosen backend is out it re-hashes, up
//! to 20 times, then falls back to round robin, exactly as nginx does. Clients of one /24 stick
//! to one backend, and only the keys of a backend that goes away move.

use super::pick::{Candidates, PickContext, Picker};
use super::round_robin::RoundRobin;

#[derive(Debug, Default)]
pub struct IpHash {
    fallback: RoundRobin,
}

impl IpHash {
    pub fn new() -> Self {
        Self::default()
    }
}

/// nginx's hash step over the address bytes that count (3 for IPv4, 16 for IPv6).
fn step(mut hash: u32, addr: &[u8]) -> u32 {
    let take = if addr.len() == 4 { 3 } else { addr.len() };
    for &b in &addr[..take] {
        hash = (hash * 113 + b as u32) % 6271;
    }
    hash
}

impl Picker for IpHash {
    fn pick(&self, c: &dyn Candidates, ctx: &PickContext<'_>) -> Option<usize> {
        let Some(addr) = ctx.client_ip else {
            return self.fallback.pick(c, ctx);
        };
        // Total over every configured backend, so one backend going away moves only its keys.
        let total: u64 = (0..c.len()).map(|i| c.weight(i) as u64).sum();
        if total == 0 {
            return None;
        }
        let mut hash = 89u32;
        for _ in 0..20 {
            hash = step(hash, addr);
            let mut w = hash as u64 % total;
            let mut i = 0;
            while i < c.len() && w >= c.weight(i) as u64 {
                w -= c.weight(i) as u64;
                i += 1;
            }
            if i < c.len() && c.eligible(i) {
                return Some(i);
            }
        }
        self.fallback.pick(c, ctx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::balance::pick::{Load, Loads};

    fn pick(p: &IpHash, loads: &[Load], ip: [u8; 4]) -> usize {
        p.pick(
            &Loads(loads),
            &PickContext {
                client_ip: Some(&ip),
            },
        )
        .unwrap()
    }

    #[test]
    fn sticky_per_slash_24_and_minimal_moves() {
        let p = IpHash::new();
        let loads = [Load::up(1), Load::up(1), Load::up(1)];
        assert_eq!(
            pick(&p, &loads, [10, 1, 2, 3]),
            pick(&p, &loads, [10, 1, 2, 200])
        );
        let before: Vec<usize> = (0..=255u8)
            .map(|x| pick(&p, &loads, [10, x, 7, 1]))
            .collect();
        assert!(before.contains(&0) && before.contains(&1) && before.contains(&2));
        let mut down = loads;
        down[1].eligible = false;
        for (x, &b) in before.iter().enumerate() {
            let after = pick(&p, &down, [10, x as u8, 7, 1]);
            if b != 1 {
                assert_eq!(after, b, "key {x} moved although its backend stayed");
            } else {
                assert_ne!(after, 1);
            }
        }
        let v6 = [0u8; 16];
        assert!(
            p.pick(
                &Loads(&loads),
                &PickContext {
                    client_ip: Some(&v6)
                }
            )
            .is_some()
        );
        assert!(p.pick(&Loads(&loads), &PickContext::default()).is_some());
    }
}
