//! `lbctl proxy` subcommands' arguments: `explain`, `ctl` (the runtime API's client) and
//! `grafana`, and the output formats they share with the proxy; its flags are in proxy.rs.

use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;

/// `lbctl proxy` subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum ProxyCommand {
    /// Print the routing decision for a request without starting: matched rule, pool, hash
    /// key and point, candidates, and why others were skipped.
    Explain(ExplainArgs),
    /// Drive a running proxy through its runtime API (--admin): show backends, drain, ready,
    /// maint, weight, add or remove a backend, without a reload.
    Ctl(CtlArgs),
    /// Print a Grafana dashboard (JSON) over the admin listener's /metrics: request rate,
    /// errors, latency percentiles, in-flight, health, retries, ejections, weights, cache.
    Grafana(GrafanaArgs),
}

/// `lbctl proxy grafana` arguments (none: it prints the dashboard).
#[derive(Debug, Clone, Args)]
#[command(after_help = "Examples:
  lbctl proxy grafana > lbctl-proxy.json
  (then in Grafana: Dashboards > New > Import, upload lbctl-proxy.json; it uses your default
  Prometheus data source, changeable in the dashboard's \"Data source\" variable)

Prometheus scrapes the proxy's admin listener: lbctl proxy --admin 127.0.0.1:9901 ... and
a scrape job for 127.0.0.1:9901 (path /metrics).")]
pub struct GrafanaArgs {}

/// `lbctl proxy ctl` arguments.
#[derive(Debug, Clone, Args)]
#[command(after_help = "Examples:
  lbctl proxy ctl --admin 127.0.0.1:9901 show
  lbctl proxy ctl --admin 127.0.0.1:9901 drain b1
  lbctl proxy ctl --admin 127.0.0.1:9901 weight api/b2 3
  lbctl proxy ctl --admin 10.0.0.5:9901 --token-file /etc/lbctl/token add default b3=10.0.0.7:8080,weight=2
  lbctl proxy ctl --admin 127.0.0.1:9901 --output json remove default b3

Exit codes: 0 done; 2 refused (bad arguments, unknown pool or backend, bad state, weight or
spec, wrong or missing token); 3 the admin listener could not be reached or failed.")]
pub struct CtlArgs {
    /// The proxy's admin listener, HOST:PORT (as printed on its `admin http://...` line).
    #[arg(long, value_name = "ADDR")]
    pub admin: String,

    /// The proxy's --admin-token, sent as `Authorization: Bearer TOKEN` on writes.
    #[arg(long, value_name = "TOKEN", conflicts_with = "token_file")]
    pub token: Option<String>,

    /// File holding the token (surrounding whitespace ignored).
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,

    /// Human table and lines (text) or the API's JSON documents (json).
    #[arg(short, long, value_enum, default_value_t = ProxyOutput::Text)]
    pub output: ProxyOutput,

    #[command(subcommand)]
    pub action: CtlAction,
}

/// `lbctl proxy ctl cache ...`.
#[derive(Debug, Clone, Subcommand)]
pub enum CtlCache {
    /// Remove the entries whose path (and query) starts with PREFIX (`/` removes them all);
    /// prints how many went.
    Purge {
        /// A path prefix, e.g. /static/.
        prefix: String,
        /// Only entries of this host (as the Host header gave it).
        #[arg(long, value_name = "HOST")]
        host: Option<String>,
        /// PREFIX is a whole path and query: only that URL.
        #[arg(long)]
        exact: bool,
    },
}

/// What `lbctl proxy ctl` does. BACKEND is NAME when only one pool has it, else POOL/NAME.
#[derive(Debug, Clone, Subcommand)]
pub enum CtlAction {
    /// Every backend: pool, admin state, health, weights, in flight, requests.
    Show,
    /// The response cache (`--cache`).
    #[command(subcommand)]
    Cache(CtlCache),
    /// No new requests (sticky clients move too); in-flight ones finish.
    Drain {
        /// NAME or POOL/NAME.
        backend: String,
    },
    /// Back to taking traffic (from drain or maint).
    Ready {
        /// NAME or POOL/NAME.
        backend: String,
    },
    /// Maintenance: no traffic at all; health checks do not bring it back.
    Maint {
        /// NAME or POOL/NAME.
        backend: String,
    },
    /// Set the live weight (0 drains; 0-1000000).
    Weight {
        /// NAME or POOL/NAME.
        backend: String,
        /// The new weight.
        weight: u32,
    },
    /// Add a backend to a pool: SPEC as --backend takes, e.g. b3=127.0.0.1:9003,weight=2.
    Add {
        /// The pool (`default` for --backend's).
        pool: String,
        /// [NAME=]HOST:PORT[,weight=N][,backup][,maxconn=N][,slowstart=D][,tls]...
        spec: String,
    },
    /// Remove a backend from a pool; what it serves finishes.
    Remove {
        /// The pool.
        pool: String,
        /// The backend's name.
        backend: String,
    },
}

/// `lbctl proxy explain` arguments.
#[derive(Debug, Clone, Args)]
#[command(after_help = "Examples:
  lbctl proxy --config lbctl.toml explain 'GET /api/x Host:api.example.test Cookie:sid=1'
  lbctl proxy --backend a=127.0.0.1:9001 --backend b=127.0.0.1:9002 --algorithm hash \\
      --hash-key header:X-User explain 'GET / X-User:alice'")]
pub struct ExplainArgs {
    /// The request: 'METHOD PATH [Header:value ...]' (words split on spaces); on a TCP
    /// listener the connection: 'TLS NAME' (SNI) or 'TCP'.
    #[arg(value_name = "REQUEST")]
    pub request: String,

    /// Client address the request comes from (for ip-hash, --hash-key ip and the ACL).
    #[arg(long, value_name = "IP", default_value = "127.0.0.1")]
    pub client: std::net::IpAddr,

    /// Which listener's routes to use (0-based, in file order).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub listener: usize,
}

/// `lbctl proxy --output` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProxyOutput {
    /// `proxy http://ADDR` and `admin http://ADDR`.
    Text,
    /// One JSON object per listener: {"role","url","address"}.
    Json,
}
