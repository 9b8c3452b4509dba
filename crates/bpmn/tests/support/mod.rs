//! What the front-end test files share: where the corpus beside the project is, and
//! which models a folder holds.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// `../shared` beside the project (the corpus and acceptance models); a fresh clone
/// may not have it, and tests that need it skip with a notice.
pub fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared")
}

/// The `.bpmn` files in `dir`, sorted; `None` when the folder does not exist.
pub fn bpmn_files(dir: &Path) -> Option<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|e| e == "bpmn"))
        .collect();
    files.sort();
    Some(files)
}
