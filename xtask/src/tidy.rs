//! House-style checks that a machine can do (rust-analyzer's `tidy.rs` idea):
//!
//! - every Rust file under `crates/` starts with a `//!` doc saying what it is for;
//! - the engine core and the parsers (`core`, `feel`, `bpmn`, `model`) never call
//!   `.unwrap()` or `.expect("...")` (Option/Result's, not a parser's own `expect`) outside tests, since they run on user input;
//! - the core's dependencies stay free of IO (no tokio, database or clock crates);
//! - only the CLI prints: libraries log through `tracing`, so `--log-format json` holds
//!   for every line (no `println!`/`eprintln!` outside `crates/cli` and tests).

use std::path::{Path, PathBuf};

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Crates whose non-test code runs on untrusted input and must not panic on it.
const NO_PANIC_CRATES: &[&str] = &["core", "feel", "bpmn", "model", "xml", "dmn", "yaml"];

/// Crates that may print to stdout and stderr (their output is the user's).
const PRINTING_CRATES: &[&str] = &["cli"];

/// Dependencies the pure core must never have.
const FORBIDDEN_IN_CORE: &[&str] = &[
    "tokio",
    "rusqlite",
    "sqlx",
    "postgres",
    "rand",
    "chrono",
    "reqwest",
    "baton-store",
];

pub fn check(root: &Path) -> Result<(), Vec<String>> {
    let mut problems = Vec::new();
    let crates = root.join("crates");
    for file in rust_files(&crates) {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let relative = file
            .strip_prefix(root)
            .unwrap_or(&file)
            .display()
            .to_string();
        let is_test_file = relative.contains("/tests/") || relative.contains("/benches/");
        if !is_test_file && !text.trim_start().starts_with("//!") {
            problems.push(format!(
                "{relative}: starts without a `//!` module doc saying what it is and why"
            ));
        }
        let crate_name = relative.split('/').nth(1).unwrap_or_default();
        if !PRINTING_CRATES.contains(&crate_name) && !is_test_file {
            for (n, line) in non_test_lines(&text) {
                if ["println!(", "eprintln!(", "print!(", "eprint!("]
                    .iter()
                    .any(|m| line.contains(m))
                {
                    problems.push(format!("{relative}:{n}: prints; libraries log with tracing macros (only the CLI prints)"));
                }
            }
        }
        if NO_PANIC_CRATES.contains(&crate_name) && !is_test_file {
            for (n, line) in non_test_lines(&text) {
                if line.contains(".unwrap()") || line.contains(".expect(\"") {
                    problems.push(format!("{relative}:{n}: unwrap/expect in a crate that runs on user input; return an error or a diagnostic"));
                }
            }
        }
    }
    let core_manifest = std::fs::read_to_string(crates.join("core/Cargo.toml")).unwrap_or_default();
    let deps = core_manifest
        .split("[dev-dependencies]")
        .next()
        .unwrap_or_default();
    for forbidden in FORBIDDEN_IN_CORE {
        if deps.lines().any(|l| l.trim_start().starts_with(forbidden)) {
            problems.push(format!(
                "crates/core/Cargo.toml: depends on {forbidden}; the core does no IO"
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// Lines before the first `#[cfg(test)]`, numbered from 1.
fn non_test_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .take_while(|(_, l)| !l.trim_start().starts_with("#[cfg(test)]"))
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return files;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "target") {
                files.extend(rust_files(&path));
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_workspace_follows_house_style() {
        if let Err(problems) = super::check(&super::workspace_root()) {
            panic!(
                "tidy found {} problem(s):\n{}",
                problems.len(),
                problems.join("\n")
            );
        }
    }
}
