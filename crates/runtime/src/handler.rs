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
}

pub trait JobHandler: Send + Sync {
    fn handle(&self, job: &JobRequest) -> JobResult;
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
        let input = Value::context(job.variables.clone()).to_json().to_string();
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(&self.command)
            .env("BATON_JOB_KEY", job.key.to_string())
            .env("BATON_JOB_TYPE", &job.job_type)
            .env("BATON_PROCESS_ID", &job.process_id)
            .env("BATON_ELEMENT_ID", &job.element_id)
            .env("BATON_INSTANCE", job.key.instance.to_string())
            .env("BATON_RETRIES", job.retries.to_string())
            .env("BATON_HEADERS", headers_json(&job.headers))
            .env("BATON_JOB_KIND", job.kind())
            .env(
                "BATON_LISTENER_EVENT",
                job.listener.map_or("", ListenerEvent::as_str),
            )
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("could not start `{}`: {e}", self.command))?;

        // Feed stdin and drain both pipes on their own threads so a chatty command can
        // never block on a full pipe while we wait for it.
        let mut stdin = child.stdin.take();
        let writer = std::thread::spawn(move || {
            if let Some(stdin) = stdin.as_mut() {
                // A command that exits without reading its input is fine.
                let _ = stdin.write_all(input.as_bytes());
            }
        });
        let stdout = drain(child.stdout.take());
        let stderr = drain(child.stderr.take());

        let deadline = Instant::now() + self.timeout;
        let mut pause = Duration::from_micros(200);
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if Instant::now() >= deadline => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(format!(
                        "`{}` timed out after {}s and was killed",
                        self.command,
                        self.timeout.as_secs()
                    ));
                }
                Ok(None) => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(20));
                }
                Err(e) => return Err(format!("waiting for `{}` failed: {e}", self.command)),
            }
        };
        let _ = writer.join();
        let stdout = stdout.join().unwrap_or_default();
        let stderr = stderr.join().unwrap_or_default();

        if !status.success() {
            let code = status
                .code()
                .map_or_else(|| "a signal".to_string(), |c| format!("exit code {c}"));
            let mut message = tail(stderr.trim(), MAX_MESSAGE);
            if message.is_empty() {
                message = format!("`{}` failed with {code}", self.command);
            } else {
                message = format!("{message} ({code})");
            }
            return Ok(JobResult::Failed(message));
        }
        parse_output(&stdout).map(JobResult::Completed)
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
fn parse_output(stdout: &str) -> Result<Context, String> {
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

fn tail(text: &str, max: usize) -> String {
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
