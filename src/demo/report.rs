//! The demo's human report and its comparison of the two algorithms, read from the JSON the
//! subcommands printed (so the report shows exactly what was measured, nothing recomputed).

use crate::cli::GlobalOpts;
use anyhow::anyhow;
use serde_json::{Value, json};

/// The backends of the demo: (name, role shown to the user), started in this order by
/// mod.rs and named in this report.
pub(crate) const ROLES: [(&str, &str); 3] =
    [("b1", "fast"), ("b2", "4x slower"), ("b3", "2% errors")];

/// Latency of the fast backends and of the slow one (four times as much), as `serve` flags
/// (here beside the roles they describe; mod.rs starts the backends with them).
pub(crate) const FAST: &str = "5ms";
pub(crate) const SLOW: &str = "20ms";

fn num(v: &Value, path: &[&str]) -> f64 {
    path.iter()
        .fold(v, |v, k| &v[*k])
        .as_f64()
        .unwrap_or(f64::NAN)
}

fn ms(x: f64) -> String {
    if !x.is_finite() {
        "-".into()
    } else if x < 10.0 {
        format!("{x:.2} ms")
    } else {
        format!("{x:.1} ms")
    }
}

/// Why an algorithm treats a slow backend the way it does (one sentence each).
fn why(alg: &str) -> &'static str {
    match alg {
        "round-robin" | "weighted" => {
            "gives every backend its fixed turn, so the slow backend's latency lands in the tail"
        }
        "random" => "spreads requests blindly, so the slow backend gets its full share",
        "least-conn" | "weighted-least-conn" => {
            "sends to the backend with the fewest requests in flight, and the slow one holds its requests longer"
        }
        "p2c" => {
            "picks the less busy of two random backends, and the slow one is busier because it holds requests longer"
        }
        "ewma" => {
            "tracks each backend's recent latency (peak EWMA) times its load and prefers the fastest"
        }
        "ip-hash" | "hash" => {
            "pins each client to one backend by hash, whatever that backend's latency"
        }
        _ => "balances by its own rule",
    }
}

/// The side-by-side figures of the two runs and one sentence explaining them.
pub fn compare(runs: &[Value]) -> anyhow::Result<Value> {
    let [a, b] = runs else {
        return Err(anyhow!("the demo needs exactly two load runs"));
    };
    let name = |r: &Value| r["algorithm"].as_str().unwrap_or("?").to_string();
    let (na, nb) = (name(a), name(b));
    let p = |r: &Value, q: &str| num(&r["load"], &["latency_ms", q]);
    let slow_share = |r: &Value| {
        r["load"]["groups"]["values"]
            .as_array()
            .and_then(|g| g.iter().find(|e| e["value"] == ROLES[1].0))
            .map_or(0.0, |e| e["share"].as_f64().unwrap_or(0.0))
    };
    let (p99a, p99b) = (p(a, "p99"), p(b, "p99"));
    let (meana, meanb) = (p(a, "mean"), p(b, "mean"));
    let rps = |r: &Value| num(&r["load"], &["rps"]);
    let (rpsa, rpsb) = (rps(a), rps(b));
    let pct = |from: f64, to: f64| (to - from) / from * 100.0;
    let change = pct(p99a, p99b);
    let (sa, sb) = (slow_share(a), slow_share(b));
    let mut sentence = format!(
        "{nb} sent {:.0}% of requests to the slow backend instead of {:.0}%: mean latency went from {} to {} \
         ({:+.0}%) and, with the same connections, throughput from {rpsa:.0} to {rpsb:.0} req/s ({:+.0}%). ",
        sb * 100.0,
        sa * 100.0,
        ms(meana),
        ms(meanb),
        pct(meana, meanb),
        pct(rpsa, rpsb),
    );
    if change.abs() < 10.0 && sb > 0.01 {
        sentence.push_str(&format!(
            "p99 barely moved ({} -> {}): with {:.0}% of requests still on the slow backend, the 99th percentile is its latency. ",
            ms(p99a),
            ms(p99b),
            sb * 100.0
        ));
    } else {
        sentence.push_str(&format!(
            "p99 went from {} to {} ({change:+.0}%). ",
            ms(p99a),
            ms(p99b)
        ));
    }
    sentence.push_str(&format!("Why: {nb} {}, while {na} {}.", why(&nb), why(&na)));
    Ok(json!({
        "first": na,
        "second": nb,
        "p50_ms": [p(a, "p50"), p(b, "p50")],
        "p90_ms": [p(a, "p90"), p(b, "p90")],
        "p99_ms": [p99a, p99b],
        "p99_change_pct": change,
        "mean_ms": [meana, meanb],
        "rps": [rpsa, rpsb],
        "slow_backend_share": [slow_share(a), slow_share(b)],
        "summary": sentence,
    }))
}

/// Print the report for a person.
pub fn print(result: &Value, global: &GlobalOpts) {
    let _ = global;
    println!("lbctl demo: load balancing, measured on this machine\n");
    println!("1. Three test backends (lbctl serve):");
    for b in result["backends"].as_array().into_iter().flatten() {
        println!(
            "   {}  {:<10} {}",
            b["name"].as_str().unwrap_or(""),
            b["role"].as_str().unwrap_or(""),
            b["url"].as_str().unwrap_or("")
        );
    }
    if let Some(c) = result["commands"][0].as_str() {
        println!("   $ {c}");
    }

    println!("\n2. Their health (lbctl probe):");
    let mut t = crate::output::new_table(&["target", "result", "status", "total"]);
    for r in result["probe"]["targets"].as_array().into_iter().flatten() {
        t.add_row(vec![
            r["target"].as_str().unwrap_or("").to_string(),
            r["result"].as_str().unwrap_or("").to_string(),
            r["status"].as_u64().map_or("-".into(), |s| s.to_string()),
            ms(num(r, &["timings_ms", "total"])),
        ]);
    }
    println!("{t}");
    if let Some(c) = result["commands"][1].as_str() {
        println!("   $ {c}");
    }

    for (i, run) in result["runs"].as_array().into_iter().flatten().enumerate() {
        let alg = run["algorithm"].as_str().unwrap_or("?");
        let load = &run["load"];
        println!(
            "\n{}. A proxy with --algorithm {alg}, and load through it (lbctl proxy + lbctl load):",
            i + 3
        );
        for c in run["commands"].as_array().into_iter().flatten() {
            println!("   $ {}", c.as_str().unwrap_or(""));
        }
        let mut t =
            crate::output::new_table(&["backend", "role", "requests", "share", "", "p50", "p99"]);
        let mut groups: Vec<&Value> = load["groups"]["values"]
            .as_array()
            .into_iter()
            .flatten()
            .collect();
        groups.sort_by_key(|g| g["value"].as_str().unwrap_or("").to_string());
        for g in groups {
            let name = g["value"].as_str().unwrap_or("");
            let role = ROLES
                .iter()
                .find(|(n, _)| *n == name)
                .map_or("", |(_, r)| r);
            let share = g["share"].as_f64().unwrap_or(0.0);
            t.add_row(vec![
                name.to_string(),
                role.to_string(),
                g["count"].as_u64().unwrap_or(0).to_string(),
                format!("{:.1}%", share * 100.0),
                crate::output::bar(share, 20),
                ms(num(g, &["latency_ms", "p50"])),
                ms(num(g, &["latency_ms", "p99"])),
            ]);
        }
        println!("{t}");
        let errors = load["errors"].as_u64().unwrap_or(0);
        let requests = load["requests"].as_u64().unwrap_or(0);
        println!(
            "   {requests} requests in {:.1}s ({:.0} req/s); latency p50 {}, p90 {}, p99 {}, p99.9 {}; {errors} errors ({:.1}%: 5xx and transport)",
            num(load, &["duration_s"]),
            num(load, &["rps"]),
            ms(num(load, &["latency_ms", "p50"])),
            ms(num(load, &["latency_ms", "p90"])),
            ms(num(load, &["latency_ms", "p99"])),
            ms(num(load, &["latency_ms", "p99.9"])),
            errors as f64 * 100.0 / requests.max(1) as f64,
        );
    }

    let c = &result["comparison"];
    println!("\n5. Side by side:");
    let pair = |k: &str, i: usize| ms(c[k][i].as_f64().unwrap_or(f64::NAN));
    println!(
        "   mean {} -> {}, p50 {} -> {}, p90 {} -> {}, p99 {} -> {}  ({} -> {})",
        pair("mean_ms", 0),
        pair("mean_ms", 1),
        pair("p50_ms", 0),
        pair("p50_ms", 1),
        pair("p90_ms", 0),
        pair("p90_ms", 1),
        pair("p99_ms", 0),
        pair("p99_ms", 1),
        c["first"].as_str().unwrap_or(""),
        c["second"].as_str().unwrap_or(""),
    );
    println!("   {}", c["summary"].as_str().unwrap_or(""));

    println!("\n6. Consistent hashing: 10,000 keys on 3 servers, one removed (lbctl ring diff):");
    let mut t = crate::output::new_table(&["algorithm", "moved", "ideal", "extra churn", ""]);
    for r in result["ring"].as_array().into_iter().flatten() {
        let d = &r["diff"];
        let moved = num(d, &["moved_fraction"]);
        t.add_row(vec![
            r["algorithm"].as_str().unwrap_or("").to_string(),
            format!("{:.1}%", moved * 100.0),
            format!("{:.1}%", num(d, &["ideal_fraction"]) * 100.0),
            format!("{:+.1}%", num(d, &["extra_fraction"]) * 100.0),
            crate::output::bar(moved, 20),
        ]);
    }
    println!("{t}");
    if let Some(c) = result["ring"][1]["command"].as_str() {
        println!("   $ {c}");
    }
    println!(
        "   modulo remaps most keys when the server count changes; ketama and maglev move about the removed server's share."
    );
    print_sim(result);
}

/// The measured runs next to `lbctl sim`'s prediction of them.
fn print_sim(result: &Value) {
    let runs: Vec<&Value> = result["runs"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["sim"].is_object())
        .collect();
    if runs.is_empty() {
        return;
    }
    println!(
        "\n7. Predicted by lbctl sim (the same scenario and connections, closed model, simulated):"
    );
    let mut t = crate::output::new_table(&[
        "algorithm",
        "req/s",
        "sim",
        "b2 share",
        "sim",
        "p50",
        "sim",
        "p99",
        "sim",
    ]);
    for r in &runs {
        let alg = r["algorithm"].as_str().unwrap_or("?");
        let load = &r["load"];
        let share = load["groups"]["values"]
            .as_array()
            .and_then(|g| g.iter().find(|e| e["value"] == ROLES[1].0))
            .map_or(0.0, |e| e["share"].as_f64().unwrap_or(0.0));
        let sim = &r["sim"]["algorithms"][0];
        let sim_share = sim["backends"][1]["share"].as_f64().unwrap_or(f64::NAN);
        t.add_row(vec![
            alg.to_string(),
            format!("{:.0}", num(load, &["rps"])),
            format!("{:.0}", num(sim, &["throughput"])),
            format!("{:.1}%", share * 100.0),
            format!("{:.1}%", sim_share * 100.0),
            ms(num(load, &["latency_ms", "p50"])),
            ms(num(sim, &["latency_ms", "p50"])),
            ms(num(load, &["latency_ms", "p99"])),
            ms(num(sim, &["latency_ms", "p99"])),
        ]);
    }
    println!("{t}");
    if let Some(c) = runs[0]["sim_command"].as_str() {
        println!("   $ {c}");
    }
    let overheads: Vec<String> = runs
        .iter()
        .map(|r| ms(r["overhead_ms"].as_f64().unwrap_or(f64::NAN)))
        .collect();
    println!(
        "   The simulation runs the proxy's own balancing code on a virtual clock. What this machine's path \
         (client, loopback, proxy, timers) adds to a request, measured as b1's p50 less its {}, is given \
         to it as --overhead ({}).",
        FAST,
        overheads.join(", ")
    );
}
