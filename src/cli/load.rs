//! `lbctl load` arguments: the load run itself (`lbctl load URL ...`) and `lbctl load merge`,
//! which combines the JSON results of several runs losslessly.

use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;

const LOAD_EXAMPLES: &str = "\
Examples:
  lbctl load http://127.0.0.1:8080/ -c 64 -d 30s
  lbctl load http://127.0.0.1:8080/ --rate 2000/s -d 1m --warmup 5s
  lbctl load http://127.0.0.1:8080/ --rate 500/s -c 10 --max-connections 200 -d 30s
  lbctl load http://lb:80/ --rate 500/s -d 30s --group-by X-Backend --slo 'p99<250ms' --slo 'errors<0.1%'
  lbctl load https://127.0.0.1:8443/api -m POST -H 'Content-Type: application/json' --body '{\"a\":1}' --cacert ca.pem
  lbctl load h2c://127.0.0.1:8080/ --http2 -n 100000 --output json > run.json
  lbctl load --urls-file urls.txt -c 32 -d 20s --percentiles 50,95,99.5 --hdr-log run.hlog
  lbctl load --targets targets.http -H 'Authorization: Bearer T' -c 16 -n 30000
  lbctl load merge shard-0.json shard-1.json --slo 'p99<250ms'
  lbctl load http://127.0.0.1:8080/ --stage 30s:100/s --stage 2m:100/s..2000/s --stage 30s:0/s
  lbctl load http://127.0.0.1:8080/ --stage 1m:10..200 --stage 1m:200
  lbctl load http://lb:80/ --rate 500/s -d 5m --slo 'p99<250ms' --abort-on-slo --abort-grace 30s
  lbctl load http://lb:80/ --rate 9000/s -d 5m --shard 0/3 --start-at 2026-12-01T10:00:00Z -o json
  lbctl load merge shard-*.json --expect 3
  lbctl load http://lb:80/ --rate 1000/s -d 24h --per-second-max 1440 -o json > soak.json

Models:
  closed (default)  -c connections each send a request as soon as the previous one answered
  open (--rate)     requests follow a fixed plan; latency counts from the planned send time
                    (coordinated-omission correct) and the service time is reported beside it;
                    exit 4 when the generator could not keep the plan; with
                    --max-connections N the pool grows from -c up to N when every
                    connection is busy at a due time, so a slow server still gets the rate

SLO grammar (--slo, repeatable, any failure exits 1):
  METRIC OP VALUE with OP one of < <= > >=
  latency: p50 p90 p99 p99.9 ... (any pNN), min, mean, max     e.g. p99<250ms  mean<=20ms
  errors:  a share or a count                                 e.g. errors<0.1%  errors<=10
  rate:    rps (completed requests per second)                e.g. rps>=900
  count:   requests                                           e.g. requests>=1000";

/// HTTP load generator with coordinated-omission-correct percentiles.
///
/// Closed model by default (-c connections, -d duration or -n requests); open model with
/// --rate. Latency comes from an HdrHistogram (1 µs to 1 h, 3 significant digits), so memory
/// does not grow with the run. `--output json` prints one `lbctl.load/v1` document with the
/// encoded histograms; `lbctl load merge` combines several of them.
#[derive(Debug, Args)]
#[command(
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    after_help = LOAD_EXAMPLES
)]
pub struct LoadArgs {
    #[command(subcommand)]
    pub command: Option<LoadCommand>,

    /// The run's options (boxed: they are many, and `Command` holds every subcommand inline).
    #[command(flatten)]
    pub run: Box<RunArgs>,
}

/// The options of a load run (`lbctl load URL ...`).
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Target URL (http://, https://; h2c:// means cleartext HTTP/2 with prior knowledge).
    #[arg(value_name = "URL", required_unless_present_any = ["urls_file", "targets"])]
    pub url: Option<String>,

    /// Concurrent connections (each carries one request at a time).
    #[arg(short = 'c', long, default_value_t = 50, value_name = "N")]
    pub connections: usize,

    /// How long to send (after --warmup): 30s, 1m. Default 10s unless -n is given.
    #[arg(short = 'd', long, value_name = "DURATION", value_parser = crate::spec::parse_duration)]
    pub duration: Option<Duration>,

    /// Number of requests to send (after --warmup); with -d, whichever ends first.
    #[arg(short = 'n', long, value_name = "N")]
    pub requests: Option<u64>,

    /// Open model: send at this fixed rate (2000/s, 30000/m, 5/100ms) whatever the responses do.
    #[arg(long, value_name = "RATE", value_parser = crate::spec::parse_rate)]
    pub rate: Option<crate::spec::Rate>,

    /// Open model: when a request is due and all connections are busy, open another one, up
    /// to N in all (default: -c, a fixed pool). Keeps the offered rate while a server slows.
    #[arg(long, value_name = "N")]
    pub max_connections: Option<usize>,

    /// Send traffic for this long first without recording it (warms caches and connections).
    #[arg(long, value_name = "DURATION", value_parser = crate::spec::parse_duration, default_value = "0")]
    pub warmup: Duration,

    /// A stage of a ramping plan, repeatable, run in order (k6's ramping executors):
    /// DURATION:RATE[..RATE] ramps the open model's rate linearly (30s:100/s, 2m:100/s..2000/s,
    /// 30s:0/s pauses), DURATION:N[..N] ramps the closed model's active connections (1m:10..200).
    /// The stages set the run's length (no -d/-n); the report has a row per stage.
    #[arg(long = "stage", value_name = "DURATION:FROM[..TO]", value_parser = crate::spec::stages::parse_stage)]
    pub stages: Vec<crate::spec::stages::Stage>,

    /// Stop as soon as an --slo is certainly violated (an error budget already spent for the
    /// whole plan, a latency percentile already over its bound), checked once a second after
    /// --abort-grace; exit 1, and the report says when and why.
    #[arg(long)]
    pub abort_on_slo: bool,

    /// How long --abort-on-slo waits before it may stop the run.
    #[arg(long, value_name = "DURATION", value_parser = crate::spec::parse_duration, default_value = "10s")]
    pub abort_grace: Duration,

    /// Run shard INDEX of COUNT of this plan: a deterministic 1/COUNT of the rate (every
    /// COUNT-th request of the schedule), of -n, of the connections (at least 1), of the
    /// stages and of a --targets file (target k of the file goes to shard k mod COUNT, weights
    /// kept), so that the shards add up to the plan exactly; merge with `load merge --expect`.
    #[arg(long, value_name = "INDEX/COUNT", value_parser = crate::load::shard::parse_shard, conflicts_with = "shards")]
    pub shard: Option<crate::load::shard::Shard>,

    /// Run one of COUNT shards, its index from JOB_COMPLETION_INDEX (a Kubernetes Indexed Job).
    #[arg(long, value_name = "COUNT")]
    pub shards: Option<u64>,

    /// Wait until this time before starting (RFC 3339 or unix seconds), so that shards on
    /// several machines start together; at most 24 h ahead, at most 10 s in the past.
    #[arg(long, value_name = "TIME", value_parser = crate::load::shard::parse_start_at)]
    pub start_at: Option<std::time::SystemTime>,

    /// Worker threads, each with its own runtime (default: the CPUs this process may use).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,

    /// HTTP method.
    #[arg(short = 'm', long, default_value = "GET", value_name = "METHOD")]
    pub method: String,

    /// Extra request header 'Name: value' (repeatable).
    #[arg(short = 'H', long = "header", value_name = "'K: V'")]
    pub headers: Vec<String>,

    /// Request body.
    #[arg(long, value_name = "STRING", conflicts_with = "body_file")]
    pub body: Option<String>,

    /// Request body read from a file.
    #[arg(long, value_name = "FILE")]
    pub body_file: Option<PathBuf>,

    /// File of target URLs, one per line ('#' comments): requests go round-robin over them.
    #[arg(long, value_name = "FILE", conflicts_with = "url")]
    pub urls_file: Option<PathBuf>,

    /// vegeta-compatible targets file, each target with its own method, headers and body:
    /// 'METHOD URL' + 'Name: value' lines + optional '@body-file', blank lines between
    /// targets, or JSON lines {"method","url","header","body" (base64)}. Optional weight:
    /// '# lbctl-weight: N' or "weight": N. Checked whole before any traffic (a bad line is
    /// exit 2), then streamed round robin (bounded memory); -H adds to every target's headers.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["url", "urls_file", "method", "body", "body_file"])]
    pub targets: Option<PathBuf>,

    /// The --targets format (default: JSON lines when the file's first non-blank character
    /// is '{', else the HTTP format).
    #[arg(long, value_name = "FORMAT", requires = "targets")]
    pub targets_format: Option<TargetsFormat>,

    /// Use HTTP/2: ALPN h2 over TLS (a server that does not agree stops the run, exit 3),
    /// prior knowledge (h2c) over cleartext.
    #[arg(long)]
    pub http2: bool,

    /// HTTP/2 streams in flight per connection (h2load's -m): each of the -c connections
    /// carries up to N requests at once, in both models (the open model still measures
    /// latency from each request's intended send time). Needs --http2 or h2c:// targets.
    #[arg(long, value_name = "N")]
    pub h2_streams: Option<usize>,

    /// A new connection for every request (HTTP/1.1 `Connection: close`).
    #[arg(long)]
    pub no_keepalive: bool,

    /// Accept any TLS certificate (self-signed test servers). Never for real measurements of
    /// a production service you do not own.
    #[arg(long, conflicts_with = "cacert")]
    pub insecure: bool,

    /// Trust the CA certificates in this PEM file instead of the system roots; a server
    /// certificate that is itself in the file is trusted as it is, as curl does (even a CA:TRUE
    /// one from `openssl req -x509`).
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<PathBuf>,

    /// Client certificate chain (PEM, leaf first) shown to servers that ask for one (mutual
    /// TLS, curl's --cert); needs --key.
    #[arg(long, value_name = "FILE", requires = "key")]
    pub cert: Option<PathBuf>,

    /// Private key (PEM: PKCS#8, PKCS#1 or SEC1) of --cert.
    #[arg(long, value_name = "FILE", requires = "cert")]
    pub key: Option<PathBuf>,

    /// Write one line per measured request to FILE, streamed while the run goes on: .csv
    /// (with a header line) or .jsonl. Fields: intended_unix_us (when the plan meant to send
    /// it), sent_unix_us, latency_us (from the intended time), status (0: no response), bytes,
    /// error (the report's category) and group (the --group-by value).
    #[arg(long, value_name = "FILE")]
    pub export: Option<PathBuf>,

    /// Give up on a request after this long (counted as a request timeout).
    #[arg(long, value_name = "DURATION", value_parser = crate::spec::parse_duration, default_value = "10s")]
    pub timeout: Duration,

    /// Give up on a TCP/TLS connect after this long (counted as a connect timeout).
    #[arg(long, value_name = "DURATION", value_parser = crate::spec::parse_duration, default_value = "3s")]
    pub connect_timeout: Duration,

    /// Split counts and latency by the value of this response header (e.g. X-Backend).
    #[arg(long, value_name = "HEADER")]
    pub group_by: Option<String>,

    /// Service-level objective checked at the end, e.g. 'p99<250ms', 'errors<0.1%',
    /// 'rps>=900' (repeatable; any failure exits 1). Grammar below.
    #[arg(long, value_name = "SLO", value_parser = crate::load::slo::parse_slo)]
    pub slo: Vec<crate::load::slo::Slo>,

    /// Percentiles to report, comma-separated (default 50,90,99,99.9,99.99).
    #[arg(long, value_name = "LIST", value_parser = crate::load::slo::parse_percentiles)]
    pub percentiles: Option<crate::load::slo::Percentiles>,

    /// Write an HdrHistogram interval log (one histogram per second) to this file.
    #[arg(long, value_name = "FILE")]
    pub hdr_log: Option<PathBuf>,

    /// Keep at most N per-second entries in the JSON (`per_second`) and in memory: when the
    /// run would exceed N, adjacent entries are merged in pairs (histograms added) and their
    /// length doubles (2 s, 4 s, ...). The default keeps one hour at 1 s (about 5 MB of JSON at
    /// 2,000 req/s with latencies over 1-50 ms); a 24-hour run then has 2,700 entries of 32 s
    /// (about 12 MB, where every second kept would be 120 MB).
    #[arg(long, value_name = "N", default_value_t = crate::load::per_second::DEFAULT_MAX_BUCKETS as u32,
          value_parser = clap::value_parser!(u32).range(2..=86_400))]
    pub per_second_max: u32,

    /// Open model: the run is invalid (exit 4) when the generator's own send lag p99 exceeds
    /// this (the lag excludes waiting for a busy connection, which is the server's doing).
    #[arg(long, value_name = "DURATION", value_parser = crate::spec::parse_duration, default_value = "20ms")]
    pub max_send_lag: Duration,

    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = LoadOutput::Table)]
    pub output: LoadOutput,
}

/// `lbctl load` subcommands.
#[derive(Debug, Subcommand)]
pub enum LoadCommand {
    /// Merge the `--output json` results of several runs (e.g. one per machine) losslessly:
    /// histograms are added, never percentiles averaged; then evaluate --slo on the total.
    #[command(after_help = "Examples:
  lbctl load merge shard-*.json
  lbctl load merge a.json b.json --slo 'p99<250ms' --slo 'rps>=5000' --output json")]
    Merge(MergeArgs),

    /// Draw one self-contained HTML page from `--output json` results: latency over time
    /// (p50/p90/p99/max per second) with request rate and errors, the HdrHistogram percentile
    /// plot, per-group and per-stage bars, SLO lines; several files are overlaid, one colour each.
    #[command(after_help = "Examples:
  lbctl load report run.json -o report.html
  lbctl load report before.json after.json -o compare.html --title 'v1.4 vs v1.5'
  lbctl load report shard-0.json shard-1.json shard-2.json -o shards.html

The page has no script and loads nothing (its Content-Security-Policy forbids it): open it
from a CI artifact or file://. Files need per-second data (lbctl 0.1 load runs from this
version on); a file that is not a load document exits 2, naming it.")]
    Report(ReportArgs),
}

/// Arguments of `lbctl load report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// lbctl.load/v1 JSON files written by `lbctl load --output json` or `load merge` (at
    /// most 8; one colour each).
    #[arg(value_name = "FILE", required = true, num_args = 1..)]
    pub files: Vec<PathBuf>,

    /// The HTML file to write ('-' for stdout).
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: PathBuf,

    /// The page's title.
    #[arg(long, value_name = "TEXT", default_value = "lbctl load report")]
    pub title: String,
}

/// Arguments of `lbctl load merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// lbctl.load/v1 JSON files written by `lbctl load --output json`.
    #[arg(value_name = "FILE", required = true, num_args = 1..)]
    pub files: Vec<PathBuf>,

    /// Expect the shards 0..N-1 of one plan (`load --shard I/N`): exit 1, naming what is wrong,
    /// when a shard is missing or duplicated or the shards' plans disagree.
    #[arg(long, value_name = "N")]
    pub expect: Option<u64>,

    /// Service-level objective evaluated on the merged result (repeatable).
    #[arg(long, value_name = "SLO", value_parser = crate::load::slo::parse_slo)]
    pub slo: Vec<crate::load::slo::Slo>,

    /// Percentiles to report, comma-separated (default 50,90,99,99.9,99.99).
    #[arg(long, value_name = "LIST", value_parser = crate::load::slo::parse_percentiles)]
    pub percentiles: Option<crate::load::slo::Percentiles>,

    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = LoadOutput::Table)]
    pub output: LoadOutput,
}

/// `lbctl load --output` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LoadOutput {
    /// Tables and a terminal histogram.
    Table,
    /// One lbctl.load/v1 JSON document.
    Json,
}

/// The formats of `--targets` (vegeta's two).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TargetsFormat {
    /// METHOD URL, header lines, @body-file; blank lines between targets.
    Http,
    /// One JSON object per line: method, url, header, body (base64).
    Json,
}
