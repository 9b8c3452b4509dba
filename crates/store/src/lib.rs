//! The storage boundary: what the runtime needs from a database, as traits that each
//! backend (SQLite now, PostgreSQL later) implements.
//!
//! Trait methods are whole use cases and each is one transaction. A journal append and the
//! projections it implies (instances, element instances, jobs, user tasks, incidents,
//! variables) are committed together, for many instances at once ([`JournalStore::commit`]),
//! so durability costs one sync per batch rather than per step. The projection rows are
//! computed here, once, by [`projection::changes`], so backends only write rows.
//!
//! **Boundary:** nothing above this crate knows SQL; nothing below it knows BPMN.

pub mod audit;
pub mod projection;
mod records;
#[cfg(feature = "testsuite")]
pub mod testsuite;

pub use records::*;

use baton_core::{GlobalKey, InstanceId, JournalRecord, Timestamp};

use crate::audit::{AuditEntry, AuditFilter, AuditHead, AuditRecord};

/// Cluster mode (docs/cluster.md): instances are hashed into this many partitions, whose
/// leases nodes hold. Fixed: an instance must never change partition while it lives (the
/// PostgreSQL store's `partitions` table is made with this many rows).
pub const PARTITIONS: u32 = 32;

/// The partition of an instance (its id mod [`PARTITIONS`]): what a node must own to run it.
pub fn partition_of(instance: u64) -> u32 {
    (instance % u64::from(PARTITIONS)) as u32
}

/// Every table of a backend that holds rows of an instance, keyed by its `instance`
/// column (backends name their tables alike): a prune removes an instance's rows from
/// each. A table added with an `instance` column must be named here or in [`KEPT_TABLES`]
/// (each backend's tests check its schema against both).
pub const PRUNED_TABLES: &[&str] = &[
    "journal",
    "element_instances",
    "jobs",
    "user_tasks",
    "incidents",
    "variables",
    "timers",
    "subscriptions",
    "llm_calls",
    "decision_routes",
    // Spans of a journal that is gone can no longer be built: the export of what was left
    // of them is dropped with it.
    "trace_outbox",
    // Last, so that a batch interrupted by a crash (impossible in one transaction, but
    // cheap to order) never leaves rows without their instance.
    "instances",
];

/// Tables with an `instance` column that a prune leaves alone.
pub const KEPT_TABLES: &[&str] = &[
    // The audit trail outlives what it describes: who cancelled an instance stays known
    // after the instance is pruned, and the chain never points at a journal row.
    "audit",
];

/// What can go wrong talking to a store.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("could not open the store at {path}: {message}")]
    Open { path: String, message: String },
    #[error(
        "the store at {path} was written by a newer Baton (schema {found}, this build knows {known}); upgrade baton"
    )]
    SchemaTooNew {
        path: String,
        found: i64,
        known: i64,
    },
    /// Another process appended to the same instance first; reload and retry.
    #[error("instance {0} was changed by another process at the same time; retry the command")]
    Conflict(InstanceId),
    /// A start timer fired elsewhere first, or was replaced by a new version; nothing of
    /// the batch was written.
    #[error(
        "the timer start event '{element_id}' of process '{process_id}' fired elsewhere or was redeployed"
    )]
    StartTimerTaken {
        process_id: String,
        element_id: String,
    },
    /// Cluster mode: this node does not hold (or no longer holds, at the epoch it had) the
    /// lease of these instances' partitions, so it may not write them; nothing of the
    /// batch was written. The instances' owner is another node now (docs/cluster.md).
    #[error(
        "this node no longer owns instance(s) {}: another node took over their partition; nothing was written",
        .instances.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
    )]
    Fenced { instances: Vec<InstanceId> },
    /// A token with this id or secret hash exists already (a random collision: generate
    /// another token).
    #[error("a token with id {id} exists already")]
    TokenTaken { id: String },
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Backend(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Deployed process definitions and their versions.
pub trait DeploymentStore {
    /// Stores each definition unless the latest version of that kind and id has the same
    /// digest, all in one transaction with the `audit` entries describing the deploy;
    /// returns the version each one ended up as.
    fn deploy(
        &mut self,
        definitions: &[NewDefinition],
        audit: &[AuditEntry],
    ) -> Result<Vec<DeployedDefinition>>;
    /// A specific version, or the latest when `version` is `None`.
    fn definition(
        &self,
        kind: DefinitionKind,
        id: &str,
        version: Option<u32>,
    ) -> Result<Option<StoredDefinition>>;
    /// Every version of every definition of this kind, by id then version.
    fn definitions(&self, kind: DefinitionKind) -> Result<Vec<DeployedDefinition>>;
}

/// Journals and their projections.
pub trait JournalStore {
    /// Reserves `count` fresh instance ids.
    fn reserve_instance_ids(&mut self, count: u64) -> Result<InstanceId>;
    /// Appends every batch entry and updates projections in one transaction, with the
    /// `audit` entries describing the actions that caused them (chained in order after the
    /// audit chain's head, read in that transaction). Fails with [`Error::Conflict`] (and
    /// writes nothing, audit entries included) if a journal position is already taken.
    fn commit(&mut self, batch: &[Append], audit: &[AuditEntry]) -> Result<()>;
    fn journal(&self, instance: InstanceId) -> Result<Vec<JournalRecord>>;
}

/// Read models for people and tools.
pub trait QueryStore {
    fn instance(&self, instance: InstanceId) -> Result<Option<InstanceRow>>;
    fn instances(&self, filter: &InstanceFilter) -> Result<Vec<InstanceRow>>;
    fn user_tasks(&self, filter: &TaskFilter) -> Result<Vec<UserTaskRow>>;
    fn user_task(&self, key: GlobalKey) -> Result<Option<UserTaskRow>>;
    fn incidents(&self, filter: &IncidentFilter) -> Result<Vec<IncidentRow>>;
    fn incident(&self, key: GlobalKey) -> Result<Option<IncidentRow>>;
    /// Open jobs, ordered by due time: used to pick up work after a restart.
    fn jobs(&self, filter: &JobFilter) -> Result<Vec<JobRow>>;
    fn variables(&self, instance: InstanceId) -> Result<Vec<VariableRow>>;
    /// Instances per process and state, by process then state (metrics).
    fn instance_counts(&self) -> Result<Vec<InstanceCount>>;
    /// Incidents raised and still open per process, by process (metrics; open ones must
    /// be right after a restart too, so they are counted here, not remembered).
    fn incident_totals(&self) -> Result<Vec<IncidentCount>>;
    /// Ended element instances grouped by process, version, element and duration, in
    /// that order (metrics' duration histograms).
    fn element_durations(&self) -> Result<Vec<ElementDurations>>;
    /// What LLM tasks and decisions with an LLM fallback did, per process and element
    /// (only `process_id`'s when given), by process then element; elements that did
    /// nothing of the kind are left out.
    fn llm_stats(&self, process_id: Option<&str>) -> Result<Vec<LlmStats>>;
}

/// What instances wait for, and messages waiting for them.
pub trait EventStore {
    /// Armed timers due at or before `until` (every one when `None`), by due time.
    fn timers(&self, until: Option<Timestamp>) -> Result<Vec<TimerRow>>;
    /// The timer start events of deployed processes, by due time.
    fn start_timers(&self) -> Result<Vec<StartTimerRow>>;
    /// Open subscriptions of `kind` (`message` or `signal`) for `name`, and for messages
    /// with this correlation key, oldest first.
    fn subscriptions(
        &self,
        kind: &str,
        name: &str,
        correlation_key: Option<&str>,
    ) -> Result<Vec<SubscriptionRow>>;
    /// Keeps a message until `expires_at` for a subscription that opens later.
    fn buffer_message(&mut self, message: &BufferedMessage) -> Result<i64>;
    /// Removes and returns the oldest unexpired buffered message with this name and key
    /// (dropping expired ones on the way).
    fn take_message(
        &mut self,
        name: &str,
        correlation_key: &str,
        now: Timestamp,
    ) -> Result<Option<BufferedMessage>>;
}

/// API tokens of `baton serve`: stored by the hash of their secret, never the secret.
pub trait TokenStore {
    /// Stores a new token, with the `audit` entries describing it in the same
    /// transaction; [`Error::TokenTaken`] when its id or hash exists already.
    fn create_token(&mut self, token: &NewToken, audit: &[AuditEntry]) -> Result<TokenRow>;
    /// The token whose secret has this hash, unless it was revoked: the lookup behind
    /// every authenticated request.
    fn token_by_hash(&self, secret_hash: &str) -> Result<Option<TokenRow>>;
    /// Every token (revoked ones too) of `tenant`, or of all tenants when `None`, oldest
    /// first.
    fn tokens(&self, tenant: Option<&str>) -> Result<Vec<TokenRow>>;
    /// Revokes the token with this id, with the `audit` entries describing it in the
    /// same transaction; false (and nothing recorded) when there is none or it was
    /// revoked already.
    fn revoke_token(&mut self, id: &str, at: Timestamp, audit: &[AuditEntry]) -> Result<bool>;
}

/// The audit trail ([`audit`]): a hash chain per store, appended with the changes it
/// describes ([`JournalStore::commit`], [`DeploymentStore::deploy`], the token methods)
/// or on its own. Records are never changed or removed (pruning journals leaves them).
pub trait AuditStore {
    /// Appends entries in a transaction of their own: actions that were refused or
    /// rolled back, and actions that change no journal (a prune, a checkpoint).
    fn append_audit(&mut self, entries: &[AuditEntry]) -> Result<Vec<AuditRecord>>;
    /// The records the filter selects, in chain order.
    fn audit_records(&self, filter: &AuditFilter) -> Result<Vec<AuditRecord>>;
    /// The chain head as kept next to the chain (none before the first record).
    fn audit_head(&self) -> Result<Option<AuditHead>>;
}

/// What happened, across instances (history queries and per-element aggregates), and
/// letting go of it (retention).
pub trait HistoryStore {
    /// Element instances with their instance's process and version, in (instance, key)
    /// order.
    fn element_history(&self, filter: &HistoryFilter) -> Result<Vec<ElementHistoryRow>>;
    /// `(element id, duration in ms)` of every ended element instance of a process
    /// version, by element id.
    fn ended_element_durations(&self, process_id: &str, version: u32)
    -> Result<Vec<(String, i64)>>;
    /// `(element id, incidents)`: how many incidents (open or resolved) were raised at
    /// each element of a process version, by element id.
    fn incident_counts(&self, process_id: &str, version: u32) -> Result<Vec<(String, u64)>>;
    /// Instances that ended (completed or cancelled) before `ended_before` and whose
    /// parent, if they have one, is not running, in id order after `after`, at most
    /// `limit`: what a prune may remove.
    fn prunable(
        &self,
        ended_before: Timestamp,
        after: Option<InstanceId>,
        limit: u32,
    ) -> Result<Vec<InstanceRow>>;
    /// Removes the journals and every projection row of these instances, in one
    /// transaction; instances that have not ended are left alone. Returns the instances
    /// removed. When something was removed and `audit` is given, the entry is appended
    /// to the audit chain in the same transaction, naming the instances removed.
    fn prune(
        &mut self,
        instances: &[InstanceId],
        audit: Option<audit::AuditEntry>,
    ) -> Result<Vec<InstanceId>>;
}

/// Named resources shared by every engine on one store (YAML phases' `resources:`): a
/// resource has a capacity, and holders take units of it. Taking is all or nothing, so a
/// holder never sits on part of what it needs while it waits for the rest, which is what
/// keeps contention free of deadlocks. A hold lapses at its expiry, so a crashed process
/// cannot block the others for ever. Each method is one transaction; two engines never
/// both succeed at taking the last units.
pub trait ResourceStore {
    /// Takes every claim for `holder` until `expires_at`, or nothing: false when some
    /// resource lacks the units (counting only holds that have not lapsed at `now`). A
    /// holder that holds a claim already has it renewed, so a job run again after a crash
    /// gets back what it held.
    fn try_acquire(
        &mut self,
        holder: &str,
        claims: &[Claim],
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<bool>;
    /// Gives back everything `holder` holds.
    fn release(&mut self, holder: &str) -> Result<()>;
    /// The holds on `resource` that have not lapsed at `now`, by holder.
    fn holders(&self, resource: &str, now: Timestamp) -> Result<Vec<Hold>>;
}

/// Answers of LLM tasks kept by the digest of the request that asked them (provider, model,
/// messages, parameters), so that the same question is answered without a request while
/// the answer lasts (a provider's `cache_ttl_secs`).
///
/// A cache, not a record: nothing here is part of a journal transaction, an entry may be
/// lost or be written for a job whose completion never commits, and nothing depends on it
/// but the saving of a request. What an instance was answered is in its journal
/// (`llm_called@1`, with `cache_hit`). Only answers valid for their task are put here.
pub trait LlmCacheStore {
    /// The answer stored for `digest` that has not expired at `now`.
    fn cached_answer(&self, digest: &str, now: Timestamp) -> Result<Option<CachedAnswer>>;
    /// Keeps `answer` until `expires_at`, replacing what `digest` had; entries expired at
    /// `now` are dropped on the way.
    fn cache_answer(
        &mut self,
        answer: &CachedAnswer,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<()>;
}

/// What is left to export as trace spans (`RowChanges::trace_through` records it with each
/// commit while traces are exported). Not part of [`Store`]: only a server exporting
/// traces asks, on a connection of its own.
pub trait TraceOutbox {
    /// Each instance with committed events whose spans were not exported yet, and the
    /// journal position of the first of them, by instance.
    fn trace_outbox(&self) -> Result<Vec<(InstanceId, u64)>>;
    /// The first journal position of `instance` whose spans were not exported yet, if any.
    fn trace_outbox_of(&self, instance: InstanceId) -> Result<Option<u64>>;
    /// Records that the spans of each instance's events up to and including the given
    /// journal position were exported, in one transaction.
    fn traced(&mut self, through: &[(InstanceId, u64)]) -> Result<()>;
}

/// A complete store.
pub trait Store:
    DeploymentStore
    + JournalStore
    + QueryStore
    + EventStore
    + TokenStore
    + AuditStore
    + HistoryStore
    + ResourceStore
    + LlmCacheStore
    + Send
{
}

impl<
    T: DeploymentStore
        + JournalStore
        + QueryStore
        + EventStore
        + TokenStore
        + AuditStore
        + HistoryStore
        + ResourceStore
        + LlmCacheStore
        + Send,
> Store for T
{
}
