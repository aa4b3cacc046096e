//! `lbctl serve`: real test backends on loopback, so every other subcommand can be tried,
//! demoed and tested with nothing else installed. HTTP backends live in [`http`], gRPC backends
//! in [`grpc`] (their answers' shapes in `grpc_body.rs`), the TCP echo backend in [`tcp`], fault
//! settings in [`faults`].
//!
//! May import: `spec`, `grpc`, `output`, `shutdown`, `cli`, `exit`.

mod accept;
pub mod faults;
pub mod grpc;
mod grpc_body;
pub mod http;
pub mod tcp;

pub use faults::{Faults, parse_backend_opts, parse_fraction};

use crate::cli::{GlobalOpts, ServeArgs, ServeOutput};
use crate::exit::{ExitCode, Failure};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpListener;

/// How long open connections get to finish after SIGINT/SIGTERM.
const DRAIN: Duration = Duration::from_secs(2);

/// One backend to start: name, where to listen, its faults.
struct Plan {
    name: String,
    addr: SocketAddr,
    faults: Faults,
}

fn plan(args: &ServeArgs) -> anyhow::Result<Vec<Plan>> {
    let base = Faults {
        latency: args.latency.unwrap_or_default(),
        fail_rate: args.fail_rate,
        reset_rate: args.reset_rate,
        body_size: args.body_size,
        not_serving: args.grpc_not_serving,
    };
    let addrs: Vec<SocketAddr> = if args.listen.is_empty() {
        if args.count == 0 {
            return Err(Failure::usage("--count must be at least 1"));
        }
        (0..args.count)
            .map(|i| {
                let port = if args.port == 0 {
                    Ok(0)
                } else {
                    args.port.checked_add(i).ok_or_else(|| {
                        Failure::usage(format!(
                            "--port {} with --count {} runs past port 65535",
                            args.port, args.count
                        ))
                    })
                };
                port.map(|p| SocketAddr::new(args.host, p))
            })
            .collect::<anyhow::Result<_>>()?
    } else {
        args.listen.clone()
    };
    let mut plans: Vec<Plan> = addrs
        .into_iter()
        .enumerate()
        .map(|(i, addr)| Plan {
            name: format!("{}{}", args.name_prefix, i + 1),
            addr,
            faults: base.clone(),
        })
        .collect();
    let mut overrides = HashMap::new();
    for o in &args.backend_opts {
        let (name, f) = parse_backend_opts(o, &base)?;
        overrides.insert(name, f);
    }
    let names: Vec<String> = plans.iter().map(|p| p.name.clone()).collect();
    for (name, f) in overrides {
        let p = plans.iter_mut().find(|p| p.name == name).ok_or_else(|| {
            Failure::usage(format!(
                "--backend-opts names '{name}', which is not a backend here (backends: {})",
                names.join(", ")
            ))
        })?;
        p.faults = f;
    }
    Ok(plans)
}

/// Run `lbctl serve`.
pub fn run(args: ServeArgs, global: &GlobalOpts) -> anyhow::Result<ExitCode> {
    let plans = plan(&args)?;
    let mut rt = tokio::runtime::Builder::new_multi_thread();
    rt.enable_all();
    if let Some(n) = args.threads {
        if n == 0 {
            return Err(Failure::usage("--threads must be at least 1"));
        }
        rt.worker_threads(n);
    }
    let rt = rt.build()?;
    let protocol = if args.tcp {
        Protocol::Tcp
    } else if args.grpc {
        Protocol::Grpc
    } else {
        Protocol::Http
    };
    rt.block_on(serve_all(plans, protocol, args.output, global))
}

/// What the backends speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Protocol {
    Http,
    Tcp,
    Grpc,
}

impl Protocol {
    fn as_str(self) -> &'static str {
        match self {
            Protocol::Http => "http",
            Protocol::Tcp => "tcp",
            Protocol::Grpc => "grpc",
        }
    }
}

async fn serve_all(
    plans: Vec<Plan>,
    protocol: Protocol,
    output: ServeOutput,
    global: &GlobalOpts,
) -> anyhow::Result<ExitCode> {
    let mut bound = Vec::with_capacity(plans.len());
    for p in plans {
        let listener = TcpListener::bind(p.addr)
            .await
            .map_err(|e| Failure::runtime(format!("could not bind {}: {e}", p.addr)))?;
        let addr = listener.local_addr()?;
        bound.push((p, listener, addr));
    }
    let mut signals = crate::shutdown::Signals::install()?;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut tasks = Vec::new();
    for (p, listener, addr) in bound {
        // The URL is what `lbctl probe` takes for this backend (grpc:// for gRPC).
        let url = format!("{}://{addr}", protocol.as_str());
        match output {
            ServeOutput::Table => println!("{} {url}", p.name),
            ServeOutput::Json => crate::output::print_json_line(&serde_json::json!({
                "name": p.name, "url": url, "address": addr.to_string(),
                "protocol": protocol.as_str(),
            }))?,
        }
        let mut rx = stop_rx.clone();
        let stopped = async move {
            let _ = rx.wait_for(|s| *s).await;
        };
        match protocol {
            Protocol::Tcp => tasks.push(tokio::spawn(tcp::serve(listener, stopped, DRAIN))),
            Protocol::Http => {
                let backend = http::Backend::new(&p.name, p.faults)?;
                tasks.push(tokio::spawn(http::serve(listener, backend, stopped, DRAIN)));
            }
            Protocol::Grpc => {
                let backend = grpc::Backend::new(&p.name, p.faults);
                tasks.push(tokio::spawn(grpc::serve(listener, backend, stopped, DRAIN)));
            }
        }
    }
    use std::io::Write;
    std::io::stdout().flush()?;
    signals.recv().await;
    crate::output::info(global, "lbctl serve: stopping");
    let _ = stop_tx.send(true);
    for t in tasks {
        let _ = t.await;
    }
    Ok(ExitCode::Success)
}
