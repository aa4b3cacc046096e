//! `lbctl serve` arguments.

use clap::{Args, ValueEnum};

/// Start real HTTP/1.1 + h2c (or TCP echo) test backends on loopback.
///
/// Prints one line per backend, `NAME http://127.0.0.1:PORT`, once every backend is listening,
/// then serves until SIGINT/SIGTERM. Every backend answers any path with 200, a small body
/// naming itself and an `X-Backend: NAME` header, and offers:
///
///   GET  /health               200, or 503 after POST /admin/down (POST /admin/up restores)
///   GET  /echo                 the request (method, path, headers, client address) as JSON
///   POST /admin/stall?for=1s   hold every request arriving in the next second until it ends
///
/// Faults (--latency, --fail-rate, --reset-rate) apply to every request except /admin/*;
/// /health gets the latency but never an injected failure or reset, so that health checks
/// measure the backend's state, not its dice.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  lbctl serve --count 3
  lbctl serve --count 3 --latency 5ms..50ms --backend-opts b2:latency=200ms,fail-rate=0.1
  lbctl serve --listen 127.0.0.1:9001 --listen 127.0.0.1:9002 --output json
  lbctl serve --tcp --count 2")]
pub struct ServeArgs {
    /// Number of backends to start (ignored when --listen is given).
    #[arg(short = 'n', long, default_value_t = 1, value_name = "N")]
    pub count: u16,

    /// First port; backend i listens on PORT+i. 0 picks a free port for each backend.
    #[arg(short, long, default_value_t = 0, value_name = "PORT")]
    pub port: u16,

    /// Address to bind with --count/--port.
    #[arg(long, default_value = "127.0.0.1", value_name = "IP")]
    pub host: std::net::IpAddr,

    /// Explicit listen address, one backend each (repeatable); overrides --count/--port.
    #[arg(short, long, value_name = "ADDR")]
    pub listen: Vec<std::net::SocketAddr>,

    /// Name prefix: backends are called PREFIX1, PREFIX2, ...
    #[arg(long, default_value = "b", value_name = "PREFIX")]
    pub name_prefix: String,

    /// Added latency per request: a duration (20ms) or a uniform range (5ms..50ms).
    #[arg(long, value_name = "DURATION[..DURATION]", value_parser = crate::spec::parse_duration_range)]
    pub latency: Option<crate::spec::DurationRange>,

    /// Fraction of requests answered with 503 (0.0 to 1.0).
    #[arg(long, default_value_t = 0.0, value_name = "FRACTION", value_parser = parse_fraction)]
    pub fail_rate: f64,

    /// Fraction of requests whose connection is reset (TCP RST) instead of answered.
    #[arg(long, default_value_t = 0.0, value_name = "FRACTION", value_parser = parse_fraction)]
    pub reset_rate: f64,

    /// Size of the normal response body (512, 1KiB, 2MiB); default a short line naming the backend.
    #[arg(long, value_name = "SIZE", value_parser = crate::spec::parse_size)]
    pub body_size: Option<u64>,

    /// Per-backend overrides, NAME:key=value[,key=value...] with keys latency, fail-rate,
    /// reset-rate, body-size, not-serving (true/false, gRPC only) (repeatable).
    /// Example: b2:latency=200ms,fail-rate=0.1
    #[arg(long, value_name = "NAME:K=V,...")]
    pub backend_opts: Vec<String>,

    /// TCP echo servers instead of HTTP (for L4 proxy tests): everything read is written back;
    /// a client's half-close is answered by closing the write side after the echo.
    #[arg(long, conflicts_with = "grpc")]
    pub tcp: bool,

    /// gRPC backends on h2c (HTTP/2 prior knowledge): grpc.health.v1 Health (Check, Watch) and
    /// lbctl.test.v1.Echo (Say names the backend; Stream sends `count` replies); .proto files in
    /// proto/. --latency delays each call, --fail-rate answers UNAVAILABLE (14), --reset-rate
    /// resets the stream; a grpc-timeout shorter than the latency gets DEADLINE_EXCEEDED (4).
    /// POST /admin/down and /admin/up (HTTP/2) flip the health status.
    #[arg(long)]
    pub grpc: bool,

    /// With --grpc: the health service starts NOT_SERVING (for "" and lbctl.test.v1.Echo);
    /// per backend: --backend-opts b2:not-serving=true.
    #[arg(long, requires = "grpc")]
    pub grpc_not_serving: bool,

    /// Worker threads (default: one per CPU core).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,

    /// Output format of the startup lines.
    #[arg(short, long, value_enum, default_value_t = ServeOutput::Table)]
    pub output: ServeOutput,
}

/// `lbctl serve --output` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ServeOutput {
    /// `NAME URL` per backend.
    Table,
    /// One JSON object per backend per line: {"name","url","address","protocol"}
    /// (protocol: http, tcp or grpc).
    Json,
}

fn parse_fraction(s: &str) -> Result<f64, String> {
    crate::serve::parse_fraction(s).map_err(|e| e.to_string())
}
