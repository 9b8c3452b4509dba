//! History read from a journal: which elements ran, when, how they ended, and what their
//! expressions warned about.
//!
//! This is a pure view over events, shared by `baton show`, `baton run` and (later) the
//! API, so every interface tells the same story.

use std::collections::BTreeMap;

use crate::event::{Event, JournalRecord};
use crate::ids::{Key, Timestamp};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElementRun {
    pub key: Key,
    pub element: String,
    pub started: Timestamp,
    pub ended: Option<Timestamp>,
    pub outcome: RunOutcome,
    /// What its expressions read that does not exist and took as null, in order
    /// ([`Event::WarningRecorded`]).
    pub warnings: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunOutcome {
    Running,
    Completed,
    Terminated,
}

impl RunOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            RunOutcome::Running => "running",
            RunOutcome::Completed => "completed",
            RunOutcome::Terminated => "terminated",
        }
    }
}

/// Every element instance (the process itself excluded) in order of activation.
pub fn timeline(records: &[JournalRecord]) -> Vec<ElementRun> {
    let mut runs: Vec<ElementRun> = Vec::new();
    let mut index: BTreeMap<Key, usize> = BTreeMap::new();
    for record in records {
        match &record.event {
            Event::ElementActivating {
                key,
                element,
                scope: Some(_),
                ..
            } => {
                index.insert(*key, runs.len());
                runs.push(ElementRun {
                    key: *key,
                    element: element.to_string(),
                    started: record.at,
                    ended: None,
                    outcome: RunOutcome::Running,
                    warnings: Vec::new(),
                });
            }
            Event::WarningRecorded { element, message } => {
                if let Some(run) = index.get(element).and_then(|&i| runs.get_mut(i)) {
                    run.warnings.push(message.clone());
                }
            }
            // A migrated element instance runs on as the element of the new version.
            Event::InstanceMigrated { moved, .. } => {
                for (key, element) in &moved.elements {
                    if let Some(run) = index.get(key).and_then(|&i| runs.get_mut(i)) {
                        run.element = element.to_string();
                    }
                }
            }
            Event::ElementCompleted { key } | Event::ElementTerminated { key } => {
                if let Some(run) = index.get(key).and_then(|&i| runs.get_mut(i)) {
                    run.ended = Some(record.at);
                    run.outcome = match record.event {
                        Event::ElementCompleted { .. } => RunOutcome::Completed,
                        _ => RunOutcome::Terminated,
                    };
                }
            }
            _ => {}
        }
    }
    runs
}

/// One migration of the instance (`instance_migrated@1`), where it happened in the
/// journal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MigrationRun {
    /// The journal position of the event.
    pub seq: u64,
    pub at: Timestamp,
    pub from: u32,
    pub to: u32,
    pub mapping: BTreeMap<String, String>,
    pub reason: String,
}

/// Every migration of the instance, oldest first.
pub fn migrations(records: &[JournalRecord]) -> Vec<MigrationRun> {
    records
        .iter()
        .filter_map(|record| match &record.event {
            Event::InstanceMigrated {
                from,
                to,
                mapping,
                reason,
                ..
            } => Some(MigrationRun {
                seq: record.seq,
                at: record.at,
                from: *from,
                to: *to,
                mapping: mapping.clone(),
                reason: reason.clone(),
            }),
            _ => None,
        })
        .collect()
}

/// Element ids in the order they completed: the path the instance took.
pub fn path(records: &[JournalRecord]) -> Vec<String> {
    let mut names: BTreeMap<Key, &str> = BTreeMap::new();
    let mut path = Vec::new();
    for record in records {
        match &record.event {
            Event::ElementActivating {
                key,
                element,
                scope: Some(_),
                ..
            } => {
                names.insert(*key, element);
            }
            Event::InstanceMigrated { moved, .. } => {
                for (key, element) in &moved.elements {
                    if names.contains_key(key) {
                        names.insert(*key, element);
                    }
                }
            }
            Event::ElementCompleted { key } => {
                if let Some(name) = names.get(key) {
                    path.push((*name).to_string());
                }
            }
            _ => {}
        }
    }
    path
}
