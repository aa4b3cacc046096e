//! Presentation shared by every subcommand: the colour policy (`--color`, `NO_COLOR`), tables
//! (comfy-table), progress bars on stderr (indicatif), JSON to stdout, and broken-pipe handling.
//! Cores never print; subcommands print through these.
//!
//! May import: `cli` (the colour flag). No core imports it.

use crate::cli::{ColorWhen, GlobalOpts};
use comfy_table::{ContentArrangement, Table, presets};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::time::Duration;

/// Whether to colour output going to a stream: `--color always/never` win; `auto` colours a
/// terminal unless `NO_COLOR` is set to anything non-empty (<https://no-color.org>).
pub fn use_color(when: ColorWhen, is_terminal: bool) -> bool {
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    }
}

/// Colour for stdout under the global options.
pub fn stdout_color(global: &GlobalOpts) -> bool {
    use_color(global.color, std::io::stdout().is_terminal())
}

/// A table in lbctl's style: UTF-8 borders on a terminal, plain ASCII otherwise.
pub fn new_table(header: &[&str]) -> Table {
    let mut t = Table::new();
    if std::io::stdout().is_terminal() {
        t.load_preset(presets::UTF8_FULL_CONDENSED);
    } else {
        t.load_preset(presets::ASCII_MARKDOWN);
    }
    t.set_content_arrangement(ContentArrangement::Dynamic);
    t.set_header(header.iter().copied());
    t
}

/// A small inline bar (`████▌`) for a share in [0, 1] scaled to `width` cells.
pub fn bar(fraction: f64, width: usize) -> String {
    const PARTS: [&str; 8] = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];
    let f = if fraction.is_finite() {
        fraction.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let eighths = (f * width as f64 * 8.0).round() as usize;
    let mut s = "█".repeat(eighths / 8);
    s.push_str(PARTS[eighths % 8]);
    s
}

/// Print a serializable value as pretty JSON on stdout.
pub fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(())
}

/// Print one JSON value as a single line (JSON Lines) on stdout.
pub fn print_json_line<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, value)?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(())
}

/// Progress is drawn only on a terminal stderr and never with `--quiet`.
pub fn progress_enabled(global: &GlobalOpts) -> bool {
    !global.quiet && std::io::stderr().is_terminal()
}

/// A progress bar on stderr (hidden when progress is disabled). `len` None is a spinner.
pub fn progress(global: &GlobalOpts, len: Option<u64>, template: &str) -> ProgressBar {
    let pb = match len {
        Some(n) => ProgressBar::new(n),
        None => ProgressBar::new_spinner(),
    };
    if progress_enabled(global) {
        pb.set_draw_target(ProgressDrawTarget::stderr_with_hz(8));
        if let Ok(style) = ProgressStyle::with_template(template) {
            pb.set_style(style);
        }
        pb.enable_steady_tick(Duration::from_millis(125));
    } else {
        pb.set_draw_target(ProgressDrawTarget::hidden());
    }
    pb
}

/// Informational message on stderr, suppressed by `--quiet`.
pub fn info(global: &GlobalOpts, msg: impl AsRef<str>) {
    if !global.quiet {
        eprintln!("{}", msg.as_ref());
    }
}

/// True when the error is a write to a closed pipe (`lbctl ... | head`): not a failure.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        let io = c
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe);
        // serde_json wraps the writer's io::Error in its own error type.
        let json = c
            .downcast_ref::<serde_json::Error>()
            .is_some_and(|e| e.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe));
        io || json
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn color_policy() {
        assert!(use_color(ColorWhen::Always, false));
        assert!(!use_color(ColorWhen::Never, true));
        assert!(!use_color(ColorWhen::Auto, false));
    }

    #[test]
    fn bars() {
        assert_eq!(bar(1.0, 4), "████");
        assert_eq!(bar(0.0, 4), "");
        assert_eq!(bar(0.5, 3), "█▌");
        assert_eq!(bar(f64::NAN, 3), "");
        assert_eq!(bar(7.0, 2), "██");
    }

    #[test]
    fn broken_pipe_detected() {
        let e = anyhow::Error::new(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
        assert!(is_broken_pipe(&e.context("writing")));
        assert!(!is_broken_pipe(&anyhow::anyhow!("x")));
        let json = serde_json::Error::io(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
        assert!(is_broken_pipe(&anyhow::Error::new(json)));
    }
}
