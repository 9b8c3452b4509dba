//! Instance state: the fold of an instance's journal.
//!
//! [`InstanceState::apply`] is the only code that mutates state. The engine calls it for
//! every event it emits, and replay calls it for every stored event, so a replayed
//! instance is the live one by construction. Finished element instances, jobs and tasks
//! are dropped from the state (their history lives in the journal), which keeps a waiting
//! instance small.

use std::collections::{BTreeMap, BTreeSet};

use baton_feel::{Context, Value};
use baton_model::{FlowId, ListenerEvent, NodeId};

use crate::definition::Definition;
use crate::event::{Event, IncidentKind, ListenerRef, Moved, TraceContext, Wait};
use crate::ids::{InstanceId, Key, ParentRef, Timestamp};

#[derive(Clone, Debug, PartialEq)]
pub struct InstanceState {
    pub instance: InstanceId,
    pub process_id: String,
    pub version: u32,
    pub status: InstanceStatus,
    /// The process's own element instance: the root variable scope.
    pub root: Key,
    /// Live element instances (not yet completed or terminated).
    pub elements: BTreeMap<Key, ElementInstance>,
    /// Variables per scope: the root, or an element's local variables.
    pub variables: BTreeMap<Key, Context>,
    /// Tokens travelling on sequence flows, per scope, until a target consumes them.
    pub tokens: BTreeMap<(Key, FlowId), u32>,
    pub jobs: BTreeMap<Key, Job>,
    pub user_tasks: BTreeMap<Key, UserTask>,
    pub incidents: BTreeMap<Key, Incident>,
    /// Armed timers, until they fire or their element ends.
    pub timers: BTreeMap<Key, Timer>,
    /// Open message and signal subscriptions, until their element ends.
    pub subscriptions: BTreeMap<Key, Subscription>,
    /// Completed activities with a compensation handler, oldest first.
    pub compensable: Vec<Compensable>,
    /// Conditional events (by owner and event) whose condition is true and was acted on;
    /// they fire again only after it has been false.
    pub conditions_met: BTreeSet<(Key, NodeId)>,
    /// The call activity that started this instance, if one did.
    pub parent: Option<ParentRef>,
    /// Its trace, if one was recorded at start (`instance_created`).
    pub trace: Option<Box<TraceContext>>,
    /// Where the instance starts once the process's start listeners have completed.
    pub start_at: Option<NodeId>,
    /// Instances started by this instance's call activities, by call activity.
    pub children: BTreeMap<Key, InstanceId>,
    /// Next key to hand out; keys are never reused within an instance.
    pub next_key: u64,
    /// Number of events applied so far (the next event's journal position).
    pub seq: u64,
    /// What the instance's LLM tasks have used so far (`llm_called` events), for budgets.
    pub llm_usage: LlmUsage,
}

/// The sum of an instance's journaled LLM calls.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LlmUsage {
    /// Requests sent to a provider (cache hits are not requests).
    pub requests: u64,
    pub cache_hits: u64,
    pub tokens_in: u64,
    pub tokens_out: u64,
    pub cost_micros: u64,
}

impl LlmUsage {
    pub fn tokens(&self) -> u64 {
        self.tokens_in.saturating_add(self.tokens_out)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InstanceStatus {
    Active,
    Completed,
    Cancelled,
}

impl InstanceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            InstanceStatus::Active => "active",
            InstanceStatus::Completed => "completed",
            InstanceStatus::Cancelled => "cancelled",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ElementInstance {
    pub key: Key,
    /// `None` for the process itself.
    pub node: Option<NodeId>,
    pub scope: Option<Key>,
    pub lifecycle: Lifecycle,
    /// How many listeners of one event have completed: they run one after another, and
    /// the element goes on when the last one has.
    pub listened: Option<(ListenerEvent, u32)>,
    /// The job of the listener running now, if one is.
    pub listener_job: Option<Key>,
}

impl ElementInstance {
    /// How many listeners of `event` have completed.
    pub fn listened(&self, event: ListenerEvent) -> u32 {
        match self.listened {
            Some((done, count)) if done == event => count,
            _ => 0,
        }
    }
}

/// Where an element instance is in its life. Completed and terminated element instances
/// leave the state, so those two are only ever seen in the journal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lifecycle {
    Activating,
    Activated,
    Completing,
    Terminating,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    pub key: Key,
    pub element: Key,
    pub job_type: String,
    pub retries: u32,
    /// The retries it was created with (its definition's, worked out if an expression).
    pub created_retries: u32,
    pub state: JobState,
    /// When the job may next be attempted.
    pub due: Timestamp,
    pub last_error: Option<String>,
    /// The listener the job runs; `None` for the element's own job.
    pub listener: Option<ListenerRef>,
    /// The remote worker that activated the job last, and until when it holds it; `None`
    /// until one does, and again once an attempt failed.
    pub lease: Option<JobLease>,
    /// Which attempt at the job this is: 1 at first, one more after each failure with
    /// retries left, each activation after a lease ran out (the job was leased still), and
    /// each incident resolved with new retries. Names the attempt's span in traces.
    pub attempt: u32,
}

/// Who holds a job, and until when (`job_activated`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobLease {
    pub worker: String,
    pub deadline: Timestamp,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobState {
    /// Waiting for a worker (immediately, or after a retry backoff).
    Ready,
    /// Out of retries; an incident holds it.
    Failed,
}

#[derive(Clone, Debug, PartialEq)]
pub struct UserTask {
    pub key: Key,
    pub element: Key,
    /// Who claimed the task, if anyone.
    pub assignee: Option<String>,
    pub candidate_groups: Vec<String>,
    pub candidate_users: Vec<String>,
    /// The variables it is being completed with, while its completing listeners run.
    pub completing: Option<Context>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Timer {
    pub key: Key,
    /// The element instance whose life bounds the timer.
    pub element: Key,
    /// The timer event (catch, boundary or start event) that fires.
    pub event: NodeId,
    pub due: Timestamp,
    /// Earlier firings of the same cycle.
    pub fired: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Subscription {
    pub key: Key,
    /// The element instance whose life bounds the subscription.
    pub element: Key,
    /// The event (catch, receive task, boundary or start event) that is triggered.
    pub event: NodeId,
    pub wait: Wait,
}

/// An activity that completed and can be undone by its compensation handler.
#[derive(Clone, Debug, PartialEq)]
pub struct Compensable {
    pub scope: Key,
    pub activity: NodeId,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Incident {
    pub key: Key,
    pub element: Key,
    pub job: Option<Key>,
    pub kind: IncidentKind,
    pub message: String,
}

/// A journal that does not fit the model or itself: a corrupted store, or a journal
/// replayed against the wrong definition.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    #[error("event refers to element '{0}', which the process definition does not have")]
    UnknownElement(String),
    #[error("event refers to sequence flow '{0}', which the process definition does not have")]
    UnknownFlow(String),
    #[error("event refers to key {0}, which is not live in the instance")]
    UnknownKey(Key),
    #[error("the journal does not start with instance_created")]
    NotStarted,
    #[error("the journal moves to version {0} of its process, which is not deployed")]
    UnknownVersion(u32),
}

impl InstanceState {
    /// The state before the first event; `apply` of `InstanceCreated` fills it in.
    pub fn empty() -> InstanceState {
        InstanceState {
            instance: InstanceId(0),
            process_id: String::new(),
            version: 0,
            status: InstanceStatus::Active,
            root: Key(0),
            elements: BTreeMap::new(),
            variables: BTreeMap::new(),
            tokens: BTreeMap::new(),
            jobs: BTreeMap::new(),
            user_tasks: BTreeMap::new(),
            incidents: BTreeMap::new(),
            timers: BTreeMap::new(),
            subscriptions: BTreeMap::new(),
            compensable: Vec::new(),
            conditions_met: BTreeSet::new(),
            parent: None,
            trace: None,
            start_at: None,
            children: BTreeMap::new(),
            next_key: 1,
            seq: 0,
            llm_usage: LlmUsage::default(),
        }
    }

    /// Rebuilds an instance from its journal.
    pub fn replay<'a>(
        definition: &Definition,
        events: impl IntoIterator<Item = &'a Event>,
    ) -> Result<InstanceState, ReplayError> {
        let mut state = InstanceState::empty();
        for event in events {
            state.apply(definition, event)?;
        }
        if state.seq == 0 {
            return Err(ReplayError::NotStarted);
        }
        Ok(state)
    }

    /// Rebuilds an instance from its journal across migrations: the events are read
    /// against the version the instance was created with, and from each
    /// `instance_migrated` on (that event included) against the version it moved to.
    /// `definition` gives a version of the instance's process (`None`: not deployed).
    pub fn replay_versions<'a>(
        events: impl IntoIterator<Item = &'a Event>,
        mut definition: impl FnMut(u32) -> Option<Definition>,
    ) -> Result<(Definition, InstanceState), ReplayError> {
        let mut state = InstanceState::empty();
        let mut current: Option<Definition> = None;
        for event in events {
            let version = match event {
                Event::InstanceCreated { version, .. } => Some(*version),
                Event::InstanceMigrated { to, .. } => Some(*to),
                _ => None,
            };
            if let Some(version) = version {
                current = Some(definition(version).ok_or(ReplayError::UnknownVersion(version))?);
            }
            let def = current.as_ref().ok_or(ReplayError::NotStarted)?;
            state.apply(def, event)?;
        }
        match current {
            Some(def) if state.seq > 0 => Ok((def, state)),
            _ => Err(ReplayError::NotStarted),
        }
    }

    /// Applies one event. This is the journal's applier: keep each arm a pure
    /// consequence of the event, with no decisions.
    pub fn apply(&mut self, definition: &Definition, event: &Event) -> Result<(), ReplayError> {
        match event {
            Event::InstanceCreated {
                instance,
                process_id,
                version,
                parent,
                trace,
            } => {
                self.parent = *parent;
                self.trace.clone_from(trace);
                self.instance = *instance;
                self.process_id.clone_from(process_id);
                self.version = *version;
                self.status = InstanceStatus::Active;
            }
            Event::ElementActivating {
                key,
                element,
                scope,
                consumed,
                start,
            } => {
                let node = match scope {
                    None => None,
                    Some(_) => Some(node_id(definition, element)?),
                };
                if let Some(scope) = scope {
                    for flow in consumed {
                        let flow = flow_id(definition, flow)?;
                        let slot = (*scope, flow);
                        match self.tokens.get_mut(&slot) {
                            Some(n) if *n > 1 => *n -= 1,
                            Some(_) => {
                                self.tokens.remove(&slot);
                            }
                            None => {}
                        }
                    }
                } else {
                    self.root = *key;
                    self.start_at = match start {
                        Some(start) => Some(node_id(definition, start)?),
                        None => None,
                    };
                }
                self.elements.insert(
                    *key,
                    ElementInstance {
                        key: *key,
                        node,
                        scope: *scope,
                        lifecycle: Lifecycle::Activating,
                        listened: None,
                        listener_job: None,
                    },
                );
                self.bump_key(*key);
            }
            Event::ElementActivated { key } => {
                self.element_mut(*key)?.lifecycle = Lifecycle::Activated;
                if *key == self.root {
                    self.start_at = None;
                }
            }
            Event::ElementCompleting { key } => {
                self.element_mut(*key)?.lifecycle = Lifecycle::Completing
            }
            Event::ElementTerminating { key } => {
                self.element_mut(*key)?.lifecycle = Lifecycle::Terminating
            }
            Event::ElementCompleted { key } | Event::ElementTerminated { key } => {
                self.elements
                    .remove(key)
                    .ok_or(ReplayError::UnknownKey(*key))?;
                // An element's local variables and the tokens inside it end with it; the
                // process's own variables stay, as the instance's final result.
                if *key != self.root {
                    self.variables.remove(key);
                }
                self.children.remove(key);
                // What completed inside a scope can no longer be compensated once the
                // scope itself is gone.
                self.compensable.retain(|c| c.scope != *key);
                if !self.conditions_met.is_empty() {
                    self.conditions_met.retain(|(owner, _)| owner != key);
                }
                self.tokens.retain(|(scope, _), _| scope != key);
            }
            Event::FlowTaken { flow, scope } => {
                *self
                    .tokens
                    .entry((*scope, flow_id(definition, flow)?))
                    .or_insert(0) += 1;
            }
            Event::VariablesSet { scope, variables } => {
                let context = self.variables.entry(*scope).or_default();
                for (name, value) in variables {
                    context.insert(name.clone(), value.clone());
                }
            }
            Event::JobCreated {
                key,
                element,
                job_type,
                retries,
                listener,
            } => {
                self.jobs.insert(
                    *key,
                    Job {
                        key: *key,
                        element: *element,
                        job_type: job_type.clone(),
                        retries: *retries,
                        created_retries: *retries,
                        state: JobState::Ready,
                        due: Timestamp(i64::MIN),
                        last_error: None,
                        listener: *listener,
                        lease: None,
                        attempt: 1,
                    },
                );
                if listener.is_some() {
                    self.element_mut(*element)?.listener_job = Some(*key);
                }
                self.bump_key(*key);
            }
            Event::JobCompleted { key } => {
                let job = self.jobs.remove(key).ok_or(ReplayError::UnknownKey(*key))?;
                if let Some(listener) = job.listener {
                    let element = self.element_mut(job.element)?;
                    element.listened = Some((listener.event, listener.index + 1));
                    element.listener_job = None;
                }
            }
            Event::JobCancelled { key } | Event::JobErrorThrown { key, .. } => {
                let job = self.jobs.remove(key).ok_or(ReplayError::UnknownKey(*key))?;
                if job.listener.is_some() {
                    self.element_mut(job.element)?.listener_job = None;
                }
            }
            Event::JobActivated {
                key,
                worker,
                deadline,
            } => {
                let job = self
                    .jobs
                    .get_mut(key)
                    .ok_or(ReplayError::UnknownKey(*key))?;
                if job.lease.is_some() {
                    job.attempt += 1;
                }
                job.lease = Some(JobLease {
                    worker: worker.clone(),
                    deadline: *deadline,
                });
            }
            Event::JobFailed {
                key,
                retries,
                message,
                retry_at,
            } => {
                let job = self
                    .jobs
                    .get_mut(key)
                    .ok_or(ReplayError::UnknownKey(*key))?;
                // The attempt is over: the worker no longer holds the job.
                job.lease = None;
                if *retries > 0 {
                    job.attempt += 1;
                }
                job.retries = *retries;
                job.last_error = Some(message.clone());
                job.due = *retry_at;
                job.state = if *retries == 0 {
                    JobState::Failed
                } else {
                    JobState::Ready
                };
            }
            Event::JobRetriesUpdated { key, retries } => {
                let job = self
                    .jobs
                    .get_mut(key)
                    .ok_or(ReplayError::UnknownKey(*key))?;
                job.retries = *retries;
                if *retries > 0 && job.state == JobState::Failed {
                    job.attempt += 1;
                }
                if *retries > 0 {
                    job.state = JobState::Ready;
                }
            }
            Event::UserTaskCreated { key, element } => {
                self.user_tasks.insert(
                    *key,
                    UserTask {
                        key: *key,
                        element: *element,
                        assignee: None,
                        candidate_groups: Vec::new(),
                        candidate_users: Vec::new(),
                        completing: None,
                    },
                );
                self.bump_key(*key);
            }
            Event::UserTaskAssigned { key, assignee } => {
                let task = self
                    .user_tasks
                    .get_mut(key)
                    .ok_or(ReplayError::UnknownKey(*key))?;
                task.assignee.clone_from(assignee);
            }
            Event::UserTaskCandidatesSet { key, groups, users } => {
                let task = self
                    .user_tasks
                    .get_mut(key)
                    .ok_or(ReplayError::UnknownKey(*key))?;
                task.candidate_groups.clone_from(groups);
                task.candidate_users.clone_from(users);
            }
            Event::UserTaskCompleting { key, variables } => {
                let task = self
                    .user_tasks
                    .get_mut(key)
                    .ok_or(ReplayError::UnknownKey(*key))?;
                let mut context = Context::new();
                for (name, value) in variables {
                    context.insert(name.clone(), value.clone());
                }
                task.completing = Some(context);
            }
            Event::UserTaskCompleted { key } | Event::UserTaskCancelled { key } => {
                self.user_tasks
                    .remove(key)
                    .ok_or(ReplayError::UnknownKey(*key))?;
            }
            Event::IncidentCreated {
                key,
                element,
                job,
                kind,
                message,
            } => {
                self.incidents.insert(
                    *key,
                    Incident {
                        key: *key,
                        element: *element,
                        job: *job,
                        kind: *kind,
                        message: message.clone(),
                    },
                );
                self.bump_key(*key);
            }
            Event::IncidentResolved { key } => {
                self.incidents
                    .remove(key)
                    .ok_or(ReplayError::UnknownKey(*key))?;
            }
            Event::TimerCreated {
                key,
                element,
                event,
                due,
                fired,
            } => {
                let timer = Timer {
                    key: *key,
                    element: *element,
                    event: node_id(definition, event)?,
                    due: *due,
                    fired: *fired,
                };
                self.timers.insert(*key, timer);
                self.bump_key(*key);
            }
            Event::TimerTriggered { key } | Event::TimerCancelled { key } => {
                self.timers
                    .remove(key)
                    .ok_or(ReplayError::UnknownKey(*key))?;
            }
            Event::SubscriptionOpened {
                key,
                element,
                event,
                wait,
            } => {
                let subscription = Subscription {
                    key: *key,
                    element: *element,
                    event: node_id(definition, event)?,
                    wait: wait.clone(),
                };
                self.subscriptions.insert(*key, subscription);
                self.bump_key(*key);
            }
            Event::SubscriptionTriggered { key } => {
                if !self.subscriptions.contains_key(key) {
                    return Err(ReplayError::UnknownKey(*key));
                }
            }
            Event::SubscriptionClosed { key } => {
                self.subscriptions
                    .remove(key)
                    .ok_or(ReplayError::UnknownKey(*key))?;
            }
            Event::CompensationRecorded { scope, activity } => {
                let activity = node_id(definition, activity)?;
                self.compensable.push(Compensable {
                    scope: *scope,
                    activity,
                });
            }
            Event::CompensationStarted { scope, activity } => {
                let activity = match activity {
                    Some(a) => Some(node_id(definition, a)?),
                    None => None,
                };
                self.compensable
                    .retain(|c| c.scope != *scope || activity.is_some_and(|a| a != c.activity));
            }
            Event::ChildInstanceStarted { element, child } => {
                self.children.insert(*element, *child);
            }
            Event::ConditionMet { owner, event } => {
                self.conditions_met
                    .insert((*owner, node_id(definition, event)?));
            }
            Event::ConditionReset { owner, event } => {
                self.conditions_met
                    .remove(&(*owner, node_id(definition, event)?));
            }
            Event::LlmCalled { call, .. } => {
                let usage = &mut self.llm_usage;
                if call.cache_hit {
                    usage.cache_hits += 1;
                } else {
                    usage.requests += 1;
                }
                usage.tokens_in = usage.tokens_in.saturating_add(call.tokens_in);
                usage.tokens_out = usage.tokens_out.saturating_add(call.tokens_out);
                usage.cost_micros = usage.cost_micros.saturating_add(call.cost_micros);
            }
            Event::InstanceMigrated { to, moved, .. } => {
                let Moved {
                    elements,
                    timers,
                    subscriptions,
                    tokens,
                    compensable,
                    conditions,
                    start_at,
                } = &**moved;
                // `definition` is version `to`: every name below is one of its elements.
                self.version = *to;
                for (key, element) in elements {
                    let node = node_id(definition, element)?;
                    self.element_mut(*key)?.node = Some(node);
                }
                for (key, event) in timers {
                    let node = node_id(definition, event)?;
                    self.timers
                        .get_mut(key)
                        .ok_or(ReplayError::UnknownKey(*key))?
                        .event = node;
                }
                for (key, event) in subscriptions {
                    let node = node_id(definition, event)?;
                    self.subscriptions
                        .get_mut(key)
                        .ok_or(ReplayError::UnknownKey(*key))?
                        .event = node;
                }
                self.tokens = tokens
                    .iter()
                    .map(|(scope, flow, n)| Ok(((*scope, flow_id(definition, flow)?), *n)))
                    .collect::<Result<_, ReplayError>>()?;
                self.compensable = compensable
                    .iter()
                    .map(|(scope, activity)| {
                        Ok(Compensable {
                            scope: *scope,
                            activity: node_id(definition, activity)?,
                        })
                    })
                    .collect::<Result<_, ReplayError>>()?;
                self.conditions_met = conditions
                    .iter()
                    .map(|(owner, event)| Ok((*owner, node_id(definition, event)?)))
                    .collect::<Result<_, ReplayError>>()?;
                self.start_at = match start_at {
                    Some(start) => Some(node_id(definition, start)?),
                    None => None,
                };
            }
            Event::SignalThrown { .. }
            | Event::MessageThrown { .. }
            | Event::DecisionRouted { .. }
            | Event::EventCaught { .. }
            | Event::InstanceModified { .. }
            | Event::WarningRecorded { .. } => {}
            Event::InstanceCompleted {} => self.status = InstanceStatus::Completed,
            Event::InstanceCancelled {} => self.status = InstanceStatus::Cancelled,
        }
        self.seq += 1;
        Ok(())
    }

    fn bump_key(&mut self, key: Key) {
        self.next_key = self.next_key.max(key.0 + 1);
    }

    fn element_mut(&mut self, key: Key) -> Result<&mut ElementInstance, ReplayError> {
        self.elements
            .get_mut(&key)
            .ok_or(ReplayError::UnknownKey(key))
    }

    /// Looks a variable up from `scope` outwards to the root, as FEEL sees it.
    pub fn lookup(&self, scope: Key, name: &str) -> Option<&Value> {
        let mut current = Some(scope);
        while let Some(key) = current {
            if let Some(value) = self.variables.get(&key).and_then(|c| c.get(name)) {
                return Some(value);
            }
            current = self.elements.get(&key).and_then(|e| e.scope);
        }
        None
    }

    /// Every variable visible from `scope`, inner scopes shadowing outer ones: what a job
    /// handler or a person completing a task gets to see.
    pub fn visible_variables(&self, scope: Key) -> Context {
        let mut chain = Vec::new();
        let mut current = Some(scope);
        while let Some(key) = current {
            chain.push(key);
            current = self.elements.get(&key).and_then(|e| e.scope);
        }
        let mut merged = Context::new();
        for key in chain.iter().rev() {
            if let Some(context) = self.variables.get(key) {
                // `$`-names are the engine's own bookkeeping (a multi-instance body's
                // items), not variables anyone wrote.
                for (name, value) in context.iter().filter(|(name, _)| !name.starts_with('$')) {
                    merged.insert(name.clone(), value.clone());
                }
            }
        }
        merged
    }

    /// The variables a job's worker gets: those its element sees, and for a completing
    /// listener's job the variables the task is being completed with on top (as Camunda
    /// gives them).
    pub fn job_variables(&self, job: &Job) -> Context {
        let mut variables = self.visible_variables(job.element);
        if job
            .listener
            .is_some_and(|l| l.event == ListenerEvent::Completing)
            && let Some(completion) = self
                .user_tasks
                .values()
                .find(|t| t.element == job.element)
                .and_then(|t| t.completing.as_ref())
        {
            for (name, value) in completion.iter() {
                variables.insert(name.clone(), value.clone());
            }
        }
        variables
    }

    /// The root scope's variables (the process variables).
    pub fn process_variables(&self) -> Context {
        self.variables.get(&self.root).cloned().unwrap_or_default()
    }

    pub fn is_ended(&self) -> bool {
        self.status != InstanceStatus::Active
    }
}

fn node_id(definition: &Definition, element: &str) -> Result<NodeId, ReplayError> {
    definition
        .node_id(element)
        .ok_or_else(|| ReplayError::UnknownElement(element.to_string()))
}

fn flow_id(definition: &Definition, flow: &str) -> Result<FlowId, ReplayError> {
    definition
        .flow_id(flow)
        .ok_or_else(|| ReplayError::UnknownFlow(flow.to_string()))
}
