//! Journal events: the stored format of everything that happened to an instance.
//!
//! Events are facts, written in the past tense, and the instance state is nothing but their
//! fold (see [`crate::state`]). They are a stored format: each variant's serialized `type`
//! carries a version (`element_activating@1`). A shipped variant is never changed; a new
//! meaning gets a new variant (`@2`) and the old one keeps its applier, so journals written
//! by older Baton versions replay with the semantics they were written under.
//!
//! Events name elements and flows by their ids in the source model, not by graph index, so
//! a journal stays readable and survives changes to how a model is compiled.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use baton_feel::Value;
use baton_model::ListenerEvent;

use crate::ids::{InstanceId, Key, ParentRef, Timestamp};

/// An element, flow or variable name in an event. Shared with the definition (and the
/// variables' contexts), so emitting an event copies a pointer, not the text.
pub type Name = Arc<str>;

/// Variables written in one step, in order.
pub type VariableList = Vec<(Name, Value)>;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Event {
    #[serde(rename = "instance_created@1")]
    InstanceCreated {
        instance: InstanceId,
        process_id: String,
        version: u32,
        /// The call activity that started it. Absent in journals before call
        /// activities existed, which means what it says: no parent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        parent: Option<ParentRef>,
        /// The instance's trace (OpenTelemetry). Absent when none was given or drawn at
        /// start (telemetry off, or journals from before traces), which means its trace
        /// id follows from the instance id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        trace: Option<Box<TraceContext>>,
    },

    /// An element instance came into being. `scope` is the enclosing element instance
    /// (`None` only for the process itself); `consumed` lists the sequence-flow tokens it
    /// took (one for an ordinary element, one per incoming flow for a parallel join).
    #[serde(rename = "element_activating@1")]
    ElementActivating {
        key: Key,
        element: Name,
        scope: Option<Key>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        consumed: Vec<Name>,
        /// For the process itself when its start listeners run first: the element it
        /// starts at once they have completed. Absent when the process starts at once (as
        /// every process did before listeners existed).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        start: Option<Name>,
    },
    #[serde(rename = "element_activated@1")]
    ElementActivated { key: Key },
    #[serde(rename = "element_completing@1")]
    ElementCompleting { key: Key },
    #[serde(rename = "element_completed@1")]
    ElementCompleted { key: Key },
    #[serde(rename = "element_terminating@1")]
    ElementTerminating { key: Key },
    #[serde(rename = "element_terminated@1")]
    ElementTerminated { key: Key },

    /// A token now travels on `flow` inside `scope`, until the target consumes it.
    #[serde(rename = "flow_taken@1")]
    FlowTaken { flow: Name, scope: Key },

    /// Variables set on one scope (the process, or an element's local scope).
    #[serde(rename = "variables_set@1")]
    VariablesSet { scope: Key, variables: VariableList },

    #[serde(rename = "job_created@1")]
    JobCreated {
        key: Key,
        element: Key,
        job_type: String,
        retries: u32,
        /// The listener of `element` the job runs. Absent for the element's own job (the
        /// only kind before listeners existed).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        listener: Option<ListenerRef>,
    },
    #[serde(rename = "job_completed@1")]
    JobCompleted { key: Key },
    /// A failed attempt. With retries left the job is due again at `retry_at`.
    #[serde(rename = "job_failed@1")]
    JobFailed {
        key: Key,
        retries: u32,
        message: String,
        retry_at: Timestamp,
    },
    /// The worker reported a BPMN error instead of a result; the job is gone.
    #[serde(rename = "job_error_thrown@1")]
    JobErrorThrown {
        key: Key,
        code: String,
        message: String,
    },
    /// A remote worker activated the job: it is `worker`'s until `deadline` (its lease),
    /// and nobody else's, also after a restart. A lease that ran out leaves no event: the
    /// job is simply activatable again, and the next activation is another of these.
    #[serde(rename = "job_activated@1")]
    JobActivated {
        key: Key,
        worker: String,
        deadline: Timestamp,
    },
    #[serde(rename = "job_retries_updated@1")]
    JobRetriesUpdated { key: Key, retries: u32 },
    #[serde(rename = "job_cancelled@1")]
    JobCancelled { key: Key },

    #[serde(rename = "user_task_created@1")]
    UserTaskCreated { key: Key, element: Key },
    /// Completing the task was asked for with `variables`, and its completing listeners
    /// run first: the task completes with those variables once they all have.
    #[serde(rename = "user_task_completing@1")]
    UserTaskCompleting { key: Key, variables: VariableList },
    #[serde(rename = "user_task_completed@1")]
    UserTaskCompleted { key: Key },
    #[serde(rename = "user_task_cancelled@1")]
    UserTaskCancelled { key: Key },
    /// The task was given to `assignee` (claimed), or handed back (`None`).
    #[serde(rename = "user_task_assigned@1")]
    UserTaskAssigned { key: Key, assignee: Option<String> },
    /// Who may claim the task, worked out from the model when it was created.
    #[serde(rename = "user_task_candidates_set@1")]
    UserTaskCandidatesSet {
        key: Key,
        groups: Vec<String>,
        users: Vec<String>,
    },

    #[serde(rename = "incident_created@1")]
    IncidentCreated {
        key: Key,
        element: Key,
        job: Option<Key>,
        kind: IncidentKind,
        message: String,
    },
    #[serde(rename = "incident_resolved@1")]
    IncidentResolved { key: Key },
    /// An expression of the element instance `element` read a variable that does not
    /// exist and went on with null, as Camunda 8.3+ does, instead of stopping with an
    /// incident. History only: it changes no state. Journals from before this event was
    /// written have none: they stopped with an incident instead.
    #[serde(rename = "warning_recorded@1")]
    WarningRecorded { element: Key, message: String },

    /// A timer was armed: due at `due`, owned by the element instance `element` (the
    /// catch event, the activity a boundary event is attached to, or the scope of an
    /// event subprocess), for the timer event `event`. `fired` counts earlier firings
    /// of the same cycle.
    #[serde(rename = "timer_created@1")]
    TimerCreated {
        key: Key,
        element: Key,
        event: Name,
        due: Timestamp,
        #[serde(default, skip_serializing_if = "is_zero")]
        fired: u32,
    },
    /// The timer fired (at most once per due time: it is gone from the state after).
    #[serde(rename = "timer_triggered@1")]
    TimerTriggered { key: Key },
    #[serde(rename = "timer_cancelled@1")]
    TimerCancelled { key: Key },

    /// The element instance `element` waits for a message or signal for the event
    /// `event` (itself, an attached boundary event, or an event subprocess start).
    #[serde(rename = "subscription_opened@1")]
    SubscriptionOpened {
        key: Key,
        element: Key,
        event: Name,
        #[serde(flatten)]
        wait: Wait,
    },
    /// A message was correlated to, or a signal received by, the subscription.
    #[serde(rename = "subscription_triggered@1")]
    SubscriptionTriggered { key: Key },
    #[serde(rename = "subscription_closed@1")]
    SubscriptionClosed { key: Key },

    /// An operator modified the instance (the changes follow as ordinary events).
    #[serde(rename = "instance_modified@1")]
    InstanceModified { reason: String },

    /// An operator moved the instance from version `from` of its process to version
    /// `to` (`baton migrate`), with `mapping` (element ids of `from` to those of `to`,
    /// for elements whose id changed) and `reason`. The other fields name, for every live
    /// thing that refers to an element or flow, what it refers to in `to`: each live
    /// element instance (the process's own aside), armed timer, open subscription, token
    /// on a flow (scope, flow, count), compensable activity (scope, activity) and met
    /// condition (owner, event). Keys stay, so timers keep their due times and jobs their
    /// retries. From this event on, the journal is read against version `to`.
    #[serde(rename = "instance_migrated@1")]
    InstanceMigrated {
        from: u32,
        to: u32,
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        mapping: BTreeMap<String, String>,
        reason: String,
        /// Boxed: a migration is rare, and every event is as large as the largest.
        #[serde(flatten)]
        moved: Box<Moved>,
    },

    /// The activity `activity` completed in `scope` and can be compensated there.
    #[serde(rename = "compensation_recorded@1")]
    CompensationRecorded { scope: Key, activity: Name },
    /// Compensation was thrown in `scope` (for `activity` only, when given): those
    /// activities' handlers run, and they cannot be compensated again.
    #[serde(rename = "compensation_started@1")]
    CompensationStarted {
        scope: Key,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        activity: Option<Name>,
    },

    /// The call activity `element` started the instance `child`.
    #[serde(rename = "child_instance_started@1")]
    ChildInstanceStarted { element: Key, child: InstanceId },

    /// A signal was thrown; the runtime broadcasts it to every instance waiting for it.
    #[serde(rename = "signal_thrown@1")]
    SignalThrown {
        element: Key,
        name: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        variables: VariableList,
    },
    /// A message was sent to another participant of a collaboration; the runtime
    /// publishes it.
    #[serde(rename = "message_thrown@1")]
    MessageThrown {
        element: Key,
        name: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        correlation_key: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        variables: VariableList,
    },
    /// An error or escalation was thrown by `element` and caught by the event `catcher`
    /// (a boundary event or an event subprocess start event).
    #[serde(rename = "event_caught@1")]
    EventCaught {
        element: Key,
        catcher: Name,
        code: String,
    },

    /// The condition of the conditional event `event`, waited on by `owner`, became true
    /// and the event was triggered. It does not trigger again until the condition has
    /// been false (`ConditionReset`): BPMN conditional events fire on the change to true.
    #[serde(rename = "condition_met@1")]
    ConditionMet { owner: Key, event: Name },
    /// The condition of a conditional event that was met is false again.
    #[serde(rename = "condition_reset@1")]
    ConditionReset { owner: Key, event: Name },

    /// The job `job` of the element `element` (an LLM task, or a decision's LLM fallback)
    /// asked a language model, or took a cached answer. Written by the runtime as it
    /// reports the job's outcome, so that replay and recovery reuse the answer and never
    /// ask again; it changes nothing but the instance's LLM usage.
    #[serde(rename = "llm_called@1")]
    LlmCalled {
        job: Key,
        element: Name,
        call: Box<LlmCall>,
    },
    /// A business rule task with an LLM fallback decided `route`: its decision table gave
    /// an answer (`rule`), or gave none and the fallback was asked (`llm`).
    #[serde(rename = "decision_routed@1")]
    DecisionRouted { key: Key, route: DecisionRoute },

    #[serde(rename = "instance_completed@1")]
    InstanceCompleted {},
    #[serde(rename = "instance_cancelled@1")]
    InstanceCancelled {},
}

/// What an `instance_migrated@1` names in the new version: for each live element
/// instance (the process's own aside), armed timer, open subscription, token on a flow
/// (scope, flow, count), compensable activity (scope, activity) and met condition (owner,
/// event), its element or flow there; and where the process starts once its start
/// listeners have run, if they still do.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moved {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub elements: Vec<(Key, Name)>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub timers: Vec<(Key, Name)>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subscriptions: Vec<(Key, Name)>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tokens: Vec<(Key, Name, u32)>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub compensable: Vec<(Key, Name)>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<(Key, Name)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_at: Option<Name>,
}

/// One request to a language model (or one answer from the cache), as journaled: what was
/// sent, what came back, what it cost and whether the answer was valid. Plain data the
/// runtime fills in; the core only keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LlmCall {
    /// The `[llm.providers.NAME]` asked.
    pub provider: String,
    pub model: String,
    /// The messages sent, in order. API keys never get here: they travel in a header.
    pub prompt: Vec<LlmMessage>,
    /// Lowercase hex SHA-256 of provider, model, prompt and parameters: the cache key.
    pub prompt_digest: String,
    /// The content the model returned; absent when no answer came (a timeout, an error).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
    pub tokens_in: u64,
    pub tokens_out: u64,
    pub latency_ms: u64,
    /// In millionths of the currency of the provider's `price_per_1k_tokens`.
    #[serde(default, skip_serializing_if = "is_zero_u64")]
    pub cost_micros: u64,
    pub cache_hit: bool,
    /// Whether the answer was valid for the task's signature.
    pub valid: bool,
    /// Why the request failed or the answer was refused (the validation error the model
    /// is told when it is asked again).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// What a good answer achieves (the task's `objective`), kept for the audit record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub objective: Option<String>,
}

/// A chat message: `role` is `system`, `user` or `assistant`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LlmMessage {
    pub role: String,
    pub content: String,
}

/// Who decided at a business rule task with an LLM fallback.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionRoute {
    /// The decision table gave an answer; no model was asked.
    Rule,
    /// The table gave none; the fallback's LLM job was created.
    Llm,
}

impl DecisionRoute {
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionRoute::Rule => "rule",
            DecisionRoute::Llm => "llm",
        }
    }
}

fn is_zero_u64(n: &u64) -> bool {
    *n == 0
}

/// Where an instance's trace is: its own trace id (drawn at random by the runtime, or the
/// caller's when started under a W3C `traceparent`), the caller's span when there was one,
/// and for a child instance the span of the call activity that started it, which its
/// trace links to. Ids are lowercase hex, as W3C trace context writes them; the runtime
/// checks them before they get here.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceContext {
    /// 32 hex digits.
    pub trace_id: String,
    /// 16 hex digits: the span the instance's root span is a child of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_span_id: Option<String>,
    /// The call activity's span (trace id, span id) in the parent instance's trace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<(String, String)>,
}

/// What a subscription waits for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "wait", rename_all = "snake_case")]
pub enum Wait {
    /// A message by name, for one correlation key (message start events of event
    /// subprocesses use the key too; process-level message start events never subscribe).
    Message {
        name: String,
        correlation_key: String,
    },
    Signal {
        name: String,
    },
}

/// Which listener a job runs: its event, and its place among the element's listeners of
/// that event (they run one after another, in document order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListenerRef {
    #[serde(with = "listener_event")]
    pub event: ListenerEvent,
    pub index: u32,
}

/// A listener event as Camunda names it (`start`, `completing`, …).
mod listener_event {
    use baton_model::ListenerEvent;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(event: &ListenerEvent, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(event.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<ListenerEvent, D::Error> {
        let text = String::deserialize(d)?;
        ListenerEvent::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown listener event '{text}'")))
    }
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// Why an instance stopped and needs an operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentKind {
    /// A job failed and has no retries left.
    JobNoRetries,
    /// A FEEL expression (mapping, script, condition) could not be evaluated.
    ExpressionFailed,
    /// No outgoing sequence flow could be taken.
    NoFlowTaken,
    /// A business rule task's decision is missing or could not be evaluated.
    DecisionFailed,
    /// An error was thrown and no boundary event or event subprocess catches it.
    UnhandledError,
    /// A timer's date, duration or cycle could not be evaluated or read.
    TimerFailed,
    /// A message subscription's correlation key could not be evaluated.
    SubscriptionFailed,
    /// A call activity's process is not deployed.
    CalledProcessMissing,
    /// The instance ran more steps in one command than a command may take without
    /// waiting (an endless loop of elements that never wait, most likely).
    StepLimit,
    /// An LLM task's answer was still not valid for its signature after its re-asks.
    LlmInvalidOutput,
    /// An LLM task would take the instance past its token or cost budget.
    LlmBudgetExceeded,
}

impl IncidentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            IncidentKind::JobNoRetries => "job_no_retries",
            IncidentKind::ExpressionFailed => "expression_failed",
            IncidentKind::NoFlowTaken => "no_flow_taken",
            IncidentKind::DecisionFailed => "decision_failed",
            IncidentKind::UnhandledError => "unhandled_error",
            IncidentKind::TimerFailed => "timer_failed",
            IncidentKind::SubscriptionFailed => "subscription_failed",
            IncidentKind::CalledProcessMissing => "called_process_missing",
            IncidentKind::StepLimit => "step_limit",
            IncidentKind::LlmInvalidOutput => "llm_invalid_output",
            IncidentKind::LlmBudgetExceeded => "llm_budget_exceeded",
        }
    }
}

/// One event with its position in the instance's journal and the time of its command.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JournalRecord {
    pub seq: u64,
    pub at: Timestamp,
    pub event: Event,
}
