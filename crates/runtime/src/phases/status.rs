//! Each phase's status, for `baton status`, `show` and `run --json`: read from the
//! instance's element instances of the phase and of the nodes the compiler put around it
//! (`X__approval`, `X__skipped`, `X__undo`), its open incidents and its job, and for a
//! waiting job from the world as it is now (unmet gates are checked again; resources are
//! looked up in the store).
//!
//! | what the instance shows                               | status        |
//! |-------------------------------------------------------|---------------|
//! | `X__undo` completed                                   | `rolled_back` |
//! | an open incident on X                                 | `failed`      |
//! | X's job open, a gate unmet or a resource held by others, a retry not due | `waiting` |
//! | X's job open and free to run                          | `ready`       |
//! | X active otherwise (its job runs, its steps or the called workflow do) | `running` |
//! | `X__approval` open                                    | `waiting`     |
//! | X completed                                           | `completed`   |
//! | `X__skipped` passed                                   | `skipped`     |
//! | none of these                                         | `pending`     |

use std::path::Path;

use baton_core::history::{ElementRun, RunOutcome};
use baton_core::{Definition, GlobalKey, InstanceState, JobState, Key, Timestamp};
use baton_model::{NodeId, NodeKind};
use baton_store::Hold;
use baton_yaml::action::{PHASE_HEADER, PhaseAction};
use baton_yaml::ast::Workflow;
use serde_json::json;

use crate::phases::checks::{self, Place};

/// One phase as people see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PhaseView {
    pub id: String,
    pub name: Option<String>,
    /// pending, ready, running, waiting, completed, failed, skipped or rolled_back.
    pub status: &'static str,
    pub started_at: Option<Timestamp>,
    pub ended_at: Option<Timestamp>,
    /// What a waiting phase waits for: `file CHANGELOG.md`, `approval group
    /// release-managers`, `resource deploy-env`.
    pub missing: Vec<String>,
}

impl PhaseView {
    pub fn to_json(&self) -> serde_json::Value {
        json!({
            "id": self.id,
            "name": self.name,
            "status": self.status,
            "started_at": self.started_at.map(|t| t.0),
            "ended_at": self.ended_at.map(|t| t.0),
            "missing": self.missing,
        })
    }
}

/// What the status of a waiting phase is checked against.
pub struct Live<'a> {
    pub project: &'a Path,
    pub now: Timestamp,
    /// The holds on a resource now (the store's).
    pub holders: &'a dyn Fn(&str) -> Vec<Hold>,
}

/// The phases of `workflow` (its top level, in file order) in this instance.
pub fn phases(
    workflow: &Workflow,
    def: &Definition,
    state: &InstanceState,
    timeline: &[ElementRun],
    live: &Live<'_>,
) -> Vec<PhaseView> {
    workflow
        .phases
        .iter()
        .map(|phase| {
            let mut view = PhaseView {
                id: phase.id.clone(),
                name: phase.name.clone(),
                status: "pending",
                started_at: None,
                ended_at: None,
                missing: Vec::new(),
            };
            let runs: Vec<&ElementRun> =
                timeline.iter().filter(|r| r.element == phase.id).collect();
            view.started_at = runs.iter().map(|r| r.started).min();
            let running = runs.iter().any(|r| r.outcome == RunOutcome::Running);
            if !running {
                view.ended_at = runs.iter().filter_map(|r| r.ended).max();
            }
            let passed = |suffix: &str| {
                let id = format!("{}__{suffix}", phase.id);
                timeline
                    .iter()
                    .any(|r| r.element == id && r.outcome == RunOutcome::Completed)
            };
            let node = def.node_id(&phase.id);
            let keys: Vec<Key> = state
                .elements
                .values()
                .filter(|e| node.is_some() && e.node == node)
                .map(|e| e.key)
                .collect();
            let (status, missing) = if passed("undo") {
                ("rolled_back", Vec::new())
            } else if state.incidents.values().any(|i| keys.contains(&i.element)) {
                ("failed", Vec::new())
            } else if !keys.is_empty() {
                active(def, node, state, &keys, live)
            } else if let Some(task) = approval(def, state, &phase.id) {
                ("waiting", vec![task])
            } else if runs.iter().any(|r| r.outcome == RunOutcome::Completed) {
                ("completed", Vec::new())
            } else if passed("skipped") {
                ("skipped", Vec::new())
            } else {
                ("pending", Vec::new())
            };
            view.status = status;
            view.missing = missing;
            view
        })
        .collect()
}

/// The status of a phase with element instances in the state: its job's, if it has
/// open ones, else running.
fn active(
    def: &Definition,
    node: Option<NodeId>,
    state: &InstanceState,
    keys: &[Key],
    live: &Live<'_>,
) -> (&'static str, Vec<String>) {
    let jobs: Vec<_> = state
        .jobs
        .values()
        .filter(|j| j.listener.is_none() && keys.contains(&j.element))
        .collect();
    let action = node.and_then(|n| phase_action(def, n));
    let (Some(action), false) = (action, jobs.is_empty()) else {
        return ("running", Vec::new());
    };
    let mut missing = Vec::new();
    let mut ready = false;
    let mut running = false;
    for job in jobs.iter().filter(|j| j.state == JobState::Ready) {
        let holder = GlobalKey {
            instance: state.instance,
            key: job.key,
        }
        .to_string();
        let mut held_by_others = Vec::new();
        let mut holds_its_own = false;
        for resource in &action.resources {
            let holds = (live.holders)(&resource.name);
            holds_its_own |= holds.iter().any(|h| h.holder == holder);
            let others: u32 = holds
                .iter()
                .filter(|h| h.holder != holder)
                .map(|h| h.units)
                .sum();
            if others.saturating_add(resource.units) > resource.capacity {
                held_by_others.push(format!("resource {}", resource.name));
            }
        }
        if holds_its_own {
            running = true;
            continue;
        }
        let variables = state.job_variables(job);
        let place = Place {
            project: live.project,
            base: Path::new(if action.base.is_empty() {
                "."
            } else {
                &action.base
            }),
            variables: &variables,
        };
        let unmet = checks::unmet(&action.gates, place);
        if !unmet.is_empty() || !held_by_others.is_empty() {
            for item in unmet.into_iter().chain(held_by_others) {
                if !missing.contains(&item) {
                    missing.push(item);
                }
            }
        } else if job.due > live.now {
            missing.push("a retry after its backoff".to_string());
        } else {
            ready = true;
        }
    }
    if running || jobs.iter().any(|j| j.state != JobState::Ready) {
        ("running", Vec::new())
    } else if ready {
        ("ready", Vec::new())
    } else if !missing.is_empty() {
        ("waiting", missing)
    } else {
        ("running", Vec::new())
    }
}

/// The phase action in the job header of a phase's service task.
fn phase_action(def: &Definition, node: NodeId) -> Option<PhaseAction> {
    let NodeKind::ServiceTask { job } = &def.node(node).kind else {
        return None;
    };
    let (_, header) = job.headers.iter().find(|(name, _)| name == PHASE_HEADER)?;
    serde_json::from_str(header).ok()
}

/// `approval group release-managers` while the phase's approval task is open.
fn approval(def: &Definition, state: &InstanceState, phase: &str) -> Option<String> {
    let node = def.node_id(&format!("{phase}__approval"))?;
    let task = state.user_tasks.values().find(|task| {
        state
            .elements
            .get(&task.element)
            .is_some_and(|e| e.node == Some(node))
    })?;
    let who: Vec<String> = task
        .candidate_groups
        .iter()
        .map(|g| format!("group {g}"))
        .chain(task.candidate_users.iter().map(|u| format!("user {u}")))
        .chain(task.assignee.iter().map(|a| format!("user {a}")))
        .collect();
    Some(if who.is_empty() {
        "approval".to_string()
    } else {
        format!("approval {}", who.join(", "))
    })
}
