//! `lbctl probe`: not yet available.

use crate::cli::{GlobalOpts, ProbeArgs};
use crate::exit::{ExitCode, Failure};

/// Run `lbctl probe`.
pub fn run(_args: ProbeArgs, _global: &GlobalOpts) -> anyhow::Result<ExitCode> {
    Err(Failure::usage(
        "'lbctl probe' is not yet available in this build (see the README for what is)",
    ))
}
