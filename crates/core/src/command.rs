//! Commands: the only way anything outside the core changes an instance.
//!
//! Every command arrives in a [`Request`] with the time it happened, so the engine itself
//! stays free of clocks. A command the current state does not allow is rejected with a
//! [`crate::Rejection`] and produces no events.

use std::collections::BTreeMap;

use baton_feel::Context;

use baton_model::Throw;

use crate::definition::Definition;
use crate::event::{IncidentKind, LlmCall, TraceContext};
use crate::ids::{ElementRef, InstanceId, Key, ParentRef, Timestamp};

/// A command together with the moment it was issued.
#[derive(Clone, Debug)]
pub struct Request {
    pub at: Timestamp,
    pub command: Command,
}

#[derive(Clone, Debug)]
pub enum Command {
    /// Creates the instance and runs it until it waits.
    StartInstance {
        instance: InstanceId,
        version: u32,
        variables: Context,
        /// Where to start: `None` for the none start event; a message, timer or signal
        /// start event when its trigger starts the instance; or any element at process
        /// level, to restart a finished instance from there.
        start_at: Option<String>,
        /// The call activity starting it, for a child instance.
        parent: Option<ParentRef>,
        /// Its trace, when traces are kept or the caller gave one.
        trace: Option<Box<TraceContext>>,
    },
    /// An operator changes a running instance: sets variables on the process, terminates
    /// element instances, and activates elements (at process level, or inside the one
    /// live instance of their subprocess). All or nothing: anything unknown rejects it.
    ModifyInstance {
        activate: Vec<String>,
        terminate: Vec<Key>,
        variables: Context,
        reason: String,
    },
    /// An operator moves the instance to another version of its process, `to` (the
    /// definition the instance runs on from then on), with `mapping` (element ids of the
    /// current version to those of `to`, for elements whose id changed). Rejected,
    /// changing nothing, when the instance cannot move
    /// ([`crate::Rejection::Unmovable`], see [`crate::migration_plan`]).
    MigrateInstance {
        to: Definition,
        mapping: BTreeMap<String, String>,
        reason: String,
    },
    /// The runtime started the child instance a call activity asked for.
    ChildStarted {
        element: Key,
        child: InstanceId,
    },
    /// The child process could not be started (not deployed, say): an incident.
    ChildStartFailed {
        element: Key,
        message: String,
    },
    /// The child instance of a call activity completed with these variables.
    CompleteCallActivity {
        element: Key,
        variables: Context,
    },
    /// A timer is due. Rejected when it already fired or its element ended, so a timer
    /// fires at most once per due time even when the runtime sends this twice.
    TriggerTimer {
        timer: Key,
    },
    /// A published message matched an open message subscription of this instance.
    CorrelateMessage {
        subscription: Key,
        variables: Context,
    },
    /// A broadcast signal reached an open signal subscription of this instance.
    ReceiveSignal {
        subscription: Key,
        variables: Context,
    },
    /// A remote worker takes the job until `deadline` (the runtime works it out from the
    /// lease it grants: the core has no clock). Rejected unless the job is open.
    ActivateJob {
        job: Key,
        worker: String,
        deadline: Timestamp,
    },
    /// A worker finished a job; its variables are merged as the task's result.
    CompleteJob {
        job: Key,
        variables: Context,
    },
    /// A worker failed a job. `retries` is what the worker says is left (normally the
    /// job's retries minus one); zero raises an incident of kind `incident` (a worker's
    /// failure is `JobNoRetries`; an LLM task's answer that stays invalid says so).
    /// `retry_backoff_ms` is decided by the runtime's retry policy, which is where jitter
    /// (randomness) lives.
    FailJob {
        job: Key,
        retries: u32,
        message: String,
        retry_backoff_ms: u64,
        incident: IncidentKind,
    },
    /// The runtime's LLM worker reports the requests it made (or the cached answers it
    /// took) for an open job, before the job's outcome: they are journaled, so replay and
    /// recovery never ask the model again.
    RecordLlmCalls {
        job: Key,
        calls: Vec<LlmCall>,
    },
    /// A worker reports a business error: a BPMN error with `code` is thrown from the
    /// job's task.
    ThrowError {
        job: Key,
        code: String,
        message: String,
        /// The error's variables, given to the catching event (as a thrown event's are).
        variables: Context,
    },
    /// A child instance passes up an error or escalation it did not catch (see
    /// `Effect::ThrownToParent`): thrown at the call activity `element`, it is caught by
    /// the call activity's boundary events or the scopes around it. Rejected with
    /// `Rejection::NotCaught` (changing nothing) when nothing catches it here or above.
    ThrowFromChild {
        element: Key,
        thrown: Throw,
        variables: Context,
        origin: ElementRef,
    },
    /// Nothing up the chain of calling instances caught the error `element` threw
    /// (`Effect::ThrownToParent`): an incident on it.
    ErrorUncaught {
        element: Key,
        code: String,
    },
    CompleteUserTask {
        task: Key,
        variables: Context,
    },
    /// Claims the task for `assignee`, or hands it back with `None`. A task someone else
    /// holds is taken over only with `allow_override`.
    AssignUserTask {
        task: Key,
        assignee: Option<String>,
        allow_override: bool,
    },
    CancelInstance,
    /// Retries whatever the incident stopped. For a job incident, `retries` gives the job
    /// new attempts (default 1).
    ResolveIncident {
        incident: Key,
        retries: Option<u32>,
    },
}

impl Command {
    /// The variables the command brings into the instance from outside, if any.
    pub fn variables(&self) -> Option<&Context> {
        match self {
            Command::StartInstance { variables, .. }
            | Command::ModifyInstance { variables, .. }
            | Command::CompleteCallActivity { variables, .. }
            | Command::CorrelateMessage { variables, .. }
            | Command::ReceiveSignal { variables, .. }
            | Command::CompleteJob { variables, .. }
            | Command::ThrowError { variables, .. }
            | Command::ThrowFromChild { variables, .. }
            | Command::CompleteUserTask { variables, .. } => Some(variables),
            Command::ChildStarted { .. }
            | Command::MigrateInstance { .. }
            | Command::ChildStartFailed { .. }
            | Command::TriggerTimer { .. }
            | Command::FailJob { .. }
            | Command::RecordLlmCalls { .. }
            | Command::ActivateJob { .. }
            | Command::ErrorUncaught { .. }
            | Command::AssignUserTask { .. }
            | Command::CancelInstance
            | Command::ResolveIncident { .. } => None,
        }
    }

    /// The first of the command's variables that nests deeper than the journal can hold
    /// ([`baton_feel::MAX_NESTING`] levels of lists and contexts): FEEL never builds one,
    /// but JSON from a worker or a client can, and a journal holding it could not be read
    /// back.
    pub fn too_deep_variable(&self) -> Option<&str> {
        too_deep_variable(self.variables()?)
    }

    /// A short name for logs and error messages.
    pub fn name(&self) -> &'static str {
        match self {
            Command::StartInstance { .. } => "start instance",
            Command::TriggerTimer { .. } => "trigger timer",
            Command::ModifyInstance { .. } => "modify instance",
            Command::MigrateInstance { .. } => "migrate instance",
            Command::ChildStarted { .. } => "child started",
            Command::ChildStartFailed { .. } => "child start failed",
            Command::CompleteCallActivity { .. } => "complete call activity",
            Command::ThrowError { .. } => "throw error",
            Command::ThrowFromChild { .. } => "throw from child",
            Command::ErrorUncaught { .. } => "error uncaught",
            Command::CorrelateMessage { .. } => "correlate message",
            Command::ReceiveSignal { .. } => "receive signal",
            Command::ActivateJob { .. } => "activate job",
            Command::CompleteJob { .. } => "complete job",
            Command::FailJob { .. } => "fail job",
            Command::RecordLlmCalls { .. } => "record llm calls",
            Command::CompleteUserTask { .. } => "complete user task",
            Command::AssignUserTask { .. } => "assign user task",
            Command::CancelInstance => "cancel instance",
            Command::ResolveIncident { .. } => "resolve incident",
        }
    }
}

/// The first variable that nests deeper than an instance can keep (see
/// [`Command::too_deep_variable`]).
pub fn too_deep_variable(variables: &Context) -> Option<&str> {
    variables
        .iter()
        .find(|(_, value)| value.shape().depth > baton_feel::MAX_NESTING)
        .map(|(name, _)| name.as_ref())
}
