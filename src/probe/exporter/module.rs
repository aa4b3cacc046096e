//! What an exporter module is once built ([`Module`]: its prober, time budget and ready
//! [`CheckSpec`]), shared by the file parser (modules.rs, module_toml.rs) and the server
//! (server.rs, target.rs, exposition.rs).

use crate::check::CheckSpec;
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
    /// icmp: the `?key=value&...` options its targets get ("" for none).
    pub icmp: String,
    /// The module as configured, for `debug=true` and the index page.
    pub shown: String,
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
