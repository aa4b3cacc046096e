//! The `lbctl.load/v1` document: built from a run's [`Tally`], printed by `--output json`,
//! and read back by `lbctl load merge` (which rebuilds the tally from the encoded histograms,
//! so merged percentiles are computed, never averaged). docs/load.md describes every field.

use super::outcome::ErrorKind;
use super::slo::{Measured, Percentiles, Slo, SloResult, percentile_key};
use super::tally::{ErrorTally, GroupTally, Tally};
use crate::stats::{LatencyHistogram, Summary};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const SCHEMA: &str = "lbctl.load/v1";

/// One error category in the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorEntry {
    pub count: u64,
    pub first: Option<String>,
}

/// One `--group-by` value.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GroupEntry {
    pub value: String,
    pub count: u64,
    /// Share of all responses, 0..1.
    pub share: f64,
    pub latency_ms: Summary,
    pub histogram: String,
}

/// `--group-by` results.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Groups {
    pub header: String,
    pub values: Vec<GroupEntry>,
}

pub use super::slo::PercentileValue;

/// The encoded histograms (base64 of the compressed V2 HdrHistogram format, values in µs).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Histograms {
    pub latency: String,
    pub service: String,
    pub send_lag: String,
    pub connect: String,
}

/// CPU used by the generator during the run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Cpu {
    pub user_s: f64,
    pub system_s: f64,
    /// CPU time / (wall time x threads): near 1 means the generator was saturated.
    pub utilization: f64,
    /// CPU microseconds per finished request.
    pub us_per_request: f64,
}

/// The whole result of a run (or of a merge).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub schema: String,
    pub lbctl_version: String,
    pub targets: Vec<String>,
    /// "closed", "open" or "mixed" (a merge of both).
    pub model: String,
    /// "1.1" or "2".
    pub http: String,
    pub connections: u64,
    pub threads: u64,
    /// Open model: planned and achieved request rates (req/s).
    pub rate_target: Option<f64>,
    pub rate_achieved: Option<f64>,
    pub warmup_s: f64,
    pub duration_s: f64,
    /// Finished requests: responses plus transport errors.
    pub requests: u64,
    pub responses: u64,
    /// Transport errors plus 5xx responses (see error_categories).
    pub errors: u64,
    /// In flight or planned-but-unsent when the run ended (neither responses nor errors).
    pub unfinished: u64,
    /// Responses per second over the measured window.
    pub rps: f64,
    pub bytes_received: u64,
    pub latency_ms: Summary,
    pub percentiles_ms: Vec<PercentileValue>,
    /// Open model: latency from the actual send (uncorrected).
    pub service_time_ms: Option<Summary>,
    /// Open model: the generator's own send lag.
    pub send_lag_ms: Option<Summary>,
    /// Open model: requests whose due time passed while their connection was busy.
    pub queued: u64,
    pub connect_ms: Summary,
    pub connections_opened: u64,
    /// Open model: the cap of a growing pool (`--max-connections`; equal to `connections`
    /// for a fixed pool). Absent from documents written before it existed.
    #[serde(default)]
    pub max_connections: Option<u64>,
    /// The most connections open at once (warmup included); after a merge, the sum of the
    /// runs' peaks (an upper bound: the shards' peaks need not coincide).
    #[serde(default)]
    pub connections_peak: u64,
    pub status: BTreeMap<String, u64>,
    pub error_categories: BTreeMap<String, ErrorEntry>,
    pub groups: Option<Groups>,
    pub slo: Vec<SloResult>,
    pub valid: bool,
    pub invalid_reasons: Vec<String>,
    pub cpu: Option<Cpu>,
    /// Number of documents merged into this one (1 for a run).
    pub merged_runs: u64,
    pub histograms: Histograms,
    /// `--h2-streams`: HTTP/2 streams in flight per connection; absent without the flag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub h2_streams: Option<u64>,
    /// `--stage`s: one entry per stage (stage_report.rs); absent without stages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stages: Option<Vec<super::stage_report::StageEntry>>,
    /// `--abort-on-slo`: when and why the run was stopped early.
    #[serde(default)]
    pub aborted: Option<super::abort::Abort>,
    /// `--shard`: which part of the plan this run is.
    #[serde(default)]
    pub shard: Option<super::shard::Shard>,
    /// The plan's defining fields and fingerprint (the same for every shard of one plan).
    #[serde(default)]
    pub plan: Option<super::shard::PlanPrint>,
    /// Unix seconds at which the plan started (t0; `--start-at` when given).
    #[serde(default)]
    pub started_at: Option<f64>,
    /// One entry per second of the measured window (per_second.rs); absent from documents
    /// written before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_second: Option<super::per_second::PerSecond>,
}

/// What the report needs besides the tally.
pub struct Meta {
    pub targets: Vec<String>,
    pub model: String,
    pub http: String,
    pub connections: u64,
    pub max_connections: Option<u64>,
    pub connections_peak: u64,
    pub threads: u64,
    pub rate_target: Option<f64>,
    pub warmup_s: f64,
    pub duration_s: f64,
    pub rps: Option<f64>,
    pub group_by: Option<String>,
    pub cpu: Option<Cpu>,
    pub invalid_reasons: Vec<String>,
    pub merged_runs: u64,
}

/// Build the report and evaluate the SLOs.
pub fn build(tally: &Tally, meta: Meta, percentiles: &Percentiles, slos: &[Slo]) -> Report {
    let open = meta.rate_target.is_some();
    let requests = tally.requests();
    let errors = tally.error_count();
    let rps = meta.rps.unwrap_or(if meta.duration_s > 0.0 {
        tally.responses as f64 / meta.duration_s
    } else {
        0.0
    });
    let rate_achieved = open.then(|| {
        if meta.duration_s > 0.0 {
            requests as f64 / meta.duration_s
        } else {
            0.0
        }
    });
    let measured = Measured {
        latency: &tally.latency,
        requests,
        errors,
        rps,
    };
    let slo = slos.iter().map(|s| s.evaluate(&measured)).collect();
    let groups = meta.group_by.as_ref().map(|header| {
        let total: u64 = tally.groups.values().map(|g| g.count).sum();
        let mut values: Vec<GroupEntry> = tally
            .groups
            .iter()
            .map(|(v, g)| GroupEntry {
                value: v.clone(),
                count: g.count,
                share: if total == 0 {
                    0.0
                } else {
                    g.count as f64 / total as f64
                },
                latency_ms: g.latency.summary_ms(),
                histogram: g.latency.to_base64(),
            })
            .collect();
        values.sort_by(|a, b| b.count.cmp(&a.count).then(a.value.cmp(&b.value)));
        Groups {
            header: header.clone(),
            values,
        }
    });
    let error_categories = ErrorKind::ALL
        .iter()
        .zip(tally.errors.iter())
        .filter(|(_, e)| e.count > 0)
        .map(|(k, e)| {
            (
                k.key().to_string(),
                ErrorEntry {
                    count: e.count,
                    first: e.first.clone(),
                },
            )
        })
        .collect();
    Report {
        schema: SCHEMA.to_string(),
        lbctl_version: env!("CARGO_PKG_VERSION").to_string(),
        targets: meta.targets,
        model: meta.model,
        http: meta.http,
        connections: meta.connections,
        threads: meta.threads,
        rate_target: meta.rate_target,
        rate_achieved,
        warmup_s: meta.warmup_s,
        duration_s: meta.duration_s,
        requests,
        responses: tally.responses,
        errors,
        unfinished: tally.unfinished,
        rps,
        bytes_received: tally.bytes,
        latency_ms: tally.latency.summary_ms(),
        percentiles_ms: percentiles
            .0
            .iter()
            .map(|&p| PercentileValue {
                percentile: p,
                ms: tally.latency.percentile_us(p) as f64 / 1000.0,
            })
            .collect(),
        service_time_ms: open.then(|| tally.service.summary_ms()),
        send_lag_ms: open.then(|| tally.send_lag.summary_ms()),
        queued: tally.queued,
        connect_ms: tally.connect.summary_ms(),
        connections_opened: tally.connections_opened,
        max_connections: meta.max_connections,
        connections_peak: meta.connections_peak,
        status: tally
            .status
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect(),
        error_categories,
        groups,
        slo,
        valid: meta.invalid_reasons.is_empty(),
        invalid_reasons: meta.invalid_reasons,
        cpu: meta.cpu,
        merged_runs: meta.merged_runs,
        histograms: Histograms {
            latency: tally.latency.to_base64(),
            service: tally.service.to_base64(),
            send_lag: tally.send_lag.to_base64(),
            connect: tally.connect.to_base64(),
        },
        h2_streams: None,
        stages: None,
        aborted: None,
        shard: None,
        plan: None,
        started_at: None,
        per_second: None,
    }
}

/// Rebuild a tally from a report (for `load merge`). Errors name what was wrong.
pub fn tally_of(r: &Report) -> Result<Tally, String> {
    let hist = |name: &str, s: &str| {
        LatencyHistogram::from_base64(s).map_err(|e| format!("histograms.{name}: {e}"))
    };
    let mut t = Tally {
        latency: hist("latency", &r.histograms.latency)?,
        service: hist("service", &r.histograms.service)?,
        send_lag: hist("send_lag", &r.histograms.send_lag)?,
        connect: hist("connect", &r.histograms.connect)?,
        responses: r.responses,
        bytes: r.bytes_received,
        queued: r.queued,
        unfinished: r.unfinished,
        connections_opened: r.connections_opened,
        ..Tally::default()
    };
    for (code, n) in &r.status {
        let c: u16 = code
            .parse()
            .map_err(|_| format!("status: '{code}' is not a status code"))?;
        t.status.insert(c, *n);
    }
    for (key, e) in &r.error_categories {
        let kind = ErrorKind::from_key(key)
            .ok_or_else(|| format!("error_categories: unknown category '{key}'"))?;
        t.errors[kind.index()] = ErrorTally {
            count: e.count,
            first: e.first.clone(),
        };
    }
    if let Some(g) = &r.groups {
        for v in &g.values {
            t.groups.insert(
                v.value.clone(),
                GroupTally {
                    count: v.count,
                    latency: hist("groups", &v.histogram)?,
                },
            );
        }
    }
    if let Some(st) = &r.stages {
        t.stages = super::stage_report::tallies_of(st)?;
    }
    if t.latency.len() != t.responses {
        return Err(format!(
            "the latency histogram holds {} samples but responses is {}",
            t.latency.len(),
            t.responses
        ));
    }
    Ok(t)
}

/// The key of a percentile in `latency_ms`-style maps (`p99.9`).
pub fn key(p: f64) -> String {
    percentile_key(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Tally {
        let mut t = Tally::default();
        for us in [1000, 2000, 3000, 250_000] {
            t.latency.record_us(us);
        }
        t.responses = 4;
        t.status.insert(200, 3);
        t.status.insert(503, 1);
        t.error(ErrorKind::Http5xx, "503");
        t.error(ErrorKind::ConnectRefused, "connect refused");
        let g = t.groups.entry("b1".into()).or_default();
        g.count = 4;
        for us in [1000, 2000, 3000, 250_000] {
            g.latency.record_us(us);
        }
        t
    }

    fn meta() -> Meta {
        Meta {
            targets: vec!["http://127.0.0.1:1/".into()],
            model: "closed".into(),
            http: "1.1".into(),
            connections: 2,
            max_connections: None,
            connections_peak: 2,
            threads: 1,
            rate_target: None,
            warmup_s: 0.0,
            duration_s: 2.0,
            rps: None,
            group_by: Some("x-backend".into()),
            cpu: None,
            invalid_reasons: vec![],
            merged_runs: 1,
        }
    }

    #[test]
    fn report_roundtrips_through_json() {
        let slos = [super::super::slo::parse_slo("p99<100ms").unwrap()];
        let r = build(&sample(), meta(), &Percentiles::default(), &slos);
        assert_eq!(r.requests, 5);
        assert_eq!(r.errors, 2);
        assert_eq!(r.rps, 2.0);
        assert!(!r.slo[0].pass);
        let json = serde_json::to_string(&r).unwrap();
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["schema"], SCHEMA);
        assert!(v["latency_ms"]["p99.9"].is_number());
        assert_eq!(v["status"]["503"], 1);
        assert_eq!(v["error_categories"]["connect_refused"]["count"], 1);
        let back: Report = serde_json::from_str(&json).unwrap();
        let t = tally_of(&back).unwrap();
        assert_eq!(t.latency.len(), 4);
        assert_eq!(t.requests(), 5);
        assert_eq!(t.groups["b1"].latency.len(), 4);
    }

    #[test]
    fn documents_without_the_pool_fields_still_read() {
        // Written before --max-connections existed: no max_connections, no connections_peak.
        let r = build(&sample(), meta(), &Percentiles::default(), &[]);
        let mut v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["connections_peak"], 2);
        assert!(v["max_connections"].is_null());
        let obj = v.as_object_mut().unwrap();
        obj.remove("max_connections");
        obj.remove("connections_peak");
        let back: Report = serde_json::from_value(v).unwrap();
        assert_eq!(back.connections_peak, 0);
        assert_eq!(back.max_connections, None);
    }

    #[test]
    fn tally_of_rejects_inconsistent_documents() {
        let mut r = build(&sample(), meta(), &Percentiles::default(), &[]);
        r.responses = 9;
        assert!(tally_of(&r).unwrap_err().contains("responses"));
        let mut r = build(&sample(), meta(), &Percentiles::default(), &[]);
        r.histograms.connect = "%%%".into();
        assert!(tally_of(&r).unwrap_err().contains("histograms.connect"));
        let mut r = build(&sample(), meta(), &Percentiles::default(), &[]);
        r.status.insert("abc".into(), 1);
        assert!(tally_of(&r).is_err());
        let mut r = build(&sample(), meta(), &Percentiles::default(), &[]);
        r.error_categories.insert(
            "gremlins".into(),
            ErrorEntry {
                count: 1,
                first: None,
            },
        );
        assert!(tally_of(&r).unwrap_err().contains("gremlins"));
    }
}
