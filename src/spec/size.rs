//! Byte sizes: `512`, `1KiB`, `10KB`, `1.5MiB`.

use super::error::SpecError;

const EXPECTED: &str = "a size such as 512, 1KiB, 10KB or 2MiB";

/// Parse a byte size (SI units are powers of 1000, IEC units powers of 1024).
pub fn parse_size(s: &str) -> Result<u64, SpecError> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| SpecError::new("size", s, "no number", EXPECTED))?;
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "kib" => 1024.0,
        "m" | "mb" => 1e6,
        "mib" => 1024.0 * 1024.0,
        "g" | "gb" => 1e9,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        other => {
            return Err(SpecError::new(
                "size",
                s,
                format!("unknown unit '{other}'"),
                EXPECTED,
            ));
        }
    };
    let bytes = n * mult;
    if !bytes.is_finite() || bytes > u64::MAX as f64 / 2.0 {
        return Err(SpecError::new("size", s, "it is too large", EXPECTED));
    }
    Ok(bytes.round() as u64)
}

/// Format a byte count with IEC units (`1.0 KiB`).
pub fn format_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = bytes as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("512").unwrap(), 512);
        assert_eq!(parse_size("1KiB").unwrap(), 1024);
        assert_eq!(parse_size("10KB").unwrap(), 10_000);
        assert_eq!(parse_size("1.5MiB").unwrap(), 1_572_864);
        assert_eq!(parse_size("0").unwrap(), 0);
        for bad in ["", "KiB", "1XB", "-1", "1e400"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
        assert_eq!(format_size(1536), "1.5 KiB");
        assert_eq!(format_size(10), "10 B");
    }
}
