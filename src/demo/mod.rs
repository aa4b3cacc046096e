//! `lbctl demo`: not yet available.

use crate::cli::{DemoArgs, GlobalOpts};
use crate::exit::{ExitCode, Failure};

/// Run `lbctl demo`.
pub fn run(_args: DemoArgs, _global: &GlobalOpts) -> anyhow::Result<ExitCode> {
    Err(Failure::usage(
        "'lbctl demo' is not yet available in this build (see the README for what is)",
    ))
}
