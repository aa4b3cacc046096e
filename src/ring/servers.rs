//! The server list of `lbctl ring` and what is built from it: the list from the flags
//! (`--server`, `--servers-file`, `--servers N`), a change applied to it (`--add`, `--remove`,
//! `--reweight`, `--to-servers-file`), the algorithm built over it, and the [`Assigner`] that
//! maps keys to servers (plain, or bounded-load placement). Every subcommand starts here.

use crate::balance::hash::{self, HashError, HashOptions, HashServer, Locator, Placer};
use crate::cli::{AlgoArgs, ChangeArgs, ServerArgs, TuningArgs};
use crate::exit::Failure;
use crate::spec::{BackendSpec, SpecError, content_lines};

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
        min_ring_size: t.min_ring_size,
        max_ring_size: t.max_ring_size,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_names() {
        assert_eq!(synthetic_name(1), "10.0.0.1:11211");
        assert_eq!(synthetic_name(256), "10.0.1.0:11211");
        assert!(BackendSpec::parse(&synthetic_name(1_000_000)).is_ok());
    }
}
