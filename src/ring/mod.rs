//! `lbctl ring`: not yet available.

use crate::cli::{GlobalOpts, RingArgs};
use crate::exit::{ExitCode, Failure};

/// Run `lbctl ring`.
pub fn run(_args: RingArgs, _global: &GlobalOpts) -> anyhow::Result<ExitCode> {
    Err(Failure::usage(
        "'lbctl ring' is not yet available in this build (see the README for what is)",
    ))
}
