//! The README's commands stay true: every `lbctl ...` command line in a README code block must
//! parse with the real clap tree (so a renamed or removed flag fails here), and the quick-start
//! commands that need nothing but lbctl itself are run for real.

use crate::support::lbctl;
use clap::Parser;
use lbctl::cli::Cli;

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README.md")
}

/// Split a shell command line into words: single and double quotes, backslash escapes.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') => cur.extend(chars.next()),
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, '\\') => {
                cur.extend(chars.next());
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            (None, c) => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    words
}

/// Every `lbctl` invocation in the README's fenced code blocks, as argument vectors, with
/// whether the README shows it failing (the next line is `lbctl: error: ...`).
fn readme_commands_with_outcome() -> Vec<(Vec<String>, bool)> {
    let text = readme();
    let lines: Vec<&str> = text.lines().collect();
    let mut cmds = Vec::new();
    let mut in_block = false;
    // In `console` blocks only `$ ` lines are commands (the rest is their output).
    let mut console = false;
    let mut pending = String::new();
    for (n, line) in lines.iter().enumerate() {
        if let Some(lang) = line.trim_start().strip_prefix("```") {
            in_block = !in_block;
            console = in_block && lang.trim() == "console";
            continue;
        }
        if !in_block {
            continue;
        }
        let line = line.trim();
        let line = match line.strip_prefix("$ ") {
            Some(cmd) => cmd,
            None if console && pending.is_empty() => continue,
            None => line,
        };
        if !pending.is_empty() {
            pending.push(' ');
            pending.push_str(line.trim_end_matches('\\'));
        } else if line
            .split_whitespace()
            .nth(1)
            .is_some_and(|w| w.ends_with(':'))
        {
            continue; // a log line such as `lbctl proxy: listening on ...`, not a command
        } else if line.split_whitespace().nth(1).is_some_and(|w| {
            w.split_once('/')
                .is_some_and(|(a, b)| a.parse::<u32>().is_ok() && b.parse::<u32>().is_ok())
        }) {
            continue; // a row of benches/compare.sh's tables (`lbctl  8/8  55,049 ...`)
        } else if line.starts_with("lbctl ") || line.starts_with("cargo run --release -- ") {
            pending = line.trim_end_matches('\\').to_string();
        } else {
            continue;
        }
        if line.ends_with('\\') {
            continue;
        }
        let full = std::mem::take(&mut pending);
        // Only the first command of a pipeline or list; strip comments and redirections.
        let first = full
            .split(['|', ';'])
            .next()
            .unwrap_or("")
            .split("&&")
            .next()
            .unwrap_or("")
            .split(" #")
            .next()
            .unwrap_or("")
            .trim()
            .trim_end_matches('&')
            .trim();
        let mut words: Vec<String> = shell_words(first)
            .into_iter()
            .take_while(|w| !w.starts_with('>') && !w.starts_with('<') && w != "2>&1")
            .collect();
        if words.first().map(String::as_str) == Some("cargo") {
            let sep = words.iter().position(|w| w == "--").unwrap_or(0);
            words.drain(..=sep);
            words.insert(0, "lbctl".into());
        }
        let fails = lines
            .get(n + 1)
            .is_some_and(|next| next.trim_start().starts_with("lbctl: error"));
        cmds.push((words, fails));
    }
    cmds
}

fn readme_commands() -> Vec<Vec<String>> {
    readme_commands_with_outcome()
        .into_iter()
        .filter(|(_, fails)| !fails)
        .map(|(argv, _)| argv)
        .collect()
}

#[test]
fn shell_words_split_like_a_shell() {
    assert_eq!(
        shell_words(r#"a 'b c' "d \"e\"" f\ g"#),
        ["a", "b c", "d \"e\"", "f g"]
    );
}

#[test]
fn every_readme_command_parses() {
    let cmds = readme_commands();
    assert!(
        cmds.len() >= 5,
        "found only {} commands in README.md",
        cmds.len()
    );
    let mut bad = Vec::new();
    for argv in &cmds {
        if let Err(e) = Cli::try_parse_from(argv)
            && !matches!(
                e.kind(),
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion
            )
        {
            let first = e.to_string().lines().next().unwrap_or("").to_string();
            bad.push(format!("{}\n    {first}", argv.join(" ")));
        }
    }
    assert!(
        bad.is_empty(),
        "README commands that no longer parse:\n{}",
        bad.join("\n")
    );
}

#[test]
fn readme_error_examples_still_fail_with_exit_2() {
    for (argv, fails) in readme_commands_with_outcome() {
        if fails {
            lbctl().args(&argv[1..]).assert().code(2);
        }
    }
}

#[test]
fn quick_start_commands_that_need_nothing_else_run() {
    // The serve quick start: start, read its lines, stop.
    let mut b = crate::support::serve(3, &[]);
    assert_eq!(b.list.len(), 3);
    b.proc.signal("TERM");
    assert_eq!(
        b.proc.wait_exit(std::time::Duration::from_secs(10)),
        Some(0)
    );
    // Every README ring command is self-contained (no network): run each for real.
    for argv in readme_commands() {
        if argv.get(1).map(String::as_str) == Some("ring")
            && !argv.iter().any(|a| a.contains("file") || a == "-")
        {
            let out = lbctl().args(&argv[1..]).write_stdin("").output().unwrap();
            let code = out.status.code();
            assert!(
                matches!(code, Some(0) | Some(1)),
                "`{}` exited {code:?}: {}",
                argv.join(" "),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}
