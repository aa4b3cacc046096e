//! `lbctl demo`: the newcomer's tour. Three test backends (one slow, one flaky), a probe of
//! their health, a proxy in front with two algorithms in turn and a load run through each,
//! then a ring example. It drives the real subcommands as child processes (children.rs) and
//! reads their JSON, so every number it prints was measured in this run and every command it
//! ran can be copied and run by hand.
//!
//! May import: `cli`, `exit`, `output`, `shutdown`, `spec`. It never calls another subcommand's
//! code: it runs `lbctl` itself.

mod children;
mod report;

use crate::cli::{DemoArgs, DemoOutput, GlobalOpts};
use crate::exit::{ExitCode, Failure};
use anyhow::anyhow;
use children::{Service, command_line, run_json};
use report::{FAST, ROLES, SLOW};
use serde_json::{Value, json};
use std::time::Duration;

const ERROR_RATE: f64 = 0.02;
const RING_KEYS: u32 = 10_000;

/// What this machine's path (load's client, loopback, the proxy, timers) added to each request
/// of a run: the fast backend b1's measured p50 less its set latency (b1 has no queue, serve
/// sleeps concurrently). The simulation has no such cost of its own; it gets this one.
fn path_overhead(load: &Value) -> Duration {
    let set = crate::spec::parse_duration(FAST).unwrap_or_default();
    let p50_ms = load["groups"]["values"]
        .as_array()
        .and_then(|g| g.iter().find(|e| e["value"] == ROLES[0].0))
        .and_then(|e| e["latency_ms"]["p50"].as_f64())
        .unwrap_or(0.0);
    let measured = Duration::from_secs_f64((p50_ms / 1e3).clamp(0.0, 60.0));
    measured.saturating_sub(set)
}

/// `lbctl sim` arguments for the demo's scenario with one algorithm: the closed model with the
/// load run's own connections and length, so prediction and measurement are like for like,
/// and the path overhead measured in that run.
fn sim_args(alg: &str, connections: u32, duration: Duration, overhead: Duration) -> Vec<String> {
    vec![
        s("sim"),
        s("--backends"),
        s("3"),
        s("--service"),
        format!("fixed {FAST}"),
        s("--backend"),
        format!("b2:service=fixed {SLOW}"),
        s("--backend"),
        format!("b3:fail={ERROR_RATE}"),
        s("-a"),
        s(alg),
        s("-c"),
        connections.to_string(),
        s("--overhead"),
        format!("{}us", overhead.as_micros()),
        s("-d"),
        format!("{}ms", duration.as_millis()),
        s("--output"),
        s("json"),
        s("--quiet"),
    ]
}

/// Run `lbctl demo`.
pub fn run(args: DemoArgs, global: &GlobalOpts) -> anyhow::Result<ExitCode> {
    let algorithms: Vec<String> = args
        .compare
        .split(',')
        .map(|s| s.trim().to_string())
        .collect();
    if algorithms.len() != 2 || algorithms.iter().any(|a| a.is_empty()) {
        return Err(Failure::usage(format!(
            "invalid --compare '{}': expected two proxy algorithms, FIRST,SECOND (e.g. round-robin,ewma)",
            args.compare
        )));
    }
    for a in &algorithms {
        if <crate::cli::Algorithm as clap::ValueEnum>::from_str(a, true).is_err() {
            return Err(Failure::usage(format!(
                "invalid --compare algorithm '{a}'; expected one of lbctl proxy's --algorithm values (see lbctl proxy --help)"
            )));
        }
    }
    if args.connections == 0 {
        return Err(Failure::usage("--connections must be at least 1"));
    }
    if args.duration < Duration::from_millis(500) {
        return Err(Failure::usage("--duration must be at least 500ms"));
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let result = rt.block_on(async {
        tokio::select! {
            r = tour(&args, &algorithms, global) => r,
            _ = crate::shutdown::signal() => Err(anyhow!("interrupted; everything the demo started has been stopped")),
        }
    })?;
    match args.output {
        DemoOutput::Json => crate::output::print_json(&result)?,
        DemoOutput::Table => report::print(&result, global),
    }
    Ok(ExitCode::Success)
}

fn s(v: impl ToString) -> String {
    v.to_string()
}

async fn tour(
    args: &DemoArgs,
    algorithms: &[String],
    global: &GlobalOpts,
) -> anyhow::Result<Value> {
    let pb = crate::output::progress(global, None, "{spinner} {msg} ({elapsed})");
    let mut commands = Vec::new();

    pb.set_message("starting three backends");
    let serve_args: Vec<String> = vec![
        s("serve"),
        s("--count"),
        s("3"),
        s("--port"),
        s("0"),
        s("--threads"),
        s("1"),
        s("--latency"),
        s(FAST),
        s("--backend-opts"),
        format!("b2:latency={SLOW}"),
        s("--backend-opts"),
        format!("b3:fail-rate={ERROR_RATE}"),
    ];
    let mut serve = Service::start(&serve_args)?;
    commands.push(serve.cmdline.clone());
    let mut backends = Vec::new();
    for (name, role) in ROLES {
        let line = serve.line(Duration::from_secs(20)).await?;
        let (got, url) = line
            .split_once(' ')
            .ok_or_else(|| anyhow!("unexpected line from lbctl serve: {line}"))?;
        if got != name {
            return Err(anyhow!(
                "lbctl serve named its backend {got}, expected {name}"
            ));
        }
        let addr = url.trim_start_matches("http://").to_string();
        backends.push(json!({"name": name, "role": role, "url": url, "address": addr}));
    }
    let addr = |i: usize| {
        backends[i]["address"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };

    pb.set_message("probing their health");
    let mut probe_args = vec![s("probe"), s("--output"), s("json")];
    probe_args.extend((0..3).map(|i| format!("http://{}/health", addr(i))));
    commands.push(command_line(&probe_args));
    let probe = run_json(&probe_args, &[0, 1], Duration::from_secs(30)).await?;

    let mut runs = Vec::new();
    for alg in algorithms {
        pb.set_message(format!(
            "load through the proxy with {alg} ({} for {})",
            args.connections,
            crate::spec::format_duration(args.duration)
        ));
        let mut proxy_args = vec![
            s("proxy"),
            s("--listen"),
            s("127.0.0.1:0"),
            s("--algorithm"),
            alg.clone(),
            s("--threads"),
            s("1"),
        ];
        for (i, (name, _)) in ROLES.iter().enumerate() {
            proxy_args.push(s("--backend"));
            proxy_args.push(format!("{name}={}", addr(i)));
        }
        let mut proxy = Service::start(&proxy_args)?;
        let line = proxy.line(Duration::from_secs(20)).await?;
        let proxy_url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .ok_or_else(|| anyhow!("unexpected line from lbctl proxy: {line}"))?
            .to_string();
        let load_args = vec![
            s("load"),
            format!("{proxy_url}/"),
            s("-c"),
            args.connections.to_string(),
            s("-d"),
            format!("{}ms", args.duration.as_millis()),
            s("--group-by"),
            s("X-Backend"),
            s("--output"),
            s("json"),
            s("--quiet"),
        ];
        let timeout = args.duration * 3 + Duration::from_secs(30);
        let load = run_json(&load_args, &[0, 1, 4], timeout).await?;
        let proxy_cmdline = proxy.cmdline.clone();
        drop(proxy);
        // The same scenario in `lbctl sim`, closed model with the same connections.
        pb.set_message(format!("the same with lbctl sim ({alg})"));
        let overhead = path_overhead(&load);
        let sim_args = sim_args(alg, args.connections, args.duration, overhead);
        let sim = run_json(&sim_args, &[0], Duration::from_secs(60)).await?;
        runs.push(json!({
            "algorithm": alg,
            "commands": [proxy_cmdline, command_line(&load_args)],
            "load": load,
            "sim": sim,
            "overhead_ms": overhead.as_secs_f64() * 1e3,
            "sim_command": command_line(&sim_args),
        }));
    }
    drop(serve);

    pb.set_message("comparing rings");
    let mut ring = Vec::new();
    for alg in ["modulo", "ketama", "maglev"] {
        let ring_args = vec![
            s("ring"),
            s("diff"),
            s("-a"),
            s(alg),
            s("--server"),
            s("a=10.0.0.1:11211"),
            s("--server"),
            s("b=10.0.0.2:11211"),
            s("--server"),
            s("c=10.0.0.3:11211"),
            s("--generate"),
            RING_KEYS.to_string(),
            s("--remove"),
            s("b"),
            s("--output"),
            s("json"),
        ];
        let diff = run_json(&ring_args, &[0], Duration::from_secs(30)).await?;
        ring.push(json!({"algorithm": alg, "command": command_line(&ring_args), "diff": diff}));
    }
    pb.finish_and_clear();

    let comparison = report::compare(&runs)?;
    Ok(json!({
        "schema": "lbctl.demo/v1",
        "backends": backends,
        "commands": commands,
        "probe": probe,
        "runs": runs,
        "comparison": comparison,
        "ring": ring,
    }))
}
