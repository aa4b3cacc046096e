//! The runtime control plane behind the admin listener's `/api/` (ops/runtime.rs): set a
//! backend's admin state or weight, add a backend to a pool or remove one, without a reload
//! (HAProxy runtime API: `set server B state ready|drain|maint`, `set weight`, `add server`,
//! `del server`). It also owns each pool's background tasks (active checks, outlier sweeps),
//! started here at start-up and restarted on a SIGHUP reload or when a pool is rebuilt.
//!
//! State and weight are atomics on the backend, read by every pick: nothing is rebuilt
//! (except a hash ring, whose layout depends on the weights). Add and remove build a new
//! [`Pool`] (plan/rebuild.rs) that keeps the `Arc`s of the backends it keeps, and swap it into
//! every listener's routing; requests and TCP connections in flight hold the old pool and
//! their backend's `Arc`, so a removed backend drains: what it serves finishes, nothing new
//! reaches it. One writer at a time: every change, and a reload, holds [`Control`]'s lock.

use crate::cli::ProxyArgs;
use crate::proxy::core::backend::{AdminState, Backend};
use crate::proxy::core::frontend::L7;
use crate::proxy::core::health::{self, CheckPlan};
use crate::proxy::core::log;
use crate::proxy::core::pool::Pool;
use crate::proxy::plan::build::Plan;
use crate::proxy::plan::rebuild;
use crate::spec::{BackendSpec, MAX_WEIGHT};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::AbortHandle;

/// A refused change: an HTTP status and a one-line reason for the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlError {
    pub status: u16,
    pub message: String,
}

impl ControlError {
    fn new(status: u16, message: impl Into<String>) -> Self {
        ControlError {
            status,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for ControlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ControlError {}

/// A change made: the backend (after it) and a one-line account, logged and sent back.
pub struct Changed {
    pub pool: String,
    pub backend: Arc<Backend>,
    pub summary: String,
}

/// Who made a change, for the log line.
#[derive(Debug, Clone, Copy)]
pub enum Who {
    /// The runtime API, from this peer.
    Api(SocketAddr),
    /// The DNS re-resolution loop (ops/discovery.rs).
    Dns,
}

impl From<SocketAddr> for Who {
    fn from(a: SocketAddr) -> Who {
        Who::Api(a)
    }
}

impl std::fmt::Display for Who {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Who::Api(a) => write!(f, "runtime API ({a})"),
            Who::Dns => f.write_str("DNS discovery"),
        }
    }
}

impl Changed {
    fn log(pool: &str, backend: Arc<Backend>, summary: String, who: Who) -> Self {
        log::state(format_args!("{who}: {summary}"));
        Changed {
            pool: pool.to_string(),
            backend,
            summary,
        }
    }
}

/// What each pool runs in the background.
#[derive(Default)]
struct Tasks {
    /// Active-check plans by pool name (from the plan; replaced on reload).
    checks: HashMap<String, CheckPlan>,
    /// Running checks and outlier sweeps by pool name.
    running: HashMap<String, Vec<AbortHandle>>,
}

/// The control plane of one running proxy (see the file's opening comment).
pub struct Control {
    args: ProxyArgs,
    l7s: Vec<Arc<L7>>,
    stop: watch::Receiver<bool>,
    tasks: Mutex<Tasks>,
}

impl Control {
    pub fn new(args: ProxyArgs, l7s: Vec<Arc<L7>>, stop: watch::Receiver<bool>) -> Self {
        Control {
            args,
            l7s,
            stop,
            tasks: Mutex::new(Tasks::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Tasks> {
        self.tasks.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The running pools (every listener routes over the same ones).
    /// The listeners' front ends (the response cache's purge reaches the store through them).
    pub fn l7s(&self) -> &[Arc<L7>] {
        &self.l7s
    }

    pub fn pools(&self) -> Vec<Arc<Pool>> {
        self.l7s
            .first()
            .map(|l| l.routing().pools.clone())
            .unwrap_or_default()
    }

    /// Start the plan's background tasks (at start-up).
    pub fn start(&self, plan: &Plan) {
        let mut t = self.lock();
        self.install(&mut t, plan);
    }

    /// Run a SIGHUP reload (`f` builds the plan and swaps the listeners' routing) under the
    /// lock, then restart every pool's tasks on the new pools.
    pub fn reload(&self, f: impl FnOnce() -> anyhow::Result<Plan>) -> anyhow::Result<Plan> {
        let mut t = self.lock();
        let plan = f()?;
        self.install(&mut t, &plan);
        Ok(plan)
    }

    fn install(&self, t: &mut Tasks, plan: &Plan) {
        for (_, handles) in t.running.drain() {
            handles.iter().for_each(AbortHandle::abort);
        }
        t.checks = plan
            .checks
            .iter()
            .filter_map(|(i, c)| plan.pools.get(*i).map(|p| (p.name.clone(), c.clone())))
            .collect();
        for pool in &plan.pools {
            let handles = self.spawn_tasks(pool, t.checks.get(&pool.name));
            t.running.insert(pool.name.clone(), handles);
        }
    }

    pub fn stopped(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut rx = self.stop.clone();
        async move {
            let _ = rx.wait_for(|s| *s).await;
        }
    }

    /// A pool's active checks and outlier sweep.
    fn spawn_tasks(&self, pool: &Arc<Pool>, check: Option<&CheckPlan>) -> Vec<AbortHandle> {
        let mut handles = Vec::new();
        if let Some(c) = check {
            let backends = pool.backends.clone();
            handles.push(
                tokio::spawn(health::run(backends, c.clone(), self.stopped())).abort_handle(),
            );
        }
        if let Some(o) = &pool.outlier {
            let every = o.interval.max(Duration::from_millis(1));
            let pool = pool.clone();
            let stop = self.stopped();
            handles.push(
                tokio::spawn(async move {
                    let mut tick = tokio::time::interval(every);
                    tick.tick().await;
                    tokio::select! {
                        _ = async { loop { tick.tick().await; pool.outlier_sweep(); } } => {}
                        _ = stop => {}
                    }
                })
                .abort_handle(),
            );
        }
        handles
    }

    /// The pool named `pool` and its backend named `name`.
    pub fn find(&self, pool: &str, name: &str) -> Result<(Arc<Pool>, Arc<Backend>), ControlError> {
        let p = self.pool(pool)?;
        let b = p
            .backends
            .iter()
            .find(|b| b.name() == name)
            .cloned()
            .ok_or_else(|| {
                ControlError::new(
                    404,
                    format!(
                        "pool {pool} has no backend named {name} (backends: {})",
                        names(&p)
                    ),
                )
            })?;
        Ok((p, b))
    }

    fn pool(&self, name: &str) -> Result<Arc<Pool>, ControlError> {
        let pools = self.pools();
        pools
            .iter()
            .find(|p| p.name == name)
            .cloned()
            .ok_or_else(|| {
                let known: Vec<&str> = pools.iter().map(|p| p.name.as_str()).collect();
                ControlError::new(
                    404,
                    format!("no pool named {name} (pools: {})", known.join(", ")),
                )
            })
    }

    /// `ready`, `drain` or `maint` (HAProxy `set server POOL/NAME state ...`).
    pub fn set_state(
        &self,
        pool: &str,
        name: &str,
        state: &str,
        who: impl Into<Who>,
    ) -> Result<Changed, ControlError> {
        let state = AdminState::parse(state).ok_or_else(|| {
            ControlError::new(
                400,
                format!(
                    "unknown state '{}': expected ready, drain or maint",
                    state.trim()
                ),
            )
        })?;
        let _t = self.lock();
        let (_, b) = self.find(pool, name)?;
        let was = b.set_admin(state);
        let summary = format!(
            "backend {pool}/{name} ({}) {} (was {}); {} in flight",
            b.addr,
            state.name(),
            was.name(),
            b.in_flight.load(Ordering::Relaxed)
        );
        Ok(Changed::log(pool, b, summary, who.into()))
    }

    /// A new live weight (HAProxy `set weight`); 0 drains it as weight=0 in a spec does.
    pub fn set_weight(
        &self,
        pool: &str,
        name: &str,
        weight: &str,
        who: impl Into<Who>,
    ) -> Result<Changed, ControlError> {
        let w = weight
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|w| *w <= MAX_WEIGHT)
            .ok_or_else(|| {
                ControlError::new(
                    400,
                    format!(
                        "bad weight '{}': expected a whole number 0-{MAX_WEIGHT}",
                        weight.trim()
                    ),
                )
            })?;
        let mut t = self.lock();
        let (p, b) = self.find(pool, name)?;
        let was = b.set_weight(w);
        // A hash ring's layout depends on the weights: rebuild it (HAProxy rebuilds a
        // consistent-hash tree on `set weight` too).
        if p.hash.is_some() && was != w {
            let new = rebuild::rebuild(&p, p.backends.clone())
                .map_err(|e| ControlError::new(400, e.to_string()));
            match new {
                Ok(new) => self.swap(&p.name, Arc::new(new), &mut t),
                Err(e) => {
                    b.set_weight(was);
                    return Err(e);
                }
            }
        }
        let summary = format!("backend {pool}/{name} ({}) weight {w} (was {was})", b.addr);
        Ok(Changed::log(pool, b, summary, who.into()))
    }

    /// Add a backend (a spec, as --backend takes) at the end of `pool` (HAProxy `add server`,
    /// which adds it in maint until `enable server`; here it is ready at once, checks
    /// included, since one adds an instance that is up). Resolves its address: call off the
    /// async threads.
    pub fn add(
        &self,
        pool: &str,
        spec: &str,
        who: impl Into<Who>,
    ) -> Result<Changed, ControlError> {
        let spec =
            BackendSpec::parse(spec.trim()).map_err(|e| ControlError::new(400, e.to_string()))?;
        self.add_spec(pool, spec, who)
    }

    /// [`Control::add`] of a parsed spec (DNS discovery's members).
    pub fn add_spec(
        &self,
        pool: &str,
        spec: BackendSpec,
        who: impl Into<Who>,
    ) -> Result<Changed, ControlError> {
        let mut t = self.lock();
        let p = self.pool(pool)?;
        if p.backends.iter().any(|b| b.name() == spec.name) {
            return Err(ControlError::new(
                409,
                format!(
                    "pool {pool} already has a backend named {}: remove it first, or give the new one another NAME=",
                    spec.name
                ),
            ));
        }
        let b = rebuild::new_backend(&self.args, &p, &spec)
            .map(Arc::new)
            .map_err(|e| ControlError::new(400, one_line(&e)))?;
        let mut backends = p.backends.clone();
        backends.push(b.clone());
        let new =
            rebuild::rebuild(&p, backends).map_err(|e| ControlError::new(400, one_line(&e)))?;
        self.swap(&p.name, Arc::new(new), &mut t);
        let summary = format!(
            "backend {pool}/{} ({}) added, weight {}",
            b.name(),
            b.addr,
            b.weight()
        );
        Ok(Changed::log(pool, b, summary, who.into()))
    }

    /// Remove a backend from `pool` (HAProxy `del server`, without its need to be in maint
    /// first): nothing new reaches it, what it serves finishes (requests hold its `Arc`).
    pub fn remove(
        &self,
        pool: &str,
        name: &str,
        who: impl Into<Who>,
    ) -> Result<Changed, ControlError> {
        let mut t = self.lock();
        let (p, b) = self.find(pool, name)?;
        if p.backends.len() == 1 {
            return Err(ControlError::new(
                409,
                format!(
                    "backend {name} is the last one of pool {pool}: add another first (or set it to maint)"
                ),
            ));
        }
        let backends: Vec<Arc<Backend>> = p
            .backends
            .iter()
            .filter(|x| !Arc::ptr_eq(x, &b))
            .cloned()
            .collect();
        let new =
            rebuild::rebuild(&p, backends).map_err(|e| ControlError::new(400, one_line(&e)))?;
        self.swap(&p.name, Arc::new(new), &mut t);
        let summary = format!(
            "backend {pool}/{name} ({}) removed; {} in flight finish on it",
            b.addr,
            b.in_flight.load(Ordering::Relaxed)
        );
        Ok(Changed::log(pool, b, summary, who.into()))
    }

    /// Put `new` in place of the pool of that name in every listener, and restart its
    /// background tasks on it. The caller holds the lock.
    fn swap(&self, name: &str, new: Arc<Pool>, t: &mut Tasks) {
        for l7 in &self.l7s {
            let r = l7.routing();
            if let Some(i) = r.pools.iter().position(|p| p.name == name) {
                let mut routing = (*r).clone();
                routing.pools[i] = new.clone();
                l7.swap(routing);
            }
        }
        if let Some(old) = t.running.remove(name) {
            old.iter().for_each(AbortHandle::abort);
        }
        let handles = self.spawn_tasks(&new, t.checks.get(name));
        t.running.insert(name.to_string(), handles);
    }
}

fn names(p: &Pool) -> String {
    p.backends
        .iter()
        .map(|b| b.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// An error's chain on one line (a Failure's message, a SpecError's text).
fn one_line(e: &anyhow::Error) -> String {
    format!("{e:#}").replace('\n', " ")
}
