//! The simulated world's mutable state: each backend (its queue, what it is serving, what the
//! proxy knows of it: in-flight count, passive health, slow start) and the requests in flight
//! (a slab of slots, reused). The runner changes it; the picker reads it through a view.

use super::scenario::BackendModel;
use crate::balance::health::{PassiveState, slow_start_weight};
use std::collections::VecDeque;

/// At most this many attempts per request (first try + retries).
pub const MAX_ATTEMPTS: usize = 8;

/// One backend during a run.
#[derive(Debug)]
pub struct BackendState {
    pub model: BackendModel,
    /// Live weight (`--at ..:weight=N`).
    pub weight: u32,
    /// Service times are multiplied by this (`latency*F`).
    pub factor: f64,
    pub fail: f64,
    pub up: bool,
    /// Bumped by `down`: services begun before it end in a reset.
    pub generation: u32,
    /// Sent by the proxy and not answered yet (queued + in service): what least-conn sees.
    pub in_flight: u64,
    /// In service now.
    pub busy: u32,
    /// FIFO of (request slot, enqueue time ns).
    pub queue: VecDeque<(u32, u64)>,
    pub passive: PassiveState,
    /// When it came back (`up` event; ms, 0 never), for slow start.
    pub up_again: u64,
    // Counters.
    pub attempts: u64,
    pub ok: u64,
    pub errors: u64,
    pub max_queue: usize,
    pub wait_ns: f64,
    pub waited: u64,
    pub ejections: u64,
}

impl BackendState {
    pub fn new(model: BackendModel) -> Self {
        BackendState {
            weight: model.weight,
            factor: 1.0,
            fail: model.fail,
            model,
            up: true,
            generation: 0,
            in_flight: 0,
            busy: 0,
            queue: VecDeque::new(),
            passive: PassiveState::default(),
            up_again: 0,
            attempts: 0,
            ok: 0,
            errors: 0,
            max_queue: 0,
            wait_ns: 0.0,
            waited: 0,
            ejections: 0,
        }
    }

    /// Not drained by weight 0 (the proxy's `takes_new`).
    #[inline]
    pub fn takes_new(&self) -> bool {
        self.weight > 0
    }

    /// Not in a passive penalty (the proxy's `healthy`, without active checks).
    #[inline]
    pub fn healthy(&self, now_ms: u64) -> bool {
        self.passive.passes(now_ms)
    }

    /// The weight the balancer sees now (slow start after coming back, as the proxy does).
    #[inline]
    pub fn effective_weight(&self, now_ms: u64) -> u32 {
        if self.model.slowstart.is_none() {
            return self.weight;
        }
        let since = self.up_again.max(self.passive.down_until);
        slow_start_weight(self.weight, self.model.slowstart, since, now_ms)
    }
}

/// A client request in flight.
#[derive(Debug, Clone, Copy, Default)]
pub struct Request {
    pub arrival: u64,
    /// When the current attempt was sent.
    pub sent: u64,
    pub tried: [u32; MAX_ATTEMPTS],
    pub attempts: u8,
    /// Index of the key (hash algorithms) or client (ip-hash).
    pub key: u32,
    /// The closed model's client that sent it (0 in the open model).
    pub client: u32,
}

impl Request {
    #[inline]
    pub fn has_tried(&self, i: usize) -> bool {
        self.tried[..self.attempts as usize]
            .iter()
            .any(|&t| t as usize == i)
    }
}

/// The requests in flight, in reusable slots.
#[derive(Debug, Default)]
pub struct Slab {
    slots: Vec<Request>,
    free: Vec<u32>,
}

impl Slab {
    pub fn insert(&mut self, r: Request) -> u32 {
        match self.free.pop() {
            Some(i) => {
                self.slots[i as usize] = r;
                i
            }
            None => {
                self.slots.push(r);
                (self.slots.len() - 1) as u32
            }
        }
    }

    pub fn get(&self, i: u32) -> &Request {
        &self.slots[i as usize]
    }

    pub fn get_mut(&mut self, i: u32) -> &mut Request {
        &mut self.slots[i as usize]
    }

    pub fn remove(&mut self, i: u32) {
        self.free.push(i);
    }
}
