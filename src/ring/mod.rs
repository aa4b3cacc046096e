//! `lbctl ring`: the consistent-hash inspector. Wires `balance::hash` to the CLI: loads the
//! server list (`--server`, `--servers-file`, `--servers N`), applies a change (`--add`,
//! `--remove`, `--reweight`, `--to-servers-file`), reads keys (`keys.rs`) and hands off to one
//! subcommand module each. The server list and the algorithm built over it are in
//! [`servers`], the metrics every report shares (balance, ideal churn, exact hash-space shares)
//! in [`metrics`], so `stats`, `diff` and `compare` compute them one way.
//!
//! May import: `balance`, `spec`, `output`, `cli`, `exit`. This file only dispatches; the
//! subcommand files import `servers`, `metrics` and `keys`, never this file.

mod compare;
mod diff;
pub mod keys;
mod lookup;
pub mod metrics;
pub mod servers;
mod show;
mod stats;
mod tune;
mod weighted;

use crate::cli::{GlobalOpts, RingArgs, RingCommand};
use crate::exit::ExitCode;

/// Run `lbctl ring`.
pub fn run(args: RingArgs, global: &GlobalOpts) -> anyhow::Result<ExitCode> {
    match args.command {
        RingCommand::Lookup(a) => lookup::run(a, global),
        RingCommand::Stats(a) => stats::run(a, global),
        RingCommand::Diff(a) => diff::run(a, global),
        RingCommand::Compare(a) => compare::run(a, global),
        RingCommand::Show(a) => show::run(a, global),
        RingCommand::Tune(a) => tune::run(a, global),
    }
}
