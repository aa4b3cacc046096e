//! `probe --watch` and `probe --until healthy`: one loop per target checking every
//! `--interval` (`--fast-interval` while its state is changing), results fed to the rise/fall
//! state machine (`check::RiseFall`) and a latency histogram (`stats`). Memory per target is
//! fixed (state, histogram, last outcome), so a watch can run for days.
//!
//! Watch prints a live table on a terminal, otherwise one line per state transition (jsonl:
//! one line per check), and a summary at the end (Ctrl-C or `--count` rounds). Until stops as
//! soon as `--require` holds over the targets that are up, or fails at `--deadline`.

use super::ProbeOutput;
use super::report::{ShotResult, Verdict};
use super::settings::{Settings, with_hint};
use super::targets::ProbeTarget;
use crate::check::{self, CheckOutcome, RiseFall};
use crate::cli::GlobalOpts;
use crate::exit::ExitCode;
use crate::spec::format_duration;
use crate::stats::{LatencyHistogram, Summary};
use serde::{Deserialize, Serialize};
use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::{Semaphore, mpsc};

/// What is known about one target during a watch.
struct TargetState {
    rf: RiseFall,
    hist: LatencyHistogram,
    checks: u64,
    passes: u64,
    last: Option<CheckOutcome>,
}

type Shared = Arc<Mutex<Vec<TargetState>>>;

/// One finished check, sent to the printer.
struct Event {
    idx: usize,
    outcome: CheckOutcome,
    /// Some(up) when this check changed the state.
    transition: Option<bool>,
    up: bool,
    passes: u32,
    failures: u32,
}

/// One check in `--watch --output jsonl`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CheckLine {
    pub time: String,
    pub target: String,
    pub pass: bool,
    /// up or down after this check.
    pub state: String,
    /// The new state when this check changed it (up or down), else null.
    pub transition: Option<String>,
    pub reason: String,
    pub status: Option<u16>,
    /// gRPC targets: the health status answered (SERVING, NOT_SERVING, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grpc_status: Option<String>,
    pub total_ms: f64,
    /// Consecutive passes / failures so far.
    pub passes: u32,
    pub failures: u32,
}

/// One target in the watch summary.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct WatchTarget {
    pub target: String,
    pub state: String,
    pub checks: u64,
    pub passed: u64,
    pub failed: u64,
    /// passed / checks, in percent.
    pub availability_pct: f64,
    pub transitions: u64,
    pub last_reason: Option<String>,
    /// Latency of every check (passed or not), from the histogram.
    pub latency_ms: Summary,
}

/// The watch summary (`--output json` prints only this).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct WatchSummary {
    /// Whether --require holds over the final states.
    pub ok: bool,
    pub require: String,
    pub duration_s: f64,
    pub up: usize,
    pub targets: Vec<WatchTarget>,
}

fn new_states(n: usize, s: &Settings) -> Shared {
    Arc::new(Mutex::new(
        (0..n)
            .map(|_| TargetState {
                rf: RiseFall::new(s.rise, s.fall, s.start_up),
                hist: LatencyHistogram::new(),
                checks: 0,
                passes: 0,
                last: None,
            })
            .collect(),
    ))
}

/// Start one checking loop per target.
fn spawn_loops(
    targets: &[ProbeTarget],
    s: &Settings,
    shared: &Shared,
    count: Option<u64>,
) -> (tokio::task::JoinSet<()>, mpsc::Receiver<Event>) {
    let (tx, rx) = mpsc::channel(1024);
    let sem = Arc::new(Semaphore::new(s.concurrency));
    let mut set = tokio::task::JoinSet::new();
    for (idx, t) in targets.iter().enumerate() {
        let (t, s, shared, tx, sem) = (
            t.clone(),
            s.clone(),
            shared.clone(),
            tx.clone(),
            sem.clone(),
        );
        set.spawn(async move {
            let mut n = 0u64;
            loop {
                let started = Instant::now();
                let outcome = {
                    let _permit = sem.acquire().await;
                    with_hint(check::run(&t.spec, &t.target, s.timeout).await)
                };
                n += 1;
                let (ev, fast) = {
                    let mut g = shared.lock().unwrap_or_else(|p| p.into_inner());
                    let st = &mut g[idx];
                    st.checks += 1;
                    st.passes += u64::from(outcome.pass);
                    st.hist.record(outcome.timings.total);
                    let transition = st.rf.record(outcome.pass);
                    st.last = Some(outcome.clone());
                    let ev = Event {
                        idx,
                        outcome,
                        transition,
                        up: st.rf.is_up(),
                        passes: st.rf.passes(),
                        failures: st.rf.failures(),
                    };
                    (ev, st.rf.in_transition())
                };
                if tx.send(ev).await.is_err() || count.is_some_and(|c| n >= c) {
                    return;
                }
                let wait = if fast { s.fast_interval } else { s.interval };
                tokio::time::sleep_until((started + wait).into()).await;
            }
        });
    }
    (set, rx)
}

fn now_rfc3339() -> String {
    humantime::format_rfc3339_millis(SystemTime::now()).to_string()
}

/// The one-line description of a transition (non-terminal watch, and --until on stderr).
fn transition_line(label: &str, ev: &Event) -> String {
    let o = &ev.outcome;
    if ev.up {
        format!(
            "{} {label} is UP ({} passes; last: {} in {})",
            now_rfc3339(),
            ev.passes,
            o.reason,
            format_duration(o.timings.total)
        )
    } else {
        format!(
            "{} {label} is DOWN ({} failures; last: {})",
            now_rfc3339(),
            ev.failures,
            o.reason
        )
    }
}

fn check_line(label: &str, ev: &Event) -> CheckLine {
    let o = &ev.outcome;
    let state = |up: bool| if up { "up" } else { "down" }.to_string();
    CheckLine {
        time: now_rfc3339(),
        target: label.to_string(),
        pass: o.pass,
        state: state(ev.up),
        transition: ev.transition.map(state),
        reason: o.reason.clone(),
        status: o.status,
        grpc_status: o.grpc_status.map(str::to_string),
        total_ms: (o.timings.total.as_secs_f64() * 1e6).round() / 1e3,
        passes: ev.passes,
        failures: ev.failures,
    }
}

/// `--watch`.
pub async fn watch(
    targets: Vec<ProbeTarget>,
    s: Settings,
    global: GlobalOpts,
) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let shared = new_states(targets.len(), &s);
    let (mut set, mut rx) = spawn_loops(&targets, &s, &shared, s.count);
    let live = s.output == ProbeOutput::Table && std::io::stdout().is_terminal();
    if !live {
        crate::output::info(
            &global,
            format!(
                "watching {} target(s) every {} (rise {}, fall {}); Ctrl-C for the summary",
                targets.len(),
                humantime::format_duration(s.interval),
                s.rise,
                s.fall
            ),
        );
    }
    let mut drawn_lines = 0usize;
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    let shutdown = crate::shutdown::signal();
    tokio::pin!(shutdown);
    let mut out = std::io::stdout();
    loop {
        tokio::select! {
            ev = rx.recv() => {
                let Some(ev) = ev else { break };
                let label = &targets[ev.idx].label;
                if let (Some(alerts), Some(up)) = (&s.alerts, ev.transition) {
                    alerts.fire(super::alert::Transition {
                        time: now_rfc3339(),
                        target: label.clone(),
                        old_state: if up { "down" } else { "up" }.into(),
                        new_state: if up { "up" } else { "down" }.into(),
                        reason: ev.outcome.reason.clone(),
                        status: ev.outcome.status,
                    });
                }
                match s.output {
                    ProbeOutput::Jsonl => {
                        let line = serde_json::to_string(&check_line(label, &ev))?;
                        writeln!(out, "{line}")?;
                        out.flush()?;
                    }
                    ProbeOutput::Table if !live && ev.transition.is_some() => {
                        writeln!(out, "{}", transition_line(label, &ev))?;
                        out.flush()?;
                    }
                    // -v: every check, not only the state changes.
                    ProbeOutput::Table if !live && global.verbose > 0 => {
                        let o = &ev.outcome;
                        writeln!(
                            out,
                            "{} {label} {} in {}: {} (state {}, {} passes, {} failures)",
                            now_rfc3339(),
                            if o.pass { "pass" } else { "fail" },
                            format_duration(o.timings.total),
                            o.reason,
                            if ev.up { "UP" } else { "DOWN" },
                            ev.passes,
                            ev.failures
                        )?;
                        out.flush()?;
                    }
                    _ => {}
                }
            }
            _ = tick.tick(), if live => {
                let text = live_table(&targets, &shared, started);
                drawn_lines = redraw(&mut out, &text, drawn_lines)?;
            }
            _ = &mut shutdown => break,
        }
    }
    set.abort_all();
    if live {
        redraw(&mut out, "", drawn_lines)?;
    }
    let summary = summarize(&targets, &shared, &s, started);
    match s.output {
        ProbeOutput::Json => crate::output::print_json(&summary)?,
        // The summary is the last line (it is the one with a "targets" key).
        ProbeOutput::Jsonl => crate::output::print_json_line(&summary)?,
        _ => {
            write!(out, "{}", summary_table(&summary))?;
            out.flush()?;
        }
    }
    Ok(if summary.ok {
        ExitCode::Success
    } else {
        ExitCode::CheckFailed
    })
}

/// Replace the previously drawn `lines` with `text`; returns the new line count.
fn redraw(out: &mut impl Write, text: &str, lines: usize) -> std::io::Result<usize> {
    if lines > 0 {
        // Cursor to the start of the first drawn line, clear to the end of the screen.
        write!(out, "\x1b[{lines}F\x1b[J")?;
    }
    write!(out, "{text}")?;
    out.flush()?;
    Ok(text.lines().count())
}

fn live_table(targets: &[ProbeTarget], shared: &Shared, started: Instant) -> String {
    let g = shared.lock().unwrap_or_else(|p| p.into_inner());
    let mut t = super::report::new_table(&[
        "TARGET", "STATE", "LAST", "STREAK", "CHECKS", "AVAIL", "LATENCY", "P99",
    ]);
    for (pt, st) in targets.iter().zip(g.iter()) {
        let last = st.last.as_ref();
        let streak = if st.rf.passes() > 0 {
            format!("{}/{} up", st.rf.passes(), st.rf.rise())
        } else {
            format!("{}/{} down", st.rf.failures(), st.rf.fall())
        };
        t.add_row(vec![
            pt.label.clone(),
            if st.rf.is_up() { "UP" } else { "DOWN" }.to_string(),
            last.map_or("-".into(), |o| o.reason.clone()),
            streak,
            st.checks.to_string(),
            avail(st.passes, st.checks),
            last.map_or("-".into(), |o| format_duration(o.timings.total)),
            if st.hist.is_empty() {
                "-".into()
            } else {
                format_duration(st.hist.percentile(99.0))
            },
        ]);
    }
    format!(
        "{t}\nwatching {} targets for {:.0}s (Ctrl-C for the summary)\n",
        targets.len(),
        started.elapsed().as_secs_f64()
    )
}

fn avail(passes: u64, checks: u64) -> String {
    if checks == 0 {
        "-".into()
    } else {
        format!("{:.1}%", passes as f64 * 100.0 / checks as f64)
    }
}

fn summarize(
    targets: &[ProbeTarget],
    shared: &Shared,
    s: &Settings,
    started: Instant,
) -> WatchSummary {
    let g = shared.lock().unwrap_or_else(|p| p.into_inner());
    let list: Vec<WatchTarget> = targets
        .iter()
        .zip(g.iter())
        .map(|(t, st)| WatchTarget {
            target: t.label.clone(),
            state: if st.rf.is_up() { "up" } else { "down" }.into(),
            checks: st.checks,
            passed: st.passes,
            failed: st.checks - st.passes,
            availability_pct: if st.checks == 0 {
                0.0
            } else {
                (st.passes as f64 * 1e4 / st.checks as f64).round() / 100.0
            },
            transitions: st.rf.transitions(),
            last_reason: st.last.as_ref().map(|o| o.reason.clone()),
            latency_ms: st.hist.summary_ms(),
        })
        .collect();
    let up = list.iter().filter(|t| t.state == "up").count();
    WatchSummary {
        ok: s.require.holds(up, list.len()),
        require: s.require.label(),
        duration_s: (started.elapsed().as_secs_f64() * 1e3).round() / 1e3,
        up,
        targets: list,
    }
}

fn summary_table(sum: &WatchSummary) -> String {
    let mut t = super::report::new_table(&[
        "TARGET",
        "STATE",
        "CHECKS",
        "AVAILABILITY",
        "TRANSITIONS",
        "P50",
        "P90",
        "P99",
        "MAX",
        "LAST",
    ]);
    for w in &sum.targets {
        let ms = |v: f64| format_duration(Duration::from_secs_f64(v / 1e3));
        t.add_row(vec![
            w.target.clone(),
            w.state.to_uppercase(),
            w.checks.to_string(),
            format!("{:.2}%", w.availability_pct),
            w.transitions.to_string(),
            ms(w.latency_ms.p50),
            ms(w.latency_ms.p90),
            ms(w.latency_ms.p99),
            ms(w.latency_ms.max),
            w.last_reason.clone().unwrap_or_else(|| "-".into()),
        ]);
    }
    format!(
        "{t}\n{}/{} up after {:.1}s, require {}: {}\n",
        sum.up,
        sum.targets.len(),
        sum.duration_s,
        sum.require,
        if sum.ok { "OK" } else { "FAIL" }
    )
}

/// `--until healthy`.
pub async fn until(
    targets: Vec<ProbeTarget>,
    s: Settings,
    global: GlobalOpts,
) -> anyhow::Result<ExitCode> {
    let shared = new_states(targets.len(), &s);
    let (mut set, mut rx) = spawn_loops(&targets, &s, &shared, None);
    let deadline = tokio::time::sleep(s.deadline);
    tokio::pin!(deadline);
    let shutdown = crate::shutdown::signal();
    tokio::pin!(shutdown);
    let started = Instant::now();
    let mut up = vec![s.start_up; targets.len()];
    let pb = crate::output::progress(&global, None, "{spinner} {msg} {elapsed}");
    let mut healthy = false;
    while !healthy {
        tokio::select! {
            ev = rx.recv() => {
                let Some(ev) = ev else { break };
                if ev.transition.is_some() {
                    pb.suspend(|| crate::output::info(&global, transition_line(&targets[ev.idx].label, &ev)));
                }
                up[ev.idx] = ev.up;
                let n = up.iter().filter(|u| **u).count();
                pb.set_message(format!("waiting: {n}/{} up (require {})", up.len(), s.require.label()));
                healthy = s.require.holds(n, up.len());
            }
            _ = &mut deadline => break,
            _ = &mut shutdown => break,
        }
    }
    set.abort_all();
    pb.finish_and_clear();
    if healthy {
        crate::output::info(
            &global,
            format!("healthy after {}", format_duration(started.elapsed())),
        );
    } else {
        crate::output::info(
            &global,
            format!("not healthy after {}", format_duration(started.elapsed())),
        );
    }
    let results: Vec<ShotResult> = {
        let g = shared.lock().unwrap_or_else(|p| p.into_inner());
        g.iter()
            .map(|st| ShotResult {
                outcome: st.last.clone().unwrap_or_else(|| CheckOutcome {
                    reason: "not checked yet".into(),
                    ..Default::default()
                }),
                attempts: st.checks.min(u64::from(u32::MAX)) as u32,
                verdict: if st.rf.is_up() {
                    Verdict::Pass
                } else {
                    Verdict::Fail
                },
            })
            .collect()
    };
    super::oneshot::emit(&targets, &results, &s, &global)
}
