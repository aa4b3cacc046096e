//! Field conditions (`--expect 'dns.answer.count >= 1'`): `FIELD OP VALUE` on what a check
//! saw, for the facts that are not an HTTP body. The TLS handshake's (https://, grpcs://; the
//! certificate fields are the leaf's):
//!
//! - `tls.version >= 1.2` (`== != >= <= > <`), `cert.days_left >= 14` (the leaf's notAfter).
//! - `tls.cipher`, `tls.alpn`, `cert.subject`, `cert.issuer`, `cert.san` (any of the SANs) and
//!   `cert.fingerprint` (SHA-256, hex) with `==`/`!=` (exact, case-insensitive) or `~`/`!~` (a
//!   regular expression): `cert.issuer ~ Let's Encrypt`, `cert.san == api.example.com`.
//!
//! And the DNS answer's:
//!
//! - `dns.rcode == NOERROR` (or `!=`; a comma list means any of them: `== NOERROR,NXDOMAIN`);
//!   without a `dns.rcode` condition a DNS check requires NOERROR (blackbox's valid_rcodes).
//! - `dns.authoritative == true|false` (the AA flag).
//! - `dns.answer.count`, `dns.authority.count`, `dns.additional.count` with `== != >= <= > <`.
//! - `dns.answer ~ RE` (some record matches), `dns.answer !~ RE` (none does),
//!   `dns.answer.all ~ RE` (every record matches), `dns.answer.all !~ RE` (not every one
//!   does); the same for `dns.authority` and `dns.additional`. Records are matched in the
//!   zone-file form blackbox_exporter's regular expressions are written against:
//!   `NAME<TAB>TTL<TAB>CLASS<TAB>TYPE<TAB>RDATA`. These are blackbox's `fail_if_*` options
//!   turned around to say what must hold.
//!
//! And a WebSocket exchange's or ICMP echoes' (`ws.message ~ pong`, `icmp.loss <= 20`...),
//! parsed here and judged in field_exchange.rs, which lists them.

use super::dns_data::DnsAnswer;
use super::tls_info::TlsInfo;
pub use super::words::Op;
use super::words::{compare, unquote};
use crate::spec::SpecError;

const EXPECTED: &str = "FIELD OP VALUE, e.g. 'tls.version >= 1.2', 'cert.issuer ~ Let', \
     'cert.days_left >= 14', 'dns.rcode == NXDOMAIN', 'dns.answer.count >= 1', \
     'dns.answer ~ 10\\.0\\.0\\.', 'dns.authoritative == true', 'ws.message ~ pong', \
     'ws.close_code == 1000', 'icmp.loss <= 20', 'icmp.rtt_ms < 50'";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Answer,
    Authority,
    Additional,
}

impl Section {
    fn name(self) -> &'static str {
        match self {
            Section::Answer => "answer",
            Section::Authority => "authority",
            Section::Additional => "additional",
        }
    }

    fn records(self, a: &DnsAnswer) -> &[String] {
        match self {
            Section::Answer => &a.answer,
            Section::Authority => &a.authority,
            Section::Additional => &a.additional,
        }
    }
}

/// A number a TLS check saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NumField {
    TlsVersion,
    CertDaysLeft,
}

/// Text a TLS check saw (`cert.san` is a list: any entry may satisfy the condition).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TextField {
    TlsCipher,
    TlsAlpn,
    CertSubject,
    CertIssuer,
    CertSan,
    CertFingerprint,
}

#[derive(Debug, Clone)]
enum Want {
    Exact(String),
    Re(regex::Regex),
}

#[derive(Debug, Clone)]
enum Check {
    Number(NumField, f64),
    Text(TextField, Want),
    Rcode(Vec<String>),
    Authoritative(bool),
    Count(Section, f64),
    Records {
        section: Section,
        all: bool,
        re: regex::Regex,
    },
    /// A WebSocket or ICMP fact (field_exchange.rs).
    Exchange(super::field_exchange::Field, super::field_exchange::Want),
}

/// One parsed field condition.
#[derive(Debug, Clone)]
pub struct FieldCond {
    text: String,
    op: Op,
    check: Check,
}

impl FieldCond {
    /// Whether `s` is written as a field condition (a known field name first), so `--expect`
    /// can tell one from a TCP reply to wait for.
    pub fn looks_like(s: &str) -> bool {
        let t = s.trim_start();
        ["dns.", "tls.", "cert.", "ws.", "icmp."]
            .iter()
            .any(|p| t.starts_with(p))
    }

    /// Whether this condition is about a WebSocket exchange (ws.*).
    pub fn is_ws(&self) -> bool {
        matches!(&self.check, Check::Exchange(f, _) if f.is_ws())
    }

    /// Whether this condition judges the first WebSocket message (the check then waits for one).
    pub fn wants_ws_message(&self) -> bool {
        matches!(
            &self.check,
            Check::Exchange(super::field_exchange::Field::WsMessage, _)
        )
    }

    /// Whether this condition is about ICMP echoes (icmp.*).
    pub fn is_icmp(&self) -> bool {
        matches!(&self.check, Check::Exchange(f, _) if !f.is_ws())
    }

    /// Whether this condition is about a DNS answer (dns.*).
    pub fn is_dns(&self) -> bool {
        !matches!(
            self.check,
            Check::Number(..) | Check::Text(..) | Check::Exchange(..)
        )
    }

    /// Whether this condition is about a TLS handshake (the target must then use TLS).
    pub fn is_tls(&self) -> bool {
        matches!(self.check, Check::Number(..) | Check::Text(..))
    }

    /// Whether this condition is about the rcode (it then replaces the NOERROR default).
    pub fn is_rcode(&self) -> bool {
        matches!(self.check, Check::Rcode(_))
    }

    pub fn parse(s: &str) -> Result<FieldCond, SpecError> {
        let bad = |why: String| SpecError::new("condition", s, why, EXPECTED);
        let t = s.trim();
        let end = t
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_'))
            .unwrap_or(t.len());
        let (field, rest) = t.split_at(end);
        let rest = rest.trim_start();
        let (op, value) = [
            ("==", Op::Eq),
            ("!=", Op::Ne),
            (">=", Op::Ge),
            ("<=", Op::Le),
            ("!~", Op::NoMatch),
            (">", Op::Gt),
            ("<", Op::Lt),
            ("~", Op::Match),
        ]
        .into_iter()
        .find_map(|(sym, op)| rest.strip_prefix(sym).map(|v| (op, v)))
        .ok_or_else(|| bad(format!("no operator after '{field}'")))?;
        let value = unquote(value.trim());
        if value.is_empty() {
            return Err(bad("the value is missing".into()));
        }
        let ops = |allowed: &[Op], what: &str| -> Result<(), SpecError> {
            if allowed.contains(&op) {
                Ok(())
            } else {
                Err(bad(format!("{field} {what}, not {}", op.as_str())))
            }
        };
        let section = |name: &str| match name {
            "answer" => Some(Section::Answer),
            "authority" => Some(Section::Authority),
            "additional" => Some(Section::Additional),
            _ => None,
        };
        let parts: Vec<&str> = field.split('.').collect();
        // A numeric field: any comparison, and a finite number on the right.
        let number_value = || -> Result<f64, SpecError> {
            ops(
                &[Op::Eq, Op::Ne, Op::Ge, Op::Le, Op::Gt, Op::Lt],
                "is a number (== != >= <= > <)",
            )?;
            value
                .parse()
                .ok()
                .filter(|n: &f64| n.is_finite())
                .ok_or_else(|| bad(format!("'{value}' is not a number")))
        };
        let number =
            |f: NumField| -> Result<Check, SpecError> { Ok(Check::Number(f, number_value()?)) };
        let text = |f: TextField| -> Result<Check, SpecError> {
            ops(
                &[Op::Eq, Op::Ne, Op::Match, Op::NoMatch],
                "takes == or != (exact) or ~ or !~ (a regular expression)",
            )?;
            Ok(Check::Text(
                f,
                match op {
                    Op::Match | Op::NoMatch => Want::Re(super::words::parse_regex(value)?),
                    _ => Want::Exact(value.to_string()),
                },
            ))
        };
        let check = match parts.as_slice() {
            ["tls", "version"] => number(NumField::TlsVersion)?,
            ["cert", "days_left"] => number(NumField::CertDaysLeft)?,
            ["tls", "cipher"] => text(TextField::TlsCipher)?,
            ["tls", "alpn"] => text(TextField::TlsAlpn)?,
            ["cert", "subject"] => text(TextField::CertSubject)?,
            ["cert", "issuer"] => text(TextField::CertIssuer)?,
            ["cert", "san"] => text(TextField::CertSan)?,
            ["cert", "fingerprint"] => text(TextField::CertFingerprint)?,
            ["dns", "rcode"] => {
                ops(&[Op::Eq, Op::Ne], "takes == or !=")?;
                let codes: Vec<String> = value
                    .split(',')
                    .map(|c| c.trim().to_ascii_uppercase())
                    .filter(|c| !c.is_empty())
                    .collect();
                if let Some(c) = codes.iter().find(|c| !known_rcode(c)) {
                    return Err(bad(format!(
                        "'{c}' is not an rcode; expected NOERROR, NXDOMAIN, SERVFAIL, REFUSED, FORMERR, NOTIMP..."
                    )));
                }
                Check::Rcode(codes)
            }
            ["dns", "authoritative"] => {
                ops(&[Op::Eq, Op::Ne], "takes == or !=")?;
                match value.to_ascii_lowercase().as_str() {
                    "true" => Check::Authoritative(true),
                    "false" => Check::Authoritative(false),
                    _ => return Err(bad(format!("'{value}': expected true or false"))),
                }
            }
            ["dns", sec, "count"] if section(sec).is_some() => {
                ops(
                    &[Op::Eq, Op::Ne, Op::Ge, Op::Le, Op::Gt, Op::Lt],
                    "is a number (== != >= <= > <)",
                )?;
                let n: f64 = value
                    .parse()
                    .ok()
                    .filter(|n: &f64| n.is_finite() && *n >= 0.0)
                    .ok_or_else(|| bad(format!("'{value}' is not a count")))?;
                Check::Count(section(sec).unwrap_or(Section::Answer), n)
            }
            ["dns", sec] | ["dns", sec, "all"] if section(sec).is_some() => {
                ops(
                    &[Op::Match, Op::NoMatch],
                    "takes ~ or !~ and a regular expression",
                )?;
                Check::Records {
                    section: section(sec).unwrap_or(Section::Answer),
                    all: parts.len() == 3,
                    re: super::words::parse_regex(value)?,
                }
            }
            _ => match super::field_exchange::Field::named(&parts) {
                Some(f) if f.is_text() => {
                    ops(
                        &[Op::Eq, Op::Ne, Op::Match, Op::NoMatch],
                        "takes == or != (exact) or ~ or !~ (a regular expression)",
                    )?;
                    let want = match op {
                        Op::Match | Op::NoMatch => {
                            super::field_exchange::Want::Re(super::words::parse_regex(value)?)
                        }
                        _ => super::field_exchange::Want::Exact(value.to_string()),
                    };
                    Check::Exchange(f, want)
                }
                Some(f) => Check::Exchange(f, super::field_exchange::Want::Number(number_value()?)),
                None => return Err(bad(format!("unknown field '{field}'"))),
            },
        };
        Ok(FieldCond {
            text: t.to_string(),
            op,
            check,
        })
    }

    /// Judge what any check saw: [`FieldCond::eval`]'s facts, and a WebSocket exchange's or
    /// ICMP echoes' (field_exchange.rs).
    pub fn eval_with(
        &self,
        dns: Option<&DnsAnswer>,
        tls: Option<&TlsInfo>,
        ws: Option<&super::ws_data::WsInfo>,
        icmp: Option<&super::icmp_data::IcmpInfo>,
    ) -> Result<(), String> {
        match &self.check {
            Check::Exchange(f, want) => {
                super::field_exchange::eval(*f, self.op, want, &self.text, ws, icmp)
            }
            _ => self.eval(dns, tls),
        }
    }

    /// Judge what the check saw (its DNS answer or TLS handshake, when it had one); Err names
    /// the condition and the value seen.
    pub fn eval(&self, dns: Option<&DnsAnswer>, tls: Option<&TlsInfo>) -> Result<(), String> {
        if let Check::Exchange(..) = self.check {
            return Err(format!(
                "'{}' needs a ws://, wss:// or icmp:// target",
                self.text
            ));
        }
        if self.is_tls() {
            return self.eval_tls(tls);
        }
        let Some(a) = dns else {
            return Err(format!("'{}' needs a dns:// target", self.text));
        };
        let ok = match &self.check {
            Check::Number(..) | Check::Text(..) | Check::Exchange(..) => false,
            Check::Rcode(codes) => codes.contains(&a.rcode) == (self.op == Op::Eq),
            Check::Authoritative(want) => (a.authoritative == *want) == (self.op == Op::Eq),
            Check::Count(sec, n) => compare(sec.records(a).len() as f64, self.op, *n),
            Check::Records { section, all, re } => {
                let recs = section.records(a);
                let matched = if *all {
                    recs.iter().all(|r| re.is_match(r))
                } else {
                    recs.iter().any(|r| re.is_match(r))
                };
                matched == (self.op == Op::Match)
            }
        };
        if ok {
            return Ok(());
        }
        let seen = match &self.check {
            Check::Number(..) | Check::Text(..) | Check::Exchange(..) => String::new(),
            Check::Rcode(_) => format!("rcode {}", a.rcode),
            Check::Authoritative(_) => format!("authoritative {}", a.authoritative),
            Check::Count(sec, _) => format!("{} {} record(s)", sec.records(a).len(), sec.name()),
            Check::Records { section, .. } => {
                let recs = section.records(a);
                match recs.first() {
                    None => format!("no {} records", section.name()),
                    Some(r) => format!(
                        "{} {} record(s), first '{}'",
                        recs.len(),
                        section.name(),
                        super::words::truncate(&r.replace('\t', " "), 60)
                    ),
                }
            }
        };
        Err(format!("'{}' does not hold ({seen})", self.text))
    }
}

impl FieldCond {
    fn eval_tls(&self, tls: Option<&TlsInfo>) -> Result<(), String> {
        let Some(t) = tls else {
            return Err(format!(
                "'{}' needs a TLS handshake (an https://, grpcs:// or wss:// target)",
                self.text
            ));
        };
        let leaf = t.chain.first();
        let (ok, seen) = match &self.check {
            Check::Number(f, want) => {
                let v = match f {
                    NumField::TlsVersion => t.version_number(),
                    NumField::CertDaysLeft => leaf.map(|c| {
                        let now = std::time::SystemTime::now()
                            .duration_since(std::time::UNIX_EPOCH)
                            .map_or(0.0, |d| d.as_secs_f64());
                        ((c.not_after as f64 - now) / 86_400.0 * 10.0).floor() / 10.0
                    }),
                };
                match v {
                    Some(v) => (compare(v, self.op, *want), format!("{v}")),
                    None => (false, "nothing".to_string()),
                }
            }
            Check::Text(f, want) => {
                let values: Vec<&str> = match f {
                    TextField::TlsCipher => vec![t.cipher.as_str()],
                    TextField::TlsAlpn => t.alpn.as_deref().into_iter().collect(),
                    TextField::CertSubject => {
                        leaf.map(|c| c.subject.as_str()).into_iter().collect()
                    }
                    TextField::CertIssuer => leaf.map(|c| c.issuer.as_str()).into_iter().collect(),
                    TextField::CertSan => leaf
                        .map(|c| c.sans.iter().map(String::as_str).collect())
                        .unwrap_or_default(),
                    TextField::CertFingerprint => {
                        leaf.map(|c| c.sha256.as_str()).into_iter().collect()
                    }
                };
                let hit = |v: &&str| match want {
                    Want::Exact(w) => {
                        let norm = |x: &str| x.replace(':', "").to_ascii_lowercase();
                        if *f == TextField::CertFingerprint {
                            norm(v) == norm(w)
                        } else {
                            v.eq_ignore_ascii_case(w)
                        }
                    }
                    Want::Re(re) => re.is_match(v),
                };
                let any = values.iter().any(hit);
                let ok = matches!(self.op, Op::Eq | Op::Match) == any;
                let seen = if values.is_empty() {
                    "nothing".to_string()
                } else {
                    format!("'{}'", super::words::truncate(&values.join(", "), 80))
                };
                (ok, seen)
            }
            _ => (false, String::new()),
        };
        if ok {
            Ok(())
        } else {
            Err(format!("'{}' does not hold (saw {seen})", self.text))
        }
    }
}

fn known_rcode(c: &str) -> bool {
    (0..=16).any(|n| super::dns_data::rcode_name(n) == c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out() -> DnsAnswer {
        DnsAnswer {
            rcode: "NOERROR".into(),
            authoritative: true,
            answer: vec![
                "a.test.\t60\tIN\tA\t10.0.0.1".into(),
                "a.test.\t60\tIN\tA\t10.0.0.2".into(),
            ],
            ..DnsAnswer::default()
        }
    }

    #[test]
    fn conditions_hold_or_say_what_was_seen() {
        let o = out();
        for ok in [
            "dns.rcode == NOERROR",
            "dns.rcode == nxdomain,NOERROR",
            "dns.rcode != SERVFAIL",
            "dns.authoritative == true",
            "dns.answer.count >= 1",
            "dns.answer.count == 2",
            "dns.authority.count == 0",
            "dns.answer ~ 10\\.0\\.0\\.2",
            "dns.answer.all ~ '^a\\.test\\.\\t'",
            "dns.answer !~ 192\\.168",
            "dns.answer.all !~ 10\\.0\\.0\\.1",
        ] {
            FieldCond::parse(ok)
                .unwrap()
                .eval(Some(&o), None)
                .unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
        for (bad, seen) in [
            ("dns.rcode == NXDOMAIN", "rcode NOERROR"),
            ("dns.answer.count > 2", "2 answer record(s)"),
            ("dns.answer ~ 192", "first 'a.test. 60 IN A 10.0.0.1'"),
            ("dns.additional ~ x", "no additional records"),
            ("dns.authoritative == false", "authoritative true"),
        ] {
            let e = FieldCond::parse(bad)
                .unwrap()
                .eval(Some(&o), None)
                .unwrap_err();
            assert!(e.contains(seen), "{bad}: {e}");
        }
        let e = FieldCond::parse("dns.answer.count >= 1")
            .unwrap()
            .eval(None, None)
            .unwrap_err();
        assert!(e.contains("needs a dns:// target"), "{e}");
    }

    #[test]
    fn mistakes_are_named() {
        for (bad, want) in [
            ("dns.rcode", "no operator"),
            ("dns.rcode == ", "missing"),
            ("dns.rcode == NOPE", "not an rcode"),
            ("dns.rcode >= NOERROR", "takes == or !="),
            ("dns.answer.count >= many", "not a count"),
            ("dns.answer >= 1", "takes ~ or !~"),
            ("dns.answer ~ (", "regular expression"),
            ("dns.ttl == 1", "unknown field"),
            ("dns.authoritative == yes", "true or false"),
            ("tls.version >= new", "not a number"),
            ("tls.version ~ 1", "is a number"),
            ("cert.issuer >= x", "takes == or !="),
            ("cert.nope == x", "unknown field"),
            ("ws.message >= x", "takes == or !="),
            ("ws.message ~ (", "regular expression"),
            ("ws.close_code ~ 1", "is a number"),
            ("icmp.loss == lots", "not a number"),
            ("icmp.ttl == 1", "unknown field"),
        ] {
            let e = FieldCond::parse(bad).unwrap_err().to_string();
            assert!(e.contains(want), "{bad}: {e}");
        }
        assert!(FieldCond::looks_like(" dns.rcode == NOERROR"));
        assert!(!FieldCond::looks_like("+PONG"));
        assert!(FieldCond::looks_like("cert.issuer~Let"));
        assert!(FieldCond::parse("cert.issuer~Let").unwrap().is_tls());
        let ws = FieldCond::parse("ws.message~pong").unwrap();
        assert!(ws.is_ws() && ws.wants_ws_message() && !ws.is_dns() && !ws.is_tls());
        let icmp = FieldCond::parse("icmp.rtt_ms < 5").unwrap();
        assert!(icmp.is_icmp() && !icmp.is_ws() && !icmp.is_dns());
        assert!(FieldCond::parse("dns.rcode == NOERROR").unwrap().is_dns());
        assert!(FieldCond::looks_like("icmp.loss <= 20"));
    }
}
