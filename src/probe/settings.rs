//! What a `probe` run was asked for, settled before the first check ([`Settings`]), and how
//! a check's outcome is worded for probe's users ([`with_hint`]: the flags that fix an
//! untrusted certificate). Built by mod.rs; read by oneshot.rs and watch.rs.

use super::options::{ProbeOutput, Require};
use super::report;
use std::time::Duration;

/// Everything `probe` needs besides the targets, validated.
#[derive(Debug, Clone)]
pub struct Settings {
    pub timeout: Duration,
    pub concurrency: usize,
    pub require: Require,
    pub retries: u32,
    pub retry_delay: Duration,
    pub interval: Duration,
    pub fast_interval: Duration,
    pub rise: u32,
    pub fall: u32,
    pub start_up: bool,
    pub count: Option<u64>,
    pub deadline: Duration,
    pub output: ProbeOutput,
    pub nagios: report::NagiosLimits,
    /// `--on-transition` / `--notify` (watch mode).
    pub alerts: Option<super::alert::Alerts>,
}

/// probe's flags for trusting a server certificate.
const TRUST_FLAGS: crate::tls::TrustFlags = crate::tls::TrustFlags {
    cacert: "--cacert FILE",
    insecure: "--insecure",
};

/// Point at the flags that fix a certificate the client does not trust (the core's reason
/// is about TLS; which flags exist is probe's business).
pub fn with_hint(mut o: crate::check::CheckOutcome) -> crate::check::CheckOutcome {
    if let Some(fix) = o.tls_fix {
        o.reason = format!("{}: {}", o.reason, fix.advice(&TRUST_FLAGS));
    }
    o
}
