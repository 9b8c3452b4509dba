//! The engine: one thread per tenant owns that tenant's [`Runtime`] and store; HTTP
//! handlers send it work and await the answer.
//!
//! Work arriving together runs as one batch and is committed with one store transaction
//! (group commit), so a thousand concurrent job completions cost one sync, not a
//! thousand. A handler's answer is sent only after the commit its work was part of, so a
//! client never sees a success that a crash could take back. Reads run after the commit
//! of their batch and so see every write that came before them.
//!
//! Each tenant has its own runtime, store and thread (its *lane*): a request runs on its
//! caller's tenant only, and one tenant's long batch (a heavy script, a slow local job
//! handler, a large deployment) delays nobody else's requests. Within a tenant, batches
//! run in the order their work arrived.
//!
//! Workers that activate jobs when none are ready wait here (long polling): the engine
//! answers them as soon as a commit, a timer, a retry or an expired lease makes a job of
//! their type ready, or with nothing once their request timeout passes.
//!
//! With `[retention]` in `baton.toml`, each lane also prunes its tenant's ended instances
//! on a schedule ([`Retention`]): one bounded batch at a time, with the requests that
//! arrived meanwhile served between batches.

use std::collections::{BTreeMap, HashMap};
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, SyncSender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use baton_core::Timestamp;
use baton_runtime::retention::PruneOptions;
use baton_runtime::workers::ActivatedJob;
use baton_runtime::{Patience, Runtime};
use baton_store::audit::{Actor, AuditEntry};
use baton_store_any::AnyStore;
use tokio::sync::oneshot;

use crate::live::LiveEvents;
use crate::metrics::{LaneMetrics, Metrics};
use crate::throw_relay::{Thrown, ThrownKind};
use crate::traces::Traces;

/// The tenant of the server's own store (`--db`), which also keeps the API tokens.
pub const DEFAULT_TENANT: &str = "default";

/// The runtime the server runs, on the store `--db` names (SQLite or PostgreSQL).
pub type Rt = Runtime<AnyStore>;

/// Opens a tenant's runtime (creating its store on first use), recovered and ready.
pub type OpenTenant = Box<dyn Fn(&str) -> Result<Rt, String> + Send>;

/// The stack of each tenant's engine thread. Evaluation guards its own depth (FEEL's
/// call-depth limit); this is the known, generous size those limits were sized against,
/// rather than the 2 MiB a spawned thread gets by default. Untouched pages cost nothing.
const LANE_STACK_BYTES: usize = 64 * 1024 * 1024;

/// How tenants' runtimes come to be: opened ahead of time (at startup, so their timers
/// fire and their jobs are served before anyone of that tenant calls), or on first use.
/// Each tenant's store is its own, so a tenant's processes, instances, tasks, messages
/// and signals are invisible to every other tenant by construction.
pub struct Tenants {
    open: OpenTenant,
    opened: BTreeMap<String, Rt>,
}

impl Tenants {
    pub fn new(open: OpenTenant) -> Tenants {
        Tenants {
            open,
            opened: BTreeMap::new(),
        }
    }

    /// Adds a tenant's runtime opened ahead of time.
    pub fn insert(&mut self, tenant: &str, runtime: Rt) {
        self.opened.insert(tenant.to_string(), runtime);
    }
}

/// Why the engine could not answer.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Runtime(#[from] baton_runtime::Error),
    /// The work ran, but the batch it was part of could not be committed: nothing of it
    /// happened.
    #[error("the store could not commit: {0}")]
    CommitFailed(String),
    #[error("the tenant's store is unavailable: {0}")]
    TenantUnavailable(String),
    #[error("the engine is shutting down")]
    Stopped,
    /// The engine dropped the request unanswered: the batch it was in failed (the
    /// tenant's store is reopened; nothing uncommitted of it happened).
    #[error("the engine failed while serving this request; nothing of it was committed, try again")]
    Failed,
}

/// A job activation that may wait for jobs.
#[derive(Clone, Debug)]
pub struct Activation {
    pub job_type: String,
    pub worker: String,
    pub max_jobs: usize,
    pub lease_ms: u64,
    /// How long to wait for jobs when none is ready.
    pub wait_ms: u64,
}

/// The tenant's runtime, or why there is none (it could not be opened, or the batch
/// could not be committed).
type TenantRt<'a> = Result<&'a mut Rt, &'a Unserved>;

/// Why a lane could not serve a batch.
#[derive(Debug)]
enum Unserved {
    /// The tenant's store could not be opened (or could not commit), with why.
    Failed(String),
    /// Cluster mode: the commit was refused because another node owns these instances
    /// now (503; the caller retries, and reaches the owner).
    Fenced(Vec<baton_core::InstanceId>),
}

impl Unserved {
    fn to_error(&self, failed: fn(String) -> EngineError) -> EngineError {
        match self {
            Unserved::Failed(why) => failed(why.clone()),
            Unserved::Fenced(instances) => {
                EngineError::Runtime(baton_runtime::Error::Store(baton_store::Error::Fenced {
                    instances: instances.clone(),
                }))
            }
        }
    }
}
/// Runs once the batch it belongs to is committed (or failed to commit).
type AfterCommit = Box<dyn FnOnce(TenantRt<'_>) + Send>;
type Work = Box<dyn FnOnce(TenantRt<'_>) -> AfterCommit + Send>;
type Reply = oneshot::Sender<Result<Vec<ActivatedJob>, EngineError>>;

enum Message {
    Work(Work),
    Activate(Activation, Reply),
    /// Cluster mode: partitions this node lost (their work leaves memory) and claimed
    /// (their work is loaded), in that order.
    PartitionsMoved {
        claimed: Vec<u32>,
        lost: Vec<u32>,
    },
    /// Shutting down: waiting workers get their answer now, and new activations do not
    /// wait, so open requests can finish.
    Drain,
    Stop,
}

/// Messages taken into one batch at most, so one batch's latency stays bounded.
const MAX_BATCH: usize = 1024;

/// Cluster mode: how often a lane checks that the partitions whose work it holds are the
/// ones the node owns ([`Rt::sync_partitions`]), beside the moves it is told of.
const SYNC_PARTITIONS: Duration = Duration::from_secs(1);

/// The handle handlers use. Cloning it is cheap.
#[derive(Clone)]
pub struct Engine {
    shared: Arc<Shared>,
}

/// What every handle and the lanes share: how to open a tenant, and each tenant's lane.
struct Shared {
    /// Opening is rare (a tenant's first request), so lanes take turns with one opener.
    open: Mutex<OpenTenant>,
    lanes: Mutex<HashMap<String, Lane>>,
    live: LiveEvents,
    /// Where committed events go to become trace spans, when traces are exported.
    traces: Option<Arc<Traces>>,
    /// What every lane counts its commits into (`GET /metrics`).
    metrics: Arc<Metrics>,
    /// Set by [`Engine::drain`]: lanes opened from now on start out draining too.
    draining: AtomicBool,
    /// Set by [`EngineThread::stop`]: no lane is opened any more.
    stopped: AtomicBool,
    /// Cluster mode: where signals and messages thrown by this node's instances go, to
    /// reach the other nodes' ([`crate::throw_relay`]).
    thrown: Mutex<Option<SyncSender<Thrown>>>,
}

/// A tenant's engine thread and how to reach it.
struct Lane {
    tx: Sender<Message>,
    thread: JoinHandle<()>,
}

/// Stops the engine when told to or dropped: waiting workers are answered, what is
/// staged is committed and every tenant's thread ends.
pub struct EngineThread {
    shared: Arc<Shared>,
}

impl EngineThread {
    /// Answers waiting workers, commits what is staged and ends every tenant's thread.
    pub fn stop(self) {
        drop(self);
    }
}

impl Drop for EngineThread {
    fn drop(&mut self) {
        self.shared.stopped.store(true, Ordering::SeqCst);
        let lanes: Vec<Lane> = lock(&self.shared.lanes)
            .drain()
            .map(|(_, lane)| lane)
            .collect();
        for lane in &lanes {
            let _ = lane.tx.send(Message::Stop);
        }
        for lane in lanes {
            let _ = lane.thread.join();
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Engine {
    /// Starts a thread for each tenant opened ahead of time; other tenants get theirs on
    /// first use. What they commit goes to `live`.
    pub fn start(tenants: Tenants, live: LiveEvents) -> std::io::Result<(Engine, EngineThread)> {
        Engine::start_traced(tenants, live, None)
    }

    /// [`Engine::start`], with committed events going to `traces` as well.
    pub fn start_traced(
        tenants: Tenants,
        live: LiveEvents,
        traces: Option<Arc<Traces>>,
    ) -> std::io::Result<(Engine, EngineThread)> {
        let shared = Arc::new(Shared {
            open: Mutex::new(tenants.open),
            lanes: Mutex::new(HashMap::new()),
            live,
            traces,
            metrics: Arc::new(Metrics::new()),
            draining: AtomicBool::new(false),
            stopped: AtomicBool::new(false),
            thrown: Mutex::new(None),
        });
        let engine = Engine {
            shared: shared.clone(),
        };
        {
            let mut lanes = lock(&shared.lanes);
            for (tenant, runtime) in tenants.opened {
                let lane = engine.spawn_lane(&tenant, Some(runtime))?;
                lanes.insert(tenant, lane);
            }
        }
        Ok((engine, EngineThread { shared }))
    }

    /// The metrics the lanes count into.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.shared.metrics
    }

    /// The tenants whose lane runs now (opened at startup or used since).
    pub fn open_tenants(&self) -> Vec<String> {
        let mut tenants: Vec<String> = lock(&self.shared.lanes).keys().cloned().collect();
        tenants.sort();
        tenants
    }

    /// The way to `tenant`'s thread, started (and its store opened) on first use.
    fn lane(&self, tenant: &str) -> Result<Sender<Message>, EngineError> {
        if self.shared.stopped.load(Ordering::SeqCst) {
            return Err(EngineError::Stopped);
        }
        let mut lanes = lock(&self.shared.lanes);
        if let Some(lane) = lanes.get(tenant) {
            return Ok(lane.tx.clone());
        }
        let lane = self
            .spawn_lane(tenant, None)
            .map_err(|e| EngineError::TenantUnavailable(e.to_string()))?;
        let tx = lane.tx.clone();
        lanes.insert(tenant.to_string(), lane);
        Ok(tx)
    }

    fn spawn_lane(&self, tenant: &str, runtime: Option<Rt>) -> std::io::Result<Lane> {
        let (tx, rx) = mpsc::channel();
        if self.shared.draining.load(Ordering::SeqCst) {
            let _ = tx.send(Message::Drain);
        }
        let shared = self.shared.clone();
        let name = tenant.to_string();
        let thread = std::thread::Builder::new()
            .name(format!("baton-engine-{tenant}"))
            .stack_size(LANE_STACK_BYTES)
            .spawn(move || run(&shared, &name, runtime, &rx))?;
        Ok(Lane { tx, thread })
    }

    fn send(&self, tenant: &str, message: Message) -> Result<(), EngineError> {
        self.lane(tenant)?
            .send(message)
            .map_err(|_| EngineError::Stopped)
    }

    /// Runs `write` (staging commands) on `tenant`'s runtime and answers with its result
    /// once it is committed.
    pub async fn write<T: Send + 'static>(
        &self,
        tenant: &str,
        write: impl FnOnce(&mut Rt) -> Result<T, baton_runtime::Error> + Send + 'static,
    ) -> Result<T, EngineError> {
        self.write_then_read(tenant, write, |_, value| Ok(value))
            .await
    }

    /// Runs `read` on `tenant`'s runtime after every write sent before it is committed.
    pub async fn read<T: Send + 'static>(
        &self,
        tenant: &str,
        read: impl FnOnce(&mut Rt) -> Result<T, baton_runtime::Error> + Send + 'static,
    ) -> Result<T, EngineError> {
        self.write_then_read(tenant, |_| Ok(()), move |rt, ()| read(rt))
            .await
    }

    /// Runs `write`, and once it is committed, `read` on its result: how a request that
    /// changes something answers with the state it led to.
    pub async fn write_then_read<W: Send + 'static, T: Send + 'static>(
        &self,
        tenant: &str,
        write: impl FnOnce(&mut Rt) -> Result<W, baton_runtime::Error> + Send + 'static,
        read: impl FnOnce(&mut Rt, W) -> Result<T, baton_runtime::Error> + Send + 'static,
    ) -> Result<T, EngineError> {
        let (tx, rx) = oneshot::channel();
        let work: Work = Box::new(move |rt| {
            let written = match rt {
                Ok(rt) => write(rt).map_err(EngineError::Runtime),
                Err(why) => Err(why.to_error(EngineError::TenantUnavailable)),
            };
            Box::new(move |rt| {
                let answer = match (written, rt) {
                    (Err(e), _) => Err(e),
                    (Ok(_), Err(why)) => Err(why.to_error(EngineError::CommitFailed)),
                    (Ok(value), Ok(rt)) => read(rt, value).map_err(EngineError::Runtime),
                };
                let _ = tx.send(answer);
            })
        });
        self.send(tenant, Message::Work(work))?;
        rx.await.map_err(|_| EngineError::Failed)?
    }

    /// Queues `write` on `tenant`'s runtime without waiting for it: work whose outcome
    /// nobody awaits (recording a refused request), queued now, so it runs before any
    /// work sent after it.
    pub fn submit(
        &self,
        tenant: &str,
        write: impl FnOnce(&mut Rt) -> Result<(), baton_runtime::Error> + Send + 'static,
    ) -> Result<(), EngineError> {
        let work: Work = Box::new(move |rt| {
            if let Ok(rt) = rt {
                // Nobody waits for the outcome; a failure leaves nothing to undo.
                let _ = write(rt);
            }
            Box::new(|_| {})
        });
        self.send(tenant, Message::Work(work))
    }

    /// Cluster mode: signals thrown by this node's instances, and messages they throw
    /// for another node's, are sent to `to` once their throw is committed (a full queue
    /// drops them, logged: the engine never waits).
    pub fn relay_thrown(&self, to: SyncSender<Thrown>) {
        *lock(&self.shared.thrown) = Some(to);
    }

    /// Stops making workers wait (the server is shutting down).
    pub fn drain(&self) {
        self.shared.draining.store(true, Ordering::SeqCst);
        for lane in lock(&self.shared.lanes).values() {
            let _ = lane.tx.send(Message::Drain);
        }
    }

    /// Cluster mode: this node claimed and lost partitions (a heartbeat's
    /// [`baton_store_any::cluster::Beat`]). Every open tenant's lane drops the lost ones'
    /// instances from memory, then loads the claimed ones' open work from its store.
    /// Lanes opened later recover what the node owns then, so they need no telling.
    pub fn partitions_moved(&self, claimed: Vec<u32>, lost: Vec<u32>) {
        for lane in lock(&self.shared.lanes).values() {
            let _ = lane.tx.send(Message::PartitionsMoved {
                claimed: claimed.clone(),
                lost: lost.clone(),
            });
        }
    }

    /// Activates `tenant`'s jobs for a worker, waiting up to `activation.wait_ms` for some.
    pub async fn activate(
        &self,
        tenant: &str,
        activation: Activation,
    ) -> Result<Vec<ActivatedJob>, EngineError> {
        let (tx, rx) = oneshot::channel();
        self.send(tenant, Message::Activate(activation, tx))?;
        rx.await.map_err(|_| EngineError::Failed)?
    }
}

/// A waiting activation: until when it waits (by the engine's clock), and where to
/// answer.
struct Waiter {
    activation: Activation,
    until: Timestamp,
    reply: Reply,
}

/// A lane's pruning schedule (`[retention]`): when the next batch is due, and the
/// archive file of the run in progress (one file per run, a zstd frame per batch).
#[derive(Debug, Default)]
struct Retention {
    /// `None` until the lane's runtime is open; then the first run is due at once.
    next: Option<Timestamp>,
    archive: Option<std::path::PathBuf>,
}

impl Retention {
    /// Prunes one batch if one is due; schedules the next batch (at once while more are
    /// left, else after the configured interval).
    fn run_due(&mut self, rt: &mut Rt, tenant: &str) {
        let Some(config) = rt.config().retention.clone() else {
            return;
        };
        let now = rt.now();
        if self.next.is_some_and(|next| next > now) {
            return;
        }
        let age = i64::try_from(config.ended_before.0).unwrap_or(i64::MAX);
        let archive = config.archive_dir.as_ref().map(|dir| {
            self.archive
                .get_or_insert_with(|| dir.join(format!("{tenant}-{}.jsonl.zst", now.0)))
                .clone()
        });
        let audit = AuditEntry::new(Actor::system("retention"), "retention.prune", "")
            .with_detail("ended_before_ms", config.ended_before.0);
        let options = PruneOptions {
            archive,
            batch_size: config.batch_size.get(),
            max_batches: Some(1),
            audit: Some(audit),
            ..PruneOptions::new(Timestamp(now.0.saturating_sub(age)))
        };
        let more = match rt.prune(&options) {
            Ok(pruned) => pruned.more,
            Err(e) => {
                tracing::error!(%tenant, error = %e, "pruning ended instances failed");
                false
            }
        };
        if more {
            self.next = Some(now);
        } else {
            self.next = Some(now.plus_millis(config.interval.0));
            self.archive = None;
        }
    }

    /// When the lane must wake for the next batch, if a schedule is configured.
    fn due(&self, rt: &Rt) -> Option<Timestamp> {
        rt.config().retention.as_ref()?;
        Some(self.next.unwrap_or_else(|| rt.now()))
    }
}

/// A tenant's engine thread: takes the work waiting in `rx` as one batch, commits it,
/// answers, and sleeps until the next message or the next thing due.
fn run(shared: &Shared, tenant: &str, mut runtime: Option<Rt>, rx: &Receiver<Message>) {
    let mut metrics = LaneMetrics::new(shared.metrics.clone());
    if let Some(rt) = runtime.as_mut() {
        opened(shared, tenant, rt, &mut metrics);
    }
    let mut waiters: Vec<Waiter> = Vec::new();
    let mut served_at = None;
    let mut draining = false;
    let mut retention = Retention::default();
    let mut synced = std::time::Instant::now();
    loop {
        if let Some(rt) = runtime.as_mut().filter(|rt| rt.in_cluster())
            && synced.elapsed() >= SYNC_PARTITIONS
        {
            synced = std::time::Instant::now();
            if let Err(error) = rt.sync_partitions() {
                tracing::error!(%tenant, %error, "loading owned partitions failed");
            }
        }
        if let Some(rt) = runtime.as_mut() {
            // Before waiting: a lane pruning its backlog serves what arrived between
            // batches, since a due batch makes the wait below zero.
            let pruned = std::panic::catch_unwind(AssertUnwindSafe(|| {
                retention.run_due(rt, tenant);
            }));
            if pruned.is_err() {
                tracing::error!(%tenant, "pruning failed; the tenant's store is reopened");
                runtime = None;
            }
        }
        let wake = runtime.as_ref().and_then(|rt| {
            let prune = retention.due(rt).map(|due| {
                Duration::from_millis(u64::try_from(due.0.saturating_sub(rt.now().0)).unwrap_or(0))
            });
            let sync = rt
                .in_cluster()
                .then(|| SYNC_PARTITIONS.saturating_sub(synced.elapsed()));
            [next_wake(rt, &waiters, served_at), prune, sync]
                .into_iter()
                .flatten()
                .min()
        });
        let first = match wake {
            Some(wait) => match rx.recv_timeout(wait) {
                Ok(message) => Some(message),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => Some(Message::Stop),
            },
            None => Some(rx.recv().unwrap_or(Message::Stop)),
        };
        let mut batch: Vec<Message> = first.into_iter().collect();
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(message) => batch.push(message),
                Err(_) => break,
            }
        }
        let stop = batch.iter().any(|m| matches!(m, Message::Stop));
        draining |= stop || batch.iter().any(|m| matches!(m, Message::Drain));
        // A bug must not take the tenant's engine down for good: a batch that panics is
        // answered with an error (its replies are dropped), and the runtime, whose memory
        // may be half-changed, is dropped and reopened from the store, which holds only
        // what was committed.
        let served = std::panic::catch_unwind(AssertUnwindSafe(|| {
            serve_batch(
                shared,
                tenant,
                (&mut runtime, &mut metrics),
                &mut waiters,
                batch,
                draining,
            )
        }));
        match served {
            Ok(Some(at)) => served_at = Some(at),
            Ok(None) => {}
            Err(_) => {
                tracing::error!(
                    tenant,
                    "the engine failed while serving a batch; its requests were answered with \
                     an error and its store is reopened"
                );
                runtime = None;
            }
        }
        if stop {
            if let Some(rt) = runtime.as_mut() {
                let _ = rt.flush();
                publish(shared, tenant, rt, &mut metrics);
            }
            return;
        }
    }
}

/// Runs one batch: its work, one commit, the answers, then the waiting workers. Returns
/// when the waiting workers were served (by the engine's clock), if the runtime is open.
fn serve_batch(
    shared: &Shared,
    tenant: &str,
    (runtime, metrics): (&mut Option<Rt>, &mut LaneMetrics),
    waiters: &mut Vec<Waiter>,
    batch: Vec<Message>,
    no_waiting: bool,
) -> Option<Timestamp> {
    // A store that could not be opened is tried again with each batch: the cause (a
    // full disk, a permission) may have been fixed meanwhile.
    let mut unavailable: Option<String> = None;
    if runtime.is_none()
        && batch
            .iter()
            .any(|m| matches!(m, Message::Work(_) | Message::Activate(..)))
    {
        match (lock(&shared.open))(tenant) {
            Ok(mut rt) => {
                opened(shared, tenant, &mut rt, metrics);
                *runtime = Some(rt);
            }
            Err(why) => unavailable = Some(why),
        }
    }
    let unavailable =
        Unserved::Failed(unavailable.unwrap_or_else(|| "its store is not open".to_string()));
    let mut after_commit: Vec<AfterCommit> = Vec::new();
    // A failure from before this batch (a timer's commit, an activation) is not its own.
    if let Some(rt) = runtime.as_mut() {
        rt.take_discarded();
    }
    for message in batch {
        match message {
            Message::Work(work) => after_commit.push(match runtime.as_mut() {
                Some(rt) => work(Ok(rt)),
                None => work(Err(&unavailable)),
            }),
            Message::Activate(activation, reply) => match runtime.as_ref() {
                Some(rt) => {
                    let until = rt.now().plus_millis(activation.wait_ms);
                    waiters.push(Waiter {
                        activation,
                        until,
                        reply,
                    });
                }
                None => {
                    let _ = reply.send(Err(unavailable.to_error(EngineError::TenantUnavailable)));
                }
            },
            // A lane whose runtime is not open loads what the node owns when it opens.
            Message::PartitionsMoved { claimed, lost } => {
                if let Some(rt) = runtime.as_mut() {
                    move_partitions(tenant, rt, &claimed, &lost);
                }
            }
            Message::Drain | Message::Stop => {}
        }
    }
    let Some(rt) = runtime.as_mut() else {
        for done in after_commit {
            done(Err(&unavailable));
        }
        return None;
    };
    // Commits the batch, fires due timers, runs local handlers (baton.toml).
    let committed = rt.drive(Patience::DueNow);
    // A commit that failed inside the batch's work (one request flushing, say a publish)
    // dropped what the requests before it had staged: none of them is answered as done.
    let committed = match (committed, rt.take_discarded()) {
        (Ok(()), Some(baton_runtime::Discarded::Fenced(instances))) => {
            Err(baton_runtime::Error::Store(baton_store::Error::Fenced {
                instances,
            }))
        }
        (Ok(()), Some(baton_runtime::Discarded::Failed(why))) => Err(baton_runtime::Error::Store(
            baton_store::Error::Backend(why),
        )),
        (committed, _) => committed,
    };
    let committed = committed.map_err(|e| match e {
        baton_runtime::Error::Store(baton_store::Error::Fenced { instances }) => {
            tracing::warn!(
                %tenant,
                ?instances,
                "a commit was fenced: another node owns these instances now"
            );
            Unserved::Fenced(instances)
        }
        other => Unserved::Failed(other.to_string()),
    });
    publish(shared, tenant, rt, metrics);
    for done in after_commit {
        match &committed {
            Ok(()) => done(Ok(rt)),
            Err(why) => done(Err(why)),
        }
    }
    serve_waiters(rt, waiters, no_waiting);
    // The activations just committed.
    publish(shared, tenant, rt, metrics);
    Some(rt.now())
}

/// Drops the lost partitions' instances from memory and loads the claimed ones' work.
/// A claimed partition that could not be loaded is loaded by the lane's next
/// [`Rt::sync_partitions`].
fn move_partitions(tenant: &str, rt: &mut Rt, claimed: &[u32], lost: &[u32]) {
    rt.forget(lost);
    match rt.adopt(claimed) {
        Ok(jobs) => tracing::info!(%tenant, ?claimed, ?lost, jobs, "partitions moved"),
        Err(error) => {
            tracing::error!(%tenant, ?claimed, %error, "loading claimed partitions failed")
        }
    }
}

/// Readies a tenant's runtime just opened: its commits are kept for the event streams
/// (and traces, which first send what its last run left) and counted for metrics.
fn opened(shared: &Shared, tenant: &str, rt: &mut Rt, metrics: &mut LaneMetrics) {
    rt.record_commits();
    metrics.follow(rt);
    if let Some(traces) = &shared.traces {
        rt.keep_traces();
        traces.opened(tenant, &rt.store().location());
    }
}

/// Hands what was committed since the last call to the metrics, the event streams and
/// traces.
fn publish(shared: &Shared, tenant: &str, rt: &mut Rt, metrics: &mut LaneMetrics) {
    let signals = rt
        .take_thrown_signals()
        .into_iter()
        .map(|(name, variables)| (name, ThrownKind::Signal { variables }));
    let messages = rt
        .take_thrown_messages()
        .into_iter()
        .map(|(name, correlation_key)| (name, ThrownKind::Message { correlation_key }));
    let thrown: Vec<_> = signals.chain(messages).collect();
    if !thrown.is_empty()
        && let Some(to) = lock(&shared.thrown).as_ref()
    {
        for (name, what) in thrown {
            let notice = Thrown {
                tenant: tenant.to_string(),
                name,
                what,
            };
            if to.try_send(notice).is_err() {
                tracing::warn!(%tenant, "cluster: a thrown signal or message could not be queued for the other nodes");
            }
        }
    }
    let commits = rt.take_commits();
    if commits.is_empty() {
        return;
    }
    metrics.observe(rt, &commits);
    if let Some(traces) = &shared.traces {
        traces.publish(tenant, &rt.store().location(), &commits);
    }
    shared.live.publish(tenant, commits);
}

/// How long the lane may sleep before something is due without new work: the next
/// timer, the end of a worker's wait, and, while workers wait, the next retry or expired
/// lease after `served_at` (when waiting workers were last looked at: anything due by
/// then was offered to them).
fn next_wake(rt: &Rt, waiters: &[Waiter], served_at: Option<Timestamp>) -> Option<Duration> {
    let now = rt.now();
    let remote_after = served_at.filter(|_| !waiters.is_empty());
    let remote = remote_after.and_then(|after| rt.next_remote_change(after));
    let next = waiters
        .iter()
        .map(|w| w.until)
        .chain(rt.next_timer())
        // Local handlers' jobs: retries, resources held elsewhere, gates to check again.
        .chain(rt.next_local_job())
        .chain(remote)
        .min()?;
    let millis = u64::try_from(next.0.saturating_sub(now.0)).unwrap_or(0);
    Some(Duration::from_millis(millis))
}

/// Answers the workers that can get jobs now, or whose wait is over (every one, when
/// `no_waiting`). The activations are journaled: all of them are committed together, and
/// only then are the workers answered; if the commit fails, the jobs go back to their
/// queues and the workers get the error.
fn serve_waiters(rt: &mut Rt, waiters: &mut Vec<Waiter>, no_waiting: bool) {
    let mut still_waiting = Vec::with_capacity(waiters.len());
    let mut activated: Vec<(Reply, Vec<ActivatedJob>)> = Vec::new();
    for waiter in waiters.drain(..) {
        if waiter.reply.is_closed() {
            // The worker hung up: leasing it jobs would only delay them.
            continue;
        }
        let activation = &waiter.activation;
        if rt.has_activatable_jobs(&activation.job_type) {
            match rt.activate_jobs(
                &activation.job_type,
                &activation.worker,
                activation.max_jobs,
                activation.lease_ms,
            ) {
                Ok(jobs) => activated.push((waiter.reply, jobs)),
                Err(error) => {
                    let _ = waiter.reply.send(Err(EngineError::Runtime(error)));
                }
            }
        } else if no_waiting || waiter.until <= rt.now() {
            let _ = waiter.reply.send(Ok(Vec::new()));
        } else {
            still_waiting.push(waiter);
        }
    }
    *waiters = still_waiting;
    if activated.is_empty() {
        return;
    }
    match rt.flush() {
        Ok(()) => {
            for (reply, jobs) in activated {
                if let Err(Ok(jobs)) = reply.send(Ok(jobs)) {
                    // The worker hung up meanwhile: its jobs wait for the next one at
                    // once rather than until the lease runs out.
                    rt.unlease(&jobs);
                }
            }
        }
        Err(error) => {
            // A fenced batch is the cluster moving a partition, which the worker rides
            // out by asking again (503), not a failure of the store (500).
            let fenced = match &error {
                baton_runtime::Error::Store(baton_store::Error::Fenced { instances }) => {
                    Some(instances.clone())
                }
                _ => None,
            };
            let why = error.to_string();
            for (reply, jobs) in activated {
                rt.unlease(&jobs);
                let answer = match &fenced {
                    Some(instances) => EngineError::Runtime(baton_runtime::Error::Store(
                        baton_store::Error::Fenced {
                            instances: instances.clone(),
                        },
                    )),
                    None => EngineError::CommitFailed(why.clone()),
                };
                let _ = reply.send(Err(answer));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use baton_runtime::{Config, SystemClock};
    use baton_store_any::{Durability, SqliteStore};

    use super::*;

    fn engine(dir: &std::path::Path) -> (Engine, EngineThread) {
        let root = dir.to_path_buf();
        let open: OpenTenant = Box::new(move |tenant: &str| {
            let store = SqliteStore::open(&root.join(format!("{tenant}.db")), Durability::Relaxed)
                .map_err(|e| e.to_string())?;
            Ok(Runtime::new(
                store.into(),
                Config::default(),
                Arc::new(SystemClock),
            ))
        });
        Engine::start(Tenants::new(open), LiveEvents::default()).expect("engine")
    }

    #[tokio::test]
    async fn a_batch_that_panics_is_answered_with_an_error_and_the_tenant_is_served_after() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (engine, thread) = engine(dir.path());
        let failed = engine
            .write("t", |_| -> Result<(), baton_runtime::Error> {
                panic!("a bug in the engine")
            })
            .await;
        assert!(matches!(failed, Err(EngineError::Failed)), "{failed:?}");
        let served = engine.read("t", |rt| Ok(rt.now())).await;
        assert!(served.is_ok(), "{served:?}");
        thread.stop();
    }

    /// A lane prunes when it starts and then every `interval`, archiving what it removes.
    #[tokio::test]
    async fn a_lane_prunes_ended_instances_on_its_schedule() {
        use baton_core::InstanceId;
        use baton_feel::Context;
        use baton_runtime::{FakeClock, Source};
        use baton_store::{InstanceFilter, QueryStore as _};

        const QUICK: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
<bpmn:process id="quick" isExecutable="true">
<bpmn:startEvent id="start"/><bpmn:endEvent id="end"/>
<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="end"/>
</bpmn:process>
</bpmn:definitions>"#;
        let dir = tempfile::tempdir().expect("temp dir");
        let archive_dir = dir.path().join("archive");
        let config = Config::parse(&format!(
            "[retention]\nended_before = \"1m\"\ninterval = \"1h\"\narchive_dir = {:?}\n",
            archive_dir.display().to_string()
        ))
        .expect("config");
        let clock = Arc::new(FakeClock::new(Timestamp(1_000_000)));
        let store =
            SqliteStore::open(&dir.path().join("t.db"), Durability::Relaxed).expect("store");
        let mut rt = Runtime::new(store.into(), config, clock.clone());
        rt.deploy(&[Source {
            name: "quick.bpmn".into(),
            text: QUICK.to_string(),
        }])
        .expect("deploy");
        let old = rt.start("quick", None, Context::new()).expect("start");
        rt.flush().expect("flush");
        clock.advance(120_000);
        let recent = rt.start("quick", None, Context::new()).expect("start");
        rt.flush().expect("flush");

        let mut tenants = Tenants::new(Box::new(|_: &str| Err("no other tenants".to_string())));
        tenants.insert("t", rt);
        let (engine, thread) = Engine::start(tenants, LiveEvents::default()).expect("engine");
        let instances = || {
            engine.read("t", |rt| {
                let rows = rt.store().instances(&InstanceFilter::default())?;
                Ok(rows
                    .into_iter()
                    .map(|r| r.instance)
                    .collect::<Vec<InstanceId>>())
            })
        };
        assert_ne!(old, recent);
        assert_eq!(
            instances().await.expect("read"),
            [recent],
            "pruned when the lane started"
        );
        let archived: Vec<_> = std::fs::read_dir(&archive_dir)
            .expect("the archive directory")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(archived, [format!("t-{}.jsonl.zst", 1_120_000)]);

        // Ended over a minute ago now, but the next run is an hour after the first.
        clock.advance(120_000);
        instances().await.expect("read");
        assert_eq!(instances().await.expect("read"), [recent]);
        clock.advance(3_600_000);
        // The first request wakes the lane, which prunes before it waits for the next.
        instances().await.expect("read");
        assert_eq!(instances().await.expect("read"), []);
        thread.stop();
    }

    /// Cluster mode: partitions moved reach every open lane at once, lost ones leaving
    /// memory and claimed ones loaded from the store.
    #[tokio::test]
    async fn lanes_drop_lost_partitions_and_load_claimed_ones() {
        use std::collections::BTreeSet;

        use baton_core::InstanceId;
        use baton_feel::Context;
        use baton_runtime::Source;
        use baton_store::{PARTITIONS, partition_of};

        const JOB: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
<bpmn:process id="job" isExecutable="true">
<bpmn:startEvent id="start"/>
<bpmn:serviceTask id="work"><bpmn:extensionElements><zeebe:taskDefinition type="remote"/></bpmn:extensionElements></bpmn:serviceTask>
<bpmn:endEvent id="end"/>
<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="work"/>
<bpmn:sequenceFlow id="f1" sourceRef="work" targetRef="end"/>
</bpmn:process>
</bpmn:definitions>"#;
        let dir = tempfile::tempdir().expect("temp dir");
        let store =
            SqliteStore::open(&dir.path().join("t.db"), Durability::Relaxed).expect("store");
        let owned: Arc<Mutex<BTreeSet<u32>>> = Arc::new(Mutex::new((0..PARTITIONS).collect()));
        let mut rt = Runtime::new(store.into(), Config::default(), Arc::new(SystemClock));
        let holds = Arc::clone(&owned);
        rt.set_ownership(Some(Arc::new(move |i: InstanceId| {
            lock(&holds).contains(&partition_of(i.0))
        })));
        rt.recover().expect("recover");
        rt.deploy(&[Source {
            name: "job.bpmn".into(),
            text: JOB.to_string(),
        }])
        .expect("deploy");
        for _ in 0..4 {
            rt.start("job", None, Context::new()).expect("start");
        }
        rt.flush().expect("flush");
        let mut tenants = Tenants::new(Box::new(|_: &str| Err("no other tenants".to_string())));
        tenants.insert("t", rt);
        let (engine, thread) = Engine::start(tenants, LiveEvents::default()).expect("engine");
        let queued = || engine.read("t", |rt| Ok(rt.queued_jobs()));
        assert_eq!(queued().await.expect("read"), 4);
        let all: Vec<u32> = (0..PARTITIONS).collect();
        lock(&owned).clear();
        engine.partitions_moved(Vec::new(), all.clone());
        assert_eq!(queued().await.expect("read"), 0, "lost: forgotten");
        lock(&owned).extend(all.iter().copied());
        engine.partitions_moved(all, Vec::new());
        assert_eq!(queued().await.expect("read"), 4, "claimed: loaded at once");
        thread.stop();
    }

    #[tokio::test]
    async fn tenants_get_their_own_engine_thread_on_first_use_and_none_after_stop() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (engine, thread) = engine(dir.path());
        let name = |tenant: &str| {
            let tenant = tenant.to_string();
            let engine = engine.clone();
            async move {
                engine
                    .read(&tenant, |_| {
                        Ok(std::thread::current().name().map(str::to_string))
                    })
                    .await
                    .expect("served")
            }
        };
        assert_eq!(name("a").await.as_deref(), Some("baton-engine-a"));
        assert_eq!(name("b").await.as_deref(), Some("baton-engine-b"));
        thread.stop();
        let after = engine.read("a", |_| Ok(())).await;
        assert!(matches!(after, Err(EngineError::Stopped)), "{after:?}");
    }
}
