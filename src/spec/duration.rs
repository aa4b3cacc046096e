//! Durations (`250ms`, `2s`, `1m30s`) and uniform ranges of them (`5ms..50ms`).

use super::error::SpecError;
use std::time::Duration;

const EXPECTED: &str = "a duration such as 250ms, 2s, 1m30s or 1h";
const EXPECTED_RANGE: &str = "a duration (20ms) or a range MIN..MAX (5ms..50ms)";

/// Parse a duration. A unit is required except for `0`.
pub fn parse_duration(s: &str) -> Result<Duration, SpecError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(SpecError::new("duration", s, "it is empty", EXPECTED));
    }
    if t == "0" {
        return Ok(Duration::ZERO);
    }
    if t.starts_with('-') {
        return Err(SpecError::new("duration", s, "it is negative", EXPECTED));
    }
    if t.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return Err(SpecError::new(
            "duration",
            s,
            "the unit is missing",
            EXPECTED,
        ));
    }
    humantime::parse_duration(t).map_err(|e| SpecError::new("duration", s, e.to_string(), EXPECTED))
}

/// Format a duration compactly for humans (`1.5s`, `250ms`, `80µs`).
pub fn format_duration(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us < 1000.0 {
        format!("{us:.0}µs")
    } else if us < 1e6 {
        let ms = us / 1000.0;
        if ms < 10.0 {
            format!("{ms:.2}ms")
        } else {
            format!("{ms:.1}ms")
        }
    } else {
        format!("{:.2}s", us / 1e6)
    }
}

/// A closed range of durations; a single duration is the range `d..d`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DurationRange {
    pub min: Duration,
    pub max: Duration,
}

impl DurationRange {
    pub fn is_zero(&self) -> bool {
        self.max.is_zero()
    }

    /// A duration in the range for a uniform sample `u` in [0, 1).
    pub fn at(&self, u: f64) -> Duration {
        let span = self.max.saturating_sub(self.min);
        self.min + span.mul_f64(u.clamp(0.0, 1.0))
    }
}

/// Parse `20ms` or `5ms..50ms`.
pub fn parse_duration_range(s: &str) -> Result<DurationRange, SpecError> {
    let wrap = |e: SpecError| SpecError::new("duration range", s, e.problem, EXPECTED_RANGE);
    match s.split_once("..") {
        None => {
            let d = parse_duration(s).map_err(wrap)?;
            Ok(DurationRange { min: d, max: d })
        }
        Some((a, b)) => {
            let min = parse_duration(a).map_err(wrap)?;
            let max = parse_duration(b).map_err(wrap)?;
            if min > max {
                return Err(SpecError::new(
                    "duration range",
                    s,
                    "MIN is larger than MAX",
                    EXPECTED_RANGE,
                ));
            }
            Ok(DurationRange { min, max })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_durations() {
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("2s").unwrap(), Duration::from_secs(2));
        assert_eq!(parse_duration("1m30s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("1h").unwrap(), Duration::from_secs(3600));
        assert_eq!(parse_duration("0").unwrap(), Duration::ZERO);
        assert_eq!(parse_duration(" 5us ").unwrap(), Duration::from_micros(5));
    }

    #[test]
    fn bad_durations() {
        for bad in ["", "5", "-1s", "5x", "s", "1.5", "ms", "1m30", "abc"] {
            let e = parse_duration(bad).unwrap_err();
            assert!(e.to_string().contains(&format!("'{bad}'")), "{bad}: {e}");
        }
    }

    #[test]
    fn ranges() {
        let r = parse_duration_range("5ms..50ms").unwrap();
        assert_eq!(r.min, Duration::from_millis(5));
        assert_eq!(r.at(1.0), Duration::from_millis(50));
        assert_eq!(r.at(0.5), Duration::from_micros(27_500));
        let r = parse_duration_range("20ms").unwrap();
        assert_eq!(
            (r.min, r.max),
            (Duration::from_millis(20), Duration::from_millis(20))
        );
        assert!(parse_duration_range("50ms..5ms").is_err());
        assert!(parse_duration_range("5ms..").is_err());
        assert!(parse_duration_range("..").is_err());
    }

    #[test]
    fn formats() {
        assert_eq!(format_duration(Duration::from_micros(80)), "80µs");
        assert_eq!(format_duration(Duration::from_micros(2500)), "2.50ms");
        assert_eq!(format_duration(Duration::from_millis(250)), "250.0ms");
        assert_eq!(format_duration(Duration::from_millis(1500)), "1.50s");
    }
}
