//! Job handlers that run inside the runtime. The built-in one runs a shell command from
//! `baton.toml`: job variables go to its stdin as a JSON object, a JSON object on its stdout
//! becomes the job's result, and a non-zero exit fails the job with its stderr. A
//! listener's job runs through the handler of its type like any other; the command can
//! tell it apart by `BATON_JOB_KIND` (see [`JobRequest::kind`]).

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use baton_core::GlobalKey;
use baton_feel::{Context, Value};
use baton_model::ListenerEvent;

/// A job as a handler sees it.
#[derive(Clone, Debug)]
pub struct JobRequest {
    pub key: GlobalKey,
    pub job_type: String,
    pub process_id: String,
    pub element_id: String,
    pub retries: u32,
    pub variables: Context,
    pub headers: Vec<(String, String)>,
    /// For a listener's job, the event it listens to; `None` for an element's own job.
    pub listener: Option<ListenerEvent>,
    /// For an iteration of a multi-instance activity, the element instance of its body
    /// (the one `for_each` whose iterations share a `max_parallel`).
    pub iteration_of: Option<baton_core::Key>,
    /// What the instance's LLM tasks have used so far (its journaled calls), which the
    /// LLM worker holds against the `[llm]` budgets; zero where no instance is at hand
    /// (a remote worker's job).
    pub llm_usage: baton_core::LlmUsage,
}

impl JobRequest {
    /// What the job is for, as Camunda's job kinds say it: `bpmn_element` (a task's own
    /// job), `execution_listener` or `task_listener`.
    pub fn kind(&self) -> &'static str {
        match self.listener {
            None => "bpmn_element",
            Some(event) if event.is_task_listener() => "task_listener",
            Some(_) => "execution_listener",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum JobResult {
    Completed(Context),
    Failed(String),
    /// Not now, and no failure either: the job stays open. With `retry_after` it is tried
    /// again after that long (a resource another holder has); without, it is parked until
    /// the runtime is asked to look again ([`crate::Runtime::recover`]: `baton resume`),
    /// as a phase whose gates are not met is.
    Wait {
        reason: String,
        retry_after: Option<Duration>,
    },
    /// The job stops with an incident of this kind at once, whatever its retries: what
    /// another attempt would not change (an LLM answer still invalid after its re-asks, a
    /// key the provider refuses, a budget spent).
    Incident {
        kind: baton_core::IncidentKind,
        message: String,
    },
    /// The requests the LLM worker made for the job (and the cached answers it took), to
    /// be journaled before `then`, the job's outcome, in the same commit: so a replayed or
    /// recovered instance has the answers and never asks again.
    Recorded {
        calls: Vec<baton_core::LlmCall>,
        then: Box<JobResult>,
    },
}

/// What a job holds while its handler runs: named resources, taken all or nothing before
/// the handler starts and given back once its result is handled.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Admitted {
    pub claims: Vec<baton_store::Claim>,
    /// How long the holds last at most, should this process die holding them.
    pub hold: Duration,
}

pub trait JobHandler: Send + Sync {
    /// Runs the job, on a thread of its own when several run at once.
    fn handle(&self, job: &JobRequest) -> JobResult;

    /// Whether the job may run now, asked on the runtime's thread before [`handle`]:
    /// `Ok` with the resources it must hold while it runs, or the result it has without
    /// running (a [`JobResult::Wait`], a failure).
    ///
    /// [`handle`]: JobHandler::handle
    fn admit(&self, _job: &JobRequest) -> Result<Admitted, JobResult> {
        Ok(Admitted::default())
    }

    /// The wait before the job's next attempt after a failure, when the handler knows it
    /// (a phase's `retry.backoff`); `None` leaves it to `[retry]` of `baton.toml`.
    fn backoff_ms(&self, _job: &JobRequest) -> Option<u64> {
        None
    }
}

/// Runs `sh -c COMMAND` for each job.
#[derive(Clone, Debug)]
pub struct ShellHandler {
    pub command: String,
    pub timeout: Duration,
}

/// How much of a failing command's stderr an incident keeps.
const MAX_MESSAGE: usize = 4_000;

impl JobHandler for ShellHandler {
    fn handle(&self, job: &JobRequest) -> JobResult {
        match self.run(job) {
            Ok(result) => result,
            Err(message) => JobResult::Failed(message),
        }
    }
}

impl ShellHandler {
    fn run(&self, job: &JobRequest) -> Result<JobResult, String> {
        let finished = Process {
            label: &self.command,
            program: "sh".as_ref(),
            args: vec!["-c".into(), self.command.clone().into()],
            env: job_env(job),
            cwd: None,
            stdin: Value::context(job.variables.clone()).to_json().to_string(),
            timeout: Some(self.timeout),
        }
        .run()?;
        if !finished.status.success() {
            return Ok(JobResult::Failed(finished.failure(&self.command)));
        }
        parse_output(&finished.stdout).map(JobResult::Completed)
    }
}

/// What a job's command learns about the job from its environment.
pub(crate) fn job_env(job: &JobRequest) -> Vec<(String, String)> {
    [
        ("BATON_JOB_KEY", job.key.to_string()),
        ("BATON_JOB_TYPE", job.job_type.clone()),
        ("BATON_PROCESS_ID", job.process_id.clone()),
        ("BATON_ELEMENT_ID", job.element_id.clone()),
        ("BATON_INSTANCE", job.key.instance.to_string()),
        ("BATON_RETRIES", job.retries.to_string()),
        ("BATON_HEADERS", headers_json(&job.headers)),
        ("BATON_JOB_KIND", job.kind().to_string()),
        (
            "BATON_LISTENER_EVENT",
            job.listener.map_or("", ListenerEvent::as_str).to_string(),
        ),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_string(), value))
    .collect()
}

/// A command a handler runs for a job: `program` with `args`, the input on its stdin,
/// killed when `timeout` passes.
pub(crate) struct Process<'a> {
    /// How messages name the command.
    pub label: &'a str,
    pub program: &'a std::ffi::OsStr,
    pub args: Vec<std::ffi::OsString>,
    pub env: Vec<(String, String)>,
    /// The working directory; the runtime's own when `None`.
    pub cwd: Option<&'a std::path::Path>,
    pub stdin: String,
    pub timeout: Option<Duration>,
}

/// How a command ended, with everything it printed.
pub(crate) struct Finished {
    pub status: std::process::ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Finished {
    /// Why a command that failed failed: the end of its stderr and its exit code.
    pub fn failure(&self, label: &str) -> String {
        let code = self
            .status
            .code()
            .map_or_else(|| "a signal".to_string(), |c| format!("exit code {c}"));
        let stderr = tail(self.stderr.trim(), MAX_MESSAGE);
        if stderr.is_empty() {
            format!("`{label}` failed with {code}")
        } else {
            format!("{stderr} ({code})")
        }
    }
}

impl Process<'_> {
    /// Runs the command to its end (or its timeout: then it is killed, and the error
    /// says so). An error is a message for the job's failure.
    pub fn run(self) -> Result<Finished, String> {
        let label = self.label;
        let mut command = Command::new(self.program);
        command
            .args(&self.args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(cwd) = self.cwd {
            command.current_dir(cwd);
        }
        let mut child = command
            .spawn()
            .map_err(|e| format!("could not start `{label}`: {e}"))?;

        // Feed stdin and drain both pipes on their own threads so a chatty command can
        // never block on a full pipe while we wait for it.
        let mut stdin = child.stdin.take();
        let input = self.stdin;
        let writer = std::thread::spawn(move || {
            if let Some(stdin) = stdin.as_mut() {
                // A command that exits without reading its input is fine.
                let _ = stdin.write_all(input.as_bytes());
            }
        });
        let stdout = drain(child.stdout.take());
        let stderr = drain(child.stderr.take());

        let deadline = self.timeout.map(|timeout| Instant::now() + timeout);
        let mut pause = Duration::from_micros(200);
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if deadline.is_some_and(|deadline| Instant::now() >= deadline) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(format!(
                        "`{label}` timed out after {} and was killed",
                        seconds(self.timeout.unwrap_or_default())
                    ));
                }
                Ok(None) => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(20));
                }
                Err(e) => return Err(format!("waiting for `{label}` failed: {e}")),
            }
        };
        let _ = writer.join();
        Ok(Finished {
            status,
            stdout: stdout.join().unwrap_or_default(),
            stderr: stderr.join().unwrap_or_default(),
        })
    }
}

/// `300s`, `0.2s`: a timeout as people write it.
fn seconds(duration: Duration) -> String {
    if duration.subsec_millis() == 0 {
        format!("{}s", duration.as_secs())
    } else {
        format!("{}s", duration.as_secs_f64())
    }
}

fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut pipe) = pipe {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            text = String::from_utf8_lossy(&bytes).into_owned();
        }
        text
    })
}

fn headers_json(headers: &[(String, String)]) -> String {
    let map: serde_json::Map<String, serde_json::Value> = headers
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
        .collect();
    serde_json::Value::Object(map).to_string()
}

/// Empty output means no result variables; anything else must be one JSON object.
pub(crate) fn parse_output(stdout: &str) -> Result<Context, String> {
    let trimmed = stdout.trim();
    if trimmed.is_empty() {
        return Ok(Context::new());
    }
    let json: serde_json::Value = serde_json::from_str(trimmed).map_err(|e| {
        format!(
            "the handler's output is not JSON ({e}); print one JSON object, or nothing: {}",
            tail(trimmed, 500)
        )
    })?;
    match Value::from_json(&json) {
        Value::Context(context) => Ok((*context).clone()),
        other => Err(format!(
            "the handler printed {}, but a JSON object (or nothing) is expected",
            other.type_name()
        )),
    }
}

pub(crate) fn tail(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut start = text.len() - max;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    format!("…{}", &text[start..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use baton_core::{InstanceId, Key};

    fn job(variables: &str) -> JobRequest {
        let json: serde_json::Value = serde_json::from_str(variables).expect("test json");
        let Value::Context(variables) = Value::from_json(&json) else {
            panic!("test variables must be an object")
        };
        JobRequest {
            key: GlobalKey {
                instance: InstanceId(7),
                key: Key(3),
            },
            job_type: "t".into(),
            process_id: "p".into(),
            element_id: "e".into(),
            retries: 3,
            variables: (*variables).clone(),
            headers: vec![],
            listener: None,
            iteration_of: None,
            llm_usage: baton_core::LlmUsage::default(),
        }
    }

    fn shell(command: &str) -> ShellHandler {
        ShellHandler {
            command: command.into(),
            timeout: Duration::from_secs(10),
        }
    }

    #[test]
    fn stdout_object_becomes_the_result() {
        let result = shell(r#"read line; echo "{\"seen\": $line, \"key\": \"$BATON_JOB_KEY\"}""#)
            .handle(&job(r#"{"x":1}"#));
        let JobResult::Completed(c) = result else {
            panic!("expected completion, got {result:?}")
        };
        assert_eq!(
            Value::context(c).to_string(),
            r#"{"seen": {"x": 1}, "key": "7-3"}"#
        );
    }

    #[test]
    fn non_zero_exit_fails_with_stderr() {
        let result = shell("echo disk full >&2; exit 3").handle(&job("{}"));
        assert_eq!(result, JobResult::Failed("disk full (exit code 3)".into()));
    }

    #[test]
    fn non_object_output_fails_with_a_hint() {
        let JobResult::Failed(message) = shell("echo 42").handle(&job("{}")) else {
            panic!("expected failure")
        };
        assert!(message.contains("JSON object"), "{message}");
    }

    #[test]
    fn timeout_kills_the_command() {
        let handler = ShellHandler {
            command: "sleep 5".into(),
            timeout: Duration::from_millis(200),
        };
        let JobResult::Failed(message) = handler.handle(&job("{}")) else {
            panic!("expected failure")
        };
        assert!(message.contains("timed out"), "{message}");
    }
}
