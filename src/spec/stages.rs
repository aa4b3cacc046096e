//! Staged plans for `lbctl load --stage` (k6's ramping-arrival-rate and ramping-vus
//! executors, <https://grafana.com/docs/k6/latest/using-k6/scenarios/executors/>): the
//! `DURATION:FROM[..TO]` specs, and the two timelines they describe.
//!
//! Open model (`30s:100/s`, `2m:100/s..2000/s`, `30s:0/s`): the rate is piecewise linear in
//! time, so the planned count C(t) is piecewise quadratic, and request i is due at the first
//! instant C(t) exceeds i ([`Schedule`]; with a constant rate that is wrk2's i / rate). A
//! 0/s stage sends nothing and only takes its time. Closed model (`1m:10..200`): the number
//! of active connections follows the ramp ([`ConnectionRamp`]), slot j being active while
//! j < the interpolated count. load's engine.rs and grow.rs ask these for due times and
//! activity; `sim` draws its staged arrivals from the same [`Schedule`].

use super::duration::parse_duration;
use super::error::SpecError;
use super::rate::parse_rate;
use std::time::Duration;

const EXPECTED: &str = "DURATION:RATE[..RATE] for the open model (30s:100/s, 2m:100/s..2000/s, \
30s:0/s) or DURATION:N[..N] connections for the closed model (1m:10..200)";

/// Bounds that keep a plan sane (and every Instant far from overflow).
const MAX_TOTAL: Duration = Duration::from_secs(30 * 24 * 3600);
const MAX_RATE: f64 = 10_000_000.0;
const MAX_CONNECTIONS: u64 = 100_000;
pub const MAX_STAGES: usize = 100;

/// What a stage ramps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Ramp {
    /// Requests per second, from .. to (open model).
    Rate { from: f64, to: f64 },
    /// Active connections, from .. to (closed model).
    Connections { from: u64, to: u64 },
}

/// One `--stage`.
#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    pub duration: Duration,
    pub ramp: Ramp,
    /// As typed (for the report and the plan fingerprint).
    pub text: String,
}

/// Parse one `--stage DURATION:FROM[..TO]`.
pub fn parse_stage(s: &str) -> Result<Stage, SpecError> {
    let err = |problem: String| SpecError::new("stage", s, problem, EXPECTED);
    let t = s.trim();
    let (dur, target) = t
        .split_once(':')
        .ok_or_else(|| err("there is no ':' between the duration and the target".into()))?;
    let duration = parse_duration(dur).map_err(|e| err(format!("duration: {}", e.problem)))?;
    if duration.is_zero() {
        return Err(err("the duration is zero".into()));
    }
    if duration > MAX_TOTAL {
        return Err(err("the duration is longer than 30 days".into()));
    }
    let (from, to) = match target.split_once("..") {
        Some((a, b)) => (a.trim(), b.trim()),
        None => (target.trim(), target.trim()),
    };
    let is_rate = |v: &str| v.contains('/');
    let ramp = match (is_rate(from), is_rate(to)) {
        (true, true) => Ramp::Rate {
            from: stage_rate(from).map_err(err)?,
            to: stage_rate(to).map_err(err)?,
        },
        (false, false) => Ramp::Connections {
            from: stage_connections(from).map_err(err)?,
            to: stage_connections(to).map_err(err)?,
        },
        _ => {
            return Err(err(
                "it mixes a rate (with /s) and a connection count (without)".into(),
            ));
        }
    };
    Ok(Stage {
        duration,
        ramp,
        text: t.to_string(),
    })
}

/// A stage's rate: a rate spec, or zero (`0/s`), which parse_rate refuses.
fn stage_rate(v: &str) -> Result<f64, String> {
    let count = v.split_once('/').map(|(c, _)| c.trim()).unwrap_or(v);
    let r = if count.parse::<f64>().is_ok_and(|c| c == 0.0) {
        0.0
    } else {
        parse_rate(v)
            .map_err(|e| format!("rate '{v}': {}", e.problem))?
            .per_second()
    };
    if r > MAX_RATE {
        return Err(format!("rate '{v}' is above 10000000/s"));
    }
    Ok(r)
}

fn stage_connections(v: &str) -> Result<u64, String> {
    let n: u64 = v
        .parse()
        .map_err(|_| format!("'{v}' is not a connection count (or a rate such as 100/s)"))?;
    if n > MAX_CONNECTIONS {
        return Err(format!("{n} connections is above 100000"));
    }
    Ok(n)
}

/// Check a list of stages as a whole: one model, a sane length, something to send.
/// Returns whether it is the open model.
pub fn check_stages(stages: &[Stage]) -> Result<bool, String> {
    let Some(first) = stages.first() else {
        return Err("no stage".into());
    };
    if stages.len() > MAX_STAGES {
        return Err(format!(
            "{} stages; expected at most {MAX_STAGES}",
            stages.len()
        ));
    }
    let open = matches!(first.ramp, Ramp::Rate { .. });
    if let Some(other) = stages
        .iter()
        .find(|s| matches!(s.ramp, Ramp::Rate { .. }) != open)
    {
        return Err(format!(
            "--stage '{}' and --stage '{}' mix the open model (a rate such as 100/s) and the \
             closed model (a connection count); expected every stage in one form",
            first.text, other.text
        ));
    }
    let total: Duration = stages.iter().map(|s| s.duration).sum();
    if total > MAX_TOTAL {
        return Err("the stages add up to more than 30 days; expected shorter stages".into());
    }
    let sends = stages.iter().any(|s| match s.ramp {
        Ramp::Rate { from, to } => from > 0.0 || to > 0.0,
        Ramp::Connections { from, to } => from > 0 || to > 0,
    });
    if !sends {
        return Err("every stage is at zero; expected at least one stage that sends".into());
    }
    Ok(open)
}

/// One linear piece of a rate timeline.
#[derive(Debug, Clone, Copy)]
struct Segment {
    start: f64,
    len: f64,
    r0: f64,
    r1: f64,
    /// Planned count when the segment starts and ends.
    c0: f64,
    c1: f64,
}

impl Segment {
    /// Seconds into this segment at which the planned count first exceeds `i` (which lies in
    /// [c0, c1)): the root of c0 + r0 t + (r1 - r0) / (2 len) t^2 = i, in the form that stays
    /// exact when the ramp is flat or starts at zero.
    fn solve(&self, i: f64) -> f64 {
        let d = i - self.c0;
        if d <= 0.0 {
            return 0.0;
        }
        let a = (self.r1 - self.r0) / (2.0 * self.len);
        let disc = (self.r0 * self.r0 + 4.0 * a * d).max(0.0);
        let t = 2.0 * d / (self.r0 + disc.sqrt());
        t.clamp(0.0, self.len)
    }

    /// Planned count `t` seconds into this segment.
    fn count_at(&self, t: f64) -> f64 {
        let t = t.clamp(0.0, self.len);
        self.c0 + self.r0 * t + (self.r1 - self.r0) / (2.0 * self.len) * t * t
    }
}

/// The open model's plan: when each request is due, for the whole plan or one shard of it.
#[derive(Debug, Clone)]
pub struct Schedule {
    segments: Vec<Segment>,
    /// Requests of the whole plan (all shards), due before the end of the plan.
    global: u64,
    /// Of those, due before the measured window (warmup).
    warm: u64,
    /// This shard takes the requests i with i mod count == index.
    shard_index: u64,
    shard_count: u64,
}

/// A count of the form ceil(x) that forgives the float error of x (1000.0000000002 is 1000).
fn planned_count(x: f64) -> u64 {
    (x - 1e-6).ceil().max(0.0) as u64
}

impl Schedule {
    /// A constant rate over `span` seconds (warmup included), `warmup` seconds of it unrecorded.
    pub fn constant(rate: f64, span: f64, warmup: f64) -> Schedule {
        let seg = Segment {
            start: 0.0,
            len: span.max(1e-9),
            r0: rate,
            r1: rate,
            c0: 0.0,
            c1: rate * span,
        };
        Schedule {
            global: planned_count(rate * span),
            warm: planned_count(rate * warmup),
            segments: vec![seg],
            shard_index: 0,
            shard_count: 1,
        }
    }

    /// The stages' rate timeline (every stage must be a rate stage).
    pub fn staged(stages: &[Stage]) -> Schedule {
        let mut segments = Vec::with_capacity(stages.len());
        let (mut start, mut count) = (0.0f64, 0.0f64);
        for s in stages {
            let (r0, r1) = match s.ramp {
                Ramp::Rate { from, to } => (from, to),
                Ramp::Connections { .. } => (0.0, 0.0),
            };
            let len = s.duration.as_secs_f64();
            let c1 = count + (r0 + r1) / 2.0 * len;
            segments.push(Segment {
                start,
                len,
                r0,
                r1,
                c0: count,
                c1,
            });
            start += len;
            count = c1;
        }
        Schedule {
            global: planned_count(count),
            warm: 0,
            segments,
            shard_index: 0,
            shard_count: 1,
        }
    }

    /// This schedule restricted to shard `index` of `count`.
    pub fn shard(mut self, index: u64, count: u64) -> Schedule {
        self.shard_index = index;
        self.shard_count = count.max(1);
        self
    }

    /// Seconds from the plan's start at which request `i` of the whole plan is due, and the
    /// index of the stage it falls in.
    pub fn due_global(&self, i: u64) -> (f64, usize) {
        let x = i as f64;
        if let [only] = self.segments.as_slice()
            && only.r0 == only.r1
        {
            // The constant plan: exactly wrk2's i / rate (and no search on the hot path).
            return (x / only.r0, 0);
        }
        // The first segment whose end count exceeds i (a 0/s segment never does).
        let s = self
            .segments
            .partition_point(|seg| seg.c1 <= x)
            .min(self.segments.len() - 1);
        let seg = &self.segments[s];
        (seg.start + seg.solve(x), s)
    }

    /// This shard's `local`-th request: its index in the whole plan, due time (seconds from
    /// the start) and stage; None past the end of the plan.
    pub fn due(&self, local: u64) -> Option<(u64, f64, usize)> {
        let i = self
            .shard_index
            .checked_add(local.checked_mul(self.shard_count)?)?;
        if i >= self.global {
            return None;
        }
        let (t, s) = self.due_global(i);
        Some((i, t, s))
    }

    /// Requests i < n of the whole plan that fall to this shard.
    fn mine_below(&self, n: u64) -> u64 {
        if n > self.shard_index {
            (n - self.shard_index).div_ceil(self.shard_count)
        } else {
            0
        }
    }

    /// This shard's planned requests (warmup included).
    pub fn planned(&self) -> u64 {
        self.mine_below(self.global)
    }

    /// This shard's planned requests in the measured window.
    pub fn planned_measured(&self) -> u64 {
        self.planned() - self.mine_below(self.warm)
    }

    /// The whole plan's requests due in stage `s` (a stage's planned count).
    pub fn planned_in_stage(&self, s: usize) -> u64 {
        let Some(seg) = self.segments.get(s) else {
            return 0;
        };
        let end = planned_count(seg.c1).min(self.global);
        let start = planned_count(seg.c0).min(end);
        self.mine_below(end) - self.mine_below(start)
    }

    /// The planned count of the whole plan at `t` seconds (for tests and progress).
    pub fn count_at(&self, t: f64) -> f64 {
        let s = self
            .segments
            .partition_point(|seg| seg.start + seg.len <= t)
            .min(self.segments.len() - 1);
        self.segments[s].count_at(t - self.segments[s].start)
    }

    /// The target rate at `t` seconds, and the stage it is in.
    pub fn rate_at(&self, t: f64) -> (f64, usize) {
        let s = self
            .segments
            .partition_point(|seg| seg.start + seg.len <= t)
            .min(self.segments.len() - 1);
        let seg = &self.segments[s];
        let f = ((t - seg.start) / seg.len).clamp(0.0, 1.0);
        (seg.r0 + (seg.r1 - seg.r0) * f, s)
    }
}

/// The closed model's ramp of active connections, in slots of the whole plan (shard k of N
/// runs the plan's slots j with j mod N == k, so the shards' active slots add up to the plan's).
#[derive(Debug, Clone)]
pub struct ConnectionRamp {
    /// (start, length, from, to) per stage, in seconds.
    pieces: Vec<(f64, f64, u64, u64)>,
}

impl ConnectionRamp {
    pub fn new(stages: &[Stage]) -> ConnectionRamp {
        let mut start = 0.0;
        let pieces = stages
            .iter()
            .map(|s| {
                let (a, b) = match s.ramp {
                    Ramp::Connections { from, to } => (from, to),
                    Ramp::Rate { .. } => (0, 0),
                };
                let len = s.duration.as_secs_f64();
                let p = (start, len, a, b);
                start += len;
                p
            })
            .collect();
        ConnectionRamp { pieces }
    }

    /// The most connections any stage asks for (the slots to create).
    pub fn max(&self) -> u64 {
        self.pieces.iter().map(|p| p.2.max(p.3)).max().unwrap_or(0)
    }

    /// The stage at `t` seconds (the last one past the end).
    pub fn stage_at(&self, t: f64) -> usize {
        self.pieces
            .partition_point(|p| p.0 + p.1 <= t)
            .min(self.pieces.len().saturating_sub(1))
    }

    /// Active connections at `t` seconds: the ramp's value, rounded to the nearest.
    pub fn active(&self, t: f64) -> u64 {
        let Some(&(start, len, a, b)) = self.pieces.get(self.stage_at(t)) else {
            return 0;
        };
        let f = ((t - start) / len).clamp(0.0, 1.0);
        let x = a as f64 + (b as f64 - a as f64) * f;
        (x + 0.5 + 1e-9).floor().max(0.0) as u64
    }

    /// The first time at or after `t` at which slot `j` is active; None if never again.
    pub fn next_active(&self, j: u64, t: f64) -> Option<f64> {
        if j < self.active(t) {
            return Some(t);
        }
        let first = self.stage_at(t);
        for &(start, len, a, b) in &self.pieces[first..] {
            let from = t.max(start);
            if j < a && from <= start {
                return Some(start);
            }
            if b > a && j < b {
                // j < round(a + (b - a) f)  <=>  a + (b - a) f >= j + 1/2.
                let f = (j as f64 + 0.5 - a as f64) / (b - a) as f64;
                let at = start + f * len;
                if at >= from && at < start + len {
                    return Some(at);
                }
            }
        }
        None
    }

    /// A stage's (from, to) connections.
    pub fn stage_connections(&self, s: usize) -> (u64, u64) {
        self.pieces.get(s).map(|p| (p.2, p.3)).unwrap_or((0, 0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stages(specs: &[&str]) -> Vec<Stage> {
        specs.iter().map(|s| parse_stage(s).unwrap()).collect()
    }

    /// The planned count at t by numeric integration of the rate (midpoint rule, fine steps).
    fn integrate(st: &[Stage], t: f64) -> f64 {
        let sched = Schedule::staged(st);
        let steps = 200_000;
        let dt = t / steps as f64;
        (0..steps)
            .map(|k| sched.rate_at((k as f64 + 0.5) * dt).0 * dt)
            .sum()
    }

    #[test]
    fn parses_stage_forms() {
        let s = parse_stage("30s:100/s").unwrap();
        assert_eq!(s.duration, Duration::from_secs(30));
        assert_eq!(
            s.ramp,
            Ramp::Rate {
                from: 100.0,
                to: 100.0
            }
        );
        let s = parse_stage("2m:100/s..2000/s").unwrap();
        assert_eq!(
            s.ramp,
            Ramp::Rate {
                from: 100.0,
                to: 2000.0
            }
        );
        assert_eq!(
            parse_stage("30s:0/s").unwrap().ramp,
            Ramp::Rate { from: 0.0, to: 0.0 }
        );
        assert_eq!(
            parse_stage("1m:10..200").unwrap().ramp,
            Ramp::Connections { from: 10, to: 200 }
        );
        assert_eq!(
            parse_stage("1m:6000/m").unwrap().ramp,
            Ramp::Rate {
                from: 100.0,
                to: 100.0
            }
        );
    }

    #[test]
    fn rejects_bad_stages_naming_the_value() {
        for bad in [
            "",
            "30s",
            "30s:",
            "x:100/s",
            "0s:100/s",
            "30s:abc/s",
            "30s:-1/s",
            "30s:100/s..200",
            "30s:10..x",
            "30s:-3",
            "30s:200000",
            "1000d:1/s",
        ] {
            let e = parse_stage(bad).unwrap_err().to_string();
            assert!(e.contains(&format!("'{bad}'")), "{bad}: {e}");
            assert!(e.contains("expected DURATION:RATE"), "{bad}: {e}");
        }
        let mixed = stages(&["10s:100/s", "10s:5..10"]);
        assert!(check_stages(&mixed).unwrap_err().contains("mix"));
        assert!(check_stages(&stages(&["10s:0/s"])).is_err());
        assert_eq!(check_stages(&stages(&["10s:0/s", "1s:1/s"])), Ok(true));
        assert_eq!(check_stages(&stages(&["10s:0..4"])), Ok(false));
    }

    #[test]
    fn inversion_matches_numeric_integration() {
        let st = stages(&["2s:100/s", "3s:100/s..600/s", "1s:0/s", "2s:500/s..0/s"]);
        let sched = Schedule::staged(&st);
        // Total: 200 + 1050 + 0 + 500.
        assert_eq!(sched.planned(), 1750);
        for i in [0u64, 1, 199, 200, 201, 700, 1249, 1250, 1251, 1600, 1749] {
            let (t, s) = sched.due_global(i);
            let c = integrate(&st, t);
            // The count reaches i exactly at the due time (to the integration's precision)...
            assert!((c - i as f64).abs() < 0.01, "i {i}: t {t}, integral {c}");
            // ... and no request is due inside the 0/s stage (5 s .. 6 s).
            assert!(!(5.0 + 1e-9..6.0 - 1e-9).contains(&t), "i {i} at {t}");
            assert!(s != 2, "i {i} in the 0/s stage");
        }
        // Due times are strictly increasing, and the first after the pause is at its end.
        let mut last = -1.0;
        for i in 0..1750 {
            let (t, _) = sched.due_global(i);
            assert!(t > last, "{i}: {t} after {last}");
            last = t;
        }
        assert!((sched.due_global(1250).0 - 6.0).abs() < 1e-9);
        assert_eq!(sched.due(1750), None);
        // A plan that begins with a pause sends its first request at the pause's end.
        let paused = Schedule::staged(&stages(&["1500ms:0/s", "1s:10/s"]));
        assert!((paused.due_global(0).0 - 1.5).abs() < 1e-9);
        assert_eq!(paused.planned(), 10);
        // The constant plan is wrk2's i / rate.
        let c = Schedule::constant(200.0, 5.0, 0.0);
        assert_eq!(c.due_global(7).0, 7.0 / 200.0);
        assert_eq!(c.planned(), 1000);
    }

    #[test]
    fn ramp_from_zero_and_down_to_zero() {
        let st = stages(&["10s:0/s..100/s", "10s:100/s..0/s"]);
        let sched = Schedule::staged(&st);
        assert_eq!(sched.planned(), 1000);
        // C(t) = 5 t^2 on the way up: request 500 at t = 10.
        assert!((sched.due_global(500).0 - 10.0).abs() < 1e-9);
        assert!((sched.due_global(20).0 - 2.0).abs() < 1e-9);
        for i in [1u64, 499, 999] {
            let (t, _) = sched.due_global(i);
            assert!((integrate(&st, t) - i as f64).abs() < 0.01, "{i} at {t}");
        }
        assert_eq!(sched.planned_in_stage(0), 500);
        assert_eq!(sched.planned_in_stage(1), 500);
    }

    #[test]
    fn shards_partition_the_schedule() {
        let st = stages(&["1s:100/s", "2s:100/s..301/s"]);
        let whole = Schedule::staged(&st);
        let mut union = Vec::new();
        let mut planned = 0;
        for k in 0..3 {
            let s = whole.clone().shard(k, 3);
            planned += s.planned();
            let mut m = 0;
            while let Some((i, t, _)) = s.due(m) {
                assert_eq!(i % 3, k);
                union.push((i, t));
                m += 1;
            }
            assert_eq!(m, s.planned());
        }
        assert_eq!(planned, whole.planned());
        union.sort_by_key(|p| p.0);
        let expected: Vec<(u64, f64)> = (0..whole.planned())
            .map(|i| (i, whole.due_global(i).0))
            .collect();
        assert_eq!(union, expected);
        // Per-stage planned counts add up too.
        for st in 0..2 {
            let sum: u64 = (0..3)
                .map(|k| whole.clone().shard(k, 3).planned_in_stage(st))
                .sum();
            assert_eq!(sum, whole.planned_in_stage(st), "stage {st}");
        }
    }

    #[test]
    fn connection_ramp() {
        let r = ConnectionRamp::new(&stages(&["10s:2..12", "5s:12", "5s:12..0"]));
        assert_eq!(r.max(), 12);
        assert_eq!(r.active(0.0), 2);
        assert_eq!(r.active(5.0), 7);
        assert_eq!(r.active(12.0), 12);
        assert_eq!(r.active(17.5), 6);
        assert_eq!(r.stage_at(12.0), 1);
        // Slot 0 and 1 are active from the start, slot 6 once the ramp passes 6.5.
        assert_eq!(r.next_active(1, 0.0), Some(0.0));
        assert!((r.next_active(6, 0.0).unwrap() - 4.5).abs() < 1e-9);
        assert!((r.next_active(11, 3.0).unwrap() - 9.5).abs() < 1e-9);
        // On the way down slot 11 leaves for good.
        assert_eq!(r.next_active(11, 16.0), None);
        let up = ConnectionRamp::new(&stages(&["4s:0", "4s:4"]));
        assert_eq!(up.next_active(3, 0.0), Some(4.0));
    }
}
