//! The proxy's stderr: state changes (always, with their reason) and the access log
//! (`--access-log common|json|off`). One `eprintln!` per line, so lines never interleave.

use crate::cli::AccessLog;
use std::fmt::Arguments;
use std::net::SocketAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A backend or listener state change.
pub fn state(msg: Arguments<'_>) {
    eprintln!("lbctl proxy: {msg}");
}

/// What one access-log line says.
pub struct Access<'a> {
    pub client: SocketAddr,
    pub method: &'a str,
    pub uri: &'a str,
    pub version: http::Version,
    pub status: u16,
    pub bytes: u64,
    pub backend: &'a str,
    pub duration: Duration,
}

/// Time since the Unix epoch (zero if the clock is before it), for log timestamps.
fn unix_now() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}

/// Write one access-log line in `format` (nothing for `Off`).
pub fn access(format: AccessLog, a: &Access<'_>) {
    match format {
        AccessLog::Off => {}
        AccessLog::Common => {
            let secs = unix_now().as_secs();
            eprintln!(
                "{} - - [{}] \"{} {} {:?}\" {} {} backend={} time={}us",
                a.client.ip(),
                clf_time(secs),
                a.method,
                a.uri,
                a.version,
                a.status,
                a.bytes,
                if a.backend.is_empty() { "-" } else { a.backend },
                a.duration.as_micros()
            );
        }
        AccessLog::Json => {
            let ts = unix_now().as_secs_f64();
            let line = serde_json::json!({
                "ts": ts,
                "client": a.client.to_string(),
                "method": a.method,
                "uri": a.uri,
                "version": format!("{:?}", a.version),
                "status": a.status,
                "bytes": a.bytes,
                "backend": a.backend,
                "duration_us": a.duration.as_micros() as u64,
            });
            eprintln!("{line}");
        }
    }
}

/// What one TCP-mode access-log line says (one per client connection, at its end).
pub struct TcpAccess<'a> {
    pub client: SocketAddr,
    /// The backend's name, or empty when none was reached.
    pub backend: &'a str,
    /// The TLS server name the connection was routed on (SNI), if any.
    pub sni: Option<&'a str>,
    /// Client to backend, and backend to client.
    pub bytes_in: u64,
    pub bytes_out: u64,
    pub duration: Duration,
    /// How it ended: `closed`, `idle`, `error`, or why it never reached a backend.
    pub end: &'a str,
}

/// Write one TCP access-log line in `format` (nothing for `Off`). The common form follows
/// HAProxy's tcplog in spirit: client, time, backend, bytes each way, duration, termination.
pub fn tcp_access(format: AccessLog, a: &TcpAccess<'_>) {
    let backend = if a.backend.is_empty() { "-" } else { a.backend };
    match format {
        AccessLog::Off => {}
        AccessLog::Common => {
            let secs = unix_now().as_secs();
            // The status position carries how the connection ended.
            eprintln!(
                "{} - - [{}] \"TCP {}\" {} {} backend={} in={} time={}us",
                a.client.ip(),
                clf_time(secs),
                a.sni.unwrap_or("-"),
                a.end.replace(' ', "-"),
                a.bytes_out,
                backend,
                a.bytes_in,
                a.duration.as_micros(),
            );
        }
        AccessLog::Json => {
            let ts = unix_now().as_secs_f64();
            let line = serde_json::json!({
                "ts": ts,
                "mode": "tcp",
                "client": a.client.to_string(),
                "backend": backend,
                "sni": a.sni,
                "bytes_in": a.bytes_in,
                "bytes_out": a.bytes_out,
                "duration_us": a.duration.as_micros() as u64,
                "end": a.end,
            });
            eprintln!("{line}");
        }
    }
}

/// Common Log Format time, `10/Oct/2000:13:55:36 +0000` (UTC), from Unix seconds.
pub fn clf_time(secs: u64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's days_from_civil inverse).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    format!(
        "{:02}/{}/{}:{:02}:{:02}:{:02} +0000",
        d,
        MONTHS[(m - 1) as usize],
        y,
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clf_dates() {
        assert_eq!(clf_time(0), "01/Jan/1970:00:00:00 +0000");
        assert_eq!(clf_time(971_186_136), "10/Oct/2000:13:55:36 +0000");
        assert_eq!(clf_time(1_709_210_096), "29/Feb/2024:12:34:56 +0000");
    }
}
