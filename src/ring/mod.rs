//! `lbctl ring`: the consistent-hash inspector. Wires `balance::hash` to the CLI: loads the
//! server list (`--server`, `--servers-file`, `--servers N`), applies a change (`--add`,
//! `--remove`, `--reweight`, `--to-servers-file`), reads keys (`keys.rs`) and hands off to one
//! subcommand module each. The metrics every report shares (balance, ideal churn, exact
//! hash-space shares) live here so `stats`, `diff` and `compare` compute them one way.

mod compare;
mod diff;
pub mod keys;
mod lookup;
mod show;
mod stats;

use crate::balance::hash::{
    self, HashAlgorithm, HashError, HashOptions, HashServer, Locator, Placer, Structure,
};
use crate::cli::{AlgoArgs, ChangeArgs, GlobalOpts, RingArgs, RingCommand, ServerArgs, TuningArgs};
use crate::exit::{ExitCode, Failure};
use crate::spec::{BackendSpec, SpecError, content_lines};
use std::collections::HashMap;

/// Run `lbctl ring`.
pub fn run(args: RingArgs, global: &GlobalOpts) -> anyhow::Result<ExitCode> {
    match args.command {
        RingCommand::Lookup(a) => lookup::run(a, global),
        RingCommand::Stats(a) => stats::run(a, global),
        RingCommand::Diff(a) => diff::run(a, global),
        RingCommand::Compare(a) => compare::run(a, global),
        RingCommand::Show(a) => show::run(a, global),
    }
}

/// A core error is always bad input here: exit 2.
pub(crate) fn usage(e: HashError) -> anyhow::Error {
    Failure::usage(e.to_string())
}

/// Name of synthetic server i (1-based): 10.0.0.1:11211, 10.0.0.2:11211, ...
pub fn synthetic_name(i: u32) -> String {
    format!(
        "10.{}.{}.{}:11211",
        (i >> 16) & 255,
        (i >> 8) & 255,
        i & 255
    )
}

fn to_server(s: BackendSpec) -> HashServer {
    HashServer::new(s.name, s.weight)
}

fn read_list_file(path: &std::path::Path, flag: &str) -> anyhow::Result<Vec<HashServer>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::usage(format!("cannot read {flag} '{}': {e}", path.display())))?;
    let mut out = Vec::new();
    for (n, line) in content_lines(&text) {
        let spec =
            BackendSpec::parse(line).map_err(|e| e.at(format!("{} line {n}", path.display())))?;
        out.push(to_server(spec));
    }
    Ok(out)
}

/// The server list from `--server`, `--servers-file` and `--servers N`, in that order, validated.
pub fn load_servers(a: &ServerArgs) -> anyhow::Result<Vec<HashServer>> {
    let mut out = Vec::new();
    for s in &a.server {
        out.push(to_server(BackendSpec::parse(s)?));
    }
    if let Some(path) = &a.servers_file {
        out.extend(read_list_file(path, "--servers-file")?);
    }
    if let Some(n) = a.servers {
        out.extend((1..=n).map(|i| HashServer::new(synthetic_name(i), 1)));
    }
    if a.server.is_empty() && a.servers_file.is_none() && a.servers.is_none() {
        return Err(Failure::usage(
            "no servers given; use --server SPEC (repeatable), --servers-file FILE or --servers N",
        ));
    }
    hash::validate(&out).map_err(usage)?;
    Ok(out)
}

/// `HashOptions` from the algorithm flags.
pub fn options(hash: Option<hash::HashFn>, t: &TuningArgs) -> HashOptions {
    HashOptions {
        hash,
        vnodes: t.vnodes,
        table_size: t.table_size,
        balance_factor: t.balance_factor,
    }
}

/// Build one algorithm, mapping its errors to exit 2.
pub fn build(algo: &AlgoArgs, servers: &[HashServer]) -> anyhow::Result<Box<dyn Locator>> {
    hash::build(algo.algorithm, servers, &options(algo.hash, &algo.tuning)).map_err(usage)
}

fn names_list(servers: &[HashServer]) -> String {
    let mut s: Vec<&str> = servers.iter().take(5).map(|s| s.name.as_str()).collect();
    if servers.len() > 5 {
        s.push("...");
    }
    s.join(", ")
}

/// Apply the change flags; None when no change was asked for. Returns the new list and a
/// short description ("remove x, add y").
pub fn apply_change(
    from: &[HashServer],
    c: &ChangeArgs,
) -> anyhow::Result<Option<(Vec<HashServer>, String)>> {
    if let Some(path) = &c.to_servers_file {
        let to = read_list_file(path, "--to-servers-file")?;
        hash::validate(&to).map_err(|e| Failure::usage(format!("--to-servers-file: {e}")))?;
        return Ok(Some((to, format!("servers from {}", path.display()))));
    }
    if c.add.is_empty() && c.remove.is_empty() && c.reweight.is_empty() {
        return Ok(None);
    }
    let mut to = from.to_vec();
    let mut what = Vec::new();
    for name in &c.remove {
        let Some(pos) = to.iter().position(|s| &s.name == name) else {
            return Err(Failure::usage(format!(
                "--remove '{name}': no server has that name (servers: {})",
                names_list(&to)
            )));
        };
        to.remove(pos);
        what.push(format!("remove {name}"));
    }
    for rw in &c.reweight {
        let (name, w) = rw.rsplit_once('=').ok_or_else(|| {
            SpecError::new(
                "--reweight",
                rw.clone(),
                "there is no '='",
                "NAME=WEIGHT, e.g. a=3",
            )
        })?;
        let w: u32 = w
            .trim()
            .parse()
            .ok()
            .filter(|w| *w <= 1_000_000)
            .ok_or_else(|| {
                SpecError::new(
                    "--reweight",
                    rw.clone(),
                    "the weight is not a whole number from 0 to 1000000",
                    "NAME=WEIGHT, e.g. a=3",
                )
            })?;
        let Some(s) = to.iter_mut().find(|s| s.name == name) else {
            return Err(Failure::usage(format!(
                "--reweight '{rw}': no server named '{name}' (servers: {})",
                names_list(from)
            )));
        };
        what.push(format!("reweight {name} {}->{w}", s.weight));
        s.weight = w;
    }
    for spec in &c.add {
        let s = to_server(BackendSpec::parse(spec)?);
        what.push(format!("add {}", s.name));
        to.push(s);
    }
    hash::validate(&to).map_err(|e| Failure::usage(format!("after the change: {e}")))?;
    Ok(Some((to, what.join(", "))))
}

/// Assigns keys to servers: a plain lookup, or bounded-load placement in key order.
pub enum Assigner<'a> {
    Plain(&'a dyn Locator),
    Bounded(Placer<'a>),
}

impl<'a> Assigner<'a> {
    pub fn new(l: &'a dyn Locator) -> Self {
        match l.as_bounded() {
            Some(b) => Assigner::Bounded(b.placer()),
            None => Assigner::Plain(l),
        }
    }

    #[inline]
    pub fn assign(&mut self, key: &[u8]) -> usize {
        match self {
            Assigner::Plain(l) => l.locate(key),
            Assigner::Bounded(p) => p.place(key).server,
        }
    }

    /// Keys that spilled past their first choice (bounded only).
    pub fn spilled(&self) -> Option<u64> {
        match self {
            Assigner::Plain(_) => None,
            Assigner::Bounded(p) => Some(p.spilled()),
        }
    }
}

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
    let shares = weight_shares(servers);
    let ratios: Vec<f64> = counts
        .iter()
        .zip(&shares)
        .filter(|(_, s)| **s > 0.0)
        .map(|(c, s)| *c as f64 / (s * total as f64))
        .collect();
    if total == 0 || ratios.is_empty() {
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

    #[test]
    fn synthetic_names() {
        assert_eq!(synthetic_name(1), "10.0.0.1:11211");
        assert_eq!(synthetic_name(256), "10.0.1.0:11211");
        assert!(BackendSpec::parse(&synthetic_name(1_000_000)).is_ok());
    }
}
