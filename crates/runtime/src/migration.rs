//! Moving running instances to another version of their process (`baton migrate`,
//! `POST /v1/process-instances/migration`).
//!
//! Each selected instance is planned with the core's one check
//! ([`baton_core::migration_plan`]); a preview stops there. Otherwise each movable instance
//! is migrated by one command (`Command::MigrateInstance`, journaled as one
//! `instance_migrated@1`), with an audit entry in the same commit, and the commands are
//! committed in batches. An instance that cannot move is reported with its reason and left
//! as it was.

use std::collections::BTreeMap;

use baton_core::{Command, InstanceId, Rejection};
use baton_store::audit::AuditEntry;
use baton_store::{InstanceFilter, Store};
use serde_json::json;

use crate::{Error, Runtime};

/// Instances migrated per commit: enough to amortise the sync, few enough that a batch's
/// states and rows stay small.
pub const BATCH: usize = 500;

/// What to migrate.
#[derive(Clone, Debug)]
pub struct Migration {
    pub process_id: String,
    pub from: u32,
    pub to: u32,
    /// Element ids of `from` to element ids of `to`, for elements whose id changed.
    pub mapping: BTreeMap<String, String>,
    /// `None`: every running instance of `process_id` at version `from`.
    pub instances: Option<Vec<InstanceId>>,
    pub reason: Option<String>,
    /// Only plan: change nothing.
    pub preview: bool,
}

/// The answer: one verdict per selected instance, in the order selected.
#[derive(Clone, Debug)]
pub struct MigrationReport {
    pub process_id: String,
    pub from: u32,
    pub to: u32,
    pub preview: bool,
    pub instances: Vec<Verdict>,
    /// Cluster mode: selected instances another node runs, left for it (the server
    /// sends the migration on to their owners).
    pub elsewhere: Vec<InstanceId>,
}

#[derive(Clone, Debug)]
pub struct Verdict {
    pub instance: InstanceId,
    pub movable: bool,
    /// Why it cannot move (`None` when it can).
    pub reason: Option<String>,
    pub migrated: bool,
}

impl MigrationReport {
    /// The documented JSON (the CLI's `--json` and the API's answer).
    pub fn to_json(&self) -> serde_json::Value {
        let mut json = json!({
            "process": self.process_id,
            "from": self.from,
            "to": self.to,
            "preview": self.preview,
            "instances": self.instances.iter().map(|v| json!({
                "instance": v.instance.to_string(),
                "movable": v.movable,
                "reason": v.reason,
                "migrated": v.migrated,
            })).collect::<Vec<_>>(),
        });
        if !self.elsewhere.is_empty() {
            json["elsewhere"] = self.elsewhere.iter().map(|i| i.0).collect();
        }
        json
    }
}

impl<S: Store> Runtime<S> {
    /// Plans (and unless `preview`, performs) a migration. `audit` is the entry each
    /// migrated instance's record is made from (who asked, from where); it is committed
    /// with that instance's migration. Errors are the caller's mistakes (an unknown
    /// process, version, instance or mapped element) or a failed commit; the batches
    /// committed before a failed one stay committed.
    pub fn migrate_instances(
        &mut self,
        migration: &Migration,
        audit: Option<&AuditEntry>,
    ) -> Result<MigrationReport, Error> {
        // Both versions must exist and the mapping fit them, whatever the instances.
        let from = self.definition(&migration.process_id, Some(migration.from))?;
        let to = self.definition(&migration.process_id, Some(migration.to))?;
        baton_core::migration_check(&from, &to, &migration.mapping)?;
        let selected = match &migration.instances {
            Some(ids) => ids.clone(),
            None => self
                .store()
                .instances(&InstanceFilter {
                    process_id: Some(migration.process_id.clone()),
                    version: Some(migration.from),
                    ..InstanceFilter::default()
                })?
                .into_iter()
                .filter(|row| matches!(row.state.as_str(), "active" | "incident"))
                .map(|row| row.instance)
                .collect(),
        };
        let mut report = MigrationReport {
            process_id: migration.process_id.clone(),
            from: migration.from,
            to: migration.to,
            preview: migration.preview,
            instances: Vec::with_capacity(selected.len()),
            elsewhere: Vec::new(),
        };
        let reason = migration.reason.clone().unwrap_or_default();
        for batch in selected.chunks(BATCH) {
            for &instance in batch {
                // Another node's instance cannot be committed from here (its fence
                // would refuse the whole batch).
                if !self.owns(instance) {
                    report.elsewhere.push(instance);
                    continue;
                }
                let (def, state) = self.state(instance)?;
                let verdict = if state.process_id != migration.process_id {
                    Err(format!(
                        "instance {instance} is of process '{}', not '{}'",
                        state.process_id, migration.process_id
                    ))
                } else if def.version() != migration.from {
                    Err(format!(
                        "instance {instance} runs on version {}, not {}",
                        def.version(),
                        migration.from
                    ))
                } else {
                    baton_core::migration_plan(&state, &def, &to, &migration.mapping)?
                        .map(|_| ())
                        .map_err(|why| why.to_string())
                };
                let mut entry = Verdict {
                    instance,
                    movable: verdict.is_ok(),
                    reason: verdict.err(),
                    migrated: false,
                };
                if entry.movable && !migration.preview {
                    let done = self.execute(
                        instance,
                        Command::MigrateInstance {
                            to: to.clone(),
                            mapping: migration.mapping.clone(),
                            reason: reason.clone(),
                        },
                    );
                    match done {
                        Ok(()) => {
                            entry.migrated = true;
                            if let Some(audit) = audit {
                                self.stage_audit(
                                    audit
                                        .clone()
                                        .with_instance(instance)
                                        .with_detail("process", &migration.process_id)
                                        .with_detail("from", migration.from)
                                        .with_detail("to", migration.to)
                                        .with_detail("mapping", mapping_text(&migration.mapping)),
                                );
                            }
                        }
                        // The plan said it can move, and the command plans again: only a
                        // state that changed in between can say otherwise.
                        Err(Error::Rejected(Rejection::Unmovable(why))) => {
                            entry.movable = false;
                            entry.reason = Some(why.to_string());
                        }
                        Err(other) => return Err(other),
                    }
                }
                report.instances.push(entry);
            }
            if !migration.preview {
                self.flush()?;
            }
            // Ten thousand waiting instances need not stay in memory.
            self.evict_idle();
        }
        Ok(report)
    }
}

/// `a=b,c=d`, for the audit record.
fn mapping_text(mapping: &BTreeMap<String, String>) -> String {
    mapping
        .iter()
        .map(|(old, new)| format!("{old}={new}"))
        .collect::<Vec<_>>()
        .join(",")
}
