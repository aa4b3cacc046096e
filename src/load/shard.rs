//! Sharded plans for `lbctl load --shard I/N` (or `--shards N` with Kubernetes' Indexed Job
//! `JOB_COMPLETION_INDEX`, <https://kubernetes.io/docs/concepts/workloads/controllers/job/#completion-mode>),
//! `--start-at` (k6-operator's starter role without an operator) and the plan fingerprint that
//! `load merge --expect` compares.
//!
//! The split is by index, never by rounding a fraction: shard k of N takes the plan's items
//! j with j mod N == k (requests of the open schedule, slots of the closed model, requests of
//! `-n`), so the shards add up to the whole plan exactly (-n 1000 over 3: 334 + 333 + 333).

use crate::spec::SpecError;
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const EXPECTED_SHARD: &str = "INDEX/COUNT with 0 <= INDEX < COUNT <= 10000, e.g. 0/4";
const EXPECTED_TIME: &str =
    "an RFC 3339 time (2026-12-01T10:00:00Z, 2026-12-01T11:00:00+01:00) or unix seconds";

/// Shard `index` of `count` (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

/// Parse `--shard I/N`.
pub fn parse_shard(s: &str) -> Result<Shard, SpecError> {
    let err = |p: &str| SpecError::new("shard", s, p, EXPECTED_SHARD);
    let (i, n) = s
        .trim()
        .split_once('/')
        .ok_or_else(|| err("there is no '/'"))?;
    let index: u64 = i
        .trim()
        .parse()
        .map_err(|_| err("the index is not a number"))?;
    let count: u64 = n
        .trim()
        .parse()
        .map_err(|_| err("the count is not a number"))?;
    if count == 0 || count > 10_000 {
        return Err(err("the count is outside 1..=10000"));
    }
    if index >= count {
        return Err(err("the index is not below the count"));
    }
    Ok(Shard { index, count })
}

/// The shard from `--shards N` and an index read from the environment (`JOB_COMPLETION_INDEX`).
pub fn shard_from_env(count: u64, index: Option<&str>) -> Result<Shard, String> {
    let Some(raw) = index else {
        return Err(format!(
            "--shards {count} needs JOB_COMPLETION_INDEX in the environment (set by a \
             Kubernetes Indexed Job); expected it, or --shard INDEX/COUNT"
        ));
    };
    parse_shard(&format!("{}/{count}", raw.trim())).map_err(|_| {
        format!(
            "JOB_COMPLETION_INDEX '{raw}' with --shards {count}: expected an index from 0 to {}",
            count.saturating_sub(1)
        )
    })
}

/// Items j < total with j mod count == index: this shard's part of a count.
pub fn split(total: u64, shard: Shard) -> u64 {
    if total > shard.index {
        (total - shard.index).div_ceil(shard.count)
    } else {
        0
    }
}

/// Parse `--start-at`: RFC 3339 (Z or a ±HH:MM offset, fractional seconds allowed) or unix
/// seconds.
pub fn parse_start_at(s: &str) -> Result<SystemTime, SpecError> {
    let t = s.trim();
    let err = |p: String| SpecError::new("start time", s, p, EXPECTED_TIME);
    if let Ok(secs) = t.parse::<f64>() {
        if !secs.is_finite() || !(0.0..=1e11).contains(&secs) {
            return Err(err("unix seconds out of range".into()));
        }
        return Ok(UNIX_EPOCH + Duration::from_secs_f64(secs));
    }
    // humantime reads the UTC form; an explicit offset is removed first and applied after.
    let (base, offset_s) = split_offset(t).ok_or_else(|| err("the offset is not ±HH:MM".into()))?;
    let utc = humantime::parse_rfc3339_weak(base).map_err(|e| err(e.to_string()))?;
    let shifted = if offset_s >= 0 {
        utc.checked_sub(Duration::from_secs(offset_s as u64))
    } else {
        utc.checked_add(Duration::from_secs(offset_s.unsigned_abs()))
    };
    shifted.ok_or_else(|| err("out of range".into()))
}

/// `2026-12-01T11:00:00+01:00` -> (`2026-12-01T11:00:00`, 3600); `...Z` and no offset -> 0.
fn split_offset(t: &str) -> Option<(&str, i64)> {
    if let Some(b) = t.strip_suffix('Z').or_else(|| t.strip_suffix('z')) {
        return Some((b, 0));
    }
    // An offset sits after the time part: look for + or - in the last 6 characters.
    let n = t.len();
    if n > 6 && t.is_char_boundary(n - 6) {
        let (b, off) = t.split_at(n - 6);
        let sign = match off.as_bytes()[0] {
            b'+' => 1,
            b'-' => -1,
            _ => return Some((t, 0)),
        };
        let (h, m) = off[1..].split_once(':')?;
        let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
        if h > 23 || m > 59 {
            return None;
        }
        return Some((b, sign * (h * 3600 + m * 60)));
    }
    Some((t, 0))
}

/// How far from now a start time may be: at most a day ahead, at most `grace` behind (a pod
/// that starts a moment late still joins, and its lateness shows as send lag).
pub fn check_start_at(
    at: SystemTime,
    now: SystemTime,
    grace: Duration,
) -> Result<Duration, String> {
    match at.duration_since(now) {
        Ok(ahead) if ahead > Duration::from_secs(24 * 3600) => Err(format!(
            "--start-at is {:.0}h ahead; expected a time within the next 24 hours",
            ahead.as_secs_f64() / 3600.0
        )),
        Ok(ahead) => Ok(ahead),
        Err(e) if e.duration() > grace => Err(format!(
            "--start-at was {:.1}s ago; expected a time in the future (or at most {}s ago)",
            e.duration().as_secs_f64(),
            grace.as_secs()
        )),
        Err(_) => Ok(Duration::ZERO),
    }
}

/// The plan's defining fields, as text, and their fingerprint: every shard of one plan has
/// the same ones (the shard index is not part of the plan).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PlanPrint {
    /// xxh3-64 of the fields, hex.
    pub fingerprint: String,
    pub fields: BTreeMap<String, String>,
}

impl PlanPrint {
    pub fn new(fields: BTreeMap<String, String>) -> PlanPrint {
        let mut text = String::new();
        for (k, v) in &fields {
            text.push_str(k);
            text.push('=');
            text.push_str(v);
            text.push('\n');
        }
        PlanPrint {
            fingerprint: format!("{:016x}", xxhash_rust::xxh3::xxh3_64(text.as_bytes())),
            fields,
        }
    }

    /// The fields on which two plans disagree.
    pub fn differences(&self, other: &PlanPrint) -> Vec<String> {
        let keys: std::collections::BTreeSet<&String> =
            self.fields.keys().chain(other.fields.keys()).collect();
        keys.into_iter()
            .filter(|k| self.fields.get(*k) != other.fields.get(*k))
            .map(|k| {
                format!(
                    "{k} ({} vs {})",
                    self.fields.get(k).map(String::as_str).unwrap_or("absent"),
                    other.fields.get(k).map(String::as_str).unwrap_or("absent")
                )
            })
            .collect()
    }
}

/// `load merge --expect N`: the runs must be the shards 0..N-1 of one plan, each once.
/// `runs` holds each file's name, shard and plan. Every problem found is named.
pub fn check_set(
    runs: &[(String, Option<Shard>, Option<&PlanPrint>)],
    n: u64,
) -> Result<(), String> {
    let mut problems = Vec::new();
    let mut seen: BTreeMap<u64, &str> = BTreeMap::new();
    let mut reference: Option<(&str, Shard, &PlanPrint)> = None;
    for (name, shard, print) in runs {
        let Some(s) = shard else {
            problems.push(format!("{name} is not a shard (run it with --shard I/{n})"));
            continue;
        };
        if s.count != n {
            problems.push(format!(
                "{name} is shard {}/{}, expected one of {n} shards",
                s.index, s.count
            ));
            continue;
        }
        if let Some(first) = seen.insert(s.index, name) {
            problems.push(format!(
                "shard {}/{n} appears twice: {first} and {name}",
                s.index
            ));
        }
        match (print, reference) {
            (None, _) => problems.push(format!("{name} has no plan fingerprint")),
            (Some(p), None) => reference = Some((name, *s, p)),
            (Some(p), Some((rname, rs, rp))) if p.fingerprint != rp.fingerprint => {
                let diff = rp.differences(p);
                problems.push(format!(
                    "{name} (shard {}/{n}) has another plan than {rname} (shard {}/{n}): {}",
                    s.index,
                    rs.index,
                    if diff.is_empty() {
                        format!("fingerprint {} vs {}", rp.fingerprint, p.fingerprint)
                    } else {
                        diff.join(", ")
                    }
                ));
            }
            _ => {}
        }
    }
    let missing: Vec<String> = (0..n)
        .filter(|i| !seen.contains_key(i))
        .map(|i| format!("{i}/{n}"))
        .collect();
    if !missing.is_empty() {
        problems.insert(0, format!("shard {} missing", missing.join(", ")));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_specs() {
        assert_eq!(parse_shard("0/4").unwrap(), Shard { index: 0, count: 4 });
        assert_eq!(parse_shard(" 3/4 ").unwrap(), Shard { index: 3, count: 4 });
        for bad in ["", "4", "4/4", "-1/4", "a/4", "1/0", "1/x", "0/10001"] {
            let e = parse_shard(bad).unwrap_err().to_string();
            assert!(
                e.contains(&format!("'{bad}'")) && e.contains("INDEX/COUNT"),
                "{e}"
            );
        }
        assert_eq!(
            shard_from_env(3, Some("2")).unwrap(),
            Shard { index: 2, count: 3 }
        );
        assert!(
            shard_from_env(3, Some("3"))
                .unwrap_err()
                .contains("JOB_COMPLETION_INDEX '3'")
        );
        assert!(
            shard_from_env(3, None)
                .unwrap_err()
                .contains("JOB_COMPLETION_INDEX")
        );
    }

    #[test]
    fn split_adds_up_exactly() {
        let s = |index, count| Shard { index, count };
        assert_eq!(
            (0..3).map(|k| split(1000, s(k, 3))).collect::<Vec<_>>(),
            vec![334, 333, 333]
        );
        for total in [0u64, 1, 2, 7, 100, 1001, 99_999] {
            for count in [1u64, 2, 3, 7, 64] {
                let parts: Vec<u64> = (0..count).map(|k| split(total, s(k, count))).collect();
                assert_eq!(parts.iter().sum::<u64>(), total, "{total} over {count}");
                let (lo, hi) = (parts.iter().min().unwrap(), parts.iter().max().unwrap());
                assert!(hi - lo <= 1, "{parts:?}");
            }
        }
    }

    #[test]
    fn start_times() {
        let t = |s: &str| {
            parse_start_at(s)
                .unwrap()
                .duration_since(UNIX_EPOCH)
                .unwrap()
        };
        assert_eq!(t("1764583200"), Duration::from_secs(1_764_583_200));
        assert_eq!(t("1764583200.5"), Duration::from_millis(1_764_583_200_500));
        assert_eq!(
            t("2025-12-01T10:00:00Z"),
            Duration::from_secs(1_764_583_200)
        );
        assert_eq!(
            t("2025-12-01T11:00:00+01:00"),
            Duration::from_secs(1_764_583_200)
        );
        assert_eq!(
            t("2025-12-01T08:30:00-01:30"),
            Duration::from_secs(1_764_583_200)
        );
        assert_eq!(
            t("2025-12-01T10:00:00.250Z"),
            Duration::from_millis(1_764_583_200_250)
        );
        for bad in [
            "",
            "tomorrow",
            "2025-13-01T10:00:00Z",
            "2025-12-01T10:00:00+25:00",
            "-5",
        ] {
            let e = parse_start_at(bad).unwrap_err().to_string();
            assert!(e.contains("RFC 3339"), "{bad}: {e}");
        }
        let now = UNIX_EPOCH + Duration::from_secs(1_000_000);
        let g = Duration::from_secs(10);
        assert_eq!(
            check_start_at(now + Duration::from_secs(5), now, g),
            Ok(Duration::from_secs(5))
        );
        assert_eq!(
            check_start_at(now - Duration::from_secs(3), now, g),
            Ok(Duration::ZERO)
        );
        assert!(
            check_start_at(now - Duration::from_secs(30), now, g)
                .unwrap_err()
                .contains("ago")
        );
        assert!(
            check_start_at(now + Duration::from_secs(25 * 3600), now, g)
                .unwrap_err()
                .contains("24 hours")
        );
    }

    #[test]
    fn shard_sets() {
        let p = PlanPrint::new(BTreeMap::from([("rate".to_string(), "300".to_string())]));
        let q = PlanPrint::new(BTreeMap::from([("rate".to_string(), "600".to_string())]));
        let sh = |i| Some(Shard { index: i, count: 3 });
        let run = |n: &str, s, pr| (n.to_string(), s, Some(pr));
        let all = vec![
            run("a", sh(0), &p),
            run("b", sh(1), &p),
            run("c", sh(2), &p),
        ];
        assert_eq!(check_set(&all, 3), Ok(()));
        let e = check_set(&all[..2], 3).unwrap_err();
        assert!(e.contains("shard 2/3 missing"), "{e}");
        let dup = vec![
            run("a", sh(0), &p),
            run("b", sh(0), &p),
            run("c", sh(2), &p),
        ];
        let e = check_set(&dup, 3).unwrap_err();
        assert!(
            e.contains("1/3 missing") && e.contains("appears twice: a and b"),
            "{e}"
        );
        let other = vec![
            run("a", sh(0), &p),
            run("b", sh(1), &q),
            run("c", sh(2), &p),
        ];
        let e = check_set(&other, 3).unwrap_err();
        assert!(
            e.contains("b (shard 1/3) has another plan than a") && e.contains("rate (300 vs 600)"),
            "{e}"
        );
        let e = check_set(&[("x".to_string(), None, None)], 1).unwrap_err();
        assert!(e.contains("x is not a shard"), "{e}");
    }

    #[test]
    fn fingerprints_name_differences() {
        let f = |rate: &str| {
            PlanPrint::new(BTreeMap::from([
                ("rate".to_string(), rate.to_string()),
                ("url".to_string(), "http://a/".to_string()),
            ]))
        };
        assert_eq!(f("100").fingerprint, f("100").fingerprint);
        assert_ne!(f("100").fingerprint, f("200").fingerprint);
        assert_eq!(
            f("100").differences(&f("200")),
            vec!["rate (100 vs 200)".to_string()]
        );
    }
}
