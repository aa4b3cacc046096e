//! What a test backend does to each request: added latency, injected 503s and resets, body
//! size, a gRPC backend's starting health, and the parsing of `--backend-opts NAME:key=value,...` overrides.

use crate::spec::{DurationRange, SpecError, parse_duration_range, parse_size};

const OPTS_EXPECTED: &str = "NAME:key=value[,key=value...] with keys latency, fail-rate, reset-rate, body-size, not-serving";
const FRACTION_EXPECTED: &str = "a fraction between 0.0 and 1.0, such as 0.02";

/// Fault settings of one backend.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Faults {
    pub latency: DurationRange,
    pub fail_rate: f64,
    pub reset_rate: f64,
    pub body_size: Option<u64>,
    /// gRPC backends: the health service starts NOT_SERVING.
    pub not_serving: bool,
}

/// Parse a probability in [0, 1].
pub fn parse_fraction(s: &str) -> Result<f64, SpecError> {
    match s.trim().parse::<f64>() {
        Ok(f) if (0.0..=1.0).contains(&f) => Ok(f),
        Ok(_) => Err(SpecError::new(
            "fraction",
            s,
            "it is outside 0.0..1.0",
            FRACTION_EXPECTED,
        )),
        Err(_) => Err(SpecError::new(
            "fraction",
            s,
            "it is not a number",
            FRACTION_EXPECTED,
        )),
    }
}

/// One `--backend-opts` value: the backend name and its overrides applied to `base`.
pub fn parse_backend_opts(s: &str, base: &Faults) -> Result<(String, Faults), SpecError> {
    let (name, opts) = s.split_once(':').ok_or_else(|| {
        SpecError::new(
            "backend options",
            s,
            "the ':' after the name is missing",
            OPTS_EXPECTED,
        )
    })?;
    let name = name.trim();
    if name.is_empty() {
        return Err(SpecError::new(
            "backend options",
            s,
            "the name is empty",
            OPTS_EXPECTED,
        ));
    }
    let mut f = base.clone();
    for kv in opts.split(',') {
        let (k, v) = kv.split_once('=').ok_or_else(|| {
            SpecError::new("backend options", kv, "expected key=value", OPTS_EXPECTED)
        })?;
        match k.trim() {
            "latency" => f.latency = parse_duration_range(v)?,
            "fail-rate" => f.fail_rate = parse_fraction(v)?,
            "reset-rate" => f.reset_rate = parse_fraction(v)?,
            "body-size" => f.body_size = Some(parse_size(v)?),
            "not-serving" => {
                f.not_serving = match v.trim() {
                    "true" => true,
                    "false" => false,
                    other => {
                        return Err(SpecError::new(
                            "not-serving",
                            other,
                            "it is not a boolean",
                            "true or false",
                        ));
                    }
                }
            }
            other => {
                return Err(SpecError::new(
                    "backend options",
                    other,
                    "unknown key",
                    OPTS_EXPECTED,
                ));
            }
        }
    }
    Ok((name.to_string(), f))
}

/// Why a request was answered with a reset instead of a response: the handler's `Err`, on
/// which hyper drops the connection (HTTP/1.1) or resets the stream (HTTP/2, RST_STREAM).
#[derive(Debug)]
pub struct InjectedReset;

impl std::fmt::Display for InjectedReset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("injected reset")
    }
}

impl std::error::Error for InjectedReset {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn overrides() {
        let base = Faults {
            fail_rate: 0.5,
            ..Faults::default()
        };
        let (n, f) =
            parse_backend_opts("b2:latency=200ms,reset-rate=0.1,body-size=1KiB", &base).unwrap();
        assert_eq!(n, "b2");
        assert_eq!(f.latency.max, Duration::from_millis(200));
        assert_eq!(
            (f.fail_rate, f.reset_rate, f.body_size, f.not_serving),
            (0.5, 0.1, Some(1024), false)
        );
        let (_, f) = parse_backend_opts("b1:not-serving=true", &base).unwrap();
        assert!(f.not_serving);
    }

    #[test]
    fn malformed_overrides() {
        let base = Faults::default();
        for (bad, want) in [
            ("b2", "':'"),
            (":latency=1s", "name is empty"),
            ("b2:latency", "key=value"),
            ("b2:speed=1", "unknown key"),
            ("b2:fail-rate=2", "outside"),
            ("b2:fail-rate=x", "not a number"),
            ("b2:latency=fast", "duration"),
            ("b2:not-serving=yes", "true or false"),
        ] {
            let e = parse_backend_opts(bad, &base).unwrap_err().to_string();
            assert!(e.contains(want), "{bad}: {e}");
        }
    }
}
