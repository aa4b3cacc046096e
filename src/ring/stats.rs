//! `lbctl ring stats`: keys per server against the share each weight deserves, the spread
//! (std deviation and peak-to-mean of keys/expected), and for ring, table and bucket
//! algorithms the exact share of the hash space each server owns.

use super::keys::KeySource;
use super::metrics::{Balance, balance, pct, space_shares, weight_shares};
use super::servers::{Assigner, build, load_servers};
use crate::balance::hash::{HashFn, parse_u64};
use crate::cli::{GlobalOpts, ReportOutput, StatsArgs};
use crate::exit::{ExitCode, Failure};
use crate::output;

#[derive(serde::Serialize)]
struct ServerRow<'a> {
    name: &'a str,
    weight: u32,
    keys: u64,
    /// keys / all keys.
    share: f64,
    /// weight / sum of weights.
    deserved_share: f64,
    /// keys / (deserved_share * all keys); 1.0 is exactly fair.
    ratio: f64,
    /// Exact fraction of the hash space (null for rendezvous).
    space_share: Option<f64>,
}

#[derive(serde::Serialize)]
struct Report<'a> {
    algorithm: &'a str,
    hash: &'a str,
    keys: u64,
    #[serde(flatten)]
    balance: Balance,
    /// bounded: keys that did not land on their first choice.
    spilled: Option<u64>,
    /// What space_share is computed from: "ring arcs", "table slots", "buckets", ...
    space_share_basis: Option<&'a str>,
    servers: Vec<ServerRow<'a>>,
}

/// Count keys per server with `assigner`, checking decimal keys for `--hash none`.
pub(super) fn count_keys(
    source: &KeySource,
    assigner: &mut Assigner<'_>,
    numeric: bool,
    n: usize,
    global: &GlobalOpts,
) -> anyhow::Result<Vec<u64>> {
    let mut counts = vec![0u64; n];
    let pb = output::progress(global, source.len_hint(), "{spinner} {pos} keys {per_sec}");
    let mut seen: u64 = 0;
    source.for_each(|key| {
        if numeric && parse_u64(key).is_none() {
            return Err(Failure::usage(format!(
                "key {} '{}' is not a decimal number, which --hash none requires",
                seen + 1,
                String::from_utf8_lossy(key)
            )));
        }
        counts[assigner.assign(key)] += 1;
        seen += 1;
        if seen.is_multiple_of(65536) {
            pb.set_position(seen);
        }
        Ok(())
    })?;
    pb.finish_and_clear();
    Ok(counts)
}

pub fn run(args: StatsArgs, global: &GlobalOpts) -> anyhow::Result<ExitCode> {
    if args.counts {
        return super::weighted::run(&args, global);
    }
    let servers = load_servers(&args.servers)?;
    let locator = build(&args.algo, &servers)?;
    let source = KeySource::from_args(&args.keys)?;
    source.hint_if_interactive(global);
    let mut assigner = Assigner::new(locator.as_ref());
    let numeric = locator.hash_fn() == HashFn::None;
    let counts = count_keys(&source, &mut assigner, numeric, servers.len(), global)?;
    let total: u64 = counts.iter().sum();
    let deserved = weight_shares(&servers);
    let space = space_shares(locator.as_ref(), servers.len());
    let rows: Vec<ServerRow> = servers
        .iter()
        .enumerate()
        .map(|(i, s)| ServerRow {
            name: &s.name,
            weight: s.weight,
            keys: counts[i],
            share: counts[i] as f64 / total.max(1) as f64,
            deserved_share: deserved[i],
            ratio: if deserved[i] > 0.0 && total > 0 {
                counts[i] as f64 / (deserved[i] * total as f64)
            } else {
                0.0
            },
            space_share: space.as_ref().map(|(_, v)| v[i]),
        })
        .collect();
    let report = Report {
        algorithm: locator.algorithm().name(),
        hash: locator.hash_fn().name(),
        keys: total,
        balance: balance(&counts, &servers),
        spilled: assigner.spilled(),
        space_share_basis: space.as_ref().map(|(b, _)| *b),
        servers: rows,
    };
    match args.output {
        ReportOutput::Json => super::metrics::print_json(&report)?,
        ReportOutput::Table => print_table(&report)?,
    }
    Ok(ExitCode::Success)
}

fn print_table(r: &Report) -> anyhow::Result<()> {
    use std::io::Write;
    let mut head = format!(
        "{} ({}), {} servers, {} keys: std {:.2}%, peak-to-mean {:.3}",
        r.algorithm,
        r.hash,
        r.servers.len(),
        r.keys,
        r.balance.std_pct,
        r.balance.peak_to_mean
    );
    if let Some(s) = r.spilled {
        head.push_str(&format!(
            ", spilled {s} ({})",
            pct(s as f64 / r.keys.max(1) as f64)
        ));
    }
    let basis = r.space_share_basis.unwrap_or("n/a");
    let space_col = format!("hash space ({basis})");
    let mut t = output::new_table(&[
        "server",
        "weight",
        "keys",
        "share",
        "deserved",
        "vs deserved",
        &space_col,
        "",
    ]);
    let peak = r
        .servers
        .iter()
        .map(|s| s.share)
        .fold(0.0, f64::max)
        .max(1e-12);
    for s in &r.servers {
        t.add_row(vec![
            s.name.to_string(),
            s.weight.to_string(),
            s.keys.to_string(),
            pct(s.share),
            pct(s.deserved_share),
            if s.deserved_share > 0.0 {
                format!("{:+.2}%", (s.ratio - 1.0) * 100.0)
            } else {
                "drained".to_string()
            },
            s.space_share.map(pct).unwrap_or_else(|| "-".into()),
            output::bar(s.share / peak, 12),
        ]);
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "{head}")?;
    writeln!(out, "{t}")?;
    Ok(())
}
