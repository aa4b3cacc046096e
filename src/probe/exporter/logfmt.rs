//! The exporter's log lines are logfmt, as blackbox_exporter's (go-kit log): `ts=` first, then
//! `key=value` pairs, a value with spaces or quotes written as a quoted string.

use std::time::SystemTime;

/// `ts=` and the time now, RFC 3339 with milliseconds (blackbox's `ts`).
pub fn timestamp() -> String {
    format!("ts={}", humantime::format_rfc3339_millis(SystemTime::now()))
}

/// `s` as a quoted logfmt value: in double quotes, with `"`, `\` and control characters
/// escaped (JSON's string escapes, which logfmt readers accept).
pub fn quoted(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn quoted_values_escape_quotes_backslashes_and_newlines() {
        assert_eq!(super::quoted("a b"), "\"a b\"");
        assert_eq!(super::quoted("say \"hi\"\\\n"), "\"say \\\"hi\\\"\\\\\\n\"");
        assert!(super::timestamp().starts_with("ts=20"));
    }
}
