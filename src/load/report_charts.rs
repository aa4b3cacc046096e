//! The charts of `lbctl load report` (report_html.rs assembles the page): latency, request
//! rate and errors over time from each run's `per_second` entries (one shared time axis), the
//! HdrHistogram percentile plot from each run's whole latency histogram, per-group and
//! per-stage bars, and the runs' SLO bounds as reference lines. One colour per run.

use super::per_second::Second;
use super::report::Report;
use super::slo::{Metric, parse_slo};
use super::svg::{Axis, BarChart, LineChart, Rule, Scale, Series};
use crate::stats::LatencyHistogram;

/// One run (a file) as the report draws it.
pub struct Run {
    pub name: String,
    pub report: Report,
    /// The run's whole latency histogram (`histograms.latency`, decoded).
    pub latency: LatencyHistogram,
}

impl Run {
    fn seconds(&self) -> &[Second] {
        self.report
            .per_second
            .as_ref()
            .map(|p| p.seconds.as_slice())
            .unwrap_or(&[])
    }
}

/// The longest bucket among the runs (s): 1 unless a long run was coarsened (per_second.rs).
fn widest_bucket(runs: &[Run]) -> u64 {
    runs.iter()
        .filter_map(|r| r.report.per_second.as_ref().map(|p| p.bucket_s))
        .max()
        .unwrap_or(1)
        .max(1)
}

/// A compact duration label for an axis: 250µs, 1.5ms, 20ms, 1.2s.
pub fn short_ms(ms: f64) -> String {
    let trim = |s: String| {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    };
    if ms <= 0.0 {
        "0".into()
    } else if ms < 1.0 {
        format!("{}µs", trim(format!("{:.0}", ms * 1000.0)))
    } else if ms < 1000.0 {
        format!("{}ms", trim(format!("{ms:.2}")))
    } else {
        format!("{}s", trim(format!("{:.2}", ms / 1000.0)))
    }
}

/// A count label: 950, 1.2k, 3.4M.
pub fn short_count(v: f64) -> String {
    let trim = |s: String| s.trim_end_matches('0').trim_end_matches('.').to_string();
    if v.abs() >= 1e6 {
        format!("{}M", trim(format!("{:.2}", v / 1e6)))
    } else if v.abs() >= 1e3 {
        format!("{}k", trim(format!("{:.2}", v / 1e3)))
    } else if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        trim(format!("{v:.2}"))
    }
}

/// The SLO bounds the runs were checked against, as reference lines: `(latency rules, rate
/// rules)`; a rule passes when every run that had the SLO met it.
pub fn slo_rules(runs: &[Run]) -> (Vec<Rule>, Vec<Rule>) {
    let (mut latency, mut rate): (Vec<Rule>, Vec<Rule>) = (Vec::new(), Vec::new());
    for run in runs {
        for r in &run.report.slo {
            let Ok(slo) = parse_slo(&r.slo) else {
                continue;
            };
            let list = match slo.metric {
                Metric::Percentile(_) | Metric::Max | Metric::Mean => &mut latency,
                Metric::Rps => &mut rate,
                _ => continue,
            };
            match list.iter_mut().find(|x| x.label == slo.text) {
                Some(x) => x.pass &= r.pass,
                None => list.push(Rule {
                    y: slo.bound,
                    label: slo.text.clone(),
                    pass: r.pass,
                }),
            }
        }
    }
    (latency, rate)
}

/// The time axis shared by the three time charts: 0 to the longest run's end.
fn time_axis(runs: &[Run]) -> Axis {
    let end = runs
        .iter()
        .filter_map(|r| r.seconds().last().map(|s| s.t as f64 + s.length_s))
        .fold(1.0, f64::max);
    let mut a = Axis::fit(
        Scale::Linear,
        [end].into_iter(),
        "seconds into the measured window",
    );
    a.max = end.ceil();
    a
}

/// The middle of a bucket (of any length), where its point is drawn.
fn mid(s: &Second) -> f64 {
    s.t as f64 + s.length_s / 2.0
}

/// Hover readouts for the time charts: one column per bucket of the coarsest run (up to
/// [`MAX_COLUMNS`]; a longer run is folded, each column covering several buckets and showing
/// their worst p99 and max and their summed counts), its text every run's numbers for that
/// time. Columns are whole buckets, so none falls inside a coarsened run's bucket empty.
fn readouts(runs: &[Run]) -> Vec<(f64, f64, String)> {
    const MAX_COLUMNS: u64 = 600;
    let end = runs
        .iter()
        .filter_map(|r| {
            r.seconds()
                .last()
                .map(|s| s.t + (s.length_s.ceil() as u64).max(1))
        })
        .max()
        .unwrap_or(0);
    let bucket = widest_bucket(runs);
    let step = end.div_ceil(MAX_COLUMNS).max(1).div_ceil(bucket) * bucket;
    let mut out = Vec::new();
    for from in (0..end).step_by(step as usize) {
        let to = (from + step).min(end);
        let mut text = if step == 1 {
            format!("second {from}")
        } else {
            format!("seconds {from}-{}", to - 1)
        };
        let mut right = from as f64;
        for run in runs {
            let part: Vec<&Second> = run
                .seconds()
                .iter()
                .filter(|s| s.t >= from && s.t < to)
                .collect();
            if part.is_empty() {
                continue;
            }
            let worst = |f: fn(&Second) -> f64| part.iter().map(|s| f(s)).fold(0.0, f64::max);
            let (requests, errors) = part
                .iter()
                .fold((0, 0), |(r, e), s| (r + s.requests, e + s.errors));
            right = part
                .iter()
                .map(|s| s.t as f64 + s.length_s)
                .fold(right, f64::max);
            text.push_str(&format!(
                "\n{}: p50 {} · p99 {} · max {} · {requests} req · {errors} err",
                run.name,
                short_ms(worst(|s| s.p50_ms)),
                short_ms(worst(|s| s.p99_ms)),
                short_ms(worst(|s| s.max_ms)),
            ));
        }
        out.push((from as f64, right.max(from as f64 + 0.01), text));
    }
    out
}

/// The latency axis's name: per second, or per bucket when a run was coarsened.
fn latency_label(runs: &[Run]) -> String {
    match widest_bucket(runs) {
        1 => "latency per second".into(),
        b => format!("latency per {b} s"),
    }
}

/// Latency over time: p50 (dotted), p90 (dashed), p99 (solid) and max (thin) per second,
/// on a log axis so that the median and the worst second are both readable.
pub fn latency_over_time(runs: &[Run], rules: Vec<Rule>) -> String {
    const METRICS: [(&str, &str); 4] = [
        ("p50", "dot"),
        ("p90", "dash"),
        ("p99", "solid"),
        ("max", "thin"),
    ];
    let mut series = Vec::new();
    for (i, run) in runs.iter().enumerate() {
        for (m, stroke) in METRICS {
            let points = run
                .seconds()
                .iter()
                .map(|s| {
                    let v = match m {
                        "p50" => s.p50_ms,
                        "p90" => s.p90_ms,
                        "p99" => s.p99_ms,
                        _ => s.max_ms,
                    };
                    (s.requests > 0 && v > 0.0).then_some((mid(s), v))
                })
                .collect();
            series.push(Series {
                name: format!("{} {m}", run.name),
                colour: i,
                stroke,
                points,
            });
        }
    }
    let values = series
        .iter()
        .flat_map(|s| s.points.iter().flatten().map(|p| p.1))
        .chain(rules.iter().map(|r| r.y));
    let chart = LineChart {
        id: "latency-over-time".into(),
        x: time_axis(runs),
        y: Axis::fit(Scale::Log, values, &latency_label(runs)),
        height: 300.0,
        series,
        rules,
        columns: readouts(runs),
    };
    chart.render(&|v| format!("{v:.0}s"), &short_ms)
}

/// Requests per second (finished: responses and transport errors), on the same time axis.
pub fn rate_over_time(runs: &[Run], rules: Vec<Rule>) -> String {
    per_second_lines(
        runs,
        "rate-over-time",
        "req/s",
        "requests per second",
        190.0,
        rules,
        Second::rate,
    )
}

/// Errors per second (transport errors and 5xx), on the same time axis.
pub fn errors_over_time(runs: &[Run]) -> String {
    per_second_lines(
        runs,
        "errors-over-time",
        "errors/s",
        "errors per second",
        150.0,
        Vec::new(),
        Second::error_rate,
    )
}

/// One line per run of a per-second figure (`value` of each bucket, at its midpoint) on the
/// runs' common time axis, linear scale fitted to the lines and the `rules`.
fn per_second_lines(
    runs: &[Run],
    id: &str,
    unit: &str,
    y_label: &str,
    height: f64,
    rules: Vec<Rule>,
    value: fn(&Second) -> f64,
) -> String {
    let series: Vec<Series> = runs
        .iter()
        .enumerate()
        .map(|(i, run)| Series {
            name: format!("{} {unit}", run.name),
            colour: i,
            stroke: "solid",
            points: run
                .seconds()
                .iter()
                .map(|s| Some((mid(s), value(s))))
                .collect(),
        })
        .collect();
    let values = series
        .iter()
        .flat_map(|s| s.points.iter().flatten().map(|p| p.1))
        .chain(rules.iter().map(|r| r.y));
    LineChart {
        id: id.into(),
        x: time_axis(runs),
        y: Axis::fit(Scale::Linear, values, y_label),
        height,
        series,
        rules,
        columns: readouts(runs),
    }
    .render(&|v| format!("{v:.0}s"), &short_count)
}

/// The percentile plot: latency against percentile on HdrHistogram's "nines" axis, 0% to
/// 99.999% (the last point, 100%, is drawn at 99.999%).
pub fn percentile_plot(runs: &[Run], rules: Vec<Rule>) -> String {
    let series: Vec<Series> = runs
        .iter()
        .enumerate()
        .map(|(i, run)| Series {
            name: format!("{} latency by percentile", run.name),
            colour: i,
            stroke: "solid",
            points: run
                .latency
                .percentile_curve(5)
                .into_iter()
                .map(|(p, us)| Some((p.min(99.999), us as f64 / 1000.0)))
                .collect(),
        })
        .collect();
    let values = series
        .iter()
        .flat_map(|s| s.points.iter().flatten().map(|p| p.1))
        .chain(rules.iter().map(|r| r.y));
    LineChart {
        id: "percentiles".into(),
        x: Axis::fit(Scale::Nines, std::iter::empty(), "percentile"),
        y: Axis::fit(Scale::Linear, values, "latency"),
        height: 300.0,
        series,
        rules,
        columns: Vec::new(),
    }
    .render(&|v| format!("{v}%"), &short_ms)
}

/// `--group-by` bars (share of responses and p99 per group), when any run has groups.
pub fn group_bars(runs: &[Run]) -> Option<(String, String, String)> {
    let header = runs
        .iter()
        .find_map(|r| r.report.groups.as_ref())?
        .header
        .clone();
    let mut rows: Vec<String> = Vec::new();
    for run in runs {
        for v in run.report.groups.iter().flat_map(|g| &g.values) {
            if !rows.contains(&v.value) && rows.len() < 40 {
                rows.push(v.value.clone());
            }
        }
    }
    let pick = |f: &dyn Fn(&super::report::GroupEntry) -> f64| -> Vec<Vec<Option<f64>>> {
        runs.iter()
            .map(|run| {
                rows.iter()
                    .map(|row| {
                        let g = run.report.groups.as_ref()?;
                        g.values.iter().find(|v| &v.value == row).map(f)
                    })
                    .collect()
            })
            .collect()
    };
    let share = BarChart {
        id: "group-share".into(),
        label: format!("share of responses by {header}"),
        rows: rows.clone(),
        values: pick(&|g| g.share * 100.0),
        marks: Vec::new(),
    }
    .render(&|v| format!("{}%", short_count(v)));
    let p99 = BarChart {
        id: "group-p99".into(),
        label: format!("p99 latency by {header}"),
        values: pick(&|g| g.latency_ms.p99),
        rows,
        marks: Vec::new(),
    }
    .render(&short_ms);
    Some((header, share, p99))
}

/// `--stage` bars (achieved rate with the planned rate marked, and p99 per stage), when any
/// run has stages.
pub fn stage_bars(runs: &[Run]) -> Option<(String, String)> {
    runs.iter().find_map(|r| r.report.stages.as_ref())?;
    let mut rows: Vec<String> = Vec::new();
    for run in runs {
        for (i, s) in run.report.stages.iter().flatten().enumerate() {
            let label = format!("{}. {}", i + 1, s.stage);
            if !rows.contains(&label) {
                rows.push(label);
            }
        }
    }
    let pick = |f: &dyn Fn(&super::stage_report::StageEntry) -> Option<f64>| {
        runs.iter()
            .map(|run| {
                rows.iter()
                    .map(|row| {
                        let stages = run.report.stages.as_ref()?;
                        stages
                            .iter()
                            .enumerate()
                            .find(|(i, s)| &format!("{}. {}", i + 1, s.stage) == row)
                            .and_then(|(_, s)| f(s))
                    })
                    .collect()
            })
            .collect::<Vec<Vec<Option<f64>>>>()
    };
    let rate = BarChart {
        id: "stage-rate".into(),
        label: "achieved requests per second by stage (tick: planned)".into(),
        rows: rows.clone(),
        values: pick(&|s| Some(s.rate_achieved)),
        marks: pick(&|s| s.rate_planned),
    }
    .render(&short_count);
    let p99 = BarChart {
        id: "stage-p99".into(),
        label: "p99 latency by stage".into(),
        values: pick(&|s| Some(s.latency_ms.p99)),
        rows,
        marks: Vec::new(),
    }
    .render(&short_ms);
    Some((rate, p99))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_short() {
        assert_eq!(short_ms(0.25), "250µs");
        assert_eq!(short_ms(1.5), "1.5ms");
        assert_eq!(short_ms(20.0), "20ms");
        assert_eq!(short_ms(1200.0), "1.2s");
        assert_eq!(short_ms(0.0), "0");
        assert_eq!(short_count(950.0), "950");
        assert_eq!(short_count(1200.0), "1.2k");
        assert_eq!(short_count(2.5), "2.5");
        assert_eq!(short_count(3_400_000.0), "3.4M");
    }
}
