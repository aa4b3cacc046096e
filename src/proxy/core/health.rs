//! Active health checks for the proxy's backends: one task per backend runs `check::run`
//! every `--check-interval` and feeds HAProxy's rise/fall state machine (`check::RiseFall`);
//! a state change ejects or restores the backend and is logged with the check's reason.
//! Backends start up (traffic flows at once) and a failing one is out after `fall` checks.

use super::backend::Backend;
use crate::check::{self, CheckSpec, RiseFall, Scheme, Target};
use crate::spec::SpecError;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

const CHECK_FORM: &str = "http:/PATH (e.g. http:/health), tcp, or grpc[:SERVICE]";

/// What to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckKind {
    Http(String),
    Tcp,
    /// grpc.health.v1 Health/Check of this service ("" = the whole server), h2c or grpcs.
    Grpc(String),
}

impl CheckKind {
    pub fn parse(s: &str) -> Result<Self, SpecError> {
        let t = s.trim();
        if t == "tcp" {
            return Ok(CheckKind::Tcp);
        }
        if t == "grpc" {
            return Ok(CheckKind::Grpc(String::new()));
        }
        if let Some(service) = t.strip_prefix("grpc:") {
            // The service is checked by the same rules as probe's grpc://HOST:PORT/SERVICE.
            let probe = format!("grpc://h:1/{service}");
            return match Target::parse(&probe) {
                Ok(target) if !service.is_empty() => {
                    Ok(CheckKind::Grpc(target.grpc_service().to_string()))
                }
                _ => Err(SpecError::new(
                    "health check",
                    s,
                    "the gRPC service name is empty or has characters other than letters, digits, '.', '_' and '-'",
                    CHECK_FORM,
                )),
            };
        }
        match t.strip_prefix("http:") {
            Some(path) if path.starts_with('/') && !path.contains(char::is_whitespace) => {
                Ok(CheckKind::Http(path.to_string()))
            }
            Some(_) => Err(SpecError::new(
                "health check",
                s,
                "the path must start with '/' and have no spaces",
                CHECK_FORM,
            )),
            None => Err(SpecError::new(
                "health check",
                s,
                "unknown check type",
                CHECK_FORM,
            )),
        }
    }
}

/// Check settings (HAProxy `inter`, `rise`, `fall`, `timeout check`).
#[derive(Debug, Clone)]
pub struct CheckPlan {
    pub kind: CheckKind,
    pub interval: Duration,
    pub timeout: Duration,
    pub rise: u32,
    pub fall: u32,
    /// `--check-port`: check this port of the backend's host instead of its own.
    pub port: Option<u16>,
}

/// Check every backend until `shutdown` resolves.
pub async fn run(backends: Vec<Arc<Backend>>, plan: CheckPlan, shutdown: impl Future<Output = ()>) {
    let spec = Arc::new(CheckSpec::default());
    let n = backends.len().max(1) as u32;
    let mut tasks = tokio::task::JoinSet::new();
    for (k, b) in backends.into_iter().enumerate() {
        let plan = plan.clone();
        let spec = spec.clone();
        // Spread the first checks over one interval so they do not all fire together.
        let offset = plan.interval * k as u32 / n;
        tasks.spawn(async move {
            let addr = plan
                .port
                .map_or(b.addr, |p| std::net::SocketAddr::new(b.addr.ip(), p));
            let mut target = match &plan.kind {
                CheckKind::Http(path) => Target::http(addr, path),
                CheckKind::Tcp => Target::tcp(addr),
                CheckKind::Grpc(service) => Target::grpc(addr, service),
            };
            // A TLS backend's HTTP check speaks TLS on its own port, with the proxy's
            // upstream trust and its host as SNI (a --check-port side port stays plain);
            // its gRPC check is grpcs, the same trust with ALPN h2 (gRPC needs HTTP/2).
            let spec = match b.pool.tls() {
                Some((cfg, _)) if target.scheme == Scheme::Grpc && plan.port.is_none() => {
                    target.scheme = Scheme::Grpcs;
                    target.host = b.spec.host.clone();
                    let mut h2 = rustls::ClientConfig::clone(cfg);
                    h2.alpn_protocols = vec![b"h2".to_vec()];
                    Arc::new(CheckSpec {
                        tls: Some(Arc::new(h2)),
                        ..(*spec).clone()
                    })
                }
                Some((cfg, _)) if target.scheme == Scheme::Http && plan.port.is_none() => {
                    target.scheme = Scheme::Https;
                    target.host = b.spec.host.clone();
                    Arc::new(CheckSpec {
                        tls: Some(cfg.clone()),
                        ..(*spec).clone()
                    })
                }
                _ => spec,
            };
            // Start from the backend's current verdict: after a reload an unchanged backend
            // keeps its state, and a down one must still rise.
            let up = b.check_up.load(std::sync::atomic::Ordering::Relaxed);
            let mut state = RiseFall::new(plan.rise, plan.fall, up);
            tokio::time::sleep(offset).await;
            let mut tick = tokio::time::interval(plan.interval);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let out = check::run(&spec, &target, plan.timeout).await;
                let took = out.timings.total.as_secs_f64() * 1e3;
                let now = super::backend::now_ms();
                b.observed
                    .record_check(now, out.pass, &out.reason, out.status, took);
                if let Some(up) = state.record(out.pass) {
                    let why = if up {
                        format!("{} consecutive passing checks ({})", plan.rise, out.reason)
                    } else {
                        format!(
                            "{} consecutive failed checks, last: {}",
                            plan.fall, out.reason
                        )
                    };
                    b.set_check(up, &why);
                }
            }
        });
    }
    shutdown.await;
    tasks.abort_all();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_kinds() {
        assert_eq!(CheckKind::parse("tcp").unwrap(), CheckKind::Tcp);
        assert_eq!(
            CheckKind::parse("http:/health").unwrap(),
            CheckKind::Http("/health".into())
        );
        assert_eq!(
            CheckKind::parse("grpc").unwrap(),
            CheckKind::Grpc(String::new())
        );
        assert_eq!(
            CheckKind::parse("grpc:lbctl.test.v1.Echo").unwrap(),
            CheckKind::Grpc("lbctl.test.v1.Echo".into())
        );
        for bad in [
            "",
            "http",
            "http:health",
            "http:/a b",
            "udp",
            "grpc:",
            "grpc:a/b",
            "grpc:a b",
            "grpc:/x",
        ] {
            assert!(CheckKind::parse(bad).is_err(), "{bad}");
        }
    }
}
