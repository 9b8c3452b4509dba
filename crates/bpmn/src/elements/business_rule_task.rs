//! `<businessRuleTask>`: evaluates a DMN decision (`zeebe:calledDecision`), or, like
//! Camunda 8, creates a job when it has a `zeebe:taskDefinition` instead.

use baton_model::{JobDefinition, NodeKind};

use crate::extensions::{Found, zeebe};
use crate::reader::Element;
use crate::report::Report;

pub(super) fn read(el: &Element, report: &mut Report) -> Option<NodeKind> {
    match zeebe::called_decision(el, report) {
        Found::Valid(decision) => return Some(NodeKind::BusinessRuleTask { decision }),
        Found::Invalid => return None,
        Found::Missing => {}
    }
    match zeebe::task_definition(el, report) {
        Found::Valid((job_type, retries)) => Some(NodeKind::ServiceTask {
            job: JobDefinition {
                job_type,
                retries,
                headers: zeebe::task_headers(el, report),
            },
        }),
        Found::Invalid => None,
        Found::Missing => {
            report.error(
                el,
                "business rule task calls no decision: add <zeebe:calledDecision \
                 decisionId=\"...\" resultVariable=\"...\"/> in its extensionElements",
            );
            None
        }
    }
}
