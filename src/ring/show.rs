//! `lbctl ring show`: the structure itself. Rings: per-server point counts and exact arc
//! shares, then the points (position, owner). Maglev: slots per server, then the table.
//! Jump/modulo: buckets per server, then the bucket list. Rendezvous keeps no structure.
//! `--replicas N` adds, per ring point, the preference list of a key landing there. HAProxy's
//! rings are shown in their clockwise-equivalent form (each point and the midpoint before it).

use super::metrics::{pct, space_shares};
use super::servers::{build, load_servers};
use crate::balance::hash::Structure;
use crate::cli::{GlobalOpts, ReportOutput, ShowArgs};
use crate::exit::ExitCode;
use crate::output;

#[derive(serde::Serialize)]
struct ServerRow<'a> {
    name: &'a str,
    weight: u32,
    /// Points, slots or buckets owned.
    entries: u64,
    /// Exact share of the hash space (null for rendezvous).
    space_share: Option<f64>,
}

#[derive(serde::Serialize)]
struct Entry<'a> {
    /// Ring position, table slot or bucket number.
    position: u64,
    owner: &'a str,
    /// With --replicas (rings): the preference list of a key landing on this point.
    #[serde(skip_serializing_if = "Option::is_none")]
    replicas: Option<Vec<&'a str>>,
}

#[derive(serde::Serialize)]
struct Report<'a> {
    algorithm: &'a str,
    hash: &'a str,
    /// "ring", "table", "buckets" or "none".
    structure: &'a str,
    /// Ring circle width in bits (rings only).
    space_bits: Option<u32>,
    memory_bytes: usize,
    servers: Vec<ServerRow<'a>>,
    entries: Vec<Entry<'a>>,
}

pub fn run(args: ShowArgs, _global: &GlobalOpts) -> anyhow::Result<ExitCode> {
    let servers = load_servers(&args.servers)?;
    let l = build(&args.algo, &servers)?;
    let shares = space_shares(l.as_ref(), servers.len());
    let mut counts = vec![0u64; servers.len()];
    let mut walk = Vec::new();
    if args.replicas.is_some() && !matches!(l.structure(), Structure::Ring(_)) {
        return Err(crate::exit::Failure::usage(format!(
            "--replicas with show lists replica sets per ring point; {} has no ring (use `ring lookup --replicas N KEY...`)",
            l.algorithm()
        )));
    }
    let (kind, bits, entries): (&str, Option<u32>, Vec<Entry>) = match l.structure() {
        Structure::Ring(v) => (
            "ring",
            Some(v.bits),
            v.points
                .iter()
                .zip(v.owners)
                .enumerate()
                .map(|(i, (&p, &o))| {
                    counts[o as usize] += 1;
                    Entry {
                        position: p,
                        owner: &servers[o as usize].name,
                        replicas: args.replicas.map(|n| {
                            v.walk_from(i, n as usize, &mut walk);
                            walk.iter().map(|&s| servers[s].name.as_str()).collect()
                        }),
                    }
                })
                .collect(),
        ),
        Structure::Table(t) | Structure::Buckets(t) => (
            if matches!(l.structure(), Structure::Table(_)) {
                "table"
            } else {
                "buckets"
            },
            None,
            t.iter()
                .enumerate()
                .map(|(i, &o)| {
                    counts[o as usize] += 1;
                    Entry {
                        position: i as u64,
                        owner: &servers[o as usize].name,
                        replicas: None,
                    }
                })
                .collect(),
        ),
        Structure::Scores => ("none", None, Vec::new()),
    };
    let report = Report {
        algorithm: l.algorithm().name(),
        hash: l.hash_fn().name(),
        structure: kind,
        space_bits: bits,
        memory_bytes: l.memory_bytes(),
        servers: servers
            .iter()
            .enumerate()
            .map(|(i, s)| ServerRow {
                name: &s.name,
                weight: s.weight,
                entries: counts[i],
                space_share: shares.as_ref().map(|(_, v)| v[i]),
            })
            .collect(),
        entries,
    };
    match args.output {
        ReportOutput::Json => super::metrics::print_json(&report)?,
        ReportOutput::Table => print_table(&report, args.limit)?,
    }
    Ok(ExitCode::Success)
}

fn print_table(r: &Report, limit: usize) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let what = match r.structure {
        "ring" => "points",
        "table" => "slots",
        "buckets" => "buckets",
        _ => "entries",
    };
    match r.space_bits {
        Some(b) => writeln!(
            out,
            "{} ({}): {} {what} on a 2^{b} ring",
            r.algorithm,
            r.hash,
            r.entries.len()
        )?,
        None if r.structure == "none" => writeln!(
            out,
            "{} ({}): no stored structure; every lookup scores all {} servers",
            r.algorithm,
            r.hash,
            r.servers.len()
        )?,
        None => writeln!(
            out,
            "{} ({}): {} {what}",
            r.algorithm,
            r.hash,
            r.entries.len()
        )?,
    }
    if r.structure == "none" {
        let mut t = output::new_table(&["server", "weight"]);
        for s in &r.servers {
            t.add_row(vec![s.name.to_string(), s.weight.to_string()]);
        }
        writeln!(out, "{t}")?;
        return Ok(());
    }
    let mut t = output::new_table(&["server", "weight", what, "hash space", ""]);
    let peak = r
        .servers
        .iter()
        .filter_map(|s| s.space_share)
        .fold(0.0, f64::max)
        .max(1e-12);
    for s in &r.servers {
        t.add_row(vec![
            s.name.to_string(),
            s.weight.to_string(),
            s.entries.to_string(),
            s.space_share.map(pct).unwrap_or_else(|| "-".into()),
            s.space_share
                .map(|x| output::bar(x / peak, 12))
                .unwrap_or_default(),
        ]);
    }
    writeln!(out, "{t}")?;
    if r.entries.is_empty() {
        return Ok(());
    }
    let shown = if limit == 0 {
        r.entries.len()
    } else {
        limit.min(r.entries.len())
    };
    let head = if r.structure == "ring" {
        "position"
    } else if r.structure == "table" {
        "slot"
    } else {
        "bucket"
    };
    writeln!(out)?;
    let with_replicas = r.entries.first().is_some_and(|e| e.replicas.is_some());
    let mut e = if with_replicas {
        output::new_table(&[head, "owner", "replicas"])
    } else {
        output::new_table(&[head, "owner"])
    };
    for en in &r.entries[..shown] {
        let mut row = vec![en.position.to_string(), en.owner.to_string()];
        if let Some(list) = &en.replicas {
            row.push(list.join(", "));
        }
        e.add_row(row);
    }
    writeln!(out, "{e}")?;
    if shown < r.entries.len() {
        writeln!(
            out,
            "({} of {} {what}; --limit 0 or --output json for all)",
            shown,
            r.entries.len()
        )?;
    }
    Ok(())
}
