//! Rows and filters exchanged with stores.

use baton_core::{GlobalKey, InstanceId, Key, Timestamp};
use baton_feel::Value;

/// What a deployed definition is. Processes, decisions and forms are versioned
/// separately, so a process and a decision (or a form) may share an id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DefinitionKind {
    Process,
    Decision,
    /// A Camunda form (`*.form` JSON) that user tasks link to by its id.
    Form,
}

impl DefinitionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DefinitionKind::Process => "process",
            DefinitionKind::Decision => "decision",
            DefinitionKind::Form => "form",
        }
    }

    pub fn parse(text: &str) -> Option<DefinitionKind> {
        match text {
            "process" => Some(DefinitionKind::Process),
            "decision" => Some(DefinitionKind::Decision),
            "form" => Some(DefinitionKind::Form),
            _ => None,
        }
    }
}

/// A process or decision to deploy: its id, where it came from, and the source text
/// (the whole file it was defined in).
#[derive(Clone, Debug)]
pub struct NewDefinition {
    pub kind: DefinitionKind,
    pub id: String,
    pub resource_name: String,
    /// The whole file, shared by every definition deployed from it (a backend stores it
    /// once per digest).
    pub source: std::sync::Arc<str>,
    /// A digest of the source, to recognise an unchanged redeploy.
    pub digest: String,
    pub deployed_at: Timestamp,
    /// For a process: its timer start events and when each is first due. They replace
    /// the previous version's when this deploy makes a new version (as in Camunda, only
    /// the latest version of a process starts by timer).
    pub start_timers: Vec<(String, Timestamp)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeployedDefinition {
    pub kind: DefinitionKind,
    pub id: String,
    pub version: u32,
    pub resource_name: String,
    /// False when an identical version already existed and was reused.
    pub is_new: bool,
}

#[derive(Clone, Debug)]
pub struct StoredDefinition {
    pub kind: DefinitionKind,
    pub id: String,
    pub version: u32,
    pub resource_name: String,
    pub source: String,
}

/// One command's worth of journal for one instance, plus the rows it changes.
#[derive(Clone, Debug)]
pub struct Append {
    pub instance: InstanceId,
    /// Journal position of the first event.
    pub first_seq: u64,
    pub at: Timestamp,
    /// Events serialized as one JSON array (the journal encoding, see `baton_core::event`).
    pub events_json: String,
    pub rows: RowChanges,
}

/// Projection rows one append changes, to upsert as written.
#[derive(Clone, Debug, Default)]
pub struct RowChanges {
    pub instance: Option<InstanceRow>,
    pub elements: Vec<ElementRow>,
    pub jobs: Vec<JobRow>,
    pub jobs_removed: Vec<Key>,
    pub user_tasks: Vec<UserTaskRow>,
    pub incidents: Vec<IncidentRow>,
    pub variables: Vec<VariableRow>,
    /// Element scopes whose local variables ended.
    pub scopes_removed: Vec<Key>,
    pub timers: Vec<TimerRow>,
    pub timers_removed: Vec<Key>,
    pub subscriptions: Vec<SubscriptionRow>,
    pub subscriptions_removed: Vec<Key>,
    /// The timer start event that started this instance, committed with the instance so a
    /// firing starts exactly one instance, even with several engines on one store.
    pub start_timer_fired: Option<StartTimerFired>,
    /// LLM requests (and cached answers) journaled by this append: history, appended.
    pub llm_calls: Vec<LlmCallRow>,
    /// How decisions with an LLM fallback decided in this append: history, appended.
    pub decision_routes: Vec<DecisionRouteRow>,
    /// The journal position of the append's last event, when its spans are still to be
    /// exported (`baton serve` with OpenTelemetry traces on): recorded with the append,
    /// so that a restart exports what was committed but not yet sent.
    pub trace_through: Option<u64>,
}

/// A timer start event of a deployed process, waiting to start an instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StartTimerRow {
    pub process_id: String,
    pub version: u32,
    pub element_id: String,
    pub due: Timestamp,
    /// How many instances it has started so far.
    pub fired: u32,
}

/// A start timer that fired: the row as it was read, and its next due time (`None` when
/// it fires no more). The commit fails with [`crate::Error::StartTimerTaken`] when the
/// row changed since (another engine fired it, or a new version replaced it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StartTimerFired {
    pub timer: StartTimerRow,
    pub next_due: Option<Timestamp>,
}

/// An armed timer: the runtime sends `TriggerTimer` when it is due.
#[derive(Clone, Debug, PartialEq)]
pub struct TimerRow {
    pub instance: InstanceId,
    pub key: Key,
    /// The timer event's element id.
    pub element_id: String,
    pub due: Timestamp,
}

/// An open message or signal subscription.
#[derive(Clone, Debug, PartialEq)]
pub struct SubscriptionRow {
    pub instance: InstanceId,
    pub key: Key,
    /// The event's element id.
    pub element_id: String,
    /// `message` or `signal`.
    pub kind: String,
    pub name: String,
    /// For messages: the key a published message must carry.
    pub correlation_key: Option<String>,
}

/// A message published with a time to live, kept until a subscription takes it.
#[derive(Clone, Debug, PartialEq)]
pub struct BufferedMessage {
    pub id: i64,
    pub name: String,
    pub correlation_key: String,
    pub variables: Value,
    pub published_at: Timestamp,
    pub expires_at: Timestamp,
}

#[derive(Clone, Debug, PartialEq)]
pub struct InstanceRow {
    pub instance: InstanceId,
    pub process_id: String,
    pub version: u32,
    /// `active`, `incident`, `completed` or `cancelled`.
    pub state: String,
    pub started_at: Timestamp,
    pub ended_at: Option<Timestamp>,
    pub updated_at: Timestamp,
    /// The instance whose call activity started this one (a child instance).
    pub parent: Option<InstanceId>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ElementRow {
    pub instance: InstanceId,
    pub key: Key,
    /// Empty when the row already exists and only its state changes.
    pub element_id: String,
    /// `activating`, `activated`, `completing`, `terminating`, `completed`, `terminated`.
    pub state: String,
    pub started_at: Timestamp,
    pub ended_at: Option<Timestamp>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct JobRow {
    pub instance: InstanceId,
    pub key: Key,
    pub element_id: String,
    pub job_type: String,
    pub retries: u32,
    /// `ready` or `failed`.
    pub state: String,
    pub due: Timestamp,
    pub error: Option<String>,
    /// The remote worker that activated the job last and the end of its lease (see
    /// `job_activated`); `None` until one does, and again once an attempt failed.
    pub worker: Option<String>,
    pub lease_deadline: Option<Timestamp>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct UserTaskRow {
    pub instance: InstanceId,
    pub key: Key,
    pub element_id: String,
    pub name: Option<String>,
    pub process_id: String,
    /// `open`, `completed` or `cancelled`.
    pub state: String,
    /// Who claimed the task; kept after it ends (who completed it, as far as the model knows).
    pub assignee: Option<String>,
    pub candidate_groups: Vec<String>,
    pub candidate_users: Vec<String>,
    pub created_at: Timestamp,
    pub ended_at: Option<Timestamp>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct IncidentRow {
    pub instance: InstanceId,
    pub key: Key,
    pub element_id: String,
    pub job: Option<Key>,
    pub kind: String,
    pub message: String,
    /// `open` or `resolved`.
    pub state: String,
    pub created_at: Timestamp,
    pub resolved_at: Option<Timestamp>,
}

/// One request to a language model, or one answer taken from the cache (`llm_called`):
/// what symbolic-first bookkeeping counts (`baton llm stats`). The prompt and answer stay
/// in the journal; this row keeps the numbers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LlmCallRow {
    pub instance: InstanceId,
    /// The job of the LLM task (or decision fallback) that made the call.
    pub job: Key,
    pub process_id: String,
    pub element_id: String,
    pub provider: String,
    pub model: String,
    pub tokens_in: u64,
    pub tokens_out: u64,
    /// In millionths of the provider's currency.
    pub cost_micros: u64,
    pub latency_ms: u64,
    /// Answered from the cache: no request was sent.
    pub cache_hit: bool,
    /// The answer was valid for the task's signature.
    pub valid: bool,
    /// An answer came back (false for a timeout or an error of the provider), so that an
    /// answer the signature refused is told apart from a request that failed.
    pub answered: bool,
    pub at: Timestamp,
}

/// Which way a business rule task with an LLM fallback went (`decision_routed`): `rule`
/// (the decision answered) or `llm` (the model was asked).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecisionRouteRow {
    pub instance: InstanceId,
    /// The business rule task's element instance.
    pub key: Key,
    pub process_id: String,
    /// Empty when the element instance was activated by an earlier append and has ended
    /// since: the backend takes it from the element instance's row.
    pub element_id: String,
    pub route: String,
    pub at: Timestamp,
}

/// What the LLM tasks and symbolic-first decisions at one element of a process did, over
/// every instance the store still holds (every version: element ids outlive versions).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LlmStats {
    pub process_id: String,
    /// The LLM task or business rule task.
    pub element_id: String,
    /// Decisions a table made where an LLM fallback was declared.
    pub rule_decisions: u64,
    /// Decisions handed to the LLM fallback.
    pub llm_decisions: u64,
    /// Requests sent to a provider (cache hits are not requests).
    pub llm_calls: u64,
    pub cache_hits: u64,
    /// Answers that came back and were not valid for the signature.
    pub validation_failures: u64,
    pub tokens_in: u64,
    pub tokens_out: u64,
    pub cost_micros: u64,
}

impl LlmStats {
    /// Requests the model did not get: decisions the rules made, answers the cache gave.
    pub fn calls_avoided(&self) -> u64 {
        self.rule_decisions.saturating_add(self.cache_hits)
    }

    /// Adds `other`'s counts to these (process and element stay).
    pub fn add(&mut self, other: &LlmStats) {
        let sums = [
            (&mut self.rule_decisions, other.rule_decisions),
            (&mut self.llm_decisions, other.llm_decisions),
            (&mut self.llm_calls, other.llm_calls),
            (&mut self.cache_hits, other.cache_hits),
            (&mut self.validation_failures, other.validation_failures),
            (&mut self.tokens_in, other.tokens_in),
            (&mut self.tokens_out, other.tokens_out),
            (&mut self.cost_micros, other.cost_micros),
        ];
        for (sum, n) in sums {
            *sum = sum.saturating_add(n);
        }
    }
}

/// Rows of things users address by a store-wide id (`instance-key`, e.g. `3-7`).
macro_rules! global_id {
    ($($row:ty),*) => {$(
        impl $row {
            /// The store-wide id users type (`baton complete 3-7`).
            pub fn id(&self) -> GlobalKey {
                GlobalKey { instance: self.instance, key: self.key }
            }
        }
    )*};
}

global_id!(JobRow, UserTaskRow, IncidentRow);

#[derive(Clone, Debug, PartialEq)]
pub struct VariableRow {
    pub instance: InstanceId,
    pub scope: Key,
    pub name: String,
    pub value: Value,
}

#[derive(Clone, Debug, Default)]
pub struct InstanceFilter {
    pub process_id: Option<String>,
    pub state: Option<String>,
    /// Only instances of this process version.
    pub version: Option<u32>,
    /// Only instances whose process variable (root scope) `.0` now holds the value `.1`.
    pub variable: Option<(String, Value)>,
    /// Only instances whose `businessKey` variable is this string.
    pub business_key: Option<String>,
    /// Only instances started at or after this time.
    pub started_after: Option<Timestamp>,
    /// Only instances started before this time.
    pub started_before: Option<Timestamp>,
    /// Only instances after this one (a page's cursor); rows come in id order.
    pub after: Option<InstanceId>,
    pub limit: Option<u32>,
}

#[derive(Clone, Debug, Default)]
pub struct TaskFilter {
    pub instance: Option<InstanceId>,
    pub process_id: Option<String>,
    /// Only tasks claimed by this person.
    pub assignee: Option<String>,
    /// `Some(false)`: only unclaimed tasks; `Some(true)`: only claimed ones.
    pub assigned: Option<bool>,
    /// Only tasks this group is a candidate for.
    pub candidate_group: Option<String>,
    /// Only tasks this person is a candidate for.
    pub candidate_user: Option<String>,
    /// Only open tasks unless set.
    pub include_closed: bool,
    /// Only tasks after this one (a page's cursor); rows come in id order.
    pub after: Option<GlobalKey>,
    pub limit: Option<u32>,
}

#[derive(Clone, Debug, Default)]
pub struct IncidentFilter {
    pub instance: Option<InstanceId>,
    pub include_resolved: bool,
    /// Only incidents after this one (a page's cursor); rows come in id order.
    pub after: Option<GlobalKey>,
    pub limit: Option<u32>,
}

#[derive(Clone, Debug, Default)]
pub struct JobFilter {
    pub instance: Option<InstanceId>,
    pub job_type: Option<String>,
    /// Only jobs due at or before this time.
    pub due_before: Option<Timestamp>,
    /// Only `ready` jobs (not the failed ones waiting on an incident).
    pub ready_only: bool,
    pub limit: Option<u32>,
}

/// An API token to store. Only the hash of its secret is kept; the secret itself is shown
/// to its owner once and never reaches the store. Role and tenant are text so that the
/// store need not know the permission model (`baton_auth` validates them before they get
/// here and again when it reads them back).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewToken {
    /// The public id (unique), for listing and revoking.
    pub id: String,
    /// SHA-256 of the secret, lowercase hex (unique): what requests are looked up by.
    pub secret_hash: String,
    pub role: String,
    pub tenant: String,
    /// What the token is for, as its creator described it.
    pub name: Option<String>,
    pub created_at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenRow {
    pub id: String,
    pub secret_hash: String,
    pub role: String,
    pub tenant: String,
    pub name: Option<String>,
    pub created_at: Timestamp,
    /// When it was revoked; a revoked token is kept for the record but authenticates
    /// nothing.
    pub revoked_at: Option<Timestamp>,
}

/// Which element instances `baton history` and `GET /v1/history/elements` list.
#[derive(Clone, Debug, Default)]
pub struct HistoryFilter {
    pub process_id: Option<String>,
    pub version: Option<u32>,
    pub element_id: Option<String>,
    /// `completed`, `terminated` or `running` (every state before the element ended).
    pub outcome: Option<String>,
    /// Only element instances started at or after this time.
    pub started_from: Option<Timestamp>,
    /// Only element instances started before this time.
    pub started_before: Option<Timestamp>,
    /// Only rows after this element instance (a page's cursor); rows come in
    /// (instance, key) order, which within an instance is the order of activation.
    pub after: Option<GlobalKey>,
    pub limit: Option<u32>,
}

/// One element instance with its instance's process and version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElementHistoryRow {
    pub instance: InstanceId,
    pub key: Key,
    pub process_id: String,
    pub version: u32,
    pub element_id: String,
    /// As in [`ElementRow::state`].
    pub state: String,
    pub started_at: Timestamp,
    pub ended_at: Option<Timestamp>,
}

impl ElementHistoryRow {
    /// The store-wide id of the element instance (`instance-key`), the list's cursor.
    pub fn id(&self) -> GlobalKey {
        GlobalKey {
            instance: self.instance,
            key: self.key,
        }
    }

    /// How the element instance ended, in the words of `baton show`'s timeline:
    /// `completed`, `terminated`, or `running` while it has not ended.
    pub fn outcome(&self) -> &'static str {
        match self.state.as_str() {
            "completed" => "completed",
            "terminated" => "terminated",
            _ => "running",
        }
    }
}

/// How many instances of a process are in a state (`active`, `incident`, `completed`,
/// `cancelled`): what `baton metrics` derives its instance counters from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstanceCount {
    pub process_id: String,
    pub state: String,
    pub count: u64,
}

/// The incidents of a process's instances: raised in all, and still open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IncidentCount {
    pub process_id: String,
    pub raised: u64,
    pub open: u64,
}

/// How many ended instances of one element (the process itself not counted) took
/// `duration_ms`, from their start to their completion or termination.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElementDurations {
    pub process_id: String,
    pub version: u32,
    pub element_id: String,
    pub duration_ms: i64,
    pub count: u64,
}

/// Units of a named resource a holder asks for ([`crate::ResourceStore`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim {
    pub resource: String,
    pub units: u32,
    /// How many units the resource has in all, as the claimant knows it.
    pub capacity: u32,
}

/// Units of a resource someone holds, until when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hold {
    pub resource: String,
    pub holder: String,
    pub units: u32,
    pub expires_at: Timestamp,
}

/// A valid answer of an LLM task as the cache keeps it ([`crate::LlmCacheStore`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CachedAnswer {
    /// Lowercase hex SHA-256 of the request (`baton_llm::prompt_digest`).
    pub digest: String,
    pub provider: String,
    /// The model that answered.
    pub model: String,
    /// The answer's content, as the model sent it.
    pub answer: String,
    /// The tokens the answer took when it was asked for.
    pub tokens_in: u64,
    pub tokens_out: u64,
}
