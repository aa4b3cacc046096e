//! One-shot `probe`: every target checked concurrently (at most `--concurrency` in flight),
//! failed checks retried up to `--retries` times (a late pass is "flaky"), then one report and
//! an exit code from `--require`.

use super::report::{self, ShotResult, Verdict};
use super::settings::{Settings, with_hint};
use super::targets::ProbeTarget;
use crate::check;
use crate::cli::GlobalOpts;
use crate::exit::ExitCode;
use std::io::Write;
use std::sync::Arc;
use tokio::sync::Semaphore;

pub async fn run(
    targets: Vec<ProbeTarget>,
    settings: Settings,
    global: GlobalOpts,
) -> anyhow::Result<ExitCode> {
    let pb = crate::output::progress(
        &global,
        Some(targets.len() as u64),
        "{spinner} probing {pos}/{len} targets {wide_bar} {elapsed}",
    );
    let results = probe_all(&targets, &settings, || pb.inc(1)).await;
    pb.finish_and_clear();
    emit(&targets, &results, &settings, &global)
}

/// Print the report for final results and return the exit code.
pub fn emit(
    targets: &[ProbeTarget],
    results: &[ShotResult],
    settings: &Settings,
    global: &GlobalOpts,
) -> anyhow::Result<ExitCode> {
    let (text, code) = report::render(
        settings.output,
        targets,
        results,
        settings.require,
        &settings.nagios,
        crate::output::stdout_color(global),
    );
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(code)
}

/// Check every target once (with retries); results in target order.
pub async fn probe_all(
    targets: &[ProbeTarget],
    settings: &Settings,
    on_done: impl Fn(),
) -> Vec<ShotResult> {
    let sem = Arc::new(Semaphore::new(settings.concurrency));
    let mut set = tokio::task::JoinSet::new();
    for (i, t) in targets.iter().enumerate() {
        let t = t.clone();
        let sem = sem.clone();
        let s = settings.clone();
        set.spawn(async move { (i, probe_one(&t, &s, &sem).await) });
    }
    let mut results: Vec<Option<ShotResult>> = vec![None; targets.len()];
    while let Some(joined) = set.join_next().await {
        if let Ok((i, r)) = joined {
            results[i] = Some(r);
        }
        on_done();
    }
    results
        .into_iter()
        .map(|r| {
            // A probe task cannot panic on user input; if one did, it is a failed check.
            r.unwrap_or_else(|| ShotResult {
                outcome: check::CheckOutcome {
                    reason: "internal error: the check task failed".into(),
                    ..Default::default()
                },
                attempts: 0,
                verdict: Verdict::Fail,
            })
        })
        .collect()
}

async fn probe_one(t: &ProbeTarget, s: &Settings, sem: &Semaphore) -> ShotResult {
    let mut attempts = 0;
    loop {
        attempts += 1;
        let outcome = {
            let _permit = sem.acquire().await;
            with_hint(check::run(&t.spec, &t.target, s.timeout).await)
        };
        if outcome.pass || attempts > s.retries {
            let verdict = match (outcome.pass, attempts) {
                (true, 1) => Verdict::Pass,
                (true, _) => Verdict::Flaky,
                (false, _) => Verdict::Fail,
            };
            return ShotResult {
                outcome,
                attempts,
                verdict,
            };
        }
        tokio::time::sleep(s.retry_delay).await;
    }
}
