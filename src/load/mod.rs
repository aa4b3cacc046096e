//! `lbctl load`: not yet available.

use crate::cli::{GlobalOpts, LoadArgs};
use crate::exit::{ExitCode, Failure};

/// Run `lbctl load`.
pub fn run(_args: LoadArgs, _global: &GlobalOpts) -> anyhow::Result<ExitCode> {
    Err(Failure::usage(
        "'lbctl load' is not yet available in this build (see the README for what is)",
    ))
}
