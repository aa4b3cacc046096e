//! `lbctl proxy grafana`: print the Grafana dashboard (grafana_dashboard.json, compiled in, so
//! users get it without the repository) over the metrics the admin listener's `/metrics`
//! exports: request rate, error ratio, latency percentiles from the histogram, in-flight,
//! health, retries, ejections, weights (slow start) and the response cache's hit ratio. Its data
//! source is the `DS_PROMETHEUS` variable; `instance`, `pool`, `backend` and `listener` narrow
//! it. tests/integration/proxy/grafana.rs checks every metric and label it names against a
//! live `/metrics` and evaluates every panel in a real Prometheus.

use crate::exit::ExitCode;
use std::io::Write;

/// The dashboard, Grafana's JSON model.
pub const DASHBOARD: &str = include_str!("grafana_dashboard.json");

/// Print the dashboard on stdout (a closed pipe is not a failure: main.rs).
pub fn run() -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    out.write_all(DASHBOARD.as_bytes())?;
    out.flush()?;
    Ok(ExitCode::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dashboard_is_json_with_a_prometheus_data_source_variable() {
        let d: serde_json::Value = serde_json::from_str(DASHBOARD).expect("valid JSON");
        let vars = d["templating"]["list"].as_array().expect("variables");
        assert!(vars.iter().any(|v| v["name"] == "DS_PROMETHEUS"
            && v["type"] == "datasource"
            && v["query"] == "prometheus"));
        let mut ids = std::collections::HashSet::new();
        let mut cells = std::collections::HashSet::new();
        for p in d["panels"].as_array().expect("panels") {
            assert!(ids.insert(p["id"].as_u64().expect("id")), "duplicate id");
            // On Grafana's 24-column grid, no two panels overlap.
            let g = &p["gridPos"];
            let [x, y, w, h] = ["x", "y", "w", "h"].map(|k| g[k].as_u64().expect("gridPos"));
            assert!(x + w <= 24, "{} is off the grid", p["title"]);
            for cell in (x..x + w).flat_map(|c| (y..y + h).map(move |r| (c, r))) {
                assert!(cells.insert(cell), "{} overlaps another panel", p["title"]);
            }
            if p["type"] == "row" {
                continue;
            }
            assert_eq!(p["datasource"]["uid"], "${DS_PROMETHEUS}", "{}", p["title"]);
            assert!(!p["targets"].as_array().expect("targets").is_empty());
        }
    }
}
