//! Every example a new user is shown runs as written: the README's `sh` blocks, in order, from
//! a fresh directory, and every `Example:` of `qrseal <command> --help`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

const README: &str = include_str!("../../README.md");

/// The contents of the README's fenced blocks whose info string is exactly `sh`. Blocks for a
/// clone of the repository (`cargo ...`, `scripts/...`) are marked `sh repo` and are not
/// run here: they need the sources, and scripts/test-all.sh runs this test.
fn sh_blocks(markdown: &str) -> Vec<String> {
    enum State {
        Outside,
        Sh(String),
        Other,
    }
    let mut blocks = Vec::new();
    let mut state = State::Outside;
    for line in markdown.lines() {
        let fence = line.trim_start().starts_with("```");
        state = match state {
            State::Outside if fence => {
                if line.trim_start().trim_start_matches('`').trim() == "sh" {
                    State::Sh(String::new())
                } else {
                    State::Other
                }
            }
            State::Outside => State::Outside,
            State::Sh(block) if fence => {
                blocks.push(block);
                State::Outside
            }
            State::Sh(mut block) => {
                block.push_str(line);
                block.push('\n');
                State::Sh(block)
            }
            State::Other if fence => State::Outside,
            State::Other => State::Other,
        };
    }
    blocks
}

/// PATH with the built `qrseal` first.
fn path_with_qrseal() -> OsString {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_qrseal"));
    let dir = bin
        .parent()
        .expect("the binary has a directory")
        .to_path_buf();
    let rest = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(std::iter::once(dir).chain(std::env::split_paths(&rest)))
        .expect("a valid PATH")
}

/// Runs `script` with `sh -e` in `dir`; panics with its output unless it succeeds without a
/// `qrseal: error`.
fn run(dir: &Path, script: &str, what: &str) {
    let out = Command::new("sh")
        .args(["-e", "-c", script])
        .current_dir(dir)
        .env("PATH", path_with_qrseal())
        .output()
        .expect("sh runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && !stderr.contains("qrseal: error"),
        "{what} failed ({}):\n{script}\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        out.status
    );
}

#[test]
fn readme_sh_blocks_run_as_written() {
    let blocks = sh_blocks(README);
    assert!(!blocks.is_empty(), "the README has sh blocks");
    let dir = tempfile::tempdir().unwrap();
    for (i, block) in blocks.iter().enumerate() {
        run(dir.path(), block, &format!("README sh block {}", i + 1));
    }
}

/// The `Example:` lines of a `--help` text (indented shell lines, with `\` joining
/// continuation lines), one command each.
fn help_examples(help: &str) -> Vec<String> {
    let mut examples = Vec::new();
    let mut in_examples = false;
    let mut pending = String::new();
    for line in help.lines() {
        let t = line.trim();
        if t.starts_with("Example") && t.ends_with(':') {
            in_examples = true;
            continue;
        }
        if !in_examples {
            continue;
        }
        if !pending.is_empty() {
            pending.push(' ');
            pending.push_str(t.trim_end_matches('\\').trim());
            if !t.ends_with('\\') {
                examples.push(std::mem::take(&mut pending));
            }
        } else if line.starts_with("  ") && !t.is_empty() {
            // An indented example line: a qrseal command, or the shell line before it that
            // makes its input (`echo ... |`, `printf ... > FILE`).
            pending.push_str(t.trim_end_matches('\\').trim());
            if !t.ends_with('\\') {
                examples.push(std::mem::take(&mut pending));
            }
        } else if !t.is_empty() {
            in_examples = false;
        }
    }
    examples
}

#[test]
fn help_examples_run_as_written() {
    let qrseal = env!("CARGO_BIN_EXE_qrseal");
    let help = Command::new(qrseal).arg("--help").output().unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    // Command names: the indented first words of the "Commands:" section.
    let commands: Vec<String> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        // Wrapped descriptions are indented further.
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .filter(|c| c != "help")
        .collect();
    assert!(commands.len() >= 10, "{commands:?}");
    let mut ran = 0;
    for command in &commands {
        let out = Command::new(qrseal)
            .args([command, "--help"])
            .output()
            .unwrap();
        assert!(out.status.success(), "qrseal {command} --help");
        let examples = help_examples(&String::from_utf8(out.stdout).unwrap());
        if examples.is_empty() {
            continue;
        }
        // Each command's examples run in order in a fresh directory holding what the
        // README's first steps make: an issuer key set in keys/, a root key in root/.
        let dir = tempfile::tempdir().unwrap();
        run(
            dir.path(),
            "qrseal keygen --dir keys >/dev/null && qrseal root-keygen --dir root >/dev/null",
            "setup",
        );
        for example in examples {
            run(
                dir.path(),
                &example,
                &format!("`qrseal {command} --help` example"),
            );
            ran += 1;
        }
    }
    assert!(ran >= 3, "only {ran} --help examples found");
}

#[test]
fn finds_blocks_and_examples() {
    let md = "text\n```sh\na\nb\n```\n```rust\nc\n```\n```sh\nd\n```\n";
    assert_eq!(sh_blocks(md), vec!["a\nb\n".to_owned(), "d\n".to_owned()]);
    let help = "About.\n\nExample:\n  qrseal a --x \\\n      --y\n  qrseal b\n\nOther text\n";
    assert_eq!(help_examples(help), vec!["qrseal a --x --y", "qrseal b"]);
}
