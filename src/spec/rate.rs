//! Request rates: `500/s`, `30000/m`, `10/h`, `5/100ms`, or a bare number meaning per second.

use super::duration::parse_duration;
use super::error::SpecError;

const EXPECTED: &str = "a rate such as 500/s, 30000/m, 10/h or 5/100ms";

/// A positive rate, stored in events per second.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    per_second: f64,
}

impl Rate {
    pub fn per_second(&self) -> f64 {
        self.per_second
    }

    /// The planned gap between two events.
    pub fn interval(&self) -> std::time::Duration {
        std::time::Duration::from_secs_f64(1.0 / self.per_second)
    }
}

/// Parse a rate.
pub fn parse_rate(s: &str) -> Result<Rate, SpecError> {
    let t = s.trim();
    let (count, per) = t.split_once('/').unwrap_or((t, "s"));
    let count: f64 = count
        .trim()
        .parse()
        .map_err(|_| SpecError::new("rate", s, format!("'{count}' is not a number"), EXPECTED))?;
    if !count.is_finite() || count <= 0.0 {
        return Err(SpecError::new("rate", s, "it must be positive", EXPECTED));
    }
    let per = per.trim();
    let seconds = match per {
        "s" | "sec" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        _ => {
            let d = parse_duration(per).map_err(|_| {
                SpecError::new("rate", s, format!("unknown period '{per}'"), EXPECTED)
            })?;
            if d.is_zero() {
                return Err(SpecError::new("rate", s, "the period is zero", EXPECTED));
            }
            d.as_secs_f64()
        }
    };
    Ok(Rate {
        per_second: count / seconds,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_rates() {
        assert_eq!(parse_rate("500/s").unwrap().per_second(), 500.0);
        assert_eq!(parse_rate("30000/m").unwrap().per_second(), 500.0);
        assert_eq!(parse_rate("3600/h").unwrap().per_second(), 1.0);
        assert_eq!(parse_rate("5/100ms").unwrap().per_second(), 50.0);
        assert_eq!(parse_rate("200").unwrap().per_second(), 200.0);
        assert_eq!(parse_rate("0.5/s").unwrap().per_second(), 0.5);
        assert_eq!(
            parse_rate("1000/s").unwrap().interval(),
            std::time::Duration::from_millis(1)
        );
    }

    #[test]
    fn bad_rates() {
        for bad in [
            "", "/s", "0/s", "-5/s", "abc/s", "5/x", "5/0s", "inf/s", "NaN",
        ] {
            let e = parse_rate(bad).unwrap_err();
            assert!(e.to_string().contains(&format!("'{bad}'")), "{bad}: {e}");
        }
    }
}
