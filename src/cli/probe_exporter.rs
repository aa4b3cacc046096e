//! `lbctl probe --exporter`: the flags of exporter mode (a blackbox_exporter-compatible HTTP
//! server), a flag group of `probe` kept in its own file.

use crate::spec::parse_duration;
use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Exporter mode.
#[derive(Debug, Args)]
#[command(next_help_heading = "Exporter mode")]
pub struct ExporterArgs {
    /// Run as a blackbox_exporter-compatible server on ADDR: GET
    /// /probe?target=T&module=M[&debug=true][&hostname=H] probes T with module M and answers
    /// its metrics (probe_success, probe_duration_seconds, probe_http_*, probe_dns_*,
    /// probe_grpc_*, probe_ssl_*, probe_tls_*); /metrics is the exporter's own; / lists the
    /// modules. --concurrency bounds probes in flight, --timeout is a module's default
    /// timeout. POST /-/reload or SIGHUP rereads --modules. Stops on SIGINT/SIGTERM.
    #[arg(long, value_name = "ADDR", conflicts_with_all = ["targets", "targets_file", "watch", "until"])]
    pub exporter: Option<SocketAddr>,

    /// Exporter modules from a TOML file ([modules.NAME] tables: prober = "http" | "tcp" |
    /// "dns" | "grpc" | "icmp", timeout, method, headers, body, valid_status_codes, expect =
    /// [conditions], tls options, query_name/query_type...; see the README). They add to, or
    /// replace, the built-in http_2xx, http_post_2xx, tcp_connect, dns, grpc, grpc_tls, icmp.
    /// Reread on POST /-/reload and SIGHUP; a bad file then keeps the modules in use.
    #[arg(long, value_name = "FILE", requires = "exporter")]
    pub modules: Option<PathBuf>,

    /// Subtracted from Prometheus' X-Prometheus-Scrape-Timeout-Seconds to get a probe's time
    /// budget (blackbox's --timeout-offset), so the answer arrives before the scrape times out.
    #[arg(long, default_value = "500ms", value_parser = parse_duration, value_name = "DURATION", requires = "exporter")]
    pub timeout_offset: Duration,
}
