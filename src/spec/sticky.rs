//! The sticky mode of `--sticky` and a pool's `sticky = "..."`: `cookie:NAME`.

use super::error::SpecError;

/// `cookie:NAME` of --sticky.
pub fn parse_sticky(s: &str) -> Result<String, SpecError> {
    match s.trim().strip_prefix("cookie:") {
        Some(name)
            if !name.is_empty()
                && name
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || b"-_.".contains(&c)) =>
        {
            Ok(name.to_string())
        }
        _ => Err(SpecError::new(
            "sticky mode",
            s,
            "unknown form or bad cookie name",
            "cookie:NAME (letters, digits, - _ .)",
        )),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cookie_names() {
        assert_eq!(super::parse_sticky(" cookie:lb ").unwrap(), "lb");
        assert!(super::parse_sticky("cookie:").is_err());
        assert!(super::parse_sticky("cookie:a b").is_err());
        assert!(super::parse_sticky("header:x").is_err());
    }
}
