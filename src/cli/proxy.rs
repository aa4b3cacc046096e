//! `lbctl proxy` arguments: the L7 HTTP load-balancing reverse proxy.

use super::proxy_ctl::{ProxyCommand, ProxyOutput};
use crate::balance::hash::HashAlgorithm;
use crate::spec::{BackendSpec, parse_duration, parse_size};
use clap::{Args, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Run an L7 HTTP load-balancing reverse proxy in one line.
///
/// Listens on --listen, balances every request over the --backend list with --algorithm,
/// keeps a bounded keep-alive pool to each backend, retries failed requests on another backend,
/// takes failing backends out (passively, and with --check actively) and drains on
/// SIGINT/SIGTERM. Prints `proxy http://ADDR` (and `admin http://ADDR`) on stdout once
/// listening; logs state changes (and the access log) on stderr. With --mode tcp it is an L4
/// proxy (PROXY protocol, SNI passthrough routing); --tls-cert or --tls-self-signed terminate
/// TLS, and https:// backends are reached over TLS.
#[derive(Debug, Clone, Args)]
#[command(after_help = "Examples:
  lbctl proxy --listen 127.0.0.1:8080 --backend a=127.0.0.1:9001 --backend 127.0.0.1:9002,weight=3
  lbctl proxy --from :8080 --to 127.0.0.1:9001 --to 127.0.0.1:9002 --algorithm p2c
  lbctl proxy --backends-file pool.txt --algorithm least-conn --retries 2 --max-fails 3 --fail-timeout 10s
  lbctl proxy --backend 127.0.0.1:9001 --backend 127.0.0.1:9002,backup --admin 127.0.0.1:9901
  lbctl proxy --backend 127.0.0.1:9001 --sticky cookie:lb --header-up 'X-Env: test' --change-host
  lbctl proxy --backend 127.0.0.1:9001 --allow 127.0.0.0/8 --deny 10.0.0.0/8 --access-log json
  lbctl proxy --mode tcp --listen 127.0.0.1:6000 --backend 127.0.0.1:7001 --backend 127.0.0.1:7002
  lbctl proxy --mode tcp --backend 127.0.0.1:7001 --send-proxy v2 --algorithm least-conn --check tcp
  lbctl proxy --mode tcp --listen :443 --pool 'api=127.0.0.1:8443' --pool 'web=127.0.0.1:9443' \\
      --sni 'api.example.test=api' --sni '*=web'
  lbctl proxy --listen :8443 --tls-cert cert.pem --tls-key key.pem --backend 127.0.0.1:9001
  lbctl proxy --tls-self-signed --backend https://10.0.0.5:443 --upstream-cacert ca.pem
  lbctl proxy --listen 127.0.0.1:50050 --backend 127.0.0.1:50051,h2c --backend 127.0.0.1:50052,h2c \\
      --check grpc --fail-on-grpc UNAVAILABLE")]
#[command(
    args_conflicts_with_subcommands = false,
    subcommand_negates_reqs = true
)]
pub struct ProxyArgs {
    #[command(subcommand)]
    pub command: Option<ProxyCommand>,

    /// Config file (TOML) with several listeners, pools and routing rules (see the README);
    /// replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags
    /// (timeouts, retries, limits, headers, ACL) still apply.
    #[arg(short, long, value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,

    /// Address to listen on (HTTP/1.1 and h2c). Port 0 picks a free port (printed on stdout).
    #[arg(long, visible_alias = "from", value_name = "ADDR", default_value = "127.0.0.1:8080", value_parser = parse_listen)]
    pub listen: SocketAddr,

    // The brackets below are `--help` text (optional parts), not rustdoc links.
    #[allow(rustdoc::broken_intra_doc_links)]
    /// A backend, [NAME=][https://]HOST:PORT[,weight=N][,backup][,maxconn=N][,slowstart=D][,tls][,h2c|,h2|,auto]
    /// (repeatable; https:// or ,tls: the backend speaks TLS). The HTTP version spoken to it:
    /// HTTP/1.1 by default; ,h2c HTTP/2 with prior knowledge (plain TCP); ,h2 HTTP/2 over TLS
    /// (ALPN h2); ,auto TLS with ALPN h2 or http/1.1, the backend's choice. HTTP/2 backends
    /// share a few connections, many requests at once on each (gRPC needs ,h2c or ,h2).
    /// weight=0 drains it; backup ones take traffic only when no primary is healthy;
    /// maxconn=N caps its concurrent requests (the rest wait in a queue, see --queue-timeout);
    /// slowstart=D ramps its weight from 10% to 100% over D after it comes back from a failure.
    #[arg(long, visible_alias = "to", value_name = "SPEC")]
    pub backend: Vec<BackendSpec>,

    /// File with one backend spec per line (`#` comments), added to --backend.
    #[arg(long, value_name = "FILE")]
    pub backends_file: Option<PathBuf>,

    /// Balancing algorithm. Default `weighted` (nginx's smooth weighted round robin): it is
    /// deterministic, honours weights and equals plain round robin when weights are equal,
    /// the same default as nginx and HAProxy.
    #[arg(short, long, value_enum, default_value_t = Algorithm::Weighted)]
    pub algorithm: Algorithm,

    /// Key for --algorithm hash: header:NAME, cookie:NAME, path, query:NAME or ip.
    #[arg(long, value_name = "SOURCE", default_value = "ip")]
    pub hash_key: String,

    /// Hash ring or table for --algorithm hash (from balance::hash; `bounded` also weighs
    /// live in-flight load). Keys of a backend that is out are re-hashed onto others; every
    /// other key stays put.
    #[arg(long, value_name = "ALG", value_enum, default_value_t = HashAlgorithm::Ketama)]
    pub hash_algorithm: HashAlgorithm,

    /// Sticky sessions: cookie:NAME inserts an HttpOnly cookie naming the chosen backend by an
    /// opaque id; later requests carrying it go to that backend while it is healthy.
    #[arg(long, value_name = "cookie:NAME")]
    pub sticky: Option<String>,

    /// Active health check: http:/PATH (2xx/3xx is up), tcp (connect is up), or grpc[:SERVICE]
    /// (grpc.health.v1 Check over h2c, over TLS with ALPN h2 for TLS backends; SERVING is up;
    /// SERVICE defaults to "", the whole server).
    #[arg(long, value_name = "http:/PATH|tcp|grpc[:SERVICE]")]
    pub check: Option<String>,

    /// Time between active checks of a backend (HAProxy `inter`).
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = duration)]
    pub check_interval: Duration,

    /// Consecutive successful checks that bring a down backend up (HAProxy `rise`).
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub rise: u32,

    /// Consecutive failed checks that take an up backend down (HAProxy `fall`).
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub fall: u32,

    /// Timeout of one active check (default: the check interval, as HAProxy's `inter`).
    #[arg(long, value_name = "DURATION", value_parser = duration)]
    pub check_timeout: Option<Duration>,

    /// Passive health: this many failures within --fail-timeout mark a backend failed for
    /// --fail-timeout (nginx `max_fails`; 0 disables passive marking).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub max_fails: u32,

    /// Passive health window and penalty (nginx `fail_timeout`).
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = duration)]
    pub fail_timeout: Duration,

    /// Backend response statuses that count as failures for passive health (and are retried
    /// for idempotent requests), comma separated, e.g. 502,503,504. Default: none.
    #[arg(long, value_name = "CODES", value_delimiter = ',')]
    pub fail_on: Vec<u16>,

    /// gRPC statuses that count as failures for passive health, by number or name, comma
    /// separated, e.g. 14,4 or UNAVAILABLE,DEADLINE_EXCEEDED; read from the response head
    /// (trailers-only answers) and its trailers. Default: none (a gRPC error is the
    /// application's answer, not the backend failing).
    #[arg(long, value_name = "CODES", value_delimiter = ',')]
    pub fail_on_grpc: Vec<String>,

    /// Outlier detection (Envoy's): eject a backend after N consecutive 5xx or gateway
    /// errors, or when its success rate over an interval is below the pool's mean by K
    /// standard deviations; at most a share of the pool at once, each repeat ejection longer.
    /// `on` for the defaults, or keys over them: consecutive=5, interval=10s,
    /// base-ejection=30s, max-ejection=300s, max-ejection-percent=10, success-rate-stdev=1.9
    /// (0: off), min-hosts=5, min-requests=100. Beside --max-fails and the panic mode.
    #[arg(long, value_name = "POLICY", value_parser = parse_outlier)]
    pub outlier: Option<crate::proxy::core::outlier::OutlierPolicy>,

    /// Retries on another backend: always after a connect failure; after a timeout or reset
    /// only for idempotent requests without a body (the body is streamed, never buffered).
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub retries: u32,

    /// Timeout to connect to a backend.
    #[arg(long, value_name = "DURATION", default_value = "3s", value_parser = duration)]
    pub connect_timeout: Duration,

    /// Time a client has to send a complete request head (slowloris protection): from the
    /// accept for the first request, from its first byte for later ones; 408 when it expires.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = duration)]
    pub header_timeout: Duration,

    /// Time a backend has to start its response (status and headers) after the request.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = duration)]
    pub backend_timeout: Duration,

    /// Close client connections with no traffic for this long (and pooled backend connections).
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = duration)]
    pub idle_timeout: Duration,

    /// On SIGINT/SIGTERM: stop accepting, give in-flight requests this long, then exit.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = duration)]
    pub drain_timeout: Duration,

    /// How long a request waits for a slot on a backend at its maxconn before a 503.
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = duration)]
    pub queue_timeout: Duration,

    /// Maximum size of a request head (431 beyond it); at least 8KiB.
    #[arg(long, value_name = "SIZE", default_value = "64KiB", value_parser = parse_size)]
    pub max_header_size: u64,

    /// Maximum concurrent client connections on the listener (0 = unlimited); further clients
    /// wait in the kernel's accept queue.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub max_conns: usize,

    /// Idle keep-alive connections kept per backend.
    #[arg(long, value_name = "N", default_value_t = 64)]
    pub pool_size: usize,

    /// Add or replace a request header sent to backends, 'NAME: VALUE' ('-NAME' removes it).
    /// Content-Length, Transfer-Encoding, Host and hop-by-hop headers (Connection, Upgrade,
    /// TE...) are refused (exit 2): the proxy writes framing from what it read.
    #[arg(long, value_name = "'K: V'")]
    pub header_up: Vec<String>,

    /// Add or replace a response header sent to clients, 'NAME: VALUE' ('-NAME' removes it).
    /// The same headers as for --header-up are refused.
    #[arg(long, value_name = "'K: V'")]
    pub header_down: Vec<String>,

    /// Send the backend's HOST:PORT as Host instead of the client's Host.
    #[arg(long)]
    pub change_host: bool,

    /// Only clients in these networks may connect (repeatable, CIDR or address); others get 403.
    #[arg(long, value_name = "CIDR")]
    pub allow: Vec<String>,

    /// Clients in these networks get 403 (repeatable; checked before --allow).
    #[arg(long, value_name = "CIDR")]
    pub deny: Vec<String>,

    /// Admin listener serving /metrics (Prometheus text), /stats (JSON) and the runtime API
    /// under /api/ (drain, maint, weight, add and remove backends; see `lbctl proxy ctl`).
    /// A non-loopback address needs --admin-token.
    #[arg(long, value_name = "ADDR", value_parser = parse_listen)]
    pub admin: Option<SocketAddr>,

    /// Secret that runtime API writes must send as `Authorization: Bearer TOKEN` (reads stay
    /// open). Without one, writes are allowed only on a loopback --admin. Visible in `ps`:
    /// prefer --admin-token-file.
    #[arg(long, value_name = "TOKEN", conflicts_with = "admin_token_file")]
    pub admin_token: Option<String>,

    /// File holding the --admin-token secret (surrounding whitespace ignored).
    #[arg(long, value_name = "FILE")]
    pub admin_token_file: Option<PathBuf>,

    /// Access log on stderr: common (Common Log Format plus backend and time), json, or off.
    /// HTTP: one line per request; TCP mode: one per connection (bytes each way, how it ended).
    #[arg(long, value_enum, default_value_t = AccessLog::Off, value_name = "FORMAT")]
    pub access_log: AccessLog,

    /// Worker threads: 1 runs everything on one thread (like a single HAProxy thread);
    /// default one per CPU core.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,

    /// On a terminal, show a live per-backend table on stderr refreshed every second
    /// (req/s, share vs weight, p50/p99, in-flight, errors, health; in TCP mode connections/s,
    /// share, open connections, KiB/s each way, connect errors, health).
    #[arg(long)]
    pub dashboard: bool,

    /// Re-resolve backends given by host name every DURATION (HAProxy resolvers `hold valid`,
    /// Caddy dynamic upstreams `refresh`): each A/AAAA address becomes a member NAME#ADDR:PORT,
    /// added and removed at run time (a removed member drains: in-flight requests finish). A
    /// failed lookup keeps the last good set. Off by default: names are resolved once at start.
    /// `srv:_http._tcp.NAME` as a backend's host takes members, ports and weights from SRV
    /// records (RFC 2782), at start-up and on each re-resolution.
    #[arg(long, value_name = "DURATION", value_parser = duration)]
    pub resolve_interval: Option<Duration>,

    /// The DNS server for backend names (start-up and --resolve-interval): ADDR or ADDR:PORT
    /// (port 53 by default). Default: the system's, from /etc/resolv.conf.
    #[arg(long, value_name = "ADDR[:PORT]")]
    pub resolver: Option<String>,

    /// Run active checks against this port of each backend's host instead of its own port
    /// (HAProxy `port`): e.g. a TCP service with an HTTP health endpoint on a side port.
    #[arg(long, value_name = "PORT", value_parser = clap::value_parser!(u16).range(1..))]
    pub check_port: Option<u16>,

    /// Data path: `http` (L7, the default) or `tcp` (L4: bytes are copied both ways between the
    /// client and one backend per connection, with half-close; see the README's TCP section).
    #[arg(long, value_enum, default_value_t = ProxyMode::Http)]
    pub mode: ProxyMode,

    /// A named pool on the command line, 'NAME=SPEC [SPEC ...]' (specs separated by spaces;
    /// repeatable), for --sni routes (TCP mode) or the --canary and --mirror pools (HTTP mode)
    /// without a config file. --backend fills the pool `default`.
    #[arg(long, value_name = "'NAME=SPEC ...'")]
    pub pool: Vec<String>,

    /// Rate limit per client on this listener, nginx `limit_req`'s leaky bucket:
    /// RATE[,burst=N][,nodelay=true|false][,key=ip|header:NAME|cookie:NAME][,max-keys=N],
    /// e.g. 100/s,burst=50. Requests above RATE+burst get 429 with Retry-After (gRPC calls
    /// RESOURCE_EXHAUSTED); with nodelay=false the excess within the burst is delayed to the
    /// rate instead of served at once. Requests without the key are not limited. Memory is
    /// bounded: at most max-keys keys (default 100000, about 40 bytes each) are remembered, the
    /// least recently used forgotten first. Config routes take `rate_limit = "..."` too.
    #[arg(long, value_name = "RATE[,burst=N,...]")]
    pub rate_limit: Option<String>,

    /// Canary split of the default pool (ingress-nginx canary annotations):
    /// POOL:WEIGHT[,header=NAME][,header_value=V][,cookie=NAME][,key=ip|header:NAME|cookie:NAME]
    /// sends WEIGHT percent of clients to POOL (a --pool), sticky per key (client address by
    /// default). Header `always`/`never` (or the header_value), then cookie `always`/`never`,
    /// override the weight. In a config file: `canary = {...}` on a route.
    #[arg(long, value_name = "POOL:WEIGHT[,...]")]
    pub canary: Option<String>,

    /// Mirror a share of the default pool's requests to POOL (a --pool), nginx `mirror` with
    /// Envoy's fraction: POOL:FRACTION[,max_in_flight=N] (FRACTION 0 to 1; default
    /// max_in_flight 64, beyond it copies are dropped and counted). The copy's response is
    /// discarded; the client never waits for it. A request body is copied when its length is
    /// known and at most 64KiB (it is then read whole first); larger ones are not mirrored.
    /// In a config file: `mirror = {...}` on a route.
    #[arg(long, value_name = "POOL:FRACTION[,max_in_flight=N]")]
    pub mirror: Option<String>,

    /// In-memory response cache of SIZE (e.g. 64MiB; 0 = off), nginx `proxy_cache`: GET
    /// (and HEAD, answered from the GET's entry) responses 200, 301 and 404 are stored as
    /// their Cache-Control allows (s-maxage, max-age, Expires; never no-store, private,
    /// no-cache, Set-Cookie, `Vary: *`), keyed by host, target, pool and the Vary'd headers;
    /// the least recently used go first. Answers carry `X-Cache: HIT|MISS|EXPIRED|BYPASS` and
    /// Age; concurrent misses for a key wait for one backend request (nginx
    /// `proxy_cache_lock`, at most 5s). One store for the process. Without --config it
    /// caches the default pool; with one, routes opt in (`cache = true`).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub cache: Option<u64>,

    /// How long a cached response stays fresh when it gives no max-age, s-maxage or Expires
    /// (nginx `proxy_cache_valid`; never overrides no-store or private). Without it such
    /// responses are not stored. A route's `cache = { ttl = "1h" }` wins.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub cache_ttl: Option<Duration>,

    /// Largest response body the cache stores (default 1MiB, at most an eighth of --cache);
    /// a larger response is relayed, not stored.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub cache_max_object: Option<u64>,
    /// Compress answers (nginx `gzip on`, HAProxy `compression algo`, Caddy `encode`) with the
    /// best coding the client's Accept-Encoding allows (q-values honoured; ties go to this
    /// list's order). Alone it means zstd,br,gzip at levels 3, 4 and 2 (gzip 2 here compresses
    /// about as nginx's default gzip_comp_level 1); or list them, each NAME[:LEVEL]: e.g.
    /// --compress gzip:6 or
    /// --compress zstd,br,gzip:6 (levels: gzip 1-9, br 0-11, zstd 1-19). Only listed types
    /// (--compress-types) of at least --compress-min-size bytes; never ranges, 204/304,
    /// already encoded answers, Cache-Control: no-transform, gRPC or upgrades. Streamed: each
    /// piece of the body is sent as the backend makes it. In a config file: `compress = true`
    /// or `compress = { algorithms = [...], types = [...], min_size = N }` on a listener or route.
    /// Right before a subcommand (`explain`), write `--compress on`.
    #[arg(long, value_name = "ALGS", num_args = 0..=1, default_missing_value = "on")]
    pub compress: Option<String>,

    /// Media types --compress compresses, comma-separated, parameters ignored; `text/*` and
    /// `*` are wildcards. Default: text/html,text/css,text/plain,application/javascript,
    /// application/json,text/xml.
    #[arg(long, value_name = "TYPES")]
    pub compress_types: Option<String>,

    /// Smallest body --compress compresses (default 256 bytes); an answer of unknown length
    /// (chunked) is compressed, as nginx does.
    #[arg(long, value_name = "SIZE")]
    pub compress_min_size: Option<String>,

    /// Answer every request with a redirect to the same URL on https (HAProxy `http-request
    /// redirect scheme https`, nginx `return 301 https://$host$request_uri`): host kept (its
    /// port dropped; PORT added when it is not 443, the default), path and query kept. 308 by
    /// default (every method keeps its method and body). For a plain listener; in a config
    /// file: `redirect_https = true` or `{ port = 8443, code = 301 }` on a listener or route.
    #[arg(long, value_name = "PORT", num_args = 0..=1, default_missing_value = "443",
          value_parser = clap::value_parser!(u16).range(1..))]
    pub redirect_https: Option<u16>,

    /// Status of --redirect-https for GET and HEAD: 301, 302, 307 or 308 (default). Other
    /// methods get 308 for 301 and 307 for 302, which keep their method and body.
    #[arg(long, value_name = "CODE")]
    pub redirect_code: Option<u16>,

    /// TCP mode: route TLS connections on the ClientHello's server name without terminating,
    /// 'NAME=POOL' (NAME exact, `*.suffix`, or `*` for any other name; repeatable). Exact
    /// names win over wildcards, longer suffixes over shorter ones.
    #[arg(long, value_name = "'NAME=POOL'")]
    pub sni: Vec<String>,

    /// TCP mode with --sni: what to do with a connection whose first bytes are not a TLS
    /// ClientHello (or that names no route): send it to the default pool, or close it.
    #[arg(long, value_enum, default_value_t = SniFallback::Default, value_name = "WHAT")]
    pub sni_fallback: SniFallback,

    /// TCP mode: send a PROXY protocol header (v1 text or v2 binary) to backends so they see
    /// the real client address.
    #[arg(long, value_enum, value_name = "VERSION")]
    pub send_proxy: Option<SendProxy>,

    /// TCP mode: clients (a proxy in front) start with a PROXY v1 or v2 header; the address
    /// in it is the client's. A missing or malformed header closes the connection (logged).
    #[arg(long)]
    pub accept_proxy: bool,

    /// Terminate TLS on the listener with this certificate chain (PEM, leaf first); needs
    /// --tls-key. ALPN offers h2 and http/1.1; backends see X-Forwarded-Proto: https.
    /// SIGHUP re-reads the certificate and key (a bad file keeps the running certificate).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// Private key (PEM: PKCS#8, PKCS#1 or SEC1) for --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// Terminate TLS with a certificate made at startup for the listener's address and
    /// `localhost`; its SHA-256 fingerprint is printed on stdout so clients can pin it.
    #[arg(long, conflicts_with = "tls_cert")]
    pub tls_self_signed: bool,

    /// Verify TLS backends (https:// or ,tls) against the CAs in this PEM file instead of the
    /// system's roots.
    #[arg(long, value_name = "FILE")]
    pub upstream_cacert: Option<PathBuf>,

    /// Do not verify TLS backends' certificates (traffic is still encrypted).
    #[arg(long, conflicts_with = "upstream_cacert")]
    pub insecure_upstream: bool,

    /// Format of the startup lines on stdout (and of `explain`).
    #[arg(short, long, value_enum, default_value_t = ProxyOutput::Text)]
    pub output: ProxyOutput,
}

/// `--algorithm` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Algorithm {
    /// Each healthy backend in turn; weights ignored (0 still drains).
    RoundRobin,
    /// nginx smooth weighted round robin (weights 5,1,1: a a b a c a a).
    Weighted,
    /// Fewest requests in flight.
    LeastConn,
    /// Fewest requests in flight per unit of weight.
    WeightedLeastConn,
    /// Weighted random.
    Random,
    /// Power of two random choices, the one with fewer requests in flight.
    P2c,
    /// P2C over peak-EWMA latency x (in-flight + 1) (Finagle/linkerd).
    Ewma,
    /// nginx ip_hash on the client address.
    IpHash,
    /// Consistent hash on --hash-key with --hash-algorithm.
    Hash,
}

/// `--mode` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProxyMode {
    /// L7 HTTP reverse proxy.
    Http,
    /// L4 TCP proxy (one backend per client connection).
    Tcp,
}

/// `--sni-fallback` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SniFallback {
    /// Send the connection to the listener's default pool (`*`, else --backend's pool).
    Default,
    /// Close the connection.
    Close,
}

/// `--send-proxy` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SendProxy {
    /// Text header (`PROXY TCP4 src dst sport dport`).
    V1,
    /// Binary header.
    V2,
}

/// `--access-log` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AccessLog {
    Common,
    Json,
    Off,
}

fn duration(s: &str) -> Result<Duration, String> {
    parse_duration(s).map_err(|e| e.to_string())
}

/// `HOST:PORT`, `:PORT` (all interfaces) or a bare port (loopback).
fn parse_listen(s: &str) -> Result<SocketAddr, String> {
    let t = s.trim();
    if let Some(port) = t.strip_prefix(':') {
        return format!("0.0.0.0:{port}").parse().map_err(|_| {
            format!("invalid listen address '{s}': expected HOST:PORT, :PORT or PORT")
        });
    }
    if let Ok(port) = t.parse::<u16>() {
        return Ok(SocketAddr::from(([127, 0, 0, 1], port)));
    }
    t.parse().map_err(|_| {
        format!(
            "invalid listen address '{s}': expected IP:PORT (e.g. 127.0.0.1:8080), :PORT or PORT"
        )
    })
}

fn parse_outlier(s: &str) -> Result<crate::proxy::core::outlier::OutlierPolicy, String> {
    crate::proxy::core::outlier::OutlierPolicy::parse(s).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_forms() {
        assert_eq!(parse_listen("8080").unwrap().to_string(), "127.0.0.1:8080");
        assert_eq!(parse_listen(":81").unwrap().to_string(), "0.0.0.0:81");
        assert_eq!(parse_listen("[::1]:9").unwrap().to_string(), "[::1]:9");
        for bad in ["", "x", "1.2.3.4", ":x", "host:80", "99999"] {
            assert!(parse_listen(bad).is_err(), "{bad}");
        }
    }
}
