//! One check from start to verdict ([`run`]): the phases timed as they pass, the whole check
//! bounded by its timeout, the scheme's own exchange (tcp.rs, http.rs for HTTP and HTTPS, or
//! grpc.rs for the gRPC health check, dns.rs for a DNS query, ws.rs for a WebSocket, icmp.rs
//! for echo requests),
//! then the conditions judged on what came back. The types it fills in are in mod.rs.

use super::{
    Answer, CheckOutcome, CheckSpec, Fail, FailKind, Phase, Progress, cond, grpc, http, tcp,
};
use super::{Scheme, Target};
use crate::spec::format_duration;
use std::time::{Duration, Instant, SystemTime};

/// Run one check of `target`; never takes (much) longer than `timeout`.
pub async fn run(spec: &CheckSpec, target: &Target, timeout: Duration) -> CheckOutcome {
    let now = Instant::now();
    let mut p = Progress {
        out: CheckOutcome::default(),
        phase: Phase::Dns,
        phase_start: now,
        start: now,
        deadline: now + timeout,
    };
    let result = tokio::time::timeout(timeout, exec(spec, target, &mut p)).await;
    if !matches!(result, Ok(Ok(_))) {
        p.charge_unfinished();
    }
    let mut out = p.out;
    out.timings.total = p.start.elapsed();
    let verdict = match result {
        Err(_) => Err(Fail::new(
            FailKind::Timeout,
            format!(
                "timeout after {} ({})",
                humantime::format_duration(timeout),
                p.phase.describe()
            ),
        )),
        Ok(Err(f)) => Err(f),
        Ok(Ok(answer)) => {
            let verdict = judge(spec, target, &out, answer.as_ref());
            if verdict.is_err()
                && let Some(a) = answer.as_ref()
            {
                out.regex_failed = regex_failed(spec, &out, a);
            }
            verdict.map_err(|r| Fail::new(FailKind::Condition, r))
        }
    };
    match verdict {
        Ok(()) => {
            out.pass = true;
            out.reason = "ok".into();
        }
        Err(f) => {
            out.pass = false;
            out.fail = Some(f.kind);
            out.reason = f.reason;
            out.tls_fix = f.tls_fix;
        }
    }
    out
}

async fn exec(spec: &CheckSpec, target: &Target, p: &mut Progress) -> Result<Option<Answer>, Fail> {
    match target.scheme {
        Scheme::Tcp => tcp::check(spec, target, p).await.map(|()| None),
        Scheme::Http | Scheme::Https => http::check(spec, target, p).await,
        Scheme::Grpc | Scheme::Grpcs => grpc::check(spec, target, p).await.map(|()| None),
        Scheme::Dns => {
            let answer = super::dns::check(target, p).await?;
            p.out.dns = Some(Box::new(answer));
            Ok(None)
        }
        Scheme::Ws | Scheme::Wss => super::ws::check(spec, target, p).await.map(|()| None),
        Scheme::Icmp => super::icmp::check(target, p).await.map(|()| None),
    }
}

/// Whether a header or body regular expression fails on an answer whose status was accepted:
/// blackbox's http prober sets probe_failed_due_to_regex so, judging header regexps after the
/// status and body regexps after the headers (prober/http.go).
fn regex_failed(spec: &CheckSpec, out: &CheckOutcome, a: &Answer) -> bool {
    let c = &spec.conditions;
    if out.status.is_none_or(|s| !c.status.contains(s)) {
        return false;
    }
    let tls = out.tls.is_some();
    let failing = |h: &&super::http_cond::HttpCond, body: &str| {
        h.is_regex() && h.eval(out.status, &a.headers, body, tls).is_err()
    };
    if c.http
        .iter()
        .filter(|h| !h.needs_body())
        .any(|h| failing(&h, ""))
    {
        return true;
    }
    let text = String::from_utf8_lossy(&a.body);
    c.body_regex.iter().any(|re| !re.is_match(&text))
        || c.http
            .iter()
            .filter(|h| h.needs_body())
            .any(|h| failing(&h, &text))
}

/// Evaluate the conditions on what was received; Err is the reason.
fn judge(
    spec: &CheckSpec,
    target: &Target,
    out: &CheckOutcome,
    answer: Option<&Answer>,
) -> Result<(), String> {
    let c = &spec.conditions;
    if let Some(a) = answer {
        if let Some(status) = out.status
            && !c.status.contains(status)
        {
            return Err(format!("status {status} not in {}", c.status));
        }
        for h in &c.headers {
            h.eval(&a.headers)?;
        }
        for h in c.http.iter().filter(|h| !h.needs_body()) {
            h.eval(out.status, &a.headers, "", out.tls.is_some())?;
        }
        if c.needs_body() {
            let text = String::from_utf8_lossy(&a.body);
            for want in &c.body_contains {
                if !text.contains(want.as_str()) {
                    return Err(format!(
                        "body does not contain '{}' (body starts '{}')",
                        cond::truncate(want, 40),
                        cond::truncate(text.trim(), 40)
                    ));
                }
            }
            for re in &c.body_regex {
                if !re.is_match(&text) {
                    return Err(format!(
                        "body does not match /{}/ (body starts '{}')",
                        re.as_str(),
                        cond::truncate(text.trim(), 40)
                    ));
                }
            }
            for h in c.http.iter().filter(|h| h.needs_body()) {
                h.eval(out.status, &a.headers, &text, out.tls.is_some())?;
            }
            if !c.json.is_empty() {
                let doc: serde_json::Value = serde_json::from_slice(&a.body).map_err(|e| {
                    format!(
                        "body is not JSON ({e}; body starts '{}')",
                        cond::truncate(text.trim(), 40)
                    )
                })?;
                for j in &c.json {
                    j.eval(&doc)?;
                }
            }
        }
    }
    if answer.is_none()
        && let Some(h) = c.http.first()
        && !spec.cert_only
    {
        return Err(format!("{h} needs an http:// or https:// target"));
    }
    if let Some(a) = out.dns.as_deref()
        && a.rcode != "NOERROR"
        && !c.fields.iter().any(|f| f.is_rcode())
    {
        // blackbox's default valid_rcodes: NOERROR only, unless a condition names others.
        return Err(format!("rcode {} (want NOERROR)", a.rcode));
    }
    for f in &c.fields {
        f.eval_with(
            out.dns.as_deref(),
            out.tls.as_deref(),
            out.ws.as_deref(),
            out.icmp.as_deref(),
        )?;
    }
    if let Some(min) = c.cert_min_days {
        if !target.scheme.is_tls() {
            return Err("cert-min-days needs an https://, grpcs:// or wss:// target".into());
        }
        match out.cert_days_left(SystemTime::now()) {
            Some(days) if days < min => {
                return Err(format!(
                    "certificate expires in {days:.1} days (< {min} days)"
                ));
            }
            Some(_) => {}
            None => return Err("no readable peer certificate".into()),
        }
    }
    if let Some(max) = c.max_latency
        && out.timings.total > max
    {
        return Err(format!(
            "latency {} over {}",
            format_duration(out.timings.total),
            humantime::format_duration(max)
        ));
    }
    Ok(())
}
