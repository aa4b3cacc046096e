//! `lbctl sim` arguments: the scenario (backends, service times, events, arrivals), the proxy
//! side (algorithms to compare, retries, passive health, slow start) and the outputs.

use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;

const SIM_HELP: &str = "\
Service times (--service, and service= in --backend):
  fixed 10ms | uniform 5ms..15ms | lognormal MEDIAN,P99 (lognormal 5ms,40ms) | exp MEAN (exp 10ms)
  | hdr FILE (the service-time histogram of `lbctl load --output json`)

Backends are named b1..bN. Override one with --backend NAME:key=value,... (keys: service,
weight, concurrency, fail, reset, slowstart). Events: --at TIME:NAME:ACTION with ACTION down,
up, latency*FACTOR (latency*1 restores), fail=RATIO or weight=N.

The model: requests arrive (Poisson by default) and the proxy picks a backend with the same
code as `lbctl proxy --algorithm` (balance/). A backend serves up to its concurrency at once
and queues the rest (FIFO). A reset or a refused connection (a backend that is down) is a
passive failure (nginx max_fails/fail_timeout) and is retried on another backend while
--retries allows, as the proxy does for idempotent requests; a 5xx is passed to the client
unless --fail-on-5xx makes it a failure too (the proxy's --fail-on). When every
backend is passively failed the proxy balances over them anyway (panic mode). Down backends
are found only by passive health (no active checks); requests queued on a backend when it goes
down are reset at once, those in service at the end of their service time.

The closed model (-c N, or --stage DURATION:N[..N]) is `lbctl load -c N`'s: N clients each
keep one request outstanding and send the next when it is answered (or fails), after --think
if given; a request that failed at once (nothing could take it) is followed 1 ms later, so a
dead pool does not spin the virtual clock. The throughput is an outcome (the req/s column).

Time to recover after an event: the baseline is the median per-second p99 over the 10 s before
it; recovered at the first second from which 3 consecutive seconds have a p99 at most 1.1x the
baseline and an error ratio at most the baseline's + 0.1%. \"-\" means not recovered by the end.

Examples:
  lbctl sim --backends 10 --service 'lognormal 5ms,40ms' --rate 2000/s -a rr,least-conn,ewma
  lbctl sim --backends 3 --service 'uniform 20ms..60ms' --backend 'b2:service=uniform 80ms..240ms'
  lbctl sim --backends 20 --duration 120s --at 30s:b3:latency*10 --at 60s:b3:latency*1 --html sim.html
  lbctl sim --backends 5 -a ketama,maglev,bounded --keys zipf:1.1 --at 20s:b2:down --at 40s:b2:up
  lbctl sim --backends 3 -c 16 --service 'fixed 5ms' --backend 'b2:service=fixed 20ms' -a rr,ewma
  lbctl sim --backends 10 --stage 30s:10..200 --stage 30s:200 -a least-conn,p2c
  lbctl sim --backends 1000 --requests 10000000 -a round-robin --quiet";

/// Simulate the proxy's balancing: which algorithm, how many backends, what happens when one
/// slows down or fails. Discrete-event, seeded, far faster than real time.
#[derive(Debug, Args)]
#[command(after_help = SIM_HELP)]
pub struct SimArgs {
    /// Algorithms to compare, comma separated; each run sees the same arrivals: round-robin
    /// (rr), weighted, least-conn, weighted-least-conn, random, p2c, ewma, ip-hash, or a hash
    /// (ketama, nginx, ring, jump, rendezvous, maglev, bounded, modulo; keys from --keys).
    #[arg(
        short,
        long,
        value_name = "LIST",
        value_delimiter = ',',
        default_value = "round-robin,least-conn,p2c,ewma"
    )]
    pub algorithm: Vec<String>,

    /// Number of backends (named b1..bN).
    #[arg(short, long, value_name = "N", default_value_t = 10)]
    pub backends: usize,

    /// Service-time distribution of every backend (see below).
    #[arg(
        short,
        long,
        value_name = "DIST",
        default_value = "lognormal 10ms,50ms"
    )]
    pub service: String,

    /// Requests a backend serves at once; the rest wait in its FIFO queue. Default: unlimited.
    #[arg(long, value_name = "N")]
    pub concurrency: Option<u32>,

    /// Ratio of requests every backend answers with a 5xx (after its service time).
    #[arg(long, value_name = "RATIO", default_value_t = 0.0)]
    pub fail: f64,

    /// Ratio of requests whose connection every backend resets (after its service time).
    #[arg(long, value_name = "RATIO", default_value_t = 0.0)]
    pub reset: f64,

    /// Per-backend override, NAME:key=value[,key=value...] (repeatable):
    /// b3:service=fixed 50ms,weight=2,concurrency=8,fail=0.01,reset=0.001,slowstart=10s
    #[arg(long = "backend", value_name = "OVERRIDE")]
    pub overrides: Vec<String>,

    /// An event in time, TIME:NAME:ACTION (repeatable): 30s:b3:latency*10, 60s:b2:down, 90s:b2:up.
    #[arg(long, value_name = "EVENT")]
    pub at: Vec<String>,

    /// Arrival rate (open model; the default model, at 1000/s when neither --rate nor -c).
    #[arg(short, long, value_name = "RATE", value_parser = crate::spec::parse_rate)]
    pub rate: Option<crate::spec::Rate>,

    /// Closed model (like `lbctl load -c`): N clients, each sending its next request as soon
    /// as its previous one is answered (after --think). Excludes --rate and rate stages.
    #[arg(short = 'c', long, value_name = "N")]
    pub connections: Option<u64>,

    /// Closed model: each client waits this long between an answer and its next request.
    #[arg(long, value_name = "DURATION", value_parser = crate::spec::parse_duration)]
    pub think: Option<Duration>,

    /// Time the path adds to every request outside the backends (client, loopback, proxy):
    /// added to client latency, and in the closed model waited by the client too. The
    /// balancer does not see it. `lbctl demo` measures it and passes it.
    #[arg(long, value_name = "DURATION", default_value = "0", value_parser = crate::spec::parse_duration)]
    pub overhead: Duration,

    /// Arrival process of the open model [default: poisson].
    #[arg(long, value_enum, value_name = "KIND")]
    pub arrivals: Option<SimArrivals>,

    /// A stage, repeatable, like load's: DURATION:RATE[..RATE] ramps the open model's rate
    /// (30s:100/s..2000/s), DURATION:N[..N] the closed model's clients (1m:10..200). The stages
    /// replace --rate, -c and --duration.
    #[arg(long, value_name = "STAGE")]
    pub stage: Vec<String>,

    /// Stop arriving after this many requests.
    #[arg(short = 'n', long, value_name = "N")]
    pub requests: Option<u64>,

    /// Stop arriving after this much virtual time (default 60s unless --requests is given).
    #[arg(short, long, value_name = "DURATION", value_parser = crate::spec::parse_duration)]
    pub duration: Option<Duration>,

    /// Retries on another backend after a 5xx, a reset or a refused connection (at most 7).
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub retries: u32,

    /// Treat a 5xx as a failure: passive health counts it and it is retried (the proxy's
    /// --fail-on 500,502,503,504). Without it a 5xx goes to the client, as the proxy's default.
    #[arg(long)]
    pub fail_on_5xx: bool,

    /// Passive health: failures within --fail-timeout that mark a backend failed (0: off).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub max_fails: u32,

    /// Passive health window and penalty (nginx fail_timeout).
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = crate::spec::parse_duration)]
    pub fail_timeout: Duration,

    /// Slow start for every backend: after coming back, its weight ramps from 10% over this.
    #[arg(long, value_name = "DURATION", value_parser = crate::spec::parse_duration)]
    pub slowstart: Option<Duration>,

    /// Key distribution for hash algorithms and ip-hash: uniform or zipf:S, with /COUNT keys
    /// (default 10000): zipf:1.1/50000.
    #[arg(long, value_name = "DIST", default_value = "uniform")]
    pub keys: String,

    /// Seed of every random draw: the same seed gives the same run.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub seed: u64,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = SimOutput::Table)]
    pub output: SimOutput,

    /// Also write a self-contained HTML report (inline SVG, no network) to this file.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
}

/// `lbctl sim --arrivals` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SimArrivals {
    /// Exponential gaps (a Poisson process): what many independent clients look like.
    Poisson,
    /// Evenly spaced (wrk2's i / rate).
    Constant,
}

/// `lbctl sim --output` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SimOutput {
    Table,
    Json,
}
