//! Exporter modules: blackbox_exporter's idea (a named recipe for how to probe, chosen per
//! scrape with `module=`) in lbctl's words. The built-in ones ([`builtin`]) and a TOML file
//! (`--modules F.toml`) of `[modules.NAME]` tables, parsed at start and on each reload into [`Module`]s
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
//! body_size_limit = "1MiB"               # a longer body fails the probe
//!
//! [modules.resolver_a]
//! prober = "dns"
//! query_name = "example.com"
//! query_type = "A"
//! ```

use super::module::Module;
use super::module_toml::{RawModule, build};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// The whole file: `[modules.NAME]` tables.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    modules: BTreeMap<String, RawModule>,
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
body_size_limit = "64KiB"

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
        assert_eq!(api.spec.body_limit, Some(65_536));
        let dns = got[1].1.dns.as_ref().unwrap();
        assert_eq!(
            super::super::module::question_path(dns),
            "/example.com?type=AAAA&transport=tcp"
        );
        assert_eq!(got[1].1.spec.conditions.fields.len(), 1);
        let icmp = r#"
[modules.ping_big]
prober = "icmp"
preferred_ip_protocol = "ip6"
ip_protocol_fallback = false
source_ip_address = "::1"
dont_fragment = true
payload_size = 1400
ttl = 3
"#;
        let got = parse(icmp, T).unwrap();
        assert_eq!(
            got[0].1.icmp,
            "?preferred_ip_protocol=ip6&ip_protocol_fallback=false&source_ip_address=::1\
             &dont_fragment=true&payload_size=1400&ttl=3"
        );
        assert_eq!(b["icmp"].icmp, "");
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
            (
                "[modules.a]\nprober = \"icmp\"\npayload_size = 70000\n",
                "line 3: module a: payload_size '70000' is not a number from 0 to 65507",
            ),
            (
                "[modules.a]\nprober = \"icmp\"\n\nttl = 0\n",
                "line 4: module a: ttl '0' is not a number from 1 to 255",
            ),
            (
                "[modules.a]\nprober = \"icmp\"\npreferred_ip_protocol = \"ipv6\"\n",
                "line 3: module a: preferred_ip_protocol 'ipv6' is not ip4 or ip6",
            ),
            (
                "[modules.a]\nprober = \"icmp\"\nsource_ip_address = \"a&ttl=1\"\n",
                "line 3: module a: source_ip_address 'a&ttl=1' is not a valid value",
            ),
            (
                "[modules.a]\nprober = \"icmp\"\nip_protocol_fallback = false\n",
                "line 3: module a: ip_protocol_fallback=false needs preferred_ip_protocol",
            ),
            (
                "[modules.a]\nprober = \"tcp\"\ndont_fragment = true\n",
                "line 3: module a: dont_fragment applies to prober icmp, not tcp",
            ),
            (
                "[modules.a]\nprober = \"http\"\nbody_size_limit = \"lots\"\n",
                "line 3: module a: invalid size 'lots'",
            ),
            (
                "[modules.a]\nprober = \"tcp\"\nbody_size_limit = 10\n",
                "line 3: module a: body_size_limit applies to prober http, not tcp",
            ),
        ] {
            let e = parse(text, T)
                .err()
                .unwrap_or_else(|| panic!("{text} accepted"));
            assert!(e.contains(want), "{text}: {e}");
        }
    }
}
