//! lbctl: load-balancing utilities. The binary is a thin shell over this library so that
//! tests, benches and fuzz targets reach the cores directly.
//!
//! Cores (no CLI, no printing): [`spec`], [`balance`], [`check`], [`stats`], [`output`],
//! [`http1`].
//! Subcommands (wire cores to the CLI): [`serve`], [`ring`], [`probe`], [`load`], [`proxy`], [`demo`].

pub mod balance;
pub mod check;
pub mod cli;
pub mod demo;
pub mod exit;
pub mod generate;
pub mod http1;
pub mod load;
pub mod output;
pub mod probe;
pub mod proxy;
pub mod ring;
pub mod serve;
pub mod shutdown;
pub mod spec;
pub mod stats;
pub mod tls;

use cli::{Cli, Command};
use exit::ExitCode;

/// Run one parsed command line. `main` only maps the result to a process exit status.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let global = cli.global;
    match cli.command {
        Command::Probe(args) => probe::run(args, &global),
        Command::Ring(args) => ring::run(args, &global),
        Command::Proxy(args) => proxy::run(args, &global),
        Command::Load(args) => load::run(args, &global),
        Command::Serve(args) => serve::run(args, &global),
        Command::Demo(args) => demo::run(args, &global),
        Command::Generate(args) => generate::run(args),
    }
}
