//! DNS-discovered backends at run time (HAProxy `resolvers`, Caddy dynamic upstreams): every
//! `--resolve-interval`, each discovered spec (plan/members.rs) is looked up again and its
//! pool's members made to match through the control plane ([`Control`]): new addresses are
//! added, gone ones removed (they drain: in-flight requests finish on them), SRV weight changes
//! applied. A failed lookup keeps the last good set (HAProxy `hold obsolete`) and says so once
//! per failure streak. Started by proxy/mod.rs with the checks, restarted on a SIGHUP reload.

use crate::dns::Dns;
use crate::proxy::core::backend::Backend;
use crate::proxy::core::log;
use crate::proxy::ops::control::{Control, Who};
use crate::proxy::plan::members::{self, Discovery};
use crate::spec::BackendSpec;
use std::sync::Arc;

/// Re-resolve `specs` (pool name, spec) every `d.interval` until `stop`.
pub async fn run(
    control: Arc<Control>,
    d: Discovery,
    specs: Vec<(String, BackendSpec)>,
    stop: impl Future<Output = ()> + Send + 'static,
) {
    let Some(every) = d.interval else { return };
    let dns = match Dns::new(d.server, d.timeout()) {
        Ok(dns) => dns,
        Err(e) => {
            log::state(format_args!(
                "DNS discovery off, backends keep their start-up addresses: {e}"
            ));
            return;
        }
    };
    let mut failing = vec![false; specs.len()];
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The first tick is now: start-up (or the reload) has just resolved.
    tick.tick().await;
    let work = async {
        loop {
            tick.tick().await;
            for ((pool, spec), failing) in specs.iter().zip(failing.iter_mut()) {
                // Bounded: each lookup is at most 2 attempts of d.timeout() (dns.rs).
                match members::lookup(&dns, spec).await {
                    Ok(want) => {
                        if std::mem::take(failing) {
                            log::state(format_args!(
                                "DNS discovery: backend {pool}/{} resolves again ({} member(s))",
                                spec.name,
                                want.len()
                            ));
                        }
                        reconcile(&control, pool, spec, &want);
                    }
                    Err(e) if !*failing => {
                        *failing = true;
                        let kept = members_of(&control, pool, spec).len();
                        log::state(format_args!(
                            "DNS discovery: lookup for backend {pool}/{} failed, keeping the last good set ({kept} member(s)): {e}",
                            spec.name
                        ));
                    }
                    Err(_) => {}
                }
            }
        }
    };
    tokio::select! {
        _ = work => {}
        _ = stop => {}
    }
}

/// The running members of `spec` in `pool`.
fn members_of(control: &Control, pool: &str, spec: &BackendSpec) -> Vec<Arc<Backend>> {
    control
        .pools()
        .iter()
        .find(|p| p.name == pool)
        .map(|p| {
            p.backends
                .iter()
                .filter(|b| members::is_member(spec, b.name()))
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

/// Make `pool`'s members of `spec` the set `want` (never empty): adds first, so a pool
/// never runs out of backends, then weight changes, then removals.
fn reconcile(control: &Control, pool: &str, spec: &BackendSpec, want: &[BackendSpec]) {
    let have = members_of(control, pool, spec);
    let report = |r: Result<_, crate::proxy::ops::control::ControlError>| {
        if let Err(e) = r {
            log::state(format_args!("DNS discovery: pool {pool}: {e}"));
        }
    };
    for m in want {
        match have.iter().find(|b| b.name() == m.name) {
            None => report(control.add_spec(pool, m.clone(), Who::Dns).map(drop)),
            // A priority change moves a member between primary and backup: re-add it.
            Some(b) if b.spec.backup != m.backup => {
                report(control.remove(pool, &m.name, Who::Dns).map(drop));
                report(control.add_spec(pool, m.clone(), Who::Dns).map(drop));
            }
            // SRV weights are authoritative (RFC 2782); A/AAAA members keep the spec's, and
            // a runtime API weight change stays until the member leaves DNS.
            Some(b) if spec.srv_name().is_some() && b.weight() != m.weight => {
                report(
                    control
                        .set_weight(pool, &m.name, &m.weight.to_string(), Who::Dns)
                        .map(drop),
                );
            }
            Some(_) => {}
        }
    }
    for b in have {
        if !want.iter().any(|m| m.name == b.name()) {
            report(control.remove(pool, b.name(), Who::Dns).map(drop));
        }
    }
}
