//! The `lbctl` binary: parse the arguments, run the subcommand, turn its outcome into an exit code.

use clap::Parser;
use lbctl::cli::Cli;
use lbctl::exit::{ExitCode, code_of};

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
