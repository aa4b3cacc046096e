//! `lbctl proxy`: an HTTP and TCP load-balancing reverse proxy. This file starts the pieces:
//! the plan (bad input is exit 2 before anything starts), the runtime (`--threads 1` is a
//! current-thread runtime), one listener per `[[listener]]` (or `--listen`), the admin
//! endpoints and runtime API, the control plane (ops/control.rs: active checks, runtime
//! changes), SIGHUP reloads, and the one shutdown path (SIGINT/SIGTERM: stop accepting,
//! drain, exit 0). `lbctl proxy ctl` (ops/ctl.rs) is a client and starts none of this.
//!
//! The rooms, each with a `mod.rs` that says what it is for and what it may import. Arrows only
//! go down, and a data path never imports the other:
//!
//! ```text
//! mod.rs   this file: start, reload, drain                 -> every room
//!   ops/   admin, runtime API, control, dashboard, explain -> plan, core (http, tcp allowed)
//!   plan/  flags and lbctl.toml -> a Plan                  -> tcp (to build an L4), core
//!   http/  decisions, fast/ (HTTP/1.1 relay), hyper/       -> core
//!   tcp/   the L4 path: pipes, splice, SNI, PROXY protocol -> core
//!   core/  what both data paths share                      -> crate cores only
//! ```
//!
//! `tests/integration/house.rs` checks these rules and that no file of `src/` is in an import
//! cycle.

pub mod core;
pub mod http;
pub mod ops;
pub mod plan;
pub mod tcp;

use self::core::frontend::L7;
use self::core::listener::{ConnCounters, ListenerSettings};
use self::core::log;
use self::http::serve::serve_http;
use crate::cli::{GlobalOpts, ProxyArgs, ProxyCommand, ProxyMode, ProxyOutput};
use crate::exit::{ExitCode, Failure};
use anyhow::Context;
use ops::{admin, control, ctl, dashboard, discovery, explain, runtime as api};
use plan::{build, flags};
use std::net::SocketAddr;
use std::sync::Arc;
use tcp::l4;

/// Run `lbctl proxy` (or `lbctl proxy explain`, the client `lbctl proxy ctl`, or `lbctl proxy
/// grafana`).
pub fn run(args: Box<ProxyArgs>, global: &GlobalOpts) -> anyhow::Result<ExitCode> {
    if let Some(ProxyCommand::Ctl(c)) = &args.command {
        return ctl::run(c);
    }
    if let Some(ProxyCommand::Grafana(_)) = &args.command {
        return ops::grafana::run();
    }
    let plan = build::plan(&args)?;
    if let Some(ProxyCommand::Explain(e)) = &args.command {
        return explain::run(&args, &plan, e);
    }
    // Before any bind: a non-loopback --admin without a token is refused here (exit 2).
    let token = api::admin_token(&args)?;
    let threads = args.threads.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let runtime = if threads == 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .enable_all()
            .build()
    }
    .context("could not start the async runtime")?;
    runtime.block_on(serve(*args, plan, global.clone(), threads, token))
}

async fn bind(addr: SocketAddr, what: &str) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| Failure::runtime(format!("could not listen on {addr}{what}: {e}")))
}

async fn serve(
    args: ProxyArgs,
    plan: build::Plan,
    global: GlobalOpts,
    threads: usize,
    token: Option<String>,
) -> anyhow::Result<ExitCode> {
    let mut bound = Vec::new();
    for l in &plan.listeners {
        bound.push(bind(l.listen, "").await?);
    }
    let admin = match args.admin {
        Some(addr) => Some(bind(addr, " (--admin)").await?),
        None => None,
    };
    // Installed before the first line is printed, so a SIGHUP never kills a started proxy.
    let hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
    // Handlers first: a SIGTERM sent right after the address lines must drain, not kill.
    let mut signals = crate::shutdown::Signals::install()?;
    for (l, lc) in bound.iter().zip(&plan.listeners) {
        let scheme = match (flags::mode_of(&args, lc), plan.tls.is_some()) {
            (ProxyMode::Tcp, false) => "tcp",
            (ProxyMode::Tcp, true) => "tls",
            (ProxyMode::Http, false) => "http",
            (ProxyMode::Http, true) => "https",
        };
        print_line(args.output, "proxy", scheme, l.local_addr()?)?;
    }
    if let Some(fp) = plan.tls.as_ref().and_then(|t| t.fingerprint.as_ref()) {
        // The self-signed certificate's pin, for clients (curl --pinnedpubkey takes the
        // key hash instead; this is the certificate's, as `openssl x509 -fingerprint -sha256`).
        match args.output {
            ProxyOutput::Text => println!("tls-fingerprint sha256 {fp}"),
            ProxyOutput::Json => crate::output::print_json_line(&serde_json::json!({
                "role": "tls-fingerprint",
                "sha256": fp,
            }))?,
        }
    }
    if let Some(a) = &admin {
        print_line(args.output, "admin", "http", a.local_addr()?)?;
    }
    if !global.quiet {
        for (l, lc) in bound.iter().zip(&plan.listeners) {
            let local = l.local_addr()?;
            log::state(format_args!(
                "listening on {local}: {} route(s), default pool {}, {threads} thread(s)",
                lc.routes.len(),
                lc.default_pool
                    .and_then(|i| plan.pools.get(i))
                    .map_or("none", |p| p.name.as_str()),
            ));
        }
        for p in &plan.pools {
            log::state(format_args!(
                "pool {}: {} backend(s), algorithm {}",
                p.name,
                p.backends.len(),
                p.algorithm
            ));
        }
    }

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let stop_for_control = stop_rx.clone();
    let stopped = move || {
        let mut rx = stop_rx.clone();
        async move {
            let _ = rx.wait_for(|s| *s).await;
        }
    };
    let l7s: Vec<Arc<L7>> = plan
        .listeners
        .iter()
        .map(|lc| Arc::new(build::l7_for(&args, &plan, lc, global.verbose > 0)))
        .collect();
    let conns = Arc::new(ConnCounters::default());
    let control = Arc::new(control::Control::new(
        args.clone(),
        l7s.clone(),
        stop_for_control,
    ));
    // Active checks and outlier sweeps, per pool; restarted on reload and runtime changes.
    control.start(&plan);
    // DNS re-resolution (--resolve-interval), one loop for all pools; restarted on reload.
    let discovery = Arc::new(std::sync::Mutex::new(start_discovery(
        &control, &plan, &stopped,
    )));
    if let Some(l) = admin {
        let loopback = l.local_addr()?.ip().to_canonical().is_loopback();
        let state = Arc::new(admin::AdminState {
            tcp: plan
                .listeners
                .iter()
                .any(|lc| flags::mode_of(&args, lc) == ProxyMode::Tcp),
            l7s: l7s.clone(),
            conns: conns.clone(),
            api: Some(Arc::new(api::Api::new(control.clone(), token, loopback))),
            listen: bound.iter().filter_map(|l| l.local_addr().ok()).collect(),
        });
        tokio::spawn(admin::serve(l, state, stopped()));
    }
    if args.dashboard {
        if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
            if let (Some(first), Some(lc)) = (l7s.first(), plan.listeners.first()) {
                let tcp = flags::mode_of(&args, lc) == ProxyMode::Tcp;
                tokio::spawn(dashboard::run(first.clone(), tcp, stopped()));
            }
        } else {
            log::state(format_args!(
                "--dashboard needs a terminal on stderr; running without it"
            ));
        }
    }
    if let Some(mut hup) = hup {
        let args = args.clone();
        let l7s = l7s.clone();
        let stopped = stopped.clone();
        let listening: Vec<SocketAddr> = plan.listeners.iter().map(|l| l.listen).collect();
        let cert_files = plan.tls.as_ref().and_then(|t| t.files.clone());
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = hup.recv() => {}
                    _ = stopped() => return,
                }
                // Certificates first (certbot-style renewals), then the config file.
                if let Some(files) = &cert_files {
                    match files.reload() {
                        Ok(fp) => log::state(format_args!(
                            "SIGHUP: reloaded the TLS certificate {} (sha256 {fp}); new handshakes use it, open connections keep theirs",
                            files.cert_path.display()
                        )),
                        Err(e) => log::state(format_args!(
                            "SIGHUP: TLS certificate reload failed, keeping the running one: {e}"
                        )),
                    }
                }
                if args.config.is_none() {
                    if cert_files.is_none() {
                        log::state(format_args!(
                            "SIGHUP ignored: there is no --config or --tls-cert to reload"
                        ));
                    }
                    continue;
                }
                // Under the control plane's lock: a runtime API change waits for it.
                match control.reload(|| reload(&args, &listening, &l7s)) {
                    Ok(new) => {
                        let mut running = discovery.lock().unwrap_or_else(|p| p.into_inner());
                        if let Some(old) = running.take() {
                            old.abort();
                        }
                        *running = start_discovery(&control, &new, &stopped);
                        drop(running);
                        log::state(format_args!(
                            "SIGHUP: reloaded {} ({} pool(s)); open connections kept",
                            args.config
                                .as_ref()
                                .map(|p| p.display().to_string())
                                .unwrap_or_default(),
                            new.pools.len()
                        ));
                    }
                    Err(e) => log::state(format_args!(
                        "SIGHUP: reload failed, keeping the running configuration: {e:#}"
                    )),
                }
            }
        });
    }
    let settings = ListenerSettings {
        max_conns: args.max_conns,
        header_timeout: args.header_timeout,
        idle_timeout: args.idle_timeout,
        drain_timeout: args.drain_timeout,
        max_header_size: args.max_header_size.min(usize::MAX as u64) as usize,
        tls: plan.tls.as_ref().map(|t| t.config.clone()),
    };
    let quiet = global.quiet;
    tokio::spawn(async move {
        signals.recv().await;
        if !quiet {
            log::state(format_args!(
                "signal received: no longer accepting, draining in-flight requests"
            ));
        }
        let _ = stop_tx.send(true);
    });
    let mut tasks = tokio::task::JoinSet::new();
    for ((l, l7), lc) in bound.into_iter().zip(l7s).zip(&plan.listeners) {
        if flags::mode_of(&args, lc) == ProxyMode::Tcp {
            let l4 = Arc::new(build::l4_for(&args, &plan, l7));
            tasks.spawn(l4::serve(l, l4, settings.clone(), conns.clone(), stopped()));
            continue;
        }
        tasks.spawn(serve_http(
            l,
            l7,
            settings.clone(),
            conns.clone(),
            stopped(),
        ));
    }
    let mut left = 0;
    while let Some(r) = tasks.join_next().await {
        left += r.unwrap_or(0);
    }
    if left > 0 {
        log::state(format_args!(
            "drain timeout: closing {left} connection(s) with requests still in flight"
        ));
    } else if !quiet {
        log::state(format_args!("drained; exiting"));
    }
    Ok(ExitCode::Success)
}

/// Re-read --config and swap every listener's routing. Unchanged backends (same pool, name
/// and spec) keep their state; new or changed ones start fresh. Backends added by the runtime
/// API and not in the file are dropped (HAProxy's runtime changes do not survive a reload
/// either).
/// The DNS re-resolution loop for `plan`, when --resolve-interval is set and a backend is
/// given by name.
fn start_discovery<F, Fut>(
    control: &Arc<control::Control>,
    plan: &build::Plan,
    stopped: &F,
) -> Option<tokio::task::AbortHandle>
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    if plan.discovery.interval.is_none() || plan.discovered.is_empty() {
        return None;
    }
    let task = discovery::run(
        control.clone(),
        plan.discovery,
        plan.discovered.clone(),
        stopped(),
    );
    Some(tokio::spawn(task).abort_handle())
}

fn reload(
    args: &ProxyArgs,
    listening: &[SocketAddr],
    l7s: &[Arc<L7>],
) -> anyhow::Result<build::Plan> {
    let running = l7s
        .first()
        .map(|l| l.routing().pools.clone())
        .unwrap_or_default();
    let plan = build::plan_with(args, &running)?;
    let wanted: Vec<SocketAddr> = plan.listeners.iter().map(|l| l.listen).collect();
    if wanted != listening {
        anyhow::bail!(
            "the listeners changed ({wanted:?}, running {listening:?}); adding, removing or moving listeners needs a restart"
        );
    }
    for (l7, lc) in l7s.iter().zip(&plan.listeners) {
        l7.swap(build::routing_for(&plan, lc));
    }
    Ok(plan)
}

fn print_line(
    output: ProxyOutput,
    role: &str,
    scheme: &str,
    addr: SocketAddr,
) -> anyhow::Result<()> {
    match output {
        ProxyOutput::Text => println!("{role} {scheme}://{addr}"),
        ProxyOutput::Json => crate::output::print_json_line(&serde_json::json!({
            "role": role,
            "url": format!("{scheme}://{addr}"),
            "address": addr.to_string(),
        }))?,
    }
    Ok(())
}
