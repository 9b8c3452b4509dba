//! The contract between the YAML compiler and the runtime's phase handler: what a phase's
//! job must do, carried as JSON in the job header [`PHASE_HEADER`] of its service task.
//! The core never reads it; `baton_runtime`'s phase handler does.

use serde::{Deserialize, Serialize};

/// The job type of every compiled phase, step and undo action.
pub const PHASE_JOB_TYPE: &str = "baton.phase";
/// The job header that holds a [`PhaseAction`] as JSON.
pub const PHASE_HEADER: &str = "baton.phase";

/// What the runtime does for one job of a phase, in this order: check the gates (unmet:
/// the job waits, see the runtime), take the resources, render the templates and check
/// them, run the action, check the exit criteria, give the resources back.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PhaseAction {
    /// The phase (or step) id as written in the file.
    pub phase: String,
    /// The directory of the workflow file: `from:` and `schema:` paths are relative to it.
    /// Empty when the file's place is unknown (then they are relative to the project).
    pub base: String,
    /// Input gates, checked before anything else. Approval gates are not here: they
    /// compile to a user task before the phase.
    pub gates: Vec<Check>,
    /// Named resources held while the phase works.
    pub resources: Vec<ResourceUse>,
    /// For `for_each`: at most this many items of one element instance at once.
    pub max_parallel: Option<u32>,
    /// Artifacts rendered before the action runs.
    pub templates: Vec<Template>,
    /// The shell action, if any.
    pub run: Option<Run>,
    /// Exit criteria, checked after the action.
    pub exit: Vec<Check>,
    /// Kill the action after this long; the job fails naming the timeout.
    pub timeout_ms: Option<u64>,
    /// Wait this long before a retry (`retry.backoff`); attempts are the job's retries.
    pub backoff_ms: Option<u64>,
}

/// A shell action: `script` run by `shell` (`sh` runs `sh -c SCRIPT`; any other shell
/// gets the script as a file argument, so `python3` runs a Python script), in `cwd`
/// (relative to the project directory), with `env` values rendered as minijinja templates
/// over the instance's variables. The variables arrive on stdin as a JSON object; a JSON
/// object on stdout is the job's result.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Run {
    pub script: String,
    pub shell: String,
    pub cwd: Option<String>,
    pub env: Vec<(String, String)>,
}

/// One artifact: `from` (relative to the workflow file) rendered with minijinja over the
/// variables into `to` (relative to the project), then checked against `schema` (a JSON
/// Schema, relative to the workflow file) and/or `format`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Template {
    pub from: String,
    pub to: String,
    pub schema: Option<String>,
    pub format: Option<Format>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Json,
    Yaml,
    Markdown,
}

/// A gate or exit criterion. Its [`Check::describe`] text is what `missing` lists and
/// what an incident names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum Check {
    /// A file exists (relative to the project directory).
    File(String),
    /// A command exits 0 (run by `sh -c` in the project directory).
    Command(String),
    /// A FEEL expression over the instance's variables is true.
    Feel(String),
    /// A file (relative to the project) is valid against a JSON Schema (relative to the
    /// workflow file).
    Schema { file: String, schema: String },
}

impl Check {
    /// `file CHANGELOG.md`, `command grep -q …`, `feel checksum != null`,
    /// `schema dist/release.json`.
    pub fn describe(&self) -> String {
        match self {
            Check::File(path) => format!("file {path}"),
            Check::Command(command) => format!("command {command}"),
            Check::Feel(expression) => format!("feel {expression}"),
            Check::Schema { file, schema } => format!("schema {file} ({schema})"),
        }
    }
}

/// A named resource held by a phase: `units` of a resource of `capacity` (declared at the
/// workflow's top under `resources:`; 1 when not declared). `exclusive: NAME` takes all
/// of NAME's capacity, `counted: {NAME: N}` takes N units.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceUse {
    pub name: String,
    pub units: u32,
    pub capacity: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_action_reads_back_as_written() {
        let action = PhaseAction {
            phase: "tag".into(),
            gates: vec![
                Check::File("CHANGELOG.md".into()),
                Check::Feel("x > 1".into()),
            ],
            run: Some(Run {
                script: "echo hi".into(),
                shell: "sh".into(),
                ..Run::default()
            }),
            ..PhaseAction::default()
        };
        let json = serde_json::to_string(&action).expect("serializes");
        assert_eq!(
            serde_json::from_str::<PhaseAction>(&json).expect("reads"),
            action
        );
        assert_eq!(action.gates[0].describe(), "file CHANGELOG.md");
    }
}
