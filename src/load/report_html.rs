//! `lbctl load report F.json... -o report.html`: one self-contained HTML page from the JSON of
//! one or more runs (or shards), overlaid one colour per file: a summary table, latency over
//! time (p50/p90/p99/max per second) above request rate and errors on the same time axis, the
//! HdrHistogram percentile plot, per-group and per-stage bars, SLO lines and verdicts.
//!
//! The page is a template (report_page/page.html and page.css, `include_str!`) filled with
//! inline SVG drawn by report_charts.rs: no script, no network, and a Content-Security-Policy
//! that allows nothing but its own stylesheet (by hash), so it opens the same from a CI
//! artifact, a mail attachment or file://.

use super::merge::read_document;
use super::report_charts::{self as charts, Run, short_ms};
use crate::cli::{GlobalOpts, ReportArgs};
use crate::exit::{ExitCode, Failure};
use crate::stats::LatencyHistogram;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const TEMPLATE: &str = include_str!("report_page/page.html");
const STYLE: &str = include_str!("report_page/page.css");

/// One colour per run: more files than colours would be unreadable.
const MAX_FILES: usize = 8;

/// `lbctl load report`.
pub(super) fn run(args: &ReportArgs, global: &GlobalOpts) -> anyhow::Result<ExitCode> {
    if args.files.len() > MAX_FILES {
        return Err(Failure::usage(format!(
            "{} files given; expected at most {MAX_FILES} (one colour each)",
            args.files.len()
        )));
    }
    let names = names(&args.files);
    let mut runs = Vec::new();
    for (f, name) in args.files.iter().zip(names) {
        runs.push(read_run(f, name)?);
    }
    let html = page(&args.title, &runs);
    if args.output.as_os_str() == "-" {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        out.write_all(html.as_bytes())?;
        out.flush()?;
    } else {
        std::fs::write(&args.output, &html).map_err(|e| {
            Failure::runtime(format!("cannot write {}: {e}", args.output.display()))
        })?;
        crate::output::info(
            global,
            format!(
                "lbctl load report: wrote {} ({} run(s), {} KB)",
                args.output.display(),
                runs.len(),
                html.len().div_ceil(1024)
            ),
        );
    }
    Ok(ExitCode::Success)
}

/// Read and check one file: a load document with per-second data and a decodable histogram.
fn read_run(f: &Path, name: String) -> anyhow::Result<Run> {
    let report = read_document(f)?;
    let Some(p) = &report.per_second else {
        return Err(Failure::usage(format!(
            "{}: no per-second data (written by an lbctl older than `load report`); \
             expected the output of `lbctl load --output json` from this version",
            f.display()
        )));
    };
    super::per_second::check(p).map_err(|e| Failure::usage(format!("{}: {e}", f.display())))?;
    let latency = LatencyHistogram::from_base64(&report.histograms.latency)
        .map_err(|e| Failure::usage(format!("{}: histograms.latency: {e}", f.display())))?;
    Ok(Run {
        name,
        report,
        latency,
    })
}

/// Legend names: the file names, or the paths when two files share a name.
fn names(files: &[PathBuf]) -> Vec<String> {
    let short: Vec<String> = files
        .iter()
        .map(|f| {
            f.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| f.display().to_string())
        })
        .collect();
    let unique = short
        .iter()
        .enumerate()
        .all(|(i, n)| !short[..i].contains(n));
    if unique {
        short
    } else {
        files.iter().map(|f| f.display().to_string()).collect()
    }
}

pub(super) fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The CSP: nothing but the page's own stylesheet, named by its SHA-256 (CSP Level 2 hash
/// source, <https://www.w3.org/TR/CSP2/#source-list-syntax>).
fn csp() -> String {
    use base64::Engine;
    let digest = ring::digest::digest(&ring::digest::SHA256, STYLE.as_bytes());
    let hash = base64::engine::general_purpose::STANDARD.encode(digest.as_ref());
    format!(
        "default-src 'none'; style-src 'sha256-{hash}'; img-src 'none'; base-uri 'none'; form-action 'none'"
    )
}

/// Fill the template's `{{NAME}}` markers in one pass (values are never re-scanned).
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out =
        String::with_capacity(template.len() + values.iter().map(|v| v.1.len()).sum::<usize>());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find("}}").and_then(|end| {
            let key = &after[..end];
            values
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| (end, *v))
        }) {
            Some((end, v)) => {
                out.push_str(v);
                rest = &after[end + 2..];
            }
            None => {
                out.push_str("{{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The whole page.
pub fn page(title: &str, runs: &[Run]) -> String {
    let mut b = String::new();
    let _ = write!(
        b,
        "<header><h1>{}</h1><p class=\"sub\">{} run(s): {}</p></header>",
        esc(title),
        runs.len(),
        esc(&runs
            .iter()
            .map(|r| r.name.as_str())
            .collect::<Vec<_>>()
            .join(", "))
    );
    b.push_str(&summary(runs));
    let (latency_rules, rate_rules) = charts::slo_rules(runs);
    let _ = write!(
        b,
        "<section id=\"over-time\"><h2>Latency over time</h2>{}<div class=\"legend\">\
         <span><i class=\"st dot\"></i>p50</span><span><i class=\"st dash\"></i>p90</span>\
         <span><i class=\"st\"></i>p99</span><span><i class=\"st thin\"></i>max</span></div>\
         <div class=\"scroll\">{}</div><h2>Request rate</h2><div class=\"scroll\">{}</div>\
         <h2>Errors</h2><div class=\"scroll\">{}</div>\
         <p class=\"note\">Per second of the measured window (warmup excluded); each point is \
         one second's own histogram, so a spike is never averaged away.</p></section>",
        legend(runs),
        charts::latency_over_time(runs, latency_rules.clone()),
        charts::rate_over_time(runs, rate_rules),
        charts::errors_over_time(runs),
    );
    let _ = write!(
        b,
        "<section id=\"distribution\"><h2>Latency by percentile</h2>{}<div class=\"scroll\">{}</div>\
         <p class=\"note\">HdrHistogram's percentile plot: the x axis is log(1/(1&minus;p)), so \
         90%, 99%, 99.9%&hellip; are evenly spaced; the whole run's histogram, to 99.999%.</p></section>",
        legend(runs),
        charts::percentile_plot(runs, latency_rules)
    );
    if let Some((header, share, p99)) = charts::group_bars(runs) {
        let _ = write!(
            b,
            "<section id=\"groups\"><h2>By {}</h2>{}<div class=\"scroll\">{share}</div>\
             <div class=\"scroll\">{p99}</div></section>",
            esc(&header),
            legend(runs)
        );
    }
    if let Some((rate, p99)) = charts::stage_bars(runs) {
        let _ = write!(
            b,
            "<section id=\"stages\"><h2>By stage</h2>{}<div class=\"scroll\">{rate}</div>\
             <div class=\"scroll\">{p99}</div></section>",
            legend(runs)
        );
    }
    b.push_str(&slo_table(runs));
    let runs_count = runs.len().to_string();
    fill(
        TEMPLATE,
        &[
            ("CSP", &csp()),
            ("VERSION", env!("CARGO_PKG_VERSION")),
            ("TITLE", &esc(title)),
            ("STYLE", STYLE),
            ("RUNS", &runs_count),
            ("BODY", &b),
        ],
    )
}

fn legend(runs: &[Run]) -> String {
    let mut s = String::from("<div class=\"legend\">");
    for (i, r) in runs.iter().enumerate() {
        let _ = write!(
            s,
            "<span><i class=\"sw c{}\"></i>{}</span>",
            i % 8,
            esc(&r.name)
        );
    }
    s.push_str("</div>");
    s
}

/// One row per run: what it was and what it measured.
fn summary(runs: &[Run]) -> String {
    let mut s = String::from(
        "<section id=\"summary\"><div class=\"scroll\"><table><thead><tr><th>run</th>\
         <th>window</th><th>requests</th><th>req/s</th>\
         <th>errors</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th>\
         <th>verdict</th></tr></thead><tbody>",
    );
    for (i, run) in runs.iter().enumerate() {
        let r = &run.report;
        let failed = r.slo.iter().filter(|s| !s.pass).count();
        let verdict = match (r.valid, failed, &r.aborted) {
            (_, _, Some(_)) => "<span class=\"fail\">aborted</span>".to_string(),
            (false, _, _) => "<span class=\"fail\">invalid</span>".to_string(),
            (true, 0, _) if r.slo.is_empty() => "valid".to_string(),
            (true, 0, _) => "<span class=\"pass\">SLOs met</span>".to_string(),
            (true, n, _) => format!("<span class=\"fail\">{n} SLO(s) failed</span>"),
        };
        let mut target = r.targets.first().cloned().unwrap_or_default();
        if r.targets.len() > 1 {
            target.push_str(&format!(" +{}", r.targets.len() - 1));
        }
        let rate = match r.rate_target {
            Some(t) => format!("{:.1} (of {t:.0})", r.rate_achieved.unwrap_or(r.rps)),
            None => format!("{:.1}", r.rps),
        };
        let l = &r.latency_ms;
        let _ = write!(
            s,
            "<tr data-run=\"{}\"><td class=\"run\"><i class=\"sw c{}\"></i>{}<small>{} · {} model</small></td>\
             <td>{:.1}s</td><td>{}</td><td>{rate}</td><td>{} ({:.2}%)</td><td>{}</td><td>{}</td>\
             <td>{}</td><td>{}</td><td>{}</td><td>{verdict}</td></tr>",
            esc(&run.name),
            i % 8,
            esc(&run.name),
            esc(&target),
            esc(&r.model),
            r.duration_s,
            r.requests,
            r.errors,
            r.errors as f64 * 100.0 / r.requests.max(1) as f64,
            short_ms(l.p50),
            short_ms(l.p90),
            short_ms(l.p99),
            short_ms(l.p999),
            short_ms(l.max),
        );
    }
    s.push_str("</tbody></table></div>");
    for run in runs {
        for reason in &run.report.invalid_reasons {
            let _ = write!(
                s,
                "<p class=\"fail\">{}: INVALID RUN: {}</p>",
                esc(&run.name),
                esc(reason)
            );
        }
        if let Some(a) = &run.report.aborted {
            let _ = write!(
                s,
                "<p class=\"fail\">{}: aborted at {:.1}s by --abort-on-slo: SLO {} is lost: {}</p>",
                esc(&run.name),
                a.at_s,
                esc(&a.slo),
                esc(&a.reason)
            );
        }
    }
    s.push_str("</section>");
    s
}

/// Every SLO of every run with its measured value and verdict.
fn slo_table(runs: &[Run]) -> String {
    if runs.iter().all(|r| r.report.slo.is_empty()) {
        return String::new();
    }
    let mut s = String::from(
        "<section id=\"slo\"><h2>Service-level objectives</h2><div class=\"scroll\"><table>\
         <thead><tr><th>run</th><th>SLO</th><th>measured</th><th>verdict</th></tr></thead><tbody>",
    );
    for (i, run) in runs.iter().enumerate() {
        for o in &run.report.slo {
            let _ = write!(
                s,
                "<tr data-slo=\"{}\"><td><i class=\"sw c{}\"></i>{}</td><td><code>{}</code></td>\
                 <td>{:.3} {}</td><td class=\"{}\">{}</td></tr>",
                esc(&o.slo),
                i % 8,
                esc(&run.name),
                esc(&o.slo),
                o.measured,
                esc(&o.unit),
                if o.pass { "pass" } else { "fail" },
                if o.pass { "pass" } else { "FAIL" }
            );
        }
    }
    s.push_str("</tbody></table></div></section>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_replaces_markers_once() {
        let got = fill("<t>{{A}}</t>{{B}}{{C}}", &[("A", "{{B}}"), ("B", "x&y")]);
        assert_eq!(got, "<t>{{B}}</t>x&y{{C}}");
    }

    #[test]
    fn the_csp_names_the_stylesheet_and_nothing_else() {
        let c = csp();
        assert!(
            c.starts_with("default-src 'none'; style-src 'sha256-"),
            "{c}"
        );
        assert!(!c.contains("unsafe"));
        assert!(TEMPLATE.contains("<style>{{STYLE}}</style>"));
    }

    #[test]
    fn legend_names_are_file_names_unless_they_clash() {
        let a = names(&["x/a.json".into(), "y/b.json".into()]);
        assert_eq!(a, vec!["a.json", "b.json"]);
        let b = names(&["x/run.json".into(), "y/run.json".into()]);
        assert_eq!(b, vec!["x/run.json", "y/run.json"]);
    }
}
