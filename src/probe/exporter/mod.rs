//! `lbctl probe --exporter ADDR`: probe as a blackbox_exporter-compatible server, so a
//! Prometheus scrape config written for blackbox_exporter works unchanged. Modules
//! (modules.rs: the built-in ones and `--modules F.toml`) say how to probe; a scrape's
//! `target=` is read per prober (target.rs), checked by the `check` core, and answered under
//! blackbox's metric names (exposition.rs); the server (server.rs) bounds concurrency and
//! time and keeps its own counters (self_metrics.rs). SIGHUP and `POST /-/reload` reread the
//! modules file (reload.rs); SIGINT/SIGTERM stop it gracefully.

mod exposition;
mod logfmt;
mod module;
mod module_toml;
mod modules;
mod reload;
mod self_metrics;
mod server;
mod target;

use crate::cli::{GlobalOpts, ProbeArgs};
use crate::exit::{ExitCode, Failure};
use std::net::SocketAddr;
use std::sync::Arc;

/// Run the exporter on `addr` until SIGINT/SIGTERM.
pub fn run(args: &ProbeArgs, addr: SocketAddr, global: &GlobalOpts) -> anyhow::Result<ExitCode> {
    if args.request.timeout.is_zero() {
        return Err(Failure::usage("--timeout must be more than 0"));
    }
    if args.mode.concurrency == 0 {
        return Err(Failure::usage("--concurrency must be at least 1"));
    }
    let modules = modules::load(args.exporter.modules.as_deref(), args.request.timeout)
        .map_err(Failure::usage)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::runtime(format!("cannot start the async runtime: {e}")))?;
    rt.block_on(async {
        let mut signals = crate::shutdown::Signals::install()
            .map_err(|e| Failure::runtime(format!("cannot install signal handlers: {e}")))?;
        #[cfg(unix)]
        let hangups = reload::hangups()
            .map_err(|e| Failure::runtime(format!("cannot install the SIGHUP handler: {e}")))?;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| Failure::runtime(format!("cannot listen on {addr}: {e}")))?;
        let bound = listener.local_addr()?;
        let names: Vec<&str> = modules.keys().map(String::as_str).collect();
        // The address on stdout (tests and scripts read it, port 0 included); the rest on stderr.
        println!("http://{bound}");
        if !global.quiet {
            eprintln!(
                "lbctl probe exporter on http://{bound}/probe?target=...&module=... (modules: {})",
                names.join(", ")
            );
        }
        let metrics = self_metrics::SelfMetrics::new();
        // The load at start counts as the first (blackbox sets its reload gauges then too).
        metrics.loaded(true);
        let exporter = Arc::new(server::Exporter {
            modules: reload::ModuleSet::new(
                args.exporter.modules.clone(),
                args.request.timeout,
                modules,
            ),
            slots: tokio::sync::Semaphore::new(args.mode.concurrency),
            concurrency: args.mode.concurrency,
            offset: args.exporter.timeout_offset,
            metrics,
            log: !global.quiet,
        });
        #[cfg(unix)]
        {
            let (mut hup, ex) = (hangups, exporter.clone());
            tokio::spawn(async move {
                while hup.recv().await.is_some() {
                    let _ = ex.modules.reload(&ex.metrics, ex.log, "SIGHUP").await;
                }
            });
        }
        server::serve(listener, exporter, async move { signals.recv().await }).await;
        Ok(ExitCode::Success)
    })
}

/// A scrape's request read exactly as the server reads it (query parameters, the module among
/// the built-in ones, the timeout header, the target for the module's prober), without
/// probing: the target as lbctl will probe it and the time budget, or the one-line reason
/// the server would answer 400 with. Everything in it comes off the network; the fuzz
/// target `probe_inputs` drives it.
pub fn read_scrape(
    query: &str,
    timeout_header: Option<&str>,
) -> Result<(String, std::time::Duration), String> {
    let defaults = std::time::Duration::from_secs(5);
    let modules = modules::builtin(defaults);
    let p = server::params(Some(query));
    let name = p.module.as_deref().unwrap_or("http_2xx");
    let module = modules
        .get(name)
        .ok_or_else(|| format!("Unknown module \"{}\"", name.escape_default()))?;
    let budget = server::budget(timeout_header, module.timeout, defaults / 10)?;
    let raw = p.target.as_deref().filter(|t| !t.is_empty());
    let raw = raw.ok_or("Target parameter is missing")?;
    let (target, _) = target::resolve(module, raw, p.hostname.as_deref())?;
    Ok((target.to_string(), budget))
}
