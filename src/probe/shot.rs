//! How one target ended in one-shot mode (`--until` too): its verdict and last outcome. The
//! result formats (report.rs, prometheus.rs) and the watch loop read it.

use crate::check::CheckOutcome;

/// How one target ended in one-shot mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    /// Passed, but only after a retry.
    Flaky,
    Fail,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "ok",
            Verdict::Flaky => "flaky",
            Verdict::Fail => "fail",
        }
    }

    pub fn passed(self) -> bool {
        self != Verdict::Fail
    }
}

/// The last outcome of a target and how many attempts it took.
#[derive(Debug, Clone)]
pub struct ShotResult {
    pub outcome: CheckOutcome,
    pub attempts: u32,
    pub verdict: Verdict,
}
