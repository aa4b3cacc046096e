//! The Prometheus families of DNS targets, under blackbox_exporter's `dns` prober names:
//! `probe_dns_query_succeeded` (a DNS answer came back, whatever its rcode),
//! `probe_dns_answer_rrs`, `probe_dns_authority_rrs` and `probe_dns_additional_rrs` (records
//! per section). Written by report.rs beside the other families; none when no DNS target ran.

use super::targets::ProbeTarget;
use crate::check::CheckOutcome;

/// (name, help, samples) per family, samples already formatted with the `target` label.
pub fn families(
    rows: &[(&ProbeTarget, &CheckOutcome)],
    label: fn(&str) -> String,
) -> Vec<(&'static str, &'static str, Vec<String>)> {
    let dns: Vec<&(&ProbeTarget, &CheckOutcome)> = rows
        .iter()
        .filter(|(t, _)| t.target.scheme == crate::check::Scheme::Dns)
        .collect();
    let per = |name: &str, value: &dyn Fn(&CheckOutcome) -> usize| -> Vec<String> {
        dns.iter()
            .map(|(t, r)| format!("{name}{{target=\"{}\"}} {}", label(&t.label), value(r)))
            .collect()
    };
    let count = |o: &CheckOutcome, f: fn(&crate::check::dns_data::DnsAnswer) -> usize| {
        o.dns.as_deref().map_or(0, f)
    };
    vec![
        (
            "probe_dns_query_succeeded",
            "Whether the DNS server answered (1) or not (0), whatever the rcode.",
            per("probe_dns_query_succeeded", &|r| {
                usize::from(r.dns.is_some())
            }),
        ),
        (
            "probe_dns_answer_rrs",
            "Records in the answer section.",
            per("probe_dns_answer_rrs", &|r| count(r, |a| a.answer.len())),
        ),
        (
            "probe_dns_authority_rrs",
            "Records in the authority section.",
            per("probe_dns_authority_rrs", &|r| {
                count(r, |a| a.authority.len())
            }),
        ),
        (
            "probe_dns_additional_rrs",
            "Records in the additional section.",
            per("probe_dns_additional_rrs", &|r| {
                count(r, |a| a.additional.len())
            }),
        ),
    ]
}
