//! `lbctl probe` arguments: targets, request options, conditions, modes and output.

use crate::probe::{HttpVersionArg, ProbeOutput, UntilState};
use crate::spec::parse_duration;
use clap::Args;
use std::path::PathBuf;
use std::time::Duration;

/// Health-check TCP/HTTP/TLS/gRPC/DNS/WebSocket/ICMP targets once, in a watch loop, or until healthy (the long
/// description is in `after_help`: the subcommand's own doc line in cli/mod.rs is its about).
#[derive(Debug, Args)]
#[command(
    after_help = "Targets: tcp://HOST:PORT, HOST:PORT (TCP), http://HOST[:PORT]/PATH, https://...,
grpc://HOST:PORT[/SERVICE] (grpc.health.v1 Check over h2c; SERVING passes, the status shows in
STATUS and JSON's grpc_status), grpcs://HOST[:PORT][/SERVICE] (over TLS, ALPN h2; --cacert and
--insecure apply), dns://[RESOLVER[:PORT]]/NAME[?type=A|AAAA|CNAME|MX|NS|PTR|SOA|SRV|TXT|CAA|ANY]
[&transport=tcp][&recurse=0] (one query; UDP with EDNS0, TCP after truncation; NOERROR passes
unless a dns.rcode condition says otherwise; no RESOLVER: /etc/resolv.conf's first),
ws://HOST[:PORT][/PATH] and wss://... (the RFC 6455 upgrade, Sec-WebSocket-Accept checked;
--ws-send TEXT sends a text message and the first message received is judged by ws.message
conditions; then the close handshake, 1000), icmp://HOST[?count=N] (echo requests on an
unprivileged ping socket; any reply passes; needs net.ipv4.ping_group_range to include the
group, else exit 2; blackbox's icmp keys as query parameters: payload_size=0-65507, ttl=1-255,
dont_fragment=true, preferred_ip_protocol=ip4|ip6, ip_protocol_fallback=false,
source_ip_address=IP); from the arguments, --targets-file, or stdin ('-'), one per line with '#' comments. A line may
carry its own assertions after the target; status, max-latency and cert-min-days replace the
command-line value, body, body-regex, json and header add to the command-line conditions:
  https://api.example.com/health status=200 json=.status==UP max-latency=300ms
  db.internal:5432
  http://10.0.0.7:8080/ready header='Content-Type: json' json='.checks[0].ok == true'

Field conditions (--expect, expect=): FIELD OP VALUE. HTTP: status == 200,204 (the accepted
list) or status != 503, body ~ RE / body !~ RE (must / must not match), header.NAME ~ RE /
header.NAME !~ RE (a missing header fails both), tls == true|false (blackbox's fail_if_not_ssl /
fail_if_ssl). TLS (https, grpcs; cert.* is the leaf):
tls.version >= 1.2, cert.days_left >= 14 (== != < <= > >=), tls.cipher, tls.alpn, cert.subject,
cert.issuer, cert.san (any SAN), cert.fingerprint (SHA-256) with == != (exact) or ~ !~ (regex),
e.g. 'cert.issuer ~ Let'. DNS: dns.rcode == NXDOMAIN (or !=; a comma
list: any of them), dns.authoritative == true, dns.answer.count >= 1 (also dns.authority.count,
dns.additional.count; == != < <= > >=), dns.answer ~ RE (some record matches), dns.answer !~ RE
(none does), dns.answer.all ~ RE (every one does); records read NAME<TAB>TTL<TAB>IN<TAB>TYPE<TAB>RDATA.
WebSocket: ws.message, ws.subprotocol with == != (exact) or ~ !~ (regex), ws.close_code == 1000.
ICMP: icmp.replies, icmp.loss (percent), icmp.rtt_ms (the slowest reply), icmp.hop_limit
(== != < <= > >=).

JSON conditions (--expect-json, json=): PATH OP VALUE or PATH exists. PATH: . .status
.checks[0].name .[\"a key\"]; OP: == != < <= > >=; VALUE: a JSON literal (\"UP\", 3, true,
null) or a bare word (UP). A missing path fails every operator; numbers compare numerically.

Modes: one shot (default) probes every target concurrently and exits 0 when --require holds;
--retries N re-checks failures and reports a late pass as flaky. --watch applies HAProxy
rise/fall (a target starts down unless --start-up) and prints transitions (a live table on a
terminal) and a summary at Ctrl-C or after --count rounds; it exits 0 when --require holds over
the final states (-v: a line for every check, not only state changes). --until healthy waits until --require holds over the targets that are up by
the same rule, or exits 1 at --deadline.

Examples:
  lbctl probe http://127.0.0.1:8080/health
  lbctl probe db:5432 https://api.example.com/health --expect-json '.status == \"UP\"'
  lbctl probe --targets-file targets.txt --require 2 --output json
  cat targets.txt | lbctl probe - --retries 2
  lbctl probe https://example.com --cert-only --cert-min-days 14
  lbctl probe http://a/health http://b/health --watch --interval 2s --rise 2 --fall 3
  lbctl probe http://localhost:8080/ready --until healthy --deadline 60s --rise 1
  lbctl probe https://example.com -o nagios --warn-latency 200ms --crit-latency 1s --crit-days 7
  lbctl probe tcp://127.0.0.1:6379 --send 'PING\\r\\n' --expect '+PONG'
  lbctl probe https://api.example.com/check -X POST --json '{\"deep\": true}' --bearer-token-file /run/secrets/token
  lbctl probe grpc://127.0.0.1:50051 grpc://127.0.0.1:50051/lbctl.test.v1.Echo
  lbctl probe wss://stream.example.com/ws --ws-send ping --expect 'ws.message ~ pong'
  lbctl probe 'icmp://10.0.0.1?count=5' --expect 'icmp.loss <= 20'
  lbctl probe http://127.0.0.1:8080/ --expect 'body !~ (?i)error' --expect 'header.X-Version ~ ^2'
  lbctl probe --exporter 127.0.0.1:9115 --modules modules.toml   (blackbox_exporter-style /probe)

Exit codes:
  0  the requirement holds (every target passed, or --require any/N met; healthy for --until)
  1  it does not (or --until reached --deadline)
  2  bad input: a malformed target, condition or flag; icmp:// where ping sockets are not allowed
  3  runtime failure
  --output nagios: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (any bad input, runtime failure)"
)]
pub struct ProbeArgs {
    /// Targets to probe; '-' reads more (one per line) from stdin.
    #[arg(value_name = "TARGET")]
    pub targets: Vec<String>,

    /// Read targets from a file, one per line, '#' comments, optional per-target assertions.
    #[arg(short = 'f', long, value_name = "FILE", help_heading = "Targets")]
    pub targets_file: Vec<PathBuf>,

    #[command(flatten)]
    pub request: Box<RequestArgs>,

    #[command(flatten)]
    pub payload: Box<PayloadArgs>,

    #[command(flatten)]
    pub conditions: Box<ConditionArgs>,

    #[command(flatten)]
    pub mode: Box<ModeArgs>,

    #[command(flatten)]
    pub output: Box<OutputArgs>,

    #[command(flatten)]
    pub exporter: Box<super::ExporterArgs>,
}

// The flag groups are boxed: they keep `Command` small (clippy::large_enum_variant).

/// How each target is checked.
#[derive(Debug, Args)]
#[command(next_help_heading = "Request")]
pub struct RequestArgs {
    /// HTTP method (GET, HEAD, ...).
    #[arg(short = 'X', long, default_value = "GET", value_name = "METHOD")]
    pub method: String,

    /// Extra request header 'Name: value' (repeatable).
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE")]
    pub headers: Vec<String>,

    /// Host header (and TLS SNI) instead of the target's host, e.g. to check one vhost on an IP.
    #[arg(long, value_name = "HOST")]
    pub host: Option<String>,

    /// Follow redirects (at most --max-redirects); off by default, so a 301 is the answer.
    #[arg(long)]
    pub follow: bool,

    /// Redirects followed at most with --follow; one more fails the check.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub max_redirects: u32,

    /// HTTP version: auto (HTTP/1.1; https: ALPN picks h2 or http/1.1), 1.1, or 2 (h2 by ALPN,
    /// h2c by prior knowledge on http://).
    #[arg(long, value_enum, default_value_t = HttpVersionArg::Auto, value_name = "VERSION")]
    pub http_version: HttpVersionArg,

    /// Accept any TLS certificate (expiry is still reported and checked by --cert-min-days).
    #[arg(short = 'k', long)]
    pub insecure: bool,

    /// Trust only the CA certificates in this PEM file (instead of the system roots); a server
    /// certificate that is itself in the file is trusted as it is, as curl does (even a CA:TRUE
    /// one from `openssl req -x509`).
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<PathBuf>,

    /// Client certificate chain (PEM, leaf first) shown to servers that ask for one (mutual
    /// TLS, curl's --cert); needs --key. Applies to https://, grpcs:// and wss:// targets.
    #[arg(long, value_name = "FILE", requires = "key")]
    pub cert: Option<PathBuf>,

    /// Private key (PEM: PKCS#8, PKCS#1 or SEC1) of --cert.
    #[arg(long, value_name = "FILE", requires = "cert")]
    pub key: Option<PathBuf>,

    /// https: check the TLS handshake and certificate only; send no HTTP request.
    #[arg(long)]
    pub cert_only: bool,

    /// tcp: send these bytes after connecting (escapes: \r \n \t \\ \0 \xNN).
    #[arg(long, value_name = "TEXT")]
    pub send: Option<String>,

    /// ws/wss: send this text message after the upgrade; the first message received is then
    /// the answer (judge it with --expect 'ws.message ~ RE').
    #[arg(long, value_name = "TEXT")]
    pub ws_send: Option<String>,

    /// A field condition, 'FIELD OP VALUE' (repeatable), e.g. 'body !~ error' (the body must
    /// not match), 'body ~ RE', 'header.NAME !~ RE', 'status != 503', 'tls == true',
    /// 'tls.version >= 1.2', 'cert.issuer ~ Let', 'cert.days_left >= 14', 'dns.rcode == NXDOMAIN',
    /// 'dns.answer.count >= 1', 'dns.answer ~ 10\.0\.0\.' (some record matches), 'dns.answer.all
    /// ~ RE' (every one), 'dns.answer !~ RE' (none), 'dns.authoritative == true', 'ws.message ~
    /// pong', 'ws.close_code == 1000', 'icmp.loss <= 20', 'icmp.rtt_ms < 50'. For a tcp://
    /// target, any other text is the reply to wait for (same escapes as --send; one only).
    #[arg(long, value_name = "COND|TEXT")]
    pub expect: Vec<String>,

    /// Give up on one check after this long (reported as a timeout, with the phase).
    #[arg(short, long, default_value = "5s", value_parser = parse_duration, value_name = "DURATION")]
    pub timeout: Duration,
}

/// What HTTP requests carry: content and credentials. Secrets come from files or the
/// environment only, never from the command line (where `ps` shows them).
#[derive(Debug, Args)]
#[command(next_help_heading = "Request body and authentication (http, https)")]
pub struct PayloadArgs {
    /// Request content, sent as given with its Content-Length (no Content-Type unless -H sets
    /// one). The method stays -X's (GET by default; health endpoints that want a body usually
    /// want -X POST). Kept on 307/308 redirects, dropped when 301/302/303 turn it into a GET.
    #[arg(long, value_name = "TEXT", conflicts_with_all = ["body_file", "json"])]
    pub body: Option<String>,

    /// Request content read from FILE, byte for byte (at most 16 MiB).
    #[arg(long, value_name = "FILE", conflicts_with = "json")]
    pub body_file: Option<PathBuf>,

    /// A JSON request body (must parse), with Content-Type: application/json and Accept:
    /// application/json unless -H sets them.
    #[arg(long, value_name = "JSON")]
    pub json: Option<String>,

    /// HTTP Basic auth user (RFC 7617); the password from --basic-auth-password-file or
    /// --basic-auth-password-env.
    #[arg(long, value_name = "USER", conflicts_with_all = ["bearer_token_file", "bearer_token_env"])]
    pub basic_auth_user: Option<String>,

    /// File holding the Basic auth password (trailing newlines are not part of it; an empty
    /// file is an error).
    #[arg(
        long,
        value_name = "FILE",
        requires = "basic_auth_user",
        conflicts_with = "basic_auth_password_env"
    )]
    pub basic_auth_password_file: Option<PathBuf>,

    /// Environment variable holding the Basic auth password.
    #[arg(long, value_name = "VAR", requires = "basic_auth_user")]
    pub basic_auth_password_env: Option<String>,

    /// File holding a bearer token (RFC 6750; trailing newlines stripped), sent as 'Authorization: Bearer TOKEN' to the
    /// target's own origin only (not to another host, port or scheme a redirect points at).
    #[arg(long, value_name = "FILE", conflicts_with = "bearer_token_env")]
    pub bearer_token_file: Option<PathBuf>,

    /// Environment variable holding a bearer token.
    #[arg(long, value_name = "VAR")]
    pub bearer_token_env: Option<String>,
}

/// What a response must satisfy.
#[derive(Debug, Args)]
#[command(next_help_heading = "Conditions")]
pub struct ConditionArgs {
    /// Accepted status codes (default 200-399, like Kubernetes), e.g. 200-299,301.
    #[arg(long, value_name = "CODES")]
    pub expect_status: Option<String>,

    /// The body must contain this text (repeatable).
    #[arg(long, value_name = "TEXT")]
    pub expect_body: Vec<String>,

    /// The body must match this regular expression (repeatable).
    #[arg(long, value_name = "REGEX")]
    pub expect_body_regex: Vec<String>,

    /// A JSON condition on the body, e.g. '.status == "UP"', '.count >= 3', '.ready exists'
    /// (repeatable; all must hold).
    #[arg(long, value_name = "COND")]
    pub expect_json: Vec<String>,

    /// A response header, 'Name: value' (value contained, case-insensitive) or 'Name'
    /// (present). Repeatable.
    #[arg(long, value_name = "NAME[: VALUE]")]
    pub expect_header: Vec<String>,

    /// The whole check (total time) must take at most this long.
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub max_latency: Option<Duration>,

    /// https: the earliest-expiring certificate must stay valid at least this many days.
    #[arg(long, value_name = "DAYS")]
    pub cert_min_days: Option<String>,
}

/// One shot, watch or until.
#[derive(Debug, Args)]
#[command(next_help_heading = "Mode")]
pub struct ModeArgs {
    /// Checks in flight at once.
    #[arg(short, long, default_value_t = 64, value_name = "N")]
    pub concurrency: usize,

    /// One shot: how many targets must pass: all, any, or a count.
    #[arg(long, default_value = "all", value_name = "all|any|N")]
    pub require: String,

    /// One shot: retry a failed check up to N times; a pass after a retry is reported 'flaky'
    /// (it counts as passing for --require).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub retries: u32,

    /// Pause between retries.
    #[arg(long, default_value = "200ms", value_parser = parse_duration, value_name = "DURATION")]
    pub retry_delay: Duration,

    /// Check continuously with rise/fall semantics until Ctrl-C or --count rounds.
    #[arg(short, long, conflicts_with = "until")]
    pub watch: bool,

    /// Wait until the targets are healthy (--require holds with rise/fall), up to --deadline.
    #[arg(long, value_enum, value_name = "STATE")]
    pub until: Option<UntilState>,

    /// --until: give up (exit 1) after this long.
    #[arg(long, default_value = "60s", value_parser = parse_duration, value_name = "DURATION")]
    pub deadline: Duration,

    /// --watch/--until: time between checks of one target (HAProxy 'inter').
    #[arg(short, long, default_value = "2s", value_parser = parse_duration, value_name = "DURATION")]
    pub interval: Duration,

    /// Interval while a target is changing state (HAProxy 'fastinter'); default --interval.
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub fast_interval: Option<Duration>,

    /// Consecutive passes that bring a target up (HAProxy 'rise').
    #[arg(long, default_value_t = 2, value_name = "N")]
    pub rise: u32,

    /// Consecutive failures that take a target down (HAProxy 'fall').
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub fall: u32,

    /// Targets start up (HAProxy starts them down, needing 'rise' passes).
    #[arg(long)]
    pub start_up: bool,

    /// --watch: run this shell command (`sh -c`) on every state change, with LBCTL_TARGET,
    /// LBCTL_OLD_STATE, LBCTL_NEW_STATE (up/down), LBCTL_REASON, LBCTL_STATUS and LBCTL_TIME in
    /// its environment; its output goes to stderr. It never blocks probing: killed after
    /// --alert-timeout, at most 8 at once (more transitions meanwhile are skipped, and said so).
    #[arg(long, value_name = "CMD", requires = "watch")]
    pub on_transition: Option<String>,

    /// --watch: POST every state change as JSON ({time, target, old_state, new_state, reason,
    /// status}) to URL; retried with backoff (1s, 2s, 4s) when it fails, then given up with a
    /// line on stderr; never blocks probing.
    #[arg(long, value_name = "URL", requires = "watch")]
    pub notify: Option<String>,

    /// How long one --on-transition command or --notify attempt may take.
    #[arg(long, default_value = "10s", value_parser = parse_duration, value_name = "DURATION")]
    pub alert_timeout: Duration,

    /// --watch: stop after N checks of every target, then print the summary.
    #[arg(long, value_name = "N")]
    pub count: Option<u64>,
}

/// Output format and nagios thresholds.
#[derive(Debug, Args)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// Output format: table, json (one document), jsonl (one line per target; with --watch,
    /// per check), prometheus (blackbox_exporter names), nagios (plugin line and exit codes).
    #[arg(short, long, value_enum, default_value_t = ProbeOutput::Table, value_name = "FORMAT")]
    pub output: ProbeOutput,

    /// nagios: WARNING when a check takes longer than this.
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub warn_latency: Option<Duration>,

    /// nagios: CRITICAL when a check takes longer than this.
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub crit_latency: Option<Duration>,

    /// nagios: WARNING when a certificate expires within this many days.
    #[arg(long, value_name = "DAYS")]
    pub warn_days: Option<String>,

    /// nagios: CRITICAL when a certificate expires within this many days.
    #[arg(long, value_name = "DAYS")]
    pub crit_days: Option<String>,
}
