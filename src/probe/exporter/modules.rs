//! Exporter modules: blackbox_exporter's idea (a named recipe for how to probe, chosen per
//! scrape with `module=`) in lbctl's words. The built-in ones ([`builtin`]) and a TOML file
//! (`--modules F.toml`) of `[modules.NAME]` tables, parsed once at start into [`Module`]s
//! whose [`CheckSpec`] is ready to run; a mistake is a usage error naming the file, the line
//! and what was expected.
//!
//! ```toml
//! [modules.api_ok]
//! prober = "http"            # http, tcp, dns, grpc or icmp
//! timeout = "3s"
//! method = "POST"
//! headers = { "Content-Type" = "application/json" }
//! body = '{"deep": true}'
//! valid_status_codes = [200, 204]        # or "200-299,301"
//! expect = ["body !~ error", "header.X-Version ~ ^2\\."]
//!
//! [modules.resolver_a]
//! prober = "dns"
//! query_name = "example.com"
//! query_type = "A"
//! ```

use crate::check::{CheckSpec, Conditions, HttpVersion, StatusRanges, tls};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// What kind of check a module makes (blackbox's `prober`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prober {
    Http,
    Tcp,
    Dns,
    Grpc,
    Icmp,
}

impl Prober {
    pub fn as_str(self) -> &'static str {
        match self {
            Prober::Http => "http",
            Prober::Tcp => "tcp",
            Prober::Dns => "dns",
            Prober::Grpc => "grpc",
            Prober::Icmp => "icmp",
        }
    }
}

/// The DNS question of a `dns` module (the target names the server to ask).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsQuestion {
    pub name: String,
    pub rtype: String,
    pub tcp: bool,
    pub recurse: bool,
}

/// One module, ready to probe with.
#[derive(Debug, Clone)]
pub struct Module {
    pub name: String,
    pub prober: Prober,
    /// The module's own time budget (blackbox's `timeout`); a scrape's budget may be smaller.
    pub timeout: Duration,
    pub spec: Arc<CheckSpec>,
    /// grpc: over TLS (grpcs).
    pub tls: bool,
    /// grpc: the grpc.health.v1 service to ask about ("" for the whole server).
    pub service: String,
    /// dns: the question; None means the target must be a whole `dns://` URL.
    pub dns: Option<DnsQuestion>,
    /// The module as configured, for `debug=true` and the index page.
    pub shown: String,
}

/// A module table as written in the file.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawModule {
    prober: String,
    timeout: Option<String>,
    // http
    method: Option<String>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    body: Option<String>,
    valid_status_codes: Option<StatusCodes>,
    http_version: Option<String>,
    follow_redirects: Option<bool>,
    #[serde(default)]
    expect: Vec<String>,
    #[serde(default)]
    fail_if_body_matches_regexp: Vec<String>,
    #[serde(default)]
    fail_if_body_not_matches_regexp: Vec<String>,
    fail_if_ssl: Option<bool>,
    fail_if_not_ssl: Option<bool>,
    // tls (http, grpc)
    tls: Option<bool>,
    insecure_skip_verify: Option<bool>,
    ca_file: Option<PathBuf>,
    cert_file: Option<PathBuf>,
    key_file: Option<PathBuf>,
    // grpc
    service: Option<String>,
    // tcp
    send: Option<String>,
    reply: Option<String>,
    // dns
    query_name: Option<String>,
    query_type: Option<String>,
    transport_protocol: Option<String>,
    recursion_desired: Option<bool>,
}

/// `valid_status_codes = [200, 204]` (blackbox's form) or `"200-299,301"` (lbctl's).
#[derive(Debug, Deserialize, Serialize)]
#[serde(untagged)]
enum StatusCodes {
    List(Vec<u16>),
    Text(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    modules: BTreeMap<String, RawModule>,
}

/// A module mistake: what was wrong, and the key it is about (to find its line).
struct Problem {
    key: &'static str,
    text: String,
}

fn problem(key: &'static str, text: impl Into<String>) -> Problem {
    Problem {
        key,
        text: text.into(),
    }
}

/// The built-in modules (blackbox's example names), each replaceable by the file.
pub fn builtin(default_timeout: Duration) -> BTreeMap<String, Module> {
    let mut out = BTreeMap::new();
    let defs: [(&str, RawModule); 7] = [
        ("http_2xx", raw("http")),
        (
            "http_post_2xx",
            RawModule {
                method: Some("POST".into()),
                ..raw("http")
            },
        ),
        ("tcp_connect", raw("tcp")),
        ("dns", raw("dns")),
        ("grpc", raw("grpc")),
        (
            "grpc_tls",
            RawModule {
                tls: Some(true),
                ..raw("grpc")
            },
        ),
        ("icmp", raw("icmp")),
    ];
    for (name, r) in defs {
        if let Ok(m) = build(name, &r, default_timeout) {
            out.insert(name.to_string(), m);
        }
    }
    out
}

fn raw(prober: &str) -> RawModule {
    RawModule {
        prober: prober.into(),
        ..RawModule::default()
    }
}

/// The built-in modules plus the file's (which win on a name clash).
pub fn load(
    file: Option<&Path>,
    default_timeout: Duration,
) -> Result<BTreeMap<String, Module>, String> {
    let mut all = builtin(default_timeout);
    let Some(path) = file else {
        return Ok(all);
    };
    let shown = path.display();
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read modules file '{shown}': {e}"))?;
    for (name, m) in parse(&text, default_timeout).map_err(|e| format!("{shown} {e}"))? {
        all.insert(name, m);
    }
    Ok(all)
}

/// Parse a modules file; Err is "line N: what was wrong (expected ...)".
pub fn parse(text: &str, default_timeout: Duration) -> Result<Vec<(String, Module)>, String> {
    let doc: RawFile = toml::from_str(text).map_err(|e| {
        let line = e.span().map_or(1, |s| {
            text.as_bytes()[..s.start.min(text.len())]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1
        });
        let msg = e.message().replace('\n', " ");
        let msg = msg.trim();
        if msg.contains("expected") {
            format!("line {line}: {msg}")
        } else {
            format!(
                "line {line}: {msg} (expected [modules.NAME] tables with prober = \"http\" and the keys in the README)"
            )
        }
    })?;
    if doc.modules.is_empty() {
        return Err("line 1: no [modules.NAME] table".into());
    }
    let mut out = Vec::new();
    for (name, r) in &doc.modules {
        let m = build(name, r, default_timeout).map_err(|p| {
            format!(
                "line {}: module {name}: {}",
                key_line(text, name, p.key),
                p.text
            )
        })?;
        out.push((name.clone(), m));
    }
    Ok(out)
}

/// The line of `key` inside module `name`'s table (its header line when not found).
fn key_line(text: &str, name: &str, key: &str) -> usize {
    let header = |l: &str| {
        let t = l.trim();
        t == format!("[modules.{name}]") || t == format!("[modules.\"{name}\"]")
    };
    let lines: Vec<&str> = text.lines().collect();
    let Some(start) = lines.iter().position(|l| header(l)) else {
        return 1;
    };
    for (i, l) in lines.iter().enumerate().skip(start + 1) {
        let t = l.trim_start();
        if t.starts_with('[') {
            break;
        }
        if let Some(rest) = t.strip_prefix(key)
            && rest.trim_start().starts_with('=')
        {
            return i + 1;
        }
    }
    start + 1
}

fn build(name: &str, r: &RawModule, default_timeout: Duration) -> Result<Module, Problem> {
    let prober = match r.prober.as_str() {
        "http" => Prober::Http,
        "tcp" => Prober::Tcp,
        "dns" => Prober::Dns,
        "grpc" => Prober::Grpc,
        "icmp" => Prober::Icmp,
        other => {
            return Err(problem(
                "prober",
                format!("prober '{other}': expected http, tcp, dns, grpc or icmp"),
            ));
        }
    };
    let only = |present: bool, key: &'static str, probers: &[Prober]| -> Result<(), Problem> {
        if present && !probers.contains(&prober) {
            let names: Vec<&str> = probers.iter().map(|p| p.as_str()).collect();
            return Err(problem(
                key,
                format!(
                    "{key} applies to prober {}, not {}",
                    names.join(" or "),
                    prober.as_str()
                ),
            ));
        }
        Ok(())
    };
    use Prober::{Dns, Grpc, Http, Tcp};
    let http_keys = [
        (r.method.is_some(), "method"),
        (!r.headers.is_empty(), "headers"),
        (r.body.is_some(), "body"),
        (r.valid_status_codes.is_some(), "valid_status_codes"),
        (r.http_version.is_some(), "http_version"),
        (r.follow_redirects.is_some(), "follow_redirects"),
        (!r.expect.is_empty(), "expect"),
        (
            !r.fail_if_body_matches_regexp.is_empty(),
            "fail_if_body_matches_regexp",
        ),
        (
            !r.fail_if_body_not_matches_regexp.is_empty(),
            "fail_if_body_not_matches_regexp",
        ),
        (r.fail_if_ssl.is_some(), "fail_if_ssl"),
        (r.fail_if_not_ssl.is_some(), "fail_if_not_ssl"),
    ];
    for (present, key) in http_keys {
        // Conditions also judge DNS answers and TLS handshakes (dns.*, tls.*, cert.*).
        let allowed: &[Prober] = if key == "expect" {
            &[Http, Dns, Grpc]
        } else {
            &[Http]
        };
        only(present, key, allowed)?;
    }
    only(r.tls.is_some(), "tls", &[Grpc])?;
    let tls_opts = r.insecure_skip_verify.is_some()
        || r.ca_file.is_some()
        || r.cert_file.is_some()
        || r.key_file.is_some();
    only(
        r.insecure_skip_verify.is_some(),
        "insecure_skip_verify",
        &[Http, Grpc],
    )?;
    only(r.ca_file.is_some(), "ca_file", &[Http, Grpc])?;
    only(r.cert_file.is_some(), "cert_file", &[Http, Grpc])?;
    only(r.key_file.is_some(), "key_file", &[Http, Grpc])?;
    only(r.service.is_some(), "service", &[Grpc])?;
    only(r.send.is_some(), "send", &[Tcp])?;
    only(r.reply.is_some(), "reply", &[Tcp])?;
    for (present, key) in [
        (r.query_name.is_some(), "query_name"),
        (r.query_type.is_some(), "query_type"),
        (r.transport_protocol.is_some(), "transport_protocol"),
        (r.recursion_desired.is_some(), "recursion_desired"),
    ] {
        only(present, key, &[Dns])?;
    }

    let timeout = match &r.timeout {
        None => default_timeout,
        Some(t) => match crate::spec::parse_duration(t) {
            Ok(d) if !d.is_zero() => d,
            _ => {
                return Err(problem(
                    "timeout",
                    format!("timeout '{t}': expected a duration above 0 such as 5s or 500ms"),
                ));
            }
        },
    };
    let spec_err = |key: &'static str| move |e: crate::spec::SpecError| problem(key, e.to_string());
    let mut c = Conditions::default();
    if prober == Http {
        // blackbox's default: any 2xx (valid_status_codes empty).
        c.status = StatusRanges::parse("200-299").map_err(spec_err("valid_status_codes"))?;
    }
    match &r.valid_status_codes {
        None => {}
        Some(StatusCodes::Text(s)) => {
            c.status = StatusRanges::parse(s).map_err(spec_err("valid_status_codes"))?;
        }
        Some(StatusCodes::List(list)) => {
            let text: Vec<String> = list.iter().map(u16::to_string).collect();
            c.status =
                StatusRanges::parse(&text.join(",")).map_err(spec_err("valid_status_codes"))?;
        }
    }
    for e in &r.expect {
        c.add_expect(e).map_err(spec_err("expect"))?;
    }
    for re in &r.fail_if_body_matches_regexp {
        c.add_expect(&format!("body !~ {re}"))
            .map_err(spec_err("fail_if_body_matches_regexp"))?;
    }
    for re in &r.fail_if_body_not_matches_regexp {
        c.add_expect(&format!("body ~ {re}"))
            .map_err(spec_err("fail_if_body_not_matches_regexp"))?;
    }
    if r.fail_if_ssl == Some(true) {
        c.add_expect("tls == false")
            .map_err(spec_err("fail_if_ssl"))?;
    }
    if r.fail_if_not_ssl == Some(true) {
        c.add_expect("tls == true")
            .map_err(spec_err("fail_if_not_ssl"))?;
    }
    if prober != Http && !c.http.is_empty() {
        return Err(problem(
            "expect",
            "status, body, header and tls conditions apply to prober http",
        ));
    }
    let method = match &r.method {
        None => http::Method::GET,
        Some(m) => http::Method::from_bytes(m.to_ascii_uppercase().as_bytes()).map_err(|_| {
            problem(
                "method",
                format!("method '{m}': expected a method such as GET or POST"),
            )
        })?,
    };
    let mut headers = Vec::new();
    for (k, v) in &r.headers {
        let name = http::HeaderName::from_bytes(k.as_bytes())
            .map_err(|_| problem("headers", format!("header name '{k}' is not valid")))?;
        let value = http::HeaderValue::from_str(v).map_err(|_| {
            problem(
                "headers",
                format!("header {k}: the value has invalid characters"),
            )
        })?;
        headers.push((name, value));
    }
    let version = match r.http_version.as_deref() {
        None => HttpVersion::Auto,
        Some("1.1" | "HTTP/1.1") => HttpVersion::Http1,
        Some("2" | "2.0" | "HTTP/2" | "HTTP/2.0") => HttpVersion::Http2,
        Some(v) => {
            return Err(problem(
                "http_version",
                format!("http_version '{v}': expected \"1.1\" or \"2\""),
            ));
        }
    };
    let tls_cfg = if tls_opts {
        let identity =
            crate::tls::ClientIdentity::from_flags(r.cert_file.as_deref(), r.key_file.as_deref())
                .map_err(|e| {
                problem(
                    "cert_file",
                    e.replace("--cert", "cert_file")
                        .replace("--key", "key_file"),
                )
            })?;
        let alpn = match (prober, version) {
            (Grpc, _) | (_, HttpVersion::Http2) => tls::Alpn::Http2,
            (_, HttpVersion::Http1) => tls::Alpn::Http1,
            _ => tls::Alpn::Both,
        };
        Some(
            tls::client_config(
                r.insecure_skip_verify == Some(true),
                r.ca_file.as_deref(),
                identity.as_ref(),
                alpn,
            )
            .map_err(spec_err("ca_file"))?,
        )
    } else {
        None
    };
    let bytes = |key: &'static str, v: &Option<String>| -> Result<Option<Vec<u8>>, Problem> {
        v.as_deref()
            .map(crate::check::target::unescape)
            .transpose()
            .map_err(spec_err(key))
    };
    let dns = match (&r.query_name, prober) {
        (Some(qname), Dns) => {
            let rtype = r.query_type.clone().unwrap_or_else(|| "ANY".into());
            let tcp = match r.transport_protocol.as_deref() {
                None | Some("udp") => false,
                Some("tcp") => true,
                Some(t) => {
                    return Err(problem(
                        "transport_protocol",
                        format!("transport_protocol '{t}': expected udp or tcp"),
                    ));
                }
            };
            let q = DnsQuestion {
                name: qname.clone(),
                rtype,
                tcp,
                recurse: r.recursion_desired.unwrap_or(true),
            };
            crate::check::dns_data::DnsQuery::parse(&question_path(&q))
                .map_err(|e| problem("query_name", e))?;
            Some(q)
        }
        _ => None,
    };
    if let Some(s) = &r.service
        && !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err(problem(
            "service",
            format!("service '{s}': expected a gRPC service name such as lbctl.test.v1.Echo"),
        ));
    }
    let spec = CheckSpec {
        method,
        headers,
        body: r.body.clone().map(bytes::Bytes::from),
        // blackbox follows redirects unless follow_redirects = false (up to 10).
        follow: if r.follow_redirects.unwrap_or(true) {
            10
        } else {
            0
        },
        version,
        tls: tls_cfg,
        send: bytes("send", &r.send)?,
        expect: bytes("reply", &r.reply)?,
        conditions: c,
        ..CheckSpec::default()
    };
    Ok(Module {
        name: name.to_string(),
        prober,
        timeout,
        spec: Arc::new(spec),
        tls: r.tls == Some(true),
        service: r.service.clone().unwrap_or_default(),
        dns,
        shown: show(r),
    })
}

/// The module's settings as JSON (the keys given, without the unset ones).
fn show(r: &RawModule) -> String {
    let mut v = serde_json::to_value(r).unwrap_or_default();
    if let Some(map) = v.as_object_mut() {
        map.retain(|_, v| {
            !(v.is_null()
                || v.as_array().is_some_and(Vec::is_empty)
                || v.as_object().is_some_and(|o| o.is_empty()))
        });
    }
    serde_json::to_string_pretty(&v).unwrap_or_default()
}

/// The path and query of a `dns://` target asking `q`.
pub fn question_path(q: &DnsQuestion) -> String {
    let mut p = format!("/{}?type={}", q.name, q.rtype);
    if q.tcp {
        p.push_str("&transport=tcp");
    }
    if !q.recurse {
        p.push_str("&recurse=0");
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Duration = Duration::from_secs(5);

    #[test]
    fn builtins_and_a_file() {
        let b = builtin(T);
        for name in [
            "http_2xx",
            "http_post_2xx",
            "tcp_connect",
            "dns",
            "grpc",
            "grpc_tls",
            "icmp",
        ] {
            assert!(b.contains_key(name), "{name}");
        }
        assert_eq!(b["http_2xx"].spec.conditions.status.to_string(), "200-299");
        assert_eq!(b["http_post_2xx"].spec.method, http::Method::POST);
        assert!(b["grpc_tls"].tls);
        let text = r#"
[modules.api]
prober = "http"
timeout = "2s"
method = "post"
headers = { "X-A" = "b" }
body = "{}"
valid_status_codes = [200, 204]
expect = ["body !~ error", "header.X-V ~ ^2"]
fail_if_not_ssl = true
follow_redirects = false

[modules.resolver]
prober = "dns"
query_name = "example.com"
query_type = "AAAA"
transport_protocol = "tcp"
expect = ["dns.answer.count >= 1"]
"#;
        let got = parse(text, T).unwrap();
        let api = &got[0].1;
        assert_eq!(api.timeout, Duration::from_secs(2));
        assert_eq!(api.spec.method, http::Method::POST);
        assert_eq!(api.spec.conditions.status.to_string(), "200,204");
        assert_eq!(api.spec.conditions.http.len(), 3);
        assert_eq!(api.spec.follow, 0);
        let dns = got[1].1.dns.as_ref().unwrap();
        assert_eq!(question_path(dns), "/example.com?type=AAAA&transport=tcp");
        assert_eq!(got[1].1.spec.conditions.fields.len(), 1);
    }

    #[test]
    fn mistakes_name_the_line_and_what_was_expected() {
        for (text, want) in [
            (
                "[modules.a]\nprober = \"ftp\"\n",
                "line 2: module a: prober 'ftp'",
            ),
            (
                "[modules.a]\nprober = \"http\"\n\ntimeout = \"soon\"\n",
                "line 4: module a: timeout 'soon'",
            ),
            (
                "[modules.a]\nprober = \"tcp\"\nmethod = \"GET\"\n",
                "line 3: module a: method applies to prober http, not tcp",
            ),
            (
                "[modules.a]\nprober = \"http\"\nexpect = [\"body ~ (\"]\n",
                "line 3: module a: invalid regular expression",
            ),
            (
                "[modules.a]\nprober = \"http\"\ncolour = 1\n",
                "line 3: unknown field `colour`",
            ),
            ("[modules.a]\nprober = http\n", "line 2:"),
            ("[modules.a]\ntimeout = \"1s\"\n", "missing field `prober`"),
            ("", "line 1: no [modules.NAME] table"),
            (
                "[modules.a]\nprober = \"dns\"\nquery_name = \"a\"\nquery_type = \"B\"\n",
                "line 3: module a: record type 'B'",
            ),
            (
                "[modules.a]\nprober = \"http\"\nvalid_status_codes = \"2xx\"\n",
                "line 3: module a:",
            ),
        ] {
            let e = parse(text, T)
                .err()
                .unwrap_or_else(|| panic!("{text} accepted"));
            assert!(e.contains(want), "{text}: {e}");
        }
    }
}
