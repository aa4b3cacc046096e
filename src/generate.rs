//! `lbctl generate`: shell completions and man pages from the clap tree, so that completions/
//! and man/ never drift from `--help` (a test regenerates them and compares).

use crate::cli::{Cli, GenerateArgs};
use crate::exit::ExitCode;
use clap::CommandFactory;
use clap_complete::Shell;
use std::path::Path;

/// Every generated file, as (relative path, contents).
pub fn render() -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let mut files = Vec::new();
    for shell in [
        Shell::Bash,
        Shell::Zsh,
        Shell::Fish,
        Shell::Elvish,
        Shell::PowerShell,
    ] {
        let mut cmd = Cli::command();
        let mut buf = Vec::new();
        // Rendered into a buffer first: clap_complete panics on a broken pipe.
        clap_complete::generate(shell, &mut cmd, "lbctl", &mut buf);
        let name = match shell {
            Shell::Bash => "lbctl.bash".to_string(),
            Shell::Zsh => "_lbctl".to_string(),
            Shell::Fish => "lbctl.fish".to_string(),
            Shell::Elvish => "lbctl.elv".to_string(),
            _ => "_lbctl.ps1".to_string(),
        };
        files.push((format!("completions/{name}"), buf));
    }
    let cmd = Cli::command();
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut buf)?;
    files.push(("man/lbctl.1".to_string(), buf));
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("lbctl-{}", sub.get_name());
        let sub = sub.clone().name(name.clone());
        let mut buf = Vec::new();
        clap_mangen::Man::new(sub).render(&mut buf)?;
        files.push((format!("man/{name}.1"), buf));
    }
    Ok(files)
}

/// Write every generated file under `dir`.
pub fn write_all(dir: &Path) -> anyhow::Result<()> {
    for (rel, bytes) in render()? {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, bytes)
            .map_err(|e| anyhow::anyhow!("could not write {}: {e}", path.display()))?;
    }
    Ok(())
}

/// Run `lbctl generate`.
pub fn run(args: GenerateArgs) -> anyhow::Result<ExitCode> {
    write_all(&args.out_dir)?;
    Ok(ExitCode::Success)
}
