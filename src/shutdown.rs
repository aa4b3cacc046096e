//! The one shutdown path: SIGINT or SIGTERM resolves [`signal`]; servers stop accepting, then
//! wait for their [`InFlight`] work to finish within a drain timeout, and the process exits.

use std::sync::Arc;
use tokio::sync::watch;

/// SIGINT and SIGTERM handlers, registered when this is created: a server creates it before it
/// announces its address, so a signal sent right after the announcement is never lost to the
/// default action (which would kill the process without draining).
pub struct Signals {
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
}

impl Signals {
    /// Register the handlers now (needs a tokio runtime).
    pub fn install() -> std::io::Result<Signals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Signals {
                int: signal(SignalKind::interrupt())?,
                term: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(Signals {})
        }
    }

    /// Resolves on the next SIGINT or SIGTERM.
    pub async fn recv(&mut self) {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.int.recv() => {}
                _ = self.term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// Resolves on the first SIGINT (Ctrl-C) or SIGTERM after its first poll. Prefer
/// [`Signals::install`] where a signal could arrive before that.
pub async fn signal() {
    match Signals::install() {
        Ok(mut s) => s.recv().await,
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// Counts work in flight; [`InFlight::idle`] resolves when every guard has been dropped.
#[derive(Clone)]
pub struct InFlight {
    tx: Arc<watch::Sender<usize>>,
}

impl Default for InFlight {
    fn default() -> Self {
        InFlight {
            tx: Arc::new(watch::channel(0).0),
        }
    }
}

/// Held while one unit of work is in flight.
pub struct InFlightGuard(Arc<watch::Sender<usize>>);

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n -= 1);
    }
}

impl InFlight {
    pub fn enter(&self) -> InFlightGuard {
        self.tx.send_modify(|n| *n += 1);
        InFlightGuard(self.tx.clone())
    }

    pub fn count(&self) -> usize {
        *self.tx.borrow()
    }

    pub async fn idle(&self) {
        let mut rx = self.tx.subscribe();
        let _ = rx.wait_for(|n| *n == 0).await;
    }
}
