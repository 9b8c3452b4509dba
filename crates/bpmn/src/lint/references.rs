//! What a model names outside itself: the job types its tasks need a handler for, and
//! the files it imports. The caller says what exists ([`super::Environment`]); this
//! module only compares.

use std::collections::BTreeSet;

use super::scope::Scope;
use super::{Check, Finding, Severity};
use crate::reader::{BpmnElement, Element, Ns};

/// Tasks (and message events, which Camunda 8 runs as jobs) whose
/// `zeebe:taskDefinition` type has no handler. A type computed by an expression is
/// only known at run time and is not checked.
pub(super) fn job_types(scope: &Scope<'_>, known: &BTreeSet<String>, findings: &mut Vec<Finding>) {
    for &node in &scope.nodes {
        let Some(job_type) = node
            .child(Ns::Bpmn, "extensionElements")
            .and_then(|e| e.child(Ns::Zeebe, "taskDefinition"))
            .and_then(|d| d.attr("type"))
            .map(str::trim)
        else {
            continue;
        };
        if job_type.is_empty() || job_type.starts_with('=') || known.contains(job_type) {
            continue;
        }
        let handlers = if known.is_empty() {
            "baton.toml defines no workers".to_string()
        } else {
            let names: Vec<&str> = known.iter().map(String::as_str).collect();
            format!("its workers: {}", names.join(", "))
        };
        let id = node.id().unwrap_or_default();
        findings.push(Finding {
            severity: Severity::Warning,
            check: Check::UnknownJobType,
            element: node.id().map(str::to_string),
            span: node.span,
            message: format!(
                "no handler for job type '{job_type}' of '{id}' in baton.toml ({handlers}): add \
                 [workers.{job_type}] command = \"...\", or complete its jobs with an external \
                 worker"
            ),
        });
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
