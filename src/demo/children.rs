//! The demo runs lbctl the way a user would: as child processes of the same binary, with the
//! command lines printed. Long-running children (serve, proxy) are killed when their handle is
//! dropped, so an error, the end of the demo or Ctrl-C leaves nothing behind.

use anyhow::{Context, anyhow};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

/// `lbctl ARGS` as a user would type it.
pub fn command_line(args: &[String]) -> String {
    let quoted: Vec<String> = args
        .iter()
        .map(|a| {
            if a.is_empty() || a.contains(|c: char| c.is_whitespace() || "'\"$&|;<>*?".contains(c))
            {
                format!("'{}'", a.replace('\'', r"'\''"))
            } else {
                a.clone()
            }
        })
        .collect();
    format!("lbctl {}", quoted.join(" "))
}

fn command(args: &[String]) -> anyhow::Result<Command> {
    let exe = std::env::current_exe().context("could not find the lbctl executable")?;
    let mut cmd = Command::new(exe);
    cmd.args(args)
        .env_remove("NO_COLOR")
        .stdin(Stdio::null())
        .kill_on_drop(true);
    Ok(cmd)
}

/// A long-running child whose stdout lines can be read.
pub struct Service {
    _child: Child,
    lines: Lines<BufReader<ChildStdout>>,
    pub cmdline: String,
}

impl Service {
    pub fn start(args: &[String]) -> anyhow::Result<Service> {
        let mut child = command(args)?
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("could not start `{}`", command_line(args)))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| anyhow!("no stdout from `{}`", command_line(args)))?;
        Ok(Service {
            _child: child,
            lines: BufReader::new(stdout).lines(),
            cmdline: command_line(args),
        })
    }

    /// The next stdout line, within `timeout`.
    pub async fn line(&mut self, timeout: Duration) -> anyhow::Result<String> {
        match tokio::time::timeout(timeout, self.lines.next_line()).await {
            Ok(Ok(Some(line))) => Ok(line),
            Ok(Ok(None)) => Err(anyhow!("`{}` exited early", self.cmdline)),
            Ok(Err(e)) => Err(anyhow!("reading from `{}`: {e}", self.cmdline)),
            Err(_) => Err(anyhow!(
                "`{}` printed nothing within {timeout:?}",
                self.cmdline
            )),
        }
    }
}

/// Run `lbctl ARGS` to completion and parse its stdout as one JSON document.
/// `ok_codes` are the exit codes that still carry a valid document (e.g. 1 for a failed check).
pub async fn run_json(
    args: &[String],
    ok_codes: &[i32],
    timeout: Duration,
) -> anyhow::Result<serde_json::Value> {
    let cmdline = command_line(args);
    let child = command(args)?
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("could not start `{cmdline}`"))?;
    let out = tokio::time::timeout(timeout, child.wait_with_output())
        .await
        .map_err(|_| anyhow!("`{cmdline}` did not finish within {timeout:?}"))??;
    let code = out.status.code().unwrap_or(-1);
    if !ok_codes.contains(&code) {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(anyhow!("`{cmdline}` failed (exit {code}): {}", err.trim()));
    }
    serde_json::from_slice(&out.stdout).with_context(|| format!("`{cmdline}` did not print JSON"))
}
