//! `baton worker TYPE -- COMMAND`: a remote job worker for `baton serve`.
//!
//! It long-polls `POST /v1/jobs/activate` for jobs of one type, runs COMMAND for each job
//! through the embedded engine's own [`ShellHandler`] (variables as JSON on stdin, a JSON
//! object on stdout is the result, a non-zero exit fails the job with its stderr), and
//! reports the outcome: `complete` with the result, or `fail` with one retry less and an
//! exponential backoff ([`baton_runtime::retry`]). Each outcome carries the job's `leaseId`,
//! so a result that comes too late (after the lease ran out and another worker took the
//! job) is refused rather than overwriting the other worker's. SIGINT or SIGTERM stops it:
//! a job that is running is finished and reported first.

use std::collections::HashMap;
use std::io::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, mpsc};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use baton_core::GlobalKey;
use baton_feel::temporal::{self, Duration as FeelDuration};
use baton_feel::{Context, Value};
use baton_model::ListenerEvent;
use baton_runtime::config::RetryConfig;
use baton_runtime::handler::{JobHandler as _, JobRequest, JobResult, ShellHandler};
use baton_runtime::retry;
use serde_json::{Value as Json, json};

use crate::cli::WorkerArgs;
use crate::exit::InputError;
use crate::remote::{ApiError, Client, Tuning};

/// How long one activation waits on the server for a job before asking again.
const POLL_MS: u64 = 20_000;
/// The longest pause between attempts while the server is unreachable.
const MAX_RECONNECT_PAUSE: Duration = Duration::from_secs(10);
/// Failure counts are per job key; a worker that sees jobs finish elsewhere forgets them
/// wholesale past this size rather than growing without bound.
const MAX_REMEMBERED_FAILURES: usize = 10_000;

pub fn run(options: WorkerArgs) -> Result<u8> {
    let lease_ms = lease_millis(&options.lease).ok_or_else(|| {
        InputError(format!(
            "--lease {}: give milliseconds or an ISO 8601 duration such as PT1M",
            options.lease
        ))
    })?;
    if options.max_jobs == 0 {
        return Err(InputError("--max-jobs must be at least 1".into()).into());
    }
    let command = shell_command(&options.command);
    if command.is_none() && !options.noop {
        return Err(InputError(
            "give the command to run after `--`: baton worker TYPE -- COMMAND".into(),
        )
        .into());
    }
    let name = options
        .name
        .clone()
        .unwrap_or_else(|| format!("baton-worker-{}", std::process::id()));
    let idle = usize::try_from(options.max_jobs)
        .unwrap_or(usize::MAX)
        .saturating_add(1);
    let client = Client::new(
        &options.server,
        options.token.as_deref(),
        &Tuning {
            // Every job of an activation is reported on its own connection at once;
            // keep them open for the next round instead of reconnecting.
            idle_connections: idle,
            timeout: Duration::from_millis(POLL_MS) + Duration::from_secs(30),
            role: "worker",
        },
    )?;
    let worker = Worker {
        client,
        job_type: options.job_type.clone(),
        name,
        max_jobs: options.max_jobs,
        lease_ms,
        // A command still running when the lease ends could no longer report its result,
        // so it is stopped a little before that.
        handler: command.map(|command| ShellHandler {
            command,
            timeout: Duration::from_millis(lease_ms - lease_ms / 10),
        }),
        failures: Mutex::new(HashMap::new()),
        latencies: Arc::new(Mutex::new(Vec::new())),
        quiet: options.noop,
    };
    let stop = Stop::install(options.stats.then(|| worker.latencies.clone()))?;
    eprintln!(
        "worker {} takes `{}` jobs from {} (up to {} at a time, lease {} ms)",
        worker.name, worker.job_type, worker.client.base, worker.max_jobs, worker.lease_ms
    );
    worker.serve(&stop)?;
    if options.stats {
        print_stats(&worker.latencies)?;
    }
    eprintln!("worker {} stopped", worker.name);
    Ok(0)
}

struct Worker {
    client: Client,
    job_type: String,
    name: String,
    max_jobs: u32,
    lease_ms: u64,
    /// `None` in `--noop` mode.
    handler: Option<ShellHandler>,
    /// Failures this worker saw per job key: the attempt number for the backoff. The server
    /// tells only the retries left, not how many there were.
    failures: Mutex<HashMap<String, u32>>,
    latencies: Arc<Mutex<Vec<u64>>>,
    quiet: bool,
}

impl Worker {
    /// Runs jobs on `max_jobs` threads and asks for more whenever enough of them are free,
    /// so a slow job never keeps the others' slots idle. Asking only once a few slots are
    /// free (a third of them, at least one) keeps activations from shrinking to one job
    /// each under load.
    fn serve(&self, stop: &Stop) -> Result<()> {
        let slots = usize::try_from(self.max_jobs).unwrap_or(usize::MAX);
        let threshold = slots.div_ceil(3).max(1);
        let (queue, jobs) = mpsc::channel::<(Json, Instant)>();
        let jobs = Mutex::new(jobs);
        std::thread::scope(|scope| {
            for _ in 0..slots {
                scope.spawn(|| {
                    loop {
                        // The lock is held only to take the next job, not to run it.
                        let next = jobs.lock().unwrap_or_else(|e| e.into_inner()).recv();
                        let Ok((job, received)) = next else { return };
                        self.work(&job, received, stop);
                        stop.finished_one();
                    }
                });
            }
            let polled = self.poll(stop, slots, threshold, &queue);
            // Closing the queue ends each thread once the jobs it runs are reported.
            drop(queue);
            polled
        })
    }

    /// Activates jobs and queues them for the pool until a stop is asked for.
    fn poll(
        &self,
        stop: &Stop,
        slots: usize,
        threshold: usize,
        queue: &mpsc::Sender<(Json, Instant)>,
    ) -> Result<()> {
        let mut connected = false;
        let mut pause = Duration::from_millis(250);
        loop {
            let Some(free) = stop.wait_for_free(slots, threshold) else {
                return Ok(());
            };
            if !stop.enter_poll() {
                return Ok(());
            }
            let activated = self.activate(&json!({
                "type": self.job_type,
                "worker": self.name,
                "maxJobs": free,
                "leaseMs": self.lease_ms,
                "requestTimeoutMs": POLL_MS,
            }));
            let jobs = match activated {
                Ok(jobs) => jobs,
                // Until the server has answered once, an unreachable one is a mistake in
                // the URL or a server not started: say so and stop. Afterwards it is
                // probably restarting, so the worker waits for it.
                Err(error) if connected && error.is_transient() => {
                    stop.leave_poll(0);
                    eprintln!("warning: {error}; trying again in {pause:?}");
                    if !stop.sleep(pause) {
                        return Ok(());
                    }
                    pause = (pause * 2).min(MAX_RECONNECT_PAUSE);
                    continue;
                }
                Err(error) => {
                    stop.leave_poll(0);
                    return Err(error.into());
                }
            };
            let received = Instant::now();
            connected = true;
            pause = Duration::from_millis(250);
            if !stop.leave_poll(jobs.len()) {
                // Asked to stop while the jobs were on their way: give them back at once
                // rather than leave them leased to a worker that is gone.
                for job in &jobs {
                    self.hand_back(job, "the worker stopped before running the job");
                    stop.finished_one();
                }
                return Ok(());
            }
            for job in jobs {
                if queue.send((job, received)).is_err() {
                    return Ok(());
                }
            }
        }
    }

    fn work(&self, job: &Json, received: Instant, stop: &Stop) {
        let request = match job_request(job) {
            Ok(request) => request,
            Err(message) => {
                eprintln!("warning: skipping a job the server sent: {message}");
                return;
            }
        };
        let key = request.key.to_string();
        let mut result = match &self.handler {
            Some(handler) => handler.handle(&request),
            None => JobResult::Completed(Context::new()),
        };
        // Only the runtime's LLM worker records calls, which the API has no way to take;
        // a shell command never does, so what counts is the outcome.
        while let JobResult::Recorded { then, .. } = result {
            result = *then;
        }
        match result {
            JobResult::Completed(variables) => {
                let body = json!({ "variables": Value::context(variables).to_json() });
                match self.finish(job, &key, "complete", body) {
                    Ok(()) => {
                        self.forget(&key);
                        self.record(received);
                        if !self.quiet {
                            eprintln!("completed job {key} ({})", request.process_id);
                        }
                    }
                    // The server refused the result itself (a task listener's variables,
                    // say): as a broken result, it fails the job, so the instance shows why
                    // instead of the job coming back to this worker for ever.
                    Err(ApiError::Problem {
                        status: 400,
                        detail,
                        ..
                    }) => self.fail(job, &request, &key, detail),
                    Err(error) => eprintln!("warning: completing job {key}: {error}"),
                }
            }
            // A Ctrl-C reaches the command too (it shares the terminal's process group),
            // so a failure while stopping is most likely that: it costs no retry.
            JobResult::Failed(_) if stop.requested() => {
                self.hand_back(job, "the worker was stopped while the job ran");
            }
            JobResult::Failed(message) => self.fail(job, &request, &key, message),
            // Not for now: another worker, or this one later, takes it again.
            JobResult::Wait { reason, .. } => self.hand_back(job, &reason),
            // What another attempt would not change: a failure with no retries left.
            JobResult::Incident { message, .. } => {
                let last_attempt = JobRequest {
                    retries: 1,
                    ..request.clone()
                };
                self.fail(job, &last_attempt, &key, message)
            }
            // Unwrapped above.
            JobResult::Recorded { .. } => {}
        }
    }

    fn fail(&self, job: &Json, request: &JobRequest, key: &str, message: String) {
        let retries = request.retries.saturating_sub(1);
        let backoff_ms = if retries == 0 {
            0
        } else {
            retry::backoff_ms(&RetryConfig::default(), self.count_failure(key))
        };
        let body = json!({
            "retries": retries,
            "errorMessage": message,
            "retryBackoffMs": backoff_ms,
        });
        match self.finish(job, key, "fail", body) {
            Ok(()) if retries == 0 => {
                self.forget(key);
                eprintln!("job {key} failed with no retries left (an incident): {message}");
            }
            Ok(()) => eprintln!(
                "job {key} failed ({retries} retries left, next in {backoff_ms} ms): {message}"
            ),
            Err(error) => eprintln!("warning: failing job {key}: {error}"),
        }
    }

    /// Returns a job to the queue without spending a retry.
    fn hand_back(&self, job: &Json, why: &str) {
        let (Some(key), Some(retries)) = (
            job.get("key").and_then(Json::as_str),
            job.get("retries").and_then(Json::as_u64),
        ) else {
            return;
        };
        let body = json!({ "retries": retries, "errorMessage": why, "retryBackoffMs": 0 });
        if let Err(error) = self.finish(job, key, "fail", body) {
            eprintln!("warning: handing back job {key}: {error}");
        }
    }

    fn count_failure(&self, key: &str) -> u32 {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if failures.len() >= MAX_REMEMBERED_FAILURES {
            failures.clear();
        }
        let count = failures.entry(key.to_string()).or_insert(0);
        *count += 1;
        *count
    }

    fn forget(&self, key: &str) {
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key);
    }

    fn record(&self, received: Instant) {
        let micros = u64::try_from(received.elapsed().as_micros()).unwrap_or(u64::MAX);
        self.latencies
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(micros);
    }
}

/// A job from the API as the shell handler takes it.
fn job_request(job: &Json) -> Result<JobRequest, String> {
    let text = |field: &str| {
        job.get(field)
            .and_then(Json::as_str)
            .map(str::to_string)
            .ok_or_else(|| format!("no `{field}` in {job}"))
    };
    let key_text = text("key")?;
    let key: GlobalKey = key_text
        .parse()
        .map_err(|_| format!("`{key_text}` is not a job key"))?;
    let variables = match job.get("variables").map(Value::from_json) {
        None | Some(Value::Null) => Context::new(),
        Some(Value::Context(context)) => (*context).clone(),
        Some(other) => return Err(format!("job {key}: variables are {}", other.type_name())),
    };
    let headers = job
        .get("customHeaders")
        .and_then(Json::as_object)
        .map(|headers| {
            headers
                .iter()
                .map(|(k, v)| match v {
                    Json::String(s) => (k.clone(), s.clone()),
                    other => (k.clone(), other.to_string()),
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(JobRequest {
        key,
        job_type: text("type")?,
        process_id: text("processId")?,
        element_id: text("elementId")?,
        retries: job
            .get("retries")
            .and_then(Json::as_u64)
            .and_then(|r| u32::try_from(r).ok())
            .ok_or_else(|| format!("job {key}: no `retries`"))?,
        variables,
        headers,
        listener: job
            .get("listenerEventType")
            .and_then(Json::as_str)
            .and_then(ListenerEvent::parse),
        // A remote worker runs no `for_each` limits: the server does.
        iteration_of: None,
        llm_usage: baton_core::LlmUsage::default(),
    })
}

/// One argument is a shell command, as in `baton.toml`; several are a program and its
/// arguments, quoted so `sh -c` sees exactly those words.
fn shell_command(words: &[String]) -> Option<String> {
    match words {
        [] => None,
        [command] => Some(command.clone()),
        words => Some(words.iter().map(|w| quote(w)).collect::<Vec<_>>().join(" ")),
    }
}

fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// `60000` (milliseconds) or an ISO 8601 day-time duration such as `PT1M`.
fn lease_millis(text: &str) -> Option<u64> {
    let ms = match text.parse::<u64>() {
        Ok(ms) => ms,
        Err(_) => match temporal::parse_duration(text)? {
            FeelDuration::DayTime(d) => u64::try_from(d.nanos() / 1_000_000).ok()?,
            FeelDuration::YearMonths(_) => return None,
        },
    };
    (ms > 0).then_some(ms)
}

fn print_stats(latencies: &Mutex<Vec<u64>>) -> Result<()> {
    let latencies = latencies.lock().unwrap_or_else(|e| e.into_inner());
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", json!({ "latenciesUs": *latencies })).context("writing the statistics")?;
    out.flush().context("writing the statistics")
}

/// The worker's side of the API: long-polled activations and job outcomes.
impl Worker {
    fn activate(&self, body: &Json) -> Result<Vec<Json>, ApiError> {
        let answer = self.client.post("/v1/jobs/activate", body)?;
        match answer.get("jobs").and_then(Json::as_array) {
            Some(jobs) => Ok(jobs.clone()),
            None => Err(ApiError::Problem {
                what: "POST /v1/jobs/activate".to_string(),
                status: 200,
                detail: format!("no `jobs` in {answer}"),
            }),
        }
    }

    /// `complete` or `fail` a job, under the lease it was activated with.
    fn finish(&self, job: &Json, key: &str, action: &str, body: Json) -> Result<(), ApiError> {
        self.client
            .post(&format!("/v1/jobs/{key}/{action}"), &under_lease(job, body))
            .map(|_| ())
    }
}

/// An outcome's body with the `leaseId` the job was activated with, so that the server
/// refuses it once another worker holds the job. A server that gives no lease id takes
/// outcomes without one.
fn under_lease(job: &Json, mut body: Json) -> Json {
    if let (Some(lease), Some(fields)) = (job.get("leaseId"), body.as_object_mut()) {
        fields.insert("leaseId".to_string(), lease.clone());
    }
    body
}

/// SIGINT/SIGTERM handling. A worker waiting in a long poll with no job running has
/// nothing to finish, so it exits at once; one running jobs finishes and reports them,
/// then stops. A second signal exits at once in any case.
struct Stop {
    state: Arc<(Mutex<Held>, Condvar)>,
    requested: Arc<AtomicBool>,
    /// Printed on the way out with `--stats`.
    stats: Option<Arc<Mutex<Vec<u64>>>>,
}

/// What the worker holds; the condition variable announces a finished job.
#[derive(Default)]
struct Held {
    /// Waiting for an activation to answer.
    polling: bool,
    /// Jobs taken and not yet reported.
    running: usize,
}

impl Stop {
    fn install(stats: Option<Arc<Mutex<Vec<u64>>>>) -> Result<Stop> {
        use signal_hook::consts::{SIGINT, SIGTERM};

        let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])
            .context("installing the SIGINT/SIGTERM handlers")?;
        let stop = Stop {
            state: Arc::new((Mutex::new(Held::default()), Condvar::new())),
            requested: Arc::new(AtomicBool::new(false)),
            stats,
        };
        let signalled = Stop {
            state: stop.state.clone(),
            requested: stop.requested.clone(),
            stats: stop.stats.clone(),
        };
        std::thread::spawn(move || {
            for _ in signals.forever() {
                let again = signalled.requested.swap(true, Ordering::SeqCst);
                let held = signalled.held();
                if again || (held.polling && held.running == 0) {
                    signalled.exit();
                }
                // Wakes a poller waiting for a free slot, so that it stops.
                signalled.state.1.notify_all();
                eprintln!("stopping after the running jobs (signal again to stop now)");
            }
        });
        Ok(stop)
    }

    /// Exits at once. Only while nothing runs: a poll cannot be interrupted, and it holds
    /// no job yet (jobs in an answer still in flight go back to the queue when their lease
    /// ends).
    fn exit(&self) -> ! {
        if let Some(latencies) = &self.stats {
            let _ = print_stats(latencies);
        }
        eprintln!("worker stopped");
        std::process::exit(0);
    }

    fn requested(&self) -> bool {
        self.requested.load(Ordering::SeqCst)
    }

    fn held(&self) -> std::sync::MutexGuard<'_, Held> {
        self.state.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until at least `threshold` of `slots` are free (or none runs) and returns
    /// how many are; `None` when it should stop instead.
    fn wait_for_free(&self, slots: usize, threshold: usize) -> Option<usize> {
        let mut held = self.held();
        loop {
            if self.requested() {
                return None;
            }
            let free = slots.saturating_sub(held.running);
            if free >= threshold || held.running == 0 {
                return Some(free);
            }
            held = self.state.1.wait(held).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// Marks the worker as waiting for jobs; `false` when it should stop instead.
    fn enter_poll(&self) -> bool {
        let mut held = self.held();
        held.polling = !self.requested();
        held.polling
    }

    /// Marks the poll as answered with `taken` jobs, now held; `false` when a stop was
    /// asked for meanwhile. The lock makes "stop at once" and "take the jobs" exclusive.
    fn leave_poll(&self, taken: usize) -> bool {
        let mut held = self.held();
        held.polling = false;
        held.running += taken;
        !self.requested()
    }

    /// A held job was reported (or handed back): its slot is free. The last one to finish
    /// after a stop was asked for, while the worker sits in a poll, ends the process.
    fn finished_one(&self) {
        let mut held = self.held();
        held.running = held.running.saturating_sub(1);
        if held.running == 0 && held.polling && self.requested() {
            self.exit();
        }
        self.state.1.notify_all();
    }

    /// Sleeps, waking early to stop; `false` when it should stop.
    fn sleep(&self, pause: Duration) -> bool {
        let end = Instant::now() + pause;
        while Instant::now() < end {
            if self.requested() {
                return false;
            }
            std::thread::sleep(Duration::from_millis(50).min(end - Instant::now()));
        }
        !self.requested()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_word_is_a_shell_command_and_several_are_argv() {
        let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(shell_command(&[]), None);
        assert_eq!(
            shell_command(&words(&["jq '{y: .x}'"])).as_deref(),
            Some("jq '{y: .x}'")
        );
        assert_eq!(
            shell_command(&words(&["python3", "my worker.py", "it's", "-v"])).as_deref(),
            Some(r"python3 'my worker.py' 'it'\''s' -v")
        );
    }

    #[test]
    fn lease_is_milliseconds_or_an_iso_duration() {
        assert_eq!(lease_millis("1500"), Some(1_500));
        assert_eq!(lease_millis("PT1M"), Some(60_000));
        assert_eq!(lease_millis("PT0.5S"), Some(500));
        assert_eq!(lease_millis("0"), None);
        assert_eq!(lease_millis("P1M"), None);
        assert_eq!(lease_millis("soon"), None);
    }

    #[test]
    fn outcomes_carry_the_lease_the_job_was_activated_with() {
        let job = json!({"key": "7-3", "leaseId": "4f2a"});
        assert_eq!(
            under_lease(&job, json!({"variables": {"y": 1}})),
            json!({"variables": {"y": 1}, "leaseId": "4f2a"})
        );
        let older_server = json!({"key": "7-3"});
        assert_eq!(
            under_lease(&older_server, json!({"retries": 0})),
            json!({"retries": 0})
        );
    }

    #[test]
    fn api_jobs_become_handler_requests() {
        let job = json!({
            "key": "7-3", "type": "double", "processId": "p", "elementId": "work",
            "variables": {"x": 4}, "customHeaders": {"h": "v", "n": 1}, "retries": 2,
            "worker": "w", "deadline": 0, "traceparent": "00-…"
        });
        let request = job_request(&job).expect("a valid job");
        assert_eq!(request.key.to_string(), "7-3");
        assert_eq!(request.retries, 2);
        assert_eq!(Value::context(request.variables).to_string(), r#"{"x": 4}"#);
        assert_eq!(
            request.headers,
            vec![("h".into(), "v".into()), ("n".into(), "1".into())]
        );
        assert!(job_request(&json!({"key": "nope"})).is_err());
    }
}
