//! The two formats `/metrics` speaks, OpenMetrics 1.0 and Prometheus text 0.0.4: which one a
//! scraper's Accept asks for, and the rewrite of prometheus-client's OpenMetrics output into
//! the text format. admin.rs calls in here.

/// The two exposition formats `/metrics` speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exposition {
    OpenMetrics,
    /// Prometheus text format 0.0.4.
    Text,
}

/// Content negotiation as Prometheus' client libraries do it (client_golang's
/// `expfmt.NegotiateIncludingOpenMetrics`): media ranges by falling q (RFC 9110 12.5.1, q=0
/// means "not acceptable"); OpenMetrics only when asked for by name, text 0.0.4 for
/// `text/plain`, `*/*`, anything else or no Accept at all.
pub fn negotiate(accept: Option<&str>) -> Exposition {
    let Some(accept) = accept else {
        return Exposition::Text;
    };
    let mut ranges: Vec<(f32, usize, Exposition)> = Vec::new();
    for (i, range) in accept.split(',').enumerate() {
        let mut parts = range.split(';').map(str::trim);
        let media = parts.next().unwrap_or("").to_ascii_lowercase();
        let (mut q, mut version) = (1.0f32, None);
        for p in parts {
            if let Some((k, v)) = p.split_once('=') {
                let v = v.trim().trim_matches('"');
                match k.trim().to_ascii_lowercase().as_str() {
                    "q" => q = v.parse().unwrap_or(0.0),
                    "version" => version = Some(v.to_string()),
                    _ => {}
                }
            }
        }
        let kind = match (media.as_str(), version.as_deref()) {
            ("application/openmetrics-text", None | Some("1.0.0" | "0.0.1")) => {
                Exposition::OpenMetrics
            }
            ("text/plain", None | Some("0.0.4")) => Exposition::Text,
            _ => continue,
        };
        if q > 0.0 {
            ranges.push((q, i, kind));
        }
    }
    // Highest q first; equal q in the order given.
    ranges.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    ranges.first().map_or(Exposition::Text, |r| r.2)
}

/// The OpenMetrics exposition rewritten as Prometheus text 0.0.4: a counter family is
/// declared under its sample name (`# TYPE x_total counter`, as client_golang writes it, so
/// the 0.0.4 parser keeps the type), no `# UNIT`, no `_created` samples, no `# EOF`.
pub fn openmetrics_to_text(om: &str) -> String {
    let counters: std::collections::HashSet<&str> = om
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|rest| rest.strip_suffix(" counter"))
        .collect();
    let mut out = String::with_capacity(om.len());
    for line in om.lines() {
        if line == "# EOF" || line.starts_with("# UNIT ") {
            continue;
        }
        let meta = line
            .strip_prefix("# HELP ")
            .map(|r| ("# HELP ", r))
            .or_else(|| line.strip_prefix("# TYPE ").map(|r| ("# TYPE ", r)));
        if let Some((kind, rest)) = meta {
            let (name, tail) = rest.split_once(' ').unwrap_or((rest, ""));
            if counters.contains(name) {
                out.push_str(&format!("{kind}{name}_total {tail}\n"));
                continue;
            }
        }
        let sample_name = line.split(['{', ' ']).next().unwrap_or("");
        if let Some(family) = sample_name.strip_suffix("_created")
            && counters.contains(family)
        {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_negotiation_follows_the_prometheus_clients() {
        use Exposition::{OpenMetrics as Om, Text};
        for (accept, want) in [
            (None, Text),
            (Some("*/*"), Text),
            (Some("text/plain;version=0.0.4"), Text),
            (Some("text/plain; version=0.0.4; charset=utf-8"), Text),
            (Some("application/openmetrics-text"), Om),
            (Some("application/openmetrics-text; version=1.0.0"), Om),
            (Some("application/openmetrics-text; version=2.0.0"), Text),
            // What Prometheus 2.x sends when scraping.
            (
                Some(
                    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
                ),
                Om,
            ),
            (
                Some("text/plain;version=0.0.4;q=0.9,application/openmetrics-text;q=0.5"),
                Text,
            ),
            (Some("application/openmetrics-text;q=0"), Text),
            (Some("application/json"), Text),
            (Some("garbage;;q=x,,"), Text),
        ] {
            assert_eq!(negotiate(accept), want, "{accept:?}");
        }
    }

    #[test]
    fn text_format_declares_counters_under_their_sample_names() {
        let om = "# HELP a_requests Requests.\n# TYPE a_requests counter\n\
                  a_requests_total{x=\"1\"} 3\na_requests_created 1.0\n\
                  # HELP a_open Open.\n# TYPE a_open gauge\n# UNIT a_open seconds\na_open 2\n# EOF\n";
        assert_eq!(
            openmetrics_to_text(om),
            "# HELP a_requests_total Requests.\n# TYPE a_requests_total counter\n\
             a_requests_total{x=\"1\"} 3\n# HELP a_open Open.\n# TYPE a_open gauge\na_open 2\n"
        );
    }
}
