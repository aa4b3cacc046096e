//! Reloading the modules while serving, as blackbox_exporter does on `POST /-/reload` and
//! SIGHUP (its main.go and config/config.go): the file is read and checked again in full; a
//! good file replaces the whole module set at once, a bad one leaves the old set in use and is
//! reported (the caller answers 500 with the reason; one error line goes to stderr). Either
//! way the outcome lands in the blackbox_exporter_config_last_reload_* gauges.
//!
//! A scrape takes the set current when it starts ([`ModuleSet::current`], a shared snapshot),
//! so a probe in flight finishes with the module it started with. One reload runs at a time.

use super::logfmt::{quoted, timestamp};
use super::module::Module;
use super::self_metrics::SelfMetrics;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

type Modules = BTreeMap<String, Module>;

/// The modules in use, and where they come from.
pub struct ModuleSet {
    current: RwLock<Arc<Modules>>,
    /// `--modules`; None serves the built-in modules only (a reload rebuilds them).
    file: Option<PathBuf>,
    default_timeout: Duration,
    one_at_a_time: tokio::sync::Mutex<()>,
}

impl ModuleSet {
    pub fn new(file: Option<PathBuf>, default_timeout: Duration, modules: Modules) -> ModuleSet {
        ModuleSet {
            current: RwLock::new(Arc::new(modules)),
            file,
            default_timeout,
            one_at_a_time: tokio::sync::Mutex::new(()),
        }
    }

    /// The set in use now (a snapshot: a reload does not change it under its holder).
    pub fn current(&self) -> Arc<Modules> {
        match self.current.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Reload because of `from` (`SIGHUP` or `POST`): count it in `metrics` and log one line
    /// (a success only when `log`, a failure always). Ok is a line for the answer, Err the
    /// reason (the old set stays in use).
    pub async fn reload(
        &self,
        metrics: &SelfMetrics,
        log: bool,
        from: &str,
    ) -> Result<String, String> {
        // One at a time, so the gauges end with the outcome of the last reload.
        let _one = self.one_at_a_time.lock().await;
        let result = self.read_again().await;
        metrics.loaded(result.is_ok());
        let ts = timestamp();
        let source = self.source();
        match result {
            Ok(n) => {
                if log {
                    eprintln!("{ts} msg=\"Reloaded modules\" from={from} {source} modules={n}");
                }
                Ok(format!("reloaded: {n} modules in use"))
            }
            Err(e) => {
                eprintln!(
                    "{ts} level=error msg=\"Error reloading modules; the previous ones stay in use\" from={from} {source} err={}",
                    quoted(&e)
                );
                Err(e)
            }
        }
    }

    /// Read the file again and, when it is good, put its modules in use; Ok is how many
    /// modules are in use now, Err the one-line reason (the old set stays).
    async fn read_again(&self) -> Result<usize, String> {
        let file = self.file.clone();
        let timeout = self.default_timeout;
        // Reading the file (and any ca_file it names) is blocking I/O.
        let loaded =
            tokio::task::spawn_blocking(move || super::modules::load(file.as_deref(), timeout))
                .await
                .map_err(|_| "the reload task stopped before it finished".to_string())??;
        let count = loaded.len();
        let fresh = Arc::new(loaded);
        match self.current.write() {
            Ok(mut g) => *g = fresh,
            Err(poisoned) => *poisoned.into_inner() = fresh,
        }
        Ok(count)
    }

    fn source(&self) -> String {
        match &self.file {
            Some(f) => format!("file={}", quoted(&f.display().to_string())),
            None => "file=none".into(),
        }
    }
}

/// The SIGHUP stream, registered before the exporter announces its address (SIGHUP's
/// default action would end the process).
#[cfg(unix)]
pub fn hangups() -> std::io::Result<tokio::signal::unix::Signal> {
    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
}
