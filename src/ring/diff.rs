//! `lbctl ring diff`: one server list against a changed one. Every key is looked up in both
//! (in one streaming pass); a key moved when its server's name differs. Reports the moved keys
//! against the ideal minimum for the change (the weight share that had to move), the extra
//! churn, per-server before/after, the from -> to flows, and for ring and maglev algorithms
//! the exact moved fraction of the hash space. With `--replicas N`, also the moved replicas per
//! position of each key's preference list and the keys whose replica set changed.

use super::keys::{KeySet, KeySource};
use super::metrics::{ideal_moved, index_map, moved_space, pct};
use super::servers::{Assigner, apply_change, build, load_servers};
use crate::balance::hash::{HashFn, parse_u64};
use crate::cli::{DiffArgs, GlobalOpts, ReportOutput};
use crate::exit::{ExitCode, Failure};
use crate::output;
use std::collections::HashMap;

#[derive(serde::Serialize)]
struct ServerRow<'a> {
    name: &'a str,
    /// Keys before the change (null: not in the old list).
    before: Option<u64>,
    /// Keys after the change (null: not in the new list).
    after: Option<u64>,
}

#[derive(serde::Serialize)]
struct Flow<'a> {
    from: &'a str,
    to: &'a str,
    keys: u64,
}

#[derive(serde::Serialize)]
struct MovedKey<'a> {
    key: std::borrow::Cow<'a, str>,
    from: &'a str,
    to: &'a str,
}

/// With --replicas N: how the N-server preference lists changed.
#[derive(serde::Serialize)]
struct ReplicaReport {
    replicas: u32,
    /// Keys whose server at position i (0 = primary) has a different name after the change.
    moved_per_position: Vec<u64>,
    /// Keys whose replica set (order ignored) changed.
    sets_changed: u64,
    /// sets_changed / keys.
    sets_changed_fraction: f64,
}

#[derive(serde::Serialize)]
struct Report<'a> {
    algorithm: &'a str,
    hash: &'a str,
    change: &'a str,
    keys: u64,
    moved: u64,
    /// moved / keys.
    moved_fraction: f64,
    /// The least fraction any algorithm must move for this change.
    ideal_fraction: f64,
    /// moved_fraction - ideal_fraction.
    extra_fraction: f64,
    /// Exact fraction of the hash space that changed owner (ring and maglev algorithms).
    moved_space_fraction: Option<f64>,
    servers: Vec<ServerRow<'a>>,
    /// Every non-empty from -> to flow of moved keys, largest first.
    flows: Vec<Flow<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    moved_keys: Option<Vec<MovedKey<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    replicas: Option<ReplicaReport>,
}

pub fn run(args: DiffArgs, global: &GlobalOpts) -> anyhow::Result<ExitCode> {
    let from = load_servers(&args.servers)?;
    let Some((to, change)) = apply_change(&from, &args.change)? else {
        return Err(Failure::usage(
            "no change given; use --add SPEC, --remove NAME, --reweight NAME=W or --to-servers-file FILE",
        ));
    };
    let a = build(&args.algo, &from)?;
    let b = build(&args.algo, &to)?;
    let source = KeySource::from_args(&args.keys)?;
    source.hint_if_interactive(global);
    let map = index_map(&from, &to);
    let (mut aa, mut ab) = (Assigner::new(a.as_ref()), Assigner::new(b.as_ref()));
    let numeric = a.hash_fn() == HashFn::None;
    let mut before = vec![0u64; from.len()];
    let mut after = vec![0u64; to.len()];
    let mut flows: HashMap<(u32, u32), u64> = HashMap::new();
    let mut moved_keys = KeySet::default();
    let mut moved_pairs: Vec<(u32, u32)> = Vec::new();
    let mut total: u64 = 0;
    let want = args.replicas.unwrap_or(0) as usize;
    let mut pos_moved = vec![0u64; want];
    let mut sets_changed: u64 = 0;
    let (mut ra, mut rb): (Vec<usize>, Vec<usize>) = (Vec::new(), Vec::new());
    let (mut na, mut nb): (Vec<&str>, Vec<&str>) = (Vec::new(), Vec::new());
    let pb = output::progress(global, source.len_hint(), "{spinner} {pos} keys {per_sec}");
    source.for_each(|key| {
        if numeric && parse_u64(key).is_none() {
            return Err(Failure::usage(format!(
                "key {} '{}' is not a decimal number, which --hash none requires",
                total + 1,
                String::from_utf8_lossy(key)
            )));
        }
        let (x, y) = (aa.assign(key), ab.assign(key));
        before[x] += 1;
        after[y] += 1;
        if map[x] != Some(y) {
            *flows.entry((x as u32, y as u32)).or_default() += 1;
            if args.list_moved {
                moved_keys.push(key);
                moved_pairs.push((x as u32, y as u32));
            }
        }
        if want > 0 {
            a.replicas(key, want, &mut ra);
            b.replicas(key, want, &mut rb);
            for (i, moved) in pos_moved.iter_mut().enumerate() {
                let x = ra.get(i).map(|&s| from[s].name.as_str());
                let y = rb.get(i).map(|&s| to[s].name.as_str());
                if x != y {
                    *moved += 1;
                }
            }
            na.clear();
            na.extend(ra.iter().map(|&s| from[s].name.as_str()));
            nb.clear();
            nb.extend(rb.iter().map(|&s| to[s].name.as_str()));
            na.sort_unstable();
            nb.sort_unstable();
            if na != nb {
                sets_changed += 1;
            }
        }
        total += 1;
        if total.is_multiple_of(65536) {
            pb.set_position(total);
        }
        Ok(())
    })?;
    pb.finish_and_clear();
    let moved: u64 = flows.values().sum();
    let ideal = ideal_moved(&from, &to);
    let moved_fraction = moved as f64 / total.max(1) as f64;
    let mut flow_list: Vec<Flow> = flows
        .iter()
        .map(|(&(x, y), &k)| Flow {
            from: &from[x as usize].name,
            to: &to[y as usize].name,
            keys: k,
        })
        .collect();
    flow_list.sort_by(|p, q| {
        q.keys
            .cmp(&p.keys)
            .then(p.from.cmp(q.from))
            .then(p.to.cmp(q.to))
    });
    let back = index_map(&to, &from);
    let mut rows: Vec<ServerRow> = from
        .iter()
        .enumerate()
        .map(|(i, s)| ServerRow {
            name: &s.name,
            before: Some(before[i]),
            after: map[i].map(|j| after[j]),
        })
        .collect();
    rows.extend(
        to.iter()
            .enumerate()
            .filter(|(j, _)| back[*j].is_none())
            .map(|(j, s)| ServerRow {
                name: &s.name,
                before: None,
                after: Some(after[j]),
            }),
    );
    let report = Report {
        algorithm: a.algorithm().name(),
        hash: a.hash_fn().name(),
        change: &change,
        keys: total,
        moved,
        moved_fraction,
        ideal_fraction: ideal,
        extra_fraction: moved_fraction - ideal,
        moved_space_fraction: moved_space(a.as_ref(), &from, b.as_ref(), &to),
        servers: rows,
        flows: flow_list,
        moved_keys: args.list_moved.then(|| {
            moved_keys
                .iter()
                .zip(&moved_pairs)
                .map(|(k, &(x, y))| MovedKey {
                    key: String::from_utf8_lossy(k),
                    from: &from[x as usize].name,
                    to: &to[y as usize].name,
                })
                .collect()
        }),
        replicas: args.replicas.map(|n| ReplicaReport {
            replicas: n,
            moved_per_position: pos_moved.clone(),
            sets_changed,
            sets_changed_fraction: sets_changed as f64 / total.max(1) as f64,
        }),
    };
    match args.output {
        ReportOutput::Json => super::metrics::print_json(&report)?,
        ReportOutput::Table => print_table(&report, &moved_keys, &moved_pairs, &from, &to)?,
    }
    Ok(ExitCode::Success)
}

/// Flows listed in the table (JSON has them all).
const TABLE_FLOWS: usize = 30;

fn print_table(
    r: &Report,
    moved_keys: &KeySet,
    pairs: &[(u32, u32)],
    from: &[crate::balance::hash::HashServer],
    to: &[crate::balance::hash::HashServer],
) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{} ({}): {}; {} keys",
        r.algorithm, r.hash, r.change, r.keys
    )?;
    let mut t = output::new_table(&["", "value"]);
    t.add_row(vec![
        "moved keys".to_string(),
        format!("{} ({})", r.moved, pct(r.moved_fraction)),
    ]);
    t.add_row(vec![
        "ideal minimum".to_string(),
        format!(
            "{:.0} ({})",
            r.ideal_fraction * r.keys as f64,
            pct(r.ideal_fraction)
        ),
    ]);
    t.add_row(vec![
        "extra churn".to_string(),
        format!("{:+.2} pp", r.extra_fraction * 100.0),
    ]);
    t.add_row(vec![
        "hash space moved (exact)".to_string(),
        r.moved_space_fraction
            .map(pct)
            .unwrap_or_else(|| "n/a for this algorithm".into()),
    ]);
    writeln!(out, "{t}\n")?;
    if let Some(rep) = &r.replicas {
        let mut t = output::new_table(&["replica", "moved keys", "of keys"]);
        for (i, m) in rep.moved_per_position.iter().enumerate() {
            t.add_row(vec![
                if i == 0 {
                    "1 (primary)".to_string()
                } else {
                    (i + 1).to_string()
                },
                m.to_string(),
                pct(*m as f64 / r.keys.max(1) as f64),
            ]);
        }
        t.add_row(vec![
            "any (set changed)".to_string(),
            rep.sets_changed.to_string(),
            pct(rep.sets_changed_fraction),
        ]);
        writeln!(out, "{t}\n")?;
    }
    let mut s = output::new_table(&["server", "before", "after", "change", ""]);
    let peak = r
        .servers
        .iter()
        .filter_map(|x| x.before.max(x.after))
        .max()
        .unwrap_or(1)
        .max(1);
    for row in &r.servers {
        let (b, a) = (row.before.unwrap_or(0), row.after.unwrap_or(0));
        s.add_row(vec![
            row.name.to_string(),
            row.before
                .map(|v| v.to_string())
                .unwrap_or_else(|| "(new)".into()),
            row.after
                .map(|v| v.to_string())
                .unwrap_or_else(|| "(gone)".into()),
            format!("{:+}", a as i64 - b as i64),
            output::bar(a as f64 / peak as f64, 12),
        ]);
    }
    writeln!(out, "{s}")?;
    if !r.flows.is_empty() {
        let mut f = output::new_table(&["from", "to", "moved keys", "of moved", ""]);
        for fl in r.flows.iter().take(TABLE_FLOWS) {
            let share = fl.keys as f64 / r.moved.max(1) as f64;
            f.add_row(vec![
                fl.from.to_string(),
                fl.to.to_string(),
                fl.keys.to_string(),
                pct(share),
                output::bar(share, 12),
            ]);
        }
        writeln!(out, "\n{f}")?;
        if r.flows.len() > TABLE_FLOWS {
            writeln!(
                out,
                "({} more flows; --output json lists them all)",
                r.flows.len() - TABLE_FLOWS
            )?;
        }
    }
    if r.moved_keys.is_some() {
        writeln!(out, "\nmoved keys (key, from, to):")?;
        for (k, &(x, y)) in moved_keys.iter().zip(pairs) {
            out.write_all(k)?;
            writeln!(out, "\t{}\t{}", from[x as usize].name, to[y as usize].name)?;
        }
    }
    Ok(())
}
