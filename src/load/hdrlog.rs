//! `lbctl load --hdr-log FILE`: an HdrHistogram interval log (format 1.3, as written by
//! HdrHistogram's HistogramLogWriter and read by HistogramLogAnalyzer / hdr-plot), one
//! histogram per interval of the measured window. Values are microseconds; the
//! Interval_Max column is in milliseconds (max value divisor 1000).

use crate::exit::Failure;
use crate::stats::LatencyHistogram;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// An open interval log.
pub struct HdrLog {
    path: PathBuf,
    out: std::io::BufWriter<std::fs::File>,
}

impl HdrLog {
    /// Create the file and write the header; the measured window (time 0 of the log) starts
    /// `window_in` from now.
    pub fn create(path: &Path, window_in: std::time::Duration) -> anyhow::Result<HdrLog> {
        let file = std::fs::File::create(path).map_err(|e| {
            Failure::usage(format!("cannot create --hdr-log {}: {e}", path.display()))
        })?;
        let mut log = HdrLog {
            path: path.to_path_buf(),
            out: std::io::BufWriter::new(file),
        };
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| (d + window_in).as_secs_f64())
            .unwrap_or(0.0);
        let header = format!(
            "#[Logged with lbctl load {}]\n#[Histogram log format version 1.3]\n\
             #[StartTime: {now:.3} (seconds since epoch)]\n#[BaseTime: {now:.3} (seconds since epoch)]\n\
             #[Values in microseconds; Interval_Max in milliseconds]\n\
             \"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n",
            env!("CARGO_PKG_VERSION")
        );
        log.out
            .write_all(header.as_bytes())
            .map_err(|e| log.io_error(e))?;
        Ok(log)
    }

    fn io_error(&self, e: std::io::Error) -> anyhow::Error {
        Failure::runtime(format!("writing --hdr-log {}: {e}", self.path.display()))
    }

    /// Append one interval starting `start_s` seconds after the measured window began.
    pub fn write(
        &mut self,
        start_s: f64,
        length_s: f64,
        h: &LatencyHistogram,
    ) -> anyhow::Result<()> {
        let line = format!(
            "{start_s:.3},{length_s:.3},{:.3},{}\n",
            h.max_us() as f64 / 1000.0,
            h.to_base64()
        );
        self.out
            .write_all(line.as_bytes())
            .map_err(|e| self.io_error(e))
    }

    /// Flush and close.
    pub fn finish(mut self) -> anyhow::Result<()> {
        self.out.flush().map_err(|e| self.io_error(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_a_readable_log() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("run.hlog");
        let mut log = HdrLog::create(&p, std::time::Duration::ZERO).unwrap();
        let mut h = LatencyHistogram::new();
        h.record_us(1500);
        h.record_us(2500);
        log.write(0.0, 1.0, &h).unwrap();
        log.write(1.0, 1.0, &h).unwrap();
        log.finish().unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        // Read back with hdrhistogram's own interval-log parser.
        use hdrhistogram::serialization::interval_log::{IntervalLogIterator, LogEntry};
        let hists: Vec<_> = IntervalLogIterator::new(text.as_bytes())
            .filter_map(|e| match e {
                Ok(LogEntry::Interval(i)) => Some(i),
                _ => None,
            })
            .collect();
        assert_eq!(hists.len(), 2);
        assert!((hists[1].start_timestamp().as_secs_f64() - 1.0).abs() < 1e-9);
        let back = LatencyHistogram::from_base64(hists[0].encoded_histogram()).unwrap();
        assert_eq!(back.len(), 2);
        assert!(
            HdrLog::create(&dir.path().join("no/such/dir/x"), std::time::Duration::ZERO).is_err()
        );
    }
}
