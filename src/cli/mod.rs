//! The clap tree: the top-level command, the flags every subcommand shares, and one Args
//! struct per subcommand (each in its own file, next to this one).
//!
//! Flags carry their own documentation: what `--help`, the man pages and the completions say
//! is written here and nowhere else.
//!
//! May import: the types and value parsers its flags name (`spec`, `balance`, and the option
//! modules of `load`, `probe` and `serve`). Subcommands read their Args from here.

use clap::{Args, Parser, Subcommand, ValueEnum};

mod demo;
mod load;
mod probe;
mod probe_exporter;
mod proxy;
mod proxy_ctl;
mod ring;
mod serve;
mod sim;

pub use demo::{DemoArgs, DemoOutput};
pub use load::{LoadArgs, LoadCommand, LoadOutput, MergeArgs, ReportArgs, RunArgs, TargetsFormat};
pub use probe::ProbeArgs;
pub use probe_exporter::ExporterArgs;
pub use proxy::{AccessLog, Algorithm, ProxyArgs, ProxyMode, SendProxy, SniFallback};
pub use proxy_ctl::{
    CtlAction, CtlArgs, CtlCache, ExplainArgs, GrafanaArgs, ProxyCommand, ProxyOutput,
};
pub use ring::{
    AlgoArgs, ChangeArgs, CompareArgs, DiffArgs, KeyArgs, LookupArgs, LookupOutput, ReportOutput,
    RingArgs, RingCommand, ServerArgs, ShowArgs, StatsArgs, TuneArgs, TuningArgs,
};
pub use serve::{ServeArgs, ServeOutput};
pub use sim::{SimArgs, SimArrivals, SimOutput};

const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success: everything asked for worked and every check passed
  1  a check, SLO or comparison failed (the run itself worked)
  2  usage error or bad input (flags, specs, files); nothing was run
  3  runtime failure (could not bind, connect, read or write)
  4  load: the generator could not keep its schedule; results are invalid

Backend spec (shared by every subcommand):
  [NAME=]HOST:PORT[,weight=N][,backup][,maxconn=N]
  e.g. a=127.0.0.1:9001,weight=3   [::1]:8080,backup   db1=10.0.0.5:5432,maxconn=100
  NAME defaults to HOST:PORT; weight defaults to 1 (0 = drained); IPv6 in brackets.";

/// lbctl: load-balancing utilities for SREs and backend developers.
///
/// Probe backends, inspect consistent-hash rings, run an ad-hoc reverse proxy, load-test with
/// honest percentiles, and start real test backends on loopback.
#[derive(Debug, Parser)]
#[command(name = "lbctl", version, propagate_version = true, after_help = EXIT_CODES_HELP)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalOpts,

    #[command(subcommand)]
    pub command: Command,
}

/// Flags accepted by every subcommand.
#[derive(Debug, Clone, Args)]
pub struct GlobalOpts {
    /// Print only results: no progress bars, no informational messages on stderr.
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// More detail on stderr (repeat for more).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// When to use colour: auto (a terminal, and NO_COLOR unset), always or never.
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,
}

impl Default for GlobalOpts {
    fn default() -> Self {
        GlobalOpts {
            quiet: false,
            verbose: 0,
            color: ColorWhen::Auto,
        }
    }
}

/// `--color` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Health-check TCP/HTTP/TLS/gRPC/DNS targets once, in a watch loop, or until healthy.
    Probe(ProbeArgs),
    /// Inspect consistent-hash rings: lookups, balance, what moves when servers change.
    Ring(RingArgs),
    /// Run an L7 HTTP / L4 TCP load-balancing reverse proxy.
    Proxy(Box<ProxyArgs>),
    /// Load-test an HTTP endpoint with coordinated-omission-correct percentiles.
    Load(LoadArgs),
    /// Start real test backends on loopback, with injectable latency and faults.
    Serve(ServeArgs),
    /// Run backends, a proxy, load and probes together: a tour in one command.
    Demo(DemoArgs),
    /// Simulate balancing algorithms side by side: latency, shares, queues, recovery.
    Sim(SimArgs),
    /// Write shell completions and man pages (used to refresh completions/ and man/).
    #[command(hide = true)]
    Generate(GenerateArgs),
}

/// `lbctl generate`: regenerate completions/ and man/.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Directory that receives completions/ and man/ (the repository root to refresh them).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out_dir: std::path::PathBuf,
}

/// Arguments for a subcommand whose issue has not landed yet: everything is accepted so that
/// the user gets the honest "not yet available" message, not a parse error.
#[derive(Debug, Args)]
pub struct NotYetArgs {
    #[arg(hide = true, trailing_var_arg = true, allow_hyphen_values = true)]
    pub rest: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_tree_is_consistent() {
        Cli::command().debug_assert();
    }
}
