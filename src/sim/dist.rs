//! Service-time distributions of a simulated backend: `fixed 10ms`, `uniform 5ms..15ms`,
//! `lognormal 5ms,40ms` (median and p99), `exp 10ms` (mean), or `hdr FILE`, the service-time
//! histogram of an `lbctl load --output json` run. Parsed once; sampled in nanoseconds.

use crate::spec::{SpecError, parse_duration};
use crate::stats::LatencyHistogram;
use rand::Rng;
use rand::rngs::SmallRng;

const EXPECTED: &str = "fixed 10ms, uniform 5ms..15ms, lognormal MEDIAN,P99 (lognormal 5ms,40ms), \
exp MEAN (exp 10ms) or hdr FILE (the JSON of lbctl load --output json)";

/// The z-score of the 99th percentile of a standard normal (for `lognormal median,p99`).
const Z99: f64 = 2.326_347_874;

/// A service-time distribution, in nanoseconds.
#[derive(Debug, Clone, PartialEq)]
pub enum ServiceDist {
    Fixed(f64),
    Uniform(f64, f64),
    /// ln(X) ~ Normal(mu, sigma).
    LogNormal {
        mu: f64,
        sigma: f64,
    },
    /// Exponential with this mean.
    Exp(f64),
    /// Measured: (value ns, cumulative count) ascending, from an HdrHistogram.
    Empirical(Vec<(f64, u64)>),
}

fn ns(s: &str, whole: &str) -> Result<f64, SpecError> {
    parse_duration(s)
        .map(|d| d.as_nanos() as f64)
        .map_err(|e| SpecError::new("service time", whole, e.problem, EXPECTED))
}

impl ServiceDist {
    /// Parse `KIND ARGS` (a ':' may stand for the space: `fixed:10ms`).
    pub fn parse(s: &str) -> Result<Self, SpecError> {
        let err = |p: &str| SpecError::new("service time", s, p, EXPECTED);
        let t = s.trim();
        let (kind, rest) = t
            .split_once([' ', ':'])
            .ok_or_else(|| err("the distribution has no argument"))?;
        let rest = rest.trim();
        let d = match kind.to_ascii_lowercase().as_str() {
            "fixed" => ServiceDist::Fixed(ns(rest, s)?),
            "uniform" => {
                let (a, b) = rest
                    .split_once("..")
                    .ok_or_else(|| err("uniform needs MIN..MAX"))?;
                let (a, b) = (ns(a, s)?, ns(b, s)?);
                if a > b {
                    return Err(err("the minimum is above the maximum"));
                }
                ServiceDist::Uniform(a, b)
            }
            "lognormal" => {
                let (m, p) = rest
                    .split_once(',')
                    .ok_or_else(|| err("lognormal needs MEDIAN,P99"))?;
                let (m, p) = (ns(m, s)?, ns(p, s)?);
                if m <= 0.0 || p < m {
                    return Err(err("lognormal needs 0 < median <= p99"));
                }
                ServiceDist::LogNormal {
                    mu: m.ln(),
                    sigma: (p / m).ln() / Z99,
                }
            }
            "exp" => {
                let m = ns(rest, s)?;
                if m <= 0.0 {
                    return Err(err("the mean must be positive"));
                }
                ServiceDist::Exp(m)
            }
            "hdr" => Self::from_load_json(rest)?,
            _ => return Err(err("unknown distribution")),
        };
        Ok(d)
    }

    /// Read `histograms.service` (else `histograms.latency`) of a `lbctl load --output json`
    /// report.
    fn from_load_json(path: &str) -> Result<Self, SpecError> {
        let err = |p: String| SpecError::new("hdr file", path, p, EXPECTED);
        let text =
            std::fs::read_to_string(path).map_err(|e| err(format!("cannot read it: {e}")))?;
        let v: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| err(format!("not JSON: {e}")))?;
        let h = &v["histograms"];
        let enc = h["service"]
            .as_str()
            .or_else(|| h["latency"].as_str())
            .ok_or_else(|| err("no histograms.service in it (is it lbctl load's JSON?)".into()))?;
        let hist = LatencyHistogram::from_base64(enc).map_err(|e| err(e.to_string()))?;
        Self::from_histogram(&hist).ok_or_else(|| err("the histogram is empty".into()))
    }

    /// An empirical distribution from a histogram in microseconds.
    pub fn from_histogram(h: &LatencyHistogram) -> Option<Self> {
        let mut cum = 0;
        let mut table = Vec::new();
        for (us, n) in h.counts() {
            cum += n;
            table.push((us as f64 * 1000.0, cum));
        }
        (cum > 0).then_some(ServiceDist::Empirical(table))
    }

    /// One sample, in nanoseconds (>= 0).
    #[inline]
    pub fn sample(&self, rng: &mut SmallRng) -> f64 {
        match self {
            ServiceDist::Fixed(v) => *v,
            ServiceDist::Uniform(a, b) => a + (b - a) * rng.random::<f64>(),
            ServiceDist::LogNormal { mu, sigma } => {
                let z: f64 = rng.sample(rand_distr::StandardNormal);
                (mu + sigma * z).exp()
            }
            ServiceDist::Exp(m) => -m * (1.0 - rng.random::<f64>()).ln(),
            ServiceDist::Empirical(t) => {
                let total = t.last().map_or(1, |x| x.1);
                let k = rng.random_range(0..total);
                let i = t.partition_point(|&(_, c)| c <= k);
                t.get(i).map_or(0.0, |x| x.0)
            }
        }
    }

    /// The distribution's mean in nanoseconds (closed form; the table's for `hdr`).
    pub fn mean(&self) -> f64 {
        match self {
            ServiceDist::Fixed(v) => *v,
            ServiceDist::Uniform(a, b) => (a + b) / 2.0,
            ServiceDist::LogNormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
            ServiceDist::Exp(m) => *m,
            ServiceDist::Empirical(t) => {
                let mut prev = 0;
                let mut sum = 0.0;
                for &(v, c) in t {
                    sum += v * (c - prev) as f64;
                    prev = c;
                }
                sum / prev.max(1) as f64
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn parses_every_kind_and_rejects_nonsense() {
        assert_eq!(
            ServiceDist::parse("fixed 10ms").unwrap(),
            ServiceDist::Fixed(1e7)
        );
        assert_eq!(
            ServiceDist::parse("uniform:5ms..15ms").unwrap(),
            ServiceDist::Uniform(5e6, 15e6)
        );
        assert_eq!(
            ServiceDist::parse("exp 2ms").unwrap(),
            ServiceDist::Exp(2e6)
        );
        for bad in [
            "",
            "fixed",
            "fixed ten",
            "uniform 5ms",
            "uniform 9ms..1ms",
            "lognormal 5ms",
            "lognormal 40ms,5ms",
            "gamma 1ms",
            "hdr /nonexistent/file.json",
        ] {
            let e = ServiceDist::parse(bad).unwrap_err().to_string();
            assert!(!e.contains('{'), "{e}");
        }
    }

    #[test]
    fn lognormal_median_and_p99_come_back() {
        let d = ServiceDist::parse("lognormal 5ms,40ms").unwrap();
        let mut rng = SmallRng::seed_from_u64(7);
        let mut v: Vec<f64> = (0..200_000).map(|_| d.sample(&mut rng)).collect();
        v.sort_by(f64::total_cmp);
        let (p50, p99) = (v[100_000] / 1e6, v[198_000] / 1e6);
        assert!((p50 - 5.0).abs() < 0.15, "{p50}");
        assert!((p99 - 40.0).abs() < 2.0, "{p99}");
    }

    #[test]
    fn empirical_follows_the_histogram() {
        let mut h = LatencyHistogram::new();
        h.record_n(1000, 90);
        h.record_n(100_000, 10);
        let d = ServiceDist::from_histogram(&h).unwrap();
        let mut rng = SmallRng::seed_from_u64(1);
        let slow = (0..10_000).filter(|_| d.sample(&mut rng) > 50e6).count();
        assert!((800..1200).contains(&slow), "{slow}");
        assert!((d.mean() / 1e6 - 10.9).abs() < 0.2, "{}", d.mean());
    }
}
