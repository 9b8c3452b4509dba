//! The decide step: `(definition, state, request) → events + effects`.
//!
//! [`execute`] validates the command against the state (rejecting it without emitting
//! anything when it does not apply), then runs a work queue of lifecycle [`Step`]s until the
//! instance waits or ends. Every event is applied to the state the moment it is emitted, so
//! later decisions in the same command see its consequences; the queue (rather than
//! recursion) keeps long sequences and loops from growing the stack.
//!
//! [`execute_seeded`] is the same with a seed for FEEL's `random number()` and `uuid()`:
//! the core draws no entropy itself, so whoever sends the command draws the seed, and
//! the journal records the values it gave (replay never evaluates again).

use std::cell::RefCell;
use std::collections::VecDeque;

use baton_feel::{Context, Random};

use crate::behaviors::{events, incident, job, migration, transition, user_task};
use crate::command::{Command, Request};
use crate::definition::Definition;
use crate::effect::Effect;
use crate::elements::call_activity;
use crate::event::{Event, IncidentKind, TraceContext};
use crate::ids::{InstanceId, Key, ParentRef, Timestamp};
use crate::state::{InstanceState, ReplayError};

/// What one command produced.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outcome {
    /// Events to append to the journal, in order (already applied to the state).
    pub events: Vec<Event>,
    /// Work for the runtime (IO the core does not do itself).
    pub effects: Vec<Effect>,
}

/// Why a command was refused. A rejected command changed nothing.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error(
        "variable '{0}' nests lists and contexts more than {max} levels deep, more than an instance can keep; flatten it",
        max = baton_feel::MAX_NESTING
    )]
    TooDeep(String),
    #[error("instance {0} was already started")]
    AlreadyStarted(InstanceId),
    #[error("process '{0}' has no none start event to start from")]
    NoStartEvent(String),
    #[error("instance {0} has already ended")]
    InstanceEnded(InstanceId),
    #[error(
        "instance {instance} has no open job {job} (it may have been completed or cancelled already)"
    )]
    UnknownJob { instance: InstanceId, job: Key },
    #[error("job {instance}-{job} has no retries left; resolve its incident first")]
    JobFailed { instance: InstanceId, job: Key },
    #[error(
        "job {instance}-{job} runs a listener, which cannot throw a BPMN error (nor can it in Camunda): complete or fail it"
    )]
    ListenerThrows { instance: InstanceId, job: Key },
    #[error(
        "job {instance}-{job} runs a user task listener, which completes without variables (as in Camunda): complete it with none"
    )]
    ListenerVariables { instance: InstanceId, job: Key },
    #[error(
        "user task {instance}-{task} is being completed (its completing listeners run): wait for them"
    )]
    UserTaskCompleting { instance: InstanceId, task: Key },
    #[error(
        "instance {instance} has no open user task {task} (it may have been completed already)"
    )]
    UnknownUserTask { instance: InstanceId, task: Key },
    #[error(
        "user task {instance}-{task} is claimed by '{assignee}': unclaim it first, or take it over (--force, or allowOverride in the API)"
    )]
    ClaimedByOther {
        instance: InstanceId,
        task: Key,
        assignee: String,
    },
    #[error("instance {instance} has no open incident {incident}")]
    UnknownIncident { instance: InstanceId, incident: Key },
    #[error("instance {instance} has no armed timer {timer} (it fired or was cancelled already)")]
    UnknownTimer { instance: InstanceId, timer: Key },
    #[error(
        "instance {instance} has no open subscription {subscription} (it was triggered or closed already)"
    )]
    UnknownSubscription {
        instance: InstanceId,
        subscription: Key,
    },
    #[error("cannot modify the instance: {0}")]
    CannotModify(String),
    #[error("cannot migrate: {0}")]
    CannotMigrate(String),
    #[error("the instance cannot move: {0}")]
    Unmovable(crate::behaviors::migration::Unmovable),
    #[error("instance {instance} has no call activity {element} waiting for its child")]
    UnknownCallActivity { instance: InstanceId, element: Key },
    #[error("instance {instance}: nothing catches the {what} thrown by its child")]
    NotCaught { instance: InstanceId, what: String },
    #[error("process '{process}' has no start event '{element}' that a trigger can start")]
    UnknownStartEvent { process: String, element: String },
    /// The engine produced an event its own state could not apply: a bug, or a journal
    /// replayed against the wrong definition. The state must be discarded and reloaded.
    #[error("internal inconsistency: {0}")]
    Internal(#[from] ReplayError),
}

/// One unit of lifecycle work for an element instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// Input mappings, then `ElementActivated`, then the element's own behaviour.
    Activate(Key),
    /// The element's own behaviour (re-run after an incident on it is resolved).
    Run(Key),
    /// Output mappings, choosing outgoing flows, `ElementCompleted`, taking the flows.
    Complete(Key),
}

/// The state of one command being processed: shared by every behaviour and element.
pub(crate) struct Processor<'a> {
    pub def: &'a Definition,
    pub state: &'a mut InstanceState,
    pub at: Timestamp,
    /// What FEEL's `random number()` and `uuid()` draw from during this command: seeded
    /// by the caller, or `None` (they are then null with a warning).
    pub random: Option<Random>,
    pub outcome: Outcome,
    queue: VecDeque<Step>,
    /// Lifecycle steps this command has run (see [`Definition::max_steps_per_command`]).
    steps: u32,
    /// Warnings of expressions evaluated since the last event (element, message): an
    /// evaluation only reads the state, so it cannot emit; the next event emitted (or
    /// the end of the command) writes them first, as [`Event::WarningRecorded`].
    pub notes: RefCell<Vec<(Key, String)>>,
}

impl Processor<'_> {
    /// Applies an event to the state and records it for the journal.
    pub fn emit(&mut self, event: Event) -> Result<(), ReplayError> {
        // Every event passes here: the rare warnings waiting to be written stay off the
        // common path.
        if !self.notes.get_mut().is_empty() {
            self.flush_notes()?;
        }
        self.apply(event)
    }

    /// Applies an event that moves the instance to another version of its process
    /// (`instance_migrated`): read against that version's definition, `to`.
    pub fn emit_under(&mut self, to: &Definition, event: Event) -> Result<(), ReplayError> {
        if !self.notes.get_mut().is_empty() {
            self.flush_notes()?;
        }
        self.state.apply(to, &event)?;
        self.outcome.events.push(event);
        Ok(())
    }

    #[inline]
    fn apply(&mut self, event: Event) -> Result<(), ReplayError> {
        self.state.apply(self.def, &event)?;
        self.outcome.events.push(event);
        Ok(())
    }

    #[cold]
    fn flush_notes(&mut self) -> Result<(), ReplayError> {
        for (element, message) in std::mem::take(self.notes.get_mut()) {
            self.apply(Event::WarningRecorded { element, message })?;
        }
        Ok(())
    }

    pub fn effect(&mut self, effect: Effect) {
        self.outcome.effects.push(effect);
    }

    pub fn push(&mut self, step: Step) {
        self.queue.push_back(step);
    }

    pub fn next_key(&self) -> Key {
        Key(self.state.next_key)
    }

    fn run_queue(&mut self) -> Result<(), ReplayError> {
        while let Some(step) = self.queue.pop_front() {
            if self.state.is_ended() {
                break;
            }
            if self.steps >= self.def.max_steps_per_command() {
                return self.stop_every_token(step);
            }
            self.steps += 1;
            match step {
                Step::Activate(key) => transition::activate(self, key)?,
                Step::Run(key) => transition::run(self, key)?,
                Step::Complete(key) => transition::complete(self, key)?,
            }
        }
        Ok(())
    }
}

impl Processor<'_> {
    /// The command has run as many steps as one may: every token still on the move
    /// stops where it is, with an incident on its element. Nothing is lost: resolving an
    /// incident runs the element's step it stopped before, as for any incident.
    fn stop_every_token(&mut self, next: Step) -> Result<(), ReplayError> {
        let pending: Vec<Step> = std::iter::once(next).chain(self.queue.drain(..)).collect();
        let limit = self.def.max_steps_per_command();
        // A set, not a scan per step: thousands of tokens may be stopping at once.
        let mut stopped: std::collections::BTreeSet<Key> = self
            .state
            .incidents
            .values()
            .map(|incident| incident.element)
            .collect();
        for step in pending {
            let (Step::Activate(element) | Step::Run(element) | Step::Complete(element)) = step;
            if !self.state.elements.contains_key(&element) || !stopped.insert(element) {
                continue;
            }
            incident::raise(
                self,
                element,
                None,
                IncidentKind::StepLimit,
                format!(
                    "the instance took {limit} steps without waiting for anything (an endless \
                     loop of elements that never wait?): it stopped here; fix the model, then \
                     resolve the incident to go on, or modify or cancel the instance"
                ),
            )?;
        }
        Ok(())
    }
}

/// Processes one command. For `StartInstance`, pass [`InstanceState::empty`]. FEEL's
/// `random number()` and `uuid()` have no source of randomness here (an expression that
/// calls them raises an incident): [`execute_seeded`] gives them one.
pub fn execute(
    def: &Definition,
    state: &mut InstanceState,
    request: &Request,
) -> Result<Outcome, Rejection> {
    run(def, state, request, None)
}

/// [`execute`] with `seed`, random bits the caller drew for this command: every
/// `random number()` and `uuid()` the command evaluates draws from one generator seeded
/// with it, so the same commands with the same seeds give the same journal.
pub fn execute_seeded(
    def: &Definition,
    state: &mut InstanceState,
    request: &Request,
    seed: u128,
) -> Result<Outcome, Rejection> {
    run(def, state, request, Some(Random::new(seed)))
}

fn run(
    def: &Definition,
    state: &mut InstanceState,
    request: &Request,
    random: Option<Random>,
) -> Result<Outcome, Rejection> {
    let mut p = Processor {
        def,
        state,
        at: request.at,
        random,
        // Most commands write a few dozen events; growing from empty would reallocate
        // (and move every event) several times per command.
        outcome: Outcome {
            events: Vec::with_capacity(32),
            effects: Vec::new(),
        },
        queue: VecDeque::new(),
        steps: 0,
        notes: RefCell::new(Vec::new()),
    };
    if let Some(name) = request.command.too_deep_variable() {
        return Err(Rejection::TooDeep(name.to_string()));
    }
    match &request.command {
        Command::StartInstance {
            instance,
            version,
            variables,
            start_at,
            parent,
            trace,
        } => start(
            &mut p,
            *instance,
            *version,
            variables,
            start_at.as_deref(),
            *parent,
            trace.clone(),
        )?,
        Command::ModifyInstance {
            activate,
            terminate,
            variables,
            reason,
        } => {
            ensure_active(&p)?;
            modify(&mut p, activate, terminate, variables, reason)?
        }
        Command::MigrateInstance {
            to,
            mapping,
            reason,
        } => {
            ensure_active(&p)?;
            migration::migrate(&mut p, to, mapping, reason)?
        }
        Command::ChildStarted { element, child } => {
            ensure_active(&p)?;
            call_activity::child_started(&mut p, *element, *child)?
        }
        Command::ChildStartFailed { element, message } => {
            ensure_active(&p)?;
            call_activity::child_start_failed(&mut p, *element, message)?
        }
        Command::CompleteCallActivity { element, variables } => {
            ensure_active(&p)?;
            call_activity::complete(&mut p, *element, variables)?
        }
        Command::ThrowFromChild {
            element,
            thrown,
            variables,
            origin,
        } => {
            ensure_active(&p)?;
            call_activity::child_threw(&mut p, *element, thrown, variables, *origin)?
        }
        Command::ErrorUncaught { element, code } => {
            ensure_active(&p)?;
            events::error_uncaught(&mut p, *element, code)?
        }
        Command::TriggerTimer { timer } => {
            ensure_active(&p)?;
            events::trigger_timer(&mut p, *timer)?
        }
        Command::CorrelateMessage {
            subscription,
            variables,
        }
        | Command::ReceiveSignal {
            subscription,
            variables,
        } => {
            ensure_active(&p)?;
            events::trigger_subscription(&mut p, *subscription, variables)?
        }
        Command::ActivateJob {
            job,
            worker,
            deadline,
        } => {
            ensure_active(&p)?;
            job::activate(&mut p, *job, worker, *deadline)?
        }
        Command::CompleteJob { job, variables } => {
            ensure_active(&p)?;
            job::complete(&mut p, *job, variables)?
        }
        Command::FailJob {
            job,
            retries,
            message,
            retry_backoff_ms,
            incident,
        } => {
            ensure_active(&p)?;
            job::fail(
                &mut p,
                *job,
                *retries,
                message,
                *retry_backoff_ms,
                *incident,
            )?
        }
        Command::RecordLlmCalls { job, calls } => {
            ensure_active(&p)?;
            job::record_llm_calls(&mut p, *job, calls)?
        }
        Command::ThrowError {
            job,
            code,
            message,
            variables,
        } => {
            ensure_active(&p)?;
            job::throw_error(&mut p, *job, code, message, variables)?
        }
        Command::CompleteUserTask { task, variables } => {
            ensure_active(&p)?;
            user_task::complete(&mut p, *task, variables)?
        }
        Command::AssignUserTask {
            task,
            assignee,
            allow_override,
        } => {
            ensure_active(&p)?;
            user_task::assign(&mut p, *task, assignee.as_deref(), *allow_override)?
        }
        Command::CancelInstance => {
            ensure_active(&p)?;
            transition::cancel_instance(&mut p)?
        }
        Command::ResolveIncident { incident, retries } => {
            ensure_active(&p)?;
            incident::resolve(&mut p, *incident, *retries)?
        }
    }
    p.run_queue()?;
    // Conditional events look at variables: whenever a command changed some, the
    // conditions are checked again (a bounded number of rounds, as a triggered event
    // may change variables in turn).
    let mut checked = 0;
    let rounds = if def.has_conditional_events() {
        MAX_CONDITION_ROUNDS
    } else {
        0
    };
    for _ in 0..rounds {
        let changed = p.outcome.events[checked..]
            .iter()
            .any(|e| matches!(e, Event::VariablesSet { .. }));
        checked = p.outcome.events.len();
        if !changed || p.state.is_ended() || !events::check_conditions(&mut p)? {
            break;
        }
        p.run_queue()?;
    }
    p.flush_notes()?;
    Ok(p.outcome)
}

/// Rounds of conditional-event checks one command may cause.
const MAX_CONDITION_ROUNDS: usize = 16;

fn modify(
    p: &mut Processor<'_>,
    activate: &[String],
    terminate: &[Key],
    variables: &Context,
    reason: &str,
) -> Result<(), Rejection> {
    // Validate everything before emitting anything: a rejected command changes nothing.
    let mut targets = Vec::with_capacity(activate.len());
    for element in activate {
        let node = p.def.node_id(element).ok_or_else(|| {
            Rejection::CannotModify(format!("no element '{element}' in the process"))
        })?;
        let scope = match p.def.node(node).scope {
            None => p.state.root,
            Some(sub) => {
                let live: Vec<Key> = p
                    .state
                    .elements
                    .values()
                    .filter(|e| e.node == Some(sub))
                    .map(|e| e.key)
                    .collect();
                match live.as_slice() {
                    [one] => *one,
                    _ => {
                        return Err(Rejection::CannotModify(format!(
                            "'{element}' is inside '{}', which has {} live instances; it needs \
                             exactly one",
                            p.def.node(sub).id,
                            live.len()
                        )));
                    }
                }
            }
        };
        targets.push((node, scope));
    }
    for key in terminate {
        match p.state.elements.get(key) {
            Some(e) if e.node.is_some() => {}
            _ => {
                return Err(Rejection::CannotModify(format!(
                    "no live element instance {key} to terminate"
                )));
            }
        }
    }
    p.emit(Event::InstanceModified {
        reason: reason.to_string(),
    })?;
    if !variables.is_empty() {
        let root = p.state.root;
        p.emit(Event::VariablesSet {
            scope: root,
            variables: variables
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        })?;
    }
    let mut scopes = Vec::new();
    for key in terminate {
        if let Some(scope) = p.state.elements.get(key).and_then(|e| e.scope) {
            scopes.push(scope);
        }
        transition::terminate(p, *key)?;
    }
    for (node, scope) in targets {
        transition::create_element(p, node, scope, Vec::new())?;
    }
    // A scope left with nothing to do completes.
    for scope in scopes {
        if p.state.elements.contains_key(&scope) {
            transition::complete_scope_if_done(p, scope)?;
        }
    }
    Ok(())
}

fn ensure_active(p: &Processor<'_>) -> Result<(), Rejection> {
    if p.state.is_ended() {
        Err(Rejection::InstanceEnded(p.state.instance))
    } else {
        Ok(())
    }
}

/// Whether an instance may be started (restarted) right at `node`: a process-level
/// element that a sequence flow could reach.
fn can_start_at(def: &Definition, node: baton_model::NodeId) -> bool {
    let n = def.node(node);
    n.scope.is_none()
        && !n.for_compensation
        && !matches!(
            n.kind,
            baton_model::NodeKind::BoundaryEvent { .. } | baton_model::NodeKind::StartEvent { .. }
        )
}

fn start(
    p: &mut Processor<'_>,
    instance: InstanceId,
    version: u32,
    variables: &Context,
    start_at: Option<&str>,
    parent: Option<ParentRef>,
    trace: Option<Box<TraceContext>>,
) -> Result<(), Rejection> {
    if p.state.seq != 0 {
        return Err(Rejection::AlreadyStarted(p.state.instance));
    }
    let start_node = match start_at {
        // Without a none start event, a parallel multiple one: the instance waits there
        // for all of its triggers.
        None => p.def.none_start(None).or_else(|| p.def.parallel_start()),
        Some(element) => {
            let found = p
                .def
                .node_id(element)
                .filter(|n| p.def.triggered_starts().any(|s| s == *n) || can_start_at(p.def, *n));
            if found.is_none() {
                return Err(Rejection::UnknownStartEvent {
                    process: p.def.process_id().to_string(),
                    element: element.to_string(),
                });
            }
            found
        }
    };
    let Some(start_node) = start_node else {
        return Err(Rejection::NoStartEvent(p.def.process_id().to_string()));
    };
    let process_id = p.def.process_id().to_string();
    p.emit(Event::InstanceCreated {
        instance,
        process_id: process_id.clone(),
        version,
        parent,
        trace,
    })?;
    let root = p.next_key();
    // With start listeners, the journal says where the instance starts once they ran.
    let listened = p
        .def
        .listeners(None)
        .iter()
        .any(|l| l.event == baton_model::ListenerEvent::Start);
    p.emit(Event::ElementActivating {
        key: root,
        element: p.def.process_name(),
        scope: None,
        consumed: Vec::new(),
        start: listened.then(|| p.def.node_name(start_node)),
    })?;
    if !variables.is_empty() {
        let variables = variables
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        p.emit(Event::VariablesSet {
            scope: root,
            variables,
        })?;
    }
    transition::activate_process(p, root, start_node)?;
    Ok(())
}
