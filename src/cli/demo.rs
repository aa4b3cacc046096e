//! `lbctl demo` arguments.

use clap::{Args, ValueEnum};

/// A tour of load balancing in about thirty seconds, with nothing else installed.
///
/// Starts three `lbctl serve` backends on free loopback ports (b2 four times slower than the
/// others, b3 failing 2% of requests), probes them, puts `lbctl proxy` in front and runs
/// `lbctl load` through it once per algorithm (round-robin, then ewma), prints each run's
/// per-backend split and latency percentiles and how the tail changed, and ends with a ring
/// example: what moves when one of three servers is removed, for modulo, ketama and maglev.
/// Every number is measured in this run; every command it runs is printed so you can run it
/// yourself. Everything it starts is stopped when it ends or on Ctrl-C.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  lbctl demo
  lbctl demo --duration 10s --compare round-robin,p2c
  lbctl demo --output json | jq '.comparison'")]
pub struct DemoArgs {
    /// Length of each load run.
    #[arg(short, long, default_value = "6s", value_name = "DURATION", value_parser = crate::spec::parse_duration)]
    pub duration: std::time::Duration,

    /// The two proxy algorithms to compare, FIRST,SECOND.
    #[arg(long, default_value = "round-robin,ewma", value_name = "A,B")]
    pub compare: String,

    /// Concurrent connections of each load run.
    #[arg(short, long, default_value_t = 16, value_name = "N")]
    pub connections: u32,

    /// Output format: a readable report, or one JSON document with every measured result.
    #[arg(short, long, value_enum, default_value_t = DemoOutput::Table)]
    pub output: DemoOutput,
}

/// `lbctl demo --output` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DemoOutput {
    Table,
    Json,
}
