//! `lbctl probe`: health-check targets once (`oneshot`), continuously with rise/fall
//! (`watch`), or until healthy (`watch::until`), and report in the chosen format (`report`;
//! `prometheus` for the text exposition; `shot` is how one target ended). `exporter` serves
//! blackbox_exporter-style scrapes.
//! The checks themselves are the `check` core; this module turns flags into a
//! [`CheckSpec`], loads the targets and wires results to output and exit codes.
//!
//! May import: `check`, `stats`, `spec`, `tls`, `output`, `shutdown`, `cli`, `exit`.

mod alert;
mod dns_metrics;
mod exchange_metrics;
pub mod exporter;
mod oneshot;
mod options;
mod payload;
mod prometheus;
mod report;
mod settings;
mod shot;
mod targets;
mod tls_metrics;
mod watch;

pub use options::{HttpVersionArg, ProbeOutput, Require, UntilState};
pub use settings::Settings;
pub use targets::{ProbeTarget, parse_line};

use crate::check::{
    CheckSpec, Conditions, HeaderCond, HttpVersion, JsonCond, Scheme, StatusRanges, cond, tls,
};
use crate::cli::{GlobalOpts, ProbeArgs};
use crate::exit::{ExitCode, Failure};
use crate::spec::SpecError;
use std::sync::Arc;

/// Run `lbctl probe`.
pub fn run(args: ProbeArgs, global: &GlobalOpts) -> anyhow::Result<ExitCode> {
    let nagios = args.output.output == ProbeOutput::Nagios;
    match run_inner(args, global) {
        // A nagios plugin reports its own problems (bad input, runtime failures) as UNKNOWN:
        // exit 3 and one line on stdout (Nagios plugin development guidelines, 2.4 and 2.5).
        Err(e) if nagios && !crate::output::is_broken_pipe(&e) => {
            use std::io::Write;
            let _ = writeln!(std::io::stdout(), "{}", nagios_unknown(&format!("{e:#}")));
            Ok(ExitCode::Runtime)
        }
        other => other,
    }
}

/// The nagios UNKNOWN line for a problem of lbctl's own: one line, and no `|` (it would start
/// the performance data).
pub fn nagios_unknown(problem: &str) -> String {
    let words: Vec<&str> = problem.split_whitespace().collect();
    format!("LBCTL UNKNOWN - {}", words.join(" ").replace('|', "/"))
}

/// Does this command line ask for `probe --output nagios`? Checked on the raw arguments, so
/// that an error clap finds before `probe` runs is still reported the nagios way (`main`).
/// Recognises `-o nagios`, `-onagios`, `-o=nagios`, `-qo nagios`, `--output nagios` and
/// `--output=nagios` after the `probe` subcommand (global flags may come first).
pub fn nagios_requested(args: &[std::ffi::OsString]) -> bool {
    let args: Vec<&str> = args.iter().skip(1).filter_map(|a| a.to_str()).collect();
    // The subcommand: the first word that is not a global flag or its value.
    let mut i = 0;
    while let Some(a) = args.get(i) {
        if *a == "--color" {
            i += 2;
        } else if a.starts_with('-') {
            i += 1;
        } else {
            break;
        }
    }
    if args.get(i) != Some(&"probe") {
        return false;
    }
    let rest = &args[i + 1..];
    for (j, a) in rest.iter().enumerate() {
        if *a == "--" {
            break;
        }
        let next = rest.get(j + 1).copied();
        let value = if let Some(v) = a.strip_prefix("--output") {
            match v.strip_prefix('=') {
                Some(v) => Some(v),
                None if v.is_empty() => next,
                None => None,
            }
        } else if a.starts_with('-') && !a.starts_with("--") {
            // A cluster of short flags whose last flag is -o, or -o with its value attached.
            match a.find('o') {
                Some(pos) => {
                    let v = &a[pos + 1..];
                    if v.is_empty() {
                        next
                    } else {
                        Some(v.strip_prefix('=').unwrap_or(v))
                    }
                }
                None => None,
            }
        } else {
            None
        };
        if value == Some("nagios") {
            return true;
        }
    }
    false
}

fn run_inner(args: ProbeArgs, global: &GlobalOpts) -> anyhow::Result<ExitCode> {
    if let Some(addr) = args.exporter.exporter {
        return exporter::run(&args, addr, global);
    }
    let (targets, settings) = prepare(&args, &mut std::io::stdin().lock())?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::runtime(format!("cannot start the async runtime: {e}")))?;
    if args.mode.watch {
        rt.block_on(watch::watch(targets, settings, global.clone()))
    } else if args.mode.until.is_some() {
        rt.block_on(watch::until(targets, settings, global.clone()))
    } else {
        rt.block_on(oneshot::run(targets, settings, global.clone()))
    }
}

/// Validate the flags and load the targets (no network yet).
fn prepare(
    args: &ProbeArgs,
    stdin: &mut dyn std::io::Read,
) -> anyhow::Result<(Vec<ProbeTarget>, Settings)> {
    let mut spec = base_spec(args)?;
    // Peek at the targets first: TLS roots are loaded only when an https:// target exists.
    let plain = Arc::new(spec.clone());
    let targets = targets::load(&args.targets, &args.targets_file, &plain, stdin)?;
    let any_https = targets.iter().any(|t| t.target.scheme.is_tls());
    if args.request.cert_only
        && let Some(t) = targets.iter().find(|t| t.target.scheme != Scheme::Https)
    {
        return Err(Failure::usage(format!(
            "--cert-only checks TLS certificates, but '{}' is not an https:// target",
            t.label
        )));
    }
    let fields = &spec.conditions.fields;
    let has = |f: fn(Scheme) -> bool| targets.iter().any(|t| f(t.target.scheme));
    if fields.iter().any(|f| f.is_dns()) && !has(|s| s == Scheme::Dns) {
        return Err(Failure::usage(
            "--expect 'dns.…' conditions apply to dns:// targets, and none was given",
        ));
    }
    if fields.iter().any(|f| f.is_tls()) && !any_https {
        return Err(Failure::usage(
            "--expect 'tls.…' and 'cert.…' conditions apply to https://, grpcs:// and wss:// targets, and none was given",
        ));
    }
    if (fields.iter().any(|f| f.is_ws()) || spec.ws_send.is_some()) && !has(Scheme::is_ws) {
        return Err(Failure::usage(
            "--ws-send and --expect 'ws.…' conditions apply to ws:// and wss:// targets, and none was given",
        ));
    }
    if fields.iter().any(|f| f.is_icmp()) && !has(|s| s == Scheme::Icmp) {
        return Err(Failure::usage(
            "--expect 'icmp.…' conditions apply to icmp:// targets, and none was given",
        ));
    }
    icmp_preflight(&targets)?;
    if !spec.conditions.http.is_empty()
        && !targets
            .iter()
            .any(|t| matches!(t.target.scheme, Scheme::Http | Scheme::Https))
    {
        return Err(Failure::usage(
            "--expect 'body …', 'header.…', 'status …' and 'tls == …' conditions apply to http:// and https:// targets, and none was given",
        ));
    }
    if (args.request.send.is_some() || tcp_expect(args)?.is_some())
        && !targets.iter().any(|t| t.target.scheme == Scheme::Tcp)
    {
        return Err(Failure::usage(
            "--send and --expect apply to tcp:// targets, and none was given",
        ));
    }
    if (spec.body.is_some() || spec.authorization.is_some())
        && !targets
            .iter()
            .any(|t| matches!(t.target.scheme, Scheme::Http | Scheme::Https))
        && (spec.body.is_some() || !targets.iter().any(|t| t.target.scheme.is_ws()))
    {
        return Err(Failure::usage(
            "--body, --body-file and --json apply to http:// and https:// targets (the auth flags also to ws:// and wss://), and none was given",
        ));
    }
    let identity = crate::tls::ClientIdentity::from_flags(
        args.request.cert.as_deref(),
        args.request.key.as_deref(),
    )
    .map_err(Failure::usage)?;
    let targets = if any_https {
        let alpn = match args.request.http_version {
            HttpVersionArg::Auto => tls::Alpn::Both,
            HttpVersionArg::Http1 => tls::Alpn::Http1,
            HttpVersionArg::Http2 => tls::Alpn::Http2,
        };
        spec.tls = Some(tls::client_config(
            args.request.insecure,
            args.request.cacert.as_deref(),
            identity.as_ref(),
            alpn,
        )?);
        let base = Arc::new(spec);
        // Re-attach every target to the spec that carries the TLS configuration.
        targets
            .into_iter()
            .map(|t| {
                let spec = if Arc::ptr_eq(&t.spec, &plain) {
                    base.clone()
                } else {
                    let mut own = CheckSpec::clone(&t.spec);
                    own.tls = base.tls.clone();
                    Arc::new(own)
                };
                ProbeTarget { spec, ..t }
            })
            .collect()
    } else {
        if args.request.cacert.is_some() || identity.is_some() {
            // Still validate the files, so a typo is reported even without TLS targets.
            tls::client_config(
                false,
                args.request.cacert.as_deref(),
                identity.as_ref(),
                tls::Alpn::None,
            )?;
        }
        targets
    };

    let require = Require::parse(&args.mode.require)?;
    if let Require::AtLeast(k) = require
        && k > targets.len()
    {
        return Err(Failure::usage(format!(
            "--require {k} cannot hold: only {} target(s) given",
            targets.len()
        )));
    }
    let positive = |name: &str, v: u64| -> anyhow::Result<()> {
        if v == 0 {
            Err(Failure::usage(format!("{name} must be at least 1")))
        } else {
            Ok(())
        }
    };
    positive("--concurrency", args.mode.concurrency as u64)?;
    positive("--rise", u64::from(args.mode.rise))?;
    positive("--fall", u64::from(args.mode.fall))?;
    if let Some(c) = args.mode.count {
        positive("--count", c)?;
    }
    if args.request.timeout.is_zero() {
        return Err(Failure::usage("--timeout must be more than 0"));
    }
    if (args.mode.watch || args.mode.until.is_some()) && args.mode.interval.is_zero() {
        return Err(Failure::usage("--interval must be more than 0"));
    }
    if args.mode.fast_interval.is_some_and(|d| d.is_zero()) {
        return Err(Failure::usage("--fast-interval must be more than 0"));
    }
    if args.mode.watch
        && matches!(
            args.output.output,
            ProbeOutput::Prometheus | ProbeOutput::Nagios
        )
    {
        return Err(Failure::usage(
            "--watch prints table, json or jsonl; prometheus and nagios are one-shot formats",
        ));
    }
    if args.mode.retries > 0 && (args.mode.watch || args.mode.until.is_some()) {
        return Err(Failure::usage(
            "--retries applies to one-shot mode; --watch and --until use --rise/--fall",
        ));
    }
    if args.mode.count.is_some() && !args.mode.watch {
        return Err(Failure::usage("--count applies to --watch"));
    }
    let days = |flag: &str, v: &Option<String>| -> anyhow::Result<Option<f64>> {
        match v {
            None => Ok(None),
            Some(s) => cond::parse_days(s)
                .map(Some)
                .map_err(|e| anyhow::Error::new(e).context(flag.to_string())),
        }
    };
    let settings = Settings {
        timeout: args.request.timeout,
        concurrency: args.mode.concurrency,
        require,
        retries: args.mode.retries,
        retry_delay: args.mode.retry_delay,
        interval: args.mode.interval,
        fast_interval: args.mode.fast_interval.unwrap_or(args.mode.interval),
        rise: args.mode.rise,
        fall: args.mode.fall,
        start_up: args.mode.start_up,
        count: args.mode.count,
        deadline: args.mode.deadline,
        output: args.output.output,
        nagios: report::NagiosLimits {
            warn_latency: args.output.warn_latency,
            crit_latency: args.output.crit_latency,
            warn_days: days("--warn-days", &args.output.warn_days)?,
            crit_days: days("--crit-days", &args.output.crit_days)?,
        },
        alerts: alert::Alerts::new(
            args.mode.on_transition.as_deref(),
            args.mode.notify.as_deref(),
            args.mode.alert_timeout,
        )?,
    };
    Ok((targets, settings))
}

/// ICMP targets need unprivileged ping sockets: where the system forbids them, say which
/// sysctl to set before probing anything (bad setup, exit 2), not once per target.
fn icmp_preflight(targets: &[ProbeTarget]) -> anyhow::Result<()> {
    let icmp: Vec<&ProbeTarget> = targets
        .iter()
        .filter(|t| t.target.scheme == Scheme::Icmp)
        .collect();
    if icmp.is_empty() {
        return Ok(());
    }
    // The sysctl governs both families; a v6 socket is tried only for v6 literals.
    let v6 = icmp
        .iter()
        .any(|t| t.target.host.parse::<std::net::Ipv6Addr>().is_ok());
    let v4 = icmp
        .iter()
        .any(|t| t.target.host.parse::<std::net::Ipv6Addr>().is_err());
    for (want, family) in [(v4, false), (v6, true)] {
        if want {
            crate::check::icmp::preflight(family).map_err(Failure::usage)?;
        }
    }
    Ok(())
}

/// The `--expect` that is a TCP reply to wait for (not a field condition); one at most.
fn tcp_expect(args: &ProbeArgs) -> anyhow::Result<Option<&String>> {
    let mut raw = args
        .request
        .expect
        .iter()
        .filter(|e| !cond::is_condition(e));
    let first = raw.next();
    if let Some(second) = raw.next() {
        return Err(Failure::usage(format!(
            "--expect '{second}': only one TCP reply to wait for can be given (field conditions such as 'dns.rcode == NOERROR' may repeat)"
        )));
    }
    Ok(first)
}

/// The check spec every target starts from (per-target assertions change copies of it).
fn base_spec(args: &ProbeArgs) -> anyhow::Result<CheckSpec> {
    let method = ::http::Method::from_bytes(args.request.method.to_ascii_uppercase().as_bytes())
        .map_err(|_| {
            SpecError::new(
                "HTTP method",
                &args.request.method,
                "not a method token",
                "GET or HEAD",
            )
        })?;
    let mut headers = Vec::new();
    for h in &args.request.headers {
        headers.push(parse_header(h)?);
    }
    let payload = payload::read(args, &headers)?;
    headers.extend(payload.headers);
    if let Some(host) = &args.request.host
        && (host.is_empty() || host.contains(char::is_whitespace))
    {
        return Err(SpecError::new(
            "--host",
            host,
            "it is empty or has spaces",
            "a host name such as api.example.com",
        )
        .into());
    }
    let mut conditions = Conditions::default();
    if let Some(s) = &args.conditions.expect_status {
        conditions.status = StatusRanges::parse(s)?;
    }
    conditions.body_contains = args.conditions.expect_body.clone();
    for r in &args.conditions.expect_body_regex {
        conditions.body_regex.push(cond::parse_regex(r)?);
    }
    for j in &args.conditions.expect_json {
        conditions.json.push(JsonCond::parse(j)?);
    }
    for h in &args.conditions.expect_header {
        conditions.headers.push(HeaderCond::parse(h)?);
    }
    for e in args.request.expect.iter().filter(|e| cond::is_condition(e)) {
        conditions.add_expect(e)?;
    }
    conditions.max_latency = args.conditions.max_latency;
    if let Some(d) = &args.conditions.cert_min_days {
        conditions.cert_min_days = Some(cond::parse_days(d)?);
    }
    let bytes = |s: &Option<String>| -> Result<Option<Vec<u8>>, SpecError> {
        s.as_deref().map(crate::check::target::unescape).transpose()
    };
    Ok(CheckSpec {
        method,
        headers,
        body: payload.body,
        authorization: payload.authorization,
        host: args.request.host.clone(),
        follow: if args.request.follow {
            args.request.max_redirects
        } else {
            0
        },
        version: match args.request.http_version {
            HttpVersionArg::Auto => HttpVersion::Auto,
            HttpVersionArg::Http1 => HttpVersion::Http1,
            HttpVersionArg::Http2 => HttpVersion::Http2,
        },
        tls: None,
        cert_only: args.request.cert_only,
        send: bytes(&args.request.send)?,
        expect: bytes(&tcp_expect(args)?.cloned())?,
        ws_send: args.request.ws_send.clone(),
        conditions,
        body_limit: None,
    })
}

/// `-H 'Name: value'`.
fn parse_header(s: &str) -> Result<(::http::HeaderName, ::http::HeaderValue), SpecError> {
    const EXPECTED: &str = "'Name: value', e.g. 'Authorization: Bearer abc'";
    let (name, value) = s
        .split_once(':')
        .ok_or_else(|| SpecError::new("header", s, "the ':' is missing", EXPECTED))?;
    let name = ::http::HeaderName::from_bytes(name.trim().as_bytes())
        .map_err(|_| SpecError::new("header", s, "the name is empty or invalid", EXPECTED))?;
    let value = ::http::HeaderValue::from_str(value.trim())
        .map_err(|_| SpecError::new("header", s, "the value has invalid characters", EXPECTED))?;
    Ok((name, value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Cli;
    use crate::exit::code_of;
    use clap::Parser;
    use std::time::Duration;

    fn args(list: &[&str]) -> ProbeArgs {
        let mut v = vec!["lbctl", "probe"];
        v.extend_from_slice(list);
        match Cli::try_parse_from(v).unwrap().command {
            crate::cli::Command::Probe(a) => a,
            _ => unreachable!(),
        }
    }

    fn prep(list: &[&str]) -> anyhow::Result<(Vec<ProbeTarget>, Settings)> {
        prepare(&args(list), &mut "".as_bytes())
    }

    #[test]
    fn headers_parse() {
        let (n, v) = parse_header("X-A:  b c ").unwrap();
        assert_eq!((n.as_str(), v.to_str().unwrap()), ("x-a", "b c"));
        for bad in ["nocolon", ": v", "a b: c", "x: \u{7}"] {
            assert!(parse_header(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bad_flags_are_usage_errors() {
        for bad in [
            &["db:1", "--expect-status", "2xx"][..],
            &["db:1", "--expect-json", "status == UP"],
            &["db:1", "--expect-body-regex", "("],
            &["db:1", "--require", "2"],
            &["db:1", "--require", "most"],
            &["db:1", "--cert-only"],
            &["db:1", "--rise", "0"],
            &["db:1", "--concurrency", "0"],
            &["db:1", "--watch", "--output", "nagios"],
            &["db:1", "--count", "3"],
            &["db:1", "--watch", "--retries", "2"],
            &["db:1", "-X", "G T"],
            &["db:1", "-H", "nocolon"],
            &["db:1", "--send", "\\q"],
            &["http://a/", "--expect", "x"],
            &["db:1", "--expect", "body !~ error"],
            &["http://a/", "--expect", "header.x !~ ("],
            &["db:1", "--cert-min-days", "soon"],
            &["db:1", "--warn-days", "x"],
            &["db:1", "--cacert", "/nonexistent.pem"],
            &["db:1", "--timeout", "0"],
            &["db:1", "--ws-send", "x"],
            &["db:1", "--expect", "ws.message ~ x"],
            &["ws://h/", "--expect", "icmp.loss == 0"],
            &["ws://h/", "--expect", "ws.nope == 1"],
            &["ws://h/", "--body", "x"],
            &["nohost"],
            &[],
        ] {
            let e = prep(bad)
                .err()
                .unwrap_or_else(|| panic!("{bad:?} accepted"));
            assert_eq!(code_of(&e), ExitCode::Usage, "{bad:?}: {e:#}");
        }
    }

    #[test]
    fn nagios_is_recognised_on_the_raw_command_line() {
        let req = |line: &str| {
            let v: Vec<std::ffi::OsString> = line.split(' ').map(Into::into).collect();
            nagios_requested(&v)
        };
        for yes in [
            "lbctl probe db:1 -o nagios",
            "lbctl probe -onagios db:1",
            "lbctl probe -o=nagios db:1",
            "lbctl probe -qo nagios db:1",
            "lbctl probe --output nagios db:1",
            "lbctl probe --output=nagios --bogus",
            "lbctl -q --color never probe db:1 -o nagios",
            "lbctl --color probe probe -o nagios",
        ] {
            assert!(req(yes), "{yes}");
        }
        for no in [
            "lbctl probe db:1 -o json",
            "lbctl probe db:1 --host nagios",
            "lbctl probe db:1 -- -o nagios",
            "lbctl load http://a/ --output nagios",
            "lbctl probe db:1 --output-x nagios",
            "lbctl",
        ] {
            assert!(!req(no), "{no}");
        }
        assert_eq!(
            nagios_unknown("bad regex\n  'a|b'\t here"),
            "LBCTL UNKNOWN - bad regex 'a/b' here"
        );
    }

    #[test]
    fn good_flags() {
        let (t, s) = prep(&[
            "http://127.0.0.1:1/x",
            "https://127.0.0.1:2/",
            "--require",
            "any",
            "--insecure",
            "--fast-interval",
            "500ms",
        ])
        .unwrap();
        assert_eq!(t.len(), 2);
        assert!(t[1].spec.tls.is_some());
        assert_eq!(s.require, Require::Any);
        assert_eq!(s.fast_interval, Duration::from_millis(500));
        assert_eq!(s.interval, Duration::from_secs(2));
    }
}
