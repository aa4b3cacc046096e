//! The one shutdown path: SIGINT or SIGTERM resolves [`signal`]; servers stop accepting, then
//! wait for their [`InFlight`] work to finish within a drain timeout, and the process exits.

use std::sync::Arc;
use tokio::sync::watch;

/// Resolves on the first SIGINT (Ctrl-C) or SIGTERM.
pub async fn signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
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
