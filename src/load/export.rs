//! `--export FILE.csv|FILE.jsonl`: one line per measured request (intended send time, actual
//! send time, latency, status, bytes, error category, `--group-by` value), streamed to the file
//! while the run goes on. Each worker thread batches its rows ([`Batch`]) and hands full batches
//! to one writer thread over a bounded channel, so memory stays bounded however long the run
//! is: a writer that falls behind makes the workers wait for it rather than grow a queue (a
//! buffered file write of a 512-row batch takes far less time than the requests in it).
//! Times are Unix microseconds, so the exports of shards started together line up.

use crate::exit::Failure;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Rows a worker gathers before handing them to the writer.
pub const BATCH: usize = 512;
/// Batches in flight between the workers and the writer.
const QUEUE: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Jsonl,
}

impl Format {
    /// By the file's extension: `.csv`, or `.jsonl`/`.ndjson`.
    pub fn of(path: &Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "jsonl" | "ndjson" => Some(Format::Jsonl),
            _ => None,
        }
    }
}

/// One measured request.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// When the plan meant to send it (open model: its slot in the schedule; closed model:
    /// when the connection was free to send it, which is when it was sent).
    pub intended_us: u64,
    pub sent_us: u64,
    /// From the intended time to the end of the response (the report's latency).
    pub latency_us: u64,
    /// 0 when there was no response.
    pub status: u16,
    pub bytes: u64,
    /// The report's error category (`connect_refused`, `http_5xx`, ...), if any.
    pub error: Option<&'static str>,
    pub group: Option<String>,
}

enum Msg {
    Rows(Vec<Row>),
    End,
}

/// The workers' end of the export: cloned into every worker thread.
#[derive(Clone)]
pub struct Sink {
    tx: SyncSender<Msg>,
    /// The run's clock in Unix time: `unix_at(instant)` = this plus the instant's offset.
    anchor: (std::time::Instant, SystemTime),
}

impl Sink {
    /// Unix microseconds of a monotonic instant (tokio's Instant is std's underneath).
    pub fn unix_us(&self, at: std::time::Instant) -> u64 {
        let (i0, s0) = self.anchor;
        let t = if at >= i0 {
            s0 + (at - i0)
        } else {
            s0 - (i0 - at)
        };
        t.duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_micros() as u64)
    }

    /// Hand a full (or final) batch to the writer; waits when the writer is behind. A writer
    /// that stopped (its file failed) drops the rows: the failure is reported at the end.
    pub fn send(&self, rows: Vec<Row>) {
        if !rows.is_empty() {
            let _ = self.tx.send(Msg::Rows(rows));
        }
    }
}

/// A worker thread's rows not yet handed over; flushed when full and when dropped.
pub struct Batch {
    sink: Sink,
    rows: Vec<Row>,
}

impl Batch {
    pub fn new(sink: Sink) -> Batch {
        Batch {
            sink,
            rows: Vec::with_capacity(BATCH),
        }
    }

    pub fn sink(&self) -> &Sink {
        &self.sink
    }

    pub fn push(&mut self, row: Row) {
        self.rows.push(row);
        if self.rows.len() >= BATCH {
            let full = std::mem::replace(&mut self.rows, Vec::with_capacity(BATCH));
            self.sink.send(full);
        }
    }
}

impl Drop for Batch {
    fn drop(&mut self) {
        self.sink.send(std::mem::take(&mut self.rows));
    }
}

/// The writer thread, joined by [`Writer::finish`] after the run.
pub struct Writer {
    path: PathBuf,
    tx: SyncSender<Msg>,
    thread: std::thread::JoinHandle<Result<u64, String>>,
}

/// Create the file (before the run, so a bad path is exit 2 before any traffic) and start
/// the writer thread.
pub fn open(path: &Path) -> anyhow::Result<(Sink, Writer)> {
    let format = Format::of(path).ok_or_else(|| {
        Failure::usage(format!(
            "--export {}: unknown file type; expected a name ending in .csv or .jsonl",
            path.display()
        ))
    })?;
    let file = std::fs::File::create(path).map_err(|e| {
        Failure::usage(format!(
            "--export {}: cannot create it: {e}",
            path.display()
        ))
    })?;
    let (tx, rx) = sync_channel(QUEUE);
    let thread = std::thread::Builder::new()
        .name("lbctl-export".into())
        .spawn(move || write_all(std::io::BufWriter::with_capacity(1 << 16, file), format, rx))
        .map_err(|e| Failure::runtime(format!("cannot start the export thread: {e}")))?;
    let sink = Sink {
        tx: tx.clone(),
        anchor: (std::time::Instant::now(), SystemTime::now()),
    };
    Ok((
        sink,
        Writer {
            path: path.to_path_buf(),
            tx,
            thread,
        },
    ))
}

impl Writer {
    /// After every worker has finished (their batches are flushed): write the rest and close
    /// the file. Ok is the number of rows written.
    pub fn finish(self) -> anyhow::Result<u64> {
        let _ = self.tx.send(Msg::End);
        let path = self.path.display().to_string();
        match self.thread.join() {
            Ok(Ok(n)) => Ok(n),
            Ok(Err(e)) => Err(Failure::runtime(format!("--export {path}: {e}"))),
            Err(_) => Err(Failure::runtime(format!(
                "--export {path}: the writer thread failed"
            ))),
        }
    }
}

fn write_all(mut out: impl Write, format: Format, rx: Receiver<Msg>) -> Result<u64, String> {
    let mut n = 0u64;
    let mut line = String::with_capacity(256);
    if format == Format::Csv {
        out.write_all(b"intended_unix_us,sent_unix_us,latency_us,status,bytes,error,group\n")
            .map_err(|e| format!("writing failed: {e}"))?;
    }
    // Ends at End, or when every sender is gone (the run failed before finishing).
    while let Ok(Msg::Rows(rows)) = rx.recv() {
        for r in &rows {
            line.clear();
            match format {
                Format::Csv => csv_line(&mut line, r),
                Format::Jsonl => json_line(&mut line, r),
            }
            out.write_all(line.as_bytes())
                .map_err(|e| format!("writing failed after {n} rows: {e}"))?;
            n += 1;
        }
    }
    out.flush()
        .map_err(|e| format!("writing failed after {n} rows: {e}"))?;
    Ok(n)
}

fn csv_line(line: &mut String, r: &Row) {
    use std::fmt::Write as _;
    let _ = write!(
        line,
        "{},{},{},{},{},{},",
        r.intended_us,
        r.sent_us,
        r.latency_us,
        r.status,
        r.bytes,
        r.error.unwrap_or("")
    );
    if let Some(g) = &r.group {
        // RFC 4180: a field with a comma or quote is quoted, quotes doubled.
        if g.contains([',', '"', '\n', '\r']) {
            line.push('"');
            line.push_str(&g.replace('"', "\"\""));
            line.push('"');
        } else {
            line.push_str(g);
        }
    }
    line.push('\n');
}

/// The fields in the CSV's order (serde_json's map would sort them).
fn json_line(line: &mut String, r: &Row) {
    use std::fmt::Write as _;
    let quoted = |v: Option<&str>| {
        v.map_or_else(
            || "null".to_string(),
            |s| serde_json::Value::from(s).to_string(),
        )
    };
    let _ = writeln!(
        line,
        "{{\"intended_unix_us\":{},\"sent_unix_us\":{},\"latency_us\":{},\"status\":{},\"bytes\":{},\"error\":{},\"group\":{}}}",
        r.intended_us,
        r.sent_us,
        r.latency_us,
        r.status,
        r.bytes,
        quoted(r.error),
        quoted(r.group.as_deref())
    );
}

/// Microseconds of a duration, saturating.
pub fn us(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(group: Option<&str>) -> Row {
        Row {
            intended_us: 10,
            sent_us: 12,
            latency_us: 5,
            status: 200,
            bytes: 3,
            error: None,
            group: group.map(str::to_string),
        }
    }

    #[test]
    fn formats_by_extension() {
        assert_eq!(Format::of(Path::new("a.CSV")), Some(Format::Csv));
        assert_eq!(Format::of(Path::new("a.jsonl")), Some(Format::Jsonl));
        assert_eq!(Format::of(Path::new("a.ndjson")), Some(Format::Jsonl));
        assert_eq!(Format::of(Path::new("a.json")), None);
        assert_eq!(Format::of(Path::new("a")), None);
    }

    #[test]
    fn csv_quotes_what_needs_it() {
        let mut l = String::new();
        csv_line(&mut l, &row(Some("a,\"b\"")));
        assert_eq!(l, "10,12,5,200,3,,\"a,\"\"b\"\"\"\n");
        l.clear();
        csv_line(
            &mut l,
            &Row {
                status: 0,
                error: Some("reset"),
                ..row(None)
            },
        );
        assert_eq!(l, "10,12,5,0,3,reset,\n");
    }

    #[test]
    fn rows_arrive_in_batches_and_all_are_written() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.jsonl");
        let (sink, writer) = open(&p).unwrap();
        let workers: Vec<_> = (0..3)
            .map(|_| {
                let s = sink.clone();
                std::thread::spawn(move || {
                    let mut b = Batch::new(s);
                    for _ in 0..1000 {
                        b.push(row(Some("g")));
                    }
                })
            })
            .collect();
        for w in workers {
            w.join().unwrap();
        }
        assert_eq!(writer.finish().unwrap(), 3000);
        let text = std::fs::read_to_string(&p).unwrap();
        assert_eq!(text.lines().count(), 3000);
        let v: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        assert_eq!(v["status"], 200);
        assert_eq!(v["group"], "g");
        assert!(v["error"].is_null());
    }

    #[test]
    fn bad_paths_are_usage_errors() {
        let e = open(Path::new("/tmp/x.txt")).err().unwrap();
        assert!(e.to_string().contains(".csv or .jsonl"), "{e}");
        let e = open(Path::new("/nonexistent/dir/x.csv")).err().unwrap();
        assert!(e.to_string().contains("cannot create"), "{e}");
    }
}
