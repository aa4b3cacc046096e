//! `lbctl load --hdr-log FILE`: an HdrHistogram interval log (as written by HdrHistogram's
//! HistogramLogWriter and read by HistogramLogAnalyzer / hdr-plot), one histogram per interval
//! of the measured window, written with hdrhistogram's own `serialization::interval_log`
//! writer. Values are microseconds; the Interval_Max column is in milliseconds (max value
//! divisor 1000).
//!
//! The intervals tile the measured window exactly: interval `i` starts at `i × interval`, every
//! interval but the last is one interval long, the last ends where the window ends (so the
//! lengths add up to the report's `duration_s`), an interval without a response is written
//! empty, and responses that complete after the planned window (the open model's drain) count
//! in the last interval, as they do in the report.

use crate::exit::Failure;
use crate::stats::LatencyHistogram;
use hdrhistogram::serialization::V2DeflateSerializer;
use hdrhistogram::serialization::interval_log::{IntervalLogWriter, IntervalLogWriterBuilder};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

type Out = std::io::BufWriter<std::fs::File>;

/// The open file; [`HdrLogFile::begin`] starts the log in it.
pub struct HdrLogFile {
    path: PathBuf,
    out: Out,
    serializer: V2DeflateSerializer,
    /// Wall-clock time of the measured window's start (time 0 of the log).
    start: SystemTime,
}

impl HdrLogFile {
    /// Create the file; the measured window (time 0 of the log) starts `window_in` from now.
    pub fn create(path: &Path, window_in: Duration) -> anyhow::Result<HdrLogFile> {
        let file = std::fs::File::create(path).map_err(|e| {
            Failure::usage(format!("cannot create --hdr-log {}: {e}", path.display()))
        })?;
        Ok(HdrLogFile {
            path: path.to_path_buf(),
            out: std::io::BufWriter::new(file),
            serializer: V2DeflateSerializer::new(),
            start: SystemTime::now() + window_in,
        })
    }

    /// Write the header and start the log: intervals of `interval`; `bound` is the planned end
    /// of the window when the plan fixes one (responses after it go to the last interval).
    pub fn begin(
        &mut self,
        interval: Duration,
        bound: Option<Duration>,
    ) -> anyhow::Result<HdrLog<'_>> {
        let path = self.path.as_path();
        let writer = IntervalLogWriterBuilder::new()
            .add_comment(&format!(
                "[Logged with lbctl load {}]",
                env!("CARGO_PKG_VERSION")
            ))
            .add_comment("[Histogram log format version 1.3]")
            .add_comment("[Values in microseconds; Interval_Max in milliseconds]")
            .with_start_time(self.start)
            .with_base_time(self.start)
            .with_max_value_divisor(1000.0)
            .begin_log_with(&mut self.out, &mut self.serializer)
            .map_err(|e| write_error(path, &e))?;
        Ok(HdrLog {
            path,
            writer,
            interval,
            bound,
            pending: None,
        })
    }

    /// Flush and close (after [`HdrLog::finish`]).
    pub fn close(mut self) -> anyhow::Result<()> {
        self.out.flush().map_err(|e| write_error(&self.path, &e))
    }
}

fn write_error(path: &Path, e: &dyn std::fmt::Display) -> anyhow::Error {
    Failure::runtime(format!("writing --hdr-log {}: {e}", path.display()))
}

/// A log being written: intervals arrive in order ([`HdrLog::push`]), the last one is held
/// back until the window's length is known ([`HdrLog::finish`]).
pub struct HdrLog<'a> {
    path: &'a Path,
    writer: IntervalLogWriter<'a, 'a, Out, V2DeflateSerializer>,
    interval: Duration,
    bound: Option<Duration>,
    /// The latest interval: not written yet, as it may be the last (shorter) one.
    pending: Option<(u64, LatencyHistogram)>,
}

impl HdrLog<'_> {
    fn start_of(&self, index: u64) -> Duration {
        self.interval
            .saturating_mul(u32::try_from(index).unwrap_or(u32::MAX))
    }

    fn write(&mut self, index: u64, length: Duration, h: &LatencyHistogram) -> anyhow::Result<()> {
        let start = self.start_of(index);
        self.writer
            .write_histogram(h.inner(), start, length, None)
            .map_err(|e| write_error(self.path, &e))
    }

    /// The histogram of interval `index` (intervals arrive in increasing order; an index seen
    /// again, or one past the planned window, is added to the latest interval).
    pub fn push(&mut self, index: u64, h: &LatencyHistogram) -> anyhow::Result<()> {
        let beyond = self.bound.is_some_and(|b| self.start_of(index) >= b);
        if let Some((latest, held)) = &mut self.pending
            && (index <= *latest || beyond)
        {
            return held
                .merge(h)
                .map_err(|e| write_error(self.path, &e.to_string()));
        }
        // A new interval inside the window: the held one is complete, and so is any interval
        // between them that saw no snapshot (written empty, so that the intervals tile).
        let next = match self.pending.take() {
            Some((latest, held)) => {
                self.write(latest, self.interval, &held)?;
                latest + 1
            }
            None => 0,
        };
        let empty = LatencyHistogram::new();
        for gap in next..index {
            self.write(gap, self.interval, &empty)?;
        }
        self.pending = Some((index, h.clone()));
        Ok(())
    }

    /// Write the last interval, ending where the measured `window` ends.
    pub fn finish(mut self, window: Duration) -> anyhow::Result<()> {
        if let Some((latest, held)) = self.pending.take() {
            let length = window.saturating_sub(self.start_of(latest));
            self.write(latest, length, &held)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hdrhistogram::serialization::interval_log::{IntervalLogIterator, LogEntry};

    /// (start s, length s, count) of every interval, read back with hdrhistogram's parser.
    fn read(path: &Path) -> Vec<(f64, f64, u64)> {
        let text = std::fs::read_to_string(path).unwrap();
        IntervalLogIterator::new(text.as_bytes())
            .map(|e| e.unwrap_or_else(|e| panic!("{e:?} in\n{text}")))
            .filter_map(|e| match e {
                LogEntry::Interval(i) => Some((
                    i.start_timestamp().as_secs_f64(),
                    i.duration().as_secs_f64(),
                    LatencyHistogram::from_base64(i.encoded_histogram())
                        .unwrap()
                        .len(),
                )),
                _ => None,
            })
            .collect()
    }

    fn hist(n: u64) -> LatencyHistogram {
        let mut h = LatencyHistogram::new();
        for i in 0..n {
            h.record_us(1000 + i);
        }
        h
    }

    fn log(
        bound: Option<Duration>,
        pushes: &[(u64, u64)],
        window: Duration,
    ) -> Vec<(f64, f64, u64)> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("run.hlog");
        let mut file = HdrLogFile::create(&p, Duration::ZERO).unwrap();
        let mut log = file.begin(Duration::from_secs(1), bound).unwrap();
        for &(i, n) in pushes {
            log.push(i, &hist(n)).unwrap();
        }
        log.finish(window).unwrap();
        file.close().unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.starts_with("#[Logged with lbctl load"), "{text}");
        assert!(text.contains("#[StartTime: "), "{text}");
        read(&p)
    }

    #[test]
    fn intervals_tile_the_window() {
        // -d 2s, the ticker for the second interval fired before the end: the stray index 2
        // (a response just past the window) goes to the last interval, which ends at 2.000.
        let got = log(
            Some(Duration::from_secs(2)),
            &[(0, 5), (1, 7), (2, 1)],
            Duration::from_secs(2),
        );
        assert_eq!(got, vec![(0.0, 1.0, 5), (1.0, 1.0, 8)]);
        // The same run where the ticker did not fire: the workers' final snapshots are index 1.
        let got = log(
            Some(Duration::from_secs(2)),
            &[(0, 5), (1, 8)],
            Duration::from_secs(2),
        );
        assert_eq!(got, vec![(0.0, 1.0, 5), (1.0, 1.0, 8)]);
        // -n: no planned end; the last interval is what remains of the window; a gap is empty.
        let got = log(None, &[(0, 5), (2, 3)], Duration::from_millis(2_400));
        assert_eq!(got, vec![(0.0, 1.0, 5), (1.0, 1.0, 0), (2.0, 0.4, 3)]);
        // Open model: the drain's responses (index 2, 3) belong to the last interval.
        let got = log(
            Some(Duration::from_millis(1_500)),
            &[(0, 5), (1, 2), (2, 4), (3, 1)],
            Duration::from_millis(1_500),
        );
        assert_eq!(got, vec![(0.0, 1.0, 5), (1.0, 0.5, 7)]);
    }

    #[test]
    fn an_uncreatable_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert!(HdrLogFile::create(&dir.path().join("no/such/dir/x"), Duration::ZERO).is_err());
    }
}
