//! What a model names outside itself: the job types its tasks need a handler for, and
//! the files it imports. The caller says what exists ([`super::Environment`]); this
//! module only compares.

use std::collections::BTreeSet;

use super::scope::Scope;
use super::{Check, Finding, Severity};
use crate::reader::{BpmnElement, Element, Ns};

/// Job types Baton's runtime runs itself, whatever `baton.toml` says: the phases of YAML
/// workflows (`baton_yaml::action::PHASE_JOB_TYPE`), as `baton convert` writes them, and
/// LLM tasks (`baton_llm::TASK_JOB_TYPE`, asked of `[llm]`'s providers).
const BUILT_IN: &[&str] = &["baton.phase", baton_llm::TASK_JOB_TYPE];

/// Tasks (and message events, which Camunda 8 runs as jobs) whose
/// `zeebe:taskDefinition` type has no handler, and listeners likewise (the process's own
/// with the process's scope). A type computed by an expression is only known at run time
/// and is not checked.
pub(super) fn job_types(scope: &Scope<'_>, known: &BTreeSet<String>, findings: &mut Vec<Finding>) {
    let process = scope
        .container
        .is(Ns::Bpmn, "process")
        .then_some(scope.container);
    for node in process.into_iter().chain(scope.nodes.iter().copied()) {
        let extensions = node.child(Ns::Bpmn, "extensionElements");
        let task = extensions
            .and_then(|e| e.child(Ns::Zeebe, "taskDefinition"))
            .filter(|_| !node.is(Ns::Bpmn, "process"));
        let listeners = [
            ("executionListeners", "executionListener"),
            ("taskListeners", "taskListener"),
        ]
        .into_iter()
        .flat_map(|(list, item)| {
            extensions
                .and_then(|e| e.child(Ns::Zeebe, list))
                .into_iter()
                .flat_map(move |l| l.children.iter().filter(move |c| c.is(Ns::Zeebe, item)))
        });
        for holder in task.into_iter().chain(listeners) {
            let Some(job_type) = holder.attr("type").map(str::trim) else {
                continue;
            };
            if job_type.is_empty()
                || job_type.starts_with('=')
                || known.contains(job_type)
                || BUILT_IN.contains(&job_type)
            {
                continue;
            }
            findings.push(unknown_job_type(node, holder, job_type, known));
        }
    }
}

fn unknown_job_type(
    node: &Element,
    holder: &Element,
    job_type: &str,
    known: &BTreeSet<String>,
) -> Finding {
    let handlers = if known.is_empty() {
        "baton.toml defines no workers".to_string()
    } else {
        let names: Vec<&str> = known.iter().map(String::as_str).collect();
        format!("its workers: {}", names.join(", "))
    };
    let id = node.id().unwrap_or_default();
    // A listener is pointed at itself; a task's type at the task, as ever.
    let (whose, span) = match holder.name.as_str() {
        "executionListener" | "taskListener" => {
            (format!("a {} of '{id}'", holder.qualified), holder.span)
        }
        _ => (format!("'{id}'"), node.span),
    };
    Finding {
        severity: Severity::Warning,
        check: Check::UnknownJobType,
        element: node.id().map(str::to_string),
        span,
        message: format!(
            "no handler for job type '{job_type}' of {whose} in baton.toml ({handlers}): add \
             [workers.{job_type}] command = \"...\", or complete its jobs with an external \
             worker"
        ),
    }
}

/// `<import>`s whose location is a relative path that does not exist. Locations that
/// are URLs are not fetched.
pub(super) fn imports(root: &Element, exists: &dyn Fn(&str) -> bool, findings: &mut Vec<Finding>) {
    for import in root.children.iter().filter(|c| c.is(Ns::Bpmn, "import")) {
        let location = import.attr("location").unwrap_or_default().trim();
        if location.is_empty() || location.contains("://") || location.starts_with("urn:") {
            continue;
        }
        if exists(location) {
            continue;
        }
        let namespace = import.attr("namespace").unwrap_or_default();
        findings.push(Finding {
            severity: Severity::Warning,
            check: Check::DanglingImport,
            element: import.id().map(str::to_string),
            span: import.span,
            message: format!(
                "import of namespace '{namespace}' names '{location}', which is not there \
                 (relative to this file): add that file beside the model or fix the location"
            ),
        });
    }
}
