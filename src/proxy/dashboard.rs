//! `--dashboard`: a live per-backend table on stderr (a terminal only), redrawn every second:
//! requests per second over the last second, share of traffic next to the share its weight
//! asks for, p50/p99 since start (from each backend's HdrHistogram), in flight, errors (5xx
//! and failed exchanges) and health. The view no other ad-hoc proxy gives.

use super::backend::Backend;
use super::pool::Pool;
use crate::output::{bar, new_table};
use std::future::Future;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// One rendered frame (pure, so it can be tested).
pub fn frame(pools: &[Arc<Pool>], prev: &mut Vec<u64>, elapsed: Duration) -> String {
    let all: Vec<(&str, &Arc<Backend>)> = pools
        .iter()
        .flat_map(|p| p.backends.iter().map(move |b| (p.name.as_str(), b)))
        .collect();
    prev.resize(all.len(), 0);
    let mut t = new_table(&[
        "pool",
        "backend",
        "req/s",
        "share",
        "weight share",
        "p50 ms",
        "p99 ms",
        "in flight",
        "errors",
        "health",
    ]);
    // Natural widths: the table goes to stderr, whose width new_table cannot see.
    t.set_content_arrangement(comfy_table::ContentArrangement::Disabled);
    let secs = elapsed.as_secs_f64().max(1e-3);
    let mut deltas = Vec::with_capacity(all.len());
    for (k, (_, b)) in all.iter().enumerate() {
        let total = b.total_requests();
        deltas.push(total.saturating_sub(prev[k]));
        prev[k] = total;
    }
    for (k, (pname, b)) in all.iter().enumerate() {
        let pool_delta: u64 = all
            .iter()
            .zip(&deltas)
            .filter(|((p, _), _)| p == pname)
            .map(|(_, d)| *d)
            .sum();
        let pool_weight: u64 = all
            .iter()
            .filter(|(p, _)| p == pname)
            .filter(|(_, x)| !x.spec.backup)
            .map(|(_, x)| x.spec.weight as u64)
            .sum();
        let share = if pool_delta > 0 {
            deltas[k] as f64 / pool_delta as f64
        } else {
            0.0
        };
        let wshare = if pool_weight > 0 && !b.spec.backup {
            b.spec.weight as f64 / pool_weight as f64
        } else {
            0.0
        };
        let (p50, p99) = match b.latency.lock() {
            Ok(h) if !h.is_empty() => (
                format!("{:.2}", h.percentile_us(50.0) as f64 / 1e3),
                format!("{:.2}", h.percentile_us(99.0) as f64 / 1e3),
            ),
            _ => ("-".into(), "-".into()),
        };
        let errors = b.requests[4].load(Ordering::Relaxed) + b.requests[5].load(Ordering::Relaxed);
        t.add_row(vec![
            pname.to_string(),
            b.name().to_string(),
            format!("{:.0}", deltas[k] as f64 / secs),
            format!("{:>5.1}% {}", share * 100.0, bar(share, 10)),
            format!("{:>5.1}%", wshare * 100.0),
            p50,
            p99,
            b.in_flight.load(Ordering::Relaxed).to_string(),
            errors.to_string(),
            b.state().to_string(),
        ]);
    }
    t.to_string()
}

/// Redraw every second until `shutdown`.
pub async fn run(l7: Arc<super::l7::L7>, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    let mut prev = Vec::new();
    let mut last = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = &mut shutdown => return,
        }
        let pools = l7.routing().pools.clone();
        let text = frame(&pools, &mut prev, last.elapsed());
        last = Instant::now();
        let mut err = std::io::stderr().lock();
        // Clear the screen and home the cursor, then draw.
        let _ = writeln!(err, "\x1b[2J\x1b[H{text}");
        let _ = err.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::balance::round_robin::RoundRobin;
    use crate::proxy::backend::PassivePolicy;
    use crate::proxy::upstream::ConnPool;
    use crate::spec::BackendSpec;

    #[test]
    fn frame_shows_rates_and_shares() {
        let mk = |s: &str, i| {
            let spec = BackendSpec::parse(s).unwrap();
            let addr = "127.0.0.1:1".parse().unwrap();
            let policy = PassivePolicy {
                max_fails: 1,
                fail_timeout: Duration::from_secs(1),
            };
            let pool = ConnPool::new(addr, 1, Duration::from_secs(1), Duration::from_secs(1));
            Arc::new(Backend::new(spec, i, addr, policy, pool))
        };
        let a = mk("a=127.0.0.1:1,weight=3", 0);
        let b = mk("b=127.0.0.1:2", 1);
        for _ in 0..30 {
            a.count(Some(200));
        }
        for _ in 0..10 {
            b.count(Some(503));
        }
        let pool = Arc::new(Pool::new(
            "web".into(),
            vec![a, b],
            Box::new(RoundRobin::new()),
        ));
        let mut prev = Vec::new();
        let f = frame(&[pool], &mut prev, Duration::from_secs(1));
        assert!(f.contains("75.0%"), "{f}");
        assert!(f.contains("25.0%"), "{f}");
        assert!(f.contains("30"), "{f}");
        assert_eq!(prev, vec![30, 10]);
    }
}
