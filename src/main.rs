//! The `lbctl` binary: parse the arguments, run the subcommand, turn its outcome into an exit code.

use clap::Parser;
use lbctl::cli::Cli;
use lbctl::exit::{ExitCode, code_of};

// The proxy's per-request allocations (hyper heads, header maps, channels) cost ~5% of its CPU
// in glibc malloc; mimalloc's thread-local free lists halve that.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        // `probe --output nagios` is a nagios plugin even when clap rejects the command line:
        // UNKNOWN, exit 3, one line on stdout (Nagios plugin development guidelines).
        Err(e) if e.use_stderr() && lbctl::probe::nagios_requested(&args) => {
            let rendered = e.render().to_string();
            let first = rendered.lines().next().unwrap_or("invalid arguments");
            println!(
                "{}",
                lbctl::probe::nagios_unknown(first.strip_prefix("error: ").unwrap_or(first))
            );
            std::process::exit(ExitCode::Runtime.code());
        }
        Err(e) => e.exit(),
    };
    let code = match lbctl::run(cli) {
        Ok(code) => code,
        Err(err) => {
            let code = code_of(&err);
            if !lbctl::output::is_broken_pipe(&err) {
                eprintln!("lbctl: error: {err:#}");
                code
            } else {
                ExitCode::Success
            }
        }
    };
    std::process::exit(code.code());
}
