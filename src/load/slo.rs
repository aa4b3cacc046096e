//! Service-level objectives for `lbctl load --slo` and `lbctl load merge --slo`
//! (`p99<250ms`, `errors<0.1%`, `rps>=900`), the `--percentiles` list, and their evaluation
//! against a finished report. Parsed once at the edge into typed values.

use crate::spec::{SpecError, parse_duration};

const EXPECTED: &str = "METRIC OP VALUE such as p99<250ms, mean<=20ms, errors<0.1%, errors<=10, \
rps>=900 or requests>=1000 (OP one of < <= > >=)";
const EXPECTED_PCT: &str = "comma-separated percentiles in (0, 100], e.g. 50,95,99.5";

/// What an SLO measures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Metric {
    /// A latency percentile (0 < p <= 100), compared in microseconds.
    Percentile(f64),
    Min,
    Mean,
    Max,
    /// Errors as a share of requests (value in percent) ...
    ErrorShare,
    /// ... or as a count.
    ErrorCount,
    Rps,
    Requests,
}

/// Comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Lt,
    Le,
    Gt,
    Ge,
}

impl Op {
    fn holds(self, measured: f64, bound: f64) -> bool {
        match self {
            Op::Lt => measured < bound,
            Op::Le => measured <= bound,
            Op::Gt => measured > bound,
            Op::Ge => measured >= bound,
        }
    }
}

/// One parsed objective. Latency bounds are in milliseconds, error shares in percent.
#[derive(Debug, Clone, PartialEq)]
pub struct Slo {
    /// The text as the user typed it (shown in the report).
    pub text: String,
    pub metric: Metric,
    pub op: Op,
    pub bound: f64,
}

/// Parse one `--slo`.
pub fn parse_slo(s: &str) -> Result<Slo, SpecError> {
    let err = |problem: String| SpecError::new("SLO", s, problem, EXPECTED);
    let t: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    let pos = t
        .find(['<', '>'])
        .ok_or_else(|| err("there is no comparison (<, <=, >, >=)".into()))?;
    let (name, rest) = t.split_at(pos);
    let (op, value) = if let Some(v) = rest.strip_prefix("<=") {
        (Op::Le, v)
    } else if let Some(v) = rest.strip_prefix(">=") {
        (Op::Ge, v)
    } else if let Some(v) = rest.strip_prefix('<') {
        (Op::Lt, v)
    } else {
        (Op::Gt, &rest[1..])
    };
    if name.is_empty() {
        return Err(err("the metric is missing".into()));
    }
    if value.is_empty() {
        return Err(err("the value is missing".into()));
    }
    if value.contains(['<', '>', '=']) {
        return Err(err("there is more than one comparison".into()));
    }
    let name_lc = name.to_ascii_lowercase();
    let number = |v: &str| -> Result<f64, SpecError> {
        v.parse::<f64>()
            .ok()
            .filter(|x| x.is_finite() && *x >= 0.0)
            .ok_or_else(|| err(format!("'{v}' is not a non-negative number")))
    };
    let latency = |v: &str| -> Result<f64, SpecError> {
        parse_duration(v)
            .map(|d| d.as_secs_f64() * 1000.0)
            .map_err(|e| err(format!("latency bound: {}", e.problem)))
    };
    let (metric, bound) = match name_lc.as_str() {
        "min" => (Metric::Min, latency(value)?),
        "mean" | "avg" => (Metric::Mean, latency(value)?),
        "max" => (Metric::Max, latency(value)?),
        "rps" => (Metric::Rps, number(value)?),
        "requests" => (Metric::Requests, number(value)?),
        "errors" => match value.strip_suffix('%') {
            Some(v) => {
                let pct = number(v)?;
                if pct > 100.0 {
                    return Err(err("an error share is at most 100%".into()));
                }
                (Metric::ErrorShare, pct)
            }
            None => (Metric::ErrorCount, number(value)?),
        },
        other => match other.strip_prefix('p') {
            Some(p) => {
                let p = parse_one_percentile(p).map_err(|_| {
                    err(format!(
                        "unknown metric '{name}' (a percentile is p50, p99, p99.9 ...)"
                    ))
                })?;
                (Metric::Percentile(p), latency(value)?)
            }
            None => return Err(err(format!("unknown metric '{name}'"))),
        },
    };
    Ok(Slo {
        text: s.trim().to_string(),
        metric,
        op,
        bound,
    })
}

/// The measurements an SLO can be checked against.
#[derive(Debug, Clone, Copy)]
pub struct Measured<'a> {
    pub latency: &'a crate::stats::LatencyHistogram,
    pub requests: u64,
    pub errors: u64,
    pub rps: f64,
}

/// The outcome of one SLO.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SloResult {
    pub slo: String,
    /// The measured value in the SLO's unit (ms for latency, % or count for errors, req/s).
    pub measured: f64,
    pub unit: String,
    pub pass: bool,
}

impl Slo {
    /// Check this objective.
    pub fn evaluate(&self, m: &Measured<'_>) -> SloResult {
        let ms = |us: u64| us as f64 / 1000.0;
        let (measured, unit) = match self.metric {
            Metric::Percentile(p) => (ms(m.latency.percentile_us(p)), "ms"),
            Metric::Min => (ms(m.latency.min_us()), "ms"),
            Metric::Mean => (m.latency.mean_us() / 1000.0, "ms"),
            Metric::Max => (ms(m.latency.max_us()), "ms"),
            Metric::ErrorShare => {
                let share = if m.requests == 0 {
                    0.0
                } else {
                    m.errors as f64 * 100.0 / m.requests as f64
                };
                (share, "%")
            }
            Metric::ErrorCount => (m.errors as f64, "errors"),
            Metric::Rps => (m.rps, "req/s"),
            Metric::Requests => (m.requests as f64, "requests"),
        };
        // A latency objective over zero samples proves nothing: it fails.
        let vacuous = matches!(
            self.metric,
            Metric::Percentile(_) | Metric::Min | Metric::Mean | Metric::Max
        ) && m.latency.is_empty();
        SloResult {
            slo: self.text.clone(),
            measured,
            unit: unit.to_string(),
            pass: !vacuous && self.op.holds(measured, self.bound),
        }
    }
}

/// A chosen percentile and its value (the report's `percentiles_ms`, whole run and per stage).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct PercentileValue {
    pub percentile: f64,
    pub ms: f64,
}

/// The `--percentiles` list.
#[derive(Debug, Clone, PartialEq)]
pub struct Percentiles(pub Vec<f64>);

impl Default for Percentiles {
    fn default() -> Self {
        Percentiles(vec![50.0, 90.0, 99.0, 99.9, 99.99])
    }
}

fn parse_one_percentile(s: &str) -> Result<f64, ()> {
    let p: f64 = s.trim().parse().map_err(|_| ())?;
    if p.is_finite() && p > 0.0 && p <= 100.0 {
        Ok(p)
    } else {
        Err(())
    }
}

/// Parse `50,95,99.5`.
pub fn parse_percentiles(s: &str) -> Result<Percentiles, SpecError> {
    let mut out = Vec::new();
    for part in s.split(',') {
        let p = parse_one_percentile(part).map_err(|_| {
            SpecError::new(
                "percentile list",
                s,
                format!("'{}' is not a percentile in (0, 100]", part.trim()),
                EXPECTED_PCT,
            )
        })?;
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out.sort_by(f64::total_cmp);
    Ok(Percentiles(out))
}

/// The JSON key of a percentile: `p50`, `p99.9`.
pub fn percentile_key(p: f64) -> String {
    format!("p{}", trim_float(p))
}

fn trim_float(p: f64) -> String {
    let s = format!("{p:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::LatencyHistogram;

    #[test]
    fn parses_good_slos() {
        let s = parse_slo("p99<250ms").unwrap();
        assert_eq!(
            (s.metric, s.op, s.bound),
            (Metric::Percentile(99.0), Op::Lt, 250.0)
        );
        let s = parse_slo(" p99.9 <= 1s ").unwrap();
        assert_eq!(
            (s.metric, s.op, s.bound),
            (Metric::Percentile(99.9), Op::Le, 1000.0)
        );
        let s = parse_slo("errors<0.1%").unwrap();
        assert_eq!((s.metric, s.bound), (Metric::ErrorShare, 0.1));
        let s = parse_slo("errors<=10").unwrap();
        assert_eq!(
            (s.metric, s.op, s.bound),
            (Metric::ErrorCount, Op::Le, 10.0)
        );
        let s = parse_slo("rps>=900").unwrap();
        assert_eq!((s.metric, s.op, s.bound), (Metric::Rps, Op::Ge, 900.0));
        let s = parse_slo("mean>1ms").unwrap();
        assert_eq!((s.metric, s.op, s.bound), (Metric::Mean, Op::Gt, 1.0));
        assert_eq!(parse_slo("MAX<2s").unwrap().metric, Metric::Max);
        assert_eq!(
            parse_slo("requests>=1000").unwrap().metric,
            Metric::Requests
        );
    }

    #[test]
    fn rejects_malformed_slos() {
        for bad in [
            "",
            "p99",
            "p99<",
            "<250ms",
            "p99<250",
            "p99<250xs",
            "p0<1ms",
            "p101<1ms",
            "pxx<1ms",
            "latency<1ms",
            "errors<abc",
            "errors<150%",
            "errors<-1",
            "rps>=fast",
            "rps>=-5",
            "p99<<1ms",
            "p99<=>1ms",
            "rps>=NaN",
            "rps>=inf",
        ] {
            let e = parse_slo(bad).unwrap_err();
            assert!(
                e.to_string().contains("expected METRIC OP VALUE"),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn evaluates() {
        let mut h = LatencyHistogram::new();
        for us in 1..=1000u64 {
            h.record_us(us * 1000); // 1 ms ..= 1000 ms
        }
        let m = Measured {
            latency: &h,
            requests: 1000,
            errors: 2,
            rps: 950.0,
        };
        let r = parse_slo("p99<250ms").unwrap().evaluate(&m);
        assert!(!r.pass);
        assert!((r.measured - 990.0).abs() < 1.0, "{r:?}");
        assert!(parse_slo("p50<=501ms").unwrap().evaluate(&m).pass);
        let r = parse_slo("errors<0.1%").unwrap().evaluate(&m);
        assert!(!r.pass && (r.measured - 0.2).abs() < 1e-9);
        assert!(parse_slo("errors<1%").unwrap().evaluate(&m).pass);
        assert!(parse_slo("errors<=2").unwrap().evaluate(&m).pass);
        assert!(parse_slo("rps>=900").unwrap().evaluate(&m).pass);
        assert!(!parse_slo("rps>950").unwrap().evaluate(&m).pass);
        let empty = LatencyHistogram::new();
        let m0 = Measured {
            latency: &empty,
            requests: 0,
            errors: 0,
            rps: 0.0,
        };
        assert!(!parse_slo("p99<1s").unwrap().evaluate(&m0).pass);
        assert!(parse_slo("errors<1%").unwrap().evaluate(&m0).pass);
    }

    #[test]
    fn percentile_lists() {
        assert_eq!(
            parse_percentiles("99.5, 50,95,50").unwrap().0,
            vec![50.0, 95.0, 99.5]
        );
        for bad in ["", "50,", "abc", "0", "100.1", "-5", "50;90", "nan"] {
            let e = parse_percentiles(bad).unwrap_err();
            assert!(e.to_string().contains("percentile"), "{bad}: {e}");
        }
        assert_eq!(percentile_key(99.9), "p99.9");
        assert_eq!(percentile_key(50.0), "p50");
        assert_eq!(percentile_key(99.99), "p99.99");
    }
}
