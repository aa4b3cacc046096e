//! The per-stage part of a load report (`stages` in `lbctl.load/v1`): one [`StageEntry`] per
//! `--stage` with its planned and achieved rate, counts, percentiles and encoded histograms
//! (so `load merge` adds stages losslessly too), the per-stage validity check (send lag), the
//! terminal table, and the progress line's "stage 2/3 ... target 530/s".

use super::job::Plan;
use super::slo::{PercentileValue, Percentiles};
use super::stages::Ramp;
use super::tally::{StageTally, Tally};
use crate::output::new_table;
use crate::stats::{LatencyHistogram, Summary};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// One stage in the report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StageEntry {
    /// The stage as typed (`2m:100/s..2000/s`).
    pub stage: String,
    pub start_s: f64,
    pub duration_s: f64,
    /// Open model: this run's target rate at the stage's start and end (a shard's share).
    pub rate_from: Option<f64>,
    pub rate_to: Option<f64>,
    /// Open model: requests planned in the stage, and that count over its duration.
    pub planned: Option<u64>,
    pub rate_planned: Option<f64>,
    /// Finished requests (responses + transport errors) over the stage's duration.
    pub rate_achieved: f64,
    /// Closed model: active connections at the stage's start and end (this run's slots).
    pub connections_from: Option<u64>,
    pub connections_to: Option<u64>,
    /// The most connections seen open by a request of this stage (summed by a merge).
    pub connections_peak: u64,
    pub requests: u64,
    pub responses: u64,
    pub errors: u64,
    pub unfinished: u64,
    pub latency_ms: Summary,
    pub percentiles_ms: Vec<PercentileValue>,
    pub send_lag_ms: Option<Summary>,
    /// Encoded latency and send-lag histograms (as `histograms` of the whole run).
    pub histogram: String,
    pub send_lag_histogram: String,
}

/// Build the stage entries of a run from its plan and tally.
pub fn entries(plan: &Plan, tally: &Tally, peaks: &[u64], pct: &Percentiles) -> Vec<StageEntry> {
    let share = plan.shard.map(|s| s.count as f64).unwrap_or(1.0);
    let mut start = 0.0;
    let empty = StageTally::default();
    plan.stages
        .iter()
        .enumerate()
        .map(|(i, st)| {
            let len = st.duration.as_secs_f64();
            let t = tally.stages.get(i).unwrap_or(&empty);
            let planned = plan.schedule.as_ref().map(|s| s.planned_in_stage(i));
            let (rate_from, rate_to, cf, ct) = match st.ramp {
                Ramp::Rate { from, to } => (Some(from / share), Some(to / share), None, None),
                Ramp::Connections { .. } => {
                    let (a, b) = plan
                        .ramp
                        .as_ref()
                        .map(|r| r.stage_connections(i))
                        .unwrap_or((0, 0));
                    let mine = |n: u64| match plan.shard {
                        Some(s) => super::shard::split(n, s),
                        None => n,
                    };
                    (None, None, Some(mine(a)), Some(mine(b)))
                }
            };
            let e = entry(
                st.text.clone(),
                (start, len),
                t,
                planned,
                peaks.get(i).copied().unwrap_or(0),
                pct,
            );
            start += len;
            StageEntry {
                rate_from,
                rate_to,
                connections_from: cf,
                connections_to: ct,
                ..e
            }
        })
        .collect()
}

/// One entry from a stage's tally.
fn entry(
    stage: String,
    (start_s, duration_s): (f64, f64),
    t: &StageTally,
    planned: Option<u64>,
    connections_peak: u64,
    pct: &Percentiles,
) -> StageEntry {
    let requests = t.responses + t.transport_errors;
    let lagged = !t.send_lag.is_empty() || planned.is_some();
    StageEntry {
        stage,
        start_s,
        duration_s,
        rate_from: None,
        rate_to: None,
        planned,
        rate_planned: planned.map(|p| p as f64 / duration_s.max(1e-9)),
        rate_achieved: requests as f64 / duration_s.max(1e-9),
        connections_from: None,
        connections_to: None,
        connections_peak,
        requests,
        responses: t.responses,
        errors: t.errors,
        unfinished: t.unfinished,
        latency_ms: t.latency.summary_ms(),
        percentiles_ms: pct
            .0
            .iter()
            .map(|&p| PercentileValue {
                percentile: p,
                ms: t.latency.percentile_us(p) as f64 / 1000.0,
            })
            .collect(),
        send_lag_ms: lagged.then(|| t.send_lag.summary_ms()),
        histogram: t.latency.to_base64(),
        send_lag_histogram: t.send_lag.to_base64(),
    }
}

/// Rebuild stage tallies from a report's entries (for `load merge`).
pub fn tallies_of(entries: &[StageEntry]) -> Result<Vec<StageTally>, String> {
    entries
        .iter()
        .map(|e| {
            let h = |s: &str| {
                LatencyHistogram::from_base64(s)
                    .map_err(|x| format!("stages '{}': histogram: {x}", e.stage))
            };
            Ok(StageTally {
                latency: h(&e.histogram)?,
                send_lag: h(&e.send_lag_histogram)?,
                responses: e.responses,
                transport_errors: e.requests.saturating_sub(e.responses),
                errors: e.errors,
                unfinished: e.unfinished,
            })
        })
        .collect()
}

/// The merged stages of shards: the first run's stage list with the summed tallies, plans
/// and peaks (None when the runs' stage lists differ).
pub fn merged(runs: &[&[StageEntry]], tally: &Tally, pct: &Percentiles) -> Option<Vec<StageEntry>> {
    let first = runs.first()?;
    if runs.iter().any(|r| {
        r.len() != first.len() || r.iter().zip(first.iter()).any(|(a, b)| a.stage != b.stage)
    }) {
        return None;
    }
    let empty = StageTally::default();
    let sum = |f: &dyn Fn(&StageEntry) -> Option<f64>, i: usize| -> Option<f64> {
        runs.iter().map(|r| f(&r[i])).sum()
    };
    Some(
        first
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let planned: Option<u64> = runs.iter().map(|r| r[i].planned).sum();
                let peak = runs.iter().map(|r| r[i].connections_peak).sum();
                let e = entry(
                    s.stage.clone(),
                    (s.start_s, s.duration_s),
                    tally.stages.get(i).unwrap_or(&empty),
                    planned,
                    peak,
                    pct,
                );
                StageEntry {
                    rate_from: sum(&|e| e.rate_from, i),
                    rate_to: sum(&|e| e.rate_to, i),
                    connections_from: runs.iter().map(|r| r[i].connections_from).sum(),
                    connections_to: runs.iter().map(|r| r[i].connections_to).sum(),
                    ..e
                }
            })
            .collect(),
    )
}

/// The validity check per stage: the generator's send lag p99 within each stage.
pub fn invalid_reasons(entries: &[StageEntry], tally: &Tally, max_lag: Duration) -> Vec<String> {
    entries
        .iter()
        .zip(tally.stages.iter())
        .enumerate()
        .filter_map(|(i, (e, t))| {
            let lag = t.send_lag.percentile(99.0);
            (e.planned.is_some() && lag > max_lag).then(|| {
                format!(
                    "stage {} ({}): the generator sent late: send lag p99 {} > --max-send-lag {}",
                    i + 1,
                    e.stage,
                    crate::spec::format_duration(lag),
                    crate::spec::format_duration(max_lag)
                )
            })
        })
        .collect()
}

/// The terminal table: one row per stage.
pub fn table(entries: &[StageEntry]) -> String {
    let ms = |v: f64| crate::spec::format_duration(Duration::from_secs_f64(v.max(0.0) / 1000.0));
    let mut t = new_table(&[
        "stage",
        "target",
        "planned",
        "achieved",
        "requests",
        "errors",
        "peak conns",
        "p50",
        "p99",
        "max",
    ]);
    for (i, e) in entries.iter().enumerate() {
        let target = match (e.rate_from, e.rate_to, e.connections_from, e.connections_to) {
            (Some(a), Some(b), _, _) if a == b => format!("{a:.0}/s"),
            (Some(a), Some(b), _, _) => format!("{a:.0}..{b:.0}/s"),
            (_, _, Some(a), Some(b)) if a == b => format!("{a} conns"),
            (_, _, Some(a), Some(b)) => format!("{a}..{b} conns"),
            _ => String::new(),
        };
        t.add_row(vec![
            format!("{} {}", i + 1, e.stage),
            target,
            e.rate_planned
                .map(|r| format!("{r:.1}/s"))
                .unwrap_or_else(|| "-".into()),
            format!("{:.1}/s", e.rate_achieved),
            e.requests.to_string(),
            e.errors.to_string(),
            e.connections_peak.to_string(),
            ms(e.latency_ms.p50),
            ms(e.latency_ms.p99),
            ms(e.latency_ms.max),
        ]);
    }
    t.to_string()
}

/// The start line's description of a staged plan: "3 stages over 5.0s".
pub fn summary(plan: &Plan) -> String {
    let total: Duration = plan.stages.iter().map(|s| s.duration).sum();
    format!(
        "{} stages over {:.1}s",
        plan.stages.len(),
        total.as_secs_f64()
    )
}

/// The progress line's stage part at `elapsed` into the window, e.g. "stage 2/3, target 530/s".
pub fn progress(plan: &Plan, elapsed: Duration) -> Option<String> {
    if plan.stages.is_empty() {
        return None;
    }
    let t = elapsed.as_secs_f64();
    let n = plan.stages.len();
    if let Some(r) = &plan.ramp {
        let s = r.stage_at(t);
        return Some(format!(
            "stage {}/{n}, target {} connections",
            s + 1,
            r.active(t)
        ));
    }
    let s = plan.schedule.as_ref()?;
    let (rate, st) = s.rate_at(t);
    let share = plan.shard.map(|s| s.count as f64).unwrap_or(1.0);
    Some(format!(
        "stage {}/{n}, target {:.0}/s",
        st + 1,
        rate / share
    ))
}
