//! Exit codes and the error type: the one place where a failure becomes a number.
//!
//! Every subcommand returns `Result<ExitCode, anyhow::Error>`. A successful run picks its own
//! code (0, or 1 when the check/SLO/comparison it evaluated failed); an error carries its code
//! in a [`Failure`] (or is a [`crate::spec::SpecError`], which is always bad input), and any other
//! error is a runtime failure. The table below is documented in README.md and `lbctl(1)`.

use std::fmt;

/// The documented exit codes of `lbctl`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ExitCode {
    /// Everything asked for worked and every check passed.
    Success = 0,
    /// The run worked, but a check, SLO or comparison it evaluated failed.
    CheckFailed = 1,
    /// Usage error or bad input (flags, specs, files): nothing was run.
    Usage = 2,
    /// Runtime failure: could not bind, connect to a required resource, read or write a file.
    Runtime = 3,
    /// `load`: the generator could not keep its planned send schedule; the numbers are not valid.
    InvalidRun = 4,
}

impl ExitCode {
    /// The process exit status.
    pub fn code(self) -> i32 {
        self as i32
    }

    /// The table shown in `lbctl --help`, README.md and the man page.
    pub const TABLE: &'static [(i32, &'static str)] = &[
        (
            0,
            "success: everything asked for worked and every check passed",
        ),
        (
            1,
            "a check, SLO or comparison failed (the run itself worked)",
        ),
        (
            2,
            "usage error or bad input (flags, specs, files); nothing was run",
        ),
        (
            3,
            "runtime failure (could not bind, connect, read or write)",
        ),
        (
            4,
            "load: the generator could not keep its schedule; results are invalid",
        ),
    ];
}

/// An error with an explicit exit code and a one-line message for the user.
#[derive(Debug)]
pub struct Failure {
    pub code: ExitCode,
    pub message: String,
}

impl Failure {
    /// Bad input: exit 2.
    pub fn usage(message: impl Into<String>) -> anyhow::Error {
        anyhow::Error::new(Failure {
            code: ExitCode::Usage,
            message: message.into(),
        })
    }

    /// Runtime failure: exit 3.
    pub fn runtime(message: impl Into<String>) -> anyhow::Error {
        anyhow::Error::new(Failure {
            code: ExitCode::Runtime,
            message: message.into(),
        })
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// The exit code an error maps to: its own for [`Failure`], 2 for any spec (input) error
/// anywhere in its chain, 3 otherwise.
pub fn code_of(err: &anyhow::Error) -> ExitCode {
    for cause in err.chain() {
        if let Some(f) = cause.downcast_ref::<Failure>() {
            return f.code;
        }
        if cause.downcast_ref::<crate::spec::SpecError>().is_some() {
            return ExitCode::Usage;
        }
    }
    ExitCode::Runtime
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_map() {
        assert_eq!(code_of(&Failure::usage("x")), ExitCode::Usage);
        assert_eq!(code_of(&Failure::runtime("x")), ExitCode::Runtime);
        assert_eq!(code_of(&anyhow::anyhow!("io")), ExitCode::Runtime);
        let spec = crate::spec::parse_duration("nope").unwrap_err();
        assert_eq!(
            code_of(&anyhow::Error::new(spec).context("--timeout")),
            ExitCode::Usage
        );
        for (i, (code, _)) in ExitCode::TABLE.iter().enumerate() {
            assert_eq!(*code, i as i32);
        }
    }
}
