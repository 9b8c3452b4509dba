//! House-style checks that a machine can do (rust-analyzer's `tidy.rs` idea):
//!
//! - every Rust file under `crates/` starts with a `//!` doc saying what it is for;
//! - the engine core and the parsers (`core`, `feel`, `bpmn`, `model`) never call
//!   `.unwrap()` or `.expect("...")` (Option/Result's, not a parser's own `expect`) outside tests, since they run on user input;
//! - the parsers' modules ([`PARSER_MODULES`]) deny every clippy lint for code that can
//!   panic (`unwrap`, `expect`, indexing and slicing, `panic!`, `unreachable!`), so the
//!   compiler rather than review keeps them from panicking on input; their submodules
//!   inherit the attribute, and an `allow` of one of those lints inside them needs a
//!   comment on the line above saying why it cannot panic;
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

/// The parsers' module roots: each starts with [`NO_PANIC_LINTS`] denied. Files in the
/// directories of `mod.rs` roots are their submodules and inherit it.
const PARSER_MODULES: &[&str] = &[
    "crates/xml/src/lib.rs",
    "crates/feel/src/lexer.rs",
    "crates/feel/src/parser.rs",
    "crates/bpmn/src/reader.rs",
    "crates/bpmn/src/elements/mod.rs",
    "crates/bpmn/src/extensions/mod.rs",
    "crates/dmn/src/read/mod.rs",
    "crates/yaml/src/read.rs",
    "crates/yaml/src/tree.rs",
    "crates/yaml/src/values.rs",
];

/// The lints a parser module denies: every way clippy knows to panic on input.
const NO_PANIC_LINTS: &[&str] = &[
    "clippy::unwrap_used",
    "clippy::expect_used",
    "clippy::indexing_slicing",
    "clippy::panic",
    "clippy::string_slice",
    "clippy::unreachable",
];

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
        let relative = relative(root, &file);
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
    for module in PARSER_MODULES {
        let text = std::fs::read_to_string(root.join(module)).unwrap_or_default();
        problems.extend(parser_module_problems(module, &text));
        let dir = match module.strip_suffix("mod.rs") {
            Some(dir) => root.join(dir),
            // `read.rs`'s submodules live in `read/`.
            None => root.join(module.trim_end_matches(".rs")),
        };
        for file in rust_files(&dir) {
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            problems.extend(unexplained_allows(&relative(root, &file), &text));
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

/// What is wrong with a parser module root: a missing file, a missing `#![deny(...)]`
/// of one of [`NO_PANIC_LINTS`], or an unexplained `allow` of one.
fn parser_module_problems(module: &str, text: &str) -> Vec<String> {
    if text.is_empty() {
        return vec![format!(
            "{module}: parser module not found; update PARSER_MODULES in xtask/src/tidy.rs \
             when a parser moves"
        )];
    }
    let denied = inner_deny_lints(text);
    let mut problems: Vec<String> = NO_PANIC_LINTS
        .iter()
        .filter(|lint| !denied.iter().any(|d| d == *lint))
        .map(|lint| {
            format!(
                "{module}: a parser module must start with `#![deny({})]`; {lint} is not \
                 denied",
                NO_PANIC_LINTS.join(", ")
            )
        })
        .collect();
    problems.extend(unexplained_allows(module, text));
    problems
}

/// The lints named by the file's inner `#![deny(...)]` attributes, however formatted.
fn inner_deny_lints(text: &str) -> Vec<String> {
    let mut lints = Vec::new();
    let mut rest = text;
    while let Some((_, after)) = rest.split_once("#![deny(") {
        let (inside, after) = after.split_once(")]").unwrap_or((after, ""));
        lints.extend(
            inside
                .split(',')
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string),
        );
        rest = after;
    }
    lints
}

/// Each `allow` of a no-panic lint outside tests must come after a `//` comment that
/// says why the code cannot panic.
fn unexplained_allows(relative: &str, text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let mut previous = "";
    for (n, line) in non_test_lines(text) {
        let allows =
            line.contains("allow(") && NO_PANIC_LINTS.iter().any(|lint| line.contains(lint));
        if allows && !previous.trim_start().starts_with("//") {
            problems.push(format!(
                "{relative}:{n}: allows a lint that keeps parsers from panicking; say in a \
                 comment on the line above why this cannot panic on input"
            ));
        }
        previous = line;
    }
    problems
}

/// `file`'s path from the workspace root, as problems name it.
fn relative(root: &Path, file: &Path) -> String {
    file.strip_prefix(root)
        .unwrap_or(file)
        .display()
        .to_string()
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
    use super::{parser_module_problems, unexplained_allows};

    const DENY_ALL: &str = "//! A parser.\n#![deny(\n    clippy::unwrap_used,\n    \
        clippy::expect_used,\n    clippy::indexing_slicing,\n    clippy::panic,\n    \
        clippy::string_slice,\n    clippy::unreachable\n)]\n\nfn f() {}\n";

    #[test]
    fn a_parser_module_must_deny_every_panicking_lint() {
        assert_eq!(
            parser_module_problems("p.rs", DENY_ALL),
            Vec::<String>::new()
        );
        let without_panic = DENY_ALL.replace("    clippy::panic,\n", "");
        let problems = parser_module_problems("p.rs", &without_panic);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("clippy::panic is not denied"));
        let none = "//! A parser.\n\nfn f() {}\n";
        assert_eq!(parser_module_problems("p.rs", none).len(), 6);
        assert!(parser_module_problems("p.rs", "")[0].contains("not found"));
    }

    #[test]
    fn an_allow_in_a_parser_needs_a_reason() {
        let bare = "fn f() {}\n#[allow(clippy::indexing_slicing)]\nfn g() {}\n";
        assert_eq!(unexplained_allows("p.rs", bare).len(), 1);
        let explained = "// `i` comes from `position` over the same slice.\n\
            #[allow(clippy::indexing_slicing)]\nfn g() {}\n";
        assert!(unexplained_allows("p.rs", explained).is_empty());
    }

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
