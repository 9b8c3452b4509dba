//! The runtime: drives the pure core against a store.
//!
//! Commands are executed against cached instance states and *staged*; [`Runtime::flush`]
//! commits every staged append in one transaction (group commit). Effects (jobs to run)
//! are released only after the commit that recorded them, so a handler never runs for a
//! job the store does not know about. After a crash, [`Runtime::recover`] finds open jobs in
//! the store and they run again: delivery is at least once, completion exactly once (the
//! core rejects a second completion, the journal's key rejects a concurrent writer).

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use baton_core::{
    Command, Definition, Effect, ElementRef, GlobalKey, InstanceId, InstanceState, Key, ParentRef,
    Rejection, Request, Timestamp, TraceContext, execute_seeded,
};
use baton_dmn::DecisionModel;
use baton_feel::Context;
use baton_model::timer::MinInterval;
use baton_model::{Definitions, NodeKind, Throw};
use baton_store::audit::{AuditEntry, AuditRecord};
use baton_store::{
    Append, DefinitionKind, DeployedDefinition, JobFilter, NewDefinition, PARTITIONS,
    StartTimerFired, StartTimerRow, Store, partition_of, projection,
};

use crate::clock::Clock;
use crate::config::Config;
use crate::decisions::{self, DeployedDecisions};
use crate::error::Error;
use crate::handler::{Admitted, JobHandler, JobRequest, JobResult, ShellHandler};
use crate::llm::LlmHandler;
use crate::phases::{PHASE_JOB_TYPE, PhaseHandler};
use crate::retry;
use crate::seeds::Seeds;
use crate::start_timers;
use crate::workers::RemoteJobs;

/// How soon a job whose resources another holder has tries again: short, since the
/// holder may be a job of another process that ends any moment.
const RESOURCE_POLL: Duration = Duration::from_millis(150);

/// How long a parked job (a phase whose gates are not met) waits before a drive that is
/// still going looks at it again.
const GATE_RECHECK: Duration = Duration::from_secs(5);

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// What [`Runtime::take_due`] found to do: jobs to run, each with the holder name of the
/// resources taken for it, and jobs their handlers answered without running.
struct DueJobs {
    run: Vec<(JobRequest, Option<String>)>,
    answered: Vec<(JobRequest, JobResult)>,
}

/// Work between instances, done before the commit of the command that asked for it.
#[derive(Debug)]
enum Pending {
    StartChild {
        parent: ParentRef,
        process_id: String,
        variables: Context,
    },
    Execute(InstanceId, Command),
    /// An error or escalation a child did not catch, for its parent's call activity.
    ThrowToParent {
        parent: ParentRef,
        thrown: Throw,
        variables: Context,
        origin: ElementRef,
    },
}

/// The events one command appended to an instance's journal, once committed.
#[derive(Clone, Debug)]
pub struct Committed {
    pub instance: InstanceId,
    pub process_id: String,
    /// The process version the instance runs.
    pub version: u32,
    /// The journal position of the first event.
    pub first_seq: u64,
    pub at: Timestamp,
    pub events: Vec<baton_core::Event>,
}

/// Jobs of one type waiting to be run ([`Runtime::job_queue`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueuedJobs {
    pub job_type: String,
    pub count: usize,
    /// When the earliest of them was or will be due.
    pub oldest_due: Timestamp,
}

/// One store commit, as [`Runtime::observe_commits`] reports it.
#[derive(Clone, Copy, Debug)]
pub struct CommitStats {
    /// How long the store took to commit (the transaction and its sync).
    pub duration: Duration,
    /// How many journal appends (commands' events, one instance each) it committed.
    pub appends: usize,
}

/// Told of every successful commit (metrics); it must be quick, it runs on the engine's
/// thread between the commit and the release of its effects.
pub type CommitObserver = Arc<dyn Fn(CommitStats) + Send + Sync>;

/// Cluster mode: whether this node owns an instance (holds the lease of its partition,
/// [`baton_store::partition_of`]). It must depend on the instance's partition alone, and
/// be quick: it is asked for every job and timer loaded and every id handed out.
pub type Ownership = Arc<dyn Fn(InstanceId) -> bool + Send + Sync>;

/// Why staged work was dropped ([`Runtime::take_discarded`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Discarded {
    /// The commit was fenced: another node owns these instances now.
    Fenced(Vec<InstanceId>),
    /// The store could not commit.
    Failed(String),
}

/// How many blocks of [`PARTITIONS`] ids an id reservation takes at least in cluster
/// mode: the ids of owned partitions among them wait in a pool for the next starts, so a
/// busy node does not reserve for every start.
const ID_BLOCKS: u64 = 4;

#[derive(Debug, Default)]
struct CommitLog {
    staged: Vec<Committed>,
    committed: Vec<Committed>,
}

/// A model file to deploy.
#[derive(Clone, Debug)]
pub struct Source {
    /// Shown in messages and kept as the resource name.
    pub name: std::path::PathBuf,
    pub text: String,
}

/// How long [`Runtime::drive`] keeps going.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Patience {
    /// Run what is due now; stop when only future retries (or nothing) remain.
    DueNow,
    /// Also sleep until retry backoffs are over.
    WaitForRetries,
    /// Also sleep until armed timers are due, while the instances in hand wait on
    /// nothing but timers (what `baton run` does).
    WaitForTimers,
}

pub struct Runtime<S: Store> {
    store: S,
    clock: Arc<dyn Clock>,
    pub(crate) config: Config,
    handlers: HashMap<String, Arc<dyn JobHandler>>,
    /// The built-in handler of `baton.llm` jobs, while it is theirs: the runtime looks
    /// their questions up in the store's answer cache and keeps their answers there.
    llm: Option<Arc<LlmHandler>>,
    definitions: HashMap<(String, u32), Definition>,
    /// The form links of process versions' user tasks (`crate::forms`).
    pub(crate) form_links: HashMap<(String, u32), Arc<crate::forms::Links>>,
    /// The YAML workflows of process versions, as written (`None`: not YAML).
    workflows: HashMap<(String, u32), Option<Arc<baton_yaml::ast::Workflow>>>,
    pub(crate) instances: HashMap<InstanceId, InstanceState>,
    staged: Vec<Append>,
    staged_effects: Vec<(InstanceId, Effect)>,
    /// What was committed, kept for a caller that follows it (`record_commits`): the
    /// staged part, then the committed part until `take_commits`.
    commit_log: Option<CommitLog>,
    /// Told of each commit's latency and size (`observe_commits`).
    commit_observer: Option<CommitObserver>,
    /// Jobs ready for a local handler, by due time.
    queue: BTreeSet<(Timestamp, InstanceId, Key)>,
    /// Jobs whose handler said to wait without a time (a phase's unmet gates), with when
    /// they were parked: open, looked at again by [`Runtime::recover`] (`baton resume`),
    /// or by a drive once [`GATE_RECHECK`] has passed.
    parked: BTreeMap<(InstanceId, Key), Timestamp>,
    /// The project YAML phases work in: their files, commands and artifacts.
    project_dir: std::path::PathBuf,
    /// Jobs for remote workers (types without a local handler), and their leases.
    pub(crate) remote: RemoteJobs,
    /// Armed timers, by due time.
    pub(crate) timers: BTreeSet<(Timestamp, InstanceId, Key)>,
    /// Timer start events of deployed processes, by due time (a copy of the store's).
    pub(crate) start_timers: Vec<StartTimerRow>,
    /// Instances they started lately, against `[timers] max_starts_per_second`.
    pub(crate) start_rate: start_timers::StartRate,
    /// Work between instances (call activities) to do before the next commit, so a
    /// parent and its child change in the same transaction.
    pending: VecDeque<Pending>,
    draining: bool,
    parallelism: usize,
    /// A fresh seed for each command's FEEL randomness.
    seeds: Seeds,
    /// Whether traces are exported (`keep_traces`): instances then get a random trace id,
    /// and each commit records what is left to export.
    tracing: bool,
    /// Audit entries of actions done, committed with the next flush.
    staged_audit: Vec<AuditEntry>,
    /// The action [`Runtime::audited`] is running: a store write of its own (a deploy)
    /// takes it into its transaction.
    audit_current: Option<AuditEntry>,
    /// This node's name in audit records.
    node: String,
    /// Cluster mode: the instances this node may run (`None`: every one, as on SQLite
    /// and in the CLI). See [`Runtime::set_ownership`].
    pub(crate) ownership: Option<Ownership>,
    /// Cluster mode: signals thrown here, for the other nodes
    /// ([`Runtime::take_thrown_signals`]).
    pub(crate) thrown_signals: Vec<(String, Context)>,
    /// Cluster mode: messages thrown here that only other nodes' instances wait for,
    /// buffered for them, as (name, correlation key) ([`Runtime::take_thrown_messages`]).
    pub(crate) thrown_messages: Vec<(String, String)>,
    /// Set when a commit failed: what was staged then was dropped ([`Runtime::take_discarded`]).
    discarded: Option<Discarded>,
    /// The partitions whose open work (jobs, leases, timers) is in memory.
    loaded: BTreeSet<u32>,
    /// Ids reserved from the shared sequence in owned partitions, not handed out yet.
    id_pool: VecDeque<InstanceId>,
}

impl<S: Store> std::fmt::Debug for Runtime<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("instances", &self.instances.len())
            .field("queued", &self.queue.len())
            .finish()
    }
}

impl<S: Store> Runtime<S> {
    pub fn new(store: S, config: Config, clock: Arc<dyn Clock>) -> Runtime<S> {
        let mut handlers: HashMap<String, Arc<dyn JobHandler>> = config
            .workers
            .iter()
            .map(|(job_type, worker)| {
                let handler: Arc<dyn JobHandler> = Arc::new(ShellHandler {
                    command: worker.command.clone(),
                    timeout: Duration::from_secs(worker.timeout_secs),
                });
                (job_type.clone(), handler)
            })
            .collect();
        let project_dir = std::env::current_dir().unwrap_or_else(|_| ".".into());
        // YAML phases run here unless `baton.toml` sends their type to a worker of its own.
        handlers
            .entry(PHASE_JOB_TYPE.to_string())
            .or_insert_with(|| Arc::new(PhaseHandler::new(project_dir.clone())));
        // LLM tasks run here too, unless `baton.toml` sends their type elsewhere.
        let llm = (!handlers.contains_key(baton_llm::TASK_JOB_TYPE)).then(|| {
            Arc::new(LlmHandler::new(
                config.llm.clone(),
                &config.retry,
                Arc::clone(&clock),
            ))
        });
        if let Some(llm) = &llm {
            handlers.insert(baton_llm::TASK_JOB_TYPE.to_string(), llm.clone());
        }
        let parallelism = std::thread::available_parallelism().map_or(2, |n| n.get() * 2);
        let start_rate = start_timers::StartRate::new(config.timers.max_starts_per_second);
        Runtime {
            store,
            clock,
            handlers,
            llm,
            definitions: HashMap::new(),
            form_links: HashMap::new(),
            workflows: HashMap::new(),
            instances: HashMap::new(),
            staged: Vec::new(),
            staged_effects: Vec::new(),
            commit_log: None,
            commit_observer: None,
            queue: BTreeSet::new(),
            parked: BTreeMap::new(),
            project_dir,
            remote: RemoteJobs::default(),
            timers: BTreeSet::new(),
            start_timers: Vec::new(),
            start_rate,
            pending: VecDeque::new(),
            draining: false,
            parallelism,
            seeds: Seeds::from_os(),
            tracing: false,
            staged_audit: Vec::new(),
            audit_current: None,
            node: config.server.node_name(),
            config,
            ownership: None,
            thrown_signals: Vec::new(),
            thrown_messages: Vec::new(),
            discarded: None,
            loaded: BTreeSet::new(),
            id_pool: VecDeque::new(),
        }
    }

    /// Cluster mode (docs/cluster.md): from now on this runtime loads only the work of
    /// instances `ownership` says this node owns ([`Runtime::recover`],
    /// [`Runtime::adopt`]), gives new instances ids in owned partitions only, and drops
    /// instances a commit was fenced off from. `None` (the default): every instance is
    /// this runtime's.
    pub fn set_ownership(&mut self, ownership: Option<Ownership>) {
        self.ownership = ownership;
        self.id_pool.clear();
    }

    /// Whether an ownership is set ([`Runtime::set_ownership`]): cluster mode.
    pub fn in_cluster(&self) -> bool {
        self.ownership.is_some()
    }

    /// Whether this node runs `instance` (always, without ownership).
    pub fn owns(&self, instance: InstanceId) -> bool {
        self.ownership.as_ref().is_none_or(|owns| owns(instance))
    }

    /// Whether this node can start instances: it owns some partition (always, without
    /// ownership). A node that owns none leaves timer start events to the others.
    pub(crate) fn may_start(&self) -> bool {
        self.ownership.is_none() || !self.owned_partitions().is_empty()
    }

    /// The partitions this node owns now (every one, without ownership).
    pub fn owned_partitions(&self) -> BTreeSet<u32> {
        (0..PARTITIONS)
            .filter(|p| self.owns(InstanceId(u64::from(*p))))
            .collect()
    }

    /// `count` new instance ids. In cluster mode they are in partitions this node owns:
    /// taken from a pool filled by reserving blocks of the shared sequence and keeping
    /// the owned ids (the others stay unused; ids need not be dense).
    fn new_instance_ids(&mut self, count: u64) -> Result<Vec<InstanceId>, Error> {
        let Some(owns) = self.ownership.clone() else {
            let first = self.store.reserve_instance_ids(count)?;
            return Ok((0..count).map(|n| InstanceId(first.0 + n)).collect());
        };
        // Ids of partitions lost since they were reserved are never used.
        self.id_pool.retain(|id| owns(*id));
        let owned = self.owned_partitions().len() as u64;
        if owned == 0 {
            return Err(Error::NoPartition);
        }
        while (self.id_pool.len() as u64) < count {
            let missing = count - self.id_pool.len() as u64;
            let blocks = missing.div_ceil(owned).max(ID_BLOCKS);
            let size = blocks * u64::from(PARTITIONS);
            let first = self.store.reserve_instance_ids(size)?;
            self.id_pool.extend(
                (first.0..first.0 + size)
                    .map(InstanceId)
                    .filter(|id| owns(*id)),
            );
        }
        let count = usize::try_from(count).unwrap_or(usize::MAX);
        Ok(self.id_pool.drain(..count).collect())
    }

    /// Keeps traces from now on: every instance started gets a trace id of its own, and
    /// each commit records that its spans are still to be exported
    /// (`baton_store::TraceOutbox`), for `baton serve`'s exporter to send.
    pub fn keep_traces(&mut self) {
        self.tracing = true;
    }

    /// The trace of a new instance: the caller's, else a random one while traces are
    /// kept, else none (it follows from the instance id).
    fn new_trace(&mut self, given: Option<TraceContext>) -> Option<TraceContext> {
        given.or_else(|| {
            self.tracing
                .then(|| crate::traces::random_trace(self.seeds.next()))
        })
    }

    /// Handles jobs of `job_type` in process (replacing a `baton.toml` worker of that type).
    pub fn register_handler(&mut self, job_type: &str, handler: Arc<dyn JobHandler>) {
        if job_type == baton_llm::TASK_JOB_TYPE {
            self.llm = None;
        }
        self.handlers.insert(job_type.to_string(), handler);
    }

    /// Handles jobs of `job_type` nowhere in process any more: they stay open for a remote
    /// worker, or for whoever completes them by command (`baton test` answers every job
    /// itself, so the built-in phase and LLM handlers must not run).
    pub fn remove_handler(&mut self, job_type: &str) {
        if job_type == baton_llm::TASK_JOB_TYPE {
            self.llm = None;
        }
        self.handlers.remove(job_type);
    }

    /// Reads the API keys of LLM providers through `secrets` (given the name in a
    /// provider's `api_key_env`) rather than from the process environment: for an embedder
    /// with a secret store of its own, and for tests. No effect when `baton.toml` sends LLM
    /// jobs to a worker of its own.
    pub fn set_llm_secrets(&mut self, secrets: crate::llm::Secrets) {
        if self.llm.is_some() {
            let llm = Arc::new(
                LlmHandler::new(
                    self.config.llm.clone(),
                    &self.config.retry,
                    Arc::clone(&self.clock),
                )
                .with_secrets(secrets),
            );
            self.handlers
                .insert(baton_llm::TASK_JOB_TYPE.to_string(), llm.clone());
            self.llm = Some(llm);
        }
    }

    /// Binds YAML phases to a project directory (`baton apply --dir`): their files, gates,
    /// commands and artifacts are there. The current directory until this is called.
    pub fn set_project_dir(&mut self, dir: std::path::PathBuf) {
        if !self.config.workers.contains_key(PHASE_JOB_TYPE) {
            self.handlers.insert(
                PHASE_JOB_TYPE.to_string(),
                Arc::new(PhaseHandler::new(dir.clone())),
            );
        }
        self.project_dir = dir;
    }

    /// The project YAML phases work in ([`Runtime::set_project_dir`]).
    pub fn project_dir(&self) -> &Path {
        &self.project_dir
    }

    pub fn has_handler(&self, job_type: &str) -> bool {
        self.handlers.contains_key(job_type)
    }

    pub(crate) fn store_mut(&mut self) -> &mut S {
        &mut self.store
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// This node's name, for audit records (`[server] node`, else the host name).
    pub fn node(&self) -> &str {
        &self.node
    }

    /// Runs `action`, the externally caused action `entry` describes, and records it in
    /// the audit trail: done, in the transaction that commits what it staged (the next
    /// [`Runtime::flush`]; a deploy's own transaction), or refused, at once and in a
    /// transaction of its own, when it fails. A flush that fails turns the entries it
    /// carried into refused ones. The entry is stamped ([`Runtime::stamp`]), and a start
    /// fills in the instance it started.
    pub fn audited<T>(
        &mut self,
        entry: AuditEntry,
        action: impl FnOnce(&mut Self) -> Result<T, Error>,
    ) -> Result<T, Error> {
        if self.audit_current.is_some() {
            // An action inside an audited one is part of it.
            return action(self);
        }
        self.audit_current = Some(self.stamp(entry));
        let result = action(self);
        let entry = self.audit_current.take();
        match (&result, entry) {
            (Ok(_), Some(entry)) => self.staged_audit.push(entry),
            (Err(e), Some(entry)) => {
                let refused = entry.refused().with_detail("error", e);
                // Nothing more can be done when the store refuses even this; the
                // action's own error is what the caller must see.
                let _ = self.store.append_audit(&[refused]);
            }
            // Recorded already, in the transaction of its own write.
            (_, None) => {}
        }
        result
    }

    /// Stages an audit entry to commit with the next [`Runtime::flush`] (refused if that
    /// flush fails): an action whose change is staged the ordinary way.
    pub fn stage_audit(&mut self, entry: AuditEntry) {
        let entry = self.stamp(entry);
        self.staged_audit.push(entry);
    }

    /// Commits what is staged together with the audited action in progress: for an
    /// action that ends with its own commit (publishing a message), so that its record is
    /// part of that commit.
    pub(crate) fn flush_action(&mut self) -> Result<(), Error> {
        if let Some(entry) = self.audit_current.take() {
            self.staged_audit.push(entry);
        }
        self.flush()
    }

    /// An entry as recorded now: at the runtime's time, and on this node unless it names
    /// one.
    pub(crate) fn stamp(&self, mut entry: AuditEntry) -> AuditEntry {
        entry.at = self.clock.now();
        if entry.node.is_empty() {
            entry.node = self.node.clone();
        }
        entry
    }

    /// Appends an audit entry now, in a transaction of its own: a refusal (401, 403), or
    /// an action that changes no journal, such as a prune, recorded once it is done.
    pub fn record_audit(&mut self, entry: AuditEntry) -> Result<AuditRecord, Error> {
        let entry = self.stamp(entry);
        let mut records = self.store.append_audit(&[entry])?;
        records.pop().ok_or_else(|| {
            Error::Store(baton_store::Error::Corrupt(
                "the store appended no audit record".into(),
            ))
        })
    }

    /// The settings this runtime runs with (`baton.toml`).
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Deploys model files, all or nothing: each process or decision whose file changed
    /// becomes a new version.
    pub fn deploy(&mut self, sources: &[Source]) -> Result<Vec<DeployedDefinition>, Error> {
        let parsed = sources.iter().map(ParsedSource::parse).collect();
        self.deploy_parsed(parsed)
    }

    /// Deploys files parsed beforehand ([`ParsedSource::parse`], which needs no runtime
    /// and may run on any thread): what is left is checking them against this runtime's
    /// settings (the timer floor) and storing them.
    pub fn deploy_parsed(
        &mut self,
        sources: Vec<ParsedSource>,
    ) -> Result<Vec<DeployedDefinition>, Error> {
        let min_interval = self.config.timers.min_interval();
        let mut definitions = Vec::new();
        for parsed in sources {
            let source = &parsed.source;
            let digest = crate::digest(&source.text);
            let text: Arc<str> = Arc::from(source.text.as_str());
            let new = |kind, id: &str| NewDefinition {
                kind,
                id: id.to_string(),
                resource_name: source.name.display().to_string(),
                source: text.clone(),
                digest: digest.clone(),
                deployed_at: self.clock.now(),
                start_timers: Vec::new(),
            };
            let processes = match parsed.model {
                ParsedModel::Form(form_id) => {
                    definitions.push(new(DefinitionKind::Form, &form_id?));
                    continue;
                }
                ParsedModel::Dmn(model) => {
                    let model = model?;
                    if model.decisions.is_empty() {
                        return Err(Error::NoDefinition {
                            file: source.name.clone(),
                        });
                    }
                    for decision in &model.decisions {
                        definitions.push(new(DefinitionKind::Decision, &decision.id));
                    }
                    continue;
                }
                ParsedModel::Bpmn(model) => check_bpmn(source, model, min_interval)?.processes,
                ParsedModel::Yaml(parsed) => check_yaml(source, *parsed, min_interval)?,
            };
            if processes.is_empty() {
                return Err(Error::NoDefinition {
                    file: source.name.clone(),
                });
            }
            for graph in &processes {
                let start_timers = start_timers::first_dues(graph, self.clock.now(), min_interval)
                    .map_err(|diagnostics| Error::InvalidModel {
                        file: source.name.clone(),
                        diagnostics,
                    })?;
                definitions.push(NewDefinition {
                    start_timers,
                    ..new(DefinitionKind::Process, &graph.id)
                });
            }
        }
        // The deploy is recorded in its own transaction, when it is an audited action.
        let audit: Vec<AuditEntry> = self
            .audit_current
            .take()
            .map(|entry| {
                let ids: Vec<&str> = definitions.iter().map(|d| d.id.as_str()).collect();
                entry.with_detail("definitions", ids.join(","))
            })
            .into_iter()
            .collect();
        let deployed = match self.store.deploy(&definitions, &audit) {
            Ok(deployed) => deployed,
            Err(e) => {
                self.audit_current = audit.into_iter().next();
                return Err(e.into());
            }
        };
        if deployed
            .iter()
            .any(|d| d.kind == DefinitionKind::Process && d.is_new)
        {
            self.reload_start_timers()?;
        }
        if deployed
            .iter()
            .any(|d| d.kind == DefinitionKind::Decision && d.is_new)
        {
            // Loaded processes hold the decisions they call; pick up the new versions.
            self.definitions.clear();
        }
        Ok(deployed)
    }

    /// The deployed definition of a process (latest version unless one is named), with
    /// the latest versions of the decisions its business rule tasks call.
    pub fn definition(
        &mut self,
        process_id: &str,
        version: Option<u32>,
    ) -> Result<Definition, Error> {
        if let Some(version) = version
            && let Some(def) = self.definitions.get(&(process_id.to_string(), version))
        {
            return Ok(def.clone());
        }
        let Some(stored) = self
            .store
            .definition(DefinitionKind::Process, process_id, version)?
        else {
            return Err(match version {
                Some(version)
                    if self
                        .store
                        .definition(DefinitionKind::Process, process_id, None)?
                        .is_some() =>
                {
                    Error::UnknownVersion {
                        process_id: process_id.to_string(),
                        version,
                    }
                }
                _ => Error::UnknownProcess {
                    process_id: process_id.to_string(),
                    similar: crate::similar_names(
                        process_id,
                        self.store
                            .definitions(DefinitionKind::Process)?
                            .iter()
                            .map(|p| p.id.as_str()),
                    ),
                },
            });
        };
        let key = (stored.id.clone(), stored.version);
        if let Some(def) = self.definitions.get(&key) {
            return Ok(def.clone());
        }
        let broken = |message: String| Error::BrokenDefinition {
            process_id: stored.id.clone(),
            version: stored.version,
            message,
        };
        let graphs = process_graphs(Path::new(&stored.resource_name), &stored.source).map_err(
            |diagnostics| {
                let first = diagnostics.iter().find(|d| d.is_error());
                broken(first.map(ToString::to_string).unwrap_or_default())
            },
        )?;
        let mut graph = graphs
            .into_iter()
            .find(|p| p.id == stored.id)
            .ok_or_else(|| broken("the process is missing from its stored source".into()))?;
        // An LLM task is attempted as often as its provider says (`retries`).
        crate::llm::set_provider_retries(&mut graph, &self.config.llm);
        // Parsed without the floor: a version deployed under a lower one still loads, and
        // its cycles meet today's floor when they are armed.
        let limits = self.config.feel.limits();
        let mut def = Definition::new(graph, stored.version)
            .with_min_timer_interval(self.config.timers.min_interval())
            .with_limits(limits)
            .with_max_steps_per_command(self.config.engine.max_steps_per_command.get());
        let called: Vec<String> = def
            .called_decisions()
            .into_iter()
            .map(str::to_string)
            .collect();
        if !called.is_empty() {
            let mut decisions = DeployedDecisions::default();
            for id in &called {
                if let Some(stored) = self.store.definition(DefinitionKind::Decision, id, None)? {
                    let source = Source {
                        name: stored.resource_name.into(),
                        text: stored.source,
                    };
                    let model = parse_dmn(&source).map_err(|e| broken(e.to_string()))?;
                    let model = DecisionModel::new(&[model]).with_limits(limits);
                    decisions.insert(id, Arc::new(model));
                }
            }
            def = def.with_decisions(Arc::new(decisions));
        }
        self.definitions.insert(key, def.clone());
        Ok(def)
    }

    /// Starts instances of a process (staged; call [`Runtime::flush`]).
    pub fn start(
        &mut self,
        process_id: &str,
        version: Option<u32>,
        variables: Context,
    ) -> Result<InstanceId, Error> {
        self.start_at(process_id, version, variables, None)
    }

    /// Starts an instance at a given start event (a message, timer or signal start
    /// event), or at the none start event when `start_at` is `None`.
    pub fn start_at(
        &mut self,
        process_id: &str,
        version: Option<u32>,
        variables: Context,
        start_at: Option<String>,
    ) -> Result<InstanceId, Error> {
        self.start_traced(process_id, version, variables, start_at, None)
    }

    /// Starts an instance under a caller's trace (a W3C `traceparent`, read with
    /// [`crate::traces::parse_traceparent`]): the instance's trace is then a child of
    /// the caller's span.
    pub fn start_traced(
        &mut self,
        process_id: &str,
        version: Option<u32>,
        variables: Context,
        start_at: Option<String>,
        trace: Option<TraceContext>,
    ) -> Result<InstanceId, Error> {
        let def = self.definition(process_id, version)?;
        let instance = self.new_id()?;
        let mut state = InstanceState::empty();
        let command = Command::StartInstance {
            instance,
            version: def.version(),
            variables,
            start_at,
            parent: None,
            trace: self.new_trace(trace).map(Box::new),
        };
        self.run_command(&def, &mut state, command)?;
        self.instances.insert(instance, state);
        self.drain_pending()?;
        if let Some(entry) = self.audit_current.as_mut().filter(|e| e.instance.is_none()) {
            entry.instance = Some(instance);
        }
        Ok(instance)
    }

    /// Starts `count` instances with one id reservation and one commit.
    /// The latest version of each deployed process that is a participant of the
    /// collaboration `collaboration` and can be started as it stands (it has a none
    /// start event), by process id. Empty when no deployed process is a participant.
    pub fn collaboration_participants(
        &mut self,
        collaboration: &str,
    ) -> Result<Vec<Definition>, Error> {
        let mut latest: BTreeMap<String, u32> = BTreeMap::new();
        for deployed in self.store.definitions(DefinitionKind::Process)? {
            let version = latest.entry(deployed.id).or_default();
            *version = (*version).max(deployed.version);
        }
        let mut participants = Vec::new();
        for (id, version) in latest {
            let def = self.definition(&id, Some(version))?;
            if def.graph().collaboration.as_deref() == Some(collaboration)
                && def.none_start(None).is_some()
            {
                participants.push(def);
            }
        }
        Ok(participants)
    }

    /// Starts every executable participant of the collaboration `collaboration` that has
    /// a none start event (BPMN 2.0.2 §13.2: a collaboration's processes start together),
    /// each with `variables`. Empty when the id names no collaboration of a deployed
    /// process.
    pub fn start_collaboration(
        &mut self,
        collaboration: &str,
        variables: &Context,
    ) -> Result<Vec<InstanceId>, Error> {
        let mut started = Vec::new();
        for def in self.collaboration_participants(collaboration)? {
            started.extend(self.start_many(def.process_id(), Some(def.version()), variables, 1)?);
        }
        Ok(started)
    }

    pub fn start_many(
        &mut self,
        process_id: &str,
        version: Option<u32>,
        variables: &Context,
        count: u64,
    ) -> Result<Vec<InstanceId>, Error> {
        let def = self.definition(process_id, version)?;
        let ids = self.new_instance_ids(count)?;
        let mut started = Vec::with_capacity(ids.len());
        for instance in ids {
            let mut state = InstanceState::empty();
            let command = Command::StartInstance {
                instance,
                version: def.version(),
                variables: variables.clone(),
                start_at: None,
                parent: None,
                trace: self.new_trace(None).map(Box::new),
            };
            self.run_command(&def, &mut state, command)?;
            self.instances.insert(instance, state);
            started.push(instance);
        }
        if let ([only], Some(entry)) = (started.as_slice(), self.audit_current.as_mut())
            && entry.instance.is_none()
        {
            entry.instance = Some(*only);
        }
        self.drain_pending()?;
        Ok(started)
    }

    fn new_id(&mut self) -> Result<InstanceId, Error> {
        self.new_instance_ids(1)?
            .pop()
            .ok_or_else(|| Error::Store(baton_store::Error::Corrupt("no instance id".into())))
    }

    /// Whether a commit failed since the last call, dropping what was staged then: a
    /// caller batching several callers' work (the server's engine) must not answer any of
    /// them as done, even if a later commit succeeded.
    pub fn take_discarded(&mut self) -> Option<Discarded> {
        self.discarded.take()
    }

    /// A new id for a child of `parent` (a call activity's instance). In cluster mode it
    /// is in the parent's partition, so that parent and child always have one owner: a
    /// child's completion, an error it throws or a parent cancelling it never crosses
    /// nodes, whichever way partitions move.
    fn new_child_id(&mut self, parent: InstanceId) -> Result<InstanceId, Error> {
        if self.ownership.is_none() {
            return self.new_id();
        }
        let partition = partition_of(parent.0);
        loop {
            if let Some(at) = self
                .id_pool
                .iter()
                .position(|id| partition_of(id.0) == partition)
                && let Some(id) = self.id_pool.remove(at)
            {
                return Ok(id);
            }
            // Each reserved block holds ID_BLOCKS ids of every partition, so one round
            // always finds one (the parent's partition is owned: its command runs here).
            let size = ID_BLOCKS * u64::from(PARTITIONS);
            let first = self.store.reserve_instance_ids(size)?;
            let owns = self.ownership.clone();
            self.id_pool.extend(
                (first.0..first.0 + size)
                    .map(InstanceId)
                    .filter(|id| owns.as_ref().is_none_or(|owns| owns(*id))),
            );
            if !self.owns(parent) {
                return Err(Error::Store(baton_store::Error::Fenced {
                    instances: vec![parent],
                }));
            }
        }
    }

    /// Executes a command on an existing instance (staged; call [`Runtime::flush`]). In
    /// cluster mode a command for another node's instance is refused at once with
    /// [`baton_store::Error::Fenced`], as its commit would be, rather than staged to fail
    /// the whole batch it would join.
    pub fn execute(&mut self, instance: InstanceId, command: Command) -> Result<(), Error> {
        if !self.owns(instance) {
            return Err(Error::Store(baton_store::Error::Fenced {
                instances: vec![instance],
            }));
        }
        self.execute_one(instance, command)?;
        self.drain_pending()
    }

    fn execute_one(&mut self, instance: InstanceId, command: Command) -> Result<(), Error> {
        let (def, mut state) = self.take_instance(instance)?;
        let result = self.run_command(&def, &mut state, command);
        match result {
            Ok(()) => {
                self.instances.insert(instance, state);
                Ok(())
            }
            // A rejected command changed nothing, so the state is still good.
            Err(Error::Rejected(rejection))
                if !matches!(rejection, baton_core::Rejection::Internal(_)) =>
            {
                self.instances.insert(instance, state);
                Err(Error::Rejected(rejection))
            }
            Err(other) => Err(other),
        }
    }

    /// Completes an open user task by its key.
    pub fn complete_user_task(&mut self, task: GlobalKey, variables: Context) -> Result<(), Error> {
        match self.store.user_task(task)? {
            Some(row) if row.state == "open" => {}
            _ => return Err(Error::UnknownTask(task)),
        }
        self.execute(
            task.instance,
            Command::CompleteUserTask {
                task: task.key,
                variables,
            },
        )
    }

    /// Claims an open user task for `assignee`, or hands it back (`None`). A task someone
    /// else holds is taken over only with `allow_override`.
    pub fn assign_user_task(
        &mut self,
        task: GlobalKey,
        assignee: Option<String>,
        allow_override: bool,
    ) -> Result<(), Error> {
        match self.store.user_task(task)? {
            Some(row) if row.state == "open" => {}
            _ => return Err(Error::UnknownTask(task)),
        }
        self.execute(
            task.instance,
            Command::AssignUserTask {
                task: task.key,
                assignee,
                allow_override,
            },
        )
    }

    /// Resolves an open incident by its key.
    pub fn resolve_incident(
        &mut self,
        incident: GlobalKey,
        retries: Option<u32>,
    ) -> Result<(), Error> {
        match self.store.incident(incident)? {
            Some(row) if row.state == "open" => {}
            _ => return Err(Error::UnknownIncident(incident)),
        }
        self.execute(
            incident.instance,
            Command::ResolveIncident {
                incident: incident.key,
                retries,
            },
        )
    }

    fn run_command(
        &mut self,
        def: &Definition,
        state: &mut InstanceState,
        command: Command,
    ) -> Result<(), Error> {
        let at = self.clock.now();
        let first_seq = state.seq;
        let seed = self.seeds.next();
        let outcome = execute_seeded(def, state, &Request { at, command }, seed)?;
        // A command may change nothing and still ask for work (an error passed on up
        // the chain of calling instances).
        if !outcome.events.is_empty() {
            let events_json = serde_json::to_string(&outcome.events).map_err(|e| {
                baton_store::Error::Corrupt(format!("events do not serialise: {e}"))
            })?;
            // A migration moved the instance to another version: its rows name that
            // version's elements.
            let moved;
            let def = if state.version == def.version() {
                def
            } else {
                moved = self.definition(&state.process_id, Some(state.version))?;
                &moved
            };
            let mut rows = projection::changes(def, state, &outcome.events, at);
            if self.tracing {
                rows.trace_through = Some(first_seq + outcome.events.len() as u64 - 1);
            }
            self.staged.push(Append {
                instance: state.instance,
                first_seq,
                at,
                events_json,
                rows,
            });
            if let Some(log) = &mut self.commit_log {
                log.staged.push(Committed {
                    instance: state.instance,
                    process_id: state.process_id.clone(),
                    version: state.version,
                    first_seq,
                    at,
                    events: outcome.events,
                });
            }
        }
        for effect in outcome.effects {
            match effect {
                Effect::StartChild {
                    element,
                    process_id,
                    variables,
                } => self.pending.push_back(Pending::StartChild {
                    parent: ParentRef {
                        instance: state.instance,
                        element,
                    },
                    process_id,
                    variables,
                }),
                Effect::ChildCompleted { parent, variables } => {
                    self.pending.push_back(Pending::Execute(
                        parent.instance,
                        Command::CompleteCallActivity {
                            element: parent.element,
                            variables,
                        },
                    ))
                }
                Effect::CancelChild { child } => self
                    .pending
                    .push_back(Pending::Execute(child, Command::CancelInstance)),
                Effect::ThrownToParent {
                    parent,
                    thrown,
                    variables,
                    origin,
                } => self.pending.push_back(Pending::ThrowToParent {
                    parent,
                    thrown,
                    variables,
                    origin,
                }),
                other => self.staged_effects.push((state.instance, other)),
            }
        }
        Ok(())
    }

    /// Runs the work between instances that commands asked for (starting and cancelling
    /// child instances, completing call activities), staged with them.
    fn drain_pending(&mut self) -> Result<(), Error> {
        if self.draining {
            return Ok(());
        }
        self.draining = true;
        let result = self.drain_pending_inner();
        self.draining = false;
        result
    }

    fn drain_pending_inner(&mut self) -> Result<(), Error> {
        while let Some(pending) = self.pending.pop_front() {
            match pending {
                Pending::StartChild {
                    parent,
                    process_id,
                    variables,
                } => {
                    let def = match self.definition(&process_id, None) {
                        Ok(def) => def,
                        Err(e) if e.is_input_error() => {
                            let command = Command::ChildStartFailed {
                                element: parent.element,
                                message: e.to_string(),
                            };
                            self.execute_ignoring_rejection(parent.instance, command)?;
                            continue;
                        }
                        Err(e) => return Err(e),
                    };
                    // A process that declares its data inputs gets those only, and each
                    // must be there (BPMN 2.0.2 §10.4.1: a required input that is not
                    // available is an error of the call).
                    let variables = match &def.graph().interface {
                        None => variables,
                        Some(interface) => {
                            let missing: Vec<&str> = interface
                                .inputs
                                .iter()
                                .filter(|i| variables.get(i.as_str()).is_none())
                                .map(String::as_str)
                                .collect();
                            if !missing.is_empty() {
                                let command = Command::ChildStartFailed {
                                    element: parent.element,
                                    message: format!(
                                        "process '{process_id}' declares the data input(s) {} \
                                         that the call activity does not have: set them \
                                         before it, or map them with zeebe:input",
                                        missing.join(", ")
                                    ),
                                };
                                self.execute_ignoring_rejection(parent.instance, command)?;
                                continue;
                            }
                            interface.inputs_from(&variables)
                        }
                    };
                    let child = self.new_child_id(parent.instance)?;
                    let started = Command::ChildStarted {
                        element: parent.element,
                        child,
                    };
                    self.execute_ignoring_rejection(parent.instance, started)?;
                    let mut state = InstanceState::empty();
                    // The child's trace is its own, linked to the call activity's span.
                    let link = self.instances.get(&parent.instance).map(|parent_state| {
                        let trace_id = crate::traces::trace_id_of(parent_state);
                        let span = crate::traces::span_id(
                            &trace_id,
                            crate::traces::SpanOf::Element(parent.element),
                        );
                        (crate::traces::hex(&trace_id), crate::traces::hex(&span))
                    });
                    let trace = self
                        .new_trace(None)
                        .map(|trace| TraceContext { link, ..trace });
                    let command = Command::StartInstance {
                        instance: child,
                        version: def.version(),
                        variables,
                        start_at: None,
                        parent: Some(parent),
                        trace: trace.map(Box::new),
                    };
                    self.run_command(&def, &mut state, command)?;
                    self.instances.insert(child, state);
                }
                Pending::Execute(instance, command) => {
                    self.execute_ignoring_rejection(instance, command)?;
                }
                Pending::ThrowToParent {
                    parent,
                    thrown,
                    variables,
                    origin,
                } => {
                    let command = Command::ThrowFromChild {
                        element: parent.element,
                        thrown: thrown.clone(),
                        variables,
                        origin,
                    };
                    match self.execute_one(parent.instance, command) {
                        // Caught there, or passed further up by the parent in turn.
                        Ok(()) => {}
                        Err(Error::Rejected(Rejection::NotCaught { .. })) => {
                            // An uncaught escalation is no failure; an error is an
                            // incident where it was thrown.
                            if let Throw::Error { code, .. } = thrown {
                                let command = Command::ErrorUncaught {
                                    element: origin.element,
                                    code,
                                };
                                self.execute_ignoring_rejection(origin.instance, command)?;
                            }
                        }
                        Err(Error::Rejected(rejection))
                            if !matches!(rejection, Rejection::Internal(_)) => {}
                        Err(other) => return Err(other),
                    }
                }
            }
        }
        Ok(())
    }

    /// A command another instance sent on its own behalf: one that no longer applies
    /// (the call activity was terminated meanwhile, say) is dropped.
    fn execute_ignoring_rejection(
        &mut self,
        instance: InstanceId,
        command: Command,
    ) -> Result<(), Error> {
        match self.execute_one(instance, command) {
            Err(Error::Rejected(rejection))
                if !matches!(rejection, baton_core::Rejection::Internal(_)) =>
            {
                Ok(())
            }
            other => other,
        }
    }

    /// Records that `instance` was started by a timer start event's firing, so both
    /// commit together.
    pub(crate) fn mark_fired(&mut self, instance: InstanceId, fired: StartTimerFired) {
        if let Some(append) = self.staged.iter_mut().find(|a| a.instance == instance) {
            append.rows.start_timer_fired = Some(fired);
        }
    }

    /// Commits everything staged in one transaction, then releases the staged effects.
    /// On failure nothing is committed and the affected cached states are dropped, so they
    /// are reloaded from the journal next time.
    pub fn flush(&mut self) -> Result<(), Error> {
        if self.staged.is_empty() && self.staged_audit.is_empty() {
            return Ok(());
        }
        let batch = std::mem::take(&mut self.staged);
        let effects = std::mem::take(&mut self.staged_effects);
        let audit = std::mem::take(&mut self.staged_audit);
        let started = std::time::Instant::now();
        let committed = self.store.commit(&batch, &audit);
        if let (Ok(()), Some(observer)) = (&committed, &self.commit_observer) {
            observer(CommitStats {
                duration: started.elapsed(),
                appends: batch.len(),
            });
        }
        if let Err(e) = committed {
            for append in &batch {
                self.instances.remove(&append.instance);
            }
            // Work staged before this flush by other callers (other requests of a
            // server's batch) is gone too: remembered so they are not told it happened.
            self.discarded = Some(match &e {
                baton_store::Error::Fenced { instances } => Discarded::Fenced(instances.clone()),
                other => Discarded::Failed(other.to_string()),
            });
            if let baton_store::Error::Fenced { instances } = &e {
                self.fenced_off(instances, &batch);
            }
            if let Some(log) = &mut self.commit_log {
                log.staged.clear();
            }
            // What the batch described did not happen: recorded as refused, on its own.
            let refused: Vec<AuditEntry> = audit
                .into_iter()
                .map(|entry| entry.refused().with_detail("error", &e))
                .collect();
            if !refused.is_empty() {
                // A store that cannot commit may not take these either; the commit's
                // error is what the callers hear.
                let _ = self.store.append_audit(&refused);
            }
            return Err(e.into());
        }
        if let Some(log) = &mut self.commit_log {
            let staged = std::mem::take(&mut log.staged);
            log.committed.extend(staged);
        }
        let mut follow_ups = Vec::new();
        for (instance, effect) in effects {
            match effect {
                Effect::JobReady { job, job_type, due } => {
                    self.queue_job(&job_type, due, instance, job);
                }
                Effect::TimerArmed { timer, due } => {
                    self.timers.insert((due, instance, timer));
                }
                other => follow_ups.push((instance, other)),
            }
        }
        // Correlating a buffered message or delivering a signal runs more commands;
        // they are staged for the next flush.
        for (instance, effect) in follow_ups {
            self.follow_up(instance, effect)?;
        }
        Ok(())
    }

    /// A job is ready from `due` on: for a local handler, or else for remote workers.
    fn queue_job(&mut self, job_type: &str, due: Timestamp, instance: InstanceId, job: Key) {
        if self.handlers.contains_key(job_type) {
            self.queue.insert((due, instance, job));
        } else {
            self.remote.push(job_type, due, instance, job);
        }
    }

    /// Queues every open job in the store and arms every timer: how work resumes after a
    /// restart. In cluster mode, only those of the instances this node owns.
    pub fn recover(&mut self) -> Result<usize, Error> {
        // Every open job is looked at again, the parked ones included.
        self.parked.clear();
        // Read before the store: a partition claimed meanwhile is adopted afterwards.
        let owned = self.owned_partitions();
        let count = self.load_work(|instance| owned.contains(&partition_of(instance.0)))?;
        self.loaded = owned;
        self.reload_start_timers()?;
        Ok(count)
    }

    /// Cluster mode: loads the open work (jobs, remote workers' leases, timers) of the
    /// instances in `partitions`, newly claimed, from the store, replacing whatever was
    /// in memory of them. Partitions not owned (any more) or loaded already are skipped,
    /// so that telling twice loads once. Returns how many jobs it queued.
    pub fn adopt(&mut self, partitions: &[u32]) -> Result<usize, Error> {
        let new: BTreeSet<u32> = partitions
            .iter()
            .copied()
            .filter(|p| !self.loaded.contains(p) && self.owns(InstanceId(u64::from(*p))))
            .collect();
        if new.is_empty() {
            return Ok(0);
        }
        let within = |instance: InstanceId| new.contains(&partition_of(instance.0));
        self.forget_where(within);
        let count = self.load_work(within)?;
        self.loaded.extend(new);
        // Start timers deployed through other nodes, which this one may have to fire now.
        self.reload_start_timers()?;
        Ok(count)
    }

    /// Cluster mode: drops every instance of `partitions` (lost to another node) from
    /// memory (cached states, job queues, leases, timers) without touching the store: the
    /// new owner runs them from there.
    pub fn forget(&mut self, partitions: &[u32]) {
        for p in partitions {
            self.loaded.remove(p);
        }
        let gone: BTreeSet<u32> = partitions.iter().copied().collect();
        self.forget_where(|instance| gone.contains(&partition_of(instance.0)));
    }

    /// Brings the loaded partitions in line with the owned ones: adopts those owned and
    /// not loaded, forgets those loaded and no longer owned. A safety net beside the
    /// moves the cluster reports: a claim made while this runtime was opening, or an
    /// adoption that failed, is caught up with here.
    pub fn sync_partitions(&mut self) -> Result<usize, Error> {
        if self.ownership.is_none() {
            return Ok(0);
        }
        self.forget_lost();
        let claimed: Vec<u32> = self
            .owned_partitions()
            .difference(&self.loaded)
            .copied()
            .collect();
        self.adopt(&claimed)
    }

    /// Forgets the loaded partitions this node no longer owns (cluster mode).
    fn forget_lost(&mut self) {
        if self.ownership.is_none() || self.loaded.is_empty() {
            return;
        }
        let owned = self.owned_partitions();
        let lost: Vec<u32> = self.loaded.difference(&owned).copied().collect();
        if !lost.is_empty() {
            self.forget(&lost);
        }
    }

    /// Drops what memory holds of the instances `gone` says (cached states, queues,
    /// parked jobs, leases, timers).
    fn forget_where(&mut self, gone: impl Fn(InstanceId) -> bool) {
        self.instances.retain(|id, _| !gone(*id));
        self.queue.retain(|(_, id, _)| !gone(*id));
        self.parked.retain(|(id, _), _| !gone(*id));
        self.timers.retain(|(_, id, _)| !gone(*id));
        self.remote.forget_where(&gone);
    }

    /// A commit refused because this node no longer holds the partitions of `fenced`:
    /// they are another node's now and leave memory. The batch's other instances are still
    /// this node's, but what the batch took out of memory for them (a timer that fired, a
    /// job whose result it carried) is still open in the store: queued again from there.
    fn fenced_off(&mut self, fenced: &[InstanceId], batch: &[Append]) {
        let gone: std::collections::HashSet<InstanceId> = fenced.iter().copied().collect();
        self.forget_where(|instance| gone.contains(&instance));
        let others: BTreeSet<InstanceId> = batch
            .iter()
            .map(|append| append.instance)
            .filter(|instance| !gone.contains(instance))
            .collect();
        for instance in others {
            // Unreadable now: its partition's next adoption or a restart loads it.
            let _ = self.requeue(instance);
        }
    }

    /// Queues an instance's open jobs and arms its timers again, from its journal.
    fn requeue(&mut self, instance: InstanceId) -> Result<(), Error> {
        let (_, state) = self.state(instance)?;
        let now = self.clock.now();
        for job in state.jobs.values() {
            if job.state != baton_core::JobState::Ready {
                continue;
            }
            let global = GlobalKey {
                instance,
                key: job.key,
            };
            if self.remote.is_leased(global) {
                continue;
            }
            match &job.lease {
                Some(lease)
                    if lease.deadline > now && !self.handlers.contains_key(&job.job_type) =>
                {
                    self.remote
                        .recover_lease(&job.job_type, instance, job.key, lease.deadline);
                }
                _ => self.queue_job(&job.job_type, job.due, instance, job.key),
            }
        }
        for timer in state.timers.values() {
            self.timers.insert((timer.due, instance, timer.key));
        }
        Ok(())
    }

    /// Queues the open jobs (and takes over the live leases) and arms the timers of the
    /// instances `keep` says, from the store. Returns how many jobs it queued.
    fn load_work(&mut self, keep: impl Fn(InstanceId) -> bool) -> Result<usize, Error> {
        let jobs: Vec<_> = self
            .store
            .jobs(&JobFilter {
                ready_only: true,
                ..JobFilter::default()
            })?
            .into_iter()
            .filter(|job| keep(job.instance))
            .collect();
        let count = jobs.len();
        let now = self.clock.now();
        for job in jobs {
            match job.lease_deadline {
                // Activated by a remote worker whose lease is not over: it is theirs till then.
                Some(deadline) if deadline > now && !self.handlers.contains_key(&job.job_type) => {
                    self.remote
                        .recover_lease(&job.job_type, job.instance, job.key, deadline);
                }
                _ => self.queue_job(&job.job_type, job.due, job.instance, job.key),
            }
        }
        for timer in self.store.timers(None)? {
            if keep(timer.instance) {
                self.timers.insert((timer.due, timer.instance, timer.key));
            }
        }
        Ok(count)
    }

    /// Runs queued jobs through local handlers, feeding their results back, until nothing
    /// runnable is left. Jobs with no local handler stay open (for a remote worker).
    pub fn drive(&mut self, patience: Patience) -> Result<(), Error> {
        // A partition lost since the last drive leaves memory before its timers and jobs
        // are run: they would be refused.
        self.forget_lost();
        loop {
            self.flush()?;
            let now = self.clock.now();
            self.unpark(now);
            if self.fire_due_timers(now)? > 0 {
                continue;
            }
            let DueJobs {
                run: batch,
                answered,
            } = self.take_due(now);
            let idle = batch.is_empty() && answered.is_empty();
            // Jobs their handlers answered without running (waiting, failing early).
            for (request, result) in answered {
                self.apply_job_result(request, result)?;
            }
            if idle {
                let next_job = self
                    .queue
                    .iter()
                    .find(|(_, i, k)| self.job_has_handler(*i, *k))
                    .map(|(due, _, _)| *due);
                let next_timer =
                    if patience == Patience::WaitForTimers && self.waits_only_on_timers() {
                        self.timers.first().map(|(due, _, _)| *due)
                    } else {
                        None
                    };
                let next = match (next_job, next_timer) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                match (patience, next) {
                    (Patience::WaitForRetries | Patience::WaitForTimers, Some(due)) => {
                        self.clock.sleep_until(due);
                        continue;
                    }
                    _ => return Ok(()),
                }
            }
            let (requests, holds): (Vec<JobRequest>, Vec<Option<String>>) =
                batch.into_iter().unzip();
            let results = self.run_handlers(&requests);
            // Every result is applied and every hold given back before an error is
            // reported: a hold that could not be given back lapses in the end, and a
            // result not applied is a job that runs again.
            let mut failed = Ok(());
            for ((request, result), holder) in results.into_iter().zip(holds) {
                let applied = self.apply_job_result(request, result);
                let released = match holder {
                    Some(holder) => self.store.release(&holder).map_err(Error::from),
                    None => Ok(()),
                };
                failed = failed.and(applied).and(released);
            }
            failed?;
        }
    }

    /// Removes and returns up to `parallelism` jobs that are due, have a handler and were
    /// admitted by it, each with the holder name of the resources taken for it (given back
    /// once its result is handled), and the jobs their handler answered at admission.
    /// Queue entries whose job is no longer open are forgotten; a job whose resources are
    /// held by others goes back in the queue for a little later. Resources are taken here,
    /// before any handler starts, so a batch never runs more iterations of a `for_each`
    /// than its `max_parallel`.
    fn take_due(&mut self, now: Timestamp) -> DueJobs {
        let mut batch = Vec::new();
        let mut answered = Vec::new();
        // Instances with a YAML `undo:` action in the batch: one at a time each, so undos
        // run most recent first (the core creates their jobs in that order).
        let mut undoing = std::collections::HashSet::new();
        let due: Vec<(Timestamp, InstanceId, Key)> = self
            .queue
            .iter()
            .take_while(|(due, _, _)| *due <= now)
            .copied()
            .collect();
        for entry in due {
            if batch.len() >= self.parallelism {
                break;
            }
            let (_, instance, key) = entry;
            let handler = match self.job_request(instance, key) {
                Ok(Some(request)) => match self.handlers.get(&request.job_type) {
                    Some(handler) => Some((request, Arc::clone(handler))),
                    None => None,
                },
                // Gone (completed, cancelled) or unreadable: nothing to run.
                Ok(None) | Err(_) => {
                    self.queue.remove(&entry);
                    None
                }
            };
            let Some((request, handler)) = handler else {
                continue;
            };
            if let Some(result) = self.answer_from_cache(&request, now) {
                self.queue.remove(&entry);
                answered.push((request, result));
                continue;
            }
            if request.job_type == PHASE_JOB_TYPE
                && request.element_id.ends_with("__undo")
                && !undoing.insert(instance)
            {
                continue;
            }
            self.queue.remove(&entry);
            match handler.admit(&request) {
                Err(result) => answered.push((request, result)),
                Ok(Admitted { claims, .. }) if claims.is_empty() => batch.push((request, None)),
                Ok(Admitted { claims, hold }) => {
                    let holder = request.key.to_string();
                    let until = Timestamp(now.0.saturating_add(millis(hold)));
                    // A store too busy to answer is a resource not had yet: tried again.
                    if self
                        .store
                        .try_acquire(&holder, &claims, now, until)
                        .unwrap_or(false)
                    {
                        batch.push((request, Some(holder)));
                    } else {
                        let again = Timestamp(now.0.saturating_add(millis(RESOURCE_POLL)));
                        self.queue.insert((again, instance, key));
                    }
                }
            }
        }
        DueJobs {
            run: batch,
            answered,
        }
    }

    /// A `baton.llm` job's answer from the store's cache, when the built-in LLM worker
    /// has one for its first question: the job is then answered without a request.
    fn answer_from_cache(&self, request: &JobRequest, now: Timestamp) -> Option<JobResult> {
        if request.job_type != baton_llm::TASK_JOB_TYPE {
            return None;
        }
        let llm = self.llm.as_ref()?;
        // A store that cannot answer is a cache miss: the job asks the model.
        llm.from_cache(request, |digest| {
            self.store.cached_answer(digest, now).ok().flatten()
        })
    }

    fn job_has_handler(&self, instance: InstanceId, key: Key) -> bool {
        self.instances
            .get(&instance)
            .and_then(|s| s.jobs.get(&key))
            .is_some_and(|job| self.handlers.contains_key(&job.job_type))
    }

    /// What a handler needs to run a job, if the job is still open and ready.
    pub fn job_request(
        &mut self,
        instance: InstanceId,
        key: Key,
    ) -> Result<Option<JobRequest>, Error> {
        let (def, state) = self.take_instance(instance)?;
        let request = state
            .jobs
            .get(&key)
            .filter(|j| j.state == baton_core::JobState::Ready)
            .map(|job| {
                let element = state.elements.get(&job.element);
                let node = element.and_then(|e| e.node).map(|n| def.node(n));
                // An iteration runs inside its body, an element instance of the same node.
                let iteration_of = element
                    .and_then(|e| {
                        e.scope
                            .filter(|_| node.is_some_and(|n| n.looping.is_some()))
                    })
                    .filter(|scope| {
                        state.elements.get(scope).and_then(|body| body.node)
                            == element.and_then(|e| e.node)
                    });
                // A listener's job gets the headers of its element, as in Camunda; a
                // decision's LLM fallback, those of the fallback's job.
                let headers = match node.map(|n| &n.kind) {
                    Some(NodeKind::ServiceTask { job }) => job.headers.clone(),
                    Some(NodeKind::BusinessRuleTask { decision }) => decision
                        .llm_fallback
                        .as_ref()
                        .map(|fallback| fallback.job.headers.clone())
                        .unwrap_or_default(),
                    _ => Vec::new(),
                };
                JobRequest {
                    key: GlobalKey { instance, key },
                    job_type: job.job_type.clone(),
                    process_id: state.process_id.clone(),
                    // The process's own listeners run on the process.
                    element_id: node.map_or_else(|| state.process_id.clone(), |n| n.id.clone()),
                    retries: job.retries,
                    variables: state.job_variables(job),
                    headers,
                    listener: job.listener.map(|l| l.event),
                    iteration_of,
                    llm_usage: state.llm_usage,
                }
            });
        self.instances.insert(instance, state);
        Ok(request)
    }

    fn run_handlers(&self, batch: &[JobRequest]) -> Vec<(JobRequest, JobResult)> {
        let handlers = &self.handlers;
        let run = |request: &JobRequest| match handlers.get(&request.job_type) {
            Some(handler) => handler.handle(request),
            None => JobResult::Failed(format!("no handler for job type '{}'", request.job_type)),
        };
        let panicked = || JobResult::Failed("the job handler panicked".into());
        if batch.len() == 1 {
            // A handler is code outside the engine: its panic fails the job, as it does
            // on the threads below, rather than unwinding through the runtime.
            return batch
                .iter()
                .map(|r| {
                    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(r)));
                    (r.clone(), result.unwrap_or_else(|_| panicked()))
                })
                .collect();
        }
        std::thread::scope(|scope| {
            let running: Vec<_> = batch
                .iter()
                .map(|r| (r, scope.spawn(move || run(r))))
                .collect();
            running
                .into_iter()
                .map(|(r, handle)| {
                    let result = handle.join().unwrap_or_else(|_| panicked());
                    (r.clone(), result)
                })
                .collect()
        })
    }

    fn apply_job_result(&mut self, request: JobRequest, result: JobResult) -> Result<(), Error> {
        let instance = request.key.instance;
        let job = request.key.key;
        // A result the instance could not keep fails the job like any broken result;
        // sent as it is, the core's rejection would be dropped as a late answer.
        let result = match result {
            JobResult::Completed(variables) => match baton_core::too_deep_variable(&variables) {
                Some(name) => JobResult::Failed(Rejection::TooDeep(name.to_string()).to_string()),
                // As in Camunda, a task listener returns nothing: anything else is a broken
                // result, which fails the job so that the user hears of it.
                None if request.listener.is_some_and(|e| e.is_task_listener())
                    && !variables.is_empty() =>
                {
                    let refused = Rejection::ListenerVariables {
                        instance,
                        job: request.key.key,
                    };
                    let names: Vec<&str> =
                        variables.iter().map(|(name, _)| name.as_ref()).collect();
                    JobResult::Failed(format!("{refused} (it returned {})", names.join(", ")))
                }
                None => JobResult::Completed(variables),
            },
            other => other,
        };
        let command = match result {
            JobResult::Recorded { calls, then } => {
                if let Some(llm) = &self.llm
                    && let Some((answer, expires_at)) =
                        llm.cache_entry(&calls, &then, self.clock.now())
                {
                    // A cache: losing an entry costs a request later, never a result now.
                    let _ = self
                        .store
                        .cache_answer(&answer, self.clock.now(), expires_at);
                }
                let record = Command::RecordLlmCalls { job, calls };
                return match self.execute(instance, record) {
                    // The job ended meanwhile: its outcome is as late as its calls.
                    Err(Error::Rejected(rejection))
                        if !matches!(rejection, baton_core::Rejection::Internal(_)) =>
                    {
                        Ok(())
                    }
                    Err(other) => Err(other),
                    Ok(()) => self.apply_job_result(request, *then),
                };
            }
            JobResult::Incident { kind, message } => Command::FailJob {
                job,
                retries: 0,
                message,
                retry_backoff_ms: 0,
                incident: kind,
            },
            JobResult::Completed(variables) => Command::CompleteJob { job, variables },
            JobResult::Wait {
                retry_after: Some(after),
                ..
            } => {
                let again = Timestamp(self.clock.now().0.saturating_add(millis(after)));
                self.queue.insert((again, instance, job));
                return Ok(());
            }
            JobResult::Wait {
                retry_after: None, ..
            } => {
                self.parked.insert((instance, job), self.clock.now());
                return Ok(());
            }
            JobResult::Failed(message) => {
                let retries = request.retries.saturating_sub(1);
                let failed_attempts = self.failed_attempts(instance, job, retries);
                let retry_backoff_ms = if retries == 0 {
                    0
                } else {
                    self.handlers
                        .get(&request.job_type)
                        .and_then(|handler| handler.backoff_ms(&request))
                        .unwrap_or_else(|| retry::backoff_ms(&self.config.retry, failed_attempts))
                };
                Command::FailJob {
                    job,
                    retries,
                    message,
                    retry_backoff_ms,
                    incident: baton_core::IncidentKind::JobNoRetries,
                }
            }
        };
        match self.execute(instance, command) {
            // The job was completed or cancelled meanwhile (say, by another process):
            // at-least-once delivery means a late result is simply dropped.
            Err(Error::Rejected(rejection))
                if !matches!(rejection, baton_core::Rejection::Internal(_)) =>
            {
                Ok(())
            }
            other => other,
        }
    }

    fn failed_attempts(&mut self, instance: InstanceId, job: Key, retries_left: u32) -> u32 {
        let created = self
            .instances
            .get(&instance)
            .and_then(|state| state.jobs.get(&job))
            .map(|job| job.created_retries);
        created.unwrap_or(3).saturating_sub(retries_left).max(1)
    }

    /// The definition and current state of an instance, from the cache or the journal.
    fn take_instance(
        &mut self,
        instance: InstanceId,
    ) -> Result<(Definition, InstanceState), Error> {
        if let Some(state) = self.instances.remove(&instance) {
            let def = self.definition(&state.process_id, Some(state.version));
            return match def {
                Ok(def) => Ok((def, state)),
                Err(e) => {
                    self.instances.insert(instance, state);
                    Err(e)
                }
            };
        }
        let row = self
            .store
            .instance(instance)?
            .ok_or(Error::UnknownInstance(instance))?;
        let journal = self.store.journal(instance)?;
        self.replay(&row.process_id, row.version, &journal)
    }

    /// Rebuilds an instance from its journal, reading each event against the version of
    /// its process it ran on then (a migration switches versions, `instance_migrated`).
    fn replay(
        &mut self,
        process_id: &str,
        version: u32,
        journal: &[baton_core::JournalRecord],
    ) -> Result<(Definition, InstanceState), Error> {
        let migrated = journal
            .iter()
            .any(|r| matches!(r.event, baton_core::Event::InstanceMigrated { .. }));
        if !migrated {
            let def = self.definition(process_id, Some(version))?;
            let state = InstanceState::replay(&def, journal.iter().map(|r| &r.event))
                .map_err(baton_core::Rejection::from)?;
            return Ok((def, state));
        }
        // Every version the journal names, loaded first: the fold itself does no IO.
        let mut versions = BTreeMap::new();
        for record in journal {
            if let baton_core::Event::InstanceCreated { version, .. }
            | baton_core::Event::InstanceMigrated { to: version, .. } = &record.event
                && !versions.contains_key(version)
            {
                versions.insert(*version, self.definition(process_id, Some(*version))?);
            }
        }
        let replayed =
            InstanceState::replay_versions(journal.iter().map(|r| &r.event), |version| {
                versions.get(&version).cloned()
            })
            .map_err(baton_core::Rejection::from)?;
        Ok(replayed)
    }

    /// The current state of an instance (loaded into the cache if needed). In cluster
    /// mode another node's instance is read from the store each time and not cached: its
    /// owner changes it.
    pub fn state(&mut self, instance: InstanceId) -> Result<(Definition, InstanceState), Error> {
        let (def, state) = self.take_instance(instance)?;
        if self.owns(instance) {
            self.instances.insert(instance, state.clone());
        }
        Ok((def, state))
    }

    /// Forgets everything kept in memory about these instances (they were pruned).
    pub(crate) fn forget_instances(&mut self, instances: &[InstanceId]) {
        let gone: std::collections::HashSet<InstanceId> = instances.iter().copied().collect();
        self.forget_where(|id| gone.contains(&id));
    }

    /// Forgets cached states of ended instances (they are in the store).
    pub fn evict_ended(&mut self) {
        self.instances.retain(|_, state| !state.is_ended());
    }

    /// Forgets every cached state with nothing queued for it, keeping memory flat when
    /// many instances wait (they reload from the journal when next touched).
    pub fn evict_idle(&mut self) {
        let busy: std::collections::HashSet<InstanceId> = self
            .queue
            .iter()
            .chain(self.timers.iter())
            .map(|(_, i, _)| *i)
            .collect();
        let staged: std::collections::HashSet<InstanceId> =
            self.staged.iter().map(|a| a.instance).collect();
        self.instances
            .retain(|id, _| busy.contains(id) || staged.contains(id));
    }

    /// True when some cached instance has a timer armed and none waits on a person, a
    /// message or a signal: then sleeping until the timer is all that is left to do.
    fn waits_only_on_timers(&self) -> bool {
        let timed: Vec<&InstanceState> = self
            .instances
            .values()
            .filter(|s| !s.timers.is_empty() && !s.is_ended())
            .collect();
        !timed.is_empty()
            && timed.iter().all(|s| {
                s.subscriptions.is_empty() && s.user_tasks.is_empty() && s.incidents.is_empty()
            })
    }

    /// Starts keeping the events of every commit for [`Runtime::take_commits`] (live
    /// event streams); without it nothing is kept.
    pub fn record_commits(&mut self) {
        self.commit_log.get_or_insert_with(CommitLog::default);
    }

    /// Reports every commit from now on to `observer` (its latency and size, for
    /// metrics).
    pub fn observe_commits(&mut self, observer: CommitObserver) {
        self.commit_observer = Some(observer);
    }

    /// The events committed since the last call, in commit order.
    pub fn take_commits(&mut self) -> Vec<Committed> {
        self.commit_log
            .as_mut()
            .map(|log| std::mem::take(&mut log.committed))
            .unwrap_or_default()
    }

    /// What an instance looks like to people and scripts (`baton show`, the API).
    pub fn view(&mut self, instance: InstanceId) -> Result<crate::view::InstanceView, Error> {
        let (def, state) = self.state(instance)?;
        let journal = self.store.journal(instance)?;
        let mut view = crate::view::InstanceView::build(&def, &state, &journal);
        if let Some(workflow) = self.workflow(&state.process_id, state.version)? {
            let store = &self.store;
            let now = self.clock.now();
            let holders = |resource: &str| store.holders(resource, now).unwrap_or_default();
            let live = crate::phases::status::Live {
                project: &self.project_dir,
                now,
                holders: &holders,
            };
            view.phases = Some(crate::phases::status::phases(
                &workflow,
                &def,
                &state,
                &view.timeline,
                &live,
            ));
        }
        Ok(view)
    }

    /// The YAML workflow a process version was deployed from, as written; `None` for a
    /// process from another kind of file. Read once per version: views ask each time.
    pub fn workflow(
        &mut self,
        process_id: &str,
        version: u32,
    ) -> Result<Option<Arc<baton_yaml::ast::Workflow>>, Error> {
        let key = (process_id.to_string(), version);
        if let Some(known) = self.workflows.get(&key) {
            return Ok(known.clone());
        }
        // Compiled workflows start at `__start`; any other process is settled without
        // reading its source, which may be large.
        let def = self.definition(process_id, Some(version))?;
        let workflow = if def.node_id("__start").is_some() {
            self.read_workflow(process_id, version)?.map(Arc::new)
        } else {
            None
        };
        self.workflows.insert(key, workflow.clone());
        Ok(workflow)
    }

    fn read_workflow(
        &self,
        process_id: &str,
        version: u32,
    ) -> Result<Option<baton_yaml::ast::Workflow>, Error> {
        let Some(stored) =
            self.store
                .definition(DefinitionKind::Process, process_id, Some(version))?
        else {
            return Ok(None);
        };
        let file = Path::new(&stored.resource_name);
        if !baton_yaml::is_yaml(file) {
            return Ok(None);
        }
        Ok(baton_yaml::parse(&stored.source, Some(file)).workflow)
    }

    /// Queues again the jobs parked for [`GATE_RECHECK`] or longer, so that a drive that
    /// goes on (a long run, `baton serve`) sees gates met meanwhile.
    fn unpark(&mut self, now: Timestamp) {
        let recheck = millis(GATE_RECHECK);
        let due: Vec<(InstanceId, Key)> = self
            .parked
            .iter()
            .filter(|(_, since)| since.0.saturating_add(recheck) <= now.0)
            .map(|(job, _)| *job)
            .collect();
        for (instance, key) in due {
            self.parked.remove(&(instance, key));
            self.queue.insert((now, instance, key));
        }
    }

    /// When a local job is next due: a retry after its backoff, a job waiting for a
    /// resource, a parked job to look at again. For an engine that sleeps between drives
    /// (`baton serve`) to wake then; a drive itself returns with only parked jobs left.
    pub fn next_local_job(&self) -> Option<Timestamp> {
        let queued = self
            .queue
            .iter()
            .find(|(_, i, k)| self.job_has_handler(*i, *k))
            .map(|(due, _, _)| *due);
        let recheck = millis(GATE_RECHECK);
        let parked = self
            .parked
            .values()
            .map(|since| Timestamp(since.0.saturating_add(recheck)))
            .min();
        queued.into_iter().chain(parked).min()
    }

    /// Jobs parked until someone looks again ([`JobResult::Wait`] without a time: YAML
    /// phases whose gates are not met).
    pub fn parked_jobs(&self) -> usize {
        self.parked.len()
    }

    pub fn queued_jobs(&self) -> usize {
        self.queue.len() + self.remote.len()
    }

    /// Jobs waiting to be run, by type: how many, and the due time of the earliest
    /// (local handlers' and remote workers' queues; a leased job is not waiting). Queue
    /// entries of jobs that ended meanwhile are not counted when their instance is in
    /// memory (queued local jobs' instances always are).
    pub fn job_queue(&self) -> Vec<QueuedJobs> {
        let cached_type = |instance: &InstanceId, key: &Key| {
            self.instances
                .get(instance)
                .map(|s| s.jobs.get(key).map(|job| job.job_type.as_str()))
        };
        let remote = self
            .remote
            .queued()
            .filter_map(|(job_type, entry @ (_, instance, key))| {
                match cached_type(instance, key) {
                    Some(None) => None,
                    _ => Some((job_type, entry)),
                }
            });
        let local = self.queue.iter().filter_map(|entry @ (_, instance, key)| {
            cached_type(instance, key).flatten().map(|t| (t, entry))
        });
        let mut by_type: BTreeMap<&str, (usize, Timestamp)> = BTreeMap::new();
        for (job_type, (due, _, _)) in remote.chain(local) {
            let entry = by_type.entry(job_type).or_insert((0, *due));
            entry.0 += 1;
            entry.1 = entry.1.min(*due);
        }
        by_type
            .into_iter()
            .map(|(job_type, (count, oldest_due))| QueuedJobs {
                job_type: job_type.to_string(),
                count,
                oldest_due,
            })
            .collect()
    }
}

/// Reads a model file for deployment.
pub fn read_source(path: &Path) -> std::io::Result<Source> {
    Ok(Source {
        name: path.to_path_buf(),
        text: std::fs::read_to_string(path)?,
    })
}

/// A model file parsed for deployment: the costly part of deploying, done without a
/// runtime so that it can happen off the engine's thread (an 8 MiB model takes a second).
#[derive(Debug)]
pub struct ParsedSource {
    source: Source,
    model: ParsedModel,
}

#[derive(Debug)]
enum ParsedModel {
    Bpmn(baton_bpmn::Parsed),
    Dmn(Result<baton_dmn::model::Definitions, Error>),
    /// A YAML workflow: one process.
    Yaml(Box<baton_yaml::Parsed>),
    /// A Camunda form: its id.
    Form(Result<String, Error>),
}

impl ParsedSource {
    pub fn parse(source: &Source) -> ParsedSource {
        let model = if crate::forms::is_form(source) {
            ParsedModel::Form(crate::forms::form_id(source))
        } else if baton_yaml::is_yaml(&source.name) {
            ParsedModel::Yaml(Box::new(baton_yaml::parse(
                &source.text,
                Some(&source.name),
            )))
        } else if decisions::is_dmn(source) {
            ParsedModel::Dmn(parse_dmn(source))
        } else {
            ParsedModel::Bpmn(baton_bpmn::parse(&source.text))
        };
        ParsedSource {
            source: source.clone(),
            model,
        }
    }
}

/// Parses a BPMN file as `deploy` requires: no error diagnostics, and no literal timer
/// cycle that fires more often than `min_interval` (`[timers]` of `baton.toml`).
pub fn parse_bpmn(source: &Source, min_interval: MinInterval) -> Result<Definitions, Error> {
    check_bpmn(source, baton_bpmn::parse(&source.text), min_interval)
}

fn check_bpmn(
    source: &Source,
    mut parsed: baton_bpmn::Parsed,
    min_interval: MinInterval,
) -> Result<Definitions, Error> {
    for graph in &parsed.definitions.processes {
        let too_frequent = baton_model::timer::too_frequent(graph, min_interval);
        parsed.diagnostics.extend(too_frequent);
    }
    if parsed.has_errors() {
        return Err(Error::InvalidModel {
            file: source.name.clone(),
            diagnostics: parsed.diagnostics,
        });
    }
    Ok(parsed.definitions)
}

/// The processes of a stored or read model file, BPMN or YAML by its name, without the
/// checks of deploy (a stored version parses as it was deployed). `Err`: its diagnostics.
pub fn process_graphs(
    name: &Path,
    text: &str,
) -> Result<Vec<baton_model::ProcessGraph>, Vec<baton_model::Diagnostic>> {
    if baton_yaml::is_yaml(name) {
        let parsed = baton_yaml::parse(text, Some(name));
        return parsed.graph.map(|g| vec![g]).ok_or(parsed.diagnostics);
    }
    let parsed = baton_bpmn::parse(text);
    if parsed.has_errors() {
        return Err(parsed.diagnostics);
    }
    Ok(parsed.definitions.processes)
}

/// A YAML workflow as `deploy` requires it: no error, and timers over the floor.
fn check_yaml(
    source: &Source,
    parsed: baton_yaml::Parsed,
    min_interval: MinInterval,
) -> Result<Vec<baton_model::ProcessGraph>, Error> {
    let mut diagnostics = parsed.diagnostics;
    if let Some(graph) = &parsed.graph {
        diagnostics.extend(baton_model::timer::too_frequent(graph, min_interval));
    }
    match parsed.graph {
        Some(graph) if !diagnostics.iter().any(|d| d.is_error()) => Ok(vec![graph]),
        _ => Err(Error::InvalidModel {
            file: source.name.clone(),
            diagnostics,
        }),
    }
}

/// Parses a DMN file and checks its decisions compile, as `deploy` requires.
pub fn parse_dmn(source: &Source) -> Result<baton_dmn::model::Definitions, Error> {
    let parsed = baton_dmn::parse(&source.text);
    let invalid = |diagnostics| Error::InvalidModel {
        file: source.name.clone(),
        diagnostics,
    };
    let Some(definitions) = parsed
        .definitions
        .filter(|_| !parsed.diagnostics.iter().any(|d| d.is_error()))
    else {
        return Err(invalid(parsed.diagnostics));
    };
    let compiled = DecisionModel::new(std::slice::from_ref(&definitions));
    if compiled.diagnostics().iter().any(|d| d.is_error()) {
        return Err(invalid(compiled.diagnostics().to_vec()));
    }
    Ok(definitions)
}
