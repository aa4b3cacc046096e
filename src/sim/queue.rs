//! The event queue of the discrete-event simulation: a binary heap ordered by virtual time
//! (nanoseconds), ties broken by insertion order so a run is deterministic. No wall clock.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

/// What happens at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The next client request arrives (open model).
    Arrival,
    /// Closed-model client `j` sends its next request.
    Client(u32),
    /// A backend finishes serving request `slot` (`generation`: the backend's generation when the
    /// service began; a `down` in between makes it a reset).
    Done {
        backend: u32,
        slot: u32,
        generation: u32,
        outcome: Outcome,
    },
    /// The scenario's event number `i` (`--at`).
    Scenario(u32),
}

/// How a service ends, decided when it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    /// A 5xx answer.
    Failed,
    /// The connection reset.
    Reset,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    at: u64,
    seq: u64,
    kind: Kind,
}

impl Ord for Entry {
    fn cmp(&self, o: &Self) -> Ordering {
        (self.at, self.seq).cmp(&(o.at, o.seq))
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

/// Events by time, then by the order they were scheduled.
#[derive(Debug, Default)]
pub struct EventQueue {
    heap: BinaryHeap<Reverse<Entry>>,
    seq: u64,
}

impl EventQueue {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, at: u64, kind: Kind) {
        self.seq += 1;
        self.heap.push(Reverse(Entry {
            at,
            seq: self.seq,
            kind,
        }));
    }

    /// The earliest event and its time.
    pub fn pop(&mut self) -> Option<(u64, Kind)> {
        self.heap.pop().map(|Reverse(e)| (e.at, e.kind))
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_order_then_insertion_order() {
        let mut q = EventQueue::new();
        q.push(30, Kind::Scenario(3));
        q.push(10, Kind::Scenario(1));
        q.push(20, Kind::Scenario(2));
        q.push(10, Kind::Arrival);
        q.push(0, Kind::Scenario(0));
        let got: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(
            got,
            [
                (0, Kind::Scenario(0)),
                (10, Kind::Scenario(1)),
                (10, Kind::Arrival),
                (20, Kind::Scenario(2)),
                (30, Kind::Scenario(3)),
            ]
        );
        assert!(q.is_empty());
    }
}
