//! Inline SVG charts for `lbctl load report` (report_html.rs): line charts on linear, log and
//! "nines" axes (the HdrHistogram percentile plot's x axis, log of 1/(1-p), as in
//! HdrHistogram's plotFiles.html) and horizontal grouped bars. Drawn here in Rust, not in the
//! browser: the page needs no script, works offline and under a strict CSP, and what it shows
//! is tested in unit tests as well as in chromium. Colours are CSS classes (`c0`..`c7`) so the
//! page's stylesheet switches light and dark; no inline `style` attribute.
//!
//! Every series carries `data-series` and `data-points` (points drawn), every bar `data-row`,
//! so tests and users' scripts can read the picture back.

use std::fmt::Write;

/// Chart geometry (viewBox units; the page scales the SVG to its width).
const W: f64 = 760.0;
const LEFT: f64 = 62.0;
const RIGHT: f64 = 14.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 34.0;

/// How an axis maps values to positions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scale {
    Linear,
    /// log10; values <= 0 are not drawn.
    Log,
    /// Percentiles 0..100 placed at log10(1 / (1 - p/100)), so 90, 99, 99.9 ... are evenly
    /// spaced (HdrHistogram's percentile plot).
    Nines,
}

/// One axis: scale, domain and a label.
#[derive(Debug, Clone)]
pub struct Axis {
    pub scale: Scale,
    pub min: f64,
    pub max: f64,
    pub label: String,
}

impl Axis {
    /// An axis over the values (a linear one starts at 0; a log one spans whole decades).
    pub fn fit(scale: Scale, values: impl Iterator<Item = f64>, label: &str) -> Axis {
        let (mut lo, mut hi) = (f64::MAX, f64::MIN);
        for v in values.filter(|v| v.is_finite() && (scale != Scale::Log || *v > 0.0)) {
            lo = lo.min(v);
            hi = hi.max(v);
        }
        let (min, max) = match scale {
            Scale::Nines => (0.0, 99.999),
            _ if lo > hi => (0.0, 1.0),
            // An all-zero series (no errors) still gets a readable 0..1 axis.
            Scale::Linear if hi <= 0.0 => (0.0, 1.0),
            Scale::Linear => (0.0, nice_ceiling(hi)),
            Scale::Log => (
                10f64.powf(lo.log10().floor()),
                10f64.powf(hi.log10().ceil().max(lo.log10().floor() + 1.0)),
            ),
        };
        Axis {
            scale,
            min,
            max,
            label: label.to_string(),
        }
    }

    fn t(&self, v: f64) -> f64 {
        match self.scale {
            Scale::Linear => v,
            Scale::Log => v.max(1e-300).log10(),
            Scale::Nines => nines(v),
        }
    }

    /// Position of `v` in 0..=1 along the axis (clamped).
    fn frac(&self, v: f64) -> f64 {
        let (a, b) = (self.t(self.min), self.t(self.max));
        if b - a <= 0.0 {
            return 0.0;
        }
        ((self.t(v) - a) / (b - a)).clamp(0.0, 1.0)
    }

    /// Tick values and their labels.
    fn ticks(&self, fmt: &dyn Fn(f64) -> String) -> Vec<(f64, String)> {
        match self.scale {
            Scale::Linear => {
                let step = nice_step((self.max - self.min) / 5.0);
                let n = ((self.max - self.min) / step).round() as usize;
                (0..=n.min(20))
                    .map(|i| self.min + step * i as f64)
                    .map(|v| (v, fmt(v)))
                    .collect()
            }
            Scale::Log => {
                let (a, b) = (
                    self.min.log10().round() as i32,
                    self.max.log10().round() as i32,
                );
                let few = b - a <= 2;
                let mut out = Vec::new();
                for e in a..=b {
                    for m in [1.0, 2.0, 5.0] {
                        let v = m * 10f64.powi(e);
                        if v <= self.max * 1.0001 && (m == 1.0 || few) {
                            out.push((v, fmt(v)));
                        }
                    }
                }
                out
            }
            Scale::Nines => [0.0, 90.0, 99.0, 99.9, 99.99, 99.999]
                .iter()
                .map(|&p| (p, format!("{p}%")))
                .collect(),
        }
    }
}

/// log10(1 / (1 - p/100)), capped at 99.999 (a 100th percentile would be infinitely far).
pub fn nines(p: f64) -> f64 {
    let q = (p / 100.0).clamp(0.0, 0.99999);
    (1.0 / (1.0 - q)).log10()
}

/// The smallest of 1, 2, 2.5, 5 × 10^k at or above `v`.
fn nice_ceiling(v: f64) -> f64 {
    let e = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * e)
        .find(|c| *c >= v * 0.9999)
        .unwrap_or(10.0 * e)
}

/// A tick step of 1, 2 or 5 × 10^k near `raw`.
fn nice_step(raw: f64) -> f64 {
    let raw = raw.max(1e-12);
    let e = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * e)
        .find(|s| *s >= raw * 0.9999)
        .unwrap_or(10.0 * e)
}

/// One line: a colour class, a stroke class, its points (None breaks the line).
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    /// `c0`..`c7`: the file's colour.
    pub colour: usize,
    /// Stroke style class: `solid`, `dash`, `dot`, `thin`.
    pub stroke: &'static str,
    pub points: Vec<Option<(f64, f64)>>,
}

/// A horizontal reference line (an SLO bound).
#[derive(Debug, Clone)]
pub struct Rule {
    pub y: f64,
    pub label: String,
    /// Whether every run met it (drawn in the pass or fail colour).
    pub pass: bool,
}

/// A line chart.
pub struct LineChart {
    pub id: String,
    pub x: Axis,
    pub y: Axis,
    pub height: f64,
    pub series: Vec<Series>,
    pub rules: Vec<Rule>,
    /// Hover columns: `(x from, x to, text)`, drawn as transparent bands under the lines
    /// whose native tooltip is the text (a readout without a script).
    pub columns: Vec<(f64, f64, String)>,
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

impl LineChart {
    /// The chart as an `<svg>` element; `fx` and `fy` format tick labels.
    pub fn render(&self, fx: &dyn Fn(f64) -> String, fy: &dyn Fn(f64) -> String) -> String {
        let h = self.height;
        let (pw, ph) = (W - LEFT - RIGHT, h - TOP - BOTTOM);
        let px = |v: f64| LEFT + self.x.frac(v) * pw;
        let py = |v: f64| TOP + (1.0 - self.y.frac(v)) * ph;
        let mut s = String::new();
        let _ = write!(
            s,
            r#"<svg class="chart" id="{}" viewBox="0 0 {W} {h}" role="img" aria-label="{}">"#,
            esc(&self.id),
            esc(&self.y.label)
        );
        // Grid and tick labels.
        for (v, label) in self.y.ticks(fy) {
            let y = py(v);
            let _ = write!(
                s,
                r#"<line class="grid" x1="{LEFT}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}"/><text class="tick" x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
                W - RIGHT,
                LEFT - 6.0,
                y + 4.0,
                esc(&label)
            );
        }
        for (v, label) in self.x.ticks(fx) {
            let x = px(v);
            // The last label would overflow the frame's right edge: end it there.
            let anchor = if x > W - RIGHT - 24.0 {
                "end"
            } else {
                "middle"
            };
            let _ = write!(
                s,
                r#"<line class="grid" x1="{x:.1}" x2="{x:.1}" y1="{TOP}" y2="{:.1}"/><text class="tick" x="{x:.1}" y="{:.1}" text-anchor="{anchor}">{}</text>"#,
                TOP + ph,
                TOP + ph + 16.0,
                esc(&label)
            );
        }
        let _ = write!(
            s,
            r#"<rect class="frame" x="{LEFT}" y="{TOP}" width="{pw:.1}" height="{ph:.1}"/><text class="axis" x="{:.1}" y="{:.1}" text-anchor="middle">{}</text><text class="axis" x="12" y="{:.1}" text-anchor="middle" transform="rotate(-90 12 {:.1})">{}</text>"#,
            LEFT + pw / 2.0,
            h - 4.0,
            esc(&self.x.label),
            TOP + ph / 2.0,
            TOP + ph / 2.0,
            esc(&self.y.label)
        );
        for (from, to, text) in &self.columns {
            let (x0, x1) = (px(*from), px(*to));
            let _ = write!(
                s,
                r#"<rect class="hover" x="{x0:.1}" y="{TOP}" width="{:.1}" height="{ph:.1}"><title>{}</title></rect>"#,
                (x1 - x0).max(0.5),
                esc(text)
            );
        }
        for r in &self.rules {
            if r.y < self.y.min || r.y > self.y.max {
                continue;
            }
            let y = py(r.y);
            let class = if r.pass { "rule pass" } else { "rule fail" };
            let _ = write!(
                s,
                r#"<g class="{class}" data-rule="{}"><line x1="{LEFT}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text></g>"#,
                esc(&r.label),
                W - RIGHT,
                W - RIGHT - 4.0,
                y - 4.0,
                esc(&r.label)
            );
        }
        for se in &self.series {
            let mut d = String::new();
            let mut drawn = 0usize;
            let mut pen_down = false;
            for p in &se.points {
                match p {
                    Some((x, y)) if x.is_finite() && y.is_finite() => {
                        if self.y.scale == Scale::Log && *y <= 0.0 {
                            pen_down = false;
                            continue;
                        }
                        let _ = write!(
                            d,
                            "{}{:.1},{:.1}",
                            if pen_down { "L" } else { "M" },
                            px(*x),
                            py(*y)
                        );
                        pen_down = true;
                        drawn += 1;
                    }
                    _ => pen_down = false,
                }
            }
            let _ = write!(
                s,
                r#"<path class="line c{} {}" data-series="{}" data-points="{drawn}" d="{}"><title>{}</title></path>"#,
                se.colour % 8,
                se.stroke,
                esc(&se.name),
                if d.is_empty() { "M0,0" } else { &d },
                esc(&se.name)
            );
        }
        s.push_str("</svg>");
        s
    }
}

/// Horizontal grouped bars: one row per label, one bar per file in each row.
pub struct BarChart {
    pub id: String,
    pub label: String,
    pub rows: Vec<String>,
    /// `values[file][row]`.
    pub values: Vec<Vec<Option<f64>>>,
    /// A tick per row and file (e.g. the planned rate), drawn over the bar.
    pub marks: Vec<Vec<Option<f64>>>,
}

impl BarChart {
    pub fn render(&self, fmt: &dyn Fn(f64) -> String) -> String {
        const ROW_LABEL: f64 = 150.0;
        const BAR: f64 = 12.0;
        let files = self.values.len().max(1);
        let row_h = BAR * files as f64 + 10.0;
        let h = TOP + row_h * self.rows.len() as f64 + BOTTOM;
        let all = self.values.iter().chain(&self.marks).flatten().flatten();
        let max = nice_ceiling(all.copied().fold(0.0, f64::max).max(1e-9));
        let pw = W - ROW_LABEL - RIGHT - 60.0;
        let mut s = String::new();
        let _ = write!(
            s,
            r#"<svg class="chart bars" id="{}" viewBox="0 0 {W} {h:.0}" role="img" aria-label="{}">"#,
            esc(&self.id),
            esc(&self.label)
        );
        for i in 0..=4 {
            let v = max * i as f64 / 4.0;
            let x = ROW_LABEL + pw * i as f64 / 4.0;
            let _ = write!(
                s,
                r#"<line class="grid" x1="{x:.1}" x2="{x:.1}" y1="{TOP}" y2="{:.1}"/><text class="tick" x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                h - BOTTOM,
                h - BOTTOM + 16.0,
                esc(&fmt(v))
            );
        }
        let _ = write!(
            s,
            r#"<text class="axis" x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            ROW_LABEL + pw / 2.0,
            h - 4.0,
            esc(&self.label)
        );
        for (r, row) in self.rows.iter().enumerate() {
            let y0 = TOP + row_h * r as f64;
            let short: String = row.chars().take(22).collect();
            let _ = write!(
                s,
                r#"<text class="tick" x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
                ROW_LABEL - 6.0,
                y0 + row_h / 2.0,
                esc(&short)
            );
            for (f, vals) in self.values.iter().enumerate() {
                let Some(v) = vals.get(r).copied().flatten() else {
                    continue;
                };
                let y = y0 + 5.0 + BAR * f as f64;
                let w = (v / max).clamp(0.0, 1.0) * pw;
                let _ = write!(
                    s,
                    r#"<g class="bar c{}" data-row="{}" data-file="{f}"><rect x="{ROW_LABEL}" y="{y:.1}" width="{w:.1}" height="{:.1}"><title>{}: {}</title></rect><text class="tick" x="{:.1}" y="{:.1}">{}</text></g>"#,
                    f % 8,
                    esc(row),
                    BAR - 2.0,
                    esc(row),
                    esc(&fmt(v)),
                    ROW_LABEL + w + 4.0,
                    y + BAR - 3.0,
                    esc(&fmt(v))
                );
                if let Some(m) = self.marks.get(f).and_then(|m| m.get(r)).copied().flatten() {
                    let x = ROW_LABEL + (m / max).clamp(0.0, 1.0) * pw;
                    let _ = write!(
                        s,
                        r#"<line class="mark" x1="{x:.1}" x2="{x:.1}" y1="{:.1}" y2="{:.1}"><title>planned {}</title></line>"#,
                        y - 1.0,
                        y + BAR - 1.0,
                        esc(&fmt(m))
                    );
                }
            }
        }
        s.push_str("</svg>");
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nines_space_the_percentiles_evenly() {
        assert_eq!(nines(0.0), 0.0);
        for (p, want) in [(90.0, 1.0), (99.0, 2.0), (99.9, 3.0), (99.999, 5.0)] {
            assert!((nines(p) - want).abs() < 1e-9, "{p}");
        }
        // 100% is drawn at the axis' end, not at infinity.
        assert!((nines(100.0) - 5.0).abs() < 1e-9);
    }

    #[test]
    fn axes_fit_their_values() {
        let a = Axis::fit(Scale::Linear, [3.0, 870.0].into_iter(), "req/s");
        assert_eq!((a.min, a.max), (0.0, 1000.0));
        let a = Axis::fit(Scale::Log, [0.0, 0.4, 37.0].into_iter(), "ms");
        assert_eq!((a.min, a.max), (0.1, 100.0));
        let a = Axis::fit(Scale::Nines, std::iter::empty(), "p");
        assert_eq!((a.min, a.max), (0.0, 99.999));
        let a = Axis::fit(Scale::Linear, std::iter::empty(), "x");
        assert_eq!((a.min, a.max), (0.0, 1.0));
        assert_eq!(nice_ceiling(7.3), 10.0);
        assert_eq!(nice_ceiling(2.2), 2.5);
        assert_eq!(nice_step(37.0), 50.0);
    }

    #[test]
    fn a_line_chart_counts_its_points_and_breaks_on_gaps() {
        let c = LineChart {
            id: "t".into(),
            x: Axis::fit(Scale::Linear, [0.0, 10.0].into_iter(), "s"),
            y: Axis::fit(Scale::Log, [1.0, 50.0].into_iter(), "ms"),
            height: 200.0,
            series: vec![Series {
                name: "a <p99>".into(),
                colour: 1,
                stroke: "solid",
                points: vec![Some((0.0, 1.0)), None, Some((2.0, 0.0)), Some((3.0, 50.0))],
            }],
            rules: vec![Rule {
                y: 20.0,
                label: "p99<20ms".into(),
                pass: false,
            }],
            columns: vec![(0.0, 1.0, "second 0".into())],
        };
        let svg = c.render(&|v| format!("{v}"), &|v| format!("{v}"));
        assert!(
            svg.contains(r#"data-series="a &lt;p99&gt;" data-points="2""#),
            "{svg}"
        );
        assert_eq!(
            svg.matches('M').count() - svg.matches("M0,0").count(),
            2,
            "{svg}"
        );
        assert!(svg.contains(r#"class="rule fail" data-rule="p99&lt;20ms""#));
        assert!(!svg.contains("style="));
        assert!(
            svg.contains(r#"<rect class="hover" x="62.0" y="14" width="68.4""#),
            "{svg}"
        );
    }

    #[test]
    fn bars_scale_to_the_largest_value() {
        let b = BarChart {
            id: "g".into(),
            label: "p99".into(),
            rows: vec!["b1".into(), "b2".into()],
            values: vec![vec![Some(10.0), Some(5.0)], vec![None, Some(2.0)]],
            marks: vec![vec![], vec![None, Some(4.0)]],
        };
        let svg = b.render(&|v| format!("{v:.0}"));
        assert_eq!(svg.matches("<g class=\"bar").count(), 3);
        assert!(svg.contains(r#"data-row="b2" data-file="1""#));
        assert!(svg.contains("planned 4"));
    }
}
