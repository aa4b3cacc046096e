//! Shared test support: run the built `lbctl` binary, start `lbctl serve` backends on port 0 and
//! read their addresses back, and make sure every spawned process is killed when a test ends.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Path of the binary under test.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_lbctl")
}

/// An assert_cmd command for the binary under test.
pub fn lbctl() -> assert_cmd::Command {
    let mut c = assert_cmd::Command::new(bin());
    c.env_remove("NO_COLOR").timeout(Duration::from_secs(60));
    c
}

/// Install the rustls crypto provider once (reqwest is built without a default provider).
pub fn init_tls() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A blocking reqwest client for talking to loopback servers.
pub fn http() -> reqwest::blocking::Client {
    init_tls();
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(10))
        .no_proxy()
        .build()
        .expect("reqwest client")
}

/// A spawned process that is killed (and reaped) when dropped.
pub struct Proc {
    pub child: Child,
    lines: Option<mpsc::Receiver<String>>,
}

impl Proc {
    /// Spawn `lbctl ARGS` with stdout piped and readable line by line.
    pub fn spawn(args: &[&str]) -> Proc {
        Proc::spawn_program(bin(), args)
    }

    /// Spawn another program (a third-party peer such as a Python grpcio server) the same way.
    pub fn spawn_program(program: &str, args: &[&str]) -> Proc {
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {program}: {e}"));
        let stdout = child.stdout.take().expect("stdout");
        Proc {
            child,
            lines: Some(line_reader(stdout)),
        }
    }

    /// Next stdout line, or panic after `timeout`.
    pub fn line(&mut self, timeout: Duration) -> String {
        self.lines
            .as_ref()
            .expect("stdout reader")
            .recv_timeout(timeout)
            .unwrap_or_else(|_| panic!("no output line within {timeout:?}"))
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Send a signal (e.g. "TERM", "INT") to the process.
    pub fn signal(&self, sig: &str) {
        let _ = Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(self.pid().to_string())
            .status();
    }

    /// Wait for exit, up to `timeout`; returns the exit code (None when killed by a signal).
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<i32> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            if std::time::Instant::now() > deadline {
                panic!("process {} did not exit within {timeout:?}", self.pid());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn line_reader(stdout: ChildStdout) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            match line {
                Ok(l) => {
                    if tx.send(l).is_err() {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
    });
    rx
}

/// Running `lbctl serve` backends: (name, base URL) per backend.
pub struct Backends {
    pub proc: Proc,
    pub list: Vec<(String, String)>,
}

impl Backends {
    pub fn url(&self, i: usize) -> &str {
        &self.list[i].1
    }

    /// `HOST:PORT` of backend i.
    pub fn addr(&self, i: usize) -> String {
        let url = &self.list[i].1;
        url.split("://").nth(1).unwrap_or(url).to_string()
    }

    pub fn name(&self, i: usize) -> &str {
        &self.list[i].0
    }
}

/// Start `lbctl serve --count N EXTRA...` on free ports and wait for its N lines.
pub fn serve(count: usize, extra: &[&str]) -> Backends {
    let n = count.to_string();
    let mut args = vec!["serve", "--count", &n, "--port", "0", "--threads", "1"];
    args.extend_from_slice(extra);
    let mut proc = Proc::spawn(&args);
    let list = (0..count)
        .map(|_| {
            let line = proc.line(Duration::from_secs(20));
            let (name, url) = line.split_once(' ').expect("NAME URL line");
            (name.to_string(), url.to_string())
        })
        .collect();
    Backends { proc, list }
}

/// A headless chromium run's dumped DOM and its stderr (chromium prints every console
/// message, errors and uncaught exceptions included, as `INFO:CONSOLE` lines).
pub struct Dump {
    pub dom: String,
    pub stderr: String,
}

impl Dump {
    /// What the page logged to the console (a clean page logs nothing).
    pub fn console(&self) -> Vec<&str> {
        self.stderr
            .lines()
            .filter(|l| l.contains(":CONSOLE"))
            .collect()
    }
}

/// `chromium --headless --dump-dom URL` with `budget_ms` of virtual time (timers run that far
/// ahead; network waits are real), killed by PID after 90 s of real time.
pub fn chromium_dump(url: &str, budget_ms: u32) -> Dump {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = std::fs::File::create(dir.path().join("dom")).expect("dom file");
    let err = std::fs::File::create(dir.path().join("stderr")).expect("stderr file");
    let mut child = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile").display()
        ))
        .arg(format!("--virtual-time-budget={budget_ms}"))
        .arg("--dump-dom")
        .arg(url)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .expect("chromium (Debian's chromium package) must be installed: apt-get install chromium");
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    loop {
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within 90 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Dump {
        dom: std::fs::read_to_string(dir.path().join("dom")).unwrap_or_default(),
        stderr: std::fs::read_to_string(dir.path().join("stderr")).unwrap_or_default(),
    }
}
