//! The data of a DNS check: what a `dns://` target asks ([`DnsQuery`], parsed with the target
//! by target.rs), what the server answered ([`DnsAnswer`], the `dns` object of probe's JSON)
//! and the rcode names. Plain data, below the DNS check (dns.rs), the target parser and the
//! conditions on the answer (field.rs), so none of them imports another for it.

use hickory_resolver::proto::rr::{Name, RecordType};

/// What the server answered (also the `dns` object of probe's JSON).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DnsAnswer {
    /// The rcode's mnemonic: NOERROR, NXDOMAIN, SERVFAIL, REFUSED...
    pub rcode: String,
    /// The AA flag: the server is an authority for the name.
    pub authoritative: bool,
    /// The answer came over TCP (asked for, or after a truncated UDP answer).
    pub tcp: bool,
    /// The UDP answer was truncated (TC) and TCP was used.
    pub truncated: bool,
    pub answer: Vec<String>,
    pub authority: Vec<String>,
    pub additional: Vec<String>,
}

/// The rcode mnemonics of RFC 1035 4.1.1, RFC 2136 and RFC 6891 (blackbox uses these names).
pub fn rcode_name(code: u16) -> String {
    match code {
        0 => "NOERROR".into(),
        1 => "FORMERR".into(),
        2 => "SERVFAIL".into(),
        3 => "NXDOMAIN".into(),
        4 => "NOTIMP".into(),
        5 => "REFUSED".into(),
        6 => "YXDOMAIN".into(),
        7 => "YXRRSET".into(),
        8 => "NXRRSET".into(),
        9 => "NOTAUTH".into(),
        10 => "NOTZONE".into(),
        16 => "BADVERS".into(),
        n => format!("RCODE{n}"),
    }
}
/// The record types a DNS target may ask for.
pub const TYPES: &str = "A, AAAA, CNAME, MX, NS, PTR, SOA, SRV, TXT, CAA or ANY";

/// What a `dns://` target asks (parsed from its path and query by [`DnsQuery::parse`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsQuery {
    pub name: String,
    pub rtype: RecordType,
    /// `?transport=tcp`: ask over TCP only.
    pub tcp: bool,
    /// `?recurse=0` clears the RD flag (asking an authoritative server about its own zone).
    pub recurse: bool,
}

impl DnsQuery {
    /// From a target's path: `/NAME[?type=T][&transport=udp|tcp][&recurse=1|0]`.
    pub fn parse(path: &str) -> Result<DnsQuery, String> {
        let (name, query) = path.split_once('?').unwrap_or((path, ""));
        let name = name.trim_start_matches('/');
        if name.is_empty() {
            return Err("the name to look up is missing (dns://RESOLVER/NAME)".into());
        }
        Name::from_utf8(name).map_err(|_| format!("'{name}' is not a valid domain name"))?;
        let mut q = DnsQuery {
            name: name.to_string(),
            rtype: RecordType::A,
            tcp: false,
            recurse: true,
        };
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            match k.to_ascii_lowercase().as_str() {
                "type" => q.rtype = record_type(v)?,
                "transport" => {
                    q.tcp = match v.to_ascii_lowercase().as_str() {
                        "udp" => false,
                        "tcp" => true,
                        _ => return Err(format!("transport '{v}': expected udp or tcp")),
                    }
                }
                "recurse" => {
                    q.recurse = match v {
                        "1" | "true" => true,
                        "0" | "false" => false,
                        _ => return Err(format!("recurse '{v}': expected 1 or 0")),
                    }
                }
                _ => {
                    return Err(format!(
                        "unknown parameter '{k}'; expected type=, transport= or recurse="
                    ));
                }
            }
        }
        Ok(q)
    }
}

fn record_type(v: &str) -> Result<RecordType, String> {
    let t = v.to_ascii_uppercase();
    match t.as_str() {
        "A" | "AAAA" | "CNAME" | "MX" | "NS" | "PTR" | "SOA" | "SRV" | "TXT" | "CAA" | "ANY" => t
            .parse::<RecordType>()
            .map_err(|_| format!("record type '{v}' is not known")),
        _ => Err(format!("record type '{v}': expected one of {TYPES}")),
    }
}
