//! A hub's index: the metadata of every workflow file at one commit, built once per
//! commit and kept as `index/<commit>.json` in the hub's folder, so `hub search` reads
//! one small file instead of parsing the repository (a commit never changes, so neither
//! does its index).

use std::path::{Path, PathBuf};

use git2::{ObjectType, Oid, TreeWalkMode, TreeWalkResult};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::git::Mirror;
use crate::meta::{self, WorkflowMeta};

/// Bumped when what an index holds changes, so older files are rebuilt, not misread.
const FORMAT: u32 = 1;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Index {
    format: u32,
    /// The commit (40 hex) this index describes; empty for a hub without commits.
    pub commit: String,
    /// Sorted by id.
    pub workflows: Vec<WorkflowMeta>,
    /// YAML files that are not workflows, and why: shown by `hub add` and `hub update`.
    pub skipped: Vec<Skipped>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}

impl Index {
    pub fn workflow(&self, id: &str) -> Option<&WorkflowMeta> {
        self.workflows
            .binary_search_by(|workflow| workflow.id.as_str().cmp(id))
            .ok()
            .map(|at| &self.workflows[at])
    }

    /// Ids close to `id`, for "did you mean".
    pub fn similar(&self, id: &str) -> Vec<String> {
        baton_model::similar_names(id, self.workflows.iter().map(|w| w.id.as_str()))
    }

    /// The index of `commit` (`None`: the empty hub), from `folder` when it was built
    /// before, else built from the clone and saved there.
    pub fn of(clone: &Mirror, commit: Option<Oid>, folder: &Path) -> Result<Index> {
        let Some(commit) = commit else {
            return Ok(Index {
                format: FORMAT,
                ..Index::default()
            });
        };
        let file = file_of(folder, commit);
        if let Some(index) = std::fs::read(&file)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Index>(&bytes).ok())
            .filter(|index| index.format == FORMAT && index.commit == commit.to_string())
        {
            return Ok(index);
        }
        let index = build(clone, commit)?;
        let text = serde_json::to_string(&index).map_err(|e| Error::Io {
            what: "writing",
            path: file.clone(),
            source: e.into(),
        })?;
        crate::settings::write_atomically(&file, &text)?;
        Ok(index)
    }

    /// Removes the saved indexes of every commit but `keep`: old commits are rebuilt on
    /// demand (`hub pull HUB/ID@REV`), so the folder does not grow with each update.
    pub fn forget_others(folder: &Path, keep: Option<Oid>) {
        let keep = keep.map(|commit| file_of(folder, commit));
        let Ok(entries) = std::fs::read_dir(folder) else {
            return;
        };
        for entry in entries.flatten() {
            if Some(entry.path()) != keep {
                // A file left behind costs a little disk and nothing else.
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

fn file_of(folder: &Path, commit: Oid) -> PathBuf {
    folder.join(format!("{commit}.json"))
}

/// Reads every `*.yaml`/`*.yml` outside dot-folders (`.github/` holds CI files, not
/// workflows) at `commit`; the first file with an id wins, later ones are skipped.
fn build(clone: &Mirror, commit: Oid) -> Result<Index> {
    let tree = clone.tree(commit)?;
    let mut candidates: Vec<(String, Oid)> = Vec::new();
    tree.walk(TreeWalkMode::PreOrder, |folder, entry| {
        let name = entry.name().unwrap_or_default();
        match entry.kind() {
            Some(ObjectType::Tree) if name.starts_with('.') => TreeWalkResult::Skip,
            Some(ObjectType::Blob) if name.ends_with(".yaml") || name.ends_with(".yml") => {
                candidates.push((format!("{folder}{name}"), entry.id()));
                TreeWalkResult::Ok
            }
            _ => TreeWalkResult::Ok,
        }
    })
    .map_err(Error::git(format!("listing the files of {commit}")))?;

    let mut index = Index {
        format: FORMAT,
        commit: commit.to_string(),
        ..Index::default()
    };
    for (path, blob) in candidates {
        let blob = clone
            .repo
            .find_blob(blob)
            .map_err(Error::git(format!("reading {path} at {commit}")))?;
        let read = std::str::from_utf8(blob.content())
            .map_err(|_| "not UTF-8 text".to_string())
            .and_then(|text| meta::read(text, &path));
        match read {
            Ok(workflow) => match index.workflows.iter().find(|w| w.id == workflow.id) {
                Some(first) => index.skipped.push(Skipped {
                    reason: format!("id `{}` is already {}", workflow.id, first.path),
                    path,
                }),
                None => index.workflows.push(workflow),
            },
            Err(reason) => index.skipped.push(Skipped { path, reason }),
        }
    }
    index.workflows.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(index)
}
