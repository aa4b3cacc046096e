//! The scenario `lbctl sim` runs, parsed once from the flags: the backends (a shared service
//! time and per-backend overrides `b3:service=fixed 50ms,weight=2,concurrency=8`), the events
//! in time (`30s:b3:latency*10`, `60s:b2:down`, `90s:b2:up`), the arrivals, and the keys the
//! hash algorithms read. Errors are `SpecError`s: one line naming the value and the form.

use super::dist::ServiceDist;
use crate::spec::{SpecError, parse_duration};
use std::time::Duration;

const OVERRIDE_FORM: &str = "NAME:key=value[,key=value...] with keys service, weight, \
concurrency, fail, reset, slowstart (b3:service=fixed 50ms,weight=2,concurrency=8)";
const EVENT_FORM: &str = "TIME:NAME:ACTION with ACTION down, up, latency*FACTOR, fail=RATIO or \
weight=N (30s:b3:latency*10, 60s:b2:down)";
const KEYS_FORM: &str =
    "uniform or zipf:S (zipf:1.1), optionally with /COUNT keys (zipf:1.1/50000)";

/// One simulated backend.
#[derive(Debug, Clone, PartialEq)]
pub struct BackendModel {
    pub name: String,
    pub service: ServiceDist,
    pub weight: u32,
    /// Requests served at once; the rest wait in a FIFO queue (u32::MAX: unlimited).
    pub concurrency: u32,
    /// Probability a request fails with a 5xx after its service time.
    pub fail: f64,
    /// Probability the connection is reset at the end of the service time.
    pub reset: f64,
    pub slowstart: Option<Duration>,
}

/// What an event does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Action {
    Down,
    Up,
    /// Multiply the backend's service times by this (1 restores).
    Latency(f64),
    Fail(f64),
    Weight(u32),
}

/// `--at TIME:NAME:ACTION`.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub at: Duration,
    pub backend: usize,
    pub action: Action,
    /// As typed.
    pub text: String,
}

/// How keys are drawn for the hash algorithms (and client addresses for ip-hash).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KeyDist {
    /// Zipf exponent; None = uniform.
    pub zipf: Option<f64>,
    pub count: u64,
}

impl KeyDist {
    pub fn parse(s: &str) -> Result<Self, SpecError> {
        let err = |p: &str| SpecError::new("key distribution", s, p, KEYS_FORM);
        let t = s.trim();
        let (kind, count) = match t.split_once('/') {
            Some((k, c)) => (
                k,
                c.trim()
                    .parse::<u64>()
                    .ok()
                    .filter(|&c| (1..=10_000_000).contains(&c))
                    .ok_or_else(|| err("the key count must be 1..=10000000"))?,
            ),
            None => (t, 10_000),
        };
        let zipf = match kind.split_once(':') {
            None if kind == "uniform" => None,
            Some(("zipf", e)) => Some(
                e.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|e| e.is_finite() && *e > 0.0 && *e <= 10.0)
                    .ok_or_else(|| err("the zipf exponent must be a number in (0, 10]"))?,
            ),
            _ => return Err(err("unknown distribution")),
        };
        Ok(KeyDist { zipf, count })
    }
}

fn ratio(v: &str, what: &'static str, form: &'static str, whole: &str) -> Result<f64, SpecError> {
    v.trim()
        .parse::<f64>()
        .ok()
        .filter(|r| (0.0..=1.0).contains(r))
        .ok_or_else(|| SpecError::new(what, whole, format!("'{v}' is not a ratio in 0..1"), form))
}

/// Backends `b1..bN`, all with `service`.
pub fn backends(n: usize, service: &ServiceDist, concurrency: Option<u32>) -> Vec<BackendModel> {
    (1..=n)
        .map(|i| BackendModel {
            name: format!("b{i}"),
            service: service.clone(),
            weight: 1,
            concurrency: concurrency.unwrap_or(u32::MAX),
            fail: 0.0,
            reset: 0.0,
            slowstart: None,
        })
        .collect()
}

fn find(
    backends: &[BackendModel],
    name: &str,
    what: &'static str,
    whole: &str,
    form: &'static str,
) -> Result<usize, SpecError> {
    backends.iter().position(|b| b.name == name).ok_or_else(|| {
        SpecError::new(
            what,
            whole,
            format!(
                "no backend named '{name}' (they are b1..b{})",
                backends.len()
            ),
            form,
        )
    })
}

/// Apply one `--backend NAME:key=value,...`. A value may itself hold commas (`service=lognormal
/// 5ms,40ms`): a piece without '=' continues the previous value.
pub fn apply_override(backends: &mut [BackendModel], s: &str) -> Result<(), SpecError> {
    let err = |p: String| SpecError::new("backend override", s, p, OVERRIDE_FORM);
    let (name, rest) = s
        .split_once(':')
        .ok_or_else(|| err("there is no ':' after the backend name".into()))?;
    let i = find(backends, name.trim(), "backend override", s, OVERRIDE_FORM)?;
    let mut pairs: Vec<(String, String)> = Vec::new();
    for piece in rest.split(',') {
        match piece.split_once('=') {
            Some((k, v)) => pairs.push((k.trim().to_string(), v.to_string())),
            None => match pairs.last_mut() {
                Some((_, v)) => {
                    v.push(',');
                    v.push_str(piece);
                }
                None => return Err(err(format!("'{piece}' is not key=value"))),
            },
        }
    }
    let b = &mut backends[i];
    for (k, v) in pairs {
        match k.as_str() {
            "service" => b.service = ServiceDist::parse(&v).map_err(|e| err(e.to_string()))?,
            "weight" => {
                b.weight = v
                    .trim()
                    .parse()
                    .ok()
                    .filter(|w| *w <= 1_000_000)
                    .ok_or_else(|| err(format!("weight '{v}' is not 0..=1000000")))?
            }
            "concurrency" => {
                b.concurrency = v
                    .trim()
                    .parse()
                    .ok()
                    .filter(|c| *c > 0)
                    .ok_or_else(|| err(format!("concurrency '{v}' is not a positive number")))?
            }
            "fail" => b.fail = ratio(&v, "backend override", OVERRIDE_FORM, s)?,
            "reset" => b.reset = ratio(&v, "backend override", OVERRIDE_FORM, s)?,
            "slowstart" => b.slowstart = Some(parse_duration(&v).map_err(|e| err(e.to_string()))?),
            other => return Err(err(format!("unknown key '{other}'"))),
        }
    }
    Ok(())
}

/// Parse one `--at TIME:NAME:ACTION`.
pub fn parse_event(backends: &[BackendModel], s: &str) -> Result<Event, SpecError> {
    let err = |p: String| SpecError::new("event", s, p, EVENT_FORM);
    let mut parts = s.trim().splitn(3, ':');
    let (Some(t), Some(name), Some(action)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(err("it needs three parts separated by ':'".into()));
    };
    let at = parse_duration(t).map_err(|e| err(format!("time: {}", e.problem)))?;
    let backend = find(backends, name.trim(), "event", s, EVENT_FORM)?;
    let a = action.trim();
    let action = if a == "down" {
        Action::Down
    } else if a == "up" {
        Action::Up
    } else if let Some(f) = a.strip_prefix("latency*") {
        Action::Latency(
            f.trim()
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite() && *f > 0.0 && *f <= 1e6)
                .ok_or_else(|| err(format!("latency factor '{f}' is not a positive number")))?,
        )
    } else if let Some(r) = a.strip_prefix("fail=") {
        Action::Fail(ratio(r, "event", EVENT_FORM, s)?)
    } else if let Some(w) = a.strip_prefix("weight=") {
        Action::Weight(
            w.trim()
                .parse()
                .ok()
                .filter(|w| *w <= 1_000_000)
                .ok_or_else(|| err(format!("weight '{w}' is not 0..=1000000")))?,
        )
    } else {
        return Err(err(format!("unknown action '{a}'")));
    };
    Ok(Event {
        at,
        backend,
        action,
        text: s.trim().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool() -> Vec<BackendModel> {
        backends(3, &ServiceDist::Fixed(1e6), None)
    }

    #[test]
    fn overrides_with_commas_in_values() {
        let mut b = pool();
        apply_override(
            &mut b,
            "b3:service=lognormal 5ms,40ms,weight=2,concurrency=8",
        )
        .unwrap();
        assert!(matches!(b[2].service, ServiceDist::LogNormal { .. }));
        assert_eq!((b[2].weight, b[2].concurrency), (2, 8));
        apply_override(&mut b, "b1:fail=0.1,reset=0.01,slowstart=5s").unwrap();
        assert_eq!((b[0].fail, b[0].reset), (0.1, 0.01));
        for bad in [
            "b9:weight=1",
            "b1",
            "b1:weight=x",
            "b1:fail=2",
            "b1:color=red",
            "b1:,x",
        ] {
            assert!(apply_override(&mut b, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn events() {
        let b = pool();
        let e = parse_event(&b, "30s:b3:latency*10").unwrap();
        assert_eq!(
            (e.at, e.backend, e.action),
            (Duration::from_secs(30), 2, Action::Latency(10.0))
        );
        assert_eq!(parse_event(&b, "1m:b2:down").unwrap().action, Action::Down);
        assert_eq!(parse_event(&b, "90s:b2:up").unwrap().action, Action::Up);
        for bad in [
            "30s:b3",
            "x:b1:up",
            "1s:b7:up",
            "1s:b1:sideways",
            "1s:b1:latency*-1",
        ] {
            assert!(parse_event(&b, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn key_distributions() {
        assert_eq!(KeyDist::parse("uniform").unwrap().zipf, None);
        let k = KeyDist::parse("zipf:1.1/500").unwrap();
        assert_eq!((k.zipf, k.count), (Some(1.1), 500));
        for bad in ["zipf", "zipf:0", "pareto", "uniform/0"] {
            assert!(KeyDist::parse(bad).is_err(), "{bad}");
        }
    }
}
