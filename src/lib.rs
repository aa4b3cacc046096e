//! lbctl: load-balancing utilities. The binary is a thin shell over this library so that
//! tests, benches and fuzz targets reach the cores directly.
//!
//! The map of the house, one line per room. Data flows one way, spec -> core -> subcommand ->
//! output; each folder's `mod.rs` says what its room may import, and
//! `tests/integration/house.rs` checks that no file is in an import cycle.
//!
//! Around the cores:
//! - [`cli`]: the clap tree, one Args struct per subcommand; every flag documented where defined.
//! - [`exit`]: the exit codes and the error type, the one place a failure becomes a number.
//! - [`generate`]: completions and man pages from the clap tree (`lbctl generate`, hidden).
//!
//! Cores (no CLI, no printing; plain types in, plain types out):
//! - [`spec`]: what users type (backend specs, durations, rates, sizes), parsed once.
//! - [`balance`]: every balancing algorithm, pure and synchronous; consistent hashes in
//!   [`balance::hash`].
//! - [`check`]: health checks (tcp, http/h2, tls) and the rise/fall state machine.
//! - [`stats`]: HdrHistogram latency recording, percentiles, merging.
//! - [`http1`]: HTTP/1.1 wire facts shared by load's client and the proxy's fast path.
//! - [`tls`]: rustls client and server configs, in one place.
//! - [`grpc`]: gRPC status codes and headers, message framing, the grpc.health.v1 and
//!   lbctl.test.v1.Echo messages (prost), a unary client call (proxy, check and serve share them).
//! - [`shutdown`]: signals, and waiting for in-flight work to drain.
//! - [`output`]: tables, JSON, progress bars, the colour policy.
//!
//! Subcommands (wire the cores to the CLI and to output):
//! - [`serve`]: test backends with injected faults.
//! - [`ring`]: the consistent-hash inspector.
//! - [`probe`]: health-check targets once or continuously.
//! - [`load`]: the HTTP load generator.
//! - [`proxy`]: the HTTP and TCP reverse proxy, in rooms: `plan`, `core`, `http` (`fast`,
//!   `hyper`), `tcp`, `ops` (see its page).
//! - [`demo`]: the newcomer's tour, running the others.
//! - [`sim`]: discrete-event simulation of the proxy's balancing, with the real algorithms.

pub mod balance;
pub mod check;
pub mod cli;
pub mod demo;
pub mod dns;
pub mod exit;
pub mod generate;
pub mod grpc;
pub mod http1;
pub mod load;
pub mod output;
pub mod probe;
pub mod proxy;
pub mod ring;
pub mod serve;
pub mod shutdown;
pub mod sim;
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
        Command::Sim(args) => sim::run(args, &global),
        Command::Generate(args) => generate::run(args),
    }
}
