//! `lbctl proxy`: not yet available.

use crate::cli::{GlobalOpts, ProxyArgs};
use crate::exit::{ExitCode, Failure};

/// Run `lbctl proxy`.
pub fn run(_args: ProxyArgs, _global: &GlobalOpts) -> anyhow::Result<ExitCode> {
    Err(Failure::usage(
        "'lbctl proxy' is not yet available in this build (see the README for what is)",
    ))
}

pub mod proxy_protocol;
pub mod sni;
pub mod tcp_pipe;
