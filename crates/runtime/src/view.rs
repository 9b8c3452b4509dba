//! What an instance looks like to people and scripts: one shape for `baton run`, `show`,
//! `complete` and the API, built from the instance state and its journal.

use baton_core::history::{self, ElementRun};
use baton_core::{
    Definition, Event, GlobalKey, InstanceState, InstanceStatus, JobState, JournalRecord, LlmCall,
    Timestamp,
};
use baton_feel::{Context, Value};
use serde_json::json;

#[derive(Clone, Debug)]
pub struct InstanceView {
    pub instance: baton_core::InstanceId,
    pub process_id: String,
    pub version: u32,
    /// `completed`, `cancelled`, `incident`, `waiting` or `active`.
    pub state: &'static str,
    pub variables: Context,
    pub path: Vec<String>,
    pub waiting: Vec<Waiting>,
    pub incidents: Vec<IncidentView>,
    pub timeline: Vec<ElementRun>,
    /// For a YAML workflow, each of its phases (or steps) in file order with its status
    /// ([`crate::phases::status`]); `None` for other processes.
    pub phases: Option<Vec<crate::phases::status::PhaseView>>,
    /// Every request of the instance's LLM tasks and every answer they took from the
    /// cache, in journal order.
    pub llm_calls: Vec<LlmCallView>,
    /// The instance whose call activity started this one.
    pub parent: Option<baton_core::InstanceId>,
    /// Every move to another version of the process (`baton migrate`), oldest first.
    pub migrations: Vec<history::MigrationRun>,
}

/// One journaled LLM call (`llm_called@1`) and the element whose task made it.
#[derive(Clone, Debug)]
pub struct LlmCallView {
    /// The element id of the LLM task (or of the decision whose fallback asked).
    pub element: String,
    pub job: GlobalKey,
    pub call: LlmCall,
}

impl LlmCallView {
    /// The documented JSON of a call: cost (in the currency of the provider's price),
    /// error and objective only when there is one.
    pub fn to_json(&self) -> serde_json::Value {
        let call = &self.call;
        let mut entry = json!({
            "element": self.element,
            "job": self.job.to_string(),
            "provider": call.provider,
            "model": call.model,
            "prompt": call.prompt.iter().map(|m| json!({"role": m.role, "content": m.content})).collect::<Vec<_>>(),
            "prompt_digest": call.prompt_digest,
            "answer": call.answer,
            "tokens_in": call.tokens_in,
            "tokens_out": call.tokens_out,
            "latency_ms": call.latency_ms,
            "cache_hit": call.cache_hit,
            "valid": call.valid,
        });
        if call.cost_micros > 0 {
            entry["cost"] = json!(call.cost_micros as f64 / 1_000_000.0);
        }
        if let Some(error) = &call.error {
            entry["error"] = json!(error);
        }
        if let Some(objective) = &call.objective {
            entry["objective"] = json!(objective);
        }
        entry
    }
}

#[derive(Clone, Debug)]
pub struct Waiting {
    /// `user_task`, `job`, `timer`, `message`, `signal` or `child` (a call activity
    /// waiting for the instance `id.instance`).
    pub kind: &'static str,
    pub id: GlobalKey,
    pub element: String,
    pub name: Option<String>,
    pub job_type: Option<String>,
    pub due: Option<Timestamp>,
    /// Who claimed the user task.
    pub assignee: Option<String>,
}

#[derive(Clone, Debug)]
pub struct IncidentView {
    pub id: GlobalKey,
    pub element: String,
    pub kind: &'static str,
    pub message: String,
    pub job: Option<GlobalKey>,
}

impl InstanceView {
    pub fn build(
        def: &Definition,
        state: &InstanceState,
        journal: &[JournalRecord],
    ) -> InstanceView {
        let instance = state.instance;
        // The process's own listener jobs (and their incidents) are on the process itself.
        let element = |key| {
            if key == state.root {
                return (state.process_id.clone(), def.graph().name.clone());
            }
            state
                .elements
                .get(&key)
                .and_then(|e| e.node)
                .map(|n| def.node(n))
                .map_or((String::new(), None), |n| (n.id.clone(), n.name.clone()))
        };
        let mut waiting = Vec::new();
        // A task being completed waits for its completing listeners' jobs, listed below.
        for task in state.user_tasks.values().filter(|t| t.completing.is_none()) {
            let (element, name) = element(task.element);
            waiting.push(Waiting {
                kind: "user_task",
                id: GlobalKey {
                    instance,
                    key: task.key,
                },
                element,
                name,
                job_type: None,
                assignee: task.assignee.clone(),
                due: None,
            });
        }
        for job in state.jobs.values().filter(|j| j.state == JobState::Ready) {
            let (element, name) = element(job.element);
            waiting.push(Waiting {
                kind: "job",
                id: GlobalKey {
                    instance,
                    key: job.key,
                },
                element,
                name,
                job_type: Some(job.job_type.clone()),
                assignee: None,
                due: Some(job.due),
            });
        }
        for timer in state.timers.values() {
            let event = def.node(timer.event);
            waiting.push(Waiting {
                kind: "timer",
                id: GlobalKey {
                    instance,
                    key: timer.key,
                },
                element: event.id.clone(),
                name: event.name.clone(),
                job_type: None,
                assignee: None,
                due: Some(timer.due),
            });
        }
        for (call, child) in &state.children {
            let (element, name) = element(*call);
            waiting.push(Waiting {
                kind: "child",
                id: GlobalKey {
                    instance: *child,
                    key: baton_core::Key(0),
                },
                element,
                name,
                job_type: None,
                assignee: None,
                due: None,
            });
        }
        for subscription in state.subscriptions.values() {
            let event = def.node(subscription.event);
            let (kind, what) = match &subscription.wait {
                baton_core::Wait::Message {
                    name,
                    correlation_key,
                } => ("message", format!("{name} ({correlation_key})")),
                baton_core::Wait::Signal { name } => ("signal", name.clone()),
            };
            waiting.push(Waiting {
                kind,
                id: GlobalKey {
                    instance,
                    key: subscription.key,
                },
                element: event.id.clone(),
                name: Some(what),
                job_type: None,
                assignee: None,
                due: None,
            });
        }
        let incidents: Vec<IncidentView> = state
            .incidents
            .values()
            .map(|i| IncidentView {
                id: GlobalKey {
                    instance,
                    key: i.key,
                },
                element: element(i.element).0,
                kind: i.kind.as_str(),
                message: i.message.clone(),
                job: i.job.map(|key| GlobalKey { instance, key }),
            })
            .collect();
        let state_name = match state.status {
            InstanceStatus::Completed => "completed",
            InstanceStatus::Cancelled => "cancelled",
            InstanceStatus::Active if !incidents.is_empty() => "incident",
            InstanceStatus::Active if !waiting.is_empty() => "waiting",
            InstanceStatus::Active => "active",
        };
        InstanceView {
            instance,
            process_id: state.process_id.clone(),
            version: state.version,
            state: state_name,
            variables: state.process_variables(),
            path: history::path(journal),
            waiting,
            incidents,
            timeline: history::timeline(journal),
            phases: None,
            llm_calls: llm_calls(instance, journal),
            parent: state.parent.map(|p| p.instance),
            migrations: history::migrations(journal),
        }
    }

    /// The documented JSON shape (`baton run --json`, `show --json`, the API).
    pub fn to_json(&self) -> serde_json::Value {
        let mut object = self.core_json();
        if let Some(phases) = &self.phases {
            object["phases"] = phases.iter().map(|p| p.to_json()).collect();
        }
        // Only child instances have the field, so top-level instances print as before.
        if let Some(parent) = self.parent {
            object["parent"] = json!(parent.0);
        }
        object
    }

    fn core_json(&self) -> serde_json::Value {
        json!({
            "instance": self.instance.0,
            "process": self.process_id,
            "version": self.version,
            "state": self.state,
            "variables": Value::context(self.variables.clone()).to_json(),
            "path": self.path,
            "waiting": self.waiting.iter().map(|w| {
                let id = if w.kind == "child" { w.id.instance.to_string() } else { w.id.to_string() };
                let mut entry = json!({"kind": w.kind, "id": id, "element": w.element});
                if let Some(name) = &w.name { entry["name"] = json!(name); }
                if let Some(job_type) = &w.job_type { entry["type"] = json!(job_type); }
                if let Some(assignee) = &w.assignee { entry["assignee"] = json!(assignee); }
                entry
            }).collect::<Vec<_>>(),
            "incidents": self.incidents.iter().map(|i| json!({
                "id": i.id.to_string(),
                "element": i.element,
                "kind": i.kind,
                "message": i.message,
                "job": i.job.map(|j| j.to_string()),
            })).collect::<Vec<_>>(),
            "llm_calls": self.llm_calls.iter().map(LlmCallView::to_json).collect::<Vec<_>>(),
            "migrations": self.migrations.iter().map(|m| json!({
                "from": m.from,
                "to": m.to,
                "mapping": m.mapping,
                "reason": m.reason,
                "at_ms": m.at.0,
                "seq": m.seq,
            })).collect::<Vec<_>>(),
            "timeline": self.timeline.iter().map(|run| {
                let mut entry = json!({
                    "element": run.element,
                    "started_at": run.started.0,
                    "ended_at": run.ended.map(|t| t.0),
                    "outcome": run.outcome.as_str(),
                });
                if !run.warnings.is_empty() { entry["warnings"] = json!(run.warnings); }
                entry
            }).collect::<Vec<_>>(),
        })
    }
}

/// The instance's LLM calls, in journal order.
fn llm_calls(instance: baton_core::InstanceId, journal: &[JournalRecord]) -> Vec<LlmCallView> {
    journal
        .iter()
        .filter_map(|record| match &record.event {
            Event::LlmCalled { job, element, call } => Some(LlmCallView {
                element: element.to_string(),
                job: GlobalKey {
                    instance,
                    key: *job,
                },
                call: (**call).clone(),
            }),
            _ => None,
        })
        .collect()
}
