//! Every model of the DMN TCK (levels 2 and 3, DMN 1.5) reads without errors: the reader
//! knows every element the TCK uses. Evaluation is checked by `baton tck`.
//!
//! The corpus ships beside the project (`../shared/corpus`); a fresh clone without it
//! skips this with a notice.

use std::path::{Path, PathBuf};

fn models(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            models(&path, out);
        } else if path.extension().is_some_and(|e| e == "dmn") {
            out.push(path);
        }
    }
}

#[test]
fn every_tck_model_reads_without_errors() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/dmn-tck");
    if !dir.is_dir() {
        eprintln!("skipped: {} not found", dir.display());
        return;
    }
    let mut files = Vec::new();
    models(&dir, &mut files);
    files.sort();
    assert!(files.len() > 100, "only {} models found", files.len());
    let mut failures = Vec::new();
    for path in &files {
        let parsed = baton_dmn::parse_file(path).expect("readable");
        if parsed.definitions.is_none() || parsed.has_errors() {
            let errors: Vec<String> = parsed
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .map(|d| format!("  {d}"))
                .collect();
            failures.push(format!("{}:\n{}", path.display(), errors.join("\n")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    eprintln!("{} TCK models read", files.len());
}
