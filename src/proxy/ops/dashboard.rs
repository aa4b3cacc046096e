//! `--dashboard`: a live per-backend table on stderr (a terminal only), redrawn every second:
//! requests per second over the last refresh, share of traffic next to the share its weight
//! asks for, p50/p99 over the last 10 s, in flight, errors (5xx and failed exchanges) and
//! health. The view no other ad-hoc proxy gives. In TCP mode ([`tcp_frame`]): connections per
//! second and their share, open connections, bytes per second each way, connect errors.
//!
//! The percentiles are windowed here, in the dashboard task only: each refresh copies every
//! backend's cumulative histogram (the same lock the old since-start percentiles took, held
//! for one copy) and subtracts a compact snapshot of it taken 10 s earlier. The request path
//! records into one cumulative histogram as before; /metrics and /stats stay cumulative.

use crate::output::{bar, new_table};
use crate::proxy::core::backend::Backend;
use crate::proxy::core::pool::Pool;
use crate::stats::LatencyHistogram;
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// How far back the dashboard's p50/p99 look.
pub const WINDOW: Duration = Duration::from_secs(10);

/// One backend's recent latency: compact snapshots of its cumulative histogram, one per
/// refresh, back to the newest one at least [`WINDOW`] old.
#[derive(Debug, Default)]
pub struct LatencyWindow {
    snaps: VecDeque<(Instant, Vec<(u64, u64)>)>,
}

impl LatencyWindow {
    /// Given the backend's cumulative histogram read at `now`, the samples recorded since the
    /// newest snapshot at least [`WINDOW`] old (so the last 10 s, or up to one refresh more);
    /// all of them while the window has not filled yet (the first 10 s).
    pub fn update(&mut self, now: Instant, mut cumulative: LatencyHistogram) -> LatencyHistogram {
        let age = |t: Instant| now.saturating_duration_since(t);
        // Keep one snapshot at least WINDOW old (the base) and everything newer.
        while self.snaps.len() >= 2 && age(self.snaps[1].0) >= WINDOW {
            self.snaps.pop_front();
        }
        let counts = cumulative.counts();
        let base = self
            .snaps
            .front()
            .filter(|(t, _)| age(*t) >= WINDOW)
            .map(|(_, c)| LatencyHistogram::from_counts(c));
        self.snaps.push_back((now, counts));
        if let Some(base) = base
            && cumulative.subtract(&base).is_err()
        {
            // Not a later state of the same histogram (cannot happen while histograms only
            // grow): start the window afresh from this read.
            let latest = self.snaps.pop_back().map(|(_, c)| c).unwrap_or_default();
            self.snaps.clear();
            let whole = LatencyHistogram::from_counts(&latest);
            self.snaps.push_back((now, latest));
            return whole;
        }
        cumulative
    }
}

/// What the dashboard remembers between frames about one backend.
struct Seen {
    /// Held so the address keying this entry cannot be reused by another backend.
    _backend: Arc<Backend>,
    requests: u64,
    latency: LatencyWindow,
    /// TCP mode: connections, bytes in, bytes out at the previous frame.
    tcp: [u64; 3],
}

/// The dashboard's memory between frames, per backend (keyed by identity, so a SIGHUP reload
/// that replaces a backend starts its rates and window afresh).
#[derive(Default)]
pub struct View {
    seen: HashMap<usize, Seen>,
}

impl View {
    /// Every backend of `pools` with its pool's name; forgets backends no longer there.
    fn backends<'p>(&mut self, pools: &'p [Arc<Pool>]) -> Vec<(&'p str, &'p Arc<Backend>)> {
        let all: Vec<(&str, &Arc<Backend>)> = pools
            .iter()
            .flat_map(|p| p.backends.iter().map(move |b| (p.name.as_str(), b)))
            .collect();
        self.seen
            .retain(|k, _| all.iter().any(|(_, b)| key(b) == *k));
        all
    }

    /// What the previous frame saw of `b` (all zero the first time).
    fn seen(&mut self, b: &Arc<Backend>) -> &mut Seen {
        self.seen.entry(key(b)).or_insert_with(|| Seen {
            _backend: Arc::clone(b),
            requests: 0,
            latency: LatencyWindow::default(),
            tcp: [0; 3],
        })
    }
}

fn key(b: &Arc<Backend>) -> usize {
    Arc::as_ptr(b) as usize
}

/// Backend `k`'s share of its pool's `counts` over the frame, and the share its weight asks
/// for (0 for backups).
fn shares(all: &[(&str, &Arc<Backend>)], counts: &[u64], k: usize) -> (f64, f64) {
    let (pname, b) = all[k];
    let pool_count: u64 = all
        .iter()
        .zip(counts)
        .filter(|((p, _), _)| *p == pname)
        .map(|(_, c)| *c)
        .sum();
    let pool_weight: u64 = all
        .iter()
        .filter(|(p, x)| *p == pname && !x.spec.backup)
        .map(|(_, x)| if x.takes_new() { x.weight() as u64 } else { 0 })
        .sum();
    let share = if pool_count > 0 {
        counts[k] as f64 / pool_count as f64
    } else {
        0.0
    };
    // Drained or in maintenance (runtime API): expected share 0.
    let wshare = if pool_weight > 0 && !b.spec.backup && b.takes_new() {
        b.weight() as f64 / pool_weight as f64
    } else {
        0.0
    };
    (share, wshare)
}

/// A table with natural column widths: it goes to stderr, whose width new_table cannot see.
fn table(headers: &[&str]) -> comfy_table::Table {
    let mut t = new_table(headers);
    t.set_content_arrangement(comfy_table::ContentArrangement::Disabled);
    t
}

/// One rendered frame (pure given its inputs, so it can be tested): rates over `elapsed`,
/// percentiles over [`WINDOW`] ending at `now`.
pub fn frame(pools: &[Arc<Pool>], view: &mut View, now: Instant, elapsed: Duration) -> String {
    let all = view.backends(pools);
    let mut t = table(&[
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
        "proto",
    ]);
    let secs = elapsed.as_secs_f64().max(1e-3);
    let mut deltas = Vec::with_capacity(all.len());
    let mut windows = Vec::with_capacity(all.len());
    for (_, b) in &all {
        let seen = view.seen(b);
        let total = b.total_requests();
        deltas.push(total.saturating_sub(seen.requests));
        seen.requests = total;
        // Copy under the lock, compute outside it: the request path waits for one memcpy.
        let cumulative = b.latency.lock().map(|h| h.clone()).ok();
        windows.push(cumulative.map(|h| seen.latency.update(now, h)));
    }
    for (k, (pname, b)) in all.iter().enumerate() {
        let (share, wshare) = shares(&all, &deltas, k);
        let (p50, p99) = match &windows[k] {
            Some(h) if !h.is_empty() => (
                format!("{:.2}", h.percentile_us(50.0) as f64 / 1e3),
                format!("{:.2}", h.percentile_us(99.0) as f64 / 1e3),
            ),
            _ => ("-".into(), "-".into()),
        };
        let classes = b.responses.classes();
        let errors = classes[4] + classes[5];
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
            b.pool.protocol(),
        ]);
    }
    format!(
        "req/s and share over the last {secs:.1} s, p50/p99 over the last {} s (cumulative in /metrics and /stats)\n{t}",
        WINDOW.as_secs()
    )
}

/// The TCP-mode frame: connections per second and their share next to the weight's, open
/// connections, bytes per second each way (in = client to backend) over `elapsed`, connect
/// failures since start, health.
pub fn tcp_frame(pools: &[Arc<Pool>], view: &mut View, elapsed: Duration) -> String {
    let all = view.backends(pools);
    let secs = elapsed.as_secs_f64().max(1e-3);
    // Per backend, since the last frame: connections, bytes in, bytes out.
    let mut deltas = Vec::with_capacity(all.len());
    for (_, b) in &all {
        let seen = view.seen(b);
        let now = [
            b.l4.connections.load(Ordering::Relaxed),
            b.l4.bytes_in.load(Ordering::Relaxed),
            b.l4.bytes_out.load(Ordering::Relaxed),
        ];
        deltas.push([0, 1, 2].map(|i| now[i].saturating_sub(seen.tcp[i])));
        seen.tcp = now;
    }
    let connections: Vec<u64> = deltas.iter().map(|d| d[0]).collect();
    let mut t = table(&[
        "pool",
        "backend",
        "conn/s",
        "share",
        "weight share",
        "open",
        "in KiB/s",
        "out KiB/s",
        "connect errors",
        "health",
    ]);
    for (k, (pname, b)) in all.iter().enumerate() {
        let (share, wshare) = shares(&all, &connections, k);
        t.add_row(vec![
            pname.to_string(),
            b.name().to_string(),
            format!("{:.0}", deltas[k][0] as f64 / secs),
            format!("{:>5.1}% {}", share * 100.0, bar(share, 10)),
            format!("{:>5.1}%", wshare * 100.0),
            b.in_flight.load(Ordering::Relaxed).to_string(),
            format!("{:.1}", deltas[k][1] as f64 / 1024.0 / secs),
            format!("{:.1}", deltas[k][2] as f64 / 1024.0 / secs),
            b.l4.connect_errors.load(Ordering::Relaxed).to_string(),
            b.state().to_string(),
        ]);
    }
    format!(
        "TCP mode: rates and share over the last {secs:.1} s (totals in /metrics and /stats)\n{t}"
    )
}

/// The traffic policies under the table, a line each (cumulative counts, as in /stats).
pub fn policy_text(p: &super::policy_stats::PolicyStats) -> String {
    let mut out = String::new();
    for l in &p.rate_limits {
        out.push_str(&format!(
            "\nrate limit {} ({}, key {}): allowed {}, delayed {}, rejected {}; keys {}/{}",
            l.limiter, l.spec, l.key, l.allowed, l.delayed, l.rejected, l.keys, l.max_keys
        ));
    }
    for c in &p.canaries {
        let total = (c.to_canary + c.to_main).max(1);
        out.push_str(&format!(
            "\ncanary {}: {:.1}% to {} ({} of {}), weight {}%",
            c.route,
            c.to_canary as f64 * 100.0 / total as f64,
            c.canary_pool,
            c.to_canary,
            c.to_canary + c.to_main,
            c.weight
        ));
    }
    for m in &p.mirrors {
        out.push_str(&format!(
            "\nmirror {} -> {} ({}): sent {}, failed {}, dropped {}, in flight {}/{}",
            m.route, m.pool, m.fraction, m.sent, m.failed, m.dropped, m.in_flight, m.max_in_flight
        ));
    }
    out
}

/// Redraw every second until `shutdown`; `tcp` draws the TCP-mode table.
pub async fn run(
    l7: Arc<crate::proxy::core::frontend::L7>,
    tcp: bool,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    let mut view = View::default();
    let mut last = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = &mut shutdown => return,
        }
        let pools = l7.routing().pools.clone();
        let now = Instant::now();
        let text = if tcp {
            tcp_frame(&pools, &mut view, now.duration_since(last))
        } else {
            let policies = super::policy_stats::stats(std::slice::from_ref(&l7));
            format!(
                "{}{}",
                frame(&pools, &mut view, now, now.duration_since(last)),
                policy_text(&policies)
            )
        };
        last = now;
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
    use crate::proxy::core::backend::PassivePolicy;
    use crate::proxy::core::upstream::ConnPool;
    use crate::spec::BackendSpec;

    fn mk(s: &str, i: usize) -> Arc<Backend> {
        let spec = BackendSpec::parse(s).unwrap();
        let addr = "127.0.0.1:1".parse().unwrap();
        let policy = PassivePolicy {
            max_fails: 1,
            fail_timeout: Duration::from_secs(1),
        };
        let pool = ConnPool::new(addr, 1, Duration::from_secs(1), Duration::from_secs(1));
        Arc::new(Backend::new(spec, i, addr, policy, pool))
    }

    /// The cells of backend `name`'s row (whatever the table style).
    fn row(f: &str, name: &str) -> Vec<String> {
        f.lines()
            .map(|l| {
                l.split(['|', '┆', '│'])
                    .map(|c| c.trim().to_string())
                    .filter(|c| !c.is_empty())
                    .collect::<Vec<_>>()
            })
            .find(|cells| cells.get(1).map(String::as_str) == Some(name))
            .unwrap_or_else(|| panic!("no row for {name} in {f}"))
    }

    #[test]
    fn policies_are_listed_under_the_table() {
        use super::super::policy_stats::{CanaryStats, MirrorStats, PolicyStats};
        assert_eq!(policy_text(&PolicyStats::default()), "");
        let p = PolicyStats {
            rate_limits: Vec::new(),
            canaries: vec![CanaryStats {
                route: "listener[0].route[0]".into(),
                main_pool: "v1".into(),
                canary_pool: "v2".into(),
                weight: 10,
                to_canary: 25,
                to_main: 75,
                by_reason: Default::default(),
            }],
            mirrors: vec![MirrorStats {
                route: "listener[0].default".into(),
                pool: "shadow".into(),
                fraction: 0.1,
                max_in_flight: 64,
                in_flight: 2,
                sent: 9,
                failed: 1,
                dropped: 0,
                skipped_body: 0,
            }],
        };
        let t = policy_text(&p);
        assert!(
            t.contains("canary listener[0].route[0]: 25.0% to v2 (25 of 100)"),
            "{t}"
        );
        assert!(
            t.contains("mirror listener[0].default -> shadow (0.1): sent 9"),
            "{t}"
        );
    }

    #[test]
    fn frame_shows_rates_and_shares() {
        let a = mk("a=127.0.0.1:1,weight=3", 0);
        let b = mk("b=127.0.0.1:2", 1);
        for _ in 0..30 {
            a.count(Some(200));
        }
        for _ in 0..10 {
            b.count(Some(503));
        }
        b.count(None);
        let pool = Arc::new(Pool::new(
            "web".into(),
            vec![a.clone(), b],
            Box::new(RoundRobin::new()),
        ));
        let pools = [pool];
        let mut view = View::default();
        let t0 = Instant::now();
        let f = frame(&pools, &mut view, t0, Duration::from_secs(1));
        let (ra, rb) = (row(&f, "a"), row(&f, "b"));
        assert_eq!(ra[2], "30", "{f}");
        assert!(ra[3].starts_with("73.2%"), "{f}"); // 30 of 41
        assert_eq!(ra[4], "75.0%", "{f}"); // weight share
        assert_eq!(rb[4], "25.0%", "{f}");
        assert_eq!(rb[8], "11", "{f}"); // b's errors: ten 503s and one failure
        assert_eq!(ra[8], "0", "{f}");
        assert!(f.contains("over the last 10 s"), "{f}");
        // The next frame counts only what came since.
        for _ in 0..4 {
            a.count(Some(200));
        }
        let f = frame(
            &pools,
            &mut view,
            t0 + Duration::from_secs(2),
            Duration::from_secs(2),
        );
        let (ra, rb) = (row(&f, "a"), row(&f, "b"));
        assert_eq!(ra[2], "2", "{f}"); // 4 requests in 2 s
        assert!(ra[3].starts_with("100.0%"), "{f}");
        assert_eq!(rb[2], "0", "{f}");
    }

    #[test]
    fn tcp_frame_shows_connection_and_byte_rates() {
        let a = mk("a=127.0.0.1:1", 0);
        let b = mk("b=127.0.0.1:2", 1);
        a.l4.connections.store(30, Ordering::Relaxed);
        a.l4.bytes_in.store(10 * 1024, Ordering::Relaxed);
        a.l4.bytes_out.store(40 * 1024, Ordering::Relaxed);
        b.l4.connections.store(10, Ordering::Relaxed);
        b.l4.connect_errors.store(2, Ordering::Relaxed);
        let pool = Arc::new(Pool::new(
            "tcp".into(),
            vec![a.clone(), b],
            Box::new(RoundRobin::new()),
        ));
        let pools = [pool];
        let mut view = View::default();
        let f = tcp_frame(&pools, &mut view, Duration::from_secs(2));
        let (ra, rb) = (row(&f, "a"), row(&f, "b"));
        assert_eq!(ra[2], "15", "{f}"); // 30 connections in 2 s
        assert!(ra[3].starts_with("75.0%"), "{f}");
        assert_eq!((ra[6].as_str(), ra[7].as_str()), ("5.0", "20.0"), "{f}");
        assert_eq!(rb[8], "2", "{f}");
        // The next frame counts only what came since.
        a.l4.connections.store(31, Ordering::Relaxed);
        let f = tcp_frame(&pools, &mut view, Duration::from_secs(1));
        let ra = row(&f, "a");
        assert_eq!((ra[2].as_str(), ra[6].as_str()), ("1", "0.0"), "{f}");
    }

    #[test]
    fn frame_percentiles_forget_samples_older_than_the_window() {
        let a = mk("a=127.0.0.1:1", 0);
        for _ in 0..100 {
            a.record_latency(Duration::from_millis(250));
        }
        let pool = Arc::new(Pool::new(
            "web".into(),
            vec![a.clone()],
            Box::new(RoundRobin::new()),
        ));
        let pools = [pool];
        let mut view = View::default();
        let t0 = Instant::now();
        let f = frame(&pools, &mut view, t0, Duration::from_secs(1));
        let r = row(&f, "a");
        assert!(r[5].starts_with("250.") && r[6].starts_with("250."), "{f}");
        for s in 1..=10 {
            let f = frame(&pools, &mut view, t0 + Duration::from_secs(s), WINDOW);
            if s == 10 {
                // Nothing was recorded within the last 10 s.
                let r = row(&f, "a");
                assert_eq!((r[5].as_str(), r[6].as_str()), ("-", "-"), "{f}");
            }
        }
        for _ in 0..20 {
            a.record_latency(Duration::from_millis(1));
        }
        let f = frame(&pools, &mut view, t0 + Duration::from_secs(11), WINDOW);
        let r = row(&f, "a");
        assert_eq!((r[5].as_str(), r[6].as_str()), ("1.00", "1.00"), "{f}");
    }

    /// Samples recorded before the window must not move its percentiles; samples inside it
    /// must all count. Real histograms, synthetic clock (one refresh per second).
    #[test]
    fn latency_window_keeps_exactly_the_last_ten_seconds() {
        let mut h = LatencyHistogram::new();
        let mut w = LatencyWindow::default();
        let t0 = Instant::now();
        let near =
            |got: u64, want_us: u64| (got as f64 - want_us as f64).abs() / (want_us as f64) < 0.001;
        for s in 0..=16u64 {
            // (samples, µs) recorded just before refresh s.
            let batch = match s {
                0 => Some((1000, 100_000)),
                5 => Some((50, 5_000)),
                11 => Some((100, 1_000)),
                _ => None,
            };
            if let Some((n, us)) = batch {
                h.record_n(us, n);
            }
            let win = w.update(t0 + Duration::from_secs(s), h.clone());
            let (len, p50, p99) = (win.len(), win.percentile_us(50.0), win.percentile_us(99.0));
            match s {
                // Window not filled yet: everything since start.
                0..=4 => assert_eq!(len, 1000, "s={s}"),
                5..=9 => {
                    assert_eq!(len, 1050, "s={s}");
                    assert!(near(p50, 100_000), "s={s}: {p50}");
                }
                // The 100 ms burst of t0 is out: it must not pull p99 up.
                10 => {
                    assert_eq!(len, 50, "s={s}");
                    assert!(near(p99, 5_000), "s={s}: {p99}");
                }
                11..=14 => {
                    assert_eq!(len, 150, "s={s}");
                    assert!(near(p99, 5_000) && near(p50, 1_000), "s={s}: {p50} {p99}");
                }
                // The 5 ms batch (before refresh 5) is out too.
                _ => {
                    assert_eq!(len, 100, "s={s}");
                    assert!(
                        near(p99, 1_000) && near(win.max_us(), 1_000),
                        "s={s}: {p99}"
                    );
                }
            }
            assert!(w.snaps.len() <= 12, "s={s}: {} snapshots", w.snaps.len());
        }
        // A histogram that went backwards (not a later state): the window restarts, no panic.
        let win = w.update(t0 + Duration::from_secs(30), LatencyHistogram::new());
        assert!(win.is_empty());
        let mut fresh = LatencyHistogram::new();
        fresh.record_us(42);
        let win = w.update(t0 + Duration::from_secs(31), fresh);
        assert_eq!(win.len(), 1);
    }
}
