//! The closed model's clients (`lbctl sim -c N`, or `--stage DURATION:N[..N]`): like
//! `lbctl load -c N` (and wrk), each client keeps one request outstanding and sends the next as
//! soon as the previous one is answered, after an optional think time. With connection stages
//! client j is active while j is below the ramp's count (`spec::stages::ConnectionRamp`, load's
//! own ramp): a client past it finishes its request and sleeps until the ramp reaches it again.
//! This file only says when a client sends next; the runner sends it.

use crate::spec::stages::ConnectionRamp;

/// A request that failed at once (nothing could take it) is followed this much later, so a
/// dead pool costs virtual time instead of spinning the event loop at one instant.
pub const INSTANT_FAILURE_GAP_NS: u64 = 1_000_000;

/// The closed model of a scenario.
#[derive(Debug, Clone)]
pub struct ClosedModel {
    /// Clients (the most any stage asks for).
    pub clients: u64,
    /// Connection stages; None: every client is active for the whole run.
    pub ramp: Option<ConnectionRamp>,
    pub think_ns: u64,
}

impl ClosedModel {
    /// When client `j` first sends (ns), if it ever does before `end_ns`.
    pub fn first_send(&self, j: u64, end_ns: f64) -> Option<u64> {
        self.active_from(j, 0, end_ns)
    }

    /// When client `j` sends next, its request having ended at `t` (ns) after `latency` ns.
    pub fn next_send(&self, j: u64, t: u64, latency: u64, end_ns: f64) -> Option<u64> {
        let gap = if latency == 0 {
            self.think_ns.max(INSTANT_FAILURE_GAP_NS)
        } else {
            self.think_ns
        };
        self.active_from(j, t.saturating_add(gap), end_ns)
    }

    /// The first instant at or after `t` (ns) at which client `j` is active, before `end_ns`.
    fn active_from(&self, j: u64, t: u64, end_ns: f64) -> Option<u64> {
        let at = match &self.ramp {
            None => t,
            Some(r) => {
                let s = r.next_active(j, t as f64 / 1e9)?;
                // Rounded up so the client is active at the instant it wakes.
                ((s * 1e9).ceil() as u64).max(t)
            }
        };
        ((at as f64) < end_ns).then_some(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::stages::parse_stage;

    #[test]
    fn fixed_clients_send_after_think_and_stop_at_the_end() {
        let m = ClosedModel {
            clients: 4,
            ramp: None,
            think_ns: 2_000_000,
        };
        assert_eq!(m.first_send(3, 1e9), Some(0));
        assert_eq!(m.next_send(0, 10_000_000, 5, 1e9), Some(12_000_000));
        // An instant failure waits at least the gap.
        let no_think = ClosedModel { think_ns: 0, ..m };
        assert_eq!(
            no_think.next_send(0, 10, 0, 1e9),
            Some(10 + INSTANT_FAILURE_GAP_NS)
        );
        assert_eq!(
            no_think.next_send(0, 999_999_999, 1, 1e9),
            Some(999_999_999)
        );
        assert_eq!(no_think.next_send(0, 1_000_000_000, 1, 1e9), None);
    }

    #[test]
    fn a_ramp_wakes_clients_as_it_reaches_them() {
        // 0..10 clients over 10 s: client j becomes active when the count rounds past j.
        let stages = vec![
            parse_stage("10s:0..10").unwrap(),
            parse_stage("10s:2").unwrap(),
        ];
        let m = ClosedModel {
            clients: 10,
            ramp: Some(ConnectionRamp::new(&stages)),
            think_ns: 0,
        };
        let end = 20e9;
        assert_eq!(m.first_send(0, end), Some(500_000_000));
        assert_eq!(m.first_send(9, end), Some(9_500_000_000));
        // Client 5 at 15 s is past the second stage's 2: it never sends again.
        assert_eq!(m.next_send(5, 15_000_000_000, 1, end), None);
        assert_eq!(m.next_send(1, 15_000_000_000, 1, end), Some(15_000_000_000));
    }
}
