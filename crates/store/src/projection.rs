//! Projection rows from a command's events and the instance state after them.
//!
//! Computed once here so every backend writes the same read model. Rows for things still
//! live are taken from the final state (exact by construction); rows for things that ended
//! in this command are closed with the outcome the events record.

use std::collections::{BTreeMap, BTreeSet};

use baton_core::{
    Definition, Event, InstanceId, InstanceState, InstanceStatus, JobState, Key, Timestamp, Wait,
    state::Lifecycle,
};

use crate::records::{
    DecisionRouteRow, ElementRow, IncidentRow, InstanceRow, JobRow, LlmCallRow, RowChanges,
    SubscriptionRow, TimerRow, UserTaskRow, VariableRow,
};

pub fn changes(
    def: &Definition,
    state: &InstanceState,
    events: &[Event],
    at: Timestamp,
) -> RowChanges {
    let instance = state.instance;
    let mut rows = RowChanges {
        instance: Some(instance_row(state, at)),
        ..RowChanges::default()
    };
    let mut elements: BTreeMap<Key, ElementRow> = BTreeMap::new();
    let mut jobs = BTreeSet::new();
    let mut tasks: BTreeMap<Key, &'static str> = BTreeMap::new();
    let mut incidents: BTreeMap<Key, &'static str> = BTreeMap::new();
    let mut timers = BTreeSet::new();
    let mut subscriptions = BTreeSet::new();
    let mut routes = Vec::new();

    for event in events {
        match event {
            Event::ElementActivating {
                key,
                element: id,
                scope: Some(_),
                ..
            } => {
                let row = element_row(&mut elements, instance, *key, at);
                id.as_ref().clone_into(&mut row.element_id);
                row.state = "activating".into();
            }
            Event::ElementActivated { key } if *key != state.root => {
                element_row(&mut elements, instance, *key, at).state = "activated".into()
            }
            Event::ElementCompleting { key } if *key != state.root => {
                element_row(&mut elements, instance, *key, at).state = "completing".into()
            }
            Event::ElementTerminating { key } if *key != state.root => {
                element_row(&mut elements, instance, *key, at).state = "terminating".into()
            }
            Event::ElementCompleted { key } | Event::ElementTerminated { key }
                if *key != state.root =>
            {
                let row = element_row(&mut elements, instance, *key, at);
                row.state = if matches!(event, Event::ElementCompleted { .. }) {
                    "completed"
                } else {
                    "terminated"
                }
                .into();
                row.ended_at = Some(at);
                rows.scopes_removed.push(*key);
            }
            Event::VariablesSet { scope, variables } => {
                rows.variables
                    .extend(variables.iter().map(|(name, value)| VariableRow {
                        instance,
                        scope: *scope,
                        name: name.to_string(),
                        value: value.clone(),
                    }));
            }
            Event::JobCreated { key, .. }
            | Event::JobCompleted { key }
            | Event::JobFailed { key, .. }
            | Event::JobRetriesUpdated { key, .. }
            | Event::JobActivated { key, .. }
            | Event::JobCancelled { key } => {
                jobs.insert(*key);
            }
            Event::UserTaskCreated { key, .. }
            | Event::UserTaskAssigned { key, .. }
            | Event::UserTaskCandidatesSet { key, .. } => {
                tasks.insert(*key, "open");
            }
            // Its completing listeners run: nobody may claim or complete it meanwhile.
            Event::UserTaskCompleting { key, .. } => {
                tasks.insert(*key, "completing");
            }
            Event::UserTaskCompleted { key } => {
                tasks.insert(*key, "completed");
            }
            Event::UserTaskCancelled { key } => {
                tasks.insert(*key, "cancelled");
            }
            Event::IncidentCreated { key, .. } => {
                incidents.insert(*key, "open");
            }
            Event::IncidentResolved { key } => {
                incidents.insert(*key, "resolved");
            }
            Event::TimerCreated { key, .. }
            | Event::TimerTriggered { key }
            | Event::TimerCancelled { key } => {
                timers.insert(*key);
            }
            Event::SubscriptionOpened { key, .. } | Event::SubscriptionClosed { key } => {
                subscriptions.insert(*key);
            }
            Event::JobErrorThrown { key, .. } => {
                jobs.insert(*key);
            }
            Event::LlmCalled { job, element, call } => rows.llm_calls.push(LlmCallRow {
                instance,
                job: *job,
                process_id: state.process_id.clone(),
                element_id: element.to_string(),
                provider: call.provider.clone(),
                model: call.model.clone(),
                tokens_in: call.tokens_in,
                tokens_out: call.tokens_out,
                cost_micros: call.cost_micros,
                latency_ms: call.latency_ms,
                cache_hit: call.cache_hit,
                valid: call.valid,
                answered: call.answer.is_some(),
                at,
            }),
            Event::DecisionRouted { key, route } => routes.push((*key, route.as_str())),
            // Everything live now refers to elements of another version: its rows are
            // written again with the new element ids (keys, due times and retries stay).
            Event::InstanceMigrated { .. } => {
                for element in state.elements.values() {
                    let Some(node) = element.node else { continue };
                    let row = element_row(&mut elements, instance, element.key, at);
                    def.node(node).id.clone_into(&mut row.element_id);
                    row.state = match element.lifecycle {
                        Lifecycle::Activating => "activating",
                        Lifecycle::Activated => "activated",
                        Lifecycle::Completing => "completing",
                        Lifecycle::Terminating => "terminating",
                    }
                    .into();
                }
                jobs.extend(state.jobs.keys().copied());
                for task in state.user_tasks.values() {
                    let open = if task.completing.is_some() {
                        "completing"
                    } else {
                        "open"
                    };
                    tasks.insert(task.key, open);
                }
                for key in state.incidents.keys() {
                    incidents.insert(*key, "open");
                }
                timers.extend(state.timers.keys().copied());
                subscriptions.extend(state.subscriptions.keys().copied());
            }
            Event::SubscriptionTriggered { .. }
            | Event::ChildInstanceStarted { .. }
            | Event::InstanceModified { .. }
            | Event::WarningRecorded { .. }
            | Event::CompensationRecorded { .. }
            | Event::CompensationStarted { .. }
            | Event::SignalThrown { .. }
            | Event::MessageThrown { .. }
            | Event::EventCaught { .. }
            | Event::ConditionMet { .. }
            | Event::ConditionReset { .. }
            | Event::InstanceCreated { .. }
            | Event::ElementActivating { .. }
            | Event::ElementActivated { .. }
            | Event::ElementCompleting { .. }
            | Event::ElementTerminating { .. }
            | Event::ElementCompleted { .. }
            | Event::ElementTerminated { .. }
            | Event::FlowTaken { .. }
            | Event::InstanceCompleted {}
            | Event::InstanceCancelled {} => {}
        }
    }
    // A decision routed as its task activated names its element in this append; one
    // routed later (an incident resolved) in the live state, unless the task has ended
    // since, when the backend finds it in the element instance's row.
    rows.decision_routes = routes
        .into_iter()
        .map(|(key, route)| DecisionRouteRow {
            instance,
            key,
            process_id: state.process_id.clone(),
            element_id: elements
                .get(&key)
                .map(|row| row.element_id.clone())
                .filter(|id| !id.is_empty())
                .or_else(|| {
                    let node = state.elements.get(&key).and_then(|e| e.node)?;
                    Some(def.node(node).id.clone())
                })
                .unwrap_or_default(),
            route: route.into(),
            at,
        })
        .collect();
    rows.elements = elements.into_values().collect();

    // The process's own listener jobs (and their incidents) are on the process itself.
    let element_id = |key: Key| -> String {
        if key == state.root {
            return state.process_id.clone();
        }
        state
            .elements
            .get(&key)
            .and_then(|e| e.node)
            .map(|n| def.node(n).id.clone())
            .unwrap_or_default()
    };
    for key in jobs {
        match state.jobs.get(&key) {
            Some(job) => rows.jobs.push(JobRow {
                instance,
                key,
                element_id: element_id(job.element),
                job_type: job.job_type.clone(),
                retries: job.retries,
                state: match job.state {
                    JobState::Ready => "ready",
                    JobState::Failed => "failed",
                }
                .into(),
                due: job.due.max(at),
                error: job.last_error.clone(),
                worker: job.lease.as_ref().map(|l| l.worker.clone()),
                lease_deadline: job.lease.as_ref().map(|l| l.deadline),
            }),
            None => rows.jobs_removed.push(key),
        }
    }
    for (key, task_state) in tasks {
        let live = state.user_tasks.get(&key);
        let node = live
            .and_then(|t| state.elements.get(&t.element))
            .and_then(|e| e.node);
        rows.user_tasks.push(UserTaskRow {
            instance,
            key,
            element_id: node.map(|n| def.node(n).id.clone()).unwrap_or_default(),
            name: node.and_then(|n| def.node(n).name.clone()),
            process_id: state.process_id.clone(),
            state: task_state.into(),
            assignee: live.and_then(|t| t.assignee.clone()),
            candidate_groups: live.map(|t| t.candidate_groups.clone()).unwrap_or_default(),
            candidate_users: live.map(|t| t.candidate_users.clone()).unwrap_or_default(),
            created_at: at,
            ended_at: matches!(task_state, "completed" | "cancelled").then_some(at),
        });
    }
    for key in timers {
        match state.timers.get(&key) {
            Some(timer) => rows.timers.push(TimerRow {
                instance,
                key,
                element_id: def.node(timer.event).id.clone(),
                due: timer.due,
            }),
            None => rows.timers_removed.push(key),
        }
    }
    for key in subscriptions {
        match state.subscriptions.get(&key) {
            Some(subscription) => {
                let (kind, name, correlation_key) = match &subscription.wait {
                    Wait::Message {
                        name,
                        correlation_key,
                    } => ("message", name.clone(), Some(correlation_key.clone())),
                    Wait::Signal { name } => ("signal", name.clone(), None),
                };
                rows.subscriptions.push(SubscriptionRow {
                    instance,
                    key,
                    element_id: def.node(subscription.event).id.clone(),
                    kind: kind.into(),
                    name,
                    correlation_key,
                });
            }
            None => rows.subscriptions_removed.push(key),
        }
    }
    for (key, incident_state) in incidents {
        let live = state.incidents.get(&key);
        rows.incidents.push(IncidentRow {
            instance,
            key,
            element_id: live.map(|i| element_id(i.element)).unwrap_or_default(),
            job: live.and_then(|i| i.job),
            kind: live
                .map(|i| i.kind.as_str().to_string())
                .unwrap_or_default(),
            message: live.map(|i| i.message.clone()).unwrap_or_default(),
            state: incident_state.into(),
            created_at: at,
            resolved_at: (incident_state != "open").then_some(at),
        });
    }
    rows
}

fn instance_row(state: &InstanceState, at: Timestamp) -> InstanceRow {
    let status = match state.status {
        InstanceStatus::Completed => "completed",
        InstanceStatus::Cancelled => "cancelled",
        InstanceStatus::Active if !state.incidents.is_empty() => "incident",
        InstanceStatus::Active => "active",
    };
    InstanceRow {
        instance: state.instance,
        process_id: state.process_id.clone(),
        version: state.version,
        state: status.into(),
        started_at: at,
        ended_at: state.is_ended().then_some(at),
        updated_at: at,
        parent: state.parent.map(|p| p.instance),
    }
}

fn element_row(
    rows: &mut BTreeMap<Key, ElementRow>,
    instance: InstanceId,
    key: Key,
    at: Timestamp,
) -> &mut ElementRow {
    rows.entry(key).or_insert_with(|| ElementRow {
        instance,
        key,
        element_id: String::new(),
        state: String::new(),
        started_at: at,
        ended_at: None,
    })
}
