//! The engine thread: one thread owns the [`Runtime`] and its store; HTTP handlers send it
//! work and await the answer.
//!
//! Work arriving together runs as one batch and is committed with one store transaction
//! (group commit), so a thousand concurrent job completions cost one sync, not a
//! thousand. A handler's answer is sent only after the commit its work was part of, so a
//! client never sees a success that a crash could take back. Reads run after the commit
//! of their batch and so see every write that came before them.
//!
//! Workers that activate jobs when none are ready wait here (long polling): the engine
//! answers them as soon as a commit, a timer, a retry or an expired lease makes a job of
//! their type ready, or with nothing once their request timeout passes.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

use baton_core::Timestamp;
use baton_runtime::workers::ActivatedJob;
use baton_runtime::{Patience, Runtime};
use baton_store_sqlite::SqliteStore;
use tokio::sync::oneshot;

/// The runtime the server runs: embedded SQLite.
pub type Rt = Runtime<SqliteStore>;

/// Why the engine could not answer.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Runtime(#[from] baton_runtime::Error),
    /// The work ran, but the batch it was part of could not be committed: nothing of it
    /// happened.
    #[error("the store could not commit: {0}")]
    CommitFailed(String),
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

/// Runs once the batch it belongs to is committed (or failed to commit).
type AfterCommit = Box<dyn FnOnce(&mut Rt, Result<(), &str>) + Send>;
type Work = Box<dyn FnOnce(&mut Rt) -> AfterCommit + Send>;

enum Message {
    Work(Work),
    Activate(
        Activation,
        oneshot::Sender<Result<Vec<ActivatedJob>, EngineError>>,
    ),
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
    /// Starts the engine thread on `runtime` (already recovered).
    pub fn start(runtime: Rt) -> std::io::Result<(Engine, EngineThread)> {
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("baton-engine".into())
            .spawn(move || run(runtime, rx))?;
        Ok((Engine { tx: tx.clone() }, EngineThread { tx, thread }))
    }

    /// Runs `write` (staging commands) and answers with its result once it is committed.
    pub async fn write<T: Send + 'static>(
        &self,
        write: impl FnOnce(&mut Rt) -> Result<T, baton_runtime::Error> + Send + 'static,
    ) -> Result<T, EngineError> {
        self.write_then_read(write, |_, value| Ok(value)).await
    }

    /// Runs `read` after every write sent before it is committed.
    pub async fn read<T: Send + 'static>(
        &self,
        read: impl FnOnce(&mut Rt) -> Result<T, baton_runtime::Error> + Send + 'static,
    ) -> Result<T, EngineError> {
        self.write_then_read(|_| Ok(()), move |rt, ()| read(rt))
            .await
    }

    /// Runs `write`, and once it is committed, `read` on its result: how a request that
    /// changes something answers with the state it led to.
    pub async fn write_then_read<W: Send + 'static, T: Send + 'static>(
        &self,
        write: impl FnOnce(&mut Rt) -> Result<W, baton_runtime::Error> + Send + 'static,
        read: impl FnOnce(&mut Rt, W) -> Result<T, baton_runtime::Error> + Send + 'static,
    ) -> Result<T, EngineError> {
        let (tx, rx) = oneshot::channel();
        let work: Work = Box::new(move |rt| {
            let written = write(rt);
            Box::new(move |rt, committed| {
                let answer = match (written, committed) {
                    (Err(e), _) => Err(EngineError::Runtime(e)),
                    (Ok(_), Err(why)) => Err(EngineError::CommitFailed(why.to_string())),
                    (Ok(value), Ok(())) => read(rt, value).map_err(EngineError::Runtime),
                };
                let _ = tx.send(answer);
            })
        });
        self.tx
            .send(Message::Work(work))
            .map_err(|_| EngineError::Stopped)?;
        rx.await.map_err(|_| EngineError::Stopped)?
    }

    /// Stops making workers wait (the server is shutting down).
    pub fn drain(&self) {
        let _ = self.tx.send(Message::Drain);
    }

    /// Activates jobs for a worker, waiting up to `activation.wait_ms` for some.
    pub async fn activate(&self, activation: Activation) -> Result<Vec<ActivatedJob>, EngineError> {
        let (tx, rx) = oneshot::channel();
        self.tx
            .send(Message::Activate(activation, tx))
            .map_err(|_| EngineError::Stopped)?;
        rx.await.map_err(|_| EngineError::Stopped)?
    }
}

/// A waiting activation, until when it waits (by the engine's clock), and where to answer.
type Waiter = (
    Activation,
    Timestamp,
    oneshot::Sender<Result<Vec<ActivatedJob>, EngineError>>,
);

fn run(mut rt: Rt, rx: Receiver<Message>) {
    let mut waiters: Vec<Waiter> = Vec::new();
    let mut draining = false;
    loop {
        let first = match next_wake(&rt, &waiters) {
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
        let mut after_commit = Vec::new();
        let mut stop = false;
        for message in batch {
            match message {
                Message::Work(work) => after_commit.push(work(&mut rt)),
                Message::Activate(activation, reply) => {
                    let until = rt.now().plus_millis(activation.wait_ms);
                    waiters.push((activation, until, reply));
                }
                Message::Drain => draining = true,
                Message::Stop => stop = true,
            }
        }
        // Commits the batch, fires due timers and runs local handlers (baton.toml).
        let committed = rt.drive(Patience::DueNow).map_err(|e| e.to_string());
        for done in after_commit {
            done(
                &mut rt,
                committed.as_ref().map(|_| ()).map_err(String::as_str),
            );
        }
        serve_waiters(&mut rt, &mut waiters, stop || draining);
        if stop {
            let _ = rt.flush();
            return;
        }
    }
}

/// How long the engine may sleep before something is due without new work: the next
/// timer, retry, expired lease or the end of a worker's wait.
fn next_wake(rt: &Rt, waiters: &[Waiter]) -> Option<Duration> {
    let now = rt.now();
    let deadlines = waiters.iter().map(|(_, until, _)| *until);
    let next = deadlines
        .chain(rt.next_timer())
        .chain(rt.next_remote_change())
        .min()?;
    let millis = u64::try_from(next.0.saturating_sub(now.0)).unwrap_or(0);
    Some(Duration::from_millis(millis))
}

/// Answers the workers that can get jobs now, or whose wait is over (every one, when
/// `no_waiting`).
fn serve_waiters(rt: &mut Rt, waiters: &mut Vec<Waiter>, no_waiting: bool) {
    let now = rt.now();
    let mut still_waiting = Vec::with_capacity(waiters.len());
    for (activation, until, reply) in waiters.drain(..) {
        if reply.is_closed() {
            // The worker hung up: leasing it jobs would only delay them.
            continue;
        }
        if rt.has_activatable_jobs(&activation.job_type) {
            let jobs = rt
                .activate_jobs(
                    &activation.job_type,
                    &activation.worker,
                    activation.max_jobs,
                    activation.lease_ms,
                )
                .map_err(EngineError::Runtime);
            let _ = reply.send(jobs);
        } else if no_waiting || until <= now {
            let _ = reply.send(Ok(Vec::new()));
        } else {
            still_waiting.push((activation, until, reply));
        }
    }
    *waiters = still_waiting;
}
