//! The counts and histograms of a load run, in one mergeable value: each worker thread fills
//! its own [`Tally`] without locks, the workers' tallies are added at the end, and `load merge`
//! rebuilds tallies from JSON documents and adds those. Adding is exact (histograms, not
//! percentiles), which is what makes merged results true.

use super::outcome::ErrorKind;
use crate::stats::{LatencyHistogram, StatsError};
use std::collections::BTreeMap;

/// Errors of one category: how many, and the first message seen.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ErrorTally {
    pub count: u64,
    pub first: Option<String>,
}

/// Per `--group-by` value.
#[derive(Debug, Clone, Default)]
pub struct GroupTally {
    pub count: u64,
    pub latency: LatencyHistogram,
}

/// One `--stage` of a run: what happened to the requests due (open model) or started
/// (closed model) in it.
#[derive(Debug, Clone, Default)]
pub struct StageTally {
    pub latency: LatencyHistogram,
    /// Open model: the generator's own lateness within the stage.
    pub send_lag: LatencyHistogram,
    pub responses: u64,
    pub transport_errors: u64,
    /// Transport errors plus 5xx responses.
    pub errors: u64,
    pub unfinished: u64,
}

impl StageTally {
    /// Add another run's (or worker's) numbers for the same stage.
    pub fn merge(&mut self, o: &StageTally) -> Result<(), StatsError> {
        self.latency.merge(&o.latency)?;
        self.send_lag.merge(&o.send_lag)?;
        self.responses += o.responses;
        self.transport_errors += o.transport_errors;
        self.errors += o.errors;
        self.unfinished += o.unfinished;
        Ok(())
    }
}

/// Everything a run measured.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// Request latency: from the planned send time in the open model (corrected), from the
    /// actual send time in the closed model.
    pub latency: LatencyHistogram,
    /// Open model only: latency from the actual send (uncorrected service time).
    pub service: LatencyHistogram,
    /// Open model only: how late the generator itself sent (µs).
    pub send_lag: LatencyHistogram,
    /// TCP (+TLS, + HTTP/2 handshake) connect time.
    pub connect: LatencyHistogram,
    /// Responses by status code.
    pub status: BTreeMap<u16, u64>,
    /// Errors by category (indexed by [`ErrorKind::index`]).
    pub errors: [ErrorTally; 8],
    /// Per `--group-by` value.
    pub groups: BTreeMap<String, GroupTally>,
    /// Responses received (any status).
    pub responses: u64,
    pub bytes: u64,
    /// Open model: requests whose planned time passed while their connection was still busy.
    pub queued: u64,
    /// Requests in flight (or planned and not yet sent) when the run ended.
    pub unfinished: u64,
    pub connections_opened: u64,
    /// Per `--stage`, in order (empty without stages).
    pub stages: Vec<StageTally>,
}

impl Tally {
    /// Count one error; keep the first message of its category.
    pub fn error(&mut self, kind: ErrorKind, message: &str) {
        let e = &mut self.errors[kind.index()];
        e.count += 1;
        if e.first.is_none() {
            e.first = Some(message.to_string());
        }
    }

    /// Transport errors (no response) in total.
    pub fn transport_errors(&self) -> u64 {
        self.errors
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != ErrorKind::Http5xx.index())
            .map(|(_, e)| e.count)
            .sum()
    }

    /// All errors: transport errors plus 5xx responses.
    pub fn error_count(&self) -> u64 {
        self.errors.iter().map(|e| e.count).sum()
    }

    /// Finished requests: responses plus transport errors.
    pub fn requests(&self) -> u64 {
        self.responses + self.transport_errors()
    }

    /// Add another tally (lossless).
    pub fn merge(&mut self, o: &Tally) -> Result<(), StatsError> {
        self.latency.merge(&o.latency)?;
        self.service.merge(&o.service)?;
        self.send_lag.merge(&o.send_lag)?;
        self.connect.merge(&o.connect)?;
        for (code, n) in &o.status {
            *self.status.entry(*code).or_default() += n;
        }
        for (mine, theirs) in self.errors.iter_mut().zip(o.errors.iter()) {
            mine.count += theirs.count;
            if mine.first.is_none() {
                mine.first.clone_from(&theirs.first);
            }
        }
        for (k, g) in &o.groups {
            let mine = self.groups.entry(k.clone()).or_default();
            mine.count += g.count;
            mine.latency.merge(&g.latency)?;
        }
        self.responses += o.responses;
        self.bytes += o.bytes;
        self.queued += o.queued;
        self.unfinished += o.unfinished;
        self.connections_opened += o.connections_opened;
        if self.stages.len() < o.stages.len() {
            self.stages.resize_with(o.stages.len(), Default::default);
        }
        for (mine, theirs) in self.stages.iter_mut().zip(o.stages.iter()) {
            mine.merge(theirs)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_adds_everything() {
        let mut a = Tally::default();
        a.latency.record_us(100);
        a.status.insert(200, 1);
        a.responses = 1;
        a.error(ErrorKind::Reset, "first reset");
        a.groups.entry("b1".into()).or_default().count = 1;
        let mut b = Tally::default();
        b.latency.record_us(200);
        b.status.insert(200, 2);
        b.status.insert(503, 1);
        b.responses = 3;
        b.error(ErrorKind::Reset, "second reset");
        b.error(ErrorKind::Http5xx, "503");
        b.groups.entry("b1".into()).or_default().count = 2;
        b.groups.entry("b2".into()).or_default().count = 1;
        a.merge(&b).unwrap();
        assert_eq!(a.latency.len(), 2);
        assert_eq!(a.status[&200], 3);
        assert_eq!(a.errors[ErrorKind::Reset.index()].count, 2);
        assert_eq!(
            a.errors[ErrorKind::Reset.index()].first.as_deref(),
            Some("first reset")
        );
        assert_eq!(a.transport_errors(), 2);
        assert_eq!(a.error_count(), 3);
        assert_eq!(a.requests(), 6);
        assert_eq!(a.groups["b1"].count, 3);
        assert_eq!(a.groups.len(), 2);
    }
}
