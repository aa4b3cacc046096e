//! `lbctl load merge`: reports of runs made side by side (shards of one test, on several
//! machines) read back from their JSON and combined losslessly: counts and histograms add up,
//! rates add up, the window is the longest shard's.

use super::report::{self, Meta, Report};
use super::tally::Tally;
use crate::cli::MergeArgs;
use crate::exit::Failure;

/// `lbctl load merge`: the merged report and tally, for mod.rs to print.
pub(super) fn merge(args: &MergeArgs) -> anyhow::Result<(Report, Tally)> {
    let mut reports = Vec::new();
    for f in &args.files {
        let r = read_document(f)?;
        if let Some(p) = &r.per_second {
            super::per_second::check(p)
                .map_err(|e| Failure::usage(format!("{}: {e}", f.display())))?;
        }
        let t =
            report::tally_of(&r).map_err(|e| Failure::usage(format!("{}: {e}", f.display())))?;
        reports.push((r, t));
    }
    if let Some(n) = args.expect {
        let runs: Vec<_> = args
            .files
            .iter()
            .zip(reports.iter())
            .map(|(f, (r, _))| (f.display().to_string(), r.shard, r.plan.as_ref()))
            .collect();
        super::shard::check_set(&runs, n).map_err(|e| {
            anyhow::Error::new(Failure {
                code: crate::exit::ExitCode::CheckFailed,
                message: format!("load merge --expect {n}: {e}"),
            })
        })?;
    }
    let merged = merge_reports(&reports)?;
    let percentiles = args.percentiles.clone().unwrap_or_default();
    let mut report = report::build(&merged.1, merged.0, &percentiles, &args.slo);
    // Stages add up when every run had the same ones (the shards of one plan do).
    let stage_lists: Option<Vec<&[super::stage_report::StageEntry]>> =
        reports.iter().map(|(r, _)| r.stages.as_deref()).collect();
    report.stages =
        stage_lists.and_then(|l| super::stage_report::merged(&l, &merged.1, &percentiles));
    report.aborted = reports.iter().find_map(|(r, _)| r.aborted.clone());
    // Streams per connection, when every run had the same number.
    let streams = reports.first().and_then(|(r, _)| r.h2_streams);
    if reports.iter().all(|(r, _)| r.h2_streams == streams) {
        report.h2_streams = streams;
    }
    let first_plan = reports.first().and_then(|(r, _)| r.plan.clone());
    if reports.iter().all(|(r, _)| r.plan == first_plan) {
        report.plan = first_plan;
    }
    report.started_at = reports
        .iter()
        .filter_map(|(r, _)| r.started_at)
        .reduce(f64::min);
    // Seconds add up on the wall clock when every run has them (documents from before
    // per-second data have none, and then neither has the merge).
    let seconds: Option<Vec<&super::per_second::PerSecond>> =
        reports.iter().map(|(r, _)| r.per_second.as_ref()).collect();
    // A merge keeps as many buckets as the largest run did (or the default cap), so shards
    // offset by a second do not halve the resolution for one extra bucket.
    if let Some(s) = seconds {
        let max = s
            .iter()
            .map(|p| p.seconds.len())
            .fold(super::per_second::DEFAULT_MAX_BUCKETS, usize::max);
        report.per_second = Some(
            super::per_second_merge::merge(&s, max)
                .map_err(|e| Failure::usage(format!("load merge: {e}")))?,
        );
    }
    Ok((report, merged.1))
}

/// Read one `lbctl load --output json` document; every problem is a usage error (exit 2)
/// naming the file.
pub(super) fn read_document(f: &std::path::Path) -> anyhow::Result<Report> {
    let text = std::fs::read_to_string(f)
        .map_err(|e| Failure::usage(format!("cannot read {}: {e}", f.display())))?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        Failure::usage(format!(
            "{}: not JSON ({e}); expected the output of `lbctl load --output json`",
            f.display()
        ))
    })?;
    let schema = value.get("schema").and_then(|s| s.as_str()).unwrap_or("");
    if schema != report::SCHEMA {
        return Err(Failure::usage(format!(
            "{}: schema is '{schema}', expected '{}'",
            f.display(),
            report::SCHEMA
        )));
    }
    serde_json::from_value(value).map_err(|e| Failure::usage(format!("{}: {e}", f.display())))
}

/// Combine runs made side by side (shards of one test): counts and histograms add up, rates
/// add up, the window is the longest shard's.
fn merge_reports(runs: &[(Report, Tally)]) -> anyhow::Result<(Meta, Tally)> {
    let mut total = Tally::default();
    let mut targets: Vec<String> = Vec::new();
    let (mut rps, mut rate, mut conns, mut threads, mut merged) = (0.0, 0.0, 0, 0, 0);
    let (mut max_conns, mut peak) = (None::<u64>, 0u64);
    let (mut duration, mut warmup) = (0f64, 0f64);
    let mut invalid = Vec::new();
    let mut models: Vec<&str> = Vec::new();
    let mut https: Vec<&str> = Vec::new();
    let mut group_by: Option<String> = None;
    for (r, t) in runs {
        total
            .merge(t)
            .map_err(|e| Failure::usage(format!("histograms could not be merged: {e}")))?;
        for u in &r.targets {
            if !targets.contains(u) {
                targets.push(u.clone());
            }
        }
        rps += r.rps;
        rate += r.rate_target.unwrap_or(0.0);
        conns += r.connections;
        peak += r.connections_peak;
        if let Some(m) = r.max_connections {
            max_conns = Some(max_conns.unwrap_or(0) + m);
        }
        threads += r.threads;
        merged += r.merged_runs.max(1);
        duration = duration.max(r.duration_s);
        warmup = warmup.max(r.warmup_s);
        invalid.extend(r.invalid_reasons.iter().cloned());
        if !models.contains(&r.model.as_str()) {
            models.push(&r.model);
        }
        if !https.contains(&r.http.as_str()) {
            https.push(&r.http);
        }
        if group_by.is_none() {
            group_by = r.groups.as_ref().map(|g| g.header.clone());
        }
    }
    let model = if models.len() == 1 {
        models[0]
    } else {
        "mixed"
    };
    let meta = Meta {
        targets,
        model: model.to_string(),
        http: https.join(","),
        connections: conns,
        max_connections: max_conns,
        connections_peak: peak,
        threads,
        rate_target: (model == "open").then_some(rate),
        warmup_s: warmup,
        duration_s: duration,
        rps: Some(rps),
        group_by,
        cpu: None,
        invalid_reasons: invalid,
        merged_runs: merged,
    };
    Ok((meta, total))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::slo;

    fn run_report(rps: f64, duration: f64, invalid: bool, model: &str) -> (Report, Tally) {
        let mut t = Tally::default();
        for us in [1000u64, 2000, 3000] {
            t.latency.record_us(us);
        }
        t.responses = 3;
        t.status.insert(200, 3);
        let meta = Meta {
            targets: vec!["http://127.0.0.1:1/".into()],
            model: model.into(),
            http: "1.1".into(),
            connections: 4,
            max_connections: (model == "open").then_some(8),
            connections_peak: 5,
            threads: 1,
            rate_target: (model == "open").then_some(100.0),
            warmup_s: 0.0,
            duration_s: duration,
            rps: Some(rps),
            group_by: None,
            cpu: None,
            invalid_reasons: if invalid { vec!["late".into()] } else { vec![] },
            merged_runs: 1,
        };
        let r = report::build(&t, meta, &slo::Percentiles::default(), &[]);
        (r, t)
    }

    #[test]
    fn merge_sums_rates_keeps_longest_window_and_invalidity() {
        let runs = vec![
            run_report(100.0, 10.0, false, "open"),
            run_report(120.0, 12.0, true, "open"),
        ];
        let (meta, t) = merge_reports(&runs).unwrap();
        assert_eq!(meta.rps, Some(220.0));
        assert_eq!(meta.rate_target, Some(200.0));
        assert_eq!(meta.duration_s, 12.0);
        assert_eq!(meta.connections, 8);
        assert_eq!(meta.max_connections, Some(16));
        assert_eq!(meta.connections_peak, 10);
        assert_eq!(meta.merged_runs, 2);
        assert_eq!(meta.invalid_reasons, vec!["late".to_string()]);
        assert_eq!(meta.model, "open");
        assert_eq!(t.latency.len(), 6);
        assert_eq!(meta.targets.len(), 1);
        let mixed = vec![
            run_report(1.0, 1.0, false, "open"),
            run_report(1.0, 1.0, false, "closed"),
        ];
        let (meta, _) = merge_reports(&mixed).unwrap();
        assert_eq!(meta.model, "mixed");
        assert_eq!(meta.rate_target, None);
    }
}
