//! Alerts on `--watch` transitions (gatus' alerting, Nagios' event handlers): `--on-transition
//! CMD` runs a shell command with the transition in its environment, `--notify URL` POSTs it as
//! JSON. Both run in their own tasks and never block probing: a command is killed after
//! `--alert-timeout` (its whole process group), at most [`MAX_RUNNING`] commands run at once (a transition past that is
//! skipped and said so), and a notification is retried with backoff (1 s, 2 s, 4 s) and then
//! given up with one line on stderr. The command's own output goes to stderr, so a jsonl
//! stream on stdout stays clean.

use serde::Serialize;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// Commands running at once; more transitions meanwhile are skipped (and reported).
pub const MAX_RUNNING: usize = 8;
/// Attempts of one notification.
const NOTIFY_ATTEMPTS: u32 = 4;

/// One state change, as the command's environment and the notification's body carry it.
#[derive(Debug, Clone, Serialize)]
pub struct Transition {
    pub time: String,
    pub target: String,
    /// "up" or "down".
    pub old_state: String,
    pub new_state: String,
    /// The check that made the change: "ok" or why it failed.
    pub reason: String,
    pub status: Option<u16>,
}

/// Where transitions go.
#[derive(Clone, Debug)]
pub struct Alerts {
    command: Option<Arc<str>>,
    notify: Option<(reqwest::Client, Arc<str>)>,
    timeout: Duration,
    running: Arc<Semaphore>,
}

impl Alerts {
    /// None when neither flag is given. A URL that does not parse is exit 2.
    pub fn new(
        command: Option<&str>,
        notify: Option<&str>,
        timeout: Duration,
    ) -> anyhow::Result<Option<Alerts>> {
        let notify = match notify {
            None => None,
            Some(u) => {
                let url = reqwest::Url::parse(u)
                    .ok()
                    .filter(|p| matches!(p.scheme(), "http" | "https") && p.host().is_some())
                    .ok_or_else(|| {
                        crate::exit::Failure::usage(format!(
                            "--notify '{u}': expected an http:// or https:// URL"
                        ))
                    })?;
                crate::tls::install_provider();
                let client = reqwest::Client::builder()
                    .timeout(timeout)
                    .build()
                    .map_err(|e| crate::exit::Failure::runtime(format!("--notify: {e}")))?;
                Some((client, Arc::from(url.as_str())))
            }
        };
        if command.is_some_and(|c| c.trim().is_empty()) {
            return Err(crate::exit::Failure::usage(
                "--on-transition is empty; expected a shell command",
            ));
        }
        Ok((command.is_some() || notify.is_some()).then(|| Alerts {
            command: command.map(Arc::from),
            notify,
            timeout,
            running: Arc::new(Semaphore::new(MAX_RUNNING)),
        }))
    }

    /// Hand one transition to the command and the notification; returns at once.
    pub fn fire(&self, t: Transition) {
        if let Some(cmd) = &self.command {
            match self.running.clone().try_acquire_owned() {
                Ok(permit) => {
                    let (cmd, t, timeout) = (cmd.clone(), t.clone(), self.timeout);
                    tokio::spawn(async move {
                        run_command(&cmd, &t, timeout).await;
                        drop(permit);
                    });
                }
                Err(_) => eprintln!(
                    "lbctl probe: --on-transition skipped for {} ({} -> {}): {MAX_RUNNING} commands still running",
                    t.target, t.old_state, t.new_state
                ),
            }
        }
        if let Some((client, url)) = &self.notify {
            let (client, url) = (client.clone(), url.clone());
            tokio::spawn(async move { notify(&client, &url, &t).await });
        }
    }
}

async fn run_command(cmd: &str, t: &Transition, timeout: Duration) {
    let mut c = tokio::process::Command::new("sh");
    c.arg("-c")
        .arg(cmd)
        .env("LBCTL_TARGET", &t.target)
        .env("LBCTL_OLD_STATE", &t.old_state)
        .env("LBCTL_NEW_STATE", &t.new_state)
        .env("LBCTL_REASON", &t.reason)
        .env("LBCTL_TIME", &t.time)
        .env(
            "LBCTL_STATUS",
            t.status.map(|s| s.to_string()).unwrap_or_default(),
        )
        .stdin(Stdio::null())
        // Its own process group, so a timeout ends everything it started (`sh -c 'a; b'`
        // forks), not only the shell.
        .process_group(0)
        .kill_on_drop(true);
    // The command's output goes to stderr: stdout is probe's own (a jsonl stream).
    use std::os::fd::AsFd;
    match std::io::stderr().as_fd().try_clone_to_owned() {
        Ok(fd) => {
            if let Ok(fd2) = fd.try_clone() {
                c.stdout(Stdio::from(fd)).stderr(Stdio::from(fd2));
            }
        }
        Err(_) => {
            c.stdout(Stdio::null());
        }
    }
    let child = match c.spawn() {
        Ok(ch) => ch,
        Err(e) => {
            eprintln!("lbctl probe: --on-transition could not start: {e}");
            return;
        }
    };
    let pgid = child.id();
    match tokio::time::timeout(timeout, child.wait_with_output()).await {
        Ok(Ok(out)) if out.status.success() => {}
        Ok(Ok(out)) => eprintln!(
            "lbctl probe: --on-transition for {} exited with {}",
            t.target,
            out.status
                .code()
                .map_or("a signal".to_string(), |c| format!("status {c}"))
        ),
        Ok(Err(e)) => eprintln!("lbctl probe: --on-transition for {}: {e}", t.target),
        Err(_) => {
            if let Some(pg) = pgid.and_then(|p| i32::try_from(p).ok()) {
                // SAFETY: kill(2) with a negative pid signals the process group this function
                // created for the command; no memory is involved.
                unsafe {
                    libc::kill(-pg, libc::SIGKILL);
                }
            }
            eprintln!(
                "lbctl probe: --on-transition for {} killed after {}",
                t.target,
                humantime::format_duration(timeout)
            );
        }
    }
}

async fn notify(client: &reqwest::Client, url: &str, t: &Transition) {
    let mut last = String::new();
    for attempt in 0..NOTIFY_ATTEMPTS {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_secs(1 << (attempt - 1))).await;
        }
        match client.post(url).json(t).send().await {
            Ok(r) if r.status().is_success() => return,
            Ok(r) => last = format!("HTTP {}", r.status().as_u16()),
            Err(e) => {
                last = if e.is_timeout() {
                    "no answer in time".to_string()
                } else if e.is_connect() {
                    "cannot connect".to_string()
                } else {
                    "request failed".to_string()
                }
            }
        }
    }
    eprintln!(
        "lbctl probe: --notify for {} ({} -> {}) gave up after {NOTIFY_ATTEMPTS} attempts: {last}",
        t.target, t.old_state, t.new_state
    );
}
