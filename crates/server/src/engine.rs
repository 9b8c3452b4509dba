//! The engine thread: one thread owns every tenant's [`Runtime`] and store; HTTP handlers
//! send it work and await the answer.
//!
//! Work arriving together runs as one batch and is committed with one store transaction
//! (group commit), so a thousand concurrent job completions cost one sync, not a
//! thousand. A handler's answer is sent only after the commit its work was part of, so a
//! client never sees a success that a crash could take back. Reads run after the commit
//! of their batch and so see every write that came before them.
//!
//! Each tenant has its own runtime and store ([`Tenants`]); a request runs on its
//! caller's tenant only.
//!
//! Workers that activate jobs when none are ready wait here (long polling): the engine
//! answers them as soon as a commit, a timer, a retry or an expired lease makes a job of
//! their type ready, or with nothing once their request timeout passes.

use std::collections::BTreeMap;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

use baton_core::Timestamp;
use baton_runtime::workers::ActivatedJob;
use baton_runtime::{Patience, Runtime};
use baton_store_sqlite::SqliteStore;
use tokio::sync::oneshot;

use crate::live::LiveEvents;

/// The tenant of the server's own store (`--db`), which also keeps the API tokens.
pub const DEFAULT_TENANT: &str = "default";

/// The runtime the server runs: embedded SQLite.
pub type Rt = Runtime<SqliteStore>;

/// Opens a tenant's runtime (creating its store on first use), recovered and ready.
pub type OpenTenant = Box<dyn Fn(&str) -> Result<Rt, String> + Send>;

/// The runtime of every tenant, each on its own store: a tenant's processes, instances,
/// tasks, messages and signals are invisible to every other tenant by construction.
pub struct Tenants {
    open: OpenTenant,
    runtimes: BTreeMap<String, Rt>,
}

impl Tenants {
    pub fn new(open: OpenTenant) -> Tenants {
        Tenants {
            open,
            runtimes: BTreeMap::new(),
        }
    }

    /// Adds a tenant's runtime opened ahead of time (at startup, so its timers fire and
    /// its jobs are served before anyone of that tenant calls).
    pub fn insert(&mut self, tenant: &str, mut runtime: Rt) {
        runtime.record_commits();
        self.runtimes.insert(tenant.to_string(), runtime);
    }

    fn get(&mut self, tenant: &str) -> Result<&mut Rt, String> {
        if !self.runtimes.contains_key(tenant) {
            let runtime = (self.open)(tenant)?;
            self.insert(tenant, runtime);
        }
        self.runtimes
            .get_mut(tenant)
            .ok_or_else(|| format!("tenant '{tenant}' could not be opened"))
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
type TenantRt<'a> = Result<&'a mut Rt, &'a str>;
/// Runs once the batch it belongs to is committed (or failed to commit).
type AfterCommit = Box<dyn FnOnce(TenantRt<'_>) + Send>;
type Work = Box<dyn FnOnce(TenantRt<'_>) -> AfterCommit + Send>;
type Reply = oneshot::Sender<Result<Vec<ActivatedJob>, EngineError>>;

enum Message {
    Work(String, Work),
    Activate(String, Activation, Reply),
    /// Shutting down: waiting workers get their answer now, and new activations do not
    /// wait, so open requests can finish.
    Drain,
    Stop,
}

/// Messages taken into one batch at most, so one batch's latency stays bounded.
const MAX_BATCH: usize = 1024;

/// The handle handlers use. Cloning it is cheap.
#[derive(Clone)]
pub struct Engine {
    tx: Sender<Message>,
}

/// Joins the engine thread; dropping it without [`EngineThread::stop`] leaves the thread
/// to finish on its own when every [`Engine`] handle is gone.
pub struct EngineThread {
    tx: Sender<Message>,
    thread: JoinHandle<()>,
}

impl EngineThread {
    /// Answers waiting workers, commits what is staged and ends the thread.
    pub fn stop(self) {
        let _ = self.tx.send(Message::Stop);
        let _ = self.thread.join();
    }
}

impl Engine {
    /// Starts the engine thread on the tenants' runtimes; what they commit goes to `live`.
    pub fn start(tenants: Tenants, live: LiveEvents) -> std::io::Result<(Engine, EngineThread)> {
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("baton-engine".into())
            .spawn(move || run(tenants, live, rx))?;
        Ok((Engine { tx: tx.clone() }, EngineThread { tx, thread }))
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
                Err(why) => Err(EngineError::TenantUnavailable(why.to_string())),
            };
            Box::new(move |rt| {
                let answer = match (written, rt) {
                    (Err(e), _) => Err(e),
                    (Ok(_), Err(why)) => Err(EngineError::CommitFailed(why.to_string())),
                    (Ok(value), Ok(rt)) => read(rt, value).map_err(EngineError::Runtime),
                };
                let _ = tx.send(answer);
            })
        });
        self.tx
            .send(Message::Work(tenant.to_string(), work))
            .map_err(|_| EngineError::Stopped)?;
        rx.await.map_err(|_| EngineError::Stopped)?
    }

    /// Stops making workers wait (the server is shutting down).
    pub fn drain(&self) {
        let _ = self.tx.send(Message::Drain);
    }

    /// Activates `tenant`'s jobs for a worker, waiting up to `activation.wait_ms` for some.
    pub async fn activate(
        &self,
        tenant: &str,
        activation: Activation,
    ) -> Result<Vec<ActivatedJob>, EngineError> {
        let (tx, rx) = oneshot::channel();
        self.tx
            .send(Message::Activate(tenant.to_string(), activation, tx))
            .map_err(|_| EngineError::Stopped)?;
        rx.await.map_err(|_| EngineError::Stopped)?
    }
}

/// A waiting activation: its tenant, until when it waits (by the engine's clock), and
/// where to answer.
struct Waiter {
    tenant: String,
    activation: Activation,
    until: Timestamp,
    reply: Reply,
}

fn run(mut tenants: Tenants, live: LiveEvents, rx: Receiver<Message>) {
    let mut waiters: Vec<Waiter> = Vec::new();
    let mut served_at = None;
    let mut draining = false;
    loop {
        let first = match next_wake(&tenants, &waiters, served_at) {
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
        let mut after_commit: Vec<(String, AfterCommit)> = Vec::new();
        let mut stop = false;
        for message in batch {
            match message {
                Message::Work(tenant, work) => {
                    let done = match tenants.get(&tenant) {
                        Ok(rt) => work(Ok(rt)),
                        Err(why) => work(Err(&why)),
                    };
                    after_commit.push((tenant, done));
                }
                Message::Activate(tenant, activation, reply) => match tenants.get(&tenant) {
                    Ok(rt) => {
                        let until = rt.now().plus_millis(activation.wait_ms);
                        waiters.push(Waiter {
                            tenant,
                            activation,
                            until,
                            reply,
                        });
                    }
                    Err(why) => {
                        let _ = reply.send(Err(EngineError::TenantUnavailable(why)));
                    }
                },
                Message::Drain => draining = true,
                Message::Stop => stop = true,
            }
        }
        // Commits each tenant's batch, fires due timers, runs local handlers (baton.toml).
        let committed: BTreeMap<String, Result<(), String>> = tenants
            .runtimes
            .iter_mut()
            .map(|(tenant, rt)| {
                let result = rt.drive(Patience::DueNow).map_err(|e| e.to_string());
                live.publish(tenant, rt.take_commits());
                (tenant.clone(), result)
            })
            .collect();
        for (tenant, done) in after_commit {
            match (tenants.runtimes.get_mut(&tenant), committed.get(&tenant)) {
                (Some(rt), Some(Ok(()))) => done(Ok(rt)),
                (_, Some(Err(why))) => done(Err(why)),
                _ => done(Err("the tenant's store could not be opened")),
            }
        }
        served_at = tenants.runtimes.values().next().map(|rt| rt.now());
        serve_waiters(&mut tenants, &mut waiters, stop || draining);
        if stop {
            for rt in tenants.runtimes.values_mut() {
                let _ = rt.flush();
            }
            return;
        }
    }
}

/// How long the engine may sleep before something is due without new work: the next
/// timer, the end of a worker's wait, and, while workers wait, the next retry or expired
/// lease after `served_at` (when waiting workers were last looked at: anything due by
/// then was offered to them), in any tenant.
fn next_wake(
    tenants: &Tenants,
    waiters: &[Waiter],
    served_at: Option<Timestamp>,
) -> Option<Duration> {
    let now = tenants.runtimes.values().next()?.now();
    let remote_after = served_at.filter(|_| !waiters.is_empty());
    let next = waiters
        .iter()
        .map(|w| w.until)
        .chain(tenants.runtimes.values().flat_map(|rt| {
            let remote = remote_after.and_then(|after| rt.next_remote_change(after));
            rt.next_timer().into_iter().chain(remote)
        }))
        .min()?;
    let millis = u64::try_from(next.0.saturating_sub(now.0)).unwrap_or(0);
    Some(Duration::from_millis(millis))
}

/// Answers the workers that can get jobs now, or whose wait is over (every one, when
/// `no_waiting`).
fn serve_waiters(tenants: &mut Tenants, waiters: &mut Vec<Waiter>, no_waiting: bool) {
    let mut still_waiting = Vec::with_capacity(waiters.len());
    for waiter in waiters.drain(..) {
        if waiter.reply.is_closed() {
            // The worker hung up: leasing it jobs would only delay them.
            continue;
        }
        let Some(rt) = tenants.runtimes.get_mut(&waiter.tenant) else {
            let _ = waiter.reply.send(Ok(Vec::new()));
            continue;
        };
        let activation = &waiter.activation;
        if rt.has_activatable_jobs(&activation.job_type) {
            let jobs = rt
                .activate_jobs(
                    &activation.job_type,
                    &activation.worker,
                    activation.max_jobs,
                    activation.lease_ms,
                )
                .map_err(EngineError::Runtime);
            let _ = waiter.reply.send(jobs);
        } else if no_waiting || waiter.until <= rt.now() {
            let _ = waiter.reply.send(Ok(Vec::new()));
        } else {
            still_waiting.push(waiter);
        }
    }
    *waiters = still_waiting;
}
