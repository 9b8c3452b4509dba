//! A project directory a phase workflow is bound to (`baton apply --dir`): its store
//! (`.baton/baton.db`), its `baton.toml`, the instance applied last (`.baton/applied`)
//! and the workflows pulled from hubs (`.baton/hub.lock`, written by `baton hub pull`).

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use baton_core::InstanceId;
use baton_runtime::Config;
use baton_store_any::{Durability, Location};
use serde_json::json;

use crate::exit::InputError;
use crate::workspace::{self, EmbeddedRuntime};

/// The store, relative to the project.
const STORE: &str = ".baton/baton.db";
/// The instance `baton apply` started last, for `status`, `resume` and `rollback`.
const APPLIED: &str = ".baton/applied";
/// Workflows pulled from hubs, pinned by commit.
const HUB_LOCK: &str = ".baton/hub.lock";

pub struct Project {
    /// Absolute, so that the phases' paths mean the same from any working directory.
    pub dir: PathBuf,
}

/// The instance applied last in a project.
#[derive(Debug)]
pub struct Applied {
    pub instance: InstanceId,
    pub workflow: String,
}

impl Project {
    pub fn new(dir: &Path) -> Result<Project> {
        let dir = dir.canonicalize().map_err(|e| {
            InputError(format!(
                "the project directory {} cannot be used: {e}",
                dir.display()
            ))
        })?;
        if !dir.is_dir() {
            return Err(InputError(format!("{} is not a directory", dir.display())).into());
        }
        Ok(Project { dir })
    }

    /// The project's runtime: its store and `baton.toml`, its phases working in it.
    pub fn open(&self) -> Result<EmbeddedRuntime> {
        let config = Config::load(&self.dir.join(workspace::CONFIG_FILE))
            .map_err(|e| InputError(e.to_string()))?;
        let mut runtime = workspace::open_configured(
            &Location::Sqlite(self.dir.join(STORE)),
            config,
            Durability::Full,
        )?;
        runtime.set_project_dir(self.dir.clone());
        Ok(runtime)
    }

    /// The workflow file `workflow` names: a file, or the `HUB/ID` of a pulled workflow.
    pub fn workflow_file(&self, workflow: &str) -> Result<PathBuf> {
        let file = Path::new(workflow);
        if file.is_file() {
            return Ok(file.canonicalize()?);
        }
        if let Some(pulled) = self.pulled(workflow)? {
            return Ok(pulled);
        }
        Err(InputError(format!(
            "{workflow} is neither a workflow file nor a workflow pulled into {} (baton hub pull {workflow})",
            self.dir.display()
        ))
        .into())
    }

    /// The file of a workflow pulled as `name` (`[[workflow]]` of `.baton/hub.lock`).
    fn pulled(&self, name: &str) -> Result<Option<PathBuf>> {
        let lock = self.dir.join(HUB_LOCK);
        let text = match std::fs::read_to_string(&lock) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e).with_context(|| format!("reading {}", lock.display())),
        };
        let table: toml::Table = toml::from_str(&text)
            .map_err(|e| InputError(format!("{} is not valid TOML: {e}", lock.display())))?;
        let entries = table
            .get("workflow")
            .and_then(toml::Value::as_array)
            .into_iter()
            .flatten();
        for entry in entries {
            if entry.get("name").and_then(toml::Value::as_str) != Some(name) {
                continue;
            }
            let Some(path) = entry.get("path").and_then(toml::Value::as_str) else {
                return Err(InputError(format!(
                    "{}: the entry of {name} has no `path`",
                    lock.display()
                ))
                .into());
            };
            let file = self.dir.join(path);
            if !file.is_file() {
                return Err(InputError(format!(
                    "{name} is pulled as {path}, which is missing (baton hub pull {name})"
                ))
                .into());
            }
            return Ok(Some(file));
        }
        Ok(None)
    }

    pub fn record_applied(&self, applied: &Applied) -> Result<()> {
        let file = self.dir.join(APPLIED);
        let text = json!({"instance": applied.instance.0, "workflow": applied.workflow});
        std::fs::write(&file, format!("{text}\n"))
            .with_context(|| format!("writing {}", file.display()))
    }

    /// The instance applied last, if any.
    pub fn applied(&self) -> Result<Option<Applied>> {
        let file = self.dir.join(APPLIED);
        let text = match std::fs::read_to_string(&file) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e).with_context(|| format!("reading {}", file.display())),
        };
        let json: serde_json::Value = serde_json::from_str(&text)
            .with_context(|| format!("{} is damaged", file.display()))?;
        let (Some(instance), Some(workflow)) =
            (json["instance"].as_u64(), json["workflow"].as_str())
        else {
            return Err(InputError(format!("{} is damaged: {text}", file.display())).into());
        };
        Ok(Some(Applied {
            instance: InstanceId(instance),
            workflow: workflow.to_string(),
        }))
    }

    /// The instance applied last, or an error saying how to apply one.
    pub fn last_applied(&self) -> Result<Applied> {
        self.applied()?.ok_or_else(|| {
            InputError(format!(
                "no workflow was applied in {} (baton apply WORKFLOW --dir {0})",
                self.dir.display()
            ))
            .into()
        })
    }
}
