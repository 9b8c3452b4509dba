//! `.baton/hub.lock`: what a project pulled from hubs, each workflow pinned to the full
//! commit it came from. `baton apply HUB/ID` reads it to find the pulled file; only
//! `hub pull` and `hub update` write it.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::settings::write_atomically;

/// The lock file of the project in `project`.
pub fn path(project: &Path) -> PathBuf {
    project.join(".baton/hub.lock")
}

/// Where `hub pull HUB/ID` puts the workflow, relative to the project.
pub fn pulled_path(hub: &str, id: &str) -> String {
    format!(".baton/hub/{hub}/{id}.yaml")
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lock {
    /// Sorted by name.
    #[serde(default, rename = "workflow")]
    pub workflows: Vec<Locked>,
}

/// One `[[workflow]]` table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Locked {
    /// `HUB/ID`.
    pub name: String,
    /// The hub's URL or path when it was pulled.
    pub source: String,
    /// The full 40-hex commit the file is from.
    pub commit: String,
    /// The pulled file, relative to the project.
    pub path: String,
}

impl Locked {
    /// The hub and the workflow id of `HUB/ID`.
    pub fn hub_and_id(&self) -> (&str, &str) {
        self.name.split_once('/').unwrap_or(("", &self.name))
    }
}

impl Lock {
    /// The project's lock; none yet is an empty one.
    pub fn load(project: &Path) -> Result<Lock> {
        let file = path(project);
        match std::fs::read_to_string(&file) {
            Ok(text) => toml::from_str(&text).map_err(|e| Error::Settings {
                path: file,
                message: format!("{e}(a broken lock: fix it, or remove it and pull again)"),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Lock::default()),
            Err(e) => Err(Error::io("reading", file)(e)),
        }
    }

    pub fn save(&self, project: &Path) -> Result<()> {
        let file = path(project);
        let text = toml::to_string(self).map_err(|e| Error::Settings {
            path: file.clone(),
            message: e.to_string(),
        })?;
        write_atomically(
            &file,
            &format!(
                "# Workflows pulled from hubs, pinned by commit: written by `baton hub pull` and `baton hub update`.\n{text}"
            ),
        )
    }

    pub fn get(&self, name: &str) -> Option<&Locked> {
        self.workflows.iter().find(|w| w.name == name)
    }

    /// Adds `locked`, or replaces the entry of the same name.
    pub fn pin(&mut self, locked: Locked) {
        self.workflows.retain(|w| w.name != locked.name);
        self.workflows.push(locked);
        self.workflows.sort_by(|a, b| a.name.cmp(&b.name));
    }
}
