//! One simulated run of one algorithm: the event loop. Requests arrive (arrivals.rs), the
//! proxy picks a backend with the real algorithm (picking.rs), the backend serves them up to
//! its concurrency and queues the rest (FIFO), answers end in success, a 5xx or a reset, and
//! the proxy does what it does on the wire: passive health (`balance::health`), retries on a
//! backend not tried yet, panic mode. In the closed model (clients.rs) the requests come from
//! N clients instead, each sending again when its request ends. Virtual time only: a run is a
//! pure function of the scenario and the seed.

use super::arrivals::Arrivals;
use super::picking::{Pickers, SimAlgorithm, choose};
use super::plan::Scenario;
use super::queue::{EventQueue, Kind, Outcome};
use super::scenario::{Action, KeyDist};
use super::series::{Series, SeriesBuilder};
use super::state::{BackendState, MAX_ATTEMPTS, Request, Slab};
use crate::balance::health::{FailureOutcome, PassivePolicy};
use crate::balance::pick::seed_fast_rand;
use crate::stats::LatencyHistogram;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use std::time::Instant;

/// Requests waiting or in service at once before a run gives up (memory stays bounded: a
/// request is ~60 bytes).
const MAX_IN_SYSTEM: u64 = 4_000_000;

/// Everything a run measured.
pub struct RunResult {
    pub algorithm: SimAlgorithm,
    pub backends: Vec<BackendState>,
    pub latency: LatencyHistogram,
    pub latency_sum_ns: f64,
    pub wait: LatencyHistogram,
    pub arrivals: u64,
    pub completed: u64,
    pub errors: u64,
    pub retries: u64,
    pub panic_picks: u64,
    /// Time-average of the requests in the system (Little's L).
    pub mean_in_system: f64,
    /// Virtual seconds from the start to the last event.
    pub span_s: f64,
    pub series: Series,
}

/// Draws key indices for hash algorithms.
enum Keys {
    None,
    Uniform(u64),
    Zipf(rand_distr::Zipf<f64>),
}

impl Keys {
    fn new(alg: SimAlgorithm, k: KeyDist) -> Result<Self, String> {
        if !alg.keyed() {
            return Ok(Keys::None);
        }
        Ok(match k.zipf {
            None => Keys::Uniform(k.count),
            Some(s) => {
                Keys::Zipf(rand_distr::Zipf::new(k.count as f64, s).map_err(|e| e.to_string())?)
            }
        })
    }

    fn draw(&self, rng: &mut SmallRng) -> u32 {
        match self {
            Keys::None => 0,
            Keys::Uniform(n) => rng.random_range(0..*n) as u32,
            Keys::Zipf(z) => (rng.sample(z) as u64).saturating_sub(1) as u32,
        }
    }
}

struct World<'a> {
    sc: &'a Scenario,
    picker: Pickers,
    epoch: Instant,
    q: EventQueue,
    bs: Vec<BackendState>,
    slab: Slab,
    rng: SmallRng,
    series: SeriesBuilder,
    r: Counters,
}

#[derive(Default)]
struct Counters {
    latency: LatencyHistogram,
    latency_sum_ns: f64,
    wait: LatencyHistogram,
    completed: u64,
    errors: u64,
    retries: u64,
    panic_picks: u64,
    in_system: u64,
}

fn ms(t: u64) -> u64 {
    t / 1_000_000 + 1
}

impl World<'_> {
    fn policy(&self) -> PassivePolicy {
        self.sc.passive
    }

    fn fail_request(&mut self, slot: u32, t: u64) {
        self.r.errors += 1;
        self.r.in_system -= 1;
        self.series.error(t);
        self.ended(slot, t);
    }

    /// A request entered the proxy at `t`: take a slot and send its first attempt.
    fn arrive(&mut self, t: u64, key: u32, client: u32) {
        self.r.in_system += 1;
        let slot = self.slab.insert(Request {
            arrival: t,
            key,
            client,
            ..Request::default()
        });
        self.dispatch(slot, t);
    }

    /// A request ended (answered or failed): its slot is freed and, in the closed model, its
    /// client sends again.
    fn ended(&mut self, slot: u32, t: u64) {
        let req = *self.slab.get(slot);
        self.slab.remove(slot);
        if let Some(c) = &self.sc.closed
            && let Some(at) = c.next_send(
                u64::from(req.client),
                t.saturating_add(self.sc.overhead_ns),
                t - req.arrival,
                self.sc.end_s * 1e9,
            )
        {
            self.q.push(at, Kind::Client(req.client));
        }
    }

    /// Send `slot`'s next attempt at `t` (a refused connection is retried at once).
    fn dispatch(&mut self, slot: u32, t: u64) {
        loop {
            let req = *self.slab.get(slot);
            let Some((i, panic)) = choose(&self.picker, &self.bs, &req, t, self.epoch) else {
                self.fail_request(slot, t); // no backend: the proxy's 503
                return;
            };
            if panic {
                self.r.panic_picks += 1;
            }
            let r = self.slab.get_mut(slot);
            r.tried[r.attempts as usize] = i as u32;
            r.attempts += 1;
            r.sent = t;
            self.series.attempt(t, i);
            let b = &mut self.bs[i];
            b.attempts += 1;
            if !b.up {
                // Connection refused: a passive failure, and the proxy tries another backend.
                b.errors += 1;
                self.passive_failure(i, t);
                if self.may_retry(slot) {
                    self.r.retries += 1;
                    continue;
                }
                self.fail_request(slot, t);
                return;
            }
            b.in_flight += 1;
            if b.busy < b.model.concurrency {
                self.start(i, slot, t, t);
            } else {
                b.queue.push_back((slot, t));
                b.max_queue = b.max_queue.max(b.queue.len());
            }
            return;
        }
    }

    fn may_retry(&self, slot: u32) -> bool {
        let a = self.slab.get(slot).attempts as usize;
        a <= self.sc.retries as usize && a < MAX_ATTEMPTS
    }

    fn start(&mut self, i: usize, slot: u32, t: u64, queued_at: u64) {
        let b = &mut self.bs[i];
        b.busy += 1;
        let wait = t - queued_at;
        if wait > 0 {
            b.waited += 1;
            b.wait_ns += wait as f64;
        }
        self.r.wait.record_us(wait / 1000);
        let service = b.model.service.sample(&mut self.rng) * b.factor;
        let u: f64 = self.rng.random();
        let outcome = if u < b.fail {
            Outcome::Failed
        } else if u < b.fail + b.model.reset {
            Outcome::Reset
        } else {
            Outcome::Ok
        };
        let kind = Kind::Done {
            backend: i as u32,
            slot,
            generation: b.generation,
            outcome,
        };
        self.q.push(t + service.max(0.0) as u64, kind);
    }

    fn passive_failure(&mut self, i: usize, t: u64) {
        let p = self.policy();
        let b = &mut self.bs[i];
        if let FailureOutcome::MarkedOut { .. } = b.passive.failure(p, ms(t)) {
            b.ejections += 1;
        }
    }

    /// An attempt of `slot` on backend `i` ended at `t`.
    fn finish(&mut self, slot: u32, i: usize, t: u64, outcome: Outcome) {
        let req = *self.slab.get(slot);
        let now = self.epoch + std::time::Duration::from_nanos(t);
        if outcome != Outcome::Reset {
            // The proxy observes the time to the response head, 5xx included.
            self.picker.observe(i, t - req.sent, now);
        }
        if outcome == Outcome::Ok {
            let b = &mut self.bs[i];
            b.ok += 1;
            let healthy = b.healthy(ms(t));
            b.passive.success(healthy);
            // The client also waits the path's overhead (--overhead), which no backend sees.
            let lat = t - req.arrival + self.sc.overhead_ns;
            self.r.latency.record_us(lat / 1000);
            self.r.latency_sum_ns += lat as f64;
            self.r.completed += 1;
            self.r.in_system -= 1;
            self.series.completed(t, lat / 1000);
            self.ended(slot, t);
            return;
        }
        self.bs[i].errors += 1;
        if outcome == Outcome::Failed && !self.sc.fail_on_5xx {
            // A 5xx not in --fail-on is an answer: passed to the client, health untouched.
            let b = &mut self.bs[i];
            let healthy = b.healthy(ms(t));
            b.passive.success(healthy);
            self.fail_request(slot, t);
            return;
        }
        self.passive_failure(i, t);
        if self.may_retry(slot) {
            self.r.retries += 1;
            self.dispatch(slot, t);
        } else {
            self.fail_request(slot, t);
        }
    }

    fn done(&mut self, i: usize, slot: u32, generation: u32, outcome: Outcome, t: u64) {
        let b = &mut self.bs[i];
        b.busy -= 1;
        b.in_flight -= 1;
        let outcome = if generation != b.generation {
            Outcome::Reset
        } else {
            outcome
        };
        if b.up
            && b.busy < b.model.concurrency
            && let Some((next, at)) = b.queue.pop_front()
        {
            self.start(i, next, t, at);
        }
        self.finish(slot, i, t, outcome);
    }

    fn scenario_event(&mut self, e: usize, t: u64) {
        let ev = &self.sc.events[e];
        let i = ev.backend;
        let b = &mut self.bs[i];
        match ev.action {
            Action::Down => {
                b.up = false;
                b.generation = b.generation.wrapping_add(1);
                // Queued requests see their connection reset now; those in service at the
                // end of their service time (their generation is stale).
                let queued: Vec<(u32, u64)> = b.queue.drain(..).collect();
                b.in_flight -= queued.len() as u64;
                for (slot, _) in queued {
                    self.finish(slot, i, t, Outcome::Reset);
                }
            }
            Action::Up => {
                b.up = true;
                b.up_again = ms(t);
            }
            Action::Latency(f) => b.factor = f,
            Action::Fail(r) => b.fail = r,
            Action::Weight(w) => b.weight = w,
        }
    }
}

/// Run the scenario with one algorithm. `progress` is told the arrivals so far now and then.
pub fn run(sc: &Scenario, alg: SimAlgorithm, progress: &dyn Fn(u64)) -> Result<RunResult, String> {
    // Every algorithm sees the same arrivals, keys and service draws for the same seed; the
    // pickers' own randomness (random, p2c, ewma) is seeded too.
    seed_fast_rand(sc.seed);
    let epoch = Instant::now();
    let bs: Vec<BackendState> = sc.backends.iter().cloned().map(BackendState::new).collect();
    let picker = Pickers::build(alg, &bs, epoch)?;
    let keys = Keys::new(alg, sc.keys)?;
    let mut key_rng = SmallRng::seed_from_u64(sc.seed ^ 0x6b65_7973);
    let mut arrivals = Arrivals::new(sc.plan.clone(), sc.poisson, sc.seed, sc.end_s, sc.limit);
    let names: Vec<String> = sc.backends.iter().map(|b| b.name.clone()).collect();
    let mut w = World {
        sc,
        picker,
        epoch,
        q: EventQueue::new(),
        series: SeriesBuilder::new(sc.bucket_ns, bs.len(), sc.tracked.clone()),
        bs,
        slab: Slab::default(),
        rng: SmallRng::seed_from_u64(sc.seed ^ 0x7365_7276),
        r: Counters::default(),
    };
    for (i, e) in sc.events.iter().enumerate() {
        w.q.push(e.at.as_nanos() as u64, Kind::Scenario(i as u32));
    }
    match &sc.closed {
        None => {
            if let Some(t) = arrivals.next_ns() {
                w.q.push(t, Kind::Arrival);
            }
        }
        Some(c) => {
            for j in 0..c.clients {
                if let Some(t) = c.first_send(j, sc.end_s * 1e9) {
                    w.q.push(t, Kind::Client(j as u32));
                }
            }
        }
    }
    let (mut area, mut last, mut n) = (0.0f64, 0u64, 0u64);
    while let Some((t, kind)) = w.q.pop() {
        if matches!(kind, Kind::Client(_)) && n >= sc.limit {
            continue; // --requests reached: the client stops (and takes no virtual time)
        }
        area += w.r.in_system as f64 * (t - last) as f64;
        last = t;
        match kind {
            Kind::Arrival => {
                n += 1;
                if n & 0xffff == 0 {
                    progress(n);
                }
                if w.r.in_system >= MAX_IN_SYSTEM {
                    return Err(format!(
                        "{}: more than {MAX_IN_SYSTEM} requests in the system at {:.1}s of simulated time: \
                         the backends cannot keep up with the arrivals; lower --rate or add capacity \
                         (--backends, --concurrency)",
                        alg.name(),
                        t as f64 / 1e9
                    ));
                }
                let key = keys.draw(&mut key_rng);
                w.arrive(t, key, 0);
                if let Some(next) = arrivals.next_ns() {
                    w.q.push(next, Kind::Arrival);
                }
            }
            Kind::Client(j) => {
                n += 1;
                if n & 0xffff == 0 {
                    progress(n);
                }
                let key = keys.draw(&mut key_rng);
                w.arrive(t, key, j);
            }
            Kind::Done {
                backend,
                slot,
                generation,
                outcome,
            } => w.done(backend as usize, slot, generation, outcome, t),
            Kind::Scenario(e) => w.scenario_event(e as usize, t),
        }
    }
    progress(n);
    let span_s = last as f64 / 1e9;
    Ok(RunResult {
        algorithm: alg,
        series: w.series.finish(&names),
        backends: w.bs,
        latency: w.r.latency,
        latency_sum_ns: w.r.latency_sum_ns,
        wait: w.r.wait,
        arrivals: n,
        completed: w.r.completed,
        errors: w.r.errors,
        retries: w.r.retries,
        panic_picks: w.r.panic_picks,
        mean_in_system: if last == 0 { 0.0 } else { area / last as f64 },
        span_s,
    })
}
