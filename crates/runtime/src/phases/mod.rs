//! YAML phases at run time: the handler of job type [`PHASE_JOB_TYPE`], which does what
//! a compiled phase's [`PhaseAction`] (its job header) says, in this order:
//!
//! 1. **gates** (file, command, FEEL): checked when the job is admitted, on the runtime's
//!    thread; unmet, the job waits, parked, without failing ([`JobResult::Wait`]) until
//!    `baton resume` looks again;
//! 2. **resources** (`exclusive`, `counted`, and a `for_each`'s `max_parallel` as a counted
//!    resource private to its body): taken all or nothing by the runtime before the
//!    handler runs, given back once its result is handled; taken by others, the job tries
//!    again shortly;
//! 3. **templates**: rendered into the project and checked ([`templates`]);
//! 4. **run**: the shell action in the project directory, the variables as JSON on stdin,
//!    a JSON object on stdout as its result;
//! 5. **exit criteria**: the first that does not hold fails the job, naming it.
//!
//! [`status`] tells each phase's status for views, checking unmet gates live.

pub mod checks;
pub mod status;
pub mod templates;

use std::path::{Path, PathBuf};
use std::time::Duration;

use baton_feel::Value;
use baton_store::Claim;
use baton_yaml::action::{PHASE_HEADER, PhaseAction, Run};

use crate::handler::{Admitted, JobHandler, JobRequest, JobResult, Process, job_env, tail};

pub use baton_yaml::action::PHASE_JOB_TYPE;

/// How long a phase without `timeout:` holds its resources at most, should its process
/// die holding them: long enough for ordinary actions, short enough that a crash does not
/// block the others for the rest of the day.
pub const DEFAULT_HOLD: Duration = Duration::from_secs(10 * 60);

/// How much of a failed action's stderr its message keeps.
const STDERR_TAIL: usize = 2_000;

/// Runs YAML phases in a project directory.
#[derive(Clone, Debug)]
pub struct PhaseHandler {
    project: PathBuf,
}

impl PhaseHandler {
    pub fn new(project: PathBuf) -> PhaseHandler {
        PhaseHandler { project }
    }

    fn place<'a>(&'a self, action: &'a PhaseAction, job: &'a JobRequest) -> checks::Place<'a> {
        checks::Place {
            project: &self.project,
            base: base_dir(action),
            variables: &job.variables,
        }
    }

    fn work(&self, job: &JobRequest, action: &PhaseAction) -> Result<JobResult, String> {
        for template in &action.templates {
            templates::render(template, &job.variables, &self.project, base_dir(action))?;
        }
        let result = match &action.run {
            Some(run) => {
                let timeout = action.timeout_ms.map(Duration::from_millis);
                match self.run(job, run, timeout)? {
                    JobResult::Completed(result) => result,
                    other => return Ok(other),
                }
            }
            None => baton_feel::Context::new(),
        };
        let place = self.place(action, job);
        for criterion in &action.exit {
            if let Err(why) = checks::check(criterion, place) {
                let what = criterion.describe();
                return Ok(JobResult::Failed(match criterion {
                    // A missing file says all there is to say.
                    baton_yaml::action::Check::File(_) => format!("exit criterion not met: {what}"),
                    _ => format!("exit criterion not met: {what}: {why}"),
                }));
            }
        }
        Ok(JobResult::Completed(result))
    }

    /// Runs the action: `sh -c SCRIPT`, or another shell (`python3`) with the script in a
    /// file as its argument.
    fn run(
        &self,
        job: &JobRequest,
        run: &Run,
        timeout: Option<Duration>,
    ) -> Result<JobResult, String> {
        let cwd = match &run.cwd {
            Some(cwd) => self.project.join(cwd),
            None => self.project.clone(),
        };
        let mut env = job_env(job);
        env.push((
            "BATON_PROJECT_DIR".into(),
            self.project.display().to_string(),
        ));
        for (name, template) in &run.env {
            let value = templates::render_str(template, &format!("env {name}"), &job.variables)?;
            env.push((name.clone(), value));
        }
        let shell = if run.shell.trim().is_empty() {
            "sh"
        } else {
            run.shell.trim()
        };
        let mut words = shell.split_whitespace();
        let program = words.next().unwrap_or("sh");
        let mut args: Vec<std::ffi::OsString> = words.map(Into::into).collect();
        // Kept alive until the action ends: the shell reads the script from it.
        let script_file;
        if program == "sh" && args.is_empty() {
            args.extend(["-c".into(), run.script.clone().into()]);
        } else {
            script_file = script_file_for(&run.script)?;
            args.push(script_file.path().into());
        }
        let label = format!("{} action of {}", program, job.element_id);
        let finished = Process {
            label: &label,
            program: program.as_ref(),
            args,
            env,
            cwd: Some(&cwd),
            stdin: Value::context(job.variables.clone()).to_json().to_string(),
            timeout,
        }
        .run()?;
        if !finished.status.success() {
            let code = finished.status.code().map_or_else(
                || "was killed by a signal".to_string(),
                |c| format!("exited with code {c}"),
            );
            let stderr = tail(finished.stderr.trim(), STDERR_TAIL);
            return Ok(JobResult::Failed(if stderr.is_empty() {
                format!("the action {code}")
            } else {
                format!("the action {code}: {stderr}")
            }));
        }
        Ok(JobResult::Completed(result_of(&finished.stdout)))
    }
}

impl JobHandler for PhaseHandler {
    fn admit(&self, job: &JobRequest) -> Result<Admitted, JobResult> {
        let action = action_of(job).map_err(JobResult::Failed)?;
        let unmet = checks::unmet(&action.gates, self.place(&action, job));
        if !unmet.is_empty() {
            return Err(JobResult::Wait {
                reason: format!("waiting for {}", unmet.join(", ")),
                retry_after: None,
            });
        }
        let mut claims = Vec::new();
        for resource in &action.resources {
            if resource.units > resource.capacity {
                return Err(JobResult::Failed(format!(
                    "phase {} needs {} units of {}, which has {}",
                    action.phase, resource.units, resource.name, resource.capacity
                )));
            }
            claims.push(Claim {
                resource: resource.name.clone(),
                units: resource.units,
                capacity: resource.capacity,
            });
        }
        if let (Some(max_parallel), Some(body)) = (action.max_parallel, job.iteration_of) {
            claims.push(Claim {
                resource: for_each_resource(job.key.instance, body),
                units: 1,
                capacity: max_parallel.max(1),
            });
        }
        let hold = action
            .timeout_ms
            .map_or(DEFAULT_HOLD, Duration::from_millis);
        Ok(Admitted { claims, hold })
    }

    fn handle(&self, job: &JobRequest) -> JobResult {
        let action = match action_of(job) {
            Ok(action) => action,
            Err(message) => return JobResult::Failed(message),
        };
        self.work(job, &action).unwrap_or_else(JobResult::Failed)
    }

    fn backoff_ms(&self, job: &JobRequest) -> Option<u64> {
        action_of(job).ok()?.backoff_ms
    }
}

/// The resource that keeps a `for_each`'s iterations to its `max_parallel`: private to
/// one body element instance.
pub fn for_each_resource(instance: baton_core::InstanceId, body: baton_core::Key) -> String {
    format!("for_each/{instance}/{}", body.0)
}

/// The phase action a job carries in its header.
pub fn action_of(job: &JobRequest) -> Result<PhaseAction, String> {
    let header = job
        .headers
        .iter()
        .find(|(name, _)| name == PHASE_HEADER)
        .map(|(_, value)| value)
        .ok_or_else(|| {
            format!(
                "job {} of type {PHASE_JOB_TYPE} has no `{PHASE_HEADER}` header: it is not a compiled YAML phase",
                job.key
            )
        })?;
    serde_json::from_str(header).map_err(|e| {
        format!(
            "the `{PHASE_HEADER}` header of {} is broken: {e}",
            job.element_id
        )
    })
}

/// Where the workflow file's relative paths (`from:`, `schema:`) start.
fn base_dir(action: &PhaseAction) -> &Path {
    if action.base.is_empty() {
        Path::new(".")
    } else {
        Path::new(&action.base)
    }
}

/// The action's result: its stdout when that is one JSON object, else the last line that
/// is one (an action may talk before it answers), else nothing; actions that only print
/// text have no result.
fn result_of(stdout: &str) -> baton_feel::Context {
    let object = |text: &str| match serde_json::from_str::<serde_json::Value>(text.trim()) {
        Ok(json @ serde_json::Value::Object(_)) => match Value::from_json(&json) {
            Value::Context(context) => Some((*context).clone()),
            _ => None,
        },
        _ => None,
    };
    object(stdout)
        .or_else(|| {
            stdout
                .lines()
                .rev()
                .find(|line| !line.trim().is_empty())
                .and_then(object)
        })
        .unwrap_or_default()
}

fn script_file_for(script: &str) -> Result<tempfile::NamedTempFile, String> {
    use std::io::Write as _;
    let mut file = tempfile::Builder::new()
        .prefix("baton-phase-")
        .tempfile()
        .map_err(|e| format!("could not write the action's script to a file: {e}"))?;
    file.write_all(script.as_bytes())
        .and_then(|()| file.flush())
        .map_err(|e| format!("could not write the action's script to a file: {e}"))?;
    Ok(file)
}

/// Whether a text is YAML (`format: yaml`): the reader's first error, if any.
pub(crate) fn yaml_check(text: &str) -> Result<(), String> {
    for event in saphyr_parser::Parser::new_from_str(text) {
        event.map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Variables from a JSON object, for tests.
#[cfg(test)]
pub(crate) fn test_variables(json: &str) -> baton_feel::Context {
    match Value::from_json(&serde_json::from_str(json).expect("test json")) {
        Value::Context(context) => (*context).clone(),
        _ => baton_feel::Context::new(),
    }
}
