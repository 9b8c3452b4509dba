//! Runtime errors. [`Error::is_input_error`] separates "the user asked for something that
//! cannot be done" (exit code 2 in the CLI, 4xx in the API) from failures of the system.

use std::path::PathBuf;

use baton_core::{GlobalKey, InstanceId, Rejection};
use baton_model::Diagnostic;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{file}: not a runnable model:\n{}", render(file, diagnostics))]
    InvalidModel {
        file: PathBuf,
        diagnostics: Vec<Diagnostic>,
    },
    #[error("{}: defines no executable process or decision", file.display())]
    NoDefinition { file: PathBuf },
    #[error("no process '{process_id}' is deployed{}", suggest(similar))]
    UnknownProcess {
        process_id: String,
        similar: Vec<String>,
    },
    #[error("process '{process_id}' has no version {version}")]
    UnknownVersion { process_id: String, version: u32 },
    #[error("no instance {0} in this store")]
    UnknownInstance(InstanceId),
    #[error("no open user task {0} (list open tasks with `baton tasks`)")]
    UnknownTask(GlobalKey),
    #[error("no open incident {0} (list open incidents with `baton incidents`)")]
    UnknownIncident(GlobalKey),
    #[error(
        "job {0} is not activated by a worker (it was completed already, its lease ran out, \
         or it was never activated); activate it again"
    )]
    JobNotActivated(GlobalKey),
    #[error("no job {0} in this store")]
    UnknownJob(GlobalKey),
    #[error(
        "job {0} is held under another lease: this worker's lease ran out and another worker \
         activated the job, so this outcome is dropped"
    )]
    StaleLease(GlobalKey),
    #[error(transparent)]
    Rejected(#[from] Rejection),
    #[error(transparent)]
    Store(#[from] baton_store::Error),
    #[error("could not write the archive {}: {source}", path.display())]
    Archive {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Cluster mode: this node holds no partition's lease (it is joining, or the other
    /// nodes hold them all), so it has no instance id to give a new instance.
    #[error(
        "this node owns no partition of the cluster yet, so it cannot start instances; \
         try again shortly or through another node"
    )]
    NoPartition,
    #[error("{}: not a Camunda form: {message}", file.display())]
    InvalidForm { file: PathBuf, message: String },
    /// A user task without a form to show, or whose form is not deployed.
    #[error("{0}")]
    NoForm(String),
    #[error("no decision '{decision_id}' is deployed{}", version.map(|v| format!(" in version {v}")).unwrap_or_default())]
    UnknownDecision {
        decision_id: String,
        version: Option<u32>,
    },
    /// Evaluating a decision failed (its inputs did not fit its rules' expressions).
    #[error("{0}")]
    DecisionFailed(String),
    #[error("stored process '{process_id}' version {version} no longer parses: {message}")]
    BrokenDefinition {
        process_id: String,
        version: u32,
        message: String,
    },
}

impl Error {
    /// True when the request itself was wrong (bad model, unknown id, command not allowed
    /// in the instance's current state), as opposed to the system failing.
    pub fn is_input_error(&self) -> bool {
        match self {
            Error::InvalidModel { .. }
            | Error::NoDefinition { .. }
            | Error::UnknownProcess { .. }
            | Error::UnknownVersion { .. }
            | Error::UnknownInstance(_)
            | Error::UnknownTask(_)
            | Error::UnknownIncident(_)
            | Error::JobNotActivated(_)
            | Error::UnknownJob(_)
            | Error::StaleLease(_)
            | Error::InvalidForm { .. }
            | Error::NoForm(_)
            | Error::UnknownDecision { .. }
            | Error::DecisionFailed(_) => true,
            Error::Rejected(rejection) => !matches!(rejection, Rejection::Internal(_)),
            Error::Store(_)
            | Error::NoPartition
            | Error::BrokenDefinition { .. }
            | Error::Archive { .. } => false,
        }
    }
}

fn render(file: &std::path::Path, diagnostics: &[Diagnostic]) -> String {
    let lines: Vec<String> = diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("  {}:{d}", file.display()))
        .collect();
    lines.join("\n")
}

fn suggest(similar: &[String]) -> String {
    if similar.is_empty() {
        String::new()
    } else {
        format!("; similar names: {}", similar.join(", "))
    }
}
