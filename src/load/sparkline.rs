//! The terminal report's per-second latency sparkline (`p99/s  1.2ms ▁▂▂▇█▃▁ 48ms`): the p99
//! of each second of the run from the report's `per_second` entries, in Unicode block
//! characters between min and max labels. Longer runs are folded to the width by keeping the
//! worst second of each column (a spike must not be averaged away). render.rs prints it when
//! stdout is a terminal; colour only when the colour policy allows (NO_COLOR).

use super::per_second::PerSecond;

const BLOCKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// At most `width` block characters for `values`, scaled from their min to their max; each
/// character shows the largest value of the seconds it covers.
pub fn blocks(values: &[f64], width: usize) -> String {
    if values.is_empty() || width == 0 {
        return String::new();
    }
    let columns = values.len().min(width);
    let folded: Vec<f64> = (0..columns)
        .map(|c| {
            let from = c * values.len() / columns;
            let to = ((c + 1) * values.len() / columns).max(from + 1);
            values[from..to].iter().copied().fold(f64::MIN, f64::max)
        })
        .collect();
    let lo = folded.iter().copied().fold(f64::MAX, f64::min);
    let hi = folded.iter().copied().fold(f64::MIN, f64::max);
    folded
        .iter()
        .map(|&v| {
            if hi - lo <= f64::EPSILON {
                return BLOCKS[0];
            }
            let level = ((v - lo) / (hi - lo) * (BLOCKS.len() - 1) as f64).round() as usize;
            BLOCKS[level.min(BLOCKS.len() - 1)]
        })
        .collect()
}

/// The sparkline line of a run: `p99/s  MIN ▁▂█▁ MAX  (N s)`, or None when the run has
/// fewer than two seconds with responses. `color` wraps the blocks in cyan (and the seconds
/// with errors are counted on the line, as a sparkline cannot show them).
pub fn line(p: &PerSecond, width: usize, color: bool) -> Option<String> {
    let with_data: Vec<&super::per_second::Second> =
        p.seconds.iter().filter(|s| s.requests > 0).collect();
    if with_data.len() < 2 {
        return None;
    }
    let values: Vec<f64> = p.seconds.iter().map(|s| s.p99_ms).collect();
    let lo = with_data.iter().map(|s| s.p99_ms).fold(f64::MAX, f64::min);
    let hi = values.iter().copied().fold(f64::MIN, f64::max);
    let spark = blocks(&values, width);
    let spark = if color {
        format!("\x1b[36m{spark}\x1b[0m")
    } else {
        spark
    };
    // Counts in seconds whatever the bucket length (a coarsened run's buckets are longer).
    let b = p.bucket_s.max(1) as usize;
    let erring = if b == 1 {
        p.seconds.iter().filter(|s| s.errors > 0).count()
    } else {
        let s: f64 = p
            .seconds
            .iter()
            .filter(|s| s.errors > 0)
            .map(|s| s.length_s)
            .sum();
        s.round() as usize
    };
    let fmt = |ms: f64| {
        crate::spec::format_duration(std::time::Duration::from_secs_f64(ms.max(0.0) / 1000.0))
    };
    let folded = if p.seconds.len() > width {
        format!(", {} s per column", p.seconds.len().div_ceil(width) * b)
    } else {
        String::new()
    };
    let errors = if erring > 0 {
        format!(", {erring} s with errors")
    } else {
        String::new()
    };
    let per = if b == 1 {
        "second".to_string()
    } else {
        format!("{b} s")
    };
    let span: f64 = p.seconds.iter().map(|s| s.length_s).sum();
    Some(format!(
        "p99 per {per}  {} {spark} {}  ({} s{folded}{errors})",
        fmt(lo),
        fmt(hi),
        if b == 1 {
            p.seconds.len()
        } else {
            span.round() as usize
        }
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::per_second::Second;
    use crate::stats::LatencyHistogram;

    fn run(p99s: &[u64], errors_at: Option<usize>) -> PerSecond {
        let seconds = p99s
            .iter()
            .enumerate()
            .map(|(i, &us)| {
                let mut h = LatencyHistogram::new();
                h.record_us(us);
                let errors = u64::from(errors_at == Some(i));
                Second::new(i as u64, 1.0, 1, errors, &h)
            })
            .collect();
        PerSecond {
            start_unix: 0.0,
            bucket_s: 1,
            seconds,
        }
    }

    #[test]
    fn blocks_scale_from_min_to_max() {
        assert_eq!(blocks(&[1.0, 2.0, 3.0, 8.0], 10), "▁▂▃█");
        assert_eq!(blocks(&[5.0, 5.0, 5.0], 10), "▁▁▁");
        assert_eq!(blocks(&[], 10), "");
        assert_eq!(blocks(&[1.0, 2.0], 0), "");
    }

    #[test]
    fn long_runs_fold_keeping_the_worst_second() {
        // 8 seconds in 4 columns: the spike at second 5 survives the fold.
        let v = [1.0, 1.0, 1.0, 1.0, 1.0, 9.0, 1.0, 1.0];
        assert_eq!(blocks(&v, 4), "▁▁█▁");
        assert_eq!(blocks(&v, 4).chars().count(), 4);
        let long: Vec<f64> = (0..3600).map(|i| i as f64).collect();
        assert_eq!(blocks(&long, 60).chars().count(), 60);
    }

    #[test]
    fn line_has_labels_and_honours_colour() {
        let p = run(&[1000, 2000, 48_000], Some(1));
        let plain = line(&p, 60, false).unwrap();
        assert!(
            plain.starts_with("p99 per second  1.00ms ▁▁█ 48.0ms"),
            "{plain}"
        );
        assert!(plain.contains("(3 s, 1 s with errors)"), "{plain}");
        assert!(!plain.contains('\x1b'));
        let coloured = line(&p, 60, true).unwrap();
        assert!(coloured.contains("\x1b[36m▁▁█\x1b[0m"), "{coloured}");
        let folded = line(&run(&[1000; 10], None), 4, false).unwrap();
        assert!(folded.contains("(10 s, 3 s per column)"), "{folded}");
        // A coarsened run speaks of its bucket length and counts in seconds.
        let mut coarse = run(&[1000, 2000, 3000, 4000], Some(3));
        coarse.bucket_s = 8;
        for (i, s) in coarse.seconds.iter_mut().enumerate() {
            (s.t, s.length_s) = (i as u64 * 8, if i == 3 { 4.0 } else { 8.0 });
        }
        let c = line(&coarse, 60, false).unwrap();
        assert!(c.starts_with("p99 per 8 s  1.00ms"), "{c}");
        assert!(c.contains("(28 s, 4 s with errors)"), "{c}");
        // One second is no line.
        assert!(line(&run(&[1000], None), 60, false).is_none());
    }
}
