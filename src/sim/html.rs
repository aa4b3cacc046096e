//! `lbctl sim --html FILE`: one self-contained page (inline SVG and CSS, no script, no
//! network): the side-by-side summary, then per algorithm the per-second p99 and the share of
//! each tracked backend over time, with the events marked.

use super::report::Report;
use std::fmt::Write as _;

const W: f64 = 720.0;
const H: f64 = 160.0;
const COLORS: [&str; 12] = [
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf", "#393b79", "#637939",
];

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A line chart of several series over buckets `bucket_s` wide, with vertical event marks.
fn chart(
    title: &str,
    unit: &str,
    bucket_s: f64,
    lines: &[(String, &[f64])],
    events: &[(f64, String)],
) -> String {
    let n = lines.iter().map(|l| l.1.len()).max().unwrap_or(0).max(2);
    let ymax = lines
        .iter()
        .flat_map(|l| l.1.iter().copied())
        .fold(0.0f64, f64::max)
        .max(1e-9)
        * 1.1;
    let x = |i: usize| 40.0 + (W - 50.0) * i as f64 / (n - 1) as f64;
    let y = |v: f64| 10.0 + (H - 30.0) * (1.0 - v / ymax);
    let mut s = String::new();
    let _ = write!(
        s,
        "<h3>{}</h3><svg viewBox=\"0 0 {W} {H}\" width=\"{W}\" height=\"{H}\" role=\"img\">",
        esc(title)
    );
    let _ = write!(
        s,
        "<line x1=\"40\" y1=\"{b}\" x2=\"{W}\" y2=\"{b}\" stroke=\"#999\"/><text x=\"2\" y=\"14\" font-size=\"10\">{} {}</text><text x=\"2\" y=\"{b}\" font-size=\"10\">0</text><text x=\"{}\" y=\"{}\" font-size=\"10\">{:.0}s</text>",
        fmt(ymax / 1.1),
        esc(unit),
        W - 40.0,
        H - 4.0,
        n as f64 * bucket_s,
        b = H - 20.0
    );
    for (at, label) in events {
        let i = (at / bucket_s) as usize;
        let xe = x(i.min(n - 1));
        let _ = write!(
            s,
            "<line x1=\"{xe:.1}\" y1=\"10\" x2=\"{xe:.1}\" y2=\"{}\" stroke=\"#000\" stroke-dasharray=\"3,3\"/><text x=\"{:.1}\" y=\"20\" font-size=\"10\">{}</text>",
            H - 20.0,
            xe + 2.0,
            esc(label)
        );
    }
    for (k, (name, vals)) in lines.iter().enumerate() {
        let pts: Vec<String> = vals
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{:.1},{:.1}", x(i), y(*v)))
            .collect();
        let c = COLORS[k % COLORS.len()];
        let _ = write!(
            s,
            "<polyline fill=\"none\" stroke=\"{c}\" stroke-width=\"1.5\" points=\"{}\"><title>{}</title></polyline>",
            pts.join(" "),
            esc(name)
        );
    }
    s.push_str("</svg><p class=\"legend\">");
    for (k, (name, _)) in lines.iter().enumerate() {
        let _ = write!(
            s,
            "<span style=\"color:{}\">&#9632; {}</span> ",
            COLORS[k % COLORS.len()],
            esc(name)
        );
    }
    s.push_str("</p>");
    s
}

fn fmt(v: f64) -> String {
    if v >= 10.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// The page.
pub fn render(rep: &Report) -> String {
    let mut s = String::from(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>lbctl sim</title><style>\
body{font-family:sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse}\
td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}th{background:#eee}\
.legend{font-size:12px}</style></head><body><h1>lbctl sim</h1>",
    );
    let model = match rep.connections {
        Some(c) => format!("closed model, {c} clients"),
        None => "open model".to_string(),
    };
    let _ = write!(
        s,
        "<p>{} backends, {model}, seed {}, {} events. Every figure is simulated (discrete-event, virtual time).</p>",
        rep.backends,
        rep.seed,
        rep.events.len()
    );
    s.push_str("<table><tr><th>algorithm</th><th>req/s</th><th>p50 ms</th><th>p90 ms</th><th>p99 ms</th><th>p99.9 ms</th><th>errors</th><th>retries</th><th>max queue</th></tr>");
    for a in &rep.algorithms {
        let l = &a.latency_ms;
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{:.0}</td><td>{:.2}</td><td>{:.2}</td><td>{:.2}</td><td>{:.2}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&a.algorithm),
            a.throughput,
            l.p50,
            l.p90,
            l.p99,
            l.p999,
            a.errors,
            a.retries,
            a.queue.max_queue
        );
    }
    s.push_str("</table>");
    if !rep.events.is_empty() {
        s.push_str("<h2>Time to recover</h2><table><tr><th>event</th>");
        for a in &rep.algorithms {
            let _ = write!(s, "<th>{}</th>", esc(&a.algorithm));
        }
        s.push_str("</tr>");
        for (k, e) in rep.events.iter().enumerate() {
            let _ = write!(s, "<tr><td>{}</td>", esc(&e.event));
            for a in &rep.algorithms {
                let v = a.recovery[k]
                    .recovered_after_s
                    .map_or("not recovered".to_string(), |x| format!("{x:.0} s"));
                let _ = write!(s, "<td>{v}</td>");
            }
            s.push_str("</tr>");
        }
        s.push_str("</table>");
    }
    let events: Vec<(f64, String)> = rep
        .events
        .iter()
        .map(|e| (e.at_s, e.event.clone()))
        .collect();
    for a in &rep.algorithms {
        let _ = write!(s, "<h2>{}</h2>", esc(&a.algorithm));
        let p99 = [(format!("{} p99", a.algorithm), a.series.p99_ms.as_slice())];
        s.push_str(&chart(
            "p99 per bucket",
            "ms",
            a.series.bucket_s,
            &p99,
            &events,
        ));
        let shares: Vec<(String, &[f64])> = a
            .series
            .share
            .iter()
            .map(|x| (x.backend.clone(), x.share.as_slice()))
            .collect();
        s.push_str(&chart(
            "share of attempts per backend",
            "",
            a.series.bucket_s,
            &shares,
            &events,
        ));
    }
    s.push_str("</body></html>\n");
    s
}
