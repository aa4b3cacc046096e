//! The exporter's own `/metrics` (prometheus-client, an explicit registry): probes by module
//! and result, probe durations by module, scrapes turned away because too many probes were
//! in flight, probes in flight, and under blackbox's own names (so its dashboards and alerts
//! keep working) `blackbox_module_unknown_total`, `blackbox_exporter_config_last_reload_successful`
//! and `blackbox_exporter_config_last_reload_success_timestamp_seconds`. Labels are
//! module names from the configuration only (an unknown module is counted without its name),
//! so a scraper cannot grow the label space.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, SystemTime};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ProbeLabels {
    module: String,
    result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ModuleLabel {
    module: String,
}

type HistogramFamily = Family<ModuleLabel, Histogram, fn() -> Histogram>;

/// The counters, shared by every scrape.
pub struct SelfMetrics {
    registry: Registry,
    probes: Family<ProbeLabels, Counter>,
    durations: HistogramFamily,
    unknown: Counter,
    busy: Counter,
    in_flight: Gauge,
    reload_ok: Gauge,
    reload_time: Gauge<f64, AtomicU64>,
}

fn duration_histogram() -> Histogram {
    // 5 ms .. ~20 s: a probe is bounded by its module timeout.
    Histogram::new(exponential_buckets(0.005, 2.0, 13))
}

impl SelfMetrics {
    pub fn new() -> SelfMetrics {
        let mut registry = Registry::default();
        let probes = Family::<ProbeLabels, Counter>::default();
        let durations: HistogramFamily = Family::new_with_constructor(duration_histogram);
        let unknown = Counter::default();
        let busy = Counter::default();
        let in_flight = Gauge::default();
        let reload_ok = Gauge::default();
        let reload_time = Gauge::<f64, AtomicU64>::default();
        registry.register(
            "lbctl_exporter_probes",
            "Probes run, by module and result (success or failure)",
            probes.clone(),
        );
        registry.register(
            "lbctl_exporter_probe_duration_seconds",
            "How long probes took, by module",
            durations.clone(),
        );
        registry.register(
            "lbctl_exporter_busy",
            "Scrapes answered 503 because --concurrency probes were already in flight",
            busy.clone(),
        );
        registry.register(
            "lbctl_exporter_probes_in_flight",
            "Probes running now",
            in_flight.clone(),
        );
        // blackbox_exporter's own name, so its dashboards and alerts keep working.
        registry.register(
            "blackbox_module_unknown",
            "Count of unknown modules requested by probes",
            unknown.clone(),
        );
        // blackbox's config/config.go names: the last load of the modules file (at start, on
        // SIGHUP or POST /-/reload) and when one last succeeded.
        registry.register(
            "blackbox_exporter_config_last_reload_successful",
            "Blackbox exporter config loaded successfully.",
            reload_ok.clone(),
        );
        registry.register(
            "blackbox_exporter_config_last_reload_success_timestamp_seconds",
            "Timestamp of the last successful configuration reload.",
            reload_time.clone(),
        );
        SelfMetrics {
            registry,
            probes,
            durations,
            unknown,
            busy,
            in_flight,
            reload_ok,
            reload_time,
        }
    }

    /// A load of the modules file: success sets the time too, failure only the flag.
    pub fn loaded(&self, ok: bool) {
        self.reload_ok.set(i64::from(ok));
        if ok {
            let now = SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map_or(0.0, |d| d.as_secs_f64());
            self.reload_time.set(now);
        }
    }

    pub fn probed(&self, module: &str, success: bool, took: Duration) {
        self.probes
            .get_or_create(&ProbeLabels {
                module: module.to_string(),
                result: if success { "success" } else { "failure" },
            })
            .inc();
        self.durations
            .get_or_create(&ModuleLabel {
                module: module.to_string(),
            })
            .observe(took.as_secs_f64());
    }

    pub fn unknown_module(&self) {
        self.unknown.inc();
    }

    pub fn busy(&self) {
        self.busy.inc();
    }

    /// Counts one probe in flight until the guard is dropped.
    pub fn in_flight(&self) -> InFlight {
        self.in_flight.inc();
        InFlight(self.in_flight.clone())
    }

    /// The OpenMetrics exposition (prometheus-client's encoder).
    pub fn encode(&self) -> String {
        let mut s = String::new();
        if prometheus_client::encoding::text::encode(&mut s, &self.registry).is_err() {
            s.clear();
        }
        s
    }
}

impl Default for SelfMetrics {
    fn default() -> Self {
        SelfMetrics::new()
    }
}

/// A probe in flight (the gauge goes down when dropped, also when a scrape is cancelled).
pub struct InFlight(Gauge);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.dec();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_module_and_result() {
        let m = SelfMetrics::new();
        m.probed("http_2xx", true, Duration::from_millis(20));
        m.probed("http_2xx", false, Duration::from_millis(20));
        m.probed("http_2xx", false, Duration::from_millis(20));
        m.unknown_module();
        m.loaded(true);
        m.loaded(false);
        {
            let _g = m.in_flight();
            assert!(m.encode().contains("lbctl_exporter_probes_in_flight 1\n"));
        }
        let text = m.encode();
        for line in [
            "lbctl_exporter_probes_total{module=\"http_2xx\",result=\"failure\"} 2",
            "lbctl_exporter_probes_total{module=\"http_2xx\",result=\"success\"} 1",
            "blackbox_module_unknown_total 1",
            "lbctl_exporter_probes_in_flight 0",
            "lbctl_exporter_probe_duration_seconds_count{module=\"http_2xx\"} 3",
            "blackbox_exporter_config_last_reload_successful 0",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} not in\n{text}");
        }
        let stamp = text
            .lines()
            .find_map(|l| {
                l.strip_prefix("blackbox_exporter_config_last_reload_success_timestamp_seconds ")
            })
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or_default();
        assert!(stamp > 1.6e9, "{text}");
    }
}
