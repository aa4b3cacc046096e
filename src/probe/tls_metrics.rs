//! The Prometheus families of a TLS handshake, under blackbox_exporter's names and labels:
//! `probe_tls_version_info{version="TLS 1.3"}`, `probe_tls_cipher_info{cipher}`,
//! `probe_ssl_last_chain_info{fingerprint_sha256, subject, issuer, subjectalternative,
//! serialnumber}` (the leaf; SANs comma-separated) and
//! `probe_ssl_last_chain_expiry_timestamp_seconds` (the leaf's notAfter). Written by
//! report.rs beside the other families; none when no handshake happened.

use super::targets::ProbeTarget;
use crate::check::CheckOutcome;

pub fn families(
    rows: &[(&ProbeTarget, &CheckOutcome)],
    label: fn(&str) -> String,
) -> Vec<(&'static str, &'static str, Vec<String>)> {
    let mut version = Vec::new();
    let mut cipher = Vec::new();
    let mut chain = Vec::new();
    let mut expiry = Vec::new();
    for (t, o) in rows {
        let Some(tls) = o.tls.as_deref() else {
            continue;
        };
        let target = label(&t.label);
        version.push(format!(
            "probe_tls_version_info{{target=\"{target}\",version=\"{}\"}} 1",
            label(&tls.version)
        ));
        cipher.push(format!(
            "probe_tls_cipher_info{{target=\"{target}\",cipher=\"{}\"}} 1",
            label(&tls.cipher)
        ));
        if let Some(leaf) = tls.chain.first() {
            chain.push(format!(
                "probe_ssl_last_chain_info{{target=\"{target}\",fingerprint_sha256=\"{}\",subject=\"{}\",issuer=\"{}\",subjectalternative=\"{}\",serialnumber=\"{}\"}} 1",
                leaf.sha256,
                label(&leaf.subject),
                label(&leaf.issuer),
                label(&leaf.sans.join(",")),
                label(&leaf.serial.replace(':', "").to_ascii_lowercase()),
            ));
            expiry.push(format!(
                "probe_ssl_last_chain_expiry_timestamp_seconds{{target=\"{target}\"}} {}",
                leaf.not_after
            ));
        }
    }
    vec![
        (
            "probe_tls_version_info",
            "The TLS version negotiated (1 for the version label seen).",
            version,
        ),
        (
            "probe_tls_cipher_info",
            "The TLS cipher suite negotiated (1 for the cipher label seen).",
            cipher,
        ),
        (
            "probe_ssl_last_chain_info",
            "The leaf certificate of the chain the server sent (1, its facts in the labels).",
            chain,
        ),
        (
            "probe_ssl_last_chain_expiry_timestamp_seconds",
            "notAfter of the leaf certificate the server sent, Unix seconds.",
            expiry,
        ),
    ]
}
