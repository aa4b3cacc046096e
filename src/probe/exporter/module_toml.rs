//! A module table of `--modules F.toml` as written ([`RawModule`], serde) and how it becomes a
//! ready [`Module`] ([`build`]): which keys apply to which prober, the conditions, the request,
//! the TLS configuration, the DNS question and the ICMP options, each mistake tied to the key
//! it is about (so modules.rs can name its line).

use super::module::{DnsQuestion, Module, Prober, question_path};
use crate::check::{CheckSpec, Conditions, HttpVersion, StatusRanges, tls};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// A module table as written in the file.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawModule {
    pub prober: String,
    pub timeout: Option<String>,
    // http
    pub method: Option<String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    pub body: Option<String>,
    pub valid_status_codes: Option<StatusCodes>,
    pub http_version: Option<String>,
    pub follow_redirects: Option<bool>,
    #[serde(default)]
    pub expect: Vec<String>,
    #[serde(default)]
    pub fail_if_body_matches_regexp: Vec<String>,
    #[serde(default)]
    pub fail_if_body_not_matches_regexp: Vec<String>,
    pub fail_if_ssl: Option<bool>,
    pub fail_if_not_ssl: Option<bool>,
    pub body_size_limit: Option<Size>,
    // tls (http, grpc)
    pub tls: Option<bool>,
    pub insecure_skip_verify: Option<bool>,
    pub ca_file: Option<PathBuf>,
    pub cert_file: Option<PathBuf>,
    pub key_file: Option<PathBuf>,
    // grpc
    pub service: Option<String>,
    // tcp
    pub send: Option<String>,
    pub reply: Option<String>,
    // dns
    pub query_name: Option<String>,
    pub query_type: Option<String>,
    pub transport_protocol: Option<String>,
    pub recursion_desired: Option<bool>,
    // icmp (blackbox's `icmp:` keys, the same names)
    pub preferred_ip_protocol: Option<String>,
    pub ip_protocol_fallback: Option<bool>,
    pub source_ip_address: Option<String>,
    pub dont_fragment: Option<bool>,
    pub payload_size: Option<i64>,
    pub ttl: Option<i64>,
}

/// `valid_status_codes = [200, 204]` (blackbox's form) or `"200-299,301"` (lbctl's).
#[derive(Debug, Deserialize, Serialize)]
#[serde(untagged)]
pub enum StatusCodes {
    List(Vec<u16>),
    Text(String),
}

/// `body_size_limit = 1048576` (bytes) or `"1MiB"` (lbctl's sizes: KB is 1000, KiB 1024).
#[derive(Debug, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Size {
    Bytes(u64),
    Text(String),
}

/// A module mistake: what was wrong, and the key it is about (to find its line).
pub struct Problem {
    pub key: &'static str,
    pub text: String,
}

fn problem(key: &'static str, text: impl Into<String>) -> Problem {
    Problem {
        key,
        text: text.into(),
    }
}

/// Check a module table and build the module it describes.
pub fn build(name: &str, r: &RawModule, default_timeout: Duration) -> Result<Module, Problem> {
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
    use Prober::{Dns, Grpc, Http, Icmp, Tcp};
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
        (r.body_size_limit.is_some(), "body_size_limit"),
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
    for (key, _) in icmp_keys(r) {
        only(true, key, &[Icmp])?;
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
    // blackbox's default 0 is no limit.
    let body_limit = match &r.body_size_limit {
        None => None,
        Some(Size::Bytes(n)) => Some(*n),
        Some(Size::Text(t)) => {
            Some(crate::spec::parse_size(t).map_err(spec_err("body_size_limit"))?)
        }
    }
    .filter(|n| *n > 0);
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
        body_limit,
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
        icmp: icmp_query(r)?,
        shown: show(r),
    })
}

/// The icmp keys given, as `icmp://` query pairs (the same names).
fn icmp_keys(r: &RawModule) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if let Some(v) = &r.preferred_ip_protocol {
        out.push(("preferred_ip_protocol", v.clone()));
    }
    if let Some(v) = r.ip_protocol_fallback {
        out.push(("ip_protocol_fallback", v.to_string()));
    }
    if let Some(v) = &r.source_ip_address {
        out.push(("source_ip_address", v.clone()));
    }
    if let Some(v) = r.dont_fragment {
        out.push(("dont_fragment", v.to_string()));
    }
    if let Some(v) = r.payload_size {
        out.push(("payload_size", v.to_string()));
    }
    if let Some(v) = r.ttl {
        out.push(("ttl", v.to_string()));
    }
    out
}

/// The `?key=value&...` an icmp module adds to its targets ("" with no icmp keys), each key
/// checked on its own first so a mistake names its line.
fn icmp_query(r: &RawModule) -> Result<String, Problem> {
    use crate::check::icmp_data::IcmpQuery;
    let keys = icmp_keys(r);
    let mut pairs = Vec::new();
    for (key, value) in &keys {
        // A value that would break the query apart is not a value of any of these keys.
        if value.contains(['&', '?', '=', '#']) || value.contains(char::is_whitespace) {
            return Err(problem(
                key,
                format!("{key} '{value}' is not a valid value"),
            ));
        }
        let pair = format!("{key}={value}");
        // Checked beside a family, so a lone fallback key is judged on its value only; the
        // rule between the two keys is checked on the whole query below.
        IcmpQuery::parse(&format!("preferred_ip_protocol=ip6&{pair}"))
            .map_err(|e| problem(key, e))?;
        pairs.push(pair);
    }
    if pairs.is_empty() {
        return Ok(String::new());
    }
    let query = format!("?{}", pairs.join("&"));
    IcmpQuery::parse(&query).map_err(|e| problem("ip_protocol_fallback", e))?;
    Ok(query)
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
