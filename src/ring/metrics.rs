//! The metrics every `lbctl ring` report shares, computed one way for `stats`, `diff` and
//! `compare`: balance against what each weight deserves, the ideal churn of a change, exact
//! hash-space shares and what moved, and the output helpers (JSON, percentages, sizes).

use crate::balance::hash::{self, HashAlgorithm, HashServer, Locator, Structure};
use std::collections::HashMap;

/// Balance of a key distribution, relative to what each weight deserves.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Balance {
    /// Standard deviation of keys/expected over servers with weight > 0, in percent.
    pub std_pct: f64,
    /// Largest keys/expected: 1.0 is perfect, 1.25 means the busiest has 25% more than its share.
    pub peak_to_mean: f64,
}

/// The share of keys each server's weight deserves (0 for drained servers).
pub fn weight_shares(servers: &[HashServer]) -> Vec<f64> {
    let sum: u64 = servers.iter().map(|s| s.weight as u64).sum();
    servers
        .iter()
        .map(|s| s.weight as f64 / sum.max(1) as f64)
        .collect()
}

pub fn balance(counts: &[u64], servers: &[HashServer]) -> Balance {
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return from_ratios(&[]);
    }
    let shares = weight_shares(servers);
    let ratios: Vec<f64> = counts
        .iter()
        .zip(&shares)
        .filter(|(_, s)| **s > 0.0)
        .map(|(c, s)| *c as f64 / (s * total as f64))
        .collect();
    from_ratios(&ratios)
}

/// Balance of exact hash-space shares (fractions summing to 1) against the weights.
pub fn share_balance(shares: &[f64], servers: &[HashServer]) -> Balance {
    let deserved = weight_shares(servers);
    let ratios: Vec<f64> = shares
        .iter()
        .zip(&deserved)
        .filter(|(_, d)| **d > 0.0)
        .map(|(s, d)| s / d)
        .collect();
    from_ratios(&ratios)
}

/// Std (in % of 1) and peak of per-server ratios got/deserved; zeros when there are none.
fn from_ratios(ratios: &[f64]) -> Balance {
    if ratios.is_empty() {
        return Balance {
            std_pct: 0.0,
            peak_to_mean: 0.0,
        };
    }
    let var = ratios.iter().map(|r| (r - 1.0).powi(2)).sum::<f64>() / ratios.len() as f64;
    Balance {
        std_pct: var.sqrt() * 100.0,
        peak_to_mean: ratios.iter().cloned().fold(0.0, f64::max),
    }
}

/// The least fraction of keys any algorithm must move for this change: the sum of the share
/// lost by every server whose weight share shrank (removed servers lose all of theirs).
pub fn ideal_moved(from: &[HashServer], to: &[HashServer]) -> f64 {
    let new: HashMap<&str, f64> = to
        .iter()
        .map(|s| s.name.as_str())
        .zip(weight_shares(to))
        .collect();
    from.iter()
        .zip(weight_shares(from))
        .map(|(s, old)| (old - new.get(s.name.as_str()).copied().unwrap_or(0.0)).max(0.0))
        .sum()
}

/// The exact fraction of the hash space each server owns, with what it is computed from;
/// None where the algorithm keeps no structure (rendezvous).
pub fn space_shares(l: &dyn Locator, n: usize) -> Option<(&'static str, Vec<f64>)> {
    let count = |owners: &[u32]| {
        let mut c = vec![0u64; n];
        owners.iter().for_each(|&o| c[o as usize] += 1);
        c.into_iter()
            .map(|x| x as f64 / owners.len() as f64)
            .collect()
    };
    match l.structure() {
        Structure::Ring(v) if l.algorithm() == HashAlgorithm::Bounded => {
            Some(("first-choice arcs", v.arc_shares(n)))
        }
        Structure::Ring(v) => Some(("ring arcs", v.arc_shares(n))),
        Structure::Table(t) => Some(("table slots", count(t))),
        Structure::Buckets(b) => Some(("buckets", count(b))),
        Structure::Scores => None,
    }
}

/// The exact fraction of the hash space that changes owner (by name) from `a` to `b`: ring
/// arcs swept exactly, maglev slots counted. None for other structures and for bounded
/// (whose placement depends on load, not only on the hash).
pub fn moved_space(
    a: &dyn Locator,
    a_servers: &[HashServer],
    b: &dyn Locator,
    b_servers: &[HashServer],
) -> Option<f64> {
    if a.algorithm() == HashAlgorithm::Bounded {
        return None;
    }
    let an: Vec<&str> = a_servers.iter().map(|s| s.name.as_str()).collect();
    let bn: Vec<&str> = b_servers.iter().map(|s| s.name.as_str()).collect();
    match (a.structure(), b.structure()) {
        (Structure::Ring(x), Structure::Ring(y)) => hash::moved_fraction(x, &an, y, &bn),
        (Structure::Table(x), Structure::Table(y)) if x.len() == y.len() => {
            let changed = x
                .iter()
                .zip(y)
                .filter(|(p, q)| an[**p as usize] != bn[**q as usize])
                .count();
            Some(changed as f64 / x.len() as f64)
        }
        _ => None,
    }
}

/// For each server of `from`, its index in `to` (by name).
pub fn index_map(from: &[HashServer], to: &[HashServer]) -> Vec<Option<usize>> {
    let pos: HashMap<&str, usize> = to
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name.as_str(), i))
        .collect();
    from.iter()
        .map(|s| pos.get(s.name.as_str()).copied())
        .collect()
}

/// Pretty JSON on stdout. Serialised to memory first so that a closed pipe surfaces as an
/// `io::Error` (exit 0 for `| head`), which `serde_json::Error` would hide.
pub fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    use std::io::Write;
    let mut buf = serde_json::to_vec_pretty(value)?;
    buf.push(b'\n');
    let mut out = std::io::stdout().lock();
    out.write_all(&buf)?;
    out.flush()?;
    Ok(())
}

/// A percentage with sensible precision.
pub fn pct(f: f64) -> String {
    format!("{:.2}%", f * 100.0)
}

/// Bytes for people.
pub fn human_bytes(b: usize) -> String {
    crate::spec::format_size(b as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(name: &str, w: u32) -> HashServer {
        HashServer::new(name, w)
    }

    #[test]
    fn ideal_for_each_change() {
        let from = [s("a", 1), s("b", 1), s("c", 1), s("d", 1)];
        assert!((ideal_moved(&from, &from[..3]) - 0.25).abs() < 1e-12);
        let mut added = from.to_vec();
        added.push(s("e", 1));
        assert!((ideal_moved(&from, &added) - 0.2).abs() < 1e-12);
        let re = [s("a", 2), s("b", 1), s("c", 1), s("d", 1)];
        assert!((ideal_moved(&from, &re) - 0.15).abs() < 1e-12);
    }

    #[test]
    fn balance_numbers() {
        let servers = [s("a", 1), s("b", 3), s("c", 0)];
        let b = balance(&[250, 750, 0], &servers);
        assert!(b.std_pct < 1e-9 && (b.peak_to_mean - 1.0).abs() < 1e-12);
        let b = balance(&[500, 500, 0], &servers);
        assert!((b.peak_to_mean - 2.0).abs() < 1e-12);
        assert_eq!(balance(&[0, 0, 0], &servers).peak_to_mean, 0.0);
    }
}
