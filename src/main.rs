//! The `lbctl` binary: parse the arguments, run the subcommand, turn its outcome into an exit code.

use clap::Parser;
use lbctl::cli::Cli;
use lbctl::exit::{ExitCode, code_of};

// The proxy's per-request allocations (hyper heads, header maps, channels) cost ~5% of its CPU
// in glibc malloc; mimalloc's thread-local free lists halve that.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = Cli::parse();
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
